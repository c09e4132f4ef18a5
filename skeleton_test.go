package softdelete

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// shapePairs are texts that share a skeleton (share) or must not.
var shapePairs = []struct {
	d     string // "" both dialects
	a, b  string
	share bool
}{
	{"", "SELECT id FROM users WHERE id = 5", "SELECT id FROM users WHERE id = 123456", true},
	{"", "SELECT id FROM users WHERE id = 5 /*traceparent='00-aa-01'*/", "SELECT id FROM users WHERE id = 6 /*traceparent='00-bbbb-01'*/", true},
	{"", "SELECT id FROM users WHERE id IN (?, ?)", "SELECT id FROM users WHERE id IN (?, ?, ?, ?, ?)", true},
	{"", "SELECT id FROM users WHERE id IN (?,?)", "SELECT id FROM users WHERE id IN (?,?,?,?)", true}, // GORM's style
	// A list parsed (not in a region) is printed with ", ": its style is
	// part of the key, and a list spaced otherwise keeps its items in it
	// (fuzz finding: a template learnt from ('x', 4) filled with (0,0)).
	{"", "SELECT id FROM users WHERE id IN (?, ?)", "SELECT id FROM users WHERE id IN (?,?)", false},
	{"", "SELECT id FROM users WHERE id IN (?, ?)", "SELECT id FROM users WHERE id IN (?,?,  ?, ?)", false},
	{"", "SELECT id FROM users WHERE id IN (1, 2)", "SELECT id FROM users WHERE id IN ('a')", true},
	{"", "SELECT u.id FROM users u JOIN posts p ON p.user_id = u.id WHERE p.title LIKE 'a%' AND u.id IN (?)", "SELECT u.id FROM users u JOIN posts p ON p.user_id = u.id WHERE p.title LIKE 'bcd%' AND u.id IN (?, ?)", true},
	{"", "/* a */ DELETE FROM users WHERE id = 1 -- x", "/* bb */ DELETE FROM users WHERE id = 2 -- yy", true},
	{"", "UPDATE users SET name = 'a' WHERE id = ?", "UPDATE users SET name = 'it''s' WHERE id = ?", true},
	{"mysql", "SELECT id FROM users WHERE id = 1 # a", "SELECT id FROM users WHERE id = 2 # bb", true},
	// The rewrite may read these: they stay in the skeleton.
	{"", "SELECT id FROM users ORDER BY 1", "SELECT id FROM users ORDER BY 2", false},
	{"", "SELECT id FROM users GROUP BY 1", "SELECT id FROM users GROUP BY 2", false},
	{"", "SELECT id FROM users LIMIT 5", "SELECT id FROM users LIMIT 6", false},
	{"", "SELECT 'a' FROM users", "SELECT 'b' FROM users", false},
	{"", "SELECT id AS 'a' FROM users", "SELECT id AS 'b' FROM users", false},
	{"", "SELECT id FROM users WHERE id = 5.5", "SELECT id FROM users WHERE id = 6.5", false},
	{"", "SELECT id FROM users WHERE id = -5", "SELECT id FROM users WHERE id = -6", false},
	{"", "SELECT id FROM users WHERE id IN (?)", "SELECT id FROM users WHERE id IN (1)", false},
	{"", "SELECT id FROM users WHERE name = 'a'", "SELECT id FROM users WHERE name = 'users'", false},
	{"", "SELECT id FROM users WHERE id = 1 /* a */", "SELECT id FROM users WHERE id = 1 /* users */", false},
	{"", "SELECT id FROM users WHERE id = 1 /* a */", "SELECT id FROM users WHERE id = 1 /*+ a */", false},
	{"", "SELECT id FROM users WHERE id = 1 /* a */", "SELECT id FROM users WHERE id = 1 /*!50000 a */", false},
	{"", "SELECT id FROM users WHERE name = 'a'", "SELECT id FROM users WHERE name = '\x01'", false},
	{"", "SELECT id FROM users WHERE t.x = 'a'.y", "SELECT id FROM users WHERE t.x = 'b'.y", false},
	{"sqlite", "SELECT id FROM users WHERE id = ?1", "SELECT id FROM users WHERE id = ?2", false},
	{"sqlite", "SELECT id FROM users WHERE id IS ?", "SELECT id FROM users WHERE id IS 5", false},
}

func shapeDialects(d string) []string {
	if d == "" {
		return []string{"mysql", "sqlite"}
	}
	return []string{d}
}

func TestShapeSharesSkeletons(t *testing.T) {
	for _, c := range shapePairs {
		for _, d := range shapeDialects(c.d) {
			rw := testRewriter(t, d)
			a, b := shapeOf(c.a, rw.d, rw.tables, ""), shapeOf(c.b, rw.d, rw.tables, "")
			shared := a != nil && b != nil && string(a.key) == string(b.key)
			if shared != c.share {
				t.Errorf("%s: %q and %q share a skeleton: %v, want %v", d, c.a, c.b, shared, c.share)
			}
		}
	}
}

// TestShapeHitIsTheColdRewrite runs each pair through a cached rewriter,
// a then b, and checks b's rewrite against a cold one, and that the pairs
// that share a skeleton were answered from it.
func TestShapeHitIsTheColdRewrite(t *testing.T) {
	for _, c := range shapePairs {
		for _, d := range shapeDialects(c.d) {
			for _, mk := range []func(context.Context) context.Context{testModes["default"], testModes["include posts"], testModes["force"]} {
				m := modeFrom(mk(context.Background()))
				rw, err := newRewriter(Config{Dialect: d, Tables: testTables})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := rw.rewrite(c.a, m); err != nil {
					t.Fatalf("%s: %q: %v", d, c.a, err)
				}
				got, gotErr := rw.rewrite(c.b, m)
				want, wantErr := testRewriter(t, d).rewrite(c.b, m)
				if got != want || (gotErr == nil) != (wantErr == nil) {
					t.Errorf("%s %s: %q after %q:\n got %q, %v\nwant %q, %v", d, m.key, c.b, c.a, got, gotErr, want, wantErr)
				}
				if hits := rw.cache.stats().ShapeHits; (hits == 1) != c.share {
					t.Errorf("%s %s: %q after %q: %d shape hits, want them: %v", d, m.key, c.b, c.a, hits, c.share)
				}
			}
		}
	}
}

// TestShapeModesApart checks that the mode is part of the skeleton's key:
// the rewrite learnt in one mode is not served in another.
func TestShapeModesApart(t *testing.T) {
	rw, err := newRewriter(Config{Dialect: "sqlite", Tables: testTables})
	if err != nil {
		t.Fatal(err)
	}
	only := modeFrom(WithOnlyDeleted(context.Background()))
	if _, err := rw.rewrite("SELECT id FROM users WHERE id = 1", defaultMode); err != nil {
		t.Fatal(err)
	}
	got, err := rw.rewrite("SELECT id FROM users WHERE id = 2", only)
	if err != nil || !strings.Contains(got, "is not null") {
		t.Fatalf("WithOnlyDeleted after the default mode: %q, %v", got, err)
	}
}

// TestShapeTemplateNeedsWholeSentinels checks that a rewrite holding a
// mark that is not a whole sentinel of its hole's kind makes no template.
func TestShapeTemplateNeedsWholeSentinels(t *testing.T) {
	holes := []hole{{kind: holeString}, {kind: holeBlock}}
	for _, out := range []string{"x = \x010\x01", "x = '\x010", "x = '\x012\x01'", "x = /*\x010\x01*/", "x = '\x01a\x01'"} {
		if tm := newTemplate(out, holes, false); tm != nil {
			t.Errorf("newTemplate(%q) = %+v, want none", out, tm)
		}
	}
	tm := newTemplate("a '\x010\x01' b /*\x011\x01*/ c '\x010\x01'", holes, false)
	if tm == nil || len(tm.holes) != 3 {
		t.Fatalf("newTemplate: %+v", tm)
	}
}

// TestShapeHitAllocations measures the shape path: a text never seen, of
// a known skeleton, costs the skeleton, its holes and the output.
func TestShapeHitAllocations(t *testing.T) {
	rw, err := newRewriter(Config{Dialect: "sqlite", Tables: testTables})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rw.rewrite("SELECT id, name FROM users WHERE id = 1 /*traceparent='00-1-01'*/", defaultMode); err != nil {
		t.Fatal(err)
	}
	texts := make([]string, 200)
	for i := range texts {
		texts[i] = fmt.Sprintf("SELECT id, name FROM users WHERE id = %d /*traceparent='00-%x-01'*/", i+2, i*7919)
	}
	i := 0
	n := testing.AllocsPerRun(100, func() {
		if _, err := rw.rewrite(texts[i%len(texts)], defaultMode); err != nil {
			t.Fatal(err)
		}
		i++
	})
	if n > 5 {
		t.Errorf("a shape hit allocates %v times, want at most 5", n)
	}
	if st := rw.cache.stats(); st.ShapeHits < 100 {
		t.Errorf("shape hits %d, want every call", st.ShapeHits)
	}
}

// TestCacheBytesBound fills the cache with long statements of distinct
// skeletons and measures the heap they keep: the byte budget holds.
func TestCacheBytesBound(t *testing.T) {
	if testing.Short() {
		t.Skip("fills the cache")
	}
	const budget = 4 << 20
	rw, err := newRewriter(Config{Dialect: "sqlite", Tables: testTables})
	if err != nil {
		t.Fatal(err)
	}
	heap := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	var text int
	for i := 0; i < 3000; i++ { // 3000 × (8 KiB + its rewrite): over 48 MiB unbounded
		var b strings.Builder
		b.WriteString("SELECT ")
		for k := 0; b.Len() < 8<<10; k++ {
			fmt.Fprintf(&b, "c%d_%d, ", i, k)
		}
		b.WriteString("id FROM users WHERE id = ?")
		q := b.String()
		text += len(q)
		if _, err := rw.rewrite(q, defaultMode); err != nil {
			t.Fatal(err)
		}
	}
	after := heap()
	st := rw.cache.stats()
	grown := int64(after) - int64(before)
	t.Logf("%d KiB of statements: cache holds %d entries, counts %d KiB of %d KiB; the heap grew %d KiB",
		text>>10, st.Entries, st.Bytes>>10, st.MaxBytes>>10, grown>>10)
	if st.MaxBytes != budget || st.Bytes > budget {
		t.Errorf("cache counts %d bytes of %d, want at most %d", st.Bytes, st.MaxBytes, budget)
	}
	if grown > budget*5/4 {
		t.Errorf("the heap grew %d KiB, over the budget of %d KiB by more than 25%%", grown>>10, budget>>10)
	}
	runtime.KeepAlive(rw)
}

func TestCacheBytesConfig(t *testing.T) {
	for _, c := range []struct {
		val  string
		want int
		err  string
	}{
		{"8MiB", 8 << 20, ""},
		{"512KiB", 512 << 10, ""},
		{"1GiB", 1 << 30, ""},
		{"1048576", 1 << 20, ""},
		{"0", 0, ""},
		{"1000", 0, "below the minimum of 64KiB"},
		{"4MB", 0, "is not a size"},
		{"-1MiB", 0, "is not a size"},
		{"lots", 0, "is not a size"},
	} {
		cfg, err := ParseDSN("driver=sqlite3 tables=users cachebytes=" + c.val + " dsn=x")
		switch {
		case c.err == "" && (err != nil || cfg.CacheBytes != c.want):
			t.Errorf("cachebytes=%s: %+v, %v; want %d", c.val, cfg, err, c.want)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), "cachebytes=")):
			t.Errorf("cachebytes=%s: %v; want an error containing %q", c.val, err, c.err)
		}
	}
	if _, err := newRewriter(Config{Dialect: "sqlite", Tables: testTables, CacheBytes: -1}); err == nil || !strings.Contains(err.Error(), "CacheBytes -1") {
		t.Errorf("CacheBytes -1: %v", err)
	}
	rw, err := newRewriter(Config{Dialect: "sqlite", Tables: testTables, CacheBytes: 1 << 20})
	if err != nil || rw.cache.stats().MaxBytes != 1<<20 {
		t.Fatalf("CacheBytes 1MiB: %v", err)
	}
}
