package mssqltest

import (
	"database/sql/driver"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// Type is a SQL Server data type of a result column or parameter.
type Type uint8

// The SQL Server data types this package can send. The zero Type is not a
// valid column type; it marks an untyped NULL parameter.
const (
	TypeBit Type = iota + 1
	TypeTinyInt
	TypeSmallInt
	TypeInt
	TypeBigInt
	TypeDecimal
	TypeNumeric
	TypeMoney
	TypeSmallMoney
	TypeReal
	TypeFloat
	TypeDate
	TypeTime
	TypeDateTime2
	TypeDateTimeOffset
	TypeDateTime
	TypeSmallDateTime
	TypeChar
	TypeVarChar
	TypeText
	TypeNChar
	TypeNVarChar
	TypeNText
	TypeBinary
	TypeVarBinary
	TypeImage
	TypeUniqueIdentifier
	TypeXML
	TypeVariant
	// The CLR types are sent as UDT columns; their values are the types'
	// binary serialization as []byte (what CAST(x AS varbinary(max)) gives).
	TypeHierarchyID
	TypeGeometry
	TypeGeography
)

// String returns the T-SQL name of the type, such as "nvarchar".
func (t Type) String() string {
	switch t {
	case TypeBit:
		return "bit"
	case TypeTinyInt:
		return "tinyint"
	case TypeSmallInt:
		return "smallint"
	case TypeInt:
		return "int"
	case TypeBigInt:
		return "bigint"
	case TypeDecimal:
		return "decimal"
	case TypeNumeric:
		return "numeric"
	case TypeMoney:
		return "money"
	case TypeSmallMoney:
		return "smallmoney"
	case TypeReal:
		return "real"
	case TypeFloat:
		return "float"
	case TypeDate:
		return "date"
	case TypeTime:
		return "time"
	case TypeDateTime2:
		return "datetime2"
	case TypeDateTimeOffset:
		return "datetimeoffset"
	case TypeDateTime:
		return "datetime"
	case TypeSmallDateTime:
		return "smalldatetime"
	case TypeChar:
		return "char"
	case TypeVarChar:
		return "varchar"
	case TypeText:
		return "text"
	case TypeNChar:
		return "nchar"
	case TypeNVarChar:
		return "nvarchar"
	case TypeNText:
		return "ntext"
	case TypeBinary:
		return "binary"
	case TypeVarBinary:
		return "varbinary"
	case TypeImage:
		return "image"
	case TypeUniqueIdentifier:
		return "uniqueidentifier"
	case TypeXML:
		return "xml"
	case TypeVariant:
		return "sql_variant"
	case TypeHierarchyID:
		return "hierarchyid"
	case TypeGeometry:
		return "geometry"
	case TypeGeography:
		return "geography"
	case 0:
		return "null"
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// MaxLength is the Column.Length of varchar(max), nvarchar(max) and
// varbinary(max) columns, which are sent in the PLP (partially length
// prefixed) format and may hold values of any size.
const MaxLength = -1

// Column describes one column of a result set.
//
// Values passed to ResultWriter.Row must suit the column type:
//
//   - bit: bool
//   - tinyint, smallint, int, bigint: any Go integer type (range checked)
//   - decimal, numeric, money, smallmoney: a string holding the exact decimal
//     text ("-12.3400"), or any Go integer type; never a float, so that no
//     digit is lost
//   - real, float: float32 or float64
//   - date, datetime2, datetime, smalldatetime: time.Time, whose wall clock
//     in its own location is sent (no time zone conversion)
//   - time: time.Time (its clock part) or time.Duration since midnight
//   - datetimeoffset: time.Time, sent with its zone offset in whole minutes
//   - char, varchar, text: string (converted to the column's code page) or
//     []byte (sent as is, already encoded)
//   - nchar, nvarchar, ntext, xml: string
//   - binary, varbinary, image: []byte or string
//   - hierarchyid, geometry, geography: []byte holding the CLR binary form
//   - uniqueidentifier: [16]byte or any 16-byte array type (such as
//     uuid.UUID) in canonical order, []byte of length 16, or the text form
//     "6F9619FF-8B86-D011-B42D-00C04FC964FF"; the server writes it in SQL
//     Server's mixed-endian wire order
//   - sql_variant: a Variant naming the base type, or a plain bool, integer,
//     float64, string, []byte or time.Time (sent as bit, bigint, float,
//     nvarchar, varbinary or datetime2(7))
//
// nil (or a driver.Valuer returning nil) is NULL and is only allowed in
// Nullable columns. Fractional seconds beyond the column's scale are
// truncated; a value that does not fit is an error and nothing of the row is
// sent.
type Column struct {
	// Name is the column name the client sees.
	Name string
	// Type is the SQL Server data type.
	Type Type
	// Length is the declared length of char, varchar, nchar, nvarchar,
	// binary and varbinary columns as in T-SQL: bytes for char, varchar,
	// binary and varbinary, characters (UTF-16 code units) for nchar and
	// nvarchar. MaxLength declares a (max) column. 0 means 1, as in T-SQL.
	Length int
	// Precision is the total number of digits of a decimal or numeric
	// column, 1 to 38; 0 means 18, the T-SQL default.
	Precision uint8
	// Scale is the number of digits after the decimal point of decimal and
	// numeric columns, and the fractional-second digits (0 to 7) of time,
	// datetime2 and datetimeoffset columns.
	Scale uint8
	// Nullable tells the client that the column may hold NULL. Nullable
	// integer, bit, float, money and datetime columns use the variable-length
	// wire types (INTN and so on), NOT NULL ones the fixed-length types, as
	// SQL Server does.
	Nullable bool
	// Collation is the collation of char, varchar, text, nchar, nvarchar and
	// ntext columns; the zero value is SQL_Latin1_General_CP1_CI_AS.
	Collation Collation
}

// Decl returns the T-SQL declaration of the column type, such as
// "decimal(38,4)" or "nvarchar(max)".
func (c Column) Decl() string {
	switch c.Type {
	case TypeDecimal, TypeNumeric:
		p := c.Precision
		if p == 0 {
			p = 18
		}
		return fmt.Sprintf("%s(%d,%d)", c.Type, p, c.Scale)
	case TypeTime, TypeDateTime2, TypeDateTimeOffset:
		return fmt.Sprintf("%s(%d)", c.Type, c.Scale)
	case TypeChar, TypeVarChar, TypeNChar, TypeNVarChar, TypeBinary, TypeVarBinary:
		switch {
		case c.Length == MaxLength:
			return c.Type.String() + "(max)"
		case c.Length == 0:
			return c.Type.String() + "(1)"
		}
		return fmt.Sprintf("%s(%d)", c.Type, c.Length)
	}
	return c.Type.String()
}

// Variant is a sql_variant value together with its base type. Only the
// Type, Length, Precision, Scale and Collation of Base matter; text, ntext,
// image, xml, (max) types and nested sql_variant are not allowed as base
// types, as in SQL Server.
type Variant struct {
	Base  Column
	Value any
}

// TDS data type identifiers (MS-TDS 2.2.5.4).
const (
	tdsNull           = 0x1F
	tdsInt1           = 0x30
	tdsBit            = 0x32
	tdsInt2           = 0x34
	tdsInt4           = 0x38
	tdsDateTim4       = 0x3A
	tdsFlt4           = 0x3B
	tdsMoney          = 0x3C
	tdsDateTime       = 0x3D
	tdsFlt8           = 0x3E
	tdsMoney4         = 0x7A
	tdsInt8           = 0x7F
	tdsGUID           = 0x24
	tdsIntN           = 0x26
	tdsBitN           = 0x68
	tdsDecimalN       = 0x6A
	tdsNumericN       = 0x6C
	tdsFltN           = 0x6D
	tdsMoneyN         = 0x6E
	tdsDateTimeN      = 0x6F
	tdsDateN          = 0x28
	tdsTimeN          = 0x29
	tdsDateTime2N     = 0x2A
	tdsDateTimeOffset = 0x2B
	tdsBigVarBin      = 0xA5
	tdsBigVarChar     = 0xA7
	tdsBigBinary      = 0xAD
	tdsBigChar        = 0xAF
	tdsNVarChar       = 0xE7
	tdsNChar          = 0xEF
	tdsXML            = 0xF1
	tdsUDT            = 0xF0
	tdsTVP            = 0xF3
	tdsText           = 0x23
	tdsImage          = 0x22
	tdsNText          = 0x63
	tdsVariant        = 0x62
)

const (
	plpNull       = 0xFFFFFFFFFFFFFFFF
	plpChunkSize  = 8000 // what SQL Server uses; any size works
	variantMaxLen = 8009
)

// wireColumn is a validated Column with its TDS encoding worked out.
type wireColumn struct {
	Column
	id     byte // TDS type id
	size   int  // fixed byte size, or the length byte/ushort of TYPE_INFO
	plp    bool // (max) type sent as PLP
	length int  // effective declared length (char/binary types)
	prec   uint8
	coll   Collation
}

// newWireColumn validates c and chooses its wire representation.
func newWireColumn(c Column) (*wireColumn, error) {
	w := &wireColumn{Column: c}
	nullable := c.Nullable
	pick := func(fixed, n byte, size int) {
		w.size = size
		if nullable {
			w.id = n
		} else {
			w.id = fixed
		}
	}
	switch c.Type {
	case TypeBit:
		pick(tdsBit, tdsBitN, 1)
	case TypeTinyInt:
		pick(tdsInt1, tdsIntN, 1)
	case TypeSmallInt:
		pick(tdsInt2, tdsIntN, 2)
	case TypeInt:
		pick(tdsInt4, tdsIntN, 4)
	case TypeBigInt:
		pick(tdsInt8, tdsIntN, 8)
	case TypeReal:
		pick(tdsFlt4, tdsFltN, 4)
	case TypeFloat:
		pick(tdsFlt8, tdsFltN, 8)
	case TypeMoney:
		pick(tdsMoney, tdsMoneyN, 8)
	case TypeSmallMoney:
		pick(tdsMoney4, tdsMoneyN, 4)
	case TypeDateTime:
		pick(tdsDateTime, tdsDateTimeN, 8)
	case TypeSmallDateTime:
		pick(tdsDateTim4, tdsDateTimeN, 4)
	case TypeDecimal, TypeNumeric:
		w.id = tdsDecimalN
		if c.Type == TypeNumeric {
			w.id = tdsNumericN
		}
		w.prec = c.Precision
		if w.prec == 0 {
			w.prec = 18
		}
		if w.prec > 38 || c.Scale > w.prec {
			return nil, fmt.Errorf("column %q: invalid %s precision %d, scale %d", c.Name, c.Type, w.prec, c.Scale)
		}
		w.size = 1 + decimalMagnitudeSize(w.prec)
	case TypeDate:
		w.id, w.size = tdsDateN, 3
	case TypeTime, TypeDateTime2, TypeDateTimeOffset:
		if c.Scale > 7 {
			return nil, fmt.Errorf("column %q: invalid %s scale %d", c.Name, c.Type, c.Scale)
		}
		w.size = timeSize(c.Scale)
		switch c.Type {
		case TypeTime:
			w.id = tdsTimeN
		case TypeDateTime2:
			w.id = tdsDateTime2N
			w.size += 3
		default:
			w.id = tdsDateTimeOffset
			w.size += 5
		}
	case TypeUniqueIdentifier:
		w.id, w.size = tdsGUID, 16
	case TypeChar, TypeVarChar, TypeBinary, TypeVarBinary, TypeNChar, TypeNVarChar:
		w.length = c.Length
		if w.length == 0 {
			w.length = 1
		}
		limit := 8000
		if c.Type == TypeNChar || c.Type == TypeNVarChar {
			limit = 4000
		}
		switch c.Type {
		case TypeChar:
			w.id = tdsBigChar
		case TypeVarChar:
			w.id = tdsBigVarChar
		case TypeBinary:
			w.id = tdsBigBinary
		case TypeVarBinary:
			w.id = tdsBigVarBin
		case TypeNChar:
			w.id = tdsNChar
		case TypeNVarChar:
			w.id = tdsNVarChar
		}
		fixed := c.Type == TypeChar || c.Type == TypeNChar || c.Type == TypeBinary
		switch {
		case w.length == MaxLength && !fixed:
			w.plp = true
			w.size = 0xFFFF
		case w.length < 1 || w.length > limit:
			return nil, fmt.Errorf("column %q: invalid length %d for %s", c.Name, c.Length, c.Type)
		default:
			w.size = w.length
			if c.Type == TypeNChar || c.Type == TypeNVarChar {
				w.size *= 2
			}
		}
	case TypeText:
		w.id, w.size = tdsText, math.MaxInt32
	case TypeNText:
		w.id, w.size = tdsNText, math.MaxInt32-1
	case TypeImage:
		w.id, w.size = tdsImage, math.MaxInt32
	case TypeXML:
		w.id, w.plp = tdsXML, true
	case TypeVariant:
		w.id, w.size = tdsVariant, variantMaxLen
	case TypeHierarchyID:
		w.id, w.plp, w.size = tdsUDT, true, 892 // max size of hierarchyid
	case TypeGeometry, TypeGeography:
		w.id, w.plp, w.size = tdsUDT, true, 0xFFFF
	default:
		return nil, fmt.Errorf("column %q: unknown type %v", c.Name, c.Type)
	}
	switch c.Type {
	case TypeChar, TypeVarChar, TypeText, TypeNChar, TypeNVarChar, TypeNText:
		w.coll = c.Collation.orDefault()
	}
	return w, nil
}

// appendTypeInfo appends the TYPE_INFO of the column (MS-TDS 2.2.5.6).
func (w *wireColumn) appendTypeInfo(b []byte) []byte {
	b = append(b, w.id)
	switch w.id {
	case tdsInt1, tdsBit, tdsInt2, tdsInt4, tdsDateTim4, tdsFlt4, tdsMoney,
		tdsDateTime, tdsFlt8, tdsMoney4, tdsInt8, tdsDateN:
		// fixed length, or DATEN which has no length byte
	case tdsIntN, tdsBitN, tdsFltN, tdsMoneyN, tdsDateTimeN, tdsGUID:
		b = append(b, byte(w.size))
	case tdsDecimalN, tdsNumericN:
		b = append(b, byte(w.size), w.prec, w.Scale)
	case tdsTimeN, tdsDateTime2N, tdsDateTimeOffset:
		b = append(b, w.Scale)
	case tdsBigChar, tdsBigVarChar, tdsNChar, tdsNVarChar:
		b = binary.LittleEndian.AppendUint16(b, uint16(w.size))
		coll := w.coll.wire()
		b = append(b, coll[:]...)
	case tdsBigBinary, tdsBigVarBin:
		b = binary.LittleEndian.AppendUint16(b, uint16(w.size))
	case tdsText, tdsNText:
		b = binary.LittleEndian.AppendUint32(b, uint32(w.size))
		coll := w.coll.wire()
		b = append(b, coll[:]...)
		b = append(b, 0) // TableName: no parts
	case tdsImage:
		b = binary.LittleEndian.AppendUint32(b, uint32(w.size))
		b = append(b, 0) // TableName: no parts
	case tdsXML:
		b = append(b, 0) // no schema
	case tdsVariant:
		b = binary.LittleEndian.AppendUint32(b, uint32(w.size))
	case tdsUDT:
		// UDT_INFO (MS-TDS 2.2.5.5.5.2) as SQL Server sends it for its
		// system CLR types.
		b = binary.LittleEndian.AppendUint16(b, uint16(w.size))
		b = appendBVarChar(b, "master")
		b = appendBVarChar(b, "sys")
		b = appendBVarChar(b, w.Type.String())
		b = appendUSVarChar(b, clrAssemblyName(w.Type))
	}
	return b
}

// clrAssemblyName is the assembly-qualified .NET type of a CLR type.
func clrAssemblyName(t Type) string {
	const asm = ", Microsoft.SqlServer.Types, Version=11.0.0.0, Culture=neutral, PublicKeyToken=89845dcd8080cc91"
	switch t {
	case TypeHierarchyID:
		return "Microsoft.SqlServer.Types.SqlHierarchyId" + asm
	case TypeGeometry:
		return "Microsoft.SqlServer.Types.SqlGeometry" + asm
	}
	return "Microsoft.SqlServer.Types.SqlGeography" + asm
}

// appendNull appends the NULL representation of the column's wire type.
func (w *wireColumn) appendNull(b []byte) ([]byte, error) {
	if !w.Nullable {
		return b, fmt.Errorf("column %q is NOT NULL", w.Name)
	}
	switch {
	case w.plp:
		return binary.LittleEndian.AppendUint64(b, plpNull), nil
	}
	switch w.id {
	case tdsBigChar, tdsBigVarChar, tdsNChar, tdsNVarChar, tdsBigBinary, tdsBigVarBin:
		return binary.LittleEndian.AppendUint16(b, 0xFFFF), nil
	case tdsText, tdsNText, tdsImage:
		return append(b, 0), nil // no text pointer
	case tdsVariant:
		return binary.LittleEndian.AppendUint32(b, 0), nil
	}
	return append(b, 0), nil // BYTELEN types
}

// appendValue appends the encoding of v in a ROW token.
func (w *wireColumn) appendValue(b []byte, v any) ([]byte, error) {
	v, err := resolveValuer(v)
	if err != nil {
		return b, fmt.Errorf("column %q: %w", w.Name, err)
	}
	if v == nil {
		return w.appendNull(b)
	}
	b, err = w.appendNonNull(b, v)
	if err != nil {
		return b, fmt.Errorf("column %q (%s): %w", w.Name, w.Decl(), err)
	}
	return b, nil
}

func (w *wireColumn) appendNonNull(b []byte, v any) ([]byte, error) {
	data, err := w.encodeData(v)
	if err != nil {
		return b, err
	}
	switch {
	case w.plp:
		// One allocation for a value of any size (a test sends hundreds
		// of megabytes).
		b = slices.Grow(b, 12+len(data)+4*(len(data)/plpChunkSize+1))
		b = binary.LittleEndian.AppendUint64(b, uint64(len(data)))
		for len(data) > 0 {
			n := min(len(data), plpChunkSize)
			b = binary.LittleEndian.AppendUint32(b, uint32(n))
			b = append(b, data[:n]...)
			data = data[n:]
		}
		return binary.LittleEndian.AppendUint32(b, 0), nil
	}
	switch w.id {
	case tdsInt1, tdsBit, tdsInt2, tdsInt4, tdsDateTim4, tdsFlt4, tdsMoney,
		tdsDateTime, tdsFlt8, tdsMoney4, tdsInt8:
		return append(b, data...), nil
	case tdsBigChar, tdsBigVarChar, tdsNChar, tdsNVarChar, tdsBigBinary, tdsBigVarBin:
		b = binary.LittleEndian.AppendUint16(b, uint16(len(data)))
		return append(b, data...), nil
	case tdsText, tdsNText, tdsImage:
		b = append(b, 16)                  // text pointer length
		b = append(b, make([]byte, 16)...) // text pointer
		b = append(b, make([]byte, 8)...)  // timestamp
		b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
		return append(b, data...), nil
	case tdsVariant:
		return append(b, data...), nil // encodeData includes the length
	}
	b = append(b, byte(len(data)))
	return append(b, data...), nil
}

// encodeData returns the value bytes without the length prefix.
func (w *wireColumn) encodeData(v any) ([]byte, error) {
	switch w.Type {
	case TypeBit:
		bv, ok := v.(bool)
		if !ok {
			return nil, typeError(v, "bool")
		}
		if bv {
			return []byte{1}, nil
		}
		return []byte{0}, nil
	case TypeTinyInt, TypeSmallInt, TypeInt, TypeBigInt:
		return encodeInt(w.Type, v)
	case TypeReal:
		f, ok := toFloat(v)
		if !ok {
			return nil, typeError(v, "float32 or float64")
		}
		return binary.LittleEndian.AppendUint32(nil, math.Float32bits(float32(f))), nil
	case TypeFloat:
		f, ok := toFloat(v)
		if !ok {
			return nil, typeError(v, "float32 or float64")
		}
		return binary.LittleEndian.AppendUint64(nil, math.Float64bits(f)), nil
	case TypeDecimal, TypeNumeric:
		return encodeDecimal(v, w.prec, w.Scale, w.size-1)
	case TypeMoney, TypeSmallMoney:
		return encodeMoney(w.Type, v)
	case TypeDate:
		t, ok := v.(time.Time)
		if !ok {
			return nil, typeError(v, "time.Time")
		}
		return appendDate(nil, t)
	case TypeTime:
		var d time.Duration
		switch t := v.(type) {
		case time.Time:
			h, m, s := t.Clock()
			d = time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
				time.Duration(s)*time.Second + time.Duration(t.Nanosecond())
		case time.Duration:
			d = t
		default:
			return nil, typeError(v, "time.Time or time.Duration")
		}
		if d < 0 || d >= 24*time.Hour {
			return nil, fmt.Errorf("time of day %v out of range", d)
		}
		return appendTimeOfDay(nil, int64(d), w.Scale), nil
	case TypeDateTime2:
		t, ok := v.(time.Time)
		if !ok {
			return nil, typeError(v, "time.Time")
		}
		b := appendTimeOfDay(nil, nanosOfDay(t), w.Scale)
		return appendDate(b, t)
	case TypeDateTimeOffset:
		t, ok := v.(time.Time)
		if !ok {
			return nil, typeError(v, "time.Time")
		}
		return encodeDateTimeOffset(t, w.Scale)
	case TypeDateTime:
		t, ok := v.(time.Time)
		if !ok {
			return nil, typeError(v, "time.Time")
		}
		return encodeDateTime(t)
	case TypeSmallDateTime:
		t, ok := v.(time.Time)
		if !ok {
			return nil, typeError(v, "time.Time")
		}
		return encodeSmallDateTime(t)
	case TypeChar, TypeVarChar, TypeText:
		var data []byte
		switch s := v.(type) {
		case string:
			var err error
			if data, err = encodeChars(w.coll, s); err != nil {
				return nil, err
			}
		case []byte:
			data = s
		default:
			return nil, typeError(v, "string or []byte")
		}
		return w.fitLength(data, 1, ' ')
	case TypeNChar, TypeNVarChar, TypeNText, TypeXML:
		s, ok := v.(string)
		if !ok {
			return nil, typeError(v, "string")
		}
		return w.fitLength(encodeUCS2(s), 2, ' ')
	case TypeHierarchyID, TypeGeometry, TypeGeography:
		data, ok := v.([]byte)
		if !ok {
			return nil, typeError(v, "[]byte")
		}
		if w.Type == TypeHierarchyID && len(data) > 892 {
			return nil, fmt.Errorf("hierarchyid of %d bytes exceeds 892", len(data))
		}
		return data, nil
	case TypeBinary, TypeVarBinary, TypeImage:
		var data []byte
		switch s := v.(type) {
		case []byte:
			data = s
		case string:
			data = []byte(s)
		default:
			return nil, typeError(v, "[]byte or string")
		}
		return w.fitLength(data, 1, 0)
	case TypeUniqueIdentifier:
		g, err := toGUID(v)
		if err != nil {
			return nil, err
		}
		return guidToWire(g), nil
	case TypeVariant:
		return encodeVariant(v)
	}
	return nil, fmt.Errorf("unsupported type %v", w.Type)
}

// fitLength checks data against the declared length (unit bytes per
// character) and pads fixed-length types with pad, as SQL Server stores them.
func (w *wireColumn) fitLength(data []byte, unit int, pad byte) ([]byte, error) {
	if w.length <= 0 || w.plp {
		return data, nil // (max), text, ntext, image, xml
	}
	max := w.length * unit
	if len(data) > max {
		return nil, fmt.Errorf("value of %d bytes exceeds the declared length (String or binary data would be truncated)", len(data))
	}
	switch w.Type {
	case TypeChar, TypeNChar, TypeBinary:
		if len(data) < max {
			padded := make([]byte, max)
			copy(padded, data)
			for i := len(data); i < max; i += unit {
				padded[i] = pad
			}
			data = padded
		}
	}
	return data, nil
}

func typeError(v any, want string) error {
	return fmt.Errorf("cannot send Go value of type %T, want %s", v, want)
}

// resolveValuer replaces a driver.Valuer (sql.NullString and the like) by its
// value.
func resolveValuer(v any) (any, error) {
	for i := 0; i < 8; i++ {
		dv, ok := v.(driver.Valuer)
		if !ok {
			return v, nil
		}
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
			return nil, nil
		}
		var err error
		if v, err = dv.Value(); err != nil {
			return nil, fmt.Errorf("driver.Valuer: %w", err)
		}
	}
	return v, nil
}

func toInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u > math.MaxInt64 {
			return 0, false
		}
		return int64(u), true
	}
	return 0, false
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	}
	return 0, false
}

func encodeInt(t Type, v any) ([]byte, error) {
	n, ok := toInt64(v)
	if !ok {
		return nil, typeError(v, "an integer")
	}
	var lo, hi int64
	var size int
	switch t {
	case TypeTinyInt:
		lo, hi, size = 0, math.MaxUint8, 1
	case TypeSmallInt:
		lo, hi, size = math.MinInt16, math.MaxInt16, 2
	case TypeInt:
		lo, hi, size = math.MinInt32, math.MaxInt32, 4
	default:
		lo, hi, size = math.MinInt64, math.MaxInt64, 8
	}
	if n < lo || n > hi {
		return nil, fmt.Errorf("value %d out of range for %s (Arithmetic overflow)", n, t)
	}
	b := make([]byte, 8)
	binary.LittleEndian.PutUint64(b, uint64(n))
	return b[:size], nil
}

// decimalMagnitudeSize is the byte length of the magnitude of a decimal of
// the given precision (MS-TDS 2.2.5.5.1.6).
func decimalMagnitudeSize(prec uint8) int {
	switch {
	case prec <= 9:
		return 4
	case prec <= 19:
		return 8
	case prec <= 28:
		return 12
	}
	return 16
}

// scaledInteger parses decimal text (or takes a Go integer) and returns it
// multiplied by 10^scale, failing if digits after the decimal point would
// be lost.
func scaledInteger(v any, scale uint8) (*big.Int, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = strings.TrimSpace(x)
	case []byte:
		s = strings.TrimSpace(string(x))
	default:
		n, ok := toInt64(v)
		if !ok {
			if u, isU := v.(uint64); isU {
				s = strconv.FormatUint(u, 10)
				break
			}
			return nil, typeError(v, "decimal text or an integer")
		}
		s = strconv.FormatInt(n, 10)
	}
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" || !allDigits(intPart) || !allDigits(frac) {
		return nil, fmt.Errorf("invalid decimal text %q", v)
	}
	trimmed := strings.TrimRight(frac, "0")
	if len(trimmed) > int(scale) {
		return nil, fmt.Errorf("decimal %q has more than %d digits after the decimal point", v, scale)
	}
	frac += strings.Repeat("0", int(scale)-min(len(frac), int(scale)))
	frac = frac[:scale]
	n, ok := new(big.Int).SetString("0"+intPart+frac, 10)
	if !ok {
		return nil, fmt.Errorf("invalid decimal text %q", v)
	}
	if neg {
		n.Neg(n)
	}
	return n, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func encodeDecimal(v any, prec, scale uint8, size int) ([]byte, error) {
	n, err := scaledInteger(v, scale)
	if err != nil {
		return nil, err
	}
	mag := new(big.Int).Abs(n)
	if len(mag.String()) > int(prec) && mag.Sign() != 0 {
		return nil, fmt.Errorf("decimal %q out of range for precision %d, scale %d (Arithmetic overflow)", v, prec, scale)
	}
	out := make([]byte, 1+size)
	out[0] = 1 // positive
	if n.Sign() < 0 {
		out[0] = 0
	}
	be := mag.Bytes()
	for i, c := range be {
		out[len(be)-i] = c // little-endian magnitude after the sign byte
	}
	return out, nil
}

func encodeMoney(t Type, v any) ([]byte, error) {
	n, err := scaledInteger(v, 4)
	if err != nil {
		return nil, err
	}
	if t == TypeSmallMoney {
		if !n.IsInt64() || n.Int64() < math.MinInt32 || n.Int64() > math.MaxInt32 {
			return nil, fmt.Errorf("value %q out of range for smallmoney (Arithmetic overflow)", v)
		}
		return binary.LittleEndian.AppendUint32(nil, uint32(int32(n.Int64()))), nil
	}
	if !n.IsInt64() {
		return nil, fmt.Errorf("value %q out of range for money (Arithmetic overflow)", v)
	}
	m := n.Int64()
	// money is sent as two 4-byte little-endian halves, high half first.
	b := binary.LittleEndian.AppendUint32(nil, uint32(uint64(m)>>32))
	return binary.LittleEndian.AppendUint32(b, uint32(m)), nil
}

// unixDay0001 is the Unix time of 0001-01-01T00:00:00Z.
const unixDay0001 = -62135596800

// daysSince0001 counts days from 0001-01-01 to the date of t in its own
// location.
func daysSince0001(t time.Time) int64 {
	y, m, d := t.Date()
	u := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()
	return (u - unixDay0001) / 86400
}

func nanosOfDay(t time.Time) int64 {
	h, m, s := t.Clock()
	return int64(h)*3600e9 + int64(m)*60e9 + int64(s)*1e9 + int64(t.Nanosecond())
}

func appendDate(b []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 1 || y > 9999 {
		return nil, fmt.Errorf("date %v out of range 0001-01-01 to 9999-12-31", t)
	}
	d := daysSince0001(t)
	return append(b, byte(d), byte(d>>8), byte(d>>16)), nil
}

// timeSize is the byte length of a time(scale) value.
func timeSize(scale uint8) int {
	switch {
	case scale <= 2:
		return 3
	case scale <= 4:
		return 4
	}
	return 5
}

// appendTimeOfDay appends nanoseconds since midnight as a count of
// 10^-scale second units, truncating finer digits.
func appendTimeOfDay(b []byte, ns int64, scale uint8) []byte {
	units := ns
	for i := scale; i < 9; i++ {
		units /= 10
	}
	var tmp [8]byte
	binary.LittleEndian.PutUint64(tmp[:], uint64(units))
	return append(b, tmp[:timeSize(scale)]...)
}

func encodeDateTimeOffset(t time.Time, scale uint8) ([]byte, error) {
	_, off := t.Zone()
	if off%60 != 0 || off < -14*3600 || off > 14*3600 {
		return nil, fmt.Errorf("time zone offset %ds is not whole minutes within ±14:00", off)
	}
	u := t.UTC()
	b := appendTimeOfDay(nil, nanosOfDay(u), scale)
	b, err := appendDate(b, u)
	if err != nil {
		return nil, err
	}
	return binary.LittleEndian.AppendUint16(b, uint16(int16(off/60))), nil
}

// days1900 is daysSince0001 of 1900-01-01, the epoch of datetime.
const days1900 = 693595

func encodeDateTime(t time.Time) ([]byte, error) {
	days := daysSince0001(t) - days1900
	// 1/300 second ticks, rounded as SQL Server rounds datetime.
	ticks := (nanosOfDay(t)*3 + 5e6) / 1e7
	if ticks >= 300*86400 {
		days++
		ticks -= 300 * 86400
	}
	minDays := int64(639905 - days1900)  // 1753-01-01
	maxDays := int64(3652058 - days1900) // 9999-12-31
	if days < minDays || days > maxDays {
		return nil, fmt.Errorf("datetime %v out of range 1753-01-01 to 9999-12-31 23:59:59.997", t)
	}
	b := binary.LittleEndian.AppendUint32(nil, uint32(int32(days)))
	return binary.LittleEndian.AppendUint32(b, uint32(ticks)), nil
}

func encodeSmallDateTime(t time.Time) ([]byte, error) {
	days := daysSince0001(t) - days1900
	h, m, _ := t.Clock()
	mins := h*60 + m
	if days < 0 || days > 65535 {
		return nil, fmt.Errorf("smalldatetime %v out of range 1900-01-01 to 2079-06-06 23:59", t)
	}
	b := binary.LittleEndian.AppendUint16(nil, uint16(days))
	return binary.LittleEndian.AppendUint16(b, uint16(mins)), nil
}

func encodeUCS2(s string) []byte {
	// Rune by rune: tests send values of hundreds of megabytes. A UTF-16
	// code unit takes 2 bytes for at least one byte of UTF-8.
	b := make([]byte, 0, 2*len(s))
	for _, r := range s {
		if r >= 0x10000 {
			hi, lo := utf16.EncodeRune(r)
			b = binary.LittleEndian.AppendUint16(b, uint16(hi))
			b = binary.LittleEndian.AppendUint16(b, uint16(lo))
			continue
		}
		b = binary.LittleEndian.AppendUint16(b, uint16(r))
	}
	return b
}

func decodeUCS2(b []byte) (string, error) {
	if len(b)%2 != 0 {
		return "", fmt.Errorf("odd length %d of UTF-16 text", len(b))
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u)), nil
}

// toGUID accepts the uniqueidentifier value forms listed on Column.
func toGUID(v any) ([16]byte, error) {
	var g [16]byte
	switch x := v.(type) {
	case [16]byte:
		return x, nil
	case []byte:
		if len(x) != 16 {
			return g, fmt.Errorf("uniqueidentifier of %d bytes, want 16", len(x))
		}
		copy(g[:], x)
		return g, nil
	case string:
		h := strings.ReplaceAll(strings.Trim(x, "{}"), "-", "")
		if len(h) != 32 {
			return g, fmt.Errorf("invalid uniqueidentifier text %q", x)
		}
		if _, err := hex.Decode(g[:], []byte(h)); err != nil {
			return g, fmt.Errorf("invalid uniqueidentifier text %q: %w", x, err)
		}
		return g, nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Array && rv.Len() == 16 && rv.Type().Elem().Kind() == reflect.Uint8 {
		for i := range g {
			g[i] = byte(rv.Index(i).Uint())
		}
		return g, nil
	}
	return g, typeError(v, "[16]byte, []byte or string")
}

// guidToWire converts a canonical GUID to SQL Server's byte order, which
// stores the first three groups little-endian.
func guidToWire(g [16]byte) []byte {
	return []byte{
		g[3], g[2], g[1], g[0],
		g[5], g[4],
		g[7], g[6],
		g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15],
	}
}

// guidFromWire is the inverse of guidToWire.
func guidFromWire(b []byte) [16]byte {
	var g [16]byte
	copy(g[:], guidToWire([16]byte(b)))
	return g
}

// encodeVariant returns the whole sql_variant value including its 4-byte
// length (MS-TDS 2.2.5.5.4).
func encodeVariant(v any) ([]byte, error) {
	var base Column
	switch x := v.(type) {
	case Variant:
		base = x.Base
		var err error
		if v, err = resolveValuer(x.Value); err != nil {
			return nil, err
		}
		if v == nil {
			return binary.LittleEndian.AppendUint32(nil, 0), nil
		}
	case bool:
		base = Column{Type: TypeBit}
	case float64:
		base = Column{Type: TypeFloat}
	case float32:
		base = Column{Type: TypeReal}
	case string:
		base = Column{Type: TypeNVarChar, Length: max(1, utf16Len(x))}
	case []byte:
		base = Column{Type: TypeVarBinary, Length: max(1, len(x))}
	case time.Time:
		base = Column{Type: TypeDateTime2, Scale: 7}
	default:
		if _, ok := toInt64(v); !ok {
			return nil, typeError(v, "Variant, bool, an integer, float64, string, []byte or time.Time")
		}
		base = Column{Type: TypeBigInt}
	}
	base.Nullable = false // base types use their fixed-length encodings
	switch base.Type {
	case TypeText, TypeNText, TypeImage, TypeXML, TypeVariant, TypeHierarchyID, TypeGeometry, TypeGeography:
		return nil, fmt.Errorf("%s cannot be the base type of sql_variant", base.Type)
	}
	if base.Length == MaxLength {
		return nil, fmt.Errorf("%s cannot be the base type of sql_variant", base.Decl())
	}
	w, err := newWireColumn(base)
	if err != nil {
		return nil, err
	}
	data, err := w.encodeData(v)
	if err != nil {
		return nil, err
	}
	var props []byte
	switch w.id {
	case tdsTimeN, tdsDateTime2N, tdsDateTimeOffset:
		props = []byte{w.Scale}
	case tdsDecimalN, tdsNumericN:
		props = []byte{w.prec, w.Scale}
	case tdsBigBinary, tdsBigVarBin:
		props = binary.LittleEndian.AppendUint16(nil, uint16(w.size))
	case tdsBigChar, tdsBigVarChar, tdsNChar, tdsNVarChar:
		coll := w.coll.wire()
		props = binary.LittleEndian.AppendUint16(coll[:], uint16(w.size))
	}
	b := binary.LittleEndian.AppendUint32(nil, uint32(2+len(props)+len(data)))
	b = append(b, w.id, byte(len(props)))
	b = append(b, props...)
	return append(b, data...), nil
}
