package postgres_test

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/softdelete-go/softdelete"
)

// liveKind is a marker kind on a live PostgreSQL table items: its
// tables= spec, the DDL of its columns, and SQL predicates on the raw
// table.
type liveKind struct {
	name    string
	spec    string // the tables= entry
	columns string // the marker's (and companion's) column definitions
	dead    string // a deleted marker value, for the fixture
	nullOK  bool   // the marker is nullable: row 5 has NULL, which is live
	live    string // the raw predicate of a live row (after Restore)
	stamped string // the raw predicate of a row the soft DELETE just stamped, in its transaction
	compan  string // the companion column, or ""
}

var liveKinds = []liveKind{
	{name: "time", spec: "items", columns: "deleted_at timestamptz NULL", dead: "'2020-01-01'", nullOK: true,
		live: "deleted_at IS NULL", stamped: "deleted_at = now()"},
	{name: "unix", spec: "items:deleted_at:unix", columns: "deleted_at bigint NOT NULL DEFAULT 0", dead: "1600000000",
		live: "deleted_at = 0", stamped: "deleted_at = extract(epoch from date_trunc('second', now()))::bigint"},
	{name: "unix-integer-nullable", spec: "items:deleted_at:unix", columns: "deleted_at integer NULL DEFAULT 0", dead: "1600000000", nullOK: true,
		live: "deleted_at = 0", stamped: "deleted_at = extract(epoch from date_trunc('second', now()))::bigint"},
	{name: "unixmilli", spec: "items:deleted_at:unixmilli", columns: "deleted_at bigint NOT NULL DEFAULT 0", dead: "1600000000123",
		live: "deleted_at = 0", stamped: "deleted_at = (extract(epoch from date_trunc('milliseconds', now())) * 1000)::bigint"},
	{name: "flag-boolean-companion", spec: "items:is_deleted:flag:deleted_at", columns: "is_deleted boolean NOT NULL DEFAULT false, deleted_at timestamptz NULL", dead: "true",
		live: "NOT is_deleted AND deleted_at IS NULL", stamped: "is_deleted AND deleted_at = now()", compan: "deleted_at"},
	{name: "flag-smallint-nullable", spec: "items:is_deleted:flag", columns: "is_deleted smallint NULL DEFAULT 0", dead: "1", nullOK: true,
		live: "is_deleted = 0", stamped: "is_deleted = 1"},
	{name: "flag-integer-companion", spec: "items:gone:flag:gone_at", columns: "gone integer NOT NULL DEFAULT 0, gone_at timestamp NULL", dead: "1",
		live: "gone = 0 AND gone_at IS NULL", stamped: "gone = 1 AND gone_at = now()::timestamp", compan: "gone_at"},
}

// kindDB opens items with kind k through softdelete on drv, with the
// actor column deleted_by. Rows 1, 2 and 4 are live, 3 is deleted; row 5
// has the marker's NULL (live) or its default.
func kindDB(t *testing.T, drv string, k liveKind) (*sql.DB, *sql.DB) {
	t.Helper()
	dsn := os.Getenv("SOFTDELETE_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SOFTDELETE_POSTGRES_DSN is not set")
	}
	raw, err := sql.Open(drv, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	marker := strings.Fields(k.columns)[0]
	null := "DEFAULT"
	if k.nullOK {
		null = "NULL"
	}
	for _, q := range []string{
		"DROP TABLE IF EXISTS items",
		"CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, " + k.columns + ", deleted_by text NULL)",
		"INSERT INTO items (id, name) VALUES (1, 'a'), (2, 'b'), (4, 'd')",
		"INSERT INTO items (id, name, " + marker + ") VALUES (3, 'c', " + k.dead + "), (5, 'e', " + null + ")",
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db, err := sql.Open("softdelete", "driver="+drv+" tables="+k.spec+" actor=deleted_by dsn="+dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, raw
}

// exec runs q and returns the rows it affected.
func exec(t *testing.T, ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, q string, args ...any) int64 {
	t.Helper()
	res, err := db.ExecContext(ctx, q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPostgresLiveKinds runs every marker kind through reads in each mode,
// UPDATE, soft DELETE (with and without an actor, plain and prepared) and
// Restore, on pgx and lib/pq, and checks the rows on the raw table.
func TestPostgresLiveKinds(t *testing.T) {
	for _, drv := range liveDrivers {
		for _, k := range liveKinds {
			t.Run(drv+"/"+k.name, func(t *testing.T) {
				db, raw := kindDB(t, drv, k)
				liveKindReads(t, db, 4, 1)
				liveKindUpdate(t, db, raw)
				liveKindDelete(t, db, raw, k)
				liveKindRestore(t, db, raw, k)
			})
		}
	}
}

// liveKindReads checks the counts of each mode.
func liveKindReads(t *testing.T, db *sql.DB, live, deleted int) {
	t.Helper()
	ctx := context.Background()
	if n := count(t, ctx, db, "SELECT count(*) FROM items"); n != live {
		t.Errorf("live rows: %d, want %d", n, live)
	}
	if n := count(t, softdelete.WithIncludeDeleted(ctx), db, "SELECT count(*) FROM items"); n != live+deleted {
		t.Errorf("all rows: %d, want %d", n, live+deleted)
	}
	if n := count(t, softdelete.WithOnlyDeleted(ctx), db, "SELECT count(*) FROM items i WHERE i.id > $1", 0); n != deleted {
		t.Errorf("deleted rows: %d, want %d", n, deleted)
	}
}

// liveKindUpdate checks that an UPDATE reaches the rows its mode shows.
func liveKindUpdate(t *testing.T, db, raw *sql.DB) {
	t.Helper()
	ctx := context.Background()
	if n := exec(t, ctx, db, "UPDATE items SET name = name || '!' WHERE id IN (1, 3, 5)"); n != 2 {
		t.Errorf("UPDATE of live 1 and 5 and deleted 3: %d rows, want 2", n)
	}
	if n := exec(t, softdelete.WithOnlyDeleted(ctx), db, "UPDATE items SET name = name || '?'"); n != 1 {
		t.Errorf("UPDATE under WithOnlyDeleted: %d rows, want 1", n)
	}
	var names string
	if err := raw.QueryRowContext(ctx, "SELECT string_agg(name, ',' ORDER BY id) FROM items").Scan(&names); err != nil || names != "a!,b,c?,d,e!" {
		t.Errorf("names after the UPDATEs: %q, %v; want a!,b,c?,d,e!", names, err)
	}
}

// liveKindDelete soft-deletes rows 1 (with an actor, in a transaction that
// checks the stamp against now()), 2 (without one) and, prepared, 4 and 5
// (two actors, one statement).
func liveKindDelete(t *testing.T, db, raw *sql.DB, k liveKind) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := exec(t, softdelete.WithActor(ctx, "alice"), tx, "DELETE FROM items WHERE id = $1 AND name <> $2", 1, "zz"); n != 1 {
		t.Errorf("soft DELETE of row 1: %d rows", n)
	}
	if n := count(t, softdelete.WithIncludeDeleted(ctx), tx, "SELECT count(*) FROM items WHERE id = 1 AND "+k.stamped+" AND deleted_by = 'alice'"); n != 1 {
		var got string
		_ = tx.QueryRowContext(softdelete.WithIncludeDeleted(ctx), "SELECT row(items.*)::text || ' at ' || now()::text FROM items WHERE id = 1").Scan(&got)
		t.Errorf("row 1 is not stamped as %s by alice: %s", k.stamped, got)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if n := exec(t, softdelete.WithActor(ctx, "mallory"), db, "DELETE FROM items WHERE id = 1"); n != 0 {
		t.Errorf("a second DELETE of row 1 stamped it again: %d rows", n)
	}
	if n := exec(t, ctx, db, "DELETE FROM items WHERE id = 2"); n != 1 {
		t.Errorf("soft DELETE of row 2: %d rows", n)
	}
	st, err := db.PrepareContext(ctx, "DELETE FROM items WHERE id = $1")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for id, who := range map[int]string{4: "bob", 5: "carol"} {
		if _, err := st.ExecContext(softdelete.WithActor(ctx, who), id); err != nil {
			t.Fatalf("prepared DELETE of %d: %v", id, err)
		}
	}
	want := map[int]string{1: "alice", 2: "", 3: "", 4: "bob", 5: "carol"}
	for id, who := range want {
		var got sql.NullString
		if err := raw.QueryRowContext(ctx, "SELECT deleted_by FROM items WHERE id = $1 AND NOT ("+k.live+")", id).Scan(&got); err != nil {
			t.Errorf("row %d is not deleted: %v", id, err)
		} else if got.String != who {
			t.Errorf("row %d: deleted_by %q, want %q", id, got.String, who)
		}
	}
	liveKindReads(t, db, 0, 5)
}

// liveKindRestore restores rows 1 and 3, and checks that the marker, the
// companion and the actor are cleared and that the others stay deleted.
func liveKindRestore(t *testing.T, db, raw *sql.DB, k liveKind) {
	t.Helper()
	ctx := context.Background()
	res, err := softdelete.Restore(ctx, db, "items", "id = $1 OR name = $2", 1, "c?")
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 2 {
		t.Errorf("Restore of rows 1 and 3: %d rows", n)
	}
	if n := count(t, ctx, raw, "SELECT count(*) FROM items WHERE id IN (1, 3) AND "+k.live+" AND deleted_by IS NULL"); n != 2 {
		t.Errorf("restored rows with a live marker, companion and actor: %d, want 2", n)
	}
	liveKindReads(t, db, 2, 3)
	if _, err := softdelete.Restore(ctx, db, "items", ""); err != nil {
		t.Fatal(err)
	}
	if n := count(t, ctx, db, "SELECT count(*) FROM items"); n != 5 {
		t.Errorf("after restoring all: %d live rows", n)
	}
	if n := exec(t, softdelete.WithForce(softdelete.WithOnlyDeleted(ctx)), db, "DELETE FROM items"); n != 0 {
		t.Errorf("purge with no deleted rows: %d", n)
	}
}

// TestPostgresLiveStampsTruncate evaluates the stamps the rewrite writes,
// with now() at a fixed instant just before a second ends: the epoch
// kinds truncate (as MySQL's unix_timestamp() does), never round.
func TestPostgresLiveStampsTruncate(t *testing.T) {
	dsn := os.Getenv("SOFTDELETE_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SOFTDELETE_POSTGRES_DSN is not set")
	}
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	c := caseConnector(t, "s:d:unix,m:d:unixmilli", "")
	const at = "'2026-11-30 12:00:00.999999+00'::timestamptz"
	for table, want := range map[string]int64{"s": 1796040000, "m": 1796040000999} {
		out, err := c.Rewrite(context.Background(), "DELETE FROM "+table)
		if err != nil {
			t.Fatal(err)
		}
		expr, ok := strings.CutPrefix(out, "UPDATE "+table+" SET d = ")
		expr, _, cut := strings.Cut(expr, " WHERE ")
		if !ok || !cut || !strings.Contains(expr, "now()") {
			t.Fatalf("the stamp of %s is not where expected: %s", table, out)
		}
		var got int64
		var typ string
		q := "SELECT " + strings.ReplaceAll(expr, "now()", at) + ", pg_typeof(" + expr + ")::text"
		if err := raw.QueryRow(q).Scan(&got, &typ); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got != want || typ != "bigint" {
			t.Errorf("%s = %d (%s), want %d (bigint)", q, got, typ, want)
		}
	}
}

// TestPostgresLiveActorAfterPgxOptions checks that the actor goes after
// every argument: pgx options that lead the arguments (here the simple
// protocol) must not shift it onto the statement's own parameter.
func TestPostgresLiveActorAfterPgxOptions(t *testing.T) {
	db, raw := kindDB(t, "pgx", liveKinds[0])
	ctx := softdelete.WithActor(context.Background(), "dan")
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeExec} {
		id := 1
		if mode == pgx.QueryExecModeExec {
			id = 2
		}
		if n := exec(t, ctx, db, "DELETE FROM items WHERE id = $1", mode, id); n != 1 {
			t.Errorf("DELETE under %v: %d rows", mode, n)
		}
	}
	if n := count(t, context.Background(), raw, "SELECT count(*) FROM items WHERE deleted_by = 'dan' AND id IN (1, 2)"); n != 2 {
		t.Errorf("rows deleted by dan: %d, want 2", n)
	}
	if _, err := db.ExecContext(ctx, "DELETE FROM items WHERE id = $1 AND name = $2", 4); err == nil || !strings.Contains(err.Error(), "takes 2 arguments, got 1") {
		t.Errorf("too few arguments: %v", err)
	}
}

// TestPostgresLivePurgeKinds purges each kind on PostgreSQL: the row
// deleted in 2020 goes, the row deleted now and the live rows stay (a
// flag is purged by its companion's time).
func TestPostgresLivePurgeKinds(t *testing.T) {
	for _, k := range liveKinds {
		if strings.HasPrefix(k.name, "flag") && k.compan == "" {
			continue // a flag alone holds no time: Purge refuses it
		}
		t.Run(k.name, func(t *testing.T) {
			db, raw := kindDB(t, "pgx", k)
			ctx := context.Background()
			if k.compan != "" {
				exec(t, ctx, raw, "UPDATE items SET "+k.compan+" = '2020-01-01' WHERE id = 3")
			}
			if n := exec(t, ctx, db, "DELETE FROM items WHERE id = 1"); n != 1 {
				t.Fatalf("soft DELETE: %d rows", n)
			}
			res, err := softdelete.Purge(ctx, db, "items", time.Now().Add(-time.Hour), nil)
			if err != nil {
				t.Fatal(err)
			}
			var ids string
			if err := raw.QueryRowContext(ctx, "SELECT string_agg(id::text, ',' ORDER BY id) FROM items").Scan(&ids); err != nil {
				t.Fatal(err)
			}
			if res.Rows["items"] != 1 || ids != "1,2,4,5" {
				t.Errorf("purged %v, left %s; want row 3 only purged", res.Rows, ids)
			}
		})
	}
}
