// Package repo implements the sqlvault repository: config, keys, blob
// encoding (keyed IDs, compression, encryption), packs, index files and
// locks, on top of a backend.Backend.
//
// A Repository is safe for concurrent use: several goroutines may save and
// load blobs at once.
package repo

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/chunk"
)

// ErrNoRepository is returned when the location holds no repository.
var ErrNoRepository = errors.New("no repository found")

// Repository is an open repository.
type Repository struct {
	be    backend.Backend
	key   *MasterKey
	cfg   Config
	keyID ID
	codec *codec
	idx   *Index

	damagedKeys []string // key files Open found damaged
	lockTiming  LockTiming

	mu        sync.Mutex
	pending   map[ID]struct{} // blobs accepted into a packer, pack not yet written
	packers   map[BlobType]*packBuilder
	unindexed []IndexPack // packs written since the last index file
	freeBufs  [][]byte    // pack buffers to reuse: a new one per pack would be 16 MiB of garbage each time

	packErr error // the first failed pack write: later saves and Flush fail too
	held    *Lock // the lock this process holds, checked before index and snapshot files are written

	cache  *Cache // keyframes on local disk; nil when not used
	plains recentPlains
	stats  stats
}

// InitOptions are the choices made when creating a repository.
type InitOptions struct {
	Config Config
	KDF    KDFParams
	// Polynomial, when not zero, is the chunker polynomial instead of a
	// random one. Chunk boundaries then depend on content alone, which
	// makes tests repeatable; a repository for real use keeps it secret
	// and random (see chunk.RandomPolynomial).
	Polynomial uint64
}

// Init creates a new repository at be, protected by password.
func Init(ctx context.Context, be backend.Backend, password string, opts InitOptions) (*Repository, error) {
	if password == "" {
		return nil, fmt.Errorf("empty password: set SQLVAULT_PASSWORD, --password-file or --password-command")
	}
	cfg := opts.Config
	if cfg == (Config{}) {
		cfg = DefaultConfig()
	}
	var rid [32]byte
	if _, err := rand.Read(rid[:]); err != nil {
		return nil, fmt.Errorf("generate repository ID: %w", err)
	}
	cfg.ID = hex.EncodeToString(rid[:])
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.Polynomial != 0 {
		if err := chunk.CheckPolynomial(opts.Polynomial); err != nil {
			return nil, err
		}
	}
	if _, err := be.Stat(ctx, backend.Handle{Type: backend.Config}); err == nil {
		return nil, fmt.Errorf("repository at %s: %w", be.Location(), backend.ErrExist)
	}
	if err := be.Create(ctx); err != nil {
		return nil, err
	}
	pol := opts.Polynomial
	if pol == 0 {
		var err error
		if pol, err = chunk.RandomPolynomial(); err != nil {
			return nil, err
		}
	}
	mk, err := NewMasterKey(pol)
	if err != nil {
		return nil, err
	}
	r, err := newRepository(be, mk, cfg)
	if err != nil {
		return nil, err
	}
	kdf := opts.KDF
	if kdf.Time == 0 {
		kdf = DefaultKDF
	}
	if _, err := r.AddKey(ctx, password, kdf); err != nil {
		return nil, err
	}
	header, _ := json.Marshal(ConfigHeader{Magic: configMagic, Version: FormatVersion, ID: cfg.ID})
	header = append(header, '\n')
	body, _ := json.Marshal(cfg)
	data := mk.Seal(header, body, header)
	if err := be.Save(ctx, backend.Handle{Type: backend.Config}, bytes.NewReader(data), int64(len(data))); err != nil {
		return nil, fmt.Errorf("save config: %w", err)
	}
	return r, nil
}

func newRepository(be backend.Backend, mk *MasterKey, cfg Config) (*Repository, error) {
	level, err := zstdLevel(cfg.Compression)
	if err != nil {
		return nil, err
	}
	c, err := newCodec(level, runtime.GOMAXPROCS(0))
	if err != nil {
		return nil, err
	}
	return &Repository{be: be, key: mk, cfg: cfg, codec: c, idx: NewIndex(),
		pending: map[ID]struct{}{}, packers: map[BlobType]*packBuilder{}}, nil
}

// AddKey writes a new key file that wraps the master key with password and
// returns its ID.
func (r *Repository) AddKey(ctx context.Context, password string, kdf KDFParams) (ID, error) {
	host, _ := os.Hostname()
	var name string
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	kf, err := NewKeyFile(r.key, password, kdf, name, host)
	if err != nil {
		return ID{}, err
	}
	data, err := json.MarshalIndent(kf, "", "  ")
	if err != nil {
		return ID{}, fmt.Errorf("encode key file: %w", err)
	}
	id := Hash(data)
	if err := r.be.Save(ctx, backend.Handle{Type: backend.Key, Name: id.String()}, bytes.NewReader(data), int64(len(data))); err != nil {
		return ID{}, fmt.Errorf("save key: %w", err)
	}
	if r.keyID.IsNull() {
		r.keyID = id
	}
	return id, nil
}

// Open opens the repository at be with password. It reads the config and
// finds a key file that opens with the password; it does not load the
// index (see LoadIndex).
func Open(ctx context.Context, be backend.Backend, password string) (*Repository, error) {
	data, err := backend.LoadAll(ctx, be, backend.Handle{Type: backend.Config})
	if errors.Is(err, backend.ErrNotExist) {
		return nil, fmt.Errorf("%w at %s", ErrNoRepository, be.Location())
	}
	if err != nil {
		return nil, err
	}
	header, body, err := ParseConfigHeader(data)
	if err != nil {
		return nil, err
	}
	if password == "" {
		return nil, fmt.Errorf("%w: the password is empty", ErrWrongPassword)
	}
	var keys []backend.FileInfo
	if err := be.List(ctx, backend.Key, func(fi backend.FileInfo) error { keys = append(keys, fi); return nil }); err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: the repository at %s has no key files (keys/ is empty): no password can open it; put back a copy of a key file", ErrKeyDamaged, be.Location())
	}
	// A damaged or foreign key file must not hide a good one: remember the
	// first such problem and report it only when no key opens.
	var keyErr error
	// Every key file is read first (they are small; no key is derived), so
	// that damage is reported whichever key opens the repository.
	var damaged []string // key files whose content does not match their name, or does not parse
	type named struct {
		name string
		kf   *KeyFile
	}
	var good []named
	for _, fi := range keys {
		kf, err := loadKeyFile(ctx, be, fi.Name)
		if errors.Is(err, backend.ErrNotExist) {
			continue // removed since the listing
		}
		if errors.Is(err, ErrKeyDamaged) {
			damaged = append(damaged, fi.Name)
			continue
		}
		if err != nil {
			return nil, err
		}
		good = append(good, named{fi.Name, kf})
	}
	for _, k := range good {
		mk, err := k.kf.Open(password)
		if errors.Is(err, ErrWrongPassword) {
			continue
		}
		if err != nil {
			keyErr = cmp.Or(keyErr, fmt.Errorf("key %s: %w", k.name, err))
			continue
		}
		plain, err := mk.Open(nil, body, data[:len(data)-len(body)])
		if err != nil {
			keyErr = cmp.Or(keyErr, fmt.Errorf("config: %w (key %s does not belong to this repository, or the config is damaged)", err, k.name))
			continue
		}
		var cfg Config
		if err := json.Unmarshal(plain, &cfg); err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		if cfg.ID != header.ID {
			return nil, fmt.Errorf("config: repository ID mismatch")
		}
		if err := cfg.Validate(); err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		r, err := newRepository(be, mk, cfg)
		if err != nil {
			return nil, err
		}
		r.keyID, _ = ParseID(k.name)
		r.damagedKeys = damaged
		return r, nil
	}
	if keyErr != nil {
		return nil, keyErr
	}
	if len(damaged) > 0 {
		return nil, fmt.Errorf("%w: key file %s is damaged (its content does not match its name), and no other key file opens with this password; if the damaged file held this password, use the password of another key or put back a copy of the file", ErrKeyDamaged, shortName(damaged[0]))
	}
	return nil, ErrWrongPassword
}

// ErrKeyDamaged is returned by Open when no key file opens with the
// password and at least one key file is damaged: it may have been the one
// for this password.
var ErrKeyDamaged = errors.New("damaged key file")

// loadKeyFile reads and parses the key file called name. A file whose
// content does not match its name (key files are named by the SHA-256 of
// their bytes, so damage is told apart from a wrong password before any
// key is derived), or does not parse, gives an error wrapping
// ErrKeyDamaged.
func loadKeyFile(ctx context.Context, be backend.Backend, name string) (*KeyFile, error) {
	data, err := backend.LoadAll(ctx, be, backend.Handle{Type: backend.Key, Name: name})
	if err != nil {
		return nil, err
	}
	if id, perr := ParseID(name); perr == nil && Hash(data) != id {
		return nil, fmt.Errorf("key %s: %w: its content does not match its name", shortName(name), ErrKeyDamaged)
	}
	kf, err := ParseKeyFile(data)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w: %w", shortName(name), ErrKeyDamaged, err)
	}
	return kf, nil
}

// DamagedKeys returns the names of the key files that Open found damaged
// (their content does not match their name, or does not parse), although
// another key opened the repository.
func (r *Repository) DamagedKeys() []string { return r.damagedKeys }

// shortName shortens a file name that is an ID as ID.Str does.
func shortName(name string) string {
	if id, err := ParseID(name); err == nil {
		return id.Str()
	}
	return name
}

// Backend returns the storage the repository lives in.
func (r *Repository) Backend() backend.Backend { return r.be }

// Config returns the repository parameters.
func (r *Repository) Config() Config { return r.cfg }

// Key returns the master key.
func (r *Repository) Key() *MasterKey { return r.key }

// KeyID returns the ID of the key file that opened the repository.
func (r *Repository) KeyID() ID { return r.keyID }

// Index returns the in-memory index.
func (r *Repository) Index() *Index { return r.idx }

// LoadIndex reads every index file into memory. Files already loaded are
// skipped, so it can be called again to pick up new ones. A damaged index
// file (see ErrIndexDamaged) does not stop it: the file is skipped and
// listed by Index().Damaged(), and the blobs only it named are missing. An
// index file that cannot be read from the backend is an error.
func (r *Repository) LoadIndex(ctx context.Context) error {
	loaded := map[ID]struct{}{}
	for _, id := range r.idx.Files() {
		loaded[id] = struct{}{}
	}
	for _, d := range r.idx.Damaged() {
		loaded[d.ID] = struct{}{}
	}
	return r.List(ctx, backend.Index, func(id ID, _ int64) error {
		if _, ok := loaded[id]; ok {
			return nil
		}
		f, err := r.LoadIndexFile(ctx, id)
		var d DamagedIndex
		if errors.As(err, &d) {
			r.idx.addDamaged(id, d.Err)
			return nil
		}
		if err != nil {
			return err
		}
		r.idx.AddFile(id, f)
		return nil
	})
}

// LoadIndexFile reads and decodes one index file. When the file was read
// but is damaged, the error is a DamagedIndex (errors.Is ErrIndexDamaged).
func (r *Repository) LoadIndexFile(ctx context.Context, id ID) (*IndexFile, error) {
	body, err := r.LoadFile(ctx, backend.Index, id)
	if errors.Is(err, ErrDamagedFile) {
		return nil, DamagedIndex{ID: id, Err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", id.Str(), err)
	}
	f, err := DecodeIndex(body)
	if err != nil {
		return nil, DamagedIndex{ID: id, Err: err}
	}
	return f, nil
}

// List calls fn with the ID and size of every file of type t. Files whose
// names are not IDs are ignored.
func (r *Repository) List(ctx context.Context, t backend.FileType, fn func(ID, int64) error) error {
	return r.be.List(ctx, t, func(fi backend.FileInfo) error {
		id, err := ParseID(fi.Name)
		if err != nil {
			return nil
		}
		return fn(id, fi.Size)
	})
}

// SaveFile seals body as a file of type t (index, snapshot or lock) and
// stores it under the SHA-256 of its bytes.
func (r *Repository) SaveFile(ctx context.Context, t backend.FileType, body []byte) (ID, error) {
	if t == backend.Index || t == backend.Snapshot {
		if err := r.checkLock(ctx); err != nil {
			return ID{}, err
		}
	}
	data := r.sealFile(string(t), body)
	id := Hash(data)
	if err := r.be.Save(ctx, backend.Handle{Type: t, Name: id.String()}, bytes.NewReader(data), int64(len(data))); err != nil {
		return ID{}, fmt.Errorf("save %s: %w", t, err)
	}
	return id, nil
}

// LoadFile loads, verifies and decrypts a file written by SaveFile.
func (r *Repository) LoadFile(ctx context.Context, t backend.FileType, id ID) ([]byte, error) {
	h := backend.Handle{Type: t, Name: id.String()}
	data, err := backend.LoadAll(ctx, r.be, h)
	if err != nil {
		return nil, err
	}
	if Hash(data) != id {
		return nil, fmt.Errorf("%v: content does not match its name (%w)", h, ErrDamagedFile)
	}
	body, err := r.openFile(string(t), data)
	if err != nil {
		return nil, fmt.Errorf("%v: %w: %w", h, ErrDamagedFile, err)
	}
	return body, nil
}

// ErrDamagedFile is returned by LoadFile when a file's bytes do not match
// its name, or do not decrypt or decompress: the file is damaged, and
// reading it again will not help.
var ErrDamagedFile = errors.New("damaged file")

// SaveBlob stores a blob unless the repository already has it. It returns
// the blob's ID and the number of bytes it added to the repository (0 when
// the blob was known). Blobs are collected into packs of the configured
// size; Flush writes what is left.
func (r *Repository) SaveBlob(ctx context.Context, t BlobType, data []byte) (ID, int, error) {
	return r.store(ctx, t, data, nil, false)
}

// store saves a blob unless it is known: delta, if not nil, builds its
// payload as a delta (returning nil when a full blob is better); otherwise
// the blob is compressed in full. The blob is sealed and added to a pack.
func (r *Repository) store(ctx context.Context, t BlobType, data []byte, delta func(dst []byte) []byte, strong bool) (ID, int, error) {
	if len(data) > maxBlobSize {
		return ID{}, 0, fmt.Errorf("%v blob of %d bytes is too large (the limit is %d)", t, len(data), maxBlobSize)
	}
	if err := r.failed(); err != nil {
		return ID{}, 0, err
	}
	id := r.key.BlobID(data)
	if !r.reserve(id) {
		return id, 0, nil
	}
	b := Blob{Type: t, ID: id, PlainLen: uint32(len(data))}
	bufp := sealBufs.Get().(*[]byte)
	defer sealBufs.Put(bufp)
	var payload []byte
	if delta != nil {
		payload = delta((*bufp)[:0])
	}
	if payload == nil {
		if strong {
			payload = r.codec.compressStrong((*bufp)[:0], data)
		} else {
			payload = r.codec.compress((*bufp)[:0], data)
		}
		r.stats.fullBlobs.Add(1)
		if t == DataBlob {
			r.stats.fullBytes.Add(int64(len(payload)))
		}
	} else {
		copy(b.Base[:], payload[1:1+IDSize])
		r.stats.deltaBlobs.Add(1)
		r.stats.deltaBytes.Add(int64(len(payload)))
		r.stats.deltaPlain.Add(int64(len(data)))
	}
	*bufp = payload
	b.Enc = payload[0]
	sealedp := sealBufs.Get().(*[]byte)
	defer sealBufs.Put(sealedp)
	sealed := r.key.Seal((*sealedp)[:0], payload, blobAAD(t, id))
	*sealedp = sealed
	n := len(sealed)
	if err := r.addToPack(ctx, b, sealed); err != nil {
		r.mu.Lock()
		delete(r.pending, id)
		r.mu.Unlock()
		return id, 0, err
	}
	if r.cache != nil && t == DataBlob && b.Enc != EncDelta {
		r.cache.put(id, sealed) // tomorrow's base
	}
	return id, n, nil
}

// keyframe resolves a delta base candidate to the keyframe a delta must
// use (depth one: the candidate itself, or its base when it is a delta).
func (r *Repository) keyframe(base ID) (PackedBlob, bool) {
	kf, ok := r.idx.Lookup(base)
	if ok && kf.Enc == EncDelta {
		kf, ok = r.idx.Lookup(kf.Base)
	}
	if !ok || kf.Type != DataBlob || kf.Enc == EncDelta {
		return PackedBlob{}, false
	}
	return kf, true
}

// deltaFromInstr builds a delta payload from an instruction stream against
// keyframe kf for a target of n bytes, or returns nil when the delta is
// over the keyframe's share (maxShare) of what the target would cost in
// full: the keyframe's stored size, or less when the target is much
// smaller than its keyframe (estimated at the keyframe's compression
// ratio). Then the target is stored in full and becomes the keyframe of
// its later versions. The second bound matters when the target is much
// smaller than its keyframe: a delta that saves little would still make
// the target, and every later version based on it, depend on a keyframe
// that does not hold its content.
func (r *Repository) deltaFromInstr(dst []byte, kf PackedBlob, instr []byte, n int) []byte {
	dst = append(dst, EncDelta)
	dst = append(dst, kf.ID[:]...)
	dst = r.codec.packDelta(dst, instr)
	limit := float64(kf.Length)
	if kf.PlainLen > 0 {
		limit = min(limit, float64(n)*float64(kf.Length)/float64(kf.PlainLen))
	}
	if float64(len(dst)+Overhead) > r.maxShare(kf.ID)*limit {
		r.stats.tooLarge.Add(1)
		return nil
	}
	return dst
}

// maxShare returns the largest delta against keyframe kf, as a share of
// what its target would cost in full: the configured max_ratio scaled by a
// factor from 0.5 to 1.5 drawn from the keyframe's ID. A delta carries
// every change since its keyframe was written, so it grows day by day
// until the keyframe is replaced; without the factor, the keyframes
// written on one day (a whole database on its first backup) would all be
// replaced on the same later day, and that day would cost a full backup.
// Blob IDs are keyed hashes, so the factors are spread evenly.
func (r *Repository) maxShare(kf ID) float64 {
	return r.cfg.Delta.MaxRatio * (0.5 + float64(binary.BigEndian.Uint16(kf[:2]))/(1<<16))
}

// Piece is a part of a chunk, stored as one blob.
type Piece struct {
	ID    ID
	Len   int // plaintext bytes
	Added int // bytes added to the repository (0 when the blob was known)
}

// Sub-chunking of long literal runs (see SaveChunk).
const literalSplit = 64 << 10

var runParams = chunk.Params{MinSize: 16 << 10, MaxSize: 256 << 10, AvgBits: 16}

// BaseFinder proposes delta bases for the parts of a chunk from the
// previous version of the same source.
type BaseFinder interface {
	// Find returns the blob that piece most likely derives from, judged by
	// its content, or the null ID.
	Find(piece []byte) ID
	// Next returns the blob that followed id in the previous version, or
	// the null ID.
	Next(id ID) ID
	// Prev returns the blob that preceded id in the previous version, or
	// the null ID.
	Prev(id ID) ID
	// Back returns the blob that held the byte n bytes before the start of
	// id in the previous version, or the null ID when that is not known.
	Back(id ID, n int) ID
}

// SaveChunk stores a data chunk. Without a base it is one full blob. With a
// base (the chunk of the previous backup it derives from) it is stored as a
// delta against the base's keyframe, except that content the keyframe does
// not have at all in runs of 64 KiB or more — rows appended since the
// keyframe was written, or a stretch the base does not cover because the
// chunk boundaries moved — is cut out, split at content-defined points and
// stored on its own. Tomorrow's delta then finds those same pieces again
// instead of storing every row appended since the keyframe once more each
// day. bases, if not nil, proposes a base for each such piece (see
// pieceDelta), so that content the previous version has elsewhere costs a
// small delta too. The pieces, in order, make up the chunk.
func (r *Repository) SaveChunk(ctx context.Context, data []byte, base ID, bases BaseFinder) ([]Piece, error) {
	one := func(id ID, n int, err error) ([]Piece, error) {
		if err != nil {
			return nil, err
		}
		return []Piece{{ID: id, Len: len(data), Added: n}}, nil
	}
	if base.IsNull() || !r.cfg.Delta.Enabled {
		return one(r.store(ctx, DataBlob, data, nil, false))
	}
	if id := r.key.BlobID(data); r.known(id) {
		return one(id, 0, nil)
	}
	kfs := &keyframeSet{r: r}
	defer kfs.close()
	e := kfs.pin(ctx, base) // the parts between runs are encoded against it to the end
	if e == nil {
		return one(r.store(ctx, DataBlob, data, nil, false))
	}
	kf, enc := e.kf, e.enc
	ip := plainBufs.Get().(*[]byte)
	defer plainBufs.Put(ip)
	instr, runs := enc.encode((*ip)[:0], data, literalSplit)
	*ip = instr
	if len(runs) == 0 {
		return one(r.store(ctx, DataBlob, data, func(dst []byte) []byte { return r.deltaFromInstr(dst, kf, instr, len(data)) }, false))
	}
	var pieces []Piece
	near := base // where in the previous version the chunk has got to
	keep := func(part []byte, build func([]byte) []byte, strong bool) error {
		id, n, err := r.store(ctx, DataBlob, part, build, strong)
		if err != nil {
			return err
		}
		pieces = append(pieces, Piece{ID: id, Len: len(part), Added: n})
		return nil
	}
	var addRun func(part []byte, split bool) error
	add := func(part []byte, delta bool) error {
		if delta {
			return keep(part, func(dst []byte) []byte {
				ins, _ := enc.encode(nil, part, 0)
				return r.deltaFromInstr(dst, kf, ins, len(part))
			}, false)
		}
		return addRun(part, true)
	}
	// addRun stores a piece of a run (new rows, few bytes: strongly
	// compressed) against the best base the finder proposes. When that
	// base holds only some of the piece — the piece spans what were two
	// blobs of the previous version — the piece is split where the base's
	// content ends, once, and the rest tries the other candidates.
	addRun = func(part []byte, split bool) error {
		if id := r.key.BlobID(part); r.known(id) {
			near = id // a piece of the previous version, found again
			return keep(part, nil, true)
		}
		if bases == nil {
			return keep(part, nil, true)
		}
		cands := r.candidates(bases, part, near)
		gaps := map[ID][]span{} // by keyframe: what of part it does not hold
		payload, used, held := r.pieceDelta(ctx, kfs, part, cands, gaps)
		if !used.IsNull() {
			near = used
		}
		if split && !held {
			if used, gaps := r.bestCover(ctx, kfs, part, cands, gaps); len(gaps) > 0 {
				near = used
				pos := 0
				for _, g := range append(gaps, span{len(part), len(part)}) {
					if g.start > pos {
						seg := part[pos:g.start]
						if err := keep(seg, func(dst []byte) []byte { payload, _ := kfs.delta(ctx, dst, seg, used); return payload }, true); err != nil {
							return err
						}
					}
					if g.end > g.start {
						if err := addRun(part[g.start:g.end], false); err != nil {
							return err
						}
					}
					pos = g.end
				}
				return nil
			}
		}
		var build func([]byte) []byte
		if payload != nil {
			build = func(dst []byte) []byte { return append(dst, payload...) }
		} else {
			r.stats.noBase.Add(1)
		}
		return keep(part, build, true)
	}
	pos := 0
	for _, run := range runs {
		if run.start > pos {
			if err := add(data[pos:run.start], true); err != nil {
				return nil, err
			}
		}
		off := run.start
		for _, part := range chunk.Split(data[run.start:run.end], r.key.Pol, runParams) {
			if run.start == 0 && bases != nil {
				// The chunk begins with content its base does not hold: it
				// was matched by its end, and this content came before the
				// base in the previous version, about as far before it as
				// the run's end is from this part.
				if b := bases.Back(base, run.end-off); !b.IsNull() {
					near = b
				}
			}
			if err := add(part, false); err != nil {
				return nil, err
			}
			off += len(part)
		}
		pos = run.end
	}
	if pos < len(data) {
		if err := add(data[pos:], true); err != nil {
			return nil, err
		}
	}
	r.stats.splitChunks.Add(1)
	return pieces, nil
}

// candidates returns the bases to try for a piece cut out of a chunk: its
// own earlier version by content, then near (the earlier blob the chunk's
// last delta used), the blobs that followed it in the previous version
// with the next two keyframes other than near's, and the blob before it.
// When chunk boundaries move, the middle of a long chunk matches no hint,
// but its content is where the previous version continued. Blobs that
// share near's keyframe are passed over: the pieces of one earlier chunk
// (appended rows cut into several blobs) all have the same keyframe, and
// the content that follows them is in another.
func (r *Repository) candidates(bases BaseFinder, part []byte, near ID) []ID {
	var out []ID
	add := func(c ID) {
		if !c.IsNull() && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	add(bases.Find(part))
	add(near)
	var seen []ID // keyframes of near and of the blobs taken after it
	if kf, ok := r.keyframe(near); ok {
		seen = append(seen, kf.ID)
	}
	next := near
	for step, found := 0, 0; step < maxWalk && found < 2; step++ {
		if next = bases.Next(next); next.IsNull() {
			break
		}
		kf, ok := r.keyframe(next)
		if !ok || slices.Contains(seen, kf.ID) {
			continue
		}
		seen = append(seen, kf.ID)
		add(next)
		found++
	}
	add(bases.Prev(near))
	return out
}

// maxWalk is how many blobs of the previous version candidates looks at
// after near.
const maxWalk = 16

// pieceDelta returns the payload of a piece as a delta against the best of
// cands, and the candidate used; or nil and the null ID when no candidate
// gives a delta small enough (see deltaFromInstr). held reports that the
// candidate's keyframe holds all of the piece but for changes shorter than
// splitRun: no other candidate holds more of it. The first delta that is
// under 1/32 of the piece, or held, is taken at once (a piece whose
// keyframe is weeks old carries weeks of changed rows, yet its own
// keyframe is still its base), else the smallest. What each keyframe tried
// does not hold of the piece is recorded in tried, for bestCover.
func (r *Repository) pieceDelta(ctx context.Context, kfs *keyframeSet, part []byte, cands []ID, tried map[ID][]span) (payload []byte, used ID, held bool) {
	var best []byte
	var bestID ID
	for _, c := range cands {
		kf, ok := r.keyframe(c)
		if !ok {
			continue
		}
		if _, done := tried[kf.ID]; done {
			continue
		}
		payload, gaps := kfs.delta(ctx, nil, part, c)
		tried[kf.ID] = gaps
		if payload == nil || best != nil && len(payload) >= len(best) {
			continue
		}
		if len(gaps) == 0 || len(payload) <= len(part)/32 {
			return payload, c, len(gaps) == 0
		}
		best, bestID = payload, c
	}
	return best, bestID, false
}

// bestCover returns the candidate whose keyframe holds the most of part,
// and the stretches of at least splitRun bytes it does not hold; no
// stretches when no candidate holds splitRun bytes of part. known holds
// the stretches of the keyframes pieceDelta already tried.
func (r *Repository) bestCover(ctx context.Context, kfs *keyframeSet, part []byte, cands []ID, known map[ID][]span) (ID, []span) {
	var best ID
	var bestGaps []span
	most := splitRun - 1
	for _, c := range cands {
		kf, ok := r.keyframe(c)
		if !ok {
			continue
		}
		gaps, done := known[kf.ID]
		if !done {
			gaps = kfs.uncovered(ctx, part, c)
			known[kf.ID] = gaps
		}
		held := len(part)
		for _, g := range gaps {
			held -= g.end - g.start
		}
		if len(gaps) > 0 && held > most {
			best, bestGaps, most = c, gaps, held
		}
	}
	return best, bestGaps
}

// A piece whose best base leaves stretches of at least splitRun bytes
// uncovered is split where they start and end (see SaveChunk).
const splitRun = 4 << 10

// known reports whether a blob is stored or being stored.
func (r *Repository) known(id ID) bool {
	if r.idx.Has(id) {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.pending[id]
	return ok
}

// loadPlain returns the plaintext of a keyframe blob: from the cache when
// it holds a verified copy, else from its pack (and then caches it).
func (r *Repository) loadPlain(ctx context.Context, pb PackedBlob, buf []byte) ([]byte, error) {
	if r.cache != nil {
		if sealed, ok := r.cache.get(pb.ID); ok {
			cp := pb
			cp.Length = uint32(len(sealed))
			plain, err := r.openBlob(ctx, cp, sealed, buf)
			if err == nil && r.key.BlobID(plain) == pb.ID {
				r.stats.cacheHits.Add(1)
				return plain, nil
			}
			r.stats.cacheBad.Add(1)
			r.cache.remove(pb.ID) // corrupt, stale or from another repository
		}
		r.stats.cacheMisses.Add(1)
	}
	sealed, err := r.loadSealed(ctx, pb, "base blob")
	if err != nil {
		return nil, err
	}
	var keep []byte
	if r.cache != nil {
		keep = append([]byte(nil), sealed...)
	}
	plain, err := r.openBlob(ctx, pb, sealed, buf)
	if err != nil {
		return nil, err
	}
	if keep != nil {
		r.cache.put(pb.ID, keep)
	}
	return plain, nil
}

var plainBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2<<20); return &b }}

// keyframePlain loads a keyframe's plaintext into a pooled buffer; release
// returns the buffer (grown, if it had to) to the pool.
func (r *Repository) keyframePlain(ctx context.Context, kf PackedBlob) ([]byte, func(), error) {
	bp := plainBufs.Get().(*[]byte)
	plain, err := r.loadPlain(ctx, kf, (*bp)[:0])
	if err != nil {
		plainBufs.Put(bp)
		return nil, nil, err
	}
	*bp = plain
	return plain, func() { plainBufs.Put(bp) }, nil
}

// SetCache makes the repository keep keyframes in c and read bases from it.
func (r *Repository) SetCache(c *Cache) { r.cache = c }

// Stats counts what the repository did since it was opened.
type Stats struct {
	FullBlobs, DeltaBlobs  int64 // data and tree blobs stored in full, and as deltas
	DeltaBytes, DeltaPlain int64 // payload bytes of the deltas, and the plaintext they encode
	CacheHits, CacheMisses int64 // keyframes read from the cache, and not found there
	CacheBad               int64 // cache entries that failed verification (removed)
	BaseErrors             int64 // bases that could not be read (stored in full instead)
	SplitChunks            int64 // chunks stored as several pieces (long new runs cut out of a delta)
	FullBytes              int64 // payload bytes of data blobs stored in full
	TooLarge               int64 // candidate deltas over the configured share (another base or a full blob was used)
	NoBase                 int64 // pieces of a split chunk stored in full: no earlier version gave a small enough delta
}

type stats struct {
	fullBlobs, deltaBlobs, deltaBytes, deltaPlain atomic.Int64
	cacheHits, cacheMisses, cacheBad, baseErrors  atomic.Int64
	splitChunks, fullBytes, tooLarge, noBase      atomic.Int64
}

// Stats returns the counters.
func (r *Repository) Stats() Stats {
	s := &r.stats
	return Stats{FullBlobs: s.fullBlobs.Load(), DeltaBlobs: s.deltaBlobs.Load(), DeltaBytes: s.deltaBytes.Load(),
		DeltaPlain: s.deltaPlain.Load(), CacheHits: s.cacheHits.Load(), CacheMisses: s.cacheMisses.Load(),
		CacheBad: s.cacheBad.Load(), BaseErrors: s.baseErrors.Load(), SplitChunks: s.splitChunks.Load(), FullBytes: s.fullBytes.Load(),
		TooLarge: s.tooLarge.Load(), NoBase: s.noBase.Load()}
}

var sealBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1<<20); return &b }}

// reserve marks id as being saved; it returns false when the blob is stored
// or being stored already.
func (r *Repository) reserve(id ID) bool {
	if r.idx.Has(id) {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.pending[id]; ok {
		return false
	}
	if r.idx.Has(id) {
		return false
	}
	r.pending[id] = struct{}{}
	return true
}

func (r *Repository) addToPack(ctx context.Context, b Blob, sealed []byte) error {
	r.mu.Lock()
	p := r.packers[b.Type]
	if p == nil {
		var err error
		if p, err = r.newPacker(ctx); err != nil {
			r.mu.Unlock()
			return err
		}
		r.packers[b.Type] = p
	}
	if err := p.add(b, sealed); err != nil {
		delete(r.packers, b.Type)
		err = fmt.Errorf("write pack: %w", err)
		r.packErr = cmp.Or(r.packErr, err)
		r.mu.Unlock()
		r.abortPack(p)
		return err
	}
	if p.size < r.cfg.PackSize {
		r.mu.Unlock()
		return nil
	}
	delete(r.packers, b.Type)
	r.mu.Unlock()
	return r.writePack(ctx, p)
}

// newPacker starts a pack, staged in the backend when it supports that.
// r.mu must be held.
func (r *Repository) newPacker(ctx context.Context) (*packBuilder, error) {
	p := &packBuilder{hash: sha256.New()}
	if st, ok := r.be.(backend.Stager); ok {
		f, err := st.Stage(ctx, backend.Pack)
		if err != nil {
			return nil, err
		}
		p.staged = f
		return p, nil
	}
	if n := len(r.freeBufs); n > 0 {
		p.buf = r.freeBufs[n-1]
		r.freeBufs = r.freeBufs[:n-1]
	} else {
		p.buf = make([]byte, 0, r.cfg.PackSize+r.cfg.PackSize/8)
	}
	return p, nil
}

// failed returns the error of an earlier failed pack write. Blobs of that
// pack were already reported as saved, so nothing saved since can be
// trusted to be complete; the backup must fail.
func (r *Repository) failed() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.packErr
}

// abortPack discards a pack that failed; its blobs are no longer pending.
func (r *Repository) abortPack(p *packBuilder) {
	if p.staged != nil {
		_ = p.staged.Abort()
	}
	r.mu.Lock()
	for _, b := range p.blobs {
		delete(r.pending, b.ID)
	}
	r.mu.Unlock()
}

// writePack stores a finished pack and adds its blobs to the index.
func (r *Repository) writePack(ctx context.Context, p *packBuilder) error {
	id, err := p.finish(r.key)
	if err == nil {
		if p.staged != nil {
			err = p.staged.Commit(ctx, id.String())
		} else {
			h := backend.Handle{Type: backend.Pack, Name: id.String()}
			err = r.be.Save(ctx, h, bytes.NewReader(p.buf), int64(len(p.buf)))
			r.mu.Lock()
			r.freeBufs = append(r.freeBufs, p.buf[:0])
			r.mu.Unlock()
		}
	}
	if err != nil {
		err = fmt.Errorf("save pack %s: %w", id.Str(), err)
		r.mu.Lock()
		r.packErr = cmp.Or(r.packErr, err)
		r.mu.Unlock()
		r.abortPack(p)
		return err
	}
	r.idx.AddPack(id, p.blobs)
	r.mu.Lock()
	for _, b := range p.blobs {
		delete(r.pending, b.ID)
	}
	r.unindexed = append(r.unindexed, IndexPack{ID: id, Blobs: p.blobs})
	full := len(r.unindexed) >= 64
	r.mu.Unlock()
	if full {
		return r.saveIndex(ctx)
	}
	return nil
}

// Flush writes the packs being filled and an index file for every pack not
// yet indexed. After Flush returns, every saved blob is durable and found
// by a new Open.
func (r *Repository) Flush(ctx context.Context) error {
	if err := r.failed(); err != nil {
		return err
	}
	for _, p := range r.takePackers() {
		if err := r.writePack(ctx, p); err != nil {
			return err
		}
	}
	return r.saveIndex(ctx)
}

func (r *Repository) saveIndex(ctx context.Context) error {
	r.mu.Lock()
	packs := r.unindexed
	r.unindexed = nil
	r.mu.Unlock()
	if len(packs) == 0 {
		return nil
	}
	f := &IndexFile{Packs: packs}
	id, err := r.SaveFile(ctx, backend.Index, EncodeIndex(f))
	if err != nil {
		r.mu.Lock()
		r.unindexed = append(packs, r.unindexed...)
		r.mu.Unlock()
		return err
	}
	r.idx.mu.Lock()
	r.idx.files[id] = struct{}{}
	r.idx.mu.Unlock()
	return nil
}

// LoadBlob returns the plaintext of a blob, appended to buf[:0].
func (r *Repository) LoadBlob(ctx context.Context, t BlobType, id ID, buf []byte) ([]byte, error) {
	pb, ok := r.idx.Lookup(id)
	if !ok {
		if d := r.idx.Damaged(); len(d) > 0 {
			return nil, fmt.Errorf("%w: blob %s is not in the index (index file %s is damaged: run 'sqlvault repair index')", ErrBlobMissing, id.Str(), d[0].ID.Str())
		}
		return nil, fmt.Errorf("%w: blob %s is not in the index (if index files were lost, run 'sqlvault repair index' to rebuild it from the packs)", ErrBlobMissing, id.Str())
	}
	if pb.Type != t {
		return nil, fmt.Errorf("blob %s is a %v blob, expected %v", id.Str(), pb.Type, t)
	}
	sealed, err := r.loadSealed(ctx, pb, "blob")
	if err != nil {
		return nil, err
	}
	return r.openBlob(ctx, pb, sealed, buf)
}

// loadSealed reads the sealed bytes of a blob from its pack. A pack that
// is missing or shorter than the index says gives ErrBlobMissing: the
// blob is lost, not the storage unreachable. what names the blob in the
// error ("blob", "base blob").
func (r *Repository) loadSealed(ctx context.Context, pb PackedBlob, what string) ([]byte, error) {
	sealed, err := loadRange(ctx, r.be, backend.Handle{Type: backend.Pack, Name: pb.Pack.String()}, int64(pb.Offset), int64(pb.Length))
	if errors.Is(err, backend.ErrNotExist) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: load %s %s from pack %s: %w", ErrBlobMissing, what, pb.ID.Str(), pb.Pack.Str(), err)
	}
	if err != nil {
		return nil, fmt.Errorf("load %s %s from pack %s: %w", what, pb.ID.Str(), pb.Pack.Str(), err)
	}
	return sealed, nil
}

// openBlob decrypts and decodes a sealed blob described by pb.
func (r *Repository) openBlob(ctx context.Context, pb PackedBlob, sealed, buf []byte) ([]byte, error) {
	if len(sealed) < Overhead {
		return nil, fmt.Errorf("blob %s in pack %s: %w: %d bytes is too short", pb.ID.Str(), pb.Pack.Str(), ErrAuth, len(sealed))
	}
	// Decrypt in place: the plaintext overwrites the ciphertext after the nonce.
	payload, err := r.key.Open(sealed[NonceSize:NonceSize], sealed, blobAAD(pb.Type, pb.ID))
	if err != nil {
		return nil, fmt.Errorf("blob %s in pack %s: %w", pb.ID.Str(), pb.Pack.Str(), err)
	}
	if len(payload) == 0 || payload[0] != pb.Enc {
		return nil, fmt.Errorf("%w: blob %s in pack %s: encoding does not match the index", ErrBlobCorrupt, pb.ID.Str(), pb.Pack.Str())
	}
	if pb.Enc == EncDelta {
		return r.openDelta(ctx, pb, payload, buf)
	}
	out, err := r.codec.decompress(buf[:0], payload, int(pb.PlainLen))
	if err != nil {
		return nil, fmt.Errorf("%w: blob %s in pack %s: %w", ErrBlobCorrupt, pb.ID.Str(), pb.Pack.Str(), err)
	}
	if len(out) != int(pb.PlainLen) {
		return nil, fmt.Errorf("%w: blob %s in pack %s: decoded %d bytes, index says %d", ErrBlobCorrupt, pb.ID.Str(), pb.Pack.Str(), len(out), pb.PlainLen)
	}
	return out, nil
}

// openDelta rebuilds a delta blob from its payload and its keyframe.
func (r *Repository) openDelta(ctx context.Context, pb PackedBlob, payload, buf []byte) ([]byte, error) {
	if len(payload) < 1+IDSize+1 || ID(payload[1:1+IDSize]) != pb.Base {
		return nil, fmt.Errorf("%w: blob %s in pack %s: delta base does not match the index", ErrBlobCorrupt, pb.ID.Str(), pb.Pack.Str())
	}
	kf, ok := r.idx.Lookup(pb.Base)
	if !ok {
		return nil, fmt.Errorf("blob %s in pack %s: %w: its base blob %s is missing", pb.ID.Str(), pb.Pack.Str(), ErrMissingBase, pb.Base.Str())
	}
	if kf.Enc == EncDelta || kf.Type != DataBlob {
		return nil, fmt.Errorf("%w: blob %s in pack %s: its base blob %s is not a data keyframe", ErrBlobCorrupt, pb.ID.Str(), pb.Pack.Str(), pb.Base.Str())
	}
	base, ok := r.plains.get(kf.ID)
	if !ok {
		var err error
		if base, err = r.loadPlain(ctx, kf, make([]byte, 0, kf.PlainLen)); err != nil {
			return nil, fmt.Errorf("blob %s in pack %s: base: %w", pb.ID.Str(), pb.Pack.Str(), err)
		}
		r.plains.put(kf.ID, base)
	}
	ip := plainBufs.Get().(*[]byte)
	defer plainBufs.Put(ip)
	instr, err := r.codec.unpackDelta((*ip)[:0], payload[1+IDSize:], 2*int(pb.PlainLen)+64)
	if err != nil {
		return nil, fmt.Errorf("%w: blob %s in pack %s: delta: %w", ErrBlobCorrupt, pb.ID.Str(), pb.Pack.Str(), err)
	}
	*ip = instr
	out, err := applyDelta(buf[:0], base, instr, int(pb.PlainLen))
	if err != nil {
		return nil, fmt.Errorf("%w: blob %s in pack %s: %w", ErrBlobCorrupt, pb.ID.Str(), pb.Pack.Str(), err)
	}
	if len(out) != int(pb.PlainLen) {
		return nil, fmt.Errorf("%w: blob %s in pack %s: decoded %d bytes, index says %d", ErrBlobCorrupt, pb.ID.Str(), pb.Pack.Str(), len(out), pb.PlainLen)
	}
	return out, nil
}

// ErrBlobMissing is returned when a blob is not in the index or its pack
// is missing or short.
var ErrBlobMissing = errors.New("blob missing")

// ErrBlobCorrupt is returned when an authenticated blob does not decode as
// its index entry says (which points at a bug or a forged index).
var ErrBlobCorrupt = errors.New("blob does not decode")

// ErrMissingBase is returned when a delta blob's base is not in the
// repository.
var ErrMissingBase = errors.New("delta base missing")

// Abort discards the packs being filled, and their temporary files. Call it
// when a backup fails, after every SaveBlob has returned.
func (r *Repository) Abort() {
	for _, p := range r.takePackers() {
		r.abortPack(p)
	}
}

// takePackers removes and returns the packs being filled.
func (r *Repository) takePackers() []*packBuilder {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ps []*packBuilder
	for t, p := range r.packers {
		ps = append(ps, p)
		delete(r.packers, t)
	}
	return ps
}
