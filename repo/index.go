package repo

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"sync"
)

// ErrIndexDamaged marks an index file that cannot be read: its content does
// not match its name, it does not decrypt, or it does not decode.
var ErrIndexDamaged = errors.New("index file is damaged")

// DamagedIndex is an index file that LoadIndex skipped because it is
// damaged. The blobs only it named are missing until the index is rebuilt
// from the packs (Repository.RepairIndex).
type DamagedIndex struct {
	ID  ID
	Err error
}

func (d DamagedIndex) Error() string {
	return fmt.Sprintf("index file %s is damaged (%v)", d.ID.Str(), d.Err)
}

// Unwrap lets errors.Is find ErrIndexDamaged.
func (d DamagedIndex) Unwrap() []error { return []error{ErrIndexDamaged, d.Err} }

// PackedBlob is a blob together with the pack that holds it.
type PackedBlob struct {
	Blob
	Pack ID
}

// IndexFile is the content of one index/<id> file: the blobs of some packs,
// and the index files it replaces (written by prune).
// The file is binary (EncodeIndex); the JSON tags are for 'sqlvault cat'.
type IndexFile struct {
	Supersedes []ID        `json:"supersedes"`
	Packs      []IndexPack `json:"packs"`
}

// IndexPack lists the blobs of one pack.
type IndexPack struct {
	ID    ID     `json:"id"`
	Blobs []Blob `json:"blobs"`
}

const indexVersion = 1

// EncodeIndex returns the plaintext body of an index file.
func EncodeIndex(f *IndexFile) []byte {
	buf := []byte{indexVersion}
	buf = binary.AppendUvarint(buf, uint64(len(f.Supersedes)))
	for _, id := range f.Supersedes {
		buf = append(buf, id[:]...)
	}
	buf = binary.AppendUvarint(buf, uint64(len(f.Packs)))
	for _, p := range f.Packs {
		buf = append(buf, p.ID[:]...)
		buf = binary.AppendUvarint(buf, uint64(len(p.Blobs)))
		for _, b := range p.Blobs {
			buf = append(buf, byte(b.Type), b.Enc)
			buf = binary.AppendUvarint(buf, uint64(b.Offset))
			buf = binary.AppendUvarint(buf, uint64(b.Length))
			buf = binary.AppendUvarint(buf, uint64(b.PlainLen))
			buf = append(buf, b.ID[:]...)
			if b.Enc == EncDelta {
				buf = append(buf, b.Base[:]...)
			}
		}
	}
	return buf
}

// DecodeIndex parses the plaintext body of an index file.
func DecodeIndex(buf []byte) (*IndexFile, error) {
	d := decoder{buf: buf}
	if v := d.byte(); v != indexVersion {
		return nil, fmt.Errorf("index: unknown version %d", v)
	}
	f := &IndexFile{}
	n := d.count(IDSize)
	for i := 0; i < n && d.err == nil; i++ {
		f.Supersedes = append(f.Supersedes, d.id())
	}
	np := d.count(IDSize + 1)
	for i := 0; i < np && d.err == nil; i++ {
		p := IndexPack{ID: d.id()}
		nb := d.count(2 + 3 + IDSize)
		for j := 0; j < nb && d.err == nil; j++ {
			b := Blob{Type: BlobType(d.byte()), Enc: d.byte()}
			b.Offset = d.uint32()
			b.Length = d.uint32()
			b.PlainLen = d.uint32()
			b.ID = d.id()
			if b.Enc == EncDelta {
				b.Base = d.id()
			}
			if d.err == nil {
				if b.Type != DataBlob && b.Type != TreeBlob {
					d.err = fmt.Errorf("blob %v has unknown type %d", b.ID.Str(), b.Type)
				} else if b.Enc > EncDelta {
					d.err = fmt.Errorf("blob %v has unknown encoding %d", b.ID.Str(), b.Enc)
				} else if b.PlainLen > maxBlobSize || b.Length < Overhead+1 {
					d.err = fmt.Errorf("blob %v has invalid length", b.ID.Str())
				}
			}
			p.Blobs = append(p.Blobs, b)
		}
		f.Packs = append(f.Packs, p)
	}
	if d.err == nil && len(d.buf) != 0 {
		d.err = fmt.Errorf("%d trailing bytes", len(d.buf))
	}
	if d.err != nil {
		return nil, fmt.Errorf("index: %w", d.err)
	}
	return f, nil
}

// decoder reads the binary encodings of index files; the first error sticks.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("truncated %s", what)
	}
	d.buf = nil
}

func (d *decoder) byte() byte {
	if len(d.buf) < 1 {
		d.fail("byte")
		return 0
	}
	b := d.buf[0]
	d.buf = d.buf[1:]
	return b
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail("number")
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) uint32() uint32 {
	v := d.uvarint()
	if v > 1<<32-1 {
		if d.err == nil {
			d.err = fmt.Errorf("number %d out of range", v)
		}
		return 0
	}
	return uint32(v)
}

// count reads an element count and checks that the remaining input could
// hold that many elements of at least minSize bytes, so a corrupt count
// cannot make the decoder allocate without bound.
func (d *decoder) count(minSize int) int {
	v := d.uvarint()
	if d.err == nil && v > uint64(len(d.buf)/minSize) {
		d.err = fmt.Errorf("count %d exceeds the data", v)
		d.buf = nil
		return 0
	}
	return int(v)
}

func (d *decoder) id() ID {
	var id ID
	if len(d.buf) < IDSize {
		d.fail("ID")
		return id
	}
	copy(id[:], d.buf)
	d.buf = d.buf[IDSize:]
	return id
}

// Index is the in-memory map from blob ID to where it is stored, built from
// all index files. It is safe for concurrent use.
type Index struct {
	mu    sync.RWMutex
	packs []ID            // pack IDs, referenced by position
	pos   map[ID]int      // pack ID -> position in packs
	blobs map[ID]entry    // blob ID -> location
	bases map[ID]ID       // delta blob ID -> base blob ID
	files map[ID]struct{} // index files loaded
	bad   map[ID]error    // index files skipped as damaged
}

type entry struct {
	pack     uint32
	offset   uint32
	length   uint32
	plainLen uint32
	typ      BlobType
	enc      byte
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{pos: map[ID]int{}, blobs: map[ID]entry{}, bases: map[ID]ID{}, files: map[ID]struct{}{}, bad: map[ID]error{}}
}

// AddPack records the blobs of one pack.
func (x *Index) AddPack(pack ID, blobs []Blob) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.addPack(pack, blobs)
}

func (x *Index) addPack(pack ID, blobs []Blob) {
	p, ok := x.pos[pack]
	if !ok {
		p = len(x.packs)
		x.packs = append(x.packs, pack)
		x.pos[pack] = p
	}
	for _, b := range blobs {
		if old, dup := x.blobs[b.ID]; dup && !(old.enc == EncDelta && b.Enc != EncDelta) {
			continue // the same blob in two packs: the first one serves, unless a full copy can replace a delta
		}
		if b.Enc != EncDelta {
			delete(x.bases, b.ID)
		}
		x.blobs[b.ID] = entry{pack: uint32(p), offset: b.Offset, length: b.Length, plainLen: b.PlainLen, typ: b.Type, enc: b.Enc}
		if b.Enc == EncDelta {
			x.bases[b.ID] = b.Base
		}
	}
}

// AddFile records an index file's packs under the file's ID.
func (x *Index) AddFile(id ID, f *IndexFile) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.files[id] = struct{}{}
	for _, p := range f.Packs {
		x.addPack(p.ID, p.Blobs)
	}
}

// Has reports whether the blob is stored.
func (x *Index) Has(id ID) bool {
	x.mu.RLock()
	_, ok := x.blobs[id]
	x.mu.RUnlock()
	return ok
}

// Lookup returns where a blob is stored.
func (x *Index) Lookup(id ID) (PackedBlob, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	e, ok := x.blobs[id]
	if !ok {
		return PackedBlob{}, false
	}
	return x.packed(id, e), true
}

func (x *Index) packed(id ID, e entry) PackedBlob {
	pb := PackedBlob{Pack: x.packs[e.pack], Blob: Blob{Type: e.typ, Enc: e.enc, ID: id, Offset: e.offset, Length: e.length, PlainLen: e.plainLen}}
	if e.enc == EncDelta {
		pb.Base = x.bases[id]
	}
	return pb
}

// Len returns the number of blobs.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.blobs)
}

// Each calls fn for every blob, in no particular order. fn must not call
// methods of x.
func (x *Index) Each(fn func(PackedBlob)) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	for id, e := range x.blobs {
		fn(x.packed(id, e))
	}
}

// Packs returns the IDs of all packs in the index.
func (x *Index) Packs() []ID {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return append([]ID(nil), x.packs...)
}

// Files returns the IDs of the index files loaded.
func (x *Index) Files() []ID {
	x.mu.RLock()
	defer x.mu.RUnlock()
	ids := make([]ID, 0, len(x.files))
	for id := range x.files {
		ids = append(ids, id)
	}
	return ids
}

// addDamaged records an index file that could not be read.
func (x *Index) addDamaged(id ID, err error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.bad[id] = err
}

// Damaged returns the index files that were skipped as damaged, sorted by
// ID.
func (x *Index) Damaged() []DamagedIndex {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]DamagedIndex, 0, len(x.bad))
	for id, err := range x.bad {
		out = append(out, DamagedIndex{ID: id, Err: err})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID.String() < out[j].ID.String() })
	return out
}
