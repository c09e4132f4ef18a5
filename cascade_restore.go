package softdelete

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
)

// This file is the exact Restore: the matching rows and exactly the rows
// their deletion cascaded to. A cascading DELETE stamps every row it
// reaches with one stamp that no other statement of the process uses
// (cascade_exec.go), so the rows to restore are, for each stamp S of the
// matching rows, the children stamped S of rows restored, recursively.
// The restore runs in two passes, in one transaction: it first re-stamps
// the matching rows with a fresh token T (instead of S), then the children
// stamped S of rows stamped T, level by level, and last sets every T to
// NULL. A child deleted by another statement has another stamp and stays.

// restoreExact runs Restore's text query for a table that is the parent
// of relations; done is false when it is not.
func (c *conn) restoreExact(ctx context.Context, g *cascadeGraph, m *mode, query string, args []driver.NamedValue) (driver.Result, bool, error) {
	t := c.rw.tables.lookup(m.restore)
	if t == nil || t.kind.numeric() || len(g.byParent[t.name]) == 0 || !strings.HasPrefix(query, restoreVerb) || len(query) < len(restoreVerb)+len(t.name) {
		return nil, false, nil
	}
	sess, err := c.cascadeSession(ctx)
	if err != nil {
		return nil, true, err
	}
	rels := g.active(sess.enforced)
	// No relation to follow; or a marker that would round the token
	// (whole seconds), where no cascade could have run: the matching rows
	// only, as Restore does without relations.
	if reach := reachable(rels, []*softTable{t}); len(reach) == 0 || g.checkPrecision(reach) != nil {
		return nil, false, nil
	}
	named := query[len(restoreVerb) : len(restoreVerb)+len(t.name)] // the table as the caller wrote it
	where, _ := strings.CutPrefix(query[len(restoreVerb)+len(t.name):], " WHERE ")
	tx, err := c.beginCascade(ctx)
	if err != nil {
		return nil, true, err
	}
	n, err := c.restoreStamps(ctx, m, t, named, where, args, rels, &sess)
	if err := tx.end(ctx, err); err != nil {
		return nil, true, err
	}
	return driver.RowsAffected(n), true, nil
}

// restoreStamps restores, stamp by stamp, the matching rows and their
// cascade; it returns the number of matching rows restored.
func (c *conn) restoreStamps(ctx context.Context, m *mode, t *softTable, named, where string, args []driver.NamedValue, rels map[string][]*relation, sess *cascadeSession) (int64, error) {
	stamps, err := c.matchingStamps(ctx, m, t, named, where, args)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, s := range stamps {
		n, err := c.restoreStamp(ctx, m, t, named, where, args, rels, sqlString(s), sqlString(sess.next()))
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// matchingStamps returns the distinct stamps of the deleted rows that the
// Restore's condition matches, as text.
func (c *conn) matchingStamps(ctx context.Context, m *mode, t *softTable, named, where string, args []driver.NamedValue) ([]string, error) {
	q := "SELECT DISTINCT CAST(" + t.column + " AS CHAR) FROM " + named
	if c.rw.d == dialectPostgres { // the text with the offset, which a timestamptz needs to be one instant
		q = "SELECT DISTINCT to_char(" + t.column + ", '" + pgStampFormat + "') FROM " + named
	}
	if where != "" {
		q += " WHERE " + where
	}
	sel := m.with(func(x *mode) { x.restore = ""; x.force = false; x.setTables(filterDeleted, []string{t.name}) })
	out, err := c.rw.rewrite(q, sel)
	if err != nil {
		return nil, err
	}
	rows, err := c.queryRaw(ctx, out, args)
	if err != nil {
		return nil, fmt.Errorf("softdelete: Restore: reading the stamps of the rows to restore: %w", err)
	}
	stamps := make([]string, len(rows))
	for i, r := range rows {
		stamps[i] = r[0]
	}
	return stamps, nil
}

// restoreStamp restores the matching rows stamped stamp and their cascade,
// through the token; it returns the number of matching rows restored.
func (c *conn) restoreStamp(ctx context.Context, m *mode, t *softTable, named, where string, args []driver.NamedValue, rels map[string][]*relation, stamp, token string) (int64, error) {
	text := restoreVerb + named + " WHERE " + t.column + " = " + stamp
	if where != "" {
		text += " AND (" + where + ")"
	}
	mark := m.withStamp(newStampOverride(token))
	q, err := c.rw.restoreStatement(text, mark)
	if err != nil {
		return 0, err
	}
	out, _, _, err := c.rw.engine.rewriteText(q, mark)
	if err != nil {
		return 0, err
	}
	if _, err := c.execRaw(ctx, out, args); err != nil {
		return 0, err
	}
	marked := []markedTable{{named, t}}
	queue := []string{t.name}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, r := range rels[p] {
			if r.action != onDeleteCascade {
				continue
			}
			res, err := c.execRaw(ctx, c.stepSQL(r, token, "= "+stamp, token), nil)
			if err != nil {
				return 0, fmt.Errorf("softdelete: Restore: following %s to %s: %w", r.name, r.childName, err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				queue = append(queue, r.child.name)
				marked = append(marked, markedTable{r.childName, r.child})
			}
		}
	}
	return c.clearToken(ctx, marked, token)
}

// markedTable is a table a restore marked, as the database spells it.
type markedTable struct {
	name string
	t    *softTable
}

// clearToken sets the deleted column to NULL where it holds token, and
// the actor column with it (cascade_actor.go), in each marked table once; it returns the count of the first (the
// Restore's own table).
func (c *conn) clearToken(ctx context.Context, marked []markedTable, token string) (int64, error) {
	var first int64
	done := map[string]bool{}
	for i, mt := range marked {
		if done[mt.t.name] {
			continue
		}
		done[mt.t.name] = true
		col := c.quoteIdent(mt.t.column)
		res, err := c.execRaw(ctx, "UPDATE "+c.quoteIdent(mt.name)+" SET "+col+" = NULL"+c.actorClear(mt.t)+" WHERE "+col+" = "+token, nil)
		if err != nil {
			return 0, fmt.Errorf("softdelete: Restore: un-deleting %s: %w", mt.name, err)
		}
		if i == 0 {
			if first, err = res.RowsAffected(); err != nil {
				return 0, err
			}
		}
	}
	return first, nil
}
