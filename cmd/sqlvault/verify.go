package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/mssql"
	"github.com/sqlvault/sqlvault/mssql/load"
	"github.com/sqlvault/sqlvault/mssql/verify"
)

func verifyCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "verify",
		Usage: "prove a SQL Server database snapshot restores: restore it into a scratch database, compare every table with the backup, drop it",
		Description: "verify restores the snapshot's database into a new scratch database on the server --to names\n" +
			"(bulk-loaded as restore --to does), reads every table back with the query the backup read it with,\n" +
			"compares its row count and content hash with those the snapshot recorded, and names the first row\n" +
			"that differs (its key and column). It prints a table of the verdicts and the time the restore took,\n" +
			"and drops the scratch database (unless --keep). Exit 0 when every table holds the rows backed up,\n" +
			"4 when the restore failed or a table differs.",
		ArgsUsage: "SNAPSHOT | --at TIME",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "to", Usage: "verify on the server of `URL` (sqlserver://user@host[/instance]; ?database=NAME names the scratch database, which must not exist)"},
			&cli.BoolFlag{Name: "keep", Usage: "leave the scratch database on the server"},
			&cli.IntFlag{Name: "parallel", Value: load.DefaultParallel, Usage: "load `N` tables at once"},
			&cli.StringFlag{Name: "mssql-password-file", EnvVars: []string{"SQLVAULT_MSSQL_PASSWORD_FILE"}, Usage: "read the --to login's password from `FILE` (or set SQLVAULT_MSSQL_PASSWORD)"},
			&cli.DurationFlag{Name: "connect-timeout", Value: 30 * time.Second, Usage: "give up connecting after `DURATION`"},
			atFlag(),
		}, filterFlags(true)...),
		Action: func(c *cli.Context) error {
			if c.NArg() != snapshotArgs(c) {
				return usageErr("verify needs one snapshot (an ID prefix or \"latest\"), or --at TIME and no snapshot")
			}
			if c.String("to") == "" {
				return usageErr("verify needs --to URL, the SQL Server to restore the scratch copy on (sqlserver://user@host)")
			}
			srv, err := mssql.ParseURL(c.String("to"))
			if err != nil {
				return usageErr("--to: %v", err)
			}
			if len(srv.Databases) > 1 {
				return usageErr("--to names one scratch database at most: sqlserver://user@host?database=NAME")
			}
			r, sn, unlock, err := g.openSnapshot(c, "")
			if err != nil {
				return err
			}
			defer unlock()
			name := databaseName(sn)
			if name == "" {
				return usageErr("snapshot %s is not of a SQL Server database: verify takes a database snapshot", sn.ID().Str())
			}
			pw, err := sqlServerPassword(c, g, srv)
			if err != nil {
				return err
			}
			ctx := c.Context
			folder := &snapshotFS{ctx: ctx, r: r, sn: sn, dir: mssql.DatabaseFolder(name)}
			m, err := load.ReadManifest(folder)
			if err != nil {
				return describe(fmt.Errorf("snapshot %s: database %s: %w", sn.ID().Str(), mssql.DisplayText(name), err))
			}
			lo, status := g.loadOptions(m)
			lo.Parallel = c.Int("parallel")
			opts := verify.Options{Keep: c.Bool("keep"), Load: lo}
			if len(srv.Databases) == 1 {
				opts.Database = srv.Databases[0]
			}
			timeout := c.Duration("connect-timeout")
			connect := func(ctx context.Context, database string) (*sql.DB, error) {
				db, err := mssql.Connect(ctx, srv, database, pw, timeout)
				if err != nil {
					return nil, withCode(exitSource, err)
				}
				return db, nil
			}
			g.infof("verifying database %s of snapshot %s on %s", mssql.DisplayText(name), sn.ID().Str(), srv.Location(""))
			rep, err := verify.Run(ctx, connect, folder, opts)
			status.Clear()
			if err != nil {
				if ctx.Err() != nil {
					return err
				}
				err = fmt.Errorf("verify of snapshot %s on %s: %w", sn.ID().Str(), srv.Location(""), err)
				if pe := (*load.PermissionError)(nil); errors.As(err, &pe) || errors.Is(err, load.ErrTargetVersion) {
					return withCode(exitSource, err)
				}
				return err
			}
			if g.json {
				if err := g.printJSON(rep); err != nil {
					return err
				}
			} else {
				printVerify(g, rep)
			}
			if rep.DropErr != "" {
				g.warnf("%s; drop it by hand", rep.DropErr)
			}
			switch {
			case rep.RestoreErr != "":
				return withCode(exitDamaged, fmt.Errorf("verify failed: snapshot %s does not restore: %s", sn.ID().Str(), rep.RestoreErr))
			case rep.Failed > 0:
				return withCode(exitDamaged, fmt.Errorf("verify failed: %d of %d tables of snapshot %s do not hold the rows backed up", rep.Failed, len(rep.Tables), sn.ID().Str()))
			}
			return nil
		},
	}
}

// printVerify prints the verdict table and the summary of a verify.
func printVerify(g *globals, rep *verify.Report) {
	if g.quiet {
		return
	}
	if len(rep.Tables) > 0 {
		names := make([]string, len(rep.Tables))
		width, rowsWidth := len("TABLE"), len("ROWS")
		for i, t := range rep.Tables {
			names[i] = safeLine(mssql.DisplayText(t.Name))
			if r := []rune(names[i]); len(r) > 60 {
				names[i] = string(r[:59]) + "…"
			}
			width = max(width, utf8.RuneCountInString(names[i]))
			rowsWidth = max(rowsWidth, len(strconv.FormatInt(t.Rows, 10)))
		}
		pad := func(s string) string { return s + strings.Repeat(" ", width-utf8.RuneCountInString(s)) }
		fmt.Fprintf(g.stdout, "%s  %*s  RESULT\n", pad("TABLE"), rowsWidth, "ROWS")
		for i, t := range rep.Tables {
			verdict := "OK"
			switch {
			case t.Err != "":
				verdict = "NOT COMPARED: " + t.Err
			case !t.OK:
				verdict = "DIFFERS: " + t.Diff
			}
			fmt.Fprintf(g.stdout, "%s  %*d  %s\n", pad(names[i]), rowsWidth, t.Rows, safeLine(verdict))
		}
	}
	scratch := "dropped"
	if rep.Kept {
		scratch = "kept"
	}
	where := fmt.Sprintf("scratch database %s %s", mssql.DisplayText(rep.Scratch), scratch)
	if rep.RestoreErr != "" {
		g.infof("restore failed after %s; %s", rep.Restore.Round(time.Millisecond), where)
		return
	}
	verdict := fmt.Sprintf("all %d tables hold the rows backed up", len(rep.Tables))
	if rep.Failed > 0 {
		verdict = fmt.Sprintf("%d of %d tables differ", rep.Failed, len(rep.Tables))
	}
	g.infof("%s; restore took %s (%d rows), reading back %s; %s",
		verdict, rep.Restore.Round(time.Millisecond), rep.Rows, rep.Check.Round(time.Millisecond), where)
}
