package sample

import (
	"context"
	"fmt"
	"strings"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
)

// unquoteName splits "[schema].[name]" into its parts.
func unquoteName(s string) (schema, name string, ok bool) {
	var parts []string
	for len(s) > 0 {
		if s[0] != '[' {
			return "", "", false
		}
		var b strings.Builder
		i := 1
		for ; i < len(s); i++ {
			if s[i] == ']' {
				if i+1 < len(s) && s[i+1] == ']' {
					b.WriteByte(']')
					i++
					continue
				}
				break
			}
			b.WriteByte(s[i])
		}
		if i >= len(s) {
			return "", "", false
		}
		parts = append(parts, b.String())
		s = s[i+1:]
		if strings.HasPrefix(s, ".") {
			s = s[1:]
		}
	}
	if len(parts) != 2 {
		return "", "", false
	}
	return parts[0], parts[1], true
}

// splitTop splits s at commas outside parentheses, brackets and quotes.
func splitTop(s string) []string {
	var out []string
	start := 0
	scanTop(s, func(i int) bool {
		if s[i] == ',' {
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
		return true
	})
	return append(out, strings.TrimSpace(s[start:]))
}

// cutTop cuts s around the first sep outside parentheses, brackets and
// quotes.
func cutTop(s, sep string) (before, after string, ok bool) {
	at := -1
	scanTop(s, func(i int) bool {
		if strings.HasPrefix(s[i:], sep) {
			at = i
			return false
		}
		return true
	})
	if at < 0 {
		return s, "", false
	}
	return s[:at], s[at+len(sep):], true
}

// scanTop calls fn with the position of every byte of s outside
// parentheses, brackets and quotes, until fn returns false.
func scanTop(s string, fn func(i int) bool) {
	depth := 0
	inBr, inQ := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inBr:
			if c == ']' {
				if i+1 < len(s) && s[i+1] == ']' {
					i++
				} else {
					inBr = false
				}
			}
		case inQ:
			if c == '\'' {
				inQ = false
			}
		case c == '[':
			inBr = true
		case c == '\'':
			inQ = true
		case c == '(':
			depth++
		case c == ')':
			depth--
		case depth == 0:
			if !fn(i) {
				return
			}
		}
	}
}

// selectItem is one item of a data query's select list.
type selectItem struct {
	col  int    // index into the table's columns
	prop string // "" for the value, else a SQL_VARIANT_PROPERTY name
}

// data answers a table data query, generating the rows as they are sent.
// The table is the one of the FROM clause (qname, the tag's, may have
// its name escaped).
func (h *Handler) data(ctx context.Context, db *DB, conn mssqltest.ConnInfo, qname, sql string, w mssqltest.ResultWriter) error {
	_, query, _ := strings.Cut(sql, "*/\n")
	sel, from, ok := cutTop(query, "\nFROM ")
	if !ok || !strings.HasPrefix(sel, "SELECT ") {
		return mssqltest.Errorf(102, 15, "Incorrect syntax near 'SELECT'.")
	}
	sel = strings.TrimPrefix(sel, "SELECT ")
	from, rest, _ := cutTop(from, "\n")
	from = strings.TrimSuffix(from, " AS e") // an edge table's (graph.go)
	from, hint := memoryHint(from)
	schema, name, ok := unquoteName(from)
	if !ok {
		return mssqltest.Errorf(102, 15, "Incorrect syntax near '%s'.", from)
	}
	t := db.table(schema + "." + name)
	if t == nil {
		return mssqltest.InvalidObjectName(qname)
	}
	if h.DenySelect[schema+"."+name] {
		return mssqltest.PermissionDenied("SELECT", name, db.Name, schema)
	}
	if err := h.checkMemoryRead(conn, t, hint); err != nil {
		return err
	}
	if t.Edge {
		return db.edgeData(t, sel, rest, w)
	}
	var items []selectItem
	var cols []mssqltest.Column
	for _, it := range splitTop(sel) {
		prop := ""
		colExpr := it
		if strings.HasPrefix(it, "CAST(SQL_VARIANT_PROPERTY(") {
			inner := strings.TrimPrefix(it, "CAST(SQL_VARIANT_PROPERTY(")
			args := splitTop(inner[:strings.Index(inner, ")")])
			if len(args) != 2 {
				return mssqltest.Errorf(102, 15, "Incorrect syntax near '%s'.", it)
			}
			colExpr, prop = args[0], strings.Trim(args[1], "'")
		}
		cname := strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(colExpr, "["), "]"), "]]", "]")
		idx := -1
		for i, c := range t.Columns {
			if c.Name == cname {
				idx = i
			}
		}
		if idx < 0 {
			return mssqltest.Errorf(207, 16, "Invalid column name '%s'.", cname)
		}
		items = append(items, selectItem{col: idx, prop: prop})
		switch prop {
		case "":
			cols = append(cols, t.Columns[idx].typ.wireColumn(cname))
		case "BaseType":
			cols = append(cols, mssqltest.Column{Type: mssqltest.TypeNVarChar, Length: 128, Nullable: true})
		default:
			cols = append(cols, mssqltest.Column{Type: mssqltest.TypeInt, Nullable: true})
		}
	}
	if err := w.Columns(cols); err != nil {
		return err
	}
	n := t.NRows
	if t.Gen == nil {
		n = int64(len(t.Rows))
	}
	vals := make([]any, len(items))
	for i := int64(0); i < n; i++ {
		var row []any
		if t.Gen != nil {
			row = t.Gen(i)
		} else {
			row = t.Rows[i]
		}
		for j, it := range items {
			v := row[it.col]
			if it.prop == "" {
				vals[j] = v
				continue
			}
			if v == nil {
				vals[j] = nil
				continue
			}
			base, prec, scale, ml := variantProps(v)
			switch it.prop {
			case "BaseType":
				vals[j] = base
			case "Precision":
				vals[j] = prec
			case "Scale":
				vals[j] = scale
			case "MaxLength":
				vals[j] = ml
			default:
				return mssqltest.Errorf(8116, 16, "Argument data type is invalid for argument 2 of sql_variant_property function (%s).", it.prop)
			}
		}
		if err := w.Row(vals...); err != nil {
			return fmt.Errorf("table %s row %d: %w", qname, i+1, err)
		}
	}
	return nil
}
