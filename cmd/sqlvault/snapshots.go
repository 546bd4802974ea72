package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/snapshot"
)

func snapshotsCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "snapshots",
		Usage:     "list snapshots",
		ArgsUsage: " ",
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object per snapshot, one per line"},
		}, filterFlags(true)...),
		Action: func(c *cli.Context) error {
			r, unlock, err := g.openRepo(c.Context, noLock, false)
			if err != nil {
				return err
			}
			defer unlock()
			sns, _, err := g.listSnapshots(c.Context, r)
			if err != nil {
				return err
			}
			sns = snapshotFilter(c).Apply(sns)
			if g.json || c.Bool("json") {
				type item struct {
					ID      string `json:"id"`
					ShortID string `json:"short_id"`
					*snapshot.Snapshot
				}
				for _, sn := range sns {
					if err := g.printJSON(item{ID: sn.ID().String(), ShortID: sn.ID().Str(), Snapshot: sn}); err != nil {
						return err
					}
				}
				return nil
			}
			tw := tabwriter.NewWriter(g.stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTime\tHost\tSource\tTags\tPaths\tSize\tAdded")
			for _, sn := range sns {
				var size, added string
				if s := sn.Summary; s != nil {
					size, added = formatBytes(s.BytesTotal), formatBytes(s.BytesAdded)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", sn.ID().Str(), sn.Time.Local().Format(time.DateTime),
					sn.Hostname, sn.Source, strings.Join(sn.Tags, ","), displayPaths(sn.Paths), size, added)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "%d snapshots\n", len(sns))
			return nil
		},
	}
}
