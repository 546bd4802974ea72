package load_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/sqlvault/sqlvault/mssql"
	"github.com/sqlvault/sqlvault/mssql/load"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/target"
)

// lineOf returns the line of file (in the snapshot folder dir) where
// text starts a line, 0 if none.
func lineOf(t *testing.T, dir, file, text string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, text) {
			return i + 1
		}
	}
	return 0
}

// TestLoadPermissionDenied: a permission the login lacks stops the
// restore with one line naming the permission, what it is on, and the
// server's error; for a script's batch, with its file, line and object.
func TestLoadPermissionDenied(t *testing.T) {
	src := backUp(t)
	for _, tc := range []struct {
		deny target.Permission
		want string
	}{
		// The first batch that creates a table, after its heading.
		{target.CreateTable, fmt.Sprintf("schema.sql:%d: Table [dbo].[AllTypes]: the login lacks the CREATE TABLE permission in database restored (SQL Server error 262: CREATE TABLE permission denied in database 'restored'.)",
			lineOf(t, src.dir, mssql.SchemaFile, "-- Table [dbo].[AllTypes]")+1)},
		// The first table loaded, by its data file (a sql_variant column).
		{target.Insert, fmt.Sprintf("data/dbo.AllTypes.sql:%d: Data of table [dbo].[AllTypes]: the login lacks the INSERT permission on [dbo].[AllTypes] (SQL Server error 229: The INSERT permission was denied on the object 'AllTypes', database 'restored', schema 'dbo'.)",
			lineOf(t, src.dir, "data/dbo.AllTypes.sql", "INSERT INTO [dbo].[AllTypes] "))},
		{target.Alter, `the login lacks the ALTER permission on [dbo].[Tuned], needed to keep its identity values in a bulk load (SQL Server error 1088: Cannot find the object "[dbo].[Tuned]" because it does not exist or you do not have permissions.)`},
	} {
		t.Run(string(tc.deny), func(t *testing.T) {
			_, db := newTarget(t, target.Deny(tc.deny))
			_, err := load.Load(context.Background(), db, os.DirFS(src.dir), load.Options{Parallel: 1})
			var pe *load.PermissionError
			if want := tc.want; err == nil || err.Error() != want || !errors.As(err, &pe) || pe.Permission != string(tc.deny) {
				t.Errorf("got  %v\nwant %s", err, want)
			}
		})
	}
	t.Run("CREATE DATABASE", func(t *testing.T) {
		h, _ := newTarget(t, target.Deny(target.CreateDatabase))
		srv := target.NewServer(h)
		defer srv.Close()
		master, err := sql.Open("sqlserver", srv.DSN(""))
		if err != nil {
			t.Fatal(err)
		}
		defer master.Close()
		err = load.CreateDatabase(context.Background(), master, "copy", "")
		const want = "the login lacks the CREATE DATABASE permission in database master (SQL Server error 262: CREATE DATABASE permission denied in database 'master'.)"
		var pe *load.PermissionError
		if err == nil || err.Error() != want || !errors.As(err, &pe) {
			t.Errorf("got  %v\nwant %s", err, want)
		}
	})
}

// TestLoadTargetVersion: the target's version is read before anything
// runs. Older than SQL Server 2012, or lacking what the snapshot's objects
// need (the sample has graph tables: SQL Server 2017), it is refused
// before any batch is sent; older than the source (SQL Server 2022) but
// able to hold the objects, the restore warns once and goes on, and the
// version guards the target fails send their messages, each handed over
// with its file and line; the source's version and Azure SQL Database
// restore without a warning or message.
func TestLoadTargetVersion(t *testing.T) {
	src := backUp(t)
	version := func(name string) sample.Version {
		v, ok := sample.VersionNamed(name)
		if !ok {
			t.Fatalf("no version %s", name)
		}
		return v
	}
	for _, name := range []string{"2008R2", "2016"} {
		v := sample.OldVersion()
		want := "the target server is too old for the snapshot: it runs SQL Server 2008 or 2008 R2 (10.50.6000.34); the scripts need SQL Server 2012 or later: restore into a newer server"
		if name != "2008R2" {
			v = version(name)
			want = "the target server is too old for the snapshot: it runs SQL Server 2016 (13.0.6300.2); the snapshot's objects need SQL Server 2017 or later (graph tables (SQL Server 2017)): restore into a newer server"
		}
		h, db := newTarget(t, target.WithVersion(v))
		_, err := load.Load(context.Background(), db, os.DirFS(src.dir), load.Options{Warn: func(w string) { t.Errorf("%s: warning %s", name, w) }})
		if err == nil || err.Error() != want || !errors.Is(err, load.ErrTargetVersion) {
			t.Errorf("%s: got  %v\nwant %s", name, err, want)
		}
		if n := len(h.Batches()); n != 0 {
			t.Errorf("%s: %d batches sent", name, n)
		}
	}

	edge := "sqlvault: edge constraint [EC_livesIn] of [graph].[livesIn] needs SQL Server 2019 or later; not set"
	for _, tc := range []struct {
		version  sample.Version
		warnings []string
		messages []string // some of them, in order
	}{
		{version("2017"), []string{"the target server runs SQL Server 2017 (14.0.3456.2), older than the source's SQL Server 2022 (16.0.4135.4): options and settings of newer versions are skipped, each with a message"},
			[]string{
				fmt.Sprintf("post-data.sql:%d: sqlvault: OPTIMIZE_FOR_SEQUENTIAL_KEY of index [PK_Tuned] ON [dbo].[Tuned] needs SQL Server 2019 or later; not set", lineOf(t, src.dir, mssql.PostDataFile, "IF CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 15")),
				fmt.Sprintf("post-data.sql:%d: %s", lineOf(t, src.dir, mssql.PostDataFile, "-- Edge constraint [EC_livesIn]")+1, edge),
			}},
		{version("2022"), nil, nil},
		{version("azure-sql-database"), nil, nil},
	} {
		_, db := newTarget(t, target.WithVersion(tc.version))
		var (
			mu                 sync.Mutex
			warnings, messages []string
		)
		_, err := load.Load(context.Background(), db, os.DirFS(src.dir), load.Options{
			Warn: func(w string) { warnings = append(warnings, w) },
			Message: func(file string, line int, text string) {
				mu.Lock()
				messages = append(messages, fmt.Sprintf("%s:%d: %s", file, line, text))
				mu.Unlock()
			}})
		if err != nil {
			t.Fatalf("%s: %v", tc.version.Name, err)
		}
		if !reflect.DeepEqual(warnings, tc.warnings) {
			t.Errorf("%s: warnings %q, want %q", tc.version.Name, warnings, tc.warnings)
		}
		if tc.messages == nil && len(messages) != 0 {
			t.Errorf("%s: messages %q", tc.version.Name, messages)
		}
		i := 0
		for _, m := range messages {
			if i < len(tc.messages) && m == tc.messages[i] {
				i++
			}
			if !strings.Contains(m, ": sqlvault: ") || !strings.HasSuffix(m, "; not set") && !strings.HasSuffix(m, "; created without it") {
				t.Errorf("%s: message %q", tc.version.Name, m)
			}
		}
		if i != len(tc.messages) {
			t.Errorf("%s: messages\n%s\nlack (in order)\n%s", tc.version.Name, strings.Join(messages, "\n"), strings.Join(tc.messages, "\n"))
		}
	}
}
