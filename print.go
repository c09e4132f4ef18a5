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
	d         *dialect
	verbatims []verbatim
	size      int // the expected length of the text, to size the buffer
	seen      []int
	seen8     [8]int // seen's storage when there are few literals
	lastPos   int
	quoted    map[string]bool
	err       error
	actor     string      // how the actor's parameter is written (see actorParam); "" when the statement takes none
	bare      int         // the bare '?' parameters written so far, the actor's included
	slots     []int       // where the actor was written: the count of bare parameters before it (see actorArgs)
	withs     []*withList // the statement's CTE lists (segment.go)
	topWith   int         // the one written before the statement, or -1
	windows   []string    // its window texts (segment_window.go)
	// windowsPrinted counts the times each window text was written.
	windowsPrinted []int
	setOps         bool       // EXCEPT or INTERSECT were read as UNION (segment_setop.go)
	forms          *stmtForms // the forms segment_forms.go rewrote, or nil
	formsOn        bool       // forms or table-valued calls to write back
	hints          int        // MySQL index hints written
	isOps          int        // SQLite IS operators written
}

// print writes node as SQL and checks that every literal was written
// back exactly once.
func (p *printer) print(node sqlparser.SQLNode) (string, error) {
	if len(p.verbatims) <= len(p.seen8) {
		p.seen = p.seen8[:len(p.verbatims)]
	} else {
		p.seen = make([]int, len(p.verbatims))
	}
	p.lastPos = -1
	buf := sqlparser.NewTrackedBuffer(p.format)
	buf.Grow(p.size)
	if p.topWith >= 0 && p.topWith < len(p.withs) {
		p.writeWithList(buf, p.withs[p.topWith])
	}
	p.format(buf, node)
	if p.err != nil {
		return "", p.err
	}
	if err := p.checkWithsPrinted(); err != nil {
		return "", err
	}
	if err := p.checkWindowsPrinted(); err != nil {
		return "", err
	}
	for i, n := range p.seen {
		if n != 1 {
			return "", fmt.Errorf("softdelete: internal error: literal %q printed %d times", p.verbatims[i].text, n)
		}
	}
	return buf.String(), nil
}

// bindVarIndex returns N for a bind variable :pN of the pre-lexer.
func (p *printer) bindVarIndex(v *sqlparser.SQLVal) int {
	if v.Type != sqlparser.ValArg || len(v.Val) < 3 || v.Val[0] != ':' || v.Val[1] != 'p' {
		return -1
	}
	n, err := strconv.Atoi(string(v.Val[2:]))
	if err != nil || n < 0 || n >= len(p.verbatims) {
		return -1
	}
	return n
}

// format writes one node: the printer's own methods write the bind
// variables, the nodes whose SQL differs between dialects, and the common
// nodes (without sqlparser's Myprintf, which allocates for every
// argument); every other node prints as sqlparser prints it, calling back
// into format for its children.
func (p *printer) format(buf *sqlparser.TrackedBuffer, node sqlparser.SQLNode) {
	if p.withs != nil && p.formatWith(buf, node) || p.windows != nil && p.formatWindowed(buf, node) ||
		p.formsOn && p.formatForm(buf, node) ||
		p.setOps && p.formatUnion(buf, node) {
		return
	}
	if p.formatExpr(buf, node) || p.formatClause(buf, node) || p.formatDialectNode(buf, node) {
		return
	}
	node.Format(buf)
}

// formatExpr writes the common expression nodes and names; it reports
// whether node was one.
func (p *printer) formatExpr(buf *sqlparser.TrackedBuffer, node sqlparser.SQLNode) bool {
	switch n := node.(type) {
	case *sqlparser.ColName:
		if !n.Qualifier.IsEmpty() {
			p.tableName(buf, n.Qualifier)
			buf.WriteByte('.')
		}
		p.ident(buf, n.Name.String())
	case sqlparser.TableName:
		p.tableName(buf, n)
	case *sqlparser.ComparisonExpr:
		p.format(buf, n.Left)
		spaced(buf, n.Operator)
		p.format(buf, n.Right)
		if n.Escape != nil {
			buf.WriteString(" escape ")
			p.format(buf, n.Escape)
		}
	case *sqlparser.AndExpr:
		p.format(buf, n.Left)
		buf.WriteString(" and ")
		p.format(buf, n.Right)
	case *sqlparser.OrExpr:
		p.format(buf, n.Left)
		buf.WriteString(" or ")
		p.format(buf, n.Right)
	case *sqlparser.ParenExpr:
		buf.WriteByte('(')
		p.format(buf, n.Expr)
		buf.WriteByte(')')
	case *sqlparser.IsExpr:
		p.format(buf, n.Expr)
		buf.WriteByte(' ')
		buf.WriteString(n.Operator)
	case *sqlparser.AliasedExpr:
		p.format(buf, n.Expr)
		if !n.As.IsEmpty() {
			buf.WriteString(" as ")
			p.ident(buf, n.As.String())
		}
	case *sqlparser.StarExpr:
		if !n.TableName.IsEmpty() {
			p.tableName(buf, n.TableName)
			buf.WriteByte('.')
		}
		buf.WriteByte('*')
	case *sqlparser.ConvertExpr:
		buf.Myprintf("cast(%v as %v)", n.Expr, n.Type)
	case sqlparser.ColIdent:
		p.ident(buf, n.String())
	case sqlparser.TableIdent:
		p.ident(buf, n.String())
	default:
		return false
	}
	return true
}

// formatClause writes the statements and clauses a rewrite builds or
// changes; it reports whether node was one.
func (p *printer) formatClause(buf *sqlparser.TrackedBuffer, node sqlparser.SQLNode) bool {
	switch n := node.(type) {
	case *sqlparser.Select:
		p.formatSelect(buf, n)
	case *sqlparser.Update:
		buf.WriteString("update ")
		p.format(buf, n.Comments)
		p.format(buf, n.TableExprs)
		buf.WriteString(" set ")
		p.format(buf, n.Exprs)
		p.format(buf, n.Where)
		p.format(buf, n.OrderBy)
		p.format(buf, n.Limit)
	case sqlparser.UpdateExprs:
		for i, e := range n {
			if i > 0 {
				buf.WriteString(", ")
			}
			p.format(buf, e.Name)
			buf.WriteString(" = ")
			p.format(buf, e.Expr)
		}
	case *sqlparser.JoinTableExpr:
		p.formatJoin(buf, n)
	case *sqlparser.Where:
		if n != nil && n.Expr != nil {
			spaced(buf, n.Type)
			p.format(buf, n.Expr)
		}
	case sqlparser.OrderBy:
		for i, o := range n {
			buf.WriteString(listSeparator(i, " order by "))
			p.format(buf, o)
		}
	case sqlparser.GroupBy:
		for i, e := range n {
			buf.WriteString(listSeparator(i, " group by "))
			p.format(buf, e)
		}
	case *sqlparser.Limit:
		p.formatLimit(buf, n)
	case sqlparser.SelectExprs:
		for i, e := range n {
			buf.WriteString(listSeparator(i, ""))
			p.format(buf, e)
		}
	case sqlparser.TableExprs:
		for i, e := range n {
			buf.WriteString(listSeparator(i, ""))
			p.format(buf, e)
		}
	case *sqlparser.AliasedTableExpr:
		p.formatAliasedTable(buf, n)
	case *sqlparser.Subquery:
		buf.WriteByte('(')
		p.format(buf, n.Select)
		buf.WriteByte(')')
	default:
		return false
	}
	return true
}

// listSeparator is what comes before the i-th item of a list: its
// keyword before the first, a comma before the others.
func listSeparator(i int, keyword string) string {
	if i == 0 {
		return keyword
	}
	return ", "
}

// formatDialectNode writes the bind variables and the nodes whose SQL
// differs between dialects (strings, the current time functions); it
// reports whether it wrote node, and leaves the others to sqlparser.
func (p *printer) formatDialectNode(buf *sqlparser.TrackedBuffer, node sqlparser.SQLNode) bool {
	switch n := node.(type) {
	case *sqlparser.SQLVal:
		switch {
		case n.Type == sqlparser.ValArg:
			p.formatBindVar(buf, n)
			return true
		case n.Type == sqlparser.StrVal && p.d.print.doubledQuoteStrings:
			buf.WriteByte('\'')
			buf.WriteString(strings.ReplaceAll(string(n.Val), "'", "''"))
			buf.WriteByte('\'')
			return true
		}
	case *sqlparser.BinaryExpr:
		if n.Operator == sqlparser.BitXorStr && p.d.lex.pipesConcat {
			p.format(buf, n.Left)
			buf.WriteString(" || ")
			p.format(buf, n.Right)
			return true
		}
	case *sqlparser.FuncExpr:
		if p.d.print.bareCurrentTime && len(n.Exprs) == 0 && n.Qualifier.IsEmpty() {
			switch name := n.Name.Lowered(); name {
			case "current_timestamp", "current_date", "current_time":
				buf.WriteString(name)
				return true
			}
		}
	}
	return false
}

// formatBindVar writes back the user's text that the bind variable :pN
// stands for, checking that positional parameters keep their order.
func (p *printer) formatBindVar(buf *sqlparser.TrackedBuffer, n *sqlparser.SQLVal) {
	if string(n.Val) == actorBindVar {
		p.formatActor(buf)
		return
	}
	i := p.bindVarIndex(n)
	if i < 0 {
		p.fail(fmt.Errorf("softdelete: internal error: unexpected bind variable %s", n.Val))
		return
	}
	if p.verbatims[i].positional {
		if i < p.lastPos {
			p.fail(fmt.Errorf("softdelete: the rewrite would reorder the ? placeholders; refusing it"))
		}
		p.lastPos = i
	}
	p.seen[i]++
	p.bare += p.verbatims[i].bare
	buf.WriteString(p.verbatims[i].text)
}

// formatActor writes the actor's parameter (see actor.go) and notes where
// its argument goes: after the bare parameters written before it, or, for
// SQLite's ?N, at N.
func (p *printer) formatActor(buf *sqlparser.TrackedBuffer) {
	switch {
	case p.actor == "":
		p.fail(fmt.Errorf("softdelete: internal error: an actor parameter without a placeholder style"))
		return
	case p.actor == "?":
		p.slots = append(p.slots, p.bare)
		p.bare++
	case p.actor[0] == '?':
		n, _ := strconv.Atoi(p.actor[1:])
		p.slots = append(p.slots[:0], n-1)
	}
	buf.WriteString(p.actor)
}

// formatSelect writes a SELECT. sqlparser puts "dual" where there was no
// FROM: SQLite has no dual; MySQL needs it only before WHERE, HAVING or a
// lock.
func (p *printer) formatSelect(buf *sqlparser.TrackedBuffer, n *sqlparser.Select) {
	window := -1
	if p.windows != nil {
		window = windowClauseOf(n)
	}
	buf.WriteString("select ")
	p.format(buf, n.Comments)
	buf.WriteString(n.Cache)
	buf.WriteString(n.Distinct)
	buf.WriteString(n.Hints)
	p.format(buf, n.SelectExprs)
	if !isDual(n.From) || p.d.print.dualBeforeWhere && (n.Where != nil || n.Having != nil || n.Lock != "") {
		buf.WriteString(" from ")
		p.format(buf, n.From)
	}
	p.format(buf, n.Where)
	p.format(buf, n.GroupBy)
	p.format(buf, n.Having)
	if window >= 0 {
		p.writeWindow(buf, window)
	}
	p.format(buf, n.OrderBy)
	p.format(buf, n.Limit)
	buf.WriteString(n.Lock)
}

// formatJoin writes a join with its condition.
func (p *printer) formatJoin(buf *sqlparser.TrackedBuffer, n *sqlparser.JoinTableExpr) {
	p.format(buf, n.LeftExpr)
	if n.Join == sqlparser.StraightJoinStr && p.forms != nil && p.forms.fullJoin {
		spaced(buf, "full outer join") // SQLite's, read as STRAIGHT_JOIN (segment_forms.go)
	} else {
		spaced(buf, n.Join)
	}
	p.format(buf, n.RightExpr)
	if n.Condition.On != nil {
		buf.WriteString(" on ")
		p.format(buf, n.Condition.On)
	}
	if n.Condition.Using != nil {
		buf.WriteString(" using ")
		p.format(buf, n.Condition.Using)
	}
}

// formatLimit writes a LIMIT. LIMIT a, b and LIMIT b OFFSET a mean the
// same: it prints the form that keeps the parameters in the order they
// were written.
func (p *printer) formatLimit(buf *sqlparser.TrackedBuffer, n *sqlparser.Limit) {
	if n == nil {
		return
	}
	buf.WriteString(" limit ")
	if n.Offset == nil {
		p.format(buf, n.Rowcount)
		return
	}
	ro, oo := p.bindIndexOf(n.Rowcount), p.bindIndexOf(n.Offset)
	if ro >= 0 && oo >= 0 && ro < oo {
		p.format(buf, n.Rowcount)
		buf.WriteString(" offset ")
		p.format(buf, n.Offset)
		return
	}
	p.format(buf, n.Offset)
	buf.WriteString(", ")
	p.format(buf, n.Rowcount)
}

// formatAliasedTable writes a table (or derived table) with its
// partitions, alias and index hints.
func (p *printer) formatAliasedTable(buf *sqlparser.TrackedBuffer, n *sqlparser.AliasedTableExpr) {
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

// bindIndexOf returns the literal index of an expression that is a bind
// variable :pN, or -1.
func (p *printer) bindIndexOf(e sqlparser.Expr) int {
	if v, ok := e.(*sqlparser.SQLVal); ok {
		return p.bindVarIndex(v)
	}
	return -1
}

// ident writes an identifier, quoted in the dialect's way where the user
// quoted it or where sqlparser thinks it must be (keywords, odd bytes).
func (p *printer) ident(buf *sqlparser.TrackedBuffer, name string) {
	if name == "" {
		return
	}
	if !needsQuotes(name) && (len(p.quoted) == 0 || !p.quoted[lowerASCIIString(name)]) {
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

// sqlparserKeywords remembers which names sqlparser reads as keywords, asking its
// tokenizer once per name: a fixed table of slots chosen by a hash of the
// name, each holding the last name that fell there. Lookups take no lock,
// and the table never grows.
var sqlparserKeywords [1024]atomic.Pointer[sqlparserKeyword]

// sqlparserKeyword is a slot of sqlparserKeywords.
type sqlparserKeyword struct {
	name string
	is   bool
}

// isKeyword reports whether sqlparser reads name as a keyword.
func isKeyword(name string) bool {
	h := uint32(2166136261) // FNV-1a
	for i := 0; i < len(name); i++ {
		h = (h ^ uint32(name[i])) * 16777619
	}
	slot := &sqlparserKeywords[h%uint32(len(sqlparserKeywords))]
	if k := slot.Load(); k != nil && k.name == name {
		return k.is
	}
	typ, _ := sqlparser.NewStringTokenizer(name).Scan()
	is := typ != sqlparser.ID
	slot.Store(&sqlparserKeyword{name: name, is: is})
	return is
}

// print prints a rewritten statement, with its leading and trailing
// comments and the MySQL SELECT modifiers sqlparser cannot read.
func (r *rewriter) print(st *sourceStatement, out sqlparser.Statement, table string) (string, error) {
	if st.otherMods {
		return "", &RefusedError{Table: table, Reason: "MySQL SELECT options such as SQL_CALC_FOUND_ROWS are supported on the first SELECT only", Fix: orRaw("move them to the first SELECT, or drop them")}
	}
	if len(st.selectMods) > 0 {
		sel := firstSelect(out)
		if sel == nil {
			return "", &RefusedError{Table: table, Reason: "softdelete cannot place the SELECT options " + strings.Join(st.selectMods, " ") + " in its rewrite", Fix: orRaw("drop the options")}
		}
		sel.Hints = strings.Join(st.selectMods, " ") + " " + sel.Hints
	}
	p := &printer{d: r.d, verbatims: st.verbatims, quoted: st.quoted, withs: st.withs, topWith: -1, windows: st.windows, windowsPrinted: make([]int, len(st.windows)), setOps: st.setOps, actor: st.actorParam, size: len(st.text) + len(st.text)/2 + 64}
	if st.withs != nil {
		p.topWith = st.topWith
	}
	p.forms, p.formsOn = st.forms, st.forms != nil || st.tableFuncs
	txt, err := p.print(out)
	if err != nil {
		return "", &RefusedError{Table: table, Reason: "softdelete cannot print its rewrite", Fix: orRaw("please report the statement"), Err: err}
	}
	st.actorSlots = p.slots
	if st.forms != nil && st.forms.lockTail != "" {
		txt += " " + st.forms.lockTail
	}
	return txt, nil
}
