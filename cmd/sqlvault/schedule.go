package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/config"
	"github.com/sqlvault/sqlvault/job"
	"github.com/sqlvault/sqlvault/schedule"
)

// jobSpecFunc gives the unit needs of a job named in the config file (user:
// --user was given). The config file's loader provides it.
type jobSpecFunc func(c *cli.Context, job string, user bool) (schedule.Spec, error)

// scheduleCommand is "sqlvault schedule install|remove|list|status": the
// systemd units that run jobs unattended. specFor maps a job to its Spec;
// only install needs it.
func scheduleCommand(g *globals, specFor jobSpecFunc) *cli.Command {
	flags := func() []cli.Flag {
		return []cli.Flag{
			&cli.BoolFlag{Name: "user", Usage: "user units (~/.config/systemd/user, systemctl --user) instead of system units (/etc/systemd/system)"},
			&cli.StringFlag{Name: "root", Usage: "write and read units below `DIR` as if it were / (systemctl is not run)"},
		}
	}
	opts := func(c *cli.Context) schedule.Options { return schedule.Options{Root: c.String("root")} }
	return &cli.Command{
		Name:  "schedule",
		Usage: "install, remove, list and show the systemd timers that run jobs from the config file",
		Description: "install writes sqlvault-JOB.service (a hardened oneshot running 'sqlvault --config FILE run JOB')\n" +
			"and sqlvault-JOB.timer (the job's schedule), then, where systemd runs, reloads systemd and enables the timer.",
		Subcommands: []*cli.Command{
			{
				Name: "install", Usage: "write a job's units and enable its timer", ArgsUsage: "JOB...", Flags: flags(),
				Action: func(c *cli.Context) error {
					if c.NArg() == 0 {
						return usageErr("schedule install: name the job(s) to install")
					}
					for _, job := range c.Args().Slice() {
						spec, err := specFor(c, job, c.Bool("user"))
						if err != nil {
							return err
						}
						res, err := schedule.Install(c.Context, spec, opts(c))
						printScheduleResult(g, "wrote", res)
						if err != nil {
							return scheduleErr(err)
						}
					}
					return nil
				},
			},
			{
				Name: "remove", Usage: "disable a job's timer and delete its units", ArgsUsage: "JOB...", Flags: flags(),
				Action: func(c *cli.Context) error {
					if c.NArg() == 0 {
						return usageErr("schedule remove: name the job(s) to remove")
					}
					for _, job := range c.Args().Slice() {
						res, err := schedule.Remove(c.Context, job, c.Bool("user"), opts(c))
						printScheduleResult(g, "removed", res)
						if err != nil {
							return scheduleErr(err)
						}
					}
					return nil
				},
			},
			{
				Name: "list", Usage: "list the jobs with a timer installed", ArgsUsage: " ", Flags: flags(),
				Action: func(c *cli.Context) error {
					jobs, err := schedule.List(c.Bool("user"), opts(c))
					if err != nil {
						return scheduleErr(err)
					}
					if g.json {
						for _, j := range jobs {
							if err := g.printJSON(struct {
								Job string `json:"job"`
							}{j}); err != nil {
								return err
							}
						}
						return nil
					}
					for _, j := range jobs {
						fmt.Fprintln(g.stdout, j)
					}
					return nil
				},
			},
			{
				Name: "status", Usage: "show each job's last run, result, duration and next run", ArgsUsage: "[JOB...]", Flags: flags(),
				Action: func(c *cli.Context) error { return runScheduleStatus(c, g, opts(c)) },
			},
		},
	}
}

// scheduleErr gives a refused value exit code 2.
func scheduleErr(err error) error {
	if errors.Is(err, schedule.ErrInvalidSpec) {
		return withCode(exitUsage, err)
	}
	return err
}

// printScheduleResult prints what install or remove did, on stdout.
func printScheduleResult(g *globals, verb string, res schedule.Result) {
	for _, f := range res.Files {
		fmt.Fprintf(g.stdout, "%s %s\n", verb, safeLine(f))
	}
	for _, cmd := range res.Commands {
		fmt.Fprintf(g.stdout, "ran %s\n", safeLine(cmd))
	}
	if res.Skipped != "" {
		g.infof("%s", res.Skipped)
	}
	for _, w := range res.Warnings {
		g.warnf("%s", w)
	}
}

func runScheduleStatus(c *cli.Context, g *globals, opts schedule.Options) error {
	user := c.Bool("user")
	jobs := c.Args().Slice()
	if len(jobs) == 0 {
		var err error
		if jobs, err = schedule.List(user, opts); err != nil {
			return scheduleErr(err)
		}
	}
	var all []schedule.JobStatus
	for _, job := range jobs {
		st, err := schedule.Status(c.Context, job, user, opts)
		if err != nil {
			return scheduleErr(err)
		}
		all = append(all, st)
	}
	if g.json {
		type jobStatusJSON struct {
			Job         string     `json:"job"`
			LastStart   *time.Time `json:"last_start,omitempty"`
			LastEnd     *time.Time `json:"last_end,omitempty"`
			Running     bool       `json:"running"`
			Result      string     `json:"result"`
			ExitStatus  int        `json:"exit_status"`
			DurationSec float64    `json:"duration_seconds"`
			NextRun     *time.Time `json:"next_run,omitempty"`
		}
		opt := func(t time.Time) *time.Time {
			if t.IsZero() {
				return nil
			}
			return &t
		}
		out := make([]jobStatusJSON, len(all))
		for i, s := range all {
			out[i] = jobStatusJSON{Job: s.Job, LastStart: opt(s.LastStart), LastEnd: opt(s.LastEnd), Running: s.Running,
				Result: s.Result, ExitStatus: s.ExitStatus, DurationSec: s.Duration.Seconds(), NextRun: opt(s.NextRun)}
		}
		return printJSONLines(g, out)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tLAST RUN\tRESULT\tDURATION\tNEXT RUN")
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.Local().Format("2006-01-02 15:04:05 MST")
	}
	for _, s := range all {
		result, dur := s.Result, s.Duration.Round(time.Second).String()
		switch {
		case s.LastStart.IsZero():
			result, dur = "never run", "-"
		case s.Running:
			result, dur = "running", time.Since(s.LastStart).Round(time.Second).String()
		case s.Result != "success" || s.ExitStatus != 0:
			result = fmt.Sprintf("failed (%s, exit %d)", s.Result, s.ExitStatus)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Job, stamp(s.LastStart), result, dur, stamp(s.NextRun))
	}
	return tw.Flush()
}

// jobSpec gives the unit needs of a job of the config file (job.Unit):
// this binary, the config file's absolute path, and the cache folder the
// service keeps (--cache-dir; by default /var/cache/sqlvault for system
// units, the user's cache folder for user units).
func (g *globals) jobSpec(c *cli.Context, name string, user bool) (schedule.Spec, error) {
	cfg, err := g.loadConfig()
	if err != nil {
		return schedule.Spec{}, err
	}
	j, err := cfg.Job(name)
	if err != nil {
		return schedule.Spec{}, withCode(exitUsage, err)
	}
	if j.Schedule == "" {
		return schedule.Spec{}, usageErr("job %s has no schedule: add schedule = \"daily\" (systemd OnCalendar syntax) to [job.%s]", name, name)
	}
	exe, err := os.Executable()
	if err != nil {
		return schedule.Spec{}, err
	}
	path := g.configFile
	if path == "" {
		path = config.DefaultPath
	}
	if path, err = filepath.Abs(path); err != nil {
		return schedule.Spec{}, err
	}
	cacheDir := g.cacheDir
	if cacheDir == "" {
		cacheDir = "/var/cache/sqlvault"
		if user {
			base, err := os.UserCacheDir()
			if err != nil {
				return schedule.Spec{}, usageErr("no user cache folder (%v): use --cache-dir DIR", err)
			}
			cacheDir = filepath.Join(base, "sqlvault")
		}
	}
	if cacheDir, err = filepath.Abs(cacheDir); err != nil {
		return schedule.Spec{}, err
	}
	return job.Unit(j, exe, path, cacheDir, user), nil
}
