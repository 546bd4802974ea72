package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/repo"
	"github.com/sqlvault/sqlvault/snapshot"
)

func catCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "cat",
		Usage:     "print a repository object as JSON, for debugging",
		ArgsUsage: "config | snapshot ID | index ID | key ID | lock ID | tree ID | pack ID",
		Action: func(c *cli.Context) error {
			kind, arg := c.Args().Get(0), c.Args().Get(1)
			if kind == "" || (kind != "config" && arg == "") {
				return usageErr("cat needs: config | snapshot ID | index ID | key ID | lock ID | tree ID | pack ID")
			}
			r, unlock, err := g.openRepo(c.Context, noLock, kind == "tree")
			if err != nil {
				return err
			}
			defer unlock()
			ctx := c.Context
			fullID := func(t backend.FileType) (repo.ID, error) {
				var found []repo.ID
				err := r.List(ctx, t, func(id repo.ID, _ int64) error {
					if len(arg) <= 64 && id.String()[:len(arg)] == arg {
						found = append(found, id)
					}
					return nil
				})
				if err != nil {
					return repo.ID{}, err
				}
				if len(found) != 1 {
					return repo.ID{}, fmt.Errorf("%d %s files match %q: give a unique ID prefix", len(found), t, arg)
				}
				return found[0], nil
			}
			switch kind {
			case "config":
				return g.printJSON(r.Config())
			case "snapshot":
				sn, err := snapshot.Find(ctx, r, arg)
				if err != nil {
					return err
				}
				return g.printJSON(sn)
			case "index", "lock":
				t := backend.Index
				if kind == "lock" {
					t = backend.Lock
				}
				id, err := fullID(t)
				if err != nil {
					return err
				}
				body, err := r.LoadFile(ctx, t, id)
				if err != nil {
					return err
				}
				if kind == "lock" {
					_, err = g.stdout.Write(append(body, '\n'))
					return err
				}
				f, err := repo.DecodeIndex(body)
				if err != nil {
					return err
				}
				return g.printJSON(f)
			case "key":
				id, err := fullID(backend.Key)
				if err != nil {
					return err
				}
				data, err := backend.LoadAll(ctx, r.Backend(), backend.Handle{Type: backend.Key, Name: id.String()})
				if err != nil {
					return err
				}
				kf, err := repo.ParseKeyFile(data)
				if err != nil {
					return err
				}
				kf.Data = nil
				return g.printJSON(kf)
			case "pack":
				id, err := fullID(backend.Pack)
				if err != nil {
					return err
				}
				blobs, _, err := repo.ReadPackHeader(ctx, r.Backend(), r.Key(), id)
				if err != nil {
					return err
				}
				return printJSONLines(g, blobs) // a blob per line
			case "tree":
				id, err := repo.ParseID(arg)
				if err != nil {
					return usageErr("%v", err)
				}
				t, err := snapshot.LoadTree(ctx, r, id)
				if err != nil {
					return err
				}
				return g.printJSON(t)
			}
			return usageErr("cat: unknown object kind %q", kind)
		},
	}
}
