package repo

import (
	"os"
	"testing"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/backend/local"
)

// TestCheckProgress: Check reports the packs known first, then each pack
// as it is done; with ReadData the packs and bytes read count up to the
// total of the packs chosen, and a pack whose header is damaged counts as
// done.
func TestCheckProgress(t *testing.T) {
	dir, _ := checkRepo(t) // 3 packs, 6 blobs
	var total int64
	for _, name := range listNames(t, local.New(dir), backend.Pack) {
		fi, err := os.Stat(packPath(dir, mustParseID(t, name)))
		if err != nil {
			t.Fatal(err)
		}
		total += fi.Size()
	}
	var seen []CheckProgress
	st, problems := runCheck(t, dir, CheckOptions{ReadData: true, Progress: func(p CheckProgress) { seen = append(seen, p) }})
	if len(problems) != 0 || len(seen) != 4 {
		t.Fatalf("%d progress calls, want 4 (the start and one per pack); problems %v", len(seen), problems)
	}
	if first := seen[0]; first != (CheckProgress{Packs: 3, ReadPacks: 3, ReadBytes: total}) {
		t.Errorf("first call %+v, want 3 packs of %d bytes to read, nothing done", first, total)
	}
	for i, p := range seen[1:] {
		if p.PacksDone != i+1 || p.ReadPacksDone != i+1 || p.ReadBytesDone <= seen[i].ReadBytesDone {
			t.Errorf("call %d: %+v after %+v", i+1, p, seen[i])
		}
	}
	if last := seen[3]; last.ReadBytesDone != total || last.BlobsRead != st.BlobsRead || last.BlobsRead != 6 {
		t.Errorf("last call %+v, want %d bytes and 6 blobs read", last, total)
	}

	// Without ReadData nothing is to read; a damaged header still counts.
	p := packPath(dir, mustParseID(t, listNames(t, local.New(dir), backend.Pack)[0]))
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	flipBit(t, p, fi.Size()-20) // in the header
	seen = nil
	_, problems = runCheck(t, dir, CheckOptions{Progress: func(p CheckProgress) { seen = append(seen, p) }})
	if len(problems) == 0 {
		t.Fatal("the damaged header is not found")
	}
	if last := seen[len(seen)-1]; len(seen) != 4 || last != (CheckProgress{Packs: 3, PacksDone: 3}) {
		t.Errorf("without ReadData: %d calls, last %+v; want 4, 3 of 3 packs and nothing to read", len(seen), last)
	}
}

// TestPruneProgress: the pack-by-pack phases count from 0 to their
// total: one pack repacked, then the repacked and the deleted pack
// removed.
func TestPruneProgress(t *testing.T) {
	f := newPruneFixture(t, 12, 4)
	var phases []string
	var counts [][2]int
	_, err := pruneRepo(t, f.dir, f.set(4, 8, 9, 10), PruneOptions{RepackThreshold: 0.5,
		Progress: func(msg string) { phases = append(phases, msg) },
		Packs:    func(done, total int) { counts = append(counts, [2]int{done, total}) }})
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]int{{0, 1}, {1, 1}, {0, 2}, {1, 2}, {2, 2}}
	if len(counts) != len(want) {
		t.Fatalf("pack counts %v, want %v (phases %q)", counts, want, phases)
	}
	for i := range want {
		if counts[i] != want[i] {
			t.Fatalf("pack counts %v, want %v", counts, want)
		}
	}
}
