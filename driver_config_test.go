package softdelete_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/mattn/go-sqlite3"

	"github.com/softdelete-go/softdelete"
)

// sqliteConnector is what a program writes to hand go-sqlite3 to
// sql.OpenDB or Config.Connector (go-sqlite3 has no connector of its own).
type sqliteConnector struct{ dsn string }

func (c sqliteConnector) Connect(context.Context) (driver.Conn, error) {
	return (&sqlite3.SQLiteDriver{}).Open(c.dsn)
}
func (c sqliteConnector) Driver() driver.Driver { return &sqlite3.SQLiteDriver{} }

// The connectors of go-sql-driver/mysql and go-sqlite3 need no Dialect.
func TestConfigConnectorDialect(t *testing.T) {
	mc, err := mysql.NewConnector(&mysql.Config{Net: "tcp", Addr: "127.0.0.1:3306", User: "root", DBName: "app"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		connector driver.Connector
		stamp     string
	}{
		{"mysql", mc, "now(6)"},
		{"sqlite3", sqliteConnector{dsn: ":memory:"}, "strftime("},
	} {
		sc, err := softdelete.NewConnector(softdelete.Config{Connector: c.connector, Tables: []string{"users"}})
		if err != nil {
			t.Errorf("%s connector: %v", c.name, err)
			continue
		}
		out, err := sc.Rewrite(context.Background(), "DELETE FROM users WHERE id = 1")
		if err != nil || !strings.Contains(out, c.stamp) {
			t.Errorf("%s connector: DELETE became %q, %v; want the %s stamp", c.name, out, err, c.stamp)
		}
	}
	// A Dialect that contradicts the connector's driver is refused.
	_, err = softdelete.NewConnector(softdelete.Config{Connector: mc, Dialect: "sqlite", Tables: []string{"users"}})
	if err == nil || !strings.Contains(err.Error(), `Config.Dialect "sqlite" contradicts`) || !strings.Contains(err.Error(), "github.com/go-sql-driver/mysql") {
		t.Errorf("mysql connector with Dialect sqlite: %v", err)
	}
}

// Errors name the option the way it was given: Config.Dialect for a
// Config, dialect= for a DSN.
func TestDialectErrorsNameTheOption(t *testing.T) {
	_, err := softdelete.NewConnector(softdelete.Config{Connector: dummyConnector{}, Tables: []string{"t"}})
	if err == nil || !strings.Contains(err.Error(), `set Config.Dialect to "mysql", "sqlite" or "postgres"`) || strings.Contains(err.Error(), "dialect=") {
		t.Errorf("Config without a dialect: %v", err)
	}
	_, err = softdelete.NewConnector(softdelete.Config{Connector: dummyConnector{}, Dialect: "oracle", Tables: []string{"t"}})
	if err == nil || !strings.Contains(err.Error(), `unknown dialect "oracle" in Config.Dialect`) {
		t.Errorf("Config with Dialect oracle: %v", err)
	}
	_, err = softdelete.NewConnector(softdelete.Config{Connector: dummyConnector{}, Dialect: "sqlite", Now: "now((", Tables: []string{"t"}})
	if err == nil || !strings.Contains(err.Error(), `Config.Now "now(("`) {
		t.Errorf("Config with a bad Now: %v", err)
	}
	_, err = sql.Open("softdelete", "driver=sqlmock tables=t dsn=x")
	if err == nil || !strings.Contains(err.Error(), "set dialect=mysql, dialect=sqlite or dialect=postgres") || strings.Contains(err.Error(), "Config.") {
		t.Errorf("DSN without a dialect: %v", err)
	}
	_, err = sql.Open("softdelete", "driver=sqlmock tables=t dialect=oracle dsn=x")
	if err == nil || !strings.Contains(err.Error(), `unknown dialect "oracle" in dialect=`) {
		t.Errorf("DSN with dialect=oracle: %v", err)
	}
	_, err = softdelete.NewConnector(softdelete.Config{Tables: []string{"t"}})
	if err == nil || !strings.Contains(err.Error(), "DriverName (the inner driver) is missing") {
		t.Errorf("Config without a driver: %v", err)
	}
}

// A driver name no package registered: the error says so once and names
// the import for a driver softdelete knows.
func TestUnregisteredDriverNamesTheImport(t *testing.T) {
	_, err := sql.Open("softdelete", "driver=sqlite tables=t dsn=x") // modernc.org/sqlite, not imported here
	if err == nil || !strings.Contains(err.Error(), `import _ "modernc.org/sqlite"`) || strings.Contains(err.Error(), "forgotten import") {
		t.Errorf("driver=sqlite: %v", err)
	}
	_, err = softdelete.NewConnector(softdelete.Config{DriverName: "nosuch", Dialect: "mysql", Tables: []string{"t"}})
	if err == nil || !strings.Contains(err.Error(), `unknown inner driver "nosuch": import the package that registers it (registered: `) ||
		strings.Count(err.Error(), "import") != 1 {
		t.Errorf("DriverName nosuch: %v", err)
	}
}

// PostgreSQL needs the postgres package, which this test binary does not
// import: the error names the import. A PostgreSQL driver is never read as
// MySQL or SQLite, whose reading could leak deleted rows.
func TestPostgreSQLNeedsItsPackage(t *testing.T) {
	if postgresTagged {
		t.Skip("built with -tags postgres, whose tests import the postgres package")
	}
	for _, name := range []string{"postgres", "postgresql", "pgx", "pgx/v5", "pq"} {
		_, err := sql.Open("softdelete", "driver="+name+" tables=t dsn=x")
		if err == nil || !strings.Contains(err.Error(), `import _ "github.com/softdelete-go/softdelete/postgres"`) {
			t.Errorf("driver=%s: %v", name, err)
		}
		for _, dialect := range []string{" dialect=mysql", " dialect=sqlite"} {
			_, err := sql.Open("softdelete", "driver="+name+dialect+" tables=t dsn=x")
			if err == nil || !strings.Contains(err.Error(), "which speaks postgres") {
				t.Errorf("driver=%s%s: %v", name, dialect, err)
			}
		}
	}
	for _, dialect := range []string{"postgres", "PostgreSQL"} {
		_, err := softdelete.NewConnector(softdelete.Config{Connector: dummyConnector{}, Dialect: dialect, Tables: []string{"t"}})
		if err == nil || !strings.Contains(err.Error(), "softdelete/postgres") {
			t.Errorf("Dialect %s: %v", dialect, err)
		}
	}
}

// A known driver's name with another dialect is refused; mariadb is mysql.
func TestDialectContradictsDriver(t *testing.T) {
	for _, dsn := range []string{"driver=mysql dialect=sqlite tables=t dsn=x", "driver=sqlite3 dialect=mysql tables=t dsn=x"} {
		_, err := sql.Open("softdelete", dsn)
		if err == nil || !strings.Contains(err.Error(), "contradicts inner driver") || !strings.Contains(err.Error(), "drop dialect=") {
			t.Errorf("%s: %v", dsn, err)
		}
	}
	if _, err := sql.Open("softdelete", "driver=mysql dialect=mariadb tables=t dsn=root@tcp(127.0.0.1:3306)/app"); err != nil {
		t.Errorf("driver=mysql dialect=mariadb: %v", err)
	}
}
