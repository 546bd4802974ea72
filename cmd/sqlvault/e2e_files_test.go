package main_test

// End-to-end tests of what a file system can hold beyond plain files with
// UTF-8 names: names that are not valid UTF-8, hard links, extended
// attributes, FIFOs, device files and sockets.

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// TestE2ENonUTF8Names: names that are not valid UTF-8 are kept as the bytes
// they are. Before the fix they were stored as U+FFFD, which left trees
// unsorted: ls, restore, dump and check of the snapshot failed and prune was
// blocked.
func TestE2ENonUTF8Names(t *testing.T) {
	s := initRepo(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "src\xf5") // the backed-up path itself is not UTF-8
	files := map[string][]byte{}
	for i, name := range []string{"x\xf5.txt", "x😀.txt", "x\xff", "x\xfe", "a.txt", "z.txt", "d\xe9/in\x80.txt", "d\xe9/plain"} {
		data := append([]byte(name+"\n"), genBytes(byte(i+1), 1000+i)...)
		writeFile(t, filepath.Join(src, name), data)
		files[name] = data
	}
	if err := os.Symlink("target\xff", filepath.Join(src, "l\xfe")); err != nil {
		t.Fatal(err)
	}
	s.mustRun("backup", src)

	// ls prints every path on one line, quoted when it is not UTF-8.
	ls := s.mustRun("ls", "latest", src) // the snapshot keeps the absolute path
	if !utf8.ValidString(ls.stdout) {
		t.Fatalf("ls output is not UTF-8:\n%q", ls.stdout)
	}
	lines := strings.Split(strings.TrimSuffix(ls.stdout, "\n"), "\n")
	for _, p := range []string{src, src + "/x\xf5.txt", src + "/d\xe9/in\x80.txt", src + "/l\xfe"} {
		if !slices.Contains(lines, strconv.Quote(p)) {
			t.Errorf("ls lacks the line %s\n%s", strconv.Quote(p), ls.stdout)
		}
	}
	if len(lines) != 11 {
		t.Errorf("ls: %d lines, want 11\n%s", len(lines), ls.stdout)
	}
	if out := s.mustRun("ls", "-l", "latest", src).stdout; !strings.Contains(out, strconv.Quote(src+"/l\xfe")+` -> "target\xff"`) || !utf8.ValidString(out) {
		t.Errorf("ls -l:\n%q", out)
	}

	// Restore gives back the same bytes under the same names.
	target := filepath.Join(dir, "restored")
	s.mustRun("restore", "latest", "--target", target)
	got := map[string][]byte{}
	err := filepath.WalkDir(filepath.Join(target, src), func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(filepath.Join(target, src), p)
		got[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(files) {
		t.Errorf("restored %q, want %d files", keys(got), len(files))
	}
	for name, data := range files {
		if !bytes.Equal(got[name], data) {
			t.Errorf("restored %q differs", name)
		}
	}
	if l, err := os.Readlink(filepath.Join(target, src, "l\xfe")); err != nil || l != "target\xff" {
		t.Errorf("symlink: %q, %v", l, err)
	}

	// dump of each file.
	for name, data := range files {
		if out := s.mustRun("dump", "latest", src+"/"+name).stdout; out != string(data) {
			t.Errorf("dump %q differs", name)
		}
	}

	// Export writes such names as their bytes, without the zip's UTF-8 flag
	// (unzip on Linux gives back the same bytes).
	zipPath := filepath.Join(dir, "out.zip")
	s.mustRun("export", "latest", "--zip", zipPath)
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	zipped := map[string]bool{}
	for _, f := range zr.File {
		zipped[f.Name] = f.Flags&0x800 != 0
		if f.Name == src[1:]+"/x\xf5.txt" {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			if !bytes.Equal(b, files["x\xf5.txt"]) {
				t.Errorf("zip entry %q differs", f.Name)
			}
		}
	}
	if flagged, ok := zipped[src[1:]+"/x\xf5.txt"]; !ok || flagged {
		t.Errorf("zip names: %q", keys(zipped))
	}

	// A second backup finds its parent (the snapshot's path is kept as it is).
	r := s.mustRun("backup", src)
	sns := s.snapshots()
	if len(sns) != 2 || sns[1].Summary.FilesUnchanged != len(files) {
		t.Fatalf("second backup did not use its parent: %+v\n%v", sns[1].Summary, r)
	}
	s.mustRun("check", "--read-data")
	s.mustRun("forget", "--keep-last", "1", "--prune")
	s.mustRun("check", "--read-data")
	if out := s.mustRun("dump", "latest", src+"/x\xff").stdout; out != string(files["x\xff"]) {
		t.Errorf("dump after prune differs")
	}
}

// TestE2ESpecialFiles: hard links, extended attributes, FIFOs and device
// files come back from a restore; sockets are left out without making the
// backup incomplete. Before the fix the backup ended with exit 3 and
// restore lost the links and attributes.
func TestE2ESpecialFiles(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for mknod")
	}
	s := initRepo(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	writeFile(t, filepath.Join(src, "attr.txt"), []byte("has an attribute"))
	if err := unix.Lsetxattr(filepath.Join(src, "attr.txt"), "user.k", []byte("value\x00\xff"), 0); err != nil {
		if errors.Is(err, unix.ENOTSUP) {
			t.Skip("no user xattrs on this file system")
		}
		t.Fatal(err)
	}
	linked := genBytes(7, 5000)
	writeFile(t, filepath.Join(src, "h1"), linked)
	for _, p := range []string{"h2", "sub/h3"} {
		if err := os.MkdirAll(filepath.Join(src, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Link(filepath.Join(src, "h1"), filepath.Join(src, p)); err != nil {
			t.Fatal(err)
		}
	}
	if err := unix.Mkfifo(filepath.Join(src, "fifo"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mknod(filepath.Join(src, "null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", filepath.Join(src, "sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()

	b := s.mustRun("-v", "backup", src)
	if !strings.Contains(b.stderr, "sock") || strings.Contains(b.stderr, "warning") {
		t.Errorf("backup should mention the socket in -v output only:\n%v", b)
	}
	ls := s.mustRun("ls", "-l", "latest").stdout
	for _, want := range []string{"/src/fifo", "/src/null", "/src/h2", "/src/sub/h3"} {
		if !strings.Contains(ls, want) {
			t.Errorf("ls -l lacks %s:\n%s", want, ls)
		}
	}
	if strings.Contains(ls, "sock") {
		t.Errorf("ls -l shows the socket:\n%s", ls)
	}
	for _, l := range strings.Split(ls, "\n") {
		switch {
		case strings.HasSuffix(l, "/src/fifo") && !strings.HasPrefix(l, "p"),
			strings.HasSuffix(l, "/src/null") && (!strings.HasPrefix(l, "c") || !strings.Contains(l, "1, 3")):
			t.Errorf("ls -l line: %s", l)
		}
	}

	target := filepath.Join(dir, "restored")
	s.mustRun("restore", "latest", "--target", target)
	out := filepath.Join(target, src)
	var ino uint64
	for i, p := range []string{"h1", "h2", "sub/h3"} {
		var st unix.Stat_t
		if err := unix.Lstat(filepath.Join(out, p), &st); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			ino = st.Ino
		}
		if st.Ino != ino || st.Nlink != 3 {
			t.Errorf("%s: inode %d (want %d), %d links", p, st.Ino, ino, st.Nlink)
		}
		if b, _ := os.ReadFile(filepath.Join(out, p)); !bytes.Equal(b, linked) {
			t.Errorf("%s: content differs", p)
		}
	}
	buf := make([]byte, 64)
	if n, err := unix.Lgetxattr(filepath.Join(out, "attr.txt"), "user.k", buf); err != nil || string(buf[:n]) != "value\x00\xff" {
		t.Errorf("xattr user.k: %q, %v", buf[:max(n, 0)], err)
	}
	if fi, err := os.Lstat(filepath.Join(out, "fifo")); err != nil || fi.Mode().Type() != fs.ModeNamedPipe || fi.Mode().Perm() != 0o640 {
		t.Errorf("fifo: %v, %v", fi, err)
	}
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(out, "null"), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != unix.Mkdev(1, 3) {
		t.Errorf("device: mode %o rdev %d, %v", st.Mode, st.Rdev, err)
	}
	if _, err := os.Lstat(filepath.Join(out, "sock")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket restored: %v", err)
	}

	// A second backup takes the files from its parent; diff sees no change.
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	s.mustRun("backup", src)
	sns := s.snapshots()
	if sm := sns[1].Summary; sm.FilesUnchanged != 4 || sm.FilesNew+sm.FilesChanged != 0 || sm.Incomplete {
		t.Errorf("second backup: %+v", sm)
	}
	if d := s.mustRun("diff", "--metadata", sns[0].ShortID, sns[1].ShortID).stdout; strings.Contains(d, "/src/") {
		t.Errorf("diff of unchanged snapshots:\n%s", d)
	}
	// Export: the links are files, the FIFO and device are counted as left out.
	ex := s.mustRun("export", "latest", "--zip", filepath.Join(dir, "out.zip"))
	if !strings.Contains(ex.stderr, "(2 FIFOs and device files left out") {
		t.Errorf("export:\n%v", ex)
	}
	s.mustRun("check", "--read-data")
}
