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
-- Data of table [hr].[Positions]
INSERT INTO [hr].[Positions] ([PositionID], [Title], [ValidFrom], [ValidTo]) VALUES
(1, N'Engineer', CAST(N'2024-01-01T10:00:00.1234567' AS datetime2(7)), CAST(N'9999-12-31T23:59:59.9999999' AS datetime2(7))),
(2, N'Manager', CAST(N'2023-06-01T00:00:00.0000000' AS datetime2(7)), CAST(N'9999-12-31T23:59:59.9999999' AS datetime2(7)));
GO
