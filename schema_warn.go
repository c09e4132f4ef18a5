package softdelete

import (
	"strings"
)

// uniqueIndexWarnings warns of the unique indexes of a listed table that
// deleted rows break: one without the marker (a deleted row keeps its key,
// so inserting it again collides) and one with a nullable marker (live
// rows' NULLs never collide, so it no longer stops duplicates). An index
// limited to live rows (SQLite's partial WHERE deleted_at IS NULL, MySQL's
// generated column over the marker) is right.
func (g *schemaGate) uniqueIndexWarnings(t *tableSchema, st *softTable) []SchemaProblem {
	marker := t.column(st.column)
	if marker == nil || !marker.nullable && !st.kind.numeric() {
		return nil // an error already
	}
	var out []SchemaProblem
	for _, ix := range t.indexes {
		if !ix.unique || ix.primary || g.liveOnly(t, ix, marker.name) {
			continue
		}
		if w, referenced := referencedUniqueWarning(t, ix, marker.name); referenced {
			out = append(out, w)
			continue
		}
		if w, handled := g.numericUniqueWarning(t, st, marker, ix); handled {
			out = append(out, w...)
			continue
		}
		var cols []string
		hasMarker := false
		for i, c := range ix.columns {
			if strings.EqualFold(c, marker.name) {
				hasMarker = true
			} else {
				cols = append(cols, ix.key(i))
			}
		}
		if len(cols) == 0 {
			out = append(out, SchemaProblem{Table: t.name, Column: marker.name, Fix: g.dropIndexFix(t, ix),
				Problem: "unique index " + ix.name + " (" + ix.keyList() + ") is on the deleted column alone: it keeps no key unique, and rows deleted with the same stamp collide"})
			continue
		}
		p := SchemaProblem{Table: t.name, Column: marker.name, Fix: g.uniqueFix(t, ix, cols, st)}
		if hasMarker {
			p.Problem = "unique index " + ix.name + " (" + ix.keyList() + ") does not stop duplicates among live rows: their " +
				marker.name + " is NULL, and NULLs never collide"
		} else {
			p.Problem = "unique index " + ix.name + " (" + ix.keyList() + ") does not include " + marker.name +
				": a deleted row keeps its key, so inserting it again collides"
		}
		out = append(out, p)
	}
	return out
}

// liveOnly reports whether a unique index already applies to live rows
// only: a partial index whose condition names the marker (on PostgreSQL,
// requires a live marker: postgresLiveOnly), or an index on a generated
// column computed from it.
func (g *schemaGate) liveOnly(t *tableSchema, ix indexSchema, marker string) bool {
	if g.d == dialectPostgres {
		if postgresLiveOnly(ix, marker) {
			return true
		}
	} else if ix.where != "" && strings.Contains(strings.ToLower(ix.where), strings.ToLower(marker)) {
		return true
	}
	for _, name := range ix.columns {
		if c := t.column(name); c != nil && strings.Contains(strings.ToLower(c.generated), strings.ToLower(marker)) {
			return true
		}
	}
	return false
}

// uniqueFix is the DDL that makes a unique index apply to live rows only.
func (g *schemaGate) uniqueFix(t *tableSchema, ix indexSchema, cols []string, st *softTable) string {
	list := strings.Join(cols, ", ")
	marker, live := st.column, st.column+" IS NULL"
	if st.kind.numeric() {
		live = "coalesce(" + marker + ", 0) = 0"
	}
	if g.d == dialectPostgres {
		if c := t.column(marker); st.kind.numeric() && c != nil && c.typ == "boolean" {
			live = marker + " IS NOT TRUE" // coalesce(flag, 0) fails on a boolean; NULL and false are live
		}
		return postgresUniqueFix(t, ix, cols, strings.Replace(live, marker, postgresName(marker), 1))
	}
	if g.d == dialectSQLite {
		create := "CREATE UNIQUE INDEX " + ix.name + " ON " + t.name + "(" + list + ") WHERE " + live
		if ix.auto {
			return "the index comes from a UNIQUE constraint of CREATE TABLE: rebuild the table without it, then " +
				"CREATE UNIQUE INDEX " + t.name + "_live_" + strings.Join(cols, "_") + " ON " + t.name + "(" + list + ") WHERE " + live
		}
		return "DROP INDEX " + ix.name + "; " + create
	}
	alive := "alive"
	for t.column(alive) != nil {
		alive = "sd_" + alive
	}
	return "ALTER TABLE " + t.name + " ADD COLUMN " + alive + " TINYINT AS (IF(" + live + ", 1, NULL)) VIRTUAL, DROP INDEX " +
		ix.name + ", ADD UNIQUE INDEX " + ix.name + " (" + list + ", " + alive + ")"
}

// dropIndexFix is the DDL that drops a unique index (on PostgreSQL, the
// constraint it implements).
func (g *schemaGate) dropIndexFix(t *tableSchema, ix indexSchema) string {
	switch {
	case g.d == dialectPostgres && ix.constraint != "":
		return "ALTER TABLE " + postgresName(t.name) + " DROP CONSTRAINT " + postgresName(ix.constraint)
	case g.d == dialectPostgres:
		return "DROP INDEX " + postgresName(ix.name)
	case g.d == dialectSQLite && ix.auto:
		return "the index comes from a UNIQUE constraint of CREATE TABLE: rebuild the table without it"
	case g.d == dialectSQLite:
		return "DROP INDEX " + ix.name
	}
	return "ALTER TABLE " + t.name + " DROP INDEX " + ix.name
}

// foreignKeyWarnings warns of the foreign keys between a listed table and
// a table that has a marker-like column but is not listed: joins along
// them see that table's deleted rows.
func (g *schemaGate) foreignKeyWarnings(m *schemaModel, t *tableSchema) []SchemaProblem {
	var out []SchemaProblem
	seen := map[string]bool{}
	warn := func(fk foreignKey, other string) {
		lower := strings.ToLower(other)
		cols := m.markerLike[lower]
		if len(cols) == 0 || m.tables[lower] != nil || seen[lower] || g.listed(lower) {
			return
		}
		seen[lower] = true
		out = append(out, SchemaProblem{Table: t.name,
			Problem: "foreign key " + fk.name + " (" + fk.table + "(" + strings.Join(fk.columns, ", ") + ") -> " + fk.refTable +
				") joins it to " + other + ", which has " + strings.Join(cols, ", ") + " but is not listed: reads through it see " + other + "'s deleted rows",
			Fix: "list it: add " + lower + " (or " + lower + ":" + cols[0] + ") to tables=, or ignore this if " + other + " is not soft-deleted"})
	}
	for _, fk := range t.foreignKeys {
		warn(fk, fk.refTable)
	}
	for _, fk := range t.referencedBy {
		warn(fk, fk.table)
	}
	return out
}

// key returns the i-th key of an index as its definition reads it: the
// column's name, or on PostgreSQL the name quoted where it needs it or the
// expression.
func (ix *indexSchema) key(i int) string {
	if i < len(ix.keys) {
		return ix.keys[i]
	}
	return ix.columns[i]
}

// keyList returns the keys of an index, separated by commas.
func (ix *indexSchema) keyList() string {
	if len(ix.keys) > 0 {
		return strings.Join(ix.keys, ", ")
	}
	return strings.Join(ix.columns, ", ")
}

// listed reports whether a lower-case name is a listed table.
func (g *schemaGate) listed(lower string) bool {
	for _, t := range g.tables {
		if t.name == lower {
			return true
		}
	}
	return false
}
