//go:build postgres

package softdelete

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sort"
	"testing"
	"time"
)

// Benchmarks of issue 15 on PostgreSQL through pgx: softdelete next to pgx
// running the hand-filtered SQL, paired like BenchmarkSQLitePaired (raw and
// softdelete take turns on every iteration). See BENCHMARKS.md,
// "PostgreSQL". Skipped without SOFTDELETE_POSTGRES_DSN.

// The user's statements on PostgreSQL, and the same filtered by hand as
// softdelete's rewrite reads (the same text pgx then prepares).
var (
	pgBenchPointSQL  = "SELECT id, name, email FROM " + benchUsers + " WHERE id = $1"
	pgBenchJoinSQL   = "SELECT u.id, u.name, p.id, p.title FROM " + benchUsers + " u LEFT JOIN " + benchPosts + " p ON p.user_id = u.id WHERE u.id = $1"
	pgBenchDeleteSQL = "DELETE FROM " + benchUsers + " WHERE id = $1"
	pgBenchPlainSQL  = "SELECT id, msg FROM " + benchPlain + " WHERE id = $1"
	// A plain statement with calls of built-ins, which the session's fast
	// scan must clear without the engine (session_postgres.go).
	pgBenchPlainCallsSQL = "SELECT id, concat(lower(msg), length(msg), now()) FROM " + benchPlain + " WHERE id = $1"

	pgHandPointSQL  = "SELECT id, name, email FROM " + benchUsers + " WHERE id = $1 AND " + benchUsers + ".deleted_at IS NULL"
	pgHandJoinSQL   = "SELECT u.id, u.name, p.id, p.title FROM " + benchUsers + " u LEFT JOIN " + benchPosts + " p ON p.user_id = u.id AND p.deleted_at IS NULL WHERE u.id = $1 AND u.deleted_at IS NULL"
	pgHandDeleteSQL = "UPDATE " + benchUsers + " SET deleted_at = now() WHERE id = $1 AND " + benchUsers + ".deleted_at IS NULL"
)

// pgBenchOps are the paired operations: name, how, the user's SQL, the
// hand-filtered SQL.
var pgBenchOps = []struct {
	name      string
	make      func(b *testing.B, ctx context.Context, db *sql.DB, q string, stride, offset int) (func(int), func())
	soft, raw string
}{
	{"point", pointOp, pgBenchPointSQL, pgHandPointSQL},
	{"point-prepared", pointPreparedOp, pgBenchPointSQL, pgHandPointSQL},
	{"leftjoin", joinOp, pgBenchJoinSQL, pgHandJoinSQL},
	{"delete-deleted", deleteDeadOp, pgBenchDeleteSQL, pgHandDeleteSQL},
	{"plain", plainOp, pgBenchPlainSQL, pgBenchPlainSQL},
	{"plain-calls", plainOp, pgBenchPlainCallsSQL, pgBenchPlainCallsSQL},
}

// openPgBenchDBs opens the server of SOFTDELETE_POSTGRES_DSN through pgx,
// raw and through softdelete, one connection each, with the tables of
// openBenchDBs (10,000 live users with a live post each, 10,000 deleted).
func openPgBenchDBs(b *testing.B) *benchDBs {
	b.Helper()
	dsn := os.Getenv("SOFTDELETE_POSTGRES_DSN")
	if dsn == "" {
		b.Skip("SOFTDELETE_POSTGRES_DSN is not set")
	}
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	soft, err := sql.Open(DriverName, "driver=pgx tables="+benchUsers+","+benchPosts+" dsn="+dsn)
	if err != nil {
		b.Fatal(err)
	}
	for _, db := range []*sql.DB{raw, soft} {
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	}
	e := &benchDBs{d: dialectPostgres, raw: raw, soft: soft}
	ctx := context.Background()
	for _, q := range []string{
		"DROP TABLE IF EXISTS " + benchPosts + ", " + benchUsers + ", " + benchPlain,
		"CREATE TABLE " + benchUsers + " (id bigint PRIMARY KEY, name varchar(64) NOT NULL, email varchar(64) NOT NULL, deleted_at timestamptz NULL)",
		"CREATE TABLE " + benchPosts + " (id bigint PRIMARY KEY, user_id bigint NOT NULL, title varchar(64) NOT NULL, deleted_at timestamptz NULL)",
		"CREATE INDEX " + benchPosts + "_user ON " + benchPosts + " (user_id)",
		"CREATE TABLE " + benchPlain + " (id bigint PRIMARY KEY, msg varchar(64) NOT NULL)",
		fmt.Sprintf("INSERT INTO %s SELECT g, 'user' || g, 'user' || g || '@example.com', CASE WHEN g > %d THEN timestamptz '2020-01-01' END FROM generate_series(1, %d) g",
			benchUsers, benchLive, benchLive+benchDead),
		fmt.Sprintf("INSERT INTO %s SELECT g, g, 'post of user' || g FROM generate_series(1, %d) g", benchPosts, benchLive),
		fmt.Sprintf("INSERT INTO %s SELECT g, 'message user' || g FROM generate_series(1, %d) g", benchPlain, benchLive),
		"ANALYZE " + benchUsers + ", " + benchPosts + ", " + benchPlain,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			e.close()
			b.Fatal(q, ": ", err)
		}
	}
	return e
}

// BenchmarkPostgresPaired compares softdelete with pgx on the server of
// SOFTDELETE_POSTGRES_DSN, raw and softdelete taking turns on every
// iteration; it reports raw-ns/op, softdelete-ns/op and softdelete/raw.
func BenchmarkPostgresPaired(b *testing.B) {
	e := openPgBenchDBs(b)
	defer func() {
		_, _ = e.raw.Exec("DROP TABLE IF EXISTS " + benchPosts + ", " + benchUsers + ", " + benchPlain)
		e.close()
	}()
	ctx := context.Background()
	for _, o := range pgBenchOps {
		b.Run("op="+o.name, func(b *testing.B) {
			rawOp, rawDone := o.make(b, ctx, e.raw, o.raw, 2, 0)
			defer rawDone()
			softOp, softDone := o.make(b, ctx, e.soft, o.soft, 2, 1)
			defer softDone()
			var tRaw, tSoft time.Duration
			each := [2][]time.Duration{make([]time.Duration, 0, b.N), make([]time.Duration, 0, b.N)}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				first, second := rawOp, softOp
				if i&1 == 1 {
					first, second = softOp, rawOp
				}
				t0 := time.Now()
				first(i)
				t1 := time.Now()
				second(i)
				t2 := time.Now()
				dRaw, dSoft := t1.Sub(t0), t2.Sub(t1)
				if i&1 == 1 {
					dRaw, dSoft = dSoft, dRaw
				}
				tRaw, tSoft = tRaw+dRaw, tSoft+dSoft
				each[0], each[1] = append(each[0], dRaw), append(each[1], dSoft)
			}
			b.StopTimer()
			reportMedians(b, each[0], each[1])
			b.ReportMetric(float64(tRaw.Nanoseconds())/float64(b.N), "raw-ns/op")
			b.ReportMetric(float64(tSoft.Nanoseconds())/float64(b.N), "softdelete-ns/op")
			b.ReportMetric(float64(tSoft)/float64(tRaw), "softdelete/raw")
		})
	}
}

// reportMedians reports the medians of the per-iteration times of raw and
// softdelete and their ratio: on a loaded machine a few stalls of
// milliseconds move the means, not the medians.
func reportMedians(b *testing.B, raw, soft []time.Duration) {
	mRaw, mSoft := medianDuration(raw), medianDuration(soft)
	b.ReportMetric(mRaw, "raw-p50-ns")
	b.ReportMetric(mSoft, "softdelete-p50-ns")
	if mRaw > 0 {
		b.ReportMetric(mSoft/mRaw, "p50-softdelete/raw")
	}
}

// medianDuration returns the median of ds in nanoseconds; it sorts ds.
func medianDuration(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return float64(ds[len(ds)/2].Nanoseconds())
}

// TestPostgresBenchHandSQL checks that the hand-filtered SQL of the
// benchmarks is what softdelete sends: the pairs compare the wrapper, not
// two queries.
func TestPostgresBenchHandSQL(t *testing.T) {
	c, err := NewConnector(Config{DriverName: "pgx", DSN: "postgres://nobody@127.0.0.1:1/none",
		Tables: []string{benchUsers, benchPosts}, Check: CheckOff})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range pgBenchOps {
		got, err := c.Rewrite(context.Background(), o.soft)
		if err != nil || got != o.raw {
			t.Errorf("%s: softdelete sends %q (%v), the benchmark's raw side %q", o.name, got, err, o.raw)
		}
	}
}
