package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/mssql"
	"github.com/sqlvault/sqlvault/repo"
	"github.com/sqlvault/sqlvault/snapshot"
	"github.com/sqlvault/sqlvault/snapshot/filter"
)

func backupCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "backup",
		Usage:     "back up files and directories, standard input, a command's output, or SQL Server databases",
		ArgsUsage: "PATH... | --stdin | --stdin-from-command -- CMD ARGS... | sqlserver://USER@HOST[:PORT][/INSTANCE]?database=NAME",
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "stdin", Usage: "read the content to back up from standard input"},
			&cli.StringFlag{Name: "stdin-filename", Value: "stdin", Usage: "file `NAME` for the content read from standard input or a command"},
			&cli.BoolFlag{Name: "stdin-from-command", Usage: "run the command after -- and back up its standard output; no snapshot unless it exits 0"},
			&cli.StringSliceFlag{Name: "tag", Usage: "add `TAG` to the snapshot (repeat or separate with commas)"},
			&cli.StringFlag{Name: "host", Usage: "record `HOST` instead of this machine's name"},
			&cli.StringFlag{Name: "parent", Usage: "compare with snapshot `ID` instead of the latest one of the same paths"},
			&cli.BoolFlag{Name: "force", Usage: "read every file, even those unchanged since the parent snapshot"},
			&cli.BoolFlag{Name: "no-delta", Usage: "store changed chunks in full, not as deltas against the parent snapshot"},
			&cli.StringSliceFlag{Name: "exclude", Aliases: []string{"e"}, Usage: "leave out files and folders matching `PATTERN` (repeat; * ? [..] per path part, ** for any folders, a leading / anchors it)"},
			&cli.StringSliceFlag{Name: "iexclude", Usage: "like --exclude `PATTERN`, ignoring case"},
			&cli.StringSliceFlag{Name: "exclude-file", Usage: "read exclude patterns from `FILE`, one per line (# starts a comment)"},
			&cli.StringSliceFlag{Name: "iexclude-file", Usage: "like --exclude-file `FILE`, ignoring case"},
			&cli.StringSliceFlag{Name: "files-from", Usage: "back up the paths listed in `FILE`, one per line (# starts a comment; - reads standard input)"},
			&cli.BoolFlag{Name: "exclude-caches", Usage: "leave out the contents of folders holding a CACHEDIR.TAG file (the tag file is kept)"},
			&cli.BoolFlag{Name: "one-file-system", Aliases: []string{"x"}, Usage: "do not cross into other file systems: mount points are stored as empty folders"},
		}, sqlServerFlags()...),
		Action: func(c *cli.Context) error { return runBackup(c, g) },
	}
}

func runBackup(c *cli.Context, g *globals) error {
	ctx := c.Context
	stdin, fromCmd := c.Bool("stdin"), c.Bool("stdin-from-command")
	args := c.Args().Slice()
	switch {
	case stdin && fromCmd:
		return usageErr("use either --stdin or --stdin-from-command, not both")
	case (stdin || fromCmd) && fileOnlyFlag(c) != "":
		return usageErr("--%s is for backups of files and folders, not of --stdin or --stdin-from-command", fileOnlyFlag(c))
	case stdin && len(args) > 0:
		return usageErr("--stdin takes no paths")
	case fromCmd && len(args) == 0:
		return usageErr("--stdin-from-command needs a command after --")
	}
	if !stdin && !fromCmd {
		listed, err := filesFrom(c, g)
		if err != nil {
			return err
		}
		args = append(args, listed...)
		if len(args) == 0 {
			if len(c.StringSlice("files-from")) > 0 {
				return usageErr("nothing to back up: --files-from lists no paths")
			}
			return usageErr("nothing to back up: give paths, --files-from FILE, --stdin or --stdin-from-command -- CMD")
		}
	}
	if fromCmd && args[0] == "--" {
		args = args[1:]
		if len(args) == 0 {
			return usageErr("--stdin-from-command needs a command after --")
		}
	}
	var tags []string
	for _, t := range c.StringSlice("tag") {
		for _, s := range strings.Split(t, ",") {
			if s = strings.TrimSpace(s); s != "" {
				tags = append(tags, s)
			}
		}
	}
	host := c.String("host")
	if host == "" {
		host, _ = os.Hostname()
	}
	if len(args) > 0 && mssql.IsURL(args[0]) {
		if f := fileOnlyFlag(c); f != "" {
			return usageErr("--%s is for backups of files and folders, not of SQL Server databases", f)
		}
		return runSQLServerBackup(c, g, args[0], tags, host)
	}
	excludes, err := excludeList(c)
	if err != nil {
		return err
	}
	r, unlock, err := g.openRepo(ctx, sharedLock, true)
	if err != nil {
		return err
	}
	defer unlock()

	counters := new(snapshot.Counters)
	stream := stdin || fromCmd
	progress := g.newProgress(g.jsonLine, func() statusMsg { return countersStatus(counters) },
		func(st statusMsg, elapsed time.Duration) []string { return backupLines(st, elapsed, stream) })
	opts := snapshot.Options{Tags: tags, Hostname: host, Program: "sqlvault " + programVersion(), NoDelta: c.Bool("no-delta"),
		Warn:          func(p string, err error) { g.warnItem(progress, g.stdout, p, err) },
		ExcludeCaches: c.Bool("exclude-caches"), OneFileSystem: c.Bool("one-file-system"),
		Counters: counters,
	}
	if len(excludes) > 0 {
		opts.Exclude = func(p string, _ fs.FileInfo) bool { return excludes.Match(p) }
	}
	if g.verbose && !g.json {
		opts.Progress = func(p string, size int64, unchanged bool) {
			state := "new"
			if unchanged {
				state = "unchanged"
			}
			g.verboseLine(progress, fmt.Sprintf("%-9s %s (%s)", state, p, formatBytes(size)))
		}
		opts.Skipped = func(p, why string) {
			g.verboseLine(progress, fmt.Sprintf("%-9s %s (%s: not stored)", "skipped", p, why))
		}
	}
	var paths []string
	source := snapshot.SourceFiles
	switch {
	case stdin:
		paths, source = []string{c.String("stdin-filename")}, snapshot.SourceStdin
	case fromCmd:
		paths, source = []string{c.String("stdin-filename")}, snapshot.SourceCommand
	default:
		for _, p := range args {
			if _, err := os.Lstat(p); err != nil {
				return fmt.Errorf("cannot back up %s: %w (nothing was backed up)", safeLine(p), errors.Unwrap(err))
			}
		}
		if paths, err = snapshot.CleanPaths(args); err != nil {
			return err
		}
	}
	sns, _, err := g.listSnapshots(ctx, r)
	if err != nil {
		return err
	}
	if spec := c.String("parent"); spec != "" {
		p, err := snapshot.Select(sns, spec)
		if err != nil {
			return withCode(exitUsage, fmt.Errorf("--parent: %w", err))
		}
		opts.Parent = p
	} else if !c.Bool("force") {
		opts.Parent = g.readableParent(ctx, r, snapshot.ParentCandidates(sns, host, source, paths))
	}
	if c.Bool("force") && source == snapshot.SourceFiles {
		opts.Parent = nil
	}

	if progress.active() && !stream {
		// The total for the ETA: a walk that only stats, next to the
		// backup, as restic's scanner.
		scanCtx, stopScan := context.WithCancel(ctx)
		scanned := make(chan struct{})
		go func() {
			defer close(scanned)
			sopts := opts
			sopts.Counters = nil
			_ = snapshot.Scan(scanCtx, args, sopts, counters)
		}()
		defer func() { stopScan(); <-scanned }()
	}
	progress.Start()
	var sn *snapshot.Snapshot
	switch {
	case stdin:
		sn, err = snapshot.BackupStream(ctx, r, paths[0], source, g.stdin, opts)
	case fromCmd:
		sn, err = backupCommandOutput(ctx, g, r, paths[0], args, opts)
	default:
		sn, err = snapshot.Backup(ctx, r, args, opts)
	}
	progress.Stop()
	if err != nil && !errors.Is(err, snapshot.ErrIncomplete) {
		return describe(err)
	}
	g.printRepoStats(r)
	if g.json {
		if jerr := g.jsonLine(newBackupSummary(sn)); jerr != nil {
			return jerr
		}
		if err != nil {
			return fmt.Errorf("%w: snapshot %s lacks them (see the error lines)", err, sn.ID().Str())
		}
		return nil
	}
	s := sn.Summary
	excluded := ""
	if s.Excluded > 0 {
		excluded = fmt.Sprintf(", %d excluded", s.Excluded)
	}
	g.infof("snapshot %s saved: %d new, %d changed, %d unchanged files%s; %s read, %s added to the repository in %s",
		sn.ID().Str(), s.FilesNew, s.FilesChanged, s.FilesUnchanged, excluded, formatBytes(s.BytesRead), formatBytes(s.BytesAdded),
		s.End.Sub(s.Start).Round(1e6))
	if err != nil {
		return fmt.Errorf("%w: snapshot %s lacks them (see the warnings above)", err, sn.ID().Str())
	}
	return nil
}

// backupCommandOutput runs a command and backs up its standard output. The
// snapshot is written only if the command exits 0.
func backupCommandOutput(ctx context.Context, g *globals, r *repo.Repository, name string, argv []string, opts snapshot.Options) (*snapshot.Snapshot, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stderr = g.stderr
	cmd.Stdin = nil
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, withCode(exitSource, fmt.Errorf("start %s: %w", argv[0], err))
	}
	waited := false
	opts.BeforeCommit = func() error {
		waited = true
		if err := cmd.Wait(); err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					return withCode(exitSource, fmt.Errorf("command %q was killed by signal %v: no snapshot was written", strings.Join(argv, " "), ws.Signal()))
				}
				return withCode(exitSource, fmt.Errorf("command %q exited with code %d: no snapshot was written", strings.Join(argv, " "), ee.ExitCode()))
			}
			return withCode(exitSource, fmt.Errorf("command %q: %w: no snapshot was written", strings.Join(argv, " "), err))
		}
		return nil
	}
	sn, err := snapshot.BackupStream(ctx, r, name, snapshot.SourceCommand, out, opts)
	if !waited {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	return sn, err
}

// readableParent returns the newest of cands whose trees can be read,
// warning about each damaged one it passes over.
func (g *globals) readableParent(ctx context.Context, r *repo.Repository, cands []*snapshot.Snapshot) *snapshot.Snapshot {
	return snapshot.ReadableParent(ctx, r, cands, func(sn *snapshot.Snapshot, err error) {
		g.warnf("parent snapshot %s cannot be read (%v): using an older one, or none (check and 'sqlvault repair snapshots' find what is damaged)", sn.ID().Str(), err)
	})
}

// fileOnlyFlag returns the name of a flag given that only backups of
// files take, or "".
func fileOnlyFlag(c *cli.Context) string {
	for _, f := range []string{"exclude", "iexclude", "exclude-file", "iexclude-file", "files-from", "exclude-caches", "one-file-system"} {
		if c.IsSet(f) {
			return f
		}
	}
	return ""
}

// excludeList gathers the patterns of --exclude, --iexclude,
// --exclude-file and --iexclude-file.
func excludeList(c *cli.Context) (filter.List, error) {
	var l filter.List
	add := func(flag string, texts []string, fold bool) error {
		if err := l.Add(texts, fold); err != nil {
			return usageErr("--%s: %v: use * ? [...] within a path part, ** for any number of folders", flag, err)
		}
		return nil
	}
	if err := add("exclude", c.StringSlice("exclude"), false); err != nil {
		return nil, err
	}
	if err := add("iexclude", c.StringSlice("iexclude"), true); err != nil {
		return nil, err
	}
	for _, flag := range []string{"exclude-file", "iexclude-file"} {
		for _, name := range c.StringSlice(flag) {
			lines, err := readListFile(name, nil)
			if err != nil {
				return nil, withCode(exitUsage, fmt.Errorf("--%s: %w", flag, err))
			}
			if err := add(flag+" "+name, lines, flag == "iexclude-file"); err != nil {
				return nil, err
			}
		}
	}
	return l, nil
}

// filesFrom returns the paths listed in the --files-from files.
func filesFrom(c *cli.Context, g *globals) ([]string, error) {
	var out []string
	for _, name := range c.StringSlice("files-from") {
		lines, err := readListFile(name, g.stdin)
		if err != nil {
			return nil, withCode(exitUsage, fmt.Errorf("--files-from: %w", err))
		}
		out = append(out, lines...)
	}
	return out, nil
}

// readListFile reads the lines of a pattern file (blanks around each
// trimmed) or, with stdin set, of a list of paths (kept as they are; "-"
// reads stdin), skipping empty lines and # comments.
func readListFile(name string, stdin io.Reader) ([]string, error) {
	var rd io.Reader
	if name == "-" && stdin != nil {
		rd = stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", safeLine(name), errors.Unwrap(err))
		}
		defer f.Close()
		rd = f
	}
	lines, err := filter.ReadLines(rd, stdin != nil)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", safeLine(name), err)
	}
	return lines, nil
}

// backupLines are the status block of a backup: files (or a stream's
// bytes) read of the total once the scan has it, the rate and the ETA;
// what was added to the repository; the file being read.
func backupLines(st statusMsg, elapsed time.Duration, stream bool) []string {
	added := formatBytes(st.BytesAdded) + " added"
	if st.ErrorCount > 0 {
		added += fmt.Sprintf(", %d errors", st.ErrorCount)
	}
	if stream {
		return []string{fmt.Sprintf("[%s] %s read; %s", elapsedText(elapsed), progressText(0, -1, "", st.BytesDone, -1, elapsed), added)}
	}
	lines := []string{fmt.Sprintf("[%s] %s", elapsedText(elapsed),
		progressText(st.FilesDone, total(st.TotalFiles), "files", st.BytesDone, total(st.TotalBytes), elapsed)), "  " + added}
	if len(st.CurrentFiles) > 0 {
		lines = append(lines, "  "+st.CurrentFiles[0])
	}
	return lines
}
