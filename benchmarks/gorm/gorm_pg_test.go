package gormbench

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/softdelete-go/softdelete/postgres"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// PgUser is GORM's model of the PostgreSQL benchmark table: gorm.DeletedAt
// turns on GORM's soft delete.
type PgUser struct {
	ID        int64
	Name      string
	Email     string
	DeletedAt gorm.DeletedAt
}

// pgUsers is the PostgreSQL benchmark table, named so that it collides
// with no other suite on the same database.
const pgUsers = "sdgorm_users"

// TableName is pgUsers.
func (PgUser) TableName() string { return pgUsers }

// setupPostgres creates and fills pgUsers on the server of
// SOFTDELETE_POSTGRES_DSN (live users 1..live, as many deleted) and returns
// the DSN; it skips without the variable.
func setupPostgres(b testing.TB) string {
	b.Helper()
	dsn := os.Getenv("SOFTDELETE_POSTGRES_DSN")
	if dsn == "" {
		b.Skip("SOFTDELETE_POSTGRES_DSN is not set")
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"DROP TABLE IF EXISTS " + pgUsers,
		"CREATE TABLE " + pgUsers + " (id bigint PRIMARY KEY, name text NOT NULL, email text NOT NULL, deleted_at timestamptz)",
		fmt.Sprintf("INSERT INTO %s SELECT g, 'user' || g, 'user' || g || '@example.com', CASE WHEN g > %d THEN timestamptz '2020-01-01' END FROM generate_series(1, %d) g", pgUsers, live, 2*live),
		"ANALYZE " + pgUsers,
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatal(q, ": ", err)
		}
	}
	return dsn
}

// BenchmarkPostgresPointLookupPaired is BenchmarkPointLookupPaired on
// PostgreSQL: pgx filtered by hand, softdelete on pgx, and GORM
// (gorm.io/driver/postgres, on pgx, default configuration) with
// gorm.DeletedAt, in turn on every iteration.
func BenchmarkPostgresPointLookupPaired(b *testing.B) {
	dsn := setupPostgres(b)
	ctx := context.Background()
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	oneConn(raw)
	soft, err := sql.Open("softdelete", "driver=pgx tables="+pgUsers+" dsn="+dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer soft.Close()
	oneConn(soft)
	g, err := gorm.Open(postgres.Open(dsn), &gorm.Config{
		Logger:                 logger.Default.LogMode(logger.Silent),
		SkipDefaultTransaction: true,
	})
	if err != nil {
		b.Fatal(err)
	}
	gdb, err := g.DB()
	if err != nil {
		b.Fatal(err)
	}
	defer gdb.Close()
	oneConn(gdb)

	var id int64
	var name, email string
	var deleted sql.NullTime
	var u PgUser
	ops := [3]func(i int){
		func(i int) {
			if err := raw.QueryRowContext(ctx, "SELECT id, name, email, deleted_at FROM "+pgUsers+" WHERE id = $1 AND "+pgUsers+".deleted_at IS NULL", 1+i%live).Scan(&id, &name, &email, &deleted); err != nil {
				b.Fatal(err)
			}
		},
		func(i int) {
			if err := soft.QueryRowContext(ctx, "SELECT id, name, email, deleted_at FROM "+pgUsers+" WHERE id = $1", 1+i%live).Scan(&id, &name, &email, &deleted); err != nil {
				b.Fatal(err)
			}
		},
		func(i int) {
			u = PgUser{}
			if err := g.First(&u, 1+i%live).Error; err != nil {
				b.Fatal(err)
			}
		},
	}
	var t [3]time.Duration
	var each [3][]time.Duration
	for k := range each {
		each[k] = make([]time.Duration, 0, b.N)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for k := 0; k < 3; k++ {
			j := (i + k) % 3 // rotate the order
			t0 := time.Now()
			ops[j](i)
			d := time.Since(t0)
			t[j] += d
			each[j] = append(each[j], d)
		}
	}
	b.StopTimer()
	// Medians too: on a loaded machine a few stalls move the means.
	var med [3]float64
	for k, name := range []string{"raw", "softdelete", "gorm"} {
		med[k] = medianNs(each[k])
		b.ReportMetric(med[k], name+"-p50-ns")
	}
	b.ReportMetric(med[1]/med[0], "p50-softdelete/raw")
	b.ReportMetric(med[2]/med[0], "p50-gorm/raw")
	b.ReportMetric(med[2]/med[1], "p50-gorm/softdelete")
	n := float64(b.N)
	b.ReportMetric(float64(t[0].Nanoseconds())/n, "raw-ns/op")
	b.ReportMetric(float64(t[1].Nanoseconds())/n, "softdelete-ns/op")
	b.ReportMetric(float64(t[2].Nanoseconds())/n, "gorm-ns/op")
	b.ReportMetric(float64(t[1])/float64(t[0]), "softdelete/raw")
	b.ReportMetric(float64(t[2])/float64(t[0]), "gorm/raw")
	b.ReportMetric(float64(t[2])/float64(t[1]), "gorm/softdelete")
}

// medianNs returns the median of ds in nanoseconds; it sorts ds.
func medianNs(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return float64(ds[len(ds)/2].Nanoseconds())
}

// TestPostgresSameRows checks that the three sides of the PostgreSQL
// benchmark read the same live rows and none of the deleted ones.
func TestPostgresSameRows(t *testing.T) {
	dsn := setupPostgres(t)
	soft, err := sql.Open("softdelete", "driver=pgx tables="+pgUsers+" dsn="+dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer soft.Close()
	g, err := gorm.Open(postgres.Open(dsn), &gorm.Config{Logger: logger.Default.LogMode(logger.Silent)})
	if err != nil {
		t.Fatal(err)
	}
	if gdb, err := g.DB(); err == nil {
		defer gdb.Close()
	}
	for _, id := range []int64{1, live, live + 1} {
		var name string
		softErr := soft.QueryRow("SELECT name FROM "+pgUsers+" WHERE id = $1", id).Scan(&name)
		var u PgUser
		gormErr := g.First(&u, id).Error
		wantFound := id <= live
		if (softErr == nil) != wantFound || (gormErr == nil) != wantFound {
			t.Errorf("id %d: softdelete %v, gorm %v, want found=%v", id, softErr, gormErr, wantFound)
		}
		if wantFound && (name != u.Name || name != fmt.Sprintf("user%d", id)) {
			t.Errorf("id %d: softdelete %q, gorm %q", id, name, u.Name)
		}
	}
}
