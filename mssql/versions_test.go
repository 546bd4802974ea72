package mssql

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// TestSampleOnEveryVersion scripts the sample served as each supported
// version (the sample server refuses, as that version would, any catalog
// view or column it lacks, and holds only what that version can): the
// backup succeeds, records the version, every object is scripted or
// reported, every batch passes the statement checks, every value parses
// back to what the server sent, and no data is missing: the backup is
// complete (the CLI's exit 0), the memory-optimized tables (2014 on) with
// their rows.
func TestSampleOnEveryVersion(t *testing.T) {
	for _, v := range sample.Versions() {
		t.Run(v.Name, func(t *testing.T) {
			db := sample.New().As(v)
			s := newTestServer(t, []*sample.DB{db})
			opts := s.options("sample")
			var warned []string
			opts.Warn = func(what string, err error) {
				if errors.Is(err, ErrDataMissing) || errors.Is(err, ErrFilteredData) || errors.Is(err, ErrInconsistent) {
					warned = append(warned, what+": "+err.Error())
				}
			}
			dir, m, err := s.scriptDir("sample", opts)
			if err != nil {
				t.Fatal(err)
			}
			if m.Server.ProductVersion != v.ProductVersion || m.Server.EngineEdition != int64(v.EngineEdition) {
				t.Errorf("manifest server %+v, want %s", m.Server, v.ProductVersion)
			}
			walkCatalog(t, db, m)
			checkStatements(t, dir, m)
			checkLiteralsParseBack(t, s, dir, m)
			// Every table of the sample is scripted with its rows, the
			// memory-optimized ones too (SQL Server 2014 on): the backup
			// is complete.
			for _, u := range m.Unscripted {
				if u.DataMissing() {
					t.Errorf("data missing: %s: %s", u.Name, u.Reason)
				}
			}
			if len(warned) > 0 {
				t.Errorf("incomplete:\n%s", strings.Join(warned, "\n"))
			}
			var mem []string
			for _, te := range m.Tables {
				if strings.HasPrefix(te.Name, "[dbo].[Cache") {
					mem = append(mem, fmt.Sprintf("%s %d %s", te.Name, te.Rows, te.Durability))
				}
			}
			want := "[dbo].[Cache] 2 ,[dbo].[CacheSessions] 0 SCHEMA_ONLY"
			if v.Major < 12 { // memory-optimized tables: SQL Server 2014
				want = ""
			}
			if strings.Join(mem, ",") != want {
				t.Errorf("memory-optimized tables %q, want %q", strings.Join(mem, ","), want)
			}
		})
	}
}

// TestVersionDifferences checks what the versions' catalogs change in the
// script: what an older source lacks is not written, what the Azure SQL
// Database source cannot hold is not reported, and the sequence of a
// source without last_used_value continues after its current value.
func TestVersionDifferences(t *testing.T) {
	script := func(name string) (string, *Manifest) {
		v, ok := sample.VersionNamed(name)
		if !ok {
			t.Fatalf("no version %s", name)
		}
		s := newTestServer(t, []*sample.DB{sample.New().As(v)})
		sink, m := s.scriptMem("sample", s.options("sample"))
		return string(sink.files[SchemaFile]) + string(sink.files[PostDataFile]) + string(sink.files[SecurityFile]), m
	}
	v2012, m2012 := script("2012")
	if m2012.Target.MinVersion != "SQL Server 2012" || len(m2012.Target.Needs) != 0 {
		t.Errorf("2012: target %+v", m2012.Target)
	}
	if !strings.Contains(v2012, "-- Target: SQL Server 2012 or later, Azure SQL Database or Azure SQL Managed Instance.\n") {
		t.Error("2012: schema.sql does not name its target")
	}
	for _, absent := range []string{"SYSTEM_VERSIONING", "MASKED WITH", "CREATE CLUSTERED COLUMNSTORE", "QUERY_STORE", "[dbo].[Cache]"} {
		if strings.Contains(v2012, absent) {
			t.Errorf("2012: the script has %s", absent)
		}
	}
	// sales.OrderNumbers: current_value 1041 stands for last_used_value.
	if !strings.Contains(v2012, "ALTER SEQUENCE [sales].[OrderNumbers] RESTART WITH 1042;") {
		t.Error("2012: sequence [sales].[OrderNumbers] does not continue after its current value")
	}
	v2016, m2016 := script("2016")
	if want := "temporal tables and periods (SQL Server 2016)"; m2016.Target.MinVersion != "SQL Server 2016" || !slices.Contains(m2016.Target.Needs, want) {
		t.Errorf("2016: target %+v, want SQL Server 2016 for %s", m2016.Target, want)
	}
	if !strings.Contains(v2016, "SYSTEM_VERSIONING = ON") || strings.Contains(v2016, "HISTORY_RETENTION_PERIOD") {
		t.Error("2016: want system versioning without a retention period")
	}
	v2022, _ := script("2022")
	if !strings.Contains(v2022, "HISTORY_RETENTION_PERIOD = 6 MONTHS") {
		t.Error("2022: no retention period")
	}
	azure, m := script("azure-sql-database")
	for _, u := range m.Unscripted {
		if strings.Contains(u.Name, "SampleClr") || strings.Contains(u.Name, "AuditQueue") {
			t.Errorf("Azure SQL Database: %s %s reported, but it cannot hold it", u.Kind, u.Name)
		}
	}
	if m.Consistency != ConsistencySnapshotIsolation {
		t.Errorf("Azure SQL Database: consistency %s", m.Consistency)
	}
	if !strings.Contains(azure, "HISTORY_RETENTION_PERIOD") {
		t.Error("Azure SQL Database: no retention period")
	}
}

// TestOldServerRefused checks the one line for a server older than SQL
// Server 2012: a source error of kind KindVersion that names both
// versions and what to do, before anything is read.
func TestOldServerRefused(t *testing.T) {
	s := newTestServer(t, []*sample.DB{sample.New().As(sample.OldVersion())})
	_, _, err := s.scriptDir("sample", s.options("sample"))
	var se *SourceError
	if !errors.As(err, &se) || se.Kind != KindVersion {
		t.Fatalf("error %v, want a KindVersion source error", err)
	}
	want := `sqlserver://sa@` + s.srv.Addr() + `, database "sample": the server runs SQL Server 2008 or 2008 R2 (10.50.6000.34), older than SQL Server 2012, the oldest version sqlvault reads; back the database up with BACKUP DATABASE, or upgrade the server`
	if err.Error() != want {
		t.Errorf("error\n%s\nwant\n%s", err, want)
	}
	for _, tag := range s.h.Log() {
		if tag != "sqlvault:server" {
			t.Errorf("asked %s of an old server", tag)
		}
	}
}
