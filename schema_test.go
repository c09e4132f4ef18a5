package softdelete

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	_ "github.com/mattn/go-sqlite3"
)

// countingConnector counts the metadata queries (those that read
// sqlite_master, a pragma function or information_schema) its connections
// receive.
type countingConnector struct {
	inner driver.Connector
	meta  atomic.Int64
}

func (c *countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	ic, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: ic, n: &c.meta}, nil
}

func (c *countingConnector) Driver() driver.Driver { return c.inner.Driver() }

// countingConn is a connection with PrepareContext, ExecContext and
// QueryContext that counts metadata queries.
type countingConn struct {
	driver.Conn
	n *atomic.Int64
}

func (c *countingConn) count(q string) {
	lower := strings.ToLower(q)
	if strings.Contains(lower, "sqlite_master") || strings.Contains(lower, "pragma_") || strings.Contains(lower, "information_schema") {
		c.n.Add(1)
	}
}

func (c *countingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	c.count(q)
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

func (c *countingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	c.count(q)
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

func (c *countingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	c.count(q)
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
}

// schemaSQLite creates a SQLite file with the statements ddl, run on the
// raw driver, and returns its path and a raw handle.
func schemaSQLite(t *testing.T, ddl ...string) (string, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "schema.db")
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	for _, q := range ddl {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return path, raw
}

// schemaOpen opens a softdelete DB over the inner connector of cfg,
// counting its metadata queries.
func schemaOpen(t *testing.T, cfg Config) (*sql.DB, *Connector, *countingConnector) {
	t.Helper()
	inner, err := openInner(cfg.DriverName, cfg.DSN)
	if err != nil {
		t.Fatal(err)
	}
	cc := &countingConnector{inner: inner}
	cfg.Connector, cfg.DSN = cc, ""
	if cfg.Dialect == "" {
		k, _ := driverByName(cfg.DriverName)
		cfg.Dialect = k.d.String()
	}
	cfg.DriverName = ""
	c, err := NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db, c, cc
}

// wantSchemaError checks that err is a *SchemaError whose text has every
// one of want.
func wantSchemaError(t *testing.T, err error, want ...string) {
	t.Helper()
	var se *SchemaError
	if !errors.Is(err, ErrSchema) || !errors.As(err, &se) {
		t.Fatalf("err = %v; want a *SchemaError", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("the error does not say %q:\n%v", w, err)
		}
	}
}

func rowCount(t *testing.T, db *sql.DB, q string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// The reproductions of issue 11, on SQLite: each fails fast, naming the
// table and the fix, and sends nothing.
func TestSchemaCheckSQLiteReproductions(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name, ddl, tables, stmt string
		want                    []string
	}{
		{"typo", `CREATE TABLE users (id INTEGER PRIMARY KEY, deleted_at DATETIME)`, "user", `DELETE FROM users WHERE id = 1`,
			[]string{"table user:", "does not exist", "did you mean users?", "replace user with users in tables="}},
		{"flag marker", `CREATE TABLE users (id INTEGER PRIMARY KEY, is_deleted INTEGER NOT NULL DEFAULT 0)`, "users:is_deleted", `DELETE FROM users WHERE id = 1`,
			[]string{"table users, column is_deleted", "INTEGER", "declare its kind: tables=users:is_deleted:flag", "hide every row", "ALTER TABLE users ADD COLUMN deleted_at DATETIME NULL", "tables=users:deleted_at"}},
		{"sentinel default", `CREATE TABLE users (id INTEGER PRIMARY KEY, deleted_at DATETIME NOT NULL DEFAULT '1970-01-01')`, "users", `SELECT count(*) FROM users`,
			[]string{"table users, column deleted_at", "NOT NULL DEFAULT '1970-01-01'", "every row counts as deleted", "UPDATE users SET deleted_at = NULL WHERE deleted_at = '1970-01-01'"}},
		{"missing column", `CREATE TABLE nocol (id INTEGER PRIMARY KEY, removed_at DATETIME)`, "nocol", `SELECT count(*) FROM nocol`,
			[]string{"table nocol, column deleted_at", "does not exist", "marker-like columns: removed_at", "tables=nocol:removed_at", "ALTER TABLE nocol ADD COLUMN deleted_at DATETIME NULL"}},
		// Red team: with ON CONFLICT REPLACE an ordinary INSERT whose key
		// collides with a soft-deleted row deletes that row for real.
		{"on conflict replace", "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE\n ON  Conflict\tREPLACE, deleted_at DATETIME)", "users", `INSERT INTO users (id, email) VALUES (2, 'a')`,
			[]string{"table users", "ON CONFLICT REPLACE", "deletes that row for real", "ON CONFLICT (...) DO UPDATE"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path, raw := schemaSQLite(t, c.ddl, `INSERT INTO `+strings.Fields(c.ddl)[2]+` (id) VALUES (1)`)
			db, err := sql.Open(DriverName, "driver=sqlite3 tables="+c.tables+" dsn="+path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			_, err = db.ExecContext(ctx, c.stmt)
			wantSchemaError(t, err, c.want...)
			if n := rowCount(t, raw, `SELECT count(*) FROM `+strings.Fields(c.ddl)[2]); n != 1 {
				t.Errorf("the row is gone (%d rows): the statement was sent", n)
			}
		})
	}
}

// The check runs once per connector, with a fixed number of metadata
// queries, whatever the number of connections and statements.
func TestSchemaCheckRunsOnce(t *testing.T) {
	path, _ := schemaSQLite(t,
		`CREATE TABLE users (id INTEGER PRIMARY KEY, deleted_at DATETIME)`,
		`CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), deleted_at DATETIME)`)
	db, c, cc := schemaOpen(t, Config{DriverName: "sqlite3", DSN: path, Tables: []string{"users", "posts"}})
	ctx := context.Background()
	conns := make([]*sql.Conn, 3)
	for i := range conns {
		var err error
		if conns[i], err = db.Conn(ctx); err != nil {
			t.Fatal(err)
		}
		defer conns[i].Close()
	}
	if n := cc.meta.Load(); n != 0 {
		t.Fatalf("%d metadata queries at connect; want none before the first statement", n)
	}
	for i := 0; i < 10; i++ {
		for _, conn := range conns {
			if _, err := conn.ExecContext(ctx, `DELETE FROM posts WHERE id = ?`, i); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := c.rw.schema.checks.Load(); got != 1 {
		t.Errorf("%d checks; want 1", got)
	}
	if n := cc.meta.Load(); n != 4 {
		t.Errorf("%d metadata queries; want 4 (tables, columns, indexes, foreign keys)", n)
	}
}

// A failed check is not remembered: once the schema is fixed, the next
// statement checks again and runs. DDL goes through before the check.
func TestSchemaCheckRetriesAfterFix(t *testing.T) {
	path, raw := schemaSQLite(t, `CREATE TABLE users (id INTEGER PRIMARY KEY)`, `INSERT INTO users (id) VALUES (1)`)
	db, c, _ := schemaOpen(t, Config{DriverName: "sqlite3", DSN: path, Tables: []string{"users"}})
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		_, err := db.ExecContext(ctx, `DELETE FROM users WHERE id = 1`)
		wantSchemaError(t, err, "column deleted_at", "does not exist")
	}
	if _, err := db.ExecContext(ctx, `ALTER TABLE users ADD COLUMN deleted_at DATETIME NULL`); err != nil {
		t.Fatalf("DDL must run before the check passes: %v", err)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM users WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	if got := c.rw.schema.checks.Load(); got != 3 {
		t.Errorf("%d checks; want 3 (two failed, one passed)", got)
	}
	if n := rowCount(t, raw, `SELECT count(*) FROM users WHERE deleted_at IS NOT NULL`); n != 1 {
		t.Errorf("%d stamped rows; want 1", n)
	}
}

// check=off sends no metadata query (and so stops nothing).
func TestSchemaCheckOff(t *testing.T) {
	path, raw := schemaSQLite(t, `CREATE TABLE users (id INTEGER PRIMARY KEY)`, `INSERT INTO users (id) VALUES (1)`)
	for _, cfg := range []Config{
		{DriverName: "sqlite3", DSN: path, Tables: []string{"user"}, Check: CheckOff},
		{DriverName: "sqlite3", DSN: path, Tables: []string{"user"}, Check: "OFF"},
	} {
		db, _, cc := schemaOpen(t, cfg)
		if n := rowCount(t, db, `SELECT count(*) FROM users`); n != 1 {
			t.Errorf("%d rows; want 1", n)
		}
		if n := cc.meta.Load(); n != 0 {
			t.Errorf("check=%s: %d metadata queries; want none", cfg.Check, n)
		}
	}
	db, err := sql.Open(DriverName, "driver=sqlite3 check=off tables=user dsn="+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := rowCount(t, db, `SELECT count(*) FROM users`); n != 1 {
		t.Errorf("DSN check=off: %d rows; want 1", n)
	}
	_ = raw
}

// check=warn logs every problem at Warn and lets statements run; the
// check is then done.
func TestSchemaCheckWarnLogs(t *testing.T) {
	path, _ := schemaSQLite(t, `CREATE TABLE users (id INTEGER PRIMARY KEY)`, `INSERT INTO users (id) VALUES (1)`)
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	db, c, _ := schemaOpen(t, Config{DriverName: "sqlite3", DSN: path, Tables: []string{"user"}, Check: CheckWarn, Logger: logger})
	for i := 0; i < 3; i++ {
		if n := rowCount(t, db, `SELECT count(*) FROM users`); n != 1 {
			t.Errorf("%d rows; want 1", n)
		}
	}
	out := buf.String()
	for _, w := range []string{"level=WARN", "table=user", "did you mean users?", "replace user with users"} {
		if !strings.Contains(out, w) {
			t.Errorf("the log does not say %q:\n%s", w, out)
		}
	}
	if got := c.rw.schema.checks.Load(); got != 1 {
		t.Errorf("%d checks; want 1", got)
	}
}

// An in-memory SQLite database is created through softdelete's own
// connection: DDL runs before the check, the check then passes.
func TestSchemaCheckInMemorySQLite(t *testing.T) {
	db, err := sql.Open(DriverName, "driver=sqlite3 tables=users dsn=:memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, deleted_at DATETIME)`,
		`INSERT INTO users (id, name) VALUES (1, 'ann'), (2, 'bob')`,
		`DELETE FROM users WHERE id = 1`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if n := rowCount(t, db, `SELECT count(*) FROM users`); n != 1 {
		t.Errorf("%d live users; want 1", n)
	}
}

// The warnings: unique indexes that deleted rows break, with the fix for
// SQLite, and foreign keys to a marked table that is not listed.
func TestSchemaCheckWarningsSQLite(t *testing.T) {
	path, raw := schemaSQLite(t,
		`CREATE TABLE teams (id INTEGER PRIMARY KEY, deleted_at DATETIME)`,
		`CREATE TABLE users (id INTEGER PRIMARY KEY, team_id INTEGER REFERENCES teams(id), email TEXT, nick TEXT, slug TEXT, deleted_at DATETIME)`,
		`CREATE UNIQUE INDEX users_email ON users(email)`,
		`CREATE UNIQUE INDEX users_nick ON users(nick, deleted_at)`,
		`CREATE UNIQUE INDEX users_slug ON users(slug) WHERE deleted_at IS NULL`)
	_, c, _ := schemaOpen(t, Config{DriverName: "sqlite3", DSN: path, Tables: []string{"users"}})
	report, err := c.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(report.Warnings)
	for _, w := range []string{
		"unique index users_email (email) does not include deleted_at",
		"DROP INDEX users_email; CREATE UNIQUE INDEX users_email ON users(email) WHERE deleted_at IS NULL",
		"unique index users_nick (nick, deleted_at) does not stop duplicates among live rows",
		"CREATE UNIQUE INDEX users_nick ON users(nick) WHERE deleted_at IS NULL",
		"joins it to teams, which has deleted_at but is not listed",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("the warnings do not say %q:\n%s", w, got)
		}
	}
	if strings.Contains(got, "users_slug") || len(report.Warnings) != 3 {
		t.Errorf("want 3 warnings, none about the partial index users_slug:\n%s", strings.ReplaceAll(got, "} {", "}\n{"))
	}
	if report.Queries != 4 || len(report.Errors) != 0 {
		t.Errorf("report: %d queries, errors %v; want 4, none", report.Queries, report.Errors)
	}
	// The fixes work: applied, the warnings about users go away.
	for _, q := range []string{
		`DROP INDEX users_email`, `CREATE UNIQUE INDEX users_email ON users(email) WHERE deleted_at IS NULL`,
		`DROP INDEX users_nick`, `CREATE UNIQUE INDEX users_nick ON users(nick) WHERE deleted_at IS NULL`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if report, err = c.Check(context.Background()); err != nil || len(report.Warnings) != 1 {
		t.Errorf("after the fixes: %v, %v; want only the foreign key warning", report.Warnings, err)
	}
}

func TestNeedsSchemaCheck(t *testing.T) {
	for q, want := range map[string]bool{
		"":                                  false,
		"  ;  ":                             false,
		"CREATE TABLE t (id INT)":           false,
		"/* tag */ create index i on t(a)":  false,
		"-- x\nDROP TABLE t; ALTER TABLE u": false,
		"BEGIN; COMMIT":                     false,
		"PRAGMA foreign_keys = ON":          false,
		"SET NAMES utf8mb4":                 false,
		"SELECT 1":                          true,
		"(SELECT 1)":                        true,
		"DELETE FROM users":                 true,
		"CREATE TABLE t (id INT); DELETE FROM users": true,
		"WITH x AS (SELECT 1) SELECT * FROM x":       true,
		"EXPLAIN ANALYZE DELETE FROM users":          true,
		"TRUNCATE users":                             true,
		"/* CREATE */ INSERT INTO t VALUES (1)":      true,
	} {
		if got := needsSchemaCheck(q, dialectMySQL); got != want {
			t.Errorf("needsSchemaCheck(%q) = %v; want %v", q, got, want)
		}
	}
}

func TestSchemaCheckConfig(t *testing.T) {
	if _, err := ParseDSN("driver=sqlite3 tables=t check=maybe dsn=x"); err == nil || !strings.Contains(err.Error(), `check="maybe"`) ||
		!strings.Contains(err.Error(), "error, warn or off") {
		t.Errorf("check=maybe: %v", err)
	}
	if _, err := ParseDSN("driver=sqlite3 tables=t check= dsn=x"); err == nil {
		t.Error("check= (empty): no error")
	}
	cfg, err := ParseDSN("driver=sqlite3 tables=t check=warn dsn=x")
	if err != nil || cfg.Check != CheckWarn {
		t.Errorf("check=warn: %+v, %v", cfg, err)
	}
	if _, err := NewConnector(Config{DriverName: "sqlite3", Tables: []string{"t"}, Check: "sometimes"}); err == nil ||
		!strings.Contains(err.Error(), `check="sometimes"`) {
		t.Errorf("Config.Check sometimes: %v", err)
	}
}

func TestNearestName(t *testing.T) {
	all := []string{"Users", "posts", "comments", "audit_log"}
	for name, want := range map[string]string{
		"user": "Users", "USERS_": "Users", "post": "posts", "coments": "comments", "x": "", "orders": "", "auditlog": "audit_log",
	} {
		if got := nearestName(name, all); got != want {
			t.Errorf("nearestName(%q) = %q; want %q", name, got, want)
		}
	}
}

// TestSchemaCheckMarkerOnlyUnique: a unique index on the deleted column
// alone keeps no key unique and makes rows deleted with one stamp collide;
// the warning's fix drops it (it used to suggest an index with no column).
func TestSchemaCheckMarkerOnlyUnique(t *testing.T) {
	path, raw := schemaSQLite(t,
		`CREATE TABLE users (id INTEGER PRIMARY KEY, deleted_at DATETIME)`,
		`CREATE UNIQUE INDEX users_gone ON users(deleted_at)`)
	_, c, _ := schemaOpen(t, Config{DriverName: "sqlite3", DSN: path, Tables: []string{"users"}})
	report, err := c.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Warnings) != 1 || !strings.Contains(report.Warnings[0].Problem, "on the deleted column alone") || report.Warnings[0].Fix != "DROP INDEX users_gone" {
		t.Fatalf("warnings %v; want one about users_gone, fixed by DROP INDEX users_gone", report.Warnings)
	}
	if _, err := raw.Exec(report.Warnings[0].Fix); err != nil {
		t.Fatal(err)
	}
	if report, err = c.Check(context.Background()); err != nil || len(report.Warnings) != 0 {
		t.Errorf("after the fix: %v, %v; want no warning", report.Warnings, err)
	}
}
