package softdelete

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// purgeRows is the SQLite fixture of the purge tests: n rows in posts, a
// third live (id%3 == 1), a third deleted two days ago (id%3 == 0, the
// old ones), a third deleted an hour ago (id%3 == 2).
func purgeSQLite(t *testing.T, n int, extraDSN string) *sql.DB {
	t.Helper()
	file := filepath.Join(t.TempDir(), "purge.db")
	db, err := sql.Open(DriverName, "driver=sqlite3 tables=posts"+extraDSN+" dsn=file:"+file+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE TABLE posts (id INTEGER PRIMARY KEY, body TEXT, deleted_at DATETIME)"); err != nil {
		t.Fatal(err)
	}
	old := time.Now().UTC().Add(-48 * time.Hour).Format(sqliteStampLayout)
	recent := time.Now().UTC().Add(-time.Hour).Format(sqliteStampLayout)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := tx.PrepareContext(ctx, "INSERT INTO posts (id, body, deleted_at) VALUES (?, 'x', ?)")
	if err != nil {
		t.Fatal(err)
	}
	for id := 1; id <= n; id++ {
		var marker any
		switch id % 3 {
		case 0:
			marker = old
		case 2:
			marker = recent
		}
		if _, err := st.ExecContext(ctx, id, marker); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return db
}

// purgeCounts returns the old, live and recent rows left in posts.
func purgeCounts(t *testing.T, db *sql.DB) (old, live, recent int) {
	t.Helper()
	q := "SELECT coalesce(sum(id % 3 = 0), 0), coalesce(sum(id % 3 = 1), 0), coalesce(sum(id % 3 = 2), 0) FROM posts"
	if err := db.QueryRowContext(WithIncludeDeleted(context.Background()), q).Scan(&old, &live, &recent); err != nil {
		t.Fatal(err)
	}
	return old, live, recent
}

func TestPurgeSQLite(t *testing.T) {
	const n = 12000 // 4,000 old rows
	db := purgeSQLite(t, n, "")
	ctx := context.Background()
	cutoff := time.Now().Add(-24 * time.Hour)
	var batches []PurgeProgress
	dry, err := Purge(ctx, db, "posts", cutoff, &PurgeOptions{DryRun: true})
	if err != nil || dry.Rows["posts"] != n/3 || dry.Batches != 0 {
		t.Fatalf("dry run: %+v, %v; want %d rows, 0 batches", dry, err, n/3)
	}
	if old, _, _ := purgeCounts(t, db); old != n/3 {
		t.Fatalf("the dry run deleted rows: %d old left, want %d", old, n/3)
	}
	res, err := Purge(ctx, db, "POSTS", cutoff, &PurgeOptions{BatchSize: 700, Progress: func(p PurgeProgress) { batches = append(batches, p) }})
	if err != nil {
		t.Fatal(err)
	}
	// 4,000 rows in batches of 700: 5 full batches and one of 500, which ends it.
	if res.Rows["posts"] != n/3 || res.Batches != 6 || res.Total() != n/3 {
		t.Errorf("result %+v, total %d; want %d rows in 6 batches", res, res.Total(), n/3)
	}
	if len(batches) != 6 {
		t.Fatalf("progress called %d times, want 6: %+v", len(batches), batches)
	}
	for i, b := range batches {
		want := int64(700)
		if i == 5 {
			want = 500
		}
		if b.Table != "posts" || b.Batch != i+1 || b.Rows != want || b.Total != int64(700*i)+want {
			t.Errorf("progress %d: %+v; want batch %d of %d rows", i, b, i+1, want)
		}
	}
	old, live, recent := purgeCounts(t, db)
	if old != 0 || live != n/3 || recent != n/3 {
		t.Errorf("left old %d, live %d, recent %d; want 0, %d, %d", old, live, recent, n/3, n/3)
	}
	again, err := Purge(ctx, db, "posts", cutoff, nil)
	if err != nil || again.Rows["posts"] != 0 || again.Batches != 1 {
		t.Errorf("second purge: %+v, %v; want nothing left to purge, in 1 statement", again, err)
	}
}

func TestPurgeDefaultBatchAndLog(t *testing.T) {
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, nil))
	file := filepath.Join(t.TempDir(), "log.db")
	c, err := NewConnector(Config{DriverName: "sqlite3", DSN: "file:" + file, Tables: []string{"posts"}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	ctx := context.Background()
	mustExecDB(t, db, "CREATE TABLE posts (id INTEGER PRIMARY KEY, deleted_at DATETIME)")
	if _, err := db.ExecContext(rawContext(ctx), "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500) INSERT INTO posts (id) SELECT i FROM n"); err != nil {
		t.Fatal(err)
	}
	mustExecDB(t, db, "DELETE FROM posts")
	res, err := Purge(ctx, db, "posts", time.Now().Add(time.Minute), nil)
	if err != nil || res.Rows["posts"] != 2500 || res.Batches != 3 {
		t.Fatalf("purge: %+v, %v; want 2500 rows in 3 batches of at most %d", res, err, DefaultPurgeBatch)
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("logged %d lines, want one per batch:\n%s", len(lines), log.String())
	}
	for i, want := range []string{"rows=1000", "rows=1000", "rows=500"} {
		if !strings.Contains(lines[i], "level=INFO") || !strings.Contains(lines[i], "table=posts") ||
			!strings.Contains(lines[i], want) || !strings.Contains(lines[i], "cutoff=") {
			t.Errorf("log line %d: %s; want INFO, table=posts, %s and the cutoff", i, lines[i], want)
		}
	}
}

func mustExecDB(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestPurgeCancelledThenRerun: a purge cancelled between batches keeps
// the committed batches, leaves the rest intact, and a rerun finishes.
func TestPurgeCancelledThenRerun(t *testing.T) {
	const n = 10500 // 3,500 old rows
	db := purgeSQLite(t, n, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cutoff := time.Now().Add(-24 * time.Hour)
	res, err := Purge(ctx, db, "posts", cutoff, &PurgeOptions{BatchSize: 1000, Progress: func(p PurgeProgress) {
		if p.Batch == 2 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "run Purge again") {
		t.Fatalf("cancelled purge: %v; want context.Canceled and how to finish", err)
	}
	if res == nil || res.Rows["posts"] != 2000 || res.Batches != 2 {
		t.Fatalf("cancelled purge result %+v; want the 2 committed batches, 2000 rows", res)
	}
	if old, live, recent := purgeCounts(t, db); old != n/3-2000 || live != n/3 || recent != n/3 {
		t.Fatalf("after the cancel: old %d, live %d, recent %d; want %d, %d, %d", old, live, recent, n/3-2000, n/3, n/3)
	}
	res, err = Purge(context.Background(), db, "posts", cutoff, &PurgeOptions{BatchSize: 1000})
	if err != nil || res.Rows["posts"] != n/3-2000 {
		t.Fatalf("rerun: %+v, %v; want the %d rows left", res, err, n/3-2000)
	}
	if old, live, recent := purgeCounts(t, db); old != 0 || live != n/3 || recent != n/3 {
		t.Errorf("after the rerun: old %d, live %d, recent %d; want 0, %d, %d", old, live, recent, n/3, n/3)
	}
}

// TestPurgeConcurrentWithWrites: a purge under -race while other
// goroutines soft-delete and read; it removes only rows deleted before
// the cutoff.
func TestPurgeConcurrentWithWrites(t *testing.T) {
	db := purgeSQLite(t, 3000, "")
	ctx := context.Background()
	done := make(chan error, 1)
	go func() {
		var err error
		for id := 1; id <= 300 && err == nil; id += 3 {
			_, err = db.ExecContext(ctx, "DELETE FROM posts WHERE id = ?", id)
		}
		done <- err
	}()
	res, err := Purge(ctx, db, "posts", time.Now().Add(-24*time.Hour), &PurgeOptions{BatchSize: 100})
	if err != nil || res.Rows["posts"] != 1000 {
		t.Fatalf("purge: %+v, %v; want the 1000 old rows", res, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if old, live, recent := purgeCounts(t, db); old != 0 || live != 1000 || recent != 1000 {
		t.Errorf("left old %d, live %d, recent %d; want 0, 1000, 1000", old, live, recent)
	}
}

func TestPurgeRefusals(t *testing.T) {
	db := purgeSQLite(t, 3, "")
	ctx := context.Background()
	cutoff := time.Now()
	for _, c := range []struct {
		name, table string
		cutoff      time.Time
		opts        *PurgeOptions
		want        string
	}{
		{"unlisted", "users", cutoff, nil, "users is not a soft-delete table (listed: posts)"},
		{"not a name", "posts; DROP TABLE posts", cutoff, nil, "is not a plain table name"},
		{"negative batch", "posts", cutoff, &PurgeOptions{BatchSize: -1}, "BatchSize -1 is negative"},
		{"zero cutoff", "posts", time.Time{}, nil, "deletedBefore is the zero time"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := Purge(ctx, db, c.table, c.cutoff, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) || res != nil {
				t.Errorf("Purge: %+v, %v; want an error with %q", res, err, c.want)
			}
		})
	}
	raw, err := sql.Open("sqlite3", filepath.Join(t.TempDir(), "raw.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := Purge(ctx, raw, "posts", cutoff, nil); err == nil || !strings.Contains(err.Error(), "does not use the softdelete driver") {
		t.Errorf("Purge on a plain sqlite3 database: %v; want it refused", err)
	}
	if old, live, recent := purgeCounts(t, db); old+live+recent != 3 {
		t.Errorf("a refused purge deleted rows: %d left", old+live+recent)
	}
}

// TestPurgeSQLiteNonTextMarker: a marker that is not text (a number
// written by hand) sorts before any text in SQLite; it is never taken for
// an old stamp.
func TestPurgeSQLiteNonTextMarker(t *testing.T) {
	db := purgeSQLite(t, 3, "")
	mustExecDB(t, db, "INSERT INTO posts (id, deleted_at) VALUES (100, ?)", time.Now().Unix())
	res, err := Purge(context.Background(), db, "posts", time.Now().Add(-24*time.Hour), nil)
	if err != nil || res.Rows["posts"] != 1 {
		t.Fatalf("purge: %+v, %v; want the one old text stamp", res, err)
	}
	var n int
	if err := db.QueryRowContext(WithOnlyDeleted(context.Background()), "SELECT count(*) FROM posts WHERE id = 100").Scan(&n); err != nil || n != 1 {
		t.Errorf("the numeric marker row: %d, %v; want it kept", n, err)
	}
}

// TestPurgeTimeZoneSQLite runs in a child process under TZ=Asia/Tokyo:
// the cutoff is an instant, compared with SQLite's UTC stamps as UTC text.
func TestPurgeTimeZoneSQLite(t *testing.T) {
	if os.Getenv("SOFTDELETE_TZ_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestPurgeTimeZoneSQLite$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "SOFTDELETE_TZ_CHILD=1", "TZ=Asia/Tokyo")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestPurgeTimeZoneSQLite") {
			t.Fatalf("under TZ=Asia/Tokyo: %v\n%s", err, out)
		}
		return
	}
	if _, off := time.Now().Zone(); off != 9*3600 {
		t.Fatalf("time.Local is %v (offset %ds), want Asia/Tokyo", time.Local, off)
	}
	db := purgeSQLite(t, 6, "") // ids 3, 6 deleted 48h ago; 2, 5 an hour ago
	ctx := context.Background()
	mustExecDB(t, db, "DELETE FROM posts WHERE id = 1") // now, by softdelete's own stamp
	checkPurge := func(cutoff time.Time, want int64) {
		t.Helper()
		res, err := Purge(ctx, db, "posts", cutoff, nil)
		if err != nil || res.Rows["posts"] != want {
			t.Fatalf("purge before %v: %+v, %v; want %d rows", cutoff, res, err, want)
		}
	}
	checkPurge(time.Now().Add(-2*time.Hour), 2)      // the 48h-old rows only
	checkPurge(time.Now().Add(-time.Minute), 2)      // the hour-old rows, not id 1
	checkPurge(time.Now().Add(-time.Minute), 0)      // nothing else is that old
	checkPurge(time.Now().Add(time.Minute), 1)       // id 1
	if _, live, _ := purgeCounts(t, db); live != 1 { // id 4
		t.Errorf("%d live rows left, want 1", live)
	}
}
