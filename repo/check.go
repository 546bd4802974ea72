package repo

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/sqlvault/sqlvault/backend"
)

// Problem is one finding of a check.
type Problem struct {
	Pack ID // zero when not about a pack
	Blob ID // zero when not about a blob
	Err  error
}

func (p Problem) Error() string {
	switch {
	case !p.Pack.IsNull() && !p.Blob.IsNull():
		return fmt.Sprintf("pack %s, blob %s: %v", p.Pack, p.Blob, p.Err)
	case !p.Pack.IsNull():
		return fmt.Sprintf("pack %s: %v", p.Pack, p.Err)
	case !p.Blob.IsNull():
		return fmt.Sprintf("blob %s: %v", p.Blob, p.Err)
	}
	return p.Err.Error()
}

// CheckOptions select how deep a check goes.
type CheckOptions struct {
	// ReadData reads every pack in full, verifies its hash, decrypts every
	// blob and verifies the blob's ID.
	ReadData bool
	// Packs, if set, limits ReadData to packs for which it returns true.
	Packs func(ID) bool
	// Fraction, if above 0, limits ReadData to this share of the indexed
	// packs (at least one), chosen at random.
	Fraction float64
	// Progress, if set, is called once the packs are known and after each
	// pack is checked, with the counts so far: for a progress display.
	Progress func(CheckProgress)
}

// CheckProgress is how far a check has come through the indexed packs.
type CheckProgress struct {
	Packs, PacksDone int // indexed packs, and those checked (header, and data if read)
	// ReadPacks and ReadBytes are the packs (and their size) that
	// ReadData reads in full; ReadPacksDone and ReadBytesDone those done
	// (read, or passed over because their header is damaged).
	ReadPacks, ReadPacksDone int
	ReadBytes, ReadBytesDone int64
	BlobsRead                int
}

// CheckStats counts what a check looked at.
type CheckStats struct {
	IndexFiles, Packs, Blobs, PacksRead, BlobsRead int
	// Unreferenced lists the packs no index names: left by an interrupted
	// backup, or named by an index file that is damaged or was removed.
	// RepairIndex adds back what they hold.
	Unreferenced []ID
	// DamagedIndex lists the index files that could not be read.
	DamagedIndex []ID
	// Damaged holds the blobs found unreadable: in a pack that is missing,
	// failing to decrypt or verify (ReadData), or a delta whose base is
	// missing or itself damaged.
	Damaged IDSet
}

// Check verifies the repository's structure: every index file decodes,
// every indexed pack exists and its header lists the same blobs as the
// index. With ReadData it also reads all data. It calls report for every
// problem and returns the number of problems; an error means the check
// itself could not go on. The index must not have been loaded yet.
func (r *Repository) Check(ctx context.Context, opts CheckOptions, report func(Problem)) (CheckStats, int, error) {
	st := CheckStats{Damaged: IDSet{}}
	problems := 0
	fail := func(p Problem) {
		problems++
		if !p.Blob.IsNull() {
			st.Damaged.Add(p.Blob)
		}
		report(p)
	}
	byPack := map[ID][]Blob{}
	var indexIDs []ID
	if err := r.List(ctx, backend.Index, func(id ID, _ int64) error { indexIDs = append(indexIDs, id); return nil }); err != nil {
		return st, problems, err
	}
	for _, id := range indexIDs {
		f, err := r.LoadIndexFile(ctx, id)
		var d DamagedIndex
		if errors.As(err, &d) {
			r.idx.addDamaged(id, d.Err)
			st.DamagedIndex = append(st.DamagedIndex, id)
			fail(Problem{Err: fmt.Errorf("%w; run 'sqlvault repair index'", d)})
			continue
		}
		if err != nil {
			fail(Problem{Err: err})
			continue
		}
		st.IndexFiles++
		r.idx.AddFile(id, f)
		for _, p := range f.Packs {
			if _, dup := byPack[p.ID]; !dup {
				byPack[p.ID] = p.Blobs
			}
		}
	}
	// Every delta must have its base, and the base must be a data keyframe.
	for _, id := range sortedPackIDs(byPack) {
		for _, b := range byPack[id] {
			if b.Enc != EncDelta {
				continue
			}
			base, ok := r.idx.Lookup(b.Base)
			switch {
			case !ok:
				fail(Problem{Pack: id, Blob: b.ID, Err: fmt.Errorf("%w: base blob %s is not in the repository", ErrMissingBase, b.Base)})
			case base.Enc == EncDelta || base.Type != DataBlob:
				fail(Problem{Pack: id, Blob: b.ID, Err: fmt.Errorf("base blob %s is not a data keyframe", b.Base)})
			}
		}
	}
	sizes := map[ID]int64{}
	if err := r.List(ctx, backend.Pack, func(id ID, size int64) error { sizes[id] = size; return nil }); err != nil {
		return st, problems, err
	}
	packIDs := sortedPackIDs(byPack)
	if opts.ReadData && opts.Fraction > 0 && opts.Fraction < 1 {
		opts.Packs = randomSubset(packIDs, opts.Fraction, opts.Packs)
	}
	for id := range sizes {
		if _, ok := byPack[id]; !ok {
			st.Unreferenced = append(st.Unreferenced, id)
		}
	}
	readPack := func(id ID) bool { return opts.ReadData && (opts.Packs == nil || opts.Packs(id)) }
	prog := CheckProgress{Packs: len(packIDs)}
	for _, id := range packIDs {
		if size, ok := sizes[id]; ok && readPack(id) {
			prog.ReadPacks++
			prog.ReadBytes += size
		}
	}
	progress := func() {
		if opts.Progress != nil {
			prog.PacksDone, prog.BlobsRead = st.Packs, st.BlobsRead
			opts.Progress(prog)
		}
	}
	progress()
	for _, id := range packIDs {
		if err := ctx.Err(); err != nil {
			return st, problems, err
		}
		st.Packs++
		// done reports this pack as done.
		done := progress
		if readPack(id) {
			size := sizes[id]
			done = func() { prog.ReadPacksDone++; prog.ReadBytesDone += size; progress() }
		}
		st.Blobs += len(byPack[id])
		if _, ok := sizes[id]; !ok {
			fail(Problem{Pack: id, Err: fmt.Errorf("pack is in the index but missing from the repository")})
			for _, b := range byPack[id] {
				st.Damaged.Add(b.ID)
			}
			done()
			continue
		}
		blobs, _, err := ReadPackHeader(ctx, r.be, r.key, id)
		if err != nil {
			fail(Problem{Pack: id, Err: fmt.Errorf("header: %w", err)})
			done()
			continue
		}
		if !sameBlobs(blobs, byPack[id]) {
			fail(Problem{Pack: id, Err: fmt.Errorf("pack header does not match the index")})
			done()
			continue
		}
		if readPack(id) {
			st.PacksRead++
			n, err := r.checkPackData(ctx, id, blobs, st.Damaged, fail)
			st.BlobsRead += n
			if err != nil {
				return st, problems, err
			}
		}
		done()
	}
	r.checkDependents(byPack, st.Damaged, fail)
	return st, problems, nil
}

// checkDependents reports every delta blob whose base is damaged and that
// was not reported yet, and adds it to damaged: a damaged keyframe costs
// every delta built on it.
func (r *Repository) checkDependents(byPack map[ID][]Blob, damaged IDSet, fail func(Problem)) {
	if len(damaged) == 0 {
		return
	}
	for _, id := range sortedPackIDs(byPack) {
		for _, b := range byPack[id] {
			if b.Enc == EncDelta && damaged.Has(b.Base) && !damaged.Has(b.ID) {
				fail(Problem{Pack: id, Blob: b.ID, Err: fmt.Errorf("its base blob %s is damaged", b.Base)})
			}
		}
	}
}

func sameBlobs(a, b []Blob) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkPackData reads one pack in full: its hash must equal its name, and
// every blob must decrypt, decode and hash to its ID. A delta whose
// keyframe is damaged is reported as such, and the keyframe added to
// damaged.
func (r *Repository) checkPackData(ctx context.Context, id ID, blobs []Blob, damaged IDSet, fail func(Problem)) (int, error) {
	rd, err := r.be.Load(ctx, backend.Handle{Type: backend.Pack, Name: id.String()}, 0, 0)
	if err != nil {
		fail(Problem{Pack: id, Err: err})
		return 0, nil
	}
	data, err := io.ReadAll(rd)
	rd.Close()
	if err != nil {
		fail(Problem{Pack: id, Err: fmt.Errorf("read: %w", err)})
		return 0, nil
	}
	if ID(sha256.Sum256(data)) != id {
		fail(Problem{Pack: id, Err: fmt.Errorf("content does not match its name (SHA-256 differs)")})
	}
	n := 0
	for _, b := range blobs {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		n++
		end := int64(b.Offset) + int64(b.Length)
		if end > int64(len(data)) {
			fail(Problem{Pack: id, Blob: b.ID, Err: fmt.Errorf("blob extends past the end of the pack")})
			continue
		}
		if b.Enc == EncDelta && damaged.Has(b.Base) {
			fail(Problem{Pack: id, Blob: b.ID, Err: fmt.Errorf("its base blob %s is damaged", b.Base)})
			continue
		}
		sealed := append([]byte(nil), data[b.Offset:end]...)
		plain, err := r.openBlob(ctx, PackedBlob{Blob: b, Pack: id}, sealed, nil)
		if err != nil {
			if b.Enc == EncDelta {
				// Blame the keyframe when it is what fails.
				if _, berr := r.LoadBlob(ctx, DataBlob, b.Base, nil); berr != nil && ctx.Err() == nil {
					damaged.Add(b.Base)
					fail(Problem{Pack: id, Blob: b.ID, Err: fmt.Errorf("its base blob %s is damaged (%w)", b.Base, unwrapBlobErr(berr))})
					continue
				}
			}
			fail(Problem{Pack: id, Blob: b.ID, Err: unwrapBlobErr(err)})
			continue
		}
		if r.key.BlobID(plain) != b.ID {
			fail(Problem{Pack: id, Blob: b.ID, Err: fmt.Errorf("content does not match the blob ID")})
		}
	}
	return n, nil
}

// unwrapBlobErr drops the "blob X in pack Y:" prefix that openBlob adds,
// since a Problem names both already.
func unwrapBlobErr(err error) error {
	if e, ok := err.(interface{ Unwrap() error }); ok && e.Unwrap() != nil {
		return e.Unwrap()
	}
	return err
}

func sortedPackIDs(m map[ID][]Blob) []ID {
	ids := make([]ID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i].String() < ids[j].String() })
	return ids
}

// randomSubset returns a filter that accepts a random share of ids (at
// least one) that also pass filter, if set.
func randomSubset(ids []ID, share float64, filter func(ID) bool) func(ID) bool {
	var cand []ID
	for _, id := range ids {
		if filter == nil || filter(id) {
			cand = append(cand, id)
		}
	}
	n := int(math.Ceil(share * float64(len(cand))))
	rand.Shuffle(len(cand), func(i, j int) { cand[i], cand[j] = cand[j], cand[i] })
	pick := make(map[ID]bool, n)
	for _, id := range cand[:min(n, len(cand))] {
		pick[id] = true
	}
	return func(id ID) bool { return pick[id] }
}
