// Command mssqltest serves the sample database of package
// mssql/mssqltest/sample over TDS, for demos and manual tests:
//
//	go run ./mssql/mssqltest/cmd/mssqltest -addr 127.0.0.1:0
//
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
	"syscall"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen on `ADDRESS`")
	rows := flag.Int64("bench-rows", 0, "also serve database \"bench\" with a table of `N` generated rows")
	dropAfter := flag.Int64("drop-after-rows", 0, "cut the connection after `N` rows of a result set (fault injection)")
	flag.Parse()
	dbs := []*sample.DB{sample.New()}
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
	fmt.Fprintf(os.Stderr, "mssqltest: serving the sample database; password %q; Ctrl-C to stop\n", mssqltest.DefaultPassword)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	srv.Close()
}
