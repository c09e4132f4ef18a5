package softdelete

import (
	"fmt"
	"strings"

	"github.com/xwb1989/sqlparser"
)

// destroyFix is the fix for DDL that destroys or moves a soft-delete
// table's rows, soft-deleted ones included: a migration, run raw.
const destroyFix = "run schema migrations on a *sql.DB opened with the inner driver, or under softdelete.WithForce(softdelete.WithIncludeDeleted(ctx)), " +
	"which sends them as written, so that a copied table keeps its soft-deleted rows"

// offset returns the offset of the word w of l in the text the user
// passed (l.start is that of the statement).
func (l *sourceStatement) offset(w word) int { return l.start + int(w.start) }

// offsetOf returns the offset of the first unquoted word lw of l in the
// user's text, or -1.
func (l *sourceStatement) offsetOf(lw string) int {
	for _, w := range l.words {
		if !w.quoted && w.lower == lw {
			return l.offset(w)
		}
	}
	return -1
}

// upsertFix is the fix for a REPLACE of table, in the dialect's terms.
func upsertFix(d *dialect, table string) string {
	upsert := fmt.Sprintf(d.upsert, table)
	return orRaw(fmt.Sprintf("use %s, which keeps the row; or use softdelete.WithForce(ctx) to let REPLACE delete the rows it replaces", upsert))
}

// checkWholeTable refuses statements that treat a soft-delete table as a
// whole, deleted rows included, unless the mode lets the statement see
// them: DROP TABLE, TRUNCATE, renaming the table away, dropping its deleted
// column and dropping or exchanging a partition destroy or move them
// (WithForce and WithIncludeDeleted for the table are needed, as for a
// DELETE of every row); CHECKSUM TABLE reads them (WithIncludeDeleted).
// Renaming another table onto a soft-delete table's name destroys nothing
// and passes. The check is lexical, so it also covers forms sqlparser
// cannot parse (DROP TABLE a, users).
func (r *rewriter) checkWholeTable(st *sourceStatement, first string, m *mode) error {
	if r.d.stringNamesInDDL && (first == "drop" || first == "alter") && len(st.verbatims) > 0 {
		st = r.sqliteStringNames(st)
	}
	ws := st.words
	var what string   // the construct, for the message
	var targets []int // the words naming the tables concerned
	switch first {
	case "drop":
		if i := tableKeyword(ws, 1); i > 0 {
			what, targets = "DROP TABLE", sourceNames(ws, i+1)
		}
	case "truncate":
		what, targets = "TRUNCATE", sourceNames(ws, 1)
	case "rename": // MySQL RENAME TABLE a TO b, c TO d
		what, targets = "RENAME TABLE", sourceNames(ws, 1)
	case "checksum":
		if err := r.checksum(st, m); err != nil {
			return err
		}
	case "alter":
		if i := tableKeyword(ws, 1); i > 0 {
			what, targets = r.alterTable(st, i+1)
		}
	}
	for _, i := range targets {
		t := r.tables.lookup(ws[i].lower)
		if m.force && !m.onlyPrimary && modeFilter(m, t.name) == filterAll {
			continue // the statement sees every row and may destroy them
		}
		return &RefusedError{Table: t.name, Fix: destroyFix,
			Reason: fmt.Sprintf("%s at offset %d would %s", what, st.offset(ws[0]), wholeTableEffect(what, t))}
	}
	return nil
}

// sqliteStringNames returns st read with its single-quoted strings as
// quoted identifiers, as SQLite reads a string where its grammar wants a
// name: DROP TABLE 'users', ALTER TABLE 'users' RENAME TO x and ALTER
// TABLE users DROP COLUMN 'deleted_at' name the table and the column. A
// DROP or ALTER TABLE holds no other string that checkWholeTable looks at
// (a DEFAULT 'x' is neither the table's name nor a column dropped). It
// returns st when there is nothing to change or the text cannot be read.
func (r *rewriter) sqliteStringNames(st *sourceStatement) *sourceStatement {
	var b []byte
	for _, l := range st.verbatims {
		at := l.at - st.start
		if l.region || len(l.text) < 2 || l.text[0] != '\'' || strings.IndexByte(l.text, '"') >= 0 ||
			at < 0 || at+len(l.text) > len(st.text) {
			continue
		}
		if b == nil {
			b = []byte(st.text)
		}
		b[at], b[at+len(l.text)-1] = '"', '"'
	}
	if b == nil {
		return st
	}
	subs, err := lex(string(b), r.d, r.tables, false)
	if err != nil || len(subs) != 1 {
		return st
	}
	subs[0].start = st.start
	return subs[0]
}

// wholeTableEffect says what the construct what would do to t's rows.
func wholeTableEffect(what string, t *softTable) string {
	switch {
	case strings.HasSuffix(what, " DROP "+t.column), strings.HasSuffix(what, " COLUMN "+t.column), strings.HasSuffix(what, " CHANGE "+t.column):
		return "take away the deletion marks of " + t.name + ", making its soft-deleted rows live"
	case strings.Contains(what, "RENAME") || strings.Contains(what, "EXCHANGE"):
		return "move every row of " + t.name + " out of it, soft-deleted rows included"
	}
	return "destroy every row of " + t.name + ", soft-deleted rows included"
}

// modeFilter is what m lets a statement see of the table name when no
// primary table is involved.
func modeFilter(m *mode, name string) filter {
	if f, ok := m.filterOf(name); ok {
		return f
	}
	if m.includeAll {
		return filterAll
	}
	return filterLive
}

// checksum refuses CHECKSUM TABLE of a soft-delete table whose deleted rows
// the mode hides: the checksum reads every row.
func (r *rewriter) checksum(st *sourceStatement, m *mode) error {
	for _, i := range sourceNames(st.words, 1) {
		t := r.tables.lookup(st.words[i].lower)
		if !m.onlyPrimary && modeFilter(m, t.name) == filterAll {
			continue
		}
		return &RefusedError{Table: t.name,
			Reason: fmt.Sprintf("CHECKSUM TABLE at offset %d reads every row of %s, soft-deleted rows included", st.offset(st.words[0]), t.name),
			Fix:    orRaw(fmt.Sprintf("run it under softdelete.WithIncludeDeleted(ctx), or compute a checksum with a SELECT over %s, which softdelete filters", t.name))}
	}
	return nil
}

// tableKeyword returns the index of the TABLE keyword among the first
// words of a DROP or ALTER from index from on (DROP TEMPORARY TABLE,
// ALTER ONLINE IGNORE TABLE), or -1 when the statement is about something
// else (DROP VIEW, DROP INDEX).
func tableKeyword(ws []word, from int) int {
	for i := from; i < len(ws) && i < from+3; i++ {
		switch {
		case ws[i].quoted:
			return -1
		case ws[i].lower == "table" || ws[i].lower == "tables":
			return i
		case ws[i].lower != "temporary" && ws[i].lower != "online" && ws[i].lower != "ignore":
			return -1
		}
	}
	return -1
}

// sourceNames returns the indexes of the words from index from on that
// name a soft-delete table, as a table (not the schema of a qualified
// name) and not as the new name of a rename (right after TO).
func sourceNames(ws []word, from int) []int {
	var out []int
	for i := from; i < len(ws); i++ {
		if !ws[i].soft || i+1 < len(ws) && ws[i+1].qualified {
			continue
		}
		j := i
		for j > from && ws[j].qualified {
			j--
		}
		if j > 0 && !ws[j-1].quoted && ws[j-1].lower == "to" {
			continue
		}
		out = append(out, i)
	}
	return out
}

// alterTable reports what an ALTER TABLE whose TABLE keyword ends at index
// from does to a soft-delete table's rows: the construct and the word that
// names the table when it renames the table away, drops its deleted
// column, or drops, exchanges or discards a partition or tablespace.
func (r *rewriter) alterTable(st *sourceStatement, from int) (string, []int) {
	ws := st.words
	if from < len(ws) && ws[from].lower == "if" && !ws[from].quoted {
		from += 2 // IF EXISTS
	}
	name := from
	for name+1 < len(ws) && ws[name+1].qualified {
		name++
	}
	if name >= len(ws) || !ws[name].soft {
		return "", nil
	}
	t := r.tables.lookup(ws[name].lower)
	for i := name + 1; i < len(ws); i++ {
		w := ws[i]
		if w.quoted || w.depth > 0 {
			continue
		}
		next := word{}
		if i+1 < len(ws) {
			next = ws[i+1]
		}
		switch w.lower {
		case "rename":
			// MySQL: RENAME [TO|AS] t. SQLite: RENAME TO t, and
			// RENAME [COLUMN] a TO b renames a column.
			if col, ok := renamedColumn(ws, i+1, r.d.renameNeedsTo); ok {
				if strings.EqualFold(col.lower, t.column) {
					return "ALTER TABLE ... RENAME COLUMN " + t.column, []int{name}
				}
				continue
			}
			if next.lower == "" || !next.quoted && keywordOf(next.lower).is(kwAlterTarget) ||
				r.d.renameNeedsTo && (next.quoted || next.lower != "to") {
				continue
			}
			return "ALTER TABLE ... RENAME", []int{name}
		case "drop":
			col := droppedColumn(ws, i+1)
			if col.lower == strings.ToLower(t.column) {
				return "ALTER TABLE ... DROP " + t.column, []int{name}
			}
			if !next.quoted && next.lower == "partition" {
				return "ALTER TABLE ... DROP PARTITION", []int{name}
			}
		case "change":
			// MySQL: CHANGE [COLUMN] [IF EXISTS] old new definition.
			k := columnIndex(ws, i+1)
			if k+1 < len(ws) && strings.EqualFold(ws[k].lower, t.column) && !strings.EqualFold(ws[k+1].lower, t.column) {
				return "ALTER TABLE ... CHANGE " + t.column, []int{name}
			}
		case "exchange", "discard":
			return "ALTER TABLE ... " + strings.ToUpper(w.lower), []int{name}
		}
	}
	return "", nil
}

// droppedColumn returns the word that names the column of an ALTER TABLE
// ... DROP whose next word is at index from: DROP [COLUMN] [IF EXISTS]
// col (MariaDB has IF EXISTS), or the zero word.
func droppedColumn(ws []word, from int) word {
	if k := columnIndex(ws, from); k < len(ws) {
		return ws[k]
	}
	return word{}
}

// renamedColumn returns the column an ALTER TABLE ... RENAME whose next
// word is at index from renames: RENAME COLUMN a TO b, or where bare is
// set (SQLite) also RENAME a TO b. It reports false for a rename of the
// table (RENAME TO t, RENAME AS t, MySQL's RENAME t).
func renamedColumn(ws []word, from int, bare bool) (word, bool) {
	if from >= len(ws) {
		return word{}, false
	}
	if !ws[from].quoted && ws[from].lower == "column" && from+1 < len(ws) {
		return ws[from+1], true
	}
	if bare && (ws[from].quoted || ws[from].lower != "to") {
		return ws[from], true
	}
	return word{}, false
}

// columnIndex returns the index of the column named after a DROP or
// CHANGE whose next word is at index from: [COLUMN] [IF EXISTS] col.
func columnIndex(ws []word, from int) int {
	k := from
	if k < len(ws) && !ws[k].quoted && ws[k].lower == "column" {
		k++
	}
	if k+1 < len(ws) && !ws[k].quoted && ws[k].lower == "if" && !ws[k+1].quoted && ws[k+1].lower == "exists" {
		k += 2
	}
	return k
}

// checkOnlyPrimaryPlain refuses, under WithOnlyDeleted() with no table, a
// statement that reads or writes rows but names no soft-delete table: it
// has no soft-delete primary table, so the mode cannot apply, and sending
// it would return live rows (or hard-delete them) as if it did.
func (r *rewriter) checkOnlyPrimaryPlain(st *sourceStatement) error {
	first := st.firstWord()
	if !keywordOf(first).is(kwRowStatement) {
		return nil
	}
	return &RefusedError{
		Reason: fmt.Sprintf("WithOnlyDeleted() with no table applies to the statement's primary table, and this %s names no soft-delete table (tables: %s)",
			strings.ToUpper(first), strings.Join(r.tables.names, ", ")),
		Fix: "run it without WithOnlyDeleted, or name the soft-delete tables whose deleted rows it should see: softdelete.WithOnlyDeleted(ctx, \"" + r.tables.names[0] + "\")",
	}
}

// checkOnlyPrimaryText is checkOnlyPrimaryPlain for every statement of a
// text that names no soft-delete table.
func (r *rewriter) checkOnlyPrimaryText(q string) error {
	stmts, err := lex(q, r.d, r.tables, false)
	if err != nil {
		return nil // the database rejects it; it names no soft-delete table
	}
	for _, st := range stmts {
		if err := r.checkOnlyPrimaryPlain(st); err != nil {
			return err
		}
	}
	return nil
}

// checkUndelete refuses an UPDATE that sets the deleted column of a
// soft-delete table to NULL where the mode hides that table's deleted
// rows: it can match no row, so it would silently do nothing.
func (s *scope) checkUndelete(n *sqlparser.Update) {
	for _, ue := range n.Exprs {
		if _, isNull := ue.Expr.(*sqlparser.NullVal); !isNull {
			continue
		}
		t := s.updatedTable(n.TableExprs, ue.Name)
		if t == nil || s.filterFor(t) != filterLive {
			continue
		}
		s.refuse(t.name, fmt.Sprintf("un-delete rows with softdelete.Restore(ctx, db, %q, where, args...), or run the UPDATE under softdelete.WithOnlyDeleted(ctx, %q)", t.name, t.name),
			"SET %s = NULL at offset %d can match no row: the UPDATE sees only %s's live rows, whose %s is already NULL", t.column, s.st.offsetOf(strings.ToLower(t.column)), t.name, t.column)
		return
	}
}

// updatedTable returns the soft-delete table among exprs whose deleted
// column col names, or nil.
func (s *scope) updatedTable(exprs sqlparser.TableExprs, col *sqlparser.ColName) *softTable {
	var found *softTable
	_ = sqlparser.Walk(func(node sqlparser.SQLNode) (bool, error) {
		te, ok := node.(*sqlparser.AliasedTableExpr)
		if !ok {
			return true, nil
		}
		tn, ok := te.Expr.(sqlparser.TableName)
		if !ok {
			return false, nil
		}
		t := s.r.tables.lookup(tn.Name.String())
		if t == nil || !col.Name.EqualString(t.column) {
			return false, nil
		}
		if q := col.Qualifier.Name; q.IsEmpty() || strings.EqualFold(q.String(), ref(te, tn).Name.String()) {
			found = t
		}
		return found == nil, nil
	}, exprs)
	return found
}
