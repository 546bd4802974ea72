package mssql

import (
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// leftOutLines renders manifest entries as "kind name: reason".
func leftOutLines(us []Unscripted) []string {
	var lines []string
	for _, u := range us {
		lines = append(lines, u.Kind+" "+u.Name+": "+u.Reason)
	}
	return lines
}

// TestExcludeLeavesOutDependents excludes sales.Orders from the sample:
// the function, the view and the schema-bound indexed view over it are
// left out (CREATE would fail), and so is what belongs to them (the
// view's index, its owner, an extended property on it) and the foreign
// key that references the table, all listed under left_out with why; the
// procedures that use the table stay (deferred name resolution), and so
// do the objects unrelated to it. What belongs to the excluded table
// itself (its trigger, permission and extended property) goes with it,
// unlisted, and nothing is warned about that a full backup does not warn
// about: the copy is complete as asked.
func TestExcludeLeavesOutDependents(t *testing.T) {
	db := sample.New()
	db.ExtProps = append(db.ExtProps,
		&sample.ExtProp{Target: "object:sales.CustomerOrders", Name: "MS_Description", Value: "left out with the view"},
		&sample.ExtProp{Target: "object:sales.Orders", Name: "MS_Description", Value: "excluded with the table"})
	s := newTestServer(t, []*sample.DB{db})
	var full, warned []string
	opts := s.options("sample")
	opts.Warn = func(what string, err error) { full = append(full, what+": "+err.Error()) }
	s.scriptMem("sample", opts)
	opts.ExcludeTables = []string{"sales.Orders"}
	opts.Warn = func(what string, err error) { warned = append(warned, what+": "+err.Error()) }
	sink, m := s.scriptMem("sample", opts)
	sameLines(t, "warnings with sales.Orders excluded", warned, full)
	sameLines(t, "left_out", leftOutLines(m.LeftOut), []string{
		"extended property column [sales].[CustomerOrders].[CustomerID] N'MS_Description': on [sales].[CustomerOrders], which is left out",
		"extended property view [sales].[CustomerOrders] N'MS_Description': on [sales].[CustomerOrders], which is left out",
		"foreign key [sales].[OrderLines].[FK_OrderLines_Orders]: references [sales].[Orders], which is excluded",
		"function [sales].[fn_CustomerOrders]: depends on [sales].[Orders], which is excluded",
		"index [sales].[OrderTotals].[IX_OrderTotals]: on [sales].[OrderTotals], which is left out",
		"object owner [sales].[CustomerOrders]: on [sales].[CustomerOrders], which is left out",
		"view [sales].[CustomerOrders]: depends on [sales].[Orders], which is excluded",
		"view [sales].[OrderTotals]: depends on [sales].[Orders], which is excluded",
	})
	schema, post, sec := string(sink.files[SchemaFile]), string(sink.files[PostDataFile]), string(sink.files[SecurityFile])
	for name, text := range map[string]string{SchemaFile: schema, PostDataFile: post, SecurityFile: sec} {
		for _, gone := range []string{"[sales].[Orders]", "fn_CustomerOrders", "CustomerOrders", "OrderTotals", "FK_OrderLines_Orders", "trg_Orders_Audit"} {
			if strings.Contains(text, gone) {
				t.Errorf("%s holds %s", name, gone)
			}
		}
	}
	mustContain(t, SchemaFile, schema, "CREATE PROCEDURE [sales].[usp_AddOrder]", "CREATE PROCEDURE [sales].[usp_OrderCount]",
		"CREATE TABLE [sales].[OrderLines]", "CREATE FUNCTION [dbo].[fn_Tax]")
	mustContain(t, SecurityFile, sec, "GRANT EXECUTE ON OBJECT::[sales].[usp_OrderCount] TO [reporting];")
	mustContain(t, ManifestFile, string(sink.files[ManifestFile]),
		"\"left_out\": [\n    {\n      \"kind\": \"extended property\",\n      \"name\": \"column [sales].[CustomerOrders].[CustomerID] N'MS_Description'\",\n"+
			"      \"reason\": \"on [sales].[CustomerOrders], which is left out\"\n    },\n")
	if full, _ := s.scriptMem("sample", s.options("sample")); strings.Contains(string(full.files[ManifestFile]), "left_out") {
		t.Error("a full script lists objects under left_out")
	}
}

// TestTablesLeaveOutDependents scripts two tables of the sample with
// Tables, which leaves out functions and sequences: the computed column
// over a function and the default over a sequence are left out (their
// tables are created without them), and so is the foreign key to a table
// not selected, each listed; the rest of the tables is as in a full
// script.
func TestTablesLeaveOutDependents(t *testing.T) {
	s := newTestServer(t, nil)
	opts := s.options("sample")
	opts.Tables = []string{"sales.Orders", "sales.OrderLines"}
	var warned []string
	opts.Warn = func(what string, err error) { warned = append(warned, what+": "+err.Error()) }
	sink, m := s.scriptMem("sample", opts)
	sameLines(t, "left_out", leftOutLines(m.LeftOut), []string{
		"computed column [sales].[Orders].[Tax]: depends on [dbo].[fn_Tax], which is not selected",
		"default constraint [sales].[Orders].[DF_Orders_OrderID]: depends on [sales].[OrderNumbers], which is not selected",
		"foreign key [sales].[Orders].[FK_Orders_Customers]: references [sales].[Customers], which is not selected",
	})
	for _, w := range warned {
		if strings.Contains(w, "Orders") {
			t.Errorf("warned: %s", w)
		}
	}
	schema := string(sink.files[SchemaFile])
	mustContain(t, SchemaFile, schema, "CREATE TABLE [sales].[Orders] (\n"+
		"    [OrderID] bigint NOT NULL,\n"+
		"    [CustomerID] int NOT NULL,\n"+
		"    [OrderDate] date NOT NULL,\n"+
		"    [Total] [dbo].[Amount] NULL,\n"+
		"    [Status] tinyint NOT NULL CONSTRAINT [DF_Orders_Status] DEFAULT ((0)),\n"+
		"    [RowVer] rowversion NOT NULL,\n"+
		"    CONSTRAINT [PK_Orders] PRIMARY KEY CLUSTERED ([OrderID] ASC)\n);\nGO\n")
	post := string(sink.files[PostDataFile])
	mustContain(t, PostDataFile, post, "ADD CONSTRAINT [FK_OrderLines_Orders] FOREIGN KEY", "CREATE TRIGGER [sales].[trg_Orders_Audit]")
	if strings.Contains(post, "FK_Orders_Customers") {
		t.Error("post-data.sql adds the foreign key to a table not selected")
	}
}

// TestUnscriptedLeavesOutDependents adds to the sample what depends on
// objects that cannot be scripted (the table dbo.Cache, given an Always
// Encrypted column, the CLR function dbo.clr_Hello): a view over the table with a
// permission and a view over that view, a schema-bound function over it,
// a table's computed column over that function with an index on it, and
// a procedure calling the CLR function. They are left out, listed under
// unscripted and warned about (the copy is incomplete, as for the objects
// they need); a procedure that only reads the table stays (deferred name
// resolution).
func TestUnscriptedLeavesOutDependents(t *testing.T) {
	db := sample.New()
	encryptColumn(t, db, "Cache", "v")
	db.Modules = append(db.Modules,
		&sample.Module{Schema: "dbo", Name: "CacheKeys", Type: "V", References: []string{"dbo.Cache"}, AnsiNulls: true, QuotedIdentifier: true,
			Definition: "CREATE VIEW dbo.CacheKeys AS SELECT k FROM dbo.Cache;"},
		&sample.Module{Schema: "dbo", Name: "CacheKeyCount", Type: "V", References: []string{"dbo.CacheKeys"}, AnsiNulls: true, QuotedIdentifier: true,
			Definition: "CREATE VIEW dbo.CacheKeyCount AS SELECT COUNT(*) AS n FROM dbo.CacheKeys;"},
		&sample.Module{Schema: "dbo", Name: "fn_CacheSize", Type: "FN", SchemaBound: true, References: []string{"dbo.Cache"}, AnsiNulls: true, QuotedIdentifier: true,
			Definition: "CREATE FUNCTION dbo.fn_CacheSize () RETURNS int WITH SCHEMABINDING AS BEGIN RETURN (SELECT COUNT(*) FROM dbo.Cache); END"},
		&sample.Module{Schema: "dbo", Name: "usp_Hello", Type: "P", References: []string{"dbo.clr_Hello"}, AnsiNulls: true, QuotedIdentifier: true,
			Definition: "CREATE PROCEDURE dbo.usp_Hello AS SELECT dbo.clr_Hello();"},
		&sample.Module{Schema: "dbo", Name: "usp_CacheRead", Type: "P", References: []string{"dbo.Cache"}, AnsiNulls: true, QuotedIdentifier: true,
			Definition: "CREATE PROCEDURE dbo.usp_CacheRead AS SELECT k, v FROM dbo.Cache;"})
	db.Tables = append(db.Tables, &sample.Table{Schema: "dbo", Name: "Sized", Columns: []*sample.Column{
		{Name: "id", Type: "int"},
		{Name: "size", Type: "int", Nullable: true, Computed: "([dbo].[fn_CacheSize]())", ComputedRefs: []string{"dbo.fn_CacheSize"}},
	}, Indexes: []*sample.Index{
		{Name: "PK_Sized", Type: 1, PrimaryKey: true, Keys: []string{"id"}},
		{Name: "IX_Sized_size", Type: 2, Keys: []string{"size"}},
	}, Rows: [][]any{{1, nil}}})
	db.Permissions = append(db.Permissions, &sample.Permission{State: "G", Name: "SELECT", On: "object:dbo.CacheKeys", To: "reporting"})
	db.Build()
	s := newTestServer(t, []*sample.DB{db})
	opts := s.options("sample")
	var warned []string
	opts.Warn = func(what string, err error) { warned = append(warned, what+": "+err.Error()) }
	sink, m := s.scriptMem("sample", opts)
	want := []string{
		"computed column [dbo].[Sized].[size]: depends on [dbo].[fn_CacheSize], which is left out",
		"function [dbo].[fn_CacheSize]: depends on [dbo].[Cache], which is not scripted",
		"index [dbo].[Sized].[IX_Sized_size]: depends on [dbo].[Sized].[size], which is left out",
		"permission GRANT SELECT ON OBJECT::[dbo].[CacheKeys] TO [reporting]: on [dbo].[CacheKeys], which is left out",
		"procedure [dbo].[usp_Hello]: depends on [dbo].[clr_Hello], which is not scripted",
		"view [dbo].[CacheKeyCount]: depends on [dbo].[CacheKeys], which is left out",
		"view [dbo].[CacheKeys]: depends on [dbo].[Cache], which is not scripted",
	}
	var got []string
	for _, u := range leftOutLines(m.Unscripted) {
		for _, w := range want {
			if u == w {
				got = append(got, u)
			}
		}
	}
	sameLines(t, "unscripted", got, want)
	if len(m.LeftOut) != 0 {
		t.Errorf("left_out: %q", leftOutLines(m.LeftOut))
	}
	for _, w := range want {
		kind, rest, _ := strings.Cut(w, ": ")
		mustContain(t, "warnings", strings.Join(warned, "\n"), kind+": not scripted: "+rest)
	}
	schema, post := string(sink.files[SchemaFile]), string(sink.files[PostDataFile])
	for _, gone := range []string{"CacheKeys", "CacheKeyCount", "fn_CacheSize", "usp_Hello", "IX_Sized_size", "[size]"} {
		if strings.Contains(schema+post+string(sink.files[SecurityFile]), gone) {
			t.Errorf("the scripts hold %s", gone)
		}
	}
	mustContain(t, SchemaFile, schema, "CREATE PROCEDURE [dbo].[usp_CacheRead]", "CREATE TABLE [dbo].[Sized] (\n    [id] int NOT NULL,\n    CONSTRAINT [PK_Sized]")
}

// TestCreateFails checks which missing objects a module's creation
// survives: only a body of statements resolves names late, and only
// those of tables (views, synonyms) and of the procedures it executes.
func TestCreateFails(t *testing.T) {
	proc := &Module{Type: "P"}
	for _, c := range []struct {
		m    *Module
		d    dependency
		typ  bool
		to   string
		want bool
	}{
		{proc, dependency{to: 1}, false, "U", false},
		{proc, dependency{to: 1}, false, "V", false},
		{proc, dependency{to: 1}, false, "P", false},
		{proc, dependency{to: 1}, false, "FN", true},
		{proc, dependency{to: 1}, false, "SO", true},
		{proc, dependency{to: 1}, true, "", true},
		{proc, dependency{to: 1, toMinor: 2}, false, "U", true},
		{&Module{Type: "TR"}, dependency{to: 1}, false, "U", false},
		{&Module{Type: "FN"}, dependency{to: 1}, false, "U", false},
		{&Module{Type: "FN", SchemaBound: true}, dependency{to: 1}, false, "U", true},
		{&Module{Type: "V"}, dependency{to: 1}, false, "U", true},
		{&Module{Type: "IF"}, dependency{to: 1}, false, "U", true},
	} {
		to := &object{typ: c.to}
		if got := createFails(c.m, c.d, c.typ, to); got != c.want {
			t.Errorf("createFails(%+v, %+v, %v, %s) = %v", c.m, c.d, c.typ, c.to, got)
		}
	}
}
