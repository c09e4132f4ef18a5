package softdelete

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"io"
	"path/filepath"
	"testing"
)

// Closing a closed statement again is harmless: it does not close the
// statement prepared after it on the same connection (an earlier version
// handed out the closed statement's struct again).
func TestStmtCloseTwice(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c, err := NewConnector(Config{DriverName: "sqlite3", DSN: filepath.Join(dir, "c.db"), Tables: []string{"users"}, Check: CheckOff})
	if err != nil {
		t.Fatal(err)
	}
	dc, err := c.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	pc := dc.(driver.ConnPrepareContext)
	for _, q := range []string{"SELECT 1", "CREATE TABLE users (id INTEGER PRIMARY KEY, deleted_at DATETIME)"} {
		st, err := pc.PrepareContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.(driver.StmtExecContext).ExecContext(ctx, nil); err != nil {
			t.Fatal(err)
		}
		st.Close()
	}
	for _, q := range []string{"SELECT 1", "SELECT count(*) FROM users"} {
		st1, err := pc.PrepareContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		// Under a second mode too, so that it holds two inner statements.
		if _, err := st1.(driver.StmtQueryContext).QueryContext(WithIncludeDeleted(ctx), nil); err != nil {
			t.Fatal(err)
		}
		if err := st1.Close(); err != nil {
			t.Fatal(err)
		}
		st2, err := pc.PrepareContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if err := st1.Close(); err != nil {
			t.Errorf("%s: second Close = %v, want nil", q, err)
		}
		rows, err := st2.(driver.StmtQueryContext).QueryContext(ctx, nil)
		if err != nil {
			t.Fatalf("%s: the statement prepared after a closed one, closed again: %v", q, err)
		}
		vals := make([]driver.Value, 1)
		if err := rows.Next(vals); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		rows.Close()
		if err := st2.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// textDriver's statements answer a query with one row holding the text they
// were prepared from; prepared lists every text, in order.
type textDriver struct{ prepared []string }

func (d *textDriver) Open(string) (driver.Conn, error) { return &textConn{d: d}, nil }

type textConn struct{ d *textDriver }

func (c *textConn) Prepare(q string) (driver.Stmt, error) {
	c.d.prepared = append(c.d.prepared, q)
	return &textStmt{q: q}, nil
}
func (c *textConn) Close() error              { return nil }
func (c *textConn) Begin() (driver.Tx, error) { return nil, io.EOF }

type textStmt struct{ q string }

func (s *textStmt) Close() error                               { return nil }
func (s *textStmt) NumInput() int                              { return -1 }
func (s *textStmt) Exec([]driver.Value) (driver.Result, error) { return driver.RowsAffected(0), nil }
func (s *textStmt) Query([]driver.Value) (driver.Rows, error)  { return &textRows{q: s.q}, nil }

type textRows struct {
	q    string
	done bool
}

func (r *textRows) Columns() []string { return []string{"q"} }
func (r *textRows) Close() error      { return nil }
func (r *textRows) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	r.done, dest[0] = true, r.q
	return nil
}

// nineModes are the mode combinations of the README's table.
func nineModes(ctx context.Context) []context.Context {
	return []context.Context{
		ctx,
		WithIncludeDeleted(ctx),
		WithIncludeDeleted(ctx, "posts"),
		WithOnlyDeleted(ctx),
		WithOnlyDeleted(ctx, "posts"),
		WithForce(ctx),
		WithForce(WithOnlyDeleted(ctx)),
		WithForce(WithIncludeDeleted(ctx)),
		WithIncludeDeleted(WithOnlyDeleted(ctx, "users"), "posts"),
	}
}

// A statement prepares one inner statement per distinct rewritten text,
// however many modes it runs under, and each mode runs its own rewrite.
func TestStmtOneInnerPerText(t *testing.T) {
	ctx := context.Background()
	d := &textDriver{}
	c, err := NewConnector(Config{Connector: dsnConnector{drv: d}, Dialect: "mysql", Tables: []string{"users", "posts"}, Check: CheckOff})
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	db.SetMaxOpenConns(1)
	const q = "SELECT p.id FROM posts p JOIN users u ON u.id = p.user_id"
	st, err := db.PrepareContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	distinct := map[string]bool{}
	for round := 0; round < 2; round++ {
		for i, mctx := range nineModes(ctx) {
			want, err := c.Rewrite(mctx, q)
			if err != nil {
				t.Fatal(err)
			}
			distinct[want] = true
			var got string
			if err := st.QueryRowContext(mctx).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("mode %d ran %q, want %q", i, got, want)
			}
		}
	}
	if len(distinct) < 3 {
		t.Fatalf("only %d distinct rewrites: the test needs more", len(distinct))
	}
	if len(d.prepared) != len(distinct) {
		t.Errorf("%d inner prepares for %d distinct rewrites: %q", len(d.prepared), len(distinct), d.prepared)
	}
}

// Connector packages: go-sql-driver/mysql, go-sqlite3, modernc.org/sqlite,
// and PostgreSQL's lib/pq and every pgx major version.
func TestDriverByPackage(t *testing.T) {
	for path, want := range map[string]*dialect{
		"github.com/go-sql-driver/mysql": dialectMySQL,
		"github.com/mattn/go-sqlite3":    dialectSQLite,
		"modernc.org/sqlite":             dialectSQLite,
		"github.com/lib/pq":              dialectPostgres,
		"github.com/jackc/pgx/v5/stdlib": dialectPostgres,
		"github.com/jackc/pgx/v4/stdlib": dialectPostgres,
	} {
		k, ok := driverByPackage(path)
		if !ok || k.d != want {
			t.Errorf("%s: %+v, %v; want dialect %v", path, k, ok, want)
		}
	}
	if k, ok := driverByPackage("example.com/other"); ok {
		t.Errorf("an unknown package is known: %+v", k)
	}
}
