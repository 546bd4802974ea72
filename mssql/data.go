package mssql

import (
	"bufio"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"strings"
)

// MaxRowsPerInsert is the most rows one INSERT statement holds (SQL
// Server's limit for a VALUES list).
const MaxRowsPerInsert = 1000

// batchCutMask makes INSERT batches end where a row's hash has its low
// bits zero, about every 256 rows: boundaries depend on the rows, not on
// their position, so a row inserted or deleted changes only its own batch
// and the scripts of two days deduplicate.
const batchCutMask = 0xFF

// dataColumns returns the columns an INSERT sets: not computed, not
// rowversion, not a sparse column set.
func dataColumns(t *Table) []*Column {
	var cols []*Column
	for _, c := range t.Columns {
		if c.Computed || c.ColumnSet || c.Type.Name == "timestamp" || c.Type.Name == "rowversion" {
			continue
		}
		cols = append(cols, c)
	}
	return cols
}

// comparable tells whether ORDER BY accepts a column of this type.
func comparable(c *Column) bool {
	switch c.Type.Name {
	case "text", "ntext", "image", "xml", "geography", "geometry":
		return false
	}
	return !c.ColumnSet
}

// orderBy returns the ORDER BY list of a table's data query: the
// clustered index keys, then the primary key's, then (when neither is
// unique) every other column that can be compared, so that the order is
// fully determined.
func orderBy(t *Table) string {
	seen := map[string]bool{}
	var parts []string
	unique := false
	addKeys := func(ix *Index) {
		for _, k := range ix.Keys {
			if seen[k.Column] {
				continue
			}
			seen[k.Column] = true
			s := quoteIdent(k.Column)
			if k.Descending {
				s += " DESC"
			}
			parts = append(parts, s)
		}
		if ix.Unique || ix.PrimaryKey {
			unique = true
		}
	}
	for _, ix := range t.Indexes {
		if ix.Type == 1 && !ix.Disabled {
			addKeys(ix)
		}
	}
	if !unique {
		for _, ix := range t.Indexes {
			if ix.PrimaryKey {
				addKeys(ix)
			}
		}
	}
	if !unique {
		for _, c := range t.Columns {
			if !seen[c.Name] && comparable(c) && !c.Sparse {
				seen[c.Name] = true
				parts = append(parts, quoteIdent(c.Name))
			}
		}
	}
	return strings.Join(parts, ", ")
}

// dataQuery returns the query that reads a table's rows in order. A
// sql_variant column is followed by its base type properties. The tag
// names the table through commentText: a name holding "*/" must not end
// the comment (on the source server).
func dataQuery(t *Table, cols []*Column, where string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "/* %s %s */\nSELECT ", dataTag, commentText(quoteName(t.Schema, t.Name)))
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		q := quoteIdent(c.Name)
		b.WriteString(q)
		if c.Type.Name == "sql_variant" {
			fmt.Fprintf(&b, ", CAST(SQL_VARIANT_PROPERTY(%[1]s, 'BaseType') AS nvarchar(128)), CAST(SQL_VARIANT_PROPERTY(%[1]s, 'Precision') AS int), CAST(SQL_VARIANT_PROPERTY(%[1]s, 'Scale') AS int), CAST(SQL_VARIANT_PROPERTY(%[1]s, 'MaxLength') AS int)", q)
		}
	}
	fmt.Fprintf(&b, "\nFROM %s", quoteName(t.Schema, t.Name))
	if where != "" {
		fmt.Fprintf(&b, "\nWHERE %s", where)
	}
	if ob := orderBy(t); ob != "" {
		fmt.Fprintf(&b, "\nORDER BY %s", ob)
	}
	return b.String()
}

// tableStats counts what a data file holds.
type tableStats struct {
	rows  int64
	bytes int64
}

// countingWriter counts bytes written.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// writeTableData streams the rows of a table as INSERT statements to w.
// Rows are read and written one at a time; nothing holds the table but
// the rows of one batch when the table's name or a column's is not
// sqlcmdSafe: each batch is then run with sp_executesql (execSQL), SET
// IDENTITY_INSERT inside it.
func writeTableData(ctx context.Context, q querier, t *Table, where string, w io.Writer, progress func(rows, bytes int64)) (tableStats, error) {
	cw := &countingWriter{w: w}
	bw := bufio.NewWriterSize(cw, 256<<10)
	cols := dataColumns(t)
	name := quoteName(t.Schema, t.Name)
	var st tableStats
	bw.WriteString(fileHeader + comment("Data of table %s", name))
	identity := false
	for _, c := range cols {
		if c.Identity {
			identity = true
		}
	}
	if len(cols) == 0 {
		bw.WriteString("-- (no columns to insert)\n")
		err := bw.Flush()
		st.bytes = cw.n
		return st, err
	}
	insert := fmt.Sprintf("INSERT INTO %s (%s) VALUES\n", name, identList(columnNames(cols)))
	direct := sqlcmdSafe(insert)
	// out receives a batch's statements: bw itself, or dyn, whose text
	// endBatch runs with sp_executesql.
	var out interface {
		io.Writer
		io.StringWriter
	} = bw
	var dyn strings.Builder
	if direct {
		if identity {
			fmt.Fprintf(bw, "SET IDENTITY_INSERT %s ON;\nGO\n", name)
		}
	} else {
		out = &dyn
	}
	startBatch := func() {
		if !direct && identity {
			fmt.Fprintf(&dyn, "SET IDENTITY_INSERT %s ON;\n", name)
		}
		out.WriteString(insert)
	}
	endBatch := func() {
		if direct {
			bw.WriteString(";\nGO\n")
			return
		}
		dyn.WriteString(";")
		if identity {
			fmt.Fprintf(&dyn, "\nSET IDENTITY_INSERT %s OFF;", name)
		}
		bw.WriteString(execSQL(dyn.String()) + "\nGO\n")
		dyn.Reset()
	}

	rows, err := q.QueryContext(ctx, dataQuery(t, cols, where))
	if err != nil {
		return st, readErr("read table "+name, err)
	}
	defer rows.Close()
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
	var line []byte
	inBatch := 0
	h := fnv.New64a()
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return st, readErr("read table "+name, err)
		}
		line = append(line[:0], '(')
		vi := 0
		for i, c := range cols {
			if i > 0 {
				line = append(line, ", "...)
			}
			v := vals[vi]
			vi++
			if c.Type.Name == "sql_variant" {
				base, prec, scale, maxLen := vals[vi], vals[vi+1], vals[vi+2], vals[vi+3]
				vi += 4
				if v != nil {
					v = Variant{Base: ColumnType{Name: strings.ToLower(asString(base)), MaxLength: int(asInt(maxLen)),
						Precision: uint8(asInt(prec)), Scale: uint8(asInt(scale))}, Value: v}
				}
			}
			var err error
			line, err = AppendLiteral(line, c.Type, v)
			if err != nil {
				return st, fmt.Errorf("table %s, column %s, row %d: %w", commentText(name), commentText(quoteIdent(c.Name)), st.rows+1, err)
			}
		}
		line = append(line, ')')
		if inBatch == 0 {
			startBatch()
		} else {
			out.WriteString(",\n")
		}
		out.Write(line)
		inBatch++
		st.rows++
		h.Reset()
		h.Write(line)
		if inBatch >= MaxRowsPerInsert || h.Sum64()&batchCutMask == 0 {
			endBatch()
			inBatch = 0
		}
		if progress != nil && st.rows%50000 == 0 {
			progress(st.rows, cw.n)
		}
	}
	if err := rows.Err(); err != nil {
		return st, readErr("read table "+name, err)
	}
	if inBatch > 0 {
		endBatch()
	}
	if direct && identity {
		fmt.Fprintf(bw, "SET IDENTITY_INSERT %s OFF;\nGO\n", name)
	}
	if err := bw.Flush(); err != nil {
		return st, err
	}
	st.bytes = cw.n
	return st, nil
}

func columnNames(cols []*Column) []string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return names
}

func asString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func asInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case int:
		return int64(x)
	}
	return 0
}
