package gormsoftdelete_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/softdelete-go/softdelete"
	"github.com/softdelete-go/softdelete/gormsoftdelete"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// TestFindHidesDeletedUnscopedShows: Find, First, Count, Pluck and Raw hide
// a soft-deleted row; in an Unscoped() chain they show it.
func TestFindHidesDeletedUnscopedShows(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f fixture) {
		seedAuthors(t, f)
		must(t, "delete 2", f.G.Delete(&Author{}, 2))

		wantIDs(t, "Find", authorIDs(t, "find", f.G), "1,3")
		wantIDs(t, "Unscoped().Find", authorIDs(t, "unscoped find", f.G.Unscoped()), "1,2,3")
		var a Author
		if err := f.G.First(&a, 2).Error; !errors.Is(err, gorm.ErrRecordNotFound) {
			t.Errorf("First(&a, 2) of a deleted author: %v, want gorm.ErrRecordNotFound", err)
		}
		must(t, "unscoped first", f.G.Unscoped().First(&a, 2))
		if a.Name != "bob" {
			t.Errorf("Unscoped().First(&a, 2): name %q, want bob", a.Name)
		}

		var live, all int64
		must(t, "count", f.G.Model(&Author{}).Count(&live))
		must(t, "unscoped count", f.G.Unscoped().Model(&Author{}).Count(&all))
		if live != 2 || all != 3 {
			t.Errorf("Count: %d, Unscoped().Count: %d; want 2 and 3", live, all)
		}

		var plucked, scanned []int64
		must(t, "unscoped pluck", f.G.Unscoped().Model(&Author{}).Pluck("id", &plucked))
		wantIDs(t, "Unscoped().Pluck", joinIDs(plucked), "1,2,3")
		must(t, "unscoped raw", f.G.Unscoped().Raw("SELECT id FROM authors").Scan(&scanned))
		wantIDs(t, "Unscoped().Raw(...).Scan", joinIDs(scanned), "1,2,3")
		scanned = nil
		must(t, "raw", f.G.Raw("SELECT id FROM authors").Scan(&scanned))
		wantIDs(t, "Raw(...).Scan", joinIDs(scanned), "1,3")
	})
}

// TestDeleteStampsUnscopedDeleteHardDeletes: Delete stamps; Unscoped().Delete
// really deletes, a live row and an already deleted one alike; a DELETE
// sent by Unscoped().Exec only stamps.
func TestDeleteStampsUnscopedDeleteHardDeletes(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f fixture) {
		seedAuthors(t, f)
		if n := must(t, "delete 2", f.G.Delete(&Author{}, 2)).RowsAffected; n != 1 {
			t.Errorf("Delete(&Author{}, 2): RowsAffected %d, want 1", n)
		}
		wantIDs(t, "raw rows after Delete(2)", rawIDs(t, f.Raw, "SELECT id FROM authors"), "1,2,3")
		wantIDs(t, "raw stamped rows after Delete(2)", rawIDs(t, f.Raw, "SELECT id FROM authors WHERE deleted_at IS NOT NULL"), "2")

		if n := must(t, "unscoped delete 3", f.G.Unscoped().Delete(&Author{}, 3)).RowsAffected; n != 1 {
			t.Errorf("Unscoped().Delete(&Author{}, 3): RowsAffected %d, want 1", n)
		}
		wantIDs(t, "raw rows after Unscoped().Delete(3) (live)", rawIDs(t, f.Raw, "SELECT id FROM authors"), "1,2")
		if n := must(t, "unscoped delete 2", f.G.Unscoped().Delete(&Author{ID: 2})).RowsAffected; n != 1 {
			t.Errorf("Unscoped().Delete(&Author{ID: 2}) of a deleted row: RowsAffected %d, want 1", n)
		}
		wantIDs(t, "raw rows after Unscoped().Delete(2) (deleted)", rawIDs(t, f.Raw, "SELECT id FROM authors"), "1")

		must(t, "unscoped exec", f.G.Unscoped().Exec("DELETE FROM authors WHERE id = ?", 1))
		wantIDs(t, "raw rows after Unscoped().Exec(DELETE) (a stamp)", rawIDs(t, f.Raw, "SELECT id FROM authors WHERE deleted_at IS NOT NULL"), "1")
	})
}

// TestUnscopedDeleteSubqueryIsRaw: the decision of the package doc. An
// unscoped Delete whose condition reads another soft-delete table is sent
// raw: the subquery sees deleted authors too, and it deletes exactly the
// rows that Unscoped().Find with the same condition shows. Naming the
// table instead keeps the subquery on live authors.
func TestUnscopedDeleteSubqueryIsRaw(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f fixture) {
		must(t, "create authors", f.G.Create(&[]Author{{ID: 1, Name: "bob"}, {ID: 2, Name: "bob"}, {ID: 3, Name: "ann"}}))
		must(t, "create articles", f.G.Create(&[]Article{
			{ID: 10, AuthorID: ptr(1), Title: "live bob"}, {ID: 11, AuthorID: ptr(2), Title: "deleted bob"},
			{ID: 12, AuthorID: ptr(3), Title: "ann"}, {ID: 13, AuthorID: ptr(1), Title: "deleted, live bob"},
		}))
		must(t, "delete author 2", f.G.Delete(&Author{}, 2))
		must(t, "delete article 13", f.G.Delete(&Article{}, 13))
		const bobs = "author_id IN (SELECT id FROM authors WHERE name = ?)"

		var preview []Article
		must(t, "unscoped find", f.G.Unscoped().Where(bobs, "bob").Find(&preview))
		wantIDs(t, "Unscoped().Where(bobs).Find", articleIDs(preview), "10,11,13")
		must(t, "unscoped delete", f.G.Unscoped().Where(bobs, "bob").Delete(&Article{}))
		wantIDs(t, "raw articles after Unscoped().Where(bobs).Delete", rawIDs(t, f.Raw, "SELECT id FROM articles"), "12")

		must(t, "create articles again", f.G.Create(&[]Article{
			{ID: 10, AuthorID: ptr(1), Title: "live bob"}, {ID: 11, AuthorID: ptr(2), Title: "deleted bob"},
			{ID: 13, AuthorID: ptr(1), Title: "deleted, live bob"},
		}))
		must(t, "delete article 13 again", f.G.Delete(&Article{}, 13))
		named := softdelete.WithForce(softdelete.WithIncludeDeleted(background, "articles"))
		must(t, "named delete", f.G.WithContext(named).Where(bobs, "bob").Delete(&Article{}))
		wantIDs(t, "raw articles after WithForce(WithIncludeDeleted(ctx, articles)) Delete", rawIDs(t, f.Raw, "SELECT id FROM articles"), "11,12")
	})
}

// TestUnscopedUpdate: an Update in an Unscoped() chain reaches deleted
// rows (GORM's restore idiom works); without Unscoped() it matches none.
func TestUnscopedUpdate(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f fixture) {
		seedAuthors(t, f)
		must(t, "delete", f.G.Delete(&Author{}, []int64{2, 3}))
		must(t, "unscoped create", f.G.Unscoped().Create(&Author{ID: 4, Name: "dan"}))
		if n := must(t, "update", f.G.Model(&Author{ID: 2}).Update("name", "bobby")).RowsAffected; n != 0 {
			t.Errorf("Update of a deleted row: RowsAffected %d, want 0", n)
		}
		if n := must(t, "unscoped update", f.G.Unscoped().Model(&Author{ID: 2}).Update("name", "bobby")).RowsAffected; n != 1 {
			t.Errorf("Unscoped().Update of a deleted row: RowsAffected %d, want 1", n)
		}
		wantIDs(t, "raw: bobby, still deleted", rawIDs(t, f.Raw, "SELECT id FROM authors WHERE name = 'bobby' AND deleted_at IS NOT NULL"), "2")
		must(t, "unscoped restore", f.G.Unscoped().Model(&Author{ID: 3}).Update("deleted_at", nil))
		wantIDs(t, "Find after Unscoped().Update(deleted_at, nil)", authorIDs(t, "find", f.G), "1,3,4")
	})
}

// TestRestoreThroughSQLDB: softdelete.Restore on the gorm.DB's *sql.DB.
func TestRestoreThroughSQLDB(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f fixture) {
		seedAuthors(t, f)
		must(t, "delete", f.G.Delete(&Author{}, []int64{2, 3}))
		sqlDB, err := f.G.DB()
		if err != nil {
			t.Fatal(err)
		}
		res, err := softdelete.Restore(background, sqlDB, "authors", "id = ?", 2)
		if err != nil {
			t.Fatalf("softdelete.Restore on db.DB(): %v", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Errorf("Restore: RowsAffected %d, want 1", n)
		}
		wantIDs(t, "Find after Restore(2)", authorIDs(t, "find", f.G), "1,2")
	})
}

// TestPreload: deleted children are left out of a Preload; Unscoped() on
// the parent query shows deleted parents and their deleted children, as
// GORM's own soft delete does.
func TestPreload(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f fixture) {
		must(t, "create", f.G.Create(&[]Author{
			{ID: 1, Name: "ann", Articles: []Article{{ID: 10, Title: "a"}, {ID: 11, Title: "b"}}},
			{ID: 2, Name: "bob", Articles: []Article{{ID: 20, Title: "c"}}},
		}))
		must(t, "delete article 11", f.G.Delete(&Article{}, 11))
		must(t, "delete author 2", f.G.Delete(&Author{}, 2))

		preloaded := func(tx *gorm.DB) string {
			t.Helper()
			var authors []Author
			must(t, "preload", tx.Preload("Articles").Order("id").Find(&authors))
			var s []string
			for _, a := range authors {
				s = append(s, a.Name+":"+articleIDs(a.Articles))
			}
			return strings.Join(s, " ")
		}
		if got, want := preloaded(f.G), "ann:10"; got != want {
			t.Errorf("Preload(Articles).Find: %q, want %q", got, want)
		}
		if got, want := preloaded(f.G.Unscoped()), "ann:10,11 bob:20"; got != want {
			t.Errorf("Unscoped().Preload(Articles).Find: %q, want %q", got, want)
		}
		var a Author
		must(t, "unscoped first", f.G.Unscoped().Preload("Articles").First(&a, 1))
		wantIDs(t, "Unscoped().Preload(Articles).First(1)", articleIDs(a.Articles), "10,11")
	})
}

// TestJoins: Joins("Author") is a LEFT JOIN of a belongs-to: a deleted
// author is NULL there (softdelete filters in the ON); with Unscoped() it
// appears.
func TestJoins(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f fixture) {
		seedAuthors(t, f)
		must(t, "create", f.G.Create(&[]Article{{ID: 10, AuthorID: ptr(1), Title: "a"}, {ID: 11, AuthorID: ptr(2), Title: "b"}}))
		must(t, "delete author 2", f.G.Delete(&Author{}, 2))

		authorsOf := func(tx *gorm.DB) string {
			t.Helper()
			var articles []Article
			must(t, "joins", tx.Joins("Author").Order("articles.id").Find(&articles))
			var s []string
			for _, ar := range articles {
				name := "<nil>"
				if ar.Author != nil {
					name = ar.Author.Name
				}
				s = append(s, ar.Title+":"+name)
			}
			return strings.Join(s, " ")
		}
		if got, want := authorsOf(f.G), "a:ann b:<nil>"; got != want {
			t.Errorf("Joins(Author).Find: %q, want %q", got, want)
		}
		if got, want := authorsOf(f.G.Unscoped()), "a:ann b:bob"; got != want {
			t.Errorf("Unscoped().Joins(Author).Find: %q, want %q", got, want)
		}
	})
}

// TestAssociation: Association Find and Count hide deleted children and
// show them in an Unscoped() chain; Delete and Clear of a has-many set the
// live children's foreign key to NULL (an UPDATE, which leaves deleted
// children alone); Unscoped()'s Association Delete hard-deletes them.
func TestAssociation(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f fixture) {
		ann := Author{ID: 1, Name: "ann", Articles: []Article{{ID: 10, Title: "a"}, {ID: 11, Title: "b"}, {ID: 12, Title: "c"}}}
		must(t, "create", f.G.Create(&ann))
		must(t, "delete article 11", f.G.Delete(&Article{}, 11))
		var updates []string
		err := f.G.Callback().Update().After("gorm:update").Register("test:capture", func(db *gorm.DB) {
			updates = append(updates, db.Dialector.Explain(db.Statement.SQL.String(), db.Statement.Vars...))
		})
		if err != nil {
			t.Fatal(err)
		}

		var found []Article
		noError(t, "association find", f.G.Model(&Author{ID: 1}).Association("Articles").Find(&found))
		wantIDs(t, "Association(Articles).Find", articleIDs(found), "10,12")
		if n := f.G.Model(&Author{ID: 1}).Association("Articles").Count(); n != 2 {
			t.Errorf("Association(Articles).Count: %d, want 2", n)
		}
		found = nil
		noError(t, "unscoped association find", f.G.Unscoped().Model(&Author{ID: 1}).Association("Articles").Find(&found))
		wantIDs(t, "Unscoped().Association(Articles).Find", articleIDs(found), "10,11,12")
		if n := f.G.Unscoped().Model(&Author{ID: 1}).Association("Articles").Count(); n != 3 {
			t.Errorf("Unscoped().Association(Articles).Count: %d, want 3", n)
		}

		err = f.G.Model(&Author{ID: 1}).Association("Articles").Delete(&Article{ID: 10}, &Article{ID: 11})
		if err != nil {
			t.Fatalf("Association(Articles).Delete: %v", err)
		}
		if len(updates) != 1 || !strings.HasPrefix(updates[0], "UPDATE") || !strings.Contains(updates[0], "SET `author_id`=NULL") {
			t.Errorf("Association(Articles).Delete sent %q, want one UPDATE setting author_id to NULL", updates)
		}
		wantIDs(t, "raw articles without author after Association Delete", rawIDs(t, f.Raw, "SELECT id FROM articles WHERE author_id IS NULL"), "10")
		wantIDs(t, "raw articles after Association Delete", rawIDs(t, f.Raw, "SELECT id FROM articles"), "10,11,12")

		if err := f.G.Model(&Author{ID: 1}).Association("Articles").Clear(); err != nil {
			t.Fatalf("Association(Articles).Clear: %v", err)
		}
		wantIDs(t, "raw articles without author after Clear", rawIDs(t, f.Raw, "SELECT id FROM articles WHERE author_id IS NULL"), "10,12")
		wantIDs(t, "raw: the deleted article keeps its author", rawIDs(t, f.Raw, "SELECT id FROM articles WHERE author_id = 1"), "11")

		must(t, "create bob", f.G.Create(&Author{ID: 2, Name: "bob", Articles: []Article{{ID: 20, Title: "d"}, {ID: 21, Title: "e"}, {ID: 22, Title: "f"}}}))
		must(t, "delete article 21", f.G.Delete(&Article{}, 21))
		err = f.G.Unscoped().Model(&Author{ID: 2}).Association("Articles").Delete(&Article{ID: 20}, &Article{ID: 21})
		if err != nil {
			t.Fatalf("Unscoped().Association(Articles).Delete: %v", err)
		}
		wantIDs(t, "raw articles of bob after Unscoped().Association Delete", rawIDs(t, f.Raw, "SELECT id FROM articles WHERE id >= 20"), "22")
	})
}

// TestTransaction: in db.Transaction a Delete hides the row from a Find at
// once and Unscoped() shows it; a rollback undoes the stamp and an
// unscoped Delete; a commit keeps them.
func TestTransaction(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f fixture) {
		seedAuthors(t, f)
		errRollback := errors.New("roll back")
		body := func(tx *gorm.DB) error {
			must(t, "delete in tx", tx.Delete(&Author{}, 2))
			wantIDs(t, "Find in the tx", authorIDs(t, "find in tx", tx), "1,3")
			wantIDs(t, "Unscoped().Find in the tx", authorIDs(t, "unscoped find in tx", tx.Unscoped()), "1,2,3")
			must(t, "unscoped delete in tx", tx.Unscoped().Delete(&Author{}, 3))
			wantIDs(t, "Unscoped().Find in the tx after Unscoped().Delete", authorIDs(t, "unscoped find in tx", tx.Unscoped()), "1,2")
			return nil
		}
		err := f.G.Transaction(func(tx *gorm.DB) error {
			if err := body(tx); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("Transaction: %v, want errRollback", err)
		}
		wantIDs(t, "raw rows after the rollback", rawIDs(t, f.Raw, "SELECT id FROM authors"), "1,2,3")
		wantIDs(t, "raw stamped rows after the rollback", rawIDs(t, f.Raw, "SELECT id FROM authors WHERE deleted_at IS NOT NULL"), "")

		if err := f.G.Transaction(body); err != nil {
			t.Fatalf("Transaction: %v", err)
		}
		wantIDs(t, "raw rows after the commit", rawIDs(t, f.Raw, "SELECT id FROM authors"), "1,2")
		wantIDs(t, "raw stamped rows after the commit", rawIDs(t, f.Raw, "SELECT id FROM authors WHERE deleted_at IS NOT NULL"), "2")

		err = f.G.Unscoped().Transaction(func(tx *gorm.DB) error {
			wantIDs(t, "Find in an Unscoped() transaction", authorIDs(t, "find", tx), "1,2")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// HookAuthor is authors with an AfterDelete hook that deletes the author's
// articles through GORM (no Unscoped()).
type HookAuthor struct {
	ID   int64
	Name string
}

// TableName puts HookAuthor on authors.
func (HookAuthor) TableName() string { return "authors" }

// AfterDelete deletes the author's articles with the hook's tx.
func (a *HookAuthor) AfterDelete(tx *gorm.DB) error {
	return tx.Exec("DELETE FROM articles WHERE author_id = ?", a.ID).Error
}

// TestHooksSeeCallersContext: the plugin puts the caller's context back
// right after GORM sends the statement, so an AfterDelete hook of an
// unscoped Delete runs its own DELETE under the caller's mode (a stamp),
// not raw, and a chain kept in a variable does not keep the mode.
func TestHooksSeeCallersContext(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f fixture) {
		seedAuthors(t, f)
		must(t, "create", f.G.Create(&[]Article{{ID: 10, AuthorID: ptr(1), Title: "a"}, {ID: 11, AuthorID: ptr(1), Title: "b"}}))
		must(t, "unscoped delete with hook", f.G.Unscoped().Delete(&HookAuthor{ID: 1}))
		wantIDs(t, "raw authors after Unscoped().Delete", rawIDs(t, f.Raw, "SELECT id FROM authors"), "2,3")
		wantIDs(t, "raw articles after the hook (stamped, not deleted)", rawIDs(t, f.Raw, "SELECT id FROM articles WHERE deleted_at IS NOT NULL"), "10,11")

		type ctxKey struct{}
		ctx := context.WithValue(background, ctxKey{}, "the caller's")
		chain := f.G.WithContext(ctx).Unscoped()
		must(t, "chain delete", chain.Delete(&Author{}, 2))
		must(t, "chain find", chain.Find(&[]Author{}))
		if chain.Statement.Context != ctx {
			t.Errorf("the chain's context after Delete and Find is not the caller's")
		}
	})
}

// TestDeletedAtModelWithPlugin: a model with gorm.DeletedAt on a listed
// table. With the plugin both mechanisms agree: Delete stamps (GORM's
// UPDATE), Find hides, Unscoped().Find shows, Unscoped().Delete really
// deletes, a live row and a deleted one alike.
func TestDeletedAtModelWithPlugin(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f fixture) {
		must(t, "create", f.G.Create(&[]Member{{ID: 1, Name: "ann"}, {ID: 2, Name: "bob"}, {ID: 3, Name: "cid"}}))
		must(t, "delete 2", f.G.Delete(&Member{}, 2))
		wantIDs(t, "raw stamped members", rawIDs(t, f.Raw, "SELECT id FROM members WHERE deleted_at IS NOT NULL"), "2")
		var members []Member
		must(t, "find", f.G.Find(&members))
		if len(members) != 2 {
			t.Errorf("Find: %d members, want 2", len(members))
		}
		must(t, "unscoped find", f.G.Unscoped().Find(&members))
		if len(members) != 3 {
			t.Errorf("Unscoped().Find: %d members, want 3", len(members))
		}
		must(t, "unscoped delete 2", f.G.Unscoped().Delete(&Member{}, 2))
		must(t, "unscoped delete 3", f.G.Unscoped().Delete(&Member{}, 3))
		wantIDs(t, "raw members after Unscoped().Delete(2, 3)", rawIDs(t, f.Raw, "SELECT id FROM members"), "1")
	})
}

// TestInitializeRefusesOtherDriver: the plugin on a gorm.DB that does not
// run on softdelete is an error naming the driver and the fix;
// SkipDriverCheck accepts it.
func TestInitializeRefusesOtherDriver(t *testing.T) {
	raw := openSQL(t, "sqlite3", t.TempDir()+"/plain.db")
	g, err := gorm.Open(sqlite.New(sqlite.Config{Conn: raw}), &gorm.Config{Logger: logger.Default.LogMode(logger.Silent)})
	if err != nil {
		t.Fatal(err)
	}
	err = g.Use(gormsoftdelete.New())
	if err == nil || !strings.Contains(err.Error(), "*sqlite3.SQLiteDriver") || !strings.Contains(err.Error(), `sql.Open("softdelete"`) {
		t.Errorf("Use on a plain sqlite3 gorm.DB: %v, want an error naming *sqlite3.SQLiteDriver and sql.Open(\"softdelete\", ...)", err)
	}
	g2, err := gorm.Open(sqlite.New(sqlite.Config{Conn: raw}), &gorm.Config{Logger: logger.Default.LogMode(logger.Silent)})
	if err != nil {
		t.Fatal(err)
	}
	if err := g2.Use(&gormsoftdelete.Plugin{SkipDriverCheck: true}); err != nil {
		t.Errorf("Use with SkipDriverCheck: %v", err)
	}
}

// TestDriverNameDSN: GORM opened with DriverName "softdelete" and a
// softdelete DSN passes the driver check.
func TestDriverNameDSN(t *testing.T) {
	path := t.TempDir() + "/dsn.db"
	createTables(t, openSQL(t, "sqlite3", path), schemas["sqlite"])
	g := openGORM(t, sqlite.New(sqlite.Config{DriverName: "softdelete", DSN: "driver=sqlite3 tables=authors,articles,members dsn=" + path}), &gorm.Config{})
	if sqlDB, err := g.DB(); err != nil {
		t.Fatal(err)
	} else if _, ok := sqlDB.Driver().(*softdelete.Driver); !ok {
		t.Fatalf("driver %T", sqlDB.Driver())
	}
}

// TestPrepareStmt: with GORM's PrepareStmt a statement prepared once runs
// under the mode of each call (softdelete rewrites prepared statements per
// execution), so Find and Unscoped().Find of the same SQL still differ.
func TestPrepareStmt(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f fixture) {
		g := openGORM(t, f.Dial(f.Soft), &gorm.Config{PrepareStmt: true})
		seedAuthors(t, fixture{G: g})
		must(t, "delete 2", g.Delete(&Author{}, 2))
		for i := 0; i < 2; i++ {
			wantIDs(t, "Find (PrepareStmt)", authorIDs(t, "find", g), "1,3")
			wantIDs(t, "Unscoped().Find (PrepareStmt)", authorIDs(t, "unscoped find", g.Unscoped()), "1,2,3")
		}
		must(t, "unscoped delete 2", g.Unscoped().Delete(&Author{}, 2))
		must(t, "delete 3", g.Delete(&Author{}, 3))
		wantIDs(t, "raw rows (PrepareStmt)", rawIDs(t, f.Raw, "SELECT id FROM authors"), "1,3")
	})
}

// TestUnscopedOverridesOnlyDeleted: Unscoped() puts WithIncludeDeleted over
// the context's mode, which clears WithOnlyDeleted (package doc: do not
// combine them).
func TestUnscopedOverridesOnlyDeleted(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f fixture) {
		seedAuthors(t, f)
		must(t, "delete 2", f.G.Delete(&Author{}, 2))
		only := f.G.WithContext(softdelete.WithOnlyDeleted(background))
		wantIDs(t, "WithOnlyDeleted Find", authorIDs(t, "only", only), "2")
		wantIDs(t, "WithOnlyDeleted + Unscoped() Find", authorIDs(t, "only unscoped", only.Unscoped()), "1,2,3")
	})
}
