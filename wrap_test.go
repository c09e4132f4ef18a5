package softdelete

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"io"
	"math/bits"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/DATA-DOG/go-sqlmock"
	_ "github.com/mattn/go-sqlite3"
)

// The optional interfaces softdelete forwards, in any order: the bit order
// of the masks is cmd/wrapgen's alone.
var (
	connOptional = []reflect.Type{
		reflect.TypeOf((*driver.ConnBeginTx)(nil)).Elem(),
		reflect.TypeOf((*driver.ExecerContext)(nil)).Elem(),
		reflect.TypeOf((*driver.QueryerContext)(nil)).Elem(),
		reflect.TypeOf((*driver.Pinger)(nil)).Elem(),
		reflect.TypeOf((*driver.SessionResetter)(nil)).Elem(),
		reflect.TypeOf((*driver.Validator)(nil)).Elem(),
		reflect.TypeOf((*driver.NamedValueChecker)(nil)).Elem(),
	}
	stmtOptional = []reflect.Type{
		reflect.TypeOf((*driver.NamedValueChecker)(nil)).Elem(),
		reflect.TypeOf((*driver.ColumnConverter)(nil)).Elem(),
	}
	// Interfaces no wrapper may claim: softdelete does not forward them.
	neverForwarded = []reflect.Type{
		reflect.TypeOf((*driver.Execer)(nil)).Elem(),
		reflect.TypeOf((*driver.Queryer)(nil)).Elem(),
	}
)

func implemented(v any, types []reflect.Type) (mask uint) {
	for i, ty := range types {
		if reflect.TypeOf(v).Implements(ty) {
			mask |= 1 << i
		}
	}
	return mask
}

// Each wrapper has exactly the interfaces of its mask: detecting them on the
// wrapper gives the mask back, and it has no other optional interface.
func TestWrapperMasks(t *testing.T) {
	for mask := uint(0); mask < 1<<len(connOptional); mask++ {
		w := wrapConnMask(&conn{}, mask)
		if got := connMask(w, &conn{}); got != mask {
			t.Fatalf("conn mask %08b: wrapper has the interfaces of mask %08b", mask, got)
		}
		if got := implemented(w, connOptional); bits.OnesCount(got) != bits.OnesCount(mask) {
			t.Fatalf("conn mask %08b: wrapper implements %d optional interfaces, want %d", mask, bits.OnesCount(got), bits.OnesCount(mask))
		}
		if implemented(w, neverForwarded) != 0 {
			t.Fatalf("conn mask %08b: wrapper implements a deprecated interface", mask)
		}
		// Always there, so that Prepare sees the context's modes.
		if _, ok := w.(driver.ConnPrepareContext); !ok {
			t.Fatalf("conn mask %08b: wrapper lacks ConnPrepareContext", mask)
		}
	}
	for mask := uint(0); mask < 1<<len(stmtOptional); mask++ {
		w := wrapStmtMask(&stmt{}, mask)
		if got := stmtMask(w); got != mask {
			t.Fatalf("stmt mask %02b: wrapper has the interfaces of mask %02b", mask, got)
		}
		if got := implemented(w, stmtOptional); bits.OnesCount(got) != bits.OnesCount(mask) {
			t.Fatalf("stmt mask %02b: wrapper implements %d optional interfaces, want %d", mask, bits.OnesCount(got), bits.OnesCount(mask))
		}
		// Always there, so that statements see the context's modes.
		if _, ok := w.(driver.StmtExecContext); !ok {
			t.Fatal("stmt wrapper lacks StmtExecContext")
		}
		if _, ok := w.(driver.StmtQueryContext); !ok {
			t.Fatal("stmt wrapper lacks StmtQueryContext")
		}
	}
}

// everyConn has every optional interface a connection may have.
type everyConn struct{ fakeConn }

func (everyConn) BeginTx(context.Context, driver.TxOptions) (driver.Tx, error) { return nil, io.EOF }
func (everyConn) QueryContext(context.Context, string, []driver.NamedValue) (driver.Rows, error) {
	return nil, io.EOF
}
func (everyConn) Ping(context.Context) error               { return nil }
func (everyConn) ResetSession(context.Context) error       { return nil }
func (everyConn) IsValid() bool                            { return true }
func (everyConn) CheckNamedValue(*driver.NamedValue) error { return nil }

// connMask stores each optional interface the inner connection has in the
// conn field the forwarding piece calls, and leaves the others nil.
func TestConnMaskFillsFields(t *testing.T) {
	for name, inner := range map[string]driver.Conn{
		"every": &everyConn{}, "execer only": &fakeConn{}, "none": struct{ driver.Conn }{&fakeConn{}},
	} {
		c := &conn{}
		mask := connMask(inner, c)
		if got := implemented(inner, connOptional); bits.OnesCount(mask) != bits.OnesCount(got) {
			t.Errorf("%s: mask %08b for a connection with %d optional interfaces", name, mask, bits.OnesCount(got))
		}
		fields := reflect.ValueOf(c).Elem()
		for _, ty := range connOptional {
			found := 0
			for i := 0; i < fields.NumField(); i++ {
				if f := fields.Field(i); f.Type() == ty {
					found++
					if f.IsNil() == reflect.TypeOf(inner).Implements(ty) {
						t.Errorf("%s: field %s nil = %v", name, fields.Type().Field(i).Name, f.IsNil())
					}
				}
			}
			if found != 1 {
				t.Errorf("conn has %d fields of type %v, want 1", found, ty)
			}
		}
	}
}

// The wrapper of a real driver's connection has exactly its interfaces.
func TestWrapperMatchesRealDrivers(t *testing.T) {
	_, _, err := sqlmock.NewWithDSN("softdelete_wrap_test")
	if err != nil {
		t.Fatal(err)
	}
	for name, dsn := range map[string]string{
		"sqlite3": filepath.Join(t.TempDir(), "w.db"),
		"sqlmock": "softdelete_wrap_test",
	} {
		c, err := NewConnector(Config{DriverName: name, DSN: dsn, Dialect: "sqlite", Tables: []string{"users"}, Check: CheckOff})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		inner, err := c.inner.Connect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		w := wrapConn(inner, c.rw, false)
		if got, want := implemented(w, connOptional), implemented(inner, connOptional); got != want {
			t.Errorf("%s: wrapper implements %08b, inner connection %08b", name, got, want)
		}
		if name == "sqlite3" {
			st, err := w.Prepare("SELECT 1")
			if err != nil {
				t.Fatal(err)
			}
			is := st.(interface{ softdeleteStmt() *stmt }).softdeleteStmt().prepared
			if got, want := implemented(st, stmtOptional), implemented(is, stmtOptional); got != want {
				t.Errorf("%s: statement wrapper implements %02b, inner statement %02b", name, got, want)
			}
			st.Close()
		}
		inner.Close()
	}
}

// fakeDriver's connections answer ExecContext with driver.ErrSkip, as
// go-sql-driver/mysql does for statements with arguments, and record what
// they are asked to prepare.
type fakeDriver struct{ prepared, execed []string }

func (d *fakeDriver) Open(string) (driver.Conn, error) { return &fakeConn{d: d}, nil }

type fakeConn struct{ d *fakeDriver }

func (c *fakeConn) Prepare(q string) (driver.Stmt, error) {
	c.d.prepared = append(c.d.prepared, q)
	return fakeStmt{}, nil
}
func (c *fakeConn) Close() error              { return nil }
func (c *fakeConn) Begin() (driver.Tx, error) { return nil, io.EOF }
func (c *fakeConn) ExecContext(_ context.Context, q string, _ []driver.NamedValue) (driver.Result, error) {
	c.d.execed = append(c.d.execed, q)
	return nil, driver.ErrSkip
}

type fakeStmt struct{}

func (fakeStmt) Close() error                               { return nil }
func (fakeStmt) NumInput() int                              { return -1 }
func (fakeStmt) Exec([]driver.Value) (driver.Result, error) { return driver.RowsAffected(1), nil }
func (fakeStmt) Query([]driver.Value) (driver.Rows, error)  { return nil, io.EOF }

func TestErrSkipRewritesOnce(t *testing.T) {
	fd := &fakeDriver{}
	sql.Register("softdelete_fake", fd)
	db, err := sql.Open(DriverName, "driver=softdelete_fake check=off dialect=mysql tables=users dsn=x")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(WithForce(context.Background()), "DELETE FROM users WHERE id = ?", 1); err != nil {
		t.Fatal(err)
	}
	want := "delete from users where (id = ?) and users.deleted_at is null"
	if len(fd.execed) != 1 || fd.execed[0] != want {
		t.Fatalf("ExecContext got %q, want [%q]", fd.execed, want)
	}
	// database/sql falls back to Prepare with the original text, which is
	// rewritten from the original once: not twice over, not skipped.
	if len(fd.prepared) != 1 || fd.prepared[0] != want {
		t.Fatalf("Prepare got %q, want [%q]", fd.prepared, want)
	}
	// The fake connection has no ConnPrepareContext, QueryerContext, ...:
	// neither has its wrapper, and the statement still sees the context.
	if _, err := db.ExecContext(WithForce(WithIncludeDeleted(context.Background())), "DELETE FROM users WHERE id = ?", 1); err != nil {
		t.Fatal(err)
	}
	if got := fd.prepared[len(fd.prepared)-1]; got != "DELETE FROM users WHERE id = ?" {
		t.Fatalf("raw mode prepared %q", got)
	}
}
