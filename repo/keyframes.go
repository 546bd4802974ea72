package repo

import (
	"context"
	"slices"
	"sync"
)

// keyframeSet holds the keyframes that the parts of one chunk are encoded
// against, each loaded and indexed once: the pieces of a chunk try the
// same few candidates over and over. Besides the chunk's own base (pinned
// for the whole chunk) at most maxKeyframes stay loaded, so memory stays
// bounded.
type keyframeSet struct {
	r       *Repository
	base    *keyframeEntry   // the pinned keyframe, or nil
	entries []*keyframeEntry // the others, least recently used first
}

type keyframeEntry struct {
	kf      PackedBlob
	enc     *deltaEncoder
	release func()
}

const maxKeyframes = 3

// pin loads the keyframe of base and keeps it until close; nil when base
// has no usable keyframe.
func (s *keyframeSet) pin(ctx context.Context, base ID) *keyframeEntry {
	s.base = s.get(ctx, base)
	if s.base != nil {
		s.entries = slices.DeleteFunc(s.entries, func(e *keyframeEntry) bool { return e == s.base })
	}
	return s.base
}

// get returns the loaded keyframe of base, or nil when base has no usable
// keyframe (a missing or damaged base only costs a full blob).
func (s *keyframeSet) get(ctx context.Context, base ID) *keyframeEntry {
	kf, ok := s.r.keyframe(base)
	if !ok {
		return nil
	}
	if s.base != nil && s.base.kf.ID == kf.ID {
		return s.base
	}
	if i := slices.IndexFunc(s.entries, func(e *keyframeEntry) bool { return e.kf.ID == kf.ID }); i >= 0 {
		e := s.entries[i]
		s.entries = append(slices.Delete(s.entries, i, i+1), e)
		return e
	}
	plain, release, err := s.r.keyframePlain(ctx, kf)
	if err != nil {
		s.r.stats.baseErrors.Add(1)
		return nil
	}
	if len(s.entries) >= maxKeyframes {
		s.entries[0].close()
		s.entries = slices.Delete(s.entries, 0, 1)
	}
	e := &keyframeEntry{kf: kf, enc: newDeltaEncoder(plain), release: release}
	s.entries = append(s.entries, e)
	return e
}

func (e *keyframeEntry) close() {
	e.enc.release()
	e.release()
}

// close releases every loaded keyframe.
func (s *keyframeSet) close() {
	if s.base != nil {
		s.base.close()
	}
	for _, e := range s.entries {
		e.close()
	}
	s.base, s.entries = nil, nil
}

// delta returns the payload of target as a delta against the keyframe of
// base, appended to dst, or nil when it is not small enough (see
// deltaFromInstr) or base is unusable. gaps are the stretches of at least
// splitRun bytes of target that the keyframe does not hold (none when the
// keyframe holds all of it but scattered changes).
func (s *keyframeSet) delta(ctx context.Context, dst, target []byte, base ID) (payload []byte, gaps []span) {
	e, instr, gaps, done := s.encode(ctx, target, base)
	if e == nil {
		return nil, nil
	}
	defer done()
	// Literals over half the target cannot compress under the bound; skip
	// compressing them (most candidates of a piece of new rows end here).
	if _, _, lits, err := splitDelta(instr); err == nil && len(lits) > len(target)/2 {
		s.r.stats.tooLarge.Add(1)
		return nil, gaps
	}
	return s.r.deltaFromInstr(dst, e.kf, instr, len(target)), gaps
}

// uncovered returns the stretches of at least splitRun bytes of part that
// the keyframe of base does not hold (none when base is unusable).
func (s *keyframeSet) uncovered(ctx context.Context, part []byte, base ID) []span {
	e, _, gaps, done := s.encode(ctx, part, base)
	if e != nil {
		done()
	}
	return gaps
}

// encode encodes target against the keyframe of base into a pooled
// buffer, which done returns; gaps are the stretches of at least splitRun
// bytes that the keyframe does not hold. e is nil when base is unusable.
func (s *keyframeSet) encode(ctx context.Context, target []byte, base ID) (e *keyframeEntry, instr []byte, gaps []span, done func()) {
	if e = s.get(ctx, base); e == nil {
		return nil, nil, nil, nil
	}
	ip := plainBufs.Get().(*[]byte)
	instr, gaps = e.enc.encode((*ip)[:0], target, splitRun)
	*ip = instr
	return e, instr, gaps, func() { plainBufs.Put(ip) }
}

// recentPlains keeps the plaintexts of the last few keyframes that deltas
// were read against. Reading a file in order meets the same keyframe for
// several blobs in a row (the pieces of a chunk that was split), and a
// keyframe costs a full decompression each time it is loaded. The slices
// are never written once stored, so readers share them.
type recentPlains struct {
	mu      sync.Mutex
	entries []recentPlain // least recently used first
}

type recentPlain struct {
	id    ID
	plain []byte
}

const maxRecentPlains = 4

func (c *recentPlains) get(id ID) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := slices.IndexFunc(c.entries, func(e recentPlain) bool { return e.id == id })
	if i < 0 {
		return nil, false
	}
	e := c.entries[i]
	c.entries = append(slices.Delete(c.entries, i, i+1), e)
	return e.plain, true
}

func (c *recentPlains) put(id ID, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if slices.ContainsFunc(c.entries, func(e recentPlain) bool { return e.id == id }) {
		return
	}
	if len(c.entries) >= maxRecentPlains {
		c.entries = slices.Delete(c.entries, 0, 1)
	}
	c.entries = append(c.entries, recentPlain{id, b})
}
