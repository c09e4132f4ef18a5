package softdelete

// Unique keys on soft-delete tables: the patterns README's "Unique keys"
// section recommends, and the trap it warns about, each on a real
// database. A unique key sees every row, deleted or not, so a plain
// UNIQUE(email) keeps a deleted address reserved forever, and the old
// advice UNIQUE(email, deleted_at) does not work either: NULL never equals
// NULL, so any number of live rows (deleted_at NULL) share an email.
//
//	SQLite          CREATE UNIQUE INDEX ... ON users(email) WHERE deleted_at IS NULL
//	MariaDB/MySQL   alive TINYINT AS (IF(deleted_at IS NULL, 1, NULL)) + UNIQUE(email, alive)
//
// The MariaDB tests need SOFTDELETE_MYSQL_DSN, like the rest of the
// MariaDB suite (mysql_test.go).

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/mattn/go-sqlite3"
)

// uniqueDB is one users table (id, email, deleted_at, maybe more) open
// through softdelete (DB, tables=users) and raw (Raw), and how its driver
// reports a unique-key violation.
type uniqueDB struct {
	DB, Raw  *sql.DB
	IsUnique func(error) bool
}

// sqliteUniqueDB creates a SQLite file whose users table is made by ddl
// (run raw, in order) and opens it through softdelete and raw.
func sqliteUniqueDB(t *testing.T, ddl ...string) uniqueDB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "unique.db")
	raw, err := sql.Open("sqlite3", path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	for _, q := range ddl {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db, err := sql.Open(DriverName, "driver=sqlite3 tables=users dsn="+path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return uniqueDB{DB: db, Raw: raw, IsUnique: isSQLiteUniqueViolation}
}

// mysqlUniqueDB creates a fresh MariaDB/MySQL database whose users table is
// made by ddl (run raw), or skips without SOFTDELETE_MYSQL_DSN.
func mysqlUniqueDB(t *testing.T, ddl ...string) uniqueDB {
	t.Helper()
	m := mysqlOpen(t, "users", "")
	mysqlExec(t, m.Raw, ddl...)
	return uniqueDB{DB: m.DB, Raw: m.Raw, IsUnique: isMySQLUniqueViolation}
}

// isSQLiteUniqueViolation reports whether err is SQLite's "UNIQUE
// constraint failed".
func isSQLiteUniqueViolation(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique
}

// isMySQLUniqueViolation reports whether err is MySQL's ER_DUP_ENTRY (1062).
func isMySQLUniqueViolation(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1062
}

// insertUser inserts a user through softdelete and returns the error.
func (u uniqueDB) insertUser(id int, email string) error {
	_, err := u.DB.ExecContext(context.Background(), "INSERT INTO users (id, email) VALUES (?, ?)", id, email)
	return err
}

// mustInsertUser inserts a user through softdelete and fails the test on
// an error.
func (u uniqueDB) mustInsertUser(t *testing.T, id int, email string) {
	t.Helper()
	if err := u.insertUser(id, email); err != nil {
		t.Fatalf("inserting user %d %s: %v", id, email, err)
	}
}

// uniqueCount runs a SELECT count(*) ... on db and returns the count.
func uniqueCount(t *testing.T, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// checkCompositeKeyTrap shows that UNIQUE(email, deleted_at) lets two live
// rows share an email: both inserts succeed and both rows are live.
func checkCompositeKeyTrap(t *testing.T, u uniqueDB) {
	t.Helper()
	u.mustInsertUser(t, 1, "a@x")
	if err := u.insertUser(2, "a@x"); err != nil {
		t.Fatalf("second live a@x: %v; want it accepted (NULLs never collide in a unique key)", err)
	}
	if n := uniqueCount(t, u.DB, "SELECT count(*) FROM users WHERE email = ?", "a@x"); n != 2 {
		t.Fatalf("live users with a@x: %d, want 2: the trap, two live duplicates", n)
	}
}

// checkLiveUniqueKey runs the scenario a unique key on live rows must pass:
// (b) a second live duplicate is rejected, (c) an email is free again once
// its row is soft-deleted through softdelete, (d) restoring the deleted
// row while a live duplicate exists fails with a unique violation, and
// succeeds once the duplicate is gone.
func checkLiveUniqueKey(t *testing.T, u uniqueDB) {
	t.Helper()
	ctx := context.Background()
	u.mustInsertUser(t, 1, "a@x")
	if err := u.insertUser(2, "a@x"); !u.IsUnique(err) {
		t.Fatalf("(b) second live a@x: got %v, want a unique-key violation", err)
	}

	if _, err := u.DB.ExecContext(ctx, "DELETE FROM users WHERE email = ?", "a@x"); err != nil {
		t.Fatalf("(c) soft DELETE: %v", err)
	}
	if n := uniqueCount(t, u.Raw, "SELECT count(*) FROM users WHERE id = 1 AND deleted_at IS NOT NULL"); n != 1 {
		t.Fatalf("(c) user 1 after the soft DELETE: %d stamped rows raw, want 1", n)
	}
	if err := u.insertUser(3, "a@x"); err != nil {
		t.Fatalf("(c) re-inserting a@x after its row was soft-deleted: %v, want success", err)
	}
	if n := uniqueCount(t, u.Raw, "SELECT count(*) FROM users WHERE email = ?", "a@x"); n != 2 {
		t.Fatalf("(c) rows with a@x raw: %d, want 2 (one deleted, one live)", n)
	}

	if _, err := Restore(ctx, u.DB, "users", "id = ?", 1); !u.IsUnique(err) {
		t.Fatalf("(d) restoring user 1 while user 3 has a@x: got %v, want a unique-key violation", err)
	}
	if n := uniqueCount(t, u.Raw, "SELECT count(*) FROM users WHERE id = 1 AND deleted_at IS NOT NULL"); n != 1 {
		t.Fatalf("(d) user 1 after the failed restore: %d stamped rows raw, want 1 (still deleted)", n)
	}
	if _, err := u.DB.ExecContext(ctx, "DELETE FROM users WHERE id = ?", 3); err != nil {
		t.Fatalf("(d) soft DELETE of user 3: %v", err)
	}
	if _, err := Restore(ctx, u.DB, "users", "id = ?", 1); err != nil {
		t.Fatalf("(d) restoring user 1 once user 3 is deleted: %v, want success", err)
	}
	if n := uniqueCount(t, u.DB, "SELECT count(*) FROM users WHERE id = 1 AND email = ?", "a@x"); n != 1 {
		t.Fatalf("(d) user 1 after the restore: %d live rows, want 1", n)
	}
}

// TestSQLiteUniqueCompositeKeyTrap: UNIQUE(email, deleted_at) does not
// stop two live rows with the same email on SQLite.
func TestSQLiteUniqueCompositeKeyTrap(t *testing.T) {
	checkCompositeKeyTrap(t, sqliteUniqueDB(t,
		`CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, deleted_at DATETIME, UNIQUE (email, deleted_at))`))
}

// TestSQLiteUniquePartialIndex: on SQLite a partial unique index over the
// live rows is unique among live rows only.
func TestSQLiteUniquePartialIndex(t *testing.T) {
	checkLiveUniqueKey(t, sqliteUniqueDB(t,
		`CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, deleted_at DATETIME)`,
		`CREATE UNIQUE INDEX users_email_live ON users (email) WHERE deleted_at IS NULL`))
}

// TestMySQLUniqueCompositeKeyTrap: UNIQUE(email, deleted_at) does not stop
// two live rows with the same email on MariaDB/MySQL.
func TestMySQLUniqueCompositeKeyTrap(t *testing.T) {
	checkCompositeKeyTrap(t, mysqlUniqueDB(t,
		"CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100) NOT NULL, deleted_at DATETIME(6) NULL DEFAULT NULL, "+
			"UNIQUE KEY users_email_deleted (email, deleted_at)) ENGINE=InnoDB"))
}

// mysqlAliveUsersDDL is the recommended MariaDB/MySQL pattern: a generated
// column that is 1 for a live row and NULL for a deleted one, in the
// unique key with the email.
const mysqlAliveUsersDDL = "CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100) NOT NULL, " +
	"name VARCHAR(100) NOT NULL DEFAULT '', deleted_at DATETIME(6) NULL DEFAULT NULL, " +
	"alive TINYINT AS (IF(deleted_at IS NULL, 1, NULL)) VIRTUAL, " +
	"UNIQUE KEY users_email_alive (email, alive)) ENGINE=InnoDB"

// TestMySQLUniqueGeneratedColumn: on MariaDB/MySQL a generated column
// alive (1 or NULL) makes UNIQUE(email, alive) unique among live rows
// only; INSERT ... ON DUPLICATE KEY UPDATE then meets the live row, never
// the deleted one.
func TestMySQLUniqueGeneratedColumn(t *testing.T) {
	u := mysqlUniqueDB(t, mysqlAliveUsersDDL)
	checkLiveUniqueKey(t, u)

	// Now user 1 (a@x) is live, user 3 (a@x) deleted.
	ctx := context.Background()
	if _, err := u.DB.ExecContext(ctx, "INSERT INTO users (id, email, name) VALUES (9, 'a@x', 'upsert') "+
		"ON DUPLICATE KEY UPDATE name = VALUES(name)"); err != nil {
		t.Fatalf("upsert: %v", err)
	}
	var names []string
	rows, err := u.Raw.QueryContext(ctx, "SELECT concat(id, ':', name) FROM users ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	if names, err = mysqlCollect(rows); err != nil {
		t.Fatal(err)
	}
	mysqlWant(t, "rows after the upsert (raw)", names, "1:upsert", "3:")
}
