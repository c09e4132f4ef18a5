# Modern SQL shapes (issue 13), one statement a line: "<dialects>: <sql>".
# dialects: sqlite, mysql or both. A line marked "refused <dialects>:" is a
# form README lists as refused on purpose; TestModernCorpus checks that every
# other line is rewritten, or refused for a reason other than a parse failure.
# Tables: users, posts, comments (soft-delete); tags, logs (plain).
both: WITH recent AS (SELECT id, user_id FROM posts WHERE created_at > ?) SELECT u.name, r.id FROM users u JOIN recent r ON r.user_id = u.id
both: WITH RECURSIVE tree AS (SELECT id, manager_id FROM users WHERE id = ? UNION ALL SELECT u.id, u.manager_id FROM users u JOIN tree t ON u.manager_id = t.id) SELECT id FROM tree
both: WITH RECURSIVE tree(id, depth) AS (SELECT id, 0 FROM users WHERE manager_id IS NULL UNION ALL SELECT u.id, t.depth + 1 FROM users u, tree t WHERE u.manager_id = t.id) SELECT * FROM tree ORDER BY depth
both: WITH a AS (SELECT id FROM users), b AS (SELECT user_id FROM posts) SELECT * FROM a JOIN b ON a.id = b.user_id
both: WITH c AS (SELECT post_id, COUNT(*) AS n FROM comments GROUP BY post_id) SELECT p.id, c1.n FROM posts p LEFT JOIN c c1 ON c1.post_id = p.id WHERE p.id IN (SELECT post_id FROM c WHERE n > ?)
both: SELECT * FROM (WITH x AS (SELECT id FROM users) SELECT id FROM x) d
both: SELECT id FROM posts WHERE user_id IN (WITH active AS (SELECT id FROM users WHERE name LIKE ?) SELECT id FROM active)
both: INSERT INTO logs (msg) WITH x AS (SELECT name FROM users WHERE id = ?) SELECT name FROM x
sqlite: WITH x AS (SELECT name FROM users WHERE id = ?) INSERT INTO logs (msg) SELECT name FROM x
both: WITH old AS (SELECT id FROM posts WHERE created_at < ?) DELETE FROM posts WHERE id IN (SELECT id FROM old)
both: WITH x AS (SELECT id FROM users WHERE name = ?) UPDATE posts SET title = ? WHERE user_id IN (SELECT id FROM x)
refused both: WITH users AS (SELECT 1 AS id) SELECT * FROM users
refused both: WITH Posts AS (SELECT id FROM tags) SELECT id FROM Posts
both: WITH RECURSIVE cnt(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM cnt WHERE x < 10) SELECT x, (SELECT COUNT(*) FROM posts WHERE posts.id = cnt.x) FROM cnt
both: WITH t1 AS (SELECT user_id FROM posts), t2 AS (SELECT user_id FROM t1 JOIN comments ON comments.user_id = t1.user_id) SELECT COUNT(*) FROM t2
both: WITH x AS (SELECT id FROM users WHERE id = ?) SELECT id FROM x UNION SELECT user_id FROM posts WHERE id = ?
both: with u AS (select id, name from users) select name from u where id = ?
both: WITH x AS (SELECT id FROM tags) SELECT id FROM x
both: SELECT id, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY created_at DESC) AS rn FROM posts
both: SELECT id, RANK() OVER (ORDER BY score DESC) FROM posts WHERE user_id = ?
both: SELECT id, LAG(score) OVER (ORDER BY id) AS prev FROM posts
both: SELECT id, LEAD(score, 1) OVER (PARTITION BY user_id ORDER BY id) AS next FROM posts WHERE title <> ?
both: SELECT id, SUM(score) OVER (PARTITION BY user_id ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM posts
both: SELECT id, AVG(score) OVER w FROM posts WINDOW w AS (PARTITION BY user_id)
both: SELECT id, SUM(score) OVER w, MAX(score) OVER w FROM posts WHERE user_id = ? WINDOW w AS (PARTITION BY user_id ORDER BY id)
both: SELECT id FROM posts ORDER BY ROW_NUMBER() OVER (ORDER BY score)
both: WITH ranked AS (SELECT id, user_id, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY created_at DESC) AS rn FROM posts) SELECT u.name, r.id FROM users u JOIN ranked r ON r.user_id = u.id WHERE r.rn = 1
both: SELECT u.id, COUNT(*) OVER () FROM users u JOIN posts p ON p.user_id = u.id
both: SELECT id, FIRST_VALUE(title) OVER (PARTITION BY user_id ORDER BY id) FROM posts
both: SELECT id, NTILE(4) OVER (ORDER BY score) FROM posts
both: SELECT id, DENSE_RANK() OVER (PARTITION BY user_id ORDER BY score DESC) r FROM posts WHERE title LIKE ?
both: SELECT p.id, (SELECT COUNT(*) FROM comments c WHERE c.post_id = p.id) AS n, ROW_NUMBER() OVER (ORDER BY p.id) FROM posts p
both: SELECT * FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY id) AS rn FROM posts) x WHERE rn <= ?
both: SELECT user_id, SUM(score) OVER (PARTITION BY user_id) FROM posts JOIN users ON users.id = posts.user_id
sqlite: SELECT id, COUNT(*) FILTER (WHERE score > 0) OVER (PARTITION BY user_id) FROM posts
refused both: SELECT id, SUM(score) OVER (PARTITION BY (SELECT 1 FROM users LIMIT 1)) FROM posts
sqlite: SELECT name || ' <' || email || '>' FROM users WHERE id = ?
sqlite: SELECT id FROM users WHERE name = 'a' || ?
sqlite: UPDATE users SET name = name || ? WHERE id = ?
sqlite: SELECT p.title || ' by ' || u.name FROM posts p JOIN users u ON u.id = p.user_id
both: SELECT id FROM users EXCEPT SELECT user_id FROM posts
both: SELECT user_id FROM posts INTERSECT SELECT id FROM users
both: SELECT id FROM users UNION SELECT user_id FROM posts EXCEPT SELECT user_id FROM comments
both: SELECT id FROM users WHERE id IN (SELECT user_id FROM posts EXCEPT SELECT user_id FROM comments)
sqlite: SELECT id FROM users WHERE email IS ?
sqlite: SELECT id FROM users WHERE email IS NOT ?
sqlite: UPDATE posts SET title = ? WHERE body IS ?
sqlite: DELETE FROM users AS u WHERE u.id = ?
refused mysql: DELETE FROM users u WHERE u.id = ?
mysql: DELETE u.*, p.* FROM users u JOIN posts p ON p.user_id = u.id WHERE u.id = ?
mysql: DELETE p.* FROM posts p WHERE p.user_id = ?
mysql: UPDATE IGNORE users SET email = ? WHERE id = ?
mysql: DELETE IGNORE FROM posts WHERE id = ?
mysql: DELETE QUICK FROM posts WHERE id = ?
mysql: DELETE LOW_PRIORITY FROM posts WHERE id = ?
mysql: DELETE LOW_PRIORITY QUICK IGNORE FROM posts WHERE id = ?
mysql: UPDATE LOW_PRIORITY posts SET title = ? WHERE id = ?
mysql: SELECT * FROM users WHERE id = ? FOR UPDATE SKIP LOCKED
mysql: SELECT * FROM users WHERE id = ? FOR UPDATE NOWAIT
mysql: SELECT * FROM `users` WHERE `users`.`id` = ? ORDER BY `users`.`id` LIMIT 1 FOR UPDATE SKIP LOCKED
mysql: SELECT * FROM posts WHERE user_id = ? LOCK IN SHARE MODE
mysql: SELECT * FROM posts USE KEY (PRIMARY) WHERE user_id = ?
mysql: SELECT * FROM posts IGNORE INDEX FOR JOIN (idx_user) JOIN users ON users.id = posts.user_id
mysql: SELECT * FROM posts FORCE INDEX (idx_user) WHERE user_id = ?
sqlite: INSERT OR IGNORE INTO tags (post_id, name) SELECT id, title FROM posts WHERE user_id = ?
sqlite: INSERT OR REPLACE INTO logs (id, msg) SELECT id, name FROM users
refused sqlite: INSERT OR REPLACE INTO users (id, name) SELECT id, name FROM users WHERE id = ?
sqlite: UPDATE posts SET score = c.n FROM (SELECT post_id, COUNT(*) AS n FROM comments GROUP BY post_id) AS c WHERE c.post_id = posts.id
sqlite: UPDATE posts SET title = tags.name FROM tags WHERE tags.post_id = posts.id
sqlite: SELECT * FROM users FULL OUTER JOIN posts ON posts.user_id = users.id
sqlite: SELECT * FROM users FULL JOIN posts ON posts.user_id = users.id
sqlite: SELECT * FROM posts INDEXED BY idx_posts_user WHERE user_id = ?
sqlite: SELECT * FROM posts NOT INDEXED WHERE user_id = ?
sqlite: SELECT user_id, COUNT(*) FILTER (WHERE score > 0) FROM posts GROUP BY user_id
sqlite: SELECT p.id, j.value FROM posts p, json_each(p.body) j
sqlite: SELECT id FROM users WHERE id IN (SELECT value FROM json_each(?))
sqlite: SELECT u.id FROM users u JOIN json_each(?) j ON j.value = u.id
sqlite: SELECT p.id, t.key FROM posts p, json_tree(p.body) t
mysql: SELECT p.id, jt.tag FROM posts p, JSON_TABLE(p.body, '$[*]' COLUMNS (tag VARCHAR(50) PATH '$')) AS jt
refused mysql: SELECT u.id, x.n FROM users u, LATERAL (SELECT COUNT(*) AS n FROM posts WHERE posts.user_id = u.id) x
sqlite: SELECT id, key FROM users WHERE key = ?
sqlite: SELECT id FROM users WHERE key IS NOT NULL
both: SELECT `key`, id FROM users WHERE `key` = ?
both: SELECT * FROM users WHERE id = ?
both: SELECT u.id, p.id FROM users u LEFT JOIN posts p ON p.user_id = u.id WHERE u.id = ?
both: SELECT COUNT(*) FROM posts WHERE user_id IN (SELECT id FROM users WHERE name LIKE ?)
both: UPDATE posts SET title = ? WHERE id = ?
both: DELETE FROM comments WHERE post_id = ?
both: INSERT INTO logs (msg) SELECT name FROM users WHERE id = ?
both: SELECT id FROM users WHERE id = ? UNION ALL SELECT id FROM users WHERE id = ?
both: SELECT CASE WHEN score > ? THEN 'hi' ELSE 'lo' END FROM posts
mysql: SELECT id FROM posts WHERE JSON_EXTRACT(body, '$.a') = ?
refused mysql: SELECT user_id, COUNT(*) FROM posts GROUP BY user_id WITH ROLLUP
sqlite: SELECT id FROM posts WHERE title GLOB ?
sqlite: SELECT id FROM users WHERE name LIKE ? ESCAPE '\'
sqlite: SELECT id FROM posts LIMIT ? OFFSET ?
both: WITH RECURSIVE chain AS (SELECT id, user_id FROM posts WHERE id = ? UNION SELECT p.id, p.user_id FROM posts p JOIN chain ON p.user_id = chain.user_id) SELECT COUNT(*) FROM chain
both: WITH x AS (SELECT user_id, SUM(score) OVER (PARTITION BY user_id) AS s FROM posts) SELECT DISTINCT user_id, s FROM x ORDER BY s DESC
both: SELECT d.id FROM (WITH y AS (SELECT id FROM posts WHERE score > ?) SELECT id FROM y) AS d JOIN users ON users.id = d.id
refused sqlite: WITH x AS (SELECT id FROM posts WHERE score < ?) UPDATE posts SET score = 0 WHERE id IN x
both: SELECT id, ROW_NUMBER() OVER (ORDER BY id) FROM users EXCEPT SELECT id, 1 FROM posts
sqlite: SELECT id, name || '!' FROM users WHERE id IN (SELECT user_id FROM posts INTERSECT SELECT user_id FROM comments)
