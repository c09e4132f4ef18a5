//go:build postgres

package softdelete

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"
	"testing"
	"time"
)

// sdUnsafeFunc changes how the server reads SQL text where no statement
// text shows it.
const sdUnsafeFunc = `CREATE FUNCTION sd_unsafe() RETURNS int LANGUAGE plpgsql AS $$
	BEGIN PERFORM set_config('standard_conforming_strings', 'off', false); RETURN 1; END $$`

// A cascading DELETE that calls a user function (which may run SET) is
// read back after, as every other statement that calls one: the call
// fails with the session error and the connection sends nothing more.
// Exec, Query (DELETE ... RETURNING) and prepared, on pgx and lib/pq.
func TestRedTeamPostgresCascadeReadsSessionBack(t *testing.T) {
	for _, drv := range pgCascadeDrivers {
		t.Run(drv, func(t *testing.T) {
			_, db := pgCascadeOpen(t, drv, "users,posts", "", append(pgUsersPosts, sdUnsafeFunc)...)
			ctx := context.Background()
			for _, how := range []string{"exec", "query", "prepared"} {
				conn, err := db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				q := "DELETE FROM users WHERE id = sd_unsafe()"
				switch how {
				case "exec":
					_, err = conn.ExecContext(ctx, q)
				case "query":
					var rows *sql.Rows
					if rows, err = conn.QueryContext(ctx, q+" RETURNING id"); err == nil {
						rows.Close()
						_, err = conn.ExecContext(ctx, "SELECT 1")
					}
				case "prepared":
					var st *sql.Stmt
					if st, err = conn.PrepareContext(ctx, q); err == nil {
						_, err = st.ExecContext(ctx)
						st.Close()
					}
				}
				if !errors.Is(err, ErrUnsafeSession) {
					t.Errorf("%s of %s: %v; want the session error (standard_conforming_strings)", how, q, err)
				}
				if _, err := conn.ExecContext(ctx, "SELECT 1"); !errors.Is(err, driver.ErrBadConn) {
					t.Errorf("%s, then a statement on the same connection: %v; want driver.ErrBadConn", how, err)
				}
				conn.Close()
			}
		})
	}
}

// A unique key that a foreign key references cannot become a partial
// index: PostgreSQL refuses to drop it while the key depends on it, and a
// foreign key needs a unique index over every row. The warning stays (a
// deleted row's key still blocks inserting it again) but its fix must not
// be DDL that fails, or that drops the foreign key with CASCADE.
func TestRedTeamPostgresUniqueKeyReferencedByForeignKey(t *testing.T) {
	pgDrivers(t, func(t *testing.T, driverName string) {
		s := newPGScratch(t, driverName)
		s.exec(t, `CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL, is_deleted boolean NOT NULL DEFAULT false,
				gone bigint NOT NULL DEFAULT 0, deleted_at timestamptz NULL, CONSTRAINT users_email_key UNIQUE (email))`,
			`CREATE TABLE posts (id int PRIMARY KEY, author text REFERENCES users (email) ON DELETE CASCADE, deleted_at timestamptz)`,
			`CREATE INDEX ON posts (author)`)
		for _, users := range []string{"users", "users:is_deleted:flag:deleted_at", "users:gone:unix"} {
			checkReferencedUnique(t, s.connector(t, Config{Tables: []string{users, "posts"}}))
		}
	})
}

// checkReferencedUnique checks the warning of users_email_key, which
// posts_author_fkey references.
func checkReferencedUnique(t *testing.T, c *Connector) {
	t.Helper()
	report, err := c.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, p := range report.Warnings {
		if !strings.Contains(p.Problem, "users_email_key") {
			continue
		}
		found = true
		if !strings.Contains(p.Problem, "posts_author_fkey") || strings.Contains(p.Fix, "DROP CONSTRAINT") {
			t.Errorf("warning %q, fix %q: want it to name the foreign key posts_author_fkey that references the key, and no DROP CONSTRAINT that fails", p.Problem, p.Fix)
		}
	}
	if !found {
		t.Errorf("no warning for users_email_key:\n%s", problemLines(report.Warnings))
	}
}

// TestRedTeamPurgeKeepsNullChildren on PostgreSQL: a flag as boolean and
// as smallint, pgx and lib/pq.
func TestRedTeamPostgresPurgeKeepsNullChildren(t *testing.T) {
	for _, drv := range pgCascadeDrivers {
		for _, flag := range []string{"boolean", "smallint"} {
			t.Run(drv+"/"+flag, func(t *testing.T) {
				var ddl []string
				for _, q := range purgeNullChildDDL {
					ddl = append(ddl, purgeNullChildSQL(q, "timestamptz", "bigint", flag, ""))
				}
				ddl = append(ddl, "CREATE INDEX ON posts (user_id)", "CREATE INDEX ON tags (user_id)")
				raw, db := pgCascadeOpen(t, drv, purgeNullChildTables, "check=warn", ddl...)
				checkPurgeKeepsNullChildren(t, db, raw)
			})
		}
	}
}

// A cascade that would reach a table of another marker kind (votes, a
// boolean flag, two levels down) is refused before anything is sent:
// through Exec and Query (RETURNING), prepared, inside a transaction begun
// as text, whose earlier work stays and which stays usable; nothing is
// stamped. Restore of the parent restores its own rows only.
func TestRedTeamPostgresCascadeThroughOtherKindRefused(t *testing.T) {
	for _, drv := range pgCascadeDrivers {
		t.Run(drv, func(t *testing.T) {
			raw, db := pgCascadeOpen(t, drv, "users,posts,votes:gone:flag", "", append(pgUsersPosts,
				"CREATE TABLE votes (id int PRIMARY KEY, post_id int REFERENCES posts ON DELETE CASCADE, gone boolean NOT NULL DEFAULT false)",
				"INSERT INTO votes VALUES (100, 10, false)")...)
			ctx := context.Background()
			conn, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			cexec(t, ctx, conn, "BEGIN")
			cexec(t, ctx, conn, "UPDATE users SET name = 'kept' WHERE id = 2")
			var rerr *RefusedError
			if _, err := conn.ExecContext(ctx, "DELETE FROM users WHERE id = $1", 1); !errors.As(err, &rerr) || rerr.Table != "votes" {
				t.Errorf("DELETE of user 1 (a vote two levels down): %v; want a refusal naming votes", err)
			}
			if _, err := conn.QueryContext(ctx, "DELETE FROM posts WHERE id = $1 RETURNING id", 10); !errors.As(err, &rerr) {
				t.Errorf("DELETE ... RETURNING of post 10: %v; want a refusal", err)
			}
			st, err := conn.PrepareContext(ctx, "DELETE FROM posts WHERE user_id = $1")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.ExecContext(ctx, 1); !errors.As(err, &rerr) {
				t.Errorf("prepared DELETE of user 1's posts: %v; want a refusal", err)
			}
			st.Close()
			cexec(t, ctx, conn, "COMMIT")
			if got := pgDeleted(t, raw, "users", "posts"); got != "users= posts=" {
				t.Errorf("after the refusals: %s; want nothing deleted", got)
			}
			var name string
			if err := raw.QueryRow("SELECT name FROM users WHERE id = 2").Scan(&name); err != nil || name != "kept" {
				t.Errorf("user 2's name %q (%v); want the transaction's UPDATE committed", name, err)
			}
			cexec(t, WithoutCascade(ctx), db, "DELETE FROM users WHERE id = 1")
			cexec(t, WithoutCascade(ctx), db, "DELETE FROM posts WHERE id = 10")
			if _, err := Restore(ctx, db, "users", "id = $1", 1); err != nil {
				t.Fatal(err)
			}
			if got := pgDeleted(t, raw, "users", "posts"); got != "users= posts=10" {
				t.Errorf("after Restore of user 1: %s; want post 10 still deleted", got)
			}
		})
	}
}

// A cascade in a transaction begun as text that a failed statement
// aborted (SQLSTATE 25P02; the failed statement a DO block, after which
// the session cannot be read back until ROLLBACK) fails with the server's
// error, changes nothing and leaves the connection usable: after
// ROLLBACK the session is read back and the same cascade runs.
func TestRedTeamPostgresCascadeInAbortedTextTransaction(t *testing.T) {
	for _, drv := range pgCascadeDrivers {
		t.Run(drv, func(t *testing.T) {
			raw, db := pgCascadeOpen(t, drv, "users,posts", "", pgUsersPosts...)
			ctx := context.Background()
			conn, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			cexec(t, ctx, conn, "BEGIN")
			if _, err := conn.ExecContext(ctx, "DO $$ BEGIN PERFORM 1 / 0; END $$"); err == nil {
				t.Fatal("the DO block did not fail")
			}
			for _, q := range []string{"DELETE FROM users WHERE id = 1", "RESTORE"} {
				if q == "RESTORE" {
					_, err = Restore(ctx, conn, "users", "id = 1")
				} else {
					_, err = conn.ExecContext(ctx, q)
				}
				if pgSQLState(err) != "25P02" {
					t.Errorf("%s in the aborted transaction: %v; want the server's 25P02", q, err)
				}
			}
			cexec(t, ctx, conn, "ROLLBACK")
			cexec(t, ctx, conn, "DELETE FROM users WHERE id = 1")
			if got := pgDeleted(t, raw, "users", "posts"); got != "users=1 posts=10,11" {
				t.Errorf("after ROLLBACK and the DELETE: %s; want user 1 and its posts", got)
			}
		})
	}
}

// Purge of a flag table (boolean and smallint, by its companion) that is
// the parent of declared foreign keys: a batch takes the soft-deleted
// children of every kind first, and a parent with a live child stays.
func TestRedTeamPostgresPurgeFlagParent(t *testing.T) {
	for _, drv := range pgCascadeDrivers {
		for _, flag := range []string{"boolean", "smallint"} {
			t.Run(drv+"/"+flag, func(t *testing.T) {
				raw, db := pgCascadeOpen(t, drv, "accounts:is_deleted:flag:deleted_at,posts,notes:gone:unixmilli", "check=warn",
					"CREATE TABLE accounts (id int PRIMARY KEY, is_deleted "+flag+" NOT NULL DEFAULT '0', deleted_at timestamptz)",
					"CREATE TABLE posts (id int PRIMARY KEY, account_id int NOT NULL REFERENCES accounts ON DELETE RESTRICT, deleted_at timestamptz)",
					"CREATE TABLE notes (id int PRIMARY KEY, account_id int NOT NULL REFERENCES accounts ON DELETE CASCADE, gone bigint NOT NULL DEFAULT 0)",
					"CREATE INDEX ON posts (account_id)", "CREATE INDEX ON notes (account_id)",
					"INSERT INTO accounts VALUES (1, '1', '2020-01-01'), (2, '1', '2020-01-01'), (3, '1', now()), (4, '0', '2020-01-01')",
					"INSERT INTO posts VALUES (10, 1, now()), (20, 2, NULL)",
					"INSERT INTO notes VALUES (100, 1, 1), (200, 2, 1), (300, 3, 0)")
				res, err := Purge(context.Background(), db, "accounts", time.Now().Add(-time.Hour), nil)
				if err != nil {
					t.Fatal(err)
				}
				var got string
				if err := raw.QueryRow(`SELECT (SELECT string_agg(id::text, ',' ORDER BY id) FROM accounts) || ' ' ||
					(SELECT string_agg(id::text, ',' ORDER BY id) FROM posts) || ' ' || (SELECT string_agg(id::text, ',' ORDER BY id) FROM notes)`).Scan(&got); err != nil {
					t.Fatal(err)
				}
				if want := "2,3,4 20 200,300"; got != want || res.Kept != 1 || res.Rows["accounts"] != 1 || res.Rows["posts"] != 1 || res.Rows["notes"] != 1 {
					t.Errorf("after Purge: %s, kept %d, rows %v; want %s, kept 1, one row of each table", got, res.Kept, res.Rows, want)
				}
			})
		}
	}
}

// Foreign key columns as ORMs create them on PostgreSQL, quoted in mixed
// case (Sequelize's "userId"): the cascade, its checks and the exact
// Restore name them as the catalog spells them (they were folded to
// userid, a column that does not exist, so every DELETE of a parent
// failed).
func TestRedTeamPostgresCascadeMixedCaseKeyColumns(t *testing.T) {
	for _, drv := range pgCascadeDrivers {
		t.Run(drv, func(t *testing.T) {
			raw, db := pgCascadeOpen(t, drv, "users,posts,likes", "",
				`CREATE TABLE users ("Id" int PRIMARY KEY, deleted_at timestamptz)`,
				`CREATE TABLE posts (id int PRIMARY KEY, "userId" int REFERENCES users ON DELETE CASCADE, deleted_at timestamptz)`,
				`CREATE TABLE likes (id int PRIMARY KEY, "postId" int REFERENCES posts ON DELETE RESTRICT, deleted_at timestamptz)`,
				`INSERT INTO users VALUES (1, NULL), (2, NULL)`,
				`INSERT INTO posts VALUES (10, 1, NULL), (20, 2, NULL)`,
				`INSERT INTO likes VALUES (100, 20, NULL)`)
			ctx := context.Background()
			cexec(t, ctx, db, `DELETE FROM users WHERE "Id" = 1`)
			if _, err := db.ExecContext(ctx, `DELETE FROM users WHERE "Id" = 2`); !errors.Is(err, ErrRestricted) {
				t.Errorf("DELETE of user 2 (a live like on post 20): %v; want ErrRestricted", err)
			}
			if got := pgDeleted(t, raw, "posts", "likes"); got != "posts=10 likes=" {
				t.Errorf("after the DELETEs: %s; want post 10", got)
			}
			if _, err := Restore(ctx, db, "users", `"Id" = 1`); err != nil {
				t.Fatal(err)
			}
			if got := pgDeleted(t, raw, "posts"); got != "posts=" {
				t.Errorf("after Restore of user 1: %s; want post 10 back", got)
			}
		})
	}
}

// TestRedTeamKindRelationWarning on PostgreSQL.
func TestRedTeamPostgresKindRelationWarning(t *testing.T) {
	pgDrivers(t, func(t *testing.T, driverName string) {
		s := newPGScratch(t, driverName)
		s.exec(t, `CREATE TABLE users (id int PRIMARY KEY, deleted_at timestamptz)`,
			`CREATE TABLE votes (id int PRIMARY KEY, user_id int REFERENCES users ON DELETE RESTRICT, gone boolean NOT NULL DEFAULT false)`,
			`CREATE INDEX ON votes (user_id)`)
		wantKindRelationWarning(t, s.connector(t, Config{Tables: []string{"users", "votes:gone:flag"}}))
	})
}

// One prepared DELETE and one prepared SELECT of a flag table with a
// companion and an actor column, reused across actors and modes: each
// execution stamps and records as a fresh statement would.
func TestRedTeamPostgresPreparedKindsActorModes(t *testing.T) {
	for _, drv := range pgCascadeDrivers {
		t.Run(drv, func(t *testing.T) {
			raw, db := pgCascadeOpen(t, drv, "tags:gone:flag:deleted_at", "actor=deleted_by",
				"CREATE TABLE tags (id int PRIMARY KEY, gone smallint NOT NULL DEFAULT 0, deleted_at timestamptz, deleted_by text)",
				"INSERT INTO tags (id) VALUES (1), (2), (3)")
			ctx := context.Background()
			del, err := db.PrepareContext(ctx, "DELETE FROM tags WHERE id = $1")
			if err != nil {
				t.Fatal(err)
			}
			defer del.Close()
			cnt, err := db.PrepareContext(ctx, "SELECT count(*) FROM tags")
			if err != nil {
				t.Fatal(err)
			}
			defer cnt.Close()
			for _, step := range []struct {
				ctx context.Context
				id  int
			}{
				{WithActor(ctx, "a"), 1}, {ctx, 2}, {WithActor(WithIncludeDeleted(ctx), "c"), 1}, {WithActor(ctx, "d"), 1},
			} {
				if _, err := del.ExecContext(step.ctx, step.id); err != nil {
					t.Fatal(err)
				}
			}
			var got string
			if err := raw.QueryRow(`SELECT string_agg(id || ':' || gone || ':' || (deleted_at IS NOT NULL) || ':' || coalesce(deleted_by, '-'), ' ' ORDER BY id) FROM tags`).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if want := "1:1:true:a 2:1:true:- 3:0:false:-"; got != want {
				t.Errorf("after the prepared DELETEs: %s; want %s", got, want)
			}
			for c, want := range map[context.Context]int{ctx: 1, WithOnlyDeleted(ctx): 2, WithIncludeDeleted(ctx): 3} {
				var n int
				if err := cnt.QueryRowContext(c).Scan(&n); err != nil || n != want {
					t.Errorf("prepared count in a mode: %d (%v); want %d", n, err, want)
				}
			}
			if _, err := Restore(ctx, db, "tags", "id = $1", 1); err != nil {
				t.Fatal(err)
			}
			if err := raw.QueryRow(`SELECT gone || ':' || (deleted_at IS NULL) || ':' || coalesce(deleted_by, '-') FROM tags WHERE id = 1`).Scan(&got); err != nil || got != "0:true:-" {
				t.Errorf("tag 1 after Restore: %s (%v); want 0:true:-", got, err)
			}
		})
	}
}
