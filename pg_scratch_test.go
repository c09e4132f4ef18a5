//go:build postgres

package softdelete

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/lib/pq"
	_ "github.com/softdelete-go/softdelete/postgres"
)

// pgScratch is a schema of its own on the PostgreSQL server of
// SOFTDELETE_POSTGRES_DSN, made the connections' current schema through
// search_path: the tables a test creates in it are the only ones its
// schema check sees. It is dropped when the test ends.
type pgScratch struct {
	Raw      *sql.DB // the inner driver, without softdelete
	InnerDSN string  // the inner DSN, search_path set
	Driver   string  // pgx or postgres (lib/pq)
}

var pgScratchSeq atomic.Int64

// newPGScratch creates the schema, or skips without SOFTDELETE_POSTGRES_DSN.
func newPGScratch(t *testing.T, driverName string) *pgScratch {
	t.Helper()
	dsn := os.Getenv("SOFTDELETE_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SOFTDELETE_POSTGRES_DSN is not set (e.g. postgres://postgres@127.0.0.1:5432/t_pg?sslmode=disable)")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := fmt.Sprintf("sd_t%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6, pgScratchSeq.Add(1))
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
		admin.Close()
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	s := &pgScratch{InnerDSN: u.String(), Driver: driverName}
	if s.Raw, err = sql.Open(driverName, s.InnerDSN); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Raw.Close() })
	return s
}

// exec runs statements on the raw connection.
func (s *pgScratch) exec(t *testing.T, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := s.Raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// open opens the scratch schema through softdelete with the DSN options
// opts (tables=..., cascade=..., ...).
func (s *pgScratch) open(t *testing.T, opts string) *sql.DB {
	t.Helper()
	db, err := sql.Open(DriverName, "driver="+s.Driver+" "+opts+" dsn="+s.InnerDSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// count runs a SELECT count(*) raw and returns it.
func (s *pgScratch) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.Raw.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// pgDrivers runs f once with pgx and once with lib/pq.
func pgDrivers(t *testing.T, f func(t *testing.T, driverName string)) {
	for _, d := range []string{"pgx", "postgres"} {
		t.Run(d, func(t *testing.T) { f(t, d) })
	}
}

// connector returns a connector on the scratch schema with cfg's
// options (DriverName and DSN are the scratch's).
func (s *pgScratch) connector(t *testing.T, cfg Config) *Connector {
	t.Helper()
	cfg.DriverName, cfg.DSN = s.Driver, s.InnerDSN
	c, err := NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wantProblems checks that the problems, as text, include each of want
// (one problem per inner slice holding all its parts) and no others.
func wantProblems(t *testing.T, kind string, got []SchemaProblem, want ...[]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d %s, want %d:\n%s", len(got), kind, len(want), problemLines(got))
		return
	}
	for _, parts := range want {
		found := false
		for _, p := range got {
			if containsAll(p.String(), parts) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no %s has all of %q:\n%s", kind, parts, problemLines(got))
		}
	}
}

func problemLines(ps []SchemaProblem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("\t" + p.String() + "\n")
	}
	return b.String()
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
