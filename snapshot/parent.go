package snapshot

import (
	"context"
	"slices"

	"github.com/sqlvault/sqlvault/repo"
)

// ParentCandidates returns the snapshots that a new backup of paths from
// source on host may take as its parent (unchanged files are taken from
// it, changed chunks delta-encoded against it): those of the same host,
// source and paths, newest first. sns is sorted oldest first, as List
// returns it.
func ParentCandidates(sns []*Snapshot, host, source string, paths []string) []*Snapshot {
	var out []*Snapshot
	for i := len(sns) - 1; i >= 0; i-- {
		if sns[i].Hostname == host && sns[i].Source == source && slices.Equal(sns[i].Paths, paths) {
			out = append(out, sns[i])
		}
	}
	return out
}

// ReadableParent returns the first of cands whose root tree can be read,
// or nil when none can. Each candidate passed over is reported to skip:
// a parent whose trees were damaged must not stop every later backup of
// its source, which then falls back to an older parent, or to none (every
// file is read, and nothing is delta-encoded).
func ReadableParent(ctx context.Context, r *repo.Repository, cands []*Snapshot, skip func(*Snapshot, error)) *Snapshot {
	for _, sn := range cands {
		if ctx.Err() != nil {
			return nil
		}
		if _, err := LoadTree(ctx, r, sn.Tree); err != nil {
			if skip != nil {
				skip(sn, err)
			}
			continue
		}
		return sn
	}
	return nil
}
