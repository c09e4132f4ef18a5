package postgres

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// The settings under which PostgreSQL reads SQL text as pg_query_go does,
// and their values that keep it so. softdelete checks each new connection
// (the root package's checkPostgresConn) and refuses the statements that
// set one otherwise: SET, SET LOCAL, ALTER ... SET, a function's SET
// clause, set_config(). RESET returns to the connection's value, which was
// checked.
var readingSettings = map[string][]string{
	"standard_conforming_strings": {"on", "true", "yes", "1"},
	"client_encoding":             {"utf8", "utf-8", "unicode"},
	"backslash_quote":             {"safe_encoding", "off", "false", "no", "0"},
}

const settingFix = "softdelete needs standard_conforming_strings on, client_encoding UTF8 and backslash_quote off or safe_encoding, the defaults"

// setting refuses a SET of a reading setting to another value.
func (w *rewrite) setting(s *pg.VariableSetStmt) {
	safe, ok := readingSettings[strings.ToLower(s.Name)]
	if !ok || s.Kind != pg.VariableSetKind_VAR_SET_VALUE {
		return
	}
	if len(s.Args) == 1 && safeValue(s.Args[0], safe) {
		return
	}
	w.refuse("", orRaw(settingFix), "SET %s to another value than %s would make the server read SQL text otherwise than softdelete's parser", s.Name, safe[0])
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
