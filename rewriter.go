package softdelete

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	engine rewriteEngine  // lexes, parses, scopes and prints (see engine.go)

	conns atomic.Uint32 // connections made, to spread their cache-hit counts

	schema *schemaGate // the connector's lazy schema check (schema.go); newRewriter always sets it
	// cascade follows foreign keys on soft DELETE and Restore (cascade.go);
	// nil when nothing is to be followed.
	cascade *cascade
	// relations are the relations Purge follows (purge_cascade.go): the
	// same as cascade, and on a foreign engine, whose soft DELETE does not
	// follow them, the same configuration all the same.
	relations *cascade

	actor    string        // the actor column (Config.Actor), or "" (see actor.go)
	actorGen atomic.Uint32 // changes when the tables that have the actor column may have changed
	logger   *slog.Logger  // Config.Logger: refusals and rewrites (log.go); nil: silent

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
func (r *rewriter) rewriteMode(q string, m *mode) (out string, modeDependent, session bool, err error) {
	out, modeDependent, session, _, err = r.rewriteFull(context.Background(), q, m)
	return out, modeDependent, session, err
}

// rewriteFull is rewriteMode that also returns where the rewrite takes the
// actor (see actor.go), cached with it, and logs (see log.go): a refusal
// at Warn, a rewrite computed (a cache miss) at Debug.
func (r *rewriter) rewriteFull(ctx context.Context, q string, m *mode) (out string, modeDependent, session bool, actor *actorArgs, err error) {
	if len(m.tables) > 0 {
		if err := r.checkMode(m); err != nil {
			return "", true, false, nil, err
		}
	}
	if m.raw() {
		return q, true, r.d.session != nil && r.d.session.sensitive(q), nil, nil
	}
	if m.restore != "" {
		if q, err = r.restoreStatement(q, m); err != nil {
			return "", true, false, nil, err
		}
	} else if !r.tables.mentionedIn(q) {
		if m.onlyPrimary {
			if err := r.checkOnlyPrimaryText(q); err != nil {
				return "", true, false, nil, err
			}
		}
		if r.d.session == nil || !r.d.session.sensitive(q) {
			return q, false, false, nil, nil
		}
	}
	if r.cache != nil {
		if out, session, actor, err, ok := r.cache.get(m.key, q); ok && (actor == nil || actor.gen == r.actorGen.Load()) {
			if err != nil && r.logger != nil {
				r.logRefusal(ctx, q, m, err)
			}
			return out, true, session, actor, err
		}
	}
	out, session, actor, err = r.rewriteShaped(q, m)
	if r.logger != nil {
		r.logRewrite(ctx, q, out, m, err)
	}
	return out, true, session, actor, err
}

// rewriteText is the built-in engine (see engine.go): it lexes q, splits
// it into statements and runs each down the stages (rewriteStatement). It
// also reports whether the MySQL session must be checked after q runs.
func (r *rewriter) rewriteText(q string, m *mode) (out string, session bool, actor *actorArgs, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, session, actor, err = "", false, nil, &RefusedError{Table: r.firstTableIn(q), Reason: "softdelete failed while rewriting it, an internal error", Fix: orRaw("please report the statement"), Err: fmt.Errorf("%v", p)}
		}
	}()
	gen := r.actorGen.Load() // before the model is read: a reload meanwhile makes this rewrite stale, not wrong
	stmts, err := lex(q, r.d, r.tables, !r.wholeParse)
	if err != nil {
		return "", false, nil, &RefusedError{Table: r.firstTableIn(q), Reason: "the " + r.d.String() + " lexer cannot read it, and neither would the database", Fix: "fix the SQL at the offset shown (an unterminated string or comment, a bare '#' on SQLite, a stray '@' on MySQL); a NUL byte belongs in an argument", Err: err}
	}
	if m.restore != "" && len(stmts) != 1 {
		return "", false, nil, fmt.Errorf("softdelete: Restore: the condition must not end the statement or add another")
	}
	for _, st := range stmts {
		if st.ambiguous != "" && r.tables.mentionedIn(q) {
			// Where servers disagree on what is code, no reading is safe.
			return "", false, nil, &RefusedError{Table: r.firstTableIn(q), Reason: "it contains " + st.ambiguous + ", whose text is code for some servers and a comment for others", Fix: orRaw("write the SQL without versioned comments")}
		}
	}
	outs := make([]string, len(stmts))
	changed := false
	for i, st := range stmts {
		o, ch, err := r.rewriteStatement(st, m)
		if err != nil {
			return "", false, nil, err
		}
		outs[i], changed = o, changed || ch
	}
	if r.d.session != nil {
		if session, err = r.d.session.checkAfter(stmts); err != nil {
			return "", false, nil, err
		}
	}
	if actor, err = r.actorArgsOf(stmts, gen); err != nil {
		return "", false, nil, err
	}
	if !changed {
		return q, session, actor, nil
	}
	return strings.Join(outs, ";"), session, actor, nil
}

// checkMode refuses table names in the mode that are not soft-delete tables.
func (r *rewriter) checkMode(m *mode) error {
	for _, t := range m.tables {
		if r.tables.lookup(t.name) == nil {
			fn := "WithIncludeDeleted"
			if t.f == filterDeleted {
				fn = "WithOnlyDeleted"
			}
			if m.restore != "" {
				fn = "Restore"
			}
			return fmt.Errorf("softdelete: %s names %q, which is not a soft-delete table (tables: %s)",
				fn, t.name, strings.Join(r.tables.names, ", "))
		}
	}
	return nil
}

// rewriteStatement rewrites one statement of a (possibly multi-statement)
// text, running it down the stages: the classify checks (session,
// whole-table refusals, statements sent as written), parse, scope and
// print. It reports whether the text changed.
func (r *rewriter) rewriteStatement(st *sourceStatement, m *mode) (string, bool, error) {
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
		return r.rewritePrefixed(st, first, m)
	case "insert":
		// INSERT ... VALUES reads no other row and destroys none: as
		// written, without a parse (bulk inserts are long).
		if !st.hidden && st.dangerous(kwInsertDanger) == "" {
			return st.text, false, nil
		}
	}
	if st.hidden && st.hasRegions() {
		read, err := r.lexWithoutRegions(st)
		if err != nil {
			return "", false, err
		}
		defer read.actorTo(st)
		st = read
	}
	stmt, refused, perr := r.parseSegmented(st)
	if refused != nil {
		return "", false, refused
	}
	if perr != nil {
		return r.decideUnparsed(st, m, perr)
	}
	out, s, err := r.analyze(st, stmt, m)
	if err != nil {
		return "", false, err
	}
	if !s.changed {
		if keep, err := r.keepUnchanged(st, stmt, first, m); err != nil {
			return "", false, err
		} else if keep {
			return st.text, false, nil
		}
	}
	return r.printStatement(st, out, s)
}

// rewritePrefixed rewrites a statement that starts with EXPLAIN, DESCRIBE
// or ANALYZE: EXPLAIN SELECT, ANALYZE DELETE (which MariaDB runs!) are
// rewritten after the prefix. DESCRIBE t, ANALYZE TABLE t: metadata,
// checked like the other statements that pass as written.
func (r *rewriter) rewritePrefixed(st *sourceStatement, first string, m *mode) (string, bool, error) {
	for i, w := range st.words[1:] {
		if w.depth == 0 && !w.quoted && keywordOf(w.lower).is(kwStatement) {
			// The prefix is kept as written: it must read no table.
			for _, p := range st.words[1 : i+1] {
				if p.depth > 0 || p.soft || keywordOf(p.lower).is(kwDanger) {
					return "", false, &RefusedError{Table: r.firstTableIn(st.text), Reason: fmt.Sprintf("the %s prefix holds more than options (%s at offset %d), which would run unfiltered", strings.ToUpper(first), strings.ToUpper(p.lower), st.offset(p)), Fix: orRaw(fmt.Sprintf("keep only options between %s and the statement", strings.ToUpper(first)))}
				}
			}
			return r.rewriteTail(st, int(w.start), m)
		}
	}
	if err := r.checkSentAsWritten(st, first, m); err != nil {
		return "", false, err
	}
	return st.text, false, nil
}

// lexWithoutRegions reads st again without regions: a soft-delete table's
// name sits inside a literal or comment, and the statement is sent as
// read, regions included (see keepUnchanged).
func (r *rewriter) lexWithoutRegions(st *sourceStatement) (*sourceStatement, error) {
	subs, err := lex(st.text, r.d, r.tables, false)
	if err != nil || len(subs) != 1 {
		return nil, &RefusedError{Table: r.firstTableIn(st.text), Reason: "a soft-delete table's name is inside a literal or comment, and softdelete cannot read the statement again to check it", Fix: orRaw("pass the literal as an argument, or drop the comment"), Err: err}
	}
	subs[0].start = st.start
	return subs[0], nil
}

// keepUnchanged decides on a statement the scope did not change: it
// reports whether it is sent as written (after the checks that needs), or
// must still be printed as it was read.
func (r *rewriter) keepUnchanged(st *sourceStatement, stmt sqlparser.Statement, first string, m *mode) (bool, error) {
	switch n := stmt.(type) {
	case *sqlparser.Select, *sqlparser.Union, *sqlparser.ParenSelect, *sqlparser.Insert,
		*sqlparser.Update, *sqlparser.Delete, *sqlparser.Set:
		// A soft-delete table's name inside a literal or comment: send
		// the statement as it was read, never as written, so that a
		// server reading that text differently still gets what was
		// checked. (These statements print back whole.)
		return !st.hidden, nil
	case *sqlparser.DDL:
		if n.Action == sqlparser.TruncateStr { // refused by checkWholeTable unless the mode allows it
			return true, nil
		}
	}
	// DDL; SHOW, DESCRIBE, ...: sqlparser skips over parts of these (and
	// would print them short), so check the words it may not have looked
	// at and send them as written.
	return true, r.checkSentAsWritten(st, first, m)
}

// printStatement prints a rewritten statement between its leading and
// trailing blanks and comments, as written.
func (r *rewriter) printStatement(st *sourceStatement, out sqlparser.Statement, s *scope) (string, bool, error) {
	table := s.firstSoft
	if table == "" {
		table = r.firstTableIn(st.text) // named only inside a literal or comment
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

// rewriteTail rewrites the part of st from offset at on, as a statement of
// its own, and keeps what comes before it verbatim.
func (r *rewriter) rewriteTail(st *sourceStatement, at int, m *mode) (string, bool, error) {
	subs, err := lex(st.text[at:], r.d, r.tables, !r.wholeParse)
	if err != nil || len(subs) != 1 {
		return "", false, &RefusedError{Table: r.firstTableIn(st.text), Reason: "softdelete cannot split the statement from its prefix", Fix: orRaw("run the statement without its prefix"), Err: err}
	}
	subs[0].start = st.start + at // offsets in messages are in the user's text
	out, changed, err := r.rewriteStatement(subs[0], m)
	subs[0].actorTo(st)
	if err != nil || !changed {
		return st.text, false, err
	}
	return st.text[:at] + out, true, nil
}

func contains[T comparable](list []T, s T) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
