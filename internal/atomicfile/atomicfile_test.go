package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWriteFile: the file is replaced with its mode, no temporary file is
// left, and a failed write leaves the old file as it was.
func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "state.json")
	if err := WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	fi, _ := os.Stat(p)
	if err != nil || string(b) != "new" || fi.Mode().Perm() != 0o644 {
		t.Errorf("content %q, mode %v, %v", b, fi.Mode(), err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("files left: %v", ents)
	}
	if err := WriteFile(filepath.Join(dir, "missing", "x"), []byte("x"), 0o600); err == nil {
		t.Error("a write into a missing folder succeeded")
	}
	if b, _ := os.ReadFile(p); string(b) != "new" {
		t.Errorf("content after a failed write elsewhere: %q", b)
	}
}
