package mssql

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// indexOf returns the position of s in text, failing the test if absent.
func indexOf(t *testing.T, text, s string) int {
	t.Helper()
	i := strings.Index(text, s)
	if i < 0 {
		t.Fatalf("%q not found", s)
	}
	return i
}

// TestDependencyOrder checks the order of the schema and data scripts:
// users before the modules that may execute as them, a function used by a
// computed column before its table, types before what uses them, tables
// of a foreign key cycle in a fixed order, and data parent tables first.
func TestDependencyOrder(t *testing.T) {
	s := newTestServer(t, nil)
	sink := &memSink{}
	m, err := Script(context.Background(), s.connect("sample"), sink, s.options("sample"))
	if err != nil {
		t.Fatal(err)
	}
	schema := string(sink.files[SchemaFile])
	before := func(a, b string) {
		t.Helper()
		if indexOf(t, schema, a) > indexOf(t, schema, b) {
			t.Errorf("%q comes after %q", a, b)
		}
	}
	before("CREATE SCHEMA [sales]", "CREATE TYPE [dbo].[Phone]")
	before("CREATE TYPE [dbo].[Amount]", "CREATE TABLE [sales].[Orders]")
	before("CREATE FUNCTION [dbo].[fn_Tax]", "CREATE TABLE [sales].[Orders]")
	before("CREATE SEQUENCE [sales].[OrderNumbers]", "CREATE TABLE [sales].[Orders]")
	before("CREATE TABLE [sales].[Orders]", "CREATE VIEW [sales].[CustomerOrders]")
	before("CREATE TYPE [sales].[OrderLineList]", "CREATE PROCEDURE [sales].[usp_AddOrder]")
	before("CREATE TABLE [hr].[Departments]", "CREATE TABLE [hr].[Employees]")
	before("CREATE PROCEDURE [dbo].[usp_A]", "CREATE PROCEDURE [dbo].[usp_B]")
	// A procedure WITH EXECUTE AS 'app_user' needs the user: users come
	// right after the schemas.
	before("CREATE SCHEMA [sales]", "CREATE USER [app_user]")
	before("CREATE USER [app_user]", "CREATE TYPE [dbo].[Amount]")
	before("CREATE USER [app_user]", "CREATE PROCEDURE [sales].[usp_OrderCount]\nWITH EXECUTE AS ''app_user''")
	if strings.Contains(schema, "FOREIGN KEY") || strings.Contains(schema, "CREATE TRIGGER") {
		t.Error("foreign keys or triggers in schema.sql: they belong after the data")
	}
	var order []string
	for _, f := range m.Files {
		order = append(order, f)
	}
	joined := strings.Join(order, "\n")
	for _, pair := range [][2]string{
		{"data/sales.Customers.sql", "data/sales.Orders.sql"},
		{"data/sales.Orders.sql", "data/sales.OrderLines.sql"},
		{"data/hr.Departments.sql", "data/hr.Employees.sql"},
		{SchemaFile, "data/dbo.AllTypes.sql"},
		{"data/sales.OrderLines.sql", PostDataFile},
		{PostDataFile, SecurityFile},
	} {
		if indexOf(t, joined, pair[0]) > indexOf(t, joined, pair[1]) {
			t.Errorf("%s is run after %s", pair[0], pair[1])
		}
	}
	post := string(sink.files[PostDataFile])
	for _, want := range []string{
		"ALTER TABLE [hr].[Departments] WITH CHECK ADD CONSTRAINT [FK_Departments_Manager] FOREIGN KEY ([ManagerID]) REFERENCES [hr].[Employees] ([EmpID])",
		"ALTER TABLE [hr].[Employees] WITH NOCHECK ADD CONSTRAINT [FK_Employees_Manager] FOREIGN KEY ([ManagerID]) REFERENCES [hr].[Employees] ([EmpID])",
		"ALTER TABLE [hr].[Employees] NOCHECK CONSTRAINT [FK_Employees_Manager];",
		"ON DELETE CASCADE ON UPDATE CASCADE",
		"CREATE NONCLUSTERED INDEX [IX_Customers_Name] ON [sales].[Customers] ([Name] ASC) INCLUDE ([Email]) WHERE ([Email] IS NOT NULL);",
		"CREATE NONCLUSTERED INDEX [IX_Orders_Customer] ON [sales].[Orders] ([CustomerID] ASC, [OrderDate] DESC) WITH (PAD_INDEX = ON, FILLFACTOR = 80, DATA_COMPRESSION = ROW);",
		"\n-- Statistics [ST_Orders_Open] on [sales].[Orders]\nCREATE STATISTICS [ST_Orders_Open] ON [sales].[Orders] ([CustomerID], [OrderDate]) WHERE ([Status]=(0)) WITH NORECOMPUTE;\nGO\n",
		"\n-- Statistics [ST_Customers_Phone] on [sales].[Customers]\nCREATE STATISTICS [ST_Customers_Phone] ON [sales].[Customers] ([Phone]);\nGO\n",
		"CREATE CLUSTERED COLUMNSTORE INDEX [CCI_Facts] ON [dbo].[Facts] WITH (DATA_COMPRESSION = COLUMNSTORE_ARCHIVE ON PARTITIONS (1)) ON [ps_FactsDay] ([Day]);",
		"CREATE NONCLUSTERED COLUMNSTORE INDEX [NCCI_Events] ON [dbo].[Events] ([EventTime], [Kind]);",
		"CREATE UNIQUE CLUSTERED INDEX [IX_OrderTotals] ON [sales].[OrderTotals] ([CustomerID] ASC);",
		"ALTER TABLE [hr].[Positions] ADD PERIOD FOR SYSTEM_TIME ([ValidFrom], [ValidTo]);",
		"ALTER TABLE [hr].[Positions] ALTER COLUMN [ValidFrom] ADD HIDDEN;",
		"ALTER TABLE [hr].[Positions] SET (SYSTEM_VERSIONING = ON (HISTORY_TABLE = [hr].[PositionsHistory], DATA_CONSISTENCY_CHECK = ON));",
		"SET ANSI_NULLS OFF;\nSET QUOTED_IDENTIFIER ON;\nGO\nDECLARE @sql nvarchar(max) = REPLACE(CAST(N'CREATE TRIGGER [hr].[trg_Employees_NoDelete] ON [hr].[Employees]",
		"DISABLE TRIGGER [hr].[trg_Employees_NoDelete] ON [hr].[Employees];",
		"ALTER INDEX [IX_Orders_Status] ON [sales].[Orders] DISABLE;",
		"DBCC CHECKIDENT ([sales].[Customers], RESEED, 12) WITH NO_INFOMSGS;",
		"DBCC CHECKIDENT ([dbo].[Empty], RESEED, 6) WITH NO_INFOMSGS;",
		"ALTER SEQUENCE [sales].[OrderNumbers] RESTART WITH 1042;",
		"3 AS int)",
		");\nIF OBJECT_ID(N'[dbo].[usp_A]') IS NOT NULL\n    EXEC sys.sp_addextendedproperty @name = N'Version', @value = @value, @level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'PROCEDURE', @level1name = N'usp_A';",
		"@level2type = N'COLUMN', @level2name = N'Email'",
		"@level2type = N'INDEX', @level2name = N'IX_Customers_Name'",
	} {
		if !strings.Contains(post, want) {
			t.Errorf("post-data.sql lacks %q", want)
		}
	}
	if strings.Contains(post, "[dbo].[Ticket] RESTART") {
		t.Error("an unused sequence was restarted")
	}
	if i, j := indexOf(t, post, "FOREIGN KEY"), indexOf(t, post, "CREATE TRIGGER"); i > j {
		t.Error("triggers before foreign keys")
	}
	if i, j := indexOf(t, post, "CREATE UNIQUE CLUSTERED INDEX [IX_OrderTotals]"), indexOf(t, post, "CREATE STATISTICS"); i > j {
		t.Error("statistics before the indexes")
	}
	// Data compression: a heap, a primary key, a nonclustered index (the
	// columnstore index whose partitions differ: above). The partitioned
	// table is created on its scheme, after the function and the scheme.
	for _, want := range []string{
		"    [Payload] nvarchar(200) COLLATE SQL_Latin1_General_CP1_CI_AS NULL\n) WITH (DATA_COMPRESSION = ROW);\nGO\n",
		"    CONSTRAINT [PK_OrderLines] PRIMARY KEY CLUSTERED ([OrderID] ASC, [LineNo] ASC) WITH (DATA_COMPRESSION = PAGE)\n);\nGO\n",
		"CREATE SCHEMA [reports] AUTHORIZATION [dbo];\nGO\n",
		"    [Qty] int NOT NULL\n) ON [ps_FactsDay] ([Day]);\nGO\n",
	} {
		if !strings.Contains(schema, want) {
			t.Errorf("schema.sql lacks %q", want)
		}
	}
	before("CREATE PARTITION FUNCTION [pf_FactsDay]", "CREATE PARTITION SCHEME [ps_FactsDay]")
	before("CREATE PARTITION SCHEME [ps_FactsDay]", "CREATE TYPE [dbo].[Amount]")
	before("CREATE PARTITION SCHEME [ps_FactsDay]", "CREATE TABLE [dbo].[AllTypes]")
	table := string(sink.files["data/sales.Orders.sql"])
	if strings.Contains(table, "[RowVer]") || strings.Contains(table, "[Tax]") {
		t.Error("computed or rowversion columns in INSERT")
	}
	cust := string(sink.files["data/sales.Customers.sql"])
	if !strings.Contains(cust, "SET IDENTITY_INSERT [sales].[Customers] ON;") || strings.Contains(cust, "[FullInfo]") || strings.Contains(cust, "[NameLength]") {
		t.Errorf("customers data: %.500s", cust)
	}
	create := schema[indexOf(t, schema, "CREATE TABLE [sales].[Customers]"):]
	create = create[:indexOf(t, create, "GO\n")]
	mustContain(t, "CREATE TABLE [sales].[Customers]", create,
		"[CustomerID] int IDENTITY(1,1) NOT NULL",
		"[Phone] [dbo].[Phone] NULL",
		"[Email] varchar(200) COLLATE Latin1_General_CS_AS NULL",
		"[RowGuid] uniqueidentifier ROWGUIDCOL NOT NULL CONSTRAINT [DF_Customers_RowGuid] DEFAULT (newid())",
		"[FullInfo] AS (concat([Name],N' <',[Email],N'>'))",
		"[NameLength] AS (len([Name])) PERSISTED",
		"[Notes] nvarchar(max) COLLATE SQL_Latin1_General_CP1_CI_AS SPARSE NULL",
		"CONSTRAINT [PK_Customers] PRIMARY KEY CLUSTERED ([CustomerID] ASC)",
		"CONSTRAINT [UQ_Customers_Email] UNIQUE NONCLUSTERED ([Email] ASC)")
	if !strings.Contains(schema, "CREATE TABLE [odd ]]schema ü].[Table ]]with spaces 😀] (") ||
		!strings.Contains(schema, "[col ]]x] nvarchar(20)") ||
		!strings.Contains(schema, "CONSTRAINT [PK odd ]]name] PRIMARY KEY CLUSTERED ([id] DESC)") {
		t.Error("the table with odd names is not scripted right")
	}
	odd := string(sink.files["data/odd%20%5Dschema%20ü.Table%20%5Dwith%20spaces%20%F0%9F%98%80.sql"])
	if !strings.Contains(odd, "(2, N'two ]]', N'zwei 😀'),\n(1, N'one', NULL);") {
		t.Errorf("odd table data (descending key order):\n%s", odd)
	}
	if !strings.Contains(string(sink.files[MasterFile]), includeLine("data/odd%20%5Dschema%20ü.Table%20%5Dwith%20spaces%20%F0%9F%98%80.sql")) {
		t.Error("master script lacks the odd table")
	}
}

// TestUnscripted checks that objects the scripter cannot script are
// listed in the manifest and warned about.
func TestUnscripted(t *testing.T) {
	s := newTestServer(t, nil)
	opts := s.options("sample")
	var warned []string
	opts.Warn = func(what string, err error) { warned = append(warned, what+": "+err.Error()) }
	sink := &memSink{}
	m, err := Script(context.Background(), s.connect("sample"), sink, opts)
	if err != nil {
		t.Fatal(err)
	}
	broker := "; to do: create the Service Broker objects by hand on the target (CREATE MESSAGE TYPE, CONTRACT, QUEUE, SERVICE, ROUTE, REMOTE SERVICE BINDING, in that order; SSMS Generate Scripts writes them) and enable the broker (ALTER DATABASE ... SET ENABLE_BROKER); messages in queues are not copied"
	clr := "; to do: create the assembly on the target (CREATE ASSEMBLY from its bits in sys.assembly_files on the source; needs 'clr enabled'), then the object with EXTERNAL NAME"
	want := []string{
		"assembly [SampleClr]: not scripted: CLR assemblies are not scripted" + clr,
		"change tracking [sample]: not scripted: change tracking is enabled again after the data (post-data.sql), but the tracked changes are not copied: the restored database starts a new change history; to do: clients that synchronize with CHANGETABLE must reinitialize from the restored data: CHANGE_TRACKING_MIN_VALID_VERSION is newer than the version they hold",
		"contract [//sqlvault/AuditContract]: not scripted: Service Broker contract: Service Broker objects are not scripted" + broker,
		"function [dbo].[clr_Hello]: not scripted: CLR module (its assembly is not scripted)" + clr,
		"message type [//sqlvault/AuditMessage]: not scripted: Service Broker message type: Service Broker objects are not scripted" + broker,
		"numbered procedure [dbo].[usp_Numbered];2: not scripted: numbered procedure (deprecated): only [dbo].[usp_Numbered] (number 1) is scripted; to do: create it on the target after the restore from its definition in sys.numbered_procedures on the source (CREATE PROCEDURE name;number)",
		"permission GRANT EXECUTE ON OBJECT::[dbo].[usp_Secret] TO [reporting]: not scripted: its object [dbo].[usp_Secret] is not scripted; to do: once what it names exists on the target, run it by hand",
		"procedure [dbo].[usp_Secret]: not scripted: encrypted module: its definition cannot be read; to do: create it on the target from its source code, which only its author has (WITH ENCRYPTION hides the definition from every login)",
		"queue [dbo].[AuditQueue]: not scripted: Service Broker queue: Service Broker objects are not scripted" + broker,
		"role member [legacy_user] in [reporting]: not scripted: [legacy_user] is not scripted; to do: once the member exists on the target, add it: ALTER ROLE ... ADD MEMBER",
		"service [//sqlvault/AuditService]: not scripted: Service Broker service: Service Broker objects are not scripted" + broker,
		"user [legacy_user]: not scripted: " + reasonLoginUnknown + "; to do: create the login on the target server, then CREATE USER ... FOR LOGIN, and the role memberships and permissions reported for it",
	}
	sameLines(t, "warnings", warned, want)
	if len(m.Unscripted) != len(want) {
		t.Errorf("manifest lists %d unscripted objects: %+v", len(m.Unscripted), m.Unscripted)
	}
	man := string(sink.files[ManifestFile])
	for _, w := range []string{`"unscripted"`, `"name": "[dbo].[usp_Secret]"`, "{\n      \"name\": \"[dbo].[CacheSessions]\",\n      \"rows\": 0,\n      \"bytes\": 0,\n      \"content_hash\": \"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\",\n      \"durability\": \"SCHEMA_ONLY\"\n    }",
		"{\n      \"kind\": \"user\",\n      \"name\": \"[legacy_user]\",\n      \"reason\": \"" + reasonLoginUnknown + "\",\n      \"action\": \"create the login on the target server, then CREATE USER ... FOR LOGIN, and the role memberships and permissions reported for it\"\n    }",
		"\"needs_logins\": [\n    {\n      \"login\": \"sqlvault_sample_login\",\n      \"user\": \"[web_user]\"\n    }\n  ],",
		"{\n      \"kind\": \"partition scheme\",\n      \"name\": \"[ps_FactsDay]\"\n    }"} {
		if !strings.Contains(man, w) {
			t.Errorf("manifest lacks %s", w)
		}
	}
	for name, b := range sink.files {
		if strings.Contains(string(b), "usp_Secret") && name != ManifestFile {
			t.Errorf("%s mentions the encrypted procedure", name)
		}
		if strings.Contains(string(b), "legacy_user") && name != ManifestFile {
			t.Errorf("%s mentions the user whose login cannot be named", name)
		}
	}
	if got := fmt.Sprint(m.NeedsLogins); got != "[{sqlvault_sample_login [web_user]}]" {
		t.Errorf("needs logins %s", got)
	}
}

// TestSecurity checks security.sql of the sample statement by statement:
// users without login (and one of sample.Hostile, with sp_executesql) and
// the user for a login created only where the login exists, in schema.sql;
// roles in owner order, members, owners before permissions,
// GRANT, DENY on a column after the object's GRANT, WITH GRANT OPTION, the
// revoked CONNECT of a user, and what needs the login's user guarded by
// its existence; the user whose login cannot be named and what needs it
// are left out (TestUnscripted), and so is the implicit CONNECT of users.
func TestSecurity(t *testing.T) {
	s := newTestServer(t, nil)
	sink, m := s.scriptMem("sample", s.options("sample"))
	var users []string
	for _, st := range statements(t, string(sink.files[SchemaFile])) {
		if strings.Contains(st, "CREATE USER") {
			users = append(users, st)
		}
	}
	h := sample.Hostile
	sameLines(t, "users in schema.sql", users, []string{
		"CREATE USER [app_user] WITHOUT LOGIN WITH DEFAULT_SCHEMA = [sales];",
		"CREATE USER [etl_user] WITHOUT LOGIN;",
		"CREATE USER [u" + h + "] WITHOUT LOGIN WITH DEFAULT_SCHEMA = [evil" + h + "];",
		"IF NOT EXISTS (SELECT 1 FROM sys.server_principals WHERE name = N'sqlvault_sample_login' AND type IN ('S', 'U', 'G'))\n" +
			"    PRINT N'sqlvault: login [sqlvault_sample_login] does not exist on this server, or the restoring login cannot see it; user [web_user] and what depends on it were not created';\n" +
			"ELSE IF EXISTS (SELECT 1 FROM sys.database_principals AS u JOIN sys.server_principals AS l ON l.sid = u.sid WHERE l.name = N'sqlvault_sample_login')\n" +
			"    PRINT N'sqlvault: login [sqlvault_sample_login] already has a user in this database; user [web_user] and what depends on it were not created';\n" +
			"ELSE\n" +
			"    CREATE USER [web_user] FOR LOGIN [sqlvault_sample_login];",
	})
	stmts := statements(t, string(sink.files[SecurityFile]))
	want := []string{
		"CREATE ROLE [r" + h + "] AUTHORIZATION [dbo];",
		"CREATE ROLE [reporting] AUTHORIZATION [dbo];",
		"CREATE ROLE [auditors] AUTHORIZATION [reporting];",
		"ALTER ROLE [db_datareader] ADD MEMBER [reporting];",
		"ALTER ROLE [r" + h + "] ADD MEMBER [u" + h + "];",
		"ALTER ROLE [reporting] ADD MEMBER [app_user];",
		"ALTER ROLE [reporting] ADD MEMBER [auditors];",
		"IF DATABASE_PRINCIPAL_ID(N'web_user') IS NOT NULL\n    ALTER ROLE [reporting] ADD MEMBER [web_user];",
		"ALTER AUTHORIZATION ON SCHEMA::[reports] TO [reporting];",
		"IF OBJECT_ID(N'[sales].[CustomerOrders]') IS NOT NULL\n    ALTER AUTHORIZATION ON OBJECT::[sales].[CustomerOrders] TO [reporting];",
		"IF EXISTS (SELECT 1 FROM sys.fulltext_catalogs WHERE name = N'ftc_Sample')\n    ALTER AUTHORIZATION ON FULLTEXT CATALOG::[ftc_Sample] TO [reporting];",
		"IF EXISTS (SELECT 1 FROM sys.fulltext_stoplists WHERE name = N'sl_Sample')\n    ALTER AUTHORIZATION ON FULLTEXT STOPLIST::[sl_Sample] TO [app_user];",
		"IF OBJECT_ID(N'[sales].[TenantGuard]') IS NOT NULL\n    ALTER AUTHORIZATION ON OBJECT::[sales].[TenantGuard] TO [app_user];",
		"ALTER AUTHORIZATION ON XML SCHEMA COLLECTION::[dbo].[NoteSchema] TO [reporting];",
		"GRANT VIEW DEFINITION TO [auditors];",
		"REVOKE CONNECT FROM [etl_user];",
		"GRANT VIEW ANY COLUMN ENCRYPTION KEY DEFINITION TO [public];",
		"GRANT VIEW ANY COLUMN MASTER KEY DEFINITION TO [public];",
		"GRANT SELECT ON OBJECT::[evil" + h + "].[t" + h + "] TO [r" + h + "];",
		"GRANT SELECT ON OBJECT::[hr].[Employees] TO [reporting];",
		"DENY SELECT ON OBJECT::[hr].[Employees] ([Salary]) TO [reporting];",
		"IF DATABASE_PRINCIPAL_ID(N'web_user') IS NOT NULL\n    GRANT SELECT ON OBJECT::[sales].[Customers] TO [web_user];",
		"DENY DELETE ON OBJECT::[sales].[Orders] TO [public];",
		"IF OBJECT_ID(N'[sales].[usp_AddOrder]') IS NOT NULL\n    GRANT EXECUTE ON OBJECT::[sales].[usp_AddOrder] TO [app_user] WITH GRANT OPTION;",
		"IF OBJECT_ID(N'[sales].[usp_OrderCount]') IS NOT NULL\n    GRANT EXECUTE ON OBJECT::[sales].[usp_OrderCount] TO [reporting];",
		"GRANT SELECT ON SCHEMA::[sales] TO [reporting];",
		"GRANT IMPERSONATE ON USER::[etl_user] TO [auditors];",
		"IF DATABASE_PRINCIPAL_ID(N'web_user') IS NOT NULL\n    GRANT IMPERSONATE ON USER::[web_user] TO [app_user];",
		"GRANT EXECUTE ON TYPE::[sales].[OrderLineList] TO [app_user];",
		"GRANT REFERENCES ON XML SCHEMA COLLECTION::[dbo].[NoteSchema] TO [app_user];",
		// Extended properties of principals, once the roles exist.
		"DECLARE @value sql_variant = CAST(CAST(N'The application' AS nvarchar(15)) AS sql_variant);\nEXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = @value, @level0type = N'USER', @level0name = N'app_user';",
		"DECLARE @value sql_variant = CAST(CAST(N'Read-only reporting' AS nvarchar(19)) AS sql_variant);\nEXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = @value, @level0type = N'USER', @level0name = N'reporting';",
		// The database DDL triggers, last: each disabled as soon as it is
		// created, ordered, and the enabled ones enabled at the end.
		"SET ANSI_NULLS ON;\nSET QUOTED_IDENTIFIER ON;",
		"CREATE TRIGGER [trg_DDL_Audit] ON DATABASE FOR CREATE_TABLE AS PRINT 'a table was created';",
		"IF EXISTS (SELECT 1 FROM sys.triggers WHERE parent_class = 0 AND name = N'trg_DDL_Audit')\n    DISABLE TRIGGER [trg_DDL_Audit] ON DATABASE;",
		// Its extended property (@level0type = N'TRIGGER'), once it exists.
		"DECLARE @value sql_variant = CAST(CAST(N'Notes new tables' AS nvarchar(16)) AS sql_variant);\nIF EXISTS (SELECT 1 FROM sys.triggers WHERE parent_class = 0 AND name = N'trg_DDL_Audit')\n    EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = @value, @level0type = N'TRIGGER', @level0name = N'trg_DDL_Audit';",
		"SET ANSI_NULLS ON;\nSET QUOTED_IDENTIFIER ON;",
		"CREATE TRIGGER [trg_DDL_NoDrop] ON DATABASE FOR DROP_TABLE\nAS\nBEGIN\n    PRINT 'tables are not dropped here';\n    ROLLBACK;\nEND",
		"IF EXISTS (SELECT 1 FROM sys.triggers WHERE parent_class = 0 AND name = N'trg_DDL_NoDrop')\n    DISABLE TRIGGER [trg_DDL_NoDrop] ON DATABASE;",
		"IF EXISTS (SELECT 1 FROM sys.triggers WHERE parent_class = 0 AND name = N'trg_DDL_Audit')\n" +
			"    EXEC sys.sp_settriggerorder @triggername = N'trg_DDL_Audit', @order = N'First', @stmttype = N'CREATE_TABLE', @namespace = N'DATABASE';",
		"IF EXISTS (SELECT 1 FROM sys.triggers WHERE parent_class = 0 AND name = N'trg_DDL_Audit')\n    ENABLE TRIGGER [trg_DDL_Audit] ON DATABASE;",
	}
	sameLines(t, "security.sql", stmts, want)
	if got := m.Files[len(m.Files)-1]; got != SecurityFile {
		t.Errorf("last file %s, want %s", got, SecurityFile)
	}
	if !strings.HasSuffix(string(sink.files[MasterFile]), includeLine(PostDataFile)+includeLine(SecurityFile)) {
		t.Errorf("restore.sql does not run security.sql last:\n%s", sink.files[MasterFile])
	}
	objects := map[string]bool{}
	for _, o := range m.Objects {
		objects[o.Kind+" "+o.Name] = true
	}
	for _, w := range []string{"user [app_user]", "role [auditors]", "role member [app_user] in [reporting]", "schema owner [reports]",
		"object owner [sales].[CustomerOrders]", "permission GRANT EXECUTE ON OBJECT::[sales].[usp_AddOrder] TO [app_user] WITH GRANT OPTION",
		"statistics [sales].[Orders].[ST_Orders_Open]"} {
		if !objects[w] {
			t.Errorf("manifest objects lack %s", w)
		}
	}
	if !objects["user [web_user]"] || objects["user [legacy_user]"] {
		t.Error("the manifest's objects should list the user of a visible login, and only it")
	}
	// No security.sql for a subset of tables or for data only; one that
	// leaves a table out leaves out what is about it.
	for _, mod := range []func(*Options){
		func(o *Options) { o.Tables = []string{"sales.Orders"} },
		func(o *Options) { o.DataOnly = true },
	} {
		opts := s.options("sample")
		mod(&opts)
		sink, _ := s.scriptMem("sample", opts)
		if _, ok := sink.files[SecurityFile]; ok || strings.Contains(string(sink.files[MasterFile]), SecurityFile) {
			t.Errorf("%+v wrote security.sql", opts.Tables)
		}
	}
	opts := s.options("sample")
	opts.ExcludeTables = []string{"hr.Employees"}
	sink, _ = s.scriptMem("sample", opts)
	sec := string(sink.files[SecurityFile])
	if strings.Contains(sec, "[hr].[Employees]") || !strings.Contains(sec, "GRANT SELECT ON SCHEMA::[sales] TO [reporting];") {
		t.Errorf("security.sql without [hr].[Employees]:\n%s", sec)
	}
}

func TestFilters(t *testing.T) {
	s := newTestServer(t, nil)
	run := func(mod func(*Options)) (*memSink, *Manifest) {
		t.Helper()
		opts := s.options("sample")
		mod(&opts)
		sink := &memSink{}
		m, err := Script(context.Background(), s.connect("sample"), sink, opts)
		if err != nil {
			t.Fatal(err)
		}
		return sink, m
	}
	t.Run("tables", func(t *testing.T) {
		sink, m := run(func(o *Options) { o.Tables = []string{"sales.Orders", "customers"} })
		if len(m.Tables) != 2 || m.Tables[0].Name != "[sales].[Customers]" || m.Tables[1].Name != "[sales].[Orders]" {
			t.Fatalf("tables %+v", m.Tables)
		}
		schema := string(sink.files[SchemaFile])
		if strings.Contains(schema, "CREATE VIEW") || strings.Contains(schema, "CREATE SCHEMA [hr]") || strings.Contains(schema, "ALTER DATABASE") || strings.Contains(schema, "COLLATE SQL_Latin1_General_CP1_CI_AS')") {
			t.Errorf("--tables script has other objects:\n%s", schema)
		}
		post := string(sink.files[PostDataFile])
		if !strings.Contains(post, "FK_Orders_Customers") || strings.Contains(post, "FK_OrderLines_Orders") {
			t.Error("foreign keys: want those between the chosen tables only")
		}
	})
	t.Run("exclude", func(t *testing.T) {
		sink, m := run(func(o *Options) { o.ExcludeTables = []string{"dbo.BigValues", "AllTypes"} })
		if len(m.Tables) != 24 {
			t.Errorf("%d tables", len(m.Tables))
		}
		if _, ok := sink.files["data/dbo.BigValues.sql"]; ok {
			t.Error("excluded table scripted")
		}
	})
	t.Run("where", func(t *testing.T) {
		run(func(o *Options) { o.Tables = []string{"sales.Orders"}; o.Where = "[OrderID] > 1000" })
		found := false
		for _, q := range s.h.Log() {
			found = found || strings.HasPrefix(q, "sqlvault:data [sales].[Orders]")
		}
		if !found {
			t.Fatal("no data query")
		}
	})
	t.Run("schema only", func(t *testing.T) {
		sink, m := run(func(o *Options) { o.SchemaOnly = true })
		for name := range sink.files {
			if strings.HasPrefix(name, DataDir+"/") {
				t.Errorf("schema-only wrote %s", name)
			}
		}
		if m.Totals.Rows != 0 || strings.Contains(string(sink.files[PostDataFile]), "CHECKIDENT") {
			t.Error("schema-only has data state")
		}
	})
	t.Run("data only", func(t *testing.T) {
		sink, _ := run(func(o *Options) { o.DataOnly = true })
		if _, ok := sink.files[SchemaFile]; ok {
			t.Error("data-only wrote schema.sql")
		}
		post := string(sink.files[PostDataFile])
		if strings.Contains(post, "CREATE") || !strings.Contains(post, "CHECKIDENT") {
			t.Errorf("data-only post-data:\n%s", post)
		}
	})
}

// TestWhereReachesServer checks the query text of --where.
func TestWhereReachesServer(t *testing.T) {
	tbl := &Table{Schema: "s", Name: "t", Columns: []*Column{{Name: "a", Type: ColumnType{Name: "int"}}, {Name: "v", Type: ColumnType{Name: "sql_variant"}}},
		Indexes: []*Index{{Type: 1, PrimaryKey: true, Unique: true, Keys: []IndexKey{{Column: "a", Descending: true}}}}}
	q := dataQuery(tbl, dataColumns(tbl), "[a] < 10")
	want := "/* sqlvault:data [s].[t] */\nSELECT [a], [v], CAST(SQL_VARIANT_PROPERTY([v], 'BaseType') AS nvarchar(128)), CAST(SQL_VARIANT_PROPERTY([v], 'Precision') AS int), CAST(SQL_VARIANT_PROPERTY([v], 'Scale') AS int), CAST(SQL_VARIANT_PROPERTY([v], 'MaxLength') AS int)\nFROM [s].[t]\nWHERE [a] < 10\nORDER BY [a] DESC"
	if q != want {
		t.Errorf("query:\n%s\nwant:\n%s", q, want)
	}
	heap := &Table{Schema: "s", Name: "h", Columns: []*Column{{Name: "x", Type: ColumnType{Name: "int"}}, {Name: "doc", Type: ColumnType{Name: "xml"}}, {Name: "y", Type: ColumnType{Name: "nvarchar", MaxLength: 20}}}}
	if got := orderBy(heap); got != "[x], [y]" {
		t.Errorf("heap order %q", got)
	}
}

// TestBoundedMemory scripts a table of 300,000 generated rows and checks
// that the heap stays small: rows are streamed, never collected.
func TestBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	s := newTestServer(t, []*sample.DB{sample.Bench(300000)})
	opts := s.options("bench")
	var peak uint64
	var ms runtime.MemStats
	opts.Progress = func(p Progress) {
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	var n countingWriter
	n.w = discard{}
	m, err := Script(context.Background(), s.connect("bench"), &ScriptSink{W: &n}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if m.Totals.Rows != 300000 || n.n < 30<<20 {
		t.Fatalf("%d rows, %d bytes", m.Totals.Rows, n.n)
	}
	if peak > 64<<20 {
		t.Errorf("heap in use reached %d MiB while scripting %d MiB", peak>>20, n.n>>20)
	}
	t.Logf("%d rows, %d MiB of T-SQL, peak heap %d MiB", m.Totals.Rows, n.n>>20, peak>>20)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// TestSequenceTypes checks that a sequence keeps its type: decimal and
// numeric with their precision (AS decimal alone would be decimal(18,0)).
func TestSequenceTypes(t *testing.T) {
	s := newTestServer(t, nil)
	sink, _ := s.scriptMem("sample", s.options("sample"))
	mustContain(t, "schema.sql", string(sink.files[SchemaFile]),
		"CREATE SEQUENCE [sales].[InvoiceNumbers] AS decimal(12,0)\n    START WITH 1\n    INCREMENT BY 1\n    MINVALUE 1\n    MAXVALUE 999999999999\n    NO CYCLE\n    CACHE;\nGO\n",
		"CREATE SEQUENCE [dbo].[Ticket] AS int\n")
	for _, c := range []struct {
		seq  Sequence
		want string
	}{
		{Sequence{Schema: "s", Name: "n", TypeName: "numeric", Precision: 38}, "CREATE SEQUENCE [s].[n] AS numeric(38,0)\n"},
		{Sequence{Schema: "s", Name: "d", TypeName: "decimal", Precision: 1}, "CREATE SEQUENCE [s].[d] AS decimal(1,0)\n"},
		{Sequence{Schema: "s", Name: "a", TypeName: "Counter", TypeSchema: "dbo", TypeUserDefined: true, Precision: 9}, "CREATE SEQUENCE [s].[a] AS [dbo].[Counter]\n"},
		{Sequence{Schema: "s", Name: "b", TypeName: "bigint", Precision: 19}, "CREATE SEQUENCE [s].[b] AS bigint\n"},
	} {
		if got := createSequence(&c.seq); !strings.HasPrefix(got, c.want) {
			t.Errorf("createSequence(%+v) = %q, want it to start with %q", c.seq, got, c.want)
		}
	}
}

// TestWarningsOneLine scripts the sample with a column of its table of
// sample.Hostile names made Always Encrypted (a table that is not
// scripted, its data missing), so that the table, the permission on it
// and an extended property of it named with Hostile are reported: every
// warning is one line, the names escaped as in comments (CR LF as \r\n),
// and what Warn gets still wraps the error it reports.
func TestWarningsOneLine(t *testing.T) {
	db := sample.New()
	h := sample.Hostile
	for _, tb := range db.Tables {
		if tb.Name == "t"+h {
			tb.Columns[0].Encrypted = &sample.Encryption{Type: "DETERMINISTIC", Key: "CEK_1"}
		}
	}
	db.ExtProps = append(db.ExtProps, &sample.ExtProp{Target: "object:evil" + h + ".t" + h, Name: "note" + h, Value: "x"})
	s := newTestServer(t, []*sample.DB{db})
	opts := s.options("sample")
	var warned []string
	opts.Warn = func(what string, err error) { warned = append(warned, what+": "+err.Error()) }
	s.scriptMem("sample", opts)
	esc := `\r\nDROP DATABASE x;\r\nGO\r\n$\(x) *\/ it's`
	hostile := 0
	for _, w := range warned {
		if strings.IndexFunc(w, litMustEscape) >= 0 {
			t.Errorf("warning of more than one line or with control characters: %q", w)
		}
		if strings.Contains(w, esc) {
			hostile++
		}
	}
	for _, want := range []string{
		"table [evil" + esc + "].[t" + esc + "]: not scripted, its data is not in the snapshot: Always Encrypted column [",
		"extended property note" + esc + ": not scripted: its object is not scripted",
	} {
		if !strings.Contains(strings.Join(warned, "\n"), want) {
			t.Errorf("no warning %q in %q", want, warned)
		}
	}
	if hostile < 3 {
		t.Errorf("%d warnings name the hostile objects: %q", hostile, warned)
	}
	// The error Warn gets wraps the one reported.
	var got error
	o := Options{Warn: func(_ string, err error) { got = err }}
	o.warn("consistency", fmt.Errorf("%w: database [a\r\nb]", ErrInconsistent))
	if !errors.Is(got, ErrInconsistent) || got.Error() != `no consistent read possible: database [a\r\nb]` {
		t.Errorf("warned %v", got)
	}
}

// TestCreateTableType checks CREATE TYPE ... AS TABLE against its syntax
// (CREATE TYPE (Transact-SQL)): the constraints of a table type have no
// names, so a default is DEFAULT without CONSTRAINT [name] (SQL Server
// names it itself, DF__TT_...), and PRIMARY KEY, UNIQUE and CHECK are
// unnamed; an index keeps its name; the only index option is
// IGNORE_DUP_KEY.
func TestCreateTableType(t *testing.T) {
	tt := &UserType{Schema: "s", Name: "List", IsTable: true, Table: &Table{
		Columns: []*Column{
			{ID: 1, Name: "id", Type: ColumnType{Name: "int"}, Identity: true, Seed: "1", Increment: "1"},
			{ID: 2, Name: "qty", Type: ColumnType{Name: "smallint"}, DefaultName: "DF__TT_List__qty__3C69FB99", DefaultDef: "((1))"},
			{ID: 3, Name: "code", Type: ColumnType{Name: "varchar", MaxLength: 10}, Nullable: true, Collation: "Latin1_General_CS_AS"},
			{ID: 4, Name: "twice", Type: ColumnType{Name: "int"}, Computed: true, ComputedDef: "([qty]*(2))", Persisted: true, Nullable: true},
		},
		Indexes: []*Index{
			{ID: 1, Name: "PK__TT_List__3213E83F", Type: 1, PrimaryKey: true, Unique: true, IgnoreDupKey: true, FillFactor: 90,
				AllowRowLocks: true, AllowPageLocks: true, Keys: []IndexKey{{Column: "id"}}},
			{ID: 2, Name: "UQ__TT_List__357D4CF9", Type: 2, UniqueConstraint: true, Unique: true, AllowRowLocks: true, AllowPageLocks: true,
				Keys: []IndexKey{{Column: "code", Descending: true}}},
			{ID: 3, Name: "ix_qty", Type: 2, AllowRowLocks: true, AllowPageLocks: true, Keys: []IndexKey{{Column: "qty"}}},
		},
		Checks: []*Check{{Name: "CK__TT_List__qty__3D5E1FD2", Definition: "([qty]>(0))"}},
	}}
	want := "CREATE TYPE [s].[List] AS TABLE (\n" +
		"    [id] int IDENTITY(1,1) NOT NULL,\n" +
		"    [qty] smallint NOT NULL DEFAULT ((1)),\n" +
		"    [code] varchar(10) COLLATE Latin1_General_CS_AS NULL,\n" +
		"    [twice] AS ([qty]*(2)) PERSISTED,\n" +
		"    PRIMARY KEY CLUSTERED ([id] ASC) WITH (IGNORE_DUP_KEY = ON),\n" +
		"    UNIQUE NONCLUSTERED ([code] DESC),\n" +
		"    INDEX [ix_qty] NONCLUSTERED ([qty] ASC),\n" +
		"    CHECK ([qty]>(0))\n" +
		");\nGO\n"
	if got := createTableType(tt); got != want {
		t.Errorf("createTableType:\n%s\nwant:\n%s", got, want)
	}
}

// TestCompatibilityLevel checks the batch that sets the source's
// compatibility level only where the target server supports it (SQL
// Server's highest level is 10 × its major version; Azure SQL Database
// and Managed Instance, EngineEdition 5 and 8, run the newest engine),
// and otherwise keeps the new database's level and says so. No server
// runs it here; its T-SQL is argued in compatibilityLevel's comment.
func TestCompatibilityLevel(t *testing.T) {
	want := "DECLARE @highest int = CASE WHEN CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) THEN 160\n" +
		"    ELSE 10 * CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) END;\n" +
		"IF 160 <= @highest\n" +
		"    EXEC (N'ALTER DATABASE CURRENT SET COMPATIBILITY_LEVEL = 160');\n" +
		"ELSE\n" +
		"BEGIN\n" +
		"    DECLARE @kept nvarchar(10) = (SELECT CONVERT(nvarchar(10), d.compatibility_level) FROM sys.databases AS d WHERE d.database_id = DB_ID());\n" +
		"    PRINT N'sqlvault: compatibility level 160 is not supported by this server; kept ' + @kept;\n" +
		"END\nGO\n"
	if got := compatibilityLevel(160); got != want {
		t.Errorf("compatibilityLevel(160):\n%s\nwant:\n%s", got, want)
	}
	s := newTestServer(t, nil)
	sink, _ := s.scriptMem("sample", s.options("sample"))
	schema := string(sink.files[SchemaFile])
	mustContain(t, SchemaFile, schema, "\n-- Compatibility level 160 where this server supports it (else the new database keeps its own)\n"+want)
	if strings.Contains(schema, "\nALTER DATABASE CURRENT SET COMPATIBILITY_LEVEL") {
		t.Error("schema.sql sets the compatibility level unconditionally")
	}
}

// TestTableSetOptions checks that a table keeps the ANSI_NULLS it was
// created with (sys.tables.uses_ansi_nulls) and its char, varchar, binary
// and varbinary columns their ANSI_PADDING (sys.columns.is_ansi_padded),
// as SMO scripts them: the SET before CREATE TABLE, the columns after the
// first whose setting differs added with ALTER TABLE ADD under theirs (a
// key on them after), and the file's settings (ON) restored in the same
// batch, so that nothing leaks into what follows. Other types ignore
// ANSI_PADDING (SET ANSI_PADDING (Transact-SQL)), so their setting is not
// written; a table with the defaults is as before.
func TestTableSetOptions(t *testing.T) {
	col := func(id int64, name, typ string, size int, padded bool) *Column {
		return &Column{ID: id, Name: name, Type: ColumnType{Name: typ, MaxLength: size}, Nullable: true, AnsiPaddingOff: !padded}
	}
	tbl := &Table{Schema: "dbo", Name: "Legacy", AnsiNullsOff: true, Columns: []*Column{
		{ID: 1, Name: "id", Type: ColumnType{Name: "int"}},
		col(2, "a", "char", 5, false),
		col(3, "big", "varchar", -1, true), // max: padding does not apply
		col(4, "n", "nvarchar", 40, false), // Unicode: padding does not apply
		col(5, "c", "varchar", 10, true),
		col(6, "d", "binary", 4, false),
	}, Indexes: []*Index{
		{ID: 1, Name: "PK_Legacy", Type: 1, PrimaryKey: true, Unique: true, AllowRowLocks: true, AllowPageLocks: true, Keys: []IndexKey{{Column: "id"}}},
		{ID: 2, Name: "UQ_Legacy_c", Type: 2, UniqueConstraint: true, Unique: true, AllowRowLocks: true, AllowPageLocks: true, Keys: []IndexKey{{Column: "c"}}},
	}}
	want := "SET ANSI_NULLS OFF;\n" +
		"SET ANSI_PADDING OFF;\n" +
		"CREATE TABLE [dbo].[Legacy] (\n" +
		"    [id] int NOT NULL,\n" +
		"    [a] char(5) NULL,\n" +
		"    [big] varchar(max) NULL,\n" +
		"    [n] nvarchar(20) NULL,\n" +
		"    CONSTRAINT [PK_Legacy] PRIMARY KEY CLUSTERED ([id] ASC)\n" +
		");\n" +
		"SET ANSI_PADDING ON;\n" +
		"ALTER TABLE [dbo].[Legacy] ADD [c] varchar(10) NULL;\n" +
		"SET ANSI_PADDING OFF;\n" +
		"ALTER TABLE [dbo].[Legacy] ADD [d] binary(4) NULL;\n" +
		"ALTER TABLE [dbo].[Legacy] ADD CONSTRAINT [UQ_Legacy_c] UNIQUE NONCLUSTERED ([c] ASC);\n" +
		"SET ANSI_PADDING ON;\n" +
		"SET ANSI_NULLS ON;\nGO\n"
	if got := createTable(tbl); got != want {
		t.Errorf("createTable:\n%s\nwant:\n%s", got, want)
	}
	// The defaults: no SET at all.
	plain := &Table{Schema: "dbo", Name: "T", Columns: []*Column{col(1, "a", "char", 5, true), col(2, "n", "int", 0, false)}}
	if got, want := createTable(plain), "CREATE TABLE [dbo].[T] (\n    [a] char(5) NULL,\n    [n] int NULL\n);\nGO\n"; got != want {
		t.Errorf("createTable:\n%s\nwant:\n%s", got, want)
	}
	// The sample's table created with ANSI_NULLS OFF and a char column
	// with ANSI_PADDING OFF.
	s := newTestServer(t, nil)
	sink, _ := s.scriptMem("sample", s.options("sample"))
	mustContain(t, SchemaFile, string(sink.files[SchemaFile]), "\n-- Table [dbo].[Legacy]\n"+
		"SET ANSI_NULLS OFF;\n"+
		"SET ANSI_PADDING OFF;\n"+
		"CREATE TABLE [dbo].[Legacy] (\n"+
		"    [id] int NOT NULL,\n"+
		"    [code] char(10) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,\n"+
		"    CONSTRAINT [PK_Legacy] PRIMARY KEY CLUSTERED ([id] ASC)\n"+
		");\n"+
		"SET ANSI_PADDING ON;\n"+
		"ALTER TABLE [dbo].[Legacy] ADD [name] varchar(20) COLLATE SQL_Latin1_General_CP1_CI_AS NULL;\n"+
		"SET ANSI_NULLS ON;\nGO\n")
}
