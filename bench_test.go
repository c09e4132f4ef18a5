package softdelete

// Benchmarks of issue 5: what softdelete costs next to the raw driver
// running the hand-filtered SQL. See BENCHMARKS.md for the commands, the
// machine and the results.
//
// Every end-to-end benchmark is named Benchmark<DB>/op=<op>/impl=<impl>,
// with impl=raw (the inner driver, running the SQL softdelete would send,
// written by hand) and impl=softdelete (the user's SQL through the
// wrapper), run one after the other against the same database, so that
//
//	benchstat -col /impl old.txt
//
// prints the ratio of each pair.

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/mattn/go-sqlite3"
	"github.com/xwb1989/sqlparser"
)

// The tables of the end-to-end benchmarks. The names are prefixed so that
// the MariaDB run cannot collide with other suites using the same database.
const (
	benchUsers = "sdbench_users"
	benchPosts = "sdbench_posts"
	benchPlain = "sdbench_plain"

	benchLive  = 10000   // users 1..benchLive are live, each with one live post
	benchDead  = 10000   // users benchLive+1..benchLive+benchDead are soft-deleted
	benchFresh = 1000000 // ids from here on are inserted for the fresh-DELETE benchmark
)

// The user's statements (what an application sends through softdelete).
var (
	benchPointSQL = "SELECT id, name, email FROM " + benchUsers + " WHERE id = ?"
	benchJoinSQL  = "SELECT u.id, u.name, p.id, p.title FROM " + benchUsers + " u LEFT JOIN " + benchPosts +
		" p ON p.user_id = u.id WHERE u.id = ?"
	benchDeleteSQL = "DELETE FROM " + benchUsers + " WHERE id = ?"
	benchPlainSQL  = "SELECT id, msg FROM " + benchPlain + " WHERE id = ?"
)

// The same statements filtered by hand, for the raw driver.
func benchHand(d *dialect) (point, join, del string) {
	now := d.defaultNow
	point = "SELECT id, name, email FROM " + benchUsers + " WHERE id = ? AND deleted_at IS NULL"
	join = "SELECT u.id, u.name, p.id, p.title FROM " + benchUsers + " u LEFT JOIN " + benchPosts +
		" p ON p.user_id = u.id AND p.deleted_at IS NULL WHERE u.id = ? AND u.deleted_at IS NULL"
	del = "UPDATE " + benchUsers + " SET deleted_at = " + now + " WHERE id = ? AND deleted_at IS NULL"
	return point, join, del
}

type benchDBs struct {
	d         *dialect
	raw, soft *sql.DB
}

func (e *benchDBs) close() {
	e.raw.Close()
	e.soft.Close()
}

// openBenchDBs opens one database twice, raw and through softdelete, each
// with a single connection, and creates and fills the benchmark tables.
func openBenchDBs(b *testing.B, d *dialect, innerDriver, innerDSN string) *benchDBs {
	b.Helper()
	raw, err := sql.Open(innerDriver, innerDSN)
	if err != nil {
		b.Fatal(err)
	}
	soft, err := sql.Open(DriverName, "driver="+innerDriver+" tables="+benchUsers+","+benchPosts+" dsn="+innerDSN)
	if err != nil {
		b.Fatal(err)
	}
	for _, db := range []*sql.DB{raw, soft} {
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	}
	e := &benchDBs{d: d, raw: raw, soft: soft}
	ctx := context.Background()
	pk, dt := "INTEGER PRIMARY KEY", "DATETIME"
	if d == dialectMySQL {
		pk, dt = "BIGINT PRIMARY KEY", "DATETIME(6) NULL"
	}
	schema := []string{
		"DROP TABLE IF EXISTS " + benchPosts,
		"DROP TABLE IF EXISTS " + benchUsers,
		"DROP TABLE IF EXISTS " + benchPlain,
		"CREATE TABLE " + benchUsers + " (id " + pk + ", name VARCHAR(64) NOT NULL, email VARCHAR(64) NOT NULL, deleted_at " + dt + ")",
		"CREATE TABLE " + benchPosts + " (id " + pk + ", user_id BIGINT NOT NULL, title VARCHAR(64) NOT NULL, deleted_at " + dt + ")",
		"CREATE INDEX " + benchPosts + "_user ON " + benchPosts + " (user_id)",
		"CREATE TABLE " + benchPlain + " (id " + pk + ", msg VARCHAR(64) NOT NULL)",
	}
	for _, q := range schema {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			e.close()
			b.Fatal(q, ": ", err)
		}
	}
	var users, posts, plain []string
	for id := 1; id <= benchLive+benchDead; id++ {
		name := fmt.Sprintf("user%d", id)
		if id <= benchLive {
			users = append(users, fmt.Sprintf("(%d, '%s', '%s@example.com', NULL)", id, name, name))
			posts = append(posts, fmt.Sprintf("(%d, %d, 'post of %s')", id, id, name))
			plain = append(plain, fmt.Sprintf("(%d, 'message %s')", id, name))
		} else {
			users = append(users, fmt.Sprintf("(%d, '%s', '%s@example.com', '2020-01-01 00:00:00')", id, name, name))
		}
	}
	for _, t := range []struct {
		head string
		rows []string
	}{
		{"INSERT INTO " + benchUsers + " (id, name, email, deleted_at) VALUES ", users},
		{"INSERT INTO " + benchPosts + " (id, user_id, title) VALUES ", posts},
		{"INSERT INTO " + benchPlain + " (id, msg) VALUES ", plain},
	} {
		if err := insertRows(ctx, raw, t.head, t.rows); err != nil {
			e.close()
			b.Fatal(err)
		}
	}
	return e
}

// insertRows inserts rows, given as SQL tuples, in one transaction and
// batches of 500.
func insertRows(ctx context.Context, db *sql.DB, head string, rows []string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for len(rows) > 0 {
		n := len(rows)
		if n > 500 {
			n = 500
		}
		if _, err := tx.ExecContext(ctx, head+strings.Join(rows[:n], ", ")); err != nil {
			_ = tx.Rollback()
			return err
		}
		rows = rows[n:]
	}
	return tx.Commit()
}

// An e2eOp is one end-to-end operation. make binds it to a database and
// its SQL and returns a function doing iteration i. The i-th iteration
// uses ordinal k = i*stride + offset to choose its row, so that two
// operations run side by side (see benchPaired) can take turns over one
// sequence of rows without sharing any.
type e2eOp struct {
	name  string
	fresh bool // each ordinal needs a fresh live row: see freshRows
	make  func(b *testing.B, ctx context.Context, db *sql.DB, q string, stride, offset int) (op func(i int), done func())
	raw   func(point, join, del string) string // the hand-filtered SQL
	soft  string                               // the user's SQL
}

var e2eOps = []e2eOp{
	{name: "point", make: pointOp, soft: benchPointSQL,
		raw: func(point, _, _ string) string { return point }},
	{name: "point-prepared", make: pointPreparedOp, soft: benchPointSQL,
		raw: func(point, _, _ string) string { return point }},
	{name: "leftjoin", make: joinOp, soft: benchJoinSQL,
		raw: func(_, join, _ string) string { return join }},
	{name: "delete-deleted", make: deleteDeadOp, soft: benchDeleteSQL,
		raw: func(_, _, del string) string { return del }},
	{name: "delete-fresh", fresh: true, make: deleteFreshOp, soft: benchDeleteSQL,
		raw: func(_, _, del string) string { return del }},
	{name: "plain", make: plainOp, soft: benchPlainSQL,
		raw: func(_, _, _ string) string { return benchPlainSQL }},
}

// pointOp reads one live row of three columns by primary key.
func pointOp(b *testing.B, ctx context.Context, db *sql.DB, q string, stride, offset int) (func(int), func()) {
	var id int64
	var name, email string
	return func(i int) {
		if err := db.QueryRowContext(ctx, q, 1+(i*stride+offset)%benchLive).Scan(&id, &name, &email); err != nil {
			b.Fatal(err)
		}
	}, func() {}
}

// pointPreparedOp is pointOp through a statement prepared once.
func pointPreparedOp(b *testing.B, ctx context.Context, db *sql.DB, q string, stride, offset int) (func(int), func()) {
	st, err := db.PrepareContext(ctx, q)
	if err != nil {
		b.Fatal(err)
	}
	var id int64
	var name, email string
	return func(i int) {
		if err := st.QueryRowContext(ctx, 1+(i*stride+offset)%benchLive).Scan(&id, &name, &email); err != nil {
			b.Fatal(err)
		}
	}, func() { st.Close() }
}

// joinOp reads every row of the LEFT JOIN of one user (one row).
func joinOp(b *testing.B, ctx context.Context, db *sql.DB, q string, stride, offset int) (func(int), func()) {
	var uid, pid int64
	var name, title string
	return func(i int) {
		rows, err := db.QueryContext(ctx, q, 1+(i*stride+offset)%benchLive)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			if err := rows.Scan(&uid, &name, &pid, &title); err != nil {
				b.Fatal(err)
			}
			n++
		}
		if err := rows.Close(); err != nil {
			b.Fatal(err)
		}
		if n != 1 {
			b.Fatalf("join: %d rows, want 1", n)
		}
	}, func() {}
}

// plainOp reads one row of a table that is not a soft-delete table; raw
// and softdelete send the same text.
func plainOp(b *testing.B, ctx context.Context, db *sql.DB, q string, stride, offset int) (func(int), func()) {
	var id int64
	var msg string
	return func(i int) {
		if err := db.QueryRowContext(ctx, q, 1+(i*stride+offset)%benchLive).Scan(&id, &msg); err != nil {
			b.Fatal(err)
		}
	}, func() {}
}

// deleteDeadOp soft-deletes a row that is already deleted: on both sides
// the database finds the row by primary key, sees deleted_at set and
// changes nothing, so every iteration does the same work on both sides
// and the table never changes.
func deleteDeadOp(b *testing.B, ctx context.Context, db *sql.DB, q string, stride, offset int) (func(int), func()) {
	return func(i int) {
		res, err := db.ExecContext(ctx, q, benchLive+1+(i*stride+offset)%benchDead)
		if err != nil {
			b.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 0 {
			b.Fatalf("deleted %d rows, want 0", n)
		}
	}, func() {}
}

// deleteFreshOp soft-deletes a live row on every iteration: the row of id
// benchFresh+k, which freshRows inserted before the timer started. Both
// sides stamp distinct rows of the same table, in the same way and with
// the same expression.
func deleteFreshOp(b *testing.B, ctx context.Context, db *sql.DB, q string, stride, offset int) (func(int), func()) {
	return func(i int) {
		res, err := db.ExecContext(ctx, q, benchFresh+i*stride+offset)
		if err != nil {
			b.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			b.Fatalf("deleted %d rows, want 1", n)
		}
	}, func() {}
}

// freshRows removes (raw, for real) the rows an earlier run stamped and
// inserts n fresh live rows with ids benchFresh..benchFresh+n-1, so that
// every run starts from the same table.
func freshRows(b *testing.B, ctx context.Context, e *benchDBs, n int) {
	if _, err := e.raw.ExecContext(ctx, "DELETE FROM "+benchUsers+" WHERE id >= ?", benchFresh); err != nil {
		b.Fatal(err)
	}
	rows := make([]string, n)
	for i := range rows {
		rows[i] = fmt.Sprintf("(%d, 'fresh', 'fresh@example.com')", benchFresh+i)
	}
	if err := insertRows(ctx, e.raw, "INSERT INTO "+benchUsers+" (id, name, email) VALUES ", rows); err != nil {
		b.Fatal(err)
	}
}

// benchEndToEnd runs every operation on e, raw then softdelete, as
// op=<name>/impl=raw and op=<name>/impl=softdelete.
func benchEndToEnd(b *testing.B, e *benchDBs) {
	ctx := context.Background()
	point, join, del := benchHand(e.d)
	for _, o := range e2eOps {
		o := o
		for _, impl := range []string{"raw", "softdelete"} {
			db, q := e.raw, o.raw(point, join, del)
			if impl == "softdelete" {
				db, q = e.soft, o.soft
			}
			b.Run("op="+o.name+"/impl="+impl, func(b *testing.B) {
				if o.fresh {
					freshRows(b, ctx, e, b.N)
				}
				op, done := o.make(b, ctx, db, q, 1, 0)
				defer done()
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					op(i)
				}
			})
		}
	}
}

// benchPaired runs every operation on e as op=<name>, raw and softdelete
// taking turns on every iteration (in alternating order), each timed on
// its own. Load from other processes then falls on both sides alike,
// which makes the ratio stable on a shared machine. It reports
// raw-ns/op, softdelete-ns/op and their ratio, softdelete/raw; the ns/op
// of the benchmark itself is the sum of both plus the clock reads.
func benchPaired(b *testing.B, e *benchDBs) {
	ctx := context.Background()
	point, join, del := benchHand(e.d)
	for _, o := range e2eOps {
		o := o
		b.Run("op="+o.name, func(b *testing.B) {
			if o.fresh {
				freshRows(b, ctx, e, 2*b.N)
			}
			rawOp, rawDone := o.make(b, ctx, e.raw, o.raw(point, join, del), 2, 0)
			defer rawDone()
			softOp, softDone := o.make(b, ctx, e.soft, o.soft, 2, 1)
			defer softDone()
			var tRaw, tSoft time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i&1 == 0 {
					t0 := time.Now()
					rawOp(i)
					t1 := time.Now()
					softOp(i)
					t2 := time.Now()
					tRaw += t1.Sub(t0)
					tSoft += t2.Sub(t1)
				} else {
					t0 := time.Now()
					softOp(i)
					t1 := time.Now()
					rawOp(i)
					t2 := time.Now()
					tSoft += t1.Sub(t0)
					tRaw += t2.Sub(t1)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(tRaw.Nanoseconds())/float64(b.N), "raw-ns/op")
			b.ReportMetric(float64(tSoft.Nanoseconds())/float64(b.N), "softdelete-ns/op")
			b.ReportMetric(float64(tSoft)/float64(tRaw), "softdelete/raw")
		})
	}
}

// sqliteDSN is the inner DSN of the SQLite benchmarks: a file database
// with the WAL journal and synchronous=NORMAL, so that a commit is not an
// fsync and the DELETE benchmarks measure SQL rather than the disk.
func sqliteDSN(b *testing.B) string {
	return "file:" + filepath.Join(b.TempDir(), "bench.db") + "?_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=5000"
}

// BenchmarkSQLite compares softdelete with mattn/go-sqlite3, one
// implementation after the other.
func BenchmarkSQLite(b *testing.B) {
	e := openBenchDBs(b, dialectSQLite, "sqlite3", sqliteDSN(b))
	defer e.close()
	benchEndToEnd(b, e)
}

// BenchmarkSQLitePaired compares softdelete with mattn/go-sqlite3, taking
// turns on every iteration.
func BenchmarkSQLitePaired(b *testing.B) {
	e := openBenchDBs(b, dialectSQLite, "sqlite3", sqliteDSN(b))
	defer e.close()
	benchPaired(b, e)
}

// BenchmarkMySQL compares softdelete with go-sql-driver/mysql on the server
// that SOFTDELETE_MYSQL_DSN names (MariaDB in CI), one implementation
// after the other; it is skipped without that variable. It runs twice:
// params=server with the DSN as given (database/sql prepares, executes and
// closes a statement with arguments, after the driver's driver.ErrSkip),
// and params=interpolated with interpolateParams=true (the driver sends
// one text query).
func BenchmarkMySQL(b *testing.B) { benchMySQL(b, benchEndToEnd) }

// BenchmarkMySQLPaired is BenchmarkMySQL taking turns on every iteration.
func BenchmarkMySQLPaired(b *testing.B) { benchMySQL(b, benchPaired) }

func benchMySQL(b *testing.B, run func(*testing.B, *benchDBs)) {
	dsn := os.Getenv("SOFTDELETE_MYSQL_DSN")
	if dsn == "" {
		b.Skip("SOFTDELETE_MYSQL_DSN is not set")
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	for _, c := range []struct{ name, dsn string }{
		{"server", dsn},
		{"interpolated", dsn + sep + "interpolateParams=true"},
	} {
		dsn := c.dsn
		b.Run("params="+c.name, func(b *testing.B) {
			e := openBenchDBs(b, dialectMySQL, "mysql", dsn)
			defer func() {
				for _, t := range []string{benchPosts, benchUsers, benchPlain} {
					_, _ = e.raw.Exec("DROP TABLE IF EXISTS " + t)
				}
				e.close()
			}()
			run(b, e)
		})
	}
}

// Micro-benchmarks of the rewriter's hot and cold paths.

func benchRewriter(b *testing.B, cacheSize int) *rewriter {
	b.Helper()
	rw, err := newRewriter(Config{DriverName: "sqlite3", Tables: []string{benchUsers, benchPosts}, CacheSize: cacheSize})
	if err != nil {
		b.Fatal(err)
	}
	return rw
}

// BenchmarkMentionedIn is the lexical fast path: a statement on a plain
// table (the whole text is scanned) and one on a soft-delete table.
func BenchmarkMentionedIn(b *testing.B) {
	rw := benchRewriter(b, 0)
	for _, c := range []struct{ name, q string }{
		{"plain", benchPlainSQL},
		{"plain-long", "SELECT o.id, o.total, o.created_at, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.status = ? AND o.created_at > ? ORDER BY o.created_at DESC LIMIT 50"},
		{"point", benchPointSQL},
		{"leftjoin", benchJoinSQL},
	} {
		q := c.q
		b.Run("q="+c.name, func(b *testing.B) {
			want := c.name != "plain" && c.name != "plain-long"
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if rw.tables.mentionedIn(q) != want {
					b.Fatal("wrong answer")
				}
			}
		})
	}
}

// BenchmarkRewriteCached is rw.rewrite answered from a warm cache.
func BenchmarkRewriteCached(b *testing.B) {
	rw := benchRewriter(b, 0)
	for _, c := range []struct{ name, q string }{
		{"point", benchPointSQL},
		{"leftjoin", benchJoinSQL},
		{"delete", benchDeleteSQL},
		{"plain", benchPlainSQL},
	} {
		q := c.q
		b.Run("q="+c.name, func(b *testing.B) {
			want, err := rw.rewrite(q, defaultMode)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				out, err := rw.rewrite(q, defaultMode)
				if err != nil || len(out) != len(want) {
					b.Fatal("wrong answer")
				}
			}
		})
	}
}

// BenchmarkRewriteCachedParallel is the cache hit path from every core.
func BenchmarkRewriteCachedParallel(b *testing.B) {
	rw := benchRewriter(b, 0)
	if _, err := rw.rewrite(benchJoinSQL, defaultMode); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := rw.rewrite(benchJoinSQL, defaultMode); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkColdJoin is the rewrite of the LEFT JOIN with the cache
// disabled, next to a bare sqlparser.Parse of the same text, and the steps
// of the rewrite on their own: the pre-lexer, sqlparser on the pre-lexed
// text, and the printer.
func BenchmarkColdJoin(b *testing.B) {
	q := benchJoinSQL
	b.Run("step=sqlparser.Parse", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := sqlparser.Parse(q); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("step=rewrite", func(b *testing.B) {
		rw := benchRewriter(b, -1)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := rw.rewrite(q, defaultMode); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("step=rewrite-without-regions", func(b *testing.B) {
		rw := benchRewriter(b, -1)
		rw.wholeParse = true
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := rw.rewrite(q, defaultMode); err != nil {
				b.Fatal(err)
			}
		}
	})
	rw := benchRewriter(b, -1)
	b.Run("step=lex", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := lex(q, rw.d, rw.tables, true); err != nil {
				b.Fatal(err)
			}
		}
	})
	sts, err := lex(q, rw.d, rw.tables, true)
	if err != nil || len(sts) != 1 {
		b.Fatal(err)
	}
	st := sts[0]
	b.Run("step=parse-lexed", func(b *testing.B) {
		text := st.parseText()
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := parse(text); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("step=print", func(b *testing.B) {
		rw := benchRewriter(b, -1)
		stmt, err := parse(st.parseText())
		if err != nil {
			b.Fatal(err)
		}
		s := &scope{r: rw, m: defaultMode, st: st}
		out := s.statement(stmt)
		if s.err != nil {
			b.Fatal(s.err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			p := &printer{d: rw.d, verbatims: st.verbatims, quoted: st.quoted, size: len(st.text) + len(st.text)/2 + 64}
			if _, err := p.print(out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkColdJoinPaired is BenchmarkColdJoin's bare parse and cold
// rewrite taking turns on every iteration, each timed on its own, for a
// ratio that load from other processes does not skew. It reports
// parse-ns/op, rewrite-ns/op and rewrite/parse, for the rewriter as it is
// (regions=on) and with sqlparser reading the whole statement
// (regions=off).
func BenchmarkColdJoinPaired(b *testing.B) {
	for _, regions := range []bool{true, false} {
		b.Run(fmt.Sprintf("regions=%s", map[bool]string{true: "on", false: "off"}[regions]), func(b *testing.B) {
			q := benchJoinSQL
			rw := benchRewriter(b, -1)
			rw.wholeParse = !regions
			var tParse, tRewrite time.Duration
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				if _, err := sqlparser.Parse(q); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if _, err := rw.rewrite(q, defaultMode); err != nil {
					b.Fatal(err)
				}
				t2 := time.Now()
				tParse += t1.Sub(t0)
				tRewrite += t2.Sub(t1)
			}
			b.StopTimer()
			b.ReportMetric(float64(tParse.Nanoseconds())/float64(b.N), "parse-ns/op")
			b.ReportMetric(float64(tRewrite.Nanoseconds())/float64(b.N), "rewrite-ns/op")
			b.ReportMetric(float64(tRewrite)/float64(tParse), "rewrite/parse")
		})
	}
}
