package softdelete

import (
	"fmt"
	"strings"

	"github.com/xwb1989/sqlparser"
)

// This file is the scope stage of the rewriter: a scope walks a parsed
// statement, resolves its tables and primary table, and adds the filters;
// scope_filter.go places them in FROM lists and joins, scope_write.go
// rewrites UPDATE, DELETE and Restore.

// analyze rewrites a parsed statement in its scope and cross-checks the
// parse against the lexer; it returns the statement to print and the scope.
func (r *rewriter) analyze(st *sourceStatement, stmt sqlparser.Statement, m *mode) (sqlparser.Statement, *scope, error) {
	s := &scope{r: r, m: m, st: st}
	out := s.statement(stmt)
	s.scopeCTEs()
	st.forms.addMods(out)
	if err := r.crossCheck(st, stmt, s.seen); err != nil {
		return nil, nil, err
	}
	if s.err != nil {
		return nil, nil, s.err
	}
	return out, s, nil
}

// scope is the state of one statement's rewrite.
type scope struct {
	r         *rewriter
	m         *mode
	st        *sourceStatement
	primary   string                               // the primary table, for WithOnlyDeleted()
	stamp     map[*sqlparser.AliasedTableExpr]bool // targets of a soft DELETE
	changed   bool
	writing   map[string]bool      // in the SET of an UPDATE: the tables it writes, lower case
	firstSoft string               // the first soft-delete table met, for messages
	seen      []string             // the soft-delete tables met as tables
	ands      []*sqlparser.AndExpr // the conjunctions the scope built
	err       error
}

// refuse notes the first refusal of the statement: the table, the fix (see
// RefusedError.Fix) and the reason, formatted.
func (s *scope) refuse(table, fix, format string, args ...any) {
	if s.err == nil {
		s.err = &RefusedError{Table: table, Reason: fmt.Sprintf(format, args...), Fix: fix}
	}
}

// soft returns the soft-delete table a table name refers to, or nil.
func (s *scope) soft(tn sqlparser.TableName) *softTable {
	t := s.r.tables.lookup(tn.Name.String())
	if t != nil {
		if s.firstSoft == "" {
			s.firstSoft = t.name
		}
		if !contains(s.seen, t.name) {
			s.seen = append(s.seen, t.name)
		}
	}
	return t
}

// filterFor returns what the statement may see of table t.
func (s *scope) filterFor(t *softTable) filter {
	if s.m.onlyPrimary && t.name == s.primary {
		return filterDeleted
	}
	if f, ok := s.m.filterOf(t.name); ok {
		return f
	}
	if s.m.includeAll {
		return filterAll
	}
	return filterLive
}

// ref is how a predicate names the table of te: its alias, else its name.
func ref(te *sqlparser.AliasedTableExpr, tn sqlparser.TableName) sqlparser.TableName {
	if !te.As.IsEmpty() {
		return sqlparser.TableName{Name: te.As}
	}
	return tn
}

// statement rewrites a parsed statement in place and returns the statement
// to print, which differs from stmt when a DELETE became an UPDATE.
func (s *scope) statement(stmt sqlparser.Statement) sqlparser.Statement {
	switch n := stmt.(type) {
	case sqlparser.SelectStatement:
		s.setPrimary(primaryTable(n), "the statement")
		s.selectStatement(n)
	case *sqlparser.Insert:
		if qualifiedInsertColumn(s.st) {
			s.refuse(s.r.firstTableIn(s.st.text), orRaw("write the column names alone"), "the INSERT column list names a qualified column, whose qualifier sqlparser drops")
			return n
		}
		s.checkForms(n.Table)
		target := s.soft(n.Table)
		if n.Action == sqlparser.ReplaceStr && target != nil && !s.m.force {
			s.refuse(target.name, upsertFix(s.r.d, target.name), "REPLACE deletes the rows it replaces, a soft-deleted row included")
			return n
		}
		if sel, ok := n.Rows.(sqlparser.SelectStatement); ok {
			s.setPrimary(primaryTable(sel), "the INSERT's SELECT")
			s.selectStatement(sel)
		} else {
			s.setPrimary("", "an INSERT ... VALUES")
			s.subqueries(n.Rows)
		}
		s.subqueries(n.OnDup)
	case *sqlparser.Update:
		s.setPrimary(primaryTable(n.TableExprs), "the UPDATE")
		s.update(n)
	case *sqlparser.Delete:
		return s.delete(n)
	case *sqlparser.Set:
		s.subqueries(n.Exprs)
	case *sqlparser.DDL:
		// TRUNCATE, DROP, renames: see checkWholeTable.
		if s.st.has("select") && !s.m.includeAll {
			s.refuse(s.r.firstTableIn(s.st.text), s.r.byHandFix(s.st, s.r.firstTableIn(s.st.text)), "CREATE ... AS SELECT is DDL, sent as written, so its SELECT at offset %d would copy soft-deleted rows", s.st.offsetOf("select"))
		}
	}
	return stmt
}

// qualifiedInsertColumn reports whether the column list of an INSERT or
// REPLACE names a column with a qualifier (INSERT INTO t (t.a) ...), which
// sqlparser reads as the bare column: MySQL checks the qualifier.
func qualifiedInsertColumn(st *sourceStatement) bool {
	for _, w := range st.words[1:] {
		switch {
		case w.depth == 0 && !w.quoted && keywordOf(w.lower).is(kwAfterInsertList):
			return false // past the column list
		case w.depth == 1 && !w.quoted && keywordOf(w.lower).is(kwStatement):
			return false // INSERT INTO t (SELECT ...)
		case w.depth == 1 && w.qualified:
			return true
		}
	}
	return false
}

// setPrimary resolves the primary table for WithOnlyDeleted().
func (s *scope) setPrimary(name, what string) {
	s.primary = name
	if !s.m.onlyPrimary {
		return
	}
	if name == "" || s.r.tables.lookup(name) == nil {
		if name == "" {
			name = "(no table)"
		}
		s.refuse(s.r.firstTableIn(s.st.text), fmt.Sprintf("name the soft-delete tables whose deleted rows it should see: softdelete.WithOnlyDeleted(ctx, %q)", s.r.firstTableIn(s.st.text)),
			"WithOnlyDeleted() with no table applies to the primary table of %s, %s, which is not a soft-delete table", what, name)
	}
}

// primaryTable returns the primary table of a SELECT statement or a FROM
// list (an UPDATE's tables), lower case: the first table of the outermost
// FROM, through derived tables and joins; "" when there is none.
func primaryTable(node sqlparser.SQLNode) string {
	exprs, ok := node.(sqlparser.TableExprs)
	if !ok {
		sel := firstSelect(node)
		if sel == nil {
			return ""
		}
		exprs = sel.From
	}
	if len(exprs) == 0 || isDual(exprs) {
		return ""
	}
	switch n := exprs[0].(type) {
	case *sqlparser.AliasedTableExpr:
		switch e := n.Expr.(type) {
		case sqlparser.TableName:
			return strings.ToLower(e.Name.String())
		case *sqlparser.Subquery:
			return primaryTable(e.Select)
		}
	case *sqlparser.ParenTableExpr:
		return primaryTable(n.Exprs)
	case *sqlparser.JoinTableExpr:
		return primaryTable(sqlparser.TableExprs{n.LeftExpr})
	}
	return ""
}

// selectStatement filters the tables of a SELECT (or UNION) and rewrites
// its subqueries.
func (s *scope) selectStatement(ss sqlparser.SelectStatement) {
	switch n := ss.(type) {
	case *sqlparser.Select:
		preds := s.filterTables(n.From)
		s.subqueries(n.SelectExprs, n.Where, n.GroupBy, n.Having, n.OrderBy, n.Limit)
		n.Where = s.and(n.Where, preds)
	case *sqlparser.Union:
		s.selectStatement(n.Left)
		s.selectStatement(n.Right)
		s.subqueries(n.OrderBy, n.Limit)
	case *sqlparser.ParenSelect:
		s.selectStatement(n.Select)
	}
}

// subqueries rewrites every subquery in nodes, each in its own scope of
// tables.
func (s *scope) subqueries(nodes ...sqlparser.SQLNode) {
	for _, n := range nodes {
		s.findSubqueries(n)
	}
}

// findSubqueries rewrites the subqueries in node. It descends the common
// expression nodes itself (sqlparser.Walk allocates for every identifier)
// and hands every other kind of node to sqlparser.Walk, so none is missed.
func (s *scope) findSubqueries(node sqlparser.SQLNode) {
	switch n := node.(type) {
	case nil, *sqlparser.ColName, *sqlparser.SQLVal, *sqlparser.NullVal, sqlparser.BoolVal, *sqlparser.StarExpr:
	case *sqlparser.Subquery:
		s.selectStatement(n.Select)
	case *sqlparser.Where:
		if n != nil {
			s.findSubqueries(n.Expr)
		}
	case *sqlparser.Limit:
		if n != nil {
			s.findSubqueries(n.Offset)
			s.findSubqueries(n.Rowcount)
		}
	case *sqlparser.AndExpr:
		s.findSubqueries(n.Left)
		s.findSubqueries(n.Right)
	case *sqlparser.OrExpr:
		s.findSubqueries(n.Left)
		s.findSubqueries(n.Right)
	case *sqlparser.NotExpr:
		s.findSubqueries(n.Expr)
	case *sqlparser.ParenExpr:
		s.findSubqueries(n.Expr)
	case *sqlparser.IsExpr:
		s.findSubqueries(n.Expr)
	case *sqlparser.ComparisonExpr:
		s.findSubqueries(n.Left)
		s.findSubqueries(n.Right)
		s.findSubqueries(n.Escape)
	case *sqlparser.RangeCond:
		s.findSubqueries(n.Left)
		s.findSubqueries(n.From)
		s.findSubqueries(n.To)
	case *sqlparser.BinaryExpr:
		s.findSubqueries(n.Left)
		s.findSubqueries(n.Right)
	case *sqlparser.ExistsExpr:
		s.findSubqueries(n.Subquery)
	case sqlparser.ValTuple:
		for _, e := range n {
			s.findSubqueries(e)
		}
	case *sqlparser.FuncExpr:
		s.findSubqueries(n.Exprs)
	case sqlparser.SelectExprs:
		for _, e := range n {
			s.findSubqueries(e)
		}
	case *sqlparser.AliasedExpr:
		s.findSubqueries(n.Expr)
	case sqlparser.GroupBy:
		for _, e := range n {
			s.findSubqueries(e)
		}
	case sqlparser.OrderBy:
		for _, o := range n {
			s.findSubqueries(o.Expr)
		}
	default:
		_ = sqlparser.Walk(func(node sqlparser.SQLNode) (bool, error) {
			if sq, ok := node.(*sqlparser.Subquery); ok {
				s.selectStatement(sq.Select)
				return false, nil
			}
			return true, nil
		}, node)
	}
}
