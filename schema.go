package softdelete

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"
)

// CheckMode says what the schema check does with the problems it finds: see
// Config.Check and the DSN key check=.
type CheckMode string

const (
	// CheckError fails every statement with a *SchemaError until the
	// schema's problems are fixed (the default).
	CheckError CheckMode = "error"
	// CheckWarn logs the problems at Warn on Config.Logger and runs the
	// statements anyway.
	CheckWarn CheckMode = "warn"
	// CheckOff sends no metadata query and checks nothing.
	CheckOff CheckMode = "off"
)

// parseCheckMode reads Config.Check; empty means CheckError.
func parseCheckMode(s CheckMode) (CheckMode, error) {
	switch CheckMode(strings.ToLower(string(s))) {
	case "", CheckError:
		return CheckError, nil
	case CheckWarn:
		return CheckWarn, nil
	case CheckOff:
		return CheckOff, nil
	}
	return "", fmt.Errorf("softdelete: check=%q is not a check mode (want error, warn or off)", string(s))
}

// ErrSchema is matched (with errors.Is) by the error of a statement stopped
// because the database's schema does not fit the configuration.
var ErrSchema = errors.New("softdelete: schema check failed")

// SchemaProblem is one finding of the schema check: what is wrong with a
// listed table (or the column Column of it) and how to fix it.
type SchemaProblem struct {
	Table   string // the listed table concerned
	Column  string // the column concerned, or ""
	Problem string // what is wrong, and what it would do
	Fix     string // the configuration or DDL that fixes it
}

// String returns the problem in one line: table, column, problem and fix.
func (p SchemaProblem) String() string {
	var b strings.Builder
	b.WriteString("table ")
	b.WriteString(p.Table)
	if p.Column != "" {
		b.WriteString(", column ")
		b.WriteString(p.Column)
	}
	b.WriteString(": ")
	b.WriteString(p.Problem)
	if p.Fix != "" {
		b.WriteString("; fix: ")
		b.WriteString(p.Fix)
	}
	return b.String()
}

// SchemaReport is the result of one schema check.
type SchemaReport struct {
	Dialect  string          // "mysql" or "sqlite"
	Errors   []SchemaProblem // what makes statements unsafe: check=error stops them
	Warnings []SchemaProblem // what works but surprises (unique keys, foreign keys)
	Queries  int             // the metadata queries sent
	Duration time.Duration   // how long reading and checking took
}

// Err returns a *SchemaError listing the report's errors, or nil.
func (r *SchemaReport) Err() error {
	if r == nil || len(r.Errors) == 0 {
		return nil
	}
	return &SchemaError{Problems: r.Errors}
}

// SchemaError is the error of a statement stopped by the schema check
// (check=error): the database's schema does not fit the listed tables.
// Nothing was sent. errors.Is(err, ErrSchema) is true.
type SchemaError struct {
	Problems []SchemaProblem
}

// Error lists every problem, one per line, each with its fix.
func (e *SchemaError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "softdelete: schema check failed, nothing was sent (%d problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString("; fix the schema or the tables= list, or set check=warn or check=off to run anyway):")
	for _, p := range e.Problems {
		b.WriteString("\n\t- ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Is makes errors.Is(err, ErrSchema) true.
func (e *SchemaError) Is(target error) bool { return target == ErrSchema }

// schemaGate runs the schema check of one connector lazily: once, before
// the first statement that is not DDL or session control, on the
// connection about to run it. Until a check passes every such statement
// checks again; after it, a statement costs one atomic load.
type schemaGate struct {
	ready  atomic.Bool   // the check passed (or is off): statements go through
	lock   chan struct{} // one check at a time, waiting as long as the context allows
	mode   CheckMode
	logger *slog.Logger // nil: silent
	d      *dialect
	tables []*softTable
	model  atomic.Pointer[schemaModel] // the last schema read
	rw     *rewriter                   // told when a new model changes its rewrites (actor.go)
	checks atomic.Int64                // checks run, for tests
}

// newSchemaGate returns the gate of a configuration.
func newSchemaGate(cfg Config, rw *rewriter) (*schemaGate, error) {
	mode, err := parseCheckMode(cfg.Check)
	if err != nil {
		return nil, err
	}
	g := &schemaGate{lock: make(chan struct{}, 1), mode: mode, logger: cfg.Logger, d: rw.d, rw: rw}
	for _, name := range rw.tables.names {
		g.tables = append(g.tables, rw.tables.byName[name])
	}
	g.ready.Store(mode == CheckOff)
	return g, nil
}

// checkSchema lets a statement through once the schema check has passed;
// before that it runs the check (see schemaGate.before). It is inlined:
// the passed check costs one atomic load. NewConnector always sets the gate.
func (c *conn) checkSchema(ctx context.Context, query string) error {
	if c.rw.schema.ready.Load() {
		return nil
	}
	return c.rw.schema.before(ctx, c, query)
}

// before runs the check on c's inner connection, unless query needs no
// schema (DDL, session and transaction control) or is sent raw.
func (g *schemaGate) before(ctx context.Context, c *conn, query string) error {
	if !needsSchemaCheck(query, c.rw.d) || modeFrom(ctx).raw() {
		return nil
	}
	return g.ensure(ctx, c)
}

// ensure runs the check on c's inner connection unless one has passed:
// for statements (before) and for Purge, which must know the foreign keys
// before it deletes a parent row for real, also as a program's first call.
func (g *schemaGate) ensure(ctx context.Context, c *conn) error {
	select {
	case g.lock <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-g.lock }()
	if g.ready.Load() {
		return nil
	}
	report, err := g.run(ctx, c.inner)
	return g.apply(ctx, report, err)
}

// run reads the schema through ic and checks it.
func (g *schemaGate) run(ctx context.Context, ic driver.Conn) (*SchemaReport, error) {
	g.checks.Add(1)
	start := time.Now()
	q := &metaQueryer{conn: ic}
	var model *schemaModel
	var err error
	switch g.d {
	case dialectMySQL:
		model, err = readMySQLSchema(ctx, q, g.tables)
	case dialectPostgres:
		model, err = readPostgresSchema(ctx, q, g.tables)
	default:
		model, err = readSQLiteSchema(ctx, q, g.tables)
	}
	if err != nil {
		return nil, fmt.Errorf("softdelete: schema check: reading the schema: %w (set check=off to skip the check)", err)
	}
	g.rw.modelChanged(g.model.Swap(model), model)
	report := g.evaluate(model)
	report.Queries = q.count
	report.Duration = time.Since(start)
	return report, nil
}

// apply opens the gate or not, after a check, and logs what check=warn and
// the warnings ask for. It returns the error for the statement.
func (g *schemaGate) apply(ctx context.Context, report *SchemaReport, err error) error {
	if err != nil {
		if g.mode != CheckWarn {
			return err
		}
		g.warn("softdelete: schema check could not read the schema", "error", err)
		if ctx.Err() == nil {
			g.ready.Store(true)
		}
		return nil
	}
	if g.mode == CheckWarn {
		for _, p := range report.Errors {
			g.warnProblem(p)
		}
	}
	for _, p := range report.Warnings {
		g.warnProblem(p)
	}
	if g.mode == CheckError && len(report.Errors) > 0 {
		g.ready.Store(false)
		return report.Err()
	}
	g.ready.Store(true)
	return nil
}

func (g *schemaGate) warnProblem(p SchemaProblem) {
	g.warn("softdelete: schema: "+p.Problem, "table", p.Table, "column", p.Column, "fix", p.Fix)
}

func (g *schemaGate) warn(msg string, args ...any) {
	if g.logger != nil {
		g.logger.Warn(msg, args...)
	}
}

// Check reads the schema now, on a new inner connection, checks it and
// returns the report. The error is the one reading failed with, or the
// report's *SchemaError when it has errors, whatever check= says. Unless
// check=off, the result also decides whether statements go through, as the
// lazy check would. An in-memory SQLite database is a new, empty database
// on every connection: check it through a statement instead.
func (c *Connector) Check(ctx context.Context) (*SchemaReport, error) {
	g := c.rw.schema
	ic, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	defer ic.Close()
	select {
	case g.lock <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-g.lock }()
	report, err := g.run(ctx, ic)
	if err != nil {
		return nil, err
	}
	if g.mode != CheckOff {
		g.ready.Store(g.mode == CheckWarn || len(report.Errors) == 0)
	}
	return report, report.Err()
}

// Reload reads the schema again (after a migration) and checks it as the
// lazy check does: with check=error it returns the *SchemaError and
// statements stop until the schema is fixed; with check=warn it logs.
func (c *Connector) Reload(ctx context.Context) error {
	report, err := c.Check(ctx)
	if report == nil {
		return err
	}
	return c.rw.schema.apply(ctx, report, nil)
}

// needsSchemaCheck reports whether a statement of q is one the schema
// check must precede: anything but DDL and session or transaction control,
// whose first word schemaFreeWords lists. An empty statement needs none.
// The statements and their first words are the lexer's, so that a ';' or
// a comment inside a string hides no statement; text the lexer cannot read
// needs the check, and so does a versioned comment that MySQL and MariaDB
// read differently. MariaDB's SET STATEMENT ... FOR runs the statement after
// FOR: it needs the check too. It runs only until a check has passed.
func needsSchemaCheck(q string, d *dialect) bool {
	stmts, err := lexStatements(q, d)
	if err != nil {
		return true
	}
	for _, st := range stmts {
		if st.empty {
			continue
		}
		first := st.firstWord()
		if !schemaFreeWords[first] || st.ambiguous != "" { // MariaDB skips /*!50700 SET x */ DELETE ...
			return true
		}
		if first == "set" && len(st.words) > 1 && !st.words[1].quoted && st.words[1].lower == "statement" {
			return true
		}
	}
	return false
}

// schemaFreeWords are the first words of the statements that run before
// the schema check: DDL (a schema is created through softdelete), session
// and transaction control.
var schemaFreeWords = map[string]bool{
	"create": true, "alter": true, "drop": true, "rename": true, "comment": true,
	"pragma": true, "set": true, "use": true, "show": true, "describe": true, "desc": true,
	"begin": true, "start": true, "commit": true, "rollback": true, "end": true,
	"savepoint": true, "release": true, "attach": true, "detach": true, "vacuum": true, "reindex": true,
	"lock": true, "unlock": true, "grant": true, "revoke": true, "flush": true,
}

// metaQueryer sends the check's metadata queries on an inner connection,
// never through softdelete, and counts them.
type metaQueryer struct {
	conn  driver.Conn
	count int
}

// cell is one value of a metadata row: its text, or null.
type cell struct {
	s    string
	null bool
}

// query runs q, which has no parameters, and returns its rows as text.
func (m *metaQueryer) query(ctx context.Context, q string) ([][]cell, error) {
	m.count++
	var rows driver.Rows
	var err error
	if qc, ok := m.conn.(driver.QueryerContext); ok {
		rows, err = qc.QueryContext(ctx, q, nil)
	}
	if rows == nil && (err == nil || errors.Is(err, driver.ErrSkip)) {
		rows, err = m.prepareAndQuery(ctx, q)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]cell
	vals := make([]driver.Value, len(rows.Columns()))
	for {
		if err := rows.Next(vals); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		row := make([]cell, len(vals))
		for i, v := range vals {
			row[i] = cellOf(v)
		}
		out = append(out, row)
	}
}

// prepareAndQuery is query for inner connections without QueryerContext.
func (m *metaQueryer) prepareAndQuery(ctx context.Context, q string) (driver.Rows, error) {
	var st driver.Stmt
	var err error
	if pc, ok := m.conn.(driver.ConnPrepareContext); ok {
		st, err = pc.PrepareContext(ctx, q)
	} else {
		st, err = m.conn.Prepare(q)
	}
	if err != nil {
		return nil, err
	}
	var rows driver.Rows
	if sq, ok := st.(driver.StmtQueryContext); ok {
		rows, err = sq.QueryContext(ctx, nil)
	} else {
		rows, err = st.Query(nil) //nolint:staticcheck // the inner statement has nothing else
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	return stmtRows{Rows: rows, st: st}, nil
}

// stmtRows closes its statement with the rows.
type stmtRows struct {
	driver.Rows
	st driver.Stmt
}

func (r stmtRows) Close() error { return errors.Join(r.Rows.Close(), r.st.Close()) }

// cellOf copies a driver value as text (drivers may reuse []byte buffers).
func cellOf(v driver.Value) cell {
	switch v := v.(type) {
	case nil:
		return cell{null: true}
	case []byte:
		return cell{s: string(v)}
	case string:
		return cell{s: v}
	case bool:
		if v {
			return cell{s: "1"}
		}
		return cell{s: "0"}
	}
	return cell{s: fmt.Sprint(v)}
}

// sqlStrings returns names as a list of SQL string literals: 'a', 'b'.
// The names are plain identifiers (checked by newRewriter or read from the
// database and checked here), so they need no escaping.
func sqlStrings(names []string) string {
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("'")
		b.WriteString(strings.ReplaceAll(n, "'", "''"))
		b.WriteString("'")
	}
	return b.String()
}

// schemaModel is the schema of the listed tables as one check read it.
type schemaModel struct {
	database string   // MySQL: DATABASE(); SQLite: ""
	all      []string // every table and view of the database, as named there
	// foldNames: table names match in any case (SQLite); MySQL's are
	// matched as the database spells them once resolved.
	foldNames bool
	tables    map[string]*tableSchema // the listed tables that exist, by lower-case name
	// markerLike holds the marker-like columns (markerLike) of the tables
	// that are not listed, by lower-case table name: a foreign key to or
	// from one of them may need it listed.
	markerLike map[string][]string
}

// tableSchema is one table's columns, indexes and foreign keys.
type tableSchema struct {
	name         string // as the database spells it
	columns      []columnSchema
	indexes      []indexSchema
	foreignKeys  []foreignKey // from this table
	referencedBy []foreignKey // from other tables to this one
	// replaceOnConflict: SQLite's CREATE TABLE has ON CONFLICT REPLACE.
	replaceOnConflict bool
}

// column returns the column of that name (any case), or nil.
func (t *tableSchema) column(name string) *columnSchema {
	for i := range t.columns {
		if strings.EqualFold(t.columns[i].name, name) {
			return &t.columns[i]
		}
	}
	return nil
}

// columnSchema is one column as declared.
type columnSchema struct {
	name       string
	typ        string // the declared type, as the database reports it
	nullable   bool
	hasDefault bool   // a default other than NULL
	def        string // that default, as the database reports it
	extra      string // MySQL: EXTRA (auto_increment, on update ...)
	generated  string // the generation expression of a generated column, or ""
	// coarse: a time type that holds less than microseconds
	// (PostgreSQL's timestamp(p), p < 6), so that a cascade's stamp
	// would be rounded.
	coarse bool
}

// indexSchema is one index.
type indexSchema struct {
	name    string
	unique  bool
	primary bool
	columns []string // "" for an expression
	where   string   // the condition of a partial index (SQLite, PostgreSQL), or ""
	auto    bool     // SQLite: made by a UNIQUE constraint, cannot be dropped
	// keys are PostgreSQL's key columns as the index defines them: a
	// name, quoted where it needs it, or an expression (lower(email)).
	keys []string
	// constraint is the PostgreSQL UNIQUE or PRIMARY KEY constraint the
	// index implements (dropped with ALTER TABLE ... DROP CONSTRAINT), or "".
	constraint string
	// nullsNotDistinct: PostgreSQL 15's NULLS NOT DISTINCT, under which
	// NULL keys collide like any other value.
	nullsNotDistinct bool
}

// foreignKey is one foreign key.
type foreignKey struct {
	name       string
	table      string // the referencing table
	columns    []string
	refTable   string // the referenced table
	refColumns []string
	onDelete   string
	onUpdate   string
	deferred   bool // checked at commit (PostgreSQL's INITIALLY DEFERRED)
}

// schemaModelOf starts a schema model from rows of (database or schema,
// table name or NULL): the database and its tables.
func schemaModelOf(rows [][]cell) *schemaModel {
	m := &schemaModel{tables: map[string]*tableSchema{}, markerLike: map[string][]string{}}
	for _, r := range rows {
		m.database = r[0].s
		if !r[1].null {
			m.all = append(m.all, r[1].s)
		}
	}
	return m
}

// foreignKeysOf reads foreign keys from rows of (table, key name, column,
// referenced table, referenced column, on delete, on update), ordered by
// table, key and column position: one foreignKey per table and key name.
func foreignKeysOf(rows [][]cell) []foreignKey {
	var fks []foreignKey
	for _, r := range rows {
		n := len(fks)
		if n == 0 || fks[n-1].table != r[0].s || fks[n-1].name != r[1].s {
			fks = append(fks, foreignKey{name: r[1].s, table: r[0].s, refTable: r[3].s, onDelete: r[5].s, onUpdate: r[6].s})
			n++
		}
		fks[n-1].columns = append(fks[n-1].columns, r[2].s)
		fks[n-1].refColumns = append(fks[n-1].refColumns, r[4].s)
	}
	return fks
}
