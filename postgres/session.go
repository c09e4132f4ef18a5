package postgres

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/softdelete-go/softdelete/internal/engine"
)

// The settings under which PostgreSQL reads SQL text as pg_query_go does,
// and their values that keep it so. softdelete checks each new connection
// (the root package's checkPostgresConn) and refuses the statements that
// set one otherwise: SET, SET LOCAL, ALTER ... SET, a function's SET
// clause, set_config(). RESET returns to the connection's value, which was
// checked. What no statement shows (a function that runs SET, a DO block)
// the root package reads back on the server after the statement: the
// engine reports it (rewrite.check), and refuses a text in which such a
// statement is followed by another, when the text names a soft-delete
// table (rewrite.unseen).
var readingSettings = map[string][]string{
	"standard_conforming_strings": {"on", "true", "yes", "1"},
	"client_encoding":             {"utf8", "utf-8", "unicode"},
	"backslash_quote":             {"safe_encoding", "off", "false", "no", "0"},
}

const settingFix = "softdelete needs standard_conforming_strings on, client_encoding UTF8 and backslash_quote off or safe_encoding, the defaults"

// setting refuses a SET of a reading setting to another value. Any SET or
// RESET is read back after it runs.
func (w *rewrite) setting(s *pg.VariableSetStmt) {
	w.check = true
	safe, ok := readingSettings[strings.ToLower(s.Name)]
	if !ok || s.Kind != pg.VariableSetKind_VAR_SET_VALUE {
		return
	}
	if len(s.Args) == 1 && safeValue(s.Args[0], safe) {
		return
	}
	w.refuse("", orRaw(settingFix), "SET %s to another value than %s would make the server read SQL text otherwise than softdelete's parser", s.Name, safe[0])
}

// call notes a function call that runs when the statement does (in a
// query, not stored for later): set_config, or one of a function softdelete
// cannot see into (see engine.PostgresBuiltins), is read back after.
func (w *rewrite) call(f *pg.FuncCall, depth int) {
	if len(f.Funcname) == 0 || depth == 0 || w.later > 0 {
		return
	}
	name := f.Funcname[len(f.Funcname)-1].GetString_().GetSval()
	switch {
	case strings.EqualFold(name, "set_config"):
		w.check = true
	case !builtinCall(f, name):
		w.check, w.unseen = true, true
	}
}

// setConfig refuses set_config() of a reading setting to another value,
// or of a setting it cannot tell.
func (w *rewrite) setConfig(f *pg.FuncCall) {
	if len(f.Funcname) == 0 || !strings.EqualFold(f.Funcname[len(f.Funcname)-1].GetString_().GetSval(), "set_config") || len(f.Args) < 2 {
		return
	}
	c := f.Args[0].GetAConst()
	if c == nil || c.GetSval() == nil {
		w.refuse("", orRaw("name the setting as a string constant"), "set_config at offset %d sets a setting softdelete cannot tell, which could make the server read SQL text otherwise", f.Location)
		return
	}
	safe, ok := readingSettings[strings.ToLower(c.GetSval().GetSval())]
	if ok && !safeValue(f.Args[1], safe) {
		w.refuse("", orRaw(settingFix), "set_config of %s at offset %d would make the server read SQL text otherwise than softdelete's parser", c.GetSval().GetSval(), f.Location)
	}
}

// builtinCall reports whether a call is of a built-in function that
// changes no setting: SQL syntax (EXTRACT, TRIM), or one of
// engine.PostgresBuiltins, bare or in pg_catalog. A quoted name in
// another case is not one.
func builtinCall(f *pg.FuncCall, name string) bool {
	if f.Funcformat == pg.CoercionForm_COERCE_SQL_SYNTAX {
		return true
	}
	if len(f.Funcname) > 2 || len(f.Funcname) == 2 && f.Funcname[0].GetString_().GetSval() != "pg_catalog" {
		return false
	}
	return engine.PostgresBuiltins[name] || engine.PostgresNotCalls[name]
}

// sessionStatement notes the statements after which the session is read
// back: those that run code softdelete cannot see (DO, CALL, EXECUTE of a
// prepared statement, FETCH and MOVE of a cursor, LOAD) and DISCARD,
// which resets settings.
func (w *rewrite) sessionStatement(n any) {
	switch n.(type) {
	case *pg.DoStmt, *pg.CallStmt, *pg.ExecuteStmt, *pg.FetchStmt, *pg.LoadStmt:
		w.check, w.unseen = true, true
	case *pg.DiscardStmt:
		w.check = true
	}
}

// safeValue reports whether a constant is one of the safe values.
func safeValue(n *pg.Node, safe []string) bool {
	c := n.GetAConst()
	var v string
	switch {
	case c != nil && c.GetSval() != nil:
		v = c.GetSval().GetSval()
	case c != nil && c.GetBoolval() != nil:
		v = "false"
		if c.GetBoolval().GetBoolval() {
			v = "true"
		}
	case c != nil && c.GetIval() != nil:
		v = "0"
		if c.GetIval().GetIval() != 0 {
			v = "1"
		}
	default:
		return false
	}
	v = strings.ToLower(v)
	for _, s := range safe {
		if v == s {
			return true
		}
	}
	return false
}
