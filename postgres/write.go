package postgres

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/softdelete-go/softdelete/internal/engine"
)

// destroyFix is the advice for statements that destroy a table's rows.
const destroyFix = "to destroy the soft-deleted rows too, run it under softdelete.WithForce(softdelete.WithIncludeDeleted(ctx))"

// deleteStmt rewrites a DELETE: of a soft-delete table, unless forced,
// into the UPDATE it returns, which stamps the rows the DELETE would
// remove (USING becomes FROM, RETURNING stays). A real DELETE is filtered
// like a read and returns nil.
func (w *rewrite) deleteStmt(d *pg.DeleteStmt) *pg.UpdateStmt {
	if w.currentOf(d.Relation, d.WhereClause) {
		return nil
	}
	using := w.fromList(d.UsingClause)
	t, soft := w.e.table(d.Relation.Relname)
	if soft && w.m.Force && w.deferred > 0 {
		w.refuse(t.Name, orRaw("create it in the default mode, where it stores the soft DELETE; a hard DELETE under softdelete.WithForce(ctx) is sent on its own"),
			"the statement stores a DELETE of %s that runs later, under any mode, and WithForce would store it as a hard DELETE", t.Name)
		return nil
	}
	if !soft || w.m.Force {
		d.WhereClause = and(d.WhereClause, append(nonNil(w.tablePred(d.Relation)), using...))
		return nil
	}
	w.handled[d.Relation] = true
	if w.filterFor(t.Name) == engine.FilterDeleted {
		w.refuse(t.Name, "to delete these rows for good add WithForce: softdelete.WithForce(softdelete.WithOnlyDeleted(ctx)) purges the deleted rows only; softdelete.Restore un-deletes them",
			"a soft DELETE under WithOnlyDeleted would stamp rows already deleted")
		return nil
	}
	if w.deferred > 0 && w.filterFor(t.Name) != engine.FilterLive {
		w.refuse(t.Name, orRaw("create it in the default mode"), "the statement stores a DELETE of %s that runs later", t.Name)
		return nil
	}
	actor := w.actorParam(t)
	if w.err != nil {
		return nil
	}
	w.changed = true
	// Under WithIncludeDeleted too, a soft DELETE stamps only rows not
	// yet stamped: the first deletion time (and actor) stays.
	live := t.predicate(ref(d.Relation), true)
	return &pg.UpdateStmt{
		Relation:      d.Relation,
		TargetList:    t.stampSet(w.e.now, w.stampOf(t), actor),
		WhereClause:   and(d.WhereClause, append([]*pg.Node{live}, using...)),
		FromClause:    d.UsingClause,
		ReturningList: d.ReturningList,
		WithClause:    d.WithClause,
	}
}

// stampOf returns what a soft DELETE of t stamps its marker with: its
// kind's stamp, or for a time marker the call's own stamp
// (engine.Mode.Stamp, a cascade's) when there is one. Under a call's
// stamp it notes t in Mode.Stamped, whatever its kind: the root package
// refuses to cascade through a numeric marker.
func (w *rewrite) stampOf(t *table) *pg.Node {
	if w.m.Stamp == "" {
		return clone(t.stamp)
	}
	w.m.Stamped = append(w.m.Stamped, t.Name)
	if t.zero != nil {
		return clone(t.stamp)
	}
	return pg.MakeAConstStrNode(w.stampValue, -1)
}

// restoreToken is the value besides the live one that Restore's UPDATE
// may set the marker to: an exact restore's token (Mode.Stamp), or "".
func (w *rewrite) restoreToken() string {
	if w.m.Stamp == "" {
		return ""
	}
	return w.stampValue
}

func nonNil(p *pg.Node) []*pg.Node {
	if p == nil {
		return nil
	}
	return []*pg.Node{p}
}

// currentOf refuses WHERE CURRENT OF on a soft-delete table: no filter can
// be added to it.
func (w *rewrite) currentOf(rv *pg.RangeVar, where *pg.Node) bool {
	if where.GetCurrentOfExpr() == nil {
		return false
	}
	if t, ok := w.e.table(rv.Relname); ok {
		w.refuse(t.Name, orRaw("update or delete the row by its key"), "WHERE CURRENT OF takes no other condition, so softdelete cannot filter %s", t.Name)
		return true
	}
	return false
}

// updateStmt filters an UPDATE: its target and its FROM list. An UPDATE
// that sets the deleted column to its live value (NULL, or 0) where it
// sees only live rows is refused: it could match none.
func (w *rewrite) updateStmt(u *pg.UpdateStmt) {
	if w.currentOf(u.Relation, u.WhereClause) {
		return
	}
	if serverName(u.Relation.Relname) == "pg_settings" {
		w.check, w.unseen = true, true // its rule calls set_config: SET by other means
	}
	if t, ok := w.e.table(u.Relation.Relname); ok && w.m.Restore == "" && w.filterFor(t.Name) == engine.FilterLive {
		for _, n := range u.TargetList {
			if rt := n.GetResTarget(); rt != nil && rt.Name == t.Column && t.isLiveValue(rt.Val) {
				w.refuse(t.Name, fmt.Sprintf("un-delete rows with softdelete.Restore(ctx, db, %q, where, args...), or run the UPDATE under softdelete.WithOnlyDeleted(ctx, %q)", t.Name, t.Name),
					"SET %s to its live value at offset %d can match no row: the UPDATE sees only %s's live rows, whose %s is already live", t.Column, rt.Location, t.Name, t.Column)
				return
			}
		}
	}
	preds := append(nonNil(w.tablePred(u.Relation)), w.fromList(u.FromClause)...)
	u.WhereClause = and(u.WhereClause, preds)
}

// isRestore reports whether stmt is the UPDATE Restore builds: of the
// mode's table, setting its deleted column to its live value, and its
// companion and actor columns to NULL.
func (w *rewrite) isRestore(stmt *pg.Node) bool {
	u := stmt.GetUpdateStmt()
	t, ok := w.e.table(w.m.Restore)
	// An exact restore (Mode.Stamp) first sets the column to its token.
	if u == nil || !ok || u.Relation.Relname != t.Name || len(u.FromClause) > 0 || u.WithClause != nil || u.ReturningList != nil || !t.isRestoreSet(u.TargetList, w.restoreToken()) {
		return false
	}
	w.changed = true
	return true
}

// wholeTable refuses a statement that would destroy, move or expose every
// row of a soft-delete table, unless the mode lets it see them all and
// forces it, and it runs now (not stored by PREPARE, which runs it later
// under any mode).
func (w *rewrite) wholeTable(name, what string, location int32, effect string) {
	t, ok := w.e.table(name)
	if !ok {
		return
	}
	if w.m.Force && !w.m.OnlyPrimary && w.filterFor(t.Name) == engine.FilterAll && w.deferred == 0 {
		return
	}
	if effect == "" {
		effect = "destroy every row of " + t.Name + ", soft-deleted rows included"
	}
	w.refuse(t.Name, destroyFix, "%s at offset %d would %s", what, location, effect)
}

// mergeStmt refuses MERGE into or from a soft-delete table: its actions
// (DELETE, UPDATE, INSERT on no match) cannot be filtered as one.
func (w *rewrite) mergeStmt(m *pg.MergeStmt) {
	w.handled[m.Relation] = true
	w.wholeTable(m.Relation.Relname, "MERGE", m.Relation.Location, "match, update and delete "+m.Relation.Relname+"'s soft-deleted rows too")
	if rv := m.SourceRelation.GetRangeVar(); rv != nil {
		w.handled[rv] = true
		w.wholeTable(rv.Relname, "MERGE", rv.Location, "read "+rv.Relname+"'s soft-deleted rows too; use a subquery as the source")
	}
}

// copyStmt lets COPY ... FROM into a soft-delete table through (it adds
// rows) and refuses COPY ... TO of one unless the mode shows every row;
// COPY (query) TO is filtered as a query.
func (w *rewrite) copyStmt(c *pg.CopyStmt) {
	if c.Relation == nil {
		return
	}
	t, ok := w.e.table(c.Relation.Relname)
	if !ok || c.IsFrom || w.filterFor(t.Name) == engine.FilterAll {
		return
	}
	w.refuse(t.Name, orRaw(fmt.Sprintf("copy a query, which softdelete filters: COPY (SELECT * FROM %s) TO ...", t.Name)),
		"COPY %s TO at offset %d reads every row of %s, soft-deleted rows included", t.Name, c.Relation.Location, t.Name)
}

// utility applies the rules of the statements that are not queries:
// whole-table refusals, and the settings that change how the server reads
// SQL text.
func (w *rewrite) utility(n any) {
	switch n := n.(type) {
	case *pg.TruncateStmt:
		for _, r := range n.Relations {
			if rv := r.GetRangeVar(); rv != nil {
				w.wholeTable(rv.Relname, "TRUNCATE", rv.Location, "")
			}
		}
	case *pg.DropStmt:
		if n.RemoveType == pg.ObjectType_OBJECT_TABLE || n.RemoveType == pg.ObjectType_OBJECT_FOREIGN_TABLE {
			for _, o := range n.Objects {
				if items := o.GetList().GetItems(); len(items) > 0 {
					w.wholeTable(items[len(items)-1].GetString_().GetSval(), "DROP TABLE", 0, "")
				}
			}
		}
	case *pg.RenameStmt:
		w.renameStmt(n)
	case *pg.AlterTableStmt:
		w.alterTable(n)
	case *pg.VariableSetStmt:
		w.setting(n)
	case *pg.DoStmt, *pg.CreateFunctionStmt:
		w.opaqueBody()
	}
}

// opaqueBody refuses a DO block or a function whose body names a
// soft-delete table, or a U&"..." name softdelete cannot read there: the
// server runs it unseen, a DELETE in it hard, and a function's later
// under any mode. Only the raw passthrough, or WithForce with every such
// table shown whole, sends it.
func (w *rewrite) opaqueBody() {
	fix := orRaw("write the SQL the body runs as statements of its own, which softdelete filters")
	if strings.Contains(strings.ToLower(w.text), `u&"`) {
		w.refuse(w.e.firstTableIn(w.text), fix, "the body has a U&\"...\" name, which could name a soft-delete table softdelete cannot see, and the server runs it unseen")
		return
	}
	for _, t := range w.e.tablesIn(w.text) {
		if !w.m.Force || w.filterFor(t) != engine.FilterAll {
			w.refuse(t, fix, "the body names %s, and the server runs it unseen by softdelete (a DELETE in it is a hard DELETE)", t)
			return
		}
	}
}

// renameStmt refuses renaming a soft-delete table or its deleted column.
func (w *rewrite) renameStmt(r *pg.RenameStmt) {
	if r.Relation == nil {
		return
	}
	t, ok := w.e.table(r.Relation.Relname)
	if !ok {
		return
	}
	switch {
	case r.RenameType == pg.ObjectType_OBJECT_TABLE:
		w.wholeTable(t.Name, "ALTER TABLE ... RENAME", r.Relation.Location, "move every row of "+t.Name+" out of it, soft-deleted rows included")
	case r.RenameType == pg.ObjectType_OBJECT_COLUMN && serverName(r.Subname) == t.Column:
		w.wholeTable(t.Name, "ALTER TABLE ... RENAME COLUMN "+t.Column, r.Relation.Location, "erase the deletion marks of "+t.Name+", making its soft-deleted rows live")
	}
}

// alterTable refuses dropping or retyping the deleted column.
func (w *rewrite) alterTable(a *pg.AlterTableStmt) {
	if a.Relation == nil {
		return
	}
	t, ok := w.e.table(a.Relation.Relname)
	if !ok {
		return
	}
	for _, c := range a.Cmds {
		cmd := c.GetAlterTableCmd()
		if cmd == nil || serverName(cmd.Name) != t.Column {
			continue
		}
		switch cmd.Subtype {
		case pg.AlterTableType_AT_DropColumn, pg.AlterTableType_AT_AlterColumnType:
			w.wholeTable(t.Name, "ALTER TABLE ... "+strings.TrimPrefix(cmd.Subtype.String(), "AT_")+" "+t.Column, a.Relation.Location, "erase the deletion marks of "+t.Name+", making its soft-deleted rows live")
		}
	}
}
