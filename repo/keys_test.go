package repo

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/backend/local"
)

func TestKeysAddListRemove(t *testing.T) {
	ctx := context.Background()
	r, dir := newTestRepo(t, smallConfig())
	first := r.KeyID()
	keys, err := r.Keys(ctx)
	if err != nil || len(keys) != 1 || keys[0].ID != first || !keys[0].Current || keys[0].KDF != "argon2id" || keys[0].Memory != testKDF.Memory {
		t.Fatalf("Keys of a new repository: %+v, %v", keys, err)
	}

	// The only key is the last one: refused.
	if err := r.RemoveKey(ctx, first); !errors.Is(err, ErrLastKey) {
		t.Fatalf("removing the only key: %v", err)
	}
	second, err := r.AddKey(ctx, "second password", testKDF)
	if err != nil {
		t.Fatal(err)
	}
	if r.KeyID() != first {
		t.Fatalf("AddKey switched the key in use")
	}
	keys, err = r.Keys(ctx)
	if err != nil || len(keys) != 2 || keys[0].ID != first || keys[1].ID != second || keys[1].Current {
		t.Fatalf("Keys after AddKey: %+v, %v", keys, err)
	}
	// Both passwords open the same repository.
	r2, err := Open(ctx, local.New(dir), "second password")
	if err != nil || r2.KeyID() != second || r2.Config().ID != r.Config().ID {
		t.Fatalf("open with the second password: %v", err)
	}
	// The key in use is refused; the other one may go.
	if err := r.RemoveKey(ctx, first); !errors.Is(err, ErrKeyInUse) {
		t.Fatalf("removing the key in use: %v", err)
	}
	if err := r.RemoveKey(ctx, ID{9}); !errors.Is(err, backend.ErrNotExist) {
		t.Fatalf("removing a key that does not exist: %v", err)
	}
	if err := r2.RemoveKey(ctx, first); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, local.New(dir), testPassword); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("the removed key still opens the repository: %v", err)
	}
	// Now second is the last key, for r2 too.
	if err := r2.RemoveKey(ctx, second); !errors.Is(err, ErrLastKey) {
		t.Fatalf("removing the last key: %v", err)
	}
}

func TestKeysDamagedKeyDoesNotCount(t *testing.T) {
	ctx := context.Background()
	r, _ := newTestRepo(t, smallConfig())
	// A damaged key file is listed but cannot replace the key in use.
	data := []byte(`{"kdf":"argon2id","data":"broken"}`)
	if err := r.Backend().Save(ctx, backend.Handle{Type: backend.Key, Name: Hash(data).String()}, bytesReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	keys, err := r.Keys(ctx)
	if err != nil || len(keys) != 2 {
		t.Fatalf("Keys: %+v, %v", keys, err)
	}
	bad := 0
	for _, k := range keys {
		if k.Err != nil {
			bad++
		}
	}
	if bad != 1 {
		t.Fatalf("%d keys marked unreadable, want 1", bad)
	}
	if err := r.RemoveKey(ctx, r.KeyID()); !errors.Is(err, ErrLastKey) {
		t.Fatalf("removing the only readable key: %v", err)
	}
	if err := r.RemoveKey(ctx, Hash(data)); err != nil {
		t.Fatalf("removing the damaged key: %v", err)
	}
}

func TestChangePassword(t *testing.T) {
	ctx := context.Background()
	r, dir := newTestRepo(t, smallConfig())
	old := r.KeyID()
	if _, err := r.ChangePassword(ctx, "", testKDF); err == nil {
		t.Fatal("empty password accepted")
	}
	id, err := r.ChangePassword(ctx, "new password", testKDF)
	if err != nil {
		t.Fatal(err)
	}
	if id == old || r.KeyID() != id {
		t.Fatalf("key in use after ChangePassword: %s (old %s, new %s)", r.KeyID().Str(), old.Str(), id.Str())
	}
	if names := listNames(t, r.Backend(), backend.Key); len(names) != 1 || names[0] != id.String() {
		t.Fatalf("key files: %q", names)
	}
	if _, err := Open(ctx, local.New(dir), testPassword); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("old password: %v", err)
	}
	if _, err := Open(ctx, local.New(dir), "new password"); err != nil {
		t.Fatalf("new password: %v", err)
	}
}

func TestLockIsRefreshed(t *testing.T) {
	ctx := context.Background()
	r, _ := newTestRepo(t, smallConfig())
	r.SetLockTiming(LockTiming{Refresh: 50 * time.Millisecond, Stale: StaleTimeout})
	l, err := r.Lock(ctx, false, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	first := listNames(t, r.Backend(), backend.Lock)
	var firstTime time.Time
	if err := r.EachLock(ctx, func(_ ID, li *LockInfo, err error) error { firstTime = li.Time; return err }); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		names := listNames(t, r.Backend(), backend.Lock)
		if len(names) == 1 && names[0] != first[0] {
			var li LockInfo
			r.EachLock(ctx, func(_ ID, got *LockInfo, err error) error { li = *got; return err })
			if !li.Time.After(firstTime) {
				t.Fatalf("refreshed lock has time %v, the first %v", li.Time, firstTime)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lock not refreshed after 10 s: %q", names)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := l.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if n := lockCount(t, r); n != 0 {
		t.Fatalf("%d locks after Unlock", n)
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// A key file whose bytes no longer match its name is damaged, not a wrong
// password: Open says which file, and a password of another key still
// opens the repository and learns of the damage (issue 10).
func TestOpenDamagedKeyFile(t *testing.T) {
	ctx := context.Background()
	r, dir := newTestRepo(t, smallConfig())
	first := r.KeyID()
	if _, err := r.AddKey(ctx, "second password", testKDF); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "keys", first.String())
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 1
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, local.New(dir), testPassword)
	if !errors.Is(err, ErrKeyDamaged) || errors.Is(err, ErrWrongPassword) || !strings.Contains(err.Error(), "key file "+first.Str()+" is damaged") {
		t.Fatalf("Open with the damaged key's password: %v", err)
	}
	r2, err := Open(ctx, local.New(dir), "second password")
	if err != nil {
		t.Fatalf("Open with the other key's password: %v", err)
	}
	if got := r2.DamagedKeys(); len(got) != 1 || got[0] != first.String() {
		t.Fatalf("DamagedKeys = %v, want [%s]", got, first)
	}
	keys, err := r2.Keys(ctx)
	if err != nil || len(keys) != 2 {
		t.Fatalf("Keys: %+v, %v", keys, err)
	}
	for _, k := range keys {
		if (k.ID == first) != errors.Is(k.Err, ErrKeyDamaged) {
			t.Fatalf("key %s: Err = %v", k.ID.Str(), k.Err)
		}
	}
	// Without damage, a wrong password stays a wrong password.
	if err := r2.RemoveKey(ctx, first); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, local.New(dir), testPassword); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("Open with a removed key's password: %v", err)
	}
}
