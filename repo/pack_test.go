package repo

import (
	"bytes"
	"context"
	"encoding/binary"
	"reflect"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/backend/local"
)

func idOf(s string) ID { return Hash([]byte(s)) }

// samplePackBlobs are blobs as a pack builder records them: contiguous from
// offset 0, data and tree, raw, zstd and delta.
func samplePackBlobs() []Blob {
	blobs := []Blob{
		{Type: DataBlob, Enc: EncZstd, ID: idOf("a"), Length: 100, PlainLen: 1000},
		{Type: DataBlob, Enc: EncDelta, ID: idOf("b"), Base: idOf("a"), Length: 50, PlainLen: 1001},
		{Type: TreeBlob, Enc: EncRaw, ID: idOf("c"), Length: Overhead + 1, PlainLen: 0},
		{Type: DataBlob, Enc: EncRaw, ID: idOf("d"), Length: 1 << 20, PlainLen: 1<<20 - Overhead - 1},
	}
	var off uint32
	for i := range blobs {
		blobs[i].Offset = off
		off += blobs[i].Length
	}
	return blobs
}

func packEnd(blobs []Blob) int64 {
	var n int64
	for _, b := range blobs {
		n += int64(b.Length)
	}
	return n
}

func TestPackHeaderLayout(t *testing.T) {
	b := Blob{Type: TreeBlob, Enc: EncDelta, ID: idOf("x"), Base: idOf("y"), Length: 0x01020304, PlainLen: 0x0a0b0c0d}
	got := encodePackHeader([]Blob{b})
	want := []byte{1, 2, 2, 0x04, 0x03, 0x02, 0x01, 0x0d, 0x0c, 0x0b, 0x0a}
	want = append(want, b.ID[:]...)
	want = append(want, b.Base[:]...)
	if !bytes.Equal(got, want) {
		t.Fatalf("encodePackHeader =\n%x\nwant\n%x", got, want)
	}
	if got := encodePackHeader(nil); !bytes.Equal(got, []byte{1}) {
		t.Fatalf("empty header = %x, want 01", got)
	}
	// Non-delta blobs carry no base, even if one is set.
	b.Enc = EncZstd
	if got := encodePackHeader([]Blob{b}); len(got) != 1+packEntrySize {
		t.Fatalf("zstd entry is %d bytes, want %d", len(got)-1, packEntrySize)
	}
}

func TestPackHeaderRoundTrip(t *testing.T) {
	blobs := samplePackBlobs()
	buf := encodePackHeader(blobs)
	if len(buf) != 1+4*packEntrySize+IDSize {
		t.Fatalf("header length %d", len(buf))
	}
	got, err := DecodePackHeader(buf, packEnd(blobs))
	if err != nil {
		t.Fatalf("DecodePackHeader: %v", err)
	}
	if !reflect.DeepEqual(got, blobs) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, blobs)
	}
	if got[1].Base != idOf("a") {
		t.Fatal("delta base lost")
	}
	empty, err := DecodePackHeader([]byte{1}, 0)
	if err != nil || len(empty) != 0 {
		t.Fatalf("empty header: %v, %v", empty, err)
	}
}

func TestDecodePackHeaderTruncated(t *testing.T) {
	blobs := samplePackBlobs()
	buf := encodePackHeader(blobs)
	// want[i] is the error expected for buf[:i]; "" at entry boundaries.
	want := make([]string, len(buf))
	want[0] = "unknown version"
	n, complete := 1, map[int]int{1: 0}
	for i, b := range blobs {
		for j := n + 1; j < n+packEntrySize; j++ {
			want[j] = "truncated entry"
		}
		n += packEntrySize
		if b.Enc == EncDelta {
			for j := n; j < n+IDSize; j++ {
				want[j] = "truncated base ID"
			}
			n += IDSize
		}
		complete[n] = i + 1
	}
	if n != len(buf) {
		t.Fatalf("walked %d bytes of %d", n, len(buf))
	}
	for i := 0; i < len(buf); i++ {
		got, err := DecodePackHeader(buf[:i], packEnd(blobs))
		if want[i] == "" {
			k, ok := complete[i]
			if err != nil || !ok || len(got) != k || (k > 0 && !reflect.DeepEqual(got, blobs[:k])) {
				t.Errorf("length %d (after %d entries): %+v, %v", i, k, got, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want[i]) {
			t.Errorf("length %d: err = %v, want %q", i, err, want[i])
		}
		if got != nil {
			t.Errorf("length %d: blobs returned with an error", i)
		}
	}
}

func TestDecodePackHeaderErrors(t *testing.T) {
	entry := func(typ BlobType, enc byte, length, plain uint32) []byte {
		return encodePackHeader([]Blob{{Type: typ, Enc: enc, ID: idOf("e"), Length: length, PlainLen: plain}})
	}
	for name, tc := range map[string]struct {
		buf  []byte
		end  int64
		want string
	}{
		"version 0":         {[]byte{0}, 0, "pack header: unknown version"},
		"version 2":         {append([]byte{2}, entry(DataBlob, EncRaw, 100, 10)[1:]...), 100, "unknown version"},
		"type 0":            {entry(0, EncRaw, 100, 10), 100, "has unknown type 0"},
		"type 3":            {entry(3, EncRaw, 100, 10), 100, "has unknown type 3"},
		"encoding 3":        {entry(DataBlob, 3, 100, 10), 100, "has unknown encoding 3"},
		"encoding 255":      {entry(TreeBlob, 255, 100, 10), 100, "has unknown encoding 255"},
		"sealed too short":  {entry(DataBlob, EncRaw, Overhead, 0), 100, "has invalid length"},
		"sealed zero":       {entry(DataBlob, EncRaw, 0, 0), 100, "has invalid length"},
		"plaintext too big": {entry(DataBlob, EncZstd, 100, maxBlobSize+1), 100, "has invalid length"},
		"past header":       {entry(DataBlob, EncRaw, 100, 10), 99, "blobs extend past the header"},
		"delta truncated":   {entry(DataBlob, EncDelta, 100, 10)[:1+packEntrySize], 100, "truncated base ID"},
	} {
		_, err := DecodePackHeader(tc.buf, tc.end)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tc.want)
		}
	}
	// The error names the blob.
	_, err := DecodePackHeader(entry(7, EncRaw, 100, 10), 100)
	if err == nil || !strings.Contains(err.Error(), idOf("e").Str()) {
		t.Errorf("error %v does not name blob %s", err, idOf("e").Str())
	}
	// Limits are inclusive.
	if _, err := DecodePackHeader(entry(DataBlob, EncRaw, Overhead+1, maxBlobSize), Overhead+1); err != nil {
		t.Errorf("blob exactly at the limits: %v", err)
	}
	// Lengths add up: the second blob pushes past the header.
	two := encodePackHeader([]Blob{{Type: DataBlob, Length: 60, ID: idOf("1")}, {Type: DataBlob, Length: 60, ID: idOf("2")}})
	if _, err := DecodePackHeader(two, 119); err == nil || !strings.Contains(err.Error(), "extend past") {
		t.Errorf("two blobs of 60 bytes before offset 119: err = %v", err)
	}
	if got, err := DecodePackHeader(two, 120); err != nil || got[1].Offset != 60 {
		t.Errorf("two blobs of 60 bytes before offset 120: %+v, %v", got, err)
	}
}

func TestReadPackHeaderOfWrittenPack(t *testing.T) {
	ctx := context.Background()
	r, dir := newTestRepo(t, smallConfig())
	var want []ID
	for i := 0; i < 5; i++ {
		id, _, err := r.SaveBlob(ctx, DataBlob, compressible(10000+i))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, id)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	packs := r.Index().Packs()
	if len(packs) != 1 {
		t.Fatalf("%d packs, want 1", len(packs))
	}
	blobs, size, err := ReadPackHeader(ctx, local.New(dir), r.Key(), packs[0])
	if err != nil {
		t.Fatalf("ReadPackHeader: %v", err)
	}
	if len(blobs) != 5 {
		t.Fatalf("%d blobs in the header, want 5", len(blobs))
	}
	var off uint32
	for i, b := range blobs {
		if b.ID != want[i] || b.Offset != off || b.Type != DataBlob || b.Enc != EncZstd || b.PlainLen != uint32(10000+i) {
			t.Errorf("blob %d = %+v", i, b)
		}
		pb, ok := r.Index().Lookup(b.ID)
		if !ok || pb.Blob != b || pb.Pack != packs[0] {
			t.Errorf("index entry %+v differs from header %+v", pb, b)
		}
		off += b.Length
	}
	// size = blobs + sealed header + 4 byte trailer
	if want := int64(off) + int64(len(encodePackHeader(blobs))+Overhead+4); size != want {
		t.Fatalf("pack size %d, want %d", size, want)
	}
}

func TestReadPackHeaderLargeHeader(t *testing.T) {
	// More than 64 KiB of header: ReadPackHeader needs a second read.
	ctx := context.Background()
	r, dir := newTestRepo(t, smallConfig())
	const n = 2000
	for i := 0; i < n; i++ {
		if _, _, err := r.SaveBlob(ctx, TreeBlob, []byte{byte(i), byte(i >> 8)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	packs := r.Index().Packs()
	if len(packs) != 1 {
		t.Fatalf("%d packs, want 1", len(packs))
	}
	blobs, _, err := ReadPackHeader(ctx, local.New(dir), r.Key(), packs[0])
	if err != nil {
		t.Fatalf("ReadPackHeader: %v", err)
	}
	if len(blobs) != n || n*packEntrySize < 64<<10 {
		t.Fatalf("%d blobs, want %d (header must exceed 64 KiB)", len(blobs), n)
	}
}

func TestReadPackHeaderBadPacks(t *testing.T) {
	ctx := context.Background()
	r, dir := newTestRepo(t, smallConfig())
	be := local.New(dir)
	save := func(data []byte) ID {
		id := Hash(data)
		if err := be.Save(ctx, backend.Handle{Type: backend.Pack, Name: id.String()}, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
		return id
	}
	short := save(make([]byte, 31))
	if _, _, err := ReadPackHeader(ctx, be, r.Key(), short); err == nil || !strings.Contains(err.Error(), "31 bytes is too short") {
		t.Errorf("short pack: err = %v", err)
	}
	huge := save(binary.LittleEndian.AppendUint32(make([]byte, 100), 1000))
	if _, _, err := ReadPackHeader(ctx, be, r.Key(), huge); err == nil || !strings.Contains(err.Error(), "invalid header length 1000") {
		t.Errorf("header longer than pack: err = %v", err)
	}
	tiny := save(binary.LittleEndian.AppendUint32(make([]byte, 100), Overhead))
	if _, _, err := ReadPackHeader(ctx, be, r.Key(), tiny); err == nil || !strings.Contains(err.Error(), "invalid header length 28") {
		t.Errorf("header of 28 bytes: err = %v", err)
	}
	garbage := save(binary.LittleEndian.AppendUint32(make([]byte, 100), 50))
	if _, _, err := ReadPackHeader(ctx, be, r.Key(), garbage); err == nil || !strings.Contains(err.Error(), ErrAuth.Error()) {
		t.Errorf("garbage header: err = %v", err)
	}
	// A header sealed with the right key but saying blobs run past it.
	hdr := r.Key().Seal(nil, encodePackHeader([]Blob{{Type: DataBlob, ID: idOf("z"), Length: 1000}}), []byte(packHeaderAAD))
	past := save(binary.LittleEndian.AppendUint32(append(make([]byte, 10), hdr...), uint32(len(hdr))))
	if _, _, err := ReadPackHeader(ctx, be, r.Key(), past); err == nil || !strings.Contains(err.Error(), "extend past the header") {
		t.Errorf("blobs past header: err = %v", err)
	}
	if _, _, err := ReadPackHeader(ctx, be, r.Key(), idOf("missing")); !isNotExist(err) {
		t.Errorf("missing pack: err = %v", err)
	}
}
