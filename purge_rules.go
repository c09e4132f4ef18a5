package softdelete

import (
	"strconv"
	"strings"
	"time"
)

// purgeRules are the SQL of Purge (purge.go, purge_cascade.go) where
// dialects differ, as a value of the dialect: one per dialect, in
// purge_mysql.go, purge_sqlite.go and purge_postgres.go. Purge writes its
// statements with ? placeholders and names quoted by quote; bind numbers
// the placeholders where the dialect wants them numbered.
type purgeRules struct {
	// quote quotes a table or column name as the database spells it.
	quote func(name string) string
	// fold is the name the database reads for a name written unquoted
	// (PostgreSQL folds it to lower case); nil: as written.
	fold func(name string) string
	// bind rewrites a statement's ? placeholders ($1, $2, ... on
	// PostgreSQL); nil: sent as written.
	bind func(q string) string
	// cutoff is the condition of a time stamp in col (quoted) before
	// cutoff, and its arguments, in the database's own terms.
	cutoff func(rw *rewriter, col string, cutoff time.Time) (string, []any, error)
	// flagSet is the condition of a set flag in col (quoted).
	flagSet func(col string) string
	// primaryKey reads a table's primary key columns, in order; its one
	// ? is the table's name. "": not read (rowKey keys the rows).
	primaryKey string
	// rowKey keys the rows of any table where no primary key is read
	// (SQLite's rowid); "": the purge of a parent needs a primary key.
	rowKey string
	// batch is one batch's DELETE of at most n rows of table t (quoted)
	// that satisfy where; key is the primary key's columns (quoted,
	// separated by commas) or, without one, the marker column. It returns
	// the statement and how many times it holds where (its arguments are
	// repeated as often).
	batch func(t, where, key string, n int) (string, int)
	// enforced asks whether the database enforces declared foreign keys:
	// one row, 1 or 0.
	enforced string
	// lock ends the SELECT that picks a batch's rows ("" or " FOR UPDATE").
	lock string
	// derived: a subquery of the table a DELETE deletes from must be a
	// derived table (MySQL's "can't specify target table for update").
	derived bool
	// textKeys: key values read as bytes go back as text (lib/pq sends a
	// []byte argument as bytea).
	textKeys bool
}

// name is a name as the database reads it written unquoted.
func (pr *purgeRules) name(s string) string {
	if pr.fold != nil {
		return pr.fold(s)
	}
	return s
}

// sql is q with its placeholders as the dialect wants them.
func (pr *purgeRules) sql(q string) string {
	if pr.bind != nil {
		return pr.bind(q)
	}
	return q
}

// numberPlaceholders replaces each ? of q that is not inside a quoted
// name or a string by $1, $2, ... in order: Purge's statements are built
// with ? and PostgreSQL numbers its parameters. A doubled quote inside a
// quoted part closes and reopens it, which comes to the same.
func numberPlaceholders(q string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		switch c := q[i]; c {
		case '?':
			n++
			b.WriteString("$" + strconv.Itoa(n))
		case '\'', '"':
			end := len(q)
			if j := strings.IndexByte(q[i+1:], c); j >= 0 {
				end = i + j + 2
			}
			b.WriteString(q[i:end])
			i = end - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
