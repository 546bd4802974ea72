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
	if _, err := load.ReadManifest(files); err != nil {
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
	if c.Bool("create-database") && !c.Bool("resume") {
		master, err := mssql.Connect(ctx, dst, "master", pw, timeout)
		if err != nil {
			return withCode(exitSource, err)
		}
		err = load.CreateDatabase(ctx, master, newDB, c.String("collation"))
		master.Close()
		if err != nil {
			return err
		}
	}
	db, err := mssql.Connect(ctx, dst, newDB, pw, timeout)
	if err != nil {
		return withCode(exitSource, err)
	}
	defer db.Close()
	shown := mssql.DisplayText(name)
	g.infof("restoring database %s of snapshot %s into %s", shown, sn.ID().Str(), dst.Location(newDB))
	opts := load.Options{Parallel: c.Int("parallel"), Force: c.Bool("force"), State: state}
	if g.verbose {
		opts.Progress = func(t load.Table) {
			if t.Done {
				g.verbosef("  %s: %d rows, %s (%s) in %s", mssql.DisplayText(t.Name), t.Rows, formatBytes(t.Bytes), t.Method, t.Duration.Round(time.Millisecond))
			}
		}
	}
	sum, err := load.Load(ctx, db, files, opts)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		switch {
		case errors.Is(err, load.ErrNotEmpty):
			return fmt.Errorf("%s: %w (--create-database makes a new one; --force restores into it anyway)", dst.Location(newDB), err)
		case state != nil && !errors.Is(err, load.ErrContentHash):
			return fmt.Errorf("%w; the restore stopped: run the same command with --resume to continue where it stopped", err)
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
		shown, sn.ID().Str(), dst.Location(newDB), len(sum.Tables), sum.Rows, sum.Duration.Round(time.Millisecond))
	return nil
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
