package main

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/config"
	"github.com/sqlvault/sqlvault/job"
)

func runCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run a job of the configuration file: back up its sources, forget, prune, check and verify when due",
		ArgsUsage: "JOB",
		Description: "The job is a [job.NAME] table of the configuration file (--config, SQLVAULT_CONFIG, default\n" +
			config.DefaultPath + "). Each step runs sqlvault as a child process; its output is shown with the\n" +
			"step's name in front. A summary follows, one line per step; the exit code is the highest of the steps'.\n" +
			"Configuration errors exit with code 2. See docs/design.md, \"Jobs\".",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "print the steps the run would take; run nothing"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageErr("run needs one job name")
			}
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			j, err := cfg.Job(c.Args().First())
			if err != nil {
				return withCode(exitUsage, err)
			}
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			cacheDir := g.cacheDir
			if cacheDir == "" {
				base, err := os.UserCacheDir()
				if err != nil {
					return usageErr("no cache folder for the job's state (%v): use --cache-dir DIR", err)
				}
				cacheDir = filepath.Join(base, "sqlvault")
			}
			var globals []string
			if g.cacheDir != "" {
				globals = append(globals, "--cache-dir", g.cacheDir)
			}
			if g.noCache {
				globals = append(globals, "--no-cache")
			}
			host, _ := os.Hostname()
			stepOut := g.stdout
			if g.json && !c.Bool("dry-run") {
				stepOut = g.stderr // stdout is for the JSON lines
			}
			r := &job.Runner{Exe: exe, Globals: globals, Env: os.Environ(), StateDir: job.StateDir(cacheDir),
				Stdout: stepOut, Stderr: g.stderr, Host: host, Warn: g.warnf,
				Credentials: os.Getenv("CREDENTIALS_DIRECTORY")} // set by systemd for a scheduled run (job.Unit)
			if c.Bool("dry-run") {
				return r.DryRun(j)
			}
			res, err := r.Run(c.Context, j)
			switch {
			case res != nil && g.json:
				if err := printRunJSON(g, res); err != nil {
					return err
				}
			case res != nil:
				res.Summary(g.stdout)
			}
			if err != nil {
				return err
			}
			if res.Code != 0 {
				return withCode(res.Code, errors.New("job "+j.Name+" failed: see the summary"))
			}
			return nil
		},
	}
}

// loadConfig loads the configuration file of --config; a problem in it is
// exit code 2.
func (g *globals) loadConfig() (*config.Config, error) {
	path := g.configFile
	if path == "" {
		path = config.DefaultPath
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, withCode(exitUsage, err)
	}
	return cfg, nil
}

// printRunJSON prints the outcome of run --json: a line per step, then
// the summary.
func printRunJSON(g *globals, res *job.Result) error {
	type stepJSON struct {
		MessageType     string  `json:"message_type"` // "step"
		Name            string  `json:"name"`
		ExitCode        int     `json:"exit_code"`
		Skipped         string  `json:"skipped,omitempty"`
		DurationSeconds float64 `json:"duration_seconds"`
	}
	for _, s := range res.Steps {
		if err := g.printJSON(stepJSON{"step", s.Name, s.Code, s.Skipped, s.Duration.Seconds()}); err != nil {
			return err
		}
	}
	type added struct {
		Source string `json:"source"`
		Bytes  int64  `json:"bytes"`
	}
	sum := struct {
		MessageType     string    `json:"message_type"` // "summary"
		Job             string    `json:"job"`
		Start           time.Time `json:"start"`
		DurationSeconds float64   `json:"duration_seconds"`
		ExitCode        int       `json:"exit_code"`
		Snapshots       *int      `json:"snapshots,omitempty"`
		BytesAdded      []added   `json:"bytes_added,omitempty"`
	}{MessageType: "summary", Job: res.Job, Start: res.Start, DurationSeconds: res.Duration.Seconds(), ExitCode: res.Code}
	if res.Snapshots >= 0 {
		sum.Snapshots = &res.Snapshots
	}
	for _, src := range slices.Sorted(maps.Keys(res.BytesAdded)) {
		sum.BytesAdded = append(sum.BytesAdded, added{src, res.BytesAdded[src]})
	}
	return g.printJSON(sum)
}
