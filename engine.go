package softdelete

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/softdelete-go/softdelete/internal/engine"
)

// This file is the seam between the rewriter's fixed steps (the mode
// checks, the fast path and the cache, in rewriter.go) and the engine that
// reads a dialect's SQL: lexes, parses, scopes and prints it.
//
// The dialects softdelete reads today share one engine, built on
// xwb1989/sqlparser: the rewriter's own stages (lexer.go, parse.go,
// scope*.go, print.go), reached through rewriter.rewriteText. A dialect
// with its own parser sets dialect.newEngine: its engine lives in its own
// package and implements engine.Engine (internal/engine, the contract that
// package and this one both import), and foreignEngine adapts it.

// rewriteEngine rewrites the texts that concern soft-delete tables, after
// the fast path and before the cache.
type rewriteEngine interface {
	// rewriteText returns the text to send for q under m, whether the
	// MySQL session must be checked after it runs, and where it takes the
	// actor (actor.go; nil: nowhere).
	rewriteText(q string, m *mode) (out string, session bool, actor *actorArgs, err error)
}

// The built-in engine, the rewriter's own stages, and the adapter of a
// dialect's own engine.
var (
	_ rewriteEngine = (*rewriter)(nil)
	_ rewriteEngine = (*foreignEngine)(nil)
)

// newEngine returns the engine of dialect d for the tables: the built-in
// one, or the dialect's own.
func newEngine(r *rewriter, d *dialect, now string) (rewriteEngine, error) {
	if d.newEngine == nil {
		return r, nil
	}
	f := &foreignEngine{r: r, build: d.newEngine, now: now}
	gen := r.actorGen.Load()
	e, err := f.engineFor(gen)
	if err != nil {
		return nil, err
	}
	f.cur.Store(&foreignBuilt{gen: gen, e: e})
	return f, nil
}

// foreignEngine adapts an engine.Engine of another package: the tables and
// the mode go to it as data, its refusals come back as *RefusedError, and
// the parameter it takes the actor as becomes an actorArgs. Which tables
// have the actor column is the schema's (actor.go): the engine is built
// again when they may have changed (rewriter.actorGen moved on).
type foreignEngine struct {
	r     *rewriter
	build engine.New
	now   string
	cur   atomic.Pointer[foreignBuilt]
}

// foreignBuilt is the engine built for one actor generation.
type foreignBuilt struct {
	gen uint32
	e   engine.Engine
}

// engineFor builds the engine for the tables as the schema now has them.
func (f *foreignEngine) engineFor(gen uint32) (engine.Engine, error) {
	cfg := engine.Config{Now: f.now}
	for _, name := range f.r.tables.names {
		t := f.r.tables.lookup(name)
		et := engine.Table{Name: t.name, Column: t.column, Kind: string(t.kind), Companion: t.companion, Actor: f.r.actorColumnOf(t)}
		if t.kind.numeric() {
			if et.Stamp = kindStampSQL[f.r.d][t.kind]; et.Stamp == "" {
				return nil, fmt.Errorf("table %s: the %s engine has no stamp for %s markers", t.name, f.r.d, t.kind)
			}
		}
		cfg.Tables = append(cfg.Tables, et)
	}
	return f.build(cfg)
}

func (f *foreignEngine) rewriteText(q string, m *mode) (string, bool, *actorArgs, error) {
	gen := f.r.actorGen.Load() // before the model is read: a reload meanwhile makes this rewrite stale, not wrong
	built := f.cur.Load()
	if built.gen != gen {
		e, err := f.engineFor(gen)
		if err != nil {
			return "", false, nil, err
		}
		built = &foreignBuilt{gen: gen, e: e}
		f.cur.Store(built)
	}
	d := m.data()
	out, session, param, err := built.e.Rewrite(q, d)
	if m.stamp != nil && err == nil {
		// The tables the engine stamped come back as the stampOverride's
		// targets, as the built-in scope fills them (cascade_exec.go).
		for _, name := range d.Stamped {
			if t := f.r.tables.lookup(name); t != nil {
				m.stamp.targets = append(m.stamp.targets, t)
			}
		}
	}
	var refusal *engine.Refusal
	if errors.As(err, &refusal) {
		return "", false, nil, &RefusedError{Table: refusal.Table, Reason: refusal.Reason, Fix: refusal.Fix, Err: refusal.Err}
	}
	if err != nil {
		return "", false, nil, err
	}
	var actor *actorArgs
	if f.r.actor != "" {
		// Every rewrite depends on the actor tables it was made for.
		actor = &actorArgs{gen: gen}
		if param > 0 {
			actor.at, actor.last = []int{param - 1}, true
		}
	}
	return out, session, actor, nil
}

// data returns the mode as an engine.Mode.
func (m *mode) data() *engine.Mode {
	d := &engine.Mode{Force: m.force, IncludeAll: m.includeAll, OnlyPrimary: m.onlyPrimary, Restore: m.restore}
	if m.stamp != nil {
		d.Stamp = m.stamp.literal
	}
	for _, t := range m.tables {
		d.Tables = append(d.Tables, engine.TableFilter{Name: t.name, Filter: engine.Filter(t.f)})
	}
	return d
}
