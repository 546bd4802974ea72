package repo

import (
	"context"
	"time"

	"github.com/sqlvault/sqlvault/backend"
)

// RemoveTemp deletes what interrupted writes left in the backend
// (temporary files, unfinished uploads) and is older than the lock stale time (LockTiming), or
// with dryRun only counts it. The caller holds the exclusive lock, so no
// live backup is writing; one that stopped for longer than that has
// lost its lock (a newer temporary object may belong to a process that
// still has one somewhere, and is kept). Backends without temporary
// objects report nothing.
func (r *Repository) RemoveTemp(ctx context.Context, dryRun bool) (backend.TempStats, error) {
	tr, ok := r.be.(backend.TempRemover)
	if !ok {
		return backend.TempStats{}, nil
	}
	return tr.RemoveTemp(ctx, time.Now().Add(-r.timing().Stale), dryRun)
}
