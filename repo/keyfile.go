package repo

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/argon2"
)

// KDFParams are the argon2id parameters of one key file.
type KDFParams struct {
	Time    uint32 `json:"time"`
	Memory  uint32 `json:"memory"` // KiB
	Threads uint8  `json:"threads"`
}

// DefaultKDF is argon2id with 32 MiB and 4 passes: above OWASP's
// recommended minimums (19 MiB with 2 passes, or 46 MiB with 1) and between
// them and RFC 9106's 64 MiB. Every command derives it once, so its memory
// sets the floor of every command's peak; 64 MiB would put that floor above
// restic's. Key files record their own parameters, so it can change.
var DefaultKDF = KDFParams{Time: 4, Memory: 32 * 1024, Threads: 2}

// ErrWrongPassword is returned when no key file opens with the password.
var ErrWrongPassword = errors.New("wrong password or no key found")

// KeyFile is the JSON stored in keys/<id>: the master key encrypted with a
// key derived from a password.
type KeyFile struct {
	Created  time.Time `json:"created"`
	Username string    `json:"username,omitempty"`
	Hostname string    `json:"hostname,omitempty"`
	KDF      string    `json:"kdf"` // "argon2id"
	KDFParams
	Salt []byte `json:"salt"`
	Data []byte `json:"data"` // nonce || AES-256-GCM(master key JSON) || tag
}

type masterKeyJSON struct {
	Encrypt []byte `json:"encrypt"`
	MAC     []byte `json:"mac"`
	Pol     uint64 `json:"chunker_polynomial"`
}

const keyFileAAD = "sqlvault key"

// NewKeyFile wraps mk with a key derived from password.
func NewKeyFile(mk *MasterKey, password string, p KDFParams, user, host string) (*KeyFile, error) {
	kf := &KeyFile{Created: time.Now().UTC(), Username: user, Hostname: host, KDF: "argon2id", KDFParams: p, Salt: make([]byte, 16)}
	if _, err := rand.Read(kf.Salt); err != nil {
		return nil, fmt.Errorf("generate salt: %w", err)
	}
	aead, err := kf.aead(password)
	if err != nil {
		return nil, err
	}
	plain, err := json.Marshal(masterKeyJSON{Encrypt: mk.Encrypt[:], MAC: mk.MAC[:], Pol: mk.Pol})
	if err != nil {
		return nil, fmt.Errorf("encode master key: %w", err)
	}
	kf.Data = seal(aead, nil, plain, []byte(keyFileAAD))
	return kf, nil
}

func (kf *KeyFile) aead(password string) (cipher.AEAD, error) {
	if kf.KDF != "argon2id" {
		return nil, fmt.Errorf("key file uses unknown KDF %q", kf.KDF)
	}
	if kf.Time < 1 || kf.Time > 100 || kf.Memory < 8 || kf.Memory > 4<<20 || kf.Threads < 1 || len(kf.Salt) < 8 {
		return nil, fmt.Errorf("key file has invalid KDF parameters (time %d, memory %d KiB, threads %d)", kf.Time, kf.Memory, kf.Threads)
	}
	k := argon2.IDKey([]byte(password), kf.Salt, kf.Time, kf.Memory, kf.Threads, 32)
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("init cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

// Open derives the wrapping key from password and unwraps the master key.
// It returns ErrWrongPassword when the password does not fit.
func (kf *KeyFile) Open(password string) (*MasterKey, error) {
	aead, err := kf.aead(password)
	if err != nil {
		return nil, err
	}
	plain, err := open(aead, nil, kf.Data, []byte(keyFileAAD))
	if err != nil {
		return nil, ErrWrongPassword
	}
	var mj masterKeyJSON
	if err := json.Unmarshal(plain, &mj); err != nil {
		return nil, fmt.Errorf("decode master key: %w", err)
	}
	if len(mj.Encrypt) != 32 || len(mj.MAC) != 32 {
		return nil, fmt.Errorf("decode master key: invalid key lengths")
	}
	mk := &MasterKey{Pol: mj.Pol}
	copy(mk.Encrypt[:], mj.Encrypt)
	copy(mk.MAC[:], mj.MAC)
	return mk, mk.init()
}

// ParseKeyFile decodes the JSON of a key file.
func ParseKeyFile(data []byte) (*KeyFile, error) {
	var kf KeyFile
	if err := json.Unmarshal(data, &kf); err != nil {
		return nil, fmt.Errorf("decode key file: %w", err)
	}
	if kf.KDF == "" || len(kf.Data) < Overhead {
		return nil, fmt.Errorf("decode key file: missing fields")
	}
	return &kf, nil
}
