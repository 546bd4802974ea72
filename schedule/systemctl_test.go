package schedule

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeSystemctl records systemctl's arguments and answers from replies
// (keyed by the unit named in a show command); it never runs systemctl.
type fakeSystemctl struct {
	calls   []string
	replies map[string]string
	fail    string // a command line that fails
}

func (f *fakeSystemctl) run(_ context.Context, args ...string) ([]byte, error) {
	line := strings.Join(args, " ")
	f.calls = append(f.calls, line)
	if f.fail != "" && line == f.fail {
		return []byte("Failed to connect to bus: No medium found\n"), errors.New("exit status 1")
	}
	for unit, reply := range f.replies {
		if strings.Contains(line, " "+unit+" ") {
			return []byte(reply), nil
		}
	}
	return nil, nil
}

// userOpts writes user units into a temporary config folder and pretends
// systemd runs, so that the systemctl steps run against f.
func userOpts(t *testing.T, f *fakeSystemctl) Options {
	return Options{UserConfigDir: t.TempDir(), Systemctl: f.run, Booted: func() bool { return true }}
}

func simpleSpec(job string) Spec {
	return Spec{Job: job, OnCalendar: "daily", Binary: "/usr/bin/sqlvault", ConfigFile: "/etc/sqlvault/sqlvault.toml", User: true}
}

func TestInstallRunsSystemctlWhereSystemdRuns(t *testing.T) {
	f := &fakeSystemctl{}
	opts := userOpts(t, f)
	res, err := Install(context.Background(), simpleSpec("nightly"), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"--user daemon-reload", "--user enable --now sqlvault-nightly.timer"}
	if strings.Join(f.calls, "\n") != strings.Join(want, "\n") {
		t.Fatalf("systemctl calls %q, want %q", f.calls, want)
	}
	if strings.Join(res.Commands, "\n") != "systemctl --user daemon-reload\nsystemctl --user enable --now sqlvault-nightly.timer" || res.Skipped != "" {
		t.Fatalf("result %+v", res)
	}
	dir := filepath.Join(opts.UserConfigDir, "systemd", "user")
	if res.Files[1] != filepath.Join(dir, "sqlvault-nightly.timer") {
		t.Fatalf("files %q", res.Files)
	}

	// Not booted with systemd: files only, and why.
	f2 := &fakeSystemctl{}
	opts2 := userOpts(t, f2)
	opts2.Booted = func() bool { return false }
	res, err = Install(context.Background(), simpleSpec("nightly"), opts2)
	if err != nil || len(f2.calls) != 0 || len(res.Files) != 2 ||
		res.Skipped != "systemd is not the running service manager here: systemctl not run" {
		t.Fatalf("not booted: %+v %v %q", res, err, f2.calls)
	}
}

func TestInstallSystemctlFailure(t *testing.T) {
	f := &fakeSystemctl{fail: "--user enable --now sqlvault-nightly.timer"}
	res, err := Install(context.Background(), simpleSpec("nightly"), userOpts(t, f))
	want := "systemctl --user enable --now sqlvault-nightly.timer: exit status 1: Failed to connect to bus: No medium found"
	if err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
	if len(res.Files) != 2 || len(res.Commands) != 2 {
		t.Fatalf("result %+v: the files written and commands run are still reported", res)
	}
}

func TestInstallWarnsOfMissingWritablePath(t *testing.T) {
	f := &fakeSystemctl{}
	spec := simpleSpec("nightly")
	have := t.TempDir()
	missing := filepath.Join(have, "cache")
	spec.ReadWritePaths = []string{have, missing}
	res, err := Install(context.Background(), spec, userOpts(t, f))
	if err != nil {
		t.Fatal(err)
	}
	want := "writable path " + missing + " does not exist: the service will not start until it does (create it)"
	if len(res.Warnings) != 1 || res.Warnings[0] != want {
		t.Fatalf("warnings %q, want %q", res.Warnings, want)
	}
}

func TestRemoveAndList(t *testing.T) {
	ctx := context.Background()
	f := &fakeSystemctl{}
	opts := userOpts(t, f)
	for _, job := range []string{"b", "a"} {
		if _, err := Install(ctx, simpleSpec(job), opts); err != nil {
			t.Fatal(err)
		}
	}
	dir, err := UnitDir(true, opts)
	if err != nil {
		t.Fatal(err)
	}
	// Files that are not a sqlvault job's timer are not listed.
	for _, name := range []string{"sqlvault-c.service", "other.timer", "sqlvault-bad name.timer", "sqlvault-.timer"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	jobs, err := List(true, opts)
	if err != nil || strings.Join(jobs, ",") != "a,b" {
		t.Fatalf("List = %q, %v", jobs, err)
	}

	f.calls = nil
	res, err := Remove(ctx, "a", true, opts)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(f.calls, "\n") != "--user disable --now sqlvault-a.timer\n--user daemon-reload" {
		t.Fatalf("systemctl calls %q", f.calls)
	}
	if strings.Join(res.Files, "\n") != filepath.Join(dir, "sqlvault-a.timer")+"\n"+filepath.Join(dir, "sqlvault-a.service") {
		t.Fatalf("removed %q", res.Files)
	}
	if jobs, _ := List(true, opts); strings.Join(jobs, ",") != "b" {
		t.Fatalf("after remove, List = %q", jobs)
	}
	if _, err := Remove(ctx, "a", true, opts); !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "job a: no units installed for this job in "+dir) {
		t.Fatalf("second Remove: %v", err)
	}
	if _, err := Remove(ctx, "../a", true, opts); !errors.Is(err, ErrInvalidSpec) {
		t.Fatalf("Remove with a bad name: %v", err)
	}

	// A folder that does not exist lists no jobs.
	if jobs, err := List(false, Options{Root: t.TempDir()}); err != nil || len(jobs) != 0 {
		t.Fatalf("empty root: %q, %v", jobs, err)
	}
}

func TestRemoveUnderRootRunsNoSystemctl(t *testing.T) {
	ctx := context.Background()
	opts := Options{Root: t.TempDir(), Systemctl: noSystemctl(t), Booted: func() bool { return true }}
	spec := simpleSpec("x")
	spec.User = false
	if _, err := Install(ctx, spec, opts); err != nil {
		t.Fatal(err)
	}
	res, err := Remove(ctx, "x", false, opts)
	if err != nil || len(res.Files) != 2 || len(res.Commands) != 0 || res.Skipped == "" {
		t.Fatalf("Remove: %+v, %v", res, err)
	}
	if _, err := os.Stat(filepath.Join(opts.Root, "etc/systemd/system/sqlvault-x.service")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("service unit left: %v", err)
	}
}

// Output of systemctl show (systemd 252) for a job that ran and a timer
// waiting for its next elapse, with --timestamp=us+utc.
const (
	showServiceDone = `Result=success
ExecMainStartTimestamp=Tue 2025-03-04 02:03:11.482113 UTC
ExecMainExitTimestamp=Tue 2025-03-04 02:41:56.907221 UTC
ExecMainStatus=0
`
	showTimerWaiting = `NextElapseUSecRealtime=Wed 2025-03-05 02:00:00 UTC
LastTriggerUSec=Tue 2025-03-04 02:03:11.476520 UTC
`
	// A run that failed with sqlvault's exit code 3, in the unix style.
	showServiceFailed = "ExecMainStartTimestamp=@1741053791\nExecMainExitTimestamp=@1741053850\nResult=exit-code\nExecMainStatus=3\n"
	// Never run; the timer stopped (systemd prints no value, or n/a).
	showServiceNever = "Result=success\nExecMainStartTimestamp=\nExecMainExitTimestamp=n/a\nExecMainStatus=0\n"
	showTimerStopped = "NextElapseUSecRealtime=\nLastTriggerUSec=n/a\n"
	// Running: started after the last exit.
	showServiceRunning = `Result=success
ExecMainStartTimestamp=Wed 2025-03-05 02:01:40.000001 UTC
ExecMainExitTimestamp=Tue 2025-03-04 02:41:56.907221 UTC
ExecMainStatus=0
`
)

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05.999999", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParseStatus(t *testing.T) {
	for _, c := range []struct {
		name, service, timer string
		want                 JobStatus
		ok                   bool
	}{
		{"done", showServiceDone, showTimerWaiting, JobStatus{Job: "j",
			LastStart: utc("2025-03-04 02:03:11.482113"), LastEnd: utc("2025-03-04 02:41:56.907221"),
			Result: "success", Duration: 38*time.Minute + 45*time.Second + 425108*time.Microsecond,
			NextRun: utc("2025-03-05 02:00:00"), LastTrigger: utc("2025-03-04 02:03:11.47652")}, true},
		{"failed", showServiceFailed, showTimerWaiting, JobStatus{Job: "j",
			LastStart: time.Unix(1741053791, 0).UTC(), LastEnd: time.Unix(1741053850, 0).UTC(),
			Result: "exit-code", ExitStatus: 3, Duration: 59 * time.Second,
			NextRun: utc("2025-03-05 02:00:00"), LastTrigger: utc("2025-03-04 02:03:11.47652")}, false},
		{"never", showServiceNever, showTimerStopped, JobStatus{Job: "j", Result: "success"}, false},
		{"running", showServiceRunning, showTimerWaiting, JobStatus{Job: "j",
			LastStart: utc("2025-03-05 02:01:40.000001"), LastEnd: utc("2025-03-04 02:41:56.907221"),
			Running: true, Result: "success",
			NextRun: utc("2025-03-05 02:00:00"), LastTrigger: utc("2025-03-04 02:03:11.47652")}, false},
	} {
		got, err := parseStatus("j", c.service, c.timer)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !got.LastStart.Equal(c.want.LastStart) || !got.LastEnd.Equal(c.want.LastEnd) ||
			!got.NextRun.Equal(c.want.NextRun) || !got.LastTrigger.Equal(c.want.LastTrigger) ||
			got.Running != c.want.Running || got.Result != c.want.Result || got.ExitStatus != c.want.ExitStatus ||
			got.Duration != c.want.Duration || got.Job != "j" {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
		if got.Succeeded() != c.ok {
			t.Errorf("%s: Succeeded() = %v", c.name, got.Succeeded())
		}
	}
	for _, bad := range []string{
		"ExecMainStartTimestamp=yesterday\n",
		"ExecMainStartTimestamp=@12x\n",
		"ExecMainStatus=three\n",
	} {
		if _, err := parseStatus("j", bad, showTimerWaiting); err == nil || strings.Contains(err.Error(), "\n") ||
			!strings.Contains(err.Error(), "status of job j: systemctl show ") {
			t.Errorf("parseStatus(%q): %v", bad, err)
		}
	}
}

func TestStatusAsksSystemctl(t *testing.T) {
	ctx := context.Background()
	f := &fakeSystemctl{replies: map[string]string{
		"sqlvault-nightly.service": showServiceFailed,
		"sqlvault-nightly.timer":   showTimerWaiting,
	}}
	opts := userOpts(t, f)
	if _, err := Status(ctx, "nightly", true, opts); !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("Status before install: %v", err)
	}
	if _, err := Install(ctx, simpleSpec("nightly"), opts); err != nil {
		t.Fatal(err)
	}
	f.calls = nil
	st, err := Status(ctx, "nightly", true, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"--user show --timestamp=us+utc sqlvault-nightly.service -p ExecMainStartTimestamp,ExecMainExitTimestamp,Result,ExecMainStatus",
		"--user show --timestamp=us+utc sqlvault-nightly.timer -p NextElapseUSecRealtime,LastTriggerUSec",
	}
	if strings.Join(f.calls, "\n") != strings.Join(want, "\n") {
		t.Fatalf("systemctl calls %q, want %q", f.calls, want)
	}
	if st.ExitStatus != 3 || st.Result != "exit-code" || st.Duration != 59*time.Second || !st.NextRun.Equal(utc("2025-03-05 02:00:00")) {
		t.Fatalf("status %+v", st)
	}

	opts.Booted = func() bool { return false }
	if _, err := Status(ctx, "nightly", true, opts); !errors.Is(err, ErrNoSystemd) {
		t.Fatalf("Status without systemd: %v", err)
	}
}
