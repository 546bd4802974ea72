package snapshot

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/repo"
)

// forgetPolicy applies p to every group of the repository's snapshots,
// removes the snapshots it does not keep and returns the kept and removed
// ones.
func forgetPolicy(t *testing.T, r *repo.Repository, p Policy) (keep, remove []*Snapshot) {
	t.Helper()
	ctx := context.Background()
	for _, g := range Groups(mustLoadAllSnapshots(t, r), DefaultGroupBy) {
		for _, d := range ApplyPolicy(g.Snapshots, p) {
			if d.Keep {
				keep = append(keep, d.Snapshot)
				continue
			}
			remove = append(remove, d.Snapshot)
			if err := r.Backend().Remove(ctx, backend.Handle{Type: backend.Snapshot, Name: d.Snapshot.ID().String()}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return keep, remove
}

// storedSize sums the stored sizes of blobs.
func storedSize(r *repo.Repository, ids repo.IDSet) int64 {
	var n int64
	for id := range ids {
		if pb, ok := r.Index().Lookup(id); ok {
			n += int64(pb.Length)
		}
	}
	return n
}

func packBytes(t *testing.T, r *repo.Repository) int64 {
	t.Helper()
	var n int64
	if err := r.List(context.Background(), backend.Pack, func(_ repo.ID, size int64) error { n += size; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// dumpFile returns the content of file name in sn.
func dumpFile(t *testing.T, r *repo.Repository, sn *Snapshot, name string) []byte {
	t.Helper()
	n, err := FindNode(context.Background(), r, sn.Tree, name)
	if err != nil {
		t.Fatalf("snapshot %s: %v", sn.ID().Str(), err)
	}
	return contentOf(t, r, n.Content)
}

func checkAll(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	r := reopen(t, dir)
	r2, err := repo.Open(ctx, r.Backend(), testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, problems, err := r2.Check(ctx, repo.CheckOptions{ReadData: true}, func(p repo.Problem) { t.Errorf("check: %v", p) }); err != nil || problems > 0 {
		t.Fatalf("check: %v, %d problems", err, problems)
	}
	if problems, err := CheckTrees(ctx, r2, func(err error) { t.Errorf("check trees: %v", err) }); err != nil || problems > 0 {
		t.Fatalf("check trees: %v, %d problems", err, problems)
	}
}

// TestForgetPrune40Days keeps 40 days of daily backups of a database dump
// (stored as deltas) and of a second source backed up on three days only,
// applies a daily 7 / weekly 4 / monthly 3 policy, prunes, and checks
// exactly which snapshots remain, that each restores byte-identical, and
// that prune freed exactly the space only the forgotten ones needed.
func TestForgetPrune40Days(t *testing.T) {
	ctx := context.Background()
	r, dir := newRepo(t)
	h := history{rows: 12000, update: 0.003, appends: 40, seed: 40}
	start := time.Date(2024, 1, 1, 2, 0, 0, 0, time.UTC) // a Monday
	var parent *Snapshot
	byDay := map[repo.ID]int{}
	for d := 0; d < 40; d++ {
		sn, err := BackupStream(ctx, r, "sales.sql", SourceStdin, bytes.NewReader(h.day(d)),
			Options{Time: start.AddDate(0, 0, d), Parent: parent, Hostname: "db1"})
		if err != nil {
			t.Fatalf("day %d: %v", d, err)
		}
		byDay[sn.ID()] = d
		parent = sn
	}
	hr := map[repo.ID][]byte{}
	for d := 0; d < 3; d++ {
		data := randomBytes(t, 50_000+d)
		sn, err := BackupStream(ctx, r, "hr.sql", SourceStdin, bytes.NewReader(data), Options{Time: start.AddDate(0, 0, d), Hostname: "db1"})
		if err != nil {
			t.Fatal(err)
		}
		hr[sn.ID()] = data
	}
	if s := r.Stats(); s.DeltaBlobs == 0 {
		t.Fatalf("no deltas were stored: %+v", s)
	}
	r = reopen(t, dir)
	all := mustLoadAllSnapshots(t, r)
	keep, remove := forgetPolicy(t, r, Policy{Daily: 7, Weekly: 4, Monthly: 3})
	var keptDays []int
	for _, sn := range keep {
		if d, ok := byDay[sn.ID()]; ok {
			keptDays = append(keptDays, d)
		} else if hr[sn.ID()] == nil {
			t.Fatalf("kept an unknown snapshot")
		}
	}
	slices.Sort(keptDays)
	if want := []int{20, 27, 30, 33, 34, 35, 36, 37, 38, 39}; !slices.Equal(keptDays, want) {
		t.Fatalf("kept days %v, want %v", keptDays, want)
	}
	if len(keep) != 13 || len(remove) != 30 {
		t.Fatalf("kept %d and removed %d snapshots, want 13 (10 days and the 3 of the other source) and 30", len(keep), len(remove))
	}

	// What only the forgotten snapshots need is what prune must free.
	needKept, err := NeededBlobs(ctx, r, keep)
	if err != nil {
		t.Fatal(err)
	}
	needAll, err := NeededBlobs(ctx, r, all)
	if err != nil {
		t.Fatal(err)
	}
	only := repo.IDSet{}
	for id := range needAll {
		if !needKept.Has(id) {
			only.Add(id)
		}
	}
	wantFreed := storedSize(r, only)
	if wantFreed == 0 {
		t.Fatal("the forgotten snapshots need nothing of their own")
	}
	before := packBytes(t, r)
	st, err := Prune(ctx, r, repo.PruneOptions{RepackThreshold: 0})
	if err != nil {
		t.Fatal(err)
	}
	after := packBytes(t, r)
	t.Logf("40 days: %d bytes in packs before, %d after; forgotten snapshots alone needed %d; prune: %+v", before, after, wantFreed, st)
	if st.UnusedBytes != wantFreed || st.UsedBytes != storedSize(r, needKept) {
		t.Fatalf("prune counted %d unused and %d used bytes, want %d and %d", st.UnusedBytes, st.UsedBytes, wantFreed, storedSize(r, needKept))
	}
	// The packs shrank by the freed blobs, give or take pack headers.
	if d := before - after - wantFreed; d < -int64(st.WrittenPacks)*8192 || d > int64(st.DeletePacks+st.RepackPacks)*8192 {
		t.Fatalf("packs shrank by %d bytes, the unneeded blobs are %d", before-after, wantFreed)
	}

	// Nothing unused is left; everything kept restores byte-identical.
	r = reopen(t, dir)
	st2, err := Prune(ctx, r, repo.PruneOptions{DryRun: true})
	if err != nil || st2.UnusedBlobs != 0 || st2.Unreferenced != 0 {
		t.Fatalf("after prune: %+v, %v", st2, err)
	}
	checkAll(t, dir)
	left := mustLoadAllSnapshots(t, r)
	if len(left) != 13 {
		t.Fatalf("%d snapshots after prune", len(left))
	}
	for _, sn := range left {
		if d, ok := byDay[sn.ID()]; ok {
			if !bytes.Equal(dumpFile(t, r, sn, "sales.sql"), h.day(d)) {
				t.Fatalf("day %d does not restore byte-identical", d)
			}
		} else if !bytes.Equal(dumpFile(t, r, sn, "hr.sql"), hr[sn.ID()]) {
			t.Fatalf("snapshot %s does not restore byte-identical", sn.ID().Str())
		}
	}
}

// TestHistory30DaysWithForgetAndPrune backs up 30 days of a changing
// script as deltas, forgetting (daily 3, weekly 2) and pruning every five
// days with the default threshold, so that later days are stored as
// deltas against keyframes whose own days are gone. Every kept day must
// dump byte-identical, at each stage.
func TestHistory30DaysWithForgetAndPrune(t *testing.T) {
	ctx := context.Background()
	r, dir := newRepo(t)
	h := history{rows: 12000, update: 0.003, appends: 40, seed: 30}
	start := time.Date(2024, 3, 1, 2, 0, 0, 0, time.UTC)
	byDay := map[repo.ID]int{}
	var parent *Snapshot
	pruned := 0
	verifyKept := func(stage string) {
		t.Helper()
		r := reopen(t, dir)
		for _, sn := range mustLoadAllSnapshots(t, r) {
			d := byDay[sn.ID()]
			if !bytes.Equal(dumpFile(t, r, sn, "db.sql"), h.day(d)) {
				t.Fatalf("%s: day %d does not dump byte-identical", stage, d)
			}
		}
	}
	for d := 0; d < 30; d++ {
		sn, err := BackupStream(ctx, r, "db.sql", SourceStdin, bytes.NewReader(h.day(d)),
			Options{Time: start.AddDate(0, 0, d), Parent: parent, Hostname: "db1"})
		if err != nil {
			t.Fatalf("day %d: %v", d, err)
		}
		byDay[sn.ID()] = d
		parent = sn
		if d%5 != 4 {
			continue
		}
		r = reopen(t, dir)
		_, removed := forgetPolicy(t, r, Policy{Daily: 3, Weekly: 2})
		st, err := Prune(ctx, r, repo.PruneOptions{RepackThreshold: repo.DefaultRepackThreshold})
		if err != nil {
			t.Fatalf("prune after day %d: %v", d, err)
		}
		pruned += st.DeletePacks + st.RepackPacks
		t.Logf("day %d: forgot %d snapshots; prune deleted %d and repacked %d packs, freed %d bytes", d, len(removed), st.DeletePacks, st.RepackPacks, st.Freed())
		verifyKept(fmt.Sprintf("after day %d", d))
		checkAll(t, dir) // every delta left in the index has its base
		// The next backup continues from the latest, still there.
		r = reopen(t, dir)
		left := mustLoadAllSnapshots(t, r)
		parent = left[len(left)-1]
		if byDay[parent.ID()] != d {
			t.Fatalf("the latest snapshot is day %d, want %d", byDay[parent.ID()], d)
		}
	}
	if pruned == 0 {
		t.Fatal("prune never deleted or repacked a pack")
	}
	r = reopen(t, dir)
	var days []int
	for _, sn := range mustLoadAllSnapshots(t, r) {
		days = append(days, byDay[sn.ID()])
	}
	// The last forget, after day 29 (Saturday 30 March), saw days 22-29
	// (the one after day 24 kept 22-24): daily keeps 27-29, weekly the
	// newest of ISO week 13 (day 29) and of week 12 (day 23, 24 March).
	if want := []int{23, 27, 28, 29}; !slices.Equal(days, want) {
		t.Fatalf("days left %v, want %v", days, want)
	}
	checkAll(t, dir)
	verifyKept("at the end")
	if s := r.Stats(); s.BaseErrors != 0 {
		t.Fatalf("bases could not be read: %+v", s)
	}
}
