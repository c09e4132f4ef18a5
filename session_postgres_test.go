package softdelete

import (
	"strings"
	"testing"
)

// TestPostgresSensitive: the fast scan sends to the engine every text that
// may hold a statement after which the session must be read back (and,
// under the raw passthrough, reads the session back after it), and keeps
// the common statements on plain tables on the fast path.
func TestPostgresSensitive(t *testing.T) {
	s := postgresSession{}
	for _, q := range []string{
		"SET standard_conforming_strings = off", "set x = 1", "  SET x TO 1", "SELECT 1;SET x = 1",
		"SELECT 1; /* c */ SET x = 1", "SELECT 1 -- c\nSET x = 1", "SELECT 1 -- c\rSET x = 1", "DO $$ BEGIN END $$",
		"select 1;do $$ $$", "CALL p()", "RESET ALL", "DISCARD ALL", "EXECUTE p", "EXPLAIN ANALYZE EXECUTE p(1)",
		"FETCH c", "MOVE c", "LOAD 'x'", "SELECT myf(1)", "SELECT app.lower(x)", `SELECT "f"(1)`, `SELECT "lower"(1)`,
		"SELECT f/**/(1)", "SELECT f -- count\n(1)", "SELECT my$lower(1)", "SELECT x FROM t WHERE a = f (1)",
		"SELECT set_config('a', 'b', false)", "INSERT INTO t (a) SELECT f(1)", "SELECT 1 AS x, f(2)",
		"SELECT * FROM f(1)", "SELECT lower(f(1))", "SELECT (f(1))", "SELECT a, f\t(1)", "SET NAMES 'LATIN1'",
		`SELECT * FROM U&"\0075sers"`, "SELECT x FROM t WHERE y IN (SELECT f(1))", "VALUES (f(1))",
		"SELECT 1; DO $$ $$", "UPDATE t SET a = f(1)", "SELECT 1 FROM a JOIN b ON conflict(a.x)",
		"DELETE FROM " + strings.Repeat("x", 64), "UPDATE pg_settings SET setting = $1 WHERE name = $2", "SELECT pg_catalog.set_config('a', 'b', false)",
	} {
		if !s.sensitive(q) {
			t.Errorf("%q: the fast scan lets it by", q)
		}
	}
	for _, q := range []string{
		"SELECT id FROM plain WHERE id = $1", "INSERT INTO plain(a, b) VALUES ($1, $2)",
		"INSERT INTO plain (a) VALUES (now())", "UPDATE plain SET a = 1 WHERE id = $1",
		"SELECT count(*), lower(name) FROM plain", "INSERT INTO plain (id) VALUES (1) ON CONFLICT DO NOTHING",
		"SELECT row_number() OVER (ORDER BY id) FROM plain", "SELECT count(*) FILTER (WHERE a > 1) FROM plain",
		"SELECT * FROM plain WHERE id IN (1, 2)", "SELECT COALESCE(a, 0), CAST(a AS numeric(10, 2)) FROM plain",
		"WITH x AS (SELECT 1) SELECT * FROM x", "DELETE FROM plain WHERE id = ANY($1)", "SELECT (a + 1) * 2 FROM plain",
	} {
		if s.sensitive(q) {
			t.Errorf("%q: the fast scan sends it to the engine", q)
		}
	}
}

// BenchmarkPostgresSensitive is the fast scan's cost on a plain statement.
func BenchmarkPostgresSensitive(b *testing.B) {
	q := "INSERT INTO plain_table (id, name, created_at) VALUES ($1, lower($2), now()) ON CONFLICT DO NOTHING"
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if postgresSession.sensitive(postgresSession{}, q) {
			b.Fatal("sensitive")
		}
	}
}
