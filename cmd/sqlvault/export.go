package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/repo"
	"github.com/sqlvault/sqlvault/snapshot"
)

func exportCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "export",
		Usage: "write snapshots as a zip file (database folders with their master script restore.sql, and files)",
		Description: "The zip is written as it is read, and opens with unzip, Windows Explorer and other standard tools.\n" +
			"With --at, the newest snapshot of each source (each database, stream, set of folders) taken at or\n" +
			"before that time is exported: for example all databases as they were on a day.",
		ArgsUsage: "SNAPSHOT... | --at TIME",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "zip", Usage: "write the zip to `FILE` (- for standard output)"},
			&cli.BoolFlag{Name: "store", Usage: "store entries without compression (faster)"},
			atFlag(),
		}, filterFlags(true)...),
		Action: func(c *cli.Context) error {
			out := c.String("zip")
			switch {
			case out == "":
				return usageErr("export needs --zip FILE (or --zip - for standard output)")
			case c.String("at") != "" && c.NArg() > 0:
				return usageErr("give either snapshots or --at TIME, not both")
			case c.String("at") == "" && c.NArg() == 0:
				return usageErr("export needs snapshots (ID prefixes or \"latest\") or --at TIME")
			}
			r, unlock, err := g.openRepo(c.Context, readLock, true)
			if err != nil {
				return err
			}
			defer unlock()
			all, _, err := g.listSnapshots(c.Context, r)
			if err != nil {
				return err
			}
			var sns []*snapshot.Snapshot
			if c.String("at") != "" {
				at, err := parseAt(c)
				if err != nil {
					return err
				}
				cands := snapshotFilter(c).Apply(all)
				sns = snapshot.NewestAt(cands, at)
				if len(sns) == 0 {
					return fmt.Errorf("%w: none was taken at or before %s", snapshot.ErrNotFound, c.String("at"))
				}
			} else {
				for _, spec := range c.Args().Slice() {
					sn, err := snapshot.Select(all, spec)
					if err != nil {
						return err
					}
					sns = append(sns, sn)
				}
			}
			opts := snapshot.ExportOptions{Store: c.Bool("store")}
			if g.verbose {
				opts.Progress = func(p string, size int64) { g.verbosef("added %s (%s)", p, formatBytes(size)) }
			}
			var st snapshot.ExportStats
			if out == "-" {
				bw := bufio.NewWriterSize(g.stdout, 1<<20)
				if st, err = snapshot.ExportZip(c.Context, r, sns, bw, opts); err != nil {
					return describe(err)
				}
				if err := bw.Flush(); err != nil {
					return err
				}
			} else if st, err = exportToFile(c, r, sns, out, opts); err != nil {
				return describe(err)
			}
			var ids []string
			for _, sn := range sns {
				ids = append(ids, sn.ID().Str())
			}
			skipped := ""
			if st.Skipped > 0 {
				skipped = fmt.Sprintf(" (%d FIFOs and device files left out: a zip cannot hold them)", st.Skipped)
			}
			g.infof("exported snapshot %s to %s: %d files, %d folders, %d links, %s%s", strings.Join(ids, ", "), out, st.Files, st.Dirs, st.Symlinks, formatBytes(st.Bytes), skipped)
			return nil
		},
	}
}

// exportToFile writes the zip to a temporary file next to name and renames
// it into place when complete, so that a failed export leaves no partial
// zip behind.
func exportToFile(c *cli.Context, r *repo.Repository, sns []*snapshot.Snapshot, name string, opts snapshot.ExportOptions) (snapshot.ExportStats, error) {
	var st snapshot.ExportStats
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-")
	if err != nil {
		return st, fmt.Errorf("create %s: %w", name, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if st, err = snapshot.ExportZip(c.Context, r, sns, bw, opts); err != nil {
		return st, err
	}
	if err := bw.Flush(); err != nil {
		return st, fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return st, fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		return st, fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return st, fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(tmp, name); err != nil {
		return st, fmt.Errorf("write %s: %w", name, err)
	}
	ok = true
	return st, nil
}
