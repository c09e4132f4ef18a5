package softdelete

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/softdelete-go/softdelete/internal/engine"
)

// fakeEngine is a dialect's own engine, as a later PostgreSQL one will
// be: it records what it was given and answers from a table.
type fakeEngine struct {
	cfg   engine.Config
	modes []engine.Mode
	calls int
}

func (f *fakeEngine) Rewrite(q string, m *engine.Mode) (string, bool, int, error) {
	f.calls++
	f.modes = append(f.modes, *m)
	if strings.Contains(q, "refuse") {
		return "", false, 0, &engine.Refusal{Table: "users", Reason: "the fake engine refuses it", Fix: "do not", Err: errors.New("cause")}
	}
	return "rewritten: " + q, strings.HasPrefix(q, "SET"), 0, nil
}

// TestForeignEngine checks the seam a dialect with its own parser plugs
// into: the engine gets the tables and each call's mode as data, its
// answers are cached like the built-in engine's, and its refusals reach
// the caller as *RefusedError.
func TestForeignEngine(t *testing.T) {
	fake := &fakeEngine{}
	d := *dialectSQLite
	d.newEngine = func(cfg engine.Config) (engine.Engine, error) {
		fake.cfg = cfg
		return fake, nil
	}
	rw, err := newRewriter(Config{Dialect: "sqlite", Tables: testTables})
	if err != nil {
		t.Fatal(err)
	}
	if rw.engine, err = newEngine(rw, &d, "now()"); err != nil {
		t.Fatal(err)
	}
	if want := []engine.Table{{Name: "users", Column: "deleted_at", Kind: "time"}, {Name: "posts", Column: "deleted_at", Kind: "time"}, {Name: "comments", Column: "removed_at", Kind: "time"}}; len(fake.cfg.Tables) != 3 ||
		fake.cfg.Tables[0] != want[0] || fake.cfg.Tables[1] != want[1] || fake.cfg.Tables[2] != want[2] || fake.cfg.Now != "now()" {
		t.Fatalf("the engine was built from %+v; want tables %v and now()", fake.cfg, want)
	}

	ctx := WithForce(WithOnlyDeleted(WithIncludeDeleted(context.Background(), "posts"), "users"))
	out, err := rw.rewrite("DELETE FROM users", modeFrom(ctx))
	if err != nil || out != "rewritten: DELETE FROM users" {
		t.Fatalf("rewrite = %q, %v", out, err)
	}
	want := engine.Mode{Force: true, Tables: []engine.TableFilter{{Name: "posts", Filter: engine.FilterAll}, {Name: "users", Filter: engine.FilterDeleted}}}
	if got := fake.modes[0]; got.Force != want.Force || got.IncludeAll || got.OnlyPrimary || got.Restore != "" ||
		len(got.Tables) != 2 || got.Tables[0] != want.Tables[0] || got.Tables[1] != want.Tables[1] {
		t.Errorf("the engine got mode %+v; want %+v", got, want)
	}
	if _, err := rw.rewrite("DELETE FROM users", modeFrom(ctx)); err != nil || fake.calls != 1 {
		t.Errorf("a second rewrite called the engine again (%d calls, %v): the cache must answer", fake.calls, err)
	}

	// Texts that name no soft-delete table never reach it.
	if out, err := rw.rewrite("SELECT * FROM tags", defaultMode); err != nil || out != "SELECT * FROM tags" || fake.calls != 1 {
		t.Errorf("plain text: %q, %v, %d calls", out, err, fake.calls)
	}

	_, err = rw.rewrite("SELECT * FROM users -- refuse", defaultMode)
	var re *RefusedError
	if !errors.As(err, &re) || !errors.Is(err, ErrRefused) || re.Table != "users" || re.Reason != "the fake engine refuses it" || re.Err == nil {
		t.Errorf("refusal = %#v; want a *RefusedError with the engine's fields", err)
	}
}

// TestEngineFiltersMatch checks that the root package's filters and the
// contract's are the same numbers (mode.data converts them so).
func TestEngineFiltersMatch(t *testing.T) {
	for f, want := range map[filter]engine.Filter{filterLive: engine.FilterLive, filterAll: engine.FilterAll, filterDeleted: engine.FilterDeleted} {
		if engine.Filter(f) != want {
			t.Errorf("filter %d is engine.Filter %d, want %d", f, engine.Filter(f), want)
		}
	}
}
