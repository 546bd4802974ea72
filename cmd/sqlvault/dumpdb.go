package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/mssql"
	"github.com/sqlvault/sqlvault/repo"
	"github.com/sqlvault/sqlvault/snapshot"
)

// databaseDumpName tells whether dump was asked for a whole database of a
// SQL Server snapshot (dump SNAPSHOT NAME.sql, or --database NAME), and
// which.
func databaseDumpName(ctx context.Context, c *cli.Context, r *repo.Repository, sn *snapshot.Snapshot) (string, bool) {
	if name := c.String("database"); name != "" {
		return name, true
	}
	if sn.Source != sourceSQLServer || c.NArg() < 2 {
		return "", false
	}
	p := strings.Trim(c.Args().Get(1), "/")
	if !strings.HasSuffix(p, ".sql") || strings.Contains(p, "/") {
		return "", false
	}
	if _, err := snapshot.FindNode(ctx, r, sn.Tree, p); err == nil {
		return "", false // a file of that name exists: dump it
	}
	return strings.TrimSuffix(p, ".sql"), true
}

// dumpDatabaseScript writes a scripted database of a snapshot as one
// script: the files its master script includes, in order.
// The bytes written are counted in c.
func dumpDatabaseScript(ctx context.Context, g *globals, r *repo.Repository, sn *snapshot.Snapshot, name string, c *snapshot.Counters) error {
	folder := mssql.DatabaseFolder(name)
	master, err := snapshot.FindNode(ctx, r, sn.Tree, path.Join(folder, mssql.MasterFile))
	if err != nil || master.Type != snapshot.TypeFile {
		return fmt.Errorf("snapshot %s holds no database %q (its master script %s/%s is missing): see 'sqlvault ls %s'",
			sn.ID().Str(), name, folder, mssql.MasterFile, sn.ID().Str())
	}
	var buf bytes.Buffer
	if _, err := snapshot.WriteContent(ctx, r, master.Content, &buf); err != nil {
		return fmt.Errorf("dump %s: %w", mssql.MasterFile, err)
	}
	bw := bufio.NewWriterSize(g.stdout, 1<<20)
	err = mssql.Concat(ctx, &buf, func(ctx context.Context, file string, w io.Writer) error {
		n, err := snapshot.FindNode(ctx, r, sn.Tree, path.Join(folder, file))
		if err != nil {
			return err
		}
		if n.Type != snapshot.TypeFile {
			return fmt.Errorf("not a file")
		}
		_, err = snapshot.WriteContent(ctx, r, n.Content, w)
		return err
	}, c.Writer(bw))
	if err != nil {
		return fmt.Errorf("dump database %s: %w", name, err)
	}
	return bw.Flush()
}
