package softdelete

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/xwb1989/sqlparser"
)

// printer writes a rewritten AST as SQL of its dialect. Bind variables :pN
// stand for the statement's literals and parameters and are written back as
// they were; it checks that each appears exactly once and that positional
// parameters keep their order.
type printer struct {
	d       *dialect
	lits    []lit
	size    int // the expected length of the text, to size the buffer
	seen    []int
	seen8   [8]int // seen's storage when there are few literals
	lastPos int
	quoted  map[string]bool
	err     error
}

func (p *printer) print(node sqlparser.SQLNode) (string, error) {
	if len(p.lits) <= len(p.seen8) {
		p.seen = p.seen8[:len(p.lits)]
	} else {
		p.seen = make([]int, len(p.lits))
	}
	p.lastPos = -1
	buf := sqlparser.NewTrackedBuffer(p.format)
	buf.Grow(p.size)
	p.format(buf, node)
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
			if p.d.print.doubledQuoteStrings {
				buf.WriteByte('\'')
				buf.WriteString(strings.ReplaceAll(string(n.Val), "'", "''"))
				buf.WriteByte('\'')
				return
			}
		}
	case *sqlparser.Select:
		buf.WriteString("select ")
		p.format(buf, n.Comments)
		buf.WriteString(n.Cache)
		buf.WriteString(n.Distinct)
		buf.WriteString(n.Hints)
		p.format(buf, n.SelectExprs)
		// sqlparser puts "dual" where there was no FROM. SQLite has no
		// dual; MySQL needs it only before WHERE, HAVING or a lock.
		if !isDual(n.From) || p.d.print.dualBeforeWhere && (n.Where != nil || n.Having != nil || n.Lock != "") {
			buf.WriteString(" from ")
			p.format(buf, n.From)
		}
		p.format(buf, n.Where)
		p.format(buf, n.GroupBy)
		p.format(buf, n.Having)
		p.format(buf, n.OrderBy)
		p.format(buf, n.Limit)
		buf.WriteString(n.Lock)
		return
	case *sqlparser.Update:
		buf.WriteString("update ")
		p.format(buf, n.Comments)
		p.format(buf, n.TableExprs)
		buf.WriteString(" set ")
		p.format(buf, n.Exprs)
		p.format(buf, n.Where)
		p.format(buf, n.OrderBy)
		p.format(buf, n.Limit)
		return
	case sqlparser.UpdateExprs:
		for i, e := range n {
			if i > 0 {
				buf.WriteString(", ")
			}
			p.format(buf, e.Name)
			buf.WriteString(" = ")
			p.format(buf, e.Expr)
		}
		return
	case *sqlparser.JoinTableExpr:
		p.format(buf, n.LeftExpr)
		spaced(buf, n.Join)
		p.format(buf, n.RightExpr)
		if n.Condition.On != nil {
			buf.WriteString(" on ")
			p.format(buf, n.Condition.On)
		}
		if n.Condition.Using != nil {
			buf.WriteString(" using ")
			p.format(buf, n.Condition.Using)
		}
		return
	case sqlparser.OrderBy:
		for i, o := range n {
			if i == 0 {
				buf.WriteString(" order by ")
			} else {
				buf.WriteString(", ")
			}
			p.format(buf, o)
		}
		return
	case sqlparser.GroupBy:
		for i, e := range n {
			if i == 0 {
				buf.WriteString(" group by ")
			} else {
				buf.WriteString(", ")
			}
			p.format(buf, e)
		}
		return
	case *sqlparser.StarExpr:
		if !n.TableName.IsEmpty() {
			p.tableName(buf, n.TableName)
			buf.WriteByte('.')
		}
		buf.WriteByte('*')
		return
	case *sqlparser.Limit:
		if n == nil {
			return
		}
		buf.WriteString(" limit ")
		if n.Offset == nil {
			p.format(buf, n.Rowcount)
			return
		}
		// LIMIT a, b and LIMIT b OFFSET a mean the same: print the form
		// that keeps the parameters in the order they were written.
		ro, oo := p.order(n.Rowcount), p.order(n.Offset)
		if ro >= 0 && oo >= 0 && ro < oo {
			p.format(buf, n.Rowcount)
			buf.WriteString(" offset ")
			p.format(buf, n.Offset)
			return
		}
		p.format(buf, n.Offset)
		buf.WriteString(", ")
		p.format(buf, n.Rowcount)
		return
	case *sqlparser.ConvertExpr:
		buf.Myprintf("cast(%v as %v)", n.Expr, n.Type)
		return
	case *sqlparser.FuncExpr:
		if p.d.print.bareCurrentTime && len(n.Exprs) == 0 && n.Qualifier.IsEmpty() {
			switch name := n.Name.Lowered(); name {
			case "current_timestamp", "current_date", "current_time":
				buf.WriteString(name)
				return
			}
		}
	// The nodes below print as sqlparser prints them, without its Myprintf,
	// which allocates for every argument: a rewrite is mostly these.
	case *sqlparser.ColName:
		if !n.Qualifier.IsEmpty() {
			p.tableName(buf, n.Qualifier)
			buf.WriteByte('.')
		}
		p.ident(buf, n.Name.String())
		return
	case sqlparser.TableName:
		p.tableName(buf, n)
		return
	case *sqlparser.ComparisonExpr:
		p.format(buf, n.Left)
		spaced(buf, n.Operator)
		p.format(buf, n.Right)
		if n.Escape != nil {
			buf.WriteString(" escape ")
			p.format(buf, n.Escape)
		}
		return
	case *sqlparser.AndExpr:
		p.format(buf, n.Left)
		buf.WriteString(" and ")
		p.format(buf, n.Right)
		return
	case *sqlparser.OrExpr:
		p.format(buf, n.Left)
		buf.WriteString(" or ")
		p.format(buf, n.Right)
		return
	case *sqlparser.ParenExpr:
		buf.WriteByte('(')
		p.format(buf, n.Expr)
		buf.WriteByte(')')
		return
	case *sqlparser.IsExpr:
		p.format(buf, n.Expr)
		buf.WriteByte(' ')
		buf.WriteString(n.Operator)
		return
	case *sqlparser.Where:
		if n == nil || n.Expr == nil {
			return
		}
		spaced(buf, n.Type)
		p.format(buf, n.Expr)
		return
	case *sqlparser.AliasedExpr:
		p.format(buf, n.Expr)
		if !n.As.IsEmpty() {
			buf.WriteString(" as ")
			p.ident(buf, n.As.String())
		}
		return
	case sqlparser.SelectExprs:
		for i, e := range n {
			if i > 0 {
				buf.WriteString(", ")
			}
			p.format(buf, e)
		}
		return
	case sqlparser.TableExprs:
		for i, e := range n {
			if i > 0 {
				buf.WriteString(", ")
			}
			p.format(buf, e)
		}
		return
	case *sqlparser.AliasedTableExpr:
		p.format(buf, n.Expr)
		if n.Partitions != nil {
			p.format(buf, n.Partitions)
		}
		if !n.As.IsEmpty() {
			buf.WriteString(" as ")
			p.ident(buf, n.As.String())
		}
		if n.Hints != nil {
			p.format(buf, n.Hints)
		}
		return
	case *sqlparser.Subquery:
		buf.WriteByte('(')
		p.format(buf, n.Select)
		buf.WriteByte(')')
		return
	case sqlparser.ColIdent:
		p.ident(buf, n.String())
		return
	case sqlparser.TableIdent:
		p.ident(buf, n.String())
		return
	}
	node.Format(buf)
}

// spaced writes s with a blank on each side.
func spaced(buf *sqlparser.TrackedBuffer, s string) {
	buf.WriteByte(' ')
	buf.WriteString(s)
	buf.WriteByte(' ')
}

func (p *printer) tableName(buf *sqlparser.TrackedBuffer, n sqlparser.TableName) {
	if n.IsEmpty() {
		return
	}
	if !n.Qualifier.IsEmpty() {
		p.ident(buf, n.Qualifier.String())
		buf.WriteByte('.')
	}
	p.ident(buf, n.Name.String())
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
func (p *printer) ident(buf *sqlparser.TrackedBuffer, name string) {
	if name == "" {
		return
	}
	if !needsQuotes(name) && (len(p.quoted) == 0 || !p.quoted[strings.ToLower(name)]) {
		buf.WriteString(name)
		return
	}
	q := p.d.print.identQuote
	buf.WriteString(q + strings.ReplaceAll(name, q, q+q) + q)
}

// needsQuotes reports whether sqlparser would quote an identifier: one
// that is not letters, digits and '_' (not starting with a digit), or that
// it reads as a keyword.
func needsQuotes(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		// sqlparser: '@' is a letter, and @@scope.name is one identifier.
		if !isIdentStart(c) && c != '@' && (c < '0' || c > '9' || i == 0) && !(c == '.' && strings.HasPrefix(name, "@@")) {
			return true
		}
	}
	return isKeyword(name)
}

// keywords remembers which names sqlparser reads as keywords, asking its
// tokenizer once per name: a fixed table of slots chosen by a hash of the
// name, each holding the last name that fell there. Lookups take no lock,
// and the table never grows.
var keywords [1024]atomic.Pointer[keyword]

type keyword struct {
	name string
	is   bool
}

func isKeyword(name string) bool {
	h := uint32(2166136261) // FNV-1a
	for i := 0; i < len(name); i++ {
		h = (h ^ uint32(name[i])) * 16777619
	}
	slot := &keywords[h%uint32(len(keywords))]
	if k := slot.Load(); k != nil && k.name == name {
		return k.is
	}
	typ, _ := sqlparser.NewStringTokenizer(name).Scan()
	is := typ != sqlparser.ID
	slot.Store(&keyword{name: name, is: is})
	return is
}
