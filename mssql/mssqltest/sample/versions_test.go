package sample

import (
	"strings"
	"testing"
)

// TestCatalogError checks the model of the catalog by version: a view or
// column a version lacks gives SQL Server's error 208 or 207, one it has
// none, and a column selected as NULL is not a use of it.
func TestCatalogError(t *testing.T) {
	v2014, _ := VersionNamed("2014")
	v2017, _ := VersionNamed("2017")
	azure, _ := VersionNamed("azure-sql-database")
	for _, c := range []struct {
		v    Version
		sql  string
		want string
	}{
		{v2014, "SELECT p.object_id FROM sys.periods AS p", "mssql error 208 (class 16, state 1): Invalid object name 'sys.periods'."},
		{v2014, "SELECT t.is_node FROM sys.tables AS t", "mssql error 207 (class 16, state 1): Invalid column name 'is_node'."},
		{v2014, "SELECT NULL AS is_node, t.is_memory_optimized FROM sys.tables AS t", ""},
		{v2014, "SELECT t.is_nodes FROM sys.tables AS t", ""}, // another name
		{v2017, "SELECT t.is_node, t.history_retention_period FROM sys.tables AS t", ""},
		{v2017, "SELECT i.optimize_for_sequential_key FROM sys.indexes AS i", "mssql error 207 (class 16, state 1): Invalid column name 'optimize_for_sequential_key'."},
		{azure, "SELECT ic.column_store_order_ordinal FROM sys.index_columns AS ic JOIN sys.edge_constraints AS ec ON 1 = 1", ""},
	} {
		got := ""
		if err := c.v.catalogError(c.sql); err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%s: %q: error %q, want %q", c.v.Name, c.sql, got, c.want)
		}
	}
}

// TestAs checks what each version keeps of the sample.
func TestAs(t *testing.T) {
	count := func(db *DB, f func(*Table) bool) int {
		n := 0
		for _, t := range db.Tables {
			if f(t) {
				n++
			}
		}
		return n
	}
	v2012, _ := VersionNamed("2012")
	old := New().As(v2012)
	if n := count(old, func(t *Table) bool { return t.MemoryOptimized || t.Temporal != 0 || t.Period != [2]string{} }); n != 0 {
		t.Errorf("2012 keeps %d memory-optimized or temporal tables", n)
	}
	if old.Compatibility != 110 || old.QueryStore != nil || len(old.ScopedConfigs) != 0 {
		t.Errorf("2012: compatibility %d, query store %v, scoped configurations %v", old.Compatibility, old.QueryStore, old.ScopedConfigs)
	}
	v2016, _ := VersionNamed("2016")
	mid := New().As(v2016)
	if n := count(mid, func(t *Table) bool { return t.Temporal == 2 }); n != 1 {
		t.Errorf("2016: %d system-versioned tables, want 1", n)
	}
	for _, sc := range mid.ScopedConfigs {
		if sc.Name != "MAXDOP" {
			t.Errorf("2016 keeps scoped configuration %s", sc.Name)
		}
	}
	azure, _ := VersionNamed("azure-sql-database")
	az := New().As(azure)
	if len(az.Assemblies) != 0 || len(az.Filegroups) != 0 || az.DatabaseSnapshots {
		t.Errorf("Azure SQL Database keeps assemblies %v, filegroups %d, snapshots %v", az.Assemblies, len(az.Filegroups), az.DatabaseSnapshots)
	}
	for _, m := range az.Modules {
		if m.Type == "FS" {
			t.Errorf("Azure SQL Database keeps CLR function %s", m.Name)
		}
	}
	for _, p := range New().Permissions {
		if strings.Contains(p.On, "clr_") {
			t.Fatalf("the sample grants on a CLR module (%s): check that As drops it", p.On)
		}
	}
	r := newResult("a:i", "is_node:f")
	r.add(int64(1), true)
	r.nullColumns("SELECT t.a, NULL AS is_node FROM sys.tables AS t")
	if r.rows[0][0] != int64(1) || r.rows[0][1] != nil {
		t.Errorf("nullColumns: row %v", r.rows[0])
	}
}
