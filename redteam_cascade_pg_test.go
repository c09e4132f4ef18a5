//go:build postgres

package softdelete

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"testing"
)

// sdUnsafeFunc changes how the server reads SQL text where no statement
// text shows it.
const sdUnsafeFunc = `CREATE FUNCTION sd_unsafe() RETURNS int LANGUAGE plpgsql AS $$
	BEGIN PERFORM set_config('standard_conforming_strings', 'off', false); RETURN 1; END $$`

// A cascading DELETE that calls a user function (which may run SET) is
// read back after, as every other statement that calls one: the call
// fails with the session error and the connection sends nothing more.
// Exec, Query (DELETE ... RETURNING) and prepared, on pgx and lib/pq.
func TestRedTeamPostgresCascadeReadsSessionBack(t *testing.T) {
	for _, drv := range pgCascadeDrivers {
		t.Run(drv, func(t *testing.T) {
			_, db := pgCascadeOpen(t, drv, "users,posts", "", append(pgUsersPosts, sdUnsafeFunc)...)
			ctx := context.Background()
			for _, how := range []string{"exec", "query", "prepared"} {
				conn, err := db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				q := "DELETE FROM users WHERE id = sd_unsafe()"
				switch how {
				case "exec":
					_, err = conn.ExecContext(ctx, q)
				case "query":
					var rows *sql.Rows
					if rows, err = conn.QueryContext(ctx, q+" RETURNING id"); err == nil {
						rows.Close()
						_, err = conn.ExecContext(ctx, "SELECT 1")
					}
				case "prepared":
					var st *sql.Stmt
					if st, err = conn.PrepareContext(ctx, q); err == nil {
						_, err = st.ExecContext(ctx)
						st.Close()
					}
				}
				if !errors.Is(err, ErrUnsafeSession) {
					t.Errorf("%s of %s: %v; want the session error (standard_conforming_strings)", how, q, err)
				}
				if _, err := conn.ExecContext(ctx, "SELECT 1"); !errors.Is(err, driver.ErrBadConn) {
					t.Errorf("%s, then a statement on the same connection: %v; want driver.ErrBadConn", how, err)
				}
				conn.Close()
			}
		})
	}
}
