package softdelete

import (
	"context"
)

// postgresIndexesSQL reads the unique indexes (primary keys included) of
// the tables named in in (SQL strings), in the current schema, from
// pg_catalog: one row per key column, in key order, with the index's
// predicate (a partial index), the constraint it implements, NULLS NOT
// DISTINCT (PostgreSQL 15; read through to_jsonb so that older servers
// answer NULL instead of failing), the column's name (NULL for an
// expression) and the key as the index defines it. INCLUDE columns are not
// keys: uniqueness ignores them.
func postgresIndexesSQL(in string) string {
	return "SELECT c.relname, ic.relname, i.indisprimary, coalesce(con.conname, ''), pg_get_expr(i.indpred, i.indrelid)," +
		" coalesce(to_jsonb(i)->>'indnullsnotdistinct', 'false'), a.attname, pg_get_indexdef(i.indexrelid, k.n::int, true)" +
		" FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid" +
		" JOIN pg_namespace ns ON ns.oid = c.relnamespace AND ns.nspname = current_schema()" +
		" JOIN pg_class ic ON ic.oid = i.indexrelid" +
		" CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)" +
		" LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum AND k.attnum > 0" +
		" LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = c.oid AND con.contype IN ('p', 'u')" +
		" WHERE i.indisunique AND c.relname IN (" + in + ") AND k.n <= i.indnkeyatts" +
		" ORDER BY c.relname, ic.relname, k.n"
}

// readPostgresIndexes reads the listed tables' unique indexes in one
// query (in is their names as SQL strings): the unique-key warnings need
// their columns, expressions, predicates and NULLS NOT DISTINCT.
func readPostgresIndexes(ctx context.Context, q *metaQueryer, m *schemaModel, in string) error {
	rows, err := q.query(ctx, postgresIndexesSQL(in))
	if err != nil {
		return err
	}
	for _, r := range rows {
		t := m.table(r[0].s)
		if t == nil {
			continue
		}
		n := len(t.indexes)
		if n == 0 || t.indexes[n-1].name != r[1].s {
			t.indexes = append(t.indexes, indexSchema{name: r[1].s, unique: true, primary: r[2].s == "1" || r[2].s == "true",
				constraint: r[3].s, where: r[4].s, nullsNotDistinct: r[5].s == "true"})
			n++
		}
		ix := &t.indexes[n-1]
		ix.columns = append(ix.columns, r[6].s) // "" for an expression
		ix.keys = append(ix.keys, r[7].s)
	}
	return nil
}
