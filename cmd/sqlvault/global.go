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
	"runtime/debug"
	"strings"
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
	unknownCommand  bool
}

func (g *globals) flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "repo", Aliases: []string{"r"}, EnvVars: []string{"SQLVAULT_REPOSITORY"}, Usage: "repository `LOCATION` (a local path)"},
		&cli.StringFlag{Name: "password-file", EnvVars: []string{"SQLVAULT_PASSWORD_FILE"}, Usage: "read the repository password from `FILE`"},
		&cli.StringFlag{Name: "password-command", EnvVars: []string{"SQLVAULT_PASSWORD_COMMAND"}, Usage: "run `COMMAND` (with sh -c) and use its output as the password"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only errors and requested output"},
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "print more detail"},
		&cli.BoolFlag{Name: "json", Usage: "print results as JSON where a command lists things"},
		&cli.DurationFlag{Name: "retry-lock", Usage: "wait up to `DURATION` for a conflicting lock to go away"},
	}
}

func (g *globals) load(c *cli.Context) error {
	g.repo = c.String("repo")
	g.passwordFile = c.String("password-file")
	g.passwordCommand = c.String("password-command")
	g.quiet = c.Bool("quiet")
	g.verbose = c.Bool("verbose")
	g.json = c.Bool("json")
	g.retryLock = c.Duration("retry-lock")
	return nil
}

// infof prints progress and summaries unless --quiet.
func (g *globals) infof(format string, args ...any) {
	if !g.quiet {
		fmt.Fprintf(g.stderr, format+"\n", args...)
	}
}

// verbosef prints detail with --verbose.
func (g *globals) verbosef(format string, args ...any) {
	if g.verbose && !g.quiet {
		fmt.Fprintf(g.stderr, format+"\n", args...)
	}
}

// warnf always prints a warning.
func (g *globals) warnf(format string, args ...any) {
	fmt.Fprintf(g.stderr, "warning: "+format+"\n", args...)
}

func (g *globals) printJSON(v any) error {
	enc := json.NewEncoder(g.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (g *globals) backend() (backend.Backend, error) {
	if g.repo == "" {
		return nil, usageErr("no repository given: use -r/--repo or set SQLVAULT_REPOSITORY")
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
	// The password KDF (argon2id) just used 64 MiB that nothing needs any
	// more; hand it back so it does not add to the peak of what follows.
	debug.FreeOSMemory()
	release := func() {}
	if mode != noLock {
		l, err := r.Lock(ctx, mode == exclusiveLock, g.retryLock, func(s string) { g.warnf("%s", s) })
		if err != nil {
			return nil, nil, err
		}
		release = func() { _ = l.Unlock(context.Background()) }
	}
	if loadIndex {
		if err := r.LoadIndex(ctx); err != nil {
			release()
			return nil, nil, fmt.Errorf("load index: %w", err)
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
