package sample

import (
	"math"
	"strings"
	"time"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
)

// Name is the name of the sample database.
const Name = "sample"

// BigSize is the number of characters (and bytes) of the multi-megabyte
// values in dbo.BigValues.
const BigSize = 3 << 20

// Special is a string that must survive scripting and sqlcmd: quotes, CR/LF,
// a line that is just GO (and GO with a count), $(x), sqlcmd commands at
// the start of lines, and characters outside the Basic Multilingual Plane.
const Special = "It's \"quoted\"\r\nGO\r\ngo 5\n$(x) and $(PATH)\n:r evil.sql\n!!ls\nexit\n😀 𝄞 ü\ttab\x00nul?"

// SpecialAnsi is Special within code page 1252 (for char, varchar, text).
const SpecialAnsi = "It's \"quoted\"\r\nGO\r\n$(x)\n:setvar a b\nGrüße, naïve café – “curly” €"

// Hostile is part of the names of a schema, a table, its column, primary
// key and index, a user and a role of the sample, which try to inject T-SQL
// and sqlcmd commands into the scripts: line breaks that would end a --
// comment followed by a statement and a line GO, a sqlcmd variable, the
// end of a block comment and a quote.
const Hostile = "\r\nDROP DATABASE x;\r\nGO\r\n$(x) */ it's"

func d(y, m, day int) time.Time { return time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC) }

func dt(y, m, day, h, mi, s, ns int) time.Time {
	return time.Date(y, time.Month(m), day, h, mi, s, ns, time.UTC)
}

// New returns the model of the sample database: every data type at its
// edge values and every kind of object the scripter handles, plus some it
// does not (a CLR assembly and function, an encrypted procedure, a
// service queue, a user mapped to a login the
// backup cannot name) which must be reported. Its user mapped to a visible login is scripted, guarded.
// A procedure executes as a user (EXECUTE AS 'app_user'), and a schema,
// table, column, primary key, index, user and role have Hostile names.
func New() *DB {
	db := &DB{
		Name: Name, Collation: "SQL_Latin1_General_CP1_CI_AS", Compatibility: 160, SnapshotIsolation: true,
		// Options other than a new database's, scoped configurations
		// other than the default, and the Query Store on with settings of
		// its own.
		Options: Options{ReadCommittedSnapshot: true, ParameterizationForced: true, AutoUpdateStatsAsync: true,
			IncrementalStatistics: true, DelayedDurability: "ALLOWED", TargetRecoverySeconds: 120, Trustworthy: true, Owner: "sa"},
		ScopedConfigs: []ScopedConfig{
			{Name: "ELEVATE_ONLINE", Value: "WHEN_SUPPORTED"},
			{Name: "MAXDOP", Value: int64(4), Secondary: int64(2)},
			{Name: "OPTIMIZE_FOR_AD_HOC_WORKLOADS", Value: int64(1)},
		},
		QueryStore: &QueryStore{State: "READ_WRITE", CaptureMode: "AUTO", CleanupMode: "AUTO", WaitStats: "ON",
			MaxStorageMB: 500, IntervalMinutes: 15, StaleDays: 45, FlushSeconds: 900, MaxPlans: 100},
		Schemas: []*Schema{
			{Name: "evil" + Hostile, Owner: "dbo"},
			{Name: "graph", Owner: "dbo"},
			{Name: "hr", Owner: "dbo"},
			{Name: "odd ]schema ü", Owner: "dbo"},
			{Name: "reports", Owner: "reporting"},
			{Name: "sales", Owner: "dbo"},
		},
		Types: []*AliasType{
			{Schema: "dbo", Name: "Amount", Base: "decimal(19,4)", Nullable: true},
			{Schema: "dbo", Name: "Phone", Base: "varchar(20)", Nullable: false},
		},
		Assemblies: []string{"SampleClr"},
		Other:      []*Other{{Schema: "dbo", Name: "AuditQueue", Type: "SQ"}},
		DatabaseTriggers: []*DatabaseTrigger{
			{Name: "trg_DDL_Audit", Definition: "CREATE TRIGGER trg_DDL_Audit ON DATABASE FOR CREATE_TABLE AS PRINT 'a table was created';",
				Order: []TriggerOrder{{Event: "CREATE_TABLE", First: true}}},
			{Name: "trg_DDL_NoDrop", Disabled: true,
				Definition: "CREATE TRIGGER trg_DDL_NoDrop ON DATABASE FOR DROP_TABLE\nAS\nBEGIN\n    PRINT 'tables are not dropped here';\n    ROLLBACK;\nEND"},
		},
		FulltextCatalogs:  []*FulltextCatalog{{Name: "ftc_Sample", Default: true, Owner: "reporting"}},
		FulltextStoplists: []*FulltextStoplist{{Name: "sl_Sample", Words: []string{"acme/1033", "straße/1031"}, Owner: "app_user"}},
		PartitionFunctions: []*PartitionFunction{
			{Name: "pf_FactsDay", Type: "date", RangeRight: true, Boundaries: []any{d(2024, 1, 2)}},
			// Unused: a collated character parameter, RANGE LEFT, a quote.
			{Name: "pf_Names", Type: "nvarchar(20)", Collation: "Latin1_General_BIN2", Boundaries: []any{"it's", "m"}},
		},
		PartitionSchemes: []*PartitionScheme{{Name: "ps_FactsDay", Function: "pf_FactsDay"}, {Name: "ps_Names", Function: "pf_Names"}},
		Principals: []*Principal{
			{Name: "app_user", Type: "S", Auth: "NONE", DefaultSchema: "sales", MemberOf: []string{"reporting"}},
			{Name: "etl_user", Type: "S", Auth: "NONE", NoConnect: true},
			{Name: "web_user", Type: "S", Auth: "INSTANCE", Login: "sqlvault_sample_login", MemberOf: []string{"reporting"}},
			{Name: "legacy_user", Type: "S", Auth: "INSTANCE", MemberOf: []string{"reporting"}},
			{Name: "reporting", Type: "R", MemberOf: []string{"db_datareader"}},
			{Name: "auditors", Type: "R", Owner: "reporting", MemberOf: []string{"reporting"}},
			{Name: "u" + Hostile, Type: "S", Auth: "NONE", DefaultSchema: "evil" + Hostile, MemberOf: []string{"r" + Hostile}},
			{Name: "r" + Hostile, Type: "R"},
		},
		Permissions: []*Permission{
			{State: "G", Name: "VIEW DEFINITION", To: "auditors"},
			{State: "G", Name: "SELECT", On: "schema:sales", To: "reporting"},
			{State: "G", Name: "SELECT", On: "object:hr.Employees", To: "reporting"},
			{State: "D", Name: "SELECT", On: "column:hr.Employees.Salary", To: "reporting"},
			{State: "D", Name: "DELETE", On: "object:sales.Orders", To: "public"},
			{State: "W", Name: "EXECUTE", On: "object:sales.usp_AddOrder", To: "app_user"},
			{State: "G", Name: "EXECUTE", On: "type:sales.OrderLineList", To: "app_user"},
			{State: "G", Name: "IMPERSONATE", On: "user:etl_user", To: "auditors"},
			{State: "G", Name: "SELECT", On: "object:sales.Customers", To: "web_user"},
			{State: "G", Name: "IMPERSONATE", On: "user:web_user", To: "app_user"},
			{State: "G", Name: "EXECUTE", On: "object:dbo.usp_Secret", To: "reporting"},
			{State: "G", Name: "SELECT", On: "object:evil" + Hostile + ".t" + Hostile, To: "r" + Hostile},
			{State: "G", Name: "EXECUTE", On: "object:sales.usp_OrderCount", To: "reporting"},
			{State: "G", Name: "REFERENCES", On: "xmlcollection:dbo.NoteSchema", To: "app_user"},
		},
	}
	db.XMLSchemaCollections = []*XMLSchemaCollection{{Schema: "dbo", Name: "NoteSchema", Definition: NoteSchema, Owner: "reporting"}}
	db.TableTypes = []*TableType{{Schema: "sales", Name: "OrderLineList", Table: &Table{
		Columns: []*Column{
			{Name: "ProductID", Type: "int"},
			// A table type's default has a name SQL Server makes up.
			{Name: "Quantity", Type: "smallint", Default: "((1))", DefaultName: "DF__TT_OrderL__Quant__4D94879B"},
			{Name: "Note", Type: "nvarchar(50)", Nullable: true},
			// Typed xml in a table type.
			{Name: "Spec", Type: "xml", Nullable: true, XMLCollection: "dbo.NoteSchema"},
		},
		Indexes: []*Index{{Name: "PK__OrderLin__B40CC6ED6F1A3B2C", Type: 1, PrimaryKey: true, Keys: []string{"ProductID"}},
			// An index with included columns (CREATE TYPE's <table_index>).
			{Name: "IX_OrderLineList_Quantity", Type: 2, Keys: []string{"Quantity"}, Included: []string{"Note"}}},
		Checks: []*Check{{Name: "CK__OrderLine__Quant__3B75D760", Column: "Quantity", Definition: "([Quantity]>(0))"}},
	}}, cacheKeyList()}
	db.Sequences = []*Sequence{
		{Schema: "dbo", Name: "Ticket", Type: "int", Start: "1", Increment: "5", Min: "1", Max: "1000", Cycle: true, Cached: false},
		{Schema: "sales", Name: "OrderNumbers", Type: "bigint", Start: "1000", Increment: "1", Min: "1",
			Max: "9223372036854775807", Cached: true, CacheSize: "50", LastUsed: "1041"},
		{Schema: "sales", Name: "InvoiceNumbers", Type: "decimal(12,0)", Start: "1", Increment: "1", Min: "1", Max: "999999999999", Cached: true},
	}
	db.Tables = []*Table{allTypes(), bigValues(), empty(), events(), facts(), cache(), cacheSessions(), oddTable(), validity(),
		departments(), employees(), positions(), positionsHistory(), customers(), orders(), orderLines(), hostile(), legacy(),
		tuned(), tunedFacts(), tenantNotes(), documents()}
	db.Tables = append(db.Tables, graphTables()...)
	db.Modules = modules()
	// Row-level security (SQL Server 2016): a disabled policy with a
	// filter and a block predicate (an enabled filter predicate makes a
	// backup refuse: the login might not see every row), and an enabled
	// one with a block predicate only (which hides nothing), NOT FOR
	// REPLICATION.
	db.SecurityPolicies = []*SecurityPolicy{
		{Schema: "sales", Name: "TenantFilter", Disabled: true, Predicate: "[sales].[fn_TenantAccess]([TenantID])",
			Filters: []string{"sales.TenantNotes"}, Blocks: []string{"sales.TenantNotes AFTER INSERT"}},
		{Schema: "sales", Name: "TenantGuard", Predicate: "[sales].[fn_TenantAccess]([TenantID])", NotForReplication: true,
			Blocks: []string{"sales.TenantNotes BEFORE DELETE"}, Owner: "app_user"},
	}
	db.Synonyms = []*Synonym{{Schema: "dbo", Name: "Clients", Base: "[sales].[Customers]"}}
	db.ExtProps = []*ExtProp{
		{Target: "", Name: "MS_Description", Value: "Sample database of sqlvault: every type, every object kind."},
		{Target: "schema:sales", Name: "MS_Description", Value: "Customers and their orders"},
		{Target: "type:dbo.Phone", Name: "MS_Description", Value: "A phone number"},
		{Target: "object:sales.Customers", Name: "MS_Description", Value: "People who buy; it's \"quoted\""},
		{Target: "column:sales.Customers.Email", Name: "MS_Description", Value: "Case-sensitive e-mail address"},
		{Target: "index:sales.Customers.IX_Customers_Name", Name: "MS_Description", Value: "Filtered: only with e-mail"},
		{Target: "object:dbo.usp_A", Name: "Version", Value: mssqltest.Variant{Base: mssqltest.Column{Type: mssqltest.TypeInt}, Value: 3}},
		{Target: "parameter:sales.usp_AddOrder.@CustomerID", Name: "MS_Description", Value: "Who orders"},
		{Target: "principal:reporting", Name: "MS_Description", Value: "Read-only reporting"},
		{Target: "principal:app_user", Name: "MS_Description", Value: "The application"},
		{Target: "typecolumn:sales.OrderLineList.Quantity", Name: "MS_Description", Value: "How many"},
		{Target: "viewcolumn:sales.CustomerOrders.CustomerID", Name: "MS_Description", Value: "The customer"},
		{Target: "dbtrigger:trg_DDL_Audit", Name: "MS_Description", Value: "Notes new tables"},
		{Target: "xmlcollection:dbo.NoteSchema", Name: "MS_Description", Value: "Notes: to, body and kind"},
	}
	// Scripted or reported apart (features.go): change tracking on the
	// database and sales.Customers, a numbered procedure (;2 of
	// dbo.usp_Numbered), and a Service Broker message type, contract and
	// service on dbo.AuditQueue.
	db.ChangeTracking = &ChangeTracking{Retention: 3, Units: "DAYS", AutoCleanup: true}
	db.table("sales.Customers").ChangeTracked = true
	db.table("sales.Customers").TrackColumnsUpdated = true
	db.Modules = append(db.Modules, &Module{Schema: "dbo", Name: "usp_Numbered", Type: "P", AnsiNulls: true, QuotedIdentifier: true,
		Definition: "CREATE PROCEDURE dbo.usp_Numbered\nAS\nSELECT 1 AS n;"})
	db.NumberedProcedures = []*NumberedProcedure{{Procedure: "dbo.usp_Numbered", Number: 2, Definition: "CREATE PROCEDURE dbo.usp_Numbered;2\nAS\nSELECT 2 AS n;"}}
	db.Broker = []*BrokerObject{{Kind: "contract", Name: "//sqlvault/AuditContract"}, {Kind: "message type", Name: "//sqlvault/AuditMessage"}}
	db.Entities = []*Entity{{Kind: "service", Name: "//sqlvault/AuditService"}}
	db.Build()
	return db
}

func allTypes() *Table {
	t := &Table{Schema: "dbo", Name: "AllTypes", Columns: []*Column{
		{Name: "id", Type: "int"},
		{Name: "c_bit", Type: "bit", Nullable: true},
		{Name: "c_tinyint", Type: "tinyint", Nullable: true},
		{Name: "c_smallint", Type: "smallint", Nullable: true},
		{Name: "c_int", Type: "int", Nullable: true},
		{Name: "c_bigint", Type: "bigint", Nullable: true},
		{Name: "c_decimal", Type: "decimal(38,10)", Nullable: true},
		{Name: "c_numeric", Type: "numeric(5,2)", Nullable: true},
		{Name: "c_money", Type: "money", Nullable: true},
		{Name: "c_smallmoney", Type: "smallmoney", Nullable: true},
		{Name: "c_real", Type: "real", Nullable: true},
		{Name: "c_float", Type: "float", Nullable: true},
		{Name: "c_date", Type: "date", Nullable: true},
		{Name: "c_time", Type: "time(7)", Nullable: true},
		{Name: "c_time0", Type: "time(0)", Nullable: true},
		{Name: "c_datetime2", Type: "datetime2(7)", Nullable: true},
		{Name: "c_datetime2_3", Type: "datetime2(3)", Nullable: true},
		{Name: "c_dto", Type: "datetimeoffset(7)", Nullable: true},
		{Name: "c_datetime", Type: "datetime", Nullable: true},
		{Name: "c_smalldatetime", Type: "smalldatetime", Nullable: true},
		{Name: "c_char", Type: "char(10)", Nullable: true},
		{Name: "c_varchar", Type: "varchar(100)", Nullable: true},
		{Name: "c_varcharmax", Type: "varchar(max)", Nullable: true},
		{Name: "c_text", Type: "text", Nullable: true},
		{Name: "c_nchar", Type: "nchar(10)", Nullable: true},
		{Name: "c_nvarchar", Type: "nvarchar(200)", Nullable: true},
		{Name: "c_nvarcharmax", Type: "nvarchar(max)", Nullable: true},
		{Name: "c_ntext", Type: "ntext", Nullable: true},
		{Name: "c_binary", Type: "binary(8)", Nullable: true},
		{Name: "c_varbinary", Type: "varbinary(50)", Nullable: true},
		{Name: "c_varbinarymax", Type: "varbinary(max)", Nullable: true},
		{Name: "c_image", Type: "image", Nullable: true},
		{Name: "c_guid", Type: "uniqueidentifier", Nullable: true},
		{Name: "c_xml", Type: "xml", Nullable: true},
		{Name: "c_variant", Type: "sql_variant", Nullable: true},
		{Name: "c_hierarchyid", Type: "hierarchyid", Nullable: true},
		{Name: "c_geometry", Type: "geometry", Nullable: true},
		{Name: "c_geography", Type: "geography", Nullable: true},
		{Name: "c_rowversion", Type: "rowversion"},
	}, Indexes: []*Index{{Name: "PK_AllTypes", Type: 1, PrimaryKey: true, Keys: []string{"id"}},
		// Spatial indexes (they need the clustered primary key): a
		// geometry manual grid with its bounding box and page compression,
		// a geography automatic grid.
		{Name: "SIX_AllTypes_geometry", Type: 4, Column: "c_geometry", Compression: []string{"PAGE"}, Spatial: &Tessellation{
			Scheme: "GEOMETRY_GRID", Box: []float64{-10, -10.5, 500, 200}, Grids: [4]string{"LOW", "MEDIUM", "HIGH", "MEDIUM"}, CellsPerObject: 16}},
		{Name: "SIX_AllTypes_geography", Type: 4, Column: "c_geography", Spatial: &Tessellation{Scheme: "GEOGRAPHY_AUTO_GRID", CellsPerObject: 12}},
	}}
	long := strings.Repeat("0123456789", 900) // 9000 characters
	longN := strings.Repeat("αβγ😀", 2500)     // 10000 runes, 12500 UTF-16 units
	dto := func(y, m, dd, h, mi, s, ns, offMin int) time.Time {
		return time.Date(y, time.Month(m), dd, h, mi, s, ns, time.FixedZone("", offMin*60))
	}
	v := func(c mssqltest.Column, x any) mssqltest.Variant { return mssqltest.Variant{Base: c, Value: x} }
	nulls := make([]any, 39)
	nulls[0] = 1
	t.Rows = [][]any{
		nulls,
		{2, false, 0, math.MinInt16, math.MinInt32, int64(math.MinInt64),
			"-9999999999999999999999999999.9999999999", "-999.99", "-922337203685477.5808", "-214748.3648",
			float32(-math.MaxFloat32), -math.MaxFloat64,
			d(1, 1, 1), time.Duration(0), time.Duration(0), dt(1, 1, 1, 0, 0, 0, 0), dt(1, 1, 1, 0, 0, 0, 0),
			dto(1, 1, 1, 0, 0, 0, 0, 0), dt(1753, 1, 1, 0, 0, 0, 0), dt(1900, 1, 1, 0, 0, 0, 0),
			"", "", "", "", "", "", "", "",
			make([]byte, 8), []byte{}, []byte{}, []byte{},
			"00000000-0000-0000-0000-000000000000", "<empty/>",
			v(mssqltest.Column{Type: mssqltest.TypeBigInt}, int64(math.MinInt64)),
			[]byte{}, []byte{0x00, 0x00, 0x00, 0x00, 0x01, 0x0C, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
			[]byte{0xE6, 0x10, 0x00, 0x00, 0x01, 0x0C, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
			nil},
		{3, true, 255, math.MaxInt16, math.MaxInt32, int64(math.MaxInt64),
			"9999999999999999999999999999.9999999999", "999.99", "922337203685477.5807", "214748.3647",
			float32(math.MaxFloat32), math.MaxFloat64,
			d(9999, 12, 31), 24*time.Hour - 100*time.Nanosecond, 24*time.Hour - time.Second,
			dt(9999, 12, 31, 23, 59, 59, 999999900), dt(9999, 12, 31, 23, 59, 59, 999000000),
			dto(9999, 12, 31, 23, 59, 59, 999999900, 0), dt(9999, 12, 31, 23, 59, 59, 997000000), dt(2079, 6, 6, 23, 59, 0, 0),
			"ÿÿÿÿÿÿÿÿÿÿ", strings.Repeat("ÿ", 100), long, long, "\uFFFF\uFFFF\uFFFF\uFFFF\uFFFF\uFFFF\uFFFF\uFFFF\uFFFF\uFFFF",
			strings.Repeat("\U0010FFFF", 100), longN, longN,
			[]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, []byte(strings.Repeat("\xff", 50)),
			[]byte(strings.Repeat("\xfe\xed", 4500)), []byte(strings.Repeat("\xca\xfe", 4500)),
			"FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "<root><a x=\"1\">text &amp; more</a><b/></root>",
			v(mssqltest.Column{Type: mssqltest.TypeDecimal, Precision: 38, Scale: 5}, "123456789012345678901234567890123.12345"),
			[]byte{0x5A, 0xC0}, []byte{0x00, 0x00, 0x00, 0x00, 0x01, 0x0C, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0x3F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40},
			[]byte{0xE6, 0x10, 0x00, 0x00, 0x01, 0x0C, 0x17, 0xD9, 0xCE, 0xF7, 0x53, 0xD3, 0x47, 0x40, 0xD3, 0x4D, 0x62, 0x10, 0x58, 0x5A, 0x5E, 0xC0},
			nil},
		{4, true, 42, -1, 1, int64(-1),
			"0.0000000001", "0.01", "0.0001", "-0.0001",
			float32(1.1754944e-38), 2.2250738585072014e-308,
			d(2024, 2, 29), 13*time.Hour + 14*time.Minute + 15*time.Second + 1234500*time.Nanosecond, 12 * time.Hour,
			dt(2024, 2, 29, 12, 34, 56, 123456700), dt(2024, 2, 29, 12, 34, 56, 123000000),
			dto(2024, 2, 29, 12, 34, 56, 123456700, -14*60), dt(2024, 2, 29, 12, 34, 56, 3000000), dt(2024, 2, 29, 12, 35, 0, 0),
			"it's  ", SpecialAnsi, SpecialAnsi, SpecialAnsi, "😀'", Special, Special, Special,
			[]byte{0, 1, 2, 3, 0x27, 0x22, 0x0D, 0x0A}, []byte("GO\r\n$(x)"), []byte{0x0A, 0x47, 0x4F, 0x0A}, []byte{0},
			"6F9619FF-8B86-D011-B42D-00C04FC964FF", "<doc note=\"it's\">GO\n$(x)\n😀</doc>",
			v(mssqltest.Column{Type: mssqltest.TypeNVarChar, Length: 50}, Special[:20]),
			[]byte{0x58}, []byte{0x00, 0x00, 0x00, 0x00, 0x01, 0x0C, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0x3F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40},
			nil, nil},
		{5, false, 1, 1, -2, int64(1) << 53,
			"3.1415926536", "-0.50", "12.3400", "0.5000",
			float32(0.1), 0.1,
			d(1970, 1, 1), 100 * time.Nanosecond, 23*time.Hour + 59*time.Minute + 59*time.Second,
			dt(1969, 12, 31, 23, 59, 59, 999999900), dt(2000, 1, 1, 0, 0, 0, 1000000),
			dto(2000, 1, 1, 0, 0, 0, 0, 14*60), dt(1999, 12, 31, 23, 59, 59, 997000000), dt(1999, 12, 31, 23, 59, 0, 0),
			"N'x'      ", "' OR 1=1 --", "]]'[", "NULL", "N'", "\r", "\n", " ",
			[]byte{1}, []byte{0xDE, 0xAD, 0xBE, 0xEF}, []byte{}, []byte{0xFF},
			"01234567-89AB-CDEF-0123-456789ABCDEF", "<a/>",
			v(mssqltest.Column{Type: mssqltest.TypeDateTime2, Scale: 3}, dt(2020, 5, 17, 1, 2, 3, 4000000)),
			nil, nil, nil, nil},
		{6, nil, nil, nil, nil, nil, nil, nil, nil, nil, float32(-0.0), 1.0 / 3.0, nil, nil, nil, nil, nil, nil, nil, nil,
			nil, `C:\`, nil, `a\'b\`, nil, `\\server\share\`, nil, nil, nil, nil, nil, nil, nil, nil,
			v(mssqltest.Column{Type: mssqltest.TypeMoney}, "-12.3456"), nil, nil, nil, nil},
		{7, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, -2.5e-300, nil, nil, nil, nil, nil, nil, nil, nil,
			nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, "6F9619FF-8B86-D011-B42D-00C04FC964FF", nil,
			v(mssqltest.Column{Type: mssqltest.TypeUniqueIdentifier}, "6F9619FF-8B86-D011-B42D-00C04FC964FF"), nil, nil, nil, nil},
		{8, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, 1e300, nil, nil, nil, nil, nil, nil, nil, nil,
			nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil,
			v(mssqltest.Column{Type: mssqltest.TypeVarBinary, Length: 8}, []byte{0xDE, 0xAD}), nil, nil, nil, nil},
		{9, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil,
			nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil,
			v(mssqltest.Column{Type: mssqltest.TypeChar, Length: 5}, "ab'c "), nil, nil, nil, nil},
		{10, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil,
			nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil,
			v(mssqltest.Column{Type: mssqltest.TypeDateTimeOffset, Scale: 7}, dto(2021, 3, 4, 5, 6, 7, 800, 330)), nil, nil, nil, nil},
	}
	return t
}

// bigRune returns a deterministic multi-megabyte text with characters in
// and outside the BMP.
func bigText(n int) string {
	var b strings.Builder
	b.Grow(n * 2)
	parts := []string{"Lorem ipsum ", "dolor 'sit' ", "amet\r\nGO\r\n", "😀 ", "$(x) ", "ü "}
	for i := 0; b.Len() < n; i++ {
		b.WriteString(parts[i%len(parts)])
	}
	return b.String()
}

func bigBytes(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func bigValues() *Table {
	return &Table{Schema: "dbo", Name: "BigValues", Columns: []*Column{
		{Name: "id", Type: "int"},
		{Name: "big_n", Type: "nvarchar(max)", Nullable: true},
		{Name: "big_b", Type: "varbinary(max)", Nullable: true},
		{Name: "big_v", Type: "varchar(max)", Nullable: true},
	}, Indexes: []*Index{{Name: "PK_BigValues", Type: 1, PrimaryKey: true, Keys: []string{"id"}}},
		Rows: [][]any{{1, bigText(BigSize), bigBytes(BigSize), strings.Repeat("big varchar value ", BigSize/18)}}}
}

func empty() *Table {
	return &Table{Schema: "dbo", Name: "Empty", Columns: []*Column{
		{Name: "id", Type: "int", Identity: true, Seed: "1", Incr: "1", Last: "5"},
		{Name: "v", Type: "nvarchar(10)", Nullable: true},
	}, Indexes: []*Index{{Name: "PK_Empty", Type: 1, PrimaryKey: true, Keys: []string{"id"}}}}
}

func events() *Table {
	return &Table{Schema: "dbo", Name: "Events", Columns: []*Column{
		{Name: "EventTime", Type: "datetime2(3)"},
		{Name: "Kind", Type: "varchar(20)"},
		{Name: "Payload", Type: "nvarchar(200)", Nullable: true},
	}, Indexes: []*Index{{Name: "NCCI_Events", Type: 6, Included: []string{"EventTime", "Kind"}}},
		Compression: "ROW",
		Rows: [][]any{
			{dt(2024, 1, 1, 8, 0, 0, 0), "login", nil},
			{dt(2024, 1, 1, 8, 0, 0, 0), "login", nil},
			{dt(2024, 1, 1, 8, 0, 0, 0), "login", "duplicate rows in a heap"},
			{dt(2024, 1, 2, 9, 30, 0, 500000000), "logout", "bye"},
		}}
}

func facts() *Table {
	return &Table{Schema: "dbo", Name: "Facts", Columns: []*Column{
		{Name: "Day", Type: "date"},
		{Name: "Amount", Type: "decimal(12,2)"},
		{Name: "Qty", Type: "int"},
	}, Indexes: []*Index{{Name: "CCI_Facts", Type: 5, Scheme: "ps_FactsDay", PartitionColumn: "Day", Compression: []string{"COLUMNSTORE_ARCHIVE", "COLUMNSTORE"}}},
		Rows: [][]any{
			{d(2024, 1, 1), "10.50", 1},
			{d(2024, 1, 1), "99.99", 3},
			{d(2024, 1, 2), "0.01", 7},
		}}
}

// cache is a memory-optimized table (SQL Server 2014) with its rows
// (SCHEMA_AND_DATA): a hash primary key and a range index.
func cache() *Table {
	return &Table{Schema: "dbo", Name: "Cache", MemoryOptimized: true, Columns: []*Column{
		{Name: "k", Type: "int"},
		{Name: "v", Type: "varbinary(100)", Nullable: true},
		{Name: "expires", Type: "datetime2(0)"},
	}, Indexes: []*Index{{Name: "PK_Cache", Type: 7, PrimaryKey: true, Keys: []string{"k"}, BucketCount: 1024},
		{Name: "IX_Cache_expires", Type: 2, Keys: []string{"expires DESC"}}},
		Rows: [][]any{
			{1, []byte{0xCA, 0xFE}, d(2024, 1, 1)},
			{2, nil, d(2024, 1, 2)},
		}}
}

// cacheSessions is a memory-optimized table with DURABILITY =
// SCHEMA_ONLY: the server keeps no rows of it (the model has none).
func cacheSessions() *Table {
	return &Table{Schema: "dbo", Name: "CacheSessions", MemoryOptimized: true, Durability: "SCHEMA_ONLY", Columns: []*Column{
		{Name: "id", Type: "uniqueidentifier"},
		{Name: "login", Type: "nvarchar(128)"},
	}, Indexes: []*Index{{Name: "PK_CacheSessions", Type: 2, PrimaryKey: true, Keys: []string{"id"}},
		{Name: "IX_CacheSessions_login", Type: 7, Keys: []string{"login"}, BucketCount: 64}}}
}

// cacheKeyList is a memory-optimized table type (SQL Server 2014), which
// needs an index: a hash primary key.
func cacheKeyList() *TableType {
	return &TableType{Schema: "dbo", Name: "CacheKeyList", MemoryOptimized: true, Table: &Table{
		Columns: []*Column{{Name: "k", Type: "int"}},
		Indexes: []*Index{{Name: "PK__CacheKey__DF4C0D3E", Type: 7, PrimaryKey: true, Keys: []string{"k"}, BucketCount: 128}},
	}}
}

func oddTable() *Table {
	return &Table{Schema: "odd ]schema ü", Name: "Table ]with spaces 😀", Columns: []*Column{
		{Name: "id", Type: "int"},
		{Name: "col ]x", Type: "nvarchar(20)", Nullable: true},
		{Name: "ünïcødé col", Type: "nvarchar(20)", Nullable: true},
	}, Indexes: []*Index{{Name: "PK odd ]name", Type: 1, PrimaryKey: true, Keys: []string{"id DESC"}}},
		Rows: [][]any{{2, "two ]]", "zwei 😀"}, {1, "one", nil}}}
}

// legacy is a table created with SET ANSI_NULLS OFF, with a char column
// created with SET ANSI_PADDING OFF (its values are stored trimmed, as a
// varchar's) and a varchar column added with ANSI_PADDING ON.
// validity has a SYSTEM_TIME period but no system versioning.
func validity() *Table {
	return &Table{Schema: "dbo", Name: "Validity", Period: [2]string{"ValidFrom", "ValidTo"},
		Columns: []*Column{
			{Name: "id", Type: "int"},
			{Name: "ValidFrom", Type: "datetime2(7)", GeneratedAlways: 1},
			{Name: "ValidTo", Type: "datetime2(7)", GeneratedAlways: 2},
		}, Indexes: []*Index{{Name: "PK_Validity", Type: 1, PrimaryKey: true, Keys: []string{"id"}}},
		Rows: [][]any{{1, dt(2024, 3, 1, 8, 30, 0, 0), dt(9999, 12, 31, 23, 59, 59, 999999900)}}}
}

func legacy() *Table {
	return &Table{Schema: "dbo", Name: "Legacy", AnsiNullsOff: true, Columns: []*Column{
		{Name: "id", Type: "int"},
		{Name: "code", Type: "char(10)", Nullable: true, AnsiPaddingOff: true},
		{Name: "name", Type: "varchar(20)", Nullable: true},
	}, Indexes: []*Index{{Name: "PK_Legacy", Type: 1, PrimaryKey: true, Keys: []string{"id"}}},
		Rows: [][]any{{1, "ab", "x y  "}, {2, nil, ""}}}
}

// hostile is the table of Hostile names, with an identity.
func hostile() *Table {
	return &Table{Schema: "evil" + Hostile, Name: "t" + Hostile, Columns: []*Column{
		{Name: "id", Type: "int", Identity: true, Seed: "1", Incr: "1", Last: "2"},
		{Name: "c" + Hostile, Type: "nvarchar(40)", Nullable: true},
	}, Indexes: []*Index{
		{Name: "PK" + Hostile, Type: 1, PrimaryKey: true, Keys: []string{"id"}},
		{Name: "ix" + Hostile, Type: 2, Keys: []string{"c" + Hostile}},
	},
		Rows: [][]any{{1, "one"}, {2, Hostile}}}
}

func departments() *Table {
	return &Table{Schema: "hr", Name: "Departments", Columns: []*Column{
		{Name: "DeptID", Type: "int"},
		{Name: "Name", Type: "nvarchar(50)"},
		{Name: "ManagerID", Type: "int", Nullable: true},
	}, Indexes: []*Index{{Name: "PK_Departments", Type: 1, PrimaryKey: true, Keys: []string{"DeptID"}}},
		FKs:  []*FK{{Name: "FK_Departments_Manager", Columns: []string{"ManagerID"}, RefTable: "hr.Employees", RefColumns: []string{"EmpID"}}},
		Rows: [][]any{{1, "Engineering", 1}, {2, "Sales", 3}}}
}

func employees() *Table {
	return &Table{Schema: "hr", Name: "Employees", Columns: []*Column{
		{Name: "EmpID", Type: "int"},
		{Name: "Name", Type: "nvarchar(50)"},
		{Name: "DeptID", Type: "int"},
		{Name: "ManagerID", Type: "int", Nullable: true},
		{Name: "Salary", Type: "decimal(10,2)", Nullable: true, Masked: "random(1, 100)"},
	}, Indexes: []*Index{{Name: "PK_Employees", Type: 1, PrimaryKey: true, Keys: []string{"EmpID"}}},
		FKs: []*FK{
			{Name: "FK_Employees_Department", Columns: []string{"DeptID"}, RefTable: "hr.Departments", RefColumns: []string{"DeptID"}},
			{Name: "FK_Employees_Manager", Columns: []string{"ManagerID"}, RefTable: "hr.Employees", RefColumns: []string{"EmpID"}, Disabled: true},
		},
		Checks: []*Check{{Name: "CK_Employees_Salary", Column: "Salary", Definition: "([Salary]>=(0))", NotTrusted: true}},
		Rows: [][]any{
			{1, "Ada", 1, nil, "120000.00"},
			{2, "Linus", 1, 1, "95000.50"},
			{3, "Grace", 2, 1, nil},
		}}
}

func positions() *Table {
	return &Table{Schema: "hr", Name: "Positions", Temporal: 2, History: "hr.PositionsHistory",
		Period: [2]string{"ValidFrom", "ValidTo"}, Retention: 6, RetentionUnit: "MONTH",
		Columns: []*Column{
			{Name: "PositionID", Type: "int"},
			{Name: "Title", Type: "nvarchar(100)"},
			{Name: "ValidFrom", Type: "datetime2(7)", GeneratedAlways: 1, Hidden: true},
			{Name: "ValidTo", Type: "datetime2(7)", GeneratedAlways: 2, Hidden: true},
		}, Indexes: []*Index{{Name: "PK_Positions", Type: 1, PrimaryKey: true, Keys: []string{"PositionID"}}},
		Rows: [][]any{
			{1, "Engineer", dt(2024, 1, 1, 10, 0, 0, 123456700), dt(9999, 12, 31, 23, 59, 59, 999999900)},
			{2, "Manager", dt(2023, 6, 1, 0, 0, 0, 0), dt(9999, 12, 31, 23, 59, 59, 999999900)},
		}}
}

func positionsHistory() *Table {
	return &Table{Schema: "hr", Name: "PositionsHistory", Temporal: 1,
		Columns: []*Column{
			{Name: "PositionID", Type: "int"},
			{Name: "Title", Type: "nvarchar(100)"},
			{Name: "ValidFrom", Type: "datetime2(7)"},
			{Name: "ValidTo", Type: "datetime2(7)"},
		}, Indexes: []*Index{{Name: "ix_PositionsHistory", Type: 1, Keys: []string{"ValidTo", "ValidFrom"},
			// SQL Server creates a history table with PAGE compression.
			Compression: []string{"PAGE"}}},
		Rows: [][]any{
			{1, "Junior Engineer", dt(2020, 1, 1, 0, 0, 0, 0), dt(2024, 1, 1, 10, 0, 0, 123456700)},
		}}
}

func customers() *Table {
	return &Table{Schema: "sales", Name: "Customers", Columns: []*Column{
		{Name: "CustomerID", Type: "int", Identity: true, Seed: "1", Incr: "1", Last: "12"},
		{Name: "Name", Type: "nvarchar(100)"},
		{Name: "Phone", Type: "dbo.Phone", Nullable: true},
		{Name: "Email", Type: "varchar(200)", Nullable: true, Collation: "Latin1_General_CS_AS", Masked: "email()"},
		{Name: "RowGuid", Type: "uniqueidentifier", RowGUID: true, Default: "(newid())", DefaultName: "DF_Customers_RowGuid"},
		{Name: "CreatedAt", Type: "datetime2(3)", Default: "(sysutcdatetime())", DefaultName: "DF_Customers_CreatedAt"},
		{Name: "FullInfo", Type: "nvarchar(max)", Nullable: true, Computed: "(concat([Name],N' <',[Email],N'>'))"},
		{Name: "NameLength", Type: "int", Nullable: true, Computed: "(len([Name]))", Persisted: true},
		{Name: "Notes", Type: "nvarchar(max)", Nullable: true, Sparse: true},
		{Name: "ReferredBy", Type: "int", Nullable: true},
	}, Indexes: []*Index{
		{Name: "PK_Customers", Type: 1, PrimaryKey: true, Keys: []string{"CustomerID"}},
		{Name: "UQ_Customers_Email", Type: 2, UniqueConstraint: true, Keys: []string{"Email"}},
		{Name: "IX_Customers_Name", Type: 2, Keys: []string{"Name"}, Included: []string{"Email"}, Filter: "([Email] IS NOT NULL)"},
	},
		FKs:    []*FK{{Name: "FK_Customers_ReferredBy", Columns: []string{"ReferredBy"}, RefTable: "sales.Customers", RefColumns: []string{"CustomerID"}}},
		Checks: []*Check{{Name: "CK_Customers_Name", Definition: "(len([Name])>(0))"}},
		Stats:  []*Stats{{Name: "ST_Customers_Phone", Columns: []string{"Phone"}}},
		FullText: &FulltextIndex{Catalog: "ftc_Sample", KeyIndex: "PK_Customers", ChangeTracking: "MANUAL", Stoplist: "sl_Sample",
			Columns: []FulltextColumn{{Name: "Name", Language: 1033}, {Name: "Email", Language: 0}}},
		Rows: [][]any{
			{1, "Ann O'Neil", "+1 555 0100", "ann@example.com", "1B4E28BA-2FA1-11D2-883F-0016D3CCA427", dt(2024, 1, 1, 9, 0, 0, 0), nil, nil, nil, nil},
			{2, "Bob \"Bobby\" Tables", nil, "bob@example.com", "1B4E28BA-2FA1-11D2-883F-0016D3CCA428", dt(2024, 1, 2, 9, 0, 0, 0), nil, nil, "Robert'); DROP TABLE Students;--", 1},
			{3, "Zoë 😀", "+49 30 1234", nil, "1B4E28BA-2FA1-11D2-883F-0016D3CCA429", dt(2024, 1, 3, 9, 0, 0, 0), nil, nil, Special, 1},
			{4, "GO", nil, "go@example.com", "1B4E28BA-2FA1-11D2-883F-0016D3CCA42A", dt(2024, 1, 4, 9, 0, 0, 0), nil, nil, nil, 2},
			{12, "Last", nil, "LAST@example.com", "1B4E28BA-2FA1-11D2-883F-0016D3CCA42B", dt(2024, 1, 5, 9, 0, 0, 999000000), nil, nil, nil, nil},
		}}
}

func orders() *Table {
	return &Table{Schema: "sales", Name: "Orders", Columns: []*Column{
		{Name: "OrderID", Type: "bigint", Default: "(NEXT VALUE FOR [sales].[OrderNumbers])", DefaultName: "DF_Orders_OrderID",
			DefaultObjectRefs: []string{"sales.OrderNumbers"}},
		{Name: "CustomerID", Type: "int"},
		{Name: "OrderDate", Type: "date"},
		{Name: "Total", Type: "dbo.Amount", Nullable: true},
		{Name: "Status", Type: "tinyint", Default: "((0))", DefaultName: "DF_Orders_Status"},
		{Name: "Tax", Type: "money", Nullable: true, Computed: "([dbo].[fn_Tax]([Total]))", ComputedRefs: []string{"dbo.fn_Tax"}},
		{Name: "RowVer", Type: "rowversion"},
	}, Indexes: []*Index{
		{Name: "PK_Orders", Type: 1, PrimaryKey: true, Keys: []string{"OrderID"}},
		{Name: "IX_Orders_Customer", Type: 2, Keys: []string{"CustomerID", "OrderDate DESC"}, FillFactor: 80, Padded: true, Compression: []string{"ROW"}},
		{Name: "IX_Orders_Status", Type: 2, Keys: []string{"Status"}, Disabled: true, NoPageLocks: true},
	},
		Stats: []*Stats{{Name: "ST_Orders_Open", Columns: []string{"CustomerID", "OrderDate"}, Filter: "([Status]=(0))", NoRecompute: true}},
		FKs:   []*FK{{Name: "FK_Orders_Customers", Columns: []string{"CustomerID"}, RefTable: "sales.Customers", RefColumns: []string{"CustomerID"}, OnDelete: 1}},
		Rows: [][]any{
			{int64(1000), 1, d(2024, 2, 1), "100.0000", 0, nil, nil},
			{int64(1001), 1, d(2024, 2, 2), "-0.0001", 1, nil, nil},
			{int64(1002), 2, d(2024, 2, 3), nil, 2, nil, nil},
			{int64(1041), 12, d(2024, 3, 1), "999999999999999.9999", 0, nil, nil},
		}}
}

func orderLines() *Table {
	return &Table{Schema: "sales", Name: "OrderLines", Columns: []*Column{
		{Name: "OrderID", Type: "bigint"},
		{Name: "LineNo", Type: "smallint"},
		{Name: "ProductID", Type: "int"},
		{Name: "Quantity", Type: "smallint"},
		{Name: "Price", Type: "money"},
	}, Indexes: []*Index{{Name: "PK_OrderLines", Type: 1, PrimaryKey: true, Keys: []string{"OrderID", "LineNo"}, Compression: []string{"PAGE"}}},
		FKs:    []*FK{{Name: "FK_OrderLines_Orders", Columns: []string{"OrderID"}, RefTable: "sales.Orders", RefColumns: []string{"OrderID"}, OnDelete: 1, OnUpdate: 1}},
		Checks: []*Check{{Name: "CK_OrderLines_Quantity", Column: "Quantity", Definition: "([Quantity]>(0))"}},
		Rows: [][]any{
			{int64(1000), 1, 7, 2, "25.0000"},
			{int64(1000), 2, 8, 1, "50.0000"},
			{int64(1001), 1, 7, 1, "0.0001"},
		}}
}

// NoteSchema is the XML schema collection dbo.NoteSchema as
// XML_SCHEMA_NAMESPACE reconstructs it: one schema, with a quote in an
// enumeration value.
const NoteSchema = `<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:sqlvault:note" targetNamespace="urn:sqlvault:note" elementFormDefault="qualified">` +
	`<xsd:element name="note"><xsd:complexType><xsd:complexContent><xsd:restriction base="xsd:anyType"><xsd:sequence>` +
	`<xsd:element name="to" type="xsd:string"/><xsd:element name="body" type="xsd:string"/></xsd:sequence>` +
	`<xsd:attribute name="kind" type="t:kind"/></xsd:restriction></xsd:complexContent></xsd:complexType></xsd:element>` +
	`<xsd:simpleType name="kind"><xsd:restriction base="xsd:string"><xsd:enumeration value="memo"/><xsd:enumeration value="it's"/></xsd:restriction></xsd:simpleType></xsd:schema>`

// documents has typed xml columns: a DOCUMENT and a CONTENT (several
// top-level elements) of dbo.NoteSchema, with values valid against it.
func documents() *Table {
	return &Table{Schema: "dbo", Name: "Documents", Columns: []*Column{
		{Name: "id", Type: "int"},
		{Name: "Doc", Type: "xml", XMLCollection: "dbo.NoteSchema", XMLDocument: true},
		{Name: "Extra", Type: "xml", Nullable: true, XMLCollection: "dbo.NoteSchema"},
	}, Indexes: []*Index{{Name: "PK_Documents", Type: 1, PrimaryKey: true, Keys: []string{"id"}},
		// XML indexes on the typed xml (they need the clustered primary
		// key): a primary one and a secondary PATH one with options.
		{Name: "PXML_Documents_Doc", Type: 3, Column: "Doc"},
		{Name: "IXML_Documents_Doc_Path", Type: 3, Column: "Doc", XMLPrimary: "PXML_Documents_Doc", XMLFor: "PATH", FillFactor: 90, Padded: true}},
		Rows: [][]any{
			{1, `<t:note xmlns:t="urn:sqlvault:note" kind="memo"><t:to>Ann</t:to><t:body>GO</t:body></t:note>`, nil},
			{2, `<t:note xmlns:t="urn:sqlvault:note" kind="it's"><t:to>Zoë 😀</t:to><t:body>a &lt;b&gt; and $(x)</t:body></t:note>`,
				`<t:note xmlns:t="urn:sqlvault:note"><t:to>1</t:to><t:body>one</t:body></t:note><t:note xmlns:t="urn:sqlvault:note"><t:to>2</t:to><t:body>two</t:body></t:note>`},
		}}
}

// tenantNotes is the table of the row-level security policies.
func tenantNotes() *Table {
	return &Table{Schema: "sales", Name: "TenantNotes", Columns: []*Column{
		{Name: "NoteID", Type: "int"},
		{Name: "TenantID", Type: "int"},
		{Name: "Note", Type: "nvarchar(100)"},
	}, Indexes: []*Index{{Name: "PK_TenantNotes", Type: 1, PrimaryKey: true, Keys: []string{"NoteID"}}},
		Rows: [][]any{{1, 1, "first tenant"}, {2, 2, "second tenant"}, {3, 1, "it's the first again"}}}
}

func modules() []*Module {
	on := func(m *Module) *Module { m.AnsiNulls, m.QuotedIdentifier = true, true; return m }
	return []*Module{
		on(&Module{Schema: "dbo", Name: "fn_Tax", Type: "FN", SchemaBound: true, Definition: "CREATE FUNCTION [dbo].[fn_Tax] (@amount money)\r\nRETURNS money\r\nWITH SCHEMABINDING\r\nAS\r\nBEGIN\r\n    RETURN @amount * 0.2;\r\nEND"}),
		on(&Module{Schema: "dbo", Name: "fn_Numbers", Type: "TF", Definition: "CREATE FUNCTION dbo.fn_Numbers (@n int)\nRETURNS @t TABLE (n int NOT NULL PRIMARY KEY)\nAS\nBEGIN\n    DECLARE @i int = 1;\n    WHILE @i <= @n BEGIN INSERT @t VALUES (@i); SET @i += 1; END;\n    RETURN;\nEND\n"}),
		on(&Module{Schema: "sales", Name: "fn_CustomerOrders", Type: "IF", References: []string{"sales.Orders"},
			Definition: "CREATE FUNCTION sales.fn_CustomerOrders (@CustomerID int)\nRETURNS TABLE\nAS\nRETURN SELECT OrderID, OrderDate, Total FROM sales.Orders WHERE CustomerID = @CustomerID;"}),
		// The predicate function of the security policies: an inline,
		// schema-bound function.
		on(&Module{Schema: "sales", Name: "fn_TenantAccess", Type: "IF", SchemaBound: true,
			Definition: "CREATE FUNCTION sales.fn_TenantAccess (@TenantID int)\nRETURNS TABLE\nWITH SCHEMABINDING\nAS\nRETURN SELECT 1 AS allowed\nWHERE @TenantID = CONVERT(int, SESSION_CONTEXT(N'TenantID')) OR IS_MEMBER(N'db_owner') = 1;"}),
		on(&Module{Schema: "sales", Name: "CustomerOrders", Type: "V", References: []string{"sales.Customers", "sales.Orders"}, Owner: "reporting",
			Definition: "-- Orders with their customers\nCREATE VIEW sales.CustomerOrders\nAS\nSELECT c.CustomerID, c.Name, o.OrderID, o.OrderDate, o.Total\nFROM sales.Customers AS c\nJOIN sales.Orders AS o ON o.CustomerID = c.CustomerID;"}),
		on(&Module{Schema: "sales", Name: "OrderTotals", Type: "V", SchemaBound: true, References: []string{"sales.Orders"},
			Definition: "CREATE VIEW sales.OrderTotals\nWITH SCHEMABINDING\nAS\nSELECT CustomerID, COUNT_BIG(*) AS OrderCount\nFROM sales.Orders\nGROUP BY CustomerID;",
			Indexes:    []*Index{{Name: "IX_OrderTotals", Type: 1, Unique: true, Keys: []string{"CustomerID"}}}}),
		on(&Module{Schema: "sales", Name: "usp_AddOrder", Type: "P", References: []string{"sales.Orders", "sales.OrderLines", "sales.OrderNumbers"},
			TypeReferences: []string{"sales.OrderLineList"},
			Definition:     "CREATE PROCEDURE sales.usp_AddOrder\n    @CustomerID int,\n    @Lines sales.OrderLineList READONLY\nAS\nBEGIN\n    SET NOCOUNT ON;\n    DECLARE @id bigint = NEXT VALUE FOR sales.OrderNumbers;\n    INSERT sales.Orders (OrderID, CustomerID, OrderDate) VALUES (@id, @CustomerID, CAST(SYSDATETIME() AS date));\n    INSERT sales.OrderLines (OrderID, [LineNo], ProductID, Quantity, Price)\n    SELECT @id, ROW_NUMBER() OVER (ORDER BY ProductID), ProductID, Quantity, 0 FROM @Lines;\n    SELECT @id AS OrderID;\nEND"}),
		on(&Module{Schema: "sales", Name: "usp_OrderCount", Type: "P", References: []string{"sales.Orders"}, ExecuteAs: "app_user",
			Definition: "CREATE PROCEDURE sales.usp_OrderCount\nWITH EXECUTE AS 'app_user'\nAS\nSELECT COUNT(*) AS Orders FROM sales.Orders;"}),
		// Renamed (sp_rename) and moved to another schema (ALTER SCHEMA ...
		// TRANSFER) after it was created: its definition keeps its first name.
		on(&Module{Schema: "sales", Name: "usp_CustomerCount", Type: "P", References: []string{"sales.Customers"},
			Definition: "-- Renamed and moved to sales after it was created: its definition keeps its first name.\nCREATE PROCEDURE dbo.usp_CustomerCount_Old\nAS\nSELECT COUNT(*) AS Customers FROM sales.Customers;"}),
		on(&Module{Schema: "dbo", Name: "usp_A", Type: "P", References: []string{"dbo.usp_B"},
			Definition: "CREATE PROCEDURE dbo.usp_A @depth int = 0\nAS\nIF @depth < 3 EXEC dbo.usp_B @depth = @depth;"}),
		on(&Module{Schema: "dbo", Name: "usp_B", Type: "P", References: []string{"dbo.usp_A"},
			Definition: "CREATE PROCEDURE dbo.usp_B @depth int = 0\nAS\nDECLARE @next int = @depth + 1;\nEXEC dbo.usp_A @depth = @next;"}),
		on(&Module{Schema: "dbo", Name: "usp_Weird", Type: "P",
			Definition: "CREATE PROCEDURE dbo.usp_Weird\nAS\n/* a comment with a line that is just\nGO\nwhich sqlcmd would split */\nSELECT N'$(notavar)' AS v, N'it''s' AS q;"}),
		on(&Module{Schema: "dbo", Name: "usp_Path", Type: "P",
			Definition: "CREATE PROCEDURE dbo.usp_Path\nAS\nDECLARE @p varchar(260);\nSET @p = 'C:\\';\nSELECT @p AS root;"}),
		on(&Module{Schema: "dbo", Name: "usp_Secret", Type: "P", Encrypted: true}),
		{Schema: "dbo", Name: "clr_Hello", Type: "FS"},
		on(&Module{Schema: "sales", Name: "trg_Orders_Audit", Type: "TR", Parent: "sales.Orders", References: []string{"sales.Orders"},
			Order:      []TriggerOrder{{Event: "INSERT", First: true}},
			Definition: "CREATE TRIGGER sales.trg_Orders_Audit ON sales.Orders\nAFTER INSERT\nAS\nBEGIN\n    SET NOCOUNT ON;\n    UPDATE o SET Status = 1 FROM sales.Orders AS o JOIN inserted AS i ON i.OrderID = o.OrderID WHERE o.Status = 0;\nEND"}),
		// A second AFTER INSERT trigger on the table: it fires last, the
		// one above first (sp_settriggerorder).
		on(&Module{Schema: "sales", Name: "trg_Orders_Check", Type: "TR", Parent: "sales.Orders", References: []string{"sales.Orders"},
			Order:      []TriggerOrder{{Event: "INSERT"}},
			Definition: "CREATE TRIGGER sales.trg_Orders_Check ON sales.Orders\nAFTER INSERT\nAS\nBEGIN\n    SET NOCOUNT ON;\n    IF EXISTS (SELECT 1 FROM inserted WHERE OrderDate < '20000101')\n        THROW 50001, N'order date before 2000', 1;\nEND"}),
		// Created while its table was named hr.Staff (renamed back since).
		{Schema: "hr", Name: "trg_Employees_NoDelete", Type: "TR", Parent: "hr.Employees", Disabled: true, InsteadOf: true,
			QuotedIdentifier: true, Definition: "CREATE TRIGGER hr.trg_Employees_NoDelete ON hr.Staff\nINSTEAD OF DELETE\nAS\n    RAISERROR ('Employees are never deleted', 16, 1);"},
	}
}

// NewDB returns a database of the given tables and nothing else, with
// snapshot isolation on, for tests that need tables of their own (their
// rows generated as they are sent, with Gen and NRows, if large).
func NewDB(name string, tables ...*Table) *DB {
	db := &DB{Name: name, Collation: "SQL_Latin1_General_CP1_CI_AS", Compatibility: 160, SnapshotIsolation: true, Tables: tables}
	db.Build()
	return db
}

// Bench returns a database "bench" with one table dbo.Mixed of n rows of
// mixed types, generated as they are sent; its key id is a bigint
// identity whose last value is n.
func Bench(n int64) *DB {
	db := &DB{Name: "bench", Collation: "SQL_Latin1_General_CP1_CI_AS", Compatibility: 160, SnapshotIsolation: true}
	base := dt(2020, 1, 1, 0, 0, 0, 0)
	words := []string{"alpha", "beta", "gamma", "delta", "it's", "ünïcødé", "😀 emoji", "GO", "$(x)"}
	t := &Table{Schema: "dbo", Name: "Mixed", NRows: n, Columns: []*Column{
		{Name: "id", Type: "bigint", Identity: true, Seed: "1", Incr: "1", Last: benchLast(n)},
		{Name: "customer", Type: "int"},
		{Name: "name", Type: "nvarchar(100)"},
		{Name: "amount", Type: "decimal(12,2)"},
		{Name: "ratio", Type: "float", Nullable: true},
		{Name: "created", Type: "datetime2(3)"},
		{Name: "flag", Type: "bit"},
		{Name: "code", Type: "varchar(20)", Nullable: true},
		{Name: "guid", Type: "uniqueidentifier"},
		{Name: "blob", Type: "varbinary(32)", Nullable: true},
	}, Indexes: []*Index{{Name: "PK_Mixed", Type: 1, PrimaryKey: true, Keys: []string{"id"}}}}
	t.Gen = func(i int64) []any {
		x := uint64(i)*0x9E3779B97F4A7C15 + 1
		x ^= x >> 31
		var ratio, code, blob any
		if x%7 != 0 {
			ratio = float64(x%100000) / 997.0
			code = "C-" + itoa(int64(x%1000000))
			blob = []byte{byte(x), byte(x >> 8), byte(x >> 16), byte(x >> 24)}
		}
		var g [16]byte
		for k := 0; k < 16; k++ {
			g[k] = byte(x >> (k % 8 * 8))
		}
		cents := int64(x % 100000000)
		return []any{i + 1, int64(x % 50000), words[x%uint64(len(words))] + " " + itoa(int64(x%997)),
			itoa(cents/100) + "." + itoa2(cents%100), ratio, base.Add(time.Duration(i) * time.Second),
			x%2 == 0, code, g, blob}
	}
	db.Tables = []*Table{t}
	db.Build()
	return db
}

// benchLast is the last identity value of a Bench table of n rows, ""
// (NULL) when none was given out.
func benchLast(n int64) string {
	if n == 0 {
		return ""
	}
	return itoa(n)
}

func itoa2(n int64) string {
	if n < 10 {
		return "0" + itoa(n)
	}
	return itoa(n)
}

// graphTables are node and edge tables (SQL Server 2017; the edge
// constraint 2019): graph.City, whose key is text (one with a quote), and
// graph.Person, whose nodes 1 and 2 were deleted and one inserted again,
// so that graph ids and keys differ; graph.livesIn, with an edge
// constraint, and graph.knows, without one, whose edges go to both node
// tables, with an index on ($from_id, $to_id). The rows of the edges are
// in the order of their data query (their ends' node tables by object id,
// then keys).
func graphTables() []*Table {
	city := &Table{Schema: "graph", Name: "City", Node: true, Columns: []*Column{
		{Name: "Code", Type: "nvarchar(10)"},
		{Name: "Name", Type: "nvarchar(50)"},
	}, Indexes: []*Index{
		{Name: "PK_City", Type: 1, PrimaryKey: true, Keys: []string{"Code"}},
		{Name: "GRAPH_UNIQUE_INDEX_5C6A0F1E2D3B4A5968778695A4B3C2D1", Type: 2, Unique: true, Keys: []string{"$node_id"}},
	}, Rows: [][]any{{"LON", "London"}, {"Q'T", "Quote Town"}, {"ZRH", "Zürich"}}}
	person := &Table{Schema: "graph", Name: "Person", Node: true, Columns: []*Column{
		{Name: "ID", Type: "int"},
		{Name: "Name", Type: "nvarchar(50)"},
	}, Indexes: []*Index{
		{Name: "PK_Person", Type: 1, PrimaryKey: true, Keys: []string{"ID"}},
		{Name: "GRAPH_UNIQUE_INDEX_0E1D2C3B4A5948675645342312F1E0D9", Type: 2, Unique: true, Keys: []string{"$node_id"}},
	}, Rows: [][]any{{1, "Ada"}, {2, "Grace"}, {4, "Edsger"}}, NodeIDs: []int64{0, 3, 4}}
	knows := &Table{Schema: "graph", Name: "knows", Edge: true, Columns: []*Column{
		{Name: "rating", Type: "int", Nullable: true},
	}, Indexes: []*Index{
		{Name: "GRAPH_UNIQUE_INDEX_7F6E5D4C3B2A41908F7E6D5C4B3A2918", Type: 2, Unique: true, Keys: []string{"$edge_id"}},
		{Name: "IX_knows_ends", Type: 2, Keys: []string{"$from_id", "$to_id"}},
	}, Rows: [][]any{{1}, {5}, {4}, {3}}, Ends: [][2]NodeRef{
		{{"graph.Person", 0}, {"graph.City", 0}},
		{{"graph.Person", 0}, {"graph.Person", 3}},
		{{"graph.Person", 3}, {"graph.Person", 0}},
		{{"graph.Person", 4}, {"graph.Person", 3}},
	}}
	livesIn := &Table{Schema: "graph", Name: "livesIn", Edge: true, Columns: []*Column{
		{Name: "since", Type: "date", Nullable: true},
	}, Indexes: []*Index{
		{Name: "GRAPH_UNIQUE_INDEX_18293A4B5C6D4E7F8091A2B3C4D5E6F7", Type: 2, Unique: true, Keys: []string{"$edge_id"}},
	}, EdgeConstraints: []*EdgeConstraint{{Name: "EC_livesIn", Clauses: [][2]string{{"graph.Person", "graph.City"}}, Cascade: true}},
		Rows: [][]any{{d(2020, 1, 1)}, {nil}, {d(1970, 5, 11)}}, Ends: [][2]NodeRef{
			{{"graph.Person", 0}, {"graph.City", 0}},
			{{"graph.Person", 3}, {"graph.City", 2}},
			{{"graph.Person", 4}, {"graph.City", 1}},
		}}
	return []*Table{city, person, knows, livesIn}
}
