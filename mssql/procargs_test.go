package mssql

import (
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// tsqlToken is a token of T-SQL text for callProblems: a string literal
// (with its N), a delimited identifier, a word (a name, keyword, number
// or @variable) or one other character.
type tsqlToken struct {
	text string
	kind byte // 's' string, 'i' delimited identifier, 'w' word, 'p' punctuation
}

// tsqlTokens splits T-SQL text into tokens, leaving out white space and
// comments.
func tsqlTokens(text string) []tsqlToken {
	var toks []tsqlToken
	word := func(c byte) bool {
		return c == '_' || c == '@' || c == '#' || c == '$' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c >= 0x80
	}
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case strings.HasPrefix(text[i:], "--"):
			for i < len(text) && text[i] != '\n' {
				i++
			}
		case strings.HasPrefix(text[i:], "/*"):
			for depth := 0; i < len(text); {
				switch {
				case strings.HasPrefix(text[i:], "/*"):
					depth, i = depth+1, i+2
				case strings.HasPrefix(text[i:], "*/"):
					depth, i = depth-1, i+2
				default:
					i++
				}
				if depth == 0 {
					break
				}
			}
		case c == '\'' || c == '"' || c == '[' || (c == 'N' || c == 'n') && i+1 < len(text) && text[i+1] == '\'':
			start, kind := i, byte('i')
			if c == 'N' || c == 'n' {
				i++
			}
			end := text[i]
			if end == '[' {
				end = ']'
			}
			if end == '\'' {
				kind = 's'
			}
			for i++; i < len(text); i++ {
				if text[i] == end {
					if i+1 < len(text) && text[i+1] == end {
						i++
						continue
					}
					break
				}
			}
			i++
			toks = append(toks, tsqlToken{text[start:min(i, len(text))], kind})
		case word(c):
			j := i
			for j < len(text) && word(text[j]) {
				j++
			}
			toks = append(toks, tsqlToken{text[i:j], 'w'})
			i = j
		default:
			toks = append(toks, tsqlToken{text[i : i+1], 'p'})
			i++
		}
	}
	return toks
}

// callProblems returns the procedure calls (EXEC proc ...) and DBCC
// commands in a batch whose arguments are not each one constant (a
// literal, a number), @variable, keyword or name: SQL Server takes no
// expression there (EXECUTE (Transact-SQL): a parameter's value is a
// constant or a variable), so "N'a' + NCHAR(13)" is a syntax error. A
// batch run with sp_executesql is checked as the text it runs.
func callProblems(batch string) []string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(batch), "\n") {
		if len(lines) > 0 || !strings.HasPrefix(l, "--") {
			lines = append(lines, l)
		}
	}
	if text, ok, err := unwrapExec(strings.Join(lines, "\n")); err == nil && ok {
		batch = text
	}
	toks := tsqlTokens(batch)
	at := func(i int) tsqlToken {
		if i < len(toks) {
			return toks[i]
		}
		return tsqlToken{}
	}
	is := func(t tsqlToken, s string) bool { return strings.EqualFold(t.text, s) }
	// value reads one argument from i: a constant, @variable, keyword or
	// (dotted) name, with an optional sign; it returns the next index, or
	// -1 if the argument is not one.
	value := func(i int) int {
		if is(at(i), "-") || is(at(i), "+") {
			i++
		}
		t := at(i)
		switch t.kind {
		case 's':
			return i + 1
		case 'w', 'i':
			for i++; is(at(i), ".") && (at(i+1).kind == 'w' || at(i+1).kind == 'i'); i += 2 {
			}
			if is(at(i), "(") { // a function call
				return -1
			}
			return i
		}
		return -1
	}
	var problems []string
	report := func(i int) {
		end := min(i+12, len(toks))
		var parts []string
		for _, t := range toks[i:end] {
			parts = append(parts, t.text)
		}
		problems = append(problems, strings.Join(parts, " "))
	}
	for i := 0; i < len(toks); i++ {
		switch {
		case is(toks[i], "EXEC") || is(toks[i], "EXECUTE"):
			// EXEC (string), EXECUTE AS, GRANT EXECUTE ON are no calls.
			j := i + 1
			if n := at(j); n.kind != 'w' && n.kind != 'i' || is(n, "AS") || is(n, "ON") || is(n, "TO") || strings.HasPrefix(n.text, "@") {
				continue
			}
			if j = value(j); j < 0 {
				report(i)
				continue
			}
			for {
				if is(at(j), ";") || at(j).text == "" {
					break
				}
				if at(j).kind == 'w' && strings.HasPrefix(at(j).text, "@") && is(at(j+1), "=") {
					j += 2
				}
				if j = value(j); j < 0 {
					report(i)
					break
				}
				if is(at(j), "OUTPUT") || is(at(j), "OUT") {
					j++
				}
				if !is(at(j), ",") {
					if at(j).kind == 'p' && !is(at(j), ";") {
						report(i) // an operator: an expression
					}
					break
				}
				j++
			}
		case is(toks[i], "DBCC"):
			j := i + 2
			if !is(at(j), "(") {
				continue
			}
			for j++; ; j++ {
				if j = value(j); j < 0 {
					report(i)
					break
				}
				if is(at(j), ")") {
					break
				}
				if !is(at(j), ",") {
					report(i)
					break
				}
			}
		}
	}
	return problems
}

// TestCallProblems checks the checker of TestProcedureArguments.
func TestCallProblems(t *testing.T) {
	for _, c := range []struct {
		batch string
		bad   bool
	}{
		{"EXEC sys.sp_executesql @sql;", false},
		{"EXEC sys.sp_addextendedproperty @name = N'x', @value = @value, @level0type = N'SCHEMA', @level0name = N'dbo';", false},
		{"IF @depth < 3 EXEC dbo.usp_B @depth = @depth;", false},
		{"EXEC dbo.p 1, -2, NULL, DEFAULT, @x OUTPUT\nSELECT 1", false},
		{"EXEC (N'ALTER DATABASE CURRENT COLLATE x');", false},
		{"CREATE PROCEDURE p WITH EXECUTE AS 'u' AS SELECT 1; GRANT EXECUTE ON OBJECT::p TO u;", false},
		{"DBCC CHECKIDENT ([s].[t], RESEED, 2) WITH NO_INFOMSGS;", false},
		{"DBCC CHECKIDENT (N'[s].[t]', RESEED, 2) WITH NO_INFOMSGS;", false},
		{"DBCC CHECKIDENT (N'[evil' + NCHAR(13) + N']', RESEED, 2) WITH NO_INFOMSGS;", true},
		{"EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = @value, @level0type = N'SCHEMA', @level0name = N'a' + NCHAR(92);", true},
		{"EXEC dbo.p @a = NCHAR(13);", true},
		{"DECLARE @sql nvarchar(max) = N'EXEC dbo.p @a = N''x'' + N''y'';';\nEXEC sys.sp_executesql @sql;", true},
	} {
		if got := callProblems(c.batch); (len(got) > 0) != c.bad {
			t.Errorf("callProblems(%q) = %q", c.batch, got)
		}
	}
}

// TestProcedureArguments scripts the sample, with extended properties
// named with sample.Hostile on the table of Hostile names and its column,
// and checks every batch of every file: no procedure call or DBCC command
// takes an expression as an argument (a literal split by nlit, N'a' +
// NCHAR(13) + ..., is one). The identity of the Hostile table is reseeded
// by its bracketed name, the documented form of DBCC CHECKIDENT's
// table_name, run with sp_executesql as every statement naming it is; an
// extended property's names that need more than one literal are declared
// as variables first.
func TestProcedureArguments(t *testing.T) {
	db := sample.New()
	h := sample.Hostile
	db.ExtProps = append(db.ExtProps,
		&sample.ExtProp{Target: "object:evil" + h + ".t" + h, Name: "note" + h, Value: "x"},
		&sample.ExtProp{Target: "column:evil" + h + ".t" + h + ".c" + h, Name: `C:\`, Value: "y"})
	s := newTestServer(t, []*sample.DB{db})
	sink, m := s.scriptMem("sample", s.options("sample"))
	calls := 0
	for _, name := range m.Files {
		for _, b := range batches(string(sink.files[name])) {
			if strings.Contains(b, "EXEC") || strings.Contains(b, "DBCC") {
				calls++
			}
			for _, p := range callProblems(b) {
				t.Errorf("%s: an expression as an argument: %s", name, p)
			}
		}
	}
	if calls < 10 {
		t.Errorf("only %d batches call a procedure or DBCC", calls)
	}
	post := string(sink.files[PostDataFile])
	lit := nlit(quoteName("evil"+h, "t"+h))
	mustContain(t, PostDataFile, post,
		"DBCC CHECKIDENT ([sales].[Customers], RESEED, 12) WITH NO_INFOMSGS;\nGO\n",
		declareSQL("DBCC CHECKIDENT ("+quoteName("evil"+h, "t"+h)+", RESEED, 2) WITH NO_INFOMSGS;")+execSQLVar+"\nGO\n",
		"DECLARE @name sysname = "+nlit("note"+h)+", @value sql_variant = CAST(CAST(N'x' AS nvarchar(1)) AS sql_variant), @level0name sysname = "+
			nlit("evil"+h)+", @level1name sysname = "+nlit("t"+h)+";\n"+
			"EXEC sys.sp_addextendedproperty @name = @name, @value = @value, @level0type = N'SCHEMA', @level0name = @level0name, @level1type = N'TABLE', @level1name = @level1name;\nGO\n",
		"DECLARE @name sysname = N'C:' + NCHAR(92), @value sql_variant = CAST(CAST(N'y' AS nvarchar(1)) AS sql_variant), @level0name sysname = "+
			nlit("evil"+h)+", @level1name sysname = "+nlit("t"+h)+", @level2name sysname = "+nlit("c"+h)+";\n"+
			"EXEC sys.sp_addextendedproperty @name = @name, @value = @value, @level0type = N'SCHEMA', @level0name = @level0name, @level1type = N'TABLE', @level1name = @level1name, @level2type = N'COLUMN', @level2name = @level2name;\nGO\n",
		// Names that are one literal stay literals.
		"DECLARE @value sql_variant = CAST(CAST(N'A phone number' AS nvarchar(14)) AS sql_variant);\n"+
			"EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = @value, @level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'TYPE', @level1name = N'Phone';\nGO\n")
	if strings.Contains(post, lit) {
		t.Errorf("post-data.sql passes the Hostile table's name as a literal: %s", lit)
	}
}
