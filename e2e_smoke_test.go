package softdelete

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	_ "github.com/mattn/go-sqlite3"
)

func TestE2ESmoke(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("softdelete", "driver=sqlite3 tables=users dsn="+filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"create table users (id integer primary key, name text, deleted_at datetime)",
		"insert into users (name) values ('a'), ('b'), ('c')",
		"delete from users where name = 'b'",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(q, err)
		}
	}
	count := func(ctx context.Context) int {
		var n int
		if err := db.QueryRowContext(ctx, "select count(*) from users").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	t.Log(count(ctx), count(WithIncludeDeleted(ctx)), count(WithOnlyDeleted(ctx)))
	if _, err := Restore(ctx, db, "users", "name = ?", "b"); err != nil {
		t.Fatal(err)
	}
	t.Log(count(ctx), count(WithIncludeDeleted(ctx)), count(WithOnlyDeleted(ctx)))
	st, err := db.PrepareContext(ctx, "select count(*) from users")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	_ = st.QueryRowContext(WithIncludeDeleted(ctx)).Scan(&n)
	t.Log("prepared include", n)
	s, err := Stats(ctx, db)
	t.Log(s, err)
}
