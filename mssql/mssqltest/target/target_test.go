package target_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	mssql "github.com/microsoft/go-mssqldb"
	"golang.org/x/text/encoding/charmap"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/target"
)

// splitBatches splits a script at its lines "GO", as sqlcmd does with the
// scripter's files (the scripter writes no GO with a count).
func splitBatches(script string) []string {
	var out []string
	var cur []string
	for _, line := range strings.SplitAfter(script, "\n") {
		if strings.TrimRight(line, "\r\n") == "GO" {
			out = append(out, strings.Join(cur, ""))
			cur = nil
			continue
		}
		cur = append(cur, line)
	}
	if rest := strings.Join(cur, ""); strings.TrimSpace(rest) != "" {
		out = append(out, rest)
	}
	return out
}

func open(t *testing.T, srv *mssqltest.Server, database string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlserver", srv.DSN(database))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newTarget(t *testing.T, opts ...target.Option) (*target.Handler, *mssqltest.Server) {
	t.Helper()
	h := target.NewHandler(append([]target.Option{target.WithDatabases("restored")}, opts...)...)
	srv := target.NewServer(h, mssqltest.WithLogf(t.Logf))
	t.Cleanup(srv.Close)
	return h, srv
}

// query returns all rows of a query as the driver scans them into any.
func query(t *testing.T, db *sql.DB, q string) ([][]any, []*sql.ColumnType) {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(types))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out, types
}

// bulkValue turns a value the driver read into what mssql.CopyIn takes
// for a column of that type: decimal and money text as string, char data
// in code page 1252 (CopyIn sends a string's UTF-8 bytes as they are).
func bulkValue(t *testing.T, typ string, v any) any {
	t.Helper()
	if v == nil {
		return nil
	}
	switch typ {
	case "DECIMAL", "NUMERIC", "MONEY", "SMALLMONEY":
		return string(v.([]byte))
	case "CHAR", "VARCHAR", "TEXT":
		b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(v.(string)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return v
}

// copyIn loads rows with go-mssqldb's bulk copy on one connection and
// returns the row count of the final Exec.
func copyIn(ctx context.Context, db *sql.DB, table string, opts mssql.BulkOptions, cols []string, rows [][]any) (int64, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	stmt, err := conn.PrepareContext(ctx, mssql.CopyIn(table, opts, cols...))
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	for _, r := range rows {
		if _, err := stmt.ExecContext(ctx, r...); err != nil {
			return 0, err
		}
	}
	res, err := stmt.ExecContext(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func goldenBatches(t *testing.T, files ...string) []string {
	t.Helper()
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", "sample", f))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, splitBatches(string(b))...)
	}
	return out
}

// TestGoldenScripts runs the sample's golden schema.sql, post-data.sql and
// security.sql: every batch is accepted and recorded in order, and the
// tables are modelled as the scripter declared them.
func TestGoldenScripts(t *testing.T) {
	h, srv := newTarget(t)
	db := open(t, srv, "restored")
	batches := goldenBatches(t, "schema.sql", "post-data.sql", "security.sql")
	for i, b := range batches {
		if _, err := db.Exec(b); err != nil {
			t.Fatalf("batch %d: %v\n%s", i+1, err, b)
		}
	}
	got := h.Batches()
	if len(got) != len(batches) {
		t.Fatalf("recorded %d batches, sent %d", len(got), len(batches))
	}
	for i, b := range got {
		if b.SQL != batches[i] || b.Database != "restored" || b.Err != "" {
			t.Fatalf("batch %d recorded as %+v, sent %q", i+1, b, batches[i])
		}
	}
	rdb := h.Database("restored")
	var names []string
	for _, tab := range rdb.Tables() {
		names = append(names, tab.Schema+"."+tab.Name)
	}
	hostile := "evil\r\nDROP DATABASE x;\r\nGO\r\n$(x) */ it's"
	want := []string{"dbo.AllTypes", "dbo.BigValues", "dbo.Cache", "dbo.CacheSessions", "dbo.Documents", "dbo.Empty", "dbo.Events", "dbo.Facts",
		"dbo.Legacy", "dbo.Tuned", "dbo.TunedFacts", "dbo.Validity",
		hostile + ".t\r\nDROP DATABASE x;\r\nGO\r\n$(x) */ it's",
		"graph.City", "graph.Person", "graph.knows", "graph.livesIn", "hr.Departments", "hr.Employees",
		"hr.Positions", "hr.PositionsHistory", "odd ]schema ü.Table ]with spaces 😀", "sales.Customers",
		"sales.TenantNotes", "sales.Orders", "sales.OrderLines"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("tables\n%q\nwant\n%q", names, want)
	}
	describe := func(schema, name string) string {
		tab := rdb.Table(schema, name)
		var parts []string
		for _, c := range tab.Columns {
			s := c.Name + " " + c.Decl + " " + c.Wire().Decl()
			switch {
			case c.Computed != "":
				s = c.Name + " AS " + c.Computed
			case c.Identity:
				s += " IDENTITY(" + itoa(c.Seed) + "," + itoa(c.Increment) + ")"
			}
			if !c.Nullable {
				s += " NOT NULL"
			}
			if c.RowVersion {
				s += " ROWVERSION"
			}
			parts = append(parts, s)
		}
		if tab.Node {
			parts = append(parts, "AS NODE")
		}
		return strings.Join(parts, "; ")
	}
	for _, c := range []struct{ schema, name, want string }{
		{"sales", "Customers", "CustomerID int int IDENTITY(1,1) NOT NULL; Name nvarchar(100) nvarchar(100) NOT NULL; " +
			"Phone [dbo].[Phone] varchar(20); Email varchar(200) varchar(200); RowGuid uniqueidentifier uniqueidentifier NOT NULL; " +
			"CreatedAt datetime2(3) datetime2(3) NOT NULL; FullInfo AS (concat([Name],N' <',[Email],N'>')); " +
			"NameLength AS (len([Name])); Notes nvarchar(max) nvarchar(max); ReferredBy int int"},
		{"dbo", "Legacy", "id int int NOT NULL; code char(10) char(10); name varchar(20) varchar(20)"},
		{"sales", "Orders", "OrderID bigint bigint NOT NULL; CustomerID int int NOT NULL; OrderDate date date NOT NULL; " +
			"Total [dbo].[Amount] decimal(19,4); Status tinyint tinyint NOT NULL; Tax AS ([dbo].[fn_Tax]([Total])); " +
			"RowVer rowversion binary(8) NOT NULL ROWVERSION"},
		{"graph", "Person", "ID int int NOT NULL; Name nvarchar(50) nvarchar(50) NOT NULL; AS NODE"},
		{hostile, "t\r\nDROP DATABASE x;\r\nGO\r\n$(x) */ it's", "id int int IDENTITY(1,1) NOT NULL; c\r\nDROP DATABASE x;\r\nGO\r\n$(x) */ it's nvarchar(40) nvarchar(40)"},
	} {
		if got := describe(c.schema, c.name); got != c.want {
			t.Errorf("%s.%s:\n got %q\nwant %q", c.schema, c.name, got, c.want)
		}
	}
	if got := rdb.Table("sales", "Customers").Column("Email").Type.Collation; got != (mssqltest.Collation{LCID: 0x0409, Flags: 0x0C}) {
		t.Errorf("Latin1_General_CS_AS read as %+v", got)
	}
	var n int
	if err := db.QueryRow("/* " + target.UserObjectsTag + " */ SELECT COUNT(*) FROM sys.objects WHERE is_ms_shipped = 0").Scan(&n); err != nil || n != len(names) {
		t.Fatalf("user objects: %d, %v; want %d", n, err, len(names))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

const allTypesDDL = "-- Table [dbo].[AllTypes]\n"

// TestBulkAllTypes copies the sample's dbo.AllTypes rows with mssql.CopyIn
// into the table the golden schema.sql creates, and reads them back: the
// driver returns from the target exactly what it returned from the source,
// for every column type go-mssqldb's bulk copy can send: all but
// rowversion, which the server makes, and sql_variant, for which
// go-mssqldb v1.11.2 panics in INSERT BULK (makeDecl has no sql_variant).
func TestBulkAllTypes(t *testing.T) {
	ctx := context.Background()
	src := sample.NewServer(sample.NewHandler(sample.New()))
	defer src.Close()
	sdb := open(t, src, sample.Name)

	h, srv := newTarget(t)
	tdb := open(t, srv, "restored")
	for _, b := range goldenBatches(t, "schema.sql") {
		if strings.Contains(b, "CREATE TYPE [dbo].[") || strings.Contains(b, allTypesDDL) {
			if _, err := tdb.Exec(b); err != nil {
				t.Fatal(err)
			}
		}
	}
	tab := h.Database("restored").Table("dbo", "AllTypes")
	var cols []string
	for _, c := range tab.Columns {
		if c.Name != "c_variant" && c.Name != "c_rowversion" {
			cols = append(cols, c.Name)
		}
	}
	list := "[" + strings.Join(cols, "], [") + "]"
	want, types := query(t, sdb, "/* sqlvault:data [dbo].[AllTypes] */\nSELECT "+list+"\nFROM [dbo].[AllTypes]")
	if len(want) < 10 {
		t.Fatalf("source has %d rows", len(want))
	}
	var rows [][]any
	for _, r := range want {
		row := make([]any, len(r))
		for i, v := range r {
			row[i] = bulkValue(t, types[i].DatabaseTypeName(), v)
		}
		rows = append(rows, row)
	}
	opts := mssql.BulkOptions{Tablock: true, CheckConstraints: true, FireTriggers: true}
	n, err := copyIn(ctx, tdb, "[dbo].[AllTypes]", opts, cols, rows)
	if err != nil || n != int64(len(rows)) {
		t.Fatalf("CopyIn: %d rows, %v", n, err)
	}
	got, gotTypes := query(t, tdb, "/* "+target.DataTag+" [dbo].[AllTypes] */\nSELECT "+list+"\nFROM [dbo].[AllTypes]\nORDER BY [id]")
	for i := range types {
		if types[i].DatabaseTypeName() != gotTypes[i].DatabaseTypeName() {
			t.Errorf("column %s: type %s, source %s", cols[i], gotTypes[i].DatabaseTypeName(), types[i].DatabaseTypeName())
		}
	}
	if len(got) != len(want) {
		t.Fatalf("read back %d rows, want %d", len(got), len(want))
	}
	for r := range want {
		for c := range want[r] {
			if !reflect.DeepEqual(got[r][c], want[r][c]) {
				t.Errorf("row %d column %s: got %#v, want %#v", r+1, cols[c], got[r][c], want[r][c])
			}
		}
	}
	loaded := h.Database("restored").Table("dbo", "AllTypes")
	if l := loaded.Loads(); len(l) != 1 || !reflect.DeepEqual(l[0].Columns, cols) || !reflect.DeepEqual(l[0].Options, []string{"CHECK_CONSTRAINTS", "FIRE_TRIGGERS", "TABLOCK"}) || l[0].Rows != int64(len(rows)) {
		t.Errorf("loads %+v", l)
	}
	rv := loaded.Column("c_rowversion")
	if rv == nil {
		t.Fatal("no c_rowversion")
	}
	for i, r := range loaded.Rows() {
		v := r[len(r)-1]
		if want := []byte{0, 0, 0, 0, 0, 0, 0, byte(i + 1)}; !reflect.DeepEqual(v, want) {
			t.Fatalf("row %d rowversion %x, want %x", i+1, v, want)
		}
	}
}

// TestIdentity: values of an identity column listed in INSERT BULK are
// kept; without it the target makes them from the seed, the increment and
// the highest value so far.
func TestIdentity(t *testing.T) {
	ctx := context.Background()
	h, srv := newTarget(t)
	db := open(t, srv, "restored")
	if _, err := db.Exec("CREATE TABLE [dbo].[T] (\n    [id] int IDENTITY(10,5) NOT NULL,\n    [v] nvarchar(10) NULL\n);"); err != nil {
		t.Fatal(err)
	}
	if _, err := copyIn(ctx, db, "[dbo].[T]", mssql.BulkOptions{}, []string{"id", "v"}, [][]any{{int64(100), "a"}, {int64(7), "b"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := copyIn(ctx, db, "[dbo].[T]", mssql.BulkOptions{}, []string{"v"}, [][]any{{"c"}, {nil}}); err != nil {
		t.Fatal(err)
	}
	got, _ := query(t, db, "/* sqlvault:data [dbo].[T] */ SELECT [id], [v] FROM [dbo].[T] ORDER BY [id]")
	want := [][]any{{int64(100), "a"}, {int64(7), "b"}, {int64(105), "c"}, {int64(110), nil}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rows %v, want %v (as loaded: the model does not sort)", got, want)
	}
	loads := h.Database("restored").Table("dbo", "T").Loads()
	if len(loads) != 2 || !loads[0].KeepIdentity || loads[1].KeepIdentity {
		t.Fatalf("loads %+v", loads)
	}
}

// TestDropMidLoad: the connection is cut in the load that reaches the
// third row; that load stores nothing, the one before is kept, and loading
// the table again succeeds.
func TestDropMidLoad(t *testing.T) {
	ctx := context.Background()
	h, srv := newTarget(t, target.DropAfterBulkRows(3))
	db := open(t, srv, "restored")
	for _, ddl := range []string{"CREATE TABLE [dbo].[A] ([id] int NOT NULL);", "CREATE TABLE [dbo].[B] ([id] int NOT NULL);"} {
		if _, err := db.Exec(ddl); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := copyIn(ctx, db, "[dbo].[A]", mssql.BulkOptions{}, []string{"id"}, [][]any{{int64(1)}, {int64(2)}}); err != nil {
		t.Fatal(err)
	}
	five := [][]any{{int64(1)}, {int64(2)}, {int64(3)}, {int64(4)}, {int64(5)}}
	_, err := copyIn(ctx, db, "[dbo].[B]", mssql.BulkOptions{}, []string{"id"}, five)
	if err == nil {
		t.Fatal("load of B succeeded through a dropped connection")
	}
	var merr mssql.Error
	if errors.As(err, &merr) {
		t.Fatalf("load of B failed with a server error %v, want an I/O error", err)
	}
	rdb := h.Database("restored")
	if a, b := len(rdb.Table("dbo", "A").Rows()), len(rdb.Table("dbo", "B").Rows()); a != 2 || b != 0 {
		t.Fatalf("after the drop A has %d rows, B %d; want 2 and 0", a, b)
	}
	if n, err := copyIn(ctx, db, "[dbo].[B]", mssql.BulkOptions{}, []string{"id"}, five); err != nil || n != 5 {
		t.Fatalf("reload of B: %d, %v", n, err)
	}
	if b := len(rdb.Table("dbo", "B").Rows()); b != 5 {
		t.Fatalf("B has %d rows after the reload", b)
	}
}

// TestRefusedBatches: a batch the options refuse, one the model cannot
// read and the permissions taken away fail with the server's error, and
// are recorded with it.
func TestRefusedBatches(t *testing.T) {
	ctx := context.Background()
	h, srv := newTarget(t,
		target.RefuseBatch("[dbo].[Bad]", mssqltest.Errorf(2760, 16, "The specified schema name \"x\" either does not exist or you do not have permission to use it.")),
		target.Deny(target.Insert), target.Deny(target.CreateDatabase))
	db := open(t, srv, "restored")
	check := func(err error, number int32, msg string) {
		t.Helper()
		var e mssql.Error
		if !errors.As(err, &e) || e.Number != number || e.Message != msg {
			t.Fatalf("got %v, want error %d %q", err, number, msg)
		}
	}
	_, err := db.Exec("CREATE TABLE [dbo].[Bad] ([id] int NOT NULL);")
	check(err, 2760, "The specified schema name \"x\" either does not exist or you do not have permission to use it.")
	_, err = db.Exec("SET ANSI_NULLS ON;\nCREATE TABLE [dbo].[Odd] (\n    [id] int NOT NULL WEIRD\n);")
	check(err, 50000, `mssqltest target: batch 2 cannot be modelled: CREATE TABLE [dbo].[Odd]: column [id]: unexpected "WEIRD"`)
	_, err = db.Exec("CREATE DATABASE [scratch];")
	check(err, 262, "CREATE DATABASE permission denied in database 'master'.")
	if _, err := db.Exec("CREATE TABLE [s].[T] ([id] int NOT NULL);"); err != nil {
		t.Fatal(err)
	}
	_, err = copyIn(ctx, db, "[s].[T]", mssql.BulkOptions{}, []string{"id"}, [][]any{{int64(1)}})
	check(err, 229, "The INSERT permission was denied on the object 'T', database 'restored', schema 's'.")
	got := h.Batches()
	if len(got) != 4 || got[0].Err == "" || got[1].Err == "" || got[2].Err == "" || got[3].Err != "" || got[3].SQL != "CREATE TABLE [s].[T] ([id] int NOT NULL);" {
		t.Fatalf("batches %+v", got)
	}
	if tabs := h.Database("restored").Tables(); len(tabs) != 1 {
		t.Fatalf("%d tables, want only [s].[T]", len(tabs))
	}
}

// TestScratchDatabase: CREATE DATABASE and DROP DATABASE, as restore
// --create-database and verify run them.
func TestScratchDatabase(t *testing.T) {
	h, srv := newTarget(t)
	master := open(t, srv, "")
	if _, err := master.Exec("CREATE DATABASE [verify 1] COLLATE Latin1_General_100_CI_AS_SC_UTF8;"); err != nil {
		t.Fatal(err)
	}
	if _, err := master.Exec("CREATE DATABASE [verify 1];"); err == nil || !strings.Contains(err.Error(), "Database 'verify 1' already exists.") {
		t.Fatalf("second CREATE DATABASE: %v", err)
	}
	scratch := open(t, srv, "verify 1")
	var n int
	if err := scratch.QueryRow("/* sqlvault:user_objects */ SELECT COUNT(*) FROM sys.objects WHERE is_ms_shipped = 0").Scan(&n); err != nil || n != 0 {
		t.Fatalf("user objects of a new database: %d, %v", n, err)
	}
	if got := h.Database("VERIFY 1").Collation; got != "Latin1_General_100_CI_AS_SC_UTF8" {
		t.Fatalf("collation %q", got)
	}
	scratch.Close()
	if _, err := master.Exec("DROP DATABASE [verify 1];"); err != nil {
		t.Fatal(err)
	}
	if got := h.Databases(); !reflect.DeepEqual(got, []string{"master", "restored"}) {
		t.Fatalf("databases %q", got)
	}
	gone := open(t, srv, "verify 1")
	if err := gone.Ping(); err == nil || !strings.Contains(err.Error(), `Cannot open database "verify 1" requested by the login.`) {
		t.Fatalf("login to a dropped database: %v", err)
	}
}

// TestBulkValueTooLong: a value longer than its column fails the load
// (go-mssqldb does not check), and nothing of it is stored.
func TestBulkValueTooLong(t *testing.T) {
	h, srv := newTarget(t)
	db := open(t, srv, "restored")
	if _, err := db.Exec("CREATE TABLE [dbo].[S] ([id] int NOT NULL, [v] varchar(3) NULL);"); err != nil {
		t.Fatal(err)
	}
	_, err := copyIn(context.Background(), db, "[dbo].[S]", mssql.BulkOptions{}, []string{"id", "v"}, [][]any{{int64(1), []byte("abc")}, {int64(2), []byte("abcd")}})
	var e mssql.Error
	if !errors.As(err, &e) || e.Number != 4815 || e.Message != `mssqltest target: bulk load: row 2, column "v": value of 4 bytes exceeds the column's 3` {
		t.Fatalf("got %v", err)
	}
	if n := len(h.Database("restored").Table("dbo", "S").Rows()); n != 0 {
		t.Fatalf("%d rows stored", n)
	}
}
