package softdelete

import (
	"context"
	"strings"
)

// readPostgresSchema reads the listed tables' schema in the current schema
// (the first of search_path), whatever the number of tables: the schema's
// tables and the columns of the listed ones from information_schema, then
// from pg_catalog their unique indexes (schema_postgres_index.go) and the
// foreign keys from and to them: four queries.
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
	if err := readPostgresIndexes(ctx, q, m, in); err != nil {
		return nil, err
	}
	return m, readPostgresForeignKeys(ctx, q, m, in)
}

// readPostgresColumns reads the listed tables' columns, and the
// marker-like columns of the others. A timestamp of less than microseconds
// (timestamp(p), p < 6) is coarse: it cannot carry a cascade's stamp.
func readPostgresColumns(ctx context.Context, q *metaQueryer, m *schemaModel, in string) error {
	rows, err := q.query(ctx, "SELECT table_name, column_name, data_type, is_nullable, column_default, generation_expression,"+
		" data_type LIKE 'timestamp%' AND datetime_precision < 6"+
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
		col := columnSchema{name: r[1].s, typ: postgresTypeName(r[2].s), nullable: r[3].s == "YES", generated: r[5].s, coarse: r[6].s == "1"}
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

// pgActionSQL names a pg_constraint action code (confdeltype, confupdtype)
// as information_schema does.
func pgActionSQL(col string) string {
	return "CASE " + col + " WHEN 'c' THEN 'CASCADE' WHEN 'r' THEN 'RESTRICT' WHEN 'n' THEN 'SET NULL'" +
		" WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END"
}

// readPostgresForeignKeys reads the foreign keys between tables of the
// current schema from and to the listed tables, from pg_constraint: one
// row per column pair, in the key's order (conkey and confkey unnested
// together), then whether each key is initially deferred.
func readPostgresForeignKeys(ctx context.Context, q *metaQueryer, m *schemaModel, in string) error {
	rows, err := q.query(ctx, "SELECT cl.relname, con.conname, a.attname, rcl.relname, ra.attname, "+
		pgActionSQL("con.confdeltype")+", "+pgActionSQL("con.confupdtype")+", CASE WHEN con.condeferred THEN 'YES' ELSE 'NO' END"+
		" FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid JOIN pg_class rcl ON rcl.oid = con.confrelid"+
		" JOIN pg_namespace n ON n.oid = cl.relnamespace"+
		" CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(attnum, refattnum, ord)"+
		" JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum"+
		" JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = k.refattnum"+
		" WHERE con.contype = 'f' AND n.nspname = current_schema() AND rcl.relnamespace = n.oid"+
		" AND (cl.relname IN ("+in+") OR rcl.relname IN ("+in+"))"+
		" ORDER BY cl.relname, con.conname, k.ord")
	if err != nil {
		return err
	}
	fks := foreignKeysOf(rows)
	deferred := map[[2]string]bool{}
	for _, r := range rows {
		deferred[[2]string{r[0].s, r[1].s}] = r[7].s == "YES"
	}
	for i := range fks {
		fks[i].deferred = deferred[[2]string{fks[i].table, fks[i].name}]
	}
	m.addForeignKeys(fks)
	return nil
}
