package target_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	gomssql "github.com/microsoft/go-mssqldb"

	"github.com/sqlvault/sqlvault/mssql"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/backuptest"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/target"
)

// backUpSample scripts the sample database into a temporary folder and
// returns the folder and its manifest.
func backUpSample(t *testing.T) (string, *mssql.Manifest) {
	b := backuptest.Sample(t)
	return b.Dir, b.Manifest
}

// TestScriptedRestore runs the sample backup's schema.sql and every
// table's data file on one connection, as sqlcmd would (edge tables last),
// and reads every table back with the query the backup read it with
// (mssql.HashEntry): each gives the manifest's row count and content hash,
// and the rows of each table but the edge tables are, value by value,
// those mssql.ReadDataFile reads from its file. The files hold every form
// of data batch: SET IDENTITY_INSERT, batches run with sp_executesql (the
// table with hostile names), values built in pieces through #sqlvault_lob
// ([dbo].[BigValues]), sql_variant values, edges.
func TestScriptedRestore(t *testing.T) {
	dir, m := backUpSample(t)
	h, srv := newTarget(t)
	ctx := context.Background()
	db := open(t, srv, "restored")
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	run := func(file string) {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(file)))
		if err != nil {
			t.Fatal(err)
		}
		for i, batch := range splitBatches(string(b)) {
			if _, err := conn.ExecContext(ctx, batch); err != nil {
				t.Fatalf("%s batch %d: %v\n%.300s", file, i+1, err, batch)
			}
		}
	}
	run(mssql.SchemaFile)
	var edges []mssql.TableEntry
	for _, te := range m.Tables {
		switch {
		case te.File == "":
		case te.Edge:
			edges = append(edges, te)
		default:
			run(te.File)
		}
	}
	for _, te := range edges {
		run(te.File)
	}
	var pieces, wrapped bool
	for _, b := range h.Batches() {
		pieces = pieces || strings.Contains(b.SQL, "UPDATE #sqlvault_lob SET ")
		wrapped = wrapped || strings.Contains(b.SQL, "EXEC sys.sp_executesql @sql") && strings.Contains(b.SQL, "INSERT INTO ")
	}
	if !pieces || !wrapped {
		t.Errorf("values in pieces sent: %v, INSERTs run by sp_executesql: %v", pieces, wrapped)
	}
	rdb := h.Database("restored")
	for _, te := range m.Tables {
		if te.File == "" {
			continue
		}
		var got [][]any
		rows, hash, err := mssql.HashEntry(ctx, db, te, func(v []any) error {
			got = append(got, append([]any(nil), v...))
			return nil
		})
		if err != nil || rows != te.Rows || hash != te.ContentHash {
			t.Errorf("%s read back: %d rows hashing to %s, %v; manifest %d rows %s", te.Name, rows, hash, err, te.Rows, te.ContentHash)
		}
		var tab *target.Table
		for _, x := range rdb.Tables() {
			if "["+strings.ReplaceAll(x.Schema, "]", "]]")+"].["+strings.ReplaceAll(x.Name, "]", "]]")+"]" == te.Name {
				tab = x
			}
		}
		if tab == nil || int64(len(tab.Rows())) != te.Rows || tab.Edge != te.Edge || te.Edge && len(tab.Ends()) != len(tab.Rows()) {
			t.Errorf("%s: the target holds %+v", te.Name, tab)
			continue
		}
		if te.Edge {
			continue // ReadDataFile does not read edges: the hash covers their ends
		}
		cols, err := te.DataColumns()
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(te.File)))
		if err != nil {
			t.Fatal(err)
		}
		var want [][]any
		_, err = mssql.ReadDataFile(f, te.Name, cols, func(v []any) error {
			want = append(want, append([]any(nil), v...))
			return nil
		})
		f.Close()
		if err != nil || len(want) != len(got) {
			t.Errorf("%s: %d rows in its file (%v), %d read back", te.Name, len(want), err, len(got))
			continue
		}
		types := mssql.ColumnTypes(cols)
		for i := range want {
			if c, err := mssql.DiffRow(types, got[i], want[i]); err != nil {
				t.Errorf("%s row %d: %v", te.Name, i+1, err)
			} else if c >= 0 {
				t.Errorf("%s row %d column %s: read back %.200s, the file inserts %.200s", te.Name, i+1, cols[c].Name,
					fmt.Sprintf("%#v", got[i][c]), fmt.Sprintf("%#v", want[i][c]))
			}
		}
	}
}

const graphDDL = "CREATE TABLE [g].[P] ([id] int NOT NULL, [name] nvarchar(10) NOT NULL) AS NODE;\n" +
	"CREATE TABLE [g].[C] ([code] nvarchar(10) NOT NULL) AS NODE;\n" +
	"CREATE TABLE [g].[e] ([w] int NULL) AS EDGE;"

// edge is the end of an edge as the scripter writes it.
func edge(node, cond string) string { return "(SELECT $node_id FROM " + node + " WHERE " + cond + ")" }

// TestEdgeInsert: node rows get graph ids as they are inserted; an
// edge's ends are found by their subqueries and read back by the edge
// query's joins; an end whose node does not exist makes the INSERT fail
// with error 515 and none of its rows is stored.
func TestEdgeInsert(t *testing.T) {
	h, srv := newTarget(t)
	db := open(t, srv, "restored")
	for _, b := range []string{graphDDL,
		"INSERT INTO [g].[P] ([id], [name]) VALUES\n(1, N'Ann'),\n(2, N'Bob');",
		"INSERT INTO [g].[C] ([code]) VALUES\n(N'LON');",
		"INSERT INTO [g].[e] ($from_id, $to_id, [w]) VALUES\n(" + edge("[g].[P]", "[id] = 1") + ", " + edge("[g].[C]", "[code] = N'LON'") + ", 7),\n(" +
			edge("[g].[P]", "[id] = 2") + ", " + edge("[g].[P]", "[id] = 1") + ", NULL);",
	} {
		if _, err := db.Exec(b); err != nil {
			t.Fatalf("%v\n%s", err, b)
		}
	}
	rdb := h.Database("restored")
	if ids := rdb.Table("g", "P").NodeIDs(); !reflect.DeepEqual(ids, []int64{0, 1}) {
		t.Errorf("node ids %v", ids)
	}
	wantEnds := [][2]target.NodeRef{{{Schema: "g", Name: "P", ID: 0}, {Schema: "g", Name: "C", ID: 0}}, {{Schema: "g", Name: "P", ID: 1}, {Schema: "g", Name: "P", ID: 0}}}
	if ends := rdb.Table("g", "e").Ends(); !reflect.DeepEqual(ends, wantEnds) {
		t.Errorf("ends %+v", ends)
	}
	got, _ := query(t, db, "/* sqlvault:data [g].[e] */\nSELECT f1.[code], f2.[id], t1.[code], t2.[id], e.[w]\nFROM [g].[e] AS e\n"+
		"LEFT JOIN [g].[C] AS f1 ON f1.$node_id = e.$from_id\nLEFT JOIN [g].[P] AS f2 ON f2.$node_id = e.$from_id\n"+
		"LEFT JOIN [g].[C] AS t1 ON t1.$node_id = e.$to_id\nLEFT JOIN [g].[P] AS t2 ON t2.$node_id = e.$to_id\n"+
		"ORDER BY f1.[code], f2.[id], t1.[code], t2.[id], e.[w]")
	want := [][]any{{nil, int64(1), "LON", nil, int64(7)}, {nil, int64(2), nil, int64(1), nil}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("edges read back %v, want %v", got, want)
	}

	_, err := db.Exec("INSERT INTO [g].[e] ($from_id, $to_id, [w]) VALUES\n(" + edge("[g].[P]", "[id] = 2") + ", " + edge("[g].[C]", "[code] = N'LON'") + ", 1),\n(" +
		edge("[g].[P]", "[id] = 3") + ", " + edge("[g].[C]", "[code] = N'LON'") + ", 2);")
	var e gomssql.Error
	if !errors.As(err, &e) || e.Number != 515 || e.Message != "Cannot insert the value NULL into column '$from_id', table 'restored.g.e'; column does not allow nulls. INSERT fails." {
		t.Fatalf("edge from a missing node: %v", err)
	}
	if n := len(rdb.Table("g", "e").Rows()); n != 2 {
		t.Errorf("%d edges after the failed INSERT, want 2", n)
	}
}

// TestTruncate: TRUNCATE TABLE empties a table, whether bulk-loaded or
// inserted into, and its identity starts again from the seed; a table
// that does not exist fails with error 4701.
func TestTruncate(t *testing.T) {
	h, srv := newTarget(t)
	db := open(t, srv, "restored")
	if _, err := db.Exec("CREATE TABLE [dbo].[T] ([id] int IDENTITY(5,1) NOT NULL, [v] nvarchar(10) NULL);\n" + graphDDL); err != nil {
		t.Fatal(err)
	}
	if _, err := copyIn(context.Background(), db, "[dbo].[T]", gomssql.BulkOptions{}, []string{"v"}, [][]any{{"a"}, {"b"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO [g].[P] ([id], [name]) VALUES\n(1, N'Ann');"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("TRUNCATE TABLE [dbo].[T];\nTRUNCATE TABLE [g].[P];"); err != nil {
		t.Fatal(err)
	}
	rdb := h.Database("restored")
	if a, b := len(rdb.Table("dbo", "T").Rows()), len(rdb.Table("g", "P").Rows()); a != 0 || b != 0 {
		t.Fatalf("after TRUNCATE: %d and %d rows", a, b)
	}
	if _, err := copyIn(context.Background(), db, "[dbo].[T]", gomssql.BulkOptions{}, []string{"v"}, [][]any{{"c"}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := query(t, db, "/* sqlvault:data [dbo].[T] */ SELECT [id], [v] FROM [dbo].[T] ORDER BY [id]"); !reflect.DeepEqual(got, [][]any{{int64(5), "c"}}) {
		t.Errorf("after TRUNCATE and a load: %v", got)
	}
	_, err := db.Exec("TRUNCATE TABLE [dbo].[Nope];")
	var e gomssql.Error
	if !errors.As(err, &e) || e.Number != 4701 || e.Message != `Cannot find the object "[dbo].[Nope]" because it does not exist or you do not have permissions.` {
		t.Fatalf("TRUNCATE of no table: %v", err)
	}
}
