// Package engine is the contract between softdelete and a rewrite engine
// that brings its own SQL parser, such as a PostgreSQL engine on
// pg_query_go: what an engine is given (the soft-delete tables, and the
// mode of each call, as plain data) and what it returns (the text to send,
// or a Refusal).
//
// softdelete's own engine for MySQL and SQLite (xwb1989/sqlparser) lives
// in the root package and needs none of this; the root package adapts an
// Engine to its rewriter (engine.go there), caches its answers and turns a
// Refusal into a *softdelete.RefusedError.
package engine

import (
	"errors"
	"strings"
)

// Filter is what a statement may see of one soft-delete table.
type Filter uint8

// The filters, in the root package's order.
const (
	FilterLive    Filter = iota // only rows not deleted: col IS NULL (the default)
	FilterAll                   // every row: no predicate
	FilterDeleted               // only deleted rows: col IS NOT NULL
)

// Table is a soft-delete table: its name (lower case), its deleted
// column, and how that column marks a row deleted (the root package's
// marker kinds), as plain data.
type Table struct {
	Name, Column string

	// Kind is the marker's kind: "" or "time" (NULL is live), "unix",
	// "unixmilli" or "flag" (the numeric kinds: 0 or NULL is live).
	Kind string
	// Stamp is the expression a soft DELETE sets the marker to, the
	// same text on every call; "" means Config.Now.
	Stamp string
	// Companion is a flag's nullable timestamp column, set to Config.Now
	// by a soft DELETE and to NULL by Restore; "" for none.
	Companion string
	// Actor is the column that records who deleted a row, set by a soft
	// DELETE to the actor (a parameter, see Engine.Rewrite) and to NULL by
	// Restore; "" when the table has none.
	Actor string
}

// TableFilter is a filter asked for one table by name (lower case).
type TableFilter struct {
	Name   string
	Filter Filter
}

// Mode is what a call's context asks of a statement (see the root
// package's WithIncludeDeleted, WithOnlyDeleted, WithForce and Restore).
type Mode struct {
	Force       bool          // DELETE is a real DELETE
	IncludeAll  bool          // every soft-delete table shows deleted rows too
	OnlyPrimary bool          // the statement's primary table shows only deleted rows
	Restore     string        // the table whose rows Restore un-deletes; "" otherwise
	Tables      []TableFilter // per-table filters, sorted by name

	// Stamp, when not "", is the SQL literal a soft DELETE writes into the
	// deleted column instead of Config.Now, and the value Restore's UPDATE
	// sets it to instead of NULL ('2026-11-30 10:50:54.123456+00:00'): the
	// one stamp of a cascading DELETE, or an exact restore's token. It
	// is a time: a table whose marker is not one (a number, a flag) is
	// stamped as usual, and still listed in Stamped (the root package then
	// refuses the cascade). The root package never caches such a call.
	Stamp string
	// Stamped is filled by the engine under a Stamp: the soft-delete
	// tables (lower case) whose rows the rewrite stamps, in order.
	Stamped []string
}

// Config is what an engine is built from.
type Config struct {
	Tables []Table
	Now    string // the expression a soft DELETE stamps, in the engine's SQL
}

// Engine rewrites statements that concern soft-delete tables. The root
// package calls it only for texts that name one (or under Restore), never
// for the raw passthrough, and caches its answers by text and mode: it
// must be pure.
type Engine interface {
	// Rewrite returns the text to send for q under m, whether the
	// database session must be read back after it runs (a statement that
	// may change how the server reads SQL), and the number of the
	// positional parameter that takes the actor (a soft DELETE of a table
	// with an Actor column), one past the highest parameter of q, or 0
	// when it takes none: the caller appends the actor after all the arguments.
	// It returns a *Refusal for a statement it will not send.
	Rewrite(q string, m *Mode) (out string, checkSession bool, actorParam int, err error)
}

// New builds an engine for a configuration.
type New func(Config) (Engine, error)

// ErrRefused is matched (with errors.Is) by every Refusal.
var ErrRefused = errors.New("softdelete: statement refused")

// Refusal is an engine's refusal of a statement naming a soft-delete table;
// the root package returns it as a *softdelete.RefusedError, whose fields
// these are.
type Refusal struct {
	Table  string // the soft-delete table concerned, or ""
	Reason string // what is wrong with the statement
	Fix    string // what to do instead, the safe fix first; "" when only the raw passthrough helps
	Err    error  // the underlying cause, or nil
}

// Error describes the refusal; the root package's RefusedError adds the
// advice.
func (r *Refusal) Error() string {
	var b strings.Builder
	b.WriteString("softdelete: refusing statement")
	if r.Table != "" {
		b.WriteString(" on soft-delete table " + r.Table)
	}
	b.WriteString(": " + r.Reason)
	return b.String()
}

// Unwrap returns the cause.
func (r *Refusal) Unwrap() error { return r.Err }

// Is makes errors.Is(err, ErrRefused) true.
func (r *Refusal) Is(target error) bool { return target == ErrRefused }
