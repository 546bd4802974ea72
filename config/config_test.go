package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sqlvault/sqlvault/snapshot"
)

const good = `# a nightly job
[job.nightly]
repository = "/srv/backup/repo"
password_file = "/etc/sqlvault/repo.pw"
tags = ["nightly", "prod"]
host = "db1"
schedule = "*-*-* 02:00:00"
randomized_delay = "15m"
prune = "sunday"
ping_url = "https://hc.example/ping/abc/"
metrics_file = "/var/lib/node_exporter/textfile/sqlvault.prom"
lock_wait = "30m"

[[job.nightly.sources]]
sqlserver = "sqlserver://backup@db1:1433?encrypt=disable"
password_file = "/etc/sqlvault/sql.pw"
databases = ["sales", "hr"]

[[job.nightly.sources]]
paths = ["/etc", "/srv/app"]
exclude = ["*.tmp"]

[[job.nightly.sources]]
name = "pg"
command = ["pg_dump", "shop"]
filename = "shop.sql"

[job.nightly.retention]
keep_daily = 7
keep_weekly = 4
keep_monthly = -1
keep_within = "2w"

[job.nightly.check]
when = "every 3 runs"
read_data_subset = "1/7"

[job.nightly.verify]
when = "every 7d"
to = "sqlserver://verify@db2"
password_file = "/etc/sqlvault/verify.pw"

[job.nightly.hooks]
before = ["/usr/local/bin/pre", "--x"]
on_failure = ["logger", "backup failed"]

[job.small]
repository = "s3:https://s3.example/bucket/x"
password_command = "pass show sqlvault"
sources = [ { paths = ["/home"] }, { command = ["/usr/bin/dump-it"] } ]
`

func TestParseGood(t *testing.T) {
	cfg, err := Parse("s.toml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	j, err := cfg.Job("nightly")
	if err != nil {
		t.Fatal(err)
	}
	want := &Job{
		Name: "nightly", Repository: "/srv/backup/repo", PasswordFile: "/etc/sqlvault/repo.pw",
		Sources: []Source{
			{Kind: SourceSQLServer, Name: "sqlserver", SQLServer: "sqlserver://backup@db1:1433?encrypt=disable", PasswordFile: "/etc/sqlvault/sql.pw", Databases: []string{"sales", "hr"}},
			{Kind: SourcePaths, Name: "paths", Paths: []string{"/etc", "/srv/app"}, Exclude: []string{"*.tmp"}},
			{Kind: SourceCommand, Name: "pg", Command: []string{"pg_dump", "shop"}, Filename: "shop.sql"},
		},
		Tags: []string{"nightly", "prod"}, Host: "db1", Schedule: "*-*-* 02:00:00", RandomizedDelay: 15 * time.Minute,
		Retention: snapshot.Policy{Daily: 7, Weekly: 4, Monthly: -1, Within: snapshot.Duration{Days: 14}},
		Prune:     When{Kind: Weekday, Weekday: time.Sunday},
		Check:     Check{When: When{Kind: Runs, N: 3}, Subset: 7},
		Verify:    Verify{When: When{Kind: Every, D: 7 * 24 * time.Hour}, To: "sqlserver://verify@db2", PasswordFile: "/etc/sqlvault/verify.pw"},
		Hooks:     Hooks{Before: []string{"/usr/local/bin/pre", "--x"}, OnFailure: []string{"logger", "backup failed"}},
		PingURL:   "https://hc.example/ping/abc", MetricsFile: "/var/lib/node_exporter/textfile/sqlvault.prom", LockWait: 30 * time.Minute,
	}
	if !reflect.DeepEqual(j, want) {
		t.Errorf("job\n got %+v\nwant %+v", j, want)
	}
	s := cfg.Jobs["small"]
	if s.LockWait != DefaultLockWait || s.Prune.Kind != Never || s.Check.When.Kind != Never || s.PasswordCommand != "pass show sqlvault" {
		t.Errorf("defaults: %+v", s)
	}
	if len(s.Sources) != 2 || s.Sources[1].Filename != "dump-it" || s.Sources[1].Name != "command" || s.Sources[0].Name != "paths" {
		t.Errorf("inline sources: %+v", s.Sources)
	}
	if _, err := cfg.Job("nope"); err == nil || err.Error() != `s.toml: no job "nope": the file defines nightly, small` {
		t.Errorf("unknown job: %v", err)
	}
}

// base is a valid job; each case appends lines to it (or replaces it).
const base = `[job.j]
repository = "/r"
password_file = "/pw"
[[job.j.sources]]
paths = ["/etc"]
`

// job is a valid job whose table is still open for more keys.
const job = `[job.j]
repository = "/r"
password_file = "/pw"
sources = [{paths = ["/etc"]}]
`

// TestParseErrors gives every kind of bad key or value and checks the line
// and the whole message.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		line       int
		msg        string
	}{
		{"syntax", base + "tags = [\"a\"\n", 6, `not valid TOML: expected a comma (',') or array terminator (']'), but got end of file`},
		{"top-level key", "jobs = 1\n" + base, 1, `jobs: unknown key "jobs"; the file holds [job.NAME] tables`},
		{"job not a table", "job = 3\n", 1, `job: is an integer; want a table ([job])`},
		{"bad job name", "[job.\"a b\"]\nrepository = \"/r\"\n", 1, `job."a b": job name "a b": use letters, digits, '.', '_' and '-' (it names files and systemd units)`},
		{"unknown job key", job + "retension = 3\n", 5, `job.j.retension: unknown key; job.j takes repository, password_file, password_command, sources, tags, host, schedule, randomized_delay, retention, prune, check, verify, hooks, ping_url, metrics_file, lock_wait`},
		{"no repository", "[job.j]\npassword_file = \"/pw\"\nsources = [{paths=[\"/a\"]}]\n", 1, `job.j: no repository; add repository = "/srv/backup/repo" (a path or s3:https://host/bucket/prefix)`},
		{"repository type", "[job.j]\nrepository = 5\npassword_file = \"/pw\"\nsources = [{paths=[\"/a\"]}]\n", 2, `job.j.repository: is an integer; want a string`},
		{"empty string", job + "host = \"\"\n", 5, `job.j.host: is empty; leave the key out or give a value`},
		{"two passwords", job + "password_command = \"x\"\n", 5, `job.j.password_command: password_file is set too; give one of password_file and password_command`},
		{"no password", "[job.j]\nrepository = \"/r\"\nsources = [{paths=[\"/a\"]}]\n", 1, `job.j: no repository password; add password_file = "/etc/sqlvault/repo.pw" or password_command = "..."`},
		{"no sources", "[job.j]\nrepository = \"/r\"\npassword_file = \"/pw\"\n", 1, `job.j: no sources; add [[job.j.sources]] tables with sqlserver, paths or command`},
		{"sources not array", "[job.j]\nrepository = \"/r\"\npassword_file = \"/pw\"\nsources = \"x\"\n", 4, `job.j.sources: is a string; want an array of tables ([[job.j.sources]])`},
		{"sources empty", "[job.j]\nrepository = \"/r\"\npassword_file = \"/pw\"\nsources = []\n", 4, `job.j.sources: is empty; add at least one source`},
		{"source element not table", "[job.j]\nrepository = \"/r\"\npassword_file = \"/pw\"\nsources = [\n  {paths = [\"/a\"]},\n  \"x\",\n]\n", 6, `job.j.sources[1]: is a string; want a table with sqlserver, paths or command`},
		{"source empty", base + "[[job.j.sources]]\nname = \"x\"\n", 6, `job.j.sources[1]: names nothing to back up; give one of sqlserver = "sqlserver://USER@HOST", paths = [...] or command = [...]`},
		{"source two kinds", base + "[[job.j.sources]]\npaths = [\"/a\"]\ncommand = [\"ls\"]\n", 8, `job.j.sources[1].command: paths is set too; a source is one of sqlserver, paths or command: make two sources`},
		{"unknown source key", base + "excludes = [\"x\"]\n", 6, `job.j.sources[0].excludes: unknown key; job.j.sources[0] takes name, sqlserver, password_file, databases, all_databases, paths, exclude, command, filename`},
		{"key of other kind", base + "filename = \"x\"\n", 6, `job.j.sources[0].filename: is for command sources; this source is paths`},
		{"paths not array", base + "[[job.j.sources]]\npaths = \"/etc\"\n", 7, `job.j.sources[1].paths: is a string; want an array of strings, e.g. ["a", "b"]`},
		{"array element type", base + "[[job.j.sources]]\npaths = [\n  \"/a\",\n  3,\n]\n", 9, `job.j.sources[1].paths[1]: is an integer; want a string`},
		{"array element empty", base + "exclude = [\"\"]\n", 6, `job.j.sources[0].exclude[0]: is empty; want a non-empty string`},
		{"array empty", base + "exclude = []\n", 6, `job.j.sources[0].exclude: is empty; give at least one value or leave the key out`},
		{"bad sqlserver URL", base + "[[job.j.sources]]\nsqlserver = \"mssql://x\"\npassword_file = \"/p\"\n", 7, `job.j.sources[1].sqlserver: invalid SQL Server URL "mssql://x": it must start with sqlserver://; want sqlserver://USER@HOST[:PORT][/INSTANCE][?database=NAME]`},
		{"password in URL", base + "[[job.j.sources]]\nsqlserver = \"sqlserver://sa:secret@h?database=d\"\npassword_file = \"/p\"\n", 7, `job.j.sources[1].sqlserver: has a password; remove it from the URL and put it in the file password_file names`},
		{"sqlserver no password file", base + "[[job.j.sources]]\nsqlserver = \"sqlserver://sa@h?database=d\"\n", 6, `job.j.sources[1]: no password_file for the SQL Server login; add password_file = "/etc/sqlvault/sql.pw"`},
		{"sqlserver no database", base + "[[job.j.sources]]\nsqlserver = \"sqlserver://sa@h\"\npassword_file = \"/p\"\n", 6, `job.j.sources[1]: no database; add databases = ["NAME"] or all_databases = true`},
		{"databases and all", base + "[[job.j.sources]]\nsqlserver = \"sqlserver://sa@h\"\npassword_file = \"/p\"\ndatabases = [\"a\"]\nall_databases = true\n", 10, `job.j.sources[1].all_databases: databases are named too; give either databases = [...] or all_databases = true`},
		{"bool type", base + "[[job.j.sources]]\nsqlserver = \"sqlserver://sa@h\"\npassword_file = \"/p\"\nall_databases = \"yes\"\n", 9, `job.j.sources[1].all_databases: is a string; want true or false`},
		{"duplicate source name", base + "name = \"a\"\n[[job.j.sources]]\nname = \"a\"\npaths = [\"/b\"]\n", 8, `job.j.sources[1].name: "a" names two sources; give each its own name`},
		{"filename with slash", base + "[[job.j.sources]]\ncommand = [\"x\"]\nfilename = \"a/b\"\n", 8, `job.j.sources[1].filename: "a/b" has a '/'; want a file name such as "db.sql"`},
		{"tag with comma", base + "[job.j.x]\n", 6, `job.j.x: unknown key; job.j takes repository, password_file, password_command, sources, tags, host, schedule, randomized_delay, retention, prune, check, verify, hooks, ping_url, metrics_file, lock_wait`},
		{"schedule newline", "[job.j]\nrepository = \"/r\"\npassword_file = \"/pw\"\nschedule = \"\"\"daily\n02:00\"\"\"\nsources = [{paths=[\"/a\"]}]\n", 4, `job.j.schedule: has a line break; want one systemd OnCalendar expression, e.g. "daily" or "*-*-* 02:00:00"`},
		{"bad duration", "[job.j]\nrepository = \"/r\"\npassword_file = \"/pw\"\nlock_wait = \"10 minutes\"\nsources = [{paths=[\"/a\"]}]\n", 4, `job.j.lock_wait: "10 minutes" is not a duration; want e.g. "90s", "10m" or "1h30m"`},
		{"negative duration", "[job.j]\nrepository = \"/r\"\npassword_file = \"/pw\"\nrandomized_delay = \"-1m\"\nsources = [{paths=[\"/a\"]}]\n", 4, `job.j.randomized_delay: "-1m" is not a duration; want e.g. "90s", "10m" or "1h30m"`},
		{"retention not table", "[job.j]\nrepository = \"/r\"\npassword_file = \"/pw\"\nretention = 7\nsources = [{paths=[\"/a\"]}]\n", 4, `job.j.retention: is an integer; want a table ([job.j.retention])`},
		{"retention unknown", base + "[job.j.retention]\nkeep_days = 7\n", 7, `job.j.retention.keep_days: unknown key; job.j.retention takes keep_last, keep_hourly, keep_daily, keep_weekly, keep_monthly, keep_yearly, keep_within`},
		{"retention count type", base + "[job.j.retention]\nkeep_daily = \"7\"\n", 7, `job.j.retention.keep_daily: is a string; want an integer`},
		{"retention count range", base + "[job.j.retention]\nkeep_daily = -2\n", 7, `job.j.retention.keep_daily: is -2; want a number of snapshots, or -1 for no limit`},
		{"retention within", base + "[job.j.retention]\nkeep_within = \"7x\"\n", 7, `job.j.retention.keep_within: invalid duration "7x": unknown unit 'x' (use y, m, w, d or h)`},
		{"retention empty", base + "[job.j.retention]\n", 6, `job.j.retention: keeps nothing; set keep_last, keep_daily, ... or remove the table (an empty policy would remove every snapshot)`},
		{"prune bad when", base + "[job.j.retention]\nkeep_last = 3\n[job.x]\n", 8, `job.x: no repository; add repository = "/srv/backup/repo" (a path or s3:https://host/bucket/prefix)`},
		{"prune when", "[job.j]\nrepository = \"/r\"\npassword_file = \"/pw\"\nprune = \"weekly\"\nsources = [{paths=[\"/a\"]}]\nretention = {keep_last = 3}\n", 4, `job.j.prune: "weekly": want "always", "never", "every N runs", "every DURATION" (e.g. "every 7d", units w, d, h) or a weekday (e.g. "sunday")`},
		{"prune without retention", "[job.j]\nrepository = \"/r\"\npassword_file = \"/pw\"\nprune = \"always\"\nsources = [{paths=[\"/a\"]}]\n", 4, `job.j.prune: prune without retention frees nothing; add a [job.j.retention] table or set prune = "never"`},
		{"check when", base + "[job.j.check]\nwhen = \"every 0 runs\"\n", 7, `job.j.check.when: "every 0 runs": want "always", "never", "every N runs", "every DURATION" (e.g. "every 7d", units w, d, h) or a weekday (e.g. "sunday")`},
		{"check subset", base + "[job.j.check]\nread_data_subset = \"2/7\"\n", 7, `job.j.check.read_data_subset: "2/7": want "1/T" with T from 1 to 256 (each check reads the next T-th of the data, in turn) or a share such as "10%"`},
		{"check percent", base + "[job.j.check]\nread_data_subset = \"0%\"\n", 7, `job.j.check.read_data_subset: "0%": want "1/T" with T from 1 to 256 (each check reads the next T-th of the data, in turn) or a share such as "10%"`},
		{"check both", base + "[job.j.check]\nread_data = true\nread_data_subset = \"1/4\"\n", 8, `job.j.check.read_data_subset: read_data is set too; give one of them`},
		{"check unknown", base + "[job.j.check]\nevery = 3\n", 7, `job.j.check.every: unknown key; job.j.check takes when, read_data, read_data_subset`},
		{"verify no sqlserver", base + "[job.j.verify]\nto = \"sqlserver://v@h\"\npassword_file = \"/p\"\n", 6, `job.j.verify: the job has no sqlserver source to verify; remove [job.j.verify] or add a sqlserver source`},
		{"verify no to", base + "[[job.j.sources]]\nsqlserver = \"sqlserver://sa@h?database=d\"\npassword_file = \"/p\"\n[job.j.verify]\npassword_file = \"/p\"\n", 9, `job.j.verify: no server; add to = "sqlserver://USER@HOST" (verify restores into a scratch database there)`},
		{"verify two databases", base + "[[job.j.sources]]\nsqlserver = \"sqlserver://sa@h?database=d\"\npassword_file = \"/p\"\n[job.j.verify]\nto = \"sqlserver://v@h?database=a&database=b\"\npassword_file = \"/p\"\n", 10, `job.j.verify.to: names 2 databases; want one scratch database at most (?database=NAME)`},
		{"hooks unknown", base + "[job.j.hooks]\nafter_failure = [\"x\"]\n", 7, `job.j.hooks.after_failure: unknown key; job.j.hooks takes before, after, on_failure`},
		{"hook a string", base + "[job.j.hooks]\nbefore = \"echo hi\"\n", 7, `job.j.hooks.before: is a string; want an array of strings, e.g. ["a", "b"]`},
		{"ping url", "[job.j]\nrepository = \"/r\"\npassword_file = \"/pw\"\nping_url = \"hc.example/abc\"\nsources = [{paths=[\"/a\"]}]\n", 4, `job.j.ping_url: "hc.example/abc" is not an http(s) URL; want e.g. "https://hc-ping.com/UUID"`},
		{"metrics file", "[job.j]\nrepository = \"/r\"\npassword_file = \"/pw\"\nmetrics_file = \"/var/lib/m.txt\"\nsources = [{paths=[\"/a\"]}]\n", 4, `job.j.metrics_file: "/var/lib/m.txt" does not end in .prom, which node_exporter's textfile collector requires; want e.g. "/var/lib/node_exporter/textfile/sqlvault.prom"`},
		{"inline table key", "[job.j]\nrepository = \"/r\"\npassword_file = \"/pw\"\nsources = [\n  {paths = [\"/a\"]},\n  {paths = [\"/b\"], exclud = [\"x\"]},\n]\n", 6, `job.j.sources[1].exclud: unknown key; job.j.sources[1] takes name, sqlserver, password_file, databases, all_databases, paths, exclude, command, filename`},
		{"first of two problems", job + "host = 3\n" + "[job.a]\nrepository = 1\n", 5, `job.j.host: is an integer; want a string`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("/etc/sqlvault/s.toml", []byte(tc.text))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T), want *Error", err, err)
			}
			if ce.Line != tc.line || ce.Msg != tc.msg {
				t.Errorf("got  line %d: %s\nwant line %d: %s", ce.Line, ce.Msg, tc.line, tc.msg)
			}
			if want := "/etc/sqlvault/s.toml:"; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q does not start with %q", err, want)
			}
		})
	}
}

func TestLoadMissing(t *testing.T) {
	p := filepath.Join(t.TempDir(), "none.toml")
	_, err := Load(p)
	if err == nil || err.Error() != p+": cannot read the configuration: no such file or directory" {
		t.Errorf("got %v", err)
	}
	if err := os.WriteFile(p, []byte(base), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p); err != nil {
		t.Errorf("load %s: %v", p, err)
	}
}

func TestIndexLines(t *testing.T) {
	src := `a = 1 # c
"q.k" = 'x'
b.c = """
multi
line"""
[t]  # table
arr = [
  1,
  [2, 3],
  { x = 1,
    y = 2 },
]
[[t.aot]]
k = 1
[[t.aot]]
k = 2
[t.aot.sub]
z = 'v'
`
	ix := indexLines(src)
	for path, line := range map[string]int{
		"a": 1, "q.k": 2, "b\x1fc": 3, "t": 6, "t\x1farr": 7, "t\x1farr\x1f0": 8, "t\x1farr\x1f1": 9, "t\x1farr\x1f1\x1f1": 9,
		"t\x1farr\x1f2": 10, "t\x1farr\x1f2\x1fy": 11, "t\x1faot\x1f0\x1fk": 14, "t\x1faot\x1f1": 15, "t\x1faot\x1f1\x1fk": 16,
		"t\x1faot\x1f1\x1fsub\x1fz": 18,
	} {
		if got := ix[path]; got != line {
			t.Errorf("%q: line %d, want %d", strings.ReplaceAll(path, "\x1f", "/"), got, line)
		}
	}
}

func TestWhen(t *testing.T) {
	sun := time.Date(2025, 6, 1, 3, 0, 0, 0, time.UTC) // a Sunday
	for _, tc := range []struct {
		text    string
		run     int
		now     time.Time
		lastRun int
		last    time.Time
		due     bool
	}{
		{"always", 5, sun, 4, sun, true},
		{"never", 1, sun, 0, time.Time{}, false},
		{"every 3 runs", 1, sun, 0, time.Time{}, true},
		{"every 3 runs", 3, sun, 1, sun, false},
		{"every 3 runs", 4, sun, 1, sun, true},
		{"every run", 4, sun, 3, sun, true},
		{"every 7d", 9, sun, 8, sun.Add(-6 * 24 * time.Hour), false},
		{"every 1w", 9, sun, 8, sun.Add(-7 * 24 * time.Hour), true},
		{"every 12h", 2, sun, 0, time.Time{}, true},
		{"Sunday", 2, sun, 1, sun.Add(-7 * 24 * time.Hour), true},
		{"sun", 2, sun, 1, sun.Add(-time.Hour), false},
		{"sunday", 2, sun.Add(24 * time.Hour), 0, time.Time{}, false},
	} {
		w, err := ParseWhen(tc.text)
		if err != nil {
			t.Fatalf("%q: %v", tc.text, err)
		}
		if got := w.Due(tc.run, tc.now, tc.lastRun, tc.last); got != tc.due {
			t.Errorf("%q (%v) run %d, last run %d at %v: due %v, want %v", tc.text, w, tc.run, tc.lastRun, tc.last, got, tc.due)
		}
	}
	for _, bad := range []string{"", "weekly", "every", "every runs", "every -1 runs", "every 3", "every 3m", "every 0d", "every 9999999d"} {
		if _, err := ParseWhen(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// FuzzParse feeds the loader arbitrary text: it must not panic, and every
// refusal is an *Error with a line within the file.
func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte(base + "[job.j.check]\nread_data_subset = \"1/7\"\n"))
	f.Add([]byte("a = [\n{b = '''x\ny'''},\n]\n[[c.d]]\n\"e.f\".g = 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("f.toml", data)
		if err == nil {
			if cfg == nil {
				t.Fatal("no config and no error")
			}
			return
		}
		var ce *Error
		if !errors.As(err, &ce) {
			t.Fatalf("error %v (%T), want *Error", err, err)
		}
		if ce.Line < 0 || ce.Line > strings.Count(string(data), "\n")+1 {
			t.Fatalf("line %d outside the file of %d lines: %v", ce.Line, strings.Count(string(data), "\n")+1, err)
		}
	})
}
