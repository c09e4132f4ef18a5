package softdelete

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// DefaultCacheSize is the number of rewrites a connector remembers when its
// configuration does not say.
const DefaultCacheSize = 4096

// maxCachedLen is the longest statement the cache keeps: longer ones (bulk
// statements, generated IN lists) are rarely repeated and would hold memory.
const maxCachedLen = 16 << 10

const cacheShards = 16

// cache remembers rewrites by statement text and mode. It is split into
// shards, each with its own lock, so concurrent hits on different shards
// do not contend; a full shard evicts an arbitrary entry (Go's map order is
// random, so eviction is random), which keeps memory flat under a stream of
// distinct statements.
//
// The text is hashed once per lookup: the 64-bit hash of (mode, text)
// picks the shard and is the shard map's key, and the entry keeps the mode
// and text to check them. Two keys with the same hash (which 64 bits make
// vanishingly rare) share a slot: a lookup of the other one is a miss, and
// its put replaces the entry, so a collision costs a rewrite, never a
// wrong answer.
type cache struct {
	seed   maphash.Seed
	perCap int
	shards [cacheShards]cacheShard
}

type cacheEntry struct {
	mode, query string // the key, checked on every hit
	out         string
	session     bool // the MySQL session must be checked after it runs
	actor       *actorArgs
	err         error
}

type cacheShard struct {
	mu           sync.RWMutex
	m            map[uint64]cacheEntry
	hits, misses atomic.Uint64
	_            [40]byte // keep shards on separate cache lines
}

func newCache(size int) *cache {
	if size <= 0 {
		return nil
	}
	c := &cache{seed: maphash.MakeSeed(), perCap: (size + cacheShards - 1) / cacheShards}
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
	h := c.hash(mode, q)
	sh := c.shard(h)
	sh.mu.Lock()
	if len(sh.m) >= c.perCap {
		for k := range sh.m {
			delete(sh.m, k)
			break
		}
	}
	sh.m[h] = cacheEntry{mode: mode, query: q, out: out, session: session, actor: actor, err: err}
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
		sh.mu.Unlock()
	}
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
	Hits     uint64 // rewrites answered from the cache, or from a connection's last four
	Misses   uint64 // rewrites computed (and then remembered)
	Entries  int    // rewrites held now
	Capacity int    // the most it holds; 0 when the cache is disabled
}

func (c *cache) stats() CacheStats {
	if c == nil {
		return CacheStats{}
	}
	st := CacheStats{Capacity: c.perCap * cacheShards}
	for i := range c.shards {
		sh := &c.shards[i]
		st.Hits += sh.hits.Load()
		st.Misses += sh.misses.Load()
		sh.mu.RLock()
		st.Entries += len(sh.m)
		sh.mu.RUnlock()
	}
	return st
}
