package main_test

import (
	"context"
	"encoding/json"
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
	sameFile(s.t, orig, filepath.Join(target, s.dir, top, name))
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
	sameFile(t, b, filepath.Join(target, s.dir, "B", "b.bin"))
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

// TestE2ERepairSnapshots: the pack holding one file's data is lost; restore
// fails for that file only; repair snapshots --forget rewrites the
// snapshot without it, naming it; after prune the repository checks clean
// and the repaired snapshot restores everything else byte-identical.
func TestE2ERepairSnapshots(t *testing.T) {
	s := initRepo(t)
	keep := filepath.Join(s.dir, "D", "keep.bin")
	lost := filepath.Join(s.dir, "D", "lost.bin")
	writeFile(t, keep, genBytes(41, 300_000))
	s.mustRun("backup", filepath.Dir(keep))
	writeFile(t, lost, genBytes(42, 300_000))
	s.mustRun("backup", filepath.Dir(keep))
	sns := s.snapshots()
	if len(sns) != 2 {
		t.Fatalf("snapshots: %+v", sns)
	}
	sn1, sn2 := sns[0].ID, sns[1].ID
	content := s.fileContent(sn2, "D", "lost.bin")
	pack, _, _ := s.blobPack(content[0])
	for _, id := range s.fileContent(sn2, "D", "keep.bin") {
		if p, _, _ := s.blobPack(id); p == pack {
			t.Fatal("keep.bin and lost.bin share a pack")
		}
	}
	removeRepoFile(t, pack)

	target := filepath.Join(s.dir, "restore-2")
	r := s.run("restore", sn2, "--target", target)
	wantCode(t, r, exitDamaged)
	if l := errLine(t, r); !strings.Contains(l, "lost.bin") {
		t.Errorf("restore does not name the lost file: %q", l)
	}
	sameFile(t, keep, filepath.Join(target, s.dir, "D", "keep.bin"))

	r = s.mustRun("repair", "snapshots", "--dry-run")
	if want := "snapshot " + sn2[:8] + ": removed " + lost + " ("; !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, "would be rewritten") {
		t.Errorf("dry run does not say %q\n%v", want, r)
	}
	if n := len(s.snapshots()); n != 2 {
		t.Fatalf("the dry run changed the snapshots: %d", n)
	}

	r = s.mustRun("repair", "snapshots", "--forget")
	if want := "snapshot " + sn2[:8] + ": removed " + lost + " ("; !strings.Contains(r.stdout, want) || strings.Contains(r.stdout, "keep.bin") {
		t.Errorf("repair does not name just the lost file\n%v", r)
	}
	if !strings.Contains(r.stdout, "removed snapshot "+sn2[:8]) {
		t.Errorf("repair does not say it removed the original\n%v", r)
	}
	sns = s.snapshots()
	if len(sns) != 2 || sns[0].ID != sn1 || sns[1].ID == sn2 {
		t.Fatalf("snapshots after repair: %+v", sns)
	}
	repaired := sns[1].ID
	var man struct {
		Tags     []string
		Original string
		Paths    []string
		Hostname string
	}
	if err := json.Unmarshal([]byte(s.mustRun("cat", "snapshot", repaired).stdout), &man); err != nil {
		t.Fatal(err)
	}
	if man.Original != sn2 || !slices.Contains(man.Tags, "repaired") || len(man.Paths) != 1 || man.Hostname == "" {
		t.Errorf("repaired snapshot manifest: %+v", man)
	}

	// The lost pack is still in the index until prune drops it.
	if r := s.run("check"); r.code != 0 {
		wantCode(t, r, exitDamaged)
		s.mustRun("prune")
	}
	s.mustRun("check")
	target = filepath.Join(s.dir, "restore-repaired")
	s.mustRun("restore", repaired, "--target", target)
	sameFile(t, keep, filepath.Join(target, s.dir, "D", "keep.bin"))
	if _, err := os.Stat(filepath.Join(target, s.dir, "D", "lost.bin")); err == nil {
		t.Error("the lost file was restored")
	}
	s.restoreSame(sn1, "D", "keep.bin", keep)
	if r := s.mustRun("repair", "snapshots"); !strings.Contains(r.stdout, "no snapshot uses lost data") {
		t.Errorf("second repair:\n%v", r)
	}
}

// packBlob is a blob as "cat pack" prints it.
type packBlob struct {
	ID, Base       string
	Enc            int
	Offset, Length int
}

// allPackBlobs returns the blobs of every pack, by pack file.
func (s *sv) allPackBlobs() map[string][]packBlob {
	s.t.Helper()
	out := map[string][]packBlob{}
	for _, p := range packFiles(s.repo) {
		r := s.mustRun("cat", "pack", filepath.Base(p))
		out[p] = jsonLines[packBlob](s.t, r.stdout)
	}
	return out
}

// TestE2EDamagedKeyframe: a keyframe that deltas of a later backup are
// built on is damaged. check --read-data names it, every delta built on it
// and every snapshot file that uses any of them; restore restores every
// file that does not depend on it and names the one that does (exit 4).
func TestE2EDamagedKeyframe(t *testing.T) {
	s := initRepo(t)
	db := filepath.Join(s.dir, "D", "db.sql")
	other := filepath.Join(s.dir, "D", "other.bin")
	writeFile(t, db, scriptDay(60000, 0))
	writeFile(t, other, genBytes(51, 200_000))
	s.mustRun("backup", filepath.Dir(db))
	writeFile(t, db, scriptDay(60000, 1))
	s.mustRun("backup", filepath.Dir(db))
	sns := s.snapshots()
	sn0, sn1 := sns[0].ID, sns[1].ID

	// A keyframe some delta of day 1 is built on.
	blobs := s.allPackBlobs()
	day1 := s.fileContent(sn1, "D", "db.sql")
	var key string
	for _, bs := range blobs {
		for _, b := range bs {
			if b.Enc == 2 && slices.Contains(day1, b.ID) && key == "" {
				key = b.Base
			}
		}
	}
	if key == "" {
		t.Fatal("day 1 stored no deltas")
	}
	var dependents []string
	for _, bs := range blobs {
		for _, b := range bs {
			if b.Enc == 2 && b.Base == key {
				dependents = append(dependents, b.ID)
			}
		}
	}
	pack, off, length := s.blobPack(key)
	data := readRepoFile(t, pack)
	data[off+length/2] ^= 0x08
	writeRepoFile(t, pack, data)

	r := s.run("check", "--read-data")
	wantCode(t, r, exitDamaged)
	if !strings.Contains(r.stdout, "blob "+key+": ") {
		t.Errorf("check does not name the damaged keyframe %s\n%v", key[:8], r)
	}
	for _, d := range dependents {
		if !strings.Contains(r.stdout, "blob "+d+": ") {
			t.Errorf("check does not name delta %s built on the damaged keyframe\n%v", d[:8], r)
		}
	}
	for _, sn := range []string{sn0, sn1} {
		if want := "snapshot " + sn[:8] + ": " + db + " uses damaged blob "; !strings.Contains(r.stdout, want) {
			t.Errorf("check does not say %q\n%v", want, r)
		}
	}
	if strings.Contains(r.stdout, "other.bin") {
		t.Errorf("check names a file that does not use the damaged keyframe\n%v", r)
	}

	// No keyframe cache: on S3 a cached copy of the keyframe (from the
	// backup) would rightly be used instead of the damaged one.
	target := filepath.Join(s.dir, "restore-1")
	r = s.run("--no-cache", "restore", sn1, "--target", target)
	wantCode(t, r, exitDamaged)
	if l := errLine(t, r); !strings.Contains(l, "db.sql") {
		t.Errorf("restore does not name the file that depends on the damaged keyframe: %q", l)
	}
	sameFile(t, other, filepath.Join(target, s.dir, "D", "other.bin"))
	if _, err := os.Stat(filepath.Join(target, s.dir, "D", "db.sql")); err == nil {
		t.Error("a file built on the damaged keyframe was left in the restore target")
	}

	// --read-data repair drops what depends on it; the rest checks clean.
	r = s.mustRun("--no-cache", "repair", "snapshots", "--read-data", "--forget")
	if strings.Count(r.stdout, ": removed "+db+" (") != 2 || strings.Contains(r.stdout, "other.bin") {
		t.Errorf("repair snapshots --read-data:\n%v", r)
	}
}
