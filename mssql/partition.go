package mssql

// Partitioning, filegroups and data compression: partition functions and
// schemes, where each heap and index is stored (ON a filegroup or a
// partition scheme with its partitioning column, TEXTIMAGE_ON for LOB
// data), per-partition data compression, and the filegroups and files the
// manifest reports.
//
// The catalog views read here exist in every supported version (sys.
// partitions.data_compression_desc since 2008, the partition views since
// 2005), so no query depends on the version. Partitioning and data
// compression need the Enterprise edition before SQL Server 2016 SP1 and
// are in every edition since ("Editions and supported features of SQL
// Server 2016"); the scripts do not guard them: a restore onto an older
// non-Enterprise server fails at CREATE PARTITION FUNCTION or
// DATA_COMPRESSION, as it would have for compression before.

import (
	"context"
	"fmt"
	"strings"
)

// PartitionFunction is a partition function (sys.partition_functions,
// sys.partition_parameters, sys.partition_range_values).
type PartitionFunction struct {
	ID         int64
	Name       string
	Type       ColumnType // the parameter's system type
	Collation  string     // the parameter's collation (character types)
	RangeRight bool       // RANGE RIGHT (boundary_value_on_right), else LEFT
	// Boundaries are the boundary values in order, each rendered by
	// AppendLiteral for Type.
	Boundaries []string
}

// PartitionScheme is a partition scheme (sys.partition_schemes) and the
// filegroups of its partitions (sys.destination_data_spaces), in
// partition order; one more than the function's partitions is the
// filegroup marked NEXT USED. Script (placeStorage) sets Filegroups to
// nil unless Options.KeepFilegroups: the scheme is then created ALL TO
// ([PRIMARY]).
type PartitionScheme struct {
	ID         int64
	Name       string
	Function   string
	Filegroups []string
}

// Filegroup is a filegroup of the database with its files, as the
// manifest reports them (sys.filegroups, sys.database_files).
type Filegroup struct {
	Name string `json:"name"`
	// Type is sys.filegroups.type: FG (rows), FD (FILESTREAM) or FX
	// (memory-optimized data).
	Type     string         `json:"type"`
	Default  bool           `json:"default"`
	ReadOnly bool           `json:"read_only,omitempty"`
	Files    []DatabaseFile `json:"files"`
}

// DatabaseFile is a file of a filegroup (sys.database_files).
type DatabaseFile struct {
	Name string `json:"name"`
	// Type is sys.database_files.type_desc: ROWS or FILESTREAM.
	Type         string `json:"type"`
	PhysicalName string `json:"physical_name"`
	// SizeKB is the file's current size (sys.database_files.size, in
	// 8-KB pages, times 8).
	SizeKB int64 `json:"size_kb"`
}

// Placement is where a heap or index is stored (sys.indexes.data_space_id):
// a filegroup, or a partition scheme and the partitioning column. As read,
// DataSpace names the source's data space; Script (placeStorage) keeps a
// filegroup only with Options.KeepFilegroups and never PRIMARY (the
// default filegroup of a new database), so that "" means no ON clause.
type Placement struct {
	DataSpace string // a filegroup or partition scheme, "" for the default filegroup
	Scheme    bool   // DataSpace is a partition scheme
	Column    string // the partitioning column (sys.index_columns.partition_ordinal = 1)
}

// onClause renders the ON clause of CREATE TABLE, CREATE INDEX or a
// constraint: " ON [scheme] ([column])", " ON [filegroup]", or "".
func (p Placement) onClause() string {
	switch {
	case p.DataSpace == "":
		return ""
	case p.Scheme:
		return " ON " + quoteIdent(p.DataSpace) + " (" + quoteIdent(p.Column) + ")"
	}
	return " ON " + quoteIdent(p.DataSpace)
}

// dataPlacement is where the rows of t are stored: its clustered index's
// placement (rowstore or columnstore), else its heap's. CREATE TABLE is
// ON it, so that the data is loaded where the clustered index created
// after it keeps it.
func (t *Table) dataPlacement() Placement {
	for _, ix := range t.Indexes {
		if ix.Type == 1 || ix.Type == 5 {
			return ix.Placement
		}
	}
	return t.Placement
}

// tableStorage renders what follows the column list of CREATE TABLE: the
// ON clause (dataPlacement), TEXTIMAGE_ON and the data compression of a
// heap.
func tableStorage(t *Table) string {
	s := t.dataPlacement().onClause()
	if t.TextImageOn != "" {
		s += " TEXTIMAGE_ON " + quoteIdent(t.TextImageOn)
	}
	if opts := compressionOptions(t.Compression); len(opts) > 0 {
		s += " WITH (" + strings.Join(opts, ", ") + ")"
	}
	return s
}

// compressionOptions renders the DATA_COMPRESSION options of a heap or
// index from the compression of each partition (parts[i] is partition
// i+1, as sys.partitions.data_compression_desc names it): none when every
// partition has the default (NONE; COLUMNSTORE for columnstore), one
// "DATA_COMPRESSION = PAGE" when all have the same, else one per
// compression other than the default with its partitions, runs collapsed:
// "DATA_COMPRESSION = PAGE ON PARTITIONS (1 TO 3)", "DATA_COMPRESSION =
// ROW ON PARTITIONS (5)" (CREATE TABLE and CREATE INDEX: <table_option>
// and <index_option> take DATA_COMPRESSION once per partition list).
func compressionOptions(parts []string) []string {
	isDefault := func(c string) bool { return c == "" || c == "NONE" || c == "COLUMNSTORE" }
	same := true
	for _, c := range parts {
		same = same && c == parts[0]
	}
	switch {
	case len(parts) == 0 || same && isDefault(parts[0]):
		return nil
	case same:
		return []string{"DATA_COMPRESSION = " + parts[0]}
	}
	var order []string
	ranges := map[string][]string{}
	for i := 0; i < len(parts); {
		j := i
		for j+1 < len(parts) && parts[j+1] == parts[i] {
			j++
		}
		if c := parts[i]; !isDefault(c) {
			if _, seen := ranges[c]; !seen {
				order = append(order, c)
			}
			r := fmt.Sprint(i + 1)
			if j > i {
				r += fmt.Sprintf(" TO %d", j+1)
			}
			ranges[c] = append(ranges[c], r)
		}
		i = j + 1
	}
	opts := make([]string, len(order))
	for k, c := range order {
		opts[k] = "DATA_COMPRESSION = " + c + " ON PARTITIONS (" + strings.Join(ranges[c], ", ") + ")"
	}
	return opts
}

// valueList joins the values of a FOR VALUES or TO list, ten to a line.
func valueList(vals []string) string {
	var b strings.Builder
	for i, v := range vals {
		switch {
		case i > 0 && i%10 == 0:
			b.WriteString(",\n    ")
		case i > 0:
			b.WriteString(", ")
		}
		b.WriteString(v)
	}
	return b.String()
}

// createPartitionFunction renders CREATE PARTITION FUNCTION. A character
// parameter keeps its collation (sys.partition_parameters.collation_name;
// SMO's PartitionFunctionParameter.Collation), so that the boundaries sort
// as in the source. A boundary "is a constant expression that can
// reference variables" and functions (CREATE PARTITION FUNCTION); a
// string that nlit writes as an expression (N'a' + NCHAR(10)) is put in an
// nvarchar(4000) variable first (DECLARE takes no COLLATE; nvarchar holds
// any character), which the statement may reference and which converts
// to the parameter's type as a literal would.
func createPartitionFunction(f *PartitionFunction) string {
	typ := f.Type.TypeDecl()
	if f.Collation != "" && isCharType(f.Type.Name) {
		typ += " COLLATE " + f.Collation
	}
	side := "LEFT"
	if f.RangeRight {
		side = "RIGHT"
	}
	var decls []string
	vals := make([]string, len(f.Boundaries))
	for i, v := range f.Boundaries {
		vals[i] = v
		if isCharType(f.Type.Name) && !constantLiteral(v) {
			vals[i] = fmt.Sprintf("@b%d", i+1)
			decls = append(decls, fmt.Sprintf("DECLARE %s nvarchar(4000) = %s;\n", vals[i], v))
		}
	}
	return batch(fmt.Sprintf("%sCREATE PARTITION FUNCTION %s (%s) AS RANGE %s FOR VALUES (%s);",
		strings.Join(decls, ""), quoteIdent(f.Name), typ, side, valueList(vals)))
}

// createPartitionScheme renders CREATE PARTITION SCHEME: TO the source's
// filegroups in partition order, or ALL TO ([PRIMARY]) when they are not
// kept (Filegroups nil).
func createPartitionScheme(ps *PartitionScheme) string {
	to := "ALL TO ([PRIMARY])"
	if len(ps.Filegroups) > 0 {
		fgs := make([]string, len(ps.Filegroups))
		for i, fg := range ps.Filegroups {
			fgs[i] = quoteIdent(fg)
		}
		to = "TO (" + valueList(fgs) + ")"
	}
	return batch(fmt.Sprintf("CREATE PARTITION SCHEME %s AS PARTITION %s %s;", quoteIdent(ps.Name), quoteIdent(ps.Function), to))
}

// filegroupCheck renders the batch that stops the restore when the
// database lacks a filegroup the script creates something on (with
// Options.KeepFilegroups), naming every missing one: the encoding check's
// RAISERROR and NOEXEC (the names go in as a %s argument, which RAISERROR
// does not format).
func filegroupCheck(fgs []string) string {
	var b strings.Builder
	b.WriteString("DECLARE @missing nvarchar(max) = N'';\n")
	for _, fg := range fgs {
		fmt.Fprintf(&b, "IF FILEGROUP_ID(%s) IS NULL SET @missing += %s;\n", nlit(fg), nlit(" "+quoteIdent(fg)))
	}
	b.WriteString("IF @missing <> N''\nBEGIN\n" +
		"    RAISERROR (N'sqlvault: this database lacks filegroups that this copy creates tables, indexes or partition schemes on:%s; add them first (manifest.json lists the filegroups and files of the source)', 16, 1, @missing);\n" +
		"    SET NOEXEC ON;\nEND;")
	return batch(b.String())
}

// storageComment says in schema.sql where the copy puts its tables and
// indexes.
func storageComment(keep bool) string {
	if keep {
		return "-- Storage: tables, indexes and partition schemes are created on the filegroups of the source, which\n" +
			"-- this database must have (manifest.json lists them with their files).\n"
	}
	return "-- Storage: tables and indexes are created on the default filegroup and partition schemes map every\n" +
		"-- partition to [PRIMARY] (manifest.json lists the filegroups and files of the source).\n"
}

// addPartitionFunction reads a row of qPartitionFunctions: the function
// (its first row) and a boundary. A boundary that cannot be rendered
// leaves the function out (checkPartitioning reports it).
func (c *Catalog) addPartitionFunction(r *record) error {
	id := r.int("function_id")
	var f *PartitionFunction
	if n := len(c.PartitionFunctions); n > 0 && c.PartitionFunctions[n-1].ID == id {
		f = c.PartitionFunctions[n-1]
	} else {
		f = &PartitionFunction{ID: id, Name: r.str("name"), RangeRight: r.bool("boundary_value_on_right"),
			Type: ColumnType{Name: strings.ToLower(r.str("type_name")), MaxLength: int(r.int("max_length")),
				Precision: uint8(r.int("precision")), Scale: uint8(r.int("scale"))},
			Collation: r.str("collation_name")}
		c.PartitionFunctions = append(c.PartitionFunctions, f)
	}
	if r.null("boundary_id") {
		return nil
	}
	lit, err := AppendLiteral(nil, f.Type, r.get("value"))
	if err != nil {
		c.badFunctions = append(c.badFunctions, Unscripted{Kind: "partition function", Name: quoteIdent(f.Name), Reason: "boundary value: " + err.Error()})
		return nil
	}
	f.Boundaries = append(f.Boundaries, string(lit))
	return nil
}

// addPartitionScheme reads a row of qPartitionSchemes: a scheme (its
// first row) and the filegroup of a partition.
func (c *Catalog) addPartitionScheme(r *record) error {
	id := r.int("data_space_id")
	n := len(c.PartitionSchemes)
	if n == 0 || c.PartitionSchemes[n-1].ID != id {
		c.PartitionSchemes = append(c.PartitionSchemes, &PartitionScheme{ID: id, Name: r.str("scheme_name"), Function: r.str("function_name")})
		n++
	}
	ps := c.PartitionSchemes[n-1]
	ps.Filegroups = append(ps.Filegroups, r.str("filegroup_name"))
	return nil
}

// addCompression reads a row of qPartitions: the compression of one
// partition of a heap or index.
func (c *Catalog) addCompression(r *record) error {
	t := c.tables[r.int("object_id")]
	if t == nil {
		return nil
	}
	parts := &t.Compression
	if id := r.int("index_id"); id != 0 {
		ix := t.index(id)
		if ix == nil {
			return nil
		}
		parts = &ix.Compression
	}
	n := int(r.int("partition_number"))
	for len(*parts) < n {
		*parts = append(*parts, "")
	}
	if n > 0 {
		(*parts)[n-1] = r.str("data_compression_desc")
	}
	return nil
}

// addDataSpace reads a row of qDataSpaces: where a heap or index is
// stored and, for a table's heap or clustered index, its LOB data. Data
// spaces other than filegroups and partition schemes (FILESTREAM,
// memory-optimized) belong to tables that are not scripted.
func (c *Catalog) addDataSpace(r *record) error {
	t := c.tables[r.int("object_id")]
	if t == nil {
		return nil
	}
	var p Placement
	switch strings.TrimSpace(r.str("data_space_type")) {
	case "FG":
		p = Placement{DataSpace: r.str("data_space_name")}
	case "PS":
		p = Placement{DataSpace: r.str("data_space_name"), Scheme: true, Column: r.str("partition_column")}
	}
	if strings.TrimSpace(r.str("lob_data_space_type")) == "FG" {
		t.lobFilegroup = r.str("lob_data_space_name")
	}
	if id := r.int("index_id"); id == 0 {
		t.Placement = p
	} else if ix := t.index(id); ix != nil {
		ix.Placement = p
	}
	return nil
}

// checkPartitioning reports the partition functions whose boundaries
// cannot be rendered, leaves them out with their schemes, and creates
// what was on such a scheme (or on a scheme without a known partitioning
// column) unpartitioned on the default filegroup, noted on its table.
func (c *Catalog) checkPartitioning() {
	badFn := map[string]bool{}
	for _, u := range c.badFunctions {
		c.Unscripted = append(c.Unscripted, u)
		badFn[u.Name] = true
	}
	var fns []*PartitionFunction
	for _, f := range c.PartitionFunctions {
		if !badFn[quoteIdent(f.Name)] {
			fns = append(fns, f)
		}
	}
	c.PartitionFunctions = fns
	schemes := map[string]bool{}
	var kept []*PartitionScheme
	for _, ps := range c.PartitionSchemes {
		if badFn[quoteIdent(ps.Function)] {
			c.unscripted("partition scheme", quoteIdent(ps.Name), "its partition function "+quoteIdent(ps.Function)+" is not scripted")
			continue
		}
		schemes[ps.Name] = true
		kept = append(kept, ps)
	}
	c.PartitionSchemes = kept
	check := func(t *Table, id int64, p *Placement) {
		if p.Scheme && (!schemes[p.DataSpace] || p.Column == "") {
			kind, name := c.storageName(t, id)
			t.notes = append(t.notes, Unscripted{Kind: "partitioned " + kind, Name: name,
				Reason: "on partition scheme " + quoteIdent(p.DataSpace) + ", which is not scripted; created unpartitioned on the default filegroup"})
			*p = Placement{}
		}
	}
	for _, t := range c.tables {
		check(t, 0, &t.Placement)
		for _, ix := range t.Indexes {
			check(t, ix.ID, &ix.Placement)
		}
	}
}

// placeStorage decides where the script creates each heap and index (see
// Placement): on its partition scheme always; on its filegroup only with
// keep, and then ON [PRIMARY] only where it must be said: on a
// partitioned table, an index without ON would be created on the table's
// scheme ("If ON is not specified ... the index is created on the same
// partition scheme as the table": CREATE TABLE, CREATE INDEX), which a
// unique index without the partitioning column cannot be; so there a
// filegroup not kept is ON [PRIMARY]. TEXTIMAGE_ON the LOB data's
// filegroup with keep where it differs from the data's (not allowed with
// a partition scheme: CREATE TABLE). Without keep the partition schemes
// map every partition to [PRIMARY].
func (c *Catalog) placeStorage(keep bool) {
	for _, t := range c.tables {
		data := t.dataPlacement()
		place := func(p Placement) Placement {
			switch {
			case p.Scheme || keep && p.DataSpace != "PRIMARY" && p.DataSpace != "":
				return p
			case data.Scheme && p.DataSpace != "":
				return Placement{DataSpace: "PRIMARY"}
			}
			return Placement{}
		}
		if keep && !data.Scheme && t.lobFilegroup != "" && t.lobFilegroup != data.DataSpace {
			t.TextImageOn = t.lobFilegroup
		}
		t.Placement = place(t.Placement)
		for _, ix := range t.Indexes {
			ix.Placement = place(ix.Placement)
		}
	}
	if !keep {
		for _, ps := range c.PartitionSchemes {
			ps.Filegroups = nil
		}
	}
}

// readFilegroups reads the filegroups and their files for the manifest.
// It is run on the source database itself, not on a database snapshot
// of it, whose files are the snapshot's sparse files.
func readFilegroups(ctx context.Context, q querier) ([]Filegroup, error) {
	var fgs []Filegroup
	last := int64(-1)
	err := queryEach(ctx, q, qFilegroups, func(r *record) error {
		if id := r.int("data_space_id"); id != last {
			fgs = append(fgs, Filegroup{Name: r.str("filegroup_name"), Type: strings.TrimSpace(r.str("filegroup_type")),
				Default: r.bool("is_default"), ReadOnly: r.bool("is_read_only"), Files: []DatabaseFile{}})
			last = id
		}
		if !r.null("file_id") {
			fg := &fgs[len(fgs)-1]
			fg.Files = append(fg.Files, DatabaseFile{Name: r.str("file_name"), Type: r.str("file_type"),
				PhysicalName: r.str("physical_name"), SizeKB: 8 * r.int("size")})
		}
		return nil
	})
	return fgs, err
}

// storageUsed returns the partition schemes and functions the tables
// (and the indexed views among them) are placed on, and the filegroups,
// other than PRIMARY, that those, the schemes and TEXTIMAGE_ON name, each
// once in catalog order (schemes and functions) or first use
// (filegroups). With all, every scheme and function is used.
func (c *Catalog) storageUsed(tables []*Table, all bool) (fns []*PartitionFunction, schemes []*PartitionScheme, fgs []string) {
	onScheme := map[string]bool{}
	seenFG := map[string]bool{}
	addFG := func(fg string) {
		if fg != "" && fg != "PRIMARY" && !seenFG[fg] {
			seenFG[fg] = true
			fgs = append(fgs, fg)
		}
	}
	use := func(p Placement) {
		if p.Scheme {
			onScheme[p.DataSpace] = true
		} else {
			addFG(p.DataSpace)
		}
	}
	for _, t := range tables {
		use(t.Placement)
		addFG(t.TextImageOn)
		for _, ix := range t.Indexes {
			use(ix.Placement)
		}
	}
	usedFn := map[string]bool{}
	for _, ps := range c.PartitionSchemes {
		if all || onScheme[ps.Name] {
			schemes = append(schemes, ps)
			usedFn[ps.Function] = true
			for _, fg := range ps.Filegroups {
				addFG(fg)
			}
		}
	}
	for _, f := range c.PartitionFunctions {
		if all || usedFn[f.Name] {
			fns = append(fns, f)
		}
	}
	return fns, schemes, fgs
}
