package softdelete

import (
	"fmt"
	"strings"

	"github.com/xwb1989/sqlparser"
)

// This file is the classify stage of the rewriter: which texts concern a
// soft-delete table at all, and which statements that name one may go to
// the database as written.
//
// The fast path, tableSet.mentionedIn, decides in one pass and without
// allocating whether a statement can concern a soft-delete table at all. It
// looks for table names as words anywhere in the text, strings and comments
// included: a name inside a literal costs a parse, never a missed rewrite.

// softTable is one table listed in the configuration.
type softTable struct {
	name      string         // lower case
	column    string         // its deleted column (the marker)
	kind      MarkerKind     // how the marker marks a row deleted (kinds.go)
	companion string         // a flag table's timestamp column, or ""
	stamp     sqlparser.Expr // what a soft DELETE sets the marker to
	now       sqlparser.Expr // what a soft DELETE sets the companion to
}

// tableSet is the configured soft-delete tables, looked up by name.
type tableSet struct {
	byName         map[string]*softTable // by lower-case name
	first, last    [256]bool             // first and last bytes of the names, both cases
	minLen, maxLen int
	names          []string // in the configuration's order, for messages
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
func (ts *tableSet) mentionedIn(q string) bool { return ts.firstIn(q) != nil }

// firstIn returns the soft-delete table whose name is the first word of q
// (strings and comments included) that names one, or nil: the one way the
// rewriter finds a table's name in text. It does not allocate.
func (ts *tableSet) firstIn(q string) *softTable {
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
			if t, ok := ts.byName[string(buf[:l])]; ok {
				return t
			}
		}
		i = j
	}
	return nil
}

// firstTableIn returns the first soft-delete table named in q, for
// messages, or "?".
func (r *rewriter) firstTableIn(q string) string {
	if t := r.tables.firstIn(q); t != nil {
		return t.name
	}
	return "?"
}

// dangerous returns the first word of st in danger that is used as a
// keyword (see dangerIndex), or "".
func (l *sourceStatement) dangerous(danger keyword) string {
	if i := l.dangerIndex(danger); i >= 0 {
		return l.words[i].lower
	}
	return ""
}

// dangerIndex returns the index of the first word of st in danger that is
// used as a keyword, or -1: "table" after an administrative verb (ANALYZE
// TABLE t, SHOW CREATE TABLE t) and ON DELETE/ON UPDATE of a foreign key or
// column are not.
func (l *sourceStatement) dangerIndex(danger keyword) int {
	for i, w := range l.words {
		if i == 0 || w.quoted || !keywordOf(w.lower).is(danger) { // the verb itself is judged apart
			continue
		}
		prev := l.words[i-1].lower
		switch {
		case w.lower == "table" && keywordOf(prev).is(kwTableVerb):
		case (w.lower == "delete" || w.lower == "update") && prev == "on":
		default:
			return i
		}
	}
	return -1
}

// checkSentAsWritten checks a statement that is to be sent as written although it
// names a soft-delete table.
func (r *rewriter) checkSentAsWritten(st *sourceStatement, first string, m *mode) error {
	table := r.firstTableIn(st.text)
	if st.hidden && !keywordOf(first).is(kwNamesInLiterals) {
		return &RefusedError{Table: table, Reason: fmt.Sprintf("the table's name is inside a literal or comment of a %s statement, which softdelete cannot check", strings.ToUpper(first)),
			Fix: orRaw("pass the literal as an argument, or drop the comment")}
	}
	danger := kwDanger
	if first == "insert" {
		danger = kwInsertDanger
	}
	if i := st.dangerIndex(danger); i >= 0 {
		if m.includeAll && !m.onlyPrimary && m.restore == "" && !m.anyDeletedOnly() && st.dangerous(kwDestructive) == "" &&
			!keywordOf(first).is(kwDestructive) { // an unread DELETE sent as written would delete for good
			// Under WithIncludeDeleted every table is read unfiltered and
			// nothing here deletes: as written is exactly right. This is
			// how a CTE or a window function over soft-delete tables runs.
			return nil
		}
		w := st.words[i]
		return &RefusedError{Table: table, Reason: fmt.Sprintf("%s statements are sent as written, and the %s at offset %d would run without the soft-delete filter",
			strings.ToUpper(first), strings.ToUpper(w.lower), st.offset(w)), Fix: r.byHandFix(st, table)}
	}
	if !keywordOf(first).is(kwReadsNoRows) {
		return &RefusedError{Table: table, Reason: fmt.Sprintf("softdelete does not know statements starting with %s, so it cannot tell whether they read or destroy deleted rows", strings.ToUpper(first))}
	}
	return nil
}

// byHandFix is the fix for a statement that softdelete cannot filter: write
// the filter by hand and send it under WithIncludeDeleted, which passes a
// statement that deletes nothing as written.
func (r *rewriter) byHandFix(st *sourceStatement, table string) string {
	w := st.dangerous(kwDestructive)
	if first := st.firstWord(); w == "" && keywordOf(first).is(kwDestructive) {
		w = first
	}
	switch w {
	case "":
	case "delete", "replace":
		return orRaw(fmt.Sprintf("write the %s as a statement of its own, in SQL sqlparser reads (a subquery instead of a CTE, no subquery in RETURNING), so that softdelete can rewrite it", strings.ToUpper(w)))
	default:
		return "" // stored code, LOAD, HANDLER, TRUNCATE: nothing but the raw passthrough runs them
	}
	filter := table + ".deleted_at IS NULL"
	if t := r.tables.lookup(table); t != nil {
		filter = t.liveSQL(table)
	}
	return orRaw(fmt.Sprintf("add the filter by hand (%s, and the same for every other soft-delete table it reads) and run it under softdelete.WithIncludeDeleted(ctx), which sends a statement that deletes nothing as written",
		filter))
}
