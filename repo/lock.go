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

// ErrLockLost is returned when the lock a command holds was lost: it could
// not be refreshed within the stale time (the process was stopped, the
// machine suspended, the storage unreachable), or another process removed
// it. Another process may since have treated the lock as stale, so the
// command must not write an index or a snapshot: what it would refer to
// may be gone.
var ErrLockLost = errors.New("the repository lock was lost")

// Lock timing: a held lock is refreshed every RefreshInterval, and a lock
// not refreshed for StaleTimeout is stale.
const (
	RefreshInterval = 5 * time.Minute
	StaleTimeout    = 30 * time.Minute
)

// LockTiming sets how often a held lock is refreshed and when a lock not
// refreshed counts as stale. Every process that shares a repository must
// use the same stale time; tests shorten both.
type LockTiming struct {
	Refresh, Stale time.Duration
}

// DefaultLockTiming is RefreshInterval and StaleTimeout.
var DefaultLockTiming = LockTiming{Refresh: RefreshInterval, Stale: StaleTimeout}

// SetLockTiming replaces the lock timing (DefaultLockTiming) of locks taken
// and judged from now on.
func (r *Repository) SetLockTiming(t LockTiming) { r.lockTiming = t }

func (r *Repository) timing() LockTiming {
	if r.lockTiming == (LockTiming{}) {
		return DefaultLockTiming
	}
	return r.lockTiming
}

// LockInfo is the content of a lock file.
type LockInfo struct {
	Time      time.Time `json:"time"`
	Exclusive bool      `json:"exclusive"`
	Hostname  string    `json:"hostname"`
	Username  string    `json:"username,omitempty"`
	PID       int       `json:"pid"`
}

// Stale reports whether the lock can be ignored: not refreshed for the
// stale time, or held by a process on this host that no longer runs.
func (li LockInfo) Stale(now time.Time, stale time.Duration) bool {
	if now.Sub(li.Time) > stale {
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
	r      *Repository
	info   LockInfo
	timing LockTiming
	onLost func(error)

	mu        sync.Mutex
	id        ID
	refreshed time.Time // wall clock of the last successful write of the lock file
	lost      error     // set once the lock is lost
	cancel    context.CancelFunc
	done      chan struct{}
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
				l := &Lock{r: r, info: info, id: id, timing: r.timing(), refreshed: wallNow(info.Time), done: make(chan struct{})}
				var lctx context.Context
				lctx, l.cancel = context.WithCancel(context.Background())
				go l.refresh(lctx)
				r.mu.Lock()
				r.held = l
				r.mu.Unlock()
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
		if li.Stale(now, r.timing().Stale) {
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

// wallNow strips the monotonic reading from t: the monotonic clock stops
// while a machine is suspended, and the stale time is about wall time.
func wallNow(t time.Time) time.Time { return t.Round(0) }

// OnLost registers fn to be called, once, when the lock is lost (see
// ErrLockLost); a command cancels its work with it.
func (l *Lock) OnLost(fn func(error)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.onLost = fn
}

func (l *Lock) refresh(ctx context.Context) {
	defer close(l.done)
	t := time.NewTicker(l.timing.Refresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := l.Refresh(ctx); err != nil && ctx.Err() == nil && errors.Is(err, ErrLockLost) {
				return
			}
		}
	}
}

// Refresh rewrites the lock file with the current time, unless the lock
// is already lost: not refreshed within the stale time, or its file removed
// by another process. A failed write is retried at the next refresh until
// the stale time has passed. It returns an error wrapping ErrLockLost once
// the lock is lost.
func (l *Lock) Refresh(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost != nil {
		return l.lost
	}
	now := wallNow(time.Now())
	if err := l.expired(now); err != nil {
		return l.lose(err)
	}
	if _, err := l.r.be.Stat(ctx, backend.Handle{Type: backend.Lock, Name: l.id.String()}); errors.Is(err, backend.ErrNotExist) {
		return l.lose(fmt.Errorf("%w: another process removed its lock file %s", ErrLockLost, l.id.Str()))
	}
	info := l.info
	info.Time = now.UTC()
	id, err := l.r.saveLock(ctx, info)
	if err != nil {
		// Retried at the next tick; the lock is lost only when the
		// stale time passes without a successful write.
		return fmt.Errorf("refresh lock: %w", err)
	}
	_ = l.r.be.Remove(ctx, backend.Handle{Type: backend.Lock, Name: l.id.String()})
	l.id, l.refreshed = id, now
	return nil
}

// expired returns the ErrLockLost error when the last refresh is older
// than the stale time at now, else nil. l.mu must be held.
func (l *Lock) expired(now time.Time) error {
	age := now.Sub(l.refreshed)
	if age <= l.timing.Stale {
		return nil
	}
	return fmt.Errorf("%w: it was not refreshed for %s, longer than the %s after which other processes treat it as stale (was the process stopped or the machine suspended?)", ErrLockLost, age.Round(time.Second), l.timing.Stale)
}

// lose records that the lock is lost and tells the OnLost callback. l.mu
// must be held.
func (l *Lock) lose(err error) error {
	l.lost = err
	if l.onLost != nil {
		go l.onLost(err) // it may cancel work that waits for l.mu
	}
	return err
}

// Err returns the error wrapping ErrLockLost once the lock is lost, or
// nil.
func (l *Lock) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lost
}

// Unlock stops refreshing and removes the lock file. A lock found past its
// stale time now is recorded as lost (see Err): a command that failed
// after a long stop learns why.
func (l *Lock) Unlock(ctx context.Context) error {
	l.cancel()
	<-l.done
	l.r.mu.Lock()
	if l.r.held == l {
		l.r.held = nil
	}
	l.r.mu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost == nil {
		l.lost = l.expired(wallNow(time.Now()))
	}
	return l.r.be.Remove(ctx, backend.Handle{Type: backend.Lock, Name: l.id.String()})
}

// checkLock makes sure, right before an index or snapshot file is
// written, that the lock the repository holds (if any) is still valid: it
// refreshes it, which fails with ErrLockLost when the stale time has
// passed since the last refresh or the lock file was removed. A process
// that was stopped and resumed cannot write before its refresher noticed.
func (r *Repository) checkLock(ctx context.Context) error {
	r.mu.Lock()
	l := r.held
	r.mu.Unlock()
	if l == nil {
		return nil
	}
	err := l.Refresh(ctx)
	if err != nil && !errors.Is(err, ErrLockLost) {
		// The storage did not take the refresh; the lock is still
		// valid while the stale time has not passed.
		l.mu.Lock()
		age := wallNow(time.Now()).Sub(l.refreshed)
		l.mu.Unlock()
		if age < l.timing.Stale-l.timing.Refresh {
			return nil
		}
	}
	return err
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
		if all || err != nil || li.Stale(now, r.timing().Stale) {
			if err := r.be.Remove(ctx, backend.Handle{Type: backend.Lock, Name: id.String()}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
