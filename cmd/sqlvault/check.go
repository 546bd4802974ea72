package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/repo"
	"github.com/sqlvault/sqlvault/snapshot"
)

func checkCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "check",
		Usage:     "verify the repository's structure, and with --read-data all its data",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "read-data", Usage: "read every pack, decrypt every blob and verify its ID"},
			&cli.StringFlag{Name: "read-data-subset", Usage: "like --read-data for a part of the packs: `N%` of them at random, or group n of t (n/t, t up to 256) so that t runs with n = 1..t read everything"},
		},
		Action: func(c *cli.Context) error {
			opts := repo.CheckOptions{ReadData: c.Bool("read-data")}
			if s := c.String("read-data-subset"); s != "" {
				if opts.ReadData {
					return usageErr("use either --read-data or --read-data-subset, not both")
				}
				var err error
				if opts, err = parseSubset(s); err != nil {
					return usageErr("--read-data-subset: %v", err)
				}
			}
			r, unlock, err := g.openRepo(c.Context, readLock, false)
			if err != nil {
				return err
			}
			defer unlock()
			status := g.statusBlock()
			defer status.Clear()
			// out prints a finding on stdout, below the status block.
			out := func(text string, v any) {
				status.Clear()
				if g.json {
					_ = g.printJSON(v)
					return
				}
				fmt.Fprintln(g.stdout, text)
			}
			report := func(p error) { out("error: "+safeLine(p.Error()), problemJSON(p)) }
			g.statusf(status, "checking index and pack headers")
			start := time.Now()
			if status != nil {
				opts.Progress = func(p repo.CheckProgress) {
					status.Set(checkProgressLines(p, time.Since(start)), p.PacksDone == p.Packs)
				}
			}
			st, problems, err := r.Check(c.Context, opts, func(p repo.Problem) { report(p) })
			if err != nil {
				return err
			}
			status.Clear()
			g.statusf(status, "checking snapshots and trees")
			n, err := snapshot.CheckSnapshots(c.Context, r, st.Damaged, report, func(u snapshot.DamagedUse) {
				out(u.String(), struct {
					MessageType string `json:"message_type"` // "damaged_file"
					Snapshot    string `json:"snapshot"`
					Path        string `json:"path"`
					Blob        string `json:"blob"`
				}{"damaged_file", u.Snapshot.String(), u.Path, u.Blob.String()})
			})
			status.Clear()
			if err != nil {
				return err
			}
			problems += n
			if g.json {
				err := g.printJSON(checkSummary{MessageType: "summary", ReadData: opts.ReadData, IndexFiles: st.IndexFiles, Packs: st.Packs,
					Blobs: st.Blobs, PacksRead: st.PacksRead, BlobsRead: st.BlobsRead, Errors: problems,
					UnreferencedPacks: len(st.Unreferenced), DamagedIndexFiles: len(st.DamagedIndex)})
				if err != nil {
					return err
				}
			}
			for _, id := range st.Unreferenced {
				g.verbosef("pack %s is named by no index", id.Str())
			}
			if len(st.Unreferenced) > 0 {
				g.infof("%d packs no index names: left by an interrupted backup, or listed by a damaged or removed index file; 'sqlvault repair index' adds back what they hold", len(st.Unreferenced))
			}
			if opts.ReadData {
				g.infof("read %d packs, %d blobs", st.PacksRead, st.BlobsRead)
			}
			if problems > 0 {
				hint := ""
				if len(st.DamagedIndex) > 0 {
					hint = ": run 'sqlvault repair index'"
				}
				return withCode(exitDamaged, fmt.Errorf("check found %d problems in %s%s", problems, r.Backend().Location(), hint))
			}
			if !g.json {
				fmt.Fprintf(g.stdout, "no problems found (%d index files, %d packs, %d blobs)\n", st.IndexFiles, st.Packs, st.Blobs)
			}
			return nil
		},
	}
}

// checkSummary is the last line of check --json.
type checkSummary struct {
	MessageType       string `json:"message_type"` // "summary"
	ReadData          bool   `json:"read_data"`
	IndexFiles        int    `json:"index_files"`
	Packs             int    `json:"packs"`
	Blobs             int    `json:"blobs"`
	PacksRead         int    `json:"packs_read"`
	BlobsRead         int    `json:"blobs_read"`
	Errors            int    `json:"errors"`
	UnreferencedPacks int    `json:"unreferenced_packs"`
	DamagedIndexFiles int    `json:"damaged_index_files"`
}

// problemJSON is a problem that check or repair index found, as a line of
// --json: the pack and blob it is about, if any.
func problemJSON(err error) any {
	type line struct {
		MessageType string `json:"message_type"` // "error"
		Error       string `json:"error"`
		Pack        string `json:"pack,omitempty"`
		Blob        string `json:"blob,omitempty"`
	}
	var p repo.Problem
	if !errors.As(err, &p) {
		return line{MessageType: "error", Error: err.Error()}
	}
	l := line{MessageType: "error", Error: p.Err.Error()}
	if !p.Pack.IsNull() {
		l.Pack = p.Pack.String()
	}
	if !p.Blob.IsNull() {
		l.Blob = p.Blob.String()
	}
	return l
}

// checkProgressLines renders how far a check is: the pack headers checked
// and, when data is read, the packs and bytes read with rate and ETA.
func checkProgressLines(p repo.CheckProgress, elapsed time.Duration) []string {
	lines := []string{fmt.Sprintf("  %d of %d packs checked", p.PacksDone, p.Packs)}
	if p.ReadPacks > 0 {
		lines = append(lines, fmt.Sprintf("  read %d of %d packs, ", p.ReadPacksDone, p.ReadPacks)+progressText(0, 0, "", p.ReadBytesDone, p.ReadBytes, elapsed))
	}
	return lines
}

// parseSubset parses --read-data-subset: "N%" (a random share of the
// packs) or "n/t" (the packs whose ID's first byte modulo t is n-1).
func parseSubset(s string) (repo.CheckOptions, error) {
	opts := repo.CheckOptions{ReadData: true}
	if a, b, ok := strings.Cut(s, "/"); ok {
		n, err1 := strconv.Atoi(strings.TrimSpace(a))
		t, err2 := strconv.Atoi(strings.TrimSpace(b))
		if err1 != nil || err2 != nil || t < 1 || t > 256 || n < 1 || n > t {
			return opts, fmt.Errorf("%q: use n/t with 1 <= n <= t <= 256, e.g. 3/7", s)
		}
		opts.Packs = func(id repo.ID) bool { return int(id[0])%t == n-1 }
		return opts, nil
	}
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if !strings.HasSuffix(strings.TrimSpace(s), "%") || err != nil || v <= 0 || v > 100 {
		return opts, fmt.Errorf("%q: use a percentage above 0%% up to 100%% (e.g. 10%%) or n/t (e.g. 3/7)", s)
	}
	opts.Fraction = v / 100
	return opts, nil
}
