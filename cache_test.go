package softdelete

import (
	"context"
	"strings"
	"testing"
)

func TestCacheHitDoesNotAllocate(t *testing.T) {
	rw, err := newRewriter(Config{Dialect: "sqlite", Tables: testTables})
	if err != nil {
		t.Fatal(err)
	}
	m := modeFrom(WithOnlyDeleted(context.Background(), "posts"))
	q := "SELECT * FROM users u LEFT JOIN posts p ON p.user_id = u.id WHERE u.id = ?"
	first, err := rw.rewrite(q, m)
	if err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() {
		if out, _ := rw.rewrite(q, m); out != first {
			t.Fatal("cache returned another rewrite")
		}
	}); n != 0 {
		t.Fatalf("a cache hit allocates %v times", n)
	}
	st := rw.cache.stats()
	// Two entries: the rewrite, and the template of its skeleton.
	if st.Misses != 1 || st.Hits < 100 || st.Entries != 2 || st.Capacity < DefaultCacheSize {
		t.Fatalf("stats %+v", st)
	}
}

func TestCacheStaysBounded(t *testing.T) {
	rw, err := newRewriter(Config{Dialect: "sqlite", Tables: testTables, CacheSize: 64})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5000; i++ {
		// Distinct skeletons (the column's name), so that none is a shape hit.
		q := "SELECT * FROM users WHERE id = " + strings.Repeat("1", 1+i%50) + " AND n" + itoa(i) + " = 1"
		if _, err := rw.rewrite(q, defaultMode); err != nil {
			t.Fatal(err)
		}
	}
	if st := rw.cache.stats(); st.Entries > st.Capacity || st.Capacity != 64 || st.Misses != 5000 {
		t.Fatalf("stats %+v: the cache must hold at most its capacity", st)
	}
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(b[n:])
		}
	}
}
