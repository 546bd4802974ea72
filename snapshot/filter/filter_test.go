package filter

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		fold    bool
		path    string
		want    bool
	}{
		{"*.tmp", false, "/home/ann/x.tmp", true},
		{"*.tmp", false, "/x.tmp", true},
		{"*.tmp", false, "/home/ann/x.tmp.keep", false},
		{"*.tmp", false, "/home/a.tmp/x", false}, // the folder itself matches, not what is in it
		{"cache", false, "/home/ann/cache", true},
		{"cache", false, "/home/ann/cache2", false},
		{"ann/cache", false, "/home/ann/cache", true},
		{"ann/cache", false, "/home/bob/cache", false},
		{"/home/ann", false, "/home/ann", true},
		{"/home/ann", false, "/srv/home/ann", false},
		{"/home/ann", false, "/home/ann/x", false},
		{"/home/*/cache", false, "/home/ann/cache", true},
		{"/home/*/cache", false, "/home/ann/x/cache", false},
		{"/home/**/cache", false, "/home/ann/x/cache", true},
		{"/home/**/cache", false, "/home/cache", true},
		{"/home/**", false, "/home/ann/x", true},
		{"/home/**", false, "/home", true},
		{"/home/**", false, "/srv", false},
		{"**/node_modules", false, "/a/b/node_modules", true},
		{"a/**/b", false, "/x/a/b", true},
		{"a/**/b", false, "/x/a/1/2/b", true},
		{"a/**/b", false, "/x/a/1/2/c", false},
		{"/", false, "/", true},
		{"/", false, "/a", false},
		{"x?", false, "/d/xy", true},
		{"x[0-9]", false, "/d/x7", true},
		{"x[0-9]", false, "/d/xa", false},
		{`\*`, false, "/d/*", true},
		{`\*`, false, "/d/a", false},
		{"*.JPG", false, "/p/a.jpg", false},
		{"*.JPG", true, "/p/a.jpg", true},
		{"*.jpg", true, "/p/A.JPG", true},
		{"/Home/ANN", true, "/home/ann", true},
		{"docs/", false, "/a/docs", true}, // cleaned: a trailing slash means nothing
		{"./docs", false, "/a/docs", true},
		{"**/**/x", false, "/x", true},
	} {
		p, err := Parse(tc.pattern, tc.fold)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.pattern, err)
		}
		if got := p.Match(tc.path); got != tc.want {
			t.Errorf("%q (fold %v) on %q: got %v, want %v", tc.pattern, tc.fold, tc.path, got, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ pattern, want string }{
		{"", "empty pattern"},
		{"  ", "empty pattern"},
		{"a/[x", `pattern "a/[x": syntax error in pattern`},
		{`x\`, `pattern "x\\": syntax error in pattern`},
	} {
		_, err := Parse(tc.pattern, false)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Parse(%q): got %v, want %q", tc.pattern, err, tc.want)
		}
	}
}

func TestList(t *testing.T) {
	var l List
	if l.Match("/a") {
		t.Fatal("an empty list matches")
	}
	if err := l.Add([]string{"*.o", "/srv/tmp"}, false); err != nil {
		t.Fatal(err)
	}
	if err := l.Add([]string{"*.BAK"}, true); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{"/src/a.o": true, "/srv/tmp": true, "/x/srv/tmp": false, "/a/b.bak": true, "/a/b.c": false} {
		if got := l.Match(p); got != want {
			t.Errorf("%s: got %v, want %v", p, got, want)
		}
	}
	if err := l.Add([]string{"ok", "[", "never"}, false); err == nil || !strings.Contains(err.Error(), `pattern "["`) {
		t.Fatalf("bad pattern: %v", err)
	}
}

func TestReadLines(t *testing.T) {
	in := "# comment\n*.tmp\r\n\n  /srv/cache  \n   # indented comment\nname with blank \n"
	got, err := ReadLines(strings.NewReader(in), false)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"*.tmp", "/srv/cache", "name with blank"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("patterns: got %q, want %q", got, want)
	}
	got, err = ReadLines(strings.NewReader(in), true)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"*.tmp", "  /srv/cache  ", "name with blank "}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("paths: got %q, want %q", got, want)
	}
}

// refMatch is restic's algorithm: expand each "**" into zero or more "*"
// components, then match the pattern against the path's last components
// (anchored: all of them).
func refMatch(parts []string, anchored bool, comps []string) bool {
	for i, p := range parts {
		if p == "**" {
			for k := 0; k <= len(comps); k++ {
				exp := append(append(append([]string{}, parts[:i]...), repeat("*", k)...), parts[i+1:]...)
				if refMatch(exp, anchored, comps) {
					return true
				}
			}
			return false
		}
	}
	if len(parts) > len(comps) || (len(parts) == 0 && !anchored) {
		return false
	}
	if anchored && len(parts) != len(comps) {
		return false
	}
	off := len(comps) - len(parts)
	for i, p := range parts {
		if ok, _ := filepath.Match(p, comps[off+i]); !ok {
			return false
		}
	}
	return true
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// FuzzMatch checks the matcher against restic's expansion algorithm and
// that it never panics, whatever the pattern and path.
func FuzzMatch(f *testing.F) {
	f.Add("*.tmp", "/home/ann/x.tmp", false)
	f.Add("/home/**/cache", "/home/a/b/cache", false)
	f.Add("a/**/b/**", "/x/a/b/c", true)
	f.Add("[a-", "/a", false)
	f.Add("**", "/", false)
	f.Fuzz(func(t *testing.T, pattern, path string, fold bool) {
		p, err := Parse(pattern, fold)
		if err != nil {
			return
		}
		if len(p.parts) > 6 || strings.Count(pattern, "**") > 3 || strings.Count(path, "/") > 6 {
			return // keep the exponential reference quick
		}
		path = filepath.Clean("/" + path)
		got := p.Match(path)
		if fold {
			path = strings.ToLower(path)
		}
		if want := refMatch(p.parts, p.anchored, splitPath(path)); got != want {
			t.Fatalf("%q on %q (fold %v): got %v, reference %v", pattern, path, fold, got, want)
		}
	})
}
