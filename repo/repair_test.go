package repo

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/backend"
)

// damagedIndexFixture is a prune fixture of 8 blobs in two packs, each
// pack named by its own index file, with the index file of the blobs 0-3
// damaged. It returns the fixture and the damaged file's name.
func damagedIndexFixture(t *testing.T) (*pruneFixture, string) {
	t.Helper()
	f := newPruneFixture(t, 8, 4)
	r := reopen(t, f.dir)
	names := listNames(t, openLocal(f.dir), backend.Index)
	if len(names) != 2 {
		t.Fatalf("want 2 index files, got %d", len(names))
	}
	var bad string
	for _, n := range names {
		id, _ := ParseID(n)
		idx, err := r.LoadIndexFile(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if idx.Packs[0].ID == f.packs[0] {
			bad = n
		}
	}
	flipBit(t, filepath.Join(f.dir, "index", bad), 50)
	return f, bad
}

func TestLoadIndexSkipsDamagedFile(t *testing.T) {
	ctx := context.Background()
	f, bad := damagedIndexFixture(t)
	r, err := Open(ctx, openLocal(f.dir), testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.LoadIndex(ctx); err != nil {
		t.Fatalf("LoadIndex stops at a damaged index file: %v", err)
	}
	d := r.Index().Damaged()
	if len(d) != 1 || d[0].ID.String() != bad || !errors.Is(d[0], ErrIndexDamaged) {
		t.Fatalf("Damaged() = %v, want %s", d, bad)
	}
	if want := "index file " + bad[:8] + " is damaged ("; !strings.HasPrefix(d[0].Error(), want) {
		t.Errorf("message %q does not start with %q", d[0].Error(), want)
	}
	for i, id := range f.ids {
		got, err := r.LoadBlob(ctx, DataBlob, id, nil)
		switch {
		case i < 4 && (!errors.Is(err, ErrBlobMissing) || !strings.Contains(err.Error(), "run 'sqlvault repair index'")):
			t.Errorf("blob %d named only by the damaged index: err %v", i, err)
		case i >= 4 && (err != nil || !bytes.Equal(got, f.data[id])):
			t.Errorf("blob %d: %v", i, err)
		}
	}
	// Loading again neither fails nor reports the file twice.
	if err := r.LoadIndex(ctx); err != nil || len(r.Index().Damaged()) != 1 {
		t.Fatalf("second LoadIndex: %v, %v", err, r.Index().Damaged())
	}
}

func TestPruneRefusesWithDamagedIndex(t *testing.T) {
	f, _ := damagedIndexFixture(t)
	_, err := pruneRepo(t, f.dir, f.set(4), PruneOptions{})
	if !errors.Is(err, ErrIndexDamaged) || !strings.Contains(err.Error(), "repair index") {
		t.Fatalf("prune with a damaged index: %v", err)
	}
	for _, p := range f.packs {
		if !packExists(f.dir, p) {
			t.Fatalf("pack %s was removed", p.Str())
		}
	}
}

func TestRepairIndex(t *testing.T) {
	ctx := context.Background()
	f, bad := damagedIndexFixture(t)
	oldIndex := listNames(t, openLocal(f.dir), backend.Index)
	// A third pack, of blobs 8-11, written by a backup that died before
	// its index file: the repair indexes it too.
	r := reopen(t, f.dir)
	for i := 0; i < 4; i++ {
		b := randomBytes(t, 256<<10)
		id, _, err := r.SaveBlob(ctx, DataBlob, b)
		if err != nil {
			t.Fatal(err)
		}
		f.ids = append(f.ids, id)
		f.data[id] = b
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, n := range listNames(t, openLocal(f.dir), backend.Index) {
		if n != oldIndex[0] && n != oldIndex[1] {
			os.Remove(filepath.Join(f.dir, "index", n))
		}
	}

	r, err := Open(ctx, openLocal(f.dir), testPassword)
	if err != nil {
		t.Fatal(err)
	}
	var problems []Problem
	st, err := r.RepairIndex(ctx, RepairIndexOptions{Report: func(p Problem) { problems = append(problems, p) }})
	if err != nil || len(problems) > 0 {
		t.Fatalf("RepairIndex: %v, %v", err, problems)
	}
	if st.Packs != 3 || st.Indexed != 3 || st.Blobs != 12 || st.DamagedIndex != 1 || st.UnindexedAdded != 2 || st.IndexRemoved != 2 || st.IndexWritten != 1 {
		t.Errorf("stats %+v", st)
	}
	names := listNames(t, openLocal(f.dir), backend.Index)
	if len(names) != 1 || names[0] == bad {
		t.Fatalf("index files after repair: %v", names)
	}
	verify(t, f.dir, f.data, f.ids, nil)
}

// A pack whose header is damaged: kept as the old index listed it when a
// readable index file names it, reported either way.
func TestRepairIndexDamagedHeader(t *testing.T) {
	ctx := context.Background()
	f := newPruneFixture(t, 8, 4)
	p := packPath(f.dir, f.packs[1])
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	flipBit(t, p, fi.Size()-10)
	r, err := Open(ctx, openLocal(f.dir), testPassword)
	if err != nil {
		t.Fatal(err)
	}
	var problems []Problem
	st, err := r.RepairIndex(ctx, RepairIndexOptions{Report: func(p Problem) { problems = append(problems, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || problems[0].Pack != f.packs[1] || !errors.Is(problems[0].Err, ErrAuth) {
		t.Fatalf("problems %v", problems)
	}
	if st.DamagedPacks != 1 || st.KeptFromIndex != 1 || st.Indexed != 1 || st.RescuedBlobs != 4 || st.LostBlobs != 0 {
		t.Errorf("stats %+v", st)
	}
	// Its blobs were copied into a new pack, and it is gone.
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatalf("the pack with a damaged header is still there (%v)", err)
	}
	if _, n, err := reopen(t, f.dir).Check(ctx, CheckOptions{ReadData: true}, func(Problem) {}); err != nil || n != 0 {
		t.Fatalf("check after repair: %d problems, %v", n, err)
	}
	r = reopen(t, f.dir)
	for _, id := range f.ids {
		got, err := r.LoadBlob(ctx, DataBlob, id, nil)
		if err != nil || !bytes.Equal(got, f.data[id]) {
			t.Fatalf("blob %s after repair: %v", id.Str(), err)
		}
	}

	// With no index file naming it, its blobs are gone from the index.
	p = packPath(f.dir, f.packs[0])
	if fi, err = os.Stat(p); err != nil {
		t.Fatal(err)
	}
	flipBit(t, p, fi.Size()-10)
	for _, n := range listNames(t, openLocal(f.dir), backend.Index) {
		os.Remove(filepath.Join(f.dir, "index", n))
	}
	r, _ = Open(ctx, openLocal(f.dir), testPassword)
	problems = nil
	st, err = r.RepairIndex(ctx, RepairIndexOptions{Report: func(p Problem) { problems = append(problems, p) }})
	if err != nil || len(problems) != 1 || !strings.Contains(problems[0].Error(), "lost unless another pack holds them") {
		t.Fatalf("RepairIndex: %v, %v", err, problems)
	}
	if st.KeptFromIndex != 0 || st.Indexed != 1 {
		t.Errorf("stats %+v", st)
	}
}

// Prune keeps a pack no index names when it holds the only readable copy
// of a blob a snapshot needs.
func TestPruneKeepsUnindexedPackWithNeededBlobs(t *testing.T) {
	ctx := context.Background()
	f := newPruneFixture(t, 4, 4)
	indexBefore := listNames(t, openLocal(f.dir), backend.Index)
	// Store blob 0 again in a session that has not loaded the index, then
	// lose that session's index file: an unindexed second copy.
	r, err := Open(ctx, openLocal(f.dir), testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.SaveBlob(ctx, DataBlob, f.data[f.ids[0]]); err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, n := range listNames(t, openLocal(f.dir), backend.Index) {
		if n != indexBefore[0] {
			os.Remove(filepath.Join(f.dir, "index", n))
		}
	}
	// The indexed copy's pack is lost.
	if err := os.Remove(packPath(f.dir, f.packs[0])); err != nil {
		t.Fatal(err)
	}
	var copyPack ID
	for _, n := range listNames(t, openLocal(f.dir), backend.Pack) {
		copyPack, _ = ParseID(n)
	}
	var warnings []string
	_, err = pruneRepo(t, f.dir, f.set(0), PruneOptions{Warn: func(s string) { warnings = append(warnings, s) }})
	if err != nil {
		t.Fatal(err)
	}
	if !packExists(f.dir, copyPack) {
		t.Fatal("prune deleted the pack that holds the only copy of a needed blob")
	}
	want := "pack " + copyPack.Str() + " is not in the index but holds data snapshots need; run 'sqlvault repair index' first"
	if !strings.Contains(strings.Join(warnings, "\n"), want) {
		t.Errorf("warnings %q do not say %q", warnings, want)
	}
}

// A keyframe whose pack is lost, or that does not decrypt, costs every
// delta built on it: check names each of them, and lists them all as
// damaged.
func TestCheckNamesDeltasOfDamagedKeyframe(t *testing.T) {
	for _, how := range []string{"missing", "flipped"} {
		t.Run(how, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			r := initDeltaRepo(t, dir)
			k, _, err := r.SaveDataBlob(ctx, rowsText(20000, nil, 5), ID{})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			var deltas []ID
			for i := 1; i <= 2; i++ {
				d, _, err := r.SaveDataBlob(ctx, rowsText(20000, map[int]bool{100 * i: true}, 5), k)
				if err != nil {
					t.Fatal(err)
				}
				deltas = append(deltas, d)
			}
			if err := r.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			for _, d := range deltas {
				if pb, _ := r.Index().Lookup(d); pb.Enc != EncDelta || pb.Base != k {
					t.Fatalf("blob %s is not a delta on the keyframe", d.Str())
				}
			}
			kp, _ := r.Index().Lookup(k)
			opts := CheckOptions{}
			if how == "missing" {
				os.Remove(packPath(dir, kp.Pack))
			} else {
				flipBit(t, packPath(dir, kp.Pack), int64(kp.Offset)+int64(kp.Length)/2)
				opts.ReadData = true
			}
			o, err := Open(ctx, openLocal(dir), "pw")
			if err != nil {
				t.Fatal(err)
			}
			var problems []Problem
			st, _, err := o.Check(ctx, opts, func(p Problem) { problems = append(problems, p) })
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range append([]ID{k}, deltas...) {
				if !st.Damaged.Has(id) {
					t.Errorf("blob %s is not listed as damaged", id.Str())
				}
			}
			for _, d := range deltas {
				found := false
				for _, p := range problems {
					found = found || (p.Blob == d && strings.Contains(p.Err.Error(), "its base blob "+k.String()+" is damaged"))
				}
				if !found {
					t.Errorf("delta %s is not reported: %v", d.Str(), problems)
				}
			}
		})
	}
}
