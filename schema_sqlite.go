package softdelete

import (
	"context"
	"strings"
)

// sqliteTablesCTE names the tables and views of the main and temp schemas.
const sqliteTablesCTE = "WITH m(name) AS (SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite%'" +
	" UNION SELECT name FROM sqlite_temp_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite%') "

// readSQLiteSchema reads the listed tables' schema in at most four
// queries, whatever the number of tables: the table list, then the
// columns, indexes and foreign keys of all of them at once through the
// pragma table-valued functions (pragma_table_xinfo, pragma_index_list,
// pragma_index_info, pragma_foreign_key_list).
func readSQLiteSchema(ctx context.Context, q *metaQueryer, listed []*softTable) (*schemaModel, error) {
	rows, err := q.query(ctx, sqliteTablesCTE+"SELECT m.name, coalesce(s.sql, '') FROM m"+
		" LEFT JOIN sqlite_master s ON s.type = 'table' AND s.name = m.name ORDER BY m.name")
	if err != nil {
		return nil, err
	}
	m := &schemaModel{tables: map[string]*tableSchema{}, markerLike: map[string][]string{}, foldNames: true}
	ddl := map[string]string{}
	for _, r := range rows {
		m.all = append(m.all, r[0].s)
		ddl[r[0].s] = r[1].s
	}
	names := resolveListed(m, listed)
	if len(names) == 0 {
		return m, nil
	}
	for _, t := range m.tables {
		t.replaceOnConflict = hasReplaceConflictClause(ddl[t.name])
	}
	in := sqlStrings(names)
	if err := readSQLiteColumns(ctx, q, m, in); err != nil {
		return nil, err
	}
	if err := readSQLiteIndexes(ctx, q, m, in); err != nil {
		return nil, err
	}
	return m, readSQLiteForeignKeys(ctx, q, m, in)
}

// readSQLiteColumns reads the listed tables' columns, and the marker-like
// columns of the others.
func readSQLiteColumns(ctx context.Context, q *metaQueryer, m *schemaModel, in string) error {
	rows, err := q.query(ctx, sqliteTablesCTE+`SELECT m.name, p.name, p.type, p."notnull", p.dflt_value, p.hidden`+
		" FROM m JOIN pragma_table_xinfo(m.name) p WHERE m.name IN ("+in+") OR "+markerLikeSQL("p.name")+
		" ORDER BY m.name, p.cid")
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
		col := columnSchema{name: r[1].s, typ: r[2].s, nullable: r[3].s == "0"}
		if !r[4].null && !strings.EqualFold(r[4].s, "NULL") {
			col.hasDefault, col.def = true, r[4].s
		}
		if r[5].s == "2" || r[5].s == "3" {
			col.generated = "(generated)"
		}
		t.columns = append(t.columns, col)
	}
	return nil
}

// readSQLiteIndexes reads the listed tables' indexes, with the condition
// of partial ones from their CREATE INDEX text.
func readSQLiteIndexes(ctx context.Context, q *metaQueryer, m *schemaModel, in string) error {
	rows, err := q.query(ctx, sqliteTablesCTE+`SELECT m.name, il.name, il."unique", il.origin, il.partial, ii.name, s.sql`+
		" FROM m JOIN pragma_index_list(m.name) il JOIN pragma_index_info(il.name) ii"+
		" LEFT JOIN sqlite_master s ON s.type = 'index' AND s.name = il.name"+
		" WHERE m.name IN ("+in+") ORDER BY m.name, il.name, ii.seqno")
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
			ix := indexSchema{name: r[1].s, unique: r[2].s == "1", primary: r[3].s == "pk", auto: r[3].s != "c"}
			if r[4].s == "1" {
				ix.where = partialWhere(r[6].s)
			}
			t.indexes = append(t.indexes, ix)
			n++
		}
		t.indexes[n-1].columns = append(t.indexes[n-1].columns, r[5].s)
	}
	return nil
}

// partialWhere returns the condition of a CREATE INDEX ... WHERE text.
func partialWhere(sql string) string {
	if i := strings.LastIndex(strings.ToUpper(sql), "WHERE"); i >= 0 {
		return strings.TrimSpace(sql[i+len("WHERE"):])
	}
	return sql
}

// readSQLiteForeignKeys reads the foreign keys from and to the listed
// tables.
func readSQLiteForeignKeys(ctx context.Context, q *metaQueryer, m *schemaModel, in string) error {
	rows, err := q.query(ctx, sqliteTablesCTE+`SELECT m.name, fk.id, fk."from", fk."table", fk."to", fk.on_delete, fk.on_update`+
		" FROM m JOIN pragma_foreign_key_list(m.name) fk WHERE m.name IN ("+in+") OR fk.\"table\" COLLATE NOCASE IN ("+in+")"+
		" ORDER BY m.name, fk.id, fk.seq")
	if err != nil {
		return err
	}
	m.addForeignKeys(foreignKeysOf(rows))
	return nil
}

// hasReplaceConflictClause reports whether a CREATE TABLE text holds an
// ON CONFLICT REPLACE clause (on a PRIMARY KEY, UNIQUE or NOT NULL
// constraint): SQLite then resolves a collision by deleting the old row for
// real, a soft-deleted one included. Blanks and case are folded; a
// comment between the words is not looked through (a rare form).
func hasReplaceConflictClause(ddl string) bool {
	words := strings.Fields(strings.ToLower(ddl))
	for i := 0; i+2 < len(words); i++ {
		if words[i] == "on" && words[i+1] == "conflict" && strings.HasPrefix(words[i+2], "replace") {
			return true
		}
	}
	return false
}
