package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/mssql"
	"github.com/sqlvault/sqlvault/repo"
	"github.com/sqlvault/sqlvault/snapshot"
)

// sourceSQLServer is the source kind of database snapshots.
const sourceSQLServer = "sqlserver"

// sqlServerFlags are the options of commands that read SQL Server.
func sqlServerFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "database", Usage: "SQL Server: database `NAME` (repeat for several; adds to ?database= of the URL)"},
		&cli.BoolFlag{Name: "all-databases", Usage: "SQL Server: every online user database of the server"},
		&cli.StringFlag{Name: "mssql-password-file", EnvVars: []string{"SQLVAULT_MSSQL_PASSWORD_FILE"}, Usage: "SQL Server: read the login's password from `FILE` (or set SQLVAULT_MSSQL_PASSWORD)"},
		&cli.BoolFlag{Name: "allow-inconsistent", Usage: "SQL Server: read without a snapshot when neither snapshot isolation nor a database snapshot is available"},
		&cli.BoolFlag{Name: "allow-masked-data", Usage: "SQL Server: back up tables the login reads masked (dynamic data masking without UNMASK) or filtered (row-level security) as it reads them; they are listed in the manifest and the backup is incomplete"},
		&cli.BoolFlag{Name: "keep-filegroups", Usage: "SQL Server: create tables, indexes and partition schemes on the filegroups of the source, which the target database must have (default: all on the default filegroup)"},
		&cli.DurationFlag{Name: "connect-timeout", Value: 30 * time.Second, Usage: "SQL Server: give up connecting after `DURATION`"},
	}
}

// sqlServerJob is what a command needs to read databases of one server.
type sqlServerJob struct {
	src       *mssql.Source
	password  string
	databases []string
	timeout   time.Duration
	opts      mssql.Options
}

// newSQLServerJob parses the URL and the SQL Server flags.
func newSQLServerJob(c *cli.Context, g *globals, rawURL string) (*sqlServerJob, error) {
	src, err := mssql.ParseURL(rawURL)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	pw, err := sqlServerPassword(c, g, src)
	if err != nil {
		return nil, err
	}
	j := &sqlServerJob{src: src, password: pw, timeout: c.Duration("connect-timeout")}
	for _, d := range append(append([]string(nil), src.Databases...), c.StringSlice("database")...) {
		if d != "" && !slices.Contains(j.databases, d) {
			j.databases = append(j.databases, d)
		}
	}
	all := c.Bool("all-databases")
	switch {
	case all && len(j.databases) > 0:
		return nil, usageErr("use either --all-databases or database names, not both")
	case all:
		dbs, err := j.listDatabases(c.Context)
		if err != nil {
			return nil, withCode(exitSource, err)
		}
		if len(dbs) == 0 {
			return nil, withCode(exitSource, fmt.Errorf("%s: the server has no online user database", src.Location("")))
		}
		j.databases = dbs
	case len(j.databases) == 0:
		return nil, usageErr("no database given: add ?database=NAME to the URL, or use --database NAME or --all-databases")
	}
	j.opts = mssql.Options{
		Source:            src,
		AllowInconsistent: c.Bool("allow-inconsistent"),
		AllowMaskedData:   c.Bool("allow-masked-data"),
		KeepFilegroups:    c.Bool("keep-filegroups"),
		OpenDatabase: func(ctx context.Context, name string) (*sql.DB, error) {
			return mssql.Connect(ctx, src, name, pw, j.timeout)
		},
	}
	return j, nil
}

// sqlServerPassword finds the login's password: SQLVAULT_MSSQL_PASSWORD,
// then --mssql-password-file, then the URL (discouraged).
func sqlServerPassword(c *cli.Context, g *globals, src *mssql.Source) (string, error) {
	if p, ok := os.LookupEnv("SQLVAULT_MSSQL_PASSWORD"); ok && p != "" {
		return p, nil
	}
	if f := c.String("mssql-password-file"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", usageErr("read SQL Server password file: %v", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	if src.HasPassword {
		g.warnf("the SQL Server password is in the URL, where other users can see it in the process list: use SQLVAULT_MSSQL_PASSWORD or --mssql-password-file")
		return src.Password, nil
	}
	return "", usageErr("no SQL Server password given: set SQLVAULT_MSSQL_PASSWORD or use --mssql-password-file")
}

// listDatabases asks the server for its online user databases.
func (j *sqlServerJob) listDatabases(ctx context.Context) ([]string, error) {
	db, err := mssql.Connect(ctx, j.src, "master", j.password, j.timeout)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return mssql.ListDatabases(ctx, db, j.src)
}

// script scripts one database into sink.
func (j *sqlServerJob) script(ctx context.Context, g *globals, name string, sink mssql.Sink, opts mssql.Options) (*mssql.Manifest, error) {
	db, err := mssql.Connect(ctx, j.src, name, j.password, j.timeout)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	opts.Database = name
	if opts.Warn == nil {
		opts.Warn = func(what string, err error) { g.warnf("%s: %v", what, err) }
	}
	if g.verbose && opts.Progress == nil {
		opts.Progress = scriptVerbose(func(line string) { g.verbosef("%s", line) })
	}
	return mssql.Script(ctx, db, sink, opts)
}

// scriptVerbose returns the mssql.Options.Progress of --verbose: a line
// per table when it is done, and one a second for a table in progress.
func scriptVerbose(println func(string)) func(mssql.Progress) {
	last := time.Time{}
	return func(p mssql.Progress) {
		p.Table = mssql.DisplayText(p.Table)
		if p.TableDone {
			println(fmt.Sprintf("  [%d/%d] %s: %d rows, %s; total %d rows, %s of T-SQL", p.TablesDone, p.TablesTotal, p.Table,
				p.TableRows, formatBytes(p.TableBytes), p.Rows, formatBytes(p.Bytes)))
			return
		}
		if time.Since(last) > time.Second {
			last = time.Now()
			println(fmt.Sprintf("  [%d/%d] %s: %d rows so far; total %d rows, %s of T-SQL", p.TablesDone, p.TablesTotal, p.Table,
				p.TableRows, p.Rows, formatBytes(p.Bytes)))
		}
	}
}

// scriptProgress keeps the latest progress of a database being scripted
// for the status block and status lines.
type scriptProgress struct {
	database string
	counters *snapshot.Counters
	mu       sync.Mutex
	last     mssql.Progress
}

func (s *scriptProgress) update(p mssql.Progress) {
	s.mu.Lock()
	s.last = p
	s.mu.Unlock()
}

func (s *scriptProgress) status() statusMsg {
	s.mu.Lock()
	p := s.last
	s.mu.Unlock()
	st := statusMsg{FilesDone: s.counters.Files.Load(), BytesDone: p.Bytes, BytesAdded: s.counters.BytesAdded.Load(),
		ErrorCount: s.counters.Errors.Load(), Database: s.database, Table: mssql.DisplayText(p.Table),
		TablesDone: &p.TablesDone, TablesTotal: &p.TablesTotal, RowsDone: &p.Rows}
	if p.TableDone {
		st.Table = ""
	}
	return st
}

// scriptLines are the status block of a database backup: the tables,
// rows and bytes of T-SQL so far, the rate and what was added to the
// repository; then the table being read.
func scriptLines(st statusMsg, elapsed time.Duration) []string {
	line := fmt.Sprintf("[%s] database %s: %d of %d tables, %d rows, %s of T-SQL", elapsedText(elapsed), st.Database,
		*st.TablesDone, *st.TablesTotal, *st.RowsDone, formatBytes(st.BytesDone))
	if rate, _, ok := rateETA(st.BytesDone, -1, elapsed); ok {
		line += ", " + formatBytes(int64(rate)) + "/s"
	}
	lines := []string{line + "; " + formatBytes(st.BytesAdded) + " added"}
	if st.Table != "" {
		lines = append(lines, "  "+st.Table)
	}
	return lines
}

// runSQLServerBackup backs up each database into a snapshot of its own.
func runSQLServerBackup(c *cli.Context, g *globals, rawURL string, tags []string, host string) error {
	ctx := c.Context
	if c.Bool("stdin") || c.Bool("stdin-from-command") || c.NArg() != 1 {
		return usageErr("a SQL Server backup takes one sqlserver:// URL and no paths, --stdin or --stdin-from-command")
	}
	job, err := newSQLServerJob(c, g, rawURL)
	if err != nil {
		return err
	}
	r, unlock, err := g.openRepo(ctx, sharedLock, true)
	if err != nil {
		return err
	}
	defer unlock()
	sns, _, err := g.listSnapshots(ctx, r)
	if err != nil {
		return err
	}
	var firstErr error
	failed := 0
	for _, name := range job.databases {
		if err := backupDatabase(ctx, c, g, r, job, sns, name, tags, host); err != nil {
			if ctx.Err() != nil {
				return err
			}
			if len(job.databases) > 1 {
				g.warnItem(nil, g.stdout, "database "+mssql.DisplayText(name), err)
			}
			failed++
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	if firstErr != nil && len(job.databases) > 1 {
		return fmt.Errorf("%d of %d databases were not backed up completely (see above); first problem: %w", failed, len(job.databases), firstErr)
	}
	return firstErr
}

// backupDatabase scripts one database into a new snapshot. Nothing is
// committed unless the whole database was read. The database's name, from
// the server with --all-databases, is shown as mssql.DisplayText renders
// it, as the names in the scripter's warnings are.
func backupDatabase(ctx context.Context, c *cli.Context, g *globals, r *repo.Repository, job *sqlServerJob, sns []*snapshot.Snapshot, name string, tags []string, host string) (err error) {
	paths := []string{job.src.Location(name)}
	shown := mssql.DisplayText(name)
	sp := &scriptProgress{database: shown, counters: new(snapshot.Counters)}
	progress := g.newProgress(g.jsonLine, sp.status, scriptLines)
	opts := snapshot.Options{Tags: tags, Hostname: host, Program: "sqlvault " + programVersion(), NoDelta: c.Bool("no-delta"),
		Items: "tables", Warn: func(p string, err error) { g.warnItem(progress, g.stdout, p, err) }, Counters: sp.counters}
	if !c.Bool("force") {
		opts.Parent = g.readableParent(ctx, r, snapshot.ParentCandidates(sns, host, sourceSQLServer, paths))
	}
	b := snapshot.NewBuilder(r, opts)
	defer func() {
		if err != nil && !errors.Is(err, snapshot.ErrIncomplete) {
			r.Abort() // drop the pack being written; nothing is committed
		}
	}()
	mopts := job.opts
	mopts.Warn = func(what string, err error) {
		// Only data missing from the snapshot makes it incomplete (exit
		// 3): a table that is not scripted (mssql.Unscripted.DataMissing),
		// data read masked or filtered. Every other object reported is a
		// warning, listed under unscripted in the manifest.
		if errors.Is(err, mssql.ErrDataMissing) || errors.Is(err, mssql.ErrFilteredData) {
			b.Warn(shown+": "+what, err)
			return
		}
		g.warnItem(progress, g.stdout, shown+": "+what, err)
	}
	verbose := func(mssql.Progress) {}
	if g.verbose && !g.json {
		verbose = scriptVerbose(func(line string) { g.verboseLine(progress, line) })
	}
	mopts.Progress = func(p mssql.Progress) {
		sp.update(p)
		verbose(p)
	}
	if !g.json {
		g.infof("backing up database %s from %s", shown, job.src.Location(""))
	}
	progress.Start()
	m, err := job.script(ctx, g, name, mssql.PrefixSink{Prefix: mssql.DatabaseFolder(name), Sink: b}, mopts)
	progress.Stop()
	if err != nil {
		var se *mssql.SourceError
		if errors.As(err, &se) {
			return withCode(exitSource, fmt.Errorf("%w (no snapshot was written)", maskedDataHint(err)))
		}
		return describe(fmt.Errorf("database %s: %w (no snapshot was written)", shown, err))
	}
	sn, err := b.Commit(ctx, paths, sourceSQLServer)
	if err != nil && !errors.Is(err, snapshot.ErrIncomplete) {
		return describe(err)
	}
	if g.json {
		sum := sqlSummaryMsg{backupSummaryMsg: newBackupSummary(sn), Database: name, Tables: m.Totals.Tables, Rows: m.Totals.Rows,
			TSQLBytes: m.Totals.Bytes, Consistency: m.Consistency}
		if jerr := g.jsonLine(sum); jerr != nil {
			return jerr
		}
	} else {
		printDatabaseSummary(g, sn, m, shown)
	}
	if err != nil && len(m.FilteredTables) > 0 {
		return fmt.Errorf("%w: snapshot %s lacks the data of tables or holds it as the login reads it, as listed above (see unscripted and filtered_tables in its manifest.json)", err, sn.ID().Str())
	}
	if err != nil {
		return fmt.Errorf("%w: snapshot %s lacks the data of the tables listed above (see unscripted in its manifest.json)", err, sn.ID().Str())
	}
	return nil
}

// printDatabaseSummary prints what the backup of a database stored.
func printDatabaseSummary(g *globals, sn *snapshot.Snapshot, m *mssql.Manifest, shown string) {
	s := sn.Summary
	g.infof("snapshot %s saved: database %s, %d tables, %d rows, %s of T-SQL (consistency: %s); %s added to the repository in %s",
		sn.ID().Str(), shown, m.Totals.Tables, m.Totals.Rows, formatBytes(m.Totals.Bytes), m.Consistency,
		formatBytes(s.BytesAdded), s.End.Sub(s.Start).Round(time.Millisecond))
	if note := needsLoginsNote(m); note != "" {
		g.infof("database %s: %s", shown, note)
	}
	if note := leftOutNote(m); note != "" {
		g.infof("database %s: %s", shown, note)
	}
}

// leftOutNote says how many objects were left out because they depend on
// what the options (--tables, --exclude-table) leave out (manifest
// left_out), or "" when none were. It is a note, not a warning: the copy
// is what the options asked for, and the exit code does not change.
func leftOutNote(m *mssql.Manifest) string {
	if len(m.LeftOut) == 0 {
		return ""
	}
	return fmt.Sprintf("%d object(s) depend on what the options leave out and were left out too (left_out in manifest.json)", len(m.LeftOut))
}

// maskedDataHint adds to the error for data the login would read masked
// or filtered the flag that allows it.
func maskedDataHint(err error) error {
	if errors.Is(err, mssql.ErrFilteredData) {
		return fmt.Errorf("%w (--allow-masked-data)", err)
	}
	return err
}

// needsLoginsNote says which server logins the restore of a scripted
// database needs for its users mapped to logins (manifest needs_logins),
// or "" when it needs none. It is a note, not a warning: such users do not
// make a snapshot incomplete, and on a server without the login the
// restore skips the user and what depends on it.
func needsLoginsNote(m *mssql.Manifest) string {
	var logins []string
	for _, l := range m.NeedsLogins {
		if login := mssql.DisplayText(l.Login); !slices.Contains(logins, login) {
			logins = append(logins, login)
		}
	}
	if len(logins) == 0 {
		return ""
	}
	const most = 5
	list := strings.Join(logins[:min(len(logins), most)], ", ")
	if len(logins) > most {
		list += fmt.Sprintf(" and %d more", len(logins)-most)
	}
	return fmt.Sprintf("%d user(s) mapped to server logins are created on restore only where the login exists (needs_logins in manifest.json): %s",
		len(m.NeedsLogins), list)
}
