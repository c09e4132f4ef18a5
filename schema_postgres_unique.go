package softdelete

import (
	"strings"
)

// postgresLiveOnly reports whether a PostgreSQL unique index already
// allows a deleted row's key again while it stops duplicates among live
// rows: a partial index whose predicate requires a live marker (WHERE
// deleted_at IS NULL, among other conditions), a key that includes the
// marker under NULLS NOT DISTINCT (live rows' NULLs collide, each delete
// has its own stamp), or a key COALESCE(deleted_at, <constant>) (live rows
// share the constant). marker is the column as the catalog spells it.
// Generated columns over the marker are judged by liveOnly, as on MySQL.
func postgresLiveOnly(ix indexSchema, marker string) bool {
	if ix.where != "" {
		for _, c := range topLevelConjuncts(ix.where) {
			if liveCondition(c, marker) {
				return true
			}
		}
	}
	for i, c := range ix.columns {
		if ix.nullsNotDistinct && c == marker {
			return true
		}
		if c == "" && i < len(ix.keys) && matchesAround(ix.keys[i], "COALESCE(", postgresName(marker), ", ") {
			return true
		}
	}
	return false
}

// liveCondition reports whether a condition, as pg_get_expr prints it,
// holds for live rows only: marker IS NULL (or NOT (marker IS NOT NULL),
// which PostgreSQL keeps as written), or for a numeric marker
// marker = 0, COALESCE(marker, 0) = 0, NOT marker, marker = false,
// marker IS NOT TRUE.
func liveCondition(c, marker string) bool {
	c, name := unparen(c), postgresName(marker)
	// pg_get_expr prints coalesce(flag, 0) = 0 over a smallint as
	// COALESCE((flag)::integer, 0) = 0, over a bigint as
	// COALESCE(flag, (0)::bigint) = 0.
	c = strings.ReplaceAll(strings.ReplaceAll(c, "("+name+")::integer", name), "(0)::bigint", "0")
	for _, p := range [][2]string{{"", " IS NULL"}, {"NOT (", " IS NOT NULL)"}, {"", " = 0"}, {"COALESCE(", ", 0) = 0"}, {"NOT ", ""}, {"", " = false"}, {"", " IS FALSE"}, {"", " IS NOT TRUE"}} {
		if matchesAround(c, p[0], name, p[1]) && len(c) == len(p[0])+len(name)+len(p[1]) {
			return true
		}
	}
	return false
}

// matchesAround reports whether s starts with pre, then name (exactly),
// then post, the words pre and post in any case.
func matchesAround(s, pre, name, post string) bool {
	n := len(pre) + len(name)
	return len(s) >= n+len(post) && strings.EqualFold(s[:len(pre)], pre) && s[len(pre):n] == name &&
		strings.EqualFold(s[n:n+len(post)], post)
}

// topLevelConjuncts splits a condition at its top-level ANDs, outer
// parentheses removed: ((a IS NULL) AND (b > 0)) gives a IS NULL, b > 0.
// Quoted names and strings are skipped whole.
func topLevelConjuncts(cond string) []string {
	cond = unparen(cond)
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(cond); i++ {
		switch c := cond[i]; c {
		case '(':
			depth++
		case ')':
			depth--
		case '\'', '"':
			if j := strings.IndexByte(cond[i+1:], c); j >= 0 {
				i += j + 1
			}
		case ' ':
			if depth == 0 && len(cond) > i+5 && strings.EqualFold(cond[i:i+5], " and ") {
				out = append(out, unparen(cond[start:i]))
				start = i + 5
				i += 4
			}
		}
	}
	return append(out, unparen(cond[start:]))
}

// unparen removes the parentheses that enclose all of s, and blanks.
func unparen(s string) string {
	for {
		s = strings.TrimSpace(s)
		if len(s) < 2 || s[0] != '(' || s[len(s)-1] != ')' || !enclosed(s) {
			return s
		}
		s = s[1 : len(s)-1]
	}
}

// enclosed reports whether the parenthesis that opens s closes at its end.
func enclosed(s string) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 && i < len(s)-1 {
				return false
			}
		case '\'', '"':
			if j := strings.IndexByte(s[i+1:], c); j >= 0 {
				i += j + 1
			}
		}
	}
	return depth == 0
}

// postgresUniqueFix is the DDL that makes a PostgreSQL unique index apply
// to live rows only: a partial unique index on its other keys. An index
// that implements a UNIQUE constraint goes with the constraint. Upserts
// then name the predicate: ON CONFLICT (email) WHERE deleted_at IS NULL.
func postgresUniqueFix(t *tableSchema, ix indexSchema, keys []string, live string) string {
	create := "CREATE UNIQUE INDEX " + postgresName(ix.name) + " ON " + postgresName(t.name) + " (" + strings.Join(keys, ", ") + ") WHERE " + live
	if ix.constraint != "" {
		return "ALTER TABLE " + postgresName(t.name) + " DROP CONSTRAINT " + postgresName(ix.constraint) + "; " + create
	}
	return "DROP INDEX " + postgresName(ix.name) + "; " + create
}

// postgresReplaceIndex is the DDL that replaces a PostgreSQL unique index
// by one on keys.
func postgresReplaceIndex(t *tableSchema, ix indexSchema, keys string) string {
	if ix.constraint != "" {
		return "ALTER TABLE " + postgresName(t.name) + " DROP CONSTRAINT " + postgresName(ix.constraint) +
			", ADD CONSTRAINT " + postgresName(ix.constraint) + " UNIQUE (" + keys + ")"
	}
	return "DROP INDEX " + postgresName(ix.name) + "; CREATE UNIQUE INDEX " + postgresName(ix.name) + " ON " + postgresName(t.name) + " (" + keys + ")"
}
