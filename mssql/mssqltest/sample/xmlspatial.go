package sample

// xmlIndexesResult answers qXMLIndexes: the XML indexes of tables
// (sys.xml_indexes) with their xml column. A secondary index names its
// primary by index id; xml_index_type is 0 primary, 1 secondary, 2
// selective (a secondary selective index, 3, is not modelled).
func (db *DB) xmlIndexesResult() *result {
	r := newResult("object_id:i", "index_id:i", "using_xml_index_id:i", "secondary_type_desc:s", "xml_index_type:t", "column_name:s")
	for _, t := range db.Tables {
		for _, ix := range t.Indexes {
			if ix.Type != 3 {
				continue
			}
			var using, secondary any
			kind := int64(0)
			switch {
			case ix.Selective:
				kind = 2
			case ix.XMLPrimary != "":
				kind, secondary = 1, ix.XMLFor
				for _, p := range t.Indexes {
					if p.Name == ix.XMLPrimary {
						using = p.id
					}
				}
			}
			r.add(t.ID, ix.id, using, secondary, kind, ix.Column)
		}
	}
	return r
}

// spatialIndexesResult answers qSpatialIndexes: the spatial indexes of
// tables with their column and tessellation
// (sys.spatial_index_tessellations): no bounding box for geography, no
// grid densities for the AUTO_GRID schemes.
func (db *DB) spatialIndexesResult() *result {
	r := newResult("object_id:i", "index_id:i", "tessellation_scheme:s",
		"bounding_box_xmin:F", "bounding_box_ymin:F", "bounding_box_xmax:F", "bounding_box_ymax:F",
		"level_1_grid_desc:s", "level_2_grid_desc:s", "level_3_grid_desc:s", "level_4_grid_desc:s",
		"cells_per_object:i", "column_name:s")
	for _, t := range db.Tables {
		for _, ix := range t.Indexes {
			if ix.Type != 4 || ix.Spatial == nil {
				continue
			}
			sp := ix.Spatial
			box := []any{nil, nil, nil, nil}
			for i, f := range sp.Box {
				box[i] = f
			}
			row := []any{t.ID, ix.id, sp.Scheme}
			row = append(row, box...)
			for _, g := range sp.Grids {
				row = append(row, nullStr(g))
			}
			r.add(append(row, int64(sp.CellsPerObject), ix.Column)...)
		}
	}
	return r
}
