package postgres

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/softdelete-go/softdelete/internal/engine"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// rewrite is the state of one statement's rewrite. It walks the whole
// parse tree, children first: every query (SELECT, INSERT, UPDATE, DELETE,
// also inside CTEs, subqueries, EXPLAIN, PREPARE, COPY) filters the
// soft-delete tables of its FROM list, a DELETE of one becomes an UPDATE
// that stamps, and the statements that would destroy or expose deleted
// rows are refused. A soft-delete table that a query reads and that no
// rule placed a filter for is refused at the end: a construct the walker
// does not know never leaks.
type rewrite struct {
	e       *Engine
	m       *engine.Mode
	text    string // the statement, for offsets in messages
	primary string // the primary table, for WithOnlyDeleted()
	changed bool
	err     *engine.Refusal

	handled  map[*pg.RangeVar]bool // the table references a rule took care of
	inQuery  []*pg.RangeVar        // soft-delete table references met inside a query
	deferred int                   // depth of statements whose query runs later (views, rules, PREPARE)
	later    int                   // of those, the ones that do not run it now (all but materialized views)
	actor    *actorSlot            // the text's actor parameter, shared by its statements

	check      bool   // the session must be read back after the statement (session.go)
	unseen     bool   // it may change a reading setting in a way no text shows
	stampValue string // the value of Mode.Stamp, a string literal, when set
}

// refuse notes the first refusal of the statement.
func (w *rewrite) refuse(table, fix, format string, args ...any) {
	if w.err == nil {
		w.err = &engine.Refusal{Table: table, Reason: fmt.Sprintf(format, args...), Fix: fix}
	}
}

// statement rewrites one parsed statement in place.
func (w *rewrite) statement(stmt *pg.Node) error {
	w.primary = serverName(primaryOf(stmt))
	if w.m.OnlyPrimary {
		if _, ok := w.e.table(w.primary); !ok {
			name := w.primary
			if name == "" {
				name = "(no table)"
			}
			t := w.e.firstTableIn(w.text)
			w.refuse(t, fmt.Sprintf("name the soft-delete tables whose deleted rows it should see: softdelete.WithOnlyDeleted(ctx, %q)", t),
				"WithOnlyDeleted() with no table applies to the primary table of the statement, %s, which is not a soft-delete table", name)
			return w.err
		}
	}
	if w.m.Restore != "" && !w.isRestore(stmt) {
		return fmt.Errorf("softdelete: Restore: Restore built a statement it does not recognise: the condition must not change the UPDATE")
	}
	w.walk(stmt.ProtoReflect(), 0)
	if w.err == nil {
		for _, rv := range w.inQuery {
			if !w.handled[rv] {
				w.refuse(rv.Relname, orRaw("write the query without this construct, or filter the table by hand under softdelete.WithIncludeDeleted(ctx)"),
					"softdelete cannot place the filter of %s at offset %d", rv.Relname, rv.Location)
				break
			}
		}
	}
	if w.err != nil {
		return w.err
	}
	return nil
}

// isQuery reports whether a message is a statement that reads or writes
// rows.
func isQuery(msg protoreflect.ProtoMessage) bool {
	switch msg.(type) {
	case *pg.SelectStmt, *pg.InsertStmt, *pg.UpdateStmt, *pg.DeleteStmt, *pg.MergeStmt:
		return true
	}
	return false
}

// isDeferred reports whether a statement stores a query that runs later,
// under modes softdelete cannot know, and whether it also runs it now (a
// materialized view, which REFRESH runs again).
func isDeferred(msg protoreflect.ProtoMessage) (deferred, now bool) {
	switch m := msg.(type) {
	case *pg.ViewStmt, *pg.RuleStmt, *pg.PrepareStmt, *pg.CreatePolicyStmt, *pg.AlterPolicyStmt, *pg.CreateFunctionStmt, *pg.CreateTrigStmt:
		return true, false
	case *pg.CreateTableAsStmt:
		return m.Objtype == pg.ObjectType_OBJECT_MATVIEW, true
	}
	return false, false
}

// walk visits the message's children, then the message. depth counts the
// queries around it.
func (w *rewrite) walk(msg protoreflect.Message, depth int) {
	if w.err != nil || !msg.IsValid() {
		return
	}
	iface := msg.Interface()
	inner := depth
	if isQuery(iface) {
		inner++
	}
	if deferred, now := isDeferred(iface); deferred {
		w.deferred++
		defer func() { w.deferred-- }()
		if !now {
			w.later++
			defer func() { w.later-- }()
		}
	}
	msg.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Message() == nil || fd.IsMap() {
			return true
		}
		if fd.IsList() {
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				w.walk(l.Get(i).Message(), inner)
			}
		} else {
			w.walk(v.Message(), inner)
		}
		return w.err == nil
	})
	if w.err == nil {
		w.visit(iface, depth)
	}
}

// visit applies the rules of one node, whose children are done.
func (w *rewrite) visit(n protoreflect.ProtoMessage, depth int) {
	switch n := n.(type) {
	case *pg.RangeVar:
		if _, ok := w.e.table(n.Relname); ok && depth > 0 {
			w.inQuery = append(w.inQuery, n)
		}
	case *pg.Node:
		if d := n.GetDeleteStmt(); d != nil {
			if up := w.deleteStmt(d); up != nil {
				n.Node = &pg.Node_UpdateStmt{UpdateStmt: up}
			}
		}
	case *pg.SelectStmt:
		w.selectStmt(n)
	case *pg.UpdateStmt:
		w.updateStmt(n)
	case *pg.InsertStmt:
		w.handled[n.Relation] = true
	case *pg.MergeStmt:
		w.mergeStmt(n)
	case *pg.CommonTableExpr:
		if _, ok := w.e.table(n.Ctename); ok {
			w.refuse(n.Ctename, orRaw("rename the CTE"), "the CTE %s at offset %d has the name of a soft-delete table, which softdelete would read as the table", n.Ctename, n.Location)
		}
	case *pg.RangeTableSample:
		if rv := n.Relation.GetRangeVar(); rv != nil {
			if _, ok := w.e.table(rv.Relname); ok {
				w.refuse(rv.Relname, orRaw("sample a subquery: FROM (SELECT * FROM "+rv.Relname+") AS t TABLESAMPLE is not allowed either; filter by hand under softdelete.WithIncludeDeleted(ctx)"), "TABLESAMPLE of %s at offset %d cannot be filtered", rv.Relname, n.Location)
			}
		}
	case *pg.LockingClause:
		for _, r := range n.LockedRels {
			w.handled[r.GetRangeVar()] = true
		}
	case *pg.IntoClause:
		w.handled[n.Rel] = true
	case *pg.CopyStmt:
		w.copyStmt(n)
	case *pg.FuncCall:
		w.setConfig(n)
		w.call(n, depth)
		w.tableReader(n)
	case *pg.ParamRef:
		// The deparser writes $0 as "?", which the server cannot read
		// (FuzzPostgresRewrite): the server refuses $0 anyway.
		if n.Number < 1 {
			w.refuse(w.e.firstTableIn(w.text), "number the parameters from $1",
				"the parameter at offset %d is $0, which PostgreSQL does not have", n.Location)
		}
	default:
		w.sessionStatement(n)
		w.utility(n)
	}
}
