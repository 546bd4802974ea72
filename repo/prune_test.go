package repo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/backend/local"
)

// pruneFixture is a repository with packs of four 256 KiB blobs each, and
// the data of every blob.
type pruneFixture struct {
	dir   string
	ids   []ID // in the order saved: blobs 4k..4k+3 share pack k
	data  map[ID][]byte
	packs []ID // the pack of ids[4k]
}

// newPruneFixture saves n random 256 KiB data blobs one after another
// (four fill a 1 MiB pack), flushing after every flushEvery blobs so that
// there are several index files.
func newPruneFixture(t *testing.T, n, flushEvery int) *pruneFixture {
	t.Helper()
	ctx := context.Background()
	r, dir := newTestRepo(t, smallConfig())
	f := &pruneFixture{dir: dir, data: map[ID][]byte{}}
	for i := 0; i < n; i++ {
		b := randomBytes(t, 256<<10)
		id, _, err := r.SaveBlob(ctx, DataBlob, b)
		if err != nil {
			t.Fatal(err)
		}
		f.ids = append(f.ids, id)
		f.data[id] = b
		if (i+1)%flushEvery == 0 {
			if err := r.Flush(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	r = reopen(t, dir)
	for i := 0; i < n; i += 4 {
		pb, _ := r.Index().Lookup(f.ids[i])
		f.packs = append(f.packs, pb.Pack)
		for j := i; j < min(i+4, n); j++ {
			if pb2, _ := r.Index().Lookup(f.ids[j]); pb2.Pack != pb.Pack {
				t.Fatalf("blob %d is not in the pack of blob %d: the fixture assumes four blobs per pack", j, i)
			}
		}
	}
	return f
}

func (f *pruneFixture) set(idx ...int) IDSet {
	s := IDSet{}
	for _, i := range idx {
		s.Add(f.ids[i])
	}
	return s
}

// verify checks that the repository in dir passes a full check, that the
// blobs in want load with their data, and that the blobs in gone are not
// in the index.
func verify(t *testing.T, dir string, data map[ID][]byte, want, gone []ID) *Repository {
	t.Helper()
	ctx := context.Background()
	r, err := Open(ctx, openLocal(dir), testPassword)
	if err != nil {
		t.Fatal(err)
	}
	st, problems, err := r.Check(ctx, CheckOptions{ReadData: true}, func(p Problem) { t.Errorf("check: %v", p) })
	if err != nil || problems > 0 {
		t.Fatalf("check: %v, %d problems", err, problems)
	}
	if len(st.Unreferenced) > 0 && gone != nil {
		t.Errorf("%d unreferenced packs", len(st.Unreferenced))
	}
	for _, id := range want {
		got, err := r.LoadBlob(ctx, DataBlob, id, nil)
		if err != nil {
			t.Fatalf("blob %s: %v", id.Str(), err)
		}
		if !bytes.Equal(got, data[id]) {
			t.Fatalf("blob %s: content differs", id.Str())
		}
	}
	for _, id := range gone {
		if r.Index().Has(id) {
			t.Errorf("blob %s is still in the index", id.Str())
		}
	}
	return r
}

func pruneRepo(t *testing.T, dir string, used IDSet, opts PruneOptions) (PruneStats, error) {
	t.Helper()
	ctx := context.Background()
	r, err := Open(ctx, openLocal(dir), testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.LoadIndex(ctx); err != nil {
		t.Fatal(err)
	}
	u := IDSet{}
	for id := range used {
		u.Add(id)
	}
	return r.Prune(ctx, u, opts)
}

func packExists(dir string, id ID) bool {
	_, err := os.Stat(packPath(dir, id))
	return err == nil
}

func TestPruneDeletesRepacksAndKeeps(t *testing.T) {
	f := newPruneFixture(t, 12, 4)
	// Pack 0: nothing used (delete). Pack 1: one of four used (75% unused:
	// repack). Pack 2: three of four used (25% unused: keep).
	used := f.set(4, 8, 9, 10)
	indexBefore := listNames(t, openLocal(f.dir), backend.Index)
	st, err := pruneRepo(t, f.dir, used, PruneOptions{RepackThreshold: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if st.Packs != 3 || st.DeletePacks != 1 || st.RepackPacks != 1 || st.CopiedBlobs != 1 || st.WrittenPacks != 1 || st.UsedBlobs != 4 || st.UnusedBlobs != 8 {
		t.Fatalf("stats: %+v", st)
	}
	if st.KeptUnused == 0 || st.KeptUnused > 300<<10 {
		t.Errorf("unused bytes left in the kept pack: %d, want one blob's worth", st.KeptUnused)
	}
	if packExists(f.dir, f.packs[0]) || packExists(f.dir, f.packs[1]) || !packExists(f.dir, f.packs[2]) {
		t.Errorf("packs after prune: %v %v %v", packExists(f.dir, f.packs[0]), packExists(f.dir, f.packs[1]), packExists(f.dir, f.packs[2]))
	}
	var want, gone []ID
	for i, id := range f.ids {
		if used.Has(id) {
			want = append(want, id)
		} else if i < 8 {
			gone = append(gone, id) // blob 11 stays in its kept pack
		}
	}
	r := verify(t, f.dir, f.data, want, gone)
	// The old index files are gone; the replacement names them.
	indexAfter := listNames(t, r.Backend(), backend.Index)
	for _, name := range indexBefore {
		if slices.Contains(indexAfter, name) {
			t.Errorf("old index file %s is still there", name[:8])
		}
	}
	var superseded []string
	for _, name := range indexAfter {
		id, _ := ParseID(name)
		idx, err := r.LoadIndexFile(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range idx.Supersedes {
			superseded = append(superseded, s.String())
		}
	}
	slices.Sort(superseded)
	if !slices.Equal(superseded, indexBefore) {
		t.Errorf("Supersedes lists %d files, want the %d old ones", len(superseded), len(indexBefore))
	}
	// The freed space is the 7 unused blobs of packs 0 and 1.
	if fr := st.Freed(); fr < 7*(256<<10) || fr > 7*(256<<10)+4096 {
		t.Errorf("freed %d bytes, want 7 blobs of 256 KiB", fr)
	}

	// A second prune finds nothing to do and changes nothing.
	before := listNames(t, r.Backend(), backend.Index)
	st2, err := pruneRepo(t, f.dir, used, PruneOptions{RepackThreshold: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if st2.DeletePacks+st2.RepackPacks+st2.Unreferenced+st2.IndexWritten+st2.IndexRemoved != 0 {
		t.Errorf("second prune did something: %+v", st2)
	}
	if after := listNames(t, r.Backend(), backend.Index); !slices.Equal(before, after) {
		t.Errorf("second prune changed the index files")
	}
}

func TestPruneThresholds(t *testing.T) {
	for _, tc := range []struct {
		threshold float64
		repack    int
	}{{0, 2}, {0.2, 2}, {0.5, 1}, {0.75, 0}, {1, 0}} {
		t.Run(fmt.Sprint(tc.threshold), func(t *testing.T) {
			f := newPruneFixture(t, 8, 8)
			// Pack 0: 3 of 4 used (25% unused); pack 1: 1 of 4 (75% unused).
			used := f.set(0, 1, 2, 4)
			st, err := pruneRepo(t, f.dir, used, PruneOptions{RepackThreshold: tc.threshold})
			if err != nil {
				t.Fatal(err)
			}
			if st.RepackPacks != tc.repack || st.DeletePacks != 0 {
				t.Fatalf("threshold %v: repacked %d, deleted %d; want %d, 0", tc.threshold, st.RepackPacks, st.DeletePacks, tc.repack)
			}
			verify(t, f.dir, f.data, []ID{f.ids[0], f.ids[1], f.ids[2], f.ids[4]}, nil)
		})
	}
	f := newPruneFixture(t, 4, 4)
	for _, bad := range []float64{-0.1, 1.5} {
		if _, err := pruneRepo(t, f.dir, f.set(0), PruneOptions{RepackThreshold: bad}); err == nil || !strings.Contains(err.Error(), "threshold") {
			t.Errorf("threshold %v: %v", bad, err)
		}
	}
}

func TestPruneDryRunChangesNothing(t *testing.T) {
	f := newPruneFixture(t, 12, 4)
	used := f.set(4, 8, 9, 10)
	files := func() []string {
		var out []string
		filepath.WalkDir(f.dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				out = append(out, p)
			}
			return nil
		})
		return out
	}
	before := files()
	dry, err := pruneRepo(t, f.dir, used, PruneOptions{RepackThreshold: 0.5, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if after := files(); !slices.Equal(before, after) {
		t.Fatalf("dry run changed files:\nbefore %q\nafter  %q", before, after)
	}
	real, err := pruneRepo(t, f.dir, used, PruneOptions{RepackThreshold: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if dry.DeletePacks != real.DeletePacks || dry.RepackPacks != real.RepackPacks || dry.DeleteBytes != real.DeleteBytes ||
		dry.CopiedBytes != real.CopiedBytes || dry.UnusedBytes != real.UnusedBytes {
		t.Errorf("dry run %+v\nreal run %+v", dry, real)
	}
	// The estimate is off by the new pack's header only.
	if d := dry.Freed() - real.Freed(); d < 0 || d > 1024 {
		t.Errorf("dry run estimates %d freed, the real run freed %d", dry.Freed(), real.Freed())
	}
}

func TestPruneKeepsDeltaBases(t *testing.T) {
	ctx := context.Background()
	r, dir := newTestRepo(t, smallConfig())
	base := rowsText(8000, nil, 5)
	kf, _, err := r.SaveBlob(ctx, DataBlob, base)
	if err != nil {
		t.Fatal(err)
	}
	// Fill the keyframe's pack with blobs nobody needs, so that the pack
	// would be deleted or repacked without the keyframe.
	data := map[ID][]byte{kf: base}
	var unused []ID
	for i := 0; i < 3; i++ {
		b := randomBytes(t, 300<<10)
		id, _, err := r.SaveBlob(ctx, DataBlob, b)
		if err != nil {
			t.Fatal(err)
		}
		unused = append(unused, id)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	target := rowsText(8000, map[int]bool{17: true, 4000: true}, 5)
	d, _, err := r.SaveDataBlob(ctx, target, kf)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	data[d] = target
	if pb, _ := r.Index().Lookup(d); pb.Enc != EncDelta || pb.Base != kf {
		t.Fatalf("blob not stored as a delta against the keyframe: %+v", pb)
	}
	// Only the delta is used: its base must survive even a threshold of 0.
	st, err := pruneRepo(t, dir, IDSet{d: {}}, PruneOptions{RepackThreshold: 0})
	if err != nil {
		t.Fatal(err)
	}
	if st.UsedBlobs != 2 || st.RepackPacks != 1 || st.CopiedBlobs != 1 {
		t.Errorf("stats: %+v", st)
	}
	r2 := verify(t, dir, data, []ID{kf, d}, unused)
	if pb, _ := r2.Index().Lookup(d); pb.Enc != EncDelta || pb.Base != kf {
		t.Errorf("the delta changed on repacking: %+v", pb)
	}
	if pb, _ := r2.Index().Lookup(kf); pb.Enc == EncDelta {
		t.Errorf("the keyframe became a delta: %+v", pb)
	}
}

func TestPruneUnreferencedPacks(t *testing.T) {
	ctx := context.Background()
	f := newPruneFixture(t, 4, 4)
	// An interrupted backup: a pack written, no index file for it.
	r := reopen(t, f.dir)
	for i := 0; i < 4; i++ {
		if _, _, err := r.SaveBlob(ctx, DataBlob, randomBytes(t, 256<<10)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(listNames(t, r.Backend(), backend.Pack)); n != 2 {
		t.Fatalf("%d packs, want the fixture's and an unreferenced one", n)
	}
	used := f.set(0, 1, 2, 3)

	// With a used blob missing from the index, unreferenced packs might
	// hold it: they stay, with a warning.
	var warned []string
	missing := IDSet{}
	for id := range used {
		missing.Add(id)
	}
	missing.Add(ID{1, 2, 3})
	st, err := pruneRepo(t, f.dir, missing, PruneOptions{Warn: func(s string) { warned = append(warned, s) }})
	if err != nil {
		t.Fatal(err)
	}
	if st.MissingBlobs != 1 || st.Unreferenced != 0 || len(warned) != 1 || !strings.Contains(warned[0], "not in the index") {
		t.Fatalf("with a missing blob: %+v, warnings %q", st, warned)
	}
	if n := len(listNames(t, r.Backend(), backend.Pack)); n != 2 {
		t.Fatalf("an unreferenced pack was deleted although blobs are missing")
	}

	st, err = pruneRepo(t, f.dir, used, PruneOptions{RepackThreshold: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if st.Unreferenced != 1 || st.UnreferencedBytes < 1<<20 || st.IndexWritten != 0 {
		t.Fatalf("stats: %+v", st)
	}
	if n := len(listNames(t, r.Backend(), backend.Pack)); n != 1 {
		t.Fatalf("%d packs after prune, want 1", n)
	}
	verify(t, f.dir, f.data, f.ids, nil)
}

// TestPruneDuplicates: the same blob saved by two processes at once is in
// two packs. Prune keeps one copy, a keyframe before a delta, and the
// deltas that use it as their base still decode; a pack holding a dropped
// copy is repacked even when it is mostly used, so that no reader can be
// served the delta copy of a base.
func TestPruneDuplicates(t *testing.T) {
	ctx := context.Background()
	r0, dir := newTestRepo(t, smallConfig())
	b := rowsText(6000, nil, 1)
	bid, _, err := r0.SaveBlob(ctx, DataBlob, b)
	if err != nil {
		t.Fatal(err)
	}
	if err := r0.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	x := rowsText(6000, map[int]bool{3: true}, 1)
	y := rowsText(6000, map[int]bool{3: true, 2000: true}, 1)
	plain := randomBytes(t, 100<<10)
	data := map[ID][]byte{bid: b}

	// Process 1 stores x in full, and y as a delta against x; process 2
	// stores x as a delta against b. Both store plain.
	r1, r2 := reopen(t, dir), reopen(t, dir)
	xid, _, err := r1.SaveBlob(ctx, DataBlob, x)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r1.SaveBlob(ctx, DataBlob, plain); err != nil {
		t.Fatal(err)
	}
	if err := r1.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	yid, _, err := r1.SaveDataBlob(ctx, y, xid)
	if err != nil {
		t.Fatal(err)
	}
	if err := r1.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r2.SaveDataBlob(ctx, x, bid); err != nil {
		t.Fatal(err)
	}
	pid, _, err := r2.SaveBlob(ctx, DataBlob, plain)
	if err != nil {
		t.Fatal(err)
	}
	// A used blob of its own keeps process 2's pack mostly used.
	extra := randomBytes(t, 150<<10)
	eid, _, err := r2.SaveBlob(ctx, DataBlob, extra)
	if err != nil {
		t.Fatal(err)
	}
	data[eid] = extra
	if err := r2.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	data[xid], data[yid], data[pid] = x, y, plain
	if pb, _ := r1.Index().Lookup(yid); pb.Enc != EncDelta || pb.Base != xid {
		t.Fatalf("y is not a delta against x: %+v", pb)
	}
	if pb, _ := r2.Index().Lookup(xid); pb.Enc != EncDelta || pb.Base != bid {
		t.Fatalf("process 2 did not store x as a delta: %+v", pb)
	}
	copies := func() (full, delta int) {
		r := reopen(t, dir)
		for _, name := range listNames(t, r.Backend(), backend.Index) {
			id, _ := ParseID(name)
			f, err := r.LoadIndexFile(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range f.Packs {
				for _, bl := range p.Blobs {
					if bl.ID == xid && bl.Enc == EncDelta {
						delta++
					} else if bl.ID == xid {
						full++
					}
				}
			}
		}
		return
	}
	if full, delta := copies(); full != 1 || delta != 1 {
		t.Fatalf("before prune: %d full and %d delta copies of x", full, delta)
	}
	st, err := pruneRepo(t, dir, IDSet{yid: {}, pid: {}, eid: {}}, PruneOptions{RepackThreshold: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if full, delta := copies(); full != 1 || delta != 0 {
		t.Fatalf("after prune: %d full and %d delta copies of x, want the keyframe only (%+v)", full, delta, st)
	}
	r := verify(t, dir, data, []ID{xid, yid, pid, eid}, nil)
	if pb, _ := r.Index().Lookup(xid); pb.Enc == EncDelta {
		t.Fatalf("x is served as a delta")
	}
	// plain had two copies: one is left.
	n := 0
	for _, name := range listNames(t, r.Backend(), backend.Index) {
		id, _ := ParseID(name)
		f, _ := r.LoadIndexFile(ctx, id)
		for _, p := range f.Packs {
			for _, bl := range p.Blobs {
				if bl.ID == pid {
					n++
				}
			}
		}
	}
	if n != 1 {
		t.Errorf("%d copies of a duplicated blob after prune, want 1", n)
	}
}

var errCrash = errors.New("simulated crash")

// TestPruneCrashAnywhere stops prune at every step it can die at, as a
// kill would: the repository must pass check with every used blob intact,
// and the next prune must finish the job.
func TestPruneCrashAnywhere(t *testing.T) {
	tmpl := newPruneFixture(t, 24, 8) // 6 packs, 3 index files
	// Packs 0, 3: unused (delete); 1, 4: 1 of 4 used (repack); 2, 5: all used.
	usedIdx := []int{4, 8, 9, 10, 11, 16, 20, 21, 22, 23}
	used := tmpl.set(usedIdx...)
	var want, gone []ID
	for _, i := range usedIdx {
		want = append(want, tmpl.ids[i])
	}
	for _, id := range tmpl.ids {
		if !used.Has(id) {
			gone = append(gone, id)
		}
	}
	// Calls per step: 2 packs to repack, 1 flush, 1 new index file, 3 old
	// index files, 4 packs to remove.
	for _, step := range []struct {
		name  string
		calls int
	}{{"repack", 2}, {"flush", 1}, {"index", 1}, {"remove-index", 3}, {"remove-pack", 4}} {
		for n := 1; n <= step.calls; n++ {
			step := step.name
			t.Run(fmt.Sprintf("%s-%d", step, n), func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "repo")
				copyDir(t, tmpl.dir, dir)
				calls := 0
				_, err := pruneRepo(t, dir, used, PruneOptions{RepackThreshold: 0.5, Hook: func(s string) error {
					if s == step {
						calls++
						if calls == n {
							return errCrash
						}
					}
					return nil
				}})
				if !errors.Is(err, errCrash) {
					t.Fatalf("prune did not reach %s #%d: %v", step, n, err)
				}
				verify(t, dir, tmpl.data, want, nil)
				st, err := pruneRepo(t, dir, used, PruneOptions{RepackThreshold: 0.5})
				if err != nil {
					t.Fatalf("prune after the crash: %v", err)
				}
				r := verify(t, dir, tmpl.data, want, gone)
				// Everything left is used and referenced.
				st2, err := pruneRepo(t, dir, used, PruneOptions{RepackThreshold: 0.5, DryRun: true})
				if err != nil {
					t.Fatal(err)
				}
				if st2.UnusedBlobs != 0 || st2.Unreferenced != 0 || st2.DeletePacks != 0 {
					t.Fatalf("after the second prune (%+v) there is still work: %+v", st, st2)
				}
				if n := len(listNames(t, r.Backend(), backend.Pack)); n != 3 {
					t.Errorf("%d packs, want 3 (two kept, one new)", n)
				}
			})
		}
	}
}

func openLocal(dir string) backend.Backend { return local.New(dir) }

// copyDir copies a folder tree.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestPruneDropsOrphanedDeltas: an unused delta in a pack that is kept
// (mostly used) must not outlive its base: the pack is repacked without
// it, so that no index entry points at an undecodable blob.
func TestPruneDropsOrphanedDeltas(t *testing.T) {
	ctx := context.Background()
	r, dir := newTestRepo(t, smallConfig())
	base := rowsText(8000, nil, 9)
	kf, _, err := r.SaveBlob(ctx, DataBlob, base)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, _, err := r.SaveBlob(ctx, DataBlob, randomBytes(t, 256<<10)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	x, _, err := r.SaveDataBlob(ctx, rowsText(8000, map[int]bool{5: true}, 9), kf)
	if err != nil {
		t.Fatal(err)
	}
	data := map[ID][]byte{}
	used := IDSet{}
	for i := 0; i < 3; i++ {
		b := randomBytes(t, 300<<10)
		id, _, err := r.SaveBlob(ctx, DataBlob, b)
		if err != nil {
			t.Fatal(err)
		}
		data[id] = b
		used.Add(id)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	px, _ := r.Index().Lookup(x)
	for id := range used {
		if pb, _ := r.Index().Lookup(id); pb.Pack != px.Pack || px.Enc != EncDelta {
			t.Fatalf("fixture: the delta and the used blobs are not in one pack")
		}
	}
	// Far below any threshold of unused bytes, yet the delta's base goes.
	st, err := pruneRepo(t, dir, used, PruneOptions{RepackThreshold: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if st.DeletePacks != 1 || st.RepackPacks != 1 || st.CopiedBlobs != 3 {
		t.Fatalf("stats: %+v", st)
	}
	var want []ID
	for id := range used {
		want = append(want, id)
	}
	verify(t, dir, data, want, []ID{x, kf})
}
