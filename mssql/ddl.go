package mssql

import (
	"fmt"
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

// nlit renders s as an nvarchar literal (N'...'), safe for sqlcmd.
func nlit(s string) string {
	b, err := AppendStringLiteral(nil, strings.ToValidUTF8(s, "\uFFFD"))
	if err != nil {
		panic(err) // the string is valid UTF-8
	}
	return string(b)
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
	clean := true
	for i, r := range s {
		if litMustEscape(r) || i > 0 && (r == '(' && s[i-1] == '$' || r == '*' && s[i-1] == '/' || r == '/' && s[i-1] == '*') {
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
		case i > 0 && (r == '(' && s[i-1] == '$' || r == '*' && s[i-1] == '/' || r == '/' && s[i-1] == '*'):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// comment returns a -- comment line: the formatted text through
// commentText, and a line break. Every comment of a script that holds
// text from the catalog is written with it.
func comment(format string, args ...any) string {
	return "-- " + commentText(fmt.Sprintf(format, args...)) + "\n"
}

// sqlcmdSafe reports whether text can be passed to sqlcmd (and SSMS in
// SQLCMD mode) as it is, whatever sqlcmd makes of the strings and comments
// in it (the ODBC sqlcmd and go-sqlcmd track quotes and block comments,
// but not brackets):
//   - no "$(": a variable reference, substituted in strings too;
//   - no line, whatever ends it (lineBreak), that sqlcmd could read as one
//     of its commands: GO (with a count, or anything after it), :anything,
//     and those that need no colon, [:]EXIT (also EXIT(...)), [:]QUIT,
//     [:]RESET, [:]ED, [:]ON ERROR and [:]!!;
//   - no bracketed identifier (bracketsSafe) that holds a line break or
//     another control character, so that no line of the text starts inside
//     an identifier, or a quote or comment delimiter, which would make
//     sqlcmd take what follows for a string or a comment.
func sqlcmdSafe(text string) bool {
	if strings.Contains(text, "$(") {
		return false
	}
	for _, line := range strings.FieldsFunc(text, lineBreak) {
		if sqlcmdCommand(line) {
			return false
		}
	}
	return bracketsSafe(text)
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

// bracketsSafe reports whether no bracketed identifier of text holds a
// line break or another control character (litMustEscape), a quote (' or
// "), or "--", "/*" or "*/", and text does not end inside a string, an
// identifier or a block comment (sqlcmd would take the GO after it for
// part of it). It reads text as T-SQL: brackets inside strings, quoted
// identifiers and comments are not identifiers.
func bracketsSafe(text string) bool {
	const (
		code = iota
		str
		quoted
		bracket
		lineComment
		blockComment
	)
	state, depth := code, 0
	for i := 0; i < len(text); i++ {
		c, next := text[i], byte(0)
		if i+1 < len(text) {
			next = text[i+1]
		}
		switch state {
		case code:
			switch {
			case c == '\'':
				state = str
			case c == '"':
				state = quoted
			case c == '[':
				state = bracket
			case c == '-' && next == '-':
				state, i = lineComment, i+1
			case c == '/' && next == '*':
				state, depth, i = blockComment, 1, i+1
			}
		case str, quoted:
			q := byte('\'')
			if state == quoted {
				q = '"'
			}
			if c == q {
				if next == q {
					i++
				} else {
					state = code
				}
			}
		case bracket:
			switch {
			case c == ']' && next == ']':
				i++
			case c == ']':
				state = code
			case c == '\'' || c == '"' || c == '-' && next == '-' || c == '/' && next == '*' || c == '*' && next == '/':
				return false
			case c < 0x20 && c != '\t' || c == 0x7F:
				return false
			case c >= 0x80:
				r, n := utf8.DecodeRuneInString(text[i:])
				if litMustEscape(r) {
					return false
				}
				i += n - 1
			}
		case lineComment:
			if c == '\n' || c == '\r' {
				state = code
			}
		case blockComment:
			switch {
			case c == '/' && next == '*':
				depth, i = depth+1, i+1
			case c == '*' && next == '/':
				depth, i = depth-1, i+1
				if depth == 0 {
					state = code
				}
			}
		}
	}
	return state == code || state == lineComment
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
	return "DECLARE @sql nvarchar(max) = " + nlit(stmt) + ";\n"
}

// execSQLVar runs the statements declareSQL put in @sql.
const execSQLVar = "EXEC sys.sp_executesql @sql;"

// execSQL returns the statements that run stmt with sp_executesql: the
// one way the scripts run a statement whose text sqlcmd could misread.
func execSQL(stmt string) string {
	return declareSQL(stmt) + execSQLVar
}

// moduleBatch returns the batches that create a module with the SET
// options it was created with. A module that executes as a user for a
// login is created, with sp_executesql, only where that user exists.
func moduleBatch(m *Module) string {
	var b strings.Builder
	fmt.Fprintf(&b, "SET ANSI_NULLS %s;\nSET QUOTED_IDENTIFIER %s;\nGO\n", onOff(m.AnsiNulls), onOff(m.QuotedIdentifier))
	def := m.Definition
	switch {
	case m.loginUser != "":
		fmt.Fprintf(&b, "%sIF %s\n    %s\nELSE\n    PRINT %s;\nGO\n", declareSQL(def), userExists(m.loginUser), execSQLVar,
			nlit("sqlvault: user "+quoteIdent(m.loginUser)+" does not exist; "+kindOfModule(m.Type)+" "+quoteName(m.Schema, m.Name)+", which executes as it, was not created"))
	case sqlcmdSafe(def):
		b.WriteString(strings.TrimRight(def, " \t\r\n"))
		b.WriteString("\nGO\n")
	default:
		b.WriteString(execSQL(def) + "\nGO\n")
	}
	return b.String()
}

// userExists is the condition that a database user of that name exists.
func userExists(name string) string {
	return "DATABASE_PRINCIPAL_ID(" + nlit(name) + ") IS NOT NULL"
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

// isCharType tells types that take a collation.
func isCharType(name string) bool {
	switch name {
	case "char", "varchar", "text", "nchar", "nvarchar", "ntext":
		return true
	}
	return false
}

// columnDef declares one column of CREATE TABLE or CREATE TYPE AS TABLE.
// plainPeriod declares period columns of a temporal table as ordinary
// columns (the period is added after the data is loaded).
func columnDef(c *Column, plainPeriod bool) string {
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
	if c.GeneratedAlways != 0 && !plainPeriod {
		if c.GeneratedAlways == 1 {
			b.WriteString(" GENERATED ALWAYS AS ROW START")
		} else {
			b.WriteString(" GENERATED ALWAYS AS ROW END")
		}
		if c.Hidden {
			b.WriteString(" HIDDEN")
		}
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
		if c.DefaultName != "" {
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
		parts[i] = quoteIdent(k.Column) + dir
	}
	return strings.Join(parts, ", ")
}

func identList(names []string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = quoteIdent(n)
	}
	return strings.Join(parts, ", ")
}

// indexOptions renders the WITH (...) options that differ from the
// defaults.
func indexOptions(ix *Index) string {
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
	if !ix.AllowRowLocks {
		opts = append(opts, "ALLOW_ROW_LOCKS = OFF")
	}
	if !ix.AllowPageLocks {
		opts = append(opts, "ALLOW_PAGE_LOCKS = OFF")
	}
	if ix.Compression != "" {
		opts = append(opts, "DATA_COMPRESSION = "+ix.Compression)
	}
	if len(opts) == 0 {
		return ""
	}
	return " WITH (" + strings.Join(opts, ", ") + ")"
}

func clusteredWord(ix *Index) string {
	if ix.Type == 1 {
		return "CLUSTERED"
	}
	return "NONCLUSTERED"
}

// constraintDef renders a primary key or unique constraint inside CREATE
// TABLE.
func constraintDef(ix *Index, named bool) string {
	kind := "UNIQUE"
	if ix.PrimaryKey {
		kind = "PRIMARY KEY"
	}
	s := fmt.Sprintf("%s %s (%s)%s", kind, clusteredWord(ix), keyList(ix.Keys), indexOptions(ix))
	if named {
		s = "CONSTRAINT " + quoteIdent(ix.Name) + " " + s
	}
	return s
}

// createTable renders CREATE TABLE with columns, defaults, primary key
// and unique constraints; foreign keys, checks and other indexes come
// after the data.
func createTable(t *Table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (\n", quoteName(t.Schema, t.Name))
	var lines []string
	for _, c := range t.Columns {
		lines = append(lines, "    "+columnDef(c, true))
	}
	for _, ix := range t.Indexes {
		if ix.PrimaryKey || ix.UniqueConstraint {
			lines = append(lines, "    "+constraintDef(ix, true))
		}
	}
	b.WriteString(strings.Join(lines, ",\n"))
	b.WriteString("\n)")
	if t.Compression != "" {
		b.WriteString(" WITH (DATA_COMPRESSION = " + t.Compression + ")")
	}
	b.WriteString(";")
	return batch(b.String())
}

// createTableType renders CREATE TYPE ... AS TABLE.
func createTableType(t *UserType) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TYPE %s AS TABLE (\n", quoteName(t.Schema, t.Name))
	var lines []string
	if t.Table != nil {
		for _, c := range t.Table.Columns {
			lines = append(lines, "    "+columnDef(c, false))
		}
		for _, ix := range t.Table.Indexes {
			switch {
			case ix.PrimaryKey || ix.UniqueConstraint:
				lines = append(lines, "    "+constraintDef(ix, false))
			case ix.Type == 1 || ix.Type == 2:
				u := ""
				if ix.Unique {
					u = "UNIQUE "
				}
				lines = append(lines, fmt.Sprintf("    INDEX %s %s%s (%s)", quoteIdent(ix.Name), u, clusteredWord(ix), keyList(ix.Keys)))
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

// createSequence renders CREATE SEQUENCE.
func createSequence(s *Sequence) string {
	var b strings.Builder
	typ := systemTypeName(s.TypeName)
	if s.TypeUserDefined {
		typ = quoteName(s.TypeSchema, s.TypeName)
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
	on := quoteName(schema, table)
	switch ix.Type {
	case 5, 6:
		s := fmt.Sprintf("CREATE CLUSTERED COLUMNSTORE INDEX %s ON %s", quoteIdent(ix.Name), on)
		if ix.Type == 6 {
			s = fmt.Sprintf("CREATE NONCLUSTERED COLUMNSTORE INDEX %s ON %s (%s)", quoteIdent(ix.Name), on, identList(ix.Included))
		}
		if ix.Filter != "" {
			s += " WHERE " + ix.Filter
		}
		if ix.Compression != "" {
			s += " WITH (DATA_COMPRESSION = " + ix.Compression + ")"
		}
		return batch(s + ";")
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
	return batch(s + ";")
}

// createStatistics renders CREATE STATISTICS for user-created statistics.
func createStatistics(schema, table string, st *Statistic) string {
	s := fmt.Sprintf("CREATE STATISTICS %s ON %s (%s)", quoteIdent(st.Name), quoteName(schema, table), identList(st.Columns))
	if st.Filter != "" {
		s += " WHERE " + st.Filter
	}
	if st.NoRecompute {
		s += " WITH NORECOMPUTE"
	}
	return batch(s + ";")
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
