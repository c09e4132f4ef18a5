package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/softdelete-go/softdelete"
)

var rewriteCommand = &command{
	name:     "rewrite",
	usage:    "[-mode include|only|force|raw] SQL",
	synopsis: "Print what a statement becomes through softdelete, or why it is refused (exit status 1).\nNothing is sent to the database. -mode takes several modes separated by commas (force,only).",
	example:  `softdelete rewrite -mode only 'SELECT * FROM posts WHERE author_id = ?'`,
	setup: func(fs *flag.FlagSet) runFunc {
		mode := fs.String("mode", "", "the context's modes: include (WithIncludeDeleted), only (WithOnlyDeleted), force (WithForce), raw (force,include)")
		return func(ctx context.Context, e *env, fs *flag.FlagSet) int { return runRewrite(ctx, e, fs, *mode) }
	},
}

func runRewrite(ctx context.Context, e *env, fs *flag.FlagSet, rewriteMode string) int {
	if fs.NArg() == 0 {
		return usageError(e, fs, "give the SQL statement")
	}
	ctx, err := modeContext(ctx, rewriteMode)
	if err != nil {
		return usageError(e, fs, err.Error())
	}
	c, _, db, err := open(e.dsn)
	if err != nil {
		return fail(e, err)
	}
	defer db.Close()
	out, err := c.Rewrite(ctx, strings.Join(fs.Args(), " "))
	if err != nil {
		return fail(e, err)
	}
	fmt.Fprintln(e.stdout, out)
	return exitOK
}

// modeContext returns ctx with the modes of a -mode value.
func modeContext(ctx context.Context, modes string) (context.Context, error) {
	if modes == "" {
		return ctx, nil
	}
	for _, m := range strings.Split(modes, ",") {
		switch strings.TrimSpace(m) {
		case "include":
			ctx = softdelete.WithIncludeDeleted(ctx)
		case "only":
			ctx = softdelete.WithOnlyDeleted(ctx)
		case "force":
			ctx = softdelete.WithForce(ctx)
		case "raw":
			ctx = softdelete.WithForce(softdelete.WithIncludeDeleted(ctx))
		default:
			return nil, fmt.Errorf("-mode %q: want include, only, force or raw (several separated by commas)", m)
		}
	}
	return ctx, nil
}

var checkCommand = &command{
	name:     "check",
	usage:    "",
	synopsis: "Read the schema of the listed tables and report its problems (exit status 1 on errors) and warnings.",
	example:  `softdelete -dsn 'driver=sqlite3 tables=users,posts dsn=app.db' check`,
	setup:    func(*flag.FlagSet) runFunc { return runCheck },
}

func runCheck(ctx context.Context, e *env, fs *flag.FlagSet) int {
	if fs.NArg() != 0 {
		return usageError(e, fs, "check takes no arguments")
	}
	c, _, db, err := open(e.dsn)
	if err != nil {
		return fail(e, err)
	}
	defer db.Close()
	report, err := c.Check(ctx)
	if report == nil {
		return fail(e, err)
	}
	fmt.Fprintf(e.stdout, "%s schema: %d errors, %d warnings (%d queries, %s)\n",
		report.Dialect, len(report.Errors), len(report.Warnings), report.Queries, report.Duration.Round(time.Microsecond))
	for _, p := range report.Errors {
		fmt.Fprintf(e.stdout, "error: %s\n", p)
	}
	for _, p := range report.Warnings {
		fmt.Fprintf(e.stdout, "warning: %s\n", p)
	}
	if len(report.Errors) > 0 {
		return exitError
	}
	return exitOK
}

var trashCommand = &command{
	name:     "trash",
	usage:    "-table T [-limit N]",
	synopsis: "List the soft-deleted rows of a table, newest first.",
	example:  `softdelete trash -table posts -limit 10`,
	setup: func(fs *flag.FlagSet) runFunc {
		table := fs.String("table", "", "the listed table (required)")
		limit := fs.Int("limit", 20, "the most rows to show")
		return func(ctx context.Context, e *env, fs *flag.FlagSet) int { return runTrash(ctx, e, fs, *table, *limit) }
	},
}

func runTrash(ctx context.Context, e *env, fs *flag.FlagSet, trashTable string, trashLimit int) int {
	if fs.NArg() != 0 || trashTable == "" || trashLimit < 1 {
		return usageError(e, fs, "give -table, a positive -limit and no arguments")
	}
	_, cfg, db, err := open(e.dsn)
	if err != nil {
		return fail(e, err)
	}
	defer db.Close()
	table, col, ok := tableColumn(cfg, trashTable)
	if !ok {
		return usageError(e, fs, fmt.Sprintf("%s is not a listed table (listed: %s)", trashTable, strings.Join(listedNames(cfg), ", ")))
	}
	q := fmt.Sprintf("SELECT * FROM %s ORDER BY %s DESC LIMIT %d", table, col, trashLimit)
	rows, err := db.QueryContext(softdelete.WithOnlyDeleted(ctx, table), q)
	if err != nil {
		return fail(e, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return fail(e, err)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
	vals, ptrs := make([]any, len(cols)), make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fail(e, err)
		}
		cells := make([]string, len(vals))
		for i, v := range vals {
			cells[i] = cellText(v)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
		n++
	}
	if err := rows.Err(); err != nil {
		return fail(e, err)
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "(%d deleted rows of %s, newest first)\n", n, table)
	return exitOK
}

// cellText formats one value of a row for a text table.
func cellText(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return string(v)
	case time.Time:
		return v.Format("2006-01-02 15:04:05.999999 Z07:00")
	}
	return strings.NewReplacer("\t", " ", "\n", " ").Replace(fmt.Sprint(v))
}

var restoreCommand = &command{
	name:     "restore",
	usage:    "-table T -where CONDITION [ARG...]",
	synopsis: "Un-delete the soft-deleted rows of a table that match a condition.\nARGs fill its placeholders (? on MySQL and SQLite, $1, $2 on PostgreSQL). To restore every deleted row, say so: -where '1 = 1'.",
	example:  `softdelete restore -table posts -where 'id IN (?, ?)' 7 8`,
	setup: func(fs *flag.FlagSet) runFunc {
		table := fs.String("table", "", "the listed table (required)")
		where := fs.String("where", "", "the SQL condition of the rows to restore (required)")
		return func(ctx context.Context, e *env, fs *flag.FlagSet) int { return runRestore(ctx, e, fs, *table, *where) }
	},
}

func runRestore(ctx context.Context, e *env, fs *flag.FlagSet, restoreTable, restoreWhere string) int {
	if restoreTable == "" || strings.TrimSpace(restoreWhere) == "" {
		return usageError(e, fs, "give -table and -where")
	}
	_, cfg, db, err := open(e.dsn)
	if err != nil {
		return fail(e, err)
	}
	defer db.Close()
	table, _, ok := tableColumn(cfg, restoreTable)
	if !ok {
		return usageError(e, fs, fmt.Sprintf("%s is not a listed table (listed: %s)", restoreTable, strings.Join(listedNames(cfg), ", ")))
	}
	args := make([]any, fs.NArg())
	for i, a := range fs.Args() {
		args[i] = a
	}
	res, err := softdelete.Restore(ctx, db, table, restoreWhere, args...)
	if err != nil {
		return fail(e, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fail(e, err)
	}
	fmt.Fprintf(e.stdout, "restored %d rows of %s\n", n, table)
	return exitOK
}
