package main_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/target"
)

// restoreTarget is a restore target server (mssqltest/target) for one
// test.
type restoreTarget struct {
	h   *target.Handler
	srv *mssqltest.Server
}

func newRestoreTarget(t *testing.T, opts ...target.Option) *restoreTarget {
	t.Helper()
	h := target.NewHandler(opts...)
	srv := target.NewServer(h)
	t.Cleanup(srv.Close)
	return &restoreTarget{h: h, srv: srv}
}

// url is the --to URL of database db.
func (r *restoreTarget) url(db string) string {
	return "sqlserver://" + mssqltest.DefaultUser + "@" + r.srv.Addr() + "?encrypt=disable&database=" + db
}

// location is how sqlvault names database db of the target.
func (r *restoreTarget) location(db string) string {
	return "sqlserver://" + mssqltest.DefaultUser + "@" + r.srv.Addr() + "?database=" + db
}

// TestE2ERestoreTo backs up the sample database and restores it with
// restore --to into a new database of a target server: every table is
// there with its rows, the summary lists each table and how it was
// loaded; restoring again into the now full database is refused with one
// line.
func TestE2ERestoreTo(t *testing.T) {
	m := newMSSQLServer(t, nil)
	s := withMSSQLPassword(initRepo(t), mssqltest.DefaultPassword)
	s.mustRun("backup", m.url("sample"))
	tg := newRestoreTarget(t)
	state := filepath.Join(s.dir, "state.json")
	r := s.run("restore", "latest", "--to", tg.url("copy"), "--create-database", "--collation", "Latin1_General_100_CI_AS_SC_UTF8", "--state", state)
	wantCode(t, r, exitOK)
	for _, want := range []string{
		"  [sales].[Customers]: 5 rows, ",
		" (bulk copy)\n",
		"  [dbo].[AllTypes]: 10 rows, ",
		" (script: column [c_variant]: sql_variant: not loadable by bulk copy)\n",
		" (script: an edge table: its rows find their ends by subqueries)\n",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("restore output lacks %q\n%v", want, r)
		}
	}
	if !regexp.MustCompile(`restored database sample of snapshot [0-9a-f]{8} into ` + regexp.QuoteMeta(tg.location("copy")) + `: 25 tables, 67 rows in `).MatchString(r.stderr) {
		t.Errorf("restore summary\n%v", r)
	}
	db := tg.h.Database("copy")
	if db == nil || db.Collation != "Latin1_General_100_CI_AS_SC_UTF8" {
		t.Fatalf("database copy: %+v", db)
	}
	if n := len(db.Table("sales", "Customers").Rows()); n != 5 {
		t.Errorf("[sales].[Customers] has %d rows", n)
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Errorf("state file left after the restore: %v", err)
	}
	r = s.run("restore", "latest", "--to", tg.url("copy"), "--state", state)
	wantCode(t, r, exitFailure)
	if got, want := errLine(t, r), "sqlvault: "+tg.location("copy")+": the target database is not empty: it holds 26 user objects; restore into a new or empty database (--create-database makes a new one; --force restores into it anyway)"; got != want {
		t.Errorf("error line\n got %s\nwant %s", got, want)
	}
}

// TestE2ERestoreToResume: the target drops the connection in the middle
// of a table's bulk load; restore --to stops with one line naming the
// table and saying to resume, and --resume completes the restore.
func TestE2ERestoreToResume(t *testing.T) {
	m := newMSSQLServer(t, nil)
	s := withMSSQLPassword(initRepo(t), mssqltest.DefaultPassword)
	s.mustRun("backup", m.url("sample"))
	tg := newRestoreTarget(t, target.WithDatabases("copy"), target.DropAfterBulkRows(30))
	state := filepath.Join(s.dir, "state.json")
	r := s.run("restore", "latest", "--to", tg.url("copy"), "--parallel", "1", "--state", state)
	wantCode(t, r, exitFailure)
	if got := errLine(t, r); !strings.HasPrefix(got, "sqlvault: table [hr].[Employees]: bulk copy failed after ") ||
		!strings.HasSuffix(got, "; the restore stopped: run the same command with --resume to continue where it stopped") {
		t.Errorf("error line %q", got)
	}
	r = s.run("restore", "latest", "--to", tg.url("copy"), "--parallel", "1", "--state", state, "--resume")
	wantCode(t, r, exitOK)
	if !strings.Contains(r.stderr, "  [dbo].[Legacy]: 2 rows, ") || !strings.Contains(r.stderr, "(bulk copy, loaded before)") {
		t.Errorf("resumed restore's output\n%v", r)
	}
	if n := len(tg.h.Database("copy").Table("hr", "Employees").Rows()); n != 3 {
		t.Errorf("[hr].[Employees] has %d rows after the resume", n)
	}
	r = s.run("restore", "latest", "--to", tg.url("copy"), "--state", state, "--resume")
	wantCode(t, r, exitFailure)
	if got := errLine(t, r); !strings.HasPrefix(got, "sqlvault: no restore to resume: state file ") {
		t.Errorf("resume of a finished restore: %q", got)
	}
}
