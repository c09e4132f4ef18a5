// Package postgres brings PostgreSQL to softdelete: importing it registers
// the PostgreSQL rewrite engine, built on the real PostgreSQL parser
// (github.com/pganalyze/pg_query_go), for the inner drivers pgx
// (github.com/jackc/pgx/v5/stdlib) and lib/pq.
//
//	import (
//		_ "github.com/jackc/pgx/v5/stdlib"
//		_ "github.com/softdelete-go/softdelete/postgres"
//	)
//
//	db, err := sql.Open("softdelete", "driver=pgx tables=users,posts dsn=postgres://app@localhost/app")
//
// The parser is cgo (about 74 C files): only programs that import this
// package compile it. See the README's PostgreSQL section for what is
// rewritten and what is refused.
package postgres

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/softdelete-go/softdelete/internal/engine"
	"google.golang.org/protobuf/proto"
)

func init() {
	engine.Register("postgres", New)
}

// Engine rewrites PostgreSQL statements for the soft-delete tables of one
// configuration. It is pure and safe for concurrent use.
type Engine struct {
	tables map[string]*table // by name, as PostgreSQL folds an unquoted name (lower case)
	now    *pg.Node          // the expression a soft DELETE stamps a time marker and a companion with
}

// New builds the engine for a configuration: the tables, and the stamp
// expressions, each of which must be one PostgreSQL expression.
func New(cfg engine.Config) (engine.Engine, error) {
	e := &Engine{tables: make(map[string]*table, len(cfg.Tables))}
	now, err := parseExpr(cfg.Now)
	if err != nil {
		return nil, fmt.Errorf("now=%q is not one PostgreSQL expression: %w", cfg.Now, err)
	}
	e.now = now
	for _, t := range cfg.Tables {
		pt, err := newTable(t, now)
		if err != nil {
			return nil, err
		}
		e.tables[serverName(pt.Name)] = pt
	}
	return e, nil
}

// parseExpr parses one expression, such as now().
func parseExpr(s string) (*pg.Node, error) {
	tree, err := pg.Parse("SELECT " + s)
	if err != nil {
		return nil, err
	}
	if len(tree.Stmts) != 1 {
		return nil, errors.New("it ends the statement")
	}
	sel := tree.Stmts[0].Stmt.GetSelectStmt()
	if sel == nil || len(sel.TargetList) != 1 || len(sel.FromClause) > 0 || sel.WhereClause != nil || sel.Op != pg.SetOperation_SETOP_NONE {
		return nil, errors.New("it is more than an expression")
	}
	rt := sel.TargetList[0].GetResTarget()
	if rt == nil || rt.Name != "" {
		return nil, errors.New("it is more than an expression")
	}
	return rt.Val, nil
}

// stampValueOf returns the value of the call's stamp (engine.Mode.Stamp),
// which must be one string literal; "" when the call has none.
func stampValueOf(m *engine.Mode) (string, error) {
	if m.Stamp == "" {
		return "", nil
	}
	n, err := parseExpr(m.Stamp)
	if err == nil && (n.GetAConst() == nil || n.GetAConst().GetSval() == nil) {
		err = errors.New("it is not a string literal")
	}
	if err != nil {
		return "", fmt.Errorf("softdelete: the stamp %q: %w", m.Stamp, err)
	}
	return n.GetAConst().GetSval().Sval, nil
}

// rawAdvice names the raw passthrough, the last resort.
const rawAdvice = "softdelete.WithForce(softdelete.WithIncludeDeleted(ctx)) sends it as written, with no filter at all and DELETE as a hard DELETE"

// orRaw is a fix followed by the raw passthrough.
func orRaw(fix string) string { return fix + "; as a last resort, " + rawAdvice }

// Rewrite returns the text to send for q under m (see engine.Engine).
func (e *Engine) Rewrite(q string, m *engine.Mode) (out string, checkSession bool, actorParam int, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, checkSession, actorParam, err = "", false, 0, &engine.Refusal{Table: e.firstTableIn(q), Reason: "softdelete failed while rewriting it, an internal error", Fix: orRaw("please report the statement"), Err: fmt.Errorf("%v", p)}
		}
	}()
	prot, named, err := protectNamed(q)
	if err != nil {
		return "", false, 0, e.unreadable(q, err)
	}
	tree, err := pg.Parse(prot)
	if err != nil {
		return "", false, 0, e.unreadable(q, err)
	}
	if m.Restore != "" && len(tree.Stmts) != 1 {
		return "", false, 0, errors.New("softdelete: Restore: the condition must not end the statement or add another")
	}
	stamp, err := stampValueOf(m)
	if err != nil {
		return "", false, 0, err
	}
	act := &actorSlot{text: prot, statements: len(tree.Stmts), named: len(named) > 0}
	outs := make([]string, len(tree.Stmts))
	changed, unseen := false, false
	for i, raw := range tree.Stmts {
		span := stmtSpan(prot, raw)
		if unseen && e.mayName(q) {
			return "", false, 0, unseenFirst(e.firstTableIn(q))
		}
		w := &rewrite{e: e, m: m, text: span, handled: map[*pg.RangeVar]bool{}, stampValue: stamp, actor: act}
		if err := w.statement(raw.Stmt); err != nil {
			return "", false, 0, err
		}
		checkSession, unseen = checkSession || w.check, w.unseen
		if !w.changed {
			outs[i] = span
			continue
		}
		o, err := deparseKeepingComments(span, raw.Stmt, tree.Version)
		if err != nil {
			return "", false, 0, &engine.Refusal{Table: e.firstTableIn(q), Reason: "PostgreSQL's deparser cannot write the rewritten statement", Fix: orRaw("please report the statement"), Err: err}
		}
		outs[i], changed = o, true
	}
	if !changed {
		return q, checkSession, 0, nil
	}
	out = strings.Join(outs, ";")
	if len(named) > 0 {
		if out, err = unprotectNamed(out, named); err != nil {
			return "", false, 0, &engine.Refusal{Table: e.firstTableIn(q), Reason: "softdelete cannot put its named arguments (@name) back", Fix: orRaw("use $1 placeholders"), Err: err}
		}
	}
	return out, checkSession, act.param, nil
}

// unseenFirst is the refusal of a text that names a soft-delete table and
// in which a statement that may change how the server reads SQL text
// unseen (DO, CALL, a function softdelete cannot see into) is followed by
// another: the session cannot be read back between them.
func unseenFirst(table string) error {
	return &engine.Refusal{Table: table,
		Reason: "a statement that may change how the server reads SQL text (DO, CALL, EXECUTE, FETCH, LOAD, a call of a function softdelete cannot see into) must be the last of a text of several statements, as softdelete cannot read the session back between it and the statements after it",
		Fix:    orRaw("send it on its own, or last")}
}

// unreadable is the refusal of a text PostgreSQL's parser cannot read.
func (e *Engine) unreadable(q string, err error) error {
	return &engine.Refusal{Table: e.firstTableIn(q), Reason: "PostgreSQL's parser cannot read it, and neither would the server", Fix: "fix the SQL (see the parser's error)", Err: err}
}

// stmtSpan returns the text of one parsed statement, without its ';'.
func stmtSpan(q string, raw *pg.RawStmt) string {
	start := int(raw.StmtLocation)
	end := len(q)
	if raw.StmtLen > 0 {
		end = start + int(raw.StmtLen)
	}
	return q[start:end]
}

// deparseKeepingComments writes a rewritten statement, with the comments
// and blanks that led and trailed its text (sqlcommenter tags); the
// deparser drops the comments inside it.
func deparseKeepingComments(span string, stmt *pg.Node, version int32) (string, error) {
	body, err := pg.Deparse(&pg.ParseResult{Version: version, Stmts: []*pg.RawStmt{{Stmt: stmt}}})
	if err != nil {
		return "", err
	}
	lead, trail := commentEnds(span)
	return span[:lead] + body + span[trail:], nil
}

// commentEnds returns where the first token that is not a comment starts
// and where the last one ends.
func commentEnds(span string) (int, int) {
	sc, err := pg.Scan(span)
	if err != nil {
		return 0, len(span)
	}
	first, last := -1, 0
	for _, t := range sc.Tokens {
		if t.Token == pg.Token_SQL_COMMENT || t.Token == pg.Token_C_COMMENT {
			continue
		}
		if first < 0 {
			first = int(t.Start)
		}
		last = int(t.End)
	}
	if first < 0 {
		return 0, len(span)
	}
	return first, last
}

// firstTableIn returns the first soft-delete table named as a word in q,
// for messages, or "".
func (e *Engine) firstTableIn(q string) string {
	if ts := e.tablesIn(q); len(ts) > 0 {
		return ts[0]
	}
	return ""
}

// mayName reports whether q may name a soft-delete table, read by any
// server settings: a word that names one (in strings and comments too), a
// U&"..." name, or a name longer than the server keeps.
func (e *Engine) mayName(q string) bool {
	if e.firstTableIn(q) != "" || strings.Contains(strings.ToLower(q), `u&"`) {
		return true
	}
	for _, w := range strings.FieldsFunc(q, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }) {
		if len(w) > maxIdentLen {
			return true
		}
	}
	return false
}

// tablesIn returns the soft-delete tables named as words in q (strings
// and comments included), in order, each once.
func (e *Engine) tablesIn(q string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= 0x80)
	}) {
		if t, ok := e.table(w); ok && !slices.Contains(out, t.Name) {
			out = append(out, t.Name)
		}
	}
	return out
}

// maxIdentLen is the most bytes of an identifier PostgreSQL keeps
// (NAMEDATALEN - 1): it truncates longer ones, on a character boundary.
const maxIdentLen = 63

// serverName returns an identifier as the server keeps it: cut to
// maxIdentLen bytes, not inside a UTF-8 character.
func serverName(s string) string {
	if len(s) <= maxIdentLen {
		return s
	}
	cut := maxIdentLen
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut]
}

// table returns the soft-delete table a name (as the parser read it)
// names on the server: "users" + 60 more bytes is users truncated.
func (e *Engine) table(name string) (*table, bool) {
	t, ok := e.tables[serverName(name)]
	return t, ok
}

// clone copies a node.
func clone(n *pg.Node) *pg.Node { return proto.Clone(n).(*pg.Node) }
