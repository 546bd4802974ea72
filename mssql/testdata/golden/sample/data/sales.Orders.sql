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
-- Data of table [sales].[Orders]
INSERT INTO [sales].[Orders] ([OrderID], [CustomerID], [OrderDate], [Total], [Status]) VALUES
(1000, 1, CAST(N'2024-02-01' AS date), 100.0000, 0),
(1001, 1, CAST(N'2024-02-02' AS date), -0.0001, 1),
(1002, 2, CAST(N'2024-02-03' AS date), NULL, 2),
(1041, 12, CAST(N'2024-03-01' AS date), 999999999999999.9999, 0);
GO
