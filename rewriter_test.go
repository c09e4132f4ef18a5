package softdelete

import (
	"errors"
	"strings"
	"testing"
)

// The rewrite cases (text in, text or refusal out) are the files of
// testdata/rewrite, run by TestRewriteCases (rewrite_cases_test.go); this
// file keeps the rewriter's tests that are not such cases.

func TestCrossCheckRefusesAMisreadStatement(t *testing.T) {
	rw := testRewriter(t, "mysql")
	sts, err := lex("SELECT * FROM tags JOIN users", dialectMySQL, rw.tables, true)
	if err != nil {
		t.Fatal(err)
	}
	// As if sqlparser had swallowed "JOIN users" into a comment.
	stmt, err := parse("select * from tags")
	if err != nil {
		t.Fatal(err)
	}
	if err := rw.crossCheck(sts[0], stmt, nil); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "users") {
		t.Fatalf("crossCheck = %v; want a refusal naming users", err)
	}
	stmt, _ = parse("select * from tags join users")
	if err := rw.crossCheck(sts[0], stmt, nil); err != nil {
		t.Fatalf("crossCheck of a faithful parse = %v", err)
	}
}

func TestRefusalNamesAHiddenTable(t *testing.T) {
	_, err := testRewriter(t, "mysql").rewrite("SELECT 'users' || 'x' FROM tags", defaultMode)
	var re *RefusedError
	if !errors.As(err, &re) || re.Table != "users" {
		t.Fatalf("err = %v, want a refusal naming users", err)
	}
}

// TestNewRewriterRefusesAVersionedCommentAsNow: a now expression holding a
// versioned comment is a configuration error, not a panic (found by
// FuzzRewrite).
func TestNewRewriterRefusesAVersionedCommentAsNow(t *testing.T) {
	if _, err := newRewriter(Config{Dialect: "mysql", Tables: []string{"a"}, Now: "/*!*/1"}); err == nil || !strings.HasPrefix(err.Error(), "softdelete: ") {
		t.Fatalf("now=/*!*/1: %v, want a softdelete: error and no panic", err)
	}
}
