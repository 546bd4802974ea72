package mssql

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand"
	"strconv"
	"strings"
	"testing"
	"testing/quick"
	"time"
	"unicode/utf8"

	_ "github.com/microsoft/go-mssqldb"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
)

func ltUtc(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
	return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
}

// ltTimeOfDay is how go-mssqldb returns time(n) values: on 0001-01-01 UTC.
func ltTimeOfDay(h, mi, s, ns int) time.Time { return ltUtc(1, 1, 1, h, mi, s, ns) }

// ltZone is a fixed zone as go-mssqldb makes them for datetimeoffset.
func ltZone(hours, minutes int) *time.Location {
	return time.FixedZone("", (hours*60+minutes)*60)
}

func ltNines(n int) string { return strings.Repeat("9", n) }

func ltNchar10(n int) string {
	return strings.TrimSuffix(strings.Repeat("NCHAR(10) + ", n), " + ")
}

var (
	ltTBit       = ColumnType{Name: "bit"}
	ltTTinyInt   = ColumnType{Name: "tinyint"}
	ltTSmallInt  = ColumnType{Name: "smallint"}
	ltTInt       = ColumnType{Name: "int"}
	ltTBigInt    = ColumnType{Name: "bigint"}
	ltTMoney     = ColumnType{Name: "money"}
	ltTSmallMon  = ColumnType{Name: "smallmoney"}
	ltTReal      = ColumnType{Name: "real", MaxLength: 4, Precision: 24}
	ltTFloat     = ColumnType{Name: "float", MaxLength: 8, Precision: 53}
	ltTDate      = ColumnType{Name: "date"}
	ltTDateTime  = ColumnType{Name: "datetime"}
	ltTSmallDT   = ColumnType{Name: "smalldatetime"}
	ltTNVarMax   = ColumnType{Name: "nvarchar", MaxLength: -1}
	ltTVarMax    = ColumnType{Name: "varchar", MaxLength: -1}
	ltTVarBinMax = ColumnType{Name: "varbinary", MaxLength: -1}
	ltTGUID      = ColumnType{Name: "uniqueidentifier", MaxLength: 16}
	ltTVariant   = ColumnType{Name: "sql_variant"}
)

func ltDec(p, s uint8) ColumnType          { return ColumnType{Name: "decimal", Precision: p, Scale: s} }
func ltTm(name string, s uint8) ColumnType { return ColumnType{Name: name, Scale: s} }

// ltGuidText and ltGuidWire are the same GUID in text form and in the
// mixed-endian order SQL Server stores and go-mssqldb returns.
const ltGuidText = "6F9619FF-8B86-D011-B42D-00C04FC964FF"

var ltGuidWire = []byte{0xFF, 0x19, 0x96, 0x6F, 0x86, 0x8B, 0x11, 0xD0, 0xB4, 0x2D, 0x00, 0xC0, 0x4F, 0xC9, 0x64, 0xFF}

// ltDoubleRounding is the one float32 value whose shortest text, read as
// float64 and then rounded to float32 (as SQL Server reads a real
// constant), gives the neighbouring float32.
var ltDoubleRounding = math.Float32frombits(363742205)

type ltGolden struct {
	t    ColumnType
	v    any
	want string
}

func ltGoldenCases() []ltGolden {
	x4999 := strings.Repeat("x", 4999)
	y5000 := strings.Repeat("y", 5000)
	return []ltGolden{
		// NULL, whatever the type.
		{ltTInt, nil, "NULL"},
		{ltTNVarMax, nil, "NULL"},
		{ltTDateTime, nil, "NULL"},
		{ltTVarBinMax, []byte(nil), "NULL"},
		{ltTVariant, nil, "NULL"},
		{ltTVariant, Variant{Base: ltTInt}, "NULL"},

		{ltTBit, true, "1"},
		{ltTBit, false, "0"},
		{ltTTinyInt, int64(0), "0"},
		{ltTTinyInt, int64(255), "255"},
		{ltTSmallInt, int64(math.MinInt16), "-32768"},
		{ltTSmallInt, int64(math.MaxInt16), "32767"},
		{ltTInt, int64(math.MinInt32), "-2147483648"},
		{ltTInt, int64(math.MaxInt32), "2147483647"},
		{ltTInt, 42, "42"},
		{ltTBigInt, int64(math.MinInt64), "-9223372036854775808"},
		{ltTBigInt, int64(math.MaxInt64), "9223372036854775807"},
		{ltTBigInt, uint64(math.MaxInt64), "9223372036854775807"},

		{ltDec(38, 0), []byte(ltNines(38)), ltNines(38)},
		{ltDec(38, 0), []byte("-" + ltNines(38)), "-" + ltNines(38)},
		{ltDec(38, 0), []byte("0"), "0"},
		{ltDec(38, 38), []byte("0." + ltNines(38)), "0." + ltNines(38)},
		{ltDec(38, 38), []byte("-0.00000000000000000000000000000000000001"), "-0.00000000000000000000000000000000000001"},
		{ltDec(38, 38), []byte("0." + strings.Repeat("0", 38)), "0." + strings.Repeat("0", 38)},
		{ltDec(18, 4), []byte("123.4500"), "123.4500"},
		{ltDec(18, 4), "+00123.45", "123.4500"},
		{ltDec(18, 4), "-0.0000", "0.0000"},
		{ltDec(18, 4), "12.340000", "12.3400"},
		{ltDec(9, 2), ".5", "0.50"},
		{ltDec(0, 0), ltNines(18), ltNines(18)}, // precision 0 is the default, 18
		{ColumnType{Name: "numeric", Precision: 10, Scale: 2}, []byte("-12.34"), "-12.34"},
		{ltTMoney, []byte("922337203685477.5807"), "922337203685477.5807"},
		{ltTMoney, []byte("-922337203685477.5808"), "-922337203685477.5808"},
		{ltTMoney, []byte("0.0000"), "0.0000"},
		{ltTMoney, []byte("-0.0001"), "-0.0001"},
		{ltTSmallMon, []byte("214748.3647"), "214748.3647"},
		{ltTSmallMon, []byte("-214748.3648"), "-214748.3648"},

		{ltTFloat, math.MaxFloat64, "1.7976931348623157E+308"},
		{ltTFloat, -math.MaxFloat64, "-1.7976931348623157E+308"},
		{ltTFloat, 0x1p-1022, "2.2250738585072014E-308"}, // smallest normal
		{ltTFloat, math.SmallestNonzeroFloat64, "5E-324"},
		{ltTFloat, math.Float64frombits(0x000FFFFFFFFFFFFF), "2.225073858507201E-308"}, // largest subnormal
		{ltTFloat, 0.0, "0E0"},
		{ltTFloat, math.Copysign(0, -1), "-0E0"},
		{ltTFloat, 5.0, "5E0"},
		{ltTFloat, -5.0, "-5E0"},
		{ltTFloat, 0.1, "0.1E0"},
		{ltTFloat, 100000.0, "100000E0"},
		{ltTFloat, 1e6, "1E+06"},
		{ltTFloat, 123456789.0, "1.23456789E+08"},
		{ltTFloat, 1e21, "1E+21"},
		{ltTFloat, -1.5e-7, "-1.5E-07"},
		{ltTFloat, math.Pi, "3.141592653589793E0"},
		{ltTFloat, float64(1 << 53), "9.007199254740992E+15"},
		{ltTReal, float64(float32(math.MaxFloat32)), "3.4028235E+38"},
		{ltTReal, float64(-float32(math.MaxFloat32)), "-3.4028235E+38"},
		{ltTReal, float64(float32(math.SmallestNonzeroFloat32)), "1E-45"},
		{ltTReal, float64(float32(0.1)), "0.1E0"},
		{ltTReal, float32(1.5), "1.5E0"},
		{ltTReal, float64(float32(16777216)), "1.6777216E+07"},
		{ltTReal, float64(ltDoubleRounding), "7.038530691851209E-26"},

		{ltTDate, ltUtc(1, 1, 1, 0, 0, 0, 0), "CAST(N'0001-01-01' AS date)"},
		{ltTDate, ltUtc(9999, 12, 31, 0, 0, 0, 0), "CAST(N'9999-12-31' AS date)"},
		{ltTDate, ltUtc(2024, 2, 29, 0, 0, 0, 0), "CAST(N'2024-02-29' AS date)"},
		{ltTm("time", 7), ltTimeOfDay(0, 0, 0, 0), "CAST(N'00:00:00.0000000' AS time(7))"},
		{ltTm("time", 7), ltTimeOfDay(23, 59, 59, 999999900), "CAST(N'23:59:59.9999999' AS time(7))"},
		{ltTm("time", 0), ltTimeOfDay(12, 34, 56, 0), "CAST(N'12:34:56' AS time(0))"},
		{ltTm("time", 3), ltTimeOfDay(12, 34, 56, 789000000), "CAST(N'12:34:56.789' AS time(3))"},
		{ltTm("datetime2", 7), ltUtc(1, 1, 1, 0, 0, 0, 0), "CAST(N'0001-01-01T00:00:00.0000000' AS datetime2(7))"},
		{ltTm("datetime2", 7), ltUtc(9999, 12, 31, 23, 59, 59, 999999900), "CAST(N'9999-12-31T23:59:59.9999999' AS datetime2(7))"},
		{ltTm("datetime2", 7), ltUtc(2024, 1, 2, 3, 4, 5, 123456700), "CAST(N'2024-01-02T03:04:05.1234567' AS datetime2(7))"},
		{ltTm("datetime2", 0), ltUtc(9999, 12, 31, 23, 59, 59, 0), "CAST(N'9999-12-31T23:59:59' AS datetime2(0))"},
		{ltTm("datetime2", 2), ltUtc(2000, 1, 1, 0, 0, 0, 10000000), "CAST(N'2000-01-01T00:00:00.01' AS datetime2(2))"},
		{ltTm("datetimeoffset", 7), time.Date(2024, 7, 1, 12, 30, 0, 100, ltZone(-14, 0)), "CAST(N'2024-07-01T12:30:00.0000001-14:00' AS datetimeoffset(7))"},
		{ltTm("datetimeoffset", 7), time.Date(2024, 7, 1, 12, 30, 0, 0, ltZone(14, 0)), "CAST(N'2024-07-01T12:30:00.0000000+14:00' AS datetimeoffset(7))"},
		{ltTm("datetimeoffset", 0), time.Date(2024, 7, 1, 12, 30, 1, 0, ltZone(-3, -30)), "CAST(N'2024-07-01T12:30:01-03:30' AS datetimeoffset(0))"},
		{ltTm("datetimeoffset", 3), time.Date(2001, 2, 3, 4, 5, 6, 7000000, ltZone(5, 45)), "CAST(N'2001-02-03T04:05:06.007+05:45' AS datetimeoffset(3))"},
		{ltTm("datetimeoffset", 7), ltUtc(9999, 12, 31, 23, 59, 59, 999999900), "CAST(N'9999-12-31T23:59:59.9999999+00:00' AS datetimeoffset(7))"},
		{ltTm("datetimeoffset", 7), time.Date(1, 1, 1, 14, 0, 0, 0, ltZone(14, 0)), "CAST(N'0001-01-01T14:00:00.0000000+14:00' AS datetimeoffset(7))"},
		{ltTDateTime, ltUtc(1753, 1, 1, 0, 0, 0, 0), "CAST(N'1753-01-01T00:00:00.000' AS datetime)"},
		{ltTDateTime, ltUtc(9999, 12, 31, 23, 59, 59, 997000000), "CAST(N'9999-12-31T23:59:59.997' AS datetime)"},
		{ltTDateTime, ltUtc(2000, 1, 1, 12, 0, 0, 3000000), "CAST(N'2000-01-01T12:00:00.003' AS datetime)"},
		{ltTDateTime, ltUtc(2000, 1, 1, 12, 0, 0, 7000000), "CAST(N'2000-01-01T12:00:00.007' AS datetime)"},
		{ltTDateTime, ltUtc(2000, 1, 1, 12, 0, 0, 10000000), "CAST(N'2000-01-01T12:00:00.010' AS datetime)"},
		{ltTDateTime, ltUtc(1899, 12, 31, 23, 59, 59, 0), "CAST(N'1899-12-31T23:59:59.000' AS datetime)"},
		{ltTSmallDT, ltUtc(1900, 1, 1, 0, 0, 0, 0), "CAST(N'1900-01-01T00:00:00' AS smalldatetime)"},
		{ltTSmallDT, ltUtc(2079, 6, 6, 23, 59, 0, 0), "CAST(N'2079-06-06T23:59:00' AS smalldatetime)"},

		{ltTNVarMax, "", "N''"},
		{ltTNVarMax, "plain", "N'plain'"},
		{ltTNVarMax, "it's 'quoted'", "N'it''s ''quoted'''"},
		{ltTNVarMax, "'", "N''''"},
		{ltTNVarMax, "a\rb", "N'a' + NCHAR(13) + N'b'"},
		// A backslash is never followed by a quote (go-sqlcmd would take it
		// for an escape): one at the end of a quoted run, or before a quote,
		// is written as NCHAR(92); others stay in the quotes.
		{ltTNVarMax, `C:\`, `N'C:' + NCHAR(92)`},
		{ltTNVarMax, `C:\dir\file.txt`, `N'C:\dir\file.txt'`},
		{ltTNVarMax, `\\server\share\`, `N'\\server\share' + NCHAR(92)`},
		{ltTNVarMax, `a\'b`, `N'a' + NCHAR(92) + N'''b'`},
		{ltTNVarMax, `a\\'b\\`, `N'a' + NCHAR(92) + NCHAR(92) + N'''b' + NCHAR(92) + NCHAR(92)`},
		{ltTNVarMax, `\`, `NCHAR(92)`},
		{ltTNVarMax, "x\\\n\\$(y)", `N'x' + NCHAR(92) + NCHAR(10) + N'\$' + N'(y)'`},
		{ColumnType{Name: "varchar", MaxLength: 10}, `C:\`, `N'C:' + NCHAR(92)`},
		{ColumnType{Name: "char", MaxLength: 4}, `C:\ `, `N'C:\ '`},
		{ColumnType{Name: "text"}, `a\'b\`, `N'a' + NCHAR(92) + N'''b' + NCHAR(92)`},
		{ColumnType{Name: "ntext"}, `\'`, `NCHAR(92) + N''''`},
		{ColumnType{Name: "xml"}, `<p>C:\'s</p>`, `N'<p>C:' + NCHAR(92) + N'''s</p>'`},
		{ltTNVarMax, "a\nb", "N'a' + NCHAR(10) + N'b'"},
		{ltTNVarMax, "a\r\nb", "N'a' + NCHAR(13) + NCHAR(10) + N'b'"},
		{ltTNVarMax, "\n", "NCHAR(10)"},
		{ltTNVarMax, "GO", "N'GO'"},
		{ltTNVarMax, "a\r\nGO\r\n", "N'a' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10)"},
		{ltTNVarMax, "x\n go \ny", "N'x' + NCHAR(10) + N' go ' + NCHAR(10) + N'y'"},
		{ltTNVarMax, "$(x)", "N'$' + N'(x)'"},
		{ltTNVarMax, "$$((", "N'$$' + N'(('"},
		{ltTNVarMax, "$ (x) $", "N'$ (x) $'"},
		{ltTNVarMax, "it's $(var)\n", "N'it''s $' + N'(var)' + NCHAR(10)"},
		{ltTNVarMax, "😀 𝄞 𠜎", "N'😀 𝄞 𠜎'"},
		{ltTNVarMax, "a\x00b", "N'a' + NCHAR(0) + N'b'"},
		{ltTNVarMax, "\x00", "NCHAR(0)"},
		{ltTNVarMax, "tab\there", "N'tab\there'"},
		{ltTNVarMax, "nel\u0085ls\u2028ps\u2029del\x7f", "N'nel' + NCHAR(133) + N'ls' + NCHAR(8232) + N'ps' + NCHAR(8233) + N'del' + NCHAR(127)"},
		{ltTNVarMax, "éж€", "N'éж€'"},
		{ltTNVarMax, x4999 + "\n" + y5000, "CAST(N'" + x4999 + "' AS nvarchar(max)) + NCHAR(10) + N'" + y5000 + "'"},
		{ltTNVarMax, "\n" + y5000, "CAST(NCHAR(10) AS nvarchar(max)) + N'" + y5000 + "'"},
		// 4000 characters in all: no CAST needed; 4001: CAST.
		{ltTNVarMax, x4999[:2000] + "\n" + y5000[:1999], "N'" + x4999[:2000] + "' + NCHAR(10) + N'" + y5000[:1999] + "'"},
		{ltTNVarMax, x4999[:2000] + "\n" + y5000[:2000], "CAST(N'" + x4999[:2000] + "' AS nvarchar(max)) + NCHAR(10) + N'" + y5000[:2000] + "'"},
		// A string without line breaks is one literal, typed nvarchar(max)
		// by SQL Server when longer than 4000 characters.
		{ltTNVarMax, y5000, "N'" + y5000 + "'"},
		// Long chains are grouped in parentheses.
		{ltTNVarMax, strings.Repeat("\n", 64), ltNchar10(64)},
		{ltTNVarMax, strings.Repeat("\n", 65), "(" + ltNchar10(64) + ") + NCHAR(10)"},
		{ColumnType{Name: "nchar", MaxLength: 10}, "ab   ", "N'ab   '"},
		{ColumnType{Name: "nvarchar", MaxLength: 8}, "😀😀", "N'😀😀'"},
		{ColumnType{Name: "char", MaxLength: 10}, "é€‰Œ'\"    ", "N'é€‰Œ''\"    '"},
		{ColumnType{Name: "varchar", MaxLength: 50}, "line1\r\nGO\r\n$(x)", "N'line1' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x)'"},
		{ColumnType{Name: "text", MaxLength: 16}, "text ± value", "N'text ± value'"},
		{ColumnType{Name: "ntext", MaxLength: 16}, "ntext 😀", "N'ntext 😀'"},
		{ColumnType{Name: "xml", MaxLength: -1}, `<a b="1">it's &amp;</a>`, `N'<a b="1">it''s &amp;</a>'`},
		{ColumnType{Name: "sysname"}, "dbo", "N'dbo'"},

		{ltTVarBinMax, []byte{}, "0x"},
		{ltTVarBinMax, []byte{0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x0a}, "0xDEADBEEF000A"},
		{ColumnType{Name: "binary", MaxLength: 4}, []byte{1, 2, 0, 0}, "0x01020000"},
		{ColumnType{Name: "image", MaxLength: 16}, []byte{0xFF}, "0xFF"},

		{ltTGUID, ltGuidWire, "N'" + ltGuidText + "'"},
		{ltTGUID, make([]byte, 16), "N'00000000-0000-0000-0000-000000000000'"},

		{ColumnType{Name: "hierarchyid", MaxLength: 892}, []byte{0x5B, 0xC0}, "CAST(0x5BC0 AS hierarchyid)"},
		{ColumnType{Name: "hierarchyid", MaxLength: 892}, []byte{}, "CAST(0x AS hierarchyid)"},
		{ColumnType{Name: "geometry", MaxLength: -1}, []byte{0, 0, 0, 0, 1, 0x0C, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0, 0, 0, 0, 0, 0, 0, 0x40}, "CAST(0x00000000010C000000000000F03F0000000000000040 AS geometry)"},
		{ColumnType{Name: "geography", MaxLength: -1}, []byte{0xE6, 0x10, 0, 0, 1, 0x0C}, "CAST(0xE6100000010C AS geography)"},

		{ltTVariant, Variant{Base: ltTInt, Value: int64(math.MinInt32)}, "CAST(CAST(-2147483648 AS int) AS sql_variant)"},
		{ltTVariant, Variant{Base: ltTBigInt, Value: int64(math.MinInt64)}, "CAST(CAST(-9223372036854775808 AS bigint) AS sql_variant)"},
		{ltTVariant, Variant{Base: ltTTinyInt, Value: int64(255)}, "CAST(CAST(255 AS tinyint) AS sql_variant)"},
		{ltTVariant, Variant{Base: ltTBit, Value: true}, "CAST(CAST(1 AS bit) AS sql_variant)"},
		{ltTVariant, Variant{Base: ltDec(38, 2), Value: []byte("-" + ltNines(36) + ".99")}, "CAST(CAST(-" + ltNines(36) + ".99 AS decimal(38,2)) AS sql_variant)"},
		{ltTVariant, Variant{Base: ColumnType{Name: "numeric", Precision: 5, Scale: 1}, Value: []byte("1234.5")}, "CAST(CAST(1234.5 AS numeric(5,1)) AS sql_variant)"},
		{ltTVariant, Variant{Base: ltTMoney, Value: []byte("-922337203685477.5808")}, "CAST(CAST(-922337203685477.5808 AS money) AS sql_variant)"},
		{ltTVariant, Variant{Base: ltTSmallMon, Value: []byte("1.2500")}, "CAST(CAST(1.2500 AS smallmoney) AS sql_variant)"},
		{ltTVariant, Variant{Base: ltTReal, Value: 1.5}, "CAST(CAST(1.5E0 AS real) AS sql_variant)"},
		{ltTVariant, Variant{Base: ltTFloat, Value: -math.MaxFloat64}, "CAST(CAST(-1.7976931348623157E+308 AS float) AS sql_variant)"},
		{ltTVariant, Variant{Base: ColumnType{Name: "nvarchar", MaxLength: 20}, Value: "it's 😀"}, "CAST(CAST(N'it''s 😀' AS nvarchar(10)) AS sql_variant)"},
		{ltTVariant, Variant{Base: ColumnType{Name: "varchar", MaxLength: 20}, Value: "a\nGO\n$(b)"}, "CAST(CAST(N'a' + NCHAR(10) + N'GO' + NCHAR(10) + N'$' + N'(b)' AS varchar(20)) AS sql_variant)"},
		{ltTVariant, Variant{Base: ColumnType{Name: "varchar", MaxLength: 8000}, Value: x4999 + "\n"}, "CAST(CAST(CAST(N'" + x4999 + "' AS nvarchar(max)) + NCHAR(10) AS varchar(8000)) AS sql_variant)"},
		{ltTVariant, Variant{Base: ColumnType{Name: "char", MaxLength: 4}, Value: "ab  "}, "CAST(CAST(N'ab  ' AS char(4)) AS sql_variant)"},
		{ltTVariant, Variant{Base: ColumnType{Name: "varchar", MaxLength: 3}, Value: `C:\`}, `CAST(CAST(N'C:' + NCHAR(92) AS varchar(3)) AS sql_variant)`},
		{ltTVariant, Variant{Base: ColumnType{Name: "nvarchar", MaxLength: 8}, Value: `a\'b`}, `CAST(CAST(N'a' + NCHAR(92) + N'''b' AS nvarchar(4)) AS sql_variant)`},
		{ltTVariant, Variant{Base: ColumnType{Name: "nchar", MaxLength: 6}, Value: "x  "}, "CAST(CAST(N'x  ' AS nchar(3)) AS sql_variant)"},
		{ltTVariant, Variant{Base: ColumnType{Name: "varbinary", MaxLength: 3}, Value: []byte{1, 2, 3}}, "CAST(CAST(0x010203 AS varbinary(3)) AS sql_variant)"},
		{ltTVariant, Variant{Base: ColumnType{Name: "binary", MaxLength: 3}, Value: []byte{9, 0, 0}}, "CAST(CAST(0x090000 AS binary(3)) AS sql_variant)"},
		{ltTVariant, Variant{Base: ltTGUID, Value: ltGuidWire}, "CAST(CAST(N'" + ltGuidText + "' AS uniqueidentifier) AS sql_variant)"},
		{ltTVariant, Variant{Base: ltTDate, Value: ltUtc(9999, 12, 31, 0, 0, 0, 0)}, "CAST(CAST(N'9999-12-31' AS date) AS sql_variant)"},
		{ltTVariant, Variant{Base: ltTm("time", 7), Value: ltTimeOfDay(23, 59, 59, 999999900)}, "CAST(CAST(N'23:59:59.9999999' AS time(7)) AS sql_variant)"},
		{ltTVariant, Variant{Base: ltTm("datetime2", 7), Value: ltUtc(2001, 2, 3, 4, 5, 6, 700)}, "CAST(CAST(N'2001-02-03T04:05:06.0000007' AS datetime2(7)) AS sql_variant)"},
		{ltTVariant, Variant{Base: ltTm("datetimeoffset", 3), Value: time.Date(2001, 2, 3, 4, 5, 6, 7000000, ltZone(-8, 0))}, "CAST(CAST(N'2001-02-03T04:05:06.007-08:00' AS datetimeoffset(3)) AS sql_variant)"},
		{ltTVariant, Variant{Base: ltTDateTime, Value: ltUtc(1753, 1, 1, 0, 0, 0, 3000000)}, "CAST(CAST(N'1753-01-01T00:00:00.003' AS datetime) AS sql_variant)"},
		{ltTVariant, Variant{Base: ltTSmallDT, Value: ltUtc(2079, 6, 6, 23, 59, 0, 0)}, "CAST(CAST(N'2079-06-06T23:59:00' AS smalldatetime) AS sql_variant)"},
		{ltTVariant, &Variant{Base: ColumnType{Name: "INT"}, Value: int64(7)}, "CAST(CAST(7 AS int) AS sql_variant)"},
	}
}

// ltSameValue compares canonical values exactly: floats bit for bit, times by
// instant, wall clock and zone offset, variants by base declaration and
// value.
func ltSameValue(got, want any) bool {
	switch w := want.(type) {
	case nil:
		return got == nil
	case []byte:
		g, ok := got.([]byte)
		return ok && bytes.Equal(g, w) && (g == nil) == (w == nil)
	case float64:
		g, ok := got.(float64)
		return ok && math.Float64bits(g) == math.Float64bits(w)
	case time.Time:
		g, ok := got.(time.Time)
		if !ok {
			return false
		}
		_, goff := g.Zone()
		_, woff := w.Zone()
		return g.Equal(w) && goff == woff && g.Location() != time.Local &&
			g.Format("2006-01-02T15:04:05.999999999") == w.Format("2006-01-02T15:04:05.999999999")
	case Variant:
		g, ok := got.(Variant)
		return ok && g.Base.TypeDecl() == w.Base.TypeDecl() && ltSameValue(g.Value, w.Value)
	}
	return got == want
}

// ltCanonical returns the canonical form of an input AppendLiteral accepts.
func ltCanonical(t ColumnType, v any) any {
	switch x := v.(type) {
	case string:
		switch strings.ToLower(t.Name) {
		case "decimal", "numeric", "money", "smallmoney":
			return nil // compared as text by the golden literal
		}
	case int:
		return int64(x)
	case uint64:
		return int64(x)
	case float32:
		return float64(x)
	case *Variant:
		return ltCanonical(t, *x)
	case Variant:
		if x.Value == nil {
			return nil
		}
	}
	return v
}

func ltDescribe(v any) string {
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

func ltShort(s string) string {
	if len(s) > 200 {
		return fmt.Sprintf("%q...(%d bytes)", s[:200], len(s))
	}
	return strconv.Quote(s)
}

func TestAppendLiteralGolden(t *testing.T) {
	for _, c := range ltGoldenCases() {
		name := c.t.TypeDecl() + " " + ltShort(fmt.Sprint(c.v))
		if len(name) > 80 {
			name = name[:80]
		}
		t.Run(name, func(t *testing.T) {
			prefix := []byte("INSERT ")
			got, err := AppendLiteral(prefix, c.t, c.v)
			if err != nil {
				t.Fatalf("AppendLiteral(%s, %s): %v", c.t.TypeDecl(), ltDescribe(c.v), err)
			}
			if !bytes.HasPrefix(got, prefix) {
				t.Fatalf("AppendLiteral did not append to dst: %s", ltShort(string(got)))
			}
			lit := string(got[len(prefix):])
			if lit != c.want {
				t.Fatalf("AppendLiteral(%s, %s)\n got %s\nwant %s", c.t.TypeDecl(), ltDescribe(c.v), ltShort(lit), ltShort(c.want))
			}
			ltCheckScriptSafe(t, lit)
			back, err := ParseLiteral(c.t, lit)
			if err != nil {
				t.Fatalf("ParseLiteral(%s, %s): %v", c.t.TypeDecl(), ltShort(lit), err)
			}
			if want := ltCanonical(c.t, c.v); want != nil && !ltSameValue(back, want) {
				if !(litIsNilBytes(c.v)) {
					t.Errorf("ParseLiteral(%s) = %s, want %s", ltShort(lit), ltDescribe(back), ltDescribe(want))
				}
			}
			// Rendering the parsed value gives the same literal.
			again, err := AppendLiteral(nil, c.t, back)
			if err != nil || string(again) != lit {
				t.Errorf("AppendLiteral(ParseLiteral(lit)) = %s, %v; want %s", ltShort(string(again)), err, ltShort(lit))
			}
		})
	}
}

// ltCheckScriptSafe fails the test if lit, put alone on a line of a script,
// could be misread by sqlcmd or SSMS: a raw line break of any kind (which
// could turn a line of string data into a GO batch separator or a sqlcmd
// command), a "$(" (sqlcmd variable substitution), a NUL, or a backslash
// before a quote, which go-sqlcmd before 2022 read as an escape (kept out
// for those versions); the model of go-sqlcmd (v1.8.2) must send it whole.
func ltCheckScriptSafe(t *testing.T, lit string) {
	t.Helper()
	if i := strings.IndexAny(lit, "\r\n\x00\u0085\u2028\u2029\v\f"); i >= 0 {
		t.Errorf("literal has a raw control character or line break at %d: %s", i, ltShort(lit))
	}
	if strings.Contains(lit, "$(") {
		t.Errorf("literal contains $(: %s", ltShort(lit))
	}
	if ltIsGOLine(lit) {
		t.Errorf("literal is a GO line: %s", ltShort(lit))
	}
	if i := strings.Index(lit, `\'`); i >= 0 {
		t.Errorf("literal has a backslash before a quote at %d (go-sqlcmd takes it for an escape): %s", i, ltShort(lit))
	}
	// go-sqlcmd sends the literal, between a statement and a GO line, as
	// one batch: no string or comment of its reading is left open.
	g := goSqlcmdText("SELECT " + lit + "\nGO\nSELECT 2\nGO\n")
	if len(g.errs) != 0 || len(g.batches) != 2 || g.batches[0] != "SELECT "+lit {
		t.Errorf("go-sqlcmd reads the literal %s as %q, errors %q", ltShort(lit), g.batches, g.errs)
	}
	if strings.HasPrefix(strings.TrimLeft(lit, " \t"), ":") || strings.HasPrefix(strings.TrimLeft(lit, " \t"), "!!") {
		t.Errorf("literal could read as a sqlcmd command: %s", ltShort(lit))
	}
}

// ltIsGOLine reports whether sqlcmd or SSMS would take line for a batch
// separator: GO in any case, optionally followed by a count, with
// surrounding blanks.
func ltIsGOLine(line string) bool {
	f := strings.Fields(line)
	if len(f) == 0 || !strings.EqualFold(f[0], "GO") {
		return false
	}
	if len(f) == 1 {
		return true
	}
	_, err := strconv.Atoi(f[1])
	return len(f) == 2 && err == nil
}

// ltSplitBatches splits a script into batches as sqlcmd does: at lines that
// are GO. Any line break counts, including a lone CR.
func ltSplitBatches(script string) []string {
	script = strings.ReplaceAll(script, "\r\n", "\n")
	script = strings.ReplaceAll(script, "\r", "\n")
	var batches []string
	var cur []string
	for _, line := range strings.Split(script, "\n") {
		if ltIsGOLine(line) {
			batches = append(batches, strings.Join(cur, "\n"))
			cur = nil
			continue
		}
		cur = append(cur, line)
	}
	if len(cur) > 0 && strings.Join(cur, "") != "" {
		batches = append(batches, strings.Join(cur, "\n"))
	}
	return batches
}

func TestGoldenScriptBatches(t *testing.T) {
	// A script with every golden literal on a line of its own, one batch per
	// literal, must split into exactly those batches.
	var script strings.Builder
	cases := ltGoldenCases()
	for _, c := range cases {
		lit, err := AppendLiteral(nil, c.t, c.v)
		if err != nil {
			t.Fatal(err)
		}
		script.WriteString("SELECT\n")
		script.Write(lit)
		script.WriteString("\nGO\n")
	}
	batches := ltSplitBatches(script.String())
	if len(batches) != len(cases) {
		t.Fatalf("script splits into %d batches, want %d", len(batches), len(cases))
	}
	if strings.Contains(script.String(), "$(") {
		t.Error("script contains $(")
	}
	for i, c := range cases {
		lit, _ := AppendLiteral(nil, c.t, c.v)
		if batches[i] != "SELECT\n"+string(lit) {
			t.Errorf("batch %d = %s", i, ltShort(batches[i]))
		}
	}
}

func TestStringLiteralNeverBreaksScript(t *testing.T) {
	// Strings dense with the characters that matter.
	alphabet := []string{"\r", "\n", "\r\n", "GO", "go", " ", "\t", "$", "(", ")", "'", "x", "\x00", "\u2028", "\u0085", ":", "!!", "😀", `\`, `"`}
	rng := rand.New(rand.NewSource(7))
	types := []ColumnType{ltTNVarMax, ltTVarMax, {Name: "ntext"}, {Name: "text"}, {Name: "xml"}}
	for i := 0; i < 5000; i++ {
		var b strings.Builder
		n := rng.Intn(30)
		for k := 0; k < n; k++ {
			b.WriteString(alphabet[rng.Intn(len(alphabet))])
		}
		s := b.String()
		ct := types[i%len(types)]
		lit, err := AppendLiteral(nil, ct, s)
		if err != nil {
			t.Fatalf("AppendLiteral(%q): %v", s, err)
		}
		ltCheckScriptSafe(t, string(lit))
		script := "INSERT INTO t VALUES\n(" + string(lit) + ")\nGO\n"
		if got := ltSplitBatches(script); len(got) != 1 || got[0] != "INSERT INTO t VALUES\n("+string(lit)+")" {
			t.Fatalf("%q: script splits into %q", s, got)
		}
		back, err := ParseLiteral(ct, string(lit))
		if err != nil || back != s {
			t.Fatalf("ParseLiteral(%s) = %q, %v; want %q", lit, back, err, s)
		}
	}
}

func TestLongStringWithNewlines(t *testing.T) {
	// 10000 characters with a line break every 100: SQL Server would cut
	// the concatenation at 4000 characters unless its first operand is
	// nvarchar(max).
	var b strings.Builder
	for b.Len() < 10000 {
		b.WriteString(strings.Repeat("z", 99))
		b.WriteString("\n")
	}
	s := b.String()
	if len(s) != 10000 {
		t.Fatalf("len %d", len(s))
	}
	lit, err := AppendLiteral(nil, ltTNVarMax, s)
	if err != nil {
		t.Fatal(err)
	}
	l := string(lit)
	// 200 operands: four groups of up to 64 (3200 characters each), the
	// first cast to max.
	wantPrefix := "CAST((N'" + strings.Repeat("z", 99) + "' + NCHAR(10) + N'"
	if !strings.HasPrefix(l, wantPrefix) {
		t.Errorf("literal starts %s, want %s", ltShort(l[:min(len(l), 200)]), ltShort(wantPrefix))
	}
	if got, want := strings.Count(l, " AS nvarchar(max))"), 1; got != want {
		t.Errorf("%d casts to nvarchar(max), want %d", got, want)
	}
	if !strings.Contains(l, "NCHAR(10)) AS nvarchar(max)) + (N'") {
		t.Errorf("the first group is not cast to nvarchar(max)")
	}
	if got := strings.Count(l, "NCHAR(10)"); got != 100 {
		t.Errorf("%d NCHAR(10), want 100", got)
	}
	ltCheckScriptSafe(t, l)
	back, err := ParseLiteral(ltTNVarMax, l)
	if err != nil || back != s {
		t.Fatalf("ParseLiteral = %v, %v", ltDescribe(back), err)
	}
	// Every parenthesized group longer than 4000 characters starts with a
	// CAST to nvarchar(max), so no partial concatenation is truncated.
	ltCheckNoTruncation(t, l)
}

// ltCheckNoTruncation evaluates the string expression lit with SQL Server's
// typing rules for + on nvarchar: a concatenation of non-max operands is
// truncated to 4000 characters. It fails if the result differs from the
// value ParseLiteral gives.
func ltCheckNoTruncation(t *testing.T, lit string) {
	t.Helper()
	p := ltSqlEval{s: lit}
	v, _ := p.expr()
	if p.i != len(p.s) {
		t.Fatalf("evaluator stopped at %d", p.i)
	}
	want, err := ParseLiteral(ltTNVarMax, lit)
	if err != nil {
		t.Fatal(err)
	}
	if v.s != want {
		t.Errorf("SQL Server would truncate the concatenation to %d characters (want %d)", litUtf16Len(v.s), litUtf16Len(want.(string)))
	}
}

// ltSqlEval is a small model of T-SQL string expression evaluation.
type ltSqlEval struct {
	s string
	i int
}

type ltSqlString struct {
	s     string
	units int  // length in UTF-16 code units
	max   bool // typed nvarchar(max)
}

func (e *ltSqlEval) expr() (ltSqlString, error) {
	v, err := e.term()
	if err != nil {
		return v, err
	}
	var buf []byte
	if strings.HasPrefix(e.s[e.i:], " + ") {
		buf = []byte(v.s)
	}
	for strings.HasPrefix(e.s[e.i:], " + ") {
		e.i += 3
		w, err := e.term()
		if err != nil {
			return v, err
		}
		v.max = v.max || w.max
		for _, r := range w.s {
			u := 1
			if r >= 0x10000 {
				u = 2
			}
			if !v.max && v.units+u > 4000 {
				// nvarchar(4000): the rest is cut off.
				break
			}
			buf = utf8.AppendRune(buf, r)
			v.units += u
		}
		v.s = ""
	}
	if buf != nil {
		v.s = string(buf)
	}
	return v, nil
}

func (e *ltSqlEval) term() (ltSqlString, error) {
	rest := e.s[e.i:]
	switch {
	case strings.HasPrefix(rest, "N'"):
		var b strings.Builder
		e.i += 2
		for {
			j := strings.IndexByte(e.s[e.i:], '\'')
			b.WriteString(e.s[e.i : e.i+j])
			e.i += j + 1
			if e.i < len(e.s) && e.s[e.i] == '\'' {
				b.WriteByte('\'')
				e.i++
				continue
			}
			// A literal longer than 4000 characters is nvarchar(max).
			u := litUtf16Len(b.String())
			return ltSqlString{s: b.String(), units: u, max: u > 4000}, nil
		}
	case strings.HasPrefix(rest, "NCHAR("):
		j := strings.IndexByte(rest, ')')
		n, _ := strconv.Atoi(rest[6:j])
		e.i += j + 1
		return ltSqlString{s: string(rune(n)), units: 1}, nil
	case strings.HasPrefix(rest, "CAST("):
		e.i += 5
		v, err := e.expr()
		e.i += len(" AS nvarchar(max))")
		return ltSqlString{s: v.s, units: v.units, max: true}, err
	case strings.HasPrefix(rest, "("):
		e.i++
		v, err := e.expr()
		e.i++
		return v, err
	}
	return ltSqlString{}, fmt.Errorf("unexpected %q", rest)
}

func TestNoTruncationRandomLongStrings(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for i := 0; i < 300; i++ {
		var b strings.Builder
		n := 3000 + rng.Intn(12000)
		for b.Len() < n {
			switch rng.Intn(40) {
			case 0:
				b.WriteString("\r\n")
			case 1:
				b.WriteString("$(")
			case 2:
				b.WriteString("😀")
			default:
				b.WriteString(strings.Repeat("a", rng.Intn(200)))
			}
		}
		s := b.String()
		lit, err := AppendLiteral(nil, ltTNVarMax, s)
		if err != nil {
			t.Fatal(err)
		}
		ltCheckNoTruncation(t, string(lit))
	}
}

func TestAppendLiteralErrors(t *testing.T) {
	cases := []struct {
		t ColumnType
		v any
	}{
		{ltTBit, int64(1)},
		{ltTBit, "1"},
		{ltTTinyInt, int64(256)},
		{ltTTinyInt, int64(-1)},
		{ltTSmallInt, int64(math.MaxInt16 + 1)},
		{ltTInt, int64(math.MinInt32 - 1)},
		{ltTBigInt, uint64(math.MaxInt64 + 1)},
		{ltTBigInt, 1.5},
		{ltTBigInt, "1"},
		{ltDec(10, 2), "1e5"},
		{ltDec(10, 2), "12.345"},
		{ltDec(10, 2), "123456789"},
		{ltDec(10, 2), " 1"},
		{ltDec(10, 2), "1 "},
		{ltDec(10, 2), "0x10"},
		{ltDec(10, 2), "1);DROP TABLE t;--"},
		{ltDec(10, 2), ""},
		{ltDec(10, 2), "-"},
		{ltDec(10, 2), "."},
		{ltDec(10, 2), "1.2.3"},
		{ltDec(10, 2), "--1"},
		{ltDec(10, 2), "١٢"},
		{ltDec(10, 2), 1.5},
		{ltDec(39, 0), "1"},
		{ltDec(5, 6), "0"},
		{ltDec(38, 38), "1"},
		{ltTMoney, "922337203685477.5808"},
		{ltTMoney, "-922337203685477.5809"},
		{ltTMoney, "1.00001"},
		{ltTMoney, "1000000000000000"},
		{ltTSmallMon, "214748.3648"},
		{ltTSmallMon, "-214748.3649"},
		{ltTFloat, math.NaN()},
		{ltTFloat, math.Inf(1)},
		{ltTFloat, math.Inf(-1)},
		{ltTFloat, int64(1)},
		{ltTReal, 0.1},
		{ltTReal, 1e39},
		{ltTReal, math.NaN()},
		{ltTDate, ltUtc(2024, 1, 2, 3, 0, 0, 0)},
		{ltTDate, ltUtc(0, 12, 31, 0, 0, 0, 0)},
		{ltTDate, ltUtc(10000, 1, 1, 0, 0, 0, 0)},
		{ltTDate, "2024-01-02"},
		{ltTm("time", 3), ltTimeOfDay(1, 2, 3, 1234000)},
		{ltTm("time", 0), ltTimeOfDay(1, 2, 3, 1)},
		{ltTm("time", 8), ltTimeOfDay(1, 2, 3, 0)},
		{ltTm("datetime2", 7), ltUtc(2024, 1, 2, 3, 4, 5, 1)},
		{ltTm("datetime2", 3), ltUtc(2024, 1, 2, 3, 4, 5, 1234567)},
		{ltTm("datetimeoffset", 7), time.Date(2024, 1, 2, 3, 4, 5, 0, ltZone(14, 1))},
		{ltTm("datetimeoffset", 7), time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("", 30))},
		{ltTm("datetimeoffset", 7), time.Date(1, 1, 1, 0, 0, 0, 0, ltZone(1, 0))},
		{ltTDateTime, ltUtc(2000, 1, 1, 0, 0, 0, 4000000)},
		{ltTDateTime, ltUtc(2000, 1, 1, 0, 0, 0, 998000000)},
		{ltTDateTime, ltUtc(2000, 1, 1, 0, 0, 0, 3333333)},
		{ltTDateTime, ltUtc(1752, 12, 31, 23, 59, 59, 997000000)},
		{ltTDateTime, ltUtc(10000, 1, 1, 0, 0, 0, 0)},
		{ltTSmallDT, ltUtc(2000, 1, 1, 0, 0, 30, 0)},
		{ltTSmallDT, ltUtc(1899, 12, 31, 23, 59, 0, 0)},
		{ltTSmallDT, ltUtc(2079, 6, 7, 0, 0, 0, 0)},
		{ltTNVarMax, "bad \xff utf-8"},
		{ltTNVarMax, []byte("abc")},
		{ColumnType{Name: "nvarchar", MaxLength: 4}, "abc"},
		{ColumnType{Name: "nvarchar", MaxLength: 4}, "a😀"},
		{ColumnType{Name: "nchar", MaxLength: 2}, "ab"},
		{ColumnType{Name: "varbinary", MaxLength: 2}, []byte{1, 2, 3}},
		{ltTVarBinMax, "0x00"},
		{ltTGUID, make([]byte, 15)},
		{ltTGUID, ltGuidText},
		{ltTVariant, int64(1)},
		{ltTVariant, Variant{Base: ColumnType{Name: "text"}, Value: "x"}},
		{ltTVariant, Variant{Base: ltTNVarMax, Value: "x"}},
		{ltTVariant, Variant{Base: ColumnType{Name: "xml"}, Value: "<x/>"}},
		{ltTVariant, Variant{Base: ColumnType{Name: "hierarchyid"}, Value: []byte{}}},
		{ltTVariant, Variant{Base: ltTVariant, Value: Variant{Base: ltTInt, Value: int64(1)}}},
		{ltTVariant, Variant{Base: ltTInt, Value: "1"}},
		{ltTVariant, Variant{Base: ColumnType{Name: "nvarchar", MaxLength: 2}, Value: "ab"}},
		{ColumnType{Name: "timestamp"}, []byte{1}},
		{ColumnType{Name: "mytype"}, int64(1)},
		{ColumnType{Name: "hierarchyid"}, "/1/"},
	}
	for _, c := range cases {
		dst := []byte("keep")
		got, err := AppendLiteral(dst, c.t, c.v)
		if err == nil {
			t.Errorf("AppendLiteral(%s, %s) = %s, want an error", c.t.TypeDecl(), ltDescribe(c.v), got)
			continue
		}
		if string(got) != "keep" {
			t.Errorf("AppendLiteral(%s, %s) changed dst to %q on error", c.t.TypeDecl(), ltDescribe(c.v), got)
		}
		if !strings.HasPrefix(err.Error(), "mssql: rendering ") {
			t.Errorf("error %q lacks context", err)
		}
	}
	_, err := AppendLiteral(nil, ColumnType{Name: "timestamp"}, []byte{1})
	if !errors.Is(err, ErrUnsupportedType) {
		t.Errorf("timestamp: error %v is not ErrUnsupportedType", err)
	}
}

func TestParseLiteralErrors(t *testing.T) {
	cases := []struct {
		t   ColumnType
		lit string
	}{
		{ltTBit, "2"},
		{ltTBit, "true"},
		{ltTTinyInt, "256"},
		{ltTInt, "2147483648"},
		{ltTInt, "1.0"},
		{ltTInt, "+1"},
		{ltTInt, ""},
		{ltTBigInt, "9223372036854775808"},
		{ltDec(5, 2), "1234.5"},
		{ltDec(5, 2), "1.234"},
		{ltDec(5, 2), "1E2"},
		{ltTMoney, "922337203685477.5808"},
		{ltTFloat, "1"},
		{ltTFloat, "1.5"},
		{ltTFloat, "1E999"},
		{ltTFloat, "NaN"},
		{ltTFloat, "InfE0"},
		{ltTFloat, "0x1p-2"},
		{ltTFloat, "1_0E0"},
		{ltTFloat, "1.E0"},
		{ltTFloat, ".5E0"},
		{ltTReal, "1E39"},
		{ltTNVarMax, `N'C:\'`},
		{ltTNVarMax, `N'a\''b'`},
		{ltTNVarMax, `N'a' + N'b\'`},
		{ltTVariant, `CAST(CAST(N'C:\' AS varchar(3)) AS sql_variant)`},
		{ltTDate, "N'2024-01-02'"},
		{ltTDate, "CAST(N'2024-02-30' AS date)"},
		{ltTDate, "CAST(N'2024-01-02' AS datetime)"},
		{ltTDate, "CAST(N'0000-01-02' AS date)"},
		{ltTDate, "CAST(N'2024-1-2' AS date)"},
		{ltTDate, "CAST('2024-01-02' AS date)"},
		{ltTm("time", 3), "CAST(N'24:00:00.000' AS time(3))"},
		{ltTm("time", 3), "CAST(N'12:00:00.0001' AS time(3))"},
		{ltTm("time", 3), "CAST(N'12:00:00.000' AS time(7))"},
		{ltTm("time", 7), "CAST(N'12:00:00.12345678' AS time(7))"},
		{ltTm("time", 7), "CAST(N'12:00:60' AS time(7))"},
		{ltTm("datetime2", 7), "CAST(N'2024-01-02 03:04:05' AS datetime2(7))"},
		{ltTm("datetime2", 7), "CAST(N'2024-01-02T03:04:05Z' AS datetime2(7))"},
		{ltTm("datetimeoffset", 0), "CAST(N'2024-01-02T03:04:05+14:01' AS datetimeoffset(0))"},
		{ltTm("datetimeoffset", 0), "CAST(N'2024-01-02T03:04:05+1:00' AS datetimeoffset(0))"},
		{ltTm("datetimeoffset", 0), "CAST(N'2024-01-02T03:04:05' AS datetimeoffset(0))"},
		{ltTm("datetimeoffset", 0), "CAST(N'0001-01-01T00:00:00+01:00' AS datetimeoffset(0))"},
		{ltTDateTime, "CAST(N'1752-12-31T23:59:59.997' AS datetime)"},
		{ltTDateTime, "CAST(N'9999-12-31T23:59:59.999' AS datetime)"},
		{ltTDateTime, "CAST(N'2000-01-01T00:00:00.0000' AS datetime)"},
		{ltTSmallDT, "CAST(N'2000-01-01T00:00:30' AS smalldatetime)"},
		{ltTSmallDT, "CAST(N'2079-06-07T00:00:00' AS smalldatetime)"},
		{ltTNVarMax, "'abc'"},
		{ltTNVarMax, "N'abc"},
		{ltTNVarMax, "N'a'b'"},
		{ltTNVarMax, "N'a' +N'b'"},
		{ltTNVarMax, "N'a' + "},
		{ltTNVarMax, "NCHAR(55296)"},
		{ltTNVarMax, "NCHAR(65536)"},
		{ltTNVarMax, "NCHAR(010)"},
		{ltTNVarMax, "NCHAR(10"},
		{ltTNVarMax, "CAST(N'a' AS varchar(max))"},
		{ltTNVarMax, "(N'a'"},
		{ltTNVarMax, strings.Repeat("(", 100) + "N'a'" + strings.Repeat(")", 100)},
		{ltTNVarMax, "N'\xff'"},
		{ColumnType{Name: "nvarchar", MaxLength: 4}, "N'abc'"},
		{ltTVarBinMax, "0xABC"},
		{ltTVarBinMax, "0xGG"},
		{ltTVarBinMax, "DEAD"},
		{ColumnType{Name: "binary", MaxLength: 1}, "0x0102"},
		{ltTGUID, "N'6F9619FF8B86-D011-B42D-00C04FC964FF'"},
		{ltTGUID, "N'6F9619FF-8B86-D011-B42D-00C04FC964FG'"},
		{ltTGUID, "'6F9619FF-8B86-D011-B42D-00C04FC964FF'"},
		{ColumnType{Name: "hierarchyid"}, "0x5BC0"},
		{ColumnType{Name: "hierarchyid"}, "CAST(0x5BC0 AS geometry)"},
		{ltTVariant, "1"},
		{ltTVariant, "CAST(1 AS text)"},
		{ltTVariant, "CAST(1 AS nvarchar(max))"},
		{ltTVariant, "CAST(1 AS INT)"},
		{ltTVariant, "CAST(1 AS decimal(39,0))"},
		{ltTVariant, "CAST(1 AS varchar(0))"},
		{ltTVariant, "CAST(1.5 AS int)"},
		{ltTVariant, "CAST(NULL AS int)"},
		{ltTVariant, "CAST(CAST(1 AS int) AS int)"},
		{ltTVariant, "CAST(CAST(1 AS int) AS sql_variant"},
		{ltTVariant, "CAST(1 AS sql_variant)"},
		{ltTVariant, "CAST(CAST(CAST(1 AS int) AS sql_variant) AS sql_variant)"},
		{ColumnType{Name: "timestamp"}, "0x01"},
	}
	for _, c := range cases {
		v, err := ParseLiteral(c.t, c.lit)
		if err == nil {
			t.Errorf("ParseLiteral(%s, %s) = %s, want an error", c.t.TypeDecl(), ltShort(c.lit), ltDescribe(v))
			continue
		}
		if !strings.HasPrefix(err.Error(), "mssql: parsing ") {
			t.Errorf("error %q lacks context", err)
		}
	}
}

func TestParseLiteralModelsSQLServer(t *testing.T) {
	cases := []struct {
		t    ColumnType
		lit  string
		want any
	}{
		{ltTInt, "NULL", nil},
		{ltTVariant, "NULL", nil},
		// Documented datetime rounding (Microsoft Learn, datetime): .999 is
		// the next second; .995 to .998 are .997; .992 to .994 are .993;
		// .990 and .991 are .990.
		{ltTDateTime, "CAST(N'1998-01-01T23:59:59.999' AS datetime)", ltUtc(1998, 1, 2, 0, 0, 0, 0)},
		{ltTDateTime, "CAST(N'1998-01-01T23:59:59.998' AS datetime)", ltUtc(1998, 1, 1, 23, 59, 59, 997000000)},
		{ltTDateTime, "CAST(N'1998-01-01T23:59:59.997' AS datetime)", ltUtc(1998, 1, 1, 23, 59, 59, 997000000)},
		{ltTDateTime, "CAST(N'1998-01-01T23:59:59.996' AS datetime)", ltUtc(1998, 1, 1, 23, 59, 59, 997000000)},
		{ltTDateTime, "CAST(N'1998-01-01T23:59:59.995' AS datetime)", ltUtc(1998, 1, 1, 23, 59, 59, 997000000)},
		{ltTDateTime, "CAST(N'1998-01-01T23:59:59.994' AS datetime)", ltUtc(1998, 1, 1, 23, 59, 59, 993000000)},
		{ltTDateTime, "CAST(N'1998-01-01T23:59:59.993' AS datetime)", ltUtc(1998, 1, 1, 23, 59, 59, 993000000)},
		{ltTDateTime, "CAST(N'1998-01-01T23:59:59.992' AS datetime)", ltUtc(1998, 1, 1, 23, 59, 59, 993000000)},
		{ltTDateTime, "CAST(N'1998-01-01T23:59:59.991' AS datetime)", ltUtc(1998, 1, 1, 23, 59, 59, 990000000)},
		{ltTDateTime, "CAST(N'1998-01-01T23:59:59.990' AS datetime)", ltUtc(1998, 1, 1, 23, 59, 59, 990000000)},
		{ltTDateTime, "CAST(N'1998-01-01T23:59:59.5' AS datetime)", ltUtc(1998, 1, 1, 23, 59, 59, 500000000)},
		{ltTDateTime, "CAST(N'1998-01-01T23:59:59' AS datetime)", ltUtc(1998, 1, 1, 23, 59, 59, 0)},
		// A real constant is read as float, then rounded.
		{ltTReal, "0.1E0", float64(float32(0.1))},
		{ltTReal, "7.038531E-26", float64(math.Float32frombits(363742206))},
		{ltTReal, "7.038530691851209E-26", float64(ltDoubleRounding)},
		// Variations AppendLiteral does not write but SQL Server reads the same.
		{ltTVarBinMax, "0xdeadbeef", []byte{0xDE, 0xAD, 0xBE, 0xEF}},
		{ltTGUID, "N'" + strings.ToLower(ltGuidText) + "'", ltGuidWire},
		{ltDec(5, 2), "+001.5", []byte("1.50")},
		{ltTNVarMax, "(N'a' + (NCHAR(10))) + CAST(N'b' AS nvarchar(max))", "a\nb"},
		{ColumnType{Name: "sysname"}, "N'x'", "x"},
		{ltTVariant, "CAST(7 AS int)", Variant{Base: ltTInt, Value: int64(7)}},
		{ltTVariant, "CAST(N'a' AS nvarchar(1))", Variant{Base: ColumnType{Name: "nvarchar", MaxLength: 2}, Value: "a"}},
		{ltTVariant, "CAST(1 AS sysname)", nil}, // error: checked below
	}
	for _, c := range cases[:len(cases)-1] {
		got, err := ParseLiteral(c.t, c.lit)
		if err != nil {
			t.Errorf("ParseLiteral(%s, %s): %v", c.t.TypeDecl(), c.lit, err)
			continue
		}
		if !ltSameValue(got, c.want) {
			t.Errorf("ParseLiteral(%s, %s) = %s, want %s", c.t.TypeDecl(), c.lit, ltDescribe(got), ltDescribe(c.want))
		}
	}
	if v, err := ParseLiteral(ltTVariant, "CAST(N'x' AS sysname)"); err != nil || !ltSameValue(v, Variant{Base: ColumnType{Name: "nvarchar", MaxLength: 256}, Value: "x"}) {
		t.Errorf("sysname variant: %v, %v", v, err)
	}
}

// ltDriverMillisFloat is go-mssqldb v1.11.2's threeHundredthsOfASecondToNanos
// (types.go) in milliseconds, copied verbatim as the reference.
func ltDriverMillisFloat(ths int) int {
	return int(math.Trunc(float64(ths)/0.3 + 0.5))
}

func TestDatetimeTickModel(t *testing.T) {
	seen := map[int]bool{}
	for tick := 0; tick < 300; tick++ {
		ms := ltDriverMillisFloat(tick)
		if got := litDriverMillis(tick); got != ms {
			t.Errorf("litDriverMillis(%d) = %d, go-mssqldb gives %d", tick, got, ms)
		}
		// SQL Server stores the tick nearest to the milliseconds, halves
		// up: ms*0.3 rounded. Computed exactly with big.Rat.
		r := new(big.Rat).SetFrac64(int64(ms)*3, 10)
		r.Add(r, big.NewRat(1, 2))
		back := new(big.Int).Quo(r.Num(), r.Denom())
		if back.Int64() != int64(tick) {
			t.Errorf("tick %d shows as .%03d, which SQL Server reads as tick %d", tick, ms, back.Int64())
		}
		if got := litDatetimeTick(ms); got != tick {
			t.Errorf("litDatetimeTick(%d) = %d, want %d", ms, got, tick)
		}
		seen[ms] = true
		// The literal of every tick renders its milliseconds as SQL Server
		// shows them, and parses back to the same tick.
		v := ltUtc(2000, 1, 1, 0, 0, 0, ms*1e6)
		lit, err := AppendLiteral(nil, ltTDateTime, v)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("CAST(N'2000-01-01T00:00:00.%03d' AS datetime)", ms); string(lit) != want {
			t.Errorf("tick %d: %s, want %s", tick, lit, want)
		}
		if got, err := ParseLiteral(ltTDateTime, string(lit)); err != nil || !ltSameValue(got, v) {
			t.Errorf("tick %d: ParseLiteral = %v, %v", tick, got, err)
		}
	}
	// Every other millisecond value is not a tick the driver can return.
	for ms := 0; ms < 1000; ms++ {
		_, err := AppendLiteral(nil, ltTDateTime, ltUtc(2000, 1, 1, 0, 0, 0, ms*1e6))
		if (err == nil) != seen[ms] {
			t.Errorf(".%03d: error %v, is a tick: %v", ms, err, seen[ms])
		}
	}
	if len(seen) != 300 {
		t.Errorf("%d distinct millisecond values, want 300", len(seen))
	}
}

func TestRealDoubleRounding(t *testing.T) {
	f := ltDoubleRounding
	s32 := strconv.FormatFloat(float64(f), 'g', -1, 32)
	g, _ := strconv.ParseFloat(s32, 64)
	if float32(g) == f {
		t.Fatalf("%s no longer shows double rounding", s32)
	}
	lit, err := AppendLiteral(nil, ltTReal, float64(f))
	if err != nil {
		t.Fatal(err)
	}
	g, err = strconv.ParseFloat(string(lit), 64)
	if err != nil || float32(g) != f {
		t.Errorf("%s reads as %v via float64, want %v", lit, float32(g), f)
	}
}

func TestTypeDecl(t *testing.T) {
	cases := []struct {
		t    ColumnType
		want string
	}{
		{ColumnType{Name: "int", MaxLength: 4, Precision: 10}, "int"},
		{ColumnType{Name: "decimal", Precision: 19, Scale: 4}, "decimal(19,4)"},
		{ColumnType{Name: "numeric", Precision: 38, Scale: 38}, "numeric(38,38)"},
		{ColumnType{Name: "decimal"}, "decimal(18,0)"},
		{ColumnType{Name: "nvarchar", MaxLength: -1}, "nvarchar(max)"},
		{ColumnType{Name: "nvarchar", MaxLength: 200}, "nvarchar(100)"},
		{ColumnType{Name: "nchar", MaxLength: 2}, "nchar(1)"},
		{ColumnType{Name: "varchar", MaxLength: 8000}, "varchar(8000)"},
		{ColumnType{Name: "varchar", MaxLength: -1}, "varchar(max)"},
		{ColumnType{Name: "varchar"}, "varchar(1)"},
		{ColumnType{Name: "char", MaxLength: 10}, "char(10)"},
		{ColumnType{Name: "varbinary", MaxLength: 16}, "varbinary(16)"},
		{ColumnType{Name: "varbinary", MaxLength: -1}, "varbinary(max)"},
		{ColumnType{Name: "binary", MaxLength: 8}, "binary(8)"},
		{ColumnType{Name: "datetime2", MaxLength: 8, Precision: 27, Scale: 7}, "datetime2(7)"},
		{ColumnType{Name: "time", Scale: 0}, "time(0)"},
		{ColumnType{Name: "datetimeoffset", Scale: 3}, "datetimeoffset(3)"},
		{ColumnType{Name: "float", MaxLength: 8, Precision: 53}, "float"},
		{ColumnType{Name: "real", MaxLength: 4, Precision: 24}, "real"},
		{ColumnType{Name: "datetime"}, "datetime"},
		{ColumnType{Name: "money"}, "money"},
		{ColumnType{Name: "text", MaxLength: 16}, "text"},
		{ColumnType{Name: "ntext", MaxLength: 16}, "ntext"},
		{ColumnType{Name: "image", MaxLength: 16}, "image"},
		{ColumnType{Name: "xml", MaxLength: -1}, "xml"},
		{ColumnType{Name: "uniqueidentifier", MaxLength: 16}, "uniqueidentifier"},
		{ColumnType{Name: "sql_variant", MaxLength: 8016}, "sql_variant"},
		{ColumnType{Name: "hierarchyid", MaxLength: 892}, "hierarchyid"},
		{ColumnType{Name: "geography", MaxLength: -1}, "geography"},
		{ColumnType{Name: "NVarChar", MaxLength: 20}, "nvarchar(10)"},
		{ColumnType{Name: "sysname", MaxLength: 256}, "nvarchar(128)"},
	}
	for _, c := range cases {
		if got := c.t.TypeDecl(); got != c.want {
			t.Errorf("%+v.TypeDecl() = %q, want %q", c.t, got, c.want)
		}
		if c.t.Name == "NVarChar" || c.t.Name == "sysname" {
			continue
		}
		back, err := ParseTypeDecl(c.want)
		if err != nil {
			t.Errorf("ParseTypeDecl(%q): %v", c.want, err)
		} else if back.TypeDecl() != c.want {
			t.Errorf("ParseTypeDecl(%q) = %+v, TypeDecl %q", c.want, back, back.TypeDecl())
		}
	}
	for _, bad := range []string{"", "int(4)", "nvarchar", "nvarchar(4001)", "nchar(max)", "varchar(0)", "varchar(08)",
		"decimal(39,0)", "decimal(5,6)", "decimal(5)", "datetime2(8)", "datetime2", "float(0)", "float(54)", "timestamp",
		"NVARCHAR(10)", "nvarchar(10", "sysname(1)"} {
		if ct, err := ParseTypeDecl(bad); err == nil {
			t.Errorf("ParseTypeDecl(%q) = %+v, want an error", bad, ct)
		}
	}
	if ct, err := ParseTypeDecl("float(24)"); err != nil || ct.Name != "real" {
		t.Errorf("float(24) = %+v, %v; want real", ct, err)
	}
}

// ltGen generates random canonical values of one type.
type ltGen struct {
	rng *rand.Rand
}

func (g ltGen) intn(lo, hi int64) int64 {
	// Favour the edges.
	switch g.rng.Intn(10) {
	case 0:
		return lo
	case 1:
		return hi
	case 2:
		return min(hi, lo+g.rng.Int63n(3))
	}
	return lo + int64(new(big.Int).Rand(g.rng, new(big.Int).SetUint64(uint64(hi-lo)+1)).Uint64())
}

// ltDecimalText formats the unscaled value u with scale digits after the
// point, as go-mssqldb does.
func ltDecimalText(u *big.Int, scale int) []byte {
	s := new(big.Int).Abs(u).String()
	if len(s) <= scale {
		s = strings.Repeat("0", scale-len(s)+1) + s
	}
	out := s[:len(s)-scale]
	if scale > 0 {
		out += "." + s[len(s)-scale:]
	}
	if u.Sign() < 0 {
		out = "-" + out
	}
	return []byte(out)
}

func (g ltGen) decimal(p, s int) []byte {
	digits := g.rng.Intn(p + 1)
	if g.rng.Intn(5) == 0 {
		digits = p
	}
	u := new(big.Int)
	if digits > 0 {
		lim := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)
		if g.rng.Intn(8) == 0 {
			u.Sub(lim, big.NewInt(1))
		} else {
			u.Rand(g.rng, lim)
		}
	}
	if g.rng.Intn(2) == 0 {
		u.Neg(u)
	}
	return ltDecimalText(u, s)
}

func (g ltGen) float64() float64 {
	for {
		var f float64
		switch g.rng.Intn(6) {
		case 0:
			f = float64(g.rng.Int63n(1<<20) - 1<<19)
		case 1:
			f = g.rng.NormFloat64() * math.Pow(10, float64(g.rng.Intn(40)-20))
		case 2:
			f = math.Float64frombits(g.rng.Uint64() & 0x800FFFFFFFFFFFFF) // subnormal
		default:
			f = math.Float64frombits(g.rng.Uint64())
		}
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f
		}
	}
}

func (g ltGen) float32() float64 {
	for {
		var f float32
		switch g.rng.Intn(5) {
		case 0:
			f = float32(g.rng.Int63n(1<<20) - 1<<19)
		case 1:
			f = float32(g.rng.NormFloat64() * math.Pow(10, float64(g.rng.Intn(20)-10)))
		default:
			f = math.Float32frombits(g.rng.Uint32())
		}
		if !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0) {
			return float64(f)
		}
	}
}

var ltDay0001 = ltUtc(1, 1, 1, 0, 0, 0, 0)

// ltDayAt returns the date n days after start.
func ltDayAt(start time.Time, n int64) time.Time {
	return start.AddDate(0, 0, int(n))
}

func (g ltGen) fraction(scale int) int {
	unit := litPow10(9 - scale)
	return int(g.intn(0, int64(1e9/unit-1))) * unit
}

const ltMaxDays = 3652058 // 0001-01-01 to 9999-12-31

func (g ltGen) clock() (h, m, s int) {
	sec := g.intn(0, 86399)
	return int(sec / 3600), int(sec / 60 % 60), int(sec % 60)
}

func (g ltGen) datetime2(scale int) time.Time {
	d := ltDayAt(ltDay0001, g.intn(0, ltMaxDays))
	h, m, s := g.clock()
	return time.Date(d.Year(), d.Month(), d.Day(), h, m, s, g.fraction(scale), time.UTC)
}

func (g ltGen) str() string {
	pieces := []string{"a", "Z", "0", " ", "'", "''", "\r", "\n", "\r\n", "GO", "$", "(", "$(", "\x00", "\t", "\x1b", "\u0085", "\u2028",
		"é", "ж", "€", "😀", "𝄞", "\ufeff", "\ufffd", "N'", "' + N'", "NCHAR(10)", ")", "CAST(", " AS nvarchar(max))",
		`\`, `\'`, `\\`, `C:\`, `\''`, `"`, `\"`, "--", "/*", "*/"}
	var b strings.Builder
	n := g.rng.Intn(20)
	if g.rng.Intn(50) == 0 {
		n = 1000 + g.rng.Intn(3000)
	}
	for i := 0; i < n; i++ {
		switch g.rng.Intn(4) {
		case 0:
			// Any BMP or supplementary character but surrogates.
			for {
				r := rune(g.rng.Intn(0x110000))
				if utf8.ValidRune(r) {
					b.WriteRune(r)
					break
				}
			}
		default:
			b.WriteString(pieces[g.rng.Intn(len(pieces))])
		}
	}
	return b.String()
}

func (g ltGen) bytes(max int) []byte {
	b := make([]byte, g.rng.Intn(max+1))
	g.rng.Read(b)
	return b
}

// ltTypeGen is a column type with a generator of its canonical values.
type ltTypeGen struct {
	t     ColumnType
	ltGen func(g ltGen) any
}

func ltTypeGens() []ltTypeGen {
	var tg []ltTypeGen
	add := func(t ColumnType, f func(g ltGen) any) { tg = append(tg, ltTypeGen{t, f}) }
	add(ltTBit, func(g ltGen) any { return g.rng.Intn(2) == 0 })
	for _, name := range []string{"tinyint", "smallint", "int", "bigint"} {
		lo, hi := litIntRange(name)
		add(ColumnType{Name: name}, func(g ltGen) any { return g.intn(lo, hi) })
	}
	for _, ps := range [][2]uint8{{38, 0}, {38, 38}, {38, 10}, {18, 4}, {9, 2}, {1, 0}, {1, 1}, {5, 5}, {19, 4}, {28, 6}} {
		for _, name := range []string{"decimal", "numeric"} {
			p, s := int(ps[0]), int(ps[1])
			add(ColumnType{Name: name, Precision: ps[0], Scale: ps[1]}, func(g ltGen) any { return g.decimal(p, s) })
		}
	}
	add(ltTMoney, func(g ltGen) any { return ltDecimalText(big.NewInt(g.intn(math.MinInt64, math.MaxInt64)), 4) })
	add(ltTSmallMon, func(g ltGen) any { return ltDecimalText(big.NewInt(g.intn(math.MinInt32, math.MaxInt32)), 4) })
	add(ltTFloat, func(g ltGen) any { return g.float64() })
	add(ltTReal, func(g ltGen) any { return g.float32() })
	add(ltTDate, func(g ltGen) any { return ltDayAt(ltDay0001, g.intn(0, ltMaxDays)) })
	for s := 0; s <= 7; s++ {
		scale := s
		add(ltTm("time", uint8(s)), func(g ltGen) any {
			h, m, sec := g.clock()
			return ltTimeOfDay(h, m, sec, g.fraction(scale))
		})
		add(ltTm("datetime2", uint8(s)), func(g ltGen) any { return g.datetime2(scale) })
		add(ltTm("datetimeoffset", uint8(s)), func(g ltGen) any {
			for {
				local := g.datetime2(scale)
				off := int(g.intn(-14*60, 14*60))
				v := time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), local.Minute(), local.Second(), local.Nanosecond(), time.FixedZone("", off*60))
				if y := v.UTC().Year(); y >= 1 && y <= 9999 {
					return v
				}
			}
		})
	}
	add(ltTDateTime, func(g ltGen) any {
		// 1753-01-01 is day 639905 after 0001-01-01.
		d := ltDayAt(ltDay0001, g.intn(639905, ltMaxDays))
		h, m, s := g.clock()
		return time.Date(d.Year(), d.Month(), d.Day(), h, m, s, ltDriverMillisFloat(int(g.intn(0, 299)))*1e6, time.UTC)
	})
	add(ltTSmallDT, func(g ltGen) any {
		d := ltDayAt(ltUtc(1900, 1, 1, 0, 0, 0, 0), g.intn(0, 65535))
		mins := int(g.intn(0, 1439))
		return time.Date(d.Year(), d.Month(), d.Day(), mins/60, mins%60, 0, 0, time.UTC)
	})
	for _, name := range []string{"char", "varchar", "text", "nchar", "nvarchar", "ntext", "xml"} {
		add(ColumnType{Name: name, MaxLength: -1}, func(g ltGen) any { return g.str() })
	}
	add(ColumnType{Name: "nvarchar", MaxLength: 8000}, func(g ltGen) any {
		for {
			if s := g.str(); litUtf16Len(s) <= 4000 {
				return s
			}
		}
	})
	for _, name := range []string{"binary", "varbinary", "image", "hierarchyid", "geometry", "geography"} {
		add(ColumnType{Name: name, MaxLength: -1}, func(g ltGen) any { return g.bytes(40) })
	}
	add(ltTVarBinMax, func(g ltGen) any { return g.bytes(3000) })
	add(ltTGUID, func(g ltGen) any { return g.bytes(0)[:0:0] }) // replaced below
	tg[len(tg)-1].ltGen = func(g ltGen) any {
		b := make([]byte, 16)
		g.rng.Read(b)
		return b
	}
	// sql_variant over every base type.
	var bases []ltTypeGen
	for _, b := range tg {
		if litIsVariantBase(b.t.norm()) {
			bases = append(bases, b)
		}
	}
	add(ltTVariant, func(g ltGen) any {
		b := bases[g.rng.Intn(len(bases))]
		v := b.ltGen(g)
		base := b.t
		switch base.Name {
		case "char", "varchar", "nchar", "nvarchar", "binary", "varbinary":
			// A variant holds at most 8000 bytes.
			var n int
			switch x := v.(type) {
			case string:
				if litUtf16Len(x) > 4000 {
					v = "ltShort"
				}
				n = litUtf16Len(v.(string))
				if base.Name == "char" || base.Name == "varchar" {
					n = len(v.(string)) // at least the code page length
				} else {
					n *= 2
				}
			case []byte:
				n = len(x)
			}
			if n == 0 {
				n = 1
			}
			base.MaxLength = n
		}
		return Variant{Base: base, Value: v}
	})
	return tg
}

func TestLiteralRoundTripProperty(t *testing.T) {
	const perType = 2000
	for i, tgen := range ltTypeGens() {
		name := tgen.t.TypeDecl()
		t.Run(fmt.Sprintf("%02d_%s", i, name), func(t *testing.T) {
			g := ltGen{rng: rand.New(rand.NewSource(int64(1000 + i)))}
			for n := 0; n < perType; n++ {
				v := tgen.ltGen(g)
				lit, err := AppendLiteral(nil, tgen.t, v)
				if err != nil {
					t.Fatalf("AppendLiteral(%s, %s): %v", name, ltDescribe(v), err)
				}
				back, err := ParseLiteral(tgen.t, string(lit))
				if err != nil {
					t.Fatalf("ParseLiteral(%s, %s): %v", name, ltShort(string(lit)), err)
				}
				if !ltSameValue(back, v) {
					t.Fatalf("round trip of %s through %s gave %s", ltDescribe(v), ltShort(string(lit)), ltDescribe(back))
				}
				ltCheckScriptSafe(t, string(lit))
				if _, ok := v.(string); ok && (strings.Contains(string(lit), "NCHAR(") || litUtf16Len(string(lit)) > 4000) {
					ltCheckNoTruncation(t, string(lit))
				}
			}
		})
	}
}

// TestLiteralRoundTripQuick checks the same property with testing/quick's
// generator for the types whose values it can make directly.
func TestLiteralRoundTripQuick(t *testing.T) {
	check := func(name string, f any) {
		t.Helper()
		cfg := &quick.Config{MaxCount: 2000, Rand: rand.New(rand.NewSource(3))}
		if err := quick.Check(f, cfg); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	roundTrip := func(ct ColumnType, v any) bool {
		lit, err := AppendLiteral(nil, ct, v)
		if err != nil {
			return false
		}
		back, err := ParseLiteral(ct, string(lit))
		return err == nil && ltSameValue(back, v)
	}
	check("bigint", func(n int64) bool { return roundTrip(ltTBigInt, n) })
	check("int", func(n int32) bool { return roundTrip(ltTInt, int64(n)) })
	check("float", func(bits uint64) bool {
		f := math.Float64frombits(bits)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return true
		}
		return roundTrip(ltTFloat, f)
	})
	check("real", func(bits uint32) bool {
		f := float64(math.Float32frombits(bits))
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return true
		}
		return roundTrip(ltTReal, f)
	})
	check("nvarchar", func(s string) bool { return roundTrip(ltTNVarMax, s) })
	check("varbinary", func(b []byte) bool {
		if b == nil {
			b = []byte{}
		}
		return roundTrip(ltTVarBinMax, b)
	})
	check("uniqueidentifier", func(g [16]byte) bool { return roundTrip(ltTGUID, g[:]) })
}

// TestLiteralDriverValues sends values of every type through a TDS server
// (mssqltest) to go-mssqldb v1.11.2, and checks that what the driver returns
// is the canonical value AppendLiteral accepts, renders as expected, and
// parses back to itself.
func TestLiteralDriverValues(t *testing.T) {
	type dcase struct {
		col  mssqltest.Column
		ct   ColumnType
		send []any
		want []string // literals
	}
	mc := func(typ mssqltest.Type, length int, p, s uint8) mssqltest.Column {
		return mssqltest.Column{Type: typ, Length: length, Precision: p, Scale: s, Nullable: true}
	}
	cases := []dcase{
		{mc(mssqltest.TypeBit, 0, 0, 0), ltTBit, []any{true, false, nil}, []string{"1", "0", "NULL"}},
		{mc(mssqltest.TypeTinyInt, 0, 0, 0), ltTTinyInt, []any{0, 255}, []string{"0", "255"}},
		{mc(mssqltest.TypeSmallInt, 0, 0, 0), ltTSmallInt, []any{math.MinInt16, math.MaxInt16}, []string{"-32768", "32767"}},
		{mc(mssqltest.TypeInt, 0, 0, 0), ltTInt, []any{math.MinInt32, math.MaxInt32}, []string{"-2147483648", "2147483647"}},
		{mc(mssqltest.TypeBigInt, 0, 0, 0), ltTBigInt, []any{int64(math.MinInt64), int64(math.MaxInt64)}, []string{"-9223372036854775808", "9223372036854775807"}},
		{mc(mssqltest.TypeDecimal, 0, 38, 0), ltDec(38, 0), []any{ltNines(38), "-" + ltNines(38), "0"}, []string{ltNines(38), "-" + ltNines(38), "0"}},
		{mc(mssqltest.TypeDecimal, 0, 38, 38), ltDec(38, 38), []any{"0." + ltNines(38), "0"}, []string{"0." + ltNines(38), "0." + strings.Repeat("0", 38)}},
		{mc(mssqltest.TypeNumeric, 0, 18, 4), ColumnType{Name: "numeric", Precision: 18, Scale: 4}, []any{"-12.34"}, []string{"-12.3400"}},
		{mc(mssqltest.TypeMoney, 0, 0, 0), ltTMoney, []any{"922337203685477.5807", "-922337203685477.5808", "-0.0001"}, []string{"922337203685477.5807", "-922337203685477.5808", "-0.0001"}},
		{mc(mssqltest.TypeSmallMoney, 0, 0, 0), ltTSmallMon, []any{"214748.3647", "-214748.3648"}, []string{"214748.3647", "-214748.3648"}},
		{mc(mssqltest.TypeReal, 0, 0, 0), ltTReal, []any{float32(math.MaxFloat32), float32(0.1), ltDoubleRounding}, []string{"3.4028235E+38", "0.1E0", "7.038530691851209E-26"}},
		{mc(mssqltest.TypeFloat, 0, 0, 0), ltTFloat, []any{math.MaxFloat64, math.SmallestNonzeroFloat64, math.Copysign(0, -1), 5.0}, []string{"1.7976931348623157E+308", "5E-324", "-0E0", "5E0"}},
		{mc(mssqltest.TypeDate, 0, 0, 0), ltTDate, []any{ltUtc(1, 1, 1, 0, 0, 0, 0), ltUtc(9999, 12, 31, 0, 0, 0, 0)}, []string{"CAST(N'0001-01-01' AS date)", "CAST(N'9999-12-31' AS date)"}},
		{mc(mssqltest.TypeTime, 0, 0, 7), ltTm("time", 7), []any{ltTimeOfDay(23, 59, 59, 999999900)}, []string{"CAST(N'23:59:59.9999999' AS time(7))"}},
		{mc(mssqltest.TypeTime, 0, 0, 0), ltTm("time", 0), []any{ltTimeOfDay(1, 2, 3, 0)}, []string{"CAST(N'01:02:03' AS time(0))"}},
		{mc(mssqltest.TypeDateTime2, 0, 0, 7), ltTm("datetime2", 7), []any{ltUtc(1, 1, 1, 0, 0, 0, 0), ltUtc(9999, 12, 31, 23, 59, 59, 999999900)},
			[]string{"CAST(N'0001-01-01T00:00:00.0000000' AS datetime2(7))", "CAST(N'9999-12-31T23:59:59.9999999' AS datetime2(7))"}},
		{mc(mssqltest.TypeDateTimeOffset, 0, 0, 7), ltTm("datetimeoffset", 7),
			[]any{time.Date(2024, 7, 1, 12, 30, 0, 100, ltZone(-14, 0)), time.Date(2024, 7, 1, 12, 30, 0, 0, ltZone(14, 0)), time.Date(2024, 7, 1, 12, 30, 0, 0, ltZone(5, 45))},
			[]string{"CAST(N'2024-07-01T12:30:00.0000001-14:00' AS datetimeoffset(7))", "CAST(N'2024-07-01T12:30:00.0000000+14:00' AS datetimeoffset(7))", "CAST(N'2024-07-01T12:30:00.0000000+05:45' AS datetimeoffset(7))"}},
		{mc(mssqltest.TypeDateTime, 0, 0, 0), ltTDateTime,
			[]any{ltUtc(1753, 1, 1, 0, 0, 0, 0), ltUtc(9999, 12, 31, 23, 59, 59, 997000000), ltUtc(2000, 1, 1, 0, 0, 0, 3000000), ltUtc(2000, 1, 1, 0, 0, 0, 7000000), ltUtc(2000, 1, 1, 0, 0, 0, 10000000), ltUtc(2000, 1, 1, 0, 0, 0, 3333333)},
			[]string{"CAST(N'1753-01-01T00:00:00.000' AS datetime)", "CAST(N'9999-12-31T23:59:59.997' AS datetime)", "CAST(N'2000-01-01T00:00:00.003' AS datetime)", "CAST(N'2000-01-01T00:00:00.007' AS datetime)", "CAST(N'2000-01-01T00:00:00.010' AS datetime)", "CAST(N'2000-01-01T00:00:00.003' AS datetime)"}},
		{mc(mssqltest.TypeSmallDateTime, 0, 0, 0), ltTSmallDT, []any{ltUtc(1900, 1, 1, 0, 0, 0, 0), ltUtc(2079, 6, 6, 23, 59, 0, 0)}, []string{"CAST(N'1900-01-01T00:00:00' AS smalldatetime)", "CAST(N'2079-06-06T23:59:00' AS smalldatetime)"}},
		{mc(mssqltest.TypeChar, 5, 0, 0), ColumnType{Name: "char", MaxLength: 5}, []any{"a'b"}, []string{"N'a''b  '"}},
		{mc(mssqltest.TypeVarChar, 50, 0, 0), ColumnType{Name: "varchar", MaxLength: 50}, []any{"line1\r\nGO\r\n$(x)", ""}, []string{"N'line1' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x)'", "N''"}},
		{mc(mssqltest.TypeText, 0, 0, 0), ColumnType{Name: "text", MaxLength: 16}, []any{"text ±"}, []string{"N'text ±'"}},
		{mc(mssqltest.TypeNChar, 3, 0, 0), ColumnType{Name: "nchar", MaxLength: 6}, []any{"x"}, []string{"N'x  '"}},
		{mc(mssqltest.TypeNVarChar, mssqltest.MaxLength, 0, 0), ltTNVarMax, []any{"😀\x00\n", "", nil}, []string{"N'😀' + NCHAR(0) + NCHAR(10)", "N''", "NULL"}},
		{mc(mssqltest.TypeNText, 0, 0, 0), ColumnType{Name: "ntext", MaxLength: 16}, []any{"ntext 😀"}, []string{"N'ntext 😀'"}},
		{mc(mssqltest.TypeXML, 0, 0, 0), ColumnType{Name: "xml", MaxLength: -1}, []any{`<a b="1">it's</a>`}, []string{`N'<a b="1">it''s</a>'`}},
		{mc(mssqltest.TypeBinary, 4, 0, 0), ColumnType{Name: "binary", MaxLength: 4}, []any{[]byte{1, 2}}, []string{"0x01020000"}},
		{mc(mssqltest.TypeVarBinary, mssqltest.MaxLength, 0, 0), ltTVarBinMax, []any{[]byte{}, []byte{0xAB}}, []string{"0x", "0xAB"}},
		{mc(mssqltest.TypeImage, 0, 0, 0), ColumnType{Name: "image", MaxLength: 16}, []any{[]byte{0xCD}}, []string{"0xCD"}},
		{mc(mssqltest.TypeUniqueIdentifier, 0, 0, 0), ltTGUID, []any{ltGuidText}, []string{"N'" + ltGuidText + "'"}},
		{mc(mssqltest.TypeHierarchyID, 0, 0, 0), ColumnType{Name: "hierarchyid", MaxLength: 892}, []any{[]byte{0x5B, 0xC0}, []byte{}}, []string{"CAST(0x5BC0 AS hierarchyid)", "CAST(0x AS hierarchyid)"}},
		{mc(mssqltest.TypeGeometry, 0, 0, 0), ColumnType{Name: "geometry", MaxLength: -1}, []any{[]byte{1, 2}}, []string{"CAST(0x0102 AS geometry)"}},
		{mc(mssqltest.TypeGeography, 0, 0, 0), ColumnType{Name: "geography", MaxLength: -1}, []any{[]byte{3}}, []string{"CAST(0x03 AS geography)"}},
	}
	// sql_variant: the driver returns the base value; the scripter pairs it
	// with the base type from SQL_VARIANT_PROPERTY.
	type vcase struct {
		base ColumnType
		send mssqltest.Variant
		want string
	}
	vcases := []vcase{
		{ltTInt, mssqltest.Variant{Base: mssqltest.Column{Type: mssqltest.TypeInt}, Value: math.MinInt32}, "CAST(CAST(-2147483648 AS int) AS sql_variant)"},
		{ltDec(38, 2), mssqltest.Variant{Base: mssqltest.Column{Type: mssqltest.TypeDecimal, Precision: 38, Scale: 2}, Value: "-1.5"}, "CAST(CAST(-1.50 AS decimal(38,2)) AS sql_variant)"},
		{ltTMoney, mssqltest.Variant{Base: mssqltest.Column{Type: mssqltest.TypeMoney}, Value: "-922337203685477.5808"}, "CAST(CAST(-922337203685477.5808 AS money) AS sql_variant)"},
		{ltTReal, mssqltest.Variant{Base: mssqltest.Column{Type: mssqltest.TypeReal}, Value: float32(0.1)}, "CAST(CAST(0.1E0 AS real) AS sql_variant)"},
		{ColumnType{Name: "varchar", MaxLength: 20}, mssqltest.Variant{Base: mssqltest.Column{Type: mssqltest.TypeVarChar, Length: 20}, Value: "a\nb"}, "CAST(CAST(N'a' + NCHAR(10) + N'b' AS varchar(20)) AS sql_variant)"},
		{ColumnType{Name: "nchar", MaxLength: 6}, mssqltest.Variant{Base: mssqltest.Column{Type: mssqltest.TypeNChar, Length: 3}, Value: "x"}, "CAST(CAST(N'x  ' AS nchar(3)) AS sql_variant)"},
		{ltTGUID, mssqltest.Variant{Base: mssqltest.Column{Type: mssqltest.TypeUniqueIdentifier}, Value: ltGuidText}, "CAST(CAST(N'" + ltGuidText + "' AS uniqueidentifier) AS sql_variant)"},
		{ltTDateTime, mssqltest.Variant{Base: mssqltest.Column{Type: mssqltest.TypeDateTime}, Value: ltUtc(1753, 1, 1, 0, 0, 0, 3000000)}, "CAST(CAST(N'1753-01-01T00:00:00.003' AS datetime) AS sql_variant)"},
		{ltTm("datetimeoffset", 3), mssqltest.Variant{Base: mssqltest.Column{Type: mssqltest.TypeDateTimeOffset, Scale: 3}, Value: time.Date(2001, 2, 3, 4, 5, 6, 7000000, ltZone(-8, 0))}, "CAST(CAST(N'2001-02-03T04:05:06.007-08:00' AS datetimeoffset(3)) AS sql_variant)"},
		{ColumnType{Name: "binary", MaxLength: 3}, mssqltest.Variant{Base: mssqltest.Column{Type: mssqltest.TypeBinary, Length: 3}, Value: []byte{9}}, "CAST(CAST(0x090000 AS binary(3)) AS sql_variant)"},
	}
	var vsend []any
	var vwant []string
	for _, v := range vcases {
		vsend = append(vsend, v.send)
		vwant = append(vwant, v.want)
	}
	cases = append(cases, dcase{mc(mssqltest.TypeVariant, 0, 0, 0), ltTVariant, vsend, vwant})

	h := mssqltest.HandlerFunc(func(ctx context.Context, q *mssqltest.Request, w mssqltest.ResultWriter) error {
		i, err := strconv.Atoi(strings.TrimPrefix(q.SQL, "SELECT "))
		if err != nil || i < 0 || i >= len(cases) {
			return mssqltest.InvalidObjectName(q.SQL)
		}
		col := cases[i].col
		col.Name = "v"
		if err := w.Columns([]mssqltest.Column{col}); err != nil {
			return err
		}
		for _, v := range cases[i].send {
			if err := w.Row(v); err != nil {
				return err
			}
		}
		return nil
	})
	srv := mssqltest.NewServer(h, mssqltest.WithLogf(t.Logf))
	t.Cleanup(srv.Close)
	db, err := sql.Open("sqlserver", srv.DSN("sample"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })

	for i, c := range cases {
		t.Run(c.ct.TypeDecl(), func(t *testing.T) {
			rows, err := db.Query("SELECT " + strconv.Itoa(i))
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				var v any
				if err := rows.Scan(&v); err != nil {
					t.Fatal(err)
				}
				if n >= len(c.want) {
					t.Fatalf("extra row %s", ltDescribe(v))
				}
				if c.ct.Name == "sql_variant" && v != nil {
					v = Variant{Base: vcases[n].base, Value: v}
				}
				lit, err := AppendLiteral(nil, c.ct, v)
				if err != nil {
					t.Fatalf("row %d: AppendLiteral(%s): %v", n, ltDescribe(v), err)
				}
				if string(lit) != c.want[n] {
					t.Errorf("row %d: driver value %s renders %s, want %s", n, ltDescribe(v), lit, c.want[n])
				}
				back, err := ParseLiteral(c.ct, string(lit))
				if err != nil {
					t.Fatalf("row %d: ParseLiteral(%s): %v", n, lit, err)
				}
				if !ltSameValue(back, v) {
					t.Errorf("row %d: ParseLiteral(%s) = %s, driver gave %s", n, lit, ltDescribe(back), ltDescribe(v))
				}
				n++
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if n != len(c.want) {
				t.Errorf("got %d rows, want %d", n, len(c.want))
			}
		})
	}
}

func BenchmarkAppendLiteral(b *testing.B) {
	vals := []struct {
		t ColumnType
		v any
	}{
		{ltTInt, int64(123456)},
		{ltDec(18, 4), []byte("12345.6789")},
		{ltTFloat, math.Pi},
		{ltTm("datetime2", 7), ltUtc(2024, 1, 2, 3, 4, 5, 123456700)},
		{ltTNVarMax, "a plain string of some length, it's typical"},
		{ltTNVarMax, "line one\r\nline two\r\n"},
		{ltTVarBinMax, make([]byte, 64)},
	}
	var buf []byte
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = buf[:0]
		for _, v := range vals {
			var err error
			buf, err = AppendLiteral(buf, v.t, v.v)
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}
