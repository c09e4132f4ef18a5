package softdelete

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"

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

// postgresSettings are the settings that change how the server reads SQL
// text, with the values under which it reads it as pg_query_go does (the
// engine refuses statements that set them otherwise; see the postgres
// package). names: SET NAMES sets client_encoding.
var postgresSettings = []struct {
	name string
	safe []string
}{
	{"standard_conforming_strings", []string{"on"}},
	{"client_encoding", []string{"utf8", "unicode", "utf-8"}},
	{"backslash_quote", []string{"safe_encoding", "off", "false", "no", "0"}},
}

// postgresSession are PostgreSQL's session rules. The engine refuses the
// statements that set a reading setting to another value (SET, RESET
// keeps the connection's value, set_config, ALTER ... SET); each new
// connection's settings are read once (checkPostgresConn).
type postgresSession struct{}

// sensitive reports whether q may set a reading setting or name a table in
// a way the fast path cannot see (a U&"..." identifier): such texts go to
// the engine even when they name no soft-delete table. It makes one pass
// over q and does not allocate.
func (postgresSession) sensitive(q string) bool {
	n := len(q)
	for i := 0; i < n; {
		c := q[i]
		if c == '&' && i+1 < n && q[i+1] == '"' {
			return true
		}
		if !wordByte[c] {
			i++
			continue
		}
		j := i + 1
		for j < n && wordByte[q[j]] {
			j++
		}
		if w := j - i; w == 5 || w == 10 || w == 15 || w == 27 {
			switch lowerASCII(c) {
			case 'n', 's', 'c', 'b':
				if postgresSensitiveWord(q[i:j]) {
					return true
				}
			}
		}
		i = j
	}
	return false
}

// postgresSensitiveWord reports whether w names a reading setting or a
// way to set one (set_config, SET NAMES).
func postgresSensitiveWord(w string) bool {
	for _, s := range [...]string{"names", "set_config", "client_encoding", "backslash_quote", "standard_conforming_strings"} {
		if strings.EqualFold(w, s) {
			return true
		}
	}
	return false
}

// check and checkAfter are the built-in engine's; the PostgreSQL engine
// refuses what must be refused itself.
func (postgresSession) check(*sourceStatement) error { return nil }

func (postgresSession) checkAfter([]*sourceStatement) (bool, error) { return false, nil }

// checkDSN refuses an inner DSN that sets a reading setting: the server
// must read SQL as PostgreSQL does by default.
func (postgresSession) checkDSN(dsn string) error {
	lower := strings.ToLower(dsn)
	for _, s := range postgresSettings {
		if strings.Contains(lower, s.name) {
			return fmt.Errorf("softdelete: the inner DSN sets %s, which changes how PostgreSQL reads SQL text; remove it (softdelete needs the defaults: standard_conforming_strings on, client_encoding UTF8)", s.name)
		}
	}
	return nil
}

// readable is false: the MySQL read-back does not apply; new PostgreSQL
// connections are checked by checkPostgresConn instead.
func (postgresSession) readable(driver.Driver) bool { return false }

// postgresSettingsQuery reads the reading settings of a new connection.
const postgresSettingsQuery = "SELECT current_setting('standard_conforming_strings'), current_setting('client_encoding'), current_setting('backslash_quote')"

// checkPostgresConn refuses a new PostgreSQL connection whose server reads
// SQL text otherwise than pg_query_go: standard_conforming_strings off (set
// for the database or role), a client encoding other than UTF8, or
// backslash_quote on.
func checkPostgresConn(ctx context.Context, ic driver.Conn) error {
	qc, ok := ic.(driver.QueryerContext)
	if !ok {
		return nil
	}
	rows, err := qc.QueryContext(ctx, postgresSettingsQuery, nil)
	if err != nil {
		return fmt.Errorf("softdelete: reading the new connection's settings: %w", err)
	}
	defer rows.Close()
	vals := make([]driver.Value, len(postgresSettings))
	if err := rows.Next(vals); err != nil {
		if errors.Is(err, io.EOF) {
			err = errors.New("no row")
		}
		return fmt.Errorf("softdelete: reading the new connection's settings: %w", err)
	}
	for i, s := range postgresSettings {
		v := fmt.Sprint(vals[i])
		if b, ok := vals[i].([]byte); ok {
			v = string(b)
		}
		if !contains(s.safe, strings.ToLower(v)) {
			return fmt.Errorf("softdelete: the connection's %s is %q, under which PostgreSQL reads SQL text otherwise than softdelete's parser; set it to %s for the database and role (ALTER DATABASE ... RESET %s)", s.name, v, s.safe[0], s.name)
		}
	}
	return nil
}
