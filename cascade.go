package softdelete

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/xwb1989/sqlparser"
)

// This file holds what softdelete knows of the relations between listed
// tables: the foreign keys the schema declares and the ones Config.Cascade
// adds, as a graph from parent to children. cascade_exec.go follows it on
// a soft DELETE, cascade_restore.go on Restore.

// WithoutCascade returns a context in which a soft DELETE stamps its own
// targets only: it neither follows foreign keys to their children nor
// checks RESTRICT ones, and Restore un-deletes the matching rows only.
// Use it where the application handles the children itself.
func WithoutCascade(ctx context.Context) context.Context {
	return withMode(ctx, func(m *mode) { m.noCascade = true })
}

// ErrRestricted is matched (with errors.Is) by the error of a soft DELETE
// stopped because live rows of a listed table still reference the rows it
// would delete through a RESTRICT or NO ACTION foreign key.
var ErrRestricted = errors.New("softdelete: rows are still referenced")

// RestrictedError is the error of a soft DELETE that a RESTRICT (or NO
// ACTION) foreign key stops, as it would stop the raw DELETE: live rows of
// Child still reference rows of Table. Nothing was changed.
type RestrictedError struct {
	Table      string // the table the DELETE targets (or that the cascade reached)
	Child      string // the table whose live rows reference them
	Constraint string // the foreign key, as the schema names it
}

// Error names the tables, the foreign key and the ways out.
func (e *RestrictedError) Error() string {
	return fmt.Sprintf("softdelete: cannot soft-delete rows of %s: live rows of %s still reference them through foreign key %s (ON DELETE RESTRICT/NO ACTION), as a raw DELETE would fail; nothing was changed. Delete those %s rows first, or use softdelete.WithoutCascade(ctx) to stamp the rows anyway",
		e.Table, e.Child, e.Constraint, e.Child)
}

// Is makes errors.Is(err, ErrRestricted) true.
func (e *RestrictedError) Is(target error) bool { return target == ErrRestricted }

// onDelete is what a relation does to the children when its parent goes.
type onDelete uint8

const (
	onDeleteCascade  onDelete = iota // stamp the children too
	onDeleteRestrict                 // RESTRICT, NO ACTION: fail while live children exist
	onDeleteSetNull                  // SET NULL, SET DEFAULT: refused (a restore could not undo it)
)

// parseOnDelete reads a DELETE_RULE (MySQL) or on_delete (SQLite).
func parseOnDelete(rule string) onDelete {
	switch strings.ToUpper(strings.TrimSpace(rule)) {
	case "CASCADE":
		return onDeleteCascade
	case "SET NULL", "SET DEFAULT":
		return onDeleteSetNull
	}
	return onDeleteRestrict // RESTRICT, NO ACTION, and what else a database may report
}

// relation is one foreign key from a listed child table to a listed
// parent table.
type relation struct {
	name          string // the foreign key's name, or the cascade= entry
	child, parent *softTable
	childName     string // the tables as the database spells them
	parentName    string
	childCols     []string
	parentCols    []string
	action        onDelete
	actionText    string // as the schema says it, for messages
	declared      bool   // read from the schema: followed only where the database enforces it
	// immediate: the key is checked row by row as the raw DELETE goes
	// (RESTRICT; NO ACTION on MySQL, where it means the same), so a child
	// that the same statement deletes still stops it; SQLite checks NO
	// ACTION at the end of the statement.
	immediate bool
}

// cascade is the relations configuration of one connector and the graph
// built from the last schema read.
type cascade struct {
	tables *tableSet
	mysql  bool        // marker types have a precision (DATETIME vs DATETIME(6))
	extra  []*relation // Config.Cascade
	graph  atomic.Pointer[cascadeGraph]

	// targets remembers, by mode key and text, the soft-delete tables a
	// DELETE stamps (a nil slice: none), so that each text is probed once.
	mu      sync.Mutex
	targets map[string]probeResult
}

// maxRememberedTargets bounds cascade.targets; past it the map starts over.
const maxRememberedTargets = 4096

// newCascade checks Config.Cascade and Config.ForeignKeys. It returns nil
// when there is nothing to follow: foreign_keys=ignore, or check=off
// (no schema is read) without cascade= relations.
func newCascade(cfg Config, rw *rewriter) (*cascade, error) {
	c := &cascade{tables: rw.tables, mysql: rw.d == dialectMySQL, targets: map[string]probeResult{}}
	switch strings.ToLower(cfg.ForeignKeys) {
	case "", "follow":
	case "ignore":
		if len(cfg.Cascade) > 0 {
			return nil, errors.New("softdelete: foreign_keys=ignore turns every relation off, so cascade= would do nothing: drop one of them")
		}
		return nil, nil
	default:
		return nil, fmt.Errorf("softdelete: foreign_keys=%q is not follow or ignore", cfg.ForeignKeys)
	}
	for _, spec := range cfg.Cascade {
		r, err := parseRelation(spec, rw.tables)
		if err != nil {
			return nil, err
		}
		c.extra = append(c.extra, r)
	}
	if mode, _ := parseCheckMode(cfg.Check); mode == CheckOff && len(c.extra) == 0 {
		return nil, nil
	}
	return c, nil
}

// parseRelation reads one cascade= entry: child.column->parent.column.
func parseRelation(spec string, ts *tableSet) (*relation, error) {
	bad := func(why string) error {
		return fmt.Errorf("softdelete: cascade=%q: %s (want child.column->parent.column between listed tables, e.g. posts.user_id->users.id)", spec, why)
	}
	from, to, ok := strings.Cut(strings.TrimSpace(spec), "->")
	if !ok {
		return nil, bad("no ->")
	}
	ct, cc, ok1 := strings.Cut(strings.TrimSpace(from), ".")
	pt, pc, ok2 := strings.Cut(strings.TrimSpace(to), ".")
	if !ok1 || !ok2 || !isPlainIdent(ct) || !isPlainIdent(cc) || !isPlainIdent(pt) || !isPlainIdent(pc) {
		return nil, bad("each side must be table.column, plain names")
	}
	child, parent := ts.lookup(ct), ts.lookup(pt)
	switch {
	case child == nil:
		return nil, bad(ct + " is not a listed table: add it to tables= so that its rows can be stamped")
	case parent == nil:
		return nil, bad(pt + " is not a listed table: its rows are never soft-deleted, so there is nothing to follow")
	}
	return &relation{name: "cascade=" + spec, child: child, parent: parent, childName: ct, parentName: pt,
		childCols: []string{cc}, parentCols: []string{pc}, action: onDeleteCascade, actionText: "CASCADE"}, nil
}

// cascadeGraph is the relations between listed tables, by parent.
type cascadeGraph struct {
	model    *schemaModel
	byParent map[string][]*relation // by the parent's listed (lower-case) name
	related  map[string]*softTable  // tables in some relation, parent or child
	coarse   map[string]string      // tables whose marker holds whole seconds: the column's type
}

// graphFor returns the graph for the schema model m (nil: none read),
// building it when the model changed.
func (c *cascade) graphFor(m *schemaModel) *cascadeGraph {
	if g := c.graph.Load(); g != nil && g.model == m {
		return g
	}
	g := c.build(m)
	c.graph.Store(g)
	return g
}

// build makes the graph of the declared foreign keys of m and the extra
// relations.
func (c *cascade) build(m *schemaModel) *cascadeGraph {
	g := &cascadeGraph{model: m, byParent: map[string][]*relation{}, related: map[string]*softTable{}, coarse: map[string]string{}}
	for _, r := range c.extra {
		g.add(r)
	}
	if m == nil {
		return g
	}
	for _, t := range m.tables {
		for _, fk := range t.foreignKeys {
			if r := declaredRelation(m, c.tables, fk); r != nil {
				r.immediate = strings.EqualFold(fk.onDelete, "RESTRICT") || c.mysql && r.action == onDeleteRestrict
				g.add(r)
			}
		}
	}
	for name, st := range g.related {
		if !c.mysql {
			break
		}
		if t := m.tables[name]; t != nil {
			if col := t.column(st.column); col != nil && secondsOnly(col.typ) {
				g.coarse[name] = col.typ
			}
		}
	}
	return g
}

// secondsOnly reports whether a MySQL column type holds whole seconds
// only (DATETIME, TIMESTAMP without a fraction), so that two stamps of
// one second collide. SQLite's text stamps keep microseconds.
func secondsOnly(typ string) bool {
	t := strings.ToLower(strings.TrimSpace(typ))
	return t == "datetime" || t == "timestamp" || t == "datetime(0)" || t == "timestamp(0)"
}

func (g *cascadeGraph) add(r *relation) {
	g.byParent[r.parent.name] = append(g.byParent[r.parent.name], r)
	g.related[r.parent.name] = r.parent
	g.related[r.child.name] = r.child
}

// empty reports whether no relation is known.
func (g *cascadeGraph) empty() bool { return len(g.byParent) == 0 }

// declaredRelation returns the relation of a foreign key between two
// listed tables, or nil. A key that names no parent columns (SQLite's
// REFERENCES users) references the parent's primary key.
func declaredRelation(m *schemaModel, ts *tableSet, fk foreignKey) *relation {
	ct, pt := m.table(fk.table), m.table(fk.refTable)
	if ct == nil || pt == nil {
		return nil
	}
	child, parent := ts.lookup(ct.name), ts.lookup(pt.name)
	if child == nil || parent == nil {
		return nil
	}
	refCols := fk.refColumns
	if len(refCols) == 0 || refCols[0] == "" {
		refCols = primaryKey(pt)
	}
	if len(refCols) != len(fk.columns) {
		return nil
	}
	return &relation{name: fk.name, child: child, parent: parent, childName: ct.name, parentName: pt.name,
		childCols: fk.columns, parentCols: refCols, action: parseOnDelete(fk.onDelete), actionText: strings.ToUpper(fk.onDelete), declared: true}
}

// primaryKey returns the columns of a table's primary key; "rowid" where
// the schema shows none (SQLite's INTEGER PRIMARY KEY is the rowid).
func primaryKey(t *tableSchema) []string {
	for _, ix := range t.indexes {
		if ix.primary {
			return ix.columns
		}
	}
	return []string{"rowid"}
}

// stampOverride is the stamp of one statement that softdelete runs for a
// cascade or an exact restore: the literal it writes into the deleted
// column instead of the configured now= expression, and, filled by the
// scope, the soft-delete tables the statement stamped. A marker kind other
// than a time (a number, a flag) plugs in where the literal is made
// (cascadeSession.stampLiteral).
type stampOverride struct {
	literal string         // as SQL: '2026-11-30 10:50:54.123456'
	expr    sqlparser.Expr // the same, parsed
	targets []*softTable
}

// newStampOverride returns the override that writes literal.
func newStampOverride(literal string) *stampOverride {
	return &stampOverride{literal: literal, expr: sqlparser.NewStrVal([]byte(unquoteLiteral(literal)))}
}

// unquoteLiteral undoes sqlString.
func unquoteLiteral(lit string) string {
	return strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(lit, "'"), "'"), "''", "'")
}

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// withStamp returns a copy of m that stamps with o; it is never cached.
func (m *mode) withStamp(o *stampOverride) *mode {
	c := *m
	c.stamp = o
	return &c
}

// unlistedChildWarnings warns of the foreign keys from a table that is
// not listed to the listed table t: a soft DELETE of t's rows proceeds,
// and leaves that table's rows pointing at rows that no longer show.
func (g *schemaGate) unlistedChildWarnings(t *tableSchema) []SchemaProblem {
	var out []SchemaProblem
	for _, fk := range t.referencedBy {
		if g.listed(strings.ToLower(fk.table)) {
			continue
		}
		out = append(out, SchemaProblem{Table: t.name,
			Problem: "foreign key " + fk.name + " (" + fk.table + "(" + strings.Join(fk.columns, ", ") + ") -> " + t.name + ", ON DELETE " + strings.ToUpper(fk.onDelete) +
				") comes from " + fk.table + ", which is not listed: a soft DELETE of " + t.name + " rows leaves the " + fk.table + " rows that reference them pointing at rows that no longer show",
			Fix: "list " + fk.table + " (with a deleted column) so that the soft DELETE follows the key, or ignore this if those rows may point at deleted ones"})
	}
	return out
}
