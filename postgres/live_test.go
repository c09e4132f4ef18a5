package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/lib/pq"
	"github.com/softdelete-go/softdelete"
)

// liveDB opens the live server of SOFTDELETE_POSTGRES_DSN (a URL, such as
// postgres://postgres@127.0.0.1:5432/t_pg?sslmode=disable) through
// softdelete on the inner driver, with fresh tables.
func liveDB(t *testing.T, drv string) (*sql.DB, *sql.DB) {
	t.Helper()
	dsn := os.Getenv("SOFTDELETE_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SOFTDELETE_POSTGRES_DSN is not set: the live PostgreSQL tests need a server (e.g. postgres://postgres@127.0.0.1:5432/t_pg?sslmode=disable)")
	}
	raw, err := sql.Open(drv, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	for _, q := range []string{
		"DROP TABLE IF EXISTS posts, users",
		"CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, deleted_at timestamptz NULL)",
		"CREATE TABLE posts (id int PRIMARY KEY, user_id int, title text, deleted_at timestamptz NULL)",
		"INSERT INTO users VALUES (1, 'ann', NULL), (2, 'bob', NULL), (3, 'cid', now())",
		"INSERT INTO posts VALUES (10, 1, 'a', NULL), (11, 1, 'b', now()), (12, 2, 'c', NULL)",
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db, err := sql.Open("softdelete", "driver="+drv+" tables=users,posts dsn="+dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, raw
}

func count(t *testing.T, ctx context.Context, db interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

var liveDrivers = []string{"pgx", "postgres"}

func TestPostgresLiveModes(t *testing.T) {
	for _, drv := range liveDrivers {
		t.Run(drv, func(t *testing.T) {
			db, raw := liveDB(t, drv)
			ctx := context.Background()
			if n := count(t, ctx, db, "SELECT count(*) FROM users"); n != 2 {
				t.Errorf("live users: %d, want 2", n)
			}
			if n := count(t, softdelete.WithIncludeDeleted(ctx), db, "SELECT count(*) FROM users"); n != 3 {
				t.Errorf("all users: %d, want 3", n)
			}
			if n := count(t, softdelete.WithOnlyDeleted(ctx), db, "SELECT count(*) FROM users"); n != 1 {
				t.Errorf("deleted users: %d, want 1", n)
			}
			if n := count(t, ctx, db, "SELECT count(*) FROM users u LEFT JOIN posts p ON p.user_id = u.id"); n != 2 {
				t.Errorf("left join rows: %d, want 2 (ann-a, bob-c)", n)
			}
			if n := count(t, ctx, db, "SELECT count(*) FROM users u FULL JOIN posts p USING (id)"); n != 4 {
				t.Errorf("full join rows: %d, want 4", n)
			}
			var id int
			var stamped sql.NullTime
			if err := db.QueryRowContext(ctx, "DELETE FROM users WHERE id = $1 RETURNING id, deleted_at", 2).Scan(&id, &stamped); err != nil || id != 2 || !stamped.Valid {
				t.Fatalf("DELETE ... RETURNING: %d %v %v", id, stamped, err)
			}
			if n := count(t, ctx, raw, "SELECT count(*) FROM users"); n != 3 {
				t.Errorf("the soft DELETE removed a row: %d rows", n)
			}
			if _, err := db.ExecContext(ctx, "WITH d AS (DELETE FROM posts WHERE user_id = $1 RETURNING id) SELECT count(*) FROM d", 1); err != nil {
				t.Fatal(err)
			}
			if n := count(t, ctx, raw, "SELECT count(*) FROM posts WHERE deleted_at IS NULL"); n != 1 {
				t.Errorf("live posts after the CTE's DELETE: %d, want 1", n)
			}
			if _, err := db.ExecContext(ctx, "INSERT INTO users VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = excluded.name", 1, "ann2"); err != nil {
				t.Fatal(err)
			}
			if _, err := softdelete.Restore(ctx, db, "users", "id = $1", 2); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(softdelete.WithForce(softdelete.WithOnlyDeleted(ctx)), "DELETE FROM users"); err != nil {
				t.Fatal(err)
			}
			if n := count(t, ctx, raw, "SELECT count(*) FROM users"); n != 2 {
				t.Errorf("after the purge: %d rows, want 2", n)
			}
			_, err := db.ExecContext(ctx, "TRUNCATE users")
			if !errors.Is(err, softdelete.ErrRefused) {
				t.Errorf("TRUNCATE: %v", err)
			}
			_, err = db.ExecContext(ctx, "SET standard_conforming_strings = off")
			if !errors.Is(err, softdelete.ErrRefused) {
				t.Errorf("SET standard_conforming_strings = off: %v", err)
			}
		})
	}
}

// Prepared statements are rewritten for the mode of each execution, and
// transactions keep the rewrite.
func TestPostgresLivePreparedAndTx(t *testing.T) {
	for _, drv := range liveDrivers {
		t.Run(drv, func(t *testing.T) {
			db, _ := liveDB(t, drv)
			ctx := context.Background()
			st, err := db.PrepareContext(ctx, "SELECT count(*) FROM users WHERE id > $1")
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			for _, c := range []struct {
				ctx  context.Context
				want int
			}{{ctx, 2}, {softdelete.WithIncludeDeleted(ctx), 3}, {softdelete.WithOnlyDeleted(ctx), 1}, {ctx, 2}} {
				var n int
				if err := st.QueryRowContext(c.ctx, 0).Scan(&n); err != nil || n != c.want {
					t.Errorf("prepared count: %d, %v; want %d", n, err, c.want)
				}
			}
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM users WHERE id = 1"); err != nil {
				t.Fatal(err)
			}
			if n := count(t, ctx, tx, "SELECT count(*) FROM users"); n != 1 {
				t.Errorf("in the transaction: %d live users, want 1", n)
			}
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			if n := count(t, ctx, db, "SELECT count(*) FROM users"); n != 2 {
				t.Errorf("after the rollback: %d live users, want 2", n)
			}
		})
	}
}

// A backend terminated mid-session costs that connection only; 32
// goroutines share the pool (run under -race).
func TestPostgresLiveTerminateAndConcurrency(t *testing.T) {
	for _, drv := range liveDrivers {
		t.Run(drv, func(t *testing.T) {
			db, raw := liveDB(t, drv)
			ctx := context.Background()
			db.SetMaxOpenConns(1)
			var pid int
			if err := db.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
				t.Fatal(err)
			}
			if _, err := raw.ExecContext(ctx, "SELECT pg_terminate_backend($1)", pid); err != nil {
				t.Fatal(err)
			}
			var n int
			var err error
			for i := 0; i < 3; i++ { // the first use of the dead connection may fail
				if err = db.QueryRowContext(ctx, "SELECT count(*) FROM users").Scan(&n); err == nil {
					break
				}
			}
			if err != nil || n != 2 {
				t.Fatalf("after pg_terminate_backend: %d, %v", n, err)
			}
			db.SetMaxOpenConns(8)
			var wg sync.WaitGroup
			errs := make(chan error, 32)
			for g := 0; g < 32; g++ {
				wg.Add(1)
				go func(g int) {
					defer wg.Done()
					c := ctx
					want := 2
					if g%2 == 1 {
						c, want = softdelete.WithIncludeDeleted(ctx), 3
					}
					for i := 0; i < 20; i++ {
						var n int
						if err := db.QueryRowContext(c, "SELECT count(*) FROM users u LEFT JOIN posts p ON p.id = u.id").Scan(&n); err != nil || n != want {
							errs <- fmt.Errorf("goroutine %d: %d, %v; want %d", g, n, err, want)
							return
						}
					}
				}(g)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

// pgx: []int64 arguments pass CheckNamedValue; COPY reaches pgx through
// softdelete.InnerConn. lib/pq: COPY through Prepare passes through.
func TestPostgresLiveDriverSpecifics(t *testing.T) {
	t.Run("pgx", func(t *testing.T) {
		db, raw := liveDB(t, "pgx")
		ctx := context.Background()
		if n := count(t, ctx, db, "SELECT count(*) FROM users WHERE id = ANY($1)", []int64{1, 2, 3}); n != 2 {
			t.Errorf("= ANY([]int64): %d, want 2", n)
		}
		if n := count(t, ctx, db, "SELECT count(*) FROM users WHERE id = @id", pgx.NamedArgs{"id": 1}); n != 1 {
			t.Errorf("named argument: %d, want 1", n)
		}
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		err = c.Raw(func(dc any) error {
			inner, ok := softdelete.InnerConn(dc)
			if !ok {
				return errors.New("not a softdelete connection")
			}
			_, err := inner.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{"users"}, []string{"id", "name"}, pgx.CopyFromRows([][]any{{7, "gus"}}))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := count(t, ctx, raw, "SELECT count(*) FROM users WHERE id = 7"); n != 1 {
			t.Errorf("CopyFrom: %d rows", n)
		}
	})
	t.Run("lib/pq", func(t *testing.T) {
		db, raw := liveDB(t, "postgres")
		ctx := context.Background()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		st, err := tx.Prepare(pq.CopyIn("users", "id", "name"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Exec(8, "hal"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Exec(); err != nil {
			t.Fatal(err)
		}
		st.Close()
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if n := count(t, ctx, raw, "SELECT count(*) FROM users WHERE id = 8"); n != 1 {
			t.Errorf("COPY through lib/pq: %d rows", n)
		}
	})
}

// A database whose standard_conforming_strings is off is refused at the
// first connection: the server would read strings otherwise than the
// parser.
func TestPostgresLiveUnsafeDatabase(t *testing.T) {
	_, raw := liveDB(t, "pgx")
	ctx := context.Background()
	_, _ = raw.ExecContext(ctx, "DROP DATABASE IF EXISTS t_pg_scs")
	if _, err := raw.ExecContext(ctx, "CREATE DATABASE t_pg_scs"); err != nil {
		t.Skip("cannot create a database:", err)
	}
	defer raw.ExecContext(ctx, "DROP DATABASE IF EXISTS t_pg_scs")
	if _, err := raw.ExecContext(ctx, "ALTER DATABASE t_pg_scs SET standard_conforming_strings = off"); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("softdelete", "driver=pgx tables=users dsn=postgres://postgres@127.0.0.1:5432/t_pg_scs?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.PingContext(ctx); err == nil || !strings.Contains(err.Error(), "standard_conforming_strings") {
		t.Errorf("a connection with standard_conforming_strings off: %v", err)
	}
}
