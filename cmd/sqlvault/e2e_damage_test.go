package main_test

// Damage that must cost only what it touches (issue 10): a damaged blob
// ends one file of a restore, never the command in a panic; a damaged
// snapshot file, parent snapshot or key file does not lock the user out of
// the rest of the repository.

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// flipByte changes one byte of a repository file (local or S3) at off
// (negative: from the end).
func flipByte(t *testing.T, file string, off int) {
	t.Helper()
	data := readRepoFile(t, file)
	if off < 0 {
		off += len(data)
	}
	data[off] ^= 0x20
	writeRepoFile(t, file, data)
}

// warnings returns the lines of stderr that start with "warning: ".
func warnings(r result) []string {
	var out []string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(l, "warning: ") {
			out = append(out, l)
		}
	}
	return out
}

// TestE2ERestoreDamagedBlob: a damaged blob at the start of a file of
// several chunks, among many other files. Each restore ends that file only,
// with exit 4; no restore panics (before the fix, loads cancelled behind
// the damaged blob put nil buffers into a pool that the next file's loads
// took: "invalid memory address or nil pointer dereference").
func TestE2ERestoreDamagedBlob(t *testing.T) {
	s := initRepo(t)
	src := filepath.Join(s.dir, "src")
	writeFile(t, filepath.Join(src, "a-big.bin"), genBytes(40, 12<<20))
	for i := range 24 {
		writeFile(t, filepath.Join(src, fmt.Sprintf("f%02d.bin", i)), genBytes(byte(41+i), 30_000+i*1000))
	}
	s.mustRun("backup", src)
	sn := s.snapshots()[0].ID
	blobs := s.fileContent(sn, "src", "a-big.bin")
	if len(blobs) < 3 {
		t.Fatalf("a-big.bin has %d blobs, want several", len(blobs))
	}
	pack, off, length := s.blobPack(blobs[0])
	flipByte(t, pack, off+length/2)

	for i := range 6 {
		target := filepath.Join(s.dir, fmt.Sprintf("restore-%d", i))
		r := s.run("restore", sn, "--target", target)
		wantCode(t, r, exitDamaged)
		if l := errLine(t, r); !strings.Contains(l, src+"/a-big.bin") || !strings.Contains(l, blobs[0][:8]) {
			t.Fatalf("restore's line names neither the file nor the blob: %q", l)
		}
		if _, err := os.Stat(filepath.Join(target, src, "a-big.bin")); !os.IsNotExist(err) {
			t.Fatalf("the damaged file was left in the target (%v)", err)
		}
		for j := range 24 {
			name := fmt.Sprintf("f%02d.bin", j)
			sameFile(t, filepath.Join(src, name), filepath.Join(target, src, name))
		}
	}
	r := s.run("dump", sn, src+"/a-big.bin")
	wantCode(t, r, exitDamaged)
	errLine(t, r)
	if got := s.mustRun("dump", sn, src+"/f03.bin").stdout; got != string(genBytes(44, 33_000)) {
		t.Fatal("dump of an undamaged file differs")
	}
}

// TestE2EDamagedSnapshotFile: one damaged snapshot file is skipped with a
// warning by the commands that list snapshots, reported by check, refused
// by prune, and removed by forget.
func TestE2EDamagedSnapshotFile(t *testing.T) {
	s := initRepo(t)
	src := filepath.Join(s.dir, "src")
	for i := range 3 {
		writeFile(t, filepath.Join(src, "f.bin"), genBytes(byte(50+i), 100_000))
		s.mustRun("backup", src)
	}
	sns := s.snapshots()
	if len(sns) != 3 {
		t.Fatalf("%d snapshots", len(sns))
	}
	bad := sns[1]
	flipByte(t, s.repo+"/snapshots/"+bad.ID, 40)
	warn := fmt.Sprintf("warning: snapshot file %s is damaged (", bad.ShortID)

	for _, args := range [][]string{
		{"snapshots"},
		{"ls", sns[0].ID},
		{"ls", "latest"},
		{"restore", sns[2].ID, "--target", filepath.Join(s.dir, "r2")},
		{"dump", sns[0].ID, src + "/f.bin"},
		{"stats"},
		{"diff", sns[0].ID, sns[2].ID},
	} {
		r := s.run(args...)
		wantCode(t, r, exitOK)
		if w := warnings(r); len(w) != 1 || !strings.HasPrefix(w[0], warn) || !strings.HasSuffix(w[0], "skipped; 'sqlvault forget "+bad.ShortID+"' removes it") {
			t.Fatalf("%s: want one warning naming %s\n%v", args[0], bad.ShortID, r)
		}
	}
	if r := s.mustRun("snapshots"); strings.Contains(r.stdout, bad.ShortID) || !strings.Contains(r.stdout, sns[2].ShortID) {
		t.Fatalf("snapshots lists the damaged one, or not the others\n%v", r)
	}
	sameFile(t, filepath.Join(src, "f.bin"), filepath.Join(s.dir, "r2", src, "f.bin"))

	// Naming it says it is damaged.
	r := s.run("ls", bad.ShortID)
	wantCode(t, r, exitDamaged)
	if l := errLine(t, r); !strings.Contains(l, "snapshot file "+bad.ShortID+" is damaged") || !strings.Contains(l, "forget "+bad.ShortID) {
		t.Fatalf("ls of the damaged snapshot: %q", l)
	}
	r = s.run("check")
	wantCode(t, r, exitDamaged)
	if !strings.Contains(r.stdout, "error: snapshot file "+bad.ShortID+" is damaged") {
		t.Fatalf("check does not name the damaged snapshot\n%v", r)
	}
	// prune cannot know what it referred to: it deletes nothing.
	r = s.run("prune")
	wantCode(t, r, exitDamaged)
	if l := errLine(t, r); !strings.Contains(l, bad.ShortID) || !strings.Contains(l, "forget") {
		t.Fatalf("prune: %q", l)
	}

	r = s.mustRun("forget", bad.ShortID)
	if !strings.Contains(r.stderr, "removed damaged snapshot file "+bad.ShortID) {
		t.Fatalf("forget does not say what it removed\n%v", r)
	}
	if r := s.mustRun("check"); !strings.HasPrefix(r.stdout, "no problems found") || len(warnings(r)) != 0 {
		t.Fatalf("check after forget\n%v", r)
	}
	s.mustRun("prune")
	if got := len(s.snapshots()); got != 2 {
		t.Fatalf("%d snapshots after forget, want 2", got)
	}
}

// TestE2EDamagedParent: the latest snapshot of a folder has a damaged
// root tree. The next backup warns, takes the older snapshot as its
// parent, and succeeds; before, it failed with exit 4 until --force.
func TestE2EDamagedParent(t *testing.T) {
	s := initRepo(t)
	src := filepath.Join(s.dir, "src")
	writeFile(t, filepath.Join(src, "a.bin"), genBytes(60, 50_000))
	writeFile(t, filepath.Join(src, "b.bin"), genBytes(61, 50_000))
	s.mustRun("backup", src)
	writeFile(t, filepath.Join(src, "a.bin"), genBytes(62, 50_000))
	s.mustRun("backup", src)
	sns := s.snapshots()
	pack, off, length := s.blobPack(sns[1].Tree)
	flipByte(t, pack, off+length/2)

	writeFile(t, filepath.Join(src, "a.bin"), genBytes(63, 50_000))
	r := s.run("backup", src)
	wantCode(t, r, exitOK)
	if w := warnings(r); len(w) != 1 || !strings.HasPrefix(w[0], "warning: parent snapshot "+sns[1].ShortID+" cannot be read (") {
		t.Fatalf("want one warning naming the damaged parent\n%v", r)
	}
	all := s.snapshots()
	last := all[len(all)-1]
	var manifest struct{ Parent string }
	if err := json.Unmarshal([]byte(s.mustRun("cat", "snapshot", last.ID).stdout), &manifest); err != nil {
		t.Fatal(err)
	}
	if manifest.Parent != sns[0].ID {
		t.Fatalf("parent %s, want the older snapshot %s", manifest.Parent, sns[0].ID)
	}
	if last.Summary.FilesUnchanged != 1 || last.Summary.FilesChanged != 1 {
		t.Fatalf("summary %+v: b.bin unchanged and a.bin changed against the older parent", *last.Summary)
	}
	target := filepath.Join(s.dir, "r")
	s.mustRun("restore", last.ID, "--target", target)
	sameFile(t, filepath.Join(src, "a.bin"), filepath.Join(target, src, "a.bin"))
	sameFile(t, filepath.Join(src, "b.bin"), filepath.Join(target, src, "b.bin"))
}

// TestE2EDamagedKeyFile: a damaged key file is named, not reported as a
// wrong password, and does not stop the other keys.
func TestE2EDamagedKeyFile(t *testing.T) {
	s := initRepo(t)
	keysBefore := repoFiles(t, s.repo, "keys")
	if len(keysBefore) != 1 {
		t.Fatalf("keys %v", keysBefore)
	}
	first := keysBefore[0]
	pwFile := filepath.Join(s.dir, "pw2")
	if err := os.WriteFile(pwFile, []byte("second password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.mustRun("key", "add", "--new-password-file", pwFile, "--kdf-memory", "8", "--kdf-time", "1")
	writeFile(t, filepath.Join(s.dir, "src", "f"), genBytes(70, 10_000))
	s.mustRun("backup", filepath.Join(s.dir, "src"))
	flipByte(t, s.repo+"/keys/"+first, 30)

	// The first password's key is damaged: say so, exit 4.
	r := s.run("snapshots")
	wantCode(t, r, exitDamaged)
	if l := errLine(t, r); !strings.Contains(l, "key file "+first[:8]+" is damaged") || strings.Contains(l, "wrong password") {
		t.Fatalf("want the damaged key named, not a wrong password: %q", l)
	}
	// A wrong password is still a wrong password... with the damage named.
	other := *s
	other.password = "not a password of this repository"
	r = other.run("snapshots")
	wantCode(t, r, exitDamaged)
	errLine(t, r)

	// The second key opens it, with a warning.
	second := *s
	second.password = "second password"
	r = second.run("snapshots")
	wantCode(t, r, exitOK)
	if w := warnings(r); len(w) != 1 || !strings.Contains(w[0], "key file "+first+" is damaged") {
		t.Fatalf("want one warning naming the damaged key\n%v", r)
	}
	r = second.mustRun("key", "list")
	if !strings.Contains(r.stdout, first[:8]) || !strings.Contains(r.stdout, "unreadable") {
		t.Fatalf("key list does not mark the damaged key\n%v", r)
	}
	second.mustRun("key", "remove", first[:8])
	if r := second.mustRun("snapshots"); len(warnings(r)) != 0 {
		t.Fatalf("warnings after removing the damaged key\n%v", r)
	}
}

// TestE2EDamagedLockFile: a lock file that does not decrypt does not lock
// the user out: commands warn and go on, unlock removes it.
func TestE2EDamagedLockFile(t *testing.T) {
	s := initRepo(t)
	src := filepath.Join(s.dir, "src")
	writeFile(t, filepath.Join(src, "f"), genBytes(80, 20_000))
	s.mustRun("backup", src)
	garbage := []byte("not a lock file")
	name := fmt.Sprintf("%x", sha256.Sum256(garbage))
	writeRepoFile(t, s.repo+"/locks/"+name, garbage)
	want := "warning: ignoring damaged lock file " + name[:8] + " ("
	for _, args := range [][]string{
		{"backup", src},
		{"restore", "latest", "--target", filepath.Join(s.dir, "r")},
		{"prune"},
	} {
		r := s.run(args...)
		wantCode(t, r, exitOK)
		if w := warnings(r); len(w) != 1 || !strings.HasPrefix(w[0], want) {
			t.Fatalf("%s: want one warning naming the damaged lock\n%v", args[0], r)
		}
	}
	sameFile(t, filepath.Join(src, "f"), filepath.Join(s.dir, "r", src, "f"))
	if r := s.mustRun("unlock"); !strings.Contains(r.stderr, "removed 1 locks") {
		t.Fatalf("unlock\n%v", r)
	}
	if n := len(repoFiles(t, s.repo, "locks")); n != 0 {
		t.Fatalf("%d lock files after unlock", n)
	}
}
