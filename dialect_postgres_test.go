package softdelete

import "testing"

// The fast path sends to the PostgreSQL engine the texts that may set a
// reading setting or name a table through a U&"..." identifier, and no
// others.
func TestPostgresSessionSensitive(t *testing.T) {
	s := postgresSession{}
	for q, want := range map[string]bool{
		"SELECT * FROM tags":                                false,
		"SET standard_conforming_strings = off":             true,
		"set Client_Encoding to 'sjis'":                     true,
		"SET NAMES 'SJIS'":                                  true,
		"SELECT set_config('backslash_quote', 'on', false)": true,
		`SELECT * FROM U&"\0075sers"`:                       true,
		"SELECT standard_conforming_strings_x FROM tags":    false,
		`SELECT * FROM "standard_conforming_strings"`:       true,
		"UPDATE tags SET name = 'a & b'":                    false,
	} {
		if got := s.sensitive(q); got != want {
			t.Errorf("sensitive(%q) = %v, want %v", q, got, want)
		}
	}
	if err := s.checkDSN("postgres://u@h/db?standard_conforming_strings=off"); err == nil {
		t.Error("a DSN that sets standard_conforming_strings was accepted")
	}
	if err := s.checkDSN("postgres://u@h/db?sslmode=disable"); err != nil {
		t.Error(err)
	}
}
