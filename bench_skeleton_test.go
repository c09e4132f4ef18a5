package softdelete

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
)

// The end-to-end operations of issue 14, whose text is new on most calls:
// they run through the skeleton cache (skeleton.go), not the exact one.
var (
	benchPointTracedSQL = "SELECT id, name, email FROM " + benchUsers + " WHERE id = %d /*traceparent='%s'*/"
	benchPointTracedRaw = "SELECT id, name, email FROM " + benchUsers + " WHERE id = %d AND deleted_at IS NULL /*traceparent='%s'*/"
	benchInListSQL      = "SELECT id, name, email FROM " + benchUsers + " WHERE id IN (%s)"
	benchInListRaw      = "SELECT id, name, email FROM " + benchUsers + " WHERE id IN (%s) AND deleted_at IS NULL"
)

func init() {
	e2eOps = append(e2eOps,
		e2eOp{name: "point-traced", make: pointTracedOp, soft: benchPointTracedSQL,
			raw: func(_, _, _ string) string { return benchPointTracedRaw }},
		e2eOp{name: "in-list", make: inListOp, soft: benchInListSQL,
			raw: func(_, _, _ string) string { return benchInListRaw }},
	)
}

// pointTracedOp is pointOp with the id inlined and a per-call trace
// comment, as sqlcommenter and OpenTelemetry write it: every call is new
// text. format has a %d for the id and a %s for the trace parent.
func pointTracedOp(b *testing.B, ctx context.Context, db *sql.DB, format string, stride, offset int) (func(int), func()) {
	var id int64
	var name, email string
	return func(i int) {
		k := i*stride + offset
		trace := fmt.Sprintf("00-%016x%016x-%016x-01", k*7919, k, k*31)
		q := fmt.Sprintf(format, 1+k%benchLive, trace)
		if err := db.QueryRowContext(ctx, q).Scan(&id, &name, &email); err != nil {
			b.Fatal(err)
		}
	}, func() {}
}

// inListOp reads the rows of an IN list of 1 to 100 placeholders, its
// length changing on every call (as GORM's Where("id IN ?", ids) and
// sqlx.In write it). format has a %s for the list; both sides of a pair
// use the same length at iteration i.
func inListOp(b *testing.B, ctx context.Context, db *sql.DB, format string, stride, offset int) (func(int), func()) {
	texts := make([]string, 101)
	for n := 1; n <= 100; n++ {
		texts[n] = fmt.Sprintf(format, strings.TrimSuffix(strings.Repeat("?, ", n), ", "))
	}
	args := make([]any, 100)
	var id int64
	var name, email string
	return func(i int) {
		n := 1 + (i*37)%100
		k := i*stride + offset
		for j := 0; j < n; j++ {
			args[j] = 1 + (k*100+j)%benchLive
		}
		rows, err := db.QueryContext(ctx, texts[n], args[:n]...)
		if err != nil {
			b.Fatal(err)
		}
		got := 0
		for rows.Next() {
			if err := rows.Scan(&id, &name, &email); err != nil {
				b.Fatal(err)
			}
			got++
		}
		if err := rows.Close(); err != nil {
			b.Fatal(err)
		}
		if got == 0 {
			b.Fatalf("in-list: no rows for %d ids", n)
		}
	}, func() {}
}

// BenchmarkRewriteShaped is the rewriter alone on a text whose skeleton
// it knows but whose literal and trace comment are new on every call.
func BenchmarkRewriteShaped(b *testing.B) {
	rw := benchRewriter(b, 0)
	texts := make([]string, 1024)
	for i := range texts {
		texts[i] = fmt.Sprintf(benchPointTracedSQL, i, fmt.Sprintf("00-%032x-%016x-01", i*7919, i))
	}
	if _, err := rw.rewrite(texts[0], defaultMode); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := rw.rewrite(texts[i%len(texts)], defaultMode); err != nil {
			b.Fatal(err)
		}
	}
}
