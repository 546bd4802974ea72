package main_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
)

// repoFile returns the location of a file of a repository (a path, or an
// s3: location).
func repoFile(repo, dir, name string) string {
	if isS3(repo) {
		return repo + "/" + dir + "/" + name
	}
	return filepath.Join(repo, dir, name)
}

// removeRepoFile deletes a file of a repository.
func removeRepoFile(t *testing.T, file string) {
	t.Helper()
	if !isS3(file) {
		if err := os.Remove(file); err != nil {
			t.Fatal(err)
		}
		return
	}
	c, bucket, key, err := s3Object(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveObject(context.Background(), bucket, key, minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
}

// newIndexFile returns the one index file in after that is not in before.
func newIndexFile(t *testing.T, before, after []string) string {
	t.Helper()
	var added []string
	for _, n := range after {
		if !slices.Contains(before, n) {
			added = append(added, n)
		}
	}
	if len(added) != 1 {
		t.Fatalf("want one new index file, got %q", added)
	}
	return added[0]
}

// restoreSame restores snap into a new folder and compares top/name with
// the original file.
func (s *sv) restoreSame(snap, top, name, orig string) {
	s.t.Helper()
	target := filepath.Join(s.dir, "restore-"+snap[:8]+"-"+strings.ReplaceAll(s.t.Name(), "/", "_"))
	os.RemoveAll(target)
	s.mustRun("restore", snap, "--target", target)
	sameFile(s.t, orig, filepath.Join(target, top, name))
	os.RemoveAll(target)
}

// TestE2EDamagedIndex: one damaged (or removed) index file does not stop
// backups and restores of what it does not name; the data it named is
// missing with a hint to run repair index; check and prune refuse; repair
// index rebuilds the index from the packs, after which everything is back
// and prune frees nothing that is needed.
func TestE2EDamagedIndex(t *testing.T) {
	for _, mode := range []string{"corrupt", "delete"} {
		t.Run(mode, func(t *testing.T) { testDamagedIndex(t, mode) })
	}
}

func testDamagedIndex(t *testing.T, mode string) {
	s := initRepo(t)
	a := filepath.Join(s.dir, "A", "a.bin")
	b := filepath.Join(s.dir, "B", "b.bin")
	writeFile(t, a, genBytes(31, 300_000))
	writeFile(t, b, genBytes(32, 300_000))
	before := repoFiles(t, s.repo, "index")
	s.mustRun("backup", filepath.Dir(a))
	idxA := newIndexFile(t, before, repoFiles(t, s.repo, "index"))
	s.mustRun("backup", filepath.Dir(b))
	sns := s.snapshots()
	snA, snB := sns[0].ID, sns[1].ID
	packsBefore := len(packFiles(s.repo))

	file := repoFile(s.repo, "index", idxA)
	if mode == "corrupt" {
		data := readRepoFile(t, file)
		data[len(data)/2] ^= 0x01
		writeRepoFile(t, file, data)
	} else {
		removeRepoFile(t, file)
	}
	warning := "warning: index file " + idxA[:8] + " is damaged ("
	hint := "run 'sqlvault repair index'"
	wantWarning := func(r result) {
		t.Helper()
		if mode == "corrupt" && (!strings.Contains(r.stderr, warning) || !strings.Contains(r.stderr, hint)) {
			t.Errorf("no warning %q ... %q\n%v", warning, hint, r)
		}
	}

	// What the damaged index did not name restores; what it named is
	// missing, with the hint.
	target := filepath.Join(s.dir, "restore-b")
	r := s.run("restore", snB, "--target", target)
	wantCode(t, r, 0)
	wantWarning(r)
	sameFile(t, b, filepath.Join(target, "B", "b.bin"))
	r = s.run("restore", snA, "--target", filepath.Join(s.dir, "restore-a"))
	wantCode(t, r, exitDamaged)
	wantWarning(r)
	if l := errLine(t, r); !strings.Contains(l, "repair index") {
		t.Errorf("restore of data only the damaged index named does not say to run repair index: %q", l)
	}

	r = s.run("check")
	wantCode(t, r, exitDamaged)
	if mode == "corrupt" && !strings.Contains(r.stdout, "error: index file "+idxA[:8]+" is damaged") {
		t.Errorf("check does not name the damaged index file\n%v", r)
	}
	if !strings.Contains(r.stderr, "packs no index names: left by an interrupted backup, or listed by a damaged or removed index file; 'sqlvault repair index' adds back what they hold") {
		t.Errorf("check does not explain the packs no index names\n%v", r)
	}
	r = s.run("prune")
	wantCode(t, r, exitDamaged)
	if l := errLine(t, r); mode == "corrupt" && !strings.Contains(l, hint) {
		t.Errorf("prune refusal does not say to run repair index: %q", l)
	}
	if n := len(packFiles(s.repo)); n < packsBefore {
		t.Fatalf("prune removed packs (%d, were %d at least)", n, packsBefore)
	}

	// A backup goes on and stores that data again.
	r = s.run("backup", filepath.Dir(a))
	wantCode(t, r, 0)
	wantWarning(r)

	r = s.mustRun("repair", "index")
	if strings.Contains(r.stderr, "warning") {
		t.Errorf("repair index warns\n%v", r)
	}
	if slices.Contains(repoFiles(t, s.repo, "index"), idxA) {
		t.Errorf("the damaged index file is still there")
	}
	if r := s.mustRun("check"); strings.Contains(r.stderr, "no index names") {
		t.Errorf("check after repair index still finds packs no index names\n%v", r)
	}
	sns = s.snapshots()
	if len(sns) != 3 {
		t.Fatalf("snapshots: %+v", sns)
	}
	for _, sn := range sns {
		if sn.ID == snB {
			s.restoreSame(sn.ID, "B", "b.bin", b)
		} else {
			s.restoreSame(sn.ID, "A", "a.bin", a)
		}
	}
	s.mustRun("prune")
	s.mustRun("check", "--read-data")
	for _, sn := range sns {
		if sn.ID == snB {
			s.restoreSame(sn.ID, "B", "b.bin", b)
		} else {
			s.restoreSame(sn.ID, "A", "a.bin", a)
		}
	}
}
