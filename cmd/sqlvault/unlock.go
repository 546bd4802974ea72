package main

import (
	"github.com/urfave/cli/v2"
)

func unlockCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "unlock",
		Usage:     "remove stale locks (or all locks with --remove-all)",
		ArgsUsage: " ",
		Flags:     []cli.Flag{&cli.BoolFlag{Name: "remove-all", Usage: "remove all locks, also live ones"}},
		Action: func(c *cli.Context) error {
			r, unlock, err := g.openRepo(c.Context, noLock, false)
			if err != nil {
				return err
			}
			defer unlock()
			n, err := r.RemoveStaleLocks(c.Context, c.Bool("remove-all"))
			if err != nil {
				return err
			}
			g.infof("removed %d locks", n)
			return nil
		},
	}
}
