package softdelete

import (
	"fmt"
	"time"
)

// sqlitePurge is Purge's SQL on SQLite: batches by rowid (go-sqlite3 is
// built without DELETE ... LIMIT; a WITHOUT ROWID table cannot be purged
// this way), stamps compared as UTC text.
var sqlitePurge = purgeRules{
	quote: quoteIdent,
	cutoff: func(_ *rewriter, col string, cutoff time.Time) (string, []any, error) {
		// Stamps are UTC text; a marker of another type (a number) would
		// sort before any text, so it is never taken for an old one.
		return col + " < ? AND typeof(" + col + ") = 'text'", []any{cutoff.UTC().Format("2006-01-02 15:04:05.000")}, nil
	},
	flagSet: func(col string) string { return col + " <> 0" },
	rowKey:  "rowid",
	batch: func(t, where, _ string, n int) (string, int) {
		return fmt.Sprintf("DELETE FROM %s WHERE rowid IN (SELECT rowid FROM %s WHERE %s LIMIT %d)", t, t, where, n), 1
	},
	enforced: "PRAGMA foreign_keys",
}
