package softdelete_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/softdelete-go/softdelete"
)

func ExamplePurge() {
	dir, err := os.MkdirTemp("", "softdelete-purge")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("softdelete", "driver=sqlite3 tables=posts dsn="+filepath.Join(dir, "blog.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for _, q := range []string{
		`CREATE TABLE posts (id INTEGER PRIMARY KEY, deleted_at DATETIME)`,
		`INSERT INTO posts (id, deleted_at) VALUES (1, NULL), (2, '2020-01-01 00:00:00.000'), (3, '2020-01-02 00:00:00.000')`,
		`DELETE FROM posts WHERE id = 1`, // deleted now: kept
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			log.Fatal(err)
		}
	}
	// Hard-delete what was soft-deleted more than 30 days ago.
	res, err := softdelete.Purge(ctx, db, "posts", time.Now().Add(-30*24*time.Hour), &softdelete.PurgeOptions{
		BatchSize: 500,
		Progress:  func(p softdelete.PurgeProgress) { fmt.Printf("%s: batch %d, %d rows\n", p.Table, p.Batch, p.Rows) },
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("purged:", res.Rows["posts"])
	// Output:
	// posts: batch 1, 2 rows
	// purged: 2
}
