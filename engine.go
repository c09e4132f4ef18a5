package softdelete

import (
	"errors"
	"fmt"

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

// The built-in engine: the rewriter's own stages.
var _ rewriteEngine = (*rewriter)(nil)

// newEngine returns the engine of dialect d for the tables: the built-in
// one, or the dialect's own.
func newEngine(r *rewriter, d *dialect, now string) (rewriteEngine, error) {
	if d.newEngine == nil {
		return r, nil
	}
	cfg := engine.Config{Now: now}
	for _, name := range r.tables.names {
		t := r.tables.lookup(name)
		if t.kind != KindTime {
			return nil, fmt.Errorf("table %s: the engine supports time markers only, not %s", t.name, t.kind)
		}
		cfg.Tables = append(cfg.Tables, engine.Table{Name: t.name, Column: t.column})
	}
	e, err := d.newEngine(cfg)
	if err != nil {
		return nil, err
	}
	return foreignEngine{e: e, tables: r.tables}, nil
}

// foreignEngine adapts an engine.Engine of another package: the mode goes
// to it as data, and its refusals come back as *RefusedError. The tables
// it names as stamped (engine.Mode.Stamped) come back as the mode's
// stampOverride targets, as the built-in scope fills them.
type foreignEngine struct {
	e      engine.Engine
	tables *tableSet
}

func (f foreignEngine) rewriteText(q string, m *mode) (string, bool, *actorArgs, error) {
	d := m.data()
	out, session, err := f.e.Rewrite(q, d)
	if m.stamp != nil && err == nil {
		for _, name := range d.Stamped {
			if t := f.tables.lookup(name); t != nil {
				m.stamp.targets = append(m.stamp.targets, t)
			}
		}
	}
	var refusal *engine.Refusal
	if errors.As(err, &refusal) {
		return "", false, nil, &RefusedError{Table: refusal.Table, Reason: refusal.Reason, Fix: refusal.Fix, Err: refusal.Err}
	}
	return out, session, nil, err
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
