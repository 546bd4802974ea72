package mssql

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

// moduleTail matches what moduleBatch writes after the declaration of
// @sql: the TRY...CATCH around sp_executesql, inside a user's guard or not.
var moduleTail = regexp.MustCompile(`^(BEGIN TRY\n    EXEC sys\.sp_executesql @sql;\nEND TRY\nBEGIN CATCH\n    PRINT N'sqlvault: [^\n]* \+ ERROR_MESSAGE\(\);\nEND CATCH;` +
	`|IF DATABASE_PRINCIPAL_ID\(N'[^\n]*'\) IS NOT NULL\nBEGIN\n    BEGIN TRY\n        EXEC sys\.sp_executesql @sql;\n    END TRY\n    BEGIN CATCH\n        PRINT N'sqlvault: [^\n]* \+ ERROR_MESSAGE\(\);\n    END CATCH;\nEND\nELSE\n    PRINT N'sqlvault: user [^\n]*;)$`)

// unwrapModule returns the text that the batch of a module (moduleBatch,
// without its SET batches) creates the module from, as SQL Server would
// evaluate its literal, and whether stmt is such a batch.
func unwrapModule(stmt string) (string, bool, error) {
	rest, ok := strings.CutPrefix(strings.TrimRight(stmt, "\n"), declareSQLPrefix)
	if !ok {
		return "", false, nil
	}
	// The expression ends at the first ";" outside quotes.
	end, quoted := -1, false
	for i := 0; i < len(rest) && end < 0; i++ {
		switch {
		case rest[i] == '\'':
			quoted = !quoted
		case rest[i] == ';' && !quoted:
			end = i
		}
	}
	// The code after the literal, with the client's line ends made LF.
	tail := strings.ReplaceAll(rest[max(end, 0):], "\r\n", "\n")
	if end < 0 || !strings.HasPrefix(tail, ";\n") || !moduleTail.MatchString(tail[2:]) {
		return "", false, nil
	}
	expr := rest[:end]
	// moduleLiteral's forms: REPLACE(REPLACE(CAST(N'...' AS nvarchar(max))
	// COLLATE Latin1_General_BIN2, NCHAR(13), N''), NCHAR(10), NCHAR(13) +
	// NCHAR(10)), its inner REPLACE alone, or a literal (nlit's too).
	const cast, addCR = " AS nvarchar(max)) COLLATE Latin1_General_BIN2, NCHAR(13), N'')", ", NCHAR(10), NCHAR(13) + NCHAR(10))"
	lit, multi := strings.CutPrefix(expr, "REPLACE(REPLACE(CAST(")
	crlf := multi
	if multi {
		if lit, multi = strings.CutSuffix(lit, cast+addCR); !multi {
			return "", false, errors.New("REPLACE of another form: " + expr)
		}
	} else if lit, multi = strings.CutPrefix(expr, "REPLACE(CAST("); multi {
		if lit, multi = strings.CutSuffix(lit, cast); !multi {
			return "", false, errors.New("REPLACE of another form: " + expr)
		}
	}
	if !multi {
		v, err := ParseLiteral(ColumnType{Name: "nvarchar", MaxLength: -1}, expr)
		if err != nil {
			return "", false, err
		}
		return v.(string), true, nil
	}
	inner, ok := strings.CutPrefix(lit, "N'")
	if inner, ok2 := strings.CutSuffix(inner, "'"); ok && ok2 && !strings.Contains(strings.ReplaceAll(inner, "''", ""), "'") {
		// As the server evaluates it: the CRs a client joined lines
		// with are taken out, and CR LF line ends put back.
		text := strings.ReplaceAll(strings.ReplaceAll(inner, "''", "'"), "\r", "")
		if crlf {
			text = strings.ReplaceAll(text, "\n", "\r\n")
		}
		return text, true, nil
	}
	return "", false, errors.New("not one literal: " + lit)
}

// TestParseModuleHeader checks what the header parser reads, and what it
// refuses to guess.
func TestParseModuleHeader(t *testing.T) {
	for _, c := range []struct {
		def    string
		kind   string
		name   string // the text of the name's span
		names  string // its parts, unquoted, joined with |
		table  string
		tables string
	}{
		{"CREATE PROCEDURE dbo.p AS SELECT 1", "PROCEDURE", "dbo.p", "dbo|p", "", ""},
		{"create proc p\nas select 1", "PROCEDURE", "p", "p", "", ""},
		{"CREATE   PROCEDURE[x].[y]AS SELECT 1", "PROCEDURE", "[x].[y]", "x|y", "", ""},
		{"  \t\r\n-- a comment with CREATE VIEW x in it\r\n/* a /* nested */ comment */CREATE VIEW\n[a]]b].[c d]\nAS SELECT 1", "VIEW", "[a]]b].[c d]", "a]b|c d", "", ""},
		{`CREATE FUNCTION "it's"."a""b" () RETURNS int AS BEGIN RETURN 1 END`, "FUNCTION", `"it's"."a""b"`, `it's|a"b`, "", ""},
		{"CREATE FUNCTION dbo . /* x */ f(@a int) RETURNS int", "FUNCTION", "dbo . /* x */ f", "dbo|f", "", ""},
		{"CrEaTe Or/*y*/AlTeR VIEW v_1$#@ AS SELECT 1", "VIEW", "v_1$#@", "v_1$#@", "", ""},
		{"CREATE PROC #tmp;2 AS SELECT 1", "PROCEDURE", "#tmp", "#tmp", "", ""},
		{"CREATE PROCEDURE ünï.çødé AS SELECT 1", "PROCEDURE", "ünï.çødé", "ünï|çødé", "", ""},
		{"CREATE TRIGGER s.tr ON s.t AFTER INSERT AS SELECT 1", "TRIGGER", "s.tr", "s|tr", "s.t", "s|t"},
		{"CREATE TRIGGER [tr]ON[db].[s].[t]FOR DELETE AS SELECT 1", "TRIGGER", "[tr]", "tr", "[db].[s].[t]", "db|s|t"},
		{"CREATE TRIGGER tr on\n--x\nt\nINSTEAD OF DELETE AS SELECT 1", "TRIGGER", "tr", "tr", "t", "t"},
		{"CREATE VIEW v", "VIEW", "v", "v", "", ""},
	} {
		h, err := parseModuleHeader(c.def, true)
		if err != nil {
			t.Errorf("%q: %v", c.def, err)
			continue
		}
		got := []string{h.kind, c.def[h.name.start:h.name.end], strings.Join(h.names, "|"), c.def[h.table.start:h.table.end], strings.Join(h.tables, "|")}
		want := []string{c.kind, c.name, c.names, c.table, c.tables}
		if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
			t.Errorf("%q: read %q, want %q", c.def, got, want)
		}
	}
	for _, c := range []struct{ def, err string }{
		{"", "no CREATE at offset 0"},
		{"ALTER PROCEDURE p AS SELECT 1", "no CREATE at offset 0"},
		{"CREATE TABLE t (a int)", "no PROCEDURE, FUNCTION, VIEW or TRIGGER after CREATE at offset 7"},
		{"CREATE OR REPLACE VIEW v AS SELECT 1", "CREATE OR without ALTER at offset 10"},
		{"CREATEPROC p AS SELECT 1", "no CREATE at offset 0"},
		{"CREATE PROCEDURE a.b.c AS SELECT 1", "a name of more than 2 parts at offset 20"},
		{"CREATE PROCEDURE a.;1 AS SELECT 1", "no name at offset 19"},
		{"CREATE PROCEDURE [a AS SELECT 1", "an unterminated name at offset 17"},
		{"CREATE PROCEDURE [] AS SELECT 1", "an empty name at offset 17"},
		{"CREATE PROCEDURE 1p AS SELECT 1", "no name at offset 17"},
		{"CREATE PROCEDURE p\u0301 AS SELECT 1", "a character that may continue the identifier at offset 18"},
		{"CREATE\u00a0PROCEDURE p AS SELECT 1", "a character that may continue the identifier at offset 6"},
		{"/* unterminated /* */ CREATE VIEW v AS SELECT 1", "an unterminated /* comment at offset 47"},
		{"-- a\rCREATE VIEW v\nAS SELECT 1", "a CR inside a -- comment at offset 0"},
		{"CREATE TRIGGER tr ON ALL SERVER FOR LOGON AS SELECT 1", "a server trigger (ON ALL SERVER)"},
		{"CREATE TRIGGER tr ON /* x */ all SERVER FOR LOGON AS SELECT 1", "a server trigger (ON ALL SERVER)"},
		{"CREATE TRIGGER tr AFTER INSERT AS SELECT 1", "no ON after the trigger's name at offset 18"},
		{"CREATE TRIGGER tr ON a.b.c.d AFTER INSERT AS SELECT 1", "a name of more than 3 parts at offset 26"},
		{"CREATE VIEW v] AS SELECT 1", "a ] after the name at offset 13"},
		{"CREATE VIEW \"v\"] AS SELECT 1", "a ] after the name at offset 15"},
	} {
		if _, err := parseModuleHeader(c.def, true); err == nil || err.Error() != c.err {
			t.Errorf("%q: error %v, want %s", c.def, err, c.err)
		}
	}
	// A database DDL trigger: its name, no table.
	for _, def := range []string{
		"CREATE TRIGGER trg_DDL ON DATABASE FOR CREATE_TABLE AS PRINT 1",
		"create trigger [trg_DDL] on/*x*/database\nFOR DDL_TABLE_EVENTS AS PRINT 1",
		"CREATE OR ALTER TRIGGER \"trg_DDL\" ON Database AFTER DROP_TABLE AS ROLLBACK",
	} {
		h, err := parseModuleHeader(def, true)
		if err != nil || h.kind != "TRIGGER" || !h.database || strings.Join(h.names, "|") != "trg_DDL" || h.table != (textSpan{}) || h.tables != nil {
			t.Errorf("%q: %+v, %v", def, h, err)
		}
	}
	// A table named Database is a table.
	if h, err := parseModuleHeader("CREATE TRIGGER tr ON [Database] AFTER INSERT AS SELECT 1", true); err != nil || h.database || strings.Join(h.tables, "|") != "Database" {
		t.Errorf("a table named Database: %+v, %v", h, err)
	}
	// "..." is a string, not a name, where QUOTED_IDENTIFIER was OFF.
	if _, err := parseModuleHeader(`CREATE VIEW "v" AS SELECT 1`, false); err == nil || err.Error() != `a "quoted" name where QUOTED_IDENTIFIER was OFF at offset 12` {
		t.Errorf("quoted name with QUOTED_IDENTIFIER OFF: %v", err)
	}
}

// TestRenameModule checks that the CREATE header names the module (and a
// trigger its table) as the catalog does, the rest kept byte for byte: a
// procedure renamed and moved to another schema, a view moved, a trigger
// whose table was renamed, names with ]] and quotes, comments before
// CREATE, CREATE OR ALTER.
func TestRenameModule(t *testing.T) {
	for _, c := range []struct {
		def, typ, name, table, want string
	}{
		{"CREATE PROC dbo.OldName\r\nAS\r\nSELECT 1; -- dbo.OldName\r\n", "P", "[sales].[NewName]", "",
			"CREATE PROC [sales].[NewName]\r\nAS\r\nSELECT 1; -- dbo.OldName\r\n"},
		{"/* v1 */\n-- moved to reports\nCREATE VIEW CustomerList AS SELECT * FROM dbo.Customers", "V", "[reports].[CustomerList]", "",
			"/* v1 */\n-- moved to reports\nCREATE VIEW [reports].[CustomerList] AS SELECT * FROM dbo.Customers"},
		{"CREATE TRIGGER hr.trg ON hr.Staff\nINSTEAD OF DELETE AS RAISERROR ('no', 16, 1);", "TR", "[hr].[trg]", "[hr].[Employees]",
			"CREATE TRIGGER [hr].[trg] ON [hr].[Employees]\nINSTEAD OF DELETE AS RAISERROR ('no', 16, 1);"},
		{"CREATE   PROCEDURE[x].[y]AS SELECT 1", "P", "[x]]'s].[\"q\"]", "", "CREATE   PROCEDURE[x]]'s].[\"q\"]AS SELECT 1"},
		{"CREATE OR ALTER FUNCTION \"a\"\"b\".f(@x int) RETURNS int AS BEGIN RETURN @x END", "FN", "[a\"b].[g]", "",
			"CREATE OR ALTER FUNCTION [a\"b].[g](@x int) RETURNS int AS BEGIN RETURN @x END"},
		{"CREATE TRIGGER tr ON [db].[dbo].[t] AFTER INSERT AS SELECT 1", "TR", "[dbo].[tr]", "[dbo].[t2]",
			"CREATE TRIGGER [dbo].[tr] ON [dbo].[t2] AFTER INSERT AS SELECT 1"},
		// A database DDL trigger: its name only.
		{"CREATE TRIGGER trg_DDL_Audit ON DATABASE FOR CREATE_TABLE AS PRINT 'a table was created';", "TR", "[trg_DDL_Audit]", "",
			"CREATE TRIGGER [trg_DDL_Audit] ON DATABASE FOR CREATE_TABLE AS PRINT 'a table was created';"},
		{"CREATE TRIGGER [old]]name] ON DATABASE FOR DROP_TABLE AS ROLLBACK", "TR", "[new]]name]", "",
			"CREATE TRIGGER [new]]name] ON DATABASE FOR DROP_TABLE AS ROLLBACK"},
	} {
		got, err := renameModule(c.def, c.typ, true, c.name, c.table)
		if err != nil || got != c.want {
			t.Errorf("%q: %q, %v; want %q", c.def, got, err, c.want)
		}
		// Renaming again changes nothing: a copy scripts as the original.
		if again, err := renameModule(got, c.typ, true, c.name, c.table); err != nil || again != got {
			t.Errorf("%q renamed twice: %q, %v", c.def, again, err)
		}
	}
	if _, err := renameModule("CREATE VIEW v AS SELECT 1", "P", true, "[dbo].[v]", ""); err == nil || err.Error() != "its header is CREATE VIEW, where a procedure was expected" {
		t.Errorf("a view's definition for a procedure: %v", err)
	}
	if _, err := renameModule("CREATE TRIGGER tr ON DATABASE FOR CREATE_TABLE AS PRINT 1", "TR", true, "[dbo].[tr]", "[dbo].[t]"); err == nil ||
		err.Error() != "its header is CREATE TRIGGER ... ON DATABASE, where a trigger on a table or view was expected" {
		t.Errorf("a DDL trigger's definition for a DML trigger: %v", err)
	}
	if _, err := renameModule("CREATE TRIGGER tr ON t AFTER INSERT AS SELECT 1", "TR", true, "[tr]", ""); err == nil ||
		err.Error() != "its header names a table or view, where a trigger ON DATABASE was expected" {
		t.Errorf("a DML trigger's definition for a DDL trigger: %v", err)
	}
}

// TestModuleDefinitionWarns checks that a header that cannot be read is
// kept as stored, with a warning.
func TestModuleDefinitionWarns(t *testing.T) {
	var warned []string
	s := &scripter{c: &Catalog{}, opts: Options{Warn: func(what string, err error) { warned = append(warned, what+": "+err.Error()) }}}
	m := &Module{Schema: "dbo", Name: "p\r\nx", Type: "P", Definition: "ALTER PROC p AS SELECT 1"}
	if got := s.moduleDefinition(m); got != m.Definition {
		t.Errorf("definition %q", got)
	}
	tr := &Module{Schema: "dbo", Name: "tr", Type: "TR", Parent: 7, Definition: "CREATE TRIGGER tr ON t AFTER INSERT AS SELECT 1"}
	if got := s.moduleDefinition(tr); got != tr.Definition {
		t.Errorf("definition %q", got)
	}
	sameLines(t, "warnings", warned, []string{
		"procedure [dbo].[p\\r\\nx]: scripted as stored, so the copy is created under the names its definition gives: its CREATE header was not understood: no CREATE at offset 0",
		"trigger [dbo].[tr]: scripted as stored, so the copy is created under the names its definition gives: its table (object 7) is not in the catalog",
	})
}

// lfLiteral and crlfLiteral wrap a literal that spans lines as
// moduleLiteral does for a definition with LF and with CR LF line ends.
func lfLiteral(lit string) string {
	return "REPLACE(CAST(" + lit + " AS nvarchar(max)) COLLATE Latin1_General_BIN2, NCHAR(13), N'')"
}

func crlfLiteral(lit string) string {
	return "REPLACE(" + lfLiteral(lit) + ", NCHAR(10), NCHAR(13) + NCHAR(10))"
}

// TestModuleBatch checks the forms of a module's batch: the definition
// as a readable literal with its lines (wrapped in REPLACE when they all
// end in CRLF), or nlit's one-line form for what some client could
// misread; each creates the module from exactly the definition, and
// passes sqlcmdReads (strings may span lines) with no CR in it.
func TestModuleBatch(t *testing.T) {
	const tail = ";\nBEGIN TRY\n    EXEC sys.sp_executesql @sql;\nEND TRY\nBEGIN CATCH\n" +
		"    PRINT N'sqlvault: procedure [dbo].[p] was not created: ' + ERROR_MESSAGE();\nEND CATCH;\nGO\n"
	for _, c := range []struct{ def, lit string }{
		{"CREATE PROCEDURE [dbo].[p] AS SELECT N'it''s' AS q; -- \"x\"", "N'CREATE PROCEDURE [dbo].[p] AS SELECT N''it''''s'' AS q; -- \"x\"'"},
		{"CREATE PROCEDURE [dbo].[p]\nAS\nSELECT N'it''s' AS q; -- \"x\"\n", lfLiteral("N'CREATE PROCEDURE [dbo].[p]\nAS\nSELECT N''it''''s'' AS q; -- \"x\"\n'")},
		{"CREATE PROCEDURE [dbo].[p]\r\nAS\r\nSELECT 'a\r\nb';", crlfLiteral("N'CREATE PROCEDURE [dbo].[p]\nAS\nSELECT ''a\nb'';'")},
		// Mixed line ends, a lone CR: one line.
		{"CREATE PROCEDURE [dbo].[p]\r\nAS\nSELECT 1;", "N'CREATE PROCEDURE [dbo].[p]' + NCHAR(13) + NCHAR(10) + N'AS' + NCHAR(10) + N'SELECT 1;'"},
		{"CREATE PROCEDURE [dbo].[p] AS\rSELECT 1;", "N'CREATE PROCEDURE [dbo].[p] AS' + NCHAR(13) + N'SELECT 1;'"},
		// A line GO, :r, a $(, a backslash before a quote or a line break,
		// a control character, a line separator: one line.
		{"CREATE PROCEDURE [dbo].[p] AS\n/*\nGO\n*/ SELECT 1;", "N'CREATE PROCEDURE [dbo].[p] AS' + NCHAR(10) + N'/*' + NCHAR(10) + N'GO' + NCHAR(10) + N'*/ SELECT 1;'"},
		{"CREATE PROCEDURE [dbo].[p] AS\n/*\n:r x\n*/ SELECT 1;", "N'CREATE PROCEDURE [dbo].[p] AS' + NCHAR(10) + N'/*' + NCHAR(10) + N':r x' + NCHAR(10) + N'*/ SELECT 1;'"},
		{"CREATE PROCEDURE [dbo].[p] AS\nSELECT '$(x)';", "N'CREATE PROCEDURE [dbo].[p] AS' + NCHAR(10) + N'SELECT ''$' + N'(x)'';'"},
		{"CREATE PROCEDURE [dbo].[p] AS\nSELECT 'C:\\';", "N'CREATE PROCEDURE [dbo].[p] AS' + NCHAR(10) + N'SELECT ''C:' + NCHAR(92) + N''';'"},
		{"CREATE PROCEDURE [dbo].[p] AS\nSELECT 'a\\\nb';", "N'CREATE PROCEDURE [dbo].[p] AS' + NCHAR(10) + N'SELECT ''a' + NCHAR(92) + NCHAR(10) + N'b'';'"},
		{"CREATE PROCEDURE [dbo].[p] AS\nSELECT 1;\\", "N'CREATE PROCEDURE [dbo].[p] AS' + NCHAR(10) + N'SELECT 1;' + NCHAR(92)"},
		{"CREATE PROCEDURE [dbo].[p] AS\nSELECT '\x01';", "N'CREATE PROCEDURE [dbo].[p] AS' + NCHAR(10) + N'SELECT ''' + NCHAR(1) + N''';'"},
		{"CREATE PROCEDURE [dbo].[p] AS\nSELECT 1;\u2028", "N'CREATE PROCEDURE [dbo].[p] AS' + NCHAR(10) + N'SELECT 1;' + NCHAR(8232)"},
		// A quote go-sqlcmd would read as opening a string: the literal
		// holds it inside its own string, so both readers agree.
		{"CREATE PROCEDURE [dbo].[p] AS\nSELECT [a\"b], \"c\";", lfLiteral("N'CREATE PROCEDURE [dbo].[p] AS\nSELECT [a\"b], \"c\";'")},
	} {
		m := &Module{Schema: "dbo", Name: "p", Type: "P", AnsiNulls: true, QuotedIdentifier: true}
		got := moduleBatch(m, c.def)
		if want := setModuleOptions(true, true) + declareSQLPrefix + c.lit + tail; got != want {
			t.Errorf("%q:\n%s\nwant:\n%s", c.def, got, want)
		}
		body := strings.TrimSuffix(strings.TrimPrefix(got, setModuleOptions(true, true)), "\nGO\n")
		if !sqlcmdReads(body, true) || strings.Contains(got, "\r") {
			t.Errorf("%q: the batch is not safe for sqlcmd: %q", c.def, body)
		}
		if text, ok, err := unwrapModule(body); !ok || err != nil || text != c.def {
			t.Errorf("%q: creates the module from %q (%v, %v)", c.def, text, ok, err)
		}
	}
}

// TestModuleSetOptions checks that a module created with ANSI_NULLS or
// QUOTED_IDENTIFIER OFF is followed by a batch that sets both ON again,
// as the file's header does, before the next statement (here a table).
func TestModuleSetOptions(t *testing.T) {
	for _, want := range []string{"SET ANSI_NULLS ON;\n", "SET QUOTED_IDENTIFIER ON;\n"} {
		if !strings.Contains(fileHeader, want) {
			t.Errorf("the file header lacks %q: the modules restore what it does not set", want)
		}
	}
	m := &Module{Schema: "dbo", Name: "v", Type: "V", AnsiNulls: false, QuotedIdentifier: true}
	script := moduleBatch(m, "CREATE VIEW [dbo].[v] AS SELECT 1 AS x WHERE NULL = NULL;") + createTable(&Table{Schema: "dbo", Name: "t",
		Columns: []*Column{{Name: "a", Type: ColumnType{Name: "int"}}}})
	var got []string
	for _, b := range batches(script) {
		got = append(got, strings.SplitN(b, "\n", 2)[0])
	}
	sameLines(t, "batches", got, []string{
		"SET ANSI_NULLS OFF;",
		"DECLARE @sql nvarchar(max) = N'CREATE VIEW [dbo].[v] AS SELECT 1 AS x WHERE NULL = NULL;';",
		"SET ANSI_NULLS ON;",
		"CREATE TABLE [dbo].[t] (",
	})
	if !strings.HasPrefix(script, "SET ANSI_NULLS OFF;\nSET QUOTED_IDENTIFIER ON;\nGO\n") ||
		!strings.Contains(script, "END CATCH;\nGO\nSET ANSI_NULLS ON;\nSET QUOTED_IDENTIFIER ON;\nGO\nCREATE TABLE") {
		t.Errorf("script:\n%s", script)
	}
	// Both ON: nothing to restore.
	m.AnsiNulls = true
	if got := moduleBatch(m, "CREATE VIEW [dbo].[v] AS SELECT 1 AS x;"); strings.Count(got, "SET ANSI_NULLS") != 1 {
		t.Errorf("script:\n%s", got)
	}
}

// TestModuleCRLF checks that a procedure whose definition has CRLF line
// ends and a string literal spanning lines is created with its definition
// byte for byte when go-sqlcmd runs the script (it reads lines and joins
// them with LF, which would change the string's value if the definition
// were written as it is).
func TestModuleCRLF(t *testing.T) {
	def := "CREATE PROCEDURE [dbo].[p]\r\nAS\r\nSELECT N'first line\r\nsecond line' AS s;\r\n"
	m := &Module{Schema: "dbo", Name: "p", Type: "P", AnsiNulls: true, QuotedIdentifier: true}
	script := moduleBatch(m, def)
	if strings.Contains(script, "\r") {
		t.Fatalf("a CR in the script: %q", script)
	}
	// go-sqlcmd on Linux and on Windows, and the ODBC sqlcmd.
	for _, eol := range []string{"\n", "\r\n"} {
		g := &goSqlcmd{sqlcmdRun: sqlcmdRun{files: map[string][]byte{"schema.sql": []byte(script)}}, eol: eol}
		g.run("schema.sql")
		o := odbcSqlcmdText(script)
		for _, run := range []*sqlcmdRun{&g.sqlcmdRun, &o.sqlcmdRun} {
			if len(run.errs) > 0 || len(run.batches) != 2 {
				t.Fatalf("sqlcmd sends %q, errors %q", run.batches, run.errs)
			}
			text, ok, err := unwrapModule(run.batches[1])
			if !ok || err != nil || text != def {
				t.Errorf("the procedure is created from %q (%v, %v), want %q", text, ok, err, def)
			}
		}
	}
}

// TestSampleModules checks the sample's modules in its scripts: a
// procedure renamed and moved, and a trigger whose table was renamed, are
// created under their current names; every module is created inside
// TRY...CATCH; and the trigger's SET ANSI_NULLS OFF is undone before the
// next batch.
func TestSampleModules(t *testing.T) {
	s := newTestServer(t, nil)
	sink, man := s.scriptMem("sample", s.options("sample"))
	schema, post := string(sink.files[SchemaFile]), string(sink.files[PostDataFile])
	mustContain(t, "schema.sql", schema,
		"\n-- Procedure [sales].[usp_CustomerCount]\nSET ANSI_NULLS ON;\nSET QUOTED_IDENTIFIER ON;\nGO\n"+
			"DECLARE @sql nvarchar(max) = REPLACE(CAST(N'-- Renamed and moved to sales after it was created: its definition keeps its first name.\n"+
			"CREATE PROCEDURE [sales].[usp_CustomerCount]\nAS\nSELECT COUNT(*) AS Customers FROM sales.Customers;' AS nvarchar(max)) COLLATE Latin1_General_BIN2, NCHAR(13), N'');\n"+
			"BEGIN TRY\n    EXEC sys.sp_executesql @sql;\nEND TRY\nBEGIN CATCH\n"+
			"    PRINT N'sqlvault: procedure [sales].[usp_CustomerCount] was not created: ' + ERROR_MESSAGE();\nEND CATCH;\nGO\n",
		// CRLF line ends: written with LF, given back by REPLACE.
		"DECLARE @sql nvarchar(max) = REPLACE(REPLACE(CAST(N'CREATE FUNCTION [dbo].[fn_Tax] (@amount money)\nRETURNS money\n")
	mustContain(t, "post-data.sql", post,
		"DECLARE @sql nvarchar(max) = REPLACE(CAST(N'CREATE TRIGGER [hr].[trg_Employees_NoDelete] ON [hr].[Employees]\nINSTEAD OF DELETE\n",
		"END CATCH;\nGO\nSET ANSI_NULLS ON;\nSET QUOTED_IDENTIFIER ON;\nGO\n"+
			"IF OBJECT_ID(N'[hr].[trg_Employees_NoDelete]') IS NOT NULL\n    DISABLE TRIGGER [hr].[trg_Employees_NoDelete] ON [hr].[Employees];\nGO\n")
	for _, text := range []string{schema, post} {
		if strings.Contains(text, "usp_CustomerCount_Old") || strings.Contains(text, "hr.Staff") || strings.Contains(text, "\r") {
			t.Errorf("an old name, or a CR, in the script:\n%s", text)
		}
	}
	modules := 0
	for _, o := range man.Objects {
		switch o.Kind {
		case "view", "function", "procedure", "trigger":
			modules++
		}
	}
	if n := strings.Count(schema+post, "\nBEGIN TRY\n"); n < 10 || n != modules {
		t.Errorf("%d modules created inside TRY...CATCH, of %d", n, modules)
	}
}

// TestModuleDependentsGuarded checks that what post-data.sql and
// security.sql do about a module (an index or statistics on a view, a
// trigger's DISABLE, a permission, an owner, an extended property) runs
// only where the module exists: a module that fails on the target is
// reported by its TRY...CATCH, and nothing about it may stop the restore
// after that.
func TestModuleDependentsGuarded(t *testing.T) {
	s := newTestServer(t, nil)
	sink, m := s.scriptMem("sample", s.options("sample"))
	type mod struct{ schema, name string }
	var mods []mod
	for _, o := range m.Objects {
		switch o.Kind {
		case "view", "function", "procedure", "trigger":
			schema, name, _ := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(o.Name, "["), "]"), "].[")
			mods = append(mods, mod{schema, name})
		}
	}
	if len(mods) < 8 {
		t.Fatalf("modules %v", mods)
	}
	guarded := 0
	for _, f := range []string{PostDataFile, SecurityFile} {
		for i, b := range batches(string(sink.files[f])) {
			var code []string
			for _, l := range strings.Split(b, "\n") {
				if !strings.HasPrefix(l, "--") {
					code = append(code, l)
				}
			}
			text := strings.Join(code, "\n")
			if strings.Contains(text, "BEGIN TRY") {
				continue // a module's own creation
			}
			if inner, ok, err := unwrapGuarded(strings.TrimSpace(text)); err != nil {
				t.Fatal(err)
			} else if ok {
				text = inner // what runs where the target's version has it
			}
			for _, md := range mods {
				q := quoteName(md.schema, md.name)
				if !strings.Contains(text, q) && !strings.Contains(text, "@level0name = "+nlit(md.schema)+", @level1type = N'") ||
					!strings.Contains(text, q) && !strings.Contains(text, "@level1name = "+nlit(md.name)+";") {
					continue
				}
				if !strings.Contains(text, "IF OBJECT_ID("+nlit(q)+") IS NOT NULL\n    ") {
					t.Errorf("%s batch %d is about %s without checking that it exists:\n%s", f, i+1, q, text)
				}
				guarded++
			}
		}
	}
	if guarded < 6 {
		t.Errorf("%d guarded statements", guarded)
	}
}
