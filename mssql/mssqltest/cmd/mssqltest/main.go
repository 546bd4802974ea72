// Command mssqltest serves the sample database of package
// mssql/mssqltest/sample over TDS, for demos and manual tests:
//
//	go run ./mssql/mssqltest/cmd/mssqltest -addr 127.0.0.1:0 [-version 2016]
//
// -version serves the sample as that SQL Server version (or Azure SQL
// service) would: its catalog views and columns, its version string, and
// only the objects it can hold.
// It prints the server's URL (without password) on the first line of
// standard output, then serves until interrupted. The login is sa with
// password mssqltest (SQLVAULT_MSSQL_PASSWORD=mssqltest).
package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
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
	addr := flag.String("addr", "127.0.0.1:0", "listen on `ADDRESS`")
	rows := flag.Int64("bench-rows", 0, "also serve database \"bench\" with a table of `N` generated rows")
	dropAfter := flag.Int64("drop-after-rows", 0, "cut the connection after `N` rows of a result set (fault injection)")
	version := flag.String("version", "2022", "answer as SQL Server `VERSION`: "+versionNames())
	flag.Parse()
	v, ok := sample.VersionNamed(*version)
	if !ok {
		fmt.Fprintf(os.Stderr, "mssqltest: no version %q: give one of %s\n", *version, versionNames())
		os.Exit(2)
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
	if err := srv.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "mssqltest:", err)
		os.Exit(1)
	}
	q := url.Values{"database": {sample.Name}, "encrypt": {"disable"}}
	fmt.Printf("sqlserver://%s@%s?%s\n", mssqltest.DefaultUser, srv.Addr(), q.Encode())
	fmt.Fprintf(os.Stderr, "mssqltest: serving the sample database as %s; password %q; Ctrl-C to stop\n", v, mssqltest.DefaultPassword)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	srv.Close()
}
