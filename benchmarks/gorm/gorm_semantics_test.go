package gormbench

// How GORM behaves on top of softdelete: the statements of README's "GORM"
// section, each proved here on a real SQLite file.
//
//	cd benchmarks/gorm && go test -count=1 ./...

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/softdelete-go/softdelete"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Author is a model WITHOUT gorm.DeletedAt on the softdelete-listed table
// authors: softdelete alone does the soft delete.
type Author struct {
	ID       int64
	Name     string
	Articles []Article
}

// Article is a model without gorm.DeletedAt on the listed table articles.
type Article struct {
	ID       int64
	AuthorID int64
	Title    string
}

// Member is a model WITH gorm.DeletedAt on the listed table members: GORM's
// soft delete and softdelete's both apply.
type Member struct {
	ID        int64
	Name      string
	DeletedAt gorm.DeletedAt
}

// gormSchema is run raw, as migrations should be (see TestGORMMigrationRaw).
var gormSchema = []string{
	`CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL, deleted_at DATETIME)`,
	`CREATE TABLE articles (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL, title TEXT NOT NULL, deleted_at DATETIME)`,
	`CREATE TABLE members (id INTEGER PRIMARY KEY, name TEXT NOT NULL, deleted_at DATETIME)`,
}

// gormFixture is a SQLite file with gormSchema, open through GORM on
// softdelete (G, tables=authors,articles,members) and raw (Raw).
type gormFixture struct {
	G   *gorm.DB
	Raw *sql.DB
}

// openGORM creates the file, runs gormSchema raw, and opens GORM on a
// softdelete *sql.DB.
func openGORM(t *testing.T) gormFixture {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gorm.db") + "?_busy_timeout=5000"
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	for _, q := range gormSchema {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	soft, err := sql.Open("softdelete", "driver=sqlite3 tables=authors,articles,members dsn="+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { soft.Close() })
	g, err := gorm.Open(sqlite.New(sqlite.Config{Conn: soft}), &gorm.Config{Logger: logger.Default.LogMode(logger.Silent)})
	if err != nil {
		t.Fatal(err)
	}
	return gormFixture{G: g, Raw: raw}
}

// must fails the test when a GORM call failed.
func must(t *testing.T, what string, tx *gorm.DB) *gorm.DB {
	t.Helper()
	if tx.Error != nil {
		t.Fatalf("%s: %v", what, tx.Error)
	}
	return tx
}

// rawIDs returns the ids a raw query selects, joined by commas.
func rawIDs(t *testing.T, raw *sql.DB, query string) string {
	t.Helper()
	rows, err := raw.Query(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, fmt.Sprint(id))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(ids, ",")
}

// wantIDs fails the test unless got is want.
func wantIDs(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s: ids [%s], want [%s]", what, got, want)
	}
}

// authorIDs runs Find on authors through tx and returns the ids.
func authorIDs(t *testing.T, what string, tx *gorm.DB) string {
	t.Helper()
	var authors []Author
	must(t, what, tx.Order("id").Find(&authors))
	ids := make([]string, len(authors))
	for i, a := range authors {
		ids[i] = fmt.Sprint(a.ID)
	}
	return strings.Join(ids, ",")
}

// memberIDs runs Find on members through tx and returns the ids.
func memberIDs(t *testing.T, what string, tx *gorm.DB) string {
	t.Helper()
	var members []Member
	must(t, what, tx.Order("id").Find(&members))
	ids := make([]string, len(members))
	for i, m := range members {
		ids[i] = fmt.Sprint(m.ID)
	}
	return strings.Join(ids, ",")
}

// TestGORMPlainModel: with a model without gorm.DeletedAt, db.Delete stamps
// (the row stays), Find hides it, Unscoped() still hides it and does not
// hard-delete, WithIncludeDeleted/WithOnlyDeleted show it, WithForce
// hard-deletes.
func TestGORMPlainModel(t *testing.T) {
	f := openGORM(t)
	ctx := context.Background()
	must(t, "create", f.G.Create(&[]Author{{ID: 1, Name: "ann"}, {ID: 2, Name: "bob"}, {ID: 3, Name: "cid"}}))

	if n := must(t, "delete 2", f.G.Delete(&Author{}, 2)).RowsAffected; n != 1 {
		t.Errorf("db.Delete(&Author{}, 2): RowsAffected %d, want 1", n)
	}
	wantIDs(t, "raw: stamped rows after db.Delete", rawIDs(t, f.Raw, "SELECT id FROM authors WHERE deleted_at IS NOT NULL"), "2")
	wantIDs(t, "raw: all rows after db.Delete", rawIDs(t, f.Raw, "SELECT id FROM authors ORDER BY id"), "1,2,3")

	wantIDs(t, "db.Find", authorIDs(t, "find", f.G), "1,3")
	wantIDs(t, "db.Unscoped().Find", authorIDs(t, "unscoped find", f.G.Unscoped()), "1,3")
	wantIDs(t, "WithIncludeDeleted Find", authorIDs(t, "include", f.G.WithContext(softdelete.WithIncludeDeleted(ctx))), "1,2,3")
	wantIDs(t, "WithOnlyDeleted Find", authorIDs(t, "only", f.G.WithContext(softdelete.WithOnlyDeleted(ctx))), "2")
	var a Author
	if err := f.G.First(&a, 2).Error; !errors.Is(err, gorm.ErrRecordNotFound) {
		t.Errorf("db.First(&a, 2) of a deleted author: %v, want gorm.ErrRecordNotFound", err)
	}

	must(t, "unscoped delete 3", f.G.Unscoped().Delete(&Author{}, 3))
	wantIDs(t, "raw: all rows after db.Unscoped().Delete(3)", rawIDs(t, f.Raw, "SELECT id FROM authors ORDER BY id"), "1,2,3")
	wantIDs(t, "raw: stamped rows after db.Unscoped().Delete(3)", rawIDs(t, f.Raw, "SELECT id FROM authors WHERE deleted_at IS NOT NULL ORDER BY id"), "2,3")

	must(t, "force delete 1", f.G.WithContext(softdelete.WithForce(ctx)).Delete(&Author{}, 1))
	wantIDs(t, "raw: all rows after WithForce Delete(1)", rawIDs(t, f.Raw, "SELECT id FROM authors ORDER BY id"), "2,3")
	must(t, "force delete 2 (deleted: WithForce alone sees live rows only)", f.G.WithContext(softdelete.WithForce(ctx)).Delete(&Author{}, 2))
	wantIDs(t, "raw: all rows after WithForce Delete(2)", rawIDs(t, f.Raw, "SELECT id FROM authors ORDER BY id"), "2,3")
	must(t, "purge 2", f.G.WithContext(softdelete.WithForce(softdelete.WithOnlyDeleted(ctx))).Delete(&Author{}, 2))
	wantIDs(t, "raw: all rows after the purge of 2", rawIDs(t, f.Raw, "SELECT id FROM authors ORDER BY id"), "3")
}

// TestGORMRestore: GORM's own "restore", an Update of deleted_at to NULL,
// matches no row by default (deleted rows do not exist); under
// WithOnlyDeleted, or with softdelete.Restore, it restores.
func TestGORMRestore(t *testing.T) {
	f := openGORM(t)
	ctx := context.Background()
	must(t, "create", f.G.Create(&[]Author{{ID: 1, Name: "ann"}, {ID: 2, Name: "bob"}}))
	must(t, "delete", f.G.Delete(&Author{}, []int64{1, 2}))

	if n := must(t, "update", f.G.Model(&Author{ID: 1}).Update("deleted_at", nil)).RowsAffected; n != 0 {
		t.Errorf("Update(deleted_at, nil) without a mode: RowsAffected %d, want 0", n)
	}
	only := f.G.WithContext(softdelete.WithOnlyDeleted(ctx))
	if n := must(t, "update", only.Model(&Author{ID: 1}).Update("deleted_at", nil)).RowsAffected; n != 1 {
		t.Errorf("Update(deleted_at, nil) under WithOnlyDeleted: RowsAffected %d, want 1", n)
	}
	sqlDB, err := f.G.DB()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := softdelete.Restore(ctx, sqlDB, "authors", "id = ?", 2); err != nil {
		t.Fatalf("softdelete.Restore on db.DB(): %v", err)
	}
	wantIDs(t, "db.Find after both restores", authorIDs(t, "find", f.G), "1,2")
}

// TestGORMPreload: Preload runs its own SELECT of the associated table,
// which softdelete filters like any other; the context's mode reaches it.
func TestGORMPreload(t *testing.T) {
	f := openGORM(t)
	ctx := context.Background()
	must(t, "create", f.G.Create(&Author{ID: 1, Name: "ann", Articles: []Article{{ID: 10, Title: "a"}, {ID: 11, Title: "b"}}}))
	must(t, "delete", f.G.Delete(&Article{}, 11))

	titles := func(tx *gorm.DB) string {
		t.Helper()
		var a Author
		must(t, "preload", tx.Preload("Articles").First(&a, 1))
		var ts []string
		for _, ar := range a.Articles {
			ts = append(ts, ar.Title)
		}
		return strings.Join(ts, ",")
	}
	if got := titles(f.G); got != "a" {
		t.Errorf("Preload(Articles): %q, want \"a\" (the deleted article hidden)", got)
	}
	if got := titles(f.G.WithContext(softdelete.WithIncludeDeleted(ctx))); got != "a,b" {
		t.Errorf("Preload(Articles) under WithIncludeDeleted: %q, want \"a,b\"", got)
	}
	if got := titles(f.G.WithContext(softdelete.WithIncludeDeleted(ctx, "articles"))); got != "a,b" {
		t.Errorf("Preload(Articles) under WithIncludeDeleted(ctx, \"articles\"): %q, want \"a,b\"", got)
	}
}

// errRollback makes a GORM Transaction roll back.
var errRollback = errors.New("roll back")

// TestGORMTransaction: inside db.Transaction a soft delete hides the row at
// once and rolls back with the transaction; the mode of WithContext
// applies to every statement of the transaction.
func TestGORMTransaction(t *testing.T) {
	f := openGORM(t)
	ctx := context.Background()
	must(t, "create", f.G.Create(&[]Author{{ID: 1, Name: "ann"}, {ID: 2, Name: "bob"}}))

	err := f.G.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		must(t, "delete in tx", tx.Delete(&Author{}, 2))
		wantIDs(t, "Find in the tx after the delete", authorIDs(t, "find in tx", tx), "1")
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("Transaction: %v, want errRollback", err)
	}
	wantIDs(t, "Find after the rollback", authorIDs(t, "find", f.G), "1,2")

	if err := f.G.Transaction(func(tx *gorm.DB) error { return tx.Delete(&Author{}, 2).Error }); err != nil {
		t.Fatalf("Transaction: %v", err)
	}
	wantIDs(t, "Find after the commit", authorIDs(t, "find", f.G), "1")

	err = f.G.WithContext(softdelete.WithIncludeDeleted(ctx)).Transaction(func(tx *gorm.DB) error {
		wantIDs(t, "Find in a WithIncludeDeleted tx", authorIDs(t, "find in tx", tx), "1,2")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestGORMDeletedAtModelOnListedTable: a model with gorm.DeletedAt on a
// listed table gets both mechanisms. GORM's Delete is its own UPDATE (GORM's
// clock); reads carry both filters, so seeing deleted rows takes Unscoped()
// AND WithIncludeDeleted; Unscoped().Delete is turned into a stamp by
// softdelete, so a hard delete takes Unscoped() AND WithForce.
func TestGORMDeletedAtModelOnListedTable(t *testing.T) {
	f := openGORM(t)
	ctx := context.Background()
	must(t, "create", f.G.Create(&[]Member{{ID: 1, Name: "ann"}, {ID: 2, Name: "bob"}, {ID: 3, Name: "cid"}, {ID: 4, Name: "dan"}}))

	must(t, "delete 2", f.G.Delete(&Member{}, 2))
	wantIDs(t, "raw: stamped after db.Delete", rawIDs(t, f.Raw, "SELECT id FROM members WHERE deleted_at IS NOT NULL"), "2")
	include := softdelete.WithIncludeDeleted(ctx)
	wantIDs(t, "db.Find", memberIDs(t, "find", f.G), "1,3,4")
	wantIDs(t, "db.Unscoped().Find (softdelete still filters)", memberIDs(t, "unscoped", f.G.Unscoped()), "1,3,4")
	wantIDs(t, "WithIncludeDeleted Find (GORM still filters)", memberIDs(t, "include", f.G.WithContext(include)), "1,3,4")
	wantIDs(t, "Unscoped + WithIncludeDeleted Find", memberIDs(t, "both", f.G.Unscoped().WithContext(include)), "1,2,3,4")

	must(t, "unscoped delete 3", f.G.Unscoped().Delete(&Member{}, 3))
	wantIDs(t, "raw: all rows after Unscoped().Delete(3) (stamped, not deleted)", rawIDs(t, f.Raw, "SELECT id FROM members ORDER BY id"), "1,2,3,4")
	must(t, "force delete 4", f.G.WithContext(softdelete.WithForce(ctx)).Delete(&Member{}, 4))
	wantIDs(t, "raw: all rows after WithForce Delete(4) (GORM sent an UPDATE)", rawIDs(t, f.Raw, "SELECT id FROM members ORDER BY id"), "1,2,3,4")
	wantIDs(t, "raw: stamped rows", rawIDs(t, f.Raw, "SELECT id FROM members WHERE deleted_at IS NOT NULL ORDER BY id"), "2,3,4")
	must(t, "unscoped force delete 1", f.G.Unscoped().WithContext(softdelete.WithForce(ctx)).Delete(&Member{}, 1))
	wantIDs(t, "raw: all rows after Unscoped + WithForce Delete(1)", rawIDs(t, f.Raw, "SELECT id FROM members ORDER BY id"), "2,3,4")
}

// TestGORMMigrationRaw: GORM's SQLite migrator drops or changes a column
// by copying the table (INSERT INTO t__temp SELECT ... FROM t; DROP TABLE
// t; rename). Through softdelete that SELECT sees live rows only, and the
// DROP TABLE takes the deleted rows with it; through a raw GORM (plain
// sqlite3 driver, same file) the migration keeps them. README: run
// migrations raw.
func TestGORMMigrationRaw(t *testing.T) {
	t.Run("through softdelete: deleted rows lost", func(t *testing.T) {
		f := openGORM(t)
		must(t, "create", f.G.Create(&[]Author{{ID: 1, Name: "ann"}, {ID: 2, Name: "bob"}}))
		must(t, "delete", f.G.Delete(&Author{}, 2))
		err := f.G.Migrator().DropColumn(&Author{}, "name")
		if errors.Is(err, softdelete.ErrRefused) {
			t.Logf("softdelete refused the migration (README may relax its warning): %v", err)
			return
		}
		if err != nil {
			t.Fatalf("migration through softdelete: %v", err)
		}
		// The hazard README warns about: if this fails, the copy kept the
		// deleted rows and the warning can be relaxed.
		wantIDs(t, "raw: rows after a migration through softdelete", rawIDs(t, f.Raw, "SELECT id FROM authors ORDER BY id"), "1")
	})
	t.Run("raw: deleted rows kept", func(t *testing.T) {
		f := openGORM(t)
		must(t, "create", f.G.Create(&[]Author{{ID: 1, Name: "ann"}, {ID: 2, Name: "bob"}}))
		must(t, "delete", f.G.Delete(&Author{}, 2))
		rawGORM, err := gorm.Open(sqlite.New(sqlite.Config{Conn: f.Raw}), &gorm.Config{Logger: logger.Default.LogMode(logger.Silent)})
		if err != nil {
			t.Fatal(err)
		}
		if err := rawGORM.Migrator().DropColumn(&Author{}, "name"); err != nil {
			t.Fatalf("raw migration: %v", err)
		}
		wantIDs(t, "raw: rows after the raw migration", rawIDs(t, f.Raw, "SELECT id FROM authors ORDER BY id"), "1,2")
		wantIDs(t, "raw: stamped rows after the raw migration", rawIDs(t, f.Raw, "SELECT id FROM authors WHERE deleted_at IS NOT NULL"), "2")
	})
}

// TestGORMSaveOfDeletedRow: db.Save of a struct whose row was soft-deleted
// meanwhile: GORM's UPDATE matches no row (softdelete hides it), so GORM
// falls back to INSERT ... ON CONFLICT (id) DO UPDATE, which softdelete
// leaves as written (README, known limits: upserts can meet a deleted
// row). The deleted row takes the new values and stays deleted; it is not
// resurrected.
func TestGORMSaveOfDeletedRow(t *testing.T) {
	f := openGORM(t)
	must(t, "create", f.G.Create(&[]Author{{ID: 1, Name: "ann"}, {ID: 2, Name: "bob"}}))
	var a Author
	must(t, "first", f.G.First(&a, 2))
	must(t, "delete", f.G.Delete(&Author{}, 2))

	a.Name = "bobby"
	err := f.G.Save(&a).Error
	if errors.Is(err, softdelete.ErrRefused) {
		t.Logf("softdelete refused the upsert (README may drop this caveat): %v", err)
		return
	}
	if err != nil {
		t.Fatalf("Save: %v", err)
	}
	var name string
	var deleted sql.NullString
	if err := f.Raw.QueryRow("SELECT name, deleted_at FROM authors WHERE id = 2").Scan(&name, &deleted); err != nil {
		t.Fatal(err)
	}
	if name != "bobby" || !deleted.Valid {
		t.Errorf("raw row 2 after Save: name %q, deleted_at %v; want \"bobby\" and still deleted", name, deleted)
	}
	wantIDs(t, "db.Find after Save", authorIDs(t, "find", f.G), "1")
}
