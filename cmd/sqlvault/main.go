// Command sqlvault keeps versioned, deduplicated, compressed and encrypted
// backups of SQL Server databases, files and streams in a repository.
//
// This package only parses flags and prints; the work is done by the
// packages it wires together.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/repo"
	"github.com/sqlvault/sqlvault/snapshot"
)

// version is set at build time with -ldflags "-X main.version=..."; when
// it is not, the version comes from the build info (see buildVersion).
var version = "dev"

// programVersion is the version sqlvault names: version, or else what the
// Go toolchain recorded in the binary.
func programVersion() string {
	info, ok := debug.ReadBuildInfo()
	return buildVersion(version, info, ok)
}

// buildVersion returns set unless it is "dev" (no -ldflags), else the
// main module's version ("v1.2.3" when installed with go install
// module@version), else, for a build from a checkout, the commit (12
// digits, "-dirty" when the tree had changes), else "dev".
func buildVersion(set string, info *debug.BuildInfo, ok bool) string {
	if set != "dev" || !ok || info == nil {
		return set
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return set
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified == "true" {
		rev += "-dirty"
	}
	return "dev-" + rev
}

// Exit codes, documented in docs/usage.md.
const (
	exitOK          = 0
	exitFailure     = 1   // any other error
	exitUsage       = 2   // bad flag or argument
	exitIncomplete  = 3   // backup written, but some source items could not be read
	exitDamaged     = 4   // repository data is damaged (check found problems, a blob did not decrypt)
	exitSource      = 5   // the source failed (command exited non-zero, server refused)
	exitNoRepo      = 10  // no repository at the location
	exitLocked      = 11  // repository locked by another process, or this command's lock was lost
	exitPassword    = 12  // wrong password
	exitInterrupted = 130 // interrupted by a signal
)

// exitError carries an exit code with an error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func withCode(code int, err error) error { return &exitError{code: code, err: err} }

func usageErr(format string, args ...any) error {
	return withCode(exitUsage, fmt.Errorf(format, args...))
}

func main() {
	// Most of the heap is large byte buffers without pointers, so
	// collecting more often is cheap; it keeps peak memory near the live
	// set instead of twice it.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	// A soft ceiling: the live set of a backup is about 40-60 MiB (chunks in
	// flight, delta bases, compressor state, mostly pointer-free), so
	// collecting harder near 64 MiB keeps the peak near it at little cost
	// (measured: same speed, peak 76 MB instead of 91-122 MB on a delta
	// day). It is not a hard limit: a larger live set only costs more
	// collections. GOMEMLIMIT overrides it.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(64 << 20)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line and returns the exit code. Errors are
// printed as one line on stderr.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "sqlvault: internal error: %v (please report this; nothing already stored was changed)\n", p)
			code = exitFailure
		}
	}()
	// A lost repository lock cancels the command with its cause.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	app, g := newApp(stdin, stdout, stderr)
	g.cancel = cancel
	err := app.RunContext(ctx, reorderArgs(app, args))
	if err == nil {
		if g.unknownCommand {
			return exitUsage
		}
		return exitOK
	}
	// Whatever the command ended with (cancelled by the refresher, or a
	// pack pruned while it was stopped), a lost lock is the reason.
	if g.lock != nil && g.lock.Err() != nil && !errors.Is(err, repo.ErrLockLost) {
		err = g.lock.Err()
	}
	code = exitCode(ctx, err)
	if errors.Is(err, repo.ErrLockLost) {
		err = fmt.Errorf("%w; the command stopped before writing an index or snapshot, so nothing it did is visible: run it again", err)
	}
	if code == exitInterrupted {
		err = errors.New("interrupted: the command was stopped before it finished (nothing already stored was changed)")
	}
	msg := safeLine(strings.ReplaceAll(err.Error(), "\n", " "))
	fmt.Fprintf(stderr, "sqlvault: %s\n", msg)
	return code
}

func exitCode(ctx context.Context, err error) int {
	var ee *exitError
	switch {
	case errors.Is(err, repo.ErrLockLost):
		return exitLocked
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, repo.ErrNoRepository):
		return exitNoRepo
	case errors.Is(err, repo.ErrWrongPassword):
		return exitPassword
	case errors.Is(err, repo.ErrLocked):
		return exitLocked
	case errors.Is(err, snapshot.ErrIncomplete):
		return exitIncomplete
	case errors.Is(err, snapshot.ErrDamaged), errors.Is(err, repo.ErrAuth), errors.Is(err, repo.ErrMissingBase),
		errors.Is(err, repo.ErrBlobMissing), errors.Is(err, repo.ErrBlobCorrupt), errors.Is(err, repo.ErrDamagedFile),
		errors.Is(err, repo.ErrKeyDamaged):
		return exitDamaged
	case isSourceError(err):
		return exitSource
	}
	return exitFailure
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) (*cli.App, *globals) {
	g := &globals{stdin: stdin, stdout: stdout, stderr: stderr}
	app := &cli.App{
		Name:                 "sqlvault",
		Usage:                "deduplicated, encrypted backups of SQL Server databases, files and streams",
		HideVersion:          true, // its -v would clash with --verbose: --version is ours, long form only
		Reader:               stdin,
		Writer:               stdout,
		ErrWriter:            stderr,
		EnableBashCompletion: true,
		Flags:                append(g.flags(), &cli.BoolFlag{Name: "version", Usage: "print the version and exit"}),
		Before: func(c *cli.Context) error {
			if c.Bool("version") && c.Args().Present() {
				return usageErr("--version takes no command: use 'sqlvault --version' or 'sqlvault version'")
			}
			return g.load(c)
		},
		Action: func(c *cli.Context) error {
			switch {
			case c.Bool("version"):
				return printVersion(g)
			case c.Args().Present(): // names no command: says so
				return cli.ShowCommandHelp(c, c.Args().First())
			}
			return cli.ShowAppHelp(c)
		},
		Commands: []*cli.Command{
			initCommand(g), backupCommand(g), snapshotsCommand(g), lsCommand(g), restoreCommand(g),
			dumpCommand(g), checkCommand(g), catCommand(g), unlockCommand(g), versionCommand(g),
			scriptCommand(g),
			forgetCommand(g), pruneCommand(g), keyCommand(g), diffCommand(g), statsCommand(g), exportCommand(g),
			repairCommand(g), verifyCommand(g), scheduleCommand(g, g.jobSpec), runCommand(g),
		},
		ExitErrHandler: func(*cli.Context, error) {}, // run prints errors and picks exit codes
		OnUsageError: func(c *cli.Context, err error, isSub bool) error {
			return usageErr("%v (see 'sqlvault %s --help')", err, c.Command.Name)
		},
		CommandNotFound: func(c *cli.Context, name string) {
			fmt.Fprintf(stderr, "sqlvault: unknown command %q (see 'sqlvault --help')\n", name)
			g.unknownCommand = true
		},
	}
	for _, cmd := range app.Commands {
		cmd.OnUsageError = app.OnUsageError
	}
	return app, g
}

// reorderArgs moves flags that follow positional arguments of a command in
// front of them, so that "restore latest --target DIR" works as in restic.
// Everything after "--" is left alone.
func reorderArgs(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	valueFlags := map[string]bool{}
	isFlag := map[string]bool{}
	note := func(fs []cli.Flag) {
		for _, f := range fs {
			_, isBool := f.(*cli.BoolFlag)
			for _, n := range f.Names() {
				isFlag[n] = true
				valueFlags[n] = !isBool
			}
		}
	}
	note(app.Flags)
	out := []string{args[0]}
	i := 1
	// Global flags, then the command name.
	for i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "--" {
		out = append(out, args[i])
		if name := flagName(args[i]); valueFlags[name] && !strings.Contains(args[i], "=") && i+1 < len(args) {
			i++
			out = append(out, args[i])
		}
		i++
	}
	if i >= len(args) {
		return out
	}
	cmd := app.Command(args[i])
	cmdAt := len(out)
	out = append(out, args[i])
	i++
	if cmd == nil {
		return append(out, args[i:]...)
	}
	// A subcommand ("schedule install", "key add") takes the flags.
	for i < len(args) && len(cmd.Subcommands) > 0 {
		sub := cmd.Command(args[i])
		if sub == nil {
			break
		}
		cmd = sub
		out = append(out, args[i])
		i++
	}
	note(cmd.Flags)
	global := map[string]bool{}
	for _, f := range app.Flags {
		for _, n := range f.Names() {
			global[n] = true
		}
	}
	cmdFlag := map[string]bool{}
	for _, f := range cmd.Flags {
		for _, n := range f.Names() {
			cmdFlag[n] = true
		}
	}
	var globals, flags, pos []string
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i:]...)
			break
		}
		if name := flagName(a); strings.HasPrefix(a, "-") && len(a) > 1 && isFlag[name] {
			dst := &flags
			if global[name] && !cmdFlag[name] {
				dst = &globals // a global option given after the command
			}
			*dst = append(*dst, a)
			if valueFlags[name] && !strings.Contains(a, "=") && i+1 < len(args) {
				i++
				*dst = append(*dst, args[i])
			}
			continue
		}
		pos = append(pos, a)
	}
	names := append([]string(nil), out[cmdAt:]...)
	out = append(append(out[:cmdAt:cmdAt], globals...), names...)
	out = append(out, flags...)
	return append(out, pos...)
}

func flagName(a string) string {
	a = strings.TrimLeft(a, "-")
	if k, _, ok := strings.Cut(a, "="); ok {
		return k
	}
	return a
}

// describe makes "disk full" and damaged snapshot file errors say what to
// do.
func describe(err error) error {
	if errors.Is(err, backend.ErrNoSpace) {
		return fmt.Errorf("%w: the repository's storage is full; free space and run the command again (nothing already stored was changed)", err)
	}
	var de *snapshot.DamagedError
	if errors.As(err, &de) {
		return fmt.Errorf("%w: what it refers to cannot be known; remove it with 'sqlvault forget %s' first (nothing was deleted)", err, de.ID.Str())
	}
	return err
}

func versionCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:   "version",
		Usage:  "print the version",
		Action: func(c *cli.Context) error { return printVersion(g) },
	}
}

// printVersion prints the version line of --version and the version
// command.
func printVersion(g *globals) error {
	_, err := fmt.Fprintf(g.stdout, "sqlvault %s (%s %s/%s)\n", programVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return err
}
