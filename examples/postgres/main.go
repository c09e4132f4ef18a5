// Command postgres is the quickstart on PostgreSQL through pgx: a DELETE
// that stamps, and follows the foreign key to the comments; the hidden
// rows, the trash, and an exact restore of the post with its comments.
// It works in a schema of its own, dropped at the end.
//
//	SOFTDELETE_POSTGRES_DSN='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' go run ./examples/postgres
package main

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // the inner driver; lib/pq works too (driver=postgres)
	"github.com/softdelete-go/softdelete"
	_ "github.com/softdelete-go/softdelete/postgres" // the PostgreSQL engine
)

// schema is the scratch schema the example works in.
const schema = "softdelete_quickstart"

func main() {
	dsn := os.Getenv("SOFTDELETE_POSTGRES_DSN")
	if dsn == "" {
		log.Fatal("set SOFTDELETE_POSTGRES_DSN, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	ctx := context.Background()
	setup(ctx, dsn)
	defer teardown(ctx, dsn)

	// The tables live in the scratch schema: search_path makes it current
	// for the schema check and for the statements.
	db, err := sql.Open("softdelete", "driver=pgx tables=posts,comments dsn="+withSearchPath(dsn))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	// Plain SQL, unchanged: the DELETE becomes an UPDATE that stamps
	// deleted_at, and the ON DELETE CASCADE key stamps post 2's comments.
	mustExec(ctx, db, `DELETE FROM posts WHERE title = $1`, "Spam")
	list(ctx, db, "live (default)")
	list(softdelete.WithOnlyDeleted(ctx), db, "trash (WithOnlyDeleted)")

	// Restore un-deletes the post and exactly the comments its DELETE took.
	if _, err := softdelete.Restore(ctx, db, "posts", "title = $1", "Spam"); err != nil {
		log.Fatal(err)
	}
	list(ctx, db, "live after Restore(title = 'Spam')")
}

// setup creates the scratch schema with two tables and their rows.
func setup(ctx context.Context, dsn string) {
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []string{
		`DROP SCHEMA IF EXISTS ` + schema + ` CASCADE`,
		`CREATE SCHEMA ` + schema,
		`CREATE TABLE ` + schema + `.posts (id serial PRIMARY KEY, title text NOT NULL, deleted_at timestamptz NULL)`,
		`CREATE TABLE ` + schema + `.comments (id serial PRIMARY KEY, post_id int NOT NULL REFERENCES ` + schema + `.posts (id) ON DELETE CASCADE,
			body text NOT NULL, deleted_at timestamptz NULL)`,
		`CREATE INDEX ON ` + schema + `.comments (post_id)`,
		`INSERT INTO ` + schema + `.posts (title) VALUES ('Hello'), ('Spam')`,
		`INSERT INTO ` + schema + `.comments (post_id, body) VALUES (1, 'first!'), (2, 'buy now'), (2, 'me too')`,
	} {
		mustExec(ctx, raw, q)
	}
}

// teardown drops the scratch schema.
func teardown(ctx context.Context, dsn string) {
	if raw, err := sql.Open("pgx", dsn); err == nil {
		raw.ExecContext(ctx, `DROP SCHEMA IF EXISTS `+schema+` CASCADE`)
		raw.Close()
	}
}

// withSearchPath adds search_path to a URL DSN.
func withSearchPath(dsn string) string {
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}

func mustExec(ctx context.Context, db *sql.DB, q string, args ...any) {
	if _, err := db.ExecContext(ctx, q, args...); err != nil {
		log.Fatalf("%s: %v", q, err)
	}
}

// list prints the posts and the comments the context's mode shows.
func list(ctx context.Context, db *sql.DB, title string) {
	fmt.Println(title + ":")
	fmt.Println("  posts:   ", strings.Join(column(ctx, db, `SELECT title FROM posts ORDER BY id`), ", "))
	fmt.Println("  comments:", strings.Join(column(ctx, db, `SELECT body FROM comments ORDER BY id`), ", "))
}

// column returns the first column of q's rows.
func column(ctx context.Context, db *sql.DB, q string) []string {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			log.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		log.Fatal(err)
	}
	return out
}
