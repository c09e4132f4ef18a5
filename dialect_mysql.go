package softdelete

// dialectMySQL is MySQL and MariaDB, through go-sql-driver/mysql: the
// dialect sqlparser itself reads.
var dialectMySQL = &dialect{
	name:    "mysql",
	aliases: []string{"mysql", "mariadb"},
	drivers: []knownDriver{{name: "mysql", importPath: "github.com/go-sql-driver/mysql"}},
	lex: lexRules{
		doubleQuotedStrings: true,
		backslashEscapes:    true,
		verticalTabBlank:    true,
		hashComments:        true,
		dashCommentBlank:    true,
		versionedComments:   true,
		optimizerHints:      true,
		variables:           true,
		charsetPrefixes:     true,
		selectModifiers:     true,
	},
	print: printRules{
		identQuote:      "`",
		dualBeforeWhere: true,
	},
	defaultNow: "now(6)",
	concatFix:  "write OR for a logical or, concat(a, b) to join strings",
	upsert:     "INSERT INTO %s ... ON DUPLICATE KEY UPDATE",
	purge:      &mysqlPurge,
	session:    mysqlSession{},
}
