-- sqlvault restore script of database [sample]
-- Run it from this folder in the new, empty database that is to receive the copy, in SQLCMD mode:
--   sqlcmd -S SERVER -d NEWDB -f 65001 -i restore.sql   (UTF-8; or SSMS: Query > SQLCMD Mode)
:on error exit
:r "schema.sql"
:r "data/dbo.AllTypes.sql"
:r "data/dbo.BigValues.sql"
:r "data/dbo.Empty.sql"
:r "data/dbo.Events.sql"
:r "data/dbo.Facts.sql"
:r "data/dbo.Legacy.sql"
:r "data/evil%0D%0ADROP%20DATABASE%20x%3B%0D%0AGO%0D%0A%24%28x%29%20%2A%2F%20it%27s.t%0D%0ADROP%20DATABASE%20x%3B%0D%0AGO%0D%0A%24%28x%29%20%2A%2F%20it%27s.sql"
:r "data/hr.Departments.sql"
:r "data/hr.Employees.sql"
:r "data/hr.Positions.sql"
:r "data/hr.PositionsHistory.sql"
:r "data/odd%20%5Dschema%20ü.Table%20%5Dwith%20spaces%20%F0%9F%98%80.sql"
:r "data/sales.Customers.sql"
:r "data/sales.Orders.sql"
:r "data/sales.OrderLines.sql"
:r "post-data.sql"
:r "security.sql"
