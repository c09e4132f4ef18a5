package softdelete

// The marker kinds end to end, on SQLite and on MariaDB (with
// SOFTDELETE_MYSQL_DSN): per kind, a soft DELETE stamps what the kind
// stamps, reads hide the deleted rows (and count NULL as live), the modes
// show the trash or everything, DELETE ... LIMIT under WithIncludeDeleted
// keeps old stamps, and Restore brings a row back.

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// kindsTables is the tables= list of the end-to-end tests: one table per
// kind, and a flag with a companion.
const kindsTables = "stamps,events:deleted:unix,clicks:deleted:unixmilli,items:is_deleted:flag,orders:is_deleted:flag:deleted_at"

// kindsDDL creates the tables of kindsTables in dialect d. items' flag is
// nullable (a NULL flag counts as live); the others are NOT NULL DEFAULT 0.
func kindsDDL(d string) []string {
	tm, big, flag, null := "DATETIME NULL", "INTEGER NOT NULL DEFAULT 0", "BOOLEAN NULL DEFAULT 0", "BOOLEAN NOT NULL DEFAULT 0"
	if d == "mysql" {
		tm, big, flag, null = "DATETIME(6) NULL", "BIGINT NOT NULL DEFAULT 0", "TINYINT(1) NULL DEFAULT 0", "TINYINT(1) NOT NULL DEFAULT 0"
	}
	return []string{
		"CREATE TABLE stamps (id INT PRIMARY KEY, v VARCHAR(10), deleted_at " + tm + ")",
		"CREATE TABLE events (id INT PRIMARY KEY, v VARCHAR(10), deleted " + big + ")",
		"CREATE TABLE clicks (id INT PRIMARY KEY, v VARCHAR(10), deleted " + big + ")",
		"CREATE TABLE items (id INT PRIMARY KEY, v VARCHAR(10), is_deleted " + flag + ")",
		"CREATE TABLE orders (id INT PRIMARY KEY, v VARCHAR(10), is_deleted " + null + ", deleted_at " + tm + ")",
	}
}

// kindsCase is one table of kindsTables and what its marker holds.
type kindsCase struct {
	table, marker string
	live          string                       // the marker of a live row, as read raw
	deleted       func(t *testing.T, v string) // checks a deleted row's marker
}

func kindsCases(before time.Time) []kindsCase {
	epoch := func(unit time.Duration) func(*testing.T, string) {
		return func(t *testing.T, v string) {
			t.Helper()
			n, err := strconv.ParseInt(v, 10, 64)
			lo, hi := before.Add(-2*time.Second).UnixNano()/int64(unit), time.Now().Add(2*time.Second).UnixNano()/int64(unit)
			if err != nil || n < lo || n > hi {
				t.Errorf("stamp %q is not the epoch %v of now (%d..%d)", v, unit, lo, hi)
			}
		}
	}
	return []kindsCase{
		{"stamps", "deleted_at", "NULL", func(t *testing.T, v string) {
			if v == "NULL" || v == "" {
				t.Errorf("time stamp %q", v)
			}
		}},
		{"events", "deleted", "0", epoch(time.Second)},
		{"clicks", "deleted", "0", epoch(time.Millisecond)},
		{"items", "is_deleted", "0", func(t *testing.T, v string) {
			if v != "1" {
				t.Errorf("flag stamp %q, want 1", v)
			}
		}},
		{"orders", "is_deleted", "0", func(t *testing.T, v string) {
			if v != "1" {
				t.Errorf("flag stamp %q, want 1", v)
			}
		}},
	}
}

// kindsCell reads one value raw, as text ("NULL" for NULL).
func kindsCell(t *testing.T, raw *sql.DB, q string, args ...any) string {
	t.Helper()
	var v sql.NullString
	if err := raw.QueryRow(q, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if !v.Valid {
		return "NULL"
	}
	return v.String
}

// kindsIDs returns the ids a query returns, comma-separated.
func kindsIDs(t *testing.T, ctx context.Context, db *sql.DB, q string) string {
	t.Helper()
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, strconv.Itoa(id))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(ids, ",")
}

// checkKindsEndToEnd runs the cycle on each table of kindsTables.
// With limit, the database runs DELETE ... LIMIT.
func checkKindsEndToEnd(t *testing.T, db, raw *sql.DB, limit bool) {
	ctx := context.Background()
	before := time.Now()
	for _, c := range kindsCases(before) {
		t.Run(c.table, func(t *testing.T) {
			checkKindCycle(t, ctx, db, raw, c, limit)
		})
	}
	for _, c := range kindsCases(before) {
		checkKindPurge(t, ctx, db, c.table)
	}
	// A join across kinds filters each table by its own marker.
	if got := kindsIDs(t, ctx, db, "SELECT e.id FROM events e JOIN items i ON i.id = e.id LEFT JOIN orders o ON o.id = e.id AND o.v = 'x' ORDER BY e.id"); got != "1,3,4" {
		t.Errorf("join across kinds = %q, want 1,3,4", got)
	}
}

// checkKindCycle deletes, reads, restores and deletes with a LIMIT on one
// table of kindsTables.
func checkKindCycle(t *testing.T, ctx context.Context, db, raw *sql.DB, c kindsCase, limit bool) {
	for id := 1; id <= 4; id++ {
		if _, err := db.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s (id, v) VALUES (?, 'x')", c.table), id); err != nil {
			t.Fatal(err)
		}
	}
	if c.live == "0" {
		if _, err := raw.Exec("UPDATE " + c.table + " SET " + c.marker + " = NULL WHERE id = 4"); err != nil && c.table == "items" {
			t.Fatal(err) // NOT NULL elsewhere: row 4 stays 0
		}
	}
	marker := func(id int) string {
		col := c.marker
		if c.live == "0" {
			col += " + 0" // go-sqlite3 reads a BOOLEAN column as a bool
		}
		return kindsCell(t, raw, fmt.Sprintf("SELECT %s FROM %s WHERE id = ?", col, c.table), id)
	}
	if got := marker(1); got != c.live {
		t.Fatalf("a new row's marker is %q, want %q", got, c.live)
	}
	if n := execAffected(t, ctx, db, "DELETE FROM "+c.table+" WHERE id = ?", 1); n != 1 {
		t.Fatalf("DELETE affected %d rows", n)
	}
	stamp := marker(1)
	c.deleted(t, stamp)
	if c.table == "orders" && kindsCell(t, raw, "SELECT deleted_at FROM orders WHERE id = 1") == "NULL" {
		t.Errorf("the companion deleted_at was not stamped")
	}
	all := "SELECT id FROM " + c.table + " ORDER BY id"
	for _, m := range []struct {
		name string
		ctx  context.Context
		want string
	}{{"default", ctx, "2,3,4"}, {"only", WithOnlyDeleted(ctx), "1"}, {"include", WithIncludeDeleted(ctx), "1,2,3,4"}} {
		if got := kindsIDs(t, m.ctx, db, all); got != m.want {
			t.Errorf("%s: ids %q, want %q", m.name, got, m.want)
		}
	}
	if n := execAffected(t, ctx, db, "UPDATE "+c.table+" SET v = 'y'"); n != 3 {
		t.Errorf("UPDATE affected %d rows, want the 3 live ones", n)
	}
	if n := execAffected(t, ctx, db, "DELETE FROM "+c.table+" WHERE id = ?", 1); n != 0 {
		t.Errorf("a second DELETE affected %d rows", n)
	}
	// Under WithIncludeDeleted, ORDER BY ... LIMIT counts row 1 and keeps
	// its stamp. (go-sqlite3 is built without DELETE ... LIMIT: the same
	// rows by id there.)
	delete2 := "DELETE FROM " + c.table + " ORDER BY id LIMIT 2"
	if !limit {
		delete2 = "DELETE FROM " + c.table + " WHERE id <= 2"
	}
	execAffected(t, WithIncludeDeleted(ctx), db, delete2)
	if got := marker(1); got != stamp {
		t.Errorf("DELETE ... LIMIT under WithIncludeDeleted changed row 1's stamp from %q to %q", stamp, got)
	}
	c.deleted(t, marker(2))
	if got := kindsIDs(t, ctx, db, all); got != "3,4" {
		t.Errorf("after DELETE ... LIMIT 2: ids %q, want 3,4", got)
	}
	if _, err := Restore(ctx, db, c.table, "id = ?", 1); err != nil {
		t.Fatal(err)
	}
	if got := marker(1); got != c.live {
		t.Errorf("restored marker %q, want %q", got, c.live)
	}
	if c.table == "orders" && kindsCell(t, raw, "SELECT deleted_at FROM orders WHERE id = 1") != "NULL" {
		t.Errorf("Restore did not clear the companion deleted_at")
	}
	if got := kindsIDs(t, ctx, db, all); got != "1,3,4" {
		t.Errorf("after Restore: ids %q, want 1,3,4", got)
	}
}

func execAffected(t *testing.T, ctx context.Context, db *sql.DB, q string, args ...any) int64 {
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

func TestKindsEndToEndSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kinds.db")
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range kindsDDL("sqlite") {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sql.Open(DriverName, "driver=sqlite3 tables="+kindsTables+" dsn="+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkKindsEndToEnd(t, db, raw, false)
	// SQLite's stamps are integers, not text or reals.
	for _, table := range []string{"events", "clicks"} {
		execAffected(t, context.Background(), db, "DELETE FROM "+table+" WHERE id = 3")
		q := "SELECT typeof(deleted) FROM " + table + " WHERE id = 3"
		if got := kindsCell(t, raw, q); got != "integer" {
			t.Errorf("%s = %s, want integer", q, got)
		}
	}
}

func TestKindsEndToEndMySQL(t *testing.T) {
	m := mysqlOpen(t, kindsTables, "")
	mysqlExec(t, m.Raw, kindsDDL("mysql")...)
	checkKindsEndToEnd(t, m.DB, m.Raw, true)
}

// checkKindPurge purges a table of kindsTables after its cycle: row 2 is
// its one deleted row; a flag without a companion cannot be purged by time.
func checkKindPurge(t *testing.T, ctx context.Context, db *sql.DB, table string) {
	t.Helper()
	res, err := Purge(ctx, db, table, time.Now().Add(-time.Hour), nil)
	if table == "items" {
		if err == nil || !strings.Contains(err.Error(), "name a companion timestamp column (tables=items:is_deleted:flag:deleted_at)") {
			t.Errorf("Purge of a flag without companion: %v", err)
		}
		return
	}
	if err != nil || res.Total() != 0 {
		t.Fatalf("Purge %s before an hour ago: %+v, %v; want nothing purged", table, res, err)
	}
	res, err = Purge(ctx, db, table, time.Now().Add(time.Hour), nil)
	if err != nil || res.Total() != 1 {
		t.Fatalf("Purge %s before in an hour: %+v, %v; want row 2 purged", table, res, err)
	}
	if got := kindsIDs(t, WithIncludeDeleted(ctx), db, "SELECT id FROM "+table+" ORDER BY id"); got != "1,3,4" {
		t.Errorf("%s after Purge: %q, want 1,3,4", table, got)
	}
}

// checkUnixUniqueKey: with a NOT NULL unix marker whose live value is 0,
// UNIQUE(email, deleted) stops two live duplicates and lets a deleted
// row's email be used again (README, "Unique keys").
func checkUnixUniqueKey(t *testing.T, db *sql.DB) {
	ctx := context.Background()
	ins := "INSERT INTO members (id, email) VALUES (?, ?)"
	execAffected(t, ctx, db, ins, 1, "a@x")
	if _, err := db.ExecContext(ctx, ins, 2, "a@x"); err == nil {
		t.Fatal("a second live a@x was accepted")
	}
	execAffected(t, ctx, db, "DELETE FROM members WHERE email = ?", "a@x")
	execAffected(t, ctx, db, ins, 3, "a@x")
	if got := kindsIDs(t, WithIncludeDeleted(ctx), db, "SELECT id FROM members ORDER BY id"); got != "1,3" {
		t.Errorf("ids %q, want 1,3", got)
	}
}

func TestUnixUniqueKeySQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "unique.db")
	db, err := sql.Open(DriverName, "driver=sqlite3 tables=members:deleted:unix dsn="+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	execAffected(t, context.Background(), db, "CREATE TABLE members (id INTEGER PRIMARY KEY, email TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, UNIQUE(email, deleted))")
	checkUnixUniqueKey(t, db)
}

func TestUnixUniqueKeyMySQL(t *testing.T) {
	m := mysqlOpen(t, "members:deleted:unix", "")
	mysqlExec(t, m.Raw, "CREATE TABLE members (id INT PRIMARY KEY, email VARCHAR(100) NOT NULL, deleted BIGINT NOT NULL DEFAULT 0, UNIQUE KEY members_email (email, deleted))")
	checkUnixUniqueKey(t, m.DB)
}
