package mssql

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxRowsPerInsert is the most rows one INSERT statement holds (SQL
// Server's limit for a VALUES list).
const MaxRowsPerInsert = 1000

// MaxBatchBytes bounds the script text of one batch of a data file (what
// one GO sends). SQL Server takes a batch of up to 65,536 network packets
// ("Maximum capacity specifications for SQL Server": 256 MiB at the
// default 4 KiB packets, 32 MiB at the smallest, 512 bytes), and clients
// send the text as UTF-16, at most twice its UTF-8 size: 4 MiB of script
// is at most 8 MiB on the wire, far below the limit, and still amortizes a
// round trip over many rows. A batch of rows ends before the row that
// would take it over the bound, and a value too large for one literal is
// written in pieces (lobPieceBytes), each batch of pieces under the bound.
// Only a single row of values that are never written in pieces (numbers,
// dates, GUIDs, sql_variant: at most about 150 KB of literal each) can
// exceed it, and then stands alone in its batch.
const MaxBatchBytes = 4 << 20

// batchCutMask makes INSERT batches end where a row's hash has its low
// bits zero, about every 256 rows: boundaries depend on the rows, not on
// their position, so a row inserted or deleted changes only its own batch
// and the scripts of two days deduplicate.
const batchCutMask = 0xFF

// batchTargetBytes is the mean size of a batch of rows that are small
// next to it. Besides batchCutMask, a batch ends after a row with a
// probability proportional to the row's size (rowBytes/batchTargetBytes,
// decided by the high bits of the row's hash): a cut per batchTargetBytes
// on average, wherever they fall, so that large rows make smaller batches
// in rows and the hard bound (MaxBatchBytes, eight times as large) is
// rarely what ends a batch. Cuts by hash depend on the row alone; a cut by
// the bound depends on the rows since the last cut, so after an insert or
// a change the batches differ only up to the next cut by hash.
const batchTargetBytes = MaxBatchBytes / 8

// lobPieceBytes is the most script text of one literal: a value whose
// literal would be longer (a long varchar(max), nvarchar(max),
// varbinary(max), xml, text, ntext or image value, or a long spatial
// value) is built in pieces of at most this size in a session temp table
// (lobTable) and inserted from there. A piece of varbinary is a multiple
// of 8040 bytes, the chunk size the UPDATE .WRITE documentation
// recommends for performance.
const lobPieceBytes = 1 << 20

// lobTable is the local temp table, one per session (sqlcmd and SSMS run a
// whole restore in one), in which the values of one row that are written
// in pieces are assembled.
const lobTable = "#sqlvault_lob"

// dataLimits are the sizes that shape data files: MaxBatchBytes,
// batchTargetBytes and lobPieceBytes, or smaller ones that tests set
// (Options.limits) to exercise pieces and bounds on small tables. piece
// must be at least 64 and batch at least twice piece plus the size of a
// row's INSERT of small values.
type dataLimits struct {
	batch, target, piece int
}

// orDefault returns l with its zero sizes set to the defaults.
func (l dataLimits) orDefault() dataLimits {
	if l.batch == 0 {
		l.batch = MaxBatchBytes
	}
	if l.target == 0 {
		l.target = batchTargetBytes
	}
	if l.piece == 0 {
		l.piece = lobPieceBytes
	}
	return l
}

// dataColumns returns the columns an INSERT sets: not computed, not
// rowversion, not a sparse column set.
func dataColumns(t *Table) []*Column {
	var cols []*Column
	for _, c := range t.Columns {
		if c.Computed || c.ColumnSet || c.Type.Name == "timestamp" || c.Type.Name == "rowversion" {
			continue
		}
		cols = append(cols, c)
	}
	return cols
}

// comparable tells whether ORDER BY accepts a column of this type.
func comparable(c *Column) bool {
	switch c.Type.Name {
	case "text", "ntext", "image", "xml", "geography", "geometry":
		return false
	}
	return !c.ColumnSet
}

// orderBy returns the ORDER BY list of a table's data query: the
// clustered index keys, then the primary key's, then (when neither is
// unique) every other column that can be compared, so that the order is
// fully determined.
func orderBy(t *Table) string {
	parts, _ := order(t)
	return strings.Join(parts, ", ")
}

// order returns the items of orderBy, and the names of the columns of the
// unique index they start with (the clustered index's or the primary
// key's), which identify a row; nil when there is none.
func order(t *Table) (parts, key []string) {
	seen := map[string]bool{}
	addKeys := func(ix *Index) {
		for _, k := range ix.Keys {
			if seen[k.Column] {
				continue
			}
			seen[k.Column] = true
			s := k.ref()
			if k.Descending {
				s += " DESC"
			}
			parts = append(parts, s)
		}
		if (ix.Unique || ix.PrimaryKey) && key == nil {
			for _, k := range ix.Keys {
				key = append(key, k.Column)
			}
		}
	}
	for _, ix := range t.Indexes {
		if ix.Type == 1 && !ix.Disabled {
			addKeys(ix)
		}
	}
	if key == nil {
		for _, ix := range t.Indexes {
			if ix.PrimaryKey {
				addKeys(ix)
			}
		}
	}
	if key == nil {
		for _, c := range t.Columns {
			if !seen[c.Name] && comparable(c) && !c.Sparse {
				seen[c.Name] = true
				parts = append(parts, quoteIdent(c.Name))
			}
		}
	}
	return parts, key
}

// dataQuery returns the query that reads a table's rows in order. A
// sql_variant column is followed by its base type properties. The tag
// names the table through commentText: a name holding "*/" must not end
// the comment (on the source server).
func dataQuery(t *Table, cols []*Column, where string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "/* %s %s */\nSELECT ", dataTag, commentText(quoteName(t.Schema, t.Name)))
	b.WriteString(selectList(cols, ""))
	fmt.Fprintf(&b, "\nFROM %s", quoteName(t.Schema, t.Name))
	if t.MemoryOptimized {
		b.WriteString(" WITH (SNAPSHOT)") // memoryReader
	}
	if where != "" {
		fmt.Fprintf(&b, "\nWHERE %s", where)
	}
	if ob := orderBy(t); ob != "" {
		fmt.Fprintf(&b, "\nORDER BY %s", ob)
	}
	return b.String()
}

// selectList is the select list of a data query for cols, each name
// after prefix (an alias and a dot, or ""), a sql_variant column followed
// by its base type properties.
func selectList(cols []*Column, prefix string) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		q := prefix + quoteIdent(c.Name)
		b.WriteString(q)
		if c.Type.Name == "sql_variant" {
			fmt.Fprintf(&b, ", CAST(SQL_VARIANT_PROPERTY(%[1]s, 'BaseType') AS nvarchar(128)), CAST(SQL_VARIANT_PROPERTY(%[1]s, 'Precision') AS int), CAST(SQL_VARIANT_PROPERTY(%[1]s, 'Scale') AS int), CAST(SQL_VARIANT_PROPERTY(%[1]s, 'MaxLength') AS int)", q)
		}
	}
	return b.String()
}

// tableStats counts what a data file holds.
type tableStats struct {
	rows  int64
	bytes int64
	// skipped counts the edges of an edge table left out (edgeData).
	skipped int64
	// hash is the content hash of the rows (RowHashFormat).
	hash string
	// query is the query the rows were read with.
	query string
}

// countingWriter counts bytes written.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// pieceType returns the type in which a value of a column of type t is
// built in pieces: nvarchar(max) for the character types and xml (whose
// literals are nvarchar), varbinary(max) for the binary and CLR types
// (whose literals are hexadecimal); "" for the types whose values are
// always small (numbers, dates, GUIDs, sql_variant).
func pieceType(t ColumnType) string {
	switch t.norm().Name {
	case "char", "varchar", "text", "nchar", "nvarchar", "ntext", "xml":
		return "nvarchar(max)"
	case "binary", "varbinary", "image", "hierarchyid", "geometry", "geography":
		return "varbinary(max)"
	}
	return ""
}

// rawSize is the size of a string or binary value, 0 for others.
func rawSize(v any) int {
	switch x := v.(type) {
	case string:
		return len(x)
	case []byte:
		return len(x)
	}
	return 0
}

// cell is one value of a row: its literal line[start:end], or, when
// pieced, nothing in line and the value written in pieces.
type cell struct {
	start, end int
	pieced     bool
	v          any
}

// tableWriter writes the data file of one table; see writeTableData.
type tableWriter struct {
	bw       *bufio.Writer
	lim      dataLimits
	name     string    // [schema].[table]
	cols     []*Column // the columns an INSERT sets
	head     string    // INSERT INTO [s].[t] ([a], [b])
	identity bool      // the table has an identity column
	// direct is set when the table's and columns' names are sqlcmdSafe:
	// statements are written as they are, else run with sp_executesql
	// (execSQL), SET IDENTITY_INSERT inside.
	direct bool
	// out receives the rows of the open batch: bw itself, or dyn, whose
	// text endBatch runs with sp_executesql.
	out interface {
		io.Writer
		io.StringWriter
	}
	dyn strings.Builder
	// The open batch of rows: how many, and its size as counted by
	// rowCost, with valuesOverhead.
	inBatch    int
	batchBytes int
	// valuesOverhead and selectOverhead are the most script text a batch
	// of rows (INSERT ... VALUES) and a pieced row's INSERT ... SELECT
	// take besides their rows' literals.
	valuesOverhead, selectOverhead int
	piece                          []byte // a piece's literal
	// An edge table's rows start with their ends (edgeData): line[1:ends]
	// of the row, and extra is what they can add to a batch run with
	// sp_executesql.
	ends, extra int
}

const (
	valuesTail = ";"
	selectFrom = "\nFROM " + lobTable + ";"
)

func newTableWriter(bw *bufio.Writer, t *Table, cols []*Column, lim dataLimits, edge *edgeData) *tableWriter {
	w := &tableWriter{bw: bw, lim: lim, name: quoteName(t.Schema, t.Name), cols: cols}
	for _, c := range cols {
		if c.Identity {
			w.identity = true
		}
	}
	w.head = fmt.Sprintf("INSERT INTO %s (%s)", w.name, identList(columnNames(cols)))
	w.direct = sqlcmdSafe(w.head + " VALUES\n")
	if edge != nil {
		w.head, w.extra = edge.head(cols), edge.extra
		w.direct = sqlcmdSafe(w.head + " VALUES\n" + edge.names())
	}
	w.out = bw
	if !w.direct {
		w.out = &w.dyn
	}
	w.valuesOverhead = w.wrappedLen(w.head + " VALUES\n" + valuesTail)
	w.selectOverhead = w.wrappedLen(w.head + "\nSELECT " + selectFrom)
	return w
}

// wrappedLen is the length of the batch that runs stmt, rows aside: stmt
// and GO, or, run with sp_executesql, execSQL of it with SET
// IDENTITY_INSERT, plus what the literal of the rows' text can add
// (CAST to nvarchar(max) and parentheses grouping its operands).
func (w *tableWriter) wrappedLen(stmt string) int {
	if w.direct {
		return len(stmt) + len("\nGO\n")
	}
	return len(execSQL(w.identityOn()+stmt+w.identityOff())) + len("\nGO\n") + 128
}

// rowCost is the most a row's literals add to its batch: the line and
// the ",\n" before it; in the literal of a batch run with sp_executesql,
// each quote doubled and the line break written as ' + NCHAR(10) + N',
// with room for the parentheses that group a long concatenation (a row's
// literals hold no other character that the literal escapes: no line
// break or other control character but tab, no "$(", no backslash before
// a quote).
func (w *tableWriter) rowCost(line []byte) int {
	if w.direct {
		return len(line) + 2
	}
	return len(line) + bytes.Count(line, []byte{'\''}) + 24 + w.extra
}

// sizeCost is at least the rowCost of any row of n bytes.
func (w *tableWriter) sizeCost(n int) int {
	if w.direct {
		return n + 2
	}
	return 2*n + 24 + w.extra
}

// identityOn and identityOff are the SET IDENTITY_INSERT statements that
// a batch run with sp_executesql holds (the setting ends with it); a
// direct script sets it once for the file.
func (w *tableWriter) identityOn() string {
	if w.direct || !w.identity {
		return ""
	}
	return fmt.Sprintf("SET IDENTITY_INSERT %s ON;\n", w.name)
}

func (w *tableWriter) identityOff() string {
	if w.direct || !w.identity {
		return ""
	}
	return fmt.Sprintf("\nSET IDENTITY_INSERT %s OFF;", w.name)
}

// startBatch opens an INSERT ... VALUES batch.
func (w *tableWriter) startBatch() {
	w.out.WriteString(w.identityOn())
	w.out.WriteString(w.head + " VALUES\n")
	w.batchBytes = w.valuesOverhead
}

// addRow adds a row's literal to the open batch, opening one if none is,
// or ending the open one first when the row would take it over the bound.
// It reports the size the row counts for.
func (w *tableWriter) addRow(line []byte) int {
	cost := w.rowCost(line)
	if w.inBatch > 0 && w.batchBytes+cost > w.lim.batch {
		w.endBatch()
	}
	if w.inBatch == 0 {
		w.startBatch()
	} else {
		w.out.WriteString(",\n")
	}
	w.out.Write(line)
	w.inBatch++
	w.batchBytes += cost
	return cost
}

// endBatch ends the open batch.
func (w *tableWriter) endBatch() {
	w.inBatch = 0
	if w.direct {
		w.bw.WriteString(valuesTail + "\nGO\n")
		return
	}
	w.dyn.WriteString(valuesTail + w.identityOff())
	w.bw.WriteString(execSQL(w.dyn.String()) + "\nGO\n")
	w.dyn.Reset()
}

// choosePieces decides which values of a row are written in pieces:
// those whose literal is longer than lim.piece (found by their size when
// even the shortest literal would be: the literal is never rendered
// whole), and then, while the row does not fit in a batch of its own,
// the longest remaining ones. cells hold the row's literals in line. It
// reports whether any value is pieced.
func (w *tableWriter) choosePieces(line []byte, cells []cell) bool {
	// size is what the row's INSERT holds besides the overhead: its
	// literals, and for each pieced value at most "CAST(cN AS type)".
	const piecedExpr = 48
	size, pieced := len(line), false
	for _, c := range cells {
		if c.pieced {
			size, pieced = size+piecedExpr, true
		}
	}
	for !pieced && w.valuesOverhead+w.sizeCost(size) > w.lim.batch || pieced && w.selectOverhead+w.sizeCost(size) > w.lim.batch {
		best := -1
		for i, c := range cells {
			if !c.pieced && pieceType(w.cols[i].Type) != "" && c.v != nil && (best < 0 || c.end-c.start > cells[best].end-cells[best].start) {
				best = i
			}
		}
		if best < 0 {
			break // a row of small values too many to fit: alone in its batch
		}
		cells[best].pieced = true
		size += piecedExpr - (cells[best].end - cells[best].start)
		pieced = true
	}
	return pieced
}

// writePiecedRow writes a row with values written in pieces: a batch
// that creates lobTable with a column cN (N the value's position in the
// INSERT) for each, empty (.WRITE cannot append to NULL); batches of
// UPDATE lobTable SET cN.WRITE(piece, NULL, NULL), which appends (UPDATE,
// "Updating large value data types"); the row, inserted with INSERT ...
// SELECT from lobTable (a CLR value CAST from varbinary as its literal
// is; a character or xml value converted from nvarchar as its literal
// is, the column COLLATE DATABASE_DEFAULT as a literal's collation is);
// and a batch that drops lobTable. The pieces are rendered one by one
// into one buffer: the script of a value is never held whole.
func (w *tableWriter) writePiecedRow(line []byte, cells []cell) error {
	if w.inBatch > 0 {
		w.endBatch()
	}
	var defs, names, empties, sel []string
	if w.ends > 1 {
		sel = append(sel, string(line[1:w.ends]))
	}
	for i, c := range cells {
		col := "c" + strconv.Itoa(i+1)
		if !c.pieced {
			sel = append(sel, string(line[c.start:c.end]))
			continue
		}
		pt := pieceType(w.cols[i].Type)
		empty := "0x"
		if pt == "nvarchar(max)" {
			pt, empty = pt+" COLLATE DATABASE_DEFAULT", "N''"
		}
		defs = append(defs, col+" "+pt+" NOT NULL")
		names = append(names, col)
		empties = append(empties, empty)
		if t := w.cols[i].Type.norm(); litCastWrapped(t.Name) {
			col = "CAST(" + col + " AS " + t.TypeDecl() + ")"
		}
		sel = append(sel, col)
	}
	fmt.Fprintf(w.bw, "IF OBJECT_ID(N'tempdb..%[1]s') IS NOT NULL DROP TABLE %[1]s;\nCREATE TABLE %[1]s (%[2]s);\nINSERT INTO %[1]s (%[3]s) VALUES (%[4]s);\nGO\n",
		lobTable, strings.Join(defs, ", "), strings.Join(names, ", "), strings.Join(empties, ", "))
	size := 0
	for i, c := range cells {
		if c.pieced {
			if err := w.writePieces("c"+strconv.Itoa(i+1), c.v, &size); err != nil {
				return fmt.Errorf("table %s, column %s: %w", commentText(w.name), commentText(quoteIdent(w.cols[i].Name)), err)
			}
		}
	}
	if size > 0 {
		w.bw.WriteString("GO\n")
	}
	stmt := w.head + "\nSELECT " + strings.Join(sel, ", ") + selectFrom
	if w.direct {
		w.bw.WriteString(stmt + "\nGO\n")
	} else {
		w.bw.WriteString(execSQL(w.identityOn()+stmt+w.identityOff()) + "\nGO\n")
	}
	_, err := w.bw.WriteString("DROP TABLE " + lobTable + ";\nGO\n")
	return err
}

// writePieces appends v to column col of lobTable, one UPDATE per piece,
// as many to a batch as the bound allows; size is what the open batch of
// pieces holds. A []byte is cut every n bytes, a string at character
// boundaries (so never inside a UTF-16 surrogate pair) into pieces whose
// literal is at most lim.piece; each piece is rendered by AppendLiteral.
func (w *tableWriter) writePieces(col string, v any, size *int) error {
	prefix := "UPDATE " + lobTable + " SET " + col + ".WRITE("
	const suffix = ", NULL, NULL);\n"
	emit := func() {
		n := len(prefix) + len(w.piece) + len(suffix)
		if *size > 0 && *size+n+len("GO\n") > w.lim.batch {
			w.bw.WriteString("GO\n")
			*size = 0
		}
		w.bw.WriteString(prefix)
		w.bw.Write(w.piece)
		w.bw.WriteString(suffix)
		*size += n
	}
	var err error
	switch x := v.(type) {
	case []byte:
		n := max((w.lim.piece-len("0x"))/2, 1)
		if n >= 8040 {
			n -= n % 8040
		}
		for off := 0; off < len(x); off += n {
			w.piece, err = AppendLiteral(w.piece[:0], ColumnType{Name: "varbinary", MaxLength: -1}, x[off:min(off+n, len(x))])
			if err != nil {
				return err
			}
			emit()
		}
	case string:
		// guess is the size of the next piece: as large as a literal
		// without quotes and control characters allows, or, after a
		// piece whose literal they made longer, a little more than it.
		most := w.lim.piece - len("N''")
		guess := most
		for off := 0; off < len(x); {
			n := min(guess, len(x)-off)
			for {
				for n > 0 && off+n < len(x) && !utf8.RuneStart(x[off+n]) {
					n--
				}
				if n == 0 { // at least one character
					_, n = utf8.DecodeRuneInString(x[off:])
				}
				w.piece, err = AppendLiteral(w.piece[:0], ColumnType{Name: "nvarchar", MaxLength: -1}, x[off:off+n])
				if err != nil {
					return err
				}
				if len(w.piece) <= w.lim.piece || utf8.RuneCountInString(x[off:off+n]) == 1 {
					break
				}
				// Shrink in proportion to the excess, and a little more.
				n = min(n-1, int(int64(n)*int64(w.lim.piece)/int64(len(w.piece)))*15/16)
			}
			emit()
			off += n
			guess = min(most, n+n/8+1)
		}
	default:
		return fmt.Errorf("got %T, want a string or []byte", v)
	}
	return nil
}

// writeTableData streams the rows of a table as INSERT statements to w:
// batches of up to MaxRowsPerInsert rows, cut where the rows' hashes say
// (batchCutMask, batchTargetBytes) and before MaxBatchBytes; a row with a
// value too large for one literal is written in pieces (writePiecedRow).
// Rows are read and written one at a time; nothing holds the table but
// the rows of one batch when the table's name or a column's is not
// sqlcmdSafe: each batch is then run with sp_executesql (execSQL), SET
// IDENTITY_INSERT inside it.
func writeTableData(ctx context.Context, q querier, t *Table, where string, lim dataLimits, w io.Writer, progress func(rows, bytes int64)) (tableStats, error) {
	lim = lim.orDefault()
	cw := &countingWriter{w: w}
	bw := bufio.NewWriterSize(cw, 256<<10)
	cols := dataColumns(t)
	name := quoteName(t.Schema, t.Name)
	var st tableStats
	hasher := NewRowHasher(ColumnTypes(cols))
	bw.WriteString(fileHeader + comment("Data of table %s", name))
	if len(cols) == 0 && !t.Edge { // an edge table's rows hold their ends
		bw.WriteString("-- (no columns to insert)\n")
		err := bw.Flush()
		st.bytes, st.hash = cw.n, hasher.Sum()
		return st, err
	}
	var edge *edgeData
	query := dataQuery(t, cols, where)
	if t.Edge && t.graph != nil {
		edge = newEdgeData(t)
		query = edge.query(cols, where)
	}
	st.query = query
	tw := newTableWriter(bw, t, cols, lim, edge)
	if tw.direct && tw.identity {
		fmt.Fprintf(bw, "SET IDENTITY_INSERT %s ON;\nGO\n", name)
	}

	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return st, readErr("read table "+name, err)
	}
	defer rows.Close()
	first := 0 // the values before the columns': an edge's ends
	if edge != nil {
		first = edge.nvals()
	}
	vals, ptrs := scanTargets(first, cols, false) // done with a row before the next
	// Per column, once: the normalized type and whether its values can be
	// written in pieces (pieceType).
	types := make([]ColumnType, len(cols))
	canPiece := make([]bool, len(cols))
	for i, c := range cols {
		types[i] = c.Type.norm()
		canPiece[i] = pieceType(types[i]) != ""
	}
	var line []byte
	cells := make([]cell, len(cols))
	row := make([]any, len(cols)) // the values hashed
	var ends []nodeEnd
	h := fnv.New64a()
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return st, readErr("read table "+name, err)
		}
		line = append(line[:0], '(')
		if edge != nil {
			var found bool
			if line, found, err = edge.appendEnds(line, vals); err != nil {
				return st, fmt.Errorf("table %s, row %d: %w", commentText(name), st.rows+1, err)
			}
			if !found {
				edge.skipped++
				continue
			}
			tw.ends = len(line)
			ends = edge.found[:]
		}
		vi := first
		for i, c := range cols {
			if i > 0 || edge != nil {
				line = append(line, ", "...)
			}
			var v any
			v, vi = columnValue(c, vals, vi)
			row[i] = v
			cells[i] = cell{start: len(line), end: len(line), v: v}
			pieceable := canPiece[i] && v != nil
			if pieceable && rawSize(v) > lim.piece {
				cells[i].pieced = true
				continue
			}
			var err error
			line, err = appendLiteralNorm(line, types[i], v)
			if err != nil {
				return st, fmt.Errorf("table %s, column %s, row %d: %w", commentText(name), commentText(quoteIdent(c.Name)), st.rows+1, err)
			}
			cells[i].end = len(line)
			if pieceable && cells[i].end-cells[i].start > lim.piece {
				line = line[:cells[i].start]
				cells[i].end, cells[i].pieced = cells[i].start, true
			}
		}
		line = append(line, ')')
		if err := hasher.addRow(ends, row); err != nil {
			return st, fmt.Errorf("table %s, row %d: %w", commentText(name), st.rows+1, err)
		}
		st.rows++
		if tw.choosePieces(line, cells) {
			if err := tw.writePiecedRow(line, cells); err != nil {
				return st, err
			}
			if progress != nil {
				progress(st.rows, cw.n)
			}
			continue
		}
		cost := tw.addRow(line)
		h.Reset()
		h.Write(line)
		sum := h.Sum64()
		if tw.inBatch >= MaxRowsPerInsert || sum&batchCutMask == 0 || (sum>>32)*uint64(lim.target) < uint64(cost)<<32 {
			tw.endBatch()
		}
		if progress != nil && st.rows%50000 == 0 {
			progress(st.rows, cw.n)
		}
	}
	if err := rows.Err(); err != nil {
		return st, readErr("read table "+name, err)
	}
	if tw.inBatch > 0 {
		tw.endBatch()
	}
	if tw.direct && tw.identity {
		fmt.Fprintf(bw, "SET IDENTITY_INSERT %s OFF;\nGO\n", name)
	}
	if edge != nil && edge.skipped > 0 {
		st.skipped = edge.skipped
		fmt.Fprintf(bw, "-- %d edges left out: an end's node no longer exists\n", edge.skipped)
	}
	if err := bw.Flush(); err != nil {
		return st, err
	}
	st.bytes, st.hash = cw.n, hasher.Sum()
	return st, nil
}

// FilteredTable is a table whose data a backup read as the login sees it
// rather than as it is stored (Options.AllowMaskedData): Reason says why,
// "masked column [c] without UNMASK" or "row-level security policy [s].[p]
// filter predicate".
type FilteredTable struct {
	Table  string `json:"table"`
	Reason string `json:"reason"`
}

// ErrFilteredData is wrapped by the error Script returns for tables whose
// data the login would read masked or filtered, and by the warnings it
// gives for them with Options.AllowMaskedData.
var ErrFilteredData = errors.New("masked or filtered data")

// filteredTables returns, in scripting order, the tables to be scripted
// whose data the login would not read as stored: with masked columns it
// reads masked (dynamic data masking without UNMASK: a SELECT returns the
// mask, XXXX, 0 or 1900-01-01, not the value), and with a filter
// predicate of an enabled row-level security policy (a SELECT returns
// only the rows the predicate accepts for the login, which the catalog
// cannot tell: even db_owner and sysadmin are filtered unless the
// predicate lets them through). Both need SQL Server 2016 or later.
func (s *scripter) filteredTables(ctx context.Context, q querier) ([]FilteredTable, error) {
	if s.c.Server.Major() < 13 {
		return nil, nil
	}
	masked := map[int64][]string{}
	err := queryEach(ctx, q, qMaskedColumns, func(r *record) error {
		unmasked := r.int("unmask_database") == 1
		if !r.null("unmask_column") { // SQL Server 2022: granular UNMASK
			unmasked = r.int("unmask_column") == 1
		}
		if !unmasked {
			id := r.int("object_id")
			masked[id] = append(masked[id], quoteIdent(r.str("column_name")))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	policies := map[int64][]string{}
	err = queryEach(ctx, q, qSecurityPredicates, func(r *record) error {
		id, p := r.int("target_object_id"), quoteName(r.str("policy_schema"), r.str("policy_name"))
		if !slices.Contains(policies[id], p) {
			policies[id] = append(policies[id], p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []FilteredTable
	for _, t := range s.tables {
		name := quoteName(t.Schema, t.Name)
		switch cols := masked[t.ID]; len(cols) {
		case 0:
		case 1:
			out = append(out, FilteredTable{Table: name, Reason: "masked column " + cols[0] + " without UNMASK"})
		default:
			out = append(out, FilteredTable{Table: name, Reason: "masked columns " + strings.Join(cols, ", ") + " without UNMASK"})
		}
		for _, p := range policies[t.ID] {
			out = append(out, FilteredTable{Table: name, Reason: "row-level security policy " + p + " filter predicate"})
		}
	}
	return out, nil
}

// filteredError is the error for tables of database name (as the source
// names it: database) whose data the login would read masked or filtered:
// which tables (the first five), and what to do.
func filteredError(src *Source, database, name string, ft []FilteredTable) error {
	const most = 5
	var list []string
	masked, filtered := false, false
	for i, f := range ft {
		if strings.HasPrefix(f.Reason, "masked") {
			masked = true
		} else {
			filtered = true
		}
		if i < most {
			list = append(list, f.Table+" ("+f.Reason+")")
		}
	}
	if len(ft) > most {
		list = append(list, fmt.Sprintf("and %d more", len(ft)-most))
	}
	var todo []string
	if masked {
		todo = append(todo, fmt.Sprintf("grant UNMASK to the login's user (GRANT UNMASK TO %s; from SQL Server 2022 it may be granted on the schemas, tables or columns)", quoteIdent(src.User)))
	}
	if filtered {
		todo = append(todo, "back up as a user the filter predicates let see every row, or turn the policies off during the backup (ALTER SECURITY POLICY ... WITH (STATE = OFF))")
	}
	todo = append(todo, "or allow masked and filtered data, and the backup is marked incomplete")
	return &SourceError{Kind: KindPermission, Server: src.Location(""), Database: database, Err: ErrFilteredData,
		msg: commentText(fmt.Sprintf("%s, database %q: login %q would back up data as it sees it, not as it is stored: %s: %s",
			src.Location(""), name, src.User, strings.Join(list, ", "), strings.Join(todo, "; ")))}
}

func columnNames(cols []*Column) []string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return names
}

func asString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func asInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case int:
		return int64(x)
	}
	return 0
}
