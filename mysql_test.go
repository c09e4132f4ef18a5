package softdelete

// The MariaDB/MySQL integration suite: these tests run softdelete against a
// live server. They need SOFTDELETE_MYSQL_DSN, a go-sql-driver/mysql DSN of
// a user that may create and drop databases (CI sets it to
// root@tcp(127.0.0.1:3306)/test); without it they skip.
//
// Every test works in a database of its own, created by mysqlOpen and
// dropped when the test ends, so runs and tests never collide.
//
// This file holds the shared helpers (mysqlOpen, mysqlFixture,
// mysqlExec, mysqlRows, mysqlCheck, mysqlStamp, ...) and the core suite,
// which runs against DATETIME(6) and TIMESTAMP(6) deleted columns, with
// parseTime=true and without it. mysql_syntax_test.go covers MySQL/MariaDB
// syntax, mysql_driver_test.go driver options, faults and concurrency.
//
//	SOFTDELETE_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test' go test -race -run TestMySQL -count=1 .

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// mysqlDSNEnv names the environment variable that holds the server's DSN.
const mysqlDSNEnv = "SOFTDELETE_MYSQL_DSN"

// mysqlBaseConfig returns the parsed DSN of SOFTDELETE_MYSQL_DSN, or skips
// the test when it is not set.
func mysqlBaseConfig(t testing.TB) *mysql.Config {
	t.Helper()
	dsn := os.Getenv(mysqlDSNEnv)
	if dsn == "" {
		t.Skip(mysqlDSNEnv + " not set: skipping the MariaDB suite")
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s=%q: %v", mysqlDSNEnv, dsn, err)
	}
	return cfg
}

// mysqlTestDB is a fresh database on the live server, open twice: through
// softdelete and through the plain mysql driver.
type mysqlTestDB struct {
	Name     string  // the database's name (softdelete_...)
	InnerDSN string  // the go-sql-driver/mysql DSN of the database, params included
	DSN      string  // the softdelete DSN that DB was opened with
	Tables   string  // the tables= list of DSN
	DB       *sql.DB // sql.Open("softdelete", DSN)
	Raw      *sql.DB // sql.Open("mysql", InnerDSN): sees and changes rows as they are
}

// mysqlOpen creates a fresh database (dropped when the test ends) and opens
// it through softdelete and through the raw mysql driver.
func mysqlOpen(t testing.TB, tables, params string) *mysqlTestDB {
	t.Helper()
	base := mysqlBaseConfig(t)
	admin, err := sql.Open("mysql", base.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	name := mysqlDatabaseName(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"`"); err != nil {
		admin.Close()
		t.Fatalf("creating the test database: %v (%s=%s)", err, mysqlDSNEnv, os.Getenv(mysqlDSNEnv))
	}
	m := &mysqlTestDB{Name: name, Tables: tables}
	t.Cleanup(func() {
		// Registered first, so it runs last: after the handles below are
		// closed.
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			t.Errorf("dropping test database %s: %v", name, err)
		}
		admin.Close()
	})
	inner, err := mysqlWithParams(base, name, params)
	if err != nil {
		t.Fatalf("params %q: %v", params, err)
	}
	m.InnerDSN = inner
	m.DSN = "driver=mysql tables=" + tables + " dsn=" + inner
	if m.Raw, err = sql.Open("mysql", inner); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Raw.Close() })
	if m.DB, err = sql.Open(DriverName, m.DSN); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.DB.Close() })
	return m
}

// mysqlWithParams returns the DSN of base with database dbName and the
// parameters params ("k=v&k2=v2") set over base's own: a parameter in both
// (parseTime=true in SOFTDELETE_MYSQL_DSN, parseTime=false in a variant)
// takes params' value, as the driver reads the later of two.
func mysqlWithParams(base *mysql.Config, dbName, params string) (string, error) {
	cfg := base.Clone()
	cfg.DBName = dbName
	if params == "" {
		return cfg.FormatDSN(), nil
	}
	dsn := cfg.FormatDSN()
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	cfg, err := mysql.ParseDSN(dsn + sep + params)
	if err != nil {
		return "", err
	}
	return cfg.FormatDSN(), nil
}

// mysqlDatabaseName returns a new database name: softdelete_, a piece of
// the test's name, and random hex.
func mysqlDatabaseName(t testing.TB) string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	var s strings.Builder
	for _, c := range strings.ToLower(t.Name()) {
		if s.Len() >= 30 {
			break
		}
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			s.WriteRune(c)
		} else {
			s.WriteByte('_')
		}
	}
	return "softdelete_" + s.String() + "_" + hex.EncodeToString(b[:])
}

// mysqlExecer runs statements: *sql.DB, *sql.Tx and *sql.Conn.
type mysqlExecer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// mysqlQueryer runs queries: *sql.DB, *sql.Tx and *sql.Conn.
type mysqlQueryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// mysqlExec runs statements in order and fails the test at the first error.
func mysqlExec(t testing.TB, db mysqlExecer, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := db.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// mysqlAffected runs one statement and returns its RowsAffected.
func mysqlAffected(t testing.TB, ctx context.Context, db mysqlExecer, query string, args ...any) int64 {
	t.Helper()
	res, err := db.ExecContext(ctx, query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		t.Fatalf("%s: RowsAffected: %v", query, err)
	}
	return n
}

// mysqlCell formats one scanned value: NULL, text, or a time with
// microseconds.
func mysqlCell(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return string(x)
	case time.Time:
		return x.Format("2006-01-02 15:04:05.000000")
	default:
		return fmt.Sprint(x)
	}
}

// mysqlCollect reads every row, each as its cells joined by "|".
func mysqlCollect(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	out := []string{}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		cells := make([]string, len(vals))
		for i, v := range vals {
			cells[i] = mysqlCell(v)
		}
		out = append(out, strings.Join(cells, "|"))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, rows.Close()
}

// mysqlQueryE runs a query and returns its rows as mysqlCollect does.
func mysqlQueryE(ctx context.Context, db mysqlQueryer, query string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return mysqlCollect(rows)
}

// mysqlRows runs a query and returns its rows, failing the test on error.
func mysqlRows(t testing.TB, ctx context.Context, db mysqlQueryer, query string, args ...any) []string {
	t.Helper()
	out, err := mysqlQueryE(ctx, db, query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return out
}

// mysqlWant fails the test unless got is want, row for row.
func mysqlWant(t testing.TB, what string, got []string, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if strings.Join(got, ", ") != strings.Join(want, ", ") || len(got) != len(want) {
		t.Errorf("%s:\n got [%s]\nwant [%s]", what, strings.Join(got, ", "), strings.Join(want, ", "))
	}
}

// mysqlCheck runs a query and checks its rows.
func mysqlCheck(t testing.TB, ctx context.Context, db mysqlQueryer, query string, want ...string) {
	t.Helper()
	mysqlWant(t, query, mysqlRows(t, ctx, db, query), want...)
}

// mysqlCheckOrRefused runs a query and checks its rows, or that softdelete
// refused it: for syntax that it may not be able to rewrite.
func mysqlCheckOrRefused(t testing.TB, ctx context.Context, db mysqlQueryer, query string, want ...string) {
	t.Helper()
	got, err := mysqlQueryE(ctx, db, query)
	if errors.Is(err, ErrRefused) {
		t.Logf("refused (acceptable): %s", query)
		return
	}
	if err != nil {
		t.Errorf("%s: %v (want its rows, or a refusal)", query, err)
		return
	}
	mysqlWant(t, query, got, want...)
}

// mysqlWantRefused fails the test unless err is a *RefusedError.
func mysqlWantRefused(t testing.TB, what string, err error) {
	t.Helper()
	var re *RefusedError
	if !errors.Is(err, ErrRefused) || !errors.As(err, &re) {
		t.Errorf("%s: got error %v, want a *softdelete.RefusedError", what, err)
	}
}

// mysqlOldStamp is the deleted_at of the rows the fixture creates deleted.
const mysqlOldStamp = "2001-02-03 04:05:06.123456"

// mysqlFixture creates the tables of the core suite with deleted columns
// of type colType and fills them:
//
//	users     1 alice, 3 carol, 5 erin live; 2 bob, 4 dave deleted
//	posts     10 (user 1), 12 (user 2), 14 (user 3) live; 11 (1), 13 (3), 15 (4) deleted
//	comments  100 (post 10), 102 (post 11), 103 (post 14) live; 101 (10), 104 (12) removed (removed_at)
//	profiles  user 1 live, user 3 deleted
//	tags      plain: 1 (post 10), 2 (post 11), 3 (post 13)
//	archive   plain, empty
//
// Deleted rows carry mysqlOldStamp. The softdelete tables are
// "users,posts,comments:removed_at,profiles".
func mysqlFixture(t testing.TB, colType, params string) *mysqlTestDB {
	t.Helper()
	m := mysqlOpen(t, mysqlFixtureTables, params)
	col := func(name string) string { return name + " " + colType + " NULL DEFAULT NULL" }
	old := "'" + mysqlOldStamp + "'"
	mysqlExec(t, m.Raw,
		"CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, "+col("deleted_at")+") ENGINE=InnoDB",
		"CREATE TABLE posts (id INT PRIMARY KEY, user_id INT NOT NULL, title VARCHAR(100) NOT NULL, "+col("deleted_at")+", KEY (user_id)) ENGINE=InnoDB",
		"CREATE TABLE comments (id INT PRIMARY KEY, post_id INT NOT NULL, body VARCHAR(100) NOT NULL, "+col("removed_at")+") ENGINE=InnoDB",
		"CREATE TABLE profiles (user_id INT PRIMARY KEY, bio VARCHAR(100) NOT NULL, "+col("deleted_at")+") ENGINE=InnoDB",
		"CREATE TABLE tags (id INT PRIMARY KEY, post_id INT NOT NULL, label VARCHAR(20) NOT NULL) ENGINE=InnoDB",
		"CREATE TABLE archive (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL) ENGINE=InnoDB",
		"INSERT INTO users VALUES (1, 'alice', NULL), (2, 'bob', "+old+"), (3, 'carol', NULL), (4, 'dave', "+old+"), (5, 'erin', NULL)",
		"INSERT INTO posts VALUES (10, 1, 'a1', NULL), (11, 1, 'a2', "+old+"), (12, 2, 'b1', NULL), (13, 3, 'c1', "+old+"), (14, 3, 'c2', NULL), (15, 4, 'd1', "+old+")",
		"INSERT INTO comments VALUES (100, 10, 'nice', NULL), (101, 10, 'spam', "+old+"), (102, 11, 'on a deleted post', NULL), (103, 14, 'ok', NULL), (104, 12, 'gone', "+old+")",
		"INSERT INTO profiles VALUES (1, 'bio1', NULL), (3, 'bio3', "+old+")",
		"INSERT INTO tags VALUES (1, 10, 'x'), (2, 11, 'y'), (3, 13, 'z')",
	)
	return m
}

const mysqlFixtureTables = "users,posts,comments:removed_at,profiles"

// mysqlStamp returns the deleted column of one row as the server formats
// it, whatever the column type and parseTime: "NULL" or
// "YYYY-MM-DD hh:mm:ss.ffffff". It reads through raw.
func mysqlStamp(t testing.TB, raw *sql.DB, table, column string, id int) string {
	t.Helper()
	rows := mysqlRows(t, context.Background(), raw,
		fmt.Sprintf("SELECT DATE_FORMAT(%s, '%%Y-%%m-%%d %%H:%%i:%%s.%%f') FROM %s WHERE %s = ?", column, table, mysqlKey(table)), id)
	if len(rows) != 1 {
		t.Fatalf("%s %d: %d rows, want 1 (the row must still exist)", table, id, len(rows))
	}
	return rows[0]
}

// mysqlKey is the primary key column of a fixture table.
func mysqlKey(table string) string {
	if table == "profiles" {
		return "user_id"
	}
	return "id"
}

// mysqlWantRecentStamp checks that a row's deleted column was stamped just
// now: the server's NOW(6) is at most 60 s after it, and not before it.
func mysqlWantRecentStamp(t testing.TB, raw *sql.DB, table, column string, id int) {
	t.Helper()
	rows := mysqlRows(t, context.Background(), raw,
		fmt.Sprintf("SELECT TIMESTAMPDIFF(MICROSECOND, %s, NOW(6)) FROM %s WHERE %s = ?", column, table, mysqlKey(table)), id)
	if len(rows) != 1 {
		t.Fatalf("%s %d: %d rows, want 1 (the row must still exist)", table, id, len(rows))
	}
	if rows[0] == "NULL" {
		t.Errorf("%s %d: %s is NULL, want a stamp of now", table, id, column)
		return
	}
	us, err := strconv.ParseInt(rows[0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	if us < 0 || us > 60e6 {
		t.Errorf("%s %d: %s is %v from the server's NOW(6), want a stamp of now", table, id, column, time.Duration(us)*time.Microsecond)
	}
}

// mysqlScanTime reads a DATETIME/TIMESTAMP value scanned into any: a
// time.Time with parseTime=true, text without it.
func mysqlScanTime(t testing.TB, v any, parseTime bool) time.Time {
	t.Helper()
	switch x := v.(type) {
	case time.Time:
		if !parseTime {
			t.Errorf("got a time.Time without parseTime")
		}
		return x
	case []byte:
		if parseTime {
			t.Errorf("got text %q with parseTime=true", x)
		}
		tm, err := time.Parse("2006-01-02 15:04:05.999999", string(x))
		if err != nil {
			t.Fatalf("%q: %v", x, err)
		}
		return tm
	}
	t.Fatalf("scanned a %T (%v), want a time", v, v)
	return time.Time{}
}

// mysqlVariants are the column types and driver settings of the core suite.
var mysqlVariants = []struct {
	name, colType, params string
	parseTime             bool
}{
	{"DATETIME6_parseTime", "DATETIME(6)", "parseTime=true", true},
	{"DATETIME6_text", "DATETIME(6)", "parseTime=false", false},
	{"TIMESTAMP6_parseTime", "TIMESTAMP(6)", "parseTime=true", true},
	{"TIMESTAMP6_text", "TIMESTAMP(6)", "parseTime=false", false},
}

// TestMySQLCore runs the core behaviour on the live server for each
// column type and parseTime setting; every subtest has a fresh database.
func TestMySQLCore(t *testing.T) {
	mysqlBaseConfig(t)
	for _, v := range mysqlVariants {
		v := v
		t.Run(v.name, func(t *testing.T) {
			fix := func(t *testing.T) *mysqlTestDB { return mysqlFixture(t, v.colType, v.params) }
			t.Run("HiddenRows", func(t *testing.T) { mysqlCoreHidden(t, fix(t)) })
			t.Run("DeleteStamps", func(t *testing.T) { mysqlCoreStamps(t, fix(t), v.parseTime) })
			t.Run("Modes", func(t *testing.T) { mysqlCoreModes(t, fix(t)) })
			t.Run("Force", func(t *testing.T) { mysqlCoreForce(t, fix(t)) })
			t.Run("OuterJoins", func(t *testing.T) { mysqlCoreOuterJoins(t, fix(t)) })
			t.Run("Subqueries", func(t *testing.T) { mysqlCoreSubqueries(t, fix(t)) })
			t.Run("Union", func(t *testing.T) { mysqlCoreUnion(t, fix(t)) })
			t.Run("Prepared", func(t *testing.T) { mysqlCorePrepared(t, fix(t)) })
			t.Run("Transactions", func(t *testing.T) { mysqlCoreTx(t, fix(t)) })
			t.Run("Restore", func(t *testing.T) { mysqlCoreRestore(t, fix(t)) })
		})
	}
}

func mysqlCoreHidden(t *testing.T, m *mysqlTestDB) {
	ctx := context.Background()
	db := m.DB
	mysqlCheck(t, ctx, db, "SELECT id, name FROM users ORDER BY id", "1|alice", "3|carol", "5|erin")
	mysqlCheck(t, ctx, db, "SELECT COUNT(*) FROM posts", "3")
	mysqlCheck(t, ctx, db, "SELECT id FROM comments ORDER BY id", "100", "102", "103")
	mysqlCheck(t, ctx, db, "SELECT u.name, p.title FROM users u JOIN posts p ON p.user_id = u.id ORDER BY p.id", "alice|a1", "carol|c2")
	mysqlCheck(t, ctx, db, "SELECT u.name, p.title FROM users u, posts p WHERE p.user_id = u.id ORDER BY p.id", "alice|a1", "carol|c2")
	mysqlCheck(t, ctx, db, "SELECT name FROM users WHERE id = 2")
	// The raw view has every row: the fixture really holds deleted rows.
	mysqlCheck(t, ctx, m.Raw, "SELECT COUNT(*) FROM users", "5")
	// UPDATE does not touch deleted rows.
	if n := mysqlAffected(t, ctx, db, "UPDATE users SET name = CONCAT(name, '!')"); n != 3 {
		t.Errorf("UPDATE of every user: %d rows affected, want 3", n)
	}
	mysqlCheck(t, ctx, m.Raw, "SELECT name FROM users ORDER BY id", "alice!", "bob", "carol!", "dave", "erin!")
	// A plain table is left alone.
	mysqlCheck(t, ctx, db, "SELECT COUNT(*) FROM tags", "3")
}

func mysqlCoreStamps(t *testing.T, m *mysqlTestDB, parseTime bool) {
	ctx := context.Background()
	db, raw := m.DB, m.Raw
	// One live row and one deleted row: only the live one is stamped.
	if n := mysqlAffected(t, ctx, db, "DELETE FROM users WHERE id IN (1, 2)"); n != 1 {
		t.Errorf("DELETE of users 1, 2: %d rows affected, want 1 (2 was deleted already)", n)
	}
	mysqlWantRecentStamp(t, raw, "users", "deleted_at", 1)
	if got := mysqlStamp(t, raw, "users", "deleted_at", 2); got != mysqlOldStamp {
		t.Errorf("users 2 was stamped again: %s, want %s", got, mysqlOldStamp)
	}
	mysqlCheck(t, ctx, db, "SELECT id FROM users ORDER BY id", "3", "5")
	// The stamp has microseconds in it: DELETE again a row in a later
	// microsecond and the two stamps differ.
	first := mysqlStamp(t, raw, "users", "deleted_at", 1)
	time.Sleep(2 * time.Millisecond)
	if n := mysqlAffected(t, ctx, db, "DELETE FROM users WHERE id = ?", 3); n != 1 {
		t.Errorf("DELETE of user 3: %d rows affected, want 1", n)
	}
	if second := mysqlStamp(t, raw, "users", "deleted_at", 3); second <= first {
		t.Errorf("stamps do not have sub-second precision: %s then %s", first, second)
	}
	// The deleted column reads back through softdelete as a time, with and
	// without parseTime, close to the server's clock read the same way.
	rows, err := db.QueryContext(WithOnlyDeleted(ctx), "SELECT deleted_at, NOW(6) FROM users WHERE id = 1")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var stamp, now any
		if err := rows.Scan(&stamp, &now); err != nil {
			t.Fatal(err)
		}
		st, nw := mysqlScanTime(t, stamp, parseTime), mysqlScanTime(t, now, parseTime)
		if d := nw.Sub(st); d < 0 || d > time.Minute {
			t.Errorf("stamp %v is %v before the server's now %v", st, d, nw)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if n != 1 {
		t.Errorf("WithOnlyDeleted: user 1 read %d times, want once", n)
	}
	// DELETE of the whole table stamps the live rows only; every row stays.
	if n := mysqlAffected(t, ctx, db, "DELETE FROM users"); n != 1 {
		t.Errorf("DELETE FROM users: %d rows affected, want 1 (only erin was live)", n)
	}
	mysqlWantRecentStamp(t, raw, "users", "deleted_at", 5)
	for _, id := range []int{2, 4} {
		if got := mysqlStamp(t, raw, "users", "deleted_at", id); got != mysqlOldStamp {
			t.Errorf("users %d: stamp %s, want the original %s", id, got, mysqlOldStamp)
		}
	}
	if got := mysqlStamp(t, raw, "users", "deleted_at", 1); got != first {
		t.Errorf("users 1: stamp changed from %s to %s", first, got)
	}
	mysqlCheck(t, ctx, raw, "SELECT COUNT(*) FROM users", "5")
	mysqlCheck(t, ctx, db, "SELECT COUNT(*) FROM users", "0")
	// A table with its own column name.
	if n := mysqlAffected(t, ctx, db, "DELETE FROM comments WHERE post_id = 10"); n != 1 {
		t.Errorf("DELETE of the comments of post 10: %d rows affected, want 1", n)
	}
	mysqlWantRecentStamp(t, raw, "comments", "removed_at", 100)
	if got := mysqlStamp(t, raw, "comments", "removed_at", 101); got != mysqlOldStamp {
		t.Errorf("comments 101: stamp %s, want the original %s", got, mysqlOldStamp)
	}
}

func mysqlCoreModes(t *testing.T, m *mysqlTestDB) {
	ctx := context.Background()
	db, raw := m.DB, m.Raw
	q := "SELECT id FROM users ORDER BY id"
	mysqlCheck(t, ctx, db, q, "1", "3", "5")
	mysqlCheck(t, WithIncludeDeleted(ctx), db, q, "1", "2", "3", "4", "5")
	mysqlCheck(t, WithIncludeDeleted(ctx, "users"), db, q, "1", "2", "3", "4", "5")
	mysqlCheck(t, WithOnlyDeleted(ctx), db, q, "2", "4")
	mysqlCheck(t, WithOnlyDeleted(ctx, "users"), db, q, "2", "4")
	mysqlCheck(t, WithForce(WithIncludeDeleted(ctx)), db, q, "1", "2", "3", "4", "5")
	mysqlCheck(t, WithForce(ctx), db, q, "1", "3", "5")

	// Per-table modes in a join: deleted posts with their live authors.
	j := "SELECT p.id FROM posts p JOIN users u ON u.id = p.user_id ORDER BY p.id"
	mysqlCheck(t, ctx, db, j, "10", "14")
	mysqlCheck(t, WithOnlyDeleted(ctx, "posts"), db, j, "11", "13")
	mysqlCheck(t, WithOnlyDeleted(ctx), db, j, "11", "13")
	mysqlCheck(t, WithIncludeDeleted(ctx, "users"), db, j, "10", "12", "14")
	mysqlCheck(t, WithIncludeDeleted(ctx, "posts"), db, j, "10", "11", "13", "14")
	mysqlCheck(t, WithIncludeDeleted(ctx), db, j, "10", "11", "12", "13", "14", "15")
	mysqlCheck(t, WithOnlyDeleted(WithIncludeDeleted(ctx, "users"), "posts"), db, j, "11", "13", "15")

	// UPDATE under WithIncludeDeleted touches deleted rows too; under
	// WithOnlyDeleted only them.
	if n := mysqlAffected(t, WithOnlyDeleted(ctx), db, "UPDATE users SET name = UPPER(name)"); n != 2 {
		t.Errorf("UPDATE under WithOnlyDeleted: %d rows affected, want 2", n)
	}
	mysqlCheck(t, ctx, raw, "SELECT name FROM users ORDER BY id", "alice", "BOB", "carol", "DAVE", "erin")
	if n := mysqlAffected(t, WithIncludeDeleted(ctx), db, "UPDATE users SET name = LOWER(name)"); n != 2 {
		t.Errorf("UPDATE under WithIncludeDeleted: %d rows affected, want 2 (the two upper-case names)", n)
	}
	mysqlCheck(t, ctx, raw, "SELECT name FROM users ORDER BY id", "alice", "bob", "carol", "dave", "erin")

	// A soft DELETE under WithIncludeDeleted still stamps live rows only.
	if n := mysqlAffected(t, WithIncludeDeleted(ctx), db, "DELETE FROM users WHERE id IN (2, 3)"); n != 1 {
		t.Errorf("DELETE under WithIncludeDeleted: %d rows affected, want 1", n)
	}
	mysqlWantRecentStamp(t, raw, "users", "deleted_at", 3)
	if got := mysqlStamp(t, raw, "users", "deleted_at", 2); got != mysqlOldStamp {
		t.Errorf("users 2 restamped: %s", got)
	}

	// A soft DELETE under WithOnlyDeleted is refused, and nothing is sent.
	_, err := db.ExecContext(WithOnlyDeleted(ctx), "DELETE FROM users WHERE id = 2")
	mysqlWantRefused(t, "DELETE under WithOnlyDeleted", err)
	if got := mysqlStamp(t, raw, "users", "deleted_at", 2); got != mysqlOldStamp {
		t.Errorf("users 2 after a refused DELETE: %s", got)
	}
	// A mode naming a table that is not a soft-delete table is an error.
	if _, err := db.QueryContext(WithIncludeDeleted(ctx, "tags"), "SELECT id FROM users"); err == nil {
		t.Errorf("WithIncludeDeleted(tags): no error")
	}
	// WithOnlyDeleted() with a plain primary table is refused.
	_, err = db.QueryContext(WithOnlyDeleted(ctx), "SELECT t.id FROM tags t JOIN posts p ON p.id = t.post_id")
	mysqlWantRefused(t, "WithOnlyDeleted() on a plain primary table", err)
}

func mysqlCoreForce(t *testing.T, m *mysqlTestDB) {
	ctx := context.Background()
	db, raw := m.DB, m.Raw
	// WithForce deletes for good the rows the statement sees: live only.
	if n := mysqlAffected(t, WithForce(ctx), db, "DELETE FROM users WHERE id IN (1, 2)"); n != 1 {
		t.Errorf("forced DELETE of users 1, 2: %d rows affected, want 1", n)
	}
	mysqlCheck(t, ctx, raw, "SELECT id FROM users ORDER BY id", "2", "3", "4", "5")
	// WithForce + WithOnlyDeleted empties the trash.
	if n := mysqlAffected(t, WithForce(WithOnlyDeleted(ctx)), db, "DELETE FROM users"); n != 2 {
		t.Errorf("emptying the trash: %d rows affected, want 2", n)
	}
	mysqlCheck(t, ctx, raw, "SELECT id FROM users ORDER BY id", "3", "5")
	// A forced DELETE with a join deletes only what the join sees.
	if n := mysqlAffected(t, WithForce(ctx), db, "DELETE p FROM posts p JOIN users u ON u.id = p.user_id"); n != 1 {
		t.Errorf("forced join DELETE: %d rows affected, want 1 (post 14 of carol)", n)
	}
	mysqlCheck(t, ctx, raw, "SELECT id FROM posts ORDER BY id", "10", "11", "12", "13", "15")
	// WithForce + WithIncludeDeleted: raw passthrough, every row.
	if n := mysqlAffected(t, WithForce(WithIncludeDeleted(ctx)), db, "DELETE FROM posts WHERE id IN (10, 11)"); n != 2 {
		t.Errorf("raw DELETE: %d rows affected, want 2", n)
	}
	mysqlCheck(t, ctx, raw, "SELECT id FROM posts ORDER BY id", "12", "13", "15")
	// REPLACE: refused without WithForce, run with it. TRUNCATE destroys
	// deleted rows too: it needs WithForce and WithIncludeDeleted.
	_, err := db.ExecContext(ctx, "REPLACE INTO users (id, name) VALUES (3, 'carla')")
	mysqlWantRefused(t, "REPLACE", err)
	_, err = db.ExecContext(ctx, "TRUNCATE TABLE comments")
	mysqlWantRefused(t, "TRUNCATE", err)
	mysqlCheck(t, ctx, raw, "SELECT COUNT(*) FROM comments", "5")
	mysqlCheck(t, ctx, raw, "SELECT name FROM users WHERE id = 3", "carol")
	mysqlExec(t, db, "INSERT INTO users (id, name) VALUES (6, 'frank')")
	if _, err := db.ExecContext(WithForce(ctx), "REPLACE INTO users (id, name) VALUES (3, 'carla')"); err != nil {
		t.Errorf("forced REPLACE: %v", err)
	}
	_, err = db.ExecContext(WithForce(ctx), "TRUNCATE TABLE comments")
	mysqlWantRefused(t, "TRUNCATE under WithForce alone", err)
	if _, err := db.ExecContext(WithForce(WithIncludeDeleted(ctx, "comments")), "TRUNCATE TABLE comments"); err != nil {
		t.Errorf("forced TRUNCATE: %v", err)
	}
	mysqlCheck(t, ctx, raw, "SELECT COUNT(*) FROM comments", "0")
	mysqlCheck(t, ctx, raw, "SELECT id, name, deleted_at IS NULL FROM users ORDER BY id", "3|carla|1", "5|erin|1", "6|frank|1")
}

func mysqlCoreOuterJoins(t *testing.T, m *mysqlTestDB) {
	ctx := context.Background()
	db := m.DB
	// Every live user stays, with NULL where all posts are deleted.
	mysqlCheck(t, ctx, db, "SELECT u.id, p.id FROM users u LEFT JOIN posts p ON p.user_id = u.id ORDER BY u.id, p.id",
		"1|10", "3|14", "5|NULL")
	mysqlCheck(t, ctx, db, "SELECT u.id, p.id FROM users u LEFT OUTER JOIN posts p ON p.user_id = u.id WHERE p.id IS NULL ORDER BY u.id",
		"5|NULL")
	// RIGHT JOIN: every live post, with NULL for the deleted author.
	mysqlCheck(t, ctx, db, "SELECT p.id, u.id FROM users u RIGHT JOIN posts p ON p.user_id = u.id ORDER BY p.id",
		"10|1", "12|NULL", "14|3")
	// Custom column on the nullable side.
	mysqlCheck(t, ctx, db, "SELECT p.id, c.id FROM posts p LEFT JOIN comments c ON c.post_id = p.id ORDER BY p.id, c.id",
		"10|100", "12|NULL", "14|103")
	// A plain table on the outer side keeps all its rows.
	mysqlCheck(t, ctx, db, "SELECT t.id, p.id FROM tags t LEFT JOIN posts p ON p.id = t.post_id ORDER BY t.id",
		"1|10", "2|NULL", "3|NULL")
	// USING: the nullable side becomes a filtered derived table.
	mysqlCheck(t, ctx, db, "SELECT p.id, pr.bio FROM posts p LEFT JOIN profiles pr USING (user_id) ORDER BY p.id",
		"10|bio1", "12|NULL", "14|NULL")
	// Chained: users -> posts -> comments.
	mysqlCheck(t, ctx, db, "SELECT u.id, p.id, c.id FROM users u LEFT JOIN posts p ON p.user_id = u.id LEFT JOIN comments c ON c.post_id = p.id ORDER BY u.id, p.id, c.id",
		"1|10|100", "3|14|103", "5|NULL|NULL")
	// A nested inner join on the nullable side.
	mysqlCheck(t, ctx, db, "SELECT u.id, p.id, c.id FROM users u LEFT JOIN (posts p JOIN comments c ON c.post_id = p.id) ON p.user_id = u.id ORDER BY u.id",
		"1|10|100", "3|14|103", "5|NULL|NULL")
	// Under WithIncludeDeleted the join is as written.
	mysqlCheck(t, WithIncludeDeleted(ctx), db, "SELECT u.id, COUNT(p.id) FROM users u LEFT JOIN posts p ON p.user_id = u.id GROUP BY u.id ORDER BY u.id",
		"1|2", "2|1", "3|2", "4|1", "5|0")
	// Trash view of the outer table, live rows of the inner one.
	mysqlCheck(t, WithOnlyDeleted(ctx), db, "SELECT u.id, p.id FROM users u LEFT JOIN posts p ON p.user_id = u.id ORDER BY u.id",
		"2|12", "4|NULL")
}

func mysqlCoreSubqueries(t *testing.T, m *mysqlTestDB) {
	ctx := context.Background()
	db := m.DB
	mysqlCheck(t, ctx, db, "SELECT id FROM users WHERE id IN (SELECT user_id FROM posts) ORDER BY id", "1", "3")
	mysqlCheck(t, ctx, db, "SELECT id FROM users WHERE id NOT IN (SELECT user_id FROM posts) ORDER BY id", "5")
	mysqlCheck(t, WithIncludeDeleted(ctx), db, "SELECT id FROM users WHERE id IN (SELECT user_id FROM posts) ORDER BY id", "1", "2", "3", "4")
	mysqlCheck(t, ctx, db, "SELECT p.id FROM posts p WHERE EXISTS (SELECT 1 FROM comments c WHERE c.post_id = p.id) ORDER BY p.id", "10", "14")
	mysqlCheck(t, ctx, db, "SELECT p.id FROM posts p WHERE NOT EXISTS (SELECT 1 FROM comments c WHERE c.post_id = p.id) ORDER BY p.id", "12")
	mysqlCheck(t, ctx, db, "SELECT u.id, (SELECT COUNT(*) FROM posts p WHERE p.user_id = u.id) FROM users u ORDER BY u.id", "1|1", "3|1", "5|0")
	mysqlCheck(t, ctx, db, "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM posts), (SELECT COUNT(*) FROM comments)", "3|3|3")
	mysqlCheck(t, ctx, db, "SELECT COUNT(*) FROM (SELECT p.id FROM posts p JOIN users u ON u.id = p.user_id) d", "2")
	mysqlCheck(t, ctx, db, "SELECT d.user_id, d.n FROM (SELECT user_id, COUNT(*) AS n FROM posts GROUP BY user_id) d JOIN users u ON u.id = d.user_id ORDER BY d.user_id", "1|1", "3|1")
	// sqlparser cannot read > ALL (...): refused is fine, a wrong answer is not.
	mysqlCheckOrRefused(t, ctx, db, "SELECT id FROM users WHERE id > ALL (SELECT user_id FROM posts) ORDER BY id", "5")
	mysqlCheck(t, ctx, db, "SELECT id FROM users u HAVING id = (SELECT MAX(user_id) FROM posts)", "3")
	// Subqueries in UPDATE and DELETE.
	if n := mysqlAffected(t, ctx, db, "UPDATE users SET name = CONCAT(name, '*') WHERE id IN (SELECT user_id FROM posts)"); n != 2 {
		t.Errorf("UPDATE with IN subquery: %d rows affected, want 2", n)
	}
	mysqlCheck(t, ctx, m.Raw, "SELECT name FROM users ORDER BY id", "alice*", "bob", "carol*", "dave", "erin")
	if n := mysqlAffected(t, ctx, db, "DELETE FROM posts WHERE NOT EXISTS (SELECT 1 FROM comments c WHERE c.post_id = posts.id)"); n != 1 {
		t.Errorf("DELETE with NOT EXISTS: %d rows affected, want 1 (post 12)", n)
	}
	mysqlWantRecentStamp(t, m.Raw, "posts", "deleted_at", 12)
	mysqlCheck(t, ctx, m.Raw, "SELECT id FROM posts WHERE deleted_at IS NULL ORDER BY id", "10", "14")
}

func mysqlCoreUnion(t *testing.T, m *mysqlTestDB) {
	ctx := context.Background()
	db := m.DB
	mysqlCheck(t, ctx, db, "SELECT id FROM users UNION ALL SELECT id FROM posts ORDER BY id", "1", "3", "5", "10", "12", "14")
	mysqlCheck(t, ctx, db, "SELECT user_id FROM posts UNION SELECT id FROM users ORDER BY 1", "1", "2", "3", "5")
	mysqlCheck(t, ctx, db, "(SELECT id FROM users ORDER BY id DESC LIMIT 1) UNION ALL (SELECT id FROM comments ORDER BY id LIMIT 1)", "5", "100")
	mysqlCheck(t, WithIncludeDeleted(ctx), db, "SELECT id FROM users UNION ALL SELECT id FROM posts ORDER BY id",
		"1", "2", "3", "4", "5", "10", "11", "12", "13", "14", "15")
	mysqlCheck(t, WithOnlyDeleted(ctx, "users", "posts"), db, "SELECT id FROM users UNION ALL SELECT id FROM posts ORDER BY id",
		"2", "4", "11", "13", "15")
	mysqlCheck(t, ctx, db, "SELECT COUNT(*) FROM (SELECT id FROM users UNION SELECT user_id FROM posts) x", "4")
}

func mysqlCorePrepared(t *testing.T, m *mysqlTestDB) {
	ctx := context.Background()
	db, raw := m.DB, m.Raw
	st, err := db.PrepareContext(ctx, "SELECT id FROM users WHERE id > ? ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	run := func(ctx context.Context, arg int) []string {
		t.Helper()
		rows, err := st.QueryContext(ctx, arg)
		if err != nil {
			t.Fatal(err)
		}
		out, err := mysqlCollect(rows)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for round := 0; round < 2; round++ {
		mysqlWant(t, "prepared, default", run(ctx, 0), "1", "3", "5")
		mysqlWant(t, "prepared, WithIncludeDeleted", run(WithIncludeDeleted(ctx), 0), "1", "2", "3", "4", "5")
		mysqlWant(t, "prepared, WithOnlyDeleted", run(WithOnlyDeleted(ctx), 0), "2", "4")
		mysqlWant(t, "prepared, WithOnlyDeleted(users), arg 2", run(WithOnlyDeleted(ctx, "users"), 2), "4")
		mysqlWant(t, "prepared, raw", run(WithForce(WithIncludeDeleted(ctx)), 3), "4", "5")
	}
	// Prepared under WithIncludeDeleted, executed under the default.
	st2, err := db.PrepareContext(WithIncludeDeleted(ctx), "SELECT COUNT(*) FROM posts WHERE user_id <> ?")
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	for _, c := range []struct {
		ctx  context.Context
		want string
	}{{WithIncludeDeleted(ctx), "6"}, {ctx, "3"}, {WithOnlyDeleted(ctx), "3"}, {WithIncludeDeleted(ctx), "6"}} {
		var n string
		if err := st2.QueryRowContext(c.ctx, 0).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != c.want {
			t.Errorf("statement prepared under WithIncludeDeleted: count %s, want %s", n, c.want)
		}
	}
	// On a pinned connection and in a transaction.
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cst, err := conn.PrepareContext(ctx, "SELECT COUNT(*) FROM users")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ctx  context.Context
		want string
	}{{ctx, "3"}, {WithIncludeDeleted(ctx), "5"}, {WithOnlyDeleted(ctx), "2"}, {ctx, "3"}} {
		var n string
		if err := cst.QueryRowContext(c.ctx).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != c.want {
			t.Errorf("statement prepared on a Conn: count %s, want %s", n, c.want)
		}
	}
	cst.Close()
	conn.Close()

	// A prepared DELETE: soft by default, hard with WithForce.
	del, err := db.PrepareContext(ctx, "DELETE FROM users WHERE id = ?")
	if err != nil {
		t.Fatal(err)
	}
	defer del.Close()
	affected := func(ctx context.Context, id int) int64 {
		t.Helper()
		res, err := del.ExecContext(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := affected(ctx, 1); n != 1 {
		t.Errorf("prepared soft DELETE of 1: %d rows, want 1", n)
	}
	mysqlWantRecentStamp(t, raw, "users", "deleted_at", 1)
	if n := affected(WithForce(ctx), 2); n != 0 {
		t.Errorf("prepared forced DELETE of deleted user 2: %d rows, want 0", n)
	}
	if n := affected(WithForce(ctx), 3); n != 1 {
		t.Errorf("prepared forced DELETE of 3: %d rows, want 1", n)
	}
	if n := affected(WithForce(WithOnlyDeleted(ctx)), 2); n != 1 {
		t.Errorf("prepared forced DELETE of deleted user 2 under WithOnlyDeleted: %d rows, want 1", n)
	}
	if _, err := del.ExecContext(WithOnlyDeleted(ctx), 4); err == nil {
		t.Errorf("prepared soft DELETE under WithOnlyDeleted: no error")
	} else {
		mysqlWantRefused(t, "prepared soft DELETE under WithOnlyDeleted", err)
	}
	if n := affected(ctx, 5); n != 1 {
		t.Errorf("prepared soft DELETE of 5: %d rows, want 1", n)
	}
	mysqlCheck(t, ctx, raw, "SELECT id, deleted_at IS NULL FROM users ORDER BY id", "1|0", "4|0", "5|0")
	if got := mysqlStamp(t, raw, "users", "deleted_at", 4); got != mysqlOldStamp {
		t.Errorf("users 4: %s, want the original stamp", got)
	}
}

func mysqlCoreTx(t *testing.T, m *mysqlTestDB) {
	ctx := context.Background()
	db, raw := m.DB, m.Raw
	// Rollback: the stamp goes away with the transaction.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := mysqlAffected(t, ctx, tx, "DELETE FROM users WHERE id = 1"); n != 1 {
		t.Errorf("DELETE in tx: %d rows, want 1", n)
	}
	mysqlCheck(t, ctx, tx, "SELECT id FROM users ORDER BY id", "3", "5")
	mysqlCheck(t, WithOnlyDeleted(ctx), tx, "SELECT id FROM users ORDER BY id", "1", "2", "4")
	mysqlCheck(t, WithIncludeDeleted(ctx), tx, "SELECT COUNT(*) FROM users", "5")
	st, err := tx.PrepareContext(ctx, "SELECT COUNT(*) FROM users")
	if err != nil {
		t.Fatal(err)
	}
	var n1, n2 string
	if err := st.QueryRowContext(ctx).Scan(&n1); err != nil {
		t.Fatal(err)
	}
	if err := st.QueryRowContext(WithOnlyDeleted(ctx)).Scan(&n2); err != nil {
		t.Fatal(err)
	}
	if n1 != "2" || n2 != "3" {
		t.Errorf("prepared in tx: live %s deleted %s, want 2 and 3", n1, n2)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if got := mysqlStamp(t, raw, "users", "deleted_at", 1); got != "NULL" {
		t.Errorf("users 1 after rollback: stamp %s, want NULL", got)
	}
	mysqlCheck(t, ctx, db, "SELECT id FROM users ORDER BY id", "1", "3", "5")

	// Commit: soft DELETE, Restore and a forced DELETE in one transaction.
	tx, err = db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := mysqlAffected(t, ctx, tx, "DELETE FROM users WHERE id = 3"); n != 1 {
		t.Errorf("DELETE in tx: %d rows, want 1", n)
	}
	res, err := Restore(ctx, tx, "users", "id = ?", 2)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Errorf("Restore in tx: %d rows, want 1", n)
	}
	if n := mysqlAffected(t, WithForce(WithOnlyDeleted(ctx)), tx, "DELETE FROM posts WHERE user_id = 4"); n != 1 {
		t.Errorf("forced DELETE in tx: %d rows, want 1", n)
	}
	// Outside the transaction nothing shows yet.
	mysqlCheck(t, ctx, raw, "SELECT id FROM users WHERE deleted_at IS NULL ORDER BY id", "1", "3", "5")
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	mysqlCheck(t, ctx, db, "SELECT id FROM users ORDER BY id", "1", "2", "5")
	mysqlWantRecentStamp(t, raw, "users", "deleted_at", 3)
	mysqlCheck(t, ctx, raw, "SELECT COUNT(*) FROM posts WHERE user_id = 4", "0")
}

func mysqlCoreRestore(t *testing.T, m *mysqlTestDB) {
	ctx := context.Background()
	db, raw := m.DB, m.Raw
	restore := func(ctx context.Context, table, where string, args ...any) int64 {
		t.Helper()
		res, err := Restore(ctx, db, table, where, args...)
		if err != nil {
			t.Fatalf("Restore(%s, %q): %v", table, where, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := restore(ctx, "users", "id = ?", 2); n != 1 {
		t.Errorf("Restore of users 2: %d rows, want 1", n)
	}
	if got := mysqlStamp(t, raw, "users", "deleted_at", 2); got != "NULL" {
		t.Errorf("users 2 after Restore: %s", got)
	}
	mysqlCheck(t, ctx, db, "SELECT id FROM users ORDER BY id", "1", "2", "3", "5")
	// A live row is not touched.
	if n := restore(ctx, "users", "id = ?", 1); n != 0 {
		t.Errorf("Restore of live users 1: %d rows, want 0", n)
	}
	// The condition's subqueries see live rows of other tables: of the
	// deleted posts, only those of live users come back (11 and 13, not 15).
	if n := restore(ctx, "posts", "user_id IN (SELECT id FROM users)"); n != 2 {
		t.Errorf("Restore of posts of live users: %d rows, want 2", n)
	}
	mysqlCheck(t, ctx, raw, "SELECT id FROM posts WHERE deleted_at IS NOT NULL ORDER BY id", "15")
	// A custom column, and an empty condition: every deleted row.
	if n := restore(ctx, "comments", ""); n != 2 {
		t.Errorf("Restore of every comment: %d rows, want 2", n)
	}
	mysqlCheck(t, ctx, raw, "SELECT COUNT(*) FROM comments WHERE removed_at IS NULL", "5")
	// Delete and restore round trip.
	mysqlExec(t, db, "DELETE FROM users WHERE id = 5")
	mysqlCheck(t, ctx, db, "SELECT COUNT(*) FROM users WHERE id = 5", "0")
	if n := restore(ctx, "users", "name = ?", "erin"); n != 1 {
		t.Errorf("Restore of erin: %d rows, want 1", n)
	}
	mysqlCheck(t, ctx, db, "SELECT name FROM users WHERE id = 5", "erin")
	// Errors: not a soft-delete table, a condition that ends the statement.
	if _, err := Restore(ctx, db, "tags", "id = 1"); err == nil {
		t.Errorf("Restore of a plain table: no error")
	}
	if _, err := Restore(ctx, db, "users", "id = 4; DELETE FROM posts"); err == nil {
		t.Errorf("Restore with a second statement in the condition: no error")
	}
	mysqlCheck(t, ctx, raw, "SELECT COUNT(*) FROM posts", "6")
	mysqlCheck(t, ctx, raw, "SELECT deleted_at IS NULL FROM users WHERE id = 4", "0")
}
