package softdelete

import "testing"

func TestFastPath(t *testing.T) {
	ts := testRewriter(t, "mysql").tables
	for q, want := range map[string]bool{
		"SELECT * FROM tags":             false,
		"SELECT * FROM users":            true,
		"SELECT * FROM `Users`":          true,
		"select * from app.POSTS":        true,
		"select * from superusers":       false,
		"select * from users_archive":    false,
		"select * from userz":            false, // same length and first byte
		"select * from xsers":            false, // same length and last byte
		"select * from uSERS":            true,
		"select * from postS":            true,
		"select 'users' from tags":       true, // a parse, not a miss
		"select * from tags -- comments": true,
		"":                               false,
		"comments":                       true,
	} {
		if got := ts.mentionedIn(q); got != want {
			t.Errorf("mentionedIn(%q) = %v, want %v", q, got, want)
		}
	}
	q := "SELECT id, name FROM tags WHERE id = ? AND name LIKE 'users%'"
	if n := testing.AllocsPerRun(100, func() { ts.mentionedIn(q) }); n != 0 {
		t.Fatalf("mentionedIn allocates %v times", n)
	}
}
