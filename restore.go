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
// driver: Restore sends a statement that only softdelete knows how to run,
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
	q := restoreVerb + table
	if strings.TrimSpace(where) != "" {
		q += " WHERE " + where
	}
	return db.ExecContext(withRestore(ctx, table), q, args...)
}

// restoreVerb starts the text Restore sends: "RESTORE users WHERE ...". Its
// intent travels in the mode (mode.restore, the table); the text carries
// the condition, and is no SQL any database runs, so that Restore through
// another driver fails instead of doing anything.
const restoreVerb = "RESTORE "

// restoreStatement returns the UPDATE that un-deletes the rows of the
// mode's restore table that Restore's text q selects: the table's deleted
// column set to its live value (NULL, or 0; a flag's companion to NULL),
// with q's condition. The scope adds the filter that
// selects the deleted rows only (see scope.update).
func (r *rewriter) restoreStatement(q string, m *mode) (string, error) {
	rest, ok := strings.CutPrefix(q, restoreVerb)
	t := r.tables.lookup(m.restore)
	if !ok || t == nil || len(rest) < len(t.name) || !strings.EqualFold(rest[:len(t.name)], t.name) ||
		len(rest) > len(t.name) && wordByte[rest[len(t.name)]] {
		return "", fmt.Errorf("softdelete: Restore: a Restore context runs only the statement softdelete.Restore builds")
	}
	set := " SET " + t.restoreSet(r.d)
	switch col := r.actorColumnOf(t); {
	case m.stamp != nil && !t.kind.numeric(): // an exact restore marks the rows first (cascade_restore.go)
		set = " SET " + t.column + " = " + m.stamp.literal
	case col != "":
		set += ", " + col + " = NULL" // who deleted it no longer applies (see actor.go)
	}
	return "UPDATE " + rest[:len(t.name)] + set + rest[len(t.name):], nil
}
