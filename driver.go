package softdelete

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"reflect"
	"slices"
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
	return newConnector(*cfg, dsnNames)
}

// Config configures a softdelete connector. ParseDSN builds one from a DSN;
// Go code can fill one and call NewConnector, for sql.OpenDB.
type Config struct {
	// DriverName and DSN name a registered inner driver and its DSN.
	DriverName string
	DSN        string
	// Connector is an inner connector to use instead of DriverName and DSN.
	Connector driver.Connector
	// Tables lists the soft-delete tables in the DSN's form, each "name",
	// "name:column", "name:column:kind" or "name:column:flag:companion"
	// (see ParseTable).
	Tables []string
	// TableList lists soft-delete tables in typed form, after Tables.
	TableList []Table
	// Column is the deleted column of tables that do not name one;
	// empty means DefaultColumn.
	Column string
	// Kind is the marker kind of tables that do not name one; empty
	// means KindTime.
	Kind MarkerKind
	// Dialect is "mysql", "sqlite" or "postgres"; empty means the one
	// that DriverName implies ("mysql", "sqlite3", "pgx", "postgres"), or
	// Connector's driver (go-sql-driver/mysql, go-sqlite3, pgx, lib/pq).
	// PostgreSQL needs import _ "github.com/softdelete-go/softdelete/postgres".
	Dialect string
	// Now is the SQL expression a soft DELETE stamps with; empty means the
	// dialect's current time with sub-second precision.
	Now string
	// CacheSize is how many rewrites the connector remembers: 0 means
	// DefaultCacheSize, a negative number disables the cache.
	CacheSize int
	// CacheBytes bounds the memory of the cache (its texts, rewrites and
	// templates, counted as CacheStats.Bytes): 0 means DefaultCacheBytes.
	// The cache keeps at most CacheSize entries and CacheBytes bytes.
	CacheBytes int
	// Check is what the schema check does with problems (schema.go):
	// CheckError (the default, also ""), CheckWarn or CheckOff.
	Check CheckMode
	// Logger receives the schema check's warnings and refused statements
	// at Warn, and each rewrite computed (not those served from the
	// cache) at Debug; nil: silent. Argument values are never logged.
	Logger *slog.Logger
	// Actor is the column that records who deleted a row (see WithActor),
	// e.g. "deleted_by"; empty: none. It is set on each listed table that
	// has it.
	Actor string
	// Cascade declares relations the schema does not, each
	// "child.column->parent.column" between listed tables: a soft DELETE
	// of parent rows also stamps their live children (see cascade.go),
	// and Purge of parent rows purges their soft-deleted children first.
	// On PostgreSQL only Purge follows them yet.
	Cascade []string
	// ForeignKeys is "follow" (the default, also "") to follow the
	// foreign keys between listed tables, or "ignore" to follow none.
	ForeignKeys string
}

// ParseDSN parses a softdelete DSN: space-separated key=value pairs, with
// dsn= last, taking the rest of the string verbatim as the inner DSN.
//
//	driver   the registered inner driver (required)
//	tables   soft-delete tables, comma-separated, each name, name:column,
//	         name:column:kind or name:column:flag:companion (required)
//	column   the default deleted column (default deleted_at)
//	kind     the default marker kind: time, unix, unixmilli or flag (default time)
//	dialect  mysql, sqlite or postgres, when the driver's name does not tell
//	now      the SQL expression a soft DELETE stamps with (no spaces)
//	cache    how many rewrites to remember; 0 disables the cache (default 4096)
//	cachebytes  the most memory the cache holds: bytes, or a number with KiB, MiB or GiB (default 4MiB)
//	check    the schema check: error, warn or off (default error)
//	actor    the column a soft DELETE records WithActor's value in (default: none)
//	cascade  relations to follow that the schema does not declare: child.col->parent.col,...
//	foreign_keys  follow (default) or ignore the foreign keys between listed tables
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
		if err := setDSNKey(cfg, key, val); err != nil {
			return nil, err
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

// setDSNKey sets the Config field of one DSN key (all but dsn=).
func setDSNKey(cfg *Config, key, val string) error {
	switch key {
	case "driver":
		cfg.DriverName = val
	case "tables":
		if val == "" {
			return errors.New("softdelete: DSN: tables= is empty")
		}
		cfg.Tables = strings.Split(val, ",")
	case "column":
		if val == "" {
			return errors.New("softdelete: DSN: column= is empty")
		}
		cfg.Column = val
	case "kind":
		if _, err := parseKind(val); err != nil || val == "" {
			return fmt.Errorf("softdelete: DSN: kind=%q is not a marker kind (want time, unix, unixmilli or flag)", val)
		}
		cfg.Kind = MarkerKind(val)
	case "dialect":
		cfg.Dialect = val
	case "now":
		if val == "" {
			return errors.New("softdelete: DSN: now= is empty")
		}
		cfg.Now = val
	case "cache":
		n, err := strconv.Atoi(val)
		if err != nil || n < 0 {
			return fmt.Errorf("softdelete: DSN: cache=%q is not a count of statements", val)
		}
		cfg.CacheSize = n
		if n == 0 {
			cfg.CacheSize = -1
		}
	case "cachebytes":
		n, err := parseByteSize(val)
		if err != nil {
			return fmt.Errorf("softdelete: DSN: cachebytes=%q %v", val, err)
		}
		cfg.CacheBytes = n
	case "cascade":
		if val == "" {
			return errors.New("softdelete: DSN: cascade= is empty (want child.column->parent.column, comma-separated)")
		}
		cfg.Cascade = strings.Split(val, ",")
	case "foreign_keys":
		cfg.ForeignKeys = val
	case "check":
		if _, err := parseCheckMode(CheckMode(val)); err != nil || val == "" {
			return fmt.Errorf("softdelete: DSN: check=%q is not a check mode (want error, warn or off)", val)
		}
		cfg.Check = CheckMode(val)
	case "actor":
		if val == "" {
			return errors.New("softdelete: DSN: actor= is empty (the column that records who deleted a row, e.g. actor=deleted_by)")
		}
		cfg.Actor = val
	default:
		return fmt.Errorf("softdelete: DSN: unknown key %q (want driver, tables, column, kind, dialect, now, cache, cachebytes, check, actor, cascade, foreign_keys, dsn)", key)
	}
	return nil
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
	return newConnector(cfg, configNames)
}

// newConnector is NewConnector, with errors naming the options as names
// does: the DSN's keys or Config's fields.
func newConnector(cfg Config, names optionNames) (*Connector, error) {
	rw, err := newRewriterNamed(cfg, names)
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
	if s := rw.d.session; s != nil {
		if err := s.checkDSN(cfg.DSN); err != nil {
			return nil, err
		}
	}
	if rw.relations, err = newCascade(cfg, rw); err != nil {
		return nil, err
	}
	if rw.d.newEngine == nil { // a foreign engine: softdelete cannot hand it a stamp
		rw.cascade = rw.relations
	}
	c := &Connector{inner: inner, rw: rw}
	if s := rw.d.session; s != nil {
		c.checkSession = s.readable(inner.Driver())
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

// optionNames are the names a configuration's errors give its options:
// the DSN's keys for sql.Open, Config's fields for NewConnector.
type optionNames struct {
	dialect    string // the option: "dialect=" or "Config.Dialect"
	dialectIs  string // written before its quoted value: "dialect=" or "Config.Dialect "
	setDialect string // how to set it, in a hint
	nowIs      string // "now=" or "Config.Now ", before its quoted value
	actorIs    string // "actor=" or "Config.Actor ", before its quoted value
}

var (
	dsnNames = optionNames{dialect: "dialect=", dialectIs: "dialect=",
		setDialect: "set dialect=mysql, dialect=sqlite or dialect=postgres", nowIs: "now=", actorIs: "actor="}
	configNames = optionNames{dialect: "Config.Dialect", dialectIs: "Config.Dialect ",
		setDialect: `set Config.Dialect to "mysql", "sqlite" or "postgres"`, nowIs: "Config.Now ", actorIs: "Config.Actor "}
)

// newRewriter builds the rewriter of a Config, checking it.
func newRewriter(cfg Config) (*rewriter, error) { return newRewriterNamed(cfg, configNames) }

// newRewriterNamed builds the rewriter of a configuration, checking it;
// its errors name the options as names does.
func newRewriterNamed(cfg Config, names optionNames) (*rewriter, error) {
	if cfg.Column != "" && !isPlainIdent(cfg.Column) {
		return nil, fmt.Errorf("softdelete: column %q is not a plain identifier", cfg.Column)
	}
	d, err := configDialect(cfg, names)
	if err != nil {
		return nil, err
	}
	nowText := cfg.Now
	if nowText == "" {
		nowText = d.defaultNow
	}
	now, err := parseExpr(nowText)
	if err != nil {
		return nil, fmt.Errorf("softdelete: %s%q is not one SQL expression: %w", names.nowIs, nowText, err)
	}
	if err := checkCacheBytes(cfg.CacheBytes); err != nil {
		return nil, fmt.Errorf("softdelete: Config: CacheBytes %d %v", cfg.CacheBytes, err)
	}
	tables, err := newSoftTables(cfg, d, now)
	if err != nil {
		return nil, err
	}
	size := cfg.CacheSize
	if size == 0 {
		size = DefaultCacheSize
	}
	if err := checkActorColumn(cfg.Actor, tables, names); err != nil {
		return nil, err
	}
	rw := &rewriter{d: d, tables: newTableSet(tables), now: now, cache: newCache(size, cfg.CacheBytes), actor: cfg.Actor, logger: cfg.Logger}
	if rw.engine, err = newEngine(rw, d, nowText); err != nil {
		return nil, fmt.Errorf("softdelete: the %s engine: %w", d, err)
	}
	if rw.schema, err = newSchemaGate(cfg, rw); err != nil {
		return nil, err
	}
	return rw, nil
}

// configDialect returns the dialect of a configuration: Dialect, or the
// one its inner driver's name or Connector's driver package implies. A
// known driver is never read as another dialect.
func configDialect(cfg Config, names optionNames) (*dialect, error) {
	if cfg.DriverName == "" && cfg.Connector == nil && cfg.Dialect == "" {
		return nil, errors.New("softdelete: Config: DriverName (the inner driver) is missing")
	}
	inner, known, isKnown := innerDriver(cfg)
	if cfg.Dialect == "" {
		if !isKnown {
			return nil, fmt.Errorf("softdelete: cannot tell the SQL dialect of %s; %s", inner, names.setDialect)
		}
		return known.d, nil
	}
	d, err := parseDialect(cfg.Dialect, names)
	if err != nil {
		return nil, err
	}
	if isKnown && d != known.d {
		return nil, fmt.Errorf("softdelete: %s%q contradicts %s, which speaks %s: softdelete would read its SQL wrongly; drop %s or make it %s",
			names.dialectIs, cfg.Dialect, inner, known.d, names.dialect, known.d)
	}
	return d, nil
}

// innerDriver describes a configuration's inner driver for errors and
// returns it if softdelete knows it, by DriverName or, for a Connector, by
// the package of its Driver().
func innerDriver(cfg Config) (string, knownDriver, bool) {
	if cfg.DriverName != "" || cfg.Connector == nil {
		k, ok := driverByName(cfg.DriverName)
		return fmt.Sprintf("inner driver %q", cfg.DriverName), k, ok
	}
	path := pkgPath(cfg.Connector.Driver())
	desc := fmt.Sprintf("inner connector %T", cfg.Connector)
	if path != "" {
		desc += " (driver package " + path + ")"
	}
	k, ok := driverByPackage(path)
	return desc, k, ok
}

// unregisteredDriver is the error for an inner driver name that no
// imported package registered: it names the import for a known driver.
func unregisteredDriver(name string) error {
	registered := "registered: " + strings.Join(sql.Drivers(), ", ")
	if k, ok := driverByName(name); ok && k.importPath != "" {
		return fmt.Errorf("softdelete: unknown inner driver %q: import _ %q to register it (%s)", name, k.importPath, registered)
	}
	return fmt.Errorf("softdelete: unknown inner driver %q: import the package that registers it (%s)", name, registered)
}

// openInner finds a registered driver by name and returns a connector for
// the DSN, so that a bad inner DSN fails now.
func openInner(name, dsn string) (driver.Connector, error) {
	if !slices.Contains(sql.Drivers(), name) {
		return nil, unregisteredDriver(name)
	}
	db, err := sql.Open(name, dsn)
	if err != nil {
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
	if check := c.rw.d.connCheck; check != nil {
		if err := check(ctx, ic); err != nil {
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
