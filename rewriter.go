package softdelete

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"github.com/xwb1989/sqlparser"
)

// ErrRefused is matched (with errors.Is) by every error that refuses a
// statement naming a soft-delete table that softdelete cannot rewrite.
var ErrRefused = errors.New("softdelete: statement refused")

// RefusedError is the error for a statement that names a soft-delete table
// and that softdelete will not send: it cannot rewrite it safely, or sending
// it would destroy or expose soft-deleted rows (REPLACE, TRUNCATE, DROP
// TABLE, a rename) in the mode of the call. Nothing was sent to the
// database.
type RefusedError struct {
	Table  string // the soft-delete table concerned, or "" when the statement names none
	Reason string // what is wrong with the statement: the construct, and its offset where known
	Fix    string // what to do instead, the safe fix first; "" when only the raw passthrough helps
	Err    error  // the underlying cause, such as sqlparser's syntax error, or nil
}

// rawAdvice is how a refusal names the raw passthrough, the last resort: it
// drops every filter and makes DELETE hard, so it is never the first advice.
const rawAdvice = "softdelete.WithForce(softdelete.WithIncludeDeleted(ctx)) sends it as written, with no filter at all and DELETE as a hard DELETE"

func (e *RefusedError) Error() string {
	var b strings.Builder
	b.WriteString("softdelete: refusing statement")
	if e.Table != "" {
		b.WriteString(" on soft-delete table ")
		b.WriteString(e.Table)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	if e.Err != nil {
		b.WriteString(" (")
		b.WriteString(strings.TrimPrefix(e.Err.Error(), "softdelete: "))
		b.WriteString(")")
	}
	b.WriteString(". Nothing was sent. ")
	if e.Fix == "" {
		b.WriteString("As a last resort, ")
		b.WriteString(rawAdvice)
	} else {
		b.WriteString(strings.ToUpper(e.Fix[:1]))
		b.WriteString(e.Fix[1:])
	}
	b.WriteString(".")
	return b.String()
}

// orRaw is a fix followed by the raw passthrough, as the last resort.
func orRaw(fix string) string { return fix + "; as a last resort, " + rawAdvice }

// Unwrap returns the cause.
func (e *RefusedError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrRefused) true.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// rewriter rewrites statements for one configuration. It is pure: SQL text
// and a mode in, SQL text out; the cache only remembers its answers.
type rewriter struct {
	d      *dialect
	tables *tableSet
	now    sqlparser.Expr // what a soft DELETE stamps
	cache  *cache         // nil when disabled

	conns atomic.Uint32 // connections made, to spread their cache-hit counts

	schema *schemaGate // the connector's lazy schema check (schema.go); newRewriter always sets it

	// wholeParse makes sqlparser read regions too (see region): the
	// rewrite without them, for the benchmarks that show their worth.
	wholeParse bool
}

// rewrite returns the statement to send for q under mode m. When nothing
// needs rewriting it returns q itself.
func (r *rewriter) rewrite(q string, m *mode) (string, error) {
	out, _, _, err := r.rewriteMode(q, m)
	return out, err
}

// rewriteMode is rewrite that also reports whether the result may depend
// on the mode (when it does not, the statement names no soft-delete table
// and one prepared statement serves every mode), and whether the MySQL
// session must be checked after the statement runs (see session.go). Both
// are cached with the rewrite.
func (r *rewriter) rewriteMode(q string, m *mode) (out string, byMode, session bool, err error) {
	if len(m.tables) > 0 {
		if err := r.checkMode(m); err != nil {
			return "", true, false, err
		}
	}
	if m.raw() {
		return q, true, r.d.session != nil && r.d.session.sensitive(q), nil
	}
	if !m.restore && !r.tables.mentionedIn(q) {
		if m.onlyPrimary {
			if err := r.checkOnlyPrimaryText(q); err != nil {
				return "", true, false, err
			}
		}
		if r.d.session == nil || !r.d.session.sensitive(q) {
			return q, false, false, nil
		}
	}
	if r.cache == nil {
		out, session, err := r.rewriteText(q, m)
		return out, true, session, err
	}
	if out, session, err, ok := r.cache.get(m.key, q); ok {
		return out, true, session, err
	}
	out, session, err = r.rewriteText(q, m)
	r.cache.put(m.key, q, out, session, err)
	return out, true, session, err
}

// rewriteText is rewrite without the fast path and the cache. It also
// reports whether the MySQL session must be checked after q runs.
func (r *rewriter) rewriteText(q string, m *mode) (out string, session bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, session, err = "", false, &RefusedError{Table: r.mentioned(q), Reason: "softdelete failed while rewriting it, an internal error", Fix: orRaw("please report the statement"), Err: fmt.Errorf("%v", p)}
		}
	}()
	stmts, err := lex(q, r.d, r.tables, !r.wholeParse)
	if err != nil {
		return "", false, &RefusedError{Table: r.mentioned(q), Reason: "the " + r.d.String() + " lexer cannot read it, and neither would the database", Fix: "fix the SQL at the offset shown (an unterminated string or comment, a bare '#' on SQLite, a stray '@' on MySQL); a NUL byte belongs in an argument", Err: err}
	}
	if m.restore && len(stmts) != 1 {
		return "", false, fmt.Errorf("softdelete: Restore: the condition must not end the statement or add another")
	}
	for _, st := range stmts {
		if st.ambiguous != "" && r.tables.mentionedIn(q) {
			// Where servers disagree on what is code, no reading is safe.
			return "", false, &RefusedError{Table: r.mentioned(q), Reason: "it contains " + st.ambiguous + ", whose text is code for some servers and a comment for others", Fix: orRaw("write the SQL without versioned comments")}
		}
	}
	outs := make([]string, len(stmts))
	changed := false
	for i, st := range stmts {
		o, ch, err := r.rewriteStatement(st, m)
		if err != nil {
			return "", false, err
		}
		outs[i], changed = o, changed || ch
	}
	if r.d.session != nil {
		if session, err = r.d.session.checkAfter(stmts); err != nil {
			return "", false, err
		}
	}
	if !changed {
		return q, session, nil
	}
	return strings.Join(outs, ";"), session, nil
}

// checkMode refuses table names in the mode that are not soft-delete tables.
func (r *rewriter) checkMode(m *mode) error {
	for _, t := range m.tables {
		if r.tables.lookup(t.name) == nil {
			fn := "WithIncludeDeleted"
			if t.f == filterDeleted {
				fn = "WithOnlyDeleted"
			}
			if m.restore {
				fn = "Restore"
			}
			return fmt.Errorf("softdelete: %s names %q, which is not a soft-delete table (tables: %s)",
				fn, t.name, strings.Join(r.tables.names, ", "))
		}
	}
	return nil
}

// mentioned returns the first soft-delete table named in q, for messages.
func (r *rewriter) mentioned(q string) string {
	n := len(q)
	for i := 0; i < n; {
		if !wordByte[q[i]] {
			i++
			continue
		}
		j := scanWord(q, i)
		if t := r.tables.lookup(strings.ToLower(q[i:j])); t != nil {
			return t.name
		}
		i = j
	}
	return "?"
}

// statementWords may start the statement that EXPLAIN, DESCRIBE or ANALYZE
// prefixes.
var statementWords = map[string]bool{"select": true, "insert": true, "update": true, "delete": true,
	"replace": true, "with": true, "values": true}

// rewriteStatement rewrites one statement of a (possibly multi-statement)
// text. It reports whether the text changed.
func (r *rewriter) rewriteStatement(st *lexed, m *mode) (string, bool, error) {
	if st.empty {
		return st.text, false, nil
	}
	if r.d.session != nil {
		if err := r.d.session.check(st); err != nil {
			return "", false, err
		}
	}
	if !r.tables.mentionedIn(st.text) {
		if m.onlyPrimary {
			if err := r.checkOnlyPrimaryPlain(st); err != nil {
				return "", false, err
			}
		}
		return st.text, false, nil
	}
	first := st.firstWord()
	if err := r.checkWholeTable(st, first, m); err != nil {
		return "", false, err
	}
	switch first {
	case "explain", "describe", "desc", "analyze":
		// EXPLAIN SELECT, ANALYZE DELETE (which MariaDB runs!): rewrite the
		// statement after the prefix. DESCRIBE t, ANALYZE TABLE t:
		// metadata, checked like the other statements that pass as written.
		for i, w := range st.words[1:] {
			if w.depth == 0 && !w.quoted && statementWords[w.lower] {
				// The prefix is kept as written: it must read no table.
				for _, p := range st.words[1 : i+1] {
					if p.depth > 0 || p.soft || allDanger[p.lower] {
						return "", false, &RefusedError{Table: r.mentioned(st.text), Reason: fmt.Sprintf("the %s prefix holds more than options (%s at offset %d), which would run unfiltered", strings.ToUpper(first), strings.ToUpper(p.lower), st.offset(p)), Fix: orRaw(fmt.Sprintf("keep only options between %s and the statement", strings.ToUpper(first)))}
					}
				}
				return r.rewriteTail(st, int(w.start), m)
			}
		}
		if err := r.passable(st, first, m); err != nil {
			return "", false, err
		}
		return st.text, false, nil
	case "insert":
		// INSERT ... VALUES reads no other row and destroys none: as
		// written, without a parse (bulk inserts are long).
		if !st.hidden && st.dangerous(insertDanger) == "" {
			return st.text, false, nil
		}
	}
	if st.hidden && st.hasRegions() {
		// A soft-delete table's name sits inside a literal or comment:
		// the statement is sent as read, regions included (see below).
		subs, err := lex(st.text, r.d, r.tables, false)
		if err != nil || len(subs) != 1 {
			return "", false, &RefusedError{Table: r.mentioned(st.text), Reason: "a soft-delete table's name is inside a literal or comment, and softdelete cannot read the statement again to check it", Fix: orRaw("pass the literal as an argument, or drop the comment"), Err: err}
		}
		subs[0].start = st.start
		st = subs[0]
	}
	stmt, perr := parse(st.parseText())
	if perr != nil {
		return r.fallback(st, m, perr)
	}
	out, s, err := r.analyze(st, stmt, m)
	if err != nil {
		return "", false, err
	}
	if !s.changed {
		switch n := stmt.(type) {
		case *sqlparser.Select, *sqlparser.Union, *sqlparser.ParenSelect, *sqlparser.Insert,
			*sqlparser.Update, *sqlparser.Delete, *sqlparser.Set:
			if !st.hidden {
				return st.text, false, nil
			}
			// A soft-delete table's name sits inside a literal or comment:
			// send the statement as it was read, never as written, so
			// that a server reading that text differently still gets what
			// was checked. (These statements print back whole.)
		case *sqlparser.DDL:
			if n.Action != sqlparser.TruncateStr { // TRUNCATE: refused by checkWholeTable unless the mode allows it
				if err := r.passable(st, first, m); err != nil {
					return "", false, err
				}
			}
			return st.text, false, nil
		default:
			// SHOW, DESCRIBE, ...: sqlparser skips over parts of these
			// (and would print them short), so check the words it may not
			// have looked at and send them as written.
			if err := r.passable(st, first, m); err != nil {
				return "", false, err
			}
			return st.text, false, nil
		}
	}
	table := s.firstSoft
	if table == "" {
		table = r.mentioned(st.text) // named only inside a literal or comment
	}
	if st.concat {
		// sqlparser reads || as OR; SQLite (and MySQL with PIPES_AS_CONCAT)
		// reads it as concatenation. Printing it back as OR could change
		// the statement's meaning, so refuse.
		return "", false, &RefusedError{Table: table, Reason: "the || operator is OR to sqlparser but string concatenation to SQLite (and to MySQL with PIPES_AS_CONCAT)", Fix: orRaw(r.d.concatFix)}
	}
	txt, err := r.print(st, out, table)
	if err != nil {
		return "", false, err
	}
	return st.text[:st.lead] + txt + st.text[st.trail:], true, nil
}

// analyze rewrites a parsed statement in its scope and cross-checks the
// parse against the lexer; it returns the statement to print and the scope.
func (r *rewriter) analyze(st *lexed, stmt sqlparser.Statement, m *mode) (sqlparser.Statement, *scope, error) {
	s := &scope{r: r, m: m, st: st}
	out := s.statement(stmt)
	if err := r.crossCheck(st, stmt, s.seen); err != nil {
		return nil, nil, err
	}
	if s.err != nil {
		return nil, nil, s.err
	}
	return out, s, nil
}

// print prints a rewritten statement, with its leading and trailing
// comments and the MySQL SELECT modifiers sqlparser cannot read.
func (r *rewriter) print(st *lexed, out sqlparser.Statement, table string) (string, error) {
	if st.otherMods {
		return "", &RefusedError{Table: table, Reason: "MySQL SELECT options such as SQL_CALC_FOUND_ROWS are supported on the first SELECT only", Fix: orRaw("move them to the first SELECT, or drop them")}
	}
	if len(st.selectMods) > 0 {
		sel := firstSelect(out)
		if sel == nil {
			return "", &RefusedError{Table: table, Reason: "softdelete cannot place the SELECT options " + strings.Join(st.selectMods, " ") + " in its rewrite", Fix: orRaw("drop the options")}
		}
		sel.Hints = strings.Join(st.selectMods, " ") + " " + sel.Hints
	}
	p := &printer{d: r.d, lits: st.lits, quoted: st.quoted, size: len(st.text) + len(st.text)/2 + 64}
	txt, err := p.print(out)
	if err != nil {
		return "", &RefusedError{Table: table, Reason: "softdelete cannot print its rewrite", Fix: orRaw("please report the statement"), Err: err}
	}
	return txt, nil
}

// firstSelect returns the SELECT that comes first in the statement's text.
func firstSelect(stmt sqlparser.SQLNode) *sqlparser.Select {
	switch n := stmt.(type) {
	case *sqlparser.Select:
		return n
	case *sqlparser.Union:
		return firstSelect(n.Left)
	case *sqlparser.ParenSelect:
		return firstSelect(n.Select)
	case *sqlparser.Insert:
		return firstSelect(n.Rows)
	}
	return nil
}

// rewriteTail rewrites the part of st from offset at on, as a statement of
// its own, and keeps what comes before it verbatim.
func (r *rewriter) rewriteTail(st *lexed, at int, m *mode) (string, bool, error) {
	subs, err := lex(st.text[at:], r.d, r.tables, !r.wholeParse)
	if err != nil || len(subs) != 1 {
		return "", false, &RefusedError{Table: r.mentioned(st.text), Reason: "softdelete cannot split the statement from its prefix", Fix: orRaw("run the statement without its prefix"), Err: err}
	}
	subs[0].start = st.start + at // offsets in messages are in the user's text
	out, changed, err := r.rewriteStatement(subs[0], m)
	if err != nil || !changed {
		return st.text, false, err
	}
	return st.text[:at] + out, true, nil
}

// modifierWords are MySQL keywords that sqlparser does not know and that
// may stand before a table name, where it reads them as the table and the
// real table as its alias (UPDATE LOW_PRIORITY users).
var modifierWords = map[string]bool{"low_priority": true, "high_priority": true, "delayed": true, "quick": true,
	"ignore": true, "lateral": true, "only": true, "concurrent": true, "local": true, "straight_join": true}

// crossCheck guards against sqlparser reading the text differently from
// the database: every soft-delete table name that the dialect's lexer saw
// as an identifier must appear as an identifier in the AST. If sqlparser
// swallowed part of the statement (as a comment, say), the statement is
// refused rather than sent with a table left unfiltered.
//
// seen lists the soft-delete tables the scope met as tables: when it holds
// every name the lexer saw, which is the usual case, no walk is needed
// (the scope itself refuses a soft-delete name aliasing a plain table).
func (r *rewriter) crossCheck(st *lexed, stmt sqlparser.Statement, seen []string) error {
	switch stmt.(type) {
	case sqlparser.SelectStatement, *sqlparser.Insert, *sqlparser.Update, *sqlparser.Delete, *sqlparser.Set:
	default:
		return nil
	}
	var names map[string]bool
	misread := ""
	for _, w := range st.words {
		if !w.soft || contains(seen, w.lower) {
			continue
		}
		if names == nil {
			names = make(map[string]bool)
			_ = sqlparser.Walk(func(node sqlparser.SQLNode) (bool, error) {
				switch n := node.(type) {
				case *sqlparser.AliasedTableExpr:
					// UPDATE LOW_PRIORITY users ...: sqlparser reads a
					// keyword as a table aliased like a soft-delete table.
					if tn, ok := n.Expr.(sqlparser.TableName); ok && r.tables.lookup(n.As.String()) != nil && modifierWords[strings.ToLower(tn.Name.String())] {
						misread = n.As.String()
					}
				case sqlparser.TableIdent:
					names[strings.ToLower(n.String())] = true
				case sqlparser.ColIdent:
					names[n.Lowered()] = true
				case *sqlparser.FuncExpr:
					names[n.Name.Lowered()] = true
				}
				return true, nil
			}, stmt)
		}
		if !names[w.lower] {
			return &RefusedError{Table: w.lower, Reason: fmt.Sprintf("sqlparser read the statement differently from the database: the table at offset %d is missing from its parse", st.offset(w)), Fix: orRaw("write the statement in plainer SQL around the table (no MySQL-only modifiers or comments inside it)")}
		}
		if misread != "" {
			return &RefusedError{Table: strings.ToLower(misread), Reason: "sqlparser read the statement differently from the database: a keyword it does not know became a table aliased " + misread, Fix: orRaw("drop the modifier (LOW_PRIORITY, IGNORE, ...) before the table")}
		}
	}
	return nil
}

func contains[T comparable](list []T, s T) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// parse parses one statement with sqlparser, without its logging.
func parse(text string) (sqlparser.Statement, error) {
	tok := sqlparser.NewStringTokenizer(text)
	stmt, err := sqlparser.ParseNext(tok)
	if err != nil {
		return nil, err
	}
	if _, err := sqlparser.ParseNext(tok); err != io.EOF {
		return nil, fmt.Errorf("unexpected text after the statement")
	}
	return stmt, nil
}

// safeFirstWords start statements that read no rows of any table, when
// they hold none of the danger words.
var safeFirstWords = map[string]bool{"show": true, "use": true, "pragma": true, "begin": true, "start": true,
	"commit": true, "rollback": true, "savepoint": true, "release": true, "optimize": true, "repair": true,
	"check": true, "checksum": true, "vacuum": true, "reindex": true, "lock": true, "unlock": true,
	"flush": true, "grant": true, "revoke": true, "attach": true, "detach": true, "kill": true,
	"explain": true, "describe": true, "desc": true, "analyze": true,
	"create": true, "alter": true, "drop": true, "rename": true}

// hiddenOK start statements that name tables in strings or comments by
// nature (SHOW TABLES LIKE 'users', a column COMMENT in DDL) and are passed
// as written when they hold no danger word.
var hiddenOK = map[string]bool{"show": true, "describe": true, "desc": true, "pragma": true,
	"create": true, "alter": true, "drop": true, "rename": true}

// Danger words: a statement passed as written must hold none of them, as
// they read or change rows (or run code that may).
var (
	allDanger = map[string]bool{"select": true, "insert": true, "update": true, "delete": true, "replace": true,
		"truncate": true, "values": true, "table": true, "handler": true, "load": true, "call": true, "do": true,
		"execute": true, "prepare": true, "with": true, "into": true}
	insertDanger = map[string]bool{"select": true, "replace": true, "table": true, "with": true, "delete": true,
		"truncate": true, "handler": true, "call": true, "execute": true, "prepare": true}
	// destructive words are refused even under WithIncludeDeleted, which
	// needs no filter for reads.
	destructive = map[string]bool{"delete": true, "replace": true, "truncate": true, "call": true,
		"execute": true, "prepare": true, "do": true, "handler": true, "load": true}
)

// dangerous returns the first word of st in danger that is used as a
// keyword (see dangerIndex), or "".
func (l *lexed) dangerous(danger map[string]bool) string {
	if i := l.dangerIndex(danger); i >= 0 {
		return l.words[i].lower
	}
	return ""
}

// dangerIndex returns the index of the first word of st in danger that is
// used as a keyword, or -1: "table" after an administrative verb (ANALYZE
// TABLE t, SHOW CREATE TABLE t) and ON DELETE/ON UPDATE of a foreign key or
// column are not.
func (l *lexed) dangerIndex(danger map[string]bool) int {
	for i, w := range l.words {
		if i == 0 || w.quoted || !danger[w.lower] { // the verb itself is judged apart
			continue
		}
		prev := l.words[i-1].lower
		switch {
		case w.lower == "table" && tableVerbs[prev]:
		case (w.lower == "delete" || w.lower == "update") && prev == "on":
		default:
			return i
		}
	}
	return -1
}

var tableVerbs = map[string]bool{"analyze": true, "check": true, "optimize": true, "repair": true, "checksum": true,
	"create": true, "alter": true, "drop": true, "rename": true, "temporary": true, "show": true, "describe": true,
	"desc": true, "explain": true, "flush": true, "exists": true}

// passable checks a statement that is to be sent as written although it
// names a soft-delete table.
func (r *rewriter) passable(st *lexed, first string, m *mode) error {
	table := r.mentioned(st.text)
	if st.hidden && !hiddenOK[first] {
		return &RefusedError{Table: table, Reason: fmt.Sprintf("the table's name is inside a literal or comment of a %s statement, which softdelete cannot check", strings.ToUpper(first)),
			Fix: orRaw("pass the literal as an argument, or drop the comment")}
	}
	danger := allDanger
	if first == "insert" {
		danger = insertDanger
	}
	if i := st.dangerIndex(danger); i >= 0 {
		if m.includeAll && !m.onlyPrimary && !m.restore && !m.anyDeletedOnly() && st.dangerous(destructive) == "" {
			// Under WithIncludeDeleted every table is read unfiltered and
			// nothing here deletes: as written is exactly right. This is
			// how a CTE or a window function over soft-delete tables runs.
			return nil
		}
		w := st.words[i]
		return &RefusedError{Table: table, Reason: fmt.Sprintf("%s statements are sent as written, and the %s at offset %d would run without the soft-delete filter",
			strings.ToUpper(first), strings.ToUpper(w.lower), st.offset(w)), Fix: r.byHandFix(st, table)}
	}
	if !safeFirstWords[first] {
		return &RefusedError{Table: table, Reason: fmt.Sprintf("softdelete does not know statements starting with %s, so it cannot tell whether they read or destroy deleted rows", strings.ToUpper(first))}
	}
	return nil
}

// byHandFix is the fix for a statement that softdelete cannot filter: write
// the filter by hand and send it under WithIncludeDeleted, which passes a
// statement that deletes nothing as written.
func (r *rewriter) byHandFix(st *lexed, table string) string {
	w := st.dangerous(destructive)
	if first := st.firstWord(); w == "" && destructive[first] {
		w = first
	}
	switch w {
	case "":
	case "delete", "replace":
		return orRaw(fmt.Sprintf("write the %s as a statement of its own, in SQL sqlparser reads (a subquery instead of a CTE, no subquery in RETURNING), so that softdelete can rewrite it", strings.ToUpper(w)))
	default:
		return "" // stored code, LOAD, HANDLER, TRUNCATE: nothing but the raw passthrough runs them
	}
	col := "deleted_at"
	if t := r.tables.lookup(table); t != nil {
		col = t.column
	}
	return orRaw(fmt.Sprintf("add the filter by hand (%s.%s IS NULL, and the same for every other soft-delete table it reads) and run it under softdelete.WithIncludeDeleted(ctx), which sends a statement that deletes nothing as written",
		table, col))
}

// fallback decides on a statement that names a soft-delete table and that
// sqlparser cannot read: send it untouched when it provably needs no
// rewrite, rewrite around what sqlparser cannot read when that is safe,
// refuse it otherwise.
func (r *rewriter) fallback(st *lexed, m *mode, perr error) (string, bool, error) {
	first := st.firstWord()
	if (first == "update" || first == "delete") && !st.hidden {
		// UPDATE/DELETE ... RETURNING cols (SQLite): rewrite the statement
		// before RETURNING and keep the list, which reads only the rows
		// the statement touches.
		for i, w := range st.words {
			if w.depth == 0 && !w.quoted && w.lower == "returning" {
				if (&lexed{words: st.words[i:]}).dangerous(allDanger) != "" {
					break
				}
				return r.rewriteReturning(st, int(w.start), m, perr)
			}
		}
	}
	if err := r.passable(st, first, m); err != nil {
		var re *RefusedError
		if errors.As(err, &re) && re.Err == nil {
			if !safeFirstWords[first] && !(st.hidden && !hiddenOK[first]) {
				// A statement sqlparser should have read, such as a CTE.
				re.Reason = "sqlparser cannot parse this " + strings.ToUpper(first) + " (CTEs, window functions and some dialect syntax are beyond it), so softdelete cannot add the soft-delete filter"
				re.Fix = r.byHandFix(st, re.Table)
			}
			re.Err = perr
		}
		return "", false, err
	}
	return st.text, false, nil
}

// rewriteReturning rewrites the part of an UPDATE or DELETE before its
// RETURNING at offset at, and keeps the RETURNING list as written.
func (r *rewriter) rewriteReturning(st *lexed, at int, m *mode, perr error) (string, bool, error) {
	refuse := &RefusedError{Table: r.mentioned(st.text), Reason: "sqlparser cannot parse the statement before its RETURNING", Fix: r.byHandFix(st, r.mentioned(st.text)), Err: perr}
	head := strings.TrimRight(st.text[:at], " \t\r\n")
	subs, err := lex(head, r.d, r.tables, !r.wholeParse)
	if err != nil || len(subs) != 1 {
		return "", false, refuse
	}
	sub := subs[0]
	sub.start = st.start
	stmt, err := parse(sub.parseText())
	if err != nil {
		return "", false, refuse
	}
	out, s, err := r.analyze(sub, stmt, m)
	if err != nil {
		return "", false, err
	}
	if !s.changed {
		return st.text, false, nil
	}
	if _, isUpdate := out.(*sqlparser.Update); isUpdate && st.firstWord() == "delete" && !r.d.updateReturning {
		return "", false, &RefusedError{Table: s.firstSoft, Reason: "a soft DELETE ... RETURNING would be an UPDATE ... RETURNING, which MySQL and MariaDB do not have",
			Fix: orRaw("drop RETURNING and read the rows first in the same transaction, or use softdelete.WithForce(ctx) for a real DELETE")}
	}
	txt, err := r.print(sub, out, s.firstSoft)
	if err != nil {
		return "", false, err
	}
	return sub.text[:sub.lead] + txt + " " + st.text[at:], true, nil
}

// scope is the state of one statement's rewrite.
type scope struct {
	r         *rewriter
	m         *mode
	st        *lexed
	primary   string                               // the primary table, for WithOnlyDeleted()
	stamp     map[*sqlparser.AliasedTableExpr]bool // targets of a soft DELETE
	changed   bool
	firstSoft string               // the first soft-delete table met, for messages
	seen      []string             // the soft-delete tables met as tables
	ands      []*sqlparser.AndExpr // the conjunctions the scope built
	err       error
}

// refuse notes the first refusal of the statement: the table, the fix (see
// RefusedError.Fix) and the reason, formatted.
func (s *scope) refuse(table, fix, format string, args ...any) {
	if s.err == nil {
		s.err = &RefusedError{Table: table, Reason: fmt.Sprintf(format, args...), Fix: fix}
	}
}

// soft returns the soft-delete table a table name refers to, or nil.
func (s *scope) soft(tn sqlparser.TableName) *softTable {
	t := s.r.tables.lookup(tn.Name.String())
	if t != nil {
		if s.firstSoft == "" {
			s.firstSoft = t.name
		}
		if !contains(s.seen, t.name) {
			s.seen = append(s.seen, t.name)
		}
	}
	return t
}

// filterFor returns what the statement may see of table t.
func (s *scope) filterFor(t *softTable) filter {
	if s.m.onlyPrimary && t.name == s.primary {
		return filterDeleted
	}
	if f, ok := s.m.filterOf(t.name); ok {
		return f
	}
	if s.m.includeAll {
		return filterAll
	}
	return filterLive
}

// ref is how a predicate names the table of te: its alias, else its name.
func ref(te *sqlparser.AliasedTableExpr, tn sqlparser.TableName) sqlparser.TableName {
	if !te.As.IsEmpty() {
		return sqlparser.TableName{Name: te.As}
	}
	return tn
}

// statement rewrites a parsed statement in place and returns the statement
// to print, which differs from stmt when a DELETE became an UPDATE.
func (s *scope) statement(stmt sqlparser.Statement) sqlparser.Statement {
	switch n := stmt.(type) {
	case sqlparser.SelectStatement:
		s.setPrimary(primaryOf(n), "the statement")
		s.selectStatement(n)
	case *sqlparser.Insert:
		if qualifiedInsertColumn(s.st) {
			s.refuse(s.r.mentioned(s.st.text), orRaw("write the column names alone"), "the INSERT column list names a qualified column, whose qualifier sqlparser drops")
			return n
		}
		target := s.soft(n.Table)
		if n.Action == sqlparser.ReplaceStr && target != nil && !s.m.force {
			s.refuse(target.name, upsertFix(s.r.d, target.name), "REPLACE deletes the rows it replaces, a soft-deleted row included")
			return n
		}
		if sel, ok := n.Rows.(sqlparser.SelectStatement); ok {
			s.setPrimary(primaryOf(sel), "the INSERT's SELECT")
			s.selectStatement(sel)
		} else {
			s.setPrimary("", "an INSERT ... VALUES")
			s.subqueries(n.Rows)
		}
		s.subqueries(n.OnDup)
	case *sqlparser.Update:
		s.setPrimary(firstTable(n.TableExprs), "the UPDATE")
		s.update(n)
	case *sqlparser.Delete:
		return s.delete(n)
	case *sqlparser.Set:
		s.subqueries(n.Exprs)
	case *sqlparser.DDL:
		// TRUNCATE, DROP, renames: see checkWholeTable.
		if s.st.has("select") && !s.m.includeAll {
			s.refuse(s.r.mentioned(s.st.text), s.r.byHandFix(s.st, s.r.mentioned(s.st.text)), "CREATE ... AS SELECT is DDL, sent as written, so its SELECT at offset %d would copy soft-deleted rows", s.st.offsetOf("select"))
		}
	}
	return stmt
}

// qualifiedInsertColumn reports whether the column list of an INSERT or
// REPLACE names a column with a qualifier (INSERT INTO t (t.a) ...), which
// sqlparser reads as the bare column: MySQL checks the qualifier.
func qualifiedInsertColumn(st *lexed) bool {
	for _, w := range st.words[1:] {
		switch {
		case w.depth == 0 && !w.quoted && insertListEnd[w.lower]:
			return false // past the column list
		case w.depth == 1 && !w.quoted && statementWords[w.lower]:
			return false // INSERT INTO t (SELECT ...)
		case w.depth == 1 && w.qualified:
			return true
		}
	}
	return false
}

// insertListEnd are the words that may follow an INSERT's column list.
var insertListEnd = map[string]bool{"values": true, "value": true, "select": true, "set": true, "with": true,
	"table": true, "default": true, "on": true}

// setPrimary resolves the primary table for WithOnlyDeleted().
func (s *scope) setPrimary(name, what string) {
	s.primary = name
	if !s.m.onlyPrimary {
		return
	}
	if name == "" || s.r.tables.lookup(name) == nil {
		if name == "" {
			name = "(no table)"
		}
		s.refuse(s.r.mentioned(s.st.text), fmt.Sprintf("name the soft-delete tables whose deleted rows it should see: softdelete.WithOnlyDeleted(ctx, %q)", s.r.mentioned(s.st.text)),
			"WithOnlyDeleted() with no table applies to the primary table of %s, %s, which is not a soft-delete table", what, name)
	}
}

// primaryOf returns the first table of the outermost FROM, lower case.
func primaryOf(ss sqlparser.SelectStatement) string {
	switch n := ss.(type) {
	case *sqlparser.Select:
		return firstTable(n.From)
	case *sqlparser.Union:
		return primaryOf(n.Left)
	case *sqlparser.ParenSelect:
		return primaryOf(n.Select)
	}
	return ""
}

func firstTable(exprs sqlparser.TableExprs) string {
	if len(exprs) == 0 || isDual(exprs) {
		return ""
	}
	switch n := exprs[0].(type) {
	case *sqlparser.AliasedTableExpr:
		switch e := n.Expr.(type) {
		case sqlparser.TableName:
			return strings.ToLower(e.Name.String())
		case *sqlparser.Subquery:
			return primaryOf(e.Select)
		}
	case *sqlparser.ParenTableExpr:
		return firstTable(n.Exprs)
	case *sqlparser.JoinTableExpr:
		return firstTable(sqlparser.TableExprs{n.LeftExpr})
	}
	return ""
}

func (s *scope) selectStatement(ss sqlparser.SelectStatement) {
	switch n := ss.(type) {
	case *sqlparser.Select:
		preds := s.placeAll(n.From)
		s.subqueries(n.SelectExprs, n.Where, n.GroupBy, n.Having, n.OrderBy, n.Limit)
		n.Where = s.and(n.Where, preds)
	case *sqlparser.Union:
		s.selectStatement(n.Left)
		s.selectStatement(n.Right)
		s.subqueries(n.OrderBy, n.Limit)
	case *sqlparser.ParenSelect:
		s.selectStatement(n.Select)
	}
}

// subqueries rewrites every subquery in nodes, each in its own scope of
// tables.
func (s *scope) subqueries(nodes ...sqlparser.SQLNode) {
	for _, n := range nodes {
		s.findSubqueries(n)
	}
}

// findSubqueries rewrites the subqueries in node. It descends the common
// expression nodes itself (sqlparser.Walk allocates for every identifier)
// and hands every other kind of node to sqlparser.Walk, so none is missed.
func (s *scope) findSubqueries(node sqlparser.SQLNode) {
	switch n := node.(type) {
	case nil, *sqlparser.ColName, *sqlparser.SQLVal, *sqlparser.NullVal, sqlparser.BoolVal, *sqlparser.StarExpr:
	case *sqlparser.Subquery:
		s.selectStatement(n.Select)
	case *sqlparser.Where:
		if n != nil {
			s.findSubqueries(n.Expr)
		}
	case *sqlparser.Limit:
		if n != nil {
			s.findSubqueries(n.Offset)
			s.findSubqueries(n.Rowcount)
		}
	case *sqlparser.AndExpr:
		s.findSubqueries(n.Left)
		s.findSubqueries(n.Right)
	case *sqlparser.OrExpr:
		s.findSubqueries(n.Left)
		s.findSubqueries(n.Right)
	case *sqlparser.NotExpr:
		s.findSubqueries(n.Expr)
	case *sqlparser.ParenExpr:
		s.findSubqueries(n.Expr)
	case *sqlparser.IsExpr:
		s.findSubqueries(n.Expr)
	case *sqlparser.ComparisonExpr:
		s.findSubqueries(n.Left)
		s.findSubqueries(n.Right)
		s.findSubqueries(n.Escape)
	case *sqlparser.RangeCond:
		s.findSubqueries(n.Left)
		s.findSubqueries(n.From)
		s.findSubqueries(n.To)
	case *sqlparser.BinaryExpr:
		s.findSubqueries(n.Left)
		s.findSubqueries(n.Right)
	case *sqlparser.ExistsExpr:
		s.findSubqueries(n.Subquery)
	case sqlparser.ValTuple:
		for _, e := range n {
			s.findSubqueries(e)
		}
	case *sqlparser.FuncExpr:
		s.findSubqueries(n.Exprs)
	case sqlparser.SelectExprs:
		for _, e := range n {
			s.findSubqueries(e)
		}
	case *sqlparser.AliasedExpr:
		s.findSubqueries(n.Expr)
	case sqlparser.GroupBy:
		for _, e := range n {
			s.findSubqueries(e)
		}
	case sqlparser.OrderBy:
		for _, o := range n {
			s.findSubqueries(o.Expr)
		}
	default:
		_ = sqlparser.Walk(func(node sqlparser.SQLNode) (bool, error) {
			if sq, ok := node.(*sqlparser.Subquery); ok {
				s.selectStatement(sq.Select)
				return false, nil
			}
			return true, nil
		}, node)
	}
}

// placeAll filters the tables of a FROM list (or UPDATE/DELETE table list)
// and returns the predicates that belong in the WHERE.
//
// SQLite gives a comma the precedence of JOIN (MySQL, whose grammar
// sqlparser follows, a lower one): there "a, b RIGHT JOIN c" is
// "(a, b) RIGHT JOIN c", so the tables before the comma are on the
// nullable side and their predicates go into that join's ON.
func (s *scope) placeAll(exprs sqlparser.TableExprs) []sqlparser.Expr {
	var preds []sqlparser.Expr
	for i, te := range exprs {
		if i > 0 && s.r.d.commaBindsLikeJoin && len(preds) > 0 {
			if j := rightJoinOnSpine(te); j != nil {
				if j.Condition.On == nil {
					s.refuse(s.firstSoft, orRaw("write the RIGHT JOIN with ON"), "SQLite puts the tables before a comma on the nullable side of a RIGHT JOIN, and a join without ON has no place for their filter")
					return nil
				}
				j.Condition.On = s.andExpr(j.Condition.On, preds)
				preds = nil
			}
		}
		preds = append(preds, s.place(te)...)
	}
	return preds
}

// rightJoinOnSpine returns the first RIGHT JOIN that applies to the
// leftmost table of te (the one a preceding comma joins with in SQLite),
// or nil.
func rightJoinOnSpine(te sqlparser.TableExpr) *sqlparser.JoinTableExpr {
	j, ok := te.(*sqlparser.JoinTableExpr)
	if !ok {
		return nil // a parenthesised join keeps the comma out
	}
	if r := rightJoinOnSpine(j.LeftExpr); r != nil {
		return r
	}
	if j.Join == sqlparser.RightJoinStr || j.Join == sqlparser.NaturalRightJoinStr {
		return j
	}
	return nil
}

// place filters the tables of one table expression. Predicates for the
// nullable side of an outer join go into that join's ON; the others are
// returned, to go into the ON of an enclosing outer join whose nullable side
// this is, or else into the WHERE. An inner join's filters could go either
// way; the WHERE is where people look for them.
func (s *scope) place(te sqlparser.TableExpr) []sqlparser.Expr {
	switch n := te.(type) {
	case *sqlparser.AliasedTableExpr:
		switch e := n.Expr.(type) {
		case sqlparser.TableName:
			if e.Name.IsEmpty() || strings.HasPrefix(n.As.String(), "@") ||
				strings.HasPrefix(e.Name.String(), "@") || strings.HasPrefix(e.Qualifier.String(), "@") {
				s.refuse(s.r.mentioned(s.st.text), orRaw("name the table plainly"), "sqlparser read a table reference it cannot print (%q)", sqlparser.String(n))
				return nil
			}
			t := s.soft(e)
			if t == nil {
				if a := s.r.tables.lookup(n.As.String()); a != nil && modifierWords[strings.ToLower(e.Name.String())] {
					// UPDATE LOW_PRIORITY users ...: sqlparser reads a
					// keyword as a table aliased like a soft-delete table.
					s.refuse(a.name, orRaw("drop the modifier (LOW_PRIORITY, IGNORE, ...) before the table"), "sqlparser read the statement differently from the database: a keyword it does not know became a table aliased %s", n.As.String())
				}
				return nil
			}
			f := s.filterFor(t)
			if s.stamp[n] {
				f = filterLive // a soft DELETE stamps live rows only
			}
			if f == filterAll {
				return nil
			}
			op := sqlparser.IsNullStr
			if f == filterDeleted {
				op = sqlparser.IsNotNullStr
			}
			return []sqlparser.Expr{&sqlparser.IsExpr{Operator: op, Expr: &sqlparser.ColName{
				Name: sqlparser.NewColIdent(t.column), Qualifier: ref(n, e)}}}
		case *sqlparser.Subquery:
			s.selectStatement(e.Select)
		}
	case *sqlparser.ParenTableExpr:
		return s.placeAll(n.Exprs)
	case *sqlparser.JoinTableExpr:
		left, right := s.place(n.LeftExpr), s.place(n.RightExpr)
		s.subqueries(n.Condition.On)
		switch n.Join {
		case sqlparser.LeftJoinStr, sqlparser.NaturalLeftJoinStr:
			s.attach(n, n.RightExpr, right)
			return left
		case sqlparser.RightJoinStr, sqlparser.NaturalRightJoinStr:
			s.attach(n, n.LeftExpr, left)
			return right
		}
		return append(left, right...)
	}
	return nil
}

// attach puts the predicates of the nullable side of an outer join into its
// ON, so the outer rows stay. A join without ON (USING, NATURAL) gets the
// nullable table wrapped in a filtered derived table instead.
func (s *scope) attach(j *sqlparser.JoinTableExpr, side sqlparser.TableExpr, preds []sqlparser.Expr) {
	if len(preds) == 0 {
		return
	}
	if j.Condition.On != nil {
		j.Condition.On = s.andExpr(j.Condition.On, preds)
		return
	}
	te, ok := side.(*sqlparser.AliasedTableExpr)
	tn, isTable := sqlparser.TableName{}, false
	if ok {
		tn, isTable = te.Expr.(sqlparser.TableName)
	}
	if !isTable {
		s.refuse(s.firstSoft, orRaw("write the join with ON"), "a joined group of tables on the nullable side of an outer join without ON (USING or NATURAL) has no place for their filter")
		return
	}
	// The wrapped table is a derived table: it has no schema to qualify
	// it by, and no SQLite rowid.
	if !tn.Qualifier.IsEmpty() || s.r.d.rowid && (s.st.has("rowid") || s.st.has("oid") || s.st.has("_rowid_")) {
		s.refuse(strings.ToLower(tn.Name.String()), orRaw("write the join with ON"), "the nullable side of a USING or NATURAL join is filtered as a derived table, which has no schema qualifier or rowid")
		return
	}
	inner := &sqlparser.AliasedTableExpr{Expr: tn, Partitions: te.Partitions, As: te.As, Hints: te.Hints}
	alias := te.As
	if alias.IsEmpty() {
		alias = tn.Name
	}
	*te = sqlparser.AliasedTableExpr{
		Expr: &sqlparser.Subquery{Select: &sqlparser.Select{
			SelectExprs: sqlparser.SelectExprs{&sqlparser.StarExpr{}},
			From:        sqlparser.TableExprs{inner},
			Where:       s.and(nil, preds),
		}},
		As: alias,
	}
}

// and adds predicates to a WHERE, keeping the user's condition in
// parentheses so that its precedence stays.
func (s *scope) and(where *sqlparser.Where, preds []sqlparser.Expr) *sqlparser.Where {
	if len(preds) == 0 {
		return where
	}
	var e sqlparser.Expr
	if where != nil {
		e = where.Expr
	}
	return &sqlparser.Where{Type: sqlparser.WhereStr, Expr: s.andExpr(e, preds)}
}

func (s *scope) andExpr(e sqlparser.Expr, preds []sqlparser.Expr) sqlparser.Expr {
	s.changed = true
	if e != nil {
		_, paren := e.(*sqlparser.ParenExpr)
		if a, ok := e.(*sqlparser.AndExpr); !paren && !(ok && contains(s.ands, a)) {
			e = &sqlparser.ParenExpr{Expr: e}
		}
	}
	for _, p := range preds {
		if e == nil {
			e = p
		} else {
			a := &sqlparser.AndExpr{Left: e, Right: p}
			s.ands = append(s.ands, a)
			e = a
		}
	}
	return e
}

// restoreColumn is the column name Restore writes in its UPDATE; the
// rewriter replaces it with the table's deleted column.
const restoreColumn = "softdelete_deleted_column"

func (s *scope) update(n *sqlparser.Update) {
	if s.m.restore {
		t := s.restoreTarget(n)
		if t == nil {
			return
		}
		n.Exprs[0].Name = &sqlparser.ColName{Name: sqlparser.NewColIdent(t.column)}
		s.changed = true
	} else {
		s.checkUndelete(n)
	}
	preds := s.placeAll(n.TableExprs)
	s.subqueries(n.Exprs, n.Where, n.OrderBy, n.Limit)
	n.Where = s.and(n.Where, preds)
}

// restoreTarget checks that an UPDATE under Restore is the one it builds.
func (s *scope) restoreTarget(n *sqlparser.Update) *softTable {
	if len(n.TableExprs) == 1 && len(n.Exprs) == 1 && n.Exprs[0].Name.Name.EqualString(restoreColumn) {
		if te, ok := n.TableExprs[0].(*sqlparser.AliasedTableExpr); ok {
			if tn, ok := te.Expr.(sqlparser.TableName); ok {
				if t := s.soft(tn); t != nil {
					return t
				}
			}
		}
	}
	s.refuse(s.r.mentioned(s.st.text), "pass Restore a table and a condition only", "Restore built a statement it does not recognise: the condition must not change the UPDATE")
	return nil
}

// delete rewrites a DELETE: on soft-delete tables, unless forced, into an
// UPDATE that stamps the deleted column of rows not yet stamped.
func (s *scope) delete(n *sqlparser.Delete) sqlparser.Statement {
	// The tables the DELETE removes rows from.
	var targets []*sqlparser.AliasedTableExpr
	if len(n.Targets) == 0 {
		te, _ := n.TableExprs[0].(*sqlparser.AliasedTableExpr)
		targets = append(targets, te)
		if len(n.Partitions) > 0 {
			te.Partitions, n.Partitions = n.Partitions, nil
		}
	} else {
		for _, tn := range n.Targets {
			te := findTable(n.TableExprs, tn)
			if te == nil {
				s.refuse(s.r.mentioned(s.st.text), orRaw("name each DELETE target as its FROM clause names it (by alias where it has one)"), "softdelete cannot find the DELETE target %s among its tables", sqlparser.String(tn))
				return n
			}
			targets = append(targets, te)
		}
	}
	var soft, plain []string
	var softTargets []*softTable
	for _, te := range targets {
		tn, _ := te.Expr.(sqlparser.TableName)
		if t := s.soft(tn); t != nil {
			soft = append(soft, t.name)
			softTargets = append(softTargets, t)
		} else {
			plain = append(plain, sqlparser.String(tn))
		}
	}
	s.setPrimary(strings.ToLower(targetName(targets[0])), "the DELETE")
	if s.err != nil {
		return n
	}
	if len(soft) == 0 || s.m.force {
		// A real DELETE: its tables are filtered like any read, so it
		// deletes only the rows the statement sees.
		preds := s.placeAll(n.TableExprs)
		s.subqueries(n.Where, n.OrderBy, n.Limit)
		n.Where = s.and(n.Where, preds)
		return n
	}
	if len(plain) > 0 {
		s.refuse(soft[0], orRaw("split it into a DELETE of the soft-delete tables and one of the plain tables, or use softdelete.WithForce(ctx) to delete the rows of all of them for good"),
			"a DELETE from both soft-delete tables (%s) and plain tables (%s) cannot both stamp and delete in one statement",
			strings.Join(soft, ", "), strings.Join(plain, ", "))
		return n
	}
	s.stamp = make(map[*sqlparser.AliasedTableExpr]bool, len(targets))
	var set sqlparser.UpdateExprs
	for i, te := range targets {
		t := softTargets[i]
		switch s.filterFor(t) {
		case filterDeleted:
			s.refuse(t.name, "to delete these rows for good add WithForce: softdelete.WithForce(softdelete.WithOnlyDeleted(ctx)) purges the deleted rows only; softdelete.Restore un-deletes them",
				"a soft DELETE under WithOnlyDeleted would stamp rows already deleted")
			return n
		}
		col := &sqlparser.ColName{Name: sqlparser.NewColIdent(t.column)}
		if len(n.Targets) > 0 {
			col.Qualifier = ref(te, te.Expr.(sqlparser.TableName))
		}
		var stamp sqlparser.Expr = s.r.now
		if s.filterFor(t) == filterAll && n.Limit != nil {
			// Under WithIncludeDeleted the ORDER BY ... LIMIT counts
			// deleted rows too: select the same rows, and keep the stamps
			// of those already deleted.
			stamp = &sqlparser.FuncExpr{Name: sqlparser.NewColIdent("coalesce"), Exprs: sqlparser.SelectExprs{
				&sqlparser.AliasedExpr{Expr: &sqlparser.ColName{Name: col.Name, Qualifier: col.Qualifier}},
				&sqlparser.AliasedExpr{Expr: s.r.now}}}
		} else {
			s.stamp[te] = true
		}
		set = append(set, &sqlparser.UpdateExpr{Name: col, Expr: stamp})
	}
	preds := s.placeAll(n.TableExprs)
	s.subqueries(n.Where, n.OrderBy, n.Limit)
	s.changed = true
	return &sqlparser.Update{
		Comments:   n.Comments,
		TableExprs: n.TableExprs,
		Exprs:      set,
		Where:      s.and(n.Where, preds),
		OrderBy:    n.OrderBy,
		Limit:      n.Limit,
	}
}

func targetName(te *sqlparser.AliasedTableExpr) string {
	if tn, ok := te.Expr.(sqlparser.TableName); ok {
		return tn.Name.String()
	}
	return ""
}

// findTable finds the table a multi-table DELETE target names: by alias,
// or by name where the table has no alias.
func findTable(exprs sqlparser.TableExprs, target sqlparser.TableName) *sqlparser.AliasedTableExpr {
	for _, te := range exprs {
		switch n := te.(type) {
		case *sqlparser.AliasedTableExpr:
			tn, ok := n.Expr.(sqlparser.TableName)
			if !ok {
				continue
			}
			if !n.As.IsEmpty() {
				if target.Qualifier.IsEmpty() && strings.EqualFold(n.As.String(), target.Name.String()) {
					return n
				}
				continue
			}
			if strings.EqualFold(tn.Name.String(), target.Name.String()) &&
				(target.Qualifier.IsEmpty() || strings.EqualFold(tn.Qualifier.String(), target.Qualifier.String())) {
				return n
			}
		case *sqlparser.ParenTableExpr:
			if f := findTable(n.Exprs, target); f != nil {
				return f
			}
		case *sqlparser.JoinTableExpr:
			if f := findTable(sqlparser.TableExprs{n.LeftExpr, n.RightExpr}, target); f != nil {
				return f
			}
		}
	}
	return nil
}
