IF UNICODE(N'é') <> 233 OR UNICODE(N'€') <> 8364
BEGIN
    RAISERROR (N'sqlvault: this script was not read as UTF-8 (give the ODBC sqlcmd -f 65001); nothing after this batch runs (SET NOEXEC ON)', 16, 1);
    SET NOEXEC ON;
END;
GO
SET NOCOUNT ON;
SET ANSI_NULLS ON;
SET ANSI_PADDING ON;
SET ANSI_WARNINGS ON;
SET ARITHABORT ON;
SET CONCAT_NULL_YIELDS_NULL ON;
SET NUMERIC_ROUNDABORT OFF;
SET QUOTED_IDENTIFIER ON;
GO
-- Schema of database [sample]
-- Target: SQL Server 2017 or later (for COLUMNSTORE_ARCHIVE compression (SQL Server 2014), clustered columnstore indexes (SQL Server 2014), graph tables (SQL Server 2017), indexes of table types (SQL Server 2014), temporal tables and periods (SQL Server 2016)), Azure SQL Database or Azure SQL Managed Instance.
-- On an older target the first object it cannot create stops the restore with the server's error. Options and
-- settings of newer versions (database and index options, scoped configurations, Query Store, data masks,
-- history retention, ordered columnstore) are skipped where the target lacks them, each with a message
-- "sqlvault: ... needs SQL Server N or later; not set".
-- Storage: tables and indexes are created on the default filegroup and partition schemes map every
-- partition to [PRIMARY] (manifest.json lists the filegroups and files of the source).

-- Database options (the database must be new and empty).
IF CONVERT(sysname, DATABASEPROPERTYEX(DB_NAME(), 'Collation')) <> N'SQL_Latin1_General_CP1_CI_AS'
    EXEC (N'ALTER DATABASE CURRENT COLLATE SQL_Latin1_General_CP1_CI_AS');
GO
-- Compatibility level 160 where this server supports it (else the new database keeps its own)
DECLARE @highest int = CASE WHEN CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) THEN 160
    ELSE 10 * CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) END;
IF 160 <= @highest
    EXEC (N'ALTER DATABASE CURRENT SET COMPATIBILITY_LEVEL = 160');
ELSE
BEGIN
    DECLARE @kept nvarchar(10) = (SELECT CONVERT(nvarchar(10), d.compatibility_level) FROM sys.databases AS d WHERE d.database_id = DB_ID());
    PRINT N'sqlvault: compatibility level 160 is not supported by this server; kept ' + @kept;
END
GO
ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON;
GO
-- Options as the source has them, whatever the new database's defaults
ALTER DATABASE CURRENT SET ANSI_NULL_DEFAULT OFF;
ALTER DATABASE CURRENT SET ANSI_NULLS OFF;
ALTER DATABASE CURRENT SET ANSI_PADDING OFF;
ALTER DATABASE CURRENT SET ANSI_WARNINGS OFF;
ALTER DATABASE CURRENT SET ARITHABORT OFF;
ALTER DATABASE CURRENT SET CONCAT_NULL_YIELDS_NULL OFF;
ALTER DATABASE CURRENT SET NUMERIC_ROUNDABORT OFF;
ALTER DATABASE CURRENT SET QUOTED_IDENTIFIER OFF;
ALTER DATABASE CURRENT SET RECURSIVE_TRIGGERS OFF;
ALTER DATABASE CURRENT SET AUTO_CREATE_STATISTICS ON;
ALTER DATABASE CURRENT SET AUTO_UPDATE_STATISTICS ON;
ALTER DATABASE CURRENT SET AUTO_UPDATE_STATISTICS_ASYNC ON;
ALTER DATABASE CURRENT SET AUTO_SHRINK OFF;
ALTER DATABASE CURRENT SET CURSOR_CLOSE_ON_COMMIT OFF;
ALTER DATABASE CURRENT SET PARAMETERIZATION FORCED;
ALTER DATABASE CURRENT SET READ_COMMITTED_SNAPSHOT ON;
GO
IF CONVERT(int, SERVERPROPERTY('EngineEdition')) <> 5
BEGIN
    DECLARE @sql nvarchar(max) = N'ALTER DATABASE CURRENT SET AUTO_CLOSE OFF; ALTER DATABASE CURRENT SET CURSOR_DEFAULT GLOBAL; ALTER DATABASE CURRENT SET DATE_CORRELATION_OPTIMIZATION OFF; ALTER DATABASE CURRENT SET PAGE_VERIFY CHECKSUM; ALTER DATABASE CURRENT SET TARGET_RECOVERY_TIME = 120 SECONDS;';
    EXEC sys.sp_executesql @sql;
END
ELSE
    PRINT N'sqlvault: AUTO_CLOSE, CURSOR_DEFAULT, DATE_CORRELATION_OPTIMIZATION, PAGE_VERIFY and TARGET_RECOVERY_TIME are not set on Azure SQL Database';
GO
IF CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 12
BEGIN
    DECLARE @sql nvarchar(max) = N'ALTER DATABASE CURRENT SET AUTO_CREATE_STATISTICS ON (INCREMENTAL = ON);';
    EXEC sys.sp_executesql @sql;
END
ELSE
    PRINT N'sqlvault: AUTO_CREATE_STATISTICS INCREMENTAL needs SQL Server 2014 or later; not set';
GO
IF CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 12
BEGIN
    DECLARE @sql nvarchar(max) = N'ALTER DATABASE CURRENT SET DELAYED_DURABILITY = ALLOWED;';
    EXEC sys.sp_executesql @sql;
END
ELSE
    PRINT N'sqlvault: DELAYED_DURABILITY = ALLOWED needs SQL Server 2014 or later; not set';
GO
IF CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 13
BEGIN
    DECLARE @sql nvarchar(max) = N'IF EXISTS (SELECT 1 FROM sys.database_scoped_configurations WHERE name = N''ELEVATE_ONLINE'') BEGIN ALTER DATABASE SCOPED CONFIGURATION SET ELEVATE_ONLINE = WHEN_SUPPORTED; END ELSE PRINT N''sqlvault: database scoped configuration ELEVATE_ONLINE is not known to this server; not set'';';
    EXEC sys.sp_executesql @sql;
END
ELSE
    PRINT N'sqlvault: database scoped configuration ELEVATE_ONLINE needs SQL Server 2016 or later; not set';
GO
IF CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 13
BEGIN
    DECLARE @sql nvarchar(max) = N'IF EXISTS (SELECT 1 FROM sys.database_scoped_configurations WHERE name = N''MAXDOP'') BEGIN ALTER DATABASE SCOPED CONFIGURATION SET MAXDOP = 4; ALTER DATABASE SCOPED CONFIGURATION FOR SECONDARY SET MAXDOP = 2; END ELSE PRINT N''sqlvault: database scoped configuration MAXDOP is not known to this server; not set'';';
    EXEC sys.sp_executesql @sql;
END
ELSE
    PRINT N'sqlvault: database scoped configuration MAXDOP needs SQL Server 2016 or later; not set';
GO
IF CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 13
BEGIN
    DECLARE @sql nvarchar(max) = N'IF EXISTS (SELECT 1 FROM sys.database_scoped_configurations WHERE name = N''OPTIMIZE_FOR_AD_HOC_WORKLOADS'') BEGIN ALTER DATABASE SCOPED CONFIGURATION SET OPTIMIZE_FOR_AD_HOC_WORKLOADS = ON; END ELSE PRINT N''sqlvault: database scoped configuration OPTIMIZE_FOR_AD_HOC_WORKLOADS is not known to this server; not set'';';
    EXEC sys.sp_executesql @sql;
END
ELSE
    PRINT N'sqlvault: database scoped configuration OPTIMIZE_FOR_AD_HOC_WORKLOADS needs SQL Server 2016 or later; not set';
GO
IF CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 13
BEGIN
    DECLARE @sql nvarchar(max) = N'ALTER DATABASE CURRENT SET QUERY_STORE = ON (OPERATION_MODE = READ_WRITE, CLEANUP_POLICY = (STALE_QUERY_THRESHOLD_DAYS = 45), DATA_FLUSH_INTERVAL_SECONDS = 900, INTERVAL_LENGTH_MINUTES = 15, MAX_STORAGE_SIZE_MB = 500, QUERY_CAPTURE_MODE = AUTO, SIZE_BASED_CLEANUP_MODE = AUTO, MAX_PLANS_PER_QUERY = 100);';
    EXEC sys.sp_executesql @sql;
END
ELSE
    PRINT N'sqlvault: QUERY_STORE = ON needs SQL Server 2016 or later; not set';
GO
IF CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 14
BEGIN
    DECLARE @sql nvarchar(max) = N'ALTER DATABASE CURRENT SET QUERY_STORE (WAIT_STATS_CAPTURE_MODE = ON);';
    EXEC sys.sp_executesql @sql;
END
ELSE
    PRINT N'sqlvault: Query Store WAIT_STATS_CAPTURE_MODE needs SQL Server 2017 or later; not set';
GO
-- Not applied, security settings for the target's administrator (manifest.json database): owner [sa] (the restoring login owns the copy), TRUSTWORTHY ON

-- Schema [evil\r\nDROP DATABASE x;\r\nGO\r\n$\(x) *\/ it's]
DECLARE @sql nvarchar(max) = N'CREATE SCHEMA [evil' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s] AUTHORIZATION [dbo];';
EXEC sys.sp_executesql @sql;
GO

-- Schema [graph]
CREATE SCHEMA [graph] AUTHORIZATION [dbo];
GO

-- Schema [hr]
CREATE SCHEMA [hr] AUTHORIZATION [dbo];
GO

-- Schema [odd ]]schema ü]
CREATE SCHEMA [odd ]]schema ü] AUTHORIZATION [dbo];
GO

-- Schema [reports]
CREATE SCHEMA [reports] AUTHORIZATION [dbo];
GO

-- Schema [sales]
CREATE SCHEMA [sales] AUTHORIZATION [dbo];
GO

-- Full-text catalog [ftc_Sample]
IF CONVERT(int, SERVERPROPERTY('IsFullTextInstalled')) = 1
BEGIN
    DECLARE @sql nvarchar(max);
    SET @sql = N'CREATE FULLTEXT CATALOG [ftc_Sample] WITH ACCENT_SENSITIVITY = OFF AS DEFAULT;';
    EXEC sys.sp_executesql @sql;
END
ELSE
    PRINT N'sqlvault: full-text catalog [ftc_Sample] skipped: full-text search is not installed on this server';
GO

-- Full-text stoplist [sl_Sample]
IF CONVERT(int, SERVERPROPERTY('IsFullTextInstalled')) = 1
BEGIN
    DECLARE @sql nvarchar(max);
    SET @sql = N'CREATE FULLTEXT STOPLIST [sl_Sample];';
    EXEC sys.sp_executesql @sql;
    SET @sql = N'ALTER FULLTEXT STOPLIST [sl_Sample] ADD N''straße'' LANGUAGE 1031;';
    EXEC sys.sp_executesql @sql;
    SET @sql = N'ALTER FULLTEXT STOPLIST [sl_Sample] ADD N''acme'' LANGUAGE 1033;';
    EXEC sys.sp_executesql @sql;
END
ELSE
    PRINT N'sqlvault: full-text stoplist [sl_Sample] skipped: full-text search is not installed on this server';
GO

-- Users (their roles, owners and permissions are in security.sql)
-- A user mapped to a server login is created only where this server has that login (manifest.json
-- lists them under needs_logins); what depends on such a user is run only where it was created.
CREATE USER [app_user] WITHOUT LOGIN WITH DEFAULT_SCHEMA = [sales];
GO
CREATE USER [etl_user] WITHOUT LOGIN;
GO
DECLARE @sql nvarchar(max) = N'CREATE USER [u' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s] WITHOUT LOGIN WITH DEFAULT_SCHEMA = [evil' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s];';
EXEC sys.sp_executesql @sql;
GO
IF NOT EXISTS (SELECT 1 FROM sys.server_principals WHERE name = N'sqlvault_sample_login' AND type IN ('S', 'U', 'G'))
    PRINT N'sqlvault: login [sqlvault_sample_login] does not exist on this server, or the restoring login cannot see it; user [web_user] and what depends on it were not created';
ELSE IF EXISTS (SELECT 1 FROM sys.database_principals AS u JOIN sys.server_principals AS l ON l.sid = u.sid WHERE l.name = N'sqlvault_sample_login')
    PRINT N'sqlvault: login [sqlvault_sample_login] already has a user in this database; user [web_user] and what depends on it were not created';
ELSE
    CREATE USER [web_user] FOR LOGIN [sqlvault_sample_login];
GO

-- XML schema collection [dbo].[NoteSchema]
CREATE XML SCHEMA COLLECTION [dbo].[NoteSchema] AS N'<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:sqlvault:note" targetNamespace="urn:sqlvault:note" elementFormDefault="qualified"><xsd:element name="note"><xsd:complexType><xsd:complexContent><xsd:restriction base="xsd:anyType"><xsd:sequence><xsd:element name="to" type="xsd:string"/><xsd:element name="body" type="xsd:string"/></xsd:sequence><xsd:attribute name="kind" type="t:kind"/></xsd:restriction></xsd:complexContent></xsd:complexType></xsd:element><xsd:simpleType name="kind"><xsd:restriction base="xsd:string"><xsd:enumeration value="memo"/><xsd:enumeration value="it''s"/></xsd:restriction></xsd:simpleType></xsd:schema>';
GO

-- Partition function [pf_FactsDay]
CREATE PARTITION FUNCTION [pf_FactsDay] (date) AS RANGE RIGHT FOR VALUES (CAST(N'2024-01-02' AS date));
GO

-- Partition function [pf_Names]
CREATE PARTITION FUNCTION [pf_Names] (nvarchar(20) COLLATE Latin1_General_BIN2) AS RANGE LEFT FOR VALUES (N'it''s', N'm');
GO

-- Partition scheme [ps_FactsDay]
CREATE PARTITION SCHEME [ps_FactsDay] AS PARTITION [pf_FactsDay] ALL TO ([PRIMARY]);
GO

-- Partition scheme [ps_Names]
CREATE PARTITION SCHEME [ps_Names] AS PARTITION [pf_Names] ALL TO ([PRIMARY]);
GO

-- Type [dbo].[Amount]
CREATE TYPE [dbo].[Amount] FROM decimal(19,4) NULL;
GO

-- Type [dbo].[Phone]
CREATE TYPE [dbo].[Phone] FROM varchar(20) NOT NULL;
GO

-- Table type [dbo].[CacheKeyList]
DECLARE @sql nvarchar(max);
IF CONVERT(int, SERVERPROPERTY('IsXTPSupported')) = 1 AND (CONVERT(int, SERVERPROPERTY('EngineEdition')) = 5
    OR EXISTS (SELECT 1 FROM sys.filegroups AS fg JOIN sys.database_files AS f ON f.data_space_id = fg.data_space_id WHERE fg.type = 'FX'))
    SET @sql = N'CREATE TYPE [dbo].[CacheKeyList] AS TABLE ([k] int NOT NULL, PRIMARY KEY NONCLUSTERED HASH ([k]) WITH (BUCKET_COUNT = 128)) WITH (MEMORY_OPTIMIZED = ON);';
ELSE
BEGIN
    PRINT N'sqlvault: memory-optimized table type [dbo].[CacheKeyList] is created as a disk-based one: the database has no MEMORY_OPTIMIZED_DATA filegroup or the server no In-Memory OLTP';
    SET @sql = N'CREATE TYPE [dbo].[CacheKeyList] AS TABLE ([k] int NOT NULL, PRIMARY KEY NONCLUSTERED ([k] ASC));';
END
EXEC sys.sp_executesql @sql;
GO

-- Table type [sales].[OrderLineList]
CREATE TYPE [sales].[OrderLineList] AS TABLE (
    [ProductID] int NOT NULL,
    [Quantity] smallint NOT NULL DEFAULT ((1)),
    [Note] nvarchar(50) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
    [Spec] xml(CONTENT [dbo].[NoteSchema]) NULL,
    PRIMARY KEY CLUSTERED ([ProductID] ASC),
    INDEX [IX_OrderLineList_Quantity] NONCLUSTERED ([Quantity] ASC) INCLUDE ([Note]),
    CHECK ([Quantity]>(0))
);
GO

-- Sequence [dbo].[Ticket]
CREATE SEQUENCE [dbo].[Ticket] AS int
    START WITH 1
    INCREMENT BY 5
    MINVALUE 1
    MAXVALUE 1000
    CYCLE
    NO CACHE;
GO

-- Sequence [sales].[InvoiceNumbers]
CREATE SEQUENCE [sales].[InvoiceNumbers] AS decimal(12,0)
    START WITH 1
    INCREMENT BY 1
    MINVALUE 1
    MAXVALUE 999999999999
    NO CYCLE
    CACHE;
GO

-- Sequence [sales].[OrderNumbers]
CREATE SEQUENCE [sales].[OrderNumbers] AS bigint
    START WITH 1000
    INCREMENT BY 1
    MINVALUE 1
    MAXVALUE 9223372036854775807
    NO CYCLE
    CACHE 50;
GO

-- Table [dbo].[AllTypes]
CREATE TABLE [dbo].[AllTypes] (
    [id] int NOT NULL,
    [c_bit] bit NULL,
    [c_tinyint] tinyint NULL,
    [c_smallint] smallint NULL,
    [c_int] int NULL,
    [c_bigint] bigint NULL,
    [c_decimal] decimal(38,10) NULL,
    [c_numeric] numeric(5,2) NULL,
    [c_money] money NULL,
    [c_smallmoney] smallmoney NULL,
    [c_real] real NULL,
    [c_float] float NULL,
    [c_date] date NULL,
    [c_time] time(7) NULL,
    [c_time0] time(0) NULL,
    [c_datetime2] datetime2(7) NULL,
    [c_datetime2_3] datetime2(3) NULL,
    [c_dto] datetimeoffset(7) NULL,
    [c_datetime] datetime NULL,
    [c_smalldatetime] smalldatetime NULL,
    [c_char] char(10) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
    [c_varchar] varchar(100) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
    [c_varcharmax] varchar(max) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
    [c_text] text COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
    [c_nchar] nchar(10) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
    [c_nvarchar] nvarchar(200) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
    [c_nvarcharmax] nvarchar(max) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
    [c_ntext] ntext COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
    [c_binary] binary(8) NULL,
    [c_varbinary] varbinary(50) NULL,
    [c_varbinarymax] varbinary(max) NULL,
    [c_image] image NULL,
    [c_guid] uniqueidentifier NULL,
    [c_xml] xml NULL,
    [c_variant] sql_variant NULL,
    [c_hierarchyid] hierarchyid NULL,
    [c_geometry] geometry NULL,
    [c_geography] geography NULL,
    [c_rowversion] rowversion NOT NULL,
    CONSTRAINT [PK_AllTypes] PRIMARY KEY CLUSTERED ([id] ASC)
);
GO

-- Table [dbo].[BigValues]
CREATE TABLE [dbo].[BigValues] (
    [id] int NOT NULL,
    [big_n] nvarchar(max) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
    [big_b] varbinary(max) NULL,
    [big_v] varchar(max) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
    CONSTRAINT [PK_BigValues] PRIMARY KEY CLUSTERED ([id] ASC)
);
GO

-- Table [dbo].[Cache]
DECLARE @sql nvarchar(max);
IF CONVERT(int, SERVERPROPERTY('IsXTPSupported')) = 1 AND (CONVERT(int, SERVERPROPERTY('EngineEdition')) = 5
    OR EXISTS (SELECT 1 FROM sys.filegroups AS fg JOIN sys.database_files AS f ON f.data_space_id = fg.data_space_id WHERE fg.type = 'FX'))
    SET @sql = N'CREATE TABLE [dbo].[Cache] ([k] int NOT NULL, [v] varbinary(100) NULL, [expires] datetime2(0) NOT NULL, CONSTRAINT [PK_Cache] PRIMARY KEY NONCLUSTERED HASH ([k]) WITH (BUCKET_COUNT = 1024), INDEX [IX_Cache_expires] NONCLUSTERED ([expires] DESC)) WITH (MEMORY_OPTIMIZED = ON, DURABILITY = SCHEMA_AND_DATA);';
ELSE
BEGIN
    PRINT N'sqlvault: memory-optimized table [dbo].[Cache] is created as a disk-based one: the database has no MEMORY_OPTIMIZED_DATA filegroup or the server no In-Memory OLTP';
    SET @sql = N'CREATE TABLE [dbo].[Cache] ([k] int NOT NULL, [v] varbinary(100) NULL, [expires] datetime2(0) NOT NULL, CONSTRAINT [PK_Cache] PRIMARY KEY NONCLUSTERED ([k] ASC)); CREATE NONCLUSTERED INDEX [IX_Cache_expires] ON [dbo].[Cache] ([expires] DESC);';
END
EXEC sys.sp_executesql @sql;
GO

-- Table [dbo].[CacheSessions]
DECLARE @sql nvarchar(max);
IF CONVERT(int, SERVERPROPERTY('IsXTPSupported')) = 1 AND (CONVERT(int, SERVERPROPERTY('EngineEdition')) = 5
    OR EXISTS (SELECT 1 FROM sys.filegroups AS fg JOIN sys.database_files AS f ON f.data_space_id = fg.data_space_id WHERE fg.type = 'FX'))
    SET @sql = N'CREATE TABLE [dbo].[CacheSessions] ([id] uniqueidentifier NOT NULL, [login] nvarchar(128) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL, CONSTRAINT [PK_CacheSessions] PRIMARY KEY NONCLUSTERED ([id] ASC), INDEX [IX_CacheSessions_login] NONCLUSTERED HASH ([login]) WITH (BUCKET_COUNT = 64)) WITH (MEMORY_OPTIMIZED = ON, DURABILITY = SCHEMA_ONLY);';
ELSE
BEGIN
    PRINT N'sqlvault: memory-optimized table [dbo].[CacheSessions] is created as a disk-based one: the database has no MEMORY_OPTIMIZED_DATA filegroup or the server no In-Memory OLTP';
    SET @sql = N'CREATE TABLE [dbo].[CacheSessions] ([id] uniqueidentifier NOT NULL, [login] nvarchar(128) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL, CONSTRAINT [PK_CacheSessions] PRIMARY KEY NONCLUSTERED ([id] ASC)); CREATE NONCLUSTERED INDEX [IX_CacheSessions_login] ON [dbo].[CacheSessions] ([login] ASC);';
END
EXEC sys.sp_executesql @sql;
GO

-- Table [dbo].[Documents]
CREATE TABLE [dbo].[Documents] (
    [id] int NOT NULL,
    [Doc] xml(DOCUMENT [dbo].[NoteSchema]) NOT NULL,
    [Extra] xml(CONTENT [dbo].[NoteSchema]) NULL,
    CONSTRAINT [PK_Documents] PRIMARY KEY CLUSTERED ([id] ASC)
);
GO

-- Table [dbo].[Empty]
CREATE TABLE [dbo].[Empty] (
    [id] int IDENTITY(1,1) NOT NULL,
    [v] nvarchar(10) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
    CONSTRAINT [PK_Empty] PRIMARY KEY CLUSTERED ([id] ASC)
);
GO

-- Table [dbo].[Events]
CREATE TABLE [dbo].[Events] (
    [EventTime] datetime2(3) NOT NULL,
    [Kind] varchar(20) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    [Payload] nvarchar(200) COLLATE SQL_Latin1_General_CP1_CI_AS NULL
) WITH (DATA_COMPRESSION = ROW);
GO

-- Table [dbo].[Facts]
CREATE TABLE [dbo].[Facts] (
    [Day] date NOT NULL,
    [Amount] decimal(12,2) NOT NULL,
    [Qty] int NOT NULL
) ON [ps_FactsDay] ([Day]);
GO

-- Table [dbo].[Legacy]
SET ANSI_NULLS OFF;
SET ANSI_PADDING OFF;
CREATE TABLE [dbo].[Legacy] (
    [id] int NOT NULL,
    [code] char(10) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
    CONSTRAINT [PK_Legacy] PRIMARY KEY CLUSTERED ([id] ASC)
);
SET ANSI_PADDING ON;
ALTER TABLE [dbo].[Legacy] ADD [name] varchar(20) COLLATE SQL_Latin1_General_CP1_CI_AS NULL;
SET ANSI_NULLS ON;
GO

-- Table [dbo].[Tuned]
CREATE TABLE [dbo].[Tuned] (
    [ID] int IDENTITY(1,1) NOT NULL,
    [Code] varchar(20) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    [Notes] nvarchar(max) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
    [Legacy] text COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
    CONSTRAINT [PK_Tuned] PRIMARY KEY CLUSTERED ([ID] ASC) WITH (STATISTICS_NORECOMPUTE = ON)
);
GO
ALTER TABLE [dbo].[Tuned] SET (LOCK_ESCALATION = DISABLE);
GO
EXEC sys.sp_tableoption @TableNamePattern = N'[dbo].[Tuned]', @OptionName = N'large value types out of row', @OptionValue = N'ON';
GO
EXEC sys.sp_tableoption @TableNamePattern = N'[dbo].[Tuned]', @OptionName = N'text in row', @OptionValue = N'512';
GO

-- Table [dbo].[TunedFacts]
CREATE TABLE [dbo].[TunedFacts] (
    [Day] date NOT NULL,
    [Amount] decimal(19,4) NOT NULL
);
GO

-- Table [dbo].[Validity]
CREATE TABLE [dbo].[Validity] (
    [id] int NOT NULL,
    [ValidFrom] datetime2(7) NOT NULL,
    [ValidTo] datetime2(7) NOT NULL,
    CONSTRAINT [PK_Validity] PRIMARY KEY CLUSTERED ([id] ASC)
);
GO

-- Table [evil\r\nDROP DATABASE x;\r\nGO\r\n$\(x) *\/ it's].[t\r\nDROP DATABASE x;\r\nGO\r\n$\(x) *\/ it's]
DECLARE @sql nvarchar(max) = N'CREATE TABLE [evil' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s].[t' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s] (' + NCHAR(10) + N'    [id] int IDENTITY(1,1) NOT NULL,' + NCHAR(10) + N'    [c' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s] nvarchar(40) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,' + NCHAR(10) + N'    CONSTRAINT [PK' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s] PRIMARY KEY CLUSTERED ([id] ASC)' + NCHAR(10) + N');';
EXEC sys.sp_executesql @sql;
GO

-- Table [graph].[City]
IF NOT (CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 14)
BEGIN
    RAISERROR (N'sqlvault: this database has graph tables (AS NODE, AS EDGE), which need SQL Server 2017 or later; nothing after this batch runs (SET NOEXEC ON)', 16, 1);
    SET NOEXEC ON;
END;
GO
CREATE TABLE [graph].[City] (
    [Code] nvarchar(10) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    [Name] nvarchar(50) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    CONSTRAINT [PK_City] PRIMARY KEY CLUSTERED ([Code] ASC),
    INDEX [GRAPH_UNIQUE_INDEX_5C6A0F1E2D3B4A5968778695A4B3C2D1] UNIQUE NONCLUSTERED ($node_id ASC)
) AS NODE;
GO

-- Table [graph].[Person]
IF NOT (CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 14)
BEGIN
    RAISERROR (N'sqlvault: this database has graph tables (AS NODE, AS EDGE), which need SQL Server 2017 or later; nothing after this batch runs (SET NOEXEC ON)', 16, 1);
    SET NOEXEC ON;
END;
GO
CREATE TABLE [graph].[Person] (
    [ID] int NOT NULL,
    [Name] nvarchar(50) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    CONSTRAINT [PK_Person] PRIMARY KEY CLUSTERED ([ID] ASC),
    INDEX [GRAPH_UNIQUE_INDEX_0E1D2C3B4A5948675645342312F1E0D9] UNIQUE NONCLUSTERED ($node_id ASC)
) AS NODE;
GO

-- Table [graph].[knows]
IF NOT (CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 14)
BEGIN
    RAISERROR (N'sqlvault: this database has graph tables (AS NODE, AS EDGE), which need SQL Server 2017 or later; nothing after this batch runs (SET NOEXEC ON)', 16, 1);
    SET NOEXEC ON;
END;
GO
CREATE TABLE [graph].[knows] (
    [rating] int NULL,
    INDEX [GRAPH_UNIQUE_INDEX_7F6E5D4C3B2A41908F7E6D5C4B3A2918] UNIQUE NONCLUSTERED ($edge_id ASC)
) AS EDGE;
GO

-- Table [graph].[livesIn]
IF NOT (CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 14)
BEGIN
    RAISERROR (N'sqlvault: this database has graph tables (AS NODE, AS EDGE), which need SQL Server 2017 or later; nothing after this batch runs (SET NOEXEC ON)', 16, 1);
    SET NOEXEC ON;
END;
GO
CREATE TABLE [graph].[livesIn] (
    [since] date NULL,
    INDEX [GRAPH_UNIQUE_INDEX_18293A4B5C6D4E7F8091A2B3C4D5E6F7] UNIQUE NONCLUSTERED ($edge_id ASC)
) AS EDGE;
GO

-- Table [hr].[Departments]
CREATE TABLE [hr].[Departments] (
    [DeptID] int NOT NULL,
    [Name] nvarchar(50) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    [ManagerID] int NULL,
    CONSTRAINT [PK_Departments] PRIMARY KEY CLUSTERED ([DeptID] ASC)
);
GO

-- Table [hr].[Employees]
CREATE TABLE [hr].[Employees] (
    [EmpID] int NOT NULL,
    [Name] nvarchar(50) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    [DeptID] int NOT NULL,
    [ManagerID] int NULL,
    [Salary] decimal(10,2) NULL,
    CONSTRAINT [PK_Employees] PRIMARY KEY CLUSTERED ([EmpID] ASC)
);
GO

-- Table [hr].[Positions]
CREATE TABLE [hr].[Positions] (
    [PositionID] int NOT NULL,
    [Title] nvarchar(100) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    [ValidFrom] datetime2(7) NOT NULL,
    [ValidTo] datetime2(7) NOT NULL,
    CONSTRAINT [PK_Positions] PRIMARY KEY CLUSTERED ([PositionID] ASC)
);
GO

-- Table [hr].[PositionsHistory]
CREATE TABLE [hr].[PositionsHistory] (
    [PositionID] int NOT NULL,
    [Title] nvarchar(100) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    [ValidFrom] datetime2(7) NOT NULL,
    [ValidTo] datetime2(7) NOT NULL
);
GO

-- Table [odd ]]schema ü].[Table ]]with spaces 😀]
CREATE TABLE [odd ]]schema ü].[Table ]]with spaces 😀] (
    [id] int NOT NULL,
    [col ]]x] nvarchar(20) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
    [ünïcødé col] nvarchar(20) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
    CONSTRAINT [PK odd ]]name] PRIMARY KEY CLUSTERED ([id] DESC)
);
GO

-- Table [sales].[Customers]
CREATE TABLE [sales].[Customers] (
    [CustomerID] int IDENTITY(1,1) NOT NULL,
    [Name] nvarchar(100) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    [Phone] [dbo].[Phone] NULL,
    [Email] varchar(200) COLLATE Latin1_General_CS_AS NULL,
    [RowGuid] uniqueidentifier ROWGUIDCOL NOT NULL CONSTRAINT [DF_Customers_RowGuid] DEFAULT (newid()),
    [CreatedAt] datetime2(3) NOT NULL CONSTRAINT [DF_Customers_CreatedAt] DEFAULT (sysutcdatetime()),
    [FullInfo] AS (concat([Name],N' <',[Email],N'>')),
    [NameLength] AS (len([Name])) PERSISTED,
    [Notes] nvarchar(max) COLLATE SQL_Latin1_General_CP1_CI_AS SPARSE NULL,
    [ReferredBy] int NULL,
    CONSTRAINT [PK_Customers] PRIMARY KEY CLUSTERED ([CustomerID] ASC),
    CONSTRAINT [UQ_Customers_Email] UNIQUE NONCLUSTERED ([Email] ASC)
);
GO

-- Table [sales].[TenantNotes]
CREATE TABLE [sales].[TenantNotes] (
    [NoteID] int NOT NULL,
    [TenantID] int NOT NULL,
    [Note] nvarchar(100) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    CONSTRAINT [PK_TenantNotes] PRIMARY KEY CLUSTERED ([NoteID] ASC)
);
GO

-- Function [dbo].[fn_Numbers]
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO
DECLARE @sql nvarchar(max) = REPLACE(CAST(N'CREATE FUNCTION [dbo].[fn_Numbers] (@n int)
RETURNS @t TABLE (n int NOT NULL PRIMARY KEY)
AS
BEGIN
    DECLARE @i int = 1;
    WHILE @i <= @n BEGIN INSERT @t VALUES (@i); SET @i += 1; END;
    RETURN;
END
' AS nvarchar(max)) COLLATE Latin1_General_BIN2, NCHAR(13), N'');
BEGIN TRY
    EXEC sys.sp_executesql @sql;
END TRY
BEGIN CATCH
    PRINT N'sqlvault: function [dbo].[fn_Numbers] was not created: ' + ERROR_MESSAGE();
END CATCH;
GO

-- Function [dbo].[fn_Tax]
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO
DECLARE @sql nvarchar(max) = REPLACE(REPLACE(CAST(N'CREATE FUNCTION [dbo].[fn_Tax] (@amount money)
RETURNS money
WITH SCHEMABINDING
AS
BEGIN
    RETURN @amount * 0.2;
END' AS nvarchar(max)) COLLATE Latin1_General_BIN2, NCHAR(13), N''), NCHAR(10), NCHAR(13) + NCHAR(10));
BEGIN TRY
    EXEC sys.sp_executesql @sql;
END TRY
BEGIN CATCH
    PRINT N'sqlvault: function [dbo].[fn_Tax] was not created: ' + ERROR_MESSAGE();
END CATCH;
GO

-- Table [sales].[Orders]
CREATE TABLE [sales].[Orders] (
    [OrderID] bigint NOT NULL CONSTRAINT [DF_Orders_OrderID] DEFAULT (NEXT VALUE FOR [sales].[OrderNumbers]),
    [CustomerID] int NOT NULL,
    [OrderDate] date NOT NULL,
    [Total] [dbo].[Amount] NULL,
    [Status] tinyint NOT NULL CONSTRAINT [DF_Orders_Status] DEFAULT ((0)),
    [Tax] AS ([dbo].[fn_Tax]([Total])),
    [RowVer] rowversion NOT NULL,
    CONSTRAINT [PK_Orders] PRIMARY KEY CLUSTERED ([OrderID] ASC)
);
GO

-- Table [sales].[OrderLines]
CREATE TABLE [sales].[OrderLines] (
    [OrderID] bigint NOT NULL,
    [LineNo] smallint NOT NULL,
    [ProductID] int NOT NULL,
    [Quantity] smallint NOT NULL,
    [Price] money NOT NULL,
    CONSTRAINT [PK_OrderLines] PRIMARY KEY CLUSTERED ([OrderID] ASC, [LineNo] ASC) WITH (DATA_COMPRESSION = PAGE)
);
GO

-- Function [sales].[fn_CustomerOrders]
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO
DECLARE @sql nvarchar(max) = REPLACE(CAST(N'CREATE FUNCTION [sales].[fn_CustomerOrders] (@CustomerID int)
RETURNS TABLE
AS
RETURN SELECT OrderID, OrderDate, Total FROM sales.Orders WHERE CustomerID = @CustomerID;' AS nvarchar(max)) COLLATE Latin1_General_BIN2, NCHAR(13), N'');
BEGIN TRY
    EXEC sys.sp_executesql @sql;
END TRY
BEGIN CATCH
    PRINT N'sqlvault: function [sales].[fn_CustomerOrders] was not created: ' + ERROR_MESSAGE();
END CATCH;
GO

-- Function [sales].[fn_TenantAccess]
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO
DECLARE @sql nvarchar(max) = REPLACE(CAST(N'CREATE FUNCTION [sales].[fn_TenantAccess] (@TenantID int)
RETURNS TABLE
WITH SCHEMABINDING
AS
RETURN SELECT 1 AS allowed
WHERE @TenantID = CONVERT(int, SESSION_CONTEXT(N''TenantID'')) OR IS_MEMBER(N''db_owner'') = 1;' AS nvarchar(max)) COLLATE Latin1_General_BIN2, NCHAR(13), N'');
BEGIN TRY
    EXEC sys.sp_executesql @sql;
END TRY
BEGIN CATCH
    PRINT N'sqlvault: function [sales].[fn_TenantAccess] was not created: ' + ERROR_MESSAGE();
END CATCH;
GO

-- View [sales].[CustomerOrders]
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO
DECLARE @sql nvarchar(max) = REPLACE(CAST(N'-- Orders with their customers
CREATE VIEW [sales].[CustomerOrders]
AS
SELECT c.CustomerID, c.Name, o.OrderID, o.OrderDate, o.Total
FROM sales.Customers AS c
JOIN sales.Orders AS o ON o.CustomerID = c.CustomerID;' AS nvarchar(max)) COLLATE Latin1_General_BIN2, NCHAR(13), N'');
BEGIN TRY
    EXEC sys.sp_executesql @sql;
END TRY
BEGIN CATCH
    PRINT N'sqlvault: view [sales].[CustomerOrders] was not created: ' + ERROR_MESSAGE();
END CATCH;
GO

-- View [sales].[OrderTotals]
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO
DECLARE @sql nvarchar(max) = REPLACE(CAST(N'CREATE VIEW [sales].[OrderTotals]
WITH SCHEMABINDING
AS
SELECT CustomerID, COUNT_BIG(*) AS OrderCount
FROM sales.Orders
GROUP BY CustomerID;' AS nvarchar(max)) COLLATE Latin1_General_BIN2, NCHAR(13), N'');
BEGIN TRY
    EXEC sys.sp_executesql @sql;
END TRY
BEGIN CATCH
    PRINT N'sqlvault: view [sales].[OrderTotals] was not created: ' + ERROR_MESSAGE();
END CATCH;
GO

-- Procedure [dbo].[usp_A]
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO
DECLARE @sql nvarchar(max) = REPLACE(CAST(N'CREATE PROCEDURE [dbo].[usp_A] @depth int = 0
AS
IF @depth < 3 EXEC dbo.usp_B @depth = @depth;' AS nvarchar(max)) COLLATE Latin1_General_BIN2, NCHAR(13), N'');
BEGIN TRY
    EXEC sys.sp_executesql @sql;
END TRY
BEGIN CATCH
    PRINT N'sqlvault: procedure [dbo].[usp_A] was not created: ' + ERROR_MESSAGE();
END CATCH;
GO

-- Procedure [dbo].[usp_B]
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO
DECLARE @sql nvarchar(max) = REPLACE(CAST(N'CREATE PROCEDURE [dbo].[usp_B] @depth int = 0
AS
DECLARE @next int = @depth + 1;
EXEC dbo.usp_A @depth = @next;' AS nvarchar(max)) COLLATE Latin1_General_BIN2, NCHAR(13), N'');
BEGIN TRY
    EXEC sys.sp_executesql @sql;
END TRY
BEGIN CATCH
    PRINT N'sqlvault: procedure [dbo].[usp_B] was not created: ' + ERROR_MESSAGE();
END CATCH;
GO

-- Procedure [dbo].[usp_Numbered]
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO
DECLARE @sql nvarchar(max) = REPLACE(CAST(N'CREATE PROCEDURE [dbo].[usp_Numbered]
AS
SELECT 1 AS n;' AS nvarchar(max)) COLLATE Latin1_General_BIN2, NCHAR(13), N'');
BEGIN TRY
    EXEC sys.sp_executesql @sql;
END TRY
BEGIN CATCH
    PRINT N'sqlvault: procedure [dbo].[usp_Numbered] was not created: ' + ERROR_MESSAGE();
END CATCH;
GO

-- Procedure [dbo].[usp_Path]
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO
DECLARE @sql nvarchar(max) = N'CREATE PROCEDURE [dbo].[usp_Path]' + NCHAR(10) + N'AS' + NCHAR(10) + N'DECLARE @p varchar(260);' + NCHAR(10) + N'SET @p = ''C:' + NCHAR(92) + N''';' + NCHAR(10) + N'SELECT @p AS root;';
BEGIN TRY
    EXEC sys.sp_executesql @sql;
END TRY
BEGIN CATCH
    PRINT N'sqlvault: procedure [dbo].[usp_Path] was not created: ' + ERROR_MESSAGE();
END CATCH;
GO

-- Procedure [dbo].[usp_Weird]
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO
DECLARE @sql nvarchar(max) = N'CREATE PROCEDURE [dbo].[usp_Weird]' + NCHAR(10) + N'AS' + NCHAR(10) + N'/* a comment with a line that is just' + NCHAR(10) + N'GO' + NCHAR(10) + N'which sqlcmd would split */' + NCHAR(10) + N'SELECT N''$' + N'(notavar)'' AS v, N''it''''s'' AS q;';
BEGIN TRY
    EXEC sys.sp_executesql @sql;
END TRY
BEGIN CATCH
    PRINT N'sqlvault: procedure [dbo].[usp_Weird] was not created: ' + ERROR_MESSAGE();
END CATCH;
GO

-- Procedure [sales].[usp_AddOrder]
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO
DECLARE @sql nvarchar(max) = REPLACE(CAST(N'CREATE PROCEDURE [sales].[usp_AddOrder]
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
END' AS nvarchar(max)) COLLATE Latin1_General_BIN2, NCHAR(13), N'');
BEGIN TRY
    EXEC sys.sp_executesql @sql;
END TRY
BEGIN CATCH
    PRINT N'sqlvault: procedure [sales].[usp_AddOrder] was not created: ' + ERROR_MESSAGE();
END CATCH;
GO

-- Procedure [sales].[usp_CustomerCount]
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO
DECLARE @sql nvarchar(max) = REPLACE(CAST(N'-- Renamed and moved to sales after it was created: its definition keeps its first name.
CREATE PROCEDURE [sales].[usp_CustomerCount]
AS
SELECT COUNT(*) AS Customers FROM sales.Customers;' AS nvarchar(max)) COLLATE Latin1_General_BIN2, NCHAR(13), N'');
BEGIN TRY
    EXEC sys.sp_executesql @sql;
END TRY
BEGIN CATCH
    PRINT N'sqlvault: procedure [sales].[usp_CustomerCount] was not created: ' + ERROR_MESSAGE();
END CATCH;
GO

-- Procedure [sales].[usp_OrderCount]
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO
DECLARE @sql nvarchar(max) = REPLACE(CAST(N'CREATE PROCEDURE [sales].[usp_OrderCount]
WITH EXECUTE AS ''app_user''
AS
SELECT COUNT(*) AS Orders FROM sales.Orders;' AS nvarchar(max)) COLLATE Latin1_General_BIN2, NCHAR(13), N'');
BEGIN TRY
    EXEC sys.sp_executesql @sql;
END TRY
BEGIN CATCH
    PRINT N'sqlvault: procedure [sales].[usp_OrderCount] was not created: ' + ERROR_MESSAGE();
END CATCH;
GO

-- Synonym [dbo].[Clients]
CREATE SYNONYM [dbo].[Clients] FOR [sales].[Customers];
GO
