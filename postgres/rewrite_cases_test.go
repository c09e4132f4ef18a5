package postgres_test

import (
	"context"
	"database/sql"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/softdelete-go/softdelete"
	_ "github.com/softdelete-go/softdelete/postgres"
)

var update = flag.Bool("update", false, "rewrite the want lines of the PostgreSQL rewrite cases")

// casesDir holds the PostgreSQL rewrite cases: blocks of
//
//	-- name --
//	mode: default | include | include:posts | only | only:users | force | force+only | restore:users
//	in: the statement (under restore:t, Restore's condition)
//	want: the rewrite, or "refused: " and a part of the error
//
// before which a file may name its tables and actor column (the default:
// users, posts, comments:removed_at and no actor):
//
//	tables: users:deleted_at:unix,posts::flag:removed_at
//	actor: deleted_by
const casesDir = "../testdata/rewrite/postgres"

// defaultCaseTables are the tables of a case file that names none.
const defaultCaseTables = "users,posts,comments:removed_at"

// testConnector is a connector on pgx that never connects: Rewrite only.
func testConnector(t testing.TB) *softdelete.Connector {
	t.Helper()
	return caseConnector(t, defaultCaseTables, "")
}

// caseConnector is testConnector for other tables and an actor column.
func caseConnector(t testing.TB, tables, actor string) *softdelete.Connector {
	t.Helper()
	c, err := softdelete.NewConnector(softdelete.Config{DriverName: "pgx", DSN: "postgres://nobody@127.0.0.1:1/none",
		Tables: strings.Split(tables, ","), Actor: actor, Check: softdelete.CheckOff})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// restoreCapture is an Execer that keeps what softdelete.Restore sends.
type restoreCapture struct {
	ctx context.Context
	q   string
}

func (r *restoreCapture) ExecContext(ctx context.Context, q string, _ ...any) (sql.Result, error) {
	r.ctx, r.q = ctx, q
	return nil, nil
}

// caseRewrite rewrites a case's statement under its mode; under
// restore:t the statement is Restore's condition.
func caseRewrite(t *testing.T, c *softdelete.Connector, mode, in string) (string, error) {
	if table, ok := strings.CutPrefix(mode, "restore:"); ok {
		var rc restoreCapture
		if _, err := softdelete.Restore(context.Background(), &rc, table, in); err != nil {
			return "", err
		}
		return c.Rewrite(rc.ctx, rc.q)
	}
	return c.Rewrite(caseContext(t, mode), in)
}

// caseContext returns the context of a case's mode.
func caseContext(t *testing.T, mode string) context.Context {
	ctx := context.Background()
	for _, part := range strings.Split(mode, "+") {
		name, table, _ := strings.Cut(part, ":")
		var tables []string
		if table != "" {
			tables = strings.Split(table, ",")
		}
		switch name {
		case "default":
		case "include":
			ctx = softdelete.WithIncludeDeleted(ctx, tables...)
		case "only":
			ctx = softdelete.WithOnlyDeleted(ctx, tables...)
		case "force":
			ctx = softdelete.WithForce(ctx)
		default:
			t.Fatalf("unknown mode %q", part)
		}
	}
	return ctx
}

func TestPostgresRewriteCases(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join(casesDir, "*.txtar"))
	if len(paths) == 0 {
		t.Fatal("no PostgreSQL rewrite cases")
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(data), "\n")
		name, mode, in := "", "default", ""
		tables, actor := defaultCaseTables, ""
		var c *softdelete.Connector
		changed := false
		for i, l := range lines {
			switch {
			case c == nil && strings.HasPrefix(l, "tables: "):
				tables = strings.TrimPrefix(l, "tables: ")
			case c == nil && strings.HasPrefix(l, "actor: "):
				actor = strings.TrimPrefix(l, "actor: ")
			case c == nil && strings.HasPrefix(l, "-- ") && strings.HasSuffix(l, " --"):
				c = caseConnector(t, tables, actor)
				name = strings.Trim(l, "- ")
			case strings.HasPrefix(l, "-- ") && strings.HasSuffix(l, " --"):
				name, mode, in = strings.Trim(l, "- "), "default", ""
			case strings.HasPrefix(l, "mode: "):
				mode = strings.TrimPrefix(l, "mode: ")
			case strings.HasPrefix(l, "in: "):
				in = strings.TrimPrefix(l, "in: ")
			case strings.HasPrefix(l, "want: "):
				want := strings.TrimPrefix(l, "want: ")
				out, err := caseRewrite(t, c, mode, in)
				got := out
				if err != nil {
					got = "refused: " + err.Error()
				}
				ok := got == want || strings.HasPrefix(want, "refused: ") && err != nil && strings.Contains(err.Error(), strings.TrimPrefix(want, "refused: "))
				if ok {
					continue
				}
				if *update {
					lines[i], changed = "want: "+got, true
					continue
				}
				t.Errorf("%s: %s (%s)\n in: %s\ngot: %s\nwant: %s", filepath.Base(path), name, mode, in, got, want)
			}
		}
		if changed {
			if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
