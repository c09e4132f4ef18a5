package softdelete

import (
	"context"
	"database/sql/driver"
	"errors"
)

// stmt is a prepared statement. Its text is rewritten for the mode of each
// execution, so a statement prepared under one context and executed under
// WithIncludeDeleted honours the latter: each distinct rewrite is prepared
// once on the inner connection and kept until Close: modes whose rewrites
// are the same text share one inner statement (on MySQL each counts against
// the server's max_prepared_stmt_count).
//
// stmt always implements StmtExecContext and StmtQueryContext, whether the
// inner statement does or not: without them database/sql would execute it
// without a context, and the modes the context carries would be lost. For an
// inner statement without them it does what database/sql would.
//
// database/sql never uses one driver.Stmt from two goroutines at once, so
// stmt needs no lock.
type stmt struct {
	c             *conn
	query         string      // as the user wrote it
	modeFree      bool        // names no soft-delete table: prepared serves every mode
	prepared      driver.Stmt // prepared at Prepare, under the mode of its context
	preparedKey   string      // that mode's key
	preparedSQL   string      // prepared's rewritten text
	preparedActor *actorArgs  // where prepared takes the actor (actor.go), or nil
	check         bool        // the connection checks its MySQL session after each execution
	byKey         map[string]keyedStmt
	extra         []innerStmt // inner statements prepared after it, one per distinct text
	mask          uint        // the optional interfaces of prepared (stmtMask)
	closed        bool        // Close has run: a second Close does nothing
}

// keyedStmt is the inner statement a mode runs, and where it takes the
// actor.
type keyedStmt struct {
	stmt  driver.Stmt
	actor *actorArgs
}

// innerStmt is an inner statement and the rewritten text it was prepared
// from.
type innerStmt struct {
	sql  string
	stmt driver.Stmt
}

// Close closes every inner statement. Closing again does nothing and
// returns nil.
func (s *stmt) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.prepared.Close()
	for _, is := range s.extra {
		err = errors.Join(err, is.stmt.Close())
	}
	s.byKey, s.extra = nil, nil
	return err
}

// NumInput is the inner statement's, without the actor's parameters,
// which softdelete fills in.
func (s *stmt) NumInput() int {
	n := s.prepared.NumInput()
	if a := s.preparedActor; n > 0 && a.takes() {
		if a.named != "" {
			return n - 1
		}
		return n - len(a.at)
	}
	return n
}

// pick returns the inner statement for the mode of ctx, once the
// connection may send it (see conn.ready), and where it takes the actor.
func (s *stmt) pick(ctx context.Context) (driver.Stmt, *actorArgs, error) {
	if s.c.session != sessionOK {
		if err := s.c.ready(ctx); err != nil {
			return nil, nil, err
		}
	}
	m := modeFrom(ctx)
	if s.modeFree {
		if m.onlyPrimary || len(m.tables) > 0 {
			// The mode is checked as for db.Exec: it may name a table that
			// is not a soft-delete table, or ask for a primary table the
			// statement does not have.
			if _, _, _, _, err := s.c.rewrite(ctx, s.query, m); err != nil {
				return nil, nil, err
			}
		}
		return s.prepared, nil, nil
	}
	if m.key == s.preparedKey && s.current(s.preparedActor) {
		return s.prepared, s.preparedActor, nil
	}
	if ks, ok := s.byKey[m.key]; ok && s.current(ks.actor) {
		return ks.stmt, ks.actor, nil
	}
	q, _, check, actor, err := s.c.rewrite(ctx, s.query, m)
	if err != nil {
		return nil, nil, err
	}
	s.check = s.check || check
	is, err := s.innerFor(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	if s.byKey == nil {
		s.byKey = make(map[string]keyedStmt)
	}
	s.byKey[m.key] = keyedStmt{stmt: is, actor: actor}
	return is, actor, nil
}

// current reports whether a rewrite that takes the actor as a says is
// still the rewrite (see rewriter.actorGen).
func (s *stmt) current(a *actorArgs) bool {
	return a == nil || a.gen == s.c.rw.actorGen.Load()
}

// innerFor returns the inner statement prepared from the rewritten text q,
// preparing it if no mode has needed that text before.
func (s *stmt) innerFor(ctx context.Context, q string) (driver.Stmt, error) {
	if q == s.preparedSQL {
		return s.prepared, nil
	}
	for _, is := range s.extra {
		if is.sql == q {
			return is.stmt, nil
		}
	}
	is, err := s.c.prepareInner(ctx, q)
	if err != nil {
		return nil, err
	}
	s.extra = append(s.extra, innerStmt{sql: q, stmt: is})
	return is, nil
}

// Exec executes under the default mode.
//
// Deprecated: database/sql calls ExecContext.
func (s *stmt) Exec(args []driver.Value) (driver.Result, error) {
	is, actor, err := s.pick(context.Background())
	if err != nil {
		return nil, err
	}
	if actor.takes() {
		if args, err = s.c.insertActorValues(args, actor); err != nil {
			return nil, err
		}
	}
	res, err := is.Exec(args) //nolint:staticcheck // forwarding the deprecated method
	if s.check {
		if err := s.c.afterExec(context.Background(), s.query, err); err != nil {
			return nil, err
		}
	}
	return res, err
}

// Query queries under the default mode.
//
// Deprecated: database/sql calls QueryContext.
func (s *stmt) Query(args []driver.Value) (driver.Rows, error) {
	is, actor, err := s.pick(context.Background())
	if err != nil {
		return nil, err
	}
	if actor.takes() {
		if args, err = s.c.insertActorValues(args, actor); err != nil {
			return nil, err
		}
	}
	rows, err := is.Query(args) //nolint:staticcheck // forwarding the deprecated method
	if s.check {
		if err := s.c.afterQuery(context.Background(), s.query, err); err != nil {
			return nil, err
		}
	}
	return rows, err
}

func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	is, actor, err := s.pick(ctx)
	if err != nil {
		return nil, err
	}
	if s.c.rw.cascade != nil && !s.modeFree {
		if res, done, err := s.c.cascadeExec(ctx, s.query, args); done {
			if s.check { // a function it calls may have changed the session
				if err = s.c.afterExec(ctx, s.query, err); err != nil {
					return nil, err
				}
			}
			return res, err
		}
	}
	if actor.takes() {
		if args, err = s.c.insertActor(ctx, args, actor); err != nil {
			return nil, err
		}
	}
	res, err := s.execInner(ctx, is, args)
	if s.check {
		if err := s.c.afterExec(ctx, s.query, err); err != nil {
			return nil, err
		}
	}
	return res, err
}

// execInner executes an inner statement with a context, as database/sql
// would.
func (s *stmt) execInner(ctx context.Context, is driver.Stmt, args []driver.NamedValue) (driver.Result, error) {
	if sc, ok := is.(driver.StmtExecContext); ok {
		return sc.ExecContext(ctx, args)
	}
	vals, err := values(args)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return is.Exec(vals) //nolint:staticcheck // the inner statement has nothing else
}

func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	is, actor, err := s.pick(ctx)
	if err != nil {
		return nil, err
	}
	if s.c.rw.cascade != nil && !s.modeFree {
		if rows, done, err := s.c.cascadeQuery(ctx, s.query, args); done {
			if s.check { // its rows are read whole: the session is checked at once
				if err = s.c.afterExec(ctx, s.query, err); err != nil {
					return nil, err
				}
			}
			return rows, err
		}
	}
	if actor.takes() {
		if args, err = s.c.insertActor(ctx, args, actor); err != nil {
			return nil, err
		}
	}
	rows, err := s.queryInner(ctx, is, args)
	if s.check {
		if err := s.c.afterQuery(ctx, s.query, err); err != nil {
			return nil, err
		}
	}
	return rows, err
}

// queryInner queries an inner statement with a context, as database/sql
// would.
func (s *stmt) queryInner(ctx context.Context, is driver.Stmt, args []driver.NamedValue) (driver.Rows, error) {
	if sc, ok := is.(driver.StmtQueryContext); ok {
		return sc.QueryContext(ctx, args)
	}
	vals, err := values(args)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return is.Query(vals) //nolint:staticcheck // the inner statement has nothing else
}

// values is database/sql's conversion for drivers without the context
// methods: named arguments are not supported there.
func values(args []driver.NamedValue) ([]driver.Value, error) {
	vals := make([]driver.Value, len(args))
	for i, a := range args {
		if a.Name != "" {
			return nil, errors.New("sql: driver does not support the use of Named Parameters")
		}
		vals[i] = a.Value
	}
	return vals, nil
}

type stmtNamedValueChecker struct{ s *stmt }

func (x stmtNamedValueChecker) CheckNamedValue(nv *driver.NamedValue) error {
	return x.s.prepared.(driver.NamedValueChecker).CheckNamedValue(nv)
}

type stmtColumnConverter struct{ s *stmt }

func (x stmtColumnConverter) ColumnConverter(idx int) driver.ValueConverter {
	return x.s.prepared.(driver.ColumnConverter).ColumnConverter(idx)
}

func (s *stmt) softdeleteStmt() *stmt { return s }
