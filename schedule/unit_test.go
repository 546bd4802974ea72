package schedule

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// hostileSpec has every character systemd treats specially in the values
// a user controls: spaces, %, $, double quotes, backslashes and colons.
func hostileSpec(binary string) Spec {
	return Spec{
		Job:             "db-prod.nightly_1",
		OnCalendar:      "Mon..Fri *-*-* 02:00",
		RandomizedDelay: 5 * time.Minute,
		Binary:          binary,
		ConfigFile:      `/etc/sql vault/100% "sure" $HOME\x.toml`,
		ReadWritePaths:  []string{"/var/cache/sql vault %h", `/srv/backup "repo" $x`},
		Credentials: map[string]string{
			"repository-password": "/etc/sqlvault/pass word%.txt",
			"mssql-password":      "/etc/sqlvault/sa:pw $x.txt",
			"mssql-crm":           "/etc/sqlvault/crm.pw",
		},
		Env:          map[string]string{"SQLVAULT_CACHE_DIR": `/var/cache/sql vault %h $x "q"`, "A_B": "1"},
		ProtectHome:  true,
		TimeoutStart: 6*time.Hour + 1500*time.Millisecond,
		Description:  `Nightly 100% backup of "prod"`,
	}
}

func TestUnitTextEscapesEveryValue(t *testing.T) {
	s := hostileSpec("/opt/sql vault %i $HOME/sqlvault")
	if err := s.check(); err != nil {
		t.Fatal(err)
	}
	wantService := header + `[Unit]
Description=Nightly 100%% backup of "prod"
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
ExecStart="/opt/sql vault %%i $HOME/sqlvault" --config "/etc/sql vault/100%% \"sure\" $$HOME\\x.toml" run "db-prod.nightly_1"
LoadCredential=mssql-crm:/etc/sqlvault/crm.pw
LoadCredential=mssql-password:/etc/sqlvault/sa:pw $x.txt
LoadCredential=repository-password:/etc/sqlvault/pass word%%.txt
Environment="A_B=1"
Environment="SQLVAULT_CACHE_DIR=/var/cache/sql vault %%h $x \"q\""
TimeoutStartSec=21601500ms
Nice=10
IOSchedulingClass=idle
ProtectSystem=strict
ReadWritePaths="/var/cache/sql vault %%h" "/srv/backup \"repo\" $x"
ProtectHome=yes
PrivateTmp=yes
NoNewPrivileges=yes
`
	if got := s.serviceUnit(); got != wantService {
		t.Errorf("service unit:\n%s\nwant:\n%s", got, wantService)
	}
	wantTimer := header + `[Unit]
Description=Nightly 100%% backup of "prod" (timer)

[Timer]
OnCalendar=Mon..Fri *-*-* 02:00
RandomizedDelaySec=300s
Persistent=true
Unit=sqlvault-db-prod.nightly_1.service

[Install]
WantedBy=timers.target
`
	if got := s.timerUnit(); got != wantTimer {
		t.Errorf("timer unit:\n%s\nwant:\n%s", got, wantTimer)
	}
}

func TestUnitTextUserAndDefaults(t *testing.T) {
	s := Spec{Job: "a", OnCalendar: " daily ", Binary: "/usr/bin/sqlvault", ConfigFile: "/home/u/.config/sqlvault.toml",
		User: true, ReadWritePaths: []string{"/home/u/.cache/sqlvault"}, ProtectHome: true}
	if err := s.check(); err != nil {
		t.Fatal(err)
	}
	svc := s.serviceUnit()
	for _, want := range []string{
		"Description=sqlvault job a\n",
		"TimeoutStartSec=infinity\n",
		// A writable path under /home: read-only, not hidden.
		"ProtectHome=read-only\n",
		"PrivateUsers=yes\n",
	} {
		if !strings.Contains(svc, want) {
			t.Errorf("service unit lacks %q:\n%s", want, svc)
		}
	}
	for _, unwanted := range []string{"network-online", "LoadCredential", "Environment="} {
		if strings.Contains(svc, unwanted) {
			t.Errorf("user service unit has %q:\n%s", unwanted, svc)
		}
	}
	tmr := s.timerUnit()
	if !strings.Contains(tmr, "\nOnCalendar=daily\nRandomizedDelaySec=0s\n") {
		t.Errorf("timer unit:\n%s", tmr)
	}
	s.ProtectHome = false
	if !strings.Contains(s.serviceUnit(), "ProtectHome=read-only\n") {
		t.Error("ProtectHome false is not read-only")
	}
}

func TestJobNames(t *testing.T) {
	for _, ok := range []string{"a", "0", "db-prod.nightly_1", "A.b-c_d", strings.Repeat("x", maxJobLen)} {
		if err := ValidJob(ok); err != nil {
			t.Errorf("ValidJob(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", " ", "a b", "../etc", "a/b", "-x", ".x", "_x", "a%b", "a$b", "a\nb", "a@b",
		"a:b", `a\b`, "a\"b", "ä", "a*", strings.Repeat("x", maxJobLen+1)} {
		err := ValidJob(bad)
		if !errors.Is(err, ErrInvalidSpec) {
			t.Errorf("ValidJob(%q) = %v, want ErrInvalidSpec", bad, err)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") || !strings.Contains(msg, "job name") || !strings.Contains(msg, "letters, digits") {
			t.Errorf("ValidJob(%q): not one clear line: %q", bad, msg)
		}
	}
}

func TestSpecCheckRefusesBadValues(t *testing.T) {
	good := func() Spec {
		return Spec{Job: "a", OnCalendar: "daily", Binary: "/usr/bin/sqlvault", ConfigFile: "/etc/sqlvault/sqlvault.toml",
			Credentials: map[string]string{"repository-password": "/etc/sqlvault/pw"}}
	}
	if s := good(); s.check() != nil {
		t.Fatal(s.check())
	}
	for _, c := range []struct {
		name string
		edit func(*Spec)
		want string
	}{
		{"bad job", func(s *Spec) { s.Job = "a b" }, `job name "a b"`},
		{"empty schedule", func(s *Spec) { s.OnCalendar = " " }, "has no schedule"},
		{"newline in schedule", func(s *Spec) { s.OnCalendar = "daily\nExecStartPre=/bin/sh" }, "control character"},
		{"relative binary", func(s *Spec) { s.Binary = "sqlvault" }, `sqlvault binary "sqlvault" must be an absolute path`},
		{"quote in binary", func(s *Spec) { s.Binary = `/opt/"x"/sqlvault` }, "quotes or backslashes"},
		{"backslash in binary", func(s *Spec) { s.Binary = `/opt/x\y/sqlvault` }, "quotes or backslashes"},
		{"unclean config", func(s *Spec) { s.ConfigFile = "/etc/../x.toml" }, `config file "/etc/../x.toml" must be an absolute path`},
		{"trailing slash", func(s *Spec) { s.ReadWritePaths = []string{"/var/cache/"} }, "writable path"},
		{"newline in path", func(s *Spec) { s.ReadWritePaths = []string{"/var/x\nProtectSystem=no"} }, "control character"},
		{"invalid utf-8", func(s *Spec) { s.ConfigFile = "/etc/\xff.toml" }, "not valid UTF-8"},
		{"credential name", func(s *Spec) { s.Credentials = map[string]string{"a/b": "/x"} }, `credential name "a/b"`},
		{"credential colon", func(s *Spec) { s.Credentials = map[string]string{"a:b": "/x"} }, `credential name "a:b"`},
		{"env name", func(s *Spec) { s.Env = map[string]string{"A=B": "x"} }, `environment variable name "A=B"`},
		{"env value", func(s *Spec) { s.Env = map[string]string{"A": "x\ny"} }, `environment variable A "x\ny" contains a control character`},
		{"credential path", func(s *Spec) { s.Credentials = map[string]string{"pw": "pw.txt"} }, `credential file "pw.txt"`},
		{"credential trailing space", func(s *Spec) { s.Credentials = map[string]string{"pw": "/x "} }, "ends with a space or backslash"},
		{"credential trailing backslash", func(s *Spec) { s.Credentials = map[string]string{"pw": `/x\`} }, "ends with a space or backslash"},
		{"negative delay", func(s *Spec) { s.RandomizedDelay = -time.Second }, "cannot be negative"},
		{"negative timeout", func(s *Spec) { s.TimeoutStart = -time.Second }, "cannot be negative"},
		{"description newline", func(s *Spec) { s.Description = "x\n[Service]" }, "control character"},
		{"description backslash", func(s *Spec) { s.Description = `x\` }, "ends with a backslash"},
	} {
		s := good()
		c.edit(&s)
		err := s.check()
		if !errors.Is(err, ErrInvalidSpec) || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v, want one line with %q", c.name, err, c.want)
		}
	}
}

func TestSpan(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", time.Hour: "3600s", 1500 * time.Millisecond: "1500ms", 1500 * time.Microsecond: "1500us",
	} {
		if got := span(d); got != want {
			t.Errorf("span(%v) = %q, want %q", d, got, want)
		}
	}
}
