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
-- Data of table [dbo].[Tuned]
SET IDENTITY_INSERT [dbo].[Tuned] ON;
GO
INSERT INTO [dbo].[Tuned] ([ID], [Code], [Notes], [Legacy]) VALUES
(1, N'alpha', N'first', N'old text'),
(2, N'beta', NULL, NULL);
GO
SET IDENTITY_INSERT [dbo].[Tuned] OFF;
GO
