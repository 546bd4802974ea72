package main

import (
	"fmt"
	"path"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/mssql"
	"github.com/sqlvault/sqlvault/snapshot"
)

func diffCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "diff",
		Usage:     "show what changed between two snapshots and what the second adds to the repository",
		ArgsUsage: "SNAPSHOT1 SNAPSHOT2",
		Description: "Lists files, folders and links added (+), removed (-) and changed (M) from SNAPSHOT1 to SNAPSHOT2;\n" +
			"for a SQL Server snapshot the files under DATABASE/data/ are its tables. The summary gives the stored\n" +
			"size of the data SNAPSHOT2 needs that SNAPSHOT1 does not (with the bases of delta blobs).",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "metadata", Usage: "also list items whose content is the same but whose mode, owner, time, link count or extended attributes changed (U)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return usageErr("diff needs two snapshots (ID prefixes or \"latest\")")
			}
			r, unlock, err := g.openRepo(c.Context, readLock, true)
			if err != nil {
				return err
			}
			defer unlock()
			sns, damaged, err := g.listSnapshots(c.Context, r)
			if err != nil {
				return err
			}
			a, err := selectSnapshot(sns, damaged, c.Args().Get(0))
			if err != nil {
				return err
			}
			b, err := selectSnapshot(sns, damaged, c.Args().Get(1))
			if err != nil {
				return err
			}
			// With --json each change is a line, then the statistics.
			type changeJSON struct {
				MessageType string `json:"message_type"` // "change"
				Kind        string `json:"kind"`
				Path        string `json:"path"`
				Type        string `json:"type"`
				Table       string `json:"table,omitempty"`
				OldSize     uint64 `json:"old_size"`
				NewSize     uint64 `json:"new_size"`
				AddedBytes  int64  `json:"added_bytes"`
			}
			tables := map[byte]int{}
			st, err := snapshot.Diff(c.Context, r, a, b, snapshot.DiffOptions{Metadata: c.Bool("metadata")}, func(ch snapshot.Change) error {
				cj := changeJSON{MessageType: "change", Kind: string(ch.Kind), Path: ch.Path, AddedBytes: ch.AddedBytes}
				n := ch.New
				if n == nil {
					n = ch.Old
				}
				cj.Type = n.Type
				if ch.Old != nil {
					cj.OldSize = ch.Old.Size
				}
				if ch.New != nil {
					cj.NewSize = ch.New.Size
				}
				if t := tableName(a, b, ch.Path, n); t != "" {
					cj.Table = t
					tables[ch.Kind]++
				}
				if g.json {
					return g.printJSON(cj)
				}
				name := ch.Path
				if n.Type == snapshot.TypeDir {
					name += "/"
				}
				var detail []string
				if cj.Table != "" {
					detail = append(detail, "table "+cj.Table)
				}
				if n.Type == snapshot.TypeFile {
					switch ch.Kind {
					case snapshot.Added:
						detail = append(detail, formatBytes(int64(cj.NewSize)))
					case snapshot.Removed:
						detail = append(detail, formatBytes(int64(cj.OldSize)))
					case snapshot.Modified:
						detail = append(detail, formatBytes(int64(cj.OldSize))+" -> "+formatBytes(int64(cj.NewSize)))
					}
					if ch.Kind != snapshot.Removed && ch.Kind != snapshot.Metadata {
						detail = append(detail, "+"+formatBytes(ch.AddedBytes)+" stored")
					}
				}
				suffix := ""
				if len(detail) > 0 {
					suffix = "  (" + strings.Join(detail, ", ") + ")"
				}
				_, err := fmt.Fprintf(g.stdout, "%c  %s%s\n", ch.Kind, displayPath(name), suffix)
				return err
			})
			if err != nil {
				return err
			}
			if g.json {
				return g.printJSON(struct {
					MessageType string `json:"message_type"` // "statistics"
					From        string `json:"from"`
					To          string `json:"to"`
					snapshot.DiffStats
				}{"statistics", a.ID().String(), b.ID().String(), st})
			}
			fmt.Fprintf(g.stdout, "\n%d added, %d removed, %d changed", st.Added, st.Removed, st.Modified)
			if c.Bool("metadata") {
				fmt.Fprintf(g.stdout, ", %d with other metadata", st.Metadata)
			}
			if len(tables) > 0 {
				fmt.Fprintf(g.stdout, "; tables: %d added, %d removed, %d changed", tables[snapshot.Added], tables[snapshot.Removed], tables[snapshot.Modified])
			}
			fmt.Fprintf(g.stdout, "\n%s adds %s to the repository (%d blobs that %s does not need); %s holds %s that %s does not need\n",
				b.ID().Str(), formatBytes(st.AddedBytes), st.AddedBlobs, a.ID().Str(), a.ID().Str(), formatBytes(st.RemovedBytes), b.ID().Str())
			return nil
		},
	}
}

// tableName returns "schema.table" when p is the data file of a table in a
// SQL Server snapshot (DATABASE/data/SCHEMA.TABLE.sql), else "".
func tableName(a, b *snapshot.Snapshot, p string, n *snapshot.Node) string {
	if a.Source != sourceSQLServer && b.Source != sourceSQLServer || n.Type != snapshot.TypeFile {
		return ""
	}
	parts := strings.Split(strings.Trim(p, "/"), "/")
	if len(parts) != 3 || parts[1] != mssql.DataDir || path.Ext(parts[2]) != ".sql" {
		return ""
	}
	return strings.TrimSuffix(parts[2], ".sql")
}
