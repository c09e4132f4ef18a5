package softdelete_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/softdelete-go/softdelete"
)

// openSQLite creates a SQLite file with users (soft), posts (soft),
// comments (soft, column removed_at) and tags (plain), and returns the
// softdelete DB and a raw go-sqlite3 DB on the same file.
func openSQLite(t *testing.T) (db, raw *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
	raw, err := sql.Open("sqlite3", path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	for _, q := range []string{
		`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, deleted_at DATETIME)`,
		`CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER, title TEXT, deleted_at DATETIME)`,
		`CREATE TABLE comments (id INTEGER PRIMARY KEY, post_id INTEGER, body TEXT, removed_at DATETIME)`,
		`CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT)`,
		`INSERT INTO users (id, name) VALUES (1, 'ann'), (2, 'bob'), (3, 'cid')`,
		`INSERT INTO posts (id, user_id, title) VALUES (10, 1, 'a1'), (11, 1, 'a2'), (12, 2, 'b1')`,
		`INSERT INTO comments (id, post_id, body) VALUES (100, 10, 'x'), (101, 12, 'y')`,
		`INSERT INTO tags (id, name) VALUES (1, 't1'), (2, 't2')`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db, err = sql.Open("softdelete", "driver=sqlite3 tables=users,posts,comments:removed_at dsn="+path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, raw
}

func exec(t *testing.T, ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, q string, args ...any) int64 {
	t.Helper()
	res, err := db.ExecContext(ctx, q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// ids runs a query returning one integer column and returns it sorted,
// as "1,2,3".
func ids(t *testing.T, ctx context.Context, db interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, q string, args ...any) string {
	t.Helper()
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var id sql.NullInt64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		if id.Valid {
			out = append(out, int(id.Int64))
		} else {
			out = append(out, -1)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Ints(out)
	s := make([]string, len(out))
	for i, v := range out {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ",")
}

// prepared adapts a *sql.Stmt to the helpers above; the query is ignored.
type prepared struct{ st *sql.Stmt }

func (p prepared) QueryContext(ctx context.Context, _ string, args ...any) (*sql.Rows, error) {
	return p.st.QueryContext(ctx, args...)
}

func (p prepared) ExecContext(ctx context.Context, _ string, args ...any) (sql.Result, error) {
	return p.st.ExecContext(ctx, args...)
}

func TestDeleteStampsAndHides(t *testing.T) {
	db, raw := openSQLite(t)
	ctx := context.Background()
	before := time.Now().UTC().Add(-2 * time.Second)
	if n := exec(t, ctx, db, `DELETE FROM users WHERE id = ?`, 2); n != 1 {
		t.Fatalf("DELETE affected %d rows, want 1", n)
	}
	// The row is still there, stamped with the database's current time.
	var stamp time.Time
	if err := raw.QueryRow(`SELECT deleted_at FROM users WHERE id = 2`).Scan(&stamp); err != nil {
		t.Fatal(err)
	}
	if stamp.Before(before) || stamp.After(time.Now().UTC().Add(2*time.Second)) {
		t.Fatalf("stamp %v is not the current time", stamp)
	}
	if got := ids(t, ctx, db, `SELECT id FROM users`); got != "1,3" {
		t.Fatalf("live users = %s, want 1,3", got)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE id = ?`, 2).Scan(&n); err != nil || n != 0 {
		t.Fatalf("point lookup of a deleted row: count %d, err %v", n, err)
	}
	// Deleting again touches nothing and keeps the first stamp.
	time.Sleep(10 * time.Millisecond)
	if n := exec(t, ctx, db, `DELETE FROM users WHERE id = ?`, 2); n != 0 {
		t.Fatalf("second DELETE affected %d rows, want 0", n)
	}
	var again time.Time
	if err := raw.QueryRow(`SELECT deleted_at FROM users WHERE id = 2`).Scan(&again); err != nil || !again.Equal(stamp) {
		t.Fatalf("stamp changed from %v to %v (%v)", stamp, again, err)
	}
	// UPDATE does not touch deleted rows.
	if n := exec(t, ctx, db, `UPDATE users SET name = 'x'`); n != 2 {
		t.Fatalf("UPDATE affected %d rows, want the 2 live ones", n)
	}
	var name string
	if err := raw.QueryRow(`SELECT name FROM users WHERE id = 2`).Scan(&name); err != nil || name != "bob" {
		t.Fatalf("deleted row's name is %q (%v), want bob", name, err)
	}
	// Per-table column.
	exec(t, ctx, db, `DELETE FROM comments WHERE id = 100`)
	var removed sql.NullString
	if err := raw.QueryRow(`SELECT removed_at FROM comments WHERE id = 100`).Scan(&removed); err != nil || !removed.Valid {
		t.Fatalf("comments.removed_at = %v (%v), want a stamp", removed, err)
	}
}

func TestModes(t *testing.T) {
	db, _ := openSQLite(t)
	ctx := context.Background()
	exec(t, ctx, db, `DELETE FROM users WHERE id = 2`)
	exec(t, ctx, db, `DELETE FROM posts WHERE id = 11`)
	const q = `SELECT id FROM users`
	for _, c := range []struct {
		name string
		ctx  context.Context
		q    string
		want string
	}{
		{"default", ctx, q, "1,3"},
		{"include", softdelete.WithIncludeDeleted(ctx), q, "1,2,3"},
		{"only", softdelete.WithOnlyDeleted(ctx), q, "2"},
		{"include by name", softdelete.WithIncludeDeleted(ctx, "users"), q, "1,2,3"},
		{"include another table", softdelete.WithIncludeDeleted(ctx, "posts"), q, "1,3"},
		// The trash view: deleted posts with their live authors.
		{"only posts, live users", softdelete.WithOnlyDeleted(ctx),
			`SELECT p.id FROM posts p JOIN users u ON u.id = p.user_id`, "11"},
		{"only posts by name", softdelete.WithOnlyDeleted(ctx, "posts"),
			`SELECT u.id FROM users u JOIN posts p ON p.user_id = u.id`, "1"},
		{"force reads live rows", softdelete.WithForce(ctx), q, "1,3"},
		{"raw reads everything", softdelete.WithForce(softdelete.WithIncludeDeleted(ctx)), q, "1,2,3"},
	} {
		if got := ids(t, c.ctx, db, c.q); got != c.want {
			t.Errorf("%s: %s = %s, want %s", c.name, c.q, got, c.want)
		}
	}
}

func TestOuterJoinKeepsOuterRows(t *testing.T) {
	db, _ := openSQLite(t)
	ctx := context.Background()
	exec(t, ctx, db, `DELETE FROM posts WHERE id = 12`) // bob's only post
	// bob stays, with no post: the filter is in the ON, not the WHERE.
	got := ids(t, ctx, db, `SELECT u.id * 100 + coalesce(p.id, 0) FROM users u LEFT JOIN posts p ON p.user_id = u.id`)
	if got != "110,111,200,300" {
		t.Fatalf("LEFT JOIN rows = %s, want 110,111,200,300", got)
	}
	got = ids(t, ctx, db, `SELECT u.id * 100 + coalesce(p.id, 0) FROM posts p RIGHT JOIN users u ON p.user_id = u.id`)
	if got != "110,111,200,300" {
		t.Fatalf("RIGHT JOIN rows = %s, want 110,111,200,300", got)
	}
	// A deleted user disappears from the preserved side.
	exec(t, ctx, db, `DELETE FROM users WHERE id = 3`)
	got = ids(t, ctx, db, `SELECT u.id FROM users u LEFT JOIN posts p ON p.user_id = u.id`)
	if got != "1,1,2" {
		t.Fatalf("LEFT JOIN users = %s, want 1,1,2", got)
	}
}

func TestSubqueriesAndUnions(t *testing.T) {
	db, _ := openSQLite(t)
	ctx := context.Background()
	exec(t, ctx, db, `DELETE FROM posts WHERE id = 12`)
	exec(t, ctx, db, `DELETE FROM users WHERE id = 3`)
	for q, want := range map[string]string{
		`SELECT id FROM users WHERE id IN (SELECT user_id FROM posts)`:                                      "1",
		`SELECT id FROM users u WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.user_id = u.id)`:            "2",
		`SELECT (SELECT count(*) FROM posts p WHERE p.user_id = u.id) FROM users u`:                         "0,2",
		`SELECT n FROM (SELECT count(*) AS n FROM users) AS x`:                                              "2",
		`SELECT id FROM users UNION SELECT id FROM posts`:                                                   "1,2,10,11",
		`SELECT id FROM tags WHERE id <= (SELECT count(*) FROM users)`:                                      "1,2",
		`SELECT count(*) FROM users u JOIN posts p ON p.user_id = u.id JOIN comments c ON c.post_id = p.id`: "1",
	} {
		if got := ids(t, ctx, db, q); got != want {
			t.Errorf("%s = %s, want %s", q, got, want)
		}
	}
	// INSERT ... SELECT copies live rows only.
	exec(t, ctx, db, `INSERT INTO tags (id, name) SELECT id + 1000, title FROM posts`)
	if got := ids(t, ctx, db, `SELECT id FROM tags WHERE id > 1000`); got != "1010,1011" {
		t.Fatalf("INSERT ... SELECT copied %s, want 1010,1011", got)
	}
}

func TestForceAndRestore(t *testing.T) {
	db, raw := openSQLite(t)
	ctx := context.Background()
	exec(t, ctx, db, `DELETE FROM users WHERE id IN (2, 3)`)
	// Restore one.
	res, err := softdelete.Restore(ctx, db, "users", "name = ?", "bob")
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("Restore affected %d rows, want 1", n)
	}
	if got := ids(t, ctx, db, `SELECT id FROM users`); got != "1,2" {
		t.Fatalf("after Restore live users = %s, want 1,2", got)
	}
	// Force deletes what the statement sees: a live row, for good.
	if n := exec(t, softdelete.WithForce(ctx), db, `DELETE FROM users WHERE id = ?`, 1); n != 1 {
		t.Fatalf("forced DELETE affected %d", n)
	}
	// Force on a deleted row without the trash view deletes nothing.
	if n := exec(t, softdelete.WithForce(ctx), db, `DELETE FROM users WHERE id = ?`, 3); n != 0 {
		t.Fatalf("forced DELETE of a deleted row affected %d, want 0", n)
	}
	// Emptying the trash.
	if n := exec(t, softdelete.WithForce(softdelete.WithOnlyDeleted(ctx)), db, `DELETE FROM users`); n != 1 {
		t.Fatalf("emptying the trash affected %d, want 1", n)
	}
	if got := ids(t, ctx, raw, `SELECT id FROM users`); got != "2" {
		t.Fatalf("rows left in the table = %s, want 2", got)
	}
	// Restore checks its table.
	if _, err := softdelete.Restore(ctx, db, "tags", "id = 1"); err == nil || !strings.Contains(err.Error(), `Restore names "tags"`) {
		t.Fatalf("Restore of a plain table: %v", err)
	}
	if _, err := softdelete.Restore(ctx, db, "users;", ""); err == nil {
		t.Fatal("Restore accepted a bad table name")
	}
	if _, err := softdelete.Restore(ctx, db, "users", "1 = 1; DELETE FROM tags"); err == nil {
		t.Fatal("Restore accepted a second statement in its condition")
	}
	// Restore through a raw DB fails instead of doing anything.
	if _, err := softdelete.Restore(ctx, raw, "users", ""); err == nil {
		t.Fatal("Restore through a raw driver must fail")
	}
}

func TestRefusedStatementsAreNotSent(t *testing.T) {
	db, raw := openSQLite(t)
	ctx := context.Background()
	for _, q := range []string{
		`WITH doomed(id) AS (VALUES (1)) DELETE FROM users WHERE id IN (SELECT id FROM doomed)`,
		`INSERT OR REPLACE INTO users (id, name) VALUES (1, 'x')`,
		`REPLACE INTO users (id, name) VALUES (1, 'x')`,
		`SELECT 1; WITH x(n) AS (VALUES (1)) DELETE FROM users`,
	} {
		_, err := db.ExecContext(ctx, q)
		if !errors.Is(err, softdelete.ErrRefused) {
			t.Errorf("%s: err = %v, want a refusal", q, err)
		}
	}
	if got := ids(t, ctx, raw, `SELECT id FROM users WHERE deleted_at IS NULL AND name IN ('ann', 'bob', 'cid')`); got != "1,2,3" {
		t.Fatalf("users = %s after refused statements, want all three untouched", got)
	}
	// Raw passthrough sends even what the parser cannot read.
	rawCtx := softdelete.WithForce(softdelete.WithIncludeDeleted(ctx))
	if got := ids(t, rawCtx, db, `WITH x AS (SELECT id FROM users) SELECT id FROM x`); got != "1,2,3" {
		t.Fatalf("raw CTE = %s", got)
	}
}

func TestMultiStatementExec(t *testing.T) {
	db, raw := openSQLite(t)
	ctx := context.Background()
	// go-sqlite3 runs every statement of an Exec string: the second one
	// must be a soft delete too.
	exec(t, ctx, db, `UPDATE tags SET name = 'z' WHERE id = 1; DELETE FROM users WHERE id = 1`)
	var deleted sql.NullString
	if err := raw.QueryRow(`SELECT deleted_at FROM users WHERE id = 1`).Scan(&deleted); err != nil || !deleted.Valid {
		t.Fatalf("user 1: deleted_at %v, err %v: want the row kept and stamped", deleted, err)
	}
}

func TestPreparedStatementAcrossModes(t *testing.T) {
	db, _ := openSQLite(t)
	ctx := context.Background()
	exec(t, ctx, db, `DELETE FROM users WHERE id = 2`)
	st, err := db.PrepareContext(ctx, `SELECT id FROM users WHERE id >= ?`)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := 0; i < 2; i++ { // twice: the second round uses the kept statements
		for _, c := range []struct {
			ctx  context.Context
			want string
		}{
			{ctx, "1,3"},
			{softdelete.WithIncludeDeleted(ctx), "1,2,3"},
			{softdelete.WithOnlyDeleted(ctx), "2"},
			{ctx, "1,3"},
		} {
			if got := ids(t, c.ctx, prepared{st}, "", 1); got != c.want {
				t.Fatalf("round %d: prepared query = %s, want %s", i, got, c.want)
			}
		}
	}
	// A prepared DELETE soft-deletes by default and hard-deletes when forced.
	del, err := db.PrepareContext(ctx, `DELETE FROM users WHERE id = ?`)
	if err != nil {
		t.Fatal(err)
	}
	defer del.Close()
	exec(t, ctx, prepared{del}, "", 1)
	exec(t, softdelete.WithForce(softdelete.WithIncludeDeleted(ctx)), prepared{del}, "", 3)
	if got := ids(t, softdelete.WithIncludeDeleted(ctx), db, `SELECT id FROM users`); got != "1,2" {
		t.Fatalf("after prepared deletes all users = %s, want 1,2 (3 hard-deleted)", got)
	}
	// A statement the rewriter refuses fails at Prepare.
	if _, err := db.PrepareContext(ctx, `WITH x(n) AS (VALUES (1)) SELECT * FROM users`); !errors.Is(err, softdelete.ErrRefused) {
		t.Fatalf("Prepare of a refused statement: %v", err)
	}
	// A syntax error surfaces at Prepare too.
	if _, err := db.PrepareContext(ctx, `SELECT FROM users WHERE`); err == nil {
		t.Fatal("Prepare of bad SQL succeeded")
	}
}

func TestTransactions(t *testing.T) {
	db, raw := openSQLite(t)
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	exec(t, ctx, tx, `DELETE FROM users WHERE id = 1`)
	if got := ids(t, ctx, tx, `SELECT id FROM users`); got != "2,3" {
		t.Fatalf("inside tx live users = %s", got)
	}
	if got := ids(t, softdelete.WithOnlyDeleted(ctx), tx, `SELECT id FROM users`); got != "1" {
		t.Fatalf("inside tx trash = %s", got)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if got := ids(t, ctx, raw, `SELECT id FROM users WHERE deleted_at IS NULL`); got != "1,2,3" {
		t.Fatalf("after rollback = %s", got)
	}
	tx, err = db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	exec(t, ctx, tx, `DELETE FROM users WHERE id = 1`)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := ids(t, ctx, db, `SELECT id FROM users`); got != "2,3" {
		t.Fatalf("after commit = %s", got)
	}
	if _, err := softdelete.Restore(ctx, db, "users", "id = 1"); err != nil {
		t.Fatal(err)
	}
	if got := ids(t, ctx, db, `SELECT id FROM users`); got != "1,2,3" {
		t.Fatalf("after restore = %s", got)
	}
}

func TestConcurrentModes(t *testing.T) {
	db, _ := openSQLite(t)
	ctx := context.Background()
	exec(t, ctx, db, `DELETE FROM users WHERE id = 2`)
	st, err := db.PrepareContext(ctx, `SELECT id FROM users`)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cases := []struct {
		ctx  context.Context
		want string
	}{
		{ctx, "1,3"},
		{softdelete.WithIncludeDeleted(ctx), "1,2,3"},
		{softdelete.WithOnlyDeleted(ctx), "2"},
	}
	var wg sync.WaitGroup
	errs := make(chan string, 16*50)
	for g := 0; g < 16; g++ {
		g := g
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				c := cases[(g+i)%len(cases)]
				var rows *sql.Rows
				var err error
				if i%2 == 0 {
					rows, err = st.QueryContext(c.ctx)
				} else {
					rows, err = db.QueryContext(c.ctx, `SELECT id FROM users`)
				}
				if err != nil {
					errs <- err.Error()
					return
				}
				var got []string
				for rows.Next() {
					var id int
					_ = rows.Scan(&id)
					got = append(got, fmt.Sprint(id))
				}
				rows.Close()
				sort.Strings(got)
				if s := strings.Join(got, ","); s != c.want {
					errs <- fmt.Sprintf("goroutine %d: got %s, want %s", g, s, c.want)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestStats(t *testing.T) {
	db, _ := openSQLite(t)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		ids(t, ctx, db, `SELECT id FROM users WHERE id > ?`, i)
		ids(t, ctx, db, `SELECT id FROM tags`) // fast path: not counted
	}
	st, err := softdelete.Stats(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	// Two entries: the rewrite and the template of its skeleton.
	if st.Misses != 1 || st.Hits != 4 || st.Entries != 2 || st.Capacity != softdelete.DefaultCacheSize ||
		st.MaxBytes != softdelete.DefaultCacheBytes || st.Bytes == 0 {
		t.Fatalf("stats %+v, want 1 miss, 4 hits, 2 entries", st)
	}
	raw, err := sql.Open("sqlite3", filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := softdelete.Stats(ctx, raw); err == nil {
		t.Fatal("Stats of a raw DB must fail")
	}
}

func TestOpenDBWithConnector(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	c, err := softdelete.NewConnector(softdelete.Config{
		DriverName: "sqlite3", DSN: path, Tables: []string{"items:gone_at"}, CacheSize: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	ctx := context.Background()
	exec(t, ctx, db, `CREATE TABLE items (id INTEGER PRIMARY KEY, gone_at TEXT)`)
	exec(t, ctx, db, `INSERT INTO items (id) VALUES (1), (2)`)
	exec(t, ctx, db, `DELETE FROM items WHERE id = 1`)
	if got := ids(t, ctx, db, `SELECT id FROM items`); got != "2" {
		t.Fatalf("items = %s", got)
	}
	if st := c.CacheStats(); st.Capacity != 0 || st.Hits != 0 {
		t.Fatalf("disabled cache stats %+v", st)
	}
	q, err := c.Rewrite(ctx, `DELETE FROM items`)
	if err != nil || !strings.HasPrefix(q, "update items set gone_at = ") {
		t.Fatalf("Rewrite = %q, %v", q, err)
	}
	if _, ok := db.Driver().(*softdelete.Driver); !ok {
		t.Fatalf("db.Driver() = %T", db.Driver())
	}
}
