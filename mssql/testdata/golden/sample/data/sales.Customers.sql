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
-- Data of table [sales].[Customers]
SET IDENTITY_INSERT [sales].[Customers] ON;
GO
INSERT INTO [sales].[Customers] ([CustomerID], [Name], [Phone], [Email], [RowGuid], [CreatedAt], [Notes], [ReferredBy]) VALUES
(1, N'Ann O''Neil', N'+1 555 0100', N'ann@example.com', N'1B4E28BA-2FA1-11D2-883F-0016D3CCA427', CAST(N'2024-01-01T09:00:00.000' AS datetime2(3)), NULL, NULL),
(2, N'Bob "Bobby" Tables', NULL, N'bob@example.com', N'1B4E28BA-2FA1-11D2-883F-0016D3CCA428', CAST(N'2024-01-02T09:00:00.000' AS datetime2(3)), N'Robert''); DROP TABLE Students;--', 1),
(3, N'Zoë 😀', N'+49 30 1234', NULL, N'1B4E28BA-2FA1-11D2-883F-0016D3CCA429', CAST(N'2024-01-03T09:00:00.000' AS datetime2(3)), N'It''s "quoted"' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'go 5' + NCHAR(10) + N'$' + N'(x) and $' + N'(PATH)' + NCHAR(10) + N':r evil.sql' + NCHAR(10) + N'!!ls' + NCHAR(10) + N'exit' + NCHAR(10) + N'😀 𝄞 ü	tab' + NCHAR(0) + N'nul?', 1),
(4, N'GO', NULL, N'go@example.com', N'1B4E28BA-2FA1-11D2-883F-0016D3CCA42A', CAST(N'2024-01-04T09:00:00.000' AS datetime2(3)), NULL, 2),
(12, N'Last', NULL, N'LAST@example.com', N'1B4E28BA-2FA1-11D2-883F-0016D3CCA42B', CAST(N'2024-01-05T09:00:00.999' AS datetime2(3)), NULL, NULL);
GO
SET IDENTITY_INSERT [sales].[Customers] OFF;
GO
