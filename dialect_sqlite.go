package softdelete

// dialectSQLite is SQLite, through mattn/go-sqlite3 or modernc.org/sqlite.
var dialectSQLite = &dialect{
	name:    "sqlite",
	aliases: []string{"sqlite", "sqlite3"},
	drivers: []knownDriver{
		{name: "sqlite3", importPath: "github.com/mattn/go-sqlite3"},
		{name: "sqlite", importPath: "modernc.org/sqlite"},
	},
	lex: lexRules{
		bracketIdents:  true,
		numberedParams: true,
		pipesConcat:    true,
	},
	print: printRules{
		identQuote:          `"`,
		doubledQuoteStrings: true,
		bareCurrentTime:     true,
	},
	commaBindsLikeJoin:  true,
	updateReturning:     true,
	rowid:               true,
	readsTargetMidWrite: true,
	renameNeedsTo:       true,
	stringNamesInDDL:    true,
	defaultNow:          "strftime('%Y-%m-%d %H:%M:%f', 'now')",
	concatFix:           "write OR for a logical or; to join strings, concat(a, b) (SQLite 3.44 or later) or printf('%s%s', a, b)",
	upsert:              "INSERT INTO %s ... ON CONFLICT (key) DO UPDATE SET ...",
	purge:               &sqlitePurge,
}
