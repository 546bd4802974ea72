// Package job runs a job of the configuration file: the backup of each
// source, forget with the retention policy (and prune when due), check
// (with a rotating --read-data-subset) and verify when due, hooks around
// them, healthchecks-style pings and a Prometheus textfile.
//
// Each step is the sqlvault binary run as a child process with arguments
// built from the configuration, as resticprofile runs restic: a step's exit
// code is the command's own, its output is the command's (each line
// prefixed with the step's name), and passwords reach it only through
// files named in environment variables, never on its command line.
package job

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/sqlvault/sqlvault/config"
	"github.com/sqlvault/sqlvault/mssql"
)

// Runner runs jobs.
type Runner struct {
	// Exe is the sqlvault binary the steps run (os.Executable()).
	Exe string
	// Globals are global options given to every step before its command
	// (e.g. --cache-dir DIR).
	Globals []string
	// Env is the environment the steps and hooks start from; the
	// repository and password variables in it are replaced by the job's.
	Env []string
	// StateDir holds the job state files.
	StateDir string
	// Stdout receives the dry-run plan; Stderr the steps' output.
	Stdout, Stderr io.Writer
	// Client sends the pings; nil: a client with a 10 s timeout.
	Client *http.Client
	// Host is the host name the job's snapshots are recorded under when
	// the job names none (os.Hostname()).
	Host string
	// Warn reports what goes wrong but does not change the exit code (a
	// ping, the metrics file).
	Warn func(format string, args ...any)
	// Now returns the time; nil: time.Now.
	Now func() time.Time
	// Credentials is the folder systemd placed the job's credentials in
	// ($CREDENTIALS_DIRECTORY, see Unit): a password file of the config
	// is read from there, under CredentialName, when it is there.
	Credentials string
}

// passwordFile returns where a password file of the config is read: its
// copy in the credentials folder when systemd placed one there (the unit
// loads it with LoadCredential=, so that the service can read it where
// the file itself is hidden), else the file.
func (r *Runner) passwordFile(path string) string {
	if r.Credentials == "" || path == "" {
		return path
	}
	c := filepath.Join(r.Credentials, CredentialName(path))
	if _, err := os.Stat(c); err == nil {
		return c
	}
	return path
}

// backupStep starts the name of a source's backup step; the source's name
// follows.
const backupStep = "backup "

// Step is one command of a run.
type Step struct {
	Name string   // as the summary shows it: "backup sqlserver", "check", "hook before"
	Argv []string // for a sqlvault step, the arguments after the binary; for a hook, the whole command
	Hook bool     // Argv is a hook's command, not sqlvault's
	Env  []string // variables added for this step (password files)

	kind string // backup, forget, prune, check, verify, before, after, on_failure
}

// StepResult is what a step did.
type StepResult struct {
	Name     string
	Code     int    // its exit code (1 for a hook that failed or a command that did not start)
	Skipped  string // why it did not run; empty if it ran
	Duration time.Duration
}

// Result is the outcome of a run.
type Result struct {
	Job      string
	Start    time.Time
	Duration time.Duration
	Steps    []StepResult
	// Code is the run's exit code: the highest exit code of its steps.
	Code int
	// Snapshots counts the job's snapshots after the run (-1: not known);
	// BytesAdded is what each source's backup added (nil: not known).
	Snapshots  int
	BytesAdded map[string]int64
}

// Exit codes a run gives for what is not a sqlvault command's own.
const (
	codeFailure = 1 // a hook failed, a command did not start
)

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) warn(format string, args ...any) {
	if r.Warn != nil {
		r.Warn(format, args...)
	}
}

func (r *Runner) host(j *config.Job) string {
	if j.Host != "" {
		return j.Host
	}
	return r.Host
}

// due says which of the optional steps are due on this run.
type due struct{ prune, check, verify bool }

func (r *Runner) due(j *config.Job, st *State, run int, now time.Time) due {
	return due{
		prune:  !j.Retention.Empty() && j.Prune.Due(run, now, st.Prune.LastRun, st.Prune.Last),
		check:  j.Check.When.Due(run, now, st.Check.LastRun, st.Check.Last),
		verify: j.Verify.When.Due(run, now, st.Verify.LastRun, st.Verify.Last),
	}
}

// checkGroup returns the subset group the next check reads.
func checkGroup(j *config.Job, st *State) int {
	if st.CheckOf != j.Check.Subset || st.CheckGroup < 1 || st.CheckGroup > j.Check.Subset {
		return 1
	}
	return st.CheckGroup
}

// Plan returns the steps of the job's next run, in order, given its state:
// hooks, backups, forget, and prune, check and verify where due. The
// on_failure hook is not in it (it runs only after a failure).
func (r *Runner) Plan(j *config.Job, st *State) []Step {
	return r.plan(j, st, st.Runs+1)
}

func (r *Runner) plan(j *config.Job, st *State, run int) []Step {
	d := r.due(j, st, run, r.now())
	var steps []Step
	if len(j.Hooks.Before) > 0 {
		steps = append(steps, Step{Name: "hook before", Argv: j.Hooks.Before, Hook: true, kind: "before"})
	}
	var tagArgs []string
	for _, t := range j.Tags {
		tagArgs = append(tagArgs, "--tag", t)
	}
	host := r.host(j)
	hostArgs := []string{"--host", host}
	for _, s := range j.Sources {
		st := Step{Name: backupStep + s.Name, kind: "backup"}
		switch s.Kind {
		case config.SourceSQLServer:
			st.Argv = []string{"backup", s.SQLServer}
			for _, db := range s.Databases {
				st.Argv = append(st.Argv, "--database", db)
			}
			if s.AllDatabases {
				st.Argv = append(st.Argv, "--all-databases")
			}
			st.Env = []string{"SQLVAULT_MSSQL_PASSWORD_FILE=" + r.passwordFile(s.PasswordFile)}
			st.Argv = append(append(st.Argv, tagArgs...), hostArgs...)
		case config.SourcePaths:
			st.Argv = append(append([]string{"backup"}, tagArgs...), hostArgs...)
			for _, e := range s.Exclude {
				st.Argv = append(st.Argv, "--exclude", e)
			}
			st.Argv = append(st.Argv, s.Paths...)
		case config.SourceCommand:
			st.Argv = append(append([]string{"backup", "--stdin-from-command", "--stdin-filename", s.Filename}, tagArgs...), hostArgs...)
			st.Argv = append(append(st.Argv, "--"), s.Command...)
		}
		steps = append(steps, st)
	}
	// forget, check and verify take the job's own snapshots: its host and
	// all its tags.
	var filter []string
	filter = append(filter, hostArgs...)
	if len(j.Tags) > 0 {
		filter = append(filter, "--tag", strings.Join(j.Tags, ","))
	}
	if !j.Retention.Empty() {
		argv := append([]string{"forget"}, filter...)
		p := j.Retention
		for _, k := range []struct {
			flag string
			n    int
		}{{"--keep-last", p.Last}, {"--keep-hourly", p.Hourly}, {"--keep-daily", p.Daily}, {"--keep-weekly", p.Weekly},
			{"--keep-monthly", p.Monthly}, {"--keep-yearly", p.Yearly}} {
			if k.n != 0 {
				argv = append(argv, k.flag, strconv.Itoa(k.n))
			}
		}
		if !p.Within.IsZero() {
			argv = append(argv, "--keep-within", p.Within.String())
		}
		steps = append(steps, Step{Name: "forget", Argv: argv, kind: "forget"})
		if d.prune {
			steps = append(steps, Step{Name: "prune", Argv: []string{"prune"}, kind: "prune"})
		}
	}
	if d.check {
		argv := []string{"check"}
		switch {
		case j.Check.ReadData:
			argv = append(argv, "--read-data")
		case j.Check.Subset > 0:
			argv = append(argv, "--read-data-subset", fmt.Sprintf("%d/%d", checkGroup(j, st), j.Check.Subset))
		case j.Check.Percent != "":
			argv = append(argv, "--read-data-subset", j.Check.Percent)
		}
		steps = append(steps, Step{Name: "check", Argv: argv, kind: "check"})
	}
	if d.verify {
		for _, s := range j.Sources {
			if s.Kind != config.SourceSQLServer {
				continue
			}
			dbs := slices.Clone(s.Databases)
			if src, err := mssql.ParseURL(s.SQLServer); err == nil {
				dbs = append(src.Databases, dbs...)
			}
			for _, db := range dbs {
				argv := append([]string{"verify", "latest", "--database", db}, filter...)
				argv = append(argv, "--to", j.Verify.To)
				steps = append(steps, Step{Name: "verify " + db, Argv: argv, kind: "verify",
					Env: []string{"SQLVAULT_MSSQL_PASSWORD_FILE=" + r.passwordFile(j.Verify.PasswordFile)}})
			}
		}
	}
	if len(j.Hooks.After) > 0 {
		steps = append(steps, Step{Name: "hook after", Argv: j.Hooks.After, Hook: true, kind: "after"})
	}
	return steps
}

// command returns the full command line of a step.
func (r *Runner) command(j *config.Job, s Step) []string {
	if s.Hook {
		return s.Argv
	}
	argv := append([]string{r.Exe, "--repo", j.Repository}, r.Globals...)
	if j.LockWait > 0 {
		argv = append(argv, "--retry-lock", j.LockWait.String())
	}
	return append(argv, s.Argv...)
}

// env returns the environment of a step: Runner.Env without the variables
// that name a repository or carry a password, then the job's.
func (r *Runner) env(j *config.Job, s Step, extra ...string) []string {
	var env []string
	for _, kv := range r.Env {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "SQLVAULT_REPOSITORY", "SQLVAULT_PASSWORD", "SQLVAULT_PASSWORD_FILE", "SQLVAULT_PASSWORD_COMMAND",
			"SQLVAULT_MSSQL_PASSWORD", "SQLVAULT_MSSQL_PASSWORD_FILE":
			continue
		}
		env = append(env, kv)
	}
	if !s.Hook {
		if j.PasswordFile != "" {
			env = append(env, "SQLVAULT_PASSWORD_FILE="+r.passwordFile(j.PasswordFile))
		} else {
			env = append(env, "SQLVAULT_PASSWORD_COMMAND="+j.PasswordCommand)
		}
	}
	env = append(env, "SQLVAULT_JOB="+j.Name)
	env = append(env, s.Env...)
	return append(env, extra...)
}

// DryRun prints the steps the next run would run, with the variables each
// gets (names only), and changes nothing.
func (r *Runner) DryRun(j *config.Job) error {
	st, err := LoadState(r.StateDir, j.Name)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.Stdout, "job %s, run %d:\n", j.Name, st.Runs+1)
	for _, s := range r.Plan(j, st) {
		fmt.Fprintf(r.Stdout, "  %-20s %s", s.Name, shellQuote(r.command(j, s)))
		var names []string
		for _, kv := range s.Env {
			k, _, _ := strings.Cut(kv, "=")
			names = append(names, k)
		}
		if len(names) > 0 {
			fmt.Fprintf(r.Stdout, "  (with %s)", strings.Join(names, ", "))
		}
		fmt.Fprintln(r.Stdout)
	}
	if len(j.Hooks.OnFailure) > 0 {
		fmt.Fprintf(r.Stdout, "  %-20s %s  (only if a step fails)\n", "hook on_failure", shellQuote(j.Hooks.OnFailure))
	}
	return nil
}

func shellQuote(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@,%+", r))
		}) < 0 {
			out[i] = a
			continue
		}
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(out, " ")
}

// Run runs the job once and returns what each step did. The error is for
// what prevents a run or keeps its state from being saved (the state file);
// a failing step is in the Result.
func (r *Runner) Run(ctx context.Context, j *config.Job) (*Result, error) {
	st, err := LoadState(r.StateDir, j.Name)
	if err != nil {
		return nil, err
	}
	start := r.now()
	res := &Result{Job: j.Name, Start: start, Snapshots: -1}
	run := st.Runs + 1
	st.Runs = run
	// Count the run before it starts: a run that is killed still counts.
	if err := st.Save(r.StateDir, j.Name); err != nil {
		return nil, err
	}
	r.ping(ctx, j, "/start")

	steps := r.plan(j, st, run)
	failed := false       // a step failed: after is skipped, on_failure runs
	backupFailed := false // no new snapshot of a source: forget and prune are skipped
	group := checkGroup(j, st)
	for _, s := range steps {
		var skip string
		switch {
		case ctx.Err() != nil:
			skip = "interrupted"
		case res.failedBefore():
			skip = "the before hook failed"
		case s.kind == "after" && failed:
			skip = "a step failed"
		case (s.kind == "forget" || s.kind == "prune") && backupFailed:
			skip = "a backup failed: nothing is removed without a new snapshot of every source"
		case s.kind == "prune" && res.failed("forget"):
			skip = "forget failed"
		}
		if skip != "" {
			res.Steps = append(res.Steps, StepResult{Name: s.Name, Skipped: skip})
			continue
		}
		sr := r.runStep(ctx, j, s, nil)
		res.Steps = append(res.Steps, sr)
		if sr.Code != 0 {
			failed = true
			// 3: the backup was written but lacks some items; forget can
			// still go ahead.
			if s.kind == "backup" && sr.Code != 3 {
				backupFailed = true
			}
			continue
		}
		now := r.now()
		switch s.kind {
		case "prune":
			st.Prune = StepState{LastRun: run, Last: now}
		case "check":
			st.Check = StepState{LastRun: run, Last: now}
			if j.Check.Subset > 0 {
				st.CheckGroup, st.CheckOf = group%j.Check.Subset+1, j.Check.Subset
			}
		case "verify":
			st.Verify = StepState{LastRun: run, Last: now}
		}
	}
	// verify succeeded only if every database verified.
	if res.failed("verify") {
		st.Verify = StepState{}
	}
	if failed && len(j.Hooks.OnFailure) > 0 {
		code := res.worst()
		extra := []string{"SQLVAULT_JOB_EXIT_CODE=" + strconv.Itoa(code), "SQLVAULT_JOB_FAILED_STEPS=" + strings.Join(res.failedNames(), ",")}
		res.Steps = append(res.Steps, r.runStep(ctx, j, Step{Name: "hook on_failure", Argv: j.Hooks.OnFailure, Hook: true, kind: "on_failure"}, extra))
	}
	res.Code = res.worst()
	if j.MetricsFile != "" {
		r.countSnapshots(ctx, j, res)
	}
	res.Duration = r.now().Sub(start)
	if res.Code == 0 {
		st.LastSuccess = start.Add(res.Duration)
		r.ping(ctx, j, "")
	} else {
		r.ping(ctx, j, "/fail")
	}
	if j.MetricsFile != "" {
		if err := WriteMetrics(j.MetricsFile, res, st); err != nil {
			r.warn("%v", err)
		}
	}
	if err := st.Save(r.StateDir, j.Name); err != nil {
		return res, err
	}
	return res, nil
}

func (res *Result) failed(name string) bool {
	for _, s := range res.Steps {
		if (s.Name == name || strings.HasPrefix(s.Name, name+" ")) && s.Skipped == "" && s.Code != 0 {
			return true
		}
	}
	return false
}

func (res *Result) failedBefore() bool { return res.failed("hook before") }

func (res *Result) failedNames() []string {
	var names []string
	for _, s := range res.Steps {
		if s.Skipped == "" && s.Code != 0 {
			names = append(names, s.Name)
		}
	}
	return names
}

// worst is the highest exit code of the steps.
func (res *Result) worst() int {
	code := 0
	for _, s := range res.Steps {
		code = max(code, s.Code)
	}
	return code
}

// runStep runs one step, its output passed through with a prefix.
func (r *Runner) runStep(ctx context.Context, j *config.Job, s Step, extra []string) StepResult {
	argv := r.command(j, s)
	start := r.now()
	out := newPrefixWriter(r.Stderr, "["+s.Name+"] ")
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = r.env(j, s, extra...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	out.Flush()
	sr := StepResult{Name: s.Name, Duration: r.now().Sub(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.ExitCode() > 0 && !s.Hook:
		sr.Code = ee.ExitCode()
	case ctx.Err() != nil:
		sr.Code = 130
	default:
		sr.Code = codeFailure
		if !errors.As(err, &ee) {
			fmt.Fprintf(r.Stderr, "[%s] cannot run %s: %v\n", s.Name, argv[0], err)
		}
	}
	return sr
}

// ping sends GET URL+suffix with a short timeout; a failure is a warning.
func (r *Runner) ping(ctx context.Context, j *config.Job, suffix string) {
	if j.PingURL == "" {
		return
	}
	client := r.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.PingURL+suffix, nil)
	if err != nil {
		r.warn("ping %s: %v", j.PingURL+suffix, err)
		return
	}
	resp, err := client.Do(req)
	if err != nil {
		r.warn("ping: %v", err)
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	_ = resp.Body.Close()
	if resp.StatusCode >= 300 {
		r.warn("ping %s: %s", j.PingURL+suffix, resp.Status)
	}
}

// countSnapshots asks `snapshots --json` for the job's snapshots and what
// this run's backups added, for the metrics. A failure is a warning.
func (r *Runner) countSnapshots(ctx context.Context, j *config.Job, res *Result) {
	host := r.host(j)
	args := []string{"snapshots", "--json", "--host", host}
	if len(j.Tags) > 0 {
		args = append(args, "--tag", strings.Join(j.Tags, ","))
	}
	s := Step{Name: "snapshots", Argv: args}
	argv := r.command(j, s)
	var stdout bytes.Buffer
	errw := newPrefixWriter(r.Stderr, "[snapshots] ")
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = r.env(j, s)
	cmd.Stdout, cmd.Stderr = &stdout, errw
	err := cmd.Run()
	errw.Flush()
	if err != nil {
		r.warn("listing the snapshots for the metrics failed: %v", err)
		return
	}
	// snapshots --json prints one object per line.
	type snap struct {
		Time    time.Time `json:"time"`
		Paths   []string  `json:"paths"`
		Source  string    `json:"source"`
		Summary *struct {
			BytesAdded int64 `json:"bytes_added"`
		} `json:"summary"`
	}
	var sns []snap
	dec := json.NewDecoder(&stdout)
	for dec.More() {
		var sn snap
		if err := dec.Decode(&sn); err != nil {
			r.warn("listing the snapshots for the metrics: %v", err)
			return
		}
		sns = append(sns, sn)
	}
	res.Snapshots = len(sns)
	res.BytesAdded = map[string]int64{}
	for _, src := range j.Sources {
		res.BytesAdded[src.Name] = 0
	}
	for _, sn := range sns {
		if sn.Time.Before(res.Start) || sn.Summary == nil {
			continue
		}
		if src := matchSource(j.Sources, sn.Source, sn.Paths); src != "" {
			res.BytesAdded[src] += sn.Summary.BytesAdded
		}
	}
}

// matchSource names the source of the job a snapshot is of.
func matchSource(sources []config.Source, kind string, paths []string) string {
	for _, s := range sources {
		switch s.Kind {
		case config.SourceSQLServer:
			src, err := mssql.ParseURL(s.SQLServer)
			if kind == "sqlserver" && err == nil && len(paths) > 0 && strings.HasPrefix(paths[0], src.Location("")+"?") {
				return s.Name
			}
		case config.SourcePaths:
			if kind != "files" {
				continue
			}
			for _, p := range s.Paths {
				if ap, err := filepath.Abs(p); err == nil && slices.Contains(paths, ap) {
					return s.Name
				}
			}
		case config.SourceCommand:
			if kind == "command" && len(paths) > 0 && paths[0] == s.Filename {
				return s.Name
			}
		}
	}
	return ""
}

// Summary prints one line per step (what, result, duration) and the
// run's exit code.
func (res *Result) Summary(w io.Writer) {
	fmt.Fprintf(w, "job %s: exit %d in %s\n", res.Job, res.Code, res.Duration.Round(time.Millisecond))
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	for _, s := range res.Steps {
		switch {
		case s.Skipped != "":
			fmt.Fprintf(tw, "  %s\tskipped: %s\t\n", s.Name, s.Skipped)
		case s.Code == 0:
			fmt.Fprintf(tw, "  %s\tok\t%s\n", s.Name, s.Duration.Round(time.Millisecond))
		default:
			fmt.Fprintf(tw, "  %s\tfailed (exit %d)\t%s\n", s.Name, s.Code, s.Duration.Round(time.Millisecond))
		}
	}
	_ = tw.Flush()
}

// prefixWriter writes each line with a prefix; a partial line waits for
// its end or Flush.
type prefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	buf    []byte
}

func newPrefixWriter(w io.Writer, prefix string) *prefixWriter {
	return &prefixWriter{w: w, prefix: prefix}
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			break
		}
		if _, err := fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf[:i]); err != nil {
			return 0, err
		}
		p.buf = p.buf[i+1:]
	}
	return len(b), nil
}

// Flush writes a last line without a newline.
func (p *prefixWriter) Flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) > 0 {
		fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf)
		p.buf = nil
	}
}

// StateDir returns the folder of the job state files under a cache folder.
func StateDir(cacheDir string) string { return filepath.Join(cacheDir, "jobs") }
