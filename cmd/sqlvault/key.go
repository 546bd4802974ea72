package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/repo"
)

func keyCommand(g *globals) *cli.Command {
	newPasswordFlags := []cli.Flag{
		&cli.StringFlag{Name: "new-password-file", Usage: "read the new password from `FILE` (or set SQLVAULT_NEW_PASSWORD)"},
		&cli.UintFlag{Name: "kdf-memory", Value: uint(repo.DefaultKDF.Memory / 1024), Usage: "argon2id memory in `MiB` for the new key"},
		&cli.UintFlag{Name: "kdf-time", Value: uint(repo.DefaultKDF.Time), Usage: "argon2id passes for the new key"},
	}
	return &cli.Command{
		Name:  "key",
		Usage: "manage the passwords (key files) that open the repository",
		Subcommands: []*cli.Command{
			{
				Name:      "list",
				Usage:     "list the keys; * marks the one in use",
				ArgsUsage: " ",
				Action: func(c *cli.Context) error {
					if c.NArg() > 0 {
						return usageErr("key list takes no arguments")
					}
					r, unlock, err := g.openRepo(c.Context, noLock, false)
					if err != nil {
						return err
					}
					defer unlock()
					keys, err := r.Keys(c.Context)
					if err != nil {
						return err
					}
					if g.json {
						return printJSONLines(g, keys)
					}
					tw := tabwriter.NewWriter(g.stdout, 0, 2, 2, ' ', 0)
					fmt.Fprintln(tw, " ID\tUser\tHost\tCreated")
					for _, k := range keys {
						mark := " "
						if k.Current {
							mark = "*"
						}
						if k.Err != nil {
							fmt.Fprintf(tw, "%s%s\t(unreadable: %v)\t\t\n", mark, k.ID.Str(), k.Err)
							continue
						}
						fmt.Fprintf(tw, "%s%s\t%s\t%s\t%s\n", mark, k.ID.Str(), k.Username, k.Hostname, k.Created.Local().Format(time.DateTime))
					}
					return tw.Flush()
				},
			},
			{
				Name:      "add",
				Usage:     "add a key for a new password (the others keep working)",
				ArgsUsage: " ",
				Flags:     newPasswordFlags,
				Action: func(c *cli.Context) error {
					if c.NArg() > 0 {
						return usageErr("key add takes no arguments; give the new password with --new-password-file or SQLVAULT_NEW_PASSWORD")
					}
					pw, kdf, err := newPassword(c)
					if err != nil {
						return err
					}
					r, unlock, err := g.openRepo(c.Context, sharedLock, false)
					if err != nil {
						return err
					}
					defer unlock()
					id, err := r.AddKey(c.Context, pw, kdf)
					if err != nil {
						return describe(err)
					}
					g.infof("added key %s", id.Str())
					return nil
				},
			},
			{
				Name:      "remove",
				Usage:     "remove a key (not the one in use, never the last one)",
				ArgsUsage: "ID",
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return usageErr("key remove needs the ID (or a unique prefix) of the key to remove; see 'sqlvault key list'")
					}
					r, unlock, err := g.openRepo(c.Context, exclusiveLock, false)
					if err != nil {
						return err
					}
					defer unlock()
					id, err := findKey(c, r, c.Args().First())
					if err != nil {
						return err
					}
					if err := r.RemoveKey(c.Context, id); err != nil {
						return err
					}
					g.infof("removed key %s", id.Str())
					return nil
				},
			},
			{
				Name:      "passwd",
				Usage:     "change the password of the key in use (a new key replaces it)",
				ArgsUsage: " ",
				Flags:     newPasswordFlags,
				Action: func(c *cli.Context) error {
					if c.NArg() > 0 {
						return usageErr("key passwd takes no arguments; give the new password with --new-password-file or SQLVAULT_NEW_PASSWORD")
					}
					pw, kdf, err := newPassword(c)
					if err != nil {
						return err
					}
					r, unlock, err := g.openRepo(c.Context, exclusiveLock, false)
					if err != nil {
						return err
					}
					defer unlock()
					old := r.KeyID()
					id, err := r.ChangePassword(c.Context, pw, kdf)
					if err != nil {
						return describe(err)
					}
					g.infof("changed the password: key %s replaces key %s", id.Str(), old.Str())
					return nil
				},
			},
		},
	}
}

// newPassword reads the new password and the KDF parameters for it.
func newPassword(c *cli.Context) (string, repo.KDFParams, error) {
	kdf := repo.DefaultKDF
	kdf.Memory = uint32(c.Uint("kdf-memory")) * 1024
	kdf.Time = uint32(c.Uint("kdf-time"))
	var pw string
	if f := c.String("new-password-file"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", kdf, usageErr("read new password file: %v", err)
		}
		pw = strings.TrimRight(string(b), "\r\n")
	} else {
		pw = os.Getenv("SQLVAULT_NEW_PASSWORD")
	}
	if pw == "" {
		return "", kdf, usageErr("no new password given: use --new-password-file FILE or set SQLVAULT_NEW_PASSWORD")
	}
	return pw, kdf, nil
}

// findKey resolves a key ID prefix.
func findKey(c *cli.Context, r *repo.Repository, prefix string) (repo.ID, error) {
	prefix = strings.ToLower(prefix)
	var found []repo.ID
	err := r.List(c.Context, backend.Key, func(id repo.ID, _ int64) error {
		if strings.HasPrefix(id.String(), prefix) {
			found = append(found, id)
		}
		return nil
	})
	if err != nil {
		return repo.ID{}, err
	}
	switch {
	case prefix == "" || len(found) == 0:
		return repo.ID{}, fmt.Errorf("no key ID starts with %q (see 'sqlvault key list')", prefix)
	case len(found) > 1:
		return repo.ID{}, fmt.Errorf("key ID prefix %q is ambiguous: give more digits", prefix)
	}
	return found[0], nil
}
