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
		ArgsUsage: "SNAPSHOT PATH",
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return usageErr("dump needs a snapshot (an ID prefix or \"latest\") and the path of a file in it")
			}
			r, unlock, err := g.openRepo(c.Context, sharedLock, true)
			if err != nil {
				return err
			}
			defer unlock()
			sn, err := snapshot.Find(c.Context, r, c.Args().Get(0))
			if err != nil {
				return err
			}
			node, err := snapshot.FindNode(c.Context, r, sn.Tree, c.Args().Get(1))
			if err != nil {
				return err
			}
			if node.Type != snapshot.TypeFile {
				return fmt.Errorf("%s is a %s, not a file: use 'sqlvault restore' for folders", c.Args().Get(1), node.Type)
			}
			bw := bufio.NewWriterSize(g.stdout, 1<<20)
			if _, err := snapshot.WriteContent(c.Context, r, node.Content, bw); err != nil {
				return fmt.Errorf("dump %s: %w", c.Args().Get(1), err)
			}
			return bw.Flush()
		},
	}
}
