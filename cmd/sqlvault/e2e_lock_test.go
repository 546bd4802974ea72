package main_test

// Locks (issue 10): commands that only read can run without one on
// read-only storage (--no-lock).

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// readOnlyView bind-mounts dir read-only at a new folder and returns it;
// the mount is removed when the test ends. It needs root (mount(8)); the
// test is skipped without, except in CI, where it fails.
func readOnlyView(t *testing.T, dir string) string {
	t.Helper()
	view := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(view, 0o755); err != nil {
		t.Fatal(err)
	}
	mount := func(args ...string) error {
		out, err := exec.Command("mount", args...).CombinedOutput()
		if err != nil {
			return &mountError{args, strings.TrimSpace(string(out)), err}
		}
		return nil
	}
	if err := mount("--bind", dir, view); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("a read-only bind mount is needed: %v", err)
		}
		t.Skipf("cannot bind-mount (needs root): %v", err)
	}
	t.Cleanup(func() { exec.Command("umount", view).Run() })
	if err := mount("-o", "remount,bind,ro", view); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(view, "probe"), nil, 0o600); err == nil {
		t.Fatal("the read-only view is writable")
	}
	return view
}

type mountError struct {
	args []string
	out  string
	err  error
}

func (e *mountError) Error() string {
	return "mount " + strings.Join(e.args, " ") + ": " + e.err.Error() + ": " + e.out
}

// TestE2ENoLockReadOnlyRepository: a repository on read-only storage is
// read with --no-lock by every command that only reads; without it, the
// lock cannot be written and the one line says to use --no-lock; commands
// that write refuse --no-lock.
func TestE2ENoLockReadOnlyRepository(t *testing.T) {
	s := initRepo(t)
	src := filepath.Join(s.dir, "src")
	writeFile(t, filepath.Join(src, "a.bin"), genBytes(100, 300_000))
	writeFile(t, filepath.Join(src, "b.txt"), []byte("b\n"))
	s.mustRun("backup", src)
	writeFile(t, filepath.Join(src, "b.txt"), []byte("b changed\n"))
	s.mustRun("backup", src)
	sns := s.snapshots()

	ro := *s
	ro.repo = readOnlyView(t, s.repo)
	r := ro.run("restore", "latest", "--target", filepath.Join(s.dir, "r0"))
	wantCode(t, r, exitFailure)
	if l := errLine(t, r); !strings.Contains(l, "read-only file system") || !strings.Contains(l, "--no-lock") {
		t.Fatalf("want the failure to suggest --no-lock: %q", l)
	}
	target := filepath.Join(s.dir, "r")
	for _, args := range [][]string{
		{"restore", "latest", "--target", target},
		{"dump", sns[0].ID, src + "/a.bin"},
		{"ls", "latest"},
		{"snapshots"},
		{"check", "--read-data"},
		{"diff", sns[0].ID, sns[1].ID},
		{"stats"},
		{"export", "latest", "--zip", filepath.Join(s.dir, "x.zip")},
		{"forget", "--keep-last", "1", "--dry-run"},
		{"prune", "--dry-run"},
		{"cat", "config"},
	} {
		r := ro.run(append([]string{"--no-lock"}, args...)...)
		if r.code != exitOK || strings.Contains(r.stderr, "warning") {
			t.Fatalf("--no-lock %s on read-only storage\n%v", args[0], r)
		}
		if args[0] == "dump" && r.stdout != string(genBytes(100, 300_000)) {
			t.Fatal("dump differs")
		}
	}
	sameFile(t, filepath.Join(src, "a.bin"), filepath.Join(target, src, "a.bin"))
	sameFile(t, filepath.Join(src, "b.txt"), filepath.Join(target, src, "b.txt"))
	for _, args := range [][]string{{"backup", src}, {"prune"}, {"forget", "--keep-last", "1"}} {
		r := s.run(append([]string{"--no-lock"}, args...)...)
		wantCode(t, r, exitUsage)
		if l := errLine(t, r); !strings.Contains(l, "--no-lock is only for commands that only read") {
			t.Fatalf("%s --no-lock: %q", args[0], l)
		}
	}
}

// TestE2ENoLockWritesNoLock: with --no-lock a restore leaves no trace in
// locks/ (run against S3 by TestE2ES3, where storage cannot be made
// read-only for one test).
func TestE2ENoLockWritesNoLock(t *testing.T) {
	s := initRepo(t)
	src := filepath.Join(s.dir, "src")
	writeFile(t, filepath.Join(src, "a.bin"), genBytes(101, 3<<20))
	s.mustRun("backup", src)
	// A pipe that is not read until locks/ was listed holds the restore
	// mid-way: dump writes to it and blocks.
	cmd := s.command(t.Context(), "--no-lock", "dump", "latest", src+"/a.bin")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1)
	if _, err := out.Read(buf); err != nil {
		t.Fatal(err)
	}
	if locks := repoFiles(t, s.repo, "locks"); len(locks) != 0 {
		t.Errorf("a dump with --no-lock wrote lock files %v", locks)
	}
	var rest strings.Builder
	buf2 := make([]byte, 1<<20)
	for {
		n, err := out.Read(buf2)
		rest.Write(buf2[:n])
		if err != nil {
			break
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if string(buf)+rest.String() != string(genBytes(101, 3<<20)) {
		t.Fatal("dump differs")
	}
	// Without --no-lock a dump holds a lock while it runs.
	cmd = s.command(t.Context(), "dump", "latest", src+"/a.bin")
	out, _ = cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := out.Read(buf); err != nil {
		t.Fatal(err)
	}
	if locks := repoFiles(t, s.repo, "locks"); len(locks) != 1 {
		t.Errorf("a dump without --no-lock holds %d lock files, want 1", len(locks))
	}
	for {
		if _, err := out.Read(buf2); err != nil {
			break
		}
	}
	cmd.Wait()
}

// TestE2ELockLostWhileStopped: a backup stopped (SIGSTOP) past the stale
// time loses its lock. A prune meanwhile takes the lock as stale and
// deletes the backup's packs, which no index names yet. When the backup
// resumes it must not write an index or a snapshot that would point at
// them: it fails with the lock-lost line and exit 11, and the repository
// checks clean.
func TestE2ELockLostWhileStopped(t *testing.T) {
	s := initRepo(t)
	s.env = append(s.env, "SQLVAULT_TEST_LOCK_TIMING=200ms,2s")
	s.runStdin(strings.NewReader("day 0"), "backup", "--stdin", "--stdin-filename", "first.txt")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := s.command(ctx, "backup", "--stdin", "--stdin-filename", "big.sql")
	pr, pw := io.Pipe()
	cmd.Stdin = pr
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	src := genReader(110)
	go io.Copy(pw, io.LimitReader(src, 40<<20)) // then blocks: the rest follows after SIGCONT
	first := len(packFiles(s.repo))
	waitForPacks(t, s.repo, first+1, exited)
	packsBefore := len(packFiles(s.repo))
	if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	r := s.run("prune")
	wantCode(t, r, exitOK)
	if !strings.Contains(r.stderr, "warning: ignoring stale shared lock by PID ") {
		t.Fatalf("prune did not take the stopped backup's lock as stale\n%v", r)
	}
	if n := len(packFiles(s.repo)); n != first {
		t.Fatalf("prune left %d packs (the first backup has %d, the stopped one had written %d): the backup's were not deleted", n, first, packsBefore-first)
	}
	if err := cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	go func() { io.Copy(pw, io.LimitReader(src, 8<<20)); pw.Close() }()
	<-exited
	res := result{args: []string{"backup (stopped)"}, code: cmd.ProcessState.ExitCode(), stderr: errb.String()}
	noPanic(t, res)
	wantCode(t, res, exitLocked)
	if l := errLine(t, res); !strings.Contains(l, "the repository lock was lost: it was not refreshed for") || !strings.Contains(l, "run it again") {
		t.Fatalf("want the lock-lost line: %q", l)
	}
	if sns := s.snapshots(); len(sns) != 1 {
		t.Fatalf("%d snapshots, want only the first: the resumed backup wrote one", len(sns))
	}
	s.mustRun("check", "--read-data")
	s.mustRun("backup", "--stdin", "--stdin-filename", "again.txt")
}

// A lock file removed by another process (unlock --remove-all) while a
// backup runs stops the backup at its next refresh: its context ends, which
// also stops the command it reads from.
func TestE2ELockRemovedWhileRunning(t *testing.T) {
	s := initRepo(t)
	s.env = append(s.env, "SQLVAULT_TEST_LOCK_TIMING=500ms,3s")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := s.command(ctx, "backup", "--stdin-from-command", "--", "sh", "-c", "head -c 1048576 /dev/zero; exec sleep 600")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() { cmd.Process.Kill(); <-exited }()
	deadline := time.Now().Add(30 * time.Second)
	for len(repoFiles(t, s.repo, "locks")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the backup took no lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// An unlock that lists the locks while the backup refreshes its own
	// (new file written, old not yet removed) can miss the new one: repeat.
	for i := 0; ; i++ {
		s.mustRun("unlock", "--remove-all")
		select {
		case <-exited:
		case <-time.After(3 * time.Second):
			if i < 10 {
				continue
			}
			t.Fatal("the backup went on after its lock was removed")
		}
		break
	}
	res := result{args: cmd.Args[1:], code: cmd.ProcessState.ExitCode(), stderr: errb.String()}
	noPanic(t, res)
	wantCode(t, res, exitLocked)
	if line := errLine(t, res); !strings.Contains(line, "the repository lock was lost: another process removed its lock file") {
		t.Fatalf("error line %q", line)
	}
	if sns := s.snapshots(); len(sns) != 0 {
		t.Fatalf("snapshots: %+v", sns)
	}
	if locks := repoFiles(t, s.repo, "locks"); len(locks) != 0 {
		t.Fatalf("the stopped backup wrote its lock again: %q", locks)
	}
	s.mustRun("check")
}

// plantTemp leaves a temporary file as an interrupted write would: a
// ".tmp-*" file in a local repository, an incomplete multipart upload in
// an S3 one. It returns what tempFiles lists for it.
func plantTemp(t *testing.T, repo, name string) string {
	t.Helper()
	if !isS3(repo) {
		p := filepath.Join(repo, "data", ".tmp-"+name)
		writeFile(t, p, genBytes(12, 5000))
		return p
	}
	c, bucket, prefix, err := s3Object(repo)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	key := prefix + "/data/aa/aa" + strings.Repeat("0", 62-len(name)) + name
	core := minio.Core{Client: c}
	id, err := core.NewMultipartUpload(ctx, bucket, key, minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := core.PutObjectPart(ctx, bucket, key, id, 1, bytes.NewReader(genBytes(12, 5000)), 5000, minio.PutObjectPartOptions{}); err != nil {
		t.Fatal(err)
	}
	return key
}

// prune removes the temporary files that killed backups left, once they
// are older than the lock stale timeout; a recent one is kept.
func TestE2EPruneRemovesTempFiles(t *testing.T) {
	s := initRepo(t)
	onS3 := isS3(s.repo)
	if onS3 {
		// S3 keeps the start time of an upload; no way to set it back.
		s.env = append(s.env, "SQLVAULT_TEST_LOCK_TIMING=1s,5s")
	}
	s.runStdin(strings.NewReader("before"), "backup", "--stdin", "--stdin-filename", "first.txt")
	for i := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd, _, exited := s.startStreamBackup(ctx)
		waitForPack(t, s.repo, exited)
		// Locally, kill it while it writes a pack (S3 holds packs in memory).
		for deadline := time.Now().Add(30 * time.Second); !onS3 && len(tempFiles(t, s.repo)) <= i; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the backup wrote no temporary file in 30 s")
			}
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-exited
		cancel()
	}
	if onS3 {
		plantTemp(t, s.repo, "01d")
		time.Sleep(6 * time.Second)
	}
	old := tempFiles(t, s.repo)
	if len(old) == 0 {
		t.Fatal("the killed backups left no temporary files")
	}
	if !onS3 {
		for _, p := range old {
			setTimes(t, p, time.Now().Add(-2*time.Hour))
		}
	}
	fresh := plantTemp(t, s.repo, "f7e54")

	r := s.mustRun("prune", "--dry-run")
	if want := fmt.Sprintf("would remove %d temporary files (", len(old)); !strings.Contains(r.stdout, want) {
		t.Fatalf("prune --dry-run does not say %q\n%v", want, r)
	}
	if left := tempFiles(t, s.repo); len(left) != len(old)+1 {
		t.Fatalf("prune --dry-run removed temporary files: %q left", left)
	}
	r = s.mustRun("prune")
	if want := fmt.Sprintf("removed %d temporary files (", len(old)); !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, "left by interrupted backups") {
		t.Fatalf("prune does not say %q\n%v", want, r)
	}
	if left := tempFiles(t, s.repo); len(left) != 1 || left[0] != fresh {
		t.Fatalf("temporary files after prune: %q, want only the recent %s", left, fresh)
	}
	s.mustRun("check", "--read-data")
	if got := s.mustRun("dump", "latest", "first.txt").stdout; got != "before" {
		t.Fatalf("dump after prune: %q", got)
	}
}
