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
-- Data of table [sales].[OrderLines]
INSERT INTO [sales].[OrderLines] ([OrderID], [LineNo], [ProductID], [Quantity], [Price]) VALUES
(1000, 1, 7, 2, 25.0000),
(1000, 2, 8, 1, 50.0000),
(1001, 1, 7, 1, 0.0001);
GO
