//go:build postgres

package softdelete

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"
)

// pgPurgeTree creates users <- posts <- comments (with a self-reference),
// declared with ON DELETE CASCADE so that a purge that deleted a parent a
// live row references would lose that row, and fills it: stamps two days
// old unless named recent, live rows where a child was restored alone.
func pgPurgeTree(t *testing.T, s *pgScratch) {
	s.exec(t, `CREATE TABLE users (id int PRIMARY KEY, name text, deleted_at timestamptz NULL)`,
		`CREATE TABLE posts (id int PRIMARY KEY, user_id int REFERENCES users ON DELETE CASCADE, deleted_at timestamptz NULL)`,
		`CREATE TABLE comments (id int PRIMARY KEY, post_id int REFERENCES posts ON DELETE CASCADE,
			parent_id int REFERENCES comments ON DELETE CASCADE, deleted_at timestamptz NULL)`,
		`INSERT INTO users VALUES (1, 'a', now() - interval '2 days'), (2, 'b', now() - interval '2 days'), (3, 'c', NULL),
			(4, 'd', now() - interval '1 minute'), (5, 'e', now() - interval '2 days')`,
		`INSERT INTO posts VALUES (10, 1, now() - interval '2 days'), (11, 1, now() - interval '2 days'), (20, 2, NULL),
			(21, 2, now() - interval '2 days'), (30, 3, NULL), (31, 5, now() - interval '2 days'), (40, 4, now() - interval '1 minute')`,
		`INSERT INTO comments VALUES (100, 10, NULL, now() - interval '2 days'), (101, 10, 100, now() - interval '2 days'),
			(102, 11, NULL, now() - interval '3 days'), (200, 21, NULL, now() - interval '2 days'), (201, 20, NULL, NULL),
			(300, 31, NULL, NULL)`,
		// What README asks of a parent's children on PostgreSQL, which
		// indexes no foreign key itself: without an index and statistics
		// the planner's estimate for the nested EXISTS of a self-reference
		// is astronomic and JIT compiles for seconds.
		`CREATE INDEX ON posts (user_id)`, `CREATE INDEX ON comments (post_id)`, `CREATE INDEX ON comments (parent_id)`,
		`ANALYZE users, posts, comments`)
}

// pgIDs lists the ids left in each table, live or not.
func pgIDs(t *testing.T, s *pgScratch, tables ...string) string {
	t.Helper()
	var parts []string
	for _, tb := range tables {
		var ids string
		if err := s.Raw.QueryRow("SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM " + tb).Scan(&ids); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, tb+"="+ids)
	}
	return strings.Join(parts, " ")
}

// A purge of users on PostgreSQL follows the relations, from cascade=
// entries or from declared foreign keys (a model as the schema check
// would read it), children first, in batches: user 1 goes with its posts
// and comments; user 2 (a live post) and user 5 (a live comment under its
// deleted post) are kept and counted; user 4, deleted a minute ago, and
// the live user 3 stay.
func TestPostgresPurgeCascade(t *testing.T) {
	for _, how := range []string{"cascade=", "declared"} {
		t.Run(how, func(t *testing.T) {
			pgDrivers(t, func(t *testing.T, driverName string) {
				ctx := context.Background()
				s := newPGScratch(t, driverName)
				pgPurgeTree(t, s)
				opts := "tables=users,posts,comments"
				if how == "cascade=" {
					opts += " cascade=posts.user_id->users.id,comments.post_id->posts.id"
				}
				db := s.open(t, opts)
				if how == "declared" {
					pgDeclareTree(t, db)
				}
				cutoff := time.Now().Add(-time.Hour)
				dry, err := Purge(ctx, db, "users", cutoff, &PurgeOptions{DryRun: true})
				if err != nil {
					t.Fatal(err)
				}
				if dry.Rows["users"] != 1 || dry.Kept != 2 {
					t.Errorf("dry run: users=%d kept=%d, want 1 and 2", dry.Rows["users"], dry.Kept)
				}
				var batches []string
				res, err := Purge(ctx, db, "users", cutoff, &PurgeOptions{BatchSize: 1, Progress: func(p PurgeProgress) {
					batches = append(batches, fmt.Sprintf("%d:%d/%d", p.Batch, p.Rows, p.Total))
				}})
				if err != nil {
					t.Fatal(err)
				}
				if got, want := pgIDs(t, s, "users", "posts", "comments"), "users=2,3,4,5 posts=20,21,30,31,40 comments=200,201,300"; got != want {
					t.Errorf("left: %s\nwant  %s", got, want)
				}
				if got, want := purgeRowCounts(res), "comments=3 posts=2 users=1"; got != want || res.Kept != 2 {
					t.Errorf("counts %s kept %d, want %s kept 2", got, res.Kept, want)
				}
				if got := strings.Join(batches, " "); got != "1:1/1" {
					t.Errorf("progress %s, want 1:1/1 (a batch of one, then one that picks none)", got)
				}
			})
		})
	}
}

// pgDeclareTree gives db's connector the model the schema check reads
// once PostgreSQL's foreign keys are read: the three tables, their
// primary keys and foreign keys (ON DELETE CASCADE, as declared).
func pgDeclareTree(t *testing.T, db *sql.DB) {
	t.Helper()
	rw, err := rewriterOf(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	m := &schemaModel{database: "public", all: []string{"comments", "posts", "users"}, tables: map[string]*tableSchema{}, markerLike: map[string][]string{}}
	for _, name := range m.all {
		m.tables[name] = &tableSchema{name: name, indexes: []indexSchema{{name: name + "_pkey", unique: true, primary: true, columns: []string{"id"}}}}
	}
	m.addForeignKeys([]foreignKey{
		{name: "posts_user_id_fkey", table: "posts", columns: []string{"user_id"}, refTable: "users", refColumns: []string{"id"}, onDelete: "CASCADE"},
		{name: "comments_post_id_fkey", table: "comments", columns: []string{"post_id"}, refTable: "posts", refColumns: []string{"id"}, onDelete: "CASCADE"},
		{name: "comments_parent_id_fkey", table: "comments", columns: []string{"parent_id"}, refTable: "comments", refColumns: []string{"id"}, onDelete: "CASCADE"},
	})
	rw.schema.model.Store(m)
}

// Purge on PostgreSQL in batches, without relations: only rows deleted
// before the cutoff go, batch by batch, whatever the session's TimeZone
// for a timestamp (without time zone) marker that now() stamped in it, or
// a timestamptz one; the table named in another case is the same table;
// DryRun counts; the rows a soft DELETE stamped a moment ago stay.
func TestPostgresPurgeBatches(t *testing.T) {
	for _, typ := range []string{"timestamp", "timestamptz"} {
		for _, zone := range []string{"Asia/Tokyo", "America/New_York"} {
			t.Run(typ+"/"+zone, func(t *testing.T) {
				pgDrivers(t, func(t *testing.T, driverName string) {
					checkPostgresPurgeBatches(t, driverName, typ, zone)
				})
			})
		}
	}
}

func checkPostgresPurgeBatches(t *testing.T, driverName, typ, zone string) {
	ctx := context.Background()
	s := newPGScratch(t, driverName)
	s.InnerDSN += "&timezone=" + strings.ReplaceAll(zone, "/", "%2F")
	s.exec(t, `CREATE TABLE posts (id int PRIMARY KEY, title text, deleted_at `+typ+` NULL)`,
		`INSERT INTO posts SELECT g, 't' || g, NULL FROM generate_series(1, 12) g`)
	db := s.open(t, "tables=posts")
	if _, err := db.ExecContext(ctx, "DELETE FROM posts WHERE id <= $1", 9); err != nil { // stamped now(), in zone
		t.Fatal(err)
	}
	// Ids 1 to 7 were deleted two days ago (moved back raw, on a
	// connection of the zone), 8 and 9 just now; 10 to 12 are live.
	if _, err := db.ExecContext(WithForce(WithIncludeDeleted(ctx)), "UPDATE posts SET deleted_at = deleted_at - interval '2 days' WHERE id <= 7"); err != nil {
		t.Fatal(err)
	}
	if res, err := Purge(ctx, db, "posts", time.Now().Add(-time.Hour), &PurgeOptions{DryRun: true}); err != nil || res.Rows["posts"] != 7 {
		t.Fatalf("dry run: %v, %v; want 7 rows", res, err)
	}
	var seen []int64
	res, err := Purge(ctx, db, "Posts", time.Now().Add(-time.Hour), &PurgeOptions{BatchSize: 3, Progress: func(p PurgeProgress) { seen = append(seen, p.Rows) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows["posts"] != 7 || res.Batches != 3 || fmt.Sprint(seen) != "[3 3 1]" {
		t.Errorf("purged %d rows in %d batches %v; want 7 in 3, [3 3 1]", res.Rows["posts"], res.Batches, seen)
	}
	if got := pgIDs(t, s, "posts"); got != "posts=8,9,10,11,12" {
		t.Errorf("left %s, want posts=8,9,10,11,12", got)
	}
	// A cutoff a second ahead takes the rows stamped a moment ago: the
	// stamps are not read hours off in either direction.
	if res, err := Purge(ctx, db, "posts", time.Now().Add(time.Second), nil); err != nil || res.Rows["posts"] != 2 {
		t.Fatalf("purge with a cutoff ahead: %+v, %v; want 2 rows", res, err)
	}
}

// A parent that relations reach needs a primary key on PostgreSQL, as on
// MySQL: the purge says so and deletes nothing.
func TestPostgresPurgeParentWithoutPrimaryKey(t *testing.T) {
	s := newPGScratch(t, "pgx")
	s.exec(t, `CREATE TABLE users (id int UNIQUE, deleted_at timestamptz)`, `CREATE TABLE posts (id int PRIMARY KEY, user_id int, deleted_at timestamptz)`,
		`INSERT INTO users VALUES (1, now() - interval '2 days')`)
	db := s.open(t, "tables=users,posts cascade=posts.user_id->users.id")
	_, err := Purge(context.Background(), db, "users", time.Now().Add(-time.Hour), nil)
	if err == nil || !strings.Contains(err.Error(), "users has no primary key") {
		t.Fatalf("err = %v; want the missing primary key named", err)
	}
	if got := pgIDs(t, s, "users"); got != "users=1" {
		t.Errorf("left %s", got)
	}
}

// A purge while another connection restores old rows one by one: every
// row whose restore succeeded is still there and live (the batch checks
// its condition again on the row version it meets), every other old row
// is gone.
func TestPostgresPurgeConcurrentRestore(t *testing.T) {
	ctx := context.Background()
	s := newPGScratch(t, "pgx")
	s.exec(t, `CREATE TABLE posts (id int PRIMARY KEY, deleted_at timestamptz NULL)`,
		`INSERT INTO posts SELECT g, now() - interval '2 days' FROM generate_series(1, 3000) g`)
	db := s.open(t, "tables=posts")
	restored := make(chan []int, 1)
	go func() {
		var ids []int
		for id := 3000; id > 0; id -= 7 {
			res, err := Restore(ctx, db, "posts", "id = $1", id)
			if err != nil {
				t.Error(err)
				break
			}
			if n, _ := res.RowsAffected(); n == 1 {
				ids = append(ids, id)
			}
		}
		restored <- ids
	}()
	res, err := Purge(ctx, db, "posts", time.Now().Add(-time.Hour), &PurgeOptions{BatchSize: 20})
	if err != nil {
		t.Fatal(err)
	}
	ids := <-restored
	t.Logf("%d of %d restores came first, in %d batches", len(ids), (3000+6)/7, res.Batches)
	left := s.count(t, "SELECT count(*) FROM posts")
	live := s.count(t, "SELECT count(*) FROM posts WHERE deleted_at IS NULL")
	if left != len(ids) || live != len(ids) || res.Rows["posts"] != int64(3000-len(ids)) {
		t.Errorf("%d rows restored; left %d rows, %d live, purged %d; want %d, %d, %d", len(ids), left, live, res.Rows["posts"], len(ids), len(ids), 3000-len(ids))
	}
}

// On PostgreSQL a cascade= entry is read now that Purge follows it: one
// that names an unlisted table is a configuration error, as elsewhere.
func TestPostgresCascadeEntryChecked(t *testing.T) {
	_, err := NewConnector(Config{DriverName: "pgx", DSN: "postgres://nobody@127.0.0.1:1/x", Tables: []string{"users", "posts"},
		Cascade: []string{"posts.user_id->accounts.id"}})
	if err == nil || !strings.Contains(err.Error(), "accounts is not a listed table") {
		t.Fatalf("err = %v; want the unlisted parent named", err)
	}
}

// A partitioned table: a ctid names a row in each partition, so a batch
// may take more than its size, but only purgeable rows, and all of them.
func TestPostgresPurgePartitioned(t *testing.T) {
	ctx := context.Background()
	s := newPGScratch(t, "pgx")
	s.exec(t, `CREATE TABLE events (id int NOT NULL, deleted_at timestamptz NULL) PARTITION BY RANGE (id)`,
		`CREATE TABLE events_a PARTITION OF events FOR VALUES FROM (0) TO (100)`,
		`CREATE TABLE events_b PARTITION OF events FOR VALUES FROM (100) TO (200)`,
		`INSERT INTO events SELECT g, CASE WHEN g % 3 = 0 THEN NULL ELSE now() - interval '2 days' END FROM generate_series(0, 199) g`)
	db := s.open(t, "tables=events")
	res, err := Purge(ctx, db, "events", time.Now().Add(-time.Hour), &PurgeOptions{BatchSize: 5})
	if err != nil {
		t.Fatal(err)
	}
	if left, live := s.count(t, "SELECT count(*) FROM events"), s.count(t, "SELECT count(*) FROM events WHERE deleted_at IS NULL"); left != 67 || live != 67 || res.Rows["events"] != 133 {
		t.Errorf("purged %d, left %d rows, %d live; want 133, 67, 67", res.Rows["events"], left, live)
	}
}
