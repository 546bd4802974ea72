package local

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sqlvault/sqlvault/backend"
)

const packName = "ab34567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef"

func newLocal(t *testing.T) (*Local, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo")
	l := New(dir)
	if err := l.Create(context.Background()); err != nil {
		t.Fatalf("Create: %v", err)
	}
	return l, dir
}

func save(t *testing.T, l *Local, h backend.Handle, data []byte) {
	t.Helper()
	if err := l.Save(context.Background(), h, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("Save %v: %v", h, err)
	}
}

func load(t *testing.T, l *Local, h backend.Handle, off, n int64) []byte {
	t.Helper()
	rd, err := l.Load(context.Background(), h, off, n)
	if err != nil {
		t.Fatalf("Load %v %d+%d: %v", h, off, n, err)
	}
	defer rd.Close()
	b, err := io.ReadAll(rd)
	if err != nil {
		t.Fatalf("read %v: %v", h, err)
	}
	return b
}

func list(t *testing.T, l *Local, ft backend.FileType) []backend.FileInfo {
	t.Helper()
	var fis []backend.FileInfo
	if err := l.List(context.Background(), ft, func(fi backend.FileInfo) error { fis = append(fis, fi); return nil }); err != nil {
		t.Fatalf("List %s: %v", ft, err)
	}
	sort.Slice(fis, func(i, j int) bool { return fis[i].Name < fis[j].Name })
	return fis
}

func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	var tmp []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), ".tmp-") {
			tmp = append(tmp, p)
		}
		return nil
	})
	return tmp
}

func TestCreateLayout(t *testing.T) {
	l, dir := newLocal(t)
	if l.Location() != dir {
		t.Fatalf("Location = %q, want %q", l.Location(), dir)
	}
	for _, d := range []string{"keys", "data", "index", "snapshots", "locks", "data/00", "data/7f", "data/ff"} {
		fi, err := os.Stat(filepath.Join(dir, d))
		if err != nil || !fi.IsDir() {
			t.Errorf("folder %s: %v", d, err)
			continue
		}
		if fi.Mode().Perm() != 0o700 {
			t.Errorf("folder %s has mode %v, want 0700", d, fi.Mode().Perm())
		}
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "data"))
	if len(entries) != 256 {
		t.Fatalf("data has %d sub-folders, want 256", len(entries))
	}
	// Create on a folder that is already a repository.
	save(t, l, backend.Handle{Type: backend.Config}, []byte("cfg"))
	if err := l.Create(context.Background()); !errors.Is(err, backend.ErrExist) {
		t.Fatalf("second Create: err = %v, want ErrExist", err)
	}
}

func TestSaveLoadStatRemove(t *testing.T) {
	ctx := context.Background()
	l, dir := newLocal(t)
	data := []byte("0123456789abcdefghij")
	h := backend.Handle{Type: backend.Pack, Name: packName}
	save(t, l, h, data)
	// Packs go to a sub-folder named by the first two digits.
	onDisk, err := os.ReadFile(filepath.Join(dir, "data", "ab", packName))
	if err != nil || !bytes.Equal(onDisk, data) {
		t.Fatalf("pack file on disk: %q, %v", onDisk, err)
	}
	fi, err := os.Stat(filepath.Join(dir, "data", "ab", packName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("pack file mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	for _, tc := range []struct {
		off, n int64
		want   string
	}{
		{0, 0, "0123456789abcdefghij"},
		{0, 5, "01234"},
		{5, 5, "56789"},
		{15, 0, "fghij"},
		{19, 1, "j"},
		{20, 0, ""},
		{18, 10, "ij"}, // a range past the end is cut short
	} {
		if got := load(t, l, h, tc.off, tc.n); string(got) != tc.want {
			t.Errorf("Load %d+%d = %q, want %q", tc.off, tc.n, got, tc.want)
		}
	}
	if _, err := l.Load(ctx, h, -1, 0); err == nil || !strings.Contains(err.Error(), "invalid range -1+0") {
		t.Errorf("negative offset: err = %v", err)
	}
	if _, err := l.Load(ctx, h, 0, -5); err == nil || !strings.Contains(err.Error(), "invalid range") {
		t.Errorf("negative length: err = %v", err)
	}
	st, err := l.Stat(ctx, h)
	if err != nil || st != (backend.FileInfo{Name: packName, Size: 20}) {
		t.Fatalf("Stat = %+v, %v", st, err)
	}
	if err := l.Remove(ctx, h); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Stat(ctx, h); !errors.Is(err, backend.ErrNotExist) {
		t.Fatalf("Stat after Remove: err = %v", err)
	}
	if err := l.Remove(ctx, h); err != nil {
		t.Fatalf("Remove of a missing file: %v", err)
	}
}

func TestErrNotExistWrapping(t *testing.T) {
	ctx := context.Background()
	l, dir := newLocal(t)
	h := backend.Handle{Type: backend.Snapshot, Name: packName}
	_, err := l.Load(ctx, h, 0, 0)
	if !errors.Is(err, backend.ErrNotExist) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load of a missing file: err = %v, want backend.ErrNotExist and fs.ErrNotExist", err)
	}
	if !strings.Contains(err.Error(), "load snapshots/"+packName) {
		t.Fatalf("error %q does not name the file", err)
	}
	_, err = l.Stat(ctx, h)
	if !errors.Is(err, backend.ErrNotExist) || !strings.Contains(err.Error(), "stat snapshots/") {
		t.Fatalf("Stat: err = %v", err)
	}
	_, err = l.Load(ctx, backend.Handle{Type: backend.Config}, 0, 0)
	if !errors.Is(err, backend.ErrNotExist) {
		t.Fatalf("Load config: err = %v", err)
	}
	_, err = backend.LoadAll(ctx, l, h)
	if !errors.Is(err, backend.ErrNotExist) {
		t.Fatalf("LoadAll: err = %v", err)
	}
	// A repository folder that does not exist: listing fails with ErrNotExist.
	missing := New(filepath.Join(dir, "nope"))
	err = missing.List(ctx, backend.Index, func(backend.FileInfo) error { return nil })
	if !errors.Is(err, backend.ErrNotExist) {
		t.Fatalf("List in a missing repository: err = %v", err)
	}
	err = missing.List(ctx, backend.Pack, func(backend.FileInfo) error { return nil })
	if !errors.Is(err, backend.ErrNotExist) {
		t.Fatalf("List packs in a missing repository: err = %v", err)
	}
	var w *wrapped
	if !errors.As(err, &w) || w.Error() == "" {
		t.Fatal("error is not the backend's wrapped type")
	}
}

func TestSaveConfigAndKeyOnce(t *testing.T) {
	ctx := context.Background()
	l, dir := newLocal(t)
	cfg := backend.Handle{Type: backend.Config}
	save(t, l, cfg, []byte("first"))
	err := l.Save(ctx, cfg, strings.NewReader("second"), 6)
	if !errors.Is(err, backend.ErrExist) || !strings.Contains(err.Error(), "save config") {
		t.Fatalf("second Save of config: err = %v, want ErrExist", err)
	}
	if got := load(t, l, cfg, 0, 0); string(got) != "first" {
		t.Fatalf("config replaced: %q", got)
	}
	key := backend.Handle{Type: backend.Key, Name: packName}
	save(t, l, key, []byte("k1"))
	if err := l.Save(ctx, key, strings.NewReader("k2"), 2); !errors.Is(err, backend.ErrExist) {
		t.Fatalf("second Save of a key: err = %v", err)
	}
	if got := load(t, l, key, 0, 0); string(got) != "k1" {
		t.Fatalf("key replaced: %q", got)
	}
	if tmp := tempFiles(t, dir); len(tmp) != 0 {
		t.Fatalf("temporary files left: %v", tmp)
	}
	// Content-addressed files: saving the same name again keeps a file.
	idx := backend.Handle{Type: backend.Index, Name: packName}
	save(t, l, idx, []byte("same"))
	save(t, l, idx, []byte("same"))
	if got := load(t, l, idx, 0, 0); string(got) != "same" {
		t.Fatalf("index after two saves: %q", got)
	}
}

func TestSaveSizeMismatchLeavesNothing(t *testing.T) {
	ctx := context.Background()
	l, dir := newLocal(t)
	h := backend.Handle{Type: backend.Index, Name: packName}
	err := l.Save(ctx, h, strings.NewReader("abc"), 4)
	if err == nil || !strings.Contains(err.Error(), "wrote 3 bytes, expected 4") {
		t.Fatalf("err = %v", err)
	}
	if _, err := l.Stat(ctx, h); !errors.Is(err, backend.ErrNotExist) {
		t.Fatalf("a file was saved despite the error: %v", err)
	}
	if tmp := tempFiles(t, dir); len(tmp) != 0 {
		t.Fatalf("temporary files left: %v", tmp)
	}
}

type failReader struct{ n int }

func (r *failReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, errors.New("source broke")
	}
	n := min(len(p), r.n)
	r.n -= n
	return n, nil
}

func TestSaveReaderErrorAndCancel(t *testing.T) {
	l, dir := newLocal(t)
	h := backend.Handle{Type: backend.Snapshot, Name: packName}
	err := l.Save(context.Background(), h, &failReader{n: 100}, 1000)
	if err == nil || !strings.Contains(err.Error(), "source broke") {
		t.Fatalf("reader error: err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = l.Save(ctx, h, strings.NewReader("data"), 4)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Save: err = %v", err)
	}
	if _, err := l.Stat(context.Background(), h); !errors.Is(err, backend.ErrNotExist) {
		t.Fatal("a failed Save left the file")
	}
	if tmp := tempFiles(t, dir); len(tmp) != 0 {
		t.Fatalf("temporary files left: %v", tmp)
	}
}

func TestList(t *testing.T) {
	l, dir := newLocal(t)
	names := []string{"00" + packName[2:], "ab" + packName[2:], "ff" + packName[2:]}
	for i, n := range names {
		save(t, l, backend.Handle{Type: backend.Pack, Name: n}, bytes.Repeat([]byte("x"), i+1))
	}
	save(t, l, backend.Handle{Type: backend.Snapshot, Name: "s1"}, []byte("12345"))
	// Temporary files and stray folders are not listed.
	for _, p := range []string{"data/ab/.tmp-123", "data/.tmp-456", "snapshots/.tmp-789", "snapshots/.hidden"} {
		if err := os.WriteFile(filepath.Join(dir, p), []byte("tmp"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "snapshots", "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	got := list(t, l, backend.Pack)
	want := []backend.FileInfo{{Name: names[0], Size: 1}, {Name: names[1], Size: 2}, {Name: names[2], Size: 3}}
	if len(got) != len(want) {
		t.Fatalf("List packs = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("List packs = %+v, want %+v", got, want)
		}
	}
	if got := list(t, l, backend.Snapshot); len(got) != 1 || got[0] != (backend.FileInfo{Name: "s1", Size: 5}) {
		t.Fatalf("List snapshots = %+v", got)
	}
	if got := list(t, l, backend.Lock); len(got) != 0 {
		t.Fatalf("List locks = %+v", got)
	}
	// An error from fn stops the listing and is returned.
	stop := errors.New("stop")
	calls := 0
	err := l.List(context.Background(), backend.Pack, func(backend.FileInfo) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("List with a failing fn: %v after %d calls", err, calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.List(ctx, backend.Pack, func(backend.FileInfo) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("List with a cancelled context: err = %v", err)
	}
	// RemoveTemp deletes the temporary files older than the cutoff only.
	tmps := tempFiles(t, dir)
	if len(tmps) < 2 {
		t.Fatalf("temporary files %v", tmps)
	}
	old := time.Now().Add(-2 * time.Hour)
	for _, p := range tmps[1:] {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	cutoff := time.Now().Add(-time.Hour)
	st, err := l.RemoveTemp(context.Background(), cutoff, true)
	if err != nil || st.Removed != len(tmps)-1 || st.Bytes != int64(3*(len(tmps)-1)) {
		t.Fatalf("RemoveTemp dry run = %+v, %v", st, err)
	}
	if left := tempFiles(t, dir); len(left) != len(tmps) {
		t.Fatalf("a dry run removed %v", left)
	}
	st, err = l.RemoveTemp(context.Background(), cutoff, false)
	if err != nil || st.Removed != len(tmps)-1 {
		t.Fatalf("RemoveTemp = %+v, %v", st, err)
	}
	if left := tempFiles(t, dir); len(left) != 1 || left[0] != tmps[0] {
		t.Fatalf("RemoveTemp left %v, want only the recent %s", left, tmps[0])
	}
	if _, err := os.Stat(filepath.Join(dir, "snapshots", ".hidden")); err != nil {
		t.Fatalf("RemoveTemp removed a non-temporary file: %v", err)
	}
	if got := list(t, l, backend.Pack); len(got) != 3 {
		t.Fatalf("RemoveTemp removed packs: %+v", got)
	}
}

func TestInvalidNames(t *testing.T) {
	ctx := context.Background()
	l, dir := newLocal(t)
	for _, name := range []string{"", "a/b", `a\b`, ".hidden", ".tmp-x", "..", "../config", "/etc/passwd"} {
		h := backend.Handle{Type: backend.Snapshot, Name: name}
		check := func(op string, err error) {
			t.Helper()
			if err == nil || !strings.Contains(err.Error(), "invalid file name") || !strings.Contains(err.Error(), "snapshots") {
				t.Errorf("%s %q: err = %v", op, name, err)
			}
		}
		check("Save", l.Save(ctx, h, strings.NewReader("x"), 1))
		_, err := l.Load(ctx, h, 0, 0)
		check("Load", err)
		_, err = l.Stat(ctx, h)
		check("Stat", err)
		check("Remove", l.Remove(ctx, h))
		st, err := l.Stage(ctx, backend.Snapshot)
		if err != nil {
			t.Fatal(err)
		}
		check("Commit", st.Commit(ctx, name))
	}
	if tmp := tempFiles(t, dir); len(tmp) != 0 {
		t.Fatalf("temporary files left after invalid commits: %v", tmp)
	}
	// Nothing was written outside the repository folder.
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "config")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("a file escaped the repository")
	}
}

func TestStageCommit(t *testing.T) {
	ctx := context.Background()
	l, dir := newLocal(t)
	st, err := l.Stage(ctx, backend.Pack)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"part one, ", "part two"} {
		if n, err := st.Write([]byte(part)); err != nil || n != len(part) {
			t.Fatalf("Write: %d, %v", n, err)
		}
	}
	// While staged, the file is not listed.
	if got := list(t, l, backend.Pack); len(got) != 0 {
		t.Fatalf("staged file listed: %+v", got)
	}
	if tmp := tempFiles(t, dir); len(tmp) != 1 {
		t.Fatalf("temporary files while staging: %v", tmp)
	}
	if err := st.Commit(ctx, packName); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if got := load(t, l, backend.Handle{Type: backend.Pack, Name: packName}, 0, 0); string(got) != "part one, part two" {
		t.Fatalf("committed content %q", got)
	}
	if got := list(t, l, backend.Pack); len(got) != 1 || got[0] != (backend.FileInfo{Name: packName, Size: 18}) {
		t.Fatalf("List after Commit = %+v", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "ab", packName)); err != nil {
		t.Fatalf("pack not in its sub-folder: %v", err)
	}
	if tmp := tempFiles(t, dir); len(tmp) != 0 {
		t.Fatalf("temporary files after Commit: %v", tmp)
	}
	// A missing sub-folder is created.
	if err := os.Remove(filepath.Join(dir, "data", "cd")); err != nil {
		t.Fatal(err)
	}
	st, err = l.Stage(ctx, backend.Pack)
	if err != nil {
		t.Fatal(err)
	}
	st.Write([]byte("x"))
	name := "cd" + packName[2:]
	if err := st.Commit(ctx, name); err != nil {
		t.Fatalf("Commit into a missing sub-folder: %v", err)
	}
	if got := load(t, l, backend.Handle{Type: backend.Pack, Name: name}, 0, 0); string(got) != "x" {
		t.Fatalf("content %q", got)
	}
	// Other types are staged in their own folder.
	st, err = l.Stage(ctx, backend.Index)
	if err != nil {
		t.Fatal(err)
	}
	st.Write([]byte("idx"))
	if err := st.Commit(ctx, "i1"); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "index", "i1")); err != nil || string(got) != "idx" {
		t.Fatalf("index file %q, %v", got, err)
	}
}

func TestStageAbort(t *testing.T) {
	ctx := context.Background()
	l, dir := newLocal(t)
	st, err := l.Stage(ctx, backend.Pack)
	if err != nil {
		t.Fatal(err)
	}
	st.Write([]byte("discard me"))
	if err := st.Abort(); err != nil {
		t.Fatalf("Abort: %v", err)
	}
	if tmp := tempFiles(t, dir); len(tmp) != 0 {
		t.Fatalf("temporary files after Abort: %v", tmp)
	}
	if got := list(t, l, backend.Pack); len(got) != 0 {
		t.Fatalf("aborted file listed: %+v", got)
	}
	// Writing after Abort fails.
	if _, err := st.Write([]byte("more")); err == nil {
		t.Fatal("Write after Abort succeeded")
	}
}

func TestStageInMissingRepository(t *testing.T) {
	l := New(filepath.Join(t.TempDir(), "nope"))
	_, err := l.Stage(context.Background(), backend.Pack)
	if !errors.Is(err, backend.ErrNotExist) || !strings.Contains(err.Error(), "create temporary data file") {
		t.Fatalf("err = %v", err)
	}
}

func TestMapErr(t *testing.T) {
	if err := mapErr(&fs.PathError{Op: "write", Path: "p", Err: syscall.ENOSPC}); !errors.Is(err, backend.ErrNoSpace) || !strings.Contains(err.Error(), "write p") {
		t.Fatalf("ENOSPC: %v", err)
	}
	plain := errors.New("other")
	if mapErr(plain) != plain {
		t.Fatal("mapErr changed an unrelated error")
	}
}

func TestBugSaveLockTwiceReplaces(t *testing.T) {
	l, _ := newLocal(t)
	h := backend.Handle{Type: backend.Lock, Name: packName}
	save(t, l, h, []byte("first"))
	err := l.Save(context.Background(), h, strings.NewReader("second"), 6)
	if !errors.Is(err, backend.ErrExist) {
		t.Errorf("second Save of a lock: err = %v, want ErrExist", err)
	}
	if got := load(t, l, h, 0, 0); string(got) != "first" {
		t.Errorf("lock replaced: %q", got)
	}
}
