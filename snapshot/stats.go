package snapshot

import (
	"context"
	"fmt"
	"time"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/repo"
)

// RepoStats describes what a repository holds and what it costs. Stored
// sizes are the sealed blob sizes in packs; plaintext sizes are what the
// blobs decode to (for a delta blob, the whole chunk it rebuilds).
type RepoStats struct {
	Snapshots int   `json:"snapshots"`
	TotalSize int64 `json:"total_size"` // every file of the repository but locks
	Packs     int   `json:"packs"`
	PackBytes int64 `json:"pack_bytes"`

	Files    int64 `json:"files"`     // files in all snapshots, counted per snapshot
	RawBytes int64 `json:"raw_bytes"` // their size: what restoring every snapshot would write

	UniqueBlobs int   `json:"unique_blobs"` // distinct data blobs the snapshots refer to
	UniquePlain int64 `json:"unique_bytes"` // their plaintext
	UniqueFull  int   `json:"full_blobs"`   // of them stored in full
	FullPlain   int64 `json:"full_plain"`
	FullStored  int64 `json:"full_stored"`
	DeltaBlobs  int   `json:"delta_blobs"` // of them stored as deltas
	DeltaPlain  int64 `json:"delta_plain"`
	DeltaStored int64 `json:"delta_stored"`
	BaseBlobs   int   `json:"base_blobs"` // keyframes kept only as bases of deltas
	BaseStored  int64 `json:"base_stored"`
	TreeBlobs   int   `json:"tree_blobs"`
	TreeStored  int64 `json:"tree_stored"`
	// StoredBytes is the stored size of all blobs the snapshots need:
	// data, bases and trees.
	StoredBytes int64 `json:"stored_bytes"`
	// UnusedBytes is the stored size of blobs in packs that no snapshot
	// needs (what prune can free), duplicates included.
	UnusedBytes int64 `json:"unused_bytes"`

	PerSnapshot []SnapshotStats `json:"per_snapshot"`
}

// SnapshotStats is one snapshot's share.
type SnapshotStats struct {
	ID       repo.ID   `json:"id"`
	Time     time.Time `json:"time"`
	Hostname string    `json:"hostname"`
	Source   string    `json:"source"`
	Paths    []string  `json:"paths"`
	Files    int64     `json:"files"`
	Size     int64     `json:"size"` // plaintext size of its files
	// Added is the stored size of the blobs (and delta bases) that this
	// snapshot needs and no older snapshot does: what it added to the
	// repository as it stands now.
	Added      int64 `json:"added"`
	AddedBlobs int   `json:"added_blobs"`
}

// CompressionRatio is the plaintext of the unique data over its stored
// size (zstd and deltas together).
func (s RepoStats) CompressionRatio() float64 {
	return ratio(s.UniquePlain, s.FullStored+s.DeltaStored+s.BaseStored)
}

// DedupRatio is the raw data of all snapshots over its unique plaintext.
func (s RepoStats) DedupRatio() float64 { return ratio(s.RawBytes, s.UniquePlain) }

// TotalRatio is the raw data of all snapshots over the stored size of
// everything they need.
func (s RepoStats) TotalRatio() float64 { return ratio(s.RawBytes, s.StoredBytes) }

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// treeTotals memoizes what is below a tree.
type treeTotals struct{ files, size int64 }

// Stats computes the repository's statistics. The index must be loaded.
// Snapshots are walked oldest first; each blob is counted for the first
// snapshot that needs it. Memory: a set of the blobs seen and a small
// record per tree.
func Stats(ctx context.Context, r *repo.Repository, sns []*Snapshot) (RepoStats, error) {
	st := RepoStats{Snapshots: len(sns)}
	for _, t := range append([]backend.FileType{backend.Config}, backend.FileTypes...) {
		switch t {
		case backend.Lock:
			continue // not data; the caller's own lock is one
		case backend.Config:
			if fi, err := r.Backend().Stat(ctx, backend.Handle{Type: backend.Config}); err == nil {
				st.TotalSize += fi.Size
			}
			continue
		}
		err := r.Backend().List(ctx, t, func(fi backend.FileInfo) error {
			st.TotalSize += fi.Size
			if t == backend.Pack {
				st.Packs++
				st.PackBytes += fi.Size
			}
			return nil
		})
		if err != nil {
			return st, fmt.Errorf("list %s: %w", t, err)
		}
	}
	idx := r.Index()
	seen := repo.IDSet{}
	trees := map[repo.ID]treeTotals{}
	var cur *SnapshotStats
	// need counts blob id (and its base) for the current snapshot when it
	// is new.
	baseOnly := repo.IDSet{} // blobs seen only as delta bases so far
	need := func(id repo.ID, referenced bool) {
		if seen.Has(id) {
			if referenced && baseOnly.Has(id) {
				// A base that a snapshot refers to directly after all:
				// count it as data (it stays added where it was first
				// needed).
				delete(baseOnly, id)
				pb, _ := idx.Lookup(id)
				st.BaseBlobs--
				st.BaseStored -= int64(pb.Length)
				st.UniqueFull++
				st.FullPlain += int64(pb.PlainLen)
				st.FullStored += int64(pb.Length)
				st.UniqueBlobs++
				st.UniquePlain += int64(pb.PlainLen)
			}
			return
		}
		seen.Add(id)
		pb, ok := idx.Lookup(id)
		if !ok {
			return
		}
		if !referenced {
			baseOnly.Add(id)
		}
		cur.Added += int64(pb.Length)
		cur.AddedBlobs++
		st.StoredBytes += int64(pb.Length)
		switch {
		case pb.Type == repo.TreeBlob:
			st.TreeBlobs++
			st.TreeStored += int64(pb.Length)
		case !referenced:
			st.BaseBlobs++
			st.BaseStored += int64(pb.Length)
		case pb.Enc == repo.EncDelta:
			st.DeltaBlobs++
			st.DeltaPlain += int64(pb.PlainLen)
			st.DeltaStored += int64(pb.Length)
		default:
			st.UniqueFull++
			st.FullPlain += int64(pb.PlainLen)
			st.FullStored += int64(pb.Length)
		}
		if referenced && pb.Type == repo.DataBlob {
			st.UniqueBlobs++
			st.UniquePlain += int64(pb.PlainLen)
		}
	}
	var bases []repo.ID
	var walk func(id repo.ID) (treeTotals, error)
	walk = func(id repo.ID) (treeTotals, error) {
		if tt, ok := trees[id]; ok {
			return tt, nil
		}
		if err := ctx.Err(); err != nil {
			return treeTotals{}, err
		}
		t, err := LoadTree(ctx, r, id)
		if err != nil {
			return treeTotals{}, err
		}
		need(id, true)
		var tt treeTotals
		for _, n := range t.Nodes {
			switch n.Type {
			case TypeFile:
				tt.files++
				tt.size += int64(n.Size)
				for _, b := range n.Content {
					if !seen.Has(b) {
						if pb, ok := idx.Lookup(b); ok && pb.Enc == repo.EncDelta {
							bases = append(bases, pb.Base)
						}
					}
					need(b, true)
				}
			case TypeDir:
				if n.Subtree != nil {
					sub, err := walk(*n.Subtree)
					if err != nil {
						return treeTotals{}, err
					}
					tt.files += sub.files
					tt.size += sub.size
				}
			}
		}
		trees[id] = tt
		return tt, nil
	}
	for _, sn := range sns {
		st.PerSnapshot = append(st.PerSnapshot, SnapshotStats{ID: sn.ID(), Time: sn.Time, Hostname: sn.Hostname, Source: sn.Source, Paths: sn.Paths})
		cur = &st.PerSnapshot[len(st.PerSnapshot)-1]
		bases = bases[:0]
		tt, err := walk(sn.Tree)
		if err != nil {
			return st, fmt.Errorf("snapshot %s: %w", sn.ID().Str(), err)
		}
		// A base is counted for the first snapshot that needs it, unless a
		// snapshot refers to it directly (then it counts as data there).
		for _, b := range bases {
			need(b, false)
		}
		cur.Files, cur.Size = tt.files, tt.size
		st.Files += tt.files
		st.RawBytes += tt.size
	}
	var indexed int64
	idx.Each(func(pb repo.PackedBlob) { indexed += int64(pb.Length) })
	// The index serves each blob once; duplicate copies in other packs
	// count as unused as well.
	var inPacks int64
	packs := repo.IDSet{}
	for _, id := range idx.Files() {
		f, err := r.LoadIndexFile(ctx, id)
		if err != nil {
			return st, err
		}
		for _, p := range f.Packs {
			if packs.Has(p.ID) {
				continue // named by two index files (an interrupted prune)
			}
			packs.Add(p.ID)
			for _, b := range p.Blobs {
				inPacks += int64(b.Length)
			}
		}
	}
	st.UnusedBytes = max(inPacks, indexed) - st.StoredBytes
	return st, nil
}
