package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	var a, b, errb bytes.Buffer
	if err := run([]string{"-rows", "2000", "-day", "2", "-seed", "9"}, &a, &errb); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "d.sql")
	if err := run([]string{"-rows=2000", "-day=2", "-seed=9", "-o", out, "-stats"}, &b, &errb); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if b.Len() != 0 || !bytes.Equal(a.Bytes(), got) {
		t.Error("-o output differs from standard output")
	}
	if !strings.Contains(errb.String(), "rows0=2000 day=2") {
		t.Errorf("-stats printed %q", errb.String())
	}
	var s bytes.Buffer
	if err := run([]string{"-size", "2M"}, &s, &errb); err != nil {
		t.Fatal(err)
	}
	if s.Len() < 1_900_000 || s.Len() > 2_100_000 {
		t.Errorf("-size 2M wrote %d bytes", s.Len())
	}
}

func TestRunErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-rows", "10", "-size", "1M"},
		{"-size", "lots"},
		{"-rows", "10", "-update", "2"},
		{"-rows", "10", "-day", "-1"},
		{"-rows", "10", "extra"},
		{"-bogus"},
	} {
		var out, errb bytes.Buffer
		if err := run(args, &out, &errb); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}
