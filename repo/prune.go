package repo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/sqlvault/sqlvault/backend"
)

// IDSet is a set of IDs.
type IDSet map[ID]struct{}

// Has reports whether id is in the set.
func (s IDSet) Has(id ID) bool { _, ok := s[id]; return ok }

// Add puts id into the set.
func (s IDSet) Add(id ID) { s[id] = struct{}{} }

// DefaultRepackThreshold is the unused share of a pack above which prune
// rewrites the pack's used blobs into new packs.
const DefaultRepackThreshold = 0.5

// PruneOptions control Prune.
type PruneOptions struct {
	// RepackThreshold: a pack of which more than this share of the blob
	// bytes is unused is repacked (its used blobs are copied into new
	// packs and it is deleted). 0 repacks every pack with an unused blob;
	// 1 never repacks, so only packs without any used blob are deleted.
	RepackThreshold float64
	// DryRun computes and reports what would be done and changes nothing.
	DryRun bool
	// Warn receives problems that prune works around (a pack missing,
	// blobs missing from the index).
	Warn func(msg string)
	// Progress, if set, is called at the start of each phase.
	Progress func(msg string)
	// Packs, if set, is called in the phases that go pack by pack
	// (repacking, removing packs) after each pack, with how many of the
	// phase's packs are done: for a progress display.
	Packs func(done, total int)
	// Hook, if set, is called at fixed points of the work: after each
	// pack is repacked ("repack"), after the new packs and their index are
	// durable ("flush"), after each replacement index file ("index"),
	// after each old index file is removed ("remove-index") and after each
	// pack is removed ("remove-pack"). An error ends Prune at once without
	// any cleanup, as a crash would: tests use it to show that the
	// repository is consistent at every one of these points.
	Hook func(step string) error
}

// PruneStats says what Prune found and did (or, with DryRun, would do).
// Byte counts of blobs are their stored (sealed) sizes.
type PruneStats struct {
	Packs             int   `json:"packs"`      // packs in the index
	PackBytes         int64 `json:"pack_bytes"` // their size
	UsedBlobs         int   `json:"used_blobs"` // blobs that kept snapshots need, with the bases of their deltas
	UsedBytes         int64 `json:"used_bytes"`
	UnusedBlobs       int   `json:"unused_blobs"` // blobs no kept snapshot needs, and duplicate copies
	UnusedBytes       int64 `json:"unused_bytes"`
	DeletePacks       int   `json:"delete_packs"` // packs without any used blob
	DeleteBytes       int64 `json:"delete_bytes"`
	RepackPacks       int   `json:"repack_packs"` // packs rewritten because too much of them is unused
	RepackBytes       int64 `json:"repack_bytes"`
	CopiedBlobs       int   `json:"copied_blobs"`  // used blobs copied out of repacked packs
	CopiedBytes       int64 `json:"copied_bytes"`  // their stored size
	WrittenPacks      int   `json:"written_packs"` // new packs
	WrittenBytes      int64 `json:"written_bytes"`
	Unreferenced      int   `json:"unreferenced_packs"` // pack files no index names (interrupted backups or prunes)
	UnreferencedBytes int64 `json:"unreferenced_bytes"`
	KeptUnused        int64 `json:"kept_unused_bytes"` // unused bytes left in packs below the threshold
	MissingPacks      int   `json:"missing_packs"`     // packs in the index whose file is missing
	MissingBlobs      int   `json:"missing_blobs"`     // used blobs not in the index at all
	IndexRemoved      int   `json:"index_removed"`     // old index files removed
	IndexWritten      int   `json:"index_written"`     // new index files written
}

// Freed returns the pack bytes that prune removes (or would remove) from
// the repository, net of the new packs it writes.
func (s PruneStats) Freed() int64 {
	w := s.WrittenBytes
	if w == 0 {
		w = s.CopiedBytes // dry run: the copied blobs, headers aside
	}
	return s.DeleteBytes + s.RepackBytes + s.UnreferencedBytes - w
}

// pruneAction is what prune does with one pack.
type pruneAction uint8

const (
	packKeep pruneAction = iota
	packRepack
	packDelete
)

// prunePack is what prune knows about one indexed pack.
type prunePack struct {
	typ       BlobType
	size      int64 // file size; -1 when the file is missing
	blobs     int
	blobBytes int64
	used      int
	usedBytes int64
	action    pruneAction
}

// share is the part of the pack's blob bytes that is used.
func (p *prunePack) share() float64 {
	if p.blobBytes == 0 {
		return 0
	}
	return float64(p.usedBytes) / float64(p.blobBytes)
}

// blobCopy is one stored copy of a blob that is in more than one pack.
type blobCopy struct {
	pack   ID
	enc    byte
	base   ID
	length uint32
}

// Number of packs and blobs after which a replacement index file is
// written.
const (
	pruneIndexPacks = 512
	pruneIndexBlobs = 100_000
)

// ErrPruneIncomplete is returned when the blobs that snapshots need cannot
// all be found; prune then deletes nothing it might still need.
var ErrPruneIncomplete = errors.New("prune incomplete")

// Prune removes from the repository everything that the blobs in used do
// not need. used holds the tree and data blobs of all snapshots that are
// kept; Prune adds the bases of their delta blobs (and of any duplicate
// copy of them). The caller must hold the exclusive lock.
//
// The work is ordered so that the repository is consistent whenever the
// process dies: used blobs of mostly unused packs are copied (as sealed,
// under the same IDs) into new packs, which are indexed; then replacement
// index files for the packs that stay are written, the last one naming
// the old index files in Supersedes; only then are the old index files
// removed, and after them the packs nothing refers to any more. Pack files
// no index names (left by interrupted backups and prunes) are removed too,
// but not when used blobs are missing from the index, since such packs may
// hold them.
//
// Memory: the used set and one small record per pack; index files are
// read one at a time (several times), and one pack's used blobs at a time
// are held while repacking.
func (r *Repository) Prune(ctx context.Context, used IDSet, opts PruneOptions) (PruneStats, error) {
	var st PruneStats
	warn := func(format string, args ...any) {
		if opts.Warn != nil {
			opts.Warn(fmt.Sprintf(format, args...))
		}
	}
	progress := func(msg string) {
		if opts.Progress != nil {
			opts.Progress(msg)
		}
	}
	hook := func(step string) error {
		if opts.Hook != nil {
			return opts.Hook(step)
		}
		return nil
	}
	packsDone := func(done, total int) {
		if opts.Packs != nil {
			opts.Packs(done, total)
		}
	}
	if opts.RepackThreshold < 0 || opts.RepackThreshold > 1 {
		return st, fmt.Errorf("prune: repack threshold %v is outside 0 to 1", opts.RepackThreshold)
	}

	// Every index file must be in memory: a pack missing from the index
	// would look unreferenced and be deleted.
	if err := r.LoadIndex(ctx); err != nil {
		return st, fmt.Errorf("prune: load index: %w", err)
	}
	if d := r.idx.Damaged(); len(d) > 0 {
		return st, fmt.Errorf("prune: %w: run 'sqlvault repair index' first; nothing was deleted", d[0])
	}
	var oldIndex []ID
	if err := r.List(ctx, backend.Index, func(id ID, _ int64) error { oldIndex = append(oldIndex, id); return nil }); err != nil {
		return st, fmt.Errorf("prune: list index files: %w", err)
	}
	sort.Slice(oldIndex, func(i, j int) bool { return oldIndex[i].String() < oldIndex[j].String() })
	sizes := map[ID]int64{}
	if err := r.List(ctx, backend.Pack, func(id ID, size int64) error { sizes[id] = size; return nil }); err != nil {
		return st, fmt.Errorf("prune: list packs: %w", err)
	}

	// Pass 1: find every copy of a blob stored in more than one pack. The
	// in-memory index serves each blob from one pack; a copy elsewhere is
	// a duplicate (two backups that stored the same chunk at once, or an
	// interrupted prune).
	progress("finding duplicate blobs")
	dups := map[ID][]blobCopy{}
	err := r.eachIndexedPack(ctx, oldIndex, func(pack ID, blobs []Blob) error {
		for _, b := range blobs {
			if pb, ok := r.idx.Lookup(b.ID); ok && pb.Pack != pack {
				if len(dups[b.ID]) == 0 {
					dups[b.ID] = append(dups[b.ID], blobCopy{pack: pb.Pack, enc: pb.Enc, base: pb.Base, length: pb.Length})
				}
				dups[b.ID] = append(dups[b.ID], blobCopy{pack: pack, enc: b.Enc, base: b.Base, length: b.Length})
			}
		}
		return nil
	})
	if err != nil {
		return st, err
	}

	// The used set grows by the base of every delta copy of a used blob,
	// until nothing new is added (a base is a keyframe, but a duplicate
	// copy of it might be a delta).
	basesOf := func(id ID, fn func(ID)) {
		if pb, ok := r.idx.Lookup(id); ok && pb.Enc == EncDelta {
			fn(pb.Base)
		}
		for _, c := range dups[id] {
			if c.enc == EncDelta {
				fn(c.base)
			}
		}
	}
	var work []ID // bases not yet in the used set
	for id := range used {
		basesOf(id, func(b ID) {
			if !used.Has(b) {
				work = append(work, b)
			}
		})
	}
	for len(work) > 0 {
		id := work[len(work)-1]
		work = work[:len(work)-1]
		if used.Has(id) {
			continue
		}
		used.Add(id)
		basesOf(id, func(b ID) {
			if !used.Has(b) {
				work = append(work, b)
			}
		})
	}
	for id := range used {
		if !r.idx.Has(id) {
			st.MissingBlobs++
		}
	}
	if st.MissingBlobs > 0 {
		warn("%d blobs that snapshots need are not in the index (run 'sqlvault check'); packs that no index names are kept, since they may hold them", st.MissingBlobs)
	}

	// Pass 2: per pack, how much of it is used. A duplicate blob counts
	// in every pack that holds it for now.
	progress("counting used blobs per pack")
	packs := map[ID]*prunePack{}
	orphanBases := map[ID][]ID{} // pack -> bases of its unused delta blobs
	err = r.eachIndexedPack(ctx, oldIndex, func(pack ID, blobs []Blob) error {
		p := &prunePack{size: -1}
		if s, ok := sizes[pack]; ok {
			p.size = s
		}
		for _, b := range blobs {
			p.typ = b.Type
			p.blobs++
			p.blobBytes += int64(b.Length)
			switch {
			case used.Has(b.ID):
				p.used++
				p.usedBytes += int64(b.Length)
			case b.Enc == EncDelta:
				orphanBases[pack] = append(orphanBases[pack], b.Base)
			}
		}
		packs[pack] = p
		return nil
	})
	if err != nil {
		return st, err
	}

	// Each duplicated used blob is kept in one pack: a keyframe copy
	// before a delta (a base must be a keyframe), then the copy in the
	// most used pack, so that mostly unused packs empty out. The other
	// copies count as unused.
	owner := map[ID]ID{}
	dropped := map[ID]bool{} // packs holding a copy that is not kept
	for id, copies := range dups {
		if !used.Has(id) {
			continue
		}
		best := -1
		for i, c := range copies {
			p := packs[c.pack]
			if p == nil || p.size < 0 {
				continue
			}
			if best < 0 {
				best = i
				continue
			}
			b := copies[best]
			if (c.enc != EncDelta) != (b.enc != EncDelta) {
				if c.enc != EncDelta {
					best = i
				}
				continue
			}
			if p.share() > packs[b.pack].share() {
				best = i
			}
		}
		if best < 0 {
			best = 0
		}
		owner[id] = copies[best].pack
		for i, c := range copies {
			if i == best {
				continue
			}
			if p := packs[c.pack]; p != nil {
				p.used--
				p.usedBytes -= int64(c.length)
				dropped[c.pack] = true
			}
		}
	}

	// Decide: delete packs without a used blob, repack those above the
	// threshold of unused bytes, keep the rest.
	for id, p := range packs {
		switch {
		case p.used == 0:
			p.action = packDelete
		case p.size < 0:
			st.MissingPacks++
			warn("pack %s is in the index but missing from the repository: its %d used blobs are lost (run 'sqlvault check')", id.Str(), p.used)
		case p.used < p.blobs && 1-p.share() > opts.RepackThreshold:
			p.action = packRepack
		case dropped[id]:
			// A second copy of a used blob: the in-memory index of a
			// reader could serve it instead of the kept one (a delta
			// copy of a base, say), so it goes whatever the threshold.
			p.action = packRepack
		}
	}
	// Every delta blob left in the index must keep its base, or a later
	// backup that stores the same chunk would take the undecodable blob as
	// already stored. Used deltas have their bases in the used set; an
	// unused delta in a kept pack whose unused base goes away makes its
	// pack be repacked, which drops the delta. Repacking a pack drops its
	// unused keyframes too, so repeat until nothing changes.
	gone := func(base ID) bool {
		if used.Has(base) {
			return false
		}
		pb, ok := r.idx.Lookup(base)
		if !ok {
			return true
		}
		if p := packs[pb.Pack]; p != nil && p.action == packKeep {
			return false
		}
		for _, c := range dups[base] {
			if p := packs[c.pack]; p != nil && p.action == packKeep {
				return false
			}
		}
		return true
	}
	for changed := true; changed; {
		changed = false
		for id, bases := range orphanBases {
			p := packs[id]
			if p == nil || p.action != packKeep || p.size < 0 {
				continue
			}
			if slices.ContainsFunc(bases, gone) {
				p.action = packRepack
				changed = true
			}
		}
	}
	var repack []ID
	for id, p := range packs {
		st.Packs++
		if p.size > 0 {
			st.PackBytes += p.size
		}
		st.UsedBlobs += p.used
		st.UsedBytes += p.usedBytes
		st.UnusedBlobs += p.blobs - p.used
		st.UnusedBytes += p.blobBytes - p.usedBytes
		switch p.action {
		case packDelete:
			st.DeletePacks++
			st.DeleteBytes += max(p.size, 0)
		case packRepack:
			st.RepackPacks++
			st.RepackBytes += p.size
			st.CopiedBlobs += p.used
			st.CopiedBytes += p.usedBytes
			repack = append(repack, id)
		default:
			st.KeptUnused += p.blobBytes - p.usedBytes
		}
	}
	sort.Slice(repack, func(i, j int) bool { return repack[i].String() < repack[j].String() })
	var unreferenced []ID
	for id, size := range sizes {
		if _, ok := packs[id]; !ok {
			st.Unreferenced++
			st.UnreferencedBytes += size
			unreferenced = append(unreferenced, id)
		}
	}
	sort.Slice(unreferenced, func(i, j int) bool { return unreferenced[i].String() < unreferenced[j].String() })
	if st.MissingBlobs > 0 {
		unreferenced = nil
		st.Unreferenced, st.UnreferencedBytes = 0, 0
	}
	// A pack no index names may hold the only copy of a blob a snapshot
	// needs (its index file was damaged or removed, or the indexed copy's
	// pack is missing): read each one's header and keep those.
	progress("reading the headers of packs no index names")
	available := func(id ID) bool {
		pb, ok := r.idx.Lookup(id)
		if !ok {
			return false
		}
		p := packs[pb.Pack]
		return p == nil || p.size >= 0
	}
	unreferenced, err = r.unneededUnindexed(ctx, unreferenced, used, available, warn)
	if err != nil {
		return st, err
	}
	st.Unreferenced, st.UnreferencedBytes = len(unreferenced), 0
	for _, id := range unreferenced {
		st.UnreferencedBytes += sizes[id]
	}
	if opts.DryRun {
		return st, nil
	}

	// Copy the used blobs of the packs to repack into new packs.
	if len(repack) > 0 {
		progress(fmt.Sprintf("repacking %d packs", len(repack)))
		toCopy := map[ID][]Blob{}
		err = r.eachIndexedPack(ctx, oldIndex, func(pack ID, blobs []Blob) error {
			if p := packs[pack]; p == nil || p.action != packRepack {
				return nil
			}
			for _, b := range blobs {
				if !used.Has(b.ID) {
					continue
				}
				if o, dup := owner[b.ID]; dup && o != pack {
					continue
				}
				toCopy[pack] = append(toCopy[pack], b)
			}
			return nil
		})
		if err != nil {
			return st, err
		}
		before := len(r.idx.Packs())
		packsDone(0, len(repack))
		for i, pack := range repack {
			if err := r.repackBlobs(ctx, pack, toCopy[pack]); err != nil {
				r.Abort()
				return st, err
			}
			delete(toCopy, pack)
			if err := hook("repack"); err != nil {
				return st, err
			}
			packsDone(i+1, len(repack))
		}
		if err := r.Flush(ctx); err != nil {
			return st, fmt.Errorf("prune: write new packs: %w", err)
		}
		for _, id := range r.idx.Packs()[before:] {
			fi, err := r.be.Stat(ctx, backend.Handle{Type: backend.Pack, Name: id.String()})
			if err != nil {
				return st, fmt.Errorf("prune: new pack %s: %w", id.Str(), err)
			}
			st.WrittenPacks++
			st.WrittenBytes += fi.Size
		}
		if err := hook("flush"); err != nil {
			return st, err
		}
	}

	// Replace the index files when a pack they name goes away.
	if st.DeletePacks+st.RepackPacks > 0 {
		progress("writing the new index")
		n, err := r.rewriteIndex(ctx, oldIndex, packs, hook)
		st.IndexWritten = n
		if err != nil {
			return st, err
		}
		for _, id := range oldIndex {
			if err := r.be.Remove(ctx, backend.Handle{Type: backend.Index, Name: id.String()}); err != nil {
				return st, fmt.Errorf("prune: remove old index file %s: %w", id.Str(), err)
			}
			st.IndexRemoved++
			if err := hook("remove-index"); err != nil {
				return st, err
			}
		}
	}

	// Only now delete packs.
	var remove []ID
	for id, p := range packs {
		if p.action != packKeep {
			remove = append(remove, id)
		}
	}
	sort.Slice(remove, func(i, j int) bool { return remove[i].String() < remove[j].String() })
	remove = append(remove, unreferenced...)
	if len(remove) > 0 {
		progress(fmt.Sprintf("removing %d packs", len(remove)))
		packsDone(0, len(remove))
	}
	for i, id := range remove {
		if err := r.be.Remove(ctx, backend.Handle{Type: backend.Pack, Name: id.String()}); err != nil {
			return st, fmt.Errorf("prune: remove pack %s: %w", id.Str(), err)
		}
		if err := hook("remove-pack"); err != nil {
			return st, err
		}
		packsDone(i+1, len(remove))
	}
	return st, nil
}

// eachIndexedPack calls fn for every pack named by the index files ids,
// reading one file at a time. A pack named by several files is passed
// once, with the blobs of the first file that names it.
func (r *Repository) eachIndexedPack(ctx context.Context, ids []ID, fn func(pack ID, blobs []Blob) error) error {
	seen := make(map[ID]struct{})
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return err
		}
		f, err := r.LoadIndexFile(ctx, id)
		if err != nil {
			return fmt.Errorf("prune: %w", err)
		}
		for _, p := range f.Packs {
			if _, ok := seen[p.ID]; ok {
				continue
			}
			seen[p.ID] = struct{}{}
			if err := fn(p.ID, p.Blobs); err != nil {
				return err
			}
		}
	}
	return nil
}

// authenticate checks that sealed is blob b as an index describes it: it
// decrypts under b's ID (so it is authentic) and its encoding byte is b's.
// The plaintext goes to *scratch, which is reused.
func (r *Repository) authenticate(b Blob, sealed []byte, scratch *[]byte) error {
	payload, err := r.key.Open((*scratch)[:0], sealed, blobAAD(b.Type, b.ID))
	if err != nil {
		return err
	}
	*scratch = payload
	if len(payload) == 0 || payload[0] != b.Enc {
		return fmt.Errorf("%w: encoding does not match the index", ErrBlobCorrupt)
	}
	return nil
}

// repackBlobs copies blobs, as stored, from pack into the packs being
// filled. Runs of blobs close together are read with one request; at most
// one pack's worth of data is held. Each blob is authenticated before it
// is copied, so that damage is not carried into a new pack.
func (r *Repository) repackBlobs(ctx context.Context, pack ID, blobs []Blob) error {
	sort.Slice(blobs, func(i, j int) bool { return blobs[i].Offset < blobs[j].Offset })
	h := backend.Handle{Type: backend.Pack, Name: pack.String()}
	const maxGap = 256 << 10
	var scratch []byte
	for i := 0; i < len(blobs); {
		j := i + 1
		end := int64(blobs[i].Offset) + int64(blobs[i].Length)
		for j < len(blobs) && int64(blobs[j].Offset)-end <= maxGap {
			end = int64(blobs[j].Offset) + int64(blobs[j].Length)
			j++
		}
		start := int64(blobs[i].Offset)
		buf, err := loadRange(ctx, r.be, h, start, end-start)
		if err != nil {
			return fmt.Errorf("prune: read pack %s: %w", pack.Str(), err)
		}
		for _, b := range blobs[i:j] {
			sealed := buf[int64(b.Offset)-start : int64(b.Offset)-start+int64(b.Length)]
			if err := r.authenticate(b, sealed, &scratch); err != nil {
				return fmt.Errorf("prune: blob %s in pack %s: %w: run 'sqlvault check --read-data'; nothing was deleted", b.ID.Str(), pack.Str(), err)
			}
			if err := r.addToPack(ctx, Blob{Type: b.Type, Enc: b.Enc, ID: b.ID, Base: b.Base, PlainLen: b.PlainLen}, sealed); err != nil {
				return fmt.Errorf("prune: %w", err)
			}
		}
		i = j
	}
	return nil
}

// rewriteIndex writes index files for the packs of the old index files
// that are kept, a few hundred packs per file; the last one names all the
// old files in Supersedes. It returns the number of files written.
func (r *Repository) rewriteIndex(ctx context.Context, oldIndex []ID, packs map[ID]*prunePack, hook func(string) error) (int, error) {
	written := 0
	cur := &IndexFile{}
	blobs := 0
	save := func(last bool) error {
		if last {
			cur.Supersedes = oldIndex
		}
		if len(cur.Packs) == 0 && !last {
			return nil
		}
		if _, err := r.SaveFile(ctx, backend.Index, EncodeIndex(cur)); err != nil {
			return fmt.Errorf("prune: write index: %w", err)
		}
		written++
		cur, blobs = &IndexFile{}, 0
		return hook("index")
	}
	err := r.eachIndexedPack(ctx, oldIndex, func(pack ID, bs []Blob) error {
		if p := packs[pack]; p == nil || p.action != packKeep {
			return nil
		}
		cur.Packs = append(cur.Packs, IndexPack{ID: pack, Blobs: bs})
		blobs += len(bs)
		if len(cur.Packs) >= pruneIndexPacks || blobs >= pruneIndexBlobs {
			return save(false)
		}
		return nil
	})
	if err != nil {
		return written, err
	}
	return written, save(true)
}
