package mssql

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// TestSecurityPlan covers what the sample database does not: roles that
// own each other, owners that are not scripted, principals of every other
// kind, a column-level REVOKE, a system object, a securable class that is
// not scripted, guest, a denied CONNECT; and users for a login (a SQL
// login whose name needs quoting, a Windows login) that own a schema, an
// object and a role, are members, grantees, and the securable of
// IMPERSONATE, each statement guarded by the users it needs, next to a
// Windows group whose login cannot be named, which is reported with what
// needs it.
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
		{ID: 10, Name: "login]user", Type: "S", Auth: "INSTANCE", Login: "app's login", DefaultSchema: "s"},
		{ID: 11, Name: "DOMAIN\\group", Type: "G", Auth: "WINDOWS"},
		{ID: 16, Name: "ann", Type: "U", Auth: "WINDOWS", Login: "DOMAIN\\ann", DefaultSchema: "dbo"},
		{ID: 17, Name: "e", Type: "R", Owner: 11},
		{ID: 12, Name: "contained", Type: "S", Auth: "DATABASE"},
		{ID: 13, Name: "signer", Type: "C", Auth: "NONE"},
		{ID: 14, Name: "app", Type: "A", Auth: "NONE"},
		{ID: 15, Name: "entra@example.com", Type: "E", Auth: "NONE"},
	} {
		c.principals[p.ID] = p
	}
	c.members = [][2]int64{{16384, 1}, {5, 9}, {5, 14}, {5, 10}, {8, 16}, {5, 11}}
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
		{Class: 0, Name: "CONNECT", State: "G", Grantee: 10},
		{Class: 1, Major: 100, Name: "INSERT", State: "G", Grantee: 10},
		{Class: 4, Major: 10, Name: "IMPERSONATE", State: "G", Grantee: 16},
		{Class: 4, Major: 10, Name: "VIEW DEFINITION", State: "G", Grantee: 5},
		{Class: 0, Name: "CREATE VIEW", State: "G", Grantee: 11},
	}
	c.finish()

	var got []string
	for _, it := range append(c.Users, c.Security...) {
		got = append(got, it.Stmt)
	}
	loginUser := func(login, user, create string) string {
		return "IF NOT EXISTS (SELECT 1 FROM sys.server_principals WHERE name = N'" + login + "' AND type IN ('S', 'U', 'G'))\n" +
			"    PRINT N'sqlvault: login [" + login + "] does not exist on this server, or the restoring login cannot see it; user " + user + " and what depends on it were not created';\n" +
			"ELSE IF EXISTS (SELECT 1 FROM sys.database_principals AS u JOIN sys.server_principals AS l ON l.sid = u.sid WHERE l.name = N'" + login + "')\n" +
			"    PRINT N'sqlvault: login [" + login + "] already has a user in this database; user " + user + " and what depends on it were not created';\n" +
			"ELSE\n" +
			"    " + create
	}
	want := []string{
		loginUser(`DOMAIN\ann`, "[ann]", `CREATE USER [ann] FOR LOGIN [DOMAIN\ann];`),
		loginUser("app''s login", "[login]]user]", "CREATE USER [login]]user] FOR LOGIN [app's login] WITH DEFAULT_SCHEMA = [s];"),
		"CREATE USER [loner] WITHOUT LOGIN;",
		"CREATE ROLE [c] AUTHORIZATION [dbo];",
		"CREATE ROLE [d] AUTHORIZATION [db_securityadmin];",
		"CREATE ROLE [e] AUTHORIZATION [dbo];",
		"CREATE ROLE [a] AUTHORIZATION [dbo];",
		"CREATE ROLE [b] AUTHORIZATION [dbo];",
		"ALTER AUTHORIZATION ON ROLE::[a] TO [b];",
		"ALTER AUTHORIZATION ON ROLE::[b] TO [a];",
		"IF DATABASE_PRINCIPAL_ID(N'login]user') IS NOT NULL\n    ALTER AUTHORIZATION ON ROLE::[c] TO [login]]user];",
		"IF DATABASE_PRINCIPAL_ID(N'login]user') IS NOT NULL\n    ALTER ROLE [a] ADD MEMBER [login]]user];",
		"ALTER ROLE [a] ADD MEMBER [loner];",
		"IF DATABASE_PRINCIPAL_ID(N'ann') IS NOT NULL\n    ALTER ROLE [d] ADD MEMBER [ann];",
		"IF DATABASE_PRINCIPAL_ID(N'login]user') IS NOT NULL\n    ALTER AUTHORIZATION ON SCHEMA::[s] TO [login]]user];",
		"IF DATABASE_PRINCIPAL_ID(N'login]user') IS NOT NULL\n    ALTER AUTHORIZATION ON OBJECT::[s].[t] TO [login]]user];",
		"ALTER AUTHORIZATION ON OBJECT::[s].[v] TO [d];",
		"ALTER AUTHORIZATION ON TYPE::[s].[ty] TO [b];",
		"IF DATABASE_PRINCIPAL_ID(N'ann') IS NOT NULL\n    REVOKE CONNECT FROM [ann];",
		"GRANT CONNECT TO [guest];",
		"DENY CONNECT TO [loner];",
		"GRANT SELECT ON OBJECT::[s].[t] TO [a];",
		"IF DATABASE_PRINCIPAL_ID(N'login]user') IS NOT NULL\n    GRANT INSERT ON OBJECT::[s].[t] TO [login]]user];",
		"REVOKE SELECT ON OBJECT::[s].[t] ([x]) FROM [a];",
		"GRANT EXECUTE ON OBJECT::[sys].[sp_who] TO [d];",
		"GRANT CONTROL ON ROLE::[b] TO [d] WITH GRANT OPTION;",
		"IF DATABASE_PRINCIPAL_ID(N'login]user') IS NOT NULL\n    GRANT VIEW DEFINITION ON USER::[login]]user] TO [a];",
		"IF DATABASE_PRINCIPAL_ID(N'ann') IS NOT NULL AND DATABASE_PRINCIPAL_ID(N'login]user') IS NOT NULL\n    GRANT IMPERSONATE ON USER::[login]]user] TO [ann];",
	}
	sameLines(t, "security", got, want)
	var reported []string
	for _, u := range c.Unscripted {
		reported = append(reported, fmt.Sprintf("%s %s: %s", u.Kind, u.Name, u.Reason))
	}
	wantReported := []string{
		"application role [app]: application roles are not scripted (their password cannot be read); create it on the target server",
		"permission GRANT ALTER ON APPLICATION ROLE::[app] TO [d]: [app] is not scripted",
		"permission GRANT CREATE TABLE TO [contained]: its grantee [contained] is not scripted",
		"permission GRANT CREATE VIEW TO [DOMAIN\\group]: its grantee [DOMAIN\\group] is not scripted",
		"permission GRANT REFERENCES ON XML SCHEMA COLLECTION::[XML schema collection 65536] TO [d]: its XML schema collection [XML schema collection 65536] is not scripted",
		"permission GRANT SELECT ON OBJECT::[s].[gone] TO [d]: its object [s].[gone] is not scripted",
		"role member [DOMAIN\\group] in [a]: [DOMAIN\\group] is not scripted",
		"role member [app] in [a]: [app] is not scripted",
		"role owner [e]: owned by [DOMAIN\\group], which is not scripted; dbo owns it in the copy",
		"user [DOMAIN\\group]: " + reasonWindowsUnknown,
		"user [contained]: a contained database user with a password, which cannot be read; create it on the target server",
		"user [entra@example.com]: a Microsoft Entra ID user or group; create it on the target server",
		"user [signer]: mapped to a certificate or asymmetric key, which is not scripted",
	}
	sameLines(t, "reported", reported, wantReported)
	if got, want := fmt.Sprint(c.NeedsLogins), `[{DOMAIN\ann [ann]} {app's login [login]]user]}]`; got != want {
		t.Errorf("needs logins %s, want %s", got, want)
	}
	// Every statement is one batch that sqlcmd reads as it is, but the
	// one that brackets a name with a quote, which sqlcmd would take for
	// the start of a string: it is run with sp_executesql.
	for _, it := range append(c.Users, c.Security...) {
		quote := strings.Contains(it.Stmt, "[app's login]")
		if sqlcmdSafe(it.Stmt) == quote || strings.Contains(batch(it.Stmt), "sp_executesql") != quote {
			t.Errorf("sqlcmd-safe %v: %q", sqlcmdSafe(it.Stmt), it.Stmt)
		}
	}
}

// TestSecurityLoginUsersOnly scripts, over TDS, a database whose only
// users are mapped to logins (a SQL login and a Windows group), as most
// databases' are: nothing is reported, so a backup of it is complete
// (exit 0), the users and what needs them are guarded in security.sql, and
// the manifest lists the logins the restore needs.
func TestSecurityLoginUsersOnly(t *testing.T) {
	db := sample.Bench(10)
	db.AddPrincipals(
		&sample.Principal{Name: "web", Type: "S", Auth: "INSTANCE", Login: "web_login", MemberOf: []string{"readers"}},
		&sample.Principal{Name: `DOMAIN\ops`, Type: "G", Auth: "WINDOWS", Login: `DOMAIN\ops`, DefaultSchema: "dbo"},
		&sample.Principal{Name: "readers", Type: "R"},
	)
	db.Permissions = []*sample.Permission{
		{State: "G", Name: "SELECT", On: "object:dbo.Mixed", To: "readers"},
		{State: "D", Name: "DELETE", On: "object:dbo.Mixed", To: `DOMAIN\ops`},
		{State: "G", Name: "IMPERSONATE", On: "user:web", To: `DOMAIN\ops`},
	}
	s := newTestServer(t, []*sample.DB{db})
	var warned []string
	opts := s.options("bench")
	opts.Warn = func(what string, err error) { warned = append(warned, what+": "+err.Error()) }
	sink, m := s.scriptMem("bench", opts)
	if len(m.Unscripted) != 0 || len(warned) != 0 {
		t.Errorf("reported %+v, warned %q", m.Unscripted, warned)
	}
	if got, want := fmt.Sprint(m.NeedsLogins), `[{DOMAIN\ops [DOMAIN\ops]} {web_login [web]}]`; got != want {
		t.Errorf("needs logins %s, want %s", got, want)
	}
	mustContain(t, "schema.sql", string(sink.files[SchemaFile]),
		"ELSE\n    CREATE USER [DOMAIN\\ops] FOR LOGIN [DOMAIN\\ops];\nGO\n",
		"ELSE\n    CREATE USER [web] FOR LOGIN [web_login];\nGO\n")
	sec := string(sink.files[SecurityFile])
	mustContain(t, "security.sql", sec,
		"IF DATABASE_PRINCIPAL_ID(N'web') IS NOT NULL\n    ALTER ROLE [readers] ADD MEMBER [web];\nGO\n",
		"GRANT SELECT ON OBJECT::[dbo].[Mixed] TO [readers];\nGO\n",
		"IF DATABASE_PRINCIPAL_ID(N'DOMAIN\\ops') IS NOT NULL\n    DENY DELETE ON OBJECT::[dbo].[Mixed] TO [DOMAIN\\ops];\nGO\n",
		"IF DATABASE_PRINCIPAL_ID(N'DOMAIN\\ops') IS NOT NULL AND DATABASE_PRINCIPAL_ID(N'web') IS NOT NULL\n    GRANT IMPERSONATE ON USER::[web] TO [DOMAIN\\ops];\nGO\n")
	if strings.Contains(sec, "REVOKE CONNECT") {
		t.Errorf("security.sql revokes the CONNECT that CREATE USER grants:\n%s", sec)
	}
	if !strings.Contains(string(sink.files[ManifestFile]), `"needs_logins": [`) {
		t.Error("manifest.json lacks needs_logins")
	}
	// No security.sql, no needs_logins: a data-only script creates no users.
	opts.DataOnly = true
	if _, m := s.scriptMem("bench", opts); m.NeedsLogins != nil {
		t.Errorf("data only: needs logins %+v", m.NeedsLogins)
	}
}

// TestStorageDDL checks how compression and statistics are rendered.
func TestStorageDDL(t *testing.T) {
	heap := &Table{Schema: "s", Name: "h", Compression: []string{"PAGE"}, Columns: []*Column{{Name: "a", Type: ColumnType{Name: "int"}}}}
	if got, want := createTable(heap), "CREATE TABLE [s].[h] (\n    [a] int NOT NULL\n) WITH (DATA_COMPRESSION = PAGE);\nGO\n"; got != want {
		t.Errorf("heap:\n%s\nwant:\n%s", got, want)
	}
	cci := &Index{Name: "cci", Type: 5, Compression: []string{"COLUMNSTORE_ARCHIVE"}}
	if got, want := createIndex("s", "h", cci), "CREATE CLUSTERED COLUMNSTORE INDEX [cci] ON [s].[h] WITH (DATA_COMPRESSION = COLUMNSTORE_ARCHIVE);\nGO\n"; got != want {
		t.Errorf("columnstore: %q, want %q", got, want)
	}
	ix := &Index{Name: "ix", Type: 2, Unique: true, Keys: []IndexKey{{Column: "a"}}, AllowRowLocks: true, AllowPageLocks: true, Compression: []string{"PAGE"}}
	if got, want := createIndex("s", "h", ix), "CREATE UNIQUE NONCLUSTERED INDEX [ix] ON [s].[h] ([a] ASC) WITH (DATA_COMPRESSION = PAGE);\nGO\n"; got != want {
		t.Errorf("index: %q, want %q", got, want)
	}
	st := &Statistic{Name: "st $(x)", Columns: []string{"a", "b]"}}
	if got, want := createStatistics("s", "h", st), "DECLARE @sql nvarchar(max) = N'CREATE STATISTICS [st $' + N'(x)] ON [s].[h] ([a], [b]]]);';\nEXEC sys.sp_executesql @sql;\nGO\n"; got != want {
		t.Errorf("statistics: %q, want %q", got, want)
	}
}

// TestExecuteAs covers modules that execute as a user (EXECUTE AS 'user',
// or SELF): one as a user without login is created as it is (schema.sql
// creates users first); one as a user for a login only where that user
// was created, and so are its permissions, owner and extended
// properties, and a trigger's DISABLE; one as a user that is not
// scripted is left out and reported, with its permissions. CALLER and
// OWNER need nobody.
func TestExecuteAs(t *testing.T) {
	c := newCatalog()
	for _, p := range []*Principal{
		{ID: 1, Name: "dbo", Type: "S", Auth: "INSTANCE"},
		{ID: 5, Name: "app", Type: "S", Auth: "NONE"},
		{ID: 6, Name: "web", Type: "S", Auth: "INSTANCE", Login: "web_login"},
		{ID: 7, Name: "gone", Type: "S", Auth: "INSTANCE"},
		{ID: 8, Name: "readers", Type: "R", Owner: 1},
	} {
		c.principals[p.ID] = p
	}
	c.objects[100] = &object{id: 100, schema: "s", name: "t", typ: "U"}
	c.Tables = []*Table{{ID: 100, Schema: "s", Name: "t", Columns: []*Column{{ID: 1, Name: "x", Type: ColumnType{Name: "int"}}}}}
	c.tables[100] = c.Tables[0]
	for _, m := range []*Module{
		{ID: 101, Schema: "s", Name: "p_app", Type: "P", ExecuteAs: 5, Definition: "CREATE PROCEDURE s.p_app WITH EXECUTE AS 'app' AS SELECT 1;"},
		{ID: 102, Schema: "s", Name: "p_web", Type: "P", ExecuteAs: 6, Definition: "CREATE PROCEDURE s.p_web WITH EXECUTE AS 'web' AS SELECT 1;"},
		{ID: 103, Schema: "s", Name: "p_gone", Type: "P", ExecuteAs: 7, Definition: "CREATE PROCEDURE s.p_gone WITH EXECUTE AS 'gone' AS SELECT 1;"},
		{ID: 104, Schema: "s", Name: "p_owner", Type: "P", ExecuteAs: -2, Definition: "CREATE PROCEDURE s.p_owner WITH EXECUTE AS OWNER AS SELECT 1;"},
		{ID: 105, Schema: "s", Name: "p_dbo", Type: "P", ExecuteAs: 1, Definition: "CREATE PROCEDURE s.p_dbo WITH EXECUTE AS SELF AS SELECT 1;"},
		{ID: 106, Schema: "s", Name: "tr_web", Type: "TR", Parent: 100, ExecuteAs: 6, TriggerDisabled: true,
			Definition: "CREATE TRIGGER s.tr_web ON s.t WITH EXECUTE AS 'web' AFTER INSERT AS SELECT 1;"},
	} {
		m.HasDefinition, m.AnsiNulls, m.QuotedIdentifier = true, true, true
		c.Modules = append(c.Modules, m)
		c.modules[m.ID] = m
		c.objects[m.ID] = &object{id: m.ID, schema: m.Schema, name: m.Name, typ: m.Type, parent: m.Parent}
	}
	c.objects[102].owner = 8
	c.perms = []*Permission{
		{Class: 1, Major: 101, Name: "EXECUTE", State: "G", Grantee: 8},
		{Class: 1, Major: 102, Name: "EXECUTE", State: "G", Grantee: 8},
		{Class: 1, Major: 103, Name: "EXECUTE", State: "G", Grantee: 8},
	}
	c.ExtProps = []*ExtProp{{Class: 1, Major: 102, Name: "Note", Value: "web's", HasBase: true, Base: ColumnType{Name: "nvarchar", MaxLength: 20}}}
	c.finish()

	var kept []string
	for _, m := range c.Modules {
		kept = append(kept, quoteName(m.Schema, m.Name))
	}
	sameLines(t, "modules", kept, []string{"[s].[p_app]", "[s].[p_dbo]", "[s].[p_owner]", "[s].[p_web]", "[s].[tr_web]"})
	sameLines(t, "reported", unscriptedLines(c.Unscripted), []string{
		"permission GRANT EXECUTE ON OBJECT::[s].[p_gone] TO [readers]: its object [s].[p_gone] is not scripted",
		"procedure [s].[p_gone]: it executes as [gone], which is not scripted: create that user on the target server, then the procedure",
		"user [gone]: " + reasonLoginUnknown,
	})
	var sec []string
	for _, it := range c.Security {
		if strings.Contains(it.Stmt, "[s].") {
			sec = append(sec, it.Stmt)
		}
	}
	sameLines(t, "security", sec, []string{
		"IF DATABASE_PRINCIPAL_ID(N'web') IS NOT NULL\n    ALTER AUTHORIZATION ON OBJECT::[s].[p_web] TO [readers];",
		"GRANT EXECUTE ON OBJECT::[s].[p_app] TO [readers];",
		"IF DATABASE_PRINCIPAL_ID(N'web') IS NOT NULL\n    GRANT EXECUTE ON OBJECT::[s].[p_web] TO [readers];",
	})
	try := func(indent, what string) string {
		return strings.ReplaceAll("BEGIN TRY\n    EXEC sys.sp_executesql @sql;\nEND TRY\nBEGIN CATCH\n    PRINT N'sqlvault: "+what+
			" was not created: ' + ERROR_MESSAGE();\nEND CATCH;", "\n", "\n"+indent)
	}
	if got, want := moduleBatch(c.modules[101], c.modules[101].Definition), "SET ANSI_NULLS ON;\nSET QUOTED_IDENTIFIER ON;\nGO\n"+
		"DECLARE @sql nvarchar(max) = N'CREATE PROCEDURE s.p_app WITH EXECUTE AS ''app'' AS SELECT 1;';\n"+
		try("", "procedure [s].[p_app]")+"\nGO\n"; got != want {
		t.Errorf("module as app:\n%s\nwant:\n%s", got, want)
	}
	if got, want := moduleBatch(c.modules[102], c.modules[102].Definition), "SET ANSI_NULLS ON;\nSET QUOTED_IDENTIFIER ON;\nGO\n"+
		"DECLARE @sql nvarchar(max) = N'CREATE PROCEDURE s.p_web WITH EXECUTE AS ''web'' AS SELECT 1;';\n"+
		"IF DATABASE_PRINCIPAL_ID(N'web') IS NOT NULL\n"+
		"BEGIN\n    "+try("    ", "procedure [s].[p_web]")+"\nEND\n"+
		"ELSE\n"+
		"    PRINT N'sqlvault: user [web] does not exist; procedure [s].[p_web], which executes as it, was not created';\nGO\n"; got != want {
		t.Errorf("module as web:\n%s\nwant:\n%s", got, want)
	}
	// The trigger and the extended property, in post-data.sql.
	s := &scripter{c: c, m: &Manifest{}}
	s.plan()
	var post strings.Builder
	if err := s.writePostData(&post); err != nil {
		t.Fatal(err)
	}
	mustContain(t, "post-data.sql", post.String(),
		"DECLARE @sql nvarchar(max) = N'CREATE TRIGGER [s].[tr_web] ON [s].[t] WITH EXECUTE AS ''web'' AFTER INSERT AS SELECT 1;';\nIF DATABASE_PRINCIPAL_ID(N'web') IS NOT NULL\nBEGIN\n    "+try("    ", "trigger [s].[tr_web]")+"\nEND\n",
		"IF OBJECT_ID(N'[s].[tr_web]') IS NOT NULL\n    DISABLE TRIGGER [s].[tr_web] ON [s].[t];\nGO\n",
		"DECLARE @value sql_variant = CAST(CAST(N'web''s' AS nvarchar(10)) AS sql_variant);\nIF OBJECT_ID(N'[s].[p_web]') IS NOT NULL\n    EXEC sys.sp_addextendedproperty @name = N'Note'")
}
