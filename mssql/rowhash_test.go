package mssql

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// field is the expected field of the content hash for a non-NULL value.
func field(tag, value string) string {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(value)))
	return string(rune(len(tag))) + tag + "\x01" + string(n[:]) + value
}

func float64Bytes(bits uint64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], bits)
	return string(b[:])
}

// TestAppendCanonicalForms pins the canonical form of each type, byte for
// byte, as docs/design.md §14 "Content hash" documents it.
func TestAppendCanonicalForms(t *testing.T) {
	guid := []byte{0xFF, 0x19, 0x96, 0x6F, 0x86, 0x8B, 0x11, 0xD0, 0xB4, 0x2D, 0x00, 0xC0, 0x4F, 0xC9, 0x64, 0xFF}
	utc := func(y, mo, d, h, mi, s, ns int) time.Time {
		return time.Date(y, time.Month(mo), d, h, mi, s, ns, time.UTC)
	}
	cases := []struct {
		typ  string
		v    any
		want string
	}{
		// The layout, spelled out once.
		{"int", int64(42), "\x03int\x01\x00\x00\x00\x00\x00\x00\x00\x0242"},
		{"int", nil, "\x03int\x00"},
		{"varbinary(10)", []byte{}, "\x09varbinary\x01\x00\x00\x00\x00\x00\x00\x00\x00"},
		{"varbinary(10)", []byte(nil), "\x09varbinary\x00"},
		{"bit", true, field("bit", "1")},
		{"bit", false, field("bit", "0")},
		{"tinyint", int64(255), field("tinyint", "255")},
		{"smallint", int16(-32768), field("smallint", "-32768")},
		{"bigint", int64(math.MinInt64), field("bigint", "-9223372036854775808")},
		{"decimal(38,10)", []byte("-9999.0000000000"), field("decimal", "-9999")},
		{"decimal(38,10)", []byte("0.0000000001"), field("decimal", "0.0000000001")},
		{"decimal(38,10)", []byte("100.0000000000"), field("decimal", "100")},
		{"numeric(5,2)", []byte("-0.50"), field("numeric", "-0.5")},
		{"numeric(5,2)", "+007.10", field("numeric", "7.1")},
		{"money", []byte("12.3400"), field("money", "12.34")},
		{"smallmoney", []byte("-0.0000"), field("smallmoney", "0")},
		{"float", 0.1, field("float", float64Bytes(0x3FB999999999999A))},
		{"float", math.Copysign(0, -1), field("float", float64Bytes(0))},
		{"real", float64(float32(0.1)), field("real", float64Bytes(0x3FB99999A0000000))},
		{"real", float32(0.1), field("real", float64Bytes(0x3FB99999A0000000))},
		{"date", utc(2024, 2, 29, 0, 0, 0, 0), field("date", "2024-02-29")},
		{"time(7)", utc(1, 1, 1, 13, 14, 15, 1234500), field("time", "13:14:15.0012345")},
		{"time(0)", utc(1, 1, 1, 23, 59, 59, 0), field("time", "23:59:59.0000000")},
		{"datetime2(7)", utc(2024, 2, 29, 12, 34, 56, 123456700), field("datetime2", "2024-02-29T12:34:56.1234567")},
		{"datetime2(3)", utc(1, 1, 1, 0, 0, 0, 0), field("datetime2", "0001-01-01T00:00:00.0000000")},
		{"datetime", utc(1999, 12, 31, 23, 59, 59, 997000000), field("datetime", "1999-12-31T23:59:59.9970000")},
		{"smalldatetime", utc(2079, 6, 6, 23, 59, 0, 0), field("smalldatetime", "2079-06-06T23:59:00.0000000")},
		{"datetimeoffset(7)", time.Date(2024, 2, 29, 12, 34, 56, 123456700, time.FixedZone("", -14*3600)),
			field("datetimeoffset", "2024-02-29T12:34:56.1234567-14:00")},
		{"datetimeoffset(0)", time.Date(2021, 3, 4, 5, 6, 7, 0, time.FixedZone("", 330*60)),
			field("datetimeoffset", "2021-03-04T05:06:07.0000000+05:30")},
		{"char(10)", "it's      ", field("char", "it's      ")},
		{"varchar(10)", "", field("varchar", "")},
		{"nvarchar(10)", "😀'", field("nvarchar", "😀'")},
		{"sysname", "n", field("nvarchar", "n")},
		{"ntext", "\r\nGO", field("ntext", "\r\nGO")},
		{"xml", "<a/>", field("xml", "<a/>")},
		{"binary(2)", []byte{0xDE, 0xAD}, field("binary", "\xde\xad")},
		{"image", []byte{0}, field("image", "\x00")},
		{"hierarchyid", []byte{0x5A, 0xC0}, field("hierarchyid", "\x5a\xc0")},
		{"geography", []byte{0xE6, 0x10}, field("geography", "\xe6\x10")},
		{"uniqueidentifier", guid, field("uniqueidentifier", "6F9619FF-8B86-D011-B42D-00C04FC964FF")},
		{"sql_variant", Variant{Base: ColumnType{Name: "decimal", Precision: 38, Scale: 5}, Value: []byte("123.45000")},
			field("sql_variant", "\x0ddecimal(38,5)123.45")},
		{"sql_variant", &Variant{Base: ColumnType{Name: "nvarchar", MaxLength: 100}, Value: "ab"},
			field("sql_variant", "\x0cnvarchar(50)ab")},
		{"sql_variant", Variant{Base: ColumnType{Name: "INT", Precision: 10, MaxLength: 4}, Value: int64(3)},
			field("sql_variant", "\x03int3")},
		{"sql_variant", Variant{Base: ColumnType{Name: "uniqueidentifier"}, Value: guid},
			field("sql_variant", "\x10uniqueidentifier6F9619FF-8B86-D011-B42D-00C04FC964FF")},
		{"sql_variant", Variant{Base: ColumnType{Name: "int"}}, "\x0bsql_variant\x00"},
		{"sql_variant", (*Variant)(nil), "\x0bsql_variant\x00"},
	}
	for _, c := range cases {
		typ, err := ParseTypeDecl(c.typ)
		if err != nil {
			t.Fatal(err)
		}
		got, err := AppendCanonical([]byte("prefix"), typ, c.v)
		if err != nil {
			t.Errorf("%s %#v: %v", c.typ, c.v, err)
			continue
		}
		if string(got) != "prefix"+c.want {
			t.Errorf("%s %#v:\n got %q\nwant %q", c.typ, c.v, got[len("prefix"):], c.want)
		}
	}
}

// TestAppendCanonicalErrors: values that are not what go-mssqldb returns
// for the type are refused, naming the type, and dst is kept.
func TestAppendCanonicalErrors(t *testing.T) {
	cases := []struct {
		typ  ColumnType
		v    any
		want string
	}{
		{ColumnType{Name: "int"}, "1", "mssql: hashing int value: got string, want int64"},
		{ColumnType{Name: "decimal", Precision: 10, Scale: 2}, []byte("1e5"), `mssql: hashing decimal(10,2) value: "1e5" is not a decimal number`},
		{ColumnType{Name: "decimal", Precision: 10, Scale: 2}, []byte("."), `mssql: hashing decimal(10,2) value: "." is not a decimal number`},
		{ColumnType{Name: "uniqueidentifier"}, make([]byte, 15), "mssql: hashing uniqueidentifier value: got []uint8, want 16-byte []byte"},
		{ColumnType{Name: "datetime2", Scale: 7}, time.Date(2024, 1, 2, 3, 4, 5, 1, time.UTC), "mssql: hashing datetime2(7) value: 2024-01-02T03:04:05.000000001Z is finer than 100 ns"},
		{ColumnType{Name: "datetimeoffset", Scale: 7}, time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("", 30)), "mssql: hashing datetimeoffset(7) value: zone offset 30s is not whole minutes within ±14:00"},
		{ColumnType{Name: "sql_variant"}, int64(1), "mssql: hashing sql_variant value: got int64, want a Variant naming the base type"},
		{ColumnType{Name: "sql_variant"}, Variant{Base: ColumnType{Name: "xml"}, Value: "<a/>"}, "mssql: hashing sql_variant value: xml cannot be the base type of a sql_variant"},
		{ColumnType{Name: "timestamp"}, []byte{1}, `mssql: hashing timestamp value: unsupported type "timestamp"`},
	}
	for _, c := range cases {
		got, err := AppendCanonical([]byte("keep"), c.typ, c.v)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s %#v: error %v, want %s", c.typ.TypeDecl(), c.v, err, c.want)
		}
		if string(got) != "keep" {
			t.Errorf("%s %#v: dst became %q", c.typ.TypeDecl(), c.v, got)
		}
	}
	if !errors.Is(func() error { _, err := AppendCanonical(nil, ColumnType{Name: "timestamp"}, []byte{1}); return err }(), ErrUnsupportedType) {
		t.Error("timestamp: not ErrUnsupportedType")
	}
	h := NewRowHasher([]ColumnType{{Name: "INT"}, {Name: "timestamp"}})
	for _, c := range []struct {
		row  []any
		want string
	}{
		{[]any{int64(1)}, "mssql: hashing a row of 1 values for 2 columns: row length differs from the columns"},
		{[]any{int64(1), nil}, `mssql: hashing timestamp value: unsupported type "timestamp"`},
	} {
		if err := h.Add(c.row); err == nil || err.Error() != c.want {
			t.Errorf("RowHasher.Add(%v): %v, want %s", c.row, err, c.want)
		}
	}
	h = NewRowHasher([]ColumnType{{Name: "INT"}})
	if err := h.Add([]any{"1"}); err == nil || err.Error() != "mssql: hashing int value: got string, want int64" {
		t.Errorf("RowHasher.Add of a string for int: %v", err)
	}
	if h.Rows() != 0 {
		t.Errorf("%d rows after errors", h.Rows())
	}
}

// hashRows hashes rows of values of types.
func hashRows(t *testing.T, types []ColumnType, rows ...[]any) string {
	t.Helper()
	h := NewRowHasher(types)
	for _, r := range rows {
		if err := h.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	return h.Sum()
}

// TestRowHashNullEmptyZero: NULL, an empty value and zero hash apart, and
// values cannot slide across column or row boundaries.
func TestRowHashNullEmptyZero(t *testing.T) {
	vc := []ColumnType{{Name: "varchar", MaxLength: 10}}
	in := []ColumnType{{Name: "int"}}
	vb := []ColumnType{{Name: "varbinary", MaxLength: 10}}
	va := []ColumnType{{Name: "sql_variant"}}
	two := []ColumnType{{Name: "varchar", MaxLength: 10}, {Name: "varchar", MaxLength: 10}}
	sums := map[string]string{}
	add := func(name, sum string) {
		for other, s := range sums {
			if s == sum {
				t.Errorf("%s hashes as %s: %s", name, other, sum)
			}
		}
		sums[name] = sum
	}
	add("varchar NULL", hashRows(t, vc, []any{nil}))
	add("varchar ''", hashRows(t, vc, []any{""}))
	add("varchar '0'", hashRows(t, vc, []any{"0"}))
	add("int NULL", hashRows(t, in, []any{nil}))
	add("int 0", hashRows(t, in, []any{int64(0)}))
	add("varbinary NULL", hashRows(t, vb, []any{[]byte(nil)}))
	add("varbinary 0x", hashRows(t, vb, []any{[]byte{}}))
	add("varbinary 0x00", hashRows(t, vb, []any{[]byte{0}}))
	add("sql_variant NULL", hashRows(t, va, []any{nil}))
	add("sql_variant int 0", hashRows(t, va, []any{Variant{Base: ColumnType{Name: "int"}, Value: int64(0)}}))
	add("sql_variant varchar '0'", hashRows(t, va, []any{Variant{Base: ColumnType{Name: "varchar", MaxLength: 1}, Value: "0"}}))
	add("sql_variant varchar(2) '0'", hashRows(t, va, []any{Variant{Base: ColumnType{Name: "varchar", MaxLength: 2}, Value: "0"}}))
	add("no rows", hashRows(t, vc))
	add("('ab', '')", hashRows(t, two, []any{"ab", ""}))
	add("('a', 'b')", hashRows(t, two, []any{"a", "b"}))
	add("('', 'ab')", hashRows(t, two, []any{"", "ab"}))
	add("two rows 'a', 'b'", hashRows(t, vc, []any{"a"}, []any{"b"}))
	add("one row 'ab'", hashRows(t, vc, []any{"ab"}))
	if got := sums["no rows"]; got != "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("no rows: %s, want the SHA-256 of nothing", got)
	}
	if got, want := hashRows(t, in, []any{int64(7)}), "sha256:"+hexSum("R"+field("int", "7")); got != want {
		t.Errorf("int 7: %s, want %s", got, want)
	}
}

func hexSum(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// randomValue returns a value of type typ as go-mssqldb returns it,
// sometimes NULL, strings and binary values sometimes longer than
// rowHashDirect (hashed where they are).
func randomValue(r *rand.Rand, typ ColumnType) any {
	if r.IntN(8) == 0 {
		return nil
	}
	long := func() int {
		if r.IntN(4) == 0 {
			return rowHashDirect - 2 + r.IntN(3*rowHashDirect)
		}
		return r.IntN(40)
	}
	switch typ.Name {
	case "bit":
		return r.IntN(2) == 1
	case "int":
		return int64(int32(r.Uint32()))
	case "decimal":
		// As the driver gives it, or with extra zeros and a sign.
		text := fmt.Sprintf("%d.%02d", r.IntN(1000)-500, r.IntN(100))
		if r.IntN(2) == 0 {
			text = "+00" + strings.TrimPrefix(text, "-") + "00"
		}
		return []byte(text)
	case "float":
		return math.Float64frombits(r.Uint64() &^ (0x7FF << 52)) // finite
	case "datetimeoffset":
		return time.Date(1+r.IntN(9998), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(1e7)*100,
			time.FixedZone("", (r.IntN(28*60+1)-14*60)*60))
	case "nvarchar":
		b := make([]rune, long())
		for i := range b {
			b[i] = rune(r.IntN(0x2FFFF))
			if b[i] >= 0xD800 && b[i] < 0xE000 {
				b[i] = 'x'
			}
		}
		return string(b)
	case "varbinary":
		b := make([]byte, long())
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	case "uniqueidentifier":
		b := make([]byte, 16)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	case "sql_variant":
		return Variant{Base: ColumnType{Name: "bigint"}, Value: r.Int64()}
	}
	panic(typ.Name)
}

// TestRowHashProperty: whatever the values (long ones hashed where they
// are), the hash is the SHA-256 of the rows' fields as AppendCanonical
// writes them, each after 'R'; every field parses back into its tag and
// value (the encoding is prefix-free); and two rows hash the same exactly
// when DiffRow finds no differing column.
func TestRowHashProperty(t *testing.T) {
	types := []ColumnType{{Name: "bit"}, {Name: "int"}, {Name: "decimal", Precision: 10, Scale: 2}, {Name: "float"},
		{Name: "datetimeoffset", Scale: 7}, {Name: "nvarchar", MaxLength: -1}, {Name: "varbinary", MaxLength: -1},
		{Name: "uniqueidentifier"}, {Name: "sql_variant"}}
	r := rand.New(rand.NewPCG(1, 2))
	for iter := 0; iter < 200; iter++ {
		h := NewRowHasher(types)
		var stream []byte
		var prev []any
		for range 1 + r.IntN(5) {
			row := make([]any, len(types))
			for i, typ := range types {
				row[i] = randomValue(r, typ)
				if prev != nil && r.IntN(2) == 0 {
					row[i] = prev[i]
				}
			}
			if err := h.Add(row); err != nil {
				t.Fatal(err)
			}
			stream = append(stream, 'R')
			for i, typ := range types {
				f, err := AppendCanonical(nil, typ, row[i])
				if err != nil {
					t.Fatal(err)
				}
				tag, null, value, rest, ok := parseField(f)
				if !ok || len(rest) != 0 || tag != typ.Name || null != (row[i] == nil) {
					t.Fatalf("field %q of %s %#v does not parse back (tag %q, null %v)", f, typ.Name, row[i], tag, null)
				}
				if s, isStr := row[i].(string); isStr && string(value) != s {
					t.Fatalf("nvarchar value %q parsed back as %q", s, value)
				}
				stream = append(stream, f...)
			}
			if prev != nil {
				col, err := DiffRow(types, prev, row)
				if err != nil {
					t.Fatal(err)
				}
				same := hashRows(t, types, prev) == hashRows(t, types, row)
				if same != (col < 0) {
					t.Fatalf("rows hash the same: %v, DiffRow: column %d", same, col)
				}
			}
			prev = row
		}
		if got, want := h.Sum(), "sha256:"+hexSum(string(stream)); got != want {
			t.Fatalf("iteration %d: %s, want %s", iter, got, want)
		}
	}
}

// parseField reads one field of the content hash encoding.
func parseField(b []byte) (tag string, null bool, value, rest []byte, ok bool) {
	if len(b) < 2 || len(b) < 1+int(b[0])+1 {
		return "", false, nil, nil, false
	}
	tag, b = string(b[1:1+b[0]]), b[1+b[0]:]
	switch b[0] {
	case 0:
		return tag, true, nil, b[1:], true
	case 1:
		if len(b) < 9 {
			return "", false, nil, nil, false
		}
		n := binary.BigEndian.Uint64(b[1:9])
		if uint64(len(b)-9) < n {
			return "", false, nil, nil, false
		}
		return tag, false, b[9 : 9+n], b[9+n:], true
	}
	return "", false, nil, nil, false
}

// TestDiffRow names the first differing column by canonical form: a
// decimal's trailing zeros, a real read as float32 and the zone name of
// a datetimeoffset do not count, a changed value does.
func TestDiffRow(t *testing.T) {
	types := []ColumnType{{Name: "int"}, {Name: "decimal", Precision: 10, Scale: 4}, {Name: "real"}, {Name: "datetimeoffset", Scale: 7}, {Name: "nvarchar", MaxLength: 20}}
	a := []any{int64(1), []byte("12.3400"), float64(float32(0.1)), time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600)), "x"}
	b := []any{int32(1), "12.34", float32(0.1), time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600)), "x"}
	if col, err := DiffRow(types, a, b); err != nil || col != -1 {
		t.Errorf("DiffRow of the same values: %d, %v", col, err)
	}
	for i, changed := range []any{int64(2), []byte("12.3401"), float32(0.2), time.Date(2024, 1, 2, 2, 4, 5, 0, time.UTC), "x "} {
		c := append([]any(nil), a...)
		c[i] = changed
		if col, err := DiffRow(types, a, c); err != nil || col != i {
			t.Errorf("column %d changed: DiffRow says %d, %v", i, col, err)
		}
	}
	_, err := DiffRow(types, a, b[:2])
	if want := "mssql: comparing rows of 5 and 2 values for 5 columns: row length differs from the columns"; err == nil || err.Error() != want || !errors.Is(err, ErrRowLength) {
		t.Errorf("rows of other lengths: %v, want %s", err, want)
	}
	_, err = DiffRow(types[:1], []any{"1"}, []any{int64(1)})
	if want := "mssql: hashing int value: got string, want int64"; err == nil || err.Error() != want {
		t.Errorf("a value of another type: %v, want %s", err, want)
	}
}

// readBack loads the catalog of db and reads every table of m back with
// HashTable, returning each table's rows (copies) by name; HashEntry,
// which reads them with the manifest's query and no catalog, must give
// the manifest's count and hash too.
func readBack(t *testing.T, s *testServer, database string, m *Manifest) map[string][][]any {
	t.Helper()
	cat := loadSampleCatalog(t, s, database)
	byName := map[string]*Table{}
	for _, tb := range cat.Tables {
		byName[quoteName(tb.Schema, tb.Name)] = tb
	}
	out := map[string][][]any{}
	for _, te := range m.Tables {
		tb := byName[te.Name]
		if tb == nil {
			t.Fatalf("%s: not in the catalog", te.Name)
		}
		var rows [][]any
		n, sum, err := HashTable(context.Background(), s.connect(database), tb, func(vals []any) error {
			rows = append(rows, append([]any(nil), vals...))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != te.Rows || sum != te.ContentHash {
			t.Errorf("%s read back: %d rows, %s; manifest: %d rows, %s", te.Name, n, sum, te.Rows, te.ContentHash)
		}
		if n, sum, err = HashEntry(context.Background(), s.connect(database), te, nil); err != nil {
			t.Fatal(err)
		} else if n != te.Rows || sum != te.ContentHash {
			t.Errorf("%s read back by its manifest entry: %d rows, %s; manifest: %d rows, %s", te.Name, n, sum, te.Rows, te.ContentHash)
		}
		out[te.Name] = rows
	}
	return out
}

// TestHashEntryOldManifest: an entry without its query (a manifest of an
// older sqlvault) cannot be read back, and says so.
func TestHashEntryOldManifest(t *testing.T) {
	te := TableEntry{Name: "[dbo].[t]", File: "data/dbo.t.sql", Rows: 1, Columns: []ManifestColumn{{Name: "a", Type: "int"}}}
	_, _, err := HashEntry(context.Background(), nil, te, nil)
	if !errors.Is(err, ErrNoQuery) || err.Error() != "table [dbo].[t]: the manifest does not record the query the rows were read with" {
		t.Errorf("error %v", err)
	}
	n, sum, err := HashEntry(context.Background(), nil, TableEntry{Name: "[dbo].[s]", Durability: "SCHEMA_ONLY"}, nil)
	if err != nil || n != 0 || sum != NewRowHasher(nil).Sum() {
		t.Errorf("a table without data: %d rows, %s, %v", n, sum, err)
	}
}

func loadSampleCatalog(t *testing.T, s *testServer, database string) *Catalog {
	t.Helper()
	cat, err := LoadCatalog(context.Background(), s.connect(database))
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// TestContentHashRoundTrip backs up the sample database and reads every
// table back through go-mssqldb with a second query (HashTable, what
// verify runs on a restored copy): the same rows, the same hash. The data
// files parsed back (the literals through ParseLiteral, the pieces put
// together, an edge's ends by their node's key) hash the same too, so
// the hash can be recomputed from the scripts.
func TestContentHashRoundTrip(t *testing.T) {
	s := newTestServer(t, nil)
	cat := loadSampleCatalog(t, s, "sample")
	types := map[string][]ColumnType{}
	tables := map[string]*Table{}
	for _, tb := range cat.Tables {
		types[quoteName(tb.Schema, tb.Name)] = ColumnTypes(tb.DataColumns())
		tables[quoteName(tb.Schema, tb.Name)] = tb
	}
	hashers := map[string]*RowHasher{}
	rps := replayData(t, s, "sample", s.options("sample"), 0, false, func(table string, row []any) {
		h := hashers[table]
		if h == nil {
			h = NewRowHasher(types[table])
			hashers[table] = h
		}
		var ends []nodeEnd
		for len(row) > len(types[table]) {
			e := row[0].(EdgeEnd)
			n := tables[e.Table]
			key := make([]any, len(n.graph.keyCols))
			for i, c := range n.graph.keyCols {
				key[i] = e.Key[quoteIdent(c.Name)]
			}
			ends, row = append(ends, nodeEnd{node: n, key: key}), row[1:]
		}
		if err := h.addRow(ends, row); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
	})
	_, m, err := s.scriptDir("sample", s.options("sample"))
	if err != nil {
		t.Fatal(err)
	}
	if m.ContentHashFormat != "sqlvault-rows/1" {
		t.Errorf("content_hash_format %q", m.ContentHashFormat)
	}
	edges := 0
	for _, te := range m.Tables {
		want := NewRowHasher(nil).Sum() // no rows
		if h := hashers[te.Name]; h != nil {
			want = h.Sum()
		}
		if te.ContentHash != want {
			t.Errorf("%s: manifest %s, data file parsed back %s", te.Name, te.ContentHash, want)
		}
		if rps[te.Name] != nil && tables[te.Name].Edge && te.Rows > 0 {
			edges++
		}
	}
	if edges == 0 {
		t.Error("no edge table with rows in the sample")
	}
	rows := readBack(t, s, "sample", m)
	if n := len(rows["[dbo].[AllTypes]"]); n != 10 {
		t.Errorf("AllTypes: %d rows read back", n)
	}
}

// mutate returns a value of type typ other than v, not NULL: the
// smallest change of each kind that a restore could make.
func mutate(typ ColumnType, v any) any {
	typ = typ.norm()
	switch x := v.(type) {
	case bool:
		return !x
	case int64:
		return x ^ 1
	case []byte:
		switch typ.Name {
		case "decimal", "numeric", "money", "smallmoney":
			b := append([]byte(nil), x...)
			i := bytes.LastIndexAny(b, "0123456789")
			if b[i] == '9' {
				b[i] = '8'
			} else {
				b[i]++
			}
			return b
		case "uniqueidentifier":
			b := append([]byte(nil), x...)
			b[15] ^= 1
			return b
		}
		return append(append([]byte(nil), x...), 0)
	case float64:
		return math.Nextafter(x, math.Inf(1))
	case time.Time:
		if typ.Name == "date" {
			if x.Day() == 1 {
				return x.AddDate(0, 0, 1)
			}
			return x.AddDate(0, 0, -1)
		}
		if x.Nanosecond() >= 100 {
			return x.Add(-100)
		}
		return x.Add(100)
	case string:
		return x + "x"
	case Variant:
		return Variant{Base: x.Base, Value: mutate(x.Base, x.Value)}
	}
	panic(typ.Name)
}

// TestContentHashEveryValue reads dbo.AllTypes of the sample back (every
// type, edge values) and changes one value at a time, to another value,
// to NULL or from NULL to a value of another row: the table's hash
// changes every time.
func TestContentHashEveryValue(t *testing.T) {
	s := newTestServer(t, nil)
	cat := loadSampleCatalog(t, s, "sample")
	var at *Table
	for _, tb := range cat.Tables {
		if tb.Schema == "dbo" && tb.Name == "AllTypes" {
			at = tb
		}
	}
	var rows [][]any
	_, sum, err := HashTable(context.Background(), s.connect("sample"), at, func(vals []any) error {
		rows = append(rows, append([]any(nil), vals...))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	types := ColumnTypes(at.DataColumns())
	if len(types) != 38 {
		t.Fatalf("%d columns hashed, want 38 (all but the rowversion)", len(types))
	}
	changes := 0
	check := func(r, c int, v any) {
		changed := append([]any(nil), rows[r]...)
		changed[c] = v
		all := append(append(append([][]any(nil), rows[:r]...), changed), rows[r+1:]...)
		if got := hashRows(t, types, all...); got == sum {
			t.Errorf("row %d column %s: %#v changed to %#v, same hash", r+1, at.DataColumns()[c].Name, rows[r][c], v)
		}
		if col, err := DiffRow(types, rows[r], changed); err != nil || col != c {
			t.Errorf("row %d column %d changed: DiffRow says %d, %v", r+1, c, col, err)
		}
		changes++
	}
	for c, typ := range types {
		some := -1 // a row with a value in column c
		for r, row := range rows {
			if row[c] != nil {
				some = r
				check(r, c, mutate(typ, row[c]))
				check(r, c, nil)
			}
		}
		if some < 0 {
			t.Fatalf("column %d has no value", c)
		}
		for r, row := range rows {
			if row[c] == nil {
				check(r, c, rows[some][c])
			}
		}
	}
	if len(rows) != 10 || changes < 10*38 {
		t.Errorf("%d rows, %d changes checked", len(rows), changes)
	}
}

// TestContentHashBatchLimits scripts the sample with the default sizes
// and with smaller ones (more batches, values in pieces): every table's
// data file differs in size for some table, its content hash never.
func TestContentHashBatchLimits(t *testing.T) {
	s := newTestServer(t, nil)
	var first *Manifest
	for _, lim := range []dataLimits{{}, smallLimits, {batch: 24 << 10, target: 1 << 10, piece: 1 << 10}} {
		opts := s.options("sample")
		opts.limits = lim
		m, err := Script(context.Background(), s.connect("sample"), &replaySink{}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = m
			continue
		}
		differ := 0
		for i, te := range m.Tables {
			if te.ContentHash != first.Tables[i].ContentHash || te.Rows != first.Tables[i].Rows {
				t.Errorf("limits %+v: %s %d rows %s, with the default sizes %d rows %s", lim, te.Name, te.Rows, te.ContentHash, first.Tables[i].Rows, first.Tables[i].ContentHash)
			}
			if te.Bytes != first.Tables[i].Bytes {
				differ++
			}
		}
		if differ == 0 {
			t.Errorf("limits %+v: no data file differs", lim)
		}
	}
}
