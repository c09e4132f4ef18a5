package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/softdelete-go/softdelete"
)

// TestPostgresLiveKindSchema checks the schema check of the marker kinds
// on PostgreSQL: each wrong column is an error naming the problem, and
// its fix, run on the server as given, makes the check pass.
func TestPostgresLiveKindSchema(t *testing.T) {
	dsn := os.Getenv("SOFTDELETE_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SOFTDELETE_POSTGRES_DSN is not set")
	}
	cases := []struct {
		name, spec, actor, columns, problem, fix string
	}{
		{"unixmilli in an integer", "items:deleted_at:unixmilli", "", "deleted_at integer NOT NULL DEFAULT 0", "which on PostgreSQL takes bigint", "TYPE bigint"},
		{"unix in a timestamp", "items:deleted_at:unix", "", "deleted_at timestamptz NULL", "takes bigint, integer", "floor(extract(epoch from deleted_at))::bigint"},
		{"unix in a numeric", "items:deleted_at:unix", "", "deleted_at numeric NOT NULL DEFAULT 0", "the marker is numeric", "TYPE bigint"},
		{"flag in a timestamp", "items:deleted_at:flag", "", "deleted_at timestamp NULL", "takes boolean, smallint, integer, bigint", "deleted_at IS NOT NULL"},
		{"flag in text", "items:is_deleted:flag", "", "is_deleted text NULL", "the marker is text", "TYPE boolean"},
		{"flag born deleted", "items:is_deleted:flag", "", "is_deleted boolean NOT NULL DEFAULT true", "born deleted", "SET DEFAULT false"},
		{"unix born deleted", "items:deleted_at:unix", "", "deleted_at bigint NOT NULL DEFAULT 1", "born deleted", "SET DEFAULT 0"},
		{"time in text", "items", "", "deleted_at text NULL", "a time marker on PostgreSQL is a timestamp", "TYPE timestamptz"},
		{"time not null", "items", "", "deleted_at timestamptz NOT NULL DEFAULT now()", "NOT NULL", "DROP NOT NULL"},
		{"companion in text", "items:is_deleted:flag:deleted_at", "", "is_deleted smallint NOT NULL DEFAULT 0, deleted_at text", "as the companion of flag is_deleted", "TYPE timestamptz"},
		{"companion missing", "items:is_deleted:flag:deleted_at", "", "is_deleted boolean NOT NULL DEFAULT false", "companion column deleted_at does not exist", "ADD COLUMN deleted_at timestamptz NULL"},
		{"actor missing", "items:gone:flag", "deleted_by", "gone integer NOT NULL DEFAULT 0", "no listed table has the actor column", "ADD COLUMN deleted_by text NULL"},
	}
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	ctx := context.Background()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, q := range []string{"DROP TABLE IF EXISTS items", "CREATE TABLE items (id int PRIMARY KEY, " + c.columns + ")", "INSERT INTO items (id) VALUES (1)"} {
				if _, err := raw.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			conn, err := softdelete.NewConnector(softdelete.Config{DriverName: "pgx", DSN: dsn, Tables: []string{c.spec}, Actor: c.actor})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			report, err := conn.Check(ctx)
			var se *softdelete.SchemaError
			if !errors.As(err, &se) || report == nil || len(report.Errors) != 1 {
				t.Fatalf("Check: %v; want one schema error", err)
			}
			p := report.Errors[0]
			if !strings.Contains(p.Problem, c.problem) || !strings.Contains(p.Fix, c.fix) {
				t.Fatalf("problem %q, fix %q; want them to contain %q and %q", p.Problem, p.Fix, c.problem, c.fix)
			}
			ddl := p.Fix[strings.Index(p.Fix, "ALTER TABLE"):]
			ddl, _, _ = strings.Cut(ddl, "; ")
			ddl, _, _ = strings.Cut(ddl, ", or ")
			if strings.Count(ddl, ")") > strings.Count(ddl, "(") { // the fix was in parentheses
				ddl = strings.TrimSuffix(ddl, ")")
			}
			if _, err := raw.ExecContext(ctx, ddl); err != nil {
				t.Fatalf("the fix %q: %v", ddl, err)
			}
			if report, err := conn.Check(ctx); err != nil || len(report.Errors) > 0 {
				t.Errorf("after the fix %q: %v", ddl, err)
			}
		})
	}
}

// TestPostgresLiveKindSchemaWarning checks the warnings of a nullable
// numeric marker (its fix, in PostgreSQL's syntax and with the flag's '0':
// a boolean has no = 0), of an integer epoch (2038) and of a unique index
// without a boolean or integer flag on PostgreSQL: each fix runs and
// silences its warning.
func TestPostgresLiveKindSchemaWarning(t *testing.T) {
	dsn := os.Getenv("SOFTDELETE_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SOFTDELETE_POSTGRES_DSN is not set")
	}
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	ctx := context.Background()
	for _, columns := range []string{"gone boolean NULL DEFAULT false", "gone smallint NULL", "gone integer NOT NULL DEFAULT 0",
		"gone boolean NOT NULL DEFAULT false, email text UNIQUE", "gone smallint NOT NULL DEFAULT 0, email text UNIQUE", "gone bigint NOT NULL DEFAULT 0, email text UNIQUE"} {
		for _, q := range []string{"DROP TABLE IF EXISTS items", "CREATE TABLE items (id int PRIMARY KEY, " + columns + ")", "INSERT INTO items (id) VALUES (1)"} {
			if _, err := raw.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		spec, warning := "items:gone:flag", "nullable"
		switch {
		case strings.Contains(columns, "integer"):
			spec, warning = "items:gone:unix", "until 2038"
		case strings.Contains(columns, "UNIQUE"):
			warning = "a deleted row keeps its key"
		}
		conn, err := softdelete.NewConnector(softdelete.Config{DriverName: "pgx", DSN: dsn, Tables: []string{spec}})
		if err != nil {
			t.Fatal(err)
		}
		report, err := conn.Check(ctx)
		if err != nil || len(report.Warnings) != 1 || !strings.Contains(report.Warnings[0].Problem, warning) {
			t.Fatalf("%s: %v, %+v; want the nullable warning", columns, err, report)
		}
		for _, q := range strings.Split(report.Warnings[0].Fix, "; ") {
			if _, err := raw.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: the fix %q: %v", columns, q, err)
			}
		}
		if report, err := conn.Check(ctx); err != nil || len(report.Warnings) != 0 {
			t.Errorf("%s: after the fix: %v, %+v", columns, err, report)
		}
		conn.Close()
	}
}
