package softdelete

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// recordingHandler keeps the records it is given, at or above its level.
type recordingHandler struct {
	mu      sync.Mutex
	level   slog.Level
	records []slog.Record
}

func (h *recordingHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }
func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.records = append(h.records, r)
	h.mu.Unlock()
	return nil
}
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler      { return h }

// attrs returns a record's attributes as a map.
func attrs(r slog.Record) map[string]string {
	m := map[string]string{}
	r.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.String()
		return true
	})
	return m
}

func openLogged(t *testing.T, level slog.Level) (*sql.DB, *recordingHandler) {
	t.Helper()
	h := &recordingHandler{level: level}
	path := filepath.Join(t.TempDir(), "log.db")
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT, deleted_at DATETIME NULL)"); err != nil {
		t.Fatal(err)
	}
	c, err := NewConnector(Config{DriverName: "sqlite3", DSN: path, Tables: []string{"posts"}, Logger: slog.New(h)})
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db, h
}

// A refusal is logged at Warn each time, with its table, its reason and
// the statement cut to 200 bytes, never an argument's value.
func TestLogRefusal(t *testing.T) {
	db, h := openLogged(t, slog.LevelWarn)
	ctx := context.Background()
	q := "REPLACE INTO posts (id, title) VALUES (?, ?) /*" + strings.Repeat("é", 200) + "*/"
	for i := 0; i < 2; i++ {
		if _, err := db.ExecContext(ctx, q, 1, "secret-argument"); !errors.Is(err, ErrRefused) {
			t.Fatalf("REPLACE: %v, want a refusal", err)
		}
	}
	if len(h.records) != 2 {
		t.Fatalf("%d records for two refusals, want 2", len(h.records))
	}
	r := h.records[0]
	a := attrs(r)
	if r.Level != slog.LevelWarn || a["table"] != "posts" || a["reason"] == "" || a["mode"] != "default" {
		t.Errorf("refusal record: %v %q %v", r.Level, r.Message, a)
	}
	if st := a["statement"]; !strings.HasSuffix(st, "…") || len(st) > logTextLimit+len("…") || !strings.HasPrefix(q, strings.TrimSuffix(st, "…")) {
		t.Errorf("statement %q: want the first %d bytes of the text and an ellipsis", st, logTextLimit)
	}
	var buf bytes.Buffer
	for _, r := range h.records {
		buf.WriteString(r.Message)
		for _, v := range attrs(r) {
			buf.WriteString(v)
		}
	}
	if strings.Contains(buf.String(), "secret-argument") {
		t.Errorf("an argument value was logged: %s", buf.String())
	}
}

// A rewrite is logged at Debug once, when it is computed: a statement
// served from the cache is not logged again; at Info nothing is logged.
func TestLogRewriteOncePerMiss(t *testing.T) {
	db, h := openLogged(t, slog.LevelDebug)
	ctx := WithOnlyDeleted(context.Background(), "posts")
	for i := 0; i < 3; i++ {
		if _, err := db.ExecContext(ctx, "UPDATE posts SET title = ? WHERE id = ?", "x", 1); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(context.Background(), "SELECT 1"); err != nil { // names no listed table: not logged
		t.Fatal(err)
	}
	if len(h.records) != 1 {
		t.Fatalf("%d records for one rewrite run three times, want 1: %v", len(h.records), h.records)
	}
	a := attrs(h.records[0])
	if h.records[0].Level != slog.LevelDebug || a["before"] != "UPDATE posts SET title = ? WHERE id = ?" || !strings.Contains(a["after"], "update posts") || a["mode"] != "|posts=d" {
		t.Errorf("rewrite record: %v %v", h.records[0].Level, a)
	}
	quiet, qh := openLogged(t, slog.LevelInfo)
	if _, err := quiet.ExecContext(context.Background(), "DELETE FROM posts WHERE id = ?", 1); err != nil {
		t.Fatal(err)
	}
	if len(qh.records) != 0 {
		t.Errorf("at Info: %d records, want 0", len(qh.records))
	}
}

func TestCutText(t *testing.T) {
	if got := cutText("short"); got != "short" {
		t.Errorf("cutText(short) = %q", got)
	}
	long := strings.Repeat("a", 199) + "éé"
	if got := cutText(long); got != strings.Repeat("a", 199)+"…" {
		t.Errorf("cutText cut inside a character: %q", got)
	}
}
