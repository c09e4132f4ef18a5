package softdelete

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"

	"github.com/softdelete-go/softdelete/internal/engine"
)

// dialect is the SQL dialect of an inner driver, as a value: how the
// lexer reads its strings, identifiers, comments and parameters, how the
// printer writes identifiers, strings and the current time, what its SQL
// means where dialects differ, the drivers that speak it, and the session
// rules that keep its server reading text as the lexer does. Each dialect
// lives in its own file (dialect_mysql.go, dialect_sqlite.go); adding one
// that sqlparser can read is a new file and an entry in dialects.
type dialect struct {
	name    string   // as messages name it
	aliases []string // the values of the dialect option that mean it, lower case
	drivers []knownDriver

	lex   lexRules
	print printRules

	// commaBindsLikeJoin: a comma in FROM has the precedence of JOIN
	// (SQLite), not a lower one (MySQL): "a, b RIGHT JOIN c" is
	// "(a, b) RIGHT JOIN c".
	commaBindsLikeJoin bool
	// updateReturning: UPDATE ... RETURNING exists, so a soft DELETE ...
	// RETURNING can become one.
	updateReturning bool
	// rowid: tables have an implicit rowid column (rowid, oid, _rowid_),
	// which a derived table lacks.
	rowid bool
	// readsTargetMidWrite: the subqueries of an UPDATE's SET read its own
	// table row by row as the UPDATE changes it (SQLite), where a derived
	// table of that table is read once, before: wrapping it would change
	// the result.
	readsTargetMidWrite bool
	// renameNeedsTo: ALTER TABLE t RENAME renames the table only as
	// RENAME TO (SQLite's RENAME [COLUMN] a TO b renames a column).
	renameNeedsTo bool
	// stringNamesInDDL: a single-quoted string stands for a name where the
	// grammar wants one (SQLite: DROP TABLE 'users'), so DROP and ALTER
	// TABLE are checked with their strings read as names too.
	stringNamesInDDL bool
	// defaultNow is the expression a soft DELETE stamps the deleted column
	// with: the database's current time, with sub-second precision.
	defaultNow string
	// concatFix is the fix for the || operator; upsert the statement that
	// replaces a REPLACE, %s standing for the table.
	concatFix, upsert string

	// purge is Purge's SQL (purge_rules.go).
	purge *purgeRules

	// session keeps the server's session reading SQL as the lexer does;
	// nil where the session cannot change that (SQLite).
	session sessionRules

	// connCheck checks each new inner connection before its first
	// statement; nil: none (MySQL's session check is session.readable's).
	connCheck func(context.Context, driver.Conn) error

	// newEngine builds the dialect's own rewrite engine (see engine.go);
	// nil: the built-in engine on xwb1989/sqlparser, which reads MySQL
	// and SQLite.
	newEngine engine.New
}

// lexRules are the lexical rules of a dialect where MySQL and SQLite
// differ; everything else the lexer reads the same for both.
type lexRules struct {
	doubleQuotedStrings bool // "..." is a string (MySQL), else an identifier
	backslashEscapes    bool // a backslash escapes the next byte in a string
	bracketIdents       bool // [name] is a quoted identifier (SQLite)
	verticalTabBlank    bool // \v is a blank (SQLite's tokenizer rejects it)
	hashComments        bool // '#' starts a line comment (MySQL)
	dashCommentBlank    bool // "--" starts a comment only before a blank or control character (MySQL)
	versionedComments   bool // /*! and /*M! comments hold code (MySQL, MariaDB)
	optimizerHints      bool // /*+ ... */ after the first word reaches the server: keep comments there
	numberedParams      bool // ?NNN, :name, @name, $name and #name parameters (SQLite)
	variables           bool // @name, @@scope.name and @'name' are variables (MySQL)
	charsetPrefixes     bool // B'..', N'..' and _charset'..' make one literal (MySQL)
	selectModifiers     bool // SQL_CALC_FOUND_ROWS and friends (MySQL), kept past sqlparser
	pipesConcat         bool // || joins strings and there is no ^ (SQLite): sqlparser reads || as ^, printed back as ||
}

// printRules are how the printer writes SQL of a dialect where sqlparser's
// MySQL printing is wrong for it.
type printRules struct {
	identQuote          string // the quote of identifiers
	doubledQuoteStrings bool   // strings escape a quote by doubling it, not with a backslash
	dualBeforeWhere     bool   // a SELECT without FROM needs FROM dual before WHERE, HAVING or a lock
	bareCurrentTime     bool   // current_timestamp, current_date, current_time take no parentheses
}

// sessionRules are the checks that keep a database session reading SQL as
// the lexer does (see session.go for MySQL's).
type sessionRules interface {
	// sensitive reports, on the fast path and without allocating, whether q
	// may hold a statement that the session checks must see.
	sensitive(q string) bool
	// check refuses a statement that would make the session read SQL
	// otherwise, or run SQL the rewriter never sees.
	check(st *sourceStatement) error
	// checkAfter reports whether the session must be read back after the
	// statements run, refusing texts where no check could run in time.
	checkAfter(stmts []*sourceStatement) (bool, error)
	// checkDSN refuses an inner DSN whose settings make the server read
	// SQL otherwise.
	checkDSN(dsn string) error
	// readable reports whether softdelete can read back the session of
	// the inner driver's connections (see conn.verifySession).
	readable(inner driver.Driver) bool
	// readBack reads the session's settings on the server and returns the
	// one under which it reads SQL otherwise than softdelete, and its
	// value, or "", "".
	readBack(ctx context.Context, qc driver.QueryerContext) (setting, value string, err error)
}

// dialects are the dialects softdelete reads, for the dialect option.
var dialects = []*dialect{dialectMySQL, dialectSQLite, dialectPostgres}

// String returns the dialect's name.
func (d *dialect) String() string {
	if d == nil {
		return "no dialect"
	}
	return d.name
}

// parseDialect reads the dialect option; names name it in errors.
func parseDialect(s string, names optionNames) (*dialect, error) {
	lower := strings.ToLower(s)
	for _, d := range dialects {
		if contains(d.aliases, lower) {
			return d, nil
		}
	}
	return nil, fmt.Errorf("softdelete: unknown dialect %q in %s (want mysql, sqlite or postgres)", s, names.dialect)
}

// knownDriver is an inner driver softdelete knows: the name it registers,
// the import path that registers it, and its dialect.
type knownDriver struct {
	name, importPath string
	d                *dialect
}

// knownDrivers are the drivers whose dialect softdelete tells by their
// registered name or, for a Config.Connector, by their package: those of
// each dialect.
var knownDrivers = func() []knownDriver {
	var all []knownDriver
	for _, d := range dialects {
		for _, k := range d.drivers {
			k.d = d
			all = append(all, k)
		}
	}
	return all
}()

// driverByName returns the known driver registered under name.
func driverByName(name string) (knownDriver, bool) {
	for _, k := range knownDrivers {
		if k.name == name {
			return k, true
		}
	}
	return knownDriver{}, false
}

// driverByPackage returns the known driver whose driver.Driver type lives
// in the package at path (any major version of pgx).
func driverByPackage(path string) (knownDriver, bool) {
	if strings.HasPrefix(path, "github.com/jackc/pgx") {
		return knownDriver{importPath: path, d: dialectPostgres}, true
	}
	for _, k := range knownDrivers {
		if k.importPath != "" && k.importPath == path {
			return k, true
		}
	}
	return knownDriver{}, false
}
