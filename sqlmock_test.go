package softdelete_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/DATA-DOG/go-sqlmock"

	"github.com/softdelete-go/softdelete"
)

// exactMatch compares SQL byte for byte (sqlmock's own matchers fold
// white space or use regular expressions).
var exactMatch = sqlmock.QueryMatcherFunc(func(expected, actual string) error {
	if expected != actual {
		return fmt.Errorf("got SQL %q, want %q", actual, expected)
	}
	return nil
})

var mockSeq atomic.Int64

// openMock returns a softdelete DB over a fresh sqlmock connection.
func openMock(t *testing.T, dialect string) (*sql.DB, sqlmock.Sqlmock) {
	t.Helper()
	dsn := fmt.Sprintf("softdelete_mock_%d", mockSeq.Add(1))
	mockDB, mock, err := sqlmock.NewWithDSN(dsn, sqlmock.QueryMatcherOption(exactMatch))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mockDB.Close() })
	db, err := sql.Open("softdelete", "driver=sqlmock check=off dialect="+dialect+" tables=users,posts dsn="+dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() {
		db.Close()
		if err := mock.ExpectationsWereMet(); err != nil {
			t.Error(err)
		}
	})
	return db, mock
}

func TestMockSelectAndArgs(t *testing.T) {
	db, mock := openMock(t, "mysql")
	ctx := context.Background()
	mock.ExpectQuery("select id from users where (name = ? OR id = ?) and users.deleted_at is null limit ? offset ?").
		WithArgs("ann", 7, 10, 20).
		WillReturnRows(sqlmock.NewRows([]string{"id"}).AddRow(1))
	rows, err := db.QueryContext(ctx, "SELECT id FROM users WHERE name = ? OR id = ? LIMIT ? OFFSET ?", "ann", 7, 10, 20)
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	// A plain table: the text goes through byte for byte.
	mock.ExpectExec("UPDATE  tags SET n = ?  WHERE id = ?").WithArgs(1, 2).WillReturnResult(sqlmock.NewResult(0, 1))
	if _, err := db.ExecContext(ctx, "UPDATE  tags SET n = ?  WHERE id = ?", 1, 2); err != nil {
		t.Fatal(err)
	}
}

func TestMockDeleteModes(t *testing.T) {
	db, mock := openMock(t, "mysql")
	ctx := context.Background()
	const del = "DELETE FROM posts WHERE id = ?"
	mock.ExpectExec("update posts set deleted_at = now(6) where (id = ?) and posts.deleted_at is null").
		WithArgs(5).WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectExec("delete from posts where (id = ?) and posts.deleted_at is null").
		WithArgs(5).WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectExec("delete from posts where (id = ?) and posts.deleted_at is not null").
		WithArgs(5).WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectExec(del).WithArgs(5).WillReturnResult(sqlmock.NewResult(0, 1))
	for _, c := range []context.Context{
		ctx,
		softdelete.WithForce(ctx),
		softdelete.WithForce(softdelete.WithOnlyDeleted(ctx)),
		softdelete.WithForce(softdelete.WithIncludeDeleted(ctx)),
	} {
		if _, err := db.ExecContext(c, del, 5); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMockRefusalSendsNothing(t *testing.T) {
	db, _ := openMock(t, "mysql")
	_, err := db.ExecContext(context.Background(), "WITH x(n) AS (VALUES (1)) DELETE FROM users")
	var re *softdelete.RefusedError
	if !errors.As(err, &re) || re.Table != "users" {
		t.Fatalf("err = %v, want a refusal for users", err)
	}
	// openMock's cleanup checks that no statement reached the mock.
}

func TestMockPreparedAcrossModes(t *testing.T) {
	db, mock := openMock(t, "mysql")
	ctx := context.Background()
	filtered := "select id from users where (id = ?) and users.deleted_at is null"
	mock.ExpectPrepare(filtered).WillBeClosed()
	st, err := db.PrepareContext(ctx, "SELECT id FROM users WHERE id = ?")
	if err != nil {
		t.Fatal(err)
	}
	mock.ExpectQuery(filtered).WithArgs(1).WillReturnRows(sqlmock.NewRows([]string{"id"}))
	// The first execution under another mode prepares its own rewrite...
	mock.ExpectPrepare("SELECT id FROM users WHERE id = ?").WillBeClosed().
		ExpectQuery().WithArgs(2).WillReturnRows(sqlmock.NewRows([]string{"id"}))
	// ...which later executions under that mode reuse.
	mock.ExpectQuery("SELECT id FROM users WHERE id = ?").WithArgs(3).WillReturnRows(sqlmock.NewRows([]string{"id"}))
	mock.ExpectQuery(filtered).WithArgs(4).WillReturnRows(sqlmock.NewRows([]string{"id"}))
	for i, c := range []context.Context{ctx, softdelete.WithIncludeDeleted(ctx), softdelete.WithIncludeDeleted(ctx), ctx} {
		rows, err := st.QueryContext(c, i+1)
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestMockTransaction(t *testing.T) {
	db, mock := openMock(t, "mysql")
	ctx := context.Background()
	mock.ExpectBegin()
	mock.ExpectExec("update users set deleted_at = now(6) where (id = ?) and users.deleted_at is null").
		WithArgs(1).WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectQuery("SELECT count(*) FROM users").WillReturnRows(sqlmock.NewRows([]string{"n"}).AddRow(3))
	mock.ExpectCommit()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM users WHERE id = ?", 1); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRowContext(softdelete.WithIncludeDeleted(ctx), "SELECT count(*) FROM users").Scan(&n); err != nil || n != 3 {
		t.Fatalf("n = %d, err = %v", n, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestMockNamedParametersSQLite(t *testing.T) {
	db, mock := openMock(t, "sqlite")
	ctx := context.Background()
	mock.ExpectExec("update users set deleted_at = strftime('%Y-%m-%d %H:%M:%f', 'now') where (id = :id AND name = @name) and users.deleted_at is null").
		WithArgs(sql.Named("id", 3), sql.Named("name", "x")).
		WillReturnResult(sqlmock.NewResult(0, 1))
	if _, err := db.ExecContext(ctx, "DELETE FROM users WHERE id = :id AND name = @name", sql.Named("id", 3), sql.Named("name", "x")); err != nil {
		t.Fatal(err)
	}
}

func TestMockDriverErrorPassesThrough(t *testing.T) {
	db, mock := openMock(t, "mysql")
	boom := errors.New("boom")
	mock.ExpectExec("update users set deleted_at = now(6) where users.deleted_at is null").WillReturnError(boom)
	if _, err := db.ExecContext(context.Background(), "DELETE FROM users"); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the inner driver's error", err)
	}
}

// TestMockRecentRewrites runs statements on one connection in an order
// that exercises its memory of recent rewrites: the same text under other
// modes, more statements than it holds, and a plain statement between.
func TestMockRecentRewrites(t *testing.T) {
	db, mock := openMock(t, "mysql")
	ctx := context.Background()
	q := "SELECT id FROM users WHERE id = ?"
	want := map[string]string{
		"default": "select id from users where (id = ?) and users.deleted_at is null",
		"only":    "select id from users where (id = ?) and users.deleted_at is not null",
		"include": q,
	}
	modes := map[string]func(context.Context) context.Context{
		"default": func(ctx context.Context) context.Context { return ctx },
		"only":    func(ctx context.Context) context.Context { return softdelete.WithOnlyDeleted(ctx) },
		"include": func(ctx context.Context) context.Context { return softdelete.WithIncludeDeleted(ctx) },
	}
	run := func(mode, query, sent string) {
		t.Helper()
		mock.ExpectQuery(sent).WithArgs(1).WillReturnRows(sqlmock.NewRows([]string{"id"}))
		rows, err := db.QueryContext(modes[mode](ctx), query, 1)
		if err != nil {
			t.Fatalf("%s %q: %v", mode, query, err)
		}
		rows.Close()
	}
	for round := 0; round < 2; round++ {
		for _, mode := range []string{"default", "only", "include", "default"} {
			run(mode, q, want[mode])
		}
		run("default", "SELECT id FROM tags WHERE id = ?", "SELECT id FROM tags WHERE id = ?")
		for i := 0; i < 5; i++ { // more than a connection remembers
			// Distinct skeletons (the column), so that none is answered
			// from another's (skeleton.go).
			other := fmt.Sprintf("SELECT id FROM posts WHERE id = ? AND n%d = 1", i)
			run("default", other, fmt.Sprintf("select id from posts where (id = ? AND n%d = 1) and posts.deleted_at is null", i))
		}
	}
	st, err := softdelete.Stats(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	// The soft statements run 2×(4+5) = 18 times and are rewritten 3 + 5
	// times, in the first round; the plain one is never counted.
	if st.Hits+st.Misses != 18 || st.Misses != 8 {
		t.Fatalf("stats %+v, want 18 lookups of which 8 misses", st)
	}
}
