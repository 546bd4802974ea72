package target

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
)

// pendingLoad is an INSERT BULK statement waiting for its bulk load
// message on the same connection.
type pendingLoad struct {
	db    *Database
	table *Table
	cols  []int // indexes of the loaded columns in table.Columns
	load  Load
}

// bulkOptions are the WITH options of INSERT BULK that go-mssqldb's
// BulkOptions make (bulkcopy.go): the word, and whether it takes "= n" or
// "(list)".
var bulkOptions = map[string]bool{
	"CHECK_CONSTRAINTS": false, "FIRE_TRIGGERS": false, "KEEP_NULLS": false, "TABLOCK": false,
	"KILOBYTES_PER_BATCH": true, "ROWS_PER_BATCH": true, "ORDER": true,
}

// bulkStatement answers the statements by which go-mssqldb's bulk copy
// reads a table's columns and announces a load; handled is false for any
// other batch.
func (h *Handler) bulkStatement(q *mssqltest.Request, text string, w mssqltest.ResultWriter) (handled bool, err error) {
	upper := strings.ToUpper(text)
	switch {
	case upper == "SET FMTONLY ON" || upper == "SET FMTONLY OFF":
		return true, w.Done(0)
	case strings.HasPrefix(upper, "SELECT * FROM ") && strings.HasSuffix(upper, " SET FMTONLY OFF"):
		return true, h.bulkMetadata(q, text[len("select * from "):len(text)-len(" SET FMTONLY OFF")], w)
	case strings.HasPrefix(upper, "INSERT BULK "):
		return true, h.insertBulk(q, text)
	}
	return false, nil
}

// table finds a table of the session's database by a name as written.
func (h *Handler) table(q *mssqltest.Request, name string) (*Database, *Table, error) {
	db := h.dbs[strings.ToLower(q.Conn.Database)]
	if db == nil {
		return nil, nil, mssqltest.InvalidObjectName(name)
	}
	t, err := db.lookup(name)
	return db, t, err
}

// bulkMetadata answers "select * from [s].[t] SET FMTONLY OFF" with the
// table's stored columns and no rows.
func (h *Handler) bulkMetadata(q *mssqltest.Request, name string, w mssqltest.ResultWriter) error {
	h.mu.Lock()
	_, t, err := h.table(q, strings.TrimSpace(name))
	var cols []mssqltest.Column
	if err == nil {
		for _, c := range t.Columns {
			if c.stored() {
				cols = append(cols, c.Wire())
			}
		}
	}
	h.mu.Unlock()
	if err != nil {
		return err
	}
	return w.Columns(cols)
}

// insertBulk takes "INSERT BULK [s].[t] ([a] int, ...) WITH (...)" and
// waits for the load.
func (h *Handler) insertBulk(q *mssqltest.Request, text string) error {
	toks, err := lex(text)
	if err != nil {
		return mssqltest.Errorf(102, 15, "Incorrect syntax near 'BULK'.")
	}
	p := &parser{src: text, toks: toks, i: 2}
	start := p.peek().start
	if _, _, err := p.objectName(); err != nil {
		return mssqltest.Errorf(102, 15, "Incorrect syntax near 'BULK'.")
	}
	name := text[start:p.toks[p.i-1].end]
	h.mu.Lock()
	defer h.mu.Unlock()
	db, t, err := h.table(q, name)
	if err != nil {
		return err
	}
	pl := &pendingLoad{db: db, table: t}
	if err := p.expectPunct("("); err != nil {
		return mssqltest.Errorf(102, 15, "Incorrect syntax near '%s'.", name)
	}
	for {
		ct := p.next()
		c := -1
		for i, col := range t.Columns {
			if ct.name() && strings.EqualFold(col.Name, ct.text) {
				c = i
			}
		}
		if c < 0 {
			return mssqltest.Errorf(207, 16, "Invalid column name '%s'.", ct.text)
		}
		if !t.Columns[c].stored() {
			return mssqltest.Errorf(271, 16, "The column \"%s\" cannot be modified because it is either a computed column or is the result of a UNION operator.", ct.text)
		}
		if t.Columns[c].Identity {
			pl.load.KeepIdentity = true
		}
		pl.cols = append(pl.cols, c)
		pl.load.Columns = append(pl.load.Columns, t.Columns[c].Name)
		p.skipElement()
		if p.acceptPunct(")") {
			break
		}
		if err := p.expectPunct(","); err != nil {
			return mssqltest.Errorf(102, 15, "Incorrect syntax near '%s'.", ct.text)
		}
	}
	if p.accept("WITH") {
		if err := p.expectPunct("("); err != nil {
			return mssqltest.Errorf(102, 15, "Incorrect syntax near 'WITH'.")
		}
		for {
			o := p.next()
			takesArg, known := bulkOptions[strings.ToUpper(o.text)]
			if o.kind != tWord || !known {
				return mssqltest.Errorf(102, 15, "Incorrect syntax near '%s'.", o.text)
			}
			end := o.end
			if takesArg {
				if p.peek().punct("(") {
					if _, err := p.group(); err != nil {
						return mssqltest.Errorf(102, 15, "Incorrect syntax near '%s'.", o.text)
					}
				} else if p.acceptPunct("=") && p.peek().kind == tNumber {
					p.next()
				} else {
					return mssqltest.Errorf(102, 15, "Incorrect syntax near '%s'.", o.text)
				}
				end = p.toks[p.i-1].end
			}
			pl.load.Options = append(pl.load.Options, text[o.start:end])
			if p.acceptPunct(")") {
				break
			}
			if err := p.expectPunct(","); err != nil {
				return mssqltest.Errorf(102, 15, "Incorrect syntax near '%s'.", o.text)
			}
		}
	}
	if !p.eof() {
		return mssqltest.Errorf(102, 15, "Incorrect syntax near %s.", p.describe())
	}
	if h.denied[Insert] {
		return mssqltest.PermissionDenied("INSERT", t.Name, db.Name, t.Schema)
	}
	if h.denied[Alter] && pl.load.KeepIdentity {
		return mssqltest.Errorf(1088, 16, "Cannot find the object \"%s\" because it does not exist or you do not have permissions.", name)
	}
	h.pending[q.Conn.ID] = pl
	return nil
}

// BulkLoad implements mssqltest.BulkHandler: it stores the rows of the
// load that the connection's last INSERT BULK announced.
//
// Identity values are kept when INSERT BULK lists the identity column,
// and made from the column's seed and increment when it does not: that is
// how SqlBulkCopy's KeepIdentity works (it leaves the identity column
// out of INSERT BULK without it), and go-mssqldb's BulkOptions have no
// KEEP_IDENTITY, which is not an INSERT BULK option. rowversion values
// are always made by the server, and a node table's graph ids. A column
// left out is NULL; a NULL in a NOT NULL column fails the load with error
// 515, as does a load into an edge table (its ends cannot be sent).
func (h *Handler) BulkLoad(ctx context.Context, b *mssqltest.BulkLoad, w mssqltest.ResultWriter) error {
	h.mu.Lock()
	pl := h.pending[b.Conn.ID]
	delete(h.pending, b.Conn.ID)
	before := h.bulkRows
	h.mu.Unlock()
	if pl == nil {
		return mssqltest.Errorf(4804, 16, "mssqltest target: bulk load without INSERT BULK on this connection")
	}
	t := pl.table
	if len(b.Columns) != len(pl.cols) {
		return mssqltest.Errorf(4804, 16, "mssqltest target: bulk load of %d columns, INSERT BULK named %d", len(b.Columns), len(pl.cols))
	}
	for i, bc := range b.Columns {
		if err := compatible(t.Columns[pl.cols[i]], bc); err != nil {
			return mssqltest.Errorf(4816, 16, "mssqltest target: column %s: %v", quoteName(bc.Name), err)
		}
	}
	var rows [][]any
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		vals, err := b.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return mssqltest.Errorf(4815, 16, "mssqltest target: %v", err)
		}
		if h.dropNow(before + int64(len(rows)) + 1) {
			return fmt.Errorf("table %s: %w", qualified(t.Schema, t.Name), mssqltest.ErrDropConnection)
		}
		row := make([]any, len(t.Columns))
		for i, c := range pl.cols {
			row[c] = vals[i]
		}
		rows = append(rows, row)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if pl.db.tables[tableKey(t.Schema, t.Name)] != t {
		return mssqltest.InvalidObjectName(qualified(t.Schema, t.Name))
	}
	if err := pl.db.store(t, rows, pl.load.KeepIdentity, nil, true); err != nil {
		return err
	}
	pl.load.Rows = int64(len(rows))
	t.loads = append(t.loads, pl.load)
	h.bulkRows = before + int64(len(rows))
	return w.Done(int64(len(rows)))
}

// dropNow tells whether the DropAfterBulkRows fault fires at this row.
func (h *Handler) dropNow(total int64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.dropAfter <= 0 || h.dropped || total < h.dropAfter {
		return false
	}
	h.dropped = true
	return true
}

// compatible checks a bulk load column against the table's: the same
// type, or what go-mssqldb sends instead (xml as nvarchar(max), CLR types
// as varbinary).
func compatible(c *Column, b mssqltest.Column) error {
	want := c.Type
	switch want.Type {
	case mssqltest.TypeXML:
		want = mssqltest.Column{Type: mssqltest.TypeNVarChar, Length: mssqltest.MaxLength}
	case mssqltest.TypeHierarchyID:
		want = mssqltest.Column{Type: mssqltest.TypeVarBinary, Length: 892}
	case mssqltest.TypeGeometry, mssqltest.TypeGeography:
		want = mssqltest.Column{Type: mssqltest.TypeVarBinary, Length: mssqltest.MaxLength}
	}
	if c.RowVersion {
		return nil // ignored: the server makes the values
	}
	if b.Decl() != want.Decl() {
		return fmt.Errorf("sent as %s, the table has %s", b.Decl(), c.Type.Decl())
	}
	return nil
}
