package main_test

import (
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// TestE2ESQLServerVersions backs up the sample served as every supported
// version: each backup is complete (exit 0), the memory-optimized tables
// (SQL Server 2014 on) with their rows; a server older than SQL Server 2012
// gets one line and the source's exit code, and nothing is stored.
func TestE2ESQLServerVersions(t *testing.T) {
	var dbs []*sample.DB
	for _, v := range sample.Versions() {
		db := sample.New().As(v)
		db.Name = "v" + strings.ReplaceAll(v.Name, "-", "_")
		dbs = append(dbs, db)
	}
	old := sample.New().As(sample.OldVersion())
	old.Name = "old"
	m := newMSSQLServer(t, append(dbs, old))
	s := withMSSQLPassword(initRepo(t), mssqltest.DefaultPassword)
	for _, db := range dbs {
		r := s.run("backup", "-v", m.url(db.Name))
		wantCode(t, r, exitOK)
		if !strings.Contains(r.stderr, "saved: database "+db.Name+", ") {
			t.Errorf("%s: no saved line in\n%v", db.Name, r)
		}
	}
	r := s.run("backup", m.url("old"))
	wantCode(t, r, exitSource)
	want := `sqlvault: sqlserver://sa@` + m.srv.Addr() + `, database "old": the server runs SQL Server 2008 or 2008 R2 (10.50.6000.34), older than SQL Server 2012, the oldest version sqlvault reads; back the database up with BACKUP DATABASE, or upgrade the server (no snapshot was written)`
	if got := errLine(t, r); got != want {
		t.Errorf("old server:\n%s\nwant\n%s", got, want)
	}
	if n := len(s.snapshots()); n != len(dbs) {
		t.Errorf("%d snapshots, want %d", n, len(dbs))
	}
}
