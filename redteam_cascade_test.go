package softdelete

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// actorsOf lists each row's deleted_by of a table, "1:alice 2:-".
func (c *cascadeDB) actorsOf(t *testing.T, table string) string {
	t.Helper()
	rows, err := c.Raw.Query("SELECT id, COALESCE(deleted_by, '-') FROM " + table + " ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int
		var by string
		if err := rows.Scan(&id, &by); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d:%s", id, by))
	}
	return strings.Join(out, " ")
}

// A cascade is the DELETE the database would run on the children, so the
// actor that a soft DELETE records on its own rows is recorded on every
// row the cascade stamps (a stale value written by hand is replaced), and
// the exact Restore that brings them back clears it on each, the Restore's
// own rows included, as the plain Restore does.
func TestRedTeamCascadeActor(t *testing.T) {
	cascadeDialects(t, func(t *testing.T, dialect string) {
		c := cascadeOpen(t, dialect, false, "")
		for _, tb := range []string{"users", "posts", "comments"} {
			if _, err := c.Raw.Exec("ALTER TABLE " + tb + " ADD deleted_by VARCHAR(20)"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := c.Raw.Exec("UPDATE comments SET deleted_by = 'stale' WHERE id = 104"); err != nil {
			t.Fatal(err)
		}
		db := c.open("check=warn actor=deleted_by")
		ctx := context.Background()
		cexec(t, ctx, db, "DELETE FROM likes")
		cexec(t, WithActor(ctx, "alice"), db, c.ph("DELETE FROM users WHERE id = ?"), 1)
		if got, want := c.state(t), "users=1 posts=10,11 comments=100,101,102,103,104 likes=1000 profiles="; got != want {
			t.Fatalf("after the DELETE of user 1: %s; want %s", got, want)
		}
		want := map[string]string{"users": "1:alice 2:- 3:-", "posts": "10:alice 11:alice 20:-",
			"comments": "100:alice 101:alice 102:alice 103:alice 104:alice"}
		for _, tb := range []string{"users", "posts", "comments"} {
			if got := c.actorsOf(t, tb); got != want[tb] {
				t.Errorf("%s deleted_by after the cascade: %s; want %s", tb, got, want[tb])
			}
		}
		if _, err := Restore(ctx, db, "users", c.ph("id = ?"), 1); err != nil {
			t.Fatal(err)
		}
		if got, want := c.state(t), "users= posts= comments= likes=1000 profiles="; got != want {
			t.Fatalf("after the Restore of user 1: %s; want %s", got, want)
		}
		want = map[string]string{"users": "1:- 2:- 3:-", "posts": "10:- 11:- 20:-", "comments": "100:- 101:- 102:- 103:- 104:-"}
		for _, tb := range []string{"users", "posts", "comments"} {
			if got := c.actorsOf(t, tb); got != want[tb] {
				t.Errorf("%s deleted_by after the exact Restore: %s; want %s", tb, got, want[tb])
			}
		}
		// Without WithActor the children's column is set to NULL (a stale
		// value goes), through Query with RETURNING where the dialect has it.
		if _, err := c.Raw.Exec("UPDATE posts SET deleted_by = 'stale' WHERE id = 20"); err != nil {
			t.Fatal(err)
		}
		cexec(t, ctx, db, "DELETE FROM profiles")
		q := c.ph("DELETE FROM users WHERE id = ?")
		if dialect == "mysql" {
			cexec(t, ctx, db, q, 2)
		} else {
			var id int
			if err := db.QueryRowContext(ctx, q+" RETURNING id", 2).Scan(&id); err != nil || id != 2 {
				t.Fatalf("DELETE ... RETURNING: %d, %v", id, err)
			}
		}
		if got, want := c.actorsOf(t, "posts")+" "+c.deletedIDs(t, "posts"), "10:- 11:- 20:- 20"; got != want {
			t.Errorf("posts after the DELETE of user 2 without an actor: %s; want %s", got, want)
		}
		// One prepared statement, two actors: each cascade records its own.
		if _, err := Restore(ctx, db, "users", ""); err != nil {
			t.Fatal(err)
		}
		st, err := db.PrepareContext(ctx, c.ph("DELETE FROM posts WHERE id = ?"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		for id, who := range map[int]string{10: "p1", 11: "p2"} {
			if _, err := st.ExecContext(WithActor(ctx, who), id); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := c.actorsOf(t, "comments"), "100:p1 101:p1 102:p2 103:p1 104:p1"; got != want {
			t.Errorf("comments after prepared DELETEs of posts 10 and 11 by p1 and p2: %s; want %s", got, want)
		}
		if dialect == "mysql" {
			return // MariaDB has no UPDATE ... RETURNING
		}
		if _, err := Restore(ctx, db, "posts", ""); err != nil {
			t.Fatal(err)
		}
		var id int
		if err := db.QueryRowContext(WithActor(ctx, "q"), c.ph("DELETE FROM users WHERE id = ? RETURNING id"), 1).Scan(&id); err != nil || id != 1 {
			t.Fatalf("DELETE ... RETURNING with an actor: %d, %v", id, err)
		}
		if got, want := c.actorsOf(t, "posts")+" "+c.actorsOf(t, "comments"), "10:q 11:q 20:- 100:q 101:q 102:q 103:q 104:q"; got != want {
			t.Errorf("after DELETE ... RETURNING of user 1 by q: %s; want %s", got, want)
		}
	})
}

// The unique-key warning of a key that a foreign key references, on
// SQLite and MariaDB (PostgreSQL: TestRedTeamPostgresUniqueKeyReferencedByForeignKey).
// The usual fixes would break the key: SQLite reports a foreign key
// mismatch against a partial unique index, and on MariaDB the index on
// (email, alive) lets a deleted and a live user share an email, so a
// Purge of the deleted one cascades to the live one's posts. The warning
// names the foreign key instead, and its fix changes the key first.
func TestRedTeamUniqueKeyReferencedByForeignKey(t *testing.T) {
	check := func(t *testing.T, c *Connector) {
		report, err := c.Check(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, p := range report.Warnings {
			if strings.Contains(p.Problem, "users_email") {
				found = true
				if !strings.Contains(p.Problem, "posts") || strings.Contains(p.Fix, "DROP INDEX") {
					t.Errorf("warning %q, fix %q: want it to name the foreign key from posts, and no DROP INDEX", p.Problem, p.Fix)
				}
			}
		}
		if !found {
			t.Errorf("no warning for users_email: %v", report.Warnings)
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		path, _ := schemaSQLite(t,
			`CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, deleted_at DATETIME)`,
			`CREATE UNIQUE INDEX users_email ON users(email)`,
			`CREATE TABLE posts (id INTEGER PRIMARY KEY, author TEXT REFERENCES users(email) ON DELETE CASCADE, deleted_at DATETIME)`)
		_, c, _ := schemaOpen(t, Config{DriverName: "sqlite3", DSN: path, Tables: []string{"users", "posts"}})
		check(t, c)
	})
	t.Run("mysql", func(t *testing.T) {
		m := mysqlOpen(t, "users,posts", "")
		mysqlExec(t, m.Raw,
			`CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100), deleted_at DATETIME(6) NULL, UNIQUE KEY users_email (email)) ENGINE=InnoDB`,
			`CREATE TABLE posts (id INT PRIMARY KEY, author VARCHAR(100), deleted_at DATETIME(6) NULL,
				FOREIGN KEY (author) REFERENCES users(email) ON DELETE CASCADE) ENGINE=InnoDB`)
		_, c, _ := schemaOpen(t, Config{DriverName: "mysql", DSN: m.InnerDSN, Tables: []string{"users", "posts"}})
		check(t, c)
	})
}

// A SQLite DELETE ... RETURNING records the actor as any soft DELETE
// does: the rewrite before RETURNING takes the actor's parameter, which
// was left out of the arguments (the statement failed with "not enough
// args"), and a numbered parameter in the RETURNING list must not share
// the actor's number.
func TestRedTeamSQLiteReturningActor(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("CREATE TABLE users (id INTEGER PRIMARY KEY, deleted_at DATETIME, deleted_by TEXT); INSERT INTO users (id) VALUES (1), (2), (3), (4)"); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open(DriverName, "driver=sqlite3 tables=users actor=deleted_by dsn="+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := WithActor(context.Background(), "alice")
	for _, c := range []struct {
		q    string
		args []any
		want string
	}{
		{"DELETE FROM users WHERE id = ? RETURNING id, ?", []any{1, "x"}, "1 x"},
		{"DELETE FROM users WHERE id = ?1 RETURNING id, ?2", []any{2, "y"}, "2 y"},
		{"DELETE FROM users WHERE id = :id RETURNING id, :tag", []any{sql.Named("id", 3), sql.Named("tag", "z")}, "3 z"},
		{"DELETE FROM users WHERE id = ? RETURNING id, ?", []any{4, "w"}, "4 w"}, // the same text again, from the cache
	} {
		var id int
		var tag string
		if err := db.QueryRowContext(ctx, c.q, c.args...).Scan(&id, &tag); err != nil || fmt.Sprint(id, " ", tag) != c.want {
			t.Errorf("%s: %d %q %v; want %s", c.q, id, tag, err, c.want)
		}
	}
	var by string
	if err := raw.QueryRow("SELECT group_concat(coalesce(deleted_by, '-') || '@' || (deleted_at IS NOT NULL), ',') FROM users").Scan(&by); err != nil || by != "alice@1,alice@1,alice@1,alice@1" {
		t.Errorf("deleted_by@deleted: %s (%v); want alice@1 for each", by, err)
	}
}

// purgeNullChildDDL: a time parent deleted in 2020 whose children are
// live with a NULL numeric marker (NULL counts as live: a unix child and a
// flag child, both nullable). %[1]s is the marker-time type, %[2]s the
// epoch's, %[3]s the flag's, %[4]s the table options.
var purgeNullChildDDL = []string{
	`CREATE TABLE users (id INT PRIMARY KEY, deleted_at %[1]s NULL)%[4]s`,
	`CREATE TABLE posts (id INT PRIMARY KEY, user_id INT, gone %[2]s NULL,
		CONSTRAINT posts_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE)%[4]s`,
	`CREATE TABLE tags (id INT PRIMARY KEY, user_id INT, hidden %[3]s NULL,
		CONSTRAINT tags_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE)%[4]s`,
	`INSERT INTO users VALUES (1, '2020-01-01 00:00:00'), (2, '2020-01-01 00:00:00'), (3, '2020-01-01 00:00:00')`,
	`INSERT INTO posts VALUES (10, 1, NULL), (20, 2, 0), (30, 3, 1577836800)`,
	`INSERT INTO tags VALUES (100, 1, NULL), (300, 3, NULL)`,
}

// purgeNullChildSQL fills a CREATE TABLE of purgeNullChildDDL with types.
func purgeNullChildSQL(q string, types ...any) string {
	if strings.HasPrefix(q, "CREATE") {
		return fmt.Sprintf(q, types...)
	}
	return q
}

// purgeNullChildTables lists the tables with their kinds.
const purgeNullChildTables = "users,posts:gone:unix,tags:hidden:flag"

// checkPurgeKeepsNullChildren purges users deleted before now, as the
// program's first call (the foreign keys must be read first): user 1
// (live children with NULL markers) and user 2 (a live child with 0)
// stay, user 3 goes with its deleted post once its tag is gone. Nothing
// live may be deleted by the database's ON DELETE CASCADE.
func checkPurgeKeepsNullChildren(t *testing.T, db, raw *sql.DB) {
	t.Helper()
	if _, err := raw.Exec("DELETE FROM tags WHERE id = 300"); err != nil {
		t.Fatal(err)
	}
	res, err := Purge(context.Background(), db, "users", time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var users, posts, tags string
	for q, dst := range map[string]*string{"SELECT id FROM users": &users, "SELECT id FROM posts": &posts, "SELECT id FROM tags": &tags} {
		rows, err := raw.Query(q + " ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for rows.Next() {
			var id int
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, fmt.Sprint(id))
		}
		rows.Close()
		*dst = strings.Join(ids, ",")
	}
	if got, want := "users="+users+" posts="+posts+" tags="+tags, "users=1,2 posts=10,20 tags=100"; got != want {
		t.Errorf("after Purge (kept %d): %s; want %s (a child whose marker is NULL is live and keeps its parent)", res.Kept, got, want)
	}
	if res.Kept != 2 {
		t.Errorf("Kept = %d; want 2", res.Kept)
	}
}

// A live child whose numeric marker is NULL keeps its parent from Purge,
// as one whose marker is 0 does. SQLite and MariaDB (PostgreSQL:
// TestRedTeamPostgresPurgeKeepsNullChildren).
func TestRedTeamPurgeKeepsNullChildren(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		var ddl []string
		for _, q := range purgeNullChildDDL {
			ddl = append(ddl, purgeNullChildSQL(q, "DATETIME", "INTEGER", "BOOLEAN", ""))
		}
		path, _ := schemaSQLite(t, ddl...)
		dsn := path + "?_foreign_keys=1"
		raw, err := sql.Open("sqlite3", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		db, err := sql.Open(DriverName, "driver=sqlite3 tables="+purgeNullChildTables+" check=warn dsn="+dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		checkPurgeKeepsNullChildren(t, db, raw)
	})
	t.Run("mysql", func(t *testing.T) {
		m := mysqlOpen(t, "users", "")
		for _, q := range purgeNullChildDDL {
			mysqlExec(t, m.Raw, purgeNullChildSQL(q, "DATETIME(6)", "BIGINT", "TINYINT", " ENGINE=InnoDB"))
		}
		db, err := sql.Open(DriverName, "driver=mysql tables="+purgeNullChildTables+" check=warn dsn="+m.InnerDSN)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		checkPurgeKeepsNullChildren(t, db, m.Raw)
	})
}

// When the schema check ran under check=warn but could not read the
// schema, the foreign keys are unknown: Purge refuses rather than delete
// parents whose live children the database would then delete.
func TestRedTeamPurgeRefusesWithoutSchema(t *testing.T) {
	var ddl []string
	for _, q := range purgeNullChildDDL {
		ddl = append(ddl, purgeNullChildSQL(q, "DATETIME", "INTEGER", "BOOLEAN", ""))
	}
	path, raw := schemaSQLite(t, ddl...)
	_, c, _ := schemaOpen(t, Config{DriverName: "sqlite3", DSN: path + "?_foreign_keys=1", Tables: strings.Split(purgeNullChildTables, ","), Check: "warn"})
	c.rw.schema.ready.Store(true) // as apply leaves it after a failed read under check=warn
	db := sql.OpenDB(c)
	defer db.Close()
	if _, err := Purge(context.Background(), db, "users", time.Now(), nil); err == nil || !strings.Contains(err.Error(), "foreign keys a purge must follow are unknown") {
		t.Errorf("Purge without a schema: %v; want the refusal", err)
	}
	if n := redCount(t, raw, "users"); n != 3 {
		t.Errorf("%d users left; want 3", n)
	}
}

// The schema check warns at startup of a foreign key between tables of
// which one has a marker of another kind than time: a soft DELETE that
// follows it is refused (PostgreSQL: TestRedTeamPostgresKindRelationWarning).
func TestRedTeamKindRelationWarning(t *testing.T) {
	path, _ := schemaSQLite(t,
		`CREATE TABLE users (id INTEGER PRIMARY KEY, deleted_at DATETIME)`,
		`CREATE TABLE votes (id INTEGER PRIMARY KEY, user_id INT REFERENCES users(id) ON DELETE CASCADE, gone BOOLEAN NOT NULL DEFAULT 0)`,
		`CREATE INDEX votes_user ON votes(user_id)`)
	_, c, _ := schemaOpen(t, Config{DriverName: "sqlite3", DSN: path, Tables: []string{"users", "votes:gone:flag"}})
	wantKindRelationWarning(t, c)
}

// wantKindRelationWarning checks that c's schema check warns of the key
// from votes (a flag) to users (a time marker).
func wantKindRelationWarning(t *testing.T, c *Connector) {
	t.Helper()
	report, err := c.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range report.Warnings {
		if p.Table == "users" && strings.Contains(p.Problem, "joins users (a time marker) to votes (a flag marker): a soft DELETE of users rows that follows it is refused") &&
			strings.Contains(p.Fix, "WithoutCascade") {
			return
		}
	}
	t.Errorf("no warning of the key from votes (a flag) to users:\n%v", report.Warnings)
}

// TestRestrictToNumericChildNamesTheKey: a RESTRICT key to a child with a
// numeric marker stops the parent's soft DELETE (its live children are
// checked by time markers only), and the refusal says so, naming the key
// and its action rather than a cascade's stamp; nothing is stamped.
func TestRestrictToNumericChildNamesTheKey(t *testing.T) {
	path, raw := schemaSQLite(t,
		`CREATE TABLE users (id INTEGER PRIMARY KEY, deleted_at DATETIME)`,
		`CREATE TABLE votes (id INTEGER PRIMARY KEY, user_id INT, gone BOOLEAN NOT NULL DEFAULT 0,
			CONSTRAINT votes_user FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE RESTRICT)`,
		`INSERT INTO users (id) VALUES (1)`, `INSERT INTO votes (id, user_id) VALUES (10, 1)`)
	db, err := sql.Open(DriverName, "driver=sqlite3 tables=users,votes:gone:flag dsn="+path+"?_foreign_keys=1")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = db.Exec("DELETE FROM users WHERE id = 1")
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "through foreign key") || !strings.Contains(err.Error(), "ON DELETE RESTRICT") {
		t.Fatalf("DELETE of a parent with a RESTRICT flag child: %v; want a refusal naming the key and RESTRICT", err)
	}
	var n int
	if err := raw.QueryRow("SELECT count(*) FROM users WHERE deleted_at IS NOT NULL").Scan(&n); err != nil || n != 0 {
		t.Errorf("stamped users: %d, %v; want none", n, err)
	}
}
