package softdelete

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"strings"
)

// The differential harness, part 1: generated schemas, modes and
// statements. See diff_run_test.go for the harness as a whole.

// diffKnownBugs makes the generator write statements that hit the bugs of
// diffRegressions too (SOFTDELETE_DIFF_KNOWN_BUGS=1); by default it avoids
// them, so that a run finds new ones.
var diffKnownBugs = os.Getenv("SOFTDELETE_DIFF_KNOWN_BUGS") != ""

// diffStmtsPerSchema is how many statements run against one schema.
const diffStmtsPerSchema = 40

// diffTable is one table of a generated schema. Every table has the
// columns id, a, b (integers) and c (text); a soft-delete table has its
// deleted column too, and a plain table may have a column named like a
// deleted column that must not be filtered.
type diffTable struct {
	name  string
	soft  bool
	col   string // the deleted column of a soft-delete table
	extra string // a plain table's decoy column, or ""
	// The marker's kind, whether a numeric marker is nullable, and a
	// flag's companion column ("" for none).
	kind      MarkerKind
	nullable  bool
	companion string
	rows      []diffRow
}

// diffRow holds SQL literals: "NULL", "3", "'x'".
type diffRow struct {
	id         int
	a, b, c    string
	del, extra string
}

type diffSchema struct {
	seed      int64
	tables    []*diffTable
	column    string     // Config.Column: the default deleted column, "" for deleted_at
	kind      MarkerKind // Config.Kind: the default kind, "" for time
	upperConf bool       // list the tables in upper case in the configuration
}

// config is the softdelete table list of the schema.
func (s *diffSchema) config() []string {
	var out []string
	for _, t := range s.tables {
		if t.soft {
			name := t.name
			if s.upperConf {
				name = strings.ToUpper(name)
			}
			def := s.column
			if def == "" {
				def = DefaultColumn
			}
			switch {
			case t.kind != s.defaultKind() || t.companion != "":
				out = append(out, Table{Name: name, Column: t.col, Kind: t.kind, Companion: t.companion}.String())
			case t.col == def:
				out = append(out, name)
			default:
				out = append(out, name+":"+t.col)
			}
		}
	}
	return out
}

func (s *diffSchema) softNames() []string {
	var out []string
	for _, t := range s.tables {
		if t.soft {
			out = append(out, t.name)
		}
	}
	return out
}

var diffTableNames = []string{"users", "posts", "tags", "notes", "items", "logs", "orders2", "t1"}
var diffColumns = []string{"deleted_at", "deleted_at", "removed_at", "gone", "trashed_on"}

func genSchema(seed int64) *diffSchema { return genSchemaOf(seed, true) }

// genSchemaOf is genSchema, with random marker kinds or time markers only.
func genSchemaOf(seed int64, kinds bool) *diffSchema {
	r := rand.New(rand.NewSource(seed))
	s := &diffSchema{seed: seed, upperConf: r.Intn(5) == 0}
	if r.Intn(3) == 0 {
		s.column = diffColumns[r.Intn(len(diffColumns))]
	}
	n := 3 + r.Intn(4)
	names := append([]string(nil), diffTableNames...)
	r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	softs := 0
	for i := 0; i < n; i++ {
		t := &diffTable{name: names[i], soft: r.Intn(3) > 0}
		if i == 0 {
			t.soft = true
		}
		if i == 1 && softs == 1 {
			t.soft = r.Intn(2) == 0
		}
		if t.soft {
			softs++
			t.col = diffColumns[r.Intn(len(diffColumns))]
		} else if r.Intn(3) == 0 {
			t.extra = diffColumns[r.Intn(len(diffColumns))]
		}
		rows := r.Intn(11)
		for id := 1; id <= rows; id++ {
			row := diffRow{id: id, a: genIntLit(r), b: genIntLit(r), c: genTextLit(r), del: "NULL", extra: "NULL"}
			if t.soft && r.Intn(100) < 35 {
				row.del = fmt.Sprintf("'2020-01-0%d 00:00:00'", 1+r.Intn(9))
			}
			if t.extra != "" && r.Intn(2) == 0 {
				row.extra = fmt.Sprintf("'2021-01-0%d 00:00:00'", 1+r.Intn(9))
			}
			t.rows = append(t.rows, row)
		}
		s.tables = append(s.tables, t)
	}
	if kinds {
		genKinds(s, rand.New(rand.NewSource(seed^0x6b696e6473)))
	}
	return s
}

// diffKinds are the kinds a soft-delete table gets, time twice as often.
var diffKinds = []MarkerKind{KindTime, KindTime, KindUnix, KindUnixMilli, KindFlag}

// genKinds gives each soft-delete table a random marker kind and its
// rows markers of that kind, from a random source of its own, so that the
// rest of a seed's schema stays what it was before kinds.
func genKinds(s *diffSchema, r *rand.Rand) {
	if r.Intn(4) == 0 {
		s.kind = diffKinds[1+r.Intn(len(diffKinds)-1)]
	}
	for _, t := range s.tables {
		if !t.soft {
			continue
		}
		t.kind = diffKinds[r.Intn(len(diffKinds))]
		if !t.kind.numeric() {
			continue
		}
		t.nullable = r.Intn(2) == 0
		if t.kind == KindFlag && r.Intn(2) == 0 {
			t.companion = "flagged_at"
		}
		for i := range t.rows {
			t.rows[i].del = genMarker(t, t.rows[i].del != "NULL", r)
		}
	}
}

// genMarker is the marker of a deleted or live row of a numeric kind; a
// nullable marker is sometimes NULL, which is live.
func genMarker(t *diffTable, deleted bool, r *rand.Rand) string {
	switch {
	case !deleted && t.nullable && r.Intn(3) == 0:
		return "NULL"
	case !deleted:
		return "0"
	case t.kind == KindUnix:
		return strconv.Itoa(1577836800 + r.Intn(1000000))
	case t.kind == KindUnixMilli:
		return strconv.Itoa(1577836800+r.Intn(1000000)) + fmt.Sprintf("%03d", r.Intn(1000))
	}
	return "1"
}

// defaultKind is Config.Kind, resolved.
func (s *diffSchema) defaultKind() MarkerKind {
	if s.kind == "" {
		return KindTime
	}
	return s.kind
}

// live reports whether a snapshot's marker value is a live one for t:
// NULL, or 0 for a numeric kind (MySQL's text protocol quotes it).
func (t *diffTable) live(del string) bool {
	return del == "NULL" || t.kind.numeric() && (del == "0" || del == "'0'")
}

// markerType is the column type of t's marker.
func (t *diffTable) markerType(mysql bool, timeType string) string {
	if !t.kind.numeric() {
		return timeType
	}
	typ := "integer"
	if mysql {
		typ = "bigint"
		if t.kind == KindFlag {
			typ = "tinyint"
		}
	}
	if t.nullable {
		return typ + " null default 0"
	}
	return typ + " not null default 0"
}

func genIntLit(r *rand.Rand) string {
	if r.Intn(6) == 0 {
		return "NULL"
	}
	return strconv.Itoa(r.Intn(5))
}

func genTextLit(r *rand.Rand) string {
	if r.Intn(6) == 0 {
		return "NULL"
	}
	return "'" + string(rune('w'+r.Intn(4))) + "'"
}

// ddl returns the statements that create and fill the schema.
func (s *diffSchema) ddl(mysql bool) []string {
	var out []string
	for _, t := range s.tables {
		idType, textType, timeType := "integer primary key", "text", "text"
		if mysql {
			idType, textType, timeType = "int auto_increment primary key", "varchar(8)", "datetime(6) null"
		}
		cols := fmt.Sprintf("id %s, a int, b int, c %s", idType, textType)
		if t.soft {
			cols += ", " + t.col + " " + t.markerType(mysql, timeType)
		}
		if t.companion != "" {
			cols += ", " + t.companion + " " + timeType
		}
		if t.extra != "" {
			cols += ", " + t.extra + " " + timeType
		}
		out = append(out, fmt.Sprintf("create table %s (%s)", t.name, cols))
		if len(t.rows) == 0 {
			continue
		}
		var vals []string
		for _, row := range t.rows {
			v := fmt.Sprintf("(%d, %s, %s, %s", row.id, row.a, row.b, row.c)
			if t.soft {
				v += ", " + row.del
			}
			if t.companion != "" {
				v += ", NULL"
			}
			if t.extra != "" {
				v += ", " + row.extra
			}
			vals = append(vals, v+")")
		}
		out = append(out, fmt.Sprintf("insert into %s values %s", t.name, strings.Join(vals, ", ")))
	}
	return out
}

func (s *diffSchema) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "-- schema seed %d, tables=%s", s.seed, strings.Join(s.config(), ","))
	if s.column != "" {
		fmt.Fprintf(&b, " column=%s", s.column)
	}
	if s.kind != "" {
		fmt.Fprintf(&b, " kind=%s", s.kind)
	}
	b.WriteString("\n")
	for _, q := range s.ddl(false) {
		b.WriteString(q + ";\n")
	}
	return b.String()
}

func (s *diffSchema) clone() *diffSchema {
	c := &diffSchema{seed: s.seed, column: s.column, kind: s.kind, upperConf: s.upperConf}
	for _, t := range s.tables {
		ct := *t
		ct.rows = append([]diffRow(nil), t.rows...)
		c.tables = append(c.tables, &ct)
	}
	return c
}

// diffMode is a combination of the context modes.
type diffMode struct {
	includeAll  bool
	include     []string
	only        []string
	onlyPrimary bool
	force       bool
}

func (m diffMode) String() string {
	var parts []string
	if m.includeAll {
		parts = append(parts, "IncludeDeleted()")
	}
	if len(m.include) > 0 {
		parts = append(parts, "IncludeDeleted("+strings.Join(m.include, ",")+")")
	}
	if len(m.only) > 0 {
		parts = append(parts, "OnlyDeleted("+strings.Join(m.only, ",")+")")
	}
	if m.onlyPrimary {
		parts = append(parts, "OnlyDeleted()")
	}
	if m.force {
		parts = append(parts, "Force")
	}
	if len(parts) == 0 {
		return "default"
	}
	return strings.Join(parts, "+")
}

func (m diffMode) ctx(ctx context.Context) context.Context {
	if m.includeAll {
		ctx = WithIncludeDeleted(ctx)
	}
	if len(m.include) > 0 {
		ctx = WithIncludeDeleted(ctx, m.include...)
	}
	if len(m.only) > 0 {
		ctx = WithOnlyDeleted(ctx, m.only...)
	}
	if m.onlyPrimary {
		ctx = WithOnlyDeleted(ctx)
	}
	if m.force {
		ctx = WithForce(ctx)
	}
	return ctx
}

// want and forced make a diffMode an fzSpec for FuzzRewrite's checker.
func (m diffMode) want(table, primary string) filter { return m.show(table, primary) }
func (m diffMode) forced() bool                      { return m.force }

// show is what the mode lets a statement with that primary table see of a
// soft-delete table, per the README.
func (m diffMode) show(table, primary string) filter {
	if m.onlyPrimary && table == primary {
		return filterDeleted
	}
	for _, n := range m.only {
		if n == table {
			return filterDeleted
		}
	}
	for _, n := range m.include {
		if n == table {
			return filterAll
		}
	}
	if m.includeAll {
		return filterAll
	}
	return filterLive
}

// diffStmt is one generated statement.
type diffStmt struct {
	seed     int64
	kind     string // select, update, delete, insert
	sql      string
	args     []any
	primary  string   // the primary table (lower case)
	target   string   // the table an UPDATE, DELETE or INSERT writes
	stamped  []string // the tables a DELETE without WithForce stamps
	prepared bool     // prepare it under the default mode, run it under mode
	mode     diffMode
}

// --- the statement generator ---

type genCol struct {
	name string
	typ  byte // 'i' integer, 's' text
}

type genSource struct {
	qual  string // how columns are qualified: alias or table name
	cols  []genCol
	table string // base table name, "" for a derived table
}

type genLevel struct {
	sources []*genSource
	parent  *genLevel
}

type stmtGen struct {
	r       *rand.Rand
	s       *diffSchema
	mysql   bool
	pg      bool   // the statement is converted to PostgreSQL (see diff_pg_test.go)
	dbName  string // for schema-qualified names
	aliases int
	budget  int  // subqueries left
	forceAs bool // write AS before aliases (SQLite's UPDATE wants it)
	// wantOrder asks selectCore for ORDER BY <expression>, <every column>
	// LIMIT n; orderDone says it wrote one.
	wantOrder, orderDone bool
	ctes                 []*genSource // the statement's CTEs (diff_gen_modern_test.go)
}

var baseCols = []genCol{{"id", 'i'}, {"a", 'i'}, {"b", 'i'}, {"c", 's'}}

func (g *stmtGen) chance(pct int) bool { return g.r.Intn(100) < pct }

func (g *stmtGen) pick(xs []string) string { return xs[g.r.Intn(len(xs))] }

func (g *stmtGen) alias(prefix string) string {
	g.aliases++
	return fmt.Sprintf("%s%d", prefix, g.aliases)
}

// param marks a literal that may be sent as a ? parameter.
func (g *stmtGen) intLit() string {
	v := strconv.Itoa(g.r.Intn(5))
	if g.chance(12) {
		return "\x00" + v + "\x00"
	}
	return v
}

func (g *stmtGen) textLit() string {
	v := string(rune('w' + g.r.Intn(4)))
	if g.chance(12) {
		return "\x01" + v + "\x01"
	}
	return "'" + v + "'"
}

// tableRef writes a reference to a base table and returns its source.
func (g *stmtGen) tableRef(lv *genLevel, name string, forceAlias bool) (string, *genSource) {
	used := map[string]bool{}
	for _, s := range lv.sources {
		used[strings.ToLower(s.qual)] = true
	}
	written := name
	switch {
	case !g.mysql && g.chance(5):
		written = strings.ToUpper(name)
	case g.chance(5):
		switch {
		case g.mysql:
			written = "`" + name + "`"
		case g.chance(30):
			written = "[" + name + "]"
		default:
			written = `"` + name + `"`
		}
	case g.chance(4):
		if g.mysql {
			written = g.dbName + "." + name
		} else {
			written = "main." + name
		}
	}
	if !forceAlias && !used[name] && g.chance(40) {
		return written, &genSource{qual: name, cols: baseCols, table: name}
	}
	al := g.alias("x")
	if g.chance(10) {
		// An alias that is the name of another table.
		other := g.s.tables[g.r.Intn(len(g.s.tables))].name
		if !used[other] && other != name {
			al = other
		}
	}
	if g.forceAs || g.chance(50) {
		return written + " as " + al, &genSource{qual: al, cols: baseCols, table: name}
	}
	return written + " " + al, &genSource{qual: al, cols: baseCols, table: name}
}

func (g *stmtGen) randomTable() string { return g.s.tables[g.r.Intn(len(g.s.tables))].name }

func (g *stmtGen) softTable() string {
	n := g.s.softNames()
	return n[g.r.Intn(len(n))]
}

// colRef picks a column of type typ visible from lv, preferring lv itself.
func (g *stmtGen) colRef(lv *genLevel, typ byte) string {
	l := lv
	for l.parent != nil && g.chance(20) {
		l = l.parent
	}
	var cands []string
	for _, s := range l.sources {
		for _, c := range s.cols {
			if c.typ == typ {
				cands = append(cands, s.qual+"."+c.name)
			}
		}
	}
	if len(cands) == 0 && l != lv {
		return g.colRef(lv, typ)
	}
	if len(cands) == 0 {
		if typ == 'i' {
			return g.intLit()
		}
		return g.textLit()
	}
	return g.pick(cands)
}

// localCol picks a column of lv itself (for aggregates and GROUP BY); any
// column when none has the type.
func (g *stmtGen) localCol(lv *genLevel, typ byte) string {
	var cands []string
	for _, s := range lv.sources {
		for _, c := range s.cols {
			if c.typ == typ {
				cands = append(cands, s.qual+"."+c.name)
			}
		}
	}
	if len(cands) == 0 {
		// MySQL's strict mode fails UPDATEs that mix the types.
		if typ == 'i' {
			return g.intLit()
		}
		return g.textLit()
	}
	return g.pick(cands)
}

func (g *stmtGen) intExpr(lv *genLevel, depth int) string {
	switch n := g.r.Intn(20); {
	case n < 9:
		return g.colRef(lv, 'i')
	case n < 11:
		return g.intLit()
	case n < 13:
		return g.intExpr(lv, depth) + " + " + g.intLit()
	case n < 15:
		return "coalesce(" + g.colRef(lv, 'i') + ", " + g.intLit() + ")"
	case n < 16:
		return "case when " + g.boolExpr(lv, depth) + " then " + g.intExpr(lv, depth) + " else " + g.intLit() + " end"
	case depth > 0 && g.budget > 0:
		g.budget--
		agg := g.pick([]string{"max", "min", "count", "sum"})
		sub := &genLevel{parent: lv}
		from := g.from(sub, depth-1, "")
		arg := g.localCol(sub, 'i')
		if g.chance(25) {
			// ORDER BY ... LIMIT 1 instead of an aggregate: ties have
			// the same value, and no row gives NULL, like max().
			return "(select " + arg + " from " + from + g.where(sub, depth-1, 70) + " order by 1" + g.pick([]string{"", " desc"}) + " limit 1)"
		}
		if agg == "count" && g.chance(50) {
			arg = "*"
		}
		return "(select " + agg + "(" + arg + ") from " + from + g.where(sub, depth-1, 70) + ")"
	}
	return g.colRef(lv, 'i')
}

// scalarSub writes an aggregate subquery, which returns one row.
func (g *stmtGen) scalarSub(parent *genLevel, depth int) string {
	g.budget--
	sub := &genLevel{parent: parent}
	from := g.from(sub, depth, "")
	arg := g.localCol(sub, 'i')
	agg := g.pick([]string{"max", "min", "count", "sum"})
	if agg == "count" && g.chance(50) {
		arg = "*"
	}
	return "(select " + agg + "(" + arg + ") from " + from + g.where(sub, depth, 70) + ")"
}

func (g *stmtGen) textExpr(lv *genLevel, depth int) string {
	if !g.mysql && g.chance(4) {
		return g.colRef(lv, 's') + " || " + g.textLit() // SQLite's concatenation
	}
	switch n := g.r.Intn(10); {
	case n < 6:
		return g.colRef(lv, 's')
	case n < 7:
		return g.textLit()
	case n < 9:
		return "coalesce(" + g.colRef(lv, 's') + ", " + g.textLit() + ")"
	case depth > 0 && g.budget > 0:
		g.budget--
		sub := &genLevel{parent: lv}
		from := g.from(sub, depth-1, "")
		return "(select " + g.pick([]string{"max", "min"}) + "(" + g.localCol(sub, 's') + ") from " + from + g.where(sub, depth-1, 70) + ")"
	}
	return g.colRef(lv, 's')
}

func (g *stmtGen) expr(lv *genLevel, depth int, typ byte) string {
	if typ == 'i' {
		return g.intExpr(lv, depth)
	}
	return g.textExpr(lv, depth)
}

func (g *stmtGen) boolExpr(lv *genLevel, depth int) string {
	switch n := g.r.Intn(30); {
	case n < 8:
		return g.intExpr(lv, depth) + " " + g.pick([]string{"=", "<", ">", "<=", ">=", "<>"}) + " " + g.intExpr(lv, depth)
	case n < 11:
		return g.textExpr(lv, depth) + " " + g.pick([]string{"=", "<>", "<"}) + " " + g.textExpr(lv, depth)
	case n < 13:
		return g.colRef(lv, byte("is"[g.r.Intn(2)])) + g.pick([]string{" is null", " is not null"})
	case n < 15:
		return "(" + g.boolExpr(lv, depth) + " " + g.pick([]string{"and", "or"}) + " " + g.boolExpr(lv, depth) + ")"
	case n < 16:
		return "not (" + g.boolExpr(lv, depth) + ")"
	case n < 17:
		return g.colRef(lv, 'i') + " in (" + g.intLit() + ", " + g.intLit() + ")"
	case n < 18:
		return g.intExpr(lv, depth) + " between " + g.intLit() + " and " + g.intLit()
	case n < 19:
		return g.colRef(lv, 's') + " like '" + string(rune('w'+g.r.Intn(4))) + "%'"
	case depth > 0 && g.budget > 0 && n < 25:
		g.budget--
		typ := byte("iis"[g.r.Intn(3)])
		sub := g.subSelect(lv, depth-1, []byte{typ}, true)
		not := ""
		if g.chance(30) {
			not = "not "
		}
		return g.expr(lv, depth, typ) + " " + not + "in (" + sub + ")"
	case depth > 0 && g.budget > 0:
		g.budget--
		sub := &genLevel{parent: lv}
		from := g.from(sub, depth-1, "")
		not := ""
		if g.chance(30) {
			not = "not "
		}
		return not + "exists (select 1 from " + from + g.where(sub, depth-1, 90) + ")"
	}
	return g.colRef(lv, 'i') + " = " + g.intLit()
}

func (g *stmtGen) where(lv *genLevel, depth, pct int) string {
	if !g.chance(pct) {
		return ""
	}
	return " where " + g.boolExpr(lv, depth)
}

// from writes a FROM list into lv. first, when set, is the base table that
// must come first (the primary table).
func (g *stmtGen) from(lv *genLevel, depth int, first string) string {
	var b strings.Builder
	n := 1
	if g.chance(55) {
		n++
		if g.chance(35) {
			n++
		}
	}
	// onScope: the sources a join's ON may name (MySQL: since the last comma).
	var onScope []*genSource
	for i := 0; i < n; i++ {
		item, srcs := g.fromItem(lv, depth, first, i == 0)
		if i == 0 {
			b.WriteString(item)
			lv.sources = append(lv.sources, srcs...)
			onScope = append(onScope, srcs...)
			continue
		}
		join := g.pick([]string{", ", " join ", " inner join ", " left join ", " left outer join ", " right join ", " cross join ", " join ", " left join "})
		if !g.mysql && g.chance(6) {
			join = " full outer join " // SQLite 3.39+
		}
		if join == ", " || join == " cross join " {
			b.WriteString(join + item)
			lv.sources = append(lv.sources, srcs...)
			if join == ", " {
				onScope = append([]*genSource(nil), srcs...)
			} else {
				onScope = append(onScope, srcs...)
			}
			continue
		}
		prev := onScope[len(onScope)-1]
		if len(srcs) == 1 && srcs[0].table != "" && prev.table != "" && join != " full outer join " && g.chance(8) {
			// USING, or NATURAL, between two base tables.
			if g.chance(50) {
				b.WriteString(join + item + " using (" + g.pick([]string{"a", "b", "c", "id"}) + ")")
			} else {
				b.WriteString(g.pick([]string{" natural join ", " natural left join ", " natural right join "}) + item)
			}
			lv.sources = append(lv.sources, srcs...)
			onScope = append(onScope, srcs...)
			continue
		}
		onScope = append(onScope, srcs...)
		on := &genLevel{sources: onScope, parent: lv.parent}
		jc := srcs[0].cols[g.r.Intn(len(srcs[0].cols))]
		cond := srcs[0].qual + "." + jc.name + " = " + g.colRef(&genLevel{sources: onScope[:len(onScope)-len(srcs)], parent: lv.parent}, jc.typ)
		if g.chance(40) {
			cond += " and " + g.boolExpr(on, depth)
		}
		b.WriteString(join + item + " on " + cond)
		lv.sources = append(lv.sources, srcs...)
	}
	return b.String()
}

// fromItem writes one item of a FROM list: a table, a derived table, or a
// parenthesized join.
func (g *stmtGen) fromItem(lv *genLevel, depth int, first string, isFirst bool) (string, []*genSource) {
	if isFirst && first != "" {
		txt, src := g.tableRef(lv, first, false)
		return txt, []*genSource{src}
	}
	switch {
	case len(g.ctes) > 0 && g.chance(30):
		return g.cteRef()
	case !g.pg && g.chance(4): // PostgreSQL's json_each has other columns and types
		return g.tableFunction()
	case depth > 0 && g.budget > 0 && g.chance(20):
		g.budget--
		ncols := 1 + g.r.Intn(3)
		types := make([]byte, ncols)
		for i := range types {
			types[i] = "iis"[g.r.Intn(3)]
		}
		al := g.alias("d")
		// A derived table cannot see the enclosing query.
		sub := g.subSelect(&genLevel{}, depth-1, types, false)
		src := &genSource{qual: al}
		for i, t := range types {
			src.cols = append(src.cols, genCol{fmt.Sprintf("c%d", i), t})
		}
		return "(" + sub + ") as " + al, []*genSource{src}
	case g.chance(6):
		tmp := &genLevel{sources: append([]*genSource(nil), lv.sources...)}
		lt, ls := g.tableRef(tmp, g.randomTable(), false)
		tmp.sources = append(tmp.sources, ls)
		rt, rs := g.tableRef(tmp, g.randomTable(), false)
		return "(" + lt + g.pick([]string{" join ", " left join "}) + rt + " on " + rs.qual + ".a = " + ls.qual + ".a)", []*genSource{ls, rs}
	}
	txt, src := g.tableRef(lv, g.randomTable(), false)
	return txt, []*genSource{src}
}

// subSelect writes a SELECT with one column per type, in a new level whose
// parent is parent (nil parent: not correlated). inList allows a UNION.
func (g *stmtGen) subSelect(parent *genLevel, depth int, types []byte, inList bool) string {
	if inList && g.budget > 0 && g.chance(10) {
		g.budget--
		return g.selectCore(parent, depth, types, "", false) + g.setOp() + g.selectCore(parent, depth, types, "", false)
	}
	if !inList && g.budget > 0 && g.chance(10) {
		// A UNION in a derived table: the first SELECT names the columns.
		g.budget--
		return g.selectCore(parent, depth, types, "", true) + g.setOp() + g.selectCore(parent, depth, types, "", false)
	}
	q := g.selectCore(parent, depth, types, "", !inList)
	if !inList && g.chance(15) {
		q += " order by " + ordinals(len(types)) + " limit " + strconv.Itoa(1+g.r.Intn(4))
	}
	return q
}

func ordinals(n int) string {
	var o []string
	for i := 1; i <= n; i++ {
		o = append(o, strconv.Itoa(i))
	}
	return strings.Join(o, ", ")
}

// selectCore writes SELECT ... FROM ... [WHERE] [GROUP BY [HAVING]] with a
// column of each type; named gives derived-table columns names c0, c1...
func (g *stmtGen) selectCore(parent *genLevel, depth int, types []byte, first string, named bool) string {
	wantOrder := g.wantOrder
	g.wantOrder = false
	lv := &genLevel{parent: parent}
	from := g.from(lv, depth, first)
	where := g.where(lv, depth, 60)
	var b strings.Builder
	b.WriteString("select ")
	if g.chance(10) {
		b.WriteString("distinct ")
	}
	grouped := g.chance(20)
	var groupBy, windows []string
	if grouped {
		for i := 0; i < 1+g.r.Intn(2); i++ {
			s := lv.sources[g.r.Intn(len(lv.sources))]
			groupBy = append(groupBy, s.qual+"."+s.cols[g.r.Intn(len(s.cols))].name)
		}
	}
	for i, t := range types {
		if i > 0 {
			b.WriteString(", ")
		}
		var e string
		if grouped {
			var same []string
			for _, gb := range groupBy {
				if colType(lv, gb) == t {
					same = append(same, gb)
				}
			}
			switch {
			case len(same) > 0 && g.chance(50):
				e = g.pick(same)
			case t == 'i':
				e = g.pick([]string{"count(*)", "count(" + g.localCol(lv, 'i') + ")", "sum(" + g.localCol(lv, 'i') + ")",
					"max(" + g.localCol(lv, 'i') + ")", "count(distinct " + g.localCol(lv, 's') + ")"})
			default:
				e = g.pick([]string{"max", "min"}) + "(" + g.localCol(lv, 's') + ")"
			}
		} else if t == 'i' && (!g.mysql || parent == nil) && g.chance(8) {
			// (MariaDB 10.11 answered a window in a correlated subquery
			// differently for the same rows: not generated there.)
			e = g.windowExpr(lv, &windows)
		} else {
			e = g.expr(lv, depth, t)
		}
		b.WriteString(e)
		if named {
			fmt.Fprintf(&b, " as c%d", i)
		}
	}
	b.WriteString(" from " + from + where)
	if len(windows) > 0 {
		b.WriteString(" window " + strings.Join(windows, ", "))
	}
	if grouped {
		b.WriteString(" group by " + strings.Join(groupBy, ", "))
		if g.chance(50) {
			b.WriteString(" having " + g.pick([]string{"count(*) > ", "count(*) >= ", "max(" + g.localCol(lv, 'i') + ") > ", "sum(" + g.localCol(lv, 'i') + ") < "}))
			if depth > 0 && g.budget > 0 && g.chance(30) {
				// A subquery may not see the group's rows, only outer ones.
				b.WriteString(g.scalarSub(&genLevel{parent: lv.parent}, depth-1))
			} else {
				b.WriteString(g.intLit())
			}
		}
	}
	if wantOrder && !grouped {
		g.orderDone = true
		// Rows tied on the expression are ordered by every column: the
		// rows LIMIT keeps are the same multiset whatever the plan.
		var key string
		if depth > 0 && g.budget > 0 && g.chance(50) {
			key = g.scalarSub(lv, depth-1)
		} else {
			key = g.intExpr(lv, 0)
		}
		key += " + 0" // never an ordinal
		if strings.HasPrefix(b.String(), "select distinct") {
			key = "1"
		}
		b.WriteString(" order by " + key + ", " + ordinals(len(types)) + " limit " + g.intLit())
	}
	return b.String()
}

// colType returns the type of a qualified column written by colRef.
func colType(lv *genLevel, ref string) byte {
	q, c, _ := strings.Cut(ref, ".")
	for l := lv; l != nil; l = l.parent {
		for _, s := range l.sources {
			if s.qual == q {
				for _, col := range s.cols {
					if col.name == c {
						return col.typ
					}
				}
			}
		}
	}
	return 0
}

// genStatement generates statement number i of a schema.
func genStatement(s *diffSchema, seed int64, mysql bool, dbName string) diffStmt {
	return genStatementFor(s, seed, mysql, false, dbName)
}

// genStatementFor is genStatement; pg leaves out the SQLite forms that
// PostgreSQL reads otherwise (the statement is SQLite's, converted after).
func genStatementFor(s *diffSchema, seed int64, mysql, pg bool, dbName string) diffStmt {
	r := rand.New(rand.NewSource(seed))
	g := &stmtGen{r: r, s: s, mysql: mysql, pg: pg, dbName: dbName, budget: 1 + r.Intn(4)}
	st := diffStmt{seed: seed}
	// The mode's kind first: WithOnlyDeleted() needs a soft-delete primary
	// table. The tables it names are picked among those the statement
	// mentions, once it is written.
	modeKind := r.Intn(100)
	st.mode.onlyPrimary = modeKind >= 55 && modeKind < 75
	first := ""
	if st.mode.onlyPrimary || r.Intn(3) == 0 {
		first = g.softTable()
	}
	depth := 1 + r.Intn(3)
	switch n := r.Intn(100); {
	case n < 60:
		st.kind = "select"
		st.sql = g.withPrefix(depth)
		st.sql += g.topSelect(depth, first)
	case n < 75:
		st.kind = "update"
		st.target = first
		if st.target == "" {
			st.target = g.randomTable()
		}
		if !mysql { // MariaDB 10.11 has no WITH ... UPDATE
			st.sql = g.withPrefix(depth)
		}
		st.sql += g.update(st.target, depth)
	case n < 93:
		st.kind = "delete"
		st.target = first
		if st.target == "" {
			st.target = g.randomTable()
		}
		if !mysql { // MariaDB 10.11 has no WITH ... DELETE
			st.sql = g.withPrefix(depth)
		}
		st.sql += g.delete(st.target, depth)
		if r.Intn(100) < 30 || st.mode.onlyPrimary && r.Intn(100) < 85 {
			st.mode.force = true
		}
	case n < 97 || mysql:
		st.kind = "insert"
		st.target = g.randomTable()
		if r.Intn(3) > 0 {
			types := []byte("iis")
			with := ""
			if !mysql {
				// MariaDB 10.11.19 crashed on a prepared INSERT ... WITH
				// RECURSIVE ... SELECT with derived tables (find_field_in_table).
				with = g.withPrefix(depth)
			}
			st.sql = "insert into " + st.target + " (a, b, c) " + with + g.selectCore(nil, depth, types, first, false)
			break
		}
		// INSERT ... VALUES with subqueries: no primary table.
		g.budget += 2
		st.sql = "insert into " + st.target + " (a, b, c) values (" + g.scalarSub(&genLevel{}, depth) + ", " + g.intLit() + ", " +
			g.textExpr(&genLevel{}, depth) + ")"
		if r.Intn(2) == 0 && !mysql {
			// (InnoDB does not roll its AUTO_INCREMENT counter back: the
			// second row would see the first with another id in each run.)
			st.sql += ", (" + g.intLit() + ", " + g.scalarSub(&genLevel{}, depth-1) + ", 'v')"
		}
		first, st.primary = "", ""
		st.mode.onlyPrimary = false
		st.sql, st.args = bindParams(st.sql, false)
		return st
	default:
		// Two statements in one string (SQLite), default mode: a DELETE,
		// then a DELETE or an UPDATE, which must not see what the first
		// one deleted.
		st.kind = "multi"
		st.mode = diffMode{}
		t1, t2 := g.randomTable(), g.randomTable()
		st.sql = g.delete(t1, depth) + "; "
		st.stamped = []string{t1}
		if r.Intn(2) == 0 {
			st.sql += g.delete(t2, depth)
			st.stamped = append(st.stamped, t2)
		} else {
			st.sql += g.update(t2, depth)
		}
		st.sql, st.args = bindParams(st.sql, true)
		return st
	}
	if st.kind == "delete" {
		st.stamped = []string{st.target}
	}
	if r.Intn(100) < 5 {
		st.mode.force = true
	}
	softs := mentionedSoft(s, st.sql)
	pickSoft := func() string { return softs[r.Intn(len(softs))] }
	switch n := modeKind; {
	case n < 30:
	case n < 45:
		st.mode.includeAll = true
	case n < 55:
		st.mode.include = []string{pickSoft()}
	case n < 75:
	case n < 85:
		st.mode.only = []string{pickSoft()}
		if r.Intn(3) == 0 {
			st.mode.only = append(st.mode.only, pickSoft())
		}
	case n < 92:
		st.mode.include = []string{pickSoft()}
		st.mode.only = []string{pickSoft()}
		if st.mode.only[0] == st.mode.include[0] {
			st.mode.include = nil
		}
	default:
		st.mode.includeAll = true
		st.mode.only = []string{pickSoft()}
	}
	st.primary = first
	if st.kind == "update" || st.kind == "delete" {
		st.primary = st.target
	}
	if st.kind == "delete" && strings.Contains(st.sql, " limit ") && !st.mode.force &&
		st.mode.show(st.target, st.primary) == filterAll && !diffKnownBugs {
		st.mode.force = true // a known bug: see diffRegressions
	}
	// (With first unset, the primary table is whatever the generator
	// wrote first; it matters only to WithOnlyDeleted(), which sets it.)
	switch r.Intn(20) {
	case 0:
		st.sql = "/* c */ " + st.sql
	case 1:
		// Comments that name tables, and a line comment.
		names := strings.Join(s.softNames(), " ")
		st.sql = strings.Replace(st.sql, " where ", " /* "+names+" ; */ where -- "+names+"\n ", 1)
	case 2:
		st.sql = strings.Replace(st.sql, "select ", "SELECT\n\t", 1)
	case 3:
		if mysql {
			st.sql = strings.Replace(st.sql, " where ", " # "+strings.Join(s.softNames(), " ")+"\n where ", 1)
		}
	}
	st.sql, st.args = bindParams(st.sql, false)
	st.prepared = r.Intn(5) == 0
	if !mysql && len(st.args) > 0 && r.Intn(3) == 0 {
		st.sql, st.args = renumberParams(st.sql, st.args, r.Intn(2) == 0)
	}
	return st
}

// renumberParams writes SQLite's ?NNN or :name parameters for the ?s of
// q, in reverse order, so that the numbers are not the positions.
func renumberParams(q string, args []any, named bool) (string, []any) {
	var b strings.Builder
	var out []any
	k := len(args)
	for i := 0; i < len(q); i++ {
		if q[i] != '?' {
			b.WriteByte(q[i])
			continue
		}
		if named {
			name := fmt.Sprintf("v%d", k)
			b.WriteString(":" + name)
			out = append(out, sql.Named(name, args[len(args)-k]))
		} else {
			fmt.Fprintf(&b, "?%d", k)
		}
		k--
	}
	if !named {
		// ?k stands for the k-th argument: the text's first ? (now ?n)
		// is the last argument.
		rev := make([]any, len(args))
		for j := range args {
			rev[len(args)-1-j] = args[j]
		}
		out = rev
	}
	return b.String(), out
}

// mentionedSoft returns the soft-delete tables whose names appear in q, or
// all of them when none does.
func mentionedSoft(s *diffSchema, q string) []string {
	var out []string
	words := strings.FieldsFunc(strings.ToLower(q), func(c rune) bool { return !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') })
	seen := map[string]bool{}
	for _, w := range words {
		seen[w] = true
	}
	for _, n := range s.softNames() {
		if seen[n] {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return s.softNames()
	}
	return out
}

// bindParams turns the marked literals into ? parameters, in text order,
// or with inline into plain literals.
func bindParams(q string, inline bool) (string, []any) {
	var b strings.Builder
	var args []any
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c != 0 && c != 1 {
			b.WriteByte(c)
			continue
		}
		j := strings.IndexByte(q[i+1:], c) + i + 1
		v := q[i+1 : j]
		if c == 0 {
			n, _ := strconv.Atoi(v)
			args = append(args, int64(n))
		} else {
			args = append(args, v)
		}
		switch {
		case !inline:
			b.WriteByte('?')
		case c == 0:
			b.WriteString(v)
		default:
			b.WriteString("'" + v + "'")
		}
		i = j
	}
	return b.String(), args
}

func (g *stmtGen) topSelect(depth int, first string) string {
	ncols := 1 + g.r.Intn(3)
	types := make([]byte, ncols)
	for i := range types {
		types[i] = "iis"[g.r.Intn(3)]
	}
	if g.chance(12) {
		lv := &genLevel{}
		from := g.from(lv, depth, first)
		star := "*"
		if g.chance(50) {
			star = lv.sources[0].qual + ".*"
		}
		q := "select " + star + " from " + from + g.where(lv, depth, 60)
		if g.mysql && g.chance(20) {
			q += g.pick([]string{" for update", " lock in share mode", " for update skip locked", " for update nowait", " lock in share mode nowait"})
		}
		return q
	}
	g.wantOrder = g.chance(15)
	q := g.selectCore(nil, depth, types, first, false)
	if g.orderDone {
		return q
	}
	if g.chance(20) {
		right := g.selectCore(nil, depth, types, "", false)
		if g.mysql && g.chance(30) {
			q, right = "("+q+")", "("+right+")"
		}
		q += g.setOp() + right
	}
	if g.chance(30) {
		q += " order by " + ordinals(ncols) + " limit " + g.intLit()
		if g.chance(30) {
			q += " offset " + g.intLit()
		}
	}
	return q
}

func (g *stmtGen) update(target string, depth int) string {
	lv := &genLevel{}
	g.forceAs = true
	txt, src := g.tableRef(lv, target, false)
	g.forceAs = false
	if strings.Contains(txt, ".") && !strings.Contains(txt, " ") {
		// Schema-qualified without alias: qualify columns by the name.
		src.qual = target
	}
	lv.sources = append(lv.sources, src)
	withLimit := g.mysql && g.chance(15)
	if withLimit {
		// MariaDB 10.11 miscomputes SET values in UPDATE ... ORDER BY ...
		// LIMIT whose WHERE has a subquery on the same table (it takes
		// another row's column): no subqueries there.
		g.budget = 0
	}
	var sets []string
	if g.chance(70) {
		sets = append(sets, g.pick([]string{"a", "b"})+" = "+g.intExpr(lv, depth))
	}
	if len(sets) == 0 || g.chance(40) {
		sets = append(sets, "c = "+g.textExpr(lv, depth))
	}
	from := ""
	if !g.mysql && g.chance(12) {
		from = g.updateFrom(lv, depth) // after the SET: its values read the target only
	}
	q := "update " + txt + " set " + strings.Join(sets, ", ") + from + g.where(lv, depth, 80)
	if withLimit {
		q += " order by " + src.qual + ".id limit " + g.intLit()
	}
	return q
}

func (g *stmtGen) delete(target string, depth int) string {
	lv := &genLevel{}
	if g.mysql && g.chance(20) {
		// A multi-table DELETE.
		txt, src := g.tableRef(lv, target, true)
		lv.sources = append(lv.sources, src)
		other := &genLevel{sources: lv.sources}
		otxt, osrc := g.tableRef(other, g.randomTable(), true)
		lv.sources = append(lv.sources, osrc)
		join := g.pick([]string{" join ", " left join "})
		return "delete " + src.qual + " from " + txt + join + otxt + " on " + osrc.qual + ".a = " + src.qual + ".a" + g.where(lv, depth, 70)
	}
	name, qual := target, target
	if !g.mysql && g.chance(10) {
		name, qual = strings.ToUpper(target), strings.ToUpper(target)
	}
	if !g.mysql && g.chance(10) {
		qual = g.alias("x") // SQLite's DELETE FROM t AS a
		name += " as " + qual
	}
	lv.sources = append(lv.sources, &genSource{qual: qual, cols: baseCols, table: target})
	q := g.deleteHead() + name + g.where(lv, depth, 85)
	if g.mysql && g.chance(15) {
		q += " order by " + name + ".id limit " + g.intLit()
	}
	return q
}
