package softdelete

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// DefaultPurgeBatch is how many rows one purge statement deletes when
// PurgeOptions.BatchSize is 0.
const DefaultPurgeBatch = 1000

// PurgeOptions tunes Purge. The zero value (or nil) is the default: batches
// of DefaultPurgeBatch rows, really deleted, no progress callback.
type PurgeOptions struct {
	// BatchSize is the most rows one DELETE removes, each batch in its own
	// transaction so that locks stay short; 0 means DefaultPurgeBatch.
	BatchSize int
	// DryRun counts the rows that would be purged and deletes nothing.
	DryRun bool
	// Progress, when set, is called after each committed batch (once with
	// the count, for DryRun), on the goroutine that called Purge.
	Progress func(PurgeProgress)
}

// PurgeProgress reports one batch of a purge.
type PurgeProgress struct {
	Table string // the table, as listed (lower case)
	Batch int    // the batch's number in this table, from 1
	Rows  int64  // the rows this batch deleted (DryRun: would delete)
	Total int64  // the rows deleted from Table so far, this batch included
}

// PurgeResult is what a purge did.
type PurgeResult struct {
	// Rows is the number of rows deleted (DryRun: that would be) per table,
	// by listed (lower-case) name.
	Rows map[string]int64
	// Batches is the number of batches committed (DryRun: 0); a batch
	// that follows relations sends one DELETE per child table too.
	Batches int
	// Kept is the number of purgeable rows of the table that were kept
	// because live rows reference them (a child restored on its own),
	// through a relation the purge follows; it is logged at Warn.
	Kept int64
}

// Total returns the number of rows deleted from all tables.
func (r *PurgeResult) Total() int64 {
	var n int64
	for _, v := range r.Rows {
		n += v
	}
	return n
}

// Purge hard-deletes the rows of table that were soft-deleted before
// deletedBefore: the retention purge. It deletes in batches of
// opts.BatchSize rows, each in its own transaction, until a batch deletes
// fewer; each committed batch is logged at Info on Config.Logger (the
// audit trail: table, rows, cutoff) and reported to opts.Progress. Live
// rows and rows deleted at or after the cutoff are kept.
//
// db must use the softdelete driver and table must be one of its listed
// tables. Purge's statements are sent raw (they must see deleted rows).
// When it fails (a cancelled context, a lost connection) the batches
// already committed stay purged, the rest stays intact, and the result
// counts what was done: run it again to finish.
//
// The cutoff is an instant, compared with the stamps in the database's
// own terms: on SQLite as UTC text (the stamps' format), on MySQL as
// FROM_UNIXTIME of it, a time in the session's time zone (the one now(6)
// stamps in), on PostgreSQL as a timestamptz, so the process's time zone
// never matters.
//
//	res, err := softdelete.Purge(ctx, db, "posts", time.Now().Add(-30*24*time.Hour), nil)
func Purge(ctx context.Context, db *sql.DB, table string, deletedBefore time.Time, opts *PurgeOptions) (*PurgeResult, error) {
	var o PurgeOptions
	if opts != nil {
		o = *opts
	}
	switch {
	case o.BatchSize < 0:
		return nil, fmt.Errorf("softdelete: Purge: BatchSize %d is negative (0 means %d rows a batch)", o.BatchSize, DefaultPurgeBatch)
	case o.BatchSize == 0:
		o.BatchSize = DefaultPurgeBatch
	}
	if deletedBefore.IsZero() {
		return nil, errors.New("softdelete: Purge: deletedBefore is the zero time; give a cutoff such as time.Now().Add(-30 * 24 * time.Hour)")
	}
	p, err := newPurgePlan(ctx, db, table, deletedBefore)
	if err != nil {
		return nil, err
	}
	res := &PurgeResult{Rows: map[string]int64{p.table: 0}}
	if o.DryRun {
		n, err := p.count(ctx, db, "NOT")
		if err != nil {
			return res, err
		}
		res.Rows[p.table] = n
		if res.Kept, err = p.count(ctx, db, ""); err != nil {
			return res, err
		}
		if o.Progress != nil {
			o.Progress(PurgeProgress{Table: p.table, Batch: 1, Rows: n, Total: n})
		}
		return res, nil
	}
	return res, p.run(ctx, db, o, res)
}

// purgePlan is the purge of one table: its statements and where to log.
type purgePlan struct {
	table  string // as listed, lower case
	from   string // the table as the caller named it (folded as the database reads it unquoted), quoted
	cutoff time.Time
	where  string // the condition of a purgeable row, with args
	args   []any
	key    string // the primary key's columns, quoted, separated by commas; or the marker column
	rules  *purgeRules
	logger *slog.Logger
	casc   *purgeCascade // the children to purge first; nil: none
	// blocked is the condition of a row (as sd_k) that live children keep.
	blocked string
}

// newPurgePlan reads the configuration of db's connector and builds the
// statements that purge table.
func newPurgePlan(ctx context.Context, db *sql.DB, table string, cutoff time.Time) (*purgePlan, error) {
	if !isPlainIdent(table) {
		return nil, fmt.Errorf("softdelete: Purge: %q is not a plain table name", table)
	}
	rw, err := rewriterOf(ctx, db)
	if err != nil {
		return nil, err
	}
	st := rw.tables.byName[strings.ToLower(table)]
	if st == nil {
		return nil, fmt.Errorf("softdelete: Purge: %s is not a soft-delete table (listed: %s); only listed tables have a deleted column to purge by",
			table, strings.Join(rw.tables.names, ", "))
	}
	pr := rw.d.purge
	table = pr.name(table)
	p := &purgePlan{table: st.name, from: pr.quote(table), cutoff: cutoff, rules: pr, logger: rw.schema.logger}
	if p.where, p.args, err = purgeCondition(rw, st, cutoff); err != nil {
		return nil, err
	}
	pk, err := primaryKeyOf(ctx, db, pr, table)
	if err != nil {
		return nil, err
	}
	p.key = strings.Join(pk, ", ")
	if len(pk) == 0 {
		p.key = pr.quote(st.column)
	}
	if p.casc, err = newPurgeCascade(ctx, db, rw, st, pk); err != nil {
		return nil, err
	}
	if p.casc != nil {
		p.blocked = p.casc.blockedSQL(st.name, "sd_k", map[string]int{st.name: 1})
	}
	return p, nil
}

// purgeCondition returns the condition of a row of st deleted before
// cutoff, by its marker's kind: a time stamp, an epoch (0 is live), or a
// flag's companion time stamp (a flag alone has no time to purge by).
func purgeCondition(rw *rewriter, st *softTable, cutoff time.Time) (string, []any, error) {
	pr := rw.d.purge
	col := pr.quote(pr.name(st.column))
	switch st.kind {
	case KindUnix:
		return col + " <> 0 AND " + col + " < ?", []any{cutoff.Unix()}, nil
	case KindUnixMilli:
		return col + " <> 0 AND " + col + " < ?", []any{cutoff.UnixMilli()}, nil
	case KindFlag:
		if st.companion == "" {
			return "", nil, fmt.Errorf("softdelete: Purge: %s's flag %s holds no time to compare with the cutoff; name a companion timestamp column (tables=%s:%s:flag:deleted_at), which soft DELETEs stamp, or purge with WithForce(WithOnlyDeleted(ctx)) and your own condition",
				st.name, st.column, st.name, st.column)
		}
		where, args, err := pr.cutoff(rw, pr.quote(pr.name(st.companion)), cutoff)
		return pr.flagSet(col) + " AND " + where, args, err
	}
	return pr.cutoff(rw, col, cutoff)
}

// primaryKeyOf returns the quoted columns of table's primary key, in
// order, as the dialect's rules read them; none where they read none
// (SQLite: the rowid keys rows) or the table has none.
func primaryKeyOf(ctx context.Context, db *sql.DB, pr *purgeRules, table string) ([]string, error) {
	if pr.primaryKey == "" {
		return nil, nil
	}
	rows, err := db.QueryContext(rawContext(ctx), pr.sql(pr.primaryKey), table)
	if err != nil {
		return nil, fmt.Errorf("softdelete: Purge: reading the primary key of %s: %w", table, err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		cols = append(cols, pr.quote(c))
	}
	return cols, rows.Err()
}

// rewriterOf returns the rewriter of db's softdelete connector.
func rewriterOf(ctx context.Context, db *sql.DB) (*rewriter, error) {
	c, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var rw *rewriter
	err = c.Raw(func(dc any) error {
		if w, ok := dc.(interface{ softdeleteConn() *conn }); ok {
			sc := w.softdeleteConn()
			rw = sc.rw
			if !rw.schema.ready.Load() { // the foreign keys a purge follows come from the check
				return rw.schema.ensure(ctx, sc)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if rw == nil {
		return nil, errors.New("softdelete: Purge: the database does not use the softdelete driver; open it with sql.Open(\"softdelete\", dsn)")
	}
	return rw, nil
}

// rawContext is ctx for statements that must go as written: purges see
// every row.
func rawContext(ctx context.Context) context.Context {
	return WithForce(WithIncludeDeleted(ctx))
}

// count returns how many rows the plan would purge (not "NOT") or would
// keep for their live children (not ""); with no children, all or none.
func (p *purgePlan) count(ctx context.Context, db *sql.DB, not string) (int64, error) {
	var n int64
	q := "SELECT count(*) FROM " + p.from + " AS sd_k WHERE " + p.where
	switch {
	case p.casc != nil:
		q += " AND " + not + " (" + p.blocked + ")"
	case not == "":
		return 0, nil
	}
	if err := db.QueryRowContext(rawContext(ctx), p.rules.sql(q), p.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("softdelete: Purge %s: counting: %w", p.table, err)
	}
	return n, nil
}

// run deletes batch after batch until one deletes fewer than a full batch,
// adding each to res.
func (p *purgePlan) run(ctx context.Context, db *sql.DB, o PurgeOptions, res *PurgeResult) error {
	if p.casc != nil {
		return p.runCascade(ctx, db, o, res)
	}
	q, times := p.rules.batch(p.from, p.where, p.key, o.BatchSize)
	q = p.rules.sql(q)
	var args []any
	for range times {
		args = append(args, p.args...)
	}
	for batch := 1; ; batch++ {
		n, err := p.batch(ctx, db, q, args)
		if err != nil {
			return fmt.Errorf("softdelete: Purge %s: batch %d: %w (%d rows purged before it stay purged; run Purge again to finish)",
				p.table, batch, err, res.Rows[p.table])
		}
		res.Batches++
		res.Rows[p.table] += n
		if p.logger != nil {
			p.logger.Info("softdelete: purge", "table", p.table, "rows", n, "cutoff", p.cutoff.UTC(), "batch", batch)
		}
		if o.Progress != nil {
			o.Progress(PurgeProgress{Table: p.table, Batch: batch, Rows: n, Total: res.Rows[p.table]})
		}
		if n < int64(o.BatchSize) {
			return nil
		}
	}
}

// batch runs one batch's DELETE in a transaction of its own.
func (p *purgePlan) batch(ctx context.Context, db *sql.DB, q string, args []any) (int64, error) {
	ctx = rawContext(ctx)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	r, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		_ = tx.Rollback()
		return 0, err
	}
	n, err := r.RowsAffected()
	if err != nil {
		_ = tx.Rollback()
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return n, nil
}
