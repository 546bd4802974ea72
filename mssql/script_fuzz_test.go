package mssql

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzBatch checks that whatever a statement holds, the batch written for
// it cannot be misread by sqlcmd: no "$(", no line that sqlcmd takes for a
// command except the final GO, and go-sqlcmd and the ODBC sqlcmd (their
// models) send it as one batch, its GO seen, holding the lines the
// scripter meant.
func FuzzBatch(f *testing.F) {
	for _, s := range []string{"SELECT 1", "a\nGO\nb", "x $(y)", "a\n:r f\n!!ls\nexit", "N'it''s'\r\ngo 5", "$", "(",
		`SET @p = 'C:\';`, "SELECT 'a\\''b'\n\n, 'c'", "SELECT \"a'b\"\nGO", "/* /* */ 'x */", `[a"b]`, "SELECT 'x\\\n'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, stmt string) {
		if !utf8.ValidString(stmt) {
			return
		}
		out := batch(stmt)
		if !strings.HasSuffix(out, "\nGO\n") {
			t.Fatalf("batch %q does not end with GO", out)
		}
		body := strings.TrimSuffix(out, "GO\n")
		if !sqlcmdSafe(body) {
			t.Fatalf("batch(%q) = %q is not safe for sqlcmd", stmt, out)
		}
		want := sentBatches("\n", out)
		g, o := goSqlcmdText(out), odbcSqlcmdText(out)
		for _, run := range []*sqlcmdRun{&g.sqlcmdRun, &o.sqlcmdRun} {
			if len(run.errs) != 0 || len(run.cmds) != 1 || strings.Join(nonBlank(run.batches), "\x00") != strings.Join(want, "\x00") {
				t.Fatalf("sqlcmd sends batch(%q) = %q as %q (commands %q, errors %q), want %q", stmt, out, run.batches, run.cmds, run.errs, want)
			}
		}
	})
}

// FuzzFileName checks that table file names are safe (no separator, no
// quote, no "$(") and that different names give different files.
func FuzzFileName(f *testing.F) {
	f.Add("dbo", "Orders", "dbo.Orders", "")
	f.Add("a.b", "c", "a", "b.c")
	f.Fuzz(func(t *testing.T, s1, n1, s2, n2 string) {
		a, b := fileName(s1, n1), fileName(s2, n2)
		for _, x := range []string{a, b} {
			if strings.ContainsAny(x, "/\\\"[]$() \x00\n\r") || !utf8.ValidString(x) || len(x) > 210 {
				t.Fatalf("unsafe file name %q", x)
			}
		}
		// Names from the server are valid UTF-8 each; invalid bytes all
		// become U+FFFD, so only valid names must map apart (checking the
		// concatenation is not enough: "\xc9"+"\xb4" is a valid "ɴ").
		valid := utf8.ValidString(s1) && utf8.ValidString(n1) && utf8.ValidString(s2) && utf8.ValidString(n2)
		if a == b && (s1 != s2 || n1 != n2) && len(a) < 180 && valid {
			t.Fatalf("%q.%q and %q.%q both give %q", s1, n1, s2, n2, a)
		}
	})
}

// FuzzComment checks that whatever text a comment holds, it stays on its
// line and inside the comment: no line break or other control character
// but tab, no "$(", no "/*" or "*/".
func FuzzComment(f *testing.F) {
	for _, s := range []string{"[dbo].[t]", "a\r\nDROP TABLE x;\r\nGO", "$(x)", "*/ /* */", "a\u2028b\u0085c", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		line := comment("Table %s", s)
		body := strings.TrimSuffix(line, "\n")
		if strings.IndexFunc(body, litMustEscape) >= 0 || strings.Contains(body, "$(") ||
			strings.Contains(body, "/*") || strings.Contains(body, "*/") || !utf8.ValidString(body) {
			t.Fatalf("comment(%q) = %q", s, line)
		}
	})
}
