package mssql

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// quoteIdent quotes a SQL Server identifier with brackets. The name may
// hold anything, line breaks too: SQL Server reads it whole, but sqlcmd
// does not know brackets, so a statement naming it goes through batch (or
// moduleBatch, writeTableData), which runs it with sp_executesql where
// sqlcmd could misread it (sqlcmdSafe), and a comment through comment.
func quoteIdent(s string) string {
	return "[" + strings.ReplaceAll(s, "]", "]]") + "]"
}

// quoteName returns [schema].[name], or [name] without a schema.
func quoteName(schema, name string) string {
	if schema == "" {
		return quoteIdent(name)
	}
	return quoteIdent(schema) + "." + quoteIdent(name)
}

// QuoteName returns [schema].[name] as the scripts write it (for
// messages that name an object the server named).
func QuoteName(schema, name string) string { return quoteName(schema, name) }

// nlit renders s as an nvarchar literal (N'...'), safe for sqlcmd.
func nlit(s string) string {
	b, err := AppendStringLiteral(nil, strings.ToValidUTF8(s, "\uFFFD"))
	if err != nil {
		panic(err) // the string is valid UTF-8
	}
	return string(b)
}

// constantLit renders s as one nvarchar constant, N'...' with its quotes
// doubled and nothing else changed, for statements sent to the server
// directly (never through sqlcmd) where the syntax wants a constant, not
// an expression: CREATE DATABASE's FILENAME. Scripts use nlit.
func constantLit(s string) string {
	return "N'" + string(litAppendQuoted(nil, strings.ToValidUTF8(s, "\uFFFD"))) + "'"
}

// lineBreak tells the characters that end a line for one reader of a
// script or another: LF and CR (sqlcmd, SSMS, SQL Server's -- comments),
// VT and FF, NEL (U+0085), and the line and paragraph separators (U+2028,
// U+2029) of editors. AppendStringLiteral writes none of them, nor any
// other control character, inside a string (litMustEscape); commentText
// writes none of them in a comment.
func lineBreak(r rune) bool {
	switch r {
	case '\n', '\r', '\v', '\f', 0x85, 0x2028, 0x2029:
		return true
	}
	return false
}

// commentText renders text from the catalog (a name, a quoted name, a
// statement) for a comment of a script, so that it stays inside the
// comment whoever reads it: CR and LF are written as \r and \n, the other
// characters that could end the line or that tools mangle (litMustEscape:
// VT, FF, NEL, U+2028, U+2029 and every other control character but tab)
// as \uXXXX; "$(" as "$\(" so that sqlcmd substitutes no variable; "/*"
// and "*/" as "/\*" and "*\/" so that no reader takes them for a block
// comment (a data query's tag is one). Invalid UTF-8 becomes U+FFFD.
// Comments are for people: the text is not meant to be parsed back.
func commentText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	// pair tells the second character of "$(", "/*" and "*/".
	pair := func(i int, r rune) bool {
		return i > 0 && (r == '(' && s[i-1] == '$' || r == '*' && s[i-1] == '/' || r == '/' && s[i-1] == '*')
	}
	clean := true
	for i, r := range s {
		if litMustEscape(r) || pair(i, r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case litMustEscape(r):
			fmt.Fprintf(&b, `\u%04X`, r)
		case pair(i, r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// DisplayText renders text from the catalog (a name, a message quoting
// one) for one line of a terminal or a log, as commentText renders it for
// the scripts' comments: a name may hold line breaks and control
// characters, which would split the line or forge others. Warnings
// (Options.Warn) and errors of this package are rendered so already.
func DisplayText(s string) string { return commentText(s) }

// QuoteIdent returns s as a delimited identifier, [s] with ] doubled.
func QuoteIdent(s string) string { return quoteIdent(s) }

// comment returns a -- comment line: the formatted text through
// commentText, and a line break. Every comment of a script that holds
// text from the catalog is written with it.
func comment(format string, args ...any) string {
	return "-- " + commentText(fmt.Sprintf(format, args...)) + "\n"
}

// sqlcmdSafe reports whether text can be passed to sqlcmd (the ODBC one
// and go-sqlcmd) and SSMS in SQLCMD mode as it is, whatever they make of
// the strings and comments in it:
//   - no "$(": a variable reference, substituted in strings too;
//   - no line, whatever ends it (lineBreak), that sqlcmd could read as one
//     of its commands: GO (with a count, or anything after it), :anything,
//     and those that need no colon, [:]EXIT (also EXIT(...)), [:]QUIT,
//     [:]RESET, [:]ED, [:]ON ERROR and [:]!!;
//   - no CR, and no line that ends inside a string or a quoted
//     identifier: the clients read a file line by line and join the lines
//     of a batch as they please (go-sqlcmd 1.8 with LF on Linux and CR LF
//     on Windows, dropping the CR of a CR LF line end), so a value that
//     spans lines would not reach the server as written;
//   - sqlcmd and SQL Server read it alike (readersAgree): at the end of
//     every line both are, or both are not, inside a string or a comment,
//     where go-sqlcmd is read the stricter of two ways (before 2022 it
//     took a backslash in a '-string for an escape and knew no brackets;
//     since then it reads [..] as a string and no escapes), a " starts a
//     string and block comments do not nest; and no bracketed identifier
//     holds a line break or another control character, a quote or a
//     comment delimiter (the ODBC sqlcmd and SSMS may not know brackets).
func sqlcmdSafe(text string) bool {
	return sqlcmdReads(text, false)
}

// sqlcmdReads is sqlcmdSafe, but with lineStrings it allows a string to
// span lines: for a literal whose line ends the statement normalizes on
// the server whatever the client joined its lines with (moduleLiteral's
// REPLACE of NCHAR(13)). A CR is never allowed.
func sqlcmdReads(text string, lineStrings bool) bool {
	if strings.Contains(text, "$(") || strings.Contains(text, "\r") {
		return false
	}
	for _, line := range strings.FieldsFunc(text, lineBreak) {
		if sqlcmdCommand(line) {
			return false
		}
	}
	return readersAgree(text, lineStrings)
}

// sqlcmdCommand reports whether sqlcmd could read line (one line, ended
// by a lineBreak) as one of its commands: GO, with a count or anything
// after it, :anything, or one that needs no colon: [:]EXIT (also
// EXIT(...)), [:]QUIT, [:]RESET, [:]ED, [:]ON ERROR and [:]!!. It errs on
// the side of caution: "GO;" and "go_away" are commands too.
func sqlcmdCommand(line string) bool {
	l := strings.TrimLeftFunc(line, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
	if strings.HasPrefix(l, ":") || strings.HasPrefix(l, "!!") {
		return true
	}
	word := l
	if i := strings.IndexFunc(l, func(r rune) bool { return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') }); i >= 0 {
		word = l[:i]
	}
	switch strings.ToLower(word) {
	case "go", "exit", "quit", "reset", "ed":
		return true
	case "on":
		return strings.HasPrefix(strings.ToLower(strings.TrimLeft(l[len(word):], " \t")), "error")
	}
	return false
}

// lexState is where a reader of T-SQL is: in code, a string, a quoted
// identifier (or go-sqlcmd's "-string), a bracketed identifier, a --
// comment or a block comment.
type lexState uint8

const (
	lexCode lexState = iota
	lexString
	lexQuoted
	lexBracket
	lexLineComment
	lexBlockComment
)

// readersAgree reports whether go-sqlcmd and SQL Server read text alike
// where it matters to sqlcmd: at the end of every line (go-sqlcmd splits
// at LF) and of the text, both are in code, or both in the same kind of
// string or comment, so that go-sqlcmd checks for commands (a GO after
// the text) exactly where SQL Server reads code and keeps the blank lines
// of strings; and no bracketed identifier holds what tsqlLexer marks bad
// (for the ODBC sqlcmd and SSMS too, which also track quotes and comments
// but not brackets). The text must not end inside a string, identifier or
// block comment.
func readersAgree(text string, lineStrings bool) bool {
	var sql tsqlLexer
	var gs goSqlcmdLexer
	for rest := text; ; {
		line, after, more := strings.Cut(rest, "\n")
		if more {
			sql.read(rest[:len(line)+1])
		} else {
			sql.read(line)
		}
		gs.line(strings.TrimSuffix(line, "\r"))
		if sql.bad || sql.state == lexBracket {
			return false
		}
		st := sql.state
		if more && (st == lexString && !lineStrings || st == lexQuoted) {
			return false // a line break inside a value
		}
		if st == lexLineComment {
			st = lexCode // until the line break (more is false: the end)
		}
		if st != gs.state {
			return false
		}
		if !more {
			return st == lexCode
		}
		rest = after
	}
}

// tsqlLexer follows SQL Server's reading of a text: strings (a quote
// doubled inside them), quoted identifiers (with ""), bracketed
// identifiers (with ]]), -- comments to the end of the line (any CR or
// LF, to be safe) and nested block comments. bad is set when a bracketed identifier holds a line
// break or another control character (litMustEscape), a quote (' or "),
// or "--", "/*" or "*/": sqlcmd does not know brackets, and would take
// what follows for a string or a comment, or start a line of it inside
// the identifier.
type tsqlLexer struct {
	state lexState
	depth int // of nested block comments
	bad   bool
}

// read reads the next part of the text; a part ends at a line break or
// at the end of the text, so that the one-character look-ahead never
// needs the next part.
func (l *tsqlLexer) read(text string) {
	for i := 0; i < len(text); i++ {
		c, next := text[i], byteAt(text, i+1)
		switch l.state {
		case lexCode:
			switch {
			case c == '\'':
				l.state = lexString
			case c == '"':
				l.state = lexQuoted
			case c == '[':
				l.state = lexBracket
			case c == '-' && next == '-':
				l.state, i = lexLineComment, i+1
			case c == '/' && next == '*':
				l.state, l.depth, i = lexBlockComment, 1, i+1
			}
		case lexString, lexQuoted:
			q := byte('\'')
			if l.state == lexQuoted {
				q = '"'
			}
			if c == q {
				if next == q {
					i++
				} else {
					l.state = lexCode
				}
			}
		case lexBracket:
			switch {
			case c == ']' && next == ']':
				i++
			case c == ']':
				l.state = lexCode
			case c == '\'' || c == '"' || c == '-' && next == '-' || c == '/' && next == '*' || c == '*' && next == '/':
				l.bad = true
			case c < 0x20 && c != '\t' || c == 0x7F:
				l.bad = true
			case c >= 0x80:
				r, n := utf8.DecodeRuneInString(text[i:])
				if litMustEscape(r) {
					l.bad = true
				}
				i += n - 1
			}
		case lexLineComment:
			if c == '\n' || c == '\r' {
				l.state = lexCode
			}
		case lexBlockComment:
			switch {
			case c == '/' && next == '*':
				l.depth, i = l.depth+1, i+1
			case c == '*' && next == '/':
				l.depth, i = l.depth-1, i+1
				if l.depth == 0 {
					l.state = lexCode
				}
			}
		}
	}
}

// byteAt returns s[i], or 0 past the end of s.
func byteAt(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

// goSqlcmdLexer follows go-sqlcmd's reading of strings and comments
// (github.com/microsoft/go-sqlcmd, pkg/sqlcmd: Batch.Next, readString,
// readMultilineComment), one line at a time: outside strings and comments
// ' and " start a string, -- skips the rest of the line and /* starts a
// block comment, which the first */ ends (no nesting); in a '-string a
// backslash makes it skip the next character (\' does not end the
// string) and two quotes in a row are one; a "-string ends at the next ".
// Its state is lexCode, lexString, lexQuoted or lexBlockComment. ($( is
// not followed: sqlcmdSafe refuses it first.)
type goSqlcmdLexer struct{ state lexState }

func (l *goSqlcmdLexer) line(line string) {
	for i := 0; i < len(line); i++ {
		c, next := line[i], byteAt(line, i+1)
		switch l.state {
		case lexString:
			switch {
			case c == '\\':
				i++
			case c == '\'' && next == '\'':
				i++
			case c == '\'':
				l.state = lexCode
			}
		case lexQuoted:
			if c == '"' {
				l.state = lexCode
			}
		case lexBlockComment:
			// A comment left open by an earlier line: its end is looked
			// for from the line's first character on.
			if i+1 < len(line) && line[i] == '*' && line[i+1] == '/' {
				l.state, i = lexCode, i+1
			}
		default:
			switch {
			case c == '\'':
				l.state = lexString
			case c == '"':
				l.state = lexQuoted
			case c == '-' && next == '-':
				return
			case c == '/' && next == '*':
				l.state, i = lexBlockComment, i+2
				// go-sqlcmd looks for */ from the character after "/*"
				// on, pairing it with the one after it: "/*/" stays open.
				for ; i+1 < len(line); i++ {
					if line[i] == '*' && line[i+1] == '/' {
						l.state, i = lexCode, i+1
						break
					}
				}
			}
		}
	}
}

// batch returns stmt as a batch ending in GO. A statement sqlcmd could
// misread is run with sp_executesql (execSQL).
func batch(stmt string) string {
	stmt = strings.TrimRight(stmt, " \t\r\n")
	if !sqlcmdSafe(stmt) {
		stmt = execSQL(stmt)
	}
	return stmt + "\nGO\n"
}

// declareSQL declares the variable @sql holding the text of stmt, as a
// literal (nlit: no line break, no "$(", nothing sqlcmd could misread).
// The literal goes to a variable because EXECUTE takes no expression as
// an argument of a procedure, and a literal with a line break is one:
// N'a' + NCHAR(10) + N'b'.
func declareSQL(stmt string) string {
	return declareSQLPrefix + nlit(stmt) + ";\n"
}

// declareSQLPrefix starts the declaration of @sql (declareSQL,
// moduleBatch).
const declareSQLPrefix = "DECLARE @sql nvarchar(max) = "

// execSQLVar runs the statements declareSQL put in @sql.
const execSQLVar = "EXEC sys.sp_executesql @sql;"

// execSQL returns the statements that run stmt with sp_executesql: the
// one way the scripts run a statement whose text sqlcmd could misread.
func execSQL(stmt string) string {
	return declareSQL(stmt) + execSQLVar
}

// userExists is the condition that a database user of that name exists.
func userExists(name string) string {
	return "DATABASE_PRINCIPAL_ID(" + nlit(name) + ") IS NOT NULL"
}

// ifUsersExist makes stmt run only where the database users exist (each
// named once in the condition); with none it is stmt.
func ifUsersExist(stmt string, users ...string) string {
	var conds []string
	for i, u := range users {
		if !slices.Contains(users[:i], u) {
			conds = append(conds, userExists(u))
		}
	}
	if len(conds) == 0 {
		return stmt
	}
	return "IF " + strings.Join(conds, " AND ") + "\n    " + stmt
}

func onOff(b bool) string {
	if b {
		return "ON"
	}
	return "OFF"
}

// typeDecl declares the type of a column, alias type or sequence.
func (c *Column) typeDecl() string {
	switch {
	case c.UserDefined:
		return quoteName(c.TypeSchema, c.TypeName)
	case c.Type.Name == "timestamp":
		return "rowversion"
	case c.Type.Name == "xml" && c.XMLCollectionName != "":
		return c.xmlTypeDecl()
	case !strings.EqualFold(c.TypeName, c.Type.Name) && c.TypeName != "" && !c.AssemblyType:
		return systemTypeName(c.TypeName) // sysname and other system alias types
	}
	return c.Type.TypeDecl()
}

// systemTypeName renders the name of a system type (int, sysname): as it
// is, or, should it be anything but letters, bracketed.
func systemTypeName(name string) string {
	for _, r := range name {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
			return quoteIdent(name)
		}
	}
	return name
}

// collationName tells whether s can be written as a collation name after
// COLLATE: letters, digits and underscores, as all of SQL Server's are.
func collationName(s string) bool {
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_') {
			return false
		}
	}
	return s != ""
}

// utf8Collation tells a UTF-8 collation (SQL Server 2019): its name ends
// in _UTF8.
func utf8Collation(name string) bool {
	return strings.HasSuffix(strings.ToUpper(name), "_UTF8")
}

// isCharType tells types that take a collation.
func isCharType(name string) bool {
	switch name {
	case "char", "varchar", "text", "nchar", "nvarchar", "ntext":
		return true
	}
	return false
}

// columnDef declares one column of CREATE TABLE (or ALTER TABLE ADD) or,
// with tableType, of CREATE TYPE AS TABLE. The period columns of a
// temporal table are declared as ordinary columns (the period is added
// after the data is loaded). A table type's default has no name: its
// column definition takes DEFAULT without CONSTRAINT (CREATE TYPE
// (Transact-SQL)), and SQL Server names it itself.
func columnDef(c *Column, tableType bool) string {
	var b strings.Builder
	b.WriteString(quoteIdent(c.Name))
	if c.Computed {
		fmt.Fprintf(&b, " AS %s", c.ComputedDef)
		if c.Persisted {
			b.WriteString(" PERSISTED")
			if !c.Nullable {
				b.WriteString(" NOT NULL")
			}
		}
		return b.String()
	}
	b.WriteString(" " + c.typeDecl())
	if c.ColumnSet {
		b.WriteString(" COLUMN_SET FOR ALL_SPARSE_COLUMNS")
		return b.String()
	}
	if c.Collation != "" && isCharType(c.Type.Name) {
		b.WriteString(" COLLATE " + c.Collation)
	}
	if c.Sparse {
		b.WriteString(" SPARSE")
	}
	if c.Identity {
		fmt.Fprintf(&b, " IDENTITY(%s,%s)", c.Seed, c.Increment)
		if c.IdentityNFR {
			b.WriteString(" NOT FOR REPLICATION")
		}
	}
	if c.RowGUID {
		b.WriteString(" ROWGUIDCOL")
	}
	if c.Nullable {
		b.WriteString(" NULL")
	} else {
		b.WriteString(" NOT NULL")
	}
	if c.DefaultDef != "" {
		if c.DefaultName != "" && !tableType {
			b.WriteString(" CONSTRAINT " + quoteIdent(c.DefaultName))
		}
		b.WriteString(" DEFAULT " + c.DefaultDef)
	}
	return b.String()
}

// keyList renders index keys: [a] ASC, [b] DESC.
func keyList(keys []IndexKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		dir := " ASC"
		if k.Descending {
			dir = " DESC"
		}
		parts[i] = k.ref() + dir
	}
	return strings.Join(parts, ", ")
}

// ref names the key's column: bracketed, or a graph pseudo-column as it
// is ($node_id; graph.go).
func (k IndexKey) ref() string {
	if k.Pseudo {
		return k.Column
	}
	return quoteIdent(k.Column)
}

func identList(names []string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = quoteIdent(n)
	}
	return strings.Join(parts, ", ")
}

// indexOptions renders the WITH (...) options that differ from the
// defaults, always in this order: PAD_INDEX, FILLFACTOR (0 is the
// default), IGNORE_DUP_KEY, STATISTICS_NORECOMPUTE, ALLOW_ROW_LOCKS,
// ALLOW_PAGE_LOCKS, DATA_COMPRESSION. Options that not every target
// version has (OPTIMIZE_FOR_SEQUENTIAL_KEY, COMPRESSION_DELAY) are set
// after the index is created, where the target has them (indexSettings).
func indexOptions(ix *Index) string {
	opts := indexOptionList(ix)
	if len(opts) == 0 {
		return ""
	}
	return " WITH (" + strings.Join(opts, ", ") + ")"
}

// indexOptionList is the list of indexOptions, for a statement that adds
// options of its own (CREATE SPATIAL INDEX).
func indexOptionList(ix *Index) []string {
	var opts []string
	if ix.Padded {
		opts = append(opts, "PAD_INDEX = ON")
	}
	if ix.FillFactor != 0 {
		opts = append(opts, fmt.Sprintf("FILLFACTOR = %d", ix.FillFactor))
	}
	if ix.IgnoreDupKey {
		opts = append(opts, "IGNORE_DUP_KEY = ON")
	}
	if ix.NoRecompute {
		opts = append(opts, "STATISTICS_NORECOMPUTE = ON")
	}
	if !ix.AllowRowLocks {
		opts = append(opts, "ALLOW_ROW_LOCKS = OFF")
	}
	if !ix.AllowPageLocks {
		opts = append(opts, "ALLOW_PAGE_LOCKS = OFF")
	}
	return append(opts, compressionOptions(ix.Compression)...)
}

func clusteredWord(ix *Index) string {
	if ix.Type == 1 {
		return "CLUSTERED"
	}
	return "NONCLUSTERED"
}

// constraintDef renders a primary key or unique constraint inside CREATE
// TABLE or, with tableType, CREATE TYPE AS TABLE, where constraints have
// no names and IGNORE_DUP_KEY is the one index option (CREATE TYPE
// (Transact-SQL)).
func constraintDef(ix *Index, tableType bool) string {
	kind := "UNIQUE"
	if ix.PrimaryKey {
		kind = "PRIMARY KEY"
	}
	opts := indexOptions(ix)
	if tableType {
		opts = ""
		if ix.IgnoreDupKey {
			opts = " WITH (IGNORE_DUP_KEY = ON)"
		}
	}
	s := fmt.Sprintf("%s %s (%s)%s", kind, clusteredWord(ix), keyList(ix.Keys), opts)
	if !tableType {
		s = "CONSTRAINT " + quoteIdent(ix.Name) + " " + s + ix.Placement.onClause()
	}
	return s
}

// createTable renders CREATE TABLE with columns, defaults, primary key
// and unique constraints; foreign keys, checks and other indexes come
// after the data.
//
// The table keeps the SET options it was created with, as SMO scripts
// them: ANSI_NULLS (sys.tables.uses_ansi_nulls) is set before CREATE
// TABLE, and ANSI_PADDING, a column's own (sys.columns.is_ansi_padded),
// is set before CREATE TABLE for its first column it matters for, and
// the columns from the first one whose setting differs on are added with
// ALTER TABLE ADD, each under its own setting (both are SET options that
// take effect at run time, within the batch: SET Statements
// (Transact-SQL)). A key on a column added so is added after it. The
// file's settings (ON) are restored at the end of the batch, so that
// nothing leaks into the statements that follow.
func createTable(t *Table) string {
	name := quoteName(t.Schema, t.Name)
	padding := true // the file's setting
	for _, c := range t.Columns {
		if ansiPaddingMatters(c) {
			padding = !c.AnsiPaddingOff
			break
		}
	}
	split := len(t.Columns) // the columns from here on are added with ALTER TABLE
	for i, c := range t.Columns {
		if ansiPaddingMatters(c) && c.AnsiPaddingOff == padding {
			split = i
			break
		}
	}
	created := map[string]bool{}
	for _, c := range t.Columns[:split] {
		created[c.Name] = true
	}
	inline := func(ix *Index) bool {
		for _, k := range ix.Keys {
			if !created[k.Column] {
				return false
			}
		}
		return true
	}
	var b strings.Builder
	if t.AnsiNullsOff {
		b.WriteString("SET ANSI_NULLS OFF;\n")
	}
	if !padding {
		b.WriteString("SET ANSI_PADDING OFF;\n")
	}
	fmt.Fprintf(&b, "CREATE TABLE %s (\n", name)
	var lines []string
	for _, c := range t.Columns[:split] {
		lines = append(lines, "    "+columnDef(c, false))
	}
	for _, ix := range t.Indexes {
		if (ix.PrimaryKey || ix.UniqueConstraint) && inline(ix) {
			lines = append(lines, "    "+constraintDef(ix, false))
		}
	}
	if def := graphIndexDef(t); def != "" {
		lines = append(lines, "    "+def)
	}
	if len(lines) == 0 { // an edge table of no columns: CREATE TABLE [s].[e] AS EDGE
		head := strings.TrimSuffix(b.String(), " (\n")
		b.Reset()
		b.WriteString(head)
	} else {
		b.WriteString(strings.Join(lines, ",\n"))
		b.WriteString("\n)")
	}
	b.WriteString(graphClause(t) + tableStorage(t) + ";")
	for _, c := range t.Columns[split:] {
		if ansiPaddingMatters(c) && c.AnsiPaddingOff == padding {
			padding = !padding
			b.WriteString("\nSET ANSI_PADDING " + onOff(padding) + ";")
		}
		fmt.Fprintf(&b, "\nALTER TABLE %s ADD %s;", name, columnDef(c, false))
	}
	for _, ix := range t.Indexes {
		if (ix.PrimaryKey || ix.UniqueConstraint) && !inline(ix) {
			fmt.Fprintf(&b, "\nALTER TABLE %s ADD %s;", name, constraintDef(ix, false))
		}
	}
	if !padding {
		b.WriteString("\nSET ANSI_PADDING ON;")
	}
	if t.AnsiNullsOff {
		b.WriteString("\nSET ANSI_NULLS ON;")
	}
	if t.Node || t.Edge {
		return graphVersionCheck() + batch(b.String())
	}
	return batch(b.String())
}

// ansiPaddingMatters tells the columns whose values SET ANSI_PADDING
// affects: char, varchar, binary and varbinary, not max (SET ANSI_PADDING
// (Transact-SQL): the Unicode, max, text and image types always behave as
// with ANSI_PADDING ON). Computed columns store nothing scripted.
func ansiPaddingMatters(c *Column) bool {
	switch c.Type.Name {
	case "char", "varchar", "binary", "varbinary":
		return c.Type.MaxLength != -1 && !c.Computed
	}
	return false
}

// createTableType renders CREATE TYPE ... AS TABLE.
func createTableType(t *UserType) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TYPE %s AS TABLE (\n", quoteName(t.Schema, t.Name))
	var lines []string
	if t.Table != nil {
		for _, c := range t.Table.Columns {
			lines = append(lines, "    "+columnDef(c, true))
		}
		for _, ix := range t.Table.Indexes {
			switch {
			case ix.PrimaryKey || ix.UniqueConstraint:
				lines = append(lines, "    "+constraintDef(ix, true))
			case ix.Type == 1 || ix.Type == 2:
				u := ""
				if ix.Unique {
					u = "UNIQUE "
				}
				inc := ""
				if len(ix.Included) > 0 { // CREATE TYPE's <table_index> takes INCLUDE, no filter (Catalog.finish reports one)
					inc = " INCLUDE (" + identList(ix.Included) + ")"
				}
				if ix.Filter == "" {
					lines = append(lines, fmt.Sprintf("    INDEX %s %s%s (%s)%s", quoteIdent(ix.Name), u, clusteredWord(ix), keyList(ix.Keys), inc))
				}
			}
		}
		for _, ck := range t.Table.Checks {
			lines = append(lines, "    CHECK "+ck.Definition)
		}
	}
	b.WriteString(strings.Join(lines, ",\n"))
	b.WriteString("\n);")
	return batch(b.String())
}

// createAliasType renders CREATE TYPE ... FROM.
func createAliasType(t *UserType) string {
	null := " NULL"
	if !t.Nullable {
		null = " NOT NULL"
	}
	return batch(fmt.Sprintf("CREATE TYPE %s FROM %s%s;", quoteName(t.Schema, t.Name), t.Base.TypeDecl(), null))
}

// createSequence renders CREATE SEQUENCE. A decimal or numeric sequence
// keeps its precision (its scale is always 0): AS decimal alone would be
// decimal(18,0).
func createSequence(s *Sequence) string {
	var b strings.Builder
	typ := systemTypeName(s.TypeName)
	switch {
	case s.TypeUserDefined:
		typ = quoteName(s.TypeSchema, s.TypeName)
	case strings.EqualFold(s.TypeName, "decimal") || strings.EqualFold(s.TypeName, "numeric"):
		typ = ColumnType{Name: s.TypeName, Precision: s.Precision}.TypeDecl()
	}
	fmt.Fprintf(&b, "CREATE SEQUENCE %s AS %s\n    START WITH %s\n    INCREMENT BY %s\n    MINVALUE %s\n    MAXVALUE %s\n",
		quoteName(s.Schema, s.Name), typ, s.Start, s.Increment, s.Min, s.Max)
	if s.Cycling {
		b.WriteString("    CYCLE\n")
	} else {
		b.WriteString("    NO CYCLE\n")
	}
	switch {
	case !s.Cached:
		b.WriteString("    NO CACHE;")
	case s.CacheSize != "":
		fmt.Fprintf(&b, "    CACHE %s;", s.CacheSize)
	default:
		b.WriteString("    CACHE;")
	}
	return batch(b.String())
}

// createIndex renders CREATE INDEX for an index that is not a constraint.
func createIndex(schema, table string, ix *Index) string {
	if len(ix.ColumnstoreOrder) > 0 {
		return createOrderedColumnstore(schema, table, ix)
	}
	return batch(indexStmt(schema, table, ix))
}

// indexStmt is the CREATE INDEX statement of createIndex.
func indexStmt(schema, table string, ix *Index) string {
	on := quoteName(schema, table)
	switch ix.Type {
	case 5, 6:
		s := fmt.Sprintf("CREATE CLUSTERED COLUMNSTORE INDEX %s ON %s", quoteIdent(ix.Name), on)
		if ix.Type == 6 {
			s = fmt.Sprintf("CREATE NONCLUSTERED COLUMNSTORE INDEX %s ON %s (%s)", quoteIdent(ix.Name), on, identList(ix.Included))
		}
		s += columnstoreOrder(ix)
		if ix.Filter != "" {
			s += " WHERE " + ix.Filter
		}
		if opts := compressionOptions(ix.Compression); len(opts) > 0 {
			s += " WITH (" + strings.Join(opts, ", ") + ")"
		}
		return s + ix.Placement.onClause() + ";"
	}
	u := ""
	if ix.Unique {
		u = "UNIQUE "
	}
	s := fmt.Sprintf("CREATE %s%s INDEX %s ON %s (%s)", u, clusteredWord(ix), quoteIdent(ix.Name), on, keyList(ix.Keys))
	if len(ix.Included) > 0 {
		s += " INCLUDE (" + identList(ix.Included) + ")"
	}
	if ix.Filter != "" {
		s += " WHERE " + ix.Filter
	}
	s += indexOptions(ix)
	return s + ix.Placement.onClause() + ";"
}

// createStatistics renders CREATE STATISTICS for user-created statistics.
func createStatistics(schema, table string, st *Statistic) string {
	return batch(statisticsStmt(schema, table, st))
}

// statisticsStmt is the CREATE STATISTICS statement of createStatistics.
func statisticsStmt(schema, table string, st *Statistic) string {
	s := fmt.Sprintf("CREATE STATISTICS %s ON %s (%s)", quoteIdent(st.Name), quoteName(schema, table), identList(st.Columns))
	if st.Filter != "" {
		s += " WHERE " + st.Filter
	}
	if st.NoRecompute {
		s += " WITH NORECOMPUTE"
	}
	return s + ";"
}

var fkActions = []string{"NO ACTION", "CASCADE", "SET NULL", "SET DEFAULT"}

func fkAction(n int64) string {
	if n >= 0 && int(n) < len(fkActions) {
		return fkActions[n]
	}
	return "NO ACTION"
}

// addForeignKey renders ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY.
func addForeignKey(fk *ForeignKey) string {
	check := "CHECK"
	if fk.NotTrusted {
		check = "NOCHECK"
	}
	s := fmt.Sprintf("ALTER TABLE %s WITH %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s) ON DELETE %s ON UPDATE %s",
		fk.ParentName, check, quoteIdent(fk.Name), identList(fk.Columns), fk.ReferencedName, identList(fk.RefColumns),
		fkAction(fk.OnDelete), fkAction(fk.OnUpdate))
	if fk.NotForRepl {
		s += " NOT FOR REPLICATION"
	}
	out := batch(s + ";")
	if fk.Disabled {
		out += batch(fmt.Sprintf("ALTER TABLE %s NOCHECK CONSTRAINT %s;", fk.ParentName, quoteIdent(fk.Name)))
	}
	return out
}

// addCheck renders ALTER TABLE ... ADD CONSTRAINT ... CHECK.
func addCheck(t *Table, ck *Check) string {
	check := "CHECK"
	if ck.NotTrusted {
		check = "NOCHECK"
	}
	name := quoteName(t.Schema, t.Name)
	s := fmt.Sprintf("ALTER TABLE %s WITH %s ADD CONSTRAINT %s CHECK", name, check, quoteIdent(ck.Name))
	if ck.NotForRepl {
		s += " NOT FOR REPLICATION"
	}
	out := batch(s + " " + ck.Definition + ";")
	if ck.Disabled {
		out += batch(fmt.Sprintf("ALTER TABLE %s NOCHECK CONSTRAINT %s;", name, quoteIdent(ck.Name)))
	}
	return out
}
