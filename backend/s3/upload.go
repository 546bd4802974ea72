package s3

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/sqlvault/sqlvault/backend"
)

// Stage starts a file of type t in memory. Its Commit hands it to the
// upload pool and returns once the upload has started; at most Connections
// committed files are uploading at once, so a Commit beyond that waits.
// Errors of an upload are returned by later Commits, by Flush, and by the
// Save of an index or snapshot file, which waits for every earlier upload.
func (b *Backend) Stage(ctx context.Context, t backend.FileType) (backend.Staged, error) {
	if err := b.failed(); err != nil {
		return nil, err
	}
	return &staged{b: b, t: t, buf: b.getBuf()}, nil
}

type staged struct {
	b    *Backend
	t    backend.FileType
	buf  []byte
	done bool
}

func (s *staged) Write(p []byte) (int, error) {
	if s.done {
		return 0, errors.New("write to a committed or aborted file")
	}
	s.buf = append(s.buf, p...)
	return len(p), nil
}

func (s *staged) Abort() error {
	if !s.done {
		s.done = true
		s.b.putBuf(s.buf)
		s.buf = nil
	}
	return nil
}

func (s *staged) Commit(ctx context.Context, name string) error {
	if s.done {
		return errors.New("commit of a committed or aborted file")
	}
	h := backend.Handle{Type: s.t, Name: name}
	if err := h.Validate(); err != nil {
		s.Abort()
		return err
	}
	if err := s.b.failed(); err != nil {
		s.Abort()
		return err
	}
	s.done = true
	return s.b.startUpload(ctx, h, s.buf)
}

// startUpload uploads data under h in the background.
func (b *Backend) startUpload(ctx context.Context, h backend.Handle, data []byte) error {
	// Take an upload slot: this bounds the packs held in memory.
	select {
	case b.packs <- struct{}{}:
	case <-ctx.Done():
		b.putBuf(data)
		return ctx.Err()
	}
	key := b.key(h)
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		<-b.packs
		b.putBuf(data)
		return errors.New("S3 backend closed")
	}
	b.seq++
	f := &flight{seq: b.seq, data: data}
	b.flying[f.seq] = f
	b.byKey[key] = f
	b.mu.Unlock()
	go func() {
		err := b.put(b.ctx, h, sectionSource{ra: bytesReaderAt(data)}, int64(len(data)))
		b.mu.Lock()
		delete(b.flying, f.seq)
		if b.byKey[key] == f {
			delete(b.byKey, key)
		}
		if err != nil && b.upErr == nil {
			b.upErr = b.describe("save "+h.String(), err)
		}
		b.wakeWaiters()
		b.mu.Unlock()
		<-b.packs
		b.putBuf(data)
	}()
	return nil
}

// Flush waits until every upload started before it has finished, and
// returns the error of the first upload that failed.
func (b *Backend) Flush(ctx context.Context) error {
	b.mu.Lock()
	w := &waiter{upTo: b.seq + 1, done: make(chan struct{})}
	if b.uploadsBelow(w.upTo) {
		b.waiters = append(b.waiters, w)
	} else {
		close(w.done)
	}
	b.mu.Unlock()
	select {
	case <-w.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	return b.failed()
}

// uploadsBelow reports whether an upload numbered below n is flying.
// b.mu must be held.
func (b *Backend) uploadsBelow(n uint64) bool {
	for seq := range b.flying {
		if seq < n {
			return true
		}
	}
	return false
}

// wakeWaiters releases the Flush calls whose uploads have all finished.
// b.mu must be held.
func (b *Backend) wakeWaiters() {
	keep := b.waiters[:0]
	for _, w := range b.waiters {
		if b.uploadsBelow(w.upTo) {
			keep = append(keep, w)
		} else {
			close(w.done)
		}
	}
	b.waiters = keep
}

// failed returns the error of the first upload that failed.
func (b *Backend) failed() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.upErr != nil {
		return fmt.Errorf("an earlier upload failed: %w", b.upErr)
	}
	return nil
}

// inFlight returns the bytes of an object still being uploaded.
func (b *Backend) inFlight(key string) ([]byte, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if f, ok := b.byKey[key]; ok {
		return f.data, true
	}
	return nil, false
}

func (b *Backend) getBuf() []byte {
	select {
	case buf := <-b.bufs:
		return buf[:0]
	default:
		return make([]byte, 0, 17<<20)
	}
}

func (b *Backend) putBuf(buf []byte) {
	if cap(buf) == 0 || cap(buf) > 64<<20 {
		return
	}
	select {
	case b.bufs <- buf[:0]:
	default:
	}
}

type bytesReaderAt []byte

func (p bytesReaderAt) ReadAt(dst []byte, off int64) (int, error) {
	if off >= int64(len(p)) {
		return 0, io.EOF
	}
	n := copy(dst, p[off:])
	if n < len(dst) {
		return n, io.EOF
	}
	return n, nil
}
