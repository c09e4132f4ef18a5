package softdelete

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// This file is the lex stage of the rewriter.
//
// The pre-lexer, lexStatements, runs only on statements that mention a
// table (see classify.go for the fast path that decides it). It follows the
// target dialect's own rules for strings, quoted identifiers, comments and
// parameters (which sqlparser, a MySQL grammar, gets wrong for SQLite),
// splits multi-statement strings, and replaces every literal and parameter
// by a bind variable :pN whose original text the printer writes back
// verbatim. That keeps placeholders, argument order and each literal's
// exact bytes, whatever the dialect's escaping rules.

// wordByte marks the bytes that may appear in an unquoted identifier of
// MySQL or SQLite (non-ASCII bytes included).
var wordByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '_' || c == '$' || c >= 0x80
	}
	return t
}()

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// verbatim is a literal, a parameter or a region (see region) of the
// user's text, replaced by :pN for
// the parser and written back verbatim by the printer.
type verbatim struct {
	text       string
	at         int  // offset in the text lexed
	positional bool // a bare '?' (or a region holding one): its order must not change
	region     bool // a region (see region), not a single literal
	bare       int  // the bare '?' parameters it holds (0 or 1; a region may hold more)
}

// word is an unquoted keyword or identifier, or a quoted identifier.
type word struct {
	lower     string
	depth     int32 // parenthesis depth
	start     int32 // offset in the statement's text
	quoted    bool  // written as a quoted identifier
	soft      bool  // the name of a soft-delete table (when lexed with the tables)
	qualified bool  // right after a '.' (blanks and comments between): a name
}

// sourceStatement is one statement of the user's text, as the lexer read
// it: its words, its verbatim pieces and the text sqlparser is to parse.
type sourceStatement struct {
	start, end int    // offsets of the statement in the whole text (without ';')
	text       string // the statement as written
	lead       int    // length of the blanks and comments that start text
	empty      bool   // nothing but blanks and comments
	parse      []byte // the text sqlparser reads
	versioned  bool   // holds a MySQL versioned comment
	verbatims  []verbatim
	words      []word
	quoted     map[string]bool // identifiers written quoted, lower case
	concat     bool            // a '||' operator was seen
	trail      int             // offset in text where the trailing blanks and comments start
	selectMods []string        // MySQL modifiers of the first SELECT (SQL_CALC_FOUND_ROWS, ...)
	otherMods  bool            // such modifiers on another SELECT: not supported
	hidden     bool            // a soft-delete table's name is inside a literal or comment
	ambiguous  string          // text servers read differently (a versioned comment), or ""
	named      bool            // a named parameter (:name; SQLite also @name, $name, #name) was seen
	maxNumber  int             // the largest N of a SQLite ?N parameter, 0 when there is none
	actorParam string          // how the rewrite writes the actor's parameter (see actorParam), set by the scope
	actorSlots []int           // where the printed rewrite takes the actor (see actorArgs), set by the printer
	actorDep   bool            // the rewrite depends on which tables have the actor column
	withs      []*withList     // the CTE lists the segmenter cut out (segment.go)
	topWith    int             // the one printed before the whole statement, or -1 (set with withs)
	windows    []string        // the window texts it cut out (segment_window.go)
	setOps     bool            // it read EXCEPT or INTERSECT as UNION (segment_setop.go)
	forms      *stmtForms      // the SQLite and MySQL forms it rewrote (segment_forms.go)
	tableFuncs bool            // it read table-valued calls as tables (segment_forms.go)
}

// hide notes a literal or comment that contains a soft-delete table's name.
func (l *sourceStatement) hide(text string, ts *tableSet) {
	if ts != nil && !l.hidden && ts.mentionedIn(text) {
		l.hidden = true
	}
}

func (l *sourceStatement) parseText() string { return string(l.parse) }

// hasRegions reports whether some of the statement reaches sqlparser as
// regions (see region).
func (l *sourceStatement) hasRegions() bool {
	for _, x := range l.verbatims {
		if x.region {
			return true
		}
	}
	return false
}

// firstWord returns the first keyword of the statement, lower case.
func (l *sourceStatement) firstWord() string {
	if len(l.words) == 0 || l.words[0].quoted {
		return ""
	}
	return l.words[0].lower
}

// has reports whether the statement contains the unquoted word w.
func (l *sourceStatement) has(w string) bool {
	for _, x := range l.words {
		if !x.quoted && x.lower == w {
			return true
		}
	}
	return false
}

// lexError is a statement the dialect itself could not tokenize.
type lexError struct {
	what string
	at   int
}

func (e *lexError) Error() string { return fmt.Sprintf("%s at offset %d", e.what, e.at) }

// lexStatements splits q at the semicolons that end statements and pre-lexes
// each statement for the dialect.
func lexStatements(q string, d *dialect) ([]*sourceStatement, error) { return lex(q, d, nil, false) }

// lex is lexStatements that also notes, with ts, the statements that name
// a soft-delete table inside a literal or a comment (sourceStatement.hidden), and,
// withRegions, hands sqlparser the regions it need not read as literals
// (see region): the rewriter's reading. Tests that check a rewrite read
// its output without regions.
func lex(q string, d *dialect, ts *tableSet, withRegions bool) ([]*sourceStatement, error) {
	if len(q) > math.MaxInt32 {
		return nil, &lexError{"statement longer than 2 GiB", 0}
	}
	if i := strings.IndexByte(q, 0); i >= 0 {
		// SQLite stops reading at a NUL (a C string): what follows it,
		// a filter included, would never run.
		return nil, &lexError{"NUL byte", i}
	}
	l := &lexer{q: q, d: d, ts: ts, withRegions: withRegions}
	l.cur = &sourceStatement{start: 0, empty: true, parse: make([]byte, 0, len(q)+16)}
	return l.run()
}

// lexer pre-lexes one text for one dialect. Its methods come in four
// groups: the statement splitter (run, finish, startStatement), one scan
// method per kind of token, the parse-text builder (flush, blankOut,
// writeVerbatim, addVerbatim) and the region tracker (trackRegion, openRegion,
// closeRegion, extendRegion).
type lexer struct {
	q           string
	d           *dialect
	ts          *tableSet // nil: names inside literals are not looked for
	withRegions bool

	out []*sourceStatement
	cur *sourceStatement // the statement being read

	// The parse text is the statement with some tokens replaced: q up to
	// mark has been written to it (or replaced), the rest is still to copy.
	mark int

	depth     int32  // parenthesis depth
	versioned bool   // inside a MySQL /*!...*/ comment, whose text is code
	prevWord  string // the last unquoted word, lower case
	selects   int    // SELECT keywords seen in the statement
	codeEnd   int    // offset just past the last code seen; -1 while a code token is read

	// The open region (see region), and whether the statement may have
	// regions at all: it is a SELECT, INSERT, REPLACE, UPDATE or DELETE
	// and holds no versioned comment.
	reg     region
	regions bool
	dot     bool // the last code token was a '.' that qualifies a name
	number  bool // the last code token was a number
	opened  bool // a region opened at the current token
}

// run reads the text token by token, splitting it into statements at the
// semicolons that end them.
func (l *lexer) run() ([]*sourceStatement, error) {
	n := len(l.q)
	for i := 0; i < n; {
		if l.q[i] == ';' && !l.versioned {
			l.finish(i)
			l.startStatement(i + 1)
			i++
			continue
		}
		vpos, nLits := 0, 0
		if l.reg.start < 0 {
			vpos, nLits = len(l.cur.parse)+i-l.mark, len(l.cur.verbatims)
		}
		l.opened = false
		j, err := l.scan(i)
		if err != nil {
			return nil, err
		}
		l.afterToken(i, j, vpos, nLits)
		i = j
	}
	if l.versioned {
		return nil, &lexError{"unterminated /*! comment", n}
	}
	l.finish(n)
	return l.out, nil
}

// startStatement starts the statement that begins at offset at.
func (l *lexer) startStatement(at int) {
	l.cur = &sourceStatement{start: at, empty: true}
	l.mark = at
	l.depth, l.prevWord, l.codeEnd, l.selects = 0, "", 0, 0
	l.regions, l.dot, l.number = false, false, false
}

// finish ends the current statement at offset end.
func (l *lexer) finish(end int) {
	cur := l.cur
	if l.reg.kind != 0 && l.depth == l.reg.depth {
		l.closeRegion(end)
	}
	l.reg = region{} // one left open in an unclosed '(' is dropped
	l.flush(end)
	cur.end = end
	cur.text = l.q[cur.start:end]
	if cur.empty {
		cur.lead = len(cur.text)
	}
	cur.trail = len(cur.text)
	if l.codeEnd > cur.start {
		cur.trail = l.codeEnd - cur.start
	}
	for i := range cur.words {
		cur.words[i].start -= int32(cur.start)
	}
	l.out = append(l.out, cur)
}

// code notes that the statement has code from offset i on.
func (l *lexer) code(i int) {
	if l.cur.empty {
		l.cur.empty = false
		l.cur.lead = i - l.cur.start
	}
	l.codeEnd = -1 // set after the token by afterToken
}

// afterToken notes the code token q[tok:end] just read: where the
// statement's code ends, what it was for the next token, and how far the
// open region reaches. vpos and nLits are the parse text's length and the
// literals' count before it.
func (l *lexer) afterToken(tok, end, vpos, nLits int) {
	if l.cur.hidden && l.regions {
		// A soft-delete table's name inside a literal or comment:
		// sqlparser reads the rest of the statement (see rewriteStatement).
		l.reg, l.regions = region{}, false
	}
	if l.codeEnd >= 0 {
		return // blanks and comments
	}
	c := l.q[tok]
	l.codeEnd = end
	// A '.' after a number is part of it (1.ORDER is "1." ORDER).
	l.dot = c == '.' && !l.number
	l.number = c >= '0' && c <= '9'
	l.extendRegion(tok, end, vpos, nLits)
}

// scan reads the token at q[i], handing each kind to its own method, and
// returns the offset past it.
func (l *lexer) scan(i int) (int, error) {
	q, lr := l.q, &l.d.lex
	c, next := q[i], byte(0)
	if i+1 < len(q) {
		next = q[i+1]
	}
	switch {
	case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		return i + 1, nil
	case c == '\f' || c == '\v' && lr.verticalTabBlank:
		// Blanks to the database (SQLite's tokenizer rejects \v), not
		// to sqlparser.
		return l.blankOut(i, i+1), nil
	case lineCommentAt(q, i, l.d):
		return l.scanLineComment(i), nil
	case c == '/' && next == '*':
		if lr.versionedComments && versionedCommentAt(q, i) {
			return l.scanVersionedStart(i), nil
		}
		return l.scanBlockComment(i)
	case c == '*' && next == '/' && l.versioned:
		l.code(i) // the end of the statement's code may be here
		l.versioned = false
		return l.blankOut(i, i+2), nil
	case c == '\'' || c == '"' && lr.doubleQuotedStrings:
		return l.scanString(i)
	case c == '`' || c == '"' || c == '[' && lr.bracketIdents:
		return l.scanQuotedIdent(i)
	case c == '?':
		return l.scanQuestionMark(i), nil
	case lr.numberedParams && (c == ':' || c == '@' || c == '$' || c == '#'):
		return l.scanSQLiteParameter(i)
	case c == ':' && isIdentStart(next):
		l.code(i)
		j := scanWord(q, i+1)
		l.cur.named = true
		l.addVerbatim(i, j, false)
		return j, nil
	case c == '@':
		return l.scanAt(i)
	case c == '|' && next == '|' && lr.pipesConcat:
		// SQLite's concatenation binds tightest, as ^ does for sqlparser
		// (SQLite has no ^): the printer writes it back as ||.
		l.code(i)
		l.flush(i)
		l.cur.parse = append(l.cur.parse, " ^ "...)
		l.mark = i + 2
		l.prevWord = ""
		return i + 2, nil
	case c == '^' && lr.pipesConcat:
		return 0, &lexError{"'^', an operator SQLite does not have", i}
	case c == '|' && next == '|':
		l.code(i)
		l.cur.concat = true
		return i + 2, nil
	case c == '(' || c == ')':
		return l.scanParen(i), nil
	case wordByte[c]:
		return l.scanWordToken(i)
	case c == '-' && next == '-', c == '/' && next == '/':
		// MySQL's "--" without a blank after it is two minus signs,
		// and "//" is two slashes in both dialects: sqlparser would
		// take either for a comment and drop the rest of the line.
		l.code(i)
		l.flush(i + 1)
		l.cur.parse = append(l.cur.parse, ' ')
		l.prevWord = ""
		return i + 1, nil
	case c == ',' && l.reg.kind&(regionOn|regionWhere) != 0 && l.depth == l.reg.depth:
		return l.scanRegionComma(i), nil
	}
	l.code(i)
	if c != '.' {
		l.prevWord = ""
	}
	return i + 1, nil
}

// scanLineComment reads a comment that runs to the end of the line.
func (l *lexer) scanLineComment(i int) int {
	// MySQL wants a blank or control character after "--".
	end := len(l.q)
	if j := strings.IndexByte(l.q[i:], '\n'); j >= 0 {
		end = i + j
	}
	l.cur.hide(l.q[i:end], l.ts)
	return l.blankOut(i, end)
}

// scanBlockComment reads a /* ... */ comment. MySQL optimizer hints after
// the first word stay in the parse text.
func (l *lexer) scanBlockComment(i int) (int, error) {
	j := strings.Index(l.q[i+2:], "*/")
	if j < 0 {
		return 0, &lexError{"unterminated comment", i}
	}
	end := i + 2 + j + 2
	l.cur.hide(l.q[i:end], l.ts)
	if !l.d.lex.optimizerHints || l.cur.empty {
		return l.blankOut(i, end), nil
	}
	return end, nil
}

// scanVersionedStart reads the opening of a versioned comment:
// /*!50000 ... */ (MySQL) and /*M!100100 ... */ (MariaDB). The server runs
// the text inside if its version is at least the one given (5 digits, or 6
// after M!). MySQL skips /*M!; MariaDB skips /*! from 50700 on. The text is
// read as code, and the forms that depend on the server are marked so that
// statements naming tables are refused.
func (l *lexer) scanVersionedStart(i int) int {
	q, cur := l.q, l.cur
	l.code(i)
	j, digits := i+3, 5
	if q[i+2] == 'M' {
		j, digits = i+4, 6
		cur.ambiguous = "a MariaDB /*M! comment"
	}
	k := j
	for k < len(q) && k-j < digits && q[k] >= '0' && q[k] <= '9' {
		k++
	}
	if v := q[j:k]; len(v) == 5 && v >= "50700" && cur.ambiguous == "" {
		cur.ambiguous = "a /*!" + v + " comment, which MySQL runs and MariaDB skips"
	}
	l.versioned, cur.versioned = true, true
	l.reg, l.regions = region{}, false // no region across its ends
	return l.blankOut(i, k)
}

// scanString reads a string literal.
func (l *lexer) scanString(i int) (int, error) {
	l.code(i)
	j, err := scanQuoted(l.q, i, l.q[i], l.d.lex.backslashEscapes)
	if err != nil {
		return 0, err
	}
	if l.prevWord == "as" || l.prevWord == "separator" {
		// The grammar wants a real string here (an alias or a
		// GROUP_CONCAT separator): hand it over as one.
		if !l.d.lex.backslashEscapes { // else sqlparser reads it as written
			l.flush(i)
			l.cur.parse = append(l.cur.parse, mysqlString(l.q[i:j], l.d)...)
			l.mark = j
		}
	} else {
		l.addVerbatim(i, j, false)
	}
	l.prevWord = ""
	return j, nil
}

// scanQuotedIdent reads a quoted identifier and hands it to sqlparser
// in backquotes.
func (l *lexer) scanQuotedIdent(i int) (int, error) {
	l.code(i)
	closer := l.q[i]
	if closer == '[' {
		closer = ']'
	}
	j, err := scanQuoted(l.q, i, closer, false)
	if err != nil {
		return 0, err
	}
	name := l.q[i+1 : j-1]
	if closer != ']' {
		name = strings.ReplaceAll(name, string([]byte{closer, closer}), string(closer))
	}
	lname := lowerASCIIString(name)
	if l.cur.quoted == nil {
		l.cur.quoted = make(map[string]bool)
	}
	l.cur.quoted[lname] = true
	l.addWord(lname, i, j, true)
	l.flush(i)
	l.cur.parse = append(l.cur.parse, " `"...) // apart: `a``b` would be one name
	l.cur.parse = append(l.cur.parse, strings.ReplaceAll(name, "`", "``")...)
	l.cur.parse = append(l.cur.parse, "` "...)
	l.mark = j
	l.prevWord = ""
	return j, nil
}

// scanQuestionMark reads a '?' parameter (SQLite: also ?NNN).
func (l *lexer) scanQuestionMark(i int) int {
	l.code(i)
	j := i + 1
	if l.d.lex.numberedParams {
		for j < len(l.q) && l.q[j] >= '0' && l.q[j] <= '9' {
			j++
		}
		if n, err := strconv.Atoi(l.q[i+1 : j]); err == nil && n > l.cur.maxNumber {
			l.cur.maxNumber = n
		}
	}
	l.addVerbatim(i, j, j == i+1)
	return j
}

// scanSQLiteParameter reads a SQLite :name, @name, $name or #name.
func (l *lexer) scanSQLiteParameter(i int) (int, error) {
	l.code(i)
	j, ok := scanSQLiteVariable(l.q, i)
	if !ok {
		return 0, &lexError{"malformed parameter", i}
	}
	l.cur.named = true
	l.addVerbatim(i, j, false)
	return j, nil
}

// scanAt reads what starts with '@' outside SQLite: a MySQL user or
// system variable, or a parameter.
func (l *lexer) scanAt(i int) (int, error) {
	q, vars := l.q, l.d.lex.variables
	n, next := len(q), byte(0)
	if i+1 < n {
		next = q[i+1]
	}
	l.code(i)
	if i > 0 && wordByte[q[i-1]] || !(next == '@' || wordByte[next] || next == '\'' || next == '"' || next == '`') {
		// sqlparser reads '@' as a letter of a name ("a@b"), the
		// server as the start of a variable: no safe reading.
		return 0, &lexError{"stray '@'", i}
	}
	j := i + 1
	if vars && next == '@' {
		j++
	}
	if vars && j < n && (q[j] == '\'' || q[j] == '"' || q[j] == '`') {
		k, err := scanQuoted(q, j, q[j], q[j] != '`')
		if err != nil {
			return 0, err
		}
		j = k
	} else {
		for j < n && (wordByte[q[j]] || q[j] == '.' && vars) {
			j++
		}
	}
	if j == i+1 {
		return i + 1, nil
	}
	if vars && j > i+1 && q[j-1] != '\'' && q[j-1] != '"' && q[j-1] != '`' {
		// A MySQL variable: sqlparser reads @name and @@scope.name
		// as identifiers, which keeps SET @v = ... parseable.
		if k := skipBlanks(q, j); k > j && k < n && q[k] == '.' {
			return 0, &lexError{"'.' after a variable", k} // sqlparser would join them
		}
		if q[j-1] == '.' {
			return 0, &lexError{"'.' at the end of a variable", j - 1} // @v. x: sqlparser reads @v.x
		}
		return j, nil
	}
	l.addVerbatim(i, j, false)
	return j, nil
}

// scanParen reads a parenthesis; a ')' closes a region opened inside it.
func (l *lexer) scanParen(i int) int {
	l.code(i)
	if l.q[i] == '(' {
		l.depth++
	} else {
		l.depth--
		if l.reg.kind != 0 && l.depth < l.reg.depth {
			l.closeRegion(i)
		}
	}
	l.prevWord = ""
	return i + 1
}

// scanWordToken reads a keyword, identifier or number, or a literal with a
// prefix (X'..', N'..', _utf8mb4'..').
func (l *lexer) scanWordToken(i int) (int, error) {
	q := l.q
	l.code(i)
	j := scanWord(q, i)
	w := q[i:j]
	if j < len(q) && q[j] == '\'' && isLiteralPrefix(w, l.d) {
		k, err := scanQuoted(q, j, '\'', l.d.lex.backslashEscapes)
		if err != nil {
			return 0, err
		}
		l.addVerbatim(i, k, false)
		return k, nil
	}
	if c := q[i]; c >= '0' && c <= '9' {
		l.prevWord = "" // SELECT 0 SQL_CALC_FOUND_ROWS: not an option
		return j, nil
	}
	lw := lowerWord(w)
	if lw == "select" {
		l.selects++
	}
	if l.d.lex.selectModifiers && keywordOf(lw).is(kwSelectModifier) && keywordOf(l.prevWord).is(kwSelectOption) {
		return l.selectModifier(lw, i, j), nil
	}
	l.addWord(lw, i, j, false)
	l.prevWord = lw
	return j, nil
}

// selectModifier keeps a MySQL SELECT option that sqlparser does not know
// for the printer, instead of letting sqlparser read it as a column.
func (l *lexer) selectModifier(lw string, i, j int) int {
	if l.selects == 1 {
		l.cur.selectMods = append(l.cur.selectMods, lw)
	} else {
		l.cur.otherMods = true
	}
	l.reg = region{}
	return l.blankOut(i, j)
}

// scanRegionComma reads a comma at the depth of an open ON or WHERE region.
func (l *lexer) scanRegionComma(i int) int {
	l.code(i)
	if l.reg.kind == regionOn {
		l.closeRegion(i) // a comma join after the ON condition
	} else {
		l.reg = region{} // WHERE a, b: in parentheses it would be a row value
	}
	l.prevWord = ""
	return i + 1
}

// flush copies the text up to offset i to the parse text.
func (l *lexer) flush(i int) {
	l.cur.parse = append(l.cur.parse, l.q[l.mark:i]...)
	l.mark = i
}

// blankOut replaces q[i:j] by a blank in the parse text and returns j.
func (l *lexer) blankOut(i, j int) int {
	l.flush(i)
	l.cur.parse = append(l.cur.parse, ' ')
	l.mark = j
	return j
}

// writeVerbatim replaces q[i:j] by the bind variable :pN in the parse text.
func (l *lexer) writeVerbatim(i, j int, positional bool) {
	cur := l.cur
	l.flush(i)
	cur.parse = append(cur.parse, " :p"...)
	cur.parse = strconv.AppendInt(cur.parse, int64(len(cur.verbatims)), 10)
	cur.parse = append(cur.parse, ' ')
	l.mark = j
	if cur.verbatims == nil {
		cur.verbatims = make([]verbatim, 0, 4)
	}
	bare := 0
	if positional {
		bare = 1
	}
	cur.verbatims = append(cur.verbatims, verbatim{text: l.q[i:j], at: i, positional: positional, bare: bare})
}

// addVerbatim is writeVerbatim for a literal or parameter, noting a soft-delete
// table's name inside it.
func (l *lexer) addVerbatim(i, j int, positional bool) {
	l.cur.hide(l.q[i:j], l.ts)
	l.writeVerbatim(i, j, positional)
}

// addWord notes an unquoted word (or, with quoted, a quoted identifier),
// lw in lower case, at q[i:end], and opens, ends or drops regions.
func (l *lexer) addWord(lw string, i, end int, quoted bool) {
	cur := l.cur
	soft := l.ts.isName(lw)
	if cur.words == nil {
		// One allocation for most statements, bounded for long ones.
		cur.words = make([]word, 0, min((len(l.q)-i)/5+4, 64))
		l.regions = l.withRegions && !quoted && keywordOf(lw).is(kwRegionStatement) && !cur.versioned
	}
	cur.words = append(cur.words, word{lower: lw, depth: l.depth, start: int32(i), quoted: quoted, soft: soft, qualified: l.dot})
	l.trackRegion(lw, i, end, quoted, soft)
}

// trackRegion ends or drops the open region at the word lw (at q[i:end]),
// or opens one after it.
func (l *lexer) trackRegion(lw string, i, end int, quoted, soft bool) {
	if reg := &l.reg; reg.kind != 0 {
		kw := keywordOf(lw)
		switch {
		case soft:
			*reg = region{}
		case quoted || l.dot:
			// t.where is a column: MySQL and sqlparser read any word
			// after a '.' as a name.
		case l.depth == reg.depth && kw.is(keyword(reg.kind)) && endsClause(l.q, lw, end):
			reg.ended = lw == "from"
			l.closeRegion(i)
		case kw.is(kwDropsRegion):
			*reg = region{}
		case reg.start < 0 && (reg.kind == regionSelect && kw.is(kwSelectOption) || reg.kind == regionOn && (lw == "duplicate" || lw == "conflict")):
			*reg = region{}
		}
	}
	if l.regions && !quoted && !l.dot {
		switch lw {
		case "select":
			l.openRegion(regionSelect)
		case "where":
			l.openRegion(regionWhere)
		case "on":
			l.openRegion(regionOn)
		}
	}
}

// openRegion opens a region of the kind after the current token.
func (l *lexer) openRegion(kind byte) {
	l.reg = region{kind: kind, depth: l.depth, start: -1}
	l.opened = true
}

// extendRegion makes the open region reach past the code token
// q[tok:end]; its first token starts it.
func (l *lexer) extendRegion(tok, end, vpos, nLits int) {
	if l.reg.kind == 0 || l.opened {
		return
	}
	if l.reg.start < 0 {
		l.reg.start, l.reg.pStart, l.reg.nLits = tok, vpos, nLits
	}
	l.reg.end = end
}

// closeRegion ends the open region at offset at (a token that is not part
// of it): its text becomes one literal, which the parser sees as :pN. A
// SELECT list that FROM did not end is dropped instead.
func (l *lexer) closeRegion(at int) {
	r, cur := l.reg, l.cur
	l.reg = region{}
	if r.start < 0 || r.kind == regionSelect && !r.ended {
		return
	}
	if l.mark <= r.start {
		l.flush(r.start)
	} else {
		cur.parse, l.mark = cur.parse[:r.pStart], r.start
	}
	positional, bare := false, 0
	for _, x := range cur.verbatims[r.nLits:] {
		positional = positional || x.positional
		bare += x.bare
	}
	cur.verbatims = cur.verbatims[:r.nLits]
	l.writeVerbatim(r.start, r.end, positional)
	cur.verbatims[len(cur.verbatims)-1].region = true
	cur.verbatims[len(cur.verbatims)-1].bare = bare
	l.mark = at // only blanks and comments lie between r.end and at
}

// A region is a run of a statement's text that the rewriter need not
// understand: a SELECT list, or a WHERE or ON condition, holding no
// subquery and no soft-delete table's name. The pre-lexer hands sqlparser
// a region as one bind variable, and the printer writes it back verbatim,
// so sqlparser parses less (a join's ON condition alone doubles the cost
// of its parse) and the user's expressions reach the database as written.
//
// A region ends at a word that ends its clause at its parenthesis depth,
// at a ')' that closes its depth, at the end of the statement, or (for ON)
// at a comma. A word that may start a subquery, or one that the clause
// cannot hold, drops it and sqlparser reads the text as usual.
type region struct {
	kind   byte  // regionSelect, regionWhere, regionOn; 0: none open
	depth  int32 // parenthesis depth of its clause
	start  int   // offset of its first code token, -1 before it
	end    int   // offset past its last code token
	pStart int   // length of the parse text before its first token
	nLits  int   // literals before its first token
	ended  bool  // a SELECT list that FROM ended
}

const (
	regionSelect byte = 1 << iota
	regionWhere
	regionOn
)

// endsClause reports whether the word lw ending at q[end], a word that may
// end a clause, does: LEFT( and RIGHT( are functions.
func endsClause(q, lw string, end int) bool {
	if lw == "left" || lw == "right" {
		j := skipBlanks(q, end)
		return j >= len(q) || q[j] != '('
	}
	return true
}

// commonWords are interned by lowerWord, so that upper-case SQL does not
// allocate a lower-case copy of every keyword.
var commonWords = func() map[string]string {
	m := map[string]string{}
	for _, w := range strings.Fields(`select from where and or not in is null as on join left right inner
		outer cross natural using group by order having limit offset union all distinct insert into values
		update set delete replace exists between like case when then else end asc desc count sum min max
		avg coalesce ifnull true false for share lock mode with returning table ignore duplicate key
		default interval cast convert create alter drop index primary unique if straight_join`) {
		m[w] = w
	}
	return m
}()

// lowerWord returns w in lower case, without allocating for lower-case
// words and common keywords.
func lowerWord(w string) string {
	upper := false
	for i := 0; i < len(w); i++ {
		if c := w[i]; c >= 'A' && c <= 'Z' {
			upper = true
			break
		}
	}
	if !upper {
		return w
	}
	if len(w) <= 16 {
		var buf [16]byte
		for i := 0; i < len(w); i++ {
			buf[i] = lowerASCII(w[i])
		}
		if c, ok := commonWords[string(buf[:len(w)])]; ok {
			return c
		}
	}
	return lowerASCIIString(w)
}

// lowerASCIIString lowers the ASCII letters of s and keeps every other
// byte: the databases fold only ASCII in identifiers and keywords, and a
// byte that is not UTF-8 must stay itself (strings.ToLower would make it
// U+FFFD, so that a quoted and an unquoted spelling of one name differ).
func lowerASCIIString(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for k := i; k < len(b); k++ {
				b[k] = lowerASCII(b[k])
			}
			return string(b)
		}
	}
	return s
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func scanWord(q string, i int) int {
	for i < len(q) && wordByte[q[i]] {
		i++
	}
	return i
}

// scanSQLiteVariable reads a SQLite parameter starting at q[i] (one of
// : @ $ #) as SQLite's tokenizer does: identifier characters, "::"
// separators, and an optional "(...)" suffix that runs to a blank or ')'.
// It returns the offset past it, and false where SQLite sees no parameter.
func scanSQLiteVariable(q string, i int) (int, bool) {
	n, j := 0, i+1
	for j < len(q) {
		c := q[j]
		switch {
		case wordByte[c]:
			n++
			j++
			continue
		case c == '(' && n > 0:
			for j++; j < len(q) && q[j] != ')' && !isBlank(q[j]); j++ {
			}
			if j < len(q) && q[j] == ')' {
				return j + 1, true
			}
			return j, false
		case c == ':' && j+1 < len(q) && q[j+1] == ':':
			j += 2
			continue
		}
		break
	}
	return j, n > 0
}

func skipBlanks(q string, i int) int {
	for i < len(q) && isBlank(q[i]) {
		i++
	}
	return i
}

func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// isLiteralPrefix reports whether w, written right before a quote, makes the
// quoted text one literal: X'..', B'..', N'..' or a charset introducer.
func isLiteralPrefix(w string, d *dialect) bool {
	switch strings.ToLower(w) {
	case "x":
		return true
	case "b", "n":
		return d.lex.charsetPrefixes
	}
	return d.lex.charsetPrefixes && w[0] == '_'
}

// scanQuoted returns the offset just past the quoted text that starts at
// q[i], closed by closer. A doubled closer stands for itself; with
// backslash, a backslash escapes the next byte (MySQL strings).
func scanQuoted(q string, i int, closer byte, backslash bool) (int, error) {
	for j := i + 1; j < len(q); j++ {
		switch q[j] {
		case '\\':
			if backslash {
				j++
			}
		case closer:
			if j+1 < len(q) && q[j+1] == closer {
				j++
				continue
			}
			return j + 1, nil
		}
	}
	what := "unterminated string literal"
	if closer != '\'' && closer != '"' || closer == '"' && !backslash {
		what = "unterminated quoted identifier"
	}
	return 0, &lexError{what, i}
}

// mysqlString turns a string literal of dialect d into one that sqlparser's
// MySQL tokenizer decodes to the same value.
func mysqlString(s string, d *dialect) string {
	if d.lex.backslashEscapes { // sqlparser's own reading
		return s
	}
	body := strings.ReplaceAll(s[1:len(s)-1], "''", "'")
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(body) + "'"
}

// skipBlanksAndComments returns the offset of the first byte from i on
// that dialect d's lexer reads as neither a blank nor a comment. On MySQL
// a versioned comment (/*!NNNNN ...*/, /*M!...*/) is code: it stops there.
// An unterminated comment runs to the end.
func skipBlanksAndComments(q string, i int, d *dialect) int {
	for i < len(q) {
		switch {
		case isBlankIn(q[i], d):
			i++
		case lineCommentAt(q, i, d):
			k := strings.IndexByte(q[i:], '\n')
			if k < 0 {
				return len(q)
			}
			i += k + 1
		case strings.HasPrefix(q[i:], "/*") && !(d.lex.versionedComments && versionedCommentAt(q, i)):
			k := strings.Index(q[i+2:], "*/")
			if k < 0 {
				return len(q)
			}
			i += k + 4
		default:
			return i
		}
	}
	return i
}

// isBlankIn reports whether dialect d reads c as a blank (SQLite's
// tokenizer rejects \v).
func isBlankIn(c byte, d *dialect) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' && d.lex.verticalTabBlank
}

// lineCommentAt reports whether a comment that runs to the end of the line
// starts at q[i] in dialect d: "--" (on MySQL followed by a blank, a
// control character or the end of the text), and MySQL's "#".
func lineCommentAt(q string, i int, d *dialect) bool {
	switch {
	case q[i] == '#':
		return d.lex.hashComments
	case q[i] != '-' || i+1 >= len(q) || q[i+1] != '-':
		return false
	}
	return !d.lex.dashCommentBlank || i+2 >= len(q) || q[i+2] <= ' ' || q[i+2] == 0x7f
}

// versionedCommentAt reports whether a MySQL versioned comment, whose text
// the server runs as code, starts at q[i]: /*! (MySQL) or /*M! (MariaDB).
func versionedCommentAt(q string, i int) bool {
	return strings.HasPrefix(q[i:], "/*!") || strings.HasPrefix(q[i:], "/*M!")
}
