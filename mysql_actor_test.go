package softdelete

import (
	"context"
	"database/sql"
	"math"
	"strconv"
	"testing"
)

// MariaDB: the actor is bound with and without interpolateParams (quotes,
// backslashes, unicode, NULL, large integers), the multi-table DELETE
// takes it after the ON's parameters, a prepared statement serves every
// actor, DELETE ... LIMIT under WithIncludeDeleted keeps the actor of rows
// already deleted, and Restore clears it.
func TestMySQLActor(t *testing.T) {
	for _, params := range []string{"", "interpolateParams=true"} {
		params := params
		t.Run("params="+params, func(t *testing.T) {
			m := mysqlOpen(t, "posts,users", params)
			mysqlExec(t, m.Raw,
				"CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(50), deleted_at DATETIME(6) NULL)",
				"CREATE TABLE posts (id INT PRIMARY KEY, user_id INT, deleted_at DATETIME(6) NULL, deleted_by VARCHAR(100) NULL)",
				"INSERT INTO users VALUES (1, 'ann', NULL), (2, 'bob', NULL)")
			db, err := sql.Open(DriverName, "driver=mysql tables=posts,users actor=deleted_by dsn="+m.InnerDSN)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ctx := context.Background()
			values := []struct {
				actor any
				want  string
			}{
				{"alice", "alice"},
				{"o'brien'); DROP TABLE posts; --", "o'brien'); DROP TABLE posts; --"},
				{`back\slash\' \\`, `back\slash\' \\`},
				{"ünïcödé 😀 名前", "ünïcödé 😀 名前"},
				{int64(math.MinInt64), "-9223372036854775808"},
				{uint64(math.MaxUint64), "18446744073709551615"},
				{nil, "NULL"},
			}
			for i := range values {
				mysqlExec(t, m.Raw, "INSERT INTO posts (id, user_id, deleted_by) VALUES ("+strconv.Itoa(i+1)+", 1, 'stale')")
			}
			for i, v := range values {
				if _, err := db.ExecContext(WithActor(ctx, v.actor), "DELETE FROM posts WHERE id = ?", i+1); err != nil {
					t.Fatalf("actor %#v: %v", v.actor, err)
				}
				mysqlCheck(t, ctx, m.Raw, "SELECT deleted_by, deleted_at IS NOT NULL FROM posts WHERE id = "+strconv.Itoa(i+1), v.want+"|1")
			}
			// Multi-table: the ON's parameter comes first.
			mysqlExec(t, m.Raw, "INSERT INTO posts (id, user_id) VALUES (20, 1), (21, 2)")
			if _, err := db.ExecContext(WithActor(ctx, "multi"), "DELETE p FROM posts p JOIN users u ON u.id = p.user_id AND u.name = ? WHERE p.id >= ?", "bob", 20); err != nil {
				t.Fatal(err)
			}
			mysqlCheck(t, ctx, m.Raw, "SELECT id, deleted_by FROM posts WHERE id >= 20 ORDER BY id", "20|NULL", "21|multi")
			// Prepared: one statement, several actors.
			mysqlExec(t, m.Raw, "INSERT INTO posts (id, user_id) VALUES (30, 1), (31, 1)")
			st, err := db.PrepareContext(ctx, "DELETE FROM posts WHERE id = ?")
			if err != nil {
				t.Fatal(err)
			}
			for i, actor := range []string{"p1", "p2"} {
				if _, err := st.ExecContext(WithActor(ctx, actor), 30+i); err != nil {
					t.Fatal(err)
				}
			}
			st.Close()
			mysqlCheck(t, ctx, m.Raw, "SELECT id, deleted_by FROM posts WHERE id >= 30 ORDER BY id", "30|p1", "31|p2")
			// WithIncludeDeleted + LIMIT: rows already deleted keep their actor.
			mysqlExec(t, m.Raw, "INSERT INTO posts (id, user_id) VALUES (40, 1)")
			if _, err := db.ExecContext(WithActor(WithIncludeDeleted(ctx), "limit"), "DELETE FROM posts WHERE id IN (30, 40) ORDER BY id LIMIT ?", 5); err != nil {
				t.Fatal(err)
			}
			mysqlCheck(t, ctx, m.Raw, "SELECT id, deleted_by FROM posts WHERE id IN (30, 40) ORDER BY id", "30|p1", "40|limit")
			if _, err := Restore(ctx, db, "posts", "id = ?", 40); err != nil {
				t.Fatal(err)
			}
			mysqlCheck(t, ctx, m.Raw, "SELECT deleted_by, deleted_at FROM posts WHERE id = 40", "NULL|NULL")
			// users has no deleted_by: stamped without it.
			if _, err := db.ExecContext(WithActor(ctx, "x"), "DELETE FROM users WHERE id = ?", 2); err != nil {
				t.Fatal(err)
			}
			mysqlCheck(t, ctx, m.Raw, "SELECT deleted_at IS NOT NULL FROM users WHERE id = 2", "1")
		})
	}
}
