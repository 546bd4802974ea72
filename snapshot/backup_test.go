package snapshot

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/backend/local"
	"github.com/sqlvault/sqlvault/repo"
)

var baseTime = time.Date(2024, 3, 10, 12, 30, 45, 123456789, time.UTC)

// makeSource builds a folder with every kind of item the archiver handles
// and returns its path and the number of regular files in it.
func makeSource(t *testing.T) (string, int) {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src")
	files := map[string]struct {
		data []byte
		mode fs.FileMode
	}{
		"empty.txt":                 {nil, 0o640},
		"big.bin":                   {randomBytes(t, 400<<10), 0o600},
		"Zoë ünïcode – ✓.txt":       {[]byte("unicode name\n"), 0o644},
		"with space.sql":            {[]byte("SELECT 1;\r\nGO\r\n"), 0o644},
		"run.sh":                    {[]byte("#!/bin/sh\necho hi\n"), 0o755},
		"日本語/ファイル.txt":              {[]byte("こんにちは"), 0o644},
		"nested/a/b/c/deep.txt":     {bytes.Repeat([]byte("deep "), 5000), 0o644},
		"nested/a/sibling.txt":      {[]byte("s"), 0o444},
		"nested/setgid-dir/x.txt":   {[]byte("x"), 0o644},
		"nested/a/b/c/d/e/f/g.json": {[]byte(`{"a":1}`), 0o600},
	}
	for name, f := range files {
		writeFile(t, filepath.Join(src, name), f.data, f.mode)
	}
	if err := os.Symlink("big.bin", filepath.Join(src, "link to big")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/nonexistent/target dangling", filepath.Join(src, "nested", "dangling")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(src, "empty dir"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(src, "nested", "setgid-dir"), 0o750|fs.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(src, "nested", "a"), 0o750); err != nil {
		t.Fatal(err)
	}
	// Distinct nanosecond times, set deepest first so that folders keep theirs.
	var paths []string
	filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		paths = append(paths, p)
		return err
	})
	sort.Slice(paths, func(i, j int) bool { return len(paths[i]) > len(paths[j]) })
	for i, p := range paths {
		setMtime(t, p, baseTime.Add(time.Duration(i)*time.Hour+time.Duration(i*7919)))
	}
	return src, len(files)
}

func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	r, dir := newRepo(t)
	src, nfiles := makeSource(t)
	single := filepath.Join(t.TempDir(), "single file.txt")
	writeFile(t, single, []byte("a file given by itself"), 0o600)
	setMtime(t, single, baseTime)

	var warned []string
	sn, err := Backup(ctx, r, []string{src, single}, Options{
		Hostname: "db-host", Tags: []string{"daily"}, Time: baseTime, Program: "sqlvault test",
		Warn: func(p string, err error) { warned = append(warned, p+": "+err.Error()) },
	})
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if len(warned) != 0 {
		t.Fatalf("warnings: %v", warned)
	}
	s := sn.Summary
	if s.FilesNew != nfiles+1 || s.FilesChanged != 0 || s.FilesUnchanged != 0 || s.Errors != 0 || s.Incomplete {
		t.Fatalf("summary %+v, want %d new files", s, nfiles+1)
	}
	// src, 日本語, nested, a, b, c, d, e, f, setgid-dir, empty dir, and the
	// folders above src and the single file.
	dirs := 11 + len(ancestors(src, single))
	if s.Dirs != dirs {
		t.Fatalf("summary counted %d folders, want %d", s.Dirs, dirs)
	}
	var total int64
	for _, st := range scan(t, src) {
		if st.mode.IsRegular() {
			total += int64(len(st.data))
		}
	}
	total += int64(len("a file given by itself"))
	if s.BytesRead != total || s.BytesTotal != total {
		t.Fatalf("BytesRead %d, BytesTotal %d, want %d", s.BytesRead, s.BytesTotal, total)
	}
	if s.BlobsAdded == 0 || s.BytesAdded == 0 || s.End.Before(s.Start) {
		t.Fatalf("summary %+v", s)
	}

	// The stored manifest.
	r2 := reopen(t, dir)
	got, err := Find(ctx, r2, "latest")
	if err != nil {
		t.Fatal(err)
	}
	absSingle, _ := filepath.Abs(single)
	wantPaths := []string{src, absSingle}
	sort.Strings(wantPaths)
	if got.ID() != sn.ID() || !got.Time.Equal(baseTime) || got.Hostname != "db-host" || got.Source != SourceFiles ||
		got.Program != "sqlvault test" || strings.Join(got.Tags, ",") != "daily" || strings.Join(got.Paths, "|") != strings.Join(wantPaths, "|") ||
		got.Parent != nil || got.Tree != sn.Tree || got.Summary.FilesNew != nfiles+1 {
		t.Fatalf("loaded snapshot %+v", got)
	}

	target := filepath.Join(t.TempDir(), "restore")
	var progress []string
	st, err := Restore(ctx, r2, got, target, RestoreOptions{Progress: func(p string, _ int64) { progress = append(progress, p) }})
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if st.Files != nfiles+1 || st.Dirs != dirs || st.Symlinks != 2 || st.Bytes != total {
		t.Fatalf("restore stats %+v", st)
	}
	if len(progress) != nfiles+1 || !contains(progress, src+"/big.bin") {
		t.Fatalf("progress %v", progress)
	}
	// Each path is restored at its absolute place below the target.
	compareTrees(t, src, filepath.Join(target, src))
	b, err := os.ReadFile(filepath.Join(target, absSingle))
	if err != nil || string(b) != "a file given by itself" {
		t.Fatalf("single file: %q, %v", b, err)
	}
	fi, _ := os.Stat(filepath.Join(target, absSingle))
	if !fi.ModTime().Equal(baseTime) || fi.Mode().Perm() != 0o600 {
		t.Fatalf("single file: mtime %v, mode %v", fi.ModTime(), fi.Mode())
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestBackupTreeNodes(t *testing.T) {
	ctx := context.Background()
	r, _ := newRepo(t)
	src, _ := makeSource(t)
	sn, err := Backup(ctx, r, []string{src}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	big, err := FindNode(ctx, r, sn.Tree, src+"/big.bin")
	if err != nil {
		t.Fatal(err)
	}
	if big.Type != TypeFile || big.Size != 400<<10 || big.Mode != 0o600 || len(big.Content) < 400/64 || big.Inode == 0 || big.ChangeTime.IsZero() {
		t.Fatalf("big.bin node %+v", big)
	}
	fi, _ := os.Stat(filepath.Join(src, "big.bin"))
	if !big.ModTime.Equal(fi.ModTime()) {
		t.Fatalf("mtime %v, want %v", big.ModTime, fi.ModTime())
	}
	link, err := FindNode(ctx, r, sn.Tree, src[1:]+"/link to big") // a relative path is taken from the root
	if err != nil || link.Type != TypeSymlink || link.LinkTarget != "big.bin" || link.Content != nil {
		t.Fatalf("symlink node %+v, %v", link, err)
	}
	dirNode, err := FindNode(ctx, r, sn.Tree, src+"/nested/setgid-dir/")
	if err != nil || dirNode.Type != TypeDir || dirNode.Subtree == nil || dirNode.Mode != 0o750|fs.ModeSetgid {
		t.Fatalf("setgid dir node %+v, %v", dirNode, err)
	}
	// Trees are sorted by name.
	srcNode, err := FindNode(ctx, r, sn.Tree, src)
	if err != nil {
		t.Fatal(err)
	}
	srcTree, err := LoadTree(ctx, r, *srcNode.Subtree)
	if err != nil {
		t.Fatal(err)
	}
	if !sort.SliceIsSorted(srcTree.Nodes, func(i, j int) bool { return srcTree.Nodes[i].Name < srcTree.Nodes[j].Name }) {
		t.Fatal("tree nodes are not sorted")
	}
	// Walk visits everything in depth-first name order.
	var walked []string
	err = Walk(ctx, r, sn.Tree, "/", func(p string, n *Node) error {
		walked = append(walked, p)
		if p == src+"/nested" {
			return fs.SkipDir
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if walked[0] != ancestors(src)[0] || !contains(walked, src) || !contains(walked, src+"/日本語/ファイル.txt") || contains(walked, src+"/nested/a") || !contains(walked, src+"/nested") {
		t.Fatalf("walked %v", walked)
	}
	if !sort.StringsAreSorted(walked[1:]) {
		t.Fatalf("walk order %v", walked)
	}
}

func TestFindNodeErrors(t *testing.T) {
	ctx := context.Background()
	r, _ := newRepo(t)
	src, _ := makeSource(t)
	sn, err := Backup(ctx, r, []string{src}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	root, err := FindNode(ctx, r, sn.Tree, "/")
	if err != nil || root.Type != TypeDir || *root.Subtree != sn.Tree || root.Name != "" {
		t.Fatalf("root node %+v, %v", root, err)
	}
	for _, p := range []string{"", ".", "/.."} {
		if n, err := FindNode(ctx, r, sn.Tree, p); err != nil || *n.Subtree != sn.Tree {
			t.Errorf("FindNode(%q) = %+v, %v; want the root", p, n, err)
		}
	}
	for p, want := range map[string]string{
		"/nope":                                 `path "/nope" not found in snapshot`,
		"/src":                                  `path "/src" not found in snapshot`, // the layout before absolute paths
		src + "/nope.txt":                       `path "` + src + `/nope.txt" not found in snapshot`,
		src + "/nested/a/b/c/x":                 `path "` + src + `/nested/a/b/c/x" not found in snapshot`,
		src + "/big.bin/inside":                 `path "` + src + `/big.bin/inside" not found in snapshot: "big.bin" is not a directory`,
		src + "/link to big/x":                  `"link to big" is not a directory`,
		filepath.Join(filepath.Dir(src), "SRC"): `not found`,
		src + "/empty dir/any thing":            `path "` + src + `/empty dir/any thing" not found in snapshot`,
	} {
		n, err := FindNode(ctx, r, sn.Tree, p)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("FindNode(%q) = %+v, %v; want %q", p, n, err, want)
		}
	}
	if _, err := FindNode(ctx, r, repo.Hash([]byte("no tree")), "/x"); !isMissingBlob(err, repo.Hash([]byte("no tree"))) {
		t.Errorf("FindNode in a missing tree: %v", err)
	}
}

func TestBackupWithParentSkipsUnchangedFiles(t *testing.T) {
	ctx := context.Background()
	r, dir := newRepo(t)
	src, nfiles := makeSource(t)
	sn1, err := Backup(ctx, r, []string{src}, Options{Time: baseTime})
	if err != nil {
		t.Fatal(err)
	}
	// A later run opens the repository afresh and finds its parent.
	r2 := reopen(t, dir)
	parent, err := Find(ctx, r2, "latest")
	if err != nil {
		t.Fatal(err)
	}
	unchangedCalls := 0
	sn2, err := Backup(ctx, r2, []string{src}, Options{Parent: parent, Time: baseTime.Add(time.Hour), Progress: func(_ string, _ int64, unchanged bool) {
		if unchanged {
			unchangedCalls++
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	s := sn2.Summary
	if s.FilesUnchanged != nfiles || s.FilesNew != 0 || s.FilesChanged != 0 || unchangedCalls != nfiles {
		t.Fatalf("summary %+v, progress reported %d unchanged; want %d unchanged", s, unchangedCalls, nfiles)
	}
	// The folders above src (the test's temporary folders) may have new
	// times: at most their small trees are new.
	if s.BytesRead != 0 || s.BlobsAdded != 0 || s.BytesAdded > 512*int64(len(ancestors(src))) {
		t.Fatalf("unchanged tree: read %d bytes, added %d blobs / %d bytes", s.BytesRead, s.BlobsAdded, s.BytesAdded)
	}
	if s.BytesTotal != sn1.Summary.BytesTotal {
		t.Fatalf("BytesTotal %d, first backup %d", s.BytesTotal, sn1.Summary.BytesTotal)
	}
	n1, err1 := FindNode(ctx, r2, sn1.Tree, src)
	n2, err2 := FindNode(ctx, r2, sn2.Tree, src)
	if err1 != nil || err2 != nil || *n1.Subtree != *n2.Subtree {
		t.Fatalf("an unchanged folder gave another tree (%v, %v)", err1, err2)
	}
	if sn2.Parent == nil || *sn2.Parent != sn1.ID() {
		t.Fatalf("parent %v, want %v", sn2.Parent, sn1.ID())
	}

	// Change one file (size and time), add one.
	changed := filepath.Join(src, "nested", "a", "sibling.txt")
	writeFile(t, changed, []byte("changed content"), 0o444)
	writeFile(t, filepath.Join(src, "nested", "new.txt"), []byte("new"), 0o644)
	sn3, err := Backup(ctx, r2, []string{src}, Options{Parent: sn2})
	if err != nil {
		t.Fatal(err)
	}
	s = sn3.Summary
	if s.FilesChanged != 1 || s.FilesNew != 1 || s.FilesUnchanged != nfiles-1 || s.BytesRead != int64(len("changed content")+len("new")) {
		t.Fatalf("after a change: summary %+v", s)
	}
	n, err := FindNode(ctx, r2, sn3.Tree, src+"/nested/a/sibling.txt")
	if err != nil {
		t.Fatal(err)
	}
	if got := contentOf(t, r2, n.Content); string(got) != "changed content" {
		t.Fatalf("changed file content %q", got)
	}
	// Same size, only the time changed: the file is read again.
	big := filepath.Join(src, "big.bin")
	setMtime(t, big, baseTime.Add(-time.Hour))
	sn4, err := Backup(ctx, r2, []string{src}, Options{Parent: sn3})
	if err != nil {
		t.Fatal(err)
	}
	if sn4.Summary.FilesChanged != 1 || sn4.Summary.BytesRead != 400<<10 || sn4.Summary.BlobsAdded != 0 {
		t.Fatalf("after touching big.bin: summary %+v", sn4.Summary)
	}
}

// TestBackupSameBaseName: two paths with the same base name (before
// absolute paths they collided) are both kept, each at its place.
func TestBackupSameBaseName(t *testing.T) {
	ctx := context.Background()
	r, _ := newRepo(t)
	a := filepath.Join(t.TempDir(), "same")
	b := filepath.Join(t.TempDir(), "same")
	writeFile(t, filepath.Join(a, "x"), []byte("a"), 0o600)
	writeFile(t, b, []byte("b"), 0o600)
	sn, err := Backup(ctx, r, []string{a, b, a + "/", a + "/x"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{a, a + "/x", b}; strings.Join(sn.Paths, "|") != strings.Join(want, "|") || sn.Layout != LayoutAbsolute {
		t.Fatalf("paths %q (layout %q), want %q", sn.Paths, sn.Layout, want)
	}
	if sn.Summary.FilesNew != 2 { // a/x given again adds nothing
		t.Fatalf("summary %+v", sn.Summary)
	}
	target := t.TempDir()
	if _, err := Restore(ctx, r, sn, target, RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{filepath.Join(a, "x"): "a", b: "b"} {
		if got, err := os.ReadFile(filepath.Join(target, p)); err != nil || string(got) != want {
			t.Errorf("%s: %q, %v; want %q", p, got, err, want)
		}
	}
}

// TestSourceDir: the folders on the way to the given paths; a path inside
// another adds nothing, and "/" covers everything.
func TestSourceDir(t *testing.T) {
	var d sourceDir
	for _, p := range []string{"/a/b/c", "/a/b", "/a/b/d", "/a/bb", "/x"} {
		d.add(p)
	}
	if len(d.dirs) != 2 || d.source || !d.dirs["a"].dirs["b"].source || d.dirs["a"].dirs["b"].dirs != nil || !d.dirs["a"].dirs["bb"].source || !d.dirs["x"].source {
		t.Fatalf("tree %+v", d)
	}
	d.add("/")
	if !d.source || d.dirs != nil {
		t.Fatalf("after /: %+v", d)
	}
	d.add("/y")
	if d.dirs != nil {
		t.Fatalf("a path after / was added: %+v", d)
	}
}

func TestBackupMissingPathIsIncomplete(t *testing.T) {
	ctx := context.Background()
	r, _ := newRepo(t)
	good := filepath.Join(t.TempDir(), "good.txt")
	writeFile(t, good, []byte("good"), 0o600)
	missing := filepath.Join(t.TempDir(), "missing.txt")
	var warned []string
	sn, err := Backup(ctx, r, []string{good, missing}, Options{Warn: func(p string, err error) { warned = append(warned, p) }})
	if !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), "(1 ") {
		t.Fatalf("err = %v, want ErrIncomplete", err)
	}
	if sn == nil || !sn.Summary.Incomplete || sn.Summary.Errors != 1 || sn.Summary.FilesNew != 1 {
		t.Fatalf("snapshot %+v", sn)
	}
	if len(warned) != 1 || warned[0] != missing {
		t.Fatalf("warnings %v", warned)
	}
	sns := mustLoadAllSnapshots(t, r)
	if len(sns) != 1 || !sns[0].Summary.Incomplete {
		t.Fatalf("stored snapshots %v", sns)
	}
	if n, err := FindNode(ctx, r, sn.Tree, good); err != nil || n.Type != TypeFile {
		t.Fatalf("good.txt: %+v, %v", n, err)
	}
	if _, err := FindNode(ctx, r, sn.Tree, missing); err == nil {
		t.Fatal("the missing file is in the snapshot")
	}
}

// TestBackupSpecialFiles: a FIFO is stored as such; a socket is left out
// through Options.Skipped, without a warning and without making the backup
// incomplete.
func TestBackupSpecialFiles(t *testing.T) {
	ctx := context.Background()
	r, _ := newRepo(t)
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "f"), []byte("f"), 0o600)
	fifo := filepath.Join(src, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	sock := filepath.Join(src, "sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("unix socket: %v", err)
	}
	defer ln.Close()
	var warned, skipped []string
	sn, err := Backup(ctx, r, []string{src}, Options{
		Warn:    func(p string, err error) { warned = append(warned, p+": "+err.Error()) },
		Skipped: func(p, why string) { skipped = append(skipped, p+": "+why) },
	})
	if err != nil || len(warned) != 0 {
		t.Fatalf("err = %v, warnings %v", err, warned)
	}
	if len(skipped) != 1 || skipped[0] != sock+": socket" {
		t.Fatalf("skipped %v", skipped)
	}
	if n, err := FindNode(ctx, r, sn.Tree, src+"/fifo"); err != nil || n.Type != TypeFIFO || n.Mode != 0o600 {
		t.Fatalf("fifo: %+v, %v", n, err)
	}
	if _, err := FindNode(ctx, r, sn.Tree, src+"/sock"); err == nil {
		t.Fatal("socket stored")
	}
}

func TestRestoreInclude(t *testing.T) {
	ctx := context.Background()
	r, _ := newRepo(t)
	src, _ := makeSource(t)
	sn, err := Backup(ctx, r, []string{src}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	restored := func(include ...string) map[string]fileState {
		t.Helper()
		target := filepath.Join(t.TempDir(), "t")
		if _, err := Restore(ctx, r, sn, target, RestoreOptions{Include: include}); err != nil {
			t.Fatalf("Restore %v: %v", include, err)
		}
		// Keys "src/…": relative to the folder above src.
		got := map[string]fileState{}
		if _, err := os.Stat(filepath.Join(target, src)); err == nil {
			got = scan(t, filepath.Join(target, filepath.Dir(src)))
		}
		delete(got, ".")
		return got
	}
	onlyFiles := func(m map[string]fileState) []string {
		var out []string
		for _, k := range sortedKeys(m) {
			if !m[k].mode.IsDir() {
				out = append(out, k)
			}
		}
		return out
	}
	got := restored(src+"/nested/a/b/c/*.txt", src+"/run.sh")
	if files := onlyFiles(got); strings.Join(files, "|") != "src/nested/a/b/c/deep.txt|src/run.sh" {
		t.Fatalf("include *.txt in c and run.sh: restored %v", files)
	}
	if got["src/run.sh"].mode.Perm() != 0o755 || got["src/nested/a/b/c/deep.txt"].data != strings.Repeat("deep ", 5000) {
		t.Fatal("included files restored wrongly")
	}
	if _, ok := got["src/nested/a/b/c/d"]; ok {
		t.Fatal("a folder not on the way to a match was created")
	}
	// A matching folder brings all its content.
	got = restored(src + "/nested/a")
	want := []string{"src/nested/a/b/c/d/e/f/g.json", "src/nested/a/b/c/deep.txt", "src/nested/a/sibling.txt"}
	if files := onlyFiles(got); strings.Join(files, "|") != strings.Join(want, "|") {
		t.Fatalf("include /src/nested/a: restored %v, want %v", files, want)
	}
	// Wildcards in folder names, Unicode and spaces in patterns.
	got = restored(src+"/*/ファイル.txt", src+"/with space.sql")
	if files := onlyFiles(got); strings.Join(files, "|") != "src/with space.sql|src/日本語/ファイル.txt" {
		t.Fatalf("unicode patterns: restored %v", files)
	}
	// Symlinks match like files.
	got = restored(src + "/link to big")
	if files := onlyFiles(got); len(files) != 1 || got["src/link to big"].target != "big.bin" {
		t.Fatalf("symlink include: %v", files)
	}
	// A pattern that matches nothing restores no file.
	if files := onlyFiles(restored("/nothing/*")); len(files) != 0 {
		t.Fatalf("non-matching pattern restored %v", files)
	}
	if _, err := Restore(ctx, r, sn, t.TempDir(), RestoreOptions{Include: []string{src + "/["}}); err == nil || !strings.Contains(err.Error(), `invalid --include pattern "`+src+`/["`) {
		t.Fatalf("bad pattern: err = %v", err)
	}
}

func TestRestoreDamagedTree(t *testing.T) {
	ctx := context.Background()
	r, _ := newRepo(t)
	sn := &Snapshot{Tree: repo.Hash([]byte("not a tree"))}
	_, err := Restore(ctx, r, sn, t.TempDir(), RestoreOptions{})
	if !errors.Is(err, ErrDamaged) || !isMissingBlob(err, sn.Tree) {
		t.Fatalf("err = %v, want ErrDamaged", err)
	}
}

func TestBackupStream(t *testing.T) {
	ctx := context.Background()
	r, dir := newRepo(t)
	data := bytes.Repeat([]byte("INSERT INTO [t] VALUES (N'x');\nGO\n"), 30000)
	sn, err := BackupStream(ctx, r, "db.sql", SourceCommand, bytes.NewReader(data), Options{Tags: []string{"mssql"}})
	if err != nil {
		t.Fatal(err)
	}
	if sn.Source != SourceCommand || strings.Join(sn.Paths, ",") != "db.sql" || sn.Summary.BytesRead != int64(len(data)) || sn.Summary.FilesNew != 1 {
		t.Fatalf("snapshot %+v, summary %+v", sn, sn.Summary)
	}
	r2 := reopen(t, dir)
	n, err := FindNode(ctx, r2, sn.Tree, "db.sql")
	if err != nil {
		t.Fatal(err)
	}
	if n.Type != TypeFile || n.Size != uint64(len(data)) || n.Mode != 0o600 {
		t.Fatalf("node %+v", n)
	}
	if got := contentOf(t, r2, n.Content); !bytes.Equal(got, data) {
		t.Fatal("stream content differs")
	}
	if _, err := BackupStream(ctx, r, "a/b.sql", SourceStdin, strings.NewReader("x"), Options{}); err == nil || !strings.Contains(err.Error(), `invalid file name "a/b.sql"`) {
		t.Fatalf("name with a slash: err = %v", err)
	}
	_, err = BackupStream(ctx, r, "x.sql", SourceStdin, &brokenReader{n: 10}, Options{})
	if err == nil || !strings.Contains(err.Error(), "read stdin: pipe broke") {
		t.Fatalf("broken stream: err = %v", err)
	}
	if sns := mustLoadAllSnapshots(t, r2); len(sns) != 1 {
		t.Fatalf("%d snapshots, want 1", len(sns))
	}
}

func TestBackupStreamBeforeCommitError(t *testing.T) {
	ctx := context.Background()
	r, dir := newRepo(t)
	commandFailed := errors.New("sqlcmd exited with status 1")
	called := false
	sn, err := BackupStream(ctx, r, "db.sql", SourceCommand, bytes.NewReader(randomBytes(t, 200<<10)), Options{
		BeforeCommit: func() error { called = true; return commandFailed },
	})
	if !errors.Is(err, commandFailed) || sn != nil || !called {
		t.Fatalf("BackupStream = %v, %v; want the BeforeCommit error and no snapshot", sn, err)
	}
	if sns := mustLoadAllSnapshots(t, reopen(t, dir)); len(sns) != 0 {
		t.Fatalf("%d snapshots written after BeforeCommit failed", len(sns))
	}
	var idx []string
	local.New(dir).List(ctx, backend.Index, func(fi backend.FileInfo) error { idx = append(idx, fi.Name); return nil })
	if len(idx) != 0 {
		t.Fatalf("index files written after BeforeCommit failed: %v", idx)
	}
	// The next backup works.
	sn, err = BackupStream(ctx, r, "db.sql", SourceCommand, strings.NewReader("ok"), Options{BeforeCommit: func() error { return nil }})
	if err != nil || sn == nil {
		t.Fatalf("next backup: %v", err)
	}
	if sns := mustLoadAllSnapshots(t, reopen(t, dir)); len(sns) != 1 {
		t.Fatalf("%d snapshots, want 1", len(sns))
	}
}

func TestBackupCancelledWritesNoSnapshot(t *testing.T) {
	r, dir := newRepo(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	src, _ := makeSource(t)
	if _, err := Backup(ctx, r, []string{src}, Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if sns := mustLoadAllSnapshots(t, reopen(t, dir)); len(sns) != 0 {
		t.Fatalf("%d snapshots after a cancelled backup", len(sns))
	}
}
