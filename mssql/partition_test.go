package mssql

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// TestCompressionOptions checks the DATA_COMPRESSION options rendered
// from the compression of each partition: none for the default, one for
// the same everywhere, else one per compression with its partitions, runs
// collapsed to "1 TO 3".
func TestCompressionOptions(t *testing.T) {
	for _, c := range []struct {
		parts []string
		want  string
	}{
		{nil, ""},
		{[]string{"NONE", "NONE"}, ""},
		{[]string{"COLUMNSTORE"}, ""},
		{[]string{"PAGE"}, "DATA_COMPRESSION = PAGE"},
		{[]string{"ROW", "ROW", "ROW"}, "DATA_COMPRESSION = ROW"},
		{[]string{"PAGE", "PAGE", "PAGE", "NONE", "ROW"}, "DATA_COMPRESSION = PAGE ON PARTITIONS (1 TO 3)|DATA_COMPRESSION = ROW ON PARTITIONS (5)"},
		{[]string{"NONE", "ROW", "PAGE", "ROW", "ROW", "NONE", "PAGE"}, "DATA_COMPRESSION = ROW ON PARTITIONS (2, 4 TO 5)|DATA_COMPRESSION = PAGE ON PARTITIONS (3, 7)"},
		{[]string{"COLUMNSTORE_ARCHIVE", "COLUMNSTORE"}, "DATA_COMPRESSION = COLUMNSTORE_ARCHIVE ON PARTITIONS (1)"},
		{[]string{"COLUMNSTORE", "COLUMNSTORE_ARCHIVE", "COLUMNSTORE_ARCHIVE"}, "DATA_COMPRESSION = COLUMNSTORE_ARCHIVE ON PARTITIONS (2 TO 3)"},
	} {
		if got := strings.Join(compressionOptions(c.parts), "|"); got != c.want {
			t.Errorf("%q: %q, want %q", c.parts, got, c.want)
		}
	}
}

// partitionedDB is a database with filegroups FG1 and FG2, partition
// functions on int (RANGE LEFT), datetime2(3) and a collated nvarchar
// (RANGE RIGHT, a boundary with a quote and one with a line break), a
// scheme over several filegroups (and a NEXT USED one), and tables on
// schemes and filegroups: a partitioned heap, a table whose clustered
// primary key is partitioned with compression that differs by partition
// and whose other indexes are on filegroups, and a table on FG1 whose LOB
// data is on FG2.
func partitionedDB() *sample.DB {
	db := sample.NewDB("parts",
		&sample.Table{Schema: "dbo", Name: "Heap", Scheme: "ps_Int", PartitionColumn: "id", Compression: "PAGE",
			Columns: []*sample.Column{{Name: "id", Type: "int"}, {Name: "v", Type: "varchar(10)", Nullable: true}}},
		&sample.Table{Schema: "dbo", Name: "Keyed",
			Columns: []*sample.Column{{Name: "at", Type: "datetime2(3)"}, {Name: "k", Type: "int"}, {Name: "u", Type: "int"}},
			Indexes: []*sample.Index{
				{Name: "PK_Keyed", Type: 1, PrimaryKey: true, Keys: []string{"at", "k"}, Scheme: "ps_Time", PartitionColumn: "at",
					Compression: []string{"PAGE", "PAGE", "ROW"}},
				{Name: "UQ_Keyed", Type: 2, Unique: true, UniqueConstraint: true, Keys: []string{"u"}, Filegroup: "FG1"},
				{Name: "IX_Keyed", Type: 2, Keys: []string{"k"}, Filegroup: "FG2", Compression: []string{"ROW"}},
			}},
		&sample.Table{Schema: "dbo", Name: "Docs", LobFilegroup: "FG2",
			Columns: []*sample.Column{{Name: "id", Type: "int"}, {Name: "body", Type: "nvarchar(max)", Nullable: true}},
			Indexes: []*sample.Index{{Name: "PK_Docs", Type: 1, PrimaryKey: true, Keys: []string{"id"}, Filegroup: "FG1"}}},
		&sample.Table{Schema: "dbo", Name: "Names", Scheme: "ps_Name", PartitionColumn: "name",
			Columns: []*sample.Column{{Name: "name", Type: "nvarchar(20)", Collation: "Latin1_General_CS_AS"}}},
	)
	db.Filegroups = []*sample.Filegroup{
		{Name: "FG1", Files: []sample.File{{Name: "parts_fg1", PhysicalName: `D:\data\parts_fg1.ndf`, Pages: 128}}},
		{Name: "FG2", Default: true, Files: []sample.File{
			{Name: "parts_fg2a", PhysicalName: "/var/opt/mssql/data/parts_fg2a.ndf", Pages: 256},
			{Name: "parts_fg2b", PhysicalName: "/var/opt/mssql/data/parts_fg2b.ndf", Pages: 512}}},
	}
	db.PartitionFunctions = []*sample.PartitionFunction{
		{Name: "pf_Int", Type: "int", Boundaries: []any{int64(-5), int64(100), int64(1000)}},
		{Name: "pf_Time", Type: "datetime2(3)", RangeRight: true, Boundaries: []any{
			time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 7, 1, 12, 30, 0, 125000000, time.UTC)}},
		{Name: "pf_Name", Type: "nvarchar(20)", Collation: "Latin1_General_CS_AS", RangeRight: true, Boundaries: []any{"it's", "line\nbreak"}},
	}
	db.PartitionSchemes = []*sample.PartitionScheme{
		{Name: "ps_Int", Function: "pf_Int", Filegroups: []string{"FG1", "FG2", "FG1", "PRIMARY", "FG2"}},
		{Name: "ps_Time", Function: "pf_Time"},
		{Name: "ps_Name", Function: "pf_Name", Filegroups: []string{"FG2", "FG2", "FG2"}},
	}
	db.Build()
	return db
}

// storageStatements returns the statements of a script about storage:
// partition functions and schemes, the filegroup check, tables and
// indexes.
func storageStatements(t *testing.T, script string) []string {
	t.Helper()
	var out []string
	for _, st := range statements(t, script) {
		for _, p := range []string{"CREATE PARTITION", "DECLARE @b", "DECLARE @missing", "CREATE TABLE", "CREATE UNIQUE", "CREATE NONCLUSTERED", "CREATE CLUSTERED"} {
			if strings.HasPrefix(st, p) {
				out = append(out, st)
				break
			}
		}
	}
	return out
}

// TestPartitionsAndFilegroups scripts partitionedDB without and with
// KeepFilegroups and checks every statement about storage, the comment
// that says which mode was used, and the manifest's filegroups. The
// boundary values go through the driver as sql_variant values of the
// parameter's type and are rendered by AppendLiteral.
func TestPartitionsAndFilegroups(t *testing.T) {
	s := newTestServer(t, []*sample.DB{partitionedDB()})
	functions := []string{
		"CREATE PARTITION FUNCTION [pf_Int] (int) AS RANGE LEFT FOR VALUES (-5, 100, 1000);",
		"DECLARE @b2 nvarchar(4000) = N'line' + NCHAR(10) + N'break';\n" +
			"CREATE PARTITION FUNCTION [pf_Name] (nvarchar(20) COLLATE Latin1_General_CS_AS) AS RANGE RIGHT FOR VALUES (N'it''s', @b2);",
		"CREATE PARTITION FUNCTION [pf_Time] (datetime2(3)) AS RANGE RIGHT FOR VALUES (CAST(N'2024-01-01T00:00:00.000' AS datetime2(3)), CAST(N'2024-07-01T12:30:00.125' AS datetime2(3)));",
	}
	keyed := "CREATE TABLE [dbo].[Keyed] (\n    [at] datetime2(3) NOT NULL,\n    [k] int NOT NULL,\n    [u] int NOT NULL,\n" +
		"    CONSTRAINT [PK_Keyed] PRIMARY KEY CLUSTERED ([at] ASC, [k] ASC) WITH (DATA_COMPRESSION = PAGE ON PARTITIONS (1 TO 2), DATA_COMPRESSION = ROW ON PARTITIONS (3)) ON [ps_Time] ([at]),\n"
	heap := "CREATE TABLE [dbo].[Heap] (\n    [id] int NOT NULL,\n    [v] varchar(10) COLLATE SQL_Latin1_General_CP1_CI_AS NULL\n) ON [ps_Int] ([id]) WITH (DATA_COMPRESSION = PAGE);"
	names := "CREATE TABLE [dbo].[Names] (\n    [name] nvarchar(20) COLLATE Latin1_General_CS_AS NOT NULL\n) ON [ps_Name] ([name]);"
	docs := "CREATE TABLE [dbo].[Docs] (\n    [id] int NOT NULL,\n    [body] nvarchar(max) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,\n    CONSTRAINT [PK_Docs] PRIMARY KEY CLUSTERED ([id] ASC)"

	// Default: everything on the default filegroup, the schemes ALL TO
	// ([PRIMARY]), partitioning and compression kept; the indexes of a
	// partitioned table that are not on its scheme ON [PRIMARY] (without
	// ON they would be created on the table's scheme).
	sink, m := s.scriptMem("parts", s.options("parts"))
	schema := string(sink.files[SchemaFile])
	mustContain(t, "schema.sql", schema, "-- Schema of database [parts]\n"+targetComment(Target{MinVersion: "SQL Server 2012"})+storageComment(false)+"\n")
	sameLines(t, "schema.sql", storageStatements(t, schema), append(append([]string(nil), functions...),
		"CREATE PARTITION SCHEME [ps_Int] AS PARTITION [pf_Int] ALL TO ([PRIMARY]);",
		"CREATE PARTITION SCHEME [ps_Name] AS PARTITION [pf_Name] ALL TO ([PRIMARY]);",
		"CREATE PARTITION SCHEME [ps_Time] AS PARTITION [pf_Time] ALL TO ([PRIMARY]);",
		docs+"\n);",
		heap,
		keyed+"    CONSTRAINT [UQ_Keyed] UNIQUE NONCLUSTERED ([u] ASC) ON [PRIMARY]\n) ON [ps_Time] ([at]);",
		names,
	))
	sameLines(t, "post-data.sql", storageStatements(t, string(sink.files[PostDataFile])), []string{
		"CREATE NONCLUSTERED INDEX [IX_Keyed] ON [dbo].[Keyed] ([k] ASC) WITH (DATA_COMPRESSION = ROW) ON [PRIMARY];",
	})
	if len(m.Unscripted) != 0 || m.Options.KeepFilegroups {
		t.Errorf("unscripted %+v, options %+v", m.Unscripted, m.Options)
	}
	wantFG := `[{"name":"PRIMARY","type":"FG","default":false,"files":[{"name":"parts","type":"ROWS","physical_name":"/var/opt/mssql/data/parts.mdf","size_kb":8192}]},` +
		`{"name":"FG1","type":"FG","default":false,"files":[{"name":"parts_fg1","type":"ROWS","physical_name":"D:\\data\\parts_fg1.ndf","size_kb":1024}]},` +
		`{"name":"FG2","type":"FG","default":true,"files":[{"name":"parts_fg2a","type":"ROWS","physical_name":"/var/opt/mssql/data/parts_fg2a.ndf","size_kb":2048},` +
		`{"name":"parts_fg2b","type":"ROWS","physical_name":"/var/opt/mssql/data/parts_fg2b.ndf","size_kb":4096}]}]`
	if got, _ := json.Marshal(m.Filegroups); string(got) != wantFG {
		t.Errorf("manifest filegroups\n%s\nwant\n%s", got, wantFG)
	}
	mustContain(t, "manifest.json", string(sink.files[ManifestFile]), "\n  \"filegroups\": [\n    {\n      \"name\": \"PRIMARY\",\n")

	// KeepFilegroups: a check that the filegroups exist, the schemes TO
	// their filegroups, ON [fg] and TEXTIMAGE_ON, never ON [PRIMARY].
	opts := s.options("parts")
	opts.KeepFilegroups = true
	sink, m = s.scriptMem("parts", opts)
	schema = string(sink.files[SchemaFile])
	mustContain(t, "schema.sql", schema, "-- Schema of database [parts]\n"+targetComment(Target{MinVersion: "SQL Server 2012"})+storageComment(true)+"DECLARE @missing")
	sameLines(t, "schema.sql with KeepFilegroups", storageStatements(t, schema), append(append([]string{
		"DECLARE @missing nvarchar(max) = N'';\n" +
			"IF FILEGROUP_ID(N'FG1') IS NULL SET @missing += N' [FG1]';\n" +
			"IF FILEGROUP_ID(N'FG2') IS NULL SET @missing += N' [FG2]';\n" +
			"IF @missing <> N''\nBEGIN\n" +
			"    RAISERROR (N'sqlvault: this database lacks filegroups that this copy creates tables, indexes or partition schemes on:%s; add them first (manifest.json lists the filegroups and files of the source)', 16, 1, @missing);\n" +
			"    SET NOEXEC ON;\nEND;",
	}, functions...),
		"CREATE PARTITION SCHEME [ps_Int] AS PARTITION [pf_Int] TO ([FG1], [FG2], [FG1], [PRIMARY], [FG2]);",
		"CREATE PARTITION SCHEME [ps_Name] AS PARTITION [pf_Name] TO ([FG2], [FG2], [FG2]);",
		"CREATE PARTITION SCHEME [ps_Time] AS PARTITION [pf_Time] TO ([PRIMARY], [PRIMARY], [PRIMARY]);",
		docs+" ON [FG1]\n) ON [FG1] TEXTIMAGE_ON [FG2];",
		heap,
		keyed+"    CONSTRAINT [UQ_Keyed] UNIQUE NONCLUSTERED ([u] ASC) ON [FG1]\n) ON [ps_Time] ([at]);",
		names,
	))
	sameLines(t, "post-data.sql with KeepFilegroups", storageStatements(t, string(sink.files[PostDataFile])), []string{
		"CREATE NONCLUSTERED INDEX [IX_Keyed] ON [dbo].[Keyed] ([k] ASC) WITH (DATA_COMPRESSION = ROW) ON [FG2];",
	})
	if !m.Options.KeepFilegroups || !strings.Contains(string(sink.files[ManifestFile]), `"keep_filegroups": true`) {
		t.Errorf("options %+v", m.Options)
	}

	// --tables: only the scheme and function of the tables chosen, and
	// only their filegroups checked.
	opts.Tables = []string{"dbo.Names"}
	sink, _ = s.scriptMem("parts", opts)
	got := storageStatements(t, string(sink.files[SchemaFile]))
	sameLines(t, "schema.sql of dbo.Names", got, []string{
		"DECLARE @missing nvarchar(max) = N'';\n" +
			"IF FILEGROUP_ID(N'FG2') IS NULL SET @missing += N' [FG2]';\n" +
			"IF @missing <> N''\nBEGIN\n" +
			"    RAISERROR (N'sqlvault: this database lacks filegroups that this copy creates tables, indexes or partition schemes on:%s; add them first (manifest.json lists the filegroups and files of the source)', 16, 1, @missing);\n" +
			"    SET NOEXEC ON;\nEND;",
		functions[1],
		"CREATE PARTITION SCHEME [ps_Name] AS PARTITION [pf_Name] TO ([FG2], [FG2], [FG2]);",
		names,
	})
}

// TestPartitionFunctionDDL checks CREATE PARTITION FUNCTION and SCHEME
// for what the sample server does not serve: no boundaries, a name that
// sqlcmd could misread (run with sp_executesql), a long list of values
// and filegroups (ten to a line).
func TestPartitionFunctionDDL(t *testing.T) {
	f := &PartitionFunction{Name: "pf $(x)", Type: ColumnType{Name: "bigint"}}
	if got, want := createPartitionFunction(f), "DECLARE @sql nvarchar(max) = N'CREATE PARTITION FUNCTION [pf $' + N'(x)] (bigint) AS RANGE LEFT FOR VALUES ();';\nEXEC sys.sp_executesql @sql;\nGO\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	f = &PartitionFunction{Name: "pf", Type: ColumnType{Name: "smallint"}, RangeRight: true}
	ps := &PartitionScheme{Name: "ps", Function: "pf"}
	for i := range 12 {
		f.Boundaries = append(f.Boundaries, string(rune('0'+i%10)))
		ps.Filegroups = append(ps.Filegroups, "fg]"+string(rune('a'+i)))
	}
	if got, want := createPartitionFunction(f), "CREATE PARTITION FUNCTION [pf] (smallint) AS RANGE RIGHT FOR VALUES (0, 1, 2, 3, 4, 5, 6, 7, 8, 9,\n    0, 1);\nGO\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := createPartitionScheme(ps), "CREATE PARTITION SCHEME [ps] AS PARTITION [pf] TO ([fg]]a], [fg]]b], [fg]]c], [fg]]d], [fg]]e], [fg]]f], [fg]]g], [fg]]h], [fg]]i], [fg]]j],\n    [fg]]k], [fg]]l]);\nGO\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestPartitionFunctionNotRendered checks a partition function whose
// boundaries cannot be rendered (a sql_variant parameter, whose values
// the scripter cannot type): it is reported with its scheme, and the
// table on the scheme is created unpartitioned, reported.
func TestPartitionFunctionNotRendered(t *testing.T) {
	db := sample.NewDB("variant", &sample.Table{Schema: "dbo", Name: "V", Scheme: "ps_V", PartitionColumn: "v",
		Columns: []*sample.Column{{Name: "v", Type: "sql_variant"}}})
	db.PartitionFunctions = []*sample.PartitionFunction{{Name: "pf_V", Type: "sql_variant", Boundaries: []any{int64(1)}}}
	db.PartitionSchemes = []*sample.PartitionScheme{{Name: "ps_V", Function: "pf_V"}}
	db.Build()
	s := newTestServer(t, []*sample.DB{db})
	sink, m := s.scriptMem("variant", s.options("variant"))
	sameLines(t, "unscripted", unscriptedLines(m.Unscripted), []string{
		"partition function [pf_V]: boundary value: mssql: rendering sql_variant literal: got int64, want a Variant naming the base type",
		"partition scheme [ps_V]: its partition function [pf_V] is not scripted",
		"partitioned table [dbo].[V]: on partition scheme [ps_V], which is not scripted; created unpartitioned on the default filegroup",
	})
	sameLines(t, "schema.sql", storageStatements(t, string(sink.files[SchemaFile])), []string{
		"CREATE TABLE [dbo].[V] (\n    [v] sql_variant NOT NULL\n);",
	})
}
