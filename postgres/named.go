package postgres

import (
	"fmt"
	"strconv"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// pgx's named arguments (@id) are read by PostgreSQL's parser as the
// prefix operator @, which the deparser writes "(@ id)": pgx would then no
// longer find them. Before parsing, each becomes a numbered parameter
// whose number no statement uses ($namedBase and up), and after deparsing
// the parameter becomes the name again.

// namedBase is the first parameter number that stands for a named
// argument.
const namedBase = 1000000

// protectNamed returns q with each @name outside strings and comments
// replaced by a parameter, and the names by parameter number.
func protectNamed(q string) (string, map[int]string, error) {
	if strings.IndexByte(q, '@') < 0 {
		return q, nil, nil
	}
	sc, err := pg.Scan(q)
	if err != nil {
		return "", nil, err
	}
	var b strings.Builder
	named := map[int]string{}
	last := 0
	for i, t := range sc.Tokens {
		if t.Token != pg.Token_Op || q[t.End-1] != '@' || i+1 == len(sc.Tokens) {
			continue
		}
		next := sc.Tokens[i+1]
		if next.Start != t.End || !isNameStart(q[next.Start]) {
			continue
		}
		end := int(next.Start)
		for end < len(q) && isNameByte(q[end]) {
			end++
		}
		n := namedBase + len(named)
		named[n] = q[next.Start:end]
		b.WriteString(q[last : t.End-1])
		if t.End-1 > 0 && isNameByte(q[t.End-2]) {
			b.WriteByte(' ')
		}
		b.WriteString("$" + strconv.Itoa(n))
		last = end
	}
	if len(named) == 0 {
		return q, nil, nil
	}
	b.WriteString(q[last:])
	return b.String(), named, nil
}

// unprotectNamed writes the named arguments back in place of their
// parameters.
func unprotectNamed(out string, named map[int]string) (string, error) {
	sc, err := pg.Scan(out)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	last, found := 0, 0
	for _, t := range sc.Tokens {
		if t.Token != pg.Token_PARAM {
			continue
		}
		n, err := strconv.Atoi(out[t.Start+1 : t.End])
		name, ok := named[n]
		if err != nil || !ok {
			continue
		}
		b.WriteString(out[last:t.Start])
		b.WriteString("@" + name)
		last = int(t.End)
		found++
	}
	if found < len(named) {
		return "", fmt.Errorf("%d of %d named arguments survived the rewrite", found, len(named))
	}
	b.WriteString(out[last:])
	return b.String(), nil
}

func isNameStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isNameByte(c byte) bool { return isNameStart(c) || c >= '0' && c <= '9' }
