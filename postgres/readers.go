package postgres

import pg "github.com/pganalyze/pg_query_go/v6"

// tableReaders are built-in functions that read tables softdelete cannot
// filter: they run SQL given as a string (query_to_xml, ts_stat), or read
// whole tables by name or every table of a schema or the database
// (table_to_xml, schema_to_xml, database_to_xml), or run SQL elsewhere
// (dblink). Soft-deleted rows included.
var tableReaders = map[string]bool{
	"query_to_xml": true, "query_to_xml_and_xmlschema": true,
	"table_to_xml": true, "table_to_xml_and_xmlschema": true,
	"schema_to_xml": true, "schema_to_xml_and_xmlschema": true,
	"database_to_xml": true, "database_to_xml_and_xmlschema": true,
	"ts_stat": true, "dblink": true, "dblink_exec": true, "dblink_open": true, "dblink_send_query": true,
}

// tableReader refuses a call of one of tableReaders unless the mode shows
// every row of every table (WithIncludeDeleted()). The text need not name
// a soft-delete table (database_to_xml names none): the fast path sends
// every call of a function that is not a known built-in to the engine.
func (w *rewrite) tableReader(f *pg.FuncCall) {
	if len(f.Funcname) == 0 || w.m.IncludeAll {
		return
	}
	name := f.Funcname[len(f.Funcname)-1].GetString_().GetSval()
	if !tableReaders[name] {
		return
	}
	w.refuse(w.e.firstTableIn(w.text), orRaw("query the tables with SELECT, which softdelete filters, or call it under softdelete.WithIncludeDeleted(ctx) to read every row"),
		"%s at offset %d reads tables softdelete cannot filter, soft-deleted rows included", name, f.Location)
}
