package softdelete

import (
	"context"
	"sort"
	"strings"
)

// filter is what a statement may see of one soft-delete table.
type filter uint8

const (
	filterLive    filter = iota // only rows not deleted: col IS NULL (the default)
	filterAll                   // every row: no predicate
	filterDeleted               // only deleted rows: col IS NOT NULL
)

// tableFilter is a filter asked for one table by name.
type tableFilter struct {
	name string // lower case
	f    filter
}

// mode is the per-call configuration carried by a context. It is immutable
// once built: every With* call copies it. key identifies it in caches.
type mode struct {
	force       bool          // DELETE is a real DELETE
	includeAll  bool          // every soft-delete table shows deleted rows too
	onlyPrimary bool          // the statement's primary table shows only deleted rows
	restore     string        // the table whose rows Restore un-deletes (lower case); "" but in Restore
	tables      []tableFilter // per-table filters, sorted by name, unique
	key         string

	// noCascade: a soft DELETE stamps its own targets only (WithoutCascade).
	// The rewrite does not depend on it, so it is not part of key.
	noCascade bool
	// stamp, set only on the modes cascade.go builds for one statement and
	// never cached, replaces the stamp expression (see stampOverride).
	stamp *stampOverride
}

// modeKey is the context key under which a *mode is stored.
type modeKey struct{}

// defaultMode is the mode of a context that carries none.
var defaultMode = &mode{}

// modeFrom returns the mode that ctx carries. It does not allocate.
func modeFrom(ctx context.Context) *mode {
	if ctx == nil {
		return defaultMode
	}
	if m, ok := ctx.Value(modeKey{}).(*mode); ok {
		return m
	}
	return defaultMode
}

// raw reports whether statements go to the inner driver exactly as written:
// the caller asked for both WithForce and WithIncludeDeleted (for all tables).
func (m *mode) raw() bool {
	if !m.force || !m.includeAll || m.onlyPrimary || m.restore != "" {
		return false
	}
	for _, t := range m.tables {
		if t.f != filterAll {
			return false
		}
	}
	return true
}

// anyDeletedOnly reports whether a table is asked to show only deleted rows.
func (m *mode) anyDeletedOnly() bool {
	for _, t := range m.tables {
		if t.f == filterDeleted {
			return true
		}
	}
	return false
}

// filterOf returns the filter asked for the table by name, if any.
func (m *mode) filterOf(name string) (filter, bool) {
	for _, t := range m.tables {
		if t.name == name {
			return t.f, true
		}
	}
	return 0, false
}

func (m *mode) with(change func(*mode)) *mode {
	c := *m
	c.tables = append([]tableFilter(nil), m.tables...)
	change(&c)
	sort.Slice(c.tables, func(i, j int) bool { return c.tables[i].name < c.tables[j].name })
	var b strings.Builder
	for _, flag := range []struct {
		on bool
		c  byte
	}{{c.force, 'F'}, {c.includeAll, 'I'}, {c.onlyPrimary, 'O'}} {
		if flag.on {
			b.WriteByte(flag.c)
		}
	}
	if c.restore != "" {
		b.WriteString("R=")
		b.WriteString(c.restore)
	}
	for _, t := range c.tables {
		b.WriteByte('|')
		b.WriteString(t.name)
		b.WriteByte('=')
		b.WriteByte("ad"[t.f-filterAll])
	}
	c.key = b.String()
	return &c
}

func (m *mode) setTables(f filter, names []string) {
	for _, n := range names {
		n = strings.ToLower(n)
		found := false
		for i := range m.tables {
			if m.tables[i].name == n {
				m.tables[i].f = f
				found = true
			}
		}
		if !found {
			m.tables = append(m.tables, tableFilter{name: n, f: f})
		}
	}
}

func withMode(ctx context.Context, change func(*mode)) context.Context {
	return context.WithValue(ctx, modeKey{}, modeFrom(ctx).with(change))
}

// WithIncludeDeleted returns a context in which reads and UPDATEs see
// soft-deleted rows too: of the named tables, or of every soft-delete table
// when none is named (Sequelize's paranoid: false). A soft DELETE still
// stamps only rows not yet deleted. Naming a table that is not a soft-delete
// table makes the statement fail with an error.
//
// Together with WithForce, and no table named, statements go to the inner
// driver exactly as written.
func WithIncludeDeleted(ctx context.Context, tables ...string) context.Context {
	return withMode(ctx, func(m *mode) {
		if len(tables) == 0 {
			m.includeAll = true
			m.onlyPrimary = false
			m.tables = nil
			return
		}
		m.setTables(filterAll, tables)
	})
}

// WithOnlyDeleted returns a context in which the named tables show only
// soft-deleted rows: the trash view. With no table named it applies to the
// statement's primary table (the first table of the outermost FROM, or the
// target of an UPDATE or DELETE), which must then be a soft-delete table.
// Other soft-delete tables keep their filter, so deleted posts are listed
// with their live authors.
//
// A DELETE under WithOnlyDeleted must also carry WithForce: stamping rows
// that are already deleted would be a no-op, so it is refused instead.
func WithOnlyDeleted(ctx context.Context, tables ...string) context.Context {
	return withMode(ctx, func(m *mode) {
		if len(tables) == 0 {
			m.onlyPrimary = true
			return
		}
		m.setTables(filterDeleted, tables)
	})
}

// WithForce returns a context in which a DELETE on a soft-delete table is a
// real, hard DELETE (Sequelize's force: true), and REPLACE of soft-delete
// tables is allowed. The rows it deletes are the rows the statement sees
// under the other modes: by default only live rows, with WithOnlyDeleted
// only deleted ones (emptying the trash), with WithIncludeDeleted all of
// them. TRUNCATE, DROP TABLE and renaming a soft-delete table away destroy
// or move its deleted rows too, so they need WithIncludeDeleted (for that
// table) as well.
func WithForce(ctx context.Context) context.Context {
	return withMode(ctx, func(m *mode) { m.force = true })
}

// withRestore returns the context Restore runs its UPDATE under: the table
// shows only deleted rows, and force is off so nothing passes through raw.
func withRestore(ctx context.Context, table string) context.Context {
	return withMode(ctx, func(m *mode) {
		m.restore = strings.ToLower(table)
		m.force = false
		m.setTables(filterDeleted, []string{table})
	})
}
