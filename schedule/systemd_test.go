package schedule

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// requireAnalyze returns the systemd-analyze binary. Like the S3 tests
// without MinIO, it skips the test when systemd-analyze is missing, except
// with CI=true, where it fails: CI must run these tests.
func requireAnalyze(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("systemd-analyze")
	if err != nil {
		msg := "systemd-analyze not found: run scripts/install-systemd.sh (or make test), which installs Debian's systemd package"
		if os.Getenv("CI") == "true" {
			t.Fatalf("systemd tests must run in CI: %s", msg)
		}
		t.Skip(msg)
	}
	return p
}

// hostileBinary makes the sqlvault binary of a Spec a real executable (a
// link to this test binary) in a folder whose name has the characters
// systemd allows there and the unit files escape, so that systemd-analyze verify, which checks that
// ExecStart's program exists, proves the escaping.
func hostileBinary(t *testing.T) string {
	t.Helper()
	self, err := filepath.Abs(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "bin dir %i $HOME")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "sql vault")
	if err := os.Symlink(self, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// verify runs systemd-analyze verify on unit files and fails t unless it
// exits 0 without a word about them.
func verify(t *testing.T, user bool, files ...string) {
	t.Helper()
	if problem := verifyProblem(t, user, files...); problem != "" {
		t.Fatal(problem)
	}
}

// verifyProblem runs systemd-analyze verify and says what it found wrong
// with files, "" if nothing. systemd logs a setting it cannot parse and
// ignores it, so the exit code alone is not enough: any line naming one of
// the files is a problem.
func verifyProblem(t *testing.T, user bool, files ...string) string {
	t.Helper()
	args := []string{"verify"}
	if user {
		args = []string{"--user", "verify"}
	}
	cmd := exec.Command(requireAnalyze(t), append(args, files...)...)
	// The user manager that verify sets up needs a runtime folder.
	cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+t.TempDir(), "SYSTEMD_LOG_COLOR=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Sprintf("systemd-analyze %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	for _, f := range files {
		if strings.Contains(string(out), filepath.Base(f)) {
			return fmt.Sprintf("systemd-analyze verify complains about %s:\n%s", f, out)
		}
	}
	return ""
}

// noSystemctl fails the test if systemctl would be run.
func noSystemctl(t *testing.T) func(context.Context, ...string) ([]byte, error) {
	return func(_ context.Context, args ...string) ([]byte, error) {
		t.Errorf("systemctl %v run", args)
		return nil, errors.New("not allowed in tests")
	}
}

func TestInstallVerifiesWithSystemd(t *testing.T) {
	requireAnalyze(t)
	ctx := context.Background()
	for _, user := range []bool{false, true} {
		root := t.TempDir()
		spec := hostileSpec(hostileBinary(t))
		spec.User = user
		opts := Options{Root: root, UserConfigDir: "/home/dba/.config", Systemctl: noSystemctl(t), Booted: func() bool { return true }}
		res, err := Install(ctx, spec, opts)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(root, "etc/systemd/system")
		if user {
			dir = filepath.Join(root, "home/dba/.config/systemd/user")
		}
		want := []string{filepath.Join(dir, "sqlvault-db-prod.nightly_1.service"), filepath.Join(dir, "sqlvault-db-prod.nightly_1.timer")}
		if strings.Join(res.Files, "\n") != strings.Join(want, "\n") {
			t.Fatalf("user=%v: files %q, want %q", user, res.Files, want)
		}
		if len(res.Commands) != 0 || !strings.Contains(res.Skipped, "root folder") || len(res.Warnings) != 0 {
			t.Fatalf("user=%v: result %+v", user, res)
		}
		for _, f := range res.Files {
			fi, err := os.Stat(f)
			if err != nil || fi.Mode().Perm() != 0o644 {
				t.Fatalf("%s: %v %v", f, fi.Mode(), err)
			}
		}
		verify(t, user, res.Files...)
		// Written again, the same bytes: install is idempotent.
		before, _ := os.ReadFile(res.Files[0])
		if _, err := Install(ctx, spec, opts); err != nil {
			t.Fatal(err)
		}
		after, _ := os.ReadFile(res.Files[0])
		if string(before) != string(after) {
			t.Fatal("second install changed the service unit")
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 2 {
			t.Fatalf("unit folder holds %d entries, want 2 (no temporary files left)", len(entries))
		}
	}
}

// TestVerifyCatchesBadEscaping shows the verify step can fail: a % left
// unescaped in ExecStart's program makes another path, which does not exist
// (verify exits 1), and a quoted LoadCredential= path is not absolute
// (verify logs it and exits 0).
func TestVerifyCatchesBadEscaping(t *testing.T) {
	requireAnalyze(t)
	for _, c := range []struct{ from, to, want string }{
		{"%%i", "%i", "is not executable"},
		{"LoadCredential=mssql-crm:/etc/sqlvault/crm.pw", `LoadCredential=mssql-crm:"/etc/sqlvault/crm.pw"`, "not valid, ignoring"},
	} {
		root := t.TempDir()
		res, err := Install(context.Background(), hostileSpec(hostileBinary(t)), Options{Root: root, Systemctl: noSystemctl(t)})
		if err != nil {
			t.Fatal(err)
		}
		svc := res.Files[0]
		b, err := os.ReadFile(svc)
		if err != nil {
			t.Fatal(err)
		}
		broken := strings.Replace(string(b), c.from, c.to, 1)
		if broken == string(b) {
			t.Fatalf("no %s in the service unit", c.from)
		}
		if err := os.WriteFile(svc, []byte(broken), 0o644); err != nil {
			t.Fatal(err)
		}
		if problem := verifyProblem(t, false, svc); !strings.Contains(problem, c.want) {
			t.Errorf("%s written as %s: verify found %q, want %q", c.from, c.to, problem, c.want)
		}
	}
}

func TestInstallCalendars(t *testing.T) {
	analyze := requireAnalyze(t)
	ctx := context.Background()
	valid := []string{"daily", "hourly", "Mon..Fri *-*-* 02:00", "*-*-* 03:15:00", "Sat *-*-1..7 04:00",
		"Sun 02:30 Europe/Berlin", "weekly"}
	for _, cal := range valid {
		if out, err := exec.Command(analyze, "calendar", "--", cal).CombinedOutput(); err != nil {
			t.Fatalf("systemd-analyze calendar %q: %v\n%s", cal, err, out)
		}
		root := t.TempDir()
		spec := hostileSpec(hostileBinary(t))
		spec.OnCalendar = cal
		res, err := Install(ctx, spec, Options{Root: root, Systemctl: noSystemctl(t)})
		if err != nil {
			t.Fatalf("Install with schedule %q: %v", cal, err)
		}
		verify(t, false, res.Files...)
	}
	invalid := []string{"bogus", "25:00", "Mon 02:61", "*-*-* 02:00 Europe/Nowhere", "daily; rm -rf /", "-h"}
	for _, cal := range invalid {
		if err := exec.Command(analyze, "calendar", "--", cal).Run(); err == nil {
			t.Fatalf("systemd-analyze calendar accepts %q", cal)
		}
		root := t.TempDir()
		spec := hostileSpec("/usr/bin/sqlvault")
		spec.OnCalendar = cal
		res, err := Install(ctx, spec, Options{Root: root, Systemctl: noSystemctl(t)})
		if !errors.Is(err, ErrInvalidSpec) {
			t.Fatalf("Install with schedule %q: %v, want ErrInvalidSpec", cal, err)
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") || !strings.Contains(msg, "schedule \""+cal+"\" is not a systemd calendar expression") ||
			!strings.Contains(msg, "Failed to parse calendar specification") {
			t.Fatalf("Install with schedule %q: not one clear line: %q", cal, msg)
		}
		if len(res.Files) != 0 {
			t.Fatalf("Install with schedule %q wrote %q", cal, res.Files)
		}
		if _, err := os.Stat(filepath.Join(root, "etc")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("Install with schedule %q created the unit folder", cal)
		}
	}
}

// TestInstallWithoutAnalyze: with no systemd-analyze the schedule cannot be
// checked; the units are written and a warning says so.
func TestInstallWithoutAnalyze(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	root := t.TempDir()
	spec := hostileSpec("/usr/bin/sqlvault")
	spec.OnCalendar = "bogus"
	res, err := Install(context.Background(), spec, Options{Root: root, Systemctl: noSystemctl(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 2 || len(res.Warnings) != 1 ||
		res.Warnings[0] != `schedule "bogus" not checked: systemd-analyze is not installed; systemd checks it when it loads the timer` {
		t.Fatalf("result %+v", res)
	}
}
