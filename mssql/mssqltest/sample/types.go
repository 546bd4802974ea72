package sample

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
)

// colType is a parsed T-SQL type declaration such as "nvarchar(100)".
type colType struct {
	name      string // sys.types name: "nvarchar", "timestamp" for rowversion
	wire      mssqltest.Type
	length    int // declared length (characters for nchar/nvarchar), mssqltest.MaxLength for (max)
	maxLength int // sys.columns.max_length (bytes, -1 for max)
	precision int
	scale     int
}

// parseType parses a system type declaration.
func parseType(decl string) colType {
	name, args := decl, ""
	if i := strings.IndexByte(decl, '('); i >= 0 {
		name, args = decl[:i], strings.TrimSuffix(decl[i+1:], ")")
	}
	var a []int
	isMax := false
	if args != "" {
		for _, s := range strings.Split(args, ",") {
			s = strings.TrimSpace(s)
			if strings.EqualFold(s, "max") {
				isMax = true
				continue
			}
			n, err := strconv.Atoi(s)
			if err != nil {
				panic(fmt.Sprintf("sample: bad type %q", decl))
			}
			a = append(a, n)
		}
	}
	arg := func(i, def int) int {
		if i < len(a) {
			return a[i]
		}
		return def
	}
	t := colType{name: name}
	switch name {
	case "bit":
		t.wire, t.maxLength, t.precision = mssqltest.TypeBit, 1, 1
	case "tinyint":
		t.wire, t.maxLength, t.precision = mssqltest.TypeTinyInt, 1, 3
	case "smallint":
		t.wire, t.maxLength, t.precision = mssqltest.TypeSmallInt, 2, 5
	case "int":
		t.wire, t.maxLength, t.precision = mssqltest.TypeInt, 4, 10
	case "bigint":
		t.wire, t.maxLength, t.precision = mssqltest.TypeBigInt, 8, 19
	case "decimal", "numeric":
		t.wire = mssqltest.TypeDecimal
		if name == "numeric" {
			t.wire = mssqltest.TypeNumeric
		}
		t.precision, t.scale = arg(0, 18), arg(1, 0)
		switch {
		case t.precision <= 9:
			t.maxLength = 5
		case t.precision <= 19:
			t.maxLength = 9
		case t.precision <= 28:
			t.maxLength = 13
		default:
			t.maxLength = 17
		}
	case "money":
		t.wire, t.maxLength, t.precision, t.scale = mssqltest.TypeMoney, 8, 19, 4
	case "smallmoney":
		t.wire, t.maxLength, t.precision, t.scale = mssqltest.TypeSmallMoney, 4, 10, 4
	case "real":
		t.wire, t.maxLength, t.precision = mssqltest.TypeReal, 4, 24
	case "float":
		t.wire, t.maxLength, t.precision = mssqltest.TypeFloat, 8, 53
	case "date":
		t.wire, t.maxLength, t.precision = mssqltest.TypeDate, 3, 10
	case "time", "datetime2", "datetimeoffset":
		t.scale = arg(0, 7)
		size := 5
		if t.scale <= 2 {
			size = 3
		} else if t.scale <= 4 {
			size = 4
		}
		frac := 0
		if t.scale > 0 {
			frac = t.scale + 1
		}
		switch name {
		case "time":
			t.wire, t.maxLength, t.precision = mssqltest.TypeTime, size, 8+frac
		case "datetime2":
			t.wire, t.maxLength, t.precision = mssqltest.TypeDateTime2, size+3, 19+frac
		default:
			t.wire, t.maxLength, t.precision = mssqltest.TypeDateTimeOffset, size+5, 26+frac
		}
	case "datetime":
		t.wire, t.maxLength, t.precision, t.scale = mssqltest.TypeDateTime, 8, 23, 3
	case "smalldatetime":
		t.wire, t.maxLength, t.precision = mssqltest.TypeSmallDateTime, 4, 16
	case "char", "varchar", "binary", "varbinary", "nchar", "nvarchar":
		t.wire = map[string]mssqltest.Type{"char": mssqltest.TypeChar, "varchar": mssqltest.TypeVarChar,
			"binary": mssqltest.TypeBinary, "varbinary": mssqltest.TypeVarBinary,
			"nchar": mssqltest.TypeNChar, "nvarchar": mssqltest.TypeNVarChar}[name]
		if isMax {
			t.length, t.maxLength = mssqltest.MaxLength, -1
		} else {
			t.length = arg(0, 1)
			t.maxLength = t.length
			if name == "nchar" || name == "nvarchar" {
				t.maxLength *= 2
			}
		}
	case "text":
		t.wire, t.maxLength = mssqltest.TypeText, 16
	case "ntext":
		t.wire, t.maxLength = mssqltest.TypeNText, 16
	case "image":
		t.wire, t.maxLength = mssqltest.TypeImage, 16
	case "uniqueidentifier":
		t.wire, t.maxLength = mssqltest.TypeUniqueIdentifier, 16
	case "xml":
		t.wire, t.maxLength = mssqltest.TypeXML, -1
	case "sql_variant":
		t.wire, t.maxLength = mssqltest.TypeVariant, 8016
	case "hierarchyid":
		t.wire, t.maxLength = mssqltest.TypeHierarchyID, 892
	case "geometry":
		t.wire, t.maxLength = mssqltest.TypeGeometry, -1
	case "geography":
		t.wire, t.maxLength = mssqltest.TypeGeography, -1
	case "rowversion", "timestamp":
		t.name, t.wire, t.maxLength = "timestamp", mssqltest.TypeBinary, 8
		t.length = 8
	default:
		panic(fmt.Sprintf("sample: unknown type %q", decl))
	}
	return t
}

// wireColumn is the result column that carries values of this type.
func (t colType) wireColumn(name string) mssqltest.Column {
	return mssqltest.Column{Name: name, Type: t.wire, Length: t.length, Precision: uint8(t.precision),
		Scale: uint8(t.scale), Nullable: true}
}

// isAssembly tells the CLR system types.
func (t colType) isAssembly() bool {
	return t.name == "hierarchyid" || t.name == "geometry" || t.name == "geography"
}

// variantProps returns SQL_VARIANT_PROPERTY's BaseType, Precision, Scale
// and MaxLength of a sql_variant value.
func variantProps(v any) (base string, prec, scale, maxLen int64) {
	vv, ok := v.(mssqltest.Variant)
	if !ok {
		switch v.(type) {
		case bool:
			return "bit", 1, 0, 1
		case float64:
			return "float", 53, 0, 8
		case string:
			return "nvarchar", 0, 0, int64(2 * len([]rune(v.(string))))
		}
		return "bigint", 19, 0, 8
	}
	c := vv.Base
	decl := c.Decl()
	t := parseType(decl)
	return t.name, int64(t.precision), int64(t.scale), int64(t.maxLength)
}
