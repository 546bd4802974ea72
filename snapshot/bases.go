package snapshot

import (
	"encoding/binary"
	"hash/fnv"
	"sort"

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
	order      []repo.ID       // prev's chunks in order
	index      map[repo.ID]int // position of each chunk's first occurrence in order
	starts     []int64         // where each starts in prev; nil when a length is unknown
}

// newBaseFinder indexes the chunks of prev (the same file in the parent
// snapshot), with their lengths from idx. It returns nil when prev has no
// usable hints.
func newBaseFinder(prev *Node, idx *repo.Index) *baseFinder {
	if prev == nil || prev.Type != TypeFile || len(prev.Content) == 0 || len(prev.Hints) != hintSize*len(prev.Content) {
		return nil
	}
	f := &baseFinder{head: make(map[uint64]repo.ID, len(prev.Content)), tail: make(map[uint64]repo.ID, len(prev.Content)),
		order: prev.Content, index: make(map[repo.ID]int, len(prev.Content)), starts: make([]int64, len(prev.Content))}
	var off int64
	for i, id := range prev.Content {
		if _, ok := f.index[id]; !ok {
			f.index[id] = i
		}
		if f.starts != nil {
			f.starts[i] = off
			pb, ok := idx.Lookup(id)
			if !ok {
				f.starts = nil // a missing blob: positions by offset are unknown
			}
			off += int64(pb.PlainLen)
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
func (f *baseFinder) Next(id repo.ID) repo.ID { return f.at(id, 1) }

// Prev returns the chunk that preceded id in the previous version
// (repo.BaseFinder).
func (f *baseFinder) Prev(id repo.ID) repo.ID { return f.at(id, -1) }

// at returns the chunk d places from id's first occurrence in the
// previous version, or the null ID.
func (f *baseFinder) at(id repo.ID, d int) repo.ID {
	if f == nil {
		return repo.ID{}
	}
	if i, ok := f.index[id]; ok && i+d >= 0 && i+d < len(f.order) {
		return f.order[i+d]
	}
	return repo.ID{}
}

// Back returns the chunk of the previous version that held the byte n
// bytes before the start of id (repo.BaseFinder), or the null ID.
func (f *baseFinder) Back(id repo.ID, n int) repo.ID {
	if f == nil || f.starts == nil {
		return repo.ID{}
	}
	i, ok := f.index[id]
	if !ok {
		return repo.ID{}
	}
	at := f.starts[i] - int64(n)
	if at < 0 {
		return f.order[0]
	}
	// the last chunk that starts at or before at
	j := sort.Search(len(f.starts), func(k int) bool { return f.starts[k] > at }) - 1
	return f.order[j]
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
