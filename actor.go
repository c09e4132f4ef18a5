package softdelete

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"

	"github.com/xwb1989/sqlparser"
)

// This file records who deleted a row: WithActor puts a value in the
// context, and a soft DELETE on a listed table that has the actor column
// (Config.Actor, DSN actor=) sets that column to it in the same UPDATE;
// Restore sets it back to NULL.
//
// The value is bound, never spliced into the text: the rewrite holds a
// parameter for it, in the user's placeholder style, and reports where the
// connection inserts the value into the arguments (actorArgs). So one
// rewrite, cached once, and one prepared statement serve every actor.
//
// Decisions:
//   - Without an actor in the context the column is set to NULL: a deleted
//     row's actor always describes the DELETE that stamped it, never an
//     earlier one, and the text (and its cache entry, and its prepared
//     statement) is the same with or without an actor.
//   - Which tables have the column comes from the schema check's model. A
//     connection runs the check before it rewrites, so the first rewrite
//     already knows it. Without a model (check=off, or check=warn that
//     could not read the schema) every listed table is taken to have it:
//     a DELETE on one that lacks it fails with the database's unknown
//     column error, and nothing is changed.

// actorKey is the context key under which WithActor stores its value.
type actorKey struct{}

// actorValue boxes the actor, so that a nil actor is still "set".
type actorValue struct{ v any }

// actorParamName is the named parameter a rewrite takes the actor as when
// the statement uses SQLite's named parameters (:name, @name, $name).
const actorParamName = "softdelete_actor"

// actorBindVar is the bind variable the scope puts where the actor goes;
// the printer writes it in the statement's placeholder style.
const actorBindVar = ":" + actorParamName

// WithActor returns a context under which a soft DELETE records actor, in
// the column that Config.Actor (DSN actor=) names, on each listed table
// that has that column. The value is passed to the inner driver as an
// argument, so it may be anything the driver accepts (a string, an int64,
// a driver.Valuer, nil for NULL). Without WithActor the column is set to
// NULL. softdelete.Restore clears it.
func WithActor(ctx context.Context, actor any) context.Context {
	return context.WithValue(ctx, actorKey{}, actorValue{actor})
}

// actorFrom returns the actor ctx carries, or nil.
func actorFrom(ctx context.Context) any {
	if v, ok := ctx.Value(actorKey{}).(actorValue); ok {
		return v.v
	}
	return nil
}

// actorArgs says where a rewrite takes the actor. A non-nil actorArgs also
// marks a rewrite that depends on which tables have the actor column (a
// soft DELETE or a Restore), even when it takes no actor.
type actorArgs struct {
	at    []int  // indexes in the final argument list where the actor goes, ascending
	named string // the actor is the named argument of that name, appended
	// last: the actor goes after every argument, its slot (at) only
	// bounding their count from below: PostgreSQL's $k, one past the
	// highest parameter, where pgx options (pgx.QueryExecModeSimpleProtocol)
	// may lead the arguments and must not shift it.
	last bool
	gen  uint32 // the actor-table generation it was computed under (see rewriter.actorGen)
}

// takes reports whether the rewrite takes the actor as an argument.
func (a *actorArgs) takes() bool { return a != nil && (len(a.at) > 0 || a.named != "") }

// actorColumnOf returns the actor column of table t, or "" when no actor
// column is configured or the schema says the table has none (before the
// schema gate exists, while the rewriter is built, there is no model).
func (r *rewriter) actorColumnOf(t *softTable) string {
	var m *schemaModel
	if r.schema != nil {
		m = r.schema.model.Load()
	}
	if r.actor == "" || !hasActorColumn(m, t.name, r.actor) {
		return ""
	}
	return r.actor
}

// actorParam returns how statement st writes the actor's parameter: "?"
// among bare '?' parameters, ?N after SQLite's numbered ones, :name among
// named ones; or a refusal when the statement mixes styles.
func (r *rewriter) actorParam(st *sourceStatement) (string, error) {
	bare := 0
	for _, v := range st.verbatims {
		bare += v.bare
	}
	refuse := func(reason string) (string, error) {
		return "", &RefusedError{Table: r.firstTableIn(st.text), Reason: "the soft DELETE records its actor as a parameter, and " + reason,
			Fix: "use one placeholder style in the statement (? on MySQL), or set the actor column yourself with an UPDATE and delete with a statement of one style"}
	}
	switch {
	case !st.named && st.maxNumber == 0:
		return "?", nil
	case r.d == dialectMySQL:
		return refuse("go-sql-driver/mysql takes ? parameters only")
	case bare > 0:
		return refuse("the statement mixes ? with numbered or named parameters, so no position for it is safe")
	case st.named && st.maxNumber > 0:
		return refuse("the statement mixes numbered (?N) and named parameters, so no number for it is safe")
	case st.maxNumber > 0:
		return "?" + strconv.Itoa(st.maxNumber+1), nil
	}
	return actorBindVar, nil
}

// actorSet returns the SET item that records the actor in column col.
// With live (the table's live predicate, when the statement also reaches
// rows already deleted) those rows keep their actor. The actor comes first
// in the SET: MySQL evaluates a single-table UPDATE's assignments left to
// right, so the marker must still hold its old value when live reads it.
func actorSet(col *sqlparser.ColName, live sqlparser.Expr) *sqlparser.UpdateExpr {
	var val sqlparser.Expr = sqlparser.NewValArg([]byte(actorBindVar))
	if live != nil {
		val = &sqlparser.CaseExpr{
			Whens: []*sqlparser.When{{Cond: live, Val: val}},
			Else:  &sqlparser.ColName{Name: col.Name, Qualifier: col.Qualifier},
		}
	}
	return &sqlparser.UpdateExpr{Name: col, Expr: val}
}

// insertActor returns args with the actor of ctx inserted where a rewrite
// takes it. It is called only for such rewrites.
func (c *conn) insertActor(ctx context.Context, args []driver.NamedValue, a *actorArgs) ([]driver.NamedValue, error) {
	v, err := c.actorValue(actorFrom(ctx))
	if err != nil {
		return nil, err
	}
	out := make([]driver.NamedValue, 0, len(args)+len(a.at)+1)
	if a.named != "" {
		for _, arg := range args {
			if arg.Name == "" {
				return nil, fmt.Errorf("softdelete: this soft DELETE takes its actor as the named parameter :%s, so its other named parameters must be passed by name (sql.Named), not by position", a.named)
			}
		}
		out = append(out, args...)
		return append(out, driver.NamedValue{Name: a.named, Ordinal: len(out) + 1, Value: v}), nil
	}
	if last := a.at[len(a.at)-1]; last-(len(a.at)-1) > len(args) {
		return nil, fmt.Errorf("softdelete: the statement takes %d arguments, got %d", last-(len(a.at)-1), len(args))
	}
	if a.last {
		out = append(out, args...)
		return append(out, driver.NamedValue{Ordinal: len(out) + 1, Value: v}), nil
	}
	next := 0
	for _, at := range a.at {
		for len(out) < at && next < len(args) {
			out = append(out, args[next])
			next++
		}
		out = append(out, driver.NamedValue{Value: v})
	}
	out = append(out, args[next:]...)
	for i := range out {
		if out[i].Name == "" {
			out[i].Ordinal = i + 1
		}
	}
	return out, nil
}

// actorValue converts the actor to a driver.Value as database/sql would:
// with the inner connection's NamedValueChecker, else the default
// converter.
func (c *conn) actorValue(actor any) (driver.Value, error) {
	nv := driver.NamedValue{Value: actor}
	err := driver.ErrSkip
	if c.checker != nil {
		err = c.checker.CheckNamedValue(&nv)
	}
	if err == driver.ErrSkip {
		nv.Value, err = driver.DefaultParameterConverter.ConvertValue(actor)
	}
	if err != nil {
		return nil, fmt.Errorf("softdelete: WithActor: the actor %T cannot be passed to the database: %w", actor, err)
	}
	return nv.Value, nil
}

// actorTo hands the actor's placement that the rewrite of read noted to
// st, the statement read stands for (read again without regions, or
// without its EXPLAIN prefix).
func (read *sourceStatement) actorTo(st *sourceStatement) {
	if read != st {
		st.actorParam, st.actorSlots, st.actorDep = read.actorParam, read.actorSlots, read.actorDep
	}
}

// actorArgsOf returns where the rewrite of a text's statements takes the
// actor: the slots each statement's printer noted, moved past the bare
// parameters of the statements before it. It is nil when no statement
// depends on the actor column. A text of several statements takes it only
// among bare '?' parameters (go-sqlite3 hands each statement its share of
// the arguments by position).
func (r *rewriter) actorArgsOf(stmts []*sourceStatement, gen uint32) (*actorArgs, error) {
	var a *actorArgs
	base := 0
	for _, st := range stmts {
		if st.actorDep && a == nil {
			a = &actorArgs{gen: gen}
		}
		switch {
		case st.actorParam == "":
		case st.actorParam == "?":
			for _, at := range st.actorSlots {
				a.at = append(a.at, base+at)
			}
			base += len(st.actorSlots)
		case len(stmts) > 1:
			return nil, &RefusedError{Table: r.firstTableIn(st.text), Reason: "the soft DELETE records its actor as a parameter, which softdelete places among numbered or named parameters only in a text of one statement",
				Fix: "send the statements one by one"}
		case st.actorParam == actorBindVar:
			a.named = actorParamName
		default:
			a.at = st.actorSlots
		}
		for _, v := range st.verbatims {
			base += v.bare
		}
	}
	return a, nil
}

// checkActorColumn checks the configured actor column: a plain identifier
// that is no table's deleted column.
func checkActorColumn(actor string, tables []*softTable, names optionNames) error {
	if actor == "" {
		return nil
	}
	if !isPlainIdent(actor) {
		return fmt.Errorf("softdelete: %s%q is not a plain column name (letters, digits and _, e.g. deleted_by)", names.actorIs, actor)
	}
	for _, t := range tables {
		if strings.EqualFold(t.column, actor) {
			return fmt.Errorf("softdelete: %s%q is the deleted column of table %s: name a column of its own (e.g. deleted_by)", names.actorIs, actor, t.name)
		}
	}
	return nil
}

// insertActorValues is insertActor for the deprecated Exec and Query,
// which have no context: the actor is NULL.
func (c *conn) insertActorValues(args []driver.Value, a *actorArgs) ([]driver.Value, error) {
	named := make([]driver.NamedValue, len(args))
	for i, v := range args {
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	named, err := c.insertActor(context.Background(), named, a)
	if err != nil {
		return nil, err
	}
	return values(named)
}

// modelChanged is told of each schema model read. When the tables that
// have the actor column differ from the previous model's (no model: every
// listed table), the rewrites that depend on them are forgotten: the cache
// is purged, and the generation that connections and prepared statements
// check their own rewrites against moves on.
func (r *rewriter) modelChanged(prev, next *schemaModel) {
	if r.actor == "" {
		return
	}
	for _, name := range r.tables.names {
		if hasActorColumn(prev, name, r.actor) != hasActorColumn(next, name, r.actor) {
			r.actorGen.Add(1)
			r.cache.purge()
			return
		}
	}
}

// hasActorColumn reports whether the listed table has the actor column in
// model m; without a model, every listed table has it.
func hasActorColumn(m *schemaModel, table, actor string) bool {
	if m == nil {
		return true
	}
	t := m.tables[table]
	return t != nil && t.column(actor) != nil
}

// checkActorColumn is the schema problem of an actor column that no listed
// table has: a typo, or the column is yet to be added.
func (g *schemaGate) checkActorColumn(m *schemaModel) (SchemaProblem, bool) {
	actor := g.rw.actor
	if actor == "" {
		return SchemaProblem{}, true
	}
	for _, t := range g.tables {
		if m.tables[t.name] == nil || hasActorColumn(m, t.name, actor) {
			return SchemaProblem{}, true // a missing table is its own problem
		}
	}
	typ := "VARCHAR(255) NULL"
	switch g.d {
	case dialectSQLite:
		typ = "TEXT NULL"
	case dialectPostgres:
		typ = "text NULL"
	}
	first := g.tables[0].name
	return SchemaProblem{Table: strings.Join(tableNames(g.tables), ","), Column: actor,
		Problem: "no listed table has the actor column, so no DELETE would record who deleted it",
		Fix:     "add it to the tables that should record it (ALTER TABLE " + first + " ADD COLUMN " + actor + " " + typ + "), or correct actor= (Config.Actor)"}, false
}
