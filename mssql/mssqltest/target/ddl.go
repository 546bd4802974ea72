package target

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
)

// memoryOptimized matches the table option that makes a table
// memory-optimized, in the group of CREATE TABLE's WITH.
var memoryOptimized = regexp.MustCompile(`(?i)\bMEMORY_OPTIMIZED\s*=\s*ON\b`)

// parser walks the tokens of one statement list.
type parser struct {
	src  string
	toks []token
	i    int
}

func (p *parser) eof() bool { return p.i >= len(p.toks) }

func (p *parser) peek() token {
	if p.eof() {
		return token{}
	}
	return p.toks[p.i]
}

func (p *parser) peekAt(k int) token {
	if p.i+k >= len(p.toks) {
		return token{}
	}
	return p.toks[p.i+k]
}

func (p *parser) next() token {
	t := p.peek()
	p.i++
	return t
}

// accept consumes the word w if it comes next.
func (p *parser) accept(w string) bool {
	if p.peek().is(w) {
		p.i++
		return true
	}
	return false
}

// acceptPunct consumes the character c if it comes next.
func (p *parser) acceptPunct(c string) bool {
	if p.peek().punct(c) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expectPunct(c string) error {
	if !p.acceptPunct(c) {
		return fmt.Errorf("expected %q, found %s", c, p.describe())
	}
	return nil
}

// describe names the next token for an error message.
func (p *parser) describe() string {
	if p.eof() {
		return "the end of the statement"
	}
	t := p.peek()
	return strconv.Quote(p.src[t.start:t.end])
}

// group consumes a parenthesized group and returns its text with the
// parentheses.
func (p *parser) group() (string, error) {
	start := p.peek()
	if !start.punct("(") {
		return "", fmt.Errorf("expected \"(\", found %s", p.describe())
	}
	depth := 0
	for !p.eof() {
		t := p.next()
		switch {
		case t.punct("("):
			depth++
		case t.punct(")"):
			depth--
			if depth == 0 {
				return p.src[start.start:t.end], nil
			}
		}
	}
	return "", errors.New("unbalanced parentheses")
}

// objectName reads a name of one to three parts and returns its schema
// (dbo when left out) and name.
func (p *parser) objectName() (schema, name string, err error) {
	var parts []string
	for {
		t := p.next()
		if !t.name() {
			return "", "", fmt.Errorf("expected a name, found %q", t.text)
		}
		parts = append(parts, t.text)
		if !p.acceptPunct(".") {
			break
		}
	}
	switch len(parts) {
	case 1:
		return "dbo", parts[0], nil
	case 2, 3:
		return parts[len(parts)-2], parts[len(parts)-1], nil
	}
	return "", "", fmt.Errorf("name of %d parts", len(parts))
}

// skipElement skips to the comma or closing parenthesis that ends an
// element of a column list, without consuming it.
func (p *parser) skipElement() {
	depth := 0
	for !p.eof() {
		t := p.peek()
		switch {
		case t.punct("("):
			depth++
		case t.punct(")"):
			if depth == 0 {
				return
			}
			depth--
		case t.punct(",") && depth == 0:
			return
		}
		p.i++
	}
}

// systemType returns the wire type of a system type declaration (name and
// arguments as written: "decimal", ["38", "10"]).
func systemType(name string, args []string) (mssqltest.Column, error) {
	c := mssqltest.Column{}
	num := func(i, def, max int) (int, error) {
		if i >= len(args) {
			return def, nil
		}
		if strings.EqualFold(args[i], "max") {
			return mssqltest.MaxLength, nil
		}
		n, err := strconv.Atoi(args[i])
		if err != nil || n < 0 || n > max {
			return 0, fmt.Errorf("invalid argument %q of %s", args[i], name)
		}
		return n, nil
	}
	lower := strings.ToLower(name)
	simple := map[string]mssqltest.Type{
		"bit": mssqltest.TypeBit, "tinyint": mssqltest.TypeTinyInt, "smallint": mssqltest.TypeSmallInt,
		"int": mssqltest.TypeInt, "bigint": mssqltest.TypeBigInt, "money": mssqltest.TypeMoney,
		"smallmoney": mssqltest.TypeSmallMoney, "real": mssqltest.TypeReal, "date": mssqltest.TypeDate,
		"datetime": mssqltest.TypeDateTime, "smalldatetime": mssqltest.TypeSmallDateTime,
		"text": mssqltest.TypeText, "ntext": mssqltest.TypeNText, "image": mssqltest.TypeImage,
		"uniqueidentifier": mssqltest.TypeUniqueIdentifier, "sql_variant": mssqltest.TypeVariant,
		"hierarchyid": mssqltest.TypeHierarchyID, "geometry": mssqltest.TypeGeometry,
		"geography": mssqltest.TypeGeography, "xml": mssqltest.TypeXML,
	}
	if t, ok := simple[lower]; ok {
		if len(args) > 0 && lower != "xml" {
			return c, fmt.Errorf("%s takes no arguments", name)
		}
		c.Type = t
		return c, nil
	}
	var err error
	switch lower {
	case "float":
		n, e := num(0, 53, 53)
		c.Type, err = mssqltest.TypeFloat, e
		if n <= 24 {
			c.Type = mssqltest.TypeReal
		}
	case "decimal", "numeric":
		c.Type = mssqltest.TypeDecimal
		if lower == "numeric" {
			c.Type = mssqltest.TypeNumeric
		}
		var prec, scale int
		if prec, err = num(0, 18, 38); err == nil {
			scale, err = num(1, 0, prec)
		}
		if prec < 1 || scale < 0 {
			err = fmt.Errorf("invalid precision of %s", name)
		}
		c.Precision, c.Scale = uint8(prec), uint8(scale)
	case "time", "datetime2", "datetimeoffset":
		c.Type = map[string]mssqltest.Type{"time": mssqltest.TypeTime, "datetime2": mssqltest.TypeDateTime2,
			"datetimeoffset": mssqltest.TypeDateTimeOffset}[lower]
		var s int
		s, err = num(0, 7, 7)
		if s < 0 {
			err = fmt.Errorf("invalid scale of %s", name)
		}
		c.Scale = uint8(s)
	case "char", "varchar", "binary", "varbinary", "nchar", "nvarchar", "sysname":
		c.Type = map[string]mssqltest.Type{"char": mssqltest.TypeChar, "varchar": mssqltest.TypeVarChar,
			"binary": mssqltest.TypeBinary, "varbinary": mssqltest.TypeVarBinary, "nchar": mssqltest.TypeNChar,
			"nvarchar": mssqltest.TypeNVarChar, "sysname": mssqltest.TypeNVarChar}[lower]
		limit := 8000
		if c.Type == mssqltest.TypeNChar || c.Type == mssqltest.TypeNVarChar {
			limit = 4000
		}
		def := 1
		if lower == "sysname" {
			def = 128
		}
		c.Length, err = num(0, def, limit)
		if err == nil && (c.Length == 0 || c.Length == mssqltest.MaxLength &&
			(c.Type == mssqltest.TypeChar || c.Type == mssqltest.TypeNChar || c.Type == mssqltest.TypeBinary)) {
			err = fmt.Errorf("invalid length of %s", name)
		}
	case "rowversion", "timestamp":
		c.Type, c.Length = mssqltest.TypeBinary, 8
	default:
		return c, fmt.Errorf("unknown type %s", name)
	}
	return c, err
}

// collationByName returns the TDS collation of a collation name: the SQL
// collations of code page 1252 and the Windows Latin1_General ones, with
// their case, accent and binary flags and the UTF-8 flag of _UTF8.
func collationByName(name string) (mssqltest.Collation, error) {
	u := strings.ToUpper(name)
	sql := map[string]uint8{ // sort orders of the SQL collations of code page 1252
		"SQL_LATIN1_GENERAL_CP1_CI_AS": 52, "SQL_LATIN1_GENERAL_CP1_CS_AS": 51,
		"SQL_LATIN1_GENERAL_CP1_CI_AI": 54,
	}
	if id, ok := sql[u]; ok {
		flags := uint8(0)
		if strings.Contains(u, "_CI") {
			flags |= 0x01
		}
		if strings.Contains(u, "_AI") {
			flags |= 0x02
		}
		return mssqltest.Collation{LCID: 0x0409, Flags: flags | 0x0C, SortID: id}, nil
	}
	if !strings.HasPrefix(u, "LATIN1_GENERAL_") {
		return mssqltest.Collation{}, fmt.Errorf("collation %s is not modelled", name)
	}
	c := mssqltest.Collation{LCID: 0x0409}
	for _, part := range strings.Split(u, "_")[2:] {
		switch part {
		case "CI":
			c.Flags |= 0x01
		case "AI":
			c.Flags |= 0x02
		case "KS", "WS", "CS", "AS", "SC", "100", "140", "VSS":
		case "BIN":
			c.Flags |= 0x10
		case "BIN2":
			c.Flags |= 0x20
		case "UTF8":
			c.Flags |= mssqltest.CollationUTF8
		default:
			return mssqltest.Collation{}, fmt.Errorf("collation %s is not modelled", name)
		}
	}
	if !strings.Contains(u, "_KS") {
		c.Flags |= 0x04
	}
	if !strings.Contains(u, "_WS") {
		c.Flags |= 0x08
	}
	return c, nil
}

// typeDecl reads a column's type: a system type with its arguments, or a
// [schema].[alias] type of the database; it returns the declaration as
// written, the wire type and the alias type's nullability (nil if none).
func (p *parser) typeDecl(db *Database) (string, mssqltest.Column, *bool, error) {
	start := p.peek()
	first := p.next()
	if !first.name() {
		return "", mssqltest.Column{}, nil, fmt.Errorf("expected a type, found %q", first.text)
	}
	if p.peek().punct(".") {
		p.i--
		schema, name, err := p.objectName()
		if err != nil {
			return "", mssqltest.Column{}, nil, err
		}
		decl := p.src[start.start:p.toks[p.i-1].end]
		if strings.EqualFold(schema, "sys") {
			c, err := systemType(name, nil)
			return decl, c, nil, err
		}
		a := db.aliases[strings.ToLower(schema+"."+name)]
		if a == nil {
			return "", mssqltest.Column{}, nil, fmt.Errorf("type %s does not exist", qualified(schema, name))
		}
		return decl, a.typ, &a.nullable, nil
	}
	var args []string
	if p.acceptPunct("(") {
		if strings.EqualFold(first.text, "xml") { // xml(CONTENT [s].[c])
			p.i--
			if _, err := p.group(); err != nil {
				return "", mssqltest.Column{}, nil, err
			}
		} else {
			for {
				t := p.next()
				if t.kind != tNumber && !t.is("max") {
					return "", mssqltest.Column{}, nil, fmt.Errorf("invalid type argument %q", t.text)
				}
				args = append(args, t.text)
				if p.acceptPunct(")") {
					break
				}
				if err := p.expectPunct(","); err != nil {
					return "", mssqltest.Column{}, nil, err
				}
			}
		}
	}
	c, err := systemType(first.text, args)
	decl := p.src[start.start:p.toks[p.i-1].end]
	if err == nil && (strings.EqualFold(first.text, "rowversion") || strings.EqualFold(first.text, "timestamp")) {
		decl = "rowversion"
	}
	return decl, c, nil, err
}

// signedInt reads an integer with an optional sign.
func (p *parser) signedInt() (int64, error) {
	neg := p.acceptPunct("-")
	if !neg {
		p.acceptPunct("+")
	}
	t := p.next()
	n, err := strconv.ParseInt(t.text, 10, 64)
	if t.kind != tNumber || err != nil {
		return 0, fmt.Errorf("expected an integer, found %q", t.text)
	}
	if neg {
		n = -n
	}
	return n, nil
}

// columnDef reads a column definition (CREATE TABLE or ALTER TABLE ADD)
// as the scripter writes it (mssql columnDef).
func (p *parser) columnDef(db *Database) (*Column, error) {
	nameTok := p.next()
	if !nameTok.name() {
		return nil, fmt.Errorf("expected a column name, found %q", nameTok.text)
	}
	c := &Column{Name: nameTok.text}
	if p.accept("AS") { // computed column
		expr, err := p.group()
		if err != nil {
			return nil, fmt.Errorf("computed column %s: %w", quoteName(c.Name), err)
		}
		c.Computed, c.Nullable = expr, true
		if p.accept("PERSISTED") && p.accept("NOT") {
			if !p.accept("NULL") {
				return nil, fmt.Errorf("computed column %s: expected NULL after NOT", quoteName(c.Name))
			}
			c.Nullable = false
		}
		return c, p.endElement(c.Name)
	}
	decl, typ, aliasNull, err := p.typeDecl(db)
	if err != nil {
		return nil, fmt.Errorf("column %s: %w", quoteName(c.Name), err)
	}
	c.Decl, c.Type = decl, typ
	c.RowVersion = decl == "rowversion"
	if aliasNull != nil {
		c.Nullable = *aliasNull
	} else {
		c.Nullable = true
	}
	for !p.eof() && !p.peek().punct(",") && !p.peek().punct(")") && !p.peek().punct(";") {
		t := p.next()
		switch {
		case t.is("COLLATE"):
			name := p.next()
			coll, err := collationByName(name.text)
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", quoteName(c.Name), err)
			}
			c.Collation, c.Type.Collation = name.text, coll
		case t.is("NOT") && p.accept("NULL"):
			c.Nullable = false
		case t.is("NULL"):
			c.Nullable = true
		case t.is("NOT") && p.accept("FOR"):
			if !p.accept("REPLICATION") {
				return nil, fmt.Errorf("column %s: expected REPLICATION", quoteName(c.Name))
			}
		case t.is("IDENTITY"):
			c.Identity, c.Seed, c.Increment = true, 1, 1
			if p.acceptPunct("(") {
				if c.Seed, err = p.signedInt(); err == nil {
					if err = p.expectPunct(","); err == nil {
						if c.Increment, err = p.signedInt(); err == nil {
							err = p.expectPunct(")")
						}
					}
				}
				if err != nil {
					return nil, fmt.Errorf("column %s: IDENTITY: %w", quoteName(c.Name), err)
				}
			}
		case t.is("SPARSE"), t.is("ROWGUIDCOL"), t.is("HIDDEN"), t.is("FILESTREAM"):
		case t.is("COLUMN_SET"):
			if !p.accept("FOR") || !p.accept("ALL_SPARSE_COLUMNS") {
				return nil, fmt.Errorf("column %s: expected FOR ALL_SPARSE_COLUMNS", quoteName(c.Name))
			}
			c.Computed = "COLUMN_SET FOR ALL_SPARSE_COLUMNS" // not stored: made of the sparse columns
		case t.is("CONSTRAINT"), t.is("DEFAULT"):
			if t.is("CONSTRAINT") {
				if n := p.next(); !n.name() || !p.accept("DEFAULT") {
					return nil, fmt.Errorf("column %s: expected a named DEFAULT", quoteName(c.Name))
				}
			}
			if c.Default, err = p.group(); err != nil {
				return nil, fmt.Errorf("column %s: DEFAULT: %w", quoteName(c.Name), err)
			}
		case t.is("MASKED"):
			if !p.accept("WITH") {
				return nil, fmt.Errorf("column %s: expected WITH after MASKED", quoteName(c.Name))
			}
			if _, err := p.group(); err != nil {
				return nil, fmt.Errorf("column %s: MASKED: %w", quoteName(c.Name), err)
			}
		default:
			return nil, fmt.Errorf("column %s: unexpected %q", quoteName(c.Name), p.src[t.start:t.end])
		}
	}
	return c, nil
}

// endElement checks that an element of a column list ends here.
func (p *parser) endElement(name string) error {
	if !p.eof() && !p.peek().punct(",") && !p.peek().punct(")") && !p.peek().punct(";") {
		return fmt.Errorf("column %s: unexpected %s", quoteName(name), p.describe())
	}
	return nil
}

// constraintStart tells the words that start a table constraint or index
// in a column list.
func constraintStart(t token) bool {
	for _, w := range []string{"CONSTRAINT", "PRIMARY", "UNIQUE", "INDEX", "CHECK", "FOREIGN", "PERIOD"} {
		if t.is(w) {
			return true
		}
	}
	return false
}

// createTable reads CREATE TABLE after its two words.
func (p *parser) createTable(db *Database) (*Table, error) {
	schema, name, err := p.objectName()
	if err != nil {
		return nil, err
	}
	t := &Table{Schema: schema, Name: name}
	if p.acceptPunct("(") {
		for {
			if constraintStart(p.peek()) {
				p.skipElement()
			} else {
				c, err := p.columnDef(db)
				if err != nil {
					return t, err
				}
				t.Columns = append(t.Columns, c)
			}
			if p.acceptPunct(")") {
				break
			}
			if err := p.expectPunct(","); err != nil {
				return t, err
			}
		}
	}
	// What may follow: AS NODE | AS EDGE, ON ..., WITH (...), TEXTIMAGE_ON ...
	for !p.eof() && !p.peek().punct(";") {
		tok := p.next()
		switch {
		case tok.is("AS") && p.accept("NODE"):
			t.Node = true
		case tok.is("AS") && p.accept("EDGE"):
			t.Edge = true
		case tok.is("ON"), tok.is("TEXTIMAGE_ON"), tok.is("FILESTREAM_ON"):
			p.next()
			if p.peek().punct("(") {
				if _, err := p.group(); err != nil {
					return t, err
				}
			}
		case tok.is("WITH"):
			g, err := p.group()
			if err != nil {
				return t, err
			}
			if memoryOptimized.MatchString(g) {
				t.MemoryOptimized = true
			}
		default:
			return t, fmt.Errorf("unexpected %q after the column list", p.src[tok.start:tok.end])
		}
	}
	return t, nil
}

// alias is an alias type (CREATE TYPE ... FROM).
type alias struct {
	typ      mssqltest.Column
	nullable bool
}

// evalString evaluates the string expressions the scripter builds its
// dynamic SQL with (mssql nlit and moduleBatch): N'...' literals, NCHAR(n),
// +, parentheses, CAST(x AS nvarchar(max)), x COLLATE name and
// REPLACE(x, y, z).
func (p *parser) evalString() (string, error) {
	s, err := p.evalTerm()
	for err == nil && p.acceptPunct("+") {
		var t string
		t, err = p.evalTerm()
		s += t
	}
	return s, err
}

func (p *parser) evalTerm() (string, error) {
	var s string
	var err error
	t := p.next()
	switch {
	case t.kind == tString:
		s = t.text
	case t.punct("("):
		if s, err = p.evalString(); err == nil {
			err = p.expectPunct(")")
		}
	case t.is("NCHAR"):
		err = p.expectPunct("(")
		var n int64
		if err == nil {
			n, err = p.signedInt()
		}
		if err == nil {
			s = string(rune(n))
			err = p.expectPunct(")")
		}
	case t.is("CAST"):
		if err = p.expectPunct("("); err == nil {
			if s, err = p.evalString(); err == nil {
				if !p.accept("AS") || !p.accept("nvarchar") {
					return "", errors.New("CAST to a type other than nvarchar")
				}
				if _, err = p.group(); err == nil {
					err = p.expectPunct(")")
				}
			}
		}
	case t.is("REPLACE"):
		var a, b, c string
		if err = p.expectPunct("("); err == nil {
			if a, err = p.evalString(); err == nil {
				if err = p.expectPunct(","); err == nil {
					if b, err = p.evalString(); err == nil {
						if err = p.expectPunct(","); err == nil {
							if c, err = p.evalString(); err == nil {
								err = p.expectPunct(")")
							}
						}
					}
				}
			}
		}
		if err == nil && b != "" {
			s = strings.ReplaceAll(a, b, c)
		} else {
			s = a
		}
	default:
		return "", fmt.Errorf("not a string expression: %q", t.text)
	}
	if err == nil && p.accept("COLLATE") {
		p.next()
	}
	return s, err
}

// interpret models what a batch (or the text run by sp_executesql) does
// to the database: the tables of CREATE TABLE, the columns of ALTER TABLE
// ADD, the alias types of CREATE TYPE FROM, TRUNCATE TABLE (refused for
// a memory-optimized table, as SQL Server does), DELETE FROM a table
// without WHERE, and the dynamic SQL of
// DECLARE/SET @v = <string expression>; EXEC sys.sp_executesql @v.
// Everything else is left alone. A statement of those kinds that it
// cannot read is an error.
func (db *Database) interpret(text string, depth int) error {
	toks, err := lex(text)
	if err != nil {
		return err
	}
	p := &parser{src: text, toks: toks}
	if isModule(p) {
		return nil // CREATE PROCEDURE and the like: their bodies are not run
	}
	vars := map[string]string{}
	for !p.eof() {
		t := p.peek()
		switch {
		case t.is("CREATE") && p.peekAt(1).is("TABLE"):
			p.i += 2
			tab, err := p.createTable(db)
			if err != nil {
				name := ""
				if tab != nil {
					name = " " + qualified(tab.Schema, tab.Name)
				}
				return fmt.Errorf("CREATE TABLE%s: %w", name, err)
			}
			if strings.HasPrefix(tab.Name, "#") {
				continue
			}
			if err := db.addTable(tab); err != nil {
				return err
			}
		case t.is("CREATE") && p.peekAt(1).is("TYPE"):
			p.i += 2
			schema, name, err := p.objectName()
			if err != nil {
				return fmt.Errorf("CREATE TYPE: %w", err)
			}
			if !p.accept("FROM") {
				continue // a table type
			}
			_, typ, _, err := p.typeDecl(db)
			if err != nil {
				return fmt.Errorf("CREATE TYPE %s: %w", qualified(schema, name), err)
			}
			a := &alias{typ: typ, nullable: true}
			if p.accept("NOT") && p.accept("NULL") {
				a.nullable = false
			}
			db.aliases[strings.ToLower(schema+"."+name)] = a
		case t.is("TRUNCATE") && p.peekAt(1).is("TABLE"):
			p.i += 2
			start := p.peek().start
			schema, name, err := p.objectName()
			if err != nil {
				return fmt.Errorf("TRUNCATE TABLE: %w", err)
			}
			tab := db.tables[tableKey(schema, name)]
			if tab == nil {
				return mssqltest.Errorf(4701, 16, "Cannot find the object \"%s\" because it does not exist or you do not have permissions.",
					text[start:p.toks[p.i-1].end])
			}
			if tab.MemoryOptimized {
				return mssqltest.Errorf(10794, 16, "The statement 'TRUNCATE TABLE' is not supported with memory optimized tables.")
			}
			tab.truncate()
		case t.is("DELETE") && p.peekAt(1).is("FROM"):
			// DELETE FROM [s].[t] without WHERE (a resumed restore
			// empties a memory-optimized table so): the rows go, the
			// identity stays.
			p.i += 2
			schema, name, err := p.objectName()
			if err != nil {
				return fmt.Errorf("DELETE FROM: %w", err)
			}
			if !p.eof() && !p.peek().punct(";") {
				return fmt.Errorf("DELETE FROM %s: only a DELETE of every row is modelled, not %s", qualified(schema, name), p.describe())
			}
			tab := db.tables[tableKey(schema, name)]
			if tab == nil {
				return mssqltest.Errorf(208, 16, "Invalid object name '%s'.", qualified(schema, name))
			}
			ident := tab.identity
			tab.truncate()
			tab.identity = ident
		case t.is("ALTER") && p.peekAt(1).is("TABLE"):
			p.i += 2
			schema, name, err := p.objectName()
			if err != nil {
				return fmt.Errorf("ALTER TABLE: %w", err)
			}
			if !p.accept("ADD") || constraintStart(p.peek()) {
				continue
			}
			tab := db.tables[tableKey(schema, name)]
			if tab == nil {
				return fmt.Errorf("ALTER TABLE %s ADD: no such table", qualified(schema, name))
			}
			for {
				c, err := p.columnDef(db)
				if err != nil {
					return fmt.Errorf("ALTER TABLE %s ADD: %w", qualified(schema, name), err)
				}
				tab.Columns = append(tab.Columns, c)
				if !p.acceptPunct(",") {
					break
				}
			}
		case (t.is("DECLARE") || t.is("SET")) && strings.HasPrefix(p.peekAt(1).text, "@"):
			p.i++
			v := strings.ToLower(p.next().text)
			for !p.eof() && !p.peek().punct("=") && !p.peek().punct(";") && !p.peek().is("ON") && !p.peek().is("OFF") {
				if p.peek().punct("(") {
					if _, err := p.group(); err != nil {
						return err
					}
					continue
				}
				p.i++
			}
			if p.acceptPunct("=") {
				if s, err := p.evalString(); err == nil {
					vars[v] = s
				} else {
					delete(vars, v)
				}
			}
		case (t.is("EXEC") || t.is("EXECUTE")) && isExecuteSQL(p):
			v := strings.ToLower(p.peek().text)
			p.i++
			s, ok := vars[v]
			if !ok || depth > 8 {
				continue
			}
			if err := db.interpret(s, depth+1); err != nil {
				return fmt.Errorf("in sp_executesql: %w", err)
			}
		default:
			p.i++
		}
	}
	return nil
}

// isModule tells text that creates a module: procedure, function,
// trigger or view, whose body may hold CREATE TABLE of its own.
func isModule(p *parser) bool {
	i := 0
	if !p.peekAt(i).is("CREATE") && !p.peekAt(i).is("ALTER") {
		return false
	}
	i++
	if p.peekAt(i).is("OR") {
		i += 2
	}
	for _, w := range []string{"PROCEDURE", "PROC", "FUNCTION", "TRIGGER", "VIEW"} {
		if p.peekAt(i).is(w) {
			return true
		}
	}
	return false
}

// isExecuteSQL tells EXEC [sys.]sp_executesql @v, leaving p at @v.
func isExecuteSQL(p *parser) bool {
	k := 1
	if p.peekAt(k).is("sys") && p.peekAt(k+1).punct(".") {
		k += 2
	}
	if !p.peekAt(k).is("sp_executesql") || !strings.HasPrefix(p.peekAt(k+1).text, "@") || p.peekAt(k+1).kind != tWord {
		return false
	}
	p.i += k + 1
	return true
}
