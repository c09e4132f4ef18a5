package engine

// PostgreSQL's session read-back (see the root package's
// session_postgres.go) runs after a statement that may change how the
// server reads SQL text. A call of a function softdelete cannot see into
// may (a PL/pgSQL function can run SET or set_config), so it is one of
// them, unless the function is one of PostgresBuiltins. The root
// package's fast path and the PostgreSQL engine read the same lists.

// PostgresBuiltins are functions of pg_catalog that never change a
// setting, by their unqualified, lower-case name: a call of one, bare or
// qualified with pg_catalog, needs no read-back. A user function of the
// same name (an overload for other argument types) is taken for the
// built-in: see the README's Known limits. The postgres package's live
// test checks that each is in pg_catalog.
var PostgresBuiltins = setOf(
	// aggregates and window functions
	"count", "sum", "avg", "min", "max", "array_agg", "string_agg", "json_agg", "jsonb_agg",
	"json_object_agg", "jsonb_object_agg", "bool_and", "bool_or", "every", "bit_and", "bit_or",
	"stddev", "variance", "row_number", "rank", "dense_rank", "percent_rank", "cume_dist",
	"ntile", "lag", "lead", "first_value", "last_value", "nth_value",
	// strings
	"lower", "upper", "length", "char_length", "octet_length", "concat", "concat_ws", "substr",
	"replace", "btrim", "ltrim", "rtrim", "lpad", "rpad", "left", "right", "split_part",
	"strpos", "starts_with", "reverse", "repeat", "initcap", "md5", "format", "quote_ident",
	"quote_literal", "quote_nullable", "regexp_replace", "regexp_match", "regexp_matches",
	"to_char", "to_number", "translate", "ascii", "chr",
	// numbers
	"abs", "round", "floor", "ceil", "ceiling", "trunc", "mod", "power", "sqrt", "sign", "random",
	"ln", "log", "exp", "pi", "div",
	// dates and times
	"now", "date_trunc", "date_part", "age", "to_timestamp", "to_date", "make_interval",
	"make_date", "make_timestamp", "clock_timestamp", "statement_timestamp",
	"transaction_timestamp", "timeofday",
	// arrays, JSON, rows, misc
	"array_length", "cardinality", "unnest", "array_position", "array_append", "array_remove",
	"array_to_string", "string_to_array", "generate_series", "json_build_object",
	"jsonb_build_object", "json_build_array", "jsonb_build_array", "to_json", "to_jsonb",
	"row_to_json", "jsonb_set", "jsonb_array_elements", "json_array_elements",
	"jsonb_array_length", "jsonb_each", "json_each", "jsonb_typeof", "gen_random_uuid",
	"nextval", "currval", "setval", "lastval", "pg_get_serial_sequence", "current_setting",
	"num_nonnulls", "num_nulls",
)

// PostgresNotCalls are PostgreSQL keywords that a '(' may follow but that
// cannot name a function (reserved and column-name keywords, which the
// grammar does not take as a function's name): the fast path does not
// take "VALUES (" for a call. The postgres package's test checks their
// kind with PostgreSQL's own scanner.
var PostgresNotCalls = setOf(
	"values", "in", "any", "all", "some", "exists", "array", "row", "as", "and", "or", "not",
	"on", "using", "select", "where", "from", "unique", "check", "primary", "foreign",
	"references", "when", "then", "else", "case", "cast", "between", "varchar", "char",
	"character", "numeric", "decimal", "timestamp", "time", "interval", "bit", "float",
	"window", "order", "group", "having", "returning", "table", "with", "lateral", "limit",
	"offset", "distinct", "union", "except", "intersect", "coalesce", "nullif", "greatest",
	"least", "position", "substring", "overlay", "trim", "extract",
)

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
