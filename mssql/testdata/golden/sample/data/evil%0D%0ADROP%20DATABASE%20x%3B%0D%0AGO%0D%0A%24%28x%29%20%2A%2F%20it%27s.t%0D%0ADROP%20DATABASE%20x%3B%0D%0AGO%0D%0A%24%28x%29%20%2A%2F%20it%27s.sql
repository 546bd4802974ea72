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
-- Data of table [evil\r\nDROP DATABASE x;\r\nGO\r\n$\(x) *\/ it's].[t\r\nDROP DATABASE x;\r\nGO\r\n$\(x) *\/ it's]
DECLARE @sql nvarchar(max) = (N'SET IDENTITY_INSERT [evil' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s].[t' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s] ON;' + NCHAR(10) + N'INSERT INTO [evil' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s].[t' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s] ([id], [c' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s]) VALUES' + NCHAR(10) + N'(1, N''one''),' + NCHAR(10) + N'(2, NCHAR(13) + NCHAR(10) + N''DROP DATABASE x;'' + NCHAR(13) + NCHAR(10) + N''GO'' + NCHAR(13) + NCHAR(10) + N''$'' + N''(x) */ it''''s'');' + NCHAR(10) + N'SET IDENTITY_INSERT [evil' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10)) + (N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s].[t' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s] OFF;');
EXEC sys.sp_executesql @sql;
GO
