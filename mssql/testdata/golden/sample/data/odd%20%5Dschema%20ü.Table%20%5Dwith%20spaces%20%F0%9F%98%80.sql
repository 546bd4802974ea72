SET NOCOUNT ON;
SET ANSI_NULLS ON;
SET ANSI_PADDING ON;
SET ANSI_WARNINGS ON;
SET ARITHABORT ON;
SET CONCAT_NULL_YIELDS_NULL ON;
SET NUMERIC_ROUNDABORT OFF;
SET QUOTED_IDENTIFIER ON;
GO
-- Data of table [odd ]]schema ü].[Table ]]with spaces 😀]
INSERT INTO [odd ]]schema ü].[Table ]]with spaces 😀] ([id], [col ]]x], [ünïcødé col]) VALUES
(2, N'two ]]', N'zwei 😀'),
(1, N'one', NULL);
GO
