package softdelete

import (
	"context"
	"testing"

	_ "github.com/go-sql-driver/mysql"
)

func TestMySQLProbe(t *testing.T) {
	c, err := NewConnector(Config{DriverName: "mysql", DSN: "root@tcp(127.0.0.1:3306)/test", Tables: []string{"users", "posts", "comments:removed_at"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, q := range []string{
		"DELETE u, p FROM users u JOIN posts p ON p.user_id = u.id WHERE u.id = 1",
		"DELETE users, posts FROM users JOIN posts ON posts.user_id = users.id WHERE users.id = 1",
		"DELETE p FROM posts p JOIN tags t ON t.post_id = p.id",
		"DELETE p, t FROM posts p JOIN tags t ON t.post_id = p.id",
		"UPDATE users u JOIN posts p ON p.user_id = u.id SET p.title = CONCAT(u.name, '!')",
		"DELETE FROM users ORDER BY id DESC LIMIT 1",
		"INSERT INTO users (id, name) VALUES (1, 'x') ON DUPLICATE KEY UPDATE name = (SELECT COUNT(*) FROM posts)",
		"INSERT INTO users (id, name) VALUES (1, 'x') ON DUPLICATE KEY UPDATE name = VALUES(name)",
		"INSERT INTO archive (id, name) SELECT id, name FROM users",
		`SELECT name FROM users WHERE name = 'a\'b' OR name = 'C:\\path' OR name LIKE 'x\_y%' OR name = "q\"x"`,
		"SELECT `u`.`name` FROM `users` AS `u` WHERE `u`.`id` = 1",
		"DELETE FROM `users` WHERE `id` = 1",
		"SELECT name FROM mydb.users WHERE id = 1",
		"DELETE FROM mydb.users WHERE id = 1",
		"SELECT id FROM users WHERE id = 1 FOR UPDATE",
		"SELECT id FROM users WHERE id = 1 LOCK IN SHARE MODE",
		"SELECT /*+ MAX_EXECUTION_TIME(1000) */ id FROM users",
		"SELECT /* hello */ id FROM users -- bye",
		"/* lead */ SELECT id FROM users # hash",
		"SELECT SQL_NO_CACHE id FROM users",
		"SELECT 1; DELETE FROM users WHERE id = 1",
		"SELECT u.name, p.title FROM users u LEFT JOIN posts p USING (id)",
		"SET STATEMENT max_statement_time=1 FOR SELECT id FROM users",
		"SELECT id FROM users WHERE id = ? LIMIT ?, ?",
		"SELECT (SELECT COUNT(*) FROM posts p WHERE p.user_id = u.id) FROM users u",
		"SELECT * FROM (SELECT id FROM users) d",
		"SELECT id FROM users UNION SELECT id FROM posts ORDER BY id",
		"REPLACE INTO users (id, name) VALUES (1, 'x')",
		"TRUNCATE TABLE users",
		"SELECT id FROM users WHERE id = 1 FOR UPDATE SKIP LOCKED",
		"SELECT id FROM users WHERE id = 1 FOR UPDATE NOWAIT",
		"SELECT id FROM users LIMIT 1 FOR UPDATE",
		"SELECT u.id FROM users u STRAIGHT_JOIN posts p ON p.user_id = u.id",
		"SELECT id FROM users FORCE INDEX (PRIMARY)",
		"SELECT SLEEP(5) FROM users WHERE id = 1",
		"UPDATE users SET name = 'C:\\path' WHERE id = 1",
		"INSERT IGNORE INTO archive SELECT id, name FROM users",
		"SELECT id FROM users WHERE name LIKE 'a%' ESCAPE '!'",
	} {
		out, err := c.Rewrite(ctx, q)
		t.Logf("\nIN : %s\nOUT: %s\nERR: %v", q, out, err)
	}
}
