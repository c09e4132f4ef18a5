package softdelete

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// actorsOf lists each row's deleted_by of a table, "1:alice 2:-".
func (c *cascadeDB) actorsOf(t *testing.T, table string) string {
	t.Helper()
	rows, err := c.Raw.Query("SELECT id, COALESCE(deleted_by, '-') FROM " + table + " ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int
		var by string
		if err := rows.Scan(&id, &by); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d:%s", id, by))
	}
	return strings.Join(out, " ")
}

// A cascade is the DELETE the database would run on the children, so the
// actor that a soft DELETE records on its own rows is recorded on every
// row the cascade stamps (a stale value written by hand is replaced), and
// the exact Restore that brings them back clears it on each, the Restore's
// own rows included, as the plain Restore does.
func TestRedTeamCascadeActor(t *testing.T) {
	cascadeDialects(t, func(t *testing.T, dialect string) {
		c := cascadeOpen(t, dialect, false, "")
		for _, tb := range []string{"users", "posts", "comments"} {
			if _, err := c.Raw.Exec("ALTER TABLE " + tb + " ADD deleted_by VARCHAR(20)"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := c.Raw.Exec("UPDATE comments SET deleted_by = 'stale' WHERE id = 104"); err != nil {
			t.Fatal(err)
		}
		db := c.open("check=warn actor=deleted_by")
		ctx := context.Background()
		cexec(t, ctx, db, "DELETE FROM likes")
		cexec(t, WithActor(ctx, "alice"), db, c.ph("DELETE FROM users WHERE id = ?"), 1)
		if got, want := c.state(t), "users=1 posts=10,11 comments=100,101,102,103,104 likes=1000 profiles="; got != want {
			t.Fatalf("after the DELETE of user 1: %s; want %s", got, want)
		}
		want := map[string]string{"users": "1:alice 2:- 3:-", "posts": "10:alice 11:alice 20:-",
			"comments": "100:alice 101:alice 102:alice 103:alice 104:alice"}
		for _, tb := range []string{"users", "posts", "comments"} {
			if got := c.actorsOf(t, tb); got != want[tb] {
				t.Errorf("%s deleted_by after the cascade: %s; want %s", tb, got, want[tb])
			}
		}
		if _, err := Restore(ctx, db, "users", c.ph("id = ?"), 1); err != nil {
			t.Fatal(err)
		}
		if got, want := c.state(t), "users= posts= comments= likes=1000 profiles="; got != want {
			t.Fatalf("after the Restore of user 1: %s; want %s", got, want)
		}
		want = map[string]string{"users": "1:- 2:- 3:-", "posts": "10:- 11:- 20:-", "comments": "100:- 101:- 102:- 103:- 104:-"}
		for _, tb := range []string{"users", "posts", "comments"} {
			if got := c.actorsOf(t, tb); got != want[tb] {
				t.Errorf("%s deleted_by after the exact Restore: %s; want %s", tb, got, want[tb])
			}
		}
	})
}
