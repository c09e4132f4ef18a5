package softdelete

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// Statements prepared, run under several modes and closed one after the
// other on one connection each see only their own query and modes.
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
}
