package softdelete

import (
	"context"
	"database/sql/driver"
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

// actorFake is a foreign engine that takes the actor as $3 in a DELETE.
type actorFake struct{ fakeEngine }

func (f *actorFake) Rewrite(q string, m *engine.Mode) (string, bool, int, error) {
	out, session, _, err := f.fakeEngine.Rewrite(q, m)
	if strings.HasPrefix(q, "DELETE") {
		return out, session, 3, err
	}
	return out, session, 0, err
}

// TestForeignEngineKindsAndActor checks what a foreign engine gets of the
// marker kinds and the actor column, that it is built again when the
// tables with the actor column change, and that its actor parameter goes
// after every argument.
func TestForeignEngineKindsAndActor(t *testing.T) {
	var built []engine.Config
	d := *dialectSQLite
	d.newEngine = func(cfg engine.Config) (engine.Engine, error) {
		built = append(built, cfg)
		return &actorFake{}, nil
	}
	rw, err := newRewriter(Config{Dialect: "sqlite", Tables: []string{"users:gone:flag:gone_at", "posts::unixmilli"}, Actor: "deleted_by", Check: CheckOff})
	if err != nil {
		t.Fatal(err)
	}
	if rw.engine, err = newEngine(rw, &d, "now()"); err != nil {
		t.Fatal(err)
	}
	want := []engine.Table{
		{Name: "users", Column: "gone", Kind: "flag", Stamp: kindStampSQL[dialectSQLite][KindFlag], Companion: "gone_at", Actor: "deleted_by"},
		{Name: "posts", Column: "deleted_at", Kind: "unixmilli", Stamp: kindStampSQL[dialectSQLite][KindUnixMilli], Actor: "deleted_by"},
	}
	if len(built) != 1 || len(built[0].Tables) != 2 || built[0].Tables[0] != want[0] || built[0].Tables[1] != want[1] {
		t.Fatalf("built from %+v; want the tables %+v", built, want)
	}
	_, _, _, a, err := rw.rewriteFull(context.Background(), "DELETE FROM users WHERE id = $1 AND x = $2", defaultMode)
	if err != nil || !a.takes() || !a.last || len(a.at) != 1 || a.at[0] != 2 {
		t.Fatalf("actor args %+v, %v; want the actor after every argument, at least 2 of them", a, err)
	}
	c := &conn{}
	args := []driver.NamedValue{{Ordinal: 1, Value: "mode option"}, {Ordinal: 2, Value: int64(1)}, {Ordinal: 3, Value: "x"}}
	got, err := c.insertActor(WithActor(context.Background(), "ann"), args, a)
	if err != nil || len(got) != 4 || got[3].Value != "ann" || got[3].Ordinal != 4 || got[0].Value != "mode option" {
		t.Errorf("insertActor = %+v, %v; want ann appended", got, err)
	}
	if _, err := c.insertActor(context.Background(), args[:1], a); err == nil {
		t.Error("insertActor accepted fewer arguments than the statement's parameters")
	}

	// A schema in which only posts has the column: the engine is built
	// again, and only posts records the actor.
	model := &schemaModel{tables: map[string]*tableSchema{
		"users": {name: "users", columns: []columnSchema{{name: "gone"}}},
		"posts": {name: "posts", columns: []columnSchema{{name: "deleted_at"}, {name: "deleted_by"}}},
	}}
	rw.modelChanged(rw.schema.model.Swap(model), model)
	if _, err := rw.rewrite("SELECT * FROM users WHERE 1 = 1", defaultMode); err != nil {
		t.Fatal(err)
	}
	if len(built) != 2 || built[1].Tables[0].Actor != "" || built[1].Tables[1].Actor != "deleted_by" {
		t.Errorf("after the schema changed the engine was built from %+v; want the actor on posts only", built)
	}
}
