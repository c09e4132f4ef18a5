package softdelete

import (
	"reflect"
	"testing"
)

// The predicates and keys pg_get_expr and pg_get_indexdef print, judged
// without a server.
func TestPostgresLiveOnly(t *testing.T) {
	cases := []struct {
		ix   indexSchema
		want bool
	}{
		{indexSchema{columns: []string{"email"}, where: "(deleted_at IS NULL)"}, true},
		{indexSchema{columns: []string{"email"}, where: `("Deleted_at" IS NULL)`}, false}, // another column
		{indexSchema{columns: []string{"email"}, where: "((org > 0) AND (deleted_at IS NULL))"}, true},
		{indexSchema{columns: []string{"email"}, where: "((org > 0) OR (deleted_at IS NULL))"}, false},
		{indexSchema{columns: []string{"email"}, where: "(deleted_at IS NOT NULL)"}, false},
		{indexSchema{columns: []string{"email"}, where: "(NOT (deleted_at IS NOT NULL))"}, true},
		{indexSchema{columns: []string{"email"}, where: "(note = 'x) AND (deleted_at IS NULL')"}, false},
		{indexSchema{columns: []string{"email"}, where: "(org > 0)"}, false},
		{indexSchema{columns: []string{"email", "deleted_at"}, nullsNotDistinct: true}, true},
		{indexSchema{columns: []string{"email", "deleted_at"}}, false},
		{indexSchema{columns: []string{"email", ""}, keys: []string{"email", "COALESCE(deleted_at, 'infinity'::timestamp with time zone)"}}, true},
		{indexSchema{columns: []string{"email", ""}, keys: []string{"email", "(deleted_at IS NULL)"}}, false},
		{indexSchema{columns: []string{"email", ""}, keys: []string{"email", "COALESCE(deleted_at_x, 'infinity'::timestamp with time zone)"}}, false},
		{indexSchema{columns: []string{"email"}, where: "(deleted_at IS NULL OR x)"}, false},
	}
	for _, c := range cases {
		if got := postgresLiveOnly(c.ix, "deleted_at"); got != c.want {
			t.Errorf("postgresLiveOnly(%+v) = %v, want %v", c.ix, got, c.want)
		}
	}
}

func TestTopLevelConjuncts(t *testing.T) {
	for in, want := range map[string][]string{
		"(a IS NULL)":                         {"a IS NULL"},
		"((a IS NULL) AND (b > 0))":           {"a IS NULL", "b > 0"},
		"((a) AND ((b) AND (c)))":             {"a", "(b) AND (c)"},
		"(a = ' and ') and (b)":               {"a = ' and '", "b"},
		"(a OR b) AND c":                      {"a OR b", "c"},
		`("x AND y" IS NULL) AND (z IS NULL)`: {`"x AND y" IS NULL`, "z IS NULL"},
	} {
		if got := topLevelConjuncts(in); !reflect.DeepEqual(got, want) {
			t.Errorf("topLevelConjuncts(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPostgresName(t *testing.T) {
	for in, want := range map[string]string{
		"users": "users", "user": `"user"`, "Users": `"Users"`, "e-mail": `"e-mail"`, `a"b`: `"a""b"`, "_x1": "_x1", "1x": `"1x"`,
	} {
		if got := postgresName(in); got != want {
			t.Errorf("postgresName(%q) = %s, want %s", in, got, want)
		}
	}
}
