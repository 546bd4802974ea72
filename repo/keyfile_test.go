package repo

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestKeyFileRoundTrip(t *testing.T) {
	mk := newTestKey(t)
	kf, err := NewKeyFile(mk, "s3cret", testKDF, "alice", "db1")
	if err != nil {
		t.Fatalf("NewKeyFile: %v", err)
	}
	data, err := json.Marshal(kf)
	if err != nil {
		t.Fatal(err)
	}
	// The KDF parameters are top-level fields of the JSON.
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	for field, want := range map[string]any{"kdf": "argon2id", "time": 1.0, "memory": 8192.0, "threads": 1.0, "username": "alice", "hostname": "db1"} {
		if raw[field] != want {
			t.Errorf("key file field %q = %v, want %v", field, raw[field], want)
		}
	}
	if strings.Contains(string(data), string(mk.Encrypt[:8])) {
		t.Fatal("key file contains the raw master key")
	}
	parsed, err := ParseKeyFile(data)
	if err != nil {
		t.Fatalf("ParseKeyFile: %v", err)
	}
	if len(parsed.Salt) != 16 {
		t.Fatalf("salt length %d, want 16", len(parsed.Salt))
	}
	if parsed.KDFParams != testKDF {
		t.Fatalf("KDF params %+v, want %+v", parsed.KDFParams, testKDF)
	}
	got, err := parsed.Open("s3cret")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if got.Encrypt != mk.Encrypt || got.MAC != mk.MAC || got.Pol != mk.Pol {
		t.Fatal("unwrapped master key differs from the original")
	}
	// The unwrapped key is usable: it opens what the original sealed.
	sealed := mk.Seal(nil, []byte("payload"), []byte("aad"))
	if out, err := got.Open(nil, sealed, []byte("aad")); err != nil || string(out) != "payload" {
		t.Fatalf("unwrapped key Open: %q, %v", out, err)
	}
	if got.BlobID([]byte("a")) != mk.BlobID([]byte("a")) {
		t.Fatal("unwrapped key computes other blob IDs")
	}
}

func TestKeyFileSaltsDiffer(t *testing.T) {
	mk := newTestKey(t)
	a, err := NewKeyFile(mk, "pw", testKDF, "", "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewKeyFile(mk, "pw", testKDF, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if string(a.Salt) == string(b.Salt) || string(a.Data) == string(b.Data) {
		t.Fatal("two key files for the same password share salt or data")
	}
}

func TestKeyFileWrongPassword(t *testing.T) {
	kf, err := NewKeyFile(newTestKey(t), "right", testKDF, "", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"wrong", "Right", "right ", ""} {
		if _, err := kf.Open(pw); !errors.Is(err, ErrWrongPassword) {
			t.Errorf("Open(%q): err = %v, want ErrWrongPassword", pw, err)
		}
	}
	// Tampered data also reads as a wrong password: the tag does not verify.
	kf.Data[NonceSize] ^= 1
	if _, err := kf.Open("right"); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("tampered data: err = %v, want ErrWrongPassword", err)
	}
}

func TestKeyFileInvalidKDFParams(t *testing.T) {
	good, err := NewKeyFile(newTestKey(t), "pw", testKDF, "", "")
	if err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*KeyFile){
		"time 0":         func(k *KeyFile) { k.Time = 0 },
		"time 101":       func(k *KeyFile) { k.Time = 101 },
		"memory 7 KiB":   func(k *KeyFile) { k.Memory = 7 },
		"memory > 4 GiB": func(k *KeyFile) { k.Memory = 4<<20 + 1 },
		"threads 0":      func(k *KeyFile) { k.Threads = 0 },
		"short salt":     func(k *KeyFile) { k.Salt = k.Salt[:7] },
	} {
		kf := *good
		mutate(&kf)
		_, err := kf.Open("pw")
		if err == nil || !strings.Contains(err.Error(), "invalid KDF parameters") {
			t.Errorf("%s: err = %v, want invalid KDF parameters", name, err)
		}
		if errors.Is(err, ErrWrongPassword) {
			t.Errorf("%s: invalid parameters reported as a wrong password", name)
		}
	}
	kf := *good
	kf.KDF = "scrypt"
	if _, err := kf.Open("pw"); err == nil || !strings.Contains(err.Error(), `unknown KDF "scrypt"`) {
		t.Errorf("unknown KDF: err = %v", err)
	}
	if _, err := NewKeyFile(newTestKey(t), "pw", KDFParams{Time: 0, Memory: 8192, Threads: 1}, "", ""); err == nil || !strings.Contains(err.Error(), "invalid KDF parameters") {
		t.Errorf("NewKeyFile with time 0: err = %v", err)
	}
}

func TestKeyFileBadMasterKeyJSON(t *testing.T) {
	kf, err := NewKeyFile(newTestKey(t), "pw", testKDF, "", "")
	if err != nil {
		t.Fatal(err)
	}
	aead, err := kf.aead("pw")
	if err != nil {
		t.Fatal(err)
	}
	for body, want := range map[string]string{
		`{"encrypt":"AAAA","mac":"AAAA"}`: "invalid key lengths",
		`not json`:                        "decode master key",
	} {
		kf.Data = seal(aead, nil, []byte(body), []byte(keyFileAAD))
		_, err := kf.Open("pw")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("master key %s: err = %v, want %q", body, err, want)
		}
	}
	// Sealed with another AAD: not a key file.
	kf.Data = seal(aead, nil, []byte(`{}`), []byte("sqlvault index"))
	if _, err := kf.Open("pw"); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("wrong AAD: err = %v, want ErrWrongPassword", err)
	}
}

func TestParseKeyFileErrors(t *testing.T) {
	for in, want := range map[string]string{
		``:                   "decode key file",
		`[]`:                 "decode key file",
		`{"kdf":"argon2id"}`: "missing fields",
		`{"data":"` + strings.Repeat("A", 40) + `"}`:                                "missing fields",
		`{"kdf":"argon2id","data":"AAAA"}`:                                          "missing fields",
		`{"kdf":"argon2id","threads":300,"data":"` + strings.Repeat("A", 40) + `"}`: "decode key file",
	} {
		_, err := ParseKeyFile([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseKeyFile(%s): err = %v, want %q", in, err, want)
		}
	}
}
