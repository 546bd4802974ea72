package mssql

import (
	"fmt"
	"testing"
)

// TestSecurityPlan covers what the sample database does not: roles that
// own each other, owners that are not scripted, principals of every other
// kind, a column-level REVOKE, a system object, a securable class that is
// not scripted, guest, a denied CONNECT.
func TestSecurityPlan(t *testing.T) {
	c := newCatalog()
	for _, p := range []*Principal{
		{ID: 0, Name: "public", Type: "R", Owner: 1},
		{ID: 1, Name: "dbo", Type: "S", Auth: "INSTANCE"},
		{ID: 2, Name: "guest", Type: "S", Auth: "NONE"},
		{ID: 3, Name: "INFORMATION_SCHEMA", Type: "S", Auth: "NONE"},
		{ID: 4, Name: "sys", Type: "S", Auth: "NONE"},
		{ID: 16386, Name: "db_securityadmin", Type: "R", Owner: 1, FixedRole: true},
		{ID: 5, Name: "a", Type: "R", Owner: 6},
		{ID: 6, Name: "b", Type: "R", Owner: 5},
		{ID: 7, Name: "c", Type: "R", Owner: 10},
		{ID: 8, Name: "d", Type: "R", Owner: 16386},
		{ID: 9, Name: "loner", Type: "S", Auth: "NONE", DefaultSchema: "dbo"},
		{ID: 10, Name: "login]user", Type: "S", Auth: "INSTANCE"},
		{ID: 11, Name: "DOMAIN\\group", Type: "G", Auth: "WINDOWS"},
		{ID: 12, Name: "contained", Type: "S", Auth: "DATABASE"},
		{ID: 13, Name: "signer", Type: "C", Auth: "NONE"},
		{ID: 14, Name: "app", Type: "A", Auth: "NONE"},
		{ID: 15, Name: "entra@example.com", Type: "E", Auth: "NONE"},
	} {
		c.principals[p.ID] = p
	}
	c.members = [][2]int64{{16384, 1}, {5, 9}, {5, 14}}
	c.Schemas = []*Schema{{ID: 5, Name: "s", Owner: "login]user", OwnerID: 10}}
	c.objects[100] = &object{id: 100, schema: "s", name: "t", typ: "U", owner: 10}
	c.objects[101] = &object{id: 101, schema: "s", name: "v", typ: "V", owner: 8}
	c.Tables = []*Table{{ID: 100, Schema: "s", Name: "t", Columns: []*Column{{ID: 1, Name: "x", Type: ColumnType{Name: "int"}}}}}
	c.tables[100] = c.Tables[0]
	c.Modules = []*Module{{ID: 101, Schema: "s", Name: "v", Type: "V", HasDefinition: true, Definition: "CREATE VIEW s.v AS SELECT 1 AS x"}}
	c.modules[101] = c.Modules[0]
	c.Types = []*UserType{{ID: 257, Schema: "s", Name: "ty", OwnerID: 6, Base: ColumnType{Name: "int"}}}
	c.types[257] = c.Types[0]
	c.perms = []*Permission{
		{Class: 0, Name: "CONNECT", State: "G", Grantee: 1},
		{Class: 0, Name: "CONNECT", State: "G", Grantee: 2},
		{Class: 0, Name: "CONNECT", State: "D", Grantee: 9},
		{Class: 1, Major: 100, Name: "SELECT", State: "G", Grantee: 5},
		{Class: 1, Major: 100, Minor: 1, Column: "x", Name: "SELECT", State: "R", Grantee: 5},
		{Class: 1, Major: -123, ObjSchema: "sys", ObjName: "sp_who", Name: "EXECUTE", State: "G", Grantee: 8},
		{Class: 1, Major: 999, ObjSchema: "s", ObjName: "gone", Name: "SELECT", State: "G", Grantee: 8},
		{Class: 10, ClassDesc: "XML_SCHEMA_COLLECTION", Major: 65536, Name: "REFERENCES", State: "G", Grantee: 8},
		{Class: 4, Major: 14, Name: "ALTER", State: "G", Grantee: 8},
		{Class: 4, Major: 6, Name: "CONTROL", State: "W", Grantee: 8},
		{Class: 0, Name: "CREATE TABLE", State: "G", Grantee: 12},
	}
	c.finish()

	var got []string
	for _, it := range c.Security {
		got = append(got, it.Stmt)
	}
	want := []string{
		"CREATE USER [loner] WITHOUT LOGIN;",
		"CREATE ROLE [c] AUTHORIZATION [dbo];",
		"CREATE ROLE [d] AUTHORIZATION [db_securityadmin];",
		"CREATE ROLE [a] AUTHORIZATION [dbo];",
		"CREATE ROLE [b] AUTHORIZATION [dbo];",
		"ALTER AUTHORIZATION ON ROLE::[a] TO [b];",
		"ALTER AUTHORIZATION ON ROLE::[b] TO [a];",
		"ALTER ROLE [a] ADD MEMBER [loner];",
		"ALTER AUTHORIZATION ON OBJECT::[s].[v] TO [d];",
		"ALTER AUTHORIZATION ON TYPE::[s].[ty] TO [b];",
		"GRANT CONNECT TO [guest];",
		"DENY CONNECT TO [loner];",
		"GRANT SELECT ON OBJECT::[s].[t] TO [a];",
		"REVOKE SELECT ON OBJECT::[s].[t] ([x]) FROM [a];",
		"GRANT EXECUTE ON OBJECT::[sys].[sp_who] TO [d];",
		"GRANT CONTROL ON ROLE::[b] TO [d] WITH GRANT OPTION;",
	}
	sameLines(t, "security", got, want)
	var reported []string
	for _, u := range c.Unscripted {
		reported = append(reported, fmt.Sprintf("%s %s: %s", u.Kind, u.Name, u.Reason))
	}
	wantReported := []string{
		"application role [app]: application roles are not scripted (their password cannot be read); create it on the target server",
		"object owner [s].[t]: owned by [login]]user], which is not scripted; the schema owner owns it in the copy",
		"permission GRANT ALTER ON APPLICATION ROLE::[app] TO [d]: [app] is not scripted",
		"permission GRANT CREATE TABLE TO [contained]: its grantee [contained] is not scripted",
		"permission GRANT REFERENCES ON XML_SCHEMA_COLLECTION 65536 TO [d]: permissions on xml schema collection securables are not scripted",
		"permission GRANT SELECT ON OBJECT::[s].[gone] TO [d]: its object [s].[gone] is not scripted",
		"role member [app] in [a]: [app] is not scripted",
		"role owner [c]: owned by [login]]user], which is not scripted; dbo owns it in the copy",
		"schema owner [s]: owned by [login]]user], which is not scripted; dbo owns it in the copy",
		"user [DOMAIN\\group]: " + reasonLoginUser,
		"user [contained]: a contained database user with a password, which cannot be read; create it on the target server",
		"user [entra@example.com]: a Microsoft Entra ID user or group; create it on the target server",
		"user [login]]user]: " + reasonLoginUser,
		"user [signer]: mapped to a certificate or asymmetric key, which is not scripted",
	}
	sameLines(t, "reported", reported, wantReported)
}

// TestStorageDDL checks how compression and statistics are rendered.
func TestStorageDDL(t *testing.T) {
	heap := &Table{Schema: "s", Name: "h", Compression: "PAGE", Columns: []*Column{{Name: "a", Type: ColumnType{Name: "int"}}}}
	if got, want := createTable(heap), "CREATE TABLE [s].[h] (\n    [a] int NOT NULL\n) WITH (DATA_COMPRESSION = PAGE);\nGO\n"; got != want {
		t.Errorf("heap:\n%s\nwant:\n%s", got, want)
	}
	cci := &Index{Name: "cci", Type: 5, Compression: "COLUMNSTORE_ARCHIVE"}
	if got, want := createIndex("s", "h", cci), "CREATE CLUSTERED COLUMNSTORE INDEX [cci] ON [s].[h] WITH (DATA_COMPRESSION = COLUMNSTORE_ARCHIVE);\nGO\n"; got != want {
		t.Errorf("columnstore: %q, want %q", got, want)
	}
	ix := &Index{Name: "ix", Type: 2, Unique: true, Keys: []IndexKey{{Column: "a"}}, AllowRowLocks: true, AllowPageLocks: true, Compression: "PAGE"}
	if got, want := createIndex("s", "h", ix), "CREATE UNIQUE NONCLUSTERED INDEX [ix] ON [s].[h] ([a] ASC) WITH (DATA_COMPRESSION = PAGE);\nGO\n"; got != want {
		t.Errorf("index: %q, want %q", got, want)
	}
	st := &Statistic{Name: "st $(x)", Columns: []string{"a", "b]"}}
	if got, want := createStatistics("s", "h", st), "EXEC sys.sp_executesql N'CREATE STATISTICS [st $' + N'(x)] ON [s].[h] ([a], [b]]]);';\nGO\n"; got != want {
		t.Errorf("statistics: %q, want %q", got, want)
	}
}
