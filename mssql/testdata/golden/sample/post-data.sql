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
-- Objects created after the data of database [sample]

-- Spatial index [SIX_AllTypes_geometry] on [dbo].[AllTypes]
CREATE SPATIAL INDEX [SIX_AllTypes_geometry] ON [dbo].[AllTypes] ([c_geometry]) USING GEOMETRY_GRID WITH (BOUNDING_BOX = (-10E0, -10.5E0, 500E0, 200E0), GRIDS = (LEVEL_1 = LOW, LEVEL_2 = MEDIUM, LEVEL_3 = HIGH, LEVEL_4 = MEDIUM), CELLS_PER_OBJECT = 16, DATA_COMPRESSION = PAGE);
GO

-- Spatial index [SIX_AllTypes_geography] on [dbo].[AllTypes]
CREATE SPATIAL INDEX [SIX_AllTypes_geography] ON [dbo].[AllTypes] ([c_geography]) USING GEOGRAPHY_AUTO_GRID WITH (CELLS_PER_OBJECT = 12);
GO

-- XML index [PXML_Documents_Doc] on [dbo].[Documents]
CREATE PRIMARY XML INDEX [PXML_Documents_Doc] ON [dbo].[Documents] ([Doc]);
GO

-- XML index [IXML_Documents_Doc_Path] on [dbo].[Documents]
CREATE XML INDEX [IXML_Documents_Doc_Path] ON [dbo].[Documents] ([Doc]) USING XML INDEX [PXML_Documents_Doc] FOR PATH WITH (PAD_INDEX = ON, FILLFACTOR = 90);
GO

-- Index [NCCI_Events] on [dbo].[Events]
CREATE NONCLUSTERED COLUMNSTORE INDEX [NCCI_Events] ON [dbo].[Events] ([EventTime], [Kind]);
GO

-- Index [CCI_Facts] on [dbo].[Facts]
CREATE CLUSTERED COLUMNSTORE INDEX [CCI_Facts] ON [dbo].[Facts] WITH (DATA_COMPRESSION = COLUMNSTORE_ARCHIVE ON PARTITIONS (1)) ON [ps_FactsDay] ([Day]);
GO

-- Index [UX_Tuned_Code] on [dbo].[Tuned]
CREATE UNIQUE NONCLUSTERED INDEX [UX_Tuned_Code] ON [dbo].[Tuned] ([Code] ASC) WITH (PAD_INDEX = ON, FILLFACTOR = 90, IGNORE_DUP_KEY = ON, STATISTICS_NORECOMPUTE = ON, ALLOW_ROW_LOCKS = OFF, ALLOW_PAGE_LOCKS = OFF);
GO

-- Index [CCI_TunedFacts] on [dbo].[TunedFacts]
IF CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 16
BEGIN
    DECLARE @sql nvarchar(max) = N'CREATE CLUSTERED COLUMNSTORE INDEX [CCI_TunedFacts] ON [dbo].[TunedFacts] ORDER ([Day]);';
    EXEC sys.sp_executesql @sql;
END
ELSE
BEGIN
    PRINT N'sqlvault: ORDER of columnstore index [CCI_TunedFacts] ON [dbo].[TunedFacts] needs SQL Server 2022 or later; created without it';
    CREATE CLUSTERED COLUMNSTORE INDEX [CCI_TunedFacts] ON [dbo].[TunedFacts];
END
GO

-- Index [ix\r\nDROP DATABASE x;\r\nGO\r\n$\(x) *\/ it's] on [evil\r\nDROP DATABASE x;\r\nGO\r\n$\(x) *\/ it's].[t\r\nDROP DATABASE x;\r\nGO\r\n$\(x) *\/ it's]
DECLARE @sql nvarchar(max) = N'CREATE NONCLUSTERED INDEX [ix' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s] ON [evil' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s].[t' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s] ([c' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s] ASC);';
EXEC sys.sp_executesql @sql;
GO

-- Index [IX_knows_ends] on [graph].[knows]
CREATE NONCLUSTERED INDEX [IX_knows_ends] ON [graph].[knows] ($from_id ASC, $to_id ASC);
GO

-- Index [ix_PositionsHistory] on [hr].[PositionsHistory]
CREATE CLUSTERED INDEX [ix_PositionsHistory] ON [hr].[PositionsHistory] ([ValidTo] ASC, [ValidFrom] ASC) WITH (DATA_COMPRESSION = PAGE);
GO

-- Index [IX_Customers_Name] on [sales].[Customers]
CREATE NONCLUSTERED INDEX [IX_Customers_Name] ON [sales].[Customers] ([Name] ASC) INCLUDE ([Email]) WHERE ([Email] IS NOT NULL);
GO

-- Index [IX_Orders_Customer] on [sales].[Orders]
CREATE NONCLUSTERED INDEX [IX_Orders_Customer] ON [sales].[Orders] ([CustomerID] ASC, [OrderDate] DESC) WITH (PAD_INDEX = ON, FILLFACTOR = 80, DATA_COMPRESSION = ROW);
GO

-- Index [IX_Orders_Status] on [sales].[Orders]
CREATE NONCLUSTERED INDEX [IX_Orders_Status] ON [sales].[Orders] ([Status] ASC) WITH (ALLOW_PAGE_LOCKS = OFF);
GO

-- Index [IX_OrderTotals] on view [sales].[OrderTotals]
IF OBJECT_ID(N'[sales].[OrderTotals]') IS NOT NULL
    CREATE UNIQUE CLUSTERED INDEX [IX_OrderTotals] ON [sales].[OrderTotals] ([CustomerID] ASC);
GO
IF CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 15
BEGIN
    DECLARE @sql nvarchar(max) = N'ALTER INDEX [PK_Tuned] ON [dbo].[Tuned] SET (OPTIMIZE_FOR_SEQUENTIAL_KEY = ON);';
    EXEC sys.sp_executesql @sql;
END
ELSE
    PRINT N'sqlvault: OPTIMIZE_FOR_SEQUENTIAL_KEY of index [PK_Tuned] ON [dbo].[Tuned] needs SQL Server 2019 or later; not set';
GO
IF CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 13
BEGIN
    DECLARE @sql nvarchar(max) = N'ALTER INDEX [CCI_TunedFacts] ON [dbo].[TunedFacts] SET (COMPRESSION_DELAY = 30);';
    EXEC sys.sp_executesql @sql;
END
ELSE
    PRINT N'sqlvault: COMPRESSION_DELAY of index [CCI_TunedFacts] ON [dbo].[TunedFacts] needs SQL Server 2016 or later; not set';
GO

-- Statistics [ST_Customers_Phone] on [sales].[Customers]
CREATE STATISTICS [ST_Customers_Phone] ON [sales].[Customers] ([Phone]);
GO

-- Statistics [ST_Orders_Open] on [sales].[Orders]
CREATE STATISTICS [ST_Orders_Open] ON [sales].[Orders] ([CustomerID], [OrderDate]) WHERE ([Status]=(0)) WITH NORECOMPUTE;
GO

-- Full-text index on [sales].[Customers]
IF CONVERT(int, SERVERPROPERTY('IsFullTextInstalled')) = 1
BEGIN
    DECLARE @sql nvarchar(max);
    SET @sql = N'CREATE FULLTEXT INDEX ON [sales].[Customers] ([Name] LANGUAGE 1033, [Email] LANGUAGE 0) KEY INDEX [PK_Customers] ON [ftc_Sample] WITH CHANGE_TRACKING = MANUAL, STOPLIST = [sl_Sample];';
    BEGIN TRY
        EXEC sys.sp_executesql @sql;
    END TRY
    BEGIN CATCH
        PRINT N'sqlvault: full-text index on [sales].[Customers] was not created: ' + ERROR_MESSAGE();
    END CATCH;
END
ELSE
    PRINT N'sqlvault: full-text index on [sales].[Customers] skipped: full-text search is not installed on this server';
GO

-- Check constraint [CK_Employees_Salary] on [hr].[Employees]
ALTER TABLE [hr].[Employees] WITH NOCHECK ADD CONSTRAINT [CK_Employees_Salary] CHECK ([Salary]>=(0));
GO

-- Check constraint [CK_Customers_Name] on [sales].[Customers]
ALTER TABLE [sales].[Customers] WITH CHECK ADD CONSTRAINT [CK_Customers_Name] CHECK (len([Name])>(0));
GO

-- Check constraint [CK_OrderLines_Quantity] on [sales].[OrderLines]
ALTER TABLE [sales].[OrderLines] WITH CHECK ADD CONSTRAINT [CK_OrderLines_Quantity] CHECK ([Quantity]>(0));
GO

-- Edge constraint [EC_livesIn] on [graph].[livesIn]
IF CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 15
BEGIN
    DECLARE @sql nvarchar(max) = N'ALTER TABLE [graph].[livesIn] ADD CONSTRAINT [EC_livesIn] CONNECTION ([graph].[Person] TO [graph].[City]) ON DELETE CASCADE;';
    EXEC sys.sp_executesql @sql;
END
ELSE
    PRINT N'sqlvault: edge constraint [EC_livesIn] of [graph].[livesIn] needs SQL Server 2019 or later; not set';
GO

-- Foreign key [FK_Departments_Manager] on [hr].[Departments]
ALTER TABLE [hr].[Departments] WITH CHECK ADD CONSTRAINT [FK_Departments_Manager] FOREIGN KEY ([ManagerID]) REFERENCES [hr].[Employees] ([EmpID]) ON DELETE NO ACTION ON UPDATE NO ACTION;
GO

-- Foreign key [FK_Employees_Department] on [hr].[Employees]
ALTER TABLE [hr].[Employees] WITH CHECK ADD CONSTRAINT [FK_Employees_Department] FOREIGN KEY ([DeptID]) REFERENCES [hr].[Departments] ([DeptID]) ON DELETE NO ACTION ON UPDATE NO ACTION;
GO

-- Foreign key [FK_Employees_Manager] on [hr].[Employees]
ALTER TABLE [hr].[Employees] WITH NOCHECK ADD CONSTRAINT [FK_Employees_Manager] FOREIGN KEY ([ManagerID]) REFERENCES [hr].[Employees] ([EmpID]) ON DELETE NO ACTION ON UPDATE NO ACTION;
GO
ALTER TABLE [hr].[Employees] NOCHECK CONSTRAINT [FK_Employees_Manager];
GO

-- Foreign key [FK_Customers_ReferredBy] on [sales].[Customers]
ALTER TABLE [sales].[Customers] WITH CHECK ADD CONSTRAINT [FK_Customers_ReferredBy] FOREIGN KEY ([ReferredBy]) REFERENCES [sales].[Customers] ([CustomerID]) ON DELETE NO ACTION ON UPDATE NO ACTION;
GO

-- Foreign key [FK_Orders_Customers] on [sales].[Orders]
ALTER TABLE [sales].[Orders] WITH CHECK ADD CONSTRAINT [FK_Orders_Customers] FOREIGN KEY ([CustomerID]) REFERENCES [sales].[Customers] ([CustomerID]) ON DELETE CASCADE ON UPDATE NO ACTION;
GO

-- Foreign key [FK_OrderLines_Orders] on [sales].[OrderLines]
ALTER TABLE [sales].[OrderLines] WITH CHECK ADD CONSTRAINT [FK_OrderLines_Orders] FOREIGN KEY ([OrderID]) REFERENCES [sales].[Orders] ([OrderID]) ON DELETE CASCADE ON UPDATE CASCADE;
GO

-- Period of [dbo].[Validity] (not system-versioned)
ALTER TABLE [dbo].[Validity] ADD PERIOD FOR SYSTEM_TIME ([ValidFrom], [ValidTo]);
GO

-- System versioning of [hr].[Positions]
ALTER TABLE [hr].[Positions] ADD PERIOD FOR SYSTEM_TIME ([ValidFrom], [ValidTo]);
GO
ALTER TABLE [hr].[Positions] ALTER COLUMN [ValidFrom] ADD HIDDEN;
GO
ALTER TABLE [hr].[Positions] ALTER COLUMN [ValidTo] ADD HIDDEN;
GO
DECLARE @sql nvarchar(max) = CASE WHEN CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 14
    THEN N'ALTER TABLE [hr].[Positions] SET (SYSTEM_VERSIONING = ON (HISTORY_TABLE = [hr].[PositionsHistory], DATA_CONSISTENCY_CHECK = ON, HISTORY_RETENTION_PERIOD = 6 MONTHS));'
    ELSE N'ALTER TABLE [hr].[Positions] SET (SYSTEM_VERSIONING = ON (HISTORY_TABLE = [hr].[PositionsHistory], DATA_CONSISTENCY_CHECK = ON));' END;
EXEC sys.sp_executesql @sql;
IF NOT (CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 14)
    PRINT N'sqlvault: HISTORY_RETENTION_PERIOD = 6 MONTHS of [hr].[Positions] needs SQL Server 2017 or later; not set';
GO

-- Dynamic data mask of [hr].[Employees].[Salary]
IF CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 13
BEGIN
    DECLARE @sql nvarchar(max) = N'ALTER TABLE [hr].[Employees] ALTER COLUMN [Salary] ADD MASKED WITH (FUNCTION = ''random(1, 100)'');';
    EXEC sys.sp_executesql @sql;
END
ELSE
    PRINT N'sqlvault: the dynamic data mask of [hr].[Employees].[Salary] needs SQL Server 2016 or later; not set';
GO

-- Dynamic data mask of [sales].[Customers].[Email]
IF CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 13
BEGIN
    DECLARE @sql nvarchar(max) = N'ALTER TABLE [sales].[Customers] ALTER COLUMN [Email] ADD MASKED WITH (FUNCTION = ''email()'');';
    EXEC sys.sp_executesql @sql;
END
ELSE
    PRINT N'sqlvault: the dynamic data mask of [sales].[Customers].[Email] needs SQL Server 2016 or later; not set';
GO

-- Change tracking of database [sample] (the tracked changes start anew)
ALTER DATABASE CURRENT SET CHANGE_TRACKING = ON (CHANGE_RETENTION = 3 DAYS, AUTO_CLEANUP = ON);
GO
ALTER TABLE [sales].[Customers] ENABLE CHANGE_TRACKING WITH (TRACK_COLUMNS_UPDATED = ON);
GO

-- Trigger [hr].[trg_Employees_NoDelete] on [hr].[Employees]
SET ANSI_NULLS OFF;
SET QUOTED_IDENTIFIER ON;
GO
DECLARE @sql nvarchar(max) = REPLACE(CAST(N'CREATE TRIGGER [hr].[trg_Employees_NoDelete] ON [hr].[Employees]
INSTEAD OF DELETE
AS
    RAISERROR (''Employees are never deleted'', 16, 1);' AS nvarchar(max)) COLLATE Latin1_General_BIN2, NCHAR(13), N'');
BEGIN TRY
    EXEC sys.sp_executesql @sql;
END TRY
BEGIN CATCH
    PRINT N'sqlvault: trigger [hr].[trg_Employees_NoDelete] was not created: ' + ERROR_MESSAGE();
END CATCH;
GO
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO
IF OBJECT_ID(N'[hr].[trg_Employees_NoDelete]') IS NOT NULL
    DISABLE TRIGGER [hr].[trg_Employees_NoDelete] ON [hr].[Employees];
GO

-- Trigger [sales].[trg_Orders_Audit] on [sales].[Orders]
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO
DECLARE @sql nvarchar(max) = REPLACE(CAST(N'CREATE TRIGGER [sales].[trg_Orders_Audit] ON [sales].[Orders]
AFTER INSERT
AS
BEGIN
    SET NOCOUNT ON;
    UPDATE o SET Status = 1 FROM sales.Orders AS o JOIN inserted AS i ON i.OrderID = o.OrderID WHERE o.Status = 0;
END' AS nvarchar(max)) COLLATE Latin1_General_BIN2, NCHAR(13), N'');
BEGIN TRY
    EXEC sys.sp_executesql @sql;
END TRY
BEGIN CATCH
    PRINT N'sqlvault: trigger [sales].[trg_Orders_Audit] was not created: ' + ERROR_MESSAGE();
END CATCH;
GO

-- Trigger [sales].[trg_Orders_Check] on [sales].[Orders]
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO
DECLARE @sql nvarchar(max) = REPLACE(CAST(N'CREATE TRIGGER [sales].[trg_Orders_Check] ON [sales].[Orders]
AFTER INSERT
AS
BEGIN
    SET NOCOUNT ON;
    IF EXISTS (SELECT 1 FROM inserted WHERE OrderDate < ''20000101'')
        THROW 50001, N''order date before 2000'', 1;
END' AS nvarchar(max)) COLLATE Latin1_General_BIN2, NCHAR(13), N'');
BEGIN TRY
    EXEC sys.sp_executesql @sql;
END TRY
BEGIN CATCH
    PRINT N'sqlvault: trigger [sales].[trg_Orders_Check] was not created: ' + ERROR_MESSAGE();
END CATCH;
GO

-- Trigger [sales].[trg_Orders_Audit] fires first on INSERT
IF OBJECT_ID(N'[sales].[trg_Orders_Audit]') IS NOT NULL
    EXEC sys.sp_settriggerorder @triggername = N'[sales].[trg_Orders_Audit]', @order = N'First', @stmttype = N'INSERT';
GO

-- Trigger [sales].[trg_Orders_Check] fires last on INSERT
IF OBJECT_ID(N'[sales].[trg_Orders_Check]') IS NOT NULL
    EXEC sys.sp_settriggerorder @triggername = N'[sales].[trg_Orders_Check]', @order = N'Last', @stmttype = N'INSERT';
GO
ALTER INDEX [IX_Orders_Status] ON [sales].[Orders] DISABLE;
GO

-- Security policy [sales].[TenantFilter]
IF CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 13
BEGIN
    DECLARE @sql nvarchar(max) = N'IF OBJECT_ID(N''[sales].[fn_TenantAccess]'') IS NOT NULL' + NCHAR(10) + N'    CREATE SECURITY POLICY [sales].[TenantFilter] ADD FILTER PREDICATE [sales].[fn_TenantAccess]([TenantID]) ON [sales].[TenantNotes], ADD BLOCK PREDICATE [sales].[fn_TenantAccess]([TenantID]) ON [sales].[TenantNotes] AFTER INSERT WITH (STATE = OFF, SCHEMABINDING = ON);';
    EXEC sys.sp_executesql @sql;
END
ELSE
    PRINT N'sqlvault: security policy [sales].[TenantFilter] needs SQL Server 2016 or later; not created';
GO

-- Security policy [sales].[TenantGuard]
IF CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 13
BEGIN
    DECLARE @sql nvarchar(max) = N'IF OBJECT_ID(N''[sales].[fn_TenantAccess]'') IS NOT NULL' + NCHAR(10) + N'    CREATE SECURITY POLICY [sales].[TenantGuard] ADD BLOCK PREDICATE [sales].[fn_TenantAccess]([TenantID]) ON [sales].[TenantNotes] BEFORE DELETE WITH (STATE = ON, SCHEMABINDING = ON) NOT FOR REPLICATION;';
    EXEC sys.sp_executesql @sql;
END
ELSE
    PRINT N'sqlvault: security policy [sales].[TenantGuard] needs SQL Server 2016 or later; not created';
GO

-- Identity of [dbo].[Empty]
DBCC CHECKIDENT ([dbo].[Empty], RESEED, 6) WITH NO_INFOMSGS;
GO

-- Identity of [dbo].[Tuned]
DBCC CHECKIDENT ([dbo].[Tuned], RESEED, 2) WITH NO_INFOMSGS;
GO

-- Identity of [evil\r\nDROP DATABASE x;\r\nGO\r\n$\(x) *\/ it's].[t\r\nDROP DATABASE x;\r\nGO\r\n$\(x) *\/ it's]
DECLARE @sql nvarchar(max) = N'DBCC CHECKIDENT ([evil' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s].[t' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s], RESEED, 2) WITH NO_INFOMSGS;';
EXEC sys.sp_executesql @sql;
GO

-- Identity of [sales].[Customers]
DBCC CHECKIDENT ([sales].[Customers], RESEED, 12) WITH NO_INFOMSGS;
GO

-- Sequence [sales].[OrderNumbers] continues
ALTER SEQUENCE [sales].[OrderNumbers] RESTART WITH 1042;
GO

-- Extended property N'MS_Description' of XML schema collection [dbo].[NoteSchema]
DECLARE @value sql_variant = CAST(CAST(N'Notes: to, body and kind' AS nvarchar(24)) AS sql_variant);
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = @value, @level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'XML SCHEMA COLLECTION', @level1name = N'NoteSchema';
GO

-- Extended property N'MS_Description' of column [sales].[CustomerOrders].[CustomerID]
DECLARE @value sql_variant = CAST(CAST(N'The customer' AS nvarchar(12)) AS sql_variant);
IF OBJECT_ID(N'[sales].[CustomerOrders]') IS NOT NULL
    EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = @value, @level0type = N'SCHEMA', @level0name = N'sales', @level1type = N'VIEW', @level1name = N'CustomerOrders', @level2type = N'COLUMN', @level2name = N'CustomerID';
GO

-- Extended property N'MS_Description' of column [sales].[Customers].[Email]
DECLARE @value sql_variant = CAST(CAST(N'Case-sensitive e-mail address' AS nvarchar(29)) AS sql_variant);
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = @value, @level0type = N'SCHEMA', @level0name = N'sales', @level1type = N'TABLE', @level1name = N'Customers', @level2type = N'COLUMN', @level2name = N'Email';
GO

-- Extended property N'MS_Description' of column [sales].[OrderLineList].[Quantity]
DECLARE @value sql_variant = CAST(CAST(N'How many' AS nvarchar(8)) AS sql_variant);
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = @value, @level0type = N'SCHEMA', @level0name = N'sales', @level1type = N'TYPE', @level1name = N'OrderLineList', @level2type = N'COLUMN', @level2name = N'Quantity';
GO

-- Extended property N'MS_Description' of database [sample]
DECLARE @value sql_variant = CAST(CAST(N'Sample database of sqlvault: every type, every object kind.' AS nvarchar(59)) AS sql_variant);
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = @value;
GO

-- Extended property N'MS_Description' of index [sales].[Customers].[IX_Customers_Name]
DECLARE @value sql_variant = CAST(CAST(N'Filtered: only with e-mail' AS nvarchar(26)) AS sql_variant);
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = @value, @level0type = N'SCHEMA', @level0name = N'sales', @level1type = N'TABLE', @level1name = N'Customers', @level2type = N'INDEX', @level2name = N'IX_Customers_Name';
GO

-- Extended property N'MS_Description' of parameter [sales].[usp_AddOrder] @CustomerID
DECLARE @value sql_variant = CAST(CAST(N'Who orders' AS nvarchar(10)) AS sql_variant);
IF OBJECT_ID(N'[sales].[usp_AddOrder]') IS NOT NULL
    EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = @value, @level0type = N'SCHEMA', @level0name = N'sales', @level1type = N'PROCEDURE', @level1name = N'usp_AddOrder', @level2type = N'PARAMETER', @level2name = N'@CustomerID';
GO

-- Extended property N'Version' of procedure [dbo].[usp_A]
DECLARE @value sql_variant = CAST(CAST(3 AS int) AS sql_variant);
IF OBJECT_ID(N'[dbo].[usp_A]') IS NOT NULL
    EXEC sys.sp_addextendedproperty @name = N'Version', @value = @value, @level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'PROCEDURE', @level1name = N'usp_A';
GO

-- Extended property N'MS_Description' of schema [sales]
DECLARE @value sql_variant = CAST(CAST(N'Customers and their orders' AS nvarchar(26)) AS sql_variant);
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = @value, @level0type = N'SCHEMA', @level0name = N'sales';
GO

-- Extended property N'MS_Description' of table [sales].[Customers]
DECLARE @value sql_variant = CAST(CAST(N'People who buy; it''s "quoted"' AS nvarchar(29)) AS sql_variant);
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = @value, @level0type = N'SCHEMA', @level0name = N'sales', @level1type = N'TABLE', @level1name = N'Customers';
GO

-- Extended property N'MS_Description' of type [dbo].[Phone]
DECLARE @value sql_variant = CAST(CAST(N'A phone number' AS nvarchar(14)) AS sql_variant);
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = @value, @level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'TYPE', @level1name = N'Phone';
GO
