package softdelete

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"
)

// This file is the PostgreSQL side of cascades and exact restore
// (cascade_exec.go, cascade_restore.go): its SQL (UPDATE ... FROM,
// double-quoted names), its stamp (the server's now= expression, with the
// session's UTC offset) and how a cascade finds out whether the session
// is inside a transaction block that database/sql does not know of.

// pgQuoteIdent quotes a name for PostgreSQL. softdelete's names are read
// as PostgreSQL reads an unquoted name (lower case: the engine folds
// listed names and columns so), so the quoted name is the folded one.
func pgQuoteIdent(name string) string {
	return `"` + strings.ReplaceAll(strings.ToLower(name), `"`, `""`) + `"`
}

// pgRelationIdent returns how a relation's tables and key columns are
// quoted: a declared key's as the catalog spells them (an ORM's quoted
// "userId" is not userid), a cascade= entry's folded as PostgreSQL reads
// an unquoted name.
func pgRelationIdent(r *relation) func(string) string {
	if !r.declared {
		return pgQuoteIdent
	}
	return func(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }
}

// pgStepSQL is stepSQL on PostgreSQL: the parent rows that carry the
// stamp, joined to their children through the key.
func pgStepSQL(r *relation, set, cond, parentStamp string) string {
	q := pgRelationIdent(r)
	col := pgQuoteIdent(r.child.column)
	return "UPDATE " + q(r.childName) + " AS sd_c SET " + col + " = " + set +
		" FROM " + q(r.parentName) + " AS sd_p WHERE " + joinOnQ(q, r, "sd_c.", "sd_p.") +
		" AND sd_c." + col + " " + cond + " AND sd_p." + pgQuoteIdent(r.parent.column) + " = " + parentStamp
}

// pgCheckSQL is checkChildren's query on PostgreSQL: a child row that
// satisfies children (a condition on sd_c) of a parent row stamped stamp.
func pgCheckSQL(r *relation, children, stamp string) string {
	q := pgRelationIdent(r)
	return "SELECT 1 FROM " + q(r.parentName) + " AS sd_p JOIN " + q(r.childName) + " AS sd_c ON " +
		joinOnQ(q, r, "sd_c.", "sd_p.") + " WHERE " + children + " AND sd_p." + pgQuoteIdent(r.parent.column) + " = " + stamp + " LIMIT 1"
}

// pgStampFormat is how the server writes a stamp: microseconds and the
// session's UTC offset (+01, +05:30). The offset makes the literal one
// instant in a timestamptz column; a timestamp column ignores it and keeps
// the session's wall clock, which is what now() would have stored.
const pgStampFormat = "YYYY-MM-DD HH24:MI:SS.USOF"

// pgStampLayout is how softdelete writes a PostgreSQL stamp back.
const pgStampLayout = "2006-01-02 15:04:05.000000-07:00"

// pgCascadeSession is cascadeSession on PostgreSQL: the now= expression
// as a timestamptz (a timestamp one is read in the session's TimeZone, as
// the column would read it), and whether foreign keys are enforced: their
// triggers do not fire under session_replication_role = replica.
func (c *conn) pgCascadeSession(ctx context.Context) (cascadeSession, error) {
	var s cascadeSession
	rows, err := c.queryRaw(ctx, "SELECT to_char(("+c.rw.nowText+")::timestamptz, '"+pgStampFormat+"'), current_setting('session_replication_role')", nil)
	if err != nil {
		return s, fmt.Errorf("softdelete: cascade: reading the stamp: %w", err)
	}
	if len(rows) != 1 || len(rows[0]) != 2 {
		return s, errors.New("softdelete: cascade: reading the stamp: the server returned no row")
	}
	t, err := parsePgStamp(rows[0][0])
	if err != nil {
		return s, fmt.Errorf("softdelete: cascade: now=%s gives %q, not a time: a cascade needs a time stamp (use softdelete.WithoutCascade(ctx)): %w", c.rw.nowText, rows[0][0], err)
	}
	s.enforced = !strings.EqualFold(rows[0][1], "replica")
	s.layout = pgStampLayout
	s.at = nextStamp(t).In(t.Location())
	s.stamp = s.at.Format(s.layout)
	return s, nil
}

// parsePgStamp reads a stamp written with pgStampFormat; the offset has
// hours only (+01), minutes (+05:30) or seconds (a historical zone).
func parsePgStamp(s string) (time.Time, error) {
	i := strings.LastIndexAny(s, "+-")
	if i < len("2006-01-02") {
		return time.Time{}, errors.New("no UTC offset")
	}
	off := s[i:]
	switch strings.Count(off, ":") {
	case 0:
		off += ":00:00"
	case 1:
		off += ":00"
	}
	return time.Parse("2006-01-02 15:04:05.999999-07:00:00", s[:i]+off)
}

// pgSQLState returns the SQLSTATE of a PostgreSQL error (pgx's
// *pgconn.PgError and lib/pq's *pq.Error both tell it), or "".
func pgSQLState(err error) string {
	var e interface{ SQLState() string }
	if errors.As(err, &e) {
		return e.SQLState()
	}
	return ""
}

// pgNoTransactionBlock is the SQLSTATE of a SAVEPOINT outside a
// transaction block.
const pgNoTransactionBlock = "25P01"

// pgBeginCascade starts a cascade on PostgreSQL when database/sql knows
// of no transaction. The session may still be inside one (BEGIN sent as
// text on a sql.Conn), which a transaction of softdelete's own would not
// see: PostgreSQL would warn and run the cascade inside it, and its COMMIT
// would commit the caller's work. So it asks the server by setting the
// savepoint: inside a block that is the cascade's savepoint; outside one
// it fails with 25P01 and changes nothing, and the cascade begins its own
// transaction.
func (c *conn) pgBeginCascade(ctx context.Context) (*cascadeTx, error) {
	_, err := c.execRaw(ctx, "SAVEPOINT "+savepointName, nil)
	if err == nil {
		return &cascadeTx{c: c}, nil
	}
	if pgSQLState(err) != pgNoTransactionBlock {
		return nil, fmt.Errorf("softdelete: cascade: setting its savepoint: %w", err)
	}
	if c.beginTx == nil {
		tx, err := c.inner.Begin() //nolint:staticcheck // the inner connection has nothing else
		return &cascadeTx{c: c, tx: tx}, err
	}
	tx, err := c.beginTx.BeginTx(ctx, driver.TxOptions{})
	return &cascadeTx{c: c, tx: tx}, err
}
