package verify_test

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/mssql"
	"github.com/sqlvault/sqlvault/mssql/load"
	"github.com/sqlvault/sqlvault/mssql/mssqltest"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/backuptest"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/target"
	"github.com/sqlvault/sqlvault/mssql/verify"
)

// backUp scripts the sample database into a temporary folder and
// returns it with its manifest.
func backUp(t *testing.T) (string, *mssql.Manifest) {
	b := backuptest.Sample(t)
	return b.Dir, b.Manifest
}

// connector connects to the databases of a target server.
func connector(t *testing.T, srv *mssqltest.Server) verify.Connect {
	return func(ctx context.Context, database string) (*sql.DB, error) {
		db, err := sql.Open("sqlserver", srv.DSN(database))
		if err != nil {
			return nil, err
		}
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, err
		}
		return db, nil
	}
}

func newTarget(t *testing.T, opts ...target.Option) (*target.Handler, *mssqltest.Server) {
	t.Helper()
	h := target.NewHandler(opts...)
	srv := target.NewServer(h, mssqltest.WithLogf(t.Logf))
	t.Cleanup(srv.Close)
	return h, srv
}

// TestVerifySample verifies a backup of the sample database: every table
// of the manifest is compared and OK, the scratch database is created
// with the source's collation and dropped at the end, the report counts
// the rows restored.
func TestVerifySample(t *testing.T) {
	dir, m := backUp(t)
	h, srv := newTarget(t)
	var collation string
	rep, err := verify.Run(context.Background(), connector(t, srv), os.DirFS(dir), verify.Options{
		Database: "scratch",
		Load: load.Options{Progress: func(load.Table) {
			if db := h.Database("scratch"); db != nil {
				collation = db.Collation
			}
		}}})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Failed != 0 || rep.RestoreErr != "" {
		for _, tb := range rep.Tables {
			if !tb.OK {
				t.Errorf("%s: %+v", tb.Name, tb)
			}
		}
		t.Fatalf("not OK: %d failed, restore error %q", rep.Failed, rep.RestoreErr)
	}
	if len(rep.Tables) != len(m.Tables) || rep.Rows != m.Totals.Rows || rep.Database != sample.Name || rep.Scratch != "scratch" || rep.Kept {
		t.Errorf("report: %d tables (manifest %d), %d rows (manifest %d), database %q, scratch %q, kept %v",
			len(rep.Tables), len(m.Tables), rep.Rows, m.Totals.Rows, rep.Database, rep.Scratch, rep.Kept)
	}
	for i, tb := range rep.Tables {
		te := m.Tables[i]
		if tb.Name != te.Name || tb.Rows != te.Rows || tb.Hash != te.ContentHash || tb.WantHash != te.ContentHash {
			t.Errorf("table %d: %+v, manifest %s %d rows %s", i, tb, te.Name, te.Rows, te.ContentHash)
		}
	}
	if collation != m.Database.Collation || collation == "" {
		t.Errorf("scratch database collation %q, source's %q", collation, m.Database.Collation)
	}
	if h.Database("scratch") != nil {
		t.Error("the scratch database was not dropped")
	}
}

// TestVerifyDiffers: the server gives back a value other than the one
// loaded (as damaged storage would); verify names the table, the row by
// its key, the column and both values, and the other tables stay OK.
// With Keep the scratch database stays.
func TestVerifyDiffers(t *testing.T) {
	dir, _ := backUp(t)
	h, srv := newTarget(t)
	rep, err := verify.Run(context.Background(), connector(t, srv), os.DirFS(dir), verify.Options{
		Database: "scratch", Keep: true,
		Load: load.Options{Progress: func(tb load.Table) {
			if tb.Done && tb.Name == "[sales].[Customers]" {
				h.Database("scratch").Table("sales", "Customers").Rows()[2][1] = "Mallory"
			}
		}}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || rep.Failed != 1 {
		t.Fatalf("OK %v, %d failed", rep.OK(), rep.Failed)
	}
	for _, tb := range rep.Tables {
		if tb.Name != "[sales].[Customers]" {
			continue
		}
		want := "row 3 ([CustomerID] = 3): column [Name]: backed up N'Zoë 😀', restored N'Mallory'"
		if tb.OK || tb.Diff != want || tb.Rows != 5 || tb.WantRows != 5 || tb.Hash == tb.WantHash {
			t.Errorf("[sales].[Customers]: %+v\nwant diff %s", tb, want)
		}
	}
	if !rep.Kept || h.Database("scratch") == nil {
		t.Error("the scratch database was dropped despite Keep")
	}
}

// TestVerifyRestoreFails: a batch the target refuses fails the restore;
// the report says which (file, line, object, server error), compares no
// table, and the scratch database is dropped.
func TestVerifyRestoreFails(t *testing.T) {
	dir, _ := backUp(t)
	h, srv := newTarget(t, target.RefuseBatch("CREATE TABLE [dbo].[Legacy] (",
		mssqltest.Errorf(2714, 16, "There is already an object named 'Legacy' in the database.")))
	rep, err := verify.Run(context.Background(), connector(t, srv), os.DirFS(dir), verify.Options{Database: "scratch"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || len(rep.Tables) != 0 || !strings.HasPrefix(rep.RestoreErr, "schema.sql:") ||
		!strings.HasSuffix(rep.RestoreErr, "Table [dbo].[Legacy]: the target refused the batch: error 2714: There is already an object named 'Legacy' in the database.") {
		t.Errorf("report: OK %v, %d tables, restore error %q", rep.OK(), len(rep.Tables), rep.RestoreErr)
	}
	if h.Database("scratch") != nil {
		t.Error("the scratch database was not dropped")
	}
}

// TestVerifyScratchExists: verify never restores into a database it did
// not create.
func TestVerifyScratchExists(t *testing.T) {
	dir, _ := backUp(t)
	_, srv := newTarget(t, target.WithDatabases("prod"))
	_, err := verify.Run(context.Background(), connector(t, srv), os.DirFS(dir), verify.Options{Database: "prod"})
	if err == nil || err.Error() != "create database prod: error 1801: Database 'prod' already exists. Choose a different database name." {
		t.Errorf("error %v", err)
	}
}
