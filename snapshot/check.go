package snapshot

import (
	"context"
	"fmt"
	"path"

	"github.com/sqlvault/sqlvault/repo"
)

// CheckTrees walks every snapshot's trees once each and reports damaged
// snapshot files, trees that cannot be loaded and data blobs missing from
// the index. The repository's index must be loaded. It returns the number
// of problems.
func CheckTrees(ctx context.Context, r *repo.Repository, report func(error)) (int, error) {
	return CheckSnapshots(ctx, r, nil, report, nil)
}

// DamagedUse is a file of a snapshot that uses a damaged blob.
type DamagedUse struct {
	Snapshot repo.ID
	Path     string // absolute path in the snapshot
	Blob     repo.ID
}

func (u DamagedUse) String() string {
	return fmt.Sprintf("snapshot %s: %s uses damaged blob %s", u.Snapshot.Str(), u.Path, u.Blob)
}

// CheckSnapshots is CheckTrees that also names, through uses, every file of
// every snapshot that uses one of the damaged blobs (as found by
// repo.Repository.Check), or whose tree cannot be read. Problems are
// reported and counted once; uses are not counted (they follow from
// problems already reported), but named for each snapshot. Each tree is
// read once: what it holds of damaged blobs is kept for snapshots that
// share it. A damaged snapshot file is reported as a problem.
func CheckSnapshots(ctx context.Context, r *repo.Repository, damaged repo.IDSet, report func(error), uses func(DamagedUse)) (int, error) {
	problems := 0
	sns, err := List(ctx, r, func(d *DamagedError) {
		problems++
		report(d)
	})
	if err != nil {
		return problems, err
	}
	type hit struct {
		rel  string // path below the tree
		blob repo.ID
	}
	memo := map[repo.ID][]hit{}
	idx := r.Index()
	var walk func(id repo.ID, where string) ([]hit, error)
	walk = func(id repo.ID, where string) ([]hit, error) {
		if h, ok := memo[id]; ok {
			return h, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var hits []hit
		t, err := LoadTree(ctx, r, id)
		if err != nil {
			problems++
			report(fmt.Errorf("%s: tree %s: %w", where, id, err))
			hits = []hit{{rel: "", blob: id}}
			memo[id] = hits
			return hits, nil
		}
		for _, n := range t.Nodes {
			p := where + "/" + n.Name
			named := false // one line per file, naming its first damaged blob
			for _, b := range n.Content {
				bad := damaged.Has(b)
				if !idx.Has(b) {
					problems++
					report(fmt.Errorf("%s: data blob %s is missing", p, b))
					bad = true
				}
				if bad && !named {
					hits = append(hits, hit{rel: "/" + n.Name, blob: b})
					named = true
				}
			}
			if n.Type == TypeDir && n.Subtree != nil {
				sub, err := walk(*n.Subtree, p)
				if err != nil {
					return nil, err
				}
				for _, h := range sub {
					hits = append(hits, hit{rel: "/" + n.Name + h.rel, blob: h.blob})
				}
			}
		}
		memo[id] = hits
		return hits, nil
	}
	for _, sn := range sns {
		hits, err := walk(sn.Tree, "snapshot "+sn.ID().Str())
		if err != nil {
			return problems, err
		}
		if uses == nil {
			continue
		}
		for _, h := range hits {
			uses(DamagedUse{Snapshot: sn.ID(), Path: path.Clean("/" + h.rel), Blob: h.blob})
		}
	}
	return problems, nil
}
