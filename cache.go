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
type cache struct {
	seed   maphash.Seed
	perCap int
	shards [cacheShards]cacheShard
}

type cacheKey struct{ mode, query string }

type cacheEntry struct {
	out string
	err error
}

type cacheShard struct {
	mu           sync.RWMutex
	m            map[cacheKey]cacheEntry
	hits, misses atomic.Uint64
	_            [40]byte // keep shards on separate cache lines
}

func newCache(size int) *cache {
	if size <= 0 {
		return nil
	}
	c := &cache{seed: maphash.MakeSeed(), perCap: (size + cacheShards - 1) / cacheShards}
	for i := range c.shards {
		c.shards[i].m = make(map[cacheKey]cacheEntry)
	}
	return c
}

func (c *cache) shard(q string) *cacheShard {
	return &c.shards[maphash.String(c.seed, q)%cacheShards]
}

func (c *cache) get(mode, q string) (string, error, bool) {
	sh := c.shard(q)
	sh.mu.RLock()
	e, ok := sh.m[cacheKey{mode, q}]
	sh.mu.RUnlock()
	if ok {
		sh.hits.Add(1)
	} else {
		sh.misses.Add(1)
	}
	return e.out, e.err, ok
}

func (c *cache) put(mode, q, out string, err error) {
	if len(q) > maxCachedLen {
		return
	}
	sh := c.shard(q)
	sh.mu.Lock()
	if len(sh.m) >= c.perCap {
		for k := range sh.m {
			delete(sh.m, k)
			break
		}
	}
	sh.m[cacheKey{mode, q}] = cacheEntry{out, err}
	sh.mu.Unlock()
}

// CacheStats counts the work of a connector's rewrite cache. Statements
// that name no soft-delete table never reach the cache and are not counted.
type CacheStats struct {
	Hits     uint64 // rewrites answered from the cache
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
