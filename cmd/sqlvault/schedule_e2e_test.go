package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestE2ESchedule installs the units of a job of the config file into a
// root folder: the service runs this binary with the config's absolute
// path, loads the repository password as a credential, and systemd's own
// verify accepts both units; list names the job, remove deletes them. A
// job without a schedule is refused with one line, exit 2.
func TestE2ESchedule(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("systemd-analyze not found: run scripts/install-systemd.sh (or make test)")
		}
		t.Skip("systemd-analyze not found: run scripts/install-systemd.sh")
	}
	s := initRepo(t)
	cfg := writeJob(t, s, `schedule = "*-*-* 02:00:00"
randomized_delay = "15m"
[[job.nightly.sources]]
paths = ["/etc/hostname"]
`)
	root := filepath.Join(s.dir, "root")
	cache := filepath.Join(s.dir, "cache")
	if err := os.MkdirAll(cache, 0o700); err != nil {
		t.Fatal(err)
	}
	// --root before the job: a test must never write into the real /etc.
	r := s.run("--config", cfg, "--cache-dir", cache, "schedule", "install", "--root", root, "nightly")
	wantCode(t, r, exitOK)
	unitDir := filepath.Join(root, "etc/systemd/system")
	service, timer := filepath.Join(unitDir, "sqlvault-nightly.service"), filepath.Join(unitDir, "sqlvault-nightly.timer")
	if !strings.Contains(r.stdout, "wrote "+service+"\n") || !strings.Contains(r.stdout, "wrote "+timer+"\n") {
		t.Errorf("install output\n%v", r)
	}
	b, err := os.ReadFile(service)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"ExecStart=\"" + e2eBin + "\" --config \"" + cfg + "\" run \"nightly\"\n",
		"LoadCredential=password-",
		":" + filepath.Join(s.dir, "repo.pw") + "\n",
		"Environment=\"SQLVAULT_CACHE_DIR=" + cache + "\"\n",
		"ReadWritePaths=\"" + cache + "\" \"" + s.repo + "\"\n",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("service unit lacks %q:\n%s", want, b)
		}
	}
	if strings.Contains(string(b), s.password) {
		t.Error("the repository password is in the unit")
	}
	if out, err := exec.Command(analyze, "verify", service, timer).CombinedOutput(); err != nil || strings.Contains(string(out), "sqlvault-nightly") {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	r = s.run("schedule", "list", "--root", root)
	wantCode(t, r, exitOK)
	if r.stdout != "nightly\n" {
		t.Errorf("list: %q", r.stdout)
	}
	r = s.run("schedule", "remove", "nightly", "--root", root) // a subcommand's flag after its argument
	wantCode(t, r, exitOK)
	if _, err := os.Stat(service); !os.IsNotExist(err) {
		t.Errorf("the service unit is still there: %v", err)
	}

	cfg = writeJob(t, s, `[[job.nightly.sources]]
paths = ["/etc/hostname"]
`)
	r = s.run("--config", cfg, "schedule", "install", "--root", root, "nightly")
	wantCode(t, r, exitUsage)
	if got := errLine(t, r); got != `sqlvault: job nightly has no schedule: add schedule = "daily" (systemd OnCalendar syntax) to [job.nightly]` {
		t.Errorf("error line %q", got)
	}
}
