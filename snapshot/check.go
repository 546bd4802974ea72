package snapshot

import (
	"context"
	"fmt"

	"github.com/sqlvault/sqlvault/repo"
)

// CheckTrees walks every snapshot's trees once each and reports damaged
// snapshot files, trees that cannot be loaded and data blobs missing from
// the index. The repository's index must be loaded. It returns the number
// of problems.
func CheckTrees(ctx context.Context, r *repo.Repository, report func(error)) (int, error) {
	problems := 0
	sns, err := List(ctx, r, func(d *DamagedError) {
		problems++
		report(d)
	})
	if err != nil {
		return problems, err
	}
	seen := map[repo.ID]bool{}
	idx := r.Index()
	var walk func(id repo.ID, where string) error
	walk = func(id repo.ID, where string) error {
		if seen[id] {
			return nil
		}
		seen[id] = true
		if err := ctx.Err(); err != nil {
			return err
		}
		t, err := LoadTree(ctx, r, id)
		if err != nil {
			problems++
			report(fmt.Errorf("%s: tree %s: %w", where, id, err))
			return nil
		}
		for _, n := range t.Nodes {
			p := where + "/" + n.Name
			for _, b := range n.Content {
				if !idx.Has(b) {
					problems++
					report(fmt.Errorf("%s: data blob %s is missing", p, b))
				}
			}
			if n.Type == TypeDir && n.Subtree != nil {
				if err := walk(*n.Subtree, p); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, sn := range sns {
		if err := walk(sn.Tree, "snapshot "+sn.ID().Str()); err != nil {
			return problems, err
		}
	}
	return problems, nil
}
