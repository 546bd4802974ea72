package mssql

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ColumnType describes the SQL Server type of a column (or of a sql_variant's
// base type).
type ColumnType struct {
	// Name is the system type name, lowercase: bit, tinyint, smallint, int,
	// bigint, decimal, numeric, money, smallmoney, real, float, date, time,
	// datetime2, datetimeoffset, datetime, smalldatetime, char, varchar,
	// text, nchar, nvarchar, ntext, xml, binary, varbinary, image,
	// uniqueidentifier, sql_variant, hierarchyid, geometry or geography.
	// Upper case letters are accepted, and sysname is taken as nvarchar(128).
	Name string
	// MaxLength is the length in bytes as in sys.columns.max_length, or -1
	// for (max) types.
	MaxLength int
	// Precision is the total number of digits of decimal and numeric; 0
	// stands for 18, the T-SQL default.
	Precision uint8
	// Scale is the number of fractional digits of decimal and numeric, and
	// the number of fractional-second digits of time, datetime2 and
	// datetimeoffset.
	Scale uint8
}

// TypeDecl returns the type as written in DDL: "decimal(19,4)",
// "nvarchar(max)", "datetime2(7)", "varbinary(16)", "float" (float(53)),
// "real", and so on. The lengths of nchar and nvarchar are characters, that
// is MaxLength/2. A length of 0 is written as 1, never left out, because a
// CAST to varchar without a length means varchar(30).
func (t ColumnType) TypeDecl() string {
	return string(litAppendTypeDecl(nil, t.norm()))
}

// Variant is a sql_variant value with its base type, as the scripter reads it
// with SQL_VARIANT_PROPERTY(v, 'BaseType'), 'Precision', 'Scale' and
// 'MaxLength'. Value is the value go-mssqldb returns for the column (the
// canonical Go value of Base, see AppendLiteral); a nil Value is NULL.
type Variant struct {
	Base  ColumnType
	Value any
}

// ErrUnsupportedType is returned (wrapped) by AppendLiteral and ParseLiteral
// for a type they cannot render, such as timestamp or a user-defined CLR type
// other than hierarchyid, geometry and geography.
var ErrUnsupportedType = errors.New("unsupported type")

// litMaxNonMaxChars is the length in characters above which an nvarchar
// expression must be of type nvarchar(max): concatenating non-max operands
// silently truncates the result to 4000 characters.
const litMaxNonMaxChars = 4000

// litMaxTermsPerGroup bounds the number of operands of one chain of string
// concatenations; longer chains are grouped in parentheses, so that the
// depth of the expression tree SQL Server builds grows only logarithmically
// with the number of line breaks in a string.
const litMaxTermsPerGroup = 64

// litMaxParseDepth bounds the nesting of parentheses and CASTs that
// ParseLiteral follows.
const litMaxParseDepth = 32

// norm returns t with its name in lower case and sysname resolved.
func (t ColumnType) norm() ColumnType {
	t.Name = strings.ToLower(strings.TrimSpace(t.Name))
	if t.Name == "sysname" {
		t.Name = "nvarchar"
		if t.MaxLength == 0 {
			t.MaxLength = 256
		}
	}
	return t
}

// precision returns the precision of a decimal or numeric type, resolving
// the default.
func (t ColumnType) precision() uint8 {
	if t.Precision == 0 {
		return 18
	}
	return t.Precision
}

// maxChars returns the declared length of a character or binary type in
// characters (bytes for char, varchar, binary and varbinary; UTF-16 code
// units for nchar and nvarchar), or -1 for (max) and the LOB types.
func (t ColumnType) maxChars() int {
	n := t.MaxLength
	switch t.Name {
	case "char", "varchar", "binary", "varbinary":
	case "nchar", "nvarchar":
		if n > 0 {
			n /= 2
		}
	default:
		return -1
	}
	if n < 0 {
		return -1
	}
	if n == 0 {
		return 1
	}
	return n
}

func litAppendTypeDecl(dst []byte, t ColumnType) []byte {
	dst = append(dst, t.Name...)
	switch t.Name {
	case "decimal", "numeric":
		dst = append(dst, '(')
		dst = strconv.AppendUint(dst, uint64(t.precision()), 10)
		dst = append(dst, ',')
		dst = strconv.AppendUint(dst, uint64(t.Scale), 10)
		dst = append(dst, ')')
	case "time", "datetime2", "datetimeoffset":
		dst = append(dst, '(')
		dst = strconv.AppendUint(dst, uint64(t.Scale), 10)
		dst = append(dst, ')')
	case "char", "varchar", "binary", "varbinary", "nchar", "nvarchar":
		if n := t.maxChars(); n < 0 {
			dst = append(dst, "(max)"...)
		} else {
			dst = append(dst, '(')
			dst = strconv.AppendInt(dst, int64(n), 10)
			dst = append(dst, ')')
		}
	}
	return dst
}

// ParseTypeDecl parses a type declaration as TypeDecl writes it, such as
// "decimal(19,4)", "nvarchar(max)" or "int", into a ColumnType. Only the
// fields the declaration spells out are set: MaxLength (in bytes, -1 for
// max) for the character and binary types, Precision and Scale for decimal
// and numeric, Scale for time, datetime2 and datetimeoffset. "float(n)" is
// read as real for n up to 24 and as float otherwise, as SQL Server does.
func ParseTypeDecl(decl string) (ColumnType, error) {
	t, err := litParseTypeDecl(decl)
	if err != nil {
		return ColumnType{}, fmt.Errorf("mssql: parsing type %s: %w", litQuoteShort(decl), err)
	}
	return t, nil
}

func litParseTypeDecl(decl string) (ColumnType, error) {
	name, args, hasArgs := decl, "", false
	if i := strings.IndexByte(decl, '('); i >= 0 {
		if !strings.HasSuffix(decl, ")") {
			return ColumnType{}, errors.New("unbalanced parenthesis")
		}
		name, args, hasArgs = decl[:i], decl[i+1:len(decl)-1], true
	}
	t := ColumnType{Name: name}.norm()
	if t.Name != name && name != "sysname" {
		return ColumnType{}, errors.New("type name not in canonical lower case")
	}
	switch t.Name {
	case "bit", "tinyint", "smallint", "int", "bigint", "money", "smallmoney",
		"real", "date", "datetime", "smalldatetime", "text", "ntext", "xml",
		"image", "uniqueidentifier", "sql_variant", "hierarchyid", "geometry",
		"geography":
		if hasArgs {
			return ColumnType{}, fmt.Errorf("%s takes no arguments", t.Name)
		}
	case "nvarchar":
		if name == "sysname" {
			if hasArgs {
				return ColumnType{}, errors.New("sysname takes no arguments")
			}
			return t, nil
		}
		fallthrough
	case "char", "varchar", "binary", "varbinary", "nchar":
		if !hasArgs {
			return ColumnType{}, fmt.Errorf("%s needs a length", t.Name)
		}
		if args == "max" {
			if t.Name == "char" || t.Name == "nchar" || t.Name == "binary" {
				return ColumnType{}, fmt.Errorf("%s cannot be (max)", t.Name)
			}
			t.MaxLength = -1
			break
		}
		n, ok := litParseSmallUint(args, 8000)
		if !ok || n == 0 {
			return ColumnType{}, fmt.Errorf("invalid length %q", args)
		}
		if t.Name == "nchar" || t.Name == "nvarchar" {
			if n > 4000 {
				return ColumnType{}, fmt.Errorf("invalid length %q", args)
			}
			n *= 2
		}
		t.MaxLength = n
	case "decimal", "numeric":
		if !hasArgs {
			return ColumnType{}, fmt.Errorf("%s needs a precision", t.Name)
		}
		ps, ss, ok := strings.Cut(args, ",")
		p, pok := litParseSmallUint(ps, 38)
		s, sok := litParseSmallUint(ss, 38)
		if !ok || !pok || !sok || p == 0 || s > p {
			return ColumnType{}, fmt.Errorf("invalid precision and scale %q", args)
		}
		t.Precision, t.Scale = uint8(p), uint8(s)
	case "time", "datetime2", "datetimeoffset":
		if !hasArgs {
			return ColumnType{}, fmt.Errorf("%s needs a scale", t.Name)
		}
		s, ok := litParseSmallUint(args, 7)
		if !ok {
			return ColumnType{}, fmt.Errorf("invalid scale %q", args)
		}
		t.Scale = uint8(s)
	case "float":
		if hasArgs {
			n, ok := litParseSmallUint(args, 53)
			if !ok || n == 0 {
				return ColumnType{}, fmt.Errorf("invalid float precision %q", args)
			}
			if n <= 24 {
				t.Name = "real"
			}
		}
	default:
		return ColumnType{}, fmt.Errorf("%w %q", ErrUnsupportedType, name)
	}
	return t, nil
}

// litParseSmallUint parses a decimal number of at most 4 digits without sign
// or leading zeros, not above max.
func litParseSmallUint(s string, max int) (int, bool) {
	if len(s) == 0 || len(s) > 4 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, n <= max
}

// litCheckType reports whether t is a type AppendLiteral and ParseLiteral know,
// with valid precision, scale and length.
func litCheckType(t ColumnType) error {
	switch t.Name {
	case "bit", "tinyint", "smallint", "int", "bigint", "money", "smallmoney",
		"real", "float", "date", "datetime", "smalldatetime", "text", "ntext",
		"xml", "image", "uniqueidentifier", "sql_variant", "hierarchyid",
		"geometry", "geography":
	case "decimal", "numeric":
		if t.precision() > 38 || t.Scale > t.precision() {
			return fmt.Errorf("invalid precision %d and scale %d", t.Precision, t.Scale)
		}
	case "time", "datetime2", "datetimeoffset":
		if t.Scale > 7 {
			return fmt.Errorf("invalid fractional-second scale %d", t.Scale)
		}
	case "char", "varchar", "binary", "varbinary", "nchar", "nvarchar":
		if t.MaxLength < -1 {
			return fmt.Errorf("invalid max_length %d", t.MaxLength)
		}
	default:
		return fmt.Errorf("%w %q", ErrUnsupportedType, t.Name)
	}
	return nil
}

// litIsVariantBase reports whether SQL Server allows t as the base type of a
// sql_variant value.
func litIsVariantBase(t ColumnType) bool {
	switch t.Name {
	case "bit", "tinyint", "smallint", "int", "bigint", "decimal", "numeric",
		"money", "smallmoney", "real", "float", "date", "time", "datetime2",
		"datetimeoffset", "datetime", "smalldatetime", "uniqueidentifier":
		return true
	case "char", "varchar", "nchar", "nvarchar", "binary", "varbinary":
		return t.MaxLength != -1
	}
	return false
}

// litCastWrapped reports whether AppendLiteral writes values of t inside
// CAST(... AS type).
func litCastWrapped(name string) bool {
	switch name {
	case "date", "time", "datetime2", "datetimeoffset", "datetime", "smalldatetime",
		"hierarchyid", "geometry", "geography":
		return true
	}
	return false
}

// AppendLiteral appends to dst the T-SQL literal for v, a value as
// github.com/microsoft/go-mssqldb v1.11.2 returns it through database/sql
// (scanned into *any) for a column of type t. nil renders NULL, whatever t.
// Run by sqlcmd or SSMS, the literal gives back exactly v: no value is ever
// rounded, and a value that SQL Server could not store exactly is an error.
//
// The canonical Go value of each type (what the driver returns and what
// ParseLiteral gives back) and the literal written for it:
//
//   - bit: bool; 1 or 0.
//   - tinyint, smallint, int, bigint: int64 (any Go integer type is accepted),
//     range checked; decimal text such as -9223372036854775808, which T-SQL
//     reads as a numeric constant that converts to bigint exactly.
//   - decimal, numeric: []byte holding the decimal text as the driver formats
//     it: an optional minus sign, the integer digits without leading zeros
//     ("0" when there are none), and, when Scale > 0, a point and exactly
//     Scale digits, as in "-12.3400". A string, a leading plus sign, leading
//     zeros, and fewer or extra trailing zero fraction digits are accepted;
//     anything but plain decimal digits is an error, as is a value with more
//     integer digits than Precision-Scale or non-zero digits beyond Scale.
//     The literal is the canonical text (never through float).
//   - money, smallmoney: the same as decimal(19,4) and decimal(10,4), range
//     checked (-922337203685477.5808 to 922337203685477.5807 and -214748.3648
//     to 214748.3647).
//   - float: float64; real: float64 holding a float32 value (float32 is
//     accepted too). The shortest text that reads back as the same value at
//     the type's own precision, always with an exponent so that T-SQL reads
//     a float constant: 5E0, -1.5E-07, 1.7976931348623157E+308. A real is
//     parsed by SQL Server as float and then rounded to real; for the one
//     float32 value where that double rounding goes wrong (7.038531e-26) the
//     float64 text is written instead. NaN and infinities are errors.
//   - date: time.Time at midnight in UTC; CAST(N'2024-01-02' AS date).
//   - time: time.Time on 0001-01-01 in UTC (the date is ignored);
//     CAST(N'03:04:05.1234567' AS time(7)), with exactly Scale fractional
//     digits.
//   - datetime2: time.Time in UTC;
//     CAST(N'2024-01-02T03:04:05.1234567' AS datetime2(7)).
//   - datetimeoffset: time.Time in a time.FixedZone("", offset) holding the
//     local time; CAST(N'2024-01-02T03:04:05.1234567+14:00' AS
//     datetimeoffset(7)). The offset must be whole minutes within ±14:00.
//   - datetime: time.Time in UTC whose milliseconds are those the driver
//     gives for a 1/300 s tick (.000, .003, .007, .010, ... .997);
//     CAST(N'1753-01-01T00:00:00.003' AS datetime). SQL Server rounds the
//     milliseconds to the nearest tick, which is the very tick they came
//     from.
//   - smalldatetime: time.Time in UTC on a whole minute;
//     CAST(N'2079-06-06T23:59:00' AS smalldatetime).
//   - char, varchar, text, nchar, nvarchar, ntext, xml: string (valid
//     UTF-8); N'...' with quotes doubled. Line breaks and other control
//     characters (C0 but tab, DEL, C1, U+2028, U+2029) are written as
//     NCHAR(n) and the sequence "$(" is split, joined with +, so that the
//     output holds no raw line break (sqlcmd and SSMS would take a line GO
//     inside a string for a batch separator) and no "$(" (sqlcmd would
//     substitute a variable): N'a' + NCHAR(13) + NCHAR(10) + N'GO'. A
//     backslash is never followed by a quote: go-sqlcmd takes a backslash in
//     a string for an escape, so that N'C:\' would not end for it and the
//     GO lines after it would be swallowed; a backslash before a quote or at
//     the end of a quoted run (and so each of a run of backslashes there)
//     is written as NCHAR(92): N'C:' + NCHAR(92). The expression is
//     nvarchar whatever the column's type: a char, varchar or text column
//     (or a varchar sql_variant) gets it converted to its code page, in
//     which the backslash is byte 92 (shown as a yen or won sign in Japanese
//     and Korean fonts, but the same character). When the
//     string is longer than 4000 UTF-16 code units the first operand is
//     CAST(... AS nvarchar(max)), so that the concatenation is not truncated,
//     and chains of more than 64 operands are grouped in parentheses.
//     Characters outside the BMP are written as they are (the script must be
//     read as UTF-8 or UTF-16).
//   - binary, varbinary, image: []byte; 0x followed by upper-case hex, 0x for
//     an empty value. A nil []byte is NULL.
//   - uniqueidentifier: []byte of 16 bytes in SQL Server's mixed-endian order
//     as the driver returns it (without the "guid conversion" connection
//     option); N'6F9619FF-8B86-D011-B42D-00C04FC964FF'.
//   - sql_variant: Variant (or *Variant) whose Value is the canonical value
//     of its Base type; CAST(<literal of Base> AS <Base.TypeDecl()>), itself
//     cast to sql_variant: CAST(CAST(N'2024-01-02' AS date) AS sql_variant),
//     CAST(CAST(N'abc' AS varchar(10)) AS sql_variant). The outer CAST
//     matters in a multi-row INSERT ... VALUES, whose rows SQL Server first
//     combines as UNION ALL does: without it, values of different base types
//     (or of different precision, scale or length) would be converted to the
//     type of highest precedence, failing or changing their base type. A
//     nil Value is NULL.
//   - hierarchyid, geometry, geography: []byte holding the CLR binary form;
//     CAST(0x5BC0 AS hierarchyid).
//
// The lengths of nchar, nvarchar, binary and varbinary values are checked
// against MaxLength (unless -1), because a CAST would silently truncate.
//
// On error dst is returned unchanged (up to its length) with an error that
// names the type.
func AppendLiteral(dst []byte, t ColumnType, v any) ([]byte, error) {
	return appendLiteralNorm(dst, t.norm(), v)
}

// appendLiteralNorm is AppendLiteral for a type already normalized
// (ColumnType.norm), which the scripter does once per column rather than
// once per value.
func appendLiteralNorm(dst []byte, t ColumnType, v any) ([]byte, error) {
	if v == nil {
		return append(dst, "NULL"...), nil
	}
	out, err := litAppendLiteral(dst, t, v)
	if err != nil {
		return dst, fmt.Errorf("mssql: rendering %s literal: %w", litAppendTypeDecl(nil, t), err)
	}
	return out, nil
}

func litAppendLiteral(dst []byte, t ColumnType, v any) ([]byte, error) {
	if err := litCheckType(t); err != nil {
		return dst, err
	}
	switch t.Name {
	case "sql_variant":
		var vr Variant
		switch x := v.(type) {
		case Variant:
			vr = x
		case *Variant:
			if x == nil {
				return append(dst, "NULL"...), nil
			}
			vr = *x
		default:
			return dst, fmt.Errorf("got %T, want a Variant naming the base type", v)
		}
		if vr.Value == nil || litIsNilBytes(vr.Value) {
			return append(dst, "NULL"...), nil
		}
		base := vr.Base.norm()
		if err := litCheckType(base); err != nil {
			return dst, fmt.Errorf("base type: %w", err)
		}
		if !litIsVariantBase(base) {
			return dst, fmt.Errorf("%s cannot be the base type of a sql_variant", litAppendTypeDecl(nil, base))
		}
		dst = append(dst, "CAST(CAST("...)
		var err error
		dst, err = litAppendBare(dst, base, vr.Value)
		if err != nil {
			return dst, fmt.Errorf("base type %s: %w", litAppendTypeDecl(nil, base), err)
		}
		dst = append(dst, " AS "...)
		dst = litAppendTypeDecl(dst, base)
		return append(dst, ") AS sql_variant)"...), nil
	}
	if litIsNilBytes(v) {
		return append(dst, "NULL"...), nil
	}
	if !litCastWrapped(t.Name) {
		return litAppendBare(dst, t, v)
	}
	dst = append(dst, "CAST("...)
	dst, err := litAppendBare(dst, t, v)
	if err != nil {
		return dst, err
	}
	dst = append(dst, " AS "...)
	dst = litAppendTypeDecl(dst, t)
	return append(dst, ')'), nil
}

func litIsNilBytes(v any) bool {
	b, ok := v.([]byte)
	return ok && b == nil
}

// litAppendBare appends the literal of v without the CAST that AppendLiteral
// puts around date and time and CLR values.
func litAppendBare(dst []byte, t ColumnType, v any) ([]byte, error) {
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
		lo, hi := litIntRange(t.Name)
		if n < lo || n > hi {
			return dst, fmt.Errorf("%d out of range %d to %d", n, lo, hi)
		}
		return strconv.AppendInt(dst, n, 10), nil
	case "decimal", "numeric", "money", "smallmoney":
		var text []byte
		switch x := v.(type) {
		case []byte:
			text = x
		case string:
			text = []byte(x)
		default:
			return dst, litTypeError(v, "[]byte or string holding decimal text")
		}
		return litAppendDecimal(dst, t, text)
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
		return litAppendFloat(dst, f, t.Name == "real")
	case "date", "time", "datetime2", "datetimeoffset", "datetime", "smalldatetime":
		tm, ok := v.(time.Time)
		if !ok {
			return dst, litTypeError(v, "time.Time")
		}
		return litAppendTime(dst, t, tm)
	case "char", "varchar", "text", "nchar", "nvarchar", "ntext", "xml":
		s, ok := v.(string)
		if !ok {
			return dst, litTypeError(v, "string")
		}
		if !utf8.ValidString(s) {
			return dst, errors.New("string is not valid UTF-8")
		}
		if n := t.maxChars(); n >= 0 && (t.Name == "nchar" || t.Name == "nvarchar") {
			if u := litUtf16Len(s); u > n {
				return dst, fmt.Errorf("string of %d UTF-16 code units longer than %d", u, n)
			}
		}
		return litAppendString(dst, s), nil
	case "binary", "varbinary", "image", "hierarchyid", "geometry", "geography":
		b, ok := v.([]byte)
		if !ok {
			return dst, litTypeError(v, "[]byte")
		}
		if n := t.maxChars(); n >= 0 && len(b) > n {
			return dst, fmt.Errorf("%d bytes longer than %d", len(b), n)
		}
		return litAppendHex(dst, b), nil
	case "uniqueidentifier":
		b, ok := v.([]byte)
		if !ok || len(b) != 16 {
			return dst, litTypeError(v, "16-byte []byte")
		}
		return litAppendGUID(dst, b), nil
	}
	return dst, fmt.Errorf("%w %q", ErrUnsupportedType, t.Name)
}

func litTypeError(v any, want string) error {
	return fmt.Errorf("got %T, want %s", v, want)
}

func litToInt64(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint:
		if uint64(x) > math.MaxInt64 {
			return 0, fmt.Errorf("%d out of range", x)
		}
		return int64(x), nil
	case uint64:
		if x > math.MaxInt64 {
			return 0, fmt.Errorf("%d out of range", x)
		}
		return int64(x), nil
	}
	return 0, litTypeError(v, "int64")
}

func litIntRange(name string) (lo, hi int64) {
	switch name {
	case "tinyint":
		return 0, math.MaxUint8
	case "smallint":
		return math.MinInt16, math.MaxInt16
	case "int":
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

// litDecimalSpec returns the precision and scale of a decimal-like type, and
// the range of the unscaled value for money and smallmoney.
func litDecimalSpec(t ColumnType) (prec, scale int, lo, hi int64, ranged bool) {
	switch t.Name {
	case "money":
		return 19, 4, math.MinInt64, math.MaxInt64, true
	case "smallmoney":
		return 10, 4, math.MinInt32, math.MaxInt32, true
	}
	return int(t.precision()), int(t.Scale), 0, 0, false
}

// litAppendDecimal validates the decimal text s for t and appends it in
// canonical form.
func litAppendDecimal(dst []byte, t ColumnType, s []byte) ([]byte, error) {
	prec, scale, lo, hi, ranged := litDecimalSpec(t)
	neg := false
	i := 0
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		i++
	}
	intStart := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	intDigits := s[intStart:i]
	var frac []byte
	if i < len(s) && s[i] == '.' {
		i++
		fracStart := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		frac = s[fracStart:i]
	}
	if i != len(s) || len(intDigits)+len(frac) == 0 {
		return dst, fmt.Errorf("%s is not a decimal number", litQuoteShort(string(s)))
	}
	for len(intDigits) > 0 && intDigits[0] == '0' {
		intDigits = intDigits[1:]
	}
	for len(frac) > scale && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	if len(frac) > scale {
		return dst, fmt.Errorf("%s has more than %d fractional digits", litQuoteShort(string(s)), scale)
	}
	if len(intDigits) > prec-scale {
		return dst, fmt.Errorf("%s has more than %d integer digits", litQuoteShort(string(s)), prec-scale)
	}
	zero := len(intDigits) == 0 && len(bytes.Trim(frac, "0")) == 0
	if ranged {
		// The unscaled value has at most 19 digits (precision 19).
		var u [40]byte
		n := copy(u[:], intDigits)
		n += copy(u[n:], frac)
		for k := len(frac); k < scale; k++ {
			u[n] = '0'
			n++
		}
		text := string(u[:n])
		if neg {
			text = "-" + text
		}
		x, err := strconv.ParseInt(text, 10, 64)
		if err != nil || x < lo || x > hi {
			return dst, fmt.Errorf("%s out of range for %s", litQuoteShort(string(s)), t.Name)
		}
	}
	if neg && !zero {
		dst = append(dst, '-')
	}
	if len(intDigits) == 0 {
		dst = append(dst, '0')
	} else {
		dst = append(dst, intDigits...)
	}
	if scale > 0 {
		dst = append(dst, '.')
		dst = append(dst, frac...)
		for k := len(frac); k < scale; k++ {
			dst = append(dst, '0')
		}
	}
	return dst, nil
}

// litAppendFloat appends f as a T-SQL float constant that reads back exactly,
// at float32 precision if real is set.
func litAppendFloat(dst []byte, f float64, real bool) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, fmt.Errorf("%v cannot be stored", f)
	}
	bits := 64
	if real {
		if float64(float32(f)) != f {
			return dst, fmt.Errorf("%v is not a real (float32) value", f)
		}
		bits = 32
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'g', -1, bits)
	if real {
		// SQL Server reads the constant as float(53) and rounds that to
		// real: make sure this double rounding lands on f.
		g, err := strconv.ParseFloat(string(dst[start:]), 64)
		if err != nil || float32(g) != float32(f) {
			dst = strconv.AppendFloat(dst[:start], f, 'g', -1, 64)
		}
	}
	if i := bytes.IndexByte(dst[start:], 'e'); i >= 0 {
		dst[start+i] = 'E'
	} else {
		dst = append(dst, "E0"...)
	}
	return dst, nil
}

// litAppendTime appends the ISO 8601 text of tm for t in N'...'.
func litAppendTime(dst []byte, t ColumnType, tm time.Time) ([]byte, error) {
	y, mo, d := tm.Date()
	h, mi, s := tm.Clock()
	ns := tm.Nanosecond()
	dst = append(dst, "N'"...)
	switch t.Name {
	case "date":
		if h != 0 || mi != 0 || s != 0 || ns != 0 {
			return dst, fmt.Errorf("%s has a time of day", tm.Format(time.RFC3339Nano))
		}
		if y < 1 || y > 9999 {
			return dst, fmt.Errorf("%s out of range", tm.Format(time.RFC3339Nano))
		}
		dst = litAppendDate(dst, y, mo, d)
	case "time":
		if err := litCheckFraction(ns, int(t.Scale)); err != nil {
			return dst, err
		}
		dst = litAppendClock(dst, h, mi, s, ns, int(t.Scale))
	case "datetime2", "datetimeoffset":
		if err := litCheckFraction(ns, int(t.Scale)); err != nil {
			return dst, err
		}
		if y < 1 || y > 9999 {
			return dst, fmt.Errorf("%s out of range", tm.Format(time.RFC3339Nano))
		}
		dst = litAppendDate(dst, y, mo, d)
		dst = append(dst, 'T')
		dst = litAppendClock(dst, h, mi, s, ns, int(t.Scale))
		if t.Name == "datetimeoffset" {
			_, off := tm.Zone()
			if off%60 != 0 || off < -14*3600 || off > 14*3600 {
				return dst, fmt.Errorf("zone offset %ds is not whole minutes within ±14:00", off)
			}
			if uy := tm.UTC().Year(); uy < 1 || uy > 9999 {
				return dst, fmt.Errorf("%s out of range in UTC", tm.Format(time.RFC3339Nano))
			}
			dst = litAppendOffset(dst, off/60)
		}
	case "datetime":
		if ns%1e6 != 0 {
			return dst, fmt.Errorf("%s is not on a datetime tick", tm.Format(time.RFC3339Nano))
		}
		ms := ns / 1e6
		if litDriverMillis(litDatetimeTick(ms)) != ms {
			return dst, fmt.Errorf("%s is not on a datetime tick (milliseconds .%03d are never returned for datetime)", tm.Format(time.RFC3339Nano), ms)
		}
		if y < 1753 || y > 9999 {
			return dst, fmt.Errorf("%s out of range 1753-01-01 to 9999-12-31", tm.Format(time.RFC3339Nano))
		}
		dst = litAppendDate(dst, y, mo, d)
		dst = append(dst, 'T')
		dst = litAppendClock(dst, h, mi, s, ns, 3)
	case "smalldatetime":
		if s != 0 || ns != 0 {
			return dst, fmt.Errorf("%s is not a whole minute", tm.Format(time.RFC3339Nano))
		}
		if !litInSmallDateTimeRange(y, mo, d) {
			return dst, fmt.Errorf("%s out of range 1900-01-01 to 2079-06-06", tm.Format(time.RFC3339Nano))
		}
		dst = litAppendDate(dst, y, mo, d)
		dst = append(dst, 'T')
		dst = litAppendClock(dst, h, mi, s, 0, 0)
	}
	return append(dst, '\''), nil
}

func litInSmallDateTimeRange(y int, mo time.Month, d int) bool {
	if y < 1900 || y > 2079 {
		return false
	}
	return y < 2079 || mo < time.June || (mo == time.June && d <= 6)
}

// litCheckFraction reports an error if ns has more fractional-second digits
// than scale.
func litCheckFraction(ns, scale int) error {
	if ns%litPow10(9-scale) != 0 {
		return fmt.Errorf("fractional seconds .%09d have more than %d digits", ns, scale)
	}
	return nil
}

func litPow10(n int) int {
	p := 1
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}

// litDatetimeTick returns the 1/300 s tick SQL Server stores for a datetime
// with the given milliseconds: the nearest one, halves rounded up
// (.998 is tick 299, shown .997; .999 is tick 300, the next second).
func litDatetimeTick(ms int) int {
	return (ms*3 + 5) / 10
}

// litDriverMillis returns the milliseconds go-mssqldb (and SSMS) give for a
// datetime tick: the tick in milliseconds rounded to the nearest, which
// never is a tie.
func litDriverMillis(tick int) int {
	return (tick*20 + 3) / 6
}

func litAppendDigits(dst []byte, n, width int) []byte {
	var b [9]byte
	for i := width - 1; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return append(dst, b[:width]...)
}

func litAppendDate(dst []byte, y int, mo time.Month, d int) []byte {
	dst = litAppendDigits(dst, y, 4)
	dst = append(dst, '-')
	dst = litAppendDigits(dst, int(mo), 2)
	dst = append(dst, '-')
	return litAppendDigits(dst, d, 2)
}

// litAppendClock appends hh:mm:ss and, when scale > 0, a point and scale
// fractional digits of ns.
func litAppendClock(dst []byte, h, mi, s, ns, scale int) []byte {
	dst = litAppendDigits(dst, h, 2)
	dst = append(dst, ':')
	dst = litAppendDigits(dst, mi, 2)
	dst = append(dst, ':')
	dst = litAppendDigits(dst, s, 2)
	if scale > 0 {
		dst = append(dst, '.')
		dst = litAppendDigits(dst, ns/litPow10(9-scale), scale)
	}
	return dst
}

func litAppendOffset(dst []byte, mins int) []byte {
	if mins < 0 {
		dst = append(dst, '-')
		mins = -mins
	} else {
		dst = append(dst, '+')
	}
	dst = litAppendDigits(dst, mins/60, 2)
	dst = append(dst, ':')
	return litAppendDigits(dst, mins%60, 2)
}

const litHexDigits = "0123456789ABCDEF"

func litAppendHex(dst []byte, b []byte) []byte {
	dst = append(dst, "0x"...)
	for _, c := range b {
		dst = append(dst, litHexDigits[c>>4], litHexDigits[c&0x0F])
	}
	return dst
}

// litGuidTextOrder lists, for each byte of the canonical text form of a GUID,
// the index of that byte in SQL Server's mixed-endian storage order (which
// go-mssqldb returns): the first three groups are little-endian.
var litGuidTextOrder = [16]int{3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15}

func litAppendGUID(dst []byte, b []byte) []byte {
	dst = append(dst, "N'"...)
	for i, k := range litGuidTextOrder {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, litHexDigits[b[k]>>4], litHexDigits[b[k]&0x0F])
	}
	return append(dst, '\'')
}

// litMustEscape reports whether r is written as NCHAR(r) rather than inside a
// quoted string: line breaks of any kind, which would let a line of string
// data read as a batch separator, and the other control characters, which
// tools may mangle.
func litMustEscape(r rune) bool {
	return (r < 0x20 && r != '\t') || (r >= 0x7F && r <= 0x9F) || r == 0x2028 || r == 0x2029
}

func litUtf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// AppendStringLiteral appends to dst the T-SQL expression for the nvarchar
// value s, as AppendLiteral writes character values: N'...' with quotes
// doubled, line breaks, control characters, "$(" and a backslash that
// would stand before a quote taken out of the quotes so that neither
// sqlcmd (ODBC or go-sqlcmd) nor SSMS can misread the script. s must be
// valid UTF-8.
func AppendStringLiteral(dst []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return dst, errors.New("mssql: rendering string literal: not valid UTF-8")
	}
	return litAppendString(dst, s), nil
}

// litAppendString appends the literal of s, which is valid UTF-8.
func litAppendString(dst []byte, s string) []byte {
	split := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\t' || c == 0x7F || c == 0xC2 || c == 0xE2 || (c == '(' && i > 0 && s[i-1] == '$') ||
			c == '\\' && (i+1 == len(s) || s[i+1] == '\'') {
			split = true
			break
		}
	}
	if split {
		// C2 and E2 lead the UTF-8 forms of C1 controls and U+2028/9; look
		// closer before taking the slow path.
		split = false
		for i, r := range s {
			if litMustEscape(r) || (r == '(' && i > 0 && s[i-1] == '$') || r == '\\' && (i+1 == len(s) || s[i+1] == '\'') {
				split = true
				break
			}
		}
	}
	if !split {
		dst = append(dst, "N'"...)
		dst = litAppendQuoted(dst, s)
		return append(dst, '\'')
	}
	terms := litSplitTerms(s)
	return litAppendTerms(dst, s, terms)
}

func litAppendQuoted(dst []byte, s string) []byte {
	for {
		i := strings.IndexByte(s, '\'')
		if i < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:i+1]...)
		dst = append(dst, '\'')
		s = s[i+1:]
	}
}

// litStrTerm is one operand of a concatenation: s[start:end] in quotes, or
// NCHAR(r) when end < 0.
type litStrTerm struct {
	start, end int
	r          rune
	units      int // length in UTF-16 code units
}

func litSplitTerms(s string) []litStrTerm {
	var terms []litStrTerm
	runStart, units := -1, 0
	// The run of backslashes that ends at bsEnd goes outside the quotes if
	// bsOut: it would end a quoted run, or stand before a quote.
	bsEnd, bsOut := 0, false
	flush := func(end int) {
		if runStart >= 0 {
			terms = append(terms, litStrTerm{start: runStart, end: end, units: units})
			runStart, units = -1, 0
		}
	}
	for i, r := range s {
		if r == '\\' && i >= bsEnd {
			bsEnd = i
			for bsEnd < len(s) && s[bsEnd] == '\\' {
				bsEnd++
			}
			next, _ := utf8.DecodeRuneInString(s[bsEnd:])
			bsOut = bsEnd == len(s) || next == '\'' || litMustEscape(next)
		}
		switch {
		case litMustEscape(r) || r == '\\' && bsOut:
			flush(i)
			terms = append(terms, litStrTerm{end: -1, r: r, units: 1})
			continue
		case r == '(' && i > 0 && s[i-1] == '$':
			flush(i)
		}
		if runStart < 0 {
			runStart = i
		}
		if r >= 0x10000 {
			units += 2
		} else {
			units++
		}
	}
	flush(len(s))
	return terms
}

// litAppendTerms appends the concatenation of terms, grouped so that no chain
// has more than litMaxTermsPerGroup operands, with the first operand of every
// chain longer than litMaxNonMaxChars cast to nvarchar(max).
func litAppendTerms(dst []byte, s string, terms []litStrTerm) []byte {
	if len(terms) == 1 {
		return litAppendTerm(dst, s, terms[0])
	}
	// Split into at most litMaxTermsPerGroup groups of equal size.
	size := 1
	for (len(terms)+size-1)/size > litMaxTermsPerGroup {
		size *= litMaxTermsPerGroup
	}
	total := 0
	for _, t := range terms {
		total += t.units
	}
	for g, i := 0, 0; i < len(terms); g, i = g+1, i+size {
		group := terms[i:min(i+size, len(terms))]
		if g > 0 {
			dst = append(dst, " + "...)
		}
		if g == 0 && total > litMaxNonMaxChars {
			dst = append(dst, "CAST("...)
		}
		if len(group) > 1 {
			dst = append(dst, '(')
			dst = litAppendTerms(dst, s, group)
			dst = append(dst, ')')
		} else {
			dst = litAppendTerm(dst, s, group[0])
		}
		if g == 0 && total > litMaxNonMaxChars {
			dst = append(dst, " AS nvarchar(max))"...)
		}
	}
	return dst
}

func litAppendTerm(dst []byte, s string, t litStrTerm) []byte {
	if t.end < 0 {
		dst = append(dst, "NCHAR("...)
		dst = strconv.AppendInt(dst, int64(t.r), 10)
		return append(dst, ')')
	}
	dst = append(dst, "N'"...)
	dst = litAppendQuoted(dst, s[t.start:t.end])
	return append(dst, '\'')
}

// litQuoteShort quotes s for an error message, shortened if long.
func litQuoteShort(s string) string {
	const max = 64
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}

// ParseLiteral parses what AppendLiteral produced back into the canonical Go
// value for t (the same canonical form AppendLiteral accepts, see there), for
// verification and tests: NULL gives nil, a sql_variant literal gives a
// Variant whose Base holds what its type declaration says (see
// ParseTypeDecl); the outer CAST to sql_variant may be left out.
//
// ParseLiteral models what SQL Server stores and go-mssqldb returns: a
// datetime's milliseconds are rounded to the 1/300 s tick as SQL Server
// rounds them, and a real constant is read as float and rounded to float32.
// It reads only the forms AppendLiteral writes (and small variations of
// them, such as lower-case hexadecimal digits) and returns an error for
// anything else, including values SQL Server would round or reject.
func ParseLiteral(t ColumnType, lit string) (any, error) {
	if lit == "NULL" {
		return nil, nil
	}
	t = t.norm()
	v, err := litParseLiteral(t, lit)
	if err != nil {
		return nil, fmt.Errorf("mssql: parsing %s literal %s: %w", litAppendTypeDecl(nil, t), litQuoteShort(lit), err)
	}
	return v, nil
}

func litParseLiteral(t ColumnType, lit string) (any, error) {
	if err := litCheckType(t); err != nil {
		return nil, err
	}
	if t.Name == "sql_variant" {
		inner, decl, ok := litCutCast(lit)
		if !ok {
			return nil, errors.New("not CAST(CAST(... AS type) AS sql_variant)")
		}
		if decl == "sql_variant" {
			inner, decl, ok = litCutCast(inner)
			if !ok {
				return nil, errors.New("not CAST(CAST(... AS type) AS sql_variant)")
			}
		}
		base, err := litParseTypeDecl(decl)
		if err != nil {
			return nil, err
		}
		if !litIsVariantBase(base) {
			return nil, fmt.Errorf("%s cannot be the base type of a sql_variant", decl)
		}
		v, err := litParseBare(base, inner)
		if err != nil {
			return nil, err
		}
		return Variant{Base: base, Value: v}, nil
	}
	if litCastWrapped(t.Name) {
		inner, decl, ok := litCutCast(lit)
		if !ok {
			return nil, errors.New("not CAST(... AS type)")
		}
		if want := litAppendTypeDecl(nil, t); decl != string(want) {
			return nil, fmt.Errorf("cast to %s, want %s", decl, want)
		}
		lit = inner
	}
	return litParseBare(t, lit)
}

// litCutCast splits "CAST(inner AS decl)"; the declaration holds no space, so
// the last " AS " ends the expression.
func litCutCast(s string) (inner, decl string, ok bool) {
	if !strings.HasPrefix(s, "CAST(") || !strings.HasSuffix(s, ")") {
		return "", "", false
	}
	s = s[len("CAST(") : len(s)-1]
	i := strings.LastIndex(s, " AS ")
	if i < 0 {
		return "", "", false
	}
	return s[:i], s[i+len(" AS "):], true
}

func litParseBare(t ColumnType, s string) (any, error) {
	switch t.Name {
	case "bit":
		switch s {
		case "1":
			return true, nil
		case "0":
			return false, nil
		}
		return nil, errors.New("bit is not 1 or 0")
	case "tinyint", "smallint", "int", "bigint":
		if !litIsInteger(s) {
			return nil, errors.New("not an integer")
		}
		n, err := strconv.ParseInt(s, 10, 64)
		lo, hi := litIntRange(t.Name)
		if err != nil || n < lo || n > hi {
			return nil, fmt.Errorf("out of range %d to %d", lo, hi)
		}
		return n, nil
	case "decimal", "numeric", "money", "smallmoney":
		b, err := litAppendDecimal(nil, t, []byte(s))
		if err != nil {
			return nil, err
		}
		return b, nil
	case "float", "real":
		if !litIsFloatConstant(s) {
			return nil, errors.New("not a float constant")
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, errors.New("out of range")
		}
		if t.Name == "real" {
			f32 := float32(f)
			if math.IsInf(float64(f32), 0) {
				return nil, errors.New("out of range for real")
			}
			f = float64(f32)
		}
		return f, nil
	case "date", "time", "datetime2", "datetimeoffset", "datetime", "smalldatetime":
		text, ok := litCutQuoted(s)
		if !ok {
			return nil, errors.New("not N'...'")
		}
		return litParseTime(t, text)
	case "char", "varchar", "text", "nchar", "nvarchar", "ntext", "xml":
		p := litStrParser{s: s}
		if err := p.expr(0); err != nil {
			return nil, err
		}
		if p.i != len(p.s) {
			return nil, fmt.Errorf("unexpected text at offset %d", p.i)
		}
		if !utf8.Valid(p.out) {
			return nil, errors.New("string is not valid UTF-8")
		}
		str := string(p.out)
		if n := t.maxChars(); n >= 0 && (t.Name == "nchar" || t.Name == "nvarchar") && litUtf16Len(str) > n {
			return nil, fmt.Errorf("string longer than %d UTF-16 code units", n)
		}
		return str, nil
	case "binary", "varbinary", "image", "hierarchyid", "geometry", "geography":
		b, err := litParseHex(s)
		if err != nil {
			return nil, err
		}
		if n := t.maxChars(); n >= 0 && len(b) > n {
			return nil, fmt.Errorf("%d bytes longer than %d", len(b), n)
		}
		return b, nil
	case "uniqueidentifier":
		text, ok := litCutQuoted(s)
		if !ok {
			return nil, errors.New("not N'...'")
		}
		return litParseGUID(text)
	}
	return nil, fmt.Errorf("%w %q", ErrUnsupportedType, t.Name)
}

func litIsDigit(c byte) bool { return c >= '0' && c <= '9' }

// litDigitsEnd returns the index after the run of digits at s[i:].
func litDigitsEnd(s string, i int) int {
	for i < len(s) && litIsDigit(s[i]) {
		i++
	}
	return i
}

// litIsInteger reports whether s is an optional minus sign and digits.
func litIsInteger(s string) bool {
	i := 0
	if len(s) > 0 && s[0] == '-' {
		i++
	}
	j := litDigitsEnd(s, i)
	return j > i && j == len(s)
}

// litIsFloatConstant reports whether s is a T-SQL float constant as
// AppendLiteral writes it: [-]digits[.digits]E[+-]digits.
func litIsFloatConstant(s string) bool {
	i := 0
	if len(s) > 0 && s[0] == '-' {
		i++
	}
	j := litDigitsEnd(s, i)
	if j == i {
		return false
	}
	if j < len(s) && s[j] == '.' {
		k := litDigitsEnd(s, j+1)
		if k == j+1 {
			return false
		}
		j = k
	}
	if j >= len(s) || s[j] != 'E' {
		return false
	}
	j++
	if j < len(s) && (s[j] == '+' || s[j] == '-') {
		j++
	}
	k := litDigitsEnd(s, j)
	return k > j && k == len(s)
}

// litCutQuoted returns the text of N'...' holding no quote.
func litCutQuoted(s string) (string, bool) {
	if len(s) < 3 || !strings.HasPrefix(s, "N'") || s[len(s)-1] != '\'' {
		return "", false
	}
	s = s[2 : len(s)-1]
	if strings.IndexByte(s, '\'') >= 0 {
		return "", false
	}
	return s, true
}

func litUnhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

func litParseHex(s string) ([]byte, error) {
	if !strings.HasPrefix(s, "0x") {
		return nil, errors.New("not 0x...")
	}
	s = s[2:]
	if len(s)%2 != 0 {
		return nil, errors.New("odd number of hexadecimal digits")
	}
	b := make([]byte, len(s)/2)
	for i := range b {
		hi, ok1 := litUnhex(s[2*i])
		lo, ok2 := litUnhex(s[2*i+1])
		if !ok1 || !ok2 {
			return nil, errors.New("invalid hexadecimal digit")
		}
		b[i] = hi<<4 | lo
	}
	return b, nil
}

func litParseGUID(s string) ([]byte, error) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return nil, errors.New("not a GUID XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX")
	}
	hex := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	b := make([]byte, 16)
	for i, k := range litGuidTextOrder {
		hi, ok1 := litUnhex(hex[2*i])
		lo, ok2 := litUnhex(hex[2*i+1])
		if !ok1 || !ok2 {
			return nil, errors.New("invalid hexadecimal digit in GUID")
		}
		b[k] = hi<<4 | lo
	}
	return b, nil
}

// litFixedDigits parses exactly n digits at s[i:].
func litFixedDigits(s string, i, n int) (int, bool) {
	if i+n > len(s) {
		return 0, false
	}
	v := 0
	for k := i; k < i+n; k++ {
		if !litIsDigit(s[k]) {
			return 0, false
		}
		v = v*10 + int(s[k]-'0')
	}
	return v, true
}

// litParseDate parses YYYY-MM-DD at the start of s.
func litParseDate(s string) (y int, mo time.Month, d int, ok bool) {
	y, ok1 := litFixedDigits(s, 0, 4)
	m, ok2 := litFixedDigits(s, 5, 2)
	d, ok3 := litFixedDigits(s, 8, 2)
	if !ok1 || !ok2 || !ok3 || s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, false
	}
	if y < 1 || m < 1 || m > 12 || d < 1 || d > litDaysIn(time.Month(m), y) {
		return 0, 0, 0, false
	}
	return y, time.Month(m), d, true
}

func litDaysIn(m time.Month, y int) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// litParseClock parses hh:mm:ss[.f...] at the start of s, with at most
// maxFrac fractional digits, and returns the length it read.
func litParseClock(s string, maxFrac int) (h, mi, sec, ns, fracDigits, n int, ok bool) {
	h, ok1 := litFixedDigits(s, 0, 2)
	mi, ok2 := litFixedDigits(s, 3, 2)
	sec, ok3 := litFixedDigits(s, 6, 2)
	if !ok1 || !ok2 || !ok3 || s[2] != ':' || s[5] != ':' || h > 23 || mi > 59 || sec > 59 {
		return 0, 0, 0, 0, 0, 0, false
	}
	n = 8
	if n < len(s) && s[n] == '.' {
		end := litDigitsEnd(s, n+1)
		fracDigits = end - n - 1
		if fracDigits == 0 || fracDigits > maxFrac {
			return 0, 0, 0, 0, 0, 0, false
		}
		f, _ := litFixedDigits(s, n+1, fracDigits)
		ns = f * litPow10(9-fracDigits)
		n = end
	}
	return h, mi, sec, ns, fracDigits, n, true
}

func litParseTime(t ColumnType, s string) (time.Time, error) {
	bad := fmt.Errorf("%s is not a valid %s value", litQuoteShort(s), t.Name)
	switch t.Name {
	case "date":
		y, mo, d, ok := litParseDate(s)
		if !ok || len(s) != 10 {
			return time.Time{}, bad
		}
		return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC), nil
	case "time":
		h, mi, sec, ns, _, n, ok := litParseClock(s, 7)
		if !ok || n != len(s) {
			return time.Time{}, bad
		}
		if err := litCheckFraction(ns, int(t.Scale)); err != nil {
			return time.Time{}, err
		}
		return time.Date(1, 1, 1, h, mi, sec, ns, time.UTC), nil
	}
	y, mo, d, ok := litParseDate(s)
	if !ok || len(s) < 11 || s[10] != 'T' {
		return time.Time{}, bad
	}
	maxFrac := 7
	switch t.Name {
	case "datetime":
		maxFrac = 3
	case "smalldatetime":
		maxFrac = 0
	}
	h, mi, sec, ns, _, n, ok := litParseClock(s[11:], maxFrac)
	if !ok {
		return time.Time{}, bad
	}
	rest := s[11+n:]
	switch t.Name {
	case "datetime2", "datetimeoffset":
		if err := litCheckFraction(ns, int(t.Scale)); err != nil {
			return time.Time{}, err
		}
		if t.Name == "datetime2" {
			if rest != "" {
				return time.Time{}, bad
			}
			return time.Date(y, mo, d, h, mi, sec, ns, time.UTC), nil
		}
		oh, ok1 := litFixedDigits(rest, 1, 2)
		om, ok2 := litFixedDigits(rest, 4, 2)
		if len(rest) != 6 || !ok1 || !ok2 || (rest[0] != '+' && rest[0] != '-') || rest[3] != ':' || om > 59 {
			return time.Time{}, bad
		}
		off := oh*60 + om
		if off > 14*60 {
			return time.Time{}, fmt.Errorf("zone offset %s out of range ±14:00", rest)
		}
		if rest[0] == '-' {
			off = -off
		}
		tm := time.Date(y, mo, d, h, mi, sec, ns, time.FixedZone("", off*60))
		if uy := tm.UTC().Year(); uy < 1 || uy > 9999 {
			return time.Time{}, fmt.Errorf("%s out of range in UTC", litQuoteShort(s))
		}
		return tm, nil
	case "datetime":
		if rest != "" {
			return time.Time{}, bad
		}
		// SQL Server rounds to the nearest 1/300 s tick; the driver shows
		// the tick in whole milliseconds.
		tick := litDatetimeTick(ns / 1e6)
		tm := time.Date(y, mo, d, h, mi, sec, 0, time.UTC)
		if tick == 300 {
			tm = tm.Add(time.Second)
		} else {
			tm = tm.Add(time.Duration(litDriverMillis(tick)) * time.Millisecond)
		}
		if tm.Year() < 1753 || tm.Year() > 9999 {
			return time.Time{}, fmt.Errorf("%s out of range 1753-01-01 to 9999-12-31", litQuoteShort(s))
		}
		return tm, nil
	case "smalldatetime":
		if rest != "" || sec != 0 {
			return time.Time{}, bad
		}
		if !litInSmallDateTimeRange(y, mo, d) {
			return time.Time{}, fmt.Errorf("%s out of range 1900-01-01 to 2079-06-06", litQuoteShort(s))
		}
		return time.Date(y, mo, d, h, mi, 0, 0, time.UTC), nil
	}
	return time.Time{}, bad
}

// litStrParser parses the string expressions litAppendString writes:
//
//	expr = term { " + " term }
//	term = "N'" chars "'" | "NCHAR(" digits ")" | "CAST(" expr " AS nvarchar(max))" | "(" expr ")"
//
// where chars hold no backslash before a quote.
type litStrParser struct {
	s   string
	i   int
	out []byte
}

func (p *litStrParser) expr(depth int) error {
	if depth > litMaxParseDepth {
		return errors.New("expression nested too deeply")
	}
	if err := p.term(depth); err != nil {
		return err
	}
	for strings.HasPrefix(p.s[p.i:], " + ") {
		p.i += len(" + ")
		if err := p.term(depth); err != nil {
			return err
		}
	}
	return nil
}

func (p *litStrParser) term(depth int) error {
	rest := p.s[p.i:]
	switch {
	case strings.HasPrefix(rest, "N'"):
		p.i += 2
		for {
			j := strings.IndexByte(p.s[p.i:], '\'')
			if j < 0 {
				return errors.New("unterminated string")
			}
			if j > 0 && p.s[p.i+j-1] == '\\' {
				// AppendLiteral never writes it: go-sqlcmd would read an
				// escaped quote.
				return fmt.Errorf("a backslash before a quote at offset %d", p.i+j-1)
			}
			p.out = append(p.out, p.s[p.i:p.i+j]...)
			p.i += j + 1
			if p.i < len(p.s) && p.s[p.i] == '\'' {
				p.out = append(p.out, '\'')
				p.i++
				continue
			}
			return nil
		}
	case strings.HasPrefix(rest, "NCHAR("):
		digits := rest[len("NCHAR("):litDigitsEnd(rest, len("NCHAR("))]
		j := len("NCHAR(") + len(digits)
		n, err := strconv.Atoi(digits)
		if err != nil || len(digits) > 5 || (len(digits) > 1 && digits[0] == '0') ||
			j >= len(rest) || rest[j] != ')' || n > 0xFFFF || (n >= 0xD800 && n <= 0xDFFF) {
			return errors.New("invalid NCHAR code")
		}
		p.out = utf8.AppendRune(p.out, rune(n))
		p.i += j + 1
		return nil
	case strings.HasPrefix(rest, "CAST("):
		p.i += len("CAST(")
		if err := p.expr(depth + 1); err != nil {
			return err
		}
		const suffix = " AS nvarchar(max))"
		if !strings.HasPrefix(p.s[p.i:], suffix) {
			return errors.New("CAST to other than nvarchar(max)")
		}
		p.i += len(suffix)
		return nil
	case strings.HasPrefix(rest, "("):
		p.i++
		if err := p.expr(depth + 1); err != nil {
			return err
		}
		if !strings.HasPrefix(p.s[p.i:], ")") {
			return errors.New("missing )")
		}
		p.i++
		return nil
	}
	return fmt.Errorf("unexpected text at offset %d", p.i)
}
