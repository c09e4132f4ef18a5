package softdelete

import (
	"context"
	"database/sql"
	"testing"
	"time"
)

// The benchmarks of issue 13's forms: a statement with a CTE and a window
// function, rewritten cold (cache disabled), and cached end to end next to
// its hand-filtered form on the inner driver.

// benchModernSQL reads each user's latest post through a CTE and a window.
const benchModernSQL = "WITH recent AS (SELECT id, user_id, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY id DESC) AS rn FROM " + benchPosts +
	" WHERE user_id = ?) SELECT u.name, r.id FROM " + benchUsers + " u JOIN recent r ON r.user_id = u.id WHERE r.rn = 1"

// BenchmarkColdModern is the cold rewrite of benchModernSQL, next to the
// cold rewrite of the LEFT JOIN of BenchmarkColdJoin.
func BenchmarkColdModern(b *testing.B) {
	for _, c := range []struct{ name, q string }{{"cte+window", benchModernSQL}, {"leftjoin", benchJoinSQL}} {
		q := c.q
		b.Run("q="+c.name, func(b *testing.B) {
			rw := benchRewriter(b, -1)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := rw.rewrite(q, defaultMode); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkModernPaired runs benchModernSQL through softdelete (cached)
// and its hand-filtered form on mattn/go-sqlite3, taking turns on every
// iteration; it reports both and their ratio, softdelete/raw.
func BenchmarkModernPaired(b *testing.B) {
	e := openBenchDBs(b, dialectSQLite, "sqlite3", sqliteDSN(b))
	defer e.close()
	hand, err := benchRewriter(b, -1).rewrite(benchModernSQL, defaultMode)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	op := func(b *testing.B, db *sql.DB, q string, i int) {
		var name string
		var id int64
		if err := db.QueryRowContext(ctx, q, 1+i%benchLive).Scan(&name, &id); err != nil {
			b.Fatal(err)
		}
	}
	var tRaw, tSoft time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		op(b, e.raw, hand, i)
		t1 := time.Now()
		op(b, e.soft, benchModernSQL, i)
		t2 := time.Now()
		tRaw += t1.Sub(t0)
		tSoft += t2.Sub(t1)
	}
	b.StopTimer()
	b.ReportMetric(float64(tRaw.Nanoseconds())/float64(b.N), "raw-ns/op")
	b.ReportMetric(float64(tSoft.Nanoseconds())/float64(b.N), "softdelete-ns/op")
	b.ReportMetric(float64(tSoft)/float64(tRaw), "softdelete/raw")
}
