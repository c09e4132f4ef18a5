package softdelete

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/softdelete-go/softdelete/internal/engine"
)

// This file keeps a PostgreSQL session reading SQL text as pg_query_go
// does, the way session.go does for MySQL. Each new connection's settings
// are read once (checkPostgresConn); the engine refuses the statements that
// visibly set one otherwise (the postgres package); and after every
// statement that may change one, visibly or not (SET and RESET of any kind,
// set_config, DISCARD, DO, CALL, EXECUTE, FETCH, LOAD, a call of a function
// that is not a known built-in, anything the raw passthrough sends that the
// fast scan cannot clear), the connection reads them back on the server
// before it sends anything else (conn.verifySession).

// postgresSettings are the settings that change how the server reads SQL
// text, with the values under which it reads it as pg_query_go does (the
// engine refuses statements that set them otherwise; see the postgres
// package). names: SET NAMES sets client_encoding.
var postgresSettings = []struct {
	name string
	safe []string
}{
	{"standard_conforming_strings", []string{"on"}},
	{"client_encoding", []string{"utf8", "unicode", "utf-8"}},
	{"backslash_quote", []string{"safe_encoding", "off", "false", "no", "0"}},
}

// postgresSafeValue names the value a setting must keep, for messages.
func postgresSafeValue(name string) string {
	for _, s := range postgresSettings {
		if s.name == name {
			return s.safe[0]
		}
	}
	return ""
}

// postgresSession are PostgreSQL's session rules.
type postgresSession struct{}

// sensitive reports, in one pass over q and without allocating, whether q
// may hold a statement after which the session must be read back, or that
// sets a reading setting, or names a table in a way the fast path cannot
// see (a U&"..." identifier, a name longer than the server keeps): such texts go to the engine (or, under the
// raw passthrough, are read back after) even when they name no soft-delete
// table. It errs towards true: strings and comments are read as code, and
// a false alarm costs a cache lookup. The engine decides on the parse.
func (postgresSession) sensitive(q string) bool {
	n := len(q)
	for i := 0; i < n; {
		c := q[i]
		switch {
		case c == '&' && i+1 < n && q[i+1] == '"':
			return true
		case c == '(':
			if pgMaybeCall(q, i) {
				return true
			}
		}
		if !wordByte[c] {
			i++
			continue
		}
		j := i + 1
		for j < n && wordByte[q[j]] {
			j++
		}
		if j-i > pgMaxIdentLen || pgSensitiveWord(q, i, j) {
			return true // the server cuts a longer name to a table's
		}
		i = j
	}
	return false
}

// pgMaxIdentLen is the most bytes of an identifier PostgreSQL keeps: a
// longer one names the table of its first 63 bytes.
const pgMaxIdentLen = 63

// pgSensitiveWord reports whether the word q[i:j] names a reading setting,
// a way to set one (set_config, SET NAMES, pg_settings), or starts a statement that may
// change one: SET and DO where a statement can start (they also appear in
// UPDATE ... SET and ON CONFLICT ... DO), RESET, DISCARD, CALL, EXECUTE,
// FETCH, MOVE and LOAD anywhere.
func pgSensitiveWord(q string, i, j int) bool {
	w := q[i:j]
	switch len(w) {
	case 2, 3:
		return (strings.EqualFold(w, "do") || strings.EqualFold(w, "set")) && pgStatementStart(q, i)
	case 4:
		return strings.EqualFold(w, "call") || strings.EqualFold(w, "load") || strings.EqualFold(w, "move")
	case 5:
		return strings.EqualFold(w, "reset") || strings.EqualFold(w, "fetch") || strings.EqualFold(w, "names")
	case 7:
		return strings.EqualFold(w, "discard") || strings.EqualFold(w, "execute")
	case 10:
		return strings.EqualFold(w, "set_config")
	case 11:
		return strings.EqualFold(w, "pg_settings") // UPDATE pg_settings is SET
	case 15:
		return strings.EqualFold(w, "client_encoding") || strings.EqualFold(w, "backslash_quote")
	case 27:
		return strings.EqualFold(w, "standard_conforming_strings")
	}
	return false
}

// pgBlankBefore returns the index of the last byte before i that is not a
// blank on the same line, or -1 at the start of q; a line break is
// returned as itself (a "--" comment may end the line before).
func pgBlankBefore(q string, i int) int {
	k := i - 1
	for k >= 0 && (q[k] == ' ' || q[k] == '\t' || q[k] == '\f' || q[k] == '\v') {
		k--
	}
	return k
}

// pgStatementStart reports whether a statement may start at q[i]: only a
// word or a ')' on the same line before it rules that out (statements are
// separated by ';', and a comment before one ends with '/' or a line
// break).
func pgStatementStart(q string, i int) bool {
	k := pgBlankBefore(q, i)
	return k < 0 || !wordByte[q[k]] && q[k] != ')'
}

// pgMaybeCall reports whether the '(' at q[i] may open the arguments of a
// call of a function that is neither a built-in (engine.PostgresBuiltins)
// nor a keyword that cannot be a function (engine.PostgresNotCalls): a
// name before it, bare, on the same line and not after a '.', that is not
// one of those, the table or alias after INTO or AS (INSERT INTO t(a)),
// or OVER and FILTER after a call. A quoted name ("f"(1)) or a comment
// ("f/**/(1)") before it may be one.
func pgMaybeCall(q string, i int) bool {
	end := pgBlankBefore(q, i) + 1
	if end == 0 {
		return false
	}
	switch c := q[end-1]; {
	case c == '"' || c == '/' || c == '\n' || c == '\r':
		return true
	case !wordByte[c]:
		return false // after an operator, a comma, '(' or ')': an expression
	}
	start := end - 1
	for start > 0 && wordByte[q[start-1]] {
		start--
	}
	if start > 0 && q[start-1] == '.' {
		return true
	}
	if pgKnownName(q[start:end]) {
		return false
	}
	k := pgBlankBefore(q, start)
	switch {
	case k >= 0 && q[k] == ')':
		return false // ) OVER (, ) FILTER (: no call follows a ')' directly
	case k >= 0 && wordByte[q[k]] && k < start-1:
		p := k
		for p > 0 && wordByte[q[p-1]] {
			p--
		}
		prev := q[p : k+1]
		return !strings.EqualFold(prev, "into") && !strings.EqualFold(prev, "as")
	}
	return true
}

// pgKnownName reports whether w (any case) is a built-in function or a
// keyword that cannot name one, without allocating.
func pgKnownName(w string) bool {
	var buf [32]byte
	if len(w) > len(buf) {
		return false
	}
	for k := 0; k < len(w); k++ {
		buf[k] = lowerASCII(w[k])
	}
	return engine.PostgresBuiltins[string(buf[:len(w)])] || engine.PostgresNotCalls[string(buf[:len(w)])]
}

// check and checkAfter are the built-in engine's; the PostgreSQL engine
// refuses what must be refused itself.
func (postgresSession) check(*sourceStatement) error { return nil }

func (postgresSession) checkAfter([]*sourceStatement) (bool, error) { return false, nil }

// checkDSN refuses an inner DSN that sets a reading setting: the server
// must read SQL as PostgreSQL does by default.
func (postgresSession) checkDSN(dsn string) error {
	lower := strings.ToLower(dsn)
	for _, s := range postgresSettings {
		if strings.Contains(lower, s.name) {
			return fmt.Errorf("softdelete: the inner DSN sets %s, which changes how PostgreSQL reads SQL text; remove it (softdelete needs the defaults: standard_conforming_strings on, client_encoding UTF8)", s.name)
		}
	}
	return nil
}

// readable is true: the read-back is one plain query, which every
// PostgreSQL driver with driver.QueryerContext (pgx, lib/pq) can send.
func (postgresSession) readable(driver.Driver) bool { return true }

// postgresSettingsQuery reads the reading settings: ASCII, no backslash,
// so the server reads it the same under any of them.
const postgresSettingsQuery = "SELECT current_setting('standard_conforming_strings'), current_setting('client_encoding'), current_setting('backslash_quote')"

// readBack reads the reading settings on the server (see sessionRules).
func (postgresSession) readBack(ctx context.Context, qc driver.QueryerContext) (setting, value string, err error) {
	rows, err := qc.QueryContext(ctx, postgresSettingsQuery, nil)
	if err != nil {
		return "", "", err
	}
	defer rows.Close()
	vals := make([]driver.Value, len(postgresSettings))
	if err := rows.Next(vals); err != nil {
		if errors.Is(err, io.EOF) {
			err = errors.New("no row")
		}
		return "", "", err
	}
	for i, s := range postgresSettings {
		v := fmt.Sprint(vals[i])
		if b, ok := vals[i].([]byte); ok {
			v = string(b)
		}
		if !contains(s.safe, strings.ToLower(v)) {
			return s.name, v, nil
		}
	}
	return "", "", nil
}

// checkPostgresConn refuses a new PostgreSQL connection whose server reads
// SQL text otherwise than pg_query_go: standard_conforming_strings off (set
// for the database or role), a client encoding other than UTF8, or
// backslash_quote on.
func checkPostgresConn(ctx context.Context, ic driver.Conn) error {
	qc, ok := ic.(driver.QueryerContext)
	if !ok {
		return nil
	}
	setting, v, err := postgresSession{}.readBack(ctx, qc)
	if err != nil {
		return fmt.Errorf("softdelete: reading the new connection's settings: %w", err)
	}
	if setting != "" {
		return fmt.Errorf("softdelete: the connection's %s is %q, under which PostgreSQL reads SQL text otherwise than softdelete's parser; set it to %s for the database and role (ALTER DATABASE ... RESET %s)", setting, v, postgresSafeValue(setting), setting)
	}
	return nil
}
