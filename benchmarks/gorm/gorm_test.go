// Package gormbench compares softdelete with GORM's built-in soft delete
// (gorm.DeletedAt) on the same point lookup. It is a module of its own so
// that the softdelete library never depends on GORM. See ../../BENCHMARKS.md.
package gormbench

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
	_ "github.com/softdelete-go/softdelete"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

const live = 10000 // users 1..live are live; as many again are soft-deleted

// User is GORM's model of the users table: gorm.DeletedAt turns on GORM's
// soft delete, which adds "users.deleted_at IS NULL" to every query.
type User struct {
	ID        int64
	Name      string
	Email     string
	DeletedAt gorm.DeletedAt
}

func setup(b testing.TB) (path string) {
	b.Helper()
	path = filepath.Join(b.TempDir(), "gorm.db")
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, deleted_at DATETIME)"); err != nil {
		b.Fatal(err)
	}
	var rows []string
	for id := 1; id <= 2*live; id++ {
		del := "NULL"
		if id > live {
			del = "'2020-01-01 00:00:00'"
		}
		rows = append(rows, fmt.Sprintf("(%d, 'user%d', 'user%d@example.com', %s)", id, id, id, del))
	}
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	for len(rows) > 0 {
		n := len(rows)
		if n > 500 {
			n = 500
		}
		if _, err := tx.Exec("INSERT INTO users (id, name, email, deleted_at) VALUES " + strings.Join(rows[:n], ", ")); err != nil {
			b.Fatal(err)
		}
		rows = rows[n:]
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return path
}

func oneConn(db *sql.DB) {
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
}

// scanPoint runs the point lookup through database/sql.
func scanPoint(b *testing.B, db *sql.DB, q string) {
	ctx := context.Background()
	var id int64
	var name, email string
	var deleted sql.NullTime
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := db.QueryRowContext(ctx, q, 1+i%live).Scan(&id, &name, &email, &deleted); err != nil {
			b.Fatal(err)
		}
	}
}

func gormPoint(b *testing.B, db *gorm.DB) {
	var u User
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		u = User{}
		if err := db.First(&u, 1+i%live).Error; err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPointLookup reads one live user by primary key:
//
//	impl=raw            database/sql + mattn/go-sqlite3, filtered by hand
//	impl=softdelete     database/sql + softdelete (cached rewrite)
//	impl=gorm           GORM's db.First(&u, id) with gorm.DeletedAt
//	impl=gorm-prepared  the same with gorm.Config{PrepareStmt: true}
//
// All read the same file, the same columns, one connection each.
func BenchmarkPointLookup(b *testing.B) {
	path := setup(b)
	dsn := "file:" + path + "?_journal_mode=WAL&_synchronous=NORMAL"

	b.Run("impl=raw", func(b *testing.B) {
		db, err := sql.Open("sqlite3", dsn)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		oneConn(db)
		scanPoint(b, db, "SELECT id, name, email, deleted_at FROM users WHERE id = ? AND deleted_at IS NULL")
	})
	b.Run("impl=softdelete", func(b *testing.B) {
		db, err := sql.Open("softdelete", "driver=sqlite3 tables=users dsn="+dsn)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		oneConn(db)
		scanPoint(b, db, "SELECT id, name, email, deleted_at FROM users WHERE id = ?")
	})
	for _, prepared := range []bool{false, true} {
		name := "impl=gorm"
		if prepared {
			name = "impl=gorm-prepared"
		}
		prepared := prepared
		b.Run(name, func(b *testing.B) {
			g, err := gorm.Open(sqlite.Open(dsn), &gorm.Config{
				Logger:                 logger.Default.LogMode(logger.Silent),
				PrepareStmt:            prepared,
				SkipDefaultTransaction: true,
				NowFunc:                func() time.Time { return time.Now().UTC() },
			})
			if err != nil {
				b.Fatal(err)
			}
			sqlDB, err := g.DB()
			if err != nil {
				b.Fatal(err)
			}
			defer sqlDB.Close()
			oneConn(sqlDB)
			gormPoint(b, g)
		})
	}
}

// TestSameRows checks that the benchmarked ways read the same live user
// and that none of them sees a soft-deleted one.
func TestSameRows(t *testing.T) {
	path := setup(t)
	ctx := context.Background()
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	soft, err := sql.Open("softdelete", "driver=sqlite3 tables=users dsn="+path)
	if err != nil {
		t.Fatal(err)
	}
	defer soft.Close()
	g, err := gorm.Open(sqlite.Open(path), &gorm.Config{Logger: logger.Default.LogMode(logger.Silent)})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int{1, live, live + 1} {
		var a, c string
		errA := raw.QueryRowContext(ctx, "SELECT name FROM users WHERE id = ? AND deleted_at IS NULL", id).Scan(&a)
		errC := soft.QueryRowContext(ctx, "SELECT name FROM users WHERE id = ?", id).Scan(&c)
		var u User
		errG := g.First(&u, id).Error
		if id > live {
			if errA != sql.ErrNoRows || errC != sql.ErrNoRows || errG != gorm.ErrRecordNotFound {
				t.Fatalf("deleted user %d: raw %v, softdelete %v, gorm %v", id, errA, errC, errG)
			}
			continue
		}
		if errA != nil || errC != nil || errG != nil || a != c || c != u.Name {
			t.Fatalf("user %d: raw %q %v, softdelete %q %v, gorm %q %v", id, a, errA, c, errC, u.Name, errG)
		}
	}
}

// BenchmarkPointLookupPaired runs raw, softdelete and GORM (default
// configuration) in turn on every iteration, each timed on its own, so
// that load from other processes falls on all three alike. It reports
// each one's ns/op and the ratios softdelete/raw, gorm/raw and
// gorm/softdelete.
func BenchmarkPointLookupPaired(b *testing.B) {
	path := setup(b)
	dsn := "file:" + path + "?_journal_mode=WAL&_synchronous=NORMAL"
	ctx := context.Background()
	raw, err := sql.Open("sqlite3", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	oneConn(raw)
	soft, err := sql.Open("softdelete", "driver=sqlite3 tables=users dsn="+dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer soft.Close()
	oneConn(soft)
	g, err := gorm.Open(sqlite.Open(dsn), &gorm.Config{
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
	var u User
	ops := [3]func(i int){
		func(i int) {
			if err := raw.QueryRowContext(ctx, "SELECT id, name, email, deleted_at FROM users WHERE id = ? AND deleted_at IS NULL", 1+i%live).Scan(&id, &name, &email, &deleted); err != nil {
				b.Fatal(err)
			}
		},
		func(i int) {
			if err := soft.QueryRowContext(ctx, "SELECT id, name, email, deleted_at FROM users WHERE id = ?", 1+i%live).Scan(&id, &name, &email, &deleted); err != nil {
				b.Fatal(err)
			}
		},
		func(i int) {
			u = User{}
			if err := g.First(&u, 1+i%live).Error; err != nil {
				b.Fatal(err)
			}
		},
	}
	var t [3]time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for k := 0; k < 3; k++ {
			j := (i + k) % 3 // rotate the order
			t0 := time.Now()
			ops[j](i)
			t[j] += time.Since(t0)
		}
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(t[0].Nanoseconds())/n, "raw-ns/op")
	b.ReportMetric(float64(t[1].Nanoseconds())/n, "softdelete-ns/op")
	b.ReportMetric(float64(t[2].Nanoseconds())/n, "gorm-ns/op")
	b.ReportMetric(float64(t[1])/float64(t[0]), "softdelete/raw")
	b.ReportMetric(float64(t[2])/float64(t[0]), "gorm/raw")
	b.ReportMetric(float64(t[2])/float64(t[1]), "gorm/softdelete")
}
