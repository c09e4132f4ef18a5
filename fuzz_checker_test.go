package softdelete

import (
	"fmt"
	"strings"

	"github.com/xwb1989/sqlparser"
)

// This file is FuzzRewrite's checker (also the differential harness's):
// it reads a rewrite back and checks that it keeps the statement's
// literals, words and placeholders, and that every reference to a
// soft-delete table carries its filter in a place where it filters.

// fzCheckRewrite returns what is wrong with out as the rewrite of in under
// mode m (fm says what m must show).
func fzCheckRewrite(rw *rewriter, fm fzSpec, m *mode, in, out string) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if out == in && !rw.tables.mentionedIn(in) {
		return nil
	}
	if sub, texts := fzRegions(rw, in); out != in && texts != nil && !fzParses(rw.d, in) && !fzHidden(rw, in) {
		// sqlparser reads the statement only with its regions as
		// placeholders (what is inside one reaches the database as
		// written). Check the rewrite of the statement with the regions
		// replaced by names, and that out is that rewrite with the
		// regions put back.
		out2, err := rw.rewrite(sub, m)
		if err != nil {
			return []string{fmt.Sprintf("refused once its regions are names (%v): %s", err, sub)}
		}
		want := out2
		for k := len(texts) - 1; k >= 0; k-- {
			name := fzRegionName(k)
			if !strings.Contains(want, name) { // printed in SQLite's quotes
				name = `"` + name[1:len(name)-1] + `"`
			}
			want = strings.Replace(want, name, texts[k], 1)
		}
		// The printer quotes a name everywhere once it is quoted anywhere,
		// inside a region too: compare without identifier quotes.
		unquote := strings.NewReplacer("`", "", `"`, "")
		if unquote.Replace(want) != unquote.Replace(out) {
			return []string{fmt.Sprintf("the output is not the rewrite of the input with its regions as names:\n  %s\n  %s", sub, out2)}
		}
		in, out = sub, out2
	}
	ins, err := lexStatements(in, rw.d)
	if err != nil {
		if out != in {
			bad("the input does not lex (%v) but the output differs", err)
		}
		return problems
	}
	outs, err := lexStatements(out, rw.d)
	if err != nil {
		return []string{fmt.Sprintf("the output does not lex: %v", err)}
	}
	if len(ins) != len(outs) {
		return []string{fmt.Sprintf("%d statements in, %d out", len(ins), len(outs))}
	}
	for i, ost := range outs {
		ist := ins[i]
		if ost.empty {
			if !ist.empty {
				bad("statement %d became empty", i)
			}
			continue
		}
		ostmt, oerr := fzParseAsRewriter(rw, ost)
		istmt, ierr := fzParseAsRewriter(rw, ist)
		if oerr != nil {
			if ierr == nil {
				bad("statement %d: the input parses but the output does not: %v\n  %s", i, oerr, ost.text)
			}
			continue
		}
		if ost.text != ist.text {
			if ierr != nil && !fzStartsWithRead(ist) {
				bad("statement %d: sqlparser cannot parse the input (%v) yet it was rewritten", i, ierr)
			}
			fzCheckLits(ist, ost, rw, bad)
			fzCheckWords(ist, ost, bad)
			if rw.d == dialectMySQL && ierr == nil {
				if err := fzRawParse(ist.text); err == nil && !fzRawMisreads(ist.text) {
					if err := fzRawParse(ost.text); err != nil {
						bad("statement %d: the MySQL output does not parse with sqlparser: %v\n  %s", i, err, ost.text)
					}
				}
			}
		}
		if ierr != nil && ost.text == ist.text {
			// Passed through unparsed: the library decided it needs no
			// filter (DDL, INSERT ... VALUES, IncludeDeleted); the checker
			// cannot read it either.
			continue
		}
		fc := &fzFilterCheck{rw: rw, fm: fm, bad: bad, stmt: i}
		fc.statement(istmt, ostmt)
	}
	return problems
}

// fzRegions returns in with the regions the rewriter finds replaced by
// fzRegionName(0), fzRegionName(1), ..., and the regions' texts (nil when
// there is none).
func fzRegions(rw *rewriter, in string) (string, []string) {
	sts, err := lex(in, rw.d, rw.tables, true)
	if err != nil {
		return "", nil
	}
	var b strings.Builder
	var texts []string
	prev := 0
	for _, st := range sts {
		for _, l := range st.verbatims {
			if l.region {
				b.WriteString(in[prev:l.at])
				b.WriteString(fzRegionName(len(texts)))
				texts = append(texts, l.text)
				prev = l.at + len(l.text)
			}
		}
	}
	b.WriteString(in[prev:])
	return b.String(), texts
}

// fzRegionName is the name that stands for region k: quoted, so that it
// stays a token of its own next to any word.
func fzRegionName(k int) string { return fmt.Sprintf("`sdregion%d_`", k) }

// fzParses reports whether sqlparser reads every statement of q that has
// code, pre-lexed without regions.
func fzParses(d *dialect, q string) bool {
	sts, err := lexStatements(q, d)
	if err != nil {
		return false
	}
	for _, st := range sts {
		if !st.empty {
			if _, err := parse(st.parseText()); err != nil {
				return false
			}
		}
	}
	return true
}

// fzRawMisreads reports text that sqlparser, reading it raw, takes for a
// comment where MySQL reads code: "--" without a blank after it (0--0 is
// 0 - -0) and "//". Its raw parse then proves nothing about the output's.
// Found by FuzzRewrite: SELECT A() FROM posts WHERE 0--0.
func fzRawMisreads(q string) bool {
	for i := 0; i+1 < len(q); i++ {
		switch {
		case q[i] == '/' && q[i+1] == '/':
			return true
		case q[i] == '-' && q[i+1] == '-' && !(i+2 >= len(q) || q[i+2] <= ' ' || q[i+2] == 0x7f):
			return true
		}
	}
	return false
}

// fzRawParse parses a MySQL statement with sqlparser as is. sqlparser
// panics on some input ("/*!*/"): that counts as not parsing.
func fzRawParse(q string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sqlparser panicked: %v", p)
		}
	}()
	_, err = sqlparser.Parse(q)
	return err
}

// fzStartsWithRead reports statements the rewriter may rewrite although
// sqlparser cannot parse them whole: EXPLAIN/ANALYZE prefixes and
// UPDATE/DELETE ... RETURNING.
func fzStartsWithRead(st *sourceStatement) bool {
	switch st.firstWord() {
	case "explain", "describe", "desc", "analyze", "update", "delete":
		return true
	}
	return false
}

// fzCheckLits checks that the output keeps the input's literals and
// parameters (plus those of the stamp expression).
func fzCheckLits(ist, ost *sourceStatement, rw *rewriter, bad func(string, ...any)) {
	count := map[string]int{}
	for _, l := range ost.verbatims {
		count[l.text]++
	}
	for _, l := range ist.verbatims {
		count[l.text]--
	}
	nowLits, _ := lexStatements("select "+sqlparser.String(rw.now), dialectMySQL)
	extra := map[string]int{}
	for k, v := range count {
		if v != 0 {
			extra[k] = v
		}
	}
	if len(extra) == 0 {
		return
	}
	// A soft DELETE adds the stamp expression's literals (once per target).
	if len(nowLits) == 1 && len(nowLits[0].verbatims) > 0 {
		per := map[string]int{}
		for _, l := range nowLits[0].verbatims {
			per[fzSQLiteLit(l.text, rw.d)]++
		}
		k := -1
		for text, v := range extra {
			p := per[text]
			if p == 0 || v%p != 0 || v < 0 || (k >= 0 && v/p != k) {
				k = -2
				break
			}
			k = v / p
		}
		if k > 0 && len(extra) == len(per) {
			return
		}
	}
	if fzKindLits(extra, rw) {
		return
	}
	bad("the literals changed: %v", extra)
}

// fzKindLits reports whether the literals a rewrite added are all those of
// the numeric marker kinds: the 0 of their filters, and those of their
// stamps and of the companions' now (a looser check than the one for time
// markers: any positive count).
func fzKindLits(extra map[string]int, rw *rewriter) bool {
	allowed := map[string]bool{}
	for _, name := range rw.tables.names {
		t := rw.tables.lookup(name)
		if !t.kind.numeric() {
			continue
		}
		allowed["0"] = true
		for _, e := range []sqlparser.Expr{t.stamp, t.now} {
			lits, _ := lexStatements("select "+sqlparser.String(e), dialectMySQL)
			for _, st := range lits {
				for _, l := range st.verbatims {
					allowed[fzSQLiteLit(l.text, rw.d)] = true
				}
			}
		}
	}
	for text, v := range extra {
		if v <= 0 || !allowed[text] {
			return false
		}
	}
	return len(allowed) > 0
}

// fzDroppable are the words a rewrite may drop: DELETE becomes UPDATE,
// and the printer normalizes some keywords (INNER JOIN, LEFT OUTER JOIN,
// CROSS JOIN, DISTINCTROW...).
var fzDroppable = map[string]bool{"delete": true, "from": true, "inner": true, "outer": true, "cross": true,
	"distinctrow": true, "into": true, "value": true, "values": true, "as": true, "asc": true, "all": true,
	"straight_join": true, "join": true, "dual": true,
	"low_priority": true, "quick": true, "ignore": true, "current_timestamp": true,
	"current_date": true, "current_time": true, "now": true, "localtime": true, "localtimestamp": true,
	"utc_timestamp": true, "sql_no_cache": true, "sql_cache": true, "is": true, "not": true, "null": true,
	"true": true, "false": true, "unknown": true, "binary": true, "interval": true, "in": true, "nulls": true,
	"first": true, "last": true, "char": true, "signed": true, "unsigned": true, "integer": true, "decimal": true,
	"substr": true, "substring": true, "mod": true, "div": true, "and": true, "or": true, "xor": true, "regexp": true,
	"rlike": true, "between": true, "like": true, "escape": true, "exists": true, "some": true, "any": true,
	"offset": true, "limit": true, "lock": true, "share": true, "mode": true, "for": true, "update": true}

// fzCheckWords checks that every identifier of the input is in the
// output: a rewrite must not drop text (as sqlparser drops what follows
// "//", which it takes for a comment).
func fzCheckWords(ist, ost *sourceStatement, bad func(string, ...any)) {
	have := map[string]bool{}
	for _, w := range ost.words {
		have[w.lower] = true
	}
	for _, w := range ist.words {
		if w.lower == "" {
			continue // an empty quoted identifier: invalid anyway
		}
		if !have[w.lower] && !fzDroppable[w.lower] {
			bad("the word %q of the input is missing from the output", w.lower)
			return
		}
	}
}

// fzSQLiteLit writes a literal of the stamp expression (which
// sqlparser printed MySQL style) as the printer does for the dialect.
func fzSQLiteLit(s string, d *dialect) string {
	if d != dialectSQLite || len(s) < 2 || s[0] != '\'' {
		return s
	}
	body := strings.NewReplacer(`\\`, `\`, `\'`, `'`).Replace(s[1 : len(s)-1])
	return "'" + strings.ReplaceAll(body, "'", "''") + "'"
}

// fzFilterCheck walks a rewritten statement and checks every reference to a
// soft-delete table.
type fzFilterCheck struct {
	rw      *rewriter
	fm      fzSpec
	bad     func(string, ...any)
	stmt    int
	primary string
	stamped map[*sqlparser.AliasedTableExpr]bool // the targets of a soft DELETE
}

// fzJoinStep is one join on the path from a FROM list down to a table.
type fzJoinStep struct {
	j        *sqlparser.JoinTableExpr
	nullable bool // the table is on the side the join may fill with NULLs
	outer    bool // the join is an outer join
}

func (fc *fzFilterCheck) statement(in, out sqlparser.Statement) {
	fc.primary = fzPrimary(in)
	if in == nil {
		// The input is beyond sqlparser (issue 13's forms): the output,
		// which it reads, has the same primary table.
		fc.primary = fzPrimary(out)
	}
	if d, ok := in.(*sqlparser.Delete); ok {
		if u, ok := out.(*sqlparser.Update); ok {
			// A soft DELETE: the targets must be stamped and see live rows.
			fc.stamped = map[*sqlparser.AliasedTableExpr]bool{}
			if len(d.Targets) == 0 {
				if te, ok := u.TableExprs[0].(*sqlparser.AliasedTableExpr); ok {
					if tn, ok := te.Expr.(sqlparser.TableName); ok {
						fc.stamped[te] = true
						fc.checkStamp(u, te, tn)
					}
				}
			} else {
				for _, target := range d.Targets {
					te := findTable(u.TableExprs, target)
					if te == nil {
						fc.bad("statement %d: DELETE target %s is gone from the UPDATE", fc.stmt, sqlparser.String(target))
						continue
					}
					tn, _ := te.Expr.(sqlparser.TableName)
					fc.stamped[te] = true
					fc.checkStamp(u, te, tn)
				}
			}
		} else if !fc.fm.forced() {
			if t := fc.softDeleteTarget(d); t != nil {
				fc.bad("statement %d: DELETE from soft-delete table %s was not made an UPDATE without WithForce", fc.stmt, t.name)
			}
		}
	}
	switch n := out.(type) {
	case sqlparser.SelectStatement:
		fc.selectStatement(n)
	case *sqlparser.Insert:
		if sel, ok := n.Rows.(sqlparser.SelectStatement); ok {
			fc.selectStatement(sel)
		} else {
			fc.subqueries(n.Rows)
		}
		fc.subqueries(n.OnDup)
	case *sqlparser.Update:
		fc.from(n.TableExprs, n.Where)
		fc.subqueries(n.Exprs, n.Where, n.OrderBy, n.Limit)
	case *sqlparser.Delete:
		fc.from(n.TableExprs, n.Where)
		fc.subqueries(n.Where, n.OrderBy, n.Limit)
	case *sqlparser.Set:
		fc.subqueries(n.Exprs)
	}
}

func (fc *fzFilterCheck) softDeleteTarget(d *sqlparser.Delete) *softTable {
	if len(d.Targets) == 0 {
		if te, ok := d.TableExprs[0].(*sqlparser.AliasedTableExpr); ok {
			if tn, ok := te.Expr.(sqlparser.TableName); ok {
				return fc.rw.tables.lookup(tn.Name.String())
			}
		}
		return nil
	}
	for _, tn := range d.Targets {
		te := findTable(d.TableExprs, tn)
		if te == nil {
			continue
		}
		if n, ok := te.Expr.(sqlparser.TableName); ok {
			if t := fc.rw.tables.lookup(n.Name.String()); t != nil {
				return t
			}
		}
	}
	return nil
}

// checkStamp checks that a soft DELETE's UPDATE sets the target's column.
func (fc *fzFilterCheck) checkStamp(u *sqlparser.Update, te *sqlparser.AliasedTableExpr, tn sqlparser.TableName) {
	t := fc.rw.tables.lookup(tn.Name.String())
	if t == nil {
		fc.bad("statement %d: a DELETE became an UPDATE of plain table %s", fc.stmt, sqlparser.String(tn))
		return
	}
	for _, e := range u.Exprs {
		if !e.Name.Name.EqualString(t.column) {
			continue
		}
		if q := e.Name.Qualifier; !q.IsEmpty() && !strings.EqualFold(q.Name.String(), fzRefName(te, tn)) {
			continue
		}
		if fc.coalesceStamp(u, t, e.Expr) {
			// Under WithIncludeDeleted a DELETE ... LIMIT counts deleted
			// rows too: it selects them and keeps their stamps, so the
			// target carries no live filter.
			delete(fc.stamped, te)
			return
		}
		if fzShape(e.Expr) != fzShape(t.stamp) {
			fc.bad("statement %d: %s.%s is set to %s, not the stamp", fc.stmt, t.name, t.column, sqlparser.String(e.Expr))
		}
		return
	}
	fc.bad("statement %d: the soft DELETE of %s does not set %s", fc.stmt, t.name, t.column)
}

// coalesceStamp reports whether e is coalesce(col, <now>), the stamp of a
// soft DELETE ... LIMIT whose target the mode shows whole.
func (fc *fzFilterCheck) coalesceStamp(u *sqlparser.Update, t *softTable, e sqlparser.Expr) bool {
	if u.Limit == nil || fc.fm.want(t.name, fc.primary) != filterAll {
		return false
	}
	if c, ok := e.(*sqlparser.CaseExpr); ok && t.kind.numeric() {
		// CASE WHEN col <> 0 THEN col ELSE <stamp> END
		if c.Expr != nil || len(c.Whens) != 1 || c.Else == nil || fzShape(c.Else) != fzShape(t.stamp) {
			return false
		}
		col, ok := c.Whens[0].Val.(*sqlparser.ColName)
		return ok && col.Name.EqualString(t.column) && fzIsFilter(c.Whens[0].Cond, fzTableName(col.Qualifier), t, filterDeleted)
	}
	f, ok := e.(*sqlparser.FuncExpr)
	if !ok || !f.Name.EqualString("coalesce") || len(f.Exprs) != 2 || t.kind.numeric() {
		return false
	}
	a, ok1 := f.Exprs[0].(*sqlparser.AliasedExpr)
	b, ok2 := f.Exprs[1].(*sqlparser.AliasedExpr)
	if !ok1 || !ok2 {
		return false
	}
	c, ok := a.Expr.(*sqlparser.ColName)
	return ok && c.Name.EqualString(t.column) && fzShape(b.Expr) == fzShape(t.stamp)
}

// fzShape prints an expression with every literal and parameter as ?.
func fzShape(e sqlparser.Expr) string {
	buf := sqlparser.NewTrackedBuffer(func(buf *sqlparser.TrackedBuffer, node sqlparser.SQLNode) {
		if _, ok := node.(*sqlparser.SQLVal); ok {
			buf.WriteString("?")
			return
		}
		node.Format(buf)
	})
	buf.Myprintf("%v", e)
	return buf.String()
}

// fzPrimary is the statement's primary table as the README defines it:
// the first table of the outermost FROM, or the UPDATE or DELETE target.
func fzPrimary(stmt sqlparser.Statement) string {
	switch n := stmt.(type) {
	case sqlparser.SelectStatement:
		return primaryTable(n)
	case *sqlparser.Insert:
		if sel, ok := n.Rows.(sqlparser.SelectStatement); ok {
			return primaryTable(sel)
		}
	case *sqlparser.Update:
		return primaryTable(n.TableExprs)
	case *sqlparser.Delete:
		if len(n.Targets) == 0 {
			return primaryTable(n.TableExprs)
		}
		if te := findTable(n.TableExprs, n.Targets[0]); te != nil {
			return strings.ToLower(targetName(te))
		}
	}
	return ""
}

func fzRefName(te *sqlparser.AliasedTableExpr, tn sqlparser.TableName) string {
	if !te.As.IsEmpty() {
		return strings.ToLower(te.As.String())
	}
	return fzTableName(tn)
}

// fzTableName is a table name as [qualifier.]name, lower case, unquoted.
func fzTableName(tn sqlparser.TableName) string {
	if tn.Qualifier.IsEmpty() {
		return strings.ToLower(tn.Name.String())
	}
	return strings.ToLower(tn.Qualifier.String() + "." + tn.Name.String())
}

func (fc *fzFilterCheck) selectStatement(ss sqlparser.SelectStatement) {
	switch n := ss.(type) {
	case *sqlparser.Select:
		fc.from(n.From, n.Where)
		fc.subqueries(n.SelectExprs, n.Where, n.GroupBy, n.Having, n.OrderBy, n.Limit)
	case *sqlparser.Union:
		fc.selectStatement(n.Left)
		fc.selectStatement(n.Right)
		fc.subqueries(n.OrderBy, n.Limit)
	case *sqlparser.ParenSelect:
		fc.selectStatement(n.Select)
	}
}

func (fc *fzFilterCheck) subqueries(nodes ...sqlparser.SQLNode) {
	_ = sqlparser.Walk(func(node sqlparser.SQLNode) (bool, error) {
		if sq, ok := node.(*sqlparser.Subquery); ok {
			fc.selectStatement(sq.Select)
			return false, nil
		}
		return true, nil
	}, nodes...)
}

// from checks the tables of a FROM list whose WHERE is where.
func (fc *fzFilterCheck) from(exprs sqlparser.TableExprs, where *sqlparser.Where) {
	var w sqlparser.Expr
	if where != nil {
		w = where.Expr
	}
	for i, te := range exprs {
		// sqlparser reads "a, b RIGHT JOIN c" as MySQL does, "a, (b RIGHT
		// JOIN c)"; SQLite as "(a, b) RIGHT JOIN c": for SQLite, a table
		// of an item is also under the joins of the left spine of each
		// later item, and on the nullable side of their RIGHT JOINs.
		var path []fzJoinStep
		if fc.rw.d == dialectSQLite {
			for k := len(exprs) - 1; k > i; k-- {
				path = append(path, fzSpine(exprs[k])...)
			}
		}
		fc.tableExpr(te, w, path)
	}
}

// fzSpine returns the joins of the left spine of te, outermost first, as
// seen from a table on their left.
func fzSpine(te sqlparser.TableExpr) []fzJoinStep {
	var out []fzJoinStep
	for {
		j, ok := te.(*sqlparser.JoinTableExpr)
		if !ok {
			return out
		}
		step := fzJoinStep{j: j}
		switch j.Join {
		case sqlparser.LeftJoinStr, sqlparser.NaturalLeftJoinStr:
			step.outer = true
		case sqlparser.RightJoinStr, sqlparser.NaturalRightJoinStr:
			step.outer, step.nullable = true, true
		}
		out = append(out, step)
		te = j.LeftExpr
	}
}

func (fc *fzFilterCheck) tableExpr(te sqlparser.TableExpr, where sqlparser.Expr, path []fzJoinStep) {
	switch n := te.(type) {
	case *sqlparser.AliasedTableExpr:
		switch e := n.Expr.(type) {
		case sqlparser.TableName:
			fc.table(n, e, where, path)
		case *sqlparser.Subquery:
			fc.selectStatement(e.Select)
		}
	case *sqlparser.ParenTableExpr:
		for _, x := range n.Exprs {
			fc.tableExpr(x, where, path)
		}
	case *sqlparser.JoinTableExpr:
		fc.subqueries(n.Condition.On)
		outer, leftNullable, rightNullable := false, false, false
		switch n.Join {
		case sqlparser.LeftJoinStr, sqlparser.NaturalLeftJoinStr:
			outer, rightNullable = true, true
		case sqlparser.RightJoinStr, sqlparser.NaturalRightJoinStr:
			outer, leftNullable = true, true
		}
		lp := append(append([]fzJoinStep(nil), path...), fzJoinStep{j: n, nullable: leftNullable, outer: outer})
		rp := append(append([]fzJoinStep(nil), path...), fzJoinStep{j: n, nullable: rightNullable, outer: outer})
		fc.tableExpr(n.LeftExpr, where, lp)
		fc.tableExpr(n.RightExpr, where, rp)
	}
}

// table checks one reference to a table.
func (fc *fzFilterCheck) table(te *sqlparser.AliasedTableExpr, tn sqlparser.TableName, where sqlparser.Expr, path []fzJoinStep) {
	t := fc.rw.tables.lookup(tn.Name.String())
	if t == nil {
		return
	}
	ref := fzRefName(te, tn)
	if strings.ContainsAny(ref, ":@?$") {
		// A variable or parameter where the alias goes ("posts @x"):
		// invalid SQL that sqlparser reads as an alias; the server
		// rejects it, rewritten or not.
		return
	}
	want := fc.fm.want(t.name, fc.primary)
	if fc.stamped[te] {
		want = filterLive
	}
	if want == filterAll {
		return
	}
	op := sqlparser.IsNullStr
	if want == filterDeleted {
		op = sqlparser.IsNotNullStr
	}
	isFilter := func(e sqlparser.Expr) bool { return fzIsFilter(e, ref, t, want) }
	// The filter may sit in the WHERE when no outer join on the path may
	// fill the table with NULLs; else in the ON of a join at or below the
	// innermost one that does, on whose nullable or inner side the table is.
	innermost := -1
	for i, s := range path {
		if s.outer && s.nullable {
			innermost = i
		}
	}
	if innermost < 0 && fzHasConjunct(where, isFilter) {
		return
	}
	for i := len(path) - 1; i >= 0 && i >= innermost; i-- {
		s := path[i]
		if s.outer && !s.nullable {
			continue // an ON does not filter the preserved side
		}
		if fzHasConjunct(s.j.Condition.On, isFilter) {
			return
		}
	}
	fc.bad("statement %d: %s (as %s) is not filtered by %s.%s %s (want %s, primary %q)",
		fc.stmt, t.name, ref, ref, t.column, op, []string{"live", "all", "deleted"}[want], fc.primary)
}

// fzHasConjunct reports whether e is, or is an AND of terms one of which
// is, a filter (isFilter).
func fzHasConjunct(e sqlparser.Expr, isFilter func(sqlparser.Expr) bool) bool {
	if isFilter(e) {
		return true
	}
	switch n := e.(type) {
	case *sqlparser.AndExpr:
		return fzHasConjunct(n.Left, isFilter) || fzHasConjunct(n.Right, isFilter)
	case *sqlparser.ParenExpr:
		return fzHasConjunct(n.Expr, isFilter)
	}
	return false
}

// fzIsFilter reports whether e is the filter of t (as ref) that want asks
// for, per its kind: ref.col IS NULL / IS NOT NULL for a time marker;
// (ref.col = 0 OR ref.col IS NULL) / ref.col <> 0 for a numeric one.
func fzIsFilter(e sqlparser.Expr, ref string, t *softTable, want filter) bool {
	isCol := func(e sqlparser.Expr) bool {
		c, ok := e.(*sqlparser.ColName)
		return ok && c.Name.EqualString(t.column) && fzTableName(c.Qualifier) == ref
	}
	isZero := func(e sqlparser.Expr) bool {
		v, ok := e.(*sqlparser.SQLVal)
		return ok && v.Type == sqlparser.IntVal && string(v.Val) == "0"
	}
	isOp := func(e sqlparser.Expr, op string) bool {
		switch n := e.(type) {
		case *sqlparser.IsExpr:
			return n.Operator == op && isCol(n.Expr)
		case *sqlparser.ComparisonExpr:
			return n.Operator == op && isCol(n.Left) && isZero(n.Right)
		}
		return false
	}
	switch {
	case !t.kind.numeric() && want == filterDeleted:
		return isOp(e, sqlparser.IsNotNullStr)
	case !t.kind.numeric():
		return isOp(e, sqlparser.IsNullStr)
	case want == filterDeleted:
		return isOp(e, sqlparser.NotEqualStr)
	}
	if p, ok := e.(*sqlparser.ParenExpr); ok {
		e = p.Expr
	}
	or, ok := e.(*sqlparser.OrExpr)
	return ok && isOp(or.Left, sqlparser.EqualStr) && isOp(or.Right, sqlparser.IsNullStr)
}

// fzHidden reports whether a statement of in names a soft-delete table
// inside a literal or comment: the rewriter then reads it without regions,
// so its output is not the rewrite with the regions as names.
func fzHidden(rw *rewriter, in string) bool {
	sts, err := lex(in, rw.d, rw.tables, true)
	if err != nil {
		return false
	}
	for _, st := range sts {
		if st.hidden {
			return true
		}
	}
	return false
}

// fzParseAsRewriter parses a statement as the rewriter reads it: through
// the segmenter (segment.go), which reads CTEs, windows and the dialects'
// forms around sqlparser, and without misreading MySQL's DELETE
// LOW_PRIORITY as a DELETE of a table named low_priority.
func fzParseAsRewriter(rw *rewriter, st *sourceStatement) (sqlparser.Statement, error) {
	stmt, refused, err := rw.parseSegmented(st)
	if refused != nil {
		return nil, refused
	}
	return stmt, err
}
