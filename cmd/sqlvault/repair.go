package main

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/repo"
	"github.com/sqlvault/sqlvault/snapshot"
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
						Report: func(p repo.Problem) {
							if g.json {
								_ = g.printJSON(problemJSON(p))
								return
							}
							fmt.Fprintf(g.stdout, "error: %v\n", p)
						},
						Progress: func(s string) { g.verbosef("repair index: %s", s) },
					})
					if err != nil {
						return describe(err)
					}
					if g.json {
						if err := g.printJSON(struct {
							MessageType string `json:"message_type"` // "summary"
							repo.RepairIndexStats
						}{"summary", st}); err != nil {
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
					if st.KeptFromIndex > 0 && !g.quiet && !g.json {
						fmt.Fprintf(g.stdout, "%d packs with a damaged header: %d blobs the old index listed copied into new packs, %d lost\n", st.KeptFromIndex, st.RescuedBlobs, st.LostBlobs)
					}
					if st.DamagedPacks > st.KeptFromIndex || st.LostBlobs > 0 {
						return withCode(exitDamaged, fmt.Errorf("%d packs have a damaged header and %d blobs could not be saved from them: 'sqlvault repair snapshots' removes what is lost from the snapshots", st.DamagedPacks, st.LostBlobs+st.DamagedPacks-st.KeptFromIndex))
					}
					return nil
				},
			},
			{
				Name:  "snapshots",
				Usage: "rewrite snapshots without the files whose data is lost",
				Description: "A blob is lost when it is not in the index, its pack is missing, or (a delta) its base is lost;\n" +
					"with --read-data also when it does not decrypt or verify. Each snapshot that uses a lost blob is\n" +
					"written again without the files that need it (they are dropped, not truncated) and with directories\n" +
					"whose listing is lost left empty; it keeps its time, host, paths and tags, and gets the tag\n" +
					"'repaired'. Every removed path is printed. Run 'sqlvault repair index' first if index files are damaged.",
				ArgsUsage: "[SNAPSHOT...]",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "forget", Usage: "remove each original snapshot once its repaired version is written"},
					&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "show what would change; change nothing"},
					&cli.BoolFlag{Name: "read-data", Usage: "also read every data blob: one that does not decrypt or verify is lost too"},
				},
				Action: func(c *cli.Context) error { return runRepairSnapshots(c, g) },
			},
		},
	}
}

func runRepairSnapshots(c *cli.Context, g *globals) error {
	dry := c.Bool("dry-run")
	mode := exclusiveLock
	if dry {
		mode = readLock
	}
	r, unlock, err := g.openRepo(c.Context, mode, true)
	if err != nil {
		return err
	}
	defer unlock()
	var sns []*snapshot.Snapshot
	if c.NArg() == 0 {
		if sns, _, err = g.listSnapshots(c.Context, r); err != nil {
			return err
		}
	}
	for _, spec := range c.Args().Slice() {
		sn, err := snapshot.Find(c.Context, r, spec)
		if err != nil {
			return err
		}
		sns = append(sns, sn)
	}
	res, err := snapshot.Repair(c.Context, r, sns, snapshot.RepairOptions{
		ReadData: c.Bool("read-data"),
		DryRun:   dry,
		Forget:   c.Bool("forget"),
		Removed: func(sn *snapshot.Snapshot, p string, why error) {
			fmt.Fprintf(g.stdout, "snapshot %s: removed %s (%v)\n", sn.ID().Str(), p, why)
		},
	})
	if errors.Is(err, repo.ErrIndexDamaged) || errors.Is(err, snapshot.ErrIndexIncomplete) {
		return withCode(exitDamaged, err)
	}
	if err != nil {
		return describe(err)
	}
	for _, rr := range res {
		switch {
		case dry:
			fmt.Fprintf(g.stdout, "snapshot %s would be rewritten without %d paths\n", rr.Original.ID().Str(), rr.Removed)
		default:
			fmt.Fprintf(g.stdout, "snapshot %s rewritten as %s without %d paths\n", rr.Original.ID().Str(), rr.New.ID().Str(), rr.Removed)
			if rr.Forgot {
				fmt.Fprintf(g.stdout, "removed snapshot %s\n", rr.Original.ID().Str())
			}
		}
	}
	if len(res) == 0 {
		fmt.Fprintf(g.stdout, "no snapshot uses lost data (%d checked)\n", len(sns))
	} else if !dry && !c.Bool("forget") {
		g.infof("the original snapshots are kept: 'sqlvault forget' them, or use --forget")
	}
	return nil
}
