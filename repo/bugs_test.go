package repo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/backend/local"
	"github.com/sqlvault/sqlvault/chunk"
)

// Regression tests for defects found while writing the suite.

func TestPackWriteFailureIsSticky(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "repo")
	be := &failingStager{Local: local.New(dir), failAfter: 1}
	r, err := Init(ctx, be, testPassword, InitOptions{Config: smallConfig(), KDF: testKDF, Polynomial: chunk.TestPolynomial})
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := compressible(1000), compressible(2000), compressible(3000)
	idA, nA, err := r.SaveBlob(ctx, DataBlob, a)
	if err != nil || nA == 0 {
		t.Fatalf("save a: %d, %v", nA, err)
	}
	// The disk fills up while b is written into the same pack.
	if _, _, err := r.SaveBlob(ctx, DataBlob, b); !errors.Is(err, errNoSpaceTest) {
		t.Fatalf("save b: err = %v, want the injected write error", err)
	}
	// a was acknowledged but sat in the pack that failed: the failure is
	// sticky, so nothing saved afterwards and no Flush can claim success.
	if _, _, err := r.SaveBlob(ctx, DataBlob, c); !errors.Is(err, errNoSpaceTest) {
		t.Fatalf("save c after the failure: err = %v, want the earlier write error", err)
	}
	if err := r.Flush(ctx); !errors.Is(err, errNoSpaceTest) {
		t.Fatalf("flush after the failure: err = %v, want the earlier write error", err)
	}
	_ = idA
}

func TestBugSaveBlobAcceptsBlobTooLargeForIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 64 MiB")
	}
	ctx := context.Background()
	r, dir := newTestRepo(t, smallConfig())
	small := []byte("a small blob in the same pack")
	smallID, _, err := r.SaveBlob(ctx, TreeBlob, small)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = r.SaveBlob(ctx, TreeBlob, make([]byte, maxBlobSize+1))
	if err != nil {
		// Refusing the blob up front is a fix.
		if !strings.Contains(err.Error(), "too large") && !strings.Contains(err.Error(), "exceeds") {
			t.Fatalf("SaveBlob refused the blob with an unclear error: %v", err)
		}
		return
	}
	if err := r.Flush(ctx); err != nil {
		return // also acceptable: the write fails loudly
	}
	o, err := Open(ctx, local.New(dir), testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.LoadIndex(ctx); err != nil {
		t.Fatalf("SaveBlob and Flush succeeded, but the index they wrote cannot be read: %v", err)
	}
	if _, err := o.LoadBlob(ctx, TreeBlob, smallID, nil); err != nil {
		t.Fatal(err)
	}
}

func TestBugOpenDamagedKeyFileHidesGoodKey(t *testing.T) {
	ctx := context.Background()
	r, dir := newTestRepo(t, smallConfig())
	kf, err := NewKeyFile(r.Key(), "whatever", testKDF, "", "")
	if err != nil {
		t.Fatal(err)
	}
	kf.KDF = "scrypt"
	data, err := json.Marshal(kf)
	if err != nil {
		t.Fatal(err)
	}
	// All zeros sorts before the good key, so it is tried first.
	name := strings.Repeat("0", 64)
	if err := local.New(dir).Save(ctx, backend.Handle{Type: backend.Key, Name: name}, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, local.New(dir), testPassword); err != nil {
		t.Fatalf("a key file with an unknown KDF hides the good key: %v", err)
	}
}

func TestBugOpenPanicsOnShortForeignKeyName(t *testing.T) {
	ctx := context.Background()
	_, dir := newTestRepo(t, smallConfig())
	// A key file of another repository with the same password, copied in
	// under a short name.
	other, otherDir := newTestRepo(t, smallConfig())
	data, err := backend.LoadAll(ctx, local.New(otherDir), backend.Handle{Type: backend.Key, Name: other.KeyID().String()})
	if err != nil {
		t.Fatal(err)
	}
	if err := local.New(dir).Save(ctx, backend.Handle{Type: backend.Key, Name: "0"}, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("Open panicked: %v", p)
		}
	}()
	if _, err := Open(ctx, local.New(dir), testPassword); err != nil && !errors.Is(err, ErrAuth) {
		t.Logf("Open: %v", err)
	}
}

func TestBugOpenBlobShortInputPanics(t *testing.T) {
	r := fuzzRepo(t)
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("openBlob panicked: %v", p)
		}
	}()
	pb := PackedBlob{Blob: Blob{Type: DataBlob, Enc: EncRaw, ID: idOf("x"), PlainLen: 3}}
	_, err := r.openBlob(context.Background(), pb, []byte("short"), nil)
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("err = %v, want ErrAuth", err)
	}
}
