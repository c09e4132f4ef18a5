package softdelete

import (
	"fmt"
	"strings"
	"time"
)

// postgresPurge is Purge's SQL on PostgreSQL. A batch deletes by ctid
// (no primary key needed, a TID scan):
//
//	DELETE FROM "t" WHERE ctid = ANY(ARRAY(SELECT ctid FROM "t" WHERE <purgeable> LIMIT n FOR UPDATE)) AND <purgeable>
//
// FOR UPDATE locks the rows it picks, checking each again on its latest
// version, so a row another transaction restored after the batch's
// snapshot is skipped and LIMIT still fills the batch (a short batch
// means the table is done); the outer condition checks again as well. The purge of a parent picks its rows by
// primary key, locked FOR UPDATE. The cutoff is a timestamptz literal in
// UTC: a timestamptz marker compares as an instant, a timestamp one in the
// session's TimeZone, the zone now() stamped it in. Foreign keys are
// enforced unless session_replication_role is replica.
var postgresPurge = purgeRules{
	quote: postgresQuote,
	fold:  strings.ToLower,
	bind:  numberPlaceholders,
	cutoff: func(_ *rewriter, col string, cutoff time.Time) (string, []any, error) {
		return col + " < ?::timestamptz", []any{cutoff.UTC().Format("2006-01-02 15:04:05.999999") + "+00"}, nil
	},
	flagSet: func(col string) string { return col + " <> '0'" }, // '0' takes the column's type, boolean or integer; NULL is live
	primaryKey: "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid" +
		" JOIN pg_namespace ns ON ns.oid = c.relnamespace AND ns.nspname = current_schema()" +
		" CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)" +
		" JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum" +
		" WHERE i.indisprimary AND c.relname = ? ORDER BY k.n",
	batch: func(t, where, _ string, n int) (string, int) {
		return fmt.Sprintf("DELETE FROM %s WHERE ctid = ANY(ARRAY(SELECT ctid FROM %s WHERE %s LIMIT %d FOR UPDATE)) AND %s", t, t, where, n, where), 2
	},
	enforced: "SELECT CASE current_setting('session_replication_role') WHEN 'replica' THEN 0 ELSE 1 END",
	lock:     " FOR UPDATE",
	textKeys: true,
}
