package mssql

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// ErrNotBulkLoadable is returned (wrapped) by BulkLoadable for a column
// whose values go-mssqldb's bulk copy cannot send exactly; its table is
// loaded by running its data file instead.
var ErrNotBulkLoadable = errors.New("not loadable by bulk copy")

// BulkLoadable tells whether go-mssqldb's CopyIn (v1.11.2) can load the
// column's values exactly as its data file's INSERTs store them: not a
// sql_variant column (CopyIn panics on one: its makeDecl has no
// sql_variant), and char data only in a code page BulkValue writes
// (CopyIn sends the bytes it is given, as they are, in the column's code
// page). The error wraps ErrNotBulkLoadable and says why.
func BulkLoadable(c *Column) error {
	t := c.Type.norm()
	switch t.Name {
	case "sql_variant":
		return fmt.Errorf("column %s: sql_variant: %w", DisplayText(quoteIdent(c.Name)), ErrNotBulkLoadable)
	case "char", "varchar", "text":
		if codePage(c.Collation) == 0 {
			return fmt.Errorf("column %s: collation %s, whose code page the restore does not convert to: %w",
				DisplayText(quoteIdent(c.Name)), DisplayText(c.Collation), ErrNotBulkLoadable)
		}
	}
	return nil
}

// codePage returns the code page of a collation's char data, for the
// collations whose code page is certain, else 0: 65001 for the UTF-8
// collations (names ending in _UTF8, SQL Server 2019), 1252 for the
// Latin1_General Windows collations and the SQL_Latin1_General_CP1 SQL
// collations ("Collation and Unicode support": Latin1_General uses code
// page 1252; a SQL collation names its code page, CP1 being 1252).
func codePage(collation string) int {
	switch {
	case utf8Collation(collation):
		return 65001
	case strings.HasPrefix(collation, "Latin1_General_"), strings.HasPrefix(collation, "SQL_Latin1_General_CP1_"):
		return 1252
	}
	return 0
}

// BulkValue returns v, the canonical value of a column of type t (as
// ReadDataFile gives it, see AppendLiteral), in the form go-mssqldb's
// CopyIn (v1.11.2, bulkcopy.go makeParam) sends exactly for that column,
// so that the bulk load stores what the data file's INSERT would: decimal,
// numeric, money and smallmoney as their text (CopyIn takes them only as
// strings), char, varchar and text as the bytes of the column's code page
// (collation; CopyIn would send a string's UTF-8 bytes), everything else
// as it is. nil stays nil. A column BulkLoadable refuses is an error.
func BulkValue(t ColumnType, collation string, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	t = t.norm()
	switch t.Name {
	case "decimal", "numeric", "money", "smallmoney":
		switch x := v.(type) {
		case []byte:
			return string(x), nil
		case string:
			return x, nil
		}
		return nil, fmt.Errorf("mssql: bulk value of %s: %T", t.Name, v)
	case "char", "varchar", "text":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("mssql: bulk value of %s: %T", t.Name, v)
		}
		switch codePage(collation) {
		case 65001:
			if !utf8.ValidString(s) {
				return nil, fmt.Errorf("mssql: bulk value of %s: not UTF-8", t.Name)
			}
			return []byte(s), nil
		case 1252:
			b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
			if err != nil {
				return nil, fmt.Errorf("mssql: bulk value of %s in code page 1252: %w", t.Name, err)
			}
			return b, nil
		}
		return nil, fmt.Errorf("mssql: bulk value of %s in collation %s: %w", t.Name, DisplayText(collation), ErrNotBulkLoadable)
	case "sql_variant":
		return nil, fmt.Errorf("mssql: bulk value of sql_variant: %w", ErrNotBulkLoadable)
	}
	return v, nil
}

// CreateDatabaseSQL returns the statement that creates an empty database
// for a restore: CREATE DATABASE [name], with COLLATE collation when
// collation is not "" (it must be a collation name: letters, digits and
// underscores).
func CreateDatabaseSQL(name, collation string) (string, error) {
	stmt := "CREATE DATABASE " + quoteIdent(name)
	if collation != "" {
		if !collationName(collation) {
			return "", fmt.Errorf("%q is not a collation name", collation)
		}
		stmt += " COLLATE " + collation
	}
	return stmt + ";", nil
}

// DropDatabaseSQL returns the statement that drops database name.
func DropDatabaseSQL(name string) string { return "DROP DATABASE " + quoteIdent(name) + ";" }
