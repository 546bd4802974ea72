package load

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"

	gomssql "github.com/microsoft/go-mssqldb"

	"github.com/sqlvault/sqlvault/mssql"
)

// ErrTargetVersion is returned (wrapped) by Load when the target server
// is too old for the snapshot's scripts.
var ErrTargetVersion = errors.New("the target server is too old for the snapshot")

// PermissionError is a statement the target refused because the login
// lacks a permission: SQL Server's errors 262 ("CREATE TABLE permission
// denied in database 'd'."), 229 ("The INSERT permission was denied on
// the object 't', database 'd', schema 's'.") and 1088 ("Cannot find the
// object "t" because it does not exist or you do not have permissions.",
// sent where ALTER on a table is missing: SET IDENTITY_INSERT, a bulk load
// keeping identity values, TRUNCATE TABLE).
type PermissionError struct {
	// Permission is the missing permission ("INSERT", "CREATE TABLE"), ""
	// when the server's text does not say (a server in another language).
	Permission string
	// On is what it is missing on: "on [dbo].[t]", "in database copy",
	// "" if not known.
	On string
	// Why says what needs it, "" if the statement is plain.
	Why string
	// Err is the server's error.
	Err gomssql.Error
}

func (e *PermissionError) Error() string {
	what := "a permission"
	if e.Permission != "" {
		what = "the " + e.Permission + " permission"
	}
	s := "the login lacks " + what
	if e.On != "" {
		s += " " + e.On
	}
	if e.Why != "" {
		s += ", " + e.Why
	}
	return fmt.Sprintf("%s (SQL Server error %d: %s)", s, e.Err.Number, mssql.DisplayText(e.Err.Message))
}

func (e *PermissionError) Unwrap() error { return e.Err }

// SQL Server's texts of errors 262, 229 and 1088 (English; in another
// language the permission is not named, see permissionError).
var (
	denied262  = regexp.MustCompile(`^(.+) permission denied in database '(.*)'\.$`)
	denied229  = regexp.MustCompile(`^The (.+) permission was denied on the object '(.*)', database '.*', schema '(.*)'\.$`)
	denied1088 = regexp.MustCompile(`^Cannot find the object "(.*)" because it does not exist or you do not have permissions\.$`)
)

// permissionError returns the *PermissionError err is, nil if it is not
// one of a missing permission. perm, on and why describe what the
// statement needs where the server's text does not (a bulk load needs
// INSERT on its table, ALTER when it keeps identity values).
func permissionError(err error, perm, on, why string) error {
	var se gomssql.Error
	if !errors.As(err, &se) {
		return nil
	}
	pe := &PermissionError{Permission: perm, On: on, Why: why, Err: se}
	switch se.Number {
	case 262:
		if m := denied262.FindStringSubmatch(se.Message); m != nil {
			pe.Permission, pe.On = m[1], "in database "+mssql.DisplayText(m[2])
		}
	case 229:
		if m := denied229.FindStringSubmatch(se.Message); m != nil {
			pe.Permission, pe.On = m[1], "on "+mssql.DisplayText(mssql.QuoteName(m[3], m[2]))
		}
	case 1088:
		// Not found, or no ALTER: the scripts have just created what they
		// name, so it is the permission.
		pe.Permission = "ALTER"
		if m := denied1088.FindStringSubmatch(se.Message); m != nil && on == "" {
			pe.On = "on " + mssql.DisplayText(m[1])
		}
	default:
		return nil
	}
	return pe
}

// CheckTarget reads the version of the server db is connected to
// (mssql.ReadServer) and compares it with what the snapshot of manifest m
// needs (mssql.Target.Fit): an error (ErrTargetVersion) for a server older
// than SQL Server 2012 or lacking what the objects need (the scripts
// would stop at the first such object, possibly after the data is loaded:
// columnstore indexes are in post-data.sql); a warning (to warn, if not
// nil) for a server older than the source, where options and settings of
// newer versions are skipped, each with a message of the script. Load
// calls it first; a caller that creates the database calls it before.
func CheckTarget(ctx context.Context, db *sql.DB, m *mssql.Manifest, warn func(string)) error {
	srv, err := mssql.ReadServer(ctx, db)
	if err != nil {
		if pe := permissionError(err, "", "", ""); pe != nil {
			return pe
		}
		return fmt.Errorf("read the target server's version: %s", serverError(err))
	}
	fit := m.Target.Fit(srv, m.Server)
	switch {
	case fit.TooOld:
		return fmt.Errorf("%w: it runs %s; the scripts need SQL Server 2012 or later: restore into a newer server", ErrTargetVersion, srv.Release())
	case len(fit.Lacks) > 0:
		return fmt.Errorf("%w: it runs %s; the snapshot's objects need %s or later (%s): restore into a newer server",
			ErrTargetVersion, srv.Release(), m.Target.MinVersion, strings.Join(fit.Lacks, ", "))
	case fit.OlderThanSource && warn != nil:
		warn(fmt.Sprintf("the target server runs %s, older than the source's %s: options and settings of newer versions are skipped, each with a message",
			srv.Release(), m.Server.Release()))
	}
	return nil
}
