package mssql

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"math"
	"strconv"
	"time"
)

// RowHashFormat names the encoding of the content hash the manifest
// records per table (TableEntry.ContentHash, Manifest.ContentHashFormat).
// Another tool can recompute it from the rows it reads; docs/design.md
// §14 "Content hash" describes it byte for byte:
//
//	content_hash = "sha256:" + hex(SHA-256(row_1 || row_2 || ... || row_n))
//	row          = 'R' field_1 ... field_k
//	field        = len8(tag) tag ( 0x00 | 0x01 len64(value) value )
//
// The rows are those of the table's data file in its data query's order
// (dataQuery: the clustered index keys, the primary key, then every
// comparable column); the fields are the values of the columns the INSERTs
// set (DataColumns: computed, rowversion and column-set columns have none;
// identity values are kept), in their order, for an edge table after its
// two ends. tag is the value's system type name (lower case: "int",
// "nvarchar", "sql_variant"), 0x00 stands for NULL, len8 is one byte and
// len64 eight bytes big-endian; value is the canonical form of the value
// (AppendCanonical). The batches, pieces and literals of the data file do
// not enter it, so the hash does not depend on MaxBatchBytes or the
// piece size, and a table read back from a restored copy through
// go-mssqldb hashes the same.
const RowHashFormat = "sqlvault-rows/1"

// nodeTag is the tag of an edge table's end in a row of the content hash.
const nodeTag = "$node"

// RowHasher computes the content hash of a table's rows (RowHashFormat)
// one row at a time, in constant memory.
type RowHasher struct {
	types []ColumnType // normalized (ColumnType.norm)
	// bad is the first type neither AppendLiteral nor the hash knows.
	bad error
	h   hash.Hash
	// buf collects the small fields of a row before they are hashed; a
	// long string or binary value is hashed where it is.
	buf  []byte
	rows int64
}

// rowHashDirect is the size from which a string or binary value is
// hashed where it is rather than copied into the row's buffer.
const rowHashDirect = 4 << 10

// NewRowHasher returns a hasher for rows whose values have the given
// types, in order: for a table, the types of its DataColumns.
func NewRowHasher(types []ColumnType) *RowHasher {
	h := &RowHasher{types: make([]ColumnType, len(types)), h: sha256.New()}
	for i, t := range types {
		h.types[i] = t.norm()
		if err := litCheckType(h.types[i]); err != nil && h.bad == nil {
			h.bad = canonicalError(h.types[i], err)
		}
	}
	return h
}

// DataColumns returns the columns whose values a table's data file
// inserts and its content hash covers, in their order: all but computed,
// rowversion and column-set columns.
func (t *Table) DataColumns() []*Column { return dataColumns(t) }

// ColumnTypes returns the types of cols, for NewRowHasher and DiffRow.
func ColumnTypes(cols []*Column) []ColumnType {
	types := make([]ColumnType, len(cols))
	for i, c := range cols {
		types[i] = c.Type
	}
	return types
}

// Add hashes a row: one value per type given to NewRowHasher, each the
// canonical Go value AppendLiteral takes (what go-mssqldb returns; a
// sql_variant a Variant), nil for NULL.
func (h *RowHasher) Add(values []any) error {
	return h.addRow(nil, values)
}

// nodeEnd is an end of an edge: the node table it is in and the values
// of that table's key (graphInfo.keyCols).
type nodeEnd struct {
	node *Table
	key  []any
}

// addRow hashes a row whose ends (an edge table's; none for other
// tables) come before its values.
func (h *RowHasher) addRow(ends []nodeEnd, values []any) error {
	if len(values) != len(h.types) {
		return fmt.Errorf("mssql: hashing a row of %d values for %d columns: %w", len(values), len(h.types), ErrRowLength)
	}
	if h.bad != nil {
		return h.bad
	}
	h.buf = append(h.buf[:0], 'R')
	var err error
	for _, e := range ends {
		if h.buf, err = appendNodeEnd(h.buf, e); err != nil {
			return err
		}
	}
	for i, v := range values {
		t := h.types[i]
		if raw, ok := rawValue(t, v); ok && len(raw) >= rowHashDirect {
			h.buf = appendFieldHead(h.buf, t.Name, len(raw))
			h.h.Write(h.buf)
			h.buf = h.buf[:0]
			h.h.Write(raw)
			continue
		}
		if s, ok := v.(string); ok && len(s) >= rowHashDirect && isStringType(t.Name) {
			h.buf = appendFieldHead(h.buf, t.Name, len(s))
			h.h.Write(h.buf)
			h.buf = h.buf[:0]
			h.writeString(s)
			continue
		}
		if h.buf, err = appendCanonical(h.buf, t, v); err != nil {
			return canonicalError(t, err)
		}
	}
	h.h.Write(h.buf)
	h.rows++
	return nil
}

// writeString hashes s through the row's buffer, a piece at a time.
func (h *RowHasher) writeString(s string) {
	for len(s) > 0 {
		n := min(len(s), rowHashDirect)
		h.buf = append(h.buf[:0], s[:n]...)
		h.h.Write(h.buf)
		s = s[n:]
	}
	h.buf = h.buf[:0]
}

// Rows returns the number of rows added.
func (h *RowHasher) Rows() int64 { return h.rows }

// Sum returns the content hash of the rows added: "sha256:" and 64
// lower-case hexadecimal digits.
func (h *RowHasher) Sum() string {
	return "sha256:" + hex.EncodeToString(h.h.Sum(nil))
}

// isStringType tells whether values of a type are strings hashed as
// their UTF-8 bytes.
func isStringType(name string) bool {
	switch name {
	case "char", "varchar", "text", "nchar", "nvarchar", "ntext", "xml":
		return true
	}
	return false
}

// rawValue returns the bytes of a binary or CLR value, which are its
// canonical form.
func rawValue(t ColumnType, v any) ([]byte, bool) {
	switch t.Name {
	case "binary", "varbinary", "image", "hierarchyid", "geometry", "geography":
		b, ok := v.([]byte)
		return b, ok && b != nil
	}
	return nil, false
}

// appendFieldHead appends the tag of a field and the length of a
// non-NULL value.
func appendFieldHead(dst []byte, tag string, n int) []byte {
	dst = append(dst, byte(len(tag)))
	dst = append(dst, tag...)
	dst = append(dst, 1)
	return binary.BigEndian.AppendUint64(dst, uint64(n))
}

// appendNodeEnd appends the field of an edge's end: tag "$node", and as
// value the node table's [schema].[name] (len32 and its UTF-8 bytes)
// followed by the fields of its key values.
func appendNodeEnd(dst []byte, e nodeEnd) ([]byte, error) {
	name := quoteName(e.node.Schema, e.node.Name)
	start := len(dst)
	dst = appendFieldHead(dst, nodeTag, 0)
	at := len(dst) - 8
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(name)))
	dst = append(dst, name...)
	var err error
	for i, c := range e.node.graph.keyCols {
		if dst, err = AppendCanonical(dst, c.Type, e.key[i]); err != nil {
			return dst[:start], fmt.Errorf("node table %s: %w", commentText(name), err)
		}
	}
	binary.BigEndian.PutUint64(dst[at:], uint64(len(dst)-at-8))
	return dst, nil
}

// AppendCanonical appends to dst the field of the content hash
// (RowHashFormat) for the value v of a column of type t: the length of
// t's system type name in one byte, the name, then 0x00 for NULL (nil, a
// nil []byte, a Variant whose Value is nil), or 0x01, the length of the
// canonical form in eight bytes big-endian, and the canonical form. v is
// the canonical Go value AppendLiteral takes; the canonical forms are:
//
//   - bit: "1" or "0".
//   - tinyint, smallint, int, bigint: decimal text, "-" before a negative.
//   - decimal, numeric, money, smallmoney: decimal text without leading
//     zeros ("0" before the point when there are none), "-" before a
//     non-zero negative, and a point and the fraction only when it is not
//     zero, without trailing zeros: 12.3400 is "12.34", -0.50 "-0.5",
//     0.0000 "0", whatever the scale.
//   - float, real: the value as IEEE 754 binary64, eight bytes big-endian
//     (a real widened exactly); -0 as 0, which SQL Server compares equal.
//   - date: "YYYY-MM-DD"; time: "hh:mm:ss.fffffff"; datetime2, datetime,
//     smalldatetime: "YYYY-MM-DDThh:mm:ss.fffffff"; datetimeoffset:
//     "YYYY-MM-DDThh:mm:ss.fffffff+hh:mm", the local time and its offset.
//     Always seven fractional digits whatever the scale (a datetime's are
//     the milliseconds go-mssqldb gives, as .0030000).
//   - char, varchar, text, nchar, nvarchar, ntext, xml: the UTF-8 bytes of
//     the string as read (char padding and xml as the server returns it).
//   - binary, varbinary, image, hierarchyid, geometry, geography: the
//     bytes.
//   - uniqueidentifier: the 36 characters of its text, upper case
//     ("6F9619FF-8B86-D011-B42D-00C04FC964FF"), from the 16 bytes in SQL
//     Server's order as go-mssqldb returns them.
//   - sql_variant: the length of the base type's declaration
//     (ColumnType.TypeDecl: "decimal(38,5)", "nvarchar(50)", "int") in one
//     byte, the declaration, and the canonical form of the value in its
//     base type.
//
// On error dst is returned unchanged.
func AppendCanonical(dst []byte, t ColumnType, v any) ([]byte, error) {
	t = t.norm()
	if err := litCheckType(t); err != nil {
		return dst, canonicalError(t, err)
	}
	out, err := appendCanonical(dst, t, v)
	if err != nil {
		return dst, canonicalError(t, err)
	}
	return out, nil
}

// canonicalError is the error of hashing a value of type t.
func canonicalError(t ColumnType, err error) error {
	return fmt.Errorf("mssql: hashing %s value: %w", litAppendTypeDecl(nil, t), err)
}

// appendCanonical appends the field of v for t, a type that is
// normalized and known (litCheckType).
func appendCanonical(dst []byte, t ColumnType, v any) ([]byte, error) {
	// A type switch copies a Variant out of v only when v holds one (a
	// failed v.(Variant) zeroes its result: 6% of a row's hashing).
	switch x := v.(type) {
	case *Variant:
		if x == nil || x.Value == nil || litIsNilBytes(x.Value) {
			v = nil
		} else {
			v = *x
		}
	case Variant:
		if x.Value == nil || litIsNilBytes(x.Value) {
			v = nil
		}
	}
	if v == nil || litIsNilBytes(v) {
		dst = append(dst, byte(len(t.Name)))
		dst = append(dst, t.Name...)
		return append(dst, 0), nil
	}
	start := len(dst)
	dst = appendFieldHead(dst, t.Name, 0)
	at := len(dst) - 8
	var err error
	if t.Name == "sql_variant" {
		vr, ok := v.(Variant)
		if !ok {
			return dst[:start], litTypeError(v, "a Variant naming the base type")
		}
		base := vr.Base.norm()
		if err := litCheckType(base); err != nil || !litIsVariantBase(base) {
			return dst[:start], fmt.Errorf("%s cannot be the base type of a sql_variant", litAppendTypeDecl(nil, base))
		}
		decl := litAppendTypeDecl(nil, base)
		dst = append(dst, byte(len(decl)))
		dst = append(dst, decl...)
		dst, err = appendCanonicalValue(dst, base, vr.Value)
	} else {
		dst, err = appendCanonicalValue(dst, t, v)
	}
	if err != nil {
		return dst[:start], err
	}
	binary.BigEndian.PutUint64(dst[at:], uint64(len(dst)-at-8))
	return dst, nil
}

// appendCanonicalValue appends the canonical form of v, not NULL, for t.
func appendCanonicalValue(dst []byte, t ColumnType, v any) ([]byte, error) {
	switch t.Name {
	case "bit":
		b, ok := v.(bool)
		if !ok {
			return dst, litTypeError(v, "bool")
		}
		if b {
			return append(dst, '1'), nil
		}
		return append(dst, '0'), nil
	case "tinyint", "smallint", "int", "bigint":
		n, err := litToInt64(v)
		if err != nil {
			return dst, err
		}
		return strconv.AppendInt(dst, n, 10), nil
	case "decimal", "numeric", "money", "smallmoney":
		switch x := v.(type) {
		case []byte:
			return appendCanonicalDecimal(dst, x)
		case string:
			return appendCanonicalDecimal(dst, []byte(x))
		}
		return dst, litTypeError(v, "[]byte or string holding decimal text")
	case "float", "real":
		var f float64
		switch x := v.(type) {
		case float64:
			f = x
		case float32:
			f = float64(x)
		default:
			return dst, litTypeError(v, "float64")
		}
		if f == 0 {
			f = 0 // -0 as 0
		}
		return binary.BigEndian.AppendUint64(dst, math.Float64bits(f)), nil
	case "date", "time", "datetime2", "datetimeoffset", "datetime", "smalldatetime":
		tm, ok := v.(time.Time)
		if !ok {
			return dst, litTypeError(v, "time.Time")
		}
		return appendCanonicalTime(dst, t.Name, tm)
	case "char", "varchar", "text", "nchar", "nvarchar", "ntext", "xml":
		s, ok := v.(string)
		if !ok {
			return dst, litTypeError(v, "string")
		}
		return append(dst, s...), nil
	case "binary", "varbinary", "image", "hierarchyid", "geometry", "geography":
		b, ok := v.([]byte)
		if !ok {
			return dst, litTypeError(v, "[]byte")
		}
		return append(dst, b...), nil
	case "uniqueidentifier":
		b, ok := v.([]byte)
		if !ok || len(b) != 16 {
			return dst, litTypeError(v, "16-byte []byte")
		}
		start := len(dst)
		dst = litAppendGUID(dst, b) // N'…'
		n := copy(dst[start:], dst[start+2:len(dst)-1])
		return dst[:start+n], nil
	}
	return dst, fmt.Errorf("%w %q", ErrUnsupportedType, t.Name)
}

// appendCanonicalDecimal appends the canonical text of the decimal text
// s: [-]digits[.digits] with leading zeros of the integer part and
// trailing zeros of the fraction dropped.
func appendCanonicalDecimal(dst, s []byte) ([]byte, error) {
	neg := false
	i := 0
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		i++
	}
	digits := func(i int) int {
		for i < len(s) && litIsDigit(s[i]) {
			i++
		}
		return i
	}
	intStart := i
	i = digits(i)
	intDigits := s[intStart:i]
	var frac []byte
	if i < len(s) && s[i] == '.' {
		j := digits(i + 1)
		frac = s[i+1 : j]
		i = j
	}
	if i != len(s) || len(intDigits)+len(frac) == 0 {
		return dst, fmt.Errorf("%s is not a decimal number", litQuoteShort(string(s)))
	}
	intDigits = bytes.TrimLeft(intDigits, "0")
	frac = bytes.TrimRight(frac, "0")
	if neg && (len(intDigits) > 0 || len(frac) > 0) {
		dst = append(dst, '-')
	}
	if len(intDigits) == 0 {
		dst = append(dst, '0')
	}
	dst = append(dst, intDigits...)
	if len(frac) > 0 {
		dst = append(dst, '.')
		dst = append(dst, frac...)
	}
	return dst, nil
}

// appendCanonicalTime appends the canonical text of a date or time value
// of type name: ISO 8601 with seven fractional digits (SQL Server's
// finest, 100 ns).
func appendCanonicalTime(dst []byte, name string, tm time.Time) ([]byte, error) {
	y, mo, d := tm.Date()
	h, mi, s := tm.Clock()
	ns := tm.Nanosecond()
	if ns%100 != 0 {
		return dst, fmt.Errorf("%s is finer than 100 ns", tm.Format(time.RFC3339Nano))
	}
	if name != "time" && (y < 1 || y > 9999) {
		return dst, fmt.Errorf("%s out of range", tm.Format(time.RFC3339Nano))
	}
	switch name {
	case "date":
		return litAppendDate(dst, y, mo, d), nil
	case "time":
		return litAppendClock(dst, h, mi, s, ns, 7), nil
	}
	dst = litAppendDate(dst, y, mo, d)
	dst = append(dst, 'T')
	dst = litAppendClock(dst, h, mi, s, ns, 7)
	if name == "datetimeoffset" {
		_, off := tm.Zone()
		if off%60 != 0 || off < -14*3600 || off > 14*3600 {
			return dst, fmt.Errorf("zone offset %ds is not whole minutes within ±14:00", off)
		}
		dst = litAppendOffset(dst, off/60)
	}
	return dst, nil
}

// ErrRowLength is returned (wrapped) by DiffRow for rows of other lengths
// than the types.
var ErrRowLength = errors.New("row length differs from the columns")

// DiffRow compares two rows of values of the given types (one value per
// type, as RowHasher.Add takes them) by their canonical forms, and
// returns the index of the first column whose values differ, or -1 when
// the rows hash the same: what verify reports as the first differing
// column of the first differing row.
func DiffRow(types []ColumnType, a, b []any) (int, error) {
	if len(a) != len(types) || len(b) != len(types) {
		return 0, fmt.Errorf("mssql: comparing rows of %d and %d values for %d columns: %w", len(a), len(b), len(types), ErrRowLength)
	}
	var ea, eb []byte
	for i, t := range types {
		var err error
		if ea, err = AppendCanonical(ea[:0], t, a[i]); err != nil {
			return 0, err
		}
		if eb, err = AppendCanonical(eb[:0], t, b[i]); err != nil {
			return 0, err
		}
		if !bytes.Equal(ea, eb) {
			return i, nil
		}
	}
	return -1, nil
}
