package repo

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"strings"
	"sync"
	"testing"
)

func newTestKey(t testing.TB) *MasterKey {
	t.Helper()
	k, err := NewMasterKey(0x3DA3358B4DC173)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestNewMasterKeyIsRandom(t *testing.T) {
	a, b := newTestKey(t), newTestKey(t)
	if a.Encrypt == b.Encrypt || a.MAC == b.MAC {
		t.Fatal("two new master keys share key material")
	}
	if a.Encrypt == ([32]byte{}) || a.MAC == ([32]byte{}) {
		t.Fatal("new master key is zero")
	}
	if a.Pol != 0x3DA3358B4DC173 {
		t.Fatalf("Pol = %#x", a.Pol)
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	k := newTestKey(t)
	for _, plain := range [][]byte{nil, {}, []byte("x"), compressible(100000)} {
		aad := []byte("sqlvault test")
		prefix := []byte("prefix")
		sealed := k.Seal(append([]byte(nil), prefix...), plain, aad)
		if !bytes.HasPrefix(sealed, prefix) {
			t.Fatal("Seal did not append to dst")
		}
		sealed = sealed[len(prefix):]
		if len(sealed) != NonceSize+len(plain)+TagSize {
			t.Fatalf("sealed length %d, want %d", len(sealed), len(plain)+Overhead)
		}
		if len(plain) > 16 && bytes.Contains(sealed, plain[:16]) {
			t.Fatal("sealed output contains the plaintext")
		}
		out, err := k.Open([]byte("dst:"), sealed, aad)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if !bytes.Equal(out, append([]byte("dst:"), plain...)) {
			t.Fatalf("Open returned %d bytes, want dst + %d bytes of plaintext", len(out), len(plain))
		}
	}
}

func TestSealUsesFreshNonce(t *testing.T) {
	k := newTestKey(t)
	a := k.Seal(nil, []byte("same"), nil)
	b := k.Seal(nil, []byte("same"), nil)
	if bytes.Equal(a[:NonceSize], b[:NonceSize]) {
		t.Fatal("two seals used the same nonce")
	}
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same plaintext are identical")
	}
}

func TestOpenDetectsTampering(t *testing.T) {
	k := newTestKey(t)
	plain := []byte("the quick brown fox jumps over the lazy dog")
	aad := []byte("sqlvault index")
	sealed := k.Seal(nil, plain, aad)
	regions := map[string]int{
		"nonce first byte":      0,
		"nonce last byte":       NonceSize - 1,
		"ciphertext first byte": NonceSize,
		"ciphertext middle":     NonceSize + len(plain)/2,
		"ciphertext last byte":  NonceSize + len(plain) - 1,
		"tag first byte":        NonceSize + len(plain),
		"tag last byte":         len(sealed) - 1,
	}
	for name, off := range regions {
		bad := append([]byte(nil), sealed...)
		bad[off] ^= 0x01
		if _, err := k.Open(nil, bad, aad); !errors.Is(err, ErrAuth) {
			t.Errorf("%s flipped: err = %v, want ErrAuth", name, err)
		}
	}
	if _, err := k.Open(nil, sealed, []byte("sqlvault snapshots")); !errors.Is(err, ErrAuth) {
		t.Errorf("wrong AAD: err = %v, want ErrAuth", err)
	}
	if _, err := k.Open(nil, sealed, nil); !errors.Is(err, ErrAuth) {
		t.Errorf("missing AAD: err = %v, want ErrAuth", err)
	}
	if _, err := newTestKey(t).Open(nil, sealed, aad); !errors.Is(err, ErrAuth) {
		t.Errorf("other key: err = %v, want ErrAuth", err)
	}
	if _, err := k.Open(nil, sealed[:len(sealed)-1], aad); !errors.Is(err, ErrAuth) {
		t.Errorf("truncated: err = %v, want ErrAuth", err)
	}
	if _, err := k.Open(nil, append(append([]byte(nil), sealed...), 0), aad); !errors.Is(err, ErrAuth) {
		t.Errorf("extended: err = %v, want ErrAuth", err)
	}
	_, err := k.Open(nil, sealed[:Overhead-1], aad)
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "27 bytes is too short") {
		t.Errorf("too short: err = %v, want ErrAuth mentioning the length", err)
	}
	// The untouched ciphertext still opens.
	if out, err := k.Open(nil, sealed, aad); err != nil || !bytes.Equal(out, plain) {
		t.Fatalf("Open of the original: %q, %v", out, err)
	}
}

func TestBlobIDIsKeyedHMAC(t *testing.T) {
	k := newTestKey(t)
	data := []byte("CREATE TABLE t (id int);")
	mac := hmac.New(sha256.New, k.MAC[:])
	mac.Write(data)
	var want ID
	copy(want[:], mac.Sum(nil))
	if got := k.BlobID(data); got != want {
		t.Fatalf("BlobID = %v, want HMAC-SHA-256 %v", got, want)
	}
	if k.BlobID(data) == Hash(data) {
		t.Fatal("BlobID equals the unkeyed SHA-256")
	}
	other := newTestKey(t)
	if other.BlobID(data) == k.BlobID(data) {
		t.Fatal("different MAC keys gave the same blob ID")
	}
	// Same MAC key, different encryption key: same ID.
	same := &MasterKey{MAC: k.MAC, Encrypt: other.Encrypt}
	if err := same.init(); err != nil {
		t.Fatal(err)
	}
	if same.BlobID(data) != want {
		t.Fatal("the blob ID depends on more than the MAC key")
	}
	if k.BlobID(nil) == k.BlobID([]byte{0}) {
		t.Fatal("empty and one-zero-byte blobs share an ID")
	}
}

func TestBlobIDConcurrent(t *testing.T) {
	k := newTestKey(t)
	inputs := make([][]byte, 64)
	want := make([]ID, len(inputs))
	for i := range inputs {
		inputs[i] = compressible(1000 + i)
		want[i] = k.BlobID(inputs[i])
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*len(inputs))
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, in := range inputs {
				if k.BlobID(in) != want[i] {
					errs <- "mismatch"
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}
