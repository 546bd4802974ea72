package snapshot

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sqlvault/sqlvault/repo"
)

// damageFile flips one byte in the middle of a repository file.
func damageFile(t *testing.T, p string) {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 1
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// One damaged snapshot file must not hide the others: List hands it to
// skip, or with no skip stops with a *DamagedError (prune's choice), and
// Find says it is damaged when named (issue 10).
func TestListSkipsDamagedSnapshot(t *testing.T) {
	ctx := context.Background()
	r, dir := newRepo(t)
	var ids []repo.ID
	for i := range 3 {
		sn := &Snapshot{Time: baseTime.Add(time.Duration(i) * time.Hour), Tree: repo.Hash([]byte("t")), Paths: []string{"/p"}, Hostname: "h", Source: SourceFiles}
		id, err := Save(ctx, r, sn)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	damageFile(t, filepath.Join(dir, "snapshots", ids[1].String()))

	_, err := List(ctx, r, nil)
	var de *DamagedError
	if !errors.As(err, &de) || de.ID != ids[1] || !errors.Is(err, ErrDamaged) || !errors.Is(err, repo.ErrDamagedFile) {
		t.Fatalf("List without skip: err = %v", err)
	}
	var skipped []repo.ID
	sns, err := List(ctx, r, func(d *DamagedError) { skipped = append(skipped, d.ID) })
	if err != nil || len(sns) != 2 || sns[0].ID() != ids[0] || sns[1].ID() != ids[2] {
		t.Fatalf("List with skip: %v, %v", sns, err)
	}
	if len(skipped) != 1 || skipped[0] != ids[1] {
		t.Fatalf("skipped %v, want [%s]", skipped, ids[1].Str())
	}
	if _, err := Find(ctx, r, ids[1].String()[:8]); !errors.As(err, &de) || de.ID != ids[1] {
		t.Fatalf("Find of the damaged snapshot: err = %v", err)
	}
	if sn, err := Find(ctx, r, "latest"); err != nil || sn.ID() != ids[2] {
		t.Fatalf("Find latest: %v, %v", sn, err)
	}
	n, err := CheckTrees(ctx, r, func(error) {})
	if err != nil || n < 1 {
		t.Fatalf("CheckTrees: %d problems, %v", n, err)
	}
}

// A parent whose root tree cannot be read is passed over for an older one.
func TestReadableParent(t *testing.T) {
	ctx := context.Background()
	r, dir := newRepo(t)
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "a"), randomBytes(t, 1000), 0o644)
	var sns []*Snapshot
	for i := range 2 {
		writeFile(t, filepath.Join(src, "b"), randomBytes(t, 1000+i), 0o644)
		sn, err := Backup(ctx, r, []string{src}, Options{Hostname: "h"})
		if err != nil {
			t.Fatal(err)
		}
		sns = append(sns, sn)
	}
	cands := ParentCandidates(append(sns, &Snapshot{Hostname: "other", Source: SourceFiles, Paths: []string{src}}), "h", SourceFiles, []string{src})
	if len(cands) != 2 || cands[0] != sns[1] || cands[1] != sns[0] {
		t.Fatalf("candidates %v", cands)
	}
	if got := ReadableParent(ctx, r, cands, nil); got != sns[1] {
		t.Fatalf("ReadableParent = %v, want the newest", got)
	}
	// Damage the newest snapshot's root tree: its pack holds only the
	// trees of that backup.
	pb, ok := r.Index().Lookup(sns[1].Tree)
	if !ok {
		t.Fatal("root tree not in the index")
	}
	p := filepath.Join(dir, "data", pb.Pack.String()[:2], pb.Pack.String())
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	data[pb.Offset+pb.Length/2] ^= 1
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var skipped []*Snapshot
	got := ReadableParent(ctx, reopen(t, dir), cands, func(sn *Snapshot, err error) {
		if !errors.Is(err, repo.ErrAuth) {
			t.Errorf("skip error %v", err)
		}
		skipped = append(skipped, sn)
	})
	if got != sns[0] || len(skipped) != 1 || skipped[0] != sns[1] {
		t.Fatalf("ReadableParent = %v, skipped %v; want the older one, the newest skipped", got, skipped)
	}
}
