package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/repo"
	"github.com/sqlvault/sqlvault/snapshot"
)

func forgetCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "forget",
		Usage: "remove snapshots by a retention policy, or by ID (data is freed by prune)",
		Description: "Snapshots are grouped by host and source (a database, a stream, a set of folders); in each group\n" +
			"the policy keeps the newest snapshot of each of the last N hours, days, weeks, months and years,\n" +
			"the last N snapshots, those within a duration of the newest, and those with given tags.\n" +
			"A policy that keeps nothing in a group is refused unless --unsafe-allow-remove-all is given.",
		ArgsUsage: "[SNAPSHOT...]",
		Flags: append([]cli.Flag{
			&cli.IntFlag{Name: "keep-last", Usage: "keep the last `N` snapshots"},
			&cli.IntFlag{Name: "keep-hourly", Usage: "keep the newest snapshot of each of the last `N` hours with one (-1: all)"},
			&cli.IntFlag{Name: "keep-daily", Usage: "keep the newest snapshot of each of the last `N` days with one (-1: all)"},
			&cli.IntFlag{Name: "keep-weekly", Usage: "keep the newest snapshot of each of the last `N` ISO weeks with one (-1: all)"},
			&cli.IntFlag{Name: "keep-monthly", Usage: "keep the newest snapshot of each of the last `N` months with one (-1: all)"},
			&cli.IntFlag{Name: "keep-yearly", Usage: "keep the newest snapshot of each of the last `N` years with one (-1: all)"},
			&cli.StringFlag{Name: "keep-within", Usage: "keep snapshots taken within `DURATION` of the newest one (e.g. 30d, 2w, 6m, 1y2m, 12h)"},
			&cli.GenericFlag{Name: "keep-tag", Value: &tagLists{}, Usage: "keep snapshots with tags `TAG[,TAG...]` (all of them; repeat for alternatives)"},
			&cli.StringFlag{Name: "group-by", Value: "host,source", Usage: "apply the policy to each group of snapshots with the same `KEYS` (host, source, tags; \"\" for one group)"},
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "show what would be removed and why the rest is kept; change nothing"},
			&cli.BoolFlag{Name: "prune", Usage: "run prune afterwards to free the space"},
			&cli.StringFlag{Name: "repack-threshold", Value: "50%", Usage: "with --prune: see 'sqlvault prune --help'"},
			&cli.BoolFlag{Name: "unsafe-allow-remove-all", Usage: "allow a policy (or none) to remove every snapshot of a group"},
		}, filterFlags(true)...),
		Action: func(c *cli.Context) error { return runForget(c, g) },
	}
}

func runForget(c *cli.Context, g *globals) error {
	ctx := c.Context
	p := snapshot.Policy{Last: c.Int("keep-last"), Hourly: c.Int("keep-hourly"), Daily: c.Int("keep-daily"),
		Weekly: c.Int("keep-weekly"), Monthly: c.Int("keep-monthly"), Yearly: c.Int("keep-yearly")}
	if s := c.String("keep-within"); s != "" {
		d, err := snapshot.ParseDuration(s)
		if err != nil {
			return usageErr("--keep-within: %v", err)
		}
		p.Within = d
	}
	p.Tags = tagListsOf(c, "keep-tag")
	if err := p.Validate(); err != nil {
		return usageErr("%v", err)
	}
	by, err := snapshot.ParseGroupBy(c.String("group-by"))
	if err != nil {
		return usageErr("%v", err)
	}
	threshold, err := parsePercent(c.String("repack-threshold"))
	if err != nil {
		return usageErr("--repack-threshold: %v", err)
	}
	ids := c.Args().Slice()
	unsafe := c.Bool("unsafe-allow-remove-all")
	switch {
	case len(ids) > 0 && (!p.Empty() || c.IsSet("group-by") || filtered(c)):
		return usageErr("give either snapshot IDs or a policy (--keep-*, --group-by, filters), not both")
	case len(ids) == 0 && p.Empty() && !unsafe:
		return usageErr("no policy given: use --keep-last, --keep-hourly, --keep-daily, --keep-weekly, --keep-monthly, --keep-yearly, --keep-within or --keep-tag, or name the snapshots to forget (an empty policy would remove every snapshot; --unsafe-allow-remove-all allows that)")
	}
	dry := c.Bool("dry-run")
	mode := exclusiveLock
	if dry {
		mode = readLock
	}
	r, unlock, err := g.openRepo(ctx, mode, c.Bool("prune"))
	if err != nil {
		return err
	}
	defer unlock()
	sns, damaged, err := g.listSnapshots(ctx, r)
	if err != nil {
		return err
	}

	var remove []*snapshot.Snapshot
	var removeDamaged []repo.ID // named snapshot files that cannot be read: removed by ID
	if len(ids) > 0 {
		for _, spec := range ids {
			sn, err := snapshot.Select(sns, spec)
			if errors.Is(err, snapshot.ErrNotFound) {
				if d := snapshot.MatchDamaged(damaged, spec); d != nil {
					removeDamaged = append(removeDamaged, d.ID)
					continue
				}
			}
			if err != nil {
				return err
			}
			remove = append(remove, sn)
		}
	} else {
		remove, err = applyPolicy(g, snapshotFilter(c).Apply(sns), p, by, unsafe, dry)
		if err != nil {
			return err
		}
	}
	verb := "removed"
	if dry {
		verb = "would remove"
	}
	done := map[repo.ID]bool{}
	removeIDs := removeDamaged
	for _, sn := range remove {
		removeIDs = append(removeIDs, sn.ID())
	}
	for _, id := range removeIDs {
		if done[id] {
			continue
		}
		done[id] = true
		if !dry {
			if err := r.Backend().Remove(ctx, backend.Handle{Type: backend.Snapshot, Name: id.String()}); err != nil {
				return fmt.Errorf("remove snapshot %s: %w (%d removed before it)", id.Str(), err, len(done)-1)
			}
		}
		if len(ids) > 0 {
			what := "snapshot"
			if slices.Contains(removeDamaged, id) {
				what = "damaged snapshot file"
			}
			g.infof("%s %s %s", verb, what, id.Str())
		}
	}
	if g.json {
		ids := make([]string, 0, len(done))
		for _, id := range removeIDs {
			if s := id.String(); !slices.Contains(ids, s) {
				ids = append(ids, s)
			}
		}
		err := g.printJSON(struct {
			MessageType string   `json:"message_type"` // "summary"
			DryRun      bool     `json:"dry_run"`
			Removed     []string `json:"removed"`
			Total       int      `json:"total_snapshots"`
		}{"summary", dry, ids, len(sns) + len(damaged)})
		if err != nil {
			return err
		}
	} else {
		g.infof("%s %d of %d snapshots", verb, len(done), len(sns)+len(damaged))
	}
	if !c.Bool("prune") {
		return nil
	}
	if len(done) == 0 && !dry {
		g.infof("nothing was removed; pruning anyway")
	}
	var keep []*snapshot.Snapshot // nil: prune sees what is in the repository
	if dry {
		keep = []*snapshot.Snapshot{}
		for _, sn := range sns {
			if !done[sn.ID()] {
				keep = append(keep, sn)
			}
		}
	}
	return runPrune(c, g, r, threshold, dry, keep)
}

// applyPolicy decides per group, prints the decisions and returns the
// snapshots to remove. Nothing is removed if the policy would empty a
// group and unsafe is not set.
func applyPolicy(g *globals, sns []*snapshot.Snapshot, p snapshot.Policy, by snapshot.GroupBy, unsafe, dry bool) ([]*snapshot.Snapshot, error) {
	type decisionJSON struct {
		ID      string    `json:"id"`
		ShortID string    `json:"short_id"`
		Time    time.Time `json:"time"`
		Keep    bool      `json:"keep"`
		Reasons []string  `json:"reasons,omitempty"`
	}
	type groupJSON struct {
		MessageType string         `json:"message_type"` // "group"
		Host        string         `json:"host,omitempty"`
		Source      string         `json:"source,omitempty"`
		Paths       []string       `json:"paths,omitempty"`
		Tags        []string       `json:"tags,omitempty"`
		Snapshots   []decisionJSON `json:"snapshots"`
	}
	var remove []*snapshot.Snapshot
	var out []groupJSON
	var text strings.Builder
	for _, grp := range snapshot.Groups(sns, by) {
		ds := snapshot.ApplyPolicy(grp.Snapshots, p)
		kept := 0
		for _, d := range ds {
			if d.Keep {
				kept++
			}
		}
		if kept == 0 && !unsafe {
			return nil, usageErr("the policy (%s) keeps none of the %d snapshots of %s: refusing to remove them all (add --unsafe-allow-remove-all if that is what you want); nothing was removed",
				p, len(ds), grp)
		}
		gj := groupJSON{MessageType: "group", Host: grp.Host, Source: grp.Source, Paths: grp.Paths, Tags: grp.Tags}
		fmt.Fprintf(&text, "%s: %d snapshots, keep %d, remove %d\n", grp, len(ds), kept, len(ds)-kept)
		for _, d := range ds {
			sn := d.Snapshot
			gj.Snapshots = append(gj.Snapshots, decisionJSON{ID: sn.ID().String(), ShortID: sn.ID().Str(), Time: sn.Time, Keep: d.Keep, Reasons: d.Reasons})
			action := "keep  "
			if !d.Keep {
				action = "remove"
				if dry {
					action = "would remove"
				}
				remove = append(remove, sn)
			}
			fmt.Fprintf(&text, "  %-12s %s  %s  %s\n", action, sn.ID().Str(), sn.Time.Local().Format(time.DateTime), strings.Join(d.Reasons, ", "))
		}
		out = append(out, gj)
	}
	if g.json {
		return remove, printJSONLines(g, out)
	}
	if !g.quiet {
		fmt.Fprint(g.stdout, text.String())
	}
	return remove, nil
}
