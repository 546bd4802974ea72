// Package load restores a scripted database, the folder sqlvault writes
// for a database (manifest.json, schema.sql, data/<schema>.<table>.sql,
// post-data.sql, security.sql), straight into a SQL Server database: the
// script files' batches run as sqlcmd runs them, and the tables' rows are
// bulk-loaded with go-mssqldb's CopyIn, several tables at once, their
// values read from the data files by mssql.ReadDataFile (the values the
// files' INSERTs would store). A table CopyIn cannot load exactly (see
// mssql.BulkLoadable; edge tables, whose rows find their ends by
// subqueries; manifests that do not record the columns) is loaded by
// running its data file. A restore can be journalled (State) and resumed.
// See docs/design.md, "Restore into a server".
package load

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"time"

	gomssql "github.com/microsoft/go-mssqldb"

	"github.com/sqlvault/sqlvault/mssql"
)

// qUserObjects counts the user objects of the current database.
const qUserObjects = "/* sqlvault:user_objects */ SELECT COUNT(*) FROM sys.objects WHERE is_ms_shipped = 0"

// DefaultParallel is the number of tables loaded at once by default.
const DefaultParallel = 2

// ErrNotEmpty is returned (wrapped) by Load when the target database holds
// user objects and Options.Force is not set.
var ErrNotEmpty = errors.New("the target database is not empty")

// ErrContentHash is returned (wrapped) when the rows read from a data file
// do not hash to the manifest's content hash: the file does not give back
// what was backed up.
var ErrContentHash = errors.New("the data file's rows differ from those backed up")

// Options control Load.
type Options struct {
	// Parallel is the number of tables loaded at once; 0 means
	// DefaultParallel.
	Parallel int
	// Force loads into a database that holds user objects.
	Force bool
	// State journals the restore; nil keeps no journal. A State from
	// ResumeState resumes: what it records as finished is skipped, the
	// emptiness check too.
	State *State
	// Script loads every table by running its data file, as sqlcmd
	// would, instead of by bulk copy where it can: the path a restore of
	// restore.sql takes, for comparing with it.
	Script bool
	// Progress, if set, is called when a table's load starts and ends
	// (Table.Done), and between whenever 50,000 rows or 4 MiB of its data
	// file (Table.Read) more are loaded (from several goroutines at once
	// when Parallel > 1); for a table an earlier run loaded, once (Done
	// and Resumed).
	Progress func(Table)
	// Warn, if set, is called with what the restore warns about before it
	// runs anything: a target server older than the source (see
	// docs/design.md, "Restore into a server").
	Warn func(string)
	// Message, if set, is called with each informational message the
	// server sends while running a script file's batch (PRINT: the
	// scripts' "sqlvault: ... not set" reports of what the target's
	// version skips, and the like), with the file and the line of the
	// batch's first statement (from several goroutines at once when
	// Parallel > 1: tables loaded by script).
	Message func(file string, line int, text string)
}

// progressEvery are the rows and bytes of a data file between two calls
// of Options.Progress for a table.
const (
	progressRows  = 50000
	progressBytes = 4 << 20
)

// Table is what Load did with one table. As JSON (restore --to --json)
// its keys are snake_case and the duration is duration_ms, whole
// milliseconds.
type Table struct {
	// Name is the table's [schema].[name].
	Name string `json:"name"`
	// Method is "bulk copy" (mssql.CopyIn) or "script" (its data file
	// run as it is); Why says why a table was loaded by script.
	Method string `json:"method"`
	Why    string `json:"why,omitempty"`
	// Rows loaded so far (all of them when Done), Bytes of its data file.
	Rows  int64 `json:"rows"`
	Bytes int64 `json:"bytes"`
	// Read is how much of the data file was read so far (for Progress).
	Read int64 `json:"-"`
	// Duration of the load.
	Duration time.Duration `json:"-"`
	// Resumed marks a table an earlier run loaded (skipped now).
	Resumed bool `json:"resumed"`
	// Done tells a finished load (for Progress).
	Done bool `json:"-"`
}

// MarshalJSON writes the table with its duration in milliseconds.
func (t Table) MarshalJSON() ([]byte, error) {
	type plain Table
	return json.Marshal(struct {
		plain
		DurationMS int64 `json:"duration_ms"`
	}{plain(t), t.Duration.Milliseconds()})
}

// Summary is the result of Load. As JSON its keys are snake_case and the
// duration is duration_ms, whole milliseconds.
type Summary struct {
	// Database is the name of the database the snapshot was taken of.
	Database string `json:"database"`
	// Tables in the manifest's order (tables without data file left
	// out).
	Tables []Table `json:"tables"`
	// Rows is the number of rows loaded, Bytes the size of the tables'
	// data files.
	Rows  int64 `json:"rows"`
	Bytes int64 `json:"bytes"`
	// Duration of the whole restore.
	Duration time.Duration `json:"-"`
}

// MarshalJSON writes the summary with its duration in milliseconds.
func (s Summary) MarshalJSON() ([]byte, error) {
	type plain Summary
	return json.Marshal(struct {
		plain
		DurationMS int64 `json:"duration_ms"`
	}{plain(s), s.Duration.Milliseconds()})
}

// BatchError is a batch of a script file that the target refused.
type BatchError struct {
	// File is the script file, Line the line of the batch's first
	// statement in it.
	File string
	Line int
	// Object is the object the batch is about, from the scripter's
	// heading comment before it ("Table [dbo].[t]"), "" if none.
	Object string
	// Err is the server's error.
	Err error
}

func (e *BatchError) Error() string {
	what := ""
	if e.Object != "" {
		what = mssql.DisplayText(e.Object) + ": "
	}
	var pe *PermissionError
	if errors.As(e.Err, &pe) {
		return fmt.Sprintf("%s:%d: %s%v", e.File, e.Line, what, pe)
	}
	return fmt.Sprintf("%s:%d: %sthe target refused the batch: %s", e.File, e.Line, what, serverError(e.Err))
}

func (e *BatchError) Unwrap() error { return e.Err }

// serverError renders a server's error as "error N: message", other
// errors as they are.
func serverError(err error) string {
	var se gomssql.Error
	if errors.As(err, &se) {
		return fmt.Sprintf("error %d: %s", se.Number, mssql.DisplayText(se.Message))
	}
	return mssql.DisplayText(err.Error())
}

// CreateDatabase creates an empty database on the server master is
// connected to (to master), with the given collation unless "". A login
// without the permission gets a *PermissionError.
func CreateDatabase(ctx context.Context, master *sql.DB, name, collation string) error {
	stmt, err := mssql.CreateDatabaseSQL(name, collation)
	if err != nil {
		return err
	}
	if _, err := master.ExecContext(ctx, stmt); err != nil {
		if pe := permissionError(err, "CREATE DATABASE", "", ""); pe != nil {
			return pe
		}
		return fmt.Errorf("create database %s: %s", mssql.DisplayText(name), serverError(err))
	}
	return nil
}

// ReadManifest reads the manifest of a database folder.
func ReadManifest(folder fs.FS) (*mssql.Manifest, error) {
	b, err := fs.ReadFile(folder, mssql.ManifestFile)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", mssql.ManifestFile, err)
	}
	var m mssql.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read %s: %w", mssql.ManifestFile, err)
	}
	return &m, nil
}

// Load restores the database folder into the database db is connected to,
// which must hold no user objects unless opts.Force (or a resumed
// restore): the manifest's files in their order, the data files (one per
// table) all where the first of them is, opts.Parallel at once, each table
// by bulk copy where it can (see the package documentation). First it
// reads the target server's version: a server too old for the snapshot
// is refused (ErrTargetVersion), one older than the source warned about
// (opts.Warn). It stops at the first error: a batch the target refuses
// (*BatchError), a permission the login lacks (*PermissionError, in a
// *BatchError for a script's batch), a table that fails to load (the
// error names it). When it completes, the state file (opts.State) is
// removed.
func Load(ctx context.Context, db *sql.DB, folder fs.FS, opts Options) (*Summary, error) {
	start := time.Now()
	m, err := ReadManifest(folder)
	if err != nil {
		return nil, err
	}
	if err := CheckTarget(ctx, db, m, opts.Warn); err != nil {
		return nil, err
	}
	resumed := opts.State != nil && opts.State.resumed
	if !opts.Force && !resumed {
		var n int
		if err := db.QueryRowContext(ctx, qUserObjects).Scan(&n); err != nil {
			return nil, fmt.Errorf("check that the target database is empty: %s", serverError(err))
		}
		if n > 0 {
			return nil, fmt.Errorf("%w: it holds %d user objects; restore into a new or empty database", ErrNotEmpty, n)
		}
	}
	sum := &Summary{Database: m.Database.Name}
	byFile := map[string]mssql.TableEntry{}
	for _, te := range m.Tables {
		if te.File != "" {
			byFile[te.File] = te
		}
	}
	loaded := false
	for _, f := range m.Files {
		if _, ok := byFile[f]; ok {
			if !loaded {
				loaded = true
				tables, err := loadTables(ctx, db, folder, m, opts)
				sum.Tables = tables
				for _, t := range tables {
					sum.Rows += t.Rows
					sum.Bytes += t.Bytes
				}
				if err != nil {
					return sum, err
				}
			}
			continue
		}
		if err := runScript(ctx, db, folder, f, opts.State, opts.Message); err != nil {
			return sum, err
		}
	}
	sum.Duration = time.Since(start)
	return sum, opts.State.Remove()
}

// runScript runs the batches of a script file on one connection, in
// order (the file's SET options hold for the session), skipping those a
// resumed restore ran but the file header's two (the encoding check and
// the SET options), which set the session up again.
func runScript(ctx context.Context, db *sql.DB, folder fs.FS, file string, st *State, msg func(string, int, string)) error {
	done := st.batchesRun(file)
	if done < 0 {
		return nil
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("%s: connect: %s", file, serverError(err))
	}
	defer conn.Close()
	f, err := folder.Open(file)
	if err != nil {
		return fmt.Errorf("open %s: %w", file, err)
	}
	defer f.Close()
	br := newBatchReader(f)
	const header = 2
	for i := 0; br.next(); i++ {
		if i >= header && i < done {
			continue
		}
		if err := runBatch(ctx, conn, file, br.cur, msg); err != nil {
			return err
		}
		if i >= done {
			if err := st.setBatches(file, i+1); err != nil {
				return err
			}
		}
	}
	if br.err != nil {
		return fmt.Errorf("read %s: %w", file, br.err)
	}
	return st.setBatches(file, -1)
}

// runBatch runs one batch of a script file on conn (execBatch), handing
// its messages to msg; a refused batch is a *BatchError.
func runBatch(ctx context.Context, conn *sql.Conn, file string, b batch, msg func(string, int, string)) error {
	var onMsg func(string)
	if msg != nil {
		onMsg = func(text string) { msg(file, b.line, text) }
	}
	err := execBatch(ctx, conn, b.text, onMsg)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if pe := permissionError(err, "", "", ""); pe != nil {
		err = pe
	}
	return &BatchError{File: file, Line: b.line, Object: b.object, Err: err}
}

// loadTables loads the tables with data files, opts.Parallel at once,
// the edge tables after all others (their edges find their ends in the
// node tables); the first error stops the others.
func loadTables(ctx context.Context, db *sql.DB, folder fs.FS, m *mssql.Manifest, opts Options) ([]Table, error) {
	var entries []mssql.TableEntry
	for _, te := range m.Tables {
		if te.File != "" {
			entries = append(entries, te)
		}
	}
	out := make([]Table, len(entries))
	par := opts.Parallel
	if par <= 0 {
		par = DefaultParallel
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	// Edges find their ends by subqueries over the node tables: they are
	// loaded after every other table is.
	var phases [2][]int
	for i, te := range entries {
		if te.Edge {
			phases[1] = append(phases[1], i)
		} else {
			phases[0] = append(phases[0], i)
		}
	}
	for _, phase := range phases {
		if ctx.Err() != nil {
			break
		}
		next := make(chan int)
		for w := 0; w < min(par, len(phase)); w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					t, err := loadTable(ctx, db, folder, entries[i], m.Database.Collation, opts)
					out[i] = t
					if err != nil {
						mu.Lock()
						if firstErr == nil {
							firstErr = err
						}
						mu.Unlock()
						cancel()
					}
				}
			}()
		}
	feed:
		for _, i := range phase {
			select {
			case next <- i:
			case <-ctx.Done():
				break feed
			}
		}
		close(next)
		wg.Wait()
	}
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	return out, firstErr
}

// loadTable loads one table, by bulk copy where it can, else by running
// its data file; a table a stopped restore had started is emptied first
// (TRUNCATE TABLE).
func loadTable(ctx context.Context, db *sql.DB, folder fs.FS, te mssql.TableEntry, dbCollation string, opts Options) (Table, error) {
	t := Table{Name: te.Name, Method: "bulk copy", Bytes: te.Bytes}
	cols, why := bulkColumns(te, dbCollation)
	if opts.Script {
		why = "loading by script was asked for"
	}
	if why != "" {
		t.Method, t.Why = "script", why
	}
	if opts.State.table(te.Name) == tableDone {
		t.Rows, t.Read, t.Resumed, t.Done = te.Rows, te.Bytes, true, true
		if opts.Progress != nil {
			opts.Progress(t)
		}
		return t, nil
	}
	start := time.Now()
	progress := func() {
		if opts.Progress != nil {
			opts.Progress(t)
		}
	}
	progress()
	fail := func(err error) (Table, error) {
		t.Duration = time.Since(start)
		var pe *PermissionError
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) || errors.As(err, &pe) && pe.On != "" {
			return t, err // a permission error names the table
		}
		return t, fmt.Errorf("table %s: %w", mssql.DisplayText(te.Name), err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fail(fmt.Errorf("connect: %s", serverError(err)))
	}
	defer conn.Close()
	if opts.State.table(te.Name) == tableStarted {
		// A memory-optimized table refuses TRUNCATE TABLE (error 10794).
		stmt, perm := "TRUNCATE TABLE "+te.Name+";", "ALTER"
		if te.MemoryOptimized {
			stmt, perm = "DELETE FROM "+te.Name+";", "DELETE"
		}
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			if pe := permissionError(err, perm, "on "+mssql.DisplayText(te.Name), "needed to empty it before loading it again"); pe != nil {
				return fail(pe)
			}
			return fail(fmt.Errorf("empty it before loading it again: %s", serverError(err)))
		}
	}
	if err := opts.State.setTable(te.Name, tableStarted); err != nil {
		return fail(err)
	}
	if t.Method == "script" {
		if err := runDataScript(ctx, conn, folder, te.File, &t, progress, opts.Message); err != nil {
			return fail(err)
		}
		t.Rows = te.Rows
	} else if err := bulkLoad(ctx, conn, folder, te, cols, &t, progress); err != nil {
		return fail(err)
	}
	if err := opts.State.setTable(te.Name, tableDone); err != nil {
		return fail(err)
	}
	t.Duration, t.Done = time.Since(start), true
	progress()
	return t, nil
}

// bulkColumns returns the columns of a table to load by bulk copy, or
// why it is loaded by script. A character column without a collation of
// its own (of an alias type) has the database's, which schema.sql gives
// the target database (dbCollation).
func bulkColumns(te mssql.TableEntry, dbCollation string) ([]*mssql.Column, string) {
	if te.Edge {
		return nil, "an edge table: its rows find their ends by subqueries"
	}
	cols, err := te.DataColumns()
	if errors.Is(err, mssql.ErrNoColumns) {
		return nil, "the manifest does not record its columns (a snapshot of an older sqlvault)"
	}
	if err != nil {
		return nil, err.Error()
	}
	if len(cols) == 0 {
		return nil, "no columns to load"
	}
	for _, c := range cols {
		if c.Collation == "" {
			c.Collation = dbCollation
		}
		if err := mssql.BulkLoadable(c); err != nil {
			return nil, err.Error()
		}
	}
	return cols, ""
}

// runDataScript runs a data file's batches on conn, as sqlcmd would (its
// #sqlvault_lob temp table lives in the session), counting what it read
// in t.Read for progress.
func runDataScript(ctx context.Context, conn *sql.Conn, folder fs.FS, file string, t *Table, progress func(), msg func(string, int, string)) error {
	f, err := folder.Open(file)
	if err != nil {
		return fmt.Errorf("open %s: %w", file, err)
	}
	defer f.Close()
	cr := &countingReader{r: f}
	br := newBatchReader(cr)
	last := int64(0)
	for br.next() {
		if err := runBatch(ctx, conn, file, br.cur, msg); err != nil {
			return err
		}
		if t.Read = cr.n; t.Read-last >= progressBytes {
			last = t.Read
			progress()
		}
	}
	if br.err != nil {
		return fmt.Errorf("read %s: %w", file, br.err)
	}
	return nil
}

// bulkLoad reads a data file and loads its rows with one CopyIn (one
// INSERT BULK: a load that fails stores nothing) WITH (KEEP_NULLS,
// TABLOCK): every column of the file is listed, the identity column too,
// so that identity values are kept as SET IDENTITY_INSERT keeps them, and
// KEEP_NULLS stores NULL where the INSERT does rather than the column's
// default. No CHECK_CONSTRAINTS or FIRE_TRIGGERS: like the INSERTs, the
// load runs before post-data.sql creates check constraints, foreign keys
// and triggers. The rows are hashed as read and must give the manifest's
// row count and content hash.
func bulkLoad(ctx context.Context, conn *sql.Conn, folder fs.FS, te mssql.TableEntry, cols []*mssql.Column, t *Table, progress func()) error {
	f, err := folder.Open(te.File)
	if err != nil {
		return fmt.Errorf("open %s: %w", te.File, err)
	}
	defer f.Close()
	cr := &countingReader{r: f}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	stmt, err := conn.PrepareContext(ctx, gomssql.CopyIn(te.Name, gomssql.BulkOptions{KeepNulls: true, Tablock: true}, names...))
	if err != nil {
		return fmt.Errorf("bulk copy: %s", serverError(err))
	}
	defer stmt.Close()
	hasher := mssql.NewRowHasher(mssql.ColumnTypes(cols))
	args := make([]any, len(cols))
	var loadErr error
	lastRows, lastRead := int64(0), int64(0)
	_, err = mssql.ReadDataFile(cr, te.Name, cols, func(vals []any) error {
		if err := hasher.Add(vals); err != nil {
			return err
		}
		for i, v := range vals {
			bv, err := mssql.BulkValue(cols[i].Type, cols[i].Collation, v)
			if err != nil {
				return fmt.Errorf("column %s: %w", mssql.DisplayText(cols[i].Name), err)
			}
			args[i] = bv
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			loadErr = err
			return err
		}
		t.Rows++
		if t.Read = cr.n; t.Rows-lastRows >= progressRows || t.Read-lastRead >= progressBytes {
			lastRows, lastRead = t.Rows, t.Read
			progress()
		}
		return nil
	})
	if loadErr != nil {
		if pe := bulkPermissionError(loadErr, te); pe != nil {
			return pe
		}
		return fmt.Errorf("bulk copy failed after %d rows: %s", t.Rows, serverError(loadErr))
	}
	if err != nil {
		return err
	}
	res, err := stmt.ExecContext(ctx)
	if err != nil {
		if pe := bulkPermissionError(err, te); pe != nil {
			return pe
		}
		return fmt.Errorf("bulk copy failed after %d rows: %s", t.Rows, serverError(err))
	}
	if n, err := res.RowsAffected(); err == nil && n != t.Rows {
		return fmt.Errorf("bulk copy: the server stored %d rows of %d", n, t.Rows)
	}
	if t.Rows != te.Rows || te.ContentHash != "" && hasher.Sum() != te.ContentHash {
		return fmt.Errorf("%w: %d rows hashing to %s, the manifest records %d rows, %s", ErrContentHash, t.Rows, hasher.Sum(), te.Rows, te.ContentHash)
	}
	return nil
}

// bulkPermissionError is permissionError for a bulk load of a table: it
// needs INSERT on the table, and ALTER as it keeps identity values (it
// lists the identity column; 1088 says ALTER is missing).
func bulkPermissionError(err error, te mssql.TableEntry) error {
	on := "on " + mssql.DisplayText(te.Name)
	pe := permissionError(err, "INSERT", on, "")
	if p, ok := pe.(*PermissionError); ok && p.Err.Number == 1088 {
		p.Why = "needed to keep its identity values in a bulk load"
	}
	return pe
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
