package repo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// IDSize is the length of an ID in bytes.
const IDSize = 32

// ID names a blob, pack, index, snapshot, key or lock: a SHA-256 or
// HMAC-SHA-256 value.
type ID [IDSize]byte

// Hash returns the SHA-256 of data as an ID. File names are content hashes.
func Hash(data []byte) ID { return sha256.Sum256(data) }

// String returns the ID as 64 lowercase hex digits.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// Str returns the first 8 hex digits, the short form shown to users.
func (id ID) Str() string { return hex.EncodeToString(id[:4]) }

// IsNull reports whether the ID is all zeros.
func (id ID) IsNull() bool { return id == ID{} }

// MarshalText encodes the ID as hex, for JSON.
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText decodes a hex ID, for JSON.
func (id *ID) UnmarshalText(b []byte) error {
	p, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = p
	return nil
}

// ParseID decodes 64 hex digits.
func ParseID(s string) (ID, error) {
	var id ID
	if len(s) != 2*IDSize {
		return id, fmt.Errorf("invalid ID %q: want %d hex digits", s, 2*IDSize)
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, fmt.Errorf("invalid ID %q: %w", s, err)
	}
	return id, nil
}
