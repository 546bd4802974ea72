package repo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/backend/local"
)

// putLock stores a lock file with the given content, as another process
// would.
func putLock(t *testing.T, r *Repository, li LockInfo) ID {
	t.Helper()
	body, err := json.Marshal(li)
	if err != nil {
		t.Fatal(err)
	}
	id, err := r.SaveFile(context.Background(), backend.Lock, body)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func lockCount(t *testing.T, r *Repository) int {
	t.Helper()
	return len(listNames(t, r.Backend(), backend.Lock))
}

func hostname(t *testing.T) string {
	t.Helper()
	h, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// deadPID returns the PID of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skipf("cannot run true: %v", err)
	}
	return cmd.Process.Pid
}

func TestLockSharedShared(t *testing.T) {
	ctx := context.Background()
	r, _ := newTestRepo(t, smallConfig())
	a, err := r.Lock(ctx, false, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Lock(ctx, false, 0, nil)
	if err != nil {
		t.Fatalf("second shared lock: %v", err)
	}
	if n := lockCount(t, r); n != 2 {
		t.Fatalf("%d lock files, want 2", n)
	}
	var infos []LockInfo
	if err := r.EachLock(ctx, func(_ ID, li *LockInfo, err error) error {
		if err != nil {
			return err
		}
		infos = append(infos, *li)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, li := range infos {
		if li.Exclusive || li.PID != os.Getpid() || li.Hostname != hostname(t) || time.Since(li.Time) > time.Minute {
			t.Errorf("lock info %+v", li)
		}
	}
	if err := a.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if n := lockCount(t, r); n != 0 {
		t.Fatalf("%d lock files after Unlock", n)
	}
}

func TestLockConflicts(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name            string
		held, requested bool // exclusive?
		heldKind        string
	}{
		{"exclusive after shared", false, true, "shared"},
		{"shared after exclusive", true, false, "exclusive"},
		{"exclusive after exclusive", true, true, "exclusive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, dir := newTestRepo(t, smallConfig())
			held, err := r.Lock(ctx, tc.held, 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			// Another process opening the same repository.
			other := reopen(t, dir)
			start := time.Now()
			_, err = other.Lock(ctx, tc.requested, 0, nil)
			if !errors.Is(err, ErrLocked) {
				t.Fatalf("err = %v, want ErrLocked", err)
			}
			want := fmt.Sprintf("%s lock by PID %d on %s", tc.heldKind, os.Getpid(), hostname(t))
			if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "sqlvault unlock") {
				t.Fatalf("error %q does not describe the holder (%q) and the way out", err, want)
			}
			if time.Since(start) > 5*time.Second {
				t.Fatal("a lock with no retry waited")
			}
			if n := lockCount(t, r); n != 1 {
				t.Fatalf("failed lock attempt left %d lock files, want 1", n)
			}
			if err := held.Unlock(ctx); err != nil {
				t.Fatal(err)
			}
			l, err := other.Lock(ctx, tc.requested, 0, nil)
			if err != nil {
				t.Fatalf("lock after Unlock: %v", err)
			}
			_ = l.Unlock(ctx)
		})
	}
}

func TestLockRetryWaitsForRelease(t *testing.T) {
	ctx := context.Background()
	r, _ := newTestRepo(t, smallConfig())
	held, err := r.Lock(ctx, true, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		_ = held.Unlock(ctx)
	}()
	start := time.Now()
	l, err := r.Lock(ctx, true, 10*time.Second, nil)
	if err != nil {
		t.Fatalf("Lock with retry: %v", err)
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Fatalf("got the lock after %v, before it was released", d)
	}
	_ = l.Unlock(ctx)
}

func TestLockCancelledWhileWaiting(t *testing.T) {
	r, _ := newTestRepo(t, smallConfig())
	held, err := r.Lock(context.Background(), true, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Unlock(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = r.Lock(ctx, false, time.Minute, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's error", err)
	}
}

func TestLockIgnoresStaleLocks(t *testing.T) {
	ctx := context.Background()
	for name, li := range map[string]func(t *testing.T) LockInfo{
		"old": func(t *testing.T) LockInfo {
			return LockInfo{Time: time.Now().Add(-StaleTimeout - time.Minute), Exclusive: true, Hostname: "elsewhere", PID: 1}
		},
		"dead process on this host": func(t *testing.T) LockInfo {
			return LockInfo{Time: time.Now(), Exclusive: true, Hostname: hostname(t), PID: deadPID(t)}
		},
	} {
		t.Run(name, func(t *testing.T) {
			r, _ := newTestRepo(t, smallConfig())
			info := li(t)
			stale := putLock(t, r, info)
			var warnings []string
			l, err := r.Lock(ctx, true, 0, func(s string) { warnings = append(warnings, s) })
			if err != nil {
				t.Fatalf("Lock with a stale lock present: %v", err)
			}
			defer l.Unlock(ctx)
			if len(warnings) != 1 || !strings.HasPrefix(warnings[0], "ignoring stale exclusive lock by PID "+fmt.Sprint(info.PID)+" on "+info.Hostname) {
				t.Fatalf("warnings %q", warnings)
			}
			// Ignored, not removed.
			if _, err := r.Backend().Stat(ctx, backend.Handle{Type: backend.Lock, Name: stale.String()}); err != nil {
				t.Fatalf("stale lock removed by Lock: %v", err)
			}
		})
	}
}

func TestLockLiveLockOnOtherHostConflicts(t *testing.T) {
	r, _ := newTestRepo(t, smallConfig())
	// A recent lock from another host: its PID cannot be checked here.
	putLock(t, r, LockInfo{Time: time.Now().Add(-StaleTimeout + time.Minute), Exclusive: true, Hostname: "db-other-host", PID: 999999999})
	_, err := r.Lock(context.Background(), false, 0, nil)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "db-other-host") {
		t.Fatalf("err = %v, want ErrLocked naming the other host", err)
	}
}

func TestLockInfoStale(t *testing.T) {
	now := time.Now()
	host := hostname(t)
	for _, tc := range []struct {
		name string
		li   LockInfo
		want bool
	}{
		{"fresh, this process", LockInfo{Time: now, Hostname: host, PID: os.Getpid()}, false},
		{"old, this process", LockInfo{Time: now.Add(-StaleTimeout - time.Second), Hostname: host, PID: os.Getpid()}, true},
		{"just under the timeout", LockInfo{Time: now.Add(-StaleTimeout + time.Second), Hostname: "other", PID: 1}, false},
		{"fresh, dead process here", LockInfo{Time: now, Hostname: host, PID: deadPID(t)}, true},
		{"fresh, dead PID elsewhere", LockInfo{Time: now, Hostname: "other", PID: deadPID(t)}, false},
		{"fresh, PID 0", LockInfo{Time: now, Hostname: host, PID: 0}, false},
		{"fresh, PID 1 (init, alive)", LockInfo{Time: now, Hostname: host, PID: 1}, false},
	} {
		if got := tc.li.Stale(now, StaleTimeout); got != tc.want {
			t.Errorf("%s: Stale = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestLockInfoString(t *testing.T) {
	li := LockInfo{Time: time.Date(2024, 5, 6, 7, 8, 9, 0, time.Local), Exclusive: true, Hostname: "h", Username: "u", PID: 42}
	if got, want := li.String(), "exclusive lock by PID 42 on h (user u) since 2024-05-06 07:08:09"; got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
}

func TestRemoveStaleLocks(t *testing.T) {
	ctx := context.Background()
	r, dir := newTestRepo(t, smallConfig())
	putLock(t, r, LockInfo{Time: time.Now().Add(-time.Hour), Hostname: "elsewhere", PID: 5})
	putLock(t, r, LockInfo{Time: time.Now(), Exclusive: true, Hostname: hostname(t), PID: deadPID(t)})
	live, err := r.Lock(ctx, false, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Unlock(ctx)
	// A damaged lock file: whoever wrote it cannot be known, so it is
	// removed like a stale one.
	damaged := idOf("damaged lock")
	if err := os.WriteFile(filepath.Join(dir, "locks", damaged.String()), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	n, err := r.RemoveStaleLocks(ctx, false)
	if err != nil || n != 3 {
		t.Fatalf("RemoveStaleLocks(false) = %d, %v; want 3", n, err)
	}
	left := listNames(t, local.New(dir), backend.Lock)
	if len(left) != 1 || left[0] != live.id.String() {
		t.Fatalf("locks left %v, want the live one", left)
	}
	n, err = r.RemoveStaleLocks(ctx, false)
	if err != nil || n != 0 {
		t.Fatalf("second RemoveStaleLocks(false) = %d, %v", n, err)
	}
	n, err = r.RemoveStaleLocks(ctx, true)
	if err != nil || n != 1 {
		t.Fatalf("RemoveStaleLocks(true) = %d, %v; want 1", n, err)
	}
	if c := lockCount(t, r); c != 0 {
		t.Fatalf("%d locks after removing all", c)
	}
}

// A damaged lock file does not lock the user out (issue 10): it is
// ignored with a warning that names it, for shared and exclusive locks.
func TestLockIgnoresDamagedLockFile(t *testing.T) {
	ctx := context.Background()
	r, dir := newTestRepo(t, smallConfig())
	damaged := idOf("damaged lock")
	if err := os.WriteFile(filepath.Join(dir, "locks", damaged.String()), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, exclusive := range []bool{false, true} {
		var warned []string
		l, err := r.Lock(ctx, exclusive, 0, func(s string) { warned = append(warned, s) })
		if err != nil {
			t.Fatalf("Lock(exclusive %v): %v", exclusive, err)
		}
		if len(warned) != 1 || !strings.HasPrefix(warned[0], "ignoring damaged lock file "+damaged.Str()) {
			t.Fatalf("warnings %q", warned)
		}
		if err := l.Unlock(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// A live lock still conflicts.
	putLock(t, r, LockInfo{Time: time.Now(), Exclusive: true, Hostname: "elsewhere", PID: 5})
	if _, err := r.Lock(ctx, false, 0, nil); !errors.Is(err, ErrLocked) {
		t.Fatalf("Lock beside a live exclusive lock: %v", err)
	}
}

// A lock not refreshed within the stale time (the process was stopped, the
// machine suspended) is lost: no index or snapshot file may be written
// with it, and the command is told (issue 10).
func TestLockLostWhenNotRefreshedInTime(t *testing.T) {
	ctx := context.Background()
	r, _ := newTestRepo(t, smallConfig())
	_, lost := lockWithTiming(t, r, false, LockTiming{Refresh: time.Hour, Stale: time.Second})
	if _, err := r.SaveFile(ctx, backend.Index, EncodeIndex(&IndexFile{})); err != nil {
		t.Fatalf("SaveFile while the lock is fresh: %v", err)
	}
	time.Sleep(1200 * time.Millisecond)
	_, err := r.SaveFile(ctx, backend.Snapshot, []byte("{}"))
	if !errors.Is(err, ErrLockLost) || !strings.Contains(err.Error(), "was not refreshed for") {
		t.Fatalf("SaveFile after the stale time: %v", err)
	}
	if got := listNames(t, r.Backend(), backend.Snapshot); len(got) != 0 {
		t.Fatalf("a snapshot was written without a lock: %v", got)
	}
	awaitLost(t, lost, "OnLost was not called")
	// Lock files themselves are still written (unlock, other locks).
	if _, err := r.SaveFile(ctx, backend.Lock, []byte("{}")); err != nil {
		t.Fatal(err)
	}
}

// A lock whose file another process removed (it judged the lock stale) is
// lost at its next refresh. The refresh is called here as the ticker would
// (a background refresh racing the removal could write the new file after
// the remover listed the locks; the e2e test covers the ticker).
func TestLockLostWhenFileRemoved(t *testing.T) {
	ctx := context.Background()
	r, dir := newTestRepo(t, smallConfig())
	l, lost := lockWithTiming(t, r, true, LockTiming{Refresh: time.Hour, Stale: 2 * time.Hour})
	other := reopen(t, dir)
	if n, err := other.RemoveStaleLocks(ctx, true); err != nil || n != 1 {
		t.Fatalf("RemoveStaleLocks = %d, %v", n, err)
	}
	if err := l.Refresh(ctx); !errors.Is(err, ErrLockLost) {
		t.Fatalf("Refresh after the lock file was removed: %v", err)
	}
	if err := awaitLost(t, lost, "OnLost was not called"); !strings.Contains(err.Error(), "another process removed its lock file") {
		t.Fatalf("OnLost got %v", err)
	}
	if _, err := r.SaveFile(ctx, backend.Index, EncodeIndex(&IndexFile{})); !errors.Is(err, ErrLockLost) {
		t.Fatalf("SaveFile after the lock was removed: %v", err)
	}
}

// failLockSaves makes saving lock files fail while fail is set.
type failLockSaves struct {
	backend.Backend
	fail atomic.Bool
}

func (f *failLockSaves) Save(ctx context.Context, h backend.Handle, rd io.Reader, size int64) error {
	if h.Type == backend.Lock && f.fail.Load() {
		return errors.New("storage unreachable")
	}
	return f.Backend.Save(ctx, h, rd, size)
}

// A refresh that fails is retried; the lock is lost only once the stale
// time passes without a successful one.
func TestLockRefreshFailuresUntilStale(t *testing.T) {
	ctx := context.Background()
	_, dir := newTestRepo(t, smallConfig())
	be := &failLockSaves{Backend: local.New(dir)}
	r, err := Open(ctx, be, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	_, lost := lockWithTiming(t, r, false, LockTiming{Refresh: 20 * time.Millisecond, Stale: 2 * time.Second})
	be.fail.Store(true)
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-lost:
		t.Fatalf("lost after a few failed refreshes: %v", err)
	default:
	}
	if _, err := r.SaveFile(ctx, backend.Index, EncodeIndex(&IndexFile{})); err != nil {
		t.Fatalf("SaveFile with refreshes failing, well within the stale time: %v", err)
	}
	awaitLost(t, lost, "the lock was not given up after the stale time")
}

// lockWithTiming takes a lock with the given timing, unlocked when the
// test ends, and returns it with the channel its OnLost callback sends on.
func lockWithTiming(t *testing.T, r *Repository, exclusive bool, timing LockTiming) (*Lock, <-chan error) {
	t.Helper()
	r.SetLockTiming(timing)
	l, err := r.Lock(context.Background(), exclusive, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Unlock(context.Background()) })
	lost := make(chan error, 1)
	l.OnLost(func(err error) { lost <- err })
	return l, lost
}

// awaitLost waits for the error a Lock's OnLost callback sends on lost,
// and fails the test with why (a timeout) unless it wraps ErrLockLost.
func awaitLost(t *testing.T, lost <-chan error, why string) error {
	t.Helper()
	select {
	case err := <-lost:
		if !errors.Is(err, ErrLockLost) {
			t.Fatalf("OnLost got %v", err)
		}
		return err
	case <-time.After(5 * time.Second):
		t.Fatal(why)
		return nil
	}
}
