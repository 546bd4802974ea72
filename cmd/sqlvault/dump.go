package main

import (
	"bufio"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/snapshot"
)

func dumpCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "dump",
		Usage:     "write one file of a snapshot to standard output",
		ArgsUsage: "SNAPSHOT PATH | SNAPSHOT DATABASE.sql | SNAPSHOT --database NAME | --at TIME PATH | --at TIME --database NAME",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "database", Usage: "write SQL Server database `NAME` of the snapshot as one script"},
			atFlag(),
		}, filterFlags(false)...),
		Action: func(c *cli.Context) error {
			if n := c.NArg() - snapshotArgs(c); n != 1 && !(n == 0 && c.String("database") != "") {
				return usageErr("dump needs a snapshot (an ID prefix or \"latest\") and the path of a file in it")
			}
			r, sn, unlock, err := g.openSnapshot(c, c.Args().Get(snapshotArgs(c)))
			if err != nil {
				return err
			}
			defer unlock()
			// The content goes to stdout: dump's status and summary
			// lines (--json) go to stderr.
			counters := new(snapshot.Counters)
			progress := g.newProgress(func(v any) error { return g.jsonLineTo(g.stderr, v) },
				func() statusMsg { return countersStatus(counters) }, dumpLines)
			start := time.Now()
			summary := dumpSummaryMsg{MessageType: "summary", SnapshotID: sn.ID().String()}
			if name, ok := databaseDumpName(c.Context, c, r, sn); ok {
				progress.Start()
				err := dumpDatabaseScript(c.Context, g, r, sn, name, counters)
				progress.Stop()
				summary.Database = name
				return g.dumpSummary(summary, counters, start, err)
			}
			node, err := snapshot.FindNode(c.Context, r, sn.Tree, c.Args().Get(snapshotArgs(c)))
			if err != nil {
				return err
			}
			if node.Type != snapshot.TypeFile {
				return fmt.Errorf("%s is a %s, not a file: use 'sqlvault restore' for folders", c.Args().Get(snapshotArgs(c)), node.Type)
			}
			counters.TotalBytes.Store(int64(node.Size))
			counters.Totaled.Store(true)
			bw := bufio.NewWriterSize(g.stdout, 1<<20)
			progress.Start()
			_, err = snapshot.WriteContent(c.Context, r, node.Content, counters.Writer(bw))
			progress.Stop()
			if err != nil {
				return fmt.Errorf("dump %s: %w", c.Args().Get(snapshotArgs(c)), err)
			}
			if err := bw.Flush(); err != nil {
				return err
			}
			summary.Path = c.Args().Get(snapshotArgs(c))
			return g.dumpSummary(summary, counters, start, nil)
		},
	}
}

// dumpSummary ends a dump that returned err: with --json its summary
// line on stderr.
func (g *globals) dumpSummary(sum dumpSummaryMsg, c *snapshot.Counters, start time.Time, err error) error {
	if err != nil || !g.json {
		return err
	}
	sum.BytesWritten, sum.TotalDuration = c.Bytes.Load(), seconds(start)
	return g.jsonLineTo(g.stderr, sum)
}

// dumpLines are the status block of a dump: bytes written of the file's
// size (a database's script has no total), the rate and the ETA.
func dumpLines(st statusMsg, elapsed time.Duration) []string {
	return []string{fmt.Sprintf("[%s] %s written", elapsedText(elapsed), progressText(0, -1, "", st.BytesDone, total(st.TotalBytes), elapsed))}
}
