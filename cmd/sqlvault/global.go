package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/backend/local"
	"github.com/sqlvault/sqlvault/repo"
)

// globals holds the global options and the standard streams.
type globals struct {
	stdin          io.Reader
	stdout, stderr io.Writer

	repo            string
	passwordFile    string
	passwordCommand string
	quiet, verbose  bool
	json            bool
	retryLock       time.Duration
	cacheDir        string
	noCache         bool
	noLock          bool
	cancel          context.CancelCauseFunc // cancels the command (a lost lock)
	lock            *repo.Lock              // the lock the command took, if any
	s3              s3Options
	unknownCommand  bool
	configFile      string
	jsonMu          sync.Mutex // jsonLineTo's lines do not interleave
}

func (g *globals) flags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringFlag{Name: "repo", Aliases: []string{"r"}, EnvVars: []string{"SQLVAULT_REPOSITORY"}, Usage: "repository `LOCATION`: a local path, or s3:https://host/bucket/prefix"},
		&cli.StringFlag{Name: "password-file", EnvVars: []string{"SQLVAULT_PASSWORD_FILE"}, Usage: "read the repository password from `FILE`"},
		&cli.StringFlag{Name: "password-command", EnvVars: []string{"SQLVAULT_PASSWORD_COMMAND"}, Usage: "run `COMMAND` (with sh -c) and use its output as the password"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only errors and requested output"},
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "print more detail"},
		&cli.BoolFlag{Name: "json", Usage: "print results as JSON, one object per line (docs/design.md, \"JSON output\")"},
		&cli.DurationFlag{Name: "retry-lock", Usage: "wait up to `DURATION` for a conflicting lock to go away"},
		&cli.StringFlag{Name: "cache-dir", EnvVars: []string{"SQLVAULT_CACHE_DIR"}, Usage: "keep delta base blobs in `DIR` (default for remote repositories: the user cache folder)"},
		&cli.BoolFlag{Name: "no-cache", Usage: "do not use a local cache of delta base blobs"},
		&cli.StringFlag{Name: "config", EnvVars: []string{"SQLVAULT_CONFIG"}, Usage: "read jobs from `FILE` (default /etc/sqlvault/sqlvault.toml)"},
		&cli.BoolFlag{Name: "no-lock", Usage: "do not lock the repository (commands that only read: for read-only storage; a prune running meanwhile can remove what they read)"},
	}, s3Flags()...)
}

func (g *globals) load(c *cli.Context) error {
	g.repo = c.String("repo")
	g.passwordFile = c.String("password-file")
	g.passwordCommand = c.String("password-command")
	g.quiet = c.Bool("quiet")
	g.verbose = c.Bool("verbose")
	g.json = c.Bool("json")
	g.retryLock = c.Duration("retry-lock")
	g.cacheDir = c.String("cache-dir")
	g.noCache = c.Bool("no-cache")
	g.noLock = c.Bool("no-lock")
	g.configFile = c.String("config")
	g.s3.load(c)
	return nil
}

// infof prints progress and summaries unless --quiet.
func (g *globals) infof(format string, args ...any) {
	if !g.quiet {
		fmt.Fprintln(g.stderr, safeLine(fmt.Sprintf(format, args...)))
	}
}

// verbosef prints detail with --verbose.
func (g *globals) verbosef(format string, args ...any) {
	if g.verbose && !g.quiet {
		fmt.Fprintln(g.stderr, safeLine(fmt.Sprintf(format, args...)))
	}
}

// warnf always prints a warning.
func (g *globals) warnf(format string, args ...any) {
	fmt.Fprintln(g.stderr, "warning: "+safeLine(fmt.Sprintf(format, args...)))
}

// printJSON prints v as one line of JSON: every --json output is a
// stream of such lines (docs/design.md, "JSON output").
func (g *globals) printJSON(v any) error {
	return json.NewEncoder(g.stdout).Encode(v)
}

// printJSONLines prints each element of vs as a line of JSON.
func printJSONLines[T any](g *globals, vs []T) error {
	for _, v := range vs {
		if err := g.printJSON(v); err != nil {
			return err
		}
	}
	return nil
}

func (g *globals) backend() (backend.Backend, error) {
	if g.repo == "" {
		return nil, usageErr("no repository given: use -r/--repo or set SQLVAULT_REPOSITORY")
	}
	if strings.HasPrefix(g.repo, "s3:") {
		return g.s3Backend(g.repo)
	}
	return local.New(g.repo), nil
}

// password finds the repository password: SQLVAULT_PASSWORD, then
// --password-file, then --password-command.
func (g *globals) password(ctx context.Context) (string, error) {
	if p, ok := os.LookupEnv("SQLVAULT_PASSWORD"); ok && p != "" {
		return p, nil
	}
	if g.passwordFile != "" {
		b, err := os.ReadFile(g.passwordFile)
		if err != nil {
			return "", usageErr("read password file: %v", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	if g.passwordCommand != "" {
		var out, errb bytes.Buffer
		cmd := exec.CommandContext(ctx, "sh", "-c", g.passwordCommand)
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return "", usageErr("password command failed: %v: %s", err, strings.TrimSpace(errb.String()))
		}
		return strings.TrimRight(out.String(), "\r\n"), nil
	}
	return "", usageErr("no password given: set SQLVAULT_PASSWORD, or use --password-file or --password-command")
}

// lockMode says which lock a command takes.
type lockMode int

const (
	noLock lockMode = iota
	sharedLock
	exclusiveLock
	// readLock is a shared lock for commands that only read; --no-lock
	// drops it, so that a repository on read-only storage can be read.
	readLock
)

// openRepo opens the repository, takes the lock and loads the index. The
// returned close function releases the lock.
func (g *globals) openRepo(ctx context.Context, mode lockMode, loadIndex bool) (*repo.Repository, func(), error) {
	be, err := g.backend()
	if err != nil {
		return nil, nil, err
	}
	pw, err := g.password(ctx)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case g.noLock && mode == readLock:
		mode = noLock
	case g.noLock && mode != noLock:
		return nil, nil, usageErr("--no-lock is only for commands that only read (restore, dump, ls, snapshots, check, export, diff, stats, cat, and dry runs); this one writes to the repository and must lock it")
	}
	r, err := repo.Open(ctx, be, pw)
	if err != nil {
		if errors.Is(err, repo.ErrNoRepository) {
			return nil, nil, fmt.Errorf("%w: check -r/--repo or SQLVAULT_REPOSITORY, or run 'sqlvault init'", err)
		}
		if errors.Is(err, repo.ErrWrongPassword) {
			return nil, nil, fmt.Errorf("%w for the repository at %s: check SQLVAULT_PASSWORD or --password-file", repo.ErrWrongPassword, be.Location())
		}
		return nil, nil, err
	}
	for _, name := range r.DamagedKeys() {
		g.warnf("key file %s is damaged (its content does not match its name); remove it with 'sqlvault key remove %s' and add a new key if it was needed", name, name[:min(8, len(name))])
	}
	// The password KDF (argon2id) just used 32 MiB that nothing needs any
	// more; hand it back so it does not add to the peak of what follows.
	debug.FreeOSMemory()
	if err := g.attachCache(r); err != nil {
		return nil, nil, err
	}
	// Closing the backend waits for (or, after a failure, cancels) uploads
	// still running.
	release := func() { _ = be.Close() }
	timing, err := lockTiming()
	if err != nil {
		return nil, nil, err
	}
	r.SetLockTiming(timing)
	if mode != noLock {
		l, err := r.Lock(ctx, mode == exclusiveLock, g.retryLock, func(s string) { g.warnf("%s", s) })
		if err != nil {
			if mode == readLock && !errors.Is(err, repo.ErrLocked) && ctx.Err() == nil {
				err = fmt.Errorf("%w (this command only reads: --no-lock reads a repository on read-only storage without locking it)", err)
			}
			return nil, nil, err
		}
		if g.cancel != nil {
			l.OnLost(g.cancel)
		}
		g.lock = l
		release = func() { _ = l.Unlock(context.Background()); _ = be.Close() }
	}
	if loadIndex {
		if err := r.LoadIndex(ctx); err != nil {
			release()
			return nil, nil, fmt.Errorf("load index: %w", err)
		}
		for _, d := range r.Index().Damaged() {
			g.warnf("%v; run 'sqlvault repair index'", d)
		}
	}
	return r, release, nil
}

// formatBytes prints a size with a binary unit.
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.3f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// attachCache gives the repository its local cache of delta bases: the
// folder from --cache-dir, or for remote repositories the user's cache
// folder. A local repository reads bases as fast from its packs, so it
// uses no cache unless asked to.
func (g *globals) attachCache(r *repo.Repository) error {
	if g.noCache {
		return nil
	}
	dir := g.cacheDir
	if dir == "" {
		if _, isLocal := r.Backend().(*local.Local); isLocal {
			return nil
		}
		base, err := os.UserCacheDir()
		if err != nil {
			return nil // no cache folder: work without a cache
		}
		dir = filepath.Join(base, "sqlvault")
	}
	c, err := repo.OpenCache(dir, r.Config().ID, repo.DefaultCacheSize)
	if err != nil {
		return fmt.Errorf("%w (use --cache-dir DIR or --no-cache)", err)
	}
	r.SetCache(c)
	return nil
}

// printRepoStats prints what the repository did (deltas, cache) with -v.
func (g *globals) printRepoStats(r *repo.Repository) {
	s := r.Stats()
	if s.DeltaBlobs > 0 {
		g.verbosef("deltas: %d chunks (%s) stored as %s against earlier keyframes; %d blobs (%s of data) stored in full (%d candidate deltas too large, %d new pieces without a base); %d chunks split around new content",
			s.DeltaBlobs, formatBytes(s.DeltaPlain), formatBytes(s.DeltaBytes), s.FullBlobs, formatBytes(s.FullBytes), s.TooLarge, s.NoBase, s.SplitChunks)
	}
	if s.CacheHits+s.CacheMisses+s.CacheBad > 0 {
		g.verbosef("keyframe cache: %d hits, %d misses, %d damaged entries replaced", s.CacheHits, s.CacheMisses, s.CacheBad)
	}
	if s.BaseErrors > 0 {
		g.warnf("%d delta bases could not be read; those chunks were stored in full", s.BaseErrors)
	}
}

// lockTiming returns the lock timing: repo.DefaultLockTiming, or for tests
// SQLVAULT_TEST_LOCK_TIMING="REFRESH,STALE" (Go durations, e.g. "200ms,2s").
// Every process sharing a repository must use the same stale time.
func lockTiming() (repo.LockTiming, error) {
	v := os.Getenv("SQLVAULT_TEST_LOCK_TIMING")
	if v == "" {
		return repo.DefaultLockTiming, nil
	}
	a, b, _ := strings.Cut(v, ",")
	refresh, err1 := time.ParseDuration(a)
	stale, err2 := time.ParseDuration(b)
	if err1 != nil || err2 != nil || refresh <= 0 || stale <= refresh {
		return repo.LockTiming{}, usageErr("SQLVAULT_TEST_LOCK_TIMING=%q: want REFRESH,STALE durations with STALE > REFRESH", v)
	}
	return repo.LockTiming{Refresh: refresh, Stale: stale}, nil
}
