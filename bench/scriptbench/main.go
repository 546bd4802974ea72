// Command scriptbench measures the SQL Server scripter's throughput: it
// serves a table of generated mixed-type rows (bigint, int, nvarchar,
// decimal, float, datetime2, bit, varchar, uniqueidentifier, varbinary)
// from mssqltest, scripts it through the real go-mssqldb driver and
// prints MB/s of T-SQL written and rows/s.
//
//	go run ./bench/scriptbench -rows 1000000
//
// The TDS server runs in the same process and shares its CPUs, so the
// figures are a lower bound of what the scripter does against a real
// server.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/sqlvault/sqlvault/mssql"
	"github.com/sqlvault/sqlvault/mssql/mssqltest"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func main() {
	rows := flag.Int64("rows", 1000000, "rows of the generated table")
	out := flag.String("o", "", "also write the script to `FILE`")
	cpuprof := flag.String("cpuprofile", "", "write a CPU profile to `FILE`")
	flag.Parse()
	if *cpuprof != "" {
		f, err := os.Create(*cpuprof)
		if err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	if err := run(*rows, *out); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "scriptbench:", err)
		os.Exit(1)
	}
}

func run(rows int64, out string) error {
	h := sample.NewHandler(sample.Bench(rows))
	srv := sample.NewServer(h)
	defer srv.Close()
	src, err := mssql.ParseURL("sqlserver://" + mssqltest.DefaultUser + "@" + srv.Addr() + "?encrypt=disable")
	if err != nil {
		return err
	}
	ctx := context.Background()
	db, err := mssql.Connect(ctx, src, "bench", mssqltest.DefaultPassword, 10*time.Second)
	if err != nil {
		return err
	}
	defer db.Close()
	cw := &countWriter{}
	var sink mssql.Sink = &mssql.ScriptSink{W: cw}
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		sink = &mssql.ScriptSink{W: multi{cw, f}}
	}
	var peak uint64
	var ms runtime.MemStats
	start := time.Now()
	m, err := mssql.Script(ctx, db, sink, mssql.Options{Source: src, Database: "bench", Progress: func(mssql.Progress) {
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}})
	if err != nil {
		return err
	}
	el := time.Since(start).Seconds()
	fmt.Printf("scripted %d rows into %.1f MB of T-SQL in %.2f s (GOMAXPROCS %d, server in the same process)\n",
		m.Totals.Rows, float64(cw.n)/1e6, el, runtime.GOMAXPROCS(0))
	fmt.Printf("throughput: %.1f MB/s of T-SQL, %.0f rows/s; peak Go heap in use %.1f MiB\n",
		float64(cw.n)/1e6/el, float64(m.Totals.Rows)/el, float64(peak)/(1<<20))
	fmt.Println(strings.Repeat("-", 60))
	return nil
}

type multi struct {
	a, b interface{ Write([]byte) (int, error) }
}

func (m multi) Write(p []byte) (int, error) {
	if _, err := m.a.Write(p); err != nil {
		return 0, err
	}
	return m.b.Write(p)
}
