package gormbench

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/softdelete-go/softdelete"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// MigratedAuthor (table authors) is the model after a migration that changes the type of age
// (text to integer). Its soft delete is softdelete's, not GORM's.
type MigratedAuthor struct {
	ID        int64
	Name      string
	Age       int64
	DeletedAt *time.Time
}

// TableName keeps the model on the authors table.
func (MigratedAuthor) TableName() string { return "authors" }

// TestAutoMigrateRebuildKeepsDeletedRows: GORM's SQLite migrator changes a
// column's type by rebuilding the table (CREATE authors__temp, INSERT ...
// SELECT, DROP TABLE authors, ALTER TABLE authors__temp RENAME TO authors)
// in one transaction. Through softdelete the copy used to be filtered, and
// the soft-deleted rows were gone without an error. Now the DROP TABLE is
// refused: AutoMigrate returns the refusal, the transaction rolls back and
// the table is unchanged. Under WithForce(WithIncludeDeleted(ctx)) the
// migration runs raw and keeps every row.
func TestAutoMigrateRebuildKeepsDeletedRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "migrate.db")
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []string{
		"CREATE TABLE `authors` (`id` integer PRIMARY KEY AUTOINCREMENT, `name` text, `age` text, `deleted_at` datetime)",
		"INSERT INTO authors (id, name, age, deleted_at) VALUES (1, 'ann', '30', NULL), (2, 'bob', '40', '2020-01-01 00:00:00'), (3, 'cid', '50', NULL)",
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	g, err := gorm.Open(sqlite.New(sqlite.Config{DriverName: "softdelete", DSN: "driver=sqlite3 tables=authors dsn=" + path}),
		&gorm.Config{Logger: logger.Default.LogMode(logger.Silent)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	err = g.WithContext(ctx).AutoMigrate(&MigratedAuthor{})
	var re *softdelete.RefusedError
	if !errors.As(err, &re) || re.Table != "authors" || !strings.Contains(err.Error(), "DROP TABLE") ||
		!strings.Contains(err.Error(), "softdelete.WithForce(softdelete.WithIncludeDeleted(ctx))") {
		t.Fatalf("AutoMigrate through softdelete: %v, want the refusal of DROP TABLE authors", err)
	}
	wantTable(t, raw, "text", "1,2,3")

	err = g.WithContext(softdelete.WithForce(softdelete.WithIncludeDeleted(ctx))).AutoMigrate(&MigratedAuthor{})
	if err != nil {
		t.Fatalf("AutoMigrate under WithForce(WithIncludeDeleted(ctx)): %v", err)
	}
	wantTable(t, raw, "integer", "1,2,3")

	var live []MigratedAuthor
	if err := g.WithContext(ctx).Order("id").Find(&live).Error; err != nil {
		t.Fatal(err)
	}
	if len(live) != 2 || live[0].ID != 1 || live[1].ID != 3 || live[1].Age != 50 {
		t.Fatalf("live authors after the migration: %+v, want 1 and 3", live)
	}
}

// wantTable checks, on the raw database, the type of authors.age, that
// every row is there (soft-deleted bob included, still deleted) and that
// no authors__temp is left.
func wantTable(t *testing.T, raw *sql.DB, ageType, ids string) {
	t.Helper()
	var typ string
	if err := raw.QueryRow("SELECT type FROM pragma_table_info('authors') WHERE name = 'age'").Scan(&typ); err != nil {
		t.Fatal(err)
	}
	if !strings.EqualFold(typ, ageType) {
		t.Errorf("authors.age is %s, want %s", typ, ageType)
	}
	var got string
	var deleted int
	if err := raw.QueryRow("SELECT group_concat(id, ','), count(deleted_at) FROM (SELECT id, deleted_at FROM authors ORDER BY id)").Scan(&got, &deleted); err != nil {
		t.Fatal(err)
	}
	if got != ids || deleted != 1 {
		t.Errorf("authors = %s with %d deleted, want %s with 1 deleted", got, deleted, ids)
	}
	var temp int
	if err := raw.QueryRow("SELECT count(*) FROM sqlite_master WHERE name = 'authors__temp'").Scan(&temp); err != nil {
		t.Fatal(err)
	}
	if temp != 0 {
		t.Errorf("authors__temp left behind")
	}
}
