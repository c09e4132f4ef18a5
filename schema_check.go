package softdelete

import (
	"strings"
)

// evaluate checks a schema model against the listed tables.
func (g *schemaGate) evaluate(m *schemaModel) *SchemaReport {
	r := &SchemaReport{Dialect: g.d.String()}
	if g.d == dialectMySQL && m.database == "" {
		r.Errors = append(r.Errors, SchemaProblem{Table: strings.Join(tableNames(g.tables), ","),
			Problem: "the connection has no current database (DATABASE() is NULL), so no listed table can be found",
			Fix:     "name the database in the inner DSN (user@tcp(host:3306)/app)"})
		return r
	}
	for _, st := range g.tables {
		t := m.tables[st.name]
		if t == nil {
			r.Errors = append(r.Errors, g.missingTable(m, st))
			continue
		}
		if p, ok := g.checkMarker(t, st); !ok {
			r.Errors = append(r.Errors, p)
		} else if w, warn := g.numericNullableWarning(t, st); warn {
			r.Warnings = append(r.Warnings, w)
		}
		if w, warn := g.postgresEpochWarning(t, st); warn {
			r.Warnings = append(r.Warnings, w)
		}
		if p, ok := g.checkCompanion(t, st); !ok {
			r.Errors = append(r.Errors, p)
		}
		if t.replaceOnConflict {
			r.Errors = append(r.Errors, replaceConflictProblem(t))
		}
		r.Warnings = append(r.Warnings, g.uniqueIndexWarnings(t, st)...)
		r.Warnings = append(r.Warnings, g.foreignKeyWarnings(m, t)...)
		r.Warnings = append(r.Warnings, g.unlistedChildWarnings(t)...)
		r.Warnings = append(r.Warnings, g.kindRelationWarnings(t, st)...)
	}
	if p, ok := g.checkActorColumn(m); !ok {
		r.Errors = append(r.Errors, p)
	}
	return r
}

func tableNames(tables []*softTable) []string {
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = t.name
	}
	return names
}

// missingTable is the problem of a listed table the database does not
// have, with the nearest existing name as the fix.
func (g *schemaGate) missingTable(m *schemaModel, st *softTable) SchemaProblem {
	p := SchemaProblem{Table: st.name, Problem: "the table does not exist"}
	if m.database != "" {
		p.Problem += " in database " + m.database
	}
	p.Problem += ", so its statements would go through unfiltered (a DELETE would really delete)"
	switch near := nearestName(st.name, m.all); {
	case near != "":
		p.Problem += "; did you mean " + near + "?"
		p.Fix = "replace " + st.name + " with " + near + " in tables= (Config.Tables)"
	case len(m.all) == 0:
		p.Problem += " (the database has no tables at all"
		if g.d == dialectSQLite {
			p.Problem += "; an in-memory SQLite database is a new, empty one on each connection"
		}
		p.Problem += ")"
		p.Fix = "create the tables first (DDL runs before the check), or set check=off while migrating"
	default:
		p.Fix = "create it (DDL runs before the check), or remove it from tables="
	}
	if g.d == dialectMySQL {
		p.Fix += "; for tables of another database, named db." + st.name + ", set check=off (the check reads the current database)"
	}
	return p
}

// nearestName returns the name of all nearest to name, case-insensitively,
// in edit distance, if it is near enough to be a typo; else "".
func nearestName(name string, all []string) string {
	best, bestDist := "", 1+len(name)/4
	if bestDist > 3 {
		bestDist = 3
	}
	bestDist++ // accept distances up to the limit
	lower := strings.ToLower(name)
	for _, candidate := range all {
		if d := editDistance(lower, strings.ToLower(candidate)); d < bestDist {
			best, bestDist = candidate, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of two strings, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// markerWords are the parts of a column name that make it look like a
// deleted marker (deleted_at, is_deleted, removed_at, trashed, archived_at).
var markerWords = []string{"delet", "remov", "trash", "archiv"}

// markerLike reports whether a column's name looks like a deleted marker.
func markerLike(name string) bool {
	lower := strings.ToLower(name)
	for _, w := range markerWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// markerType is what a column's declared type can hold, for a marker.
type markerType uint8

const (
	markerTime   markerType = iota // a timestamp (DATETIME, TIMESTAMP, text)
	markerNumber                   // a number only: a flag or epoch marker
	markerOther                    // neither
)

// classifyMarkerType tells what a declared type can hold.
func classifyMarkerType(d *dialect, typ string) markerType {
	switch d {
	case dialectSQLite:
		return classifySQLiteType(strings.ToUpper(typ))
	case dialectPostgres:
		return classifyPostgresType(typ)
	}
	word := strings.ToLower(typ)
	if i := strings.IndexAny(word, "( "); i >= 0 {
		word = word[:i]
	}
	switch word {
	case "datetime", "timestamp", "date", "char", "varchar", "tinytext", "text", "mediumtext", "longtext":
		return markerTime
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "bool", "boolean", "bit",
		"decimal", "dec", "numeric", "fixed", "float", "double", "real":
		return markerNumber
	}
	return markerOther
}

// classifyPostgresType tells what a PostgreSQL type (information_schema's
// data_type) can hold, for a marker: a time marker must be a timestamp,
// with or without time zone (a text or date column would compare and
// order its stamps otherwise than the other dialects).
func classifyPostgresType(typ string) markerType {
	switch typ {
	case "timestamp with time zone", "timestamp without time zone":
		return markerTime
	case "smallint", "integer", "bigint", "boolean", "numeric", "real", "double precision":
		return markerNumber
	}
	return markerOther
}

// classifySQLiteType follows SQLite's type affinity rules: a text stamp
// stays text in TEXT, BLOB and DATETIME-like columns; INTEGER, REAL and
// plain NUMERIC columns are meant for numbers.
func classifySQLiteType(u string) markerType {
	switch {
	case strings.Contains(u, "INT"), strings.Contains(u, "BOOL"):
		return markerNumber
	case strings.Contains(u, "CHAR"), strings.Contains(u, "CLOB"), strings.Contains(u, "TEXT"),
		u == "", strings.Contains(u, "BLOB"), strings.Contains(u, "DATE"), strings.Contains(u, "TIME"):
		return markerTime
	}
	return markerNumber
}

// checkMarker checks a listed table's marker column: it must exist, hold
// a timestamp, be nullable, default to NULL and not change on UPDATE.
func (g *schemaGate) checkMarker(t *tableSchema, st *softTable) (SchemaProblem, bool) {
	col := t.column(st.column)
	if col == nil {
		return g.missingMarker(t, st), false
	}
	if st.kind.numeric() {
		return g.checkNumericMarker(t, st, col)
	}
	p := SchemaProblem{Table: t.name, Column: col.name}
	switch kind := classifyMarkerType(g.d, col.typ); {
	case kind == markerNumber:
		p.Problem = "the marker is " + col.typ + ", a number, but its kind is time, a nullable timestamp (NULL = live, a time = deleted at): " +
			"softdelete would hide every row (0 is not NULL) or none"
		p.Fix = "declare its kind: tables=" + st.name + ":" + col.name + ":flag (0 live, 1 deleted), or :unix / :unixmilli (0 live, the epoch seconds / milliseconds of the delete); or " +
			g.newMarkerFix(t, col)
	case kind == markerOther && g.d == dialectPostgres:
		p.Problem = "the marker is " + col.typ + ", but a time marker on PostgreSQL is a timestamp (timestamp or timestamptz)"
		p.Fix = "make it one: ALTER TABLE " + t.name + " ALTER COLUMN " + col.name + " TYPE timestamptz USING " + col.name + "::timestamptz; or " + g.newMarkerFix(t, col)
	case kind == markerOther:
		p.Problem = "the marker is " + col.typ + ", which cannot hold the timestamp a soft DELETE stamps"
		p.Fix = g.newMarkerFix(t, col)
	case !col.nullable:
		p.Problem = "the marker is NOT NULL" + defaultText(col) + ": the marker reads NULL as live, so every row counts as deleted and reads find none"
		p.Fix = g.nullableFix(t, col)
	case col.hasDefault:
		p.Problem = "the marker has DEFAULT " + col.def + ": every row inserted without it is born deleted"
		p.Fix = g.nullableFix(t, col)
	case strings.Contains(strings.ToLower(col.extra), "on update"):
		p.Problem = "the marker has " + col.extra + ": every UPDATE of a live row would delete it"
		p.Fix = g.nullableFix(t, col)
	default:
		return p, true
	}
	return p, false
}

func defaultText(col *columnSchema) string {
	if col.hasDefault {
		return " DEFAULT " + col.def
	}
	return ""
}

// missingMarker is the problem of a listed table without its marker
// column, with the table's marker-like columns as candidates.
func (g *schemaGate) missingMarker(t *tableSchema, st *softTable) SchemaProblem {
	p := SchemaProblem{Table: t.name, Column: st.column,
		Problem: "the marker column " + st.column + " does not exist (the table has " + columnList(t.columns, false) + ")"}
	var fixes []string
	for _, name := range markerColumns(t.columns) {
		if _, ok := g.checkMarker(t, &softTable{name: st.name, column: name}); ok {
			fixes = append(fixes, "use "+name+": tables="+st.name+":"+name)
		} else if _, ok := g.checkMarker(t, &softTable{name: st.name, column: name, kind: KindFlag}); ok {
			fixes = append(fixes, "use "+name+" as a flag (or an epoch, :unix): tables="+st.name+":"+name+":flag")
		}
	}
	if like := columnList(t.columns, true); like != "" {
		p.Problem += "; marker-like columns: " + like
	}
	fixes = append(fixes, "add it: ALTER TABLE "+t.name+" ADD COLUMN "+st.column+" "+g.markerDDL())
	p.Fix = strings.Join(fixes, ", or ")
	return p
}

// columnList returns the columns' names, comma-separated; only the
// marker-like ones if markersOnly.
func columnList(cols []columnSchema, markersOnly bool) string {
	var names []string
	for _, c := range cols {
		if !markersOnly || markerLike(c.name) {
			names = append(names, c.name)
		}
	}
	return strings.Join(names, ", ")
}

// markerColumns returns the names of the marker-like columns.
func markerColumns(cols []columnSchema) []string {
	var names []string
	for _, c := range cols {
		if markerLike(c.name) {
			names = append(names, c.name)
		}
	}
	return names
}

// markerDDL is the column definition of a new marker column.
func (g *schemaGate) markerDDL() string {
	if g.d == dialectMySQL {
		return mysqlMarkerDDL
	}
	if g.d == dialectPostgres {
		return "timestamptz NULL"
	}
	return "DATETIME NULL"
}

// newMarkerFix suggests a new timestamp column next to an unusable one.
func (g *schemaGate) newMarkerFix(t *tableSchema, col *columnSchema) string {
	name := DefaultColumn
	if t.column(name) != nil {
		name = "removed_at"
	}
	return "add a timestamp column (ALTER TABLE " + t.name + " ADD COLUMN " + name + " " + g.markerDDL() +
		"), stamp the rows " + col.name + " marks as deleted (UPDATE " + t.name + " SET " + name + " = CURRENT_TIMESTAMP WHERE ...)," +
		" and list it as tables=" + strings.ToLower(t.name) + ":" + name
}

// nullableFix makes a marker nullable, defaulting to NULL, without ON
// UPDATE, and clears a sentinel default from live rows.
func (g *schemaGate) nullableFix(t *tableSchema, col *columnSchema) string {
	var fix string
	switch g.d {
	case dialectMySQL:
		fix = "ALTER TABLE " + t.name + " MODIFY " + col.name + " " + col.typ + " NULL DEFAULT NULL"
	case dialectPostgres:
		fix = "ALTER TABLE " + t.name + " ALTER COLUMN " + col.name + " DROP NOT NULL, ALTER COLUMN " + col.name + " DROP DEFAULT"
	default:
		fix = "SQLite cannot change a column in place: rebuild the table with " + col.name + " " + g.markerDDL() +
			" DEFAULT NULL, or add a new column (ALTER TABLE " + t.name + " ADD COLUMN removed_at DATETIME NULL) and list it as tables=" +
			strings.ToLower(t.name) + ":removed_at"
	}
	if col.hasDefault {
		fix += "; then mark the live rows live: UPDATE " + t.name + " SET " + col.name + " = NULL WHERE " + col.name + " = " + sqlDefault(col.def)
	}
	return fix
}

// sqlDefault writes a reported default as SQL: MariaDB and SQLite report
// literals quoted, MySQL does not.
func sqlDefault(def string) string {
	if strings.HasPrefix(def, "'") || strings.Contains(def, "(") || strings.EqualFold(def, "CURRENT_TIMESTAMP") {
		return def
	}
	if strings.Trim(def, "0123456789.-") == "" {
		return def
	}
	return "'" + strings.ReplaceAll(def, "'", "''") + "'"
}

// replaceConflictProblem is the problem of a SQLite table declared with ON
// CONFLICT REPLACE: an ordinary INSERT or UPDATE that collides with a
// soft-deleted row's key deletes that row for real.
func replaceConflictProblem(t *tableSchema) SchemaProblem {
	return SchemaProblem{Table: t.name,
		Problem: "its CREATE TABLE has ON CONFLICT REPLACE, so an INSERT or UPDATE whose key collides with a soft-deleted row deletes that row for real",
		Fix:     "recreate the table without the clause (a raw migration) and write upserts as INSERT ... ON CONFLICT (...) DO UPDATE"}
}
