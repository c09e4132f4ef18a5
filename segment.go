package softdelete

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xwb1989/sqlparser"
)

// This file cuts the parts sqlparser cannot read out of the parse text
// before the parse stage, and hands them to the scope and the printer
// separately (segment, don't replace the parser).
//
// A CTE list (WITH [RECURSIVE] name [(cols)] AS (body), ...) starts a
// statement, a parenthesised statement, or the SELECT of an INSERT or
// REPLACE. The segmenter cuts the list out, parses each body as a
// statement of its own (its bind variables are the statement's), and puts
// a marker comment after the first keyword of the statement the list
// belongs to, where sqlparser keeps it (comment_opt). The scope filters each
// body like a subquery; the printer writes the list back before the
// statement whose comments hold the marker.

// segmentMarkerPrefix starts every marker comment the segmenter writes; a
// text that holds it is refused (a forged marker).
const segmentMarkerPrefix = "/*softdelete:"

// cteMarker starts the comment that marks the statement a CTE list
// belongs to; its number indexes sourceStatement.withs.
const cteMarker = "/*softdelete:with:"

// withList is a CTE list cut out of a statement.
type withList struct {
	recursive bool
	ctes      []cteDef
	printed   int // times the printer wrote it: must end at 1
}

// cteDef is one CTE of a list.
type cteDef struct {
	name         string   // as written, without quotes
	cols         []string // the column list, or nil
	materialized string   // "", "materialized" or "not materialized" (SQLite)
	body         sqlparser.SelectStatement
}

// mayHoldCTE reports whether st has a WITH that may start a CTE list: a
// cheap test on its words before the parse text is scanned.
func mayHoldCTE(st *sourceStatement) bool {
	for _, w := range st.words {
		if w.lower == "with" && !w.quoted && !w.qualified {
			return true
		}
	}
	return false
}

// parseToken is a token of the parse text, as the segmenter reads it.
type parseToken struct {
	kind       byte // 'w' word, 'q' backquoted name, '(' ')' ',' or '.' other, 0 at the end
	start, end int
	lower      string // a word, lower case; a name, unquoted
}

// nextParseToken reads the token of the parse text s at or after i:
// blanks and comments are skipped, strings and bind variables are others.
func nextParseToken(s string, i int) parseToken {
	for i < len(s) {
		c := s[i]
		switch {
		case isBlank(c):
			i++
			continue
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			if j := strings.Index(s[i+2:], "*/"); j >= 0 && !strings.HasPrefix(s[i:], cteMarker) {
				i += j + 4
				continue
			}
		}
		break
	}
	if i >= len(s) {
		return parseToken{start: i, end: i}
	}
	c := s[i]
	switch {
	case c == '(' || c == ')' || c == ',':
		return parseToken{kind: c, start: i, end: i + 1}
	case c == '`':
		j, err := scanQuoted(s, i, '`', false)
		if err != nil {
			return parseToken{kind: '.', start: i, end: len(s)}
		}
		return parseToken{kind: 'q', start: i, end: j, lower: strings.ReplaceAll(s[i+1:j-1], "``", "`")}
	case c == '\'' || c == '"':
		j, err := scanQuoted(s, i, c, true)
		if err != nil {
			j = len(s)
		}
		return parseToken{kind: '.', start: i, end: j}
	case c == '/' && strings.HasPrefix(s[i:], cteMarker):
		j := strings.Index(s[i:], "*/")
		return parseToken{kind: '.', start: i, end: i + j + 2}
	case wordByte[c] && !(c >= '0' && c <= '9'):
		j := scanWord(s, i)
		return parseToken{kind: 'w', start: i, end: j, lower: strings.ToLower(s[i:j])}
	case wordByte[c]:
		return parseToken{kind: '.', start: i, end: scanWord(s, i)}
	case c == ':':
		return parseToken{kind: '.', start: i, end: max(scanWord(s, i+1), i+1)}
	}
	return parseToken{kind: '.', start: i, end: i + 1}
}

// segmenter cuts the CTE lists out of one statement's parse text.
type segmenter struct {
	r      *rewriter
	st     *sourceStatement
	lists  []*withList
	bodies int      // depth of the CTE bodies being cut: 0 for the statement itself
	opaque []string // the opaque texts: windows, table-valued calls
	top    int      // the list that starts the statement and precedes a parenthesis, or -1
}

// refusal is the segmenter's refusal of the statement.
func (g *segmenter) refusal(table, fix, format string, args ...any) *RefusedError {
	if table == "" {
		table = g.r.firstTableIn(g.st.text)
	}
	return &RefusedError{Table: table, Reason: fmt.Sprintf(format, args...), Fix: fix}
}

// cut returns text with every CTE list cut out and marked.
func (g *segmenter) cut(text string) (string, error) {
	for {
		at := cteStart(text)
		if at < 0 {
			return text, nil
		}
		var err error
		if text, err = g.cutList(text, at); err != nil {
			return "", err
		}
	}
}

// cteStart returns the offset of the first WITH of text that starts a CTE
// list: the first token, right after a '(', or, in an INSERT or REPLACE,
// at depth 0 before its SELECT. It returns -1 when there is none.
func cteStart(text string) int {
	depth, prev, insert, selected := 0, byte(0), false, false
	for i, n := 0, 0; ; n++ {
		t := nextParseToken(text, i)
		switch t.kind {
		case 0:
			return -1
		case '(':
			depth++
		case ')':
			depth--
		case 'w':
			if n == 0 && (t.lower == "insert" || t.lower == "replace") {
				insert = true
			}
			if t.lower == "with" && (n == 0 || prev == '(' || insert && depth == 0 && !selected) {
				return t.start
			}
			if depth == 0 && (t.lower == "select" || t.lower == "values") {
				selected = true
			}
		}
		prev, i = t.kind, t.end
	}
}

// cutList cuts the CTE list that starts at text[at] (its WITH) out of
// text, and marks the statement that follows it.
func (g *segmenter) cutList(text string, at int) (string, error) {
	wl := &withList{}
	t := nextParseToken(text, nextParseToken(text, at).end)
	if t.kind == 'w' && t.lower == "recursive" {
		wl.recursive = true
		t = nextParseToken(text, t.end)
	}
	for {
		c, next, err := g.cte(text, t)
		if err != nil {
			return "", err
		}
		wl.ctes = append(wl.ctes, c)
		if t = nextParseToken(text, next); t.kind != ',' {
			break
		}
		t = nextParseToken(text, t.end)
	}
	if t.kind == '(' && at == 0 && g.bodies == 0 && g.top < 0 {
		// WITH x AS (...) (SELECT ...) UNION (SELECT ...): the list
		// belongs to the whole statement, and is printed before it.
		g.top = len(g.lists)
		g.lists = append(g.lists, wl)
		return text[t.start:], nil
	}
	if t.kind != 'w' || !keywordOf(t.lower).is(kwStatement) || t.lower == "with" || t.lower == "values" {
		return "", g.refusal("", orRaw("start the statement after the CTE list with SELECT, INSERT, UPDATE or DELETE (not a parenthesis)"),
			"softdelete cannot read what follows the CTE list")
	}
	g.lists = append(g.lists, wl)
	marker := " " + cteMarker + strconv.Itoa(len(g.lists)-1) + "*/ "
	return text[:at] + text[t.start:t.end] + marker + text[t.end:], nil
}

// cte reads one CTE of a list from its name, the token t: name [(cols)]
// AS [[NOT] MATERIALIZED] (body). It returns it and the offset past it.
func (g *segmenter) cte(text string, t parseToken) (cteDef, int, error) {
	var c cteDef
	bad := func(what string) (cteDef, int, error) {
		return c, 0, g.refusal("", orRaw("write the CTE as name [(columns)] AS (SELECT ...)"), "softdelete cannot read the CTE list %s: %s", c.name, what)
	}
	if t.kind != 'w' && t.kind != 'q' {
		return bad("a name is missing")
	}
	c.name = text[t.start:t.end]
	if t.kind == 'q' {
		c.name = t.lower
	}
	if st := g.r.tables.lookup(strings.ToLower(c.name)); st != nil {
		return c, 0, g.refusal(st.name, orRaw("rename the CTE: a CTE named like a soft-delete table hides it, and softdelete cannot tell which one a name means"),
			"the CTE %s has the name of the soft-delete table %s", c.name, st.name)
	}
	t = nextParseToken(text, t.end)
	if t.kind == '(' {
		cols, next, ok := cteColumns(text, t.end)
		if !ok {
			return bad("its column list cannot be read")
		}
		c.cols, t = cols, nextParseToken(text, next)
	}
	if t.kind != 'w' || t.lower != "as" {
		return bad("AS is missing")
	}
	t = nextParseToken(text, t.end)
	if t.kind == 'w' && t.lower == "not" {
		c.materialized, t = "not ", nextParseToken(text, t.end)
	}
	if t.kind == 'w' && t.lower == "materialized" {
		c.materialized, t = c.materialized+"materialized", nextParseToken(text, t.end)
	} else if c.materialized != "" {
		return bad("MATERIALIZED is missing after NOT")
	}
	if t.kind != '(' {
		return bad("its body is missing")
	}
	end := closingParen(text, t.end)
	if end < 0 {
		return bad("its body is not closed")
	}
	body, err := g.body(text[t.end:end], t.end)
	if err != nil {
		return c, 0, err
	}
	c.body = body
	return c, end + 1, nil
}

// body cuts and parses a CTE's body, at offset at of the parse text.
func (g *segmenter) body(text string, at int) (sqlparser.SelectStatement, error) {
	g.bodies++
	cut, err := g.cut(text)
	g.bodies--
	if err != nil {
		return nil, err
	}
	stmt, err := parse(cut)
	if err != nil {
		return nil, &RefusedError{Table: g.r.firstTableIn(g.st.text), Reason: "sqlparser cannot parse the body of a CTE (a VALUES list, window functions with FILTER, ...)", Fix: g.r.byHandFix(g.st, g.r.firstTableIn(g.st.text)), Err: err}
	}
	sel, ok := stmt.(sqlparser.SelectStatement)
	if !ok {
		return nil, g.refusal("", orRaw("write the CTE's body as a SELECT"), "the body of a CTE is not a SELECT")
	}
	return sel, nil
}

// cteColumns reads a CTE's column list after its '(' at text[i:].
func cteColumns(text string, i int) ([]string, int, bool) {
	var cols []string
	for {
		t := nextParseToken(text, i)
		switch t.kind {
		case 'w':
			cols = append(cols, text[t.start:t.end])
		case 'q':
			cols = append(cols, t.lower)
		default:
			return nil, 0, false
		}
		t = nextParseToken(text, t.end)
		switch t.kind {
		case ')':
			return cols, t.end, true
		case ',':
			i = t.end
		default:
			return nil, 0, false
		}
	}
}

// closingParen returns the offset of the ')' that closes the '(' before
// text[i], or -1.
func closingParen(text string, i int) int {
	for depth := 1; ; {
		t := nextParseToken(text, i)
		switch t.kind {
		case 0:
			return -1
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return t.start
			}
		}
		i = t.end
	}
}

// markerIndex returns the CTE list a statement's comments mark, or -1.
func markerIndex(c sqlparser.Comments) int {
	if len(c) == 0 || !strings.HasPrefix(string(c[0]), cteMarker) {
		return -1
	}
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(string(c[0]), cteMarker), "*/"))
	if err != nil {
		return -1
	}
	return n
}

// parseSegmented parses st, cutting its CTE lists out first when it may
// hold one (they are kept in st.withs). A refusal of the segmenter comes
// back as refused, a parse error as perr.
func (r *rewriter) parseSegmented(st *sourceStatement) (stmt sqlparser.Statement, refused, perr error) {
	text := st.parseText()
	g := &segmenter{r: r, st: st, top: -1}
	if strings.Contains(text, segmentMarkerPrefix) {
		// The segmenter's own markers: a comment that forges one would
		// change what the printer writes.
		return nil, g.refusal("", orRaw("drop the comment"), "it holds a comment that starts like softdelete's own markers (/*softdelete:)"), nil
	}
	if mayHoldForm(st) {
		cut, err := g.cutForms(text)
		if err != nil {
			return nil, err, nil
		}
		text = cut
	}
	if mayHoldWindow(st) {
		cut, err := g.cutWindows(text)
		if err != nil {
			return nil, err, nil
		}
		text = cut
	}
	if mayHoldSetOp(st) {
		cut, err := g.cutSetOps(text)
		if err != nil {
			return nil, err, nil
		}
		text, st.setOps = cut, true
	}
	if mayHoldCTE(st) {
		cut, err := g.cut(text)
		if err != nil {
			return nil, err, nil
		}
		text, st.withs, st.topWith = cut, g.lists, g.top
	}
	st.windows = g.opaque
	stmt, perr = parse(text)
	return stmt, nil, perr
}

// scopeCTEs filters the body of every CTE of st like a subquery.
func (s *scope) scopeCTEs() {
	for _, wl := range s.st.withs {
		for _, c := range wl.ctes {
			s.selectStatement(c.body)
		}
	}
}

// formatWith writes the CTE list that a statement's marker names before
// the statement, and the statement without its marker; it reports whether
// node was such a statement.
func (p *printer) formatWith(buf *sqlparser.TrackedBuffer, node sqlparser.SQLNode) bool {
	var comments *sqlparser.Comments
	switch n := node.(type) {
	case *sqlparser.Select:
		comments = &n.Comments
	case *sqlparser.Update:
		comments = &n.Comments
	case *sqlparser.Delete:
		comments = &n.Comments
	case *sqlparser.Insert:
		comments = &n.Comments
	default:
		return false
	}
	i := markerIndex(*comments)
	if i < 0 {
		return false
	}
	if i >= len(p.withs) {
		p.fail(fmt.Errorf("softdelete: internal error: unknown CTE list %d", i))
		return true
	}
	*comments = (*comments)[1:]
	p.writeWithList(buf, p.withs[i])
	p.format(buf, node)
	return true
}

// writeWithList writes a CTE list and the blank after it.
func (p *printer) writeWithList(buf *sqlparser.TrackedBuffer, wl *withList) {
	wl.printed++
	buf.WriteString("with ")
	if wl.recursive {
		buf.WriteString("recursive ")
	}
	for j, c := range wl.ctes {
		buf.WriteString(listSeparator(j, ""))
		p.ident(buf, c.name)
		for k, col := range c.cols {
			buf.WriteString(listSeparator(k, "("))
			p.ident(buf, col)
		}
		if len(c.cols) > 0 {
			buf.WriteByte(')')
		}
		buf.WriteString(" as ")
		if c.materialized != "" {
			buf.WriteString(c.materialized + " ")
		}
		buf.WriteByte('(')
		p.format(buf, c.body)
		buf.WriteByte(')')
	}
	buf.WriteByte(' ')
}

// checkWithsPrinted checks that the printer wrote every CTE list once.
func (p *printer) checkWithsPrinted() error {
	for i, wl := range p.withs {
		if wl.printed != 1 {
			return fmt.Errorf("softdelete: internal error: CTE list %d printed %d times", i, wl.printed)
		}
	}
	return nil
}
