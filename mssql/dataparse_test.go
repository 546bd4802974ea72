package mssql

import (
	"bufio"
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

// splitTuple splits a row "(a, b, c)" of an INSERT into its literals, at
// commas outside quotes and parentheses.
func splitTuple(row string) ([]string, error) {
	row = strings.TrimSuffix(strings.TrimSuffix(row, ";"), ",")
	if !strings.HasPrefix(row, "(") || !strings.HasSuffix(row, ")") {
		return nil, fmt.Errorf("not a row: %.80q", row)
	}
	row = row[1 : len(row)-1]
	var out []string
	depth, start, inQ := 0, 0, false
	for i := 0; i < len(row); i++ {
		c := row[i]
		switch {
		case inQ:
			if c == '\'' {
				if i+1 < len(row) && row[i+1] == '\'' {
					i++
				} else {
					inQ = false
				}
			}
		case c == '\'':
			inQ = true
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(row[start:i]))
			start = i + 1
		}
	}
	if inQ || depth != 0 {
		return nil, fmt.Errorf("unbalanced row %.80q", row)
	}
	return append(out, strings.TrimSpace(row[start:])), nil
}

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
// literal of every row of the sample's data files parses back
// (ParseLiteral) to exactly the value the server sent, as go-mssqldb
// returns it for the same query.
func TestLiteralsParseBack(t *testing.T) {
	s := newTestServer(t, nil)
	db := s.connect("sample")
	dir, m, err := s.scriptDir("sample", s.options("sample"))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := loadCatalog(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, te := range m.Tables {
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
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(te.File)))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.Query(dataQuery(tbl, cols, ""))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 64<<20)
		nvals := len(cols)
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
		// The rows: lines of the file, or of the statements a batch runs
		// with sp_executesql (a table whose name sqlcmd could misread).
		var lines []string
		for sc.Scan() {
			line := sc.Text()
			if rest, ok := strings.CutPrefix(line, "DECLARE @sql nvarchar(max) = "); ok {
				stmt, err := ParseLiteral(ColumnType{Name: "nvarchar", MaxLength: -1}, strings.TrimSuffix(rest, ";"))
				if err != nil {
					t.Fatalf("%s: %v", te.Name, err)
				}
				lines = append(lines, strings.Split(stmt.(string), "\n")...)
				continue
			}
			lines = append(lines, line)
		}
		n := int64(0)
		for _, line := range lines {
			if !strings.HasPrefix(line, "(") {
				continue
			}
			n++
			lits, err := splitTuple(line)
			if err != nil {
				t.Fatalf("%s row %d: %v", te.Name, n, err)
			}
			if len(lits) != len(cols) {
				t.Fatalf("%s row %d: %d literals for %d columns", te.Name, n, len(lits), len(cols))
			}
			if !rows.Next() {
				t.Fatalf("%s: the script has more rows than the table", te.Name)
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			vi := 0
			for i, c := range cols {
				driver := vals[vi]
				vi++
				got, err := ParseLiteral(c.Type, lits[i])
				if err != nil {
					t.Errorf("%s row %d column %s: ParseLiteral(%.80q): %v", te.Name, n, c.Name, lits[i], err)
					continue
				}
				if c.Type.Name == "sql_variant" {
					base := vals[vi]
					vi += 4
					if driver == nil {
						if got != nil {
							t.Errorf("%s row %d column %s: got %v for NULL", te.Name, n, c.Name, got)
						}
						continue
					}
					v, ok := got.(Variant)
					if !ok || !strings.EqualFold(v.Base.Name, asString(base)) || !sameValue(v.Value, driver) {
						t.Errorf("%s row %d column %s: literal %.80q gives %#v, server sent %#v (%v)", te.Name, n, c.Name, lits[i], got, driver, base)
					}
					checked++
					continue
				}
				if !sameValue(got, driver) {
					t.Errorf("%s row %d column %s: literal %.80q gives %#v, server sent %#v", te.Name, n, c.Name, lits[i], got, driver)
				}
				checked++
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		if rows.Next() {
			t.Errorf("%s: the table has more rows than the script", te.Name)
		}
		rows.Close()
		f.Close()
		if n != te.Rows {
			t.Errorf("%s: %d rows in the script, manifest says %d", te.Name, n, te.Rows)
		}
	}
	if checked < 300 {
		t.Fatalf("only %d values checked", checked)
	}
	t.Logf("%d values checked", checked)
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
