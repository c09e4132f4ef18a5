package main

import (
	"bytes"
	"database/sql"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

// blog creates a SQLite file with users and posts, some deleted long ago,
// one an hour ago, and returns its softdelete DSN.
func blog(t *testing.T) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "blog.db")
	raw, err := sql.Open("sqlite3", file)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	recent := time.Now().UTC().Add(-time.Hour).Format("2006-01-02 15:04:05.000")
	for _, q := range []string{
		"CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, deleted_at DATETIME)",
		"CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, title TEXT NOT NULL, deleted_at DATETIME)",
		"INSERT INTO users VALUES (1, 'alice', NULL), (2, 'bob', '2020-09-01 08:00:00.000')",
		"INSERT INTO posts VALUES (1, 1, 'Hello', NULL), (2, 1, 'Draft', '" + recent + "'), (3, 2, 'Old news', '2020-09-01 08:00:00.000'), (4, 2, 'Older news', '2020-08-15 12:30:00.250')",
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return "driver=sqlite3 tables=users,posts dsn=" + file
}

// runCLI runs the command line and returns its exit status and outputs.
func runCLI(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestRewrite(t *testing.T) {
	dsn := blog(t)
	for _, c := range []struct {
		args     []string
		code     int
		out, err string
	}{
		{[]string{"SELECT * FROM posts WHERE id = ?"}, 0, "select * from posts where (id = ?) and posts.deleted_at is null\n", ""},
		{[]string{"-mode", "include", "SELECT * FROM posts"}, 0, "SELECT * FROM posts\n", ""},
		{[]string{"-mode", "only", "SELECT * FROM posts"}, 0, "select * from posts where posts.deleted_at is not null\n", ""},
		{[]string{"DELETE FROM posts WHERE id = 1"}, 0, "update posts set deleted_at = strftime('%Y-%m-%d %H:%M:%f', 'now') where (id = 1) and posts.deleted_at is null\n", ""},
		{[]string{"-mode", "force,only", "DELETE FROM posts"}, 0, "delete from posts where posts.deleted_at is not null\n", ""},
		{[]string{"-mode", "raw", "TRUNCATE posts"}, 0, "TRUNCATE posts\n", ""},
		{[]string{"-mode", "only", "DELETE FROM posts"}, 1, "", "refusing statement on soft-delete table posts"},
		{[]string{"TRUNCATE posts"}, 1, "", "refusing"},
		{[]string{"-mode", "gone", "SELECT 1"}, 2, "", `-mode "gone": want include, only, force or raw`},
		{nil, 2, "", "give the SQL statement"},
	} {
		code, out, errOut := runCLI(append([]string{"rewrite", "-dsn", dsn}, c.args...)...)
		if code != c.code || out != c.out || !strings.Contains(errOut, c.err) {
			t.Errorf("rewrite %q: exit %d, stdout %q, stderr %q; want %d, %q, stderr with %q", c.args, code, out, errOut, c.code, c.out, c.err)
		}
	}
}

func TestCheck(t *testing.T) {
	dsn := blog(t)
	t.Setenv(dsnEnv, dsn) // the DSN from the environment
	code, out, errOut := runCLI("check")
	if code != 0 || !strings.HasPrefix(out, "sqlite schema: 0 errors, 0 warnings (4 queries, ") || errOut != "" {
		t.Errorf("check: exit %d, stdout %q, stderr %q; want a clean report", code, out, errOut)
	}
	bad := strings.Replace(dsn, "tables=users,posts", "tables=users,post", 1)
	code, out, _ = runCLI("-dsn", bad, "check")
	if code != 1 || !strings.Contains(out, "1 errors") || !strings.Contains(out, "error: table post:") || !strings.Contains(out, "posts") {
		t.Errorf("check of a misspelled table: exit %d, stdout %q; want exit 1 and the error naming posts", code, out)
	}
}

func TestTrash(t *testing.T) {
	dsn := blog(t)
	code, out, errOut := runCLI("trash", "-dsn", dsn, "-table", "posts")
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if code != 0 || errOut != "" || len(lines) != 5 {
		t.Fatalf("trash: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	if !regexp.MustCompile(`^id  user_id  title       deleted_at$`).MatchString(lines[0]) ||
		!regexp.MustCompile(`^2   1        Draft       \d{4}-`).MatchString(lines[1]) ||
		!strings.HasPrefix(lines[2], "3   2        Old news    2020-09-01 08:00:00") ||
		!strings.HasPrefix(lines[3], "4   2        Older news  2020-08-15 12:30:00.25") ||
		lines[4] != "(3 deleted rows of posts, newest first)" {
		t.Errorf("trash: want an aligned table, newest first:\n%s", out)
	}
	code, out, _ = runCLI("trash", "-dsn", dsn, "-table", "POSTS", "-limit", "1")
	if code != 0 || !strings.Contains(out, "Draft") || strings.Contains(out, "Old news") {
		t.Errorf("trash -limit 1: exit %d:\n%s", code, out)
	}
	code, _, errOut = runCLI("trash", "-dsn", dsn, "-table", "tags")
	if code != 2 || !strings.Contains(errOut, "tags is not a listed table (listed: users, posts)") {
		t.Errorf("trash of an unlisted table: exit %d, stderr %q", code, errOut)
	}
}

func TestRestore(t *testing.T) {
	dsn := blog(t)
	code, out, errOut := runCLI("restore", "-dsn", dsn, "-table", "posts", "-where", "id IN (?, ?)", "3", "1")
	if code != 0 || out != "restored 1 rows of posts\n" || errOut != "" {
		t.Errorf("restore: exit %d, stdout %q, stderr %q; want 1 row (post 1 is live)", code, out, errOut)
	}
	code, out, _ = runCLI("trash", "-dsn", dsn, "-table", "posts")
	if code != 0 || strings.Contains(out, "Old news  ") || !strings.Contains(out, "(2 deleted rows") {
		t.Errorf("trash after the restore: exit %d:\n%s", code, out)
	}
	code, _, errOut = runCLI("restore", "-dsn", dsn, "-table", "posts")
	if code != 2 || !strings.Contains(errOut, "give -table and -where") {
		t.Errorf("restore without -where: exit %d, stderr %q; want a usage error", code, errOut)
	}
}

func TestPurge(t *testing.T) {
	dsn := blog(t)
	code, out, errOut := runCLI("purge", "-dsn", dsn, "-older-than", "30d", "-dry-run")
	if code != 0 || errOut != "" || !strings.Contains(out, "counting (dry run) rows deleted before ") ||
		!strings.Contains(out, "users: 1 rows to purge\nposts: 2 rows to purge\nwould purge 3 rows: users 1, posts 2\n") {
		t.Fatalf("dry run: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	code, out, errOut = runCLI("purge", "-dsn", dsn, "-older-than", "720h", "-table", "posts", "-batch", "1")
	want := "posts: batch 1: 1 rows (1 so far)\nposts: batch 2: 1 rows (2 so far)\nposts: batch 3: 0 rows (2 so far)\npurged 2 rows: posts 2\n"
	if code != 0 || errOut != "" || !strings.HasSuffix(out, want) || !strings.HasPrefix(out, "purging rows deleted before ") {
		t.Fatalf("purge -table posts: exit %d, stderr %q, stdout:\n%s\nwant it to end with:\n%s", code, errOut, out, want)
	}
	code, out, _ = runCLI("purge", "-dsn", dsn, "-older-than", "720h")
	if code != 0 || !strings.HasSuffix(out, "purged 1 rows: users 1, posts 0\n") {
		t.Errorf("purge of every table: exit %d:\n%s", code, out)
	}
	code, out, _ = runCLI("trash", "-dsn", dsn, "-table", "posts")
	if code != 0 || !strings.Contains(out, "Draft") || !strings.Contains(out, "(1 deleted rows") {
		t.Errorf("the recent delete must stay: exit %d:\n%s", code, out)
	}
	for _, args := range [][]string{
		{"-older-than", "soon"}, {}, {"-older-than", "1h", "-batch", "0"}, {"-older-than", "1h", "-table", "tags"}, {"-older-than", "1h", "extra"},
	} {
		if code, _, errOut := runCLI(append([]string{"purge", "-dsn", dsn}, args...)...); code != 2 || !strings.Contains(errOut, "usage: softdelete purge") {
			t.Errorf("purge %q: exit %d, stderr %q; want a usage error", args, code, errOut)
		}
	}
}

func TestUsage(t *testing.T) {
	t.Setenv(dsnEnv, "")
	for _, c := range []struct {
		args     []string
		code     int
		out, err string
	}{
		{nil, 2, "", "usage: softdelete [-dsn DSN] COMMAND"},
		{[]string{"-h"}, 0, "commands:", ""},
		{[]string{"--help"}, 0, "purge", ""},
		{[]string{"help"}, 0, "commands:", ""},
		{[]string{"help", "trash"}, 0, "example:\n  softdelete trash -table posts -limit 10", ""},
		{[]string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{[]string{"check"}, 2, "", "no DSN: give -dsn or set SOFTDELETE_DSN"},
		{[]string{"check", "-dsn", "driver=sqlite3 dsn=x.db"}, 1, "", "tables= is missing"},
		{[]string{"rewrite", "-bogus"}, 2, "", "flag provided but not defined: -bogus"},
	} {
		code, out, errOut := runCLI(c.args...)
		if code != c.code || !strings.Contains(out, c.out) || !strings.Contains(errOut, c.err) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %d, stdout with %q, stderr with %q", c.args, code, out, errOut, c.code, c.out, c.err)
		}
	}
	for _, cmd := range commands {
		for _, h := range []string{"-h", "--help"} {
			code, out, _ := runCLI(cmd.name, h)
			if code != 0 || !strings.HasPrefix(out, "usage: softdelete "+cmd.name) || !strings.Contains(out, "\nexample:\n  softdelete ") {
				t.Errorf("%s %s: exit %d, stdout:\n%s", cmd.name, h, code, out)
			}
		}
	}
}

func TestBar(t *testing.T) {
	for _, c := range []struct {
		done, total int64
		want        string
	}{{0, 10, "[....]"}, {5, 10, "[##..]"}, {10, 10, "[####]"}, {12, 10, "[####]"}, {3, 0, "[####]"}} {
		if got := bar(c.done, c.total, 4); got != c.want {
			t.Errorf("bar(%d, %d) = %q, want %q", c.done, c.total, got, c.want)
		}
	}
}
