package job

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strings"
	"time"

	"github.com/sqlvault/sqlvault/config"
	"github.com/sqlvault/sqlvault/schedule"
)

// CredentialName is the name under which a job's unit loads a password
// file of the config (LoadCredential=NAME:PATH): "password-" and the
// first 16 hex digits of the SHA-256 of the path, the same for the unit
// that loads it and the run that reads it.
func CredentialName(path string) string {
	sum := sha256.Sum256([]byte(path))
	return "password-" + hex.EncodeToString(sum[:8])
}

// DefaultTimeout is how long a scheduled run may take before systemd stops
// it: less than a day, so that a run that hangs does not keep the next
// day's from starting.
const DefaultTimeout = 23 * time.Hour

// Unit returns what the systemd units of job j need (schedule.Spec): its
// schedule, the sqlvault binary and config file that run it (absolute
// paths), the folders it writes (cacheDir and a local repository), every
// password file of the config as a credential (so that the service reads
// them even where ProtectHome hides the files), SQLVAULT_CACHE_DIR set to
// cacheDir, and /home left visible (read-only) only when a source is
// under it.
func Unit(j *config.Job, binary, configFile, cacheDir string, user bool) schedule.Spec {
	s := schedule.Spec{Job: j.Name, OnCalendar: j.Schedule, RandomizedDelay: j.RandomizedDelay,
		Binary: binary, ConfigFile: configFile, User: user, ReadWritePaths: []string{cacheDir},
		Credentials: map[string]string{}, Env: map[string]string{"SQLVAULT_CACHE_DIR": cacheDir},
		ProtectHome: true, TimeoutStart: DefaultTimeout, Description: "sqlvault job " + j.Name}
	if !strings.HasPrefix(j.Repository, "s3:") {
		s.ReadWritePaths = append(s.ReadWritePaths, j.Repository)
	}
	add := func(p string) {
		if p != "" {
			s.Credentials[CredentialName(p)] = p
		}
	}
	add(j.PasswordFile)
	add(j.Verify.PasswordFile)
	for _, src := range j.Sources {
		add(src.PasswordFile)
		for _, p := range src.Paths {
			if under(p, "/home") || under(p, "/root") {
				s.ProtectHome = false
			}
		}
	}
	return s
}

// under tells whether path p is dir or below it.
func under(p, dir string) bool {
	p = filepath.Clean(p)
	return p == dir || strings.HasPrefix(p, dir+"/")
}
