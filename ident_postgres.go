package softdelete

import "strings"

// postgresQuote quotes a name for PostgreSQL: in double quotes, a quote
// inside doubled. A quoted name keeps its case, as the catalog spells it.
func postgresQuote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// postgresName writes a name for the DDL a fix suggests: as it is when
// PostgreSQL reads it unquoted as the same name (lower case, no reserved
// word), else quoted.
func postgresName(name string) string {
	if name == "" || postgresReserved[name] || !(name[0] >= 'a' && name[0] <= 'z' || name[0] == '_') {
		return postgresQuote(name)
	}
	for i := 1; i < len(name); i++ {
		if c := name[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return postgresQuote(name)
		}
	}
	return name
}

// postgresReserved are the reserved words of PostgreSQL that a table,
// column or index is likely to be named (user, order, group, ...).
var postgresReserved = map[string]bool{
	"all": true, "analyse": true, "analyze": true, "and": true, "any": true, "array": true, "as": true, "asc": true,
	"both": true, "case": true, "cast": true, "check": true, "collate": true, "column": true, "constraint": true,
	"create": true, "current_date": true, "current_role": true, "current_time": true, "current_timestamp": true,
	"current_user": true, "default": true, "desc": true, "distinct": true, "do": true, "else": true, "end": true,
	"except": true, "false": true, "fetch": true, "for": true, "foreign": true, "from": true, "grant": true,
	"group": true, "having": true, "in": true, "initially": true, "intersect": true, "into": true, "lateral": true,
	"leading": true, "limit": true, "localtime": true, "localtimestamp": true, "not": true, "null": true,
	"offset": true, "on": true, "only": true, "or": true, "order": true, "placing": true, "primary": true,
	"references": true, "returning": true, "select": true, "session_user": true, "some": true, "symmetric": true,
	"table": true, "then": true, "to": true, "trailing": true, "true": true, "union": true, "unique": true,
	"user": true, "using": true, "variadic": true, "when": true, "where": true, "window": true, "with": true,
}
