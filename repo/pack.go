package repo

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/sqlvault/sqlvault/backend"
)

// BlobType says what a blob holds. Data and tree blobs go to separate packs.
type BlobType uint8

// The blob types.
const (
	DataBlob BlobType = 1 // file or script content
	TreeBlob BlobType = 2 // a directory listing (JSON)
)

func (t BlobType) String() string {
	switch t {
	case DataBlob:
		return "data"
	case TreeBlob:
		return "tree"
	}
	return fmt.Sprintf("blobtype(%d)", t)
}

// Blob describes one blob stored in a pack, as listed in the pack header
// and the index. Both are binary in the repository; the JSON tags are for
// 'sqlvault cat' only.
type Blob struct {
	Type     BlobType `json:"type"`
	Enc      byte     `json:"enc"` // EncRaw, EncZstd or EncDelta
	ID       ID       `json:"id"`
	Base     ID       `json:"base,omitzero"` // the base blob when Enc is EncDelta
	Offset   uint32   `json:"offset"`        // where the sealed blob starts in the pack
	Length   uint32   `json:"length"`        // sealed length
	PlainLen uint32   `json:"plain_len"`     // plaintext length
}

const (
	packHeaderVersion = 1
	packEntrySize     = 1 + 1 + 4 + 4 + IDSize // without base
	packTrailerSize   = 4
	maxPackHeader     = 16 << 20
	packHeaderAAD     = "sqlvault packheader"
)

// blobAAD binds a sealed blob to its type and ID.
func blobAAD(t BlobType, id ID) []byte {
	aad := make([]byte, 1+IDSize)
	aad[0] = byte(t)
	copy(aad[1:], id[:])
	return aad
}

// encodePackHeader returns the plaintext pack header.
func encodePackHeader(blobs []Blob) []byte {
	buf := make([]byte, 1, 1+len(blobs)*(packEntrySize+IDSize))
	buf[0] = packHeaderVersion
	for _, b := range blobs {
		buf = append(buf, byte(b.Type), b.Enc)
		buf = binary.LittleEndian.AppendUint32(buf, b.Length)
		buf = binary.LittleEndian.AppendUint32(buf, b.PlainLen)
		buf = append(buf, b.ID[:]...)
		if b.Enc == EncDelta {
			buf = append(buf, b.Base[:]...)
		}
	}
	return buf
}

// DecodePackHeader parses a plaintext pack header. Offsets are computed
// from the lengths, so blobs are contiguous from the start of the pack;
// headerOffset is where the sealed header starts and bounds them.
func DecodePackHeader(buf []byte, headerOffset int64) ([]Blob, error) {
	if len(buf) < 1 || buf[0] != packHeaderVersion {
		return nil, fmt.Errorf("pack header: unknown version")
	}
	buf = buf[1:]
	var blobs []Blob
	var off int64
	for len(buf) > 0 {
		if len(buf) < packEntrySize {
			return nil, fmt.Errorf("pack header: truncated entry")
		}
		b := Blob{Type: BlobType(buf[0]), Enc: buf[1]}
		b.Length = binary.LittleEndian.Uint32(buf[2:])
		b.PlainLen = binary.LittleEndian.Uint32(buf[6:])
		copy(b.ID[:], buf[10:10+IDSize])
		buf = buf[packEntrySize:]
		if b.Type != DataBlob && b.Type != TreeBlob {
			return nil, fmt.Errorf("pack header: blob %v has unknown type %d", b.ID.Str(), b.Type)
		}
		switch b.Enc {
		case EncRaw, EncZstd:
		case EncDelta:
			if len(buf) < IDSize {
				return nil, fmt.Errorf("pack header: truncated base ID")
			}
			copy(b.Base[:], buf[:IDSize])
			buf = buf[IDSize:]
		default:
			return nil, fmt.Errorf("pack header: blob %v has unknown encoding %d", b.ID.Str(), b.Enc)
		}
		if b.Length < Overhead+1 || b.PlainLen > maxBlobSize {
			return nil, fmt.Errorf("pack header: blob %v has invalid length", b.ID.Str())
		}
		b.Offset = uint32(off)
		off += int64(b.Length)
		if off > headerOffset {
			return nil, fmt.Errorf("pack header: blobs extend past the header")
		}
		blobs = append(blobs, b)
	}
	return blobs, nil
}

// packBuilder collects sealed blobs for one pack: written straight to a
// staged backend file when the backend can, else into memory.
type packBuilder struct {
	staged backend.Staged // nil: the pack is built in buf
	buf    []byte
	hash   hash.Hash // SHA-256 of the bytes so far: the pack's name
	size   int
	blobs  []Blob
}

func (p *packBuilder) write(b []byte) error {
	if p.staged != nil {
		if _, err := p.staged.Write(b); err != nil {
			return err
		}
	} else {
		p.buf = append(p.buf, b...)
	}
	p.hash.Write(b)
	p.size += len(b)
	return nil
}

func (p *packBuilder) add(b Blob, sealed []byte) error {
	b.Offset = uint32(p.size)
	b.Length = uint32(len(sealed))
	if err := p.write(sealed); err != nil {
		return err
	}
	p.blobs = append(p.blobs, b)
	return nil
}

// finish writes the sealed header and trailer and returns the pack's ID.
func (p *packBuilder) finish(key *MasterKey) (ID, error) {
	header := key.Seal(nil, encodePackHeader(p.blobs), []byte(packHeaderAAD))
	header = binary.LittleEndian.AppendUint32(header, uint32(len(header)))
	if err := p.write(header); err != nil {
		return ID{}, err
	}
	var id ID
	p.hash.Sum(id[:0])
	return id, nil
}

// ErrPackDamaged marks a pack whose header is not readable: too short, a
// bad header length, or a header that does not decode. (A header that
// does not decrypt is ErrAuth.)
var ErrPackDamaged = errors.New("pack is damaged")

// ReadPackHeader loads and decrypts the header of a pack.
func ReadPackHeader(ctx context.Context, be backend.Backend, key *MasterKey, id ID) ([]Blob, int64, error) {
	h := backend.Handle{Type: backend.Pack, Name: id.String()}
	fi, err := be.Stat(ctx, h)
	if err != nil {
		return nil, 0, err
	}
	size := fi.Size
	if size < packTrailerSize+Overhead {
		return nil, size, fmt.Errorf("pack %v: %w: %d bytes is too short", id.Str(), ErrPackDamaged, size)
	}
	// Most headers are small: read a tail that usually holds all of it.
	tailLen := min(size, 64<<10)
	tail, err := loadRange(ctx, be, h, size-tailLen, tailLen)
	if err != nil {
		return nil, size, err
	}
	hlen := int64(binary.LittleEndian.Uint32(tail[len(tail)-packTrailerSize:]))
	if hlen < Overhead+1 || hlen > maxPackHeader || hlen > size-packTrailerSize {
		return nil, size, fmt.Errorf("pack %v: %w: invalid header length %d", id.Str(), ErrPackDamaged, hlen)
	}
	var sealed []byte
	if hlen+packTrailerSize <= tailLen {
		sealed = tail[tailLen-packTrailerSize-hlen : tailLen-packTrailerSize]
	} else {
		sealed, err = loadRange(ctx, be, h, size-packTrailerSize-hlen, hlen)
		if err != nil {
			return nil, size, err
		}
	}
	plain, err := key.Open(nil, sealed, []byte(packHeaderAAD))
	if err != nil {
		return nil, size, fmt.Errorf("pack %v: header: %w", id.Str(), err)
	}
	blobs, err := DecodePackHeader(plain, size-packTrailerSize-hlen)
	if err != nil {
		return nil, size, fmt.Errorf("pack %v: %w: %w", id.Str(), ErrPackDamaged, err)
	}
	return blobs, size, nil
}

func loadRange(ctx context.Context, be backend.Backend, h backend.Handle, off, n int64) ([]byte, error) {
	rd, err := be.Load(ctx, h, off, n)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	buf := make([]byte, n)
	if _, err := io.ReadFull(rd, buf); err != nil {
		return nil, fmt.Errorf("read %v at %d: %w", h, off, err)
	}
	return buf, nil
}
