//go:build postgres

package softdelete

import (
	"context"
	"database/sql"
	"errors"
	"math/rand"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq"
)

// The PostgreSQL differential on texts of several statements, which pgx
// sends only in its simple protocol (default_query_exec_mode=simple_protocol,
// where it writes the arguments into the text) and lib/pq only without
// arguments. Each text joins 2 to 4 statements of the generator
// (pgStatement), run under the mode of the first. Three checks:
//
//   - the text is refused exactly when one of its statements is refused on
//     its own (a refusal refuses the whole text);
//   - else its rewrite is the rewrites of its statements on their own,
//     joined with ';' (every statement filtered and stamped as alone, which
//     the single-statement differential checks on the server), and passes
//     the static check of every read (pgCheckRewrite);
//   - run on the server, it leaves the tables as the oracle does (the text
//     as written, on a copy without the rows the mode hides).
//
// To keep one oracle per text, it writes with one statement (an UPDATE or
// an INSERT) or with DELETEs (which, when they stamp, run in the default
// mode: a row stamped by one is gone for the statements after it, as in
// the oracle), among SELECTs; WithOnlyDeleted() (the primary table's rows,
// which differ per statement) is not used.
//
//	SOFTDELETE_POSTGRES_DSN=... SOFTDELETE_DIFF_PG_MULTI_N=3000 go test -tags postgres -run 'TestDifferentialPostgresMulti$' -v .

func TestDifferentialPostgresMulti(t *testing.T) {
	dsn := os.Getenv("SOFTDELETE_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SOFTDELETE_POSTGRES_DSN is not set")
	}
	env, cleanup := pgDiffEnv(t, dsn)
	defer cleanup()
	u, err := url.Parse(env.dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("default_query_exec_mode", "simple_protocol")
	u.RawQuery = q.Encode()
	plain := env.dsn
	env.dsn = u.String()
	n := diffEnvInt(t, "SOFTDELETE_DIFF_PG_MULTI_N", 300)
	seed := diffEnvInt(t, "SOFTDELETE_DIFF_SEED", 20261130)
	st := runPgMulti(t, env, plain, seed, n)
	t.Logf("postgres multi-statement texts: %d texts of %d statements in %v: %d rewritten, %d refused, %d invalid for both, %d mismatches; %d texts without arguments also through lib/pq",
		st.texts, st.stmts, st.took.Round(time.Millisecond), st.rewritten, st.refused, st.bothError, st.mismatches, st.pq)
	if st.bothError > st.texts/5 {
		t.Errorf("%d of %d texts are invalid for both: the generator is broken", st.bothError, st.texts)
	}
}

// pgMultiStats are the counts of a multi-statement run.
type pgMultiStats struct {
	texts, stmts, rewritten, refused, bothError, mismatches, pq int
	took                                                        time.Duration
}

// runPgMulti runs n texts, stopping after 5 mismatches; texts without
// arguments run through lib/pq (on pqDSN) too.
func runPgMulti(t *testing.T, env *pgEnv, pqDSN string, seed, n int64) pgMultiStats {
	start := time.Now()
	var st pgMultiStats
	for i := int64(0); int64(st.texts) < n; i++ {
		s := pgSchema(t, seed*1000+i)
		db, err := env.open(s)
		if err != nil {
			t.Fatalf("schema seed %d: %v\n%s", s.seed, err, s)
		}
		pqDB, err := pgMultiPQ(db, pqDSN)
		if err != nil {
			db.close()
			t.Fatal(err)
		}
		r := rand.New(rand.NewSource(s.seed))
		for j := 0; j < diffStmtsPerSchema/2 && int64(st.texts) < n; j++ {
			text := pgMultiText(s, r, s.seed*1000+int64(j)*4)
			st.texts++
			st.stmts += len(text.parts)
			bad := pgMultiRun(t, db, pqDB, text, &st)
			if bad == "" {
				continue
			}
			st.mismatches++
			if env.broken {
				continue
			}
			t.Errorf("mismatch (schema seed %d, text seed %d)\n%smode %s\ntext: %s\nargs: %v\n%s", s.seed, text.seed, s, text.mode, text.sql, text.args, bad)
			if st.mismatches >= 5 {
				db.close()
				pqDB.soft.Close()
				t.Fatalf("stopping after %d mismatches", st.mismatches)
			}
		}
		db.close()
		pqDB.soft.Close()
	}
	st.took = time.Since(start)
	return st
}

// pgMultiStmt is a text of several statements.
type pgMultiStmt struct {
	diffStmt
	parts []string // the statements, their parameters renumbered
}

var pgParam = regexp.MustCompile(`\$([0-9]+)`)

// pgMultiText draws 2 to 4 statements and joins them, in the order of
// the package comment, their parameters numbered on.
func pgMultiText(s *diffSchema, r *rand.Rand, seed int64) pgMultiStmt {
	var sts []diffStmt
	for k := 0; k < 2+r.Intn(3); k++ {
		sts = append(sts, pgStatement(s, seed+int64(k)))
	}
	rank := map[string]int{"delete": 0, "select": 1, "update": 2, "insert": 3}
	sort.SliceStable(sts, func(a, b int) bool { return rank[sts[a].kind] < rank[sts[b].kind] })
	text := pgMultiStmt{diffStmt: diffStmt{seed: seed, kind: "select", mode: sts[0].mode}}
	text.mode.onlyPrimary = false
	for _, st := range sts {
		if st.kind != "select" && text.kind != "select" && (st.kind != "delete" || text.kind != "delete") {
			continue // one write, or DELETEs
		}
		if st.kind != "select" {
			text.kind = st.kind
			text.stamped = append(text.stamped, st.stamped...)
		}
		off := len(text.args)
		part := pgParam.ReplaceAllStringFunc(st.sql, func(m string) string {
			k, _ := strconv.Atoi(m[1:])
			return "$" + strconv.Itoa(k+off)
		})
		text.parts = append(text.parts, part)
		text.args = append(text.args, st.args...)
	}
	if text.kind == "delete" && len(text.stamped) > 0 && !text.mode.force {
		// A row stamped by one DELETE is gone for the statements after it
		// in the oracle: so it must be for softdelete, in the default mode.
		text.mode = diffMode{}
	}
	text.sql = strings.Join(text.parts, ";")
	return text
}

// pgMultiRun checks one text (see the package comment) and returns what
// is wrong, or "".
func pgMultiRun(t *testing.T, db, pqDB *diffDB, text pgMultiStmt, st *pgMultiStats) string {
	ctx := context.Background()
	mctx := text.mode.ctx(ctx)
	var outs []string
	var alone error
	for _, p := range text.parts {
		out, err := db.conn.Rewrite(mctx, p)
		if err != nil && alone == nil {
			alone = err
		}
		outs = append(outs, out)
	}
	out, err := db.conn.Rewrite(mctx, text.sql)
	switch {
	case alone != nil && err == nil:
		return "a statement is refused on its own (" + alone.Error() + ") but the text is not: " + out
	case alone != nil:
		st.refused++
		return ""
	case err != nil && strings.Contains(err.Error(), "must be the last"):
		st.refused++
		return ""
	case err != nil:
		return "the text is refused but none of its statements on its own: " + err.Error()
	case out != strings.Join(outs, ";"):
		return "the text's rewrite is not its statements' own:\n  text:  " + out + "\n  alone: " + strings.Join(outs, ";")
	}
	if out != text.sql {
		st.rewritten++
	}
	if problems := pgCheckRewrite(db.schema.pgTables(), text.mode, text.sql, out); len(problems) > 0 {
		return "rewritten: " + out + "\n" + strings.Join(problems, "; ")
	}
	if bad := pgMultiLive(ctx, mctx, db, text, st); bad != "" || len(text.args) > 0 {
		return bad
	}
	st.pq++
	if bad := pgMultiLive(ctx, mctx, pqDB, text, &pgMultiStats{}); bad != "" {
		return "through lib/pq: " + bad
	}
	return ""
}

// pgMultiPQ returns db with softdelete on lib/pq in place of pgx.
func pgMultiPQ(db *diffDB, dsn string) (*diffDB, error) {
	c, err := NewConnector(Config{DriverName: "postgres", DSN: dsn, Tables: db.schema.config(), Column: db.schema.column, CacheSize: -1})
	if err != nil {
		return nil, err
	}
	pq := *db
	pq.soft = sql.OpenDB(c)
	pq.soft.SetMaxOpenConns(1)
	return &pq, nil
}

// TestDifferentialPostgresMultiDetects checks that the multi-statement
// harness can fail: with the texts sent unrewritten, many disagree with
// the oracle.
func TestDifferentialPostgresMultiDetects(t *testing.T) {
	dsn := os.Getenv("SOFTDELETE_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SOFTDELETE_POSTGRES_DSN is not set")
	}
	env, cleanup := pgDiffEnv(t, dsn)
	defer cleanup()
	plain := env.dsn
	env.dsn += "&default_query_exec_mode=simple_protocol"
	env.broken = true
	st := runPgMulti(t, env, plain, 5, 60)
	if st.mismatches < st.texts/5 {
		t.Fatalf("only %d of %d unrewritten texts disagree with the oracle", st.mismatches, st.texts)
	}
	t.Logf("%d of %d unrewritten texts disagree with the oracle", st.mismatches, st.texts)
}

// pgMultiLive runs the text through softdelete and through the oracle and
// compares the tables after.
func pgMultiLive(ctx, mctx context.Context, db *diffDB, text pgMultiStmt, st *pgMultiStats) string {
	hidden := db.hiddenIDs(text.diffStmt)
	w := text.diffStmt
	w.kind = "update"
	if text.kind == "select" || text.kind == "insert" {
		w.kind = "insert" // compared as contents: selects change nothing
	}
	oracle := w
	oracle.kind, oracle.prepared = "exec", false
	_, oSnap, oErr, setup := pgOracle(ctx, db, oracle, hidden)
	if setup != "" {
		return setup
	}
	_, sSnap, sErr, setup := pgSoft(ctx, mctx, db, oracle)
	if setup != "" {
		return setup
	}
	switch {
	case oErr != nil && sErr != nil:
		st.bothError++
		return ""
	case oErr != nil:
		return "the oracle failed but softdelete did not: " + oErr.Error()
	case sErr != nil && errors.Is(sErr, ErrRefused):
		return "Rewrite accepted but the driver refused: " + sErr.Error()
	case sErr != nil:
		return "softdelete failed but the oracle did not: " + sErr.Error()
	}
	return db.compareWrites(w, hidden, oSnap, sSnap)
}
