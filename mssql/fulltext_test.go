package mssql

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// TestFulltextStatements checks the full-text statements: catalog
// options, a stoplist's words one by one (a quote doubled, a CR as nlit
// writes it), and an index with a type column, statistical semantics,
// change tracking OFF without population, each stoplist form, disabled.
func TestFulltextStatements(t *testing.T) {
	for _, c := range []struct {
		fc   FulltextCatalog
		want string
	}{
		{FulltextCatalog{Name: "ftc"}, "CREATE FULLTEXT CATALOG [ftc] WITH ACCENT_SENSITIVITY = OFF;"},
		{FulltextCatalog{Name: "a]b", Default: true, AccentSensitive: true}, "CREATE FULLTEXT CATALOG [a]]b] WITH ACCENT_SENSITIVITY = ON AS DEFAULT;"},
	} {
		if got := createFulltextCatalog(&c.fc); got != c.want {
			t.Errorf("%+v: %q, want %q", c.fc, got, c.want)
		}
	}
	sameLines(t, "stoplist", createFulltextStoplist(&FulltextStoplist{Name: "sl", Words: []Stopword{{"it's", 1033}, {"a\rb", 1031}}}), []string{
		"CREATE FULLTEXT STOPLIST [sl];",
		"ALTER FULLTEXT STOPLIST [sl] ADD N'it''s' LANGUAGE 1033;",
		"ALTER FULLTEXT STOPLIST [sl] ADD N'a' + NCHAR(13) + N'b' LANGUAGE 1031;",
	})
	cols := []FulltextColumn{{Name: "Title", Language: 1033, Semantics: true}, {Name: "Body", TypeColumn: "Ext", Language: 0}}
	for _, c := range []struct {
		fi   FulltextIndex
		want []string
	}{
		{FulltextIndex{KeyIndex: "PK_Docs", Catalog: "ftc", Enabled: true, ChangeTracking: "AUTO", Stoplist: "SYSTEM", Columns: cols},
			[]string{"CREATE FULLTEXT INDEX ON [dbo].[Docs] ([Title] LANGUAGE 1033 STATISTICAL_SEMANTICS, [Body] TYPE COLUMN [Ext] LANGUAGE 0) KEY INDEX [PK_Docs] ON [ftc] WITH CHANGE_TRACKING = AUTO, STOPLIST = SYSTEM;"}},
		{FulltextIndex{KeyIndex: "UQ", Catalog: "ftc", ChangeTracking: "OFF", NoPopulation: true, Stoplist: "OFF", Columns: cols[1:]},
			[]string{"CREATE FULLTEXT INDEX ON [dbo].[Docs] ([Body] TYPE COLUMN [Ext] LANGUAGE 0) KEY INDEX [UQ] ON [ftc] WITH CHANGE_TRACKING = OFF, NO POPULATION, STOPLIST = OFF;",
				"ALTER FULLTEXT INDEX ON [dbo].[Docs] DISABLE;"}},
		{FulltextIndex{KeyIndex: "UQ", Catalog: "ftc", Enabled: true, ChangeTracking: "MANUAL", Stoplist: "OFF", Named: true, Columns: cols[:1]},
			[]string{"CREATE FULLTEXT INDEX ON [dbo].[Docs] ([Title] LANGUAGE 1033 STATISTICAL_SEMANTICS) KEY INDEX [UQ] ON [ftc] WITH CHANGE_TRACKING = MANUAL, STOPLIST = [OFF];"}},
	} {
		sameLines(t, "index", createFulltextIndex("[dbo].[Docs]", &c.fi), c.want)
	}
	// The guard: each statement with sp_executesql where full-text search
	// is installed, a PRINT where it is not; an index's statements caught.
	got := ifFullText("full-text index on [dbo].[Docs]", true, "CREATE FULLTEXT INDEX ON [dbo].[Docs] ([Body]) KEY INDEX [UQ];", "ALTER FULLTEXT INDEX ON [dbo].[Docs] DISABLE;")
	want := "IF CONVERT(int, SERVERPROPERTY('IsFullTextInstalled')) = 1\nBEGIN\n    DECLARE @sql nvarchar(max);\n" +
		"    SET @sql = N'CREATE FULLTEXT INDEX ON [dbo].[Docs] ([Body]) KEY INDEX [UQ];';\n" +
		"    BEGIN TRY\n        EXEC sys.sp_executesql @sql;\n    END TRY\n    BEGIN CATCH\n" +
		"        PRINT N'sqlvault: full-text index on [dbo].[Docs] was not created: ' + ERROR_MESSAGE();\n    END CATCH;\n" +
		"    SET @sql = N'ALTER FULLTEXT INDEX ON [dbo].[Docs] DISABLE;';\n" +
		"    BEGIN TRY\n        EXEC sys.sp_executesql @sql;\n    END TRY\n    BEGIN CATCH\n" +
		"        PRINT N'sqlvault: full-text index on [dbo].[Docs] was not created: ' + ERROR_MESSAGE();\n    END CATCH;\n" +
		"END\nELSE\n    PRINT N'sqlvault: full-text index on [dbo].[Docs] skipped: full-text search is not installed on this server';"
	if got != want {
		t.Errorf("ifFullText:\n%s\nwant:\n%s", got, want)
	}
	h := sample.Hostile
	got = ifFullText("full-text catalog "+quoteIdent("c"+h), false, createFulltextCatalog(&FulltextCatalog{Name: "c" + h}))
	if !sqlcmdSafe(got) || strings.Contains(got, "BEGIN TRY") {
		t.Errorf("a hostile catalog's batch:\n%s", got)
	}
}

// fulltextDB is a database with two full-text indexes, two catalogs (one
// unused), two stoplists (one empty), a hostile and a plain DDL trigger
// (ordered), and DDL triggers that cannot be scripted.
func fulltextDB() *sample.DB {
	h := sample.Hostile
	docs := &sample.Table{Schema: "dbo", Name: "Docs", Columns: []*sample.Column{
		{Name: "id", Type: "int"}, {Name: "Title", Type: "nvarchar(200)", Nullable: true},
		{Name: "Body", Type: "varbinary(max)", Nullable: true}, {Name: "Ext", Type: "nvarchar(8)", Nullable: true},
	}, Indexes: []*sample.Index{{Name: "PK_Docs", Type: 1, PrimaryKey: true, Keys: []string{"id"}}},
		FullText: &sample.FulltextIndex{Catalog: "ftc_Docs", KeyIndex: "PK_Docs", ChangeTracking: "OFF", NeverPopulated: true, Stoplist: "OFF", Disabled: true,
			Columns: []sample.FulltextColumn{{Name: "Title", Language: 1033, Semantics: true}, {Name: "Body", TypeColumn: "Ext"}}},
		Rows: [][]any{{1, "a", []byte("x"), ".txt"}}}
	notes := &sample.Table{Schema: "dbo", Name: "Notes", Columns: []*sample.Column{
		{Name: "id", Type: "int"}, {Name: "Text", Type: "nvarchar(max)", Nullable: true},
	}, Indexes: []*sample.Index{{Name: "UQ_Notes", Type: 2, Unique: true, Keys: []string{"id"}}},
		FullText: &sample.FulltextIndex{Catalog: "ftc_Docs", KeyIndex: "UQ_Notes", ChangeTracking: "AUTO",
			Columns: []sample.FulltextColumn{{Name: "Text", Language: 1031}}},
		Rows: [][]any{{1, "b"}}}
	db := sample.NewDB("ft", docs, notes)
	db.FulltextCatalogs = []*sample.FulltextCatalog{{Name: "ftc_Docs", AccentSensitive: true}, {Name: "ftc_Unused", Default: true}}
	db.FulltextStoplists = []*sample.FulltextStoplist{{Name: "sl_Empty"}, {Name: "sl_Quote", Words: []string{"it's/1033"}}}
	db.DatabaseTriggers = []*sample.DatabaseTrigger{
		{Name: "trg" + h, Definition: "CREATE TRIGGER [trg" + h + "] ON DATABASE FOR CREATE_TABLE, DROP_TABLE AS PRINT 1;",
			Order: []sample.TriggerOrder{{Event: "CREATE_TABLE", First: true}, {Event: "DROP_TABLE"}}},
		{Name: "trg_Plain", Definition: "create trigger trg_Plain on database for ALTER_TABLE as print 2;", Disabled: true},
		{Name: "trg_Secret", Encrypted: true},
		{Name: "trg_Clr", CLR: true},
	}
	db.Build()
	return db
}

// TestFulltextScripted scripts a database with full-text indexes and
// database DDL triggers: what each file holds, exactly, and what is
// reported; with --tables only the catalog and stoplist the chosen
// table's index uses, and no DDL trigger.
func TestFulltextScripted(t *testing.T) {
	s := newTestServer(t, []*sample.DB{fulltextDB()})
	h := sample.Hostile
	var warned []string
	opts := s.options("ft")
	opts.Warn = func(what string, err error) { warned = append(warned, what+": "+err.Error()) }
	sink := &memSink{}
	m, err := Script(context.Background(), s.connect("ft"), sink, opts)
	if err != nil {
		t.Fatal(err)
	}
	installed := "IF CONVERT(int, SERVERPROPERTY('IsFullTextInstalled')) = 1\nBEGIN\n    DECLARE @sql nvarchar(max);\n"
	skipped := func(what string) string {
		return "END\nELSE\n    PRINT N'sqlvault: " + what + " skipped: full-text search is not installed on this server';\nGO\n"
	}
	caught := func(stmt string) string {
		return "    SET @sql = " + nlit(stmt) + ";\n    BEGIN TRY\n        EXEC sys.sp_executesql @sql;\n    END TRY\n    BEGIN CATCH\n" +
			"        PRINT N'sqlvault: full-text index on [dbo].[Docs] was not created: ' + ERROR_MESSAGE();\n    END CATCH;\n"
	}
	mustContain(t, "schema.sql", string(sink.files[SchemaFile]),
		"-- Full-text catalog [ftc_Docs]\n"+installed+"    SET @sql = N'CREATE FULLTEXT CATALOG [ftc_Docs] WITH ACCENT_SENSITIVITY = ON;';\n    EXEC sys.sp_executesql @sql;\n"+
			skipped("full-text catalog [ftc_Docs]")+
			"\n-- Full-text catalog [ftc_Unused]\n"+installed+"    SET @sql = N'CREATE FULLTEXT CATALOG [ftc_Unused] WITH ACCENT_SENSITIVITY = OFF AS DEFAULT;';\n    EXEC sys.sp_executesql @sql;\n"+
			skipped("full-text catalog [ftc_Unused]")+
			"\n-- Full-text stoplist [sl_Empty]\n"+installed+"    SET @sql = N'CREATE FULLTEXT STOPLIST [sl_Empty];';\n    EXEC sys.sp_executesql @sql;\n"+
			skipped("full-text stoplist [sl_Empty]")+
			"\n-- Full-text stoplist [sl_Quote]\n"+installed+"    SET @sql = N'CREATE FULLTEXT STOPLIST [sl_Quote];';\n    EXEC sys.sp_executesql @sql;\n"+
			"    SET @sql = N'ALTER FULLTEXT STOPLIST [sl_Quote] ADD N''it''''s'' LANGUAGE 1033;';\n    EXEC sys.sp_executesql @sql;\n"+
			skipped("full-text stoplist [sl_Quote]"))
	mustContain(t, "post-data.sql", string(sink.files[PostDataFile]),
		"-- Full-text index on [dbo].[Docs]\n"+installed+
			caught("CREATE FULLTEXT INDEX ON [dbo].[Docs] ([Title] LANGUAGE 1033 STATISTICAL_SEMANTICS, [Body] TYPE COLUMN [Ext] LANGUAGE 0) KEY INDEX [PK_Docs] ON [ftc_Docs] WITH CHANGE_TRACKING = OFF, NO POPULATION, STOPLIST = OFF;")+
			caught("ALTER FULLTEXT INDEX ON [dbo].[Docs] DISABLE;")+skipped("full-text index on [dbo].[Docs]"),
		// After the key index UQ_Notes, which post-data.sql creates.
		"CREATE UNIQUE NONCLUSTERED INDEX [UQ_Notes] ON [dbo].[Notes] ([id] ASC);\nGO\n\n-- Full-text index on [dbo].[Docs]\n",
		"    SET @sql = N'CREATE FULLTEXT INDEX ON [dbo].[Notes] ([Text] LANGUAGE 1031) KEY INDEX [UQ_Notes] ON [ftc_Docs] WITH CHANGE_TRACKING = AUTO, STOPLIST = SYSTEM;';\n")
	security := string(sink.files[SecurityFile])
	name := nlit("trg" + h)
	guard := "IF EXISTS (SELECT 1 FROM sys.triggers WHERE parent_class = 0 AND name = " + name + ")\n    "
	mustContain(t, "security.sql", security,
		"    PRINT N'sqlvault: database trigger [trg' + NCHAR(13) + NCHAR(10) + N'DROP DATABASE x;' + NCHAR(13) + NCHAR(10) + N'GO' + NCHAR(13) + NCHAR(10) + N'$' + N'(x) */ it''s] was not created: ' + ERROR_MESSAGE();\n",
		// A statement sqlcmd could misread is run with sp_executesql.
		"GO\n"+execSQL(guard+"DISABLE TRIGGER [trg"+h+"] ON DATABASE;")+"\nGO\n",
		// A name nlit splits is declared first: a procedure's argument is a
		// constant or a variable.
		"DECLARE @triggername nvarchar(517) = "+name+";\n"+guard+
			"EXEC sys.sp_settriggerorder @triggername = @triggername, @order = N'First', @stmttype = N'CREATE_TABLE', @namespace = N'DATABASE';\nGO\n",
		"DECLARE @triggername nvarchar(517) = "+name+";\n"+guard+
			"EXEC sys.sp_settriggerorder @triggername = @triggername, @order = N'Last', @stmttype = N'DROP_TABLE', @namespace = N'DATABASE';\nGO\n",
		"DECLARE @sql nvarchar(max) = N'create trigger [trg_Plain] on database for ALTER_TABLE as print 2;';\n",
		"IF EXISTS (SELECT 1 FROM sys.triggers WHERE parent_class = 0 AND name = N'trg_Plain')\n    DISABLE TRIGGER [trg_Plain] ON DATABASE;\nGO\n")
	// Disabled at once, enabled at the very end: only the enabled one.
	if !strings.HasSuffix(security, execSQL(guard+"ENABLE TRIGGER [trg"+h+"] ON DATABASE;")+"\nGO\n") || strings.Contains(security, "ENABLE TRIGGER [trg_Plain]") {
		t.Errorf("security.sql does not end by enabling the enabled DDL trigger:\n%s", security)
	}
	if strings.Index(security, "ENABLE TRIGGER") < strings.LastIndex(security, "DISABLE TRIGGER") ||
		strings.Index(security, "sp_settriggerorder") < strings.LastIndex(security, "CREATE TRIGGER") {
		t.Errorf("a DDL trigger is enabled or ordered before every one is created and disabled:\n%s", security)
	}
	sameLines(t, "warnings", warned, []string{
		"database trigger [trg_Clr]: not scripted: CLR trigger (its assembly is not scripted); to do: " + actionCLR,
		"database trigger [trg_Secret]: not scripted: encrypted trigger: its definition cannot be read; to do: create it on the target from its source code, which only its author has (WITH ENCRYPTION hides the definition from every login)",
	})
	var objects []string
	for _, o := range m.Objects {
		if strings.Contains(o.Kind, "full-text") || o.Kind == "database trigger" {
			objects = append(objects, o.Kind+" "+o.Name)
		}
	}
	sameLines(t, "objects", objects, []string{"full-text catalog [ftc_Docs]", "full-text catalog [ftc_Unused]",
		"full-text stoplist [sl_Empty]", "full-text stoplist [sl_Quote]", "full-text index [dbo].[Docs]", "full-text index [dbo].[Notes]",
		"database trigger " + quoteIdent("trg"+h), "database trigger [trg_Plain]"})

	// --tables dbo.Notes: the catalog its index uses (no stoplist: it uses
	// the system one), no security.sql and no DDL trigger.
	opts.Tables = []string{"dbo.Notes"}
	warned = nil
	sink = &memSink{}
	if _, err := Script(context.Background(), s.connect("ft"), sink, opts); err != nil {
		t.Fatal(err)
	}
	schema := string(sink.files[SchemaFile])
	if !strings.Contains(schema, "CREATE FULLTEXT CATALOG [ftc_Docs]") || strings.Contains(schema, "ftc_Unused") || strings.Contains(schema, "STOPLIST") {
		t.Errorf("schema.sql with --tables:\n%s", schema)
	}
	if post := string(sink.files[PostDataFile]); !strings.Contains(post, "[dbo].[Notes] ([Text]") || strings.Contains(post, "[dbo].[Docs]") {
		t.Errorf("post-data.sql with --tables:\n%s", post)
	}
	if _, ok := sink.files[SecurityFile]; ok {
		t.Error("security.sql written with --tables")
	}
}

// TestFulltextLeftOut checks that a full-text index whose key index or
// column is not created is left out and listed, and the others kept.
func TestFulltextLeftOut(t *testing.T) {
	tbl := &Table{ID: 7, Schema: "dbo", Name: "Docs", Columns: []*Column{{ID: 1, Name: "id"}, {ID: 2, Name: "Title"}, {ID: 3, Name: "Ext"}},
		Indexes: []*Index{{ID: 1, Name: "PK_Docs"}, {ID: 2, Name: "UQ_Docs"}}}
	gone := absence{causeUnscripted, statusLeftOut}
	for _, c := range []struct {
		fi     FulltextIndex
		index  int64
		column int64
		want   string
	}{
		{FulltextIndex{KeyIndex: "UQ_Docs", Columns: []FulltextColumn{{Name: "Title"}}}, 2, 0, "full-text index [dbo].[Docs]: depends on [dbo].[Docs].[UQ_Docs], which is left out"},
		{FulltextIndex{KeyIndex: "PK_Docs", Columns: []FulltextColumn{{Name: "Title"}}}, 2, 0, ""},
		{FulltextIndex{KeyIndex: "PK_Docs", Columns: []FulltextColumn{{Name: "Title"}}}, 0, 2, "full-text index [dbo].[Docs]: depends on [dbo].[Docs].[Title], which is left out"},
		{FulltextIndex{KeyIndex: "PK_Docs", Columns: []FulltextColumn{{Name: "Title", TypeColumn: "Ext"}}}, 0, 3, "full-text index [dbo].[Docs]: depends on [dbo].[Docs].[Ext], which is left out"},
	} {
		s := &scripter{absentIndex: map[[2]int64]absence{}, absentCol: map[[2]int64]absence{}, absentFulltext: map[int64]absence{}}
		if c.index != 0 {
			s.absentIndex[[2]int64{7, c.index}] = gone
		}
		if c.column != 0 {
			s.absentCol[[2]int64{7, c.column}] = gone
		}
		tbl.FullText = &c.fi
		var left []string
		s.planFulltext(tbl, func(kind, name, reason string, a absence) {
			left = append(left, fmt.Sprintf("%s %s: %s", kind, name, reason))
		})
		if got := strings.Join(left, "\n"); got != c.want || s.fulltextAbsent(tbl) != (c.want != "") {
			t.Errorf("%+v: left out %q (absent %v), want %q", c.fi, got, s.fulltextAbsent(tbl), c.want)
		}
	}
}
