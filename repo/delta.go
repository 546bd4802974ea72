package repo

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"sync"
)

// Delta encoding: a blob stored as the differences against a base blob.
//
// The delta is a sequence of instructions that rebuild the target from the
// base: copy a run of the base, or insert literal bytes. It is found by
// indexing a 32-byte window of the base at every 16th position, scanning the
// target for windows that hit the index, and extending each hit forwards and
// backwards as far as the bytes agree, so that literals are close to exactly
// the bytes that changed.
//
// The instructions are kept in three sections, because each compresses
// best on its own: the operations, the copy addresses and the literal
// bytes. An address is stored as its difference from where the previous
// copy would continue (its end in the base plus the literal bytes since),
// which is zero when a row changed in place:
//
//	uvarint ops length, ops:  uvarint target length, then per instruction
//	                          uvarint x: x even, x/2 literal bytes; x odd,
//	                          a copy of x/2 bytes
//	uvarint addrs length, addrs: per copy, zigzag varint offset - expected
//	literals:                 all literal bytes, in order
//
// In a delta blob's payload each section is compressed on its own (see
// packDelta). Measured on the benchmark workload (bench/gen, 300 MB, the
// changed chunks of day 7 against day 0), the sections store 14% less than
// one compressed stream of interleaved instructions with absolute offsets.
//
// This replaces the "zstd with the base as raw dictionary" of the design
// guide: measured on the benchmark workload (bench/gen, 300 MB, 0.1% of rows
// updated), zstd's fastest and default levels with a dictionary store 22% and
// 4.7% of the changed chunks, and its better level 0.18% but at 16 MB/s; this
// encoding stores 0.17% at over 300 MB/s per core.
const (
	deltaWindow = 32
	deltaStride = 16
	maxWindows  = 1 << 17
)

// errDelta reports a malformed delta instruction stream.
var errDelta = errors.New("malformed delta")

func windowHash(b []byte) uint32 {
	a := binary.LittleEndian.Uint64(b)
	c := binary.LittleEndian.Uint64(b[8:])
	d := binary.LittleEndian.Uint64(b[16:])
	e := binary.LittleEndian.Uint64(b[24:])
	h := a*0x9E3779B185EBCA87 ^ bits.RotateLeft64(c*0xC2B2AE3D27D4EB4F, 31) ^
		bits.RotateLeft64(d*0x165667B19E3779F9, 17) ^ e*0x27D4EB2F165667C5
	return uint32(h>>32) ^ uint32(h)
}

var deltaTables = sync.Pool{New: func() any { return new([]int32) }}

// deltaEncoder holds the window index of one base, so that several targets
// (the pieces of a chunk) can be encoded against it.
type deltaEncoder struct {
	base       []byte
	ops, addrs []byte // section buffers, reused across targets
	stride     int
	tp         *[]int32
	table      []int32
	mask       uint32
}

// newDeltaEncoder indexes base: the position of the 32-byte window at
// every 16th offset, in a hash table sized to at least twice the number of
// windows; the first position of a hash wins. Call release when done.
func newDeltaEncoder(base []byte) *deltaEncoder {
	e := &deltaEncoder{base: base, stride: deltaStride}
	if len(base) < deltaWindow {
		return e
	}
	// At most maxWindows windows are indexed, so the table stays at 1 MiB:
	// a large base is indexed at a wider stride (matches are still found,
	// they need to be a little longer).
	for len(base)/e.stride > maxWindows {
		e.stride *= 2
	}
	shift := uint(10)
	for 1<<shift < 2*(len(base)/e.stride) {
		shift++
	}
	e.tp = deltaTables.Get().(*[]int32)
	if cap(*e.tp) < 1<<shift {
		*e.tp = make([]int32, 1<<shift)
	}
	e.table = (*e.tp)[:1<<shift]
	for i := range e.table {
		e.table[i] = -1
	}
	e.mask = uint32(1)<<shift - 1
	for p := 0; p+deltaWindow <= len(base); p += e.stride {
		if h := windowHash(base[p:]) & e.mask; e.table[h] < 0 {
			e.table[h] = int32(p)
		}
	}
	return e
}

func (e *deltaEncoder) release() {
	if e.tp != nil {
		deltaTables.Put(e.tp)
		e.tp, e.table = nil, nil
	}
}

// span is a range [start, end) of a target.
type span struct{ start, end int }

// shortCopy is the longest copy that still counts as part of a run of new
// content: new rows share short fragments with old ones (", CAST(N'2024-"),
// while content that really is in the base matches for many rows.
const shortCopy = 256

// encode appends to dst the instruction stream that rebuilds target from
// the base. When minRun > 0 it also returns the runs of new content of at
// least minRun bytes: stretches of literals joined only by short copies,
// such as rows appended since the base was stored.
func (e *deltaEncoder) encode(dst, target []byte, minRun int) ([]byte, []span) {
	var runs []span
	run := span{-1, -1}
	closeRun := func() {
		if minRun > 0 && run.start >= 0 && run.end-run.start >= minRun {
			runs = append(runs, run)
		}
		run = span{-1, -1}
	}
	w := deltaWriter{ops: e.ops[:0], addrs: e.addrs[:0]}
	w.ops = binary.AppendUvarint(w.ops, uint64(len(target)))
	lits := len(dst) // literals go straight to dst; the other sections are put in front at the end
	literal := func(from, to int) {
		if run.start < 0 {
			run.start = from
		}
		run.end = to
		dst = w.literal(dst, target[from:to])
	}
	base := e.base
	if e.table == nil || len(target) < deltaWindow {
		literal(0, len(target))
		closeRun()
		return e.finish(dst, lits, &w), runs
	}
	lit, i := 0, 0
	for i+deltaWindow <= len(target) {
		p := e.table[windowHash(target[i:])&e.mask]
		if p < 0 || string(base[p:int(p)+deltaWindow]) != string(target[i:i+deltaWindow]) {
			i++
			continue
		}
		s, bp := i, int(p)
		for s > lit && bp > 0 && target[s-1] == base[bp-1] {
			s--
			bp--
		}
		end, ep := i+deltaWindow, int(p)+deltaWindow
		for end+8 <= len(target) && ep+8 <= len(base) && binary.LittleEndian.Uint64(target[end:]) == binary.LittleEndian.Uint64(base[ep:]) {
			end += 8
			ep += 8
		}
		for end < len(target) && ep < len(base) && target[end] == base[ep] {
			end++
			ep++
		}
		if s > lit {
			literal(lit, s)
		}
		if end-s >= shortCopy {
			closeRun()
		} else if run.start >= 0 {
			run.end = end
		}
		w.copy(bp, end-s)
		i, lit = end, end
	}
	if lit < len(target) {
		literal(lit, len(target))
	}
	closeRun()
	return e.finish(dst, lits, &w), runs
}

// finish puts the ops and address sections, each with its length, in
// front of the literals that encode appended to dst from offset lits,
// keeping the sections' buffers for the encoder's next target.
func (e *deltaEncoder) finish(dst []byte, lits int, w *deltaWriter) []byte {
	e.ops, e.addrs = w.ops, w.addrs
	var head [2 * binary.MaxVarintLen64]byte
	n := binary.PutUvarint(head[:], uint64(len(w.ops)))
	m := binary.PutUvarint(head[n:], uint64(len(w.addrs)))
	return insertAt(dst, lits, head[:n], w.ops, head[n:n+m], w.addrs)
}

// insertAt inserts parts, in order, into dst before dst[at:].
func insertAt(dst []byte, at int, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	tail := len(dst) - at
	dst = growCap(dst, n)[:len(dst)+n]
	copy(dst[at+n:], dst[at:at+tail])
	for _, p := range parts {
		at += copy(dst[at:], p)
	}
	return dst
}

// deltaWriter builds the ops and address sections of a delta.
type deltaWriter struct {
	ops, addrs []byte
	expect     int // where in the base the previous copy would continue
}

// literal records a literal and appends its bytes to dst (nothing for an
// empty b).
func (w *deltaWriter) literal(dst, b []byte) []byte {
	if len(b) == 0 {
		return dst
	}
	w.ops = binary.AppendUvarint(w.ops, uint64(len(b))<<1)
	w.expect += len(b)
	return append(dst, b...)
}

// copy records a copy of n bytes from base offset off.
func (w *deltaWriter) copy(off, n int) {
	w.ops = binary.AppendUvarint(w.ops, uint64(n)<<1|1)
	w.addrs = binary.AppendVarint(w.addrs, int64(off-w.expect))
	w.expect = off + n
}

// splitDelta returns the three sections of an instruction stream.
func splitDelta(instr []byte) (ops, addrs, lits []byte, err error) {
	if ops, lits, err = cutSection(instr); err != nil {
		return nil, nil, nil, err
	}
	if addrs, lits, err = cutSection(lits); err != nil {
		return nil, nil, nil, err
	}
	return ops, addrs, lits, nil
}

// cutSection splits b into the section it starts with (a uvarint length
// and that many bytes) and the rest.
func cutSection(b []byte) (section, rest []byte, err error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return nil, nil, fmt.Errorf("%w: truncated section", errDelta)
	}
	return b[k : k+int(n)], b[k+int(n):], nil
}

// applyDelta rebuilds a target from base and an instruction stream and
// appends it to dst. The target may be at most limit bytes.
func applyDelta(dst, base, instr []byte, limit int) ([]byte, error) {
	ops, addrs, lits, err := splitDelta(instr)
	if err != nil {
		return nil, err
	}
	n, k := binary.Uvarint(ops)
	if k <= 0 || n > uint64(limit) {
		return nil, fmt.Errorf("%w: bad target length", errDelta)
	}
	ops = ops[k:]
	start := len(dst)
	dst = growCap(dst, int(n))
	expect := int64(0)
	for uint64(len(dst)-start) < n {
		x, k := binary.Uvarint(ops)
		if k <= 0 {
			return nil, fmt.Errorf("%w: truncated instruction", errDelta)
		}
		ops = ops[k:]
		size := x >> 1
		if size == 0 || size > n-uint64(len(dst)-start) {
			return nil, fmt.Errorf("%w: instruction exceeds the target", errDelta)
		}
		if x&1 == 0 {
			if size > uint64(len(lits)) {
				return nil, fmt.Errorf("%w: truncated literal", errDelta)
			}
			dst = append(dst, lits[:size]...)
			lits = lits[size:]
			expect += int64(size)
			continue
		}
		d, k := binary.Varint(addrs)
		if k <= 0 {
			return nil, fmt.Errorf("%w: truncated address", errDelta)
		}
		addrs = addrs[k:]
		off := expect + d
		if off < 0 || off > int64(len(base)) || size > uint64(int64(len(base))-off) {
			return nil, fmt.Errorf("%w: copy outside the base", errDelta)
		}
		dst = append(dst, base[off:off+int64(size)]...)
		expect = off + int64(size)
	}
	if len(ops) != 0 || len(addrs) != 0 || len(lits) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", errDelta, len(ops)+len(addrs)+len(lits))
	}
	return dst, nil
}

func growCap(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	nb := make([]byte, len(b), len(b)+n)
	copy(nb, b)
	return nb
}

// packDelta appends an instruction stream made by encode to dst with each
// section compressed on its own: the ops and the addresses each as a
// uvarint length and a compressed payload (see codec.compress), then the
// literals' compressed payload.
func (c *codec) packDelta(dst, instr []byte) []byte {
	ops, addrs, lits, err := splitDelta(instr)
	if err != nil {
		panic("packDelta: " + err.Error()) // encode made instr: a bug, not bad input
	}
	for _, sec := range [][]byte{ops, addrs} {
		mark := len(dst)
		dst = c.compressStrong(dst, sec)
		dst = prefixLen(dst, mark)
	}
	return c.compressStrong(dst, lits)
}

// unpackDelta reverses packDelta, appending the instruction stream to dst.
// No section may decode to more than limit bytes.
func (c *codec) unpackDelta(dst, body []byte, limit int) ([]byte, error) {
	for i := 0; i < 2; i++ {
		sec, rest, err := cutSection(body)
		if err != nil {
			return nil, err
		}
		mark := len(dst)
		if dst, err = c.decompress(dst, sec, limit); err != nil {
			return nil, err
		}
		dst = prefixLen(dst, mark)
		body = rest
	}
	return c.decompress(dst, body, limit)
}

// prefixLen inserts before dst[mark:] its length as a uvarint.
func prefixLen(dst []byte, mark int) []byte {
	var h [binary.MaxVarintLen64]byte
	k := binary.PutUvarint(h[:], uint64(len(dst)-mark))
	return insertAt(dst, mark, h[:k])
}
