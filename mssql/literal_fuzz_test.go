package mssql

import (
	"math/big"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzStringLiteral renders random strings as every character type and
// checks that the literal parses back to the same string and can never
// break a script: no raw line break or control character, no "$(", no
// backslash before a quote (the model of go-sqlcmd sends it whole).
func FuzzStringLiteral(f *testing.F) {
	for _, s := range []string{"", "plain", "it's", "a\r\nGO\r\nb", "\nGO\n", "$(x)", "$$((", "😀\x00", "\u2028go\u2029",
		"N'a' + NCHAR(10)", strings.Repeat("x\n", 100), strings.Repeat("y", 4001) + "\r", "\xff",
		`C:\`, `a\'b`, `\\server\share\`, `\`, `\\'\\`, "\\\n", `\$(x)`, `"\"`} {
		f.Add(s, uint8(0))
	}
	types := []ColumnType{
		{Name: "nvarchar", MaxLength: -1},
		{Name: "varchar", MaxLength: -1},
		{Name: "ntext", MaxLength: 16},
		{Name: "text", MaxLength: 16},
		{Name: "xml", MaxLength: -1},
		{Name: "nchar", MaxLength: 8000},
		{Name: "char", MaxLength: 8000},
	}
	f.Fuzz(func(t *testing.T, s string, ti uint8) {
		ct := types[int(ti)%len(types)]
		lit, err := AppendLiteral(nil, ct, s)
		if !utf8.ValidString(s) {
			if err == nil {
				t.Fatalf("invalid UTF-8 %q rendered as %q", s, lit)
			}
			return
		}
		if ct.Name == "nchar" && litUtf16Len(s) > 4000 {
			if err == nil {
				t.Fatalf("%d UTF-16 code units rendered as nchar(4000)", litUtf16Len(s))
			}
			return
		}
		if err != nil {
			t.Fatalf("AppendLiteral(%s, %q): %v", ct.TypeDecl(), s, err)
		}
		l := string(lit)
		ltCheckScriptSafe(t, l)
		if strings.ContainsAny(l, "\r\n") || strings.Contains(l, "$(") {
			t.Fatalf("literal %q has a raw line break or $(", l)
		}
		back, err := ParseLiteral(ct, l)
		if err != nil {
			t.Fatalf("ParseLiteral(%q): %v", l, err)
		}
		if back != s {
			t.Fatalf("round trip of %q through %q gave %q", s, l, back)
		}
		ltCheckNoTruncation(t, l)
		if want := "INSERT INTO t VALUES (" + l + ")"; len(ltSplitBatches(want+"\nGO\n")) != 1 {
			t.Fatalf("script with %q splits into several batches", l)
		}
	})
}

// ltFuzzTypes are the column types FuzzParseLiteral tries.
var ltFuzzTypes = []ColumnType{
	{Name: "bit"}, {Name: "tinyint"}, {Name: "smallint"}, {Name: "int"}, {Name: "bigint"},
	{Name: "decimal", Precision: 38, Scale: 0}, {Name: "decimal", Precision: 38, Scale: 38}, {Name: "numeric", Precision: 9, Scale: 2},
	{Name: "money"}, {Name: "smallmoney"}, {Name: "real"}, {Name: "float"},
	{Name: "date"}, {Name: "time", Scale: 7}, {Name: "time", Scale: 0}, {Name: "datetime2", Scale: 7}, {Name: "datetime2", Scale: 3},
	{Name: "datetimeoffset", Scale: 7}, {Name: "datetimeoffset", Scale: 0}, {Name: "datetime"}, {Name: "smalldatetime"},
	{Name: "char", MaxLength: 10}, {Name: "varchar", MaxLength: -1}, {Name: "text"}, {Name: "nchar", MaxLength: 20},
	{Name: "nvarchar", MaxLength: -1}, {Name: "ntext"}, {Name: "xml"},
	{Name: "binary", MaxLength: 4}, {Name: "varbinary", MaxLength: -1}, {Name: "image"},
	{Name: "uniqueidentifier"}, {Name: "sql_variant"}, {Name: "hierarchyid"}, {Name: "geometry"}, {Name: "geography"},
	{Name: "timestamp"}, {Name: "decimal", Precision: 40},
}

// FuzzParseLiteral feeds random text to ParseLiteral for every type: it must
// never panic, and whatever it accepts must render to a literal that parses
// back to the same value.
func FuzzParseLiteral(f *testing.F) {
	for i, ct := range ltFuzzTypes {
		for _, c := range ltGoldenCases() {
			if c.t.TypeDecl() == ct.TypeDecl() {
				lit, err := AppendLiteral(nil, c.t, c.v)
				if err == nil && len(lit) <= 1000 {
					f.Add(uint8(i), string(lit))
				}
			}
		}
	}
	for _, s := range []string{"NULL", "", "CAST(", "CAST( AS )", "N'", "N''''", "NCHAR(99999999999999999999)", "0x", "1E+400",
		"CAST(N'2024-13-01' AS date)", "CAST(N'9999-12-31T23:59:59.999' AS datetime)", "((((N'a'))))", "CAST(CAST(1 AS int) AS int)",
		`N'C:' + NCHAR(92)`, `N'C:\'`, `N'a\''b'`, `NCHAR(92) + N'''' + NCHAR(92)`, `CAST(CAST(N'C:' + NCHAR(92) AS varchar(3)) AS sql_variant)`} {
		f.Add(uint8(0), s)
		f.Add(uint8(32), s)
	}
	f.Fuzz(func(t *testing.T, ti uint8, lit string) {
		ct := ltFuzzTypes[int(ti)%len(ltFuzzTypes)]
		v, err := ParseLiteral(ct, lit)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "mssql: parsing ") {
				t.Fatalf("error without context: %v", err)
			}
			return
		}
		if v == nil {
			if lit != "NULL" {
				t.Fatalf("ParseLiteral(%s, %q) = nil", ct.TypeDecl(), lit)
			}
			return
		}
		again, err := AppendLiteral(nil, ct, v)
		if err != nil {
			t.Fatalf("ParseLiteral(%s, %q) = %s, which AppendLiteral rejects: %v", ct.TypeDecl(), lit, ltDescribe(v), err)
		}
		ltCheckScriptSafe(t, string(again))
		back, err := ParseLiteral(ct, string(again))
		if err != nil || !ltSameValue(back, v) {
			t.Fatalf("%q -> %s -> %q -> %s, %v", lit, ltDescribe(v), again, ltDescribe(back), err)
		}
	})
}

// FuzzDecimalLiteral renders random text as decimal(p,s), money and
// smallmoney: either an error, or a canonical literal that parses back to
// itself and has exactly the numeric value of the input.
func FuzzDecimalLiteral(f *testing.F) {
	for _, s := range []string{"0", "-0", "+1.5", "00012.3400", ".5", "5.", ltNines38(), "-" + ltNines38(), "0." + ltNines38(),
		"922337203685477.5807", "-922337203685477.5808", "214748.3648", "1e5", "1.2.3", " 1", "1;DROP TABLE t", "١", "--1", "0x1F", ""} {
		f.Add(s, uint8(38), uint8(0), uint8(0))
		f.Add(s, uint8(38), uint8(38), uint8(0))
		f.Add(s, uint8(19), uint8(4), uint8(1))
		f.Add(s, uint8(10), uint8(4), uint8(2))
	}
	f.Fuzz(func(t *testing.T, text string, p, s, kind uint8) {
		var ct ColumnType
		switch kind % 4 {
		case 0, 3:
			prec := p%38 + 1
			ct = ColumnType{Name: "decimal", Precision: prec, Scale: s % (prec + 1)}
			if kind%4 == 3 {
				ct.Name = "numeric"
			}
		case 1:
			ct = ColumnType{Name: "money"}
		case 2:
			ct = ColumnType{Name: "smallmoney"}
		}
		lit, err := AppendLiteral(nil, ct, text)
		if err != nil {
			return
		}
		l := string(lit)
		// The literal is plain decimal text: digits, at most one point and
		// a leading minus, so nothing else can reach the script.
		for i, c := range l {
			if !(c >= '0' && c <= '9' || c == '.' || (c == '-' && i == 0)) {
				t.Fatalf("literal %q of %q has %q", l, text, c)
			}
		}
		back, err := ParseLiteral(ct, l)
		if err != nil {
			t.Fatalf("ParseLiteral(%q): %v", l, err)
		}
		if string(back.([]byte)) != l {
			t.Fatalf("ParseLiteral(%q) = %q, not canonical", l, back)
		}
		again, err := AppendLiteral(nil, ct, back)
		if err != nil || string(again) != l {
			t.Fatalf("AppendLiteral(%q) = %q, %v", back, again, err)
		}
		// Same numeric value as the input, exactly.
		in, ok1 := new(big.Rat).SetString(strings.TrimPrefix(text, "+"))
		out, ok2 := new(big.Rat).SetString(l)
		if !ok1 || !ok2 || in.Cmp(out) != 0 {
			t.Fatalf("%q rendered as %q: value changed", text, l)
		}
		// Scale digits exactly, no leading zeros.
		_, scale, _, _, _ := litDecimalSpec(ct)
		_, frac, hasPoint := strings.Cut(l, ".")
		if (scale > 0) != hasPoint || len(frac) != scale {
			t.Fatalf("%q has %d fractional digits, want %d", l, len(frac), scale)
		}
		if digits := strings.TrimPrefix(l, "-"); len(digits) > 1 && digits[0] == '0' && digits[1] != '.' {
			t.Fatalf("%q has leading zeros", l)
		}
	})
}

func ltNines38() string { return strings.Repeat("9", 38) }
