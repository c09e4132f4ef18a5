module github.com/softdelete-go/softdelete

go 1.21

require (
	github.com/mattn/go-sqlite3 v1.14.53
	github.com/xwb1989/sqlparser v0.0.0-20180606152119-120387863bf2
)
