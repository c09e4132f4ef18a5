//go:build postgres

package softdelete

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/softdelete-go/softdelete/postgres"
)

// The differential harness on PostgreSQL: the generator of
// diff_gen_test.go, its statements translated to PostgreSQL (pgStatement),
// run on a live server through pgx, against the same oracle (the
// statement, sent as written, on a copy where the rows the mode hides are
// physically gone). Each rewrite must also pass the static check of
// FuzzPostgresRewrite (pgCheckRewrite): every read of a soft-delete table
// carries its filter, in the WHERE or in an ON where it filters the table's
// rows before a join null-extends them.
//
//	SOFTDELETE_POSTGRES_DSN='postgres://postgres@127.0.0.1:5432/t_pg?sslmode=disable' \
//	SOFTDELETE_DIFF_PG_N=20000 go test -tags postgres -count=1 -run 'TestDifferentialPostgres$' -v .
//	SOFTDELETE_DIFF_CASE=<schema seed>,<statement seed> ...  # rerun one case, verbosely
//	SOFTDELETE_DIFF_PG_KIND=flag ...  # every soft-delete table of that marker kind
//
// The soft-delete tables get random marker kinds (diff_gen_test.go's
// genKinds) in PostgreSQL's types (pgMarkerType: boolean and integer
// flags, integer and bigint epochs), or all the kind SOFTDELETE_DIFF_PG_KIND
// names.
//
// These files (diff_pg_test.go, fuzz_pg_test.go, bench_pg_test.go) build
// only with -tags postgres: they import the postgres package (and pgx),
// which the root test binary must not, or TestPostgreSQLNeedsItsPackage
// could not check the error of a program without it, and every root test
// build would compile pg_query's C code. Without SOFTDELETE_POSTGRES_DSN it
// skips. It runs in a scratch database
// created on the server and dropped after. Default size: 500 statements,
// 300 under the race detector (CI: about 30 s); SOFTDELETE_DIFF_PG_N sets
// it.

// pgDiffDefaultN is the default statement count: CI stays fast.
func pgDiffDefaultN() int64 {
	if diffRace {
		return 300
	}
	return 500
}

func TestDifferentialPostgres(t *testing.T) {
	dsn := os.Getenv("SOFTDELETE_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SOFTDELETE_POSTGRES_DSN is not set (e.g. postgres://postgres@127.0.0.1:5432/t_pg?sslmode=disable)")
	}
	seed := diffEnvInt(t, "SOFTDELETE_DIFF_SEED", 20261124)
	env, cleanup := pgDiffEnv(t, dsn)
	defer cleanup()
	env.n = diffEnvInt(t, "SOFTDELETE_DIFF_PG_N", pgDiffDefaultN())
	runPgDifferential(t, env, seed)
}

// TestDifferentialPostgresDetects checks that the PostgreSQL harness can
// fail: with the statements sent unrewritten, many of those that read or
// write a soft-delete table must disagree with the oracle.
func TestDifferentialPostgresDetects(t *testing.T) {
	dsn := os.Getenv("SOFTDELETE_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SOFTDELETE_POSTGRES_DSN is not set")
	}
	env, cleanup := pgDiffEnv(t, dsn)
	defer cleanup()
	env.n, env.broken = 120, true
	st := runPgDifferential(t, env, 7)
	if st.mismatches < st.run/5 {
		t.Fatalf("only %d of %d unrewritten statements disagree with the oracle", st.mismatches, st.run)
	}
}

// pgEnv is a scratch database on a PostgreSQL server.
type pgEnv struct {
	dsn    string // the scratch database
	n      int64
	broken bool // send statements unrewritten: the harness's self-test
}

// pgDiffEnv creates a scratch database and returns its DSN; cleanup drops it.
func pgDiffEnv(t *testing.T, dsn string) (*pgEnv, func()) {
	ctx := context.Background()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" || strings.Trim(u.Path, "/") == "" {
		admin.Close()
		t.Fatalf("SOFTDELETE_POSTGRES_DSN %q: want a URL with a database, postgres://user@host:port/db?sslmode=disable (%v)", dsn, err)
	}
	// Named after the DSN's database, so that each user's scratch
	// databases are recognisable.
	name := fmt.Sprintf("%s_diff_%d_%d", strings.ToLower(strings.Trim(u.Path, "/")), os.Getpid(), time.Now().UnixNano()%1e6)
	if _, err := admin.ExecContext(ctx, "create database "+name); err != nil {
		admin.Close()
		t.Fatalf("create database: %v", err)
	}
	cleanup := func() {
		if _, err := admin.ExecContext(ctx, "drop database if exists "+name+" with (force)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
		admin.Close()
	}
	u.Path = "/" + name
	return &pgEnv{dsn: u.String()}, cleanup
}

// pgDDL returns the statements that create and fill the schema on
// PostgreSQL. Ids are serial, their sequences past the rows', for INSERT.
func pgDDL(s *diffSchema) []string {
	var out []string
	for _, t := range s.tables {
		out = append(out, "drop table if exists "+t.name)
		cols := "id serial primary key, a int, b int, c text"
		if t.soft {
			cols += ", " + t.col + " " + t.pgMarkerType(s.seed)
		}
		if t.companion != "" {
			cols += ", " + t.companion + " timestamp null"
		}
		if t.extra != "" {
			cols += ", " + t.extra + " timestamp null"
		}
		out = append(out, fmt.Sprintf("create table %s (%s)", t.name, cols))
		out = append(out, fmt.Sprintf("select setval(pg_get_serial_sequence('%s', 'id'), 1000)", t.name))
		if len(t.rows) == 0 {
			continue
		}
		var vals []string
		for _, row := range t.rows {
			v := fmt.Sprintf("(%d, %s, %s, %s", row.id, row.a, row.b, row.c)
			if t.soft && t.kind == KindFlag && row.del != "NULL" {
				v += ", '" + row.del + "'" // '0' and '1' read as boolean or integer
			} else if t.soft {
				v += ", " + row.del
			}
			if t.companion != "" {
				v += ", NULL"
			}
			if t.extra != "" {
				v += ", " + row.extra
			}
			vals = append(vals, v+")")
		}
		out = append(out, fmt.Sprintf("insert into %s values %s", t.name, strings.Join(vals, ", ")))
	}
	return out
}

// pgSchema is genSchema, with every soft-delete table of the kind
// SOFTDELETE_DIFF_PG_KIND names, if set: its rows keep which are deleted.
func pgSchema(t *testing.T, seed int64) *diffSchema {
	s := genSchema(seed)
	name := os.Getenv("SOFTDELETE_DIFF_PG_KIND")
	if name == "" {
		return s
	}
	k, err := parseKind(name)
	if err != nil {
		t.Fatalf("SOFTDELETE_DIFF_PG_KIND: %v", err)
	}
	r := rand.New(rand.NewSource(seed ^ 0x6b696e64))
	s.kind = ""
	for _, tb := range s.tables {
		if !tb.soft {
			continue
		}
		deleted := make([]bool, len(tb.rows))
		for i, row := range tb.rows {
			deleted[i] = !tb.live(row.del)
		}
		tb.kind, tb.nullable, tb.companion = k, k.numeric() && r.Intn(2) == 0, ""
		if k == KindFlag && r.Intn(2) == 0 {
			tb.companion = "flagged_at"
		}
		for i := range tb.rows {
			switch {
			case k.numeric():
				tb.rows[i].del = genMarker(tb, deleted[i], r)
			case deleted[i]:
				tb.rows[i].del = fmt.Sprintf("'2020-01-0%d 00:00:00'", 1+r.Intn(9))
			default:
				tb.rows[i].del = "NULL"
			}
		}
	}
	return s
}

// pgMarkerType is the PostgreSQL type of t's marker in the schema of a
// seed: a flag is boolean, smallint or integer, an epoch in seconds
// integer or bigint, one in milliseconds bigint.
func (t *diffTable) pgMarkerType(seed int64) string {
	pick := (seed + int64(len(t.name))) % 3
	typ, zero := "", "0"
	switch t.kind {
	case KindFlag:
		typ = []string{"boolean", "smallint", "integer"}[pick]
		if typ == "boolean" {
			zero = "false"
		}
	case KindUnix:
		typ = []string{"integer", "bigint", "bigint"}[pick]
	case KindUnixMilli:
		typ = "bigint"
	default:
		return "timestamp null"
	}
	if t.nullable {
		return typ + " null default " + zero
	}
	return typ + " not null default " + zero
}

func (e *pgEnv) open(s *diffSchema) (*diffDB, error) {
	raw, err := sql.Open("pgx", e.dsn)
	if err != nil {
		return nil, err
	}
	raw.SetMaxOpenConns(1)
	raw.SetMaxIdleConns(1)
	conn, err := NewConnector(Config{DriverName: "pgx", DSN: e.dsn, Tables: s.config(), Column: s.column, Kind: s.kind, CacheSize: -1})
	if err != nil {
		raw.Close()
		return nil, err
	}
	soft := sql.OpenDB(conn)
	soft.SetMaxOpenConns(1)
	soft.SetMaxIdleConns(1)
	db := &diffDB{raw: raw, soft: soft, conn: conn, schema: s, broken: e.broken}
	ctx := context.Background()
	for _, t := range diffTableNames {
		if _, err := raw.ExecContext(ctx, "drop table if exists "+t); err != nil {
			db.close()
			return nil, err
		}
	}
	for _, q := range pgDDL(s) {
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

var (
	pgSQLiteParam  = regexp.MustCompile(`\?([0-9]+)|:(v[0-9]+)|\?`)
	pgMainSchema   = regexp.MustCompile(`\bmain\.`)
	pgBracketIdent = regexp.MustCompile(`\[([a-z0-9_]+)\]`)
)

// pgStatement generates statement seed of a schema, in PostgreSQL: the
// SQLite form of the generator with its placeholders ($N for ?, ?N and
// :name), its schema (public for main) and its [name] quoting translated.
func pgStatement(s *diffSchema, seed int64) diffStmt {
	st := genStatementFor(s, seed, false, true, "")
	st.sql = pgMainSchema.ReplaceAllString(st.sql, "public.")
	st.sql = pgBracketIdent.ReplaceAllString(st.sql, `"$1"`)
	named := map[string]int{}
	for i, a := range st.args {
		if n, ok := a.(sql.NamedArg); ok {
			named[n.Name] = i + 1
			st.args[i] = n.Value
		}
	}
	st.sql = pgForms(st.sql, rand.New(rand.NewSource(seed^0x5eed)))
	next := 0
	st.sql = pgSQLiteParam.ReplaceAllStringFunc(st.sql, func(m string) string {
		switch {
		case strings.HasPrefix(m, ":"):
			return "$" + strconv.Itoa(named[m[1:]])
		case len(m) > 1:
			return "$" + m[1:]
		}
		next++
		return "$" + strconv.Itoa(next)
	})
	return st
}

var (
	pgLimit  = regexp.MustCompile(` limit (\?[0-9]*|:v[0-9]+|[0-9]+)`)
	pgPlus0  = regexp.MustCompile(`([a-z0-9]+\.(?:id|a|b)) \+ 0`)
	pgLikeOp = regexp.MustCompile(` like '`)
)

// pgForms rewrites some of the generator's forms into their PostgreSQL
// spellings of the same meaning: LIMIT n as FETCH FIRST n ROWS ONLY, a
// column as column::int, LIKE as ILIKE on the lower-case data.
func pgForms(q string, r *rand.Rand) string {
	if r.Intn(3) == 0 {
		q = pgLimit.ReplaceAllString(q, " fetch first $1 rows only")
	}
	if r.Intn(3) == 0 {
		q = pgPlus0.ReplaceAllString(q, "$1::int + 0")
	}
	if r.Intn(3) == 0 {
		q = pgLikeOp.ReplaceAllString(q, " ilike '")
	}
	return q
}

// pgRun runs st through softdelete and through the oracle and compares
// (diffDB.run, with the PostgreSQL static check).
func pgRun(db *diffDB, st diffStmt) outcome {
	ctx := context.Background()
	mctx := st.mode.ctx(ctx)
	var o outcome
	out, err := db.conn.Rewrite(mctx, st.sql)
	if err != nil {
		o.refused, o.refusal = true, err.Error()
		if !strings.HasPrefix(err.Error(), "softdelete: ") {
			o.mismatch = "refusal without the softdelete: prefix: " + err.Error()
		}
		if strings.Contains(err.Error(), "internal error") {
			o.mismatch = "internal error: " + err.Error()
		}
		return o
	}
	o.rewritten = out
	if problems := pgCheckRewrite(db.schema.pgTables(), st.mode, st.sql, out); len(problems) > 0 {
		o.mismatch = strings.Join(problems, "; ")
		return o
	}
	hidden := db.hiddenIDs(st)
	oRows, oSnap, oErr, setupErr := pgOracle(ctx, db, st, hidden)
	if setupErr != "" {
		o.mismatch = setupErr
		return o
	}
	sRows, sSnap, sErr, setupErr := pgSoft(ctx, mctx, db, st)
	if setupErr != "" {
		o.mismatch = setupErr
		return o
	}
	switch {
	case oErr != nil && sErr != nil:
		o.bothError = sErr.Error()
	case oErr != nil:
		o.mismatch = "the oracle failed but softdelete did not: " + oErr.Error()
	case sErr != nil && errors.Is(sErr, ErrRefused):
		o.mismatch = "Rewrite accepted but the driver refused: " + sErr.Error()
	case sErr != nil:
		o.mismatch = "softdelete failed but the oracle did not: " + sErr.Error()
	case st.kind == "select":
		o.mismatch = diffMultisets(oRows, sRows)
	default:
		o.mismatch = db.compareWrites(st, hidden, oSnap, sSnap)
	}
	return o
}

// pgOracle runs st as written on the data without the hidden rows, in a
// transaction rolled back after.
func pgOracle(ctx context.Context, db *diffDB, st diffStmt, hidden map[string]map[int]bool) (rows []string, snap map[string]map[int]snapRow, stErr error, setup string) {
	otx, err := db.raw.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, nil, "oracle begin: " + err.Error()
	}
	defer otx.Rollback() //nolint:errcheck
	for _, t := range db.schema.tables {
		if ids := hidden[t.name]; len(ids) > 0 {
			list := make([]string, 0, len(ids))
			for id := range ids {
				list = append(list, strconv.Itoa(id))
			}
			if _, err := otx.ExecContext(ctx, "delete from "+t.name+" where id in ("+strings.Join(list, ",")+")"); err != nil {
				return nil, nil, nil, "oracle setup: " + err.Error()
			}
		}
	}
	if st.kind == "select" {
		rows, stErr = rowsOf(ctx, otx, st.sql, st.args...)
		return rows, nil, stErr, ""
	}
	if _, stErr = otx.ExecContext(ctx, st.sql, st.args...); stErr != nil {
		return nil, nil, stErr, ""
	}
	snap, err = db.snapshot(ctx, otx)
	if err != nil {
		return nil, nil, nil, "oracle snapshot: " + err.Error()
	}
	return nil, snap, nil, ""
}

// pgSoft runs st through softdelete under mctx, in a transaction rolled
// back after; a prepared statement is prepared under the default mode.
func pgSoft(ctx, mctx context.Context, db *diffDB, st diffStmt) (rows []string, snap map[string]map[int]snapRow, stErr error, setup string) {
	softDB := db.soft
	if db.broken {
		softDB, mctx = db.raw, ctx
	}
	stx, err := softDB.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, nil, "begin: " + err.Error()
	}
	defer stx.Rollback() //nolint:errcheck
	var sq querier = stx
	if st.prepared {
		ps, err := stx.PrepareContext(ctx, st.sql)
		switch {
		case err == nil:
			defer ps.Close()
			sq = preparedQuerier{ps}
		case errors.Is(err, ErrRefused):
		default:
			sq = failingQuerier{err}
		}
	}
	if st.kind == "select" {
		rows, stErr = rowsOf(mctx, sq, st.sql, st.args...)
		return rows, nil, stErr, ""
	}
	if _, stErr = sq.ExecContext(mctx, st.sql, st.args...); stErr != nil {
		return nil, nil, stErr, ""
	}
	snap, err = db.snapshot(WithForce(WithIncludeDeleted(ctx)), stx)
	if err != nil {
		return nil, nil, nil, "snapshot: " + err.Error()
	}
	return nil, snap, nil, ""
}

// pgTables returns the soft-delete tables of the schema and their
// columns, as pgCheckRewrite takes them: col, or col:kind for a numeric
// kind.
func (s *diffSchema) pgTables() map[string]string {
	out := map[string]string{}
	for _, t := range s.tables {
		if t.soft {
			out[t.name] = t.col
			if t.kind.numeric() {
				out[t.name] += ":" + string(t.kind)
			}
		}
	}
	return out
}

func runPgDifferential(t *testing.T, env *pgEnv, seed int64) diffStats {
	if c := os.Getenv("SOFTDELETE_DIFF_CASE"); c != "" {
		var schemaSeed, stmtSeed int64
		if _, err := fmt.Sscanf(c, "%d,%d", &schemaSeed, &stmtSeed); err != nil {
			t.Fatalf("SOFTDELETE_DIFF_CASE=%q: want <schema seed>,<statement seed>", c)
		}
		s := pgSchema(t, schemaSeed)
		db, err := env.open(s)
		if err != nil {
			t.Fatal(err)
		}
		defer db.close()
		stmt := pgStatement(s, stmtSeed)
		o := pgRun(db, stmt)
		t.Logf("%s\nmode %s\nstatement: %s\nargs: %v\nrewritten: %s\nrefused: %s\ninvalid: %s\nmismatch: %s",
			s, stmt.mode, stmt.sql, stmt.args, o.rewritten, o.refusal, o.bothError, o.mismatch)
		if o.mismatch != "" {
			t.Fail()
		}
		return diffStats{}
	}
	start := time.Now()
	st := diffStats{byKind: map[string]int{}, refusals: map[string]int{}, errors: map[string]int{}}
	for i := int64(0); int64(st.run) < env.n; i++ {
		s := pgSchema(t, seed*1000+i)
		db, err := env.open(s)
		if err != nil {
			t.Fatalf("schema seed %d: %v\n%s", s.seed, err, s)
		}
		for j := 0; j < diffStmtsPerSchema && int64(st.run) < env.n; j++ {
			stmt := pgStatement(s, s.seed*1000+int64(j))
			o := pgRun(db, stmt)
			pgCount(t, &st, stmt, o)
			if o.mismatch != "" && env.broken {
				st.mismatches++
				continue
			}
			if o.mismatch != "" {
				st.mismatches++
				t.Errorf("mismatch (SOFTDELETE_DIFF_CASE=%d,%d)\n%smode %s\nstatement: %s\nargs: %v\nrewritten: %s\n%s",
					s.seed, stmt.seed, s, stmt.mode, stmt.sql, stmt.args, o.rewritten, o.mismatch)
				if st.mismatches >= 5 {
					db.close()
					t.Fatalf("stopping after %d mismatches", st.mismatches)
				}
			}
		}
		db.close()
	}
	t.Logf("postgres (kind %q): %d statements (%v) in %v: %d rewritten, %d refused (%.1f%%), %d invalid for both, %d mismatches",
		os.Getenv("SOFTDELETE_DIFF_PG_KIND"), st.run, st.byKind, time.Since(start).Round(time.Millisecond), st.rewritten, st.refused,
		100*float64(st.refused)/float64(st.run), st.bothError, st.mismatches)
	for _, k := range sortedKeys(st.refusals) {
		t.Logf("  refused %4d: %s", st.refusals[k], k)
	}
	for _, k := range sortedKeys(st.errors) {
		t.Logf("  invalid %4d: %s", st.errors[k], k)
	}
	if st.run > 0 && float64(st.bothError) > 0.2*float64(st.run) {
		t.Errorf("%d of %d statements are invalid for both: the generator is broken", st.bothError, st.run)
	}
	return st
}

// pgCount adds one outcome to the run's counts.
func pgCount(t *testing.T, st *diffStats, stmt diffStmt, o outcome) {
	st.run++
	st.byKind[stmt.kind]++
	switch {
	case o.refused:
		st.refused++
		st.refusals[refusalKey(o.refusal)]++
	case o.bothError != "":
		st.bothError++
		st.errors[firstLine(o.bothError)]++
		if os.Getenv("SOFTDELETE_DIFF_VERBOSE") != "" {
			t.Logf("invalid for both: %s\n  %s", o.bothError, stmt.sql)
		}
	case o.rewritten != stmt.sql:
		st.rewritten++
	}
}
