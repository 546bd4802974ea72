package mssql

import (
	"errors"
	"fmt"
	"testing"
)

// TestBulkValue pins what CopyIn is given for each kind of column: the
// decimal text as a string, char data in the column's code page (é is
// 0xE9 in 1252, C3 A9 in UTF-8), other values as they are; sql_variant
// and char data of an unknown code page are refused.
func TestBulkValue(t *testing.T) {
	for _, c := range []struct {
		typ, collation string
		v              any
		want           string
	}{
		{"decimal(19,4)", "", []byte("-12.3400"), `"-12.3400"`},
		{"money", "", []byte("0.0001"), `"0.0001"`},
		{"varchar(10)", "SQL_Latin1_General_CP1_CI_AS", "café €", `[]byte{0x63, 0x61, 0x66, 0xe9, 0x20, 0x80}`},
		{"char(4)", "Latin1_General_100_CS_AS", "é  ", `[]byte{0xe9, 0x20, 0x20}`},
		{"text", "Latin1_General_100_CI_AS_SC_UTF8", "é", `[]byte{0xc3, 0xa9}`},
		{"nvarchar(10)", "Cyrillic_General_CI_AS", "é", `"é"`},
		{"int", "", int64(7), `7`},
		{"varchar(10)", "Latin1_General_CI_AS", nil, `<nil>`},
	} {
		typ, err := ParseTypeDecl(c.typ)
		if err != nil {
			t.Fatal(err)
		}
		got, err := BulkValue(typ, c.collation, c.v)
		if err != nil || fmt.Sprintf("%#v", got) != c.want {
			t.Errorf("%s %s %#v: got %#v, %v; want %s", c.typ, c.collation, c.v, got, err, c.want)
		}
	}
	if _, err := BulkValue(ColumnType{Name: "varchar", MaxLength: 5}, "Latin1_General_CI_AS", "日本"); err == nil {
		t.Error("a character outside code page 1252 was accepted")
	}
	if _, err := BulkValue(ColumnType{Name: "varchar", MaxLength: 5}, "Cyrillic_General_CI_AS", "x"); !errors.Is(err, ErrNotBulkLoadable) {
		t.Errorf("code page 1251: %v", err)
	}
	for _, c := range []struct {
		col  Column
		want string
	}{
		{Column{Name: "v", Type: ColumnType{Name: "sql_variant"}}, "column [v]: sql_variant: not loadable by bulk copy"},
		{Column{Name: "c", Type: ColumnType{Name: "varchar", MaxLength: 5}, Collation: "Cyrillic_General_CI_AS"}, "column [c]: collation Cyrillic_General_CI_AS, whose code page the restore does not convert to: not loadable by bulk copy"},
	} {
		if err := BulkLoadable(&c.col); !errors.Is(err, ErrNotBulkLoadable) || err.Error() != c.want {
			t.Errorf("BulkLoadable(%s): %v", c.col.Name, err)
		}
	}
	for _, c := range []Column{{Name: "c", Type: ColumnType{Name: "varchar", MaxLength: 5}, Collation: "SQL_Latin1_General_CP1_CS_AS"}, {Name: "n", Type: ColumnType{Name: "nvarchar", MaxLength: 5}, Collation: "Cyrillic_General_CI_AS"}} {
		if err := BulkLoadable(&c); err != nil {
			t.Errorf("BulkLoadable(%s): %v", c.Name, err)
		}
	}
	if s, err := CreateDatabaseSQL("a]b", "Latin1_General_CI_AS"); err != nil || s != "CREATE DATABASE [a]]b] COLLATE Latin1_General_CI_AS;" {
		t.Errorf("CreateDatabaseSQL: %q, %v", s, err)
	}
}
