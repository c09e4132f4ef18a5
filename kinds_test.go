package softdelete

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

func TestParseTableForms(t *testing.T) {
	for spec, want := range map[string]Table{
		"users":                         {Name: "users"},
		"users:gone":                    {Name: "users", Column: "gone"},
		"orders:is_deleted:flag":        {Name: "orders", Column: "is_deleted", Kind: KindFlag},
		"orders:is_deleted:flag:del_at": {Name: "orders", Column: "is_deleted", Kind: KindFlag, Companion: "del_at"},
		"events::unixmilli":             {Name: "events", Kind: KindUnixMilli},
	} {
		got, err := ParseTable(spec)
		if err != nil || got != want {
			t.Errorf("ParseTable(%q) = %+v, %v; want %+v", spec, got, err, want)
		}
		if got.String() != spec {
			t.Errorf("ParseTable(%q).String() = %q", spec, got.String())
		}
	}
}

func TestBadKindConfig(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Tables: []string{"a:b:epoch"}}, `table a: "epoch" is not a marker kind (want time, unix, unixmilli or flag)`},
		{Config{Tables: []string{"a:b:"}}, "names an empty kind"},
		{Config{Tables: []string{"a:b:unix:c"}}, "only a flag marker takes (a:b:flag:c)"},
		{Config{Tables: []string{"a:b:flag:c-d"}}, `companion column "c-d" of table a is not a plain identifier`},
		{Config{Tables: []string{"a:b:flag:B"}}, "names b as both its flag and its companion"},
		{Config{Tables: []string{"a:b:flag:c:d"}}, "more than name:column:kind:companion"},
		{Config{Tables: []string{"a"}, Kind: "bool"}, `kind: "bool" is not a marker kind`},
		{Config{TableList: []Table{{Name: "a"}, {Name: "A", Kind: KindFlag}}}, "A is listed twice"},
		{Config{TableList: []Table{{Name: "a b"}}}, `"a b" is not a plain table name`},
	} {
		c.cfg.Dialect = "sqlite"
		_, err := newRewriter(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "softdelete: ") {
			t.Errorf("%+v: err = %v; want %q", c.cfg, err, c.want)
		}
	}
	if _, err := ParseDSN("driver=sqlite3 tables=a kind=epoch dsn=x"); err == nil || !strings.Contains(err.Error(), `kind="epoch" is not a marker kind`) {
		t.Errorf("kind=epoch: %v", err)
	}
}

// The default kind (kind=, Config.Kind) applies to tables that name none;
// Tables and TableList add up.
func TestDefaultKindAndTableList(t *testing.T) {
	rw, err := newRewriter(Config{Dialect: "mysql", Kind: KindUnix, Column: "del", Tables: []string{"a", "b:gone:time"},
		TableList: []Table{{Name: "c", Kind: KindFlag, Companion: "at"}}})
	if err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{
		"SELECT * FROM a": "select * from a where (a.del = 0 or a.del is null)",
		"SELECT * FROM b": "select * from b where b.gone is null",
		"DELETE FROM c":   "update c set at = now(6), del = 1 where (c.del = 0 or c.del is null)",
	} {
		if got, err := rw.rewrite(q, modeFrom(context.Background())); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", q, got, err, want)
		}
	}
}

// ParseDSN(FormatDSN(c)) is c for configurations in the DSN's form, and
// the same tables for TableList.
func TestFormatDSNRoundTrip(t *testing.T) {
	for _, c := range []Config{
		{DriverName: "sqlite3", DSN: "file:x.db?_busy_timeout=5000", Tables: []string{"users"}},
		{DriverName: "mysql", DSN: "root@tcp(127.0.0.1:3306)/app?parseTime=true&loc=UTC", Tables: []string{"users", "posts:gone", "orders:is_deleted:flag:deleted_at", "events::unixmilli"},
			Column: "removed_at", Kind: KindUnix, Dialect: "mysql", Now: "utc_timestamp(6)", CacheSize: 10, Check: CheckWarn},
		{DriverName: "x", Dialect: "sqlite", Tables: []string{"a"}, CacheSize: -1, Check: CheckOff, DSN: " spaces and dsn=inside "},
		{DriverName: "sqlite3", Tables: []string{"a:b:flag:"}, DSN: ""},
	} {
		got, err := ParseDSN(c.FormatDSN())
		if err != nil || !reflect.DeepEqual(*got, c) {
			t.Errorf("ParseDSN(%q) = %+v, %v\nwant %+v", c.FormatDSN(), got, err, c)
		}
	}
	typed := Config{DriverName: "sqlite3", DSN: "x.db", Tables: []string{"a"}, TableList: []Table{{Name: "o", Column: "f", Kind: KindFlag, Companion: "at"}, {Name: "e", Kind: KindUnix}}}
	got, err := ParseDSN(typed.FormatDSN())
	if want := []string{"a", "o:f:flag:at", "e::unix"}; err != nil || !reflect.DeepEqual(got.Tables, want) || got.TableList != nil {
		t.Errorf("FormatDSN of TableList: %+v, %v; want Tables %q", got, err, want)
	}
}

// The schema check knows the kinds: a numeric marker must hold a number
// and default to 0; a nullable one, and a flag in a unique key, are
// warnings; a companion must be a nullable timestamp; UNIQUE(email,
// deleted) with a NOT NULL unix marker is right.
func TestSchemaCheckKinds(t *testing.T) {
	ctx := context.Background()
	path, _ := schemaSQLite(t,
		`CREATE TABLE events (id INTEGER PRIMARY KEY, email TEXT, deleted INTEGER NOT NULL DEFAULT 0, UNIQUE(email, deleted))`,
		`CREATE TABLE items (id INTEGER PRIMARY KEY, sku TEXT, is_deleted BOOLEAN NULL DEFAULT 0)`,
		`CREATE TABLE flags (id INTEGER PRIMARY KEY, sku TEXT, is_deleted INTEGER NOT NULL DEFAULT 0, UNIQUE(sku, is_deleted))`,
		`CREATE TABLE texts (id INTEGER PRIMARY KEY, deleted DATETIME NULL)`,
		`CREATE TABLE born (id INTEGER PRIMARY KEY, deleted INTEGER NOT NULL DEFAULT 1)`,
		`CREATE TABLE orders (id INTEGER PRIMARY KEY, is_deleted INTEGER NOT NULL DEFAULT 0, deleted_at DATETIME NOT NULL DEFAULT '1970-01-01')`,
		`CREATE TABLE lost (id INTEGER PRIMARY KEY, is_deleted INTEGER NOT NULL DEFAULT 0)`,
	)
	_, c, _ := schemaOpen(t, Config{DriverName: "sqlite3", DSN: path, Check: CheckOff, Tables: []string{"events:deleted:unix",
		"items:is_deleted:flag", "flags:is_deleted:flag", "texts:deleted:unixmilli", "born:deleted:unix",
		"orders:is_deleted:flag:deleted_at", "lost:is_deleted:flag:gone_at"}})
	r, err := c.Check(ctx)
	if r == nil || err == nil {
		t.Fatalf("Check = %v, %v; want a report with errors", r, err)
	}
	var errs, warns []string
	for _, p := range r.Errors {
		errs = append(errs, p.String())
	}
	for _, p := range r.Warnings {
		warns = append(warns, p.String())
	}
	all := strings.Join(errs, "\n") + "\n--\n" + strings.Join(warns, "\n")
	for _, want := range []string{
		"table texts, column deleted: the marker is DATETIME, but its kind is unixmilli",
		"table born, column deleted: the marker has DEFAULT 1: every row inserted without it is born deleted",
		"table orders, column deleted_at: as the companion of flag is_deleted: the marker is NOT NULL",
		"table lost, column gone_at: the companion column gone_at does not exist",
	} {
		if !strings.Contains(strings.Join(errs, "\n"), want) {
			t.Errorf("no error %q in:\n%s", want, all)
		}
	}
	for _, want := range []string{
		"table items, column is_deleted: the flag marker is nullable",
		"table flags, column is_deleted: unique index", "two deleted rows with the same key collide",
		"WHERE coalesce(is_deleted, 0) = 0",
	} {
		if !strings.Contains(strings.Join(warns, "\n"), want) {
			t.Errorf("no warning %q in:\n%s", want, all)
		}
	}
	if strings.Contains(all, "table events") {
		t.Errorf("UNIQUE(email, deleted) with a NOT NULL unix marker is right, yet:\n%s", all)
	}
	if len(errs) != 4 {
		t.Errorf("%d errors, want 4:\n%s", len(errs), all)
	}
}
