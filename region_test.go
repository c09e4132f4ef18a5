package softdelete

import "testing"

// TestRegionParseText checks what sqlparser is given: which runs of a
// statement become one bind variable (a region) and which are parsed.
func TestRegionParseText(t *testing.T) {
	rw := testRewriter(t, "mysql")
	cases := []struct{ in, want string }{
		// The benchmark's join: the SELECT list, the ON and the WHERE.
		{"SELECT u.id, u.name FROM tags u LEFT JOIN logs p ON p.user_id = u.id WHERE u.id = ?",
			"SELECT  :p0 FROM tags u LEFT JOIN logs p ON  :p1 WHERE  :p2 "},
		// Literals inside a region are part of it; after it, numbering goes on.
		{"SELECT a FROM tags WHERE b = 'x' AND c IN (?, ?) ORDER BY d LIMIT ?",
			"SELECT  :p0 FROM tags WHERE  :p1 ORDER BY d LIMIT  :p2 "},
		// Comments between the region and the next clause are not part of it.
		{"SELECT a FROM tags WHERE b = 1 /* c */ -- d\nGROUP BY e",
			"SELECT  :p0 FROM tags WHERE  :p1 GROUP BY e"},
		// SELECT options, and words that may start a subquery, keep the parse.
		{"SELECT DISTINCT a FROM tags", "SELECT DISTINCT a FROM tags"},
		{"SELECT a FROM tags WHERE b IN (SELECT c FROM logs)", "SELECT  :p0 FROM tags WHERE b IN (SELECT  :p1 FROM logs)"},
		{"SELECT (SELECT 1) FROM tags", "SELECT (SELECT 1) FROM tags"},
		{"SELECT a FROM tags WHERE EXISTS (TABLE logs)", "SELECT  :p0 FROM tags WHERE EXISTS (TABLE logs)"},
		{"SELECT count(*) OVER () FROM tags", "SELECT count(*) OVER () FROM tags"},
		// A soft-delete table's name anywhere in a region keeps the parse
		// (numbers are not literals: sqlparser reads them as they are).
		{"SELECT users.id FROM users WHERE users.id = 1", "SELECT users.id FROM users WHERE users.id = 1"},
		{"SELECT id FROM users WHERE id = 1", "SELECT  :p0 FROM users WHERE  :p1 "},
		// ... and so does one inside a literal or comment, for the rest of the statement.
		{"SELECT id FROM tags WHERE a = 'users' AND b = 2", "SELECT  :p0 FROM tags WHERE a =  :p1  AND b = 2"},
		// ON ends at the next join, a comma, SET, or the ')' of its group.
		{"SELECT * FROM tags a JOIN logs b ON a.x = b.x JOIN logs c ON c.y = b.y, logs d",
			"SELECT  :p0 FROM tags a JOIN logs b ON  :p1 JOIN logs c ON  :p2 , logs d"},
		{"SELECT * FROM tags a LEFT JOIN (logs b JOIN logs c ON b.x = c.x) ON a.y = b.y",
			"SELECT  :p0 FROM tags a LEFT JOIN (logs b JOIN logs c ON  :p1 ) ON  :p2 "},
		{"UPDATE tags a JOIN logs b ON a.x = b.x SET a.n = 1 WHERE b.m = 2",
			"UPDATE tags a JOIN logs b ON  :p0 SET a.n = 1 WHERE  :p1 "},
		// LEFT( and RIGHT( are functions; t.left is a column.
		{"SELECT * FROM tags a JOIN logs b ON LEFT(a.x, 1) = b.left LEFT JOIN logs c ON c.x = 1",
			"SELECT  :p0 FROM tags a JOIN logs b ON  :p1 LEFT JOIN logs c ON  :p2 "},
		// A word after a '.' is a name (MySQL and sqlparser read x. where
		// as the column x.where): it neither ends nor opens a region.
		{"SELECT * FROM tags a JOIN logs b ON a.x = b. where AND c = 1", "SELECT  :p0 FROM tags a JOIN logs b ON  :p1 "},
		{"SELECT a.x FROM tags a WHERE a. on = 1", "SELECT  :p0 FROM tags a WHERE  :p1 "},
		// ... but a '.' after a number belongs to it: MySQL reads 1.ORDER as
		// the number 1. and ORDER.
		{"SELECT a FROM tags WHERE b = 1.ORDER BY c", "SELECT  :p0 FROM tags WHERE  :p1 ORDER BY c"},
		// SQLite's IS DISTINCT FROM in a SELECT list: its FROM is not the
		// clause's.
		{"SELECT a IS DISTINCT FROM b FROM tags", "SELECT a IS DISTINCT FROM b FROM tags"},
		// A comma in a WHERE is a syntax error that parentheses would turn
		// into a row value: no region.
		{"SELECT a FROM tags WHERE 0, 1", "SELECT  :p0 FROM tags WHERE 0, 1"},
		// ON DUPLICATE KEY UPDATE is not a join condition.
		{"INSERT INTO tags (a) SELECT b FROM logs WHERE c = 1 ON DUPLICATE KEY UPDATE a = 2",
			"INSERT INTO tags (a) SELECT  :p0 FROM logs WHERE  :p1 ON DUPLICATE KEY UPDATE a = 2"},
		// FROM inside parentheses does not end a SELECT list.
		{"SELECT EXTRACT(YEAR FROM d), TRIM(LEADING 'x' FROM e) FROM tags", "SELECT  :p0 FROM tags"},
		// A SELECT list without FROM stays.
		{"SELECT a, b UNION SELECT c FROM tags", "SELECT a, b UNION SELECT  :p0 FROM tags"},
		// Words that may end a clause but that sqlparser reads as column
		// names drop the region: the parser reads it all, as before.
		{"SELECT a FROM tags WHERE x = 1 AND offset = 2", "SELECT  :p0 FROM tags WHERE x = 1 AND offset = 2"},
		{"DELETE FROM tags WHERE x = 1 RETURNING id", "DELETE FROM tags WHERE x = 1 RETURNING id"},
		// Clauses after a WHERE.
		{"SELECT a FROM tags WHERE b = 1 FOR UPDATE", "SELECT  :p0 FROM tags WHERE  :p1 FOR UPDATE"},
		{"DELETE FROM tags WHERE b = 1 ORDER BY c LIMIT 1", "DELETE FROM tags WHERE  :p0 ORDER BY c LIMIT 1"},
		{"SELECT a FROM tags WHERE b = 1 UNION SELECT a FROM logs", "SELECT  :p0 FROM tags WHERE  :p1 UNION SELECT  :p2 FROM logs"},
		// Only in SELECT, INSERT, REPLACE, UPDATE and DELETE; not across a
		// versioned comment.
		{"CREATE VIEW v AS SELECT a FROM tags WHERE b = 1", "CREATE VIEW v AS SELECT a FROM tags WHERE b = 1"},
		{"SELECT a FROM tags /*!50000 WHERE b = 1 */", "SELECT  :p0 FROM tags   WHERE b = 1  "},
		// MySQL SELECT modifiers that sqlparser does not know.
		{"SELECT SQL_CALC_FOUND_ROWS a FROM tags", "SELECT   a FROM tags"},
		// Multi-statement text: each statement on its own.
		{"SELECT a FROM tags WHERE b = 1; SELECT c FROM logs", "SELECT  :p0 FROM tags WHERE  :p1 "},
	}
	for _, c := range cases {
		sts, err := lex(c.in, rw.d, rw.tables, true)
		if err != nil {
			t.Fatalf("lex(%q): %v", c.in, err)
		}
		if got := sts[0].parseText(); got != c.want {
			t.Errorf("lex(%q)\n got: %q\nwant: %q", c.in, got, c.want)
		}
	}
}
