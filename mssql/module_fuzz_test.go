package mssql

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// moduleSeeds are definitions for the fuzz targets of modules: the
// sample's kinds of header, names in every quoting, comments, line ends
// and what sqlcmd could misread.
var moduleSeeds = []string{
	"CREATE PROCEDURE dbo.p AS SELECT 1",
	"CREATE   PROCEDURE[x].[y]AS SELECT 1",
	"-- c\r\n/* a /* b */ c */CREATE VIEW [a]]b].\"c\"\"d\" AS SELECT 'it''s'",
	"CREATE OR ALTER FUNCTION f() RETURNS int AS BEGIN RETURN 1 END\r\n",
	"CREATE TRIGGER s.tr ON db.s.t AFTER INSERT AS SELECT 1",
	"CREATE TRIGGER tr ON DATABASE FOR CREATE_TABLE AS PRINT 1",
	"CREATE PROCEDURE p AS\n/*\nGO\n*/ SELECT N'$(x)', 'C:\\';",
	"CREATE PROCEDURE p AS\r\nSELECT 'a\r\nb'\rSELECT 2\n",
	"CREATE PROC ünï . /* x */ çødé;2 AS SELECT '\\\n'",
}

// FuzzModuleHeader checks the header parser on any text: it never
// panics; what it reads lies inside the text, in order; renaming keeps
// everything outside the names byte for byte, reads back as the new
// names, and is idempotent.
func FuzzModuleHeader(f *testing.F) {
	for _, s := range moduleSeeds {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, def string, quotedIdentifier bool) {
		h, err := parseModuleHeader(def, quotedIdentifier)
		if err != nil {
			return
		}
		if !(0 <= h.name.start && h.name.start < h.name.end && h.name.end <= len(def)) || len(h.names) < 1 || len(h.names) > 2 {
			t.Fatalf("%q: name %+v %q", def, h.name, h.names)
		}
		typ := map[string]string{"PROCEDURE": "P", "FUNCTION": "FN", "VIEW": "V", "TRIGGER": "TR"}[h.kind]
		table := ""
		if typ == "TR" && !h.database {
			if !(h.name.end <= h.table.start && h.table.start < h.table.end && h.table.end <= len(def)) || len(h.tables) < 1 || len(h.tables) > 3 {
				t.Fatalf("%q: table %+v %q", def, h.table, h.tables)
			}
			table = quoteName("t]'\"", h.tables[len(h.tables)-1])
		} else if h.table != (textSpan{}) || h.tables != nil || h.database && typ != "TR" {
			t.Fatalf("%q: a %s with a table", def, h.kind)
		}
		name := quoteName(h.names[0]+"]]\"x", "n")
		out, err := renameModule(def, typ, quotedIdentifier, name, table)
		if err != nil {
			t.Fatalf("%q: %v", def, err)
		}
		if !strings.HasPrefix(out, def[:h.name.start]) || !strings.HasSuffix(out, def[max(h.name.end, h.table.end):]) {
			t.Fatalf("%q renamed %q: the text around the names changed", def, out)
		}
		h2, err := parseModuleHeader(out, quotedIdentifier)
		if err != nil {
			t.Fatalf("%q renamed %q does not read back: %v", def, out, err)
		}
		if out[h2.name.start:h2.name.end] != name || out[h2.table.start:h2.table.end] != table || h2.kind != h.kind ||
			strings.Join(h2.names, ".") != h.names[0]+"]]\"x.n" {
			t.Fatalf("%q renamed %q reads back as %+v", def, out, h2)
		}
		if again, err := renameModule(out, typ, quotedIdentifier, name, table); err != nil || again != out {
			t.Fatalf("%q renamed twice: %q, %v", out, again, err)
		}
	})
}

// FuzzModuleBatch checks that whatever a definition holds, the batches of
// its module hold no CR, are safe for sqlcmd, are sent by go-sqlcmd (its
// model) as written, and create the module from exactly the definition;
// the SET options come back ON after a module created with one OFF.
func FuzzModuleBatch(f *testing.F) {
	for _, s := range moduleSeeds {
		f.Add(s, true, false)
	}
	f.Fuzz(func(t *testing.T, def string, ansiNulls, loginUser bool) {
		if !utf8.ValidString(def) {
			return // the server's definitions are valid UTF-8
		}
		m := &Module{Schema: "s\r\nGO", Name: "p'$(x)", Type: "P", AnsiNulls: ansiNulls, QuotedIdentifier: true}
		if loginUser {
			m.loginUser = "u]\n:r x"
		}
		out := moduleBatch(m, def)
		if strings.Contains(out, "\r") {
			t.Fatalf("%q: a CR in %q", def, out)
		}
		bs := batches(out)
		want := []string{setModuleOptions(ansiNulls, true), "", setModuleOptions(true, true)}
		if ansiNulls {
			want = want[:2]
		}
		if len(bs) != len(want) || bs[0]+"GO\n" != want[0] || len(want) == 3 && bs[2]+"GO\n" != want[2] {
			t.Fatalf("%q: batches %q", def, bs)
		}
		if !sqlcmdReads(bs[1], true) {
			t.Fatalf("%q: not safe for sqlcmd: %q", def, bs[1])
		}
		text, ok, err := unwrapModule(bs[1])
		if !ok || err != nil || text != def {
			t.Fatalf("%q: the batch %q creates %q (%v, %v)", def, bs[1], text, ok, err)
		}
		// Every client sends the batches whole, and the module is created
		// from def whatever it joined the lines with.
		for _, eol := range []string{"\n", "\r\n"} {
			g := &goSqlcmd{sqlcmdRun: sqlcmdRun{files: map[string][]byte{"t.sql": []byte(out)}}, eol: eol}
			g.run("t.sql")
			o := odbcSqlcmdText(out)
			for _, run := range []*sqlcmdRun{&g.sqlcmdRun, &o.sqlcmdRun} {
				exp := sentBatches(eol, out)
				if run == &o.sqlcmdRun {
					exp = sentBatches("\n", out)
				}
				if len(run.errs) != 0 || strings.Join(nonBlank(run.batches), "\x00") != strings.Join(exp, "\x00") {
					t.Fatalf("%q: sqlcmd sends %q (errors %q), want %q", def, run.batches, run.errs, exp)
				}
				if text, ok, err := unwrapModule(nonBlank(run.batches)[1]); !ok || err != nil || text != def {
					t.Fatalf("%q: sqlcmd's batch creates %q (%v, %v)", def, text, ok, err)
				}
			}
		}
	})
}
