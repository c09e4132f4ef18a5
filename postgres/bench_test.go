package postgres_test

import (
	"testing"

	"github.com/softdelete-go/softdelete/internal/engine"
	"github.com/softdelete-go/softdelete/postgres"
)

// BenchmarkColdRewrite is the cost of a cache miss: parse, walk, deparse.
func BenchmarkColdRewrite(b *testing.B) {
	e, err := postgres.New(engine.Config{Tables: []engine.Table{{Name: "users", Column: "deleted_at"}, {Name: "posts", Column: "deleted_at"}}, Now: "now()"})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, q string }{
		{"point", "SELECT * FROM users WHERE id = $1"},
		{"join", "SELECT u.id, p.title FROM users u LEFT JOIN posts p ON p.user_id = u.id WHERE u.id = $1"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, _, _, err := e.Rewrite(c.q, &engine.Mode{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
