//go:build postgres

package softdelete

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/lib/pq"
)

// The unique-key warnings on PostgreSQL: every kind of unique index the
// check reads (a UNIQUE constraint, a plain unique index, an expression
// index, a partial index, NULLS NOT DISTINCT, COALESCE over the marker)
// is judged as README's "Unique keys" says, in three metadata queries; the
// DDL each warning suggests runs and silences it.
func TestPostgresSchemaUniqueWarnings(t *testing.T) {
	pgDrivers(t, func(t *testing.T, driverName string) {
		ctx := context.Background()
		s := newPGScratch(t, driverName)
		s.exec(t, `CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, "Name" text, org int, code text,
				deleted_at timestamptz NULL, CONSTRAINT users_email_key UNIQUE (email))`,
			`CREATE UNIQUE INDEX users_name_live ON users ("Name") WHERE deleted_at IS NULL`,
			`CREATE UNIQUE INDEX users_lower ON users (lower(email), org) INCLUDE (code)`,
			`CREATE UNIQUE INDEX users_nnd ON users (org, code, deleted_at) NULLS NOT DISTINCT`,
			`CREATE UNIQUE INDEX users_org_del ON users (org, deleted_at)`,
			`CREATE UNIQUE INDEX users_code_inf ON users (code, COALESCE(deleted_at, 'infinity'))`,
			`CREATE UNIQUE INDEX users_code_gone ON users (code) WHERE deleted_at IS NOT NULL`,
			`CREATE UNIQUE INDEX users_code_both ON users (code, org) WHERE (org > 0 AND deleted_at IS NULL)`,
			`CREATE INDEX users_plain ON users (org)`)
		c := s.connector(t, Config{Tables: []string{"users"}})
		report, err := c.Check(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if report.Queries != 4 || report.Dialect != "postgres" || len(report.Errors) != 0 {
			t.Errorf("report: %d queries, dialect %s, errors %v; want 4, postgres, none", report.Queries, report.Dialect, report.Errors)
		}
		wantProblems(t, "warnings", report.Warnings,
			[]string{"unique index users_email_key (email) does not include deleted_at",
				"fix: ALTER TABLE users DROP CONSTRAINT users_email_key; CREATE UNIQUE INDEX users_email_key ON users (email) WHERE deleted_at IS NULL"},
			[]string{"unique index users_lower (lower(email), org) does not include deleted_at",
				"fix: DROP INDEX users_lower; CREATE UNIQUE INDEX users_lower ON users (lower(email), org) WHERE deleted_at IS NULL"},
			[]string{"unique index users_org_del (org, deleted_at) does not stop duplicates among live rows",
				"fix: DROP INDEX users_org_del; CREATE UNIQUE INDEX users_org_del ON users (org) WHERE deleted_at IS NULL"},
			[]string{"unique index users_code_gone (code) does not include deleted_at",
				"CREATE UNIQUE INDEX users_code_gone ON users (code) WHERE deleted_at IS NULL"})
		for _, p := range report.Warnings {
			fix := p.Fix
			if _, err := s.Raw.ExecContext(ctx, fix); err != nil {
				t.Fatalf("the fix of %q: %v", p, err)
			}
		}
		if report, err = c.Check(ctx); err != nil || len(report.Warnings) != 0 {
			t.Errorf("after the fixes: %v, warnings:\n%s", err, problemLines(report.Warnings))
		}
	})
}

// Names that need quotes on PostgreSQL are quoted in the fix, and the
// fix runs.
func TestPostgresSchemaUniqueFixQuotes(t *testing.T) {
	ctx := context.Background()
	s := newPGScratch(t, "pgx")
	s.exec(t, `CREATE TABLE "order" (id int PRIMARY KEY, "E-mail" text, deleted_at timestamp NULL, UNIQUE ("E-mail"))`)
	report, err := s.connector(t, Config{Tables: []string{"order"}}).Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantProblems(t, "warnings", report.Warnings, []string{`ALTER TABLE "order" DROP CONSTRAINT "order_E-mail_key"; CREATE UNIQUE INDEX "order_E-mail_key" ON "order" ("E-mail") WHERE deleted_at IS NULL`})
	for _, p := range report.Warnings {
		s.exec(t, p.Fix)
	}
}

// isPostgresUniqueViolation reports whether err is SQLSTATE 23505, from
// pgx or lib/pq.
func isPostgresUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var qe *pq.Error
	return errors.As(err, &qe) && qe.Code == "23505"
}

// The partial unique index README recommends on PostgreSQL passes the
// scenario of the other databases' patterns (a live duplicate fails, a
// deleted email is free again, a colliding restore fails and leaves the
// row deleted), and an upsert that names its predicate updates the live
// row, never the deleted one; the same table with UNIQUE NULLS NOT
// DISTINCT (email, deleted_at) passes it too.
func TestPostgresUniquePartialIndex(t *testing.T) {
	for name, ddl := range map[string]string{
		"partial":            `CREATE UNIQUE INDEX users_email_live ON users (email) WHERE deleted_at IS NULL`,
		"nulls not distinct": `CREATE UNIQUE INDEX users_email_del ON users (email, deleted_at) NULLS NOT DISTINCT`,
	} {
		t.Run(name, func(t *testing.T) {
			pgDrivers(t, func(t *testing.T, driverName string) {
				s := newPGScratch(t, driverName)
				s.exec(t, `CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL, n int NOT NULL DEFAULT 0, deleted_at timestamptz NULL)`, ddl)
				u := uniqueDB{DB: s.open(t, "tables=users"), Raw: s.Raw, IsUnique: isPostgresUniqueViolation}
				checkPostgresLiveUnique(t, u)
				if name != "partial" {
					return
				}
				if _, err := u.DB.Exec(`INSERT INTO users (id, email) VALUES (9, 'a@x') ON CONFLICT (email) WHERE deleted_at IS NULL DO UPDATE SET n = users.n + 1`); err != nil {
					t.Fatal(err)
				}
				if n := s.count(t, `SELECT count(*) FROM users WHERE email = 'a@x' AND n = 1 AND deleted_at IS NULL`); n != 1 {
					t.Errorf("the upsert updated %d live rows, want 1", n)
				}
				if n := s.count(t, `SELECT count(*) FROM users WHERE n > 0 AND deleted_at IS NOT NULL`); n != 0 {
					t.Errorf("the upsert updated %d deleted rows", n)
				}
			})
		})
	}
}

// checkPostgresLiveUnique is checkLiveUniqueKey with PostgreSQL's
// placeholders.
func checkPostgresLiveUnique(t *testing.T, u uniqueDB) {
	t.Helper()
	ctx := context.Background()
	ins := func(id int) error {
		_, err := u.DB.ExecContext(ctx, "INSERT INTO users (id, email) VALUES ($1, $2)", id, "a@x")
		return err
	}
	if err := ins(1); err != nil {
		t.Fatal(err)
	}
	if err := ins(2); !u.IsUnique(err) {
		t.Fatalf("second live a@x: got %v, want a unique-key violation", err)
	}
	if _, err := u.DB.ExecContext(ctx, "DELETE FROM users WHERE email = $1", "a@x"); err != nil {
		t.Fatal(err)
	}
	if err := ins(3); err != nil {
		t.Fatalf("re-inserting a@x after its row was soft-deleted: %v", err)
	}
	if _, err := Restore(ctx, u.DB, "users", "id = $1", 1); !u.IsUnique(err) {
		t.Fatalf("restoring user 1 while user 3 has a@x: got %v, want a unique-key violation", err)
	}
	if n := uniqueCount(t, u.Raw, "SELECT count(*) FROM users WHERE id = 1 AND deleted_at IS NOT NULL"); n != 1 {
		t.Fatalf("user 1 after the failed restore: %d deleted rows, want 1", n)
	}
	if _, err := u.DB.ExecContext(ctx, "DELETE FROM users WHERE id = $1", 3); err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(ctx, u.DB, "users", "id = $1", 1); err != nil {
		t.Fatalf("restoring user 1 once user 3 is deleted: %v", err)
	}
	if n := uniqueCount(t, u.DB, "SELECT count(*) FROM users WHERE id = 1"); n != 1 {
		t.Fatalf("user 1 after the restore: %d live rows, want 1", n)
	}
}

// The check reads 50 listed tables, each with a unique index, in three
// queries on PostgreSQL (-v prints the best of 5).
func TestPostgresSchemaCheck50Tables(t *testing.T) {
	ctx := context.Background()
	s := newPGScratch(t, "pgx")
	names := schemaTables(50)
	for _, name := range names {
		s.exec(t, `CREATE TABLE `+name+` (id int PRIMARY KEY, parent int REFERENCES `+name+`, code text, deleted_at timestamptz NULL)`,
			`CREATE UNIQUE INDEX `+name+`_code ON `+name+` (code) WHERE deleted_at IS NULL`)
	}
	c := s.connector(t, Config{Tables: names})
	best := time.Hour
	for i := 0; i < 5; i++ {
		report, err := c.Check(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if report.Queries != 4 || len(report.Warnings) != 0 {
			t.Fatalf("%d queries, warnings %v; want 4 queries, none", report.Queries, report.Warnings)
		}
		best = min(best, report.Duration)
	}
	t.Logf("postgres: %d listed tables: 4 queries, best of 5 %v", len(names), best)
}
