package softdelete

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strings"
	"testing"
)

// The differential harness for foreign keys. Each schema has 2 to 4
// listed tables t0..t3 whose column p (and sometimes q) references an
// earlier table or the table itself, ON DELETE CASCADE, RESTRICT, NO
// ACTION or SET NULL at random. The same data goes into two databases: one
// used through softdelete, the oracle used raw with foreign keys enforced.
// Each step runs a random DELETE or UPDATE on both (the oracle, which
// holds only live rows, runs it as written), and the rows softdelete shows
// must then be the oracle's rows, table by table: the cascade deleted what
// the database would, a RESTRICT key failed both, a SET NULL key is
// refused by softdelete (the step is then undone on the oracle). Every row
// a DELETE stamps shares one stamp that no earlier statement used. After
// some DELETEs the step restores them (Restore of the target rows): the
// rows shown must be the oracle's from before the DELETE, exactly.

// cdSchema is one generated schema.
type cdSchema struct {
	tables []cdTable
}

type cdTable struct {
	name string
	rows int
	fks  []cdFK
}

type cdFK struct {
	col, parent, action string
}

func genCascadeSchema(r *rand.Rand, b *cdBackend) *cdSchema {
	s := &cdSchema{}
	n := 2 + r.Intn(3)
	actions := []string{"CASCADE", "CASCADE", "CASCADE", "RESTRICT", "NO ACTION", "SET NULL"}
	if b.pg { // checked at commit: the oracle checks at the end of the statement (SET CONSTRAINTS ALL IMMEDIATE)
		actions = append(actions, "NO ACTION DEFERRABLE INITIALLY DEFERRED")
	}
	for i := 0; i < n; i++ {
		t := cdTable{name: fmt.Sprintf("t%d", i), rows: 4 + r.Intn(9)}
		if i > 0 || r.Intn(2) == 0 {
			parent := r.Intn(i + 1)
			t.fks = append(t.fks, cdFK{col: "p", parent: fmt.Sprintf("t%d", parent), action: actions[r.Intn(len(actions))]})
		}
		if i > 1 && r.Intn(3) == 0 {
			t.fks = append(t.fks, cdFK{col: "q", parent: fmt.Sprintf("t%d", r.Intn(i)), action: actions[r.Intn(len(actions))]})
		}
		s.tables = append(s.tables, t)
	}
	return s
}

// ddl returns the CREATE TABLE and INSERT statements; parents' rows are
// inserted first, and a self-reference points at a lower id.
func (s *cdSchema) ddl(r *rand.Rand, b *cdBackend) []string {
	typ, opts := "DATETIME", ""
	switch {
	case b.mysql:
		typ, opts = "DATETIME(6)", " ENGINE=InnoDB"
	case b.pg:
		typ = []string{"timestamp", "timestamptz"}[r.Intn(2)]
	}
	var out []string
	rows := map[string]int{}
	for _, t := range s.tables {
		cols := "id INT PRIMARY KEY, a INT, p INT NULL, q INT NULL, deleted_at " + typ + " NULL"
		for _, fk := range t.fks {
			cols += fmt.Sprintf(", FOREIGN KEY (%s) REFERENCES %s (id) ON DELETE %s", fk.col, fk.parent, fk.action)
		}
		out = append(out, "CREATE TABLE "+t.name+" ("+cols+")"+opts)
		rows[t.name] = t.rows
		var vals []string
		for id := 1; id <= t.rows; id++ {
			ref := map[string]string{"p": "NULL", "q": "NULL"}
			for _, fk := range t.fks {
				limit := rows[fk.parent]
				if fk.parent == t.name {
					limit = id - 1
				}
				if limit > 0 && r.Intn(5) > 0 {
					ref[fk.col] = fmt.Sprint(1 + r.Intn(limit))
				}
			}
			vals = append(vals, fmt.Sprintf("(%d, %d, %s, %s)", id, r.Intn(5), ref["p"], ref["q"]))
		}
		out = append(out, "INSERT INTO "+t.name+" (id, a, p, q) VALUES "+strings.Join(vals, ", "))
	}
	return out
}

func (s *cdSchema) names() string {
	var n []string
	for _, t := range s.tables {
		n = append(n, t.name)
	}
	return strings.Join(n, ",")
}

// cdStatement returns a random write on a random table, and its table.
func (s *cdSchema) statement(r *rand.Rand, mysql bool) (string, []any, string) {
	t := s.tables[r.Intn(r.Intn(len(s.tables))+1)] // parents more often: more cascades
	var pred string
	var args []any
	switch k := r.Intn(7); {
	case k == 0:
		pred, args = "a = ?", []any{r.Intn(5)}
	case k == 1:
		pred, args = "a < ?", []any{r.Intn(4)}
	case k == 2:
		pred, args = "id IN (?, ?)", []any{1 + r.Intn(t.rows), 1 + r.Intn(t.rows)}
	case k == 3:
		pred = "p IS NULL"
	case k == 4:
		pred, args = "p = ?", []any{1 + r.Intn(5)}
	default:
		if len(t.fks) > 0 && (t.fks[0].parent != t.name || !mysql) {
			u := t.fks[0].parent
			pred, args = "EXISTS (SELECT 1 FROM "+u+" AS u WHERE u.id = "+t.name+".p AND u.a >= ?)", []any{r.Intn(5)}
		} else {
			pred, args = "id = ?", []any{1 + r.Intn(t.rows)}
		}
	}
	if r.Intn(6) == 0 {
		return "UPDATE " + t.name + " SET a = a + 1 WHERE " + pred, args, t.name
	}
	return "DELETE FROM " + t.name + " WHERE " + pred, args, t.name
}

// cdEnv is one schema loaded twice.
type cdEnv struct {
	schema      *cdSchema
	soft, orcl  *sql.DB
	stamps      map[string]bool
	mysql, pg   bool
	closeSchema func()
}

// cdBackend is where the harness runs.
type cdBackend struct {
	name    string
	drivers []string // the inner driver, by schema number in turn
	mysql   bool     // MariaDB's forms
	pg      bool     // PostgreSQL: $N placeholders, ::text, deferred keys
	softDSN func(schema int) string
	oracle  func(schema int) *sql.DB
	drop    bool // drop t3..t0 before each schema (one database for all)
}

// asText casts a column to text.
func (e *cdEnv) asText(col string) string {
	if e.pg {
		return col + "::text"
	}
	return "CAST(" + col + " AS CHAR)"
}

// state returns, per table, the rows softdelete shows (soft) or the
// oracle's rows, as text.
func (e *cdEnv) state(ctx context.Context, db *sql.DB, soft bool) (string, error) {
	var b strings.Builder
	for _, t := range e.schema.tables {
		q := "SELECT id, a, coalesce(p, 0), coalesce(q, 0) FROM " + t.name + " ORDER BY id"
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			return "", err
		}
		b.WriteString(t.name + ":")
		for rows.Next() {
			var id, a, p, qq int
			if err := rows.Scan(&id, &a, &p, &qq); err != nil {
				rows.Close()
				return "", err
			}
			fmt.Fprintf(&b, " %d/%d/%d/%d", id, a, p, qq)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return "", err
		}
		b.WriteString("\n")
	}
	_ = soft
	return b.String(), nil
}

// stampsNow returns the stamp of every deleted row, by table and id.
func (e *cdEnv) stampsNow(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	raw := WithForce(WithIncludeDeleted(ctx))
	for _, t := range e.schema.tables {
		rows, err := e.soft.QueryContext(raw, "SELECT id, "+e.asText("deleted_at")+" FROM "+t.name+" WHERE deleted_at IS NOT NULL")
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int
			var s string
			if err := rows.Scan(&id, &s); err != nil {
				rows.Close()
				return nil, err
			}
			out[fmt.Sprintf("%s/%d", t.name, id)] = s
		}
		rows.Close()
	}
	return out, nil
}

// cdStats counts a run.
type cdStats struct {
	statements, deletes, cascaded, restricted, refused, restores, mismatches int
	orderDependent                                                           int
}

// errStopSchema ends a schema's steps without a mismatch.
const errStopSchema = "stop schema"

// consistent checks that no live row references a deleted row through a
// foreign key of the schema.
func (e *cdEnv) consistent(ctx context.Context) string {
	raw := WithForce(WithIncludeDeleted(ctx))
	for _, t := range e.schema.tables {
		for _, fk := range t.fks {
			var n int
			q := "SELECT count(*) FROM " + t.name + " c JOIN " + fk.parent + " p ON c." + fk.col + " = p.id WHERE c.deleted_at IS NULL AND p.deleted_at IS NOT NULL"
			if err := e.soft.QueryRowContext(raw, q).Scan(&n); err != nil {
				return err.Error()
			}
			if n > 0 {
				return fmt.Sprintf("%d live rows of %s reference deleted rows of %s through %s", n, t.name, fk.parent, fk.col)
			}
		}
	}
	return ""
}

// isFKError reports the oracle's foreign key failure.
func isFKError(err error) bool {
	s := err.Error()
	return strings.Contains(s, "FOREIGN KEY constraint failed") || strings.Contains(s, "Error 1451") || strings.Contains(s, "violates foreign key constraint")
}

// step runs one statement on both sides and compares; it returns a
// description of a mismatch, or "".
func (e *cdEnv) step(ctx context.Context, r *rand.Rand, st *cdStats) string {
	q, args, table := e.schema.statement(r, e.mysql)
	if e.pg {
		q = dollarPlaceholders(q)
	}
	st.statements++
	before, err := e.stampsNow(ctx)
	if err != nil {
		return "stamps: " + err.Error()
	}
	otx, err := e.orcl.BeginTx(ctx, nil)
	if err != nil {
		return "oracle begin: " + err.Error()
	}
	defer otx.Rollback() //nolint:errcheck
	_, oErr := otx.ExecContext(ctx, q, args...)
	if oErr == nil && e.pg { // deferred keys: checked now, as the COMMIT of the statement's own transaction would
		_, oErr = otx.ExecContext(ctx, "SET CONSTRAINTS ALL IMMEDIATE")
	}
	var sErr error
	if r.Intn(3) == 0 {
		var ps *sql.Stmt
		if ps, sErr = e.soft.PrepareContext(ctx, q); sErr == nil {
			_, sErr = ps.ExecContext(ctx, args...)
			ps.Close()
		}
	} else {
		_, sErr = e.soft.ExecContext(ctx, q, args...)
	}
	restore := false
	switch {
	case oErr != nil && isFKError(oErr) && (errors.Is(sErr, ErrRestricted) || errors.Is(sErr, ErrRefused) && strings.Contains(sErr.Error(), "SET NULL")):
		st.restricted++
		_ = otx.Rollback()
	case oErr != nil && isFKError(oErr) && sErr == nil:
		// The raw DELETE failed on a RESTRICT key that it checked before a
		// cascade reached the child (the database's row order decides);
		// softdelete checks after its cascade. Accepted only when no live
		// row is left referencing a deleted one; the schema stops here,
		// the two sides no longer holding the same rows.
		if msg := e.consistent(ctx); msg != "" {
			return q + ": " + msg
		}
		st.orderDependent++
		return errStopSchema
	case oErr == nil && errors.Is(sErr, ErrRefused) && strings.Contains(sErr.Error(), "SET NULL"):
		st.refused++
		_ = otx.Rollback()
	case oErr != nil || sErr != nil:
		return fmt.Sprintf("%s %v: oracle error %v, softdelete error %v", q, args, oErr, sErr)
	default:
		restore = strings.HasPrefix(q, "DELETE") && r.Intn(4) == 0
		if restore {
			_ = otx.Rollback()
		} else if err := otx.Commit(); err != nil {
			return "oracle commit: " + err.Error()
		}
	}
	if strings.HasPrefix(q, "DELETE") && sErr == nil {
		st.deletes++
		if msg := e.checkStamps(ctx, q, before, st); msg != "" {
			return msg
		}
		if restore {
			if msg := e.restore(ctx, table, before); msg != "" {
				return q + ": " + msg
			}
			st.restores++
		}
	}
	want, err := e.state(ctx, e.orcl, false)
	if err != nil {
		return "oracle state: " + err.Error()
	}
	got, err := e.state(ctx, e.soft, true)
	if err != nil {
		return "state: " + err.Error()
	}
	if want != got {
		return fmt.Sprintf("%s %v (restored: %v): rows differ\noracle:\n%ssoftdelete:\n%s", q, args, restore, want, got)
	}
	return ""
}

// checkStamps checks that the rows a DELETE stamped share one new stamp.
func (e *cdEnv) checkStamps(ctx context.Context, q string, before map[string]string, st *cdStats) string {
	after, err := e.stampsNow(ctx)
	if err != nil {
		return "stamps: " + err.Error()
	}
	var stamp string
	tables := map[string]bool{}
	for k, s := range after {
		if before[k] != "" {
			if before[k] != s {
				return fmt.Sprintf("%s: %s was restamped: %s -> %s", q, k, before[k], s)
			}
			continue
		}
		if stamp != "" && s != stamp {
			return fmt.Sprintf("%s: two stamps in one DELETE: %s and %s", q, stamp, s)
		}
		stamp = s
		tables[strings.Split(k, "/")[0]] = true
	}
	if stamp == "" {
		return ""
	}
	if e.stamps[stamp] {
		return fmt.Sprintf("%s: stamp %s was used by an earlier statement", q, stamp)
	}
	e.stamps[stamp] = true
	if len(tables) > 1 {
		st.cascaded++
	}
	return ""
}

// restore restores the rows of table that the last DELETE stamped.
func (e *cdEnv) restore(ctx context.Context, table string, before map[string]string) string {
	after, err := e.stampsNow(ctx)
	if err != nil {
		return "stamps: " + err.Error()
	}
	var ids []string
	for k := range after {
		if before[k] == "" && strings.HasPrefix(k, table+"/") {
			ids = append(ids, strings.TrimPrefix(k, table+"/"))
		}
	}
	if len(ids) == 0 {
		return ""
	}
	sort.Strings(ids)
	if _, err := Restore(ctx, e.soft, table, "id IN ("+strings.Join(ids, ", ")+")"); err != nil {
		return "Restore: " + err.Error()
	}
	return ""
}

func TestDifferentialCascade(t *testing.T) {
	seed := diffEnvInt(t, "SOFTDELETE_DIFF_SEED", 20261130)
	t.Run("sqlite", func(t *testing.T) {
		n := diffEnvInt(t, "SOFTDELETE_DIFF_CASCADE_N", 1500)
		dir := t.TempDir()
		runCascadeDifferential(t, &cdBackend{name: "sqlite", drivers: []string{"sqlite3"},
			softDSN: func(i int) string { return fmt.Sprintf("file:%s/soft%d.db?_foreign_keys=1&_busy_timeout=5000", dir, i) },
			oracle: func(i int) *sql.DB {
				db, err := sql.Open("sqlite3", fmt.Sprintf("file:%s/oracle%d.db?_foreign_keys=1", dir, i))
				if err != nil {
					t.Fatal(err)
				}
				db.SetMaxOpenConns(1)
				return db
			}}, n, seed)
	})
	t.Run("mariadb", func(t *testing.T) {
		mysqlBaseConfig(t)
		n := diffEnvInt(t, "SOFTDELETE_DIFF_CASCADE_MYSQL_N", 300)
		softDB, oracleDB := mysqlOpen(t, "t0", ""), mysqlOpen(t, "t0", "")
		runCascadeDifferential(t, &cdBackend{name: "mariadb", drivers: []string{"mysql"}, mysql: true, drop: true,
			softDSN: func(int) string { return softDB.InnerDSN },
			oracle:  func(int) *sql.DB { return oracleDB.Raw }}, n, seed)
	})
}

// runCascadeDifferential runs n statements over schemas of 40 steps each.
func runCascadeDifferential(t *testing.T, b *cdBackend, n, seed int64) {
	ctx := context.Background()
	var st cdStats
	for schemaNo := 0; int64(st.statements) < n; schemaNo++ {
		r := rand.New(rand.NewSource(seed + int64(schemaNo)))
		s := genCascadeSchema(r, b)
		orcl := b.oracle(schemaNo)
		softDSN := b.softDSN(schemaNo)
		ddl := s.ddl(r, b)
		driverName := b.drivers[schemaNo%len(b.drivers)]
		rawSoft, err := sql.Open(driverName, softDSN)
		if err != nil {
			t.Fatal(err)
		}
		for _, db := range []*sql.DB{orcl, rawSoft} {
			for i := 3; b.drop && i >= 0; i-- {
				db.ExecContext(ctx, "DROP TABLE IF EXISTS t"+fmt.Sprint(i)) //nolint:errcheck
			}
			for _, q := range ddl {
				if _, err := db.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
		}
		rawSoft.Close()
		soft, err := sql.Open(DriverName, "driver="+driverName+" tables="+s.names()+" dsn="+softDSN)
		if err != nil {
			t.Fatal(err)
		}
		e := &cdEnv{schema: s, soft: soft, orcl: orcl, stamps: map[string]bool{}, mysql: b.mysql, pg: b.pg}
		for i := 0; i < 40 && int64(st.statements) < n; i++ {
			msg := e.step(ctx, r, &st)
			if msg == errStopSchema {
				break
			}
			if msg != "" {
				st.mismatches++
				if st.mismatches <= 3 {
					t.Errorf("schema %d (seed %d, %s):\n%s\n%s", schemaNo, seed+int64(schemaNo), driverName, strings.Join(ddl, ";\n"), msg)
				}
				break
			}
		}
		soft.Close()
		if !b.drop {
			orcl.Close()
		}
	}
	t.Logf("%d statements: %d DELETEs (%d cascaded to other tables), %d stopped by RESTRICT on both, %d refused (SET NULL), %d exact restores, %d order-dependent RESTRICT (raw failed, softdelete's cascade went first; consistent), %d mismatches",
		st.statements, st.deletes, st.cascaded, st.restricted, st.refused, st.restores, st.orderDependent, st.mismatches)
	if os.Getenv("SOFTDELETE_DIFF_CASCADE_LOG") != "" {
		fmt.Printf("cascade differential (%s): %+v\n", b.name, st)
	}
}
