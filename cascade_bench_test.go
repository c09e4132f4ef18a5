package softdelete

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkCascadePaired compares a cascading soft DELETE of a user with
// 10 posts and 100 comments (one statement through softdelete: the stamp,
// the UPDATE of the user, one per level, in a transaction of its own) with
// the same work written by hand on the raw driver: BEGIN, three UPDATEs
// with a stamp bound from Go, COMMIT. The two take turns on every
// iteration; the trees are un-deleted between iterations, untimed.
func BenchmarkCascadePaired(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		dsn := "file:" + filepath.Join(b.TempDir(), "cascade.db") + "?_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=5000&_foreign_keys=1"
		raw, err := sql.Open("sqlite3", dsn)
		if err != nil {
			b.Fatal(err)
		}
		defer raw.Close()
		soft, err := sql.Open(DriverName, "driver=sqlite3 tables=users,posts,comments dsn="+dsn)
		if err != nil {
			b.Fatal(err)
		}
		defer soft.Close()
		benchCascade(b, raw, soft, "INTEGER", "DATETIME", "")
	})
	b.Run("mariadb", func(b *testing.B) {
		m := mysqlOpen(b, "users,posts,comments", "")
		benchCascade(b, m.Raw, m.DB, "INT", "DATETIME(6)", " ENGINE=InnoDB")
	})
}

func benchCascade(b *testing.B, raw, soft *sql.DB, id, ts, opts string) {
	ctx := context.Background()
	setup := []string{
		fmt.Sprintf("CREATE TABLE users (id %s PRIMARY KEY, deleted_at %s NULL)%s", id, ts, opts),
		fmt.Sprintf("CREATE TABLE posts (id %s PRIMARY KEY, user_id %s, deleted_at %s NULL, INDEX posts_user (user_id), FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE)%s", id, id, ts, opts),
		fmt.Sprintf("CREATE TABLE comments (id %s PRIMARY KEY, post_id %s, deleted_at %s NULL, INDEX comments_post (post_id), FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE)%s", id, id, ts, opts),
	}
	if id == "INTEGER" { // SQLite has no INDEX clause in CREATE TABLE
		setup[1] = fmt.Sprintf("CREATE TABLE posts (id %s PRIMARY KEY, user_id %s, deleted_at %s NULL, FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE)", id, id, ts)
		setup[2] = fmt.Sprintf("CREATE TABLE comments (id %s PRIMARY KEY, post_id %s, deleted_at %s NULL, FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE)", id, id, ts)
		setup = append(setup, "CREATE INDEX posts_user ON posts (user_id)", "CREATE INDEX comments_post ON comments (post_id)")
	}
	// Users 1 (raw) and 2 (softdelete), 10 posts each, 10 comments a post;
	// 50 other users with the same trees, so that the indexes matter.
	for u := 1; u <= 52; u++ {
		setup = append(setup, fmt.Sprintf("INSERT INTO users (id) VALUES (%d)", u))
		for p := 0; p < 10; p++ {
			post := u*100 + p
			setup = append(setup, fmt.Sprintf("INSERT INTO posts (id, user_id) VALUES (%d, %d)", post, u))
			vals := ""
			for c := 0; c < 10; c++ {
				if c > 0 {
					vals += ", "
				}
				vals += fmt.Sprintf("(%d, %d)", post*100+c, post)
			}
			setup = append(setup, "INSERT INTO comments (id, post_id) VALUES "+vals)
		}
	}
	for _, q := range setup {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	reset := func() {
		for _, t := range []string{"users", "posts", "comments"} {
			if _, err := raw.ExecContext(ctx, "UPDATE "+t+" SET deleted_at = NULL WHERE deleted_at IS NOT NULL"); err != nil {
				b.Fatal(err)
			}
		}
	}
	comments := "UPDATE comments SET deleted_at = ? WHERE deleted_at IS NULL AND post_id IN (SELECT id FROM posts WHERE user_id = ? AND deleted_at = ?)"
	if id == "INT" {
		// MariaDB reads that IN as a subquery per row of comments in an
		// UPDATE: hand-written MySQL joins.
		comments = "UPDATE comments c JOIN posts p ON c.post_id = p.id SET c.deleted_at = ? WHERE p.user_id = ? AND p.deleted_at = ? AND c.deleted_at IS NULL"
	}
	rawOp := func() {
		tx, err := raw.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		stamp := time.Now().UTC().Format(stampLayout)
		for _, q := range []string{
			"UPDATE users SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
			"UPDATE posts SET deleted_at = ? WHERE user_id = ? AND deleted_at IS NULL",
			comments,
		} {
			args := []any{stamp, 1}
			if q[7] == 'c' {
				args = append(args, stamp)
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	softOp := func() {
		if _, err := soft.ExecContext(ctx, "DELETE FROM users WHERE id = ?", 2); err != nil {
			b.Fatal(err)
		}
	}
	softOp() // the schema check, once
	var n int
	if err := raw.QueryRow("SELECT count(*) FROM comments WHERE deleted_at IS NOT NULL").Scan(&n); err != nil || n != 100 {
		b.Fatalf("the soft DELETE stamped %d comments, %v; want 100", n, err)
	}
	reset()
	var tRaw, tSoft time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if i&1 == 0 {
			rawOp()
			t1 := time.Now()
			softOp()
			tRaw, tSoft = tRaw+t1.Sub(t0), tSoft+time.Since(t1)
		} else {
			softOp()
			t1 := time.Now()
			rawOp()
			tSoft, tRaw = tSoft+t1.Sub(t0), tRaw+time.Since(t1)
		}
		b.StopTimer()
		reset()
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(tRaw.Nanoseconds())/float64(b.N), "raw-ns/op")
	b.ReportMetric(float64(tSoft.Nanoseconds())/float64(b.N), "softdelete-ns/op")
	b.ReportMetric(float64(tSoft)/float64(tRaw), "softdelete/raw")
}

// BenchmarkCascadeGate is what the cascade adds to an Exec that is not a
// cascading DELETE: with no relation known, and with one known (the text
// is scanned for "delete").
func BenchmarkCascadeGate(b *testing.B) {
	const q = "UPDATE users SET name = ?, email = ? WHERE id = ? AND team_id IN (SELECT id FROM teams WHERE active = 1)"
	for _, tc := range []struct {
		name    string
		cascade []string
	}{{"no-relation", nil}, {"relations", []string{"posts.user_id->users.id"}}} {
		b.Run(tc.name, func(b *testing.B) {
			rw, err := newRewriter(Config{Dialect: "sqlite", Tables: testTables, CacheSize: -1})
			if err != nil {
				b.Fatal(err)
			}
			if rw.cascade, err = newCascade(Config{Cascade: tc.cascade}, rw); err != nil {
				b.Fatal(err)
			}
			c := &conn{rw: rw}
			ctx := context.Background()
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, done, _ := c.cascadeExec(ctx, q, nil); done {
					b.Fatal("done")
				}
			}
		})
	}
}
