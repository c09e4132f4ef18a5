module github.com/softdelete-go/softdelete

go 1.21.0

require (
	github.com/DATA-DOG/go-sqlmock v1.5.2
	github.com/go-sql-driver/mysql v1.9.3
	github.com/mattn/go-sqlite3 v1.14.53
	github.com/xwb1989/sqlparser v0.0.0-20180606152119-120387863bf2
)

require filippo.io/edwards25519 v1.1.0 // indirect
