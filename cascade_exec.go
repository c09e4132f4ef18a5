package softdelete

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/xwb1989/sqlparser"
)

// This file runs a soft DELETE that follows relations (cascade.go): one
// stamp for the statement, the statement itself with that stamp, then the
// children, level by level, all in one transaction or savepoint.

// cascadeExec runs query as a cascading soft DELETE or an exact Restore
// when it is one; done is false when it is not, and the caller sends the
// statement as usual. It costs a mode check and two atomic loads when no
// relation is known, a scan of the text for "delete" when one is.
func (c *conn) cascadeExec(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, bool, error) {
	m := modeFrom(ctx)
	if m.noCascade || m.force {
		return nil, false, nil
	}
	g := c.rw.cascade.graphFor(c.rw.schema.model.Load())
	if g.empty() {
		return nil, false, nil
	}
	if m.restore != "" {
		return c.restoreExact(ctx, g, m, query, args)
	}
	targets, done, err := c.cascadeTargets(g, m, query)
	if !done || err != nil {
		return nil, done, err
	}
	var res driver.Result
	err = c.deleteCascading(ctx, g, m, query, args, targets, func(ctx context.Context, out string, args []driver.NamedValue) (err error) {
		res, err = c.execRaw(ctx, out, args)
		return err
	})
	if err != nil {
		return nil, true, err
	}
	return res, true, nil
}

// cascadeTargets returns the soft-delete tables a DELETE text stamps when
// one of them is in a relation; done is false when none is (or the text
// is no DELETE).
func (c *conn) cascadeTargets(g *cascadeGraph, m *mode, query string) ([]*softTable, bool, error) {
	if !containsDelete(query) {
		return nil, false, nil
	}
	p := c.rw.cascade.probe(c.rw, query, m)
	if !g.touches(p.targets) {
		return nil, false, nil
	}
	if p.statements > 1 {
		return nil, true, &RefusedError{Table: p.targets[0].name, Reason: "a soft DELETE that follows foreign keys must be the only statement of its text",
			Fix: "send the DELETE alone, or use softdelete.WithoutCascade(ctx) to stamp its own rows only"}
	}
	return p.targets, true, nil
}

// cascadeRun runs the DELETE's own statement, rewritten with the stamp:
// Exec, or Query with its rows read whole (cascade_query.go).
type cascadeRun func(ctx context.Context, out string, args []driver.NamedValue) error

// containsDelete reports whether q contains "delete" in any case (a byte
// |0x20 folds ASCII letters; the other bytes it maps never spell it).
func containsDelete(q string) bool {
	for i := 0; i+6 <= len(q); i++ {
		if q[i]|0x20 == 'd' && q[i+1]|0x20 == 'e' && q[i+2]|0x20 == 'l' && q[i+3]|0x20 == 'e' && q[i+4]|0x20 == 't' && q[i+5]|0x20 == 'e' {
			return true
		}
	}
	return false
}

// probeResult is what a DELETE text stamps: its soft-delete targets and
// how many statements the text holds.
type probeResult struct {
	targets    []*softTable
	statements int
}

// probe rewrites query once with a stand-in stamp to learn the tables it
// stamps, and remembers the answer by mode and text.
func (cs *cascade) probe(rw *rewriter, query string, m *mode) probeResult {
	key := m.key + "\x00" + query
	cs.mu.Lock()
	p, ok := cs.targets[key]
	cs.mu.Unlock()
	if ok {
		return p
	}
	o := newStampOverride("''")
	if _, _, _, err := rw.engine.rewriteText(query, m.withStamp(o)); err != nil {
		o.targets = nil
	}
	p = probeResult{targets: o.targets}
	if len(p.targets) > 0 {
		if stmts, err := lexStatements(query, rw.d); err == nil {
			for _, st := range stmts {
				if !st.empty {
					p.statements++
				}
			}
		}
	}
	cs.mu.Lock()
	if len(cs.targets) >= maxRememberedTargets {
		cs.targets = map[string]probeResult{}
	}
	cs.targets[key] = p
	cs.mu.Unlock()
	return p
}

// touches reports whether one of the tables is in a relation.
func (g *cascadeGraph) touches(tables []*softTable) bool {
	for _, t := range tables {
		if g.related[t.name] != nil {
			return true
		}
	}
	return false
}

// active returns the relations to follow on a connection: the declared
// ones only where the database enforces foreign keys.
func (g *cascadeGraph) active(enforced bool) map[string][]*relation {
	out := make(map[string][]*relation, len(g.byParent))
	for p, rs := range g.byParent {
		for _, r := range rs {
			if !r.declared || enforced {
				out[p] = append(out[p], r)
			}
		}
	}
	return out
}

// deleteCascading stamps the DELETE's rows and, through the relations,
// their children with one stamp, in one transaction; a RESTRICT child or
// a SET NULL one undoes it all.
func (c *conn) deleteCascading(ctx context.Context, g *cascadeGraph, m *mode, query string, args []driver.NamedValue, targets []*softTable, run cascadeRun) error {
	sess, err := c.cascadeSession(ctx)
	if err != nil {
		return err
	}
	rels := g.active(sess.enforced)
	reach := reachable(rels, targets)
	o := newStampOverride(sqlString(sess.stamp))
	out, _, actor, err := c.rw.engine.rewriteText(query, m.withStamp(o))
	if err != nil {
		return err
	}
	if actor.takes() {
		if args, err = c.insertActor(ctx, args, actor); err != nil {
			return err
		}
	}
	if len(reach) == 0 {
		return run(ctx, out, args)
	}
	if err := g.checkPrecision(reach); err != nil {
		return err
	}
	tx, err := c.beginCascade(ctx)
	if err != nil {
		return err
	}
	err = run(ctx, out, args)
	if err == nil {
		err = c.checkImmediate(ctx, rels, targets, o.literal)
	}
	if err == nil {
		err = c.followCascade(ctx, rels, targets, o.literal)
	}
	return tx.end(ctx, err)
}

// reachable returns the relations a DELETE of targets can reach.
func reachable(rels map[string][]*relation, targets []*softTable) []*relation {
	var out []*relation
	seen := map[string]bool{}
	queue := make([]string, 0, len(targets))
	for _, t := range targets {
		queue = append(queue, t.name)
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		for _, r := range rels[p] {
			out = append(out, r)
			if r.action == onDeleteCascade {
				queue = append(queue, r.child.name)
			}
		}
	}
	return out
}

// numericRelationRefusal refuses to follow relation r through t, a table
// with a numeric marker: a soft DELETE that follows foreign keys finds the
// rows it stamped, and checks the children, by time markers only, for now.
func numericRelationRefusal(r *relation, t *softTable) error {
	reason := fmt.Sprintf("its deleted column %s is a %s marker, and a cascade stamps every row it reaches with the statement's one time stamp (time markers only, for now)", t.column, t.kind)
	if t == r.child && r.action != onDeleteCascade {
		reason = fmt.Sprintf("its deleted column %s is a %s marker, and softdelete checks the live rows that reference a deleted row through foreign key %s (ON DELETE %s) by time markers only, for now", t.column, t.kind, r.name, r.actionText)
	}
	return &RefusedError{Table: t.name, Reason: reason,
		Fix: "use softdelete.WithoutCascade(ctx) and handle the children yourself, or declare the relation's tables with time markers"}
}

// checkPrecision refuses a cascade through a table whose marker holds
// whole seconds: its stamps could not tell this statement from another.
func (g *cascadeGraph) checkPrecision(reach []*relation) error {
	for _, r := range reach {
		for _, t := range []*softTable{r.parent, r.child} {
			if t.kind.numeric() {
				return numericRelationRefusal(r, t)
			}
			if typ := g.coarse[t.name]; typ != "" {
				return coarseRefusal(t, typ)
			}
		}
	}
	return nil
}

// coarseRefusal refuses a cascade through t, whose marker type typ holds
// less than microseconds.
func coarseRefusal(t *softTable, typ string) error {
	if strings.Contains(typ, "time zone") { // PostgreSQL: timestamp(p) with or without time zone
		to := "timestamp(6)"
		if strings.Contains(typ, "with time zone") {
			to = "timestamptz(6)"
		}
		return &RefusedError{Table: t.name,
			Reason: fmt.Sprintf("its deleted column %s is a %s of less than microseconds, which would round the cascade's stamp: its children could not be found by it, nor told from those of another DELETE", t.column, typ),
			Fix:    fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s TYPE %s; or use softdelete.WithoutCascade(ctx) and delete the children yourself", t.name, t.column, to)}
	}
	return &RefusedError{Table: t.name,
		Reason: fmt.Sprintf("its deleted column %s is %s, whole seconds, so a cascade could not tell the rows of this DELETE from those of another DELETE in the same second", t.column, strings.ToUpper(typ)),
		Fix:    fmt.Sprintf("ALTER TABLE %s MODIFY %s %s; or use softdelete.WithoutCascade(ctx) and delete the children yourself", t.name, t.column, mysqlMarkerDDL)}
}

// followCascade stamps, level by level, the live children of the rows
// stamped with stamp (and ctx's actor, cascade_actor.go), then checks the
// RESTRICT and SET NULL relations of every table it stamped.
func (c *conn) followCascade(ctx context.Context, rels map[string][]*relation, targets []*softTable, stamp string) error {
	actor, err := c.cascadeActorArgs(ctx)
	if err != nil {
		return err
	}
	stamped := map[string]bool{}
	queue := make([]string, 0, len(targets))
	for _, t := range targets {
		queue = append(queue, t.name)
		stamped[t.name] = true
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, r := range rels[p] {
			if r.action != onDeleteCascade {
				continue
			}
			set, args := c.actorStepSet(r, actor)
			res, err := c.execRaw(ctx, c.stepSQL(r, stamp+set, "IS NULL", stamp), args)
			if err != nil {
				return fmt.Errorf("softdelete: cascading to %s through %s: %w", r.childName, r.name, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n > 0 {
				queue = append(queue, r.child.name)
				stamped[r.child.name] = true
			}
		}
	}
	for p := range stamped {
		for _, r := range rels[p] {
			if err := c.checkChildren(ctx, r, stamp, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkImmediate runs, before any cascade step, the part of the checks
// of the keys that the raw DELETE checks row by row (RESTRICT; NO ACTION
// on MySQL) that the end check cannot see: a child that the statement
// itself deletes (a self-reference, say) still stops it, as it does when
// the database reaches the parent row first. Live children are checked
// at the end (followCascade): a cascade of the same parent row may delete
// them first, as the database runs a row's cascades before it moves on.
// Where the database's row order decides, the result can differ from the
// raw DELETE's in one case: a live child that a cascade of a later row
// deletes does not stop the soft DELETE.
func (c *conn) checkImmediate(ctx context.Context, rels map[string][]*relation, targets []*softTable, stamp string) error {
	for _, t := range targets {
		for _, r := range rels[t.name] {
			if r.immediate && r.action == onDeleteRestrict {
				if err := c.checkChildren(ctx, r, stamp, true); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// checkChildren fails when live rows of a RESTRICT or SET NULL child (with
// stamped: rows the statement itself stamped) reference rows stamped with
// stamp.
func (c *conn) checkChildren(ctx context.Context, r *relation, stamp string, stamped bool) error {
	if r.action == onDeleteCascade {
		return nil
	}
	col := "sd_c." + c.quoteIdent(r.child.column)
	children := col + " IS NULL"
	if stamped {
		children = col + " = " + stamp
	}
	join := " STRAIGHT_JOIN " // the stamped parent rows first, as in stepSQL
	if c.rw.d == dialectSQLite {
		join = " CROSS JOIN " // SQLite's way to keep the order
	}
	q := "SELECT 1 FROM " + quoteIdent(r.parentName) + " AS sd_p" + join + quoteIdent(r.childName) + " AS sd_c ON " +
		joinOn(r, "sd_c.", "sd_p.") + " WHERE " + children + " AND sd_p." + quoteIdent(r.parent.column) + " = " + stamp + " LIMIT 1"
	if c.rw.d == dialectPostgres {
		q = pgCheckSQL(r, children, stamp)
	}
	rows, err := c.queryRaw(ctx, q, nil)
	if err != nil {
		return fmt.Errorf("softdelete: checking the children in %s through %s: %w", r.childName, r.name, err)
	}
	if len(rows) == 0 {
		return nil
	}
	if r.action == onDeleteRestrict {
		return &RestrictedError{Table: r.parentName, Child: r.childName, Constraint: r.name, Deferred: r.deferred}
	}
	return &RefusedError{Table: r.parentName,
		Reason: fmt.Sprintf("live rows of %s reference the rows it would delete through foreign key %s ON DELETE %s: a soft DELETE cannot change them as the database would, and a restore could not undo it", r.childName, r.name, r.actionText),
		Fix:    fmt.Sprintf("delete or re-point those %s rows first, use softdelete.WithForce(ctx) for a real DELETE that lets the database act, or softdelete.WithoutCascade(ctx) to stamp the parent rows alone", r.childName)}
}

// stepSQL is the statement that sets the deleted column of the children
// of r to set (which may add assignments: actorStepSet), where that column satisfies cond ("IS NULL", "= 'x'") and
// their parent's deleted column equals parentStamp.
func (c *conn) stepSQL(r *relation, set, cond, parentStamp string) string {
	col, pcol := quoteIdent(r.child.column), quoteIdent(r.parent.column)
	switch c.rw.d {
	case dialectPostgres:
		return pgStepSQL(r, set, cond, parentStamp)
	case dialectSQLite:
		// IN, not EXISTS: SQLite then reads the children through an index
		// on their key where there is one.
		return "UPDATE " + quoteIdent(r.childName) + " SET " + col + " = " + set + " WHERE " + col + " " + cond +
			" AND " + colList(r.childCols, "") + " IN (SELECT " + strings.Trim(colList(r.parentCols, "sd_p."), "()") + " FROM " + quoteIdent(r.parentName) +
			" AS sd_p WHERE sd_p." + pcol + " = " + parentStamp + ")"
	}
	// The parent rows first (STRAIGHT_JOIN): the few that carry the stamp,
	// then their children through the key's index; MariaDB would
	// otherwise rather read every child.
	return "UPDATE " + quoteIdent(r.parentName) + " AS sd_p STRAIGHT_JOIN " + quoteIdent(r.childName) + " AS sd_c ON " + joinOn(r, "sd_c.", "sd_p.") +
		" SET sd_c." + col + " = " + set + " WHERE sd_c." + col + " " + cond + " AND sd_p." + pcol + " = " + parentStamp
}

// colList is a list of columns, each prefixed, in parentheses where
// there are several: (a, b) IN (SELECT x, y ...) is a row value.
func colList(cols []string, prefix string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = prefix + quoteIdent(c)
	}
	if len(q) == 1 {
		return q[0]
	}
	return "(" + strings.Join(q, ", ") + ")"
}

// joinOn is the condition that joins a child row to its parent.
func joinOn(r *relation, child, parent string) string { return joinOnQ(quoteIdent, r, child, parent) }

// joinOnQ is joinOn with names quoted by quote.
func joinOnQ(quote func(string) string, r *relation, child, parent string) string {
	var b strings.Builder
	for i := range r.childCols {
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString(child + quote(r.childCols[i]) + " = " + parent + quote(r.parentCols[i]))
	}
	return b.String()
}

// quoteIdent quotes a name with backquotes, which MySQL and SQLite read.
func quoteIdent(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }

// quoteIdent quotes a name as the connection's dialect reads it.
func (c *conn) quoteIdent(name string) string {
	if c.rw.d == dialectPostgres {
		return pgQuoteIdent(name)
	}
	return quoteIdent(name)
}

// cascadeSession is what a cascade asks its connection first: a fresh
// stamp and whether the database enforces declared foreign keys.
type cascadeSession struct {
	stamp    string // the stamp's text, unquoted
	at       time.Time
	layout   string // how stamps are written: stampLayout, or pgStampLayout
	enforced bool
}

// stampLayout is how stamps are written: microseconds, as DATETIME(6).
const stampLayout = "2006-01-02 15:04:05.000000"

// cascadeSession reads the connection's state. On SQLite the stamp is the
// process's UTC clock (SQLite's 'now' is UTC too) and PRAGMA foreign_keys
// tells enforcement; on MySQL the server's now= expression, in the
// session's time zone, and @@foreign_key_checks; on PostgreSQL see
// pgCascadeSession. Every stamp is made strictly later than any stamp the
// process made before (nextStamp).
func (c *conn) cascadeSession(ctx context.Context) (cascadeSession, error) {
	var s cascadeSession
	switch c.rw.d {
	case dialectPostgres:
		return c.pgCascadeSession(ctx)
	case dialectSQLite:
		rows, err := c.queryRaw(ctx, "PRAGMA foreign_keys", nil)
		if err != nil {
			return s, fmt.Errorf("softdelete: cascade: reading PRAGMA foreign_keys: %w", err)
		}
		s.enforced = len(rows) > 0 && rows[0][0] == "1"
		s.at = nextStamp(time.Now().UTC())
	default:
		rows, err := c.queryRaw(ctx, "SELECT "+sqlparser.String(c.rw.now)+", @@foreign_key_checks", nil)
		if err != nil {
			return s, fmt.Errorf("softdelete: cascade: reading the stamp: %w", err)
		}
		t, err := time.Parse("2006-01-02 15:04:05.999999", rows[0][0])
		if err != nil {
			return s, fmt.Errorf("softdelete: cascade: now=%s gives %q, not a time: a cascade needs a time stamp (use softdelete.WithoutCascade(ctx))", sqlparser.String(c.rw.now), rows[0][0])
		}
		s.enforced = rows[0][1] == "1"
		s.at = nextStamp(t)
		c.textTx = c.serverInTransaction(ctx)
	}
	s.layout = stampLayout
	s.stamp = s.at.Format(s.layout)
	return s, nil
}

// next returns a further stamp, later than every one made so far, in the
// session's offset.
func (s *cascadeSession) next() string {
	s.at = nextStamp(s.at).In(s.at.Location())
	return s.at.Format(s.layout)
}

// stampClock makes stamps strictly increasing in the process.
var stampClock struct {
	sync.Mutex
	last time.Time
}

// nextStamp returns t to the microsecond, or a microsecond after the last
// stamp made if t is not later.
func nextStamp(t time.Time) time.Time {
	t = t.Truncate(time.Microsecond)
	stampClock.Lock()
	defer stampClock.Unlock()
	if !t.After(stampClock.last) {
		t = stampClock.last.Add(time.Microsecond)
	}
	stampClock.last = t
	return t
}

// savepointName is the savepoint a cascade runs in inside a transaction.
const savepointName = "softdelete_cascade"

// cascadeTx is the transaction a cascade runs in: its own (tx), or a
// savepoint of the caller's (tx nil).
type cascadeTx struct {
	c  *conn
	tx driver.Tx
}

// beginCascade starts the cascade's transaction: a savepoint where a
// transaction is open (and always on SQLite, where a savepoint outside a
// transaction is one), else a transaction of its own. On PostgreSQL,
// outside BeginTx, the server is asked (pgBeginCascade).
func (c *conn) beginCascade(ctx context.Context) (*cascadeTx, error) {
	if !c.inTx && c.rw.d == dialectPostgres {
		return c.pgBeginCascade(ctx)
	}
	if c.inTx || c.textTx || c.rw.d == dialectSQLite {
		_, err := c.execRaw(ctx, "SAVEPOINT "+savepointName, nil)
		return &cascadeTx{c: c}, err
	}
	var tx driver.Tx
	var err error
	if c.beginTx != nil {
		tx, err = c.beginTx.BeginTx(ctx, driver.TxOptions{})
	} else {
		tx, err = c.inner.Begin() //nolint:staticcheck // the inner connection has nothing else
	}
	return &cascadeTx{c: c, tx: tx}, err
}

// end commits (err nil) or rolls back the cascade and returns the error
// of the statement, or of the end.
func (t *cascadeTx) end(ctx context.Context, err error) error {
	ctx = context.WithoutCancel(ctx)
	if t.tx != nil {
		if err != nil {
			return errors.Join(err, ignoreDone(t.tx.Rollback()))
		}
		return t.tx.Commit()
	}
	if err == nil {
		if _, err = t.c.execRaw(ctx, "RELEASE SAVEPOINT "+savepointName, nil); err == nil {
			return nil
		}
	}
	_, rerr := t.c.execRaw(ctx, "ROLLBACK TO SAVEPOINT "+savepointName, nil)
	if rerr == nil {
		_, rerr = t.c.execRaw(ctx, "RELEASE SAVEPOINT "+savepointName, nil)
	}
	if rerr != nil && t.c.inTx {
		return err // the caller's transaction is gone (a deadlock rolled it back): its error says so
	}
	return errors.Join(err, rerr)
}

// ignoreDone drops driver.ErrBadConn-free noise of a rollback after the
// server already ended the transaction.
func ignoreDone(err error) error {
	if err == nil || errors.Is(err, driver.ErrBadConn) {
		return nil
	}
	return err
}

// execRaw runs q on the inner connection as written.
func (c *conn) execRaw(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	if c.execer != nil {
		res, err := c.execer.ExecContext(ctx, q, args)
		if !errors.Is(err, driver.ErrSkip) {
			return res, err
		}
	}
	st, err := c.prepareInner(ctx, q)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	s := &stmt{c: c}
	return s.execInner(ctx, st, args)
}

// queryRaw runs q on the inner connection as written and returns its rows
// as text (times as stampLayout).
func (c *conn) queryRaw(ctx context.Context, q string, args []driver.NamedValue) ([][]string, error) {
	var rows driver.Rows
	var err error
	if c.queryer != nil {
		rows, err = c.queryer.QueryContext(ctx, q, args)
	}
	if c.queryer == nil || errors.Is(err, driver.ErrSkip) {
		var st driver.Stmt
		if st, err = c.prepareInner(ctx, q); err != nil {
			return nil, err
		}
		defer st.Close()
		rows, err = (&stmt{c: c}).queryInner(ctx, st, args)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]string
	vals := make([]driver.Value, len(rows.Columns()))
	for {
		if err := rows.Next(vals); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			if t, ok := v.(time.Time); ok {
				row[i] = t.Format(stampLayout)
			} else {
				row[i] = cellOf(v).s
			}
		}
		out = append(out, row)
	}
}

// trackTx notes a transaction begun on the connection until it ends.
func (c *conn) trackTx(tx driver.Tx, err error) (driver.Tx, error) {
	if err != nil {
		return nil, err
	}
	c.inTx = true
	return &trackedTx{c: c, inner: tx}, nil
}

// trackedTx clears conn.inTx when its transaction ends.
type trackedTx struct {
	c     *conn
	inner driver.Tx
}

func (t *trackedTx) Commit() error {
	t.c.inTx = false
	return t.inner.Commit()
}

func (t *trackedTx) Rollback() error {
	t.c.inTx = false
	return t.inner.Rollback()
}

// serverInTransaction reports whether the MySQL session is inside a
// transaction that database/sql does not know of (begun with BEGIN or
// START TRANSACTION as text, or autocommit off): a cascade then runs in a
// SAVEPOINT of it, as its own START TRANSACTION would commit the caller's
// work. MariaDB tells @@in_transaction; where the server does not have it
// (MySQL), only autocommit off is seen.
func (c *conn) serverInTransaction(ctx context.Context) bool {
	rows, err := c.queryRaw(ctx, "SELECT @@autocommit", nil)
	if err == nil && len(rows) > 0 && rows[0][0] == "0" {
		return true
	}
	rows, err = c.queryRaw(ctx, "SELECT @@in_transaction", nil)
	return err == nil && len(rows) > 0 && rows[0][0] == "1"
}
