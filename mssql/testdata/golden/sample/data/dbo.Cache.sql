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
-- Data of table [dbo].[Cache]
INSERT INTO [dbo].[Cache] ([k], [v], [expires]) VALUES
(1, 0xCAFE, CAST(N'2024-01-01T00:00:00' AS datetime2(0))),
(2, NULL, CAST(N'2024-01-02T00:00:00' AS datetime2(0)));
GO
