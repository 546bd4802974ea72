// Package verify proves that a backed-up database restores: it restores a
// database folder (the scripts sqlvault writes for a database) into a new
// scratch database on a server with package load, reads every table back
// with the query the backup read it with (mssql.HashEntry, the manifest's
// TableEntry.Query), compares each table's row count and content hash
// with the manifest's, names the first row that differs (its key and
// column) when one does, and drops the scratch database. It is the
// logical backup's counterpart of RESTORE VERIFYONLY, and stronger: the
// rows are restored and read back, not only the files read. See
// docs/design.md, "Verify".
package verify

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/sqlvault/sqlvault/mssql"
	"github.com/sqlvault/sqlvault/mssql/load"
)

// Connect opens a connection pool to a database of the server verify
// runs on ("master" for creating and dropping the scratch database).
type Connect func(ctx context.Context, database string) (*sql.DB, error)

// Options control Run.
type Options struct {
	// Database is the scratch database's name; "" means
	// "sqlvault_verify_" and 12 random hex digits. It must not exist.
	Database string
	// Keep leaves the scratch database on the server.
	Keep bool
	// Load are the options of the restore (Parallel, Progress, Warn,
	// Message); Force and State are not used: the scratch database is
	// new, and a verify is not resumed.
	Load load.Options
	// Checked, if set, is called after each table is compared.
	Checked func(Table)
}

// Table is the verdict on one table.
type Table struct {
	// Name is the table's [schema].[name].
	Name string `json:"name"`
	// Rows and Hash are what the restored copy holds; WantRows and
	// WantHash what the manifest records.
	Rows     int64  `json:"rows"`
	WantRows int64  `json:"want_rows"`
	Hash     string `json:"content_hash,omitempty"`
	WantHash string `json:"want_content_hash,omitempty"`
	// OK tells the copy holds the rows backed up.
	OK bool `json:"ok"`
	// Diff, when not OK, says where the copy differs first.
	Diff string `json:"diff,omitempty"`
	// Err, when the table could not be compared, says why.
	Err string `json:"error,omitempty"`
}

// Report is the result of Run.
type Report struct {
	// Database is the name of the database that was backed up; Scratch
	// the scratch database it was restored into, and Kept whether it
	// was left on the server.
	Database string `json:"database"`
	Scratch  string `json:"scratch_database"`
	Kept     bool   `json:"kept"`
	// Restore is the time the restore took (the recovery time this
	// backup really has on that server), Check the time the reading
	// back took.
	Restore time.Duration `json:"-"`
	Check   time.Duration `json:"-"`
	// RestoreSeconds and CheckSeconds are Restore and Check for JSON.
	RestoreSeconds float64 `json:"restore_seconds"`
	CheckSeconds   float64 `json:"check_seconds"`
	// Rows is the number of rows restored.
	Rows int64 `json:"rows"`
	// Tables in the manifest's order.
	Tables []Table `json:"tables"`
	// Failed counts the tables that are not OK.
	Failed int `json:"failed"`
	// RestoreErr, when the restore itself failed, says how; no table is
	// compared then.
	RestoreErr string `json:"restore_error,omitempty"`
	// DropErr, when the scratch database could not be dropped, says why.
	DropErr string `json:"drop_error,omitempty"`
}

// OK tells the backup restored and every table holds what was backed up.
func (r *Report) OK() bool { return r.RestoreErr == "" && r.Failed == 0 }

// Run verifies the database folder: it creates the scratch database (with
// the collation the backed-up database had), restores the folder into it
// (load.Load), compares every table, and drops the scratch database
// unless opts.Keep. A restore that fails, and tables that differ, are in
// the report (Report.OK is false), with a nil error; the error is for
// what stops the verify itself: the folder unreadable, the server not
// reachable, the server too old for the snapshot (load.ErrTargetVersion),
// a permission the login lacks (*load.PermissionError), the scratch
// database not created.
func Run(ctx context.Context, connect Connect, folder fs.FS, opts Options) (*Report, error) {
	m, err := load.ReadManifest(folder)
	if err != nil {
		return nil, err
	}
	name := opts.Database
	if name == "" {
		var b [6]byte
		rand.Read(b[:])
		name = "sqlvault_verify_" + hex.EncodeToString(b[:])
	}
	rep := &Report{Database: m.Database.Name, Scratch: name, Kept: opts.Keep}
	master, err := connect(ctx, "master")
	if err != nil {
		return nil, err
	}
	defer master.Close()
	// The server must be able to hold the snapshot's objects: that is
	// the server's shortcoming, not the backup's.
	if err := load.CheckTarget(ctx, master, m, opts.Load.Warn); err != nil {
		return nil, err
	}
	// CREATE DATABASE fails for a database that exists: verify never
	// restores into, or drops, a database it did not create.
	if err := load.CreateDatabase(ctx, master, name, m.Database.Collation); err != nil {
		return nil, err
	}
	db, err := connect(ctx, name)
	if err != nil {
		drop(ctx, master, name, opts.Keep, rep)
		return nil, err
	}
	start := time.Now()
	lo := opts.Load
	lo.Force, lo.State = false, nil
	sum, err := load.Load(ctx, db, folder, lo)
	rep.Restore = time.Since(start)
	if sum != nil {
		rep.Rows = sum.Rows
	}
	if err == nil {
		start = time.Now()
		err = check(ctx, db, folder, m, opts, rep)
		rep.Check = time.Since(start)
	} else if pe := (*load.PermissionError)(nil); ctx.Err() == nil && !errors.As(err, &pe) {
		// A permission the login lacks is the server's setup, not the
		// backup's fault: an error, not a verdict.
		rep.RestoreErr, err = err.Error(), nil
	}
	db.Close()
	rep.RestoreSeconds, rep.CheckSeconds = rep.Restore.Seconds(), rep.Check.Seconds()
	drop(context.WithoutCancel(ctx), master, name, opts.Keep, rep)
	return rep, err
}

// drop drops the scratch database unless keep, noting a failure in rep.
func drop(ctx context.Context, master *sql.DB, name string, keep bool, rep *Report) {
	if keep {
		return
	}
	if _, err := master.ExecContext(ctx, mssql.DropDatabaseSQL(name)); err != nil {
		rep.DropErr = fmt.Sprintf("drop database %s: %v", mssql.DisplayText(name), err)
	}
}

// check compares every table of the manifest with the copy db holds.
func check(ctx context.Context, db *sql.DB, folder fs.FS, m *mssql.Manifest, opts Options, rep *Report) error {
	for _, te := range m.Tables {
		t := Table{Name: te.Name, WantRows: te.Rows, WantHash: te.ContentHash}
		n, sum, err := mssql.HashEntry(ctx, db, te, nil)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			t.Err = err.Error()
		case te.ContentHash == "":
			t.Rows, t.Hash = n, sum
			t.Err = "the manifest does not record the rows' content hash"
		default:
			t.Rows, t.Hash = n, sum
			t.OK = n == te.Rows && sum == te.ContentHash
			if !t.OK {
				if t.Diff, err = firstDiff(ctx, db, folder, te); err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					t.Diff = fmt.Sprintf("%d rows hashing to %s (the first differing row not found: %v)", n, sum, err)
				}
			}
		}
		if !t.OK {
			rep.Failed++
		}
		rep.Tables = append(rep.Tables, t)
		if opts.Checked != nil {
			opts.Checked(t)
		}
	}
	return nil
}

// errStop stops the reading of a table once the first difference is
// found.
var errStop = errors.New("stop")

// firstDiff finds the first row where the copy of a table differs from
// its data file, reading both in the backup's order: the rows of the data
// file parsed back (mssql.ReadDataFile) against the rows read back from
// the copy, compared value by value (mssql.DiffRow).
func firstDiff(ctx context.Context, db *sql.DB, folder fs.FS, te mssql.TableEntry) (string, error) {
	if te.Edge {
		return "", errors.New("an edge table's data file names its ends by subqueries")
	}
	cols, err := te.DataColumns()
	if err != nil {
		return "", err
	}
	types := mssql.ColumnTypes(cols)
	f, err := folder.Open(te.File)
	if err != nil {
		return "", err
	}
	defer f.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	copied := make(chan []any)
	readErr := make(chan error, 1)
	go func() {
		_, _, err := mssql.HashEntry(ctx, db, te, func(vals []any) error {
			select {
			case copied <- append([]any(nil), vals...):
				return nil
			case <-ctx.Done():
				return errStop
			}
		})
		close(copied)
		readErr <- err
	}()
	var row int64
	diff := ""
	_, err = mssql.ReadDataFile(f, te.Name, cols, func(want []any) error {
		row++
		got, ok := <-copied
		if !ok {
			diff = fmt.Sprintf("row %d%s: missing from the restored copy", row, rowKey(te, cols, want))
			return errStop
		}
		i, err := mssql.DiffRow(types, want, got)
		if err != nil {
			return err
		}
		if i >= 0 {
			diff = fmt.Sprintf("row %d%s: column %s: backed up %s, restored %s", row, rowKey(te, cols, want),
				mssql.DisplayText(mssql.QuoteIdent(cols[i].Name)), literal(cols[i], want[i]), literal(cols[i], got[i]))
			return errStop
		}
		return nil
	})
	if diff != "" {
		return diff, nil
	}
	if err != nil {
		return "", err
	}
	if got, ok := <-copied; ok {
		return fmt.Sprintf("row %d%s: not in the backup", row+1, rowKey(te, cols, got)), nil
	}
	if err := <-readErr; err != nil {
		return "", err
	}
	return "", errors.New("the rows are equal value by value, yet hash differently")
}

// rowKey renders the key of a row, " ([a] = 1, [b] = N'x')", from the
// columns the manifest names as its key; "" when it names none.
func rowKey(te mssql.TableEntry, cols []*mssql.Column, vals []any) string {
	var parts []string
	for _, k := range te.Key {
		for i, c := range cols {
			if c.Name == k {
				parts = append(parts, mssql.QuoteIdent(k)+" = "+literal(c, vals[i]))
			}
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + mssql.DisplayText(strings.Join(parts, ", ")) + ")"
}

// literal renders a value as the data file writes it, shortened to 60
// characters.
func literal(c *mssql.Column, v any) string {
	b, err := mssql.AppendLiteral(nil, c.Type, v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	s := string(b)
	if r := []rune(s); len(r) > 60 {
		s = string(r[:57]) + "..."
	}
	return mssql.DisplayText(s)
}
