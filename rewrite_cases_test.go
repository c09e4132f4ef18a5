package softdelete

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// The rewrite cases live in testdata/rewrite/<feature>.txtar, one file per
// feature. A file is a txtar archive: its comment (the text before the
// first "-- name --" line) says what the feature is; each entry is one
// case, named by its "-- name --" line, whose body holds comment lines
// (starting with #, for instance where the case was found) and fields:
//
//	dialect: sqlite mysql    the dialects it runs on (one or both)
//	mode:    default         a key of testModes
//	in:      SELECT ...      the statement given to the rewriter
//	want:    select ...      the rewrite ("=" means the input, byte for
//	                         byte; $NOW stands for the dialect's now)
//	error:   ...             or a substring of the error instead
//
// A value is the rest of its line, taken as written, unless it starts with
// a double quote: then it is a Go string literal (for control bytes,
// newlines, or blanks at either end). Every case runs against a rewriter
// for the tables users, posts and comments (deleted column removed_at);
// tags and logs are plain tables. A file whose comment has a line
// "tables: ..." runs against those tables instead; a mode may also be
// "only <table>", "include <table>" or "restore <table>".
//
// go test -run TestRewriteCases -update . rewrites the expected results of
// the failing cases from the current rewriter: a want becomes the new
// output, an error keeps its substring while it still matches and becomes
// the whole new message when not, and a case whose dialects now disagree
// is split into one case per dialect.
var updateRewriteCases = flag.Bool("update", false, "TestRewriteCases: rewrite the expected results in testdata/rewrite from the current rewriter")

// rewriteCasesDir holds the rewrite cases.
const rewriteCasesDir = "testdata/rewrite"

// testTables is the configuration of the rewriter tests: three soft-delete
// tables, one with its own column; tags and logs are plain tables.
var testTables = []string{"users", "posts", "comments:removed_at"}

func testRewriter(t testing.TB, dialect string) *rewriter {
	t.Helper()
	rw, err := newRewriter(Config{Dialect: dialect, Tables: testTables, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	return rw
}

// testModes are the modes a case may name (also used by TestRefusalMessages).
var testModes = map[string]func(context.Context) context.Context{
	"default": func(ctx context.Context) context.Context { return ctx },
	"include": func(ctx context.Context) context.Context { return WithIncludeDeleted(ctx) },
	"only":    func(ctx context.Context) context.Context { return WithOnlyDeleted(ctx) },
	"force":   func(ctx context.Context) context.Context { return WithForce(ctx) },
	"raw":     func(ctx context.Context) context.Context { return WithForce(WithIncludeDeleted(ctx)) },
	"include posts": func(ctx context.Context) context.Context {
		return WithIncludeDeleted(ctx, "posts")
	},
	"only posts":  func(ctx context.Context) context.Context { return WithOnlyDeleted(ctx, "POSTS") },
	"force only":  func(ctx context.Context) context.Context { return WithForce(WithOnlyDeleted(ctx)) },
	"force+posts": func(ctx context.Context) context.Context { return WithForce(WithIncludeDeleted(ctx, "posts")) },
}

// rewriteCaseDialects are the dialects a case may name, with the text that
// $NOW stands for in an expected rewrite.
var rewriteCaseDialects = map[string]string{
	"sqlite": "strftime('%Y-%m-%d %H:%M:%f', 'now')",
	"mysql":  "now(6)",
}

// tables returns the tables a file's comment lists on a line of its own,
// "tables: users,orders:is_deleted:flag", instead of testTables; or nil.
func (f rewriteCaseFile) tables() []string {
	for _, line := range strings.Split(f.comment, "\n") {
		if rest, ok := strings.CutPrefix(line, "tables: "); ok {
			return strings.Split(strings.TrimSpace(rest), ",")
		}
	}
	return nil
}

// namedTestMode is a mode for one table by name: "only orders", "include
// orders", "restore orders" (Restore's mode; the case's text is then
// "RESTORE orders WHERE ...").
func namedTestMode(verb, table string) (func(context.Context) context.Context, bool) {
	switch verb {
	case "only":
		return func(ctx context.Context) context.Context { return WithOnlyDeleted(ctx, table) }, true
	case "include":
		return func(ctx context.Context) context.Context { return WithIncludeDeleted(ctx, table) }, true
	case "restore":
		return func(ctx context.Context) context.Context { return withRestore(ctx, table) }, true
	}
	return nil, false
}

// rewriteCase is one case of a testdata file.
type rewriteCase struct {
	name     string
	comments []string // the comment lines, without "# "
	dialects []string
	mode     string
	in       string
	want     string // "=" means the input, byte for byte
	err      string // a substring of the error; want is then empty
}

// rewriteCaseFile is one testdata file.
type rewriteCaseFile struct {
	comment string // the text before the first case
	cases   []rewriteCase
}

// TestRewriteCases runs every case of testdata/rewrite.
func TestRewriteCases(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(rewriteCasesDir, "*.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no rewrite cases in %s: %v", rewriteCasesDir, err)
	}
	rws := map[string]*rewriter{}
	for d := range rewriteCaseDialects {
		rws[d] = testRewriter(t, d)
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			runRewriteCaseFile(t, path, rws)
		})
	}
}

// runRewriteCaseFile runs the cases of one file and, under -update,
// writes back the results of the failing ones.
func runRewriteCaseFile(t *testing.T, path string, rws map[string]*rewriter) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parseRewriteCases(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if tables := f.tables(); tables != nil {
		rws = map[string]*rewriter{}
		for d := range rewriteCaseDialects {
			rw, err := newRewriter(Config{Dialect: d, Tables: tables, CacheSize: -1})
			if err != nil {
				t.Fatalf("%s: tables: %v", path, err)
			}
			rws[d] = rw
		}
	}
	var updated []rewriteCase
	changed := false
	for _, c := range f.cases {
		results := map[string]rewriteResult{}
		failed := false
		for _, d := range c.dialects {
			t.Run(d+"/"+c.name, func(t *testing.T) {
				results[d] = runRewriteCase(rws[d], d, c)
				if msg := results[d].failure; msg != "" {
					failed = true
					if !*updateRewriteCases {
						t.Fatal(msg)
					}
				}
			})
		}
		if failed && *updateRewriteCases {
			updated = append(updated, updatedRewriteCases(c, results)...)
			changed = true
			continue
		}
		updated = append(updated, c)
	}
	if changed {
		f.cases = updated
		if err := os.WriteFile(path, f.format(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("updated %s", path)
	}
}

// rewriteResult is what the rewriter made of a case in one dialect.
type rewriteResult struct {
	out, err string // err empty: out is the rewrite
	failure  string // why the case failed; empty when it passed
}

// runRewriteCase runs one case in one dialect.
func runRewriteCase(rw *rewriter, d string, c rewriteCase) rewriteResult {
	mk, ok := testModes[c.mode]
	if verb, table, named := strings.Cut(c.mode, " "); !ok && named {
		mk, ok = namedTestMode(verb, table)
	}
	if !ok {
		return rewriteResult{failure: fmt.Sprintf("unknown mode %q", c.mode)}
	}
	got, err := rw.rewrite(c.in, modeFrom(mk(context.Background())))
	r := rewriteResult{out: got}
	if err != nil {
		r.err = err.Error()
	}
	switch {
	case shapeProblem(rw, c.in, modeFrom(mk(context.Background()))) != "":
		// The shape path (skeleton.go) must give the cold rewrite.
		r.failure = shapeProblem(rw, c.in, modeFrom(mk(context.Background())))
	case c.err != "":
		if err == nil || !strings.Contains(err.Error(), c.err) {
			r.failure = fmt.Sprintf("rewrite(%q) = %q, %v; want error containing %q", c.in, got, err, c.err)
		} else if !strings.HasPrefix(err.Error(), "softdelete: ") {
			r.failure = fmt.Sprintf("error %q lacks the softdelete: prefix", err)
		}
	case err != nil:
		r.failure = fmt.Sprintf("rewrite(%q): %v", c.in, err)
	default:
		if want := c.expected(d); got != want {
			r.failure = fmt.Sprintf("rewrite(%q)\n got: %s\nwant: %s", c.in, got, want)
		}
	}
	return r
}

// expected is the rewrite c expects in dialect d.
func (c rewriteCase) expected(d string) string {
	if c.want == "=" {
		return c.in
	}
	return strings.ReplaceAll(c.want, "$NOW", rewriteCaseDialects[d])
}

// updatedRewriteCases is c with its expected results taken from results:
// one case when every dialect agrees, else one case per dialect.
func updatedRewriteCases(c rewriteCase, results map[string]rewriteResult) []rewriteCase {
	var per []rewriteCase
	agree := true
	for _, d := range c.dialects {
		n := c
		n.dialects = []string{d}
		n.want, n.err = "", ""
		switch r := results[d]; {
		case r.err != "" && c.err != "" && strings.Contains(r.err, c.err):
			n.err = c.err
		case r.err != "":
			n.err = r.err
		case r.out == c.in:
			n.want = "="
		default:
			n.want = strings.ReplaceAll(r.out, rewriteCaseDialects[d], "$NOW")
		}
		agree = agree && (len(per) == 0 || per[0].want == n.want && per[0].err == n.err)
		per = append(per, n)
	}
	if !agree {
		return per
	}
	per[0].dialects = c.dialects
	return per[:1]
}

// parseRewriteCases reads a testdata file.
func parseRewriteCases(data []byte) (*rewriteCaseFile, error) {
	f := &rewriteCaseFile{}
	lines := strings.SplitAfter(string(data), "\n")
	i := 0
	for ; i < len(lines) && rewriteCaseName(lines[i]) == ""; i++ {
		f.comment += lines[i]
	}
	seen := map[string]bool{}
	for i < len(lines) {
		c := rewriteCase{name: rewriteCaseName(lines[i])}
		for i++; i < len(lines) && rewriteCaseName(lines[i]) == ""; i++ {
			if err := c.parseLine(strings.TrimSuffix(lines[i], "\n")); err != nil {
				return nil, fmt.Errorf("case %q: %v", c.name, err)
			}
		}
		if err := c.check(); err != nil {
			return nil, fmt.Errorf("case %q: %v", c.name, err)
		}
		for _, d := range c.dialects {
			if seen[d+"/"+c.name] {
				return nil, fmt.Errorf("case %q: a second case of that name for %s", c.name, d)
			}
			seen[d+"/"+c.name] = true
		}
		f.cases = append(f.cases, c)
	}
	return f, nil
}

// rewriteCaseName is the name of the case a "-- name --" line starts, or
// "" for any other line.
func rewriteCaseName(line string) string {
	line = strings.TrimSuffix(line, "\n")
	if len(line) < 7 || !strings.HasPrefix(line, "-- ") || !strings.HasSuffix(line, " --") {
		return ""
	}
	return strings.TrimSpace(line[3 : len(line)-3])
}

// parseLine reads one line of a case's body.
func (c *rewriteCase) parseLine(line string) error {
	if strings.TrimSpace(line) == "" {
		return nil
	}
	if rest, ok := strings.CutPrefix(line, "#"); ok {
		c.comments = append(c.comments, strings.TrimPrefix(rest, " "))
		return nil
	}
	key, value, ok := strings.Cut(line, ":")
	if !ok {
		return fmt.Errorf("line %q is neither a comment (#) nor a field (key: value)", line)
	}
	value = strings.TrimPrefix(value, " ")
	if strings.HasPrefix(value, `"`) {
		v, err := strconv.Unquote(value)
		if err != nil {
			return fmt.Errorf("field %s: %s is not a Go string literal: %v", key, value, err)
		}
		value = v
	}
	switch key {
	case "dialect":
		c.dialects = strings.Fields(value)
	case "mode":
		c.mode = value
	case "in":
		c.in = value
	case "want":
		c.want = value
	case "error":
		c.err = value
	default:
		return fmt.Errorf("unknown field %q (fields: dialect, mode, in, want, error)", key)
	}
	return nil
}

// check reports what a parsed case lacks.
func (c *rewriteCase) check() error {
	if len(c.dialects) == 0 {
		return fmt.Errorf("no dialect (dialect: sqlite mysql)")
	}
	for _, d := range c.dialects {
		if _, ok := rewriteCaseDialects[d]; !ok {
			return fmt.Errorf("unknown dialect %q (sqlite, mysql)", d)
		}
	}
	if _, ok := testModes[c.mode]; !ok {
		if verb, table, named := strings.Cut(c.mode, " "); !named || table == "" {
			return fmt.Errorf("unknown mode %q", c.mode)
		} else if _, ok := namedTestMode(verb, table); !ok {
			return fmt.Errorf("unknown mode %q", c.mode)
		}
	}
	if c.in == "" {
		return fmt.Errorf("no input (in: ...)")
	}
	if (c.want == "") == (c.err == "") {
		return fmt.Errorf("needs exactly one of want: and error:")
	}
	return nil
}

// format writes f back in the form parseRewriteCases reads.
func (f *rewriteCaseFile) format() []byte {
	var b bytes.Buffer
	b.WriteString(f.comment)
	for i, c := range f.cases {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "-- %s --\n", c.name)
		for _, line := range c.comments {
			b.WriteString(strings.TrimRight("# "+line, " ") + "\n")
		}
		writeRewriteCaseField(&b, "dialect", strings.Join(c.dialects, " "))
		writeRewriteCaseField(&b, "mode", c.mode)
		writeRewriteCaseField(&b, "in", c.in)
		if c.err != "" {
			writeRewriteCaseField(&b, "error", c.err)
		} else {
			writeRewriteCaseField(&b, "want", c.want)
		}
	}
	return b.Bytes()
}

// writeRewriteCaseField writes one field, quoting a value that would not
// read back as written.
func writeRewriteCaseField(b *bytes.Buffer, key, value string) {
	plain := utf8.ValidString(value) && !strings.HasPrefix(value, `"`) && strings.TrimSpace(value) == value &&
		!slices.ContainsFunc([]byte(value), func(c byte) bool { return c < 0x20 || c == 0x7f })
	if !plain {
		value = strconv.Quote(value)
	}
	fmt.Fprintf(b, "%s: %s\n", key, value)
}

// TestRewriteCaseFilesAreCanonical: every testdata file reads back as
// written, so that -update changes only the cases it updates.
func TestRewriteCaseFilesAreCanonical(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join(rewriteCasesDir, "*.txtar"))
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parseRewriteCases(data)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if got := f.format(); !bytes.Equal(got, data) {
			t.Errorf("%s is not in the form -update writes (quote values with control bytes or blanks at either end, write comments as \"# text\", one blank line between cases)", path)
		}
	}
}

// TestParseRewriteCasesErrors: a malformed case is reported with its name
// and what is wrong, never run with a default.
func TestParseRewriteCasesErrors(t *testing.T) {
	for in, want := range map[string]string{
		"-- a --\ndialect: sqlite\nmode: default\nin: SELECT 1\n":                    "needs exactly one of want: and error:",
		"-- a --\ndialect: sqlite\nmode: default\nin: SELECT 1\nwant: =\nerror: x\n": "needs exactly one of want: and error:",
		"-- a --\ndialect: oracle\nmode: default\nin: SELECT 1\nwant: =\n":           `unknown dialect "oracle"`,
		"-- a --\ndialect: sqlite\nmode: sometimes\nin: SELECT 1\nwant: =\n":         `unknown mode "sometimes"`,
		"-- a --\ndialect: sqlite\nmode: default\nwant: =\n":                         "no input",
		"-- a --\nmode: default\nin: SELECT 1\nwant: =\n":                            "no dialect",
		"-- a --\ndialect: sqlite\nmode: default\ninput: SELECT 1\nwant: =\n":        `unknown field "input"`,
		"-- a --\ndialect: sqlite\nmode: default\nin: \"SELECT 1\nwant: =\n":         "not a Go string literal",
		"-- a --\nSELECT 1\n": "neither a comment",
		"-- a --\ndialect: sqlite\nmode: default\nin: SELECT 1\nwant: =\n-- a --\ndialect: sqlite mysql\nmode: default\nin: SELECT 2\nwant: =\n": "a second case of that name for sqlite",
	} {
		_, err := parseRewriteCases([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), `case "a"`) {
			t.Errorf("parseRewriteCases(%q) = %v, want an error naming case \"a\" and containing %q", in, err, want)
		}
	}
}

// TestRewriteCaseQuoting: values that would not read back as written are
// written as Go string literals, and read back whole.
func TestRewriteCaseQuoting(t *testing.T) {
	c := rewriteCase{name: "q", dialects: []string{"sqlite"}, mode: "default", in: "\"x\" \x00\f\v\x7f-- y\n ", want: " a"}
	f := &rewriteCaseFile{comment: "c\n\n", cases: []rewriteCase{c}}
	data := f.format()
	back, err := parseRewriteCases(data)
	if err != nil || len(back.cases) != 1 || back.cases[0].in != c.in || back.cases[0].want != c.want || back.comment != f.comment {
		t.Fatalf("%s read back as %+v, %v", data, back, err)
	}
}
