package main_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestE2EBackupPaths: file snapshots keep absolute paths as restic does,
// so two folders with one base name go into one snapshot and restore to
// their places; --exclude, --iexclude, --exclude-file, --files-from and
// --exclude-caches leave out what they name, and the summary counts it.
func TestE2EBackupPaths(t *testing.T) {
	s := initRepo(t)
	a := filepath.Join(s.dir, "a", "data")
	b := filepath.Join(s.dir, "b", "data")
	writeFile(t, filepath.Join(a, "keep.txt"), []byte("a keep"))
	writeFile(t, filepath.Join(a, "x.tmp"), []byte("tmp"))
	writeFile(t, filepath.Join(a, "Photo.JPG"), []byte("jpg"))
	writeFile(t, filepath.Join(b, "keep.txt"), []byte("b keep"))
	writeFile(t, filepath.Join(b, "logs", "old.log"), []byte("log"))
	writeFile(t, filepath.Join(b, "cache", "CACHEDIR.TAG"), []byte("Signature: 8a477f597d28d172789f06886806bc55\n"))
	writeFile(t, filepath.Join(b, "cache", "blob"), []byte("cached"))
	excl := filepath.Join(s.dir, "excludes")
	writeFile(t, excl, []byte("# logs everywhere\n*.log\n\n"))
	list := filepath.Join(s.dir, "list")
	writeFile(t, list, []byte("# what to back up\n"+b+"\n"))

	r := s.mustRun("backup", a, "--files-from", list, "--exclude", "*.tmp", "--iexclude", "*.jpg",
		"--exclude-file", excl, "--exclude-caches")
	if !regexp.MustCompile(`saved: 3 new, 0 changed, 0 unchanged files, 4 excluded;`).MatchString(r.stderr) {
		t.Errorf("summary does not count 3 files and 4 excluded:\n%v", r)
	}
	sns := s.snapshots()
	if len(sns) != 1 || strings.Join(sns[0].Paths, " ") != a+" "+b {
		t.Fatalf("snapshot paths: %+v", sns)
	}
	files := s.lsPaths("latest", s.dir)
	want := []string{s.dir, s.dir + "/a", a, a + "/keep.txt", s.dir + "/b", b, b + "/cache", b + "/cache/CACHEDIR.TAG", b + "/keep.txt", b + "/logs"}
	if !slices.Equal(files, want) {
		t.Errorf("ls:\n got %q\nwant %q", files, want)
	}
	// The path as it was backed up, for dump, restore --include and ls.
	if got := s.mustRun("dump", "latest", b+"/keep.txt").stdout; got != "b keep" {
		t.Errorf("dump: %q", got)
	}
	target := filepath.Join(s.dir, "restored")
	s.mustRun("restore", "latest", "--target", target, "--include", a)
	if got, err := os.ReadFile(filepath.Join(target, a, "keep.txt")); err != nil || string(got) != "a keep" {
		t.Errorf("restore --include %s: %q, %v", a, got, err)
	}
	if _, err := os.Stat(filepath.Join(target, b)); !os.IsNotExist(err) {
		t.Errorf("restore --include %s restored %s too (%v)", a, b, err)
	}
	// The second run takes every file from its parent: paths from stdin.
	r = s.mustRunStdin(strings.NewReader(a+"\n"+b+"\n"), "backup", "--files-from", "-", "--exclude", "*.tmp",
		"--iexclude", "*.jpg", "--exclude-file", excl, "--exclude-caches")
	if !strings.Contains(r.stderr, "saved: 0 new, 0 changed, 3 unchanged files, 4 excluded;") {
		t.Errorf("second backup did not use its parent:\n%v", r)
	}
}

func (s *sv) mustRunStdin(stdin *strings.Reader, args ...string) result {
	s.t.Helper()
	r := s.runStdin(stdin, args...)
	if r.code != exitOK {
		s.t.Fatalf("%v: exit %d\n%v", args, r.code, r)
	}
	return r
}

// TestE2EBackupPathErrors: bad exclude options end with one line and exit 2.
func TestE2EBackupPathErrors(t *testing.T) {
	s := initRepo(t)
	src := filepath.Join(s.dir, "src")
	writeFile(t, filepath.Join(src, "f"), []byte("x"))
	empty := filepath.Join(s.dir, "empty")
	writeFile(t, empty, []byte("# nothing\n\n"))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"backup", src, "--exclude", "a/[x"}, `sqlvault: --exclude: pattern "a/[x": syntax error in pattern: use * ? [...] within a path part, ** for any number of folders`},
		{[]string{"backup", src, "--exclude-file", filepath.Join(s.dir, "none")}, "sqlvault: --exclude-file: cannot read " + filepath.Join(s.dir, "none") + ": no such file or directory"},
		{[]string{"backup", "--files-from", empty}, "sqlvault: nothing to back up: --files-from lists no paths"},
		{[]string{"backup", "--stdin", "--exclude", "*.tmp"}, "sqlvault: --exclude is for backups of files and folders, not of --stdin or --stdin-from-command"},
		{[]string{"backup", "sqlserver://sa@127.0.0.1:1?database=x", "--one-file-system"}, "sqlvault: --one-file-system is for backups of files and folders, not of SQL Server databases"},
		{[]string{"--version", "snapshots"}, "sqlvault: --version takes no command: use 'sqlvault --version' or 'sqlvault version'"},
	} {
		onlyErr(t, s.run(tc.args...), exitUsage, tc.want)
	}
	if sns := s.snapshots(); len(sns) != 0 {
		t.Errorf("refused backups wrote snapshots: %+v", sns)
	}
}

// TestE2EVersion: --version (long form only: -v is --verbose) and the
// version command print the same line, with the Go version and platform.
func TestE2EVersion(t *testing.T) {
	s := newSV(t)
	flag := s.mustRun("--version")
	cmd := s.mustRun("version")
	if !regexp.MustCompile(`^sqlvault \S+ \(go\S+ \w+/\w+\)\n$`).MatchString(flag.stdout) || flag.stdout != cmd.stdout {
		t.Errorf("--version %q, version %q", flag.stdout, cmd.stdout)
	}
}
