package softdelete

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// cascadeDDL is the schema of the cascade tests, depth 3 with mixed
// actions: users <- posts (CASCADE) <- comments (CASCADE, and CASCADE to
// itself through parent_id) <- likes (RESTRICT); users <- profiles (SET
// NULL); users <- audit (CASCADE, not listed). %[1]s is the key type, %[2]s
// the marker's, %[3]s the table options.
var cascadeDDL = []string{
	`CREATE TABLE users (id %[1]s PRIMARY KEY, name VARCHAR(20), deleted_at %[2]s NULL)%[3]s`,
	`CREATE TABLE posts (id %[1]s PRIMARY KEY, user_id %[1]s, deleted_at %[2]s NULL,
		CONSTRAINT fk_posts_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE)%[3]s`,
	`CREATE TABLE comments (id %[1]s PRIMARY KEY, post_id %[1]s, parent_id %[1]s NULL, deleted_at %[2]s NULL,
		CONSTRAINT fk_comments_post FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE,
		CONSTRAINT fk_comments_parent FOREIGN KEY (parent_id) REFERENCES comments (id) ON DELETE CASCADE)%[3]s`,
	`CREATE TABLE likes (id %[1]s PRIMARY KEY, comment_id %[1]s, deleted_at %[2]s NULL,
		CONSTRAINT fk_likes_comment FOREIGN KEY (comment_id) REFERENCES comments (id) ON DELETE RESTRICT)%[3]s`,
	`CREATE TABLE profiles (id %[1]s PRIMARY KEY, user_id %[1]s NULL, deleted_at %[2]s NULL,
		CONSTRAINT fk_profiles_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL)%[3]s`,
	`CREATE TABLE audit (id %[1]s PRIMARY KEY, user_id %[1]s,
		CONSTRAINT fk_audit_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE)%[3]s`,
}

// cascadeRows is the fixture: user 1 has posts 10 and 11; post 10 has
// comments 100, 101 (a reply to 100) and 104; post 11 has 102, liked by
// 1000; user 2 has post 20, whose comment 103 replies to 101, and profile
// 7.
var cascadeRows = []string{
	`INSERT INTO users (id, name) VALUES (1, 'ann'), (2, 'bob'), (3, 'cid')`,
	`INSERT INTO posts (id, user_id) VALUES (10, 1), (11, 1), (20, 2)`,
	`INSERT INTO comments (id, post_id, parent_id) VALUES (100, 10, NULL), (101, 10, 100), (104, 10, NULL), (102, 11, NULL), (103, 20, 101)`,
	`INSERT INTO likes (id, comment_id) VALUES (1000, 102)`,
	`INSERT INTO profiles (id, user_id) VALUES (7, 2)`,
	`INSERT INTO audit (id, user_id) VALUES (1, 1)`,
}

const cascadeTables = "users,posts,comments,likes,profiles"

// cascadeDB is the fixture opened through softdelete (DB) and raw.
type cascadeDB struct {
	dialect string
	DB, Raw *sql.DB
	open    func(keys string) *sql.DB // another softdelete handle, with extra DSN keys
	pg      bool                      // PostgreSQL: $N placeholders, ::text
}

// cascadeOpeners open the fixture on more servers (cascade_pg_test.go,
// -tags postgres), by dialect name: they set c.Raw and c.open and return
// the DDL.
var cascadeOpeners = map[string]func(t *testing.T, c *cascadeDB) []string{}

// ph writes q's ? placeholders as the fixture's server reads them.
func (c *cascadeDB) ph(q string) string {
	if !c.pg {
		return q
	}
	return dollarPlaceholders(q)
}

// dollarPlaceholders turns each ? of q into $1, $2, ... (the tests' SQL
// has no ? in strings).
func dollarPlaceholders(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// asText casts a column to text in the fixture's SQL.
func (c *cascadeDB) asText(col string) string {
	if c.pg {
		return col + "::text"
	}
	return "CAST(" + col + " AS CHAR)"
}

// cascadeOpen creates the fixture on SQLite (foreign keys enforced unless
// fkOff) or, with SOFTDELETE_MYSQL_DSN, on MariaDB.
func cascadeOpen(t *testing.T, dialect string, fkOff bool, keys string) *cascadeDB {
	t.Helper()
	c := &cascadeDB{dialect: dialect}
	var ddl []string
	if dialect == "sqlite" {
		path := filepath.Join(t.TempDir(), "cascade.db")
		inner := path + "?_busy_timeout=10000&_foreign_keys=1"
		if fkOff {
			inner = path + "?_busy_timeout=10000&_foreign_keys=0"
		}
		raw, err := sql.Open("sqlite3", inner)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.Close() })
		c.Raw = raw
		c.open = func(keys string) *sql.DB {
			db, err := sql.Open(DriverName, "driver=sqlite3 tables="+cascadeTables+" "+keys+" dsn="+inner)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}
		for _, q := range cascadeDDL {
			ddl = append(ddl, fmt.Sprintf(q, "INTEGER", "DATETIME", ""))
		}
	} else if open := cascadeOpeners[dialect]; open != nil {
		ddl = open(t, c)
	} else {
		m := mysqlOpen(t, cascadeTables, "")
		c.Raw = m.Raw
		c.open = func(keys string) *sql.DB {
			db, err := sql.Open(DriverName, "driver=mysql tables="+cascadeTables+" "+keys+" dsn="+m.InnerDSN)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}
		for _, q := range cascadeDDL {
			ddl = append(ddl, fmt.Sprintf(q, "INT", "DATETIME(6)", " ENGINE=InnoDB"))
		}
	}
	for _, q := range append(ddl, cascadeRows...) {
		if _, err := c.Raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	c.DB = c.open("check=warn " + keys)
	return c
}

// cascadeDialects runs f on SQLite and, when SOFTDELETE_MYSQL_DSN is set,
// on MariaDB.
func cascadeDialects(t *testing.T, f func(t *testing.T, dialect string)) {
	t.Run("sqlite", func(t *testing.T) { f(t, "sqlite") })
	t.Run("mysql", func(t *testing.T) { mysqlBaseConfig(t); f(t, "mysql") })
	names := make([]string, 0, len(cascadeOpeners))
	for name := range cascadeOpeners {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) { f(t, name) })
	}
}

// deletedIDs returns the ids of a table's deleted rows, grouped by stamp:
// "1,10,11|2" lists the ids of each stamp, stamps in order.
func (c *cascadeDB) deletedIDs(t *testing.T, table string) string {
	t.Helper()
	rows, err := c.Raw.Query("SELECT id, " + c.asText("deleted_at") + " FROM " + table + " WHERE deleted_at IS NOT NULL ORDER BY deleted_at, id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var groups []string
	last := ""
	for rows.Next() {
		var id int
		var stamp string
		if err := rows.Scan(&id, &stamp); err != nil {
			t.Fatal(err)
		}
		if stamp != last || len(groups) == 0 {
			groups = append(groups, "")
		} else {
			groups[len(groups)-1] += ","
		}
		groups[len(groups)-1] += fmt.Sprint(id)
		last = stamp
	}
	return strings.Join(groups, "|")
}

// stampOf returns the deleted_at of one row as text, or "" if live.
func (c *cascadeDB) stampOf(t *testing.T, table string, id int) string {
	t.Helper()
	var s sql.NullString
	if err := c.Raw.QueryRow("SELECT "+c.asText("deleted_at")+" FROM "+table+" WHERE id = "+c.ph("?"), id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s.String
}

// state lists the deleted ids of every listed table.
func (c *cascadeDB) state(t *testing.T) string {
	t.Helper()
	var parts []string
	for _, tb := range strings.Split(cascadeTables, ",") {
		parts = append(parts, tb+"="+c.deletedIDs(t, tb))
	}
	return strings.Join(parts, " ")
}

func TestCascadeDeleteDepth3MixedActions(t *testing.T) {
	cascadeDialects(t, func(t *testing.T, dialect string) {
		c := cascadeOpen(t, dialect, false, "")
		ctx := context.Background()
		// Like 1000 still references comment 102 of post 11 of user 1:
		// RESTRICT stops the DELETE, and nothing changes.
		_, err := c.DB.ExecContext(ctx, c.ph("DELETE FROM users WHERE id = ?"), 1)
		var re *RestrictedError
		if !errors.As(err, &re) || !errors.Is(err, ErrRestricted) || re.Child != "likes" || !strings.Contains(err.Error(), "likes") {
			t.Fatalf("DELETE of user 1 with a live like: %v; want a RestrictedError naming likes", err)
		}
		if got := c.state(t); got != "users= posts= comments= likes= profiles=" {
			t.Fatalf("after the refused DELETE: %s; want nothing deleted", got)
		}
		if n := cexec(t, ctx, c.DB, "DELETE FROM likes WHERE id = 1000"); n != 1 {
			t.Fatalf("DELETE of the like: %d rows", n)
		}
		// Now user 1 goes with posts 10, 11, comments 100, 101, 104, 102
		// and, through parent_id, 103 of user 2's post: one stamp.
		if n := cexec(t, ctx, c.DB, c.ph("DELETE FROM users WHERE id = ?"), 1); n != 1 {
			t.Errorf("RowsAffected = %d; want 1, the DELETE's own target", n)
		}
		if got, want := c.state(t), "users=1 posts=10,11 comments=100,101,102,103,104 likes=1000 profiles="; got != want {
			t.Errorf("after DELETE of user 1: %s; want %s", got, want)
		}
		s := c.stampOf(t, "users", 1)
		for _, row := range []struct {
			table string
			id    int
		}{{"posts", 10}, {"posts", 11}, {"comments", 100}, {"comments", 101}, {"comments", 102}, {"comments", 103}, {"comments", 104}} {
			if got := c.stampOf(t, row.table, row.id); got != s {
				t.Errorf("%s %d stamped %q; want the user's stamp %q", row.table, row.id, got, s)
			}
		}
		if like := c.stampOf(t, "likes", 1000); like == s || like == "" {
			t.Errorf("like 1000 stamped %q: want its own, earlier stamp, not %q", like, s)
		}
		var audit int
		if err := c.Raw.QueryRow("SELECT count(*) FROM audit").Scan(&audit); err != nil || audit != 1 {
			t.Errorf("audit (not listed) has %d rows, %v; want its row kept", audit, err)
		}
		// User 2 has a profile through a SET NULL key: refused, unchanged.
		_, err = c.DB.ExecContext(ctx, "DELETE FROM users WHERE id = 2")
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "SET NULL") || !strings.Contains(err.Error(), "profiles") {
			t.Errorf("DELETE of user 2 with a SET NULL profile: %v; want a refusal naming profiles and SET NULL", err)
		}
		if got := c.stampOf(t, "users", 2); got != "" {
			t.Errorf("user 2 stamped %q after the refusal", got)
		}
		// WithoutCascade stamps the user alone.
		if n := cexec(t, WithoutCascade(ctx), c.DB, "DELETE FROM users WHERE id = 2"); n != 1 {
			t.Errorf("WithoutCascade DELETE: %d rows", n)
		}
		if got := c.stampOf(t, "posts", 20); got != "" {
			t.Errorf("post 20 stamped %q under WithoutCascade", got)
		}
		// WithForce is a real DELETE: the database cascades.
		if n := cexec(t, WithForce(WithIncludeDeleted(ctx)), c.DB, "DELETE FROM likes"); n != 1 {
			t.Errorf("raw DELETE of likes: %d", n)
		}
		if n := cexec(t, WithForce(WithIncludeDeleted(ctx)), c.DB, "DELETE FROM users WHERE id = 1"); n != 1 {
			t.Errorf("forced DELETE of user 1: %d", n)
		}
		var posts int
		if err := c.Raw.QueryRow("SELECT count(*) FROM posts WHERE user_id = 1").Scan(&posts); err != nil || posts != 0 {
			t.Errorf("posts of user 1 after the forced DELETE: %d, %v; want 0 (the database cascaded)", posts, err)
		}
	})
}

func TestCascadeRestoreIsExact(t *testing.T) {
	cascadeDialects(t, func(t *testing.T, dialect string) {
		c := cascadeOpen(t, dialect, false, "")
		ctx := context.Background()
		// Comment A (104) first, then its post P (10), which cascades to
		// 100, 101 and, through parent_id, 103.
		cexec(t, ctx, c.DB, "DELETE FROM comments WHERE id = 104")
		cexec(t, ctx, c.DB, c.ph("DELETE FROM posts WHERE id = ?"), 10)
		if got, want := c.deletedIDs(t, "comments"), "104|100,101,103"; got != want {
			t.Fatalf("deleted comments by stamp: %s; want %s", got, want)
		}
		res, err := Restore(ctx, c.DB, "posts", c.ph("id = ?"), 10)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Errorf("Restore RowsAffected = %d; want 1 (post 10)", n)
		}
		if got, want := c.state(t), "users= posts= comments=104 likes= profiles="; got != want {
			t.Errorf("after Restore of post 10: %s; want %s (A stays deleted)", got, want)
		}
		// A tree deleted from the user, restored from the user; a post
		// deleted before stays deleted.
		cexec(t, ctx, c.DB, "DELETE FROM likes")
		cexec(t, ctx, c.DB, "DELETE FROM posts WHERE id = 11")
		cexec(t, ctx, c.DB, "DELETE FROM users WHERE id = 1")
		if _, err := Restore(ctx, c.DB, "users", c.ph("name = ?"), "ann"); err != nil {
			t.Fatal(err)
		}
		if got, want := c.state(t), "users= posts=11 comments=104|102 likes=1000 profiles="; got != want {
			t.Errorf("after Restore of user 1: %s; want %s", got, want)
		}
		// Restore of every deleted post: each with its own cascade.
		if _, err := Restore(ctx, c.DB, "posts", ""); err != nil {
			t.Fatal(err)
		}
		if got, want := c.state(t), "users= posts= comments=104 likes=1000 profiles="; got != want {
			t.Errorf("after Restore of all posts: %s; want %s", got, want)
		}
		// WithoutCascade restores the matching rows only.
		cexec(t, ctx, c.DB, "DELETE FROM posts WHERE id = 20")
		if _, err := Restore(WithoutCascade(ctx), c.DB, "posts", "id = 20"); err != nil {
			t.Fatal(err)
		}
		if got, want := c.state(t), "users= posts= comments=104|103 likes=1000 profiles="; got != want {
			t.Errorf("after Restore WithoutCascade: %s; want %s", got, want)
		}
	})
}

func TestCascadeInCallersTransaction(t *testing.T) {
	cascadeDialects(t, func(t *testing.T, dialect string) {
		c := cascadeOpen(t, dialect, false, "")
		ctx := context.Background()
		tx, err := c.DB.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		cexec(t, ctx, tx, "DELETE FROM posts WHERE id = 20")
		// Fails on the like: the savepoint is rolled back, the transaction
		// goes on, with post 20's cascade in it.
		if _, err := tx.ExecContext(ctx, "DELETE FROM posts WHERE id = 11"); !errors.Is(err, ErrRestricted) {
			t.Fatalf("DELETE of post 11: %v; want ErrRestricted", err)
		}
		cexec(t, ctx, tx, "DELETE FROM comments WHERE id = 104")
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if got, want := c.state(t), "users= posts=20 comments=103|104 likes= profiles="; got != want {
			t.Errorf("after the transaction: %s; want %s", got, want)
		}
		// A rolled-back transaction undoes a cascade.
		tx, err = c.DB.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		cexec(t, ctx, tx, "DELETE FROM posts WHERE id = 10")
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if got, want := c.state(t), "users= posts=20 comments=103|104 likes= profiles="; got != want {
			t.Errorf("after the rollback: %s; want %s", got, want)
		}
		// A prepared DELETE cascades too.
		st, err := c.DB.PrepareContext(ctx, c.ph("DELETE FROM posts WHERE id = ?"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, err := st.ExecContext(ctx, 10); err != nil {
			t.Fatal(err)
		}
		if got, want := c.deletedIDs(t, "comments"), "103|104|100,101"; got != want {
			t.Errorf("after the prepared DELETE: comments %s; want %s", got, want)
		}
	})
}

func TestCascadeFollowsEnforcedOrDeclaredOnly(t *testing.T) {
	c := cascadeOpen(t, "sqlite", true, "")
	ctx := context.Background()
	cexec(t, ctx, c.DB, "DELETE FROM posts WHERE id = 10")
	if got := c.deletedIDs(t, "comments"); got != "" {
		t.Errorf("PRAGMA foreign_keys off: comments %q deleted; want none followed", got)
	}
	db := c.open("check=warn cascade=comments.post_id->posts.id")
	cexec(t, ctx, db, "DELETE FROM posts WHERE id = 11")
	if got := c.deletedIDs(t, "comments"); got != "102" {
		t.Errorf("cascade=comments.post_id->posts.id: comments %q deleted; want 102", got)
	}
	if got := c.stampOf(t, "comments", 102); got != c.stampOf(t, "posts", 11) {
		t.Errorf("comment 102 stamped %q, post 11 %q: want one stamp", got, c.stampOf(t, "posts", 11))
	}
	on := cascadeOpen(t, "sqlite", false, "")
	ignore := on.open("check=warn foreign_keys=ignore")
	cexec(t, ctx, ignore, "DELETE FROM posts WHERE id = 10")
	if got := on.deletedIDs(t, "comments"); got != "" {
		t.Errorf("foreign_keys=ignore: comments %q deleted; want none", got)
	}
}

func TestCascadeConfigErrors(t *testing.T) {
	for _, tc := range []struct{ keys, want string }{
		{"cascade=comments.post_id", "no ->"},
		{"cascade=comments->posts.id", "table.column"},
		{"cascade=tags.post_id->posts.id", "tags is not a listed table"},
		{"cascade=comments.post_id->tags.id", "tags is not a listed table"},
		{"foreign_keys=maybe", "not follow or ignore"},
		{"foreign_keys=ignore cascade=comments.post_id->posts.id", "drop one of them"},
	} {
		_, err := sql.Open(DriverName, "driver=sqlite3 tables=users,posts,comments "+tc.keys+" dsn=:memory:")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want an error containing %q", tc.keys, err, tc.want)
		}
	}
}

// TestCascadeConcurrentOverlappingTrees deletes users and their posts
// from two goroutines at once: every statement applies whole or not at
// all, and no live comment or post is left under a deleted parent.
func TestCascadeConcurrentOverlappingTrees(t *testing.T) {
	cascadeDialects(t, func(t *testing.T, dialect string) {
		c := cascadeOpen(t, dialect, false, "")
		ctx := context.Background()
		cexec(t, ctx, c.Raw, "DELETE FROM likes")
		const n = 40
		for i := 0; i < n; i++ {
			u, p := 100+i, 1000+i
			cexec(t, ctx, c.Raw, c.ph("INSERT INTO users (id, name) VALUES (?, 'u')"), u)
			cexec(t, ctx, c.Raw, c.ph("INSERT INTO posts (id, user_id) VALUES (?, ?), (?, ?)"), p, u, p+n, u)
			cexec(t, ctx, c.Raw, c.ph("INSERT INTO comments (id, post_id, parent_id) VALUES (?, ?, NULL), (?, ?, ?)"), 10*p, p, 10*p+1, p+n, 10*p)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 2*n)
		for g := 0; g < 2; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < n; i++ {
					q, arg := c.ph("DELETE FROM users WHERE id = ?"), 100+i
					if g == 1 {
						q, arg = c.ph("DELETE FROM posts WHERE id = ?"), 1000+i
					}
					if _, err := c.DB.ExecContext(ctx, q, arg); err != nil && !isDeadlock(err) {
						errs <- err
					}
				}
			}(g)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		for _, q := range []string{
			"SELECT count(*) FROM posts p JOIN users u ON p.user_id = u.id WHERE u.deleted_at IS NOT NULL AND p.deleted_at IS NULL",
			"SELECT count(*) FROM comments c JOIN posts p ON c.post_id = p.id WHERE p.deleted_at IS NOT NULL AND c.deleted_at IS NULL",
			"SELECT count(*) FROM comments c JOIN comments p ON c.parent_id = p.id WHERE p.deleted_at IS NOT NULL AND c.deleted_at IS NULL",
		} {
			var k int
			if err := c.Raw.QueryRow(q).Scan(&k); err != nil || k != 0 {
				t.Errorf("%s: %d, %v; want 0 live children of deleted parents", q, k, err)
			}
		}
		var users int
		if err := c.Raw.QueryRow("SELECT count(*) FROM users WHERE id >= 100 AND deleted_at IS NULL").Scan(&users); err != nil || users != 0 {
			t.Errorf("%d users left live, %v", users, err)
		}
	})
}

// isDeadlock reports a MariaDB deadlock or lock wait timeout, or a
// PostgreSQL deadlock (40P01): the
// statement was rolled back whole, which the test accepts.
func isDeadlock(err error) bool {
	s := err.Error()
	return strings.Contains(s, "1213") || strings.Contains(s, "1205") || strings.Contains(s, "40P01")
}

// TestCascadeStampsIncrease checks that stamps are strictly increasing,
// even when the clock gives the same time twice.
func TestCascadeStampsIncrease(t *testing.T) {
	var stamps []string
	now := time.Now().UTC()
	for i := 0; i < 3; i++ {
		stamps = append(stamps, nextStamp(now).Format(stampLayout))
	}
	if !sort.StringsAreSorted(stamps) || stamps[0] == stamps[1] || stamps[1] == stamps[2] {
		t.Errorf("stamps %v; want strictly increasing", stamps)
	}
}

// cexec runs one statement and returns its RowsAffected.
func cexec(t *testing.T, ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, q string, args ...any) int64 {
	t.Helper()
	res, err := db.ExecContext(ctx, q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		t.Fatalf("%s: RowsAffected: %v", q, err)
	}
	return n
}

// TestMySQLCascadeNeedsMicroseconds: a marker of whole seconds cannot
// tell one DELETE's stamp from another's, so a cascade through it is
// refused with the ALTER TABLE that fixes it, and nothing changes.
func TestMySQLCascadeNeedsMicroseconds(t *testing.T) {
	mysqlBaseConfig(t)
	m := mysqlOpen(t, "users,posts", "")
	mysqlExec(t, m.Raw,
		"CREATE TABLE users (id INT PRIMARY KEY, deleted_at DATETIME NULL) ENGINE=InnoDB",
		"CREATE TABLE posts (id INT PRIMARY KEY, user_id INT, deleted_at DATETIME(6) NULL, FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE) ENGINE=InnoDB",
		"INSERT INTO users VALUES (1, NULL)", "INSERT INTO posts VALUES (10, 1, NULL)")
	ctx := context.Background()
	_, err := m.DB.ExecContext(ctx, "DELETE FROM users WHERE id = 1")
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "ALTER TABLE users MODIFY deleted_at DATETIME(6) NULL") {
		t.Fatalf("cascade through a DATETIME marker: %v; want a refusal with the ALTER TABLE", err)
	}
	var n int
	if err := m.Raw.QueryRow("SELECT count(*) FROM users WHERE deleted_at IS NOT NULL").Scan(&n); err != nil || n != 0 {
		t.Errorf("%d users deleted, %v; want none", n, err)
	}
	if _, err := m.DB.ExecContext(WithoutCascade(ctx), "DELETE FROM users WHERE id = 1"); err != nil {
		t.Errorf("WithoutCascade: %v", err)
	}
	// Restore brings the row back (the matching rows only: a token of
	// microseconds would be rounded in the column, and no cascade could
	// have run through it).
	if _, err := Restore(ctx, m.DB, "users", "id = 1"); err != nil {
		t.Fatal(err)
	}
	if err := m.Raw.QueryRow("SELECT count(*) FROM users WHERE deleted_at IS NOT NULL").Scan(&n); err != nil || n != 0 {
		t.Errorf("after Restore: %d users deleted, %v; want none", n, err)
	}
}

func TestContainsDelete(t *testing.T) {
	for q, want := range map[string]bool{
		"DELETE FROM users": true, "/* x */ delete from users": true, "with x as (select 1) DeLeTe from users": true,
		"SELECT deleted_at FROM users": true, // a candidate only: the probe decides "UPDATE users SET a = 1": false, "delet": false, "": false, "DELETE": true,
		"d\x00elete":                   false, "\xc4\xc5\xcc\xc5\xd4\xc5": false,
	} {
		if got := containsDelete(q); got != want {
			t.Errorf("containsDelete(%q) = %v; want %v", q, got, want)
		}
	}
}

// A transaction begun as text (BEGIN, or autocommit off) is not one
// database/sql knows of: the cascade must run in a SAVEPOINT of it, as its
// own START TRANSACTION would commit the caller's work, which the caller's
// ROLLBACK could then no longer undo.
func TestMySQLCascadeInTextTransaction(t *testing.T) {
	mysqlBaseConfig(t)
	m := mysqlOpen(t, "users,posts", "")
	mysqlExec(t, m.Raw,
		"CREATE TABLE users (id INT PRIMARY KEY, name TEXT, deleted_at DATETIME(6) NULL) ENGINE=InnoDB",
		"CREATE TABLE posts (id INT PRIMARY KEY, user_id INT, deleted_at DATETIME(6) NULL, FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE) ENGINE=InnoDB",
		"INSERT INTO users VALUES (1, 'a', NULL), (2, 'b', NULL)", "INSERT INTO posts VALUES (10, 1, NULL)")
	ctx := context.Background()
	for _, begin := range []string{"BEGIN", "SET autocommit = 0"} {
		conn, err := m.DB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{begin, "UPDATE users SET name = 'changed' WHERE id = 2", "DELETE FROM users WHERE id = 1", "ROLLBACK"} {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %s: %v", begin, q, err)
			}
		}
		conn.ExecContext(ctx, "SET autocommit = 1")
		conn.Close()
		var deleted, changed int
		if err := m.Raw.QueryRow("SELECT (SELECT count(*) FROM users WHERE deleted_at IS NOT NULL) + (SELECT count(*) FROM posts WHERE deleted_at IS NOT NULL), (SELECT count(*) FROM users WHERE name = 'changed')").Scan(&deleted, &changed); err != nil {
			t.Fatal(err)
		}
		if deleted != 0 || changed != 0 {
			t.Errorf("after %s ... ROLLBACK: %d rows still deleted, %d still changed; want the rollback to undo all", begin, deleted, changed)
		}
	}
}

// A soft DELETE ... RETURNING sent through Query (prepared or not)
// cascades as through Exec, and returns the DELETE's own rows.
func TestCascadeDeleteReturningThroughQuery(t *testing.T) {
	cascadeDialects(t, func(t *testing.T, dialect string) {
		if dialect == "mysql" {
			t.Skip("MariaDB has no UPDATE ... RETURNING: a soft DELETE ... RETURNING is refused there")
		}
		c := cascadeOpen(t, dialect, false, "")
		ctx := context.Background()
		ids := func(rows *sql.Rows, err error) string {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var id int
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				out = append(out, fmt.Sprint(id))
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return strings.Join(out, ",")
		}
		if got := ids(c.DB.QueryContext(ctx, c.ph("DELETE FROM posts WHERE id = ? RETURNING id"), 10)); got != "10" {
			t.Errorf("RETURNING gave %q; want 10", got)
		}
		if got, want := c.state(t), "users= posts=10 comments=100,101,103,104 likes= profiles="; got != want {
			t.Errorf("after DELETE ... RETURNING through Query: %s; want %s", got, want)
		}
		if s := c.stampOf(t, "posts", 10); c.stampOf(t, "comments", 103) != s {
			t.Errorf("comment 103 stamped %q; want the post's %q", c.stampOf(t, "comments", 103), s)
		}
		_, err := c.DB.QueryContext(ctx, "DELETE FROM posts WHERE id = 11 RETURNING id")
		if !errors.Is(err, ErrRestricted) {
			t.Errorf("DELETE ... RETURNING of post 11 (a live like): %v; want ErrRestricted", err)
		}
		tx, err := c.DB.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		st, err := tx.PrepareContext(ctx, c.ph("DELETE FROM posts WHERE id = ? RETURNING id"))
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(st.QueryContext(ctx, 20)); got != "20" {
			t.Errorf("prepared RETURNING gave %q; want 20", got)
		}
		st.Close()
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if got, want := c.state(t), "users= posts=10 comments=100,101,103,104 likes= profiles="; got != want {
			t.Errorf("after the rolled-back prepared DELETE: %s; want %s", got, want)
		}
	})
}
