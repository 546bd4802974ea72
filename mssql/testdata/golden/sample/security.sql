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
-- Roles, role members, owners and permissions of database [sample]
-- What depends on a user mapped to a server login (schema.sql creates it only where this server has
-- that login) is run only where the user was created.

-- Roles
DECLARE @sql nvarchar(max) = N'CREATE ROLE [r' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s] AUTHORIZATION [dbo];';
EXEC sys.sp_executesql @sql;
GO
CREATE ROLE [reporting] AUTHORIZATION [dbo];
GO
CREATE ROLE [auditors] AUTHORIZATION [reporting];
GO

-- Role members
ALTER ROLE [db_datareader] ADD MEMBER [reporting];
GO
DECLARE @sql nvarchar(max) = N'ALTER ROLE [r' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s] ADD MEMBER [u' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s];';
EXEC sys.sp_executesql @sql;
GO
ALTER ROLE [reporting] ADD MEMBER [app_user];
GO
ALTER ROLE [reporting] ADD MEMBER [auditors];
GO
IF DATABASE_PRINCIPAL_ID(N'web_user') IS NOT NULL
    ALTER ROLE [reporting] ADD MEMBER [web_user];
GO

-- Owners
ALTER AUTHORIZATION ON SCHEMA::[reports] TO [reporting];
GO
IF OBJECT_ID(N'[sales].[CustomerOrders]') IS NOT NULL
    ALTER AUTHORIZATION ON OBJECT::[sales].[CustomerOrders] TO [reporting];
GO
IF EXISTS (SELECT 1 FROM sys.fulltext_catalogs WHERE name = N'ftc_Sample')
    ALTER AUTHORIZATION ON FULLTEXT CATALOG::[ftc_Sample] TO [reporting];
GO
IF EXISTS (SELECT 1 FROM sys.fulltext_stoplists WHERE name = N'sl_Sample')
    ALTER AUTHORIZATION ON FULLTEXT STOPLIST::[sl_Sample] TO [app_user];
GO
IF OBJECT_ID(N'[sales].[TenantGuard]') IS NOT NULL
    ALTER AUTHORIZATION ON OBJECT::[sales].[TenantGuard] TO [app_user];
GO
ALTER AUTHORIZATION ON XML SCHEMA COLLECTION::[dbo].[NoteSchema] TO [reporting];
GO

-- Permissions on the database
GRANT VIEW DEFINITION TO [auditors];
GO
REVOKE CONNECT FROM [etl_user];
GO
GRANT VIEW ANY COLUMN ENCRYPTION KEY DEFINITION TO [public];
GO
GRANT VIEW ANY COLUMN MASTER KEY DEFINITION TO [public];
GO

-- Permissions on [evil\r\nDROP DATABASE x;\r\nGO\r\n$\(x) *\/ it's].[t\r\nDROP DATABASE x;\r\nGO\r\n$\(x) *\/ it's]
DECLARE @sql nvarchar(max) = N'GRANT SELECT ON OBJECT::[evil' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s].[t' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s] TO [r' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s];';
EXEC sys.sp_executesql @sql;
GO

-- Permissions on [hr].[Employees]
GRANT SELECT ON OBJECT::[hr].[Employees] TO [reporting];
GO
DENY SELECT ON OBJECT::[hr].[Employees] ([Salary]) TO [reporting];
GO

-- Permissions on [sales].[Customers]
IF DATABASE_PRINCIPAL_ID(N'web_user') IS NOT NULL
    GRANT SELECT ON OBJECT::[sales].[Customers] TO [web_user];
GO

-- Permissions on [sales].[Orders]
DENY DELETE ON OBJECT::[sales].[Orders] TO [public];
GO

-- Permissions on [sales].[usp_AddOrder]
IF OBJECT_ID(N'[sales].[usp_AddOrder]') IS NOT NULL
    GRANT EXECUTE ON OBJECT::[sales].[usp_AddOrder] TO [app_user] WITH GRANT OPTION;
GO

-- Permissions on [sales].[usp_OrderCount]
IF OBJECT_ID(N'[sales].[usp_OrderCount]') IS NOT NULL
    GRANT EXECUTE ON OBJECT::[sales].[usp_OrderCount] TO [reporting];
GO

-- Permissions on schema [sales]
GRANT SELECT ON SCHEMA::[sales] TO [reporting];
GO

-- Permissions on user [etl_user]
GRANT IMPERSONATE ON USER::[etl_user] TO [auditors];
GO

-- Permissions on user [web_user]
IF DATABASE_PRINCIPAL_ID(N'web_user') IS NOT NULL
    GRANT IMPERSONATE ON USER::[web_user] TO [app_user];
GO

-- Permissions on type [sales].[OrderLineList]
GRANT EXECUTE ON TYPE::[sales].[OrderLineList] TO [app_user];
GO

-- Permissions on XML schema collection [dbo].[NoteSchema]
GRANT REFERENCES ON XML SCHEMA COLLECTION::[dbo].[NoteSchema] TO [app_user];
GO

-- Extended property N'MS_Description' of principal [app_user]
DECLARE @value sql_variant = CAST(CAST(N'The application' AS nvarchar(15)) AS sql_variant);
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = @value, @level0type = N'USER', @level0name = N'app_user';
GO

-- Extended property N'MS_Description' of principal [reporting]
DECLARE @value sql_variant = CAST(CAST(N'Read-only reporting' AS nvarchar(19)) AS sql_variant);
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = @value, @level0type = N'USER', @level0name = N'reporting';
GO

-- Database DDL triggers, last: they would fire on the statements of the restore. Each is disabled
-- as soon as it is created; those that were enabled are enabled at the end.

-- Database trigger [trg_DDL_Audit]
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO
DECLARE @sql nvarchar(max) = N'CREATE TRIGGER [trg_DDL_Audit] ON DATABASE FOR CREATE_TABLE AS PRINT ''a table was created'';';
BEGIN TRY
    EXEC sys.sp_executesql @sql;
END TRY
BEGIN CATCH
    PRINT N'sqlvault: database trigger [trg_DDL_Audit] was not created: ' + ERROR_MESSAGE();
END CATCH;
GO
IF EXISTS (SELECT 1 FROM sys.triggers WHERE parent_class = 0 AND name = N'trg_DDL_Audit')
    DISABLE TRIGGER [trg_DDL_Audit] ON DATABASE;
GO

-- Extended property N'MS_Description' of database trigger [trg_DDL_Audit]
DECLARE @value sql_variant = CAST(CAST(N'Notes new tables' AS nvarchar(16)) AS sql_variant);
IF EXISTS (SELECT 1 FROM sys.triggers WHERE parent_class = 0 AND name = N'trg_DDL_Audit')
    EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = @value, @level0type = N'TRIGGER', @level0name = N'trg_DDL_Audit';
GO

-- Database trigger [trg_DDL_NoDrop]
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO
DECLARE @sql nvarchar(max) = REPLACE(CAST(N'CREATE TRIGGER [trg_DDL_NoDrop] ON DATABASE FOR DROP_TABLE
AS
BEGIN
    PRINT ''tables are not dropped here'';
    ROLLBACK;
END' AS nvarchar(max)) COLLATE Latin1_General_BIN2, NCHAR(13), N'');
BEGIN TRY
    EXEC sys.sp_executesql @sql;
END TRY
BEGIN CATCH
    PRINT N'sqlvault: database trigger [trg_DDL_NoDrop] was not created: ' + ERROR_MESSAGE();
END CATCH;
GO
IF EXISTS (SELECT 1 FROM sys.triggers WHERE parent_class = 0 AND name = N'trg_DDL_NoDrop')
    DISABLE TRIGGER [trg_DDL_NoDrop] ON DATABASE;
GO

-- Database trigger [trg_DDL_Audit] fires first on CREATE_TABLE
IF EXISTS (SELECT 1 FROM sys.triggers WHERE parent_class = 0 AND name = N'trg_DDL_Audit')
    EXEC sys.sp_settriggerorder @triggername = N'trg_DDL_Audit', @order = N'First', @stmttype = N'CREATE_TABLE', @namespace = N'DATABASE';
GO
IF EXISTS (SELECT 1 FROM sys.triggers WHERE parent_class = 0 AND name = N'trg_DDL_Audit')
    ENABLE TRIGGER [trg_DDL_Audit] ON DATABASE;
GO
