package snapshot

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestRestoreHardLinksWithinRestoredSet: items that were hard links are
// linked again when restored together; a restore that leaves out the first
// one restores the next in full.
func TestRestoreHardLinksWithinRestoredSet(t *testing.T) {
	ctx := context.Background()
	r, _ := newRepo(t)
	src := filepath.Join(t.TempDir(), "src")
	data := randomBytes(t, 20000)
	writeFile(t, filepath.Join(src, "a", "h1"), data, 0o640)
	if err := os.MkdirAll(filepath.Join(src, "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"a/h2", "b/h3"} {
		if err := os.Link(filepath.Join(src, "a", "h1"), filepath.Join(src, p)); err != nil {
			t.Fatal(err)
		}
	}
	sn, err := Backup(ctx, r, []string{src}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ino := func(p string) (uint64, uint64) {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		return st.Ino, uint64(st.Nlink)
	}

	all := filepath.Join(t.TempDir(), "all")
	st, err := Restore(ctx, r, sn, all, RestoreOptions{})
	if err != nil || st.Files != 3 || st.Hardlinks != 2 {
		t.Fatalf("restore: %+v, %v", st, err)
	}
	i1, n1 := ino(filepath.Join(all, src, "a/h1"))
	for _, p := range []string{"a/h2", "b/h3"} {
		if i, n := ino(filepath.Join(all, src, p)); i != i1 || n != 3 || n1 != 3 {
			t.Errorf("%s: inode %d links %d, want %d and 3", p, i, n, i1)
		}
	}

	part := filepath.Join(t.TempDir(), "part")
	st, err = Restore(ctx, r, sn, part, RestoreOptions{Include: []string{src + "/b"}})
	if err != nil || st.Files != 1 || st.Hardlinks != 0 {
		t.Fatalf("restore --include /src/b: %+v, %v", st, err)
	}
	got, err := os.ReadFile(filepath.Join(part, src, "b/h3"))
	if err != nil || string(got) != string(data) {
		t.Fatalf("h3 restored alone: %v", err)
	}
	if _, n := ino(filepath.Join(part, src, "b/h3")); n != 1 {
		t.Errorf("h3 has %d links", n)
	}
}
