package main_test

// The fault matrix (issue 10): for each kind of repository object, flip a
// byte of it or delete it, then run every command that reads or writes the
// repository. None may panic; each ends with exit 0 or with one line and a
// documented exit code; everything the damage does not touch stays
// readable; and the repair commands bring check back to clean, less what
// was truly lost.

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// faultRepo is a repository with three snapshots: A on day 0 (its script
// stored in full: keyframes), A on day 1 (the script as deltas against
// them), and B (unrelated data), and what is needed to find their objects.
type faultRepo struct {
	dir        string // holds the repository (local template) and the sources
	snaps      map[string]snapJSON
	blobs      map[string]packedBlob // by blob ID
	content    map[string][]string   // "A1:/A/db.sql" (snapshot:/folder/file) → blob IDs
	indexOf    map[string]string     // pack ID → index file that names it
	sourceOf   map[string]string     // snapshot name → source folder as it was backed up
	sourceCopy map[string]string     // snapshot name → copy of its source folder for comparison
}

// packedBlob is a blob as "cat pack" prints it, with its pack's path in
// the repository.
type packedBlob struct {
	packBlob
	Pack string
}

// buildFaultRepo makes the template repository once; each case copies it.
func buildFaultRepo(t *testing.T) *faultRepo {
	t.Helper()
	// Built in a local folder whatever the backend under test: place
	// copies it there.
	dir := t.TempDir()
	s := &sv{t: t, repo: filepath.Join(dir, "repo"), password: "correct horse", dir: dir}
	s.mustRun("init", "--kdf-memory", "8", "--kdf-time", "1")
	fr := &faultRepo{dir: s.dir, snaps: map[string]snapJSON{}, blobs: map[string]packedBlob{}, content: map[string][]string{},
		indexOf: map[string]string{}, sourceOf: map[string]string{}, sourceCopy: map[string]string{}}
	a := filepath.Join(s.dir, "A")
	b := filepath.Join(s.dir, "B")
	writeFile(t, filepath.Join(a, "small.txt"), []byte(strings.Repeat("small file kept unchanged\n", 80)))
	writeFile(t, filepath.Join(a, "db.sql"), scriptDay(60000, 0))
	s.mustRun("backup", a)
	copyTree(t, a, filepath.Join(s.dir, "want-A1"))
	writeFile(t, filepath.Join(a, "db.sql"), scriptDay(60000, 1))
	s.mustRun("backup", a)
	copyTree(t, a, filepath.Join(s.dir, "want-A2"))
	writeFile(t, filepath.Join(b, "b.bin"), genBytes(90, 200_000))
	writeFile(t, filepath.Join(b, "c.txt"), []byte("B's second file\n"))
	s.mustRun("backup", b)
	copyTree(t, b, filepath.Join(s.dir, "want-B"))
	sns := s.snapshots()
	if len(sns) != 3 {
		t.Fatalf("%d snapshots", len(sns))
	}
	for i, name := range []string{"A1", "A2", "B"} {
		fr.snaps[name] = sns[i]
		fr.sourceCopy[name] = filepath.Join(s.dir, "want-"+name)
	}
	fr.sourceOf["A1"], fr.sourceOf["A2"], fr.sourceOf["B"] = a, a, b
	for p, blobs := range s.allPackBlobs() {
		rel, _ := filepath.Rel(s.repo, p)
		for _, bl := range blobs {
			fr.blobs[bl.ID] = packedBlob{packBlob: bl, Pack: filepath.ToSlash(rel)}
		}
	}
	for _, ix := range repoFiles(t, s.repo, "index") {
		r := s.mustRun("cat", "index", ix)
		var f struct{ Packs []struct{ ID string } }
		if err := json.Unmarshal([]byte(r.stdout), &f); err != nil {
			t.Fatal(err)
		}
		for _, p := range f.Packs {
			fr.indexOf[p.ID] = ix
		}
	}
	fr.content["A1:/A/db.sql"] = s.fileContent(sns[0].ID, "A", "db.sql")
	fr.content["A2:/A/db.sql"] = s.fileContent(sns[1].ID, "A", "db.sql")
	fr.content["B:/B/b.bin"] = s.fileContent(sns[2].ID, "B", "b.bin")
	return fr
}

// place copies the template repository to a new location of the backend
// the test runs against (a folder, or a prefix in MinIO).
func (fr *faultRepo) place(t *testing.T) *sv {
	t.Helper()
	s := newSV(t)
	tmpl := filepath.Join(fr.dir, "repo")
	err := filepath.Walk(tmpl, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(tmpl, p)
		if fi.IsDir() {
			if !isS3(s.repo) {
				return os.MkdirAll(filepath.Join(s.repo, rel), 0o700)
			}
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dst := s.repo + "/" + filepath.ToSlash(rel)
		if !isS3(s.repo) {
			if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
				return err
			}
		}
		writeRepoFile(t, dst, data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// faultCase is one kind of damage.
type faultCase struct {
	name   string
	damage func(t *testing.T, s *sv, fr *faultRepo)
	// intact are the snapshots that must restore byte-identical whatever
	// the damage (the others may lose files).
	intact []string
	// fatal: nothing can be read (the config or every key is lost); every
	// command must fail with this exit code.
	fatal int
	// lost are the files (snapshot:path, or snapshot:* for all of it) the
	// damage may lose: after repair they may be gone, everything else
	// restores identical.
	lost []string
	// gone are the commands (by label) that name a snapshot the damage
	// removed: "no snapshot ID starts with" and exit 1 is right for them.
	gone []string
}

func faultCases(fr *faultRepo) []faultCase {
	flip := func(rel string, off int) func(*testing.T, *sv, *faultRepo) {
		return func(t *testing.T, s *sv, _ *faultRepo) { flipByte(t, s.repo+"/"+rel, off) }
	}
	del := func(rel string) func(*testing.T, *sv, *faultRepo) {
		return func(t *testing.T, s *sv, _ *faultRepo) { removeRepoFile(t, s.repo+"/"+rel) }
	}
	blob := func(id string) packedBlob { return fr.blobs[id] }
	packRel := func(id string) string { return blob(id).Pack }
	flipBlob := func(id string) func(*testing.T, *sv, *faultRepo) {
		b := blob(id)
		return flip(b.Pack, b.Offset+b.Length/2)
	}
	keyframe := fr.content["A1:/A/db.sql"][0]
	var delta string
	for _, id := range fr.content["A2:/A/db.sql"] {
		if b := blob(id); b.Enc == 2 && b.Base == keyframe {
			delta = id
		}
	}
	bBlob := fr.content["B:/B/b.bin"][0]
	rootA2 := fr.snaps["A2"].Tree
	snapFile := "snapshots/" + fr.snaps["A2"].ID
	indexA2 := "index/" + fr.indexOf[path.Base(packRel(delta))]
	dataB := packRel(bBlob)
	return []faultCase{
		{name: "config/flip", damage: flip("config", -20), fatal: exitDamaged},
		{name: "config/delete", damage: del("config"), fatal: exitNoRepo},
		{name: "key/flip", damage: func(t *testing.T, s *sv, _ *faultRepo) {
			flipByte(t, s.repo+"/keys/"+repoFiles(t, s.repo, "keys")[0], 30)
		}, fatal: exitDamaged},
		{name: "key/delete", damage: func(t *testing.T, s *sv, _ *faultRepo) {
			removeRepoFile(t, s.repo+"/keys/"+repoFiles(t, s.repo, "keys")[0])
		}, fatal: exitDamaged},
		{name: "lock/garbage", damage: func(t *testing.T, s *sv, _ *faultRepo) {
			writeRepoFile(t, s.repo+"/locks/"+fmt.Sprintf("%064x", 1), []byte("garbage"))
		}, intact: []string{"A1", "A2", "B"}},
		{name: "snapshot/flip", damage: flip(snapFile, 40), intact: []string{"A1", "B"}, lost: []string{"A2:*"}},
		{name: "snapshot/delete", damage: del(snapFile), intact: []string{"A1", "B"}, lost: []string{"A2:*"}, gone: []string{"restore A2"}},
		{name: "index/flip", damage: flip(indexA2, 40), intact: []string{"A1", "B"}},
		{name: "index/delete", damage: del(indexA2), intact: []string{"A1", "B"}},
		{name: "packheader/flip", damage: flip(dataB, -10), intact: []string{"A1", "A2"}, lost: []string{"B:/B/b.bin", "B:/B/c.txt"}},
		{name: "pack/delete", damage: del(dataB), intact: []string{"A1", "A2"}, lost: []string{"B:/B/b.bin", "B:/B/c.txt"}},
		{name: "packdata/flip", damage: flipBlob(bBlob), intact: []string{"A1", "A2"}, lost: []string{"B:/B/b.bin"}},
		{name: "tree/flip", damage: flipBlob(rootA2), intact: []string{"A1", "B"}, lost: []string{"A2:*"}},
		{name: "treepack/delete", damage: del(packRel(rootA2)), intact: []string{"A1", "B"}, lost: []string{"A2:*"}},
		{name: "keyframe/flip", damage: flipBlob(keyframe), intact: []string{"B"}, lost: []string{"A1:/A/db.sql", "A2:/A/db.sql"}},
		{name: "keyframepack/delete", damage: del(packRel(keyframe)), intact: []string{"B"}, lost: []string{"A1:/A/db.sql", "A1:/A/small.txt", "A2:/A/db.sql", "A2:/A/small.txt"}},
		{name: "delta/flip", damage: flipBlob(delta), intact: []string{"A1", "B"}, lost: []string{"A2:/A/db.sql"}},
		{name: "deltapack/delete", damage: del(packRel(delta)), intact: []string{"A1", "B"}, lost: []string{"A2:/A/db.sql"}},
	}
}

// documented exit codes (cmd/sqlvault/main.go, docs/design.md §12).
var documentedCodes = []int{exitOK, exitFailure, exitUsage, exitIncomplete, exitDamaged, exitSource, exitNoRepo, exitLocked, exitPassword}

// oneLine checks a command's ending: exit 0, or exactly one error line and
// a documented code other than 1 (damage is never "any other error").
func oneLine(t *testing.T, r result) {
	t.Helper()
	if r.code == exitOK {
		return
	}
	errLine(t, r)
	if !slices.Contains(documentedCodes, r.code) || r.code == exitFailure {
		t.Errorf("exit %d is not a documented code for damage\n%v", r.code, r)
	}
}

// TestE2EFaultMatrix runs every fault case against the local backend;
// TestE2ES3 runs it against MinIO.
func TestE2EFaultMatrix(t *testing.T) {
	fr := buildFaultRepo(t)
	for _, fc := range faultCases(fr) {
		t.Run(fc.name, func(t *testing.T) { runFaultCase(t, fr, fc) })
	}
}

// faultCommands are the commands run on a damaged repository: label and
// arguments.
func faultCommands(fr *faultRepo, dir string) [][]string {
	var out [][]string
	for _, n := range []string{"A1", "A2", "B"} {
		out = append(out, []string{"restore " + n, "restore", fr.snaps[n].ID, "--target", filepath.Join(dir, "restore-"+n)})
	}
	return append(out,
		[]string{"snapshots", "snapshots"},
		[]string{"ls", "ls", fr.snaps["B"].ID},
		[]string{"dump", "dump", fr.snaps["A1"].ID, fr.sourceOf["A1"] + "/small.txt"},
		[]string{"check", "check"},
		[]string{"check --read-data", "check", "--read-data"},
		[]string{"backup", "backup", fr.sourceOf["B"]},
		[]string{"forget", "forget", "--keep-last", "5"},
		[]string{"prune", "prune"},
	)
}

func runFaultCase(t *testing.T, fr *faultRepo, fc faultCase) {
	s := fr.place(t)
	fc.damage(t, s, fr)
	var codes []string
	for _, cmd := range faultCommands(fr, s.dir) {
		r := s.run(cmd[1:]...)
		if slices.Contains(fc.gone, cmd[0]) {
			wantCode(t, r, exitFailure)
			if l := errLine(t, r); !strings.Contains(l, "no snapshot ID starts with") {
				t.Errorf("%s: %q", cmd[0], l)
			}
		} else {
			oneLine(t, r)
		}
		codes = append(codes, fmt.Sprintf("%s=%d", cmd[0], r.code))
		if fc.fatal != 0 {
			if r.code != fc.fatal {
				t.Errorf("%s: exit %d, want %d\n%v", cmd[0], r.code, fc.fatal, r)
			}
			continue
		}
		if n, ok := strings.CutPrefix(cmd[0], "restore "); ok && slices.Contains(fc.intact, n) {
			if r.code != exitOK {
				t.Fatalf("%s is not touched by the damage, but does not restore\n%v", n, r)
			}
			sameTree(t, fr.sourceCopy[n], filepath.Join(s.dir, "restore-"+n, fr.sourceOf[n]))
		}
	}
	t.Logf("exit codes: %s", strings.Join(codes, " "))
	if fc.fatal != 0 {
		return
	}
	repairRepo(t, s)
	if r := s.run("check", "--read-data"); r.code != exitOK {
		t.Fatalf("check after repair\n%v", r)
	}
	// Every snapshot left, or its repaired version, restores what was not
	// lost byte-identical.
	type snapOrig struct {
		ID       string
		Original string
	}
	after := jsonLines[snapOrig](t, s.mustRun("snapshots", "--json").stdout)
	for _, n := range []string{"A1", "A2", "B"} {
		cur := ""
		for _, sn := range after {
			if sn.ID == fr.snaps[n].ID || sn.Original == fr.snaps[n].ID {
				cur = sn.ID
			}
		}
		if cur == "" {
			if !slices.Contains(fc.lost, n+":*") {
				t.Errorf("snapshot %s is gone after repair", n)
			}
			continue
		}
		target := filepath.Join(s.dir, "after-"+n)
		s.mustRun("restore", cur, "--target", target)
		top := filepath.Base(fr.sourceOf[n])
		want := fr.sourceCopy[n]
		filepath.Walk(want, func(p string, fi os.FileInfo, err error) error {
			if err != nil || fi.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(want, p)
			got := filepath.Join(target, fr.sourceOf[n], rel)
			key := n + ":/" + top + "/" + filepath.ToSlash(rel)
			if _, err := os.Stat(got); err != nil {
				if !slices.Contains(fc.lost, key) && !slices.Contains(fc.lost, n+":*") {
					t.Errorf("%s was not lost, but is missing after repair", key)
				}
				return nil
			}
			sameFile(t, p, got)
			return nil
		})
	}
}

// repairRepo runs the documented recovery (docs/design.md, failure
// model): remove stale and damaged locks, rebuild the index, forget damaged
// snapshot files, rewrite snapshots without what is lost, and prune,
// repacking every pack with unused data so that damaged blobs go.
func repairRepo(t *testing.T, s *sv) {
	t.Helper()
	s.mustRun("unlock")
	if r := s.run("repair", "index"); r.code != exitOK && r.code != exitDamaged {
		t.Fatalf("repair index\n%v", r)
	}
	if r := s.run("check"); r.code != exitOK {
		for _, l := range strings.Split(r.stdout, "\n") {
			if rest, ok := strings.CutPrefix(l, "error: snapshot file "); ok {
				s.mustRun("forget", strings.Fields(rest)[0])
			}
		}
	}
	s.mustRun("repair", "snapshots", "--read-data", "--forget")
	s.mustRun("prune", "--repack-threshold", "0%")
}

// sameTree fails unless the folders hold the same regular files with the
// same content.
func sameTree(t *testing.T, want, got string) {
	t.Helper()
	list := func(root string) []string {
		var out []string
		filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				rel, _ := filepath.Rel(root, p)
				out = append(out, rel)
			}
			return nil
		})
		sort.Strings(out)
		return out
	}
	w, g := list(want), list(got)
	if !slices.Equal(w, g) {
		t.Fatalf("files %v, want %v", g, w)
	}
	for _, rel := range w {
		sameFile(t, filepath.Join(want, rel), filepath.Join(got, rel))
	}
}
