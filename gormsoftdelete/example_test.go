package gormsoftdelete_test

import (
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"

	_ "github.com/mattn/go-sqlite3"
	"github.com/softdelete-go/softdelete/gormsoftdelete"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// User is a model of the listed table users: no gorm.DeletedAt, softdelete
// does the soft delete.
type User struct {
	ID   int64
	Name string
}

// Example opens GORM on a softdelete *sql.DB, uses the plugin, and shows
// what Delete, Find, Unscoped().Find and Unscoped().Delete do.
func Example() {
	dir, err := os.MkdirTemp("", "gormsoftdelete")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "app.db")

	// The schema, raw (migrations run on the inner driver).
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		log.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, deleted_at DATETIME)`); err != nil {
		log.Fatal(err)
	}

	sqlDB, err := sql.Open("softdelete", "driver=sqlite3 tables=users dsn="+path)
	if err != nil {
		log.Fatal(err)
	}
	defer sqlDB.Close()
	db, err := gorm.Open(sqlite.New(sqlite.Config{Conn: sqlDB}), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		log.Fatal(err)
	}
	if err := db.Use(gormsoftdelete.New()); err != nil {
		log.Fatal(err)
	}

	db.Create(&[]User{{ID: 1, Name: "ann"}, {ID: 2, Name: "bob"}, {ID: 3, Name: "cid"}})
	db.Delete(&User{}, 2) // stamps users.deleted_at

	var users []User
	db.Order("id").Find(&users)
	fmt.Println("Find:", names(users))
	db.Unscoped().Order("id").Find(&users) // WithIncludeDeleted
	fmt.Println("Unscoped().Find:", names(users))

	db.Unscoped().Delete(&User{}, 2) // WithForce(WithIncludeDeleted): a real DELETE
	var left int
	raw.QueryRow(`SELECT count(*) FROM users`).Scan(&left)
	fmt.Println("rows left after Unscoped().Delete:", left)
	// Output:
	// Find: [ann cid]
	// Unscoped().Find: [ann bob cid]
	// rows left after Unscoped().Delete: 2
}

// names returns the users' names.
func names(users []User) []string {
	s := make([]string, len(users))
	for i, u := range users {
		s[i] = u.Name
	}
	return s
}
