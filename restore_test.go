package softdelete

import (
	"context"
	"strings"
	"testing"
)

// TestRestoreIntentIsTheMode checks that Restore's intent travels in the
// mode: the rewriter builds the UPDATE of the table's own deleted column
// from it, the text names no column, and a Restore context runs nothing
// but Restore's text (the old protocol, a magic column name in an UPDATE,
// is refused).
func TestRestoreIntentIsTheMode(t *testing.T) {
	for _, d := range []string{"sqlite", "mysql"} {
		rw := testRewriter(t, d)
		m := modeFrom(withRestore(context.Background(), "Comments"))
		got, err := rw.rewrite("RESTORE comments WHERE id = ?", m)
		want := "update comments set removed_at = null where (id = ?) and comments.removed_at is not null"
		if err != nil || got != want {
			t.Errorf("%s: Restore of comments = %q, %v; want %q", d, got, err, want)
		}
		got, err = rw.rewrite("RESTORE comments", m)
		if want := "update comments set removed_at = null where comments.removed_at is not null"; err != nil || got != want {
			t.Errorf("%s: Restore of every comment = %q, %v; want %q", d, got, err, want)
		}
		for _, q := range []string{
			"UPDATE comments SET softdelete_deleted_column = NULL",
			"RESTORE users WHERE id = 1",
			"RESTORE comments_x",
			"SELECT * FROM comments",
		} {
			if out, err := rw.rewrite(q, m); err == nil || !strings.Contains(err.Error(), "Restore") {
				t.Errorf("%s: %q under Restore's mode = %q, %v; want an error naming Restore", d, q, out, err)
			}
		}
	}
}
