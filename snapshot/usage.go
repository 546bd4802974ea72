package snapshot

import (
	"context"
	"fmt"

	"github.com/sqlvault/sqlvault/repo"
)

// UsedBlobs returns every tree and data blob that the snapshots refer to.
// Each tree is read once, however many snapshots share it. The bases of
// delta blobs are not included: repo.Prune and NeededBlobs add them.
func UsedBlobs(ctx context.Context, r *repo.Repository, sns []*Snapshot) (repo.IDSet, error) {
	used := repo.IDSet{}
	for _, sn := range sns {
		if err := markTree(ctx, r, sn.Tree, used); err != nil {
			return nil, fmt.Errorf("snapshot %s: %w", sn.ID().Str(), err)
		}
	}
	return used, nil
}

// markTree adds tree id and everything below it to used, skipping trees
// already in used (and so everything below them).
func markTree(ctx context.Context, r *repo.Repository, id repo.ID, used repo.IDSet) error {
	if used.Has(id) {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	t, err := LoadTree(ctx, r, id)
	if err != nil {
		return err
	}
	used.Add(id)
	for _, n := range t.Nodes {
		for _, b := range n.Content {
			used.Add(b)
		}
		if n.Type == TypeDir && n.Subtree != nil {
			if err := markTree(ctx, r, *n.Subtree, used); err != nil {
				return err
			}
		}
	}
	return nil
}

// NeededBlobs is UsedBlobs plus the base of every delta blob among them:
// all the blobs the snapshots cannot be restored without.
func NeededBlobs(ctx context.Context, r *repo.Repository, sns []*Snapshot) (repo.IDSet, error) {
	used, err := UsedBlobs(ctx, r, sns)
	if err != nil {
		return nil, err
	}
	addBases(r, used)
	return used, nil
}

// addBases adds the bases of the delta blobs in set.
func addBases(r *repo.Repository, set repo.IDSet) {
	var bases []repo.ID
	for id := range set {
		if pb, ok := r.Index().Lookup(id); ok && pb.Enc == repo.EncDelta {
			bases = append(bases, pb.Base)
		}
	}
	for _, b := range bases {
		set.Add(b)
	}
}

// Prune removes from the repository all data that no snapshot needs (see
// repo.Repository.Prune). The caller holds the exclusive lock. A snapshot
// whose trees cannot be read stops prune before anything is changed: what
// it refers to cannot be known.
func Prune(ctx context.Context, r *repo.Repository, opts repo.PruneOptions) (repo.PruneStats, error) {
	if opts.Progress != nil {
		opts.Progress("loading snapshots and marking the blobs they use")
	}
	sns, err := List(ctx, r, nil) // a damaged snapshot file stops prune: what it refers to is unknown
	if err != nil {
		return repo.PruneStats{}, fmt.Errorf("prune: %w", err)
	}
	return prune(ctx, r, sns, opts)
}

// EstimatePrune is a dry run of Prune as if only the snapshots in keep were
// in the repository: what forget --dry-run --prune reports.
func EstimatePrune(ctx context.Context, r *repo.Repository, keep []*Snapshot, opts repo.PruneOptions) (repo.PruneStats, error) {
	opts.DryRun = true
	return prune(ctx, r, keep, opts)
}

func prune(ctx context.Context, r *repo.Repository, sns []*Snapshot, opts repo.PruneOptions) (repo.PruneStats, error) {
	used, err := UsedBlobs(ctx, r, sns)
	if err != nil {
		return repo.PruneStats{}, fmt.Errorf("prune: %w (forget that snapshot, or repair the repository, before pruning; nothing was deleted)", err)
	}
	return r.Prune(ctx, used, opts)
}
