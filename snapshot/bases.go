package snapshot

import (
	"encoding/binary"
	"hash/fnv"

	"github.com/sqlvault/sqlvault/repo"
)

// Each chunk of a file gets a hint: a 64-bit hash of its first and of its
// last hintSpan bytes. Content-defined cuts mostly survive a change inside
// a chunk, so tomorrow's version of a chunk usually starts or ends like
// today's; the hints find it again without reading any data.
const (
	hintSpan = 256
	hintSize = 16 // prefix hash, suffix hash
)

func appendHint(dst, chunk []byte) []byte {
	head, tail := chunk, chunk
	if len(chunk) > hintSpan {
		head, tail = chunk[:hintSpan], chunk[len(chunk)-hintSpan:]
	}
	dst = binary.LittleEndian.AppendUint64(dst, fnvHash(head))
	return binary.LittleEndian.AppendUint64(dst, fnvHash(tail))
}

func fnvHash(b []byte) uint64 {
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}

// baseFinder picks, for a new chunk, the chunk of the previous version of
// the same file that it most likely derives from.
type baseFinder struct {
	head, tail map[uint64]repo.ID
	next, prev map[repo.ID]repo.ID // the chunks after and before each one, in prev
}

// newBaseFinder indexes the chunks of prev (the same file in the parent
// snapshot). It returns nil when prev has no usable hints.
func newBaseFinder(prev *Node) *baseFinder {
	if prev == nil || prev.Type != TypeFile || len(prev.Content) == 0 || len(prev.Hints) != hintSize*len(prev.Content) {
		return nil
	}
	f := &baseFinder{head: make(map[uint64]repo.ID, len(prev.Content)), tail: make(map[uint64]repo.ID, len(prev.Content)),
		next: make(map[repo.ID]repo.ID, len(prev.Content)), prev: make(map[repo.ID]repo.ID, len(prev.Content))}
	for i, id := range prev.Content {
		if _, ok := f.next[id]; !ok && i+1 < len(prev.Content) {
			f.next[id] = prev.Content[i+1]
		}
		if _, ok := f.prev[id]; !ok && i > 0 {
			f.prev[id] = prev.Content[i-1]
		}
		h := prev.Hints[i*hintSize:]
		if k := binary.LittleEndian.Uint64(h); f.head[k].IsNull() {
			f.head[k] = id
		}
		if k := binary.LittleEndian.Uint64(h[8:]); f.tail[k].IsNull() {
			f.tail[k] = id
		}
	}
	return f
}

// Find returns the base for a piece of new content (repo.BaseFinder).
func (f *baseFinder) Find(piece []byte) repo.ID {
	return f.find(appendHint(make([]byte, 0, hintSize), piece))
}

// Next returns the chunk that followed id in the previous version
// (repo.BaseFinder).
func (f *baseFinder) Next(id repo.ID) repo.ID {
	if f == nil {
		return repo.ID{}
	}
	return f.next[id]
}

// Prev returns the chunk that preceded id in the previous version
// (repo.BaseFinder).
func (f *baseFinder) Prev(id repo.ID) repo.ID {
	if f == nil {
		return repo.ID{}
	}
	return f.prev[id]
}

// find returns the base for a chunk with the given hint, or the null ID.
func (f *baseFinder) find(hint []byte) repo.ID {
	if f == nil {
		return repo.ID{}
	}
	if id, ok := f.head[binary.LittleEndian.Uint64(hint)]; ok {
		return id
	}
	return f.tail[binary.LittleEndian.Uint64(hint[8:])]
}
