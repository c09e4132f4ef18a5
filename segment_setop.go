package softdelete

import (
	"strings"

	"github.com/xwb1989/sqlparser"
)

// This file reads EXCEPT and INTERSECT, which sqlparser does not know
// (see segment.go): each becomes UNION in the parse text, and a marker
// comment after the first SELECT of its right operand names the
// operator, which the printer writes back. Each operand is filtered like a
// UNION's; the operators keep their order in the printed text, so each
// database reads them with its own precedence, as it would have read the
// user's text.

// setOpMarker starts the comment that names the set operator before a
// SELECT.
const setOpMarker = "/*softdelete:op:"

// mayHoldSetOp reports whether st has an EXCEPT or INTERSECT word.
func mayHoldSetOp(st *sourceStatement) bool {
	for _, w := range st.words {
		if !w.quoted && !w.qualified && (w.lower == "except" || w.lower == "intersect") {
			return true
		}
	}
	return false
}

// cutSetOps returns text with EXCEPT and INTERSECT read as UNION and
// their operands marked.
func (g *segmenter) cutSetOps(text string) (string, error) {
	var b strings.Builder
	last, op := 0, ""
	for i := 0; ; {
		t := nextParseToken(text, i)
		if t.kind == 0 {
			break
		}
		if t.kind == 'w' {
			switch {
			case t.lower == "except" || t.lower == "intersect":
				if op != "" {
					return "", g.refusal("", orRaw("write the set operation's right side as a SELECT"), "softdelete cannot read the %s before %s", strings.ToUpper(op), strings.ToUpper(t.lower))
				}
				b.WriteString(text[last:t.start])
				b.WriteString("union")
				last, op = t.end, t.lower
			case t.lower == "select" && op != "":
				b.WriteString(text[last:t.end])
				b.WriteString(" " + setOpMarker + op + "*/ ")
				last, op = t.end, ""
			}
		}
		i = t.end
	}
	if op != "" {
		return "", g.refusal("", orRaw("write the set operation's right side as a SELECT"), "softdelete cannot read the %s", strings.ToUpper(op))
	}
	b.WriteString(text[last:])
	return b.String(), nil
}

// formatUnion writes a UNION, or the EXCEPT or INTERSECT that the marker
// of its right operand names; it reports whether node was a UNION.
func (p *printer) formatUnion(buf *sqlparser.TrackedBuffer, node sqlparser.SQLNode) bool {
	n, ok := node.(*sqlparser.Union)
	if !ok {
		return false
	}
	typ := n.Type
	if sel := firstSelect(n.Right); sel != nil {
		for i, c := range sel.Comments {
			if op, ok := strings.CutPrefix(string(c), setOpMarker); ok {
				typ = strings.Replace(typ, "union", strings.TrimSuffix(op, "*/"), 1)
				sel.Comments = append(sel.Comments[:i:i], sel.Comments[i+1:]...)
				break
			}
		}
	}
	p.format(buf, n.Left)
	spaced(buf, typ)
	p.format(buf, n.Right)
	p.format(buf, n.OrderBy)
	p.format(buf, n.Limit)
	buf.WriteString(n.Lock)
	return true
}
