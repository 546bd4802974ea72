package main_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/target"
)

// serverURL is the --to URL of a target server without a database.
func (r *restoreTarget) serverURL() string {
	return "sqlserver://" + mssqltest.DefaultUser + "@" + r.srv.Addr() + "?encrypt=disable"
}

// TestE2EVerify backs up the sample database and verifies the snapshot on
// a target server: the table lists every table OK, the summary gives the
// restore time, the scratch database is dropped, exit 0; --json gives
// the report with snake_case keys; --keep keeps the scratch database.
func TestE2EVerify(t *testing.T) {
	m := newMSSQLServer(t, nil)
	s := withMSSQLPassword(initRepo(t), mssqltest.DefaultPassword)
	s.mustRun("backup", m.url("sample"))
	tg := newRestoreTarget(t)
	r := s.run("verify", "latest", "--to", tg.serverURL())
	wantCode(t, r, exitOK)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 27 || !regexp.MustCompile(`^TABLE +ROWS +RESULT$`).MatchString(lines[0]) {
		t.Fatalf("verify table: %d lines\n%v", len(lines), r)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^\[sales\]\.\[Customers\] +5 +OK$`),
		regexp.MustCompile(`(?m)^\[dbo\]\.\[AllTypes\] +10 +OK$`),
		regexp.MustCompile(`(?m)^\[graph\]\.\[knows\] +4 +OK$`),
	} {
		if !want.MatchString(r.stdout) {
			t.Errorf("verify table lacks %s\n%v", want, r)
		}
	}
	if strings.Contains(r.stdout, "DIFFERS") || strings.Contains(r.stdout, "NOT COMPARED") {
		t.Errorf("a table is not OK\n%v", r)
	}
	if !regexp.MustCompile(`all 26 tables hold the rows backed up; restore took [0-9.]+m?s \(67 rows\), reading back [0-9.]+[mµ]?s; scratch database sqlvault_verify_[0-9a-f]{12} dropped\n$`).MatchString(r.stderr) {
		t.Errorf("verify summary\n%v", r)
	}
	if dbs := tg.h.Databases(); len(dbs) != 1 || dbs[0] != "master" {
		t.Errorf("databases left on the server: %v", dbs)
	}

	r = s.run("--json", "verify", "latest", "--to", tg.serverURL()+"&database=kept", "--keep")
	wantCode(t, r, exitOK)
	var rep struct {
		Database string  `json:"database"`
		Scratch  string  `json:"scratch_database"`
		Kept     bool    `json:"kept"`
		Restore  float64 `json:"restore_seconds"`
		Rows     int64   `json:"rows"`
		Failed   int     `json:"failed"`
		Tables   []struct {
			Name string `json:"name"`
			Rows int64  `json:"rows"`
			OK   bool   `json:"ok"`
		} `json:"tables"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("--json: %v\n%v", err, r)
	}
	if rep.Database != "sample" || rep.Scratch != "kept" || !rep.Kept || rep.Restore <= 0 || rep.Rows != 67 || rep.Failed != 0 || len(rep.Tables) != 26 || !rep.Tables[0].OK {
		t.Errorf("--json report %+v", rep)
	}
	if tg.h.Database("kept") == nil {
		t.Error("--keep: the scratch database is gone")
	}
}

// TestE2EVerifyFails: a snapshot that does not restore on the server (a
// batch refused) fails the verify with one line naming the file, line,
// object and the server's error, exit 4; the scratch database is dropped.
// A scratch database that exists is refused, and nothing is dropped. A
// server too old for the snapshot, or a permission the login lacks, is
// exit 5.
func TestE2EVerifyFails(t *testing.T) {
	m := newMSSQLServer(t, nil)
	s := withMSSQLPassword(initRepo(t), mssqltest.DefaultPassword)
	s.mustRun("backup", m.url("sample"))
	tg := newRestoreTarget(t, target.WithDatabases("prod"), target.RefuseBatch("CREATE TABLE [dbo].[Legacy] (",
		mssqltest.Errorf(2760, 16, "The specified schema name \"dbo\" either does not exist or you do not have permission to use it.")))
	r := s.run("verify", "latest", "--to", tg.serverURL())
	wantCode(t, r, exitDamaged)
	if got := errLine(t, r); !regexp.MustCompile(`^sqlvault: verify failed: snapshot [0-9a-f]{8} does not restore: schema\.sql:[0-9]+: Table \[dbo\]\.\[Legacy\]: the target refused the batch: error 2760: The specified schema name "dbo" either does not exist or you do not have permission to use it\.$`).MatchString(got) {
		t.Errorf("error line %q", got)
	}
	if !regexp.MustCompile(`restore failed after [0-9.]+m?s; scratch database sqlvault_verify_[0-9a-f]{12} dropped\n`).MatchString(r.stderr) {
		t.Errorf("summary\n%v", r)
	}
	if dbs := tg.h.Databases(); len(dbs) != 2 {
		t.Errorf("databases on the server: %v", dbs)
	}
	r = s.run("verify", "latest", "--to", tg.serverURL()+"&database=prod")
	wantCode(t, r, exitFailure)
	if got, want := errLine(t, r), "verify of snapshot "; !strings.Contains(got, want) || !strings.HasSuffix(got, ": create database prod: error 1801: Database 'prod' already exists. Choose a different database name.") {
		t.Errorf("error line %q", got)
	}
	if tg.h.Database("prod") == nil {
		t.Error("database prod was dropped")
	}

	// The server's shortcomings are not the backup's: exit 5, and the
	// scratch database is dropped (a missing permission) or never made
	// (a server too old).
	v, _ := sample.VersionNamed("2016")
	tg = newRestoreTarget(t, target.WithVersion(v))
	r = s.run("verify", "latest", "--to", tg.serverURL())
	wantCode(t, r, exitSource)
	if got := errLine(t, r); !regexp.MustCompile(`^sqlvault: verify of snapshot [0-9a-f]{8} on sqlserver://sa@[0-9.:]+: the target server is too old for the snapshot: it runs SQL Server 2016 \(13\.0\.6300\.2\); the snapshot's objects need SQL Server 2017 or later \(graph tables \(SQL Server 2017\)\): restore into a newer server$`).MatchString(got) {
		t.Errorf("error line %q", got)
	}
	if dbs := tg.h.Databases(); len(dbs) != 1 {
		t.Errorf("databases on the server: %v", dbs)
	}
	tg = newRestoreTarget(t, target.Deny(target.Insert))
	r = s.run("verify", "latest", "--to", tg.serverURL(), "--parallel", "1") // the first table loaded fails
	wantCode(t, r, exitSource)
	if got := errLine(t, r); !regexp.MustCompile(`^sqlvault: verify of snapshot [0-9a-f]{8} on sqlserver://sa@[0-9.:]+: data/dbo\.AllTypes\.sql:17: Data of table \[dbo\]\.\[AllTypes\]: the login lacks the INSERT permission on \[dbo\]\.\[AllTypes\] \(SQL Server error 229: The INSERT permission was denied on the object 'AllTypes', database 'sqlvault_verify_[0-9a-f]{12}', schema 'dbo'\.\)$`).MatchString(got) {
		t.Errorf("error line %q", got)
	}
	if dbs := tg.h.Databases(); len(dbs) != 1 {
		t.Errorf("databases on the server: %v", dbs)
	}
}
