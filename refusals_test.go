package softdelete

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestRefuseWholeTableDDL: DDL that destroys or moves a soft-delete
// table's rows (DROP TABLE, TRUNCATE, renaming it away, dropping its
// deleted column or a partition) is refused unless the mode sees the
// table's deleted rows and forces; DDL that keeps them passes.
func TestRefuseWholeTableDDL(t *testing.T) {
	runRewriteCases(t, []rewriteCase{
		{name: "drop table", mode: "default", in: "DROP TABLE users",
			err: "DROP TABLE at offset 0 would destroy every row of users, soft-deleted rows included. Nothing was sent. Run schema migrations on a *sql.DB opened with the inner driver, or under softdelete.WithForce(softdelete.WithIncludeDeleted(ctx))"},
		{name: "drop table, GORM's quoting", mode: "default", in: "DROP TABLE `users`", dialect: "sqlite", err: "DROP TABLE at offset 0"},
		{name: "drop table in a list", mode: "default", in: "DROP TABLE IF EXISTS tags, users", err: "every row of users"},
		{name: "drop temporary table", mode: "default", in: "DROP TEMPORARY TABLE users", dialect: "mysql", err: "DROP TABLE at offset 0"},
		{name: "drop table, qualified", mode: "default", in: "DROP TABLE app.users", dialect: "mysql", err: "every row of users"},
		{name: "drop table, second statement", mode: "default", in: "SELECT 1; DROP TABLE posts", err: "DROP TABLE at offset 10"},
		{name: "drop table under WithForce alone", mode: "force", in: "DROP TABLE users", err: "DROP TABLE at offset 0"},
		{name: "drop table under WithIncludeDeleted alone", mode: "include", in: "DROP TABLE users", err: "DROP TABLE at offset 0"},
		{name: "drop table under WithForce(WithOnlyDeleted)", mode: "force only", in: "DROP TABLE users", err: "DROP TABLE at offset 0"},
		{name: "drop table whose deleted rows the mode sees", mode: "force+posts", in: "DROP TABLE posts", want: "="},
		{name: "drop of another table whose deleted rows the mode sees", mode: "force+posts", in: "DROP TABLE posts, users", err: "every row of users"},
		{name: "drop a plain table", mode: "default", in: "DROP TABLE tags", want: "="},
		{name: "drop a table in a schema named like a soft-delete table", mode: "default", in: "DROP TABLE users.tags", dialect: "mysql", want: "="},
		{name: "drop index", mode: "default", in: "DROP INDEX users_name ON users", dialect: "mysql", want: "="},
		{name: "drop view", mode: "default", in: "DROP VIEW users", want: "="},
		{name: "truncate without TABLE", mode: "default", in: "TRUNCATE users", dialect: "mysql", err: "TRUNCATE at offset 0"},

		{name: "alter rename to", mode: "default", in: "ALTER TABLE users RENAME TO users_old", err: "ALTER TABLE ... RENAME at offset 0 would move every row of users out of it, soft-deleted rows included"},
		{name: "alter rename", mode: "default", in: "ALTER TABLE users RENAME users_old", dialect: "mysql", err: "ALTER TABLE ... RENAME at offset 0"},
		{name: "alter rename as", mode: "default", in: "ALTER TABLE users RENAME AS users_old", dialect: "mysql", err: "ALTER TABLE ... RENAME at offset 0"},
		{name: "alter rename after another change", mode: "default", in: "ALTER TABLE users ADD COLUMN c INT, RENAME TO users_old", dialect: "mysql", err: "ALTER TABLE ... RENAME"},
		{name: "alter rename, quoted", mode: "default", in: "ALTER TABLE `users` RENAME TO `users_old`", err: "ALTER TABLE ... RENAME"},
		{name: "alter rename, IF EXISTS", mode: "default", in: "ALTER TABLE IF EXISTS users RENAME TO x", dialect: "mysql", err: "ALTER TABLE ... RENAME"},
		{name: "alter rename column", mode: "default", in: "ALTER TABLE users RENAME COLUMN name TO full_name", want: "="},
		{name: "alter rename index", mode: "default", in: "ALTER TABLE users RENAME INDEX a TO b", dialect: "mysql", want: "="},
		{name: "SQLite alter rename column without COLUMN", mode: "default", in: "ALTER TABLE users RENAME name TO full_name", dialect: "sqlite", want: "="},
		{name: "alter rename onto a soft-delete table's name", mode: "default", in: "ALTER TABLE users__temp RENAME TO users", want: "="},
		{name: "alter add column", mode: "default", in: "ALTER TABLE users ADD COLUMN c INT", want: "="},
		{name: "alter drop another column", mode: "default", in: "ALTER TABLE users DROP COLUMN name", want: "="},
		{name: "alter drop the deleted column", mode: "default", in: "ALTER TABLE users DROP COLUMN deleted_at", err: "ALTER TABLE ... DROP deleted_at at offset 0 would erase the deletion marks of users, making its soft-deleted rows live"},
		{name: "alter drop the table's own deleted column", mode: "default", in: "ALTER TABLE comments DROP removed_at", dialect: "mysql", err: "ALTER TABLE ... DROP removed_at"},
		{name: "alter drop partition", mode: "default", in: "ALTER TABLE users DROP PARTITION p0", dialect: "mysql", err: "ALTER TABLE ... DROP PARTITION"},
		{name: "alter exchange partition", mode: "default", in: "ALTER TABLE users EXCHANGE PARTITION p0 WITH TABLE x", dialect: "mysql", err: "ALTER TABLE ... EXCHANGE"},
		{name: "alter rename under raw-for-the-table", mode: "force+posts", in: "ALTER TABLE posts RENAME TO posts_old", want: "="},

		{name: "rename table away", mode: "default", in: "RENAME TABLE users TO users_old", dialect: "mysql", err: "RENAME TABLE at offset 0 would move every row of users out of it"},
		{name: "rename table swap", mode: "default", in: "RENAME TABLE users TO users_old, users_new TO users", dialect: "mysql", err: "every row of users"},
		{name: "rename table onto a soft-delete table's name", mode: "default", in: "RENAME TABLE users_new TO users", dialect: "mysql", want: "="},
		{name: "rename table onto a qualified soft-delete name", mode: "default", in: "RENAME TABLE app.x TO app.users", dialect: "mysql", want: "="},
		{name: "rename table away, qualified", mode: "default", in: "RENAME TABLE app.users TO app.x", dialect: "mysql", err: "every row of users"},
	})
}

// TestRefuseChecksum: CHECKSUM TABLE reads every row, deleted ones too.
func TestRefuseChecksum(t *testing.T) {
	runRewriteCases(t, []rewriteCase{
		{name: "checksum", dialect: "mysql", mode: "default", in: "CHECKSUM TABLE users",
			err: "CHECKSUM TABLE at offset 0 reads every row of users, soft-deleted rows included. Nothing was sent. Run it under softdelete.WithIncludeDeleted(ctx)"},
		{name: "checksum of a list", dialect: "mysql", mode: "default", in: "CHECKSUM TABLE tags, posts EXTENDED", err: "every row of posts"},
		{name: "checksum under WithIncludeDeleted", dialect: "mysql", mode: "include", in: "CHECKSUM TABLE users, posts", want: "="},
		{name: "checksum under WithIncludeDeleted for the table", dialect: "mysql", mode: "include posts", in: "CHECKSUM TABLE posts", want: "="},
		{name: "checksum of another table", dialect: "mysql", mode: "include posts", in: "CHECKSUM TABLE posts, users", err: "every row of users"},
		{name: "checksum under WithOnlyDeleted", dialect: "mysql", mode: "only", in: "CHECKSUM TABLE users", err: "CHECKSUM TABLE"},
		{name: "checksum of a plain table", dialect: "mysql", mode: "default", in: "CHECKSUM TABLE tags", want: "="},
	})
}

// TestRefuseOnlyDeletedWithoutSoftTable: WithOnlyDeleted() with no table
// needs a soft-delete primary table; a statement naming none used to run
// on every row (and a DELETE was hard).
func TestRefuseOnlyDeletedWithoutSoftTable(t *testing.T) {
	runRewriteCases(t, []rewriteCase{
		{name: "select from a plain table", mode: "only", in: "SELECT * FROM tags",
			err: "WithOnlyDeleted() with no table applies to the statement's primary table, and this SELECT names no soft-delete table (tables: users, posts, comments). Nothing was sent. Run it without WithOnlyDeleted, or name"},
		{name: "delete from a plain table", mode: "only", in: "DELETE FROM tags WHERE id = 1", err: "this DELETE names no soft-delete table"},
		{name: "forced delete from a plain table", mode: "force only", in: "DELETE FROM tags WHERE id = 1", err: "this DELETE names no soft-delete table"},
		{name: "update of a plain table", mode: "only", in: "UPDATE tags SET name = 'x'", err: "this UPDATE names no soft-delete table"},
		{name: "a plain statement next to a soft one", mode: "only", in: "SELECT * FROM users; SELECT * FROM tags", err: "this SELECT names no soft-delete table"},
		{name: "select without a table", mode: "only", in: "SELECT 1", err: "names no soft-delete table"},
		{name: "a statement that reads no rows", mode: "only", in: "SAVEPOINT sp1", want: "="},
		{name: "named tables: the plain statement is fine", mode: "only posts", in: "SELECT * FROM tags", want: "="},
		{name: "primary table plain, soft table joined", mode: "only", in: "SELECT * FROM tags JOIN users ON users.id = tags.id",
			err: "WithOnlyDeleted() with no table applies to the primary table of the statement, tags, which is not a soft-delete table. Nothing was sent. Name the soft-delete tables"},
	})
}

// TestRefuseUndeleteUnderLiveFilter: an UPDATE that sets the deleted
// column to NULL where the mode hides deleted rows can match nothing.
func TestRefuseUndeleteUnderLiveFilter(t *testing.T) {
	runRewriteCases(t, []rewriteCase{
		{name: "set deleted_at = NULL", mode: "default", in: "UPDATE users SET deleted_at = NULL WHERE id = ?",
			err: "SET deleted_at = NULL at offset 17 can match no row: the UPDATE sees only users's live rows, whose deleted_at is already NULL. Nothing was sent. Un-delete rows with softdelete.Restore(ctx, db, \"users\", where, args...), or run the UPDATE under softdelete.WithOnlyDeleted(ctx, \"users\")"},
		{name: "the table's own column, qualified by alias", mode: "default", in: "UPDATE comments c SET c.removed_at = NULL", err: "SET removed_at = NULL"},
		{name: "among other assignments", mode: "default", in: "UPDATE posts SET title = 'x', DELETED_AT = null", err: "SET deleted_at = NULL"},
		{name: "under WithForce", mode: "force", in: "UPDATE users SET deleted_at = NULL", err: "SET deleted_at = NULL"},
		{name: "under WithOnlyDeleted", mode: "only", in: "UPDATE users SET deleted_at = NULL WHERE id = ?",
			want: "update users set deleted_at = null where (id = ?) and users.deleted_at is not null"},
		{name: "under WithIncludeDeleted", mode: "include", in: "UPDATE users SET deleted_at = NULL WHERE id = ?", want: "="},
		{name: "stamping by hand is fine", mode: "default", in: "UPDATE users SET deleted_at = '2020-01-01' WHERE id = ?",
			want: "update users set deleted_at = '2020-01-01' where (id = ?) and users.deleted_at is null"},
		{name: "another column to NULL", mode: "default", in: "UPDATE users SET name = NULL WHERE id = ?",
			want: "update users set name = null where (id = ?) and users.deleted_at is null"},
		{name: "a plain table's deleted_at", mode: "default", in: "UPDATE tags SET deleted_at = NULL", want: "="},
		{name: "a plain table's deleted_at in a join", dialect: "mysql", mode: "default", in: "UPDATE users u JOIN tags t ON t.id = u.id SET t.deleted_at = NULL",
			want: "update users as u join tags as t on t.id = u.id set t.deleted_at = null where u.deleted_at is null"},
		{name: "the soft table's, in a join", dialect: "mysql", mode: "default", in: "UPDATE users u JOIN tags t ON t.id = u.id SET u.deleted_at = NULL", err: "SET deleted_at = NULL"},
		{name: "the other soft table live", mode: "include posts", in: "UPDATE users SET deleted_at = NULL", err: "users's live rows"},
	})
}

// TestRefusalMessages: the safe fix comes first, the raw passthrough
// last; hints fit the dialect and name the real table.
func TestRefusalMessages(t *testing.T) {
	ctx := context.Background()
	const raw = "softdelete.WithForce(softdelete.WithIncludeDeleted(ctx))"
	for _, c := range []struct {
		dialect, mode, in string
		want, not         []string // in this order / absent
	}{
		{"sqlite", "default", "WITH x AS (SELECT * FROM comments) SELECT * FROM x",
			[]string{"sqlparser cannot parse this WITH", "comments.removed_at IS NULL", "softdelete.WithIncludeDeleted(ctx)", "as a last resort, " + raw}, nil},
		{"sqlite", "default", "REPLACE INTO posts (id) VALUES (1)",
			[]string{"REPLACE deletes the rows it replaces", "INSERT INTO posts ... ON CONFLICT (key) DO UPDATE", "softdelete.WithForce(ctx)", raw}, []string{"DUPLICATE KEY"}},
		{"mysql", "default", "REPLACE INTO posts (id) VALUES (1)",
			[]string{"INSERT INTO posts ... ON DUPLICATE KEY UPDATE", raw}, []string{"ON CONFLICT"}},
		{"sqlite", "only", "DELETE FROM posts WHERE id = 1",
			[]string{"would stamp rows already deleted", "softdelete.WithForce(softdelete.WithOnlyDeleted(ctx)) purges"}, []string{raw}},
		{"sqlite", "default", "SELECT a || b FROM users",
			[]string{"|| operator", "printf('%s%s', a, b)", raw}, nil},
		{"mysql", "default", "SELECT a || b FROM users",
			[]string{"|| operator", "concat(a, b)", raw}, []string{"printf"}},
		{"sqlite", "default", "SHOW x WHERE (SELECT 1 FROM users)",
			[]string{"SHOW statements are sent as written, and the SELECT at offset 14", "users.deleted_at IS NULL", raw}, []string{"passed as written only"}},
		{"sqlite", "default", "DROP TABLE users",
			[]string{"DROP TABLE at offset 0", "Run schema migrations on a *sql.DB opened with the inner driver", raw}, []string{"last resort"}},
	} {
		rw := testRewriter(t, c.dialect)
		_, err := rw.rewrite(c.in, modeFrom(testModes[c.mode](ctx)))
		if !errors.Is(err, ErrRefused) {
			t.Errorf("%s %s: %v, want a refusal", c.dialect, c.in, err)
			continue
		}
		msg, at := err.Error(), 0
		for _, w := range c.want {
			i := strings.Index(msg[at:], w)
			if i < 0 {
				t.Errorf("%s %s:\n%s\nlacks %q after offset %d", c.dialect, c.in, msg, w, at)
				break
			}
			at += i + len(w)
		}
		for _, w := range c.not {
			if strings.Contains(msg, w) {
				t.Errorf("%s %s:\n%s\nholds %q", c.dialect, c.in, msg, w)
			}
		}
	}
}
