package mssqltest

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// BulkHandler may be implemented by a Handler to accept bulk loads (TDS
// packet type 7, MS-TDS 2.2.6.1 "Bulk Load BCP"): the message a client
// sends after an INSERT BULK statement, which go-mssqldb's mssql.CopyIn
// sends as a COLMETADATA token, one ROW token per row and a DONE token.
// The INSERT BULK statement itself, and the "SET FMTONLY ON" and
// "select * from <table> SET FMTONLY OFF" batches by which go-mssqldb
// reads the target's columns first, arrive through Query as batches.
//
// BulkLoad reads the rows with b.Next and ends with w.Done(rows), the
// row count the client's Exec reports. Returning an error fails the load
// (an *Error is sent as is); returning an error that wraps
// ErrDropConnection closes the connection without an answer, as a server
// that goes away in the middle of a load. Without a BulkHandler a bulk
// load is refused with an error.
//
// The server reads the whole message before it calls BulkLoad, so a
// client sees any failure of the load when it reads the answer (with
// go-mssqldb: on the final Exec without arguments).
type BulkHandler interface {
	BulkLoad(ctx context.Context, b *BulkLoad, w ResultWriter) error
}

// BulkLoad is one bulk load message.
type BulkLoad struct {
	// Columns are the columns of the COLMETADATA token as the client sent
	// them. go-mssqldb sends the columns the server reported for the
	// table, but xml as nvarchar(max) and CLR types (hierarchyid,
	// geometry, geography) as varbinary of the reported length.
	Columns []Column
	// Conn describes the session that sent the load; the INSERT BULK
	// statement that announced it came on the same connection.
	Conn ConnInfo

	types []typeInfo
	r     reader
	rows  int64
	done  bool
}

// Next returns the next row, one value per column in the forms Param
// documents (int64 for integers, decimal text, time.Time in UTC, [16]byte
// for uniqueidentifier, string for character types, []byte for binary
// ones, nil for NULL), or io.EOF after the last row. A row that cannot be
// decoded gives an error naming the row and column.
func (b *BulkLoad) Next() ([]any, error) {
	if b.done {
		return nil, io.EOF
	}
	r := &b.r
	switch tok := r.u8(); {
	case r.err != nil:
		return nil, fmt.Errorf("bulk load: %w", r.err)
	case tok == tokDone:
		r.take(12)
		if r.err != nil {
			return nil, fmt.Errorf("bulk load: DONE token: %w", r.err)
		}
		b.done = true
		return nil, io.EOF
	case tok != tokRow:
		return nil, fmt.Errorf("bulk load: unexpected token 0x%02X after %d rows", tok, b.rows)
	}
	b.rows++
	row := make([]any, len(b.types))
	for i, ti := range b.types {
		v, err := b.value(ti, b.Columns[i])
		if err != nil {
			return nil, fmt.Errorf("bulk load: row %d, column %q: %w", b.rows, b.Columns[i].Name, err)
		}
		row[i] = v
	}
	return row, nil
}

func (b *BulkLoad) value(ti typeInfo, c Column) (any, error) {
	r := &b.r
	data, null := ti.readData(r)
	if r.err != nil {
		return nil, r.err
	}
	if null {
		return nil, nil
	}
	switch ti.id {
	case tdsBigVarBin, tdsBigBinary, tdsBigVarChar, tdsBigChar, tdsNVarChar, tdsNChar:
		if !ti.plp() && len(data) > ti.maxLen {
			return nil, fmt.Errorf("value of %d bytes exceeds the column's %d", len(data), ti.maxLen)
		}
	}
	if want := valueSize(c); want > 0 && len(data) != want {
		return nil, fmt.Errorf("%s value of %d bytes, want %d", c.Type, len(data), want)
	}
	return decodeParamValue(ti.id, c.Type, ti.scale, ti.coll, data)
}

// valueSize is the byte size every value of a fixed-size type has, 0 for
// the others.
func valueSize(c Column) int {
	switch c.Type {
	case TypeBit, TypeTinyInt:
		return 1
	case TypeSmallInt:
		return 2
	case TypeInt, TypeReal, TypeSmallMoney, TypeSmallDateTime:
		return 4
	case TypeBigInt, TypeFloat, TypeMoney, TypeDateTime:
		return 8
	case TypeUniqueIdentifier:
		return 16
	case TypeDate:
		return 3
	case TypeDecimal, TypeNumeric:
		p := c.Precision
		if p == 0 {
			p = 18
		}
		return 1 + decimalMagnitudeSize(p)
	case TypeTime:
		return timeSize(c.Scale)
	case TypeDateTime2:
		return timeSize(c.Scale) + 3
	case TypeDateTimeOffset:
		return timeSize(c.Scale) + 5
	}
	return 0
}

// parseBulkLoad decodes the COLMETADATA token of a bulk load message; the
// rows are decoded by Next.
func parseBulkLoad(data []byte) (*BulkLoad, error) {
	b := &BulkLoad{r: reader{b: data}}
	r := &b.r
	if tok := r.u8(); tok != tokColMetadata {
		if r.err != nil {
			return nil, fmt.Errorf("bulk load: %w", r.err)
		}
		return nil, fmt.Errorf("bulk load starts with token 0x%02X, not COLMETADATA", tok)
	}
	n := int(r.u16())
	for i := 0; i < n && r.err == nil; i++ {
		r.u32() // UserType
		flags := r.u16()
		ti, err := readTypeInfo(r)
		if err != nil {
			return nil, fmt.Errorf("bulk load: column %d: %w", i+1, err)
		}
		switch ti.id {
		case tdsText, tdsNText, tdsImage:
			// TableName: go-mssqldb writes one US_VARCHAR (the TDS 7.1
			// form, MS-TDS 2.2.7.4), not NumParts and parts.
			r.usVarChar()
		}
		name := r.bVarChar()
		c, err := ti.column(name, flags&0x01 != 0)
		if err != nil {
			return nil, fmt.Errorf("bulk load: column %q: %w", name, err)
		}
		b.types = append(b.types, ti)
		b.Columns = append(b.Columns, c)
	}
	if r.err != nil {
		return nil, fmt.Errorf("bulk load: COLMETADATA: %w", r.err)
	}
	return b, nil
}

// column describes a bulk load column of this TYPE_INFO as a Column.
func (ti typeInfo) column(name string, nullable bool) (Column, error) {
	c := Column{Name: name, Nullable: nullable, Length: ti.length(), Precision: ti.prec, Scale: ti.scale, Collation: ti.coll}
	bySize := func(types map[int]Type) error {
		t, ok := types[ti.maxLen]
		if !ok {
			return fmt.Errorf("invalid length %d of type 0x%02X", ti.maxLen, ti.id)
		}
		c.Type = t
		return nil
	}
	var err error
	switch ti.id {
	case tdsIntN:
		err = bySize(map[int]Type{1: TypeTinyInt, 2: TypeSmallInt, 4: TypeInt, 8: TypeBigInt})
	case tdsFltN:
		err = bySize(map[int]Type{4: TypeReal, 8: TypeFloat})
	case tdsMoneyN:
		err = bySize(map[int]Type{4: TypeSmallMoney, 8: TypeMoney})
	case tdsDateTimeN:
		err = bySize(map[int]Type{4: TypeSmallDateTime, 8: TypeDateTime})
	case tdsBitN:
		c.Type = TypeBit
	case tdsGUID:
		err = bySize(map[int]Type{16: TypeUniqueIdentifier})
	default:
		c.Type, err = paramType(ti.id, nil, nil) // the remaining types do not depend on the length
	}
	return c, err
}

// bulkLoad answers a bulk load message.
func (c *conn) bulkLoad(a *activeRequest, data []byte) error {
	bh, ok := c.srv.handler.(BulkHandler)
	if !ok {
		req := &Request{Kind: KindBatch, Conn: c.info()}
		w := &resultWriter{c: c, req: req, ctx: a.ctx}
		attn := c.finishRequest(a)
		return w.finish(&Error{Number: genericErrNumber, State: 1, Class: 16, Message: "mssqltest: this server's handler does not accept bulk loads."}, attn)
	}
	b, err := parseBulkLoad(data)
	if err != nil {
		return c.protocolError(a, err)
	}
	b.Conn = c.info()
	req := &Request{Kind: KindBatch, Conn: b.Conn}
	w := &resultWriter{c: c, req: req, ctx: a.ctx}
	herr := c.callBulkHandler(a.ctx, bh, b, w)
	if errors.Is(herr, errHandlerPanic) {
		c.finishRequest(a)
		return herr
	}
	if errors.Is(herr, ErrDropConnection) {
		c.finishRequest(a)
		c.srv.logf("mssqltest: conn %d: dropping connection in a bulk load (fault injection)", c.id)
		_ = c.nc.Close()
		return ErrDropConnection
	}
	attn := c.finishRequest(a)
	return w.finish(herr, attn)
}

func (c *conn) callBulkHandler(ctx context.Context, bh BulkHandler, b *BulkLoad, w *resultWriter) (err error) {
	defer func() {
		if p := recover(); p != nil {
			c.srv.logf("mssqltest: conn %d: panic in bulk handler: %v", c.id, p)
			err = fmt.Errorf("%w: %v", errHandlerPanic, p)
		}
	}()
	return bh.BulkLoad(ctx, b, w)
}
