package repo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/backend/local"
	"github.com/sqlvault/sqlvault/chunk"
)

// testKDF keeps key derivation fast in tests.
var testKDF = KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1}

const testPassword = "correct horse battery staple"

// smallConfig is the default configuration with the smallest pack size.
func smallConfig() Config {
	cfg := DefaultConfig()
	cfg.PackSize = 1 << 20
	return cfg
}

// newTestRepo creates a repository in a temporary folder on the local
// backend and returns it with the folder.
func newTestRepo(t testing.TB, cfg Config) (*Repository, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo")
	r, err := Init(context.Background(), local.New(dir), testPassword, InitOptions{Config: cfg, KDF: testKDF, Polynomial: chunk.TestPolynomial})
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	return r, dir
}

// reopen opens the repository in dir afresh and loads its index.
func reopen(t testing.TB, dir string) *Repository {
	t.Helper()
	ctx := context.Background()
	r, err := Open(ctx, local.New(dir), testPassword)
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

// compressible returns n bytes of repetitive text.
func compressible(n int) []byte {
	line := []byte("INSERT INTO [dbo].[Orders] ([Id], [Customer]) VALUES (42, N'Zoë O''Brien');\n")
	return bytes.Repeat(line, n/len(line)+1)[:n]
}

// listNames returns the sorted names of all files of type t.
func listNames(t testing.TB, be backend.Backend, ft backend.FileType) []string {
	t.Helper()
	var names []string
	err := be.List(context.Background(), ft, func(fi backend.FileInfo) error {
		names = append(names, fi.Name)
		return nil
	})
	if err != nil {
		t.Fatalf("List %s: %v", ft, err)
	}
	sort.Strings(names)
	return names
}

// packPath returns the file of a pack in a local repository.
func packPath(dir string, id ID) string {
	s := id.String()
	return filepath.Join(dir, "data", s[:2], s)
}

// flipBit flips one bit of the file at off.
func flipBit(t testing.TB, file string, off int64) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	data[off] ^= 0x10
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// tempFiles returns the temporary files left anywhere in the repository.
func tempFiles(t testing.TB, dir string) []string {
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

// noStage hides the Stager of a backend, so the repository builds packs in
// memory.
type noStage struct{ backend.Backend }

// failingStager makes the next staged write after failAfter successful
// writes fail once, like a full disk.
type failingStager struct {
	*local.Local
	mu        sync.Mutex
	writes    int
	failAfter int
	failed    bool
}

func (f *failingStager) Stage(ctx context.Context, t backend.FileType) (backend.Staged, error) {
	st, err := f.Local.Stage(ctx, t)
	if err != nil {
		return nil, err
	}
	return &failingStaged{Staged: st, f: f}, nil
}

type failingStaged struct {
	backend.Staged
	f *failingStager
}

func (s *failingStaged) Write(p []byte) (int, error) {
	s.f.mu.Lock()
	fail := !s.f.failed && s.f.writes >= s.f.failAfter
	if fail {
		s.f.failed = true
	}
	s.f.writes++
	s.f.mu.Unlock()
	if fail {
		return 0, &fs.PathError{Op: "write", Path: "data/.tmp-test", Err: errNoSpaceTest}
	}
	return s.Staged.Write(p)
}

var errNoSpaceTest = &testErr{"no space left on device"}

type testErr struct{ s string }

func (e *testErr) Error() string { return e.s }

func readConfig(t testing.TB, dir string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "config"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func writeConfig(t testing.TB, dir string, data []byte) {
	t.Helper()
	p := filepath.Join(dir, "config")
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func isNotExist(err error) bool { return errors.Is(err, backend.ErrNotExist) }

// isMissingBlob reports whether err says that blob id is not stored: it
// names the blob and the index.
func isMissingBlob(err error, id ID) bool {
	return err != nil && strings.Contains(err.Error(), "blob "+id.Str()) && strings.Contains(err.Error(), "index")
}

// SaveDataBlob stores data as one blob: a delta against the keyframe of
// base when the repository allows deltas and it is small enough (see
// deltaFromInstr), else in full. Unlike SaveChunk it never cuts data into
// pieces, so that tests can lay out a previous version blob by blob.
func (r *Repository) SaveDataBlob(ctx context.Context, data []byte, base ID) (ID, int, error) {
	if !r.cfg.Delta.Enabled || base.IsNull() {
		return r.store(ctx, DataBlob, data, nil, false)
	}
	return r.store(ctx, DataBlob, data, func(dst []byte) []byte {
		kfs := keyframeSet{r: r}
		defer kfs.close()
		payload, _ := kfs.delta(ctx, dst, data, base)
		return payload
	}, false)
}
