package softdelete

import "database/sql/driver"

// InnerConn returns the inner driver's connection under a softdelete
// connection, as sql.Conn.Raw hands it, and whether driverConn is one.
// It is for what only the inner driver offers: pgx's COPY and LISTEN
// through (*stdlib.Conn).Conn(), go-sqlite3's backup API. What is sent on
// it bypasses softdelete: no filter, DELETE is a hard DELETE.
//
//	err := conn.Raw(func(dc any) error {
//		inner, _ := softdelete.InnerConn(dc)
//		pgxConn := inner.(*stdlib.Conn).Conn()
//		...
//	})
func InnerConn(driverConn any) (driver.Conn, bool) {
	if w, ok := driverConn.(interface{ softdeleteConn() *conn }); ok {
		return w.softdeleteConn().inner, true
	}
	return nil, false
}
