package repo

import (
	"context"
	"slices"
	"sync"
)

// keyframeSet holds the keyframes that the parts of one chunk are encoded
// against, each loaded and indexed once: the pieces of a chunk try the
// same few candidates over and over. At most maxKeyframes stay loaded
// (plus the pinned one, the chunk's own base), so memory stays bounded.
type keyframeSet struct {
	r       *Repository
	entries []*keyframeEntry // least recently used first
}

type keyframeEntry struct {
	kf      PackedBlob
	enc     *deltaEncoder
	release func()
	pinned  bool
}

const maxKeyframes = 3

// get returns the loaded keyframe of base, or nil when base has no usable
// keyframe (a missing or damaged base only costs a full blob).
func (s *keyframeSet) get(ctx context.Context, base ID) *keyframeEntry {
	kf, ok := s.r.keyframe(base)
	if !ok {
		return nil
	}
	for i, e := range s.entries {
		if e.kf.ID == kf.ID {
			s.entries = append(append(s.entries[:i:i], s.entries[i+1:]...), e)
			return e
		}
	}
	plain, release, err := s.r.keyframePlain(ctx, kf)
	if err != nil {
		s.r.stats.baseErrors.Add(1)
		return nil
	}
	e := &keyframeEntry{kf: kf, enc: newDeltaEncoder(plain), release: release}
	loaded := 0
	for _, x := range s.entries {
		if !x.pinned {
			loaded++
		}
	}
	if loaded >= maxKeyframes {
		for i, x := range s.entries {
			if !x.pinned {
				x.close()
				s.entries = append(s.entries[:i:i], s.entries[i+1:]...)
				break
			}
		}
	}
	s.entries = append(s.entries, e)
	return e
}

func (e *keyframeEntry) close() {
	e.enc.release()
	e.release()
}

// close releases every loaded keyframe.
func (s *keyframeSet) close() {
	for _, e := range s.entries {
		e.close()
	}
	s.entries = nil
}

// delta returns the payload of target as a delta against the keyframe of
// base, appended to dst, or nil when it is not small enough (see
// deltaFromInstr) or base is unusable.
func (s *keyframeSet) delta(ctx context.Context, dst, target []byte, base ID) []byte {
	e := s.get(ctx, base)
	if e == nil {
		return nil
	}
	ip := plainBufs.Get().(*[]byte)
	defer plainBufs.Put(ip)
	instr, _ := e.enc.encode((*ip)[:0], target, 0)
	*ip = instr
	// Literals over half the target cannot compress under the bound; skip
	// compressing them (most candidates of a piece of new rows end here).
	if _, _, lits, err := splitDelta(instr); err == nil && len(lits) > len(target)/2 {
		s.r.stats.tooLarge.Add(1)
		return nil
	}
	return s.r.deltaFromInstr(dst, e.kf, instr, len(target))
}

// uncovered returns the stretches of at least splitRun bytes of part that
// the keyframe of base does not hold (none when base is unusable).
func (s *keyframeSet) uncovered(ctx context.Context, part []byte, base ID) []span {
	e := s.get(ctx, base)
	if e == nil {
		return nil
	}
	ip := plainBufs.Get().(*[]byte)
	defer plainBufs.Put(ip)
	instr, runs := e.enc.encode((*ip)[:0], part, splitRun)
	*ip = instr
	return runs
}

// recentPlains keeps the plaintexts of the last few keyframes that deltas
// were read against. Reading a file in order meets the same keyframe for
// several blobs in a row (the pieces of a chunk that was split), and a
// keyframe costs a full decompression each time it is loaded. The slices
// are never written once stored, so readers share them.
type recentPlains struct {
	mu   sync.Mutex
	ids  []ID // least recently used first
	bufs [][]byte
}

const maxRecentPlains = 4

func (c *recentPlains) get(id ID) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.ids {
		if x == id {
			b := c.bufs[i]
			c.ids = append(append(c.ids[:i:i], c.ids[i+1:]...), id)
			c.bufs = append(append(c.bufs[:i:i], c.bufs[i+1:]...), b)
			return b, true
		}
	}
	return nil, false
}

func (c *recentPlains) put(id ID, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if slices.Contains(c.ids, id) {
		return
	}
	if len(c.ids) >= maxRecentPlains {
		c.ids, c.bufs = c.ids[1:], c.bufs[1:]
	}
	c.ids, c.bufs = append(c.ids, id), append(c.bufs, b)
}
