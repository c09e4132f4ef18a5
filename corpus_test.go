package softdelete

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// corpusLine is one statement of testdata/corpus/modern.sql.
type corpusLine struct {
	line     int
	dialects []string
	refused  bool // README lists its form as refused on purpose
	sql      string
}

// readModernCorpus reads testdata/corpus/modern.sql.
func readModernCorpus(t *testing.T) []corpusLine {
	t.Helper()
	data, err := os.ReadFile("testdata/corpus/modern.sql")
	if err != nil {
		t.Fatal(err)
	}
	var out []corpusLine
	for i, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l == "" || l[0] == '#' {
			continue
		}
		head, sql, ok := strings.Cut(l, ": ")
		if !ok {
			t.Fatalf("modern.sql:%d: want \"<dialects>: <sql>\"", i+1)
		}
		c := corpusLine{line: i + 1, sql: sql}
		if rest, ok := strings.CutPrefix(head, "refused "); ok {
			c.refused, head = true, rest
		}
		switch head {
		case "both":
			c.dialects = []string{"sqlite", "mysql"}
		case "sqlite", "mysql":
			c.dialects = []string{head}
		default:
			t.Fatalf("modern.sql:%d: unknown dialects %q", i+1, head)
		}
		out = append(out, c)
	}
	return out
}

// parseFailure reports whether a refusal is softdelete not reading the
// statement, rather than a decision on what it does.
func parseFailure(err error) bool {
	var re *RefusedError
	if !errors.As(err, &re) {
		return true
	}
	return re.Err != nil || strings.Contains(re.Reason, "cannot parse") || strings.Contains(re.Reason, "read the statement differently")
}

// TestModernCorpus rewrites the modern-SQL corpus in the default mode and
// reports the refusal rate; every statement not marked refused must be
// rewritten, or refused for a reason that is not a parse failure, and every
// statement marked refused must be refused.
func TestModernCorpus(t *testing.T) {
	corpus := readModernCorpus(t)
	rws := map[string]*rewriter{"sqlite": testRewriter(t, "sqlite"), "mysql": testRewriter(t, "mysql")}
	total, refused, parseFailures := 0, 0, 0
	for _, c := range corpus {
		for _, d := range c.dialects {
			total++
			_, err := rws[d].rewrite(c.sql, defaultMode)
			if err != nil {
				refused++
				if parseFailure(err) {
					parseFailures++
				}
			}
			switch {
			case c.refused && err == nil:
				t.Errorf("modern.sql:%d (%s): marked refused, but rewritten: %s", c.line, d, c.sql)
			case !c.refused && err != nil && parseFailure(err):
				t.Errorf("modern.sql:%d (%s): refused for a parse failure: %s\n\t%v", c.line, d, c.sql, err)
			}
		}
	}
	t.Logf("modern corpus: %d statements (dialect runs), %d refused (%.1f%%), %d for a parse failure", total, refused, 100*float64(refused)/float64(total), parseFailures)
}
