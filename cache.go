package softdelete

import (
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// DefaultCacheSize is the number of rewrites a connector remembers when its
// configuration does not say.
const DefaultCacheSize = 4096

// DefaultCacheBytes is the memory a connector's rewrite cache may hold
// when its configuration does not say: the texts, their rewrites and
// templates, and an estimate of each entry's overhead (cacheEntrySize).
const DefaultCacheBytes = 4 << 20

// cacheEntryOverhead is what an entry costs besides its texts: the map
// slot (key, entry, tophash) and the strings' allocation rounding.
const cacheEntryOverhead = 160

// maxCachedLen is the longest statement the cache keeps: longer ones (bulk
// statements, generated IN lists) are rarely repeated and would hold memory.
const maxCachedLen = 16 << 10

const cacheShards = 16

// cache remembers rewrites by statement text and mode. It is split into
// shards, each with its own lock, so concurrent hits on different shards
// do not contend; a full shard evicts an arbitrary entry (Go's map order is
// random, so eviction is random), which keeps memory flat under a stream of
// distinct statements. A shard holds at most its share of the entries and
// of the bytes (cacheEntrySize): a stream of long statements cannot make
// the cache grow past its byte budget.
//
// Besides the rewrites of exact texts, the cache holds the templates of
// statement skeletons (skeleton.go), under the mode shapeModeName.
//
// The text is hashed once per lookup: the 64-bit hash of (mode, text)
// picks the shard and is the shard map's key, and the entry keeps the mode
// and text to check them. Two keys with the same hash (which 64 bits make
// vanishingly rare) share a slot: a lookup of the other one is a miss, and
// its put replaces the entry, so a collision costs a rewrite, never a
// wrong answer.
type cache struct {
	seed     maphash.Seed
	perCap   int
	perBytes int
	shards   [cacheShards]cacheShard
}

type cacheEntry struct {
	mode, query string // the key, checked on every hit
	out         string
	session     bool // the MySQL session must be checked after it runs
	actor       *actorArgs
	err         error
	tmpl        *template // a skeleton's entry: its template, nil when it has none
}

// cacheEntrySize is what the cache counts an entry as holding.
func cacheEntrySize(e *cacheEntry) int {
	n := cacheEntryOverhead + len(e.mode) + len(e.query)
	if len(e.out) != len(e.query) || unsafe.StringData(e.out) != unsafe.StringData(e.query) {
		n += len(e.out) // unchanged texts share the query's bytes
	}
	if e.err != nil {
		n += 256
	}
	if e.tmpl != nil {
		n += e.tmpl.size
	}
	return n
}

type cacheShard struct {
	mu           sync.RWMutex
	m            map[uint64]cacheEntry
	bytes        int // cacheEntrySize of the entries
	hits, misses atomic.Uint64
	shapeHits    atomic.Uint64 // misses of the exact text answered from a skeleton
	_            [24]byte      // keep shards on separate cache lines
}

// newCache returns a cache of at most size entries and maxBytes bytes (0:
// DefaultCacheBytes), or nil when size is not positive.
func newCache(size, maxBytes int) *cache {
	if size <= 0 {
		return nil
	}
	if maxBytes <= 0 {
		maxBytes = DefaultCacheBytes
	}
	c := &cache{seed: maphash.MakeSeed(), perCap: (size + cacheShards - 1) / cacheShards, perBytes: maxBytes / cacheShards}
	for i := range c.shards {
		c.shards[i].m = make(map[uint64]cacheEntry)
	}
	return c
}

// hash returns the hash of (mode, q). The default mode's key is empty and
// costs nothing to mix in.
func (c *cache) hash(mode, q string) uint64 {
	h := maphash.String(c.seed, q)
	if mode != "" {
		h ^= (maphash.String(c.seed, mode) + 1) * 0x9e3779b97f4a7c15
	}
	return h
}

func (c *cache) shard(h uint64) *cacheShard {
	return &c.shards[h%cacheShards]
}

func (c *cache) get(mode, q string) (string, bool, *actorArgs, error, bool) {
	h := c.hash(mode, q)
	sh := c.shard(h)
	sh.mu.RLock()
	e, ok := sh.m[h]
	sh.mu.RUnlock()
	ok = ok && e.query == q && e.mode == mode
	if ok {
		sh.hits.Add(1)
	} else {
		sh.misses.Add(1)
	}
	return e.out, e.session, e.actor, e.err, ok
}

func (c *cache) put(mode, q, out string, session bool, actor *actorArgs, err error) {
	if len(q) > maxCachedLen {
		return
	}
	c.store(c.hash(mode, q), cacheEntry{mode: mode, query: q, out: out, session: session, actor: actor, err: err})
}

// store keeps e under the hash h, evicting random entries of its shard
// until both its entry and byte budgets hold it.
func (c *cache) store(h uint64, e cacheEntry) {
	size := cacheEntrySize(&e)
	if size > c.perBytes {
		return
	}
	sh := c.shard(h)
	sh.mu.Lock()
	if old, ok := sh.m[h]; ok {
		sh.bytes -= cacheEntrySize(&old)
		delete(sh.m, h)
	}
	for k, old := range sh.m {
		if len(sh.m) < c.perCap && sh.bytes+size <= c.perBytes {
			break
		}
		sh.bytes -= cacheEntrySize(&old)
		delete(sh.m, k)
	}
	sh.m[h] = e
	sh.bytes += size
	sh.mu.Unlock()
}

// purge forgets every rewrite (the counters stay).
func (c *cache) purge() {
	if c == nil {
		return
	}
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		clear(sh.m)
		sh.bytes = 0
		sh.mu.Unlock()
	}
}

// getShape returns the template of the skeleton key, and whether the
// skeleton is known (a known skeleton without a template takes the cold
// path). It counts a hit on the skeleton's shard.
func (c *cache) getShape(key []byte) (*template, bool) {
	h := c.hash(shapeModeName, "") ^ maphash.Bytes(c.seed, key)
	sh := c.shard(h)
	sh.mu.RLock()
	e, ok := sh.m[h]
	sh.mu.RUnlock()
	ok = ok && e.mode == shapeModeName && e.query == string(key)
	if ok && e.tmpl != nil {
		sh.shapeHits.Add(1)
	}
	return e.tmpl, ok
}

// putShape remembers the template of the skeleton key; nil remembers that
// the skeleton has none.
func (c *cache) putShape(key []byte, t *template) {
	h := c.hash(shapeModeName, "") ^ maphash.Bytes(c.seed, key)
	c.store(h, cacheEntry{mode: shapeModeName, query: string(key), tmpl: t})
}

// countHit counts a hit that a connection answered from its own recent
// rewrites (see conn.recent), on the shard it was given.
func (c *cache) countHit(shard int) {
	if c != nil {
		c.shards[shard].hits.Add(1)
	}
}

// CacheStats counts the work of a connector's rewrite cache. Statements
// that name no soft-delete table never reach the cache and are not counted.
type CacheStats struct {
	Hits      uint64 // rewrites answered from the cache, or from a connection's last four
	Misses    uint64 // rewrites computed (and then remembered)
	ShapeHits uint64 // of the Hits, those answered from the template of the text's skeleton
	Entries   int    // rewrites and skeleton templates held now
	Capacity  int    // the most entries it holds; 0 when the cache is disabled
	Bytes     int    // the bytes its entries hold now, as the cache counts them
	MaxBytes  int    // the most bytes it holds; 0 when the cache is disabled
}

func (c *cache) stats() CacheStats {
	if c == nil {
		return CacheStats{}
	}
	st := CacheStats{Capacity: c.perCap * cacheShards, MaxBytes: c.perBytes * cacheShards}
	for i := range c.shards {
		sh := &c.shards[i]
		st.Hits += sh.hits.Load()
		st.Misses += sh.misses.Load()
		st.ShapeHits += sh.shapeHits.Load()
		sh.mu.RLock()
		st.Entries += len(sh.m)
		st.Bytes += sh.bytes
		sh.mu.RUnlock()
	}
	// A shape hit follows the exact text's miss: it counts as a hit.
	st.Hits += st.ShapeHits
	st.Misses -= min(st.Misses, st.ShapeHits)
	return st
}

// minCacheBytes is the smallest byte budget a cache accepts: each of its
// shards must hold a few statements.
const minCacheBytes = 64 << 10

// parseByteSize reads a DSN's byte size: a count of bytes, or a number
// followed by KiB, MiB or GiB. Its error completes "cachebytes=... ".
func parseByteSize(val string) (int, error) {
	num, unit := val, 1
	for _, u := range []struct {
		suffix string
		n      int
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if strings.HasSuffix(val, u.suffix) {
			num, unit = strings.TrimSuffix(val, u.suffix), u.n
			break
		}
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || n > math.MaxInt/unit {
		return 0, errors.New("is not a size (want bytes, or a number with KiB, MiB or GiB, such as 4MiB)")
	}
	if err := checkCacheBytes(n * unit); err != nil {
		return 0, err
	}
	return n * unit, nil
}

// checkCacheBytes refuses a byte budget too small to be of use; 0 stands
// for DefaultCacheBytes.
func checkCacheBytes(n int) error {
	if n < 0 || n > 0 && n < minCacheBytes {
		return fmt.Errorf("is below the minimum of 64KiB (0 means the default, 4MiB; to disable the cache, set its size to 0)")
	}
	return nil
}
