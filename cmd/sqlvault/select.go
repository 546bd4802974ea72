package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/mssql"
	"github.com/sqlvault/sqlvault/repo"
	"github.com/sqlvault/sqlvault/snapshot"
)

// atFlag selects a snapshot by time instead of by ID.
func atFlag() cli.Flag {
	return &cli.StringFlag{Name: "at", Usage: "use the newest snapshot taken at or before `TIME` (2024-05-01, \"2024-05-01 14:30\" or RFC 3339; a date alone means the end of that day) instead of a SNAPSHOT argument"}
}

// filterFlags select snapshots by host, tag and source; withDatabase adds
// --database (dump has its own).
func filterFlags(withDatabase bool) []cli.Flag {
	fs := []cli.Flag{
		&cli.StringSliceFlag{Name: "host", Usage: "only snapshots of host `HOST` (repeat for several)"},
		&cli.GenericFlag{Name: "tag", Value: &tagLists{}, Usage: "only snapshots with tags `TAG[,TAG...]` (all of them; repeat for alternatives)"},
		&cli.StringSliceFlag{Name: "source", Usage: "only snapshots of `SOURCE`: a database name, stream name, backed-up path, or kind (files, stdin, command, sqlserver)"},
	}
	if withDatabase {
		fs = append(fs, &cli.StringFlag{Name: "database", Usage: "only snapshots of SQL Server database `NAME`"})
	}
	return fs
}

// snapshotFilter builds the filter from the flags of filterFlags.
func snapshotFilter(c *cli.Context) snapshot.Filter {
	f := snapshot.Filter{Hosts: c.StringSlice("host"), Sources: c.StringSlice("source"), Name: databaseNames}
	f.Tags = tagListsOf(c, "tag")
	if db := c.String("database"); db != "" {
		f.Match = func(sn *snapshot.Snapshot) bool {
			return sn.Source == sourceSQLServer && strings.EqualFold(databaseName(sn), db)
		}
	}
	return f
}

// filtered reports whether any filter flag is given.
func filtered(c *cli.Context) bool {
	return len(c.StringSlice("host"))+len(tagListsOf(c, "tag"))+len(c.StringSlice("source")) > 0 || c.String("database") != ""
}

// databaseName returns the database of a SQL Server snapshot, or "".
func databaseName(sn *snapshot.Snapshot) string {
	if sn.Source != sourceSQLServer || len(sn.Paths) == 0 {
		return ""
	}
	src, err := mssql.ParseURL(sn.Paths[0])
	if err != nil || len(src.Databases) == 0 {
		return ""
	}
	return src.Databases[0]
}

func databaseNames(sn *snapshot.Snapshot) []string {
	if db := databaseName(sn); db != "" {
		return []string{db}
	}
	return nil
}

// snapshotArgs is the number of leading arguments that name the snapshot:
// none with --at, else one.
func snapshotArgs(c *cli.Context) int {
	if c.String("at") != "" {
		return 0
	}
	return 1
}

// parseAt parses --at.
func parseAt(c *cli.Context) (time.Time, error) {
	t, err := snapshot.ParseTime(c.String("at"), time.Local)
	if err != nil {
		return t, usageErr("--at: %v", err)
	}
	return t, nil
}

// findSnapshot returns the snapshot a command works on: the one named by
// the first argument (an ID prefix, or "latest": the newest one that
// passes the filter flags), or with --at the newest one of its source
// taken at or before that time. When snapshots of several sources qualify
// for --at, the one holding path (if given) is taken; otherwise the user
// must narrow the choice.
func (g *globals) findSnapshot(c *cli.Context, r *repo.Repository, path string) (*snapshot.Snapshot, error) {
	ctx := c.Context
	sns, damaged, err := g.listSnapshots(ctx, r)
	if err != nil {
		return nil, err
	}
	f := snapshotFilter(c)
	if c.String("at") == "" {
		spec := c.Args().Get(0)
		if spec != "latest" || !filtered(c) {
			return selectSnapshot(sns, damaged, spec)
		}
		cands := f.Apply(sns)
		if len(cands) == 0 && len(sns) > 0 {
			return nil, fmt.Errorf("%w: none of the %d snapshots passes --host, --tag, --source or --database", snapshot.ErrNotFound, len(sns))
		}
		return snapshot.Select(cands, spec)
	}
	at, err := parseAt(c)
	if err != nil {
		return nil, err
	}
	cands := f.Apply(sns)
	if len(cands) == 0 {
		if len(sns) == 0 {
			return nil, fmt.Errorf("%w: the repository has no snapshots", snapshot.ErrNotFound)
		}
		return nil, fmt.Errorf("%w: none of the %d snapshots passes --host, --tag, --source or --database", snapshot.ErrNotFound, len(sns))
	}
	picks := snapshot.NewestAt(cands, at)
	if len(picks) == 0 {
		return nil, fmt.Errorf("%w: none was taken at or before %s (the oldest is from %s)", snapshot.ErrNotFound,
			at.Local().Format(time.DateTime), cands[0].Time.Local().Format(time.DateTime))
	}
	if len(picks) > 1 && path != "" {
		var holding []*snapshot.Snapshot
		for _, sn := range picks {
			if _, err := snapshot.FindNode(ctx, r, sn.Tree, path); err == nil {
				holding = append(holding, sn)
			}
		}
		if len(holding) > 0 {
			picks = holding
		}
	}
	if len(picks) > 1 {
		var names []string
		for _, g := range snapshot.Groups(picks, snapshot.DefaultGroupBy) {
			names = append(names, g.String())
		}
		return nil, usageErr("--at %s: snapshots of %d sources qualify (%s): choose one with --host, --source or --database",
			c.String("at"), len(picks), strings.Join(names, "; "))
	}
	return picks[0], nil
}

// tagLists is the value of a repeatable flag whose every value is a list
// of tags: "a,b" means both a and b. (A string slice flag would split at
// the comma and lose the grouping.)
type tagLists [][]string

// Set implements cli.Generic.
func (t *tagLists) Set(s string) error {
	tl := splitList([]string{s})
	if len(tl) == 0 {
		return fmt.Errorf("empty tag list")
	}
	*t = append(*t, tl)
	return nil
}

func (t *tagLists) String() string {
	var parts []string
	for _, tl := range *t {
		parts = append(parts, strings.Join(tl, ","))
	}
	return strings.Join(parts, " ")
}

// tagListsOf returns the lists of a tagLists flag.
func tagListsOf(c *cli.Context, name string) [][]string {
	if t, ok := c.Generic(name).(*tagLists); ok && t != nil {
		return *t
	}
	return nil
}

// openSnapshot opens the repository with a shared lock and its index, and
// finds the snapshot the command names (see findSnapshot). The returned
// function releases the lock.
func (g *globals) openSnapshot(c *cli.Context, path string) (*repo.Repository, *snapshot.Snapshot, func(), error) {
	r, unlock, err := g.openRepo(c.Context, readLock, true)
	if err != nil {
		return nil, nil, nil, err
	}
	sn, err := g.findSnapshot(c, r, path)
	if err != nil {
		unlock()
		return nil, nil, nil, err
	}
	return r, sn, unlock, nil
}

// listSnapshots loads every snapshot, oldest first. Each damaged snapshot
// file gets one warning and is left out, so that it does not lock the user
// out of the others; it is returned too, for the commands that can name it
// (forget removes it, and naming it elsewhere says it is damaged).
func (g *globals) listSnapshots(ctx context.Context, r *repo.Repository) ([]*snapshot.Snapshot, []*snapshot.DamagedError, error) {
	var damaged []*snapshot.DamagedError
	sns, err := snapshot.List(ctx, r, func(d *snapshot.DamagedError) {
		g.warnf("%v: skipped; 'sqlvault forget %s' removes it", d, d.ID.Str())
		damaged = append(damaged, d)
	})
	return sns, damaged, err
}

// selectSnapshot is snapshot.Select that says so when spec names a damaged
// snapshot file rather than none.
func selectSnapshot(sns []*snapshot.Snapshot, damaged []*snapshot.DamagedError, spec string) (*snapshot.Snapshot, error) {
	sn, err := snapshot.Select(sns, spec)
	if errors.Is(err, snapshot.ErrNotFound) {
		if d := snapshot.MatchDamaged(damaged, spec); d != nil {
			return nil, fmt.Errorf("%w; 'sqlvault forget %s' removes it", d, d.ID.Str())
		}
	}
	return sn, err
}
