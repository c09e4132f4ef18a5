package softdelete

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xwb1989/sqlparser"
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

// fzCheckRewrite returns what is wrong with out as the rewrite of in under
// mode m (fm says what m must show).
func fzCheckRewrite(rw *rewriter, fm fzSpec, m *mode, in, out string) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if out == in && !rw.tables.mentionedIn(in) {
		return nil
	}
	if sub, texts := fzRegions(rw, in); out != in && texts != nil && !fzParses(rw.d, in) {
		// sqlparser reads the statement only with its regions as
		// placeholders (what is inside one reaches the database as
		// written). Check the rewrite of the statement with the regions
		// replaced by names, and that out is that rewrite with the
		// regions put back.
		out2, err := rw.rewrite(sub, m)
		if err != nil {
			return []string{fmt.Sprintf("refused once its regions are names (%v): %s", err, sub)}
		}
		want := out2
		for k := len(texts) - 1; k >= 0; k-- {
			name := fzRegionName(k)
			if !strings.Contains(want, name) { // printed in SQLite's quotes
				name = `"` + name[1:len(name)-1] + `"`
			}
			want = strings.Replace(want, name, texts[k], 1)
		}
		// The printer quotes a name everywhere once it is quoted anywhere,
		// inside a region too: compare without identifier quotes.
		unquote := strings.NewReplacer("`", "", `"`, "")
		if unquote.Replace(want) != unquote.Replace(out) {
			return []string{fmt.Sprintf("the output is not the rewrite of the input with its regions as names:\n  %s\n  %s", sub, out2)}
		}
		in, out = sub, out2
	}
	ins, err := lexStatements(in, rw.d)
	if err != nil {
		if out != in {
			bad("the input does not lex (%v) but the output differs", err)
		}
		return problems
	}
	outs, err := lexStatements(out, rw.d)
	if err != nil {
		return []string{fmt.Sprintf("the output does not lex: %v", err)}
	}
	if len(ins) != len(outs) {
		return []string{fmt.Sprintf("%d statements in, %d out", len(ins), len(outs))}
	}
	for i, ost := range outs {
		ist := ins[i]
		if ost.empty {
			if !ist.empty {
				bad("statement %d became empty", i)
			}
			continue
		}
		ostmt, oerr := parse(ost.parseText())
		istmt, ierr := parse(ist.parseText())
		if oerr != nil {
			if ierr == nil {
				bad("statement %d: the input parses but the output does not: %v\n  %s", i, oerr, ost.text)
			}
			continue
		}
		if ost.text != ist.text {
			if ierr != nil && !fzStartsWithRead(ist) {
				bad("statement %d: sqlparser cannot parse the input (%v) yet it was rewritten", i, ierr)
			}
			fzCheckLits(ist, ost, rw, bad)
			fzCheckWords(ist, ost, bad)
			if rw.d == dialectMySQL && ierr == nil {
				if err := fzRawParse(ist.text); err == nil {
					if err := fzRawParse(ost.text); err != nil {
						bad("statement %d: the MySQL output does not parse with sqlparser: %v\n  %s", i, err, ost.text)
					}
				}
			}
		}
		if ierr != nil && ost.text == ist.text {
			// Passed through unparsed: the library decided it needs no
			// filter (DDL, INSERT ... VALUES, IncludeDeleted); the checker
			// cannot read it either.
			continue
		}
		fc := &fzFilterCheck{rw: rw, fm: fm, bad: bad, stmt: i}
		fc.statement(istmt, ostmt)
	}
	return problems
}

// fzRegions returns in with the regions the rewriter finds replaced by
// fzRegionName(0), fzRegionName(1), ..., and the regions' texts (nil when
// there is none).
func fzRegions(rw *rewriter, in string) (string, []string) {
	sts, err := lex(in, rw.d, rw.tables, true)
	if err != nil {
		return "", nil
	}
	var b strings.Builder
	var texts []string
	prev := 0
	for _, st := range sts {
		for _, l := range st.verbatims {
			if l.region {
				b.WriteString(in[prev:l.at])
				b.WriteString(fzRegionName(len(texts)))
				texts = append(texts, l.text)
				prev = l.at + len(l.text)
			}
		}
	}
	b.WriteString(in[prev:])
	return b.String(), texts
}

// fzRegionName is the name that stands for region k: quoted, so that it
// stays a token of its own next to any word.
func fzRegionName(k int) string { return fmt.Sprintf("`sdregion%d_`", k) }

// fzParses reports whether sqlparser reads every statement of q that has
// code, pre-lexed without regions.
func fzParses(d *dialect, q string) bool {
	sts, err := lexStatements(q, d)
	if err != nil {
		return false
	}
	for _, st := range sts {
		if !st.empty {
			if _, err := parse(st.parseText()); err != nil {
				return false
			}
		}
	}
	return true
}

// fzRawParse parses a MySQL statement with sqlparser as is. sqlparser
// panics on some input ("/*!*/"): that counts as not parsing.
func fzRawParse(q string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sqlparser panicked: %v", p)
		}
	}()
	_, err = sqlparser.Parse(q)
	return err
}

// fzStartsWithRead reports statements the rewriter may rewrite although
// sqlparser cannot parse them whole: EXPLAIN/ANALYZE prefixes and
// UPDATE/DELETE ... RETURNING.
func fzStartsWithRead(st *sourceStatement) bool {
	switch st.firstWord() {
	case "explain", "describe", "desc", "analyze", "update", "delete":
		return true
	}
	return false
}

// fzCheckLits checks that the output keeps the input's literals and
// parameters (plus those of the stamp expression).
func fzCheckLits(ist, ost *sourceStatement, rw *rewriter, bad func(string, ...any)) {
	count := map[string]int{}
	for _, l := range ost.verbatims {
		count[l.text]++
	}
	for _, l := range ist.verbatims {
		count[l.text]--
	}
	nowLits, _ := lexStatements("select "+sqlparser.String(rw.now), dialectMySQL)
	extra := map[string]int{}
	for k, v := range count {
		if v != 0 {
			extra[k] = v
		}
	}
	if len(extra) == 0 {
		return
	}
	// A soft DELETE adds the stamp expression's literals (once per target).
	if len(nowLits) == 1 && len(nowLits[0].verbatims) > 0 {
		per := map[string]int{}
		for _, l := range nowLits[0].verbatims {
			per[fzSQLiteLit(l.text, rw.d)]++
		}
		k := -1
		for text, v := range extra {
			p := per[text]
			if p == 0 || v%p != 0 || v < 0 || (k >= 0 && v/p != k) {
				k = -2
				break
			}
			k = v / p
		}
		if k > 0 && len(extra) == len(per) {
			return
		}
	}
	bad("the literals changed: %v", extra)
}

// fzDroppable are the words a rewrite may drop: DELETE becomes UPDATE,
// and the printer normalizes some keywords (INNER JOIN, LEFT OUTER JOIN,
// CROSS JOIN, DISTINCTROW...).
var fzDroppable = map[string]bool{"delete": true, "from": true, "inner": true, "outer": true, "cross": true,
	"distinctrow": true, "into": true, "value": true, "values": true, "as": true, "asc": true, "all": true,
	"straight_join": true, "join": true, "dual": true,
	"low_priority": true, "quick": true, "ignore": true, "current_timestamp": true,
	"current_date": true, "current_time": true, "now": true, "localtime": true, "localtimestamp": true,
	"utc_timestamp": true, "sql_no_cache": true, "sql_cache": true, "is": true, "not": true, "null": true,
	"true": true, "false": true, "unknown": true, "binary": true, "interval": true, "in": true, "nulls": true,
	"first": true, "last": true, "char": true, "signed": true, "unsigned": true, "integer": true, "decimal": true,
	"substr": true, "substring": true, "mod": true, "div": true, "and": true, "or": true, "xor": true, "regexp": true,
	"rlike": true, "between": true, "like": true, "escape": true, "exists": true, "some": true, "any": true,
	"offset": true, "limit": true, "lock": true, "share": true, "mode": true, "for": true, "update": true}

// fzCheckWords checks that every identifier of the input is in the
// output: a rewrite must not drop text (as sqlparser drops what follows
// "//", which it takes for a comment).
func fzCheckWords(ist, ost *sourceStatement, bad func(string, ...any)) {
	have := map[string]bool{}
	for _, w := range ost.words {
		have[w.lower] = true
	}
	for _, w := range ist.words {
		if w.lower == "" {
			continue // an empty quoted identifier: invalid anyway
		}
		if !have[w.lower] && !fzDroppable[w.lower] {
			bad("the word %q of the input is missing from the output", w.lower)
			return
		}
	}
}

// fzSQLiteLit writes a literal of the stamp expression (which
// sqlparser printed MySQL style) as the printer does for the dialect.
func fzSQLiteLit(s string, d *dialect) string {
	if d != dialectSQLite || len(s) < 2 || s[0] != '\'' {
		return s
	}
	body := strings.NewReplacer(`\\`, `\`, `\'`, `'`).Replace(s[1 : len(s)-1])
	return "'" + strings.ReplaceAll(body, "'", "''") + "'"
}

// fzFilterCheck walks a rewritten statement and checks every reference to a
// soft-delete table.
type fzFilterCheck struct {
	rw      *rewriter
	fm      fzSpec
	bad     func(string, ...any)
	stmt    int
	primary string
	stamped map[*sqlparser.AliasedTableExpr]bool // the targets of a soft DELETE
}

// fzJoinStep is one join on the path from a FROM list down to a table.
type fzJoinStep struct {
	j        *sqlparser.JoinTableExpr
	nullable bool // the table is on the side the join may fill with NULLs
	outer    bool // the join is an outer join
}

func (fc *fzFilterCheck) statement(in, out sqlparser.Statement) {
	fc.primary = fzPrimary(in)
	if d, ok := in.(*sqlparser.Delete); ok {
		if u, ok := out.(*sqlparser.Update); ok {
			// A soft DELETE: the targets must be stamped and see live rows.
			fc.stamped = map[*sqlparser.AliasedTableExpr]bool{}
			if len(d.Targets) == 0 {
				if te, ok := u.TableExprs[0].(*sqlparser.AliasedTableExpr); ok {
					if tn, ok := te.Expr.(sqlparser.TableName); ok {
						fc.stamped[te] = true
						fc.checkStamp(u, te, tn)
					}
				}
			} else {
				for _, target := range d.Targets {
					te := findTable(u.TableExprs, target)
					if te == nil {
						fc.bad("statement %d: DELETE target %s is gone from the UPDATE", fc.stmt, sqlparser.String(target))
						continue
					}
					tn, _ := te.Expr.(sqlparser.TableName)
					fc.stamped[te] = true
					fc.checkStamp(u, te, tn)
				}
			}
		} else if !fc.fm.forced() {
			if t := fc.softDeleteTarget(d); t != nil {
				fc.bad("statement %d: DELETE from soft-delete table %s was not made an UPDATE without WithForce", fc.stmt, t.name)
			}
		}
	}
	switch n := out.(type) {
	case sqlparser.SelectStatement:
		fc.selectStatement(n)
	case *sqlparser.Insert:
		if sel, ok := n.Rows.(sqlparser.SelectStatement); ok {
			fc.selectStatement(sel)
		} else {
			fc.subqueries(n.Rows)
		}
		fc.subqueries(n.OnDup)
	case *sqlparser.Update:
		fc.from(n.TableExprs, n.Where)
		fc.subqueries(n.Exprs, n.Where, n.OrderBy, n.Limit)
	case *sqlparser.Delete:
		fc.from(n.TableExprs, n.Where)
		fc.subqueries(n.Where, n.OrderBy, n.Limit)
	case *sqlparser.Set:
		fc.subqueries(n.Exprs)
	}
}

func (fc *fzFilterCheck) softDeleteTarget(d *sqlparser.Delete) *softTable {
	if len(d.Targets) == 0 {
		if te, ok := d.TableExprs[0].(*sqlparser.AliasedTableExpr); ok {
			if tn, ok := te.Expr.(sqlparser.TableName); ok {
				return fc.rw.tables.lookup(tn.Name.String())
			}
		}
		return nil
	}
	for _, tn := range d.Targets {
		te := findTable(d.TableExprs, tn)
		if te == nil {
			continue
		}
		if n, ok := te.Expr.(sqlparser.TableName); ok {
			if t := fc.rw.tables.lookup(n.Name.String()); t != nil {
				return t
			}
		}
	}
	return nil
}

// checkStamp checks that a soft DELETE's UPDATE sets the target's column.
func (fc *fzFilterCheck) checkStamp(u *sqlparser.Update, te *sqlparser.AliasedTableExpr, tn sqlparser.TableName) {
	t := fc.rw.tables.lookup(tn.Name.String())
	if t == nil {
		fc.bad("statement %d: a DELETE became an UPDATE of plain table %s", fc.stmt, sqlparser.String(tn))
		return
	}
	for _, e := range u.Exprs {
		if !e.Name.Name.EqualString(t.column) {
			continue
		}
		if q := e.Name.Qualifier; !q.IsEmpty() && !strings.EqualFold(q.Name.String(), fzRefName(te, tn)) {
			continue
		}
		if fc.coalesceStamp(u, t, e.Expr) {
			// Under WithIncludeDeleted a DELETE ... LIMIT counts deleted
			// rows too: it selects them and keeps their stamps, so the
			// target carries no live filter.
			delete(fc.stamped, te)
			return
		}
		if fzShape(e.Expr) != fzShape(fc.rw.now) {
			fc.bad("statement %d: %s.%s is set to %s, not the stamp", fc.stmt, t.name, t.column, sqlparser.String(e.Expr))
		}
		return
	}
	fc.bad("statement %d: the soft DELETE of %s does not set %s", fc.stmt, t.name, t.column)
}

// coalesceStamp reports whether e is coalesce(col, <now>), the stamp of a
// soft DELETE ... LIMIT whose target the mode shows whole.
func (fc *fzFilterCheck) coalesceStamp(u *sqlparser.Update, t *softTable, e sqlparser.Expr) bool {
	f, ok := e.(*sqlparser.FuncExpr)
	if !ok || !f.Name.EqualString("coalesce") || len(f.Exprs) != 2 || u.Limit == nil || fc.fm.want(t.name, fc.primary) != filterAll {
		return false
	}
	a, ok1 := f.Exprs[0].(*sqlparser.AliasedExpr)
	b, ok2 := f.Exprs[1].(*sqlparser.AliasedExpr)
	if !ok1 || !ok2 {
		return false
	}
	c, ok := a.Expr.(*sqlparser.ColName)
	return ok && c.Name.EqualString(t.column) && fzShape(b.Expr) == fzShape(fc.rw.now)
}

// fzShape prints an expression with every literal and parameter as ?.
func fzShape(e sqlparser.Expr) string {
	buf := sqlparser.NewTrackedBuffer(func(buf *sqlparser.TrackedBuffer, node sqlparser.SQLNode) {
		if _, ok := node.(*sqlparser.SQLVal); ok {
			buf.WriteString("?")
			return
		}
		node.Format(buf)
	})
	buf.Myprintf("%v", e)
	return buf.String()
}

// fzPrimary is the statement's primary table as the README defines it:
// the first table of the outermost FROM, or the UPDATE or DELETE target.
func fzPrimary(stmt sqlparser.Statement) string {
	switch n := stmt.(type) {
	case sqlparser.SelectStatement:
		return primaryTable(n)
	case *sqlparser.Insert:
		if sel, ok := n.Rows.(sqlparser.SelectStatement); ok {
			return primaryTable(sel)
		}
	case *sqlparser.Update:
		return primaryTable(n.TableExprs)
	case *sqlparser.Delete:
		if len(n.Targets) == 0 {
			return primaryTable(n.TableExprs)
		}
		if te := findTable(n.TableExprs, n.Targets[0]); te != nil {
			return strings.ToLower(targetName(te))
		}
	}
	return ""
}

func fzRefName(te *sqlparser.AliasedTableExpr, tn sqlparser.TableName) string {
	if !te.As.IsEmpty() {
		return strings.ToLower(te.As.String())
	}
	return fzTableName(tn)
}

// fzTableName is a table name as [qualifier.]name, lower case, unquoted.
func fzTableName(tn sqlparser.TableName) string {
	if tn.Qualifier.IsEmpty() {
		return strings.ToLower(tn.Name.String())
	}
	return strings.ToLower(tn.Qualifier.String() + "." + tn.Name.String())
}

func (fc *fzFilterCheck) selectStatement(ss sqlparser.SelectStatement) {
	switch n := ss.(type) {
	case *sqlparser.Select:
		fc.from(n.From, n.Where)
		fc.subqueries(n.SelectExprs, n.Where, n.GroupBy, n.Having, n.OrderBy, n.Limit)
	case *sqlparser.Union:
		fc.selectStatement(n.Left)
		fc.selectStatement(n.Right)
		fc.subqueries(n.OrderBy, n.Limit)
	case *sqlparser.ParenSelect:
		fc.selectStatement(n.Select)
	}
}

func (fc *fzFilterCheck) subqueries(nodes ...sqlparser.SQLNode) {
	_ = sqlparser.Walk(func(node sqlparser.SQLNode) (bool, error) {
		if sq, ok := node.(*sqlparser.Subquery); ok {
			fc.selectStatement(sq.Select)
			return false, nil
		}
		return true, nil
	}, nodes...)
}

// from checks the tables of a FROM list whose WHERE is where.
func (fc *fzFilterCheck) from(exprs sqlparser.TableExprs, where *sqlparser.Where) {
	var w sqlparser.Expr
	if where != nil {
		w = where.Expr
	}
	for i, te := range exprs {
		// sqlparser reads "a, b RIGHT JOIN c" as MySQL does, "a, (b RIGHT
		// JOIN c)"; SQLite as "(a, b) RIGHT JOIN c": for SQLite, a table
		// of an item is also under the joins of the left spine of each
		// later item, and on the nullable side of their RIGHT JOINs.
		var path []fzJoinStep
		if fc.rw.d == dialectSQLite {
			for k := len(exprs) - 1; k > i; k-- {
				path = append(path, fzSpine(exprs[k])...)
			}
		}
		fc.tableExpr(te, w, path)
	}
}

// fzSpine returns the joins of the left spine of te, outermost first, as
// seen from a table on their left.
func fzSpine(te sqlparser.TableExpr) []fzJoinStep {
	var out []fzJoinStep
	for {
		j, ok := te.(*sqlparser.JoinTableExpr)
		if !ok {
			return out
		}
		step := fzJoinStep{j: j}
		switch j.Join {
		case sqlparser.LeftJoinStr, sqlparser.NaturalLeftJoinStr:
			step.outer = true
		case sqlparser.RightJoinStr, sqlparser.NaturalRightJoinStr:
			step.outer, step.nullable = true, true
		}
		out = append(out, step)
		te = j.LeftExpr
	}
}

func (fc *fzFilterCheck) tableExpr(te sqlparser.TableExpr, where sqlparser.Expr, path []fzJoinStep) {
	switch n := te.(type) {
	case *sqlparser.AliasedTableExpr:
		switch e := n.Expr.(type) {
		case sqlparser.TableName:
			fc.table(n, e, where, path)
		case *sqlparser.Subquery:
			fc.selectStatement(e.Select)
		}
	case *sqlparser.ParenTableExpr:
		for _, x := range n.Exprs {
			fc.tableExpr(x, where, path)
		}
	case *sqlparser.JoinTableExpr:
		fc.subqueries(n.Condition.On)
		outer, leftNullable, rightNullable := false, false, false
		switch n.Join {
		case sqlparser.LeftJoinStr, sqlparser.NaturalLeftJoinStr:
			outer, rightNullable = true, true
		case sqlparser.RightJoinStr, sqlparser.NaturalRightJoinStr:
			outer, leftNullable = true, true
		}
		lp := append(append([]fzJoinStep(nil), path...), fzJoinStep{j: n, nullable: leftNullable, outer: outer})
		rp := append(append([]fzJoinStep(nil), path...), fzJoinStep{j: n, nullable: rightNullable, outer: outer})
		fc.tableExpr(n.LeftExpr, where, lp)
		fc.tableExpr(n.RightExpr, where, rp)
	}
}

// table checks one reference to a table.
func (fc *fzFilterCheck) table(te *sqlparser.AliasedTableExpr, tn sqlparser.TableName, where sqlparser.Expr, path []fzJoinStep) {
	t := fc.rw.tables.lookup(tn.Name.String())
	if t == nil {
		return
	}
	ref := fzRefName(te, tn)
	if strings.ContainsAny(ref, ":@?$") {
		// A variable or parameter where the alias goes ("posts @x"):
		// invalid SQL that sqlparser reads as an alias; the server
		// rejects it, rewritten or not.
		return
	}
	want := fc.fm.want(t.name, fc.primary)
	if fc.stamped[te] {
		want = filterLive
	}
	if want == filterAll {
		return
	}
	op := sqlparser.IsNullStr
	if want == filterDeleted {
		op = sqlparser.IsNotNullStr
	}
	// The filter may sit in the WHERE when no outer join on the path may
	// fill the table with NULLs; else in the ON of a join at or below the
	// innermost one that does, on whose nullable or inner side the table is.
	innermost := -1
	for i, s := range path {
		if s.outer && s.nullable {
			innermost = i
		}
	}
	if innermost < 0 && fzHasConjunct(where, ref, t.column, op) {
		return
	}
	for i := len(path) - 1; i >= 0 && i >= innermost; i-- {
		s := path[i]
		if s.outer && !s.nullable {
			continue // an ON does not filter the preserved side
		}
		if fzHasConjunct(s.j.Condition.On, ref, t.column, op) {
			return
		}
	}
	fc.bad("statement %d: %s (as %s) is not filtered by %s.%s %s (want %s, primary %q)",
		fc.stmt, t.name, ref, ref, t.column, op, []string{"live", "all", "deleted"}[want], fc.primary)
}

// fzHasConjunct reports whether e is, or is an AND of terms one of which
// is, ref.col op (IS NULL or IS NOT NULL).
func fzHasConjunct(e sqlparser.Expr, ref, col, op string) bool {
	switch n := e.(type) {
	case nil:
		return false
	case *sqlparser.AndExpr:
		return fzHasConjunct(n.Left, ref, col, op) || fzHasConjunct(n.Right, ref, col, op)
	case *sqlparser.ParenExpr:
		return fzHasConjunct(n.Expr, ref, col, op)
	case *sqlparser.IsExpr:
		c, ok := n.Expr.(*sqlparser.ColName)
		return ok && n.Operator == op && c.Name.EqualString(col) &&
			fzTableName(c.Qualifier) == ref
	}
	return false
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
		for _, spec := range cfg.Tables {
			name, col, ok := strings.Cut(spec, ":")
			if !ok {
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
				!strings.HasSuffix(lo, " is null") {
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
