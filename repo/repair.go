package repo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"sync"

	"github.com/sqlvault/sqlvault/backend"
)

// RepairIndexOptions control RepairIndex.
type RepairIndexOptions struct {
	// Report receives every pack whose header cannot be read.
	Report func(Problem)
	// Progress, if set, is called at the start of each phase.
	Progress func(msg string)
}

// RepairIndexStats says what RepairIndex found and wrote.
type RepairIndexStats struct {
	Packs          int `json:"packs"`           // pack files in the repository
	Indexed        int `json:"indexed"`         // packs in the new index
	Blobs          int `json:"blobs"`           // blobs in the new index
	DamagedPacks   int `json:"damaged_packs"`   // packs whose header cannot be read
	KeptFromIndex  int `json:"kept_from_index"` // of those, packs a readable index file named: their readable blobs were copied into new packs
	RescuedBlobs   int `json:"rescued_blobs"`   // blobs copied out of packs with a damaged header
	LostBlobs      int `json:"lost_blobs"`      // blobs of such packs that did not authenticate (lost unless another pack holds them)
	DroppedPacks   int `json:"dropped_packs"`   // packs the old index named whose file is missing
	DamagedIndex   int `json:"damaged_index"`   // old index files that could not be read
	IndexWritten   int `json:"index_written"`
	IndexRemoved   int `json:"index_removed"`
	UnindexedAdded int `json:"unindexed_added"` // packs no readable index file named, now indexed
}

// headerWorkers is how many pack headers RepairIndex reads at once: on S3
// each read is a round trip.
const headerWorkers = 8

// RepairIndex rebuilds the index from the packs: it reads the header of
// every pack file and writes new index files that list every pack whose
// header is readable, then removes all old index files. The last new file
// names the old ones in Supersedes, and they are removed only after it is
// written, so a crash in between leaves a readable repository (with
// duplicate entries). A pack whose header is damaged is reported; if a
// readable old index file names it, that entry is kept (the blobs may
// still be readable), else its blobs are lost unless another pack holds
// them. Only headers are read, not the blobs: check --read-data verifies
// those. The caller must hold the exclusive lock. On return the in-memory
// index is the new one.
func (r *Repository) RepairIndex(ctx context.Context, opts RepairIndexOptions) (RepairIndexStats, error) {
	var st RepairIndexStats
	progress := func(msg string) {
		if opts.Progress != nil {
			opts.Progress(msg)
		}
	}
	var oldIndex []ID
	if err := r.List(ctx, backend.Index, func(id ID, _ int64) error { oldIndex = append(oldIndex, id); return nil }); err != nil {
		return st, fmt.Errorf("repair index: list index files: %w", err)
	}
	sort.Slice(oldIndex, func(i, j int) bool { return oldIndex[i].String() < oldIndex[j].String() })
	var packIDs []ID
	if err := r.List(ctx, backend.Pack, func(id ID, _ int64) error { packIDs = append(packIDs, id); return nil }); err != nil {
		return st, fmt.Errorf("repair index: list packs: %w", err)
	}
	sort.Slice(packIDs, func(i, j int) bool { return packIDs[i].String() < packIDs[j].String() })
	st.Packs = len(packIDs)

	progress(fmt.Sprintf("reading the headers of %d packs", len(packIDs)))
	headers, errs, err := r.readHeaders(ctx, packIDs)
	if err != nil {
		return st, err
	}

	// What the readable old index files say: which packs they name (to
	// count packs that were missing from the index, and dropped packs), and
	// the entries of packs whose header is damaged.
	progress("reading the old index files")
	exists := make(map[ID]bool, len(packIDs))
	for _, id := range packIDs {
		exists[id] = true
	}
	named := map[ID]bool{}
	fallback := map[ID][]Blob{}
	for _, id := range oldIndex {
		f, err := r.LoadIndexFile(ctx, id)
		var d DamagedIndex
		if errors.As(err, &d) {
			st.DamagedIndex++
			continue
		}
		if err != nil {
			return st, fmt.Errorf("repair index: %w", err)
		}
		for _, p := range f.Packs {
			if !exists[p.ID] {
				if !named[p.ID] {
					st.DroppedPacks++
				}
			} else if errs[p.ID] != nil && fallback[p.ID] == nil {
				fallback[p.ID] = p.Blobs
			}
			named[p.ID] = true
		}
	}

	// A pack whose header is damaged but whose blobs a readable index file
	// listed: copy every blob that still authenticates into new packs
	// (written and indexed by Flush now), so that the pack can go and
	// check is clean again.
	var rescued []ID
	for _, id := range packIDs {
		bs, ok := fallback[id]
		if !ok {
			continue
		}
		progress(fmt.Sprintf("copying the readable blobs of pack %s, whose header is damaged", id.Str()))
		n, lost, err := r.rescueBlobs(ctx, id, bs, opts.Report)
		if err != nil {
			return st, fmt.Errorf("repair index: %w", err)
		}
		st.RescuedBlobs += n
		st.LostBlobs += lost
		rescued = append(rescued, id)
	}
	if len(rescued) > 0 {
		if err := r.Flush(ctx); err != nil {
			return st, fmt.Errorf("repair index: write the copied blobs: %w", err)
		}
	}

	idx := NewIndex()
	var files []IndexFile
	cur := IndexFile{}
	blobs := 0
	for _, id := range packIDs {
		bs := headers[id]
		if err := errs[id]; err != nil {
			st.DamagedPacks++
			if _, ok := fallback[id]; ok {
				st.KeptFromIndex++
				err = fmt.Errorf("header: %w (a readable index file listed its blobs: those that authenticate were copied into a new pack, and it was removed)", err)
			} else {
				err = fmt.Errorf("header: %w (its blobs are lost unless another pack holds them)", err)
			}
			if opts.Report != nil {
				opts.Report(Problem{Pack: id, Err: err})
			}
			continue
		}
		if !named[id] {
			st.UnindexedAdded++
		}
		st.Indexed++
		st.Blobs += len(bs)
		idx.AddPack(id, bs)
		cur.Packs = append(cur.Packs, IndexPack{ID: id, Blobs: bs})
		blobs += len(bs)
		if len(cur.Packs) >= pruneIndexPacks || blobs >= pruneIndexBlobs {
			files = append(files, cur)
			cur, blobs = IndexFile{}, 0
		}
	}
	if len(cur.Packs) > 0 || len(files) == 0 {
		files = append(files, cur)
	}
	files[len(files)-1].Supersedes = oldIndex
	if len(oldIndex) == 0 && len(files) == 1 && len(files[0].Packs) == 0 {
		files = nil // an empty repository stays empty
	}

	progress(fmt.Sprintf("writing %d index files", len(files)))
	for i := range files {
		id, err := r.SaveFile(ctx, backend.Index, EncodeIndex(&files[i]))
		if err != nil {
			return st, fmt.Errorf("repair index: write index: %w", err)
		}
		idx.files[id] = struct{}{}
		st.IndexWritten++
	}
	progress(fmt.Sprintf("removing %d old index files", len(oldIndex)))
	for _, id := range oldIndex {
		if err := r.be.Remove(ctx, backend.Handle{Type: backend.Index, Name: id.String()}); err != nil {
			return st, fmt.Errorf("repair index: remove old index file %s: %w", id.Str(), err)
		}
		st.IndexRemoved++
	}
	for _, id := range rescued {
		if err := r.be.Remove(ctx, backend.Handle{Type: backend.Pack, Name: id.String()}); err != nil {
			return st, fmt.Errorf("repair index: remove pack %s with a damaged header: %w", id.Str(), err)
		}
	}
	r.idx = idx
	// The index file Flush wrote for the copied blobs is not superseded.
	if err := r.LoadIndex(ctx); err != nil {
		return st, fmt.Errorf("repair index: %w", err)
	}
	return st, nil
}

// rescueBlobs copies the blobs of a pack whose header is damaged, as the
// index listed them, into the packs being filled: each is authenticated
// first, and one that fails is reported and left behind (lost unless
// another pack holds it). It returns how many were copied and lost.
func (r *Repository) rescueBlobs(ctx context.Context, pack ID, blobs []Blob, report func(Problem)) (copied, lost int, err error) {
	var scratch []byte
	for _, b := range blobs {
		sealed, err := r.loadSealed(ctx, PackedBlob{Blob: b, Pack: pack}, "blob")
		if err != nil && !errors.Is(err, ErrBlobMissing) {
			return copied, lost, err
		}
		if err == nil {
			err = r.authenticate(b, sealed, &scratch)
		}
		if err != nil {
			lost++
			if report != nil {
				report(Problem{Pack: pack, Blob: b.ID, Err: fmt.Errorf("%w (lost unless another pack holds it)", err)})
			}
			continue
		}
		if err := r.addToPack(ctx, Blob{Type: b.Type, Enc: b.Enc, ID: b.ID, Base: b.Base, PlainLen: b.PlainLen}, sealed); err != nil {
			return copied, lost, err
		}
		copied++
	}
	return copied, lost, nil
}

// readHeaders reads the headers of packs, a few at a time. A header that
// is damaged is an entry of errs; the returned error means the work itself
// stopped: the context ended, or the backend failed, since a pack that
// could not be read must not be dropped from the index for it.
func (r *Repository) readHeaders(ctx context.Context, packs []ID) (map[ID][]Blob, map[ID]error, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	headers := make(map[ID][]Blob, len(packs))
	errs := map[ID]error{}
	var failed error
	var mu sync.Mutex
	jobs := make(chan ID)
	var wg sync.WaitGroup
	for range min(headerWorkers, max(len(packs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range jobs {
				blobs, _, err := ReadPackHeader(ctx, r.be, r.key, id)
				mu.Lock()
				switch {
				case err == nil:
					headers[id] = blobs
				case errors.Is(err, ErrAuth), errors.Is(err, ErrPackDamaged), errors.Is(err, io.ErrUnexpectedEOF):
					errs[id] = err
				case failed == nil:
					failed = fmt.Errorf("repair index: read pack %s: %w; nothing was changed", id.Str(), err)
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, id := range packs {
		select {
		case jobs <- id:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if failed != nil {
		return nil, nil, failed
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return headers, errs, nil
}

// unneededUnindexed returns the packs of unreferenced (packs no index
// names) that prune may delete: those whose header is readable and lists no
// used blob that is not available elsewhere. The others are kept, each
// with a warning.
func (r *Repository) unneededUnindexed(ctx context.Context, unreferenced []ID, used IDSet, available func(ID) bool, warn func(string, ...any)) ([]ID, error) {
	var out []ID
	for _, id := range unreferenced {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		blobs, _, err := ReadPackHeader(ctx, r.be, r.key, id)
		switch {
		case errors.Is(err, backend.ErrNotExist):
			continue // gone already
		case err != nil:
			warn("pack %s is not in the index and its header cannot be read (%v); kept", id.Str(), err)
			continue
		case slices.ContainsFunc(blobs, func(b Blob) bool { return used.Has(b.ID) && !available(b.ID) }):
			warn("pack %s is not in the index but holds data snapshots need; run 'sqlvault repair index' first", id.Str())
			continue
		}
		out = append(out, id)
	}
	return out, nil
}
