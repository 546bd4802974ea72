package mssql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// scanTargets returns the values a data query's row is scanned into, and
// the destinations for Rows.Scan: first values before the columns' (an
// edge's ends), then one per column, a sql_variant column followed by
// its four base type properties (selectList). With copyBytes the
// destinations are pointers to the values, and database/sql copies each
// []byte the driver returns; without, they are driverValues, which keep
// the driver's []byte (valid until the next Scan): one allocation less
// per binary, decimal or uniqueidentifier value, for a caller that is done
// with a row before it reads the next.
func scanTargets(first int, cols []*Column, copyBytes bool) (vals, ptrs []any) {
	n := first + len(cols)
	for _, c := range cols {
		if c.Type.Name == "sql_variant" {
			n += 4
		}
	}
	vals = make([]any, n)
	ptrs = make([]any, n)
	for i := range vals {
		if copyBytes {
			ptrs[i] = &vals[i]
		} else {
			ptrs[i] = driverValue{&vals[i]}
		}
	}
	return vals, ptrs
}

// driverValue is a Rows.Scan destination (sql.Scanner) that stores the
// value as the driver returns it, a []byte not copied (database/sql copies
// one into a *any).
type driverValue struct{ p *any }

// Scan implements sql.Scanner.
func (d driverValue) Scan(src any) error {
	*d.p = src
	return nil
}

// columnValue returns the value of column c in a row scanned into vals
// (scanTargets) at vals[vi], and the index of the next column's: a
// sql_variant's value becomes a Variant of its base type properties.
func columnValue(c *Column, vals []any, vi int) (any, int) {
	v := vals[vi]
	vi++
	if c.Type.Name != "sql_variant" {
		return v, vi
	}
	base, prec, scale, maxLen := vals[vi], vals[vi+1], vals[vi+2], vals[vi+3]
	if v != nil {
		v = Variant{Base: ColumnType{Name: strings.ToLower(asString(base)), MaxLength: int(asInt(maxLen)),
			Precision: uint8(asInt(prec)), Scale: uint8(asInt(scale))}, Value: v}
	}
	return v, vi + 4
}

// LoadCatalog reads the catalog of the database db is connected to, as
// Script does: what HashTable needs to read a table back (its columns,
// indexes and, for graph tables, node keys), for instance from a
// restored copy.
func LoadCatalog(ctx context.Context, db *sql.DB) (*Catalog, error) {
	return loadCatalog(ctx, db)
}

// HashTable reads the rows of table t (of a catalog LoadCatalog read)
// with the query Script reads them with (dataQuery: the same columns and
// order), and returns their number and content hash (RowHashFormat), as
// the manifest records them for a backup of the same rows. Each row's
// values, in DataColumns order (Variant for sql_variant; an edge's ends
// are hashed but not passed), go to each, if not nil, for a comparison
// row by row (DiffRow); it may stop the reading with an error. Rows are
// read one at a time. The edges of an edge table whose end is not found
// (a dangling edge, which a backup leaves out) are skipped and not
// counted.
func HashTable(ctx context.Context, db *sql.DB, t *Table, each func(values []any) error) (rows int64, hash string, err error) {
	cols := dataColumns(t)
	if len(cols) == 0 && !t.Edge {
		return 0, NewRowHasher(nil).Sum(), nil
	}
	query := dataQuery(t, cols, "")
	var edge *edgeData
	if t.Edge && t.graph != nil {
		edge = newEdgeData(t)
		query = edge.query(cols, "")
	}
	return readHashed(ctx, db, quoteName(t.Schema, t.Name), query, cols, edge, each)
}

// ErrNoQuery is returned (wrapped) by HashEntry for a table whose
// manifest entry does not record its query (a manifest written before it
// was recorded).
var ErrNoQuery = errors.New("the manifest does not record the query the rows were read with")

// HashEntry reads the rows of the table a manifest entry describes from
// the database db is connected to (a restored copy) with the query the
// backup read them with (TableEntry.Query), and returns their number and
// content hash, as HashTable does: equal to the entry's Rows and
// ContentHash when the copy holds the rows backed up. It needs no
// catalog: the entry's columns, and for an edge table its ends, say how
// to read the values.
func HashEntry(ctx context.Context, db *sql.DB, te TableEntry, each func(values []any) error) (rows int64, hash string, err error) {
	if te.File == "" {
		return 0, NewRowHasher(nil).Sum(), nil // no data: created empty
	}
	if te.Query == "" {
		return 0, "", fmt.Errorf("table %s: %w", DisplayText(te.Name), ErrNoQuery)
	}
	cols, err := te.DataColumns()
	if err != nil {
		return 0, "", err
	}
	var edge *edgeData
	if te.Edge {
		if len(te.Ends) != 2 {
			return 0, "", fmt.Errorf("table %s: the manifest does not record the node tables of its ends", DisplayText(te.Name))
		}
		edge = &edgeData{}
		for side, nodes := range te.Ends {
			for _, mn := range nodes {
				keys, err := te.columns(mn.Key)
				if err != nil {
					return 0, "", err
				}
				edge.ends[side] = append(edge.ends[side], &Table{Schema: mn.Schema, Name: mn.Name, graph: &graphInfo{keyCols: keys}})
			}
		}
	}
	return readHashed(ctx, db, te.Name, te.Query, cols, edge, each)
}

// readHashed runs query, which reads the values of cols (after an edge's
// ends, when edge is not nil) of table name, and hashes its rows (see
// HashTable).
func readHashed(ctx context.Context, db *sql.DB, name, query string, cols []*Column, edge *edgeData, each func(values []any) error) (int64, string, error) {
	h := NewRowHasher(ColumnTypes(cols))
	first := 0
	if edge != nil {
		first = edge.nvals()
	}
	rs, err := db.QueryContext(ctx, query)
	if err != nil {
		return 0, "", readErr("read table "+name, err)
	}
	defer rs.Close()
	vals, ptrs := scanTargets(first, cols, each != nil) // each may keep the values
	row := make([]any, len(cols))
	var ends []nodeEnd
	for rs.Next() {
		if err := rs.Scan(ptrs...); err != nil {
			return h.Rows(), "", readErr("read table "+name, err)
		}
		if edge != nil {
			_, found, err := edge.appendEnds(nil, vals)
			if err != nil {
				return h.Rows(), "", fmt.Errorf("table %s, row %d: %w", commentText(name), h.Rows()+1, err)
			}
			if !found {
				continue
			}
			ends = edge.found[:]
		}
		vi := first
		for i, c := range cols {
			row[i], vi = columnValue(c, vals, vi)
		}
		if err := h.addRow(ends, row); err != nil {
			return h.Rows(), "", fmt.Errorf("table %s, row %d: %w", commentText(name), h.Rows()+1, err)
		}
		if each != nil {
			if err := each(row); err != nil {
				return h.Rows(), "", err
			}
		}
	}
	if err := rs.Err(); err != nil {
		return h.Rows(), "", readErr("read table "+name, err)
	}
	return h.Rows(), h.Sum(), nil
}
