package softdelete

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/xwb1989/sqlparser"
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
// stamps in), so the process's time zone never matters.
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
	table   string // as listed, lower case
	from    string // the table as the caller named it, quoted
	cutoff  time.Time
	where   string // the condition of a purgeable row, with args
	args    []any
	del     string // one batch's DELETE, without its LIMIT number
	limitAt string // what follows the LIMIT number ("" or ")")
	logger  *slog.Logger
	casc    *purgeCascade // the children to purge first; nil: none
	blocked string        // the condition of a row (as sd_k) that live children keep
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
	t, col := "`"+table+"`", "`"+st.column+"`"
	p := &purgePlan{table: st.name, from: t, cutoff: cutoff, logger: rw.schema.logger}
	if p.where, p.args, err = purgeCondition(rw, st, cutoff); err != nil {
		return nil, err
	}
	order := "rowid"
	if rw.d != dialectSQLite {
		if order, err = mysqlPurgeOrder(ctx, db, table, col); err != nil {
			return nil, err
		}
	}
	if p.casc, err = newPurgeCascade(ctx, db, rw, st, order); err != nil {
		return nil, err
	}
	if p.casc != nil {
		p.blocked = p.casc.blockedSQL(st.name, "sd_k", map[string]int{st.name: 1})
	}
	if rw.d == dialectSQLite {
		p.del = "DELETE FROM " + t + " WHERE rowid IN (SELECT rowid FROM " + t + " WHERE " + p.where + " LIMIT "
		p.limitAt = ")"
		return p, nil
	}
	p.del = "DELETE FROM " + t + " WHERE " + p.where + " ORDER BY " + order + " LIMIT "
	return p, nil
}

// purgeCondition returns the condition of a row of st deleted before
// cutoff, by its marker's kind: a time stamp, an epoch (0 is live), or a
// flag's companion time stamp (a flag alone has no time to purge by).
func purgeCondition(rw *rewriter, st *softTable, cutoff time.Time) (string, []any, error) {
	col := "`" + st.column + "`"
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
		where, args, err := timeCutoff(rw, "`"+st.companion+"`", cutoff)
		return col + " <> 0 AND " + where, args, err
	}
	return timeCutoff(rw, col, cutoff)
}

// timeCutoff returns the condition of a time stamp before cutoff.
func timeCutoff(rw *rewriter, col string, cutoff time.Time) (string, []any, error) {
	if rw.d == dialectSQLite {
		// Stamps are UTC text; a marker of another type (a number) would
		// sort before any text, so it is never taken for an old one.
		return col + " < ? AND typeof(" + col + ") = 'text'", []any{cutoff.UTC().Format("2006-01-02 15:04:05.000")}, nil
	}
	return mysqlCutoff(col, cutoff, rw.now)
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

// mysqlPurgeOrder returns the ORDER BY of a MySQL purge batch: the primary
// key, so that a batch is the same rows on a replica; the marker column
// for a table without one.
func mysqlPurgeOrder(ctx context.Context, db *sql.DB, table, col string) (string, error) {
	rows, err := db.QueryContext(rawContext(ctx), "SELECT COLUMN_NAME FROM information_schema.STATISTICS"+
		" WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX", table)
	if err != nil {
		return "", fmt.Errorf("softdelete: Purge: reading the primary key of %s: %w", table, err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return "", err
		}
		cols = append(cols, "`"+strings.ReplaceAll(c, "`", "``")+"`")
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	if len(cols) == 0 {
		return col, nil
	}
	return strings.Join(cols, ", "), nil
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
			rw = w.softdeleteConn().rw
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
	if err := db.QueryRowContext(rawContext(ctx), q, p.args...).Scan(&n); err != nil {
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
	q := fmt.Sprintf("%s%d%s", p.del, o.BatchSize, p.limitAt)
	for batch := 1; ; batch++ {
		n, err := p.batch(ctx, db, q)
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
func (p *purgePlan) batch(ctx context.Context, db *sql.DB, q string) (int64, error) {
	ctx = rawContext(ctx)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	r, err := tx.ExecContext(ctx, q, p.args...)
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

// purgeMaxVisits is how often one table may appear on a relation path a
// purge follows (a self-reference, a cycle); past it a child row of any
// kind keeps its parent, so a purge never deletes a row it did not check.
const purgeMaxVisits = 4

// purgeCascade is what a purge follows from the purged table: the
// relations (of every action) to soft-delete tables, and the columns that
// key one batch's rows.
type purgeCascade struct {
	rels  map[string][]*relation
	key   []string // quoted: rowid on SQLite, the primary key on MySQL
	mysql bool
}

// newPurgeCascade returns the relations a purge of st follows, or nil
// when st has no children.
func newPurgeCascade(ctx context.Context, db *sql.DB, rw *rewriter, st *softTable, order string) (*purgeCascade, error) {
	if rw.cascade == nil {
		return nil, nil
	}
	g := rw.cascade.graphFor(rw.schema.model.Load())
	enforced, err := foreignKeysEnforced(ctx, db, rw.d == dialectSQLite)
	if err != nil {
		return nil, err
	}
	pc := &purgeCascade{rels: g.active(enforced), mysql: rw.d == dialectMySQL, key: []string{"rowid"}}
	if len(pc.rels[st.name]) == 0 {
		return nil, nil
	}
	if pc.mysql {
		if order == "`"+st.column+"`" {
			return nil, fmt.Errorf("softdelete: Purge: %s has no primary key, which a purge needs to delete a batch's children first; add one (ALTER TABLE %s ADD PRIMARY KEY (...))", st.name, st.name)
		}
		pc.key = strings.Split(order, ", ")
	}
	return pc, nil
}

// foreignKeysEnforced reports whether the database enforces declared
// foreign keys (SQLite: PRAGMA foreign_keys; MySQL: @@foreign_key_checks).
func foreignKeysEnforced(ctx context.Context, db *sql.DB, sqlite bool) (bool, error) {
	q := "SELECT @@foreign_key_checks"
	if sqlite {
		q = "PRAGMA foreign_keys"
	}
	var on int
	if err := db.QueryRowContext(rawContext(ctx), q).Scan(&on); err != nil {
		return false, fmt.Errorf("softdelete: Purge: reading whether foreign keys are enforced: %w", err)
	}
	return on == 1, nil
}

// deletedSQL is the condition of a soft-deleted row of t, as alias ("" for
// the bare columns of the statement's own table).
func deletedSQL(t *softTable, alias string) string {
	col := quoteIdent(t.column)
	if alias != "" {
		col = alias + "." + col
	}
	if t.kind.numeric() {
		return col + " <> 0"
	}
	return col + " IS NOT NULL"
}

// subquery wraps a subquery for IN: on MySQL in a derived table, which
// lets a DELETE read the table it deletes from (a self-reference).
func (pc *purgeCascade) subquery(q, alias string) string {
	if pc.mysql {
		return "(SELECT * FROM (" + q + ") AS " + alias + "_d)"
	}
	return "(" + q + ")"
}

// blockedSQL is the condition of a row of table (as alias) that must stay:
// a child row references it that is live, or itself must stay. visits
// counts the tables on the path; past purgeMaxVisits any child keeps it.
func (pc *purgeCascade) blockedSQL(table, alias string, visits map[string]int) string {
	var ors []string
	for i, r := range pc.rels[table] {
		c := fmt.Sprintf("%s_%d", alias, i)
		cond := "1 = 1"
		if visits[r.child.name] < purgeMaxVisits {
			visits[r.child.name]++
			cond = "NOT " + deletedSQL(r.child, c)
			if sub := pc.blockedSQL(r.child.name, c, visits); sub != "" {
				cond = "(" + cond + " OR " + sub + ")"
			}
			visits[r.child.name]--
		}
		ors = append(ors, "EXISTS (SELECT 1 FROM "+quoteIdent(r.childName)+" AS "+c+" WHERE "+joinOn(r, c+".", alias+".")+" AND "+cond+")")
	}
	return strings.Join(ors, " OR ")
}

// purgeStep is one DELETE of a batch's soft-deleted descendants.
type purgeStep struct {
	table string // listed name, for the counts
	sql   string
}

// steps returns the DELETEs of the soft-deleted descendants of the rows of
// table that satisfy cond (a condition on an alias), leaves first.
func (pc *purgeCascade) steps(table string, cond func(alias string) string, depth int, visits map[string]int) []purgeStep {
	var out []purgeStep
	for _, r := range pc.rels[table] {
		if visits[r.child.name] >= purgeMaxVisits {
			continue // blockedSQL kept every parent with a child here
		}
		alias := fmt.Sprintf("sd_%d", depth)
		sub := "SELECT " + strings.Trim(colList(r.parentCols, alias+"."), "()") + " FROM " + quoteIdent(r.parentName) + " AS " + alias + " WHERE " + cond(alias)
		childCond := func(a string) string {
			return deletedSQL(r.child, a) + " AND " + colList(r.childCols, a+".") + " IN " + pc.subquery(sub, alias)
		}
		visits[r.child.name]++
		out = append(out, pc.steps(r.child.name, childCond, depth+1, visits)...)
		visits[r.child.name]--
		bare := deletedSQL(r.child, "") + " AND " + colList(r.childCols, "") + " IN " + pc.subquery(sub, alias)
		out = append(out, purgeStep{table: r.child.name, sql: "DELETE FROM " + quoteIdent(r.childName) + " WHERE " + bare})
	}
	return out
}

// keyIn is the condition of the rows of a batch's keys, as alias, with n
// rows.
func (pc *purgeCascade) keyIn(alias string, n int) string {
	cols := make([]string, len(pc.key))
	for i, k := range pc.key {
		cols[i] = alias + "." + k
	}
	one := "?"
	lhs := cols[0]
	if len(cols) > 1 {
		one = "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
		lhs = "(" + strings.Join(cols, ", ") + ")"
	}
	return lhs + " IN (" + strings.TrimSuffix(strings.Repeat(one+", ", n), ", ") + ")"
}

// runCascade is run for a table with children: each batch deletes its
// rows' soft-deleted descendants, leaves first, then the rows, in one
// transaction; rows that live children reference are kept and counted.
func (p *purgePlan) runCascade(ctx context.Context, db *sql.DB, o PurgeOptions, res *PurgeResult) error {
	for batch := 1; ; batch++ {
		picked, counts, err := p.cascadeBatch(ctx, db, o.BatchSize)
		if err != nil {
			return fmt.Errorf("softdelete: Purge %s: batch %d: %w (the batches before it stay purged, with their children; run Purge again to finish)",
				p.table, batch, err)
		}
		if picked == 0 && batch > 1 {
			break
		}
		res.Batches++
		for t, n := range counts {
			res.Rows[t] += n
		}
		if p.logger != nil {
			p.logger.Info("softdelete: purge", "table", p.table, "rows", counts[p.table], "children", childCounts(counts, p.table), "cutoff", p.cutoff.UTC(), "batch", batch)
		}
		if o.Progress != nil {
			o.Progress(PurgeProgress{Table: p.table, Batch: batch, Rows: counts[p.table], Total: res.Rows[p.table]})
		}
		if picked < o.BatchSize {
			break
		}
	}
	return p.reportKept(ctx, db, res)
}

// reportKept counts, and logs at Warn, the rows that live children keep.
func (p *purgePlan) reportKept(ctx context.Context, db *sql.DB, res *PurgeResult) error {
	kept, err := p.count(ctx, db, "")
	if err != nil {
		return err
	}
	res.Kept = kept
	if kept > 0 && p.logger != nil {
		p.logger.Warn("softdelete: purge kept rows that live rows still reference (restore or delete those children, then purge again)",
			"table", p.table, "kept", kept, "cutoff", p.cutoff.UTC())
	}
	return nil
}

// childCounts is the counts of the tables other than table, for the log.
func childCounts(counts map[string]int64, table string) map[string]int64 {
	out := make(map[string]int64, len(counts))
	for t, n := range counts {
		if t != table {
			out[t] = n
		}
	}
	return out
}

// cascadeBatch picks up to size purgeable rows that no live row keeps and
// deletes, in one transaction, their soft-deleted descendants and then
// them. It returns how many rows it picked and the rows deleted by table.
func (p *purgePlan) cascadeBatch(ctx context.Context, db *sql.DB, size int) (int, map[string]int64, error) {
	ctx = rawContext(ctx)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, nil, err
	}
	keys, err := p.pickKeys(ctx, tx, size)
	counts := map[string]int64{p.table: 0}
	if err == nil && len(keys) > 0 {
		err = p.deleteCascade(ctx, tx, keys, counts)
	}
	if err != nil {
		_ = tx.Rollback()
		return 0, nil, err
	}
	if err := tx.Commit(); err != nil {
		return 0, nil, err
	}
	return len(keys) / len(p.casc.key), counts, nil
}

// pickKeys returns the keys (flattened) of up to size purgeable rows that
// no live row keeps, locked on MySQL until the batch ends.
func (p *purgePlan) pickKeys(ctx context.Context, tx *sql.Tx, size int) ([]any, error) {
	key := "sd_k." + strings.Join(p.casc.key, ", sd_k.")
	q := fmt.Sprintf("SELECT %s FROM %s AS sd_k WHERE %s AND NOT (%s) ORDER BY %s LIMIT %d", key, p.from, p.where, p.blocked, key, size)
	if p.casc.mysql {
		q += " FOR UPDATE"
	}
	rows, err := tx.QueryContext(ctx, q, p.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []any
	for rows.Next() {
		row := make([]any, len(p.casc.key))
		ptrs := make([]any, len(row))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		keys = append(keys, row...)
	}
	return keys, rows.Err()
}

// deleteCascade deletes the soft-deleted descendants of the rows of keys,
// leaves first, then those rows (if still purgeable), adding to counts.
func (p *purgePlan) deleteCascade(ctx context.Context, tx *sql.Tx, keys []any, counts map[string]int64) error {
	n := len(keys) / len(p.casc.key)
	level0 := func(alias string) string { return p.casc.keyIn(alias, n) }
	for _, s := range p.casc.steps(p.table, level0, 1, map[string]int{p.table: 1}) {
		r, err := tx.ExecContext(ctx, s.sql, keys...)
		if err != nil {
			return fmt.Errorf("deleting the soft-deleted children in %s: %w", s.table, err)
		}
		d, err := r.RowsAffected()
		if err != nil {
			return err
		}
		counts[s.table] += d
	}
	bare := strings.Join(p.casc.key, ", ")
	if len(p.casc.key) > 1 {
		bare = "(" + bare + ")"
	}
	sub := "SELECT sd_k." + strings.Join(p.casc.key, ", sd_k.") + " FROM " + p.from + " AS sd_k WHERE " + level0("sd_k") +
		" AND " + p.where + " AND NOT (" + p.blocked + ")"
	r, err := tx.ExecContext(ctx, "DELETE FROM "+p.from+" WHERE "+bare+" IN "+p.casc.subquery(sub, "sd_k"), append(append([]any{}, keys...), p.args...)...)
	if err != nil {
		return err
	}
	d, err := r.RowsAffected()
	counts[p.table] += d
	return err
}
