package mssql

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// sameValue compares a value ParseLiteral gave with what the driver
// returned.
func sameValue(parsed, driver any) bool {
	switch p := parsed.(type) {
	case time.Time:
		d, ok := driver.(time.Time)
		return ok && p.Equal(d) && p.Format(time.RFC3339Nano) == d.Format(time.RFC3339Nano)
	case []byte:
		switch d := driver.(type) {
		case []byte:
			return bytes.Equal(p, d)
		case string:
			return string(p) == d
		}
		return false
	case string:
		switch d := driver.(type) {
		case string:
			return p == d
		case []byte:
			return p == string(d)
		}
		return false
	}
	return reflect.DeepEqual(parsed, driver)
}

// TestLiteralsParseBack is the property test of the data scripts: every
// value of every row of the sample's data files, rebuilt as running the
// file would (ReadDataFile, with the columns the manifest records, as a
// restore reads them; dataReplay for edge tables: literals read with
// ParseLiteral, values written in pieces put together), is exactly the
// value the server sent, as go-mssqldb returns it for the same query.
func TestLiteralsParseBack(t *testing.T) {
	s := newTestServer(t, nil)
	dir, m, err := s.scriptDir("sample", s.options("sample"))
	if err != nil {
		t.Fatal(err)
	}
	checkLiteralsParseBack(t, s, dir, m)
}

// checkLiteralsParseBack checks the data files of the sample's script in
// dir as TestLiteralsParseBack describes.
func checkLiteralsParseBack(t *testing.T, s *testServer, dir string, m *Manifest) {
	t.Helper()
	db := s.connect("sample")
	cat, err := loadCatalog(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	checked, pieces := 0, 0
	for _, te := range m.Tables {
		if te.File == "" {
			continue // a SCHEMA_ONLY table: no data file
		}
		var tbl *Table
		for _, x := range cat.Tables {
			if quoteName(x.Schema, x.Name) == te.Name {
				tbl = x
			}
		}
		if tbl == nil {
			t.Fatalf("table %s not in the catalog", te.Name)
		}
		cols := dataColumns(tbl)
		script, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(te.File)))
		if err != nil {
			t.Fatal(err)
		}
		query, first, ends := dataQuery(tbl, cols, ""), 0, 0
		if tbl.Edge { // the ends first (graph.go; TestGraphEdges checks them)
			e := newEdgeData(tbl)
			query, first, ends = e.query(cols, ""), e.nvals(), 2
		}
		rows, err := db.Query(query)
		if err != nil {
			t.Fatal(err)
		}
		nvals := first + len(cols)
		for _, c := range cols {
			if c.Type.Name == "sql_variant" {
				nvals += 4
			}
		}
		vals := make([]any, nvals)
		ptrs := make([]any, nvals)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		n := int64(0)
		check := func(got []any) error {
			got = got[ends:]
			n++
			if !rows.Next() {
				return fmt.Errorf("the script has more rows than the table")
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			vi := first
			for i, c := range cols {
				driver := vals[vi]
				vi++
				if c.Type.Name == "sql_variant" {
					base := vals[vi]
					vi += 4
					if driver == nil {
						if got[i] != nil {
							t.Errorf("%s row %d column %s: got %v for NULL", te.Name, n, c.Name, got[i])
						}
						continue
					}
					v, ok := got[i].(Variant)
					if !ok || !strings.EqualFold(v.Base.Name, asString(base)) || !sameValue(v.Value, driver) {
						t.Errorf("%s row %d column %s: the script gives %#v, server sent %#v (%v)", te.Name, n, c.Name, got[i], driver, base)
					}
					checked++
					continue
				}
				if !sameValue(got[i], driver) {
					t.Errorf("%s row %d column %s: the script gives %.200q, server sent %.200q", te.Name, n, c.Name, fmt.Sprint(got[i]), fmt.Sprint(driver))
				}
				checked++
			}
			return nil
		}
		if tbl.Edge {
			rp := &dataReplay{table: te.Name, cols: cols, maxBatch: MaxBatchBytes, edge: true, row: check}
			if _, err := rp.Write(script); err != nil {
				t.Fatal(err)
			}
			if err := rp.Close(); err != nil {
				t.Fatal(err)
			}
		} else {
			// What a restore reads: the columns as the manifest
			// records them, the file through ReadDataFile.
			mcols, err := te.DataColumns()
			if err != nil {
				t.Fatal(err)
			}
			if got, want := fmt.Sprint(manifestColumns(mcols)), fmt.Sprint(manifestColumns(cols)); got != want {
				t.Fatalf("%s: the manifest's columns %s, the catalog's %s", te.Name, got, want)
			}
			if _, err := ReadDataFile(bytes.NewReader(script), te.Name, mcols, check); err != nil {
				t.Fatal(err)
			}
		}
		pieces += bytes.Count(script, []byte(".WRITE("))
		if rows.Next() {
			t.Errorf("%s: the table has more rows than the script", te.Name)
		}
		rows.Close()
		if n != te.Rows {
			t.Errorf("%s: %d rows in the script, manifest says %d", te.Name, n, te.Rows)
		}
	}
	if checked < 300 || pieces == 0 {
		t.Fatalf("only %d values checked, %d pieces", checked, pieces)
	}
	t.Logf("%d values checked, %d pieces", checked, pieces)
}

func TestSplitTuple(t *testing.T) {
	got, err := splitTuple("(1, N'a, ''b''', CAST(N'x' AS date), N'(' + NCHAR(10)),")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1", "N'a, ''b'''", "CAST(N'x' AS date)", "N'(' + NCHAR(10)"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q", got)
	}
	if _, err := splitTuple("(N'unterminated)"); err == nil {
		t.Fatal("no error for an unterminated quote")
	}
}
