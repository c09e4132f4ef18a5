package softdelete

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Execer runs a statement: *sql.DB, *sql.Tx and *sql.Conn are Execers.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Restore un-deletes the soft-deleted rows of table that match where, a
// SQL condition with its args (Sequelize's restore). An empty where
// restores every deleted row of the table. db must use the softdelete
// driver: Restore sends an UPDATE that only softdelete knows how to run,
// which any other driver rejects.
//
//	res, err := softdelete.Restore(ctx, db, "posts", "id = ?", 7)
//
// Other soft-delete tables that where reads (in subqueries) keep the
// filters ctx asks for.
func Restore(ctx context.Context, db Execer, table, where string, args ...any) (sql.Result, error) {
	if !isPlainIdent(table) {
		return nil, fmt.Errorf("softdelete: Restore: %q is not a plain table name", table)
	}
	q := "UPDATE " + table + " SET " + restoreColumn + " = NULL"
	if strings.TrimSpace(where) != "" {
		q += " WHERE " + where
	}
	return db.ExecContext(withRestore(ctx, table), q, args...)
}
