package softdelete_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/softdelete-go/softdelete"
)

type dummyConnector struct{}

func (dummyConnector) Connect(context.Context) (driver.Conn, error) { return nil, driver.ErrBadConn }
func (dummyConnector) Driver() driver.Driver                        { return nil }

func exampleDB() (*sql.DB, func()) {
	dir, err := os.MkdirTemp("", "softdelete-example")
	if err != nil {
		log.Fatal(err)
	}
	db, err := sql.Open("softdelete", "driver=sqlite3 tables=posts dsn="+filepath.Join(dir, "blog.db"))
	if err != nil {
		log.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT, deleted_at DATETIME)`,
		`INSERT INTO posts (title) VALUES ('Hello'), ('Draft')`,
	} {
		if _, err := db.Exec(q); err != nil {
			log.Fatal(err)
		}
	}
	return db, func() { db.Close(); os.RemoveAll(dir) }
}

func count(ctx context.Context, db *sql.DB) int {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM posts`).Scan(&n); err != nil {
		log.Fatal(err)
	}
	return n
}

// Open the softdelete driver over SQLite, and a DELETE stamps deleted_at
// instead of deleting; reads no longer see the row.
func Example() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()

	if _, err := db.ExecContext(ctx, `DELETE FROM posts WHERE title = ?`, "Draft"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("live:", count(ctx, db))
	fmt.Println("with deleted:", count(softdelete.WithIncludeDeleted(ctx), db))
	fmt.Println("trash:", count(softdelete.WithOnlyDeleted(ctx), db))
	// Output:
	// live: 1
	// with deleted: 2
	// trash: 1
}

func ExampleWithForce() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()

	// A hard DELETE: the row is gone, even for WithIncludeDeleted.
	if _, err := db.ExecContext(softdelete.WithForce(ctx), `DELETE FROM posts WHERE title = 'Draft'`); err != nil {
		log.Fatal(err)
	}
	fmt.Println(count(softdelete.WithIncludeDeleted(ctx), db))
	// Output: 1
}

func ExampleRestore() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()

	if _, err := db.ExecContext(ctx, `DELETE FROM posts`); err != nil {
		log.Fatal(err)
	}
	res, err := softdelete.Restore(ctx, db, "posts", "title = ?", "Hello")
	if err != nil {
		log.Fatal(err)
	}
	n, _ := res.RowsAffected()
	fmt.Println(n, count(ctx, db))
	// Output: 1 1
}

func ExampleConnector_Rewrite() {
	c, err := softdelete.NewConnector(softdelete.Config{
		DriverName: "sqlite3",
		DSN:        ":memory:",
		Tables:     []string{"users", "posts"},
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	for _, q := range []string{
		`SELECT u.name, p.title FROM users u LEFT JOIN posts p ON p.user_id = u.id`,
		`DELETE FROM posts WHERE id = ?`,
	} {
		out, err := c.Rewrite(ctx, q)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(out)
	}
	_, err = c.Rewrite(ctx, `WITH x(n) AS (VALUES (1)) DELETE FROM posts`)
	fmt.Println(err != nil)
	// Output:
	// select u.name, p.title from users as u left join posts as p on (p.user_id = u.id) and p.deleted_at is null where u.deleted_at is null
	// update posts set deleted_at = strftime('%Y-%m-%d %H:%M:%f', 'now') where (id = ?) and posts.deleted_at is null
	// true
}

func ExampleWithOnlyDeleted() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()

	if _, err := db.ExecContext(ctx, `DELETE FROM posts WHERE title = 'Draft'`); err != nil {
		log.Fatal(err)
	}
	var title string
	if err := db.QueryRowContext(softdelete.WithOnlyDeleted(ctx), `SELECT title FROM posts`).Scan(&title); err != nil {
		log.Fatal(err)
	}
	fmt.Println(title)
	// Output: Draft
}
