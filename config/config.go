// Package config loads sqlvault's configuration file: jobs, each naming a
// repository, its sources, retention, checks, hooks, pings and metrics,
// for `sqlvault run JOB` and the systemd units `schedule` writes.
//
// The file is TOML (github.com/BurntSushi/toml). Every key is checked at
// load: an unknown key or a bad value is an *Error naming the file and the
// line of the key, what is wrong and what is expected, so that a job never
// starts from a file it half understood.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/sqlvault/sqlvault/mssql"
	"github.com/sqlvault/sqlvault/snapshot"
)

// DefaultPath is where the configuration file is looked for when neither
// --config nor SQLVAULT_CONFIG names one.
const DefaultPath = "/etc/sqlvault/sqlvault.toml"

// DefaultLockWait is how long a job waits for a lock another process holds
// when the job does not say.
const DefaultLockWait = 10 * time.Minute

// Config is a loaded configuration file.
type Config struct {
	// File is the path the configuration was read from.
	File string
	// Jobs by name.
	Jobs map[string]*Job
}

// Job is one [job.NAME] table: what `sqlvault run NAME` does.
type Job struct {
	Name            string
	Repository      string
	PasswordFile    string // exactly one of PasswordFile and PasswordCommand
	PasswordCommand string
	Sources         []Source
	Tags            []string
	Host            string        // empty: the machine's name
	Schedule        string        // systemd OnCalendar expression; empty: not scheduled
	RandomizedDelay time.Duration // systemd RandomizedDelaySec
	Retention       snapshot.Policy
	Prune           When
	Check           Check
	Verify          Verify
	Hooks           Hooks
	PingURL         string
	MetricsFile     string
	LockWait        time.Duration
}

// SourceKind says what a source reads.
type SourceKind string

// The kinds of sources.
const (
	SourceSQLServer SourceKind = "sqlserver"
	SourcePaths     SourceKind = "paths"
	SourceCommand   SourceKind = "command"
)

// Source is one element of a job's sources.
type Source struct {
	Kind SourceKind
	// Name labels the source in the summary and the metrics; by default
	// its kind, numbered when a job has several of one kind.
	Name string
	// SQL Server: the URL (no password), the login's password file, and
	// the databases (or all of them).
	SQLServer    string
	PasswordFile string
	Databases    []string
	AllDatabases bool
	// Files and folders, and patterns to leave out.
	Paths   []string
	Exclude []string
	// A command whose standard output is backed up as Filename.
	Command  []string
	Filename string
}

// Check says when check runs and how much data it reads.
type Check struct {
	When When
	// ReadData reads every pack.
	ReadData bool
	// Subset is T when each due check reads the next T-th of the packs
	// ("1/T" in the file): after T checks all data was read once.
	Subset int
	// Percent is a random share of the packs to read each time ("N%").
	Percent string
}

// Verify says when verify restores each database snapshot into a scratch
// database on a server.
type Verify struct {
	When         When
	To           string // sqlserver:// URL of the server
	PasswordFile string // its login's password
}

// Hooks are commands (argv, no shell) run around a job.
type Hooks struct {
	Before    []string
	After     []string
	OnFailure []string
}

// Error is a problem in the configuration file, at a line (0 when the
// problem is the file as a whole).
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Load reads and checks the configuration file at path.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Msg: fmt.Sprintf("cannot read the configuration: %v", errors.Unwrap(err))}
	}
	return Parse(path, b)
}

// Parse checks the configuration in data; file names it in errors.
func Parse(file string, data []byte) (*Config, error) {
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			msg := pe.Message
			if pe.Usage != "" {
				msg += "; " + strings.TrimSpace(strings.SplitN(strings.TrimSpace(pe.Usage), "\n", 2)[0])
			}
			return nil, &Error{File: file, Line: pe.Position.Line, Msg: "not valid TOML: " + msg}
		}
		return nil, &Error{File: file, Msg: "not valid TOML: " + err.Error()}
	}
	w := &walker{file: file, lines: indexLines(string(data))}
	cfg := &Config{File: file, Jobs: map[string]*Job{}}
	for _, k := range sortedKeys(raw) {
		if k != "job" {
			w.fail([]string{k}, "unknown key %q; the file holds [job.NAME] tables", k)
		}
	}
	if jobs, ok := w.table(raw, []string{"job"}); ok {
		for _, name := range sortedKeys(jobs) {
			path := []string{"job", name}
			jt, ok := w.table(jobs, path)
			if !ok {
				continue
			}
			if !jobName.MatchString(name) {
				w.fail(path, "job name %q: use letters, digits, '.', '_' and '-' (it names files and systemd units)", name)
				continue
			}
			cfg.Jobs[name] = w.job(name, jt, path)
		}
	}
	if err := w.first(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// Job returns the named job, or an error that lists the jobs there are.
func (c *Config) Job(name string) (*Job, error) {
	if j, ok := c.Jobs[name]; ok {
		return j, nil
	}
	names := sortedKeys(c.Jobs)
	if len(names) == 0 {
		return nil, &Error{File: c.File, Msg: fmt.Sprintf("no job %q: the file defines no job ([job.NAME] tables)", name)}
	}
	return nil, &Error{File: c.File, Msg: fmt.Sprintf("no job %q: the file defines %s", name, strings.Join(names, ", "))}
}

var jobName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// walker checks the decoded document key by key and keeps every problem
// with its line; the first by line is reported.
type walker struct {
	file  string
	lines lineIndex
	errs  []*Error
}

func (w *walker) fail(path []string, format string, args ...any) {
	w.errs = append(w.errs, &Error{File: w.file, Line: w.lines.line(path), Msg: dotted(path) + ": " + fmt.Sprintf(format, args...)})
}

func (w *walker) first() error {
	if len(w.errs) == 0 {
		return nil
	}
	sort.SliceStable(w.errs, func(i, j int) bool { return w.errs[i].Line < w.errs[j].Line })
	return w.errs[0]
}

// dotted prints a key path as job.NAME.sources[1].paths.
func dotted(path []string) string {
	var b strings.Builder
	for i, p := range path {
		if _, err := strconv.Atoi(p); err == nil && i > 0 {
			b.WriteString("[" + p + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		if isBareKey(p) {
			b.WriteString(p)
		} else {
			b.WriteString(strconv.Quote(p))
		}
	}
	return b.String()
}

func isBareKey(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isBare(s[i]) {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func sub(path []string, k ...string) []string {
	return append(append([]string(nil), path...), k...)
}

// typeName names a decoded TOML value's type for messages.
func typeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case map[string]any:
		return "a table"
	case []map[string]any, []any:
		return "an array"
	}
	return "a date or time"
}

// table returns m[path's last key] as a table.
func (w *walker) table(m map[string]any, path []string) (map[string]any, bool) {
	v, ok := m[path[len(path)-1]]
	if !ok {
		return nil, false
	}
	t, ok := v.(map[string]any)
	if !ok {
		w.fail(path, "is %s; want a table ([%s])", typeName(v), dotted(path))
	}
	return t, ok
}

// keys refuses the keys of t that are not in known.
func (w *walker) keys(t map[string]any, path []string, known ...string) {
	for _, k := range sortedKeys(t) {
		if !slices.Contains(known, k) {
			w.fail(sub(path, k), "unknown key; %s takes %s", dotted(path), strings.Join(known, ", "))
		}
	}
}

func (w *walker) str(t map[string]any, path []string, key string) string {
	v, ok := t[key]
	if !ok {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		w.fail(sub(path, key), "is %s; want a string", typeName(v))
		return ""
	}
	if s == "" {
		w.fail(sub(path, key), "is empty; leave the key out or give a value")
	}
	return s
}

func (w *walker) boolean(t map[string]any, path []string, key string) bool {
	v, ok := t[key]
	if !ok {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		w.fail(sub(path, key), "is %s; want true or false", typeName(v))
	}
	return b
}

func (w *walker) integer(t map[string]any, path []string, key string) (int, bool) {
	v, ok := t[key]
	if !ok {
		return 0, false
	}
	n, ok := v.(int64)
	if !ok {
		w.fail(sub(path, key), "is %s; want an integer", typeName(v))
		return 0, false
	}
	if n < -1 || n > 1<<30 {
		w.fail(sub(path, key), "is %d; want a number of snapshots, or -1 for no limit", n)
		return 0, false
	}
	return int(n), true
}

// strings reads an array of non-empty strings.
func (w *walker) strs(t map[string]any, path []string, key string) []string {
	v, ok := t[key]
	if !ok {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		w.fail(sub(path, key), "is %s; want an array of strings, e.g. [\"a\", \"b\"]", typeName(v))
		return nil
	}
	out := make([]string, 0, len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		switch {
		case !ok:
			w.fail(sub(path, key, strconv.Itoa(i)), "is %s; want a string", typeName(e))
		case s == "":
			w.fail(sub(path, key, strconv.Itoa(i)), "is empty; want a non-empty string")
		default:
			out = append(out, s)
		}
	}
	if len(out) == 0 && len(arr) == 0 {
		w.fail(sub(path, key), "is empty; give at least one value or leave the key out")
	}
	return out
}

// duration reads a Go duration ("90s", "10m", "1h30m").
func (w *walker) duration(t map[string]any, path []string, key string) (time.Duration, bool) {
	s := w.str(t, path, key)
	if s == "" {
		return 0, false
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		w.fail(sub(path, key), "%q is not a duration; want e.g. \"90s\", \"10m\" or \"1h30m\"", s)
		return 0, false
	}
	return d, true
}

func (w *walker) job(name string, t map[string]any, path []string) *Job {
	w.keys(t, path, "repository", "password_file", "password_command", "sources", "tags", "host", "schedule",
		"randomized_delay", "retention", "prune", "check", "verify", "hooks", "ping_url", "metrics_file", "lock_wait")
	j := &Job{Name: name, LockWait: DefaultLockWait, Prune: When{Kind: Never}, Check: Check{When: When{Kind: Never}},
		Verify: Verify{When: When{Kind: Never}}}
	j.Repository = w.str(t, path, "repository")
	if _, ok := t["repository"]; !ok {
		w.fail(path, "no repository; add repository = \"/srv/backup/repo\" (a path or s3:https://host/bucket/prefix)")
	}
	j.PasswordFile = w.str(t, path, "password_file")
	j.PasswordCommand = w.str(t, path, "password_command")
	_, hasFile := t["password_file"]
	_, hasCmd := t["password_command"]
	switch {
	case hasFile && hasCmd:
		w.fail(sub(path, "password_command"), "password_file is set too; give one of password_file and password_command")
	case !hasFile && !hasCmd:
		w.fail(path, "no repository password; add password_file = \"/etc/sqlvault/repo.pw\" or password_command = \"...\"")
	}
	j.Sources = w.sources(t, sub(path, "sources"))
	j.Tags = w.strs(t, path, "tags")
	for i, tag := range j.Tags {
		if strings.Contains(tag, ",") {
			w.fail(sub(path, "tags", strconv.Itoa(i)), "tag %q has a comma; give each tag as its own string", tag)
		}
	}
	j.Host = w.str(t, path, "host")
	if s, ok := t["schedule"]; ok {
		j.Schedule = w.str(t, path, "schedule")
		if str, isStr := s.(string); isStr && strings.ContainsAny(str, "\n\r") {
			w.fail(sub(path, "schedule"), "has a line break; want one systemd OnCalendar expression, e.g. \"daily\" or \"*-*-* 02:00:00\"")
		}
	}
	if d, ok := w.duration(t, path, "randomized_delay"); ok {
		j.RandomizedDelay = d
	}
	if d, ok := w.duration(t, path, "lock_wait"); ok {
		j.LockWait = d
	}
	if rt, ok := w.table(t, sub(path, "retention")); ok {
		j.Retention = w.retention(rt, sub(path, "retention"))
	}
	if _, ok := t["prune"]; ok {
		j.Prune = w.when(t, path, "prune", Never)
		if j.Prune.Kind != Never && j.Retention.Empty() {
			w.fail(sub(path, "prune"), "prune without retention frees nothing; add a [%s.retention] table or set prune = \"never\"", dotted(path))
		}
	}
	if ct, ok := w.table(t, sub(path, "check")); ok {
		j.Check = w.check(ct, sub(path, "check"))
	}
	if vt, ok := w.table(t, sub(path, "verify")); ok {
		j.Verify = w.verify(vt, sub(path, "verify"))
		if j.Verify.When.Kind != Never && !slices.ContainsFunc(j.Sources, func(s Source) bool { return s.Kind == SourceSQLServer }) {
			w.fail(sub(path, "verify"), "the job has no sqlserver source to verify; remove [%s.verify] or add a sqlserver source", dotted(path))
		}
	}
	if ht, ok := w.table(t, sub(path, "hooks")); ok {
		hp := sub(path, "hooks")
		w.keys(ht, hp, "before", "after", "on_failure")
		j.Hooks = Hooks{Before: w.strs(ht, hp, "before"), After: w.strs(ht, hp, "after"), OnFailure: w.strs(ht, hp, "on_failure")}
	}
	if s := w.str(t, path, "ping_url"); s != "" {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			w.fail(sub(path, "ping_url"), "%q is not an http(s) URL; want e.g. \"https://hc-ping.com/UUID\"", s)
		}
		j.PingURL = strings.TrimSuffix(s, "/")
	}
	if s := w.str(t, path, "metrics_file"); s != "" {
		if !strings.HasSuffix(s, ".prom") {
			w.fail(sub(path, "metrics_file"), "%q does not end in .prom, which node_exporter's textfile collector requires; want e.g. \"/var/lib/node_exporter/textfile/sqlvault.prom\"", s)
		}
		j.MetricsFile = s
	}
	return j
}

func (w *walker) sources(t map[string]any, path []string) []Source {
	v, ok := t["sources"]
	if !ok {
		w.fail(path[:len(path)-1], "no sources; add [[%s]] tables with sqlserver, paths or command", dotted(path))
		return nil
	}
	var tables []map[string]any
	switch a := v.(type) {
	case []map[string]any:
		tables = a
	case []any:
		for i, e := range a {
			m, ok := e.(map[string]any)
			if !ok {
				w.fail(sub(path, strconv.Itoa(i)), "is %s; want a table with sqlserver, paths or command", typeName(e))
				continue
			}
			tables = append(tables, m)
		}
	default:
		w.fail(path, "is %s; want an array of tables ([[%s]])", typeName(v), dotted(path))
		return nil
	}
	if len(tables) == 0 {
		w.fail(path, "is empty; add at least one source")
	}
	var out []Source
	count := map[SourceKind]int{}
	names := map[string]bool{}
	for i, st := range tables {
		sp := sub(path, strconv.Itoa(i))
		s := w.source(st, sp)
		if s.Kind == "" {
			continue
		}
		count[s.Kind]++
		out = append(out, s)
	}
	seen := map[SourceKind]int{}
	for i := range out {
		s := &out[i]
		if s.Name == "" {
			s.Name = string(s.Kind)
			if count[s.Kind] > 1 {
				seen[s.Kind]++
				s.Name = fmt.Sprintf("%s-%d", s.Kind, seen[s.Kind])
			}
		}
		if names[s.Name] {
			w.fail(sub(path, strconv.Itoa(i), "name"), "%q names two sources; give each its own name", s.Name)
		}
		names[s.Name] = true
	}
	return out
}

func (w *walker) source(t map[string]any, path []string) Source {
	w.keys(t, path, "name", "sqlserver", "password_file", "databases", "all_databases", "paths", "exclude", "command", "filename")
	var kinds []string
	for _, k := range []string{"sqlserver", "paths", "command"} {
		if _, ok := t[k]; ok {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) != 1 {
		if len(kinds) == 0 {
			w.fail(path, "names nothing to back up; give one of sqlserver = \"sqlserver://USER@HOST\", paths = [...] or command = [...]")
		} else {
			w.fail(sub(path, kinds[1]), "%s is set too; a source is one of sqlserver, paths or command: make two sources", kinds[0])
		}
		return Source{}
	}
	s := Source{Kind: SourceKind(kinds[0]), Name: w.str(t, path, "name")}
	if s.Name != "" && !jobName.MatchString(s.Name) {
		w.fail(sub(path, "name"), "%q: use letters, digits, '.', '_' and '-'", s.Name)
	}
	only := func(kind SourceKind, keys ...string) {
		if s.Kind == kind {
			return
		}
		for _, k := range keys {
			if _, ok := t[k]; ok {
				w.fail(sub(path, k), "is for %s sources; this source is %s", kind, s.Kind)
			}
		}
	}
	only(SourceSQLServer, "password_file", "databases", "all_databases")
	only(SourcePaths, "exclude")
	only(SourceCommand, "filename")
	switch s.Kind {
	case SourceSQLServer:
		s.SQLServer = w.str(t, path, "sqlserver")
		src := w.sqlURL(s.SQLServer, sub(path, "sqlserver"))
		s.PasswordFile = w.str(t, path, "password_file")
		if _, ok := t["password_file"]; !ok {
			w.fail(path, "no password_file for the SQL Server login; add password_file = \"/etc/sqlvault/sql.pw\"")
		}
		s.Databases = w.strs(t, path, "databases")
		s.AllDatabases = w.boolean(t, path, "all_databases")
		inURL := src != nil && len(src.Databases) > 0
		switch {
		case s.AllDatabases && (len(s.Databases) > 0 || inURL):
			w.fail(sub(path, "all_databases"), "databases are named too; give either databases = [...] or all_databases = true")
		case !s.AllDatabases && len(s.Databases) == 0 && !inURL && src != nil && w.ok(t, "databases") && w.ok(t, "all_databases"):
			w.fail(path, "no database; add databases = [\"NAME\"] or all_databases = true")
		}
	case SourcePaths:
		s.Paths = w.strs(t, path, "paths")
		s.Exclude = w.strs(t, path, "exclude")
	case SourceCommand:
		s.Command = w.strs(t, path, "command")
		s.Filename = w.str(t, path, "filename")
		if s.Filename == "" && len(s.Command) > 0 {
			s.Filename = baseName(s.Command[0])
		}
		if strings.Contains(s.Filename, "/") {
			w.fail(sub(path, "filename"), "%q has a '/'; want a file name such as \"db.sql\"", s.Filename)
		}
	}
	return s
}

// ok reports whether key is absent or of the right shape (so that a bad
// value is reported once, not again as missing).
func (w *walker) ok(t map[string]any, key string) bool {
	v, present := t[key]
	if !present {
		return true
	}
	switch v.(type) {
	case []any, bool:
		return true
	}
	return false
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// sqlURL checks a sqlserver:// URL; a password in it is refused, since the
// URL is on the command line of the steps.
func (w *walker) sqlURL(s string, path []string) *mssql.Source {
	if s == "" {
		return nil
	}
	src, err := mssql.ParseURL(s)
	if err != nil {
		w.fail(path, "%v; want sqlserver://USER@HOST[:PORT][/INSTANCE][?database=NAME]", err)
		return nil
	}
	if src.HasPassword {
		w.fail(path, "has a password; remove it from the URL and put it in the file password_file names")
		return nil
	}
	return src
}

func (w *walker) retention(t map[string]any, path []string) snapshot.Policy {
	w.keys(t, path, "keep_last", "keep_hourly", "keep_daily", "keep_weekly", "keep_monthly", "keep_yearly", "keep_within")
	var p snapshot.Policy
	for _, f := range []struct {
		key string
		dst *int
	}{{"keep_last", &p.Last}, {"keep_hourly", &p.Hourly}, {"keep_daily", &p.Daily}, {"keep_weekly", &p.Weekly},
		{"keep_monthly", &p.Monthly}, {"keep_yearly", &p.Yearly}} {
		if n, ok := w.integer(t, path, f.key); ok {
			*f.dst = n
		}
	}
	if s := w.str(t, path, "keep_within"); s != "" {
		d, err := snapshot.ParseDuration(s)
		if err != nil {
			w.fail(sub(path, "keep_within"), "%v", err)
		}
		p.Within = d
	}
	if len(t) == 0 {
		w.fail(path, "keeps nothing; set keep_last, keep_daily, ... or remove the table (an empty policy would remove every snapshot)")
	}
	return p
}

func (w *walker) check(t map[string]any, path []string) Check {
	w.keys(t, path, "when", "read_data", "read_data_subset")
	c := Check{When: w.when(t, path, "when", Always)}
	c.ReadData = w.boolean(t, path, "read_data")
	if s := w.str(t, path, "read_data_subset"); s != "" {
		if c.ReadData {
			w.fail(sub(path, "read_data_subset"), "read_data is set too; give one of them")
		}
		if a, b, ok := strings.Cut(s, "/"); ok {
			n, err := strconv.Atoi(b)
			if a != "1" || err != nil || n < 1 || n > 256 {
				w.fail(sub(path, "read_data_subset"), "%q: want \"1/T\" with T from 1 to 256 (each check reads the next T-th of the data, in turn) or a share such as \"10%%\"", s)
			}
			c.Subset = n
		} else {
			v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
			if !strings.HasSuffix(s, "%") || err != nil || v <= 0 || v > 100 {
				w.fail(sub(path, "read_data_subset"), "%q: want \"1/T\" with T from 1 to 256 (each check reads the next T-th of the data, in turn) or a share such as \"10%%\"", s)
			}
			c.Percent = s
		}
	}
	return c
}

func (w *walker) verify(t map[string]any, path []string) Verify {
	w.keys(t, path, "when", "to", "password_file")
	v := Verify{When: w.when(t, path, "when", Always)}
	v.To = w.str(t, path, "to")
	if src := w.sqlURL(v.To, sub(path, "to")); src != nil && len(src.Databases) > 1 {
		w.fail(sub(path, "to"), "names %d databases; want one scratch database at most (?database=NAME)", len(src.Databases))
	}
	if _, ok := t["to"]; !ok {
		w.fail(path, "no server; add to = \"sqlserver://USER@HOST\" (verify restores into a scratch database there)")
	}
	v.PasswordFile = w.str(t, path, "password_file")
	if _, ok := t["password_file"]; !ok {
		w.fail(path, "no password_file for the server's login; add password_file = \"/etc/sqlvault/verify.pw\"")
	}
	return v
}

// when reads a When; def is its kind when the key is absent.
func (w *walker) when(t map[string]any, path []string, key string, def WhenKind) When {
	if _, ok := t[key]; !ok {
		return When{Kind: def}
	}
	s := w.str(t, path, key)
	if s == "" {
		return When{Kind: Never}
	}
	wn, err := ParseWhen(s)
	if err != nil {
		w.fail(sub(path, key), "%v", err)
		return When{Kind: Never}
	}
	return wn
}
