package snapshot

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/repo"
)

func TestSaveWriteContentRoundTrip(t *testing.T) {
	ctx := context.Background()
	r, dir := newRepo(t)
	data := append(randomBytes(t, 700<<10), bytes.Repeat([]byte("INSERT INTO t VALUES (1, N'x');\n"), 20000)...)
	res, err := SaveContent(ctx, r, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("SaveContent: %v", err)
	}
	if res.Size != int64(len(data)) {
		t.Fatalf("Size = %d, want %d", res.Size, len(data))
	}
	// 1.3 MiB in chunks of 4 to 64 KiB.
	if len(res.IDs) < 1300/64 || len(res.IDs) > 1400/4 {
		t.Fatalf("%d chunks", len(res.IDs))
	}
	if res.BlobsAdded == 0 || res.BlobsAdded > len(res.IDs) {
		t.Fatalf("BlobsAdded = %d of %d chunks", res.BlobsAdded, len(res.IDs))
	}
	// Random bytes are stored raw, the text compressed.
	if res.BytesAdded < 700<<10 || res.BytesAdded > int64(len(data)) {
		t.Fatalf("BytesAdded = %d for %d bytes", res.BytesAdded, len(data))
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for i, id := range res.IDs {
		pb, ok := r.Index().Lookup(id)
		if !ok || pb.Type != repo.DataBlob {
			t.Fatalf("chunk %d (%v) not stored as a data blob", i, id.Str())
		}
		if pb.PlainLen > uint32(smallChunks.MaxSize) || (i < len(res.IDs)-1 && pb.PlainLen < uint32(smallChunks.MinSize)) {
			t.Fatalf("chunk %d is %d bytes", i, pb.PlainLen)
		}
	}
	if got := contentOf(t, r, res.IDs); !bytes.Equal(got, data) {
		t.Fatalf("WriteContent gave %d bytes that differ from the %d saved", len(got), len(data))
	}
	if got := contentOf(t, reopen(t, dir), res.IDs); !bytes.Equal(got, data) {
		t.Fatal("WriteContent after reopening differs")
	}
	// The same stream again: same chunks, nothing added.
	again, err := SaveContent(ctx, r, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if again.BlobsAdded != 0 || again.BytesAdded != 0 || len(again.IDs) != len(res.IDs) {
		t.Fatalf("second save added %d blobs, %d bytes", again.BlobsAdded, again.BytesAdded)
	}
	for i := range res.IDs {
		if again.IDs[i] != res.IDs[i] {
			t.Fatalf("chunk %d differs on the second save", i)
		}
	}
}

func TestSaveContentRepeatedChunks(t *testing.T) {
	ctx := context.Background()
	r, _ := newRepo(t)
	// Zeros cut at the minimum size: many chunks, one blob.
	data := make([]byte, 256<<10)
	res, err := SaveContent(ctx, r, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.IDs) != 64 || res.BlobsAdded != 1 {
		t.Fatalf("%d chunks, %d blobs added; want 64 chunks, 1 blob", len(res.IDs), res.BlobsAdded)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := contentOf(t, r, res.IDs); !bytes.Equal(got, data) {
		t.Fatal("content differs")
	}
}

func TestSaveContentEmpty(t *testing.T) {
	ctx := context.Background()
	r, _ := newRepo(t)
	res, err := SaveContent(ctx, r, strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.IDs) != 0 || res.Size != 0 || res.BlobsAdded != 0 || res.BytesAdded != 0 {
		t.Fatalf("empty stream: %+v", res)
	}
	var buf bytes.Buffer
	n, err := WriteContent(ctx, r, nil, &buf)
	if err != nil || n != 0 || buf.Len() != 0 {
		t.Fatalf("WriteContent(nil) = %d, %v", n, err)
	}
}

type brokenReader struct{ n int }

func (b *brokenReader) Read(p []byte) (int, error) {
	if b.n <= 0 {
		return 0, errors.New("pipe broke")
	}
	n := min(len(p), b.n)
	for i := range p[:n] {
		p[i] = byte(b.n - i)
	}
	b.n -= n
	return n, nil
}

func TestSaveContentReadError(t *testing.T) {
	r, _ := newRepo(t)
	_, err := SaveContent(context.Background(), r, &brokenReader{n: 300 << 10})
	if err == nil || !strings.Contains(err.Error(), "pipe broke") {
		t.Fatalf("err = %v, want the reader's error", err)
	}
}

func TestSaveContentCancelled(t *testing.T) {
	r, _ := newRepo(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := SaveContent(ctx, r, bytes.NewReader(randomBytes(t, 100<<10)))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

type failWriter struct{ after int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.after <= 0 {
		return 0, errors.New("disk full")
	}
	w.after--
	return len(p), nil
}

func TestWriteContentErrors(t *testing.T) {
	ctx := context.Background()
	r, _ := newRepo(t)
	res, err := SaveContent(ctx, r, bytes.NewReader(randomBytes(t, 300<<10)))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	missing := repo.Hash([]byte("missing"))
	ids := append(append([]repo.ID(nil), res.IDs[:2]...), missing)
	var buf bytes.Buffer
	n, err := WriteContent(ctx, r, ids, &buf)
	if !isMissingBlob(err, missing) {
		t.Fatalf("missing blob: err = %v", err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("WriteContent reported %d bytes, wrote %d", n, buf.Len())
	}
	_, err = WriteContent(ctx, r, res.IDs, &failWriter{after: 1})
	if err == nil || !strings.Contains(err.Error(), "write: disk full") {
		t.Fatalf("failing writer: err = %v", err)
	}
}

// A read that fails stops the loads queued behind it; none of them may
// hand a nil buffer back to the pool, where the next restore would take it
// and panic (issue 10: restore panicked after a damaged blob).
func TestWriteContentFailureKeepsBufferPoolSound(t *testing.T) {
	ctx := context.Background()
	r, _ := newRepo(t)
	res, err := SaveContent(ctx, r, bytes.NewReader(randomBytes(t, 600<<10)))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	missing := repo.Hash([]byte("missing"))
	var ids []repo.ID
	for range 8 {
		ids = append(ids, res.IDs...)
	}
	ids = append([]repo.ID{missing}, ids...)
	for range 20 {
		if _, err := WriteContent(ctx, r, ids, io.Discard); !isMissingBlob(err, missing) {
			t.Fatalf("err = %v", err)
		}
		var taken []*[]byte
		for range 64 {
			b := chunkBufs.Get().(*[]byte)
			if b == nil {
				t.Fatal("a nil buffer was put into the pool")
			}
			taken = append(taken, b)
		}
		for _, b := range taken {
			chunkBufs.Put(b)
		}
	}
}
