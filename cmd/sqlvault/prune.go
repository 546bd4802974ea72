package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/repo"
	"github.com/sqlvault/sqlvault/snapshot"
)

func pruneCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "prune",
		Usage: "delete data that no snapshot needs, and repack packs that are mostly unused",
		Description: "Takes the exclusive lock: it waits for (with --retry-lock) or fails on running backups and restores.\n" +
			"The new index is written before anything is deleted, so an interrupted prune leaves a consistent\n" +
			"repository; running prune again finishes the job.",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "report what would be freed; change nothing"},
			&cli.StringFlag{Name: "repack-threshold", Value: "50%", Usage: "repack packs of which more than `PERCENT` of the bytes are unused (0% repacks every pack with unused data, 100% never repacks)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageErr("prune takes no arguments")
			}
			threshold, err := parsePercent(c.String("repack-threshold"))
			if err != nil {
				return usageErr("--repack-threshold: %v", err)
			}
			mode := exclusiveLock
			if c.Bool("dry-run") {
				mode = readLock
			}
			r, unlock, err := g.openRepo(c.Context, mode, true)
			if err != nil {
				return err
			}
			defer unlock()
			return runPrune(c, g, r, threshold, c.Bool("dry-run"), nil)
		},
	}
}

// parsePercent parses "50%", "50" or "12.5%" into a share from 0 to 1.
func parsePercent(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || v < 0 || v > 100 {
		return 0, fmt.Errorf("%q is not a percentage from 0%% to 100%%", s)
	}
	return v / 100, nil
}

// runPrune prunes an open repository (exclusively locked unless dry) and
// prints what it did. A dry run with keep estimates the prune as if only
// those snapshots were left (forget --dry-run --prune).
func runPrune(c *cli.Context, g *globals, r *repo.Repository, threshold float64, dry bool, keep []*snapshot.Snapshot) error {
	// A damaged index file hides packs that snapshots need: pruning now
	// could delete them.
	if d := r.Index().Damaged(); len(d) > 0 {
		return withCode(exitDamaged, fmt.Errorf("prune: %v: run 'sqlvault repair index' first; nothing was deleted", d[0]))
	}
	// On a terminal a status block shows the phase and, in the phases that
	// go pack by pack, how many packs are done.
	status := g.statusBlock()
	defer status.Clear()
	var phase string
	var phaseStart time.Time
	opts := repo.PruneOptions{
		RepackThreshold: threshold,
		DryRun:          dry,
		Warn:            func(s string) { status.Clear(); g.warnf("%s", s) },
		Progress: func(s string) {
			if g.verbose {
				g.statusf(status, "prune: %s", s)
			}
			phase, phaseStart = s, time.Now()
			status.Set([]string{"prune: " + s}, true)
		},
		Packs: func(done, total int) {
			status.Set([]string{"prune: " + phase, "  " + countText("packs", int64(done), int64(total), time.Since(phaseStart))}, done == total)
		},
		Hook: pruneKillHook(),
	}
	var st repo.PruneStats
	var err error
	if dry && keep != nil {
		st, err = snapshot.EstimatePrune(c.Context, r, keep, opts)
	} else {
		st, err = snapshot.Prune(c.Context, r, opts)
	}
	status.Clear()
	if errors.Is(err, repo.ErrIndexDamaged) {
		return withCode(exitDamaged, err)
	}
	if err != nil {
		return describe(err)
	}
	var temp backend.TempStats
	if keep == nil { // a real prune or its dry run, not forget's estimate
		if temp, err = r.RemoveTemp(c.Context, dry); err != nil {
			return fmt.Errorf("remove temporary files: %w", err)
		}
	}
	if g.json {
		type out struct {
			MessageType string `json:"message_type"` // "prune"
			repo.PruneStats
			DryRun bool              `json:"dry_run"`
			Freed  int64             `json:"freed"`
			Temp   backend.TempStats `json:"temporary"`
		}
		return g.printJSON(out{MessageType: "prune", PruneStats: st, DryRun: dry, Freed: st.Freed(), Temp: temp})
	}
	if g.quiet {
		return nil
	}
	w := g.stdout
	fmt.Fprintf(w, "used:   %d blobs, %s (with the bases of their deltas)\n", st.UsedBlobs, formatBytes(st.UsedBytes))
	fmt.Fprintf(w, "unused: %d blobs, %s\n", st.UnusedBlobs, formatBytes(st.UnusedBytes))
	would := ""
	if dry {
		would = "would "
	}
	fmt.Fprintf(w, "packs:  %d, %s: %sdelete %d unused (%s), %srepack %d (%s, copying %d blobs, %s), keep %d\n",
		st.Packs, formatBytes(st.PackBytes), would, st.DeletePacks, formatBytes(st.DeleteBytes), would, st.RepackPacks,
		formatBytes(st.RepackBytes), st.CopiedBlobs, formatBytes(st.CopiedBytes), st.Packs-st.DeletePacks-st.RepackPacks)
	if st.Unreferenced > 0 {
		fmt.Fprintf(w, "packs no index names (left by interrupted backups; none holds data a snapshot needs): %d, %s, %sdelete\n", st.Unreferenced, formatBytes(st.UnreferencedBytes), would)
	}
	if temp.Removed > 0 {
		done := "removed"
		if dry {
			done = "would remove"
		}
		fmt.Fprintf(w, "%s %d temporary files (%s) left by interrupted backups\n", done, temp.Removed, formatBytes(temp.Bytes))
	}
	if !dry {
		fmt.Fprintf(w, "wrote %d packs (%s) and %d index files; removed %d index files\n", st.WrittenPacks, formatBytes(st.WrittenBytes), st.IndexWritten, st.IndexRemoved)
	}
	if st.KeptUnused > 0 {
		fmt.Fprintf(w, "%s unused stays in packs below the %s repack threshold\n", formatBytes(st.KeptUnused), c.String("repack-threshold"))
	}
	verb := "freed"
	if dry {
		verb = "would free about"
	}
	fmt.Fprintf(w, "%s %s\n", verb, formatBytes(st.Freed()))
	return nil
}

// pruneKillHook is fault injection for tests: with
// SQLVAULT_TEST_PRUNE_KILL=STEP:N in the environment, the process kills
// itself with SIGKILL at the N-th time prune reaches STEP (repack, flush,
// index, remove-index, remove-pack), to show that a prune that dies at any
// point leaves a consistent repository.
func pruneKillHook() func(string) error {
	spec := os.Getenv("SQLVAULT_TEST_PRUNE_KILL")
	if spec == "" {
		return nil
	}
	step, ns, _ := strings.Cut(spec, ":")
	n, err := strconv.Atoi(ns)
	if err != nil || n < 1 {
		n = 1
	}
	count := 0
	return func(s string) error {
		if s == step {
			count++
			if count == n {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {} // SIGKILL cannot be caught; wait for it
			}
		}
		return nil
	}
}
