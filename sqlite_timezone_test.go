package softdelete

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "time/tzdata" // Asia/Tokyo where the system has no zone files
)

// sqliteStampLayout is how the default SQLite stamp writes a time (UTC).
const sqliteStampLayout = "2006-01-02 15:04:05.000"

// TestSQLiteStampsIgnoreTimeZone: the SQLite stamps of a soft DELETE are
// UTC whatever the process's zone (so is coalesce(col, now) of a DELETE ...
// LIMIT under WithIncludeDeleted: the same expression, checked on the
// rewrite, since go-sqlite3's amalgamation has no UPDATE ... LIMIT), Restore
// writes no time, and a comparison against
// time.Now().UTC() formatted as the stamp is right. It runs itself again in
// a child process under TZ=Asia/Tokyo, so that no other test sees the zone.
func TestSQLiteStampsIgnoreTimeZone(t *testing.T) {
	if os.Getenv("SOFTDELETE_TZ_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSQLiteStampsIgnoreTimeZone$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "SOFTDELETE_TZ_CHILD=1", "TZ=Asia/Tokyo")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("under TZ=Asia/Tokyo: %v\n%s", err, out)
		}
		return
	}
	if _, off := time.Now().Zone(); off != 9*3600 {
		t.Fatalf("time.Local is %v (offset %ds), want Asia/Tokyo", time.Local, off)
	}
	c, err := NewConnector(Config{DriverName: "sqlite3", Tables: []string{"users"}})
	if err != nil {
		t.Fatal(err)
	}
	const utcNow = "strftime('%Y-%m-%d %H:%M:%f', 'now')" // 'now' is UTC in SQLite; 'localtime' would not be
	out, err := c.Rewrite(WithIncludeDeleted(context.Background()), "DELETE FROM users WHERE id >= 2 ORDER BY id LIMIT 1")
	if want := "coalesce(deleted_at, " + utcNow + ")"; err != nil || !strings.Contains(out, want) {
		t.Errorf("DELETE ... LIMIT under WithIncludeDeleted became %q, %v; want it to stamp %s", out, err, want)
	}
	for _, params := range []string{"", "?_loc=UTC", "?_loc=auto"} {
		t.Run("params="+params, func(t *testing.T) { sqliteStampsInZone(t, params) })
	}
}

func sqliteStampsInZone(t *testing.T, params string) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "tz.db")
	db, err := sql.Open(DriverName, "driver=sqlite3 tables=users dsn=file:"+file+params)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustExec := func(ctx context.Context, q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := db.QueryRowContext(WithIncludeDeleted(ctx), q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	mustExec(ctx, "CREATE TABLE users (id INTEGER PRIMARY KEY, deleted_at DATETIME)")
	mustExec(ctx, "INSERT INTO users (id) VALUES (1), (2), (3)")
	before := time.Now().UTC().Add(-time.Minute)
	mustExec(ctx, "DELETE FROM users WHERE id = 1")
	mustExec(ctx, "DELETE FROM users WHERE id = ?", 2)
	after := time.Now().UTC().Add(time.Minute)

	// The stamps, as text, are UTC.
	for _, id := range []int{1, 2} {
		var text string
		if err := db.QueryRowContext(WithIncludeDeleted(ctx), "SELECT deleted_at || '' FROM users WHERE id = ?", id).Scan(&text); err != nil {
			t.Fatal(err)
		}
		stamp, err := time.ParseInLocation(sqliteStampLayout, text, time.UTC)
		if err != nil || stamp.Before(before) || stamp.After(after) {
			t.Errorf("user %d: stamp %q (%v) is not the UTC time now (%v)", id, text, err, before.Add(time.Minute))
		}
		// Scanned as a time.Time, whatever _loc, it is the same instant.
		var tm time.Time
		if err := db.QueryRowContext(WithIncludeDeleted(ctx), "SELECT deleted_at FROM users WHERE id = ?", id).Scan(&tm); err != nil {
			t.Fatal(err)
		}
		if !tm.Equal(stamp) {
			t.Errorf("user %d: scanned %v, want the instant %v", id, tm, stamp)
		}
	}
	// The advice: compare with UTC text in the stamp's layout.
	if n := count("SELECT count(*) FROM users WHERE deleted_at > ?", before.Format(sqliteStampLayout)); n != 2 {
		t.Errorf("deleted_at > a minute ago (UTC text): %d rows, want 2", n)
	}
	if n := count("SELECT count(*) FROM users WHERE deleted_at < ?", after.Format(sqliteStampLayout)); n != 2 {
		t.Errorf("deleted_at < in a minute (UTC text): %d rows, want 2", n)
	}
	// The pitfall the README describes: go-sqlite3 writes a local
	// time.Time as local text ("... 19:00:00+09:00"), whatever _loc (which
	// only changes how it reads), so a stamp made a second ago looks 9
	// hours older than it.
	if n := count("SELECT count(*) FROM users WHERE deleted_at > ?", time.Now().Add(-time.Minute)); n != 0 {
		t.Errorf("deleted_at > a local time.Time: %d rows; go-sqlite3 no longer writes local text: update the README", n)
	}
	// Restore writes no time: the rows come back.
	if _, err := Restore(ctx, db, "users", "id IN (?, ?)", 1, 2); err != nil {
		t.Fatal(err)
	}
	if n := count("SELECT count(*) FROM users WHERE deleted_at IS NULL"); n != 3 {
		t.Errorf("after Restore: %d live rows, want 3", n)
	}
}
