package softdelete

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// mysqlPurgeFixture creates posts with n rows: a third live (id%3 == 1), a
// third deleted two days ago (id%3 == 0), a third an hour ago (id%3 == 2),
// stamped by the server's now(6) in the session's time zone.
func mysqlPurgeFixture(t *testing.T, n int, colType, params string) *mysqlTestDB {
	t.Helper()
	m := mysqlOpen(t, "posts", params)
	mysqlExec(t, m.Raw,
		"CREATE TABLE posts (id INT PRIMARY KEY, body VARCHAR(10) NOT NULL, deleted_at "+colType+" NULL DEFAULT NULL) ENGINE=InnoDB",
		fmt.Sprintf("INSERT INTO posts (id, body, deleted_at) SELECT seq, 'x', CASE seq %% 3 WHEN 0 THEN now(6) - INTERVAL 2 DAY"+
			" WHEN 2 THEN now(6) - INTERVAL 1 HOUR END FROM seq_1_to_%d", n))
	return m
}

// mysqlPurgeCounts returns the old, live and recent rows left in posts.
func mysqlPurgeCounts(t *testing.T, raw *sql.DB) (old, live, recent int) {
	t.Helper()
	q := "SELECT coalesce(sum(id % 3 = 0), 0), coalesce(sum(id % 3 = 1), 0), coalesce(sum(id % 3 = 2), 0) FROM posts"
	if err := raw.QueryRow(q).Scan(&old, &live, &recent); err != nil {
		t.Fatal(err)
	}
	return old, live, recent
}

func TestMySQLPurge(t *testing.T) {
	mysqlBaseConfig(t)
	const n = 30000 // 10,000 old rows
	m := mysqlPurgeFixture(t, n, "DATETIME(6)", "parseTime=true")
	ctx := context.Background()
	cutoff := time.Now().Add(-24 * time.Hour)
	dry, err := Purge(ctx, m.DB, "posts", cutoff, &PurgeOptions{DryRun: true})
	if err != nil || dry.Rows["posts"] != n/3 {
		t.Fatalf("dry run: %+v, %v; want %d", dry, err, n/3)
	}
	var sizes []int64
	res, err := Purge(ctx, m.DB, "posts", cutoff, &PurgeOptions{BatchSize: 1500, Progress: func(p PurgeProgress) { sizes = append(sizes, p.Rows) }})
	if err != nil {
		t.Fatal(err)
	}
	// 10,000 rows in batches of 1,500: 6 full ones and one of 1,000.
	if res.Rows["posts"] != n/3 || res.Batches != 7 || fmt.Sprint(sizes) != "[1500 1500 1500 1500 1500 1500 1000]" {
		t.Errorf("purge: %+v, batches %v; want %d rows in 6 batches of 1500 and one of 1000", res, sizes, n/3)
	}
	if old, live, recent := mysqlPurgeCounts(t, m.Raw); old != 0 || live != n/3 || recent != n/3 {
		t.Errorf("left old %d, live %d, recent %d; want 0, %d, %d", old, live, recent, n/3, n/3)
	}
}

// TestMySQLPurgeNoPrimaryKey: a table without a primary key is purged in
// the marker's order.
func TestMySQLPurgeNoPrimaryKey(t *testing.T) {
	mysqlBaseConfig(t)
	m := mysqlOpen(t, "logs", "")
	mysqlExec(t, m.Raw, "CREATE TABLE logs (msg VARCHAR(10), deleted_at DATETIME(6) NULL)",
		"INSERT INTO logs SELECT 'x', IF(seq % 2 = 0, now(6) - INTERVAL 2 DAY, NULL) FROM seq_1_to_250")
	res, err := Purge(context.Background(), m.DB, "logs", time.Now().Add(-time.Hour), &PurgeOptions{BatchSize: 100})
	if err != nil || res.Rows["logs"] != 125 || res.Batches != 2 {
		t.Fatalf("purge: %+v, %v; want 125 rows in 2 batches", res, err)
	}
}

// TestMySQLPurgeKilled: the connection of a purge is killed in the middle
// of a batch (blocked on a row lock another transaction holds); the
// committed batches stay purged, nothing else is lost, and a rerun
// finishes the job.
func TestMySQLPurgeKilled(t *testing.T) {
	mysqlBaseConfig(t)
	const n, batch = 100000, 5000 // 33,333 old rows
	m := mysqlPurgeFixture(t, n, "DATETIME(6)", "parseTime=true")
	ctx := context.Background()
	lock, err := m.Raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()
	if _, err := lock.ExecContext(ctx, "SELECT id FROM posts WHERE id = ? FOR UPDATE", n-1); err != nil { // the last old row
		t.Fatal(err)
	}
	killed := make(chan error, 1)
	go func() { killed <- mysqlKillPurge(m, lock) }()
	cutoff := time.Now().Add(-24 * time.Hour)
	res, err := Purge(ctx, m.DB, "posts", cutoff, &PurgeOptions{BatchSize: batch})
	if kerr := <-killed; kerr != nil {
		t.Fatal(kerr)
	}
	if err == nil {
		t.Fatalf("purge with its connection killed: %+v, no error", res)
	}
	t.Logf("killed purge: %v", err)
	done := res.Rows["posts"]
	if done%batch != 0 || done >= n/3 {
		t.Errorf("killed purge reports %d rows; want whole batches of %d, not all %d", done, batch, n/3)
	}
	const live = n - 2*(n/3)
	if old, l, recent := mysqlPurgeCounts(t, m.Raw); int64(old) != n/3-done || l != live || recent != n/3 {
		t.Fatalf("after the kill: old %d, live %d, recent %d; want %d, %d, %d", old, l, recent, n/3-done, live, n/3)
	}
	res, err = Purge(ctx, m.DB, "posts", cutoff, &PurgeOptions{BatchSize: batch})
	if err != nil || res.Rows["posts"] != n/3-done {
		t.Fatalf("rerun: %+v, %v; want the %d rows left", res, err, n/3-done)
	}
	if old, l, recent := mysqlPurgeCounts(t, m.Raw); old != 0 || l != live || recent != n/3 {
		t.Errorf("after the rerun: old %d, live %d, recent %d; want 0, %d, %d", old, l, recent, live, n/3)
	}
}

// mysqlKillPurge waits for a purge DELETE that has run for half a second
// (a batch takes milliseconds: this one waits for the lock), kills its
// connection, then ends the lock's transaction.
func mysqlKillPurge(m *mysqlTestDB, lock *sql.Tx) error {
	defer lock.Rollback()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var id int64
		err := m.Raw.QueryRow("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO LIKE 'DELETE FROM%' AND TIME_MS > 500", m.Name).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			time.Sleep(25 * time.Millisecond)
			continue
		}
		if err != nil {
			return err
		}
		_, err = m.Raw.Exec(fmt.Sprintf("KILL %d", id))
		return err
	}
	return errors.New("no purge DELETE waited for the lock within 30s")
}

// TestMySQLPurgeTimeZone runs in a child process under TZ=Asia/Tokyo, with
// a session time_zone of +05:00 (the server's is another): stamps are in
// the session's zone, and the cutoff, an instant, is compared in it.
func TestMySQLPurgeTimeZone(t *testing.T) {
	mysqlBaseConfig(t)
	if os.Getenv("SOFTDELETE_TZ_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMySQLPurgeTimeZone$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "SOFTDELETE_TZ_CHILD=1", "TZ=Asia/Tokyo")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestMySQLPurgeTimeZone") {
			t.Fatalf("under TZ=Asia/Tokyo: %v\n%s", err, out)
		}
		return
	}
	if _, off := time.Now().Zone(); off != 9*3600 {
		t.Fatalf("time.Local is %v (offset %ds), want Asia/Tokyo", time.Local, off)
	}
	for _, colType := range []string{"DATETIME(6)", "TIMESTAMP(6)"} {
		for _, params := range []string{"parseTime=true", "parseTime=false"} {
			t.Run(colType+"/"+params, func(t *testing.T) { mysqlPurgeInZone(t, colType, params+"&time_zone=%27%2B05%3A00%27") })
		}
	}
}

func mysqlPurgeInZone(t *testing.T, colType, params string) {
	m := mysqlPurgeFixture(t, 6, colType, params) // 3, 6: two days ago; 2, 5: an hour ago
	ctx := context.Background()
	var zone, system string
	if err := m.DB.QueryRowContext(ctx, "SELECT @@session.time_zone, @@system_time_zone").Scan(&zone, &system); err != nil || zone != "+05:00" {
		t.Fatalf("session time_zone %q, %v; want +05:00", zone, err)
	}
	mysqlExec(t, m.DB, "DELETE FROM posts WHERE id = 1") // now, by softdelete's own stamp
	checkPurge := func(cutoff time.Time, want int64) {
		t.Helper()
		res, err := Purge(ctx, m.DB, "posts", cutoff, nil)
		if err != nil || res.Rows["posts"] != want {
			t.Fatalf("purge before %v (session %s, system %s): %+v, %v; want %d rows", cutoff, zone, system, res, err, want)
		}
	}
	checkPurge(time.Now().Add(-2*time.Hour), 2)
	checkPurge(time.Now().Add(-time.Minute), 2)
	checkPurge(time.Now().Add(-time.Minute), 0)
	checkPurge(time.Now().Add(time.Minute), 1)
	if _, live, _ := mysqlPurgeCounts(t, m.Raw); live != 1 {
		t.Errorf("%d live rows left, want 1", live)
	}
}

// TestMySQLPurgeCutoffRange: a cutoff FROM_UNIXTIME cannot read is an
// error, not a purge of nothing.
func TestMySQLPurgeCutoffRange(t *testing.T) {
	mysqlBaseConfig(t)
	m := mysqlPurgeFixture(t, 3, "DATETIME(6)", "")
	for _, cutoff := range []time.Time{time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if _, err := Purge(context.Background(), m.DB, "posts", cutoff, nil); err == nil || !strings.Contains(err.Error(), "FROM_UNIXTIME") {
			t.Errorf("cutoff %v: %v; want an error naming the range", cutoff, err)
		}
	}
}
