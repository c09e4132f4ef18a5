//go:build postgres

package softdelete

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	_ "github.com/lib/pq"
)

// The cascade tests of cascade_test.go on PostgreSQL, through pgx with a
// timestamptz marker in a session TimeZone east of UTC by 5:30 (stamps
// carry an offset of minutes), and through lib/pq with a timestamp marker
// (no time zone). Each test runs in a scratch database.
func init() {
	cascadeOpeners["postgres-pgx"] = func(t *testing.T, c *cascadeDB) []string {
		return cascadeOpenPG(t, c, "pgx", "timestamptz", "&timezone=Asia/Kolkata")
	}
	cascadeOpeners["postgres-pq"] = func(t *testing.T, c *cascadeDB) []string {
		return cascadeOpenPG(t, c, "postgres", "timestamp", "")
	}
}

// cascadeOpenPG creates a scratch database for the fixture, opens it raw
// and through softdelete on the inner driver drv, and returns the DDL with
// the marker type typ; params are added to the DSN.
func cascadeOpenPG(t *testing.T, c *cascadeDB, drv, typ, params string) []string {
	dsn := os.Getenv("SOFTDELETE_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SOFTDELETE_POSTGRES_DSN is not set: skipping the PostgreSQL cascade tests")
	}
	env, cleanup := pgDiffEnv(t, dsn)
	t.Cleanup(cleanup)
	inner := env.dsn + params
	raw, err := sql.Open(drv, inner)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	c.Raw, c.pg = raw, true
	c.open = func(keys string) *sql.DB {
		db, err := sql.Open(DriverName, "driver="+drv+" tables="+cascadeTables+" "+keys+" dsn="+inner)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	var ddl []string
	for _, q := range cascadeDDL {
		ddl = append(ddl, fmt.Sprintf(q, "INT", typ, ""))
	}
	// PostgreSQL does not index a foreign key's columns (MySQL does): as
	// the README advises, the fixture does, or the planner's guesses for
	// these never-analysed tables make Purge's nested checks compile JIT
	// code for seconds a statement.
	return append(ddl, pgFixtureIndexes...)
}

// pgFixtureIndexes index the foreign keys of cascadeDDL.
var pgFixtureIndexes = []string{
	"CREATE INDEX ON posts (user_id)", "CREATE INDEX ON comments (post_id)", "CREATE INDEX ON comments (parent_id)",
	"CREATE INDEX ON likes (comment_id)", "CREATE INDEX ON profiles (user_id)", "CREATE INDEX ON audit (user_id)",
}

// TestDifferentialCascadePostgres runs the foreign-key differential
// (diff_cascade_test.go) on PostgreSQL, the schemas through pgx and lib/pq
// in turn (in a session TimeZone west of UTC), with timestamp and
// timestamptz markers and, besides CASCADE,
// RESTRICT, NO ACTION and SET NULL, NO ACTION keys INITIALLY DEFERRED.
// SOFTDELETE_DIFF_CASCADE_PG_N sets the size (default 300).
func TestDifferentialCascadePostgres(t *testing.T) {
	dsn := os.Getenv("SOFTDELETE_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SOFTDELETE_POSTGRES_DSN is not set")
	}
	seed := diffEnvInt(t, "SOFTDELETE_DIFF_SEED", 20261130)
	n := diffEnvInt(t, "SOFTDELETE_DIFF_CASCADE_PG_N", 300)
	softEnv, softDone := pgDiffEnv(t, dsn)
	defer softDone()
	oracleEnv, oracleDone := pgDiffEnv(t, dsn)
	defer oracleDone()
	oracle, err := sql.Open("pgx", oracleEnv.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer oracle.Close()
	oracle.SetMaxOpenConns(1)
	runCascadeDifferential(t, &cdBackend{name: "postgres", drivers: []string{"pgx", "postgres"}, pg: true, drop: true,
		softDSN: func(int) string { return softEnv.dsn + "&timezone=America/New_York" },
		oracle:  func(int) *sql.DB { return oracle }}, n, seed)
}

// pgCascadeDrivers are the inner drivers the PostgreSQL tests run on.
var pgCascadeDrivers = []string{"pgx", "postgres"}

// pgCascadeOpen creates a scratch database with ddl, and returns it raw
// and through softdelete (tables listed, extra DSN keys) on drv.
func pgCascadeOpen(t *testing.T, drv, tables, keys string, ddl ...string) (raw, db *sql.DB) {
	t.Helper()
	dsn := os.Getenv("SOFTDELETE_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SOFTDELETE_POSTGRES_DSN is not set: skipping the PostgreSQL cascade tests")
	}
	env, cleanup := pgDiffEnv(t, dsn)
	t.Cleanup(cleanup)
	raw, err := sql.Open(drv, env.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	for _, q := range ddl {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db, err = sql.Open(DriverName, "driver="+drv+" tables="+tables+" "+keys+" dsn="+env.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return raw, db
}

// pgDeleted lists the deleted ids of each table, "users=1 posts=10,11".
func pgDeleted(t *testing.T, raw *sql.DB, tables ...string) string {
	t.Helper()
	var parts []string
	for _, tb := range tables {
		var ids sql.NullString
		if err := raw.QueryRow("SELECT string_agg(id::text, ',' ORDER BY id) FROM " + tb + " WHERE deleted_at IS NOT NULL").Scan(&ids); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, tb+"="+ids.String)
	}
	return strings.Join(parts, " ")
}

// pgUsersPosts is a parent and a child through ON DELETE CASCADE.
var pgUsersPosts = []string{
	"CREATE TABLE users (id int PRIMARY KEY, name text, deleted_at timestamptz)",
	"CREATE TABLE posts (id int PRIMARY KEY, user_id int REFERENCES users ON DELETE CASCADE, deleted_at timestamptz)",
	"INSERT INTO users VALUES (1, 'a', NULL), (2, 'b', NULL)",
	"INSERT INTO posts VALUES (10, 1, NULL), (11, 1, NULL), (20, 2, NULL)",
}

// A transaction begun as text on a sql.Conn is one softdelete does not
// know of: the cascade must run in a savepoint of it (found by setting
// one), never in a transaction of its own that would commit the caller's
// work. ROLLBACK then undoes everything; a RESTRICT failure inside leaves
// the transaction usable; COMMIT keeps the cascade.
func TestPostgresCascadeInTextTransaction(t *testing.T) {
	for _, drv := range pgCascadeDrivers {
		t.Run(drv, func(t *testing.T) {
			raw, db := pgCascadeOpen(t, drv, "users,posts,likes", "", append(pgUsersPosts,
				"CREATE TABLE likes (id int PRIMARY KEY, post_id int REFERENCES posts ON DELETE RESTRICT, deleted_at timestamptz)",
				"INSERT INTO likes VALUES (100, 20, NULL)")...)
			ctx := context.Background()
			conn, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			for _, q := range []string{"BEGIN", "UPDATE users SET name = 'changed' WHERE id = 2", "DELETE FROM users WHERE id = 1", "ROLLBACK"} {
				if _, err := conn.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			var changed int
			if err := raw.QueryRow("SELECT count(*) FROM users WHERE name = 'changed'").Scan(&changed); err != nil || changed != 0 {
				t.Errorf("after ROLLBACK: %d users changed (%v); want the rollback to undo the caller's UPDATE", changed, err)
			}
			if got := pgDeleted(t, raw, "users", "posts"); got != "users= posts=" {
				t.Errorf("after BEGIN ... ROLLBACK: %s; want nothing deleted", got)
			}
			cexec(t, ctx, conn, "BEGIN")
			cexec(t, ctx, conn, "DELETE FROM users WHERE id = 1")
			if _, err := conn.ExecContext(ctx, "DELETE FROM users WHERE id = 2"); !errors.Is(err, ErrRestricted) {
				t.Fatalf("DELETE of user 2 (a live like on post 20): %v; want ErrRestricted", err)
			}
			cexec(t, ctx, conn, "UPDATE users SET name = 'after' WHERE id = 2") // the transaction is still usable
			cexec(t, ctx, conn, "COMMIT")
			if got := pgDeleted(t, raw, "users", "posts", "likes"); got != "users=1 posts=10,11 likes=" {
				t.Errorf("after BEGIN ... COMMIT: %s; want user 1 and its posts", got)
			}
			var name string
			if err := raw.QueryRow("SELECT name FROM users WHERE id = 2").Scan(&name); err != nil || name != "after" {
				t.Errorf("user 2's name %q (%v); want the UPDATE after the failed DELETE committed", name, err)
			}
		})
	}
}

// Declared keys are followed only while the session enforces them: under
// session_replication_role = replica their triggers do not fire, so a
// raw DELETE would not cascade either. cascade= relations are always
// followed.
func TestPostgresCascadeFollowsEnforcedOrDeclaredOnly(t *testing.T) {
	raw, db := pgCascadeOpen(t, "pgx", "users,posts", "", pgUsersPosts...)
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cexec(t, ctx, conn, "SET session_replication_role = replica")
	cexec(t, ctx, conn, "DELETE FROM users WHERE id = 2")
	cexec(t, ctx, conn, "SET session_replication_role = DEFAULT")
	conn.Close()
	if got := pgDeleted(t, raw, "users", "posts"); got != "users=2 posts=" {
		t.Errorf("under replica: %s; want user 2 alone", got)
	}
	cexec(t, ctx, db, "DELETE FROM users WHERE id = 1")
	if got := pgDeleted(t, raw, "users", "posts"); got != "users=1,2 posts=10,11" {
		t.Errorf("enforced: %s; want user 1 with posts 10, 11", got)
	}
	// No declared key, check=off: only cascade= is followed.
	raw2, db2 := pgCascadeOpen(t, "postgres", "users,posts", "check=off cascade=posts.user_id->users.id",
		"CREATE TABLE users (id int PRIMARY KEY, deleted_at timestamp)",
		"CREATE TABLE posts (id int PRIMARY KEY, user_id int, deleted_at timestamp)",
		"INSERT INTO users VALUES (1, NULL)", "INSERT INTO posts VALUES (10, 1, NULL), (11, 2, NULL)")
	cexec(t, ctx, db2, "DELETE FROM users WHERE id = $1", 1)
	if got := pgDeleted(t, raw2, "users", "posts"); got != "users=1 posts=10" {
		t.Errorf("cascade=posts.user_id->users.id: %s; want user 1 and post 10", got)
	}
	if _, err := Restore(ctx, db2, "users", "id = $1", 1); err != nil {
		t.Fatal(err)
	}
	if got := pgDeleted(t, raw2, "users", "posts"); got != "users= posts=" {
		t.Errorf("after Restore: %s; want all back", got)
	}
}

// pgKeysDDL has one parent with a child of each action, two
// self-referencing tables and a two-column key declared in another order
// than the parent's columns.
var pgKeysDDL = []string{
	"CREATE TABLE p (id int PRIMARY KEY, deleted_at timestamptz)",
	"CREATE TABLE c_restrict (id int PRIMARY KEY, p_id int REFERENCES p ON DELETE RESTRICT, deleted_at timestamptz)",
	"CREATE TABLE c_noaction (id int PRIMARY KEY, p_id int REFERENCES p ON DELETE NO ACTION, deleted_at timestamptz)",
	"CREATE TABLE c_deferred (id int PRIMARY KEY, p_id int REFERENCES p ON DELETE NO ACTION DEFERRABLE INITIALLY DEFERRED, deleted_at timestamptz)",
	"CREATE TABLE c_setnull (id int PRIMARY KEY, p_id int REFERENCES p ON DELETE SET NULL, deleted_at timestamptz)",
	"CREATE TABLE s_restrict (id int PRIMARY KEY, parent int REFERENCES s_restrict ON DELETE RESTRICT, deleted_at timestamptz)",
	"CREATE TABLE s_noaction (id int PRIMARY KEY, parent int REFERENCES s_noaction ON DELETE NO ACTION, deleted_at timestamptz)",
	"CREATE TABLE cp (a int, b int, deleted_at timestamptz, PRIMARY KEY (a, b))",
	"CREATE TABLE cc (id int PRIMARY KEY, y int, x int, deleted_at timestamptz, CONSTRAINT cc_key FOREIGN KEY (y, x) REFERENCES cp (b, a) ON DELETE CASCADE)",
	"INSERT INTO p (id) VALUES (1), (2), (3), (4), (5)",
	"INSERT INTO c_restrict (id, p_id) VALUES (1, 1)",
	"INSERT INTO c_noaction (id, p_id) VALUES (1, 2)",
	"INSERT INTO c_deferred (id, p_id) VALUES (1, 3)",
	"INSERT INTO c_setnull (id, p_id) VALUES (1, 4)",
	"INSERT INTO s_restrict (id, parent) VALUES (1, NULL), (2, 1), (3, NULL), (4, 3)",
	"INSERT INTO s_noaction (id, parent) VALUES (1, NULL), (2, 1), (3, NULL), (4, 3)",
	"INSERT INTO cp (a, b) VALUES (1, 2), (2, 1)",
	"INSERT INTO cc (id, x, y) VALUES (1, 1, 2), (2, 2, 1)",
}

// TestPostgresCascadeKeyActions checks each action against what the raw
// DELETE does on the same rows (run first in a rolled-back transaction):
// RESTRICT and NO ACTION fail alike, both checked when the statement ends
// (a self-reference whose rows all go succeeds), a deferred key is checked
// at the end of the soft DELETE (the raw one fails at COMMIT), SET NULL is
// refused, and a two-column key joins its columns in the key's order.
func TestPostgresCascadeKeyActions(t *testing.T) {
	for _, drv := range pgCascadeDrivers {
		t.Run(drv, func(t *testing.T) {
			raw, db := pgCascadeOpen(t, drv, "p,c_restrict,c_noaction,c_deferred,c_setnull,s_restrict,s_noaction,cp,cc", "", pgKeysDDL...)
			ctx := context.Background()
			for _, tc := range []struct {
				q, want string // want: "ok", "restricted", "deferred", "set null"
			}{
				{"DELETE FROM p WHERE id = 1", "restricted"},
				{"DELETE FROM p WHERE id = 2", "restricted"},
				{"DELETE FROM p WHERE id = 3", "deferred"},
				{"DELETE FROM p WHERE id = 4", "set null"},
				{"DELETE FROM p WHERE id = 5", "ok"},
				{"DELETE FROM s_restrict WHERE id = 1", "restricted"},
				{"DELETE FROM s_noaction WHERE id = 1", "restricted"},
				{"DELETE FROM s_restrict WHERE id IN (1, 2)", "ok"},
				{"DELETE FROM s_noaction WHERE id IN (3, 4)", "ok"},
				{"DELETE FROM cp WHERE a = 1", "ok"},
			} {
				rawErr := pgRawOutcome(t, raw, tc.q)
				_, err := db.ExecContext(ctx, tc.q)
				var re *RestrictedError
				got := "ok"
				switch {
				case errors.As(err, &re) && re.Deferred && strings.Contains(err.Error(), "INITIALLY DEFERRED"):
					got = "deferred"
				case errors.As(err, &re):
					got = "restricted"
				case errors.Is(err, ErrRefused) && strings.Contains(err.Error(), "SET NULL"):
					got = "set null"
				case err != nil:
					got = err.Error()
				}
				if got != tc.want {
					t.Errorf("%s: %s; want %s", tc.q, got, tc.want)
				}
				if wantRaw := tc.want == "restricted" || tc.want == "deferred"; (rawErr != nil) != wantRaw {
					t.Errorf("%s: the raw DELETE gives %v; the test expects it to fail: %v", tc.q, rawErr, wantRaw)
				}
			}
			want := "p=5 c_restrict= c_noaction= c_deferred= c_setnull= s_restrict=1,2 s_noaction=3,4 cc=1"
			if got := pgDeleted(t, raw, "p", "c_restrict", "c_noaction", "c_deferred", "c_setnull", "s_restrict", "s_noaction", "cc"); got != want {
				t.Errorf("deleted: %s; want %s", got, want)
			}
			var cps string
			if err := raw.QueryRow("SELECT string_agg(a || '/' || b, ',') FROM cp WHERE deleted_at IS NOT NULL").Scan(&cps); err != nil || cps != "1/2" {
				t.Errorf("cp deleted: %q, %v; want 1/2", cps, err)
			}
			if _, err := Restore(ctx, db, "cp", "a = 1"); err != nil {
				t.Fatal(err)
			}
			if got := pgDeleted(t, raw, "cc"); got != "cc=" {
				t.Errorf("after Restore of cp 1/2: %s; want cc 1 back", got)
			}
			// In the caller's transaction a deferred key is still checked at
			// the end of the soft DELETE; deleting the child first works.
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM p WHERE id = 3"); !errors.Is(err, ErrRestricted) {
				t.Errorf("deferred key in a transaction: %v; want ErrRestricted", err)
			}
			cexec(t, ctx, tx, "DELETE FROM c_deferred WHERE p_id = 3")
			cexec(t, ctx, tx, "DELETE FROM p WHERE id = 3")
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if got := pgDeleted(t, raw, "p", "c_deferred"); got != "p=3,5 c_deferred=1" {
				t.Errorf("after the transaction: %s; want p 3 and its child", got)
			}
		})
	}
}

// pgRawOutcome runs q raw in a transaction, with the deferred checks made
// at once, and rolls it back; it returns the error.
func pgRawOutcome(t *testing.T, raw *sql.DB, q string) error {
	t.Helper()
	tx, err := raw.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck
	if _, err := tx.Exec(q); err != nil {
		return err
	}
	_, err = tx.Exec("SET CONSTRAINTS ALL IMMEDIATE")
	return err
}

// A marker of less than microseconds (timestamp(0), Laravel's default)
// would round the cascade's stamp, and its steps would find no parent row
// by it: the cascade is refused with the ALTER TABLE that fixes it, and
// Restore restores the matching rows.
func TestPostgresCascadeNeedsMicroseconds(t *testing.T) {
	raw, db := pgCascadeOpen(t, "pgx", "users,posts", "",
		"CREATE TABLE users (id int PRIMARY KEY, deleted_at timestamp(0))",
		"CREATE TABLE posts (id int PRIMARY KEY, user_id int REFERENCES users ON DELETE CASCADE, deleted_at timestamptz)",
		"INSERT INTO users VALUES (1, NULL)", "INSERT INTO posts VALUES (10, 1, NULL)")
	ctx := context.Background()
	_, err := db.ExecContext(ctx, "DELETE FROM users WHERE id = 1")
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "ALTER TABLE users ALTER COLUMN deleted_at TYPE timestamp(6)") {
		t.Fatalf("cascade through a timestamp(0) marker: %v; want a refusal with the ALTER TABLE", err)
	}
	if got := pgDeleted(t, raw, "users", "posts"); got != "users= posts=" {
		t.Errorf("after the refusal: %s; want nothing deleted", got)
	}
	cexec(t, WithoutCascade(ctx), db, "DELETE FROM users WHERE id = 1")
	if _, err := Restore(ctx, db, "users", "id = 1"); err != nil {
		t.Fatal(err)
	}
	if got := pgDeleted(t, raw, "users", "posts"); got != "users= posts=" {
		t.Errorf("after Restore: %s; want user 1 back", got)
	}
}
