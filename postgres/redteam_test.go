package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/softdelete-go/softdelete"
)

// The holes the red-team pass of the PostgreSQL engine found: each test
// failed before its fix.

// rtDB opens softdelete on pgx over the live server with one soft-delete
// table, created by ddl, and the raw connection.
func rtDB(t *testing.T, table string, ddl ...string) (*sql.DB, *sql.DB) {
	t.Helper()
	dsn := os.Getenv("SOFTDELETE_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SOFTDELETE_POSTGRES_DSN is not set")
	}
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	for _, q := range ddl {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db, err := sql.Open("softdelete", "driver=pgx tables="+table+" dsn="+dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, raw
}

// TestRedTeamColumnAliasList: a column alias list renames the table's
// columns, so the filter on alias.deleted_at tested another column (here
// note, NULL on a deleted row): the deleted row leaked. The table is now
// filtered inside a derived table that takes the alias list.
func TestRedTeamColumnAliasList(t *testing.T) {
	c := testConnector(t)
	ctx := context.Background()
	for in, want := range map[string]string{
		"SELECT * FROM users AS u(id, deleted_at, gone)":                      "SELECT * FROM (SELECT * FROM users u WHERE u.deleted_at IS NULL) u(id, deleted_at, gone)",
		"SELECT * FROM tags t JOIN users u(a, b) ON t.id = u.a":               "SELECT * FROM tags t JOIN (SELECT * FROM users u WHERE u.deleted_at IS NULL) u(a, b) ON t.id = u.a",
		"SELECT * FROM tags t LEFT JOIN users u(a, b) ON t.id = u.a":          "SELECT * FROM tags t LEFT JOIN (SELECT * FROM users u WHERE u.deleted_at IS NULL) u(a, b) ON t.id = u.a",
		"DELETE FROM posts USING users u(a) WHERE posts.user_id = u.a":        "UPDATE posts SET deleted_at = now() FROM (SELECT * FROM users u WHERE u.deleted_at IS NULL) u(a) WHERE posts.user_id = u.a AND posts.deleted_at IS NULL",
		"SELECT u.id FROM users u WHERE u.id IN (SELECT x.a FROM posts x(a))": "SELECT u.id FROM users u WHERE u.id IN (SELECT x.a FROM (SELECT * FROM posts x WHERE x.deleted_at IS NULL) x(a)) AND u.deleted_at IS NULL",
	} {
		if out, err := c.Rewrite(ctx, in); err != nil || out != want {
			t.Errorf("%s:\n got %s, %v\nwant %s", in, out, err, want)
		}
	}
	db, _ := rtDB(t, "rt_items",
		"DROP TABLE IF EXISTS rt_items",
		"CREATE TABLE rt_items (id int PRIMARY KEY, note text, deleted_at timestamptz)",
		"INSERT INTO rt_items VALUES (1, 'a', NULL), (2, NULL, now()), (3, 'b', NULL)")
	if n := count(t, ctx, db, "SELECT count(*) FROM rt_items AS r(id, deleted_at, gone)"); n != 2 {
		t.Errorf("the alias list read %d rows, want 2", n)
	}
	if n := count(t, ctx, db, "SELECT count(*) FROM rt_items AS r(id, deleted_at, gone) WHERE r.id = 2"); n != 0 {
		t.Errorf("the deleted row is seen through the alias list")
	}
}

// TestRedTeamMaterializedViewMode: a materialized view stores its query,
// which REFRESH runs again later: created under another mode than the
// default it kept that mode (every row under WithIncludeDeleted), which
// the README refuses for views. It is refused like a view.
func TestRedTeamMaterializedViewMode(t *testing.T) {
	c := testConnector(t)
	q := "CREATE MATERIALIZED VIEW mv AS SELECT * FROM users"
	for _, ctx := range []context.Context{softdelete.WithIncludeDeleted(context.Background()), softdelete.WithOnlyDeleted(context.Background(), "users")} {
		if out, err := c.Rewrite(ctx, q); !errors.Is(err, softdelete.ErrRefused) || !strings.Contains(err.Error(), "runs later") {
			t.Errorf("%s in another mode: %q, %v, want refused", q, out, err)
		}
	}
	if out, err := c.Rewrite(context.Background(), q); err != nil || out != q+" WHERE users.deleted_at IS NULL" {
		t.Errorf("%s in the default mode: %q, %v", q, out, err)
	}
}

// TestRedTeamLongIdentifier: PostgreSQL truncates an identifier to 63
// bytes, so a reference 64 bytes or longer whose first 63 are a
// soft-delete table's name is that table. Neither the fast path nor the
// engine knew: DELETE FROM <name>zzz was sent as written, a hard DELETE.
func TestRedTeamLongIdentifier(t *testing.T) {
	long := "rt_" + strings.Repeat("l", 60)
	db, raw := rtDB(t, long,
		"DROP TABLE IF EXISTS "+long,
		"CREATE TABLE "+long+" (id int PRIMARY KEY, deleted_at timestamptz)",
		"INSERT INTO "+long+" VALUES (1, NULL), (2, now())")
	ctx := context.Background()
	if n := count(t, ctx, db, "SELECT count(*) FROM "+long+"zzz"); n != 1 {
		t.Errorf("a read through a longer name saw %d rows, want 1", n)
	}
	if n := count(t, ctx, db, `SELECT count(*) FROM "`+long+`_quoted"`); n != 1 {
		t.Errorf("a read through a longer quoted name saw %d rows, want 1", n)
	}
	if _, err := db.ExecContext(ctx, "DELETE FROM "+long+"zzz WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, ctx, raw, "SELECT count(*) FROM "+long); n != 2 {
		t.Errorf("DELETE through a longer name left %d rows, want 2 (a hard DELETE)", n)
	}
	if _, err := db.ExecContext(ctx, "DO $$ BEGIN DELETE FROM "+long+"zzz; END $$"); !errors.Is(err, softdelete.ErrRefused) {
		t.Errorf("a DO block naming the table by a longer name: %v, want refused", err)
	}
	if _, err := db.ExecContext(ctx, "TRUNCATE "+long+"zzz"); !errors.Is(err, softdelete.ErrRefused) {
		t.Errorf("TRUNCATE through a longer name: %v, want refused", err)
	}
}

// TestRedTeamForcedStoredDelete: under WithForce a DELETE stored for later
// (PREPARE, a rule) kept the hard DELETE, which then ran under every
// mode: EXECUTE p in the default mode destroyed the row. A stored DELETE
// or MERGE is refused in a forced mode, as a stored read is in a mode
// that shows deleted rows. (The raw passthrough, WithForce with
// WithIncludeDeleted() of every table, still sends it as written.)
func TestRedTeamForcedStoredDelete(t *testing.T) {
	c := testConnector(t)
	force := softdelete.WithForce(context.Background())
	for _, c2 := range []struct {
		ctx context.Context
		q   string
	}{
		{force, "PREPARE p AS DELETE FROM users WHERE id = $1"},
		{force, "CREATE RULE r AS ON UPDATE TO users DO INSTEAD DELETE FROM users WHERE id = OLD.id"},
		{force, "CREATE RULE r AS ON INSERT TO tags DO ALSO DELETE FROM users"},
		{softdelete.WithForce(softdelete.WithIncludeDeleted(context.Background(), "users")), "PREPARE m AS MERGE INTO users u USING tags t ON u.id = t.id WHEN MATCHED THEN DELETE"},
	} {
		if out, err := c.Rewrite(c2.ctx, c2.q); !errors.Is(err, softdelete.ErrRefused) {
			t.Errorf("%s, forced: %q, %v, want refused", c2.q, out, err)
		}
	}
	db, raw2 := liveDB(t, "pgx")
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = conn.ExecContext(force, "PREPARE rt_del AS DELETE FROM users WHERE id = $1")
	_, _ = conn.ExecContext(ctx, "EXECUTE rt_del(1)")
	if n := count(t, ctx, raw2, "SELECT count(*) FROM users"); n != 3 {
		t.Errorf("a DELETE prepared under WithForce, executed in the default mode: %d users left, want 3", n)
	}
}

// TestRedTeamXMLReaders: query_to_xml runs SQL given as a string, and
// table_to_xml, schema_to_xml and database_to_xml read whole tables by
// name: each showed the soft-deleted rows. They are refused unless the
// mode shows every row.
func TestRedTeamXMLReaders(t *testing.T) {
	db, _ := liveDB(t, "pgx")
	ctx := context.Background()
	for _, q := range []string{
		"SELECT query_to_xml('SELECT * FROM users', true, false, '')::text",
		"SELECT table_to_xml('users', true, false, '')::text",
		"SELECT table_to_xml('public.users'::regclass, true, false, '')::text",
		"SELECT schema_to_xml('public', true, false, '')::text",
		"SELECT database_to_xml(true, false, '')::text",
		"SELECT ts_stat('SELECT to_tsvector(name) FROM users')",
	} {
		var out string
		err := db.QueryRowContext(ctx, q).Scan(&out)
		if !errors.Is(err, softdelete.ErrRefused) {
			t.Errorf("%s: %v (deleted user shown: %v), want refused", q, err, strings.Contains(out, "cid"))
		}
	}
	var out string
	if err := db.QueryRowContext(softdelete.WithIncludeDeleted(ctx), "SELECT table_to_xml('users', true, false, '')::text").Scan(&out); err != nil || !strings.Contains(out, "cid") {
		t.Errorf("table_to_xml under WithIncludeDeleted: %v", err)
	}
}

// TestRedTeamOpaqueBodies: a DO block or function body runs unseen, a
// DELETE in it hard. Two ways past the check that it names no soft-delete
// table: a U&"..." name (U&"\0075sers" is users), which the word scan
// cannot read, and WithIncludeDeleted, which let a body naming the table
// through without WithForce (README: always refused). Both are refused.
func TestRedTeamOpaqueBodies(t *testing.T) {
	c := testConnector(t)
	bg := context.Background()
	for _, c2 := range []struct {
		ctx context.Context
		q   string
	}{
		{bg, `DO $$ BEGIN DELETE FROM U&"\0075sers"; END $$`},
		{softdelete.WithIncludeDeleted(bg), "DO $$ BEGIN DELETE FROM users; END $$"},
		{softdelete.WithIncludeDeleted(bg, "users"), "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ DELETE FROM users RETURNING 1 $$"},
		{softdelete.WithForce(softdelete.WithIncludeDeleted(bg, "users")), "DO $$ BEGIN DELETE FROM users; DELETE FROM posts; END $$"},
	} {
		if out, err := c.Rewrite(c2.ctx, c2.q); !errors.Is(err, softdelete.ErrRefused) {
			t.Errorf("%s: %q, %v, want refused", c2.q, out, err)
		}
	}
	if _, err := c.Rewrite(softdelete.WithForce(softdelete.WithIncludeDeleted(bg, "users")), "DO $$ BEGIN DELETE FROM users; END $$"); err != nil {
		t.Errorf("a DO block under WithForce(WithIncludeDeleted(ctx, \"users\")): %v", err)
	}
	db, raw := liveDB(t, "pgx")
	_, err := db.ExecContext(bg, `DO $$ BEGIN DELETE FROM U&"\0075sers" WHERE id = 1; END $$`)
	if n := count(t, bg, raw, "SELECT count(*) FROM users"); n != 3 || !errors.Is(err, softdelete.ErrRefused) {
		t.Errorf("a DO block deleting through U&\"\\0075sers\": %v, %d users left, want refused and 3", err, n)
	}
}

// TestRedTeamPgSettingsUpdate: UPDATE pg_settings is SET (the view's rule
// calls set_config), with no SET, set_config or setting name in the text
// when the values are arguments: the session was not read back. It is now,
// on pgx and lib/pq.
func TestRedTeamPgSettingsUpdate(t *testing.T) {
	for _, drv := range []string{"pgx", "postgres"} {
		db, raw := liveDB(t, drv)
		db.SetMaxOpenConns(1)
		ctx := context.Background()
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = conn.ExecContext(ctx, "UPDATE pg_settings SET setting = $1 WHERE name = $2", "off", "standard_conforming_strings")
		wantPoisoned(t, db, raw, conn, drv+": UPDATE pg_settings", err, "standard_conforming_strings")
	}
}

// TestRedTeamAbortedTransactionText: a text that commits an unsafe
// setting and then fails inside a new transaction leaves it aborted, where
// the session cannot be read back; the server then runs only ROLLBACK, but
// a text "ROLLBACK; ..." would run the rest under the unsafe setting.
// While the session could not be read back, only texts of one statement
// go; after ROLLBACK the read-back finds the setting and poisons the
// connection.
func TestRedTeamAbortedTransactionText(t *testing.T) {
	db, raw := sessionDB(t, "postgres")
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	count(t, ctx, conn, "SELECT count(*) FROM users") // the schema check, done
	rawCtx := softdelete.WithForce(softdelete.WithIncludeDeleted(ctx))
	if _, err := conn.ExecContext(rawCtx, "SET standard_conforming_strings = off; COMMIT; BEGIN; SELECT 1/0"); err == nil || errors.Is(err, softdelete.ErrUnsafeSession) {
		t.Fatalf("the failing text: %v, want its own error", err)
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK; SELECT 1"); err == nil || !strings.Contains(err.Error(), "on its own") {
		t.Errorf("ROLLBACK and more in an aborted transaction: %v, want refused", err)
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Errorf("ROLLBACK on its own: %v", err)
	}
	_, err = conn.ExecContext(ctx, "SELECT 1")
	wantPoisoned(t, db, raw, conn, "after ROLLBACK", err, "standard_conforming_strings")
}
