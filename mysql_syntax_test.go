package softdelete

// MySQL/MariaDB-only syntax on the live server: multi-table DELETE and
// UPDATE, DELETE ... ORDER BY ... LIMIT, INSERT ... ON DUPLICATE KEY UPDATE,
// INSERT ... SELECT, backslash escapes, backticks, db.table, locking reads,
// hints and comments. The helpers and the fixture are in mysql_test.go.

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// mysqlSyntaxFixture is the core fixture with DATETIME(6) columns and
// parseTime=true.
func mysqlSyntaxFixture(t *testing.T) *mysqlTestDB {
	return mysqlFixture(t, "DATETIME(6)", "parseTime=true")
}

func TestMySQLMultiTableDelete(t *testing.T) {
	mysqlBaseConfig(t)
	ctx := context.Background()
	t.Run("BothSoft", func(t *testing.T) {
		m := mysqlSyntaxFixture(t)
		db, raw := m.DB, m.Raw
		// Alice (1) and her live post 10 are stamped; her deleted post 11
		// keeps its stamp (the join sees only live rows).
		if n := mysqlAffected(t, ctx, db, "DELETE u, p FROM users u JOIN posts p ON p.user_id = u.id WHERE u.id = 1"); n != 2 {
			t.Errorf("DELETE u, p: %d rows affected, want 2", n)
		}
		mysqlWantRecentStamp(t, raw, "users", "deleted_at", 1)
		mysqlWantRecentStamp(t, raw, "posts", "deleted_at", 10)
		if got := mysqlStamp(t, raw, "posts", "deleted_at", 11); got != mysqlOldStamp {
			t.Errorf("posts 11 restamped: %s", got)
		}
		mysqlCheck(t, ctx, raw, "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM posts)", "5|6")
		// Unaliased tables, and the target list naming them.
		if n := mysqlAffected(t, ctx, db, "DELETE users, posts FROM users JOIN posts ON posts.user_id = users.id WHERE users.id = 3"); n != 2 {
			t.Errorf("DELETE users, posts: %d rows affected, want 2 (carol and post 14)", n)
		}
		mysqlWantRecentStamp(t, raw, "users", "deleted_at", 3)
		mysqlWantRecentStamp(t, raw, "posts", "deleted_at", 14)
		if got := mysqlStamp(t, raw, "posts", "deleted_at", 13); got != mysqlOldStamp {
			t.Errorf("posts 13 restamped: %s", got)
		}
		mysqlCheck(t, ctx, db, "SELECT id FROM users ORDER BY id", "5")
	})
	t.Run("OneTargetOfAJoin", func(t *testing.T) {
		m := mysqlSyntaxFixture(t)
		db, raw := m.DB, m.Raw
		// bob is deleted, so the join sees none of his posts: post 12 stays.
		if n := mysqlAffected(t, ctx, db, "DELETE p FROM posts p JOIN users u ON u.id = p.user_id WHERE u.name = 'bob'"); n != 0 {
			t.Errorf("DELETE of posts of deleted bob: %d rows affected, want 0", n)
		}
		if got := mysqlStamp(t, raw, "posts", "deleted_at", 12); got != "NULL" {
			t.Errorf("posts 12: %s, want NULL", got)
		}
		// Users without live posts: erin only (LEFT JOIN, filter in ON).
		if n := mysqlAffected(t, ctx, db, "DELETE u FROM users u LEFT JOIN posts p ON p.user_id = u.id WHERE p.id IS NULL"); n != 1 {
			t.Errorf("DELETE of users without posts: %d rows affected, want 1", n)
		}
		mysqlWantRecentStamp(t, raw, "users", "deleted_at", 5)
		mysqlCheck(t, ctx, raw, "SELECT id FROM users WHERE deleted_at IS NULL ORDER BY id", "1", "3")
		// A plain table joined to a soft target.
		if n := mysqlAffected(t, ctx, db, "DELETE p FROM posts p JOIN tags t ON t.post_id = p.id"); n != 1 {
			t.Errorf("DELETE of tagged posts: %d rows affected, want 1 (post 10)", n)
		}
		mysqlWantRecentStamp(t, raw, "posts", "deleted_at", 10)
		mysqlCheck(t, ctx, raw, "SELECT COUNT(*) FROM tags", "3")
	})
	t.Run("MixedSoftAndPlainRefused", func(t *testing.T) {
		m := mysqlSyntaxFixture(t)
		db, raw := m.DB, m.Raw
		_, err := db.ExecContext(ctx, "DELETE p, t FROM posts p JOIN tags t ON t.post_id = p.id WHERE p.id = 10")
		mysqlWantRefused(t, "DELETE of a soft and a plain table", err)
		var re *RefusedError
		if errors.As(err, &re) && re.Table != "posts" {
			t.Errorf("RefusedError.Table = %q, want posts", re.Table)
		}
		mysqlCheck(t, ctx, raw, "SELECT COUNT(*) FROM tags", "3")
		if got := mysqlStamp(t, raw, "posts", "deleted_at", 10); got != "NULL" {
			t.Errorf("posts 10 after a refused DELETE: %s", got)
		}
		// WithForce: a real multi-table DELETE of what the join sees.
		if n := mysqlAffected(t, WithForce(ctx), db, "DELETE p, t FROM posts p JOIN tags t ON t.post_id = p.id"); n != 2 {
			t.Errorf("forced DELETE p, t: %d rows affected, want 2 (post 10 and tag 1)", n)
		}
		mysqlCheck(t, ctx, raw, "SELECT id FROM tags ORDER BY id", "2", "3")
		mysqlCheck(t, ctx, raw, "SELECT id FROM posts ORDER BY id", "11", "12", "13", "14", "15")
	})
	t.Run("MultiTableUpdate", func(t *testing.T) {
		m := mysqlSyntaxFixture(t)
		db, raw := m.DB, m.Raw
		if n := mysqlAffected(t, ctx, db, "UPDATE users u JOIN posts p ON p.user_id = u.id SET p.title = CONCAT(u.name, ':', p.title)"); n != 2 {
			t.Errorf("multi-table UPDATE: %d rows affected, want 2", n)
		}
		mysqlCheck(t, ctx, raw, "SELECT id, title FROM posts ORDER BY id",
			"10|alice:a1", "11|a2", "12|b1", "13|c1", "14|carol:c2", "15|d1")
		if n := mysqlAffected(t, WithIncludeDeleted(ctx, "posts"), db, "UPDATE users u JOIN posts p ON p.user_id = u.id SET p.title = UPPER(p.title), u.name = UPPER(u.name)"); n != 6 {
			t.Errorf("multi-table UPDATE with deleted posts: %d rows affected, want 6 (4 posts, 2 users)", n)
		}
		mysqlCheck(t, ctx, raw, "SELECT id, title FROM posts ORDER BY id",
			"10|ALICE:A1", "11|A2", "12|b1", "13|C1", "14|CAROL:C2", "15|d1")
		mysqlCheck(t, ctx, raw, "SELECT name FROM users ORDER BY id", "ALICE", "bob", "CAROL", "dave", "erin")
	})
}

func TestMySQLDeleteOrderByLimit(t *testing.T) {
	mysqlBaseConfig(t)
	ctx := context.Background()
	m := mysqlSyntaxFixture(t)
	db, raw := m.DB, m.Raw
	// The highest live user is 5, then 3 (4 is deleted already).
	for _, want := range []int{5, 3} {
		if n := mysqlAffected(t, ctx, db, "DELETE FROM users ORDER BY id DESC LIMIT 1"); n != 1 {
			t.Errorf("DELETE ... LIMIT 1: %d rows affected, want 1", n)
		}
		mysqlWantRecentStamp(t, raw, "users", "deleted_at", want)
	}
	if got := mysqlStamp(t, raw, "users", "deleted_at", 4); got != mysqlOldStamp {
		t.Errorf("users 4 restamped: %s", got)
	}
	mysqlCheck(t, ctx, db, "SELECT id FROM users", "1")
	// With a parameter as the limit.
	if n := mysqlAffected(t, ctx, db, "DELETE FROM posts WHERE title LIKE ? ORDER BY id LIMIT ?", "%", 2); n != 2 {
		t.Errorf("DELETE ... LIMIT ?: %d rows affected, want 2", n)
	}
	mysqlCheck(t, ctx, raw, "SELECT id FROM posts WHERE deleted_at IS NULL", "14")
	// UPDATE ... ORDER BY ... LIMIT skips deleted rows too.
	if n := mysqlAffected(t, WithIncludeDeleted(ctx), db, "UPDATE users SET name = 'x' ORDER BY id LIMIT 2"); n != 2 {
		t.Errorf("UPDATE ... LIMIT under WithIncludeDeleted: %d rows, want 2", n)
	}
	if n := mysqlAffected(t, ctx, db, "UPDATE users SET name = 'y' ORDER BY id DESC LIMIT 2"); n != 1 {
		t.Errorf("UPDATE ... LIMIT: %d rows, want 1 (the only live user)", n)
	}
	mysqlCheck(t, ctx, raw, "SELECT name FROM users ORDER BY id", "y", "x", "carol", "dave", "erin")
}

func TestMySQLInsertOnDuplicateKeyUpdate(t *testing.T) {
	mysqlBaseConfig(t)
	ctx := context.Background()
	m := mysqlSyntaxFixture(t)
	db, raw := m.DB, m.Raw
	if n := mysqlAffected(t, ctx, db, "INSERT INTO users (id, name) VALUES (1, 'ignored'), (6, 'frank') ON DUPLICATE KEY UPDATE name = CONCAT(name, '+')"); n != 3 {
		// MySQL counts 2 for an updated row and 1 for an inserted one.
		t.Errorf("upsert: %d rows affected, want 3", n)
	}
	mysqlCheck(t, ctx, db, "SELECT id, name FROM users ORDER BY id", "1|alice+", "3|carol", "5|erin", "6|frank")
	if n := mysqlAffected(t, ctx, db, "INSERT INTO users (id, name) VALUES (?, ?) ON DUPLICATE KEY UPDATE name = VALUES(name)", 3, "carla"); n != 2 {
		t.Errorf("upsert with VALUES(): %d rows affected, want 2", n)
	}
	mysqlCheck(t, ctx, raw, "SELECT name FROM users WHERE id = 3", "carla")
	// A subquery in the update list sees live rows only: 3 live posts.
	mysqlExec(t, raw, "INSERT INTO archive VALUES (1, 'n')")
	mysqlExec(t, db, "INSERT INTO archive (id, name) VALUES (1, 'n') ON DUPLICATE KEY UPDATE name = (SELECT COUNT(*) FROM posts)")
	mysqlCheck(t, ctx, raw, "SELECT name FROM archive", "3")
	mysqlExec(t, db, "INSERT INTO archive (id, name) VALUES (1, 'n') ON DUPLICATE KEY UPDATE name = (SELECT GROUP_CONCAT(id ORDER BY id) FROM posts WHERE user_id IN (SELECT id FROM users))")
	mysqlCheck(t, ctx, raw, "SELECT name FROM archive", "10,14")
}

func TestMySQLInsertSelect(t *testing.T) {
	mysqlBaseConfig(t)
	ctx := context.Background()
	m := mysqlSyntaxFixture(t)
	db, raw := m.DB, m.Raw
	if n := mysqlAffected(t, ctx, db, "INSERT INTO archive (id, name) SELECT id, name FROM users"); n != 3 {
		t.Errorf("INSERT ... SELECT: %d rows, want 3", n)
	}
	mysqlCheck(t, ctx, raw, "SELECT id, name FROM archive ORDER BY id", "1|alice", "3|carol", "5|erin")
	if n := mysqlAffected(t, ctx, db, "INSERT IGNORE INTO archive SELECT p.id, p.title FROM posts p JOIN users u ON u.id = p.user_id"); n != 2 {
		t.Errorf("INSERT IGNORE ... SELECT with a join: %d rows, want 2", n)
	}
	mysqlCheck(t, ctx, raw, "SELECT id FROM archive ORDER BY id", "1", "3", "5", "10", "14")
	// Into a soft-delete table from itself: the copies are of live rows.
	if n := mysqlAffected(t, ctx, db, "INSERT INTO users (id, name) SELECT id + 100, CONCAT(name, '2') FROM users"); n != 3 {
		t.Errorf("INSERT INTO users ... SELECT FROM users: %d rows, want 3", n)
	}
	mysqlCheck(t, ctx, raw, "SELECT id, name, deleted_at IS NULL FROM users WHERE id > 100 ORDER BY id",
		"101|alice2|1", "103|carol2|1", "105|erin2|1")
	// WithIncludeDeleted copies every row.
	if n := mysqlAffected(t, WithIncludeDeleted(ctx), db, "INSERT INTO archive (id, name) SELECT id + 1000, title FROM posts"); n != 6 {
		t.Errorf("INSERT ... SELECT under WithIncludeDeleted: %d rows, want 6", n)
	}
	// With a subquery in the source's WHERE.
	mysqlExec(t, raw, "DELETE FROM archive")
	mysqlExec(t, db, "INSERT INTO archive SELECT id, name FROM users WHERE id IN (SELECT user_id FROM posts) AND id < 100")
	mysqlCheck(t, ctx, raw, "SELECT id FROM archive ORDER BY id", "1", "3")
}

func TestMySQLBackslashEscapes(t *testing.T) {
	mysqlBaseConfig(t)
	ctx := context.Background()
	m := mysqlSyntaxFixture(t)
	db, raw := m.DB, m.Raw
	// Each UPDATE is rewritten (its WHERE gets the filter); the value the
	// server stores must be the one MySQL's escapes make of the literal.
	cases := []struct {
		id      int
		literal string // as written in the SQL
		value   string // what MySQL stores
	}{
		{1, `'a\'b'`, "a'b"},
		{3, `'C:\\path\\new'`, `C:\path\new`},
		{5, `'tab\there\nnl\0z\Z'`, "tab\there\nnl\x00z\x1a"},
		{1, `"dq \"x\" 'y'"`, `dq "x" 'y'`},
		{3, `'it''s \\'`, `it's \`},
		{5, `'; DELETE FROM users; -- \' users'`, `; DELETE FROM users; -- ' users`},
		{1, `'100\%\_'`, `100\%\_`},
	}
	for _, c := range cases {
		q := "UPDATE users SET name = " + c.literal + " WHERE id = " + strconv.Itoa(c.id)
		if n := mysqlAffected(t, ctx, db, q); n != 1 {
			t.Errorf("%s: %d rows affected, want 1", q, n)
		}
		var got []byte
		if err := raw.QueryRowContext(ctx, "SELECT name FROM users WHERE id = ?", c.id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if string(got) != c.value {
			t.Errorf("%s stored %q, want %q", q, got, c.value)
		}
		// Reading it back through a rewritten SELECT with the same literal.
		mysqlCheck(t, ctx, db, "SELECT id FROM users WHERE name = "+c.literal, strconv.Itoa(c.id))
		// A deleted row with the same name stays hidden.
		mysqlExec(t, raw, "UPDATE users SET name = "+c.literal+" WHERE id = 2")
		mysqlCheck(t, ctx, db, "SELECT id FROM users WHERE name = "+c.literal, strconv.Itoa(c.id))
		mysqlCheck(t, WithOnlyDeleted(ctx), db, "SELECT id FROM users WHERE name = "+c.literal, "2")
	}
	// Nothing else was touched by the literal that looks like a DELETE.
	mysqlCheck(t, ctx, raw, "SELECT COUNT(*), SUM(deleted_at IS NULL) FROM users", "5|3")
	// LIKE with an escaped underscore: x_yz matches, xayz does not.
	mysqlExec(t, raw, "UPDATE users SET name = 'x_yz' WHERE id = 1", "UPDATE users SET name = 'xayz' WHERE id = 3",
		"UPDATE users SET name = 'x_yq' WHERE id = 4")
	mysqlCheck(t, ctx, db, `SELECT id FROM users WHERE name LIKE 'x\_y%' ORDER BY id`, "1")
	mysqlCheck(t, ctx, db, `SELECT id FROM users WHERE name LIKE 'x_y%' ORDER BY id`, "1", "3")
	mysqlCheck(t, ctx, db, `SELECT id FROM users WHERE name LIKE 'x|_y%' ESCAPE '|' ORDER BY id`, "1")
	// A soft DELETE matching by an escaped literal.
	if n := mysqlAffected(t, ctx, db, `DELETE FROM users WHERE name LIKE 'x\_y%'`); n != 1 {
		t.Errorf("DELETE with LIKE 'x\\_y%%': %d rows, want 1", n)
	}
	mysqlWantRecentStamp(t, raw, "users", "deleted_at", 1)
	// The rewrite keeps the literal's bytes as written.
	c := mysqlConnector(t)
	for _, lit := range []string{`'a\'b'`, `'C:\\path'`, `'x\_y%'`, `"q\"x"`, `'\\\''`} {
		q := "SELECT id FROM users WHERE name = " + lit
		out, err := c.Rewrite(ctx, q)
		if err != nil {
			t.Errorf("Rewrite(%s): %v", q, err)
			continue
		}
		if !strings.Contains(out, "= "+lit+")") {
			t.Errorf("Rewrite(%s) = %s: the literal changed", q, out)
		}
	}
}

// mysqlConnector returns a Connector for Rewrite with the fixture's tables.
// It opens no connection.
func mysqlConnector(t testing.TB) *Connector {
	t.Helper()
	cfg := mysqlBaseConfig(t)
	c, err := NewConnector(Config{DriverName: "mysql", DSN: cfg.FormatDSN(), Tables: strings.Split(mysqlFixtureTables, ",")})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMySQLBacktickIdentifiers(t *testing.T) {
	mysqlBaseConfig(t)
	ctx := context.Background()
	m := mysqlSyntaxFixture(t)
	db, raw := m.DB, m.Raw
	mysqlCheck(t, ctx, db, "SELECT `id` FROM `users` ORDER BY `id`", "1", "3", "5")
	mysqlCheck(t, ctx, db, "SELECT `u`.`name` FROM `users` AS `u` WHERE `u`.`id` < 4 ORDER BY `u`.`id`", "alice", "carol")
	mysqlCheck(t, ctx, db, "select `users`.`id` from `users` join posts ON `posts`.user_id = users.`id` order by 1", "1", "3")
	mysqlCheck(t, ctx, db, "SELECT `u`.`id`, `p`.`id` FROM `users` `u` LEFT JOIN `posts` `p` ON `p`.`user_id` = `u`.`id` ORDER BY 1", "1|10", "3|14", "5|NULL")
	if n := mysqlAffected(t, ctx, db, "DELETE FROM `users` WHERE `id` = 1"); n != 1 {
		t.Errorf("DELETE FROM `users`: %d rows, want 1", n)
	}
	mysqlWantRecentStamp(t, raw, "users", "deleted_at", 1)
	if n := mysqlAffected(t, ctx, db, "UPDATE `users` SET `name` = 'z' WHERE `id` IN (1, 2, 3)"); n != 1 {
		t.Errorf("UPDATE `users`: %d rows, want 1", n)
	}
	// A column whose name is a keyword, quoted.
	mysqlExec(t, raw, "ALTER TABLE posts ADD COLUMN `order` INT NOT NULL DEFAULT 0", "UPDATE posts SET `order` = id")
	mysqlCheck(t, ctx, db, "SELECT `order` FROM `posts` ORDER BY `order`", "10", "12", "14")
}

func TestMySQLSchemaQualified(t *testing.T) {
	mysqlBaseConfig(t)
	ctx := context.Background()
	m := mysqlSyntaxFixture(t)
	db, raw, name := m.DB, m.Raw, m.Name
	mysqlCheck(t, ctx, db, "SELECT id FROM "+name+".users ORDER BY id", "1", "3", "5")
	mysqlCheck(t, ctx, db, "SELECT COUNT(*) FROM `"+name+"`.`users`", "3")
	mysqlCheck(t, ctx, db, "SELECT u.id, p.id FROM "+name+".users u JOIN "+name+".posts p ON p.user_id = u.id ORDER BY u.id", "1|10", "3|14")
	mysqlCheck(t, ctx, db, "SELECT "+name+".users.id FROM "+name+".users WHERE "+name+".users.id > 2 ORDER BY 1", "3", "5")
	mysqlCheck(t, ctx, db, "SELECT u.id, p.id FROM "+name+".users u LEFT JOIN "+name+".posts p ON p.user_id = u.id ORDER BY u.id", "1|10", "3|14", "5|NULL")
	if n := mysqlAffected(t, ctx, db, "DELETE FROM "+name+".users WHERE id IN (1, 2)"); n != 1 {
		t.Errorf("DELETE FROM db.users: %d rows, want 1", n)
	}
	mysqlWantRecentStamp(t, raw, "users", "deleted_at", 1)
	if got := mysqlStamp(t, raw, "users", "deleted_at", 2); got != mysqlOldStamp {
		t.Errorf("users 2 restamped: %s", got)
	}
	if n := mysqlAffected(t, ctx, db, "DELETE "+name+".posts FROM "+name+".posts JOIN "+name+".users ON "+name+".users.id = "+name+".posts.user_id"); n != 1 {
		t.Errorf("DELETE db.posts FROM db.posts JOIN db.users: %d rows, want 1 (post 14)", n)
	}
	mysqlWantRecentStamp(t, raw, "posts", "deleted_at", 14)
	// The same tables seen from a connection whose current database is
	// another one. The schema check looks in the current database, which
	// has none of them: it is off for this connection.
	other := mysqlOpen(t, mysqlFixtureTables, "parseTime=true")
	otherDB, err := sql.Open(DriverName, strings.Replace(other.DSN, " dsn=", " check=off dsn=", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer otherDB.Close()
	mysqlCheck(t, ctx, otherDB, "SELECT id FROM "+name+".users ORDER BY id", "3", "5")
	mysqlCheck(t, WithOnlyDeleted(ctx), otherDB, "SELECT id FROM "+name+".users ORDER BY id", "1", "2", "4")
}

func TestMySQLLockingReads(t *testing.T) {
	mysqlBaseConfig(t)
	ctx := context.Background()
	m := mysqlSyntaxFixture(t)
	db := m.DB
	for _, lock := range []string{"FOR UPDATE", "LOCK IN SHARE MODE"} {
		lock := lock
		t.Run(strings.ReplaceAll(lock, " ", "_"), func(t *testing.T) {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			mysqlCheck(t, ctx, tx, "SELECT id FROM users WHERE id IN (1, 2) "+lock, "1")
			// Another session cannot write the locked row.
			other, err := m.Raw.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			mysqlExec(t, other, "SET SESSION innodb_lock_wait_timeout = 1")
			_, err = other.ExecContext(ctx, "UPDATE users SET name = 'locked?' WHERE id = 1")
			var me *mysql.MySQLError
			if !errors.As(err, &me) || me.Number != 1205 {
				t.Errorf("UPDATE of a row locked by %s: got %v, want error 1205 (lock wait timeout)", lock, err)
			}
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			if _, err := other.ExecContext(ctx, "UPDATE users SET name = 'free' WHERE id = 1"); err != nil {
				t.Errorf("UPDATE after the lock is released: %v", err)
			}
			mysqlExec(t, other, "UPDATE users SET name = 'alice' WHERE id = 1")
		})
	}
	c := mysqlConnector(t)
	for _, cs := range []struct{ q, suffix string }{
		{"SELECT id FROM users WHERE id = 1 FOR UPDATE", " for update"},
		{"SELECT id FROM users WHERE id = 1 LOCK IN SHARE MODE", " lock in share mode"},
		{"SELECT id FROM users LIMIT 1 FOR UPDATE", " limit 1 for update"},
	} {
		out, err := c.Rewrite(ctx, cs.q)
		if err != nil {
			t.Errorf("Rewrite(%s): %v", cs.q, err)
			continue
		}
		if !strings.HasSuffix(out, cs.suffix) || !strings.Contains(out, "deleted_at is null") {
			t.Errorf("Rewrite(%s) = %s: want the filter and %q at the end", cs.q, out, cs.suffix)
		}
	}
}

func TestMySQLHintsAndComments(t *testing.T) {
	mysqlBaseConfig(t)
	ctx := context.Background()
	m := mysqlSyntaxFixture(t)
	db := m.DB
	c := mysqlConnector(t)
	cases := []struct {
		q    string
		keep string // must appear verbatim in the rewrite
	}{
		{"SELECT /*+ MAX_EXECUTION_TIME(1000) */ id FROM users ORDER BY id", "/*+ MAX_EXECUTION_TIME(1000) */"},
		{"SELECT /* hello */ id FROM users ORDER BY id", "/* hello */"},
		{"/* lead */ SELECT id FROM users ORDER BY id", "/* lead */"},
		{"/* app=x,route=/users */\nSELECT id FROM users ORDER BY id", "/* app=x,route=/users */\n"},
		{"UPDATE /*+ NO_RANGE_OPTIMIZATION(users) */ users SET name = name WHERE id > 0", "/*+ NO_RANGE_OPTIMIZATION(users) */"},
		{"DELETE /*+ BKA(users) */ FROM users WHERE id = 99", "/*+ BKA(users) */"},
	}
	for _, cs := range cases {
		out, err := c.Rewrite(ctx, cs.q)
		if err != nil {
			t.Errorf("Rewrite(%s): %v", cs.q, err)
			continue
		}
		if !strings.Contains(out, cs.keep) || !strings.Contains(out, "deleted_at is null") {
			t.Errorf("Rewrite(%q) = %q: want %q kept and the filter added", cs.q, out, cs.keep)
		}
	}
	// They run on the server with the filter.
	mysqlCheck(t, ctx, db, "SELECT /*+ MAX_EXECUTION_TIME(1000) */ id FROM users ORDER BY id", "1", "3", "5")
	mysqlCheck(t, ctx, db, "/* lead */ SELECT /* hello */ id FROM users -- trailing\n ORDER BY id # hash", "1", "3", "5")
	mysqlCheck(t, ctx, db, "SELECT /*!40001 SQL_NO_CACHE */ id FROM users ORDER BY id", "1", "3", "5")
	mysqlCheck(t, ctx, db, "SELECT id FROM users WHERE id = 3 /*!AND name = 'carol' */", "3")
	mysqlCheck(t, ctx, db, "SELECT id FROM users WHERE id = 3 /*!AND name = 'x' */")
	mysqlCheck(t, ctx, db, "SELECT STRAIGHT_JOIN u.id FROM users u JOIN posts p ON p.user_id = u.id ORDER BY 1", "1", "3")
	mysqlCheck(t, ctx, db, "SELECT id FROM users FORCE INDEX (PRIMARY) WHERE id > 0 ORDER BY id", "1", "3", "5")
	// Comments inside a rewritten statement are dropped (the parser keeps
	// none there); the statement still runs filtered.
	mysqlCheck(t, ctx, db, "SELECT id FROM users /* mid */ WHERE id = 1", "1")
	// A trailing comment (sqlcommenter puts trace context there) survives.
	for _, q := range []string{
		"SELECT id FROM users WHERE id = 1 /*traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'*/",
		"SELECT id FROM users WHERE id = 1 /* a */ /* b */",
	} {
		comment := q[strings.Index(q, "/*"):]
		comment = comment[:strings.Index(comment, "*/")+2]
		out, err := c.Rewrite(ctx, q)
		if err != nil {
			t.Errorf("Rewrite(%s): %v", q, err)
		} else if !strings.Contains(out, comment) {
			t.Errorf("Rewrite dropped the comment %s:\n in: %s\nout: %s", comment, q, out)
		}
		mysqlCheck(t, ctx, db, q, "1")
	}
}

// TestMySQLMariaDBExecutableComments: MariaDB runs the text of /*M!...*/
// comments (and /*M!NNNNNN ...*/ from that version on) as SQL.
func TestMySQLMariaDBExecutableComments(t *testing.T) {
	mysqlBaseConfig(t)
	ctx := context.Background()
	m := mysqlSyntaxFixture(t)
	db, raw := m.DB, m.Raw
	var version string
	if err := raw.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.ToLower(version), "mariadb") {
		t.Skipf("server %s is not MariaDB", version)
	}
	// The server really runs it: as written, the raw driver returns no row.
	q := "SELECT id FROM users WHERE id = 1 /*M!100100 AND 0 */"
	mysqlCheck(t, ctx, raw, q)
	mysqlCheckOrRefused(t, ctx, db, q)
	// A soft-delete table read only inside the comment must be filtered.
	q = "SELECT 1 /*M!100100 , (SELECT COUNT(*) FROM users) */"
	mysqlCheck(t, ctx, raw, q, "1|5")
	mysqlCheckOrRefused(t, ctx, db, q, "1|3")
}

// TestMySQLSelectModifiers: MySQL's SELECT options before the select list.
func TestMySQLSelectModifiers(t *testing.T) {
	mysqlBaseConfig(t)
	ctx := context.Background()
	m := mysqlSyntaxFixture(t)
	db := m.DB
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	mysqlCheckOrRefused(t, ctx, conn, "SELECT SQL_CALC_FOUND_ROWS id FROM users ORDER BY id LIMIT 1", "1")
	for _, q := range []string{
		"SELECT HIGH_PRIORITY id FROM users ORDER BY id",
		"SELECT DISTINCTROW id FROM users ORDER BY id",
		"SELECT SQL_SMALL_RESULT id FROM users GROUP BY id ORDER BY id",
		"SELECT SQL_BUFFER_RESULT id FROM users ORDER BY id",
		"SELECT SQL_NO_CACHE id FROM users ORDER BY id",
	} {
		mysqlCheckOrRefused(t, ctx, conn, q, "1", "3", "5")
	}
}

// TestMySQLMariaDBStatements: statements that run rows through the
// server in ways of their own: ANALYZE (which MariaDB executes), EXPLAIN,
// SET from a subquery, DELETE ... USING, DELETE ... RETURNING.
func TestMySQLMariaDBStatements(t *testing.T) {
	mysqlBaseConfig(t)
	ctx := context.Background()
	m := mysqlSyntaxFixture(t)
	db, raw := m.DB, m.Raw
	// MariaDB's ANALYZE DELETE deletes: it must be soft.
	if _, err := mysqlQueryE(ctx, db, "ANALYZE DELETE FROM users WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	mysqlWantRecentStamp(t, raw, "users", "deleted_at", 1)
	// EXPLAIN does not run the statement.
	if _, err := mysqlQueryE(ctx, db, "EXPLAIN DELETE FROM users WHERE id = 3"); err != nil {
		t.Fatal(err)
	}
	if got := mysqlStamp(t, raw, "users", "deleted_at", 3); got != "NULL" {
		t.Errorf("EXPLAIN DELETE stamped users 3: %s", got)
	}
	// SET @var = (subquery) sees live rows.
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	mysqlExec(t, conn, "SET @n = (SELECT COUNT(*) FROM users)")
	mysqlCheck(t, ctx, conn, "SELECT @n", "2")
	// DELETE ... USING: a multi-table DELETE in the other spelling.
	if n := mysqlAffected(t, ctx, db, "DELETE FROM users USING users JOIN posts ON posts.user_id = users.id WHERE posts.id IN (13, 14)"); n != 1 {
		t.Errorf("DELETE ... USING: %d rows, want 1 (carol, by her live post 14)", n)
	}
	mysqlWantRecentStamp(t, raw, "users", "deleted_at", 3)
	mysqlCheck(t, ctx, raw, "SELECT id FROM posts WHERE deleted_at IS NULL ORDER BY id", "10", "12", "14")
	// DELETE ... RETURNING (MariaDB 10.0+). MariaDB has no UPDATE ...
	// RETURNING, so the soft DELETE must return the rows it stamps some
	// other way, or be refused; it must not reach the server as a
	// statement that fails.
	rows, err := mysqlQueryE(ctx, db, "DELETE FROM users WHERE id = 5 RETURNING id, name")
	switch {
	case errors.Is(err, ErrRefused):
		t.Logf("soft DELETE ... RETURNING refused (acceptable)")
		if got := mysqlStamp(t, raw, "users", "deleted_at", 5); got != "NULL" {
			t.Errorf("users 5 after a refused DELETE: %s", got)
		}
	case err != nil:
		t.Errorf("soft DELETE ... RETURNING: %v (want the stamped rows, or a refusal)", err)
	default:
		mysqlWant(t, "soft DELETE ... RETURNING", rows, "5|erin")
		mysqlWantRecentStamp(t, raw, "users", "deleted_at", 5)
	}
	// Forced, it is a real DELETE ... RETURNING of live rows.
	rows, err = mysqlQueryE(WithForce(ctx), db, "DELETE FROM posts WHERE id IN (10, 11) RETURNING id, title")
	if err != nil {
		t.Fatalf("forced DELETE ... RETURNING: %v", err)
	}
	mysqlWant(t, "forced DELETE ... RETURNING", rows, "10|a1")
	mysqlCheck(t, ctx, raw, "SELECT id FROM posts ORDER BY id", "11", "12", "13", "14", "15")
}

// TestMySQLSQLModes: session sql_modes that change how the server reads
// the text (NO_BACKSLASH_ESCAPES, ANSI_QUOTES) are refused when the inner
// DSN sets them: softdelete's MySQL lexer reads text the default way, and
// with those modes crafted text could put the filter inside a comment.
func TestMySQLSQLModes(t *testing.T) {
	cfg := mysqlBaseConfig(t)
	for _, mode := range []string{"NO_BACKSLASH_ESCAPES", "ANSI_QUOTES", "ANSI"} {
		_, err := openMySQLWith(cfg, "sql_mode", "'TRADITIONAL,"+mode+"'")
		if err == nil || !strings.Contains(err.Error(), "sql_mode "+mode) {
			t.Errorf("sql_mode %s: sql.Open = %v, want a clear refusal", mode, err)
		}
	}
	// The default mode, and modes that leave the text's reading alone, open.
	mustPingMySQLWith(t, cfg, "sql_mode", "'TRADITIONAL'")
}

// openMySQLWith opens softdelete over cfg with one more DSN parameter.
func openMySQLWith(cfg *mysql.Config, param, value string) (*sql.DB, error) {
	inner := cfg.Clone()
	params := map[string]string{param: value} // over cfg's own, which stay
	for k, v := range cfg.Params {
		if k != param {
			params[k] = v
		}
	}
	inner.Params = params
	return sql.Open("softdelete", "driver=mysql tables=users dsn="+inner.FormatDSN())
}

// mustPingMySQLWith opens and pings softdelete over cfg with one more DSN
// parameter, and fails the test if either fails.
func mustPingMySQLWith(t *testing.T, cfg *mysql.Config, param, value string) {
	t.Helper()
	db, err := openMySQLWith(cfg, param, value)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
}

// TestMySQLCharsets: a connection whose character set the server reads
// differently from softdelete's lexer fails (latin1: 0xA0 is a space, so
// "FROM\xa0users" names users; gbk: a backslash can end a character).
func TestMySQLCharsets(t *testing.T) {
	cfg := mysqlBaseConfig(t)
	for _, cs := range []string{"latin1", "gbk"} {
		db, err := openMySQLWith(cfg, "charset", cs)
		if err != nil {
			t.Fatal(err)
		}
		err = db.Ping()
		db.Close()
		if err == nil || !strings.Contains(err.Error(), "character set "+cs) {
			t.Errorf("charset %s: Ping = %v, want a clear refusal", cs, err)
		}
	}
	mustPingMySQLWith(t, cfg, "charset", "utf8mb4")
}

// TestMySQLLessCommonSyntax: MySQL/MariaDB syntax that softdelete may not
// be able to rewrite. Each statement must either do the right thing or be
// refused with nothing sent; never run unfiltered or hard-delete.
func TestMySQLLessCommonSyntax(t *testing.T) {
	mysqlBaseConfig(t)
	ctx := context.Background()
	m := mysqlSyntaxFixture(t)
	db, raw := m.DB, m.Raw
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	mysqlCheckOrRefused(t, ctx, tx, "SELECT id FROM users WHERE id IN (1, 2) FOR UPDATE SKIP LOCKED", "1")
	mysqlCheckOrRefused(t, ctx, tx, "SELECT id FROM users WHERE id IN (1, 2) FOR UPDATE NOWAIT", "1")
	mysqlCheckOrRefused(t, ctx, tx, "SELECT id FROM users WHERE id IN (1, 2) LOCK IN SHARE MODE WAIT 1", "1")
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	mysqlCheckOrRefused(t, ctx, db, "SELECT COUNT(*) FROM users GROUP BY id < 4 WITH ROLLUP", "1", "2", "3")
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT COUNT(*) INTO @n FROM users"); err == nil {
		mysqlCheck(t, ctx, conn, "SELECT @n", "3")
	} else if !errors.Is(err, ErrRefused) {
		t.Errorf("SELECT ... INTO @n: %v (want it filtered, or refused)", err)
	}
	// Writes: filtered and soft, or refused with the row untouched.
	for _, c := range []struct {
		q      string
		id     int
		delete bool // a DELETE: the row must stay, stamped
	}{
		{"DELETE IGNORE FROM users WHERE id = 1", 1, true},
		{"DELETE LOW_PRIORITY QUICK FROM users WHERE id = 3", 3, true},
		{"UPDATE IGNORE users SET name = 'ig' WHERE id IN (5, 4)", 5, false},
	} {
		before := mysqlRows(t, ctx, raw, "SELECT name, DATE_FORMAT(deleted_at, '%Y-%m-%d %H:%i:%s.%f') FROM users ORDER BY id")
		_, err := db.ExecContext(ctx, c.q)
		switch {
		case errors.Is(err, ErrRefused):
			t.Logf("refused (acceptable): %s", c.q)
			mysqlWant(t, "rows after refused "+c.q, mysqlRows(t, ctx, raw, "SELECT name, DATE_FORMAT(deleted_at, '%Y-%m-%d %H:%i:%s.%f') FROM users ORDER BY id"), before...)
		case err != nil:
			t.Errorf("%s: %v (want it rewritten, or refused)", c.q, err)
		case c.delete:
			mysqlWantRecentStamp(t, raw, "users", "deleted_at", c.id)
		default:
			mysqlCheck(t, ctx, raw, "SELECT name FROM users WHERE id IN (2, 4) ORDER BY id", "bob", "dave")
		}
	}
	mysqlCheck(t, ctx, raw, "SELECT COUNT(*) FROM users", "5")
}

// TestMySQLUpdateLowPriority: UPDATE LOW_PRIORITY must not touch deleted
// rows (sqlparser may read LOW_PRIORITY as the table and users as its
// alias).
func TestMySQLUpdateLowPriority(t *testing.T) {
	mysqlBaseConfig(t)
	ctx := context.Background()
	m := mysqlSyntaxFixture(t)
	db, raw := m.DB, m.Raw
	q := "UPDATE LOW_PRIORITY users SET name = 'lp' WHERE id IN (1, 2)"
	res, err := db.ExecContext(ctx, q)
	if errors.Is(err, ErrRefused) {
		t.Logf("refused (acceptable): %s", q)
	} else if err != nil {
		t.Fatalf("%s: %v", q, err)
	} else if n, _ := res.RowsAffected(); n != 1 {
		t.Errorf("%s: %d rows affected, want 1 (user 2 is deleted)", q, n)
	}
	mysqlCheck(t, ctx, raw, "SELECT name FROM users WHERE id = 2", "bob")
}
