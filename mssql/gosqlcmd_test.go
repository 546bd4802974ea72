package mssql

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// goSqlcmd models how go-sqlcmd, Microsoft's sqlcmd in Go
// (github.com/microsoft/go-sqlcmd, package pkg/sqlcmd: Batch.Next,
// readString, readMultilineComment, readCommand, the command patterns,
// Sqlcmd.Run and IncludeFile), splits a script into the batches it sends,
// so that tests can check that it sends exactly the statements the
// scripter meant. Written from what that code does:
//   - the input is read line by line, split at LF; a CR before the LF is
//     dropped;
//   - outside strings and block comments, ' and " start a string, -- skips
//     the rest of the line, /* starts a block comment, which the first */
//     ends (no nesting), and $( starts a variable reference;
//   - in a '-string a backslash skips the character after it (so \' does
//     not end the string), two quotes in a row are one, and one ends it;
//     a "-string ends at the next " (no escapes); $( in either is a
//     variable reference;
//   - on each line, the first character none of the above takes makes it
//     try the line, from its start to its first control character, as a
//     command (GO [count], :r FILE, :on error, [:]EXIT, ...); a command's
//     text is taken out of the line and the rest of the line read after
//     it;
//   - a line is added to the batch unless it is blank (spaces and control
//     characters) outside a string or comment, or holds only a command;
//     lines are joined with LF;
//   - GO sends the batch, unless it is empty, and starts a new one, outside
//     any string or comment; :r reads a file into the same batch; at the
//     end of the file given with -i the rest of the batch is sent, at the
//     end of a file read with :r it stays for what follows.
//
// Variable references are recorded as errors: the scripts must hold none.
type goSqlcmd struct {
	include func(name string) (string, error)
	lines   []string // the batch so far
	quote   rune     // the string go-sqlcmd is in, or 0
	comment bool     // inside a block comment
	batches []string // what it sent
	cmds    []string // the commands it ran, GO included
	errs    []string
}

// runFile reads one file; all is set for the file given with -i.
func (g *goSqlcmd) runFile(name, text string, all bool) {
	lines := strings.Split(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for n, line := range lines {
		rest := []rune(strings.TrimSuffix(line, "\r"))
		for first := true; first || len(rest) > 0; first = false {
			var cmd, arg string
			var err error
			cmd, arg, rest, err = g.next(rest)
			if err != nil {
				g.errs = append(g.errs, name+":"+itoa(int64(n+1))+": "+err.Error())
				g.reset()
				break
			}
			if cmd != "" {
				g.command(name+":"+itoa(int64(n+1)), cmd, arg)
			}
		}
	}
	if all && len(g.lines) > 0 {
		g.send()
	}
}

func (g *goSqlcmd) reset() { g.lines, g.quote, g.comment = nil, 0, false }

func (g *goSqlcmd) send() {
	if b := strings.Join(g.lines, "\n"); b != "" {
		g.batches = append(g.batches, b)
	}
	g.reset()
}

func (g *goSqlcmd) command(where, cmd, arg string) {
	g.cmds = append(g.cmds, cmd)
	switch cmd {
	case "GO":
		if strings.TrimSpace(arg) != "" {
			g.errs = append(g.errs, where+": GO with "+arg)
		}
		g.send()
	case "ONERROR":
	case "READFILE":
		name := strings.TrimSpace(arg)
		name = strings.TrimSuffix(strings.TrimPrefix(name, `"`), `"`)
		text, err := g.include(name)
		if err != nil {
			g.errs = append(g.errs, where+": "+err.Error())
			return
		}
		g.runFile(name, text, false)
	default:
		g.errs = append(g.errs, where+": the command "+cmd+" "+arg)
	}
}

// next reads what is left of a line: it returns the command it found (its
// name and argument) and what follows the command on the line.
func (g *goSqlcmd) next(r []rune) (cmd, arg string, rest []rune, err error) {
	at := func(i int) rune {
		if i < len(r) {
			return r[i]
		}
		return 0
	}
	scanned := false
	i := 0
scan:
	for ; i < len(r); i++ {
		c, next := r[i], at(i+1)
		switch {
		case g.quote != 0:
			var closed bool
			if i, closed, err = g.readString(r, i); err != nil {
				return "", "", nil, err
			}
			if closed {
				g.quote = 0
			}
		case g.comment:
			// The end of a comment is looked for from the character after
			// the one at i.
			j := i + 1
			for ; j < len(r) && !(r[j-1] == '*' && r[j] == '/'); j++ {
			}
			i, g.comment = min(j, len(r)), j >= len(r)
		case c == '\'' || c == '"':
			g.quote = c
		case c == '-' && next == '-':
			i = len(r)
		case c == '/' && next == '*':
			g.comment = true
			i++
		case c == '$' && next == '(':
			return "", "", nil, errors.New("a variable reference $(")
		case !scanned:
			scanned = true
			end := i
			for end < len(r) && !unicode.IsControl(r[end]) {
				end++
			}
			if name, a, ok := goSqlcmdCommand(string(r[:end])); ok {
				cmd, arg = name, a
				r = append(append([]rune(nil), r[:i]...), r[end:]...)
				break scan
			}
		}
	}
	i = min(i, len(r))
	blank := true
	for _, c := range r[:i] {
		if !unicode.IsSpace(c) && !unicode.IsControl(c) {
			blank = false
		}
	}
	if (g.quote != 0 || g.comment || !blank) && !(!g.comment && cmd != "" && blank) {
		g.lines = append(g.lines, string(r[:i]))
	}
	return cmd, arg, r[i:], nil
}

// readString reads a string from r[i] on; it returns where the string
// ends (or len(r)) and whether it ended.
func (g *goSqlcmd) readString(r []rune, i int) (int, bool, error) {
	var prev rune
	for ; i < len(r); i++ {
		c, next := r[i], rune(0)
		if i+1 < len(r) {
			next = r[i+1]
		}
		switch {
		case c == '$' && next == '(':
			return i, false, errors.New("a variable reference $( in a string")
		case g.quote == '\'' && c == '\\':
			i++ // the next character does not count
			prev = 0
			continue
		case g.quote == '\'' && c == '\'' && next == '\'':
			i++
			continue
		case g.quote == '\'' && c == '\'' && prev != '\'', g.quote == '"' && c == '"':
			return i, true, nil
		}
		prev = c
	}
	return len(r), false, nil
}

// goSqlcmdCommand tells whether go-sqlcmd takes line (up to its first
// control character) for one of its commands, and returns the command's
// name and argument: GO [ARG], [:]EXIT[(...)], [:]QUIT, [:]ED, [:]!!,
// [:]ON ERROR, and :OUT, :ERROR, :R, :SETVAR, :LISTVAR, :RESET, :LIST,
// :CONNECT, :XML. Names are matched in any case after spaces and tabs, and
// end the line or are followed by spaces or tabs (GO: spaces) and the
// argument.
func goSqlcmdCommand(line string) (name, arg string, ok bool) {
	l := strings.TrimLeft(line, " \t")
	colon := strings.HasPrefix(l, ":")
	if colon {
		l = l[1:]
	}
	word := func(w string, blanks string) (string, bool) {
		if len(l) < len(w) || !strings.EqualFold(l[:len(w)], w) {
			return "", false
		}
		rest := l[len(w):]
		if rest == "" {
			return "", true
		}
		if a := strings.TrimLeft(rest, blanks); len(a) < len(rest) {
			return a, true
		}
		return "", false
	}
	if !colon {
		if a, ok := word("GO", " "); ok {
			return "GO", a, true
		}
	}
	if strings.HasPrefix(l, "!!") {
		return "EXEC", l[2:], true
	}
	if len(l) >= 4 && strings.EqualFold(l[:4], "EXIT") && (len(l) == 4 || strings.ContainsRune("( \t", rune(l[4]))) {
		return "EXIT", l[4:], true
	}
	for _, c := range []struct {
		name, word string
		colon      bool // the colon is needed
	}{
		{"QUIT", "QUIT", false}, {"EDIT", "ED", false}, {"ONERROR", "ON ERROR", false},
		{"OUT", "OUT", true}, {"ERROR", "ERROR", true}, {"READFILE", "R", true}, {"SETVAR", "SETVAR", true},
		{"LISTVAR", "LISTVAR", true}, {"RESET", "RESET", true}, {"LIST", "LIST", true}, {"CONNECT", "CONNECT", true},
		{"XML", "XML", true},
	} {
		if c.colon && !colon {
			continue
		}
		if a, ok := word(c.word, " \t"); ok {
			return c.name, a, true
		}
	}
	return "", "", false
}

// goSqlcmdExpected returns the batches that go-sqlcmd should send for
// script: the scripter's batches (split at its GO lines), each without
// the CR before a LF and without the blank lines it drops (those outside
// strings, identifiers and comments, as SQL Server reads the batch), and
// without empty batches.
func goSqlcmdExpected(script string) []string {
	var out []string
	for _, b := range batches(script) {
		b = strings.TrimSuffix(b, "\n")
		code := tsqlCode(b)
		var keep []string
		start := 0
		for _, line := range strings.Split(b, "\n") {
			end := start + len(line)
			inCode := (start == 0 || code[start-1] == '\n') && (end == len(b) || code[end] == '\n')
			if strings.TrimFunc(line, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) != "" || !inCode {
				keep = append(keep, strings.TrimSuffix(line, "\r"))
			}
			start = end + 1
		}
		if s := strings.Join(keep, "\n"); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// TestGoSqlcmdModel checks the model against what go-sqlcmd is known to
// do, its own tests and the reports of strings ending in a backslash.
func TestGoSqlcmdModel(t *testing.T) {
	for _, c := range []struct {
		script  string
		batches []string
		errs    int
	}{
		{"SELECT 1\nGO\nSELECT 2\ngo 1\n", []string{"SELECT 1", "SELECT 2"}, 1},
		{"SELECT 1\r\n\r\n  \r\nSELECT 2\r\nGO\r\n", []string{"SELECT 1\nSELECT 2"}, 0},
		{"SELECT '1\n\n00' \n/* comm\nGO\nent*/\nGO\n", []string{"SELECT '1\n\n00' \n/* comm\nGO\nent*/"}, 0},
		// A string that ends in a backslash swallows what follows.
		{"SELECT 'C:\\'\nGO\nSELECT 2\nGO\n", []string{"SELECT 'C:\\'\nGO\nSELECT 2\nGO"}, 0},
		{"SELECT 'a\\''b'\nGO\nSELECT 2\nGO\n", []string{"SELECT 'a\\''b'\nGO\nSELECT 2\nGO"}, 0},
		{"SELECT 'C:' + NCHAR(92)\nGO\nSELECT 'a\\\\'\nGO\n", []string{"SELECT 'C:' + NCHAR(92)", "SELECT 'a\\\\'"}, 0},
		// A " outside a '-string starts a string of its own.
		{"SELECT [a\"b]\nGO\nSELECT 'x\"'\nGO\n", []string{"SELECT [a\"b]\nGO\nSELECT 'x\"'\nGO"}, 0},
		{"SELECT \"a\"\"b\" -- it's\nGO\n", []string{"SELECT \"a\"\"b\" -- it's"}, 0},
		// Block comments do not nest.
		{"/* /* */ SELECT 1 */\nGO\n", []string{"/* /* */ SELECT 1 */"}, 0},
		{"SELECT 1 /* a */ GO\nGO\n", []string{"SELECT 1 /* a */ GO"}, 0},
		{"SELECT N'$(x)'\nGO\n", nil, 1},
		{"SELECT 1\n:r x.sql\n", []string{"SELECT 1"}, 1},
		{"SELECT 1\n  exit(SELECT 2)\n", []string{"SELECT 1"}, 1},
	} {
		g := &goSqlcmd{include: func(string) (string, error) { return "", errors.New("no file") }}
		g.runFile("t.sql", c.script, true)
		if strings.Join(g.batches, "\x00") != strings.Join(c.batches, "\x00") || len(g.errs) != c.errs {
			t.Errorf("%q: batches %q, errors %q; want %q and %d errors", c.script, g.batches, g.errs, c.batches, c.errs)
		}
	}
	for line, want := range map[string]string{
		"GO": "GO", "  go 5": "GO", "GO;": "", "GO\t": "", "GOX": "", ":r \"a.sql\"": "READFILE", ":R": "READFILE",
		"r x": "", ":on error exit": "ONERROR", "on error exit": "ONERROR", "on  error": "", "exit": "EXIT", "EXIT(SELECT 1)": "EXIT",
		"exit_now": "", ":setvar a b": "SETVAR", "setvar a b": "", "!!ls": "EXEC", "ED": "EDIT", "EDIT": "", "quit": "QUIT",
		":XML ON": "XML", ":list": "LIST", ":listvar": "LISTVAR", "reset": "", ":connect x": "CONNECT",
	} {
		if got, _, _ := goSqlcmdCommand(line); got != want {
			t.Errorf("goSqlcmdCommand(%q) = %q, want %q", line, got, want)
		}
	}
}

// TestGoSqlcmdBatches runs the sample's scripts through the model of
// go-sqlcmd, restore.sql with its :r files as a restore does and every
// file alone: it sends exactly the batches the scripter meant, with no GO
// swallowed by a string or comment it misread (a string value or a
// module's string ending in a backslash), no variable reference and no
// other command. testdata/mssql/sample.sql, run the same way by the
// integration test, is checked too.
func TestGoSqlcmdBatches(t *testing.T) {
	s := newTestServer(t, nil)
	sink, m := s.scriptMem("sample", s.options("sample"))
	include := func(name string) (string, error) {
		b, ok := sink.files[name]
		if !ok {
			return "", errors.New("no file " + name)
		}
		return string(b), nil
	}
	check := func(what string, g *goSqlcmd, want []string) {
		t.Helper()
		for _, e := range g.errs {
			t.Errorf("%s: %s", what, e)
		}
		for i := 0; i < len(g.batches) || i < len(want); i++ {
			var got, w string
			if i < len(g.batches) {
				got = g.batches[i]
			}
			if i < len(want) {
				w = want[i]
			}
			if got != w {
				t.Errorf("%s: go-sqlcmd sends as batch %d (of %d, want %d):\n%.600q\nwant:\n%.600q", what, i+1, len(g.batches), len(want), got, w)
				return
			}
		}
	}
	// restore.sql's comment lines start the first batch.
	var all strings.Builder
	for _, line := range strings.SplitAfter(string(sink.files[MasterFile]), "\n") {
		if strings.HasPrefix(line, "--") {
			all.WriteString(line)
		}
	}
	for _, f := range m.Files {
		all.Write(sink.files[f])
		g := &goSqlcmd{include: include}
		g.runFile(f, string(sink.files[f]), true)
		check(f, g, goSqlcmdExpected(string(sink.files[f])))
	}
	g := &goSqlcmd{include: include}
	g.runFile(MasterFile, string(sink.files[MasterFile]), true)
	check(MasterFile, g, goSqlcmdExpected(all.String()))
	if g.cmds[0] != "ONERROR" || strings.Count(strings.Join(g.cmds, " "), "READFILE") != len(m.Files) {
		t.Errorf("commands %q", g.cmds)
	}
	for _, want := range []string{"'C:' + NCHAR(92)", "NCHAR(92) + N'''b' + NCHAR(92)", "usp_Path"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("the scripts lack %q", want)
		}
	}

	b, err := os.ReadFile(filepath.Join("..", "testdata", "mssql", "sample.sql"))
	if err != nil {
		t.Fatal(err)
	}
	g = &goSqlcmd{}
	g.runFile("sample.sql", string(b), true)
	check("sample.sql", g, goSqlcmdExpected(string(b)))
}
