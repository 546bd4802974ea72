package snapshot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/sqlvault/sqlvault/chunk"
	"github.com/sqlvault/sqlvault/repo"
)

// ContentResult describes a stream saved by SaveContent.
type ContentResult struct {
	IDs        []repo.ID
	Hints      []byte // hintSize bytes per chunk, to find bases in the next backup
	Size       int64  // bytes read from the stream
	BytesAdded int64  // bytes the new blobs added to the repository
	BlobsAdded int
}

// chunkBufs recycles chunk buffers; in-flight chunks are bounded, so the
// pool's size is too.
var chunkBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2<<20); return &b }}

// saveJob is one chunk on its way to SaveBlob.
type saveJob struct {
	buf  *[]byte
	base repo.ID // a candidate delta base, or null
	out  chan saveResult
}

type saveResult struct {
	ids   []repo.ID // the pieces the chunk was stored as (usually one)
	hints []byte    // hintSize bytes per piece
	added int
	blobs int // pieces that were new
	err   error
}

// SaveContent chunks rd and stores every chunk as a data blob. Chunking
// runs in the calling goroutine while one worker per CPU hashes,
// compresses, encrypts and packs the chunks; at most a few chunks are in
// flight, so memory does not depend on the stream's size.
func SaveContent(ctx context.Context, r *repo.Repository, rd io.Reader) (ContentResult, error) {
	return saveContent(ctx, r, rd, nil, nil)
}

// saveContent is SaveContent with delta bases chosen by bases (nil: none),
// adding the bytes read and stored to c (nil: none) chunk by chunk.
func saveContent(ctx context.Context, r *repo.Repository, rd io.Reader, bases *baseFinder, c *Counters) (ContentResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan saveJob)
	inflight := make(chan chan saveResult, workers+1)
	var finder repo.BaseFinder // a nil *baseFinder must not become a non-nil interface
	if bases != nil {
		finder = bases
	}
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				pieces, err := r.SaveChunk(ctx, *j.buf, j.base, finder)
				res := saveResult{err: err}
				off := 0
				for _, p := range pieces {
					res.ids = append(res.ids, p.ID)
					res.hints = appendHint(res.hints, (*j.buf)[off:off+p.Len])
					off += p.Len
					res.added += p.Added
					c.added(int64(p.Added))
					if p.Added > 0 {
						res.blobs++
					}
				}
				chunkBufs.Put(j.buf)
				j.out <- res
			}
		}()
	}
	// The collector receives results in stream order.
	var res ContentResult
	collected := make(chan error, 1)
	go func() {
		var firstErr error
		for out := range inflight {
			sr := <-out
			if sr.err != nil && firstErr == nil {
				firstErr = sr.err
				cancel()
			}
			res.IDs = append(res.IDs, sr.ids...)
			res.Hints = append(res.Hints, sr.hints...)
			res.BytesAdded += int64(sr.added)
			res.BlobsAdded += sr.blobs
		}
		collected <- firstErr
	}()

	p := r.Config().Chunker
	ch := chunk.New(rd, r.Key().Pol, p)
	hint := make([]byte, 0, hintSize)
	var last repo.ID // the previous chunk's base
	var readErr error
	for {
		if err := ctx.Err(); err != nil {
			readErr = err
			break
		}
		bufp := chunkBufs.Get().(*[]byte)
		data, err := ch.Next((*bufp)[:0])
		if errors.Is(err, io.EOF) {
			chunkBufs.Put(bufp)
			break
		}
		if err != nil {
			chunkBufs.Put(bufp)
			readErr = &SourceError{Err: err}
			break
		}
		*bufp = data
		res.Size += int64(len(data))
		c.bytes(int64(len(data)))
		// A chunk whose ends both moved matches no hint; its content most
		// likely continues where the previous chunk's base left off.
		base := bases.find(appendHint(hint[:0], data))
		if base.IsNull() && !last.IsNull() {
			base = cmp.Or(bases.Next(last), last)
		}
		last = base
		job := saveJob{buf: bufp, base: base, out: make(chan saveResult, 1)}
		out := job.out
		inflight <- out
		select {
		case jobs <- job:
		case <-ctx.Done():
			out <- saveResult{err: ctx.Err()}
		}
	}
	close(jobs)
	wg.Wait()
	close(inflight)
	saveErr := <-collected
	if saveErr != nil && (readErr == nil || errors.Is(readErr, context.Canceled)) {
		return res, saveErr
	}
	if readErr != nil {
		return res, readErr
	}
	return res, nil
}

// WriteContent writes the plaintext of the data blobs ids, in order, to w.
// Blobs are loaded and decrypted by one worker per CPU a few blobs ahead of
// the writer.
func WriteContent(ctx context.Context, r *repo.Repository, ids []repo.ID, w io.Writer) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type loaded struct {
		buf *[]byte
		err error
	}
	workers := runtime.GOMAXPROCS(0)
	type loadJob struct {
		id  repo.ID
		out chan loaded
	}
	jobs := make(chan loadJob)
	inflight := make(chan chan loaded, workers+2)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				bufp := chunkBufs.Get().(*[]byte)
				data, err := r.LoadBlob(ctx, repo.DataBlob, j.id, *bufp)
				if err == nil {
					*bufp = data
				}
				j.out <- loaded{buf: bufp, err: err}
			}
		}()
	}
	go func() {
		defer close(inflight)
		defer close(jobs)
		for _, id := range ids {
			out := make(chan loaded, 1)
			select {
			case inflight <- out:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- loadJob{id: id, out: out}:
			case <-ctx.Done():
				out <- loaded{err: ctx.Err()}
				return
			}
		}
	}()
	var written int64
	var firstErr error
	for out := range inflight {
		l := <-out
		if firstErr == nil {
			if l.err != nil {
				firstErr = l.err
				cancel()
			} else {
				n, err := w.Write(*l.buf)
				written += int64(n)
				if err != nil {
					firstErr = fmt.Errorf("write: %w", err)
					cancel()
				}
			}
		}
		if l.buf != nil { // loads stopped by cancel carry no buffer
			chunkBufs.Put(l.buf)
		}
	}
	wg.Wait()
	return written, firstErr
}

// SourceError wraps an error from reading the source stream.
type SourceError struct{ Err error }

func (e *SourceError) Error() string { return e.Err.Error() }
func (e *SourceError) Unwrap() error { return e.Err }
