package softdelete

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"testing"
)

// TestMySQLStmtOneServerPrepare: a statement run under the nine mode
// combinations prepares one server-side statement per distinct rewritten
// text (each counts against max_prepared_stmt_count), counted with the
// session's Com_stmt_prepare.
func TestMySQLStmtOneServerPrepare(t *testing.T) {
	ctx := context.Background()
	m := mysqlFixture(t, "DATETIME(6)", "parseTime=true")
	c, err := NewConnector(Config{DriverName: "mysql", DSN: m.InnerDSN, Tables: strings.Split(mysqlFixtureTables, ",")})
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	prepares := func() int {
		var name, value string
		if err := conn.QueryRowContext(ctx, "SHOW SESSION STATUS LIKE 'Com_stmt_prepare'").Scan(&name, &value); err != nil {
			t.Fatal(err)
		}
		n, err := strconv.Atoi(value)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	const q = "SELECT count(*) FROM posts p JOIN users u ON u.id = p.user_id WHERE p.id > ?"
	before := prepares()
	st, err := conn.PrepareContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	distinct := map[string]bool{}
	for round := 0; round < 2; round++ {
		for _, mctx := range nineModes(ctx) {
			out, err := c.Rewrite(mctx, q)
			if err != nil {
				t.Fatal(err)
			}
			distinct[out] = true
			var n int
			if err := st.QueryRowContext(mctx, 0).Scan(&n); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if got := prepares() - before; got != len(distinct) {
		t.Errorf("%d server-side prepares for %d distinct rewrites", got, len(distinct))
	}
}
