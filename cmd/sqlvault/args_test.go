package main

import (
	"io"
	"slices"
	"strings"
	"testing"
)

// TestReorderArgs: flags given after a command's (or a subcommand's)
// arguments are moved before them, global ones before the command, so
// that "schedule install JOB --root DIR" means what it says.
func TestReorderArgs(t *testing.T) {
	app, _ := newApp(strings.NewReader(""), io.Discard, io.Discard)
	for _, tc := range []struct{ in, want string }{
		{"sqlvault schedule install nightly --root /r", "sqlvault schedule install --root /r nightly"},
		{"sqlvault schedule remove a b --user --root=/r", "sqlvault schedule remove --user --root=/r a b"},
		{"sqlvault schedule install nightly --config /c.toml", "sqlvault --config /c.toml schedule install nightly"},
		{"sqlvault ls latest /x -l", "sqlvault ls -l latest /x"},
		{"sqlvault backup /x -- -v", "sqlvault backup /x -- -v"},
	} {
		got := strings.Join(reorderArgs(app, strings.Fields(tc.in)), " ")
		if got != tc.want {
			t.Errorf("%s\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
	if args := strings.Fields("sqlvault schedule"); !slices.Equal(reorderArgs(app, args), args) {
		t.Error("a command without arguments changed")
	}
}
