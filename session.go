package softdelete

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// This file holds what keeps a MySQL session reading SQL text the way
// softdelete's lexer does.
//
// Up front, the rewriter refuses the obvious statements that would change
// that reading (SET sql_mode = 'ANSI_QUOTES', SET NAMES gbk) or that run SQL
// softdelete never sees (PREPARE, EXECUTE). That reads what a statement
// says, which is not enough: SET sql_mode = 4 is ANSI_QUOTES too. So every
// statement that might change the session (anything but the plain kinds of
// kwSessionSafe, and anything with a versioned comment) is reported by
// the rewriter, and the connection reads the server's actual sql_mode and
// client character set after it, before it sends anything else. A session
// that reads text otherwise poisons the connection: that call fails with a
// *SessionError, and every later one with driver.ErrBadConn, which makes
// database/sql discard it.

// ErrUnsafeSession is matched (with errors.Is) by the *SessionError of a
// connection whose session a statement left reading SQL differently from
// softdelete.
var ErrUnsafeSession = errors.New("softdelete: the session reads SQL differently from softdelete")

// SessionError reports that a statement changed the session so that the
// server reads SQL text differently from softdelete (MySQL: an sql_mode
// with ANSI_QUOTES or NO_BACKSLASH_ESCAPES, a client character set other
// than utf8mb4, utf8mb3 or ascii; PostgreSQL: standard_conforming_strings
// off, a client_encoding other than UTF8, backslash_quote on), or that
// softdelete could not read the session back. The statement ran; the connection is discarded and
// nothing more is sent on it.
type SessionError struct {
	Statement string // the statement that changed the session, shortened
	Setting   string // sql_mode, character_set_client or a PostgreSQL setting; "" when the check failed
	Value     string // the setting's value, or the flag of sql_mode at fault
	Err       error  // why the session could not be read, or nil
}

// Error names the statement, the setting and its value, and the fix.
func (e *SessionError) Error() string {
	switch e.Setting {
	case "":
		return fmt.Sprintf("softdelete: after %s the session's settings that change how the server reads SQL could not be read back (%v); the connection was discarded", e.Statement, e.Err)
	case "standard_conforming_strings", "client_encoding", "backslash_quote":
		return fmt.Sprintf("softdelete: %s left the session's %s %q, under which PostgreSQL reads SQL text otherwise than softdelete's parser; the connection was discarded. Keep the default (%s), and do not change it with the raw passthrough or in a function",
			e.Statement, e.Setting, e.Value, postgresSafeValue(e.Setting))
	case "sql_mode":
		return fmt.Sprintf("softdelete: %s left the session's sql_mode with %s, under which the server reads quotes differently from softdelete; the connection was discarded. Set sql_mode in the DSN without ANSI_QUOTES or NO_BACKSLASH_ESCAPES",
			e.Statement, e.Value)
	}
	return fmt.Sprintf("softdelete: %s left the session's client character set %s, in which the server reads SQL text differently from softdelete; the connection was discarded. Keep the character set utf8mb4 (the DSN's charset)",
		e.Statement, e.Value)
}

// Unwrap returns the cause of a failed check.
func (e *SessionError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrUnsafeSession) true.
func (e *SessionError) Is(target error) bool { return target == ErrUnsafeSession }

// mysqlSession are MySQL's session rules (dialectMySQL.session).
type mysqlSession struct{}

// checkDSN refuses an inner DSN that sets an sql_mode under which MySQL
// reads strings and quotes otherwise.
func (mysqlSession) checkDSN(dsn string) error {
	if mode := unsupportedSQLMode(dsn); mode != "" {
		return fmt.Errorf("softdelete: the inner DSN sets sql_mode %s, which changes how MySQL reads strings and quotes; softdelete does not support it", mode)
	}
	return nil
}

// readable reports whether the inner driver is go-sql-driver/mysql, whose
// connections' sessions softdelete reads back.
func (mysqlSession) readable(inner driver.Driver) bool {
	return pkgPath(inner) == "github.com/go-sql-driver/mysql"
}

// sessionSafeStart reports whether the word at q[i] is one of
// kwSessionSafe (keywords.go), without allocating. DROP is not: it may be DROP
// PREPARE, which the lexer's words judge (checkPrepared).
func sessionSafeStart(q string, i int) bool {
	if i >= len(q) {
		return false
	}
	w := func(word string) bool { return hasWordFold(q, i, word) }
	switch lowerASCII(q[i]) {
	case 's':
		return w("select") || w("show") || w("start") || w("savepoint")
	case 'i':
		return w("insert")
	case 'u':
		return w("update") || w("unlock")
	case 'd':
		return w("delete") || w("describe") || w("desc")
	case 'r':
		return w("replace") || w("rollback") || w("release") || w("rename")
	case 'w':
		return w("with")
	case 'v':
		return w("values")
	case 't':
		return w("table") || w("truncate")
	case 'e':
		return w("explain")
	case 'c':
		return w("commit") || w("create")
	case 'a':
		return w("alter")
	case 'l':
		return w("lock")
	}
	return false
}

// sensitive reports whether q may hold a MySQL statement that can
// change how the session reads SQL or that checkSession refuses: one that
// does not start with a kwSessionSafe word (after blanks and comments
// as the lexer reads them), or any versioned comment, whose text is code.
// It looks at the start of q and after every ';', without allocating; a ';'
// inside a string only costs a look, and a false alarm only the slow path.
func (mysqlSession) sensitive(q string) bool {
	if hasVersionedComment(q) {
		return true
	}
	for i := 0; ; {
		j := skipBlanksAndComments(q, i, dialectMySQL)
		if j < len(q) && q[j] != ';' && !sessionSafeStart(q, j) {
			return true
		}
		// From i, not j: a comment skipped from a ';' inside a string
		// must not hide the real ';' after it.
		k := strings.IndexByte(q[i:], ';')
		if k < 0 {
			return false
		}
		i += k + 1
	}
}

// hasVersionedComment reports whether q holds /*! or /*M! anywhere
// (inside a string too: a false alarm only costs the slow path).
func hasVersionedComment(q string) bool {
	if strings.IndexByte(q, '!') < 0 { // rare in SQL, and fast to look for
		return false
	}
	for i := 0; i < len(q); {
		k := strings.Index(q[i:], "/*")
		if k < 0 {
			return false
		}
		if versionedCommentAt(q, i+k) {
			return true
		}
		i += k + 2
	}
	return false
}

// hasWordFold reports whether the word w (lower case) starts q at i.
func hasWordFold(q string, i int, w string) bool {
	if len(q)-i < len(w) || len(q)-i > len(w) && wordByte[q[i+len(w)]] {
		return false
	}
	for k := 0; k < len(w); k++ {
		if lowerASCII(q[i+k]) != w[k] {
			return false
		}
	}
	return true
}

// changesSession reports whether a lexed MySQL statement may change how
// the session reads SQL, so that the server's session must be checked
// after it runs.
func changesSession(st *sourceStatement) bool {
	return !st.empty && (st.versioned || !keywordOf(st.firstWord()).is(kwSessionSafe))
}

// checkAfter refuses a MySQL multi-statement string in which a
// statement that may change the session is followed by another: no check
// can run between them. It reports whether the session must be checked
// after the text runs.
func (mysqlSession) checkAfter(stmts []*sourceStatement) (bool, error) {
	changing := false
	for _, st := range stmts {
		if st.empty {
			continue
		}
		if changing {
			return false, &RefusedError{Table: "(any)", Reason: "a statement that can change how the server reads SQL (SET, CALL, a versioned comment, ...) must be the last of a multi-statement string, as no check can run between it and the statements after it (compound statements such as BEGIN NOT ATOMIC ... END are refused for this reason); send it on its own"}
		}
		changing = changesSession(st)
	}
	return changing, nil
}

// unsafeSQLModeWords are the sql_mode flags, and the combination modes that
// include one of them, under which MySQL reads quotes and backslashes
// differently from softdelete's lexer.
var unsafeSQLModeWords = []string{"ansi", "no_backslash_escapes", "postgresql", "oracle", "mssql", "db2", "maxdb"}

// check refuses the MySQL statements that obviously make the server
// read later statements differently from softdelete's lexer (sql_mode,
// character set) or run SQL softdelete never sees (PREPARE, EXECUTE,
// DEALLOCATE, also inside compound statements). The server-side check
// after a statement that changes the session is the guarantee.
func (mysqlSession) check(st *sourceStatement) error {
	if err := checkPrepared(st); err != nil {
		return err
	}
	if st.versioned && strings.IndexByte(st.text, ';') >= 0 {
		return &RefusedError{Table: "(any)", Reason: "a ';' in a statement with a versioned comment (/*!...*/) may start a statement softdelete cannot see"}
	}
	if st.versioned {
		if at := gluedVersionNumber(st.text); at >= 0 {
			return &RefusedError{Table: "(any)", Reason: fmt.Sprintf("the version number of the versioned comment at offset %d runs into a word, which the server reads as code "+
				"(/*!50000users*/ is the table users) but softdelete does not", st.start+at),
				Fix: "put a blank after the version number (/*!50000 users*/), or write the SQL without the comment"}
		}
	}
	if st.firstWord() != "set" {
		return nil
	}
	lower := strings.ToLower(st.text)
	if at := strings.Index(lower, "sql_mode"); at >= 0 {
		_, value, _ := strings.Cut(lower[at:], "=")
		bad := strings.ContainsAny(value, "@(")
		for _, w := range unsafeSQLModeWords {
			bad = bad || strings.Contains(value, w)
		}
		if bad {
			return &RefusedError{Table: "(any)", Reason: "this sql_mode could make the server read SQL differently from softdelete (ANSI_QUOTES, NO_BACKSLASH_ESCAPES, a mode that includes them such as ANSI or POSTGRESQL, or a computed value)"}
		}
	}
	// SET NAMES, SET CHARACTER SET/CHARSET and character_set_client
	// change how the server reads the text (character_set_results and
	// _connection do not). The value must be a safe character set
	// written out: a number (SET character_set_client = 8 is latin1),
	// a hex string, a variable or an expression could name any other.
	if st.has("names") || st.has("character") || st.has("charset") || strings.Contains(lower, "character_set_client") {
		if bad := unsafeCharsetSetting(st.text); bad != "" {
			return &RefusedError{Table: "(any)", Reason: "the character set setting " + bad + " could make the server read SQL differently from softdelete; use utf8mb4, written out"}
		}
	}
	return nil
}

// gluedVersionNumber returns the offset of the first versioned comment in
// text whose version number a word follows without a blank, or -1. The
// servers and the lexer count its digits differently (the lexer takes up
// to 5 after /*! and 6 after /*M!; MariaDB 5 or 6 after either, and none
// when there are fewer than 5), so they would read that word differently:
// MariaDB reads /*!100000users*/ and /*!50000users*/ as the table users,
// where the scan for table names sees one word, 100000users, and the
// lexer 0users. A /*! inside a string counts too (a false alarm refuses,
// it never lets a statement through).
func gluedVersionNumber(text string) int {
	for i := 0; i < len(text); i++ {
		if text[i] != '/' || !versionedCommentAt(text, i) {
			continue
		}
		j := i + 3
		if text[i+2] == 'M' {
			j = i + 4
		}
		k := j
		for k < len(text) && text[k] >= '0' && text[k] <= '9' {
			k++
		}
		if k > j && k < len(text) && wordByte[text[k]] {
			return i
		}
	}
	return -1
}

// checkPrepared refuses SQL-level prepared statements: PREPARE, EXECUTE,
// DEALLOCATE PREPARE and DROP PREPARE as a statement, and those words
// anywhere in a statement that is not of a safe kind (a compound statement
// such as BEGIN NOT ATOMIC ... or IF ... THEN ...). GRANT and REVOKE name
// the EXECUTE privilege, and stored program bodies run only when called.
func checkPrepared(st *sourceStatement) error {
	refuse := &RefusedError{Table: "(any)", Reason: "SQL-level PREPARE and EXECUTE run text softdelete never sees"}
	first := st.firstWord()
	if keywordOf(first).is(kwPrepared) || first == "drop" && len(st.words) > 1 && st.words[1].lower == "prepare" && !st.words[1].quoted {
		return refuse
	}
	if keywordOf(first).is(kwSessionSafe) || first == "grant" || first == "revoke" || first == "xa" {
		return nil
	}
	for _, w := range st.words {
		if !w.quoted && !w.qualified && keywordOf(w.lower).is(kwPrepared) {
			return refuse
		}
	}
	return nil
}

// safeCharsets are the MySQL client character sets in which the server
// reads SQL text as softdelete's lexer does. In others it does not: in
// big5, cp932, gbk, gb18030 and sjis a backslash byte can be the second
// byte of a character (a string ends elsewhere); in latin1 the byte 0xA0 is
// a space (FROM\xa0users names users).
var safeCharsets = map[string]bool{"utf8mb4": true, "utf8mb3": true, "utf8": true, "ascii": true}

// unsafeCharsetSetting returns the first token of a SET statement that
// changes the client character set and is not a safe character set or
// collation written out, one of the statement's keywords, '=' or ',', or
// "" when there is none. Comments are skipped, and so are the marks of a
// versioned comment, whose text is checked as code.
func unsafeCharsetSetting(text string) string {
	for i := 0; i < len(text); {
		if j := skipBlanksAndComments(text, i, dialectMySQL); j > i {
			i = j
			continue
		}
		c := text[i]
		switch {
		case c == '=' || c == ',' || c == ';':
			i++
			continue
		case versionedCommentAt(text, i):
			i += 3
			for i < len(text) && (text[i] == '!' || text[i] >= '0' && text[i] <= '9') {
				i++
			}
			continue
		case c == '*' && strings.HasPrefix(text[i:], "*/"):
			i += 2
			continue
		case c == '\'' || c == '"' || c == '`':
			j, err := scanQuoted(text, i, c, c != '`')
			if err != nil {
				return text[i:]
			}
			if !charsetSettingWord(strings.ToLower(text[i+1 : j-1])) {
				return text[i:j]
			}
			i = j
			continue
		}
		j := i
		for j < len(text) && (wordByte[text[j]] || text[j] == '@' || text[j] == '.') {
			j++
		}
		if j == i || !charsetSettingWord(strings.ToLower(text[i:j])) {
			return text[i:max(j, i+1)]
		}
		i = j
	}
	return ""
}

// charsetSettingWord reports whether w may stand in a SET of the client
// character set: a keyword of the statement, or a safe character set or
// one of its collations.
func charsetSettingWord(w string) bool {
	switch strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(w, "@@"), "session."), "local.") {
	case "set", "names", "character", "charset", "collate", "session", "local",
		"character_set_client", "character_set_connection", "character_set_results", "collation_connection":
		return true
	}
	cs, _, _ := strings.Cut(w, "_")
	return safeCharsets[w] || safeCharsets[cs] && strings.Contains(w, "_")
}

// readMySQLSession returns the session's sql_mode and client character
// set, read with a query that reads the same under every sql_mode and
// character set (ASCII, no quote).
func readMySQLSession(ctx context.Context, qc driver.QueryerContext) (sqlMode, charset string, err error) {
	rows, err := qc.QueryContext(ctx, "SELECT @@SESSION.sql_mode, @@SESSION.character_set_client", nil)
	if err != nil {
		return "", "", err
	}
	defer rows.Close()
	vals := make([]driver.Value, 2)
	if err := rows.Next(vals); err != nil {
		return "", "", err
	}
	text := func(v driver.Value) string {
		switch v := v.(type) {
		case []byte:
			return string(v)
		case string:
			return v
		}
		return ""
	}
	return text(vals[0]), strings.ToLower(text(vals[1])), nil
}

// readBack reads the MySQL session back (see sessionRules).
func (mysqlSession) readBack(ctx context.Context, qc driver.QueryerContext) (setting, value string, err error) {
	sqlMode, charset, err := readMySQLSession(ctx, qc)
	if err != nil {
		return "", "", err
	}
	setting, value = unsafeSession(sqlMode, charset)
	return setting, value, nil
}

// unsafeSession returns the setting of a session that makes the server
// read SQL text differently from softdelete's lexer, and its value (for
// sql_mode, the flag at fault), or "", "".
func unsafeSession(sqlMode, charset string) (setting, value string) {
	if mode := unsupportedSQLMode("?sql_mode=" + url.QueryEscape(sqlMode)); mode != "" {
		return "sql_mode", mode
	}
	if !safeCharsets[charset] {
		return "character_set_client", charset
	}
	return "", ""
}

// Session states of a connection (conn.session).
const (
	sessionOK       = iota // as checked: statements may be sent
	sessionPending         // a statement that may change the session ran: check before the next
	sessionPoisoned        // the session reads SQL otherwise: send nothing more
)

// ready runs before the connection sends anything: it checks the session
// after a query that may have changed it, and refuses a poisoned
// connection with driver.ErrBadConn (database/sql then discards it and
// retries on another, as nothing was sent).
func (c *conn) ready(ctx context.Context) error {
	switch c.session {
	case sessionPending:
		c.session = sessionOK
		return c.verifySession(ctx, c.changedBy)
	case sessionPoisoned:
		return driver.ErrBadConn
	}
	return nil
}

// afterExec checks the session at once after a statement that may have
// changed it ran (or may have, if it failed), so that the statement's own
// call reports an unsafe session. It returns err, or the check's error.
func (c *conn) afterExec(ctx context.Context, query string, err error) error {
	if errors.Is(err, driver.ErrSkip) || errors.Is(err, driver.ErrBadConn) {
		return err // nothing ran, or the connection is gone anyway
	}
	if verr := c.verifySession(ctx, query); verr != nil {
		return verr
	}
	return err
}

// afterQuery notes that the session must be checked before the next
// statement: the query's rows are still open, and go-sql-driver/mysql runs
// nothing else meanwhile. A query that failed returned no rows: it is
// checked at once, as afterExec does.
func (c *conn) afterQuery(ctx context.Context, query string, err error) error {
	if err != nil {
		return c.afterExec(ctx, query, err)
	}
	c.session, c.changedBy = sessionPending, query
	return nil
}

// verifySession reads the session back on the inner connection and
// poisons the connection if it is unsafe or cannot be read. A PostgreSQL
// transaction that a failed statement aborted cannot be read: the server
// runs nothing but the statement that ends it (ROLLBACK, or ROLLBACK TO a
// savepoint), which returns the settings to values checked before, so the
// check waits until the server answers again (the connection stays
// pending).
func (c *conn) verifySession(ctx context.Context, query string) error {
	if c.queryer == nil {
		return nil
	}
	setting, value, err := c.rw.d.session.readBack(ctx, c.queryer)
	what := shortStatement(query)
	if err != nil {
		if inFailedTransaction(err) {
			c.session, c.changedBy, c.aborted = sessionPending, query, true
			return nil
		}
		c.session = sessionPoisoned
		return &SessionError{Statement: what, Err: err}
	}
	c.aborted = false
	if setting != "" {
		c.session = sessionPoisoned
		return &SessionError{Statement: what, Setting: setting, Value: value}
	}
	return nil
}

// notAborted refuses a text that may hold several statements while the
// session could not be read back in an aborted transaction: the server
// runs only the statement that ends it (ROLLBACK), but it would run the
// statements after that one in the text under settings nobody checked.
func (c *conn) notAborted(query string) error {
	if c.aborted && strings.IndexByte(query, ';') >= 0 {
		return fmt.Errorf("softdelete: the transaction was aborted by a failed statement after %s, so the session's settings could not be read back; send ROLLBACK (or ROLLBACK TO SAVEPOINT) on its own first, the session is read back before the next statement", shortStatement(c.changedBy))
	}
	return nil
}

// inFailedTransaction reports whether err is PostgreSQL's refusal of a
// statement in an aborted transaction (SQLSTATE 25P02), as pgx's and
// lib/pq's errors report it.
func inFailedTransaction(err error) bool {
	var s interface{ SQLState() string }
	return errors.As(err, &s) && s.SQLState() == "25P02"
}

// shortStatement quotes a statement for a message, shortened.
func shortStatement(q string) string {
	const most = 80
	q = strings.TrimSpace(q)
	if len(q) > most {
		q = q[:most] + "..."
	}
	return fmt.Sprintf("%q", q)
}
