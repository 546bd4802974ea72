package mssqltest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	mssql "github.com/microsoft/go-mssqldb"
)

// typeCase sends values of one column type and states the exact driver
// values go-mssqldb must decode from them.
type typeCase struct {
	name   string
	col    Column
	send   []any
	want   []any  // driver.Value scanned into *any; nil for NULL
	dbType string // ColumnTypeDatabaseTypeName
}

func utc(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
	return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
}

// timeOfDay is how go-mssqldb returns time(n) values: on 0001-01-01 UTC.
func timeOfDay(h, mi, s, ns int) time.Time { return utc(1, 1, 1, h, mi, s, ns) }

func zone(hours, minutes int) *time.Location {
	return time.FixedZone("", (hours*60+minutes)*60)
}

func nines(n int) string { return strings.Repeat("9", n) }

// bigNVarChar is about 5 MB of UTF-16, with characters outside the BMP.
func bigNVarChar() string {
	return strings.Repeat("abc😀é", 5<<20/12+1)
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}

func typeCases() []typeCase {
	const (
		guidText = "6F9619FF-8B86-D011-B42D-00C04FC964FF"
	)
	guidWire := []byte{0xFF, 0x19, 0x96, 0x6F, 0x86, 0x8B, 0x11, 0xD0, 0xB4, 0x2D, 0x00, 0xC0, 0x4F, 0xC9, 0x64, 0xFF}
	big := bigNVarChar()
	longText := strings.Repeat("0123456789", 10_000) // 100,000 chars
	nv4000 := strings.Repeat("ж", 4000)
	vb8000 := pattern(8000)
	vbMax := pattern(3 << 20)
	geomPoint := []byte{0, 0, 0, 0, 1, 0x0C, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0, 0, 0, 0, 0, 0, 0, 0x40}
	geogPoint := []byte{0xE6, 0x10, 0, 0, 1, 0x0C, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F}
	return []typeCase{
		{name: "bit", col: Column{Type: TypeBit, Nullable: true},
			send: []any{true, false, nil}, want: []any{true, false, nil}, dbType: "BIT"},
		{name: "bit not null", col: Column{Type: TypeBit},
			send: []any{true, false}, want: []any{true, false}, dbType: "BIT"},
		{name: "tinyint", col: Column{Type: TypeTinyInt, Nullable: true},
			send: []any{0, uint8(255), int64(7), nil}, want: []any{int64(0), int64(255), int64(7), nil}, dbType: "TINYINT"},
		{name: "tinyint not null", col: Column{Type: TypeTinyInt},
			send: []any{0, 255}, want: []any{int64(0), int64(255)}, dbType: "TINYINT"},
		{name: "smallint", col: Column{Type: TypeSmallInt, Nullable: true},
			send: []any{int16(math.MinInt16), int16(math.MaxInt16), 0, nil},
			want: []any{int64(math.MinInt16), int64(math.MaxInt16), int64(0), nil}, dbType: "SMALLINT"},
		{name: "smallint not null", col: Column{Type: TypeSmallInt},
			send: []any{math.MinInt16, math.MaxInt16}, want: []any{int64(math.MinInt16), int64(math.MaxInt16)}, dbType: "SMALLINT"},
		{name: "int", col: Column{Type: TypeInt, Nullable: true},
			send: []any{int32(math.MinInt32), int32(math.MaxInt32), -1, nil},
			want: []any{int64(math.MinInt32), int64(math.MaxInt32), int64(-1), nil}, dbType: "INT"},
		{name: "int not null", col: Column{Type: TypeInt},
			send: []any{math.MinInt32, math.MaxInt32}, want: []any{int64(math.MinInt32), int64(math.MaxInt32)}, dbType: "INT"},
		{name: "bigint", col: Column{Type: TypeBigInt, Nullable: true},
			send: []any{int64(math.MinInt64), int64(math.MaxInt64), uint32(math.MaxUint32), nil},
			want: []any{int64(math.MinInt64), int64(math.MaxInt64), int64(math.MaxUint32), nil}, dbType: "BIGINT"},
		{name: "bigint not null", col: Column{Type: TypeBigInt},
			send: []any{int64(math.MinInt64), int64(math.MaxInt64)}, want: []any{int64(math.MinInt64), int64(math.MaxInt64)}, dbType: "BIGINT"},
		{name: "decimal(38,0)", col: Column{Type: TypeDecimal, Precision: 38, Nullable: true},
			send: []any{nines(38), "-" + nines(38), "0", int64(math.MinInt64), nil},
			want: []any{[]byte(nines(38)), []byte("-" + nines(38)), []byte("0"), []byte("-9223372036854775808"), nil}, dbType: "DECIMAL"},
		{name: "decimal(38,38)", col: Column{Type: TypeDecimal, Precision: 38, Scale: 38, Nullable: true},
			send:   []any{"0." + nines(38), "-0." + nines(38), "0.00000000000000000000000000000000000001", "0"},
			want:   []any{[]byte("0." + nines(38)), []byte("-0." + nines(38)), []byte("0.00000000000000000000000000000000000001"), []byte("0." + strings.Repeat("0", 38))},
			dbType: "DECIMAL"},
		{name: "decimal(38,10)", col: Column{Type: TypeDecimal, Precision: 38, Scale: 10},
			send:   []any{nines(28) + "." + nines(10), "-" + nines(28) + "." + nines(10), "1.5", "-0.0000000001"},
			want:   []any{[]byte(nines(28) + "." + nines(10)), []byte("-" + nines(28) + "." + nines(10)), []byte("1.5000000000"), []byte("-0.0000000001")},
			dbType: "DECIMAL"},
		{name: "decimal(18,4)", col: Column{Type: TypeDecimal, Nullable: true, Precision: 18, Scale: 4},
			send:   []any{"123.45", "-99999999999999.9999", "+0.0001", "12.340000", nil},
			want:   []any{[]byte("123.4500"), []byte("-99999999999999.9999"), []byte("0.0001"), []byte("12.3400"), nil},
			dbType: "DECIMAL"},
		{name: "decimal(9,2)", col: Column{Type: TypeDecimal, Precision: 9, Scale: 2},
			send: []any{"9999999.99", "-0.01", ".5"},
			want: []any{[]byte("9999999.99"), []byte("-0.01"), []byte("0.50")}, dbType: "DECIMAL"},
		{name: "decimal default precision", col: Column{Type: TypeDecimal},
			send: []any{nines(18), "-" + nines(18)}, want: []any{[]byte(nines(18)), []byte("-" + nines(18))}, dbType: "DECIMAL"},
		{name: "numeric(28,6)", col: Column{Type: TypeNumeric, Precision: 28, Scale: 6, Nullable: true},
			send: []any{nines(22) + "." + nines(6), "-1", nil},
			want: []any{[]byte(nines(22) + "." + nines(6)), []byte("-1.000000"), nil}, dbType: "DECIMAL"},
		{name: "money", col: Column{Type: TypeMoney, Nullable: true},
			send:   []any{"922337203685477.5807", "-922337203685477.5808", "0.0001", "0", 42, nil},
			want:   []any{[]byte("922337203685477.5807"), []byte("-922337203685477.5808"), []byte("0.0001"), []byte("0.0000"), []byte("42.0000"), nil},
			dbType: "MONEY"},
		{name: "money not null", col: Column{Type: TypeMoney},
			send: []any{"922337203685477.5807", "-922337203685477.5808", "-1.5"},
			want: []any{[]byte("922337203685477.5807"), []byte("-922337203685477.5808"), []byte("-1.5000")}, dbType: "MONEY"},
		{name: "smallmoney", col: Column{Type: TypeSmallMoney, Nullable: true},
			send: []any{"214748.3647", "-214748.3648", "0.01", nil},
			want: []any{[]byte("214748.3647"), []byte("-214748.3648"), []byte("0.0100"), nil}, dbType: "SMALLMONEY"},
		{name: "smallmoney not null", col: Column{Type: TypeSmallMoney},
			send: []any{"214748.3647", "-214748.3648"}, want: []any{[]byte("214748.3647"), []byte("-214748.3648")}, dbType: "SMALLMONEY"},
		{name: "real", col: Column{Type: TypeReal, Nullable: true},
			send:   []any{float32(math.MaxFloat32), float32(-math.MaxFloat32), float32(math.SmallestNonzeroFloat32), float32(0.1), nil},
			want:   []any{float64(float32(math.MaxFloat32)), float64(float32(-math.MaxFloat32)), float64(float32(math.SmallestNonzeroFloat32)), float64(float32(0.1)), nil},
			dbType: "REAL"},
		{name: "real not null", col: Column{Type: TypeReal},
			send: []any{float32(1.5), float64(-2.25)}, want: []any{1.5, -2.25}, dbType: "REAL"},
		{name: "float", col: Column{Type: TypeFloat, Nullable: true},
			send:   []any{math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, math.Copysign(0, -1), 0.1, nil},
			want:   []any{math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, math.Copysign(0, -1), 0.1, nil},
			dbType: "FLOAT"},
		{name: "float not null", col: Column{Type: TypeFloat},
			send: []any{math.Pi, -math.E}, want: []any{math.Pi, -math.E}, dbType: "FLOAT"},
		{name: "date", col: Column{Type: TypeDate, Nullable: true},
			send:   []any{utc(1, 1, 1, 0, 0, 0, 0), utc(9999, 12, 31, 23, 59, 59, 0), time.Date(2024, 2, 29, 23, 0, 0, 0, zone(-5, 0)), nil},
			want:   []any{utc(1, 1, 1, 0, 0, 0, 0), utc(9999, 12, 31, 0, 0, 0, 0), utc(2024, 2, 29, 0, 0, 0, 0), nil},
			dbType: "DATE"},
		{name: "time(7)", col: Column{Type: TypeTime, Scale: 7, Nullable: true},
			send:   []any{timeOfDay(0, 0, 0, 0), utc(2020, 5, 6, 23, 59, 59, 999999999), 12*time.Hour + 34*time.Minute + 56*time.Second + 123456700, nil},
			want:   []any{timeOfDay(0, 0, 0, 0), timeOfDay(23, 59, 59, 999999900), timeOfDay(12, 34, 56, 123456700), nil},
			dbType: "TIME"},
		{name: "time(0)", col: Column{Type: TypeTime, Scale: 0},
			send: []any{timeOfDay(23, 59, 59, 999999999), timeOfDay(0, 0, 1, 0)},
			want: []any{timeOfDay(23, 59, 59, 0), timeOfDay(0, 0, 1, 0)}, dbType: "TIME"},
		{name: "time(3)", col: Column{Type: TypeTime, Scale: 3},
			send: []any{timeOfDay(12, 34, 56, 789999999)}, want: []any{timeOfDay(12, 34, 56, 789000000)}, dbType: "TIME"},
		{name: "datetime2(7)", col: Column{Type: TypeDateTime2, Scale: 7, Nullable: true},
			send:   []any{utc(1, 1, 1, 0, 0, 0, 0), utc(9999, 12, 31, 23, 59, 59, 999999900), time.Date(2021, 3, 4, 5, 6, 7, 800, zone(9, 0)), nil},
			want:   []any{utc(1, 1, 1, 0, 0, 0, 0), utc(9999, 12, 31, 23, 59, 59, 999999900), utc(2021, 3, 4, 5, 6, 7, 800), nil},
			dbType: "DATETIME2"},
		{name: "datetime2(0)", col: Column{Type: TypeDateTime2, Scale: 0},
			send: []any{utc(9999, 12, 31, 23, 59, 59, 999999999)}, want: []any{utc(9999, 12, 31, 23, 59, 59, 0)}, dbType: "DATETIME2"},
		{name: "datetime2(3)", col: Column{Type: TypeDateTime2, Scale: 3},
			send: []any{utc(2000, 1, 1, 0, 0, 0, 123456789)}, want: []any{utc(2000, 1, 1, 0, 0, 0, 123000000)}, dbType: "DATETIME2"},
		{name: "datetimeoffset(7)", col: Column{Type: TypeDateTimeOffset, Scale: 7, Nullable: true},
			send: []any{
				time.Date(2024, 7, 1, 12, 30, 0, 100, zone(14, 0)),
				time.Date(2024, 7, 1, 12, 30, 0, 0, zone(-14, 0)),
				time.Date(2024, 7, 1, 12, 30, 0, 0, zone(5, 45)),
				time.Date(9999, 12, 31, 23, 59, 59, 999999900, time.UTC),
				time.Date(1, 1, 1, 14, 0, 0, 0, zone(14, 0)),
				nil,
			},
			want: []any{
				time.Date(2024, 7, 1, 12, 30, 0, 100, zone(14, 0)),
				time.Date(2024, 7, 1, 12, 30, 0, 0, zone(-14, 0)),
				time.Date(2024, 7, 1, 12, 30, 0, 0, zone(5, 45)),
				time.Date(9999, 12, 31, 23, 59, 59, 999999900, zone(0, 0)),
				time.Date(1, 1, 1, 14, 0, 0, 0, zone(14, 0)),
				nil,
			},
			dbType: "DATETIMEOFFSET"},
		{name: "datetimeoffset(0)", col: Column{Type: TypeDateTimeOffset, Scale: 0},
			send: []any{time.Date(2024, 7, 1, 12, 30, 1, 999, zone(-3, -30))},
			want: []any{time.Date(2024, 7, 1, 12, 30, 1, 0, zone(-3, -30))}, dbType: "DATETIMEOFFSET"},
		{name: "datetime", col: Column{Type: TypeDateTime, Nullable: true},
			send:   []any{utc(1753, 1, 1, 0, 0, 0, 0), utc(9999, 12, 31, 23, 59, 59, 997000000), utc(2000, 1, 1, 12, 0, 0, 3000000), utc(2000, 1, 1, 12, 0, 0, 7000000), utc(1899, 12, 31, 23, 59, 59, 0), nil},
			want:   []any{utc(1753, 1, 1, 0, 0, 0, 0), utc(9999, 12, 31, 23, 59, 59, 997000000), utc(2000, 1, 1, 12, 0, 0, 3000000), utc(2000, 1, 1, 12, 0, 0, 7000000), utc(1899, 12, 31, 23, 59, 59, 0), nil},
			dbType: "DATETIME"},
		{name: "datetime not null", col: Column{Type: TypeDateTime},
			send: []any{utc(1753, 1, 1, 0, 0, 0, 0), utc(9999, 12, 31, 23, 59, 59, 997000000)},
			want: []any{utc(1753, 1, 1, 0, 0, 0, 0), utc(9999, 12, 31, 23, 59, 59, 997000000)}, dbType: "DATETIME"},
		{name: "smalldatetime", col: Column{Type: TypeSmallDateTime, Nullable: true},
			send: []any{utc(1900, 1, 1, 0, 0, 0, 0), utc(2079, 6, 6, 23, 59, 0, 0), nil},
			want: []any{utc(1900, 1, 1, 0, 0, 0, 0), utc(2079, 6, 6, 23, 59, 0, 0), nil}, dbType: "SMALLDATETIME"},
		{name: "smalldatetime not null", col: Column{Type: TypeSmallDateTime},
			send: []any{utc(2079, 6, 6, 23, 59, 0, 0)}, want: []any{utc(2079, 6, 6, 23, 59, 0, 0)}, dbType: "SMALLDATETIME"},
		{name: "char(10)", col: Column{Type: TypeChar, Length: 10, Nullable: true},
			send: []any{"abc", "", "é€‰Œ'\"", []byte("raw"), nil},
			want: []any{"abc       ", "          ", "é€‰Œ'\"    ", "raw       ", nil}, dbType: "CHAR"},
		{name: "varchar(50)", col: Column{Type: TypeVarChar, Length: 50, Nullable: true},
			send:   []any{"", "plain", "café €5 – “quoted” it's", "line1\r\nGO\r\n$(x)", "😀 is not in 1252", nil},
			want:   []any{"", "plain", "café €5 – “quoted” it's", "line1\r\nGO\r\n$(x)", "? is not in 1252", nil},
			dbType: "VARCHAR"},
		{name: "varchar(8000)", col: Column{Type: TypeVarChar, Length: 8000},
			send: []any{strings.Repeat("x", 8000)}, want: []any{strings.Repeat("x", 8000)}, dbType: "VARCHAR"},
		{name: "varchar(max)", col: Column{Type: TypeVarChar, Length: MaxLength, Nullable: true},
			send: []any{longText, "", nil}, want: []any{longText, "", nil}, dbType: "VARCHAR"},
		// The server sends UTF-8 bytes for a UTF-8 collation, as SQL Server
		// 2019+ does, but go-mssqldb v1.11.2 ignores the collation's UTF-8
		// flag and decodes them as code page 1252.
		{name: "varchar utf8 collation", col: Column{Type: TypeVarChar, Length: 100, Collation: Collation{LCID: 0x0409, Flags: 0x0D | CollationUTF8, Version: 2}},
			send: []any{"ütf-8 😀", "ascii"}, want: []any{"Ã¼tf-8 ðŸ˜€", "ascii"}, dbType: "VARCHAR"},
		{name: "text", col: Column{Type: TypeText, Nullable: true},
			send: []any{"text ± value", "", longText, nil}, want: []any{"text ± value", "", longText, nil}, dbType: "TEXT"},
		{name: "nchar(5)", col: Column{Type: TypeNChar, Length: 5, Nullable: true},
			send: []any{"ab", "", "ĀĒĪŌŪ", nil}, want: []any{"ab   ", "     ", "ĀĒĪŌŪ", nil}, dbType: "NCHAR"},
		{name: "nvarchar(100)", col: Column{Type: TypeNVarChar, Length: 100, Nullable: true},
			send:   []any{"", "😀 𝄞 𠜎 outside the BMP", "it's \"quoted\"", "a\r\nGO\r\n", "$(var)", "\x00nul", nil},
			want:   []any{"", "😀 𝄞 𠜎 outside the BMP", "it's \"quoted\"", "a\r\nGO\r\n", "$(var)", "\x00nul", nil},
			dbType: "NVARCHAR"},
		{name: "nvarchar(4000)", col: Column{Type: TypeNVarChar, Length: 4000},
			send: []any{nv4000}, want: []any{nv4000}, dbType: "NVARCHAR"},
		{name: "nvarchar(max)", col: Column{Type: TypeNVarChar, Length: MaxLength, Nullable: true},
			send: []any{big, "", "short 😀", nil}, want: []any{big, "", "short 😀", nil}, dbType: "NVARCHAR"},
		{name: "ntext", col: Column{Type: TypeNText, Nullable: true},
			send: []any{"ntext 😀 value", "", nil}, want: []any{"ntext 😀 value", "", nil}, dbType: "NTEXT"},
		{name: "binary(4)", col: Column{Type: TypeBinary, Length: 4, Nullable: true},
			send: []any{[]byte{1, 2}, []byte{}, []byte{0xDE, 0xAD, 0xBE, 0xEF}, nil},
			want: []any{[]byte{1, 2, 0, 0}, []byte{0, 0, 0, 0}, []byte{0xDE, 0xAD, 0xBE, 0xEF}, nil}, dbType: "BINARY"},
		{name: "varbinary(8000)", col: Column{Type: TypeVarBinary, Length: 8000, Nullable: true},
			send: []any{vb8000, []byte{}, []byte{0}, nil}, want: []any{vb8000, []byte{}, []byte{0}, nil}, dbType: "VARBINARY"},
		{name: "varbinary(max)", col: Column{Type: TypeVarBinary, Length: MaxLength, Nullable: true},
			send: []any{vbMax, []byte{}, nil}, want: []any{vbMax, []byte{}, nil}, dbType: "VARBINARY"},
		{name: "image", col: Column{Type: TypeImage, Nullable: true},
			send: []any{vb8000, []byte{}, nil}, want: []any{vb8000, []byte{}, nil}, dbType: "IMAGE"},
		{name: "uniqueidentifier", col: Column{Type: TypeUniqueIdentifier, Nullable: true},
			send: []any{guidText, mustUID(guidText), [16]byte(mustUID(guidText)), "{" + strings.ToLower(guidText) + "}", nil},
			want: []any{guidWire, guidWire, guidWire, guidWire, nil}, dbType: "UNIQUEIDENTIFIER"},
		{name: "xml", col: Column{Type: TypeXML, Nullable: true},
			send: []any{`<a b="1">ü 😀 &amp;</a>`, "", nil}, want: []any{`<a b="1">ü 😀 &amp;</a>`, "", nil}, dbType: "XML"},
		// hierarchyid /1/3/ and geometry POINT(1 2) as SQL Server serializes them.
		{name: "hierarchyid", col: Column{Type: TypeHierarchyID, Nullable: true},
			send: []any{[]byte{0x5B, 0xC0}, []byte{}, nil}, want: []any{[]byte{0x5B, 0xC0}, []byte{}, nil}, dbType: "HIERARCHYID"},
		{name: "geometry", col: Column{Type: TypeGeometry, Nullable: true},
			send: []any{geomPoint, nil}, want: []any{geomPoint, nil}, dbType: "GEOMETRY"},
		{name: "geography", col: Column{Type: TypeGeography, Nullable: true},
			send: []any{geogPoint, vbMax, nil}, want: []any{geogPoint, vbMax, nil}, dbType: "GEOGRAPHY"},
		{name: "sql_variant", col: Column{Type: TypeVariant, Nullable: true},
			send: []any{
				Variant{Base: Column{Type: TypeInt}, Value: math.MinInt32},
				Variant{Base: Column{Type: TypeTinyInt}, Value: 255},
				Variant{Base: Column{Type: TypeSmallInt}, Value: -2},
				int64(math.MaxInt64),
				true,
				Variant{Base: Column{Type: TypeDecimal, Precision: 38, Scale: 2}, Value: "-" + nines(36) + ".99"},
				Variant{Base: Column{Type: TypeNumeric, Precision: 5, Scale: 1}, Value: "1234.5"},
				Variant{Base: Column{Type: TypeMoney}, Value: "-922337203685477.5808"},
				Variant{Base: Column{Type: TypeSmallMoney}, Value: "1.25"},
				Variant{Base: Column{Type: TypeReal}, Value: float32(1.5)},
				-math.MaxFloat64,
				"nvarchar 😀",
				Variant{Base: Column{Type: TypeVarChar, Length: 20}, Value: "varchar é"},
				Variant{Base: Column{Type: TypeChar, Length: 4}, Value: "ab"},
				Variant{Base: Column{Type: TypeNChar, Length: 3}, Value: "x"},
				[]byte{1, 2, 3},
				Variant{Base: Column{Type: TypeBinary, Length: 3}, Value: []byte{9}},
				Variant{Base: Column{Type: TypeUniqueIdentifier}, Value: guidText},
				Variant{Base: Column{Type: TypeDate}, Value: utc(9999, 12, 31, 0, 0, 0, 0)},
				Variant{Base: Column{Type: TypeTime, Scale: 7}, Value: timeOfDay(23, 59, 59, 999999900)},
				utc(2001, 2, 3, 4, 5, 6, 700),
				Variant{Base: Column{Type: TypeDateTimeOffset, Scale: 3}, Value: time.Date(2001, 2, 3, 4, 5, 6, 7000000, zone(-8, 0))},
				Variant{Base: Column{Type: TypeDateTime}, Value: utc(1753, 1, 1, 0, 0, 0, 3000000)},
				Variant{Base: Column{Type: TypeSmallDateTime}, Value: utc(2079, 6, 6, 23, 59, 0, 0)},
				Variant{Base: Column{Type: TypeInt}, Value: nil},
				nil,
			},
			want: []any{
				int64(math.MinInt32), int64(255), int64(-2), int64(math.MaxInt64), true,
				[]byte("-" + nines(36) + ".99"), []byte("1234.5"), []byte("-922337203685477.5808"), []byte("1.2500"),
				1.5, -math.MaxFloat64, "nvarchar 😀", "varchar é", "ab  ", "x  ",
				[]byte{1, 2, 3}, []byte{9, 0, 0}, guidWire,
				utc(9999, 12, 31, 0, 0, 0, 0), timeOfDay(23, 59, 59, 999999900), utc(2001, 2, 3, 4, 5, 6, 700),
				time.Date(2001, 2, 3, 4, 5, 6, 7000000, zone(-8, 0)), utc(1753, 1, 1, 0, 0, 0, 3000000),
				utc(2079, 6, 6, 23, 59, 0, 0), nil, nil,
			},
			dbType: "SQL_VARIANT"},
	}
}

func mustUID(s string) []byte {
	var u mssql.UniqueIdentifier
	if err := u.Scan(s); err != nil {
		panic(err)
	}
	return u[:]
}

// sameValue compares a decoded driver value with the expected one exactly:
// floats bit for bit, times by instant and zone offset.
func sameValue(got, want any) bool {
	switch w := want.(type) {
	case nil:
		return got == nil
	case []byte:
		g, ok := got.([]byte)
		return ok && bytes.Equal(g, w)
	case float64:
		g, ok := got.(float64)
		return ok && math.Float64bits(g) == math.Float64bits(w)
	case time.Time:
		g, ok := got.(time.Time)
		if !ok {
			return false
		}
		_, go1 := g.Zone()
		_, wo := w.Zone()
		return g.Equal(w) && go1 == wo
	}
	return got == want
}

func describe(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 80 {
			return fmt.Sprintf("string(len %d) %q...", len(x), x[:40])
		}
	case []byte:
		if len(x) > 40 {
			return fmt.Sprintf("[]byte(len %d) % x...", len(x), x[:16])
		}
	}
	return fmt.Sprintf("%T %#v", v, v)
}

func TestTypeRoundTrip(t *testing.T) {
	cases := typeCases()
	byName := map[string]typeCase{}
	for _, c := range cases {
		byName[c.name] = c
	}
	h := HandlerFunc(func(ctx context.Context, q *Request, w ResultWriter) error {
		c, ok := byName[strings.TrimPrefix(q.SQL, "SELECT ")]
		if !ok {
			return InvalidObjectName(q.SQL)
		}
		col := c.col
		col.Name = "v"
		if err := w.Columns([]Column{{Name: "i", Type: TypeInt}, col}); err != nil {
			return err
		}
		for i, v := range c.send {
			if err := w.Row(i, v); err != nil {
				return err
			}
		}
		return nil
	})
	_, db := newTestServer(t, h)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rows, err := db.Query("SELECT " + c.name)
			if err != nil {
				t.Fatalf("query: %v", err)
			}
			defer rows.Close()
			cts, err := rows.ColumnTypes()
			if err != nil {
				t.Fatal(err)
			}
			if got := cts[1].DatabaseTypeName(); got != c.dbType {
				t.Errorf("DatabaseTypeName = %q, want %q", got, c.dbType)
			}
			if nullable, ok := cts[1].Nullable(); !ok || nullable != c.col.Nullable {
				t.Errorf("Nullable = %v, %v; want %v", nullable, ok, c.col.Nullable)
			}
			n := 0
			for rows.Next() {
				var i int
				var v any
				if err := rows.Scan(&i, &v); err != nil {
					t.Fatalf("scan: %v", err)
				}
				if i != n {
					t.Fatalf("row %d has index %d", n, i)
				}
				if n < len(c.want) && !sameValue(v, c.want[n]) {
					t.Errorf("row %d: got %s, want %s", n, describe(v), describe(c.want[n]))
				}
				n++
			}
			if err := rows.Err(); err != nil {
				t.Fatalf("rows: %v", err)
			}
			if n != len(c.want) {
				t.Errorf("got %d rows, want %d", n, len(c.want))
			}
		})
	}
}

// TestColumnTypeMetadata checks lengths, precision and scale as
// database/sql reports them from COLMETADATA.
func TestColumnTypeMetadata(t *testing.T) {
	cols := []Column{
		{Name: "nv", Type: TypeNVarChar, Length: 100},
		{Name: "nvmax", Type: TypeNVarChar, Length: MaxLength},
		{Name: "vc", Type: TypeVarChar, Length: 30},
		{Name: "vb", Type: TypeVarBinary, Length: MaxLength},
		{Name: "nc", Type: TypeNChar, Length: 7},
		{Name: "dec", Type: TypeDecimal, Precision: 38, Scale: 4},
		{Name: "num", Type: TypeNumeric, Precision: 10, Scale: 0},
		{Name: "dt2", Type: TypeDateTime2, Scale: 3},
		{Name: "i", Type: TypeInt},
	}
	h := HandlerFunc(func(ctx context.Context, q *Request, w ResultWriter) error {
		return w.Columns(cols)
	})
	_, db := newTestServer(t, h)
	rows, err := db.Query("metadata")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	type meta struct {
		name          string
		length        int64
		hasLength     bool
		prec, scale   int64
		hasPrecScale  bool
		databaseTName string
	}
	want := []meta{
		{"nv", 100, true, 0, 0, false, "NVARCHAR"},
		{"nvmax", 2147483645 / 2, true, 0, 0, false, "NVARCHAR"},
		{"vc", 30, true, 0, 0, false, "VARCHAR"},
		{"vb", 2147483645, true, 0, 0, false, "VARBINARY"},
		{"nc", 7, true, 0, 0, false, "NCHAR"},
		{"dec", 0, false, 38, 4, true, "DECIMAL"},
		{"num", 0, false, 10, 0, true, "DECIMAL"},
		{"dt2", 0, false, 0, 3, true, "DATETIME2"},
		{"i", 0, false, 0, 0, false, "INT"},
	}
	for i, ct := range cts {
		var got meta
		got.name = ct.Name()
		got.length, got.hasLength = ct.Length()
		got.prec, got.scale, got.hasPrecScale = ct.DecimalSize()
		got.databaseTName = ct.DatabaseTypeName()
		if got != want[i] {
			t.Errorf("column %d: got %+v, want %+v", i, got, want[i])
		}
	}
	if rows.Next() {
		t.Error("want an empty result set")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestScanIntoGoTypes scans through database/sql's conversions, the way the
// scripter will read values.
func TestScanIntoGoTypes(t *testing.T) {
	const guid = "6F9619FF-8B86-D011-B42D-00C04FC964FF"
	h := HandlerFunc(func(ctx context.Context, q *Request, w ResultWriter) error {
		if err := w.Columns([]Column{
			{Name: "g", Type: TypeUniqueIdentifier},
			{Name: "d", Type: TypeDecimal, Precision: 38, Scale: 10},
			{Name: "m", Type: TypeMoney},
			{Name: "s", Type: TypeNVarChar, Length: 10, Nullable: true},
			{Name: "e", Type: TypeNVarChar, Length: 10, Nullable: true},
		}); err != nil {
			return err
		}
		return w.Row(guid, "-1234567890123456789012345678.0123456789", "-0.0001", nil, "")
	})
	_, db := newTestServer(t, h)
	var (
		g    mssql.UniqueIdentifier
		d, m string
		s, e sql.NullString
	)
	if err := db.QueryRow("q").Scan(&g, &d, &m, &s, &e); err != nil {
		t.Fatal(err)
	}
	if g.String() != guid {
		t.Errorf("uniqueidentifier = %s, want %s", g, guid)
	}
	if d != "-1234567890123456789012345678.0123456789" {
		t.Errorf("decimal = %s", d)
	}
	if m != "-0.0001" {
		t.Errorf("money = %s", m)
	}
	if s.Valid {
		t.Errorf("NULL scanned as %q", s.String)
	}
	if !e.Valid || e.String != "" {
		t.Errorf("empty string scanned as %+v", e)
	}
}

// TestRowValueErrors checks that values that do not fit their column are
// refused by Row before anything is sent.
func TestRowValueErrors(t *testing.T) {
	tests := []struct {
		col     Column
		value   any
		errText string
	}{
		{Column{Type: TypeTinyInt}, 256, "out of range for tinyint"},
		{Column{Type: TypeTinyInt}, -1, "out of range for tinyint"},
		{Column{Type: TypeSmallInt}, math.MaxInt16 + 1, "out of range for smallint"},
		{Column{Type: TypeInt}, int64(math.MaxInt32) + 1, "out of range for int"},
		{Column{Type: TypeInt}, "1", "want an integer"},
		{Column{Type: TypeBit}, 1, "want bool"},
		{Column{Type: TypeInt}, nil, "is NOT NULL"},
		{Column{Type: TypeDecimal, Precision: 5, Scale: 2}, "1000.00", "out of range for precision 5"},
		{Column{Type: TypeDecimal, Precision: 5, Scale: 2}, "1.005", "more than 2 digits"},
		{Column{Type: TypeDecimal, Precision: 5, Scale: 2}, "1e3", "invalid decimal text"},
		{Column{Type: TypeDecimal, Precision: 5, Scale: 2}, 1.5, "want decimal text or an integer"},
		{Column{Type: TypeMoney}, "922337203685477.5808", "out of range for money"},
		{Column{Type: TypeSmallMoney}, "214748.3648", "out of range for smallmoney"},
		{Column{Type: TypeNVarChar, Length: 3}, "abcd", "would be truncated"},
		{Column{Type: TypeNVarChar, Length: 3}, "😀😀", "would be truncated"},
		{Column{Type: TypeVarBinary, Length: 2}, []byte{1, 2, 3}, "would be truncated"},
		{Column{Type: TypeDateTime}, utc(1752, 12, 31, 0, 0, 0, 0), "out of range"},
		{Column{Type: TypeDateTime}, utc(9999, 12, 31, 23, 59, 59, 999000000), "out of range"},
		{Column{Type: TypeSmallDateTime}, utc(2079, 6, 7, 0, 0, 0, 0), "out of range"},
		{Column{Type: TypeDateTimeOffset, Scale: 7}, time.Date(2000, 1, 1, 0, 0, 0, 0, time.FixedZone("", 30)), "whole minutes"},
		{Column{Type: TypeUniqueIdentifier}, "not-a-guid", "invalid uniqueidentifier"},
		{Column{Type: TypeVariant}, Variant{Base: Column{Type: TypeNText}, Value: "x"}, "cannot be the base type"},
		{Column{Type: TypeTime, Scale: 7}, 25 * time.Hour, "out of range"},
		{Column{Type: TypeHierarchyID}, make([]byte, 893), "exceeds 892"},
		{Column{Type: TypeGeography}, "POINT(1 2)", "want []byte"},
	}
	h := HandlerFunc(func(ctx context.Context, q *Request, w ResultWriter) error {
		var i int
		fmt.Sscan(q.SQL, &i)
		tc := tests[i]
		tc.col.Name = "c"
		if err := w.Columns([]Column{tc.col}); err != nil {
			return err
		}
		err := w.Row(tc.value)
		if err == nil {
			return errors.New("Row accepted the value")
		}
		return err // sent to the client as error 50000
	})
	_, db := newTestServer(t, h)
	for i, tc := range tests {
		t.Run(fmt.Sprintf("%d_%s", i, tc.col.Decl()), func(t *testing.T) {
			rows, err := db.Query(fmt.Sprint(i))
			if err == nil {
				for rows.Next() {
					t.Error("got a row")
				}
				err = rows.Err()
				rows.Close()
			}
			var me mssql.Error
			if !errors.As(err, &me) {
				t.Fatalf("got %v, want an mssql.Error", err)
			}
			if me.Number != 50000 || !strings.Contains(me.Message, tc.errText) {
				t.Errorf("got error %d %q, want 50000 containing %q", me.Number, me.Message, tc.errText)
			}
		})
	}
}

func TestInvalidColumns(t *testing.T) {
	tests := []struct {
		cols    []Column
		errText string
	}{
		{nil, "1 to 4096 columns"},
		{[]Column{{Name: "x", Type: TypeNVarChar, Length: 4001}}, "invalid length 4001"},
		{[]Column{{Name: "x", Type: TypeVarChar, Length: 8001}}, "invalid length 8001"},
		{[]Column{{Name: "x", Type: TypeChar, Length: MaxLength}}, "invalid length -1"},
		{[]Column{{Name: "x", Type: TypeDecimal, Precision: 39}}, "invalid decimal precision 39"},
		{[]Column{{Name: "x", Type: TypeDecimal, Precision: 5, Scale: 6}}, "scale 6"},
		{[]Column{{Name: "x", Type: TypeDateTime2, Scale: 8}}, "invalid datetime2 scale 8"},
		{[]Column{{Name: "x", Type: Type(200)}}, "unknown type"},
	}
	h := HandlerFunc(func(ctx context.Context, q *Request, w ResultWriter) error {
		var i int
		fmt.Sscan(q.SQL, &i)
		return w.Columns(tests[i].cols)
	})
	_, db := newTestServer(t, h)
	for i, tc := range tests {
		_, err := db.Exec(fmt.Sprint(i))
		var me mssql.Error
		if !errors.As(err, &me) || me.Number != 50000 || !strings.Contains(me.Message, tc.errText) {
			t.Errorf("case %d: got %v, want error 50000 containing %q", i, err, tc.errText)
		}
	}
}
