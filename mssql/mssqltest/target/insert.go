package target

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/sqlvault/sqlvault/mssql"
	"github.com/sqlvault/sqlvault/mssql/mssqltest"
)

// NodeRef is an end of an edge: the node table and the graph id of the
// node in it (Table.NodeIDs).
type NodeRef struct {
	Schema, Name string
	ID           int64
}

// session is what the handler keeps of a connection: its data batches'
// reader (mssql.DataSession, which holds #sqlvault_lob) and the rows of
// the batch being run.
type session struct {
	ds    *mssql.DataSession
	db    *Database
	table *Table
	cols  []int // the columns the INSERTs set, by index in table.Columns
	rows  [][]any
	ends  [][2]NodeRef
}

// session returns the session of connection id, made on first use. It
// is called with h.mu held.
func (h *Handler) session(id uint64) *session {
	s := h.sessions[id]
	if s == nil {
		s = &session{}
		s.ds = mssql.NewDataSession(s.columns, s.row)
		h.sessions[id] = s
	}
	return s
}

// insert runs a batch of a data file (mssql.DataSession): the rows of its
// INSERT are stored together when the batch succeeds, none when it fails
// (the scripter's data batches hold one INSERT each). handled is false
// for any other batch. It is called with h.mu held.
func (h *Handler) insert(db *Database, conn uint64, text string) (handled bool, err error) {
	s := h.session(conn)
	s.db, s.table, s.rows, s.ends = db, nil, nil, nil
	defer func() { s.rows, s.ends = nil, nil }()
	handled, err = s.ds.Batch(text)
	if !handled || err != nil || len(s.rows) == 0 {
		return handled, err
	}
	t := s.table
	if h.denied[Insert] {
		return true, mssqltest.PermissionDenied("INSERT", t.Name, db.Name, t.Schema)
	}
	return true, db.store(t, s.rows, true, s.ends, false)
}

// columns answers mssql.DataSession: the columns a table's INSERTs set.
func (s *session) columns(name string) ([]*mssql.Column, bool, error) {
	t, err := s.db.lookup(name)
	if err != nil {
		return nil, false, err
	}
	s.table, s.cols = t, s.cols[:0]
	var out []*mssql.Column
	for i, c := range t.Columns {
		if !c.stored() || c.RowVersion {
			continue
		}
		typ, err := mssql.ParseTypeDecl(c.Type.Decl())
		if err != nil {
			return nil, false, fmt.Errorf("column %s: %w", quoteName(c.Name), err)
		}
		out = append(out, &mssql.Column{Name: c.Name, Type: typ})
		s.cols = append(s.cols, i)
	}
	return out, t.Edge, nil
}

// row answers mssql.DataSession: it takes a row of the batch, its values
// in the model's forms, an edge's ends found.
func (s *session) row(_ string, vals []any) error {
	t := s.table
	var ends [2]NodeRef
	if t.Edge {
		for side, pseudo := range []string{"$from_id", "$to_id"} {
			e, ok := vals[side].(mssql.EdgeEnd)
			if !ok {
				return fmt.Errorf("end %d of an edge is %T", side+1, vals[side])
			}
			ref, found, err := s.db.findNode(e)
			if err != nil {
				return err
			}
			if !found { // the subquery gives NULL
				return nullError(s.db, t, pseudo, 0)
			}
			ends[side] = ref
		}
		vals = vals[2:]
	}
	row := make([]any, len(t.Columns))
	for k, i := range s.cols {
		v, err := s.db.modelValue(t.Columns[i].Type, vals[k])
		if err != nil {
			return fmt.Errorf("column %s: %w", quoteName(t.Columns[i].Name), err)
		}
		row[i] = v
	}
	s.rows = append(s.rows, row)
	if t.Edge {
		s.ends = append(s.ends, ends)
	}
	return nil
}

// lookup finds a table of the database by a name as written.
func (db *Database) lookup(name string) (*Table, error) {
	toks, err := lex(name)
	if err != nil {
		return nil, mssqltest.Errorf(102, 15, "Incorrect syntax near '%s'.", name)
	}
	p := &parser{src: name, toks: toks}
	schema, tname, err := p.objectName()
	if err != nil || !p.eof() {
		return nil, mssqltest.Errorf(102, 15, "Incorrect syntax near '%s'.", name)
	}
	t := db.tables[tableKey(schema, tname)]
	if t == nil {
		return nil, mssqltest.InvalidObjectName(name)
	}
	return t, nil
}

// findNode finds the node an edge's end names by its key: the node table's
// row whose key columns hold the key's values (integers compared as
// int64, character data as strings, exactly: a collation's equality is
// not modelled). found is false when there is none.
func (db *Database) findNode(e mssql.EdgeEnd) (NodeRef, bool, error) {
	n, err := db.lookup(e.Table)
	if err != nil {
		return NodeRef{}, false, err
	}
	if !n.Node {
		return NodeRef{}, false, mssqltest.Errorf(50000, 16, "mssqltest target: %s is not a node table", e.Table)
	}
	type cond struct {
		col int
		v   any
	}
	var conds []cond
	for name, v := range e.Key {
		toks, err := lex(name)
		if err != nil || len(toks) != 1 || !toks[0].name() {
			return NodeRef{}, false, mssqltest.Errorf(102, 15, "Incorrect syntax near '%s'.", name)
		}
		c := n.Column(toks[0].text)
		if c == nil {
			return NodeRef{}, false, mssqltest.Errorf(207, 16, "Invalid column name '%s'.", toks[0].text)
		}
		for i := range n.Columns {
			if n.Columns[i] == c {
				conds = append(conds, cond{i, v})
			}
		}
	}
rows:
	for r, row := range n.rows {
		for _, c := range conds {
			if row[c.col] == nil || row[c.col] != c.v {
				continue rows
			}
		}
		return NodeRef{Schema: n.Schema, Name: n.Name, ID: n.nodeIDs[r]}, true, nil
	}
	return NodeRef{}, false, nil
}

// nullError is SQL Server's error 515 for a NULL in a NOT NULL column;
// row, when not 0, is added (the bulk load's row).
func nullError(db *Database, t *Table, col string, row int) error {
	msg := fmt.Sprintf("Cannot insert the value NULL into column '%s', table '%s.%s.%s'; column does not allow nulls. INSERT fails.",
		col, db.Name, t.Schema, t.Name)
	if row > 0 {
		msg += fmt.Sprintf(" (row %d)", row)
	}
	return &mssqltest.Error{Number: 515, State: 2, Class: 16, Message: msg}
}

// store adds rows (one value per column of t) to t, as a bulk load or an
// INSERT does: identity values kept (keepIdentity) or made from the seed
// and increment, rowversion values made, a node table's rows given graph
// ids, an edge table's rows their ends (ends, one per row). A NULL in a
// NOT NULL column, or an edge without ends, fails with error 515 and
// nothing is stored. It is called with the handler's lock held.
func (db *Database) store(t *Table, rows [][]any, keepIdentity bool, ends [][2]NodeRef, bulk bool) error {
	rowNo := func(r int) int {
		if bulk {
			return r + 1
		}
		return 0
	}
	if t.Edge && len(ends) != len(rows) {
		return nullError(db, t, "$from_id", rowNo(len(ends)))
	}
	ident := t.identity
	rowver := db.rowver
	for r, row := range rows {
		for i, c := range t.Columns {
			switch {
			case !c.stored():
			case c.RowVersion:
				rowver++
				row[i] = binary.BigEndian.AppendUint64(nil, rowver)
			case c.Identity && !keepIdentity:
				next := c.Seed
				if ident != nil {
					next = *ident + c.Increment
				}
				ident = &next
				row[i] = next
			case c.Identity:
				if v, ok := row[i].(int64); ok && (ident == nil || (c.Increment > 0) == (v > *ident)) {
					ident = &v
				}
			}
			if row[i] == nil && c.stored() && !c.Nullable {
				return nullError(db, t, c.Name, rowNo(r))
			}
		}
	}
	if t.Node {
		for range rows {
			t.nodeIDs = append(t.nodeIDs, t.nextNode)
			t.nextNode++
		}
	}
	t.rows = append(t.rows, rows...)
	t.ends = append(t.ends, ends...)
	t.identity = ident
	db.rowver = rowver
	return nil
}

// truncate empties a table, as TRUNCATE TABLE does: its rows go, its
// identity starts again from the seed; graph ids are not given again.
func (t *Table) truncate() {
	t.rows, t.nodeIDs, t.ends, t.identity = nil, nil, nil, nil
}

// modelValue turns v, a value of a column of type c as mssql.ParseLiteral
// gives it (the canonical value mssql.AppendLiteral documents), into the
// form the model stores (mssqltest.Param's, as a bulk load stores it):
// real as float32, decimal and money text as string, a uniqueidentifier
// as [16]byte in canonical order, a sql_variant as an mssqltest.Variant
// of its base type; the other forms are the same.
func (db *Database) modelValue(c mssqltest.Column, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch c.Type {
	case mssqltest.TypeReal:
		if f, ok := v.(float64); ok {
			return float32(f), nil
		}
	case mssqltest.TypeDecimal, mssqltest.TypeNumeric, mssqltest.TypeMoney, mssqltest.TypeSmallMoney:
		if b, ok := v.([]byte); ok {
			return string(b), nil
		}
	case mssqltest.TypeUniqueIdentifier:
		if b, ok := v.([]byte); ok && len(b) == 16 { // SQL Server's order: the first three groups little-endian
			return [16]byte{b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]}, nil
		}
		return nil, fmt.Errorf("uniqueidentifier value %T", v)
	case mssqltest.TypeVariant:
		x, ok := v.(mssql.Variant)
		if !ok {
			return nil, fmt.Errorf("sql_variant value %T", v)
		}
		if x.Value == nil {
			return nil, nil
		}
		base, err := db.variantBase(x.Base)
		if err != nil {
			return nil, err
		}
		bv, err := db.modelValue(base, x.Value)
		if err != nil {
			return nil, err
		}
		return mssqltest.Variant{Base: base, Value: bv}, nil
	}
	return v, nil
}

// variantBase returns the wire type of a sql_variant's base type; char
// data has the database's collation, as a CAST gives it.
func (db *Database) variantBase(t mssql.ColumnType) (mssqltest.Column, error) {
	decl := t.TypeDecl()
	toks, err := lex(decl)
	if err != nil {
		return mssqltest.Column{}, err
	}
	p := &parser{src: decl, toks: toks}
	_, c, _, err := p.typeDecl(db)
	if err != nil {
		return mssqltest.Column{}, fmt.Errorf("base type %s: %w", decl, err)
	}
	switch c.Type {
	case mssqltest.TypeChar, mssqltest.TypeVarChar, mssqltest.TypeNChar, mssqltest.TypeNVarChar:
		if coll, err := collationByName(db.Collation); err == nil && db.Collation != "" {
			c.Collation = coll
		}
	}
	return c, nil
}

// variantProperty answers SQL_VARIANT_PROPERTY(v, prop) for BaseType
// (nvarchar), Precision, Scale and MaxLength (int), as SQL Server does
// for each base type; NULL for NULL.
func variantProperty(v any, prop string) (any, error) {
	x, ok := v.(mssqltest.Variant)
	if v == nil || ok && x.Value == nil {
		return nil, nil
	}
	if !ok {
		return nil, fmt.Errorf("sql_variant value %T", v)
	}
	c := x.Base
	var prec, scale, size int
	switch c.Type {
	case mssqltest.TypeBit:
		prec, size = 1, 1
	case mssqltest.TypeTinyInt:
		prec, size = 3, 1
	case mssqltest.TypeSmallInt:
		prec, size = 5, 2
	case mssqltest.TypeInt:
		prec, size = 10, 4
	case mssqltest.TypeBigInt:
		prec, size = 19, 8
	case mssqltest.TypeDecimal, mssqltest.TypeNumeric:
		prec, scale = int(c.Precision), int(c.Scale)
		if prec == 0 {
			prec = 18
		}
		switch {
		case prec <= 9:
			size = 5
		case prec <= 19:
			size = 9
		case prec <= 28:
			size = 13
		default:
			size = 17
		}
	case mssqltest.TypeMoney:
		prec, scale, size = 19, 4, 8
	case mssqltest.TypeSmallMoney:
		prec, scale, size = 10, 4, 4
	case mssqltest.TypeReal:
		prec, size = 24, 4
	case mssqltest.TypeFloat:
		prec, size = 53, 8
	case mssqltest.TypeDate:
		prec, size = 10, 3
	case mssqltest.TypeTime, mssqltest.TypeDateTime2, mssqltest.TypeDateTimeOffset:
		scale = int(c.Scale)
		size = 5
		if scale <= 2 {
			size = 3
		} else if scale <= 4 {
			size = 4
		}
		frac := 0
		if scale > 0 {
			frac = scale + 1
		}
		switch c.Type {
		case mssqltest.TypeTime:
			prec = 8 + frac
		case mssqltest.TypeDateTime2:
			prec, size = 19+frac, size+3
		default:
			prec, size = 26+frac, size+5
		}
	case mssqltest.TypeDateTime:
		prec, scale, size = 23, 3, 8
	case mssqltest.TypeSmallDateTime:
		prec, size = 16, 4
	case mssqltest.TypeChar, mssqltest.TypeVarChar, mssqltest.TypeBinary, mssqltest.TypeVarBinary:
		size = max(c.Length, 1)
	case mssqltest.TypeNChar, mssqltest.TypeNVarChar:
		size = 2 * max(c.Length, 1)
	case mssqltest.TypeUniqueIdentifier:
		size = 16
	default:
		return nil, fmt.Errorf("%s cannot be the base type of a sql_variant", c.Decl())
	}
	switch strings.ToLower(prop) {
	case "basetype":
		return c.Type.String(), nil
	case "precision":
		return prec, nil
	case "scale":
		return scale, nil
	case "maxlength":
		return size, nil
	}
	return nil, mssqltest.Errorf(8116, 16, "Argument data type is invalid for argument 2 of sql_variant_property function (%s).", prop)
}

// serverError returns err as the server's error when it is one, else nil.
func serverError(err error) *mssqltest.Error {
	var e *mssqltest.Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}
