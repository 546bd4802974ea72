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
-- Data of table [dbo].[Documents]
INSERT INTO [dbo].[Documents] ([id], [Doc], [Extra]) VALUES
(1, N'<t:note xmlns:t="urn:sqlvault:note" kind="memo"><t:to>Ann</t:to><t:body>GO</t:body></t:note>', NULL),
(2, N'<t:note xmlns:t="urn:sqlvault:note" kind="it''s"><t:to>Zoë 😀</t:to><t:body>a &lt;b&gt; and $' + N'(x)</t:body></t:note>', N'<t:note xmlns:t="urn:sqlvault:note"><t:to>1</t:to><t:body>one</t:body></t:note><t:note xmlns:t="urn:sqlvault:note"><t:to>2</t:to><t:body>two</t:body></t:note>');
GO
