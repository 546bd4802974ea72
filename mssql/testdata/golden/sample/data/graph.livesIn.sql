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
-- Data of table [graph].[livesIn]
INSERT INTO [graph].[livesIn] ($from_id, $to_id, [since]) VALUES
((SELECT $node_id FROM [graph].[Person] WHERE [ID] = 1), (SELECT $node_id FROM [graph].[City] WHERE [Code] = N'LON'), CAST(N'2020-01-01' AS date)),
((SELECT $node_id FROM [graph].[Person] WHERE [ID] = 2), (SELECT $node_id FROM [graph].[City] WHERE [Code] = N'ZRH'), NULL),
((SELECT $node_id FROM [graph].[Person] WHERE [ID] = 4), (SELECT $node_id FROM [graph].[City] WHERE [Code] = N'Q''T'), CAST(N'1970-05-11' AS date));
GO
