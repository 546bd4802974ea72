package main_test

// End-to-end tests of the real sqlvault binary: TestMain builds it once,
// and every test runs it as a subprocess against repositories in temporary
// folders, checking exit codes, standard output and the one-line error
// messages on standard error.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sqlvault/sqlvault/chunk"
)

// Exit codes of sqlvault (cmd/sqlvault/main.go).
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitIncomplete  = 3
	exitDamaged     = 4
	exitSource      = 5
	exitNoRepo      = 10
	exitPassword    = 12
	exitInterrupted = 130
)

// e2eBin is the sqlvault binary built by TestMain.
var e2eBin string

func TestMain(m *testing.M) {
	os.Exit(e2eMain(m))
}

func e2eMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "sqlvault-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: ", err)
		return 1
	}
	defer os.RemoveAll(dir)
	// The binary is also run as an unprivileged user (TestE2EUnreadableFile).
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: ", err)
		return 1
	}
	goTool, err := exec.LookPath("go") // go test puts GOROOT/bin first on PATH
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	e2eBin = filepath.Join(dir, "sqlvault")
	build := exec.Command(goTool, "build", "-o", e2eBin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building sqlvault:", err)
		return 1
	}
	return m.Run()
}

// cleanEnv is the test's environment without any SQLVAULT_ variable.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SQLVAULT_") {
			env = append(env, kv)
		}
	}
	return env
}

// sv runs the binary against one repository.
type sv struct {
	t        *testing.T
	repo     string
	password string   // SQLVAULT_PASSWORD; empty leaves it unset
	env      []string // more variables
	dir      string   // working directory
	cred     *syscall.Credential
	// backendEnv is the environment the repository's backend needs (S3
	// credentials); tests that replace env keep it.
	backendEnv []string
}

type result struct {
	args           []string
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("sqlvault %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.code, clip(r.stdout), clip(r.stderr))
}

func clip(s string) string {
	if len(s) > 4000 {
		return s[:4000] + "…"
	}
	return s
}

// newSV returns a runner for a repository at dir/repo, not yet created.
func newSV(t *testing.T) *sv {
	dir := t.TempDir()
	s := &sv{t: t, repo: filepath.Join(dir, "repo"), password: "correct horse", dir: dir}
	if loc, env := s3RepoFor(t); loc != "" { // the test runs against S3 (e2e_s3_test.go)
		s.repo, s.backendEnv = loc, env
	}
	return s
}

// initRepo creates a fresh repository with a fast KDF.
func initRepo(t *testing.T) *sv {
	s := newSV(t)
	s.mustRun("init", "--kdf-memory", "8", "--kdf-time", "1")
	return s
}

func (s *sv) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, e2eBin, args...)
	cmd.Env = cleanEnv()
	// Chunk boundaries must not vary between runs: every repository the
	// tests create gets chunk.TestPolynomial.
	cmd.Env = append(cmd.Env, fmt.Sprintf("SQLVAULT_TEST_CHUNKER_POLYNOMIAL=%x", chunk.TestPolynomial))
	if s.repo != "" {
		cmd.Env = append(cmd.Env, "SQLVAULT_REPOSITORY="+s.repo)
	}
	if s.password != "" {
		cmd.Env = append(cmd.Env, "SQLVAULT_PASSWORD="+s.password)
	}
	cmd.Env = append(cmd.Env, s.backendEnv...)
	cmd.Env = append(cmd.Env, s.env...)
	cmd.Dir = s.dir
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	return cmd
}

func (s *sv) runStdin(stdin io.Reader, args ...string) result {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := s.command(ctx, args...)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &out, &errb
	err := cmd.Run()
	r := result{args: args, stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		s.t.Fatalf("sqlvault %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		s.t.Fatalf("sqlvault %s: timed out\n%v", strings.Join(args, " "), r)
	}
	noPanic(s.t, r)
	return r
}

func (s *sv) run(args ...string) result {
	s.t.Helper()
	return s.runStdin(nil, args...)
}

// mustRun runs a command that must succeed.
func (s *sv) mustRun(args ...string) result {
	s.t.Helper()
	r := s.run(args...)
	if r.code != 0 {
		s.t.Fatalf("want exit 0\n%v", r)
	}
	return r
}

func noPanic(t *testing.T, r result) {
	t.Helper()
	for _, bad := range []string{"panic", "goroutine ", "runtime error", "internal error"} {
		if strings.Contains(r.stderr, bad) || strings.Contains(r.stdout, bad) {
			t.Fatalf("output contains %q\n%v", bad, r)
		}
	}
}

func wantCode(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit %d\n%v", code, r)
	}
}

// errLine checks that stderr ends with exactly one "sqlvault: " line and
// returns it.
func errLine(t *testing.T, r result) string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "sqlvault: ") {
			n++
		}
	}
	last := lines[len(lines)-1]
	if n != 1 || !strings.HasPrefix(last, "sqlvault: ") || !strings.HasSuffix(r.stderr, "\n") {
		t.Fatalf("want stderr to end with exactly one line starting with \"sqlvault: \"\n%v", r)
	}
	return last
}

// onlyErr checks that stderr is exactly the one line want.
func onlyErr(t *testing.T, r result, code int, want string) {
	t.Helper()
	wantCode(t, r, code)
	if r.stderr != want+"\n" {
		t.Fatalf("want stderr exactly\n%s\n%v", want, r)
	}
}

type snapJSON struct {
	ID      string   `json:"id"`
	ShortID string   `json:"short_id"`
	Tree    string   `json:"tree"`
	Paths   []string `json:"paths"`
	Source  string   `json:"source"`
	Summary *struct {
		FilesNew       int   `json:"files_new"`
		FilesChanged   int   `json:"files_changed"`
		FilesUnchanged int   `json:"files_unmodified"`
		Errors         int   `json:"errors"`
		BytesAdded     int64 `json:"bytes_added"`
		Incomplete     bool  `json:"incomplete"`
	} `json:"summary"`
}

func (s *sv) snapshots() []snapJSON {
	s.t.Helper()
	return jsonLines[snapJSON](s.t, s.mustRun("snapshots", "--json").stdout)
}

type nodeJSON struct {
	Path       string    `json:"path"`
	Name       string    `json:"name"`
	Type       string    `json:"type"`
	Mode       uint32    `json:"mode"`
	ModTime    time.Time `json:"mtime"`
	UID        uint32    `json:"uid"`
	GID        uint32    `json:"gid"`
	Size       uint64    `json:"size"`
	Content    []string  `json:"content"`
	Subtree    string    `json:"subtree"`
	LinkTarget string    `json:"linktarget"`
}

// lsJSON parses the stream of objects that ls --json prints.
func (s *sv) lsJSON(args ...string) []nodeJSON {
	s.t.Helper()
	r := s.mustRun(append([]string{"ls", "--json"}, args...)...)
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	var out []nodeJSON
	for {
		var n nodeJSON
		err := dec.Decode(&n)
		if err == io.EOF {
			return out
		}
		if err != nil {
			s.t.Fatalf("ls --json: %v\n%v", err, r)
		}
		out = append(out, n)
	}
}

func (s *sv) catTree(id string) []nodeJSON {
	s.t.Helper()
	r := s.mustRun("cat", "tree", id)
	var tr struct {
		Nodes []nodeJSON `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &tr); err != nil {
		s.t.Fatalf("cat tree: %v\n%v", err, r)
	}
	return tr.Nodes
}

// lsPaths returns the lines of "ls SNAPSHOT [PATH]".
func (s *sv) lsPaths(args ...string) []string {
	s.t.Helper()
	r := s.mustRun(append([]string{"ls"}, args...)...)
	return strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
}

// genReader returns a deterministic stream of incompressible bytes.
func genReader(seed byte) io.Reader {
	var s [32]byte
	s[0] = seed
	return rand.NewChaCha8(s)
}

func genBytes(seed byte, n int) []byte {
	b := make([]byte, n)
	if _, err := io.ReadFull(genReader(seed), b); err != nil {
		panic(err)
	}
	return b
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeMixed writes size bytes of pseudo-random but partly repetitive data:
// of every four 64 KiB segments, two are random, one repeats an earlier
// random segment and one is repetitive text.
func writeMixed(t *testing.T, path string, size int, seed byte) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	rd := genReader(seed)
	const seg = 64 << 10
	cur, prev := make([]byte, seg), make([]byte, seg)
	var text bytes.Buffer
	for i, n := 0, 0; n < size; i++ {
		var b []byte
		switch i % 4 {
		case 0, 1:
			cur, prev = prev, cur
			io.ReadFull(rd, cur)
			b = cur
		case 2:
			b = prev
		case 3:
			text.Reset()
			for j := 0; text.Len() < seg; j++ {
				fmt.Fprintf(&text, "INSERT INTO t VALUES (%d, N'row %d of segment %d');\n", j, j, i)
			}
			b = text.Bytes()[:seg]
		}
		b = b[:min(len(b), size-n)]
		bw.Write(b)
		n += len(b)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return [32]byte(h.Sum(nil))
}

func sameFile(t *testing.T, a, b string) {
	t.Helper()
	if fileHash(t, a) != fileHash(t, b) {
		t.Errorf("%s and %s differ", a, b)
	}
}

// dirSize sums the sizes of all files below dir.
func dirSize(t *testing.T, dir string) int64 {
	t.Helper()
	if isS3(dir) {
		return s3Size(t, dir)
	}
	var n int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			n += fi.Size()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// packFiles lists the pack files of a repository (not temporary files).
func packFiles(repo string) []string {
	if isS3(repo) {
		return s3PackFiles(repo)
	}
	ms, _ := filepath.Glob(filepath.Join(repo, "data", "??", "*"))
	var out []string
	for _, m := range ms {
		if !strings.HasPrefix(filepath.Base(m), ".") {
			out = append(out, m)
		}
	}
	return out
}

// tempFiles lists the ".tmp-*" files left in a repository.
func tempFiles(t *testing.T, repo string) []string {
	t.Helper()
	if isS3(repo) {
		return s3IncompleteUploads(t, repo)
	}
	var out []string
	filepath.WalkDir(repo, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".tmp-") {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func setTimes(t *testing.T, path string, mtime time.Time) {
	t.Helper()
	ts := []unix.Timespec{unix.NsecToTimespec(mtime.UnixNano()), unix.NsecToTimespec(mtime.UnixNano())}
	if err := unix.UtimesNanoAt(unix.AT_FDCWD, path, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		t.Fatal(err)
	}
}

// makeTree builds the source tree of the round-trip tests below dir/src and
// returns its path.
func makeTree(t *testing.T, dir string) string {
	t.Helper()
	src := filepath.Join(dir, "src")
	type file struct {
		path string
		data []byte
		mode fs.FileMode
	}
	files := []file{
		{"empty", nil, 0o644},
		{"d1/empty too", nil, 0o600},
		{"Ünïcødé 日本.txt", []byte("héllo wörld 日本語\n"), 0o644},
		{"😀 emoji.txt", []byte("smile\n"), 0o640},
		{"name with spaces.txt", []byte("spaces\n"), 0o600},
		{"folder with space/inner file.txt", []byte("inner\n"), 0o755},
		{"d1/d2/d3/d4/deep.txt", []byte("four folders down\n"), 0o640},
		{"d1/d2/script.sh", []byte("#!/bin/sh\necho hi\n"), 0o755},
		{"secret.key", genBytes(7, 4096), 0o600},
		{"-leading-dash", []byte("dash\n"), 0o644},
		{"d1/d2/d3/medium.bin", genBytes(8, 700_000), 0o640},
	}
	for _, f := range files {
		writeFile(t, filepath.Join(src, f.path), f.data)
	}
	writeMixed(t, filepath.Join(src, "big.bin"), 50<<20, 9)
	if err := os.MkdirAll(filepath.Join(src, "empty dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, l := range []struct{ name, target string }{
		{"link-to-file", "Ünïcødé 日本.txt"},
		{"dangling link", "does/not/exist"},
		{"link-to-dir", "d1/d2"},
		{"d1/abs-link", "/etc/hostname"},
	} {
		if err := os.Symlink(l.target, filepath.Join(src, l.name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		if err := os.Chmod(filepath.Join(src, f.path), f.mode); err != nil {
			t.Fatal(err)
		}
	}
	if os.Geteuid() == 0 {
		if err := os.Lchown(filepath.Join(src, "😀 emoji.txt"), 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(src, "d1", "d2"), 0o750); err != nil {
		t.Fatal(err)
	}
	// Times last, deepest first, so that creating entries does not move
	// their folders' times again.
	var all []string
	filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		all = append(all, p)
		return err
	})
	sort.Slice(all, func(i, j int) bool { return all[i] > all[j] })
	for i, p := range all {
		setTimes(t, p, time.Unix(1_600_000_000+int64(i)*3600, int64(123_456_789+i*1_000_001)))
	}
	return src
}

// treeEntries maps the snapshot path (the absolute path, "/tmp/x/src/a/b")
// of every item below src (including src) to its Lstat info; with base
// set, of every item below base+src (a restore of src into base).
func treeEntries(t *testing.T, base, src string) map[string]fs.FileInfo {
	t.Helper()
	m := map[string]fs.FileInfo{}
	if base == "" {
		base = "/"
	}
	err := filepath.WalkDir(filepath.Join(base, src), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(base, p)
		m["/"+filepath.ToSlash(rel)] = fi
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func TestE2EDirectoryRoundTrip(t *testing.T) {
	s := initRepo(t)
	src := makeTree(t, t.TempDir())
	want := treeEntries(t, "", src)

	r := s.mustRun("backup", src)
	if !regexp.MustCompile(`(?m)^snapshot [0-9a-f]{8} saved: \d+ new, 0 changed, 0 unchanged files;`).MatchString(r.stderr) {
		t.Errorf("no summary line\n%v", r)
	}
	target := filepath.Join(t.TempDir(), "restored")
	r = s.mustRun("restore", "latest", "--target", target)
	if strings.Contains(r.stderr, "warning") {
		t.Errorf("restore warned\n%v", r)
	}

	// Content, mode bits, times, link targets, owners.
	got := treeEntries(t, target, src)
	if strings.Join(keys(got), "\n") != strings.Join(keys(want), "\n") {
		t.Fatalf("restored paths differ:\n got %q\nwant %q", keys(got), keys(want))
	}
	for p, wi := range want {
		gi := got[p]
		if gi.Mode() != wi.Mode() {
			t.Errorf("%s: mode %v, want %v", p, gi.Mode(), wi.Mode())
		}
		if !gi.ModTime().Equal(wi.ModTime()) {
			t.Errorf("%s: mtime %v, want %v", p, gi.ModTime().UTC(), wi.ModTime().UTC())
		}
		if os.Geteuid() == 0 {
			gs, ws := gi.Sys().(*syscall.Stat_t), wi.Sys().(*syscall.Stat_t)
			if gs.Uid != ws.Uid || gs.Gid != ws.Gid {
				t.Errorf("%s: owner %d:%d, want %d:%d", p, gs.Uid, gs.Gid, ws.Uid, ws.Gid)
			}
		}
		srcPath := p
		dstPath := filepath.Join(target, p)
		switch {
		case wi.Mode().IsRegular():
			if gi.Size() != wi.Size() {
				t.Errorf("%s: size %d, want %d", p, gi.Size(), wi.Size())
			}
			sameFile(t, srcPath, dstPath)
		case wi.Mode()&fs.ModeSymlink != 0:
			wl, _ := os.Readlink(srcPath)
			gl, err := os.Readlink(dstPath)
			if err != nil || gl != wl {
				t.Errorf("%s: link target %q (%v), want %q", p, gl, err, wl)
			}
		}
	}

	// ls lists every path.
	var wantPaths []string
	for p := range want {
		wantPaths = append(wantPaths, p)
	}
	sort.Strings(wantPaths)
	gotPaths := s.lsPaths("latest", src)
	sort.Strings(gotPaths)
	if strings.Join(gotPaths, "\n") != strings.Join(wantPaths, "\n") {
		t.Errorf("ls latest:\n got %q\nwant %q", gotPaths, wantPaths)
	}

	// ls -l: mode, owner, size, time, path and link target.
	r = s.mustRun("ls", "-l", "latest", src)
	lineRE := regexp.MustCompile(`^([-dl][-rwxsStT]{9}) +(\d+) +(\d+) +(\d+) (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (.*)$`)
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
		m := lineRE.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("ls -l: cannot parse %q", line)
			continue
		}
		p, target := m[6], ""
		if strings.HasPrefix(m[1], "l") {
			p, target, _ = strings.Cut(p, " -> ")
		}
		wi, ok := want[p]
		if !ok {
			t.Errorf("ls -l: unexpected path %q", p)
			continue
		}
		seen[p] = true
		wantMode := wi.Mode().Perm().String()
		switch {
		case wi.IsDir():
			wantMode = "d" + wantMode[1:]
		case wi.Mode()&fs.ModeSymlink != 0:
			wantMode = "l" + wantMode[1:]
			if wl, _ := os.Readlink(p); wl != target {
				t.Errorf("ls -l %s: target %q, want %q", p, target, wl)
			}
		}
		if m[1] != wantMode {
			t.Errorf("ls -l %s: mode %s, want %s", p, m[1], wantMode)
		}
		if wi.Mode().IsRegular() && m[4] != fmt.Sprint(wi.Size()) {
			t.Errorf("ls -l %s: size %s, want %d", p, m[4], wi.Size())
		}
		if st := wi.Sys().(*syscall.Stat_t); m[2] != fmt.Sprint(st.Uid) || m[3] != fmt.Sprint(st.Gid) {
			t.Errorf("ls -l %s: owner %s:%s, want %d:%d", p, m[2], m[3], st.Uid, st.Gid)
		}
		if wt := wi.ModTime().Local().Format(time.DateTime); m[5] != wt {
			t.Errorf("ls -l %s: time %s, want %s", p, m[5], wt)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("ls -l listed %d paths, want %d\n%s", len(seen), len(want), r.stdout)
	}

	// ls --json: the stored metadata, times to the nanosecond.
	nodes := s.lsJSON("latest", src)
	if len(nodes) != len(want) {
		t.Errorf("ls --json: %d entries, want %d", len(nodes), len(want))
	}
	for _, n := range nodes {
		wi, ok := want[n.Path]
		if !ok {
			t.Errorf("ls --json: unexpected path %q", n.Path)
			continue
		}
		if n.Name != filepath.Base(n.Path) {
			t.Errorf("ls --json %s: name %q", n.Path, n.Name)
		}
		wantType := "file"
		switch {
		case wi.IsDir():
			wantType = "dir"
		case wi.Mode()&fs.ModeSymlink != 0:
			wantType = "symlink"
			if wl, _ := os.Readlink(n.Path); n.LinkTarget != wl {
				t.Errorf("ls --json %s: linktarget %q, want %q", n.Path, n.LinkTarget, wl)
			}
		}
		if n.Type != wantType {
			t.Errorf("ls --json %s: type %q, want %q", n.Path, n.Type, wantType)
		}
		if fs.FileMode(n.Mode) != wi.Mode().Perm() {
			t.Errorf("ls --json %s: mode %v, want %v", n.Path, fs.FileMode(n.Mode), wi.Mode().Perm())
		}
		if !n.ModTime.Equal(wi.ModTime()) {
			t.Errorf("ls --json %s: mtime %v, want %v", n.Path, n.ModTime, wi.ModTime())
		}
		if wantType == "file" && n.Size != uint64(wi.Size()) {
			t.Errorf("ls --json %s: size %d, want %d", n.Path, n.Size, wi.Size())
		}
	}

	// ls of a sub-folder and of a single file.
	d3 := src + "/d1/d2/d3"
	r = s.mustRun("ls", "latest", d3)
	if r.stdout != d3+"\n"+d3+"/d4\n"+d3+"/d4/deep.txt\n"+d3+"/medium.bin\n" {
		t.Errorf("ls latest %s:\n%v", d3, r)
	}
	r = s.mustRun("ls", "latest", src[1:]+"/Ünïcødé 日本.txt") // without the leading slash
	if r.stdout != src+"/Ünïcødé 日本.txt\n" {
		t.Errorf("ls of one file:\n%v", r)
	}

	// dump of a file with a Unicode name.
	r = s.mustRun("dump", "latest", src+"/Ünïcødé 日本.txt")
	if r.stdout != "héllo wörld 日本語\n" {
		t.Errorf("dump: %q", r.stdout)
	}
}

func TestE2EUnchangedSecondBackup(t *testing.T) {
	s := initRepo(t)
	src := makeTree(t, t.TempDir())
	files := 0
	for _, fi := range treeEntries(t, "", src) {
		if fi.Mode().IsRegular() {
			files++
		}
	}
	s.mustRun("backup", src)
	before := dirSize(t, s.repo)
	r := s.mustRun("backup", src)
	grown := dirSize(t, s.repo) - before
	want := fmt.Sprintf(`(?m)^snapshot [0-9a-f]{8} saved: 0 new, 0 changed, %d unchanged files; 0 B read, \d+ B added to the repository`, files)
	if !regexp.MustCompile(want).MatchString(r.stderr) {
		t.Errorf("summary of the second backup does not match %s\n%v", want, r)
	}
	if grown >= 10<<10 {
		t.Errorf("second backup of an unchanged tree grew the repository by %d bytes, want < 10 KiB", grown)
	}
	t.Logf("second backup added %d bytes", grown)
	sns := s.snapshots()
	if len(sns) != 2 || sns[1].Summary == nil || sns[1].Summary.FilesUnchanged != files {
		t.Fatalf("snapshots: %+v", sns)
	}
	// The folder's listing is the same in both. (The root trees may
	// differ: the folders above src, /tmp among them, are stored with
	// their times, which other tests change.)
	a := s.mustRun("ls", "-l", sns[0].ShortID, src).stdout
	if b := s.mustRun("ls", "-l", sns[1].ShortID, src).stdout; a != b || a == "" {
		t.Errorf("listings of %s differ:\n%s\n%s", src, a, b)
	}
}

func TestE2EStdin(t *testing.T) {
	s := initRepo(t)
	data := make([]byte, 20<<20)
	io.ReadFull(genReader(3), data[:12<<20])
	for i := 12 << 20; i < len(data); i++ { // a compressible tail
		data[i] = "INSERT INTO t VALUES (1);\n"[i%26]
	}
	r := s.runStdin(bytes.NewReader(data), "backup", "--stdin", "--stdin-filename", "db.sql")
	wantCode(t, r, exitOK)
	r = s.mustRun("dump", "latest", "db.sql")
	if !bytes.Equal([]byte(r.stdout), data) {
		t.Fatalf("dump returned %d bytes that differ from the %d bytes backed up", len(r.stdout), len(data))
	}
	if r.stderr != "" {
		t.Errorf("dump wrote to stderr: %q", r.stderr)
	}
	if got := s.lsPaths("latest"); len(got) != 1 || got[0] != "/db.sql" {
		t.Errorf("ls: %q", got)
	}
	sns := s.snapshots()
	if len(sns) != 1 || sns[0].Source != "stdin" || len(sns[0].Paths) != 1 || sns[0].Paths[0] != "db.sql" {
		t.Errorf("snapshots: %+v", sns)
	}

	onlyErr(t, s.run("dump", "latest", "/"), exitFailure,
		"sqlvault: / is a dir, not a file: use 'sqlvault restore' for folders")
	onlyErr(t, s.run("dump", "latest", "missing.sql"), exitFailure,
		`sqlvault: path "missing.sql" not found in snapshot`)
	onlyErr(t, s.run("dump", "latest", "db.sql/below"), exitFailure,
		`sqlvault: path "db.sql/below" not found in snapshot: "db.sql" is not a directory`)
	onlyErr(t, s.run("dump", "latest"), exitUsage,
		`sqlvault: dump needs a snapshot (an ID prefix or "latest") and the path of a file in it`)

	// A folder inside a file snapshot.
	dir := filepath.Join(t.TempDir(), "tree")
	writeFile(t, filepath.Join(dir, "sub", "f.txt"), []byte("x"))
	s.mustRun("backup", dir)
	onlyErr(t, s.run("dump", "latest", dir+"/sub"), exitFailure,
		"sqlvault: "+dir+"/sub is a dir, not a file: use 'sqlvault restore' for folders")
}

func TestE2EStdinFromCommand(t *testing.T) {
	s := initRepo(t)
	script := `printf 'header\n'; head -c 3000000 /dev/zero | tr '\0' 'x'; printf '\nend\n'`
	r := s.mustRun("backup", "--stdin-from-command", "--stdin-filename", "out.txt", "--", "sh", "-c", script)
	want := "header\n" + strings.Repeat("x", 3000000) + "\nend\n"
	if got := s.mustRun("dump", "latest", "out.txt").stdout; got != want {
		t.Errorf("dump of the command's output: %d bytes, want %d", len(got), len(want))
	}
	sns := s.snapshots()
	if len(sns) != 1 || sns[0].Source != "command" {
		t.Fatalf("snapshots: %+v\n%v", sns, r)
	}

	// Output, then exit 3: no snapshot.
	bad := `head -c 5000000 /dev/zero; exit 3`
	r = s.run("backup", "--stdin-from-command", "--", "sh", "-c", bad)
	onlyErr(t, r, exitSource, fmt.Sprintf("sqlvault: command %q exited with code 3: no snapshot was written", "sh -c "+bad))
	if got := s.snapshots(); len(got) != 1 || got[0].ID != sns[0].ID {
		t.Errorf("a failed command left snapshots %+v", got)
	}

	// A command that cannot start.
	r = s.run("backup", "--stdin-from-command", "--", "/nonexistent/program")
	wantCode(t, r, exitSource)
	if l := errLine(t, r); !strings.Contains(l, "/nonexistent/program") {
		t.Errorf("message does not name the program: %q", l)
	}
	onlyErr(t, s.run("backup", "--stdin-from-command"), exitUsage,
		"sqlvault: --stdin-from-command needs a command after --")
	if got := s.snapshots(); len(got) != 1 {
		t.Errorf("snapshots: %+v", got)
	}
	s.mustRun("check")

	// A command killed by a signal.
	killed := `head -c 1000 /dev/zero; kill -9 $$`
	r = s.run("backup", "--stdin-from-command", "--", "sh", "-c", killed)
	wantCode(t, r, exitSource)
	l := errLine(t, r)
	if got := s.snapshots(); len(got) != 1 {
		t.Errorf("a killed command left snapshots %+v", got)
	}
	if !strings.Contains(l, "no snapshot was written") {
		t.Errorf("message does not say that no snapshot was written: %q", l)
	}
	if !strings.Contains(l, "signal") {
		t.Fatalf("regression: a command killed by a signal is reported as %q; want it to name the signal", l)
	}
}

func TestE2ERepositoryErrors(t *testing.T) {
	s := initRepo(t)
	s.runStdin(strings.NewReader("data"), "backup", "--stdin")
	sns := s.snapshots()
	if len(sns) != 1 {
		t.Fatalf("snapshots: %+v", sns)
	}

	t.Run("wrong password", func(t *testing.T) {
		w := *s
		w.t, w.password = t, "wrong"
		onlyErr(t, w.run("snapshots"), exitPassword,
			"sqlvault: wrong password or no key found for the repository at "+s.repo+": check SQLVAULT_PASSWORD or --password-file")
	})
	t.Run("missing path", func(t *testing.T) {
		w := *s
		w.t, w.repo = t, filepath.Join(t.TempDir(), "nothing here")
		onlyErr(t, w.run("snapshots"), exitNoRepo,
			"sqlvault: no repository found at "+w.repo+": check -r/--repo or SQLVAULT_REPOSITORY, or run 'sqlvault init'")
	})
	t.Run("folder that is not a repository", func(t *testing.T) {
		w := *s
		w.t, w.repo = t, t.TempDir()
		writeFile(t, filepath.Join(w.repo, "notes.txt"), []byte("hello"))
		onlyErr(t, w.run("backup", "--stdin"), exitNoRepo,
			"sqlvault: no repository found at "+w.repo+": check -r/--repo or SQLVAULT_REPOSITORY, or run 'sqlvault init'")
	})
	t.Run("init over a repository", func(t *testing.T) {
		keysBefore := repoFiles(t, s.repo, "keys")
		for _, pw := range []string{s.password, "another password"} {
			w := *s
			w.t, w.password = t, pw
			onlyErr(t, w.run("init", "--kdf-memory", "8", "--kdf-time", "1"), exitFailure,
				"sqlvault: a repository already exists at "+s.repo+": use it, or choose another location")
		}
		keysAfter := repoFiles(t, s.repo, "keys")
		if len(keysAfter) != len(keysBefore) {
			t.Errorf("init over a repository changed keys/: %d files, had %d", len(keysAfter), len(keysBefore))
		}
		w := *s
		w.t = t
		if got := w.snapshots(); len(got) != 1 || got[0].ID != sns[0].ID {
			t.Errorf("snapshots after init attempt: %+v", got)
		}
		w.mustRun("check")
		if got := w.mustRun("dump", "latest", "stdin").stdout; got != "data" {
			t.Errorf("dump: %q", got)
		}
	})
	t.Run("no password", func(t *testing.T) {
		w := *s
		w.t, w.password = t, ""
		for _, args := range [][]string{{"snapshots"}, {"init"}} {
			onlyErr(t, w.run(args...), exitUsage,
				"sqlvault: no password given: set SQLVAULT_PASSWORD, or use --password-file or --password-command")
		}
		w.env = []string{"SQLVAULT_PASSWORD="}
		onlyErr(t, w.run("snapshots"), exitUsage,
			"sqlvault: no password given: set SQLVAULT_PASSWORD, or use --password-file or --password-command")
	})
	t.Run("no repository", func(t *testing.T) {
		w := *s
		w.t, w.repo = t, ""
		onlyErr(t, w.run("snapshots"), exitUsage,
			"sqlvault: no repository given: use -r/--repo or set SQLVAULT_REPOSITORY")
	})
	t.Run("unknown flag", func(t *testing.T) {
		w := *s
		w.t = t
		onlyErr(t, w.run("backup", "--bogus", "x"), exitUsage,
			"sqlvault: flag provided but not defined: -bogus (see 'sqlvault backup --help')")
		r := w.run("--bogus", "snapshots")
		wantCode(t, r, exitUsage)
		if l := errLine(t, r); !strings.Contains(l, "bogus") {
			t.Errorf("message does not name the flag: %q", l)
		}
	})
	t.Run("unknown command", func(t *testing.T) {
		w := *s
		w.t = t
		r := w.run("bogus")
		if r.stderr != "sqlvault: unknown command \"bogus\" (see 'sqlvault --help')\n" {
			t.Errorf("stderr:\n%v", r)
		}
		if r.code == exitOK {
			t.Fatal("regression: an unknown command exits 0 (cmd/sqlvault/main.go: globals.unknownCommand is set by CommandNotFound but never read); want exit 2")
		}
		wantCode(t, r, exitUsage)
	})
}

func TestE2ESnapshotSelection(t *testing.T) {
	s := initRepo(t)
	onlyErr(t, s.run("restore", "latest", "--target", filepath.Join(s.dir, "x")), exitFailure,
		"sqlvault: no matching snapshot: the repository has no snapshots")
	onlyErr(t, s.run("dump", "latest", "stdin"), exitFailure,
		"sqlvault: no matching snapshot: the repository has no snapshots")
	onlyErr(t, s.run("ls", "latest"), exitFailure,
		"sqlvault: no matching snapshot: the repository has no snapshots")
	if r := s.mustRun("snapshots"); r.stdout != "ID  Time  Host  Source  Tags  Paths  Size  Added\n0 snapshots\n" {
		t.Errorf("snapshots of an empty repository:\n%v", r)
	}

	// Back up until two snapshot IDs share their first digit.
	byDigit := map[byte][]string{}
	var prefix string
	for i := 0; i < 17 && prefix == ""; i++ {
		s.runStdin(strings.NewReader(fmt.Sprintf("content %d", i)), "backup", "--stdin")
		sns := s.snapshots()
		id := sns[len(sns)-1].ID
		byDigit[id[0]] = append(byDigit[id[0]], id)
		if ids := byDigit[id[0]]; len(ids) == 2 {
			n := 0
			for n < len(ids[0]) && ids[0][n] == ids[1][n] {
				n++
			}
			prefix = ids[0][:n]
		}
	}
	if prefix == "" {
		t.Fatal("no two snapshot IDs share a prefix after 17 backups")
	}
	onlyErr(t, s.run("restore", prefix, "--target", filepath.Join(s.dir, "x")), exitFailure,
		fmt.Sprintf("sqlvault: snapshot ID prefix %q is ambiguous: give more digits", prefix))
	onlyErr(t, s.run("restore", "deadbeef", "--target", filepath.Join(s.dir, "x")), exitFailure,
		`sqlvault: no matching snapshot: no snapshot ID starts with "deadbeef" (see 'sqlvault snapshots')`)
	onlyErr(t, s.run("dump", "not-an-id", "stdin"), exitFailure,
		`sqlvault: no matching snapshot: "not-an-id" is not a snapshot ID or "latest"`)
	if _, err := os.Stat(filepath.Join(s.dir, "x")); err == nil {
		t.Errorf("a failed restore created its target folder")
	}
	// A unique prefix works, in upper case too.
	id := byDigit[prefix[0]][0]
	r := s.mustRun("dump", strings.ToUpper(id[:len(prefix)+1]), "stdin")
	if !strings.HasPrefix(r.stdout, "content ") {
		t.Errorf("dump by unique prefix: %q", r.stdout)
	}
}

func TestE2EUnreadableFile(t *testing.T) {
	s := newSV(t)
	src := filepath.Join(s.dir, "src")
	for _, f := range []string{"a.txt", "sub/b.txt", "sub/locked.txt", "sub/deeper/c.txt"} {
		writeFile(t, filepath.Join(src, f), []byte("content of "+f))
	}
	locked := filepath.Join(src, "sub", "locked.txt")
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	asUser := *s
	if os.Geteuid() == 0 {
		// root reads any file: run sqlvault as nobody.
		asUser.cred = &syscall.Credential{Uid: 65534, Gid: 65534}
		for _, d := range []string{filepath.Dir(s.dir), s.dir} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.MkdirAll(s.repo, 0o700); err != nil {
			t.Fatal(err)
		}
		for _, d := range []string{s.dir, src, s.repo} {
			if err := filepath.WalkDir(d, func(p string, _ fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				return os.Lchown(p, 65534, 65534)
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	asUser.mustRun("init", "--kdf-memory", "8", "--kdf-time", "1")
	r := asUser.run("backup", src)
	wantCode(t, r, exitIncomplete)
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if want := "warning: " + locked + ": open " + locked + ": permission denied"; lines[0] != want {
		t.Errorf("first line of stderr: want %q\n%v", want, r)
	}
	last := errLine(t, r)
	m := regexp.MustCompile(`(?m)^snapshot ([0-9a-f]{8}) saved: 3 new, 0 changed, 0 unchanged files;`).FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("no summary line\n%v", r)
	}
	if want := "sqlvault: backup incomplete: some files could not be read (1 unreadable): snapshot " + m[1] + " lacks them (see the warnings above)"; last != want {
		t.Errorf("last line:\n got %q\nwant %q", last, want)
	}
	sns := s.snapshots()
	if len(sns) != 1 || sns[0].ShortID != m[1] || sns[0].Summary == nil || !sns[0].Summary.Incomplete || sns[0].Summary.Errors != 1 {
		t.Fatalf("snapshots: %+v", sns)
	}
	got := strings.Join(s.lsPaths("latest", src), "\n")
	want := strings.ReplaceAll("/src\n/src/a.txt\n/src/sub\n/src/sub/b.txt\n/src/sub/deeper\n/src/sub/deeper/c.txt", "/src", src)
	if got != want {
		t.Errorf("ls latest:\n%s\nwant\n%s", got, want)
	}
	if r := s.mustRun("dump", "latest", src+"/sub/deeper/c.txt"); r.stdout != "content of sub/deeper/c.txt" {
		t.Errorf("dump: %q", r.stdout)
	}
	s.mustRun("check", "--read-data")
}

// blobPack finds the pack that holds blob id.
func (s *sv) blobPack(id string) (pack string, offset, length int) {
	s.t.Helper()
	for p, blobs := range s.allPackBlobs() {
		for _, b := range blobs {
			if b.ID == id {
				return p, b.Offset, b.Length
			}
		}
	}
	s.t.Fatalf("no pack holds blob %s", id)
	return "", 0, 0
}

// fileContent returns the data blob IDs of the file top/name below s.dir
// in a snapshot (which keeps its absolute path).
func (s *sv) fileContent(snapID, top, name string) []string {
	s.t.Helper()
	var sn struct{ Tree string }
	if err := json.Unmarshal([]byte(s.mustRun("cat", "snapshot", snapID).stdout), &sn); err != nil {
		s.t.Fatal(err)
	}
	p := filepath.Join(s.dir, top, name)
	tree := sn.Tree
	parts := strings.Split(p[1:], "/")
	for i, part := range parts {
		found := false
		for _, n := range s.catTree(tree) {
			if n.Name != part {
				continue
			}
			if i == len(parts)-1 {
				return n.Content
			}
			tree, found = n.Subtree, true
			break
		}
		if !found {
			break
		}
	}
	s.t.Fatalf("no %s in snapshot %s", p, snapID)
	return nil
}

func TestE2EDamagedPack(t *testing.T) {
	s := initRepo(t)
	a := filepath.Join(s.dir, "A", "a.bin")
	b := filepath.Join(s.dir, "B", "b.bin")
	writeFile(t, a, genBytes(21, 200_000))
	writeFile(t, b, genBytes(22, 200_000))
	s.mustRun("backup", filepath.Dir(a))
	s.mustRun("backup", filepath.Dir(b))
	sns := s.snapshots()
	if len(sns) != 2 {
		t.Fatalf("snapshots: %+v", sns)
	}
	snA, snB := sns[0].ID, sns[1].ID
	blobs := s.fileContent(snA, "A", "a.bin")
	if len(blobs) != 1 {
		t.Fatalf("a.bin has %d blobs, want 1", len(blobs))
	}
	blobA := blobs[0]
	pack, off, length := s.blobPack(blobA)
	packA := filepath.Base(pack)
	if bp, _, _ := s.blobPack(s.fileContent(snB, "B", "b.bin")[0]); bp == pack {
		t.Fatal("a.bin and b.bin are in the same pack")
	}

	s.mustRun("check", "--read-data")
	data := readRepoFile(t, pack)
	data[off+length/2] ^= 0x10
	writeRepoFile(t, pack, data)

	// The structure check reads pack headers only: it does not see this.
	r := s.mustRun("check")
	if !strings.HasPrefix(r.stdout, "no problems found") {
		t.Errorf("check:\n%v", r)
	}
	r = s.run("check", "--read-data")
	wantCode(t, r, exitDamaged)
	if want := fmt.Sprintf("error: pack %s, blob %s: ciphertext verification failed\n", packA, blobA); !strings.Contains(r.stdout, want) {
		t.Errorf("check --read-data does not print %q\n%v", want, r)
	}
	if want := fmt.Sprintf("error: pack %s: content does not match its name (SHA-256 differs)\n", packA); !strings.Contains(r.stdout, want) {
		t.Errorf("check --read-data does not print %q\n%v", want, r)
	}
	if want := "sqlvault: check found 2 problems in " + s.repo; errLine(t, r) != want {
		t.Errorf("check --read-data: want last line %q\n%v", want, r)
	}

	target := filepath.Join(s.dir, "restore-a")
	r = s.run("restore", snA, "--target", target)
	wantCode(t, r, exitDamaged)
	l := errLine(t, r)
	if !strings.Contains(l, blobA[:8]) || !strings.Contains(l, packA[:8]) {
		t.Errorf("restore message names neither blob %s nor pack %s: %q", blobA[:8], packA[:8], l)
	}
	if _, err := os.Stat(filepath.Join(target, s.dir, "A", "a.bin")); err == nil {
		t.Errorf("a damaged file was left in the restore target")
	}
	r = s.run("dump", snA, a)
	wantCode(t, r, exitDamaged)
	errLine(t, r)

	target = filepath.Join(s.dir, "restore-b")
	s.mustRun("restore", snB, "--target", target)
	sameFile(t, b, filepath.Join(target, s.dir, "B", "b.bin"))
	want, _ := os.ReadFile(b)
	if got := s.mustRun("dump", snB, b).stdout; got != string(want) {
		t.Errorf("dump of B differs")
	}
}

// waitForPack waits until a pack file exists in the repository.
// fedBackup is a backup of a stream the test feeds: it holds the
// repository's shared lock for as long as the test needs.
type fedBackup struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	src    io.Reader
	stderr bytes.Buffer
	exited chan struct{}
}

// startFedBackup starts "backup --stdin" of size bytes of genReader(seed)
// named name, feeds it half and waits until its first pack is stored.
func startFedBackup(ctx context.Context, t *testing.T, s *sv, seed byte, size int64, name string) *fedBackup {
	t.Helper()
	b := &fedBackup{src: io.LimitReader(genReader(seed), size), exited: make(chan struct{})}
	b.cmd = s.command(ctx, "backup", "--stdin", "--stdin-filename", name)
	var err error
	if b.in, err = b.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	b.cmd.Stderr = &b.stderr
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { b.cmd.Wait(); close(b.exited) }()
	if _, err := io.CopyN(b.in, b.src, size/2); err != nil {
		t.Fatal(err)
	}
	waitForPack(t, s.repo, b.exited)
	return b
}

// finish feeds the rest of the stream and fails t unless the backup
// succeeds.
func (b *fedBackup) finish(t *testing.T) {
	t.Helper()
	if _, err := io.Copy(b.in, b.src); err != nil {
		t.Fatal(err)
	}
	b.in.Close()
	<-b.exited
	if !b.cmd.ProcessState.Success() {
		t.Fatalf("backup failed: %s", b.stderr.String())
	}
}

func waitForPack(t *testing.T, repo string, exited <-chan struct{}) {
	t.Helper()
	waitForPacks(t, repo, 0, exited)
}

// waitForPacks waits until the repository holds more than n packs.
func waitForPacks(t *testing.T, repo string, n int, exited <-chan struct{}) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for len(packFiles(repo)) <= n {
		select {
		case <-exited:
			t.Fatal("backup ended before it wrote a pack")
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no pack after 30 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// startStreamBackup starts "backup --stdin" of a 300 MB generated stream.
func (s *sv) startStreamBackup(ctx context.Context) (*exec.Cmd, *bytes.Buffer, chan struct{}) {
	s.t.Helper()
	cmd := s.command(ctx, "backup", "--stdin", "--stdin-filename", "big.sql")
	cmd.Stdin = io.LimitReader(genReader(42), 300<<20)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	return cmd, &errb, exited
}

func TestE2EKilledBackup(t *testing.T) {
	s := initRepo(t)
	s.runStdin(strings.NewReader("before"), "backup", "--stdin", "--stdin-filename", "first.txt")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd, _, exited := s.startStreamBackup(ctx)
	waitForPack(t, s.repo, exited)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited
	if st := cmd.ProcessState; st == nil || st.Success() {
		t.Fatalf("killed backup: %v", st)
	}

	if sns := s.snapshots(); len(sns) != 1 || sns[0].Paths[0] != "first.txt" {
		t.Fatalf("snapshots after a killed backup: %+v", sns)
	}
	s.mustRun("check")

	// The next backup works (and takes the dead process's lock as stale).
	want := make([]byte, 40<<20)
	io.ReadFull(genReader(42), want)
	r := s.runStdin(bytes.NewReader(want), "backup", "--stdin", "--stdin-filename", "big.sql")
	wantCode(t, r, exitOK)
	if got := s.mustRun("dump", "latest", "big.sql").stdout; got != string(want) {
		t.Errorf("dump after a killed backup: %d bytes that differ from the %d backed up", len(got), len(want))
	}
	s.mustRun("check", "--read-data")
}

func TestE2EInterruptedBackup(t *testing.T) {
	s := initRepo(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd, errb, exited := s.startStreamBackup(ctx)
	waitForPack(t, s.repo, exited)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	<-exited
	r := result{args: cmd.Args[1:], code: cmd.ProcessState.ExitCode(), stderr: errb.String()}
	noPanic(t, r)
	wantCode(t, r, exitInterrupted)
	var bugs []string
	if l := errLine(t, r); !strings.Contains(l, "interrupted") {
		bugs = append(bugs, fmt.Sprintf("the message does not say the backup was interrupted: %q", l))
	}
	if sns := s.snapshots(); len(sns) != 0 {
		t.Errorf("snapshots after an interrupted backup: %+v", sns)
	}
	if locks := repoFiles(t, s.repo, "locks"); len(locks) != 0 {
		t.Errorf("an interrupted backup left %d locks", len(locks))
	}
	s.mustRun("check")
	if tmp := tempFiles(t, s.repo); len(tmp) > 0 {
		bugs = append(bugs, fmt.Sprintf("an interrupted backup leaves temporary files: %q", tmp))
	}
	if len(bugs) > 0 {
		t.Fatal("regression: " + strings.Join(bugs, "; "))
	}
}

func TestE2EDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("this test mounts a tmpfs and must run as root in CI")
		}
		t.Skip("needs root to mount a small tmpfs")
	}
	s := newSV(t)
	mnt := filepath.Join(s.dir, "small")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=24m"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("mount tmpfs: %v", err)
		}
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(mnt, 0); err != nil {
			t.Errorf("unmount %s: %v", mnt, err)
		}
	})
	s.repo = filepath.Join(mnt, "repo")
	s.mustRun("init", "--kdf-memory", "8", "--kdf-time", "1")
	small := filepath.Join(s.dir, "src", "small.txt")
	writeFile(t, small, []byte("a small file\n"))
	s.mustRun("backup", filepath.Dir(small))

	big := filepath.Join(s.dir, "big", "big.bin")
	writeFile(t, big, genBytes(5, 60<<20))
	r := s.run("backup", filepath.Dir(big))
	wantCode(t, r, exitFailure)
	line := errLine(t, r)
	var bugs []string
	if !strings.Contains(line, "storage is full") || !strings.Contains(line, "free space") {
		bugs = append(bugs, fmt.Sprintf("the disk-full message does not say the storage is full and what to do: %q", line))
	}

	if sns := s.snapshots(); len(sns) != 1 {
		t.Errorf("snapshots after a failed backup: %+v", sns)
	}
	s.mustRun("check")
	target := filepath.Join(s.dir, "restored")
	s.mustRun("restore", "latest", "--target", target)
	sameFile(t, small, filepath.Join(target, small))
	if tmp := tempFiles(t, s.repo); len(tmp) > 0 {
		bugs = append(bugs, fmt.Sprintf("a failed backup leaves temporary files: %q", tmp))
	}
	if len(bugs) > 0 {
		t.Fatal("regression: " + strings.Join(bugs, "; "))
	}
}

func TestE2EArguments(t *testing.T) {
	s := initRepo(t)
	src := filepath.Join(s.dir, "src")
	writeFile(t, filepath.Join(src, "one.txt"), []byte("one"))
	writeFile(t, filepath.Join(src, "sub", "two.txt"), []byte("two"))

	// -v before and after the path.
	r := s.mustRun("backup", "-v", src)
	if !regexp.MustCompile(`(?m)^new +` + regexp.QuoteMeta(filepath.Join(src, "one.txt")) + ` \(3 B\)$`).MatchString(r.stderr) {
		t.Errorf("backup -v PATH is not verbose\n%v", r)
	}
	r = s.mustRun("backup", src, "-v")
	if !regexp.MustCompile(`(?m)^unchanged +` + regexp.QuoteMeta(filepath.Join(src, "sub", "two.txt")) + ` \(3 B\)$`).MatchString(r.stderr) {
		t.Errorf("backup PATH -v is not verbose\n%v", r)
	}
	if r := s.mustRun("backup", src); regexp.MustCompile(`(?m)^(new|unchanged) `).MatchString(r.stderr) {
		t.Errorf("backup without -v is verbose\n%v", r)
	}

	// Flags after the positional argument.
	for i, args := range [][]string{
		{"restore", "latest", "--target", "DIR"},
		{"restore", "--target", "DIR", "latest"},
		{"restore", "latest", "-t", "DIR"},
		{"restore", "latest", "--target=DIR"},
	} {
		dir := filepath.Join(s.dir, fmt.Sprintf("restore%d", i))
		for j := range args {
			args[j] = strings.Replace(args[j], "DIR", dir, 1)
		}
		s.mustRun(args...)
		if b, err := os.ReadFile(filepath.Join(dir, src, "sub", "two.txt")); err != nil || string(b) != "two" {
			t.Errorf("%q: %q, %v", args, b, err)
		}
	}
	// A relative --target is relative to the working directory.
	s.mustRun("restore", "latest", "--target", "rel")
	if b, err := os.ReadFile(filepath.Join(s.dir, "rel", src, "one.txt")); err != nil || string(b) != "one" {
		t.Errorf("restore --target rel: %q, %v", b, err)
	}
	t.Run("restore without --target", func(t *testing.T) {
		w := *s
		w.t = t
		for _, args := range [][]string{{"restore", "latest"}, {"restore"}} {
			r := w.run(args...)
			if r.code == exitFailure || r.stdout != "" || strings.Count(r.stderr, "\n") > 1 {
				t.Fatalf("regression: %q without --target exits %d with help on stdout and extra lines (cmd/sqlvault/restore.go: Required: true on --target; urfave/cli then runs its help action on the positional argument)\n%v", args, r.code, r)
			}
			wantCode(t, r, exitUsage)
			if l := errLine(t, r); len(args) == 2 && !strings.Contains(l, "target") {
				t.Errorf("message does not name --target: %q", l)
			}
		}
	})

	// Password from a file and from a command, instead of SQLVAULT_PASSWORD.
	pwFile := filepath.Join(s.dir, "pw")
	writeFile(t, pwFile, []byte(s.password+"\n"))
	w := *s
	w.password = ""
	if r := w.mustRun("--password-file", pwFile, "snapshots"); !strings.Contains(r.stdout, "3 snapshots") {
		t.Errorf("--password-file:\n%v", r)
	}
	if r := w.mustRun("snapshots", "--password-file", pwFile); !strings.Contains(r.stdout, "3 snapshots") {
		t.Errorf("snapshots --password-file:\n%v", r)
	}
	if r := w.mustRun("--password-command", "echo '"+s.password+"'", "snapshots"); !strings.Contains(r.stdout, "3 snapshots") {
		t.Errorf("--password-command:\n%v", r)
	}
	w.env = []string{"SQLVAULT_PASSWORD_FILE=" + pwFile}
	if r := w.mustRun("snapshots"); !strings.Contains(r.stdout, "3 snapshots") {
		t.Errorf("SQLVAULT_PASSWORD_FILE:\n%v", r)
	}
	w.env = nil
	r = w.run("--password-file", filepath.Join(s.dir, "missing"), "snapshots")
	wantCode(t, r, exitUsage)
	if l := errLine(t, r); !strings.Contains(l, "password file") {
		t.Errorf("missing password file: %q", l)
	}
	r = w.run("--password-command", "exit 7", "snapshots")
	wantCode(t, r, exitUsage)
	if l := errLine(t, r); !strings.Contains(l, "password command failed") {
		t.Errorf("failing password command: %q", l)
	}
	writeFile(t, pwFile, []byte("not it\n"))
	onlyErr(t, w.run("--password-file", pwFile, "snapshots"), exitPassword,
		"sqlvault: wrong password or no key found for the repository at "+s.repo+": check SQLVAULT_PASSWORD or --password-file")

	// -r/--repo instead of SQLVAULT_REPOSITORY.
	w = *s
	w.repo = ""
	if r := w.mustRun("-r", s.repo, "snapshots"); !strings.Contains(r.stdout, "3 snapshots") {
		t.Errorf("-r:\n%v", r)
	}

	// cat config prints the repository's parameters.
	r = s.mustRun("cat", "config")
	var cfg map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &cfg); err != nil {
		t.Fatalf("cat config: %v\n%v", err, r)
	}
	for _, k := range []string{"id", "chunker", "pack_size", "compression"} {
		if _, ok := cfg[k]; !ok {
			t.Errorf("cat config lacks %q:\n%s", k, r.stdout)
		}
	}
	r = s.mustRun("version")
	if !strings.HasPrefix(r.stdout, "sqlvault ") {
		t.Errorf("version: %q", r.stdout)
	}
}

func TestE2EBackupMissingPath(t *testing.T) {
	s := initRepo(t)
	missing := filepath.Join(s.dir, "no such folder")
	r := s.run("backup", missing)
	noPanic(t, r)
	l := errLine(t, r)
	if sns := s.snapshots(); r.code == exitIncomplete && len(sns) == 1 {
		t.Fatalf("regression: backing up a path that does not exist writes an empty snapshot and exits 3 (snapshot/archiver.go saveItem only warns); want an error and no snapshot\n%v", r)
	} else if len(sns) != 0 {
		t.Errorf("snapshots: %+v", sns)
	}
	if !strings.Contains(l, missing) {
		t.Errorf("message does not name the path: %q", l)
	}
	if r.code == exitOK || r.code == exitIncomplete {
		t.Errorf("want a failure exit code\n%v", r)
	}
}

// TestE2EInitFlags: init records its parameters in the config, and refuses
// values out of range with a usage error before creating anything.
func TestE2EInitFlags(t *testing.T) {
	for _, tc := range []struct {
		flag, value, want string
	}{
		{"--delta-ratio", "0", "sqlvault: init: invalid delta ratio 0 (above 0, at most 1)"},
		{"--delta-ratio", "1.5", "sqlvault: init: invalid delta ratio 1.5 (above 0, at most 1)"},
		{"--pack-size", "0", "sqlvault: init: invalid pack size 0 (1 MiB to 512 MiB)"},
		{"--compression", "ultra", `sqlvault: init: unknown compression level "ultra" (fastest, default, better, best)`},
	} {
		s := newSV(t)
		onlyErr(t, s.run("init", tc.flag, tc.value, "--kdf-memory", "8", "--kdf-time", "1"), exitUsage, tc.want)
		if s.backendEnv == nil {
			if _, err := os.Stat(s.repo); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("init %s %s left %s behind (%v)", tc.flag, tc.value, s.repo, err)
			}
		}
	}
	s := newSV(t)
	s.mustRun("init", "--delta-ratio", "0.2", "--pack-size", "4", "--compression", "better", "--kdf-memory", "8", "--kdf-time", "1")
	var cfg struct {
		PackSize    int    `json:"pack_size"`
		Compression string `json:"compression"`
		Delta       struct {
			Enabled  bool    `json:"enabled"`
			MaxRatio float64 `json:"max_ratio"`
		} `json:"delta"`
	}
	r := s.mustRun("cat", "config")
	if err := json.Unmarshal([]byte(r.stdout), &cfg); err != nil {
		t.Fatalf("cat config: %v\n%v", err, r)
	}
	if cfg.PackSize != 4<<20 || cfg.Compression != "better" || !cfg.Delta.Enabled || cfg.Delta.MaxRatio != 0.2 {
		t.Errorf("config after init --delta-ratio 0.2 --pack-size 4 --compression better: %+v", cfg)
	}
}
