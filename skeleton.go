package softdelete

import (
	"strconv"
	"strings"
)

// This file is the statement-shape cache (issue 14): texts that differ
// only in their literals, comments or IN-list lengths are rewritten once.
//
// shapeOf cuts a text into its skeleton (the text with every hole replaced
// by a marker of its kind) and its holes: the values compared in
// `col = 5`, `col LIKE 'x%'`, the lists of `IN (?, ?, ?)`, and every
// comment. The first text of a skeleton is rewritten cold, and so is its
// sentinel text, in which each hole is a unique string literal or
// comment; the sentinels found in that rewrite make a template, the
// rewrite with holes. A later text of the same skeleton fills the holes
// with its own pieces, without a parse.
//
// Correctness rests on three things:
//   - only pieces whose text the rewrite never reads are holes: a value
//     right after a comparison (never an alias, a column position in
//     ORDER BY 1, a LIMIT), a whole IN list, a comment that is no MySQL
//     versioned comment or optimizer hint; a hole that holds a soft-delete
//     table's name, a text holding a \x01 byte, and MySQL texts that may
//     touch the session take the cold path;
//   - a template is kept only when, filled with the first text's holes, it
//     gives exactly that text's cold rewrite, byte for byte;
//   - the differential and fuzz runs compare the shape path with a cold
//     rewrite for every statement they generate.

// Hole kinds, as written in the skeleton after a \x01.
const (
	holeString byte = 's' // a single-quoted string literal
	holeNumber byte = 'n' // an unsigned integer
	holeList   byte = 'L' // an IN list holding a '?', its items apart by ", "
	holeValues byte = 'l' // an IN list of literals only, apart by ", "
	// The same lists written with "," alone: the printer writes a list it
	// parsed with ", ", so a template learnt from a list of one item or
	// one apart by ", " would be wrong for them (in a region a list stays
	// as written, and either style is right).
	holeListCompact   byte = 'K'
	holeValuesCompact byte = 'k'
	holeBlock         byte = 'c' // a /* */ comment
	holeDash          byte = 'd' // a -- comment
	holeHash          byte = 'h' // a MySQL # comment
	shapeMark         byte = 1   // marks a hole in the skeleton and in sentinels
	shapeModeName          = "\x01shape"
)

// hole is one piece of a text that statements of one skeleton may differ in.
type hole struct {
	start, end int
	kind       byte
}

// shape is a text cut into its skeleton and holes.
type shape struct {
	key   []byte // the mode's key, a 0 byte, then the skeleton
	holes []hole
}

// shapeScanner reads a text for shapeOf, token by token.
type shapeScanner struct {
	q       string
	d       *dialect
	ts      *tableSet
	s       *shape
	mark    int  // q[:mark] is in the key
	compare bool // the last code token was a comparison operator, or LIKE
	inWord  bool // the last code token was IN
}

// shapeOf returns the shape of q under the mode key, or nil when q must
// take the cold path (see the file comment).
func shapeOf(q string, d *dialect, ts *tableSet, modeKey string) *shape {
	if len(q) > maxCachedLen || strings.IndexByte(q, shapeMark) >= 0 || strings.IndexByte(q, 0) >= 0 {
		return nil
	}
	sc := &shapeScanner{q: q, d: d, ts: ts, s: &shape{key: make([]byte, 0, len(modeKey)+1+len(q))}}
	sc.s.key = append(append(sc.s.key, modeKey...), 0)
	for i := 0; i < len(q); {
		j, ok := sc.token(i)
		if !ok {
			return nil
		}
		i = j
	}
	sc.s.key = append(sc.s.key, q[sc.mark:]...)
	return sc.s
}

// token reads the token at q[i] and returns the offset past it; false:
// the text has no shape.
func (sc *shapeScanner) token(i int) (int, bool) {
	q, d := sc.q, sc.d
	c := q[i]
	switch {
	case isBlankIn(c, d):
		return i + 1, true
	case lineCommentAt(q, i, d):
		end := len(q)
		if k := strings.IndexByte(q[i:], '\n'); k >= 0 {
			end = i + k
		}
		kind := holeDash
		if c == '#' {
			kind = holeHash
		}
		return end, sc.addHole(i, end, kind)
	case c == '/' && i+1 < len(q) && q[i+1] == '*':
		k := strings.Index(q[i+2:], "*/")
		if k < 0 || versionedCommentAt(q, i) || strings.HasPrefix(q[i:], "/*+") {
			return 0, false
		}
		return i + 2 + k + 2, sc.addHole(i, i+2+k+2, holeBlock)
	case c == '\'' || c == '"' && d.lex.doubleQuotedStrings:
		j, err := scanQuoted(q, i, c, d.lex.backslashEscapes)
		if err != nil {
			return 0, false
		}
		ok := true
		if c == '\'' && sc.compare && sc.endsValue(j) {
			ok = sc.addHole(i, j, holeString)
		}
		sc.compare, sc.inWord = false, false
		return j, ok
	case c == '`' || c == '"' || c == '[' && d.lex.bracketIdents:
		closer := c
		if c == '[' {
			closer = ']'
		}
		j, err := scanQuoted(q, i, closer, false)
		sc.compare, sc.inWord = false, false
		return j, err == nil
	case d.lex.numberedParams && (c == ':' || c == '@' || c == '$' || c == '#'):
		j, ok := scanSQLiteVariable(q, i)
		sc.compare, sc.inWord = false, false
		return j, ok
	case wordByte[c]:
		return sc.word(i)
	case c == '(' && sc.inWord:
		sc.compare, sc.inWord = false, false
		return sc.list(i), true
	}
	// '->' is MySQL's JSON operator, not a comparison.
	sc.compare = c == '=' || c == '<' || c == '>' && (i == 0 || q[i-1] != '-')
	sc.inWord = false
	return i + 1, true
}

// word reads a keyword, identifier or number at q[i].
func (sc *shapeScanner) word(i int) (int, bool) {
	q := sc.q
	j := scanWord(q, i)
	w := q[i:j]
	if isDigits(w) && sc.compare && (j >= len(q) || q[j] != '.') && sc.endsValue(j) {
		sc.compare, sc.inWord = false, false
		return j, sc.addHole(i, j, holeNumber)
	}
	sc.compare = len(w) == 4 && strings.EqualFold(w, "like")
	sc.inWord = len(w) == 2 && strings.EqualFold(w, "in") && (i == 0 || q[i-1] != '.')
	return j, true
}

// list reads the '(' of an IN at q[i]: a list of '?' and literals becomes
// one hole, whatever its length. It returns the offset to go on from.
func (sc *shapeScanner) list(i int) int {
	q := sc.q
	j, first, last, params := i+1, -1, -1, false
	sep := "" // the text between items, the same between all of them
	for {
		j = skipBlanks(q, j)
		if j >= len(q) {
			return i + 1
		}
		k := sc.listItem(j)
		if k < 0 {
			return i + 1
		}
		if first < 0 {
			first = j
		} else if s := q[last:j]; s != ", " && s != "," || sep != "" && s != sep {
			return i + 1 // spaced otherwise: its items stay in the key
		} else {
			sep = s
		}
		params = params || q[j] == '?'
		last = k
		j = skipBlanks(q, k)
		if j < len(q) && q[j] == ')' {
			break
		}
		if j >= len(q) || q[j] != ',' {
			return i + 1
		}
		j++
	}
	kind := listHoleKind(params, sep)
	if !sc.addHole(first, last, kind) {
		return i + 1 // holds a table's name: its items stay in the key
	}
	return last
}

// listHoleKind is the hole kind of an IN list: with a '?' or of literals
// only, its items apart by sep (", ", ",", or "" for one item, which
// shares the kind of ", ").
func listHoleKind(params bool, sep string) byte {
	switch {
	case params && sep == ",":
		return holeListCompact
	case params:
		return holeList
	case sep == ",":
		return holeValuesCompact
	}
	return holeValues
}

// listItem returns the offset past the IN-list item at q[j]: a bare '?',
// an unsigned integer or a single-quoted string; -1 for anything else.
func (sc *shapeScanner) listItem(j int) int {
	q := sc.q
	switch c := q[j]; {
	case c == '?':
		if j+1 < len(q) && (q[j+1] >= '0' && q[j+1] <= '9' || wordByte[q[j+1]]) {
			return -1 // ?NNN
		}
		return j + 1
	case c >= '0' && c <= '9':
		k := scanWord(q, j)
		if !isDigits(q[j:k]) || k < len(q) && q[k] == '.' {
			return -1
		}
		return k
	case c == '\'':
		k, err := scanQuoted(q, j, '\'', sc.d.lex.backslashEscapes)
		if err != nil {
			return -1
		}
		return k
	}
	return -1
}

// endsValue reports whether the value that ends at q[j] stands alone: no
// '.', '(' or quote follows it (a qualified name, a call, MySQL's adjacent
// strings).
func (sc *shapeScanner) endsValue(j int) bool {
	k := skipBlanks(sc.q, j)
	if k >= len(sc.q) {
		return true
	}
	switch sc.q[k] {
	case '.', '(', '\'', '"', '`', '[':
		return false
	}
	return true
}

// addHole makes q[i:j] a hole of the kind; false when it holds a
// soft-delete table's name (the lexer reads such a text apart).
func (sc *shapeScanner) addHole(i, j int, kind byte) bool {
	if sc.ts.mentionedIn(sc.q[i:j]) {
		return false
	}
	s := sc.s
	s.key = append(s.key, sc.q[sc.mark:i]...)
	s.key = append(s.key, shapeMark, kind)
	sc.mark = j
	if s.holes == nil {
		s.holes = make([]hole, 0, 4)
	}
	s.holes = append(s.holes, hole{start: i, end: j, kind: kind})
	return true
}

func isDigits(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return w != ""
}

// sentinelText returns q with each hole replaced by its sentinel: a
// string literal or a comment of the hole's kind, holding \x01, the hole's
// number and \x01.
func (s *shape) sentinelText(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 8*len(s.holes))
	at := 0
	for n, h := range s.holes {
		b.WriteString(q[at:h.start])
		open, close := sentinelWrap(h.kind)
		b.WriteString(open)
		b.WriteByte(shapeMark)
		b.WriteString(strconv.Itoa(n))
		b.WriteByte(shapeMark)
		b.WriteString(close)
		at = h.end
	}
	b.WriteString(q[at:])
	return b.String()
}

// sentinelWrap returns what surrounds the marks of a hole's sentinel.
func sentinelWrap(kind byte) (open, close string) {
	switch kind {
	case holeBlock:
		return "/*", "*/"
	case holeDash:
		return "-- ", ""
	case holeHash:
		return "#", ""
	}
	return "'", "'"
}

// template is the rewrite of a skeleton: parts[0], hole holes[0] of the
// call's text, parts[1], ... parts[len(holes)].
type template struct {
	parts   []string
	holes   []int
	session bool
	size    int // the text of parts, for the cache's byte count
}

// newTemplate makes the template of the rewrite out of a sentinel text
// with nHoles holes; nil when out holds a mark that is not a whole
// sentinel.
func newTemplate(out string, kinds []hole, session bool) *template {
	t := &template{session: session}
	at := 0
	for {
		k := strings.IndexByte(out[at:], shapeMark)
		if k < 0 {
			break
		}
		k += at
		e := strings.IndexByte(out[k+1:], shapeMark)
		if e < 0 {
			return nil
		}
		e += k + 1
		n, err := strconv.Atoi(out[k+1 : e])
		if err != nil || n < 0 || n >= len(kinds) {
			return nil
		}
		open, close := sentinelWrap(kinds[n].kind)
		if !strings.HasSuffix(out[at:k], open) || !strings.HasPrefix(out[e+1:], close) {
			return nil
		}
		t.parts = append(t.parts, out[at:k-len(open)])
		t.holes = append(t.holes, n)
		at = e + 1 + len(close)
	}
	t.parts = append(t.parts, out[at:])
	for _, p := range t.parts {
		t.size += len(p) + 24
	}
	t.size += 8 * len(t.holes)
	return t
}

// fill returns the template with the holes of s in q.
func (t *template) fill(q string, s *shape) string {
	n := 0
	for _, p := range t.parts {
		n += len(p)
	}
	for _, h := range t.holes {
		n += s.holes[h].end - s.holes[h].start
	}
	var b strings.Builder
	b.Grow(n)
	for i, h := range t.holes {
		b.WriteString(t.parts[i])
		b.WriteString(q[s.holes[h].start:s.holes[h].end])
	}
	b.WriteString(t.parts[len(t.parts)-1])
	return b.String()
}

// shapeUsable reports whether the rewriter may answer q from the shape
// cache under m: the built-in engine, a cache, no Restore, and on MySQL a
// text that cannot touch the session.
func (r *rewriter) shapeUsable(q string, m *mode) bool {
	return r.cache != nil && r.shapeEligible(q, m)
}

// shapeEligible reports whether q may have a template under m, cache
// aside: the built-in engine, no Restore, no text that may touch the
// MySQL session, and no segmenter marker (refused wherever it stands, see
// segment.go, so it must never be filled into a template).
func (r *rewriter) shapeEligible(q string, m *mode) bool {
	return r.shapeUsableEngine(m) && (r.d.session == nil || !r.d.session.sensitive(q)) &&
		!strings.Contains(q, segmentMarkerPrefix)
}

// shapeUsableEngine reports whether the engine and mode allow the shape
// path: the built-in engine, and no Restore.
func (r *rewriter) shapeUsableEngine(m *mode) bool {
	return r.engine == rewriteEngine(r) && m.restore == ""
}

// rewriteShaped is the cache miss of an exact text: it answers from the
// template of q's skeleton, or rewrites q cold and learns the template. A
// rewrite that takes the actor as an argument gets no template: where the
// actor goes among the placeholders moves with the length of an IN list.
func (r *rewriter) rewriteShaped(q string, m *mode) (out string, session bool, actor *actorArgs, err error) {
	var s *shape
	if r.shapeUsable(q, m) {
		s = shapeOf(q, r.d, r.tables, m.key)
	}
	if s != nil {
		if t, known := r.cache.getShape(s.key); known {
			if t != nil {
				return t.fill(q, s), t.session, nil, nil
			}
			s = nil // a skeleton whose rewrite reads its holes
		}
	}
	out, session, actor, err = r.engine.rewriteText(q, m)
	if r.cache != nil {
		r.cache.put(m.key, q, out, session, actor, err)
	}
	if s != nil && err == nil {
		var t *template
		if !actor.takes() {
			t = r.learnShape(q, s, m, out, session)
		}
		r.cache.putShape(s.key, t)
	}
	return out, session, actor, err
}

// learnShape returns the template of s, learnt from its sentinel text,
// or nil when the template does not give out, the cold rewrite of q.
func (r *rewriter) learnShape(q string, s *shape, m *mode, out string, session bool) *template {
	sOut, sSession, sActor, err := r.engine.rewriteText(s.sentinelText(q), m)
	if err != nil || sSession != session || sActor.takes() {
		return nil
	}
	t := newTemplate(sOut, s.holes, session)
	if t == nil || t.fill(q, s) != out {
		return nil
	}
	return t
}
