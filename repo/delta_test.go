package repo

import (
	"bytes"
	"context"
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/backend/local"
	"github.com/sqlvault/sqlvault/chunk"
)

// rowsText returns n SQL-like rows; rows listed in changed get other values.
func rowsText(n int, changed map[int]bool, seed int64) []byte {
	var b bytes.Buffer
	rnd := rand.New(rand.NewSource(seed))
	for i := 0; i < n; i++ {
		v := rnd.Int63()
		if changed[i] {
			v ^= 0x5a5a5a
		}
		b.WriteString("(")
		b.WriteString(strings.Repeat("x", int(v%17)))
		b.WriteString(", N'customer ")
		b.WriteString(string(rune('a' + v%26)))
		b.WriteString("', ")
		b.WriteString(strings.Repeat("9", int(v%7)+1))
		b.WriteString(")\n")
	}
	return b.Bytes()
}

func TestDeltaEncodeApplyRoundTrip(t *testing.T) {
	base := rowsText(20000, nil, 1)
	cases := map[string][]byte{
		"identical":           base,
		"scattered":           rowsText(20000, map[int]bool{10: true, 5000: true, 19999: true}, 1),
		"appended":            append(append([]byte(nil), base...), rowsText(300, nil, 2)...),
		"prefix cut":          base[1000:],
		"unrelated":           rowsText(5000, nil, 99),
		"empty":               {},
		"tiny":                []byte("x"),
		"shorter than window": []byte("0123456789"),
	}
	for name, target := range cases {
		instr := encodeDelta(nil, base, target)
		got, err := applyDelta(nil, base, instr, len(target))
		if err != nil {
			t.Fatalf("%s: apply: %v", name, err)
		}
		if !bytes.Equal(got, target) {
			t.Fatalf("%s: round trip differs", name)
		}
	}
	// Small changes give small deltas: literals are close to the changed bytes.
	scattered := cases["scattered"]
	if n := len(encodeDelta(nil, base, scattered)); n > 400 {
		t.Fatalf("3 changed rows in %d bytes gave a %d-byte delta", len(scattered), n)
	}
	if n := len(encodeDelta(nil, base, base)); n > 16 {
		t.Fatalf("identical content gave a %d-byte delta", n)
	}
}

func TestApplyDeltaRejectsMalformed(t *testing.T) {
	base := []byte("0123456789abcdefghijklmnopqrstuvwxyz0123456789")
	good := encodeDelta(nil, base, append([]byte("HEAD"), base...))
	cases := map[string][]byte{
		"empty":     {},
		"too long":  {0xff, 0xff, 0xff, 0xff, 0x0f},
		"truncated": good[:len(good)-3],
		"trailing":  append(append([]byte(nil), good...), 0),
		// sections: uvarint ops length, ops (target length, instructions),
		// uvarint addrs length, addrs (zigzag), literals
		"copy past base":    {2, 10, 21, 1, 80},          // target 10, copy 10 from offset 40
		"copy before base":  {2, 4, 9, 1, 1},             // copy 4 from offset -1
		"zero size":         {2, 4, 0, 0},                // a zero-length instruction
		"literal short":     {2, 4, 8, 0, 'a', 'b'},      // literal of 4, 2 given
		"address missing":   {2, 4, 9, 0},                // a copy without an address
		"section too long":  {9, 4, 8},                   // ops section longer than the stream
		"extra address":     {2, 2, 4, 1, 0, 'a', 'b'},   // an address no copy uses
		"literal left over": {2, 2, 4, 0, 'a', 'b', 'c'}, // a literal byte no instruction uses
	}
	for name, d := range cases {
		if _, err := applyDelta(nil, base, d, 1000); !errors.Is(err, errDelta) {
			t.Errorf("%s: err = %v, want errDelta", name, err)
		}
	}
}

func FuzzApplyDelta(f *testing.F) {
	base := rowsText(200, nil, 3)
	f.Add(encodeDelta(nil, base, rowsText(200, map[int]bool{7: true}, 3)))
	f.Add([]byte{0})
	f.Add([]byte{4, 9, 0})
	f.Fuzz(func(t *testing.T, d []byte) {
		out, err := applyDelta(nil, base, d, 1<<20)
		if err != nil {
			return
		}
		// A valid delta re-encodes to one that gives the same target.
		again, err := applyDelta(nil, base, encodeDelta(nil, base, out), len(out))
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("re-encoding a decoded delta: %v", err)
		}
	})
}

func FuzzEncodeDelta(f *testing.F) {
	f.Add(rowsText(50, nil, 1), rowsText(50, map[int]bool{3: true}, 1))
	f.Add([]byte{}, []byte("abc"))
	f.Fuzz(func(t *testing.T, base, target []byte) {
		got, err := applyDelta(nil, base, encodeDelta(nil, base, target), len(target))
		if err != nil || !bytes.Equal(got, target) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func initDeltaRepo(t *testing.T, dir string) *Repository {
	t.Helper()
	cfg := DefaultConfig()
	cfg.PackSize = 1 << 20
	r, err := Init(context.Background(), local.New(dir), "pw", InitOptions{Config: cfg, KDF: KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1}, Polynomial: chunk.TestPolynomial})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSaveDataBlobStoresDeltaAgainstKeyframe(t *testing.T) {
	ctx := context.Background()
	r := initDeltaRepo(t, t.TempDir())
	day0 := rowsText(20000, nil, 5)
	day1 := rowsText(20000, map[int]bool{100: true}, 5)
	day2 := rowsText(20000, map[int]bool{100: true, 9000: true}, 5)
	k0, n0, err := r.SaveDataBlob(ctx, day0, ID{})
	if err != nil || n0 == 0 {
		t.Fatalf("keyframe: %v, %d", err, n0)
	}
	if err := r.Flush(ctx); err != nil { // bases come from earlier backups: stored and indexed
		t.Fatal(err)
	}
	d1, n1, err := r.SaveDataBlob(ctx, day1, k0)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// day 2's base hint is day 1's delta: depth one means it is stored
	// against day 1's keyframe, day 0.
	d2, n2, err := r.SaveDataBlob(ctx, day2, d1)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n1 >= n0/20 || n2 >= n0/20 {
		t.Fatalf("deltas are not small: keyframe %d, deltas %d and %d bytes", n0, n1, n2)
	}
	for _, c := range []struct {
		id   ID
		want []byte
	}{{k0, day0}, {d1, day1}, {d2, day2}} {
		pb, _ := r.idx.Lookup(c.id)
		if c.id != k0 && (pb.Enc != EncDelta || pb.Base != k0) {
			t.Fatalf("blob %v: enc %d base %v, want delta against %v", c.id.Str(), pb.Enc, pb.Base.Str(), k0.Str())
		}
		got, err := r.LoadBlob(ctx, DataBlob, c.id, nil)
		if err != nil || !bytes.Equal(got, c.want) {
			t.Fatalf("load %v: %v", c.id.Str(), err)
		}
	}
	// A fresh open reads the deltas through the index files.
	r2, err := Open(ctx, r.be, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if err := r2.LoadIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := r2.LoadBlob(ctx, DataBlob, d2, nil); err != nil || !bytes.Equal(got, day2) {
		t.Fatalf("reopened load: %v", err)
	}
	st, problems, err := r2.Check(ctx, CheckOptions{ReadData: true}, func(p Problem) { t.Errorf("check: %v", p) })
	if err != nil || problems != 0 || st.BlobsRead != 3 {
		t.Fatalf("check: %v, %d problems, %+v", err, problems, st)
	}
}

func TestSaveDataBlobFallsBackToFull(t *testing.T) {
	ctx := context.Background()
	r := initDeltaRepo(t, t.TempDir())
	k0, _, _ := r.SaveDataBlob(ctx, rowsText(5000, nil, 1), ID{})
	r.Flush(ctx)
	// Unrelated content: the delta would be as large as the data. (Rows
	// of another seed share their format with the keyframe: their delta
	// passed the bound for some keyframe IDs, whose keyed hash scales it,
	// about one run in twenty.)
	other, _, err := r.SaveDataBlob(ctx, randomBytes(t, len(rowsText(5000, nil, 2))), k0)
	if err != nil {
		t.Fatal(err)
	}
	// A base that does not exist.
	var missing ID
	missing[0] = 1
	third, _, err := r.SaveDataBlob(ctx, rowsText(5000, nil, 3), missing)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []ID{other, third} {
		if pb, _ := r.idx.Lookup(id); pb.Enc == EncDelta {
			t.Fatalf("blob %v stored as delta", id.Str())
		}
	}
	// Deltas off in the config: never a delta.
	r.cfg.Delta.Enabled = false
	off, _, _ := r.SaveDataBlob(ctx, rowsText(5000, map[int]bool{1: true}, 1), k0)
	r.Flush(ctx)
	if pb, _ := r.idx.Lookup(off); pb.Enc == EncDelta {
		t.Fatal("delta stored with deltas disabled")
	}
}

func TestDeltaMissingBaseIsNamed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	r := initDeltaRepo(t, dir)
	k0, _, _ := r.SaveDataBlob(ctx, rowsText(20000, nil, 7), ID{})
	if err := r.Flush(ctx); err != nil { // keyframe in its own pack
		t.Fatal(err)
	}
	kpack, _ := r.idx.Lookup(k0)
	d1, _, _ := r.SaveDataBlob(ctx, rowsText(20000, map[int]bool{3: true}, 7), k0)
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	dpack, _ := r.idx.Lookup(d1)
	if dpack.Enc != EncDelta || dpack.Pack == kpack.Pack {
		t.Fatalf("setup: delta %d in pack %v, keyframe pack %v", dpack.Enc, dpack.Pack.Str(), kpack.Pack.Str())
	}
	// Lose the keyframe's pack and its index entry (as a broken prune would).
	if err := os.Remove(filepath.Join(dir, "data", kpack.Pack.String()[:2], kpack.Pack.String())); err != nil {
		t.Fatal(err)
	}
	_ = r.be.List(ctx, backend.Index, func(fi backend.FileInfo) error {
		id, _ := ParseID(fi.Name)
		f, _ := r.LoadIndexFile(ctx, id)
		for _, p := range f.Packs {
			if p.ID == kpack.Pack {
				return r.be.Remove(ctx, backend.Handle{Type: backend.Index, Name: fi.Name})
			}
		}
		return nil
	})
	r2, err := Open(ctx, r.be, "pw")
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	_, problems, err := r2.Check(ctx, CheckOptions{}, func(p Problem) { msgs = append(msgs, p.Error()) })
	if err != nil || problems != 1 {
		t.Fatalf("check: %v, %d problems: %q", err, problems, msgs)
	}
	if !strings.Contains(msgs[0], d1.String()) || !strings.Contains(msgs[0], k0.String()) || !strings.Contains(msgs[0], "base blob") {
		t.Fatalf("problem does not name both blobs: %s", msgs[0])
	}
	if _, err := r2.LoadBlob(ctx, DataBlob, d1, nil); !errors.Is(err, ErrMissingBase) || !strings.Contains(err.Error(), k0.Str()) {
		t.Fatalf("load of delta without base: %v", err)
	}
}

func TestCacheServesVerifiedKeyframes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	r := initDeltaRepo(t, dir)
	cache, err := OpenCache(t.TempDir(), r.cfg.ID, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	r.SetCache(cache)
	// loadFresh loads a blob as a new process would: without the keyframe
	// plaintexts kept in memory, so the base comes from the disk cache.
	loadFresh := func(id ID) ([]byte, error) {
		r.plains = recentPlains{}
		return r.LoadBlob(ctx, DataBlob, id, nil)
	}
	day0 := rowsText(20000, nil, 8)
	k0, _, _ := r.SaveDataBlob(ctx, day0, ID{})
	r.Flush(ctx)
	if _, err := os.Stat(cache.path(k0)); err != nil {
		t.Fatalf("keyframe not cached on save: %v", err)
	}
	day1 := rowsText(20000, map[int]bool{5: true}, 8)
	d1, _, _ := r.SaveDataBlob(ctx, day1, k0)
	r.Flush(ctx)
	if s := r.Stats(); s.CacheHits != 1 || s.DeltaBlobs != 1 {
		t.Fatalf("stats after delta: %+v", s)
	}

	// A corrupt cache entry is detected, removed and not trusted.
	data, _ := os.ReadFile(cache.path(k0))
	data[len(data)/2] ^= 1
	os.WriteFile(cache.path(k0), data, 0o600)
	if got, err := loadFresh(d1); err != nil || !bytes.Equal(got, day1) {
		t.Fatalf("load with corrupt cache: %v", err)
	}
	if s := r.Stats(); s.CacheBad != 1 {
		t.Fatalf("corrupt entry not counted: %+v", s)
	}
	// The entry was replaced by a good copy from the pack.
	if got, err := loadFresh(d1); err != nil || !bytes.Equal(got, day1) || r.Stats().CacheHits != 2 {
		t.Fatalf("reload: %v %+v", err, r.Stats())
	}

	// A cache entry from another repository (other key) is never trusted.
	other := initDeltaRepo(t, t.TempDir())
	other.SetCache(cache)
	foreign := rowsText(20000, nil, 9)
	fid, _, _ := other.SaveDataBlob(ctx, foreign, ID{})
	other.Flush(ctx)
	fdata, _ := os.ReadFile(cache.path(fid))
	if fdata == nil {
		t.Fatal("setup: other repository's keyframe not cached")
	}
	os.MkdirAll(filepath.Dir(cache.path(k0)), 0o700)
	os.WriteFile(cache.path(k0), fdata, 0o600) // planted under our keyframe's name
	if got, err := loadFresh(d1); err != nil || !bytes.Equal(got, day1) {
		t.Fatalf("load with foreign cache entry: %v", err)
	}
	if s := r.Stats(); s.CacheBad != 2 {
		t.Fatalf("foreign entry not rejected: %+v", s)
	}
}

func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c, err := OpenCache(t.TempDir(), "repo", 3000)
	if err != nil {
		t.Fatal(err)
	}
	var ids []ID
	for i := 0; i < 5; i++ {
		var id ID
		id[0] = byte(i + 1)
		ids = append(ids, id)
		c.put(id, bytes.Repeat([]byte{byte(i)}, 1000))
	}
	var kept int
	for _, id := range ids {
		if _, ok := c.get(id); ok {
			kept++
		}
	}
	// The fourth put went over the bound and evicted down to 90% (two
	// entries); the fifth fits.
	if kept != 3 || c.size != 3000 {
		t.Fatalf("kept %d entries (%d bytes) of 1000 bytes under a 3000-byte bound", kept, c.size)
	}
	if _, ok := c.get(ids[4]); !ok {
		t.Fatal("newest entry evicted")
	}
}

// TestSaveChunkCutsOutAppendedRuns: a chunk that is its keyframe plus a long
// run of new rows is stored as a delta plus content-defined pieces of the
// run; the next day, with more rows appended, the earlier pieces are found
// again and only the new rows cost space.
func TestSaveChunkCutsOutAppendedRuns(t *testing.T) {
	ctx := context.Background()
	r := initPiecesRepo(t)
	old := rowsText(20000, nil, 11)
	k0, _, err := r.SaveDataBlob(ctx, old, ID{})
	if err != nil {
		t.Fatal(err)
	}
	r.Flush(ctx)
	day1 := append(append([]byte(nil), old...), rowsText(8000, nil, 12)...)
	day2 := append(append([]byte(nil), day1...), rowsText(3000, nil, 13)...)

	join := func(ps []Piece) []byte {
		var b bytes.Buffer
		for _, p := range ps {
			got, err := r.LoadBlob(ctx, DataBlob, p.ID, nil)
			if err != nil || len(got) != p.Len {
				t.Fatalf("piece %v: %v (len %d, want %d)", p.ID.Str(), err, len(got), p.Len)
			}
			b.Write(got)
		}
		return b.Bytes()
	}
	hints := map[string]ID{}
	find := mapFinder(hints)
	remember := func(data []byte, ps []Piece) {
		off := 0
		for _, p := range ps {
			hints[string(data[off:off+64])] = p.ID
			off += p.Len
		}
	}

	p1, err := r.SaveChunk(ctx, day1, k0, find)
	if err != nil {
		t.Fatal(err)
	}
	r.Flush(ctx)
	if len(p1) < 3 || r.Stats().SplitChunks != 1 {
		t.Fatalf("day 1: %d pieces, stats %+v; want the delta plus several run pieces", len(p1), r.Stats())
	}
	// The cut is where new content starts, give or take fragments the new
	// rows share with the old ones.
	if first, _ := r.idx.Lookup(p1[0].ID); first.Enc != EncDelta || first.Base != k0 || p1[0].Len < len(old)*9/10 || p1[0].Len > len(old)+shortCopy {
		t.Fatalf("day 1: first piece enc %d base %v len %d; want a delta against the keyframe covering the old rows", first.Enc, first.Base.Str(), p1[0].Len)
	}
	if got := join(p1); !bytes.Equal(got, day1) {
		t.Fatal("day 1 pieces do not make up the chunk")
	}
	remember(day1, p1)

	p2, err := r.SaveChunk(ctx, day2, p1[0].ID, find)
	if err != nil {
		t.Fatal(err)
	}
	r.Flush(ctx)
	if got := join(p2); !bytes.Equal(got, day2) {
		t.Fatal("day 2 pieces do not make up the chunk")
	}
	var added1, added2, reused int
	for _, p := range p1 {
		added1 += p.Added
	}
	known := map[ID]bool{}
	for _, p := range p1 {
		known[p.ID] = true
	}
	for _, p := range p2 {
		added2 += p.Added
		if known[p.ID] {
			reused++
		}
	}
	// Day 2 appended 3000 rows to day 1's 8000. Storing all 11000 again
	// would cost about 11/8 of day 1; reusing day 1's pieces costs the 3000
	// new rows plus at most the piece they continue.
	if reused < len(p1)-2 || added2 > added1*11/8*7/10 {
		t.Fatalf("day 2 added %d bytes (day 1: %d), reused %d of %d pieces", added2, added1, reused, len(p2))
	}
}

// initPiecesRepo is initDeltaRepo, for tests that count or place the
// pieces of a chunk (every test repository has the fixed polynomial
// chunk.TestPolynomial: such counts must not depend on a random one, which
// can cut a synthetic run into fewer pieces).
func initPiecesRepo(t *testing.T) *Repository {
	t.Helper()
	return initDeltaRepo(t, t.TempDir())
}

// mapFinder finds bases by a piece's first 64 bytes; it knows no order.
type mapFinder map[string]ID

func (m mapFinder) Find(piece []byte) ID { return m[string(piece[:64])] }
func (m mapFinder) Next(ID) ID           { return ID{} }
func (m mapFinder) Prev(ID) ID           { return ID{} }
func (m mapFinder) Back(ID, int) ID      { return ID{} }

// seqFinder knows the order of the previous version's blobs and nothing
// of their content, like a parent whose chunk boundaries all moved.
type seqFinder []ID

func (s seqFinder) Find([]byte) ID  { return ID{} }
func (s seqFinder) Next(id ID) ID   { return s.at(id, 1) }
func (s seqFinder) Prev(id ID) ID   { return s.at(id, -1) }
func (s seqFinder) Back(ID, int) ID { return ID{} }
func (s seqFinder) at(id ID, d int) ID {
	for i, x := range s {
		if x == id && i+d >= 0 && i+d < len(s) {
			return s[i+d]
		}
	}
	return ID{}
}

// TestSaveChunkFindsBasesByPosition: a chunk that spans what were three
// chunks of the previous version, each changed a little, is matched only
// to the first by its hint. The content the first does not hold is found
// in the chunks that followed it, so the whole chunk costs small deltas,
// not the two other chunks again in full.
func TestSaveChunkFindsBasesByPosition(t *testing.T) {
	ctx := context.Background()
	r := initPiecesRepo(t)
	var prev seqFinder
	var day1 []byte
	var full int
	for i := range 3 {
		old := rowsText(6000, nil, int64(20+i))
		id, n, err := r.SaveDataBlob(ctx, old, ID{})
		if err != nil {
			t.Fatal(err)
		}
		prev, full = append(prev, id), full+n
		day1 = append(day1, rowsText(6000, map[int]bool{100: true, 3000: true}, int64(20+i))...)
	}
	r.Flush(ctx)
	before := r.Stats()
	ps, err := r.SaveChunk(ctx, day1, prev[0], prev)
	if err != nil {
		t.Fatal(err)
	}
	added := checkPieces(t, r, ps, day1)
	st := r.Stats()
	if st.NoBase != before.NoBase || added > full/40 {
		t.Fatalf("stored %d bytes for a chunk whose parts cost %d in full (%d pieces, %d without a base); want small deltas only",
			added, full, len(ps), st.NoBase-before.NoBase)
	}
}

// TestIndexPrefersFullCopy: when a blob is stored twice, once as a delta
// and once in full, the index serves the full copy whatever the order.
func TestIndexPrefersFullCopy(t *testing.T) {
	var id, base, p1, p2 ID
	id[0], base[0], p1[0], p2[0] = 1, 2, 3, 4
	delta := Blob{Type: DataBlob, Enc: EncDelta, ID: id, Base: base, Length: 100, PlainLen: 1000}
	full := Blob{Type: DataBlob, Enc: EncZstd, ID: id, Length: 300, PlainLen: 1000}
	for _, order := range [][]Blob{{delta, full}, {full, delta}} {
		x := NewIndex()
		x.AddPack(p1, order[:1])
		x.AddPack(p2, order[1:])
		pb, _ := x.Lookup(id)
		if pb.Enc != EncZstd || !pb.Base.IsNull() || pb.Pack != map[bool]ID{true: p2, false: p1}[order[0].Enc == EncDelta] {
			t.Fatalf("order %d,%d: lookup gives enc %d base %v pack %v", order[0].Enc, order[1].Enc, pb.Enc, pb.Base.Str(), pb.Pack.Str())
		}
	}
}

// FuzzUnpackDelta feeds arbitrary bytes to the decoder of a delta blob's
// payload body (compressed sections, then the instructions) against a
// fixed base: it must fail cleanly or give a target that re-encodes to
// itself.
func FuzzUnpackDelta(f *testing.F) {
	r := fuzzRepo(f)
	base := rowsText(200, nil, 3)
	f.Add(r.codec.packDelta(nil, encodeDelta(nil, base, rowsText(200, map[int]bool{7: true}, 3))))
	f.Add(r.codec.packDelta(nil, encodeDelta(nil, base, []byte("new"))))
	f.Add([]byte{1, 0, 1, 0, 0})
	f.Fuzz(func(t *testing.T, body []byte) {
		instr, err := r.codec.unpackDelta(nil, body, 1<<20)
		if err != nil {
			return
		}
		out, err := applyDelta(nil, base, instr, 1<<20)
		if err != nil {
			return
		}
		again, err := r.codec.unpackDelta(nil, r.codec.packDelta(nil, encodeDelta(nil, base, out)), 1<<20)
		if err != nil {
			t.Fatalf("unpacking a packed delta: %v", err)
		}
		if got, err := applyDelta(nil, base, again, len(out)); err != nil || !bytes.Equal(got, out) {
			t.Fatalf("re-encoding a decoded delta: %v", err)
		}
	})
}

// TestKeyframeSetBounded: the keyframes a chunk's pieces try are loaded
// once each, at most maxKeyframes stay loaded besides the pinned base, and
// the pinned base is never evicted.
func TestKeyframeSetBounded(t *testing.T) {
	ctx := context.Background()
	r := initDeltaRepo(t, t.TempDir())
	var ids []ID
	for i := range 6 {
		id, _, err := r.SaveDataBlob(ctx, rowsText(500, nil, int64(40+i)), ID{})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	r.Flush(ctx)
	s := &keyframeSet{r: r}
	defer s.close()
	pinned := s.pin(ctx, ids[0])
	for _, id := range ids[1:] {
		if e := s.get(ctx, id); e == nil || e.kf.ID != id {
			t.Fatalf("get %v: %v", id.Str(), e)
		}
	}
	if loaded := len(s.entries) + 1; loaded != maxKeyframes+1 || s.base != pinned || pinned == nil {
		t.Fatalf("%d keyframes loaded, pinned base kept: %v; want %d with the pinned base kept", loaded, s.base == pinned, maxKeyframes+1)
	}
	last := s.entries[len(s.entries)-1]
	if s.get(ctx, ids[5]) != last {
		t.Fatal("a loaded keyframe was loaded again")
	}
	var missing ID
	missing[0] = 1
	if s.get(ctx, missing) != nil {
		t.Fatal("a base that is not stored gave a keyframe")
	}
}

// TestRecentKeyframesServeReads: two deltas of one keyframe read in a row
// decode the keyframe once; the second read does not go to the cache or
// the pack.
func TestRecentKeyframesServeReads(t *testing.T) {
	ctx := context.Background()
	r := initDeltaRepo(t, t.TempDir())
	cache, err := OpenCache(t.TempDir(), r.cfg.ID, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	r.SetCache(cache)
	k0, _, _ := r.SaveDataBlob(ctx, rowsText(20000, nil, 8), ID{})
	r.Flush(ctx)
	d1, _, _ := r.SaveDataBlob(ctx, rowsText(20000, map[int]bool{5: true}, 8), k0)
	d2, _, _ := r.SaveDataBlob(ctx, rowsText(20000, map[int]bool{9: true}, 8), k0)
	r.Flush(ctx)
	for _, id := range []ID{d1, d2} {
		if pb, _ := r.idx.Lookup(id); pb.Enc != EncDelta {
			t.Fatal("setup: not stored as a delta")
		}
	}
	r.plains = recentPlains{}
	before := r.Stats()
	for i, id := range []ID{d1, d2, d1} {
		got, err := r.LoadBlob(ctx, DataBlob, id, nil)
		if err != nil || !bytes.Equal(got, rowsText(20000, map[int]bool{[]int{5, 9, 5}[i]: true}, 8)) {
			t.Fatalf("load %d: %v", i, err)
		}
	}
	if s := r.Stats(); s.CacheHits+s.CacheMisses-before.CacheHits-before.CacheMisses != 1 {
		t.Fatalf("keyframe fetched %d times for three reads, want 1", s.CacheHits+s.CacheMisses-before.CacheHits-before.CacheMisses)
	}
}

// encodeDelta appends to dst the instruction stream that rebuilds target
// from base.
func encodeDelta(dst, base, target []byte) []byte {
	e := newDeltaEncoder(base)
	defer e.release()
	dst, _ = e.encode(dst, target, 0)
	return dst
}

// TestKeyframesReplacedSpreadOut: a delta carries every change since its
// keyframe, so it grows day by day until the chunk is stored in full
// again. Chunks written on the same day and changing at the same rate
// must not all be replaced on the same later day (that day would cost a
// full backup): each keyframe's bound is scaled by a factor from its ID.
// After its replacement a chunk's versions are deltas against the new
// keyframe.
func TestKeyframesReplacedSpreadOut(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.PackSize = 1 << 20
	cfg.Delta.MaxRatio = 0.2
	r, _ := newTestRepo(t, cfg)
	const chunks, rows, days = 40, 3000, 40
	rnd := rand.New(rand.NewSource(1))
	changed := make([]map[int]bool, chunks)
	prev := make([]ID, chunks)
	keyframe := make([]ID, chunks) // the chunk's current keyframe
	replaced := make([]int, chunks)
	perDay := make([]int, days+1)
	for d := 0; d <= days; d++ {
		for i := range chunks {
			if changed[i] == nil {
				changed[i] = map[int]bool{}
			}
			for range rows / 200 { // 0.5% of the rows change each day
				changed[i][rnd.Intn(rows)] = true
			}
			base := prev[i]
			if d == 0 {
				changed[i] = map[int]bool{}
			}
			pieces, err := r.SaveChunk(ctx, rowsText(rows, changed[i], int64(100+i)), base, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(pieces) != 1 || pieces[0].Added == 0 {
				t.Fatalf("day %d chunk %d: %+v, want one new blob", d, i, pieces)
			}
			prev[i] = pieces[0].ID
		}
		if err := r.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		for i := range chunks {
			pb, ok := r.idx.Lookup(prev[i])
			switch {
			case !ok:
				t.Fatalf("day %d chunk %d: not indexed", d, i)
			case pb.Enc != EncDelta:
				if d > 0 {
					perDay[d]++
					if replaced[i] == 0 {
						replaced[i] = d
					}
				}
				keyframe[i] = pb.ID
			case pb.Base != keyframe[i]:
				t.Fatalf("day %d chunk %d: delta against %s, its keyframe is %s", d, i, pb.Base.Str(), keyframe[i].Str())
			}
		}
	}
	distinct := map[int]bool{}
	for i, d := range replaced {
		if d == 0 {
			t.Errorf("chunk %d was never stored in full again in %d days (a delta grows without bound)", i, days)
		}
		distinct[d] = true
	}
	t.Logf("first replacement day of each chunk: %v; replacements per day: %v", replaced, perDay)
	most := slices.Max(perDay)
	if most > chunks/3 || len(distinct) < 5 {
		t.Errorf("replacements bunch up: %d of %d chunks on one day, first replacements on %d distinct days (per day: %v)", most, chunks, len(distinct), perDay)
	}
}

// TestSaveChunkLooksPastPiecesOfOneKeyframe: in the previous version a
// keyframe was followed by several blobs encoded against it (the pieces of
// a chunk whose appended rows were cut out), then by the next table's
// blob. A chunk that now spans both finds the second part's base by
// position: the search passes over the blobs that share the first
// keyframe instead of giving up after two of them.
func TestSaveChunkLooksPastPiecesOfOneKeyframe(t *testing.T) {
	ctx := context.Background()
	r := initPiecesRepo(t)
	a := rowsText(6000, nil, 30)
	b := rowsText(6000, nil, 31)
	ka, _, err := r.SaveDataBlob(ctx, a, ID{})
	if err != nil {
		t.Fatal(err)
	}
	r.Flush(ctx)
	prev := seqFinder{ka}
	for i := range 4 { // four blobs against ka, each a changed quarter of a
		part := rowsText(6000, map[int]bool{i*1500 + 7: true}, 30)[i*len(a)/4 : (i+1)*len(a)/4]
		id, _, err := r.SaveDataBlob(ctx, part, ka)
		if err != nil {
			t.Fatal(err)
		}
		prev = append(prev, id)
	}
	kb, fullB, err := r.SaveDataBlob(ctx, b, ID{})
	if err != nil {
		t.Fatal(err)
	}
	prev = append(prev, kb)
	r.Flush(ctx)
	for _, id := range prev[1:5] {
		if pb, _ := r.idx.Lookup(id); pb.Enc != EncDelta || pb.Base != ka {
			t.Fatalf("setup: blob %s is not a delta against the first keyframe: %+v", id.Str(), pb)
		}
	}
	day1 := append(rowsText(6000, map[int]bool{10: true}, 30), rowsText(6000, map[int]bool{4000: true}, 31)...)
	before := r.Stats()
	ps, err := r.SaveChunk(ctx, day1, ka, prev)
	if err != nil {
		t.Fatal(err)
	}
	added := checkPieces(t, r, ps, day1)
	if st := r.Stats(); st.NoBase != before.NoBase || added > fullB/10 {
		t.Fatalf("stored %d bytes (the second table costs %d in full), %d pieces without a base; want small deltas only",
			added, fullB, st.NoBase-before.NoBase)
	}
}

// posFinder knows the order and lengths of the previous version's blobs,
// and nothing of their content.
type posFinder struct {
	ids  []ID
	lens []int
}

func (p posFinder) Find([]byte) ID { return ID{} }
func (p posFinder) Next(id ID) ID  { return seqFinder(p.ids).Next(id) }
func (p posFinder) Prev(id ID) ID  { return seqFinder(p.ids).Prev(id) }
func (p posFinder) Back(id ID, n int) ID {
	start := 0
	for i, x := range p.ids {
		if x == id {
			at := start - n
			for j := range i {
				if at < p.lens[j] {
					return p.ids[j]
				}
				at -= p.lens[j]
			}
			return ID{}
		}
		start += p.lens[i]
	}
	return ID{}
}

// TestSaveChunkMatchedByItsEnd: a chunk whose end matched a small blob of
// the previous version (rows appended on an earlier day, stored on their
// own) holds, before that blob's content, a large stretch that was another
// blob further back. That stretch is found by its distance from the
// matched blob, not stored in full.
func TestSaveChunkMatchedByItsEnd(t *testing.T) {
	ctx := context.Background()
	r := initPiecesRepo(t)
	var f posFinder
	var fullA int
	for i, n := range []int{8000, 600, 600, 600} { // a table's chunk, then three pieces of appended rows
		b := rowsText(n, nil, int64(40+i))
		id, added, err := r.SaveDataBlob(ctx, b, ID{})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			fullA = added
		}
		f.ids, f.lens = append(f.ids, id), append(f.lens, len(b))
	}
	r.Flush(ctx)
	var day1 []byte
	for i, n := range []int{8000, 600, 600} {
		day1 = append(day1, rowsText(n, map[int]bool{n / 3: true}, int64(40+i))...)
	}
	day1 = append(day1, rowsText(600, nil, 43)...) // ends like the last piece: matched by it
	before := r.Stats()
	ps, err := r.SaveChunk(ctx, day1, f.ids[3], f)
	if err != nil {
		t.Fatal(err)
	}
	added := checkPieces(t, r, ps, day1)
	if st := r.Stats(); st.NoBase != before.NoBase || added > fullA/10 {
		t.Fatalf("stored %d bytes (the first blob costs %d in full), %d pieces without a base; want small deltas only",
			added, fullA, st.NoBase-before.NoBase)
	}
}

// checkPieces flushes r, checks that the pieces read back as want, and
// returns the bytes they added to the repository.
func checkPieces(t *testing.T, r *Repository, ps []Piece, want []byte) int {
	t.Helper()
	ctx := context.Background()
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	added := 0
	for _, p := range ps {
		plain, err := r.LoadBlob(ctx, DataBlob, p.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		got.Write(plain)
		added += p.Added
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatal("the pieces do not make up the chunk")
	}
	return added
}
