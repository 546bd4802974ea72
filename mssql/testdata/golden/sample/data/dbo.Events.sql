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
-- Data of table [dbo].[Events]
INSERT INTO [dbo].[Events] ([EventTime], [Kind], [Payload]) VALUES
(CAST(N'2024-01-01T08:00:00.000' AS datetime2(3)), N'login', NULL),
(CAST(N'2024-01-01T08:00:00.000' AS datetime2(3)), N'login', NULL),
(CAST(N'2024-01-01T08:00:00.000' AS datetime2(3)), N'login', N'duplicate rows in a heap'),
(CAST(N'2024-01-02T09:30:00.500' AS datetime2(3)), N'logout', N'bye');
GO
