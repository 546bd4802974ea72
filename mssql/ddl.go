package mssql

import (
	"fmt"
	"strings"
)

// quoteIdent quotes a SQL Server identifier with brackets.
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

// sqlcmdSafe reports whether text can be passed to sqlcmd (and SSMS in
// SQLCMD mode) as is: no $( variable reference, and no line that sqlcmd
// would read as one of its commands (GO, :r, !!, EXIT, QUIT, RESET, ED).
func sqlcmdSafe(text string) bool {
	if strings.Contains(text, "$(") {
		return false
	}
	for _, line := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' }) {
		l := strings.TrimLeft(line, " \t")
		if strings.HasPrefix(l, ":") || strings.HasPrefix(l, "!!") {
			return false
		}
		word := l
		if i := strings.IndexAny(l, " \t"); i >= 0 {
			word = l[:i]
		}
		switch strings.ToLower(word) {
		case "go", "exit", "quit", "reset", "ed":
			return false
		}
		if len(word) > 2 && strings.EqualFold(word[:2], "go") && isDigits(word[2:]) {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// batch returns stmt as a batch ending in GO. A statement sqlcmd could
// misread is run through sp_executesql with its text as a literal.
func batch(stmt string) string {
	stmt = strings.TrimRight(stmt, " \t\r\n")
	if !sqlcmdSafe(stmt) {
		stmt = "EXEC sys.sp_executesql " + nlit(stmt) + ";"
	}
	return stmt + "\nGO\n"
}

// moduleBatch returns the batches that create a module with the SET
// options it was created with.
func moduleBatch(m *Module) string {
	var b strings.Builder
	fmt.Fprintf(&b, "SET ANSI_NULLS %s;\nSET QUOTED_IDENTIFIER %s;\nGO\n", onOff(m.AnsiNulls), onOff(m.QuotedIdentifier))
	def := m.Definition
	if sqlcmdSafe(def) {
		b.WriteString(strings.TrimRight(def, " \t\r\n"))
		b.WriteString("\nGO\n")
	} else {
		b.WriteString("EXEC sys.sp_executesql " + nlit(def) + ";\nGO\n")
	}
	return b.String()
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
		return c.TypeName // sysname and other system alias types
	}
	return c.Type.TypeDecl()
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
	fmt.Fprintf(&b, "CREATE SEQUENCE %s AS %s\n    START WITH %s\n    INCREMENT BY %s\n    MINVALUE %s\n    MAXVALUE %s\n",
		quoteName(s.Schema, s.Name), s.TypeName, s.Start, s.Increment, s.Min, s.Max)
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
