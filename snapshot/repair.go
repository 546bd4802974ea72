package snapshot

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/repo"
)

// RepairedTag is added to the tags of a snapshot rewritten by Repair.
const RepairedTag = "repaired"

// ErrIndexIncomplete is returned by Repair when packs exist that no index
// file names: data that looks lost may be in them.
var ErrIndexIncomplete = errors.New("the index is incomplete")

// RepairOptions control Repair.
type RepairOptions struct {
	// ReadData reads every data blob the snapshots use, so that a blob
	// that does not decrypt or verify counts as lost too. Without it a
	// blob is lost when it is not in the index, its pack is missing, or
	// (a delta) its base is lost; tree blobs are always read.
	ReadData bool
	// DryRun reports what would change and writes nothing.
	DryRun bool
	// Forget removes each original snapshot once its repaired version is
	// written.
	Forget bool
	// Removed is called for every path dropped from a snapshot, with why.
	Removed func(sn *Snapshot, p string, why error)
}

// RepairResult is what Repair did with one snapshot that needed it.
type RepairResult struct {
	Original *Snapshot
	New      *Snapshot // nil on a dry run
	Removed  int       // paths dropped
	Forgot   bool      // the original snapshot file was removed
}

// removal is one path dropped from a tree, relative to the tree.
type removal struct {
	rel string
	why error
}

// rewritten is what became of one tree.
type rewritten struct {
	id      repo.ID
	removed []removal
}

// repairer rewrites trees without what is lost, remembering each tree's
// outcome, so trees shared by several snapshots are read and written once.
type repairer struct {
	r     *repo.Repository
	opts  RepairOptions
	packs map[repo.ID]bool
	lost  map[repo.ID]error // blob -> why it is lost (nil: readable)
	trees map[repo.ID]rewritten
	empty *repo.ID
}

// Repair rewrites each snapshot in sns whose trees refer to lost data:
// files whose content is lost are dropped (not truncated: a partial SQL
// script or database file that looks whole is worse than a missing one),
// directories whose tree is lost become empty directories, and everything
// else is kept. The new snapshot keeps the original's time, host, paths
// and tags, adds the tag "repaired" and names the original in Original.
// Snapshots with nothing lost are left alone. The index must be loaded;
// the caller holds the exclusive lock (unless DryRun).
func Repair(ctx context.Context, r *repo.Repository, sns []*Snapshot, opts RepairOptions) ([]RepairResult, error) {
	// What looks lost may only be missing from the index: rebuild it first.
	if d := r.Index().Damaged(); len(d) > 0 {
		return nil, fmt.Errorf("repair: %w: run 'sqlvault repair index' first; nothing was changed", d[0])
	}
	rp := &repairer{r: r, opts: opts, packs: map[repo.ID]bool{}, lost: map[repo.ID]error{}, trees: map[repo.ID]rewritten{}}
	if err := r.List(ctx, backend.Pack, func(id repo.ID, _ int64) error { rp.packs[id] = true; return nil }); err != nil {
		return nil, fmt.Errorf("repair: list packs: %w", err)
	}
	unindexed := len(rp.packs)
	for _, id := range r.Index().Packs() {
		if rp.packs[id] {
			unindexed--
		}
	}
	if unindexed > 0 {
		return nil, fmt.Errorf("repair: %w: %d packs are named by no index file and may hold data that looks lost; run 'sqlvault repair index' first; nothing was changed", ErrIndexIncomplete, unindexed)
	}
	var results []RepairResult
	for _, sn := range sns {
		rw, err := rp.tree(ctx, sn.Tree)
		if err != nil {
			return results, fmt.Errorf("repair: snapshot %s: %w", sn.ID().Str(), err)
		}
		if len(rw.removed) == 0 {
			continue
		}
		for _, rm := range rw.removed {
			if opts.Removed != nil {
				opts.Removed(sn, path.Clean("/"+rm.rel), rm.why)
			}
		}
		res := RepairResult{Original: sn, Removed: len(rw.removed)}
		if !opts.DryRun {
			n := *sn
			n.id = repo.ID{}
			n.Tree = rw.id
			n.Tags = slices.Clone(sn.Tags)
			if !slices.Contains(n.Tags, RepairedTag) {
				n.Tags = append(n.Tags, RepairedTag)
			}
			if n.Original == nil {
				orig := sn.ID()
				n.Original = &orig
			}
			res.New = &n
		}
		results = append(results, res)
	}
	if opts.DryRun || len(results) == 0 {
		return results, nil
	}
	// The new trees must be durable before a snapshot refers to them.
	if err := r.Flush(ctx); err != nil {
		return nil, fmt.Errorf("repair: %w", err)
	}
	for i := range results {
		if _, err := Save(ctx, r, results[i].New); err != nil {
			return results[:i], fmt.Errorf("repair: save snapshot: %w", err)
		}
		if opts.Forget {
			h := backend.Handle{Type: backend.Snapshot, Name: results[i].Original.ID().String()}
			if err := r.Backend().Remove(ctx, h); err != nil {
				return results[:i+1], fmt.Errorf("repair: remove snapshot %s: %w", results[i].Original.ID().Str(), err)
			}
			results[i].Forgot = true
		}
	}
	return results, nil
}

// tree returns the rewritten version of tree id and what was dropped. A
// tree that cannot be read is reported as one removal ("" path) by the
// caller, which replaces it with an empty tree.
func (rp *repairer) tree(ctx context.Context, id repo.ID) (rewritten, error) {
	if rw, ok := rp.trees[id]; ok {
		return rw, nil
	}
	if err := ctx.Err(); err != nil {
		return rewritten{}, err
	}
	t, err := rp.loadTree(ctx, id)
	if err != nil {
		if !lostErr(err) {
			return rewritten{}, err
		}
		e, serr := rp.emptyTree(ctx)
		if serr != nil {
			return rewritten{}, serr
		}
		rw := rewritten{id: e, removed: []removal{{rel: "", why: fmt.Errorf("directory contents lost: tree %s: %w", id.Str(), err)}}}
		rp.trees[id] = rw
		return rw, nil
	}
	var removed []removal
	changed := false
	nodes := t.Nodes[:0]
	for _, n := range t.Nodes {
		switch {
		case n.Type == TypeFile:
			why, err := rp.content(ctx, n.Content)
			if err != nil {
				return rewritten{}, err
			}
			if why != nil {
				removed = append(removed, removal{rel: n.Name, why: why})
				changed = true
				continue
			}
		case n.Type == TypeDir && n.Subtree != nil:
			sub, err := rp.tree(ctx, *n.Subtree)
			if err != nil {
				return rewritten{}, err
			}
			for _, rm := range sub.removed {
				removed = append(removed, removal{rel: path.Join(n.Name, rm.rel), why: rm.why})
			}
			if sub.id != *n.Subtree {
				c := *n
				c.Subtree = &sub.id
				n = &c
				changed = true
			}
		}
		nodes = append(nodes, n)
	}
	rw := rewritten{id: id, removed: removed}
	if changed && !rp.opts.DryRun {
		t.Nodes = nodes
		nid, _, err := SaveTree(ctx, rp.r, t)
		if err != nil {
			return rewritten{}, err
		}
		rw.id = nid
	} else if changed {
		rw.id = repo.ID{1} // any other ID: the dry run only needs "changed"
	}
	rp.trees[id] = rw
	return rw, nil
}

// loadTree reads a tree blob; a blob that is readable but does not decode
// as a tree is lost as well.
func (rp *repairer) loadTree(ctx context.Context, id repo.ID) (*Tree, error) {
	if why := rp.located(id); why != nil {
		return nil, why
	}
	return LoadTree(ctx, rp.r, id)
}

// emptyTree stores (once) and returns the ID of an empty tree.
func (rp *repairer) emptyTree(ctx context.Context) (repo.ID, error) {
	if rp.empty != nil {
		return *rp.empty, nil
	}
	if rp.opts.DryRun {
		return repo.ID{2}, nil
	}
	id, _, err := SaveTree(ctx, rp.r, &Tree{})
	if err != nil {
		return repo.ID{}, err
	}
	rp.empty = &id
	return id, nil
}

// content returns why a file's content is lost (the first lost blob), or
// nil.
func (rp *repairer) content(ctx context.Context, ids []repo.ID) (error, error) {
	for _, id := range ids {
		why, err := rp.blob(ctx, id)
		if err != nil {
			return nil, err
		}
		if why != nil {
			return fmt.Errorf("blob %s: %w", id.Str(), why), nil
		}
	}
	return nil, nil
}

// blob returns why a data blob is lost, or nil; the error is for failures
// that are not about the blob (the context ended, the backend failed).
func (rp *repairer) blob(ctx context.Context, id repo.ID) (error, error) {
	if why, ok := rp.lost[id]; ok {
		return why, nil
	}
	why := rp.located(id)
	if why == nil && rp.opts.ReadData {
		plain, err := rp.r.LoadBlob(ctx, repo.DataBlob, id, nil)
		switch {
		case err != nil && !lostErr(err):
			return nil, err
		case err != nil:
			why = err
		case rp.r.Key().BlobID(plain) != id:
			why = fmt.Errorf("%w: content does not match the blob ID", ErrDamaged)
		}
	}
	rp.lost[id] = why
	return why, nil
}

// located returns why a blob cannot be found: not in the index, its pack
// missing, or (a delta) its base not found.
func (rp *repairer) located(id repo.ID) error {
	pb, ok := rp.r.Index().Lookup(id)
	if !ok {
		return fmt.Errorf("%w: not in the index", repo.ErrBlobMissing)
	}
	if !rp.packs[pb.Pack] {
		return fmt.Errorf("%w: its pack %s is missing", repo.ErrBlobMissing, pb.Pack.Str())
	}
	if pb.Enc == repo.EncDelta {
		if why := rp.located(pb.Base); why != nil {
			return fmt.Errorf("%w: its base %s: %w", repo.ErrMissingBase, pb.Base.Str(), why)
		}
		if rp.opts.ReadData {
			if why, ok := rp.lost[pb.Base]; ok && why != nil {
				return fmt.Errorf("%w: its base %s: %w", repo.ErrMissingBase, pb.Base.Str(), why)
			}
		}
	}
	return nil
}

// lostErr reports whether err means data is lost or damaged rather than a
// failure to reach it.
func lostErr(err error) bool {
	return damaged(err) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}
