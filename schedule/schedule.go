// Package schedule writes, removes, lists and reports on the systemd units
// that run a sqlvault job unattended: sqlvault-JOB.timer starts
// sqlvault-JOB.service, a hardened oneshot service that runs
// "sqlvault --config FILE run JOB".
//
// It knows nothing of the config file: the caller describes a job's needs in
// a Spec. Every value is checked and escaped as systemd.syntax(7) requires,
// the schedule is checked with "systemd-analyze calendar", and systemctl is
// run only where systemd is the running service manager and no root folder
// was given.
package schedule

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sqlvault/sqlvault/internal/atomicfile"
)

// Options says where units go and how systemd is reached.
type Options struct {
	// Root, when set, is a folder standing for "/": units are written under
	// ROOT/etc/systemd/system or ROOT/<user config dir>/systemd/user, and
	// systemctl is never run (for tests, demos and building images).
	Root string
	// UserConfigDir is where user units go below (its systemd/user folder);
	// "" is os.UserConfigDir() ($XDG_CONFIG_HOME or ~/.config).
	UserConfigDir string
	// Systemctl runs systemctl with args and returns its combined output; nil
	// runs the systemctl found on PATH.
	Systemctl func(ctx context.Context, args ...string) ([]byte, error)
	// Booted reports whether systemd is the running service manager; nil
	// checks that /run/systemd/system exists (sd_booted(3)).
	Booted func() bool
}

// Result is what Install or Remove did, for the command to print.
type Result struct {
	// Files are the unit files written (Install) or deleted (Remove).
	Files []string
	// Commands are the systemctl command lines run, in order.
	Commands []string
	// Skipped says why no systemctl command ran ("" when they ran).
	Skipped string
	// Warnings are things the user should know that did not stop the work.
	Warnings []string
}

// ErrNotInstalled is wrapped when a job has no units in the unit folder.
var ErrNotInstalled = errors.New("no units installed for this job")

// ErrNoSystemd is wrapped when systemd must be asked but does not run here
// or a root folder was given.
var ErrNoSystemd = errors.New("cannot ask systemd")

// UnitDir is the folder the units of system (user false) or user units are
// written to.
func UnitDir(user bool, opts Options) (string, error) {
	if !user {
		return filepath.Join(opts.Root, "/etc/systemd/system"), nil
	}
	dir := opts.UserConfigDir
	if dir == "" {
		var err error
		if dir, err = os.UserConfigDir(); err != nil {
			return "", fmt.Errorf("find the user unit folder: %w", err)
		}
	}
	return filepath.Join(opts.Root, dir, "systemd", "user"), nil
}

// systemdRuns reports whether systemctl should be run: systemd is the
// service manager and no root folder was given.
func (o Options) systemdRuns() (bool, string) {
	if o.Root != "" {
		return false, "a root folder was given: systemctl not run"
	}
	booted := o.Booted
	if booted == nil {
		booted = func() bool {
			fi, err := os.Stat("/run/systemd/system")
			return err == nil && fi.IsDir()
		}
	}
	if !booted() {
		return false, "systemd is not the running service manager here: systemctl not run"
	}
	return true, ""
}

// systemctl runs one systemctl command, records it in res (when not nil)
// and returns its output.
func (o Options) systemctl(ctx context.Context, res *Result, user bool, args ...string) ([]byte, error) {
	if user {
		args = append([]string{"--user"}, args...)
	}
	run := o.Systemctl
	if run == nil {
		run = execSystemctl
	}
	line := "systemctl " + strings.Join(args, " ")
	out, err := run(ctx, args...)
	if res != nil {
		res.Commands = append(res.Commands, line)
	}
	if err != nil {
		return out, fmt.Errorf("%s: %w%s", line, err, outputTail(out))
	}
	return out, nil
}

func execSystemctl(ctx context.Context, args ...string) ([]byte, error) {
	return exec.CommandContext(ctx, "systemctl", args...).CombinedOutput()
}

// outputTail gives a command's output as ": text" on one line, or "".
func outputTail(out []byte) string {
	s := strings.Join(strings.Fields(string(bytes.TrimSpace(out))), " ")
	if s == "" {
		return ""
	}
	return ": " + s
}

// Install checks spec, writes sqlvault-JOB.service and sqlvault-JOB.timer
// (replacing earlier ones) and, where systemd runs and no root was given,
// reloads systemd and enables and starts the timer.
func Install(ctx context.Context, spec Spec, opts Options) (Result, error) {
	var res Result
	if err := spec.check(); err != nil {
		return res, err
	}
	checked, err := CheckCalendar(ctx, spec.OnCalendar)
	if err != nil {
		return res, err
	}
	if !checked {
		res.Warnings = append(res.Warnings, fmt.Sprintf("schedule %q not checked: systemd-analyze is not installed; systemd checks it when it loads the timer", spec.OnCalendar))
	}
	dir, err := UnitDir(spec.User, opts)
	if err != nil {
		return res, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return res, fmt.Errorf("create unit folder: %w", err)
	}
	// The service first: a timer never names a unit that is not there.
	for _, u := range []struct{ name, text string }{
		{ServiceName(spec.Job), spec.serviceUnit()},
		{TimerName(spec.Job), spec.timerUnit()},
	} {
		p := filepath.Join(dir, u.name)
		// Replaced atomically: systemd never reads half a unit.
		if err := atomicfile.WriteFile(p, []byte(u.text), 0o644); err != nil {
			return res, fmt.Errorf("write unit %s: %w", p, err)
		}
		res.Files = append(res.Files, p)
	}
	if opts.Root == "" {
		for _, p := range spec.ReadWritePaths {
			if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
				res.Warnings = append(res.Warnings, fmt.Sprintf("writable path %s does not exist: the service will not start until it does (create it)", p))
			}
		}
	}
	ok, why := opts.systemdRuns()
	if !ok {
		res.Skipped = why
		return res, nil
	}
	if _, err := opts.systemctl(ctx, &res, spec.User, "daemon-reload"); err != nil {
		return res, err
	}
	if _, err := opts.systemctl(ctx, &res, spec.User, "enable", "--now", TimerName(spec.Job)); err != nil {
		return res, err
	}
	return res, nil
}

// Remove stops and disables the job's timer where systemd runs, deletes both
// unit files and reloads systemd. A run in progress is left to finish.
func Remove(ctx context.Context, job string, user bool, opts Options) (Result, error) {
	var res Result
	if err := ValidJob(job); err != nil {
		return res, err
	}
	dir, err := UnitDir(user, opts)
	if err != nil {
		return res, err
	}
	var present []string
	for _, name := range []string{TimerName(job), ServiceName(job)} {
		p := filepath.Join(dir, name)
		if _, err := os.Lstat(p); err == nil {
			present = append(present, p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return res, fmt.Errorf("remove job %s: %w", job, err)
		}
	}
	if len(present) == 0 {
		return res, fmt.Errorf("job %s: %w in %s", job, ErrNotInstalled, dir)
	}
	ok, why := opts.systemdRuns()
	if ok {
		if _, err := opts.systemctl(ctx, &res, user, "disable", "--now", TimerName(job)); err != nil {
			return res, err
		}
	} else {
		res.Skipped = why
	}
	for _, p := range present {
		if err := os.Remove(p); err != nil {
			return res, fmt.Errorf("remove job %s: %w", job, err)
		}
		res.Files = append(res.Files, p)
	}
	if ok {
		if _, err := opts.systemctl(ctx, &res, user, "daemon-reload"); err != nil {
			return res, err
		}
	}
	return res, nil
}

// List returns the jobs with a sqlvault-JOB.timer in the unit folder, sorted.
func List(user bool, opts Options) ([]string, error) {
	dir, err := UnitDir(user, opts)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list units: %w", err)
	}
	var jobs []string
	for _, e := range entries {
		name := e.Name()
		job, ok := strings.CutPrefix(name, unitPrefix)
		if !ok {
			continue
		}
		if job, ok = strings.CutSuffix(job, ".timer"); ok && ValidJob(job) == nil {
			jobs = append(jobs, job)
		}
	}
	sort.Strings(jobs)
	return jobs, nil
}
