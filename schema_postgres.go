package softdelete

import (
	"context"
	"strings"
)

// readPostgresSchema reads the listed tables' schema in the current schema
// (the first of search_path), whatever the number of tables: the schema's
// tables and the columns of the listed ones from information_schema, then
// their unique indexes from pg_catalog (schema_postgres_index.go).
func readPostgresSchema(ctx context.Context, q *metaQueryer, listed []*softTable) (*schemaModel, error) {
	rows, err := q.query(ctx, "SELECT s.db, t.table_name FROM (SELECT current_schema()::text AS db) s"+
		" LEFT JOIN information_schema.tables t ON t.table_schema = s.db ORDER BY t.table_name")
	if err != nil {
		return nil, err
	}
	m := schemaModelOf(rows)
	names := resolveListed(m, listed)
	if len(names) == 0 {
		return m, nil
	}
	in := sqlStrings(names)
	if err := readPostgresColumns(ctx, q, m, in); err != nil {
		return nil, err
	}
	return m, readPostgresIndexes(ctx, q, m, in)
}

// readPostgresColumns reads the listed tables' columns, and the
// marker-like columns of the others.
func readPostgresColumns(ctx context.Context, q *metaQueryer, m *schemaModel, in string) error {
	rows, err := q.query(ctx, "SELECT table_name, column_name, data_type, is_nullable, column_default, generation_expression"+
		" FROM information_schema.columns WHERE table_schema = current_schema() AND (table_name IN ("+in+") OR "+markerLikeSQL("column_name")+")"+
		" ORDER BY table_name, ordinal_position")
	if err != nil {
		return err
	}
	for _, r := range rows {
		t := m.table(r[0].s)
		if t == nil {
			key := strings.ToLower(r[0].s)
			m.markerLike[key] = append(m.markerLike[key], r[1].s)
			continue
		}
		col := columnSchema{name: r[1].s, typ: postgresTypeName(r[2].s), nullable: r[3].s == "YES", generated: r[5].s}
		if !r[4].null && !strings.EqualFold(r[4].s, "NULL") && !strings.HasPrefix(strings.ToUpper(r[4].s), "NULL::") {
			col.hasDefault, col.def = true, r[4].s
		}
		t.columns = append(t.columns, col)
	}
	return nil
}

// postgresTypeName names a PostgreSQL data_type as the schema check's
// type classes do (character varying is varchar).
func postgresTypeName(t string) string {
	switch t {
	case "character varying":
		return "varchar"
	case "character":
		return "char"
	}
	return t
}
