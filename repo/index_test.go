package repo

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func sampleIndexFile() *IndexFile {
	return &IndexFile{
		Supersedes: []ID{idOf("old1"), idOf("old2")},
		Packs: []IndexPack{
			{ID: idOf("pack1"), Blobs: []Blob{
				{Type: DataBlob, Enc: EncZstd, ID: idOf("a"), Offset: 0, Length: 100, PlainLen: 1000},
				{Type: DataBlob, Enc: EncDelta, ID: idOf("b"), Base: idOf("a"), Offset: 100, Length: 300, PlainLen: 1 << 22},
				{Type: DataBlob, Enc: EncRaw, ID: idOf("c"), Offset: 400, Length: Overhead + 1, PlainLen: 0},
			}},
			{ID: idOf("pack2"), Blobs: []Blob{
				{Type: TreeBlob, Enc: EncZstd, ID: idOf("t"), Offset: 0, Length: 1<<32 - 1, PlainLen: maxBlobSize},
			}},
		},
	}
}

func TestIndexLayout(t *testing.T) {
	f := &IndexFile{Packs: []IndexPack{{ID: idOf("p"), Blobs: []Blob{{Type: TreeBlob, Enc: EncDelta, ID: idOf("x"), Base: idOf("y"), Offset: 300, Length: 129, PlainLen: 5}}}}}
	got := EncodeIndex(f)
	want := []byte{1, 0, 1}
	want = append(want, f.Packs[0].ID[:]...)
	want = append(want, 1, 2, 2, 0xac, 0x02, 0x81, 0x01, 5)
	want = append(want, f.Packs[0].Blobs[0].ID[:]...)
	want = append(want, f.Packs[0].Blobs[0].Base[:]...)
	if !bytes.Equal(got, want) {
		t.Fatalf("EncodeIndex =\n%x\nwant\n%x", got, want)
	}
	if got := EncodeIndex(&IndexFile{}); !bytes.Equal(got, []byte{1, 0, 0}) {
		t.Fatalf("empty index = %x, want 010000", got)
	}
}

func TestIndexRoundTrip(t *testing.T) {
	f := sampleIndexFile()
	buf := EncodeIndex(f)
	got, err := DecodeIndex(buf)
	if err != nil {
		t.Fatalf("DecodeIndex: %v", err)
	}
	if !reflect.DeepEqual(got, f) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, f)
	}
	if again := EncodeIndex(got); !bytes.Equal(again, buf) {
		t.Fatal("re-encoding a decoded index changed its bytes")
	}
	empty, err := DecodeIndex([]byte{1, 0, 0})
	if err != nil || len(empty.Packs) != 0 || len(empty.Supersedes) != 0 {
		t.Fatalf("empty index: %+v, %v", empty, err)
	}
}

func TestDecodeIndexTruncated(t *testing.T) {
	buf := EncodeIndex(sampleIndexFile())
	for i := 0; i < len(buf); i++ {
		f, err := DecodeIndex(buf[:i])
		if err == nil {
			t.Fatalf("prefix of %d of %d bytes decoded: %+v", i, len(buf), f)
		}
		if !strings.HasPrefix(err.Error(), "index: ") {
			t.Errorf("prefix %d: error %q lacks the index: prefix", i, err)
		}
		if f != nil {
			t.Errorf("prefix %d: a result with an error", i)
		}
	}
	_, err := DecodeIndex(buf[:len(buf)-1])
	if err == nil || !strings.Contains(err.Error(), "truncated ID") {
		t.Errorf("missing last byte: err = %v, want truncated ID", err)
	}
	_, err = DecodeIndex(nil)
	if err == nil || !strings.Contains(err.Error(), "unknown version 0") {
		t.Errorf("empty input: err = %v", err)
	}
}

func TestDecodeIndexErrors(t *testing.T) {
	uv := func(v uint64) []byte { return binary.AppendUvarint(nil, v) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	p := idOf("p")
	x := idOf("x")
	blob := func(typ, enc byte, off, length, plain uint64) []byte {
		return cat([]byte{1, 0, 1}, p[:], uv(1), []byte{typ, enc}, uv(off), uv(length), uv(plain), x[:])
	}
	for name, tc := range map[string]struct {
		buf  []byte
		want string
	}{
		"version 2":            {[]byte{2, 0, 0}, "index: unknown version 2"},
		"trailing bytes":       {[]byte{1, 0, 0, 7, 7}, "index: 2 trailing bytes"},
		"supersedes count":     {cat([]byte{1}, uv(1<<40)), "count 1099511627776 exceeds the data"},
		"supersedes count +1":  {cat([]byte{1}, uv(2), x[:], x[:1], []byte{0}), "count 2 exceeds the data"},
		"pack count":           {cat([]byte{1, 0}, uv(1<<62)), "exceeds the data"},
		"pack count max":       {cat([]byte{1, 0}, uv(1<<64-1)), "exceeds the data"},
		"blob count":           {cat([]byte{1, 0, 1}, p[:], uv(1000), []byte{1, 1, 0, 30, 0}, x[:]), "count 1000 exceeds the data"},
		"varint overflow":      {cat([]byte{1}, bytes.Repeat([]byte{0xff}, 10), []byte{1}), "truncated number"},
		"offset out of range":  {blob(1, 0, 1<<32, 30, 0), "number 4294967296 out of range"},
		"length out of range":  {blob(1, 0, 0, 1<<33, 0), "out of range"},
		"unknown type 0":       {blob(0, 0, 0, 30, 0), "has unknown type 0"},
		"unknown type 3":       {blob(3, 0, 0, 30, 0), "has unknown type 3"},
		"unknown encoding 3":   {blob(1, 3, 0, 30, 0), "has unknown encoding 3"},
		"sealed length short":  {blob(1, 0, 0, Overhead, 0), "has invalid length"},
		"plaintext too long":   {blob(2, 1, 0, 30, maxBlobSize+1), "has invalid length"},
		"delta without base":   {blob(1, 2, 0, 30, 0), "truncated ID"},
		"delta base truncated": {cat(blob(1, 2, 0, 30, 0), x[:31]), "truncated ID"},
	} {
		f, err := DecodeIndex(tc.buf)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tc.want)
		}
		if f != nil {
			t.Errorf("%s: a result with an error", name)
		}
	}
	// The same shapes with valid values decode.
	if f, err := DecodeIndex(blob(1, 0, 1<<32-1, 30, maxBlobSize)); err != nil || f.Packs[0].Blobs[0].Offset != 1<<32-1 {
		t.Errorf("blob at the limits: %+v, %v", f, err)
	}
	if f, err := DecodeIndex(cat(blob(2, 2, 0, 30, 0), x[:])); err != nil || f.Packs[0].Blobs[0].Base != x {
		t.Errorf("delta blob: %+v, %v", f, err)
	}
}

func TestDecodeIndexNonMinimalVarint(t *testing.T) {
	// 0x80 0x00 is a two-byte encoding of 0: it decodes, and re-encoding
	// gives the shorter canonical form.
	buf := []byte{1, 0x80, 0x00, 0}
	f, err := DecodeIndex(buf)
	if err != nil {
		t.Fatalf("DecodeIndex: %v", err)
	}
	if got := EncodeIndex(f); !bytes.Equal(got, []byte{1, 0, 0}) {
		t.Fatalf("re-encoded %x", got)
	}
}

func TestIndexLookup(t *testing.T) {
	f := sampleIndexFile()
	x := NewIndex()
	fileID := idOf("index file")
	x.AddFile(fileID, f)
	if x.Len() != 4 {
		t.Fatalf("Len = %d, want 4", x.Len())
	}
	for _, p := range f.Packs {
		for _, b := range p.Blobs {
			pb, ok := x.Lookup(b.ID)
			if !ok {
				t.Fatalf("blob %v not found", b.ID.Str())
			}
			if pb.Blob != b || pb.Pack != p.ID {
				t.Errorf("Lookup(%v) = %+v, want %+v in %v", b.ID.Str(), pb, b, p.ID.Str())
			}
			if !x.Has(b.ID) {
				t.Errorf("Has(%v) false", b.ID.Str())
			}
		}
	}
	if _, ok := x.Lookup(idOf("nope")); ok || x.Has(idOf("nope")) {
		t.Fatal("unknown blob found")
	}
	if got := x.Packs(); !reflect.DeepEqual(got, []ID{idOf("pack1"), idOf("pack2")}) {
		t.Fatalf("Packs = %v", got)
	}
	if got := x.Files(); !reflect.DeepEqual(got, []ID{fileID}) {
		t.Fatalf("Files = %v", got)
	}
	var seen []string
	x.Each(func(pb PackedBlob) { seen = append(seen, pb.ID.String()) })
	sort.Strings(seen)
	if len(seen) != 4 {
		t.Fatalf("Each visited %d blobs", len(seen))
	}
	// A blob in a second pack: the first location serves.
	dup := f.Packs[0].Blobs[0]
	dup.Offset = 999
	x.AddPack(idOf("pack3"), []Blob{dup})
	if pb, _ := x.Lookup(dup.ID); pb.Pack != idOf("pack1") || pb.Offset != 0 {
		t.Fatalf("duplicate blob moved to %v at %d", pb.Pack.Str(), pb.Offset)
	}
	if x.Len() != 4 || len(x.Packs()) != 3 {
		t.Fatalf("after a duplicate: Len %d, packs %d", x.Len(), len(x.Packs()))
	}
}
