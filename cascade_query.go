package softdelete

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
)

// This file runs a cascading soft DELETE sent through Query: a DELETE ...
// RETURNING (PostgreSQL, SQLite), or a DELETE in a CTE of a SELECT. It
// follows the relations as Exec does (cascade_exec.go); the statement's
// rows are read whole inside the cascade's transaction, since nothing
// else may run on the connection while rows are open, and are returned
// after it ends.

// cascadeQuery runs query as a cascading soft DELETE when it is one; done
// is false when it is not, and the caller sends the statement as usual.
func (c *conn) cascadeQuery(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, bool, error) {
	m := modeFrom(ctx)
	if m.noCascade || m.force || m.restore != "" {
		return nil, false, nil
	}
	g := c.rw.cascade.graphFor(c.rw.schema.model.Load())
	if g.empty() {
		return nil, false, nil
	}
	targets, done, err := c.cascadeTargets(g, m, query)
	if !done || err != nil {
		return nil, done, err
	}
	var rows *bufferedRows
	err = c.deleteCascading(ctx, g, m, query, args, targets, func(ctx context.Context, out string, args []driver.NamedValue) (err error) {
		rows, err = c.queryBuffered(ctx, out, args)
		return err
	})
	if err != nil {
		return nil, true, err
	}
	return rows, true, nil
}

// queryBuffered runs q on the inner connection as written and reads its
// rows whole.
func (c *conn) queryBuffered(ctx context.Context, q string, args []driver.NamedValue) (*bufferedRows, error) {
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
	b := &bufferedRows{columns: rows.Columns()}
	for {
		vals := make([]driver.Value, len(b.columns))
		if err := rows.Next(vals); err == io.EOF {
			return b, nil
		} else if err != nil {
			return nil, err
		}
		for i, v := range vals {
			if p, ok := v.([]byte); ok { // the driver may reuse its buffer
				vals[i] = append([]byte(nil), p...)
			}
		}
		b.rows = append(b.rows, vals)
	}
}

// bufferedRows are rows read whole.
type bufferedRows struct {
	columns []string
	rows    [][]driver.Value
	next    int
}

// Columns returns the names of the columns.
func (b *bufferedRows) Columns() []string { return b.columns }

// Close drops the rows.
func (b *bufferedRows) Close() error {
	b.rows = nil
	return nil
}

// Next copies the next row into dest, or returns io.EOF.
func (b *bufferedRows) Next(dest []driver.Value) error {
	if b.next >= len(b.rows) {
		return io.EOF
	}
	copy(dest, b.rows[b.next])
	b.next++
	return nil
}
