package gormsoftdelete_test

import (
	"path/filepath"
	"testing"

	"github.com/softdelete-go/softdelete/gormsoftdelete"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// BenchmarkFirst measures db.First by key on a listed table through GORM
// on softdelete, without and with the plugin: a statement without
// Unscoped() pays two callbacks that test one flag each.
//
//	go test -run XXX -bench BenchmarkFirst -count 5 .
func BenchmarkFirst(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.db")
	raw := openSQL(b, "sqlite3", path)
	if _, err := raw.Exec(`CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL, deleted_at DATETIME)`); err != nil {
		b.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO authors (id, name) VALUES (1, 'ann')`); err != nil {
		b.Fatal(err)
	}
	soft := openSQL(b, "softdelete", "driver=sqlite3 tables=authors dsn="+path)
	open := func(plugin bool) *gorm.DB {
		g, err := gorm.Open(sqlite.New(sqlite.Config{Conn: soft}), &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true})
		if err != nil {
			b.Fatal(err)
		}
		if plugin {
			if err := g.Use(&gormsoftdelete.Plugin{}); err != nil {
				b.Fatal(err)
			}
		}
		return g
	}
	for _, c := range []struct {
		name string
		db   *gorm.DB
	}{{"without plugin", open(false)}, {"with plugin", open(true)}, {"with plugin, Unscoped", open(true).Unscoped()}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				var a Author
				if err := c.db.Session(&gorm.Session{}).First(&a, 1).Error; err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
