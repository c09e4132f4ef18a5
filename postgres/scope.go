package postgres

import (
	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/softdelete-go/softdelete/internal/engine"
	"google.golang.org/protobuf/proto"
)

// filterFor returns what the statement may see of the table name.
func (w *rewrite) filterFor(name string) engine.Filter {
	if w.m.OnlyPrimary && name == w.primary {
		return engine.FilterDeleted
	}
	for _, t := range w.m.Tables {
		if t.Name == name {
			return t.Filter
		}
	}
	if w.m.IncludeAll {
		return engine.FilterAll
	}
	return engine.FilterLive
}

// ref is how a predicate names a table reference: its alias, else its
// name (PostgreSQL exposes a schema-qualified table by its bare name).
func ref(rv *pg.RangeVar) string {
	if rv.Alias != nil {
		return rv.Alias.Aliasname
	}
	return rv.Relname
}

// nullTest is ref.col IS NULL, or IS NOT NULL.
func nullTest(ref, col string, isNull bool) *pg.Node {
	t := pg.NullTestType_IS_NULL
	if !isNull {
		t = pg.NullTestType_IS_NOT_NULL
	}
	return &pg.Node{Node: &pg.Node_NullTest{NullTest: &pg.NullTest{
		Arg:          pg.MakeColumnRefNode([]*pg.Node{pg.MakeStrNode(ref), pg.MakeStrNode(col)}, -1),
		Nulltesttype: t, Location: -1,
	}}}
}

// tablePred returns the predicate a reference to a soft-delete table
// needs, or nil (for a plain table, or one the mode shows whole). It marks
// the reference handled.
func (w *rewrite) tablePred(rv *pg.RangeVar) *pg.Node {
	t, ok := w.e.table(rv.Relname)
	if !ok {
		return nil
	}
	w.handled[rv] = true
	f := w.filterFor(t.Name)
	if w.deferred > 0 && f != engine.FilterLive {
		w.refuse(t.Name, orRaw("create it in the default mode, which stores the filter of live rows with it"),
			"the statement stores a query that runs later, and its read of %s at offset %d would keep this call's mode", t.Name, rv.Location)
		return nil
	}
	if f == engine.FilterAll {
		return nil
	}
	w.changed = true
	return t.predicate(ref(rv), f == engine.FilterLive)
}

// and returns where AND preds.
func and(where *pg.Node, preds []*pg.Node) *pg.Node {
	if len(preds) == 0 {
		return where
	}
	args := preds
	if where != nil {
		args = append([]*pg.Node{where}, preds...)
	}
	if len(args) == 1 {
		return args[0]
	}
	return pg.MakeBoolExprNode(pg.BoolExprType_AND_EXPR, args, -1)
}

// selectStmt filters the FROM list of a SELECT.
func (w *rewrite) selectStmt(n *pg.SelectStmt) {
	preds := w.fromList(n.FromClause)
	n.WhereClause = and(n.WhereClause, preds)
}

// fromList returns the predicates the tables of a FROM list need in the
// WHERE; those of the nullable side of an outer join go in its ON.
func (w *rewrite) fromList(items []*pg.Node) []*pg.Node {
	var preds []*pg.Node
	for _, it := range items {
		preds = append(preds, w.fromItem(it)...)
	}
	return preds
}

// fromItem returns the predicates that rows of one FROM item must meet.
func (w *rewrite) fromItem(n *pg.Node) []*pg.Node {
	switch {
	case n.GetRangeVar() != nil:
		rv := n.GetRangeVar()
		p := w.tablePred(rv)
		switch {
		case p == nil:
		case rv.Alias != nil && len(rv.Alias.Colnames) > 0:
			// An alias list renames the columns (u(id, deleted_at)
			// may name another column deleted_at): filter the table
			// inside, under its own names.
			n.Node = &pg.Node_RangeSubselect{RangeSubselect: derived(rv, []*pg.Node{p})}
		default:
			return []*pg.Node{p}
		}
	case n.GetJoinExpr() != nil:
		return w.join(n.GetJoinExpr())
	}
	return nil
}

// join places the predicates of a join's sides: an inner join passes them
// up; the nullable side of an outer join needs them before it is
// null-extended: in the ON, or, for USING and NATURAL joins and FULL
// joins, inside the side.
func (w *rewrite) join(j *pg.JoinExpr) []*pg.Node {
	l, r := w.fromItem(j.Larg), w.fromItem(j.Rarg)
	switch j.Jointype {
	case pg.JoinType_JOIN_INNER:
		return append(l, r...)
	case pg.JoinType_JOIN_LEFT:
		w.intoSide(j, j.Rarg, r)
		return l
	case pg.JoinType_JOIN_RIGHT:
		w.intoSide(j, j.Larg, l)
		return r
	case pg.JoinType_JOIN_FULL:
		w.inside(j.Larg, l)
		w.inside(j.Rarg, r)
		return nil
	}
	if len(l)+len(r) > 0 {
		w.refuse("", orRaw("write the join as INNER, LEFT, RIGHT or FULL"), "softdelete cannot filter a join of kind %s", j.Jointype)
	}
	return nil
}

// intoSide applies the predicates of the nullable side of an outer join:
// in its ON when it has one, else inside the side.
func (w *rewrite) intoSide(j *pg.JoinExpr, side *pg.Node, preds []*pg.Node) {
	if len(preds) == 0 {
		return
	}
	if j.Quals != nil {
		j.Quals = and(j.Quals, preds)
		return
	}
	w.inside(side, preds)
}

// inside applies predicates to the rows of a FROM item before a join sees
// them: a table becomes a derived table of its rows that meet them; an
// inner join with an ON takes them in its ON.
func (w *rewrite) inside(side *pg.Node, preds []*pg.Node) {
	if len(preds) == 0 {
		return
	}
	if rv := side.GetRangeVar(); rv != nil {
		side.Node = &pg.Node_RangeSubselect{RangeSubselect: derived(rv, preds)}
		return
	}
	if j := side.GetJoinExpr(); j != nil && j.Jointype == pg.JoinType_JOIN_INNER && j.Quals != nil && !j.IsNatural {
		j.Quals = and(j.Quals, preds)
		return
	}
	w.refuse(w.e.firstTableIn(w.text), orRaw("join the soft-delete table with ON, or filter it in a subquery by hand under softdelete.WithIncludeDeleted(ctx)"),
		"softdelete cannot filter the side of a FULL, USING or NATURAL outer join that is itself a USING, NATURAL or outer join")
}

// derived returns (SELECT * FROM t WHERE preds) AS alias, for a table rv
// whose predicates name it by ref(rv).
func derived(rv *pg.RangeVar, preds []*pg.Node) *pg.RangeSubselect {
	alias := rv.Alias
	if alias == nil {
		alias = &pg.Alias{Aliasname: rv.Relname}
	}
	inner := proto.Clone(rv).(*pg.RangeVar)
	inner.Alias = &pg.Alias{Aliasname: ref(rv)}
	sel := &pg.SelectStmt{
		TargetList:  []*pg.Node{pg.MakeResTargetNodeWithVal(pg.MakeColumnRefNode([]*pg.Node{pg.MakeAStarNode()}, -1), -1)},
		FromClause:  []*pg.Node{{Node: &pg.Node_RangeVar{RangeVar: inner}}},
		WhereClause: and(nil, preds),
	}
	return &pg.RangeSubselect{Subquery: &pg.Node{Node: &pg.Node_SelectStmt{SelectStmt: sel}}, Alias: alias}
}

// primaryOf returns the primary table of a statement: the first table of
// its outermost FROM (through joins, derived tables and set operations),
// the target of a write; "" when there is none.
func primaryOf(n *pg.Node) string {
	switch {
	case n == nil:
		return ""
	case n.GetSelectStmt() != nil:
		s := n.GetSelectStmt()
		for s.Larg != nil {
			s = s.Larg
		}
		if len(s.FromClause) == 0 {
			return ""
		}
		return primaryOf(s.FromClause[0])
	case n.GetRangeVar() != nil:
		return n.GetRangeVar().Relname
	case n.GetJoinExpr() != nil:
		return primaryOf(n.GetJoinExpr().Larg)
	case n.GetRangeSubselect() != nil:
		return primaryOf(n.GetRangeSubselect().Subquery)
	case n.GetUpdateStmt() != nil:
		return n.GetUpdateStmt().Relation.GetRelname()
	case n.GetDeleteStmt() != nil:
		return n.GetDeleteStmt().Relation.GetRelname()
	case n.GetInsertStmt() != nil:
		return primaryOf(n.GetInsertStmt().SelectStmt)
	case n.GetExplainStmt() != nil:
		return primaryOf(n.GetExplainStmt().Query)
	}
	return ""
}
