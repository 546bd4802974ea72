package mssql

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// How a module (view, function, procedure, DML trigger, database DDL
// trigger) is written:
//
//   - its definition (sys.sql_modules.definition) with the names of its
//     CREATE header replaced by the ones the catalog has now
//     (renameModule): the definition keeps the name the module was
//     created with, which sp_rename and ALTER SCHEMA ... TRANSFER do not
//     change ("Rename a Stored Procedure", Limitations; "ALTER SCHEMA",
//     Remarks: moving a procedure, function, view or trigger does not
//     change the schema name in the definition column of sys.sql_modules);
//     SMO scripts them so too;
//   - created with sp_executesql inside TRY...CATCH (moduleBatch), so that
//     a module that fails (a stale one: it uses a dropped column, or a
//     view over an object that no longer exists) prints a line and the
//     restore goes on;
//   - its text a readable multi-line literal where every client reads it
//     alike (moduleLiteral), else nlit's one-line form.

// textSpan is the byte range [start, end) of a part of a text.
type textSpan struct{ start, end int }

// moduleHeader tells where the names of the CREATE statement that begins
// a module's definition stand in it.
type moduleHeader struct {
	kind  string   // PROCEDURE, FUNCTION, VIEW or TRIGGER (PROC is read as PROCEDURE)
	name  textSpan // the module's name: one or two parts
	names []string // its parts, unquoted
	// A trigger's ON object, its table or view: one, two or three parts
	// (CREATE TRIGGER: "ON { table | view }", optionally fully qualified).
	table  textSpan
	tables []string
	// database is true for a DDL trigger ON DATABASE (no table).
	database bool
}

// parseModuleHeader reads the header of a module's definition:
//
//	{whitespace | -- comment | /* nested */ comment}
//	CREATE [OR ALTER] {PROC | PROCEDURE | FUNCTION | VIEW | TRIGGER} name [ON {object | DATABASE}]
//
// (keywords in any case; tokens apart by whitespace and comments, which
// may also stand around the dots of a name). A name part is a regular
// identifier (a letter, _, @ or #, then letters, digits, @, $, # and _:
// "Database identifiers"), [bracketed] with ]] for ], or, where the module
// was created with QUOTED_IDENTIFIER ON, "quoted" with "" for ". Stored
// definitions begin with CREATE: ALTER is stored as CREATE, and CREATE OR
// ALTER without OR ALTER (not in Microsoft's documentation; shown by
// tests published at sqlquantumleap.com, 2018); CREATE OR ALTER is read
// too. A trigger ON DATABASE is a database DDL trigger (CREATE TRIGGER,
// "DDL trigger": ON { ALL SERVER | DATABASE }); ON ALL SERVER (a server
// trigger, no part of a database) is an error, and so is anything this reading does not cover (whitespace
// other than space, tab, CR and LF; a lone CR in a -- comment, which SQL
// Server may or may not end there; a character after a regular identifier
// that could continue it for another reading of Unicode; a ] right after
// the name, which would join the bracketed name written for it): the
// caller keeps the text as stored.
func parseModuleHeader(def string, quotedIdentifier bool) (moduleHeader, error) {
	p := headerParser{s: def, quoted: quotedIdentifier}
	var h moduleHeader
	// expect reads one of words, or fails saying what is missing.
	expect := func(missing string, words ...string) (string, error) {
		w, err := p.keyword(words...)
		if err == nil && w == "" {
			err = p.fail(missing)
		}
		return w, err
	}
	if _, err := expect("no CREATE", "CREATE"); err != nil {
		return h, err
	}
	or, err := p.keyword("OR")
	if err == nil && or != "" {
		_, err = expect("CREATE OR without ALTER", "ALTER")
	}
	if err != nil {
		return h, err
	}
	if h.kind, err = expect("no PROCEDURE, FUNCTION, VIEW or TRIGGER after CREATE", "PROC", "PROCEDURE", "FUNCTION", "VIEW", "TRIGGER"); err != nil {
		return h, err
	}
	if h.kind == "PROC" {
		h.kind = "PROCEDURE"
	}
	if h.name, h.names, err = p.name(2); err != nil || h.kind != "TRIGGER" {
		return h, err
	}
	if _, err := expect("no ON after the trigger's name", "ON"); err != nil {
		return h, err
	}
	switch ddl, err := p.keyword("DATABASE", "ALL"); {
	case err != nil:
		return h, err
	case ddl == "DATABASE":
		h.database = true
		return h, nil
	case ddl == "ALL":
		return h, errors.New("a server trigger (ON ALL SERVER)")
	}
	h.table, h.tables, err = p.name(3)
	return h, err
}

// headerParser reads a module's header (parseModuleHeader).
type headerParser struct {
	s      string
	i      int
	quoted bool // "..." is an identifier (QUOTED_IDENTIFIER ON)
}

func (p *headerParser) fail(what string) error {
	return fmt.Errorf("%s at offset %d", what, p.i)
}

// space skips whitespace and comments.
func (p *headerParser) space() error {
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			p.i++
		case strings.HasPrefix(p.s[p.i:], "--"):
			end := strings.IndexByte(p.s[p.i:], '\n')
			if end < 0 {
				end = len(p.s) - p.i
			}
			// SQL Server may end the comment at a lone CR or not: which
			// it does is not documented.
			if cr := strings.IndexByte(p.s[p.i:p.i+end], '\r'); cr >= 0 && cr != end-1 {
				return p.fail("a CR inside a -- comment")
			}
			p.i += end
		case strings.HasPrefix(p.s[p.i:], "/*"):
			depth := 0
			for {
				switch {
				case p.i >= len(p.s):
					return p.fail("an unterminated /* comment")
				case strings.HasPrefix(p.s[p.i:], "/*"):
					depth, p.i = depth+1, p.i+2
				case strings.HasPrefix(p.s[p.i:], "*/"):
					depth, p.i = depth-1, p.i+2
				default:
					p.i++
				}
				if depth == 0 {
					break
				}
			}
		default:
			return nil
		}
	}
	return nil
}

// identStart and identPart tell the characters of a regular identifier
// ("Database identifiers": the first a letter, _, @ or #; then letters,
// decimal digits, @, $, # and _).
func identStart(r rune) bool { return r == '_' || r == '@' || r == '#' || unicode.IsLetter(r) }
func identPart(r rune) bool  { return identStart(r) || r == '$' || unicode.IsDigit(r) }

// word returns the regular identifier at p.i, or "" if there is none; an
// error if a character that is no ASCII follows it (a letter, a digit or
// a mark for SQL Server's reading of Unicode, maybe).
func (p *headerParser) word() (string, error) {
	j := p.i
	for j < len(p.s) {
		r, n := utf8.DecodeRuneInString(p.s[j:])
		if r == utf8.RuneError && n <= 1 || !(identPart(r) && (j > p.i || identStart(r))) {
			break
		}
		j += n
	}
	if j < len(p.s) && p.s[j] >= utf8.RuneSelf && j > p.i {
		return "", fmt.Errorf("a character that may continue the identifier at offset %d", j)
	}
	return p.s[p.i:j], nil
}

// keyword skips whitespace and comments and reads one of words (upper
// case) in any case, not followed by a character of an identifier; it
// returns "" if none is there.
func (p *headerParser) keyword(words ...string) (string, error) {
	if err := p.space(); err != nil {
		return "", err
	}
	w, err := p.word()
	if err != nil {
		return "", err
	}
	for _, k := range words {
		if strings.EqualFold(w, k) {
			p.i += len(w)
			return k, nil
		}
	}
	return "", nil
}

// part reads one part of a name: bracketed, quoted or regular.
func (p *headerParser) part() (string, error) {
	if p.i >= len(p.s) {
		return "", p.fail("no name")
	}
	var closing byte
	switch p.s[p.i] {
	case '[':
		closing = ']'
	case '"':
		if !p.quoted {
			return "", p.fail(`a "quoted" name where QUOTED_IDENTIFIER was OFF`)
		}
		closing = '"'
	default:
		w, err := p.word()
		if err != nil {
			return "", err
		}
		if w == "" {
			return "", p.fail("no name")
		}
		p.i += len(w)
		return w, nil
	}
	var b strings.Builder
	for j := p.i + 1; j < len(p.s); j++ {
		if p.s[j] != closing {
			b.WriteByte(p.s[j])
			continue
		}
		if j+1 < len(p.s) && p.s[j+1] == closing {
			b.WriteByte(closing)
			j++
			continue
		}
		if b.Len() == 0 {
			return "", p.fail("an empty name")
		}
		p.i = j + 1
		return b.String(), nil
	}
	return "", p.fail("an unterminated name")
}

// name skips whitespace and comments and reads a name of one to max
// parts, apart by dots.
func (p *headerParser) name(max int) (textSpan, []string, error) {
	if err := p.space(); err != nil {
		return textSpan{}, nil, err
	}
	span := textSpan{start: p.i}
	var parts []string
	for {
		part, err := p.part()
		if err != nil {
			return span, nil, err
		}
		parts = append(parts, part)
		span.end = p.i
		if err := p.space(); err != nil {
			return span, nil, err
		}
		if p.i >= len(p.s) || p.s[p.i] != '.' {
			p.i = span.end
			if p.i < len(p.s) && p.s[p.i] == ']' {
				// Never valid; and it would join the name written for it.
				return span, nil, p.fail("a ] after the name")
			}
			return span, parts, nil
		}
		if len(parts) == max {
			return span, nil, p.fail(fmt.Sprintf("a name of more than %d parts", max))
		}
		p.i++
		if err := p.space(); err != nil {
			return span, nil, err
		}
	}
}

// renameModule returns def with the names of its CREATE header replaced:
// the module's by name, a trigger's ON object by table (both written by
// quoteName; table is "" for a DDL trigger ON DATABASE); the rest of the text is kept byte for byte (comments between
// the parts of a name go with it). An error says why the header could not
// be read (parseModuleHeader), or that it is not the one of a module of
// that type.
func renameModule(def string, typ string, quotedIdentifier bool, name, table string) (string, error) {
	h, err := parseModuleHeader(def, quotedIdentifier)
	if err != nil {
		return "", fmt.Errorf("its CREATE header was not understood: %w", err)
	}
	if want := strings.ToUpper(kindOfModule(typ)); h.kind != want {
		return "", fmt.Errorf("its header is CREATE %s, where a %s was expected", h.kind, strings.ToLower(want))
	}
	if h.database != (h.kind == "TRIGGER" && table == "") {
		if h.database {
			return "", errors.New("its header is CREATE TRIGGER ... ON DATABASE, where a trigger on a table or view was expected")
		}
		return "", errors.New("its header names a table or view, where a trigger ON DATABASE was expected")
	}
	out := def[:h.name.start] + name
	if h.kind == "TRIGGER" && !h.database {
		out += def[h.name.end:h.table.start] + table + def[h.table.end:]
	} else {
		out += def[h.name.end:]
	}
	return out, nil
}

// moduleDefinition returns the definition to create m from: its CREATE
// header naming it, and a trigger's table, as the catalog does now
// (renameModule). If that fails, the definition is kept as stored, which
// creates the module under the names it gives, and a warning says so.
func (s *scripter) moduleDefinition(m *Module) string {
	def, err := s.renamedDefinition(m)
	if err != nil {
		s.opts.warn(m.what(),
			fmt.Errorf("scripted as stored, so the copy is created under the names its definition gives: %w", err))
		return m.Definition
	}
	return def
}

// renamedDefinition renames m's definition (renameModule) as the catalog
// names m and a trigger's table now.
func (s *scripter) renamedDefinition(m *Module) (string, error) {
	table := ""
	if m.Type == "TR" && !m.Database {
		if s.c.tables[m.Parent] == nil && s.c.objects[m.Parent] == nil {
			return "", fmt.Errorf("its table (object %d) is not in the catalog", m.Parent)
		}
		table = s.c.qualified(m.Parent)
	}
	return renameModule(m.Definition, m.Type, m.QuotedIdentifier, quoteName(m.Schema, m.Name), table)
}

// ifCreated makes stmt, a statement about module m, run only where m
// exists: not where its creation failed (moduleBatch prints why and goes
// on) nor where its user for a login is missing. A DDL trigger is not in
// sys.objects (OBJECT_ID does not find it): it is looked up in
// sys.triggers with parent_class 0.
func ifCreated(m *Module, stmt string) string {
	if m.Database {
		return "IF EXISTS (SELECT 1 FROM sys.triggers WHERE parent_class = 0 AND name = " + nlit(m.Name) + ")\n    " + stmt
	}
	return "IF OBJECT_ID(" + nlit(quoteName(m.Schema, m.Name)) + ") IS NOT NULL\n    " + stmt
}

// what names m in messages: "procedure [s].[p]", "database trigger [t]".
func (m *Module) what() string {
	if m.Database {
		return "database trigger " + quoteIdent(m.Name)
	}
	return kindOfModule(m.Type) + " " + quoteName(m.Schema, m.Name)
}

// setModuleOptions is the batch that sets the two options a module keeps
// from its creation. fileHeader sets both ON; a module created with
// either OFF is followed by setModuleOptions(true, true), so that the
// option does not leak into what follows (CREATE TABLE, an index on a
// computed column or a view, which need ANSI_NULLS ON).
func setModuleOptions(ansiNulls, quotedIdentifier bool) string {
	return "SET ANSI_NULLS " + onOff(ansiNulls) + ";\nSET QUOTED_IDENTIFIER " + onOff(quotedIdentifier) + ";\nGO\n"
}

// moduleBatch returns the batches that create module m from def (its
// definition with the header renamed: moduleDefinition):
//
//	SET ANSI_NULLS x;
//	SET QUOTED_IDENTIFIER y;
//	GO
//	DECLARE @sql nvarchar(max) = <def: moduleLiteral, or nlit>;
//	BEGIN TRY
//	    EXEC sys.sp_executesql @sql;
//	END TRY
//	BEGIN CATCH
//	    PRINT N'sqlvault: procedure [s].[p] was not created: ' + ERROR_MESSAGE();
//	END CATCH;
//	GO
//	[SET ANSI_NULLS ON; SET QUOTED_IDENTIFIER ON; GO, if either was OFF]
//
// The options are set in a batch of their own before the one that runs
// sp_executesql: "Stored procedures specifying SET ANSI_NULLS or SET
// QUOTED_IDENTIFIER use the setting specified at stored procedure
// creation time" ("SET statements", Considerations; also CREATE
// PROCEDURE: the settings are saved when the procedure is created), the
// session's when sp_executesql's batch is parsed and run; and SET
// QUOTED_IDENTIFIER takes effect at parse time, for the whole batch it is
// in, so the one that restores the file's options must be in a later
// batch too. The module is created with sp_executesql because CREATE
// VIEW, PROCEDURE, FUNCTION and TRIGGER must begin their batch, which
// leaves no room for TRY; and a compile error of the CREATE, at the lower
// level of sp_executesql, is caught by the CATCH around it ("TRY...CATCH",
// errors at a lower execution level), whereas one in the batch itself
// would not be. The CATCH turns the error into a PRINT (a message of
// severity 0, as RAISERROR with severity 10 would be too), which neither
// sqlcmd's :on error exit (-b) nor SSMS treats as an error: the restore
// goes on, and the line, "sqlvault: <kind> <name> was not created: <the
// server's error message>", can be searched for in its output.
//
// A module that executes as a user for a login is created only where that
// user exists (else a PRINT says it was not). No CR ever reaches the
// script: the literal holds LF only (moduleLiteral), or none (nlit).
func moduleBatch(m *Module, def string) string {
	what := m.what()
	run := "BEGIN TRY\n    " + execSQLVar + "\nEND TRY\nBEGIN CATCH\n    PRINT " + nlit("sqlvault: "+what+" was not created: ") + " + ERROR_MESSAGE();\nEND CATCH;"
	if m.loginUser != "" {
		run = "IF " + userExists(m.loginUser) + "\nBEGIN\n    " + strings.ReplaceAll(run, "\n", "\n    ") + "\nEND\nELSE\n    PRINT " +
			nlit("sqlvault: user "+quoteIdent(m.loginUser)+" does not exist; "+what+", which executes as it, was not created") + ";"
	}
	stmt := declareSQL(def) + run
	if lit, ok := moduleLiteral(def); ok && sqlcmdReads(declareSQLPrefix+lit+";\n"+run, true) {
		stmt = declareSQLPrefix + lit + ";\n" + run
	}
	out := setModuleOptions(m.AnsiNulls, m.QuotedIdentifier) + stmt + "\nGO\n"
	if !m.AnsiNulls || !m.QuotedIdentifier {
		out += setModuleOptions(true, true)
	}
	return out
}

// moduleLiteral returns def as a literal a DBA can read: N'...' with its
// quotes doubled and its lines as they are. The script files have LF line
// ends, but a client joins the lines of a batch as it pleases (go-sqlcmd
// with LF on Linux and CR LF on Windows, dropping the CR of a CR LF line
// end; the ODBC sqlcmd and SSMS as the file has them), so a literal that
// spans lines is made exact on the server: every CR the client put in is
// taken out again, and a definition whose lines all end in CR LF gets
// them back:
//
//	REPLACE(REPLACE(CAST(N'...' AS nvarchar(max)) COLLATE Latin1_General_BIN2, NCHAR(13), N''), NCHAR(10), NCHAR(13) + NCHAR(10))
//
// (a definition with LF line ends only the inner REPLACE; one without a
// line break none). nvarchar(max), because REPLACE truncates anything
// else at 8,000 bytes; a binary collation, because REPLACE compares in
// the input's collation. The created module's text is the definition
// byte for byte. ok is false, for nlit's one-line form instead, where def
// has a lone CR or mixes line ends, holds any other control character or
// line break (litMustEscape) but tab, is not valid UTF-8, or where the
// literal would hold a backslash before a quote (go-sqlcmd's escape
// before 2022) or before a line break (SQL Server's line continuation in
// a string). The caller also checks the whole batch with sqlcmdReads (a
// line GO or :r, a "$(").
func moduleLiteral(def string) (string, bool) {
	text, crlf := def, false
	if strings.Contains(def, "\r") {
		text = strings.ReplaceAll(def, "\r\n", "\n")
		if strings.Contains(text, "\r") || strings.Count(def, "\n") != strings.Count(def, "\r\n") {
			return "", false
		}
		crlf = true
	}
	if !utf8.ValidString(text) || strings.IndexFunc(text, func(r rune) bool { return r != '\n' && litMustEscape(r) }) >= 0 {
		return "", false
	}
	lit := "N'" + strings.ReplaceAll(text, "'", "''") + "'"
	if strings.Contains(lit, `\'`) || strings.Contains(lit, "\\\n") {
		return "", false
	}
	if strings.Contains(text, "\n") {
		lit = "REPLACE(CAST(" + lit + " AS nvarchar(max)) COLLATE Latin1_General_BIN2, NCHAR(13), N'')"
		if crlf {
			lit = "REPLACE(" + lit + ", NCHAR(10), NCHAR(13) + NCHAR(10))"
		}
	}
	return lit, true
}
