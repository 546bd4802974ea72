package repo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/user"
	"sync"
	"syscall"
	"time"

	"github.com/sqlvault/sqlvault/backend"
)

// ErrLocked is returned when a conflicting lock is held.
var ErrLocked = errors.New("repository is locked")

// Lock timing: a held lock is refreshed every RefreshInterval, and a lock
// not refreshed for StaleTimeout is stale.
const (
	RefreshInterval = 5 * time.Minute
	StaleTimeout    = 30 * time.Minute
)

// refreshInterval is RefreshInterval; tests shorten it.
var refreshInterval = RefreshInterval

// LockInfo is the content of a lock file.
type LockInfo struct {
	Time      time.Time `json:"time"`
	Exclusive bool      `json:"exclusive"`
	Hostname  string    `json:"hostname"`
	Username  string    `json:"username,omitempty"`
	PID       int       `json:"pid"`
}

// Stale reports whether the lock can be ignored: not refreshed for
// StaleTimeout, or held by a process on this host that no longer runs.
func (li LockInfo) Stale(now time.Time) bool {
	if now.Sub(li.Time) > StaleTimeout {
		return true
	}
	if host, err := os.Hostname(); err == nil && host == li.Hostname && li.PID > 0 {
		if err := syscall.Kill(li.PID, 0); errors.Is(err, syscall.ESRCH) {
			return true
		}
	}
	return false
}

func (li LockInfo) String() string {
	kind := "shared"
	if li.Exclusive {
		kind = "exclusive"
	}
	return fmt.Sprintf("%s lock by PID %d on %s (user %s) since %s", kind, li.PID, li.Hostname, li.Username, li.Time.Local().Format(time.DateTime))
}

// Lock is a lock held on the repository. It is refreshed in the background
// until Unlock.
type Lock struct {
	r    *Repository
	info LockInfo

	mu     sync.Mutex
	id     ID
	cancel context.CancelFunc
	done   chan struct{}
}

// Lock takes a shared or exclusive lock. When a conflicting lock is held it
// retries until retry has passed, then fails with ErrLocked. Stale locks are
// ignored and reported through warn.
func (r *Repository) Lock(ctx context.Context, exclusive bool, retry time.Duration, warn func(string)) (*Lock, error) {
	info := LockInfo{Time: time.Now().UTC(), Exclusive: exclusive, PID: os.Getpid()}
	info.Hostname, _ = os.Hostname()
	if u, err := user.Current(); err == nil {
		info.Username = u.Username
	}
	deadline := time.Now().Add(retry)
	delay := 200 * time.Millisecond
	warned := map[ID]bool{}
	for {
		conflict, err := r.conflictingLock(ctx, exclusive, ID{}, warn, warned)
		if err == nil && conflict == nil {
			id, err := r.saveLock(ctx, info)
			if err != nil {
				return nil, err
			}
			// Re-check: another process may have locked at the same time.
			conflict, err = r.conflictingLock(ctx, exclusive, id, warn, warned)
			if err == nil && conflict == nil {
				l := &Lock{r: r, info: info, id: id, done: make(chan struct{})}
				var lctx context.Context
				lctx, l.cancel = context.WithCancel(context.Background())
				go l.refresh(lctx)
				return l, nil
			}
			_ = r.be.Remove(ctx, backend.Handle{Type: backend.Lock, Name: id.String()})
		}
		if err != nil {
			return nil, err
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w: %v; wait for it to end, use --retry-lock, or run 'sqlvault unlock' if it is stale", ErrLocked, conflict)
		}
		// Random jitter: two processes that locked at the same moment and
		// both backed off must not collide again and again.
		wait := delay/2 + rand.N(delay)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(min(wait, time.Until(deadline)+10*time.Millisecond)):
		}
		delay = min(delay*2, 5*time.Second)
	}
}

// conflictingLock returns a live lock other than own that conflicts with
// the requested kind, or nil.
func (r *Repository) conflictingLock(ctx context.Context, exclusive bool, own ID, warn func(string), warned map[ID]bool) (*LockInfo, error) {
	var conflict *LockInfo
	now := time.Now()
	err := r.EachLock(ctx, func(id ID, li *LockInfo, err error) error {
		if id == own {
			return nil
		}
		if err != nil {
			if errors.Is(err, backend.ErrNotExist) {
				return nil // removed while listing
			}
			if errors.Is(err, ErrDamagedFile) {
				// Whoever wrote it cannot be known; blocking every
				// command on it would lock the user out for good.
				if warn != nil && !warned[id] {
					warn(fmt.Sprintf("ignoring damaged lock file %s (%v)", id.Str(), err))
					warned[id] = true
				}
				return nil
			}
			return err
		}
		if !exclusive && !li.Exclusive {
			return nil
		}
		if li.Stale(now) {
			if warn != nil && !warned[id] {
				warn(fmt.Sprintf("ignoring stale %v", li))
				warned[id] = true
			}
			return nil
		}
		conflict = li
		return nil
	})
	return conflict, err
}

// EachLock calls fn for every lock file with its decoded content, or the
// error that reading it gave.
func (r *Repository) EachLock(ctx context.Context, fn func(ID, *LockInfo, error) error) error {
	var ids []ID
	if err := r.List(ctx, backend.Lock, func(id ID, _ int64) error { ids = append(ids, id); return nil }); err != nil {
		return fmt.Errorf("list locks: %w", err)
	}
	for _, id := range ids {
		body, err := r.LoadFile(ctx, backend.Lock, id)
		var li LockInfo
		if err == nil {
			if jerr := json.Unmarshal(body, &li); jerr != nil {
				err = fmt.Errorf("lock %s: %w: %w", id.Str(), ErrDamagedFile, jerr)
			}
		}
		if err != nil {
			if ferr := fn(id, nil, err); ferr != nil {
				return ferr
			}
			continue
		}
		if err := fn(id, &li, nil); err != nil {
			return err
		}
	}
	return nil
}

func (r *Repository) saveLock(ctx context.Context, info LockInfo) (ID, error) {
	body, err := json.Marshal(info)
	if err != nil {
		return ID{}, fmt.Errorf("encode lock: %w", err)
	}
	return r.SaveFile(ctx, backend.Lock, body)
}

func (l *Lock) refresh(ctx context.Context) {
	defer close(l.done)
	t := time.NewTicker(refreshInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			l.mu.Lock()
			info := l.info
			info.Time = time.Now().UTC()
			id, err := l.r.saveLock(ctx, info)
			if err == nil {
				_ = l.r.be.Remove(ctx, backend.Handle{Type: backend.Lock, Name: l.id.String()})
				l.id = id
			}
			l.mu.Unlock()
		}
	}
}

// Unlock stops refreshing and removes the lock file.
func (l *Lock) Unlock(ctx context.Context) error {
	l.cancel()
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.be.Remove(ctx, backend.Handle{Type: backend.Lock, Name: l.id.String()})
}

// RemoveStaleLocks deletes stale and damaged lock files (or all locks
// when all is set) and returns how many were removed.
func (r *Repository) RemoveStaleLocks(ctx context.Context, all bool) (int, error) {
	n := 0
	now := time.Now()
	err := r.EachLock(ctx, func(id ID, li *LockInfo, err error) error {
		if err != nil && !all && !errors.Is(err, ErrDamagedFile) {
			return nil
		}
		if all || err != nil || li.Stale(now) {
			if err := r.be.Remove(ctx, backend.Handle{Type: backend.Lock, Name: id.String()}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
