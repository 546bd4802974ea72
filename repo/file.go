package repo

import (
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Encodings of a blob's or file's payload, stored in the first byte of the
// plaintext inside the encryption.
const (
	EncRaw   byte = 0 // stored as is
	EncZstd  byte = 1 // zstd frame
	EncDelta byte = 2 // zstd frame compressed with the base blob as raw dictionary; base ID follows
)

// codec holds the zstd encoder and decoder shared by all goroutines; both
// are safe for concurrent EncodeAll/DecodeAll.
type codec struct {
	enc *zstd.Encoder
	dec *zstd.Decoder

	// strong compresses the small volume of what only delta days write:
	// delta instruction streams and runs of new rows. Made on first use.
	strongOnce  sync.Once
	strong      *zstd.Encoder
	concurrency int
}

func newCodec(level zstd.EncoderLevel, concurrency int) (*codec, error) {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(level), zstd.WithEncoderConcurrency(concurrency),
		zstd.WithEncoderCRC(false), zstd.WithZeroFrames(true), zstd.WithLowerEncoderMem(true),
		zstd.WithWindowSize(encoderWindow))
	if err != nil {
		return nil, fmt.Errorf("init zstd encoder: %w", err)
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(concurrency), zstd.WithDecoderMaxMemory(maxBlobSize+1<<20),
		zstd.WithDecoderLowmem(true))
	if err != nil {
		return nil, fmt.Errorf("init zstd decoder: %w", err)
	}
	return &codec{enc: enc, dec: dec, concurrency: concurrency}, nil
}

// compressStrong is compress at zstd's better level, for the few bytes a
// delta day writes: there, every byte saved is a share of the day's growth,
// and the volume is too small for the time to matter.
func (c *codec) compressStrong(dst, plain []byte) []byte {
	c.strongOnce.Do(func() {
		c.strong, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBetterCompression), zstd.WithEncoderConcurrency(c.concurrency),
			zstd.WithEncoderCRC(false), zstd.WithZeroFrames(true), zstd.WithLowerEncoderMem(true), zstd.WithWindowSize(encoderWindow))
	})
	if c.strong == nil {
		return c.compress(dst, plain)
	}
	return compressWith(c.strong, dst, plain)
}

// maxBlobSize bounds a blob's plaintext; chunks are at most 8 MiB, tree
// blobs are split well below this.
const maxBlobSize = 64 << 20

// compress appends the encoding byte and the payload for plain to dst:
// zstd when it shrinks the data, raw otherwise.
func (c *codec) compress(dst, plain []byte) []byte { return compressWith(c.enc, dst, plain) }

// compressWith appends EncZstd and plain compressed by enc to dst, or
// EncRaw and plain when compression does not shrink it.
func compressWith(enc *zstd.Encoder, dst, plain []byte) []byte {
	start := len(dst)
	dst = append(dst, EncZstd)
	dst = enc.EncodeAll(plain, dst)
	if len(dst)-start-1 >= len(plain) {
		dst = append(dst[:start], EncRaw)
		dst = append(dst, plain...)
	}
	return dst
}

// decompress decodes a payload made by compress (no delta) and appends the
// plaintext to dst, refusing more than limit bytes.
func (c *codec) decompress(dst, payload []byte, limit int) ([]byte, error) {
	if len(payload) == 0 {
		return nil, fmt.Errorf("empty payload")
	}
	switch payload[0] {
	case EncRaw:
		if len(payload)-1 > limit {
			return nil, fmt.Errorf("payload of %d bytes exceeds limit %d", len(payload)-1, limit)
		}
		return append(dst, payload[1:]...), nil
	case EncZstd:
		out, err := c.dec.DecodeAll(payload[1:], dst)
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		if len(out)-len(dst) > limit {
			return nil, fmt.Errorf("payload decodes to %d bytes, exceeds limit %d", len(out)-len(dst), limit)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("unknown encoding %d", payload[0])
	}
}

// sealFile encrypts a repository file (config body, index, snapshot, lock):
// the body is compressed and sealed with the file type as additional data,
// so a file of one type can never be read as another.
func (r *Repository) sealFile(t string, body []byte) []byte {
	payload := r.codec.compress(nil, body)
	return r.key.Seal(nil, payload, []byte("sqlvault "+t))
}

// openFile reverses sealFile.
func (r *Repository) openFile(t string, data []byte) ([]byte, error) {
	payload, err := r.key.Open(nil, data, []byte("sqlvault "+t))
	if err != nil {
		return nil, err
	}
	return r.codec.decompress(nil, payload, 1<<30)
}

// encoderWindow bounds how far back zstd looks for matches. Each encoder
// keeps about twice this much history, so it sets the codec's memory; chunks
// average 1 MiB, so a larger window gains little.
const encoderWindow = 2 << 20
