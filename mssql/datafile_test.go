package mssql

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// goldenManifest reads the golden sample's manifest.
func goldenManifest(t testing.TB) *Manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "golden", "sample", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// goldenTable returns the manifest entry of a golden sample table and
// its data file.
func goldenTable(t testing.TB, m *Manifest, name string) (TableEntry, []byte) {
	t.Helper()
	for _, te := range m.Tables {
		if te.Name == name {
			b, err := os.ReadFile(filepath.Join("testdata", "golden", "sample", filepath.FromSlash(te.File)))
			if err != nil {
				t.Fatal(err)
			}
			return te, b
		}
	}
	t.Fatalf("no table %s in the golden manifest", name)
	return TableEntry{}, nil
}

// TestReadDataFile reads golden data files with the columns the manifest
// records: the rows, in order, as the canonical values; IDENTITY_INSERT
// and the header are skipped.
func TestReadDataFile(t *testing.T) {
	m := goldenManifest(t)
	te, file := goldenTable(t, m, "[dbo].[Legacy]")
	cols, err := te.DataColumns()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	n, err := ReadDataFile(bytes.NewReader(file), te.Name, cols, func(v []any) error {
		got = append(got, ltDescribe(v))
		return nil
	})
	want := []string{ltDescribe([]any{int64(1), "ab        ", "x y  "}), ltDescribe([]any{int64(2), nil, ""})}
	if err != nil || n != 2 || strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("read %d rows %q, %v; want %q", n, got, err, want)
	}
	te, file = goldenTable(t, m, "[sales].[Customers]")
	cols, err = te.DataColumns()
	if err != nil {
		t.Fatal(err)
	}
	var ids []any
	if n, err := ReadDataFile(bytes.NewReader(file), te.Name, cols, func(v []any) error { ids = append(ids, v[0]); return nil }); err != nil || n != 5 {
		t.Fatalf("Customers: %d rows, %v", n, err)
	}
	if ltDescribe(ids) != ltDescribe([]any{int64(1), int64(2), int64(3), int64(4), int64(12)}) {
		t.Fatalf("Customers ids %s", ltDescribe(ids))
	}
}

// TestReadDataFileErrors: what the reader refuses, each with its message;
// the callback's error comes back wrapped.
func TestReadDataFileErrors(t *testing.T) {
	m := goldenManifest(t)
	te, file := goldenTable(t, m, "[dbo].[Legacy]")
	cols, _ := te.DataColumns()
	stop := errors.New("stop")
	_, err := ReadDataFile(bytes.NewReader(file), te.Name, cols, func([]any) error { return stop })
	if !errors.Is(err, stop) || err.Error() != "read data of [dbo].[Legacy]: batch 1: stop" {
		t.Errorf("callback error: %v", err)
	}
	for _, c := range []struct{ name, text, want string }{
		{"no header", "INSERT INTO [dbo].[Legacy] ([id], [code], [name]) VALUES\n(1, NULL, NULL);\nGO\n",
			"read data of [dbo].[Legacy]: the file does not start with the header"},
		{"other columns", fileHeader + "INSERT INTO [dbo].[Legacy] ([id], [name]) VALUES\n(1, NULL);\nGO\n",
			"read data of [dbo].[Legacy]: batch 1: unexpected \"INSERT INTO [dbo].[Legacy] ([id], [name]) VALUES\""},
		{"short row", fileHeader + "INSERT INTO [dbo].[Legacy] ([id], [code], [name]) VALUES\n(1, NULL);\nGO\n",
			"read data of [dbo].[Legacy]: batch 1: 2 values for 3 columns"},
		{"bad literal", fileHeader + "INSERT INTO [dbo].[Legacy] ([id], [code], [name]) VALUES\n(1.5, NULL, NULL);\nGO\n",
			"read data of [dbo].[Legacy]: batch 1: column id: mssql: parsing int literal \"1.5\": not an integer"},
		{"text after GO", fileHeader + "INSERT INTO [dbo].[Legacy] ([id], [code], [name]) VALUES\n(1, NULL, NULL);\nGO\nDROP TABLE x;\n",
			"read data of [dbo].[Legacy]: text after the last GO: \"DROP TABLE x;\""},
		{"unended VALUES", fileHeader + "INSERT INTO [dbo].[Legacy] ([id], [code], [name]) VALUES\n(1, NULL, NULL),\nGO\n",
			"read data of [dbo].[Legacy]: batch 1 ends inside INSERT ... VALUES"},
	} {
		_, err := ReadDataFile(strings.NewReader(c.text), te.Name, cols, func([]any) error { return nil })
		if err == nil || err.Error() != c.want {
			t.Errorf("%s:\n got %v\nwant %s", c.name, err, c.want)
		}
	}
	// An edge table's rows find their ends by subqueries: not read by
	// values.
	te, file = goldenTable(t, m, "[graph].[knows]")
	cols, _ = te.DataColumns()
	if !te.Edge {
		t.Fatal("[graph].[knows] is not marked as an edge table")
	}
	if _, err := ReadDataFile(bytes.NewReader(file), te.Name, cols, func([]any) error { return nil }); err == nil ||
		!strings.Contains(err.Error(), `batch 1: unexpected "INSERT INTO [graph].[knows] ($from_id, $to_id, [rating]) VALUES"`) {
		t.Errorf("edge file: %v", err)
	}
	old := TableEntry{Name: "[dbo].[T]", File: "data/dbo.T.sql"}
	if _, err := old.DataColumns(); !errors.Is(err, ErrNoColumns) || err.Error() != "table [dbo].[T]: the manifest does not record the table's columns" {
		t.Errorf("manifest without columns: %v", err)
	}
}

// FuzzReadDataFile reads random data files for the columns of the
// sample's dbo.AllTypes (every type but the graph ones), seeded with
// golden data files: the reader never panics, and every row it accepts
// has one value per column, each of which AppendLiteral renders and
// ParseLiteral reads back to itself: the reader only yields values a
// data file can hold.
func FuzzReadDataFile(f *testing.F) {
	m := goldenManifest(f)
	te, file := goldenTable(f, m, "[dbo].[AllTypes]")
	cols, err := te.DataColumns()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(file)
	body := func(s string) []byte { return []byte(fileHeader + s) }
	head := "INSERT INTO [dbo].[AllTypes] (" + identList(columnNames(cols)) + ")"
	f.Add(body(head + " VALUES\n(1" + strings.Repeat(", NULL", len(cols)-1) + ");\nGO\n"))
	f.Add(body("IF OBJECT_ID(N'tempdb..#sqlvault_lob') IS NOT NULL DROP TABLE #sqlvault_lob;\nCREATE TABLE #sqlvault_lob (c2 varbinary(max) NOT NULL);\nINSERT INTO #sqlvault_lob (c2) VALUES (0x);\nGO\nUPDATE #sqlvault_lob SET c2.WRITE(0x01, NULL, NULL);\nGO\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ReadDataFile(bytes.NewReader(data), te.Name, cols, func(v []any) error {
			if len(v) != len(cols) {
				t.Fatalf("%d values for %d columns", len(v), len(cols))
			}
			for i, x := range v {
				lit, err := AppendLiteral(nil, cols[i].Type, x)
				if err != nil {
					t.Fatalf("column %s: the reader gave %s, which AppendLiteral refuses: %v", cols[i].Name, ltDescribe(x), err)
				}
				back, err := ParseLiteral(cols[i].Type, string(lit))
				if err != nil || !ltSameValue(back, x) {
					t.Fatalf("column %s: %s -> %s -> %s, %v", cols[i].Name, ltDescribe(x), lit, ltDescribe(back), err)
				}
			}
			return nil
		})
		if err != nil && !strings.HasPrefix(err.Error(), "read data of [dbo].[AllTypes]: ") {
			t.Fatalf("error without context: %v", err)
		}
	})
}
