package sample

import (
	"fmt"
	"strings"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
)

// Graph tables (SQL Server 2017, "SQL Graph architecture"): the implicit
// columns of node and edge tables in sys.columns, their graph_type, the
// internal columns an index on a pseudo-column is on, edge constraints
// (SQL Server 2019), and the edge data query of the scripter (mssql's
// graph.go), answered from the node tables' rows and the edges' ends.

// NodeRef is an end of an edge: the node table ("schema.name") and the
// graph id of the node (a NodeIDs value).
type NodeRef struct {
	Table string
	ID    int64
}

// EdgeConstraint is a CONNECTION constraint of an edge table: Clauses are
// pairs of node tables ("schema.name") FROM and TO.
type EdgeConstraint struct {
	Name    string
	Clauses [][2]string
	Cascade bool // ON DELETE CASCADE

	id int64
}

// graphCol is an implicit column of a node or edge table.
type graphCol struct {
	name      string
	typ       string // bigint, int or nvarchar
	graphType int64
	hidden    bool
}

// graphColumns returns the implicit columns of t, in column order (before
// its own columns), named with t's suffix as SQL Server names them
// (graph_id_<32 hex digits>).
func graphColumns(t *Table) []graphCol {
	hex := fmt.Sprintf("%016X%016X", uint64(t.ID)*0x9E3779B97F4A7C15, uint64(t.ID))
	switch {
	case t.Node:
		return []graphCol{{"graph_id_" + hex, "bigint", 1, true}, {"$node_id_" + hex, "nvarchar", 2, false}}
	case t.Edge:
		return []graphCol{{"graph_id_" + hex, "bigint", 1, true}, {"$edge_id_" + hex, "nvarchar", 2, false},
			{"from_obj_id_" + hex, "int", 4, true}, {"from_id_" + hex, "bigint", 3, true}, {"$from_id_" + hex, "nvarchar", 5, false},
			{"to_obj_id_" + hex, "int", 7, true}, {"to_id_" + hex, "bigint", 6, true}, {"$to_id_" + hex, "nvarchar", 8, false}}
	}
	return nil
}

// row adds the sqlvault:columns row of the implicit column (column id:
// its position).
func (g graphCol) row(db *DB, t *Table, r *result) {
	id := int64(0)
	for i, c := range graphColumns(t) {
		if c.name == g.name {
			id = int64(i + 1)
		}
	}
	maxLen, prec := int64(8), int64(19)
	var coll any
	switch g.typ {
	case "int":
		maxLen, prec = 4, 10
	case "nvarchar":
		maxLen, prec, coll = 2000, 0, db.Collation
	}
	r.add(t.ID, id, g.name, false, g.typ, "sys", false, false, g.typ, maxLen, prec, int64(0), coll,
		false, false, false, false, false, false, false, int64(0), false, int64(0), g.hidden,
		nil, nil, nil, nil, nil, nil, nil, nil)
}

func (db *DB) graphColumnsResult() *result {
	r := newResult("object_id:i", "column_id:i", "name:s", "graph_type:i")
	for _, t := range db.Tables {
		for i, g := range graphColumns(t) {
			r.add(t.ID, int64(i+1), g.name, g.graphType)
		}
	}
	return r
}

func (db *DB) edgeConstraintsResult() *result {
	r := newResult("object_id:i", "name:s", "parent_object_id:i", "delete_referential_action:t", "is_disabled:f",
		"is_not_trusted:f", "clause_number:i", "from_object_id:i", "to_object_id:i")
	for _, t := range db.Tables {
		for _, ec := range t.EdgeConstraints {
			action := int64(0)
			if ec.Cascade {
				action = 1
			}
			for i, cl := range ec.Clauses {
				r.add(ec.id, ec.Name, t.ID, action, false, false, int64(i+1), db.lookup(cl[0]), db.lookup(cl[1]))
			}
		}
	}
	return r
}

// indexColumnNames returns the columns of table oid an index key names:
// the column, or for a graph pseudo-column the internal columns it is on
// (graph_id for $node_id and $edge_id, from_obj_id and from_id for
// $from_id, to_obj_id and to_id for $to_id).
func (db *DB) indexColumnNames(oid int64, name string) []string {
	var t *Table
	for _, x := range db.Tables {
		if x.ID == oid {
			t = x
		}
	}
	if t == nil || !t.Node && !t.Edge || !strings.HasPrefix(name, "$") {
		return []string{name}
	}
	types := map[string][]int64{"$node_id": {1}, "$edge_id": {1}, "$from_id": {4, 3}, "$to_id": {7, 6}}[name]
	var out []string
	for _, gt := range types {
		for _, g := range graphColumns(t) {
			if g.graphType == gt {
				out = append(out, g.name)
			}
		}
	}
	return out
}

// nodeRow returns the row of node table n whose graph id is id, or nil.
func nodeRow(n *Table, id int64) []any {
	for i, row := range n.Rows {
		gid := int64(i)
		if n.NodeIDs != nil {
			gid = n.NodeIDs[i]
		}
		if gid == id {
			return row
		}
	}
	return nil
}

// edgeItem is an item of the select list of an edge data query.
type edgeItem struct {
	side int    // 0 FROM, 1 TO
	node *Table // a node table's key column; nil for an edge column
	col  int    // the column of node, or of the edge table
}

// edgeData answers the data query of edge table t (mssql's
// edgeData.query): sel is its select list, rest its lines after FROM (the
// joins, ORDER BY).
func (db *DB) edgeData(t *Table, sel, rest string, w mssqltest.ResultWriter) error {
	aliases := map[string]*Table{}
	for rest != "" {
		var line string
		line, rest, _ = cutTop(rest, "\n")
		switch {
		case strings.HasPrefix(line, "LEFT JOIN "):
			name, after, _ := cutTop(strings.TrimPrefix(line, "LEFT JOIN "), " AS ")
			alias, _, _ := strings.Cut(after, " ")
			schema, tname, ok := unquoteName(name)
			n := db.table(schema + "." + tname)
			if !ok || n == nil || !n.Node {
				return mssqltest.Errorf(208, 16, "Invalid object name '%s'.", name)
			}
			aliases[alias] = n
		case strings.HasPrefix(line, "ORDER BY "):
		default:
			return mssqltest.Errorf(102, 15, "mssqltest sample: edge query line %q not modelled", line)
		}
	}
	colIndex := func(tb *Table, expr string) int {
		name := strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(expr, "["), "]"), "]]", "]")
		for i, c := range tb.Columns {
			if c.Name == name {
				return i
			}
		}
		return -1
	}
	var items []edgeItem
	var cols []mssqltest.Column
	for _, it := range splitTop(sel) {
		switch {
		case strings.HasPrefix(it, "e."):
			i := colIndex(t, strings.TrimPrefix(it, "e."))
			if i < 0 {
				return mssqltest.Errorf(207, 16, "Invalid column name '%s'.", it)
			}
			items = append(items, edgeItem{col: i})
			cols = append(cols, t.Columns[i].typ.wireColumn(t.Columns[i].Name))
		default:
			alias, expr, _ := strings.Cut(it, ".")
			n := aliases[alias]
			if n == nil {
				return mssqltest.Errorf(4104, 16, "The multi-part identifier \"%s\" could not be bound.", it)
			}
			i := colIndex(n, expr)
			if i < 0 {
				return mssqltest.Errorf(207, 16, "Invalid column name '%s'.", expr)
			}
			side := 0
			if alias[0] == 't' {
				side = 1
			}
			items = append(items, edgeItem{side: side, node: n, col: i})
			cols = append(cols, n.Columns[i].typ.wireColumn(n.Columns[i].Name))
		}
	}
	if err := w.Columns(cols); err != nil {
		return err
	}
	vals := make([]any, len(items))
	for i, row := range t.Rows {
		ends := t.Ends[i]
		for j, it := range items {
			end := ends[it.side]
			switch {
			case it.node == nil:
				vals[j] = row[it.col]
			default:
				vals[j] = nil
				if strings.EqualFold(end.Table, it.node.Schema+"."+it.node.Name) {
					if nr := nodeRow(it.node, end.ID); nr != nil {
						vals[j] = nr[it.col]
					}
				}
			}
		}
		if err := w.Row(vals...); err != nil {
			return fmt.Errorf("table %s.%s row %d: %w", t.Schema, t.Name, i+1, err)
		}
	}
	return nil
}
