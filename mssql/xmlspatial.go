package mssql

import (
	"fmt"
	"strconv"
	"strings"
)

// XML and spatial indexes (sys.indexes types 3 and 4). They are created
// in post-data.sql after the relational indexes of their table, so after
// the primary key (both kinds need a clustered primary key) and the data:
// primary XML indexes first, then secondary ones (USING XML INDEX the
// primary), then spatial indexes. Selective XML indexes (SQL Server 2012
// SP1) are reported, with the secondary indexes built on them.

// XMLIndex is what sys.xml_indexes adds to an XML index.
type XMLIndex struct {
	// Column is the indexed xml column.
	Column string
	// Kind is sys.xml_indexes.xml_index_type: 0 primary, 1 secondary, 2
	// selective, 3 secondary selective (xmlIndexKind: from
	// using_xml_index_id where the column is missing).
	Kind int64
	// Using is the primary XML index of a secondary one (its name), For
	// its type: PATH, VALUE or PROPERTY (secondary_type_desc).
	Using string
	For   string
	// using is the index id of Using (using_xml_index_id).
	using int64
}

// SpatialIndex is what sys.spatial_index_tessellations adds to a
// spatial index.
type SpatialIndex struct {
	// Column is the indexed geometry or geography column.
	Column string
	// Scheme is the tessellation scheme: GEOMETRY_GRID, GEOGRAPHY_GRID,
	// GEOMETRY_AUTO_GRID or GEOGRAPHY_AUTO_GRID (the AUTO_GRID schemes
	// are SQL Server 2012's, so every supported source's).
	Scheme string
	// Box is the bounding box (xmin, ymin, xmax, ymax) of a geometry
	// scheme; HasBox is false where the view gives NULL (geography).
	Box    [4]float64
	HasBox bool
	// Grids are the densities of levels 1 to 4 (LOW, MEDIUM, HIGH) of a
	// manual grid scheme; "" for the AUTO_GRID schemes (NULL).
	Grids [4]string
	// CellsPerObject is CELLS_PER_OBJECT.
	CellsPerObject int64
}

// selectiveXML tells whether the source has sys.xml_indexes.
// xml_index_type, which SQL Server 2012 has from Service Pack 1 (build
// 11.0.3000; sys.xml_indexes (Transact-SQL), SQL Server 2012 documentation:
// "Available beginning in SQL Server 2012 Service Pack 1"), with the
// selective XML indexes it tells apart. Before it every XML index is a
// primary or a secondary one.
func (s ServerInfo) selectiveXML() bool {
	m := s.Major()
	if m != 11 {
		return m > 11
	}
	parts := strings.Split(s.ProductVersion, ".")
	if len(parts) < 3 {
		return false
	}
	build, err := strconv.Atoi(parts[2])
	return err == nil && build >= 3000
}

// qXMLIndexes lists the XML indexes of user tables with their xml column
// (sys.xml_indexes, SQL Server 2005; xml_index_type from 2012 SP1, NULL
// before it). sys.index_columns names the xml column of an XML index;
// the join keeps the xml column only (user_type_id 241).
func qXMLIndexes(s ServerInfo) string {
	since := 0
	if !s.selectiveXML() {
		since = newestMajor + 1 // NULL AS xml_index_type
	}
	return versionedSelect("xml_indexes", s.Major(), []versionedColumn{
		{"x.object_id", "object_id", 0},
		{"x.index_id", "index_id", 0},
		{"x.using_xml_index_id", "using_xml_index_id", 0},
		{"x.secondary_type_desc", "secondary_type_desc", 0},
		{"x.xml_index_type", "xml_index_type", since},
		{"c.name", "column_name", 0},
	}, `FROM sys.xml_indexes AS x
JOIN sys.objects AS o ON o.object_id = x.object_id
JOIN sys.index_columns AS ic ON ic.object_id = x.object_id AND ic.index_id = x.index_id
JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id AND c.user_type_id = 241
WHERE o.type = 'U' AND o.is_ms_shipped = 0
ORDER BY x.object_id, x.index_id`)
}

// qSpatialIndexes lists the spatial indexes of user tables with their
// column and tessellation (sys.spatial_indexes and
// sys.spatial_index_tessellations, SQL Server 2008; every column read here
// exists on every supported version). The bounding box is NULL for the
// geography schemes, the grid densities for the AUTO_GRID ones.
const qSpatialIndexes = `/* sqlvault:spatial_indexes */
SELECT si.object_id, si.index_id, st.tessellation_scheme,
       st.bounding_box_xmin, st.bounding_box_ymin, st.bounding_box_xmax, st.bounding_box_ymax,
       st.level_1_grid_desc, st.level_2_grid_desc, st.level_3_grid_desc, st.level_4_grid_desc,
       st.cells_per_object, c.name AS column_name
FROM sys.spatial_indexes AS si
JOIN sys.spatial_index_tessellations AS st ON st.object_id = si.object_id AND st.index_id = si.index_id
JOIN sys.objects AS o ON o.object_id = si.object_id
JOIN sys.index_columns AS ic ON ic.object_id = si.object_id AND ic.index_id = si.index_id
JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
WHERE o.type = 'U' AND o.is_ms_shipped = 0
ORDER BY si.object_id, si.index_id`

// xmlSpatialQueries are the catalog queries of this file.
func xmlSpatialQueries(c *Catalog) []catalogQuery {
	return []catalogQuery{{qXMLIndexes(c.Server), c.addXMLIndex}, {qSpatialIndexes, c.addSpatialIndex}}
}

// tableIndex returns the index of a row's object_id and index_id, or nil.
func (c *Catalog) tableIndex(r *record) *Index {
	if t := c.tables[r.int("object_id")]; t != nil {
		return t.index(r.int("index_id"))
	}
	return nil
}

// addXMLIndex reads a row of qXMLIndexes.
func (c *Catalog) addXMLIndex(r *record) error {
	ix := c.tableIndex(r)
	if ix == nil || ix.XML != nil {
		return nil
	}
	x := &XMLIndex{Column: r.str("column_name"), using: r.int("using_xml_index_id"), For: r.str("secondary_type_desc")}
	switch {
	case !r.null("xml_index_type"):
		x.Kind = r.int("xml_index_type")
	case x.using != 0:
		x.Kind = 1
	}
	ix.XML = x
	return nil
}

// addSpatialIndex reads a row of qSpatialIndexes.
func (c *Catalog) addSpatialIndex(r *record) error {
	ix := c.tableIndex(r)
	if ix == nil || ix.Spatial != nil {
		return nil
	}
	sp := &SpatialIndex{Column: r.str("column_name"), Scheme: r.str("tessellation_scheme"), CellsPerObject: r.int("cells_per_object"),
		HasBox: !r.null("bounding_box_xmin")}
	for i, col := range []string{"bounding_box_xmin", "bounding_box_ymin", "bounding_box_xmax", "bounding_box_ymax"} {
		f, ok := r.get(col).(float64)
		if !ok && sp.HasBox {
			return fmt.Errorf("%s: column %q: unexpected %T", queryName(qSpatialIndexes), col, r.get(col))
		}
		sp.Box[i] = f
	}
	for i := range sp.Grids {
		sp.Grids[i] = r.str(fmt.Sprintf("level_%d_grid_desc", i+1))
	}
	ix.Spatial = sp
	return nil
}

// xmlSpatialReason returns why an XML or spatial index of t is not
// scripted, or "": a selective XML index, a secondary index on one or on
// a primary that is not scripted, an index the views did not describe,
// a tessellation scheme or grid this scripter does not know.
func xmlSpatialReason(t *Table, ix *Index) string {
	switch ix.Type {
	case 3:
		x := ix.XML
		switch {
		case x == nil:
			return "an XML index that sys.xml_indexes does not describe"
		case x.Kind == 2:
			return "a selective XML index (CREATE SELECTIVE XML INDEX with its promoted paths, sys.selective_xml_index_paths) is not scripted"
		case x.Kind == 3:
			return "a secondary selective XML index is not scripted, nor the selective XML index it is built on"
		case x.Kind == 1:
			p := t.index(x.using)
			if p == nil || p.Type != 3 || p.XML == nil || p.XML.Kind != 0 {
				return fmt.Sprintf("its primary XML index (index id %d) is not scripted", x.using)
			}
			if x.For != "PATH" && x.For != "VALUE" && x.For != "PROPERTY" {
				return fmt.Sprintf("secondary XML index type %q is not known", x.For)
			}
			x.Using = p.Name
		case x.Kind != 0:
			return fmt.Sprintf("XML index type %d is not known", x.Kind)
		}
	case 4:
		sp := ix.Spatial
		if sp == nil {
			return "a spatial index that sys.spatial_index_tessellations does not describe"
		}
		geometry, grid, ok := spatialScheme(sp.Scheme)
		switch {
		case !ok:
			return fmt.Sprintf("tessellation scheme %q is not known", sp.Scheme)
		case geometry && !sp.HasBox:
			return "its bounding box is not in sys.spatial_index_tessellations"
		}
		for _, g := range sp.Grids {
			if grid && g != "LOW" && g != "MEDIUM" && g != "HIGH" {
				return fmt.Sprintf("grid density %q is not known", g)
			}
		}
	}
	return ""
}

// spatialScheme tells a tessellation scheme's type (geometry, else
// geography) and whether it has manual GRIDS (else AUTO_GRID); ok is false
// for a scheme CREATE SPATIAL INDEX (Transact-SQL) does not name.
func spatialScheme(scheme string) (geometry, grid, ok bool) {
	switch scheme {
	case "GEOMETRY_GRID":
		return true, true, true
	case "GEOMETRY_AUTO_GRID":
		return true, false, true
	case "GEOGRAPHY_GRID":
		return false, true, true
	case "GEOGRAPHY_AUTO_GRID":
		return false, false, true
	}
	return false, false, false
}

// xmlSpatialStmt renders CREATE [PRIMARY] XML INDEX or CREATE SPATIAL
// INDEX for an index xmlSpatialReason accepted.
//
// CREATE XML INDEX (Transact-SQL): ON table (xml_column), USING XML INDEX
// primary FOR PATH | VALUE | PROPERTY for a secondary index; its options
// are PAD_INDEX, FILLFACTOR, IGNORE_DUP_KEY = OFF only, ALLOW_ROW_LOCKS
// and ALLOW_PAGE_LOCKS (and SORT_IN_TEMPDB, DROP_EXISTING, ONLINE = OFF,
// MAXDOP, which are not stored); no ON clause, no DATA_COMPRESSION
// (XML_COMPRESSION, SQL Server 2022, is not scripted).
//
// CREATE SPATIAL INDEX (Transact-SQL): USING the scheme WITH (BOUNDING_BOX
// = (xmin, ymin, xmax, ymax) for geometry, GRIDS = (LEVEL_1 = ..., ...) for
// the manual grids, CELLS_PER_OBJECT = n, then the index options:
// PAD_INDEX, FILLFACTOR, STATISTICS_NORECOMPUTE, ALLOW_ROW_LOCKS,
// ALLOW_PAGE_LOCKS, DATA_COMPRESSION = NONE | ROW | PAGE), and ON a
// filegroup (a spatial index of a partitioned table is aligned with it: no
// ON clause then). Every number is written as it was read: the bounding
// box as exact float constants (litAppendFloat).
func xmlSpatialStmt(schema, table string, ix *Index) string {
	on := quoteName(schema, table)
	opts := *ix
	opts.IgnoreDupKey = false // OFF is the only value either statement takes
	if x := ix.XML; x != nil {
		opts.NoRecompute, opts.Compression = false, nil
		s := fmt.Sprintf("CREATE PRIMARY XML INDEX %s ON %s (%s)", quoteIdent(ix.Name), on, quoteIdent(x.Column))
		if x.Kind == 1 {
			s = fmt.Sprintf("CREATE XML INDEX %s ON %s (%s) USING XML INDEX %s FOR %s", quoteIdent(ix.Name), on, quoteIdent(x.Column),
				quoteIdent(x.Using), x.For)
		}
		if list := indexOptionList(&opts); len(list) > 0 {
			s += " WITH (" + strings.Join(list, ", ") + ")"
		}
		return s + ";"
	}
	sp := ix.Spatial
	geometry, grid, _ := spatialScheme(sp.Scheme)
	var with []string
	if geometry {
		var box []byte
		for i, f := range sp.Box {
			if i > 0 {
				box = append(box, ", "...)
			}
			box, _ = litAppendFloat(box, f, false) // finite: read from a float column
		}
		with = append(with, "BOUNDING_BOX = ("+string(box)+")")
	}
	if grid {
		levels := make([]string, len(sp.Grids))
		for i, g := range sp.Grids {
			levels[i] = fmt.Sprintf("LEVEL_%d = %s", i+1, g)
		}
		with = append(with, "GRIDS = ("+strings.Join(levels, ", ")+")")
	}
	with = append(with, fmt.Sprintf("CELLS_PER_OBJECT = %d", sp.CellsPerObject))
	with = append(with, indexOptionList(&opts)...)
	s := fmt.Sprintf("CREATE SPATIAL INDEX %s ON %s (%s) USING %s WITH (%s)", quoteIdent(ix.Name), on, quoteIdent(sp.Column), sp.Scheme,
		strings.Join(with, ", "))
	if !ix.Placement.Scheme {
		s += ix.Placement.onClause()
	}
	return s + ";"
}

// xmlSpatialIndexes returns t's XML and spatial indexes in the order
// post-data.sql creates them: primary XML indexes, secondary ones, then
// spatial indexes (each in index_id order).
func xmlSpatialIndexes(t *Table) []*Index {
	var out []*Index
	for _, pass := range []func(ix *Index) bool{
		func(ix *Index) bool { return ix.Type == 3 && ix.XML != nil && ix.XML.Kind == 0 },
		func(ix *Index) bool { return ix.Type == 3 && ix.XML != nil && ix.XML.Kind == 1 },
		func(ix *Index) bool { return ix.Type == 4 },
	} {
		for _, ix := range t.Indexes {
			if pass(ix) {
				out = append(out, ix)
			}
		}
	}
	return out
}

// checkXMLSpatialIndexes reports the XML and spatial indexes of t that
// cannot be scripted (xmlSpatialReason) and takes them out of t.Indexes,
// so that nothing else (post-data.sql, extended properties of indexes)
// names them.
func (c *Catalog) checkXMLSpatialIndexes(t *Table) {
	reasons := map[*Index]string{}
	for _, ix := range t.Indexes {
		if ix.Type == 3 || ix.Type == 4 {
			if r := xmlSpatialReason(t, ix); r != "" {
				reasons[ix] = r
			}
		}
	}
	if len(reasons) == 0 {
		return
	}
	var kept []*Index
	for _, ix := range t.Indexes {
		if r, bad := reasons[ix]; bad {
			c.unscripted("index", quoteName(t.Schema, t.Name)+"."+quoteIdent(ix.Name), r)
			continue
		}
		kept = append(kept, ix)
	}
	t.Indexes = kept
}

// writeXMLSpatialIndexes writes the XML and spatial indexes of t into
// post-data.sql, after its relational indexes.
func (s *scripter) writeXMLSpatialIndexes(b *strings.Builder, t *Table) {
	for _, ix := range xmlSpatialIndexes(t) {
		kind := "XML index"
		if ix.Type == 4 {
			kind = "Spatial index"
		}
		name := quoteName(t.Schema, t.Name) + "." + quoteIdent(ix.Name)
		b.WriteString("\n" + comment("%s %s on %s", kind, quoteIdent(ix.Name), quoteName(t.Schema, t.Name)))
		b.WriteString(batch(xmlSpatialStmt(t.Schema, t.Name, ix)))
		s.object("index", name)
	}
}
