package main

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// displayPath returns a file name or path as it can be printed on one line:
// unchanged when it is valid UTF-8 without control characters, otherwise as
// a Go string literal ("x\xf5.txt"), which names the exact bytes.
func displayPath(p string) string {
	if utf8.ValidString(p) && strings.IndexFunc(p, unicode.IsControl) < 0 {
		return p
	}
	return strconv.Quote(p)
}

// safeLine escapes what would break a one-line message or garble a
// terminal: bytes that are not UTF-8 become \xNN, control characters Go
// escapes (\n, \t, \x1b).
func safeLine(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteString(`\x` + strconv.FormatUint(uint64(s[0])|0x100, 16)[1:])
		case unicode.IsControl(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[:n])
		}
		s = s[n:]
	}
	return b.String()
}

// displayPaths joins paths for one line, each as displayPath gives it.
func displayPaths(paths []string) string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = displayPath(p)
	}
	return strings.Join(out, " ")
}
