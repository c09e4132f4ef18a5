//go:build !postgres

package softdelete_test

// postgresTagged: this test binary was built with -tags postgres (see
// pg_tag_test.go).
const postgresTagged = false
