package main

import (
	"bufio"
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/mssql"
)

func scriptCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "script",
		Usage:     "write a SQL Server database as a T-SQL script (schema and data) without a repository, like mysqldump",
		ArgsUsage: "sqlserver://USER@HOST[:PORT][/INSTANCE]?database=NAME",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the folder of scripts (restore.sql, schema.sql, data/, post-data.sql, security.sql, manifest.json) into `DIR`/<database> instead of one script to standard output"},
			&cli.StringSliceFlag{Name: "tables", Usage: "script only these tables (`SCHEMA.TABLE` or TABLE; repeat or separate with commas); views, routines and types are left out"},
			&cli.StringSliceFlag{Name: "exclude-table", Usage: "leave out table `SCHEMA.TABLE` (repeat for several)"},
			&cli.StringFlag{Name: "where", Usage: "script only rows that match `CONDITION` (applied to every table)"},
			&cli.BoolFlag{Name: "schema-only", Usage: "leave out the data"},
			&cli.BoolFlag{Name: "data-only", Usage: "leave out the schema"},
		}, sqlServerFlags()...),
		Action: func(c *cli.Context) error { return runScript(c, g) },
	}
}

func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func runScript(c *cli.Context, g *globals) error {
	if c.NArg() != 1 || !mssql.IsURL(c.Args().First()) {
		return usageErr("script needs one sqlserver://USER@HOST[:PORT][/INSTANCE]?database=NAME URL")
	}
	if c.Bool("schema-only") && c.Bool("data-only") {
		return usageErr("use either --schema-only or --data-only, not both")
	}
	job, err := newSQLServerJob(c, g, c.Args().First())
	if err != nil {
		return err
	}
	out := c.String("output")
	if out == "" && len(job.databases) > 1 {
		return usageErr("several databases need --output DIR (one folder each)")
	}
	opts := job.opts
	opts.Tables = splitList(c.StringSlice("tables"))
	opts.ExcludeTables = splitList(c.StringSlice("exclude-table"))
	opts.Where = c.String("where")
	opts.SchemaOnly, opts.DataOnly = c.Bool("schema-only"), c.Bool("data-only")
	for _, name := range job.databases {
		shown := mssql.DisplayText(name) // a name from the server may hold line breaks
		var sink mssql.Sink
		var bw *bufio.Writer
		if out == "" {
			bw = bufio.NewWriterSize(g.stdout, 1<<20)
			sink = &mssql.ScriptSink{W: bw}
		} else {
			sink = mssql.PrefixSink{Prefix: mssql.DatabaseFolder(name), Sink: mssql.DirSink{Dir: out}}
		}
		m, err := job.script(c.Context, g, name, sink, opts)
		if err != nil {
			var se *mssql.SourceError
			if errors.As(err, &se) {
				return withCode(exitSource, maskedDataHint(err))
			}
			return fmt.Errorf("database %s: %w", shown, err)
		}
		if bw != nil {
			if err := bw.Flush(); err != nil {
				return err
			}
		}
		where := "standard output"
		if out != "" {
			where = out + "/" + mssql.DatabaseFolder(name)
		}
		g.infof("scripted database %s to %s: %d tables, %d rows, %s of T-SQL in %s (consistency: %s, %d objects not scripted)",
			shown, where, m.Totals.Tables, m.Totals.Rows, formatBytes(m.Totals.Bytes), m.End.Sub(m.Start).Round(1e6),
			m.Consistency, len(m.Unscripted))
		if note := needsLoginsNote(m); note != "" {
			g.infof("database %s: %s", shown, note)
		}
		if note := leftOutNote(m); note != "" {
			g.infof("database %s: %s", shown, note)
		}
	}
	return nil
}

// isSourceError tells errors of the SQL Server source.
func isSourceError(err error) bool {
	var se *mssql.SourceError
	return errors.As(err, &se)
}
