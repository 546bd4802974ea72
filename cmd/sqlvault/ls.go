package main

import (
	"fmt"
	"path"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/snapshot"
)

func lsCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "ls",
		Usage:     "list the files in a snapshot",
		ArgsUsage: "SNAPSHOT [PATH] | --at TIME [PATH]",
		Flags:     append([]cli.Flag{&cli.BoolFlag{Name: "long", Aliases: []string{"l"}, Usage: "show mode, size and time"}, atFlag()}, filterFlags(true)...),
		Action: func(c *cli.Context) error {
			if n := c.NArg() - snapshotArgs(c); n < 0 || n > 1 {
				return usageErr("ls needs a snapshot (an ID prefix, \"latest\" or --at TIME) and an optional path")
			}
			r, sn, unlock, err := g.openSnapshot(c, c.Args().Get(snapshotArgs(c)))
			if err != nil {
				return err
			}
			defer unlock()
			start := path.Clean("/" + c.Args().Get(snapshotArgs(c)))
			node, err := snapshot.FindNode(c.Context, r, sn.Tree, start)
			if err != nil {
				return err
			}
			type entry struct {
				Path string `json:"path"`
				*snapshot.Node
			}
			emit := func(p string, n *snapshot.Node) error {
				if g.json {
					return g.printJSON(entry{Path: p, Node: &snapshot.Node{Name: n.Name, Type: n.Type, Mode: n.Mode, ModTime: n.ModTime, UID: n.UID, GID: n.GID, Size: n.Size, LinkTarget: n.LinkTarget}})
				}
				if c.Bool("long") {
					target := ""
					if n.Type == snapshot.TypeSymlink {
						target = " -> " + n.LinkTarget
					}
					_, err := fmt.Fprintf(g.stdout, "%s %5d %5d %12d %s %s%s\n", modeString(n), n.UID, n.GID, n.Size, n.ModTime.Local().Format(time.DateTime), p, target)
					return err
				}
				_, err := fmt.Fprintln(g.stdout, p)
				return err
			}
			if node.Type != snapshot.TypeDir {
				return emit(start, node)
			}
			if start != "/" {
				if err := emit(start, node); err != nil {
					return err
				}
			}
			return snapshot.Walk(c.Context, r, *node.Subtree, start, emit)
		},
	}
}

func modeString(n *snapshot.Node) string {
	s := n.Mode.String()
	switch n.Type {
	case snapshot.TypeDir:
		return "d" + s[1:]
	case snapshot.TypeSymlink:
		return "l" + s[1:]
	}
	return s
}
