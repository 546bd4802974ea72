package snapshot

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
)

// TestBackupLegacyParent: a snapshot written before absolute paths (each
// path at the top by its base name) is still read as it was, and is a
// parent whose unchanged files are not read again.
func TestBackupLegacyParent(t *testing.T) {
	ctx := context.Background()
	r, dir := newRepo(t)
	src, nfiles := makeSource(t)
	sn, err := Backup(ctx, r, []string{src}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The old layout, made from the new: the folder's node at the top.
	n, err := FindNode(ctx, r, sn.Tree, src)
	if err != nil {
		t.Fatal(err)
	}
	root, _, err := SaveTree(ctx, r, &Tree{Nodes: []*Node{n}})
	if err != nil {
		t.Fatal(err)
	}
	old := &Snapshot{Time: baseTime, Tree: root, Paths: []string{src}, Source: SourceFiles, Hostname: "h"}
	if _, err := Save(ctx, r, old); err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	r = reopen(t, dir)
	old, err = Find(ctx, r, old.ID().String())
	if err != nil || old.Layout != "" {
		t.Fatalf("old snapshot: %+v, %v", old, err)
	}
	// ls, dump and restore take its paths as they were.
	if f, err := FindNode(ctx, r, old.Tree, "/src/big.bin"); err != nil || f.Type != TypeFile {
		t.Fatalf("old layout /src/big.bin: %+v, %v", f, err)
	}
	target := t.TempDir()
	if _, err := Restore(ctx, r, old, target, RestoreOptions{Include: []string{"/src/nested"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(target, "src/nested/a/sibling.txt")); err != nil {
		t.Fatalf("old layout restore: %v", err)
	}
	// As a parent: nothing is read again.
	next, err := Backup(ctx, r, []string{src}, Options{Parent: old})
	if err != nil {
		t.Fatal(err)
	}
	if s := next.Summary; s.FilesUnchanged != nfiles || s.BytesRead != 0 || next.Layout != LayoutAbsolute {
		t.Fatalf("with an old-layout parent: %+v (layout %q)", s, next.Layout)
	}
	if f, err := FindNode(ctx, r, next.Tree, src+"/big.bin"); err != nil || f.Type != TypeFile {
		t.Fatalf("new layout: %+v, %v", f, err)
	}
}

// TestBackupExclude: excluded items are left out with what they hold,
// reported through Skipped and counted; the folders above a given path
// are not asked about.
func TestBackupExclude(t *testing.T) {
	ctx := context.Background()
	r, _ := newRepo(t)
	src := filepath.Join(t.TempDir(), "src")
	for _, p := range []string{"keep.txt", "drop.tmp", "sub/keep.txt", "sub/x.tmp", "build/out.bin", "build/deep/y"} {
		writeFile(t, filepath.Join(src, p), []byte(p), 0o644)
	}
	var asked, skipped []string
	sn, err := Backup(ctx, r, []string{src}, Options{
		Exclude: func(p string, fi fs.FileInfo) bool {
			asked = append(asked, p)
			return strings.HasSuffix(p, ".tmp") || (fi.IsDir() && filepath.Base(p) == "build")
		},
		Skipped: func(p, reason string) { skipped = append(skipped, filepath.Base(p)+" "+reason) },
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(skipped)
	if strings.Join(skipped, "|") != "build excluded|drop.tmp excluded|x.tmp excluded" {
		t.Fatalf("skipped %q", skipped)
	}
	if sn.Summary.Excluded != 3 || sn.Summary.FilesNew != 2 {
		t.Fatalf("summary %+v", sn.Summary)
	}
	for _, p := range asked {
		if !strings.HasPrefix(p, src) {
			t.Errorf("asked about %s, above the given path", p)
		}
	}
	var files []string
	if err := Walk(ctx, r, sn.Tree, "/", func(p string, n *Node) error {
		if strings.HasPrefix(p, src+"/") {
			files = append(files, strings.TrimPrefix(p, src+"/"))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(files, "|") != "keep.txt|sub|sub/keep.txt" {
		t.Fatalf("stored %q", files)
	}
}

// TestBackupExcludeCaches: a folder with a valid CACHEDIR.TAG keeps only
// the tag; a tag without the signature changes nothing.
func TestBackupExcludeCaches(t *testing.T) {
	ctx := context.Background()
	r, _ := newRepo(t)
	src := filepath.Join(t.TempDir(), "src")
	tag := []byte(cacheDirSignature + "\n# This file is a cache directory tag.\n")
	writeFile(t, filepath.Join(src, "cache", CacheDirTag), tag, 0o644)
	writeFile(t, filepath.Join(src, "cache", "blob"), []byte("cached"), 0o644)
	writeFile(t, filepath.Join(src, "cache", "sub", "more"), []byte("cached"), 0o644)
	writeFile(t, filepath.Join(src, "fake", CacheDirTag), []byte("Signature: 0000\n"), 0o644)
	writeFile(t, filepath.Join(src, "fake", "data"), []byte("kept"), 0o644)
	for _, on := range []bool{false, true} {
		sn, err := Backup(ctx, r, []string{src}, Options{ExcludeCaches: on})
		if err != nil {
			t.Fatal(err)
		}
		var files []string
		if err := Walk(ctx, r, sn.Tree, "/", func(p string, n *Node) error {
			if n.Type == TypeFile {
				files = append(files, strings.TrimPrefix(p, src+"/"))
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		want, excluded := "cache/CACHEDIR.TAG|cache/blob|cache/sub/more|fake/CACHEDIR.TAG|fake/data", 0
		if on {
			want, excluded = "cache/CACHEDIR.TAG|fake/CACHEDIR.TAG|fake/data", 2
		}
		if strings.Join(files, "|") != want || sn.Summary.Excluded != excluded {
			t.Errorf("ExcludeCaches %v: stored %q, %d excluded; want %q, %d", on, files, sn.Summary.Excluded, want, excluded)
		}
	}
}

// TestBackupOneFileSystem: /dev/shm, another file system below /dev, is
// stored as an empty folder.
func TestBackupOneFileSystem(t *testing.T) {
	dev, shm := devOf(t, "/dev"), devOf(t, "/dev/shm")
	if dev == shm {
		t.Skip("/dev/shm is not a file system of its own here")
	}
	ctx := context.Background()
	r, _ := newRepo(t)
	mark, err := os.MkdirTemp("/dev/shm", "sqlvault-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(mark) })
	for _, one := range []bool{false, true} {
		var skipped []string
		sn, err := Backup(ctx, r, []string{"/dev"}, Options{OneFileSystem: one, Warn: func(string, error) {},
			Skipped: func(p, reason string) { skipped = append(skipped, p+" "+reason) }})
		if err != nil && !strings.Contains(err.Error(), "could not be read") {
			t.Fatal(err)
		}
		n, err := FindNode(ctx, r, sn.Tree, "/dev/shm")
		if err != nil || n.Type != TypeDir {
			t.Fatalf("one file system %v: /dev/shm %+v, %v", one, n, err)
		}
		_, err = FindNode(ctx, r, sn.Tree, mark)
		if one && (err == nil || !strings.Contains(strings.Join(skipped, "|"), "/dev/shm mount point")) {
			t.Errorf("one file system: %s stored (%v), skipped %q", mark, err, skipped)
		}
		if !one && err != nil {
			t.Errorf("all file systems: %s not stored: %v", mark, err)
		}
	}
}

func devOf(t *testing.T, p string) uint64 {
	var st syscall.Stat_t
	if err := syscall.Stat(p, &st); err != nil {
		t.Fatal(err)
	}
	return uint64(st.Dev)
}
