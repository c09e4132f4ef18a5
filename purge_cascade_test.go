package softdelete

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// purgeBackdate moves every stamp of the tables two days back, so that a
// purge with a cutoff of an hour ago takes them.
func purgeBackdate(t *testing.T, raw *sql.DB, dialect string, tables ...string) {
	t.Helper()
	set := "now(6) - INTERVAL 2 DAY"
	switch {
	case dialect == "sqlite":
		set = "'" + time.Now().UTC().Add(-48*time.Hour).Format(sqliteStampLayout) + "'"
	case cascadeOpeners[dialect] != nil: // PostgreSQL
		set = "now() - interval '2 days'"
	}
	for _, tb := range tables {
		if _, err := raw.Exec("UPDATE " + tb + " SET deleted_at = " + set + " WHERE deleted_at IS NOT NULL"); err != nil {
			t.Fatal(err)
		}
	}
}

// purgeIDs lists the ids left in each table, live or not.
func purgeIDs(t *testing.T, raw *sql.DB, tables ...string) string {
	t.Helper()
	var parts []string
	for _, tb := range tables {
		rows, err := raw.Query("SELECT id FROM " + tb + " ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for rows.Next() {
			var id int
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, fmt.Sprint(id))
		}
		rows.Close()
		parts = append(parts, tb+"="+strings.Join(ids, ","))
	}
	return strings.Join(parts, " ")
}

// purgeRowCounts formats a result's per-table counts in order.
func purgeRowCounts(res *PurgeResult) string {
	var parts []string
	for tb, n := range res.Rows {
		if n != 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", tb, n))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// TestPurgeCascadesToChildren: users 1 and 2 are soft-deleted with their
// posts, comments and likes (a cascading DELETE), then post 20 of user 2
// is restored on its own. Purging users removes user 1 and its three
// levels of children, and keeps user 2, which a live post references.
func TestPurgeCascadesToChildren(t *testing.T) {
	purgeDialects(t, func(t *testing.T, dialect string) {
		c := cascadeOpen(t, dialect, false, "")
		ctx := context.Background()
		cexec(t, ctx, c.DB, "DELETE FROM likes WHERE id = 1000")
		cexec(t, ctx, c.DB, "DELETE FROM profiles WHERE id = 7")
		cexec(t, ctx, c.DB, "DELETE FROM users WHERE id IN (1, 2)")
		if got, want := c.state(t), "users=1,2 posts=10,11,20 comments=100,101,102,103,104 likes=1000 profiles=7"; got != want {
			t.Fatalf("after the cascading DELETE: %s, want %s", got, want)
		}
		purgeBackdate(t, c.Raw, dialect, "users", "posts", "comments", "likes", "profiles")
		if _, err := c.Raw.Exec("UPDATE posts SET deleted_at = NULL WHERE id = 20"); err != nil {
			t.Fatal(err)
		}
		cutoff := time.Now().Add(-time.Hour)

		dry, err := Purge(ctx, c.DB, "users", cutoff, &PurgeOptions{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if dry.Rows["users"] != 1 || dry.Kept != 1 {
			t.Errorf("dry run: users=%d kept=%d, want 1 and 1", dry.Rows["users"], dry.Kept)
		}

		res, err := Purge(ctx, c.DB, "users", cutoff, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := purgeIDs(t, c.Raw, "users", "posts", "comments", "likes", "profiles"), "users=2,3 posts=20 comments= likes= profiles=7"; got != want {
			t.Errorf("left after the purge: %s\nwant %s", got, want)
		}
		if got, want := purgeRowCounts(res), "comments=5 likes=1 posts=2 users=1"; got != want {
			t.Errorf("counts: %s, want %s", got, want)
		}
		if res.Kept != 1 {
			t.Errorf("Kept = %d, want 1 (user 2, which live post 20 references)", res.Kept)
		}
		// Run again: nothing more to do, user 2 still kept.
		again, err := Purge(ctx, c.DB, "users", cutoff, nil)
		if err != nil {
			t.Fatal(err)
		}
		if again.Total() != 0 || again.Kept != 1 {
			t.Errorf("second purge: %s kept %d, want nothing and 1 kept", purgeRowCounts(again), again.Kept)
		}
	})
}

// TestPurgeCascadeKeepsRestoredGrandchildsChain: a live grandchild keeps
// its soft-deleted parent and grandparent; the other tree is purged.
func TestPurgeCascadeKeepsRestoredGrandchildsChain(t *testing.T) {
	purgeDialects(t, func(t *testing.T, dialect string) {
		c := cascadeOpen(t, dialect, false, "")
		ctx := context.Background()
		cexec(t, ctx, c.DB, "DELETE FROM likes WHERE id = 1000")
		cexec(t, ctx, c.DB, "DELETE FROM posts WHERE id IN (10, 11)")
		purgeBackdate(t, c.Raw, dialect, "posts", "comments", "likes")
		if _, err := c.Raw.Exec("UPDATE comments SET deleted_at = NULL WHERE id = 104"); err != nil {
			t.Fatal(err)
		}
		res, err := Purge(ctx, c.DB, "posts", time.Now().Add(-time.Hour), &PurgeOptions{BatchSize: 1})
		if err != nil {
			t.Fatal(err)
		}
		// Post 10 stays (live comment 104), with its deleted comments
		// 100, 101 and 103 (a reply to 101): its cascade is not purged
		// in part. Post 11 goes with comment 102 and like 1000.
		if got, want := purgeIDs(t, c.Raw, "posts", "comments", "likes"), "posts=10,20 comments=100,101,103,104 likes="; got != want {
			t.Errorf("left: %s\nwant %s", got, want)
		}
		if got, want := purgeRowCounts(res), "comments=1 likes=1 posts=1"; got != want || res.Kept != 1 {
			t.Errorf("counts: %s kept %d, want %s kept 1", got, res.Kept, want)
		}
	})
}

// TestPurgeCascadeDeclaredRelation follows a cascade= relation on tables
// whose schema declares no foreign key.
func TestPurgeCascadeDeclaredRelation(t *testing.T) {
	purgeDialects(t, func(t *testing.T, dialect string) {
		ddl := []string{
			"CREATE TABLE orgs (id %[1]s PRIMARY KEY, deleted_at %[2]s NULL)",
			"CREATE TABLE teams (id %[1]s PRIMARY KEY, org_id %[1]s, deleted_at %[2]s NULL)",
			"CREATE TABLE members (id %[1]s PRIMARY KEY, team_id %[1]s, deleted_at %[2]s NULL)",
			"INSERT INTO orgs (id) VALUES (1), (2)",
			"INSERT INTO teams (id, org_id) VALUES (10, 1), (11, 1), (20, 2)",
			"INSERT INTO members (id, team_id) VALUES (100, 10), (101, 10), (110, 11), (200, 20)",
		}
		if cascadeOpeners[dialect] != nil {
			t.Skip("PostgreSQL: TestPostgresPurgeCascade covers cascade= and declared keys")
		}
		keys := "tables=orgs,teams,members cascade=teams.org_id->orgs.id,members.team_id->teams.id"
		var raw, db *sql.DB
		var err error
		if dialect == "sqlite" {
			inner := filepath.Join(t.TempDir(), "decl.db") + "?_busy_timeout=10000"
			if raw, err = sql.Open("sqlite3", inner); err != nil {
				t.Fatal(err)
			}
			db, err = sql.Open(DriverName, "driver=sqlite3 "+keys+" dsn="+inner)
			for i := range 3 {
				ddl[i] = fmt.Sprintf(ddl[i], "INTEGER", "DATETIME")
			}
		} else {
			m := mysqlOpen(t, "orgs,teams,members", "")
			raw = m.Raw
			db, err = sql.Open(DriverName, "driver=mysql "+keys+" dsn="+m.InnerDSN)
			for i := range 3 {
				ddl[i] = fmt.Sprintf(ddl[i], "INT", "DATETIME(6)")
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close(); raw.Close() })
		for _, q := range ddl {
			if _, err := raw.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		ctx := context.Background()
		cexec(t, ctx, db, "DELETE FROM orgs")
		purgeBackdate(t, raw, dialect, "orgs", "teams", "members")
		if _, err := raw.Exec("UPDATE members SET deleted_at = NULL WHERE id = 200"); err != nil {
			t.Fatal(err)
		}
		res, err := Purge(ctx, db, "orgs", time.Now().Add(-time.Hour), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := purgeIDs(t, raw, "orgs", "teams", "members"), "orgs=2 teams=20 members=200"; got != want {
			t.Errorf("left: %s\nwant %s", got, want)
		}
		if got, want := purgeRowCounts(res), "members=3 orgs=1 teams=2"; got != want || res.Kept != 1 {
			t.Errorf("counts: %s kept %d, want %s kept 1", got, res.Kept, want)
		}
	})
}

// purgeDialects runs f on the dialects of cascadeDialects: SQLite, and
// MariaDB and PostgreSQL where their DSNs are set.
func purgeDialects(t *testing.T, f func(t *testing.T, dialect string)) {
	cascadeDialects(t, f)
}
