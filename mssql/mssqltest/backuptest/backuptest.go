// Package backuptest backs up the sample database (package
// mssql/mssqltest/sample) into a folder, as sqlvault's backup scripts it,
// for the tests of what reads a backup: restore into a server, verify,
// the restore target model.
package backuptest

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/sqlvault/sqlvault/mssql"
	"github.com/sqlvault/sqlvault/mssql/mssqltest"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// Now is the time the backups are taken at.
var Now = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// Backup is a backup of the sample database.
type Backup struct {
	// Dir is the database's folder: manifest.json, schema.sql, data/...
	Dir string
	// Manifest is the folder's manifest.
	Manifest *mssql.Manifest
	// Source is connected to the sample database of the server the
	// backup was taken from, open until the test ends.
	Source *sql.DB
}

// Sample serves the sample database for the test and scripts it into a
// temporary folder.
func Sample(t testing.TB) *Backup {
	t.Helper()
	return Of(t, sample.New())
}

// Of serves database sdb (sample.New, sample.Bench) for the test and
// scripts it into a temporary folder.
func Of(t testing.TB, sdb *sample.DB) *Backup {
	t.Helper()
	srv := sample.NewServer(sample.NewHandler(sdb), mssqltest.WithLogf(t.Logf))
	t.Cleanup(srv.Close)
	src, err := mssql.ParseURL("sqlserver://" + mssqltest.DefaultUser + "@" + srv.Addr() + "?encrypt=disable")
	if err != nil {
		t.Fatal(err)
	}
	open := func(ctx context.Context, name string) (*sql.DB, error) {
		return mssql.Connect(ctx, src, name, mssqltest.DefaultPassword, 5*time.Second)
	}
	ctx := context.Background()
	db, err := open(ctx, sdb.Name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	dir := t.TempDir()
	m, err := mssql.Script(ctx, db, mssql.DirSink{Dir: dir}, mssql.Options{Source: src, Database: sdb.Name,
		Now: func() time.Time { return Now }, Warn: func(string, error) {}, OpenDatabase: open})
	if err != nil {
		t.Fatal(err)
	}
	return &Backup{Dir: dir, Manifest: m, Source: db}
}
