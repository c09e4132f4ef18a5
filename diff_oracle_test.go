package softdelete

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

// The differential harness, part 3: the oracle (a copy of the data without
// the rows the mode hides, queried by the inner driver) and the comparison
// of results. See diff_run_test.go for the harness as a whole.

// diffDB is one schema loaded in a database, with a raw handle (the
// oracle) and a softdelete handle.
type diffDB struct {
	raw, soft *sql.DB
	conn      *Connector
	mysql     bool
	schema    *diffSchema
	before    map[string]map[int]snapRow
	broken    bool // send statements unrewritten: the harness's self-test
}

type snapRow struct {
	vals string // a, b, c and the decoy column
	del  string // the deleted column: "NULL" when live (or 0, for a numeric kind)
}

type diffEnv struct {
	broken bool // see diffDB.broken
	mysql  bool
	dsn    string // MySQL: the server DSN without database
	dbName string // MySQL: the scratch database
	n      int64
}

var diffDBCounter atomic.Int64

func (e *diffEnv) open(s *diffSchema) (*diffDB, error) {
	var dsn, driverName string
	if e.mysql {
		driverName, dsn = "mysql", e.dsn
	} else {
		driverName = "sqlite3"
		dsn = fmt.Sprintf("file:softdelete_diff_%d?mode=memory&cache=shared", diffDBCounter.Add(1))
	}
	raw, err := sql.Open(driverName, dsn)
	if err != nil {
		return nil, err
	}
	raw.SetMaxOpenConns(1)
	raw.SetMaxIdleConns(1)
	conn, err := NewConnector(Config{DriverName: driverName, DSN: dsn, Tables: s.config(), Column: s.column, Kind: s.kind, CacheSize: -1})
	if err != nil {
		raw.Close()
		return nil, err
	}
	soft := sql.OpenDB(conn)
	soft.SetMaxOpenConns(1)
	soft.SetMaxIdleConns(1)
	db := &diffDB{raw: raw, soft: soft, conn: conn, mysql: e.mysql, schema: s, broken: e.broken}
	ctx := context.Background()
	if e.mysql {
		for _, t := range diffTableNames {
			if _, err := raw.ExecContext(ctx, "drop table if exists "+t); err != nil {
				db.close()
				return nil, err
			}
		}
	}
	for _, q := range s.ddl(e.mysql) {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			db.close()
			return nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	db.before, err = db.snapshot(ctx, raw)
	if err != nil {
		db.close()
		return nil, err
	}
	return db, nil
}

func (db *diffDB) close() {
	db.soft.Close()
	db.raw.Close()
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

// preparedQuerier runs its prepared statement, whatever the query text.
type preparedQuerier struct{ ps *sql.Stmt }

func (p preparedQuerier) QueryContext(ctx context.Context, _ string, args ...any) (*sql.Rows, error) {
	return p.ps.QueryContext(ctx, args...)
}

func (p preparedQuerier) ExecContext(ctx context.Context, _ string, args ...any) (sql.Result, error) {
	return p.ps.ExecContext(ctx, args...)
}

// failingQuerier fails every call with the error of a failed Prepare.
type failingQuerier struct{ err error }

func (f failingQuerier) QueryContext(context.Context, string, ...any) (*sql.Rows, error) {
	return nil, f.err
}

func (f failingQuerier) ExecContext(context.Context, string, ...any) (sql.Result, error) {
	return nil, f.err
}

// rowsOf returns the rows of a query as strings.
func rowsOf(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []string
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = valString(v)
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out, rows.Err()
}

func valString(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return "'" + string(x) + "'"
	case string:
		return "'" + x + "'"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', 12, 64)
	case time.Time:
		return "'" + x.Format("2006-01-02 15:04:05.999999") + "'"
	case bool: // a PostgreSQL boolean flag, as the integer flags read
		if x {
			return "1"
		}
		return "0"
	}
	return fmt.Sprintf("%T(%v)", v, v)
}

// snapshot reads every table, raw.
func (db *diffDB) snapshot(ctx context.Context, q querier) (map[string]map[int]snapRow, error) {
	out := map[string]map[int]snapRow{}
	for _, t := range db.schema.tables {
		cols := "id, a, b, c"
		if t.extra != "" {
			cols += ", " + t.extra
		}
		del := "NULL"
		if t.soft {
			del = t.col
		}
		rows, err := rowsOf(ctx, q, "select "+cols+", "+del+" from "+t.name)
		if err != nil {
			return nil, err
		}
		m := map[int]snapRow{}
		for _, r := range rows {
			parts := strings.Split(r, "|")
			id, _ := strconv.Atoi(parts[0])
			m[id] = snapRow{vals: strings.Join(parts[1:len(parts)-1], "|"), del: parts[len(parts)-1]}
		}
		out[t.name] = m
	}
	return out, nil
}

// hiddenIDs returns, per table, the ids of the rows the mode hides from st.
func (db *diffDB) hiddenIDs(st diffStmt) map[string]map[int]bool {
	out := map[string]map[int]bool{}
	for _, t := range db.schema.tables {
		h := map[int]bool{}
		if t.soft {
			f := st.mode.show(t.name, st.primary)
			for id, r := range db.before[t.name] {
				if f == filterLive && !t.live(r.del) || f == filterDeleted && t.live(r.del) {
					h[id] = true
				}
			}
		}
		out[t.name] = h
	}
	return out
}

// outcome is what running one statement found.
type outcome struct {
	refused   bool
	refusal   string
	bothError string // the statement is invalid for both
	looser    string // the server refuses the statement, not its rewrite
	rewritten string
	mismatch  string // empty when the outcome agrees with the oracle
}

// run runs st through softdelete and through the oracle and compares.
func (db *diffDB) run(st diffStmt) outcome {
	ctx := context.Background()
	mctx := st.mode.ctx(ctx)
	var o outcome
	out, err := db.conn.Rewrite(mctx, st.sql)
	if p := shapeProblem(db.conn.rw, st.sql, modeFrom(mctx)); p != "" {
		o.mismatch = p
		return o
	}
	if err != nil {
		o.refused, o.refusal = true, err.Error()
		if !strings.HasPrefix(err.Error(), "softdelete: ") {
			o.mismatch = "refusal without the softdelete: prefix: " + err.Error()
		}
		return o
	}
	o.rewritten = out
	if out != st.sql {
		// The rewrite keeps every identifier of the statement.
		var problems []string
		ins, ierr := lexStatements(st.sql, db.conn.rw.d)
		outs, oerr := lexStatements(out, db.conn.rw.d)
		if ierr != nil || oerr != nil || len(ins) != len(outs) {
			o.mismatch = fmt.Sprintf("the rewrite does not lex like the statement: %v, %v", ierr, oerr)
			return o
		}
		for i := range ins {
			fzCheckWords(ins[i], outs[i], func(f string, a ...any) { problems = append(problems, fmt.Sprintf(f, a...)) })
		}
		// And every table reference carries its filter, in the right
		// place: the checker of FuzzRewrite.
		problems = append(problems, fzCheckRewrite(db.conn.rw, st.mode, modeFrom(mctx), st.sql, out)...)
		if len(problems) > 0 {
			o.mismatch = strings.Join(problems, "; ")
			return o
		}
	}
	hidden := db.hiddenIDs(st)
	rawCtx := WithForce(WithIncludeDeleted(ctx))

	// The oracle: remove what the mode hides, run the statement as written.
	otx, err := db.raw.BeginTx(ctx, nil)
	if err != nil {
		o.mismatch = "oracle begin: " + err.Error()
		return o
	}
	defer otx.Rollback() //nolint:errcheck
	for _, t := range db.schema.tables {
		if ids := hidden[t.name]; len(ids) > 0 {
			list := make([]string, 0, len(ids))
			for id := range ids {
				list = append(list, strconv.Itoa(id))
			}
			if _, err := otx.ExecContext(ctx, "delete from "+t.name+" where id in ("+strings.Join(list, ",")+")"); err != nil {
				o.mismatch = "oracle setup: " + err.Error()
				return o
			}
		}
	}
	var oRows, sRows []string
	var oSnap, sSnap map[string]map[int]snapRow
	var oErr, sErr error
	if st.kind == "select" {
		oRows, oErr = rowsOf(ctx, otx, st.sql, st.args...)
	} else {
		_, oErr = otx.ExecContext(ctx, st.sql, st.args...)
		if oErr == nil {
			oSnap, err = db.snapshot(ctx, otx)
			if err != nil {
				o.mismatch = "oracle snapshot: " + err.Error()
				return o
			}
		}
	}
	if err := otx.Rollback(); err != nil {
		o.mismatch = "oracle rollback: " + err.Error()
		return o
	}

	// Softdelete, in a transaction rolled back after.
	softDB := db.soft
	if db.broken {
		softDB, mctx = db.raw, ctx
	}
	stx, err := softDB.BeginTx(ctx, nil)
	if err != nil {
		o.mismatch = "begin: " + err.Error()
		return o
	}
	defer stx.Rollback() //nolint:errcheck
	var sq querier = stx
	if st.prepared {
		// Prepared under the default mode, run under the statement's:
		// the mode of the call is the one that counts.
		ps, err := stx.PrepareContext(ctx, st.sql)
		switch {
		case err == nil:
			defer ps.Close()
			sq = preparedQuerier{ps}
		case errors.Is(err, ErrRefused):
			// Refused in the default mode: run it directly.
		default:
			sq = failingQuerier{err}
		}
	}
	if st.kind == "select" {
		sRows, sErr = rowsOf(mctx, sq, st.sql, st.args...)
	} else {
		_, sErr = sq.ExecContext(mctx, st.sql, st.args...)
		if sErr == nil {
			sSnap, err = db.snapshot(rawCtx, stx)
			if err != nil {
				o.mismatch = "snapshot: " + err.Error()
				return o
			}
		}
	}
	if err := stx.Rollback(); err != nil {
		o.mismatch = "rollback: " + err.Error()
		return o
	}

	switch {
	case oErr != nil && sErr != nil:
		o.bothError = sErr.Error()
		return o
	case oErr != nil && db.mysql && strings.Contains(oErr.Error(), "Error 1093 "):
		// MariaDB refuses a multi-table DELETE whose subquery reads the
		// target table, not the UPDATE it becomes: softdelete runs what
		// the server would have refused. Counted, not compared.
		o.looser = oErr.Error()
		return o
	case oErr != nil:
		o.mismatch = "the oracle failed but softdelete did not: " + oErr.Error()
		return o
	case sErr != nil:
		if errors.Is(sErr, ErrRefused) {
			o.mismatch = "Rewrite accepted but the driver refused: " + sErr.Error()
		} else {
			o.mismatch = "softdelete failed but the oracle did not: " + sErr.Error()
		}
		return o
	}
	if st.kind == "select" {
		o.mismatch = diffMultisets(oRows, sRows)
		return o
	}
	o.mismatch = db.compareWrites(st, hidden, oSnap, sSnap)
	return o
}

// diffMultisets describes how got differs from want, as multisets.
func diffMultisets(want, got []string) string {
	count := map[string]int{}
	for _, r := range want {
		count[r]++
	}
	for _, r := range got {
		count[r]--
	}
	var missing, extra []string
	for r, n := range count {
		for ; n > 0; n-- {
			missing = append(missing, r)
		}
		for ; n < 0; n++ {
			extra = append(extra, r)
		}
	}
	if len(missing) == 0 && len(extra) == 0 {
		return ""
	}
	sort.Strings(missing)
	sort.Strings(extra)
	cut := func(rows []string) string {
		if len(rows) > 10 {
			return fmt.Sprintf("%v... (%d)", rows[:10], len(rows))
		}
		return fmt.Sprint(rows)
	}
	return fmt.Sprintf("rows: oracle %d, softdelete %d; missing %s; extra %s", len(want), len(got), cut(missing), cut(extra))
}

// compareWrites checks the tables after a write.
func (db *diffDB) compareWrites(st diffStmt, hidden map[string]map[int]bool, oSnap, sSnap map[string]map[int]snapRow) string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	for _, t := range db.schema.tables {
		before, o, s, h := db.before[t.name], oSnap[t.name], sSnap[t.name], hidden[t.name]
		if st.kind == "insert" {
			// Ids of inserted rows may differ: compare contents.
			var want, got []string
			for id, r := range s {
				got = append(got, r.vals+"|"+r.del)
				_ = id
			}
			for id := range h {
				want = append(want, before[id].vals+"|"+before[id].del)
			}
			for _, r := range o {
				want = append(want, r.vals+"|"+r.del)
			}
			if d := diffMultisets(want, got); d != "" {
				bad("%s: %s", t.name, d)
			}
			continue
		}
		for id := range h {
			if s[id] != before[id] {
				bad("%s: hidden row id=%d changed: %+v -> %+v", t.name, id, before[id], s[id])
			}
		}
		stamp := false
		for _, n := range st.stamped {
			stamp = stamp || t.soft && n == t.name && !st.mode.force
		}
		for id, br := range before {
			if h[id] {
				continue
			}
			orow, inO := o[id]
			srow, inS := s[id]
			switch {
			case inO:
				if !inS || srow != orow {
					bad("%s: id=%d: oracle %+v, softdelete %+v (present %v)", t.name, id, orow, srow, inS)
				}
			case stamp && t.live(br.del):
				if !inS || srow.vals != br.vals || t.live(srow.del) {
					bad("%s: id=%d should have been stamped: before %+v, after %+v (present %v)", t.name, id, br, srow, inS)
				}
			case stamp:
				if !inS || srow != br {
					bad("%s: id=%d, already deleted, should be untouched: before %+v, after %+v", t.name, id, br, srow)
				}
			default:
				if inS {
					bad("%s: id=%d: the oracle deleted it, softdelete kept %+v", t.name, id, srow)
				}
			}
		}
		for id, sr := range s {
			if _, ok := before[id]; !ok {
				bad("%s: new row id=%d %+v", t.name, id, sr)
			}
		}
	}
	sort.Strings(problems)
	if len(problems) > 6 {
		problems = append(problems[:6], fmt.Sprintf("... and %d more", len(problems)-6))
	}
	return strings.Join(problems, "\n    ")
}
