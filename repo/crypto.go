package repo

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"sync"
)

// Sizes of the AES-GCM parts of every encrypted object.
const (
	NonceSize = 12
	TagSize   = 16
	// Overhead is what encryption adds to a plaintext.
	Overhead = NonceSize + TagSize
)

// ErrAuth is returned when a ciphertext fails authentication: wrong key,
// or the stored bytes were changed.
var ErrAuth = errors.New("ciphertext verification failed")

// MasterKey is the repository's secret key set. It is created once by init
// and stored, wrapped by a password-derived key, in every key file.
type MasterKey struct {
	Encrypt [32]byte // AES-256-GCM key for all repository data
	MAC     [32]byte // HMAC-SHA-256 key for blob IDs
	Pol     uint64   // chunker polynomial (secret, so chunk boundaries reveal nothing)

	aead  cipher.AEAD
	hmacs sync.Pool
}

// NewMasterKey returns a fresh random master key with the given chunker
// polynomial.
func NewMasterKey(pol uint64) (*MasterKey, error) {
	k := &MasterKey{Pol: pol}
	if _, err := rand.Read(k.Encrypt[:]); err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	if _, err := rand.Read(k.MAC[:]); err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return k, k.init()
}

func (k *MasterKey) init() error {
	block, err := aes.NewCipher(k.Encrypt[:])
	if err != nil {
		return fmt.Errorf("init cipher: %w", err)
	}
	k.aead, err = cipher.NewGCM(block)
	if err != nil {
		return fmt.Errorf("init cipher: %w", err)
	}
	mac := k.MAC
	k.hmacs.New = func() any { return hmac.New(sha256.New, mac[:]) }
	return nil
}

// BlobID returns the keyed ID of a blob's plaintext: HMAC-SHA-256 with the
// MAC key, so that the storage provider cannot confirm known content.
func (k *MasterKey) BlobID(data []byte) ID {
	h := k.hmacs.Get().(hash.Hash)
	h.Reset()
	h.Write(data)
	var id ID
	h.Sum(id[:0])
	k.hmacs.Put(h)
	return id
}

// Seal encrypts plaintext with a fresh random nonce and appends
// nonce || ciphertext || tag to dst. aad is authenticated, not stored.
func (k *MasterKey) Seal(dst, plaintext, aad []byte) []byte {
	return seal(k.aead, dst, plaintext, aad)
}

// Open decrypts what Seal produced and appends the plaintext to dst.
func (k *MasterKey) Open(dst, sealed, aad []byte) ([]byte, error) {
	return open(k.aead, dst, sealed, aad)
}

func seal(aead cipher.AEAD, dst, plaintext, aad []byte) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, NonceSize)...)
	if _, err := rand.Read(dst[start:]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // never happens on Linux
	}
	return aead.Seal(dst, dst[start:start+NonceSize], plaintext, aad)
}

func open(aead cipher.AEAD, dst, sealed, aad []byte) ([]byte, error) {
	if len(sealed) < Overhead {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrAuth, len(sealed))
	}
	out, err := aead.Open(dst, sealed[:NonceSize], sealed[NonceSize:], aad)
	if err != nil {
		return nil, ErrAuth
	}
	return out, nil
}
