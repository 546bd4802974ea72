package snapshot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/backend/local"
	"github.com/sqlvault/sqlvault/chunk"
	"github.com/sqlvault/sqlvault/repo"
)

const testPassword = "snapshot test password"

var testKDF = repo.KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1}

// smallChunks gives chunks of 4 to 64 KiB, 16 KiB on average, so that small
// test files span several chunks.
var smallChunks = chunk.Params{MinSize: 4 << 10, MaxSize: 64 << 10, AvgBits: 14}

func testConfig() repo.Config {
	cfg := repo.DefaultConfig()
	cfg.PackSize = 1 << 20
	cfg.Chunker = smallChunks
	return cfg
}

func newRepo(t testing.TB) (*repo.Repository, string) {
	t.Helper()
	return newRepoOn(t, nil)
}

// newRepoOn creates a repository; wrap, if set, wraps the local backend.
func newRepoOn(t testing.TB, wrap func(*local.Local) backend.Backend) (*repo.Repository, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo")
	var be backend.Backend = local.New(dir)
	if wrap != nil {
		be = wrap(local.New(dir))
	}
	r, err := repo.Init(context.Background(), be, testPassword, repo.InitOptions{Config: testConfig(), KDF: testKDF, Polynomial: chunk.TestPolynomial})
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	return r, dir
}

// reopen opens the repository in dir afresh and loads its index.
func reopen(t testing.TB, dir string) *repo.Repository {
	t.Helper()
	ctx := context.Background()
	r, err := repo.Open(ctx, local.New(dir), testPassword)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := r.LoadIndex(ctx); err != nil {
		t.Fatalf("LoadIndex: %v", err)
	}
	return r
}

// randomBytes returns n incompressible bytes. They are the same in every
// run: each test draws from its own stream, seeded with the test's name, so
// a test's chunk boundaries and sizes never vary.
func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	src, loaded := testRand.LoadOrStore(t, rand.NewChaCha8(sha256.Sum256([]byte(t.Name()))))
	if !loaded {
		t.Cleanup(func() { testRand.Delete(t) })
	}
	b := make([]byte, n)
	_, _ = src.(*rand.ChaCha8).Read(b)
	return b
}

// testRand holds each running test's stream of random bytes.
var testRand sync.Map // testing.TB → *rand.ChaCha8

func writeFile(t testing.TB, p string, data []byte, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	// Replace rather than overwrite: the old file may be read-only, and
	// tests do not always run as root.
	if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // not filtered by the umask
		t.Fatal(err)
	}
}

// setMtime sets the modification time of p (not following symlinks).
func setMtime(t testing.TB, p string, mt time.Time) {
	t.Helper()
	ts := []unix.Timespec{unix.NsecToTimespec(mt.UnixNano()), unix.NsecToTimespec(mt.UnixNano())}
	if err := unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		t.Fatal(err)
	}
}

type fileState struct {
	mode   fs.FileMode
	mtime  int64
	data   string // content or link target
	target string
}

// scan records every item below root by its relative path.
func scan(t testing.TB, root string) map[string]fileState {
	t.Helper()
	out := map[string]fileState{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fileState{mode: fi.Mode(), mtime: fi.ModTime().UnixNano()}
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			st.data = string(b)
		case fi.Mode()&fs.ModeSymlink != 0:
			st.target, err = os.Readlink(p)
			if err != nil {
				return err
			}
		}
		out[rel] = st
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// compareTrees fails unless the two folders hold the same items with the
// same type, mode, modification time (to the nanosecond) and content.
func compareTrees(t testing.TB, want, got string) {
	t.Helper()
	w, g := scan(t, want), scan(t, got)
	for _, k := range sortedKeys(w) {
		ws, ok := g[k]
		if !ok {
			t.Errorf("%s: not restored", k)
			continue
		}
		a := w[k]
		if k == "." {
			continue // the restore target itself
		}
		if a.mode != ws.mode {
			t.Errorf("%s: mode %v, want %v", k, ws.mode, a.mode)
		}
		if a.mtime != ws.mtime {
			t.Errorf("%s: mtime %v, want %v", k, time.Unix(0, ws.mtime), time.Unix(0, a.mtime))
		}
		if a.data != ws.data {
			t.Errorf("%s: content differs (%d bytes, want %d)", k, len(ws.data), len(a.data))
		}
		if a.target != ws.target {
			t.Errorf("%s: link target %q, want %q", k, ws.target, a.target)
		}
	}
	for _, k := range sortedKeys(g) {
		if _, ok := w[k]; !ok {
			t.Errorf("%s: restored but not in the source", k)
		}
	}
}

func mustLoadAllSnapshots(t testing.TB, r *repo.Repository) []*Snapshot {
	t.Helper()
	sns, err := List(context.Background(), r, nil)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return sns
}

func contentOf(t testing.TB, r *repo.Repository, ids []repo.ID) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := WriteContent(context.Background(), r, ids, &buf); err != nil {
		t.Fatalf("WriteContent: %v", err)
	}
	return buf.Bytes()
}

// isMissingBlob reports whether err says that blob id is not stored: it
// names the blob and the index.
func isMissingBlob(err error, id repo.ID) bool {
	return err != nil && strings.Contains(err.Error(), "blob "+id.Str()) && strings.Contains(err.Error(), "index")
}

// ancestors returns the folders above the absolute paths, each once,
// sorted: the folders a file snapshot of them holds on the way.
func ancestors(paths ...string) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range paths {
		for d := filepath.Dir(p); d != "/"; d = filepath.Dir(d) {
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	sort.Strings(out)
	return out
}
