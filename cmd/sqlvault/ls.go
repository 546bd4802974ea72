package main

import (
	"fmt"
	"path"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

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
			emit := func(p string, n *snapshot.Node) error {
				if g.json {
					return g.printJSON(lsEntry(p, n))
				}
				if c.Bool("long") {
					target := ""
					if n.Type == snapshot.TypeSymlink {
						target = " -> " + displayPath(n.LinkTarget)
					}
					_, err := fmt.Fprintf(g.stdout, "%s %5d %5d %12s %s %s%s\n", modeString(n), n.UID, n.GID, sizeField(n), n.ModTime.Local().Format(time.DateTime), displayPath(p), target)
					return err
				}
				_, err := fmt.Fprintln(g.stdout, displayPath(p))
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
	case snapshot.TypeFIFO:
		return "p" + s[1:]
	case snapshot.TypeCharDev:
		return "c" + s[1:]
	case snapshot.TypeDev:
		return "b" + s[1:]
	}
	return s
}

// sizeField is the size column of ls -l: the size, or for a device file
// its major and minor number as ls shows them.
func sizeField(n *snapshot.Node) string {
	if n.Type == snapshot.TypeCharDev || n.Type == snapshot.TypeDev {
		return fmt.Sprintf("%d, %d", unix.Major(n.Device), unix.Minor(n.Device))
	}
	return strconv.FormatUint(n.Size, 10)
}

// lsEntryJSON is one line of ls --json. Names and paths that are not UTF-8
// are given as display forms (U+FFFD) plus their exact bytes in the _raw
// fields (base64), as in tree blobs.
type lsEntryJSON struct {
	Path    string `json:"path"`
	PathRaw []byte `json:"path_raw,omitempty"`
	*snapshot.Node
	NameRaw       []byte `json:"name_raw,omitempty"`
	LinkTargetRaw []byte `json:"linktarget_raw,omitempty"`
}

func lsEntry(p string, n *snapshot.Node) lsEntryJSON {
	e := lsEntryJSON{Path: snapshot.DisplayForm(p), Node: &snapshot.Node{Name: snapshot.DisplayForm(n.Name), Type: n.Type, Mode: n.Mode, ModTime: n.ModTime,
		UID: n.UID, GID: n.GID, Size: n.Size, LinkTarget: snapshot.DisplayForm(n.LinkTarget), Links: n.Links, Device: n.Device}}
	if e.Path != p {
		e.PathRaw = []byte(p)
	}
	if e.Name != n.Name {
		e.NameRaw = []byte(n.Name)
	}
	if e.LinkTarget != n.LinkTarget {
		e.LinkTargetRaw = []byte(n.LinkTarget)
	}
	return e
}
