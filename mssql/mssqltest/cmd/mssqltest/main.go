// Command mssqltest serves the sample database of package
// mssql/mssqltest/sample over TDS, for demos and manual tests:
//
//	go run ./mssql/mssqltest/cmd/mssqltest -addr 127.0.0.1:0 [-version 2016]
//
// -version serves the sample as that SQL Server version (or Azure SQL
// service) would: its catalog views and columns, its version string, and
// only the objects it can hold.
//
// With -target it serves a restore target instead (package
// mssql/mssqltest/target): a server holding only master, into which
// restore --to creates a database (--create-database) and loads it:
//
//	go run ./mssql/mssqltest/cmd/mssqltest -target
//	sqlvault restore latest --to 'URL&database=copy' --create-database
//
// It prints the server's URL (without password) on the first line of
// standard output, then serves until interrupted. The login is sa with
// password mssqltest (SQLVAULT_MSSQL_PASSWORD=mssqltest).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/target"
)

// versionNames lists the versions -version takes.
func versionNames() string {
	var names []string
	for _, v := range sample.Versions() {
		names = append(names, v.Name)
	}
	return strings.Join(names, ", ")
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run serves as the command line args ask until ctx ends, and returns the
// exit code: 0, 1 when it cannot listen, 2 for bad flags.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("mssqltest", flag.ContinueOnError)
	fl.SetOutput(stderr)
	addr := fl.String("addr", "127.0.0.1:0", "listen on `ADDRESS`")
	rows := fl.Int64("bench-rows", 0, "also serve database \"bench\" with a table of `N` generated rows")
	dropAfter := fl.Int64("drop-after-rows", 0, "cut the connection after `N` rows of a result set (fault injection)")
	version := fl.String("version", "2022", "answer as SQL Server `VERSION`: "+versionNames())
	targetMode := fl.Bool("target", false, "serve a restore target (package mssql/mssqltest/target) holding only master, instead of the sample")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "mssqltest: unexpected argument %q: it takes flags only\n", fl.Arg(0))
		return 2
	}
	if *targetMode {
		var other []string
		fl.Visit(func(f *flag.Flag) {
			if f.Name != "target" && f.Name != "addr" {
				other = append(other, "-"+f.Name)
			}
		})
		if len(other) > 0 {
			fmt.Fprintf(stderr, "mssqltest: -target takes only -addr, not %s\n", strings.Join(other, ", "))
			return 2
		}
		h := target.NewHandler()
		srv := mssqltest.NewUnstartedServer(h, mssqltest.WithAddr(*addr), target.LoginOption(h))
		return serve(ctx, srv, url.Values{"encrypt": {"disable"}}, stdout, stderr,
			"a restore target holding only master (sqlvault restore --to 'URL&database=NEW' --create-database)")
	}
	v, ok := sample.VersionNamed(*version)
	if !ok {
		fmt.Fprintf(stderr, "mssqltest: no version %q: give one of %s\n", *version, versionNames())
		return 2
	}
	dbs := []*sample.DB{sample.New().As(v)}
	if *rows > 0 {
		dbs = append(dbs, sample.Bench(*rows))
	}
	opts := []mssqltest.Option{mssqltest.WithAddr(*addr)}
	if *dropAfter > 0 {
		opts = append(opts, mssqltest.DropAfterRows(*dropAfter))
	}
	h := sample.NewHandler(dbs...)
	srv := mssqltest.NewUnstartedServer(h, append(opts, sample.LoginOption(h))...)
	return serve(ctx, srv, url.Values{"database": {sample.Name}, "encrypt": {"disable"}}, stdout, stderr,
		fmt.Sprintf("the sample database as %s", v))
}

// serve starts srv, prints its URL (with query q) on stdout and what it
// serves on stderr, and serves until ctx ends.
func serve(ctx context.Context, srv *mssqltest.Server, q url.Values, stdout, stderr io.Writer, what string) int {
	if err := srv.Start(); err != nil {
		fmt.Fprintln(stderr, "mssqltest:", err)
		return 1
	}
	defer srv.Close()
	fmt.Fprintf(stdout, "sqlserver://%s@%s?%s\n", mssqltest.DefaultUser, srv.Addr(), q.Encode())
	fmt.Fprintf(stderr, "mssqltest: serving %s; password %q; Ctrl-C to stop\n", what, mssqltest.DefaultPassword)
	<-ctx.Done()
	return 0
}
