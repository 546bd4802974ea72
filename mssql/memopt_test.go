package mssql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// memoryFallbackBatch matches the batch of memoryFallback: the literal of
// the memory-optimized statement, the PRINT, the disk-based statement's.
var memoryFallbackBatch = regexp.MustCompile(`^DECLARE @sql nvarchar\(max\);\nIF ` + regexp.QuoteMeta(memoryOptimizedTarget) +
	`\n    SET @sql = (N'.*');\nELSE\nBEGIN\n    PRINT N'sqlvault: [^\n]*';\n    SET @sql = (N'.*');\nEND\n` + regexp.QuoteMeta(execSQLVar) + `\n?$`)

// unwrapMemoryFallback returns the two statements of a memoryFallback
// batch, decoded.
func unwrapMemoryFallback(stmt string) (mem, disk string, ok bool, err error) {
	m := memoryFallbackBatch.FindStringSubmatch(stmt)
	if m == nil {
		return "", "", false, nil
	}
	var texts [2]string
	for i, lit := range m[1:] {
		v, err := ParseLiteral(ColumnType{Name: "nvarchar", MaxLength: -1}, lit)
		if err != nil {
			return "", "", false, err
		}
		texts[i] = v.(string)
	}
	return texts[0], texts[1], true, nil
}

// encryptColumn makes a column of a sample table Always Encrypted, which
// makes the table one that cannot be scripted (its data missing).
func encryptColumn(t *testing.T, db *sample.DB, table, column string) {
	t.Helper()
	for _, tb := range db.Tables {
		for _, c := range tb.Columns {
			if tb.Name == table && c.Name == column {
				c.Encrypted = &sample.Encryption{Type: "DETERMINISTIC", Key: "CEK_1"}
				return
			}
		}
	}
	t.Fatalf("no column %s.%s", table, column)
}

// TestMemoryOptimizedDDL checks the batches that create memory-optimized
// tables and table types exactly: indexes inline (hash with its bucket
// count and unordered keys, range with ordered keys, a clustered
// columnstore index), DURABILITY, a name sqlcmd could misread, and the
// disk-based form with a PRINT where the target has no
// MEMORY_OPTIMIZED_DATA filegroup: keys nonclustered, the other indexes
// CREATE INDEX after CREATE TABLE, the columnstore index left out.
func TestMemoryOptimizedDDL(t *testing.T) {
	cond := "IF CONVERT(int, SERVERPROPERTY('IsXTPSupported')) = 1 AND (CONVERT(int, SERVERPROPERTY('EngineEdition')) = 5\n" +
		"    OR EXISTS (SELECT 1 FROM sys.filegroups AS fg JOIN sys.database_files AS f ON f.data_space_id = fg.data_space_id WHERE fg.type = 'FX'))\n"
	orders := &Table{Schema: "app", Name: "Orders", MemoryOptimized: true, Columns: []*Column{
		{Name: "id", Type: ColumnType{Name: "bigint"}, Identity: true, Seed: "1", Increment: "1"},
		{Name: "customer", Type: ColumnType{Name: "int"}},
		{Name: "placed", Type: ColumnType{Name: "datetime2", Scale: 3}, DefaultName: "DF_Orders_placed", DefaultDef: "(sysutcdatetime())"},
		{Name: "note", Type: ColumnType{Name: "nvarchar", MaxLength: 200}, Nullable: true, Collation: "Latin1_General_100_BIN2"},
	}, Indexes: []*Index{
		{Name: "PK_Orders", Type: 7, PrimaryKey: true, Unique: true, Keys: []IndexKey{{Column: "id"}}, BucketCount: 1048576},
		{Name: "UQ_Orders_note", Type: 2, UniqueConstraint: true, Unique: true, Keys: []IndexKey{{Column: "note"}}},
		{Name: "IX_Orders_customer", Type: 2, Keys: []IndexKey{{Column: "customer"}, {Column: "placed", Descending: true}}},
		{Name: "IX_Orders_hash", Type: 7, Keys: []IndexKey{{Column: "customer"}, {Column: "placed"}}, BucketCount: 64},
		{Name: "CCI_Orders", Type: 5, CompressionDelay: 10},
	}}
	want := "DECLARE @sql nvarchar(max);\n" + cond +
		"    SET @sql = N'CREATE TABLE [app].[Orders] ([id] bigint IDENTITY(1,1) NOT NULL, [customer] int NOT NULL, [placed] datetime2(3) NOT NULL CONSTRAINT [DF_Orders_placed] DEFAULT (sysutcdatetime()), [note] nvarchar(100) COLLATE Latin1_General_100_BIN2 NULL, " +
		"CONSTRAINT [PK_Orders] PRIMARY KEY NONCLUSTERED HASH ([id]) WITH (BUCKET_COUNT = 1048576), CONSTRAINT [UQ_Orders_note] UNIQUE NONCLUSTERED ([note] ASC), INDEX [IX_Orders_customer] NONCLUSTERED ([customer] ASC, [placed] DESC), " +
		"INDEX [IX_Orders_hash] NONCLUSTERED HASH ([customer], [placed]) WITH (BUCKET_COUNT = 64), INDEX [CCI_Orders] CLUSTERED COLUMNSTORE WITH (COMPRESSION_DELAY = 10)) WITH (MEMORY_OPTIMIZED = ON, DURABILITY = SCHEMA_AND_DATA);';\n" +
		"ELSE\nBEGIN\n" +
		"    PRINT N'sqlvault: memory-optimized table [app].[Orders] is created as a disk-based one, without its columnstore index [CCI_Orders]: the database has no MEMORY_OPTIMIZED_DATA filegroup or the server no In-Memory OLTP';\n" +
		"    SET @sql = N'CREATE TABLE [app].[Orders] ([id] bigint IDENTITY(1,1) NOT NULL, [customer] int NOT NULL, [placed] datetime2(3) NOT NULL CONSTRAINT [DF_Orders_placed] DEFAULT (sysutcdatetime()), [note] nvarchar(100) COLLATE Latin1_General_100_BIN2 NULL, " +
		"CONSTRAINT [PK_Orders] PRIMARY KEY NONCLUSTERED ([id] ASC), CONSTRAINT [UQ_Orders_note] UNIQUE NONCLUSTERED ([note] ASC)); " +
		"CREATE NONCLUSTERED INDEX [IX_Orders_customer] ON [app].[Orders] ([customer] ASC, [placed] DESC); CREATE NONCLUSTERED INDEX [IX_Orders_hash] ON [app].[Orders] ([customer] ASC, [placed] ASC);';\n" +
		"END\nEXEC sys.sp_executesql @sql;\nGO\n"
	if got := createMemoryTable(orders); got != want {
		t.Errorf("table:\n%s\nwant\n%s", got, want)
	}

	// SCHEMA_ONLY, and names sqlcmd could misread: the batch stays
	// sqlcmd-safe (every name inside the literals).
	h := "x\nGO\n$(y) ]'"
	sessions := &Table{Schema: "s" + h, Name: "t" + h, MemoryOptimized: true, Durability: durabilitySchemaOnly, Columns: []*Column{
		{Name: "c" + h, Type: ColumnType{Name: "int"}}},
		Indexes: []*Index{{Name: "PK" + h, Type: 2, PrimaryKey: true, Keys: []IndexKey{{Column: "c" + h, Descending: true}}}}}
	got := createMemoryTable(sessions)
	mem, disk, ok, err := unwrapMemoryFallback(strings.TrimSuffix(got, "GO\n"))
	if err != nil || !ok {
		t.Fatalf("not a memoryFallback batch (%v): %q", err, got)
	}
	if !sqlcmdSafe(strings.TrimSuffix(got, "\nGO\n")) {
		t.Errorf("sqlcmd could misread %q", got)
	}
	n, c, pk := quoteName("s"+h, "t"+h), quoteIdent("c"+h), quoteIdent("PK"+h)
	if want := "CREATE TABLE " + n + " (" + c + " int NOT NULL, CONSTRAINT " + pk + " PRIMARY KEY NONCLUSTERED (" + c + " DESC)) WITH (MEMORY_OPTIMIZED = ON, DURABILITY = SCHEMA_ONLY);"; mem != want {
		t.Errorf("SCHEMA_ONLY table:\n%s\nwant\n%s", mem, want)
	}
	if want := "CREATE TABLE " + n + " (" + c + " int NOT NULL, CONSTRAINT " + pk + " PRIMARY KEY NONCLUSTERED (" + c + " DESC));"; disk != want {
		t.Errorf("SCHEMA_ONLY table, disk-based:\n%s\nwant\n%s", disk, want)
	}

	// A memory-optimized table type: its hash key and a range index; the
	// disk-based type has them nonclustered.
	tt := &UserType{Schema: "app", Name: "IdList", IsTable: true, MemoryOpt: true, Table: &Table{
		Columns: []*Column{{Name: "id", Type: ColumnType{Name: "bigint"}}, {Name: "n", Type: ColumnType{Name: "int"}, Nullable: true}},
		Indexes: []*Index{{Name: "PK__IdList__3213E83F", Type: 7, PrimaryKey: true, Keys: []IndexKey{{Column: "id"}}, BucketCount: 256},
			{Name: "IX_n", Type: 2, Keys: []IndexKey{{Column: "n"}}}},
		Checks: []*Check{{Definition: "([n]>(0))"}}}}
	want = "DECLARE @sql nvarchar(max);\n" + cond +
		"    SET @sql = N'CREATE TYPE [app].[IdList] AS TABLE ([id] bigint NOT NULL, [n] int NULL, PRIMARY KEY NONCLUSTERED HASH ([id]) WITH (BUCKET_COUNT = 256), INDEX [IX_n] NONCLUSTERED ([n] ASC), CHECK ([n]>(0))) WITH (MEMORY_OPTIMIZED = ON);';\n" +
		"ELSE\nBEGIN\n" +
		"    PRINT N'sqlvault: memory-optimized table type [app].[IdList] is created as a disk-based one: the database has no MEMORY_OPTIMIZED_DATA filegroup or the server no In-Memory OLTP';\n" +
		"    SET @sql = N'CREATE TYPE [app].[IdList] AS TABLE ([id] bigint NOT NULL, [n] int NULL, PRIMARY KEY NONCLUSTERED ([id] ASC), INDEX [IX_n] NONCLUSTERED ([n] ASC), CHECK ([n]>(0)));';\n" +
		"END\nEXEC sys.sp_executesql @sql;\nGO\n"
	if got := createMemoryTableType(tt); got != want {
		t.Errorf("table type:\n%s\nwant\n%s", got, want)
	}
}

// TestMemoryOptimizedBackup scripts the sample (snapshot isolation on) and
// checks the memory-optimized objects: [dbo].[Cache] and the table type
// are created by schema.sql, Cache's rows are in its data file, read in a
// READ COMMITTED transaction of their own with WITH (SNAPSHOT) (the sample
// server refuses, as SQL Server does, a memory-optimized table in the
// SNAPSHOT transaction, error 41332, and one without the hint in an
// explicit transaction, 41368), the SCHEMA_ONLY table has no data file and
// its manifest entry says so, nothing is reported about them, and
// post-data.sql neither indexes nor reseeds them.
func TestMemoryOptimizedBackup(t *testing.T) {
	s := newTestServer(t, nil)
	sink, m := s.scriptMem("sample", s.options("sample"))
	if m.Consistency != ConsistencySnapshotIsolation {
		t.Fatalf("consistency %s", m.Consistency)
	}
	data := string(sink.files["data/dbo.Cache.sql"])
	wantData := comment("Data of table %s", "[dbo].[Cache]") + "INSERT INTO [dbo].[Cache] ([k], [v], [expires]) VALUES\n" +
		"(1, 0xCAFE, CAST(N'2024-01-01T00:00:00' AS datetime2(0))),\n" +
		"(2, NULL, CAST(N'2024-01-02T00:00:00' AS datetime2(0)));\nGO\n"
	if data != fileHeader+wantData {
		t.Errorf("data/dbo.Cache.sql:\n%s\nwant\n%s", data, fileHeader+wantData)
	}
	if _, ok := sink.files["data/dbo.CacheSessions.sql"]; ok {
		t.Error("the SCHEMA_ONLY table has a data file")
	}
	var entries []string
	for _, te := range m.Tables {
		if strings.HasPrefix(te.Name, "[dbo].[Cache") {
			te.ContentHash = strings.TrimSuffix(te.ContentHash[:min(len(te.ContentHash), 7)], ":") // the hash is TestContentHashRoundTrip's
			entries = append(entries, fmt.Sprintf("%+v", te))
		}
	}
	wantEntries := "{Name:[dbo].[Cache] File:data/dbo.Cache.sql Rows:2 Bytes:629 ContentHash:sha256 Durability: Columns:[{Name:k Type:int Collation:} {Name:v Type:varbinary(100) Collation:} {Name:expires Type:datetime2(0) Collation:}] Edge:false MemoryOptimized:true Query:/* sqlvault:data [dbo].[Cache] */\n" +
		"SELECT [k], [v], [expires]\nFROM [dbo].[Cache] WITH (SNAPSHOT)\nORDER BY [k] Key:[k] Ends:[]}\n" +
		"{Name:[dbo].[CacheSessions] File: Rows:0 Bytes:0 ContentHash:sha256 Durability:SCHEMA_ONLY Columns:[] Edge:false MemoryOptimized:false Query: Key:[] Ends:[]}"
	if got := strings.Join(entries, "\n"); got != wantEntries {
		t.Errorf("manifest tables:\n%s\nwant\n%s", got, wantEntries)
	}
	for _, u := range m.Unscripted {
		if strings.Contains(u.Name, "Cache") {
			t.Errorf("reported: %+v", u)
		}
	}
	schema := string(sink.files[SchemaFile])
	for _, want := range []string{
		"N'CREATE TABLE [dbo].[Cache] ([k] int NOT NULL, [v] varbinary(100) NULL, [expires] datetime2(0) NOT NULL, CONSTRAINT [PK_Cache] PRIMARY KEY NONCLUSTERED HASH ([k]) WITH (BUCKET_COUNT = 1024), INDEX [IX_Cache_expires] NONCLUSTERED ([expires] DESC)) WITH (MEMORY_OPTIMIZED = ON, DURABILITY = SCHEMA_AND_DATA);'",
		"N'CREATE TABLE [dbo].[CacheSessions] ([id] uniqueidentifier NOT NULL, [login] nvarchar(128) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL, CONSTRAINT [PK_CacheSessions] PRIMARY KEY NONCLUSTERED ([id] ASC), INDEX [IX_CacheSessions_login] NONCLUSTERED HASH ([login]) WITH (BUCKET_COUNT = 64)) WITH (MEMORY_OPTIMIZED = ON, DURABILITY = SCHEMA_ONLY);'",
		"N'CREATE TYPE [dbo].[CacheKeyList] AS TABLE ([k] int NOT NULL, PRIMARY KEY NONCLUSTERED HASH ([k]) WITH (BUCKET_COUNT = 128)) WITH (MEMORY_OPTIMIZED = ON);'",
	} {
		if !strings.Contains(schema, want) {
			t.Errorf("schema.sql lacks %s", want)
		}
	}
	if post := string(sink.files[PostDataFile]); strings.Contains(post, "[dbo].[Cache") {
		t.Errorf("post-data.sql names a memory-optimized table:\n%s", post)
	}
	var memReads []string
	for _, tag := range s.h.Log() {
		if strings.HasPrefix(tag, "sqlvault:data [dbo].[Cache") {
			memReads = append(memReads, tag)
		}
	}
	if got := strings.Join(memReads, ","); got != "sqlvault:data [dbo].[Cache]" {
		t.Errorf("data queries of memory-optimized tables: %s", got)
	}
	if iso := fmt.Sprint(s.h.Isolation()); iso != "[SNAPSHOT READ COMMITTED]" {
		t.Errorf("transactions %s, want the snapshot and the memory-optimized tables'", iso)
	}
}

// TestSampleRefusesMemoryReads checks the sample server's model of
// reading a memory-optimized table (what TestMemoryOptimizedBackup relies
// on): refused in a SNAPSHOT transaction with or without the hint (error
// 41332), refused without the hint in a READ COMMITTED transaction
// (41368), served with it, and in autocommit mode.
func TestSampleRefusesMemoryReads(t *testing.T) {
	s := newTestServer(t, nil)
	db := s.connect("sample")
	ctx := context.Background()
	query := func(q querier, hint bool) error {
		t.Helper()
		cols := dataColumns(&Table{Columns: []*Column{{Name: "k"}}})
		tb := &Table{Schema: "dbo", Name: "Cache", MemoryOptimized: hint, Columns: cols}
		rows, err := q.QueryContext(ctx, dataQuery(tb, cols, ""))
		if err != nil {
			return err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			n++
		}
		if err == nil && n != 2 {
			t.Errorf("%d rows", n)
		}
		return rows.Err()
	}
	number := func(err error) string {
		var e interface{ SQLErrorNumber() int32 }
		if errors.As(err, &e) {
			return fmt.Sprint(e.SQLErrorNumber())
		}
		return fmt.Sprint(err)
	}
	for _, tc := range []struct {
		iso  sql.IsolationLevel
		hint bool
		want string
	}{
		{sql.LevelSnapshot, true, "41332"},
		{sql.LevelSnapshot, false, "41332"},
		{sql.LevelReadCommitted, false, "41368"},
		{sql.LevelReadCommitted, true, "<nil>"},
	} {
		tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: tc.iso})
		if err != nil {
			t.Fatal(err)
		}
		if got := number(query(tx, tc.hint)); got != tc.want {
			t.Errorf("%s, hint %v: %s, want %s", tc.iso, tc.hint, got, tc.want)
		}
		tx.Rollback()
	}
	if err := query(db, false); err != nil {
		t.Errorf("autocommit: %v", err)
	}
}

// TestNativelyCompiledModule scripts a natively compiled procedure over a
// memory-optimized table: its definition is copied as it is, after the
// table it needs, inside moduleBatch's TRY...CATCH, which on a target
// where the table fell back to disk-based prints the server's error and
// goes on (documented in design.md §14).
func TestNativelyCompiledModule(t *testing.T) {
	mem := &sample.Table{Schema: "dbo", Name: "Hot", MemoryOptimized: true, Columns: []*sample.Column{
		{Name: "k", Type: "int"}, {Name: "v", Type: "int", Nullable: true}},
		Indexes: []*sample.Index{{Name: "PK_Hot", Type: 7, PrimaryKey: true, Keys: []string{"k"}, BucketCount: 8}},
		Rows:    [][]any{{1, 10}}}
	def := "CREATE PROCEDURE [dbo].[usp_HotPut] @k int, @v int\nWITH NATIVE_COMPILATION, SCHEMABINDING\nAS BEGIN ATOMIC WITH (TRANSACTION ISOLATION LEVEL = SNAPSHOT, LANGUAGE = N'us_english')\n    INSERT dbo.Hot (k, v) VALUES (@k, @v);\nEND"
	db := sample.NewDB("native", mem)
	db.Modules = []*sample.Module{{Schema: "dbo", Name: "usp_HotPut", Type: "P", SchemaBound: true, References: []string{"dbo.Hot"},
		AnsiNulls: true, QuotedIdentifier: true, Definition: def}}
	db.Build()
	s := newTestServer(t, []*sample.DB{db})
	sink, m := s.scriptMem("native", s.options("native"))
	schema := string(sink.files[SchemaFile])
	table := strings.Index(schema, "-- Table [dbo].[Hot]\n")
	proc := strings.Index(schema, "-- Procedure [dbo].[usp_HotPut]\n")
	if table < 0 || proc < table {
		t.Fatalf("table at %d, procedure at %d:\n%s", table, proc, schema)
	}
	lit, _ := moduleLiteral(def)
	want := "-- Procedure [dbo].[usp_HotPut]\nSET ANSI_NULLS ON;\nSET QUOTED_IDENTIFIER ON;\nGO\n" + declareSQLPrefix + lit + ";\nBEGIN TRY\n    " + execSQLVar +
		"\nEND TRY\nBEGIN CATCH\n    PRINT N'sqlvault: procedure [dbo].[usp_HotPut] was not created: ' + ERROR_MESSAGE();\nEND CATCH;\nGO\n"
	if !strings.Contains(schema[proc:], want) {
		t.Errorf("procedure batch:\n%s\nwant\n%s", schema[proc:], want)
	}
	if len(m.Unscripted) != 0 || m.Totals.Rows != 1 {
		t.Errorf("unscripted %+v, %d rows", m.Unscripted, m.Totals.Rows)
	}
}
