package schedule

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Spec is what one job needs from its units. The caller (the config file's
// glue) fills it; this package only checks it and writes it in systemd's
// syntax.
type Spec struct {
	// Job names the units sqlvault-JOB.service and sqlvault-JOB.timer and is
	// the argument of "sqlvault run".
	Job string
	// OnCalendar is the timer's schedule in systemd.time(7) calendar syntax.
	OnCalendar string
	// RandomizedDelay spreads the start over up to this long after the
	// scheduled time (0: start on time).
	RandomizedDelay time.Duration
	// Binary is the absolute path of the sqlvault executable.
	Binary string
	// ConfigFile is the absolute path of the config file naming the job.
	ConfigFile string
	// User writes user units (~/.config/systemd/user, run by the user's
	// service manager) instead of system units (/etc/systemd/system).
	User bool
	// ReadWritePaths are the only places the service may write (the cache
	// folder, a local repository); the rest of the file system is read-only.
	ReadWritePaths []string
	// Credentials maps a credential name to the file systemd reads it from
	// when the service starts (LoadCredential=); the service sees it as
	// $CREDENTIALS_DIRECTORY/NAME ("sqlvault run" looks its password files
	// up there: job.CredentialName).
	Credentials map[string]string
	// Env are environment variables the service sets (Environment=), such
	// as SQLVAULT_CACHE_DIR.
	Env map[string]string
	// ProtectHome hides /home, /root and /run/user from the service; false
	// makes them read-only instead (for a source under /home).
	ProtectHome bool
	// TimeoutStart stops a run that takes longer (0: no limit).
	TimeoutStart time.Duration
	// Description is the units' description ("" gives "sqlvault job JOB").
	Description string
}

// ErrInvalidSpec is wrapped by every error about a value that cannot go into
// a unit (a bad job name, a relative path, a schedule systemd refuses).
var ErrInvalidSpec = errors.New("invalid schedule")

// maxJobLen keeps "sqlvault-JOB.service" within systemd's 255 characters.
const maxJobLen = 255 - len(unitPrefix) - len(".service")

const unitPrefix = "sqlvault-"

var (
	jobRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	credRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	envRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// ValidJob reports whether job can be part of a unit name, with the reason
// when it cannot.
func ValidJob(job string) error {
	if !jobRE.MatchString(job) || len(job) > maxJobLen {
		return fmt.Errorf("%w: job name %q cannot name systemd units: use letters, digits, '-', '_' and '.', starting with a letter or digit, at most %d characters",
			ErrInvalidSpec, job, maxJobLen)
	}
	return nil
}

// ServiceName and TimerName give the unit names of a job.
func ServiceName(job string) string { return unitPrefix + job + ".service" }

// TimerName is the timer unit that starts ServiceName(job).
func TimerName(job string) string { return unitPrefix + job + ".timer" }

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidSpec, fmt.Sprintf(format, args...))
}

// checkText refuses what no unit file line can hold: invalid UTF-8 and
// control characters (a newline would start a new setting).
func checkText(what, v string) error {
	if !utf8.ValidString(v) {
		return invalid("%s %q is not valid UTF-8", what, v)
	}
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return invalid("%s %q contains a control character, which a unit file cannot hold", what, v)
	}
	return nil
}

// checkPath requires an absolute, clean path without control characters.
func checkPath(what, p string) error {
	if err := checkText(what, p); err != nil {
		return err
	}
	if !filepath.IsAbs(p) || filepath.Clean(p) != p {
		return invalid("%s %q must be an absolute path without . or .. parts or a trailing /", what, p)
	}
	return nil
}

// check validates every field of s; the error names the first bad value.
func (s *Spec) check() error {
	if err := ValidJob(s.Job); err != nil {
		return err
	}
	if err := checkText("schedule", s.OnCalendar); err != nil {
		return err
	}
	if strings.TrimSpace(s.OnCalendar) == "" {
		return invalid("job %s has no schedule (a systemd OnCalendar expression such as \"daily\" or \"Mon..Fri 02:00\")", s.Job)
	}
	if s.RandomizedDelay < 0 || s.TimeoutStart < 0 {
		return invalid("job %s: randomized delay and start timeout cannot be negative", s.Job)
	}
	if err := checkPath("sqlvault binary", s.Binary); err != nil {
		return err
	}
	if strings.ContainsAny(s.Binary, `"'\`) {
		// string_is_safe() in systemd's ExecStart= parser.
		return invalid("sqlvault binary %q: systemd refuses a program path with quotes or backslashes", s.Binary)
	}
	if err := checkPath("config file", s.ConfigFile); err != nil {
		return err
	}
	for _, p := range s.ReadWritePaths {
		if err := checkPath("writable path", p); err != nil {
			return err
		}
	}
	for name, p := range s.Credentials {
		if !credRE.MatchString(name) || len(name) > 255 {
			return invalid("credential name %q: use letters, digits, '-', '_' and '.', starting with a letter or digit", name)
		}
		if err := checkPath("credential file", p); err != nil {
			return err
		}
		// LoadCredential= takes the rest of the line as the path, unquoted:
		// systemd strips trailing blanks, and a final backslash continues
		// the line.
		if strings.HasSuffix(p, " ") || strings.HasSuffix(p, `\`) {
			return invalid("credential file %q ends with a space or backslash, which LoadCredential= cannot express", p)
		}
	}
	for k, v := range s.Env {
		if !envRE.MatchString(k) {
			return invalid("environment variable name %q: use letters, digits and '_', not starting with a digit", k)
		}
		if err := checkText("environment variable "+k, v); err != nil {
			return err
		}
	}
	if err := checkText("description", s.Description); err != nil {
		return err
	}
	if strings.HasSuffix(strings.TrimSpace(s.Description), `\`) {
		return invalid("description %q ends with a backslash, which would continue the line in a unit file", s.Description)
	}
	return nil
}

// specifiers escapes systemd's % specifiers (systemd.unit(5)).
func specifiers(v string) string { return strings.ReplaceAll(v, "%", "%%") }

// quote writes v as one double-quoted word (systemd.syntax(7), "Quoting"):
// backslash and double quote are escaped with a backslash and % as %%. In
// command arguments $ is also doubled, since ExecStart= substitutes
// environment variables there (not in the executable's path).
func quote(v string, arg bool) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range v {
		switch r {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '%':
			b.WriteString("%%")
		case '$':
			if arg {
				b.WriteString("$$")
			} else {
				b.WriteRune(r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// span writes d as a systemd time span (systemd.time(7)).
func span(d time.Duration) string {
	switch {
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	case d%time.Millisecond == 0:
		return fmt.Sprintf("%dms", d/time.Millisecond)
	default:
		return fmt.Sprintf("%dus", d/time.Microsecond)
	}
}

const header = "# Written by sqlvault schedule install; 'sqlvault schedule remove JOB' deletes it.\n"

func (s *Spec) description() string {
	if d := strings.TrimSpace(s.Description); d != "" {
		return d
	}
	return "sqlvault job " + s.Job
}

// homeDirs are the folders ProtectHome= hides or makes read-only.
var homeDirs = []string{"/home", "/root", "/run/user"}

// protectHome is "yes" when asked for, unless a writable path lies under a
// home folder: then "read-only". systemd documents a writable path under a
// read-only tree (as under ProtectSystem=strict), not one under a folder it
// made inaccessible.
func (s *Spec) protectHome() string {
	if !s.ProtectHome {
		return "read-only"
	}
	for _, p := range s.ReadWritePaths {
		for _, h := range homeDirs {
			if p == h || strings.HasPrefix(p, h+"/") {
				return "read-only"
			}
		}
	}
	return "yes"
}

// timerUnit renders sqlvault-JOB.timer. s must have passed check.
func (s *Spec) timerUnit() string {
	var b strings.Builder
	b.WriteString(header)
	b.WriteString("[Unit]\n")
	fmt.Fprintf(&b, "Description=%s (timer)\n", specifiers(s.description()))
	b.WriteString("\n[Timer]\n")
	fmt.Fprintf(&b, "OnCalendar=%s\n", specifiers(strings.TrimSpace(s.OnCalendar)))
	fmt.Fprintf(&b, "RandomizedDelaySec=%s\n", span(s.RandomizedDelay))
	b.WriteString("Persistent=true\n")
	fmt.Fprintf(&b, "Unit=%s\n", ServiceName(s.Job))
	b.WriteString("\n[Install]\nWantedBy=timers.target\n")
	return b.String()
}

// serviceUnit renders sqlvault-JOB.service. s must have passed check.
func (s *Spec) serviceUnit() string {
	var b strings.Builder
	b.WriteString(header)
	b.WriteString("[Unit]\n")
	fmt.Fprintf(&b, "Description=%s\n", specifiers(s.description()))
	if !s.User {
		// The user manager has no network-online.target.
		b.WriteString("Wants=network-online.target\nAfter=network-online.target\n")
	}
	b.WriteString("\n[Service]\nType=oneshot\n")
	fmt.Fprintf(&b, "ExecStart=%s --config %s run %s\n", quote(s.Binary, false), quote(s.ConfigFile, true), quote(s.Job, true))
	names := make([]string, 0, len(s.Credentials))
	for name := range s.Credentials {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		// The path is the rest of the line, not unquoted: only % is special.
		fmt.Fprintf(&b, "LoadCredential=%s:%s\n", name, specifiers(s.Credentials[name]))
	}
	keys := make([]string, 0, len(s.Env))
	for k := range s.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "Environment=%s\n", quote(k+"="+s.Env[k], false))
	}
	if s.TimeoutStart > 0 {
		fmt.Fprintf(&b, "TimeoutStartSec=%s\n", span(s.TimeoutStart))
	} else {
		b.WriteString("TimeoutStartSec=infinity\n")
	}
	b.WriteString("Nice=10\nIOSchedulingClass=idle\n")
	b.WriteString("ProtectSystem=strict\n")
	if len(s.ReadWritePaths) > 0 {
		words := make([]string, len(s.ReadWritePaths))
		for i, p := range s.ReadWritePaths {
			words[i] = quote(p, false)
		}
		fmt.Fprintf(&b, "ReadWritePaths=%s\n", strings.Join(words, " "))
	}
	fmt.Fprintf(&b, "ProtectHome=%s\n", s.protectHome())
	b.WriteString("PrivateTmp=yes\nNoNewPrivileges=yes\n")
	if s.User {
		// A user manager can set up the mount namespace that ProtectSystem=,
		// ProtectHome= and PrivateTmp= need only inside a user namespace.
		b.WriteString("PrivateUsers=yes\n")
	}
	return b.String()
}
