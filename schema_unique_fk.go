package softdelete

import "strings"

// This file is the unique-key warning of a unique key that a foreign key
// references. Such a key cannot be limited to live rows: a foreign key
// needs a unique index over every row (PostgreSQL refuses to drop the
// constraint while the key depends on it, SQLite reports a foreign key
// mismatch against a partial index, and rows sharing the key would leave
// the children's parent ambiguous). The usual fixes (schema_warn.go,
// schema_kinds.go) would fail or break the key, so the warning names the
// foreign key and what to change first.

// referencedUniqueWarning warns of unique index ix of t when a foreign key
// references exactly its columns; ok is false when none does.
func referencedUniqueWarning(t *tableSchema, ix indexSchema, marker string) (SchemaProblem, bool) {
	fk := referencingKey(t, ix)
	if fk == nil {
		return SchemaProblem{}, false
	}
	return SchemaProblem{Table: t.name, Column: marker,
		Problem: "unique index " + ix.name + " (" + ix.keyList() + ") keeps the keys of deleted rows, so inserting one again collides; it cannot be limited to live rows, because foreign key " +
			fk.name + " (" + fk.table + "(" + strings.Join(fk.columns, ", ") + ") -> " + t.name + "(" + strings.Join(fk.refColumns, ", ") +
			")) references it and needs it unique over every row",
		Fix: "make " + fk.table + " reference " + t.name + "'s primary key instead of (" + strings.Join(fk.refColumns, ", ") +
			"), then limit " + ix.name + " to live rows (a check after that change gives the DDL); or keep it, if a deleted row's key may stay taken"}, true
}

// referencingKey returns a foreign key to t whose referenced columns are
// exactly the columns of index ix (in any order), or nil.
func referencingKey(t *tableSchema, ix indexSchema) *foreignKey {
	for i := range t.referencedBy {
		fk := &t.referencedBy[i]
		if len(fk.refColumns) != len(ix.columns) || len(ix.columns) == 0 {
			continue
		}
		all := true
		for _, rc := range fk.refColumns {
			found := false
			for _, c := range ix.columns {
				found = found || strings.EqualFold(rc, c)
			}
			all = all && found
		}
		if all {
			return fk
		}
	}
	return nil
}
