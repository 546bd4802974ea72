package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/snapshot"
)

func statsCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "stats",
		Usage: "show the repository's size, its raw and unique data, compression and deduplication, and what each snapshot added",
		Description: "raw data is what restoring every snapshot would write; unique data the plaintext of the distinct\n" +
			"chunks; stored the size of those chunks in the repository (compressed, or as deltas) with the\n" +
			"keyframes deltas need and the trees. A snapshot's \"added\" is the stored size of the chunks it\n" +
			"needs that no older snapshot needs.",
		ArgsUsage: " ",
		Flags:     filterFlags(true),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageErr("stats takes no arguments; select snapshots with --host, --tag, --source or --database")
			}
			r, unlock, err := g.openRepo(c.Context, readLock, true)
			if err != nil {
				return err
			}
			defer unlock()
			sns, _, err := g.listSnapshots(c.Context, r)
			if err != nil {
				return err
			}
			sns = snapshotFilter(c).Apply(sns)
			st, err := snapshot.Stats(c.Context, r, sns)
			if err != nil {
				return err
			}
			if g.json {
				type out struct {
					snapshot.RepoStats
					CompressionRatio float64 `json:"compression_ratio"`
					DedupRatio       float64 `json:"dedup_ratio"`
					TotalRatio       float64 `json:"total_ratio"`
				}
				return g.printJSON(out{st, st.CompressionRatio(), st.DedupRatio(), st.TotalRatio()})
			}
			w := g.stdout
			fmt.Fprintf(w, "repository:   %s in %s (%d packs, %s)\n", formatBytes(st.TotalSize), r.Backend().Location(), st.Packs, formatBytes(st.PackBytes))
			fmt.Fprintf(w, "snapshots:    %d\n", st.Snapshots)
			fmt.Fprintf(w, "raw data:     %s in %d files (what restoring every snapshot would write)\n", formatBytes(st.RawBytes), st.Files)
			fmt.Fprintf(w, "unique data:  %s in %d chunks (deduplication %.2fx)\n", formatBytes(st.UniquePlain), st.UniqueBlobs, st.DedupRatio())
			fmt.Fprintf(w, "stored:       %s (compression %.2fx): %d chunks in full %s -> %s, %d as deltas %s -> %s, %d keyframes kept as delta bases %s; trees %s\n",
				formatBytes(st.StoredBytes), st.CompressionRatio(), st.UniqueFull, formatBytes(st.FullPlain), formatBytes(st.FullStored),
				st.DeltaBlobs, formatBytes(st.DeltaPlain), formatBytes(st.DeltaStored), st.BaseBlobs, formatBytes(st.BaseStored), formatBytes(st.TreeStored))
			fmt.Fprintf(w, "total ratio:  %.2fx (raw data / stored)\n", st.TotalRatio())
			fmt.Fprintf(w, "unused:       %s in packs (no snapshot needs it; prune frees it)\n", formatBytes(st.UnusedBytes))
			if len(st.PerSnapshot) == 0 {
				return nil
			}
			fmt.Fprintln(w)
			tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTime\tHost\tSource\tPaths\tFiles\tSize\tAdded")
			for _, s := range st.PerSnapshot {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", s.ID.Str(), s.Time.Local().Format(time.DateTime), s.Hostname, s.Source,
					strings.Join(s.Paths, " "), s.Files, formatBytes(s.Size), formatBytes(s.Added))
			}
			return tw.Flush()
		},
	}
}
