package softdelete

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// purgeMaxVisits is how often one table may appear on a relation path a
// purge follows (a self-reference, a cycle); past it a child row of any
// kind keeps its parent, so a purge never deletes a row it did not check.
const purgeMaxVisits = 4

// purgeCascade is what a purge follows from the purged table: the
// relations (of every action) to soft-delete tables, and the columns that
// key one batch's rows.
type purgeCascade struct {
	rels  map[string][]*relation
	key   []string // quoted: rowid on SQLite, the primary key elsewhere
	rules *purgeRules
}

// newPurgeCascade returns the relations a purge of st follows, or nil
// when st has no children. pk is its primary key, quoted.
func newPurgeCascade(ctx context.Context, db *sql.DB, rw *rewriter, st *softTable, pk []string) (*purgeCascade, error) {
	if rw.cascade == nil {
		return nil, nil
	}
	m := rw.schema.model.Load()
	if m == nil && rw.schema.mode != CheckOff {
		return nil, fmt.Errorf("softdelete: Purge %s: the schema check could not read the schema (check=warn logged why), so the foreign keys a purge must follow are unknown, and the database would delete a purged row's live children itself (ON DELETE CASCADE); fix what stops the read and purge again, or set foreign_keys=ignore if no foreign key matters", st.name)
	}
	g := rw.cascade.graphFor(m)
	pr := rw.d.purge
	enforced, err := foreignKeysEnforced(ctx, db, pr)
	if err != nil {
		return nil, err
	}
	pc := &purgeCascade{rels: g.active(enforced), rules: pr, key: pk}
	if len(pc.rels[st.name]) == 0 {
		return nil, nil
	}
	if pr.rowKey != "" {
		pc.key = []string{pr.rowKey}
	} else if len(pk) == 0 {
		return nil, fmt.Errorf("softdelete: Purge: %s has no primary key, which a purge needs to delete a batch's children first; add one (ALTER TABLE %s ADD PRIMARY KEY (...))", st.name, st.name)
	}
	return pc, nil
}

// foreignKeysEnforced reports whether the database enforces declared
// foreign keys (SQLite: PRAGMA foreign_keys; MySQL: @@foreign_key_checks;
// PostgreSQL: unless session_replication_role is replica).
func foreignKeysEnforced(ctx context.Context, db *sql.DB, pr *purgeRules) (bool, error) {
	var on int
	if err := db.QueryRowContext(rawContext(ctx), pr.enforced).Scan(&on); err != nil {
		return false, fmt.Errorf("softdelete: Purge: reading whether foreign keys are enforced: %w", err)
	}
	return on == 1, nil
}

// name quotes a name of a relation: one the schema declares as the
// database spells it, one of cascade= as the database reads it unquoted.
func (pc *purgeCascade) name(s string, declared bool) string {
	if !declared {
		s = pc.rules.name(s)
	}
	return pc.rules.quote(s)
}

// deleted is the condition of a soft-deleted row of t, as alias ("" for
// the bare columns of the statement's own table).
func (pc *purgeCascade) deleted(t *softTable, alias string) string {
	col := pc.rules.quote(pc.rules.name(t.column))
	if alias != "" {
		col = alias + "." + col
	}
	switch {
	case t.kind == KindFlag:
		return pc.rules.flagSet(col)
	case t.kind.numeric():
		return col + " <> 0"
	}
	return col + " IS NOT NULL"
}

// cols is a relation's child (or parent) columns, each prefixed, in
// parentheses where there are several.
func (pc *purgeCascade) cols(r *relation, child bool, prefix string) string {
	cols := r.parentCols
	if child {
		cols = r.childCols
	}
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = prefix + pc.name(c, r.declared)
	}
	if len(q) == 1 {
		return q[0]
	}
	return "(" + strings.Join(q, ", ") + ")"
}

// join is the condition that joins a child row (as child) to its parent.
func (pc *purgeCascade) join(r *relation, child, parent string) string {
	parts := make([]string, len(r.childCols))
	for i := range r.childCols {
		parts[i] = child + pc.name(r.childCols[i], r.declared) + " = " + parent + pc.name(r.parentCols[i], r.declared)
	}
	return strings.Join(parts, " AND ")
}

// subquery wraps a subquery for IN: on MySQL in a derived table, which
// lets a DELETE read the table it deletes from (a self-reference).
func (pc *purgeCascade) subquery(q, alias string) string {
	if pc.rules.derived {
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
			cond = "(" + pc.deleted(r.child, c) + ") IS NOT TRUE" // live, NULL markers included (NOT would drop them)
			if sub := pc.blockedSQL(r.child.name, c, visits); sub != "" {
				cond = "(" + cond + " OR " + sub + ")"
			}
			visits[r.child.name]--
		}
		ors = append(ors, "EXISTS (SELECT 1 FROM "+pc.name(r.childName, r.declared)+" AS "+c+" WHERE "+pc.join(r, c+".", alias+".")+" AND "+cond+")")
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
		sub := "SELECT " + strings.Trim(pc.cols(r, false, alias+"."), "()") + " FROM " + pc.name(r.parentName, r.declared) + " AS " + alias + " WHERE " + cond(alias)
		childCond := func(a string) string {
			return pc.deleted(r.child, a) + " AND " + pc.cols(r, true, a+".") + " IN " + pc.subquery(sub, alias)
		}
		visits[r.child.name]++
		out = append(out, pc.steps(r.child.name, childCond, depth+1, visits)...)
		visits[r.child.name]--
		bare := pc.deleted(r.child, "") + " AND " + pc.cols(r, true, "") + " IN " + pc.subquery(sub, alias)
		out = append(out, purgeStep{table: r.child.name, sql: pc.rules.sql("DELETE FROM " + pc.name(r.childName, r.declared) + " WHERE " + bare)})
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
	q := fmt.Sprintf("SELECT %s FROM %s AS sd_k WHERE %s AND NOT (%s) ORDER BY %s LIMIT %d", key, p.from, p.where, p.blocked, key, size) + p.rules.lock
	rows, err := tx.QueryContext(ctx, p.rules.sql(q), p.args...)
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
		for i, v := range row {
			if b, ok := v.([]byte); ok && p.rules.textKeys {
				row[i] = string(b)
			}
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
	q := p.rules.sql("DELETE FROM " + p.from + " WHERE " + bare + " IN " + p.casc.subquery(sub, "sd_k"))
	r, err := tx.ExecContext(ctx, q, append(append([]any{}, keys...), p.args...)...)
	if err != nil {
		return err
	}
	d, err := r.RowsAffected()
	counts[p.table] += d
	return err
}
