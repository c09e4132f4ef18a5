package softdelete

// go-sql-driver/mysql options (interpolateParams, multiStatements,
// clientFoundRows), faults (a killed connection, a statement timeout) and
// concurrency, on the live server. The helpers are in mysql_test.go.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// mysqlSessionStatus reads session counters of one connection.
func mysqlSessionStatus(t testing.TB, conn *sql.Conn, names ...string) map[string]int64 {
	t.Helper()
	rows := mysqlRows(t, context.Background(), conn,
		"SHOW SESSION STATUS WHERE Variable_name IN ('"+strings.Join(names, "', '")+"')")
	out := map[string]int64{}
	for _, r := range rows {
		name, val, _ := strings.Cut(r, "|")
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			t.Fatalf("status %s: %v", r, err)
		}
		out[name] = n
	}
	if len(out) != len(names) {
		t.Fatalf("SHOW SESSION STATUS: got %v, want %v", out, names)
	}
	return out
}

func TestMySQLInterpolateParams(t *testing.T) {
	mysqlBaseConfig(t)
	ctx := context.Background()
	for _, interp := range []bool{true, false} {
		interp := interp
		t.Run("interpolateParams="+strconv.FormatBool(interp), func(t *testing.T) {
			m := mysqlFixture(t, "DATETIME(6)", "parseTime=true&interpolateParams="+strconv.FormatBool(interp))
			db, raw := m.DB, m.Raw
			conn, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			counters := []string{"Com_update", "Com_delete", "Com_stmt_prepare"}
			before := mysqlSessionStatus(t, conn, counters...)
			stBefore, err := Stats(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			// (No '?' in a literal here: go-sql-driver counts every '?' and
			// falls back to a server-side prepare when the count is off.)
			if n := mysqlAffected(t, ctx, conn, "DELETE FROM users WHERE id = ? AND name <> 'x'", 1); n != 1 {
				t.Errorf("DELETE with an argument: %d rows, want 1", n)
			}
			stAfter, err := Stats(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			after := mysqlSessionStatus(t, conn, counters...)
			mysqlWantRecentStamp(t, raw, "users", "deleted_at", 1)
			if d := after["Com_delete"] - before["Com_delete"]; d != 0 {
				t.Errorf("the server ran %d DELETE statements, want 0 (a soft DELETE is an UPDATE)", d)
			}
			if interp {
				// One text-protocol UPDATE: rewritten once, interpolated
				// by the driver, never prepared.
				if d := after["Com_update"] - before["Com_update"]; d != 1 {
					t.Errorf("the server ran %d UPDATE statements, want 1", d)
				}
				if d := after["Com_stmt_prepare"] - before["Com_stmt_prepare"]; d != 0 {
					t.Errorf("the server prepared %d statements, want 0 with interpolateParams", d)
				}
				if d := (stAfter.Hits + stAfter.Misses) - (stBefore.Hits + stBefore.Misses); d != 1 {
					t.Errorf("the DELETE was looked up %d times in the rewrite cache, want 1", d)
				}
			} else if d := after["Com_stmt_prepare"] - before["Com_stmt_prepare"]; d != 1 {
				t.Errorf("the server prepared %d statements, want 1", d)
			}
			// Queries with arguments, and a '?' inside a literal.
			mysqlWant(t, "SELECT with an argument", mysqlRows(t, ctx, db, "SELECT id FROM users WHERE id >= ? AND name <> '?' ORDER BY id", 2), "3", "5")
			mysqlWant(t, "SELECT with an argument, WithIncludeDeleted", mysqlRows(t, WithIncludeDeleted(ctx), db, "SELECT id FROM users WHERE id >= ? ORDER BY id", 2), "2", "3", "4", "5")
			mysqlWant(t, "SELECT with arguments in a subquery and a LIMIT", mysqlRows(t, ctx, db,
				"SELECT id FROM users WHERE id IN (SELECT user_id FROM posts WHERE title <> ?) ORDER BY id LIMIT ?", "zz", 5), "3")
			// Arguments that need escaping.
			tricky := "o'neil \\ \"q\" ; DELETE FROM users -- ?"
			if n := mysqlAffected(t, ctx, db, "UPDATE users SET name = ? WHERE id IN (?, ?)", tricky, 3, 4); n != 1 {
				t.Errorf("UPDATE with a tricky argument: %d rows, want 1 (4 is deleted)", n)
			}
			var got string
			if err := raw.QueryRowContext(ctx, "SELECT name FROM users WHERE id = 3").Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tricky {
				t.Errorf("stored %q, want %q", got, tricky)
			}
			mysqlWant(t, "SELECT by the tricky argument", mysqlRows(t, ctx, db, "SELECT id FROM users WHERE name = ?", tricky), "3")
			mysqlCheck(t, ctx, raw, "SELECT COUNT(*), SUM(deleted_at IS NULL) FROM users", "5|2")
			// A time argument against the deleted column.
			mysqlWant(t, "deleted before a time argument", mysqlRows(t, WithOnlyDeleted(ctx), db,
				"SELECT id FROM users WHERE deleted_at < ? ORDER BY id", time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)), "2", "4")
		})
	}
}

func TestMySQLMultiStatements(t *testing.T) {
	mysqlBaseConfig(t)
	ctx := context.Background()
	m := mysqlFixture(t, "DATETIME(6)", "multiStatements=true")
	db, raw := m.DB, m.Raw
	// Both statements of a query are filtered.
	rows, err := db.QueryContext(ctx, "SELECT id FROM users ORDER BY id; SELECT id FROM posts ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	var sets [][]string
	for {
		var set []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			set = append(set, id)
		}
		sets = append(sets, set)
		if !rows.NextResultSet() {
			break
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if fmt.Sprint(sets) != "[[1 3 5] [10 12 14]]" {
		t.Errorf("two SELECTs in one query: got %v, want [[1 3 5] [10 12 14]]", sets)
	}
	// The DELETE in the second statement is soft: the row stays, stamped.
	mysqlExec(t, db, "SELECT 1; DELETE FROM users WHERE id = 1")
	mysqlWantRecentStamp(t, raw, "users", "deleted_at", 1)
	// A SET followed by another statement is refused (issue 9): no check
	// of the session can run between them. Sent one by one, it works.
	_, err = db.ExecContext(ctx, "SET @victim = 3; DELETE FROM users WHERE id = @victim")
	mysqlWantRefused(t, "SET then DELETE in one string", err)
	mysqlCheck(t, ctx, raw, "SELECT deleted_at IS NULL FROM users WHERE id = 3", "1")
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mysqlExec(t, conn, "SET @victim = 3", "DELETE FROM users WHERE id = @victim")
	conn.Close()
	mysqlWantRecentStamp(t, raw, "users", "deleted_at", 3)
	mysqlExec(t, db, "DELETE FROM posts WHERE id = 10; DELETE FROM comments WHERE id = 103;")
	mysqlWantRecentStamp(t, raw, "posts", "deleted_at", 10)
	mysqlWantRecentStamp(t, raw, "comments", "removed_at", 103)
	// A ';' inside a literal does not split the statement.
	mysqlExec(t, db, "UPDATE users SET name = 'a;DELETE FROM users' WHERE id = 5; SELECT 1")
	mysqlCheck(t, ctx, raw, "SELECT name, deleted_at IS NULL FROM users WHERE id = 5", "a;DELETE FROM users|1")
	mysqlCheck(t, ctx, raw, "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM posts), (SELECT COUNT(*) FROM comments)", "5|6|5")
	if got := mysqlStamp(t, raw, "users", "deleted_at", 2); got != mysqlOldStamp {
		t.Errorf("users 2 restamped: %s", got)
	}
	// One statement of the string refused: nothing at all is sent.
	_, err = db.ExecContext(ctx, "UPDATE users SET name = 'sent?' WHERE id = 5; TRUNCATE TABLE users")
	mysqlWantRefused(t, "a TRUNCATE after an UPDATE", err)
	mysqlCheck(t, ctx, raw, "SELECT name FROM users WHERE id = 5", "a;DELETE FROM users")
	mysqlCheck(t, ctx, raw, "SELECT COUNT(*) FROM users", "5")
	// Modes apply to every statement.
	mysqlExec(t, db, "SELECT 1")
	rows, err = db.QueryContext(WithOnlyDeleted(ctx, "users", "posts"), "SELECT COUNT(*) FROM users; SELECT COUNT(*) FROM posts")
	if err != nil {
		t.Fatal(err)
	}
	var counts []string
	for {
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			counts = append(counts, n)
		}
		if !rows.NextResultSet() {
			break
		}
	}
	rows.Close()
	mysqlWant(t, "trash counts of users and posts", counts, "4", "4")
}

// TestMySQLMultiStatementsInterpolated: arguments interpolated by the
// driver into a multi-statement string.
func TestMySQLMultiStatementsInterpolated(t *testing.T) {
	mysqlBaseConfig(t)
	ctx := context.Background()
	m := mysqlFixture(t, "TIMESTAMP(6)", "multiStatements=true&interpolateParams=true")
	db, raw := m.DB, m.Raw
	if _, err := db.ExecContext(ctx, "SELECT ?; DELETE FROM users WHERE id = ?", "x", 3); err != nil {
		t.Fatal(err)
	}
	mysqlWantRecentStamp(t, raw, "users", "deleted_at", 3)
	if _, err := db.ExecContext(ctx, "UPDATE users SET name = ? WHERE id = ?; DELETE FROM posts WHERE user_id = ?", "o'k;\\", 2, 1); err != nil {
		t.Fatal(err)
	}
	mysqlCheck(t, ctx, raw, "SELECT name FROM users WHERE id = 2", "bob")
	mysqlWantRecentStamp(t, raw, "posts", "deleted_at", 10)
	if got := mysqlStamp(t, raw, "posts", "deleted_at", 11); got != mysqlOldStamp {
		t.Errorf("posts 11 restamped: %s", got)
	}
	mysqlCheck(t, ctx, raw, "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM posts)", "5|6")
	mysqlCheck(t, ctx, db, "SELECT id FROM users ORDER BY id", "1", "5")
}

func TestMySQLClientFoundRows(t *testing.T) {
	mysqlBaseConfig(t)
	ctx := context.Background()
	for _, found := range []bool{false, true} {
		found := found
		t.Run("clientFoundRows="+strconv.FormatBool(found), func(t *testing.T) {
			m := mysqlFixture(t, "DATETIME(6)", "clientFoundRows="+strconv.FormatBool(found))
			db := m.DB
			// found: rows matched; otherwise rows changed.
			pick := func(matched, changed int64) int64 {
				if found {
					return matched
				}
				return changed
			}
			for _, c := range []struct {
				ctx  context.Context
				q    string
				want int64
			}{
				{ctx, "UPDATE users SET name = name WHERE id IN (1, 2)", pick(1, 0)},
				{ctx, "UPDATE users SET name = 'alice' WHERE id = 1", pick(1, 0)},
				{ctx, "UPDATE users SET name = 'zed' WHERE id = 2", 0},
				{WithIncludeDeleted(ctx), "UPDATE users SET name = name", pick(5, 0)},
				{WithOnlyDeleted(ctx), "UPDATE users SET name = name", pick(2, 0)},
				{ctx, "UPDATE users SET name = UPPER(name) WHERE id < 4", 2},
				{ctx, "DELETE FROM users WHERE id IN (1, 2)", 1},
				{ctx, "DELETE FROM users WHERE id IN (1, 2)", 0},
				{ctx, "DELETE u, p FROM users u JOIN posts p ON p.user_id = u.id WHERE u.id = 3", 2},
				{WithForce(ctx), "DELETE FROM users WHERE id = 4", 0},
				{WithForce(WithOnlyDeleted(ctx)), "DELETE FROM users WHERE id = 4", 1},
			} {
				if n := mysqlAffected(t, c.ctx, db, c.q); n != c.want {
					t.Errorf("%s: %d rows affected, want %d", c.q, n, c.want)
				}
			}
			for _, want := range []int64{1, 0} {
				res, err := Restore(ctx, db, "users", "id = ?", 1)
				if err != nil {
					t.Fatal(err)
				}
				if n, _ := res.RowsAffected(); n != want {
					t.Errorf("Restore of users 1: %d rows, want %d", n, want)
				}
			}
			mysqlCheck(t, ctx, m.Raw, "SELECT id, name, deleted_at IS NULL FROM users ORDER BY id",
				"1|ALICE|1", "2|bob|0", "3|CAROL|0", "5|erin|1")
		})
	}
}

// mysqlWaitGone waits until the server has no thread id.
func mysqlWaitGone(t testing.TB, raw *sql.DB, id int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		if err := raw.QueryRow("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ?", id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("connection %d still on the server after KILL", id)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestMySQLKilledConnection(t *testing.T) {
	mysqlBaseConfig(t)
	ctx := context.Background()
	t.Run("PinnedConn", func(t *testing.T) {
		m := mysqlFixture(t, "DATETIME(6)", "parseTime=true")
		db, raw := m.DB, m.Raw
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var id int64
		if err := conn.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
			t.Fatal(err)
		}
		st, err := conn.PrepareContext(ctx, "SELECT COUNT(*) FROM users")
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := st.QueryRowContext(ctx).Scan(&n); err != nil || n != 3 {
			t.Fatalf("before KILL: %d, %v; want 3", n, err)
		}
		mysqlExec(t, raw, fmt.Sprintf("KILL %d", id))
		mysqlWaitGone(t, raw, id)
		// Every further call on the dead connection fails, none panics.
		if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&n); err == nil {
			t.Errorf("query on a killed connection: no error")
		} else {
			t.Logf("query on a killed connection: %v", err)
		}
		if _, err := conn.ExecContext(ctx, "DELETE FROM users WHERE id = 1"); err == nil {
			t.Errorf("DELETE on a killed connection: no error")
		}
		if err := st.QueryRowContext(ctx).Scan(&n); err == nil {
			t.Errorf("prepared statement of a killed connection: no error")
		}
		if err := st.QueryRowContext(WithIncludeDeleted(ctx)).Scan(&n); err == nil {
			t.Errorf("prepared statement of a killed connection, new mode: no error")
		}
		st.Close()
		conn.Close()
		// The pool recovers, and statements are still rewritten.
		for i := 0; i < 3; i++ {
			mysqlCheck(t, ctx, db, "SELECT id FROM users ORDER BY id", "1", "3", "5")
		}
		if n := mysqlAffected(t, ctx, db, "DELETE FROM users WHERE id = 1"); n != 1 {
			t.Errorf("DELETE after recovery: %d rows, want 1", n)
		}
		mysqlWantRecentStamp(t, raw, "users", "deleted_at", 1)
		mysqlCheck(t, WithOnlyDeleted(ctx), db, "SELECT id FROM users ORDER BY id", "1", "2", "4")
	})
	t.Run("Transaction", func(t *testing.T) {
		m := mysqlFixture(t, "DATETIME(6)", "parseTime=true")
		db, raw := m.DB, m.Raw
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var id int64
		if err := tx.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
			t.Fatal(err)
		}
		if n := mysqlAffected(t, ctx, tx, "DELETE FROM users WHERE id = 1"); n != 1 {
			t.Errorf("DELETE in tx: %d rows, want 1", n)
		}
		mysqlExec(t, raw, fmt.Sprintf("KILL %d", id))
		mysqlWaitGone(t, raw, id)
		if _, err := tx.ExecContext(ctx, "DELETE FROM users WHERE id = 3"); err == nil {
			t.Errorf("DELETE in a tx whose connection was killed: no error")
		}
		if err := tx.Commit(); err == nil {
			t.Errorf("Commit of a tx whose connection was killed: no error")
		}
		// The server rolled the soft DELETE back.
		mysqlCheck(t, ctx, raw, "SELECT id FROM users WHERE deleted_at IS NULL ORDER BY id", "1", "3", "5")
		mysqlCheck(t, ctx, db, "SELECT id FROM users ORDER BY id", "1", "3", "5")
		if n := mysqlAffected(t, ctx, db, "DELETE FROM users WHERE id = 3"); n != 1 {
			t.Errorf("DELETE after recovery: %d rows, want 1", n)
		}
		mysqlWantRecentStamp(t, raw, "users", "deleted_at", 3)
	})
	t.Run("PooledPreparedStatement", func(t *testing.T) {
		m := mysqlFixture(t, "DATETIME(6)", "parseTime=true")
		db, raw := m.DB, m.Raw
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		st, err := db.PrepareContext(ctx, "SELECT id FROM users WHERE id > ? ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		query := func(ctx context.Context) ([]string, error) {
			rows, err := st.QueryContext(ctx, 0)
			if err != nil {
				return nil, err
			}
			return mysqlCollect(rows)
		}
		modes := []struct {
			name string
			ctx  context.Context
			want []string
		}{
			{"default", ctx, []string{"1", "3", "5"}},
			{"WithIncludeDeleted", WithIncludeDeleted(ctx), []string{"1", "2", "3", "4", "5"}},
			{"WithOnlyDeleted", WithOnlyDeleted(ctx), []string{"2", "4"}},
		}
		var killed int64
		for round := 0; round < 3; round++ {
			// Use every mode, so the connection holds an inner statement
			// for each; then kill it.
			for _, md := range modes {
				got, err := query(md.ctx)
				if err != nil {
					t.Fatalf("round %d, %s: %v", round, md.name, err)
				}
				mysqlWant(t, fmt.Sprintf("round %d, %s", round, md.name), got, md.want...)
			}
			var id int64
			if err := db.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
				t.Fatal(err)
			}
			if id == killed {
				t.Fatalf("round %d: the killed connection %d is in use again", round, id)
			}
			mysqlExec(t, raw, fmt.Sprintf("KILL %d", id))
			mysqlWaitGone(t, raw, id)
			killed = id
		}
		// database/sql prepares the statement again on a new connection.
		for _, md := range modes {
			got, err := query(md.ctx)
			if err != nil {
				t.Fatalf("after the last KILL, %s: %v", md.name, err)
			}
			mysqlWant(t, "after the last KILL, "+md.name, got, md.want...)
		}
		var id int64
		if err := db.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
			t.Fatal(err)
		}
		if id == killed {
			t.Errorf("the killed connection %d is still in use", id)
		}
	})
}

// mysqlKillSleepers kills the server threads of a database still running
// a SLEEP, left behind by cancelled queries.
func mysqlKillSleepers(t testing.TB, raw *sql.DB, dbName string) {
	t.Helper()
	rows := mysqlRows(t, context.Background(), raw,
		"SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO LIKE '%SLEEP(%' AND ID <> CONNECTION_ID()", dbName)
	for _, id := range rows {
		_, _ = raw.Exec("KILL " + id) // it may have ended by itself meanwhile
	}
}

func TestMySQLStatementTimeout(t *testing.T) {
	mysqlBaseConfig(t)
	ctx := context.Background()
	m := mysqlFixture(t, "DATETIME(6)", "parseTime=true")
	db, raw := m.DB, m.Raw
	defer mysqlKillSleepers(t, raw, m.Name)
	timeout := func(t *testing.T, what string, run func(ctx context.Context) error) {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := run(tctx)
		elapsed := time.Since(start)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: got %v, want context.DeadlineExceeded", what, err)
		}
		if elapsed > 3*time.Second {
			t.Errorf("%s: returned after %v, want about 200ms", what, elapsed)
		}
		mysqlKillSleepers(t, raw, m.Name)
		// The pool is healthy: the next statements work and are rewritten.
		mysqlCheck(t, ctx, db, "SELECT id FROM users ORDER BY id", "1", "3", "5")
		mysqlCheck(t, WithIncludeDeleted(ctx), db, "SELECT COUNT(*) FROM users", "5")
	}
	timeout(t, "db query", func(ctx context.Context) error {
		_, err := mysqlQueryE(ctx, db, "SELECT SLEEP(5) FROM users WHERE id = 1")
		return err
	})
	timeout(t, "db exec", func(ctx context.Context) error {
		_, err := db.ExecContext(ctx, "UPDATE users SET name = CONCAT(name, SLEEP(5)) WHERE id = 3")
		return err
	})
	timeout(t, "prepared statement", func(ctx context.Context) error {
		st, err := db.PrepareContext(context.Background(), "SELECT SLEEP(?) FROM users WHERE id = 1")
		if err != nil {
			return err
		}
		defer st.Close()
		_, err = mysqlQueryE(ctx, mysqlStmtQueryer{st}, "", 5)
		return err
	})
	timeout(t, "transaction", func(ctx context.Context) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		_, err = mysqlQueryE(ctx, tx, "SELECT SLEEP(5) FROM users WHERE id = 5")
		return err
	})
	var conn *sql.Conn
	timeout(t, "pinned connection", func(ctx context.Context) error {
		var err error
		conn, err = db.Conn(context.Background())
		if err != nil {
			return err
		}
		_, err = mysqlQueryE(ctx, conn, "SELECT SLEEP(5) FROM users WHERE id = 5")
		return err
	})
	if conn != nil {
		conn.Close()
	}
	// The update that timed out may have been applied or not; nothing else.
	mysqlCheck(t, ctx, raw, "SELECT id FROM users WHERE name NOT LIKE 'carol%' AND name NOT IN ('alice', 'bob', 'dave', 'erin')")
	if n := mysqlAffected(t, ctx, db, "DELETE FROM users WHERE id = 5"); n != 1 {
		t.Errorf("DELETE after the timeouts: %d rows, want 1", n)
	}
	mysqlWantRecentStamp(t, raw, "users", "deleted_at", 5)
}

// mysqlStmtQueryer makes a prepared statement a mysqlQueryer: it ignores
// the query text.
type mysqlStmtQueryer struct{ st *sql.Stmt }

func (s mysqlStmtQueryer) QueryContext(ctx context.Context, _ string, args ...any) (*sql.Rows, error) {
	return s.st.QueryContext(ctx, args...)
}

func TestMySQLConcurrency(t *testing.T) {
	mysqlBaseConfig(t)
	ctx := context.Background()
	m := mysqlOpen(t, "users,items", "parseTime=true")
	db, raw := m.DB, m.Raw
	const workers = 32
	old := "'" + mysqlOldStamp + "'"
	mysqlExec(t, raw,
		"CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL, deleted_at DATETIME(6) NULL DEFAULT NULL)",
		"INSERT INTO users VALUES (1, 'alice', NULL), (2, 'bob', "+old+"), (3, 'carol', NULL), (4, 'dave', "+old+"), (5, 'erin', NULL)",
		"CREATE TABLE items (id INT PRIMARY KEY, deleted_at TIMESTAMP(6) NULL DEFAULT NULL)",
	)
	for g := 1; g <= workers; g++ {
		mysqlExec(t, raw, fmt.Sprintf("INSERT INTO items VALUES (%d, NULL)", g))
	}
	db.SetMaxOpenConns(20)
	prep := func(q string) *sql.Stmt {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	stCount := prep("SELECT COUNT(*) FROM users")
	stJoin := prep("SELECT COUNT(*), COUNT(u2.id) FROM users u LEFT JOIN users u2 ON u2.id = u.id + 1")
	stItem := prep("SELECT COUNT(*) FROM items WHERE id = ?")
	stDel := prep("DELETE FROM items WHERE id = ?")

	type modeCase struct {
		name  string
		ctx   context.Context
		count string // live/all/deleted users
		join  string
	}
	modes := []modeCase{
		{"default", ctx, "3", "3|0"},
		{"WithIncludeDeleted", WithIncludeDeleted(ctx), "5", "5|4"},
		{"WithOnlyDeleted", WithOnlyDeleted(ctx), "2", "2|0"},
		{"WithOnlyDeleted(users)", WithOnlyDeleted(ctx, "users"), "2", "2|0"},
		{"raw", WithForce(WithIncludeDeleted(ctx)), "5", "5|4"},
	}
	one := func(ctx context.Context, q mysqlQueryer, query string, args ...any) (string, error) {
		rows, err := mysqlQueryE(ctx, q, query, args...)
		if err != nil {
			return "", err
		}
		if len(rows) != 1 {
			return "", fmt.Errorf("%d rows", len(rows))
		}
		return rows[0], nil
	}
	expect := func(what, got string, err error, want string) error {
		if err != nil {
			return fmt.Errorf("%s: %v", what, err)
		}
		if got != want {
			return fmt.Errorf("%s: got %s, want %s", what, got, want)
		}
		return nil
	}
	affected := func(what string, res sql.Result, err error, want int64) error {
		if err != nil {
			return fmt.Errorf("%s: %v", what, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("%s: %v", what, err)
		}
		if n != want {
			return fmt.Errorf("%s: %d rows affected, want %d", what, n, want)
		}
		return nil
	}
	step := func(g, i int) error {
		md := modes[(g+i)%len(modes)]
		switch (g*7 + i) % 6 {
		case 0:
			got, err := one(md.ctx, db, "SELECT COUNT(*) FROM users")
			return expect("count, "+md.name, got, err, md.count)
		case 1:
			got, err := one(md.ctx, mysqlStmtQueryer{stCount}, "")
			if err := expect("prepared count, "+md.name, got, err, md.count); err != nil {
				return err
			}
			got, err = one(md.ctx, mysqlStmtQueryer{stJoin}, "")
			return expect("prepared outer join, "+md.name, got, err, md.join)
		case 2:
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			got, err := one(md.ctx, tx, "SELECT COUNT(*) FROM users")
			if err := expect("tx count, "+md.name, got, err, md.count); err != nil {
				return err
			}
			got, err = one(md.ctx, mysqlStmtQueryer{tx.StmtContext(ctx, stJoin)}, "")
			if err := expect("tx prepared join, "+md.name, got, err, md.join); err != nil {
				return err
			}
			return tx.Commit()
		case 3:
			// This worker's own item: soft delete, look, restore.
			res, err := stDel.ExecContext(ctx, g)
			if err := affected("soft DELETE of own item", res, err, 1); err != nil {
				return err
			}
			got, err := one(ctx, mysqlStmtQueryer{stItem}, "", g)
			if err := expect("own item after DELETE", got, err, "0"); err != nil {
				return err
			}
			got, err = one(WithOnlyDeleted(ctx), mysqlStmtQueryer{stItem}, "", g)
			if err := expect("own item in the trash", got, err, "1"); err != nil {
				return err
			}
			res, err = Restore(ctx, db, "items", "id = ?", g)
			if err := affected("Restore of own item", res, err, 1); err != nil {
				return err
			}
			got, err = one(ctx, mysqlStmtQueryer{stItem}, "", g)
			return expect("own item after Restore", got, err, "1")
		case 4:
			conn, err := db.Conn(ctx)
			if err != nil {
				return err
			}
			defer conn.Close()
			st, err := conn.PrepareContext(md.ctx, "SELECT COUNT(*) FROM users WHERE id > ?")
			if err != nil {
				return err
			}
			defer st.Close()
			for _, md2 := range modes {
				got, err := one(md2.ctx, mysqlStmtQueryer{st}, "", 0)
				if err := expect("conn prepared count, "+md2.name, got, err, md2.count); err != nil {
					return err
				}
			}
			return nil
		default:
			got, err := one(md.ctx, db, "SELECT COUNT(*), COUNT(u2.id) FROM users u LEFT JOIN users u2 ON u2.id = u.id + 1")
			if err := expect("outer join, "+md.name, got, err, md.join); err != nil {
				return err
			}
			// A forced DELETE and a refused one of rows that do not exist
			// change nothing.
			res, err := db.ExecContext(WithForce(ctx), "DELETE FROM users WHERE id = ?", 1000+g)
			if err := affected("forced DELETE of nothing", res, err, 0); err != nil {
				return err
			}
			if _, err := db.ExecContext(ctx, "TRUNCATE TABLE users"); !errors.Is(err, ErrRefused) {
				return fmt.Errorf("TRUNCATE: got %v, want a refusal", err)
			}
			return nil
		}
	}
	var ops, failures atomic.Int64
	deadline := time.Now().Add(3 * time.Second)
	var wg sync.WaitGroup
	for g := 1; g <= workers; g++ {
		g := g
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				if err := step(g, i); err != nil {
					if failures.Add(1) <= 10 {
						t.Errorf("worker %d, step %d: %v", g, i, err)
					}
				}
				ops.Add(1)
			}
		}()
	}
	wg.Wait()
	t.Logf("%d operations by %d workers, %d failures", ops.Load(), workers, failures.Load())
	if ops.Load() < workers*5 {
		t.Errorf("only %d operations in 3 s", ops.Load())
	}
	// Nothing changed for good.
	mysqlCheck(t, ctx, raw, "SELECT id, DATE_FORMAT(deleted_at, '%Y-%m-%d %H:%i:%s.%f') FROM users ORDER BY id",
		"1|NULL", "2|"+mysqlOldStamp, "3|NULL", "4|"+mysqlOldStamp, "5|NULL")
	mysqlCheck(t, ctx, raw, "SELECT COUNT(*), SUM(deleted_at IS NULL) FROM items", strconv.Itoa(workers)+"|"+strconv.Itoa(workers))
	st, err := Stats(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if st.Hits == 0 {
		t.Errorf("rewrite cache: %+v, want hits", st)
	}
}

// Issue 9: statements that change how the session reads SQL. The leak and
// the deletion each reproduction led to on the same connection.
const (
	mysqlLeakQuery  = `SELECT id FROM tags WHERE 'a' = '\' UNION SELECT id FROM users -- '`
	mysqlPurgeQuery = `DELETE FROM tags WHERE 'a' = '\'; DELETE FROM users -- '`
)

// mysqlWantUsersIntact fails the test unless the fixture's users are all
// there, 2 and 4 still deleted.
func mysqlWantUsersIntact(t testing.TB, raw *sql.DB) {
	t.Helper()
	mysqlCheck(t, context.Background(), raw, "SELECT id, deleted_at IS NULL FROM users ORDER BY id",
		"1|1", "2|0", "3|1", "4|0", "5|1")
}

// mysqlWantSafeSession fails the test unless the pool's connections read
// SQL as softdelete does, and a leak attempt through db finds nothing.
func mysqlWantSafeSession(t testing.TB, m *mysqlTestDB) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		rows := mysqlRows(t, ctx, m.DB, "SELECT @@SESSION.sql_mode, @@SESSION.character_set_client")
		if len(rows) != 1 || strings.Contains(rows[0], "ANSI_QUOTES") || strings.Contains(rows[0], "NO_BACKSLASH_ESCAPES") ||
			!strings.HasSuffix(rows[0], "|utf8mb4") {
			t.Fatalf("a pooled connection kept an unsafe session: %v", rows)
		}
	}
	mysqlCheck(t, ctx, m.DB, mysqlLeakQuery)
	mysqlExec(t, m.DB, mysqlPurgeQuery)
	mysqlWantUsersIntact(t, m.Raw)
}

// TestMySQLSessionSQLModeChecked: a SET of sql_mode that the up-front
// check cannot judge (a number, hex, adjacent strings) is checked on the
// server after it runs; the call fails, the connection sends nothing more
// and database/sql discards it.
func TestMySQLSessionSQLModeChecked(t *testing.T) {
	m := mysqlFixture(t, "DATETIME(6)", "multiStatements=true")
	ctx := context.Background()
	m.DB.SetMaxOpenConns(1)
	for _, c := range []struct{ set, flag string }{
		{"SET sql_mode = 1048576", "NO_BACKSLASH_ESCAPES"},
		{"SET sql_mode = 0x4e4f5f4241434b534c4153485f45534341504553", "NO_BACKSLASH_ESCAPES"},
		{"SET SESSION sql_mode = 'NO_BACKSLASH' '_ESCAPES'", "NO_BACKSLASH_ESCAPES"},
		{"SET sql_mode = 4", "ANSI_QUOTES"},
	} {
		conn, err := m.DB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = conn.ExecContext(ctx, c.set)
		if !errors.Is(err, ErrUnsafeSession) || !strings.Contains(err.Error(), c.flag) || !strings.Contains(err.Error(), c.set) {
			t.Errorf("%s: %v, want a *SessionError naming the statement and %s", c.set, err, c.flag)
		}
		if rows, err := mysqlQueryE(ctx, conn, mysqlLeakQuery); !errors.Is(err, driver.ErrBadConn) {
			t.Errorf("%s, then a query on the same connection: %v, %v, want driver.ErrBadConn (nothing sent)", c.set, rows, err)
		}
		if _, err := conn.ExecContext(ctx, mysqlPurgeQuery); !errors.Is(err, driver.ErrBadConn) && !errors.Is(err, sql.ErrConnDone) {
			t.Errorf("%s, then a DELETE on the same connection: %v, want it not sent", c.set, err)
		}
		conn.Close()
		mysqlWantUsersIntact(t, m.Raw)
		// Through the pool, the same statement fails the same way and
		// leaves no connection behind that reads SQL otherwise.
		if _, err := m.DB.ExecContext(ctx, c.set); !errors.Is(err, ErrUnsafeSession) {
			t.Errorf("%s through the pool: %v, want a *SessionError", c.set, err)
		}
		mysqlWantSafeSession(t, m)
	}
}

// TestMySQLSessionQueryChecked: a session change run as a query (its rows
// open, so nothing can be checked yet) is checked before the connection
// sends anything else: on a held connection the next call fails with the
// clear error, in the pool the connection is discarded before reuse.
func TestMySQLSessionQueryChecked(t *testing.T) {
	m := mysqlFixture(t, "DATETIME(6)", "")
	ctx := context.Background()
	m.DB.SetMaxOpenConns(1)
	conn, err := m.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mysqlQueryE(ctx, conn, "SET sql_mode = 4"); err != nil {
		t.Fatalf("SET sql_mode = 4 as a query: %v", err)
	}
	if rows, err := mysqlQueryE(ctx, conn, mysqlLeakQuery); !errors.Is(err, ErrUnsafeSession) || !strings.Contains(err.Error(), "ANSI_QUOTES") {
		t.Errorf("the query after SET sql_mode = 4: %v, %v, want a *SessionError naming ANSI_QUOTES", rows, err)
	}
	if rows, err := mysqlQueryE(ctx, conn, mysqlLeakQuery); !errors.Is(err, driver.ErrBadConn) {
		t.Errorf("the next query: %v, %v, want driver.ErrBadConn", rows, err)
	}
	conn.Close()
	if _, err := mysqlQueryE(ctx, m.DB, "SET sql_mode = 'NO_BACKSLASH' '_ESCAPES'"); err != nil {
		t.Fatalf("SET sql_mode as a query through the pool: %v", err)
	}
	mysqlWantSafeSession(t, m)
	// Prepared, the same: checked after each execution.
	st, err := m.DB.PrepareContext(ctx, "SET sql_mode = 1048576")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.ExecContext(ctx); !errors.Is(err, ErrUnsafeSession) {
		t.Errorf("prepared SET sql_mode = 1048576: %v, want a *SessionError", err)
	}
	mysqlWantSafeSession(t, m)
}

// TestMySQLSessionCharsetChecked: the client character set is checked on
// the server too; here set raw (WithForce(WithIncludeDeleted)), which the
// up-front check does not judge, and in a compound statement.
func TestMySQLSessionCharsetChecked(t *testing.T) {
	m := mysqlFixture(t, "DATETIME(6)", "")
	ctx := context.Background()
	m.DB.SetMaxOpenConns(1)
	for _, set := range []string{"SET NAMES latin1", "/*!40101 SET NAMES gbk */"} {
		conn, err := m.DB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = conn.ExecContext(WithForce(WithIncludeDeleted(ctx)), set)
		if !errors.Is(err, ErrUnsafeSession) || !strings.Contains(err.Error(), "character set") {
			t.Errorf("raw %s: %v, want a *SessionError naming the character set", set, err)
		}
		if rows, err := mysqlQueryE(ctx, conn, "SELECT id FROM\xa0users"); !errors.Is(err, driver.ErrBadConn) {
			t.Errorf("raw %s, then a query: %v, %v, want driver.ErrBadConn", set, rows, err)
		}
		conn.Close()
		mysqlWantSafeSession(t, m)
	}
}

// TestMySQLSessionBypassesRefused: the forms that hid a session change or
// a prepared statement from the up-front check are refused before they
// are sent, and nothing they aimed at happens.
func TestMySQLSessionBypassesRefused(t *testing.T) {
	m := mysqlFixture(t, "DATETIME(6)", "multiStatements=true")
	ctx := context.Background()
	m.DB.SetMaxOpenConns(1)
	for _, q := range []string{
		"SET sql_mode = 'POSTGRESQL'", "SET sql_mode = 'ORACLE'", "SET sql_mode = 'MSSQL'", "SET sql_mode = 'DB2'",
		"SET sql_mode = 'MAXDB'", "SET sql_mode = 'ANSI'",
		"/*!40101 SET sql_mode = 'NO_BACKSLASH_ESCAPES' */", "/*M!100000 SET sql_mode = 'NO_BACKSLASH_ESCAPES' */",
		"/*!40101 SET NAMES latin1 */", "--\tc\nSET NAMES latin1", "--\nSET NAMES gbk",
		"SET sql_mode = 1048576; " + mysqlPurgeQuery,
	} {
		_, err := m.DB.ExecContext(ctx, q)
		mysqlWantRefused(t, q, err)
		mysqlWantSafeSession(t, m)
	}
	rows, err := mysqlQueryE(ctx, m.DB, "SELECT id FROM\xa0users")
	if err == nil && len(rows) > 0 && strings.Contains(strings.Join(rows, ","), "2") {
		t.Errorf("SELECT id FROM<0xA0>users returned deleted users: %v", rows)
	}
}

// TestMySQLSessionPreparedRefused: SQL-level PREPARE and EXECUTE, however
// hidden, are refused: the text they run is never seen by softdelete.
func TestMySQLSessionPreparedRefused(t *testing.T) {
	m := mysqlFixture(t, "DATETIME(6)", "multiStatements=true")
	ctx := context.Background()
	mysqlExec(t, m.DB, "SET @q = concat('DELETE FROM us','ers WHERE id = 3')")
	for _, q := range []string{"--\tx\nPREPARE s FROM @q", "/*!50000 EXECUTE s */", "/*M!100000 EXECUTE s */", "DEALLOCATE PREPARE s"} {
		_, err := m.DB.ExecContext(ctx, q)
		mysqlWantRefused(t, q, err)
	}
	mysqlWantUsersIntact(t, m.Raw)
}
