package snapshot

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCountersAndScan: Scan counts what Backup then reads (files and
// bytes, with the excludes and the cache folders left out), the counters
// a backup fills end at its summary's figures, and a second backup counts
// its unchanged files at their size; RestoreSize counts what Restore then
// writes, and the restore's counters end there too.
func TestCountersAndScan(t *testing.T) {
	ctx := context.Background()
	r, _ := newRepo(t)
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "a.bin"), randomBytes(t, 300<<10), 0o644)
	writeFile(t, filepath.Join(src, "sub", "b.txt"), bytes.Repeat([]byte("b"), 1000), 0o644)
	writeFile(t, filepath.Join(src, "sub", "skip.log"), []byte("left out"), 0o644)
	writeFile(t, filepath.Join(src, "cache", CacheDirTag), []byte(cacheDirSignature), 0o644)
	writeFile(t, filepath.Join(src, "cache", "junk"), bytes.Repeat([]byte("j"), 5000), 0o644)
	if err := os.Symlink("a.bin", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	opts := Options{ExcludeCaches: true,
		Exclude: func(p string, _ fs.FileInfo) bool { return strings.HasSuffix(p, ".log") }}
	want := int64(300<<10 + 1000 + len(cacheDirSignature))

	var scanned Counters
	if err := Scan(ctx, []string{src, filepath.Join(src, "sub")}, opts, &scanned); err != nil {
		t.Fatal(err)
	}
	if f, b, ok := scanned.TotalFiles.Load(), scanned.TotalBytes.Load(), scanned.Totaled.Load(); f != 3 || b != want || !ok {
		t.Fatalf("Scan: %d files, %d bytes, done %v; want 3, %d, true", f, b, ok, want)
	}

	var c Counters
	opts.Counters = &c
	sn, err := Backup(ctx, r, []string{src}, opts)
	if err != nil {
		t.Fatal(err)
	}
	s := sn.Summary
	if f, b, a := c.Files.Load(), c.Bytes.Load(), c.BytesAdded.Load(); f != 3 || b != want || a != s.BytesAdded || b != s.BytesRead {
		t.Errorf("counters: %d files, %d bytes, %d added; want 3, %d (read %d), %d added", f, b, a, want, s.BytesRead, s.BytesAdded)
	}
	if !strings.HasPrefix(c.Current(), src) {
		t.Errorf("current file %q: not below %s", c.Current(), src)
	}

	var again Counters
	opts.Counters, opts.Parent = &again, sn
	sn2, err := Backup(ctx, r, []string{src}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if f, b := again.Files.Load(), again.Bytes.Load(); f != 3 || b != want || sn2.Summary.FilesUnchanged != 3 || sn2.Summary.BytesRead != 0 {
		t.Errorf("unchanged: %d files, %d bytes (%d unchanged, %d read); want 3, %d", f, b, sn2.Summary.FilesUnchanged, sn2.Summary.BytesRead, want)
	}

	for _, include := range [][]string{nil, {src + "/sub"}} {
		files, size, err := RestoreSize(ctx, r, sn, RestoreOptions{Include: include})
		if err != nil {
			t.Fatal(err)
		}
		var rc Counters
		st, err := Restore(ctx, r, sn, t.TempDir(), RestoreOptions{Include: include, Counters: &rc})
		if err != nil {
			t.Fatal(err)
		}
		if files != int64(st.Files) || size != st.Bytes || rc.Files.Load() != files || rc.Bytes.Load() != size || files == 0 {
			t.Errorf("include %v: RestoreSize %d files, %d bytes; restored %d, %d; counted %d, %d",
				include, files, size, st.Files, st.Bytes, rc.Files.Load(), rc.Bytes.Load())
		}
	}
}

// TestScanCancel: a scan stops when its context is done and leaves the
// total unfinished.
func TestScanCancel(t *testing.T) {
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "f"), []byte("x"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var c Counters
	if err := Scan(ctx, []string{src}, Options{}, &c); err == nil || c.Totaled.Load() {
		t.Fatalf("Scan after cancel: %v, totaled %v", err, c.Totaled.Load())
	}
}
