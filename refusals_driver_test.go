package softdelete_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/softdelete-go/softdelete"
)

// TestPreparedPlainStatementChecksTheMode: a prepared statement that names
// no soft-delete table gets the same mode check as db.Exec, which used to be
// skipped.
func TestPreparedPlainStatementChecksTheMode(t *testing.T) {
	db, _ := openSQLite(t)
	ctx := context.Background()
	for _, q := range []string{"SELECT name FROM tags WHERE id = ?", "UPDATE tags SET name = name WHERE id = ?"} {
		stmt, err := db.PrepareContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer stmt.Close()
		for _, c := range []struct {
			ctx  context.Context
			want string
		}{
			{softdelete.WithIncludeDeleted(ctx, "nosuch"), `WithIncludeDeleted names "nosuch", which is not a soft-delete table`},
			{softdelete.WithOnlyDeleted(ctx, "tags"), `WithOnlyDeleted names "tags"`},
			{softdelete.WithOnlyDeleted(ctx), "names no soft-delete table"},
			{softdelete.WithForce(softdelete.WithOnlyDeleted(ctx)), "names no soft-delete table"},
		} {
			_, dbErr := db.ExecContext(c.ctx, q, 1)
			_, stmtErr := stmt.ExecContext(c.ctx, 1)
			rows, queryErr := stmt.QueryContext(c.ctx, 1)
			if queryErr == nil {
				rows.Close()
			}
			for what, err := range map[string]error{"db.Exec": dbErr, "stmt.Exec": stmtErr, "stmt.Query": queryErr} {
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Errorf("%s %q: %v, want an error containing %q", what, q, err, c.want)
				}
			}
		}
		if _, err := stmt.ExecContext(softdelete.WithIncludeDeleted(ctx, "users"), 1); err != nil {
			t.Errorf("stmt.Exec under a valid mode: %v", err)
		}
	}
}

// TestOnlyDeletedOnPlainTableIsNotAHardDelete: WithOnlyDeleted() on a
// statement whose primary table is plain used to delete every matching row
// for good.
func TestOnlyDeletedOnPlainTableIsNotAHardDelete(t *testing.T) {
	db, raw := openSQLite(t)
	ctx := context.Background()
	_, err := db.ExecContext(softdelete.WithOnlyDeleted(ctx), "DELETE FROM tags")
	if !errors.Is(err, softdelete.ErrRefused) {
		t.Fatalf("DELETE FROM tags under WithOnlyDeleted(): %v, want a refusal", err)
	}
	if got := ids(t, ctx, raw, "SELECT id FROM tags ORDER BY id"); got != "1,2" {
		t.Fatalf("tags = %s after a refused DELETE, want 1,2", got)
	}
}

// gormRebuild is what GORM's SQLite migrator sends to change a column's
// type, inside one transaction.
var gormRebuild = []string{
	"CREATE TABLE `users__temp` (`id` integer PRIMARY KEY, `name` text NOT NULL, `deleted_at` datetime)",
	"INSERT INTO `users__temp`(`id`,`name`,`deleted_at`) SELECT `id`,`name`,`deleted_at` FROM `users`",
	"DROP TABLE `users`",
	"ALTER TABLE `users__temp` RENAME TO `users`",
}

// TestTableRebuildKeepsDeletedRows: a migration that rebuilds a
// soft-delete table used to copy only its live rows and drop the rest.
// Through softdelete its DROP TABLE is now refused (the transaction rolls
// back, nothing changes); run raw, the rebuild keeps every row.
func TestTableRebuildKeepsDeletedRows(t *testing.T) {
	db, raw := openSQLite(t)
	ctx := context.Background()
	exec(t, ctx, db, "DELETE FROM users WHERE id = 2")
	const all = "SELECT id FROM users ORDER BY id"

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, q := range gormRebuild {
		_, err = tx.ExecContext(ctx, q)
		if i < 2 && err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if err != nil {
			break
		}
	}
	var re *softdelete.RefusedError
	if !errors.As(err, &re) || re.Table != "users" || !strings.Contains(err.Error(), "DROP TABLE at offset 0") ||
		!strings.Contains(err.Error(), "WithForce(softdelete.WithIncludeDeleted(ctx))") {
		t.Fatalf("DROP TABLE users: %v, want a refusal saying how to migrate", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if got := ids(t, ctx, raw, all); got != "1,2,3" {
		t.Fatalf("users = %s after the refused rebuild, want 1,2,3", got)
	}

	migrate := softdelete.WithForce(softdelete.WithIncludeDeleted(ctx))
	tx, err = db.BeginTx(migrate, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range gormRebuild {
		exec(t, migrate, tx, q)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := ids(t, ctx, raw, all); got != "1,2,3" {
		t.Fatalf("users = %s after the raw rebuild, want 1,2,3", got)
	}
	if got := ids(t, ctx, db, all); got != "1,3" {
		t.Fatalf("live users = %s after the raw rebuild, want 1,3", got)
	}
}
