// Package gormsoftdelete maps GORM's Unscoped() to softdelete's modes.
//
// softdelete works below GORM: a gorm.DB opened on a softdelete *sql.DB
// hides soft-deleted rows and turns every DELETE of a listed table into a
// stamp, whatever GORM sends. Without this plugin, GORM's Unscoped() only
// drops GORM's own filter, so db.Unscoped().Find still hides deleted rows
// and db.Unscoped().Delete still only stamps. With it:
//
//   - a statement of an Unscoped() chain (Find, First, Count, Pluck, Row,
//     Rows, Scan, Raw, Exec, Update, Updates, Create, and the queries of its
//     Preloads and Associations) runs under
//     softdelete.WithIncludeDeleted(ctx): it sees deleted rows of every
//     soft-delete table, as if softdelete were not there for reads and
//     updates. A DELETE sent by Exec or Raw still only stamps;
//   - GORM's Delete in an Unscoped() chain runs under
//     softdelete.WithForce(softdelete.WithIncludeDeleted(ctx)): a real
//     DELETE of every row it names, deleted or not.
//
// Statements of chains without Unscoped() are untouched, and so is the
// context: db.WithContext(softdelete.WithOnlyDeleted(ctx)) and the other
// modes work as without the plugin.
//
// # Unscoped deletes are raw
//
// softdelete.WithForce(softdelete.WithIncludeDeleted(ctx)) sends the
// statement as written: nothing is rewritten, nothing refused, no schema
// check. For GORM's DELETE FROM t WHERE <conditions> that is exactly "delete
// the rows these conditions name, deleted or not". It also means that a
// subquery of the conditions that reads another soft-delete table sees that
// table's deleted rows too:
//
//	db.Unscoped().Where("author_id IN (SELECT id FROM authors WHERE name = ?)", "bob").Delete(&Article{})
//
// hard-deletes the articles of every author named bob, deleted authors
// included. This is deliberate: an unscoped Delete deletes exactly the rows
// that db.Unscoped().Where(same conditions).Find shows, so the usual
// "look, then delete" with Unscoped() agrees with itself, and it matches
// GORM's own soft delete, which never filters SQL written in a condition.
// To hard-delete rows of one table while the conditions see only live rows
// of the others, name the table instead of using Unscoped():
//
//	db.WithContext(softdelete.WithForce(softdelete.WithIncludeDeleted(ctx, "articles"))).
//		Where("author_id IN (SELECT id FROM authors WHERE name = ?)", "bob").Delete(&Article{})
//
// Unscoped() replaces the mode the context carries (WithIncludeDeleted with
// no table clears WithOnlyDeleted): do not combine Unscoped() with
// WithOnlyDeleted. To purge the trash, use
// db.WithContext(softdelete.WithForce(softdelete.WithOnlyDeleted(ctx))).Delete
// without Unscoped().
//
// # The context of hooks and nested statements
//
// The plugin sets the mode on db.Statement.Context just before GORM's own
// callback sends the statement (gorm:query, gorm:row, gorm:raw,
// gorm:create, gorm:update, gorm:delete) and puts the caller's context back
// right after it, so hooks (BeforeDelete, AfterFind, ...) and statements
// GORM runs for associations see the caller's context, not the raw one: a
// BeforeDelete hook that deletes children with tx.Delete or tx.Exec stamps
// them. GORM marks its Preload, Association and delete-with-Select
// statements Unscoped() when the parent is, so those get the mode of their
// own. A chain kept in a variable (tx := db.Unscoped()) does not keep the
// mode between calls.
//
// # Models with gorm.DeletedAt
//
// A model with gorm.DeletedAt on a listed table has both mechanisms. With
// the plugin they agree: Delete is GORM's own UPDATE (stamped with GORM's
// NowFunc, the Go clock, where softdelete stamps with the database's);
// reads carry both filters; Unscoped() drops both, and Unscoped().Delete is a
// real DELETE. The plugin neither refuses nor warns about it. Leaving the
// field out is still simpler: one stamp clock, and no deleted_at filter
// written twice.
package gormsoftdelete

import (
	"context"
	"errors"
	"fmt"

	"github.com/softdelete-go/softdelete"
	"gorm.io/gorm"
)

// PluginName is the name the plugin registers under (gorm.Plugin's Name).
const PluginName = "softdelete"

// Plugin is the GORM plugin: db.Use(&gormsoftdelete.Plugin{}) or
// db.Use(gormsoftdelete.New()). The zero value is ready to use.
type Plugin struct {
	// SkipDriverCheck lets Initialize accept a gorm.DB whose *sql.DB does
	// not use the softdelete driver directly, e.g. one wrapped by a
	// tracing driver that wraps softdelete. Without softdelete below GORM
	// the plugin's contexts have no effect.
	SkipDriverCheck bool
}

// New returns the plugin with the default settings.
func New() *Plugin { return &Plugin{} }

// Name returns PluginName.
func (p *Plugin) Name() string { return PluginName }

// Initialize checks that db runs on the softdelete driver (unless
// SkipDriverCheck) and registers the plugin's callbacks.
func (p *Plugin) Initialize(db *gorm.DB) error {
	if !p.SkipDriverCheck {
		if err := checkDriver(db); err != nil {
			return err
		}
	}
	return registerCallbacks(db)
}

// checkDriver returns an error unless db's *sql.DB uses the softdelete driver.
func checkDriver(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return fmt.Errorf("gormsoftdelete: cannot reach the gorm.DB's *sql.DB (%v): open GORM on a softdelete *sql.DB, "+
			"or set Plugin.SkipDriverCheck if softdelete is below a connection pool GORM cannot see through", err)
	}
	if _, ok := sqlDB.Driver().(*softdelete.Driver); !ok {
		return fmt.Errorf("gormsoftdelete: the gorm.DB's *sql.DB uses the driver %T, not softdelete, so Unscoped() "+
			"would change nothing: open it with sql.Open(\"softdelete\", \"driver=... tables=... dsn=...\") "+
			"(e.g. sqlite.New(sqlite.Config{Conn: sqlDB})), or set Plugin.SkipDriverCheck if a driver that wraps "+
			"softdelete is in between", sqlDB.Driver())
	}
	return nil
}

// savedContextKey is the db.Statement.Settings key under which the caller's
// context waits while the plugin's context is on the statement.
type savedContextKey struct{}

// registerCallbacks puts a "set the mode" callback just before each of
// GORM's statement-sending callbacks and a "put the context back" one just
// after it (before the callback that follows it, so that hooks and
// associations see the caller's context).
func registerCallbacks(db *gorm.DB) error {
	cb := db.Callback()
	include, force := setMode(includeDeleted), setMode(forceDelete)
	return errors.Join(
		cb.Query().Before("gorm:query").Register("softdelete:unscoped_query", include),
		cb.Query().Before("gorm:preload").Register("softdelete:restore_context_query", restoreContext),
		cb.Row().Before("gorm:row").Register("softdelete:unscoped_row", include),
		cb.Row().After("gorm:row").Register("softdelete:restore_context_row", restoreContext),
		cb.Raw().Before("gorm:raw").Register("softdelete:unscoped_raw", include),
		cb.Raw().After("gorm:raw").Register("softdelete:restore_context_raw", restoreContext),
		cb.Create().Before("gorm:create").Register("softdelete:unscoped_create", include),
		cb.Create().Before("gorm:save_after_associations").Register("softdelete:restore_context_create", restoreContext),
		cb.Update().Before("gorm:update").Register("softdelete:unscoped_update", include),
		cb.Update().Before("gorm:save_after_associations").Register("softdelete:restore_context_update", restoreContext),
		cb.Delete().Before("gorm:delete").Register("softdelete:unscoped_delete", force),
		cb.Delete().Before("gorm:after_delete").Register("softdelete:restore_context_delete", restoreContext),
	)
}

// includeDeleted is the mode of an Unscoped statement other than Delete.
func includeDeleted(ctx context.Context) context.Context {
	return softdelete.WithIncludeDeleted(ctx)
}

// forceDelete is the mode of an Unscoped Delete: raw, a real DELETE of
// every row the statement names.
func forceDelete(ctx context.Context) context.Context {
	return softdelete.WithForce(softdelete.WithIncludeDeleted(ctx))
}

// setMode returns the callback that, on an Unscoped statement, saves the
// statement's context and replaces it with mode(context). Other statements
// pay one branch.
func setMode(mode func(context.Context) context.Context) func(*gorm.DB) {
	return func(db *gorm.DB) {
		if !db.Statement.Unscoped || db.Error != nil {
			return
		}
		ctx := db.Statement.Context
		if ctx == nil {
			ctx = context.Background()
		}
		db.Statement.Settings.Store(savedContextKey{}, db.Statement.Context)
		db.Statement.Context = mode(ctx)
	}
}

// restoreContext puts back the context setMode saved, if it saved one.
func restoreContext(db *gorm.DB) {
	if !db.Statement.Unscoped {
		return
	}
	if saved, ok := db.Statement.Settings.LoadAndDelete(savedContextKey{}); ok {
		ctx, _ := saved.(context.Context)
		db.Statement.Context = ctx
	}
}
