package job

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/schedule"
)

// TestUnit: a job's units load every password file of the config as a
// credential, write only the cache folder and a local repository, set
// SQLVAULT_CACHE_DIR, and hide /home unless a source is under it; the
// spec installs (into a root folder) with those settings.
func TestUnit(t *testing.T) {
	f := newFixture(t, "")
	j := f.fullJob()
	j.Schedule = "*-*-* 02:00:00"
	s := Unit(j, "/usr/bin/sqlvault", "/etc/sqlvault/sqlvault.toml", "/var/cache/sqlvault", false)
	wantCreds := map[string]string{}
	for _, p := range []string{"/etc/sqlvault/repo.pw", "/etc/sqlvault/sql.pw", "/etc/sqlvault/verify.pw"} {
		wantCreds[CredentialName(p)] = p
	}
	if !reflect.DeepEqual(s.Credentials, wantCreds) || len(s.Credentials) != 3 {
		t.Errorf("credentials %v, want %v", s.Credentials, wantCreds)
	}
	if !reflect.DeepEqual(s.ReadWritePaths, []string{"/var/cache/sqlvault", "/srv/repo"}) || s.Env["SQLVAULT_CACHE_DIR"] != "/var/cache/sqlvault" ||
		!s.ProtectHome || s.OnCalendar != "*-*-* 02:00:00" || s.Job != "j" || s.TimeoutStart != DefaultTimeout {
		t.Errorf("spec %+v", s)
	}
	j.Sources[1].Paths = append(j.Sources[1].Paths, "/home/ann/docs")
	j.Repository = "s3:http://127.0.0.1:9000/bucket"
	s = Unit(j, "/usr/bin/sqlvault", "/etc/sqlvault/sqlvault.toml", "/var/cache/sqlvault", false)
	if s.ProtectHome || !reflect.DeepEqual(s.ReadWritePaths, []string{"/var/cache/sqlvault"}) {
		t.Errorf("a source under /home, an S3 repository: protect home %v, writable %v", s.ProtectHome, s.ReadWritePaths)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	s.Binary = exe
	root := t.TempDir()
	if _, err := schedule.Install(context.Background(), s, schedule.Options{Root: root}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "etc/systemd/system/sqlvault-j.service"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"LoadCredential=" + CredentialName("/etc/sqlvault/sql.pw") + ":/etc/sqlvault/sql.pw\n",
		"Environment=\"SQLVAULT_CACHE_DIR=/var/cache/sqlvault\"\n",
		"ProtectHome=read-only\n",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("service unit lacks %q:\n%s", want, b)
		}
	}
}

// TestCredentials: under systemd, a password file of the config is read
// from the credentials folder where the unit placed it; one that is not
// there is read where the config names it.
func TestCredentials(t *testing.T) {
	f := newFixture(t, "")
	j := f.fullJob()
	f.runner.Credentials = t.TempDir()
	repoCred := filepath.Join(f.runner.Credentials, CredentialName("/etc/sqlvault/repo.pw"))
	if err := os.WriteFile(repoCred, []byte("pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := f.runner.Run(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, c := range f.calls() {
		if !slices.Contains(c.Argv, "backup") {
			continue
		}
		seen++
		if got := c.Env["SQLVAULT_PASSWORD_FILE"]; got != repoCred {
			t.Errorf("%v: SQLVAULT_PASSWORD_FILE=%s, want %s", c.Argv, got, repoCred)
		}
		if got, ok := c.Env["SQLVAULT_MSSQL_PASSWORD_FILE"]; ok && got != "/etc/sqlvault/sql.pw" {
			t.Errorf("%v: SQLVAULT_MSSQL_PASSWORD_FILE=%s, want the config's file", c.Argv, got)
		}
	}
	if seen != 3 {
		t.Errorf("%d backup steps seen", seen)
	}
}
