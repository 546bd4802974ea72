package repo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/backend/local"
	"github.com/sqlvault/sqlvault/chunk"
)

func TestInitOpen(t *testing.T) {
	ctx := context.Background()
	r, dir := newTestRepo(t, smallConfig())
	keys := listNames(t, local.New(dir), backend.Key)
	if len(keys) != 1 || keys[0] != r.KeyID().String() {
		t.Fatalf("key files %v, KeyID %v", keys, r.KeyID())
	}
	o, err := Open(ctx, local.New(dir), testPassword)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if o.Config() != r.Config() {
		t.Fatalf("Open config %+v, Init config %+v", o.Config(), r.Config())
	}
	if o.Config().PackSize != 1<<20 || len(o.Config().ID) != 64 {
		t.Fatalf("config %+v", o.Config())
	}
	if o.Key().Encrypt != r.Key().Encrypt || o.Key().MAC != r.Key().MAC || o.Key().Pol != r.Key().Pol {
		t.Fatal("Open found another master key")
	}
	if o.Key().Pol == 0 {
		t.Fatal("no chunker polynomial")
	}
	if o.KeyID() != r.KeyID() {
		t.Fatalf("KeyID %v, want %v", o.KeyID(), r.KeyID())
	}
	if o.Backend().Location() != dir {
		t.Fatalf("Location %q", o.Backend().Location())
	}
}

func TestInitDefaultsWhenConfigEmpty(t *testing.T) {
	r, _ := newTestRepo(t, Config{})
	if r.Config().PackSize != 16<<20 || r.Config().Compression != "fastest" {
		t.Fatalf("config %+v", r.Config())
	}
}

func TestTwoRepositoriesHaveDifferentKeys(t *testing.T) {
	// Without InitOptions.Polynomial (test repositories set it), each
	// repository gets a random secret polynomial.
	init := func() *Repository {
		r, err := Init(context.Background(), local.New(filepath.Join(t.TempDir(), "repo")), testPassword, InitOptions{Config: smallConfig(), KDF: testKDF})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b := init(), init()
	if a.Config().ID == b.Config().ID || a.Key().MAC == b.Key().MAC || a.Key().Pol == b.Key().Pol {
		t.Fatal("two repositories share an ID, a MAC key or a polynomial")
	}
}

func TestInitFixedPolynomial(t *testing.T) {
	r, dir := newTestRepo(t, smallConfig())
	if r.Key().Pol != chunk.TestPolynomial || reopen(t, dir).Key().Pol != chunk.TestPolynomial {
		t.Fatalf("polynomial %#x, want %#x", r.Key().Pol, chunk.TestPolynomial)
	}
	dir = filepath.Join(t.TempDir(), "repo")
	_, err := Init(context.Background(), local.New(dir), testPassword, InitOptions{KDF: testKDF, Polynomial: 0x3DA3358B4DC172})
	if err == nil || !strings.Contains(err.Error(), "is not an irreducible polynomial of degree 53") {
		t.Fatalf("reducible polynomial: err = %v", err)
	}
	if _, serr := os.Stat(dir); !os.IsNotExist(serr) {
		t.Fatalf("a refused Init created %s (%v)", dir, serr)
	}
}

func TestOpenWrongPassword(t *testing.T) {
	ctx := context.Background()
	_, dir := newTestRepo(t, smallConfig())
	_, err := Open(ctx, local.New(dir), "wrong")
	if !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("wrong password: err = %v", err)
	}
	_, err = Open(ctx, local.New(dir), "")
	if !errors.Is(err, ErrWrongPassword) || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("empty password: err = %v", err)
	}
}

func TestOpenNoRepository(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(context.Background(), local.New(dir), testPassword)
	if !errors.Is(err, ErrNoRepository) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("err = %v, want ErrNoRepository naming %s", err, dir)
	}
}

func TestInitEmptyPassword(t *testing.T) {
	_, err := Init(context.Background(), local.New(t.TempDir()), "", InitOptions{KDF: testKDF, Polynomial: chunk.TestPolynomial})
	if err == nil || !strings.Contains(err.Error(), "empty password") {
		t.Fatalf("err = %v", err)
	}
}

func TestInitTwice(t *testing.T) {
	r, dir := newTestRepo(t, smallConfig())
	_, err := Init(context.Background(), local.New(dir), "other", InitOptions{Config: smallConfig(), KDF: testKDF, Polynomial: chunk.TestPolynomial})
	if !errors.Is(err, backend.ErrExist) {
		t.Fatalf("second Init: err = %v, want ErrExist", err)
	}
	// The first repository is untouched.
	o := reopen(t, dir)
	if o.Config().ID != r.Config().ID {
		t.Fatal("second Init changed the repository")
	}
	if keys := listNames(t, local.New(dir), backend.Key); len(keys) != 1 {
		t.Fatalf("second Init left %d key files", len(keys))
	}
}

func TestAddKey(t *testing.T) {
	ctx := context.Background()
	r, dir := newTestRepo(t, smallConfig())
	id, err := r.AddKey(ctx, "second password", testKDF)
	if err != nil {
		t.Fatal(err)
	}
	if id == r.KeyID() {
		t.Fatal("AddKey returned the first key's ID")
	}
	for _, pw := range []string{testPassword, "second password"} {
		o, err := Open(ctx, local.New(dir), pw)
		if err != nil {
			t.Fatalf("Open with %q: %v", pw, err)
		}
		if o.Key().Encrypt != r.Key().Encrypt {
			t.Fatalf("password %q opened another master key", pw)
		}
	}
	o, _ := Open(ctx, local.New(dir), "second password")
	if o.KeyID() != id {
		t.Fatalf("KeyID %v, want %v", o.KeyID(), id)
	}
	// The key file's name is the SHA-256 of its content.
	data, err := os.ReadFile(filepath.Join(dir, "keys", id.String()))
	if err != nil || Hash(data) != id {
		t.Fatalf("key file %v: %v", id, err)
	}
}

func TestSaveBlobDedupe(t *testing.T) {
	ctx := context.Background()
	r, dir := newTestRepo(t, smallConfig())
	data := compressible(50000)
	id, n, err := r.SaveBlob(ctx, DataBlob, data)
	if err != nil {
		t.Fatal(err)
	}
	if id != r.Key().BlobID(data) {
		t.Fatal("SaveBlob returned another ID than BlobID")
	}
	if n <= Overhead || n >= len(data) {
		t.Fatalf("first save added %d bytes for %d compressible bytes", n, len(data))
	}
	id2, n2, err := r.SaveBlob(ctx, DataBlob, data)
	if err != nil || id2 != id || n2 != 0 {
		t.Fatalf("second save (pending): %v, %d, %v; want same ID and 0 added", id2, n2, err)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	pb, ok := r.Index().Lookup(id)
	if !ok || int(pb.Length) != n {
		t.Fatalf("index entry %+v, want length %d", pb, n)
	}
	id3, n3, err := r.SaveBlob(ctx, DataBlob, data)
	if err != nil || id3 != id || n3 != 0 {
		t.Fatalf("third save (indexed): %v, %d, %v", id3, n3, err)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if packs := listNames(t, local.New(dir), backend.Pack); len(packs) != 1 {
		t.Fatalf("%d packs after saving one blob three times", len(packs))
	}
	// Across sessions: a fresh Open that loads the index knows the blob.
	o := reopen(t, dir)
	if _, n4, err := o.SaveBlob(ctx, DataBlob, data); err != nil || n4 != 0 {
		t.Fatalf("save after reopen: %d, %v", n4, err)
	}
}

func TestSaveBlobConcurrentDedupe(t *testing.T) {
	ctx := context.Background()
	r, dir := newTestRepo(t, smallConfig())
	const unique = 40
	var wg sync.WaitGroup
	var mu sync.Mutex
	added := map[ID]int{}
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < unique; i++ {
				data := compressible(30000 + (i+g)%unique)
				id, n, err := r.SaveBlob(ctx, DataBlob, data)
				if err != nil {
					errs <- err
					return
				}
				if n > 0 {
					mu.Lock()
					added[id]++
					mu.Unlock()
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if len(added) != unique {
		t.Fatalf("%d blobs reported added, want %d", len(added), unique)
	}
	for id, c := range added {
		if c != 1 {
			t.Errorf("blob %v added %d times", id.Str(), c)
		}
	}
	if got := reopen(t, dir).Index().Len(); got != unique {
		t.Fatalf("index holds %d blobs, want %d", got, unique)
	}
}

func TestLoadBlobRoundTrip(t *testing.T) {
	for _, be := range []string{"staged", "in-memory"} {
		t.Run(be, func(t *testing.T) {
			ctx := context.Background()
			dir := filepath.Join(t.TempDir(), "repo")
			var b backend.Backend = local.New(dir)
			if be == "in-memory" {
				b = noStage{b}
			}
			r, err := Init(ctx, b, testPassword, InitOptions{Config: smallConfig(), KDF: testKDF, Polynomial: chunk.TestPolynomial})
			if err != nil {
				t.Fatal(err)
			}
			text := compressible(300000)
			random := randomBytes(t, 100000)
			cases := []struct {
				name    string
				typ     BlobType
				data    []byte
				wantEnc byte
			}{
				{"compressible", DataBlob, text, EncZstd},
				{"random", DataBlob, random, EncRaw},
				{"empty", DataBlob, []byte{}, EncRaw},
				{"one byte", TreeBlob, []byte{'x'}, EncRaw},
				{"tree", TreeBlob, []byte(`{"nodes":[]}` + strings.Repeat(" ", 1000)), EncZstd},
			}
			ids := make([]ID, len(cases))
			for i, c := range cases {
				id, n, err := r.SaveBlob(ctx, c.typ, c.data)
				if err != nil {
					t.Fatalf("%s: SaveBlob: %v", c.name, err)
				}
				ids[i] = id
				if c.wantEnc == EncRaw && n != len(c.data)+Overhead+1 {
					t.Errorf("%s: raw blob added %d bytes, want %d", c.name, n, len(c.data)+Overhead+1)
				}
			}
			if err := r.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			for _, rr := range []*Repository{r, reopen(t, dir)} {
				for i, c := range cases {
					pb, ok := rr.Index().Lookup(ids[i])
					if !ok {
						t.Fatalf("%s: not in index", c.name)
					}
					if pb.Enc != c.wantEnc || pb.Type != c.typ || int(pb.PlainLen) != len(c.data) {
						t.Errorf("%s: index entry %+v, want encoding %d", c.name, pb, c.wantEnc)
					}
					if c.wantEnc == EncZstd && int(pb.Length) >= len(c.data) {
						t.Errorf("%s: compressed to %d bytes from %d", c.name, pb.Length, len(c.data))
					}
					buf := make([]byte, 5, 64)
					got, err := rr.LoadBlob(ctx, c.typ, ids[i], buf)
					if err != nil {
						t.Fatalf("%s: LoadBlob: %v", c.name, err)
					}
					if !bytes.Equal(got, c.data) {
						t.Fatalf("%s: LoadBlob returned %d bytes that differ from the %d saved", c.name, len(got), len(c.data))
					}
				}
			}
			if tmp := tempFiles(t, dir); len(tmp) != 0 {
				t.Fatalf("temporary files left: %v", tmp)
			}
		})
	}
}

func TestLoadBlobErrors(t *testing.T) {
	ctx := context.Background()
	r, _ := newTestRepo(t, smallConfig())
	id, _, err := r.SaveBlob(ctx, DataBlob, []byte("data"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.LoadBlob(ctx, DataBlob, id, nil); !isMissingBlob(err, id) {
		t.Fatalf("LoadBlob before Flush: err = %v", err)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.LoadBlob(ctx, TreeBlob, id, nil); err == nil || !strings.Contains(err.Error(), "is a data blob, expected tree") {
		t.Fatalf("LoadBlob with the wrong type: err = %v", err)
	}
	if _, err := r.LoadBlob(ctx, DataBlob, idOf("missing"), nil); !isMissingBlob(err, idOf("missing")) {
		t.Fatalf("LoadBlob of an unknown blob: err = %v", err)
	}
}

func TestLoadBlobDetectsDamage(t *testing.T) {
	ctx := context.Background()
	r, dir := newTestRepo(t, smallConfig())
	data := compressible(20000)
	id, _, err := r.SaveBlob(ctx, DataBlob, data)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	pb, _ := r.Index().Lookup(id)
	flipBit(t, packPath(dir, pb.Pack), int64(pb.Offset)+NonceSize+3)
	_, err = r.LoadBlob(ctx, DataBlob, id, nil)
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), id.Str()) || !strings.Contains(err.Error(), pb.Pack.Str()) {
		t.Fatalf("LoadBlob of a damaged blob: err = %v", err)
	}
}

func TestOpenBlobRejectsMismatchedIndex(t *testing.T) {
	ctx := context.Background()
	r, _ := newTestRepo(t, smallConfig())
	data := compressible(5000)
	id := r.Key().BlobID(data)
	payload := r.codec.compress(nil, data)
	sealed := r.Key().Seal(nil, payload, blobAAD(DataBlob, id))
	pb := PackedBlob{Blob: Blob{Type: DataBlob, Enc: EncZstd, ID: id, PlainLen: uint32(len(data))}}
	if got, err := r.openBlob(ctx, pb, append([]byte(nil), sealed...), nil); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("openBlob: %v", err)
	}
	for name, tc := range map[string]struct {
		mutate func(*PackedBlob)
		want   string
	}{
		"encoding":  {func(p *PackedBlob) { p.Enc = EncRaw }, "encoding does not match the index"},
		"length":    {func(p *PackedBlob) { p.PlainLen-- }, "exceeds limit"},
		"length+1":  {func(p *PackedBlob) { p.PlainLen++ }, "decoded 5000 bytes, index says 5001"},
		"type":      {func(p *PackedBlob) { p.Type = TreeBlob }, ErrAuth.Error()},
		"id":        {func(p *PackedBlob) { p.ID = idOf("other") }, ErrAuth.Error()},
		"delta enc": {func(p *PackedBlob) { p.Enc = EncDelta }, "encoding does not match"},
	} {
		p := pb
		tc.mutate(&p)
		_, err := r.openBlob(ctx, p, append([]byte(nil), sealed...), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tc.want)
		}
	}
	// A delta payload whose base is not stored fails and names the blob.
	dpayload := append([]byte{EncDelta}, payload[1:]...)
	dsealed := r.Key().Seal(nil, dpayload, blobAAD(DataBlob, id))
	dpb := pb
	dpb.Enc = EncDelta
	if _, err := r.openBlob(ctx, dpb, dsealed, nil); err == nil || !strings.Contains(err.Error(), "blob "+id.Str()) {
		t.Errorf("delta blob without a base: err = %v", err)
	}
}

func TestPacksRollOver(t *testing.T) {
	for _, be := range []string{"staged", "in-memory"} {
		t.Run(be, func(t *testing.T) {
			ctx := context.Background()
			dir := filepath.Join(t.TempDir(), "repo")
			var b backend.Backend = local.New(dir)
			if be == "in-memory" {
				b = noStage{b}
			}
			r, err := Init(ctx, b, testPassword, InitOptions{Config: smallConfig(), KDF: testKDF, Polynomial: chunk.TestPolynomial})
			if err != nil {
				t.Fatal(err)
			}
			const blobSize = 300 << 10
			var ids []ID
			for i := 0; i < 10; i++ {
				id, _, err := r.SaveBlob(ctx, DataBlob, randomBytes(t, blobSize))
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			// 4 blobs of 300 KiB pass 1 MiB: two full packs are written
			// before Flush, without an index yet.
			if packs := listNames(t, b, backend.Pack); len(packs) != 2 {
				t.Fatalf("%d packs before Flush, want 2", len(packs))
			}
			if idx := listNames(t, b, backend.Index); len(idx) != 0 {
				t.Fatalf("index files before Flush: %v", idx)
			}
			treeID, _, err := r.SaveBlob(ctx, TreeBlob, []byte(`{"nodes":[]}`))
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			packs := listNames(t, b, backend.Pack)
			if len(packs) != 4 {
				t.Fatalf("%d packs after Flush, want 4 (2 full, 1 partial data, 1 tree)", len(packs))
			}
			o := reopen(t, dir)
			perPack := map[ID][]ID{}
			for _, id := range append(ids, treeID) {
				pb, ok := o.Index().Lookup(id)
				if !ok {
					t.Fatalf("blob %v not in index", id.Str())
				}
				perPack[pb.Pack] = append(perPack[pb.Pack], id)
			}
			treePack, _ := o.Index().Lookup(treeID)
			if len(perPack[treePack.Pack]) != 1 {
				t.Fatal("the tree blob shares a pack with data blobs")
			}
			sealedBlob := int64(blobSize + Overhead + 1)
			for pack, blobs := range perPack {
				fi, err := b.Stat(ctx, backend.Handle{Type: backend.Pack, Name: pack.String()})
				if err != nil {
					t.Fatal(err)
				}
				if pack == treePack.Pack {
					continue
				}
				content := int64(len(blobs)) * sealedBlob
				if len(blobs) == 4 && (content < 1<<20 || content-sealedBlob >= 1<<20) {
					t.Errorf("full pack %v holds %d bytes of blobs", pack.Str(), content)
				}
				if len(blobs) != 4 && len(blobs) != 2 {
					t.Errorf("pack %v has %d blobs, want 4 or 2", pack.Str(), len(blobs))
				}
				if fi.Size <= content {
					t.Errorf("pack %v is %d bytes, less than its blobs", pack.Str(), fi.Size)
				}
				// The pack's name is the SHA-256 of its bytes.
				data, err := backend.LoadAll(ctx, b, backend.Handle{Type: backend.Pack, Name: pack.String()})
				if err != nil || Hash(data) != pack {
					t.Errorf("pack %v: name is not the hash of its content (%v)", pack.Str(), err)
				}
			}
			for _, id := range ids[:3] {
				if _, err := o.LoadBlob(ctx, DataBlob, id, nil); err != nil {
					t.Fatalf("LoadBlob: %v", err)
				}
			}
		})
	}
}

func TestFlushWritesIndexForFreshOpen(t *testing.T) {
	ctx := context.Background()
	r, dir := newTestRepo(t, smallConfig())
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if idx := listNames(t, local.New(dir), backend.Index); len(idx) != 0 {
		t.Fatalf("Flush with nothing saved wrote index files %v", idx)
	}
	want := map[ID][]byte{}
	for i := 0; i < 20; i++ {
		data := compressible(1000 * (i + 1))
		id, _, err := r.SaveBlob(ctx, DataBlob, data)
		if err != nil {
			t.Fatal(err)
		}
		want[id] = data
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	idx := listNames(t, local.New(dir), backend.Index)
	if len(idx) != 1 {
		t.Fatalf("%d index files, want 1", len(idx))
	}
	if got := r.Index().Files(); len(got) != 1 || got[0].String() != idx[0] {
		t.Fatalf("in-memory index files %v, stored %v", got, idx)
	}
	o, err := Open(ctx, local.New(dir), testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if o.Index().Len() != 0 {
		t.Fatal("Open loaded the index")
	}
	if err := o.LoadIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if o.Index().Len() != len(want) {
		t.Fatalf("index has %d blobs, want %d", o.Index().Len(), len(want))
	}
	for id, data := range want {
		got, err := o.LoadBlob(ctx, DataBlob, id, nil)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("LoadBlob(%v): %v", id.Str(), err)
		}
	}
	// LoadIndex again adds nothing; a second session's index is picked up.
	if err := o.LoadIndex(ctx); err != nil || o.Index().Len() != len(want) || len(o.Index().Files()) != 1 {
		t.Fatalf("second LoadIndex: %d blobs, %v", o.Index().Len(), err)
	}
	if _, _, err := r.SaveBlob(ctx, DataBlob, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := o.LoadIndex(ctx); err != nil || o.Index().Len() != len(want)+1 || len(o.Index().Files()) != 2 {
		t.Fatalf("LoadIndex after another Flush: %d blobs, %d files, %v", o.Index().Len(), len(o.Index().Files()), err)
	}
	// The index file decodes to exactly the packs the index knows.
	f, err := o.LoadIndexFile(ctx, mustParseID(t, idx[0]))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Supersedes) != 0 || len(f.Packs) != 1 || len(f.Packs[0].Blobs) != 20 {
		t.Fatalf("index file: %d supersedes, %d packs", len(f.Supersedes), len(f.Packs))
	}
}

func mustParseID(t testing.TB, s string) ID {
	t.Helper()
	id, err := ParseID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSaveLoadFile(t *testing.T) {
	ctx := context.Background()
	r, dir := newTestRepo(t, smallConfig())
	for _, body := range [][]byte{[]byte(`{"a":1}`), compressible(100000), randomBytes(t, 1000), {}} {
		id, err := r.SaveFile(ctx, backend.Snapshot, body)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(filepath.Join(dir, "snapshots", id.String()))
		if err != nil || Hash(raw) != id {
			t.Fatalf("stored file is not named by its hash: %v", err)
		}
		if len(body) > 10 && bytes.Contains(raw, body[:10]) {
			t.Fatal("stored file holds plaintext")
		}
		got, err := r.LoadFile(ctx, backend.Snapshot, id)
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("LoadFile: %d bytes, %v", len(got), err)
		}
	}
	if _, err := r.LoadFile(ctx, backend.Snapshot, idOf("none")); !isNotExist(err) {
		t.Fatalf("LoadFile of a missing file: err = %v", err)
	}
}

func TestLoadFileDetectsRenamedOrModified(t *testing.T) {
	ctx := context.Background()
	r, dir := newTestRepo(t, smallConfig())
	be := local.New(dir)
	id, err := r.SaveFile(ctx, backend.Snapshot, []byte(`{"paths":["/x"]}`))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "snapshots", id.String()))
	if err != nil {
		t.Fatal(err)
	}
	save := func(ft backend.FileType, name string, d []byte) {
		t.Helper()
		if err := be.Save(ctx, backend.Handle{Type: ft, Name: name}, bytes.NewReader(d), int64(len(d))); err != nil {
			t.Fatal(err)
		}
	}
	// Renamed: the content no longer matches the name.
	other := idOf("other name")
	save(backend.Snapshot, other.String(), data)
	_, err = r.LoadFile(ctx, backend.Snapshot, other)
	if err == nil || !strings.Contains(err.Error(), "snapshots/"+other.String()+": content does not match its name") {
		t.Fatalf("renamed file: err = %v", err)
	}
	// Modified and renamed to its new hash: the ciphertext fails.
	mod := append([]byte(nil), data...)
	mod[len(mod)/2] ^= 0x80
	save(backend.Snapshot, Hash(mod).String(), mod)
	_, err = r.LoadFile(ctx, backend.Snapshot, Hash(mod))
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("modified file: err = %v, want ErrAuth", err)
	}
	// Moved to another type: the type is authenticated.
	save(backend.Index, id.String(), data)
	_, err = r.LoadFile(ctx, backend.Index, id)
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "index/"+id.String()) {
		t.Fatalf("snapshot read as index: err = %v, want ErrAuth naming the file", err)
	}
	// Modified in place (name kept): detected by the hash before decryption.
	p := filepath.Join(dir, "snapshots", id.String())
	flipBit(t, p, 5)
	if _, err := r.LoadFile(ctx, backend.Snapshot, id); err == nil || !strings.Contains(err.Error(), "damaged file") {
		t.Fatalf("modified in place: err = %v", err)
	}
}

func TestOpenFileDecodesCompressedAndRaw(t *testing.T) {
	r, _ := newTestRepo(t, smallConfig())
	for _, body := range [][]byte{compressible(70000), randomBytes(t, 300), nil} {
		sealed := r.sealFile("index", body)
		got, err := r.openFile("index", sealed)
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("openFile: %d bytes, %v", len(got), err)
		}
		if _, err := r.openFile("snapshots", sealed); !errors.Is(err, ErrAuth) {
			t.Fatalf("openFile with the wrong type: err = %v", err)
		}
	}
	// A payload with an unknown encoding byte.
	sealed := r.Key().Seal(nil, []byte{9, 1, 2, 3}, []byte("sqlvault index"))
	if _, err := r.openFile("index", sealed); err == nil || !strings.Contains(err.Error(), "unknown encoding 9") {
		t.Fatalf("unknown encoding: err = %v", err)
	}
	sealed = r.Key().Seal(nil, nil, []byte("sqlvault index"))
	if _, err := r.openFile("index", sealed); err == nil || !strings.Contains(err.Error(), "empty payload") {
		t.Fatalf("empty payload: err = %v", err)
	}
	sealed = r.Key().Seal(nil, []byte{EncZstd, 1, 2, 3, 4, 5}, []byte("sqlvault index"))
	if _, err := r.openFile("index", sealed); err == nil || !strings.Contains(err.Error(), "zstd") {
		t.Fatalf("corrupt zstd: err = %v", err)
	}
}

func TestCompressStoresRawWhenNotSmaller(t *testing.T) {
	r, _ := newTestRepo(t, smallConfig())
	random := randomBytes(t, 4096)
	if got := r.codec.compress([]byte("pre"), random); !bytes.Equal(got, append([]byte("pre\x00"), random...)) {
		t.Fatal("incompressible data not stored raw after dst")
	}
	text := compressible(4096)
	got := r.codec.compress(nil, text)
	if got[0] != EncZstd || len(got) >= len(text) {
		t.Fatalf("compressible data: encoding %d, %d bytes", got[0], len(got))
	}
	back, err := r.codec.decompress(nil, got, len(text))
	if err != nil || !bytes.Equal(back, text) {
		t.Fatalf("decompress: %v", err)
	}
	if _, err := r.codec.decompress(nil, got, len(text)-1); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("decodes to %d bytes, exceeds limit %d", len(text), len(text)-1)) {
		t.Fatalf("decompress over the limit: err = %v", err)
	}
	if _, err := r.codec.decompress(nil, append([]byte{EncRaw}, text...), 10); err == nil || !strings.Contains(err.Error(), "exceeds limit 10") {
		t.Fatalf("raw over the limit: err = %v", err)
	}
}
