// Package chunk cuts streams into content-defined chunks with
// github.com/restic/chunker, so that an insertion or change in the middle of
// a stream changes only the chunks around it.
package chunk

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/restic/chunker"
)

// Params are the chunking parameters stored in the repository config. The
// polynomial is secret and lives in the master key.
type Params struct {
	MinSize uint `json:"min_size"`
	MaxSize uint `json:"max_size"`
	AvgBits int  `json:"average_bits"` // average chunk size is 2^AvgBits
}

// DefaultParams match restic's: 512 KiB minimum, 1 MiB average, 8 MiB
// maximum.
var DefaultParams = Params{MinSize: 512 << 10, MaxSize: 8 << 20, AvgBits: 20}

// Validate checks that the parameters are usable.
func (p Params) Validate() error {
	if p.MinSize < 64 || p.MaxSize < p.MinSize || p.MaxSize > 32<<20 || p.AvgBits < 10 || p.AvgBits > 24 || uint(1)<<p.AvgBits > p.MaxSize {
		return fmt.Errorf("invalid chunker parameters: min %d, max %d, average bits %d", p.MinSize, p.MaxSize, p.AvgBits)
	}
	return nil
}

// RandomPolynomial returns a random irreducible polynomial for a new
// repository.
func RandomPolynomial() (uint64, error) {
	p, err := chunker.RandomPolynomial()
	if err != nil {
		return 0, fmt.Errorf("chunker polynomial: %w", err)
	}
	return uint64(p), nil
}

// TestPolynomial is a fixed irreducible polynomial (restic/chunker's own
// test polynomial) for repositories whose chunk boundaries must not vary
// between runs: tests and benchmarks.
const TestPolynomial uint64 = 0x3DA3358B4DC173

// CheckPolynomial returns an error unless pol is an irreducible polynomial
// of degree 53, as the chunker needs.
func CheckPolynomial(pol uint64) error {
	p := chunker.Pol(pol)
	if p.Deg() != 53 || !p.Irreducible() {
		return fmt.Errorf("chunker polynomial %#x is not an irreducible polynomial of degree 53", pol)
	}
	return nil
}

// Chunker splits one stream.
type Chunker struct {
	c *chunker.Chunker
}

// New returns a chunker over rd with polynomial pol.
func New(rd io.Reader, pol uint64, p Params) *Chunker {
	c := chunker.NewWithBoundaries(rd, chunker.Pol(pol), p.MinSize, p.MaxSize)
	c.SetAverageBits(p.AvgBits)
	return &Chunker{c: c}
}

// Next returns the next chunk, stored in buf when it fits (buf should have
// capacity MaxSize), or io.EOF at the end of the stream.
func (c *Chunker) Next(buf []byte) ([]byte, error) {
	ch, err := c.c.Next(buf)
	if errors.Is(err, io.EOF) {
		return nil, io.EOF
	}
	if err != nil {
		return nil, err
	}
	return ch.Data, nil
}

// Split cuts data, already in memory, into content-defined pieces with
// parameters p and returns sub-slices of data (no copies).
func Split(data []byte, pol uint64, p Params) [][]byte {
	c := chunker.NewWithBoundaries(bytes.NewReader(data), chunker.Pol(pol), p.MinSize, p.MaxSize)
	c.SetAverageBits(p.AvgBits)
	var out [][]byte
	var scratch []byte
	off := 0
	for {
		ch, err := c.Next(scratch[:0])
		if err != nil { // io.EOF: a bytes.Reader fails with nothing else
			return out
		}
		scratch = ch.Data
		out = append(out, data[off:off+int(ch.Length)])
		off += int(ch.Length)
	}
}
