package softdelete

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// This file fuzzes the rewriter and the DSN parser.
//
//	go test -run XXX -fuzz '^FuzzRewrite$' -fuzztime 10m .
//	go test -run XXX -fuzz '^FuzzParseDSN$' -fuzztime 10m .
//
// FuzzRewrite checks, for any text, dialect and mode, that the rewriter
// never panics or hangs, that what it accepts parses again (with the
// package's pre-lexer and sqlparser, and for MySQL with sqlparser alone),
// keeps every literal, parameter and identifier, and that in what it sends
// every reference to a soft-delete table carries the filter the mode asks
// for, in a place where it filters (the WHERE, or the ON of the outer join
// whose nullable side the table is on), and every soft DELETE became an
// UPDATE stamping its targets. FuzzParseDSN checks that ParseDSN and the
// checks of NewConnector never panic and fail with softdelete: errors.

// fuzzTables is the configuration FuzzRewrite rewrites for.
var fuzzTables = []string{"users", "posts:removed_at", "comments:gone"}

// fuzzMode is a mode described by bits, so that the checker can tell what
// each table must show without reading the library's mode.
type fuzzMode uint8

const (
	fmForce        fuzzMode = 1 << iota // WithForce
	fmIncludeAll                        // WithIncludeDeleted()
	fmOnlyPrimary                       // WithOnlyDeleted()
	fmIncludePosts                      // WithIncludeDeleted("posts")
	fmOnlyComments                      // WithOnlyDeleted("comments")
	fmAllBits      = 1<<iota - 1
)

func (fm fuzzMode) String() string {
	var parts []string
	for _, b := range []struct {
		bit  fuzzMode
		name string
	}{{fmIncludeAll, "IncludeDeleted()"}, {fmIncludePosts, "IncludeDeleted(posts)"},
		{fmOnlyComments, "OnlyDeleted(comments)"}, {fmOnlyPrimary, "OnlyDeleted()"}, {fmForce, "Force"}} {
		if fm&b.bit != 0 {
			parts = append(parts, b.name)
		}
	}
	if len(parts) == 0 {
		return "default"
	}
	return strings.Join(parts, "+")
}

// ctx builds the context, applying the With* calls in a fixed order
// (WithIncludeDeleted() with no table resets the others, so it comes first).
func (fm fuzzMode) ctx() context.Context {
	ctx := context.Background()
	if fm&fmIncludeAll != 0 {
		ctx = WithIncludeDeleted(ctx)
	}
	if fm&fmIncludePosts != 0 {
		ctx = WithIncludeDeleted(ctx, "posts")
	}
	if fm&fmOnlyComments != 0 {
		ctx = WithOnlyDeleted(ctx, "comments")
	}
	if fm&fmOnlyPrimary != 0 {
		ctx = WithOnlyDeleted(ctx)
	}
	if fm&fmForce != 0 {
		ctx = WithForce(ctx)
	}
	return ctx
}

// fzSpec is what the checker needs of a mode: what a table must show,
// and whether a DELETE is forced.
type fzSpec interface {
	want(table, primary string) filter
	forced() bool
}

func (fm fuzzMode) forced() bool { return fm&fmForce != 0 }

// want is what the spec says a read of table (lower case) must see under
// the mode, for a statement whose primary table is primary.
func (fm fuzzMode) want(table, primary string) filter {
	switch {
	case fm&fmOnlyPrimary != 0 && table == primary:
		return filterDeleted
	case fm&fmIncludePosts != 0 && table == "posts":
		return filterAll
	case fm&fmOnlyComments != 0 && table == "comments":
		return filterDeleted
	case fm&fmIncludeAll != 0:
		return filterAll
	}
	return filterLive
}

// fuzzSeeds are realistic statements for both dialects.
var fuzzSeeds = []string{
	"select * from users",
	"SELECT id, name FROM users WHERE id = ?",
	"select u.name, p.title from users u join posts p on p.user_id = u.id where u.id = ? order by p.id desc limit 10",
	"select u.name, count(c.id) from users u left join comments c on c.user_id = u.id group by u.name having count(c.id) > 1",
	"select * from posts p right join users u on p.user_id = u.id",
	"select * from users, posts where users.id = posts.user_id",
	"select * from users where id in (select user_id from posts where title like 'a%')",
	"select * from users u where exists (select 1 from comments c where c.user_id = u.id and c.body <> '')",
	"select (select count(*) from posts where posts.user_id = users.id) as n from users",
	"select d.n from (select user_id, count(*) as n from posts group by user_id) as d where d.n > 2",
	"select id from users union select user_id from posts union all select user_id from comments order by 1 limit 5",
	"insert into archive (id, name) select id, name from users where created < ?",
	"insert into users (name) values ('x'), (?)",
	"insert into users (name) values ((select max(name) from users))",
	"update users set name = 'x' where id = 1",
	"update posts set title = (select name from users where users.id = posts.user_id) where id > ?",
	"update users u set u.name = ? where u.id in (select user_id from comments)",
	"delete from users where id = ?",
	"delete from posts where user_id in (select id from users where name = 'bob')",
	"delete p from posts p join users u on u.id = p.user_id where u.name = ?",
	"delete from comments where id = 3 order by id limit 1",
	"select * from users where name = 'it''s' and id = ?; delete from posts where id = ?",
	"select * from `users` where `name` = \"a\\\"b\"",
	"select * from \"users\" where \"name\" = 'a' -- comment\n",
	"select * from [users] where name = $name and id = :id and x = ?3",
	"select /* users */ 1",
	"select * from users where name = 'users'",
	"SELECT * FROM Users AS posts WHERE posts.id = 1",
	"select * from main.users",
	"select * from db.users u left join db.posts using (id)",
	"select * from users natural left join posts",
	"select * from (users u join posts p on u.id = p.user_id) left join comments c on c.post_id = p.id",
	"select * from users u left join (posts p join comments c on c.post_id = p.id) on p.user_id = u.id",
	"select a || b from users",
	"with x as (select * from users) select * from x",
	"select row_number() over (order by id) from users",
	"explain select * from users",
	"analyze delete from posts where id = 1",
	"update users set name = 'x' where id = 1 returning id",
	"delete from users where id = ? returning *",
	"replace into users (id, name) values (1, 'a')",
	"truncate table users",
	"truncate users",
	"create table users2 as select * from users",
	"create view v as select * from users",
	"drop table users",
	"alter table users add column x int",
	"set @x = (select count(*) from users)",
	"select * from users for update",
	"select * from users lock in share mode",
	"select sql_calc_found_rows * from users limit 1",
	"select /*!40001 SQL_NO_CACHE */ * from users",
	"select * from users where id = x'0a' and name = _utf8'x' and b = b'01'",
	"select * from users where id between ? and ? limit ?, ?",
	"select * from users limit ? offset ?",
	"select cast(id as char) from users",
	"select current_timestamp, current_date from users",
	"select * from users where deleted_at is null",
	"select count(*) from posts where removed_at is not null",
	"select * from users u where u.id = (select max(id) from users)",
	"select * from users where id not in (select user_id from posts union select user_id from comments)",
	"insert into posts (user_id) select id from users on duplicate key update title = (select max(name) from users)",
	"pragma table_info(users)",
	"show create table users",
	"begin; delete from users where id = 1; commit",
	"",
	";",
	"select 1",
	// Issue 13's forms: one seed each.
	"with recursive t(id, d) as (select id, 0 from users where id = ? union all select u.id, t.d + 1 from users u join t on u.name = t.id where t.d < 3) select * from t",
	"with a as (select id from users), b as (select id from posts join a on a.id = posts.user_id) select * from b where id in (select id from a)",
	"select * from (with x as (select id from comments) select id from x) d",
	"insert into logs (id) with x as (select id from users) select id from x",
	"with x as (select id from users) delete from posts where user_id in (select id from x)",
	"select id, row_number() over (partition by name order by id desc), sum(id) over w from users window w as (order by id)",
	"select id from users order by rank() over (order by name)",
	"select count(*) filter (where id > 0) over () from posts",
	"select id from users except select user_id from posts intersect select user_id from comments",
	"select name || 'x' from users where name || ? = 'ax'",
	"select id from users where name is ? and id in (select user_id from posts where title is not ?)",
	"delete low_priority quick ignore from users where id = 1",
	"update ignore users set name = 'x' where id = 1",
	"delete u.*, p.* from users u join posts p on p.user_id = u.id",
	"select * from users where id = 1 for update skip locked",
	"select * from users use key (primary) ignore index for join (ix) where id = 1",
	"insert or ignore into logs (id) select id from users",
	"update posts set title = u.name from users u where u.id = posts.user_id",
	"select * from users full outer join posts on posts.user_id = users.id",
	"select * from posts indexed by ix where id = 1",
	"delete from users as u where u.id = ?",
	"select u.id from users u join json_each(?) j on j.value = u.id",
	"select id as next, name as key from users",
}

func newFuzzRewriter(t testing.TB, d string) *rewriter {
	rw, err := newRewriter(Config{Dialect: d, Tables: fuzzTables, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	return rw
}

func FuzzRewrite(f *testing.F) {
	for i, q := range fuzzSeeds {
		// Every seed in both dialects, with a mode that cycles through
		// the interesting ones.
		modes := []fuzzMode{0, fmIncludeAll, fmOnlyPrimary, fmForce, fmForce | fmOnlyPrimary,
			fmIncludePosts | fmOnlyComments, fmForce | fmIncludeAll, fmIncludeAll | fmOnlyComments}
		f.Add(uint8(0), uint8(modes[i%len(modes)]), q)
		f.Add(uint8(1), uint8(modes[(i+3)%len(modes)]), q)
	}
	// And statements of the differential test's generator: joins,
	// subqueries, unions, in both dialects.
	for i := int64(0); i < 40; i++ {
		s := genSchema(i)
		st := genStatement(s, i, i%2 == 0, "db")
		f.Add(uint8(i%2), uint8(i%fmAllBits), st.sql)
	}
	rws := [2]*rewriter{newFuzzRewriter(f, "mysql"), newFuzzRewriter(f, "sqlite")}
	f.Fuzz(func(t *testing.T, dial, modeBits uint8, q string) {
		rw := rws[dial%2]
		fm := fuzzMode(modeBits) & fmAllBits
		out, err := fzRewriteDeadline(t, rw, q, fm)
		if p := shapeProblem(rw, q, modeFrom(fm.ctx())); p != "" {
			t.Fatalf("%s %s: %s", rw.d, fm, p)
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "softdelete: ") {
				t.Fatalf("error without the softdelete: prefix: %v", err)
			}
			var re *RefusedError
			if errors.As(err, &re) && !errors.Is(err, ErrRefused) {
				t.Fatalf("RefusedError that is not ErrRefused: %v", err)
			}
			return
		}
		if problems := fzCheckRewrite(rw, fm, modeFrom(fm.ctx()), q, out); len(problems) > 0 {
			t.Fatalf("%s %s\ninput:  %q\noutput: %q\n%s", rw.d, fm, q, out, strings.Join(problems, "\n"))
		}
	})
}

// fzRewriteDeadline rewrites q and fails the test if it takes too long.
func fzRewriteDeadline(t testing.TB, rw *rewriter, q string, fm fuzzMode) (string, error) {
	type result struct {
		out string
		err error
		pan any
	}
	ch := make(chan result, 1)
	m := modeFrom(fm.ctx())
	go func() {
		var r result
		defer func() {
			if p := recover(); p != nil {
				r.pan = p
			}
			ch <- r
		}()
		r.out, r.err = rw.rewrite(q, m)
	}()
	select {
	case r := <-ch:
		if r.pan != nil {
			t.Fatalf("rewrite panicked on %q (%s, %s): %v", q, rw.d, fm, r.pan)
		}
		return r.out, r.err
	case <-time.After(10 * time.Second):
		t.Fatalf("rewrite of %q (%s, %s) did not return within 10s", q, rw.d, fm)
	}
	return "", nil
}

// TestFuzzChecker makes sure the checker of FuzzRewrite catches what it
// is there to catch: a missing filter, a filter in the wrong place, a
// DELETE that was not softened.
func TestFuzzChecker(t *testing.T) {
	rws := map[bool]*rewriter{false: newFuzzRewriter(t, "mysql"), true: newFuzzRewriter(t, "sqlite")}
	type checkCase struct {
		in, out string
		fm      fuzzMode
		ok      bool
	}
	cases := map[bool][]checkCase{false: {
		{"select * from users", "select * from users where users.deleted_at is null", 0, true},
		{"select * from users", "select * from users", 0, false},
		{"select * from users", "select * from users", fmIncludeAll, true},
		{"select * from users", "select * from users where users.deleted_at is not null", fmOnlyPrimary, true},
		{"select * from users", "select * from users where users.deleted_at is null", fmOnlyPrimary, false},
		{"select * from users u left join posts p on p.x = u.id",
			"select * from users u left join posts p on p.x = u.id and p.removed_at is null where u.deleted_at is null", 0, true},
		{"select * from users u left join posts p on p.x = u.id",
			"select * from users u left join posts p on p.x = u.id where u.deleted_at is null and p.removed_at is null", 0, false},
		{"select * from users u left join posts p on p.x = u.id",
			"select * from users u left join posts p on p.x = u.id and u.deleted_at is null and p.removed_at is null", 0, false},
		{"select * from users where id in (select x from comments)",
			"select * from users where (id in (select x from comments where comments.gone is null)) and users.deleted_at is null", 0, true},
		{"select * from users where id in (select x from comments)",
			"select * from users where (id in (select x from comments)) and users.deleted_at is null", 0, false},
		{"delete from users where id = 1", "update users set deleted_at = now(6) where (id = 1) and users.deleted_at is null", 0, true},
		{"delete from users where id = 1", "delete from users where (id = 1) and users.deleted_at is null", 0, false},
		{"delete from users where id = 1", "update users set deleted_at = now(6) where id = 1", 0, false},
		{"select 1; select * from users", "select 1; select * from users where users.deleted_at is null", 0, true},
		{"select 1; select * from users", "select * from users where users.deleted_at is null", 0, false},
		{"select * from users u, a right join b on b.x = a.x",
			"select * from users as u, a right join b on b.x = a.x where u.deleted_at is null", 0, true},
		{"select 'a', ? from users", "select 'b', ? from users where users.deleted_at is null", 0, false},
		{"select * from users where a = 1 and tenant = 2", "select * from users where a = 1 and users.deleted_at is null", 0, false},
	}, true: {
		// sqlparser cannot read CAST(x AS INTEGER): the checker reads the
		// statement with the region as a name.
		{"select * from users where cast(x as integer) = 1",
			"select * from users where (cast(x as integer) = 1) and users.deleted_at is null", 0, true},
		{"select * from users where cast(x as integer) = 1", "select * from users where (cast(x as integer) = 1)", 0, false},
		{"select * from users where cast(x as integer) = 1",
			"select * from users where (cast(x as integer) = 2) and users.deleted_at is null", 0, false},
		// SQLite's comma binds like JOIN: users is on the nullable side.
		{"select * from users u, a right join b on b.x = a.x",
			"select * from users as u, a right join b on (b.x = a.x) and u.deleted_at is null", 0, true},
		{"select * from users u, a right join b on b.x = a.x",
			"select * from users as u, a right join b on b.x = a.x where u.deleted_at is null", 0, false},
		{"select * from users u, a left join b on b.x = a.x",
			"select * from users as u, a left join b on b.x = a.x where u.deleted_at is null", 0, true},
	}}
	for _, sqlite := range []bool{false, true} {
		for _, c := range cases[sqlite] {
			problems := fzCheckRewrite(rws[sqlite], c.fm, modeFrom(c.fm.ctx()), c.in, c.out)
			if (len(problems) == 0) != c.ok {
				t.Errorf("sqlite=%v %q -> %q (%s): ok=%v, problems: %v", sqlite, c.in, c.out, c.fm, c.ok, problems)
			}
		}
	}
}

// TestFuzzSeeds runs FuzzRewrite's checks over the seeds in every mode
// and both dialects, so that plain go test covers them.
func TestFuzzSeeds(t *testing.T) {
	refused := 0
	total := 0
	for _, d := range []string{"mysql", "sqlite"} {
		rw := newFuzzRewriter(t, d)
		for fm := fuzzMode(0); fm <= fmAllBits; fm++ {
			for _, q := range fuzzSeeds {
				total++
				out, err := rw.rewrite(q, modeFrom(fm.ctx()))
				if err != nil {
					if !strings.HasPrefix(err.Error(), "softdelete: ") {
						t.Errorf("%s %s %q: error without prefix: %v", d, fm, q, err)
					}
					refused++
					continue
				}
				if problems := fzCheckRewrite(rw, fm, modeFrom(fm.ctx()), q, out); len(problems) > 0 {
					t.Errorf("%s %s\ninput:  %q\noutput: %q\n%s", d, fm, q, out, strings.Join(problems, "\n"))
				}
			}
		}
	}
	t.Logf("%d rewrites checked, %d refused", total, refused)
}

func FuzzParseDSN(f *testing.F) {
	for _, s := range []string{
		"driver=sqlite3 tables=users dsn=/tmp/x.db",
		"driver=mysql tables=users,posts,comments:removed_at column=deleted_at dsn=root@tcp(127.0.0.1:3306)/app?parseTime=true",
		"driver=x dialect=sqlite tables=a:b now=current_timestamp cache=10 dsn=",
		"driver=mysql tables=a now=utc_timestamp(6) cache=0 dsn=x",
		"  driver=sqlite3\ttables=A,b:Removed_At\ndsn=file::memory:?cache=shared",
		"driver=sqlite3 tables=a,,b dsn=x",
		"driver=sqlite3 tables=a:b:c dsn=x",
		"driver=sqlite3 tables=a:b:flag:c,d::unix,e:f:unixmilli kind=flag dsn=x",
		"driver=mysql tables=a:b:time:c,d:e:flag: kind=UNIX check=warn dsn=x",
		"driver=sqlite3 tables=a:b:flag:c:d dsn=x",
		"driver=sqlite3 tables=a,A dsn=x",
		"driver=sqlite3 tables=a now=(select 1) dsn=x",
		"driver=sqlite3 tables=a now=? dsn=x",
		"driver=sqlite3 tables=a now=1;drop dsn=x",
		"driver=sqlite3 tables=a column=x-y dsn=x",
		"driver=sqlite3 driver=mysql tables=a dsn=x",
		"tables=a dsn=x",
		"driver=sqlite3 dsn=x",
		"driver=sqlite3 tables=a",
		"driver=sqlite3 tables=a cache=-1 dsn=x",
		"driver=sqlite3 tables=a foo=bar dsn=x",
		"driver=sqlite3 tables=a =b dsn=x",
		"dsn=",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		cfg, err := ParseDSN(dsn)
		if err != nil {
			if cfg != nil {
				t.Fatalf("ParseDSN(%q) returned both a config and %v", dsn, err)
			}
			if !strings.HasPrefix(err.Error(), "softdelete: ") {
				t.Fatalf("ParseDSN(%q): error without the softdelete: prefix: %v", dsn, err)
			}
			return
		}
		if cfg == nil || cfg.DriverName == "" || len(cfg.Tables) == 0 {
			t.Fatalf("ParseDSN(%q) = %+v without driver or tables", dsn, cfg)
		}
		if cfg.CacheSize < -1 {
			t.Fatalf("ParseDSN(%q): cache size %d", dsn, cfg.CacheSize)
		}
		rw, err := fzNewRewriter(t, *cfg)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "softdelete: ") {
				t.Fatalf("newRewriter(%+v): error without the softdelete: prefix: %v", *cfg, err)
			}
			return
		}
		// An accepted configuration works: every listed table is
		// filtered on its column.
		back, err := ParseDSN(cfg.FormatDSN())
		if err != nil || !reflect.DeepEqual(back, cfg) {
			t.Fatalf("DSN %q: FormatDSN gives %q, which ParseDSN reads as %+v, %v; want %+v", dsn, cfg.FormatDSN(), back, err, cfg)
		}
		for _, spec := range cfg.Tables {
			tb, err := ParseTable(spec)
			if err != nil {
				t.Fatalf("DSN %q: newRewriter accepted table %q, which ParseTable refuses: %v", dsn, spec, err)
			}
			name, col := tb.Name, tb.Column
			if col == "" {
				col = cfg.Column
				if col == "" {
					col = DefaultColumn
				}
			}
			quoted := "`" + name + "`"
			if rw.d == dialectSQLite {
				quoted = `"` + name + `"`
			}
			q := "select * from " + quoted
			out, err := rw.rewrite(q, defaultMode)
			if err != nil {
				t.Fatalf("DSN %q: %q refused: %v", dsn, q, err)
			}
			if lo := strings.ToLower(out); !strings.Contains(lo, " where ") || !strings.Contains(lo, strings.ToLower(col)) ||
				!strings.HasSuffix(strings.TrimSuffix(lo, ")"), " is null") {
				t.Fatalf("DSN %q: %q became %q, without a filter on %s", dsn, q, out, col)
			}
			del, err := rw.rewrite("delete from "+quoted, defaultMode)
			if err != nil || !strings.HasPrefix(del, "update ") {
				t.Fatalf("DSN %q: delete from %s became %q, %v", dsn, name, del, err)
			}
		}
	})
}

// fzNewRewriter calls newRewriter and fails on a panic.
func fzNewRewriter(t *testing.T, cfg Config) (rw *rewriter, err error) {
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("newRewriter(%+v) panicked: %v", cfg, p)
		}
	}()
	return newRewriter(cfg)
}

// TestFuzzDSNRegressions holds the DSNs FuzzParseDSN found trouble with.
// ParseDSN and the checks of NewConnector must return an error or a
// configuration, never panic.
func TestFuzzDSNRegressions(t *testing.T) {
	for _, dsn := range []string{
		// sqlparser panics on an empty MySQL versioned comment, and
		// parseExpr handed it the now= text unprotected: sql.Open
		// panicked (fixed in 5719bf3).
		"driver=sqlite3 tables=a now=/*!*/ dsn=x",
		"driver=mysql tables=a now=/*!*/1 dsn=x",
	} {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("DSN %q: panic: %v", dsn, p)
				}
			}()
			cfg, err := ParseDSN(dsn)
			if err != nil {
				return
			}
			if _, err := newRewriter(*cfg); err != nil && !strings.HasPrefix(err.Error(), "softdelete: ") {
				t.Errorf("DSN %q: error without the softdelete: prefix: %v", dsn, err)
			}
		}()
	}
}

// TestFuzzRewriteRegressions holds what FuzzRewrite found, reduced: each
// statement must be refused, or rewritten so that the checks of
// FuzzRewrite pass.
func TestFuzzRewriteRegressions(t *testing.T) {
	for _, c := range []struct {
		dialect string
		fm      fuzzMode
		q       string
		keep    string // must be in the output
	}{
		// sqlparser takes "//" for the start of a line comment; MySQL
		// and SQLite reject the statement (syntax error). The rewrite
		// dropped the rest of the line and sent a valid statement with
		// a weaker WHERE: it soft-deleted every live row with id 5,
		// whatever its tenant (fixed in 5719bf3).
		{"mysql", 0, "delete from users where id = 5 // and tenant = 3", "tenant"},
		{"sqlite", 0, "update users set name = 'x' where id = 1 //or 1 = 1", "1 = 1"},
		{"sqlite", fmOnlyPrimary, "updAte users set A=0//0", "0//0"},
		// The same with "#", a comment for MySQL (and sqlparser), an
		// unrecognized token for SQLite.
		{"sqlite", 0, "delete from users where id = 5 # and tenant = 3", "tenant"},
		// Two quoted identifiers with nothing between them (a syntax
		// error for SQLite) reached sqlparser as one, "x`y": the rewrite
		// turned the error into a valid statement (fixed in 5719bf3).
		{"sqlite", 0, "select * from `users` `x`\"y\"", `"y"`},
		{"sqlite", 0, "select * from users [x]\"y\" where id = 1", `"y"`},
	} {
		rw := newFuzzRewriter(t, c.dialect)
		out, err := rw.rewrite(c.q, modeFrom(c.fm.ctx()))
		if err != nil {
			continue
		}
		if !strings.Contains(out, c.keep) {
			t.Errorf("%s %s: %q\n  became %q: %s is gone", c.dialect, c.fm, c.q, out, c.keep)
		}
	}
}

// TestFuzzRefuses lists invalid statements FuzzRewrite found rewritten into
// others: softdelete should refuse them (or send them as written).
func TestFuzzRefuses(t *testing.T) {
	rw := newFuzzRewriter(t, "mysql")
	for _, q := range []string{
		// A user variable where the alias goes: sqlparser reads it as
		// an alias, and the rewrite qualifies the filter with it:
		// "select * from posts as @x where @x.removed_at is null".
		"select * from posts @x",
	} {
		out, err := rw.rewrite(q, defaultMode)
		if err == nil && out != q {
			t.Errorf("%q became %q", q, out)
		}
	}
}
