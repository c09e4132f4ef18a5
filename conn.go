package softdelete

import (
	"context"
	"database/sql/driver"
)

//go:generate go run ./cmd/wrapgen

// conn wraps an inner connection. It implements driver.Conn and
// driver.ConnPrepareContext; the other optional interfaces are small types
// (connBeginTx, connPinger, ...) that wrapConn embeds next to it only when
// the inner connection has them, so database/sql sees the same
// capabilities through softdelete as without it.
//
// PrepareContext is always there because the rewrite depends on the
// context: without it database/sql would call Prepare without one. For an
// inner connection that lacks it, prepareInner does what database/sql does
// (Prepare, after checking the context).
type conn struct {
	inner driver.Conn
	rw    *rewriter

	// The inner connection's optional interfaces, asserted once.
	beginTx   driver.ConnBeginTx
	prepCtx   driver.ConnPrepareContext
	execer    driver.ExecerContext
	queryer   driver.QueryerContext
	pinger    driver.Pinger
	resetter  driver.SessionResetter
	validator driver.Validator
	checker   driver.NamedValueChecker

	// recent remembers the last rewrites on this connection, so that a
	// statement run again (the common case: a handful of statements per
	// connection) skips the fast-path scan and the shared cache. A
	// connection is used by one goroutine at a time.
	recent     [4]recentRewrite
	recentNext int
	hitShard   int // the cache shard that counts this connection's recent hits (< cacheShards)
}

func wrapConn(inner driver.Conn, rw *rewriter) driver.Conn {
	c := &conn{inner: inner, rw: rw, hitShard: int(rw.conns.Add(1) % cacheShards)}
	var mask uint
	var ok bool
	if c.beginTx, ok = inner.(driver.ConnBeginTx); ok {
		mask |= 1 << 0
	}
	c.prepCtx, _ = inner.(driver.ConnPrepareContext)
	if c.execer, ok = inner.(driver.ExecerContext); ok {
		mask |= 1 << 1
	}
	if c.queryer, ok = inner.(driver.QueryerContext); ok {
		mask |= 1 << 2
	}
	if c.pinger, ok = inner.(driver.Pinger); ok {
		mask |= 1 << 3
	}
	if c.resetter, ok = inner.(driver.SessionResetter); ok {
		mask |= 1 << 4
	}
	if c.validator, ok = inner.(driver.Validator); ok {
		mask |= 1 << 5
	}
	if c.checker, ok = inner.(driver.NamedValueChecker); ok {
		mask |= 1 << 6
	}
	return wrapConnMask(c, mask)
}

func (c *conn) softdeleteConn() *conn { return c }

// recentRewrite is one entry of conn.recent.
type recentRewrite struct {
	query, key, out string
	byMode          bool
	cached          bool // the rewrite went through the cache: a hit counts
}

// rewrite is rw.rewriteMode, remembering the last few successful rewrites
// of the connection. A statement that names a soft-delete table counts as
// a cache hit when it is answered here.
func (c *conn) rewrite(query string, m *mode) (string, bool, error) {
	for i := range c.recent {
		if r := &c.recent[i]; r.query == query && r.key == m.key && r.query != "" {
			if r.cached {
				c.rw.cache.countHit(c.hitShard)
			}
			return r.out, r.byMode, nil
		}
	}
	out, byMode, err := c.rw.rewriteMode(query, m)
	if err == nil && !m.restore && len(query) <= maxCachedLen {
		c.recent[c.recentNext] = recentRewrite{query: query, key: m.key, out: out, byMode: byMode, cached: byMode && !m.raw()}
		c.recentNext = (c.recentNext + 1) % len(c.recent)
	}
	return out, byMode, err
}

// Prepare prepares a statement under the default mode; the statement is
// rewritten again for the mode of each execution.
func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.prepare(context.Background(), query)
}

// Close closes the inner connection.
func (c *conn) Close() error { return c.inner.Close() }

// Begin starts a transaction on the inner connection.
//
// Deprecated: database/sql calls BeginTx where the inner driver has it.
func (c *conn) Begin() (driver.Tx, error) {
	return c.inner.Begin() //nolint:staticcheck // forwarding the deprecated method
}

func (c *conn) prepare(ctx context.Context, query string) (driver.Stmt, error) {
	if err := c.checkSchema(ctx, query); err != nil {
		return nil, err
	}
	m := modeFrom(ctx)
	q, byMode, err := c.rewrite(query, m)
	if err != nil {
		return nil, err
	}
	is, err := c.prepareInner(ctx, q)
	if err != nil {
		return nil, err
	}
	// A new wrapper each time: a handle handed out is never reused, so a
	// second Close of a closed statement cannot reach a live one.
	mask := stmtMask(is)
	s := &stmt{c: c, query: query, plain: !byMode, def: is, defKey: m.key, defSQL: q, mask: mask}
	return wrapStmtMask(s, mask), nil
}

// prepareInner prepares rewritten text on the inner connection.
func (c *conn) prepareInner(ctx context.Context, q string) (driver.Stmt, error) {
	if c.prepCtx != nil {
		return c.prepCtx.PrepareContext(ctx, q)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.inner.Prepare(q)
}

type connBeginTx struct{ c *conn }

func (x connBeginTx) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return x.c.beginTx.BeginTx(ctx, opts)
}

// PrepareContext rewrites under the mode of ctx and prepares the result;
// executions under other modes prepare their own rewrite (see stmt).
func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.prepare(ctx, query)
}

// connExecerContext rewrites and executes. When the inner driver answers
// driver.ErrSkip, database/sql prepares the original text through
// PrepareContext, which rewrites it once more from the original: a
// statement is never rewritten twice over, nor sent unrewritten.
type connExecerContext struct{ c *conn }

func (x connExecerContext) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := x.c.checkSchema(ctx, query); err != nil {
		return nil, err
	}
	q, _, err := x.c.rewrite(query, modeFrom(ctx))
	if err != nil {
		return nil, err
	}
	return x.c.execer.ExecContext(ctx, q, args)
}

type connQueryerContext struct{ c *conn }

func (x connQueryerContext) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := x.c.checkSchema(ctx, query); err != nil {
		return nil, err
	}
	q, _, err := x.c.rewrite(query, modeFrom(ctx))
	if err != nil {
		return nil, err
	}
	return x.c.queryer.QueryContext(ctx, q, args)
}

type connPinger struct{ c *conn }

func (x connPinger) Ping(ctx context.Context) error { return x.c.pinger.Ping(ctx) }

type connSessionResetter struct{ c *conn }

func (x connSessionResetter) ResetSession(ctx context.Context) error {
	return x.c.resetter.ResetSession(ctx)
}

type connValidator struct{ c *conn }

func (x connValidator) IsValid() bool { return x.c.validator.IsValid() }

type connNamedValueChecker struct{ c *conn }

func (x connNamedValueChecker) CheckNamedValue(nv *driver.NamedValue) error {
	return x.c.checker.CheckNamedValue(nv)
}
