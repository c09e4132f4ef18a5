package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/softdelete-go/softdelete"
)

var purgeCommand = &command{
	name:  "purge",
	usage: "-older-than DURATION [-table T] [-dry-run] [-batch N]",
	synopsis: "Hard-delete the rows soft-deleted more than DURATION ago (720h, 30d, 90m), in batches.\n" +
		"Without -table, from every listed table. Interrupted, it keeps what it purged: run it again.\n" +
		"On a terminal a progress bar, otherwise a line per batch; the totals at the end.",
	example: `softdelete purge -older-than 30d -table posts -dry-run`,
	setup: func(fs *flag.FlagSet) runFunc {
		o := &purgeFlags{}
		fs.Var(durationFlag{&o.olderThan}, "older-than", "purge rows deleted longer ago than this (required): a Go duration or a number of days (30d)")
		fs.StringVar(&o.table, "table", "", "the listed table to purge (default: every listed table)")
		fs.BoolVar(&o.dryRun, "dry-run", false, "count the rows that would be purged, delete nothing")
		fs.IntVar(&o.batch, "batch", softdelete.DefaultPurgeBatch, "the most rows one DELETE removes, each batch its own transaction")
		return func(ctx context.Context, e *env, fs *flag.FlagSet) int { return runPurge(ctx, e, fs, o) }
	},
}

// purgeFlags are the purge command's flags.
type purgeFlags struct {
	olderThan time.Duration
	table     string
	dryRun    bool
	batch     int
}

// durationFlag reads a Go duration or a number of days ("30d").
type durationFlag struct{ d *time.Duration }

func (f durationFlag) String() string {
	if f.d == nil || *f.d == 0 {
		return ""
	}
	return f.d.String()
}

func (f durationFlag) Set(s string) error {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number of days", s)
		}
		*f.d = time.Duration(n * float64(24*time.Hour))
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration (720h, 30d, 90m)", s)
	}
	*f.d = d
	return nil
}

func runPurge(ctx context.Context, e *env, fs *flag.FlagSet, o *purgeFlags) int {
	switch {
	case fs.NArg() != 0:
		return usageError(e, fs, "purge takes no arguments")
	case o.olderThan <= 0:
		return usageError(e, fs, "give -older-than, a positive duration")
	case o.batch < 1:
		return usageError(e, fs, "-batch must be at least 1")
	}
	_, cfg, db, err := open(e.dsn)
	if err != nil {
		return fail(e, err)
	}
	defer db.Close()
	tables := listedNames(cfg)
	if o.table != "" {
		t, _, ok := tableColumn(cfg, o.table)
		if !ok {
			return usageError(e, fs, fmt.Sprintf("%s is not a listed table (listed: %s)", o.table, strings.Join(tables, ", ")))
		}
		tables = []string{t}
	}
	cutoff := time.Now().Add(-o.olderThan)
	verb := "purging"
	if o.dryRun {
		verb = "counting (dry run)"
	}
	fmt.Fprintf(e.stdout, "%s rows deleted before %s (%s ago)\n", verb, cutoff.UTC().Format(time.RFC3339), o.olderThan)
	p := &purgePrinter{w: e.stdout, terminal: isTerminal(e.stdout)}
	counts := map[string]int64{} // by lower-case name: a purge of a parent takes its soft-deleted children too
	for _, t := range tables {
		res, err := p.purge(ctx, db, t, cutoff, o)
		if err != nil {
			return fail(e, err)
		}
		for name, n := range res.Rows {
			counts[name] += n
		}
		if res.Kept > 0 {
			fmt.Fprintf(e.stdout, "%s: kept %d rows that live rows still reference (restore or delete those, then purge again)\n", t, res.Kept)
		}
	}
	done := "purged"
	if o.dryRun {
		done = "would purge"
	}
	totals := make([]string, 0, len(tables))
	var sum int64
	for _, t := range listedNames(cfg) {
		if n, ok := counts[strings.ToLower(t)]; ok {
			sum += n
			totals = append(totals, fmt.Sprintf("%s %d", t, n))
		}
	}
	fmt.Fprintf(e.stdout, "%s %d rows: %s\n", done, sum, strings.Join(totals, ", "))
	return exitOK
}

// purgePrinter shows a purge's progress: one line rewritten in place on a
// terminal, a line per batch otherwise.
type purgePrinter struct {
	w        io.Writer
	terminal bool
}

// purge purges (or counts) one table and returns the result.
func (p *purgePrinter) purge(ctx context.Context, db *sql.DB, table string, cutoff time.Time, o *purgeFlags) (*softdelete.PurgeResult, error) {
	var expected int64
	if p.terminal && !o.dryRun { // a total for the progress bar
		res, err := softdelete.Purge(ctx, db, table, cutoff, &softdelete.PurgeOptions{DryRun: true})
		if err != nil {
			return nil, err
		}
		expected = res.Rows[strings.ToLower(table)]
	}
	opts := &softdelete.PurgeOptions{BatchSize: o.batch, DryRun: o.dryRun, Progress: func(pr softdelete.PurgeProgress) {
		p.progress(table, pr, expected, o.dryRun)
	}}
	res, err := softdelete.Purge(ctx, db, table, cutoff, opts)
	if p.terminal && !o.dryRun {
		fmt.Fprintln(p.w)
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

func (p *purgePrinter) progress(table string, pr softdelete.PurgeProgress, expected int64, dryRun bool) {
	switch {
	case dryRun:
		fmt.Fprintf(p.w, "%s: %d rows to purge\n", table, pr.Rows)
	case p.terminal:
		fmt.Fprintf(p.w, "\r%s: %s %d/%d rows", table, bar(pr.Total, expected, 30), pr.Total, max(expected, pr.Total))
	default:
		fmt.Fprintf(p.w, "%s: batch %d: %d rows (%d so far)\n", table, pr.Batch, pr.Rows, pr.Total)
	}
}

// bar draws done out of total as a bar of width cells.
func bar(done, total int64, width int) string {
	filled := width
	if total > done {
		filled = int(done * int64(width) / total)
	}
	return "[" + strings.Repeat("#", filled) + strings.Repeat(".", width-filled) + "]"
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
