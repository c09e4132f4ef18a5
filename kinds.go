package softdelete

import (
	"fmt"
	"strings"

	"github.com/xwb1989/sqlparser"
)

// This file is the marker kinds: how a soft-delete table's column marks a
// row deleted, the table specs that name them (tables=name:column:kind),
// and the SQL each kind is filtered, stamped and restored with.

// MarkerKind is how a soft-delete table's marker column tells a deleted row
// from a live one.
type MarkerKind string

const (
	// KindTime is a nullable timestamp: NULL is live, a time is the
	// moment of the delete (the default).
	KindTime MarkerKind = "time"
	// KindUnix is an integer, NOT NULL DEFAULT 0: 0 (or NULL) is live,
	// the epoch seconds of the delete otherwise.
	KindUnix MarkerKind = "unix"
	// KindUnixMilli is KindUnix in epoch milliseconds.
	KindUnixMilli MarkerKind = "unixmilli"
	// KindFlag is a boolean or tinyint, NOT NULL DEFAULT 0: 0 (or NULL) is
	// live, 1 deleted. A flag table may name a companion timestamp column,
	// stamped with the time of the delete.
	KindFlag MarkerKind = "flag"
)

// parseKind reads a kind; empty means KindTime.
func parseKind(s string) (MarkerKind, error) {
	switch k := MarkerKind(strings.ToLower(s)); k {
	case "":
		return KindTime, nil
	case KindTime, KindUnix, KindUnixMilli, KindFlag:
		return k, nil
	}
	return "", fmt.Errorf("%q is not a marker kind (want time, unix, unixmilli or flag)", s)
}

// numeric reports whether a kind's live value is 0 (unix, unixmilli, flag).
func (k MarkerKind) numeric() bool { return k == KindUnix || k == KindUnixMilli || k == KindFlag }

// Table is a soft-delete table in typed form, for Config.TableList; its
// String is the DSN form, name[:column[:kind[:companion]]].
type Table struct {
	Name      string     // the table's name
	Column    string     // its marker column; "" means Config.Column, or DefaultColumn
	Kind      MarkerKind // its marker's kind; "" means Config.Kind, or KindTime
	Companion string     // flag tables only: a nullable timestamp column stamped with the delete's time; "" for none
}

// ParseTable reads a table of the DSN's tables= list: name, name:column,
// name:column:kind or, for a flag, name:column:flag:companion. The column
// may be left empty before a kind (name::flag) for the default column.
func ParseTable(spec string) (Table, error) {
	parts := strings.Split(spec, ":")
	if len(parts) > 4 {
		return Table{}, fmt.Errorf("softdelete: tables: %q has more than name:column:kind:companion", spec)
	}
	t := Table{Name: parts[0]}
	if len(parts) > 1 {
		t.Column = parts[1]
		if t.Column == "" && len(parts) == 2 {
			return Table{}, fmt.Errorf("softdelete: tables: column \"\" of table %s is not a plain identifier", t.Name)
		}
	}
	if len(parts) > 2 {
		if parts[2] == "" {
			return Table{}, fmt.Errorf("softdelete: tables: %q names an empty kind (want time, unix, unixmilli or flag)", spec)
		}
		t.Kind = MarkerKind(parts[2])
	}
	if len(parts) > 3 {
		t.Companion = parts[3]
	}
	return t, nil
}

// String returns the table in the DSN's form: name[:column[:kind[:companion]]].
func (t Table) String() string {
	s := t.Name
	if t.Column != "" || t.Kind != "" || t.Companion != "" {
		s += ":" + t.Column
	}
	if t.Kind != "" || t.Companion != "" {
		s += ":" + string(t.Kind)
	}
	if t.Companion != "" {
		s += ":" + t.Companion
	}
	return s
}

// configTables returns the tables a Config lists: Tables, then TableList.
func configTables(cfg Config) ([]Table, error) {
	list := make([]Table, 0, len(cfg.Tables)+len(cfg.TableList))
	for _, spec := range cfg.Tables {
		t, err := ParseTable(spec)
		if err != nil {
			return nil, err
		}
		list = append(list, t)
	}
	return append(list, cfg.TableList...), nil
}

// newSoftTables checks the listed tables and resolves their defaults: the
// column, the kind, and the SQL each kind stamps with in dialect d.
func newSoftTables(cfg Config, d *dialect, now sqlparser.Expr) ([]*softTable, error) {
	column := cfg.Column
	if column == "" {
		column = DefaultColumn
	}
	defaultKind, err := parseKind(string(cfg.Kind))
	if err != nil {
		return nil, fmt.Errorf("softdelete: kind: %w", err)
	}
	list, err := configTables(cfg)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("softdelete: no soft-delete tables are listed")
	}
	var tables []*softTable
	seen := map[string]bool{}
	for _, spec := range list {
		t, err := newSoftTable(spec, column, defaultKind, d, now)
		if err != nil {
			return nil, err
		}
		if seen[t.name] {
			return nil, fmt.Errorf("softdelete: tables: %s is listed twice", spec.Name)
		}
		seen[t.name] = true
		tables = append(tables, t)
	}
	return tables, nil
}

// newSoftTable checks one listed table and resolves its defaults.
func newSoftTable(spec Table, column string, kind MarkerKind, d *dialect, now sqlparser.Expr) (*softTable, error) {
	if spec.Name == "" {
		return nil, fmt.Errorf("softdelete: tables: empty table name in %q", spec.String())
	}
	if !isPlainIdent(spec.Name) {
		return nil, fmt.Errorf("softdelete: tables: %q is not a plain table name", spec.Name)
	}
	if spec.Column != "" {
		column = spec.Column
	}
	if !isPlainIdent(column) {
		return nil, fmt.Errorf("softdelete: tables: column %q of table %s is not a plain identifier", column, spec.Name)
	}
	if spec.Kind != "" {
		k, err := parseKind(string(spec.Kind))
		if err != nil {
			return nil, fmt.Errorf("softdelete: tables: table %s: %w", spec.Name, err)
		}
		kind = k
	}
	t := &softTable{name: strings.ToLower(spec.Name), column: column, kind: kind, now: now}
	if spec.Companion != "" {
		switch {
		case kind != KindFlag:
			return nil, fmt.Errorf("softdelete: tables: table %s names a companion column %s, which only a flag marker takes (%s:%s:flag:%s)",
				spec.Name, spec.Companion, spec.Name, column, spec.Companion)
		case !isPlainIdent(spec.Companion):
			return nil, fmt.Errorf("softdelete: tables: companion column %q of table %s is not a plain identifier", spec.Companion, spec.Name)
		case strings.EqualFold(spec.Companion, column):
			return nil, fmt.Errorf("softdelete: tables: table %s names %s as both its flag and its companion column", spec.Name, column)
		}
		t.companion = spec.Companion
	}
	t.stamp = now
	if kind.numeric() {
		if _, ok := kindStampSQL[d][kind]; !ok {
			return nil, fmt.Errorf("softdelete: tables: table %s: the %s dialect supports time markers only", spec.Name, d)
		}
		if stamp, ok := kindStamps[d][kind]; ok { // a dialect with its own engine parses its stamps itself
			t.stamp = stamp
		}
	}
	return t, nil
}

// kindStampSQL is the SQL a soft DELETE stamps a numeric marker with, per
// dialect: the same text every call. SQLite's 'now' is one instant within
// a statement, so the two strftime calls of unixmilli agree; % makes
// the milliseconds an integer. PostgreSQL's now() is the transaction's
// start, exact to the microsecond: floor truncates it to the second or
// millisecond as MySQL does, and the flag's '1' is an untyped literal the
// server reads as the column's type, boolean or integer (see
// kindZeroSQL).
var kindStampSQL = map[*dialect]map[MarkerKind]string{
	dialectMySQL: {
		KindUnix:      "unix_timestamp()",
		KindUnixMilli: "cast(unix_timestamp(now(3)) * 1000 as signed)",
		KindFlag:      "1",
	},
	dialectSQLite: {
		KindUnix:      "strftime('%s', 'now') + 0",
		KindUnixMilli: "strftime('%s', 'now') * 1000 + round(strftime('%f', 'now') * 1000) % 1000",
		KindFlag:      "1",
	},
	dialectPostgres: {
		KindUnix:      "floor(extract(epoch from now()))::bigint",
		KindUnixMilli: "floor(extract(epoch from now()) * 1000)::bigint",
		KindFlag:      "'1'",
	},
}

// kindZeroSQL is the live value of a numeric marker as SQL, where it is
// not 0: on PostgreSQL a flag may be boolean or an integer, and `flag = 0`
// fails on a boolean, so the flag's values are the untyped literals '0'
// and '1', which PostgreSQL reads as the column's type (false and true on
// a boolean): the same text serves both, and an index on the flag still
// serves the filter.
var kindZeroSQL = map[*dialect]map[MarkerKind]string{
	dialectPostgres: {KindFlag: "'0'"},
}

// zeroSQL is the live value of t's numeric marker in dialect d.
func (t *softTable) zeroSQL(d *dialect) string {
	if z, ok := kindZeroSQL[d][t.kind]; ok {
		return z
	}
	return "0"
}

// kindStamps is kindStampSQL parsed, for the dialects of the built-in
// engine (a dialect with its own engine gets the text, see engine.go).
var kindStamps = func() map[*dialect]map[MarkerKind]sqlparser.Expr {
	out := map[*dialect]map[MarkerKind]sqlparser.Expr{}
	for d, byKind := range kindStampSQL {
		if d.newEngine != nil {
			continue
		}
		out[d] = map[MarkerKind]sqlparser.Expr{}
		for k, text := range byKind {
			e, err := parseExpr(text)
			if err != nil {
				panic("softdelete: the " + string(k) + " stamp of " + d.String() + ": " + err.Error())
			}
			out[d][k] = e
		}
	}
	return out
}()

// markerCol is the marker column of t, qualified by q (which may be empty).
func (t *softTable) markerCol(q sqlparser.TableName) *sqlparser.ColName {
	return &sqlparser.ColName{Name: sqlparser.NewColIdent(t.column), Qualifier: q}
}

// zero is the literal 0, the live value of a numeric marker.
func zero() *sqlparser.SQLVal { return sqlparser.NewIntVal([]byte("0")) }

// predicate is the condition that keeps the rows of t (qualified by q)
// that filter f shows: live (IS NULL; for a numeric kind = 0 or NULL) or
// deleted (its exact negation: IS NOT NULL; <> 0, which NULL is not).
// The live form of a numeric kind is index-friendly: MySQL reads it as
// ref_or_null, or as ref when the column is NOT NULL; SQLite as a union of
// two index lookups, or one when the column is NOT NULL.
func (t *softTable) predicate(q sqlparser.TableName, f filter) sqlparser.Expr {
	if !t.kind.numeric() {
		op := sqlparser.IsNullStr
		if f == filterDeleted {
			op = sqlparser.IsNotNullStr
		}
		return &sqlparser.IsExpr{Operator: op, Expr: t.markerCol(q)}
	}
	if f == filterDeleted {
		return &sqlparser.ComparisonExpr{Operator: sqlparser.NotEqualStr, Left: t.markerCol(q), Right: zero()}
	}
	return &sqlparser.ParenExpr{Expr: &sqlparser.OrExpr{
		Left:  &sqlparser.ComparisonExpr{Operator: sqlparser.EqualStr, Left: t.markerCol(q), Right: zero()},
		Right: &sqlparser.IsExpr{Operator: sqlparser.IsNullStr, Expr: t.markerCol(q)},
	}}
}

// stampExprs is the SET of a soft DELETE for t (its columns qualified by
// q): the companion, if any, stamped with the time, then the marker. With
// keepDeleted (WithIncludeDeleted and a LIMIT: the UPDATE also matches
// rows already deleted) each keeps its value on those rows. The companion
// comes first: MySQL's single-table UPDATE reads the marker's new value
// in later assignments.
func (t *softTable) stampExprs(q sqlparser.TableName, keepDeleted bool) sqlparser.UpdateExprs {
	return t.stampExprsWith(q, keepDeleted, nil)
}

// stampExprsWith is stampExprs with the marker stamped by stamp instead of
// the kind's own expression when stamp is not nil (a cascade's one stamp
// per statement, see cascade.go).
func (t *softTable) stampExprsWith(q sqlparser.TableName, keepDeleted bool, stamp sqlparser.Expr) sqlparser.UpdateExprs {
	var set sqlparser.UpdateExprs
	if t.companion != "" {
		col := &sqlparser.ColName{Name: sqlparser.NewColIdent(t.companion), Qualifier: q}
		var e sqlparser.Expr = t.now
		if keepDeleted {
			e = t.ifDeleted(q, &sqlparser.ColName{Name: col.Name, Qualifier: q}, t.now)
		}
		set = append(set, &sqlparser.UpdateExpr{Name: col, Expr: e})
	}
	if stamp == nil {
		stamp = t.stamp
	}
	e := stamp
	if keepDeleted {
		e = t.ifDeleted(q, t.markerCol(q), stamp)
	}
	return append(set, &sqlparser.UpdateExpr{Name: t.markerCol(q), Expr: e})
}

// ifDeleted is kept on the rows of t already deleted, stamp on the others:
// coalesce(col, stamp) for a time marker, a CASE on the marker otherwise.
func (t *softTable) ifDeleted(q sqlparser.TableName, kept, stamp sqlparser.Expr) sqlparser.Expr {
	if !t.kind.numeric() {
		return &sqlparser.FuncExpr{Name: sqlparser.NewColIdent("coalesce"), Exprs: sqlparser.SelectExprs{
			&sqlparser.AliasedExpr{Expr: kept}, &sqlparser.AliasedExpr{Expr: stamp}}}
	}
	return &sqlparser.CaseExpr{
		Whens: []*sqlparser.When{{Cond: t.predicate(q, filterDeleted), Val: kept}},
		Else:  stamp,
	}
}

// restoreSet is the SET clause of Restore's UPDATE in dialect d: the
// marker's live value, and the companion cleared.
func (t *softTable) restoreSet(d *dialect) string {
	set := t.column + " = NULL"
	if t.kind.numeric() {
		set = t.column + " = " + t.zeroSQL(d)
	}
	if t.companion != "" {
		set += ", " + t.companion + " = NULL"
	}
	return set
}

// liveSQL is the live filter of t, as ref, for messages.
func (t *softTable) liveSQL(ref string) string {
	col := ref + "." + t.column
	if t.kind.numeric() {
		return "(" + col + " = 0 OR " + col + " IS NULL)"
	}
	return col + " IS NULL"
}
