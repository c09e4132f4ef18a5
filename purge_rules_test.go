package softdelete

import (
	"strings"
	"testing"
	"time"
)

func TestNumberPlaceholders(t *testing.T) {
	for in, want := range map[string]string{
		"a = ? AND b IN (?, ?)":               "a = $1 AND b IN ($2, $3)",
		`"we?ird" = ? AND c = 'it''s ?'`:      `"we?ird" = $1 AND c = 'it''s ?'`,
		`"a""?" = ? AND x = '?' AND y = ?`:    `"a""?" = $1 AND x = '?' AND y = $2`,
		"no placeholders":                     "no placeholders",
		"unterminated 'string ? and ? at end": "unterminated 'string ? and ? at end",
	} {
		if got := numberPlaceholders(in); got != want {
			t.Errorf("numberPlaceholders(%q) = %q, want %q", in, got, want)
		}
	}
}

// The SQL each dialect's rules write for one batch, and the PostgreSQL
// cutoff.
func TestPurgeRulesSQL(t *testing.T) {
	q, n := postgresPurge.batch(`"posts"`, `"deleted_at" < ?::timestamptz`, `"id"`, 500)
	if want := `DELETE FROM "posts" WHERE ctid = ANY(ARRAY(SELECT ctid FROM "posts" WHERE "deleted_at" < ?::timestamptz LIMIT 500 FOR UPDATE)) AND "deleted_at" < ?::timestamptz`; q != want || n != 2 {
		t.Errorf("postgres batch %q (%d), want %q (2)", q, n, want)
	}
	if q, n := mysqlPurge.batch("`posts`", "`deleted_at` < ?", "`id`", 7); q != "DELETE FROM `posts` WHERE `deleted_at` < ? ORDER BY `id` LIMIT 7" || n != 1 {
		t.Errorf("mysql batch %q (%d)", q, n)
	}
	if q, n := sqlitePurge.batch("`posts`", "x", "", 7); q != "DELETE FROM `posts` WHERE rowid IN (SELECT rowid FROM `posts` WHERE x LIMIT 7)" || n != 1 {
		t.Errorf("sqlite batch %q (%d)", q, n)
	}
	cutoff := time.Date(2026, 3, 29, 1, 30, 0, 123456789, time.FixedZone("CET", 3600))
	where, args, err := postgresPurge.cutoff(nil, `"deleted_at"`, cutoff)
	if err != nil || where != `"deleted_at" < ?::timestamptz` || len(args) != 1 || args[0] != "2026-03-29 00:30:00.123456+00" {
		t.Errorf("postgres cutoff %q %v %v", where, args, err)
	}
}

// A PostgreSQL purge's child steps: names of cascade= folded to lower
// case and double-quoted, declared ones as the catalog spells them,
// placeholders numbered.
func TestPostgresPurgeSteps(t *testing.T) {
	users := &softTable{name: "users", column: "deleted_at"}
	posts := &softTable{name: "posts", column: "deleted_at"}
	flags := &softTable{name: "flags", column: "is_deleted", kind: KindFlag}
	pc := &purgeCascade{rules: &postgresPurge, key: []string{`"id"`}, rels: map[string][]*relation{
		"users": {
			{child: posts, parent: users, childName: "Posts", parentName: "users", childCols: []string{"User_id"}, parentCols: []string{"id"}},
			{child: flags, parent: users, childName: "Flags", parentName: "users", childCols: []string{"Owner"}, parentCols: []string{"id"}, declared: true},
		},
	}}
	level0 := func(a string) string { return pc.keyIn(a, 2) }
	var got []string
	for _, s := range pc.steps("users", level0, 1, map[string]int{"users": 1}) {
		got = append(got, s.sql)
	}
	want := []string{
		`DELETE FROM "posts" WHERE "deleted_at" IS NOT NULL AND "user_id" IN (SELECT sd_1."id" FROM "users" AS sd_1 WHERE sd_1."id" IN ($1, $2))`,
		`DELETE FROM "Flags" WHERE "is_deleted" <> '0' AND "Owner" IN (SELECT sd_1."id" FROM "users" AS sd_1 WHERE sd_1."id" IN ($1, $2))`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if b := pc.blockedSQL("users", "sd_k", map[string]int{"users": 1}); !strings.Contains(b, `EXISTS (SELECT 1 FROM "posts" AS sd_k_0 WHERE sd_k_0."user_id" = sd_k."id" AND (sd_k_0."deleted_at" IS NOT NULL) IS NOT TRUE)`) ||
		!strings.Contains(b, `(sd_k_1."is_deleted" <> '0') IS NOT TRUE`) {
		t.Errorf("blocked: %s", b)
	}
}
