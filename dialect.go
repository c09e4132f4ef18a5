package softdelete

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

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

// parseDialect reads the dialect option; names name it in errors.
func parseDialect(s string, names optionNames) (dialect, error) {
	switch strings.ToLower(s) {
	case "mysql", "mariadb":
		return dialectMySQL, nil
	case "sqlite", "sqlite3":
		return dialectSQLite, nil
	case "postgres", "postgresql", "pg", "pgsql":
		return 0, fmt.Errorf("softdelete: %s%q: PostgreSQL is not supported (softdelete reads MySQL/MariaDB and SQLite SQL only)", names.dialectIs, s)
	}
	return 0, fmt.Errorf("softdelete: unknown dialect %q in %s (want mysql or sqlite)", s, names.dialect)
}

// knownDriver is an inner driver softdelete knows: the name it registers,
// the import path that registers it, and its dialect (0: PostgreSQL, which
// softdelete does not support).
type knownDriver struct {
	name, importPath string
	d                dialect
}

// knownDrivers are the drivers whose dialect softdelete tells by their
// registered name or, for a Config.Connector, by their package.
var knownDrivers = []knownDriver{
	{"mysql", "github.com/go-sql-driver/mysql", dialectMySQL},
	{"sqlite3", "github.com/mattn/go-sqlite3", dialectSQLite},
	{"sqlite", "modernc.org/sqlite", dialectSQLite},
	{"postgres", "github.com/lib/pq", 0},
	{"postgresql", "", 0},
	{"pq", "", 0},
	{"pgx", "github.com/jackc/pgx/v5/stdlib", 0},
	{"pgx/v5", "github.com/jackc/pgx/v5/stdlib", 0},
	{"pgx/v4", "github.com/jackc/pgx/v4/stdlib", 0},
}

// driverByName returns the known driver registered under name.
func driverByName(name string) (knownDriver, bool) {
	for _, k := range knownDrivers {
		if k.name == name {
			return k, true
		}
	}
	return knownDriver{}, false
}

// driverByPackage returns the known driver whose driver.Driver type lives
// in the package at path (any major version of pgx).
func driverByPackage(path string) (knownDriver, bool) {
	if strings.HasPrefix(path, "github.com/jackc/pgx") {
		return knownDriver{importPath: path}, true
	}
	for _, k := range knownDrivers {
		if k.importPath != "" && k.importPath == path {
			return k, true
		}
	}
	return knownDriver{}, false
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

// printer writes a rewritten AST as SQL of its dialect. Bind variables :pN
// stand for the statement's literals and parameters and are written back as
// they were; it checks that each appears exactly once and that positional
// parameters keep their order.
type printer struct {
	d       dialect
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
			if p.d == dialectSQLite {
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
		if !isDual(n.From) || p.d == dialectMySQL && (n.Where != nil || n.Having != nil || n.Lock != "") {
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
		if p.d == dialectSQLite && len(n.Exprs) == 0 && n.Qualifier.IsEmpty() {
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
	q := "`"
	if p.d == dialectSQLite {
		q = `"`
	}
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
