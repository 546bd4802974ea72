package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/mssql"
	"github.com/sqlvault/sqlvault/mssql/load"
	"github.com/sqlvault/sqlvault/repo"
	"github.com/sqlvault/sqlvault/snapshot"
)

// restoreToFlags are the options of restore --to.
func restoreToFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "to", Usage: "SQL Server: restore the snapshot's database straight into the database of `URL` (sqlserver://user@host[/instance]?database=NEW)"},
		&cli.BoolFlag{Name: "create-database", Usage: "SQL Server: create the --to database first (CREATE DATABASE)"},
		&cli.StringFlag{Name: "collation", Usage: "SQL Server: with --create-database, create it with collation `NAME`"},
		&cli.IntFlag{Name: "parallel", Value: load.DefaultParallel, Usage: "SQL Server: load `N` tables at once"},
		&cli.BoolFlag{Name: "resume", Usage: "SQL Server: continue a restore --to that stopped, skipping what it finished"},
		&cli.BoolFlag{Name: "force", Usage: "SQL Server: restore into a --to database that holds user objects"},
		&cli.StringFlag{Name: "state", Usage: "SQL Server: keep the journal of restore --to in `FILE` (default: in the user cache folder)"},
		&cli.StringFlag{Name: "mssql-password-file", EnvVars: []string{"SQLVAULT_MSSQL_PASSWORD_FILE"}, Usage: "SQL Server: read the --to login's password from `FILE` (or set SQLVAULT_MSSQL_PASSWORD)"},
		&cli.DurationFlag{Name: "connect-timeout", Value: 30 * time.Second, Usage: "SQL Server: give up connecting after `DURATION`"},
	}
}

// restoreToServer restores the database of a SQL Server snapshot into the
// database --to names (package load): schema.sql's batches, the tables
// bulk-loaded, post-data.sql and security.sql.
func restoreToServer(c *cli.Context, g *globals, r *repo.Repository, sn *snapshot.Snapshot) error {
	ctx := c.Context
	name := databaseName(sn)
	if name == "" {
		return usageErr("snapshot %s is not of a SQL Server database: restore --to takes a database snapshot", sn.ID().Str())
	}
	dst, err := mssql.ParseURL(c.String("to"))
	if err != nil {
		return usageErr("--to: %v", err)
	}
	if len(dst.Databases) != 1 {
		return usageErr("--to needs one database to restore into: sqlserver://user@host?database=NEW")
	}
	newDB := dst.Databases[0]
	if c.String("collation") != "" && !c.Bool("create-database") {
		return usageErr("--collation goes with --create-database")
	}
	pw, err := sqlServerPassword(c, g, dst)
	if err != nil {
		return err
	}
	folder := mssql.DatabaseFolder(name)
	files := &snapshotFS{ctx: ctx, r: r, sn: sn, dir: folder}
	m, err := load.ReadManifest(files)
	if err != nil {
		return describe(fmt.Errorf("snapshot %s: database %s: %w", sn.ID().Str(), mssql.DisplayText(name), err))
	}
	key := fmt.Sprintf("snapshot %s, database %s, into %s", sn.ID().Str(), mssql.DisplayText(name), dst.Location(newDB))
	statePath := c.String("state")
	if statePath == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return usageErr("no user cache folder for the restore's journal (%v): use --state FILE", err)
		}
		sum := sha256.Sum256([]byte(key))
		statePath = filepath.Join(dir, "sqlvault", "restore", hex.EncodeToString(sum[:8])+".json")
	}
	var state *load.State
	if c.Bool("resume") {
		if state, err = load.ResumeState(statePath, key); err != nil {
			return fmt.Errorf("%w: nothing to resume; run restore --to without --resume", err)
		}
	} else {
		state = load.NewState(statePath, key)
	}
	timeout := c.Duration("connect-timeout")
	where := dst.Location(newDB)
	if c.Bool("create-database") && !c.Bool("resume") {
		master, err := mssql.Connect(ctx, dst, "master", pw, timeout)
		if err != nil {
			return withCode(exitSource, err)
		}
		err = load.CheckTarget(ctx, master, m, nil) // before the database is made
		if err == nil {
			err = load.CreateDatabase(ctx, master, newDB, c.String("collation"))
		}
		master.Close()
		var pe *load.PermissionError
		switch {
		case errors.As(err, &pe):
			return withCode(exitSource, fmt.Errorf("%s: %w; grant it, or restore as a login that has it, or into a database made for you without --create-database", where, err))
		case errors.Is(err, load.ErrTargetVersion):
			return withCode(exitSource, fmt.Errorf("%s: %w", where, err))
		case err != nil:
			return err
		}
	}
	db, err := mssql.Connect(ctx, dst, newDB, pw, timeout)
	if err != nil {
		return withCode(exitSource, err)
	}
	defer db.Close()
	shown := mssql.DisplayText(name)
	g.infof("restoring database %s of snapshot %s into %s", shown, sn.ID().Str(), where)
	opts, status := g.loadOptions(m)
	opts.Parallel, opts.Force, opts.State = c.Int("parallel"), c.Bool("force"), state
	sum, err := load.Load(ctx, db, files, opts)
	status.Clear()
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		resume := ""
		if state != nil {
			resume = "; the restore stopped: run the same command with --resume to continue where it stopped"
		}
		var pe *load.PermissionError
		switch {
		case errors.Is(err, load.ErrNotEmpty):
			return fmt.Errorf("%s: %w (--create-database makes a new one; --force restores into it anyway)", where, err)
		case errors.Is(err, load.ErrTargetVersion):
			return withCode(exitSource, fmt.Errorf("%s: %w", where, err))
		case errors.As(err, &pe):
			if resume != "" {
				resume = "; grant it and run the same command with --resume to continue where it stopped, or restore as a login that has it"
			} else {
				resume = "; grant it, or restore as a login that has it"
			}
			return withCode(exitSource, fmt.Errorf("%s: %w%s", where, err, resume))
		case !errors.Is(err, load.ErrContentHash):
			return fmt.Errorf("%w%s", err, resume)
		}
		return err
	}
	if g.json {
		return g.printJSON(sum)
	}
	for _, t := range sum.Tables {
		how := t.Method
		if t.Why != "" {
			how += ": " + t.Why
		}
		if t.Resumed {
			how += ", loaded before"
		}
		g.infof("  %s: %d rows, %s (%s)", mssql.DisplayText(t.Name), t.Rows, formatBytes(t.Bytes), how)
	}
	g.infof("restored database %s of snapshot %s into %s: %d tables, %d rows in %s",
		shown, sn.ID().Str(), where, len(sum.Tables), sum.Rows, sum.Duration.Round(time.Millisecond))
	return nil
}

// loadOptions returns the options of a restore into a server (load.Load)
// that show what it does: the status block of the tables in progress on
// a terminal (nil with --quiet; cleared by the caller when the load
// ends), the warnings, the server's messages, with --verbose each table
// when it is done.
func (g *globals) loadOptions(m *mssql.Manifest) (load.Options, *statusBlock) {
	var status *statusBlock
	if !g.quiet {
		status = newStatusBlock(g.stderr)
	}
	progress := newRestoreProgress(m, status)
	return load.Options{
		Warn: func(w string) { status.Println(g.stderr, "warning: "+safeLine(w)) },
		Message: func(file string, line int, text string) {
			// The scripts' own reports ("sqlvault: ... not set", "...
			// was not created") are warnings; other messages of the
			// server (a module's PRINT) are shown unless --quiet.
			if what, ok := strings.CutPrefix(text, "sqlvault: "); ok {
				status.Println(g.stderr, "warning: "+safeLine(fmt.Sprintf("%s:%d: %s", file, line, what)))
			} else if !g.quiet {
				status.Println(g.stderr, safeLine(fmt.Sprintf("server message (%s:%d): %s", file, line, text)))
			}
		},
		Progress: func(t load.Table) {
			progress.update(t)
			if t.Done && !t.Resumed && g.verbose && !g.quiet {
				status.Println(g.stderr, safeLine(fmt.Sprintf("  %s: %d rows, %s (%s) in %s", mssql.DisplayText(t.Name), t.Rows, formatBytes(t.Bytes), t.Method, t.Duration.Round(time.Millisecond))))
			}
		},
	}, status
}

// restoreProgress keeps the progress of restore --to's tables for its
// status block: one line per table in progress (rows, bytes, rate, ETA
// by bytes) and one for all tables.
type restoreProgress struct {
	status    *statusBlock
	rows      int64 // of all tables with data, from the manifest
	bytes     int64
	tables    int
	tableRows map[string]int64

	mu       sync.Mutex
	start    time.Time // of the first table
	active   []*tableProgress
	finished int
	doneRows int64 // of the finished tables
	doneRead int64
	resumed  int64 // bytes of the tables an earlier run loaded
}

type tableProgress struct {
	t     load.Table
	start time.Time
}

func newRestoreProgress(m *mssql.Manifest, status *statusBlock) *restoreProgress {
	p := &restoreProgress{status: status, tableRows: map[string]int64{}}
	for _, te := range m.Tables {
		if te.File != "" {
			p.tableRows[te.Name] = te.Rows
			p.rows += te.Rows
			p.bytes += te.Bytes
			p.tables++
		}
	}
	return p
}

// update takes a table's progress (load.Options.Progress) and redraws the
// status block.
func (p *restoreProgress) update(t load.Table) {
	if p.status == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if p.start.IsZero() {
		p.start = now
	}
	i := slices.IndexFunc(p.active, func(a *tableProgress) bool { return a.t.Name == t.Name })
	switch {
	case t.Done:
		if i >= 0 {
			p.active = slices.Delete(p.active, i, i+1)
		}
		p.finished++
		p.doneRows += t.Rows
		if t.Resumed {
			p.resumed += t.Bytes
		} else {
			p.doneRead += t.Bytes
		}
	case i < 0:
		p.active = append(p.active, &tableProgress{t: t, start: now})
	default:
		p.active[i].t = t
	}
	if len(p.active) == 0 {
		p.status.Set(nil, true)
		return
	}
	var lines []string
	rows, read := p.doneRows, p.doneRead
	for _, a := range p.active {
		lines = append(lines, "  "+mssql.DisplayText(a.t.Name)+": "+progressText(a.t.Rows, p.tableRows[a.t.Name], "rows", a.t.Read, a.t.Bytes, now.Sub(a.start)))
		rows += a.t.Rows
		read += a.t.Read
	}
	// The rate is of what this run read; the tables loaded before count
	// as done.
	total := progressText(rows, p.rows, "rows", read, p.bytes-p.resumed, now.Sub(p.start))
	lines = append(lines, fmt.Sprintf("  %d of %d tables, %s", p.finished, p.tables, total))
	p.status.Set(lines, t.Done || t.Rows == 0)
}

// snapshotFS reads the files of a folder of a snapshot (fs.FS); each file
// streams from the repository as it is read.
type snapshotFS struct {
	ctx context.Context
	r   *repo.Repository
	sn  *snapshot.Snapshot
	dir string
}

func (s *snapshotFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	n, err := snapshot.FindNode(s.ctx, s.r, s.sn.Tree, path.Join(s.dir, name))
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if n.Type != snapshot.TypeFile {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("not a file")}
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := snapshot.WriteContent(s.ctx, s.r, n.Content, pw)
		pw.CloseWithError(err)
	}()
	return &snapshotFile{PipeReader: pr, name: path.Base(name), size: int64(n.Size)}, nil
}

// snapshotFile is a file of snapshotFS.
type snapshotFile struct {
	*io.PipeReader
	name string
	size int64
}

func (f *snapshotFile) Stat() (fs.FileInfo, error) { return fileInfo{name: f.name, size: f.size}, nil }

type fileInfo struct {
	name string
	size int64
}

func (i fileInfo) Name() string       { return i.name }
func (i fileInfo) Size() int64        { return i.size }
func (i fileInfo) Mode() fs.FileMode  { return 0o400 }
func (i fileInfo) ModTime() time.Time { return time.Time{} }
func (i fileInfo) IsDir() bool        { return false }
func (i fileInfo) Sys() any           { return nil }
