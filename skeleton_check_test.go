package softdelete

import (
	"fmt"
	"strings"
)

// shapeSibling returns q with every hole of s replaced by another piece of
// its kind: a text of the same skeleton whose pieces all differ from q's.
func shapeSibling(q string, s *shape) string {
	var b strings.Builder
	at := 0
	for n, h := range s.holes {
		b.WriteString(q[at:h.start])
		var piece string
		switch h.kind {
		case holeString:
			piece = fmt.Sprintf("'sib%d'", n)
		case holeNumber:
			piece = fmt.Sprint(7000 + n)
		case holeList:
			piece = "?, 3, ?"
		case holeValues:
			piece = "'x', 4"
		case holeListCompact:
			piece = "?,3,?"
		case holeValuesCompact:
			piece = "'x',4"
		case holeBlock:
			piece = fmt.Sprintf("/* trace %d */", n)
		case holeDash:
			piece = fmt.Sprintf("-- trace %d", n)
		case holeHash:
			piece = fmt.Sprintf("# trace %d", n)
		}
		b.WriteString(piece)
		at = h.end
	}
	b.WriteString(q[at:])
	return b.String()
}

// shapeProblem checks the shape path on q under m, against a cold rewrite
// of q: a template learnt from a sibling of q (another text of its
// skeleton) and from q itself must, filled with q's holes, give q's cold
// rewrite byte for byte, and must not exist where q's cold rewrite is a
// refusal. It returns "" when all is well.
func shapeProblem(rw *rewriter, q string, m *mode) string {
	if !rw.shapeEligible(q, m) {
		return ""
	}
	s := shapeOf(q, rw.d, rw.tables, m.key)
	if s == nil {
		return ""
	}
	cold, coldSession, _, coldErr := rw.rewriteText(q, m)
	sib := shapeSibling(q, s)
	ss := shapeOf(sib, rw.d, rw.tables, m.key)
	if ss == nil || string(ss.key) != string(s.key) {
		return fmt.Sprintf("shape: the sibling %q of %q does not share its skeleton", sib, q)
	}
	for _, from := range []struct {
		text string
		s    *shape
	}{{sib, ss}, {q, s}} {
		out, session, actor, err := rw.rewriteText(from.text, m)
		if err != nil || actor.takes() {
			continue // the shape path learns from rewrites only
		}
		t := rw.learnShape(from.text, from.s, m, out, session)
		if t == nil {
			continue
		}
		switch got := t.fill(q, s); {
		case coldErr != nil:
			return fmt.Sprintf("shape: %q, learnt from %q, rewrites to %q, but a cold rewrite refuses it: %v", q, from.text, got, coldErr)
		case got != cold || t.session != coldSession:
			return fmt.Sprintf("shape: %q, learnt from %q, rewrites to\n  %q (session %v), a cold rewrite to\n  %q (session %v)", q, from.text, got, t.session, cold, coldSession)
		}
	}
	return ""
}
