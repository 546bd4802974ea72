package mssql

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ReadDataFile reads a table's data file as the scripter writes it
// (data/<schema>.<table>.sql, see writeTableData) and calls row for each
// row it inserts, in the file's order, with one value per column of cols
// (the table's data columns: TableEntry.DataColumns of the manifest, or
// Table.DataColumns of a catalog). table is the table's [schema].[name]
// as the file names it (TableEntry.Name).
//
// The values are what running the file would store: each literal read
// back by ParseLiteral for its column's type (the inverse of the
// AppendLiteral that wrote it), a value written in pieces (#sqlvault_lob)
// put together, so that they are the canonical Go values AppendLiteral
// documents, equal to what go-mssqldb returns when it reads the rows
// back; BulkValue turns them into what go-mssqldb's CopyIn takes. The
// file is read as sqlcmd runs it: batches at GO lines, a batch run with
// sp_executesql read from its literal; at most one batch is held (4 MiB
// of text, MaxBatchBytes, plus a value built in pieces). Anything the
// scripter does not write is an error, as is a literal ParseLiteral
// refuses or a row of another number of values. An edge table's file,
// whose rows find their ends by subqueries, is refused: it cannot be
// loaded by values. row's error stops the reading and is returned
// (wrapped). It returns the number of rows read.
func ReadDataFile(r io.Reader, table string, cols []*Column, row func(values []any) error) (int64, error) {
	d := &dataReplay{table: table, cols: cols, row: row}
	if _, err := io.Copy(d, r); err != nil {
		return d.rows, fmt.Errorf("read data of %s: %w", DisplayText(table), err)
	}
	if err := d.Close(); err != nil {
		return d.rows, fmt.Errorf("read data of %s: %w", DisplayText(table), err)
	}
	return d.rows, nil
}

// DataSession reads the data batches of one session as a server runs them,
// batch by batch: the batches of data files (writeTableData) that a
// restore runs, for a server model that stores the rows they insert
// (mssql/mssqltest/target). It reads them as ReadDataFile does (the same
// statements, the literals read back by ParseLiteral, a value written in
// pieces through #sqlvault_lob put together, which lives in the session
// as the temp table does), but takes a batch at a time, and the files of
// several tables one after the other, and reads edge tables too: an
// edge's ends come as EdgeEnd values before the columns' values.
type DataSession struct {
	d       dataReplay
	columns func(table string) ([]*Column, bool, error)
}

// NewDataSession returns a session. columns returns, for a table as a
// batch names it ("[s].[t]"), the columns its data file's INSERTs set, in
// order (the table's columns but computed, rowversion and column set
// columns), and whether it is an edge table; it is called for each batch
// that names a table. row receives each row a batch inserts, in order.
// An error of either is returned by Batch (wrapped).
func NewDataSession(columns func(table string) (cols []*Column, edge bool, err error), row func(table string, values []any) error) *DataSession {
	s := &DataSession{columns: columns}
	s.d.header = true
	s.d.row = func(vals []any) error { return row(s.d.table, vals) }
	return s
}

// Batch runs a batch of the session. A batch whose first statement is not
// one of a data file's data statements (SET IDENTITY_INSERT, INSERT INTO,
// the statements on #sqlvault_lob; directly or run by sp_executesql as
// the scripter writes it) is none of the session's: Batch returns false
// and does nothing. A data batch is read whole, and any statement in it
// the scripter does not write, or a literal ParseLiteral refuses, is an
// error.
func (s *DataSession) Batch(text string) (bool, error) {
	lines, err := statementLines(text)
	if err != nil || len(lines) == 0 || !dataStatement(lines[0]) {
		return false, nil
	}
	if name := tableOf(lines); name != "" {
		cols, edge, err := s.columns(name)
		if err != nil {
			return true, err
		}
		s.d.table, s.d.cols, s.d.edge = name, cols, edge
	}
	return true, s.d.run(lines)
}

// dataStatement tells the statement lines a data file's batch can start
// with.
func dataStatement(l string) bool {
	for _, p := range []string{"SET IDENTITY_INSERT ", "INSERT INTO ", "IF OBJECT_ID(N'tempdb.." + lobTable + "')",
		"UPDATE " + lobTable + " ", "DROP TABLE " + lobTable + ";"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// tableOf returns the table the statement lines of a data batch insert
// into or set IDENTITY_INSERT of, as written ("[s].[t]"), or "".
func tableOf(lines []string) string {
	for _, l := range lines {
		if rest, ok := strings.CutPrefix(l, "SET IDENTITY_INSERT "); ok {
			if name, ok := strings.CutSuffix(rest, " ON;"); ok {
				return name
			}
			if name, ok := strings.CutSuffix(rest, " OFF;"); ok {
				return name
			}
		}
		if rest, ok := strings.CutPrefix(l, "INSERT INTO "); ok && !strings.HasPrefix(rest, lobTable+" ") {
			if parts := splitOutside(rest, " ("); len(parts) > 1 {
				return parts[0]
			}
		}
	}
	return ""
}

// unwrapExecSQL returns the statement a batch written by execSQL runs
// with sp_executesql (DECLARE @sql nvarchar(max) = <literal>; EXEC
// sys.sp_executesql @sql;), its literal read by ParseLiteral, and whether
// the batch is one.
func unwrapExecSQL(stmt string) (string, bool, error) {
	lit, ok := strings.CutPrefix(stmt, "DECLARE @sql nvarchar(max) = ")
	if !ok {
		return "", false, nil
	}
	lit, ok = strings.CutSuffix(strings.TrimRight(lit, "\n"), ";\n"+execSQLVar)
	if !ok || strings.Contains(lit, "\n") {
		return "", false, nil
	}
	v, err := ParseLiteral(ColumnType{Name: "nvarchar", MaxLength: -1}, lit)
	if err != nil {
		return "", false, err
	}
	return v.(string), true, nil
}

// splitTuple splits a row "(a, b, c)" of an INSERT into its literals, at
// commas outside quotes and parentheses.
func splitTuple(row string) ([]string, error) {
	row = strings.TrimSuffix(strings.TrimSuffix(row, ";"), ",")
	if !strings.HasPrefix(row, "(") || !strings.HasSuffix(row, ")") {
		return nil, fmt.Errorf("not a row: %.80q", row)
	}
	row = row[1 : len(row)-1]
	var out []string
	depth, start, inQ := 0, 0, false
	for i := 0; i < len(row); i++ {
		c := row[i]
		switch {
		case inQ:
			if c == '\'' {
				if i+1 < len(row) && row[i+1] == '\'' {
					i++
				} else {
					inQ = false
				}
			}
		case c == '\'':
			inQ = true
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(row[start:i]))
			start = i + 1
		}
	}
	if inQ || depth != 0 {
		return nil, fmt.Errorf("unbalanced row %.80q", row)
	}
	return append(out, strings.TrimSpace(row[start:])), nil
}

// dataReplay rebuilds the rows a data file inserts, reading it as sqlcmd
// and SQL Server run it; it is ReadDataFile's reader, and the tests' (with
// maxBatch, digests and edge). The file, after its header (fileHeader,
// which it must start with), is cut into batches at its GO lines (as
// Write receives it, holding no more than one batch), a batch run with
// sp_executesql is replaced by the text of its statement (unwrapExecSQL),
// and the statements are read one by one:
//   - SET (the file's header, IDENTITY_INSERT);
//   - INSERT INTO <table> (<columns>) VALUES and its rows, one a line;
//   - for a row with values written in pieces: IF OBJECT_ID(...) DROP,
//     CREATE TABLE #sqlvault_lob (cN type NOT NULL, ...), INSERT INTO
//     #sqlvault_lob (cN, ...) VALUES (<empty values>), UPDATE
//     #sqlvault_lob SET cN.WRITE(<piece>, NULL, NULL), which appends,
//     INSERT INTO <table> (<columns>) SELECT <literals and cN> FROM
//     #sqlvault_lob, and DROP TABLE #sqlvault_lob.
//
// Anything else is an error, as is a batch longer than maxBatch (when
// set), an INSERT into another table or other columns, or a literal that
// ParseLiteral refuses. row receives each row's values in column order,
// canonical Go values as ParseLiteral gives them; a value built in pieces
// is the concatenation of the pieces ([]byte or string), or, with
// digests set, a pieceDigest of it (so that a value of hundreds of
// megabytes need not be held).
type dataReplay struct {
	table    string // [schema].[table]
	cols     []*Column
	maxBatch int
	digests  bool
	row      func(vals []any) error
	// edge reads an edge table's rows: their first two values are the
	// ends, each a subquery over a node table's key (graph.go), passed
	// to row as EdgeEnd values before the columns' values.
	edge bool

	buf      []byte
	header   bool // fileHeader was read
	scanned  int
	batches  int
	longest  int
	pieces   int
	rows     int64
	lob      map[string]*pieceAcc // the columns of #sqlvault_lob
	lobOrder []string
	values   bool // inside INSERT ... VALUES
	err      error
}

// pieceAcc is a value of #sqlvault_lob as the UPDATEs build it.
type pieceAcc struct {
	typ  ColumnType
	data []byte
	h    hashWriter
	n    int64
}

type hashWriter interface {
	Write(p []byte) (int, error)
	Sum(b []byte) []byte
}

// pieceDigest is a value built in pieces, when only its digest is kept.
type pieceDigest struct {
	Sum [32]byte
	Len int64
}

func digestOf(b []byte) pieceDigest {
	return pieceDigest{Sum: sha256.Sum256(b), Len: int64(len(b))}
}

func (a *pieceAcc) add(v any) {
	var b []byte
	switch x := v.(type) {
	case string:
		b = []byte(x)
	case []byte:
		b = x
	}
	a.n += int64(len(b))
	if a.h != nil {
		a.h.Write(b)
		return
	}
	a.data = append(a.data, b...)
}

func (a *pieceAcc) value() any {
	if a.h != nil {
		var d pieceDigest
		copy(d.Sum[:], a.h.Sum(nil))
		d.Len = a.n
		return d
	}
	if a.typ.Name == "nvarchar" {
		return string(a.data)
	}
	return append([]byte{}, a.data...)
}

// Write takes more of the file.
func (d *dataReplay) Write(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	d.buf = append(d.buf, p...)
	if !d.header {
		if len(d.buf) < len(fileHeader) {
			return len(p), nil
		}
		if string(d.buf[:len(fileHeader)]) != fileHeader {
			d.err = fmt.Errorf("the file does not start with the header: %.80q", d.buf)
			return 0, d.err
		}
		d.buf, d.header = append(d.buf[:0], d.buf[len(fileHeader):]...), true
	}
	for {
		i := bytes.IndexByte(d.buf[d.scanned:], '\n')
		if i < 0 {
			return len(p), nil
		}
		end := d.scanned + i + 1
		if string(d.buf[d.scanned:end]) == "GO\n" {
			d.err = d.batch(string(d.buf[:d.scanned]))
			d.buf = append(d.buf[:0], d.buf[end:]...)
			d.scanned = 0
			if d.err != nil {
				return 0, d.err
			}
			continue
		}
		d.scanned = end
	}
}

// Close reads what follows the last GO: nothing but comment lines.
func (d *dataReplay) Close() error {
	if d.err != nil {
		return d.err
	}
	if !d.header {
		return errors.New("the file does not start with the header")
	}
	for _, l := range strings.Split(string(d.buf), "\n") {
		if l != "" && !strings.HasPrefix(l, "--") {
			return fmt.Errorf("text after the last GO: %.80q", l)
		}
	}
	if d.lob != nil {
		return errors.New("#sqlvault_lob was not dropped")
	}
	return nil
}

func (d *dataReplay) batch(text string) error {
	d.batches++
	d.longest = max(d.longest, len(text))
	if d.maxBatch > 0 && len(text) > d.maxBatch {
		return fmt.Errorf("batch %d holds %d bytes, more than %d", d.batches, len(text), d.maxBatch)
	}
	lines, err := statementLines(text)
	if err == nil {
		err = d.run(lines)
	}
	switch {
	case errors.Is(err, errInValues):
		return fmt.Errorf("batch %d %w", d.batches, err)
	case err != nil:
		return fmt.Errorf("batch %d: %w", d.batches, err)
	}
	return nil
}

// errInValues is the error of a batch that ends inside INSERT ... VALUES.
var errInValues = errors.New("ends inside INSERT ... VALUES")

// statementLines returns the lines of a batch's statements: its lines but
// blank and comment lines, or, for a batch run with sp_executesql, those
// of the statement it runs (unwrapExecSQL).
func statementLines(text string) ([]string, error) {
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if l != "" && !strings.HasPrefix(l, "--") {
			lines = append(lines, l)
		}
	}
	if stmt, ok, err := unwrapExecSQL(strings.Join(lines, "\n")); err != nil {
		return nil, err
	} else if ok {
		lines = codeLines(stmt)
	}
	return lines, nil
}

// run reads the statements of a batch, lines.
func (d *dataReplay) run(lines []string) error {
	d.values = false
	for i := 0; i < len(lines); i++ {
		if err := d.line(lines, &i); err != nil {
			return err
		}
	}
	if d.values {
		return errInValues
	}
	return nil
}

func (d *dataReplay) head() string {
	if d.edge {
		list := "$from_id, $to_id"
		if len(d.cols) > 0 {
			list += ", " + identList(columnNames(d.cols))
		}
		return "INSERT INTO " + d.table + " (" + list + ")"
	}
	return "INSERT INTO " + d.table + " (" + identList(columnNames(d.cols)) + ")"
}

// line reads the statement at lines[*i], and the lines it takes.
func (d *dataReplay) line(lines []string, i *int) error {
	l := lines[*i]
	const lob = "#sqlvault_lob"
	switch {
	case d.values:
		row, ok := strings.CutSuffix(l, ",")
		if !ok {
			row, ok = strings.CutSuffix(l, ";")
			d.values = !ok
		}
		if !ok {
			return fmt.Errorf("row %.80q ends in neither , nor ;", l)
		}
		lits, err := splitTuple(row)
		if err != nil {
			return err
		}
		return d.emit(lits, nil)
	case strings.HasPrefix(l, "SET IDENTITY_INSERT "+d.table+" O"):
		return nil
	case l == d.head()+" VALUES":
		d.values = true
		return nil
	case l == "IF OBJECT_ID(N'tempdb.."+lob+"') IS NOT NULL DROP TABLE "+lob+";":
		d.lob, d.lobOrder = nil, nil
		return nil
	case strings.HasPrefix(l, "CREATE TABLE "+lob+" ("):
		defs, ok := strings.CutSuffix(strings.TrimPrefix(l, "CREATE TABLE "+lob+" ("), ");")
		if !ok || d.lob != nil {
			return fmt.Errorf("unexpected %.80q", l)
		}
		d.lob = map[string]*pieceAcc{}
		for _, def := range strings.Split(defs, ", ") {
			name, typ, _ := strings.Cut(def, " ")
			typ = strings.TrimSuffix(strings.TrimSuffix(typ, " NOT NULL"), " COLLATE DATABASE_DEFAULT")
			t, err := ParseTypeDecl(typ)
			if err != nil || (typ != "nvarchar(max)" && typ != "varbinary(max)") {
				return fmt.Errorf("column %q of type %q in %s", name, typ, lob)
			}
			a := &pieceAcc{typ: t}
			if d.digests {
				a.h = sha256.New()
			}
			d.lob[name] = a
			d.lobOrder = append(d.lobOrder, name)
		}
		return nil
	case strings.HasPrefix(l, "INSERT INTO "+lob+" ("):
		names, vals, ok := strings.Cut(strings.TrimPrefix(l, "INSERT INTO "+lob+" ("), ") VALUES (")
		vals, ok2 := strings.CutSuffix(vals, ");")
		if !ok || !ok2 || names != strings.Join(d.lobOrder, ", ") {
			return fmt.Errorf("unexpected %.80q", l)
		}
		for k, lit := range strings.Split(vals, ", ") {
			a := d.lob[d.lobOrder[k]]
			v, err := ParseLiteral(a.typ, lit)
			if err != nil {
				return err
			}
			if v == nil {
				return errors.New(".WRITE cannot append to NULL")
			}
			a.add(v)
		}
		return nil
	case strings.HasPrefix(l, "UPDATE "+lob+" SET "):
		name, rest, ok := strings.Cut(strings.TrimPrefix(l, "UPDATE "+lob+" SET "), ".WRITE(")
		lit, ok2 := strings.CutSuffix(rest, ", NULL, NULL);")
		a := d.lob[name]
		if !ok || !ok2 || a == nil || a.n < 0 {
			return fmt.Errorf("unexpected %.80q", l)
		}
		v, err := ParseLiteral(a.typ, lit)
		if err != nil {
			return err
		}
		d.pieces++
		a.add(v)
		return nil
	case l == d.head():
		if *i+2 >= len(lines) || lines[*i+2] != "FROM "+lob+";" || !strings.HasPrefix(lines[*i+1], "SELECT ") || d.lob == nil {
			return fmt.Errorf("unexpected %.80q", l)
		}
		sel := lines[*i+1]
		*i += 2
		lits, err := splitTuple("(" + strings.TrimPrefix(sel, "SELECT ") + ")")
		if err != nil {
			return err
		}
		return d.emit(lits, d.lob)
	case l == "DROP TABLE "+lob+";":
		if d.lob == nil {
			return errors.New("DROP TABLE of no " + lob)
		}
		d.lob, d.lobOrder = nil, nil
		return nil
	}
	return fmt.Errorf("unexpected %.120q", l)
}

// emit parses a row's literals (cN or CAST(cN AS type) naming a value of
// lob) and passes the values on.
func (d *dataReplay) emit(lits []string, lob map[string]*pieceAcc) error {
	var ends []any
	if d.edge {
		if len(lits) < 2 {
			return fmt.Errorf("an edge of %d values", len(lits))
		}
		for _, lit := range lits[:2] {
			e, err := parseEnd(lit)
			if err != nil {
				return err
			}
			ends = append(ends, e)
		}
		lits = lits[2:]
	}
	if len(lits) != len(d.cols) {
		return fmt.Errorf("%d values for %d columns", len(lits), len(d.cols))
	}
	vals := make([]any, len(lits))
	for k, lit := range lits {
		c := d.cols[k]
		name := lit
		if in, ok := strings.CutPrefix(lit, "CAST("); ok && lob != nil {
			name, _, _ = strings.Cut(in, " AS ")
			if lit != "CAST("+name+" AS "+c.Type.norm().TypeDecl()+")" {
				name = ""
			}
		}
		if a := lob[name]; a != nil {
			if name != fmt.Sprintf("c%d", k+1) {
				return fmt.Errorf("value %d from %s", k+1, name)
			}
			vals[k] = a.value()
			a.n = -1 // used
			continue
		}
		v, err := ParseLiteral(c.Type, lit)
		if err != nil {
			return fmt.Errorf("column %s: %w", c.Name, err)
		}
		vals[k] = v
	}
	for _, a := range lob {
		if a.n >= 0 {
			return errors.New("a value of #sqlvault_lob is not inserted")
		}
	}
	d.rows++
	if d.row != nil {
		return d.row(append(ends, vals...))
	}
	return nil
}

// EdgeEnd is an end of an edge as its INSERT in a data file finds it,
// (SELECT $node_id FROM [s].[n] WHERE [k] = literal AND ...): the node
// table as the file names it ("[s].[n]") and, by key column as the file
// names it ("[k]"), the key's value, read by the literal's form: int64 for
// a number, string for N'...' (a key of another type is an error).
type EdgeEnd struct {
	Table string
	Key   map[string]any
}

// parseEnd reads an end of an edge, (SELECT $node_id FROM [s].[n] WHERE
// [k] = literal AND ...), the literals by the type their form says
// (ParseLiteral of int for numbers, nvarchar for N'...').
func parseEnd(s string) (EdgeEnd, error) {
	body, ok := strings.CutPrefix(s, "(SELECT $node_id FROM ")
	body, ok2 := strings.CutSuffix(body, ")")
	if !ok || !ok2 {
		return EdgeEnd{}, fmt.Errorf("an end %.120q is not a subquery over a node table", s)
	}
	parts := splitOutside(body, " WHERE ")
	if len(parts) != 2 {
		return EdgeEnd{}, fmt.Errorf("an end %.120q without one WHERE", s)
	}
	e := EdgeEnd{Table: parts[0], Key: map[string]any{}}
	for _, cond := range splitOutside(parts[1], " AND ") {
		eq := splitOutside(cond, " = ")
		if len(eq) != 2 || !strings.HasPrefix(eq[0], "[") {
			return EdgeEnd{}, fmt.Errorf("condition %.80q of end %.120q", cond, s)
		}
		typ := ColumnType{Name: "bigint"}
		if strings.HasPrefix(eq[1], "N'") {
			typ = ColumnType{Name: "nvarchar", MaxLength: -1}
		}
		v, err := ParseLiteral(typ, eq[1])
		if err != nil {
			return EdgeEnd{}, fmt.Errorf("end %.120q: %w", s, err)
		}
		e.Key[eq[0]] = v
	}
	return e, nil
}

// splitOutside splits s at sep outside strings and bracketed names.
func splitOutside(s, sep string) []string {
	var out []string
	start := 0
	var in byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case in != 0 && (in == '[' && c == ']' || in == '\'' && c == '\''):
			if i+1 < len(s) && s[i+1] == c {
				i++
			} else {
				in = 0
			}
		case in == 0 && (c == '[' || c == '\''):
			in = c
		case in == 0 && strings.HasPrefix(s[i:], sep):
			out = append(out, s[start:i])
			start = i + len(sep)
			i += len(sep) - 1
		}
	}
	return append(out, s[start:])
}

// codeLines splits the text of statements at the line breaks outside
// strings and bracketed identifiers (a name may hold a line break).
func codeLines(text string) []string {
	var lines []string
	start := 0
	var in byte // '[' or '\'', or 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case in == '[' && c == ']', in == '\'' && c == '\'':
			if i+1 < len(text) && text[i+1] == c {
				i++
			} else {
				in = 0
			}
		case in == 0 && (c == '[' || c == '\''):
			in = c
		case in == 0 && c == '\n':
			lines = append(lines, text[start:i])
			start = i + 1
		}
	}
	return append(lines, text[start:])
}

// ManifestColumn is a column a table's data file sets, as the manifest
// records it (TableEntry.Columns).
type ManifestColumn struct {
	// Name is the column's name.
	Name string `json:"name"`
	// Type is its system type as TypeDecl writes it ("decimal(19,4)",
	// "nvarchar(max)"; an alias type's base type), the type its literals
	// were written for.
	Type string `json:"type"`
	// Collation is the column's collation (char, varchar, text, nchar,
	// nvarchar, ntext), "" for other types.
	Collation string `json:"collation,omitempty"`
}

// ManifestNode is a node table an edge's end can be in, as the manifest
// records it (TableEntry.Ends): its name and the key columns an edge's
// end is found by.
type ManifestNode struct {
	Schema string           `json:"schema"`
	Name   string           `json:"name"`
	Key    []ManifestColumn `json:"key"`
}

// manifestEnds records the node tables of an edge table's ends for the
// manifest; nil for other tables.
func manifestEnds(t *Table) [][]ManifestNode {
	if !t.Edge || t.graph == nil {
		return nil
	}
	ends := make([][]ManifestNode, 2)
	for side, nodes := range t.graph.ends {
		ends[side] = []ManifestNode{}
		for _, n := range nodes {
			ends[side] = append(ends[side], ManifestNode{Schema: n.Schema, Name: n.Name, Key: manifestColumns(n.graph.keyCols)})
		}
	}
	return ends
}

// manifestColumns records cols for the manifest.
func manifestColumns(cols []*Column) []ManifestColumn {
	out := make([]ManifestColumn, len(cols))
	for i, c := range cols {
		out[i] = ManifestColumn{Name: c.Name, Type: c.Type.TypeDecl(), Collation: c.Collation}
	}
	return out
}

// ErrNoColumns is returned (wrapped) by TableEntry.DataColumns for a
// manifest that does not record the columns (one written before they
// were).
var ErrNoColumns = errors.New("the manifest does not record the table's columns")

// columns returns the columns mcs records.
func (e TableEntry) columns(mcs []ManifestColumn) ([]*Column, error) {
	cols := make([]*Column, len(mcs))
	for i, mc := range mcs {
		t, err := ParseTypeDecl(mc.Type)
		if err != nil {
			return nil, fmt.Errorf("table %s, column %s: %w", DisplayText(e.Name), DisplayText(quoteIdent(mc.Name)), err)
		}
		cols[i] = &Column{Name: mc.Name, Type: t, Collation: mc.Collation}
	}
	return cols, nil
}

// DataColumns returns the columns of the table's data file, in its
// order, for ReadDataFile: name, type and collation as the manifest
// records them.
func (e TableEntry) DataColumns() ([]*Column, error) {
	if e.Columns == nil && e.File != "" {
		return nil, fmt.Errorf("table %s: %w", DisplayText(e.Name), ErrNoColumns)
	}
	return e.columns(e.Columns)
}
