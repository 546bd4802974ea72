package mssql

import (
	"testing"
	"time"
)

// benchRow is a row of bench/scriptbench's table dbo.Mixed (sample.Bench)
// as go-mssqldb returns it, with its columns' types.
func benchRow() ([]ColumnType, []any) {
	types := []ColumnType{{Name: "bigint"}, {Name: "int"}, {Name: "nvarchar", MaxLength: 200},
		{Name: "decimal", Precision: 12, Scale: 2}, {Name: "float"}, {Name: "datetime2", Scale: 3},
		{Name: "bit"}, {Name: "varchar", MaxLength: 20}, {Name: "uniqueidentifier"}, {Name: "varbinary", MaxLength: 32}}
	g := []byte{0x15, 0x7c, 0x4a, 0x7f, 0x9b, 0x79, 0x37, 0x9e, 0x15, 0x7c, 0x4a, 0x7f, 0x9b, 0x79, 0x37, 0x9e}
	vals := []any{int64(123457), int64(31234), "it's 417", []byte("412345.67"), 45.12337011033099,
		time.Date(2020, 1, 2, 10, 17, 36, 0, time.UTC), true, "C-812345", g, []byte{1, 2, 3, 4}}
	return types, vals
}

// BenchmarkRowLiterals renders the literals of a row, as writeTableData
// does per row.
func BenchmarkRowLiterals(b *testing.B) {
	types, vals := benchRow()
	var line []byte
	b.ReportAllocs()
	for b.Loop() {
		line = line[:0]
		for i, v := range vals {
			var err error
			if line, err = appendLiteralNorm(line, types[i], v); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkRowHash hashes a row, as writeTableData does per row.
func BenchmarkRowHash(b *testing.B) {
	types, vals := benchRow()
	h := NewRowHasher(types)
	b.ReportAllocs()
	for b.Loop() {
		if err := h.Add(vals); err != nil {
			b.Fatal(err)
		}
	}
}
