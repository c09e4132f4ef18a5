//go:build postgres

package softdelete

import (
	"database/sql"
	"fmt"
	"os"
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
	return ddl
}

// TestDifferentialCascadePostgres runs the foreign-key differential
// (diff_cascade_test.go) on PostgreSQL, the schemas through pgx and lib/pq
// in turn, with timestamp and timestamptz markers and, besides CASCADE,
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
		softDSN: func(int) string { return softEnv.dsn },
		oracle:  func(int) *sql.DB { return oracle }}, n, seed)
}
