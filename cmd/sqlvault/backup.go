package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/mssql"
	"github.com/sqlvault/sqlvault/repo"
	"github.com/sqlvault/sqlvault/snapshot"
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
	case stdin && len(args) > 0:
		return usageErr("--stdin takes no paths")
	case fromCmd && len(args) == 0:
		return usageErr("--stdin-from-command needs a command after --")
	case !stdin && !fromCmd && len(args) == 0:
		return usageErr("nothing to back up: give paths, --stdin or --stdin-from-command -- CMD")
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
		return runSQLServerBackup(c, g, args[0], tags, host)
	}
	r, unlock, err := g.openRepo(ctx, sharedLock, true)
	if err != nil {
		return err
	}
	defer unlock()

	opts := snapshot.Options{Tags: tags, Hostname: host, Program: "sqlvault " + version, NoDelta: c.Bool("no-delta"),
		Warn: func(p string, err error) { g.warnf("%s: %v", p, err) },
	}
	if g.verbose {
		opts.Progress = func(p string, size int64, unchanged bool) {
			state := "new"
			if unchanged {
				state = "unchanged"
			}
			g.verbosef("%-9s %s (%s)", state, p, formatBytes(size))
		}
		opts.Skipped = func(p, why string) { g.verbosef("%-9s %s (%s: not stored)", "skipped", p, why) }
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
			ap, err := filepath.Abs(p)
			if err != nil {
				return fmt.Errorf("path %s: %w", p, err)
			}
			if _, err := os.Lstat(ap); err != nil {
				return fmt.Errorf("cannot back up %s: %w (nothing was backed up)", p, errors.Unwrap(err))
			}
			paths = append(paths, ap)
		}
		sort.Strings(paths)
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

	var sn *snapshot.Snapshot
	switch {
	case stdin:
		sn, err = snapshot.BackupStream(ctx, r, paths[0], source, g.stdin, opts)
	case fromCmd:
		sn, err = backupCommandOutput(ctx, g, r, paths[0], args, opts)
	default:
		sn, err = snapshot.Backup(ctx, r, args, opts)
	}
	if err != nil && !errors.Is(err, snapshot.ErrIncomplete) {
		return describe(err)
	}
	g.printRepoStats(r)
	s := sn.Summary
	g.infof("snapshot %s saved: %d new, %d changed, %d unchanged files; %s read, %s added to the repository in %s",
		sn.ID().Str(), s.FilesNew, s.FilesChanged, s.FilesUnchanged, formatBytes(s.BytesRead), formatBytes(s.BytesAdded),
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
