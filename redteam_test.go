package softdelete

// Red-team regression tests: statements that got past softdelete's
// data-safety guarantees (soft-deleted rows destroyed or read without a
// mode, the schema check skipped), each fixed. The MariaDB ones skip
// without SOFTDELETE_MYSQL_DSN and work in a database of their own,
// t_red_<hex>, dropped at the end.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// redMySQL creates a fresh database t_red_<hex> on the live server (dropped
// when the test ends), runs setup in it raw, and opens it through
// softdelete with the given tables= list and raw.
func redMySQL(t *testing.T, tables string, setup ...string) (db, raw *sql.DB) {
	t.Helper()
	base := mysqlBaseConfig(t)
	admin, err := sql.Open("mysql", base.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "t_red_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"`"); err != nil {
		admin.Close()
		t.Fatalf("creating %s: %v", name, err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS `" + name + "`"); err != nil {
			t.Errorf("dropping %s: %v", name, err)
		}
		admin.Close()
	})
	inner, err := mysqlWithParams(base, name, "")
	if err != nil {
		t.Fatal(err)
	}
	if raw, err = sql.Open("mysql", inner); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	mysqlExec(t, raw, setup...)
	if db, err = sql.Open(DriverName, "driver=mysql tables="+tables+" dsn="+inner); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, raw
}

// redSQLite creates a SQLite file with users (soft, live row 1, deleted
// row 2), comments (soft, column removed_at) and tags (plain), and opens it
// through softdelete and raw.
func redSQLite(t *testing.T) (db, raw *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "red.db")
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	for _, q := range []string{
		`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, deleted_at DATETIME)`,
		`CREATE TABLE comments (id INTEGER PRIMARY KEY, body TEXT, removed_at DATETIME)`,
		`CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT)`,
		`INSERT INTO users VALUES (1, 'ann', NULL), (2, 'bob', '2020-01-01 00:00:00')`,
		`INSERT INTO comments VALUES (1, 'x', NULL), (2, 'y', '2020-01-01 00:00:00')`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if db, err = sql.Open(DriverName, "driver=sqlite3 tables=users,comments:removed_at dsn="+path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, raw
}

// redUsersSetup is a users table with a live row (1) and a soft-deleted
// one (2).
var redUsersSetup = []string{
	"CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(20), deleted_at DATETIME(6) NULL)",
	"INSERT INTO users VALUES (1, 'ann', NULL), (2, 'bob', '2020-01-01 00:00:00')",
}

// redCount returns the number of rows of table, read raw.
func redCount(t *testing.T, raw *sql.DB, table string) int {
	t.Helper()
	var n int
	if err := raw.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatalf("counting %s: %v", table, err)
	}
	return n
}

// SQLite reads a single-quoted string where its grammar wants a name as
// that name: DROP TABLE 'users' drops users. These went through as written
// (the name was a string to softdelete's lexer) and destroyed the table's
// soft-deleted rows, or erased its deletion marks, without the raw context.
func TestRedTeamSQLiteStringNamesInDDL(t *testing.T) {
	ctx := context.Background()
	for _, q := range []string{
		`DROP TABLE 'users'`,
		`DROP TABLE IF EXISTS main.'users'`,
		`ALTER TABLE 'users' RENAME TO users_old`,
		`ALTER TABLE main.'users' RENAME TO users_old`,
		`ALTER TABLE users DROP COLUMN 'deleted_at'`,
		`ALTER TABLE 'comments' DROP 'removed_at'`,
	} {
		db, raw := redSQLite(t)
		_, err := db.ExecContext(ctx, q)
		if !errors.Is(err, ErrRefused) {
			t.Errorf("%s: err = %v; want a refusal", q, err)
		}
		var cols int
		if err := raw.QueryRow(`SELECT count(*) FROM pragma_table_info('users') WHERE name = 'deleted_at'`).Scan(&cols); err != nil || cols != 1 {
			t.Errorf("%s: users.deleted_at is gone (%d, %v)", q, cols, err)
		}
		if n := redCount(t, raw, "comments"); n != 2 {
			t.Errorf("%s: comments has %d rows; want 2", q, n)
		}
		if _, err := raw.Exec(`SELECT removed_at FROM comments`); err != nil {
			t.Errorf("%s: comments.removed_at: %v", q, err)
		}
	}
	// Strings that are strings still pass, and raw still runs the DDL.
	db, raw := redSQLite(t)
	for _, q := range []string{
		`ALTER TABLE users ADD COLUMN note TEXT DEFAULT 'deleted_at'`,
		`ALTER TABLE tags ADD COLUMN note TEXT DEFAULT 'users'`,
		`ALTER TABLE 'tags' RENAME TO 'labels'`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	if _, err := db.ExecContext(WithForce(WithIncludeDeleted(ctx)), `DROP TABLE 'comments'`); err != nil {
		t.Errorf("raw DROP TABLE 'comments': %v", err)
	}
	var n int
	if err := raw.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'comments'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("raw DROP TABLE 'comments' left the table (%d, %v)", n, err)
	}
}

// MariaDB's ALTER TABLE ... DROP [COLUMN] IF EXISTS deleted_at erased the
// deletion marks although ALTER TABLE ... DROP deleted_at is refused.
func TestRedTeamDropMarkerIfExists(t *testing.T) {
	rw := testRewriter(t, "mysql")
	stmts := []string{
		"ALTER TABLE users DROP COLUMN IF EXISTS deleted_at",
		"ALTER TABLE users DROP IF EXISTS deleted_at",
		"ALTER TABLE users ADD x INT, DROP COLUMN IF EXISTS `deleted_at`",
		"ALTER TABLE comments DROP IF EXISTS removed_at",
	}
	for _, q := range stmts {
		if _, err := rw.rewrite(q, defaultMode); !errors.Is(err, ErrRefused) {
			t.Errorf("%s: err = %v; want a refusal", q, err)
		}
	}
	for _, q := range []string{"ALTER TABLE users DROP COLUMN IF EXISTS note", "ALTER TABLE tags DROP IF EXISTS deleted_at"} {
		if _, err := rw.rewrite(q, defaultMode); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}

	db, raw := redMySQL(t, "users", redUsersSetup...)
	if _, err := db.Exec(stmts[0]); !errors.Is(err, ErrRefused) {
		t.Fatalf("%s on MariaDB: err = %v; want a refusal", stmts[0], err)
	}
	var stamped int
	if err := raw.QueryRow("SELECT count(*) FROM users WHERE deleted_at IS NOT NULL").Scan(&stamped); err != nil || stamped != 1 {
		t.Errorf("after the refused DROP COLUMN IF EXISTS: %d stamped rows (%v); want 1", stamped, err)
	}
}

// The schema check runs before the first statement that is not DDL or
// session control. needsSchemaCheck split the text at every ';' byte, so a
// ';' and a comment opener inside strings hid a DELETE between two
// schema-free statements; and MariaDB's SET STATEMENT ... FOR runs any
// statement behind a SET.
func TestRedTeamSchemaCheckBypass(t *testing.T) {
	for _, c := range []struct {
		d *dialect
		q string
	}{
		{dialectMySQL, "SET STATEMENT max_statement_time = 0 FOR DELETE FROM users"},
		{dialectMySQL, "set /* x */ statement foreign_key_checks = 1 for delete from users"},
		{dialectMySQL, "SET @a = '; /*'; DELETE FROM users; SET @b = '*/ SET'"},
		{dialectMySQL, "SET @a = 1 # ;\n; DELETE FROM users"},
		{dialectMySQL, "/*!50700 SET @a = 1 */ DELETE FROM users"}, // MariaDB skips the comment
		{dialectMySQL, "/*M!999999 SET @a = 1 */ DELETE FROM users"},
		{dialectSQLite, "CREATE TABLE IF NOT EXISTS z (a TEXT DEFAULT '; /*'); DELETE FROM users; CREATE TABLE IF NOT EXISTS y (b TEXT DEFAULT '*/ PRAGMA')"},
		{dialectSQLite, "PRAGMA user_version = 1; \"DELETE\""},
	} {
		if !needsSchemaCheck(c.q, c.d) {
			t.Errorf("needsSchemaCheck(%q, %v) = false; want true", c.q, c.d)
		}
	}
	for _, q := range []string{"SET @a = ';'; SET @b = 2", "CREATE TABLE t (a TEXT DEFAULT ';'); CREATE INDEX i ON t(a)", "/*!40101 SET NAMES utf8mb4 */"} {
		if needsSchemaCheck(q, dialectMySQL) {
			t.Errorf("needsSchemaCheck(%q) = true; want false", q)
		}
	}

	// On SQLite: tables=user is a typo for users, so users is unprotected
	// and the schema check is what stops the DELETE.
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "typo.db")
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []string{`CREATE TABLE users (id INTEGER PRIMARY KEY, deleted_at DATETIME)`, `INSERT INTO users VALUES (1, NULL), (2, '2020-01-01')`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sql.Open(DriverName, "driver=sqlite3 tables=user dsn="+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q := `CREATE TABLE IF NOT EXISTS z (a TEXT DEFAULT '; /*'); DELETE FROM users; CREATE TABLE IF NOT EXISTS y (b TEXT DEFAULT '*/ PRAGMA')`
	if _, err := db.ExecContext(ctx, q); !errors.Is(err, ErrSchema) {
		t.Errorf("SQLite, tables=user: err = %v; want the schema error", err)
	}
	if n := redCount(t, raw, "users"); n != 2 {
		t.Errorf("SQLite, tables=user: users has %d rows; want 2", n)
	}

	db, raw = redMySQL(t, "user", redUsersSetup...)
	if _, err := db.Exec("SET STATEMENT max_statement_time = 0 FOR DELETE FROM users"); !errors.Is(err, ErrSchema) {
		t.Errorf("MariaDB, tables=user: SET STATEMENT ... FOR DELETE: err = %v; want the schema error", err)
	}
	if n := redCount(t, raw, "users"); n != 2 {
		t.Errorf("MariaDB, tables=user: users has %d rows; want 2", n)
	}
}

// A word glued to the version number of a versioned comment: MariaDB and
// MySQL read /*!50000users*/ as the table users, while softdelete's scan
// for table names saw the word 50000users and sent the statement as
// written: SELECT returned soft-deleted rows, DELETE hard-deleted them.
func TestRedTeamGluedVersionNumber(t *testing.T) {
	rw := testRewriter(t, "mysql")
	refused := []string{
		"SELECT id FROM /*!50000users*/",
		"SELECT id FROM /*!100000users*/",
		"SELECT id FROM /*M!100000users*/",
		"SELECT id FROM /*!5000users*/",
		"DELETE FROM /*!50000users*/ WHERE id > 0",
		"SELECT id FROM tags /*!50000UNION SELECT id FROM users*/",
		"SELECT 1; SELECT id FROM /*!50000users*/",
	}
	for _, q := range refused {
		for _, m := range []*mode{defaultMode, modeFrom(WithIncludeDeleted(context.Background()))} {
			if _, err := rw.rewrite(q, m); !errors.Is(err, ErrRefused) {
				t.Errorf("%s: err = %v; want a refusal", q, err)
			}
		}
	}
	for _, q := range []string{"/*!40101 SET NAMES utf8mb4 */", "SELECT 1 /*!50000 + 1 */", "/*M!999999\\- enable the sandbox mode */", "SELECT 1 /*!50000(2)*/"} {
		if _, err := rw.rewrite(q, defaultMode); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	if _, err := rw.rewrite(refused[0], modeFrom(WithForce(WithIncludeDeleted(context.Background())))); err != nil {
		t.Errorf("raw: %v", err)
	}

	db, raw := redMySQL(t, "users", redUsersSetup...)
	ctx := context.Background()
	if got, err := mysqlQueryE(ctx, db, "SELECT id FROM /*!50000users*/ ORDER BY id"); !errors.Is(err, ErrRefused) {
		t.Errorf("SELECT id FROM /*!50000users*/ on MariaDB: %v, %v; want a refusal", got, err)
	}
	if _, err := db.ExecContext(ctx, "DELETE FROM /*!100000users*/ WHERE id > 0"); !errors.Is(err, ErrRefused) {
		t.Errorf("DELETE FROM /*!100000users*/ on MariaDB: err = %v; want a refusal", err)
	}
	if n := redCount(t, raw, "users"); n != 2 {
		t.Errorf("users has %d rows; want 2", n)
	}
}
