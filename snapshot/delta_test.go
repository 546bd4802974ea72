package snapshot

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/backend/local"
	"github.com/sqlvault/sqlvault/chunk"
	"github.com/sqlvault/sqlvault/repo"
)

// history generates a table script as of day d: rows updated at random
// places each day (a row's value depends on the last day it changed) and
// rows appended.
type history struct {
	rows    int
	update  float64
	appends int
	seed    int64
}

func (h history) day(d int) []byte {
	rnd := rand.New(rand.NewSource(h.seed))
	n := h.rows + d*h.appends
	version := make([]int, n)
	for day := 1; day <= d; day++ {
		for i := 0; i < int(float64(h.rows)*h.update); i++ {
			version[rnd.Intn(h.rows+(day-1)*h.appends)] = day
		}
	}
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		if i%1000 == 0 {
			b.WriteString("GO\nINSERT INTO [dbo].[Orders] ([id],[customer],[amount],[note]) VALUES\n")
		}
		r := rand.New(rand.NewSource(h.seed ^ int64(i)<<20 ^ int64(version[i])))
		fmt.Fprintf(&b, "(%d, N'customer %d', %d.%02d, N'note %x day %d'),\n", i, r.Intn(1e6), r.Intn(1e5), r.Intn(100), r.Int63(), version[i])
	}
	return b.Bytes()
}

func repoSize(t *testing.T, dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

// TestDeltaHistory30Days backs up 30 days of a changing script, each with
// the previous day as parent, and checks that every day dumps
// byte-identical, that days after the first add little, and that check
// --read-data verifies every delta.
func TestDeltaHistory30Days(t *testing.T) {
	if testing.Short() {
		t.Skip("30 days of 8 MB scripts: not in -short runs (the full suite runs it)")
	}
	ctx := context.Background()
	dir := t.TempDir()
	r, err := repo.Init(ctx, local.New(dir), "pw", repo.InitOptions{KDF: repo.KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1}, Polynomial: chunk.TestPolynomial})
	if err != nil {
		t.Fatal(err)
	}
	h := history{rows: 60000, update: 0.001, appends: 300, seed: 42}
	var parent *Snapshot
	var sns []*Snapshot
	var day0Size, later int64
	var days []string // what each day stored, for the failure messages
	for d := 0; d < 30; d++ {
		before, stats := repoSize(t, dir), r.Stats()
		sn, err := BackupStream(ctx, r, "db.sql", SourceStdin, bytes.NewReader(h.day(d)), Options{Parent: parent})
		if err != nil {
			t.Fatalf("day %d: %v", d, err)
		}
		grew, s := repoSize(t, dir)-before, r.Stats()
		days = append(days, fmt.Sprintf("day %d: %d bytes, %d full blobs (%d bytes), %d deltas (%d bytes), %d over the bound, %d without base, %d base errors",
			d, grew, s.FullBlobs-stats.FullBlobs, s.FullBytes-stats.FullBytes, s.DeltaBlobs-stats.DeltaBlobs, s.DeltaBytes-stats.DeltaBytes,
			s.TooLarge-stats.TooLarge, s.NoBase-stats.NoBase, s.BaseErrors-stats.BaseErrors))
		if d == 0 {
			day0Size = grew
		} else {
			later += grew
			// A day stores its changed rows as deltas and its appended
			// rows in full. Even a day on which a chunk is stored in full
			// again (its keyframe replaced; the file has about five
			// chunks) costs nowhere near a full copy.
			if grew > day0Size*60/100 {
				t.Fatalf("day %d added %d bytes, day 0 was %d: deltas are not working\n%s", d, grew, day0Size, strings.Join(days, "\n"))
			}
		}
		parent = sn
		sns = append(sns, sn)
	}
	// Without deltas the 29 later days would cost about 29 times day 0;
	// with them, about 3% of day 0 a day.
	if later > 3*day0Size/2 {
		t.Fatalf("days 1-29 added %d bytes, day 0 %d\n%s", later, day0Size, strings.Join(days, "\n"))
	}
	t.Logf("day 0: %d bytes; days 1-29: %d bytes (%.1f%% of day 0 per day)", day0Size, later, 100*float64(later)/29/float64(day0Size))
	if s := r.Stats(); s.DeltaBlobs == 0 {
		t.Fatalf("no delta blobs stored: %+v", s)
	}
	for d, sn := range sns {
		n, err := FindNode(ctx, r, sn.Tree, "db.sql")
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if _, err := WriteContent(ctx, r, n.Content, &got); err != nil {
			t.Fatalf("dump day %d: %v", d, err)
		}
		if !bytes.Equal(got.Bytes(), h.day(d)) {
			t.Fatalf("day %d does not dump byte-identical", d)
		}
	}
	r2, err := repo.Open(ctx, local.New(dir), "pw")
	if err != nil {
		t.Fatal(err)
	}
	if _, problems, err := r2.Check(ctx, repo.CheckOptions{ReadData: true}, func(p repo.Problem) { t.Error(p) }); err != nil || problems != 0 {
		t.Fatalf("check: %v, %d problems", err, problems)
	}
}

// TestNoDeltaAndForgottenParent: NoDelta stores changed chunks in full,
// and a parent whose manifest is gone does not stop the next backup.
func TestNoDeltaAndForgottenParent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	r, err := repo.Init(ctx, local.New(dir), "pw", repo.InitOptions{KDF: repo.KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1}, Polynomial: chunk.TestPolynomial})
	if err != nil {
		t.Fatal(err)
	}
	h := history{rows: 60000, update: 0.002, appends: 100, seed: 7}
	sn0, err := BackupStream(ctx, r, "db.sql", SourceStdin, bytes.NewReader(h.day(0)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	before := r.Stats()
	if _, err := BackupStream(ctx, r, "db.sql", SourceStdin, bytes.NewReader(h.day(1)), Options{Parent: sn0, NoDelta: true}); err != nil {
		t.Fatal(err)
	}
	if s := r.Stats(); s.DeltaBlobs != before.DeltaBlobs || s.FullBlobs <= before.FullBlobs {
		t.Fatalf("NoDelta stored deltas: before %+v after %+v", before, s)
	}
	// Forget the parent: remove its manifest (its data stays until prune).
	if err := r.Backend().Remove(ctx, backend.Handle{Type: backend.Snapshot, Name: sn0.ID().String()}); err != nil {
		t.Fatal(err)
	}
	sns, err := List(ctx, r, nil)
	if err != nil || len(sns) != 1 {
		t.Fatalf("snapshots after forgetting: %d, %v", len(sns), err)
	}
	sn2, err := BackupStream(ctx, r, "db.sql", SourceStdin, bytes.NewReader(h.day(2)), Options{Parent: sns[0]})
	if err != nil {
		t.Fatal(err)
	}
	n, _ := FindNode(ctx, r, sn2.Tree, "db.sql")
	var got bytes.Buffer
	if _, err := WriteContent(ctx, r, n.Content, &got); err != nil || !bytes.Equal(got.Bytes(), h.day(2)) {
		t.Fatalf("day 2 dump: %v", err)
	}
}
