package softdelete

import (
	"sort"
	"strings"
	"testing"
)

// The differential harness, part 4: the shrinker, which reduces a failing
// statement and its data before reporting. See diff_run_test.go for the
// harness as a whole.

// reportMismatch shrinks the data of a failing case (drops rows while it
// still fails) and reports it.
func reportMismatch(t *testing.T, env *diffEnv, s *diffSchema, stmt diffStmt, o outcome) {
	t.Helper()
	orig := stmt.sql
	fails := func(c *diffSchema) (outcome, bool) {
		db, err := env.open(c)
		if err != nil {
			return outcome{}, false
		}
		defer db.close()
		// Keep the statement's primary and mode; hidden rows follow the
		// smaller data.
		r := db.run(stmt)
		return r, r.mismatch != ""
	}
	// First the statement, on the full data, then the data.
	stmt, o = shrinkStatement(env, s, stmt, o)
	small := s.clone()
	last := o
	for changed := true; changed; {
		changed = false
		for ti := range small.tables {
			for ri := 0; ri < len(small.tables[ti].rows); ri++ {
				c := small.clone()
				c.tables[ti].rows = append(c.tables[ti].rows[:ri:ri], c.tables[ti].rows[ri+1:]...)
				if r, ok := fails(c); ok {
					small, last, changed = c, r, true
					ri--
				}
			}
		}
	}
	t.Errorf("MISMATCH (%s)\nschema seed %d, statement seed %d (rerun: SOFTDELETE_DIFF_CASE=%d,%d), mode %s\n%s\n"+
		"statement: %s\nshrunk:    %s\nargs:      %v\nrewritten: %s\n%s\nshrunk data:\n%s",
		dbKind(env), s.seed, stmt.seed, s.seed, stmt.seed, stmt.mode, "original "+s.String(), orig, stmt.sql, stmt.args, o.rewritten,
		"problem: "+last.mismatch, small)
}

// shrinkStatement makes a failing statement smaller while it still fails
// the same way: it replaces parenthesized groups by constants, conditions
// by 1 = 1, and drops UNION branches and ORDER BY ... LIMIT tails.
// Statements with parameters are left as they are.
func shrinkStatement(env *diffEnv, s *diffSchema, stmt diffStmt, o outcome) (diffStmt, outcome) {
	if len(stmt.args) > 0 {
		return stmt, o
	}
	db, err := env.open(s)
	if err != nil {
		return stmt, o
	}
	defer db.close()
	isErr := func(m string) bool { return strings.Contains(m, " failed") }
	runs := 0
	for changed := true; changed && runs < 300; {
		changed = false
		for _, q := range shrinkCandidates(stmt.sql) {
			c := stmt
			c.sql = q
			runs++
			if r := db.run(c); r.mismatch != "" && isErr(r.mismatch) == isErr(o.mismatch) {
				stmt, o, changed = c, r, true
				break
			}
			if runs >= 300 {
				break
			}
		}
	}
	return stmt, o
}

// shrinkCandidates returns smaller variants of a generated statement.
func shrinkCandidates(q string) []string {
	var out []string
	// depth[i] is the parenthesis depth at q[i], outside quotes.
	depth := make([]int, len(q)+1)
	d := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '(':
			d++
		case c == ')':
			d--
		}
		depth[i] = d
	}
	closeOf := func(i int) int { // the ) that closes the ( at i
		for j := i + 1; j < len(q); j++ {
			if q[j] == ')' && depth[j] == depth[i]-1 {
				return j
			}
		}
		return -1
	}
	// Tails at depth 0: ORDER BY ..., UNION ...
	for _, kw := range []string{" order by ", " union "} {
		if i := strings.Index(q, kw); i > 0 && depth[i] == 0 {
			out = append(out, q[:i])
		}
	}
	// Conditions.
	ends := []string{" group by ", " having ", " order by ", " limit ", " union ", " join ", " left ", " right ",
		" cross ", " inner ", " natural ", " where ", ", "}
	for _, kw := range []string{" where ", " on ", " having "} {
		for from := 0; ; {
			i := strings.Index(q[from:], kw)
			if i < 0 {
				break
			}
			i += from
			from = i + len(kw)
			start, end := from, len(q)
			for j := start; j < len(q); j++ {
				if depth[j] < depth[i] || q[j] == ')' && depth[j] == depth[i]-1 {
					end = j
					break
				}
				found := false
				for _, e := range ends {
					if depth[j] == depth[i] && strings.HasPrefix(q[j:], e) {
						found = true
						break
					}
				}
				if found {
					end = j
					break
				}
			}
			if cond := q[start:end]; cond != "1 = 1" && len(cond) > 5 {
				out = append(out, q[:start]+"1 = 1"+q[end:])
			}
		}
	}
	// Parenthesized groups, largest first.
	type group struct{ i, j int }
	var groups []group
	for i := 0; i < len(q); i++ {
		if q[i] == '(' && (i == 0 || depth[i-1] == depth[i]-1) {
			if j := closeOf(i); j > i+3 {
				groups = append(groups, group{i, j})
			}
		}
	}
	sort.Slice(groups, func(a, b int) bool { return groups[a].j-groups[a].i > groups[b].j-groups[b].i })
	for _, g := range groups {
		for _, c := range []string{"(1)", "('w')"} {
			out = append(out, q[:g.i]+c+q[g.j+1:])
		}
	}
	return out
}
