package postgres_test

import (
	"context"
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
//	mode: default | include | include:posts | only | only:users | force | force+only
//	in: the statement
//	want: the rewrite, or "refused: " and a part of the error
const casesDir = "../testdata/rewrite/postgres"

// testConnector is a connector on pgx that never connects: Rewrite only.
func testConnector(t testing.TB) *softdelete.Connector {
	t.Helper()
	c, err := softdelete.NewConnector(softdelete.Config{DriverName: "pgx", DSN: "postgres://nobody@127.0.0.1:1/none",
		Tables: []string{"users", "posts", "comments:removed_at"}, Check: softdelete.CheckOff})
	if err != nil {
		t.Fatal(err)
	}
	return c
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
	c := testConnector(t)
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(data), "\n")
		name, mode, in := "", "default", ""
		changed := false
		for i, l := range lines {
			switch {
			case strings.HasPrefix(l, "-- ") && strings.HasSuffix(l, " --"):
				name, mode, in = strings.Trim(l, "- "), "default", ""
			case strings.HasPrefix(l, "mode: "):
				mode = strings.TrimPrefix(l, "mode: ")
			case strings.HasPrefix(l, "in: "):
				in = strings.TrimPrefix(l, "in: ")
			case strings.HasPrefix(l, "want: "):
				want := strings.TrimPrefix(l, "want: ")
				out, err := c.Rewrite(caseContext(t, mode), in)
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
