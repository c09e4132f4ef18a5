package postgres

import (
	"errors"
	"strings"
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/softdelete-go/softdelete/internal/engine"
)

// TestSessionCheckReported: the engine reports the statements after which
// the session must be read back, and only those; a text that names a
// soft-delete table is refused when such a statement that no text shows
// (DO, CALL, an unknown function) is followed by another.
func TestSessionCheckReported(t *testing.T) {
	e, err := New(engine.Config{Tables: []engine.Table{{Name: "users", Column: "deleted_at"}}, Now: "now()"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		q       string
		check   bool
		refused string
	}{
		{"SELECT id FROM plain WHERE id = $1", false, ""},
		{"SELECT count(*), lower(name), now() FROM users", false, ""},
		{"SELECT pg_catalog.lower(name), EXTRACT(year FROM now()), TRIM(name), COALESCE(name, 'x') FROM users", false, ""},
		{"INSERT INTO users (id) VALUES (nextval('s'))", false, ""},
		{"UPDATE users SET name = 'x' WHERE id = 1", false, ""},
		{"INSERT INTO users (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET name = 'y'", false, ""},
		{"SET search_path = app", true, ""},
		{"SET LOCAL statement_timeout = 0", true, ""},
		{"RESET ALL", true, ""},
		{"RESET standard_conforming_strings", true, ""},
		{"SET standard_conforming_strings = on", true, ""},
		{"DISCARD ALL", true, ""},
		{"SELECT set_config('search_path', 'app', false)", true, ""},
		{"DO $$ BEGIN PERFORM 1; END $$", true, ""},
		{"CALL proc(1)", true, ""},
		{"EXECUTE p(1)", true, ""},
		{"EXPLAIN ANALYZE EXECUTE p(1)", true, ""},
		{"FETCH ALL FROM c", true, ""},
		{"MOVE NEXT IN c", true, ""},
		{"LOAD 'plugin'", true, ""},
		{"SELECT myfunc(1)", true, ""},
		{"UPDATE pg_catalog.pg_settings SET setting = $1 WHERE name = $2", true, ""},
		{"SELECT setting FROM pg_settings", false, ""},
		{"SELECT * FROM myfunc(1)", true, ""},
		{"SELECT id FROM users WHERE app.lower(name) = 'x'", true, ""},
		{`SELECT "Lower"(name) FROM users`, true, ""},
		{"DELETE FROM users WHERE id = myfunc(1)", true, ""},
		// Stored for later, or DDL: not run now.
		{"CREATE VIEW v AS SELECT myfunc(id) FROM plain", false, ""},
		{"PREPARE p AS SELECT myfunc(1)", false, ""},
		{"CREATE TABLE t (id int DEFAULT myfunc())", false, ""},
		// Several statements: a visible SET may come first; what no text
		// shows must come last when the text names a soft-delete table.
		{"SET search_path = app; SELECT id FROM users", true, ""},
		{"SELECT id FROM users; SELECT myfunc(1)", true, ""},
		{"SELECT myfunc(1); SELECT id FROM plain", true, ""},
		{"SELECT myfunc(1); SELECT id FROM users", false, "must be the last"},
		{"DO $$ BEGIN END $$; DELETE FROM users", false, "must be the last"},
		{"CALL p(); SELECT 1 FROM users", false, "must be the last"},
		{`SELECT myfunc(1); SELECT 'x\''; DELETE FROM U&"\0075sers"; --'`, false, "must be the last"},
	} {
		_, check, _, err := e.Rewrite(c.q, &engine.Mode{})
		switch {
		case c.refused != "":
			if !errors.Is(err, engine.ErrRefused) || !strings.Contains(err.Error(), c.refused) {
				t.Errorf("%s: %v, want refused with %q", c.q, err, c.refused)
			}
		case err != nil:
			t.Errorf("%s: %v", c.q, err)
		case check != c.check:
			t.Errorf("%s: check %v, want %v", c.q, check, c.check)
		}
	}
}

// TestNotCallsAreKeywords: the words the fast path does not take for a
// function before '(' are keywords that cannot name a function
// (reserved, or column-name keywords), as PostgreSQL's scanner reads
// them; and no built-in is one of them.
func TestNotCallsAreKeywords(t *testing.T) {
	for w := range engine.PostgresNotCalls {
		sc, err := pg.Scan(w)
		if err != nil || len(sc.Tokens) != 1 {
			t.Fatalf("%s: %v", w, err)
		}
		switch k := sc.Tokens[0].KeywordKind; k {
		case pg.KeywordKind_RESERVED_KEYWORD, pg.KeywordKind_COL_NAME_KEYWORD:
		default:
			t.Errorf("%s is a %s: a function may have its name", w, k)
		}
	}
	for w := range engine.PostgresBuiltins {
		if engine.PostgresNotCalls[w] {
			t.Errorf("%s is in both lists", w)
		}
	}
}
