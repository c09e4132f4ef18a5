package softdelete

import (
	"fmt"
	"strings"
)

// The differential generator's modern forms (issue 13): CTEs (recursive
// ones over a self-referencing soft-delete table included), window
// functions, EXCEPT and INTERSECT, and SQLite's ||. The hooks are in
// diff_gen_test.go.

// withPrefix writes, now and then, a CTE list for the statement about to
// be written, and makes its CTEs visible to its FROM lists (g.ctes).
func (g *stmtGen) withPrefix(depth int) string {
	if !g.chance(25) {
		return ""
	}
	var defs []string
	recursive := false
	for i, n := 0, 1+g.r.Intn(2); i < n; i++ {
		name := g.alias("cte")
		var def string
		var src *genSource
		if g.chance(35) {
			def, src = g.recursiveCTE(name)
			recursive = true
		} else {
			ncols := 1 + g.r.Intn(3)
			types := make([]byte, ncols)
			for i := range types {
				types[i] = "iis"[g.r.Intn(3)]
			}
			def = name + " as (" + g.subSelect(&genLevel{}, max(depth-1, 0), types, false) + ")"
			src = &genSource{qual: name}
			for i, t := range types {
				src.cols = append(src.cols, genCol{fmt.Sprintf("c%d", i), t})
			}
		}
		defs = append(defs, def)
		g.ctes = append(g.ctes, src)
	}
	head := "with "
	if recursive {
		head = "with recursive "
	}
	return head + strings.Join(defs, ", ") + " "
}

// recursiveCTE writes a recursive CTE that walks a table's a column as a
// pointer to a parent's id, three levels at most (the data has cycles).
func (g *stmtGen) recursiveCTE(name string) (string, *genSource) {
	table := g.softTable()
	if g.chance(25) {
		table = g.randomTable()
	}
	lv := &genLevel{}
	txt, src := g.tableRef(lv, table, false)
	lv.sources = append(lv.sources, src)
	anchor := "select " + src.qual + ".id, " + src.qual + ".a, 0 from " + txt + g.where(lv, 0, 60)
	step := &genLevel{}
	stxt, ssrc := g.tableRef(step, table, true)
	q := ssrc.qual
	def := name + "(c0, c1, c2) as (" + anchor + " union all select " + q + ".id, " + q + ".a, " + name + ".c2 + 1 from " + stxt +
		" join " + name + " on " + q + ".a = " + name + ".c0 where " + name + ".c2 < 3)"
	return def, &genSource{qual: name, cols: []genCol{{"c0", 'i'}, {"c1", 'i'}, {"c2", 'i'}}}
}

// cteRef writes a reference to one of the statement's CTEs, aliased.
func (g *stmtGen) cteRef() (string, []*genSource) {
	c := g.ctes[g.r.Intn(len(g.ctes))]
	al := g.alias("x")
	return c.qual + " as " + al, []*genSource{{qual: al, cols: c.cols}}
}

// windowExpr writes an integer window function over lv's columns whose
// value does not depend on the plan (no ROW_NUMBER over ties); a named
// window's definition is added to windows.
func (g *stmtGen) windowExpr(lv *genLevel, windows *[]string) string {
	x, y := g.localCol(lv, 'i'), g.localCol(lv, byte("is"[g.r.Intn(2)]))
	switch g.r.Intn(6) {
	case 0:
		return "count(*) over ()"
	case 1:
		return "sum(" + x + ") over (partition by " + y + ")"
	case 2:
		return "rank() over (order by " + x + ")"
	case 3:
		return "dense_rank() over (partition by " + y + " order by " + x + " desc)"
	case 4:
		return "max(" + x + ") over (partition by " + y + " order by " + x + ")"
	}
	w := g.alias("w")
	*windows = append(*windows, w+" as (partition by "+y+")")
	return "count(" + x + ") over " + w
}

// setOp picks the operator between two SELECTs.
func (g *stmtGen) setOp() string {
	return g.pick([]string{" union ", " union all ", " union ", " except ", " intersect "})
}

// updateFrom writes SQLite's FROM list of an UPDATE into lv.
func (g *stmtGen) updateFrom(lv *genLevel, depth int) string {
	from := &genLevel{parent: lv.parent}
	list := g.from(from, max(depth-1, 0), "")
	lv.sources = append(lv.sources, from.sources...)
	return " from " + list
}

// deleteHead writes DELETE FROM, with MySQL's modifiers now and then.
func (g *stmtGen) deleteHead() string {
	if g.mysql && g.chance(15) {
		return g.pick([]string{"delete low_priority from ", "delete quick from ", "delete ignore from ", "delete low_priority quick ignore from "})
	}
	return "delete from "
}

// tableFunction writes a table-valued function in a FROM list: SQLite's
// json_each, MariaDB's JSON_TABLE, over a literal array.
func (g *stmtGen) tableFunction() (string, []*genSource) {
	al := g.alias("j")
	arr := fmt.Sprintf("'[%d, %d, %d]'", g.r.Intn(5), g.r.Intn(5), g.r.Intn(5))
	if g.mysql {
		return "json_table(" + arr + ", '$[*]' columns (id for ordinality, a int path '$')) as " + al,
			[]*genSource{{qual: al, cols: []genCol{{"id", 'i'}, {"a", 'i'}}}}
	}
	return "json_each(" + arr + ") as " + al, []*genSource{{qual: al, cols: []genCol{{"key", 'i'}, {"value", 'i'}}}}
}
