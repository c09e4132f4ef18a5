package softdelete

import (
	"fmt"
	"strings"
)

// This file is the schema check's warning of a foreign key that joins a
// listed table to one of another marker kind (unix, unixmilli, flag): a
// cascade stamps every row it reaches with the statement's one time stamp
// and finds the rows of the next level by it, which only a time marker
// holds, so a soft DELETE that follows such a key is refused
// (cascadeGraph.checkPrecision). The warning says so at startup rather
// than at the first DELETE.

// kindRelationWarnings warns of the foreign keys from listed tables to t
// (listed as st) where t or the child has a marker of another kind than
// time.
func (g *schemaGate) kindRelationWarnings(t *tableSchema, st *softTable) []SchemaProblem {
	var out []SchemaProblem
	for _, fk := range t.referencedBy {
		child := g.listedTable(strings.ToLower(fk.table))
		if child == nil || !st.kind.numeric() && !child.kind.numeric() {
			continue
		}
		out = append(out, SchemaProblem{Table: t.name,
			Problem: fmt.Sprintf("foreign key %s (%s(%s) -> %s, ON DELETE %s) joins %s (a %s marker) to %s (a %s marker): a soft DELETE of %s rows that follows it is refused, as a cascade stamps the rows it reaches with one time stamp, which only time markers hold",
				fk.name, fk.table, strings.Join(fk.columns, ", "), t.name, strings.ToUpper(fk.onDelete), t.name, st.kind, fk.table, child.kind, t.name),
			Fix: "declare both tables with time markers, or delete " + t.name + " rows with softdelete.WithoutCascade(ctx) and handle the " + fk.table + " rows yourself (foreign_keys=ignore follows no key)"})
	}
	return out
}

// listedTable returns the listed table of a lower-case name, or nil.
func (g *schemaGate) listedTable(lower string) *softTable {
	for _, t := range g.tables {
		if t.name == lower {
			return t
		}
	}
	return nil
}
