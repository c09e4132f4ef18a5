package softdelete

import (
	"strings"

	"github.com/xwb1989/sqlparser"
)

// This file places the filters of a scope's tables: in the WHERE, or in
// the ON of the outer join whose nullable side a table is.

// filterTables filters the tables of a FROM list (or UPDATE/DELETE table list)
// and returns the predicates that belong in the WHERE.
//
// SQLite gives a comma the precedence of JOIN (MySQL, whose grammar
// sqlparser follows, a lower one): there "a, b RIGHT JOIN c" is
// "(a, b) RIGHT JOIN c", so the tables before the comma are on the
// nullable side and their predicates go into that join's ON.
func (s *scope) filterTables(exprs sqlparser.TableExprs) []sqlparser.Expr {
	if name := s.sharedRefName(exprs); name != "" {
		s.refuse(s.firstSoft, orRaw("give one of them another alias"), "two tables of this FROM list are both referred to as %s, so a filter on %s.column could name either", name, name)
		return nil
	}
	var preds []sqlparser.Expr
	for i, te := range exprs {
		if i > 0 && s.r.d.commaBindsLikeJoin && len(preds) > 0 {
			if s.fullJoinOnSpine(te) {
				s.refuse(s.firstSoft, orRaw("put the tables before the comma into the FULL JOIN, or in a derived table"), "SQLite puts the tables before a comma on a nullable side of a FULL JOIN, which has no place for their filter")
				return nil
			}
			if j := rightJoinOnSpine(te); j != nil {
				if j.Condition.On == nil {
					s.refuse(s.firstSoft, orRaw("write the RIGHT JOIN with ON"), "SQLite puts the tables before a comma on the nullable side of a RIGHT JOIN, and a join without ON has no place for their filter")
					return nil
				}
				j.Condition.On = s.andExpr(j.Condition.On, preds)
				preds = nil
			}
		}
		preds = append(preds, s.filterTable(te)...)
	}
	return preds
}

// rightJoinOnSpine returns the first RIGHT JOIN that applies to the
// leftmost table of te (the one a preceding comma joins with in SQLite),
// or nil.
func rightJoinOnSpine(te sqlparser.TableExpr) *sqlparser.JoinTableExpr {
	j, ok := te.(*sqlparser.JoinTableExpr)
	if !ok {
		return nil // a parenthesised join keeps the comma out
	}
	if r := rightJoinOnSpine(j.LeftExpr); r != nil {
		return r
	}
	if j.Join == sqlparser.RightJoinStr || j.Join == sqlparser.NaturalRightJoinStr {
		return j
	}
	return nil
}

// filterTable filters the tables of one table expression. Predicates for the
// nullable side of an outer join go into that join's ON; the others are
// returned, to go into the ON of an enclosing outer join whose nullable side
// this is, or else into the WHERE. An inner join's filters could go either
// way; the WHERE is where people look for them.
func (s *scope) filterTable(te sqlparser.TableExpr) []sqlparser.Expr {
	switch n := te.(type) {
	case *sqlparser.AliasedTableExpr:
		switch e := n.Expr.(type) {
		case sqlparser.TableName:
			if e.Name.IsEmpty() || strings.HasPrefix(n.As.String(), "@") ||
				strings.HasPrefix(e.Name.String(), "@") || strings.HasPrefix(e.Qualifier.String(), "@") {
				s.refuse(s.r.firstTableIn(s.st.text), orRaw("name the table plainly"), "sqlparser read a table reference it cannot print (%q)", sqlparser.String(n))
				return nil
			}
			t := s.soft(e)
			if t == nil {
				if err := s.r.misreadModifier(n); err != nil && s.err == nil {
					s.err = err
				}
				return nil
			}
			f := s.filterFor(t)
			if s.stamp[n] {
				f = filterLive // a soft DELETE stamps live rows only
			}
			if f == filterAll {
				return nil
			}
			return []sqlparser.Expr{t.predicate(ref(n, e), f)}
		case *sqlparser.Subquery:
			s.selectStatement(e.Select)
		}
	case *sqlparser.ParenTableExpr:
		return s.filterTables(n.Exprs)
	case *sqlparser.JoinTableExpr:
		left, right := s.filterTable(n.LeftExpr), s.filterTable(n.RightExpr)
		s.subqueries(n.Condition.On)
		switch n.Join {
		case sqlparser.StraightJoinStr:
			if s.st.forms != nil && s.st.forms.fullJoin { // SQLite's FULL JOIN (segment_forms.go)
				s.filterFullJoin(n, left, right)
				return nil
			}
		case sqlparser.LeftJoinStr, sqlparser.NaturalLeftJoinStr:
			s.filterNullableSide(n, n.RightExpr, right)
			return left
		case sqlparser.RightJoinStr, sqlparser.NaturalRightJoinStr:
			s.filterNullableSide(n, n.LeftExpr, left)
			return right
		}
		return append(left, right...)
	}
	return nil
}

// filterNullableSide puts the predicates of the nullable side of an outer join into its
// ON, so the outer rows stay. A join without ON (USING, NATURAL) gets the
// nullable table wrapped in a filtered derived table instead.
func (s *scope) filterNullableSide(j *sqlparser.JoinTableExpr, side sqlparser.TableExpr, preds []sqlparser.Expr) {
	if len(preds) == 0 {
		return
	}
	if j.Condition.On != nil {
		j.Condition.On = s.andExpr(j.Condition.On, preds)
		return
	}
	te, ok := side.(*sqlparser.AliasedTableExpr)
	tn, isTable := sqlparser.TableName{}, false
	if ok {
		tn, isTable = te.Expr.(sqlparser.TableName)
	}
	if !isTable {
		s.refuse(s.firstSoft, orRaw("write the join with ON"), "a joined group of tables on the nullable side of an outer join without ON (USING or NATURAL) has no place for their filter")
		return
	}
	// The wrapped table is a derived table: it has no schema to qualify
	// it by, and no SQLite rowid.
	if !tn.Qualifier.IsEmpty() || s.r.d.rowid && (s.st.has("rowid") || s.st.has("oid") || s.st.has("_rowid_")) {
		s.refuse(strings.ToLower(tn.Name.String()), orRaw("write the join with ON"), "the nullable side of a USING or NATURAL join is filtered as a derived table, which has no schema qualifier or rowid")
		return
	}
	if s.r.d.readsTargetMidWrite && s.writing[strings.ToLower(tn.Name.String())] {
		s.refuse(strings.ToLower(tn.Name.String()), orRaw("read "+tn.Name.String()+" through a derived table of your own, (SELECT * FROM "+tn.Name.String()+" WHERE ...), if its rows from before the write are what you mean"),
			"the nullable side of this join is %s, which the statement writes: filtered as a derived table it would be read once, before the write, where SQLite reads the table itself row by row as it writes it", tn.Name.String())
		return
	}
	inner := &sqlparser.AliasedTableExpr{Expr: tn, Partitions: te.Partitions, As: te.As, Hints: te.Hints}
	alias := te.As
	if alias.IsEmpty() {
		alias = tn.Name
	}
	*te = sqlparser.AliasedTableExpr{
		Expr: &sqlparser.Subquery{Select: &sqlparser.Select{
			SelectExprs: sqlparser.SelectExprs{&sqlparser.StarExpr{}},
			From:        sqlparser.TableExprs{inner},
			Where:       s.and(nil, preds),
		}},
		As: alias,
	}
}

// and adds predicates to a WHERE, keeping the user's condition in
// parentheses so that its precedence stays.
func (s *scope) and(where *sqlparser.Where, preds []sqlparser.Expr) *sqlparser.Where {
	if len(preds) == 0 {
		return where
	}
	var e sqlparser.Expr
	if where != nil {
		e = where.Expr
	}
	return &sqlparser.Where{Type: sqlparser.WhereStr, Expr: s.andExpr(e, preds)}
}

func (s *scope) andExpr(e sqlparser.Expr, preds []sqlparser.Expr) sqlparser.Expr {
	s.changed = true
	if e != nil {
		_, paren := e.(*sqlparser.ParenExpr)
		if a, ok := e.(*sqlparser.AndExpr); !paren && !(ok && contains(s.ands, a)) {
			e = &sqlparser.ParenExpr{Expr: e}
		}
	}
	for _, p := range preds {
		if e == nil {
			e = p
		} else {
			a := &sqlparser.AndExpr{Left: e, Right: p}
			s.ands = append(s.ands, a)
			e = a
		}
	}
	return e
}

// sharedRefName returns a name by which two sources of exprs (at any join
// depth, not inside subqueries) are referred to, when one of them is a
// soft-delete table, or "": UPDATE posts AS tags ... FROM tags, where
// SQLite would resolve tags.deleted_at to either.
func (s *scope) sharedRefName(exprs sqlparser.TableExprs) string {
	seen := map[string]bool{}
	soft, dup := false, ""
	var walk func(te sqlparser.TableExpr)
	walk = func(te sqlparser.TableExpr) {
		switch n := te.(type) {
		case *sqlparser.AliasedTableExpr:
			name := strings.ToLower(n.As.String())
			if tn, ok := n.Expr.(sqlparser.TableName); ok {
				if s.soft(tn) != nil {
					soft = true
				}
				if name == "" {
					name = strings.ToLower(tn.Name.String())
				}
			}
			if name != "" && seen[name] && dup == "" {
				dup = name
			}
			seen[name] = true
		case *sqlparser.JoinTableExpr:
			walk(n.LeftExpr)
			walk(n.RightExpr)
		case *sqlparser.ParenTableExpr:
			for _, e := range n.Exprs {
				walk(e)
			}
		}
	}
	for _, te := range exprs {
		walk(te)
	}
	if soft {
		return dup
	}
	return ""
}
