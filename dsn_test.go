package softdelete_test

import (
	"database/sql"
	"errors"
	"reflect"
	"strings"
	"testing"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/mattn/go-sqlite3"

	"github.com/softdelete-go/softdelete"
)

func TestParseDSN(t *testing.T) {
	cfg, err := softdelete.ParseDSN("driver=mysql tables=users,posts,comments:removed_at column=gone dialect=mysql now=utc_timestamp(6) cache=10 dsn=root@tcp(127.0.0.1:3306)/app?parseTime=true&x=a b")
	if err != nil {
		t.Fatal(err)
	}
	want := &softdelete.Config{
		DriverName: "mysql",
		DSN:        "root@tcp(127.0.0.1:3306)/app?parseTime=true&x=a b",
		Tables:     []string{"users", "posts", "comments:removed_at"},
		Column:     "gone",
		Dialect:    "mysql",
		Now:        "utc_timestamp(6)",
		CacheSize:  10,
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("ParseDSN = %+v\nwant %+v", cfg, want)
	}
	cfg, err = softdelete.ParseDSN("  driver=sqlite3\ttables=t cache=0 dsn=")
	if err != nil || cfg.CacheSize != -1 || cfg.DSN != "" {
		t.Fatalf("cache=0 and an empty dsn: %+v, %v", cfg, err)
	}
}

func TestBadDSN(t *testing.T) {
	for _, c := range []struct{ dsn, want string }{
		{"tables=users dsn=x", "driver= is missing"},
		{"driver=sqlite3 dsn=x", "tables= is missing"},
		{"driver=sqlite3 tables=users", "dsn= is missing"},
		{"driver=nosuch tables=users dialect=mysql dsn=x", `unknown inner driver "nosuch"`},
		{"driver=softdelete tables=users dialect=mysql dsn=x", "cannot be softdelete itself"},
		{"driver=sqlite3 tables=users colour=red dsn=x", `unknown key "colour"`},
		{"driver=sqlite3 tables= dsn=x", "tables= is empty"},
		{"driver=sqlite3 tables=users,,posts dsn=x", "empty table name"},
		{"driver=sqlite3 tables=users;drop dsn=x", `"users;drop" is not a plain table name`},
		{"driver=sqlite3 tables=users:del-at dsn=x", `column "del-at" of table users is not a plain identifier`},
		{"driver=sqlite3 tables=users column=a.b dsn=x", `column "a.b" is not a plain identifier`},
		{"driver=sqlite3 tables=users,Users dsn=x", "Users is listed twice"},
		{"driver=sqlite3 driver=mysql tables=users dsn=x", `key "driver" is given twice`},
		{"driver=sqlite3 tables=users junk dsn=x", `"junk" is not key=value`},
		{"driver=sqlite3 tables=users cache=-1 dsn=x", `cache="-1" is not a count`},
		{"driver=sqlite3 tables=users cache=lots dsn=x", `cache="lots" is not a count`},
		{"driver=sqlite3 tables=users dialect=oracle dsn=x", `unknown dialect "oracle"`},
		{"driver=sqlmock tables=users dsn=x", `cannot tell the SQL dialect of inner driver "sqlmock"`},
		{"driver=sqlite3 tables=users now=now(( dsn=x", `now="now((" is not one SQL expression`},
		{"driver=sqlite3 tables=users now=(select(1)) dsn=x", "subqueries are not allowed"},
		{"driver=sqlite3 tables=" + strings.Repeat("t", 65) + " dsn=x", "is not a plain table name"},
		{"driver=mysql tables=users dsn=root@tcp(127.0.0.1:3306/app", "inner driver mysql"},
	} {
		_, err := sql.Open("softdelete", c.dsn)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("sql.Open(%q) = %v; want an error containing %q", c.dsn, err, c.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), "softdelete: ") {
			t.Errorf("error %q lacks the softdelete: prefix", err)
		}
	}
	// The inner driver's own error is wrapped, not flattened.
	_, err := sql.Open("softdelete", "driver=mysql tables=users dsn=root@tcp(127.0.0.1:3306/app")
	if errors.Unwrap(err) == nil {
		t.Errorf("inner DSN error %v does not wrap its cause", err)
	}
}

func TestBadConfig(t *testing.T) {
	for _, c := range []struct {
		cfg  softdelete.Config
		want string
	}{
		{softdelete.Config{Tables: []string{"t"}, Dialect: "sqlite"}, "DriverName (the inner driver) is missing"},
		{softdelete.Config{DriverName: "sqlite3", Tables: nil}, "no soft-delete tables"},
		{softdelete.Config{DriverName: "sqlite3", DSN: "x", Tables: []string{"t"}, Connector: dummyConnector{}}, "either Connector or DriverName"},
		{softdelete.Config{Connector: dummyConnector{}, Tables: []string{"t"}}, "cannot tell the SQL dialect"},
	} {
		_, err := softdelete.NewConnector(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewConnector(%+v) = %v; want %q", c.cfg, err, c.want)
		}
	}
	if _, err := softdelete.NewConnector(softdelete.Config{Connector: dummyConnector{}, Dialect: "sqlite", Tables: []string{"t"}}); err != nil {
		t.Errorf("an inner connector with a dialect: %v", err)
	}
}

func TestUnsupportedSQLMode(t *testing.T) {
	for _, dsn := range []string{
		"root@tcp(127.0.0.1:3306)/app?sql_mode=NO_BACKSLASH_ESCAPES",
		"root@tcp(127.0.0.1:3306)/app?parseTime=true&sql_mode=%27TRADITIONAL%2CANSI_QUOTES%27",
		"root@tcp(127.0.0.1:3306)/app?sql_mode='ansi'",
	} {
		_, err := sql.Open("softdelete", "driver=mysql tables=users dsn="+dsn)
		if err == nil || !strings.Contains(err.Error(), "sql_mode") {
			t.Errorf("%s: err = %v, want a refusal of the sql_mode", dsn, err)
		}
	}
	if _, err := sql.Open("softdelete", "driver=mysql tables=users dsn=root@tcp(127.0.0.1:3306)/app?sql_mode=TRADITIONAL"); err != nil {
		t.Errorf("TRADITIONAL: %v", err)
	}
}
