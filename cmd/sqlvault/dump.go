package main

import (
	"bufio"
	"fmt"

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
			if name, ok := databaseDumpName(c.Context, c, r, sn); ok {
				return dumpDatabaseScript(c.Context, g, r, sn, name)
			}
			node, err := snapshot.FindNode(c.Context, r, sn.Tree, c.Args().Get(snapshotArgs(c)))
			if err != nil {
				return err
			}
			if node.Type != snapshot.TypeFile {
				return fmt.Errorf("%s is a %s, not a file: use 'sqlvault restore' for folders", c.Args().Get(snapshotArgs(c)), node.Type)
			}
			bw := bufio.NewWriterSize(g.stdout, 1<<20)
			if _, err := snapshot.WriteContent(c.Context, r, node.Content, bw); err != nil {
				return fmt.Errorf("dump %s: %w", c.Args().Get(snapshotArgs(c)), err)
			}
			return bw.Flush()
		},
	}
}
