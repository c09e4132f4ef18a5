package softdelete

import (
	"context"
	"database/sql/driver"
	"errors"
	"math/rand"
	"strings"
	"testing"
)

// TestSessionCheckReported: the rewriter reports the statements after which
// the connection must read the session back, and only those (the hot kinds
// report nothing, so the connection does nothing more for them).
func TestSessionCheckReported(t *testing.T) {
	rw := testRewriter(t, "mysql")
	for q, want := range map[string]bool{
		"SET sql_mode = 1048576":                   true,
		"set @q = concat('DELETE FROM us', 'ers')": true,
		"CALL p(1)": true,
		"DO 1":      true,
		"BEGIN":     true,
		"SELECT /*!40001 SQL_NO_CACHE */ id FROM tags":   true,
		"SELECT /*M!100000 1, */ id FROM tags":           true,
		"(SELECT 1)":                                     false,
		"/* c */ SELECT id FROM tags":                    false,
		"SELECT id FROM users WHERE id = ?":              false,
		"DELETE FROM users WHERE id = 1":                 false,
		"UPDATE tags SET label = 'set names latin1'":     false,
		"INSERT INTO tags (id) VALUES (1)":               false,
		"CREATE TABLE t (a INT)":                         false,
		"START TRANSACTION":                              false,
		"-- x\nSHOW TABLES":                              false,
		"SELECT 1; SET sql_mode = 'TRADITIONAL'":         true,
		"SELECT 1 -- ;\n":                                false,
		"SELECT ';' FROM tags; SELECT 2":                 false,
		"SELECT 1;\n-- c\n#d\n/* e */ SET @a = 1":        true,
		"SELECT '; /*' ; SET NAMES utf8mb4; -- */":       true,
		"SELECT '; /*' ; SELECT 1 FROM tags -- */":       false,
		"SELECT 1 FROM tags WHERE a = '--\nSET NAMES x'": false,
		"INSERT INTO t VALUES ('a;\nCALL p()')":          false,
		"SELECT id FROM users; SELECT id FROM tags":      false,
		"--\tx\nSET @a = 1":                              true,
		"SELECT 1 FROM tags /*! WHERE 1 */":              true,
	} {
		for _, m := range []*mode{defaultMode, modeFrom(WithForce(WithIncludeDeleted(context.Background())))} {
			_, _, got, err := rw.rewriteMode(q, m)
			if err != nil {
				t.Errorf("%q (raw %v): %v", q, m.raw(), err)
				continue
			}
			if got != want && !(m.raw() && got) { // raw mode may check more
				t.Errorf("%q (raw %v): session check %v, want %v", q, m.raw(), got, want)
			}
		}
	}
}

// TestSessionSafeStartMatchesWords: the fast path's allow-list is the
// lexer-level one.
func TestSessionSafeStartMatchesWords(t *testing.T) {
	for w, kw := range keywords {
		if !kw.is(kwSessionSafe) || w == "drop" {
			continue // DROP PREPARE: the slow path judges it
		}
		for _, q := range []string{w, strings.ToUpper(w) + " x", w + "(", w + "\t"} {
			if !sessionSafeStart(q, 0) {
				t.Errorf("sessionSafeStart(%q) = false, want true", q)
			}
		}
		if sessionSafeStart(w+"x", 0) {
			t.Errorf("sessionSafeStart(%q) = true, want false", w+"x")
		}
	}
	for _, q := range []string{"set", "call", "do", "begin", "prepare", "execute", "deallocate", "if", "drop", "DROP TABLE t", "", "(select", "`select`"} {
		if sessionSafeStart(q, 0) {
			t.Errorf("sessionSafeStart(%q) = true, want false", q)
		}
	}
}

// TestSkipBlanksAndCommentsIsTheLexers: the scanner of the fast path and
// the session checks stops where the lexer sees the first code.
func TestSkipBlanksAndCommentsIsTheLexers(t *testing.T) {
	inputs := []string{
		"SET a = 1", "  \t\r\nSET a", "\f\vSET a", "-- x\nSET a", "--\tx\nSET a", "--\nSET a", "--\x01\nSET a",
		"--\x7f\nSET a", "--x\nSET a", "-- x", "--", "#x\nSET a", "# x", "/* c */SET a", "/**/SET a", "/* a */ /* b */ -- c\n SET a",
		"/*!40101 SET a */", "/*M!100000 SET a */", "/*!SET a*/", "/* x /*! */ SET a", "-- /*!\nSET a", "/*+ hint */ SET a",
		"'x'", "`set`", "(SELECT 1)", "-1", "--1", "- - x",
	}
	for _, d := range []*dialect{dialectMySQL, dialectSQLite} {
		for _, q := range inputs {
			stmts, err := lexStatements(q, d)
			if err != nil || len(stmts) != 1 {
				continue // the lexer refuses it: nothing to compare
			}
			if got, want := skipBlanksAndComments(q, 0, d), stmts[0].lead; got != want {
				t.Errorf("%s: skipBlanksAndComments(%q) = %d, the lexer's first code is at %d", d, q, got, want)
			}
		}
	}
}

// TestSessionPoisonedConn: a poisoned connection sends nothing more and
// says so the way database/sql discards connections.
func TestSessionPoisonedConn(t *testing.T) {
	c := &conn{session: sessionPoisoned, verify: true}
	if err := c.ready(context.Background()); !errors.Is(err, driver.ErrBadConn) {
		t.Fatalf("ready on a poisoned connection = %v, want driver.ErrBadConn", err)
	}
	err := &SessionError{Statement: `"SET sql_mode = 1048576"`, Setting: "sql_mode", Value: "NO_BACKSLASH_ESCAPES"}
	for _, want := range []string{"SET sql_mode = 1048576", "NO_BACKSLASH_ESCAPES", "discarded", "DSN"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not name %q", err.Error(), want)
		}
	}
	if !errors.Is(err, ErrUnsafeSession) || errors.Is(err, driver.ErrBadConn) {
		t.Errorf("SessionError must match ErrUnsafeSession and not driver.ErrBadConn (database/sql would retry the statement)")
	}
}

// sessionConn is an inner MySQL-like connection whose session the
// statements it runs change as SET sql_mode = 1048576 and SET sql_mode = 0
// would; it records what it is sent.
type sessionConn struct {
	sqlMode string
	sent    []string
}

func (c *sessionConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("not supported") }
func (c *sessionConn) Close() error                        { return nil }
func (c *sessionConn) Begin() (driver.Tx, error)           { return nil, errors.New("not supported") }
func (c *sessionConn) IsValid() bool                       { return true }
func (c *sessionConn) ResetSession(context.Context) error  { return nil }

func (c *sessionConn) ExecContext(_ context.Context, q string, _ []driver.NamedValue) (driver.Result, error) {
	c.sent = append(c.sent, q)
	switch q {
	case "SET sql_mode = 1048576":
		c.sqlMode = "NO_BACKSLASH_ESCAPES"
	case "SET sql_mode = 0":
		c.sqlMode = ""
	}
	return driver.RowsAffected(0), nil
}

func (c *sessionConn) QueryContext(_ context.Context, q string, _ []driver.NamedValue) (driver.Rows, error) {
	c.sent = append(c.sent, q)
	return &sessionRows{vals: []driver.Value{c.sqlMode, "utf8mb4"}}, nil
}

type sessionRows struct{ vals []driver.Value }

func (r *sessionRows) Columns() []string { return []string{"sql_mode", "character_set_client"} }
func (r *sessionRows) Close() error      { return nil }
func (r *sessionRows) Next(dest []driver.Value) error {
	if r.vals == nil {
		return errors.New("EOF")
	}
	copy(dest, r.vals)
	r.vals = nil
	return nil
}

// TestSessionCheckOnConn: the wrapper reads the session back only after a
// statement that may change it, fails that call when the session became
// unsafe, and then sends nothing more and reports itself invalid.
func TestSessionCheckOnConn(t *testing.T) {
	rw, err := newRewriter(Config{Dialect: "mysql", Tables: testTables, Check: CheckOff})
	if err != nil {
		t.Fatal(err)
	}
	inner := &sessionConn{}
	w := wrapConn(inner, rw, true)
	ctx := context.Background()
	exec := func(q string) error { _, err := w.(driver.ExecerContext).ExecContext(ctx, q, nil); return err }
	for _, q := range []string{"SELECT id FROM users", "DELETE FROM tags WHERE id = 1", "SET sql_mode = 0"} {
		if err := exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if got := strings.Join(inner.sent, " | "); got != "select id from users where users.deleted_at is null | DELETE FROM tags WHERE id = 1 | SET sql_mode = 0 | SELECT @@SESSION.sql_mode, @@SESSION.character_set_client" {
		t.Errorf("sent %s; want the session read back after the SET only", got)
	}
	if err := exec("SET sql_mode = 1048576"); !errors.Is(err, ErrUnsafeSession) || !strings.Contains(err.Error(), "NO_BACKSLASH_ESCAPES") {
		t.Fatalf("SET sql_mode = 1048576: %v, want a *SessionError naming NO_BACKSLASH_ESCAPES", err)
	}
	sent := len(inner.sent)
	if err := exec("SELECT 1"); !errors.Is(err, driver.ErrBadConn) {
		t.Errorf("after an unsafe session: %v, want driver.ErrBadConn", err)
	}
	if len(inner.sent) != sent {
		t.Errorf("a poisoned connection sent %q", inner.sent[sent:])
	}
	if w.(driver.Validator).IsValid() {
		t.Error("a poisoned connection is valid")
	}
	if err := w.(driver.SessionResetter).ResetSession(ctx); !errors.Is(err, driver.ErrBadConn) {
		t.Errorf("ResetSession of a poisoned connection: %v, want driver.ErrBadConn", err)
	}
}

// TestSessionSensitiveCoversTheLexer: on random token soup, whenever the
// lexer's reading holds a statement that changes the session or is a
// prepared-statement command, the fast path sends the text to it.
func TestSessionSensitiveCoversTheLexer(t *testing.T) {
	toks := []string{" ", "\t", "\n", "--", "-- ", "--\t", "#", "/*", "*/", "/*!", "/*M!", "40101", "x", "SET", "select",
		"drop", "prepare", "execute", "'", "\"", "`", ";", "\x01", "(", ")", "/", "*", "@q", "1", "DROP PREPARE s",
		"create", "call", "begin not atomic", "if", "deallocate", "update", "grant"}
	r := rand.New(rand.NewSource(1))
	for n := 0; n < 50000; n++ {
		var b []byte
		for k := r.Intn(10); k >= 0; k-- {
			b = append(b, toks[r.Intn(len(toks))]...)
		}
		q := string(b)
		stmts, err := lexStatements(q, dialectMySQL)
		if err != nil {
			continue
		}
		for _, st := range stmts {
			if (changesSession(st) || checkPrepared(st) != nil) && !dialectMySQL.session.sensitive(q) {
				t.Fatalf("%q: the lexer sees a statement to check, the fast path does not", q)
			}
		}
	}
}
