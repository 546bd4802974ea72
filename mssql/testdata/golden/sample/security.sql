SET NOCOUNT ON;
SET ANSI_NULLS ON;
SET ANSI_PADDING ON;
SET ANSI_WARNINGS ON;
SET ARITHABORT ON;
SET CONCAT_NULL_YIELDS_NULL ON;
SET NUMERIC_ROUNDABORT OFF;
SET QUOTED_IDENTIFIER ON;
GO
-- Users, roles, role members, owners and permissions of database [sample]

-- Users
CREATE USER [app_user] WITHOUT LOGIN WITH DEFAULT_SCHEMA = [sales];
GO
CREATE USER [etl_user] WITHOUT LOGIN;
GO

-- Roles
CREATE ROLE [reporting] AUTHORIZATION [dbo];
GO
CREATE ROLE [auditors] AUTHORIZATION [reporting];
GO

-- Role members
ALTER ROLE [db_datareader] ADD MEMBER [reporting];
GO
ALTER ROLE [reporting] ADD MEMBER [app_user];
GO
ALTER ROLE [reporting] ADD MEMBER [auditors];
GO

-- Owners
ALTER AUTHORIZATION ON SCHEMA::[reports] TO [reporting];
GO
ALTER AUTHORIZATION ON OBJECT::[sales].[CustomerOrders] TO [reporting];
GO

-- Permissions on the database
GRANT VIEW DEFINITION TO [auditors];
GO
REVOKE CONNECT FROM [etl_user];
GO
GRANT VIEW ANY COLUMN ENCRYPTION KEY DEFINITION TO [public];
GO
GRANT VIEW ANY COLUMN MASTER KEY DEFINITION TO [public];
GO

-- Permissions on [hr].[Employees]
GRANT SELECT ON OBJECT::[hr].[Employees] TO [reporting];
GO
DENY SELECT ON OBJECT::[hr].[Employees] ([Salary]) TO [reporting];
GO

-- Permissions on [sales].[Orders]
DENY DELETE ON OBJECT::[sales].[Orders] TO [public];
GO

-- Permissions on [sales].[usp_AddOrder]
GRANT EXECUTE ON OBJECT::[sales].[usp_AddOrder] TO [app_user] WITH GRANT OPTION;
GO

-- Permissions on schema [sales]
GRANT SELECT ON SCHEMA::[sales] TO [reporting];
GO

-- Permissions on user [etl_user]
GRANT IMPERSONATE ON USER::[etl_user] TO [auditors];
GO

-- Permissions on type [sales].[OrderLineList]
GRANT EXECUTE ON TYPE::[sales].[OrderLineList] TO [app_user];
GO
