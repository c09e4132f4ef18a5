package gormsoftdelete_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	_ "github.com/mattn/go-sqlite3"
	"github.com/softdelete-go/softdelete/gormsoftdelete"
	"gorm.io/driver/mysql"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// mysqlDSNEnv names the go-sql-driver/mysql DSN of a server on which the
// tests may create databases; without it the MariaDB half skips.
const mysqlDSNEnv = "SOFTDELETE_MYSQL_DSN"

// Author is a model without gorm.DeletedAt on the listed table authors.
type Author struct {
	ID       int64
	Name     string
	Articles []Article
}

// Article is a model without gorm.DeletedAt on the listed table articles;
// AuthorID is nullable because Association("Articles").Delete sets it to
// NULL.
type Article struct {
	ID       int64
	AuthorID *int64
	Title    string
	Author   *Author
}

// Member is a model WITH gorm.DeletedAt on the listed table members.
type Member struct {
	ID        int64
	Name      string
	DeletedAt gorm.DeletedAt
}

// schemas are the tables of the fixture per dialect, created raw.
var schemas = map[string][]string{
	"sqlite": {
		`CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL, deleted_at DATETIME)`,
		`CREATE TABLE articles (id INTEGER PRIMARY KEY, author_id INTEGER NULL, title TEXT NOT NULL, deleted_at DATETIME)`,
		`CREATE TABLE members (id INTEGER PRIMARY KEY, name TEXT NOT NULL, deleted_at DATETIME)`,
	},
	"mariadb": {
		`CREATE TABLE authors (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL, deleted_at DATETIME(6) NULL)`,
		`CREATE TABLE articles (id BIGINT PRIMARY KEY, author_id BIGINT NULL, title VARCHAR(100) NOT NULL, deleted_at DATETIME(6) NULL)`,
		`CREATE TABLE members (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL, deleted_at DATETIME(6) NULL)`,
	},
}

// fixture is a database with the tables of schemas, open through GORM on
// softdelete with the plugin (G), and raw (Raw).
type fixture struct {
	G    *gorm.DB
	Raw  *sql.DB
	Soft *sql.DB                      // the softdelete *sql.DB below G
	Dial func(*sql.DB) gorm.Dialector // G's dialector on another *sql.DB
}

// forEachDialect runs test on a fresh SQLite file and, when
// SOFTDELETE_MYSQL_DSN is set, on a fresh MariaDB database.
func forEachDialect(t *testing.T, test func(t *testing.T, f fixture)) {
	t.Run("sqlite", func(t *testing.T) { test(t, openSQLite(t)) })
	t.Run("mariadb", func(t *testing.T) { test(t, openMariaDB(t)) })
}

// openSQLite creates the tables in a SQLite file and opens GORM on it
// through softdelete with the plugin.
func openSQLite(t *testing.T) fixture {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gorm.db") + "?_busy_timeout=5000"
	raw := openSQL(t, "sqlite3", path)
	createTables(t, raw, schemas["sqlite"])
	soft := openSQL(t, "softdelete", "driver=sqlite3 tables=authors,articles,members dsn="+path)
	dial := func(db *sql.DB) gorm.Dialector { return sqlite.New(sqlite.Config{Conn: db}) }
	return fixture{G: openGORM(t, dial(soft), &gorm.Config{}), Raw: raw, Soft: soft, Dial: dial}
}

// openMariaDB creates a database of its own (dropped first if a previous
// run left it, and at the end), creates the tables and opens GORM on it
// through softdelete with the plugin. It skips without SOFTDELETE_MYSQL_DSN.
func openMariaDB(t *testing.T) fixture {
	t.Helper()
	dsn := os.Getenv(mysqlDSNEnv)
	if dsn == "" {
		t.Skip(mysqlDSNEnv + " not set: skipping the MariaDB half")
	}
	cfg, err := mysqldriver.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s=%q: %v", mysqlDSNEnv, dsn, err)
	}
	admin := openSQL(t, "mysql", cfg.FormatDSN())
	name := databaseName(t)
	for _, q := range []string{"DROP DATABASE IF EXISTS `" + name + "`", "CREATE DATABASE `" + name + "`"} {
		if _, err := admin.Exec(q); err != nil {
			t.Fatalf("%s: %v (%s=%s)", q, err, mysqlDSNEnv, dsn)
		}
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS `" + name + "`"); err != nil {
			t.Errorf("dropping %s: %v", name, err)
		}
	})
	cfg.DBName, cfg.ParseTime, cfg.Loc = name, true, time.UTC
	raw := openSQL(t, "mysql", cfg.FormatDSN())
	createTables(t, raw, schemas["mariadb"])
	soft := openSQL(t, "softdelete", "driver=mysql tables=authors,articles,members dsn="+cfg.FormatDSN())
	dial := func(db *sql.DB) gorm.Dialector { return mysql.New(mysql.Config{Conn: db}) }
	return fixture{G: openGORM(t, dial(soft), &gorm.Config{}), Raw: raw, Soft: soft, Dial: dial}
}

// databaseName is a MariaDB database name of the test's own.
func databaseName(t *testing.T) string {
	name := "gormsoftdelete_" + strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "_"))
	if len(name) > 64 {
		name = name[:64]
	}
	return name
}

// openSQL opens a *sql.DB that the test closes at its end.
func openSQL(t testing.TB, driverName, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driverName, dsn)
	if err != nil {
		t.Fatalf("sql.Open(%q): %v", driverName, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// createTables runs the schema on the raw database.
func createTables(t *testing.T, raw *sql.DB, schema []string) {
	t.Helper()
	for _, q := range schema {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// openGORM opens GORM on the dialector with config (its logger silenced)
// and uses the plugin.
func openGORM(t *testing.T, dialector gorm.Dialector, config *gorm.Config) *gorm.DB {
	t.Helper()
	config.Logger = logger.Default.LogMode(logger.Silent)
	g, err := gorm.Open(dialector, config)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Use(gormsoftdelete.New()); err != nil {
		t.Fatalf("db.Use(gormsoftdelete.New()): %v", err)
	}
	return g
}

// must fails the test when a GORM call failed.
func must(t *testing.T, what string, tx *gorm.DB) *gorm.DB {
	t.Helper()
	if tx.Error != nil {
		t.Fatalf("%s: %v", what, tx.Error)
	}
	return tx
}

// noError fails the test when err is not nil.
func noError(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// rawIDs returns the ids that a raw query selects, sorted, joined by commas.
func rawIDs(t *testing.T, raw *sql.DB, query string, args ...any) string {
	t.Helper()
	rows, err := raw.Query(query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return joinIDs(ids)
}

// joinIDs returns the ids sorted and joined by commas.
func joinIDs(ids []int64) string {
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return strings.Join(s, ",")
}

// wantIDs fails the test unless got is want.
func wantIDs(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s: ids [%s], want [%s]", what, got, want)
	}
}

// authorIDs runs Find on authors through tx and returns the ids.
func authorIDs(t *testing.T, what string, tx *gorm.DB) string {
	t.Helper()
	var authors []Author
	must(t, what, tx.Find(&authors))
	ids := make([]int64, len(authors))
	for i, a := range authors {
		ids[i] = a.ID
	}
	return joinIDs(ids)
}

// articleIDs returns the ids of the articles.
func articleIDs(articles []Article) string {
	ids := make([]int64, len(articles))
	for i, a := range articles {
		ids[i] = a.ID
	}
	return joinIDs(ids)
}

// ptr returns a pointer to v.
func ptr(v int64) *int64 { return &v }

// seedAuthors creates authors 1 ann, 2 bob, 3 cid, all live.
func seedAuthors(t *testing.T, f fixture) {
	t.Helper()
	must(t, "create authors", f.G.Create(&[]Author{{ID: 1, Name: "ann"}, {ID: 2, Name: "bob"}, {ID: 3, Name: "cid"}}))
}

// background is the context the tests start from.
var background = context.Background()
