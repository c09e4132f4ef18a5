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
// capabilities through softdelete as without it. cmd/wrapgen generates the
// combinations and their detection (wrap.go).
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

	// The session check (see session.go, session_postgres.go): verify is
	// set on go-sql-driver/mysql and PostgreSQL connections; session is sessionOK, or
	// sessionPending after a query that may have changed the session
	// (changedBy), or sessionPoisoned.
	verify    bool
	session   uint8
	changedBy string
	// aborted: the last read-back met a PostgreSQL transaction aborted by
	// a failed statement (see verifySession): until the server answers,
	// only texts of one statement go (notAborted).
	aborted bool

	// inTx: a transaction begun through BeginTx is open, so a cascade runs
	// in a savepoint of it (see cascade_exec.go).
	inTx bool
	// textTx: the MySQL server said, when a cascade last asked, that the
	// session is inside a transaction begun as text (see
	// serverInTransaction).
	textTx bool
}

// wrapConn wraps an inner connection; with verify, the session is read
// back after each statement that may change it (see session.go).
func wrapConn(inner driver.Conn, rw *rewriter, verify bool) driver.Conn {
	c := &conn{inner: inner, rw: rw, hitShard: int(rw.conns.Add(1) % cacheShards), verify: verify}
	mask := connMask(inner, c) // asserts the optional interfaces (wrap.go)
	c.prepCtx, _ = inner.(driver.ConnPrepareContext)
	return wrapConnMask(c, mask)
}

func (c *conn) softdeleteConn() *conn { return c }

// recentRewrite is one entry of conn.recent.
type recentRewrite struct {
	query, key, out string
	modeDependent   bool
	session         bool       // check the MySQL session after it runs
	cached          bool       // the rewrite went through the cache: a hit counts
	actor           *actorArgs // where it takes the actor (actor.go), or nil
}

// rewrite is rw.rewriteFull, remembering the last few successful rewrites
// of the connection. A statement that names a soft-delete table counts as
// a cache hit when it is answered here. The session result is true only
// when the connection must check its MySQL session after the statement.
func (c *conn) rewrite(ctx context.Context, query string, m *mode) (out string, modeDependent, session bool, actor *actorArgs, err error) {
	for i := range c.recent {
		if r := &c.recent[i]; r.query == query && r.key == m.key && r.query != "" {
			if r.actor != nil && r.actor.gen != c.rw.actorGen.Load() {
				break // the tables with the actor column changed (Reload)
			}
			if r.cached {
				c.rw.cache.countHit(c.hitShard)
			}
			return r.out, r.modeDependent, r.session, r.actor, nil
		}
	}
	out, modeDependent, session, actor, err = c.rw.rewriteFull(ctx, query, m)
	session = session && c.verify
	if err == nil && m.restore == "" && len(query) <= maxCachedLen {
		c.recent[c.recentNext] = recentRewrite{query: query, key: m.key, out: out, modeDependent: modeDependent, session: session, cached: modeDependent && !m.raw(), actor: actor}
		c.recentNext = (c.recentNext + 1) % len(c.recent)
	}
	return out, modeDependent, session, actor, err
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
	if c.session != sessionOK {
		if err := c.ready(context.Background()); err != nil {
			return nil, err
		}
	}
	t, err := c.inner.Begin() //nolint:staticcheck // forwarding the deprecated method
	return c.trackTx(t, err)
}

func (c *conn) prepare(ctx context.Context, query string) (driver.Stmt, error) {
	m := modeFrom(ctx)
	if c.session != sessionOK {
		if err := c.ready(ctx); err != nil {
			return nil, err
		}
	}
	// The schema before the rewrite: which tables have the actor column
	// is the schema's (see actor.go).
	if err := c.checkSchema(ctx, query); err != nil {
		return nil, err
	}
	q, modeDependent, session, actor, err := c.rewrite(ctx, query, m)
	if err == nil {
		err = c.notAborted(query)
	}
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
	s := &stmt{c: c, query: query, modeFree: !modeDependent, prepared: is, preparedKey: m.key, preparedSQL: q, preparedActor: actor, check: session, mask: mask}
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
	if x.c.session != sessionOK {
		if err := x.c.ready(ctx); err != nil {
			return nil, err
		}
	}
	return x.c.trackTx(x.c.beginTx.BeginTx(ctx, opts))
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
	if x.c.session != sessionOK {
		if err := x.c.ready(ctx); err != nil {
			return nil, err
		}
	}
	if err := x.c.checkSchema(ctx, query); err != nil { // before the rewrite: see prepare
		return nil, err
	}
	q, _, session, actor, err := x.c.rewrite(ctx, query, modeFrom(ctx))
	if err == nil {
		err = x.c.notAborted(query)
	}
	if err != nil {
		return nil, err
	}
	if x.c.rw.cascade != nil {
		if res, done, err := x.c.cascadeExec(ctx, query, args); done {
			if session { // a function it calls may have changed the session
				if err = x.c.afterExec(ctx, query, err); err != nil {
					return nil, err
				}
			}
			return res, err
		}
	}
	if actor.takes() {
		if args, err = x.c.insertActor(ctx, args, actor); err != nil {
			return nil, err
		}
	}
	res, err := x.c.execer.ExecContext(ctx, q, args)
	if session {
		if err := x.c.afterExec(ctx, query, err); err != nil {
			return nil, err
		}
	}
	return res, err
}

type connQueryerContext struct{ c *conn }

func (x connQueryerContext) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if x.c.session != sessionOK {
		if err := x.c.ready(ctx); err != nil {
			return nil, err
		}
	}
	if err := x.c.checkSchema(ctx, query); err != nil { // before the rewrite: see prepare
		return nil, err
	}
	q, _, session, actor, err := x.c.rewrite(ctx, query, modeFrom(ctx))
	if err == nil {
		err = x.c.notAborted(query)
	}
	if err != nil {
		return nil, err
	}
	if x.c.rw.cascade != nil {
		if rows, done, err := x.c.cascadeQuery(ctx, query, args); done {
			if session { // its rows are read whole: the session is checked at once
				if err = x.c.afterExec(ctx, query, err); err != nil {
					return nil, err
				}
			}
			return rows, err
		}
	}
	if actor.takes() {
		if args, err = x.c.insertActor(ctx, args, actor); err != nil {
			return nil, err
		}
	}
	rows, err := x.c.queryer.QueryContext(ctx, q, args)
	if session {
		if err := x.c.afterQuery(ctx, query, err); err != nil {
			return nil, err
		}
	}
	return rows, err
}

type connPinger struct{ c *conn }

func (x connPinger) Ping(ctx context.Context) error {
	if x.c.session != sessionOK {
		if err := x.c.ready(ctx); err != nil {
			return err
		}
	}
	return x.c.pinger.Ping(ctx)
}

type connSessionResetter struct{ c *conn }

// ResetSession checks a session left pending by a query (see session.go):
// an unsafe one, or a poisoned connection, is driver.ErrBadConn, which
// makes database/sql discard the connection before reusing it.
func (x connSessionResetter) ResetSession(ctx context.Context) error {
	if x.c.session != sessionOK {
		if err := x.c.ready(ctx); err != nil {
			return driver.ErrBadConn
		}
	}
	return x.c.resetter.ResetSession(ctx)
}

type connValidator struct{ c *conn }

// IsValid is false for a poisoned connection (see session.go), which
// database/sql then discards instead of returning it to the pool.
func (x connValidator) IsValid() bool {
	return x.c.session != sessionPoisoned && x.c.validator.IsValid()
}

type connNamedValueChecker struct{ c *conn }

func (x connNamedValueChecker) CheckNamedValue(nv *driver.NamedValue) error {
	return x.c.checker.CheckNamedValue(nv)
}
