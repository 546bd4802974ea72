package repo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/backend/local"
)

// checkRepo makes a repository with two data packs and one tree pack and
// returns its folder and the IDs of the data blobs in order.
func checkRepo(t *testing.T) (string, []ID) {
	t.Helper()
	ctx := context.Background()
	r, dir := newTestRepo(t, smallConfig())
	var ids []ID
	for i := 0; i < 5; i++ {
		id, _, err := r.SaveBlob(ctx, DataBlob, randomBytes(t, 300<<10))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if _, _, err := r.SaveBlob(ctx, TreeBlob, []byte(`{"nodes":[]}`)); err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	return dir, ids
}

func runCheck(t *testing.T, dir string, opts CheckOptions) (CheckStats, []Problem) {
	t.Helper()
	r, err := Open(context.Background(), local.New(dir), testPassword)
	if err != nil {
		t.Fatal(err)
	}
	var problems []Problem
	st, n, err := r.Check(context.Background(), opts, func(p Problem) { problems = append(problems, p) })
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if n != len(problems) {
		t.Fatalf("Check returned %d problems but reported %d", n, len(problems))
	}
	return st, problems
}

func TestCheckHealthy(t *testing.T) {
	dir, _ := checkRepo(t)
	st, problems := runCheck(t, dir, CheckOptions{ReadData: true})
	if len(problems) != 0 {
		t.Fatalf("problems in a healthy repository: %v", problems)
	}
	if st.IndexFiles != 1 || st.Packs != 3 || st.Blobs != 6 || st.PacksRead != 3 || st.BlobsRead != 6 || len(st.Unreferenced) != 0 {
		t.Fatalf("stats %+v", st)
	}
	st, _ = runCheck(t, dir, CheckOptions{})
	if st.PacksRead != 0 || st.BlobsRead != 0 || st.Packs != 3 {
		t.Fatalf("stats without ReadData %+v", st)
	}
	// Packs limits which packs are read.
	first := listNames(t, local.New(dir), backend.Pack)[0]
	st, _ = runCheck(t, dir, CheckOptions{ReadData: true, Packs: func(id ID) bool { return id.String() == first }})
	if st.PacksRead != 1 || st.Packs != 3 || st.BlobsRead == 0 || st.BlobsRead == 6 {
		t.Fatalf("stats with a pack filter %+v", st)
	}
}

func TestCheckReadDataFindsFlippedBit(t *testing.T) {
	dir, ids := checkRepo(t)
	r := reopen(t, dir)
	pb, _ := r.Index().Lookup(ids[1])
	flipBit(t, packPath(dir, pb.Pack), int64(pb.Offset)+1000)

	// Without ReadData the header still matches: nothing found.
	if _, problems := runCheck(t, dir, CheckOptions{}); len(problems) != 0 {
		t.Fatalf("structural check found %v", problems)
	}
	st, problems := runCheck(t, dir, CheckOptions{ReadData: true})
	if len(problems) != 2 {
		t.Fatalf("problems %v, want a pack hash mismatch and a blob failure", problems)
	}
	var sawPack, sawBlob bool
	for _, p := range problems {
		if p.Pack != pb.Pack {
			t.Errorf("problem names pack %v, want %v", p.Pack.Str(), pb.Pack.Str())
		}
		switch {
		case p.Blob.IsNull():
			sawPack = true
			if !strings.Contains(p.Err.Error(), "SHA-256 differs") {
				t.Errorf("pack problem %v", p)
			}
			if !strings.Contains(p.Error(), "pack "+pb.Pack.String()+": ") {
				t.Errorf("pack problem text %q", p.Error())
			}
		case p.Blob == ids[1]:
			sawBlob = true
			if !errors.Is(p.Err, ErrAuth) {
				t.Errorf("blob problem %v, want ErrAuth", p.Err)
			}
			if want := "pack " + pb.Pack.String() + ", blob " + ids[1].String() + ": " + ErrAuth.Error(); p.Error() != want {
				t.Errorf("blob problem text\n%q\nwant\n%q", p.Error(), want)
			}
		default:
			t.Errorf("problem about another blob: %v", p)
		}
	}
	if !sawPack || !sawBlob {
		t.Fatalf("problems %v", problems)
	}
	if st.BlobsRead != 6 {
		t.Fatalf("blobs read %d, want 6: a bad blob must not stop the check", st.BlobsRead)
	}
}

func TestCheckFindsMissingPack(t *testing.T) {
	dir, ids := checkRepo(t)
	r := reopen(t, dir)
	pb, _ := r.Index().Lookup(ids[0])
	if err := os.Remove(packPath(dir, pb.Pack)); err != nil {
		t.Fatal(err)
	}
	st, problems := runCheck(t, dir, CheckOptions{ReadData: true})
	if len(problems) != 1 {
		t.Fatalf("problems %v, want one", problems)
	}
	p := problems[0]
	if p.Pack != pb.Pack || !p.Blob.IsNull() || !strings.Contains(p.Err.Error(), "pack is in the index but missing from the repository") {
		t.Fatalf("problem %v", p)
	}
	if st.Packs != 3 || st.PacksRead != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestCheckFindsDamagedHeaderAndIndex(t *testing.T) {
	dir, ids := checkRepo(t)
	r := reopen(t, dir)
	pb, _ := r.Index().Lookup(ids[4])
	p := packPath(dir, pb.Pack)
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	flipBit(t, p, fi.Size()-10) // inside the sealed header
	_, problems := runCheck(t, dir, CheckOptions{})
	if len(problems) != 1 || problems[0].Pack != pb.Pack || !errors.Is(problems[0].Err, ErrAuth) || !strings.Contains(problems[0].Err.Error(), "header") {
		t.Fatalf("damaged header: problems %v", problems)
	}

	idx := listNames(t, local.New(dir), backend.Index)
	flipBit(t, filepath.Join(dir, "index", idx[0]), 40)
	st, problems := runCheck(t, dir, CheckOptions{})
	if len(problems) != 1 || !strings.Contains(problems[0].Error(), "index file "+idx[0][:8]+" is damaged") || !errors.Is(problems[0].Err, ErrIndexDamaged) {
		t.Fatalf("damaged index: problems %v", problems)
	}
	if st.IndexFiles != 0 || st.Packs != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestCheckReportsUnreferencedPack(t *testing.T) {
	ctx := context.Background()
	dir, _ := checkRepo(t)
	// A pack written by a backup that was interrupted before its index.
	r := reopen(t, dir)
	if _, _, err := r.SaveBlob(ctx, DataBlob, randomBytes(t, 1<<20)); err != nil {
		t.Fatal(err)
	}
	packs := listNames(t, local.New(dir), backend.Pack)
	if len(packs) != 4 {
		t.Fatalf("%d packs", len(packs))
	}
	st, problems := runCheck(t, dir, CheckOptions{ReadData: true})
	if len(problems) != 0 {
		t.Fatalf("problems %v", problems)
	}
	if len(st.Unreferenced) != 1 {
		t.Fatalf("unreferenced %v, want 1", st.Unreferenced)
	}
	found := false
	for _, p := range packs {
		if p == st.Unreferenced[0].String() {
			found = true
		}
	}
	if !found {
		t.Fatalf("unreferenced %v is not a stored pack", st.Unreferenced[0])
	}
}

func TestCheckFindsHeaderIndexMismatch(t *testing.T) {
	ctx := context.Background()
	dir, ids := checkRepo(t)
	r := reopen(t, dir)
	pb, _ := r.Index().Lookup(ids[0])
	// An extra index file that lists the pack with a wrong blob set.
	f := &IndexFile{Packs: []IndexPack{{ID: pb.Pack, Blobs: []Blob{pb.Blob}}}}
	if _, err := r.SaveFile(ctx, backend.Index, EncodeIndex(f)); err != nil {
		t.Fatal(err)
	}
	// Whichever index file is read first describes the pack; make the
	// wrong one the only one.
	for _, name := range listNames(t, local.New(dir), backend.Index) {
		id := mustParseID(t, name)
		got, err := r.LoadIndexFile(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Packs) != 1 {
			if err := os.Remove(filepath.Join(dir, "index", name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, problems := runCheck(t, dir, CheckOptions{})
	if len(problems) != 1 || problems[0].Pack != pb.Pack || !strings.Contains(problems[0].Err.Error(), "pack header does not match the index") {
		t.Fatalf("problems %v", problems)
	}
}
