package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
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

// TestE2ERestoreToPermission: a permission the target's login lacks
// stops restore --to with one line naming the permission and the object,
// the server's error and what to do, exit 5; for --create-database before
// anything is made.
func TestE2ERestoreToPermission(t *testing.T) {
	m := newMSSQLServer(t, nil)
	s := withMSSQLPassword(initRepo(t), mssqltest.DefaultPassword)
	s.mustRun("backup", m.url("sample"))
	state := filepath.Join(s.dir, "state.json")

	tg := newRestoreTarget(t, target.WithDatabases("copy"), target.Deny(target.Insert))
	r := s.run("restore", "latest", "--to", tg.url("copy"), "--parallel", "1", "--state", state)
	wantCode(t, r, exitSource)
	if got, want := errLine(t, r), "sqlvault: "+tg.location("copy")+": data/dbo.AllTypes.sql:17: Data of table [dbo].[AllTypes]: the login lacks the INSERT permission on [dbo].[AllTypes] (SQL Server error 229: The INSERT permission was denied on the object 'AllTypes', database 'copy', schema 'dbo'.); grant it and run the same command with --resume to continue where it stopped, or restore as a login that has it"; got != want {
		t.Errorf("error line\n got %s\nwant %s", got, want)
	}

	tg = newRestoreTarget(t, target.Deny(target.CreateDatabase))
	r = s.run("restore", "latest", "--to", tg.url("copy"), "--create-database", "--state", state)
	wantCode(t, r, exitSource)
	if got, want := errLine(t, r), "sqlvault: "+tg.location("copy")+": the login lacks the CREATE DATABASE permission in database master (SQL Server error 262: CREATE DATABASE permission denied in database 'master'.); grant it, or restore as a login that has it, or into a database made for you without --create-database"; got != want {
		t.Errorf("error line\n got %s\nwant %s", got, want)
	}
}

// TestE2ERestoreToVersion: a target too old for the snapshot's objects
// is refused before anything is made (exit 5); one older than the source
// restores with a warning, and each option or constraint the scripts'
// version guards skip is a warning line with its file and line (also
// with -q); nothing else is printed with -q, and no status line on
// output that is not a terminal.
func TestE2ERestoreToVersion(t *testing.T) {
	m := newMSSQLServer(t, nil)
	s := withMSSQLPassword(initRepo(t), mssqltest.DefaultPassword)
	s.mustRun("backup", m.url("sample"))
	state := filepath.Join(s.dir, "state.json")
	version := func(name string) sample.Version {
		v, ok := sample.VersionNamed(name)
		if !ok {
			t.Fatalf("no version %s", name)
		}
		return v
	}

	tg := newRestoreTarget(t, target.WithVersion(version("2016")))
	r := s.run("restore", "latest", "--to", tg.url("copy"), "--create-database", "--state", state)
	wantCode(t, r, exitSource)
	if got, want := errLine(t, r), "sqlvault: "+tg.location("copy")+": the target server is too old for the snapshot: it runs SQL Server 2016 (13.0.6300.2); the snapshot's objects need SQL Server 2017 or later (graph tables (SQL Server 2017)): restore into a newer server"; got != want {
		t.Errorf("error line\n got %s\nwant %s", got, want)
	}
	if tg.h.Database("copy") != nil {
		t.Error("the database was created on a server too old for the snapshot")
	}

	tg = newRestoreTarget(t, target.WithVersion(version("2017")))
	r = s.run("-q", "restore", "latest", "--to", tg.url("copy"), "--create-database", "--state", state)
	wantCode(t, r, exitOK)
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if want := "warning: the target server runs SQL Server 2017 (14.0.3456.2), older than the source's SQL Server 2022 (16.0.4135.4): options and settings of newer versions are skipped, each with a message"; len(lines) == 0 || lines[0] != want {
		t.Errorf("first line %q, want %q\n%v", lines[0], want, r)
	}
	found := false
	for _, l := range lines[1:] {
		if !regexp.MustCompile(`^warning: (schema|post-data)\.sql:[0-9]+: .* needs SQL Server 20(19|22) or later; (not set|created without it)$`).MatchString(l) {
			t.Errorf("line %q", l)
		}
		found = found || regexp.MustCompile(`^warning: post-data\.sql:[0-9]+: edge constraint \[EC_livesIn\] of \[graph\]\.\[livesIn\] needs SQL Server 2019 or later; not set$`).MatchString(l)
	}
	if !found || strings.ContainsAny(r.stderr, "\r\x1b") {
		t.Errorf("no edge constraint warning, or status lines\n%v", r)
	}
}

// TestE2ERestoreToJSON: --json prints the summary as one JSON object with
// snake_case keys, each table's too.
func TestE2ERestoreToJSON(t *testing.T) {
	m := newMSSQLServer(t, nil)
	s := withMSSQLPassword(initRepo(t), mssqltest.DefaultPassword)
	s.mustRun("backup", m.url("sample"))
	tg := newRestoreTarget(t)
	r := s.run("--json", "restore", "latest", "--to", tg.url("copy"), "--create-database", "--state", filepath.Join(s.dir, "state.json"))
	wantCode(t, r, exitOK)
	var sum map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatalf("%v\n%v", err, r)
	}
	if got, want := sortedKeys(sum), "bytes database duration_ms rows tables"; got != want {
		t.Errorf("summary keys %q, want %q", got, want)
	}
	var tables []map[string]json.RawMessage
	if err := json.Unmarshal(sum["tables"], &tables); err != nil || len(tables) != 25 {
		t.Fatalf("tables: %v, %d", err, len(tables))
	}
	withWhy := 0
	for _, tb := range tables {
		keys := sortedKeys(tb)
		if keys == "bytes duration_ms method name resumed rows why" {
			withWhy++
		} else if keys != "bytes duration_ms method name resumed rows" {
			t.Errorf("table keys %q", keys)
		}
	}
	if withWhy != 3 || string(sum["database"]) != `"sample"` || string(sum["rows"]) != "67" {
		t.Errorf("%d tables with why; database %s, rows %s", withWhy, sum["database"], sum["rows"])
	}
}

// sortedKeys returns the keys of a JSON object, sorted, space-separated.
func sortedKeys(m map[string]json.RawMessage) string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, " ")
}
