package chunk

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand"
	"strings"
	"testing"
)

// testPol is an irreducible polynomial (restic's test polynomial).
const testPol = 0x3DA3358B4DC173

// smallParams keep tests fast: chunks of 2 to 64 KiB, 8 KiB on average.
var smallParams = Params{MinSize: 2 << 10, MaxSize: 64 << 10, AvgBits: 13}

func pseudoRandom(seed int64, n int) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

func chunks(t *testing.T, data []byte, pol uint64, p Params) [][]byte {
	t.Helper()
	c := New(bytes.NewReader(data), pol, p)
	var out [][]byte
	buf := make([]byte, 0, p.MaxSize)
	for {
		ch, err := c.Next(buf)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		out = append(out, append([]byte(nil), ch...))
	}
	// After EOF, Next keeps returning EOF.
	if _, err := c.Next(buf); err != io.EOF {
		t.Fatalf("Next after EOF: %v", err)
	}
	return out
}

func hashes(cs [][]byte) [][32]byte {
	h := make([][32]byte, len(cs))
	for i, c := range cs {
		h[i] = sha256.Sum256(c)
	}
	return h
}

func TestChunksReassemble(t *testing.T) {
	data := pseudoRandom(1, 2<<20)
	cs := chunks(t, data, testPol, smallParams)
	if got := bytes.Join(cs, nil); !bytes.Equal(got, data) {
		t.Fatal("chunks do not reassemble to the input")
	}
	// 2 MiB in chunks of 8 KiB on average: far more than one chunk.
	if len(cs) < 100 || len(cs) > 1000 {
		t.Fatalf("%d chunks for 2 MiB with an 8 KiB average", len(cs))
	}
}

func TestChunkerDeterministic(t *testing.T) {
	data := pseudoRandom(2, 1<<20)
	a := hashes(chunks(t, data, testPol, smallParams))
	b := hashes(chunks(t, data, testPol, smallParams))
	if len(a) != len(b) {
		t.Fatalf("%d chunks, then %d", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("chunk %d differs between two runs", i)
		}
	}
	// Another polynomial cuts elsewhere: boundaries depend on the secret.
	pol, err := RandomPolynomial()
	if err != nil {
		t.Fatal(err)
	}
	c := hashes(chunks(t, data, pol, smallParams))
	same := 0
	set := map[[32]byte]bool{}
	for _, h := range a {
		set[h] = true
	}
	for _, h := range c {
		if set[h] {
			same++
		}
	}
	if same > len(a)/10 {
		t.Fatalf("%d of %d chunks shared between two polynomials", same, len(a))
	}
}

func TestChunkBoundariesRespectMinMax(t *testing.T) {
	for name, data := range map[string][]byte{
		"random": pseudoRandom(3, 3<<20),
		// A window of zeros has fingerprint 0, which always matches the
		// split mask: every chunk is cut at the minimum.
		"zeros": make([]byte, 1<<20),
	} {
		cs := chunks(t, data, testPol, smallParams)
		for i, c := range cs {
			if uint(len(c)) > smallParams.MaxSize {
				t.Errorf("%s: chunk %d is %d bytes, over the maximum", name, i, len(c))
			}
			if i < len(cs)-1 && uint(len(c)) < smallParams.MinSize {
				t.Errorf("%s: chunk %d is %d bytes, under the minimum", name, i, len(c))
			}
		}
		if name == "zeros" {
			if len(cs) != 512 || len(cs[0]) != 2<<10 || len(cs[511]) != 2<<10 {
				t.Errorf("zeros: %d chunks of %d bytes, want 512 of 2 KiB", len(cs), len(cs[0]))
			}
		}
	}
	// Input shorter than the minimum is one chunk; empty input none.
	if cs := chunks(t, []byte("short"), testPol, smallParams); len(cs) != 1 || string(cs[0]) != "short" {
		t.Fatalf("short input: %q", cs)
	}
	if cs := chunks(t, nil, testPol, smallParams); len(cs) != 0 {
		t.Fatalf("empty input: %d chunks", len(cs))
	}
}

func TestChunkAverageFollowsParams(t *testing.T) {
	data := pseudoRandom(4, 8<<20)
	for _, bits := range []int{12, 14} {
		p := Params{MinSize: 1 << 10, MaxSize: 1 << 20, AvgBits: bits}
		cs := chunks(t, data, testPol, p)
		avg := len(data) / len(cs)
		want := 1<<bits + int(p.MinSize) // cut points start after the minimum
		if avg < want/2 || avg > want*2 {
			t.Errorf("average bits %d: average chunk %d bytes, want about %d", bits, avg, want)
		}
	}
}

func TestInsertionChangesOnlyNearbyChunks(t *testing.T) {
	data := pseudoRandom(5, 2<<20)
	mid := len(data) / 2
	changed := append(append(append([]byte(nil), data[:mid]...), []byte("INSERTED 17 BYTES")...), data[mid:]...)
	before := hashes(chunks(t, data, testPol, smallParams))
	after := hashes(chunks(t, changed, testPol, smallParams))
	set := map[[32]byte]bool{}
	for _, h := range before {
		set[h] = true
	}
	newChunks := 0
	for _, h := range after {
		if !set[h] {
			newChunks++
		}
	}
	// Only the chunk holding the insertion (and perhaps its neighbour)
	// changes.
	if newChunks < 1 || newChunks > 3 {
		t.Fatalf("%d of %d chunks changed by one insertion", newChunks, len(after))
	}
	if len(after) < len(before)-2 || len(after) > len(before)+2 {
		t.Fatalf("chunk count went from %d to %d", len(before), len(after))
	}
	// The same for a change at the very start.
	changed = append([]byte("X"), data...)
	after = hashes(chunks(t, changed, testPol, smallParams))
	newChunks = 0
	for _, h := range after {
		if !set[h] {
			newChunks++
		}
	}
	if newChunks > 3 {
		t.Fatalf("%d chunks changed by a one-byte prefix", newChunks)
	}
}

func TestDefaultParams(t *testing.T) {
	if DefaultParams != (Params{MinSize: 512 << 10, MaxSize: 8 << 20, AvgBits: 20}) {
		t.Fatalf("DefaultParams = %+v", DefaultParams)
	}
	if err := DefaultParams.Validate(); err != nil {
		t.Fatal(err)
	}
	data := pseudoRandom(6, 6<<20)
	cs := chunks(t, data, testPol, DefaultParams)
	if !bytes.Equal(bytes.Join(cs, nil), data) {
		t.Fatal("chunks do not reassemble")
	}
	for i, c := range cs[:len(cs)-1] {
		if len(c) < 512<<10 {
			t.Fatalf("chunk %d is %d bytes", i, len(c))
		}
	}
}

func TestParamsValidate(t *testing.T) {
	for _, p := range []Params{
		{MinSize: 64, MaxSize: 1024, AvgBits: 10},
		{MinSize: 1 << 20, MaxSize: 32 << 20, AvgBits: 24},
		{MinSize: 4096, MaxSize: 4096, AvgBits: 12},
		smallParams,
	} {
		if err := p.Validate(); err != nil {
			t.Errorf("Validate(%+v): %v", p, err)
		}
	}
	for _, p := range []Params{
		{MinSize: 63, MaxSize: 1024, AvgBits: 10},       // minimum below the window
		{MinSize: 2048, MaxSize: 1024, AvgBits: 10},     // max < min
		{MinSize: 64, MaxSize: 32<<20 + 1, AvgBits: 20}, // max too large
		{MinSize: 64, MaxSize: 1 << 20, AvgBits: 9},     // average too small
		{MinSize: 64, MaxSize: 32 << 20, AvgBits: 25},   // average too large
		{MinSize: 64, MaxSize: 1<<12 - 1, AvgBits: 12},  // average above max
		{}, // zero
		{MinSize: 64, MaxSize: 1 << 20, AvgBits: -1},        // negative
		{MinSize: 64, MaxSize: 1 << 20, AvgBits: 1 << 30},   // huge shift
		{MinSize: 1 << 20, MaxSize: 1 << 20, AvgBits: 21},   // average above max
		{MinSize: 512 << 10, MaxSize: 8 << 20, AvgBits: 24}, // average above max
	} {
		err := p.Validate()
		if err == nil {
			t.Errorf("Validate(%+v) accepted", p)
			continue
		}
		if !strings.Contains(err.Error(), "invalid chunker parameters") {
			t.Errorf("Validate(%+v): %v", p, err)
		}
	}
	err := Params{MinSize: 1, MaxSize: 2, AvgBits: 3}.Validate()
	if err == nil || err.Error() != "invalid chunker parameters: min 1, max 2, average bits 3" {
		t.Fatalf("error text %v", err)
	}
}

func TestRandomPolynomial(t *testing.T) {
	a, err := RandomPolynomial()
	if err != nil {
		t.Fatal(err)
	}
	b, err := RandomPolynomial()
	if err != nil {
		t.Fatal(err)
	}
	if a == b || a == 0 {
		t.Fatalf("polynomials %#x and %#x", a, b)
	}
	// Degree 53, as the chunker requires.
	if a>>53 != 1 {
		t.Fatalf("polynomial %#x is not of degree 53", a)
	}
}

type errReader struct{ after int }

func (r *errReader) Read(p []byte) (int, error) {
	if r.after == 0 {
		return 0, errors.New("disk read failed")
	}
	n := min(len(p), r.after)
	for i := range p[:n] {
		p[i] = byte(i * 7)
	}
	r.after -= n
	return n, nil
}

func TestReadErrorIsReturned(t *testing.T) {
	c := New(&errReader{after: 100 << 10}, testPol, smallParams)
	buf := make([]byte, 0, smallParams.MaxSize)
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		_, err = c.Next(buf)
	}
	if err == nil || err == io.EOF || !strings.Contains(err.Error(), "disk read failed") {
		t.Fatalf("err = %v, want the reader's error", err)
	}
}
