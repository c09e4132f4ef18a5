package softdelete

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xwb1989/sqlparser"
)

// dialect is the SQL dialect of the inner driver: it decides how the
// pre-lexer reads strings, identifiers, comments and parameters, and how the
// printer writes identifiers, strings and the current timestamp.
type dialect uint8

const (
	dialectMySQL dialect = iota + 1
	dialectSQLite
)

func (d dialect) String() string {
	switch d {
	case dialectMySQL:
		return "mysql"
	case dialectSQLite:
		return "sqlite"
	}
	return "dialect(" + strconv.Itoa(int(d)) + ")"
}

// parseDialect reads the dialect= option.
func parseDialect(s string) (dialect, error) {
	switch strings.ToLower(s) {
	case "mysql", "mariadb":
		return dialectMySQL, nil
	case "sqlite", "sqlite3":
		return dialectSQLite, nil
	}
	return 0, fmt.Errorf("softdelete: unknown dialect %q (want mysql or sqlite)", s)
}

// dialectOfDriver tells the dialect from a registered driver's name.
func dialectOfDriver(name string) (dialect, bool) {
	switch name {
	case "mysql":
		return dialectMySQL, true
	case "sqlite3", "sqlite":
		return dialectSQLite, true
	}
	return 0, false
}

// defaultNow is the expression a soft DELETE stamps the deleted column
// with: the database's current time, with sub-second precision.
func (d dialect) defaultNow() string {
	if d == dialectSQLite {
		return "strftime('%Y-%m-%d %H:%M:%f', 'now')"
	}
	return "now(6)"
}

// parseExpr parses one SQL expression, such as the now= option.
func parseExpr(s string) (sqlparser.Expr, error) {
	stmt, err := sqlparser.Parse("select " + s)
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

// printer writes a rewritten AST as SQL of its dialect. Bind variables :pN
// stand for the statement's literals and parameters and are written back as
// they were; it checks that each appears exactly once and that positional
// parameters keep their order.
type printer struct {
	d       dialect
	lits    []lit
	seen    []int
	lastPos int
	quoted  map[string]bool
	err     error
}

func (p *printer) print(node sqlparser.SQLNode) (string, error) {
	p.seen = make([]int, len(p.lits))
	p.lastPos = -1
	buf := sqlparser.NewTrackedBuffer(p.format)
	buf.Myprintf("%v", node)
	if p.err != nil {
		return "", p.err
	}
	for i, n := range p.seen {
		if n != 1 {
			return "", fmt.Errorf("softdelete: internal error: literal %q printed %d times", p.lits[i].text, n)
		}
	}
	return buf.String(), nil
}

// litIndex returns N for a bind variable :pN of the pre-lexer.
func (p *printer) litIndex(v *sqlparser.SQLVal) int {
	if v.Type != sqlparser.ValArg || len(v.Val) < 3 || v.Val[0] != ':' || v.Val[1] != 'p' {
		return -1
	}
	n, err := strconv.Atoi(string(v.Val[2:]))
	if err != nil || n < 0 || n >= len(p.lits) {
		return -1
	}
	return n
}

func (p *printer) format(buf *sqlparser.TrackedBuffer, node sqlparser.SQLNode) {
	switch n := node.(type) {
	case *sqlparser.SQLVal:
		switch n.Type {
		case sqlparser.ValArg:
			i := p.litIndex(n)
			if i < 0 {
				p.fail(fmt.Errorf("softdelete: internal error: unexpected bind variable %s", n.Val))
				return
			}
			if p.lits[i].positional {
				if i < p.lastPos {
					p.fail(fmt.Errorf("softdelete: the rewrite would reorder the ? placeholders; refusing it"))
				}
				p.lastPos = i
			}
			p.seen[i]++
			buf.WriteString(p.lits[i].text)
			return
		case sqlparser.StrVal:
			if p.d == dialectSQLite {
				buf.WriteString("'" + strings.ReplaceAll(string(n.Val), "'", "''") + "'")
				return
			}
		}
	case *sqlparser.Select:
		buf.Myprintf("select %v%s%s%s%v", n.Comments, n.Cache, n.Distinct, n.Hints, n.SelectExprs)
		// sqlparser puts "dual" where there was no FROM. SQLite has no
		// dual; MySQL needs it only before WHERE, HAVING or a lock.
		if !isDual(n.From) || p.d == dialectMySQL && (n.Where != nil || n.Having != nil || n.Lock != "") {
			buf.Myprintf(" from %v", n.From)
		}
		buf.Myprintf("%v%v%v%v%v%s", n.Where, n.GroupBy, n.Having, n.OrderBy, n.Limit, n.Lock)
		return
	case *sqlparser.Limit:
		if n == nil {
			return
		}
		if n.Offset == nil {
			buf.Myprintf(" limit %v", n.Rowcount)
			return
		}
		// LIMIT a, b and LIMIT b OFFSET a mean the same: print the form
		// that keeps the parameters in the order they were written.
		ro, oo := p.order(n.Rowcount), p.order(n.Offset)
		if ro >= 0 && oo >= 0 && ro < oo {
			buf.Myprintf(" limit %v offset %v", n.Rowcount, n.Offset)
			return
		}
		buf.Myprintf(" limit %v, %v", n.Offset, n.Rowcount)
		return
	case *sqlparser.ConvertExpr:
		buf.Myprintf("cast(%v as %v)", n.Expr, n.Type)
		return
	case *sqlparser.FuncExpr:
		if p.d == dialectSQLite && len(n.Exprs) == 0 && n.Qualifier.IsEmpty() {
			switch name := n.Name.Lowered(); name {
			case "current_timestamp", "current_date", "current_time":
				buf.WriteString(name)
				return
			}
		}
	case sqlparser.ColIdent:
		p.ident(buf, n.String(), n)
		return
	case sqlparser.TableIdent:
		p.ident(buf, n.String(), n)
		return
	}
	node.Format(buf)
}

func (p *printer) fail(err error) {
	if p.err == nil {
		p.err = err
	}
}

// order returns the literal index of a bind variable, or -1.
func (p *printer) order(e sqlparser.Expr) int {
	if v, ok := e.(*sqlparser.SQLVal); ok {
		return p.litIndex(v)
	}
	return -1
}

// ident writes an identifier, quoted in the dialect's way where the user
// quoted it or where sqlparser thinks it must be (keywords, odd bytes).
func (p *printer) ident(buf *sqlparser.TrackedBuffer, name string, node sqlparser.SQLNode) {
	if name == "" {
		return
	}
	scratch := sqlparser.NewTrackedBuffer(nil)
	node.Format(scratch)
	if !p.quoted[strings.ToLower(name)] && (scratch.Len() == 0 || scratch.Bytes()[0] != '`') {
		buf.WriteString(name)
		return
	}
	q := "`"
	if p.d == dialectSQLite {
		q = `"`
	}
	buf.WriteString(q + strings.ReplaceAll(name, q, q+q) + q)
}
