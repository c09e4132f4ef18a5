package engine

import "sync"

// The engines registered by the packages that bring them (the PostgreSQL
// engine registers itself when its package is imported), by dialect.
var (
	registryMu sync.RWMutex
	registry   = map[string]New{}
)

// Register makes the engine of a dialect available to softdelete. A
// package that brings an engine calls it from its init function.
// Registering a dialect twice replaces the engine.
func Register(dialect string, n New) {
	registryMu.Lock()
	defer registryMu.Unlock()
	registry[dialect] = n
}

// Lookup returns the engine registered for a dialect, or nil when no
// imported package registered one.
func Lookup(dialect string) New {
	registryMu.RLock()
	defer registryMu.RUnlock()
	return registry[dialect]
}
