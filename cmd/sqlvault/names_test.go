package main

import "testing"

func TestDisplayPathAndSafeLine(t *testing.T) {
	for in, want := range map[string]string{"/a/b.txt": "/a/b.txt", "/x😀": "/x😀", "/x\xf5.txt": `"/x\xf5.txt"`, "a\nb": `"a\nb"`} {
		if got := displayPath(in); got != want {
			t.Errorf("displayPath(%q) = %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]string{"plain ü": "plain ü", "open /x\xf5\xff: denied": `open /x\xf5\xff: denied`, "a\tb\x1b": `a\tb\x1b`} {
		if got := safeLine(in); got != want {
			t.Errorf("safeLine(%q) = %s, want %s", in, got, want)
		}
	}
}
