package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/mssql"
	"github.com/sqlvault/sqlvault/snapshot"
)

func restoreCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "restore",
		Usage:     "restore a snapshot into a folder, or a SQL Server database snapshot into a server (--to)",
		ArgsUsage: "SNAPSHOT | --at TIME",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "target", Aliases: []string{"t"}, Usage: "restore into `DIR`"},
			&cli.StringSliceFlag{Name: "include", Aliases: []string{"i"}, Usage: "restore only paths matching `PATTERN` (e.g. /docs or /docs/*.txt)"},
			atFlag(),
		}, append(filterFlags(true), restoreToFlags()...)...),
		Action: func(c *cli.Context) error {
			if c.NArg() != snapshotArgs(c) {
				return usageErr("restore needs one snapshot (an ID prefix or \"latest\"), or --at TIME and no snapshot")
			}
			if c.String("to") != "" {
				if c.String("target") != "" {
					return usageErr("use either --target DIR or --to URL, not both")
				}
				r, sn, unlock, err := g.openSnapshot(c, "")
				if err != nil {
					return err
				}
				defer unlock()
				return restoreToServer(c, g, r, sn)
			}
			if c.String("target") == "" {
				return usageErr("restore needs --target DIR, the folder to restore into (or --to URL, a SQL Server database)")
			}
			r, sn, unlock, err := g.openSnapshot(c, "")
			if err != nil {
				return err
			}
			defer unlock()
			counters := new(snapshot.Counters)
			progress := g.newProgress(g.jsonLine, func() statusMsg { return countersStatus(counters) }, restoreLines)
			opts := snapshot.RestoreOptions{
				Include:  c.StringSlice("include"),
				Warn:     func(p string, err error) { g.warnItem(progress, g.stdout, p, err) },
				Counters: counters,
			}
			if g.verbose && !g.json {
				opts.Progress = func(p string, size int64) {
					g.verboseLine(progress, fmt.Sprintf("restored %s (%s)", p, formatBytes(size)))
				}
			}
			if progress.active() {
				// The total for the ETA, from the snapshot's trees,
				// next to the restore.
				sizeCtx, stopSize := context.WithCancel(c.Context)
				sized := make(chan struct{})
				go func() {
					defer close(sized)
					files, bytes, err := snapshot.RestoreSize(sizeCtx, r, sn, snapshot.RestoreOptions{Include: opts.Include})
					if err == nil {
						counters.TotalFiles.Store(files)
						counters.TotalBytes.Store(bytes)
						counters.Totaled.Store(true)
					}
				}()
				defer func() { stopSize(); <-sized }()
			}
			start := time.Now()
			progress.Start()
			st, err := snapshot.Restore(c.Context, r, sn, c.String("target"), opts)
			progress.Stop()
			if err != nil {
				return describe(err)
			}
			if g.json {
				if err := g.jsonLine(restoreSummaryMsg{MessageType: "summary", SnapshotID: sn.ID().String(), Target: c.String("target"),
					FilesRestored: st.Files, DirsRestored: st.Dirs, SymlinksRestored: st.Symlinks, SpecialRestored: st.Special,
					HardlinksRestored: st.Hardlinks, BytesRestored: st.Bytes, TotalDuration: seconds(start)}); err != nil {
					return err
				}
			} else {
				special := ""
				if st.Special > 0 {
					special = fmt.Sprintf(", %d FIFOs and devices", st.Special)
				}
				g.infof("restored snapshot %s to %s: %d files, %d folders, %d links%s, %s", sn.ID().Str(), c.String("target"), st.Files, st.Dirs, st.Symlinks, special, formatBytes(st.Bytes))
			}
			if st.Files+st.Dirs+st.Symlinks == 0 && len(opts.Include) > 0 {
				return fmt.Errorf("no path in snapshot %s matched --include", sn.ID().Str())
			}
			if g.json {
				return nil
			}
			g.printLoadCommand(c.String("target"), databaseName(sn))
			return nil
		},
	}
}

// printLoadCommand tells how to load a restored database folder into a
// server, if the snapshot is of a database and its master script was
// restored.
func (g *globals) printLoadCommand(target, db string) {
	if db == "" {
		return
	}
	dir, err := filepath.Abs(filepath.Join(target, mssql.DatabaseFolder(db)))
	if err != nil {
		return
	}
	if _, err := os.Stat(filepath.Join(dir, mssql.MasterFile)); err != nil {
		return
	}
	cmd, ok := mssql.LoadCommand(dir)
	g.infof("to load database %s into a new, empty database NEWDB: %s (ODBC sqlcmd: add -f 65001; SSMS: see the header of restore.sql)", mssql.DisplayText(db), safeLine(cmd))
	if !ok {
		g.warnf("the folder %s holds a blank or a quote, which restore.sql's :r lines cannot take in every client: move it to a path without them", safeLine(dir))
	}
}

// restoreLines are the status block of a restore of files: files and
// bytes written of the total once it is known, the rate and the ETA; then
// the file being written.
func restoreLines(st statusMsg, elapsed time.Duration) []string {
	lines := []string{fmt.Sprintf("[%s] %s", elapsedText(elapsed),
		progressText(st.FilesDone, total(st.TotalFiles), "files", st.BytesDone, total(st.TotalBytes), elapsed))}
	if len(st.CurrentFiles) > 0 {
		lines = append(lines, "  "+st.CurrentFiles[0])
	}
	return lines
}
