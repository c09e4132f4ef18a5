package softdelete

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"strconv"
	"strings"
)

// DriverName is the name the softdelete driver is registered under.
const DriverName = "softdelete"

// DefaultColumn is the deleted column of a table that does not name one.
const DefaultColumn = "deleted_at"

// maxIdentLen is the longest table or column name accepted (MySQL's limit).
const maxIdentLen = 64

func init() {
	sql.Register(DriverName, &Driver{})
}

// Driver is the softdelete database/sql driver, registered as "softdelete".
// Its DSN names an inner driver, the soft-delete tables and the inner DSN:
//
//	driver=mysql tables=users,posts,comments:removed_at column=deleted_at dsn=root@tcp(127.0.0.1:3306)/app?parseTime=true
//
// See ParseDSN for every key.
type Driver struct{}

// Open opens a connection. database/sql calls OpenConnector instead, so a
// bad DSN fails at sql.Open.
func (d *Driver) Open(dsn string) (driver.Conn, error) {
	c, err := d.OpenConnector(dsn)
	if err != nil {
		return nil, err
	}
	return c.Connect(context.Background())
}

// OpenConnector parses the DSN and returns a Connector for it.
func (d *Driver) OpenConnector(dsn string) (driver.Connector, error) {
	cfg, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	return NewConnector(*cfg)
}

// Config configures a softdelete connector. ParseDSN builds one from a DSN;
// Go code can fill one and call NewConnector, for sql.OpenDB.
type Config struct {
	// DriverName and DSN name a registered inner driver and its DSN.
	DriverName string
	DSN        string
	// Connector is an inner connector to use instead of DriverName and DSN.
	Connector driver.Connector
	// Tables lists the soft-delete tables, each "name" or "name:column".
	Tables []string
	// Column is the deleted column of tables that do not name one;
	// empty means DefaultColumn.
	Column string
	// Dialect is "mysql" or "sqlite"; empty means the one that
	// DriverName implies ("mysql", "sqlite3").
	Dialect string
	// Now is the SQL expression a soft DELETE stamps with; empty means the
	// dialect's current time with sub-second precision.
	Now string
	// CacheSize is how many rewrites the connector remembers: 0 means
	// DefaultCacheSize, a negative number disables the cache.
	CacheSize int
}

// ParseDSN parses a softdelete DSN: space-separated key=value pairs, with
// dsn= last, taking the rest of the string verbatim as the inner DSN.
//
//	driver   the registered inner driver (required)
//	tables   soft-delete tables, comma-separated, each name or name:column (required)
//	column   the default deleted column (default deleted_at)
//	dialect  mysql or sqlite, when the driver's name does not tell
//	now      the SQL expression a soft DELETE stamps with (no spaces)
//	cache    how many rewrites to remember; 0 disables the cache (default 4096)
//	dsn      the inner driver's DSN (required, last)
func ParseDSN(dsn string) (*Config, error) {
	cfg := &Config{}
	seen := map[string]bool{}
	hasDSN := false
	s := strings.TrimLeft(dsn, " \t\r\n")
	for s != "" {
		if strings.HasPrefix(s, "dsn=") {
			cfg.DSN, hasDSN = s[len("dsn="):], true
			break
		}
		end := strings.IndexAny(s, " \t\r\n")
		if end < 0 {
			end = len(s)
		}
		pair := s[:end]
		s = strings.TrimLeft(s[end:], " \t\r\n")
		key, val, ok := strings.Cut(pair, "=")
		if !ok || key == "" {
			return nil, fmt.Errorf("softdelete: DSN: %q is not key=value", pair)
		}
		if seen[key] {
			return nil, fmt.Errorf("softdelete: DSN: key %q is given twice", key)
		}
		seen[key] = true
		switch key {
		case "driver":
			cfg.DriverName = val
		case "tables":
			if val == "" {
				return nil, errors.New("softdelete: DSN: tables= is empty")
			}
			cfg.Tables = strings.Split(val, ",")
		case "column":
			if val == "" {
				return nil, errors.New("softdelete: DSN: column= is empty")
			}
			cfg.Column = val
		case "dialect":
			cfg.Dialect = val
		case "now":
			if val == "" {
				return nil, errors.New("softdelete: DSN: now= is empty")
			}
			cfg.Now = val
		case "cache":
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("softdelete: DSN: cache=%q is not a count of statements", val)
			}
			cfg.CacheSize = n
			if n == 0 {
				cfg.CacheSize = -1
			}
		default:
			return nil, fmt.Errorf("softdelete: DSN: unknown key %q (want driver, tables, column, dialect, now, cache, dsn)", key)
		}
	}
	switch {
	case cfg.DriverName == "":
		return nil, errors.New("softdelete: DSN: driver= is missing (the inner driver, e.g. driver=mysql)")
	case cfg.Tables == nil:
		return nil, errors.New("softdelete: DSN: tables= is missing (the soft-delete tables, e.g. tables=users,posts)")
	case !hasDSN:
		return nil, errors.New("softdelete: DSN: dsn= is missing (the inner driver's DSN, last)")
	}
	return cfg, nil
}

// isPlainIdent reports whether s is a plain SQL identifier.
func isPlainIdent(s string) bool {
	if s == "" || len(s) > maxIdentLen || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isIdentStart(c) && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// Connector is a driver.Connector that rewrites the statements of the
// connections it opens. Use it with sql.OpenDB.
type Connector struct {
	inner        driver.Connector
	rw           *rewriter
	checkSession bool // check each new go-sql-driver/mysql connection's session
}

// NewConnector checks a Config and returns its Connector.
func NewConnector(cfg Config) (*Connector, error) {
	rw, err := newRewriter(cfg)
	if err != nil {
		return nil, err
	}
	inner := cfg.Connector
	switch {
	case inner != nil && (cfg.DriverName != "" || cfg.DSN != ""):
		return nil, errors.New("softdelete: Config: give either Connector or DriverName and DSN, not both")
	case inner == nil && cfg.DriverName == "":
		return nil, errors.New("softdelete: Config: DriverName (the inner driver) is missing")
	case inner == nil:
		if cfg.DriverName == DriverName {
			return nil, errors.New("softdelete: the inner driver cannot be softdelete itself")
		}
		inner, err = openInner(cfg.DriverName, cfg.DSN)
		if err != nil {
			return nil, err
		}
	}
	if rw.d == dialectMySQL {
		if mode := unsupportedSQLMode(cfg.DSN); mode != "" {
			return nil, fmt.Errorf("softdelete: the inner DSN sets sql_mode %s, which changes how MySQL reads strings and quotes; softdelete does not support it", mode)
		}
	}
	c := &Connector{inner: inner, rw: rw}
	if rw.d == dialectMySQL {
		c.checkSession = pkgPath(inner.Driver()) == "github.com/go-sql-driver/mysql"
	}
	return c, nil
}

// pkgPath returns the import path of v's type, through one pointer.
func pkgPath(v any) string {
	t := reflect.TypeOf(v)
	if t == nil {
		return ""
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.PkgPath()
}

// checkMySQLSession refuses a new go-sql-driver/mysql connection whose
// session reads SQL text differently from softdelete's lexer: an sql_mode
// with NO_BACKSLASH_ESCAPES or ANSI_QUOTES (set on the server, not in the
// DSN), or a character set in which a backslash can end a character.
func checkMySQLSession(ctx context.Context, ic driver.Conn) error {
	qc, ok := ic.(driver.QueryerContext)
	if !ok {
		return nil
	}
	sqlMode, cs, err := readMySQLSession(ctx, qc)
	if err != nil {
		return err
	}
	switch setting, value := unsafeSession(sqlMode, cs); setting {
	case "sql_mode":
		return fmt.Errorf("softdelete: the server's sql_mode has %s, which changes how MySQL reads strings and quotes; softdelete does not support it", value)
	case "character_set_client":
		return fmt.Errorf("softdelete: the connection's character set %s could make the server read SQL differently from softdelete's lexer (it reads utf8mb4, utf8mb3 and ascii); use utf8mb4", value)
	}
	return nil
}

// unsupportedSQLMode returns the sql_mode flag of a MySQL DSN that makes the
// server read SQL text differently from softdelete's lexer, or "".
func unsupportedSQLMode(dsn string) string {
	_, params, _ := strings.Cut(dsn, "?")
	for _, kv := range strings.Split(params, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if !strings.EqualFold(k, "sql_mode") {
			continue
		}
		if u, err := url.QueryUnescape(v); err == nil {
			v = u
		}
		for _, f := range strings.Split(strings.Trim(v, `'"`), ",") {
			switch f = strings.ToUpper(strings.TrimSpace(f)); f {
			case "NO_BACKSLASH_ESCAPES", "ANSI_QUOTES", "ANSI":
				return f
			}
		}
	}
	return ""
}

// newRewriter builds the rewriter of a configuration, checking it.
func newRewriter(cfg Config) (*rewriter, error) {
	column := cfg.Column
	if column == "" {
		column = DefaultColumn
	}
	if !isPlainIdent(column) {
		return nil, fmt.Errorf("softdelete: column %q is not a plain identifier", column)
	}
	var d dialect
	switch {
	case cfg.Dialect != "":
		var err error
		if d, err = parseDialect(cfg.Dialect); err != nil {
			return nil, err
		}
	default:
		var ok bool
		if d, ok = dialectOfDriver(cfg.DriverName); !ok {
			name := cfg.DriverName
			if name == "" {
				name = fmt.Sprintf("%T", cfg.Connector)
			}
			return nil, fmt.Errorf("softdelete: cannot tell the SQL dialect of inner driver %q; set dialect=mysql or dialect=sqlite", name)
		}
	}
	if len(cfg.Tables) == 0 {
		return nil, errors.New("softdelete: no soft-delete tables are listed")
	}
	var tables []*softTable
	seen := map[string]bool{}
	for _, spec := range cfg.Tables {
		name, col, hasCol := strings.Cut(spec, ":")
		if !hasCol {
			col = column
		}
		if name == "" {
			return nil, fmt.Errorf("softdelete: tables: empty table name in %q", strings.Join(cfg.Tables, ","))
		}
		if !isPlainIdent(name) {
			return nil, fmt.Errorf("softdelete: tables: %q is not a plain table name", name)
		}
		if !isPlainIdent(col) {
			return nil, fmt.Errorf("softdelete: tables: column %q of table %s is not a plain identifier", col, name)
		}
		lower := strings.ToLower(name)
		if seen[lower] {
			return nil, fmt.Errorf("softdelete: tables: %s is listed twice", name)
		}
		seen[lower] = true
		tables = append(tables, &softTable{name: lower, column: col})
	}
	nowText := cfg.Now
	if nowText == "" {
		nowText = d.defaultNow()
	}
	now, err := parseExpr(nowText)
	if err != nil {
		return nil, fmt.Errorf("softdelete: now=%q is not one SQL expression: %w", nowText, err)
	}
	size := cfg.CacheSize
	if size == 0 {
		size = DefaultCacheSize
	}
	return &rewriter{d: d, tables: newTableSet(tables), now: now, cache: newCache(size)}, nil
}

// openInner finds a registered driver by name and returns a connector for
// the DSN, so that a bad inner DSN fails now.
func openInner(name, dsn string) (driver.Connector, error) {
	db, err := sql.Open(name, dsn)
	if err != nil {
		if strings.Contains(err.Error(), "unknown driver") {
			return nil, fmt.Errorf("softdelete: unknown inner driver %q (forgotten import?): %w", name, err)
		}
		return nil, fmt.Errorf("softdelete: inner driver %s: %w", name, err)
	}
	drv := db.Driver()
	_ = db.Close()
	if dc, ok := drv.(driver.DriverContext); ok {
		c, err := dc.OpenConnector(dsn)
		if err != nil {
			return nil, fmt.Errorf("softdelete: inner driver %s: %w", name, err)
		}
		return c, nil
	}
	return dsnConnector{drv: drv, dsn: dsn}, nil
}

// dsnConnector is the connector of an inner driver without DriverContext.
type dsnConnector struct {
	drv driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.drv }

// Connect opens an inner connection and wraps it.
func (c *Connector) Connect(ctx context.Context) (driver.Conn, error) {
	ic, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	if c.checkSession {
		if err := checkMySQLSession(ctx, ic); err != nil {
			ic.Close()
			return nil, err
		}
	}
	return wrapConn(ic, c.rw, c.checkSession), nil
}

// Driver returns the softdelete Driver.
func (c *Connector) Driver() driver.Driver { return &Driver{} }

// Close closes the inner connector if it can be closed; sql.DB.Close
// calls it.
func (c *Connector) Close() error {
	if cl, ok := c.inner.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}

// CacheStats returns the counters of the connector's rewrite cache.
func (c *Connector) CacheStats() CacheStats { return c.rw.cache.stats() }

// Rewrite returns the SQL that a statement is sent as under the modes ctx
// carries, or the error that refuses it. It sends nothing: use it to see
// what softdelete does with a query.
func (c *Connector) Rewrite(ctx context.Context, query string) (string, error) {
	return c.rw.rewrite(query, modeFrom(ctx))
}

// Stats returns the rewrite cache counters of a database opened with
// sql.Open("softdelete", dsn) or sql.OpenDB(connector).
func Stats(ctx context.Context, db *sql.DB) (CacheStats, error) {
	c, err := db.Conn(ctx)
	if err != nil {
		return CacheStats{}, err
	}
	defer c.Close()
	var st CacheStats
	found := false
	err = c.Raw(func(dc any) error {
		if w, ok := dc.(interface{ softdeleteConn() *conn }); ok {
			st, found = w.softdeleteConn().rw.cache.stats(), true
		}
		return nil
	})
	if err != nil {
		return CacheStats{}, err
	}
	if !found {
		return CacheStats{}, errors.New("softdelete: Stats: the database does not use the softdelete driver")
	}
	return st, nil
}
