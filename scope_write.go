package softdelete

import (
	"strings"

	"github.com/xwb1989/sqlparser"
)

// This file rewrites the statements that write rows: UPDATE (and
// Restore's UPDATE), and DELETE, which becomes an UPDATE that stamps.

// update filters the tables of an UPDATE. An UPDATE that un-deletes rows
// is refused where it can match none, unless it is Restore's own.
func (s *scope) update(n *sqlparser.Update) {
	if s.m.restore != "" {
		if s.restoreTarget(n) == nil {
			return
		}
		s.changed = true
	} else {
		s.checkUndelete(n)
		if te, ok := n.TableExprs[0].(*sqlparser.AliasedTableExpr); ok {
			if tn, ok := te.Expr.(sqlparser.TableName); ok {
				s.checkForms(tn) // UPDATE OR REPLACE
			}
		}
	}
	preds := s.filterTables(n.TableExprs)
	s.noteWriting(n.TableExprs[:1]) // its target (an UPDATE ... FROM list follows it), for the subqueries of its SET, which read it mid-write
	s.subqueries(n.Exprs)
	s.writing = nil
	s.subqueries(n.Where, n.OrderBy, n.Limit)
	n.Where = s.and(n.Where, preds)
}

// noteWriting notes the tables an UPDATE writes: the subqueries of its
// SET read them while the UPDATE writes them (the rows to write
// are chosen first, so its WHERE reads them as they were).
func (s *scope) noteWriting(exprs sqlparser.TableExprs) {
	_ = sqlparser.Walk(func(node sqlparser.SQLNode) (bool, error) {
		switch n := node.(type) {
		case *sqlparser.Subquery:
			return false, nil
		case sqlparser.TableName:
			if s.writing == nil {
				s.writing = map[string]bool{}
			}
			s.writing[strings.ToLower(n.Name.String())] = true
		}
		return true, nil
	}, exprs)
}

// restoreTarget checks that an UPDATE under Restore is the one
// restoreStatement built: of the mode's table, setting its deleted column
// only.
func (s *scope) restoreTarget(n *sqlparser.Update) *softTable {
	if len(n.TableExprs) == 1 {
		if te, ok := n.TableExprs[0].(*sqlparser.AliasedTableExpr); ok {
			if tn, ok := te.Expr.(sqlparser.TableName); ok {
				if t := s.soft(tn); t != nil && t.name == s.m.restore && s.isRestoreUpdate(t, n.Exprs) {
					s.st.actorDep = s.r.actor != ""
					return t
				}
			}
		}
	}
	s.refuse(s.r.firstTableIn(s.st.text), "pass Restore a table and a condition only", "Restore built a statement it does not recognise: the condition must not change the UPDATE")
	return nil
}

// restoresActor reports whether e is the SET item of Restore's UPDATE
// that clears t's actor column.
func (s *scope) restoresActor(t *softTable, e *sqlparser.UpdateExpr) bool {
	name := s.r.actorColumnOf(t)
	v, ok := e.Expr.(*sqlparser.NullVal)
	return name != "" && v != nil && ok && e.Name.Qualifier.IsEmpty() && e.Name.Name.EqualString(name)
}

// delete rewrites a DELETE: on soft-delete tables, unless forced, into an
// UPDATE that stamps the deleted column of rows not yet stamped.
func (s *scope) delete(n *sqlparser.Delete) sqlparser.Statement {
	targets := s.deleteTargets(n)
	if targets == nil {
		return n
	}
	var softNames, plainNames []string
	var softTargets []*softTable
	for _, te := range targets {
		tn, _ := te.Expr.(sqlparser.TableName)
		if t := s.soft(tn); t != nil {
			softNames = append(softNames, t.name)
			softTargets = append(softTargets, t)
		} else {
			plainNames = append(plainNames, sqlparser.String(tn))
		}
	}
	s.setPrimary(strings.ToLower(targetName(targets[0])), "the DELETE")
	if s.err != nil {
		return n
	}
	if len(softNames) == 0 || s.m.force {
		// A real DELETE: its tables are filtered like any read, so it
		// deletes only the rows the statement sees.
		preds := s.filterTables(n.TableExprs)
		s.subqueries(n.Where, n.OrderBy, n.Limit)
		n.Where = s.and(n.Where, preds)
		return n
	}
	if len(plainNames) > 0 {
		s.refuse(softNames[0], orRaw("split it into a DELETE of the soft-delete tables and one of the plain tables, or use softdelete.WithForce(ctx) to delete the rows of all of them for good"),
			"a DELETE from both soft-delete tables (%s) and plain tables (%s) cannot both stamp and delete in one statement",
			strings.Join(softNames, ", "), strings.Join(plainNames, ", "))
		return n
	}
	set := s.stamps(n, targets, softTargets)
	if set == nil {
		return n
	}
	preds := s.filterTables(n.TableExprs)
	s.subqueries(n.Where, n.OrderBy, n.Limit)
	s.changed = true
	return &sqlparser.Update{
		Comments:   n.Comments,
		TableExprs: n.TableExprs,
		Exprs:      set,
		Where:      s.and(n.Where, preds),
		OrderBy:    n.OrderBy,
		Limit:      n.Limit,
	}
}

// deleteTargets returns the tables a DELETE removes rows from, or nil
// (with the scope's refusal) when a target names none of its tables.
func (s *scope) deleteTargets(n *sqlparser.Delete) []*sqlparser.AliasedTableExpr {
	if len(n.Targets) == 0 {
		te, _ := n.TableExprs[0].(*sqlparser.AliasedTableExpr)
		if len(n.Partitions) > 0 {
			te.Partitions, n.Partitions = n.Partitions, nil
		}
		return []*sqlparser.AliasedTableExpr{te}
	}
	var targets []*sqlparser.AliasedTableExpr
	for _, tn := range n.Targets {
		te := findTable(n.TableExprs, tn)
		if te == nil {
			s.refuse(s.r.firstTableIn(s.st.text), orRaw("name each DELETE target as its FROM clause names it (by alias where it has one)"), "softdelete cannot find the DELETE target %s among its tables", sqlparser.String(tn))
			return nil
		}
		targets = append(targets, te)
	}
	return targets
}

// stamps returns the SET of the UPDATE a soft DELETE becomes: each
// target's deleted column stamped with the current time; nil (with the
// scope's refusal) under WithOnlyDeleted, where it would stamp rows
// already deleted. It marks the targets whose filter the stamp implies.
func (s *scope) stamps(n *sqlparser.Delete, targets []*sqlparser.AliasedTableExpr, softTargets []*softTable) sqlparser.UpdateExprs {
	s.stamp = make(map[*sqlparser.AliasedTableExpr]bool, len(targets))
	var set sqlparser.UpdateExprs
	for i, te := range targets {
		t := softTargets[i]
		if s.filterFor(t) == filterDeleted {
			s.refuse(t.name, "to delete these rows for good add WithForce: softdelete.WithForce(softdelete.WithOnlyDeleted(ctx)) purges the deleted rows only; softdelete.Restore un-deletes them",
				"a soft DELETE under WithOnlyDeleted would stamp rows already deleted")
			return nil
		}
		var q sqlparser.TableName
		if len(n.Targets) > 0 && (s.st.forms == nil || !s.st.forms.deleteAlias) { // SQLite's SET names no table
			q = ref(te, te.Expr.(sqlparser.TableName))
		}
		var override sqlparser.Expr
		if s.m.stamp != nil { // a cascade's own stamp (cascade.go), for time markers
			s.m.stamp.targets = append(s.m.stamp.targets, t)
			if !t.kind.numeric() {
				override = s.m.stamp.expr
			}
		}
		// Under WithIncludeDeleted the ORDER BY ... LIMIT counts deleted
		// rows too: select the same rows, and keep the stamps of those
		// already deleted.
		keepDeleted := s.filterFor(t) == filterAll && n.Limit != nil
		if !keepDeleted {
			s.stamp[te] = true
		}
		if a := s.actorStamp(t, q, keepDeleted); a != nil {
			set = append(set, a)
		}
		set = append(set, t.stampExprsWith(q, keepDeleted, override)...)
	}
	return set
}

// actorStamp returns the SET item that records the actor of a soft DELETE
// of t (see actor.go), or nil when t has no actor column or the statement
// cannot take the actor (then with the scope's refusal). q qualifies t's
// columns as the SET names them; with keep, rows already deleted keep
// their actor. It comes before the marker's assignment, whose old value
// it reads (MySQL's single-table UPDATE reads new values left to right).
func (s *scope) actorStamp(t *softTable, q sqlparser.TableName, keep bool) *sqlparser.UpdateExpr {
	if s.r.actor == "" {
		return nil
	}
	s.st.actorDep = true
	name := s.r.actorColumnOf(t)
	if name == "" {
		return nil
	}
	param, err := s.r.actorParam(s.st)
	if err != nil {
		if s.err == nil {
			s.err = err
		}
		return nil
	}
	s.st.actorParam = param
	col := &sqlparser.ColName{Name: sqlparser.NewColIdent(name), Qualifier: q}
	var live sqlparser.Expr
	if keep {
		live = t.predicate(q, filterLive)
	}
	return actorSet(col, live)
}

// isRestoreSet reports whether set is the SET of Restore's UPDATE of t
// (restoreSet): its marker, then its companion if it has one.
func isRestoreSet(t *softTable, set sqlparser.UpdateExprs) bool {
	if t.companion == "" {
		return len(set) == 1 && set[0].Name.Name.EqualString(t.column)
	}
	return len(set) == 2 && set[0].Name.Name.EqualString(t.column) && set[1].Name.Name.EqualString(t.companion)
}

// isRestoreUpdate reports whether set is the SET of Restore's UPDATE of t:
// restoreSet, then the actor column cleared when t has one.
func (s *scope) isRestoreUpdate(t *softTable, set sqlparser.UpdateExprs) bool {
	if n := len(set); n > 0 && s.restoresActor(t, set[n-1]) && isRestoreSet(t, set[:n-1]) {
		return true
	}
	return isRestoreSet(t, set)
}

// targetName returns the name of a DELETE target's table, or "".
func targetName(te *sqlparser.AliasedTableExpr) string {
	if tn, ok := te.Expr.(sqlparser.TableName); ok {
		return tn.Name.String()
	}
	return ""
}

// findTable finds the table a multi-table DELETE target names: by alias,
// or by name where the table has no alias.
func findTable(exprs sqlparser.TableExprs, target sqlparser.TableName) *sqlparser.AliasedTableExpr {
	for _, te := range exprs {
		switch n := te.(type) {
		case *sqlparser.AliasedTableExpr:
			tn, ok := n.Expr.(sqlparser.TableName)
			if !ok {
				continue
			}
			if !n.As.IsEmpty() {
				if target.Qualifier.IsEmpty() && strings.EqualFold(n.As.String(), target.Name.String()) {
					return n
				}
				continue
			}
			if strings.EqualFold(tn.Name.String(), target.Name.String()) &&
				(target.Qualifier.IsEmpty() || strings.EqualFold(tn.Qualifier.String(), target.Qualifier.String())) {
				return n
			}
		case *sqlparser.ParenTableExpr:
			if f := findTable(n.Exprs, target); f != nil {
				return f
			}
		case *sqlparser.JoinTableExpr:
			if f := findTable(sqlparser.TableExprs{n.LeftExpr, n.RightExpr}, target); f != nil {
				return f
			}
		}
	}
	return nil
}
