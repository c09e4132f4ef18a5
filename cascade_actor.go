package softdelete

import (
	"context"
	"database/sql/driver"
)

// This file is the actor (actor.go) in a cascade: the children a soft
// DELETE stamps through a relation are deleted by the same statement, so
// each records the statement's actor (NULL without WithActor) where its
// table has the actor column, as the DELETE's own rows do; an exact
// Restore clears it on every row it brings back.

// cascadeActorArgs returns the arguments of a cascade step: the actor's
// value, bound as the step's one parameter; nil when no actor column is
// configured.
func (c *conn) cascadeActorArgs(ctx context.Context) ([]driver.NamedValue, error) {
	if c.rw.actor == "" {
		return nil, nil
	}
	v, err := c.actorValue(actorFrom(ctx))
	if err != nil {
		return nil, err
	}
	return []driver.NamedValue{{Ordinal: 1, Value: v}}, nil
}

// actorStepSet returns the assignment a cascade step (stepSQL) adds for
// the child of r, ", deleted_by = ?", and the step's arguments; "" and nil
// when the child has no actor column.
func (c *conn) actorStepSet(r *relation, actor []driver.NamedValue) (string, []driver.NamedValue) {
	col := c.rw.actorColumnOf(r.child)
	if col == "" || actor == nil {
		return "", nil
	}
	switch c.rw.d {
	case dialectPostgres:
		return ", " + pgQuoteIdent(col) + " = $1", actor
	case dialectSQLite:
		return ", " + quoteIdent(col) + " = ?", actor
	}
	return ", sd_c." + quoteIdent(col) + " = ?", actor // the UPDATE joins the parent, which may have the column too
}

// actorClear returns the assignment that clears t's actor column when an
// exact Restore un-deletes its rows, ", deleted_by = NULL", or "".
func (c *conn) actorClear(t *softTable) string {
	if col := c.rw.actorColumnOf(t); col != "" {
		return ", " + c.quoteIdent(col) + " = NULL"
	}
	return ""
}
