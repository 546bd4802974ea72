package mssql

import (
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// tsqlCode returns text with what SQL Server does not run blanked out:
// string literals, quoted and bracketed identifiers, and comments. A --
// comment ends, to be safe, at any lineBreak, not only at LF.
func tsqlCode(text string) string {
	b := []byte(text)
	blank := func(from, to int) {
		for k := from; k < to && k < len(b); k++ {
			b[k] = ' '
		}
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '\'' || c == '"' || c == '[':
			end := byte(c)
			if c == '[' {
				end = ']'
			}
			j := i + 1
			for ; j < len(text); j++ {
				if text[j] == end {
					if j+1 < len(text) && text[j+1] == end {
						j++
						continue
					}
					break
				}
			}
			blank(i, j+1)
			i = j
		case c == '-' && strings.HasPrefix(text[i:], "--"):
			j := strings.IndexFunc(text[i:], lineBreak)
			if j < 0 {
				j = len(text) - i
			}
			blank(i, i+j)
			i += j
		case c == '/' && strings.HasPrefix(text[i:], "/*"):
			depth, j := 1, i+2
			for ; j < len(text) && depth > 0; j++ {
				switch {
				case strings.HasPrefix(text[j:], "/*"):
					depth, j = depth+1, j+1
				case strings.HasPrefix(text[j:], "*/"):
					depth, j = depth-1, j+1
				}
			}
			blank(i, j)
			i = j - 1
		}
	}
	return string(b)
}

// TestNoInjection scripts the sample, whose schema, table, column,
// primary key, index, user and role have names holding sample.Hostile
// (line breaks, a line DROP DATABASE x;, a line GO, $(x), */ and a quote),
// and checks what SQL Server and sqlcmd would make of every file:
//   - SQL Server: in every batch, and in the text of every batch run with
//     sp_executesql, DROP DATABASE is never code, only inside a string, an
//     identifier or a comment; a -- comment is taken to end at any line
//     break (CR, LF, VT, FF, NEL, U+2028, U+2029);
//   - sqlcmd: no "$(" anywhere, no line (by any line break) that it could
//     read as a command but the GO lines the scripter writes (and the
//     :on error exit and :r lines of restore.sql), no comment line with a
//     line break, "/*" or "*/" in it;
//   - no line of any file is DROP DATABASE x; (nor starts inside an
//     identifier: the statements naming the hostile objects are run with
//     sp_executesql).
func TestNoInjection(t *testing.T) {
	s := newTestServer(t, nil)
	sink, m := s.scriptMem("sample", s.options("sample"))
	names := append([]string{MasterFile}, m.Files...)
	hostile := 0
	for _, name := range names {
		text := string(sink.files[name])
		hostile += strings.Count(text, "DROP DATABASE x;")
		for n, line := range strings.Split(text, "\n") {
			where := func() string { return name + ":" + itoa(int64(n+1)) }
			ours := line == "GO" || name == MasterFile && (line == ":on error exit" || strings.HasPrefix(line, ":r $("+DirVar+")/") && !strings.Contains(line[len(":r $("):], "$("))
			if strings.Contains(line, "$(") && !ours {
				t.Errorf("%s holds $(: %.200q", where(), line)
			}
			if strings.HasPrefix(line, "--") && (strings.IndexFunc(line, litMustEscape) >= 0 || strings.Contains(line, "/*") || strings.Contains(line, "*/")) {
				t.Errorf("%s: comment %.200q", where(), line)
			}
			for _, part := range strings.FieldsFunc(line, lineBreak) {
				if sqlcmdCommand(part) && !ours {
					t.Errorf("%s: sqlcmd would take %.200q in %.200q for a command", where(), part, line)
				}
				if strings.TrimSpace(part) == "DROP DATABASE x;" {
					t.Errorf("%s: the line %.200q", where(), line)
				}
			}
		}
		if name == MasterFile {
			continue
		}
		var check func(what, batch string)
		check = func(what, batch string) {
			code := tsqlCode(batch)
			if strings.Contains(strings.ToUpper(code), "DROP DATABASE") {
				t.Errorf("%s: DROP DATABASE is code in %.300q", what, batch)
			}
			body := strings.TrimSpace(batch)
			for strings.HasPrefix(body, "--") {
				_, body, _ = strings.Cut(body, "\n")
				body = strings.TrimSpace(body)
			}
			if text, ok, err := unwrapExec(body); err != nil {
				t.Errorf("%s: %v", what, err)
			} else if ok {
				check(what+" (sp_executesql)", text)
			}
		}
		for i, b := range batches(text) {
			check(name+" batch "+itoa(int64(i+1)), b)
		}
	}
	if hostile < 10 {
		t.Errorf("the scripts name the hostile objects %d times", hostile)
	}
	// What the scripts create of them.
	schema, post, sec := string(sink.files[SchemaFile]), string(sink.files[PostDataFile]), string(sink.files[SecurityFile])
	h := sample.Hostile
	for _, want := range []string{
		"\n-- Schema [evil\\r\\nDROP DATABASE x;\\r\\nGO\\r\\n$\\(x) *\\/ it's]\n",
		"\n-- Table [evil\\r\\nDROP DATABASE x;\\r\\nGO\\r\\n$\\(x) *\\/ it's].[t\\r\\nDROP DATABASE x;\\r\\nGO\\r\\n$\\(x) *\\/ it's]\n",
		execSQL("CREATE SCHEMA [evil"+h+"] AUTHORIZATION [dbo];") + "\nGO\n",
		execSQL("CREATE USER [u"+h+"] WITHOUT LOGIN WITH DEFAULT_SCHEMA = [evil"+h+"];") + "\nGO\n",
		execSQL("CREATE TABLE [evil"+h+"].[t"+h+"] (\n    [id] int IDENTITY(1,1) NOT NULL,\n    [c"+h+"] nvarchar(40) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,\n    CONSTRAINT [PK"+h+"] PRIMARY KEY CLUSTERED ([id] ASC)\n);") + "\nGO\n",
	} {
		if !strings.Contains(schema, want) {
			t.Errorf("schema.sql lacks %q", want)
		}
	}
	mustContain(t, "post-data.sql", post,
		execSQL("CREATE NONCLUSTERED INDEX [ix"+h+"] ON [evil"+h+"].[t"+h+"] ([c"+h+"] ASC);")+"\nGO\n",
		execSQL("DBCC CHECKIDENT ([evil"+h+"].[t"+h+"], RESEED, 2) WITH NO_INFOMSGS;")+"\nGO\n")
	mustContain(t, "security.sql", sec,
		execSQL("CREATE ROLE [r"+h+"] AUTHORIZATION [dbo];")+"\nGO\n",
		execSQL("ALTER ROLE [r"+h+"] ADD MEMBER [u"+h+"];")+"\nGO\n",
		execSQL("GRANT SELECT ON OBJECT::[evil"+h+"].[t"+h+"] TO [r"+h+"];")+"\nGO\n")
	// The data: each batch run with sp_executesql, identity insert inside.
	var data string
	for _, te := range m.Tables {
		if te.Name == quoteName("evil"+h, "t"+h) {
			data = string(sink.files[te.File])
			if te.Rows != 2 {
				t.Errorf("%d rows of the hostile table", te.Rows)
			}
		}
	}
	mustContain(t, "the hostile table's data", data,
		"-- Data of table [evil\\r\\nDROP DATABASE x;\\r\\nGO\\r\\n$\\(x) *\\/ it's].[t\\r\\nDROP DATABASE x;\\r\\nGO\\r\\n$\\(x) *\\/ it's]\n",
		execSQL("SET IDENTITY_INSERT [evil"+h+"].[t"+h+"] ON;\nINSERT INTO [evil"+h+"].[t"+h+"] ([id], [c"+h+"]) VALUES\n(1, N'one'),\n(2, "+nlit(h)+");\nSET IDENTITY_INSERT [evil"+h+"].[t"+h+"] OFF;")+"\nGO\n")
	if len(m.Unscripted) != 12 {
		t.Errorf("unscripted: %+v", m.Unscripted)
	}
}

// TestCommentText checks how text from the catalog is written in comments.
func TestCommentText(t *testing.T) {
	for in, want := range map[string]string{
		"[dbo].[t]":                      "[dbo].[t]",
		"[a\r\nDROP TABLE x;\r\nGO\r\n]": `[a\r\nDROP TABLE x;\r\nGO\r\n]`,
		"a\vb\fc\u0085d\u2028e\u2029f\x00g\x7fh\u009bi\tj": `a\u000Bb\u000Cc\u0085d\u2028e\u2029f\u0000g\u007Fh\u009Bi` + "\tj",
		"$(x) $$(y) $ (z)": `$\(x) $$\(y) $ (z)`,
		"a*/b/*c/*/d":      `a*\/b/\*c/\*\/d`,
		"bad \xff utf-8":   "bad \uFFFD utf-8",
		"ünïcødé 😀 ]]":     "ünïcødé 😀 ]]",
	} {
		got := commentText(in)
		if got != want {
			t.Errorf("commentText(%q) = %q, want %q", in, got, want)
		}
		if strings.IndexFunc(got, lineBreak) >= 0 || strings.Contains(got, "$(") || strings.Contains(got, "*/") || strings.Contains(got, "/*") {
			t.Errorf("commentText(%q) = %q", in, got)
		}
	}
	if got, want := comment("Index %s on %s", "[i\n]", "[s].[t*/]"), "-- Index [i\\n] on [s].[t*\\/]\n"; got != want {
		t.Errorf("comment: %q, want %q", got, want)
	}
	// The tag of a data query is a block comment on the source server.
	tbl := &Table{Schema: "s */ DROP TABLE x; /*", Name: "t\n", Columns: []*Column{{Name: "a", Type: ColumnType{Name: "int"}}}}
	q := dataQuery(tbl, dataColumns(tbl), "")
	if want := "/* sqlvault:data [s *\\/ DROP TABLE x; /\\*].[t\\n] */\nSELECT [a]\nFROM [s */ DROP TABLE x; /*].[t\n]"; !strings.HasPrefix(q, want) {
		t.Errorf("query:\n%s\nwant it to start with:\n%s", q, want)
	}
}
