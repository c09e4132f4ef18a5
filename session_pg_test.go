//go:build postgres

package softdelete

import (
	"math/rand"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/softdelete-go/softdelete/postgres"
)

// TestPostgresSensitiveCoversTheEngine: on random token soup, whenever
// the engine reads a statement after which the session must be read back,
// the fast scan sends the text to it (a text the scan lets by is never
// shown to the engine, nor read back after).
func TestPostgresSensitiveCoversTheEngine(t *testing.T) {
	c, err := NewConnector(Config{DriverName: "pgx", DSN: "postgres://nobody@127.0.0.1:1/none", Tables: []string{"users"}, Check: CheckOff})
	if err != nil {
		t.Fatal(err)
	}
	toks := []string{" ", "\t", "\n", "--", "-- count", "/*", "*/", "SET", "set", "x", "myf", "lower", "count", "(", ")",
		"1", ";", "'", "\"", "DO", "$$", "CALL", "SELECT", "FROM", "t", "INTO", "INSERT", "AS", ".", "app", "VALUES",
		"RESET", "over", "EXECUTE", "EXPLAIN", "ANALYZE", "UPDATE", "ON", "CONFLICT", "WHERE", "=", ",", "p", "ALL",
		"DISCARD", "FETCH", "users", "a", "TO", "set_config", "pg_catalog", "now", "JOIN", "LOAD", "MOVE", "IN"}
	r := rand.New(rand.NewSource(1))
	parsed, checked := 0, 0
	for n := 0; n < 300000; n++ {
		var b []byte
		for k := r.Intn(12); k >= 0; k-- {
			if len(b) > 0 && r.Intn(3) > 0 {
				b = append(b, ' ')
			}
			b = append(b, toks[r.Intn(len(toks))]...)
		}
		q := string(b)
		_, session, _, err := c.rw.engine.rewriteText(q, &mode{})
		if err == nil {
			parsed++
		}
		if session {
			checked++
			if !c.rw.d.session.sensitive(q) {
				t.Fatalf("%q: the engine reads it back after, the fast scan lets it by", q)
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d of %d texts parsed, %d to read back: the soup is too thin", parsed, 300000, checked)
	}
	t.Logf("%d texts parsed, %d to read back after", parsed, checked)
}
