package snapshot

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/backend/local"
	"github.com/sqlvault/sqlvault/repo"
)

// Regression tests for defects found while writing the suite.

// failOnce makes the n-th write to a staged repository file fail once with
// a *fs.PathError, as a full repository disk does.
type failOnce struct {
	*local.Local
	mu     sync.Mutex
	writes int
	failAt int
}

func (f *failOnce) Stage(ctx context.Context, t backend.FileType) (backend.Staged, error) {
	st, err := f.Local.Stage(ctx, t)
	if err != nil {
		return nil, err
	}
	return &failOnceStaged{Staged: st, f: f}, nil
}

type failOnceStaged struct {
	backend.Staged
	f *failOnce
}

func (s *failOnceStaged) Write(p []byte) (int, error) {
	s.f.mu.Lock()
	s.f.writes++
	fail := s.f.writes == s.f.failAt
	s.f.mu.Unlock()
	if fail {
		return 0, &fs.PathError{Op: "write", Path: "repo/data/.tmp-1", Err: errors.New("no space left on device")}
	}
	return s.Staged.Write(p)
}

// A repository write error (a *fs.PathError from the staged pack file)
// must fail the backup, not pass for an unreadable source: the aborted pack
// held blobs of files already in the tree. (Found as a bug; fixed by
// SourceError in archiver.go.)
func TestBackupRepositoryWriteErrorIsFatal(t *testing.T) {
	ctx := context.Background()
	r, dir := newRepoOn(t, func(l *local.Local) backend.Backend { return &failOnce{Local: l, failAt: 2} })
	src := filepath.Join(t.TempDir(), "src")
	// a.txt is one chunk: its blob is the first write into the data pack.
	// b.bin's first chunk is the second write, which fails.
	writeFile(t, filepath.Join(src, "a.txt"), randomBytes(t, 1000), 0o600)
	writeFile(t, filepath.Join(src, "b.bin"), randomBytes(t, 100<<10), 0o600)
	writeFile(t, filepath.Join(src, "c.bin"), randomBytes(t, 100<<10), 0o600)
	var warned []string
	sn, err := Backup(ctx, r, []string{src}, Options{Warn: func(p string, err error) { warned = append(warned, p+": "+err.Error()) }})
	if sn != nil {
		var problems []error
		n, _ := CheckTrees(ctx, reopen(t, dir), func(err error) { problems = append(problems, err) })
		t.Fatalf("backup went on after a repository write error (%v, warnings %v); snapshot problems: %d %v", err, warned, n, problems)
	}
	if err == nil || !strings.Contains(err.Error(), "no space left on device") || errors.Is(err, ErrIncomplete) {
		t.Fatalf("err = %v, want the write error, not ErrIncomplete", err)
	}
	if len(warned) != 0 {
		t.Fatalf("the repository error was reported as a source warning: %v", warned)
	}
	if sns := mustLoadAllSnapshots(t, reopen(t, dir)); len(sns) != 0 {
		t.Fatalf("%d snapshots after a failed backup", len(sns))
	}
	var tmp []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".tmp-") {
			tmp = append(tmp, p)
		}
		return nil
	})
	if len(tmp) != 0 {
		t.Fatalf("temporary files left: %v", tmp)
	}
}

func TestBugRestoreFollowsSymlinkFromDuplicateName(t *testing.T) {
	ctx := context.Background()
	r, _ := newRepo(t)
	outside := t.TempDir()
	inner := &Tree{Nodes: []*Node{{Name: "pwned", Type: TypeFile, Mode: 0o644}}}
	innerID, _, err := SaveTree(ctx, r, inner)
	if err != nil {
		t.Fatal(err)
	}
	// A tree that SaveTree never writes: two nodes called x.
	evil, err := json.Marshal(&Tree{Nodes: []*Node{
		{Name: "x", Type: TypeSymlink, LinkTarget: outside},
		{Name: "x", Type: TypeDir, Mode: 0o755, Subtree: &innerID},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeTree(evil); err != nil {
		return // refused at decoding: fixed
	}
	rootID, _, err := r.SaveBlob(ctx, repo.TreeBlob, evil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	target := t.TempDir()
	_, rerr := Restore(ctx, r, &Snapshot{Tree: rootID}, target, RestoreOptions{})
	if _, err := os.Lstat(filepath.Join(outside, "pwned")); err == nil {
		t.Fatalf("Restore wrote %s, outside the target %s (restore error: %v)", filepath.Join(outside, "pwned"), target, rerr)
	}
}
