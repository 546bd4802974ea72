package main_test

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// scriptDay returns a SQL-like script of n rows as of day d: each day
// changes 0.2% of the rows at random places.
func scriptDay(n, d int) []byte {
	version := make([]int, n)
	rnd := rand.New(rand.NewSource(1))
	for day := 1; day <= d; day++ {
		for i := 0; i < n/500; i++ {
			version[rnd.Intn(n)] = day
		}
	}
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		r := rand.New(rand.NewSource(int64(i)<<8 | int64(version[i])))
		fmt.Fprintf(&b, "(%d, N'name %x', %d.%02d, CAST(N'2024-01-%02dT10:00:00' AS datetime2)),\n", i, r.Int63(), r.Intn(1e6), r.Intn(100), 1+r.Intn(28))
	}
	return b.Bytes()
}

// TestE2EDeltaBackups: a stream backed up on two days stores the second as
// deltas (reported with -v), both days dump byte-identical, --no-delta
// stores in full, and a damaged keyframe cache is detected and replaced.
func TestE2EDeltaBackups(t *testing.T) {
	s := initRepo(t)
	cache := filepath.Join(s.dir, "cache")
	day0, day1, day2 := scriptDay(150000, 0), scriptDay(150000, 1), scriptDay(150000, 2)

	r0 := s.runStdin(bytes.NewReader(day0), "--cache-dir", cache, "backup", "--stdin", "--stdin-filename", "db.sql")
	wantCode(t, r0, 0)
	size0 := dirSize(t, s.repo)
	r1 := s.runStdin(bytes.NewReader(day1), "--cache-dir", cache, "backup", "-v", "--stdin", "--stdin-filename", "db.sql")
	wantCode(t, r1, 0)
	grew := dirSize(t, s.repo) - size0
	if !strings.Contains(r1.stderr, "deltas: ") || !strings.Contains(r1.stderr, "keyframe cache: ") {
		t.Fatalf("-v does not report deltas and cache use:\n%v", r1)
	}
	if grew > size0/10 {
		t.Fatalf("day 1 added %d bytes to a %d-byte repository: not stored as deltas\n%v", grew, size0, r1)
	}
	sns := s.snapshots()
	for i, want := range [][]byte{day0, day1} {
		out := s.mustRun("dump", sns[i].ShortID, "db.sql")
		if out.stdout != string(want) {
			t.Fatalf("day %d does not dump byte-identical", i)
		}
	}

	// Corrupt every cached keyframe: the next delta backup must notice,
	// read the bases from the repository and still be right.
	var cached []string
	filepath.Walk(cache, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && !strings.HasPrefix(fi.Name(), ".") {
			cached = append(cached, p)
		}
		return nil
	})
	if len(cached) == 0 {
		t.Fatal("no keyframes in the cache")
	}
	for _, p := range cached {
		b, _ := os.ReadFile(p)
		b[len(b)/2] ^= 0xff
		os.WriteFile(p, b, 0o600)
	}
	r2 := s.runStdin(bytes.NewReader(day2), "--cache-dir", cache, "backup", "-v", "--stdin", "--stdin-filename", "db.sql")
	wantCode(t, r2, 0)
	if !strings.Contains(r2.stderr, "damaged entries replaced") || strings.Contains(r2.stderr, ", 0 damaged entries replaced") {
		t.Fatalf("damaged cache entries not reported:\n%v", r2)
	}
	if out := s.mustRun("--cache-dir", cache, "dump", "latest", "db.sql"); out.stdout != string(day2) {
		t.Fatal("day 2 does not dump byte-identical")
	}
	s.mustRun("check", "--read-data")

	// --no-delta: the same change stored in full costs about a full day.
	before := dirSize(t, s.repo)
	r3 := s.runStdin(bytes.NewReader(scriptDay(150000, 3)), "backup", "-v", "--no-delta", "--stdin", "--stdin-filename", "db.sql")
	wantCode(t, r3, 0)
	if strings.Contains(r3.stderr, "deltas: ") || dirSize(t, s.repo)-before < size0/2 {
		t.Fatalf("--no-delta still stored deltas (grew %d of %d)\n%v", dirSize(t, s.repo)-before, size0, r3)
	}
}
