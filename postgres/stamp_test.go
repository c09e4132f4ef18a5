package postgres_test

import (
	"strings"
	"testing"

	"github.com/softdelete-go/softdelete/internal/engine"
	"github.com/softdelete-go/softdelete/postgres"
)

// A call's own stamp (engine.Mode.Stamp, a cascade's) replaces now() in
// the soft DELETE, the engine names the tables it stamped, and Restore's
// UPDATE may set the column to the stamp (an exact restore's token).
func TestRewriteWithStamp(t *testing.T) {
	e, err := postgres.New(engine.Config{Tables: []engine.Table{{Name: "users", Column: "deleted_at"}, {Name: "posts", Column: "deleted_at"}}, Now: "now()"})
	if err != nil {
		t.Fatal(err)
	}
	const stamp = "'2026-11-30 12:00:00.000001+05:30'"
	m := &engine.Mode{Stamp: stamp}
	out, _, _, err := e.Rewrite("DELETE FROM users u USING posts p WHERE p.user_id = u.id AND p.id = $1", m)
	if err != nil {
		t.Fatal(err)
	}
	want := "UPDATE users u SET deleted_at = " + stamp + " FROM posts p WHERE (p.user_id = u.id AND p.id = $1) AND u.deleted_at IS NULL AND p.deleted_at IS NULL"
	if out != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
	if strings.Join(m.Stamped, ",") != "users" {
		t.Errorf("Stamped = %v; want [users]", m.Stamped)
	}
	m = &engine.Mode{Stamp: stamp}
	if out, _, _, err = e.Rewrite("WITH d AS (DELETE FROM posts RETURNING user_id) DELETE FROM users WHERE id IN (SELECT user_id FROM d)", m); err != nil {
		t.Fatal(err)
	}
	if strings.Count(out, stamp) != 2 || strings.Contains(out, "now()") || strings.Join(m.Stamped, ",") != "posts,users" {
		t.Errorf("two DELETEs: %s, Stamped %v; want both stamped with the stamp", out, m.Stamped)
	}
	m = &engine.Mode{Stamp: "'tok'", Restore: "users", Tables: []engine.TableFilter{{Name: "users", Filter: engine.FilterDeleted}}}
	if out, _, _, err = e.Rewrite("UPDATE users SET deleted_at = 'tok' WHERE deleted_at = 'x' AND (id = $1)", m); err != nil {
		t.Fatal(err)
	} else if !strings.Contains(out, "deleted_at IS NOT NULL") {
		t.Errorf("restore with a token: %s; want the deleted rows only", out)
	}
	if _, _, _, err = e.Rewrite("UPDATE users SET deleted_at = 'other' WHERE id = 1", m); err == nil {
		t.Errorf("restore setting another value than the token: accepted")
	}
	for _, bad := range []string{"now()", "'a'; DROP TABLE users", "1"} {
		if _, _, _, err := e.Rewrite("DELETE FROM users", &engine.Mode{Stamp: bad}); err == nil || !strings.Contains(err.Error(), "stamp") {
			t.Errorf("stamp %q: %v; want an error about the stamp", bad, err)
		}
	}
}
