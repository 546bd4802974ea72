// Package target is a restore target for tests: an mssqltest.Handler
// that models a SQL Server holding empty databases, into which a restore
// runs the scripter's schema.sql, data files, post-data.sql and
// security.sql batches and bulk loads table rows (go-mssqldb's
// mssql.CopyIn), and from which a verify reads the rows back with the
// scripter's own data queries (the manifest's TableEntry.Query).
//
//	h := target.NewHandler(target.WithDatabases("restored"))
//	srv := target.NewServer(h)
//	defer srv.Close()
//	db, _ := sql.Open("sqlserver", srv.DSN("restored"))
//	... run batches, mssql.CopyIn ...
//	rows := h.Database("restored").Table("dbo", "t").Rows()
//
// It does not run T-SQL. It records every batch it is sent (Batches),
// and models only what restore and verify need:
//
//   - CREATE DATABASE [name] [COLLATE name] and DROP DATABASE [name] (sent
//     to any database, typically master) create and drop databases;
//     connecting to a database that does not exist fails with error 4060.
//   - In a batch, the scripter's own CREATE TABLE statements (columns,
//     types with their length, precision and scale, alias types of CREATE
//     TYPE ... FROM, COLLATE, NULL/NOT NULL, IDENTITY(seed,increment),
//     computed columns, rowversion, DEFAULT, AS NODE/AS EDGE), ALTER TABLE
//     ... ADD of columns, TRUNCATE TABLE (the rows go, the identity starts
//     again from its seed), and the same run through DECLARE @sql =
//     <literal>; EXEC sys.sp_executesql @sql, make the table model. A
//     statement of those kinds the model cannot read fails the batch with
//     an error naming the batch; every other statement (indexes,
//     constraints, modules, permissions, SET options ...) is accepted and
//     only recorded.
//   - The batches of the scripter's data files (a batch whose first
//     statement is SET IDENTITY_INSERT, INSERT INTO or one on
//     #sqlvault_lob, directly or run by sp_executesql), read per
//     connection by mssql.DataSession, the reader of mssql.ReadDataFile:
//     the rows of INSERT ... VALUES and of INSERT ... SELECT from
//     #sqlvault_lob (a value written in pieces, held by the connection as
//     the temp table is) are stored, the values read by mssql.ParseLiteral
//     and kept in the forms a bulk load stores. A batch's rows are stored
//     together or, when one fails, none (the scripter's data batches hold
//     one INSERT each). The values of the identity column are kept
//     (IDENTITY_INSERT itself is not modelled); a NULL in a NOT NULL
//     column fails with error 515.
//   - Graph tables: each row stored in a node table, by bulk load or
//     INSERT, gets a graph id (Table.NodeIDs); an edge's ends, the
//     scripter's subqueries (SELECT $node_id FROM [s].[n] WHERE [k] = lit
//     AND ...), are found by the node table's key values (integers and
//     character data, compared exactly: no collation) and stored with the
//     edge (Table.Ends); an end no node matches is NULL and fails the
//     INSERT with error 515, as does a bulk load into an edge table.
//   - go-mssqldb's bulk copy: "SET FMTONLY ON", "select * from [s].[t] SET
//     FMTONLY OFF" (answered with the table's stored columns: computed
//     columns are left out), "INSERT BULK [s].[t] (...) WITH (...)" and the
//     bulk load message, whose rows are stored in the table. A load is
//     atomic: a failed or dropped load stores nothing.
//   - The queries of UserObjectsTag, DataTag and ServerTag, see there.
//     Rows are read back in the order they were stored (the model does
//     not sort). A version guard of the scripts that the server's version
//     (WithVersion) fails sends its message as PRINT does.
//
// Values are stored in the forms mssqltest.Param documents (a sql_variant
// as an mssqltest.Variant of its base type) and sent back with the
// table's column types, so that go-mssqldb reads back what it would read
// from SQL Server for the values loaded.
package target

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// UserObjectsTag tags the query that tells whether the current database
// holds user objects:
//
//	/* sqlvault:user_objects */ SELECT COUNT(*) FROM sys.objects WHERE is_ms_shipped = 0
//
// The handler matches the tag only and answers one int column with the
// number of tables of the model (the only user objects it models).
const UserObjectsTag = "sqlvault:user_objects"

// DataTag tags the scripter's data queries (mssql's dataQuery, and
// edgeData.query for an edge table), which the manifest records per table
// (TableEntry.Query) and a verify reads a restored table back with:
//
//	/* sqlvault:data [s].[t] */
//	SELECT [a], [v], CAST(SQL_VARIANT_PROPERTY([v], 'BaseType') AS nvarchar(128)), ...
//	FROM [s].[t] WITH (SNAPSHOT)
//	ORDER BY [a]
//
//	/* sqlvault:data [s].[e] */
//	SELECT f1.[k], t1.[k], e.[a]
//	FROM [s].[e] AS e
//	LEFT JOIN [s].[n] AS f1 ON f1.$node_id = e.$from_id
//	LEFT JOIN [s].[n] AS t1 ON t1.$node_id = e.$to_id
//	ORDER BY f1.[k], t1.[k], e.[a]
//
// The handler reads the query (the table is the one of FROM; the tag's
// name may be escaped): the select list names stored columns, of an edge
// table as e.[c] and of the node tables its ends are joined to (NULL where
// the end is not in that node table), a sql_variant column may be followed
// by its SQL_VARIANT_PROPERTY casts of BaseType, Precision, Scale and
// MaxLength, answered as SQL Server does for the value's base type. WITH
// (SNAPSHOT) is accepted; a WHERE clause is not modelled (an error). The
// ORDER BY items are checked but the rows are not sorted: they come in the
// order they were loaded, which, for a table a restore loaded from its
// data file, is the order of the backup's query (a real server sorts by
// ORDER BY, with the columns' collations).
const DataTag = "sqlvault:data"

// Permission is a permission a Deny option takes away from the login.
type Permission string

// The permissions Deny can take away, and what fails without them (the
// error numbers and texts are SQL Server's: 262 "... permission denied in
// database ...", 229 "The ... permission was denied on the object ...",
// 1088 "Cannot find the object ... because it does not exist or you do
// not have permissions.").
const (
	// CreateDatabase: CREATE DATABASE fails with error 262.
	CreateDatabase Permission = "CREATE DATABASE"
	// CreateTable: a batch with CREATE TABLE fails with error 262.
	CreateTable Permission = "CREATE TABLE"
	// Insert: INSERT BULK fails with error 229.
	Insert Permission = "INSERT"
	// Alter: SET IDENTITY_INSERT and an INSERT BULK that keeps identity
	// values (ALTER is needed for that, BULK INSERT (Transact-SQL),
	// Permissions) fail with error 1088.
	Alter Permission = "ALTER"
	// Select: the data query (DataTag) fails with error 229.
	Select Permission = "SELECT"
)

// Option configures a Handler.
type Option func(*Handler)

// WithDatabases makes empty databases of these names exist from the start
// (master always exists).
func WithDatabases(names ...string) Option {
	return func(h *Handler) {
		for _, n := range names {
			h.dbs[strings.ToLower(n)] = newDatabase(n, &h.mu)
		}
	}
}

// DropAfterBulkRows makes the server cut the connection, once, in the bulk
// load during which it has received n rows in total (counting the rows of
// the loads before it): that load stores nothing, the loads before it are
// kept, and later loads succeed. The client sees an I/O error when it
// ends the load.
func DropAfterBulkRows(n int64) Option {
	return func(h *Handler) { h.dropAfter = n }
}

// RefuseBatch makes every batch whose text contains match fail with the
// error e (nothing of it is modelled), as a target that rejects a
// statement does.
func RefuseBatch(match string, e *mssqltest.Error) Option {
	return func(h *Handler) { h.refuse = append(h.refuse, refusal{match, e}) }
}

// Deny takes a permission away from the login (see Permission).
func Deny(p Permission) Option {
	return func(h *Handler) { h.denied[p] = true }
}

type refusal struct {
	match string
	err   *mssqltest.Error
}

// Batch is a batch the handler was sent, in order.
type Batch struct {
	// Database is the session's database when it came.
	Database string
	// SQL is the batch text.
	SQL string
	// Err is the error the batch failed with, "" if none.
	Err string
}

// Handler is the restore target's mssqltest.Handler and
// mssqltest.BulkHandler. It is safe for concurrent use.
type Handler struct {
	mu        sync.Mutex
	dbs       map[string]*Database // by lower-case name
	batches   []Batch
	pending   map[uint64]*pendingLoad // INSERT BULK by connection
	sessions  map[uint64]*session     // by connection
	bulkRows  int64                   // rows received in bulk loads
	dropAfter int64
	dropped   bool
	refuse    []refusal
	denied    map[Permission]bool
	version   sample.Version // WithVersion's
}

// NewHandler returns a handler; only master exists unless an option
// makes other databases.
func NewHandler(opts ...Option) *Handler {
	h := &Handler{dbs: map[string]*Database{}, pending: map[uint64]*pendingLoad{}, sessions: map[uint64]*session{},
		denied: map[Permission]bool{}}
	h.dbs["master"] = newDatabase("master", &h.mu)
	for _, o := range opts {
		o(h)
	}
	return h
}

// NewServer starts an mssqltest server for the handler, refusing logins
// to databases that do not exist with error 4060.
func NewServer(h *Handler, opts ...mssqltest.Option) *mssqltest.Server {
	return mssqltest.NewServer(h, append([]mssqltest.Option{LoginOption(h)}, opts...)...)
}

// LoginOption is the server option that refuses logins to databases h
// does not hold, with error 4060 (NewServer sets it; for servers made
// with mssqltest.NewUnstartedServer).
func LoginOption(h *Handler) mssqltest.Option {
	return mssqltest.WithLoginHook(h.checkLogin)
}

func (h *Handler) checkLogin(l *mssqltest.Login) error {
	if l.Database == "" || h.Database(l.Database) != nil {
		return nil
	}
	return &mssqltest.Error{Number: 4060, State: 1, Class: 11, Message: fmt.Sprintf(
		"Cannot open database \"%s\" requested by the login. The login failed.", l.Database)}
}

// Database returns the database of that name (case-insensitive), nil if
// it does not exist.
func (h *Handler) Database(name string) *Database {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.dbs[strings.ToLower(name)]
}

// Databases returns the names of the databases, master included, sorted.
func (h *Handler) Databases() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var names []string
	for _, db := range h.dbs {
		names = append(names, db.Name)
	}
	sort.Strings(names)
	return names
}

// Batches returns the batches sent so far, in order: every batch but the
// queries the handler answers (UserObjectsTag, DataTag, ServerTag,
// "SELECT 1") and go-mssqldb's bulk copy statements, which Table.Loads
// records.
func (h *Handler) Batches() []Batch {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Batch(nil), h.batches...)
}

// Database is a database of the target.
type Database struct {
	// Name is the database name; Collation the COLLATE of CREATE
	// DATABASE, "" for the server's default.
	Name      string
	Collation string

	mu      *sync.Mutex       // the Handler's, which guards the fields below
	tables  map[string]*Table // by tableKey
	order   []*Table          // in creation order
	aliases map[string]*alias // by lower-case "schema.name"
	rowver  uint64            // last rowversion value given out
}

func newDatabase(name string, mu *sync.Mutex) *Database {
	return &Database{Name: name, mu: mu, tables: map[string]*Table{}, aliases: map[string]*alias{}}
}

func tableKey(schema, name string) string { return strings.ToLower(schema + "\x00" + name) }

func (db *Database) addTable(t *Table) error {
	k := tableKey(t.Schema, t.Name)
	if db.tables[k] != nil {
		return &mssqltest.Error{Number: 2714, State: 6, Class: 16, Message: fmt.Sprintf(
			"There is already an object named '%s' in the database.", t.Name)}
	}
	t.db = db
	db.tables[k] = t
	db.order = append(db.order, t)
	return nil
}

// Tables returns the database's tables in the order they were created.
// The tables are snapshots: later loads do not change them.
func (db *Database) Tables() []*Table {
	db.mu.Lock()
	defer db.mu.Unlock()
	var out []*Table
	for _, t := range db.order {
		out = append(out, t.snapshot())
	}
	return out
}

// Table returns a snapshot of the table (names compared
// case-insensitively), nil if it does not exist.
func (db *Database) Table(schema, name string) *Table {
	db.mu.Lock()
	defer db.mu.Unlock()
	t := db.tables[tableKey(schema, name)]
	if t == nil {
		return nil
	}
	return t.snapshot()
}

// Column is a column of a modelled table.
type Column struct {
	// Name is the column name.
	Name string
	// Decl is the type as CREATE TABLE declared it ("decimal(38,10)",
	// "[dbo].[Phone]", "rowversion"); "" for computed columns.
	Decl string
	// Type is the system type (alias types resolved) as the server sends
	// it; its Name and Nullable are set by Wire.
	Type mssqltest.Column
	// Collation is the COLLATE name, "" if none was given.
	Collation string
	// Nullable is the column's nullability.
	Nullable bool
	// Identity, Seed and Increment describe an IDENTITY column.
	Identity        bool
	Seed, Increment int64
	// RowVersion marks a rowversion column, whose values the server
	// makes (8 bytes, growing over the database).
	RowVersion bool
	// Computed is the expression of a computed column ("" for stored
	// columns); computed columns store nothing here.
	Computed string
	// Default is the DEFAULT expression, "" if none.
	Default string
}

// Wire returns the column as a result set column.
func (c *Column) Wire() mssqltest.Column {
	w := c.Type
	w.Name, w.Nullable = c.Name, c.Nullable
	return w
}

// stored tells columns that hold values.
func (c *Column) stored() bool { return c.Computed == "" }

// Load records one bulk load into a table.
type Load struct {
	// Columns are the columns of INSERT BULK, in order.
	Columns []string
	// Options are the WITH options of INSERT BULK as sent ("TABLOCK",
	// "CHECK_CONSTRAINTS", "FIRE_TRIGGERS", "KEEP_NULLS", "ROWS_PER_BATCH =
	// 10", "ORDER([id] ASC)"), in order.
	Options []string
	// KeepIdentity tells that the identity column was loaded, so its
	// values were kept (see Handler.BulkLoad).
	KeepIdentity bool
	// Rows is the number of rows loaded.
	Rows int64
}

// Table is a modelled table.
type Table struct {
	Schema, Name string
	Columns      []*Column
	// Node and Edge mark graph tables (AS NODE, AS EDGE); their graph
	// pseudo-columns are not columns here: a node's graph id is in
	// NodeIDs, an edge's ends in Ends.
	Node, Edge bool
	// MemoryOptimized marks a table created WITH (MEMORY_OPTIMIZED =
	// ON), which refuses TRUNCATE TABLE (error 10794).
	MemoryOptimized bool

	db       *Database
	rows     [][]any // one value per column; nil for computed columns
	nodeIDs  []int64 // a node table's graph id of each row
	nextNode int64   // the next graph id of a node table
	ends     [][2]NodeRef
	loads    []Load
	identity *int64 // last identity value, nil before the first
}

// Rows returns the stored rows, one value per column of Columns in the
// forms mssqltest.Param documents (computed columns are nil; a sql_variant
// is an mssqltest.Variant of its base type). Values are as loaded: char,
// nchar and binary values are padded only when sent.
func (t *Table) Rows() [][]any { return t.rows }

// NodeIDs returns, for a node table, the graph id of each row of Rows
// (given from 0 up as rows are stored, never given again); nil for other
// tables.
func (t *Table) NodeIDs() []int64 { return t.nodeIDs }

// Ends returns, for an edge table, the FROM and TO nodes of each row of
// Rows; nil for other tables.
func (t *Table) Ends() [][2]NodeRef { return t.ends }

// Loads returns the bulk loads of the table that succeeded, in order.
func (t *Table) Loads() []Load { return t.loads }

// Column returns the column of that name (case-insensitive), nil if
// none.
func (t *Table) Column(name string) *Column {
	for _, c := range t.Columns {
		if strings.EqualFold(c.Name, name) {
			return c
		}
	}
	return nil
}

func (t *Table) snapshot() *Table {
	cp := *t
	cp.Columns = make([]*Column, len(t.Columns))
	for i, c := range t.Columns {
		cc := *c
		cp.Columns[i] = &cc
	}
	cp.rows = append([][]any(nil), t.rows...)
	cp.nodeIDs = append([]int64(nil), t.nodeIDs...)
	cp.ends = append([][2]NodeRef(nil), t.ends...)
	cp.loads = append([]Load(nil), t.loads...)
	cp.db = nil
	return &cp
}

// Query implements mssqltest.Handler.
func (h *Handler) Query(ctx context.Context, q *mssqltest.Request, w mssqltest.ResultWriter) error {
	if q.Kind != mssqltest.KindBatch {
		return mssqltest.Errorf(50000, 16, "mssqltest target: RPC %s is not modelled", q.Proc)
	}
	text := strings.TrimSpace(q.SQL)
	tag := tagOf(text)
	switch {
	case tag == "" && strings.EqualFold(strings.TrimSuffix(text, ";"), "select 1"):
		if err := w.Columns([]mssqltest.Column{{Type: mssqltest.TypeInt}}); err != nil {
			return err
		}
		return w.Row(1)
	case tag == UserObjectsTag:
		return h.userObjects(q, w)
	case tag == ServerTag:
		return h.serverVersion().AnswerServer(w, q.Conn.Database)
	case strings.HasPrefix(tag, DataTag+" "):
		return h.data(ctx, q, text, w)
	}
	if handled, err := h.bulkStatement(q, text, w); handled {
		return err
	}
	err := h.runBatch(q)
	h.mu.Lock()
	b := Batch{Database: q.Conn.Database, SQL: q.SQL}
	if err != nil {
		b.Err = err.Error()
	}
	h.batches = append(h.batches, b)
	h.mu.Unlock()
	if err != nil {
		return err
	}
	if err := h.printSkipped(q.SQL, w); err != nil {
		return err
	}
	return w.Done(0)
}

// tagOf returns the tag of a query, "sqlvault:data [s].[t]" from
// "/* sqlvault:data [s].[t] */ ...", or "".
func tagOf(s string) string {
	if !strings.HasPrefix(s, "/* ") {
		return ""
	}
	end := strings.Index(s, " */")
	if end < 0 {
		return ""
	}
	return s[3:end]
}

func (h *Handler) userObjects(q *mssqltest.Request, w mssqltest.ResultWriter) error {
	h.mu.Lock()
	n := 0
	if db := h.dbs[strings.ToLower(q.Conn.Database)]; db != nil {
		n = len(db.order)
	}
	h.mu.Unlock()
	if err := w.Columns([]mssqltest.Column{{Type: mssqltest.TypeInt}}); err != nil {
		return err
	}
	return w.Row(n)
}

// runBatch models one batch.
func (h *Handler) runBatch(q *mssqltest.Request) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range h.refuse {
		if strings.Contains(q.SQL, r.match) {
			return r.err
		}
	}
	db := h.dbs[strings.ToLower(q.Conn.Database)]
	if db == nil {
		return mssqltest.Errorf(911, 16, "Database '%s' does not exist. Make sure that the name is entered correctly.", q.Conn.Database)
	}
	toks, err := lex(q.SQL)
	if err != nil {
		return h.batchError(err)
	}
	p := &parser{src: q.SQL, toks: toks}
	switch {
	case p.peek().is("CREATE") && p.peekAt(1).is("DATABASE"):
		p.i += 2
		return h.createDatabase(p)
	case p.peek().is("DROP") && p.peekAt(1).is("DATABASE"):
		p.i += 2
		return h.dropDatabase(p)
	}
	for _, t := range toks {
		switch {
		case h.denied[CreateTable] && t.is("TABLE") && containsCreateTable(toks):
			return mssqltest.Errorf(262, 14, "CREATE TABLE permission denied in database '%s'.", db.Name)
		case h.denied[Alter] && t.is("IDENTITY_INSERT"):
			return mssqltest.Errorf(1088, 16, "Cannot find the object \"%s\" because it does not exist or you do not have permissions.", identityInsertTarget(q.SQL, toks))
		}
	}
	if handled, err := h.insert(db, q.Conn.ID, q.SQL); handled {
		if err != nil {
			return h.batchError(err)
		}
		return nil
	}
	if err := db.interpret(q.SQL, 0); err != nil {
		return h.batchError(err)
	}
	return nil
}

// batchError is the error of a batch the model cannot read; it names the
// batch by its number among those sent and its first line.
func (h *Handler) batchError(err error) error {
	if e := serverError(err); e != nil {
		return e
	}
	return mssqltest.Errorf(50000, 16, "mssqltest target: batch %d cannot be modelled: %v", len(h.batches)+1, err)
}

func containsCreateTable(toks []token) bool {
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].is("CREATE") && toks[i+1].is("TABLE") {
			return true
		}
	}
	return false
}

// identityInsertTarget names the table of SET IDENTITY_INSERT as written.
func identityInsertTarget(src string, toks []token) string {
	for i, t := range toks {
		if t.is("IDENTITY_INSERT") && i+1 < len(toks) {
			end := i + 1
			for end+1 < len(toks) && (toks[end+1].punct(".") || toks[end].punct(".")) {
				end++
			}
			return src[toks[i+1].start:toks[end].end]
		}
	}
	return ""
}

// createDatabase runs CREATE DATABASE [name] [COLLATE name].
func (h *Handler) createDatabase(p *parser) error {
	if h.denied[CreateDatabase] {
		return mssqltest.Errorf(262, 14, "CREATE DATABASE permission denied in database 'master'.")
	}
	t := p.next()
	if !t.name() {
		return mssqltest.Errorf(102, 15, "Incorrect syntax near 'DATABASE'.")
	}
	db := newDatabase(t.text, &h.mu)
	if p.accept("COLLATE") {
		db.Collation = p.next().text
	}
	p.acceptPunct(";")
	if !p.eof() {
		return mssqltest.Errorf(50000, 16, "mssqltest target: CREATE DATABASE %s: only COLLATE is modelled, not %s", quoteName(t.text), p.describe())
	}
	if h.dbs[strings.ToLower(t.text)] != nil {
		return mssqltest.Errorf(1801, 16, "Database '%s' already exists. Choose a different database name.", t.text)
	}
	h.dbs[strings.ToLower(t.text)] = db
	return nil
}

// dropDatabase runs DROP DATABASE [name].
func (h *Handler) dropDatabase(p *parser) error {
	t := p.next()
	if !t.name() {
		return mssqltest.Errorf(102, 15, "Incorrect syntax near 'DATABASE'.")
	}
	k := strings.ToLower(t.text)
	if h.dbs[k] == nil || k == "master" {
		return mssqltest.Errorf(3701, 11, "Cannot drop the database '%s', because it does not exist or you do not have permission.", t.text)
	}
	delete(h.dbs, k)
	return nil
}
