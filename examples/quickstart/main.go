// Command quickstart shows softdelete on an embedded SQLite database: a
// DELETE that stamps instead of deleting, hidden rows, the include-deleted
// and trash views, restore, and a forced hard delete.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"

	_ "github.com/mattn/go-sqlite3"
	"github.com/softdelete-go/softdelete"
)

func main() {
	dir, err := os.MkdirTemp("", "softdelete-quickstart")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// One line of configuration: the inner driver, the soft-delete tables
	// and the inner DSN.
	db, err := sql.Open("softdelete", "driver=sqlite3 tables=posts dsn="+filepath.Join(dir, "blog.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()

	mustExec(ctx, db, `CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL, deleted_at DATETIME)`)
	mustExec(ctx, db, `INSERT INTO posts (title) VALUES ('Hello'), ('Draft'), ('Spam')`)

	// Plain SQL, unchanged: this DELETE becomes an UPDATE that stamps deleted_at.
	mustExec(ctx, db, `DELETE FROM posts WHERE title IN (?, ?)`, "Draft", "Spam")
	list(ctx, db, "live posts (default)")
	list(softdelete.WithIncludeDeleted(ctx), db, "all posts (WithIncludeDeleted)")
	list(softdelete.WithOnlyDeleted(ctx), db, "trash (WithOnlyDeleted)")

	if _, err := softdelete.Restore(ctx, db, "posts", "title = ?", "Draft"); err != nil {
		log.Fatal(err)
	}
	list(ctx, db, "live posts after Restore(title = 'Draft')")

	// A real DELETE of what is in the trash: WithForce on the trash view.
	mustExec(softdelete.WithForce(softdelete.WithOnlyDeleted(ctx)), db, `DELETE FROM posts`)
	list(softdelete.WithIncludeDeleted(ctx), db, "all posts after emptying the trash (WithForce + WithOnlyDeleted)")
}

func mustExec(ctx context.Context, db *sql.DB, q string, args ...any) {
	if _, err := db.ExecContext(ctx, q, args...); err != nil {
		log.Fatalf("%s: %v", q, err)
	}
}

func list(ctx context.Context, db *sql.DB, title string) {
	rows, err := db.QueryContext(ctx, `SELECT id, title, deleted_at IS NOT NULL FROM posts ORDER BY id`)
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	fmt.Println(title + ":")
	for rows.Next() {
		var id int
		var t string
		var deleted bool
		if err := rows.Scan(&id, &t, &deleted); err != nil {
			log.Fatal(err)
		}
		mark := ""
		if deleted {
			mark = "  (deleted)"
		}
		fmt.Printf("  %d %s%s\n", id, t, mark)
	}
	if err := rows.Err(); err != nil {
		log.Fatal(err)
	}
}
