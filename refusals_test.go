package softdelete

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestRefusalMessages: the safe fix comes first, the raw passthrough
// last; hints fit the dialect and name the real table.
func TestRefusalMessages(t *testing.T) {
	ctx := context.Background()
	const raw = "softdelete.WithForce(softdelete.WithIncludeDeleted(ctx))"
	for _, c := range []struct {
		dialect, mode, in string
		want, not         []string // in this order / absent
	}{
		{"sqlite", "default", "SELECT * FROM (VALUES (1)) v JOIN comments ON comments.id = v.column1",
			[]string{"sqlparser cannot parse this SELECT", "comments.removed_at IS NULL", "softdelete.WithIncludeDeleted(ctx)", "as a last resort, " + raw}, nil},
		{"sqlite", "default", "REPLACE INTO posts (id) VALUES (1)",
			[]string{"REPLACE deletes the rows it replaces", "INSERT INTO posts ... ON CONFLICT (key) DO UPDATE", "softdelete.WithForce(ctx)", raw}, []string{"DUPLICATE KEY"}},
		{"mysql", "default", "REPLACE INTO posts (id) VALUES (1)",
			[]string{"INSERT INTO posts ... ON DUPLICATE KEY UPDATE", raw}, []string{"ON CONFLICT"}},
		{"sqlite", "only", "DELETE FROM posts WHERE id = 1",
			[]string{"would stamp rows already deleted", "softdelete.WithForce(softdelete.WithOnlyDeleted(ctx)) purges"}, []string{raw}},
		{"mysql", "default", "SELECT a || b FROM users",
			[]string{"|| operator", "concat(a, b)", raw}, []string{"printf"}},
		{"sqlite", "default", "SHOW x WHERE (SELECT 1 FROM users)",
			[]string{"SHOW statements are sent as written, and the SELECT at offset 14", "users.deleted_at IS NULL", raw}, []string{"passed as written only"}},
		{"sqlite", "default", "DROP TABLE users",
			[]string{"DROP TABLE at offset 0", "Run schema migrations on a *sql.DB opened with the inner driver", raw}, []string{"last resort"}},
	} {
		rw := testRewriter(t, c.dialect)
		_, err := rw.rewrite(c.in, modeFrom(testModes[c.mode](ctx)))
		if !errors.Is(err, ErrRefused) {
			t.Errorf("%s %s: %v, want a refusal", c.dialect, c.in, err)
			continue
		}
		msg, at := err.Error(), 0
		for _, w := range c.want {
			i := strings.Index(msg[at:], w)
			if i < 0 {
				t.Errorf("%s %s:\n%s\nlacks %q after offset %d", c.dialect, c.in, msg, w, at)
				break
			}
			at += i + len(w)
		}
		for _, w := range c.not {
			if strings.Contains(msg, w) {
				t.Errorf("%s %s:\n%s\nholds %q", c.dialect, c.in, msg, w)
			}
		}
	}
}
