package softdelete

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/xwb1989/sqlparser"
)

// mysqlPurge is Purge's SQL on MySQL and MariaDB: batches are DELETE ...
// ORDER BY <primary key> LIMIT n, so that a batch is the same rows on a
// replica; stamps compare in the session's time zone (mysqlCutoff).
var mysqlPurge = purgeRules{
	quote: quoteIdent,
	cutoff: func(rw *rewriter, col string, cutoff time.Time) (string, []any, error) {
		return mysqlCutoff(col, cutoff, rw.now)
	},
	flagSet: func(col string) string { return col + " <> 0" },
	primaryKey: "SELECT COLUMN_NAME FROM information_schema.STATISTICS" +
		" WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX",
	batch: func(t, where, key string, n int) (string, int) {
		return fmt.Sprintf("DELETE FROM %s WHERE %s ORDER BY %s LIMIT %d", t, where, key, n), 1
	},
	enforced: "SELECT @@foreign_key_checks",
	lock:     " FOR UPDATE",
	derived:  true,
}

// mysqlCutoff returns the MySQL condition of a row deleted before cutoff.
// Stamps of now(6) are in the session's time zone: FROM_UNIXTIME gives the
// cutoff in that zone, on the server, for each batch's own connection. A
// now= of utc_timestamp stamps UTC: the cutoff is then UTC text.
func mysqlCutoff(col string, cutoff time.Time, now sqlparser.Expr) (string, []any, error) {
	if strings.Contains(strings.ToLower(sqlparser.String(now)), "utc_timestamp") {
		return col + " < ?", []any{cutoff.UTC().Format("2006-01-02 15:04:05.000000")}, nil
	}
	sec := cutoff.Unix()
	if sec < 1 || sec > math.MaxInt32 {
		return "", nil, fmt.Errorf("softdelete: Purge: cutoff %s is outside what MySQL's FROM_UNIXTIME reads (1970-01-01 to 2038-01-19 UTC)", cutoff.UTC().Format(time.RFC3339))
	}
	return col + " < FROM_UNIXTIME(?) + INTERVAL ? MICROSECOND", []any{sec, int64(cutoff.Nanosecond() / 1000)}, nil
}
