package repo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// fuzzKey is a fixed master key, so that seeds sealed with it stay valid
// across fuzzing runs.
func fuzzKey(tb testing.TB) *MasterKey {
	mk := &MasterKey{Pol: 0x3DA3358B4DC173}
	for i := range mk.Encrypt {
		mk.Encrypt[i] = byte(i)
		mk.MAC[i] = byte(255 - i)
	}
	if err := mk.init(); err != nil {
		tb.Fatal(err)
	}
	return mk
}

func fuzzRepo(tb testing.TB) *Repository {
	r, err := newRepository(nil, fuzzKey(tb), DefaultConfig())
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func FuzzDecodePackHeader(f *testing.F) {
	blobs := samplePackBlobs()
	f.Add(encodePackHeader(blobs), packEnd(blobs))
	f.Add(encodePackHeader(blobs), packEnd(blobs)-1)
	f.Add(encodePackHeader(blobs[:1]), int64(1<<24))
	f.Add(encodePackHeader(blobs[1:2]), int64(1<<24))
	f.Add(encodePackHeader(nil), int64(0))
	f.Add([]byte{}, int64(0))
	f.Add(encodePackHeader(blobs)[:50], int64(1<<30))
	f.Fuzz(func(t *testing.T, buf []byte, headerOffset int64) {
		got, err := DecodePackHeader(buf, headerOffset)
		if err != nil {
			if got != nil {
				t.Fatal("blobs returned with an error")
			}
			return
		}
		// The encoding is canonical: re-encoding gives the input back.
		if again := encodePackHeader(got); !bytes.Equal(again, buf) {
			t.Fatalf("re-encoded header differs:\n in %x\nout %x", buf, again)
		}
		var off int64
		for _, b := range got {
			if int64(b.Offset) != off {
				t.Fatalf("blob %v at %d, want contiguous offset %d", b.ID.Str(), b.Offset, off)
			}
			if b.Type != DataBlob && b.Type != TreeBlob {
				t.Fatalf("accepted type %d", b.Type)
			}
			if b.Enc > EncDelta {
				t.Fatalf("accepted encoding %d", b.Enc)
			}
			if b.Enc != EncDelta && !b.Base.IsNull() {
				t.Fatal("base set on a non-delta blob")
			}
			if b.Length < Overhead+1 || b.PlainLen > maxBlobSize {
				t.Fatalf("accepted lengths %d/%d", b.Length, b.PlainLen)
			}
			off += int64(b.Length)
		}
		if len(got) > 0 && off > headerOffset {
			t.Fatalf("blobs end at %d, past the header at %d", off, headerOffset)
		}
	})
}

func FuzzDecodeIndex(f *testing.F) {
	f.Add(EncodeIndex(sampleIndexFile()))
	f.Add(EncodeIndex(&IndexFile{}))
	f.Add(EncodeIndex(&IndexFile{Supersedes: []ID{idOf("x")}}))
	one := sampleIndexFile()
	one.Packs = one.Packs[:1]
	f.Add(EncodeIndex(one))
	f.Add([]byte{1, 0x80, 0x00, 0})
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, buf []byte) {
		got, err := DecodeIndex(buf)
		if err != nil {
			if got != nil {
				t.Fatal("index returned with an error")
			}
			return
		}
		again := EncodeIndex(got)
		// Only varints can be padded: the canonical form is never longer,
		// and of equal length it is the same bytes.
		if len(again) > len(buf) || (len(again) == len(buf) && !bytes.Equal(again, buf)) {
			t.Fatalf("re-encoded index:\n in %x\nout %x", buf, again)
		}
		back, err := DecodeIndex(again)
		if err != nil {
			t.Fatalf("re-encoded index does not decode: %v", err)
		}
		if !reflect.DeepEqual(back, got) {
			t.Fatalf("decode(encode(x)) != x:\n%+v\n%+v", back, got)
		}
		for _, p := range got.Packs {
			for _, b := range p.Blobs {
				if (b.Type != DataBlob && b.Type != TreeBlob) || b.Enc > EncDelta || b.Length < Overhead+1 || b.PlainLen > maxBlobSize {
					t.Fatalf("accepted blob %+v", b)
				}
				if b.Enc != EncDelta && !b.Base.IsNull() {
					t.Fatal("base set on a non-delta blob")
				}
			}
		}
		// Loading it into an Index must not panic and must find every blob.
		x := NewIndex()
		x.AddFile(idOf("f"), got)
		for _, p := range got.Packs {
			for _, b := range p.Blobs {
				if !x.Has(b.ID) {
					t.Fatalf("blob %v not in the index", b.ID.Str())
				}
			}
		}
	})
}

func FuzzParseConfigHeader(f *testing.F) {
	mk := fuzzKey(f)
	header, _ := json.Marshal(ConfigHeader{Magic: configMagic, Version: FormatVersion, ID: "2f8c0a0b5e0a4c1f8f5c9e2d7b3a1c0d2f8c0a0b5e0a4c1f8f5c9e2d7b3a1c0d"})
	header = append(header, '\n')
	body, _ := json.Marshal(DefaultConfig())
	f.Add(mk.Seal(append([]byte(nil), header...), body, header))
	f.Add([]byte(`{"sqlvault":"repository","version":2,"id":"x"}` + "\n"))
	f.Add([]byte(`{"sqlvault":"repository","version":1}`))
	f.Add([]byte("\n"))
	f.Add([]byte(`{"sqlvault":"restic","version":1}` + "\nbody"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, rest, err := ParseConfigHeader(data)
		if err != nil {
			if rest != nil {
				t.Fatal("body returned with an error")
			}
			return
		}
		if h.Magic != configMagic || h.Version != FormatVersion {
			t.Fatalf("accepted header %+v", h)
		}
		i := bytes.IndexByte(data, '\n')
		if i < 0 || !bytes.Equal(rest, data[i+1:]) {
			t.Fatal("body is not what follows the first newline")
		}
		// Re-encoding the header gives a config that parses the same.
		line, err := json.Marshal(h)
		if err != nil {
			t.Fatal(err)
		}
		h2, rest2, err := ParseConfigHeader(append(append(line, '\n'), rest...))
		if err != nil || h2 != h || !bytes.Equal(rest2, rest) {
			t.Fatalf("re-encoded header: %+v, %v", h2, err)
		}
		// The sealed body only opens when it is the real one.
		if plain, err := mk.Open(nil, rest, data[:i+1]); err == nil {
			var cfg Config
			if err := json.Unmarshal(plain, &cfg); err != nil {
				t.Fatalf("authenticated config body does not decode: %v", err)
			}
		}
	})
}

// fuzzKDF makes key derivation cheap enough to try on every input.
var fuzzKDF = KDFParams{Time: 1, Memory: 64, Threads: 1}

func FuzzParseKeyFile(f *testing.F) {
	mk := fuzzKey(f)
	kf, err := NewKeyFile(mk, "pw", fuzzKDF, "alice", "db1")
	if err != nil {
		f.Fatal(err)
	}
	kf.Created = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	indented, _ := json.MarshalIndent(kf, "", "  ")
	compact, _ := json.Marshal(kf)
	f.Add(indented)
	f.Add(compact)
	f.Add([]byte(`{"kdf":"argon2id","time":1,"memory":64,"threads":1,"salt":"AAAAAAAAAAA=","data":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}`))
	f.Add([]byte(`{"kdf":"scrypt","data":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		kf, err := ParseKeyFile(data)
		if err != nil {
			if kf != nil {
				t.Fatal("key file returned with an error")
			}
			return
		}
		if kf.KDF == "" || len(kf.Data) < Overhead {
			t.Fatalf("accepted key file without KDF or data: %+v", kf)
		}
		// Encoding is stable: marshal(parse(marshal(kf))) == marshal(kf).
		enc, err := json.Marshal(kf)
		if err != nil {
			return // e.g. a time.Time that cannot be marshalled again
		}
		kf2, err := ParseKeyFile(enc)
		if err != nil {
			t.Fatalf("re-encoded key file does not parse: %v", err)
		}
		enc2, _ := json.Marshal(kf2)
		if !bytes.Equal(enc, enc2) {
			t.Fatalf("key file encoding unstable:\n%s\n%s", enc, enc2)
		}
		// Opening must fail cleanly, or give the one master key.
		if kf.Time > 2 || kf.Memory > 256 {
			return
		}
		got, err := kf.Open("pw")
		if err != nil {
			return // wrong password, bad parameters or bad master key
		}
		if got.Encrypt != mk.Encrypt || got.MAC != mk.MAC {
			t.Fatal("a key file opened to another master key")
		}
	})
}

func FuzzOpenFile(f *testing.F) {
	r := fuzzRepo(f)
	f.Add(r.sealFile("index", EncodeIndex(sampleIndexFile())))
	f.Add(r.sealFile("index", compressible(5000)))
	f.Add([]byte{EncZstd})
	f.Add(append([]byte{EncRaw}, "plain"...))
	f.Add(r.codec.compress(nil, compressible(5000)))
	f.Add(r.codec.compress(nil, nil))
	f.Add(append([]byte{EncZstd}, zstdFrame(f, []byte("hello hello hello hello"))...))
	f.Add([]byte{7, 1, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		// 1. Random bytes as a sealed file: they must not authenticate,
		// unless they are a real sealed file (a seed).
		if body, err := r.openFile("index", data); err == nil {
			payload, err := r.key.Open(nil, data, []byte("sqlvault index"))
			if err != nil {
				t.Fatal("openFile accepted a file that does not authenticate")
			}
			if payload[0] == EncRaw && !bytes.Equal(body, payload[1:]) {
				t.Fatal("raw body differs from the payload")
			}
		} else if len(data) < Overhead && !errors.Is(err, ErrAuth) {
			t.Fatalf("short input: err = %v, want ErrAuth", err)
		}
		// 2. The same bytes as the payload inside a valid seal: the
		// decompression path on arbitrary input.
		sealed := r.key.Seal(nil, data, []byte("sqlvault snapshots"))
		body, err := r.openFile("snapshots", sealed)
		switch {
		case len(data) == 0 || data[0] > EncZstd:
			if err == nil {
				t.Fatalf("payload with encoding %v accepted", data)
			}
		case data[0] == EncRaw:
			if err != nil || !bytes.Equal(body, data[1:]) {
				t.Fatalf("raw payload: %v", err)
			}
		case err == nil:
			want, derr := r.codec.dec.DecodeAll(data[1:], nil)
			if derr != nil || !bytes.Equal(body, want) {
				t.Fatal("openFile and zstd disagree")
			}
		}
		// 3. Compression round trip of the input as plaintext.
		enc := r.codec.compress(nil, data)
		if enc[0] == EncRaw && len(enc) != len(data)+1 {
			t.Fatal("raw encoding is not one byte longer than the data")
		}
		back, err := r.codec.decompress(nil, enc, len(data))
		if err != nil || !bytes.Equal(back, data) {
			t.Fatalf("compress round trip: %v", err)
		}
	})
}

func zstdFrame(tb testing.TB, data []byte) []byte {
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer enc.Close()
	return enc.EncodeAll(data, nil)
}

func FuzzOpenBlob(f *testing.F) {
	r := fuzzRepo(f)
	text := compressible(3000)
	f.Add(r.codec.compress(nil, text), uint32(len(text)), uint8(DataBlob), false)
	f.Add(r.codec.compress(nil, []byte("x")), uint32(1), uint8(TreeBlob), false)
	f.Add([]byte{EncRaw}, uint32(0), uint8(DataBlob), false)
	f.Add([]byte{EncDelta, 1, 2, 3}, uint32(3), uint8(DataBlob), false)
	f.Add(r.codec.compress(nil, text), uint32(len(text)), uint8(DataBlob), true)
	f.Fuzz(func(t *testing.T, payload []byte, plainLen uint32, typ uint8, raw bool) {
		plainLen %= 1 << 20
		id := r.key.BlobID(payload)
		var enc byte
		if len(payload) > 0 {
			enc = payload[0]
		}
		pb := PackedBlob{Blob: Blob{Type: BlobType(typ), Enc: enc, ID: id, PlainLen: plainLen}}
		sealed := payload // raw: the bytes as they might lie in a pack
		if raw && len(sealed) < Overhead+1 {
			// Pack headers and index files never describe a blob this
			// short; openBlob panics on it (TestBugOpenBlobShortInputPanics).
			return
		}
		if !raw {
			sealed = r.key.Seal(nil, payload, blobAAD(BlobType(typ), id))
		}
		out, err := r.openBlob(context.Background(), pb, append([]byte(nil), sealed...), make([]byte, 0, 16))
		if raw {
			if err == nil {
				t.Fatal("unsealed bytes opened as a blob")
			}
			return
		}
		if err != nil {
			return
		}
		if len(out) != int(plainLen) {
			t.Fatalf("openBlob returned %d bytes, index says %d", len(out), plainLen)
		}
		if enc == EncRaw && !bytes.Equal(out, payload[1:]) {
			t.Fatal("raw blob differs from its payload")
		}
		if enc == EncDelta || enc > EncDelta {
			t.Fatalf("encoding %d accepted", enc)
		}
	})
}
