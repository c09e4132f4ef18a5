package softdelete

import "strings"

// keyword is what the rewriter knows about a word (lower case): a set of
// properties, one bit each. keywords is the one table of them, which every
// stage reads with keywordOf; a word it does not list has none.
type keyword uint32

// The properties of a keyword. The first three are the kinds of region
// (see region) the word ends at the region's depth.
const (
	kwEndsSelectRegion keyword = keyword(regionSelect)
	kwEndsWhereRegion  keyword = keyword(regionWhere)
	kwEndsOnRegion     keyword = keyword(regionOn)

	// kwRegionStatement starts a statement that may have regions.
	kwRegionStatement keyword = 1 << (iota + 3)
	// kwDropsRegion drops a region wherever it appears in it: the starts
	// of subqueries, clauses that sqlparser must see, and words that may
	// end a clause but that sqlparser also reads as column names (ending
	// the region there would refuse WHERE offset = 1).
	kwDropsRegion
	// kwSelectModifier is a MySQL SELECT option that sqlparser cannot read.
	kwSelectModifier
	// kwSelectOption may stand between SELECT and its modifiers.
	kwSelectOption
	// kwStatement may start the statement that EXPLAIN, DESCRIBE or
	// ANALYZE prefixes, or an INSERT's SELECT.
	kwStatement
	// kwRowStatement starts a statement whose rows WithOnlyDeleted()
	// would choose by its primary table.
	kwRowStatement
	// kwReadsNoRows starts a statement that reads no rows of any table,
	// when it holds none of the danger words.
	kwReadsNoRows
	// kwNamesInLiterals starts a statement that names tables in strings
	// or comments by nature (SHOW TABLES LIKE 'users', a column COMMENT
	// in DDL), passed as written when it holds no danger word.
	kwNamesInLiterals
	// kwDanger reads or changes rows (or runs code that may): a statement
	// passed as written must hold none.
	kwDanger
	// kwInsertDanger is kwDanger for an INSERT, which may hold the others.
	kwInsertDanger
	// kwDestructive is refused even under WithIncludeDeleted, which needs
	// no filter for reads.
	kwDestructive
	// kwTableVerb may precede TABLE without TABLE being a read (ANALYZE
	// TABLE t, SHOW CREATE TABLE t).
	kwTableVerb
	// kwModifier is a MySQL keyword that sqlparser does not know and that
	// may stand before a table name, where it reads it as the table and
	// the real table as its alias (UPDATE LOW_PRIORITY users).
	kwModifier
	// kwAfterInsertList may follow an INSERT's column list.
	kwAfterInsertList
	// kwAlterTarget follows RENAME in an ALTER TABLE that renames
	// something other than the table.
	kwAlterTarget
	// kwSessionSafe starts a statement that cannot change how the MySQL
	// session reads SQL (see session.go).
	kwSessionSafe
	// kwPrepared runs SQL text that softdelete never sees.
	kwPrepared
)

// keywords is the table of keyword properties.
var keywords = func() map[string]keyword {
	m := map[string]keyword{}
	add := func(p keyword, words string) {
		for _, w := range strings.Fields(words) {
			m[w] |= p
		}
	}
	add(kwEndsSelectRegion, `from distinct`) // distinct: x IS DISTINCT FROM y
	add(kwEndsSelectRegion|kwEndsWhereRegion|kwEndsOnRegion, `group having order limit union for lock into on`)
	add(kwEndsSelectRegion|kwEndsOnRegion, `where join inner cross left right full natural straight_join outer using set`)
	add(kwRegionStatement, `select insert replace update delete`)
	add(kwDropsRegion, `select with values table lateral over window into union except intersect minus
		returning recursive procedure offset fetch`)
	add(kwSelectModifier, `sql_calc_found_rows high_priority distinctrow sql_small_result sql_big_result sql_buffer_result`)
	add(kwSelectOption, `select all distinct straight_join sql_cache sql_no_cache sql_calc_found_rows high_priority
		distinctrow sql_small_result sql_big_result sql_buffer_result`)
	add(kwStatement, `select insert update delete replace with values`)
	add(kwRowStatement, `select insert update delete replace with values table`)
	add(kwReadsNoRows, `show use pragma begin start commit rollback savepoint release optimize repair check checksum
		vacuum reindex lock unlock flush grant revoke attach detach kill explain describe desc analyze
		create alter drop rename`)
	add(kwNamesInLiterals, `show describe desc pragma create alter drop rename`)
	add(kwDanger, `select insert update delete replace truncate values table handler load call do execute prepare with into`)
	add(kwInsertDanger, `select replace table with delete truncate handler call execute prepare`)
	add(kwDestructive, `delete replace truncate call execute prepare do handler load`)
	add(kwTableVerb, `analyze check optimize repair checksum create alter drop rename temporary show describe desc
		explain flush exists`)
	add(kwModifier, `low_priority high_priority delayed quick ignore lateral only concurrent local straight_join`)
	add(kwAfterInsertList, `values value select set with table default on`)
	add(kwAlterTarget, `column index key constraint partition`)
	add(kwSessionSafe, `select insert update delete replace with values table show explain describe desc start
		commit rollback savepoint release lock unlock create alter drop rename truncate`)
	add(kwPrepared, `prepare execute deallocate`)
	return m
}()

// keywordOf returns the properties of the word lw (lower case).
func keywordOf(lw string) keyword { return keywords[lw] }

// is reports whether k has one of the properties p.
func (k keyword) is(p keyword) bool { return k&p != 0 }
