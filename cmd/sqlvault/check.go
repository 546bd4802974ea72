package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/repo"
	"github.com/sqlvault/sqlvault/snapshot"
)

func checkCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "check",
		Usage:     "verify the repository's structure, and with --read-data all its data",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "read-data", Usage: "read every pack, decrypt every blob and verify its ID"},
		},
		Action: func(c *cli.Context) error {
			r, unlock, err := g.openRepo(c.Context, sharedLock, false)
			if err != nil {
				return err
			}
			defer unlock()
			report := func(p error) { fmt.Fprintf(g.stdout, "error: %v\n", p) }
			g.infof("checking index and pack headers")
			st, problems, err := r.Check(c.Context, repo.CheckOptions{ReadData: c.Bool("read-data")}, func(p repo.Problem) { report(p) })
			if err != nil {
				return err
			}
			g.infof("checking snapshots and trees")
			n, err := snapshot.CheckTrees(c.Context, r, report)
			if err != nil {
				return err
			}
			problems += n
			for _, id := range st.Unreferenced {
				g.verbosef("pack %s is not referenced by any index (left by an interrupted backup; prune removes it)", id.Str())
			}
			if len(st.Unreferenced) > 0 {
				g.infof("%d packs are not referenced by any index (left by interrupted backups; harmless)", len(st.Unreferenced))
			}
			if c.Bool("read-data") {
				g.infof("read %d packs, %d blobs", st.PacksRead, st.BlobsRead)
			}
			if problems > 0 {
				return withCode(exitDamaged, fmt.Errorf("check found %d problems in %s", problems, r.Backend().Location()))
			}
			fmt.Fprintf(g.stdout, "no problems found (%d index files, %d packs, %d blobs)\n", st.IndexFiles, st.Packs, st.Blobs)
			return nil
		},
	}
}
