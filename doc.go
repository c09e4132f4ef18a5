// Package softdelete gives any database/sql program soft deletes without
// changing its SQL.
//
// It registers a database/sql driver, "softdelete", that wraps a real driver
// (github.com/go-sql-driver/mysql, github.com/mattn/go-sqlite3) and rewrites
// each statement for the tables listed in its DSN, in the manner of
// Sequelize's paranoid tables:
//
//   - DELETE on a listed table becomes an UPDATE that stamps its deleted
//     column (deleted_at by default) with the database's current time;
//     rows already stamped are left alone.
//   - Every read of a listed table (SELECT, joins, subqueries, UNION,
//     INSERT ... SELECT, the WHERE of UPDATE and DELETE) sees only rows not
//     deleted, and UPDATE does not touch deleted rows. On the nullable side
//     of an outer join the filter goes into the ON, so outer rows stay.
//   - WithIncludeDeleted, WithOnlyDeleted and WithForce switch this per call
//     through the context; Restore un-deletes rows.
//
// A statement through softdelete behaves as if soft-deleted rows did not
// exist; a DELETE stamps. A statement that names a listed table and that
// softdelete cannot rewrite safely is refused with a *RefusedError and
// never sent. Statements that name no listed table are not parsed at all.
//
// Quickstart:
//
//	import (
//		"database/sql"
//
//		_ "github.com/mattn/go-sqlite3"
//		"github.com/softdelete-go/softdelete"
//	)
//
//	db, err := sql.Open("softdelete", "driver=sqlite3 tables=users,posts dsn=app.db")
//	...
//	db.ExecContext(ctx, `DELETE FROM posts WHERE id = ?`, 7)         // stamps posts.deleted_at
//	db.QueryContext(ctx, `SELECT * FROM posts`)                       // live posts only
//	db.QueryContext(softdelete.WithIncludeDeleted(ctx), `SELECT * FROM posts`) // all posts
//	db.QueryContext(softdelete.WithOnlyDeleted(ctx), `SELECT * FROM posts`)    // the trash
//	softdelete.Restore(ctx, db, "posts", "id = ?", 7)                 // un-delete
//	db.ExecContext(softdelete.WithForce(ctx), `DELETE FROM posts WHERE id = ?`, 7) // a real DELETE
//
// The DSN grammar is described at ParseDSN; Config and NewConnector give the
// same configuration to sql.OpenDB.
package softdelete
