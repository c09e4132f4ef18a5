package softdelete

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/xwb1989/sqlparser"
)

// This file cuts window functions out of the parse text (see segment.go):
// what follows a call's ')' (FILTER (WHERE ...), OVER (spec), OVER name)
// becomes "COLLATE softdelete_window_N", which sqlparser reads as a
// postfix of the call, and a WINDOW clause becomes a marker comment after
// the SELECT it belongs to. Both texts are kept opaque, as written, and
// must hold no SELECT: rows are filtered in WHERE and ON, before windows
// see them, so a window needs no filter of its own.

// windowCollation is the collation name that stands for window text N.
const windowCollation = "softdelete_window_"

// windowMarker starts the comment that marks the SELECT a WINDOW clause
// belongs to.
const windowMarker = "/*softdelete:window:"

// mayHoldWindow reports whether st has a word that may start window text.
func mayHoldWindow(st *sourceStatement) bool {
	for _, w := range st.words {
		if !w.quoted && !w.qualified && (w.lower == "over" || w.lower == "window" || w.lower == "filter") {
			return true
		}
	}
	return false
}

// textEdit replaces text[at:end] by with.
type textEdit struct {
	at, end int
	with    string
}

// windowCutter cuts the window texts out of one parse text.
type windowCutter struct {
	g     *segmenter
	text  string
	edits []textEdit
}

// cutWindows returns text with its window texts cut out and marked; the
// texts are kept in st.windows.
func (g *segmenter) cutWindows(text string) (string, error) {
	c := &windowCutter{g: g, text: text}
	if err := c.scan(); err != nil {
		return "", err
	}
	sort.Slice(c.edits, func(i, j int) bool { return c.edits[i].at < c.edits[j].at })
	var b strings.Builder
	last := 0
	for _, e := range c.edits {
		b.WriteString(text[last:e.at])
		b.WriteString(e.with)
		last = e.end
	}
	b.WriteString(text[last:])
	return b.String(), nil
}

// scan finds the window texts: postfixes of calls and WINDOW clauses.
func (c *windowCutter) scan() error {
	var calls []bool     // per open '(': whether it opens a call's arguments
	var selects []int    // per depth: the end of its last SELECT keyword
	prev := parseToken{} // the token before
	closedCall := false  // prev is a ')' that closed a call
	for i := 0; ; {
		t := nextParseToken(c.text, i)
		depth := len(calls)
		for len(selects) <= depth {
			selects = append(selects, -1)
		}
		switch t.kind {
		case 0:
			return nil
		case '(':
			calls = append(calls, prev.kind == 'w' || prev.kind == 'q')
		case ')':
			if depth > 0 {
				closedCall = calls[depth-1]
				calls = calls[:depth-1]
			}
			prev, i = t, t.end
			continue
		case 'w':
			switch {
			case closedCall && (t.lower == "over" || t.lower == "filter" || t.lower == "ignore" || t.lower == "respect"):
				end, err := c.postfix(t)
				if err != nil {
					return err
				}
				prev, i, closedCall = parseToken{kind: '.'}, end, false
				continue
			case t.lower == "select":
				selects[depth] = t.end
			case t.lower == "window" && selects[depth] >= 0 && c.windowClauseAt(t):
				end, err := c.windowClause(t, selects[depth])
				if err != nil {
					return err
				}
				prev, i, closedCall = parseToken{kind: '.'}, end, false
				continue
			}
		}
		prev, i, closedCall = t, t.end, false
	}
}

// postfix cuts what follows a call's ')', from its first word t: FILTER
// (...) and OVER (...) or OVER name. It returns the offset past it.
func (c *windowCutter) postfix(t parseToken) (int, error) {
	start, end := t.start, t.start
	for t.kind == 'w' && t.lower == "filter" {
		p := nextParseToken(c.text, t.end)
		close := -1
		if p.kind == '(' {
			close = closingParen(c.text, p.end)
		}
		if close < 0 {
			return 0, c.refuse("FILTER without its (WHERE ...)")
		}
		end = close + 1
		t = nextParseToken(c.text, end)
	}
	switch {
	case t.kind == 'w' && t.lower == "over":
		p := nextParseToken(c.text, t.end)
		switch p.kind {
		case '(':
			close := closingParen(c.text, p.end)
			if close < 0 {
				return 0, c.refuse("OVER whose parenthesis is not closed")
			}
			end = close + 1
		case 'w', 'q':
			end = p.end
		default:
			return 0, c.refuse("OVER without a window")
		}
	case t.kind == 'w' && (t.lower == "ignore" || t.lower == "respect"):
		return 0, c.refuse(strings.ToUpper(t.lower) + " NULLS between a call and OVER")
	}
	return end, c.opaque(start, end, func(n int) string { return " collate " + windowCollation + strconv.Itoa(n) + " " }, -1)
}

// windowClauseAt reports whether the word t starts a WINDOW clause:
// WINDOW name AS ( (SQLite accepts window as a column name).
func (c *windowCutter) windowClauseAt(t parseToken) bool {
	n := nextParseToken(c.text, t.end)
	as := nextParseToken(c.text, n.end)
	return (n.kind == 'w' || n.kind == 'q') && as.kind == 'w' && as.lower == "as" && nextParseToken(c.text, as.end).kind == '('
}

// windowClause cuts a WINDOW clause from its word t, for the SELECT
// whose keyword ends at selectEnd. It returns the offset past it.
func (c *windowCutter) windowClause(t parseToken, selectEnd int) (int, error) {
	end := t.end
	for {
		n := nextParseToken(c.text, end)
		as := nextParseToken(c.text, n.end)
		p := nextParseToken(c.text, as.end)
		if n.kind != 'w' && n.kind != 'q' || as.lower != "as" || p.kind != '(' {
			return 0, c.refuse("a WINDOW clause softdelete cannot read")
		}
		close := closingParen(c.text, p.end)
		if close < 0 {
			return 0, c.refuse("a WINDOW clause whose parenthesis is not closed")
		}
		end = close + 1
		if comma := nextParseToken(c.text, end); comma.kind == ',' {
			end = comma.end
			continue
		}
		break
	}
	return end, c.opaque(t.start, end, func(int) string { return " " }, selectEnd)
}

// opaque keeps text[start:end] as window text, after checking that it
// holds no statement, and replaces it by marker(n); a WINDOW clause also
// marks its SELECT, whose keyword ends at selectEnd.
func (c *windowCutter) opaque(start, end int, marker func(int) string, selectEnd int) error {
	for i := start; i < end; {
		t := nextParseToken(c.text, i)
		if t.kind == 'w' && keywordOf(t.lower).is(kwStatement) {
			return c.refuse("a window or FILTER that holds " + strings.ToUpper(t.lower) + " (a subquery there would not be filtered)")
		}
		if t.kind == 0 {
			break
		}
		i = t.end
	}
	n := len(c.g.opaque)
	c.g.opaque = append(c.g.opaque, c.text[start:end])
	c.edits = append(c.edits, textEdit{at: start, end: end, with: marker(n)})
	if selectEnd >= 0 {
		c.edits = append(c.edits, textEdit{at: selectEnd, end: selectEnd, with: " " + windowMarker + strconv.Itoa(n) + "*/ "})
	}
	return nil
}

// refuse is the refusal of window text softdelete cannot read.
func (c *windowCutter) refuse(what string) error {
	return c.g.refusal("", orRaw("write the window as fn(...) OVER (PARTITION BY ... ORDER BY ...), or filter by hand in a derived table"),
		"softdelete cannot read %s", what)
}

// windowIndex returns the window text a collation names, or -1.
func windowIndex(charset string) int {
	s, ok := strings.CutPrefix(charset, windowCollation)
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// windowClauseOf removes the WINDOW clause marker from a SELECT's
// comments and returns its window text number, or -1.
func windowClauseOf(n *sqlparser.Select) int {
	for i, c := range n.Comments {
		s, ok := strings.CutPrefix(string(c), windowMarker)
		if !ok {
			continue
		}
		k, err := strconv.Atoi(strings.TrimSuffix(s, "*/"))
		if err != nil {
			return -1
		}
		n.Comments = append(n.Comments[:i:i], n.Comments[i+1:]...)
		return k
	}
	return -1
}

// writeWindow writes window text n as written, its literals and
// parameters through the printer's checks and its quoted names in the
// dialect's quotes.
var errUnknownWindow = errors.New("softdelete: internal error: unknown window text")

// checkWindowsPrinted checks that the printer wrote every window text once.
func (p *printer) checkWindowsPrinted() error {
	for i, n := range p.windowsPrinted {
		if n != 1 {
			return fmt.Errorf("softdelete: internal error: window text %d printed %d times", i, n)
		}
	}
	return nil
}

// formatWindowed writes a call with its window text; it reports whether
// node was one.
func (p *printer) formatWindowed(buf *sqlparser.TrackedBuffer, node sqlparser.SQLNode) bool {
	n, ok := node.(*sqlparser.CollateExpr)
	if !ok {
		return false
	}
	i := windowIndex(n.Charset)
	if i < 0 {
		return false
	}
	p.format(buf, n.Expr)
	p.writeWindow(buf, i)
	return true
}

func (p *printer) writeWindow(buf *sqlparser.TrackedBuffer, n int) { p.writeOpaque(buf, n, true) }

// writeOpaque writes opaque text n (after a blank, with blank), as
// writeWindow does.
func (p *printer) writeOpaque(buf *sqlparser.TrackedBuffer, n int, blank bool) {
	if n < 0 || n >= len(p.windows) {
		p.fail(errUnknownWindow)
		return
	}
	p.windowsPrinted[n]++
	text := p.windows[n]
	if blank {
		buf.WriteByte(' ')
	}
	prev := byte('(')
	for i := 0; i < len(text); {
		t := nextParseToken(text, i)
		if t.start > i && prev != '(' && t.kind != ')' && t.kind != ',' && t.kind != 0 {
			buf.WriteByte(' ') // the lexer's blanks around literals, one for a run
		}
		prev = t.kind
		switch {
		case t.kind == 0:
			return
		case t.kind == 'q':
			p.ident(buf, t.lower)
		case text[t.start] == ':':
			p.formatDialectNode(buf, sqlparser.NewValArg([]byte(text[t.start:t.end])))
		case strings.HasPrefix(text[t.start:], "<=>") && p.forms != nil && p.isOps < len(p.forms.isOps):
			buf.WriteString(p.forms.isOps[p.isOps]) // SQLite's IS (segment_forms.go)
			p.isOps++
			t.end = t.start + 3
		default:
			buf.WriteString(text[t.start:t.end])
		}
		i = t.end
	}
}
