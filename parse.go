package softdelete

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xwb1989/sqlparser"
)

// This file is the parse stage of the rewriter: sqlparser reads the
// lexer's parse text, the parse is checked against the lexer's reading,
// and statements sqlparser cannot read are decided on (sent as written,
// rewritten around their RETURNING, or refused).

// misreadModifier returns the refusal for sqlparser's misreading of
// UPDATE LOW_PRIORITY users ...: a MySQL keyword it does not know read as
// a table aliased like a soft-delete table; nil for any other table.
func (r *rewriter) misreadModifier(te *sqlparser.AliasedTableExpr) *RefusedError {
	tn, ok := te.Expr.(sqlparser.TableName)
	if !ok || !keywordOf(strings.ToLower(tn.Name.String())).is(kwModifier) {
		return nil
	}
	t := r.tables.lookup(te.As.String())
	if t == nil {
		return nil
	}
	return &RefusedError{Table: t.name, Reason: "sqlparser read the statement differently from the database: a keyword it does not know became a table aliased " + te.As.String(),
		Fix: orRaw("drop the modifier (LOW_PRIORITY, IGNORE, ...) before the table")}
}

// crossCheck guards against sqlparser reading the text differently from
// the database: every soft-delete table name that the dialect's lexer saw
// as an identifier must appear as an identifier in the AST. If sqlparser
// swallowed part of the statement (as a comment, say), the statement is
// refused rather than sent with a table left unfiltered.
//
// seen lists the soft-delete tables the scope met as tables: when it holds
// every name the lexer saw, which is the usual case, no walk is needed
// (the scope itself refuses a soft-delete name aliasing a plain table).
func (r *rewriter) crossCheck(st *sourceStatement, stmt sqlparser.Statement, seen []string) error {
	switch stmt.(type) {
	case sqlparser.SelectStatement, *sqlparser.Insert, *sqlparser.Update, *sqlparser.Delete, *sqlparser.Set:
	default:
		return nil
	}
	var names map[string]bool
	var misread *RefusedError
	for _, w := range st.words {
		if !w.soft || contains(seen, w.lower) {
			continue
		}
		if names == nil {
			names = make(map[string]bool)
			visit := func(node sqlparser.SQLNode) (bool, error) {
				switch n := node.(type) {
				case *sqlparser.AliasedTableExpr:
					if err := r.misreadModifier(n); err != nil {
						misread = err
					}
				case sqlparser.TableIdent:
					names[strings.ToLower(n.String())] = true
				case sqlparser.ColIdent:
					names[n.Lowered()] = true
				case *sqlparser.FuncExpr:
					names[n.Name.Lowered()] = true
				}
				return true, nil
			}
			_ = sqlparser.Walk(visit, stmt)
			for _, wl := range st.withs { // the CTE bodies (segment.go)
				for _, c := range wl.ctes {
					_ = sqlparser.Walk(visit, c.body)
				}
			}
		}
		if !names[w.lower] {
			return &RefusedError{Table: w.lower, Reason: fmt.Sprintf("sqlparser read the statement differently from the database: the table at offset %d is missing from its parse", st.offset(w)), Fix: orRaw("write the statement in plainer SQL around the table (no MySQL-only modifiers or comments inside it)")}
		}
		if misread != nil {
			return misread
		}
	}
	return nil
}

// parse parses one statement with sqlparser, without its logging.
func parse(text string) (sqlparser.Statement, error) {
	tok := sqlparser.NewStringTokenizer(text)
	stmt, err := sqlparser.ParseNext(tok)
	if err != nil {
		return nil, err
	}
	if _, err := sqlparser.ParseNext(tok); err != io.EOF {
		return nil, fmt.Errorf("unexpected text after the statement")
	}
	return stmt, nil
}

// decideUnparsed decides on a statement that names a soft-delete table and that
// sqlparser cannot read: send it untouched when it provably needs no
// rewrite, rewrite around what sqlparser cannot read when that is safe,
// refuse it otherwise.
func (r *rewriter) decideUnparsed(st *sourceStatement, m *mode, perr error) (string, bool, error) {
	first := st.firstWord()
	if (first == "update" || first == "delete") && !st.hidden {
		// UPDATE/DELETE ... RETURNING cols (SQLite): rewrite the statement
		// before RETURNING and keep the list, which reads only the rows
		// the statement touches.
		for i, w := range st.words {
			if w.depth == 0 && !w.quoted && w.lower == "returning" {
				if (&sourceStatement{words: st.words[i:]}).dangerous(kwDanger) != "" {
					break
				}
				return r.rewriteReturning(st, int(w.start), m, perr)
			}
		}
	}
	if err := r.checkSentAsWritten(st, first, m); err != nil {
		var re *RefusedError
		if errors.As(err, &re) && re.Err == nil {
			if !keywordOf(first).is(kwReadsNoRows) && !(st.hidden && !keywordOf(first).is(kwNamesInLiterals)) {
				// A statement sqlparser should have read, such as a CTE.
				re.Reason = "sqlparser cannot parse this " + strings.ToUpper(first) + " (CTEs, window functions and some dialect syntax are beyond it), so softdelete cannot add the soft-delete filter"
				re.Fix = r.byHandFix(st, re.Table)
			}
			re.Err = perr
		}
		return "", false, err
	}
	return st.text, false, nil
}

// rewriteReturning rewrites the part of an UPDATE or DELETE before its
// RETURNING at offset at, and keeps the RETURNING list as written.
func (r *rewriter) rewriteReturning(st *sourceStatement, at int, m *mode, perr error) (string, bool, error) {
	refuse := &RefusedError{Table: r.firstTableIn(st.text), Reason: "sqlparser cannot parse the statement before its RETURNING", Fix: r.byHandFix(st, r.firstTableIn(st.text)), Err: perr}
	head := strings.TrimRight(st.text[:at], " \t\r\n")
	subs, err := lex(head, r.d, r.tables, !r.wholeParse)
	if err != nil || len(subs) != 1 {
		return "", false, refuse
	}
	sub := subs[0]
	sub.start = st.start
	// The actor's parameter (actorParam) must be past every parameter of
	// the statement, the RETURNING list's included.
	sub.named, sub.maxNumber = sub.named || st.named, max(sub.maxNumber, st.maxNumber)
	stmt, err := parse(sub.parseText())
	if err != nil {
		return "", false, refuse
	}
	out, s, err := r.analyze(sub, stmt, m)
	if err != nil {
		return "", false, err
	}
	if !s.changed {
		return st.text, false, nil
	}
	if _, isUpdate := out.(*sqlparser.Update); isUpdate && st.firstWord() == "delete" && !r.d.updateReturning {
		return "", false, &RefusedError{Table: s.firstSoft, Reason: "a soft DELETE ... RETURNING would be an UPDATE ... RETURNING, which MySQL and MariaDB do not have",
			Fix: orRaw("drop RETURNING and read the rows first in the same transaction, or use softdelete.WithForce(ctx) for a real DELETE")}
	}
	txt, err := r.print(sub, out, s.firstSoft)
	if err != nil {
		return "", false, err
	}
	sub.actorTo(st) // the actor's parameter, placed in the part before RETURNING
	return sub.text[:sub.lead] + txt + " " + st.text[at:], true, nil
}

// parseExpr parses one SQL expression, such as the now= option.
func parseExpr(s string) (e sqlparser.Expr, err error) {
	defer func() {
		if p := recover(); p != nil {
			e, err = nil, fmt.Errorf("sqlparser failed on it: %v", p)
		}
	}()
	stmt, err := parse("select " + s)
	if err != nil {
		return nil, err
	}
	sel, ok := stmt.(*sqlparser.Select)
	if !ok || len(sel.SelectExprs) != 1 || sel.From == nil || !isDual(sel.From) || sel.Where != nil ||
		sel.GroupBy != nil || sel.Having != nil || sel.OrderBy != nil || sel.Limit != nil {
		return nil, fmt.Errorf("not a single expression")
	}
	ae, ok := sel.SelectExprs[0].(*sqlparser.AliasedExpr)
	if !ok || !ae.As.IsEmpty() {
		return nil, fmt.Errorf("not a single expression")
	}
	bad := false
	_ = sqlparser.Walk(func(n sqlparser.SQLNode) (bool, error) {
		switch n := n.(type) {
		case *sqlparser.Subquery:
			bad = true
		case *sqlparser.SQLVal:
			bad = bad || n.Type == sqlparser.ValArg
		}
		return !bad, nil
	}, ae.Expr)
	if bad {
		return nil, fmt.Errorf("parameters and subqueries are not allowed")
	}
	return ae.Expr, nil
}

// isDual reports whether a FROM clause is sqlparser's stand-in for "no FROM".
func isDual(from sqlparser.TableExprs) bool {
	if len(from) != 1 {
		return false
	}
	t, ok := from[0].(*sqlparser.AliasedTableExpr)
	if !ok || !t.As.IsEmpty() {
		return false
	}
	tn, ok := t.Expr.(sqlparser.TableName)
	return ok && tn.Qualifier.IsEmpty() && strings.EqualFold(tn.Name.String(), "dual")
}

// firstSelect returns the SELECT that comes first in the statement's text.
func firstSelect(stmt sqlparser.SQLNode) *sqlparser.Select {
	switch n := stmt.(type) {
	case *sqlparser.Select:
		return n
	case *sqlparser.Union:
		return firstSelect(n.Left)
	case *sqlparser.ParenSelect:
		return firstSelect(n.Select)
	case *sqlparser.Insert:
		return firstSelect(n.Rows)
	}
	return nil
}
