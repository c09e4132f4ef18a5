package softdelete

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// This file holds the two lexical passes of the rewriter.
//
// The fast path, tableSet.mentionedIn, decides in one pass and without
// allocating whether a statement can concern a soft-delete table at all. It
// looks for table names as words anywhere in the text, strings and comments
// included: a name inside a literal costs a parse, never a missed rewrite.
//
// The pre-lexer, lexStatements, runs only on statements that mention a
// table. It follows the target dialect's own rules for strings, quoted
// identifiers, comments and parameters (which sqlparser, a MySQL grammar,
// gets wrong for SQLite), splits multi-statement strings, and replaces every
// literal and parameter by a bind variable :pN whose original text the
// printer writes back verbatim. That keeps placeholders, argument order and
// each literal's exact bytes, whatever the dialect's escaping rules.

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

// softTable is one table listed in the configuration.
type softTable struct {
	name   string // lower case
	column string // its deleted column
}

// tableSet is the configured soft-delete tables, looked up by name.
type tableSet struct {
	byName         map[string]*softTable // by lower-case name
	first, last    [256]bool             // first and last bytes of the names, both cases
	minLen, maxLen int
	names          []string // sorted, for messages
}

func newTableSet(tables []*softTable) *tableSet {
	ts := &tableSet{byName: make(map[string]*softTable, len(tables)), minLen: 1 << 30}
	for _, t := range tables {
		ts.byName[t.name] = t
		bothCases(&ts.first, t.name[0])
		bothCases(&ts.last, t.name[len(t.name)-1])
		if n := len(t.name); n < ts.minLen {
			ts.minLen = n
		}
		if n := len(t.name); n > ts.maxLen {
			ts.maxLen = n
		}
		ts.names = append(ts.names, t.name)
	}
	return ts
}

// isName reports whether lw, in lower case, is a soft-delete table's name.
// A nil set has no names.
func (ts *tableSet) isName(lw string) bool {
	return ts != nil && len(lw) >= ts.minLen && len(lw) <= ts.maxLen && ts.first[lw[0]] && ts.last[lw[len(lw)-1]] &&
		ts.byName[lw] != nil
}

// bothCases marks byte c (lower case) and its upper case in set.
func bothCases(set *[256]bool, c byte) {
	set[c] = true
	if c >= 'a' && c <= 'z' {
		set[c-'a'+'A'] = true
	}
}

// lookup returns the soft-delete table of that name (any case), or nil.
func (ts *tableSet) lookup(name string) *softTable {
	if t, ok := ts.byName[name]; ok {
		return t
	}
	return ts.byName[strings.ToLower(name)]
}

// mentionedIn reports whether q contains one of the table names as a whole
// word, case-insensitively, anywhere. It makes one pass and does not
// allocate.
func (ts *tableSet) mentionedIn(q string) bool {
	var buf [maxIdentLen]byte
	n := len(q)
	for i := 0; i < n; {
		if !wordByte[q[i]] {
			i++
			continue
		}
		j := i + 1
		for j < n && wordByte[q[j]] {
			j++
		}
		if l := j - i; l >= ts.minLen && l <= ts.maxLen && ts.first[q[i]] && ts.last[q[j-1]] {
			for k := 0; k < l; k++ {
				buf[k] = lowerASCII(q[i+k])
			}
			if _, ok := ts.byName[string(buf[:l])]; ok {
				return true
			}
		}
		i = j
	}
	return false
}

// lit is a literal or parameter of the user's text, replaced by :pN for
// the parser and written back verbatim by the printer.
type lit struct {
	text       string
	at         int  // offset in the text lexed
	positional bool // a bare '?' (or a region holding one): its order must not change
	region     bool // a region (see region), not a single literal
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

// lexed is one statement of the user's text, pre-lexed.
type lexed struct {
	start, end int    // offsets of the statement in the whole text (without ';')
	text       string // the statement as written
	lead       int    // length of the blanks and comments that start text
	empty      bool   // nothing but blanks and comments
	parse      []byte // the text sqlparser reads
	versioned  bool   // holds a MySQL versioned comment
	lits       []lit
	words      []word
	quoted     map[string]bool // identifiers written quoted, lower case
	concat     bool            // a '||' operator was seen
	trail      int             // offset in text where the trailing blanks and comments start
	selectMods []string        // MySQL modifiers of the first SELECT (SQL_CALC_FOUND_ROWS, ...)
	otherMods  bool            // such modifiers on another SELECT: not supported
	hidden     bool            // a soft-delete table's name is inside a literal or comment
	ambiguous  string          // text servers read differently (a versioned comment), or ""
}

// hide notes a literal or comment that contains a soft-delete table's name.
func (l *lexed) hide(text string, ts *tableSet) {
	if ts != nil && !l.hidden && ts.mentionedIn(text) {
		l.hidden = true
	}
}

func (l *lexed) parseText() string { return string(l.parse) }

// hasRegions reports whether some of the statement reaches sqlparser as
// regions (see region).
func (l *lexed) hasRegions() bool {
	for _, x := range l.lits {
		if x.region {
			return true
		}
	}
	return false
}

// firstWord returns the first keyword of the statement, lower case.
func (l *lexed) firstWord() string {
	if len(l.words) == 0 || l.words[0].quoted {
		return ""
	}
	return l.words[0].lower
}

// has reports whether the statement contains the unquoted word w.
func (l *lexed) has(w string) bool {
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
func lexStatements(q string, d *dialect) ([]*lexed, error) { return lex(q, d, nil, false) }

// lex is lexStatements that also notes, with ts, the statements that name
// a soft-delete table inside a literal or a comment (lexed.hidden), and,
// withRegions, hands sqlparser the regions it need not read as literals
// (see region): the rewriter's reading. Tests that check a rewrite read
// its output without regions.
func lex(q string, d *dialect, ts *tableSet, withRegions bool) ([]*lexed, error) {
	if len(q) > math.MaxInt32 {
		return nil, &lexError{"statement longer than 2 GiB", 0}
	}
	if i := strings.IndexByte(q, 0); i >= 0 {
		// SQLite stops reading at a NUL (a C string): what follows it,
		// a filter included, would never run.
		return nil, &lexError{"NUL byte", i}
	}
	var out []*lexed
	cur := &lexed{start: 0, empty: true, parse: make([]byte, 0, len(q)+16)}
	var depth int32
	versioned := false // inside a MySQL /*!...*/ comment, whose text is code
	prevWord := ""     // the last unquoted word, lower case

	// The parse text is the statement with some tokens replaced: q up to
	// mark has been written to it (or replaced), the rest is still to copy.
	mark := 0
	flush := func(i int) {
		cur.parse = append(cur.parse, q[mark:i]...)
		mark = i
	}
	writeLit := func(i, j int, positional bool) { // q[i:j] becomes :pN
		flush(i)
		cur.parse = append(cur.parse, " :p"...)
		cur.parse = strconv.AppendInt(cur.parse, int64(len(cur.lits)), 10)
		cur.parse = append(cur.parse, ' ')
		mark = j
		if cur.lits == nil {
			cur.lits = make([]lit, 0, 4)
		}
		cur.lits = append(cur.lits, lit{text: q[i:j], at: i, positional: positional})
	}
	addLit := func(i, j int, positional bool) {
		cur.hide(q[i:j], ts)
		writeLit(i, j, positional)
	}

	// The open region (see region), and whether the statement may have
	// regions at all: it is a SELECT, INSERT, REPLACE, UPDATE or DELETE
	// and holds no versioned comment.
	var reg region
	regions := false
	dot := false    // the last code token was a '.' that qualifies a name
	number := false // the last code token was a number
	opened := false // a region opened at the current token
	openRegion := func(kind byte) {
		reg = region{kind: kind, depth: depth, start: -1}
		opened = true
	}
	// closeRegion ends the open region at offset at (a token that is not
	// part of it): its text becomes one literal, which the parser sees as
	// :pN. A SELECT list that FROM did not end is dropped instead.
	closeRegion := func(at int) {
		r := reg
		reg = region{}
		if r.start < 0 || r.kind == regionSelect && !r.ended {
			return
		}
		if mark <= r.start {
			flush(r.start)
		} else {
			cur.parse, mark = cur.parse[:r.pStart], r.start
		}
		positional := false
		for _, l := range cur.lits[r.nLits:] {
			positional = positional || l.positional
		}
		cur.lits = cur.lits[:r.nLits]
		writeLit(r.start, r.end, positional)
		cur.lits[len(cur.lits)-1].region = true
		mark = at // only blanks and comments lie between r.end and at
	}
	// addWord notes an unquoted word (or, with quoted, a quoted
	// identifier), lw in lower case, at offset i, and opens, ends or drops
	// regions.
	addWord := func(lw string, i, end int, quoted bool) {
		soft := ts.isName(lw)
		if cur.words == nil {
			// One allocation for most statements, bounded for long ones.
			cur.words = make([]word, 0, min((len(q)-i)/5+4, 64))
			regions = withRegions && !quoted && regionStatements[lw] && !cur.versioned
		}
		cur.words = append(cur.words, word{lower: lw, depth: depth, start: int32(i), quoted: quoted, soft: soft, qualified: dot})
		if reg.kind != 0 {
			switch {
			case soft:
				reg = region{}
			case quoted || dot:
				// t.where is a column: MySQL and sqlparser read any word
				// after a '.' as a name.
			case depth == reg.depth && regionEnd[lw]&reg.kind != 0 && endsClause(q, lw, end):
				reg.ended = lw == "from"
				closeRegion(i)
			case regionDeny[lw]:
				reg = region{}
			case reg.start < 0 && (reg.kind == regionSelect && selectOptionWords[lw] || reg.kind == regionOn && (lw == "duplicate" || lw == "conflict")):
				reg = region{}
			}
		}
		if regions && !quoted && !dot {
			switch lw {
			case "select":
				openRegion(regionSelect)
			case "where":
				openRegion(regionWhere)
			case "on":
				openRegion(regionOn)
			}
		}
	}
	codeEnd := 0          // offset just past the last code seen
	selects := 0          // SELECT keywords seen in the statement
	code := func(i int) { // the statement has code from offset i on
		if cur.empty {
			cur.empty = false
			cur.lead = i - cur.start
		}
		codeEnd = -1 // set after the token by the main loop
	}
	finish := func(end int) {
		if reg.kind != 0 && depth == reg.depth {
			closeRegion(end)
		}
		reg = region{} // one left open in an unclosed '(' is dropped
		flush(end)
		cur.end = end
		cur.text = q[cur.start:end]
		if cur.empty {
			cur.lead = len(cur.text)
		}
		cur.trail = len(cur.text)
		if codeEnd > cur.start {
			cur.trail = codeEnd - cur.start
		}
		for i := range cur.words {
			cur.words[i].start -= int32(cur.start)
		}
		out = append(out, cur)
	}

	n := len(q)
	for i := 0; i < n; {
		c := q[i]
		next := byte(0)
		if i+1 < n {
			next = q[i+1]
		}
		tok, vpos, nLits := i, 0, 0
		if reg.start < 0 {
			vpos, nLits = len(cur.parse)+i-mark, len(cur.lits)
		}
		opened = false
		switch {
		case c == ';' && !versioned:
			finish(i)
			cur = &lexed{start: i + 1, empty: true}
			mark = i + 1
			depth, prevWord, codeEnd, selects, regions, dot, number = 0, "", 0, 0, false, false, false
			i++
			continue

		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++

		case c == '\f' || c == '\v' && d.lex.verticalTabBlank:
			// Blanks to the database (SQLite's tokenizer rejects \v), not
			// to sqlparser.
			flush(i)
			cur.parse = append(cur.parse, ' ')
			i++
			mark = i

		case lineCommentAt(q, i, d):
			// MySQL wants a blank or control character after "--".
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = n - i
			}
			cur.hide(q[i:i+j], ts)
			flush(i)
			cur.parse = append(cur.parse, ' ')
			i += j
			mark = i

		case c == '/' && next == '*':
			if d.lex.versionedComments && versionedCommentAt(q, i) {
				// /*!50000 ... */ (MySQL) and /*M!100100 ... */ (MariaDB):
				// the server runs the text inside if its version is at
				// least the one given (5 digits, or 6 after M!). MySQL
				// skips /*M!; MariaDB skips /*! from 50700 on. Read the
				// text as code, and mark the forms that depend on the
				// server so that statements naming tables are refused.
				code(i)
				j, digits := i+3, 5
				if q[i+2] == 'M' {
					j, digits = i+4, 6
					cur.ambiguous = "a MariaDB /*M! comment"
				}
				k := j
				for k < n && k-j < digits && q[k] >= '0' && q[k] <= '9' {
					k++
				}
				if v := q[j:k]; len(v) == 5 && v >= "50700" && cur.ambiguous == "" {
					cur.ambiguous = "a /*!" + v + " comment, which MySQL runs and MariaDB skips"
				}
				versioned, cur.versioned = true, true
				reg, regions = region{}, false // no region across its ends
				flush(i)
				cur.parse = append(cur.parse, ' ')
				i, mark = k, k
				break
			}
			j := strings.Index(q[i+2:], "*/")
			if j < 0 {
				return nil, &lexError{"unterminated comment", i}
			}
			end := i + 2 + j + 2
			cur.hide(q[i:end], ts)
			if !d.lex.optimizerHints || cur.empty { // MySQL optimizer hints stay
				flush(i)
				cur.parse = append(cur.parse, ' ')
				mark = end
			}
			i = end

		case c == '*' && next == '/' && versioned:
			code(i) // the end of the statement's code may be here
			versioned = false
			flush(i)
			cur.parse = append(cur.parse, ' ')
			i += 2
			mark = i

		case c == '\'' || c == '"' && d.lex.doubleQuotedStrings:
			code(i)
			j, err := scanQuoted(q, i, c, d.lex.backslashEscapes)
			if err != nil {
				return nil, err
			}
			if prevWord == "as" || prevWord == "separator" {
				// The grammar wants a real string here (an alias or a
				// GROUP_CONCAT separator): hand it over as one.
				if !d.lex.backslashEscapes { // sqlparser reads strings as MySQL does
					flush(i)
					cur.parse = append(cur.parse, mysqlString(q[i:j], d)...)
					mark = j
				}
			} else {
				addLit(i, j, false)
			}
			prevWord = ""
			i = j

		case c == '`' || c == '"' || c == '[' && d.lex.bracketIdents:
			code(i)
			closer := c
			if c == '[' {
				closer = ']'
			}
			j, err := scanQuoted(q, i, closer, false)
			if err != nil {
				return nil, err
			}
			name := q[i+1 : j-1]
			if closer != ']' {
				name = strings.ReplaceAll(name, string([]byte{closer, closer}), string(closer))
			}
			lname := strings.ToLower(name)
			if cur.quoted == nil {
				cur.quoted = make(map[string]bool)
			}
			cur.quoted[lname] = true
			addWord(lname, i, j, true)
			flush(i)
			cur.parse = append(cur.parse, " `"...) // apart: `a``b` would be one name
			cur.parse = append(cur.parse, strings.ReplaceAll(name, "`", "``")...)
			cur.parse = append(cur.parse, "` "...)
			mark = j
			prevWord = ""
			i = j

		case c == '?':
			code(i)
			j := i + 1
			if d.lex.numberedParams {
				for j < n && q[j] >= '0' && q[j] <= '9' {
					j++
				}
			}
			addLit(i, j, j == i+1)
			i = j

		case d.lex.numberedParams && (c == ':' || c == '@' || c == '$' || c == '#'):
			code(i)
			j, ok := scanSQLiteVariable(q, i)
			if !ok {
				return nil, &lexError{"malformed parameter", i}
			}
			addLit(i, j, false)
			i = j

		case c == ':' && isIdentStart(next):
			code(i)
			j := scanWord(q, i+1)
			addLit(i, j, false)
			i = j

		case c == '@':
			code(i)
			if i > 0 && wordByte[q[i-1]] || !(next == '@' || wordByte[next] || next == '\'' || next == '"' || next == '`') {
				// sqlparser reads '@' as a letter of a name ("a@b"), the
				// server as the start of a variable: no safe reading.
				return nil, &lexError{"stray '@'", i}
			}
			j := i + 1
			if d.lex.variables && next == '@' {
				j++
			}
			if d.lex.variables && j < n && (q[j] == '\'' || q[j] == '"' || q[j] == '`') {
				k, err := scanQuoted(q, j, q[j], q[j] != '`')
				if err != nil {
					return nil, err
				}
				j = k
			} else {
				for j < n && (wordByte[q[j]] || q[j] == '.' && d.lex.variables) {
					j++
				}
			}
			if j == i+1 {
				i++
				break
			}
			if d.lex.variables && j > i+1 && q[j-1] != '\'' && q[j-1] != '"' && q[j-1] != '`' {
				// A MySQL variable: sqlparser reads @name and @@scope.name
				// as identifiers, which keeps SET @v = ... parseable.
				if k := skipBlanks(q, j); k > j && k < n && q[k] == '.' {
					return nil, &lexError{"'.' after a variable", k} // sqlparser would join them
				}
				if q[j-1] == '.' {
					return nil, &lexError{"'.' at the end of a variable", j - 1} // @v. x: sqlparser reads @v.x
				}
				i = j
				break
			}
			addLit(i, j, false)
			i = j

		case c == '|' && next == '|':
			code(i)
			cur.concat = true
			i += 2

		case c == '(' || c == ')':
			code(i)
			if c == '(' {
				depth++
			} else {
				depth--
				if reg.kind != 0 && depth < reg.depth {
					closeRegion(i)
				}
			}
			prevWord = ""
			i++

		case wordByte[c]:
			code(i)
			j := scanWord(q, i)
			w := q[i:j]
			if j < n && q[j] == '\'' && isLiteralPrefix(w, d) {
				k, err := scanQuoted(q, j, '\'', d.lex.backslashEscapes)
				if err != nil {
					return nil, err
				}
				addLit(i, k, false)
				i = k
				break
			}
			if c >= '0' && c <= '9' {
				prevWord = "" // SELECT 0 SQL_CALC_FOUND_ROWS: not an option
				i = j
				break
			}
			lw := lowerWord(w)
			if lw == "select" {
				selects++
			}
			if d.lex.selectModifiers && selectModifiers[lw] && selectOptionWords[prevWord] {
				// sqlparser does not know these SELECT options; keep them
				// for the printer instead of letting it read a column.
				if selects == 1 {
					cur.selectMods = append(cur.selectMods, lw)
				} else {
					cur.otherMods = true
				}
				reg = region{}
				flush(i)
				cur.parse = append(cur.parse, ' ')
				i, mark = j, j
				break
			}
			addWord(lw, i, j, false)
			prevWord = lw
			i = j

		case c == '-' && next == '-', c == '/' && next == '/':
			// MySQL's "--" without a blank after it is two minus signs,
			// and "//" is two slashes in both dialects: sqlparser would
			// take either for a comment and drop the rest of the line.
			code(i)
			flush(i + 1)
			cur.parse = append(cur.parse, ' ')
			prevWord = ""
			i++

		case c == ',' && reg.kind&(regionOn|regionWhere) != 0 && depth == reg.depth:
			code(i)
			if reg.kind == regionOn {
				closeRegion(i) // a comma join after the ON condition
			} else {
				reg = region{} // WHERE a, b: in parentheses it would be a row value
			}
			prevWord = ""
			i++

		default:
			code(i)
			if c != '.' {
				prevWord = ""
			}
			i++
		}
		if cur.hidden && regions {
			// A soft-delete table's name inside a literal or comment:
			// sqlparser reads the rest of the statement (see rewriteStatement).
			reg, regions = region{}, false
		}
		if codeEnd < 0 {
			codeEnd = i
			// A '.' after a number is part of it (1.ORDER is "1." ORDER).
			dot = c == '.' && !number
			number = c >= '0' && c <= '9'
			if reg.kind != 0 && !opened {
				if reg.start < 0 {
					reg.start, reg.pStart, reg.nLits = tok, vpos, nLits
				}
				reg.end = i
			}
		}
	}
	if versioned {
		return nil, &lexError{"unterminated /*! comment", n}
	}
	finish(n)
	return out, nil
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

// regionStatements are the statements that may have regions.
var regionStatements = map[string]bool{"select": true, "insert": true, "replace": true, "update": true, "delete": true}

// regionEnd maps a word to the kinds of region it ends (at the region's
// depth). A SELECT list only ends at FROM; the other words drop it.
var regionEnd = func() map[string]byte {
	m := map[string]byte{"from": regionSelect, "distinct": regionSelect} // x IS DISTINCT FROM y
	for _, w := range strings.Fields(`group having order limit union for lock into on`) {
		m[w] = regionSelect | regionWhere | regionOn
	}
	for _, w := range strings.Fields(`where join inner cross left right full natural straight_join outer using set`) {
		m[w] = regionSelect | regionOn
	}
	return m
}()

// regionDeny are words that drop a region wherever they appear in it:
// the starts of subqueries, clauses that sqlparser must see, and words
// that may end a clause but that sqlparser also reads as column names
// (ending the region there would refuse WHERE offset = 1).
var regionDeny = map[string]bool{"select": true, "with": true, "values": true, "table": true, "lateral": true,
	"over": true, "window": true, "into": true, "union": true, "except": true, "intersect": true, "minus": true,
	"returning": true, "recursive": true, "procedure": true, "offset": true, "fetch": true}

// endsClause reports whether the word lw ending at q[end], a word that may
// end a clause, does: LEFT( and RIGHT( are functions.
func endsClause(q, lw string, end int) bool {
	if lw == "left" || lw == "right" {
		j := skipBlanks(q, end)
		return j >= len(q) || q[j] != '('
	}
	return true
}

// selectModifiers are MySQL SELECT options that sqlparser cannot read.
var selectModifiers = map[string]bool{"sql_calc_found_rows": true, "high_priority": true, "distinctrow": true,
	"sql_small_result": true, "sql_big_result": true, "sql_buffer_result": true}

// selectOptionWords may stand between SELECT and its modifiers.
var selectOptionWords = map[string]bool{"select": true, "all": true, "distinct": true, "straight_join": true,
	"sql_cache": true, "sql_no_cache": true, "sql_calc_found_rows": true, "high_priority": true,
	"distinctrow": true, "sql_small_result": true, "sql_big_result": true, "sql_buffer_result": true}

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
	return strings.ToLower(w)
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
