package postgres_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/softdelete-go/softdelete"
	"github.com/softdelete-go/softdelete/internal/engine"
)

// sessionFuncs are the server-side functions of the session tests: each
// changes how the server reads SQL where no statement text shows it.
var sessionFuncs = []string{
	`CREATE OR REPLACE FUNCTION sd_unsafe() RETURNS int LANGUAGE plpgsql AS $$
	 BEGIN PERFORM set_config('standard_conforming_strings', 'off', false); RETURN 1; END $$`,
	`CREATE OR REPLACE FUNCTION sd_unsafe_fail() RETURNS int LANGUAGE plpgsql AS $$
	 BEGIN PERFORM set_config('standard_conforming_strings', 'off', false); RAISE EXCEPTION 'sd_unsafe_fail'; END $$`,
	`CREATE OR REPLACE FUNCTION sd_scoped() RETURNS int LANGUAGE sql SET standard_conforming_strings = off AS 'SELECT 1'`,
	`CREATE OR REPLACE PROCEDURE sd_unsafe_proc() LANGUAGE plpgsql AS $$
	 BEGIN PERFORM set_config('client_encoding', 'LATIN1', false); END $$`,
}

// sessionDB is liveDB with the session functions, one connection at most.
func sessionDB(t *testing.T, drv string) (*sql.DB, *sql.DB) {
	db, raw := liveDB(t, drv)
	for _, q := range sessionFuncs {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.SetMaxOpenConns(1)
	return db, raw
}

// wantPoisoned checks that err is the session error naming setting, that
// the connection sends nothing more, and that the pool's next connection
// reads SQL as softdelete does.
func wantPoisoned(t *testing.T, db, raw *sql.DB, conn *sql.Conn, what string, err error, setting string) {
	t.Helper()
	ctx := context.Background()
	if !errors.Is(err, softdelete.ErrUnsafeSession) || !strings.Contains(err.Error(), setting) {
		t.Errorf("%s: %v, want a *SessionError naming %s", what, err, setting)
	}
	if conn != nil {
		if _, err := conn.ExecContext(ctx, "DELETE FROM users WHERE id = 1"); !errors.Is(err, driver.ErrBadConn) {
			t.Errorf("%s, then a DELETE on the same connection: %v, want driver.ErrBadConn (nothing sent)", what, err)
		}
		conn.Close()
	}
	wantSafePool(t, db, raw, what)
}

// wantSafePool checks that the users are intact and that the pool's
// connection reads SQL as softdelete does.
func wantSafePool(t *testing.T, db, raw *sql.DB, what string) {
	t.Helper()
	ctx := context.Background()
	if n := count(t, ctx, raw, "SELECT count(*) FROM users WHERE deleted_at IS NULL"); n != 2 {
		t.Errorf("%s: %d live users, want 2", what, n)
	}
	var sc, enc string
	if err := db.QueryRowContext(ctx, "SELECT current_setting('standard_conforming_strings'), current_setting('client_encoding')").Scan(&sc, &enc); err != nil || sc != "on" || enc != "UTF8" {
		t.Errorf("%s: the pool's next connection reads %q, %q, %v, want on, UTF8", what, sc, enc, err)
	}
}

// TestPostgresSessionReadBack: after a statement that changes how the
// server reads SQL where softdelete cannot see it (the raw passthrough, a
// function, a DO block, CALL), the session is read back: Exec fails with
// the session error at once, a Query's next statement does, and the
// connection is discarded. pgx and lib/pq.
func TestPostgresSessionReadBack(t *testing.T) {
	for _, drv := range []string{"pgx", "postgres"} {
		t.Run(drv, func(t *testing.T) {
			db, raw := sessionDB(t, drv)
			ctx := context.Background()
			rawCtx := softdelete.WithForce(softdelete.WithIncludeDeleted(ctx))
			for _, c := range []struct {
				ctx      context.Context
				q        string
				setting  string
				asQuery  bool
				prepared bool
			}{
				{rawCtx, "SET standard_conforming_strings = off", "standard_conforming_strings", false, false},
				{rawCtx, "SET client_encoding = 'LATIN1'", "client_encoding", false, false},
				{rawCtx, "SET backslash_quote = on", "backslash_quote", false, false},
				{rawCtx, "RESET ALL; SET standard_conforming_strings = off", "standard_conforming_strings", false, false},
				{ctx, "SELECT sd_unsafe()", "standard_conforming_strings", false, false},
				{ctx, "SELECT sd_unsafe()", "standard_conforming_strings", true, false},
				{ctx, "SELECT sd_unsafe()", "standard_conforming_strings", false, true},
				{ctx, "SELECT id FROM users WHERE id = sd_unsafe()", "standard_conforming_strings", true, false},
				{ctx, "DO $$ BEGIN PERFORM set_config('standard_conforming_strings', 'off', false); END $$", "standard_conforming_strings", false, false},
				{ctx, "CALL sd_unsafe_proc()", "client_encoding", false, false},
			} {
				what := c.q
				conn, err := db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case c.prepared:
					st, perr := conn.PrepareContext(c.ctx, c.q)
					if perr != nil {
						t.Fatalf("%s: prepare: %v", what, perr)
					}
					_, err = st.ExecContext(c.ctx)
					st.Close()
				case c.asQuery:
					rows, qerr := conn.QueryContext(c.ctx, c.q)
					if qerr != nil {
						t.Fatalf("%s as a query: %v", what, qerr)
					}
					rows.Close()
					_, err = conn.ExecContext(ctx, "SELECT id FROM users")
				default:
					_, err = conn.ExecContext(c.ctx, c.q)
				}
				wantPoisoned(t, db, raw, conn, what, err, c.setting)
			}
		})
	}
}

// TestPostgresSessionTransactions: a setting changed inside a transaction
// is read back at once (SET LOCAL too); a failed statement leaves the
// transaction aborted, where nothing can be read back, and its own error
// stands: the check waits for the server, and after ROLLBACK the settings
// are those checked before. A function's SET clause reverts when it
// returns.
func TestPostgresSessionTransactions(t *testing.T) {
	for _, drv := range []string{"pgx", "postgres"} {
		t.Run(drv, func(t *testing.T) {
			db, raw := sessionDB(t, drv)
			ctx := context.Background()
			rawCtx := softdelete.WithForce(softdelete.WithIncludeDeleted(ctx))

			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = tx.ExecContext(rawCtx, "SET LOCAL standard_conforming_strings = off")
			_ = tx.Rollback()
			wantPoisoned(t, db, raw, nil, "SET LOCAL in a transaction", err, "standard_conforming_strings")

			for _, failing := range []string{"SELECT sd_unsafe_fail()", "SELECT 1/0 FROM users WHERE id = sd_unsafe()"} {
				tx, err = db.BeginTx(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				if _, err = tx.ExecContext(ctx, "SET LOCAL search_path = public"); err != nil {
					t.Fatalf("SET LOCAL search_path: %v", err)
				}
				_, err = tx.ExecContext(ctx, failing)
				if err == nil || errors.Is(err, softdelete.ErrUnsafeSession) {
					t.Errorf("%s in a transaction: %v, want its own error", failing, err)
				}
				if err := tx.Rollback(); err != nil {
					t.Errorf("%s, then ROLLBACK: %v", failing, err)
				}
				if n := count(t, ctx, db, "SELECT count(*) FROM users"); n != 2 {
					t.Errorf("%s, rolled back, then a count: %d, want 2", failing, n)
				}
				// Outside a transaction the failed statement's own
				// transaction reverts the setting.
				if _, err := db.ExecContext(ctx, failing); err == nil || errors.Is(err, softdelete.ErrUnsafeSession) {
					t.Errorf("%s: %v, want its own error", failing, err)
				}
				if n := count(t, ctx, db, "SELECT count(*) FROM users"); n != 2 {
					t.Errorf("%s, then a count: %d, want 2", failing, n)
				}
			}
			if n := count(t, ctx, db, "SELECT sd_scoped()"); n != 1 {
				t.Errorf("a function with SET standard_conforming_strings = off: %d", n)
			}
			if _, err := db.ExecContext(ctx, "SELECT sd_scoped()"); err != nil {
				t.Errorf("a function whose SET clause reverts when it returns: %v", err)
			}
			wantSafePool(t, db, raw, "after the transactions")
		})
	}
}

// TestPostgresBuiltinsAreBuiltins: each function the session check takes
// for a built-in is a function of pg_catalog on the live server.
func TestPostgresBuiltinsAreBuiltins(t *testing.T) {
	_, raw := liveDB(t, "pgx")
	for name := range engine.PostgresBuiltins {
		var n int
		if err := raw.QueryRow("SELECT count(*) FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace WHERE s.nspname = 'pg_catalog' AND p.proname = $1", name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Errorf("%s is not a function of pg_catalog", name)
		}
	}
}

// BenchmarkPostgresSessionReadBack is the cost of the read-back: a
// statement that calls a function softdelete cannot see into, through
// softdelete (read back after) and through pgx alone.
func BenchmarkPostgresSessionReadBack(b *testing.B) {
	dsn := os.Getenv("SOFTDELETE_POSTGRES_DSN")
	if dsn == "" {
		b.Skip("SOFTDELETE_POSTGRES_DSN is not set")
	}
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("CREATE OR REPLACE FUNCTION sd_noop() RETURNS int LANGUAGE sql AS 'SELECT 1'"); err != nil {
		b.Fatal(err)
	}
	soft, err := sql.Open("softdelete", "driver=pgx tables=users dsn="+dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer soft.Close()
	for _, db := range []struct {
		name string
		db   *sql.DB
	}{{"pgx", raw}, {"softdelete", soft}} {
		db.db.SetMaxOpenConns(1)
		for _, q := range []string{"SELECT sd_noop()", "SELECT lower('x')"} {
			b.Run(db.name+"/"+q, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if _, err := db.db.Exec(q); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
