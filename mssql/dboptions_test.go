package mssql

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// guardedBatch matches a batch of guarded (and createOrderedColumnstore):
// a condition on the target's edition or version, the statement run with
// sp_executesql, and a PRINT (then, for an ordered columnstore index, the
// index without ORDER) otherwise.
var guardedBatch = regexp.MustCompile(`^IF CONVERT\(int, SERVERPROPERTY\('(EngineEdition|ProductMajorVersion)'\)\)[^\n]*\nBEGIN\n    (DECLARE @sql nvarchar\(max\) = [^\n]*;\n)    EXEC sys\.sp_executesql @sql;\nEND\nELSE\n(    PRINT N'sqlvault: [^\n]*;|BEGIN\n    PRINT N'sqlvault: [^\n]*;\n    [^\n]*\nEND)\n?$`)

// unwrapGuarded returns the statement a guarded batch runs where the
// target has it.
func unwrapGuarded(stmt string) (string, bool, error) {
	m := guardedBatch.FindStringSubmatch(stmt)
	if m == nil {
		return "", false, nil
	}
	text, ok, err := unwrapExec(m[2] + execSQLVar)
	if err == nil && !ok {
		err = fmt.Errorf("guarded batch without a statement: %.200q", stmt)
	}
	return strings.TrimSpace(text), true, err
}

// TestDatabaseOptionsDDL checks the database options part of schema.sql
// exactly: every option, the guarded ones, a scoped configuration with a
// string value and one for secondaries, Query Store with a custom capture
// policy, and the security settings reported in a comment only (the
// owner's name through comment, a line break in it included).
func TestDatabaseOptionsDDL(t *testing.T) {
	d := &DatabaseInfo{hasOptions: true, AnsiNulls: true, QuotedIdentifier: true, AutoCreateStatistics: true,
		AutoCreateStatisticsIncremental: true, AutoUpdateStatistics: true, ParameterizationForced: true,
		ReadCommittedSnapshot: true, LocalCursorDefault: true, PageVerify: "TORN_PAGE_DETECTION", TargetRecoverySeconds: 60,
		DelayedDurability: "FORCED", AcceleratedDatabaseRecovery: true, Trustworthy: true, DBChaining: true, Owner: "dom\nain\\sa",
		ScopedConfigurations: []ScopedConfiguration{
			{Name: "LEDGER_DIGEST_STORAGE_ENDPOINT", Value: "N'https://x.blob.core.windows.net/it''s'"},
			{Name: "MAXDOP", Value: "8", Secondary: "1"},
		},
		QueryStore: &QueryStore{DesiredState: "READ_ONLY", CaptureMode: "CUSTOM", SizeBasedCleanup: "OFF", MaxStorageMB: 100,
			IntervalMinutes: 60, StaleQueryDays: 30, FlushSeconds: 600, MaxPlansPerQuery: 200, WaitStatsCapture: "OFF",
			PolicyExecutions: 30, PolicyCompileMS: 1000, PolicyExecutionMS: 100, PolicyStaleHours: 24}}
	guard := func(cond, stmt, print string) string {
		return "IF " + cond + "\nBEGIN\n    DECLARE @sql nvarchar(max) = " + stmt + ";\n    EXEC sys.sp_executesql @sql;\nEND\nELSE\n    PRINT N'sqlvault: " + print + "';\nGO\n"
	}
	since := func(n int) string {
		return fmt.Sprintf("CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= %d", n)
	}
	want := "-- Options as the source has them, whatever the new database's defaults\n" +
		"ALTER DATABASE CURRENT SET ANSI_NULL_DEFAULT OFF;\nALTER DATABASE CURRENT SET ANSI_NULLS ON;\n" +
		"ALTER DATABASE CURRENT SET ANSI_PADDING OFF;\nALTER DATABASE CURRENT SET ANSI_WARNINGS OFF;\n" +
		"ALTER DATABASE CURRENT SET ARITHABORT OFF;\nALTER DATABASE CURRENT SET CONCAT_NULL_YIELDS_NULL OFF;\n" +
		"ALTER DATABASE CURRENT SET NUMERIC_ROUNDABORT OFF;\nALTER DATABASE CURRENT SET QUOTED_IDENTIFIER ON;\n" +
		"ALTER DATABASE CURRENT SET RECURSIVE_TRIGGERS OFF;\nALTER DATABASE CURRENT SET AUTO_CREATE_STATISTICS ON;\n" +
		"ALTER DATABASE CURRENT SET AUTO_UPDATE_STATISTICS ON;\nALTER DATABASE CURRENT SET AUTO_UPDATE_STATISTICS_ASYNC OFF;\n" +
		"ALTER DATABASE CURRENT SET AUTO_SHRINK OFF;\nALTER DATABASE CURRENT SET CURSOR_CLOSE_ON_COMMIT OFF;\n" +
		"ALTER DATABASE CURRENT SET PARAMETERIZATION FORCED;\nALTER DATABASE CURRENT SET READ_COMMITTED_SNAPSHOT ON;\nGO\n" +
		guard("CONVERT(int, SERVERPROPERTY('EngineEdition')) <> 5",
			"N'ALTER DATABASE CURRENT SET AUTO_CLOSE OFF; ALTER DATABASE CURRENT SET CURSOR_DEFAULT LOCAL; ALTER DATABASE CURRENT SET DATE_CORRELATION_OPTIMIZATION OFF; ALTER DATABASE CURRENT SET PAGE_VERIFY TORN_PAGE_DETECTION; ALTER DATABASE CURRENT SET TARGET_RECOVERY_TIME = 60 SECONDS;'",
			"AUTO_CLOSE, CURSOR_DEFAULT, DATE_CORRELATION_OPTIMIZATION, PAGE_VERIFY and TARGET_RECOVERY_TIME are not set on Azure SQL Database") +
		guard(since(12), "N'ALTER DATABASE CURRENT SET AUTO_CREATE_STATISTICS ON (INCREMENTAL = ON);'",
			"AUTO_CREATE_STATISTICS INCREMENTAL needs SQL Server 2014 or later; not set") +
		guard(since(12), "N'ALTER DATABASE CURRENT SET DELAYED_DURABILITY = FORCED;'",
			"DELAYED_DURABILITY = FORCED needs SQL Server 2014 or later; not set") +
		guard("CONVERT(int, SERVERPROPERTY('EngineEdition')) NOT IN (5, 8) AND CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 15",
			"N'ALTER DATABASE CURRENT SET ACCELERATED_DATABASE_RECOVERY = ON;'",
			"ACCELERATED_DATABASE_RECOVERY = ON needs SQL Server 2019 or later (Azure SQL has it always on); not set") +
		guard(since(13), "N'IF EXISTS (SELECT 1 FROM sys.database_scoped_configurations WHERE name = N''LEDGER_DIGEST_STORAGE_ENDPOINT'') BEGIN ALTER DATABASE SCOPED CONFIGURATION SET LEDGER_DIGEST_STORAGE_ENDPOINT = N''https://x.blob.core.windows.net/it''''s''; END ELSE PRINT N''sqlvault: database scoped configuration LEDGER_DIGEST_STORAGE_ENDPOINT is not known to this server; not set'';'",
			"database scoped configuration LEDGER_DIGEST_STORAGE_ENDPOINT needs SQL Server 2016 or later; not set") +
		guard(since(13), "N'IF EXISTS (SELECT 1 FROM sys.database_scoped_configurations WHERE name = N''MAXDOP'') BEGIN ALTER DATABASE SCOPED CONFIGURATION SET MAXDOP = 8; ALTER DATABASE SCOPED CONFIGURATION FOR SECONDARY SET MAXDOP = 1; END ELSE PRINT N''sqlvault: database scoped configuration MAXDOP is not known to this server; not set'';'",
			"database scoped configuration MAXDOP needs SQL Server 2016 or later; not set") +
		guard(since(13), "N'ALTER DATABASE CURRENT SET QUERY_STORE = ON (OPERATION_MODE = READ_ONLY, CLEANUP_POLICY = (STALE_QUERY_THRESHOLD_DAYS = 30), DATA_FLUSH_INTERVAL_SECONDS = 600, INTERVAL_LENGTH_MINUTES = 60, MAX_STORAGE_SIZE_MB = 100, SIZE_BASED_CLEANUP_MODE = OFF, MAX_PLANS_PER_QUERY = 200);'",
			"QUERY_STORE = ON needs SQL Server 2016 or later; not set") +
		guard(since(14), "N'ALTER DATABASE CURRENT SET QUERY_STORE (WAIT_STATS_CAPTURE_MODE = OFF);'",
			"Query Store WAIT_STATS_CAPTURE_MODE needs SQL Server 2017 or later; not set") +
		guard(since(15), "N'ALTER DATABASE CURRENT SET QUERY_STORE (QUERY_CAPTURE_MODE = CUSTOM, QUERY_CAPTURE_POLICY = (STALE_CAPTURE_POLICY_THRESHOLD = 24 HOURS, EXECUTION_COUNT = 30, TOTAL_COMPILE_CPU_TIME_MS = 1000, TOTAL_EXECUTION_CPU_TIME_MS = 100));'",
			"Query Store QUERY_CAPTURE_MODE = CUSTOM needs SQL Server 2019 or later; not set") +
		"-- Not applied, security settings for the target's administrator (manifest.json database): owner [dom\\nain\\sa] (the restoring login owns the copy), TRUSTWORTHY ON, DB_CHAINING ON\n"
	if got := databaseOptions(d); got != want {
		t.Errorf("databaseOptions:\n%s\nwant:\n%s", got, want)
	}
	// Query Store OFF is written (SQL Server 2022 turns it on in a new
	// database); an Options never read writes nothing.
	off := queryStore(&QueryStore{DesiredState: "OFF"})
	if want := guard(since(13), "N'ALTER DATABASE CURRENT SET QUERY_STORE = OFF;'", "QUERY_STORE = OFF needs SQL Server 2016 or later; not set"); off != want {
		t.Errorf("Query Store OFF:\n%s\nwant:\n%s", off, want)
	}
	if got := databaseOptions(&DatabaseInfo{ReadCommittedSnapshot: true}); got != "" {
		t.Errorf("options not read: %q", got)
	}
}

// TestScopedValue checks how sql_variant values of
// sys.database_scoped_configurations are written.
func TestScopedValue(t *testing.T) {
	for _, c := range []struct{ name, val, typ, want string }{
		{"MAXDOP", "0", "int", "0"},
		{"MAXDOP", "1", "int", "1"},
		{"PAUSED_RESUMABLE_INDEX_ABORT_DURATION_MINUTES", "1440", "int", "1440"},
		{"LEGACY_CARDINALITY_ESTIMATION", "1", "int", "ON"},
		{"IDENTITY_CACHE", "0", "bigint", "OFF"},
		{"SOMETHING_NEW", "7", "int", "7"},
		{"ELEVATE_ONLINE", "FAIL_UNSUPPORTED", "nvarchar", "FAIL_UNSUPPORTED"},
		{"LEDGER_DIGEST_STORAGE_ENDPOINT", "https://a/b", "nvarchar", "N'https://a/b'"},
		{"X", "it's\r\n", "nvarchar", "N'it''s' + NCHAR(13) + NCHAR(10)"},
	} {
		if got := scopedValue(c.name, c.val, c.typ); got != c.want {
			t.Errorf("scopedValue(%q, %q, %q) = %q, want %q", c.name, c.val, c.typ, got, c.want)
		}
	}
}

// TestIndexOptionsOrder checks the WITH list in its documented order, and
// that the options a target version may lack are set after the index:
// OPTIMIZE_FOR_SEQUENTIAL_KEY and COMPRESSION_DELAY, guarded, the latter
// on columnstore indexes only; an ordered columnstore index is created
// with ORDER where the target has it, else without.
func TestIndexOptionsOrder(t *testing.T) {
	ix := &Index{Name: "ix", Type: 2, Unique: true, Keys: []IndexKey{{Column: "a"}}, Padded: true, FillFactor: 70,
		IgnoreDupKey: true, NoRecompute: true, AllowRowLocks: false, AllowPageLocks: false, Compression: []string{"PAGE"},
		SequentialKey: true, CompressionDelay: 5}
	if got, want := indexStmt("s", "t", ix), "CREATE UNIQUE NONCLUSTERED INDEX [ix] ON [s].[t] ([a] ASC) WITH (PAD_INDEX = ON, FILLFACTOR = 70, IGNORE_DUP_KEY = ON, STATISTICS_NORECOMPUTE = ON, ALLOW_ROW_LOCKS = OFF, ALLOW_PAGE_LOCKS = OFF, DATA_COMPRESSION = PAGE);"; got != want {
		t.Errorf("indexStmt:\n%s\nwant\n%s", got, want)
	}
	same := func(s string) string { return s }
	want := "IF CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 15\nBEGIN\n" +
		"    DECLARE @sql nvarchar(max) = N'ALTER INDEX [ix] ON [s].[t] SET (OPTIMIZE_FOR_SEQUENTIAL_KEY = ON);';\n    EXEC sys.sp_executesql @sql;\nEND\nELSE\n" +
		"    PRINT N'sqlvault: OPTIMIZE_FOR_SEQUENTIAL_KEY of index [ix] ON [s].[t] needs SQL Server 2019 or later; not set';\nGO\n"
	if got := indexSettings("s", "t", ix, same); got != want {
		t.Errorf("indexSettings (rowstore):\n%s\nwant\n%s", got, want)
	}
	cci := &Index{Name: "cci", Type: 5, CompressionDelay: 30, ColumnstoreOrder: []string{"d", "e]"}}
	want = "IF CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 13\nBEGIN\n" +
		"    DECLARE @sql nvarchar(max) = N'IF OBJECT_ID(N''[s].[v]'') IS NOT NULL ALTER INDEX [cci] ON [s].[t] SET (COMPRESSION_DELAY = 30);';\n    EXEC sys.sp_executesql @sql;\nEND\nELSE\n" +
		"    PRINT N'sqlvault: COMPRESSION_DELAY of index [cci] ON [s].[t] needs SQL Server 2016 or later; not set';\nGO\n"
	if got := indexSettings("s", "t", cci, func(s string) string { return "IF OBJECT_ID(N'[s].[v]') IS NOT NULL " + s }); got != want {
		t.Errorf("indexSettings (columnstore):\n%s\nwant\n%s", got, want)
	}
	want = "IF CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 16\nBEGIN\n" +
		"    DECLARE @sql nvarchar(max) = N'CREATE CLUSTERED COLUMNSTORE INDEX [cci] ON [s].[t] ORDER ([d], [e]]]);';\n    EXEC sys.sp_executesql @sql;\nEND\nELSE\nBEGIN\n" +
		"    PRINT N'sqlvault: ORDER of columnstore index [cci] ON [s].[t] needs SQL Server 2022 or later; created without it';\n" +
		"    CREATE CLUSTERED COLUMNSTORE INDEX [cci] ON [s].[t];\nEND\nGO\n"
	if got := createIndex("s", "t", cci); got != want {
		t.Errorf("ordered columnstore:\n%s\nwant\n%s", got, want)
	}
	ncci := &Index{Name: "n", Type: 6, Included: []string{"a", "b"}, ColumnstoreOrder: []string{"a"}}
	if got := createIndex("s", "t", ncci); !strings.Contains(got, ">= 17\n") || !strings.Contains(got, "N'CREATE NONCLUSTERED COLUMNSTORE INDEX [n] ON [s].[t] ([a], [b]) ORDER ([a]);'") ||
		!strings.Contains(got, "needs SQL Server 2025 or later") {
		t.Errorf("ordered nonclustered columnstore:\n%s", got)
	}
}

// TestTableOptionsDDL checks LOCK_ESCALATION and the sp_tableoption
// options, with a name that nlit makes an expression of (declared first:
// EXECUTE takes no expression).
func TestTableOptionsDDL(t *testing.T) {
	tb := &Table{Schema: "dbo", Name: "T", LockEscalation: "AUTO", LargeValuesOutOfRow: true, TextInRowLimit: 1000}
	want := "ALTER TABLE [dbo].[T] SET (LOCK_ESCALATION = AUTO);\nGO\n" +
		"EXEC sys.sp_tableoption @TableNamePattern = N'[dbo].[T]', @OptionName = N'large value types out of row', @OptionValue = N'ON';\nGO\n" +
		"EXEC sys.sp_tableoption @TableNamePattern = N'[dbo].[T]', @OptionName = N'text in row', @OptionValue = N'1000';\nGO\n"
	if got := tableOptions(tb); got != want {
		t.Errorf("tableOptions:\n%s\nwant\n%s", got, want)
	}
	odd := &Table{Schema: "dbo", Name: "a\nb", LargeValuesOutOfRow: true}
	want = "DECLARE @TableNamePattern nvarchar(776) = N'[dbo].[a' + NCHAR(10) + N'b]';\n" +
		"EXEC sys.sp_tableoption @TableNamePattern = @TableNamePattern, @OptionName = N'large value types out of row', @OptionValue = N'ON';\nGO\n"
	if got := tableOptions(odd); got != want {
		t.Errorf("tableOptions (odd name):\n%s\nwant\n%s", got, want)
	}
	if got := tableOptions(&Table{Schema: "dbo", Name: "T"}); got != "" {
		t.Errorf("defaults: %q", got)
	}
}

// TestTableTypeIndexes checks a table type's index with INCLUDE (CREATE
// TYPE's <table_index>) and that a filtered one, which CREATE TYPE cannot
// write, is left out and reported.
func TestTableTypeIndexes(t *testing.T) {
	c := newCatalog()
	tt := &UserType{Schema: "s", Name: "tt", IsTable: true, Table: &Table{Columns: []*Column{
		{Name: "a", Type: ColumnType{Name: "int"}}, {Name: "b", Type: ColumnType{Name: "int"}, Nullable: true}},
		Indexes: []*Index{
			{Name: "ix", Type: 2, Keys: []IndexKey{{Column: "a"}}, Included: []string{"b"}},
			{Name: "fx", Type: 2, Keys: []IndexKey{{Column: "b"}}, Filter: "([b]>(0))"},
		}}}
	want := "CREATE TYPE [s].[tt] AS TABLE (\n    [a] int NOT NULL,\n    [b] int NULL,\n    INDEX [ix] NONCLUSTERED ([a] ASC) INCLUDE ([b])\n);\nGO\n"
	if got := createTableType(tt); got != want {
		t.Errorf("createTableType:\n%s\nwant\n%s", got, want)
	}
	c.tableTypeIndexNotes(tt)
	if want := []Unscripted{{Kind: "index", Name: "[s].[tt].[fx]", Reason: "CREATE TYPE AS TABLE takes no filtered index; the table type is created without it"}}; !reflect.DeepEqual(c.Unscripted, want) {
		t.Errorf("unscripted %v, want %v", c.Unscripted, want)
	}
}

// TestVersionedQueries checks that a catalog column is asked for only
// where the source's version has it, and the major version of the
// server.
func TestVersionedQueries(t *testing.T) {
	for _, c := range []struct {
		q       string
		has     []string
		hasNone []string
	}{
		{qIndexOptions(14), []string{"NULL AS optimize_for_sequential_key", "i.compression_delay AS compression_delay", "i.compression_delay > 0"}, []string{"i.optimize_for_sequential_key"}},
		{qIndexOptions(12), []string{"NULL AS compression_delay", "AND (s.no_recompute = 1)"}, []string{"i.compression_delay", "i.optimize_for_sequential_key"}},
		{qIndexOptions(15), []string{"i.optimize_for_sequential_key = 1"}, nil},
		{qDatabaseOptions(11), []string{"NULL AS is_auto_create_stats_incremental_on", "NULL AS delayed_durability_desc", "d.target_recovery_time_in_seconds AS"}, []string{"d.is_accelerated_database_recovery_on"}},
		{qDatabaseOptions(15), []string{"d.is_accelerated_database_recovery_on AS"}, nil},
		{qQueryStore(13), []string{"NULL AS wait_stats_capture_mode_desc", "NULL AS capture_policy_execution_count"}, nil},
		{qQueryStore(14), []string{"q.wait_stats_capture_mode_desc AS", "NULL AS capture_policy_execution_count"}, nil},
		{qScopedConfigurations(13), nil, []string{"is_value_default"}},
		{qScopedConfigurations(14), []string{"WHERE sc.is_value_default = 0 OR sc.value_for_secondary IS NOT NULL"}, nil},
	} {
		for _, s := range c.has {
			if !strings.Contains(c.q, s) {
				t.Errorf("%s: no %q", queryName(c.q), s)
			}
		}
		for _, s := range c.hasNone {
			if strings.Contains(c.q, s) {
				t.Errorf("%s: %q", queryName(c.q), s)
			}
		}
	}
	for _, c := range []struct {
		s    ServerInfo
		want int
	}{
		{ServerInfo{ProductVersion: "16.0.4135.4", EngineEdition: 3}, 16},
		{ServerInfo{ProductVersion: "13.0.5026.0", EngineEdition: 2}, 13},
		{ServerInfo{ProductVersion: "12.0.2000.8", EngineEdition: 5}, newestMajor},
		{ServerInfo{ProductVersion: "", EngineEdition: 3}, 0},
	} {
		if got := c.s.Major(); got != c.want {
			t.Errorf("%+v: major %d, want %d", c.s, got, c.want)
		}
	}
}

// TestOptionsOnOlderSource scripts the sample served as SQL Server 2014:
// the views of 2016 (scoped configurations, Query Store) and 2022
// (ordered columnstore) are not asked for, and what they would give is
// not written; the backup still succeeds.
func TestOptionsOnOlderSource(t *testing.T) {
	v, _ := sample.VersionNamed("2014")
	db := sample.New().As(v)
	s := newTestServer(t, []*sample.DB{db})
	sink, _ := s.scriptMem("sample", s.options("sample"))
	for _, tag := range s.h.Log() {
		switch tag {
		case "sqlvault:scoped_configurations", "sqlvault:query_store", "sqlvault:columnstore_order", "sqlvault:graph_columns", "sqlvault:edge_constraints":
			t.Errorf("asked %s of SQL Server 2014", tag)
		}
	}
	schema, post := string(sink.files[SchemaFile]), string(sink.files[PostDataFile])
	for _, s := range []string{"QUERY_STORE", "SCOPED CONFIGURATION"} {
		if strings.Contains(schema, s) {
			t.Errorf("schema.sql has %s", s)
		}
	}
	if !strings.Contains(post, "CREATE CLUSTERED COLUMNSTORE INDEX [CCI_TunedFacts] ON [dbo].[TunedFacts];\nGO\n") {
		t.Error("post-data.sql: the columnstore index is not created without ORDER")
	}
	if !strings.Contains(schema, "ALTER DATABASE CURRENT SET READ_COMMITTED_SNAPSHOT ON;") {
		t.Error("schema.sql: no READ_COMMITTED_SNAPSHOT")
	}
}
