package softdelete

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestRewriteModeErrors(t *testing.T) {
	rw := testRewriter(t, "sqlite")
	ctx := context.Background()
	for _, c := range []struct {
		ctx  context.Context
		want string
	}{
		{WithIncludeDeleted(ctx, "tags"), `WithIncludeDeleted names "tags", which is not a soft-delete table (tables: users, posts, comments)`},
		{WithOnlyDeleted(ctx, "nope"), `WithOnlyDeleted names "nope"`},
	} {
		_, err := rw.rewrite("SELECT * FROM users", modeFrom(c.ctx))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want error containing %q", err, c.want)
		}
	}
	_, err := rw.rewrite("WITH x(n) AS (VALUES (1)) SELECT * FROM users JOIN x ON x.n = users.id", defaultMode)
	var re *RefusedError
	if !errors.As(err, &re) || re.Table != "users" || !errors.Is(err, ErrRefused) || re.Unwrap() == nil {
		t.Fatalf("refusal %#v: want a *RefusedError for users wrapping the parse error", err)
	}
	if !strings.Contains(err.Error(), "WithForce(softdelete.WithIncludeDeleted(ctx))") {
		t.Fatalf("refusal does not say how to get passthrough: %v", err)
	}
}

func TestModeCombinations(t *testing.T) {
	ctx := context.Background()
	if modeFrom(ctx) != defaultMode || defaultMode.key != "" {
		t.Fatal("a bare context must carry the default mode with the empty key")
	}
	a := modeFrom(WithIncludeDeleted(WithOnlyDeleted(ctx, "posts"), "users"))
	b := modeFrom(WithOnlyDeleted(WithIncludeDeleted(ctx, "USERS"), "posts"))
	if a.key != b.key || a.key != "|posts=d|users=a" {
		t.Fatalf("keys %q and %q: the same modes must have the same key", a.key, b.key)
	}
	if f, _ := modeFrom(WithOnlyDeleted(WithIncludeDeleted(ctx, "posts"), "posts")).filterOf("posts"); f != filterDeleted {
		t.Fatal("the later call must win for a table")
	}
	if !modeFrom(WithForce(WithIncludeDeleted(ctx))).raw() || !modeFrom(WithIncludeDeleted(WithForce(ctx))).raw() {
		t.Fatal("WithForce and WithIncludeDeleted together must be raw, in either order")
	}
	if modeFrom(WithForce(WithIncludeDeleted(ctx, "posts"))).raw() {
		t.Fatal("including one table is not raw")
	}
	if modeFrom(WithForce(WithOnlyDeleted(WithIncludeDeleted(ctx)))).raw() {
		t.Fatal("WithOnlyDeleted is never raw")
	}
	if modeFrom(withRestore(WithForce(WithIncludeDeleted(ctx)), "posts")).raw() {
		t.Fatal("Restore must never be raw")
	}
	if m := modeFrom(WithIncludeDeleted(WithOnlyDeleted(ctx))); m.onlyPrimary || !m.includeAll {
		t.Fatal("WithIncludeDeleted() after WithOnlyDeleted() includes everything")
	}
}
