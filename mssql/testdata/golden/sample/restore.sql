-- sqlvault restore script of database [sample]
-- It restores the database into the current database of the connection, which must be new and empty
-- (CREATE DATABASE NEWDB first). It runs the other files of its folder, which the sqlcmd variable
-- SqlvaultDir names: give it as below (a :setvar here would override -v). The folder's path must hold
-- no spaces. Every file starts with a UTF-8 byte order mark and a check that stops the restore if the
-- client read it in another encoding.
--   go-sqlcmd 1.x:      sqlcmd -S SERVER -d NEWDB -b -v SqlvaultDir=/path/to/folder -i /path/to/folder/restore.sql
--   ODBC sqlcmd 17/18:  sqlcmd -S SERVER -d NEWDB -b -f 65001 -v SqlvaultDir=/path/to/folder -i /path/to/folder/restore.sql
--                       (on Windows: -v SqlvaultDir=C:\path\to\folder -i C:\path\to\folder\restore.sql)
--   SSMS:               connect to NEWDB, Query > SQLCMD Mode, and run these two lines in a new query window:
--                         :setvar SqlvaultDir C:\path\to\folder
--                         :r C:\path\to\folder\restore.sql
-- Target: SQL Server 2017 or later (for COLUMNSTORE_ARCHIVE compression (SQL Server 2014), clustered columnstore indexes (SQL Server 2014), graph tables (SQL Server 2017), indexes of table types (SQL Server 2014), temporal tables and periods (SQL Server 2016)), Azure SQL Database or Azure SQL Managed Instance.
-- On an older target the first object it cannot create stops the restore with the server's error. Options and
-- settings of newer versions (database and index options, scoped configurations, Query Store, data masks,
-- history retention, ordered columnstore) are skipped where the target lacks them, each with a message
-- "sqlvault: ... needs SQL Server N or later; not set".
:on error exit
:r $(SqlvaultDir)/schema.sql
:r $(SqlvaultDir)/data/dbo.AllTypes.sql
:r $(SqlvaultDir)/data/dbo.BigValues.sql
:r $(SqlvaultDir)/data/dbo.Cache.sql
:r $(SqlvaultDir)/data/dbo.Documents.sql
:r $(SqlvaultDir)/data/dbo.Empty.sql
:r $(SqlvaultDir)/data/dbo.Events.sql
:r $(SqlvaultDir)/data/dbo.Facts.sql
:r $(SqlvaultDir)/data/dbo.Legacy.sql
:r $(SqlvaultDir)/data/dbo.Tuned.sql
:r $(SqlvaultDir)/data/dbo.TunedFacts.sql
:r $(SqlvaultDir)/data/dbo.Validity.sql
:r $(SqlvaultDir)/data/evil%0D%0ADROP%20DATABASE%20x%3B%0D%0AGO%0D%0A%24%28x%29%20%2A%2F%20it%27s.t%0D%0ADROP%20DATABASE%20x%3B%0D%0AGO%0D%0A%24%28x%29%20%2A%2F%20it%27s.sql
:r $(SqlvaultDir)/data/graph.City.sql
:r $(SqlvaultDir)/data/graph.Person.sql
:r $(SqlvaultDir)/data/graph.knows.sql
:r $(SqlvaultDir)/data/graph.livesIn.sql
:r $(SqlvaultDir)/data/hr.Departments.sql
:r $(SqlvaultDir)/data/hr.Employees.sql
:r $(SqlvaultDir)/data/hr.Positions.sql
:r $(SqlvaultDir)/data/hr.PositionsHistory.sql
:r $(SqlvaultDir)/data/odd%20%5Dschema%20ü.Table%20%5Dwith%20spaces%20%F0%9F%98%80.sql
:r $(SqlvaultDir)/data/sales.Customers.sql
:r $(SqlvaultDir)/data/sales.TenantNotes.sql
:r $(SqlvaultDir)/data/sales.Orders.sql
:r $(SqlvaultDir)/data/sales.OrderLines.sql
:r $(SqlvaultDir)/post-data.sql
:r $(SqlvaultDir)/security.sql
