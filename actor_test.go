package softdelete

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// openActorSQLite opens a SQLite file with posts (which has deleted_by)
// and comments (which has not), through softdelete with actor=deleted_by
// and extra DSN keys, and raw.
func openActorSQLite(t *testing.T, extra string) (db, raw *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "actor.db")
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	for _, q := range []string{
		"CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT, deleted_at DATETIME NULL, deleted_by TEXT NULL)",
		"CREATE TABLE comments (id INTEGER PRIMARY KEY, post_id INTEGER, deleted_at DATETIME NULL)",
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db, err = sql.Open(DriverName, "driver=sqlite3 tables=posts,comments actor=deleted_by "+extra+" dsn="+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, raw
}

// seedPosts inserts posts 1..n, live, with deleted_by set to a stale value
// that a soft DELETE must overwrite.
func seedPosts(t *testing.T, raw *sql.DB, n int) {
	t.Helper()
	if _, err := raw.Exec("DELETE FROM posts"); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if _, err := raw.Exec("INSERT INTO posts (id, title, deleted_by) VALUES (?, 't', 'stale')", i); err != nil {
			t.Fatal(err)
		}
	}
}

// deletedBy returns post id's deleted_by as stored, "NULL" for NULL, and
// whether the row is stamped.
func deletedBy(t *testing.T, raw *sql.DB, id int) (string, bool) {
	t.Helper()
	var by sql.NullString
	var stamped bool
	if err := raw.QueryRow("SELECT deleted_by, deleted_at IS NOT NULL FROM posts WHERE id = ?", id).Scan(&by, &stamped); err != nil {
		t.Fatal(err)
	}
	if !by.Valid {
		return "NULL", stamped
	}
	return by.String, stamped
}

// The actor is bound, whatever it holds: quotes, backslashes, unicode, a
// NULL, large integers; without WithActor the column becomes NULL; and
// the statement is rewritten once for every actor.
func TestActorValuesSQLite(t *testing.T) {
	db, raw := openActorSQLite(t, "")
	ctx := context.Background()
	cases := []struct {
		actor any
		want  string
	}{
		{"alice", "alice"},
		{"o'brien'); DROP TABLE posts; --", "o'brien'); DROP TABLE posts; --"},
		{`back\slash\' \\`, `back\slash\' \\`},
		{"ünïcödé 😀 名前", "ünïcödé 😀 名前"},
		{"", ""},
		{int64(math.MaxInt64), "9223372036854775807"},
		{int64(math.MinInt64), "-9223372036854775808"},
		{nil, "NULL"},
	}
	seedPosts(t, raw, len(cases)+1)
	for i, c := range cases {
		if _, err := db.ExecContext(WithActor(ctx, c.actor), "DELETE FROM posts WHERE id = ?", i+1); err != nil {
			t.Fatalf("actor %#v: %v", c.actor, err)
		}
		if got, stamped := deletedBy(t, raw, i+1); got != c.want || !stamped {
			t.Errorf("actor %#v: deleted_by = %q (stamped %v), want %q", c.actor, got, stamped, c.want)
		}
	}
	// No actor in the context: NULL, not the stale value.
	if _, err := db.ExecContext(ctx, "DELETE FROM posts WHERE id = ?", len(cases)+1); err != nil {
		t.Fatal(err)
	}
	if got, stamped := deletedBy(t, raw, len(cases)+1); got != "NULL" || !stamped {
		t.Errorf("no actor: deleted_by = %q (stamped %v), want NULL", got, stamped)
	}
	st, err := Stats(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if st.Misses != 1 {
		t.Errorf("%d rewrites computed for one statement under %d actors, want 1", st.Misses, len(cases)+1)
	}
	if err := raw.QueryRow("SELECT count(*) FROM posts").Scan(new(int)); err != nil {
		t.Errorf("posts is gone: %v", err)
	}
}

// A value database/sql's default converter refuses fails with an error
// naming WithActor, and nothing is deleted.
func TestActorBadValueSQLite(t *testing.T) {
	db, raw := openActorSQLite(t, "")
	seedPosts(t, raw, 1)
	_, err := db.ExecContext(WithActor(context.Background(), uint64(math.MaxUint64)), "DELETE FROM posts WHERE id = 1")
	if err == nil || !strings.Contains(err.Error(), "WithActor") {
		t.Fatalf("uint64 max actor: %v, want an error naming WithActor", err)
	}
	if _, stamped := deletedBy(t, raw, 1); stamped {
		t.Errorf("the row was stamped despite the error")
	}
}

// Each placeholder style of SQLite takes the actor where SQLite binds it:
// bare ?, numbered ?N, named :n @n $n; mixing styles is refused; a table
// without the column is stamped without it.
func TestActorPlaceholdersSQLite(t *testing.T) {
	db, raw := openActorSQLite(t, "")
	ctx := WithActor(context.Background(), "bob")
	cases := []struct {
		q    string
		args []any
		ids  []int
	}{
		{"DELETE FROM posts WHERE id = 1", nil, []int{1}},
		{"DELETE FROM posts WHERE id = ? AND title = ?", []any{2, "t"}, []int{2}},
		{"DELETE FROM posts WHERE id = ?2 AND title = ?1", []any{"t", 3}, []int{3}},
		{"DELETE FROM posts WHERE id = :id AND title = :title", []any{sql.Named("title", "t"), sql.Named("id", 4)}, []int{4}},
		{"DELETE FROM posts WHERE id = @id", []any{sql.Named("id", 5)}, []int{5}},
		{"DELETE FROM posts WHERE id = $id", []any{sql.Named("id", 6)}, []int{6}},
		{"DELETE FROM posts WHERE id IN (SELECT ? UNION SELECT ?) AND title = ?", []any{7, 8, "t"}, []int{7, 8}},
		{"DELETE FROM posts WHERE id = ?; DELETE FROM posts WHERE id = ?", []any{9, 10}, []int{9, 10}},
	}
	seedPosts(t, raw, 10)
	for _, c := range cases {
		if _, err := db.ExecContext(ctx, c.q, c.args...); err != nil {
			t.Errorf("%s: %v", c.q, err)
			continue
		}
		for _, id := range c.ids {
			if got, stamped := deletedBy(t, raw, id); got != "bob" || !stamped {
				t.Errorf("%s: post %d deleted_by = %q (stamped %v), want bob", c.q, id, got, stamped)
			}
		}
	}
	var live int
	if err := raw.QueryRow("SELECT count(*) FROM posts WHERE deleted_at IS NULL").Scan(&live); err != nil || live != 0 {
		t.Errorf("%d posts live after the deletes (%v), want 0", live, err)
	}
	seedPosts(t, raw, 2)
	for q, want := range map[string]string{
		"DELETE FROM posts WHERE id = ? AND title = :t":  "mixes ?",
		"DELETE FROM posts WHERE id = ?1 AND title = :t": "mixes numbered",
		"DELETE FROM posts WHERE id = ?1; SELECT 1":      "one statement",
	} {
		_, err := db.ExecContext(ctx, q, 1, sql.Named("t", "t"))
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want a refusal saying %q", q, err, want)
		}
	}
	if _, err := db.ExecContext(ctx, "DELETE FROM posts WHERE id = :id", 1); err == nil || !strings.Contains(err.Error(), "sql.Named") {
		t.Errorf("named parameter passed by position: %v, want an error naming sql.Named", err)
	}
	if got, stamped := deletedBy(t, raw, 1); stamped {
		t.Errorf("post 1 stamped (by %q) by a refused statement", got)
	}
	// comments has no deleted_by: stamped without it.
	if _, err := raw.Exec("INSERT INTO comments (id, post_id) VALUES (1, 1)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "DELETE FROM comments WHERE id = ?", 1); err != nil {
		t.Fatalf("DELETE of a table without the actor column: %v", err)
	}
}

// A prepared statement runs under different actors with one inner
// statement, and database/sql counts only the user's parameters.
func TestActorPreparedSQLite(t *testing.T) {
	db, raw := openActorSQLite(t, "")
	seedPosts(t, raw, 3)
	ctx := context.Background()
	st, err := db.PrepareContext(ctx, "DELETE FROM posts WHERE id = ?")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i, actor := range []any{"ann", int64(42), nil} {
		if _, err := st.ExecContext(WithActor(ctx, actor), i+1); err != nil {
			t.Fatalf("actor %v: %v", actor, err)
		}
	}
	for id, want := range map[int]string{1: "ann", 2: "42", 3: "NULL"} {
		if got, stamped := deletedBy(t, raw, id); got != want || !stamped {
			t.Errorf("post %d deleted_by = %q (stamped %v), want %q", id, got, stamped, want)
		}
	}
	if _, err := st.ExecContext(ctx, 1, 2); err == nil {
		t.Errorf("two arguments for one parameter: no error")
	}
}

// Restore clears the actor; a soft DELETE under WithIncludeDeleted
// stamps, and records its actor on, live rows only.
func TestActorRestoreAndIncludeDeletedSQLite(t *testing.T) {
	db, raw := openActorSQLite(t, "")
	seedPosts(t, raw, 3)
	ctx := context.Background()
	if _, err := db.ExecContext(WithActor(ctx, "first"), "DELETE FROM posts WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(WithActor(WithIncludeDeleted(ctx), "second"), "DELETE FROM posts WHERE id IN (1, 2)"); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[int]string{1: "first", 2: "second"} {
		if got, stamped := deletedBy(t, raw, id); got != want || !stamped {
			t.Errorf("post %d deleted_by = %q (stamped %v), want %q", id, got, stamped, want)
		}
	}
	if _, err := Restore(ctx, db, "posts", "id = ?", 1); err != nil {
		t.Fatal(err)
	}
	if got, stamped := deletedBy(t, raw, 1); got != "NULL" || stamped {
		t.Errorf("restored post 1: deleted_by = %q (stamped %v), want NULL, live", got, stamped)
	}
	if _, err := Restore(ctx, db, "comments", ""); err != nil {
		t.Errorf("Restore of a table without the actor column: %v", err)
	}
}

// The rewrite holds a parameter, never the value, and says where the
// argument goes: among bare ?, after the ON's parameters in MySQL's
// multi-table form, once per target that has the column.
func TestActorRewritePositions(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		dialect, q, want string
		at               []int
		named            string
	}{
		{"sqlite", "DELETE FROM posts WHERE id = ?", "update posts set deleted_by = ?, deleted_at = $NOW where (id = ?) and posts.deleted_at is null", []int{0}, ""},
		{"sqlite", "DELETE FROM posts", "update posts set deleted_by = ?, deleted_at = $NOW where posts.deleted_at is null", []int{0}, ""},
		{"sqlite", "DELETE FROM posts WHERE id = ?3", "update posts set deleted_by = ?4, deleted_at = $NOW where (id = ?3) and posts.deleted_at is null", []int{3}, ""},
		{"sqlite", "DELETE FROM posts WHERE id = :id", "update posts set deleted_by = :softdelete_actor, deleted_at = $NOW where (id = :id) and posts.deleted_at is null", nil, "softdelete_actor"},
		{"mysql", "DELETE p FROM posts p JOIN users u ON u.id = p.user_id AND u.name = ? WHERE p.id = ?",
			"update posts as p join users as u on u.id = p.user_id AND u.name = ? set p.deleted_by = ?, p.deleted_at = $NOW where (p.id = ?) and p.deleted_at is null and u.deleted_at is null", []int{1}, ""},
		{"mysql", "DELETE p, u FROM posts p JOIN users u ON u.id = p.user_id AND u.name = ? WHERE p.id = ?",
			"update posts as p join users as u on u.id = p.user_id AND u.name = ? set p.deleted_by = ?, p.deleted_at = $NOW, u.deleted_by = ?, u.deleted_at = $NOW where (p.id = ?) and p.deleted_at is null and u.deleted_at is null", []int{1, 2}, ""},
		{"mysql", "SELECT 1 FROM posts WHERE id = ?; DELETE FROM posts WHERE id = ?", "", []int{1}, ""},
		{"mysql", "DELETE FROM posts WHERE id = ? ORDER BY id LIMIT ?", "update posts set deleted_by = ?, deleted_at = $NOW where (id = ?) and posts.deleted_at is null order by id asc limit ?", []int{0}, ""},
	}
	for _, c := range cases {
		c := c
		rw, err := newRewriter(Config{DriverName: map[string]string{"mysql": "mysql", "sqlite": "sqlite3"}[c.dialect], Tables: []string{"posts", "users"}, Actor: "deleted_by", Check: CheckOff})
		if err != nil {
			t.Fatal(err)
		}
		for round := 0; round < 2; round++ { // the second from the cache
			out, _, _, a, err := rw.rewriteFull(ctx, c.q, defaultMode)
			if err != nil {
				t.Fatalf("%s: %v", c.q, err)
			}
			want := strings.ReplaceAll(c.want, "$NOW", rewriteCaseDialects[c.dialect])
			if c.want != "" && out != want {
				t.Errorf("%s %s:\n got %s\nwant %s", c.dialect, c.q, out, want)
			}
			if a == nil || !equalInts(a.at, c.at) || a.named != c.named {
				t.Errorf("%s %s: actor %+v, want at %v named %q", c.dialect, c.q, a, c.at, c.named)
			}
		}
	}
	// No actor column configured: the rewrite is today's, and takes none.
	rw := testRewriter(t, "sqlite")
	out, _, _, a, err := rw.rewriteFull(ctx, "DELETE FROM users WHERE id = ?", defaultMode)
	if err != nil || a != nil || strings.Contains(out, "deleted_by") {
		t.Errorf("without Config.Actor: %q, %+v, %v", out, a, err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The schema decides which tables take the actor: an actor column that no
// listed table has stops statements; with check=off every listed table
// takes it, and a table without it fails in the database, unchanged.
func TestActorSchemaSQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("CREATE TABLE comments (id INTEGER PRIMARY KEY, deleted_at DATETIME NULL); INSERT INTO comments (id) VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open(DriverName, "driver=sqlite3 tables=comments actor=deleted_by dsn="+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "DELETE FROM comments WHERE id = 1")
	if !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "deleted_by") || !strings.Contains(err.Error(), "ALTER TABLE comments ADD COLUMN deleted_by") {
		t.Fatalf("actor column on no table: %v, want a schema error naming deleted_by and its DDL", err)
	}
	off, err := sql.Open(DriverName, "driver=sqlite3 tables=comments actor=deleted_by check=off dsn="+path)
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	if _, err := off.ExecContext(ctx, "DELETE FROM comments WHERE id = 1"); err == nil || !strings.Contains(err.Error(), "deleted_by") {
		t.Fatalf("check=off, table without the column: %v, want the database's error", err)
	}
	var stamped bool
	if err := raw.QueryRow("SELECT deleted_at IS NOT NULL FROM comments WHERE id = 1").Scan(&stamped); err != nil || stamped {
		t.Errorf("comment stamped by a failed statement (%v)", err)
	}
}

// After a migration adds the actor column, Reload makes the rewrites take
// it, on a connection that ran the statement before and in a prepared
// statement.
func TestActorReloadSQLite(t *testing.T) {
	_, raw := openActorSQLite(t, "")
	var path string
	if err := raw.QueryRow("SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&path); err != nil {
		t.Fatal(err)
	}
	c, err := NewConnector(Config{DriverName: "sqlite3", DSN: path, Tables: []string{"posts", "comments"}, Actor: "deleted_by"})
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	if _, err := raw.Exec("INSERT INTO comments (id, post_id) VALUES (1, 1), (2, 1), (3, 1)"); err != nil {
		t.Fatal(err)
	}
	const q = "DELETE FROM comments WHERE id = ?"
	st, err := db.PrepareContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := db.ExecContext(WithActor(ctx, "x"), q, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("ALTER TABLE comments ADD COLUMN deleted_by TEXT NULL"); err != nil {
		t.Fatal(err)
	}
	if err := c.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(WithActor(ctx, "after"), q, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ExecContext(WithActor(ctx, "prepared"), 3); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[int]string{2: "after", 3: "prepared"} {
		var by sql.NullString
		if err := raw.QueryRow("SELECT deleted_by FROM comments WHERE id = ?", id).Scan(&by); err != nil || by.String != want {
			t.Errorf("comment %d deleted_by = %v (%v), want %q", id, by, err, want)
		}
	}
}

// actor= and Config.Actor: parsed, and a bad value fails naming the option.
func TestActorConfig(t *testing.T) {
	cfg, err := ParseDSN("driver=sqlite3 tables=posts actor=deleted_by dsn=x.db")
	if err != nil || cfg.Actor != "deleted_by" {
		t.Fatalf("ParseDSN: %+v, %v", cfg, err)
	}
	for dsn, want := range map[string]string{
		"driver=sqlite3 tables=posts actor= dsn=x.db":           "actor= is empty",
		"driver=sqlite3 tables=posts actor=a;b dsn=x.db":        `actor="a;b" is not a plain column name`,
		"driver=sqlite3 tables=posts actor=deleted_at dsn=x.db": "is the deleted column of table posts",
	} {
		if _, err := sql.Open(DriverName, dsn); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", dsn, err, want)
		}
	}
	if _, err := NewConnector(Config{DriverName: "sqlite3", DSN: "x.db", Tables: []string{"posts"}, Actor: "by-whom"}); err == nil || !strings.Contains(err.Error(), `Config.Actor "by-whom"`) {
		t.Errorf("Config.Actor with a dash: %v", err)
	}
}
