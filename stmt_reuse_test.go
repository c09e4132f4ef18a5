package softdelete

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"path/filepath"
	"testing"
)

// A statement closed on a connection is reused by the next prepare (see
// conn.spare): the reused statement must hold nothing of its past life,
// whatever the statements and modes before it.
func TestStmtReuseAfterClose(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open(DriverName, "driver=sqlite3 tables=users dsn="+filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		"CREATE TABLE users (id INTEGER PRIMARY KEY, deleted_at DATETIME)",
		"CREATE TABLE plain (id INTEGER PRIMARY KEY, deleted_at DATETIME)",
		"INSERT INTO users (id, deleted_at) VALUES (1, NULL), (2, '2020-01-01'), (3, NULL)",
		"INSERT INTO plain (id, deleted_at) VALUES (1, NULL), (2, '2020-01-01')",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(q, err)
		}
	}
	cases := []struct {
		q    string
		ctx  context.Context
		want int
	}{
		{"SELECT count(*) FROM users WHERE id > ?", ctx, 2},
		{"SELECT count(*) FROM plain WHERE id > ?", ctx, 2},
		{"SELECT count(*) FROM users WHERE id > ?", WithIncludeDeleted(ctx), 3},
		{"SELECT count(*) FROM users WHERE id > ?", WithOnlyDeleted(ctx), 1},
		{"SELECT count(*) FROM plain WHERE id > ?", WithOnlyDeleted(ctx, "users"), 2},
		{"SELECT count(*) FROM users WHERE id > ?", ctx, 2},
	}
	for round := 0; round < 3; round++ {
		for _, c := range cases {
			st, err := db.PrepareContext(c.ctx, c.q)
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := st.QueryRowContext(c.ctx, 0).Scan(&n); err != nil {
				t.Fatal(c.q, err)
			}
			if n != c.want {
				t.Errorf("round %d: %s: %d rows, want %d", round, c.q, n, c.want)
			}
			// The same statement, under the other modes.
			if err := st.QueryRowContext(WithIncludeDeleted(ctx), 0).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}

	// On one connection, the next prepare gets the closed statement back.
	c, err := NewConnector(Config{DriverName: "sqlite3", DSN: filepath.Join(t.TempDir(), "s.db"), Tables: []string{"users"}, Check: CheckOff})
	if err != nil {
		t.Fatal(err)
	}
	dc, err := c.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	pc := dc.(driver.ConnPrepareContext)
	st1, err := pc.PrepareContext(ctx, "SELECT 1")
	if err != nil {
		t.Fatal(err)
	}
	st1.Close()
	st2, err := pc.PrepareContext(ctx, "SELECT 2")
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	if st1 != st2 {
		t.Error("the closed statement was not reused")
	}
	if s := st2.(interface{ softdeleteStmt() *stmt }).softdeleteStmt(); s.query != "SELECT 2" || s.byKey != nil || s.extra != nil {
		t.Errorf("reused statement keeps its past: %+v", s)
	}
}
