package sample

import (
	"github.com/sqlvault/sqlvault/mssql/mssqltest"
)

// Data space ids as SQL Server numbers them: PRIMARY is 1, other
// filegroups follow, partition schemes from 65601.
const (
	primaryID      = 1
	firstSchemeID  = 65601
	primaryName    = "PRIMARY"
	filegroupType  = "FG"
	partitionsType = "PS"
)

// filegroups returns PRIMARY, with the database's data file, and the
// other filegroups.
func (db *DB) filegroups() []*Filegroup {
	primary := &Filegroup{Name: primaryName, Default: true,
		Files: []File{{Name: db.Name, PhysicalName: "/var/opt/mssql/data/" + db.Name + ".mdf", Pages: 1024}}}
	for _, fg := range db.Filegroups {
		if fg.Default {
			primary.Default = false
		}
	}
	return append([]*Filegroup{primary}, db.Filegroups...)
}

// partitionFunction returns the function of a scheme, or nil.
func (db *DB) partitionFunction(scheme string) *PartitionFunction {
	for _, ps := range db.PartitionSchemes {
		if ps.Name == scheme {
			for _, f := range db.PartitionFunctions {
				if f.Name == ps.Function {
					return f
				}
			}
		}
	}
	return nil
}

// partitionCount is the number of partitions of an object on scheme
// ("" for none).
func (db *DB) partitionCount(scheme string) int {
	if f := db.partitionFunction(scheme); f != nil {
		return len(f.Boundaries) + 1
	}
	return 1
}

// partitionsResult answers qPartitions: the compression of every
// partition of the heaps and indexes of which one is compressed other
// than by default.
func (db *DB) partitionsResult() *result {
	r := newResult("object_id:i", "index_id:i", "partition_number:i", "data_compression_desc:s")
	db.storage(func(oid int64, t *Table, id int64, ix *Index) {
		deflt, scheme := "NONE", ""
		var comps []string
		switch {
		case ix == nil:
			scheme = t.Scheme
			for range db.partitionCount(scheme) {
				comps = append(comps, t.Compression)
			}
		default:
			scheme, comps = ix.Scheme, ix.Compression
			if ix.Type == 5 || ix.Type == 6 {
				deflt = "COLUMNSTORE"
			}
		}
		compressed := false
		for i := range comps {
			if comps[i] == "" {
				comps[i] = deflt
			}
			compressed = compressed || comps[i] != deflt
		}
		if !compressed {
			return
		}
		for len(comps) < db.partitionCount(scheme) {
			comps = append(comps, deflt)
		}
		for i, c := range comps {
			r.add(oid, id, int64(i+1), c)
		}
	})
	return r
}

// dataSpacesResult answers qDataSpaces: where every heap and index is,
// and the LOB data of tables with LOB columns.
func (db *DB) dataSpacesResult() *result {
	r := newResult("object_id:i", "index_id:i", "data_space_name:s", "data_space_type:s", "partition_column:s",
		"lob_data_space_name:s", "lob_data_space_type:s")
	place := func(scheme, column, fg string) (name, typ string, col any) {
		switch {
		case scheme != "":
			return scheme, partitionsType, column
		case fg != "":
			return fg, filegroupType, nil
		}
		return primaryName, filegroupType, nil
	}
	db.storage(func(oid int64, t *Table, id int64, ix *Index) {
		var name, typ string
		var col any
		if ix == nil {
			name, typ, col = place(t.Scheme, t.PartitionColumn, t.Filegroup)
		} else {
			name, typ, col = place(ix.Scheme, ix.PartitionColumn, ix.Filegroup)
		}
		var lobName, lobType any
		if t != nil && id <= 1 && hasLOB(t) {
			lobName, lobType = name, typ
			if t.LobFilegroup != "" {
				lobName, lobType = t.LobFilegroup, filegroupType
			}
		}
		r.add(oid, id, name, typ, col, lobName, lobType)
	})
	return r
}

// hasLOB tells tables with a column of a LOB type.
func hasLOB(t *Table) bool {
	for _, c := range t.Columns {
		switch {
		case c.typ.maxLength == -1, c.typ.name == "text", c.typ.name == "ntext", c.typ.name == "image":
			return true
		}
	}
	return false
}

// partitionFunctionsResult answers qPartitionFunctions: one row per
// boundary, one with NULL boundary columns for a function without any.
func (db *DB) partitionFunctionsResult() *result {
	r := newResult("function_id:i", "name:s", "boundary_value_on_right:f", "type_name:s", "max_length:h",
		"precision:t", "scale:t", "collation_name:s", "boundary_id:i", "value:v")
	for i, f := range sortedBy(db.PartitionFunctions, func(f *PartitionFunction) string { return f.Name }) {
		t := parseType(f.Type)
		var coll any
		if isChar(t.name) {
			coll = f.Collation
			if f.Collation == "" {
				coll = db.Collation
			}
		}
		id := int64(65536 + i)
		if len(f.Boundaries) == 0 {
			r.add(id, f.Name, f.RangeRight, t.name, int64(t.maxLength), int64(t.precision), int64(t.scale), coll, nil, nil)
		}
		base := t.wireColumn("")
		base.Nullable = false
		for j, v := range f.Boundaries {
			if t.wire != mssqltest.TypeVariant { // a sql_variant parameter's values keep their own base types
				v = mssqltest.Variant{Base: base, Value: v}
			}
			r.add(id, f.Name, f.RangeRight, t.name, int64(t.maxLength), int64(t.precision), int64(t.scale), coll, int64(j+1), v)
		}
	}
	return r
}

// partitionSchemesResult answers qPartitionSchemes: one row per
// destination.
func (db *DB) partitionSchemesResult() *result {
	r := newResult("data_space_id:i", "scheme_name:s", "function_name:s", "destination_id:i", "filegroup_name:s")
	for i, ps := range sortedBy(db.PartitionSchemes, func(ps *PartitionScheme) string { return ps.Name }) {
		fgs := ps.Filegroups
		if fgs == nil {
			for range db.partitionCount(ps.Name) {
				fgs = append(fgs, primaryName)
			}
		}
		for j, fg := range fgs {
			r.add(int64(firstSchemeID+i), ps.Name, ps.Function, int64(j+1), fg)
		}
	}
	return r
}

// filegroupsResult answers qFilegroups: one row per file.
func (db *DB) filegroupsResult() *result {
	r := newResult("data_space_id:i", "filegroup_name:s", "filegroup_type:s", "is_default:f", "is_read_only:f",
		"file_id:i", "file_name:s", "file_type:s", "physical_name:S", "size:i")
	fileID := int64(3) // 1 is the primary data file, 2 the log
	for i, fg := range db.filegroups() {
		id := int64(primaryID + i)
		if len(fg.Files) == 0 {
			r.add(id, fg.Name, filegroupType, fg.Default, false, nil, nil, nil, nil, nil)
		}
		for j, f := range fg.Files {
			fid := fileID
			if i == 0 && j == 0 {
				fid = 1
			} else {
				fileID++
			}
			r.add(id, fg.Name, filegroupType, fg.Default, false, fid, f.Name, "ROWS", f.PhysicalName, f.Pages)
		}
	}
	return r
}

// sortedBy returns a copy of list sorted by key.
func sortedBy[T any](list []T, key func(T) string) []T {
	out := append([]T(nil), list...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if key(out[j]) < key(out[i]) {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
