package softdelete

import (
	"context"
	"strings"
)

// readMySQLSchema reads the listed tables' schema from information_schema
// in at most four queries, whatever the number of tables: the database's
// tables, then the columns, indexes and foreign keys of all listed tables
// at once, each filtered by TABLE_SCHEMA = DATABASE() and the names.
func readMySQLSchema(ctx context.Context, q *metaQueryer, listed []*softTable) (*schemaModel, error) {
	rows, err := q.query(ctx, "SELECT d.db, t.TABLE_NAME FROM (SELECT DATABASE() AS db) d"+
		" LEFT JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = d.db ORDER BY t.TABLE_NAME")
	if err != nil {
		return nil, err
	}
	m := schemaModelOf(rows)
	names := resolveListed(m, listed)
	if len(names) == 0 {
		return m, nil
	}
	in := sqlStrings(names)
	if err := readMySQLColumns(ctx, q, m, in); err != nil {
		return nil, err
	}
	if err := readMySQLIndexes(ctx, q, m, in); err != nil {
		return nil, err
	}
	return m, readMySQLForeignKeys(ctx, q, m, in)
}

// resolveListed adds an empty tableSchema to m for each listed table found
// in m.all (an exact name first, else any case) and returns their names as
// the database spells them.
func resolveListed(m *schemaModel, listed []*softTable) []string {
	var names []string
	for _, t := range listed {
		found := ""
		for _, name := range m.all {
			if name == t.name {
				found = name
				break
			}
			if found == "" && strings.EqualFold(name, t.name) {
				found = name
			}
		}
		if found != "" && isPlainIdent(found) {
			m.tables[t.name] = &tableSchema{name: found}
			names = append(names, found)
		}
	}
	return names
}

// markerLikeSQL is the SQL condition on a column name col that matches
// the names markerLike accepts.
func markerLikeSQL(col string) string {
	var parts []string
	for _, w := range markerWords {
		parts = append(parts, "LOWER("+col+") LIKE '%"+w+"%'")
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// readMySQLColumns reads the listed tables' columns, and the marker-like
// columns of the others.
func readMySQLColumns(ctx context.Context, q *metaQueryer, m *schemaModel, in string) error {
	rows, err := q.query(ctx, "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, GENERATION_EXPRESSION"+
		" FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND (TABLE_NAME IN ("+in+") OR "+markerLikeSQL("COLUMN_NAME")+")"+
		" ORDER BY TABLE_NAME, ORDINAL_POSITION")
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
		col := columnSchema{name: r[1].s, typ: r[2].s, nullable: r[3].s == "YES", extra: r[5].s, generated: r[6].s}
		// MySQL reports no default as NULL; MariaDB as the text NULL.
		if !r[4].null && !strings.EqualFold(r[4].s, "NULL") {
			col.hasDefault, col.def = true, r[4].s
		}
		t.columns = append(t.columns, col)
	}
	return nil
}

// table returns the listed table whose database name is name, or nil.
func (m *schemaModel) table(name string) *tableSchema {
	if t := m.tables[strings.ToLower(name)]; t != nil && (t.name == name || m.foldNames && strings.EqualFold(t.name, name)) {
		return t
	}
	return nil
}

// readMySQLIndexes reads the listed tables' indexes.
func readMySQLIndexes(ctx context.Context, q *metaQueryer, m *schemaModel, in string) error {
	rows, err := q.query(ctx, "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME"+
		" FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ("+in+")"+
		" ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX")
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
			t.indexes = append(t.indexes, indexSchema{name: r[1].s, unique: r[2].s == "0", primary: r[1].s == "PRIMARY"})
			n++
		}
		t.indexes[n-1].columns = append(t.indexes[n-1].columns, r[3].s)
	}
	return nil
}

// readMySQLForeignKeys reads the foreign keys from and to the listed
// tables.
func readMySQLForeignKeys(ctx context.Context, q *metaQueryer, m *schemaModel, in string) error {
	rows, err := q.query(ctx, "SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME,"+
		" r.DELETE_RULE, r.UPDATE_RULE FROM information_schema.KEY_COLUMN_USAGE k"+
		" JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA"+
		" AND r.TABLE_NAME = k.TABLE_NAME AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME"+
		" WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_SCHEMA = DATABASE()"+
		" AND (k.TABLE_NAME IN ("+in+") OR k.REFERENCED_TABLE_NAME IN ("+in+"))"+
		" ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION")
	if err != nil {
		return err
	}
	m.addForeignKeys(foreignKeysOf(rows))
	return nil
}

// addForeignKeys files each foreign key under the listed tables it joins.
func (m *schemaModel) addForeignKeys(fks []foreignKey) {
	for _, fk := range fks {
		if t := m.table(fk.table); t != nil {
			t.foreignKeys = append(t.foreignKeys, fk)
		}
		if t := m.table(fk.refTable); t != nil {
			t.referencedBy = append(t.referencedBy, fk)
		}
	}
}

// mysqlMarkerDDL is the column definition the fixes suggest on MySQL.
const mysqlMarkerDDL = "DATETIME(6) NULL"
