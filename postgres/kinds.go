package postgres

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/softdelete-go/softdelete/internal/engine"
)

// This file is the marker kinds on PostgreSQL: how a table's marker is
// filtered, stamped and restored, per kind (the root package's kinds.go).
//
// A time marker is live when NULL. A numeric one (unix, unixmilli, flag)
// is live when 0 or NULL, deleted otherwise. A flag may be boolean or an
// integer, and PostgreSQL has no = between boolean and integer: its live
// value is written as the untyped literal '0', which the server reads as
// the column's own type (false, or 0), so one text serves both types
// without knowing the schema, and an index on the flag still serves the
// filter. The epoch kinds compare with the integer 0.

// table is a soft-delete table with its expressions parsed.
type table struct {
	engine.Table
	stamp *pg.Node // what a soft DELETE sets the marker to
	zero  *pg.Node // the live value of a numeric marker; nil for a time marker
}

// newTable checks and parses one table of the configuration; now is the
// parsed Config.Now.
func newTable(t engine.Table, now *pg.Node) (*table, error) {
	t.Name, t.Column = strings.ToLower(t.Name), strings.ToLower(t.Column)
	t.Companion, t.Actor = strings.ToLower(t.Companion), strings.ToLower(t.Actor)
	out := &table{Table: t, stamp: now}
	switch t.Kind {
	case "", "time":
	case "unix", "unixmilli":
		out.zero = pg.MakeAConstIntNode(0, -1)
	case "flag":
		out.zero = pg.MakeAConstStrNode("0", -1)
	default:
		return nil, fmt.Errorf("table %s: %q is not a marker kind (want time, unix, unixmilli or flag)", t.Name, t.Kind)
	}
	if t.Companion != "" && t.Kind != "flag" {
		return nil, fmt.Errorf("table %s: only a flag takes a companion column", t.Name)
	}
	if t.Stamp != "" {
		s, err := parseExpr(t.Stamp)
		if err != nil {
			return nil, fmt.Errorf("table %s: the stamp %q is not one PostgreSQL expression: %w", t.Name, t.Stamp, err)
		}
		out.stamp = s
	} else if out.zero != nil {
		return nil, fmt.Errorf("table %s: a %s marker needs its stamp", t.Name, t.Kind)
	}
	return out, nil
}

// column is ref.col.
func column(ref, col string) *pg.Node {
	return pg.MakeColumnRefNode([]*pg.Node{pg.MakeStrNode(ref), pg.MakeStrNode(col)}, -1)
}

// op is l op r.
func op(name string, l, r *pg.Node) *pg.Node {
	return pg.MakeAExprNode(pg.A_Expr_Kind_AEXPR_OP, []*pg.Node{pg.MakeStrNode(name)}, l, r, -1)
}

// predicate is the condition that keeps the rows of t, named ref, that
// are live (live) or deleted (its exact negation): IS NULL and IS NOT
// NULL for a time marker; (col = 0 OR col IS NULL) and col <> 0 for a
// numeric one.
func (t *table) predicate(ref string, live bool) *pg.Node {
	if t.zero == nil {
		return nullTest(ref, t.Column, live)
	}
	if !live {
		return op("<>", column(ref, t.Column), clone(t.zero))
	}
	return pg.MakeBoolExprNode(pg.BoolExprType_OR_EXPR, []*pg.Node{
		op("=", column(ref, t.Column), clone(t.zero)),
		nullTest(ref, t.Column, true),
	}, -1)
}

// stampSet is the SET list of t's soft DELETE: the actor (parameter
// actor, when t records it), the companion stamped with now, the marker
// stamped with stamp.
func (t *table) stampSet(now, stamp *pg.Node, actor int) []*pg.Node {
	var set []*pg.Node
	if actor > 0 {
		set = append(set, pg.MakeResTargetNodeWithNameAndVal(t.Actor, pg.MakeParamRefNode(int32(actor), -1), -1))
	}
	if t.Companion != "" {
		set = append(set, pg.MakeResTargetNodeWithNameAndVal(t.Companion, clone(now), -1))
	}
	return append(set, pg.MakeResTargetNodeWithNameAndVal(t.Column, stamp, -1))
}

// isLiveValue reports whether n is a constant that marks a row of t live:
// NULL, and for a numeric marker 0, '0' or false.
func (t *table) isLiveValue(n *pg.Node) bool {
	c := n.GetAConst()
	switch {
	case c == nil:
		return false
	case c.GetIsnull():
		return true
	case t.zero == nil:
		return false
	case c.GetIval() != nil:
		return c.GetIval().GetIval() == 0
	case c.GetSval() != nil:
		return strings.TrimSpace(c.GetSval().GetSval()) == "0"
	case c.GetBoolval() != nil:
		return !c.GetBoolval().GetBoolval()
	}
	return false
}

// isRestoreSet reports whether a SET list is the one Restore builds for t:
// the marker to its live value (or to token, an exact restore's, when not
// ""), and the companion and the actor column, if t has them, to NULL;
// each once, in any order.
func (t *table) isRestoreSet(set []*pg.Node, token string) bool {
	seen := map[string]bool{}
	for _, n := range set {
		rt := n.GetResTarget()
		if rt == nil || len(rt.Indirection) > 0 || seen[rt.Name] {
			return false
		}
		seen[rt.Name] = true
		switch {
		case rt.Name == t.Column:
			if !t.isLiveValue(rt.Val) && !isStringConst(rt.Val, token) {
				return false
			}
		case rt.Name != "" && (rt.Name == t.Companion || rt.Name == t.Actor):
			if !rt.Val.GetAConst().GetIsnull() {
				return false
			}
		default:
			return false
		}
	}
	return seen[t.Column]
}

// isStringConst reports whether n is the string constant s, s not "".
func isStringConst(n *pg.Node, s string) bool {
	c := n.GetAConst()
	return s != "" && c != nil && c.GetSval() != nil && c.GetSval().GetSval() == s
}
