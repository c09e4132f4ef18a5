//go:build postgres

package softdelete

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// The PostgreSQL fuzz target and its checker, which the PostgreSQL
// differential harness (diff_pg_test.go) runs on every rewrite too.
//
//	go test -tags postgres -run '^$' -fuzz FuzzPostgresRewrite -fuzztime 10m -parallel 1 .

// pgCheckRewrite checks a rewrite of in (accepted) with PostgreSQL's
// parser: out must parse, and every read of a soft-delete table in out
// (tables: name -> deleted column, or column:kind for a numeric kind)
// must carry the filter the mode asks for, as a conjunct of the WHERE of its query or of the ON of a join
// that filters the table's rows before they are null-extended. It returns
// the problems found.
func pgCheckRewrite(tables map[string]string, mode diffMode, in, out string) []string {
	tree, err := pg.Parse(out)
	if err != nil && strings.Contains(out, "@") {
		// pgx's named arguments: pgx sends @name as $n (with
		// pgx.NamedArgs), so the server reads a parameter there.
		tree, err = pg.Parse(pgNamedArg.ReplaceAllString(out, " $$1 "))
	}
	if err != nil {
		return []string{fmt.Sprintf("the rewrite does not parse: %v", err)}
	}
	var problems []string
	for _, raw := range tree.Stmts {
		c := &pgChecker{tables: tables, mode: mode, primary: pgPrimaryOf(raw.Stmt), ctes: map[string]bool{}}
		pgWalkMessages(raw.Stmt.ProtoReflect(), c.noteCTE)
		pgWalkMessages(raw.Stmt.ProtoReflect(), c.visit)
		problems = append(problems, c.problems...)
	}
	return problems
}

// pgNamedArg is a pgx named argument, @name.
var pgNamedArg = regexp.MustCompile(`@[A-Za-z_][A-Za-z0-9_]*`)

// pgChecker checks the queries of one statement.
type pgChecker struct {
	tables   map[string]string
	mode     diffMode
	primary  string
	ctes     map[string]bool // names of common table expressions: references to them are not tables
	problems []string
}

// pgWalkMessages calls visit on every message of the tree, parents first.
func pgWalkMessages(m protoreflect.Message, visit func(protoreflect.Message)) {
	visit(m)
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				pgWalkMessages(l.Get(i).Message(), visit)
			}
		case fd.Message() != nil && !fd.IsMap():
			pgWalkMessages(v.Message(), visit)
		}
		return true
	})
}

func (c *pgChecker) noteCTE(m protoreflect.Message) {
	if cte, ok := m.Interface().(*pg.CommonTableExpr); ok {
		c.ctes[cte.Ctename] = true
	}
}

// visit checks one query: the tables of its FROM list and its target.
func (c *pgChecker) visit(m protoreflect.Message) {
	switch n := m.Interface().(type) {
	case *pg.SelectStmt:
		for _, it := range n.FromClause {
			c.fromItem(it, nil, n.WhereClause)
		}
	case *pg.UpdateStmt:
		c.table(n.Relation, nil, n.WhereClause)
		for _, it := range n.FromClause {
			c.fromItem(it, nil, n.WhereClause)
		}
	case *pg.DeleteStmt:
		c.table(n.Relation, nil, n.WhereClause)
		for _, it := range n.UsingClause {
			c.fromItem(it, nil, n.WhereClause)
		}
	}
}

// pgJoinStep is one join on the way from a FROM item down to a table.
type pgJoinStep struct {
	join     *pg.JoinExpr
	nullable bool // the table is on the side the join null-extends
}

func (c *pgChecker) fromItem(n *pg.Node, path []pgJoinStep, where *pg.Node) {
	switch {
	case n.GetRangeVar() != nil:
		c.table(n.GetRangeVar(), path, where)
	case n.GetJoinExpr() != nil:
		j := n.GetJoinExpr()
		left := j.Jointype == pg.JoinType_JOIN_RIGHT || j.Jointype == pg.JoinType_JOIN_FULL
		right := j.Jointype == pg.JoinType_JOIN_LEFT || j.Jointype == pg.JoinType_JOIN_FULL
		c.fromItem(j.Larg, append(path[:len(path):len(path)], pgJoinStep{j, left}), where)
		c.fromItem(j.Rarg, append(path[:len(path):len(path)], pgJoinStep{j, right}), where)
	}
}

// table checks one table reference reached through path (outermost join
// first) in a query whose WHERE is where.
func (c *pgChecker) table(rv *pg.RangeVar, path []pgJoinStep, where *pg.Node) {
	if rv == nil || rv.Schemaname == "" && c.ctes[rv.Relname] {
		return
	}
	col, ok := c.tables[rv.Relname]
	if !ok {
		return
	}
	col, kind, numeric := strings.Cut(col, ":")
	f := c.mode.show(rv.Relname, c.primary)
	if f == filterAll {
		return
	}
	ref := rv.Relname
	if rv.Alias != nil {
		ref = rv.Alias.Aliasname
	}
	// From the table up: the ON of an inner join filters its rows, the
	// ON of an outer join that null-extends it does and is the last
	// place that can; an outer join that preserves it cannot.
	var places []*pg.Node
	reachesWhere := true
	for i := len(path) - 1; i >= 0; i-- {
		s := path[i]
		if s.join.Jointype == pg.JoinType_JOIN_INNER || s.nullable {
			places = append(places, s.join.Quals)
		}
		if s.nullable {
			reachesWhere = false
			break
		}
	}
	if reachesWhere {
		places = append(places, where)
	}
	for _, p := range places {
		if pgHasConjunct(p, ref, col, numeric, f == filterLive) {
			return
		}
	}
	c.problems = append(c.problems, fmt.Sprintf("%s (as %s, at offset %d) has no %s filter of %s.%s (%s) where it applies",
		rv.Relname, ref, rv.Location, map[bool]string{true: "live", false: "deleted"}[f == filterLive], ref, col, kind))
}

// pgHasConjunct reports whether the filter of ref.col is a conjunct of e:
// for the live rows (live) IS NULL, or for a numeric marker (= 0 OR IS
// NULL); for the deleted rows IS NOT NULL, or <> 0.
func pgHasConjunct(e *pg.Node, ref, col string, numeric, live bool) bool {
	if e == nil {
		return false
	}
	if b := e.GetBoolExpr(); b != nil && b.Boolop == pg.BoolExprType_AND_EXPR {
		for _, a := range b.Args {
			if pgHasConjunct(a, ref, col, numeric, live) {
				return true
			}
		}
		return false
	}
	switch {
	case !numeric:
		return pgIsNullTest(e, ref, col, live)
	case !live:
		return pgIsZeroTest(e, ref, col, "<>")
	}
	b := e.GetBoolExpr()
	return b != nil && b.Boolop == pg.BoolExprType_OR_EXPR && len(b.Args) == 2 &&
		pgIsZeroTest(b.Args[0], ref, col, "=") && pgIsNullTest(b.Args[1], ref, col, true)
}

// pgIsNullTest reports whether e is ref.col IS [NOT] NULL.
func pgIsNullTest(e *pg.Node, ref, col string, isNull bool) bool {
	nt := e.GetNullTest()
	return nt != nil && (nt.Nulltesttype == pg.NullTestType_IS_NULL) == isNull && pgIsColumn(nt.Arg, ref, col)
}

// pgIsZeroTest reports whether e is ref.col op 0 (or '0').
func pgIsZeroTest(e *pg.Node, ref, col, op string) bool {
	x := e.GetAExpr()
	if x == nil || x.Kind != pg.A_Expr_Kind_AEXPR_OP || len(x.Name) != 1 || x.Name[0].GetString_().GetSval() != op || !pgIsColumn(x.Lexpr, ref, col) {
		return false
	}
	c := x.Rexpr.GetAConst()
	return c != nil && (c.GetIval() != nil && c.GetIval().GetIval() == 0 || c.GetSval().GetSval() == "0")
}

// pgIsColumn reports whether e is ref.col.
func pgIsColumn(e *pg.Node, ref, col string) bool {
	cr := e.GetColumnRef()
	return cr != nil && len(cr.Fields) == 2 && cr.Fields[0].GetString_().GetSval() == ref && cr.Fields[1].GetString_().GetSval() == col
}

// pgPrimaryOf is the primary table of a statement, as the README defines
// it: the first table of its outermost FROM, the target of a write.
func pgPrimaryOf(n *pg.Node) string {
	switch {
	case n == nil:
		return ""
	case n.GetSelectStmt() != nil:
		s := n.GetSelectStmt()
		for s.Larg != nil {
			s = s.Larg
		}
		if len(s.FromClause) == 0 {
			return ""
		}
		return pgPrimaryOf(s.FromClause[0])
	case n.GetRangeVar() != nil:
		return n.GetRangeVar().Relname
	case n.GetJoinExpr() != nil:
		return pgPrimaryOf(n.GetJoinExpr().Larg)
	case n.GetRangeSubselect() != nil:
		return pgPrimaryOf(n.GetRangeSubselect().Subquery)
	case n.GetUpdateStmt() != nil:
		return n.GetUpdateStmt().Relation.GetRelname()
	case n.GetDeleteStmt() != nil:
		return n.GetDeleteStmt().Relation.GetRelname()
	case n.GetInsertStmt() != nil:
		return pgPrimaryOf(n.GetInsertStmt().SelectStmt)
	case n.GetExplainStmt() != nil:
		return pgPrimaryOf(n.GetExplainStmt().Query)
	}
	return ""
}

// TestPgCheckRewriteDetects checks that the checker fails rewrites that
// miss a filter or put it where it does not apply.
func TestPgCheckRewriteDetects(t *testing.T) {
	tables := map[string]string{"users": "deleted_at", "posts": "deleted_at", "tags": "gone:flag", "logs": "deleted_at:unix"}
	for _, c := range []struct {
		mode diffMode
		out  string
		ok   bool
	}{
		{diffMode{}, "SELECT * FROM users WHERE id = 1 AND users.deleted_at IS NULL", true},
		{diffMode{}, "SELECT * FROM users WHERE id = 1", false},
		{diffMode{}, "SELECT * FROM users WHERE id = 1 OR users.deleted_at IS NULL", false},
		{diffMode{}, "SELECT * FROM users u WHERE users.deleted_at IS NULL", false},
		{diffMode{only: []string{"users"}}, "SELECT * FROM users WHERE users.deleted_at IS NULL", false},
		{diffMode{includeAll: true}, "SELECT * FROM users", true},
		{diffMode{}, "SELECT * FROM users u LEFT JOIN posts p ON p.id = u.id AND p.deleted_at IS NULL WHERE u.deleted_at IS NULL", true},
		// The nullable side filtered in the WHERE, the preserved one in the ON.
		{diffMode{}, "SELECT * FROM users u LEFT JOIN posts p ON p.id = u.id WHERE u.deleted_at IS NULL AND p.deleted_at IS NULL", false},
		{diffMode{}, "SELECT * FROM users u LEFT JOIN posts p ON p.id = u.id AND u.deleted_at IS NULL AND p.deleted_at IS NULL", false},
		{diffMode{}, "SELECT * FROM tags WHERE a IN (SELECT id FROM posts)", false},
		{diffMode{}, "UPDATE users SET deleted_at = now() WHERE id = $1 AND users.deleted_at IS NULL", true},
		{diffMode{}, "DELETE FROM users WHERE id = $1", false},
		{diffMode{}, "SELECT 1 FROM users", false},
		{diffMode{}, "SELECT (", false},
		// pgx's named arguments are parameters.
		{diffMode{}, "SELECT * FROM users WHERE id = @id AND users.deleted_at IS NULL", true},
		{diffMode{includeAll: true}, "SELECT FROM users JOIN posts ON@SELECT", true},
		{diffMode{}, "SELECT * FROM users JOIN posts ON @select WHERE users.deleted_at IS NULL AND posts.deleted_at IS NULL", true},
		// Numeric kinds: (= 0 OR IS NULL) live, <> 0 deleted.
		{diffMode{}, "SELECT * FROM tags WHERE id = 1 AND (tags.gone = '0' OR tags.gone IS NULL)", true},
		{diffMode{}, "SELECT * FROM logs l WHERE l.deleted_at = 0 OR l.deleted_at IS NULL", true},
		{diffMode{}, "SELECT * FROM tags WHERE tags.gone IS NULL", false},
		{diffMode{}, "SELECT * FROM tags WHERE tags.gone = '0'", false},
		{diffMode{}, "SELECT * FROM tags WHERE tags.gone = '1' OR tags.gone IS NULL", false},
		{diffMode{}, "SELECT * FROM logs WHERE (logs.deleted_at = 0 OR logs.deleted_at IS NULL) OR id = 1", false},
		{diffMode{only: []string{"logs"}}, "SELECT * FROM logs WHERE logs.deleted_at <> 0", true},
		{diffMode{only: []string{"logs"}}, "SELECT * FROM logs WHERE logs.deleted_at IS NOT NULL", false},
		{diffMode{only: []string{"tags"}}, "SELECT * FROM tags WHERE tags.gone = '0'", false},
	} {
		got := pgCheckRewrite(tables, c.mode, "", c.out)
		if (len(got) == 0) != c.ok {
			t.Errorf("%s (%s): problems %q, want ok=%v", c.out, c.mode, got, c.ok)
		}
	}
}

// pgFuzzModes are the modes FuzzPostgresRewrite runs a statement under.
var pgFuzzModes = []diffMode{
	{},
	{includeAll: true},
	{onlyPrimary: true},
	{include: []string{"posts"}},
	{only: []string{"users"}},
	{force: true},
	{only: []string{"users"}, include: []string{"posts"}},
	{onlyPrimary: true, force: true},
}

// pgFuzzSeeds are one statement of each form the PostgreSQL engine knows.
var pgFuzzSeeds = []string{
	"SELECT * FROM users WHERE id = $1",
	"SELECT * FROM tags WHERE id = $1",
	"SELECT u.id FROM public.users u WHERE u.id = $1",
	`SELECT * FROM "Users"`,
	`SELECT * FROM U&"\0075sers"`,
	"/* app:list */ SELECT id FROM users WHERE id = 1 /*traceparent='00-abc-01'*/",
	"SELECT * FROM users u JOIN posts p ON p.user_id = u.id WHERE p.id > 3 OR u.id = 1",
	"SELECT * FROM users u LEFT JOIN posts p ON p.user_id = u.id",
	"SELECT * FROM users u RIGHT JOIN posts p ON p.user_id = u.id",
	"SELECT * FROM users u FULL JOIN posts p ON p.user_id = u.id",
	"SELECT * FROM users LEFT JOIN posts USING (id)",
	"SELECT * FROM users NATURAL FULL JOIN posts",
	"SELECT * FROM users, comments c WHERE c.user_id = users.id",
	"SELECT * FROM tags WHERE owner IN (SELECT id FROM users)",
	"SELECT * FROM tags t, LATERAL (SELECT * FROM posts p WHERE p.tag = t.id) x",
	"WITH u AS (SELECT * FROM users) SELECT * FROM u",
	"WITH users AS (SELECT 1) SELECT * FROM users",
	"WITH d AS (DELETE FROM users WHERE id = $1 RETURNING id) SELECT * FROM d",
	"SELECT id FROM users UNION SELECT id FROM posts ORDER BY 1 LIMIT 3 OFFSET 1",
	"SELECT id FROM users FETCH FIRST 2 ROWS ONLY",
	"DELETE FROM users WHERE id = $1",
	"DELETE FROM users WHERE id = $1 RETURNING id, deleted_at",
	"DELETE FROM posts p USING users u WHERE p.user_id = u.id AND u.name = $1",
	"UPDATE posts SET title = $1 FROM users u WHERE posts.user_id = u.id",
	"UPDATE users SET deleted_at = NULL WHERE id = $1",
	"INSERT INTO posts (id, user_id) SELECT $1, id FROM users WHERE name = $2",
	"INSERT INTO users (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = excluded.name",
	"INSERT INTO users (id, name) VALUES (1, 'a') RETURNING *",
	"MERGE INTO users u USING tags t ON t.id = u.id WHEN MATCHED THEN DELETE",
	"TRUNCATE users",
	"DROP TABLE users",
	"ALTER TABLE users RENAME TO people",
	"CREATE VIEW v AS SELECT * FROM users",
	"PREPARE p AS SELECT * FROM users",
	"EXPLAIN SELECT * FROM users",
	"COPY users TO STDOUT",
	"COPY (SELECT * FROM users) TO STDOUT",
	"SELECT * FROM users WHERE id = @id",
	"SELECT * FROM users WHERE name = E'a\\nb' AND note = $$x$$ AND id = CAST($1 AS int)",
	"SELECT id::text, name ILIKE 'a%', tags[1], doc->>'k' FROM users",
	"SELECT DISTINCT ON (user_id) * FROM posts ORDER BY user_id, id",
	"SELECT count(*) FILTER (WHERE id > 1), row_number() OVER (PARTITION BY name) FROM users",
	"SET standard_conforming_strings = off",
	"SELECT set_config('client_encoding', 'latin1', false)",
	"SELECT * FROM users FOR UPDATE SKIP LOCKED",
	"SELECT * FROM users; DELETE FROM posts WHERE id = 1",
	"LOCK TABLE users",
	"SELECT * FROM ONLY users",
	"SELECT * FROM users TABLESAMPLE SYSTEM (10)",
	"SELECT * FROM (users u JOIN posts p ON p.user_id = u.id) LEFT JOIN comments c USING (id)",
}

// FuzzPostgresRewrite checks the PostgreSQL path on arbitrary text: no
// panic (an internal error), no hang; every accepted rewrite parses, and
// every read of a soft-delete table in it has its filter (pgCheckRewrite).
func FuzzPostgresRewrite(f *testing.F) {
	for _, q := range pgFuzzSeeds {
		for m := range pgFuzzModes {
			f.Add(q, uint8(m))
		}
	}
	c, err := NewConnector(Config{DriverName: "pgx", DSN: "postgres://nobody@127.0.0.1:1/none",
		Tables: []string{"users", "posts::unix", "comments:removed_at:flag"}, CacheSize: -1, Check: CheckOff})
	if err != nil {
		f.Fatal(err)
	}
	// One table per form of filter: a time marker, an epoch (= 0), a flag
	// (= '0').
	tables := map[string]string{"users": "deleted_at", "posts": "deleted_at:unix", "comments": "removed_at:flag"}
	f.Fuzz(func(t *testing.T, q string, mi uint8) {
		mode := pgFuzzModes[int(mi)%len(pgFuzzModes)]
		ctx := mode.ctx(context.Background())
		type result struct {
			out string
			err error
		}
		done := make(chan result, 1)
		go func() {
			out, err := c.Rewrite(ctx, q)
			done <- result{out, err}
		}()
		var r result
		select {
		case r = <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("Rewrite(%q) under %s: no answer after 20s", q, mode)
		}
		if r.err != nil {
			if strings.Contains(r.err.Error(), "internal error") {
				t.Fatalf("Rewrite(%q) under %s: %v", q, mode, r.err)
			}
			return
		}
		if mode.includeAll && mode.force {
			return // the raw passthrough
		}
		if r.out == q && !pgNamesTable(q, tables) {
			return // the fast path: no listed table named
		}
		if problems := pgCheckRewrite(tables, mode, q, r.out); len(problems) > 0 {
			t.Fatalf("Rewrite(%q) under %s\n= %q\n%s", q, mode, r.out, strings.Join(problems, "\n"))
		}
	})
}

// pgNamesTable reports whether q has a word that names one of the tables,
// in any case.
func pgNamesTable(q string, tables map[string]string) bool {
	for _, w := range strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= 0x80)
	}) {
		if _, ok := tables[w]; ok {
			return true
		}
	}
	return false
}
