package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/repo"
)

func repairCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "repair",
		Usage: "rebuild a damaged index, or rewrite snapshots without the data that is lost",
		Subcommands: []*cli.Command{
			{
				Name:  "index",
				Usage: "rebuild the index from the headers of the packs",
				Description: "Reads the header of every pack and writes new index files that list every pack whose header is\n" +
					"readable, then removes the old index files. Takes the exclusive lock. Only pack headers are read:\n" +
					"'sqlvault check --read-data' verifies the blobs themselves. Packs whose header is damaged are\n" +
					"named; their blobs are lost unless another pack holds them (exit code 4).",
				ArgsUsage: " ",
				Action: func(c *cli.Context) error {
					if c.NArg() > 0 {
						return usageErr("repair index takes no arguments")
					}
					r, unlock, err := g.openRepo(c.Context, exclusiveLock, false)
					if err != nil {
						return err
					}
					defer unlock()
					st, err := r.RepairIndex(c.Context, repo.RepairIndexOptions{
						Report:   func(p repo.Problem) { fmt.Fprintf(g.stdout, "error: %v\n", p) },
						Progress: func(s string) { g.verbosef("repair index: %s", s) },
					})
					if err != nil {
						return describe(err)
					}
					if g.json {
						if err := g.printJSON(st); err != nil {
							return err
						}
					} else if !g.quiet {
						w := g.stdout
						fmt.Fprintf(w, "read the headers of %d packs: %d indexed (%d blobs), %d of them named by no readable index file before\n",
							st.Packs, st.Indexed, st.Blobs, st.UnindexedAdded)
						if st.DamagedIndex > 0 {
							fmt.Fprintf(w, "%d damaged index files replaced\n", st.DamagedIndex)
						}
						if st.DroppedPacks > 0 {
							fmt.Fprintf(w, "%d packs the old index named are missing: no longer indexed (run 'sqlvault check'; 'sqlvault repair snapshots' removes what is lost from the snapshots)\n", st.DroppedPacks)
						}
						fmt.Fprintf(w, "wrote %d index files; removed %d old index files\n", st.IndexWritten, st.IndexRemoved)
					}
					if st.DamagedPacks > 0 {
						return withCode(exitDamaged, fmt.Errorf("%d packs have a damaged header (%d kept as the old index listed them): run 'sqlvault check --read-data'", st.DamagedPacks, st.KeptFromIndex))
					}
					return nil
				},
			},
		},
	}
}
