package schedule

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// JobStatus is what systemd knows of a job's last and next run.
type JobStatus struct {
	Job string
	// LastStart and LastEnd are when the last run started and ended (zero:
	// never started, or not ended yet).
	LastStart, LastEnd time.Time
	// Running is true while a run that started has not ended.
	Running bool
	// Result is systemd's verdict on the last run: "success", "exit-code",
	// "signal", "timeout", "core-dump", ... (systemd.exec(5), $SERVICE_RESULT).
	Result string
	// ExitStatus is the last run's exit code (sqlvault's documented codes).
	ExitStatus int
	// Duration is LastEnd - LastStart for a run that ended.
	Duration time.Duration
	// NextRun is when the timer next starts the job (zero: not scheduled,
	// e.g. the timer is stopped).
	NextRun time.Time
	// LastTrigger is when the timer last started the job.
	LastTrigger time.Time
}

// Succeeded reports whether the last run ended and exited 0.
func (s JobStatus) Succeeded() bool {
	return !s.LastStart.IsZero() && !s.Running && s.Result == "success" && s.ExitStatus == 0
}

// The properties Status asks systemctl show for.
var (
	serviceProps = "ExecMainStartTimestamp,ExecMainExitTimestamp,Result,ExecMainStatus"
	timerProps   = "NextElapseUSecRealtime,LastTriggerUSec"
)

// Status asks the running systemd for the job's last run (from
// sqlvault-JOB.service) and next run (from sqlvault-JOB.timer).
func Status(ctx context.Context, job string, user bool, opts Options) (JobStatus, error) {
	if err := ValidJob(job); err != nil {
		return JobStatus{}, err
	}
	dir, err := UnitDir(user, opts)
	if err != nil {
		return JobStatus{}, err
	}
	if _, err := os.Stat(filepath.Join(dir, TimerName(job))); errors.Is(err, fs.ErrNotExist) {
		return JobStatus{}, fmt.Errorf("job %s: %w in %s", job, ErrNotInstalled, dir)
	} else if err != nil {
		return JobStatus{}, fmt.Errorf("status of job %s: %w", job, err)
	}
	if ok, why := opts.systemdRuns(); !ok {
		return JobStatus{}, fmt.Errorf("status of job %s: %w: %s", job, ErrNoSystemd, why)
	}
	show := func(unit, props string) (string, error) {
		out, err := opts.systemctl(ctx, nil, user, "show", "--timestamp=us+utc", unit, "-p", props)
		return string(out), err
	}
	svc, err := show(ServiceName(job), serviceProps)
	if err != nil {
		return JobStatus{}, err
	}
	tmr, err := show(TimerName(job), timerProps)
	if err != nil {
		return JobStatus{}, err
	}
	return parseStatus(job, svc, tmr)
}

// parseShow reads systemctl show's KEY=VALUE lines.
func parseShow(text string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(strings.TrimRight(line, "\r"), "=")
		if ok && k != "" {
			m[k] = v
		}
	}
	return m
}

// parseStatus builds a JobStatus from the output of systemctl show for the
// service and the timer.
func parseStatus(job, service, timer string) (JobStatus, error) {
	st := JobStatus{Job: job}
	svc, tmr := parseShow(service), parseShow(timer)
	var err error
	field := func(m map[string]string, key string) time.Time {
		t, perr := parseTimestamp(m[key])
		if perr != nil && err == nil {
			err = fmt.Errorf("status of job %s: systemctl show %s: %w", job, key, perr)
		}
		return t
	}
	st.LastStart = field(svc, "ExecMainStartTimestamp")
	st.LastEnd = field(svc, "ExecMainExitTimestamp")
	st.NextRun = field(tmr, "NextElapseUSecRealtime")
	st.LastTrigger = field(tmr, "LastTriggerUSec")
	if err != nil {
		return JobStatus{}, err
	}
	st.Result = svc["Result"]
	if v := svc["ExecMainStatus"]; v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil {
			return JobStatus{}, fmt.Errorf("status of job %s: systemctl show ExecMainStatus: %q is not a number", job, v)
		}
		st.ExitStatus = n
	}
	switch {
	case st.LastStart.IsZero():
	case st.LastEnd.IsZero() || st.LastEnd.Before(st.LastStart):
		st.Running = true
	default:
		st.Duration = st.LastEnd.Sub(st.LastStart)
	}
	return st, nil
}

// parseTimestamp reads a timestamp as systemctl show prints it: with
// --timestamp=us+utc or utc ("Mon 2024-05-13 02:00:03.123456 UTC"), unix
// ("@1715565603"), or the default style in the local zone. Empty, "n/a", "0"
// and "infinity" mean unset.
func parseTimestamp(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	switch v {
	case "", "n/a", "0", "infinity":
		return time.Time{}, nil
	}
	if s, ok := strings.CutPrefix(v, "@"); ok {
		sec, frac, _ := strings.Cut(s, ".")
		n, err := strconv.ParseInt(sec, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("unexpected timestamp %q", v)
		}
		t := time.Unix(n, 0).UTC()
		if frac != "" {
			f, err := strconv.ParseFloat("0."+frac, 64)
			if err != nil {
				return time.Time{}, fmt.Errorf("unexpected timestamp %q", v)
			}
			t = t.Add(time.Duration(f * float64(time.Second)).Round(time.Microsecond))
		}
		return t, nil
	}
	// Go accepts a fraction after the seconds even when the layout has none.
	t, err := time.ParseInLocation("Mon 2006-01-02 15:04:05 MST", v, time.Local)
	if err != nil {
		return time.Time{}, fmt.Errorf("unexpected timestamp %q", v)
	}
	return t, nil
}
