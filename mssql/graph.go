package mssql

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Graph tables (SQL Graph, SQL Server 2017; "SQL Graph architecture",
// "CREATE TABLE (SQL Graph)", "INSERT (SQL Graph)"). A node table (CREATE
// TABLE ... AS NODE) has, besides its own columns, the implicit columns
// graph_id_<hex> (bigint, hidden) and $node_id_<hex>; an edge table (AS
// EDGE) graph_id_<hex>, $edge_id_<hex>, from_obj_id_<hex>, from_id_<hex>,
// $from_id_<hex>, to_obj_id_<hex>, to_id_<hex> and $to_id_<hex>.
// sys.columns.graph_type (2017) marks them: 1 GRAPH_ID, 2 GRAPH_ID_COMPUTED,
// 3 GRAPH_FROM_ID, 4 GRAPH_FROM_OBJ_ID, 5 GRAPH_FROM_ID_COMPUTED,
// 6 GRAPH_TO_ID, 7 GRAPH_TO_OBJ_ID, 8 GRAPH_TO_ID_COMPUTED. They are kept
// out of Table.Columns: CREATE TABLE ... AS NODE makes them, and no script
// names them. An index on a pseudo-column "appears on the internal
// columns" (graph_id_<hex> for $node_id and $edge_id): its keys are
// written as the pseudo-columns again, $from_id for from_obj_id and
// from_id alike.
//
// The server assigns $node_id, so edges are not restored by copying
// $from_id and $to_id: each end is written as a subquery, (SELECT $node_id
// FROM [s].[node] WHERE [key] = value), over a key of the node table (its
// primary key, else its first unique constraint or index without a filter
// on NOT NULL columns), the way "INSERT (SQL Graph)" inserts an edge. The
// data query of an edge table reads the key values of both ends by joining
// the node tables on $node_id: an end is in the one node table whose join
// found a row (node ids are unique across tables), and in none when its
// node was deleted.

// qGraphColumns lists the graph columns of node and edge tables
// (sys.columns.graph_type, SQL Server 2017; NULL for other columns).
const qGraphColumns = `/* sqlvault:graph_columns */
SELECT c.object_id, c.column_id, c.name, c.graph_type
FROM sys.columns AS c
JOIN sys.tables AS t ON t.object_id = c.object_id
WHERE c.graph_type IS NOT NULL AND t.is_ms_shipped = 0
ORDER BY c.object_id, c.column_id`

// qEdgeConstraints lists the edge constraints (sys.edge_constraints,
// sys.edge_constraint_clauses, SQL Server 2019; delete_referential_action
// 0 NO ACTION, 1 CASCADE), one row per clause (FROM and TO node tables).
const qEdgeConstraints = `/* sqlvault:edge_constraints */
SELECT ec.object_id, ec.name, ec.parent_object_id, ec.delete_referential_action,
       ec.is_disabled, ec.is_not_trusted, ecc.clause_number, ecc.from_object_id, ecc.to_object_id
FROM sys.edge_constraints AS ec
JOIN sys.edge_constraint_clauses AS ecc ON ecc.object_id = ec.object_id
WHERE ec.is_ms_shipped = 0
ORDER BY ec.object_id, ecc.clause_number`

// graphQueries are the catalog queries of graph tables the source's
// version has: graph columns from SQL Server 2017, edge constraints from
// 2019.
func graphQueries(c *Catalog, major int) []catalogQuery {
	var qs []catalogQuery
	if major >= 14 {
		qs = append(qs, catalogQuery{qGraphColumns, c.addGraphColumn})
	}
	if major >= 15 {
		qs = append(qs, catalogQuery{qEdgeConstraints, c.addEdgeConstraint})
	}
	return qs
}

// EdgeConstraint is a CONNECTION constraint of an edge table (SQL Server
// 2019): the edge must go from a node of Clauses[i][0] to one of
// Clauses[i][1] for some i (node table object ids).
type EdgeConstraint struct {
	ID      int64
	Name    string
	Clauses [][2]int64
	Cascade bool // ON DELETE CASCADE, else NO ACTION
}

// graphInfo is what a node or edge table has besides its columns.
type graphInfo struct {
	// cols maps the names of the graph columns to their pseudo-columns.
	cols map[string]string
	// constraints are an edge table's edge constraints, by object id.
	constraints []*EdgeConstraint
	// inline is the unique index on $node_id or $edge_id that CREATE
	// TABLE declares, or nil (finishGraph).
	inline *Index
	// key is a node table's key its edges are restored by, nil if it
	// has none; keyCols its columns.
	key     *Index
	keyCols []*Column
	// ends are the node tables an edge's FROM ([0]) and TO ([1]) end can
	// be in, by schema and name.
	ends [2][]*Table
	// reason is why an edge table cannot be scripted, or "".
	reason string
}

// graphOf returns the graphInfo of a node or edge table, made on first
// use.
func (t *Table) graphOf() *graphInfo {
	if t.graph == nil {
		t.graph = &graphInfo{cols: map[string]string{}}
	}
	return t.graph
}

// graphPseudo names the pseudo-column of a graph column of t by its
// sys.columns.graph_type.
func graphPseudo(t *Table, graphType int64) string {
	switch graphType {
	case 1, 2:
		if t.Edge {
			return "$edge_id"
		}
		return "$node_id"
	case 3, 4, 5:
		return "$from_id"
	case 6, 7, 8:
		return "$to_id"
	}
	return ""
}

// addGraphColumn records a graph column of a node or edge table and takes
// it out of the table's columns.
func (c *Catalog) addGraphColumn(r *record) error {
	t := c.tables[r.int("object_id")]
	if t == nil || !t.Node && !t.Edge {
		return nil
	}
	t.graphOf().cols[r.str("name")] = graphPseudo(t, r.int("graph_type"))
	id := r.int("column_id")
	for i, col := range t.Columns {
		if col.ID == id {
			t.Columns = append(t.Columns[:i:i], t.Columns[i+1:]...)
			break
		}
	}
	return nil
}

// addEdgeConstraint records a clause of an edge constraint.
func (c *Catalog) addEdgeConstraint(r *record) error {
	t := c.tables[r.int("parent_object_id")]
	if t == nil {
		return nil
	}
	g := t.graphOf()
	id := r.int("object_id")
	if n := len(g.constraints); n == 0 || g.constraints[n-1].ID != id {
		g.constraints = append(g.constraints, &EdgeConstraint{ID: id, Name: r.str("name"), Cascade: r.int("delete_referential_action") == 1})
	}
	ec := g.constraints[len(g.constraints)-1]
	ec.Clauses = append(ec.Clauses, [2]int64{r.int("from_object_id"), r.int("to_object_id")})
	return nil
}

// finishGraph writes the index keys on graph columns as pseudo-columns,
// reports what names a graph column otherwise (an included column,
// statistics), picks the index CREATE TABLE declares and the key of each
// node table, and the node tables each edge table's ends can be in (those
// of its edge constraints, else every node table); an edge table whose
// ends can be in a node table without a key cannot be scripted.
func (c *Catalog) finishGraph() {
	var nodes []*Table
	for _, t := range c.Tables {
		if t.Node {
			nodes = append(nodes, t)
		}
	}
	sort.SliceStable(nodes, func(i, j int) bool {
		return nodes[i].Schema < nodes[j].Schema || nodes[i].Schema == nodes[j].Schema && nodes[i].Name < nodes[j].Name
	})
	for _, t := range c.Tables {
		if !t.Node && !t.Edge {
			continue
		}
		g := t.graphOf()
		name := quoteName(t.Schema, t.Name)
		var kept []*Index
		for _, ix := range t.Indexes {
			var keys []IndexKey
			for _, k := range ix.Keys {
				if p, ok := g.cols[k.Column]; ok {
					if n := len(keys); n > 0 && keys[n-1].Pseudo && keys[n-1].Column == p {
						continue // $from_id's from_obj_id and from_id
					}
					k = IndexKey{Column: p, Descending: k.Descending, Pseudo: true}
				}
				keys = append(keys, k)
			}
			ix.Keys = keys
			if col := g.anyGraph(ix.Included); col != "" {
				t.notes = append(t.notes, Unscripted{Kind: "index", Name: name + "." + quoteIdent(ix.Name),
					Reason: "it includes the graph pseudo-column " + col + ", which is not scripted: create the index by hand"})
				continue
			}
			kept = append(kept, ix)
		}
		t.Indexes = kept
		var stats []*Statistic
		for _, st := range t.Stats {
			if col := g.anyGraph(st.Columns); col != "" {
				t.notes = append(t.notes, Unscripted{Kind: "statistics", Name: name + "." + quoteIdent(st.Name),
					Reason: "they are on the graph pseudo-column " + col + ", which is not scripted: create them by hand"})
				continue
			}
			stats = append(stats, st)
		}
		t.Stats = stats
		id := "$node_id"
		if t.Edge {
			id = "$edge_id"
		}
		for _, ix := range t.Indexes {
			if ix.Type == 2 && ix.Unique && !ix.PrimaryKey && !ix.UniqueConstraint && !ix.Disabled && ix.Filter == "" &&
				len(ix.Included) == 0 && len(ix.Keys) == 1 && ix.Keys[0].Pseudo && ix.Keys[0].Column == id {
				g.inline = ix
				break
			}
		}
		if t.Node {
			g.key, g.keyCols = nodeKey(t)
		}
	}
	for _, t := range c.Tables {
		if !t.Edge {
			continue
		}
		g := t.graph
		if len(g.constraints) == 0 {
			g.ends = [2][]*Table{nodes, nodes}
		} else {
			for side := range g.ends {
				for _, n := range nodes {
					for _, ec := range g.constraints {
						for _, cl := range ec.Clauses {
							if cl[side] == n.ID && !containsTable(g.ends[side], n) {
								g.ends[side] = append(g.ends[side], n)
							}
						}
					}
				}
			}
		}
		for _, side := range g.ends {
			for _, n := range side {
				if n.graph.key == nil && g.reason == "" {
					nn := quoteName(n.Schema, n.Name)
					g.reason = "its edges can end in node table " + nn + ", which has no primary key or unique constraint or index " +
						"(without a filter, on NOT NULL columns) to find its nodes by when the edges are inserted: " +
						"add one to " + nn + " (or an edge constraint that leaves it out)"
				}
			}
		}
	}
}

// anyGraph returns the pseudo-column of the first of cols that is a graph
// column, or "".
func (g *graphInfo) anyGraph(cols []string) string {
	for _, col := range cols {
		if p, ok := g.cols[col]; ok {
			return p
		}
	}
	return ""
}

func containsTable(ts []*Table, t *Table) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

// nodeKey returns the key of node table t that its edges' ends are found
// by: its primary key, else its first unique constraint or unique index,
// without a filter, enabled, on columns of the table (no pseudo-column)
// that are NOT NULL and not sql_variant (a value compared with = finds
// exactly one node); nil if it has none.
func nodeKey(t *Table) (*Index, []*Column) {
	usable := func(ix *Index) []*Column {
		if !(ix.PrimaryKey || ix.Unique || ix.UniqueConstraint) || ix.Filter != "" || ix.Disabled || ix.Type != 1 && ix.Type != 2 || len(ix.Keys) == 0 {
			return nil
		}
		var cols []*Column
		for _, k := range ix.Keys {
			col := t.columnNamed(k.Column)
			if k.Pseudo || col == nil || col.Nullable || col.Type.Name == "sql_variant" {
				return nil
			}
			cols = append(cols, col)
		}
		return cols
	}
	for _, pk := range []bool{true, false} {
		for _, ix := range t.Indexes {
			if ix.PrimaryKey == pk {
				if cols := usable(ix); cols != nil {
					return ix, cols
				}
			}
		}
	}
	return nil, nil
}

// columnNamed returns the column of t named name, or nil.
func (t *Table) columnNamed(name string) *Column {
	for _, col := range t.Columns {
		if col.Name == name {
			return col
		}
	}
	return nil
}

// graphEnds returns the node tables an edge table's ends can be in, each
// once; none for other tables.
func (t *Table) graphEnds() []*Table {
	if t.graph == nil || !t.Edge {
		return nil
	}
	var out []*Table
	for _, side := range t.graph.ends {
		for _, n := range side {
			if !containsTable(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

// graphClause is what CREATE TABLE says after the column list of a node
// or edge table: " AS NODE", " AS EDGE" or "".
func graphClause(t *Table) string {
	switch {
	case t.Node:
		return " AS NODE"
	case t.Edge:
		return " AS EDGE"
	}
	return ""
}

// graphIndexDef declares inside CREATE TABLE the unique index on $node_id
// or $edge_id of a graph table, if it has one: SQL Server makes one of
// its own for a table created without ("SQL Graph architecture"), which
// would stand beside the copy of the source's. "" for others.
func graphIndexDef(t *Table) string {
	if t.graph == nil || t.graph.inline == nil {
		return ""
	}
	ix := t.graph.inline
	return fmt.Sprintf("INDEX %s UNIQUE NONCLUSTERED (%s)%s%s", quoteIdent(ix.Name), keyList(ix.Keys), indexOptions(ix), ix.Placement.onClause())
}

// inlineIndex tells whether ix is declared by its table's CREATE TABLE.
func (t *Table) inlineIndex(ix *Index) bool {
	return t.graph != nil && t.graph.inline == ix
}

// graphVersionCheck is the batch before the CREATE TABLE of a graph
// table: a target older than SQL Server 2017 cannot create it (its CREATE
// TABLE would fail on AS NODE with a syntax error), and without its rows
// the restore cannot be complete, so the restore stops there with an
// error that says why (as the encoding check does: RAISERROR stops sqlcmd
// with -b or :on error exit, SET NOEXEC ON every later batch elsewhere).
func graphVersionCheck() string {
	return batch("IF NOT (" + targetSince(14) + ")\nBEGIN\n" +
		"    RAISERROR (N'sqlvault: this database has graph tables (AS NODE, AS EDGE), which need SQL Server 2017 or later; nothing after this batch runs (SET NOEXEC ON)', 16, 1);\n" +
		"    SET NOEXEC ON;\nEND;")
}

// addEdgeConstraint renders ALTER TABLE ... ADD CONSTRAINT ... CONNECTION
// for an edge constraint, after the data as foreign keys are; a target
// older than SQL Server 2019 gets a PRINT instead (its edge tables take
// every edge).
func addEdgeConstraint(c *Catalog, t *Table, ec *EdgeConstraint) string {
	clauses := make([]string, len(ec.Clauses))
	for i, cl := range ec.Clauses {
		clauses[i] = c.qualified(cl[0]) + " TO " + c.qualified(cl[1])
	}
	action := "NO ACTION"
	if ec.Cascade {
		action = "CASCADE"
	}
	name := quoteName(t.Schema, t.Name)
	stmt := fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s CONNECTION (%s) ON DELETE %s;", name, quoteIdent(ec.Name), strings.Join(clauses, ", "), action)
	return sinceGuarded(15, stmt, "edge constraint "+quoteIdent(ec.Name)+" of "+name)
}

// planEdgeTables leaves out the edge tables whose ends can be in a node
// table that is not created: their edges could not find their nodes. It
// runs after planRoots, before what depends on the tables is decided.
func (s *scripter) planEdgeTables(leave func(kind, name, reason string, a absence)) {
	var kept []*Table
	for _, t := range s.tables {
		var gone *absence
		for _, n := range t.graphEnds() {
			if a, ok := s.absent[n.ID]; ok && gone == nil {
				a := a
				gone = &a
				leave("table", quoteName(t.Schema, t.Name), "its edges can end in "+a.which(quoteName(n.Schema, n.Name)), a)
			}
		}
		if gone == nil {
			kept = append(kept, t)
			continue
		}
		s.absent[t.ID] = gone.leftOut()
		delete(s.chosen, t.ID)
		for id, o := range s.c.objects {
			if _, own := s.absent[id]; !own && o.parent == t.ID && o.typ != "TR" {
				s.absent[id] = gone.leftOut()
			}
		}
	}
	s.tables = kept
}

// edgeData reads and writes the ends of an edge table's rows.
type edgeData struct {
	t    *Table
	ends [2][]*Table
	// extra is the most the ends of a row can add to its batch run with
	// sp_executesql besides their length and quotes (tableWriter.rowCost).
	extra int
	// skipped counts the edges whose end was not found (a dangling edge:
	// its node was deleted, which nothing prevents without an edge
	// constraint).
	skipped int64
	// found are the ends appendEnds found last, for the content hash.
	found [2]nodeEnd
}

func newEdgeData(t *Table) *edgeData {
	e := &edgeData{t: t, ends: t.graph.ends}
	for _, side := range e.ends {
		most := 0
		for _, n := range side {
			text := e.subquery(n, nil)
			most = max(most, len(execSQL(text))-len(text))
		}
		e.extra += most
	}
	return e
}

// head is the INSERT of the edges: INSERT INTO [s].[e] ($from_id, $to_id,
// [a], ...).
func (e *edgeData) head(cols []*Column) string {
	list := "$from_id, $to_id"
	if len(cols) > 0 {
		list += ", " + identList(columnNames(cols))
	}
	return fmt.Sprintf("INSERT INTO %s (%s)", quoteName(e.t.Schema, e.t.Name), list)
}

// names is the text of the node tables and key columns the rows name,
// for sqlcmdSafe.
func (e *edgeData) names() string {
	var b strings.Builder
	for _, n := range e.t.graphEnds() {
		b.WriteString(e.subquery(n, nil) + "\n")
	}
	return b.String()
}

// subquery renders the end of an edge in node table n whose key values
// are lits: (SELECT $node_id FROM [s].[n] WHERE [k] = lit AND ...); with
// no lits, the text around them.
func (e *edgeData) subquery(n *Table, lits []string) string {
	conds := make([]string, len(n.graph.keyCols))
	for i, col := range n.graph.keyCols {
		conds[i] = quoteIdent(col.Name) + " = "
		if i < len(lits) {
			conds[i] += lits[i]
		}
	}
	return "(SELECT $node_id FROM " + quoteName(n.Schema, n.Name) + " WHERE " + strings.Join(conds, " AND ") + ")"
}

// query is the data query of the edge table: for each end, the key
// columns of each node table it can be in, joined on $node_id (NULL but
// for the one it is in), then the values of the edge's columns; ordered by
// those values (the ends' keys, then the columns that can be compared),
// not by object ids, so that a restored copy, whose tables have other
// object ids, reads its edges in the same order. A where condition of the
// options applies to the edge table alone (EXISTS over the table itself,
// where its column names cannot be taken for a node table's).
func (e *edgeData) query(cols []*Column, where string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "/* %s %s */\nSELECT ", dataTag, commentText(quoteName(e.t.Schema, e.t.Name)))
	var items, joins []string
	for side, pseudo := range []string{"$from_id", "$to_id"} {
		for i, n := range e.ends[side] {
			alias := fmt.Sprintf("%c%d", "ft"[side], i+1)
			joins = append(joins, fmt.Sprintf("LEFT JOIN %s AS %s ON %s.$node_id = e.%s", quoteName(n.Schema, n.Name), alias, alias, pseudo))
			for _, col := range n.graph.keyCols {
				items = append(items, alias+"."+quoteIdent(col.Name))
			}
		}
	}
	order := append([]string(nil), items...)
	b.WriteString(strings.Join(items, ", "))
	if len(cols) > 0 {
		b.WriteString(", " + selectList(cols, "e."))
	}
	for _, c := range cols {
		if comparable(c) && !c.Sparse {
			order = append(order, "e."+quoteIdent(c.Name))
		}
	}
	fmt.Fprintf(&b, "\nFROM %s AS e", quoteName(e.t.Schema, e.t.Name))
	for _, j := range joins {
		b.WriteString("\n" + j)
	}
	if where != "" {
		fmt.Fprintf(&b, "\nWHERE EXISTS (SELECT 1 FROM %s AS w WHERE w.$edge_id = e.$edge_id AND (%s))", quoteName(e.t.Schema, e.t.Name), where)
	}
	b.WriteString("\nORDER BY " + strings.Join(order, ", "))
	return b.String()
}

// nvals is the number of values the query returns before the edge's
// columns.
func (e *edgeData) nvals() int {
	n := 0
	for _, side := range e.ends {
		for _, t := range side {
			n += len(t.graph.keyCols)
		}
	}
	return n
}

// appendEnds appends the ends of an edge row (read into vals) to line,
// each a subquery over its node table's key, and reports whether both
// were found.
func (e *edgeData) appendEnds(line []byte, vals []any) ([]byte, bool, error) {
	vi := 0
	var lits []string
	for side := range e.ends {
		found := false
		for _, n := range e.ends[side] {
			keys := n.graph.keyCols
			key := vals[vi : vi+len(keys)]
			vi += len(keys)
			if found || slices.Contains(key, nil) {
				continue // not this node table (its join found no row)
			}
			lits = lits[:0]
			for i, col := range keys {
				lit, err := AppendLiteral(nil, col.Type, key[i])
				if err != nil {
					return line, false, fmt.Errorf("node table %s, column %s: %w", commentText(quoteName(n.Schema, n.Name)), commentText(quoteIdent(col.Name)), err)
				}
				lits = append(lits, string(lit))
			}
			if side > 0 {
				line = append(line, ", "...)
			}
			line = append(line, e.subquery(n, lits)...)
			e.found[side] = nodeEnd{node: n, key: key}
			found = true
		}
		if !found {
			return line, false, nil // the node was deleted: the edge dangles
		}
	}
	return line, true, nil
}

// edgesSkipped reports the edges of t that were not scripted because an
// end's node no longer exists: the copy lacks them, so the table counts as
// one whose data is missing.
func (s *scripter) edgesSkipped(t *Table, n int64) {
	u := Unscripted{Kind: "table", Name: quoteName(t.Schema, t.Name),
		Reason: fmt.Sprintf("%d of its edges end in a node that no longer exists (deleted without an edge constraint) and are not in the copy: delete them from the source, or add the nodes back", n)}
	s.m.Unscripted = append(s.m.Unscripted, u)
	sortUnscripted(s.m.Unscripted)
	s.opts.warn(u.Kind+" "+u.Name, u.warning())
}
