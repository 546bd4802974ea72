package job

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sqlvault/sqlvault/config"
)

// The test binary doubles as a fake sqlvault (and hook): with
// JOBTEST_FAKE=1 it logs its arguments and SQLVAULT_ variables to
// JOBTEST_LOG as a JSON line, prints a line and a partial line on stderr,
// prints JOBTEST_SNAPSHOTS for "snapshots --json", and exits with the code
// of the first rule "SUBSTRING=CODE" (JOBTEST_EXIT, ";"-separated) whose
// substring its arguments contain.
func TestMain(m *testing.M) {
	if os.Getenv("JOBTEST_FAKE") == "1" {
		os.Exit(fake())
	}
	os.Exit(m.Run())
}

type call struct {
	Argv []string          `json:"argv"`
	Env  map[string]string `json:"env"`
}

func fake() int {
	c := call{Argv: os.Args[1:], Env: map[string]string{}}
	for _, kv := range os.Environ() {
		if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "SQLVAULT_") {
			c.Env[k] = v
		}
	}
	b, _ := json.Marshal(c)
	f, err := os.OpenFile(os.Getenv("JOBTEST_LOG"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return 99
	}
	fmt.Fprintf(f, "%s\n", b)
	f.Close()
	line := strings.Join(os.Args[1:], " ")
	fmt.Fprint(os.Stderr, "working\nno newline")
	if strings.Contains(line, "snapshots --json") {
		b, _ := os.ReadFile(os.Getenv("JOBTEST_SNAPSHOTS"))
		os.Stdout.Write(b)
	}
	for _, rule := range strings.Split(os.Getenv("JOBTEST_EXIT"), ";") {
		if sub, code, ok := strings.Cut(rule, "="); ok && strings.Contains(line, sub) {
			n, _ := strconv.Atoi(code)
			return n
		}
	}
	return 0
}

// pings records the paths an httptest server is asked for.
type pings struct {
	mu    sync.Mutex
	paths []string
}

func newPingServer(t *testing.T) (*httptest.Server, *pings) {
	p := &pings{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.paths = append(p.paths, r.Method+" "+r.URL.Path)
		p.mu.Unlock()
		fmt.Fprint(w, "OK")
	}))
	t.Cleanup(srv.Close)
	return srv, p
}

func (p *pings) get() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.paths)
}

type fixture struct {
	t       *testing.T
	dir     string
	log     string
	runner  *Runner
	stderr  *bytes.Buffer
	warns   []string
	pingSrv *httptest.Server
	pings   *pings
	clock   time.Time
}

func newFixture(t *testing.T, exitRules string) *fixture {
	dir := t.TempDir()
	f := &fixture{t: t, dir: dir, log: filepath.Join(dir, "calls.log"), stderr: &bytes.Buffer{},
		clock: time.Date(2025, 6, 2, 2, 0, 0, 0, time.Local)} // a Monday
	f.pingSrv, f.pings = newPingServer(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	snaps := filepath.Join(dir, "snapshots.json")
	if err := os.WriteFile(snaps, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	f.runner = &Runner{
		Exe: exe, Globals: []string{"--cache-dir", "/c"}, StateDir: filepath.Join(dir, "state"), Stdout: &bytes.Buffer{}, Stderr: f.stderr,
		Host: "box", Now: func() time.Time { return f.clock },
		Warn: func(format string, args ...any) { f.warns = append(f.warns, fmt.Sprintf(format, args...)) },
		Env: append(os.Environ(), "JOBTEST_FAKE=1", "JOBTEST_LOG="+f.log, "JOBTEST_EXIT="+exitRules, "JOBTEST_SNAPSHOTS="+snaps,
			"SQLVAULT_PASSWORD=from-the-caller", "SQLVAULT_REPOSITORY=/elsewhere", "SQLVAULT_MSSQL_PASSWORD=leak"),
	}
	return f
}

func (f *fixture) job(text string) *config.Job {
	f.t.Helper()
	cfg, err := config.Parse("t.toml", []byte(strings.ReplaceAll(text, "PING", f.pingSrv.URL+"/ping/abc")))
	if err != nil {
		f.t.Fatal(err)
	}
	j, err := cfg.Job("j")
	if err != nil {
		f.t.Fatal(err)
	}
	return j
}

// calls returns the logged calls since the last call of calls.
func (f *fixture) calls() []call {
	f.t.Helper()
	b, err := os.ReadFile(f.log)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		f.t.Fatal(err)
	}
	_ = os.Remove(f.log)
	var out []call
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var c call
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			f.t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// lines renders calls as "argv" strings with the test binary as "sv" and
// hooks by their arguments.
func (f *fixture) lines(cs []call) []string {
	var out []string
	for _, c := range cs {
		out = append(out, strings.Join(c.Argv, " "))
	}
	return out
}

const fullJob = `
[job.j]
repository = "/srv/repo"
password_file = "/etc/sqlvault/repo.pw"
tags = ["nightly"]
ping_url = "PING"
lock_wait = "5m"
prune = "every 2 runs"
[[job.j.sources]]
sqlserver = "sqlserver://backup@db1:1433?database=sales&encrypt=disable"
password_file = "/etc/sqlvault/sql.pw"
databases = ["hr"]
[[job.j.sources]]
paths = ["/etc", "/srv/app"]
[[job.j.sources]]
command = ["pg_dump", "shop"]
filename = "shop.sql"
[job.j.retention]
keep_daily = 7
keep_within = "1m"
[job.j.check]
read_data_subset = "1/3"
[job.j.verify]
to = "sqlserver://verify@db2"
password_file = "/etc/sqlvault/verify.pw"
[job.j.hooks]
before = ["HOOK", "before"]
after = ["HOOK", "after"]
on_failure = ["HOOK", "on-failure"]
`

func (f *fixture) fullJob() *config.Job {
	exe, _ := os.Executable()
	return f.job(strings.ReplaceAll(fullJob, "HOOK", exe))
}

// TestRunSteps runs a job three times and checks every command line, the
// environment of each step, the check rotation, when prune is due, the
// state file and the pings.
func TestRunSteps(t *testing.T) {
	f := newFixture(t, "")
	j := f.fullJob()
	pre := "--repo /srv/repo --cache-dir /c --retry-lock 5m0s "
	want := func(run int) []string {
		w := []string{
			"before",
			pre + "backup sqlserver://backup@db1:1433?database=sales&encrypt=disable --database hr --tag nightly --host box",
			pre + "backup --tag nightly --host box /etc /srv/app",
			pre + "backup --stdin-from-command --stdin-filename shop.sql --tag nightly --host box -- pg_dump shop",
			pre + "forget --host box --tag nightly --keep-daily 7 --keep-within 1m",
		}
		if run%2 == 1 {
			w = append(w, pre+"prune")
		}
		w = append(w, pre+fmt.Sprintf("check --read-data-subset %d/3", (run-1)%3+1),
			pre+"verify latest --database sales --host box --tag nightly --to sqlserver://verify@db2",
			pre+"verify latest --database hr --host box --tag nightly --to sqlserver://verify@db2",
			"after")
		return w
	}
	for run := 1; run <= 4; run++ {
		res, err := f.runner.Run(context.Background(), j)
		if err != nil {
			t.Fatal(err)
		}
		if res.Code != 0 {
			t.Fatalf("run %d: exit %d\n%s", run, res.Code, f.stderr)
		}
		cs := f.calls()
		if got := f.lines(cs); !slices.Equal(got, want(run)) {
			t.Fatalf("run %d: calls\n%s\nwant\n%s", run, strings.Join(got, "\n"), strings.Join(want(run), "\n"))
		}
		for _, c := range cs {
			env := c.Env
			if env["SQLVAULT_JOB"] != "j" || env["SQLVAULT_PASSWORD"] != "" || env["SQLVAULT_REPOSITORY"] != "" || env["SQLVAULT_MSSQL_PASSWORD"] != "" {
				t.Errorf("%v: environment %v", c.Argv, env)
			}
			hook := len(c.Argv) == 1
			if wantPF := "/etc/sqlvault/repo.pw"; !hook && env["SQLVAULT_PASSWORD_FILE"] != wantPF || hook && env["SQLVAULT_PASSWORD_FILE"] != "" {
				t.Errorf("%v: SQLVAULT_PASSWORD_FILE=%q", c.Argv, env["SQLVAULT_PASSWORD_FILE"])
			}
			wantSQL := ""
			switch {
			case strings.Contains(strings.Join(c.Argv, " "), "backup sqlserver://"):
				wantSQL = "/etc/sqlvault/sql.pw"
			case slices.Contains(c.Argv, "verify"):
				wantSQL = "/etc/sqlvault/verify.pw"
			}
			if env["SQLVAULT_MSSQL_PASSWORD_FILE"] != wantSQL {
				t.Errorf("%v: SQLVAULT_MSSQL_PASSWORD_FILE=%q, want %q", c.Argv, env["SQLVAULT_MSSQL_PASSWORD_FILE"], wantSQL)
			}
			for _, a := range c.Argv {
				if strings.Contains(a, ".pw") {
					t.Errorf("a password file on the command line: %v", c.Argv)
				}
			}
		}
		if len(res.Steps) != len(want(run)) {
			t.Errorf("run %d: %d step results, want %d", run, len(res.Steps), len(want(run)))
		}
		f.clock = f.clock.Add(24 * time.Hour)
	}
	st, err := LoadState(f.runner.StateDir, "j")
	if err != nil {
		t.Fatal(err)
	}
	if st.Runs != 4 || st.Prune.LastRun != 3 || st.Check.LastRun != 4 || st.CheckGroup != 2 || st.CheckOf != 3 || st.Verify.LastRun != 4 ||
		!st.LastSuccess.Equal(f.clock.Add(-24*time.Hour)) {
		t.Errorf("state %+v", st)
	}
	var wantPings []string
	for range 4 {
		wantPings = append(wantPings, "GET /ping/abc/start", "GET /ping/abc")
	}
	if got := f.pings.get(); !slices.Equal(got, wantPings) {
		t.Errorf("pings %q, want %q", got, wantPings)
	}
	if want := "[backup shop.sql] working\n"; !strings.Contains(f.stderr.String(), "[check] working\n[check] no newline\n") {
		t.Errorf("step output not prefixed per line (%q):\n%s", want, f.stderr)
	}
	if len(f.warns) != 0 {
		t.Errorf("warnings %q", f.warns)
	}
}

// TestRunFailure: a failing source gives the run the worst exit code,
// skips forget and prune and the after hook, still checks, runs the
// on_failure hook with the code and pings /fail.
func TestRunFailure(t *testing.T) {
	f := newFixture(t, "--stdin-from-command=3;/etc=5")
	j := f.fullJob()
	res, err := f.runner.Run(context.Background(), j)
	if err != nil {
		t.Fatal(err)
	}
	if res.Code != 5 {
		t.Errorf("exit %d, want 5 (the worst of 3 and 5)", res.Code)
	}
	var sum bytes.Buffer
	res.Summary(&sum)
	for _, re := range []string{
		`(?m)^job j: exit 5 in \d`,
		`(?m)^  hook before +ok +\d`,
		`(?m)^  backup sqlserver +ok +\d`,
		`(?m)^  backup paths +failed \(exit 5\) +\d`,
		`(?m)^  backup command +failed \(exit 3\) +\d`,
		`(?m)^  forget +skipped: a backup failed: nothing is removed without a new snapshot of every source`,
		`(?m)^  prune +skipped: a backup failed`,
		`(?m)^  check +ok +\d`,
		`(?m)^  hook after +skipped: a step failed`,
		`(?m)^  hook on_failure +ok +\d`,
	} {
		if !regexp.MustCompile(re).MatchString(sum.String()) {
			t.Errorf("summary lacks %s:\n%s", re, sum.String())
		}
	}
	cs := f.calls()
	last := cs[len(cs)-1]
	if !slices.Equal(last.Argv, []string{"on-failure"}) || last.Env["SQLVAULT_JOB_EXIT_CODE"] != "5" ||
		last.Env["SQLVAULT_JOB_FAILED_STEPS"] != "backup paths,backup command" {
		t.Errorf("on_failure hook: %+v", last)
	}
	if got, want := f.pings.get(), []string{"GET /ping/abc/start", "GET /ping/abc/fail"}; !slices.Equal(got, want) {
		t.Errorf("pings %q, want %q", got, want)
	}
	st, _ := LoadState(f.runner.StateDir, "j")
	if st.Runs != 1 || !st.LastSuccess.IsZero() || st.Prune.LastRun != 0 || st.Check.LastRun != 1 || st.CheckGroup != 2 {
		t.Errorf("state %+v", st)
	}
}

// TestRunBeforeFails: a failing before hook skips every step; the hook's
// own exit code (7) is reported as 1.
func TestRunBeforeFails(t *testing.T) {
	f := newFixture(t, "before=7")
	res, err := f.runner.Run(context.Background(), f.fullJob())
	if err != nil {
		t.Fatal(err)
	}
	if res.Code != 1 {
		t.Errorf("exit %d, want 1", res.Code)
	}
	for _, s := range res.Steps[1 : len(res.Steps)-1] {
		if s.Skipped != "the before hook failed" {
			t.Errorf("step %s: %+v", s.Name, s)
		}
	}
	if got := f.lines(f.calls()); !slices.Equal(got, []string{"before", "on-failure"}) {
		t.Errorf("calls %q", got)
	}
}

// TestPingDown: a ping that cannot be sent is a warning, not a failure.
func TestPingDown(t *testing.T) {
	f := newFixture(t, "")
	f.pingSrv.Close()
	res, err := f.runner.Run(context.Background(), f.job(`[job.j]
repository = "/r"
password_command = "echo pw"
ping_url = "PING"
sources = [{paths = ["/etc"]}]
`))
	if err != nil {
		t.Fatal(err)
	}
	if res.Code != 0 || len(f.warns) != 2 || !strings.HasPrefix(f.warns[0], "ping: Get \""+f.pingSrv.URL+"/ping/abc/start\"") {
		t.Errorf("exit %d, warnings %q", res.Code, f.warns)
	}
	c := f.calls()[0]
	if c.Env["SQLVAULT_PASSWORD_COMMAND"] != "echo pw" || c.Env["SQLVAULT_PASSWORD_FILE"] != "" {
		t.Errorf("env %v", c.Env)
	}
}

// TestDryRun prints the plan and runs nothing.
func TestDryRun(t *testing.T) {
	f := newFixture(t, "")
	j := f.fullJob()
	if err := f.runner.DryRun(j); err != nil {
		t.Fatal(err)
	}
	out := f.runner.Stdout.(*bytes.Buffer).String()
	exe, _ := os.Executable()
	for _, want := range []string{
		"job j, run 1:\n",
		"  backup sqlserver     " + exe + " --repo /srv/repo --cache-dir /c --retry-lock 5m0s backup 'sqlserver://backup@db1:1433?database=sales&encrypt=disable' --database hr --tag nightly --host box  (with SQLVAULT_MSSQL_PASSWORD_FILE)\n",
		"  prune                " + exe + " --repo /srv/repo --cache-dir /c --retry-lock 5m0s prune\n",
		"  check                " + exe + " --repo /srv/repo --cache-dir /c --retry-lock 5m0s check --read-data-subset 1/3\n",
		"  hook on_failure      " + exe + " on-failure  (only if a step fails)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if cs := f.calls(); len(cs) != 0 || len(f.pings.get()) != 0 {
		t.Errorf("a dry run ran %d commands, sent pings %q", len(cs), f.pings.get())
	}
	if _, err := os.Stat(f.runner.StateDir); !os.IsNotExist(err) {
		t.Errorf("a dry run wrote state: %v", err)
	}
}

// TestWhenDue: prune on Sundays, check every 2 days, over a week of runs.
func TestWhenDue(t *testing.T) {
	f := newFixture(t, "")
	j := f.job(`[job.j]
repository = "/r"
password_file = "/pw"
prune = "sunday"
sources = [{paths = ["/etc"]}]
retention = {keep_last = 3}
check = {when = "every 2d"}
`)
	var got []string
	for day := range 8 { // Monday 2 June 2025 to the next Monday
		if _, err := f.runner.Run(context.Background(), j); err != nil {
			t.Fatal(err)
		}
		for _, c := range f.calls() {
			if a := c.Argv[len(c.Argv)-1]; a == "prune" || a == "check" {
				got = append(got, fmt.Sprintf("%d:%s", day, a))
			}
		}
		f.clock = f.clock.Add(24 * time.Hour)
	}
	if want := []string{"0:check", "2:check", "4:check", "6:prune", "6:check"}; !slices.Equal(got, want) {
		t.Errorf("due steps %q, want %q", got, want)
	}
}

// TestMetrics runs a job with a metrics file and reads it back with the
// text format's rules.
func TestMetrics(t *testing.T) {
	f := newFixture(t, "")
	snaps := `{"time":"2025-06-02T02:00:01Z","paths":["sqlserver://backup@db1:1433?database=sales"],"source":"sqlserver","summary":{"bytes_added":100}}
{"time":"2025-06-02T02:00:02Z","paths":["sqlserver://backup@db1:1433?database=hr"],"source":"sqlserver","summary":{"bytes_added":20}}
{"time":"2025-06-02T02:00:03Z","paths":["/etc","/srv/app"],"source":"files","summary":{"bytes_added":3}}
{"time":"2025-06-01T02:00:03Z","paths":["/etc","/srv/app"],"source":"files","summary":{"bytes_added":999}}
{"time":"2025-06-02T02:00:04Z","paths":["shop.sql"],"source":"command","summary":{"bytes_added":4}}
`
	if err := os.WriteFile(filepath.Join(f.dir, "snapshots.json"), []byte(snaps), 0o600); err != nil {
		t.Fatal(err)
	}
	f.clock = time.Date(2025, 6, 2, 2, 0, 0, 0, time.UTC)
	prom := filepath.Join(f.dir, "sqlvault.prom")
	exe, _ := os.Executable()
	text := strings.ReplaceAll(fullJob, "HOOK", exe)
	text = strings.Replace(text, "[job.j]\n", "[job.\"j\"]\nmetrics_file = \""+prom+"\"\n", 1)
	j := f.job(text)
	j.Name = `j"\x` // label escaping
	if _, err := f.runner.Run(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(prom)
	if err != nil {
		t.Fatal(err)
	}
	samples := parseTextfile(t, string(b))
	lbl := `job="j\"\\x"`
	for k, v := range map[string]float64{
		"sqlvault_job_last_success_timestamp_seconds{" + lbl + "}":    float64(f.clock.Unix()),
		"sqlvault_job_duration_seconds{" + lbl + "}":                  0,
		"sqlvault_job_exit_code{" + lbl + "}":                         0,
		"sqlvault_source_bytes_added{" + lbl + `,source="sqlserver"}`: 120,
		"sqlvault_source_bytes_added{" + lbl + `,source="paths"}`:     3,
		"sqlvault_source_bytes_added{" + lbl + `,source="command"}`:   4,
		"sqlvault_snapshots{" + lbl + "}":                             5,
		"sqlvault_source_exit_code{" + lbl + `,source="sqlserver"}`:   0,
		"sqlvault_source_exit_code{" + lbl + `,source="paths"}`:       0,
		"sqlvault_source_exit_code{" + lbl + `,source="command"}`:     0,
	} {
		if got, ok := samples[k]; !ok || got != v {
			t.Errorf("%s = %v (present %v), want %v\n%s", k, got, ok, v, b)
		}
	}
	if len(samples) != 10 {
		t.Errorf("%d samples, want 10:\n%s", len(samples), b)
	}
	if c := f.calls(); !slices.Contains(f.lines(c), "--repo /srv/repo --cache-dir /c --retry-lock 5m0s snapshots --json --host box --tag nightly") {
		t.Errorf("no snapshots call: %q", f.lines(c))
	}
	// A failed run keeps the last success time and reports its exit code,
	// and each source's.
	f.runner.Env = append(f.runner.Env, "JOBTEST_EXIT=check=4;pg_dump=5")
	f.clock = f.clock.Add(time.Hour)
	if res, _ := f.runner.Run(context.Background(), j); res.Code != 5 {
		t.Fatalf("exit %d", res.Code)
	}
	b, _ = os.ReadFile(prom)
	samples = parseTextfile(t, string(b))
	if samples["sqlvault_job_exit_code{"+lbl+"}"] != 5 || samples["sqlvault_job_last_success_timestamp_seconds{"+lbl+"}"] != float64(f.clock.Add(-time.Hour).Unix()) ||
		samples["sqlvault_source_exit_code{"+lbl+`,source="command"}`] != 5 || samples["sqlvault_source_exit_code{"+lbl+`,source="paths"}`] != 0 {
		t.Errorf("after a failed run:\n%s", b)
	}
	if ents, _ := os.ReadDir(f.dir); slices.ContainsFunc(ents, func(e os.DirEntry) bool { return strings.Contains(e.Name(), ".tmp") }) {
		t.Errorf("a temporary file was left: %v", ents)
	}
}

// parseTextfile checks text against the Prometheus text format as
// node_exporter's textfile collector reads it and returns the samples
// (name{labels} → value). Rules: lines end in \n; "# HELP name text" and
// "# TYPE name gauge|counter|..." at most once per metric and before its
// samples; a metric's samples are contiguous; names match
// [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*, label
// values are quoted with \\, \" and \n escapes; values parse as floats.
func parseTextfile(t *testing.T, text string) map[string]float64 {
	t.Helper()
	if !strings.HasSuffix(text, "\n") {
		t.Fatalf("does not end in a newline: %q", text)
	}
	name := `[a-zA-Z_:][a-zA-Z0-9_:]*`
	label := `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"`
	sample := regexp.MustCompile(`^(` + name + `)(\{` + label + `(?:,` + label + `)*\})? (\S+)$`)
	help := regexp.MustCompile(`^# HELP (` + name + `) \S.*$`)
	typ := regexp.MustCompile(`^# TYPE (` + name + `) (counter|gauge|histogram|summary|untyped)$`)
	out := map[string]float64{}
	seenHelp, seenType, done := map[string]bool{}, map[string]bool{}, map[string]bool{}
	current := ""
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		n := i + 1
		var metric string
		switch {
		case help.MatchString(line):
			metric = help.FindStringSubmatch(line)[1]
			if seenHelp[metric] || seenType[metric] && current != metric {
				t.Errorf("line %d: HELP of %s repeated or after its samples", n, metric)
			}
			seenHelp[metric] = true
		case typ.MatchString(line):
			metric = typ.FindStringSubmatch(line)[1]
			if seenType[metric] {
				t.Errorf("line %d: TYPE of %s repeated", n, metric)
			}
			seenType[metric] = true
		case sample.MatchString(line):
			m := sample.FindStringSubmatch(line)
			metric = m[1]
			if !seenType[metric] || !seenHelp[metric] {
				t.Errorf("line %d: sample of %s before its HELP and TYPE", n, metric)
			}
			v, err := strconv.ParseFloat(m[3], 64)
			if err != nil {
				t.Errorf("line %d: value %q: %v", n, m[3], err)
			}
			if _, dup := out[m[1]+m[2]]; dup {
				t.Errorf("line %d: sample repeated", n)
			}
			if strings.HasSuffix(metric, "_duration_seconds") {
				v = 0 // varies
			}
			out[m[1]+m[2]] = v
		default:
			t.Errorf("line %d: not HELP, TYPE or a sample: %q", n, line)
			continue
		}
		if metric != current {
			if done[metric] {
				t.Errorf("line %d: %s is not contiguous", n, metric)
			}
			done[current] = true
			current = metric
		}
	}
	return out
}
