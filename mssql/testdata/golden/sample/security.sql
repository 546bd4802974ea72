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
-- A user mapped to a server login is created only where this server has that login (manifest.json
-- lists them under needs_logins); what depends on such a user is run only where it was created.

-- Users
CREATE USER [app_user] WITHOUT LOGIN WITH DEFAULT_SCHEMA = [sales];
GO
CREATE USER [etl_user] WITHOUT LOGIN;
GO
IF NOT EXISTS (SELECT 1 FROM sys.server_principals WHERE name = N'sqlvault_sample_login' AND type IN ('S', 'U', 'G'))
    PRINT N'sqlvault: login [sqlvault_sample_login] does not exist on this server, or the restoring login cannot see it; user [web_user] and what depends on it were not created';
ELSE IF EXISTS (SELECT 1 FROM sys.database_principals AS u JOIN sys.server_principals AS l ON l.sid = u.sid WHERE l.name = N'sqlvault_sample_login')
    PRINT N'sqlvault: login [sqlvault_sample_login] already has a user in this database; user [web_user] and what depends on it were not created';
ELSE
    CREATE USER [web_user] FOR LOGIN [sqlvault_sample_login];
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
IF DATABASE_PRINCIPAL_ID(N'web_user') IS NOT NULL
    ALTER ROLE [reporting] ADD MEMBER [web_user];
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

-- Permissions on [sales].[Customers]
IF DATABASE_PRINCIPAL_ID(N'web_user') IS NOT NULL
    GRANT SELECT ON OBJECT::[sales].[Customers] TO [web_user];
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

-- Permissions on user [web_user]
IF DATABASE_PRINCIPAL_ID(N'web_user') IS NOT NULL
    GRANT IMPERSONATE ON USER::[web_user] TO [app_user];
GO

-- Permissions on type [sales].[OrderLineList]
GRANT EXECUTE ON TYPE::[sales].[OrderLineList] TO [app_user];
GO
