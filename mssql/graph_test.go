package mssql

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// withoutGraph returns tables without the node and edge tables, for a
// model served as a version older than SQL Server 2017.
func withoutGraph(tables []*sample.Table) []*sample.Table {
	var out []*sample.Table
	for _, t := range tables {
		if !t.Node && !t.Edge {
			out = append(out, t)
		}
	}
	return out
}

// replayEdges replays the data file of edge table name (graph.go) of
// model db and returns each edge's ends as "schema.node#graph id", found
// the way the INSERT finds them: the node table's row whose key columns
// hold the subquery's values.
func replayEdges(t *testing.T, db *sample.DB, files map[string][]byte, schema, name string) []string {
	t.Helper()
	var model *sample.Table
	for _, x := range db.Tables {
		if x.Schema == schema && x.Name == name {
			model = x
		}
	}
	cols := make([]*Column, len(model.Columns))
	for i, c := range model.Columns {
		typ, err := ParseTypeDecl(c.Type)
		if err != nil {
			t.Fatal(err)
		}
		cols[i] = &Column{Name: c.Name, Type: typ}
	}
	var got []string
	rp := &dataReplay{table: quoteName(schema, name), cols: cols, maxBatch: MaxBatchBytes, edge: true, row: func(vals []any) error {
		var ends []string
		for _, v := range vals[:2] {
			end := v.(EdgeEnd)
			var node *sample.Table
			for _, x := range db.Tables {
				if quoteName(x.Schema, x.Name) == end.Table && x.Node {
					node = x
				}
			}
			if node == nil {
				return fmt.Errorf("an end in %s, no node table", end.Table)
			}
			found := ""
			for r, row := range node.Rows {
				match := len(end.Key) > 0
				for k, want := range end.Key {
					ci := -1
					for i, c := range node.Columns {
						if quoteIdent(c.Name) == k {
							ci = i
						}
					}
					match = match && ci >= 0 && fmt.Sprint(row[ci]) == fmt.Sprint(want)
				}
				if match {
					if found != "" {
						return fmt.Errorf("end %+v finds two nodes", end)
					}
					gid := int64(r)
					if node.NodeIDs != nil {
						gid = node.NodeIDs[r]
					}
					found = fmt.Sprintf("%s.%s#%d", node.Schema, node.Name, gid)
				}
			}
			if found == "" {
				return fmt.Errorf("end %+v finds no node", end)
			}
			ends = append(ends, found)
		}
		got = append(got, ends[0]+" -> "+ends[1]+" "+fmt.Sprint(vals[2:]))
		return nil
	}}
	file := DataDir + "/" + fileName(schema, name)
	if _, err := rp.Write(files[file]); err != nil {
		t.Fatal(err)
	}
	if err := rp.Close(); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestGraphEdges scripts the sample's edge tables and replays their data
// files: every edge's INSERT names its ends by their node tables' keys,
// and each key finds the node the edge had (by graph id: graph.Person's
// nodes were deleted and inserted again, so ids and keys differ), in the
// order of the data query.
func TestGraphEdges(t *testing.T) {
	db := sharedSample()
	s := newTestServer(t, nil)
	sink, m := s.scriptMem("sample", s.options("sample"))
	for _, u := range m.Unscripted {
		if strings.HasPrefix(u.Name, "[graph]") {
			t.Errorf("reported: %s %s: %s", u.Kind, u.Name, u.Reason)
		}
	}
	for _, c := range []struct {
		name string
		want []string
	}{
		{"knows", []string{
			"graph.Person#0 -> graph.City#0 [1]",
			"graph.Person#0 -> graph.Person#3 [5]",
			"graph.Person#3 -> graph.Person#0 [4]",
			"graph.Person#4 -> graph.Person#3 [3]",
		}},
		{"livesIn", []string{
			"graph.Person#0 -> graph.City#0 [2020-01-01 00:00:00 +0000 UTC]",
			"graph.Person#3 -> graph.City#2 [<nil>]",
			"graph.Person#4 -> graph.City#1 [1970-05-11 00:00:00 +0000 UTC]",
		}},
	} {
		got := replayEdges(t, db, sink.files, "graph", c.name)
		sameLines(t, "edges of graph."+c.name, got, c.want)
		// The model's ends, as the source has them.
		var want []string
		for _, tb := range db.Tables {
			if tb.Schema == "graph" && tb.Name == c.name {
				for _, e := range tb.Ends {
					want = append(want, fmt.Sprintf("%s#%d -> %s#%d", e[0].Table, e[0].ID, e[1].Table, e[1].ID))
				}
			}
		}
		for i := range want {
			if i >= len(got) || !strings.HasPrefix(got[i], want[i]+" ") {
				t.Errorf("graph.%s edge %d: the script gives %q, the source has %q", c.name, i+1, got, want)
				break
			}
		}
	}
	// Nodes load before edges.
	var order []string
	for _, te := range m.Tables {
		if strings.HasPrefix(te.Name, "[graph]") {
			order = append(order, te.Name)
		}
	}
	sameLines(t, "graph tables in load order", order, []string{"[graph].[City]", "[graph].[Person]", "[graph].[knows]", "[graph].[livesIn]"})
}

// TestGraphSchema checks how node and edge tables are created: AS NODE
// and AS EDGE after the version check, the unique index on $node_id or
// $edge_id in CREATE TABLE, an index on pseudo-columns by their names,
// the edge constraint after the data where the target has them; and that
// no script names the internal graph columns.
func TestGraphSchema(t *testing.T) {
	s := newTestServer(t, nil)
	sink, _ := s.scriptMem("sample", s.options("sample"))
	schema, post := string(sink.files[SchemaFile]), string(sink.files[PostDataFile])
	check := "IF NOT (CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 14)\nBEGIN\n" +
		"    RAISERROR (N'sqlvault: this database has graph tables (AS NODE, AS EDGE), which need SQL Server 2017 or later; nothing after this batch runs (SET NOEXEC ON)', 16, 1);\n" +
		"    SET NOEXEC ON;\nEND;\nGO\n"
	mustContain(t, "schema.sql", schema,
		"-- Table [graph].[Person]\n"+check+"CREATE TABLE [graph].[Person] (\n    [ID] int NOT NULL,\n"+
			"    [Name] nvarchar(50) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,\n    CONSTRAINT [PK_Person] PRIMARY KEY CLUSTERED ([ID] ASC),\n"+
			"    INDEX [GRAPH_UNIQUE_INDEX_0E1D2C3B4A5948675645342312F1E0D9] UNIQUE NONCLUSTERED ($node_id ASC)\n) AS NODE;\nGO\n",
		"-- Table [graph].[knows]\n"+check+"CREATE TABLE [graph].[knows] (\n    [rating] int NULL,\n"+
			"    INDEX [GRAPH_UNIQUE_INDEX_7F6E5D4C3B2A41908F7E6D5C4B3A2918] UNIQUE NONCLUSTERED ($edge_id ASC)\n) AS EDGE;\nGO\n")
	mustContain(t, "post-data.sql", post,
		"CREATE NONCLUSTERED INDEX [IX_knows_ends] ON [graph].[knows] ($from_id ASC, $to_id ASC);\nGO\n",
		"IF CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 15\nBEGIN\n"+
			"    DECLARE @sql nvarchar(max) = N'ALTER TABLE [graph].[livesIn] ADD CONSTRAINT [EC_livesIn] CONNECTION ([graph].[Person] TO [graph].[City]) ON DELETE CASCADE;';\n"+
			"    EXEC sys.sp_executesql @sql;\nEND\nELSE\n    PRINT N'sqlvault: edge constraint [EC_livesIn] of [graph].[livesIn] needs SQL Server 2019 or later; not set';\nGO\n")
	if strings.Contains(post, "GRAPH_UNIQUE_INDEX") {
		t.Error("post-data.sql creates an index CREATE TABLE declared")
	}
	for name, b := range sink.files {
		for _, internal := range []string{"graph_id_", "$node_id_", "$edge_id_", "from_obj_id_", "from_id_", "to_obj_id_", "to_id_"} {
			if strings.Contains(string(b), internal) {
				t.Errorf("%s names the internal graph column %s…", name, internal)
			}
		}
	}
}

// graphDB is a database of node table g.N (key k unless keyless) with
// nodes 1 and 2 (graph ids 0 and 5), node table g.M, and edge table g.E
// with the given ends.
func graphDB(keyless bool, ends ...[2]sample.NodeRef) *sample.DB {
	n := &sample.Table{Schema: "g", Name: "N", Node: true, Columns: []*sample.Column{{Name: "k", Type: "int"}},
		Rows: [][]any{{1}, {2}}, NodeIDs: []int64{0, 5}}
	if !keyless {
		n.Indexes = []*sample.Index{{Name: "PK_N", Type: 1, PrimaryKey: true, Keys: []string{"k"}}}
	}
	m := &sample.Table{Schema: "g", Name: "M", Node: true, Columns: []*sample.Column{{Name: "k", Type: "int"}},
		Indexes: []*sample.Index{{Name: "PK_M", Type: 1, PrimaryKey: true, Keys: []string{"k"}}}, Rows: [][]any{{7}}}
	e := &sample.Table{Schema: "a", Name: "E", Edge: true, Columns: []*sample.Column{{Name: "w", Type: "int", Nullable: true}}, Ends: ends}
	for i := range ends {
		e.Rows = append(e.Rows, []any{i})
	}
	db := sample.NewDB("graphs", e, n, m)
	db.Schemas = []*sample.Schema{{Name: "a", Owner: "dbo"}, {Name: "g", Owner: "dbo"}}
	db.Build()
	return db
}

// TestGraphUnscriptable reports an edge table whose ends can be in a node
// table without a key (its data is missing: the warning wraps
// ErrDataMissing), and leaves out with the options the edge tables whose
// node tables they leave out.
func TestGraphUnscriptable(t *testing.T) {
	db := graphDB(true, [2]sample.NodeRef{{Table: "g.M", ID: 0}, {Table: "g.M", ID: 0}})
	s := newTestServer(t, []*sample.DB{db})
	opts := s.options("graphs")
	var warned []error
	opts.Warn = func(what string, err error) { warned = append(warned, err) }
	sink, m := s.scriptMem("graphs", opts)
	sameLines(t, "unscripted", unscriptedLines(m.Unscripted), []string{
		"table [a].[E]: its edges can end in node table [g].[N], which has no primary key or unique constraint or index " +
			"(without a filter, on NOT NULL columns) to find its nodes by when the edges are inserted: add one to [g].[N] (or an edge constraint that leaves it out)",
	})
	if _, ok := sink.files["data/a.E.sql"]; ok || len(warned) != 1 || !errors.Is(warned[0], ErrDataMissing) {
		t.Errorf("edge table scripted, or warnings %v", warned)
	}
	if _, ok := sink.files["data/g.N.sql"]; !ok {
		t.Error("the node table without a key is not scripted")
	}

	db = graphDB(false, [2]sample.NodeRef{{Table: "g.M", ID: 0}, {Table: "g.N", ID: 5}})
	s = newTestServer(t, []*sample.DB{db})
	opts = s.options("graphs")
	opts.ExcludeTables = []string{"g.N"}
	_, m = s.scriptMem("graphs", opts)
	sameLines(t, "left out", unscriptedLines(m.LeftOut), []string{"table [a].[E]: its edges can end in [g].[N], which is excluded"})
	if len(m.Tables) != 1 || m.Tables[0].Name != "[g].[M]" {
		t.Errorf("tables %+v", m.Tables)
	}
}

// TestGraphDangling scripts an edge table one of whose edges ends in a
// node that was deleted (nothing prevents it without an edge constraint):
// the other edges are scripted, that one is left out and reported, and the
// copy counts as incomplete.
func TestGraphDangling(t *testing.T) {
	db := graphDB(false,
		[2]sample.NodeRef{{Table: "g.N", ID: 5}, {Table: "g.M", ID: 0}},
		[2]sample.NodeRef{{Table: "g.N", ID: 3}, {Table: "g.M", ID: 0}}, // graph id 3 was deleted
		[2]sample.NodeRef{{Table: "g.M", ID: 0}, {Table: "g.N", ID: 0}})
	s := newTestServer(t, []*sample.DB{db})
	opts := s.options("graphs")
	var warned []error
	opts.Warn = func(what string, err error) { warned = append(warned, err) }
	sink, m := s.scriptMem("graphs", opts)
	got := replayEdges(t, db, sink.files, "a", "E")
	sameLines(t, "edges", got, []string{"g.N#5 -> g.M#0 [0]", "g.M#0 -> g.N#0 [2]"})
	sameLines(t, "unscripted", unscriptedLines(m.Unscripted), []string{
		"table [a].[E]: 1 of its edges end in a node that no longer exists (deleted without an edge constraint) and are not in the copy: delete them from the source, or add the nodes back",
	})
	if len(warned) != 1 || !errors.Is(warned[0], ErrDataMissing) {
		t.Errorf("warnings %v", warned)
	}
	if m.Tables[2].Name != "[a].[E]" || m.Tables[2].Rows != 2 {
		t.Errorf("tables %+v: want [a].[E] last (after its node tables) with 2 rows", m.Tables)
	}
}

// TestGraphHostileNames scripts edges whose node table and key column have
// names sqlcmd could misread: the batches run with sp_executesql, within
// the bound, and each end still finds its node.
func TestGraphHostileNames(t *testing.T) {
	n := &sample.Table{Schema: "g", Name: "N" + sample.Hostile, Node: true,
		Columns: []*sample.Column{{Name: "k" + sample.Hostile, Type: "nvarchar(20)"}},
		Indexes: []*sample.Index{{Name: "PK_N", Type: 1, PrimaryKey: true, Keys: []string{"k" + sample.Hostile}}},
		Rows:    [][]any{{"it's"}, {"GO"}}, NodeIDs: []int64{2, 9}}
	e := &sample.Table{Schema: "g", Name: "E", Edge: true, Rows: [][]any{{}, {}},
		Ends: [][2]sample.NodeRef{{{Table: "g.N" + sample.Hostile, ID: 2}, {Table: "g.N" + sample.Hostile, ID: 9}},
			{{Table: "g.N" + sample.Hostile, ID: 9}, {Table: "g.N" + sample.Hostile, ID: 9}}}}
	db := sample.NewDB("graphs", n, e)
	db.Schemas = []*sample.Schema{{Name: "g", Owner: "dbo"}}
	db.Build()
	s := newTestServer(t, []*sample.DB{db})
	sink, m := s.scriptMem("graphs", s.options("graphs"))
	if len(m.Unscripted) != 0 {
		t.Errorf("unscripted %v", m.Unscripted)
	}
	node := "g.N" + sample.Hostile
	sameLines(t, "edges", replayEdges(t, db, sink.files, "g", "E"), []string{
		node + "#2 -> " + node + "#9 []",
		node + "#9 -> " + node + "#9 []",
	})
	data := string(sink.files["data/g.E.sql"])
	mustContain(t, "data/g.E.sql", data, "EXEC sys.sp_executesql @sql;", "INSERT INTO [g].[E] ($from_id, $to_id) VALUES")
	for _, l := range strings.Split(data, "\n") {
		if strings.EqualFold(strings.TrimSpace(l), "go") && l != "GO" || strings.Contains(l, "$(") {
			t.Errorf("a line sqlcmd misreads: %q", l)
		}
	}
}
