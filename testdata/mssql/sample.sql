-- The sample database of sqlvault, as T-SQL for a real SQL Server (2022).
-- It is the same database that mssql/mssqltest/sample models for the tests
-- without a server: every data type at its edge values and every object
-- kind the scripter handles, plus objects it cannot script (an encrypted
-- procedure, a service queue, an orphaned user whose login was dropped).
-- The CLR assembly and function of the model need server setup and are
-- left out here. The memory-optimized tables and table type need a
-- MEMORY_OPTIMIZED_DATA filegroup, which this script adds (its container in
-- the server's default data folder). The login of
-- the user mapped to one, sqlvault_sample_login, is created on the server
-- if it is missing (with a random password: nobody logs in with it); so is
-- sqlvault_sample_gone, which is dropped again once legacy_user is mapped
-- to it, leaving that user orphaned.
--
-- Run it in a new, empty database, as UTF-8:
--   sqlcmd -S localhost -U sa -d sqlvault_sample -f 65001 -b -i testdata/mssql/sample.sql
SET NOCOUNT ON;
SET ANSI_NULLS ON;
SET ANSI_PADDING ON;
SET ANSI_WARNINGS ON;
SET ARITHABORT ON;
SET CONCAT_NULL_YIELDS_NULL ON;
SET NUMERIC_ROUNDABORT OFF;
SET QUOTED_IDENTIFIER ON;
GO
ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON;
GO
-- Options other than a new database's, database scoped configurations
-- other than the default, and the Query Store with settings of its own.
-- TRUSTWORTHY and the owner are reported by the scripter, not applied.
ALTER DATABASE CURRENT SET READ_COMMITTED_SNAPSHOT ON;
ALTER DATABASE CURRENT SET PARAMETERIZATION FORCED;
ALTER DATABASE CURRENT SET AUTO_UPDATE_STATISTICS_ASYNC ON;
ALTER DATABASE CURRENT SET AUTO_CREATE_STATISTICS ON (INCREMENTAL = ON);
ALTER DATABASE CURRENT SET DELAYED_DURABILITY = ALLOWED;
ALTER DATABASE CURRENT SET TARGET_RECOVERY_TIME = 120 SECONDS;
ALTER DATABASE CURRENT SET TRUSTWORTHY ON;
DECLARE @owner nvarchar(300) = N'ALTER AUTHORIZATION ON DATABASE::' + QUOTENAME(DB_NAME()) + N' TO sa;';
EXEC (@owner);
GO
ALTER DATABASE SCOPED CONFIGURATION SET MAXDOP = 4;
ALTER DATABASE SCOPED CONFIGURATION FOR SECONDARY SET MAXDOP = 2;
ALTER DATABASE SCOPED CONFIGURATION SET OPTIMIZE_FOR_AD_HOC_WORKLOADS = ON;
ALTER DATABASE SCOPED CONFIGURATION SET ELEVATE_ONLINE = WHEN_SUPPORTED;
GO
ALTER DATABASE CURRENT SET QUERY_STORE = ON (OPERATION_MODE = READ_WRITE, CLEANUP_POLICY = (STALE_QUERY_THRESHOLD_DAYS = 45),
    DATA_FLUSH_INTERVAL_SECONDS = 900, INTERVAL_LENGTH_MINUTES = 15, MAX_STORAGE_SIZE_MB = 500, QUERY_CAPTURE_MODE = AUTO,
    SIZE_BASED_CLEANUP_MODE = AUTO, MAX_PLANS_PER_QUERY = 100, WAIT_STATS_CAPTURE_MODE = ON);
GO
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'Sample database of sqlvault: every type, every object kind.';
GO
CREATE SCHEMA [graph] AUTHORIZATION dbo;
GO
CREATE SCHEMA hr AUTHORIZATION dbo;
GO
CREATE SCHEMA [odd ]]schema ü] AUTHORIZATION dbo;
GO
CREATE SCHEMA sales AUTHORIZATION dbo;
GO
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'Customers and their orders', @level0type = N'SCHEMA', @level0name = N'sales';
GO

-- Users (two without login, one mapped to a login, one orphaned: its
-- login is dropped below), roles (one owned by the other), role members,
-- and a schema owned by a role.
IF SUSER_ID(N'sqlvault_sample_login') IS NULL
BEGIN
    DECLARE @password nvarchar(64) = CONVERT(nvarchar(36), NEWID()) + N'-Aa1';
    EXEC (N'CREATE LOGIN sqlvault_sample_login WITH PASSWORD = N''' + @password + N''', CHECK_POLICY = OFF;');
END
IF SUSER_ID(N'sqlvault_sample_gone') IS NULL
BEGIN
    DECLARE @password2 nvarchar(64) = CONVERT(nvarchar(36), NEWID()) + N'-Aa1';
    EXEC (N'CREATE LOGIN sqlvault_sample_gone WITH PASSWORD = N''' + @password2 + N''', CHECK_POLICY = OFF;');
END
GO
CREATE USER app_user WITHOUT LOGIN WITH DEFAULT_SCHEMA = sales;
CREATE USER etl_user WITHOUT LOGIN;
REVOKE CONNECT FROM etl_user;
CREATE USER web_user FOR LOGIN sqlvault_sample_login;
CREATE USER legacy_user FOR LOGIN sqlvault_sample_gone;
CREATE ROLE reporting AUTHORIZATION dbo;
CREATE ROLE auditors AUTHORIZATION reporting;
ALTER ROLE reporting ADD MEMBER app_user;
ALTER ROLE reporting ADD MEMBER auditors;
ALTER ROLE reporting ADD MEMBER web_user;
ALTER ROLE reporting ADD MEMBER legacy_user;
ALTER ROLE db_datareader ADD MEMBER reporting;
GO
DROP LOGIN sqlvault_sample_gone;
GO
CREATE SCHEMA reports AUTHORIZATION reporting;
GO
CREATE TYPE dbo.Amount FROM decimal(19,4) NULL;
CREATE TYPE dbo.Phone FROM varchar(20) NOT NULL;
GO
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'A phone number', @level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'TYPE', @level1name = N'Phone';
GO
-- An XML schema collection (with a quote in an enumeration value), which
-- types a column of the table type below and two of dbo.Documents.
CREATE XML SCHEMA COLLECTION dbo.NoteSchema AS N'<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:sqlvault:note" targetNamespace="urn:sqlvault:note" elementFormDefault="qualified">
  <xsd:element name="note">
    <xsd:complexType>
      <xsd:sequence>
        <xsd:element name="to" type="xsd:string"/>
        <xsd:element name="body" type="xsd:string"/>
      </xsd:sequence>
      <xsd:attribute name="kind" type="t:kind"/>
    </xsd:complexType>
  </xsd:element>
  <xsd:simpleType name="kind">
    <xsd:restriction base="xsd:string">
      <xsd:enumeration value="memo"/>
      <xsd:enumeration value="it''s"/>
    </xsd:restriction>
  </xsd:simpleType>
</xsd:schema>';
GO
CREATE TABLE dbo.Documents (
    id int NOT NULL CONSTRAINT PK_Documents PRIMARY KEY,
    Doc xml(DOCUMENT dbo.NoteSchema) NOT NULL,
    Extra xml(CONTENT dbo.NoteSchema) NULL
);
INSERT dbo.Documents VALUES
    (1, N'<t:note xmlns:t="urn:sqlvault:note" kind="memo"><t:to>Ann</t:to><t:body>GO</t:body></t:note>', NULL),
    (2, N'<t:note xmlns:t="urn:sqlvault:note" kind="it''s"><t:to>Zoë 😀</t:to><t:body>a &lt;b&gt; and $' + N'(x)</t:body></t:note>',
        N'<t:note xmlns:t="urn:sqlvault:note"><t:to>1</t:to><t:body>one</t:body></t:note><t:note xmlns:t="urn:sqlvault:note"><t:to>2</t:to><t:body>two</t:body></t:note>');
GO
-- XML indexes (they need the clustered primary key): a primary one and a secondary PATH one.
CREATE PRIMARY XML INDEX PXML_Documents_Doc ON dbo.Documents (Doc);
CREATE XML INDEX IXML_Documents_Doc_Path ON dbo.Documents (Doc) USING XML INDEX PXML_Documents_Doc FOR PATH
    WITH (PAD_INDEX = ON, FILLFACTOR = 90);
GO
CREATE TYPE sales.OrderLineList AS TABLE (
    ProductID int NOT NULL PRIMARY KEY,
    Quantity smallint NOT NULL DEFAULT ((1)) CHECK (Quantity > 0),
    Note nvarchar(50) NULL,
    Spec xml(CONTENT dbo.NoteSchema) NULL,
    INDEX IX_OrderLineList_Quantity NONCLUSTERED (Quantity) INCLUDE (Note)
);
GO
CREATE SEQUENCE dbo.Ticket AS int START WITH 1 INCREMENT BY 5 MINVALUE 1 MAXVALUE 1000 CYCLE NO CACHE;
CREATE SEQUENCE sales.OrderNumbers AS bigint START WITH 1000 INCREMENT BY 1 MINVALUE 1 CACHE 50;
-- A decimal sequence keeps its precision (decimal alone would be decimal(18,0)).
CREATE SEQUENCE sales.InvoiceNumbers AS decimal(12,0) START WITH 1 INCREMENT BY 1 MINVALUE 1 MAXVALUE 999999999999 CACHE;
GO

CREATE TABLE dbo.AllTypes (
    id int NOT NULL CONSTRAINT PK_AllTypes PRIMARY KEY,
    c_bit bit NULL, c_tinyint tinyint NULL, c_smallint smallint NULL, c_int int NULL, c_bigint bigint NULL,
    c_decimal decimal(38,10) NULL, c_numeric numeric(5,2) NULL, c_money money NULL, c_smallmoney smallmoney NULL,
    c_real real NULL, c_float float NULL,
    c_date date NULL, c_time time(7) NULL, c_time0 time(0) NULL, c_datetime2 datetime2(7) NULL, c_datetime2_3 datetime2(3) NULL,
    c_dto datetimeoffset(7) NULL, c_datetime datetime NULL, c_smalldatetime smalldatetime NULL,
    c_char char(10) NULL, c_varchar varchar(100) NULL, c_varcharmax varchar(max) NULL, c_text text NULL,
    c_nchar nchar(10) NULL, c_nvarchar nvarchar(200) NULL, c_nvarcharmax nvarchar(max) NULL, c_ntext ntext NULL,
    c_binary binary(8) NULL, c_varbinary varbinary(50) NULL, c_varbinarymax varbinary(max) NULL, c_image image NULL,
    c_guid uniqueidentifier NULL, c_xml xml NULL, c_variant sql_variant NULL,
    c_hierarchyid hierarchyid NULL, c_geometry geometry NULL, c_geography geography NULL,
    c_rowversion rowversion NOT NULL
);
GO
DECLARE @special nvarchar(max) = N'It''s "quoted"' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'go 5' + NCHAR(10)
    + N'$' + N'(x) and $' + N'(PATH)' + NCHAR(10) + N':r evil.sql' + NCHAR(10) + N'!!ls' + NCHAR(10) + N'exit' + NCHAR(10)
    + N'😀 𝄞 ü' + NCHAR(9) + N'tab' + NCHAR(0) + N'nul?';
DECLARE @ansi varchar(max) = 'It''s "quoted"' + CHAR(13) + CHAR(10) + 'GO' + CHAR(13) + CHAR(10) + '$' + '(x)' + CHAR(10)
    + ':setvar a b' + CHAR(10) + 'Grüße, naïve café – “curly” €';
DECLARE @long varchar(max) = REPLICATE(CAST('0123456789' AS varchar(max)), 900);
DECLARE @longN nvarchar(max) = REPLICATE(CAST(N'αβγ😀' AS nvarchar(max)), 2500);
INSERT dbo.AllTypes (id) VALUES (1);
INSERT dbo.AllTypes (id, c_bit, c_tinyint, c_smallint, c_int, c_bigint, c_decimal, c_numeric, c_money, c_smallmoney, c_real, c_float,
    c_date, c_time, c_time0, c_datetime2, c_datetime2_3, c_dto, c_datetime, c_smalldatetime,
    c_char, c_varchar, c_varcharmax, c_text, c_nchar, c_nvarchar, c_nvarcharmax, c_ntext,
    c_binary, c_varbinary, c_varbinarymax, c_image, c_guid, c_xml, c_variant, c_hierarchyid, c_geometry, c_geography)
VALUES
(2, 0, 0, -32768, -2147483648, -9223372036854775808, -9999999999999999999999999999.9999999999, -999.99, -922337203685477.5808, -214748.3648,
    -3.4028235E+38, -1.7976931348623157E+308,
    '0001-01-01', '00:00:00', '00:00:00', '0001-01-01T00:00:00', '0001-01-01T00:00:00', '0001-01-01T00:00:00+00:00', '1753-01-01T00:00:00', '1900-01-01T00:00:00',
    '', '', '', '', N'', N'', N'', N'',
    0x0000000000000000, 0x, 0x, 0x, '00000000-0000-0000-0000-000000000000', N'<empty/>', CAST(-9223372036854775808 AS bigint),
    hierarchyid::GetRoot(), geometry::STGeomFromText('POINT(0 0)', 0), geography::Point(0, 0, 4326)),
(3, 1, 255, 32767, 2147483647, 9223372036854775807, 9999999999999999999999999999.9999999999, 999.99, 922337203685477.5807, 214748.3647,
    3.4028235E+38, 1.7976931348623157E+308,
    '9999-12-31', '23:59:59.9999999', '23:59:59', '9999-12-31T23:59:59.9999999', '9999-12-31T23:59:59.999', '9999-12-31T23:59:59.9999999+00:00',
    '9999-12-31T23:59:59.997', '2079-06-06T23:59:00',
    REPLICATE('ÿ', 10), REPLICATE('ÿ', 100), @long, @long, REPLICATE(NCHAR(65535), 10), REPLICATE(N'􏿿', 100), @longN, @longN,
    0xFFFFFFFFFFFFFFFF, CAST(REPLICATE(0xFF, 50) AS varbinary(50)), CAST(REPLICATE(CAST(0xFEED AS varbinary(max)), 4500) AS varbinary(max)),
    CAST(REPLICATE(CAST(0xCAFE AS varbinary(max)), 4500) AS varbinary(max)),
    'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', N'<root><a x="1">text &amp; more</a><b/></root>',
    CAST(123456789012345678901234567890123.12345 AS decimal(38,5)),
    hierarchyid::Parse('/1/1/'), geometry::STGeomFromText('POINT(1 2)', 0), geography::Point(47.651, -122.349, 4326)),
(4, 1, 42, -1, 1, -1, 0.0000000001, 0.01, 0.0001, -0.0001, 1.1754944E-38, 2.2250738585072014E-308,
    '2024-02-29', '13:14:15.0012345', '12:00:00', '2024-02-29T12:34:56.1234567', '2024-02-29T12:34:56.123', '2024-02-29T12:34:56.1234567-14:00',
    '2024-02-29T12:34:56.003', '2024-02-29T12:35:00',
    'it''s', @ansi, @ansi, @ansi, N'😀''', @special, @special, @special,
    0x00010203272210DA, CAST('GO' + CHAR(13) + CHAR(10) + '$' + '(x)' AS varbinary(50)), 0x0A474F0A, 0x00,
    '6F9619FF-8B86-D011-B42D-00C04FC964FF', N'<doc note="it''s">GO' + NCHAR(10) + N'$' + N'(x)' + NCHAR(10) + N'😀</doc>',
    CAST(LEFT(@special, 20) AS nvarchar(50)),
    hierarchyid::Parse('/1/'), geometry::STGeomFromText('POINT(1 2)', 0), NULL),
(5, 0, 1, 1, -2, 9007199254740992, 3.1415926536, -0.50, 12.34, 0.5, 0.1E0, 0.1E0,
    '1970-01-01', '00:00:00.0000001', '23:59:59', '1969-12-31T23:59:59.9999999', '2000-01-01T00:00:00.001', '2000-01-01T00:00:00+14:00',
    '1999-12-31T23:59:59.997', '1999-12-31T23:59:00',
    'N''x''', ''' OR 1=1 --', ']]''[', 'NULL', N'N''', NCHAR(13), NCHAR(10), N' ',
    0x01, 0xDEADBEEF, 0x, 0xFF,
    '01234567-89AB-CDEF-0123-456789ABCDEF', N'<a/>', CAST('2020-05-17T01:02:03.004' AS datetime2(3)),
    NULL, NULL, NULL);
INSERT dbo.AllTypes (id, c_real, c_float, c_variant) VALUES
    (6, -0.0E0, 1.0E0 / 3.0E0, CAST(-12.3456 AS money)),
    (7, NULL, -2.5E-300, CAST('6F9619FF-8B86-D011-B42D-00C04FC964FF' AS uniqueidentifier)),
    (8, NULL, 1E+300, CAST(0xDEAD AS varbinary(8))),
    (9, NULL, NULL, CAST('ab''c ' AS char(5))),
    (10, NULL, NULL, CAST('2021-03-04T05:06:07.0000008+05:30' AS datetimeoffset(7)));
UPDATE dbo.AllTypes SET c_guid = '6F9619FF-8B86-D011-B42D-00C04FC964FF' WHERE id = 7;
-- Values with backslashes at the end and before a quote (Windows paths): go-sqlcmd takes a
-- backslash in a string for an escape, so this script writes such backslashes as CHAR(92).
UPDATE dbo.AllTypes SET c_varchar = 'C:' + CHAR(92), c_text = 'a' + CHAR(92) + '''b' + CHAR(92),
    c_nvarchar = N'\\server\share' + NCHAR(92) WHERE id = 6;
GO
-- Spatial indexes (they need the clustered primary key): a geometry grid with its bounding box and
-- page compression, a geography automatic grid.
CREATE SPATIAL INDEX SIX_AllTypes_geometry ON dbo.AllTypes (c_geometry) USING GEOMETRY_GRID
    WITH (BOUNDING_BOX = (-10, -10.5, 500, 200), GRIDS = (LEVEL_1 = LOW, LEVEL_2 = MEDIUM, LEVEL_3 = HIGH, LEVEL_4 = MEDIUM),
          CELLS_PER_OBJECT = 16, DATA_COMPRESSION = PAGE);
CREATE SPATIAL INDEX SIX_AllTypes_geography ON dbo.AllTypes (c_geography) USING GEOGRAPHY_AUTO_GRID WITH (CELLS_PER_OBJECT = 12);
GO

CREATE TABLE dbo.BigValues (
    id int NOT NULL CONSTRAINT PK_BigValues PRIMARY KEY,
    big_n nvarchar(max) NULL,
    big_b varbinary(max) NULL,
    big_v varchar(max) NULL
);
GO
-- Values of several megabytes.
INSERT dbo.BigValues (id, big_n, big_b, big_v) VALUES (1,
    REPLICATE(CAST(N'Lorem ipsum dolor ''sit'' amet' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'😀 $' + N'(x) ü ' AS nvarchar(max)), 60000),
    CAST(REPLICATE(CAST(0x0123456789ABCDEFFEDCBA9876543210 AS varbinary(max)), 200000) AS varbinary(max)),
    REPLICATE(CAST('big varchar value ' AS varchar(max)), 170000));
GO

CREATE TABLE dbo.Empty (
    id int IDENTITY(1,1) NOT NULL CONSTRAINT PK_Empty PRIMARY KEY,
    v nvarchar(10) NULL
);
GO
INSERT dbo.Empty (v) VALUES (N'a'), (N'b'), (N'c'), (N'd'), (N'e');
DELETE dbo.Empty;
GO

CREATE TABLE dbo.Events (
    EventTime datetime2(3) NOT NULL,
    Kind varchar(20) NOT NULL,
    Payload nvarchar(200) NULL
) WITH (DATA_COMPRESSION = ROW);
INSERT dbo.Events VALUES ('2024-01-01T08:00:00', 'login', NULL), ('2024-01-01T08:00:00', 'login', NULL),
    ('2024-01-01T08:00:00', 'login', N'duplicate rows in a heap'), ('2024-01-02T09:30:00.5', 'logout', N'bye');
CREATE NONCLUSTERED COLUMNSTORE INDEX NCCI_Events ON dbo.Events (EventTime, Kind);
GO

-- A partitioned columnstore table whose partitions are compressed
-- differently.
CREATE PARTITION FUNCTION pf_FactsDay (date) AS RANGE RIGHT FOR VALUES ('2024-01-02');
CREATE PARTITION SCHEME ps_FactsDay AS PARTITION pf_FactsDay ALL TO ([PRIMARY]);
GO
CREATE TABLE dbo.Facts (Day date NOT NULL, Amount decimal(12,2) NOT NULL, Qty int NOT NULL);
INSERT dbo.Facts VALUES ('2024-01-01', 10.50, 1), ('2024-01-01', 99.99, 3), ('2024-01-02', 0.01, 7);
CREATE CLUSTERED COLUMNSTORE INDEX CCI_Facts ON dbo.Facts ON ps_FactsDay (Day);
ALTER INDEX CCI_Facts ON dbo.Facts REBUILD PARTITION = 1 WITH (DATA_COMPRESSION = COLUMNSTORE_ARCHIVE);
GO

-- In-Memory OLTP: a MEMORY_OPTIMIZED_DATA filegroup with one container in
-- the server's default data folder (SERVERPROPERTY InstanceDefaultDataPath),
-- a memory-optimized table with its rows (a hash primary key and a range
-- index), one with DURABILITY = SCHEMA_ONLY (no rows kept) and a
-- memory-optimized table type.
DECLARE @fg nvarchar(max) = N'ALTER DATABASE ' + QUOTENAME(DB_NAME()) + N' ADD FILEGROUP sample_mod CONTAINS MEMORY_OPTIMIZED_DATA;';
EXEC (@fg);
DECLARE @file nvarchar(max) = N'ALTER DATABASE ' + QUOTENAME(DB_NAME()) + N' ADD FILE (NAME = N''sample_mod'', FILENAME = N'''
    + REPLACE(CONVERT(nvarchar(4000), SERVERPROPERTY('InstanceDefaultDataPath')) + DB_NAME() + N'_mod', N'''', N'''''') + N''') TO FILEGROUP sample_mod;';
EXEC (@file);
GO
CREATE TABLE dbo.Cache (
    k int NOT NULL,
    v varbinary(100) NULL,
    expires datetime2(0) NOT NULL,
    CONSTRAINT PK_Cache PRIMARY KEY NONCLUSTERED HASH (k) WITH (BUCKET_COUNT = 1024),
    INDEX IX_Cache_expires NONCLUSTERED (expires DESC)
) WITH (MEMORY_OPTIMIZED = ON, DURABILITY = SCHEMA_AND_DATA);
GO
INSERT dbo.Cache VALUES (1, 0xCAFE, '2024-01-01'), (2, NULL, '2024-01-02');
GO
CREATE TABLE dbo.CacheSessions (
    id uniqueidentifier NOT NULL,
    login nvarchar(128) NOT NULL,
    CONSTRAINT PK_CacheSessions PRIMARY KEY NONCLUSTERED (id),
    INDEX IX_CacheSessions_login NONCLUSTERED HASH (login) WITH (BUCKET_COUNT = 64)
) WITH (MEMORY_OPTIMIZED = ON, DURABILITY = SCHEMA_ONLY);
GO
CREATE TYPE dbo.CacheKeyList AS TABLE (
    k int NOT NULL PRIMARY KEY NONCLUSTERED HASH WITH (BUCKET_COUNT = 128)
) WITH (MEMORY_OPTIMIZED = ON);
GO

-- An unused partition function on a collated character type, RANGE LEFT,
-- with a boundary that holds a quote, and its scheme.
CREATE PARTITION FUNCTION pf_Names (nvarchar(20) COLLATE Latin1_General_BIN2) AS RANGE LEFT FOR VALUES (N'it''s', N'm');
CREATE PARTITION SCHEME ps_Names AS PARTITION pf_Names ALL TO ([PRIMARY]);
GO

CREATE TABLE [odd ]]schema ü].[Table ]]with spaces 😀] (
    id int NOT NULL CONSTRAINT [PK odd ]]name] PRIMARY KEY (id DESC),
    [col ]]x] nvarchar(20) NULL,
    [ünïcødé col] nvarchar(20) NULL
);
INSERT [odd ]]schema ü].[Table ]]with spaces 😀] VALUES (1, N'one', NULL), (2, N'two ]]', N'zwei 😀');
GO

-- A table created with ANSI_NULLS OFF, with a char column created with
-- ANSI_PADDING OFF (stored trimmed, as a varchar) and a varchar column
-- added with ANSI_PADDING ON; the settings are restored after.
SET ANSI_NULLS OFF;
SET ANSI_PADDING OFF;
GO
CREATE TABLE dbo.Legacy (
    id int NOT NULL CONSTRAINT PK_Legacy PRIMARY KEY,
    code char(10) NULL
);
GO
SET ANSI_PADDING ON;
GO
ALTER TABLE dbo.Legacy ADD name varchar(20) NULL;
GO
SET ANSI_NULLS ON;
GO
INSERT dbo.Legacy VALUES (1, 'ab', 'x y  '), (2, NULL, '');
GO

-- Every index and table option: a clustered primary key optimized for
-- sequential keys whose statistics are not recomputed, a unique index with
-- the other options, lock escalation disabled, large values out of row
-- and text in row; an ordered clustered columnstore index (SQL Server
-- 2022) with a compression delay.
CREATE TABLE dbo.Tuned (
    ID int IDENTITY(1,1) NOT NULL,
    Code varchar(20) NOT NULL,
    Notes nvarchar(max) NULL,
    Legacy text NULL,
    CONSTRAINT PK_Tuned PRIMARY KEY CLUSTERED (ID) WITH (STATISTICS_NORECOMPUTE = ON, OPTIMIZE_FOR_SEQUENTIAL_KEY = ON)
);
GO
ALTER TABLE dbo.Tuned SET (LOCK_ESCALATION = DISABLE);
EXEC sys.sp_tableoption N'dbo.Tuned', 'large value types out of row', 'ON';
EXEC sys.sp_tableoption N'dbo.Tuned', 'text in row', '512';
CREATE UNIQUE NONCLUSTERED INDEX UX_Tuned_Code ON dbo.Tuned (Code)
    WITH (PAD_INDEX = ON, FILLFACTOR = 90, IGNORE_DUP_KEY = ON, STATISTICS_NORECOMPUTE = ON, ALLOW_ROW_LOCKS = OFF, ALLOW_PAGE_LOCKS = OFF);
INSERT dbo.Tuned (Code, Notes, Legacy) VALUES ('alpha', N'first', 'old text'), ('beta', NULL, NULL);
GO
CREATE TABLE dbo.TunedFacts (
    Day date NOT NULL,
    Amount decimal(19,4) NOT NULL
);
CREATE CLUSTERED COLUMNSTORE INDEX CCI_TunedFacts ON dbo.TunedFacts ORDER (Day) WITH (COMPRESSION_DELAY = 30);
GO

-- A foreign key cycle (departments have a manager, employees a
-- department) and a self-referencing table (employees have a manager).
CREATE TABLE hr.Departments (
    DeptID int NOT NULL CONSTRAINT PK_Departments PRIMARY KEY,
    Name nvarchar(50) NOT NULL,
    ManagerID int NULL
);
CREATE TABLE hr.Employees (
    EmpID int NOT NULL CONSTRAINT PK_Employees PRIMARY KEY,
    Name nvarchar(50) NOT NULL,
    DeptID int NOT NULL CONSTRAINT FK_Employees_Department REFERENCES hr.Departments (DeptID),
    ManagerID int NULL,
    Salary decimal(10,2) NULL
);
INSERT hr.Departments VALUES (1, N'Engineering', NULL), (2, N'Sales', NULL);
INSERT hr.Employees VALUES (1, N'Ada', 1, NULL, 120000.00), (2, N'Linus', 1, 1, 95000.50), (3, N'Grace', 2, 1, NULL);
UPDATE hr.Departments SET ManagerID = CASE DeptID WHEN 1 THEN 1 ELSE 3 END;
ALTER TABLE hr.Departments ADD CONSTRAINT FK_Departments_Manager FOREIGN KEY (ManagerID) REFERENCES hr.Employees (EmpID);
ALTER TABLE hr.Employees ADD CONSTRAINT FK_Employees_Manager FOREIGN KEY (ManagerID) REFERENCES hr.Employees (EmpID);
ALTER TABLE hr.Employees NOCHECK CONSTRAINT FK_Employees_Manager;
ALTER TABLE hr.Employees WITH NOCHECK ADD CONSTRAINT CK_Employees_Salary CHECK (Salary >= 0);
GO

-- A SYSTEM_TIME period without system versioning: its columns are
-- generated, and no history is kept.
CREATE TABLE dbo.Validity (
    id int NOT NULL CONSTRAINT PK_Validity PRIMARY KEY,
    ValidFrom datetime2(7) GENERATED ALWAYS AS ROW START NOT NULL,
    ValidTo datetime2(7) GENERATED ALWAYS AS ROW END NOT NULL,
    PERIOD FOR SYSTEM_TIME (ValidFrom, ValidTo)
);
INSERT dbo.Validity (id) VALUES (1);
GO

-- A system-versioned temporal table with its history (kept six months).
CREATE TABLE hr.Positions (
    PositionID int NOT NULL CONSTRAINT PK_Positions PRIMARY KEY,
    Title nvarchar(100) NOT NULL,
    ValidFrom datetime2(7) GENERATED ALWAYS AS ROW START HIDDEN NOT NULL,
    ValidTo datetime2(7) GENERATED ALWAYS AS ROW END HIDDEN NOT NULL,
    PERIOD FOR SYSTEM_TIME (ValidFrom, ValidTo)
) WITH (SYSTEM_VERSIONING = ON (HISTORY_TABLE = hr.PositionsHistory, HISTORY_RETENTION_PERIOD = 6 MONTHS));
GO
INSERT hr.Positions (PositionID, Title) VALUES (1, N'Junior Engineer'), (2, N'Manager');
GO
UPDATE hr.Positions SET Title = N'Engineer' WHERE PositionID = 1;
GO

CREATE FUNCTION [dbo].[fn_Tax] (@amount money)
RETURNS money
WITH SCHEMABINDING
AS
BEGIN
    RETURN @amount * 0.2;
END
GO
CREATE FUNCTION dbo.fn_Numbers (@n int)
RETURNS @t TABLE (n int NOT NULL PRIMARY KEY)
AS
BEGIN
    DECLARE @i int = 1;
    WHILE @i <= @n BEGIN INSERT @t VALUES (@i); SET @i += 1; END;
    RETURN;
END
GO

CREATE TABLE sales.Customers (
    CustomerID int IDENTITY(1,1) NOT NULL CONSTRAINT PK_Customers PRIMARY KEY,
    Name nvarchar(100) NOT NULL,
    Phone dbo.Phone NULL,
    Email varchar(200) COLLATE Latin1_General_CS_AS NULL CONSTRAINT UQ_Customers_Email UNIQUE,
    RowGuid uniqueidentifier ROWGUIDCOL NOT NULL CONSTRAINT DF_Customers_RowGuid DEFAULT (newid()),
    CreatedAt datetime2(3) NOT NULL CONSTRAINT DF_Customers_CreatedAt DEFAULT (sysutcdatetime()),
    FullInfo AS (concat([Name],N' <',[Email],N'>')),
    NameLength AS (len([Name])) PERSISTED,
    Notes nvarchar(max) SPARSE NULL,
    ReferredBy int NULL CONSTRAINT FK_Customers_ReferredBy REFERENCES sales.Customers (CustomerID),
    CONSTRAINT CK_Customers_Name CHECK (len([Name]) > 0)
);
CREATE NONCLUSTERED INDEX IX_Customers_Name ON sales.Customers (Name) INCLUDE (Email) WHERE Email IS NOT NULL;
CREATE STATISTICS ST_Customers_Phone ON sales.Customers (Phone);
GO
-- Full-text search is not always installed (the Linux images lack it
-- without the mssql-server-fts package): a default catalog, a stoplist
-- with a word in English (1033) and one in German (1031), and a
-- full-text index on two columns keyed by the primary key.
IF CONVERT(int, SERVERPROPERTY('IsFullTextInstalled')) = 1
BEGIN
    EXEC (N'CREATE FULLTEXT CATALOG ftc_Sample WITH ACCENT_SENSITIVITY = OFF AS DEFAULT AUTHORIZATION reporting;');
    EXEC (N'CREATE FULLTEXT STOPLIST sl_Sample AUTHORIZATION app_user;');
    EXEC (N'ALTER FULLTEXT STOPLIST sl_Sample ADD ''acme'' LANGUAGE 1033;');
    EXEC (N'ALTER FULLTEXT STOPLIST sl_Sample ADD N''straße'' LANGUAGE 1031;');
    EXEC (N'CREATE FULLTEXT INDEX ON sales.Customers (Name LANGUAGE 1033, Email LANGUAGE 0) KEY INDEX PK_Customers ON ftc_Sample
        WITH CHANGE_TRACKING = MANUAL, STOPLIST = sl_Sample;');
END
GO
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'People who buy; it''s "quoted"', @level0type = N'SCHEMA', @level0name = N'sales', @level1type = N'TABLE', @level1name = N'Customers';
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'Case-sensitive e-mail address', @level0type = N'SCHEMA', @level0name = N'sales', @level1type = N'TABLE', @level1name = N'Customers', @level2type = N'COLUMN', @level2name = N'Email';
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'Filtered: only with e-mail', @level0type = N'SCHEMA', @level0name = N'sales', @level1type = N'TABLE', @level1name = N'Customers', @level2type = N'INDEX', @level2name = N'IX_Customers_Name';
GO
DECLARE @special nvarchar(max) = N'It''s "quoted"' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x)';
SET IDENTITY_INSERT sales.Customers ON;
INSERT sales.Customers (CustomerID, Name, Phone, Email, RowGuid, CreatedAt, Notes, ReferredBy) VALUES
    (1, N'Ann O''Neil', '+1 555 0100', 'ann@example.com', '1B4E28BA-2FA1-11D2-883F-0016D3CCA427', '2024-01-01T09:00:00', NULL, NULL),
    (2, N'Bob "Bobby" Tables', NULL, 'bob@example.com', '1B4E28BA-2FA1-11D2-883F-0016D3CCA428', '2024-01-02T09:00:00', N'Robert''); DROP TABLE Students;--', 1),
    (3, N'Zoë 😀', '+49 30 1234', NULL, '1B4E28BA-2FA1-11D2-883F-0016D3CCA429', '2024-01-03T09:00:00', @special, 1),
    (4, N'GO', NULL, 'go@example.com', '1B4E28BA-2FA1-11D2-883F-0016D3CCA42A', '2024-01-04T09:00:00', NULL, 2),
    (12, N'Last', NULL, 'LAST@example.com', '1B4E28BA-2FA1-11D2-883F-0016D3CCA42B', '2024-01-05T09:00:00.999', NULL, NULL);
SET IDENTITY_INSERT sales.Customers OFF;
GO

CREATE TABLE sales.Orders (
    OrderID bigint NOT NULL CONSTRAINT PK_Orders PRIMARY KEY CONSTRAINT DF_Orders_OrderID DEFAULT (NEXT VALUE FOR sales.OrderNumbers),
    CustomerID int NOT NULL CONSTRAINT FK_Orders_Customers REFERENCES sales.Customers (CustomerID) ON DELETE CASCADE,
    OrderDate date NOT NULL,
    Total dbo.Amount NULL,
    Status tinyint NOT NULL CONSTRAINT DF_Orders_Status DEFAULT ((0)),
    Tax AS ([dbo].[fn_Tax]([Total])),
    RowVer rowversion NOT NULL
);
CREATE NONCLUSTERED INDEX IX_Orders_Customer ON sales.Orders (CustomerID, OrderDate DESC) WITH (PAD_INDEX = ON, FILLFACTOR = 80, DATA_COMPRESSION = ROW);
CREATE STATISTICS ST_Orders_Open ON sales.Orders (CustomerID, OrderDate) WHERE Status = 0 WITH NORECOMPUTE;
CREATE NONCLUSTERED INDEX IX_Orders_Status ON sales.Orders (Status) WITH (ALLOW_PAGE_LOCKS = OFF);
CREATE TABLE sales.OrderLines (
    OrderID bigint NOT NULL CONSTRAINT FK_OrderLines_Orders REFERENCES sales.Orders (OrderID) ON DELETE CASCADE ON UPDATE CASCADE,
    [LineNo] smallint NOT NULL,
    ProductID int NOT NULL,
    Quantity smallint NOT NULL CONSTRAINT CK_OrderLines_Quantity CHECK (Quantity > 0),
    Price money NOT NULL,
    CONSTRAINT PK_OrderLines PRIMARY KEY (OrderID, [LineNo]) WITH (DATA_COMPRESSION = PAGE)
);
GO
INSERT sales.Orders (OrderID, CustomerID, OrderDate, Total, Status) VALUES
    (1000, 1, '2024-02-01', 100, 0), (1001, 1, '2024-02-02', -0.0001, 1), (1002, 2, '2024-02-03', NULL, 2);
DECLARE @n bigint, @i int = 0;
WHILE @i < 42 BEGIN SET @n = NEXT VALUE FOR sales.OrderNumbers; SET @i += 1; END;  -- the sequence has been used up to 1041
INSERT sales.Orders (OrderID, CustomerID, OrderDate, Total, Status) VALUES (1041, 12, '2024-03-01', 999999999999999.9999, 0);
INSERT sales.OrderLines VALUES (1000, 1, 7, 2, 25), (1000, 2, 8, 1, 50), (1001, 1, 7, 1, 0.0001);
ALTER INDEX IX_Orders_Status ON sales.Orders DISABLE;
GO

-- Graph tables (SQL Server 2017; the edge constraint 2019): node tables
-- with keys (City's is text, one holds a quote), Person's nodes 2 and 3
-- deleted and 2 inserted again, so that its graph ids (0, 3, 4) are not
-- its keys; edge tables with an edge constraint (livesIn) and without
-- (knows, whose edges go to both node tables), an index on ($from_id,
-- $to_id). The unique indexes on $node_id and $edge_id are named as SQL
-- Server names those it makes itself.
CREATE TABLE [graph].City (
    Code nvarchar(10) NOT NULL CONSTRAINT PK_City PRIMARY KEY CLUSTERED,
    Name nvarchar(50) NOT NULL,
    INDEX GRAPH_UNIQUE_INDEX_5C6A0F1E2D3B4A5968778695A4B3C2D1 UNIQUE NONCLUSTERED ($node_id)
) AS NODE;
CREATE TABLE [graph].Person (
    ID int NOT NULL CONSTRAINT PK_Person PRIMARY KEY CLUSTERED,
    Name nvarchar(50) NOT NULL,
    INDEX GRAPH_UNIQUE_INDEX_0E1D2C3B4A5948675645342312F1E0D9 UNIQUE NONCLUSTERED ($node_id)
) AS NODE;
CREATE TABLE [graph].knows (
    rating int NULL,
    INDEX GRAPH_UNIQUE_INDEX_7F6E5D4C3B2A41908F7E6D5C4B3A2918 UNIQUE NONCLUSTERED ($edge_id)
) AS EDGE;
CREATE NONCLUSTERED INDEX IX_knows_ends ON [graph].knows ($from_id, $to_id);
CREATE TABLE [graph].livesIn (
    since date NULL,
    INDEX GRAPH_UNIQUE_INDEX_18293A4B5C6D4E7F8091A2B3C4D5E6F7 UNIQUE NONCLUSTERED ($edge_id),
    CONSTRAINT EC_livesIn CONNECTION ([graph].Person TO [graph].City) ON DELETE CASCADE
) AS EDGE;
GO
INSERT [graph].City (Code, Name) VALUES (N'LON', N'London'), (N'Q''T', N'Quote Town'), (N'ZRH', N'Zürich');
INSERT [graph].Person (ID, Name) VALUES (1, N'Ada'), (2, N'Grace'), (3, N'Linus');
DELETE [graph].Person WHERE ID IN (2, 3);
INSERT [graph].Person (ID, Name) VALUES (2, N'Grace'), (4, N'Edsger');
INSERT [graph].knows ($from_id, $to_id, rating) VALUES
    ((SELECT $node_id FROM [graph].Person WHERE ID = 1), (SELECT $node_id FROM [graph].City WHERE Code = N'LON'), 1),
    ((SELECT $node_id FROM [graph].Person WHERE ID = 1), (SELECT $node_id FROM [graph].Person WHERE ID = 2), 5),
    ((SELECT $node_id FROM [graph].Person WHERE ID = 2), (SELECT $node_id FROM [graph].Person WHERE ID = 1), 4),
    ((SELECT $node_id FROM [graph].Person WHERE ID = 4), (SELECT $node_id FROM [graph].Person WHERE ID = 2), 3);
INSERT [graph].livesIn ($from_id, $to_id, since) VALUES
    ((SELECT $node_id FROM [graph].Person WHERE ID = 1), (SELECT $node_id FROM [graph].City WHERE Code = N'LON'), '2020-01-01'),
    ((SELECT $node_id FROM [graph].Person WHERE ID = 2), (SELECT $node_id FROM [graph].City WHERE Code = N'ZRH'), NULL),
    ((SELECT $node_id FROM [graph].Person WHERE ID = 4), (SELECT $node_id FROM [graph].City WHERE Code = N'Q''T'), '1970-05-11');
GO

CREATE FUNCTION sales.fn_CustomerOrders (@CustomerID int)
RETURNS TABLE
AS
RETURN SELECT OrderID, OrderDate, Total FROM sales.Orders WHERE CustomerID = @CustomerID;
GO
-- Orders with their customers
CREATE VIEW sales.CustomerOrders
AS
SELECT c.CustomerID, c.Name, o.OrderID, o.OrderDate, o.Total
FROM sales.Customers AS c
JOIN sales.Orders AS o ON o.CustomerID = c.CustomerID;
GO
CREATE VIEW sales.OrderTotals
WITH SCHEMABINDING
AS
SELECT CustomerID, COUNT_BIG(*) AS OrderCount
FROM sales.Orders
GROUP BY CustomerID;
GO
CREATE UNIQUE CLUSTERED INDEX IX_OrderTotals ON sales.OrderTotals (CustomerID);
GO
CREATE PROCEDURE sales.usp_AddOrder
    @CustomerID int,
    @Lines sales.OrderLineList READONLY
AS
BEGIN
    SET NOCOUNT ON;
    DECLARE @id bigint = NEXT VALUE FOR sales.OrderNumbers;
    INSERT sales.Orders (OrderID, CustomerID, OrderDate) VALUES (@id, @CustomerID, CAST(SYSDATETIME() AS date));
    INSERT sales.OrderLines (OrderID, [LineNo], ProductID, Quantity, Price)
    SELECT @id, ROW_NUMBER() OVER (ORDER BY ProductID), ProductID, Quantity, 0 FROM @Lines;
    SELECT @id AS OrderID;
END
GO
-- Two procedures that call each other.
CREATE PROCEDURE dbo.usp_A @depth int = 0
AS
IF @depth < 3 EXEC dbo.usp_B @depth = @depth;
GO
CREATE PROCEDURE dbo.usp_B @depth int = 0
AS
DECLARE @next int = @depth + 1;
EXEC dbo.usp_A @depth = @next;
GO
EXEC sys.sp_addextendedproperty @name = N'Version', @value = 3, @level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'PROCEDURE', @level1name = N'usp_A';
GO
-- A definition that holds a line GO and a sqlcmd variable reference:
-- created through sp_executesql, its text a literal without line breaks and
-- with the reference split (sqlcmd would cut or substitute them otherwise),
-- in a variable (a procedure takes no expression as an argument).
DECLARE @sql nvarchar(max) = N'CREATE PROCEDURE dbo.usp_Weird' + NCHAR(10) + N'AS' + NCHAR(10) + N'/* a comment with a line that is just' + NCHAR(10) + N'GO' + NCHAR(10) + N'which sqlcmd would split */' + NCHAR(10) + N'SELECT N''$' + N'(notavar)'' AS v, N''it''''s'' AS q;';
EXEC sys.sp_executesql @sql;
GO
-- A procedure with the string 'C:\' (in which go-sqlcmd takes the backslash for an escape of the
-- quote), created the same way.
DECLARE @sql nvarchar(max) = N'CREATE PROCEDURE dbo.usp_Path' + NCHAR(10) + N'AS' + NCHAR(10) + N'DECLARE @p varchar(260);' + NCHAR(10) + N'SET @p = ''C:' + NCHAR(92) + N''';' + NCHAR(10) + N'SELECT @p AS root;';
EXEC sys.sp_executesql @sql;
GO
-- Renamed and moved to sales after it was created: its definition keeps its first name.
CREATE PROCEDURE dbo.usp_CustomerCount_Old
AS
SELECT COUNT(*) AS Customers FROM sales.Customers;
GO
EXEC sys.sp_rename @objname = N'dbo.usp_CustomerCount_Old', @newname = N'usp_CustomerCount';
ALTER SCHEMA sales TRANSFER dbo.usp_CustomerCount;
GO
-- A procedure that executes as a user: the copy must create the user first.
CREATE PROCEDURE sales.usp_OrderCount
WITH EXECUTE AS 'app_user'
AS
SELECT COUNT(*) AS Orders FROM sales.Orders;
GO
CREATE PROCEDURE dbo.usp_Secret WITH ENCRYPTION AS SELECT 1 AS secret;
GO
CREATE QUEUE dbo.AuditQueue;
GO
CREATE MESSAGE TYPE [//sqlvault/AuditMessage] VALIDATION = WELL_FORMED_XML;
CREATE CONTRACT [//sqlvault/AuditContract] ([//sqlvault/AuditMessage] SENT BY INITIATOR);
CREATE SERVICE [//sqlvault/AuditService] ON QUEUE dbo.AuditQueue ([//sqlvault/AuditContract]);
GO
-- A numbered procedure (deprecated): ;2 is reported, not scripted.
CREATE PROCEDURE dbo.usp_Numbered
AS
SELECT 1 AS n;
GO
CREATE PROCEDURE dbo.usp_Numbered;2
AS
SELECT 2 AS n;
GO
-- Change tracking, scripted after the data (sales.Customers has a primary key).
ALTER DATABASE CURRENT SET CHANGE_TRACKING = ON (CHANGE_RETENTION = 3 DAYS, AUTO_CLEANUP = ON);
ALTER TABLE sales.Customers ENABLE CHANGE_TRACKING WITH (TRACK_COLUMNS_UPDATED = ON);
GO
CREATE TRIGGER trg_DDL_Audit ON DATABASE FOR CREATE_TABLE AS PRINT 'a table was created';
GO
EXEC sys.sp_settriggerorder @triggername = N'trg_DDL_Audit', @order = N'First', @stmttype = N'CREATE_TABLE', @namespace = N'DATABASE';
GO
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'Notes new tables', @level0type = N'TRIGGER', @level0name = N'trg_DDL_Audit';
GO
-- A disabled DDL trigger that would roll back every DROP TABLE (the
-- restore creates it disabled, last).
CREATE TRIGGER trg_DDL_NoDrop ON DATABASE FOR DROP_TABLE
AS
BEGIN
    PRINT 'tables are not dropped here';
    ROLLBACK;
END
GO
DISABLE TRIGGER trg_DDL_NoDrop ON DATABASE;
GO
CREATE TRIGGER sales.trg_Orders_Audit ON sales.Orders
AFTER INSERT
AS
BEGIN
    SET NOCOUNT ON;
    UPDATE o SET Status = 1 FROM sales.Orders AS o JOIN inserted AS i ON i.OrderID = o.OrderID WHERE o.Status = 0;
END
GO
-- A second AFTER INSERT trigger; the audit trigger fires first, this one last.
CREATE TRIGGER sales.trg_Orders_Check ON sales.Orders
AFTER INSERT
AS
BEGIN
    SET NOCOUNT ON;
    IF EXISTS (SELECT 1 FROM inserted WHERE OrderDate < '20000101')
        THROW 50001, N'order date before 2000', 1;
END
GO
EXEC sys.sp_settriggerorder @triggername = N'sales.trg_Orders_Audit', @order = N'First', @stmttype = N'INSERT';
EXEC sys.sp_settriggerorder @triggername = N'sales.trg_Orders_Check', @order = N'Last', @stmttype = N'INSERT';
GO
-- A trigger created while its table had another name: its definition
-- keeps that name (the table is renamed back after it).
EXEC sys.sp_rename @objname = N'hr.Employees', @newname = N'Staff';
SET ANSI_NULLS OFF;
GO
CREATE TRIGGER hr.trg_Employees_NoDelete ON hr.Staff
INSTEAD OF DELETE
AS
    RAISERROR ('Employees are never deleted', 16, 1);
GO
SET ANSI_NULLS ON;
EXEC sys.sp_rename @objname = N'hr.Staff', @newname = N'Employees';
GO
DISABLE TRIGGER hr.trg_Employees_NoDelete ON hr.Employees;
GO
CREATE SYNONYM dbo.Clients FOR [sales].[Customers];
GO

-- Names that try to inject T-SQL and sqlcmd commands into the scripts
-- (sample.Hostile: CR LF, a line DROP DATABASE x;, a line GO, a sqlcmd
-- variable reference, the end of a block comment and a quote) in a schema,
-- a table with an identity, its column, primary key and index, a user
-- (whose default schema it is) and a role (the user a member, granted
-- SELECT on the table). They are created with dynamic SQL: this script
-- cannot hold them as they are, for the same reasons.
DECLARE @h nvarchar(100) = NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s';
DECLARE @s nvarchar(300) = QUOTENAME(N'evil' + @h), @t nvarchar(300) = QUOTENAME(N't' + @h), @c nvarchar(300) = QUOTENAME(N'c' + @h),
    @u nvarchar(300) = QUOTENAME(N'u' + @h), @r nvarchar(300) = QUOTENAME(N'r' + @h);
DECLARE @sql nvarchar(max) = N'CREATE SCHEMA ' + @s + N' AUTHORIZATION dbo;';
EXEC sys.sp_executesql @sql;
SET @sql = N'CREATE TABLE ' + @s + N'.' + @t + N' (id int IDENTITY(1,1) NOT NULL CONSTRAINT ' + QUOTENAME(N'PK' + @h) + N' PRIMARY KEY, '
    + @c + N' nvarchar(40) NULL);';
EXEC sys.sp_executesql @sql;
SET @sql = N'CREATE NONCLUSTERED INDEX ' + QUOTENAME(N'ix' + @h) + N' ON ' + @s + N'.' + @t + N' (' + @c + N');';
EXEC sys.sp_executesql @sql;
SET @sql = N'INSERT ' + @s + N'.' + @t + N' (' + @c + N') VALUES (N''one''), (@h);';
EXEC sys.sp_executesql @sql, N'@h nvarchar(100)', @h = @h;
SET @sql = N'CREATE ROLE ' + @r + N' AUTHORIZATION dbo; CREATE USER ' + @u + N' WITHOUT LOGIN WITH DEFAULT_SCHEMA = ' + @s + N'; '
    + N'ALTER ROLE ' + @r + N' ADD MEMBER ' + @u + N'; GRANT SELECT ON ' + @s + N'.' + @t + N' TO ' + @r + N';';
EXEC sys.sp_executesql @sql;
GO

-- An owner other than the schema's, and permissions: GRANT, DENY (on a
-- column too), WITH GRANT OPTION, on the database, a schema, objects, a
-- type and users (IMPERSONATE on the user mapped to a login, guarded in
-- the script like everything about that user); one that cannot be
-- scripted (on the encrypted procedure). The XML schema collection has an
-- owner of its own too (before its permission: a change of owner drops them).
ALTER AUTHORIZATION ON OBJECT::sales.CustomerOrders TO reporting;
ALTER AUTHORIZATION ON XML SCHEMA COLLECTION::dbo.NoteSchema TO reporting;
GRANT VIEW DEFINITION TO auditors;
GRANT SELECT ON SCHEMA::sales TO reporting;
GRANT SELECT ON hr.Employees TO reporting;
DENY SELECT ON hr.Employees (Salary) TO reporting;
DENY DELETE ON sales.Orders TO public;
GRANT EXECUTE ON sales.usp_AddOrder TO app_user WITH GRANT OPTION;
GRANT EXECUTE ON TYPE::sales.OrderLineList TO app_user;
GRANT IMPERSONATE ON USER::etl_user TO auditors;
GRANT SELECT ON sales.Customers TO web_user;
GRANT IMPERSONATE ON USER::web_user TO app_user;
GRANT EXECUTE ON dbo.usp_Secret TO reporting;
GRANT EXECUTE ON sales.usp_OrderCount TO reporting;
GRANT REFERENCES ON XML SCHEMA COLLECTION::dbo.NoteSchema TO app_user;
GO

-- Extended properties of every class the scripter writes beyond objects,
-- columns, indexes, schemas and types: a parameter, principals (a user
-- and a role), a column of a table type, a column of a view and an XML
-- schema collection.
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'Who orders', @level0type = N'SCHEMA', @level0name = N'sales', @level1type = N'PROCEDURE', @level1name = N'usp_AddOrder', @level2type = N'PARAMETER', @level2name = N'@CustomerID';
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'The application', @level0type = N'USER', @level0name = N'app_user';
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'Read-only reporting', @level0type = N'USER', @level0name = N'reporting';
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'How many', @level0type = N'SCHEMA', @level0name = N'sales', @level1type = N'TYPE', @level1name = N'OrderLineList', @level2type = N'COLUMN', @level2name = N'Quantity';
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'The customer', @level0type = N'SCHEMA', @level0name = N'sales', @level1type = N'VIEW', @level1name = N'CustomerOrders', @level2type = N'COLUMN', @level2name = N'CustomerID';
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'Notes: to, body and kind', @level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'XML SCHEMA COLLECTION', @level1name = N'NoteSchema';
GO

-- Dynamic data masks (SQL Server 2016): a string column and a number.
ALTER TABLE sales.Customers ALTER COLUMN Email ADD MASKED WITH (FUNCTION = 'email()');
ALTER TABLE hr.Employees ALTER COLUMN Salary ADD MASKED WITH (FUNCTION = 'random(1, 100)');
GO

-- Row-level security (SQL Server 2016): an inline, schema-bound predicate
-- function; a disabled policy with a filter and a block predicate (an
-- enabled filter predicate would make the backup refuse: the login might
-- not see every row), and an enabled one with a block predicate only,
-- NOT FOR REPLICATION. Created after the rows, as the restore does.
CREATE TABLE sales.TenantNotes (
    NoteID int NOT NULL CONSTRAINT PK_TenantNotes PRIMARY KEY,
    TenantID int NOT NULL,
    Note nvarchar(100) NOT NULL
);
INSERT sales.TenantNotes VALUES (1, 1, N'first tenant'), (2, 2, N'second tenant'), (3, 1, N'it''s the first again');
GO
CREATE FUNCTION sales.fn_TenantAccess (@TenantID int)
RETURNS TABLE
WITH SCHEMABINDING
AS
RETURN SELECT 1 AS allowed
WHERE @TenantID = CONVERT(int, SESSION_CONTEXT(N'TenantID')) OR IS_MEMBER(N'db_owner') = 1;
GO
CREATE SECURITY POLICY sales.TenantFilter
    ADD FILTER PREDICATE sales.fn_TenantAccess(TenantID) ON sales.TenantNotes,
    ADD BLOCK PREDICATE sales.fn_TenantAccess(TenantID) ON sales.TenantNotes AFTER INSERT
    WITH (STATE = OFF);
CREATE SECURITY POLICY sales.TenantGuard
    ADD BLOCK PREDICATE sales.fn_TenantAccess(TenantID) ON sales.TenantNotes BEFORE DELETE
    WITH (STATE = ON)
    NOT FOR REPLICATION;
-- A policy with an owner other than its schema's.
ALTER AUTHORIZATION ON OBJECT::sales.TenantGuard TO app_user;
GO
