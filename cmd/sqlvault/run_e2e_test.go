package main_test

// End-to-end tests of `sqlvault run JOB`: a job from a configuration file
// the test writes backs up a SQL Server database served by mssqltest, a
// folder and a command's output, then forgets, prunes and checks, each step
// a child sqlvault process.

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
)

// writeJob writes a configuration with one job "nightly" over the
// repository of s and returns its path; extra is added to the job table's
// end (sources and tables).
func writeJob(t *testing.T, s *sv, sources string) string {
	t.Helper()
	writeFile(t, filepath.Join(s.dir, "repo.pw"), []byte(s.password+"\n"))
	cfg := `# written by the test
[job.nightly]
repository = "` + s.repo + `"
password_file = "` + filepath.Join(s.dir, "repo.pw") + `"
tags = ["nightly"]
prune = "always"
metrics_file = "` + filepath.Join(s.dir, "sqlvault.prom") + `"
` + sources + `
[job.nightly.retention]
keep_last = 3

[job.nightly.check]
read_data_subset = "1/2"

[job.nightly.hooks]
on_failure = ["sh", "-c", "echo $SQLVAULT_JOB_EXIT_CODE $SQLVAULT_JOB_FAILED_STEPS > ` + filepath.Join(s.dir, "failed") + `"]
`
	p := filepath.Join(s.dir, "sqlvault.toml")
	writeFile(t, p, []byte(cfg))
	return p
}

// TestE2ERunJob runs a job with a SQL Server, a folder and a command
// source twice: every step succeeds, the summary names them, the
// snapshots are there and the metrics file counts them.
func TestE2ERunJob(t *testing.T) {
	m := newMSSQLServer(t, nil)
	s := initRepo(t)
	writeFile(t, filepath.Join(s.dir, "sql.pw"), []byte(mssqltest.DefaultPassword+"\n"))
	writeFile(t, filepath.Join(s.dir, "data", "a.txt"), []byte("some file\n"))
	cfg := writeJob(t, s, `
[[job.nightly.sources]]
sqlserver = "`+m.url("sample")+`"
password_file = "`+filepath.Join(s.dir, "sql.pw")+`"

[[job.nightly.sources]]
paths = ["`+filepath.Join(s.dir, "data")+`"]

[[job.nightly.sources]]
command = ["sh", "-c", "echo hello from a command"]
filename = "hello.txt"
`)
	for run := 1; run <= 2; run++ {
		r := s.run("--config", cfg, "--cache-dir", filepath.Join(s.dir, "cache"), "run", "nightly")
		wantCode(t, r, exitOK)
		for _, re := range []string{
			`(?m)^job nightly: exit 0 in `,
			`(?m)^  backup sqlserver +ok +\d`,
			`(?m)^  backup paths +ok +\d`,
			`(?m)^  backup command +ok +\d`,
			`(?m)^  forget +ok +\d`,
			`(?m)^  prune +ok +\d`,
			`(?m)^  check +ok +\d`,
		} {
			if !regexp.MustCompile(re).MatchString(r.stdout) {
				t.Errorf("run %d: summary lacks %s\n%v", run, re, r)
			}
		}
		if want := "[check] "; !strings.Contains(r.stderr, want) {
			t.Errorf("run %d: no step output prefixed %q\n%v", run, want, r)
		}
	}
	sns := s.snapshots()
	sources := map[string]int{}
	for _, sn := range sns {
		sources[sn.Source]++
	}
	if n := len(s.snapshotsJSON("--tag", "nightly")); n != len(sns) {
		t.Errorf("%d of %d snapshots have the job's tag", n, len(sns))
	}
	if sources["sqlserver"] != 2 || sources["files"] != 2 || sources["command"] != 2 {
		t.Errorf("snapshots by source %v, want 2 of each", sources)
	}
	prom, err := os.ReadFile(filepath.Join(s.dir, "sqlvault.prom"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sqlvault_job_exit_code{job=\"nightly\"} 0\n", "sqlvault_snapshots{job=\"nightly\"} 6\n",
		"sqlvault_source_bytes_added{job=\"nightly\",source=\"sqlserver\"} ", "# TYPE sqlvault_job_last_success_timestamp_seconds gauge\n"} {
		if !strings.Contains(string(prom), want) {
			t.Errorf("metrics lack %q:\n%s", want, prom)
		}
	}
	if _, err := os.Stat(filepath.Join(s.dir, "failed")); err == nil {
		t.Errorf("the on_failure hook ran")
	}
	st, err := os.ReadFile(filepath.Join(s.dir, "cache", "jobs", "nightly.json"))
	if err != nil || !strings.Contains(string(st), `"runs": 2`) || !strings.Contains(string(st), `"check_group": 1`) {
		t.Errorf("state file: %v\n%s", err, st)
	}
}

// TestE2ERunJobFailure: a source whose command fails makes the run exit
// with the worst step's code (5), forget and prune are skipped, and the
// on_failure hook runs.
func TestE2ERunJobFailure(t *testing.T) {
	s := initRepo(t)
	writeFile(t, filepath.Join(s.dir, "data", "a.txt"), []byte("some file\n"))
	cfg := writeJob(t, s, `
[[job.nightly.sources]]
paths = ["`+filepath.Join(s.dir, "data")+`"]

[[job.nightly.sources]]
command = ["sh", "-c", "exit 9"]
filename = "x.sql"
`)
	r := s.run("--config", cfg, "--cache-dir", filepath.Join(s.dir, "cache"), "run", "nightly")
	wantCode(t, r, exitSource)
	for _, re := range []string{
		`(?m)^job nightly: exit 5 in `,
		`(?m)^  backup paths +ok +\d`,
		`(?m)^  backup command +failed \(exit 5\) +\d`,
		`(?m)^  forget +skipped: a backup failed`,
		`(?m)^  prune +skipped: a backup failed`,
		`(?m)^  check +ok +\d`,
		`(?m)^  hook on_failure +ok +\d`,
	} {
		if !regexp.MustCompile(re).MatchString(r.stdout) {
			t.Errorf("summary lacks %s\n%v", re, r)
		}
	}
	if want := `[backup command] sqlvault: command "sh -c exit 9" exited with code 9: no snapshot was written`; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks %q\n%v", want, r)
	}
	if got := errLine(t, r); got != "sqlvault: job nightly failed: see the summary" {
		t.Errorf("error line %q", got)
	}
	b, err := os.ReadFile(filepath.Join(s.dir, "failed"))
	if err != nil || string(b) != "5 backup command\n" {
		t.Errorf("on_failure hook wrote %q (%v)", b, err)
	}
	if n := len(s.snapshots()); n != 1 {
		t.Errorf("%d snapshots, want 1", n)
	}
}

// TestE2ERunConfigError: a bad value is refused with file:line and exit 2,
// and an unknown job names the jobs there are.
func TestE2ERunConfigError(t *testing.T) {
	s := newSV(t)
	p := filepath.Join(s.dir, "bad.toml")
	writeFile(t, p, []byte("[job.a]\nrepository = \"/r\"\npassword_file = \"/p\"\nsources = [{paths = [\"/etc\"]}]\nlock_wait = \"ten minutes\"\n"))
	s.env = append(s.env, "SQLVAULT_CONFIG="+p)
	r := s.run("run", "a")
	wantCode(t, r, exitUsage)
	if got, want := errLine(t, r), "sqlvault: "+p+`:5: job.a.lock_wait: "ten minutes" is not a duration; want e.g. "90s", "10m" or "1h30m"`; got != want {
		t.Errorf("error line\n got %q\nwant %q", got, want)
	}
	writeFile(t, p, []byte("[job.a]\nrepository = \"/r\"\npassword_file = \"/p\"\nsources = [{paths = [\"/etc\"]}]\n"))
	r = s.run("run", "b")
	wantCode(t, r, exitUsage)
	if got, want := errLine(t, r), "sqlvault: "+p+`: no job "b": the file defines a`; got != want {
		t.Errorf("error line\n got %q\nwant %q", got, want)
	}
	r = s.run("run", "--dry-run", "a")
	wantCode(t, r, exitOK)
	if !strings.Contains(r.stdout, "job a, run 1:\n  backup paths ") {
		t.Errorf("dry run\n%v", r)
	}
}

// TestE2ERunJobLockWait: a job whose step needs the lock another process
// holds waits lock_wait for it: with 1s the step fails as locked (exit
// 11, the run's code), with 2m it waits until the other process is done
// and the run succeeds.
func TestE2ERunJobLockWait(t *testing.T) {
	s := initRepo(t)
	writeFile(t, filepath.Join(s.dir, "data", "a.txt"), []byte("some file\n"))
	job := func(wait string) string {
		return writeJob(t, s, `lock_wait = "`+wait+`"
[[job.nightly.sources]]
paths = ["`+filepath.Join(s.dir, "data")+`"]
`)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// A backup whose input the test feeds holds a shared lock as long as
	// the test needs; forget and prune need the exclusive one.
	fed := startFedBackup(ctx, t, s, 3, 80<<20, "big.sql")

	r := s.run("--config", job("1s"), "--cache-dir", filepath.Join(s.dir, "cache"), "run", "nightly")
	wantCode(t, r, exitLocked)
	if !regexp.MustCompile(`(?m)^  backup paths +ok +\d`).MatchString(r.stdout) || !regexp.MustCompile(`(?m)^  forget +failed \(exit 11\)`).MatchString(r.stdout) {
		t.Errorf("run while locked\n%v", r)
	}

	run := s.command(ctx, "--config", job("2m"), "--cache-dir", filepath.Join(s.dir, "cache"), "run", "nightly")
	var out bytes.Buffer
	run.Stdout, run.Stderr = &out, &out
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- run.Wait() }()
	select {
	case err := <-done:
		t.Fatalf("the run ended while the lock was held: %v\n%s", err, out.String())
	case <-time.After(1500 * time.Millisecond):
	}
	fed.finish(t)
	if err := <-done; err != nil {
		t.Fatalf("the run after waiting: %v\n%s", err, out.String())
	}
	if !regexp.MustCompile(`(?m)^  forget +ok +\d`).MatchString(out.String()) {
		t.Errorf("run after the wait\n%s", out.String())
	}
}
