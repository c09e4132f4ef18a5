package softdelete

import "strings"

// This file is the schema check of the numeric marker kinds (unix,
// unixmilli, flag) and of a flag's companion column.

// checkNumericMarker checks the marker of a unix, unixmilli or flag table:
// a number (integer or boolean), 0 or NULL by default, not changed on
// UPDATE. A nullable one is a warning (numericNullableWarning).
func (g *schemaGate) checkNumericMarker(t *tableSchema, st *softTable, col *columnSchema) (SchemaProblem, bool) {
	p := SchemaProblem{Table: t.name, Column: col.name}
	switch {
	case g.d == dialectPostgres && !contains(postgresKindTypes[st.kind], col.typ):
		p.Problem = "the marker is " + col.typ + ", but its kind is " + string(st.kind) + ", which on PostgreSQL takes " + strings.Join(postgresKindTypes[st.kind], ", ") +
			" (a soft DELETE stamps " + kindStampSQL[g.d][st.kind] + ")"
		p.Fix = "make it " + g.numericMarkerDDL(st.kind) + ": " + postgresRetype(t.name, col, st.kind) +
			"; or declare the kind the column holds (tables=" + st.name + ":" + col.name + " for a nullable timestamp)"
	case classifyMarkerType(g.d, col.typ) != markerNumber:
		p.Problem = "the marker is " + col.typ + ", but its kind is " + string(st.kind) + ", which stamps a number (" + kindStampSQL[g.d][st.kind] + ")"
		p.Fix = "make it " + g.numericMarkerDDL(st.kind) + ", or declare the kind the column holds (tables=" + st.name + ":" + col.name + " for a nullable timestamp)"
	case col.hasDefault && !zeroDefault(col.def):
		p.Problem = "the marker has DEFAULT " + col.def + ": every row inserted without it is born deleted (live is 0)"
		p.Fix = g.numericDefaultFix(t, col)
	case strings.Contains(strings.ToLower(col.extra), "on update"):
		p.Problem = "the marker has " + col.extra + ": every UPDATE of a live row would delete it"
		p.Fix = g.numericDefaultFix(t, col)
	default:
		return p, true
	}
	return p, false
}

// zeroDefault reports whether a reported default is 0 (MariaDB and SQLite
// quote some literals) or NULL, the live values.
func zeroDefault(def string) bool {
	d := strings.ToLower(strings.Trim(def, "'\""))
	return d == "0" || d == "null" || d == "false" || d == "b'0'"
}

// numericMarkerDDL is the column definition of a marker of a numeric kind.
func (g *schemaGate) numericMarkerDDL(k MarkerKind) string {
	typ := "BIGINT"
	if k == KindFlag {
		typ = "TINYINT"
	}
	switch g.d {
	case dialectSQLite:
		typ = "INTEGER"
	case dialectPostgres:
		if k == KindFlag {
			return "boolean NOT NULL DEFAULT false"
		}
		return "bigint NOT NULL DEFAULT 0"
	}
	return typ + " NOT NULL DEFAULT 0"
}

// postgresKindTypes are the PostgreSQL types (information_schema's
// data_type) a marker of each numeric kind may have: an epoch in seconds
// fits an integer until 2038, one in milliseconds only a bigint; a flag
// is a boolean or an integer ('0' and '1' read as either).
var postgresKindTypes = map[MarkerKind][]string{
	KindUnix:      {"bigint", "integer"},
	KindUnixMilli: {"bigint"},
	KindFlag:      {"boolean", "smallint", "integer", "bigint"},
}

// postgresRetype is the ALTER TABLE that gives a PostgreSQL marker the
// type of kind k, converting its values (NULL to the live value): a
// timestamp to the epoch, or to true where it is set; another type by a
// cast.
func postgresRetype(table string, col *columnSchema, k MarkerKind) string {
	typ, zero, conv := "bigint", "0", col.name+"::bigint"
	isTime := strings.HasPrefix(col.typ, "timestamp")
	switch {
	case k == KindFlag && isTime:
		typ, zero, conv = "boolean", "false", col.name+" IS NOT NULL"
	case k == KindFlag:
		typ, zero, conv = "boolean", "false", col.name+"::boolean"
	case isTime && k == KindUnixMilli:
		conv = "floor(extract(epoch from " + col.name + ") * 1000)::bigint"
	case isTime:
		conv = "floor(extract(epoch from " + col.name + "))::bigint"
	}
	c := "ALTER COLUMN " + col.name
	return "ALTER TABLE " + table + " " + c + " DROP DEFAULT, " + c + " TYPE " + typ + " USING coalesce(" + conv + ", " + zero + "), " +
		c + " SET DEFAULT " + zero + ", " + c + " SET NOT NULL"
}

// postgresEpochWarning warns of a PostgreSQL unix marker that is an
// integer: it accepts the epoch until 2038-01-19, after which every soft
// DELETE fails.
func (g *schemaGate) postgresEpochWarning(t *tableSchema, st *softTable) (SchemaProblem, bool) {
	col := t.column(st.column)
	if g.d != dialectPostgres || st.kind != KindUnix || col == nil || col.typ != "integer" {
		return SchemaProblem{}, false
	}
	return SchemaProblem{Table: t.name, Column: col.name,
		Problem: "the unix marker is an integer, which holds the epoch until 2038-01-19 03:14:07 UTC: after that every soft DELETE fails",
		Fix:     "ALTER TABLE " + t.name + " ALTER COLUMN " + col.name + " TYPE bigint"}, true
}

// numericDefaultFix gives a numeric marker the default 0.
func (g *schemaGate) numericDefaultFix(t *tableSchema, col *columnSchema) string {
	switch g.d {
	case dialectMySQL:
		return "ALTER TABLE " + t.name + " MODIFY " + col.name + " " + col.typ + " NOT NULL DEFAULT 0"
	case dialectPostgres:
		zero := "0"
		if col.typ == "boolean" {
			zero = "false"
		}
		return "ALTER TABLE " + t.name + " ALTER COLUMN " + col.name + " SET DEFAULT " + zero
	}
	return "SQLite cannot change a column in place: rebuild the table with " + col.name + " INTEGER NOT NULL DEFAULT 0"
}

// numericNullableWarning warns of a nullable marker of a numeric kind: NULL
// counts as live, which works, but the live filter must then test
// IS NULL too, and a unique key over it cannot stop duplicates.
func (g *schemaGate) numericNullableWarning(t *tableSchema, st *softTable) (SchemaProblem, bool) {
	col := t.column(st.column)
	if !st.kind.numeric() || col == nil || !col.nullable {
		return SchemaProblem{}, false
	}
	fix := "UPDATE " + t.name + " SET " + col.name + " = 0 WHERE " + col.name + " IS NULL, then make it NOT NULL DEFAULT 0"
	if g.d == dialectPostgres {
		fix = "UPDATE " + t.name + " SET " + col.name + " = " + st.zeroSQL(g.d) + " WHERE " + col.name + " IS NULL; ALTER TABLE " + t.name +
			" ALTER COLUMN " + col.name + " SET NOT NULL"
	}
	return SchemaProblem{Table: t.name, Column: col.name,
		Problem: "the " + string(st.kind) + " marker is nullable: NULL counts as live, but a unique key over it cannot stop live duplicates",
		Fix:     fix}, true
}

// checkCompanion checks a flag table's companion column: a nullable
// timestamp, like a time marker.
func (g *schemaGate) checkCompanion(t *tableSchema, st *softTable) (SchemaProblem, bool) {
	if st.companion == "" {
		return SchemaProblem{}, true
	}
	if t.column(st.companion) == nil {
		return SchemaProblem{Table: t.name, Column: st.companion,
			Problem: "the companion column " + st.companion + " does not exist (the table has " + columnList(t.columns, false) + ")",
			Fix:     "add it: ALTER TABLE " + t.name + " ADD COLUMN " + st.companion + " " + g.markerDDL() + ", or drop :" + st.companion + " from tables="}, false
	}
	p, ok := g.checkMarker(t, &softTable{name: st.name, column: st.companion, kind: KindTime})
	if !ok {
		p.Problem = "as the companion of flag " + st.column + ": " + p.Problem
	}
	return p, ok
}

// numericUniqueWarning judges a unique index that includes a NOT NULL
// marker of a numeric kind (handled is false for the other cases, which
// uniqueIndexWarnings judges): with unix or unixmilli it is right (live
// rows share 0 and collide; each delete gets its own stamp), with a flag
// a second delete of the same key collides with the first (both are 1).
func (g *schemaGate) numericUniqueWarning(t *tableSchema, st *softTable, marker *columnSchema, ix indexSchema) ([]SchemaProblem, bool) {
	if !st.kind.numeric() || marker.nullable {
		return nil, false
	}
	var cols []string
	hasMarker := false
	for _, c := range ix.columns {
		if strings.EqualFold(c, marker.name) {
			hasMarker = true
		} else {
			cols = append(cols, c)
		}
	}
	list := strings.Join(cols, ", ")
	switch {
	case !hasMarker && st.kind != KindFlag:
		return []SchemaProblem{{Table: t.name, Column: marker.name,
			Problem: "unique index " + ix.name + " (" + strings.Join(ix.columns, ", ") + ") does not include " + marker.name + ": a deleted row keeps its key, so inserting it again collides",
			Fix:     g.replaceIndex(t, ix, list+", "+marker.name) + " (live rows share " + marker.name + " = 0 and still collide)"}}, true
	case !hasMarker:
		return nil, false
	case st.kind == KindFlag:
		return []SchemaProblem{{Table: t.name, Column: marker.name,
			Problem: "unique index " + ix.name + " (" + strings.Join(ix.columns, ", ") + ") includes flag " + marker.name + ": two deleted rows with the same key collide (both are 1), so the second DELETE fails",
			Fix:     g.uniqueFix(t, ix, cols, st)}}, true
	}
	return nil, true // unix, unixmilli: right
}

// replaceIndex is the DDL that replaces a unique index by one on cols.
func (g *schemaGate) replaceIndex(t *tableSchema, ix indexSchema, cols string) string {
	if g.d == dialectSQLite {
		return "DROP INDEX " + ix.name + "; CREATE UNIQUE INDEX " + ix.name + " ON " + t.name + "(" + cols + ")"
	}
	if g.d == dialectPostgres {
		return postgresReplaceIndex(t, ix, cols)
	}
	return "ALTER TABLE " + t.name + " DROP INDEX " + ix.name + ", ADD UNIQUE INDEX " + ix.name + " (" + cols + ")"
}
