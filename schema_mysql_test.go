package softdelete

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// The reproductions of issue 11 on MariaDB/MySQL (SOFTDELETE_MYSQL_DSN):
// each fails fast, naming the table and the fix, and sends nothing.
func TestMySQLSchemaCheckReproductions(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name, ddl, tables, stmt string
		want                    []string
	}{
		{"typo", `CREATE TABLE users (id INT PRIMARY KEY, deleted_at DATETIME(6) NULL)`, "user", `DELETE FROM users WHERE id = 1`,
			[]string{"table user:", "does not exist in database", "did you mean users?", "replace user with users in tables="}},
		{"flag marker", `CREATE TABLE users (id INT PRIMARY KEY, is_deleted INTEGER NOT NULL DEFAULT 0)`, "users:is_deleted", `DELETE FROM users WHERE id = 1`,
			[]string{"table users, column is_deleted", "int(11)", "declare its kind: tables=users:is_deleted:flag", "hide every row", "ALTER TABLE users ADD COLUMN deleted_at DATETIME(6) NULL"}},
		{"sentinel default", `CREATE TABLE users (id INT PRIMARY KEY, deleted_at DATETIME NOT NULL DEFAULT '1970-01-01')`, "users", `SELECT count(*) FROM users`,
			[]string{"table users, column deleted_at", "NOT NULL DEFAULT '1970-01-01 00:00:00'", "ALTER TABLE users MODIFY deleted_at datetime NULL DEFAULT NULL",
				"UPDATE users SET deleted_at = NULL WHERE deleted_at = '1970-01-01 00:00:00'"}},
		{"missing column", `CREATE TABLE nocol (id INT PRIMARY KEY, removed_at DATETIME NULL)`, "nocol", `SELECT count(*) FROM nocol`,
			[]string{"table nocol, column deleted_at", "does not exist", "tables=nocol:removed_at", "ALTER TABLE nocol ADD COLUMN deleted_at DATETIME(6) NULL"}},
		{"on update", `CREATE TABLE users (id INT PRIMARY KEY, deleted_at TIMESTAMP(6) NULL DEFAULT NULL ON UPDATE CURRENT_TIMESTAMP(6))`, "users", `SELECT count(*) FROM users`,
			[]string{"table users, column deleted_at", "every UPDATE of a live row would delete it", "ALTER TABLE users MODIFY deleted_at timestamp(6) NULL DEFAULT NULL"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			table := strings.Fields(c.ddl)[2]
			m := mysqlOpen(t, c.tables, "")
			mysqlExec(t, m.Raw, c.ddl, `INSERT INTO `+table+` (id) VALUES (1)`)
			_, err := m.DB.ExecContext(ctx, c.stmt)
			wantSchemaError(t, err, c.want...)
			if got := mysqlRows(t, ctx, m.Raw, `SELECT count(*) FROM `+table); len(got) != 1 || got[0] != "1" {
				t.Errorf("rows %v: the statement was sent", got)
			}
		})
	}
}

// On MariaDB the check is four queries, once; its warnings' DDL works.
func TestMySQLSchemaCheckOnceAndWarnings(t *testing.T) {
	ctx := context.Background()
	m := mysqlOpen(t, "users", "")
	mysqlExec(t, m.Raw,
		`CREATE TABLE teams (id INT PRIMARY KEY, deleted_at DATETIME(6) NULL)`,
		`CREATE TABLE users (id INT PRIMARY KEY, team_id INT, email VARCHAR(100), deleted_at DATETIME(6) NULL,
			UNIQUE KEY users_email (email), FOREIGN KEY (team_id) REFERENCES teams(id))`)
	db, c, cc := schemaOpen(t, Config{DriverName: "mysql", DSN: m.InnerDSN, Tables: []string{"users"}})
	for i := 0; i < 5; i++ {
		if _, err := db.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, i); err != nil {
			t.Fatal(err)
		}
	}
	if n := cc.meta.Load(); n != 4 || c.rw.schema.checks.Load() != 1 {
		t.Errorf("%d metadata queries, %d checks; want 4, 1", n, c.rw.schema.checks.Load())
	}
	report, err := c.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(report.Warnings)
	fix := "ALTER TABLE users ADD COLUMN alive TINYINT AS (IF(deleted_at IS NULL, 1, NULL)) VIRTUAL, DROP INDEX users_email, ADD UNIQUE INDEX users_email (email, alive)"
	for _, w := range []string{"unique index users_email (email) does not include deleted_at", fix, "joins it to teams, which has deleted_at but is not listed"} {
		if !strings.Contains(got, w) {
			t.Errorf("the warnings do not say %q:\n%s", w, got)
		}
	}
	mysqlExec(t, m.Raw, fix)
	if report, err = c.Check(ctx); err != nil || len(report.Warnings) != 1 {
		t.Errorf("after the fix: %v, %v; want only the foreign key warning", report.Warnings, err)
	}
	// The fix does what it says: a deleted email can be used again, a live one cannot.
	mysqlExec(t, db, `INSERT INTO users (id, email) VALUES (10, 'a@x')`, `DELETE FROM users WHERE id = 10`, `INSERT INTO users (id, email) VALUES (11, 'a@x')`)
	if _, err := db.ExecContext(ctx, `INSERT INTO users (id, email) VALUES (12, 'a@x')`); err == nil {
		t.Error("a second live a@x was accepted")
	}
}

// schemaTiming creates n listed tables with ddl(i) and logs how long
// Connector.Check takes (the number the README gives).
func schemaTiming(t *testing.T, c *Connector, n int) {
	ctx := context.Background()
	best := time.Hour
	var report *SchemaReport
	for i := 0; i < 5; i++ {
		var err error
		if report, err = c.Check(ctx); err != nil {
			t.Fatal(err)
		}
		best = min(best, report.Duration)
	}
	if report.Queries != 4 {
		t.Errorf("%d queries for %d tables; want 4", report.Queries, n)
	}
	t.Logf("%s: %d listed tables: %d queries, best of 5 %v", report.Dialect, n, report.Queries, best)
}

func schemaTables(n int) []string {
	var names []string
	for i := 0; i < n; i++ {
		names = append(names, fmt.Sprintf("t%02d", i))
	}
	return names
}

func TestMySQLSchemaCheck50Tables(t *testing.T) {
	m := mysqlOpen(t, "x", "")
	names := schemaTables(50)
	for _, name := range names {
		mysqlExec(t, m.Raw, `CREATE TABLE `+name+` (id INT PRIMARY KEY, parent INT, code VARCHAR(20), deleted_at DATETIME(6) NULL,
			KEY (code), FOREIGN KEY (parent) REFERENCES `+name+`(id))`)
	}
	_, c, _ := schemaOpen(t, Config{DriverName: "mysql", DSN: m.InnerDSN, Tables: names})
	schemaTiming(t, c, len(names))
}

func TestSchemaCheck50TablesSQLite(t *testing.T) {
	var ddl []string
	names := schemaTables(50)
	for _, name := range names {
		ddl = append(ddl, `CREATE TABLE `+name+` (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES `+name+`(id), code TEXT, deleted_at DATETIME)`,
			`CREATE INDEX `+name+`_code ON `+name+`(code)`)
	}
	path, _ := schemaSQLite(t, ddl...)
	_, c, _ := schemaOpen(t, Config{DriverName: "sqlite3", DSN: path, Tables: names})
	schemaTiming(t, c, len(names))
}
