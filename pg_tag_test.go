//go:build postgres

package softdelete_test

// postgresTagged: this test binary was built with -tags postgres, whose
// tests (diff_pg_test.go, fuzz_pg_test.go, bench_pg_test.go) import the
// postgres package and pgx.
const postgresTagged = true
