package main

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// pgBlog creates the blog of blog() in a schema of its own on the
// PostgreSQL server of SOFTDELETE_POSTGRES_DSN (skipping without it), with
// a unique email and posts referencing users, and returns the softdelete
// DSN for driverName (pgx or postgres, lib/pq).
func pgBlog(t *testing.T, driverName, opts string) string {
	t.Helper()
	dsn := os.Getenv("SOFTDELETE_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SOFTDELETE_POSTGRES_DSN is not set (e.g. postgres://postgres@127.0.0.1:5432/t_pg?sslmode=disable)")
	}
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := fmt.Sprintf("sd_cli_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	t.Cleanup(func() {
		if _, err := raw.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("dropping %s: %v", schema, err)
		}
		raw.Close()
	})
	recent := time.Now().UTC().Add(-time.Hour).Format("2006-01-02 15:04:05.000") + "+00"
	for _, q := range []string{
		"CREATE SCHEMA " + schema,
		"CREATE TABLE " + schema + ".users (id int PRIMARY KEY, email text NOT NULL UNIQUE, deleted_at timestamptz)",
		"CREATE TABLE " + schema + ".posts (id int PRIMARY KEY, user_id int NOT NULL REFERENCES " + schema + ".users, title text NOT NULL, deleted_at timestamptz)",
		"INSERT INTO " + schema + ".users VALUES (1, 'alice', NULL), (2, 'bob', '2020-09-01 08:00:00+00'), (3, 'carol', '2020-09-01 08:00:00+00')",
		"INSERT INTO " + schema + ".posts VALUES (1, 1, 'Hello', NULL), (2, 1, 'Draft', '" + recent + "'), (3, 2, 'Old news', '2020-09-01 08:00:00+00')," +
			" (4, 2, 'Older news', '2020-08-15 12:30:00.25+00'), (5, 3, 'Kept', NULL)",
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return "driver=" + driverName + " tables=users,posts " + opts + " dsn=" + u.String()
}

// Every command on PostgreSQL, with pgx and with lib/pq.
func TestPostgresCommands(t *testing.T) {
	for _, driverName := range []string{"pgx", "postgres"} {
		t.Run(driverName, func(t *testing.T) {
			dsn := pgBlog(t, driverName, "")
			wantCLI(t, []string{"rewrite", "-dsn", dsn, "SELECT title FROM posts WHERE user_id = $1"}, 0,
				"^SELECT title FROM posts WHERE user_id = \\$1 AND posts.deleted_at IS NULL\n$")
			wantCLI(t, []string{"rewrite", "-dsn", dsn, "-mode", "only", "DELETE FROM posts"}, 1, "")
			wantCLI(t, []string{"check", "-dsn", dsn}, 0,
				`^postgres schema: 0 errors, 1 warnings \(4 queries, .*\)\nwarning: table users, column deleted_at: unique index users_email_key \(email\) does not include deleted_at.*`+
					`fix: ALTER TABLE users DROP CONSTRAINT users_email_key; CREATE UNIQUE INDEX users_email_key ON users \(email\) WHERE deleted_at IS NULL\n$`)
			wantCLI(t, []string{"check", "-dsn", strings.Replace(dsn, "tables=users,posts", "tables=users,post", 1)}, 1, `error: table post: the table does not exist.*did you mean posts\?`)
			wantCLI(t, []string{"trash", "-dsn", dsn, "-table", "posts"}, 0,
				`^id\s+user_id\s+title\s+deleted_at\n2\s+1\s+Draft\s+\d{4}-.*\n3\s+2\s+Old news\s+2020-09-01 08:00:00 Z\n4\s+2\s+Older news\s+2020-08-15 12:30:00.25 Z\n\(3 deleted rows of posts, newest first\)\n$`)
			wantCLI(t, []string{"restore", "-dsn", dsn, "-table", "posts", "-where", "id IN ($1, $2)", "3", "1"}, 0, "^restored 1 rows of posts\n$")
			// Users 2 and 3 have live posts (3 restored, 5 live): the purge
			// reads the foreign key first, also as the program's first
			// statement, and keeps them.
			wantCLI(t, []string{"purge", "-dsn", dsn, "-older-than", "30d", "-dry-run"}, 0,
				"users: 0 rows to purge\nusers: kept 2 rows that live rows still reference .*\nposts: 1 rows to purge\nwould purge 1 rows: users 0, posts 1\n$")
			wantCLI(t, []string{"purge", "-dsn", dsn, "-older-than", "720h", "-table", "posts", "-batch", "1"}, 0,
				"posts: batch 1: 1 rows \\(1 so far\\)\nposts: batch 2: 0 rows \\(1 so far\\)\npurged 1 rows: posts 1\n$")
			wantCLI(t, []string{"purge", "-dsn", dsn, "-older-than", "720h", "-table", "users"}, 0,
				"users: kept 2 rows that live rows still reference .*\npurged 0 rows: users 0\n$")
			wantCLI(t, []string{"trash", "-dsn", dsn, "-table", "users"}, 0, `\(2 deleted rows of users, newest first\)`)
		})
	}
}

// With cascade=, a purge of users takes their soft-deleted posts first and
// keeps the users that live posts reference, saying so.
func TestPostgresPurgeCascade(t *testing.T) {
	dsn := pgBlog(t, "pgx", "cascade=posts.user_id->users.id")
	wantCLI(t, []string{"purge", "-dsn", dsn, "-older-than", "30d", "-table", "users"}, 0,
		"users: batch 1: 1 rows \\(1 so far\\)\nusers: kept 1 rows that live rows still reference \\(restore or delete those, then purge again\\)\npurged 3 rows: users 1, posts 2\n$")
	wantCLI(t, []string{"trash", "-dsn", dsn, "-table", "posts"}, 0, `^id.*\n2\s+1\s+Draft.*\n\(1 deleted rows of posts`)
	wantCLI(t, []string{"restore", "-dsn", dsn, "-table", "users", "-where", "id = $1", "3"}, 0, "^restored 1 rows of users\n$")
}

// wantCLI runs the command line and checks its exit status and that its
// stdout matches the pattern (stderr must be empty on success).
func wantCLI(t *testing.T, args []string, code int, pattern string) {
	t.Helper()
	got, out, errOut := runCLI(args...)
	if got != code || !regexp.MustCompile(pattern).MatchString(out) || code == 0 && errOut != "" {
		t.Errorf("%q: exit %d, stdout:\n%s\nstderr %q; want exit %d, stdout matching %q", args[:min(len(args), 4)], got, out, errOut, code, pattern)
	}
}
