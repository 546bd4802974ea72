package mssql

import (
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// TestXMLSpatialIndexes: the sample's XML indexes (a primary and a
// secondary PATH one on dbo.Documents) and spatial indexes (a geometry
// grid and a geography automatic grid on dbo.AllTypes) are created in
// post-data.sql, after the data, as exact statements, listed as objects
// and not reported.
func TestXMLSpatialIndexes(t *testing.T) {
	s := newTestServer(t, nil)
	sink, m := s.scriptMem("sample", s.options("sample"))
	for _, u := range m.Unscripted {
		if u.Kind == "index" {
			t.Errorf("reported: %s %s: %s", u.Kind, u.Name, u.Reason)
		}
	}
	post := string(sink.files[PostDataFile])
	mustContain(t, "post-data.sql", post,
		"-- Spatial index [SIX_AllTypes_geometry] on [dbo].[AllTypes]\n"+
			"CREATE SPATIAL INDEX [SIX_AllTypes_geometry] ON [dbo].[AllTypes] ([c_geometry]) USING GEOMETRY_GRID WITH ("+
			"BOUNDING_BOX = (-10E0, -10.5E0, 500E0, 200E0), GRIDS = (LEVEL_1 = LOW, LEVEL_2 = MEDIUM, LEVEL_3 = HIGH, LEVEL_4 = MEDIUM), "+
			"CELLS_PER_OBJECT = 16, DATA_COMPRESSION = PAGE);\nGO\n\n"+
			"-- Spatial index [SIX_AllTypes_geography] on [dbo].[AllTypes]\n"+
			"CREATE SPATIAL INDEX [SIX_AllTypes_geography] ON [dbo].[AllTypes] ([c_geography]) USING GEOGRAPHY_AUTO_GRID WITH (CELLS_PER_OBJECT = 12);\nGO\n",
		"-- XML index [PXML_Documents_Doc] on [dbo].[Documents]\n"+
			"CREATE PRIMARY XML INDEX [PXML_Documents_Doc] ON [dbo].[Documents] ([Doc]);\nGO\n\n"+
			"-- XML index [IXML_Documents_Doc_Path] on [dbo].[Documents]\n"+
			"CREATE XML INDEX [IXML_Documents_Doc_Path] ON [dbo].[Documents] ([Doc]) USING XML INDEX [PXML_Documents_Doc] FOR PATH WITH (PAD_INDEX = ON, FILLFACTOR = 90);\nGO\n")
	objects := map[string]bool{}
	for _, o := range m.Objects {
		objects[o.Kind+" "+o.Name] = true
	}
	for _, want := range []string{"[dbo].[AllTypes].[SIX_AllTypes_geometry]", "[dbo].[AllTypes].[SIX_AllTypes_geography]",
		"[dbo].[Documents].[PXML_Documents_Doc]", "[dbo].[Documents].[IXML_Documents_Doc_Path]"} {
		if !objects["index "+want] {
			t.Errorf("manifest objects lack index %s", want)
		}
	}
}

// TestXMLSpatialIndexesReported: a selective XML index is reported with
// its reason (and its extended property is not written), the other XML
// indexes of the table are still created, a secondary one after its
// primary whatever their index ids, a disabled one disabled at the end;
// an extended property of an XML index is added on it.
func TestXMLSpatialIndexesReported(t *testing.T) {
	tbl := &sample.Table{Schema: "dbo", Name: "Docs", Columns: []*sample.Column{
		{Name: "id", Type: "int"}, {Name: "a", Type: "xml"}, {Name: "b", Type: "xml"}, {Name: "g", Type: "geometry", Nullable: true}},
		Indexes: []*sample.Index{{Name: "PK_Docs", Type: 1, PrimaryKey: true, Keys: []string{"id"}},
			// The secondary index comes first in index_id order.
			{Name: "IX_a_value", Type: 3, Column: "a", XMLPrimary: "PX_a", XMLFor: "VALUE", NoPageLocks: true, Disabled: true},
			{Name: "PX_a", Type: 3, Column: "a", NoRowLocks: true},
			{Name: "SX_b", Type: 3, Column: "b", Selective: true},
			{Name: "SP_g", Type: 4, Column: "g", Spatial: &sample.Tessellation{Scheme: "GEOMETRY_AUTO_GRID", Box: []float64{0, 0, 1e21, 0.5}, CellsPerObject: 8}}},
		Rows: [][]any{{1, "<a/>", "<b/>", nil}}}
	db := sample.NewDB("xmlidx", tbl)
	db.ExtProps = []*sample.ExtProp{{Target: "index:dbo.Docs.PX_a", Name: "MS_Description", Value: "primary"},
		{Target: "index:dbo.Docs.SX_b", Name: "MS_Description", Value: "selective"}}
	db.Build()
	s := newTestServer(t, []*sample.DB{db})
	opts := s.options("xmlidx")
	var warned []string
	opts.Warn = func(what string, err error) { warned = append(warned, what+": "+err.Error()) }
	sink, m := s.scriptMem("xmlidx", opts)
	sameLines(t, "reported", unscriptedLines(m.Unscripted), []string{
		"index [dbo].[Docs].[SX_b]: a selective XML index (CREATE SELECTIVE XML INDEX with its promoted paths, sys.selective_xml_index_paths) is not scripted",
	})
	for _, u := range m.Unscripted {
		if want := "create it by hand on the target after the restore with CREATE SELECTIVE XML INDEX"; !strings.HasPrefix(u.Action, want) {
			t.Errorf("action %q, want it to start with %q", u.Action, want)
		}
	}
	post := string(sink.files[PostDataFile])
	mustContain(t, "post-data.sql", post,
		"CREATE PRIMARY XML INDEX [PX_a] ON [dbo].[Docs] ([a]) WITH (ALLOW_ROW_LOCKS = OFF);\nGO\n\n"+
			"-- XML index [IX_a_value] on [dbo].[Docs]\n"+
			"CREATE XML INDEX [IX_a_value] ON [dbo].[Docs] ([a]) USING XML INDEX [PX_a] FOR VALUE WITH (ALLOW_PAGE_LOCKS = OFF);\nGO\n\n"+
			"-- Spatial index [SP_g] on [dbo].[Docs]\n"+
			"CREATE SPATIAL INDEX [SP_g] ON [dbo].[Docs] ([g]) USING GEOMETRY_AUTO_GRID WITH (BOUNDING_BOX = (0E0, 0E0, 1E+21, 0.5E0), CELLS_PER_OBJECT = 8);\nGO\n",
		"ALTER INDEX [IX_a_value] ON [dbo].[Docs] DISABLE;\nGO\n",
		"@level2type = N'INDEX', @level2name = N'PX_a';\nGO\n")
	if strings.Contains(post, "SX_b") {
		t.Errorf("post-data.sql names the selective XML index:\n%s", post)
	}
	sameLines(t, "warned", warned, []string{"extended property MS_Description: not scripted: its object is not scripted",
		"index [dbo].[Docs].[SX_b]: not scripted: " + m.Unscripted[0].Reason + "; to do: " + m.Unscripted[0].Action})
}

// TestXMLIndexesQuery: sys.xml_indexes.xml_index_type is asked for from
// SQL Server 2012 SP1 (build 11.0.3000) on; before it NULL stands in, and
// an XML index is primary or secondary by using_xml_index_id.
func TestXMLIndexesQuery(t *testing.T) {
	for _, tc := range []struct {
		version string
		want    string
	}{
		{"11.0.2100.60", "NULL AS xml_index_type"},
		{"11.0.3000.0", "x.xml_index_type AS xml_index_type"},
		{"12.0.2000.8", "x.xml_index_type AS xml_index_type"},
		{"16.0.1000.6", "x.xml_index_type AS xml_index_type"},
	} {
		q := qXMLIndexes(ServerInfo{ProductVersion: tc.version, EngineEdition: 3})
		if !strings.Contains(q, tc.want) {
			t.Errorf("%s: query lacks %q:\n%s", tc.version, tc.want, q)
		}
	}
	if q := qXMLIndexes(ServerInfo{ProductVersion: "12.0.2000.8", EngineEdition: 5}); !strings.Contains(q, "x.xml_index_type AS") {
		t.Errorf("Azure SQL Database: %s", q)
	}
	c := newCatalog()
	tbl := &Table{ID: 7, Schema: "dbo", Name: "t", Indexes: []*Index{{ID: 1, Type: 1, Name: "pk"},
		{ID: 2, Type: 3, Name: "p", AllowRowLocks: true, AllowPageLocks: true}, {ID: 3, Type: 3, Name: "s", AllowRowLocks: true, AllowPageLocks: true}}}
	c.tables[7] = tbl
	for _, row := range []map[string]any{
		{"object_id": int64(7), "index_id": int64(2), "using_xml_index_id": nil, "secondary_type_desc": nil, "xml_index_type": nil, "column_name": "x"},
		{"object_id": int64(7), "index_id": int64(3), "using_xml_index_id": int64(2), "secondary_type_desc": "PROPERTY", "xml_index_type": nil, "column_name": "x"},
	} {
		if err := c.addXMLIndex(testRecord(row)); err != nil {
			t.Fatal(err)
		}
	}
	if got := xmlSpatialStmt("dbo", "t", tbl.Indexes[1]); got != "CREATE PRIMARY XML INDEX [p] ON [dbo].[t] ([x]);" {
		t.Errorf("primary: %s", got)
	}
	if r := xmlSpatialReason(tbl, tbl.Indexes[2]); r != "" {
		t.Fatal(r)
	}
	if got := xmlSpatialStmt("dbo", "t", tbl.Indexes[2]); got != "CREATE XML INDEX [s] ON [dbo].[t] ([x]) USING XML INDEX [p] FOR PROPERTY;" {
		t.Errorf("secondary: %s", got)
	}
}

// TestXMLSpatialStatements: the statements for every tessellation scheme
// and the options each statement takes: an XML index none of
// STATISTICS_NORECOMPUTE, DATA_COMPRESSION and IGNORE_DUP_KEY = ON, nor
// an ON clause; a spatial index its filegroup, but no partition scheme.
func TestXMLSpatialStatements(t *testing.T) {
	grids := [4]string{"HIGH", "HIGH", "LOW", "LOW"}
	all := Index{Padded: true, FillFactor: 70, IgnoreDupKey: true, NoRecompute: true, AllowRowLocks: false, AllowPageLocks: true,
		Compression: []string{"ROW"}, Placement: Placement{DataSpace: "FG2"}}
	for _, tc := range []struct {
		ix   Index
		want string
	}{
		{Index{Name: "x", Type: 3, XML: &XMLIndex{Column: "c"}}, "CREATE PRIMARY XML INDEX [x] ON [s].[t] ([c]) WITH (PAD_INDEX = ON, FILLFACTOR = 70, ALLOW_ROW_LOCKS = OFF);"},
		{Index{Name: "g", Type: 4, Spatial: &SpatialIndex{Column: "c", Scheme: "GEOGRAPHY_GRID", Grids: grids, CellsPerObject: 1024}},
			"CREATE SPATIAL INDEX [g] ON [s].[t] ([c]) USING GEOGRAPHY_GRID WITH (GRIDS = (LEVEL_1 = HIGH, LEVEL_2 = HIGH, LEVEL_3 = LOW, LEVEL_4 = LOW), " +
				"CELLS_PER_OBJECT = 1024, PAD_INDEX = ON, FILLFACTOR = 70, STATISTICS_NORECOMPUTE = ON, ALLOW_ROW_LOCKS = OFF, DATA_COMPRESSION = ROW) ON [FG2];"},
		{Index{Name: "a", Type: 4, Spatial: &SpatialIndex{Column: "c", Scheme: "GEOMETRY_AUTO_GRID", HasBox: true, Box: [4]float64{-1.25, 2, 3, 4e-5}, CellsPerObject: 8}},
			"CREATE SPATIAL INDEX [a] ON [s].[t] ([c]) USING GEOMETRY_AUTO_GRID WITH (BOUNDING_BOX = (-1.25E0, 2E0, 3E0, 4E-05), CELLS_PER_OBJECT = 8, " +
				"PAD_INDEX = ON, FILLFACTOR = 70, STATISTICS_NORECOMPUTE = ON, ALLOW_ROW_LOCKS = OFF, DATA_COMPRESSION = ROW) ON [FG2];"},
	} {
		ix := all
		ix.Name, ix.Type, ix.XML, ix.Spatial = tc.ix.Name, tc.ix.Type, tc.ix.XML, tc.ix.Spatial
		if got := xmlSpatialStmt("s", "t", &ix); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
	onScheme := Index{Name: "p", Type: 4, AllowRowLocks: true, AllowPageLocks: true, Placement: Placement{DataSpace: "ps", Scheme: true, Column: "d"},
		Spatial: &SpatialIndex{Column: "c", Scheme: "GEOGRAPHY_AUTO_GRID", CellsPerObject: 12}}
	if got, want := xmlSpatialStmt("s", "t", &onScheme), "CREATE SPATIAL INDEX [p] ON [s].[t] ([c]) USING GEOGRAPHY_AUTO_GRID WITH (CELLS_PER_OBJECT = 12);"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	tbl := &Table{Schema: "s", Name: "t"}
	for _, tc := range []struct {
		ix   Index
		want string
	}{
		{Index{Type: 3}, "an XML index that sys.xml_indexes does not describe"},
		{Index{Type: 3, XML: &XMLIndex{Kind: 3}}, "a secondary selective XML index is not scripted, nor the selective XML index it is built on"},
		{Index{Type: 3, XML: &XMLIndex{Kind: 1, using: 9}}, "its primary XML index (index id 9) is not scripted"},
		{Index{Type: 4}, "a spatial index that sys.spatial_index_tessellations does not describe"},
		{Index{Type: 4, Spatial: &SpatialIndex{Scheme: "GEOMETRY_GRID", Grids: grids}}, "its bounding box is not in sys.spatial_index_tessellations"},
		{Index{Type: 4, Spatial: &SpatialIndex{Scheme: "GEOGRAPHY_GRID", Grids: [4]string{"LOW", "", "LOW", "LOW"}}}, `grid density "" is not known`},
		{Index{Type: 4, Spatial: &SpatialIndex{Scheme: "HEX_GRID"}}, `tessellation scheme "HEX_GRID" is not known`},
	} {
		if got := xmlSpatialReason(tbl, &tc.ix); got != tc.want {
			t.Errorf("reason %q, want %q", got, tc.want)
		}
	}
}

// testRecord makes a record of one row of column values.
func testRecord(row map[string]any) *record {
	r := &record{query: "/* sqlvault:test */", idx: map[string]int{}}
	for name, v := range row {
		r.idx[name] = len(r.vals)
		r.vals = append(r.vals, v)
	}
	return r
}
