// Command softdelete inspects and maintains a database used through the
// softdelete driver: what a statement becomes, the schema check, the trash,
// restores and retention purges. It takes the driver's DSN from -dsn or
// SOFTDELETE_DSN.
//
//	go install github.com/softdelete-go/softdelete/cmd/softdelete@latest
//	export SOFTDELETE_DSN='driver=sqlite3 tables=users,posts dsn=app.db'
//	softdelete rewrite 'SELECT * FROM posts'
//	softdelete check
//	softdelete trash -table posts -limit 10
//	softdelete restore -table posts -where 'id = ?' 7
//	softdelete purge -older-than 720h -dry-run
//
// It speaks MySQL/MariaDB (driver=mysql), SQLite (driver=sqlite3) and
// PostgreSQL (driver=pgx or driver=postgres, lib/pq), whose placeholders
// are $1, $2: softdelete restore -table posts -where 'id = $1' 7.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // driver=pgx
	_ "github.com/lib/pq"              // driver=postgres
	_ "github.com/mattn/go-sqlite3"
	"github.com/softdelete-go/softdelete"
	_ "github.com/softdelete-go/softdelete/postgres" // PostgreSQL's engine
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // the command failed, or a statement is refused, or the schema has errors
	exitUsage = 2 // bad flags or arguments
)

// dsnEnv is the environment variable that holds the DSN when -dsn is not given.
const dsnEnv = "SOFTDELETE_DSN"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := runContext(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the command line args and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdout, stderr)
}

// command is one subcommand.
type command struct {
	name, synopsis, usage, example string
	// setup defines the command's own flags on fs and returns the function
	// that runs the command once fs is parsed.
	setup func(fs *flag.FlagSet) runFunc
}

// runFunc runs a command whose flags fs holds and returns its exit status.
type runFunc func(ctx context.Context, e *env, fs *flag.FlagSet) int

var commands = []*command{rewriteCommand, checkCommand, trashCommand, restoreCommand, purgeCommand}

// env is what a command runs with: its outputs and the DSN.
type env struct {
	stdout, stderr io.Writer
	dsn            string
	cmd            *command // the command running
}

func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	global := flag.NewFlagSet("softdelete", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	dsn := global.String("dsn", "", "the softdelete DSN (default $"+dsnEnv+")")
	if err := global.Parse(args); errors.Is(err, flag.ErrHelp) {
		mainUsage(stdout)
		return exitOK
	} else if err != nil {
		fmt.Fprintf(stderr, "softdelete: %v\n", err)
		mainUsage(stderr)
		return exitUsage
	}
	rest := global.Args()
	if len(rest) == 0 || rest[0] == "help" && len(rest) == 1 {
		w, code := stderr, exitUsage
		if len(rest) == 1 {
			w, code = stdout, exitOK
		}
		mainUsage(w)
		return code
	}
	name := rest[0]
	if name == "help" {
		name, rest = rest[1], []string{rest[1], "-h"}
	}
	for _, c := range commands {
		if c.name == name {
			return c.start(ctx, &env{stdout: stdout, stderr: stderr, dsn: *dsn, cmd: c}, rest[1:])
		}
	}
	fmt.Fprintf(stderr, "softdelete: unknown command %q\n", name)
	mainUsage(stderr)
	return exitUsage
}

// start parses the command's flags and runs it.
func (c *command) start(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("softdelete "+c.name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.StringVar(&e.dsn, "dsn", e.dsn, "the softdelete DSN (default $"+dsnEnv+")")
	runCommand := c.setup(fs)
	fs.Usage = func() { c.printUsage(fs) }
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(e.stdout)
		c.printUsage(fs)
		return exitOK
	} else if err != nil {
		return exitUsage
	}
	if e.dsn == "" {
		e.dsn = os.Getenv(dsnEnv)
	}
	if e.dsn == "" {
		return usageError(e, fs, "no DSN: give -dsn or set "+dsnEnv)
	}
	return runCommand(ctx, e, fs)
}

func (c *command) printUsage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprintf(w, "usage: softdelete %s %s\n\n%s\n\nflags:\n", c.name, c.usage, c.synopsis)
	fs.PrintDefaults()
	fmt.Fprintf(w, "\nexample:\n  %s\n", c.example)
}

// usageError reports a usage error of the running command and returns exitUsage.
func usageError(e *env, fs *flag.FlagSet, msg string) int {
	fmt.Fprintf(e.stderr, "softdelete %s: %s\n", e.cmd.name, msg)
	fs.SetOutput(e.stderr)
	e.cmd.printUsage(fs)
	return exitUsage
}

// fail reports the error of the running command and returns exitError.
func fail(e *env, err error) int {
	fmt.Fprintf(e.stderr, "softdelete %s: %v\n", e.cmd.name, err)
	return exitError
}

func mainUsage(w io.Writer) {
	fmt.Fprintf(w, "usage: softdelete [-dsn DSN] COMMAND [flags] [args]\n\n")
	fmt.Fprintf(w, "The DSN is the softdelete driver's (-dsn, or $%s), e.g.\n  driver=sqlite3 tables=users,posts dsn=app.db\n"+
		"  driver=pgx tables=users,posts dsn=postgres://app@localhost:5432/app\n"+
		"Drivers: mysql, sqlite3, pgx and postgres (lib/pq).\n\ncommands:\n", dsnEnv)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, strings.SplitN(c.synopsis, "\n", 2)[0])
	}
	fmt.Fprintf(w, "\n'softdelete COMMAND -h' shows a command's flags and an example.\n")
}

// open returns the connector of the DSN, its configuration and a database
// on it. Closing the database closes the connector.
func open(dsn string) (*softdelete.Connector, *softdelete.Config, *sql.DB, error) {
	cfg, err := softdelete.ParseDSN(dsn)
	if err != nil {
		return nil, nil, nil, err
	}
	dc, err := (&softdelete.Driver{}).OpenConnector(dsn)
	if err != nil {
		return nil, nil, nil, err
	}
	c := dc.(*softdelete.Connector)
	return c, cfg, sql.OpenDB(c), nil
}

// tableColumn returns the listed table named name (any case), as listed,
// and its deleted column (a flag's companion timestamp, if it has one: the
// column that orders deletes by time); ok is false when it is not listed.
func tableColumn(cfg *softdelete.Config, name string) (table, column string, ok bool) {
	for _, t := range listedTables(cfg) {
		if !strings.EqualFold(t.Name, name) {
			continue
		}
		col := t.Column
		switch {
		case t.Companion != "":
			col = t.Companion // the time of a flag's delete
		case col != "":
		case cfg.Column != "":
			col = cfg.Column
		default:
			col = softdelete.DefaultColumn
		}
		return t.Name, col, true
	}
	return "", "", false
}

// listedTables returns the listed tables in typed form: Tables (a spec
// ParseTable refuses keeps its whole text as the name; opening the
// connector refuses it first), then TableList.
func listedTables(cfg *softdelete.Config) []softdelete.Table {
	var out []softdelete.Table
	for _, spec := range cfg.Tables {
		t, err := softdelete.ParseTable(spec)
		if err != nil {
			t = softdelete.Table{Name: spec}
		}
		out = append(out, t)
	}
	return append(out, cfg.TableList...)
}

// listedNames returns the names of the listed tables.
func listedNames(cfg *softdelete.Config) []string {
	var names []string
	for _, t := range listedTables(cfg) {
		names = append(names, t.Name)
	}
	return names
}
