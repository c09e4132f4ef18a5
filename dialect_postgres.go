package softdelete

import (
	"fmt"

	"github.com/softdelete-go/softdelete/internal/engine"
)

// postgresImport is the package that brings the PostgreSQL engine: it
// registers itself with engine.Register when imported.
const postgresImport = "github.com/softdelete-go/softdelete/postgres"

// dialectPostgres is PostgreSQL, through jackc/pgx (stdlib) or lib/pq. Its
// SQL is read by the real PostgreSQL parser (pganalyze/pg_query_go), in the
// package postgresImport, which MySQL and SQLite users never compile: the
// engine is looked up when a connector is built, and its absence is an
// error that names the import.
var dialectPostgres = &dialect{
	name:    "postgres",
	aliases: []string{"postgres", "postgresql", "pg", "pgsql"},
	drivers: []knownDriver{
		{name: "postgres", importPath: "github.com/lib/pq"},
		{name: "postgresql"},
		{name: "pq"},
		{name: "pgx", importPath: "github.com/jackc/pgx/v5/stdlib"},
		{name: "pgx/v5", importPath: "github.com/jackc/pgx/v5/stdlib"},
		{name: "pgx/v4", importPath: "github.com/jackc/pgx/v4/stdlib"},
	},
	// The lexer reads PostgreSQL only for the schema check's gate
	// (needsSchemaCheck); the engine reads statements with the server's
	// own parser.
	lex: lexRules{numberedParams: true},
	print: printRules{
		identQuote:          `"`,
		doubledQuoteStrings: true,
		bareCurrentTime:     true,
	},
	updateReturning: true,
	defaultNow:      "now()",
	concatFix:       "write OR for a logical or",
	upsert:          "INSERT INTO %s ... ON CONFLICT (key) DO UPDATE SET ...",
	purge:           &postgresPurge,
	session:         postgresSession{},
	connCheck:       checkPostgresConn,
	newEngine:       newPostgresEngine,
}

// newPostgresEngine builds the engine the postgres package registered, or
// says which import is missing.
func newPostgresEngine(cfg engine.Config) (engine.Engine, error) {
	n := engine.Lookup("postgres")
	if n == nil {
		return nil, fmt.Errorf("PostgreSQL needs its engine: import _ %q (it brings the PostgreSQL parser, which MySQL and SQLite users do not compile)", postgresImport)
	}
	return n(cfg)
}
