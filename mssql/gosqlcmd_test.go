package mssql

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
)

// This file models the two sqlcmd clients the scripts are written for, so
// that tests can run a scripted folder through them and check that they
// send exactly the statements the scripter meant:
//
//   - goSqlcmd: go-sqlcmd, Microsoft's sqlcmd in Go, as of v1.8.2 (its
//     main branch of 2026-07 reads scripts the same way), written from its
//     source (github.com/microsoft/go-sqlcmd, pkg/sqlcmd: Batch.Next,
//     Batch.readString, readMultilineComment, readCommand, the command
//     regexps of newCommands, removeComments, readFileCommand,
//     resolveArgumentVariables, Sqlcmd.IncludeFile, Sqlcmd.Run,
//     goCommand, getRunnableQuery);
//   - odbcSqlcmd: the ODBC sqlcmd 17 and 18, whose source is not public,
//     written from Microsoft's documentation ("sqlcmd utility", "sqlcmd
//     commands", "sqlcmd - use with scripting variables"), and read the
//     strictest way where the documentation is silent.
//
// SSMS in SQLCMD mode is documented like the ODBC sqlcmd, without -v.

// sqlcmdRun is what both models share: the files they can open (by path,
// relative to the working folder "." unless absolute), the scripting
// variables given with -v, the environment, and what they did.
type sqlcmdRun struct {
	files   map[string][]byte
	vars    map[string]string // -v NAME=VALUE; :setvar sets them too (names upper-cased)
	env     map[string]string
	batches []string // what was sent to the server
	cmds    []string // the commands run, GO included
	errs    []string // what the client would report
	stop    bool     // an error stopped it (:on error exit, or a fatal one)
	onError bool     // :on error exit was run
}

func (s *sqlcmdRun) errorf(where, msg string) {
	s.errs = append(s.errs, where+": "+msg)
}

// lookup resolves a scripting variable: :setvar and -v first (a :setvar
// overrides -v, as both clients do), then the environment.
func (s *sqlcmdRun) lookup(name string) (string, bool) {
	if v, ok := s.vars[strings.ToUpper(name)]; ok {
		return v, true
	}
	v, ok := s.env[name]
	return v, ok
}

func (s *sqlcmdRun) setvar(arg string) error {
	name, val, _ := strings.Cut(strings.TrimSpace(arg), " ")
	val = strings.TrimSpace(val)
	if name == "" {
		return errors.New(":setvar without a name")
	}
	if strings.HasPrefix(val, `"`) {
		if len(val) < 2 || !strings.HasSuffix(val, `"`) {
			return errors.New("invalid variable value " + val)
		}
		val = strings.ReplaceAll(val[1:len(val)-1], `""`, `"`)
	}
	if s.vars == nil {
		s.vars = map[string]string{}
	}
	s.vars[strings.ToUpper(name)] = val
	return nil
}

// resolve replaces the variable references of text as go-sqlcmd does
// (resolveArgumentVariables, getRunnableQuery): an undefined one is
// reported and kept as written.
func (s *sqlcmdRun) resolve(where, text string) string {
	return substitute(text, func(name string) (string, bool) {
		v, ok := s.lookup(name)
		if !ok {
			s.errorf(where, "'"+name+"' scripting variable not defined.")
		}
		return v, ok
	})
}

// command runs a command as both clients do: GO sends the batch (send),
// :on error and :setvar set what they set, :r opens the file that
// fileName makes of its argument (each client its own way) and include
// reads it; an error opening it stops the client under :on error exit.
// Any other command is an error: the scripts must hold none.
func (s *sqlcmdRun) command(where, cmd, arg string, send func(), fileName func(arg string) string, include func(name string, b []byte)) {
	s.cmds = append(s.cmds, cmd)
	switch cmd {
	case "GO":
		if strings.TrimSpace(arg) != "" {
			s.errorf(where, "GO with "+arg)
		}
		send()
	case "ONERROR":
		s.onError = strings.EqualFold(strings.TrimSpace(arg), "exit")
	case "SETVAR":
		if err := s.setvar(arg); err != nil {
			s.errorf(where, err.Error())
		}
	case "READFILE":
		name := fileName(arg)
		b, err := s.open(name)
		if err != nil {
			s.errorf(where, err.Error())
			s.stop = s.onError
			return
		}
		include(name, b)
	default:
		s.errorf(where, "the command "+cmd+" "+arg)
	}
}

func (s *sqlcmdRun) open(name string) ([]byte, error) {
	b, ok := s.files[path.Clean(name)]
	if !ok {
		return nil, errors.New("file " + name + " not found") // go-sqlcmd: InvalidFileError
	}
	return b, nil
}

// goSqlcmd models go-sqlcmd v1.8.2 reading a script (-i FILE) and the
// files it includes with :r:
//   - a file is decoded as UTF-8, or as UTF-16 after a byte order mark; a
//     UTF-8 byte order mark is dropped (IncludeFile: BOMOverride);
//   - it is read line by line (bufio.Reader.ReadLine: a line ends at LF,
//     and a CR just before the LF is dropped), and the lines of a batch
//     are joined with eol, "\n" on Linux and macOS and "\r\n" on Windows
//     (SqlcmdEol); blank lines are kept;
//   - on each line, outside strings and block comments, ', " and [ start
//     a string that ends at the next ', " or ] (two quotes, or ]], in a
//     row are one; no escapes), -- skips the rest of the line, /* starts
//     a block comment that the first */ ends (no nesting), and $(NAME)
//     is a variable reference (replaced when the batch is sent; $( that
//     is not a valid reference is a syntax error that drops the batch);
//   - the first character none of these takes makes it try the line, from
//     its start to its first control character other than tab, as a
//     command (GO [count], :r FILE, :setvar, :on error, [:]EXIT, ...);
//     a command is taken out of the line, and the rest of the line is
//     read after it;
//   - GO sends the batch unless it is empty; :r FILE opens FILE as
//     written after variable substitution (quotes are part of the name),
//     relative to the working folder, and reads it into the same batch;
//     at the end of the -i file what is left of the batch is sent.
type goSqlcmd struct {
	sqlcmdRun
	eol     string
	lines   []string // the batch so far
	quote   rune
	comment bool
}

// run reads the file given with -i.
func (g *goSqlcmd) run(name string) {
	if g.eol == "" {
		g.eol = "\n"
	}
	b, err := g.open(name)
	if err != nil {
		g.errorf("-i", err.Error())
		return
	}
	g.include(name, b, true)
}

func (g *goSqlcmd) include(name string, b []byte, all bool) {
	text := strings.TrimPrefix(string(b), BOM)
	lines := strings.Split(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for n, line := range lines {
		where := name + ":" + itoa(int64(n+1))
		rest := []rune(strings.TrimSuffix(line, "\r"))
		for first := true; first || len(rest) > 0; first = false {
			var cmd, arg string
			var err error
			cmd, arg, rest, err = g.next(rest)
			if err != nil {
				g.errorf(where, err.Error())
				g.reset()
				break
			}
			if cmd != "" {
				g.command(where, cmd, arg)
			}
			if g.stop {
				return
			}
		}
	}
	if all && len(g.lines) > 0 {
		g.send()
	}
}

func (g *goSqlcmd) reset() { g.lines, g.quote, g.comment = nil, 0, false }

// send sends the batch: goCommand, after getRunnableQuery replaced its
// variable references.
func (g *goSqlcmd) send() {
	b := strings.Join(g.lines, g.eol)
	g.reset()
	if b == "" {
		return
	}
	g.batches = append(g.batches, g.resolve("batch", b))
}

func (g *goSqlcmd) command(where, cmd, arg string) {
	// readFileCommand: the argument, variables resolved, is the name.
	name := func(arg string) string { return g.resolve(where, arg) }
	g.sqlcmdRun.command(where, cmd, removeArgComment(arg), g.send, name, func(name string, b []byte) { g.include(name, b, false) })
}

// next reads what is left of a line (Batch.Next): it returns the command
// it found (its name and argument) and what follows the command.
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
			scanned = true
		case g.comment:
			// readMultilineComment: from the character after i on.
			j := i + 1
			for ; j < len(r) && !(r[j-1] == '*' && r[j] == '/'); j++ {
			}
			i, g.comment = min(j, len(r)), j >= len(r)
			scanned = true
		case c == '\'' || c == '"' || c == '[':
			g.quote = c
		case c == '-' && next == '-':
			i = len(r)
		case c == '/' && next == '*':
			g.comment = true
			i++
		case c == '$' && next == '(':
			end, ok := variableEnd(r, i+2)
			if !ok {
				return "", "", nil, errors.New("syntax error: $( is no variable reference")
			}
			i = end
		case !scanned:
			scanned = true
			end := i
			for end < len(r) && !(unicode.IsControl(r[end]) && r[end] != '\t') {
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
	if cmd == "" {
		g.lines = append(g.lines, string(r[:i]))
	}
	return cmd, arg, r[i:], nil
}

// readString reads a string from r[i] on (Batch.readString); it returns
// where the string ends (or len(r)) and whether it ended.
func (g *goSqlcmd) readString(r []rune, i int) (int, bool, error) {
	var prev rune
	for ; i < len(r); i++ {
		c, next := r[i], rune(0)
		if i+1 < len(r) {
			next = r[i+1]
		}
		switch {
		case c == '$' && next == '(':
			end, ok := variableEnd(r, i+2)
			if !ok {
				return i, false, errors.New("syntax error: $( is no variable reference")
			}
			i = end
		case g.quote == '\'' && c == '\'' && next == '\'', g.quote == '[' && c == ']' && next == ']':
			i++
			continue
		case g.quote == '\'' && c == '\'' && prev != '\'', g.quote == '"' && c == '"', g.quote == '[' && c == ']':
			return i, true, nil
		}
		prev = c
	}
	return len(r), false, nil
}

// variableEnd returns where the variable reference whose name starts at
// r[i] ends (its ")"), as readVariableReference: letters, digits, _ and -.
func variableEnd(r []rune, i int) (int, bool) {
	for ; i < len(r); i++ {
		switch c := r[i]; {
		case c == ')':
			return i, true
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-':
		default:
			return 0, false
		}
	}
	return 0, false
}

// substitute replaces the variable references $(NAME) of text; an
// undefined one is kept as written.
func substitute(text string, lookup func(string) (string, bool)) string {
	var b strings.Builder
	r := []rune(text)
	for i := 0; i < len(r); i++ {
		if r[i] == '$' && i+1 < len(r) && r[i+1] == '(' {
			if end, ok := variableEnd(r, i+2); ok {
				if v, ok := lookup(string(r[i+2 : end])); ok {
					b.WriteString(v)
					i = end
					continue
				}
			}
		}
		b.WriteRune(r[i])
	}
	return b.String()
}

// removeArgComment cuts a command's argument at a -- comment that follows
// a blank outside a "-string (removeComments, commentStart).
func removeArgComment(arg string) string {
	quote, space := false, true
	r := []rune(arg)
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch {
		case quote && c == '"' && i+1 < len(r) && r[i+1] == '"':
			i++
		case quote && c == '"':
			quote = false
		case c == ' ' || c == '\t':
			space = true
		case !quote && space && c == '-' && i+1 < len(r) && r[i+1] == '-':
			return string(r[:i])
		case !quote && c == '"':
			quote = true
		default:
			space = false
		}
	}
	return arg
}

// goSqlcmdCommand tells whether go-sqlcmd takes line (up to its first
// control character) for one of its commands, and returns the command's
// name and argument: GO [ARG], [:]EXIT[(...)], [:]QUIT, [:]ED, [:]!!,
// [:]ON ERROR, [:]RESET, and :OUT, :ERROR, :R, :SETVAR, :LISTVAR, :LIST,
// :CONNECT, :XML. Names are matched in any case after spaces and tabs,
// and end the line or are followed by spaces or tabs (GO: spaces) and the
// argument (the regexps of newCommands).
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
		{"QUIT", "QUIT", false}, {"EDIT", "ED", false}, {"ONERROR", "ON ERROR", false}, {"RESET", "RESET", false},
		{"OUT", "OUT", true}, {"ERROR", "ERROR", true}, {"READFILE", "R", true}, {"SETVAR", "SETVAR", true},
		{"LISTVAR", "LISTVAR", true}, {"LIST", "LIST", true}, {"CONNECT", "CONNECT", true},
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

// odbcSqlcmd models the ODBC sqlcmd 17 and 18 (Windows and Linux) from
// its documentation, where it is silent the strictest way:
//   - a file that starts with a byte order mark is decoded as UTF-8 (or
//     UTF-16); one without is decoded in the code page of -f, or else
//     the console's (modelled as Windows-1252);
//   - variable references $(NAME) are replaced on every line, in strings
//     and comments too, from :setvar, -v and the environment in that order
//     of precedence; an undefined one is a fatal error ("'NAME' scripting
//     variable not defined.");
//   - a command is recognized at the start of any line, after blanks,
//     whether or not the line is inside a string or comment of the batch
//     (the documentation says commands are recognized at the start of a
//     line; it does not say strings are tracked);
//   - :r FILE reads FILE, without the quotes around it, relative to the
//     working folder, into the batch; GO sends the batch; lines keep the
//     line ends of the file.
type odbcSqlcmd struct {
	sqlcmdRun
	utf8  bool // -f 65001
	batch strings.Builder
}

func (o *odbcSqlcmd) run(name string) {
	b, err := o.open(name)
	if err != nil {
		o.errorf("-i", err.Error())
		return
	}
	o.include(name, b)
	if strings.TrimSpace(o.batch.String()) != "" && !o.stop {
		o.send()
	}
}

// decode returns the text of a file as the ODBC sqlcmd reads it.
func (o *odbcSqlcmd) decode(b []byte) string {
	if s, ok := strings.CutPrefix(string(b), BOM); ok {
		return s
	}
	if o.utf8 {
		return string(b)
	}
	s, _ := charmap.Windows1252.NewDecoder().Bytes(b)
	return string(s)
}

// send sends the batch (without the line end of its last line).
func (o *odbcSqlcmd) send() {
	b := strings.TrimSuffix(o.batch.String(), "\n")
	o.batches = append(o.batches, strings.TrimSuffix(b, "\r"))
	o.batch.Reset()
}

func (o *odbcSqlcmd) include(name string, b []byte) {
	for n, line := range strings.SplitAfter(o.decode(b), "\n") {
		if line == "" || o.stop {
			continue
		}
		where := name + ":" + itoa(int64(n+1))
		var undefined string
		line = substitute(line, func(v string) (string, bool) {
			val, ok := o.lookup(v)
			if !ok && undefined == "" {
				undefined = v
			}
			return val, ok
		})
		if undefined != "" {
			o.errorf(where, "'"+undefined+"' scripting variable not defined.")
			o.stop = true
			return
		}
		body := strings.TrimRight(line, "\r\n")
		cmd, arg, ok := goSqlcmdCommand(body)
		if !ok {
			o.batch.WriteString(line)
			continue
		}
		// :r takes the quotes off its argument.
		name := func(arg string) string {
			f := strings.TrimSpace(arg)
			if len(f) >= 2 && strings.HasPrefix(f, `"`) && strings.HasSuffix(f, `"`) {
				f = f[1 : len(f)-1]
			}
			return f
		}
		o.sqlcmdRun.command(where, cmd, arg, o.send, name, o.include)
	}
}

// goSqlcmdText runs text, as the file given with -i, through the model of
// go-sqlcmd (Linux line ends, no variables).
func goSqlcmdText(text string) *goSqlcmd {
	g := &goSqlcmd{sqlcmdRun: sqlcmdRun{files: map[string][]byte{"t.sql": []byte(text)}}}
	g.run("t.sql")
	return g
}

// odbcSqlcmdText runs text, as the file given with -i -f 65001, through
// the model of the ODBC sqlcmd (no variables).
func odbcSqlcmdText(text string) *odbcSqlcmd {
	o := &odbcSqlcmd{sqlcmdRun: sqlcmdRun{files: map[string][]byte{"t.sql": []byte(text)}}, utf8: true}
	o.run("t.sql")
	return o
}

// sentBatches returns the statements of scripts as the scripter meant them
// to reach the server: the files' texts after their byte order marks,
// joined, split at the GO lines, lines joined with eol, and without the
// batches that hold nothing but blank lines.
func sentBatches(eol string, scripts ...string) []string {
	var all strings.Builder
	for _, s := range scripts {
		all.WriteString(strings.TrimPrefix(s, BOM))
	}
	var out []string
	for _, b := range batches(all.String()) {
		b = strings.TrimSuffix(b, "\n")
		if strings.TrimSpace(b) == "" {
			continue
		}
		out = append(out, strings.ReplaceAll(b, "\n", eol))
	}
	return out
}

// nonBlank drops the batches that hold only blank lines (a client may
// send one at the end of a file; the server does nothing with it).
func nonBlank(bs []string) []string {
	var out []string
	for _, b := range bs {
		if strings.TrimSpace(b) != "" {
			out = append(out, b)
		}
	}
	return out
}

func sameBatches(t *testing.T, what string, got, want []string) {
	t.Helper()
	got = nonBlank(got)
	for i := 0; i < len(got) || i < len(want); i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("%s: batch %d (of %d, want %d):\n%.600q\nwant:\n%.600q", what, i+1, len(got), len(want), g, w)
			return
		}
	}
}

// TestGoSqlcmdModel checks the model of go-sqlcmd against what v1.8.2's
// own tests (batch_test.go, commands_test.go) and source say it does.
func TestGoSqlcmdModel(t *testing.T) {
	for _, c := range []struct {
		script  string
		batches []string
		errs    int
	}{
		{"SELECT 1\nGO\nSELECT 2\ngo 1\n", []string{"SELECT 1", "SELECT 2"}, 1},
		// CR LF line ends are dropped, blank lines kept.
		{"SELECT 1\r\n\r\n  \r\nSELECT 2\r\nGO\r\n", []string{"SELECT 1\n\n  \nSELECT 2"}, 0},
		{"SELECT '1\n\n00' \n/* comm\nGO\nent*/\nGO\n", []string{"SELECT '1\n\n00' \n/* comm\nGO\nent*/"}, 0},
		// No escapes in strings since 2022 (go-sqlcmd #96).
		{"SELECT 'C:\\'\nGO\nSELECT 2\nGO\n", []string{"SELECT 'C:\\'", "SELECT 2"}, 0},
		// Brackets are strings: a quote in one starts nothing.
		{"SELECT [it's]\nGO\nSELECT [a]]\nGO\n]\nGO\n", []string{"SELECT [it's]", "SELECT [a]]\nGO\n]"}, 0},
		{"SELECT \"a\"\"b\" -- it's\nGO\n", []string{"SELECT \"a\"\"b\" -- it's"}, 0},
		// Block comments do not nest.
		{"/* /* */ SELECT 1 */\nGO\n", []string{"/* /* */ SELECT 1 */"}, 0},
		{"SELECT 1 /* a */ GO\nGO\n", []string{"SELECT 1 /* a */ GO"}, 0},
		// A variable is replaced in strings too; an undefined one is kept.
		{"SELECT N'$(x)'\nGO\n", []string{"SELECT N'$(x)'"}, 1},
		{"SELECT N'$(y)', $(y)\nGO\n", []string{"SELECT N'v', v"}, 0},
		{"SELECT '$(a b)'\nGO\nSELECT 2\nGO\n", []string{"SELECT 2"}, 1},
		{"SELECT 1\n:r x.sql\n", []string{"SELECT 1"}, 1},
		{"SELECT 1\n  exit(SELECT 2)\n", []string{"SELECT 1"}, 1},
		// :r opens its argument as written: quotes are part of the name.
		{":r inc.sql\nGO\n", []string{"SELECT 3"}, 0},
		{":r \"inc.sql\"\nGO\n", nil, 1},
		// A comment after the name is cut, the blank before it is not.
		{":r inc.sql -- a comment\nGO\n", nil, 1},
		{":r $(Y)/inc.sql\nGO\n", nil, 1},
		{":setvar D .\n:r $(D)/inc.sql\nGO\n", []string{"SELECT 3"}, 0},
	} {
		g := &goSqlcmd{sqlcmdRun: sqlcmdRun{files: map[string][]byte{"t.sql": []byte(c.script), "inc.sql": []byte(BOM + "SELECT 3\n")},
			vars: map[string]string{"Y": "v"}}}
		g.run("t.sql")
		if strings.Join(g.batches, "\x00") != strings.Join(c.batches, "\x00") || len(g.errs) != c.errs {
			t.Errorf("%q: batches %q, errors %q; want %q and %d errors", c.script, g.batches, g.errs, c.batches, c.errs)
		}
	}
	// On Windows the lines of a batch are joined with CR LF.
	g := &goSqlcmd{sqlcmdRun: sqlcmdRun{files: map[string][]byte{"t.sql": []byte("SELECT 'a\r\nb'\nGO\n")}}, eol: "\r\n"}
	g.run("t.sql")
	if len(g.batches) != 1 || g.batches[0] != "SELECT 'a\r\nb'" {
		t.Errorf("batches %q", g.batches)
	}
	for line, want := range map[string]string{
		"GO": "GO", "  go 5": "GO", "GO;": "", "GO\t": "", "GOX": "", ":r \"a.sql\"": "READFILE", ":R": "READFILE",
		"r x": "", ":on error exit": "ONERROR", "on error exit": "ONERROR", "on  error": "", "exit": "EXIT", "EXIT(SELECT 1)": "EXIT",
		"exit_now": "", ":setvar a b": "SETVAR", "setvar a b": "", "!!ls": "EXEC", "ED": "EDIT", "EDIT": "", "quit": "QUIT",
		":XML ON": "XML", ":list": "LIST", ":listvar": "LISTVAR", "reset": "RESET", ":connect x": "CONNECT",
	} {
		if got, _, _ := goSqlcmdCommand(line); got != want {
			t.Errorf("goSqlcmdCommand(%q) = %q, want %q", line, got, want)
		}
	}
}

// TestODBCSqlcmdModel checks the model of the ODBC sqlcmd against its
// documentation.
func TestODBCSqlcmdModel(t *testing.T) {
	files := map[string][]byte{"inc.sql": []byte("SELECT N'é'\nGO\n"), "d/inc.sql": []byte(BOM + "SELECT N'é'\nGO\n")}
	for _, c := range []struct {
		script  string
		utf8    bool
		batches []string
		errs    int
	}{
		{"SELECT 1\r\n\r\nGO\r\nSELECT 2\ngo\n", false, []string{"SELECT 1\r\n", "SELECT 2"}, 0},
		// Commands are recognized inside strings.
		{"SELECT '\nGO\n'\nGO\n", false, []string{"SELECT '", "'"}, 0},
		// :r takes quotes off; a file without BOM needs -f 65001.
		{":r \"inc.sql\"\n", false, []string{"SELECT N'Ã©'"}, 0},
		{":r inc.sql\n", true, []string{"SELECT N'é'"}, 0},
		{":r $(Dir)/inc.sql\n", false, []string{"SELECT N'é'"}, 0},
		// A :setvar overrides -v.
		{":setvar Dir .\n:r $(Dir)/inc.sql\n", false, []string{"SELECT N'Ã©'"}, 0},
		{"SELECT 1\nGO\n:r $(Nothing)/inc.sql\nSELECT 2\nGO\n", false, []string{"SELECT 1"}, 1},
	} {
		o := &odbcSqlcmd{sqlcmdRun: sqlcmdRun{files: map[string][]byte{"t.sql": []byte(c.script)}, vars: map[string]string{"DIR": "d"}}, utf8: c.utf8}
		for k, v := range files {
			o.files[k] = v
		}
		o.run("t.sql")
		if strings.Join(o.batches, "\x00") != strings.Join(c.batches, "\x00") || len(o.errs) != c.errs {
			t.Errorf("%q: batches %q, errors %q; want %q and %d errors", c.script, o.batches, o.errs, c.batches, c.errs)
		}
	}
}

// sqlcmdFolder returns the files of a scripted folder as the models open
// them, under dir.
func sqlcmdFolder(files map[string][]byte, dir string) map[string][]byte {
	fs := map[string][]byte{}
	for name, b := range files {
		fs[path.Join(dir, name)] = b
	}
	return fs
}

// TestSqlcmdClientsRunRestore runs restore.sql of the sample database, as
// its header says, through the models of go-sqlcmd (Linux and Windows
// line ends) and the ODBC sqlcmd, from another working folder than the
// scripts': each sends exactly the scripter's batches, in order, with no
// GO swallowed by a string or comment it misread, no variable reference
// left and no command but the scripter's. Each file alone too. And the
// same restore without -v SqlvaultDir stops before sending anything.
func TestSqlcmdClientsRunRestore(t *testing.T) {
	s := newTestServer(t, nil)
	sink, m := s.scriptMem("sample", s.options("sample"))
	const dir = "/restore/sample"
	scripts := []string{}
	for _, f := range m.Files {
		scripts = append(scripts, string(sink.files[f]))
	}
	master := string(sink.files[MasterFile])
	if !strings.HasPrefix(master, BOM) {
		t.Errorf("restore.sql has no byte order mark")
	}
	// restore.sql's own lines are comments and commands only.
	for _, line := range strings.Split(strings.TrimPrefix(master, BOM), "\n") {
		if line != "" && !strings.HasPrefix(line, "--") && line != ":on error exit" && !strings.HasPrefix(line, ":r $("+DirVar+")/") {
			t.Errorf("restore.sql: unexpected line %q", line)
		}
	}
	// The client reads restore.sql's comment lines into the first batch.
	var comments strings.Builder
	for _, line := range strings.SplitAfter(strings.TrimPrefix(master, BOM), "\n") {
		if strings.HasPrefix(line, "--") {
			comments.WriteString(line)
		}
	}
	all := append([]string{comments.String()}, scripts...)
	wantCmds := "ONERROR" + strings.Repeat(" READFILE", len(m.Files))
	check := func(what string, run *sqlcmdRun, eol string) {
		t.Helper()
		for _, e := range run.errs {
			t.Errorf("%s: %s", what, e)
		}
		sameBatches(t, what, run.batches, sentBatches(eol, all...))
		if got := strings.Join(run.cmds, " "); strings.ReplaceAll(got, " GO", "") != wantCmds {
			t.Errorf("%s: commands %.300s, want %s and GO", what, got, wantCmds)
		}
	}
	for _, eol := range []string{"\n", "\r\n"} {
		g := &goSqlcmd{sqlcmdRun: sqlcmdRun{files: sqlcmdFolder(sink.files, dir), vars: map[string]string{strings.ToUpper(DirVar): dir}}, eol: eol}
		g.run(dir + "/" + MasterFile)
		check("go-sqlcmd "+strconvQuote(eol), &g.sqlcmdRun, eol)
	}
	for _, utf8 := range []bool{false, true} {
		o := &odbcSqlcmd{sqlcmdRun: sqlcmdRun{files: sqlcmdFolder(sink.files, dir), vars: map[string]string{strings.ToUpper(DirVar): dir}}, utf8: utf8}
		o.run(dir + "/" + MasterFile)
		check("ODBC sqlcmd", &o.sqlcmdRun, "\n")
	}
	for _, want := range []string{"'C:' + NCHAR(92)", "NCHAR(92) + N'''b' + NCHAR(92)", "usp_Path", "evil"} {
		if !strings.Contains(strings.Join(scripts, ""), want) {
			t.Errorf("the scripts lack %q", want)
		}
	}
	// Each file alone.
	for i, f := range m.Files {
		g := &goSqlcmd{sqlcmdRun: sqlcmdRun{files: sink.files}}
		g.run(f)
		for _, e := range g.errs {
			t.Errorf("go-sqlcmd -i %s: %s", f, e)
		}
		sameBatches(t, "go-sqlcmd -i "+f, g.batches, sentBatches("\n", scripts[i]))
		o := &odbcSqlcmd{sqlcmdRun: sqlcmdRun{files: sink.files}}
		o.run(f)
		for _, e := range o.errs {
			t.Errorf("sqlcmd -i %s: %s", f, e)
		}
		sameBatches(t, "sqlcmd -i "+f, o.batches, sentBatches("\n", scripts[i]))
	}
	// Without -v SqlvaultDir nothing is sent: go-sqlcmd cannot open
	// "$(SqlvaultDir)/schema.sql" and :on error exit stops it; the ODBC
	// sqlcmd stops at the undefined variable.
	g := &goSqlcmd{sqlcmdRun: sqlcmdRun{files: sqlcmdFolder(sink.files, dir)}}
	g.run(dir + "/" + MasterFile)
	o := &odbcSqlcmd{sqlcmdRun: sqlcmdRun{files: sqlcmdFolder(sink.files, dir)}}
	o.run(dir + "/" + MasterFile)
	for _, run := range []*sqlcmdRun{&g.sqlcmdRun, &o.sqlcmdRun} {
		if len(run.batches) != 0 || len(run.errs) == 0 || !strings.Contains(strings.Join(run.errs, "\n"), "'SqlvaultDir' scripting variable not defined.") {
			t.Errorf("without SqlvaultDir: batches %d, errors %q", len(run.batches), run.errs)
		}
	}

	// testdata/mssql/sample.sql, run by the integration test, reads alike.
	b, err := os.ReadFile(filepath.Join("..", "testdata", "mssql", "sample.sql"))
	if err != nil {
		t.Fatal(err)
	}
	g = &goSqlcmd{sqlcmdRun: sqlcmdRun{files: map[string][]byte{"sample.sql": b}}}
	g.run("sample.sql")
	for _, e := range g.errs {
		t.Errorf("sample.sql: %s", e)
	}
	sameBatches(t, "sample.sql", g.batches, sentBatches("\n", string(b)))
}

func strconvQuote(s string) string { return strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(s) }

// encodingCheckFails evaluates the encoding check, the first batch of a
// file as a client decoded it: UNICODE(N'c') <> n for each pair.
func encodingCheckFails(t *testing.T, batch string) bool {
	t.Helper()
	pairs := regexp.MustCompile(`UNICODE\(N'([^']*)'\) <> (\d+)`).FindAllStringSubmatch(batch, -1)
	if len(pairs) != 2 || !strings.Contains(batch, "SET NOEXEC ON;") || !strings.Contains(batch, "RAISERROR (N'sqlvault: this script was not read as UTF-8") {
		t.Fatalf("not the encoding check: %q", batch)
	}
	fails := false
	for _, p := range pairs {
		r, _ := utf8.DecodeRuneInString(p[1])
		if itoa(int64(r)) != p[2] {
			fails = true
		}
	}
	return fails
}

// TestEncodingCheck checks that every file starts with a byte order mark
// and a batch that stops the restore where the client decoded the file in
// another encoding: the ODBC sqlcmd reading a file whose mark was lost
// without -f 65001 fails it; read as UTF-8 it passes.
func TestEncodingCheck(t *testing.T) {
	s := newTestServer(t, nil)
	sink, m := s.scriptMem("sample", s.options("sample"))
	for _, f := range append([]string{MasterFile}, m.Files...) {
		if !strings.HasPrefix(string(sink.files[f]), BOM) {
			t.Errorf("%s does not start with a byte order mark", f)
		}
	}
	for _, f := range m.Files {
		noBOM := strings.TrimPrefix(string(sink.files[f]), BOM)
		for _, c := range []struct {
			utf8 bool
			text string
		}{{false, noBOM}, {false, string(sink.files[f])}, {true, noBOM}} {
			o := &odbcSqlcmd{sqlcmdRun: sqlcmdRun{files: map[string][]byte{f: []byte(c.text)}}, utf8: c.utf8}
			o.run(f)
			want := !c.utf8 && !strings.HasPrefix(c.text, BOM)
			if len(o.batches) == 0 || encodingCheckFails(t, o.batches[0]) != want {
				t.Errorf("%s (BOM %v, -f 65001 %v): the encoding check does not fail = %v", f, strings.HasPrefix(c.text, BOM), c.utf8, want)
			}
		}
	}
}

// TestGoSqlcmdBinary checks the model of go-sqlcmd against the real
// client: when SQLVAULT_TEST_GOSQLCMD names a go-sqlcmd binary (built
// from github.com/microsoft/go-sqlcmd, ./cmd/sqlcmd), it runs restore.sql
// of the sample database with it, as the header says and from another
// working folder, against a TDS server that records every batch it
// receives, and checks that the batches are the model's, in order.
func TestGoSqlcmdBinary(t *testing.T) {
	bin := os.Getenv("SQLVAULT_TEST_GOSQLCMD")
	if bin == "" {
		t.Skip("SQLVAULT_TEST_GOSQLCMD is not set (a go-sqlcmd binary)")
	}
	s := newTestServer(t, nil)
	sink, _ := s.scriptMem("sample", s.options("sample"))
	dir := t.TempDir()
	for name, b := range sink.files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var got []string
	srv := mssqltest.NewServer(mssqltest.HandlerFunc(func(ctx context.Context, q *mssqltest.Request, w mssqltest.ResultWriter) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, q.SQL)
		return nil
	}), mssqltest.WithLogf(t.Logf))
	defer srv.Close()
	host, port, _ := strings.Cut(srv.Addr(), ":")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-S", "tcp:"+host+","+port, "-U", mssqltest.DefaultUser, "-d", "sample", "-N", "disable", "-b",
		"-v", DirVar+"="+dir, "-i", filepath.Join(dir, MasterFile))
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "SQLCMDPASSWORD="+mssqltest.DefaultPassword)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	model := &goSqlcmd{sqlcmdRun: sqlcmdRun{files: sqlcmdFolder(sink.files, dir), vars: map[string]string{strings.ToUpper(DirVar): dir}}}
	model.run(dir + "/" + MasterFile)
	mu.Lock()
	// What the client sends by itself before the script (session set-up)
	// comes first.
	if len(got) < len(model.batches) {
		mu.Unlock()
		t.Fatalf("go-sqlcmd sent %d batches, the model %d:\n%q", len(got), len(model.batches), got)
	}
	pre := got[:len(got)-len(model.batches)]
	t.Logf("go-sqlcmd sent %d batches of its own first: %q; then the script's %d", len(pre), pre, len(model.batches))
	sameBatches(t, "go-sqlcmd binary", got[len(pre):], model.batches)
	mu.Unlock()

	// The master script of format 1 (':r "schema.sql"', run from its
	// folder) fails: go-sqlcmd opens "schema.sql" with the quotes.
	old := filepath.Join(dir, "old.sql")
	if err := os.WriteFile(old, []byte(":on error exit\n:r \"schema.sql\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd = exec.CommandContext(ctx, bin, "-S", "tcp:"+host+","+port, "-U", mssqltest.DefaultUser, "-d", "sample", "-N", "disable", "-b", "-i", old)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SQLCMDPASSWORD="+mssqltest.DefaultPassword)
	out, err = cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), `"schema.sql"`) {
		t.Errorf("go-sqlcmd ran :r \"schema.sql\": %v\n%s", err, out)
	}
	t.Logf("format 1 master script: %v: %s", err, strings.TrimSpace(string(out)))

	// Without -v SqlvaultDir it stops before sending anything.
	mu.Lock()
	sent := len(got)
	mu.Unlock()
	cmd = exec.CommandContext(ctx, bin, "-S", "tcp:"+host+","+port, "-U", mssqltest.DefaultUser, "-d", "sample", "-N", "disable", "-b", "-i", filepath.Join(dir, MasterFile))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SQLCMDPASSWORD="+mssqltest.DefaultPassword)
	out, err = cmd.CombinedOutput()
	mu.Lock()
	if err == nil || !strings.Contains(string(out), "'SqlvaultDir' scripting variable not defined.") || len(got) != sent {
		t.Errorf("go-sqlcmd without -v: %v, %d batches sent\n%s", err, len(got)-sent, out)
	}
	mu.Unlock()
}

// TestLoadCommand checks the command restore prints: the folder given
// with -v and the master script by its full path, and that a path with a
// blank or a quote is flagged.
func TestLoadCommand(t *testing.T) {
	cmd, ok := LoadCommand("/r/sales")
	if cmd != "sqlcmd -S SERVER -d NEWDB -b -v SqlvaultDir=/r/sales -i /r/sales/restore.sql" || !ok {
		t.Errorf("LoadCommand = %q, %v", cmd, ok)
	}
	for _, dir := range []string{"/r/my sales", "/r/it's", `/r/"x"`, "/r/a\tb"} {
		if _, ok := LoadCommand(dir); ok {
			t.Errorf("LoadCommand(%q) is ok", dir)
		}
	}
}
