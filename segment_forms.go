package softdelete

import (
	"strconv"
	"strings"

	"github.com/xwb1989/sqlparser"
)

// This file reads the SQLite and MySQL forms that sqlparser does not know
// (see segment.go) by rewriting the parse text into forms it does know,
// noting in stmtForms how to print them back:
//
//   - MySQL: UPDATE/DELETE LOW_PRIORITY, QUICK, IGNORE (kept as comment
//     text after the keyword); DELETE t.*, u.* (the .* dropped); a locking
//     tail (FOR UPDATE SKIP LOCKED, NOWAIT, FOR SHARE, LOCK IN SHARE MODE
//     NOWAIT) cut and written back at the end.
//   - SQLite: INSERT/UPDATE OR <conflict> (comment text); FULL [OUTER]
//     JOIN (read as STRAIGHT_JOIN, which SQLite does not have); INDEXED BY
//     and NOT INDEXED (read as index hints, which SQLite does not have);
//     UPDATE ... FROM (read as UPDATE target, from-list SET ...).
//   - Both: a table-valued function in a FROM list (json_each(?),
//     JSON_TABLE(...)) read as a table, its call kept opaque.

// opaqueTable is the table name that stands for opaque text N (a call).
const opaqueTable = "softdelete_opaque_"

// notIndexed is the index that stands for SQLite's NOT INDEXED.
const notIndexed = "softdelete_not_indexed"

// stmtForms notes how to print back the forms the segmenter rewrote.
type stmtForms struct {
	mods       string   // modifiers after the first keyword, as comment text
	lockTail   string   // a locking clause written after the statement
	updateFrom bool     // SQLite UPDATE ... FROM: TableExprs[1:] are the FROM list
	fullJoin   bool     // STRAIGHT_JOIN stands for SQLite's FULL OUTER JOIN
	indexHints bool     // index hints stand for INDEXED BY / NOT INDEXED
	orReplace  bool     // SQLite INSERT/UPDATE OR REPLACE
	dropQuick  []string // mods of a DELETE that an UPDATE has too
	hintFor    []string // MySQL: each index hint's FOR clause, in text order ("" for none)
	// deleteAlias: SQLite's DELETE FROM t AS a, read as DELETE a FROM t AS a.
	deleteAlias bool
	// isOps: SQLite's IS, IS NOT, IS [NOT] DISTINCT FROM before an
	// operand that is not NULL, TRUE or FALSE, read as <=> (which SQLite
	// does not have), in text order.
	isOps []string
}

// formWords are the words that may start a form of this file.
var formWords = map[string]bool{"low_priority": true, "quick": true, "ignore": true, "skip": true, "nowait": true,
	"share": true, "wait": true, "full": true, "indexed": true, "lock": true, "of": true, "key": true,
	"straight_join": true, "use": true, "force": true}

// mayHoldForm reports whether st has a word of a form of this file: a
// cheap test on its words before the parse text is scanned.
func mayHoldForm(st *sourceStatement) bool {
	first := st.firstWord()
	for i, w := range st.words {
		switch {
		case w.quoted || w.qualified:
		case formWords[w.lower],
			i == 1 && w.lower == "or",
			w.lower == "from" && (first == "update" || first == "delete" && i > 1),
			i == 3 && first == "delete" && (w.lower == "as" || !isKeyword(w.lower)), // DELETE FROM t [AS] a
			w.lower == "as" && i+1 < len(st.words) && !st.words[i+1].quoted && isKeyword(st.words[i+1].lower),
			i > 0 && mayCallInFrom(st, i),
			w.lower == "is" && i+1 < len(st.words) && isOperand(st.words[i+1:]):
			return true
		}
	}
	return false
}

// mayCallInFrom reports whether the word i of st may be a call in a FROM
// list: followed by '(', after FROM, JOIN or a comma.
func mayCallInFrom(st *sourceStatement, i int) bool {
	w := st.words[i]
	end := int(w.start) + len(w.lower)
	if j := skipBlanks(st.text, end); j >= len(st.text) || st.text[j] != '(' {
		return false
	}
	if p := st.words[i-1].lower; p == "from" || p == "join" {
		return true
	}
	j := int(w.start) - 1
	for j >= 0 && isBlank(st.text[j]) {
		j--
	}
	return j >= 0 && st.text[j] == ','
}

// formCutter rewrites one parse text.
type formCutter struct {
	g      *segmenter
	text   string
	forms  stmtForms
	sqlite bool
}

// cutForms returns text with the forms of this file rewritten; how to
// print them back is kept in st.forms.
func (g *segmenter) cutForms(text string) (string, error) {
	c := &formCutter{g: g, text: text, sqlite: g.r.d.lex.pipesConcat}
	steps := []func() error{c.leadingMods, c.deleteStars, c.deleteAlias, c.lockingTail, c.joinsAndHints, c.tableFunctions, c.updateFrom, c.keywordAliases, c.isOperators}
	for _, step := range steps {
		if err := step(); err != nil {
			return "", err
		}
	}
	f := c.forms
	if f.mods != "" || f.lockTail != "" || f.updateFrom || f.fullJoin || f.indexHints || f.hintFor != nil || f.deleteAlias || f.isOps != nil {
		g.st.forms = &f
	}
	return c.text, nil
}

// tokens returns the tokens of the text.
func (c *formCutter) tokens() []parseToken {
	var out []parseToken
	for i := 0; ; {
		t := nextParseToken(c.text, i)
		if t.kind == 0 {
			return out
		}
		out = append(out, t)
		i = t.end
	}
}

// splice replaces c.text[at:end] by with.
func (c *formCutter) splice(at, end int, with string) {
	c.text = c.text[:at] + with + c.text[end:]
}

// leadingMods cuts the modifiers after UPDATE and DELETE (MySQL), or the
// OR <conflict> after INSERT and UPDATE (SQLite).
func (c *formCutter) leadingMods() error {
	ts := c.tokens()
	if len(ts) < 2 || ts[0].kind != 'w' {
		return nil
	}
	first, i := ts[0].lower, 1
	var mods []string
	switch {
	case c.sqlite && (first == "insert" || first == "update") && ts[1].lower == "or" && len(ts) > 2:
		switch ts[2].lower {
		case "rollback", "abort", "replace", "fail", "ignore":
			mods, i = []string{"or", ts[2].lower}, 3
			c.forms.orReplace = ts[2].lower == "replace"
		}
	case !c.sqlite && (first == "update" || first == "delete"):
		for ; i < len(ts) && ts[i].kind == 'w'; i++ {
			if w := ts[i].lower; w == "low_priority" || w == "ignore" || w == "quick" && first == "delete" {
				mods = append(mods, w)
				if w != "quick" {
					c.forms.dropQuick = append(c.forms.dropQuick, w)
				}
				continue
			}
			break
		}
	}
	if len(mods) == 0 {
		return nil
	}
	c.forms.mods = strings.Join(mods, " ")
	c.splice(ts[1].start, ts[i-1].end, " ")
	return nil
}

// deleteStars drops the .* of MySQL's DELETE t.*, u.* FROM ... targets.
func (c *formCutter) deleteStars() error {
	ts := c.tokens()
	if c.sqlite || len(ts) == 0 || ts[0].lower != "delete" {
		return nil
	}
	for i := 1; i+2 < len(ts); i++ {
		if ts[i].lower == "from" {
			break
		}
		if (ts[i].kind == 'w' || ts[i].kind == 'q') && c.text[ts[i+1].start] == '.' && c.text[ts[i+2].start] == '*' {
			c.splice(ts[i+1].start, ts[i+2].end, " ")
			return c.deleteStars()
		}
	}
	return nil
}

// lockingTail cuts a MySQL locking clause that ends the statement and
// that sqlparser does not read (SKIP LOCKED, NOWAIT, WAIT n, FOR SHARE,
// OF t), to be written back after the statement.
func (c *formCutter) lockingTail() error {
	if c.sqlite {
		return nil
	}
	ts := c.tokens()
	depth, start := 0, -1
	for i, t := range ts {
		switch t.kind {
		case '(':
			depth++
		case ')':
			depth--
		case 'w':
			if depth == 0 && start < 0 && i+1 < len(ts) && (t.lower == "for" && (ts[i+1].lower == "update" || ts[i+1].lower == "share") ||
				t.lower == "lock" && ts[i+1].lower == "in") {
				start = i
			}
		}
		if start >= 0 && i > start && t.kind != 'w' && t.kind != 'q' && t.kind != ',' && !(t.kind == '.' && c.text[t.start] >= '0' && c.text[t.start] <= '9') {
			start = -1 // not a tail of words
		}
	}
	if start < 0 {
		return nil
	}
	tail := c.text[ts[start].start:ts[len(ts)-1].end] // not the comments after it
	switch strings.Join(strings.Fields(strings.ToLower(tail)), " ") {
	case "for update", "lock in share mode":
		return nil // sqlparser reads them
	}
	c.forms.lockTail = strings.TrimSpace(tail)
	c.text = c.text[:ts[start].start]
	return nil
}

// joinsAndHints reads SQLite's FULL [OUTER] JOIN, INDEXED BY and NOT
// INDEXED, and MySQL's USE KEY and index hints FOR JOIN, ORDER BY or
// GROUP BY.
func (c *formCutter) joinsAndHints() error {
	ts := c.tokens()
	for i := len(ts) - 1; i >= 0; i-- { // from the end: splices keep earlier offsets
		t := ts[i]
		if t.kind != 'w' {
			continue
		}
		next := func(k int) string {
			if i+k < len(ts) {
				return ts[i+k].lower
			}
			return ""
		}
		switch {
		case c.sqlite && (t.lower == "straight_join" || (t.lower == "use" || t.lower == "force") && (next(1) == "index" || next(1) == "key")):
			return c.g.refusal("", "write a join or index form SQLite reads (JOIN, INDEXED BY)", "SQLite has no %s", strings.ToUpper(t.lower))
		case c.sqlite && t.lower == "full" && next(1) == "outer" && next(2) == "join":
			c.splice(t.start, ts[i+2].end, " straight_join ")
			c.forms.fullJoin = true
		case c.sqlite && t.lower == "full" && next(1) == "join":
			c.splice(t.start, ts[i+1].end, " straight_join ")
			c.forms.fullJoin = true
		case c.sqlite && t.lower == "indexed" && next(1) == "by" && i+2 < len(ts) && (ts[i+2].kind == 'w' || ts[i+2].kind == 'q'):
			c.splice(t.start, ts[i+2].end, " use index ("+c.text[ts[i+2].start:ts[i+2].end]+") ")
			c.forms.indexHints = true
		case c.sqlite && t.lower == "not" && next(1) == "indexed" && i > 0 && (ts[i-1].kind == 'q' || ts[i-1].kind == 'w' && !keywordOf(ts[i-1].lower).is(kwDropsRegion) && !isKeyword(ts[i-1].lower)):
			c.splice(t.start, ts[i+1].end, " ignore index ("+notIndexed+") ")
			c.forms.indexHints = true
		case !c.sqlite && (t.lower == "use" || t.lower == "ignore" || t.lower == "force") && (next(1) == "key" || next(1) == "index"):
			c.mysqlHint(ts, i)
		}
	}
	if c.forms.hintFor != nil {
		for l, r := 0, len(c.forms.hintFor)-1; l < r; l, r = l+1, r-1 { // read from the end
			c.forms.hintFor[l], c.forms.hintFor[r] = c.forms.hintFor[r], c.forms.hintFor[l]
		}
	}
	return nil
}

// mysqlHint reads the MySQL index hint whose first word is ts[i]: KEY is
// read as INDEX, a FOR JOIN/ORDER BY/GROUP BY clause is cut (the printer
// writes it back), and keywords in the list (PRIMARY) are quoted.
func (c *formCutter) mysqlHint(ts []parseToken, i int) {
	j := i + 2
	forText := ""
	if j < len(ts) && ts[j].lower == "for" {
		k := j + 2
		if k <= len(ts) && ts[j+1].lower != "join" {
			k++ // ORDER BY, GROUP BY
		}
		if k > len(ts) {
			return
		}
		forText = strings.ToLower(c.text[ts[j].start:ts[k-1].end])
		j = k
	}
	if j >= len(ts) || ts[j].kind != '(' {
		return
	}
	close := closingParen(c.text, ts[j].end)
	if close < 0 {
		return
	}
	list := c.text[ts[j].start : close+1]
	for k := j + 1; k < len(ts) && ts[k].start < close; k++ {
		if ts[k].kind == 'w' && isKeyword(ts[k].lower) {
			list = strings.Replace(list, c.text[ts[k].start:ts[k].end], "`"+c.text[ts[k].start:ts[k].end]+"`", 1)
		}
	}
	c.splice(ts[i+1].start, close+1, "index "+list)
	c.forms.hintFor = append(c.forms.hintFor, forText)
}

// tableFunctions reads a call in a FROM list (json_each(?), JSON_TABLE(...))
// as a table whose name stands for the call, kept opaque.
func (c *formCutter) tableFunctions() error {
	ts := c.tokens()
	var fromDepth []bool // per depth: inside a FROM list
	depth := 0
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		for len(fromDepth) <= depth+1 {
			fromDepth = append(fromDepth, false)
		}
		switch t.kind {
		case '(':
			depth++
			fromDepth[depth] = false
			continue
		case ')':
			if depth > 0 { // an unbalanced ')' is the parser's to refuse
				depth--
			}
			continue
		case 'w':
			switch t.lower {
			case "from", "join", "straight_join":
				fromDepth[depth] = true
			case "where", "group", "having", "order", "limit", "on", "using", "set", "union", "window", "select", "values", "returning":
				fromDepth[depth] = false
			}
		}
		lead := t.kind == 'w' && (t.lower == "from" || t.lower == "join" || t.lower == "straight_join") || t.kind == ','
		if !lead || !fromDepth[depth] || i+2 >= len(ts) || ts[i+1].kind != 'w' || ts[i+2].kind != '(' || ts[i+1].lower == "lateral" {
			continue
		}
		close := closingParen(c.text, ts[i+2].end)
		if close < 0 {
			return nil
		}
		call := c.text[ts[i+1].start : close+1]
		if err := c.checkOpaque(call); err != nil {
			return err
		}
		n := len(c.g.opaque)
		c.g.opaque = append(c.g.opaque, call)
		c.g.st.tableFuncs = true
		c.splice(ts[i+1].start, close+1, " "+opaqueTable+strconv.Itoa(n)+" ")
		return c.tableFunctions()
	}
	return nil
}

// checkOpaque refuses opaque text that holds a statement.
func (c *formCutter) checkOpaque(text string) error {
	for i := 0; ; {
		t := nextParseToken(text, i)
		if t.kind == 0 {
			return nil
		}
		if t.kind == 'w' && keywordOf(t.lower).is(kwStatement) {
			return c.g.refusal("", orRaw("read the function's rows in a derived table, or filter by hand"), "a table-valued function whose arguments hold %s (a subquery there would not be filtered)", strings.ToUpper(t.lower))
		}
		i = t.end
	}
}

// updateFrom reads SQLite's UPDATE t SET ... FROM list ... as UPDATE t,
// list SET ...; the printer moves the list back.
func (c *formCutter) updateFrom() error {
	ts := c.tokens()
	if !c.sqlite || len(ts) == 0 || ts[0].lower != "update" {
		return nil
	}
	depth, set, from, end := 0, -1, -1, len(c.text)
	for i, t := range ts {
		switch t.kind {
		case '(':
			depth++
		case ')':
			depth--
		case 'w':
			switch {
			case depth != 0:
			case t.lower == "set" && set < 0:
				set = i
			case t.lower == "from" && set >= 0 && from < 0:
				from = i
			case from >= 0 && (t.lower == "where" || t.lower == "order" || t.lower == "limit" || t.lower == "returning"):
				end = t.start
			case from >= 0 && (t.lower == "right" || t.lower == "full" || t.lower == "straight_join"):
				return c.g.refusal("", orRaw("write the FROM list of the UPDATE without RIGHT or FULL joins"), "an UPDATE ... FROM whose list has a RIGHT or FULL join")
			}
		}
		if end < len(c.text) {
			break
		}
	}
	if set < 0 || from < 0 {
		return nil
	}
	list := c.text[ts[from].end:end]
	c.text = c.text[:ts[set].start] + ", " + list + " " + c.text[ts[set].start:ts[from].start] + " " + c.text[end:]
	c.forms.updateFrom = true
	return nil
}

// formatForm writes the nodes that stand for a form of this file; it
// reports whether node was one.
func (p *printer) formatForm(buf *sqlparser.TrackedBuffer, node sqlparser.SQLNode) bool {
	switch n := node.(type) {
	case sqlparser.TableName:
		if i, ok := opaqueIndex(n); ok {
			p.writeOpaque(buf, i, false)
			return true
		}
	case *sqlparser.ComparisonExpr:
		if p.forms != nil && p.forms.isOps != nil && n.Operator == sqlparser.NullSafeEqualStr {
			p.formatIsOperator(buf, n)
			return true
		}
	case *sqlparser.IndexHints:
		if p.forms != nil && p.forms.hintFor != nil && n != nil {
			p.formatMySQLHint(buf, n)
			return true
		}
		if p.forms == nil || !p.forms.indexHints || n == nil || len(n.Indexes) != 1 {
			return false
		}
		if n.Indexes[0].String() == notIndexed {
			buf.WriteString(" not indexed")
		} else {
			buf.WriteString(" indexed by ")
			p.ident(buf, n.Indexes[0].String())
		}
		return true
	case *sqlparser.Delete:
		if p.forms != nil && p.forms.deleteAlias {
			buf.WriteString("delete ")
			p.format(buf, n.Comments)
			buf.WriteString("from ")
			p.format(buf, n.TableExprs)
			p.format(buf, n.Where)
			p.format(buf, n.OrderBy)
			p.format(buf, n.Limit)
			return true
		}
	case *sqlparser.Update:
		if p.forms != nil && p.forms.updateFrom && len(n.TableExprs) > 1 {
			buf.WriteString("update ")
			p.format(buf, n.Comments)
			p.format(buf, n.TableExprs[0])
			buf.WriteString(" set ")
			p.format(buf, n.Exprs)
			buf.WriteString(" from ")
			p.format(buf, n.TableExprs[1:])
			p.format(buf, n.Where)
			p.format(buf, n.OrderBy)
			p.format(buf, n.Limit)
			return true
		}
	}
	return false
}

// opaqueIndex returns the opaque text a table name stands for.
func opaqueIndex(n sqlparser.TableName) (int, bool) {
	s, ok := strings.CutPrefix(n.Name.String(), opaqueTable)
	if !ok || !n.Qualifier.IsEmpty() {
		return 0, false
	}
	i, err := strconv.Atoi(s)
	return i, err == nil
}

// addMods puts the modifiers the segmenter cut back after the first
// keyword of the statement to print (as comment text, which sqlparser
// writes there): a DELETE that became an UPDATE keeps those an UPDATE has.
func (f *stmtForms) addMods(out sqlparser.Statement) {
	if f == nil || f.mods == "" {
		return
	}
	mods := f.mods
	switch n := out.(type) {
	case *sqlparser.Update:
		if strings.Contains(mods, "quick") {
			mods = strings.Join(f.dropQuick, " ")
		}
		if mods != "" {
			n.Comments = append(sqlparser.Comments{[]byte(mods)}, n.Comments...)
		}
	case *sqlparser.Delete:
		n.Comments = append(sqlparser.Comments{[]byte(mods)}, n.Comments...)
	case *sqlparser.Insert:
		n.Comments = append(sqlparser.Comments{[]byte(mods)}, n.Comments...)
	}
}

// formatMySQLHint writes the next MySQL index hint with its FOR clause.
func (p *printer) formatMySQLHint(buf *sqlparser.TrackedBuffer, n *sqlparser.IndexHints) {
	if p.hints >= len(p.forms.hintFor) {
		p.fail(errUnknownWindow)
		return
	}
	buf.WriteString(" " + n.Type + "index ")
	if f := p.forms.hintFor[p.hints]; f != "" {
		buf.WriteString(f + " ")
	}
	p.hints++
	buf.WriteByte('(')
	for i, ix := range n.Indexes {
		buf.WriteString(listSeparator(i, ""))
		p.ident(buf, ix.String())
	}
	buf.WriteByte(')')
}

// checkForms refuses what the mode forbids in a form of this file: an
// INSERT or UPDATE OR REPLACE of a soft-delete table deletes the rows
// whose keys it takes, soft-deleted ones included.
func (s *scope) checkForms(target sqlparser.TableName) {
	if f := s.st.forms; f == nil || !f.orReplace || s.m.force {
		return
	}
	if t := s.soft(target); t != nil {
		s.refuse(t.name, upsertFix(s.r.d, t.name), "OR REPLACE deletes the rows whose keys it takes, a soft-deleted row included")
	}
}

// filterFullJoin filters both sides of SQLite's FULL JOIN: each is
// nullable, and a filter in its ON would keep a hidden row as an outer
// row, so each filtered table becomes a filtered derived table.
func (s *scope) filterFullJoin(j *sqlparser.JoinTableExpr, left, right []sqlparser.Expr) {
	noOn := &sqlparser.JoinTableExpr{}
	s.filterNullableSide(noOn, j.LeftExpr, left)
	s.filterNullableSide(noOn, j.RightExpr, right)
}

// deleteAlias reads SQLite's DELETE FROM t [AS] a WHERE ... (one table,
// aliased) as MySQL's DELETE a FROM t AS a WHERE ...; the stamp's column
// and a forced DELETE are printed in SQLite's form.
func (c *formCutter) deleteAlias() error {
	ts := c.tokens()
	if !c.sqlite || len(ts) < 4 || ts[0].lower != "delete" || ts[1].lower != "from" {
		return nil
	}
	i := 3
	if i < len(ts) && ts[i].kind == '.' && c.text[ts[i].start] == '.' { // schema.table
		i += 2
	}
	if i < len(ts) && ts[i].lower == "as" {
		i++
	}
	if i >= len(ts) || ts[i].kind != 'w' && ts[i].kind != 'q' || isKeyword(ts[i].lower) || ts[i].lower == "indexed" || ts[i].lower == "not" {
		return nil
	}
	c.splice(ts[1].start, ts[1].start, c.text[ts[i].start:ts[i].end]+" ")
	c.forms.deleteAlias = true
	return nil
}

// keywordAliases quotes an alias that sqlparser reads as a keyword (AS
// next, AS key), outside CAST and CONVERT, whose AS is followed by a type.
func (c *formCutter) keywordAliases() error {
	ts := c.tokens()
	var casts []bool // per open '(': a CAST or CONVERT
	for i := 0; i+1 < len(ts); i++ {
		switch t := ts[i]; t.kind {
		case '(':
			casts = append(casts, i > 0 && (ts[i-1].lower == "cast" || ts[i-1].lower == "convert"))
		case ')':
			if len(casts) > 0 {
				casts = casts[:len(casts)-1]
			}
		case 'w':
			n := ts[i+1]
			if t.lower != "as" || n.kind != 'w' || !asciiWord(n.lower) || !isKeyword(n.lower) || n.lower == "not" || n.lower == "materialized" || len(casts) > 0 && casts[len(casts)-1] ||
				i+2 < len(ts) && ts[i+2].kind == '(' { // AS (SELECT ...) of a CTE or CREATE
				continue
			}
			c.splice(n.start, n.end, "`"+c.text[n.start:n.end]+"`")
			return c.keywordAliases()
		}
	}
	return nil
}

// fullJoinOnSpine reports whether SQLite's FULL JOIN applies to the
// leftmost table of te (the one a preceding comma joins with in SQLite).
func (s *scope) fullJoinOnSpine(te sqlparser.TableExpr) bool {
	if s.st.forms == nil || !s.st.forms.fullJoin {
		return false
	}
	for {
		j, ok := te.(*sqlparser.JoinTableExpr)
		if !ok {
			return false
		}
		if j.Join == sqlparser.StraightJoinStr {
			return true
		}
		te = j.LeftExpr
	}
}

// isOperand reports whether the words after an IS may make it SQLite's
// comparison (x IS ?, x IS NOT y), not IS [NOT] NULL/TRUE/FALSE.
func isOperand(ws []word) bool {
	if ws[0].lower == "not" && len(ws) > 1 {
		ws = ws[1:]
	}
	switch ws[0].lower {
	case "null", "true", "false", "unknown":
		return ws[0].quoted
	}
	return true
}

// isOperators reads SQLite's IS [NOT] and IS [NOT] DISTINCT FROM before an
// operand that is not NULL, TRUE or FALSE as <=>, noting each operator.
func (c *formCutter) isOperators() error {
	if !c.sqlite {
		return nil
	}
	if strings.Contains(c.text, "<=>") {
		return c.g.refusal("", "write IS for a comparison that treats NULLs as equal", "SQLite has no <=>")
	}
	ts := c.tokens()
	var ops []string
	var b strings.Builder
	last := 0
	for i := 0; i < len(ts); i++ {
		if ts[i].lower != "is" || ts[i].kind != 'w' {
			continue
		}
		j := i + 1
		if j < len(ts) && ts[j].lower == "not" {
			j++
		}
		if j+1 < len(ts) && ts[j].lower == "distinct" && ts[j+1].lower == "from" {
			j += 2
		}
		if j >= len(ts) || ts[j].kind == 'w' && (ts[j].lower == "null" || ts[j].lower == "true" || ts[j].lower == "false") && j == i+1+boolInt(ts[i+1].lower == "not") {
			continue // IS [NOT] NULL/TRUE/FALSE: sqlparser reads them
		}
		ops = append(ops, strings.ToLower(strings.Join(strings.Fields(c.text[ts[i].start:ts[j-1].end]), " ")))
		b.WriteString(c.text[last:ts[i].start])
		b.WriteString(" <=> ")
		last = ts[j-1].end
		i = j - 1
	}
	if ops == nil {
		return nil
	}
	b.WriteString(c.text[last:])
	c.text, c.forms.isOps = b.String(), ops
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// formatIsOperator writes the next SQLite IS operator that <=> stands for.
func (p *printer) formatIsOperator(buf *sqlparser.TrackedBuffer, n *sqlparser.ComparisonExpr) {
	if p.isOps >= len(p.forms.isOps) {
		p.fail(errUnknownWindow)
		return
	}
	p.format(buf, n.Left)
	spaced(buf, p.forms.isOps[p.isOps])
	p.isOps++
	p.format(buf, n.Right)
}

// asciiWord reports whether w is letters, digits and '_' only: a keyword
// sqlparser may know, not a name with other bytes.
func asciiWord(w string) bool {
	for i := 0; i < len(w); i++ {
		if c := w[i]; !isIdentStart(c) && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
