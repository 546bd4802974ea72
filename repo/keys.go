package repo

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/sqlvault/sqlvault/backend"
)

// KeyInfo describes one key file.
type KeyInfo struct {
	ID       ID        `json:"id"`
	Current  bool      `json:"current"` // the key that opened the repository
	Created  time.Time `json:"created"`
	Username string    `json:"username,omitempty"`
	Hostname string    `json:"hostname,omitempty"`
	KDF      string    `json:"kdf"`
	KDFParams
	Err error `json:"-"` // set when the key file cannot be read
}

// ErrKeyInUse is returned when removing the key that opened the
// repository.
var ErrKeyInUse = errors.New("refusing to remove the key in use")

// ErrLastKey is returned when removing the only key.
var ErrLastKey = errors.New("refusing to remove the last key")

// Keys lists the key files, oldest first. A key file that cannot be read
// is listed with Err set.
func (r *Repository) Keys(ctx context.Context) ([]KeyInfo, error) {
	var ids []ID
	if err := r.List(ctx, backend.Key, func(id ID, _ int64) error { ids = append(ids, id); return nil }); err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	keys := make([]KeyInfo, 0, len(ids))
	for _, id := range ids {
		ki := KeyInfo{ID: id, Current: id == r.keyID}
		kf, err := loadKeyFile(ctx, r.be, id.String())
		if err == nil {
			ki.Created, ki.Username, ki.Hostname, ki.KDF, ki.KDFParams = kf.Created, kf.Username, kf.Hostname, kf.KDF, kf.KDFParams
		}
		if err != nil && errors.Is(err, backend.ErrNotExist) {
			continue // removed meanwhile
		}
		ki.Err = err
		keys = append(keys, ki)
	}
	sort.Slice(keys, func(i, j int) bool {
		if !keys[i].Created.Equal(keys[j].Created) {
			return keys[i].Created.Before(keys[j].Created)
		}
		return keys[i].ID.String() < keys[j].ID.String()
	})
	return keys, nil
}

// RemoveKey removes key file id. It refuses to remove the key that opened
// the repository (open it with another key's password first, or use
// ChangePassword) and the last key, without which nobody could open the
// repository again.
func (r *Repository) RemoveKey(ctx context.Context, id ID) error {
	keys, err := r.Keys(ctx)
	if err != nil {
		return err
	}
	found := false
	others := 0 // readable keys other than id
	for _, k := range keys {
		switch {
		case k.ID == id:
			found = true
		case k.Err == nil:
			others++
		}
	}
	if !found {
		return fmt.Errorf("key %s: %w", id.Str(), backend.ErrNotExist)
	}
	if others == 0 {
		return fmt.Errorf("%w %s: without it nobody can open the repository", ErrLastKey, id.Str())
	}
	if id == r.keyID {
		return fmt.Errorf("%w (%s): open the repository with another key's password to remove it, or change its password with 'sqlvault key passwd'", ErrKeyInUse, id.Str())
	}
	if err := r.be.Remove(ctx, backend.Handle{Type: backend.Key, Name: id.String()}); err != nil {
		return fmt.Errorf("remove key %s: %w", id.Str(), err)
	}
	return nil
}

// ChangePassword replaces the key in use by a new key file for password:
// the new file is written before the old one is removed, so the
// repository always has a key. It returns the new key's ID.
func (r *Repository) ChangePassword(ctx context.Context, password string, kdf KDFParams) (ID, error) {
	if password == "" {
		return ID{}, errors.New("the new password is empty")
	}
	old := r.keyID
	id, err := r.AddKey(ctx, password, kdf)
	if err != nil {
		return ID{}, err
	}
	r.keyID = id
	if !old.IsNull() {
		if err := r.be.Remove(ctx, backend.Handle{Type: backend.Key, Name: old.String()}); err != nil {
			return id, fmt.Errorf("new key %s written, but removing the old key %s failed: %w (remove it with 'sqlvault key remove')", id.Str(), old.Str(), err)
		}
	}
	return id, nil
}
