// Command scriptbench measures the SQL Server scripter's throughput: it
// scripts database "bench" (mssqltest's table dbo.Mixed of generated
// mixed-type rows: bigint, int, nvarchar, decimal, float, datetime2, bit,
// varchar, uniqueidentifier, varbinary) through the real go-mssqldb
// driver into a writer that counts and drops the bytes, and prints MB of
// T-SQL written, the client's CPU seconds and peak RSS, and MB/s.
//
//	go run ./bench/scriptbench -rows 1000000                    # server in this process
//	go build -o /tmp/mssqltest ./mssql/mssqltest/cmd/mssqltest
//	go run ./bench/scriptbench -rows 1000000 -server-cmd /tmp/mssqltest   # server in another process
//	go run ./bench/scriptbench -server 'sqlserver://sa@127.0.0.1:PORT'    # a running mssqltest -bench-rows N
//
// With -server-cmd or -server the TDS server runs in another process, so
// the CPU seconds and peak RSS (getrusage of this process) are the
// scripter's alone; in the same process they include the server's. The
// last line of output is one JSON object (see bench/README.md).
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sqlvault/sqlvault/bench/mssqlproc"
	"github.com/sqlvault/sqlvault/mssql"
	"github.com/sqlvault/sqlvault/mssql/mssqltest"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// countWriter counts the bytes written to it and drops them.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// result is the JSON line scriptbench prints last.
type result struct {
	Bench     string  `json:"bench"`
	Server    string  `json:"server"` // "process" (another process) or "in-process"
	Rows      int64   `json:"rows"`
	Bytes     int64   `json:"bytes"`
	UserSec   float64 `json:"user_s"`
	SysSec    float64 `json:"sys_s"`
	CPUSec    float64 `json:"cpu_s"`
	WallSec   float64 `json:"wall_s"`
	MBPerCPU  float64 `json:"mb_per_cpu_s"`
	MBPerWall float64 `json:"mb_per_wall_s"`
	CPUPerGB  float64 `json:"cpu_s_per_gb"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
	// AllocsPerRow and AllocBytesPerRow are the heap allocations of the
	// client (runtime.MemStats Mallocs and TotalAlloc) per row scripted.
	AllocsPerRow     float64 `json:"allocs_per_row"`
	AllocBytesPerRow float64 `json:"alloc_bytes_per_row"`
	GOMAXPROCS       int     `json:"gomaxprocs"`
}

func main() {
	rows := flag.Int64("rows", 1000000, "rows of the generated table (with -server, what the server was started with)")
	server := flag.String("server", "", "script database \"bench\" of the mssqltest -bench-rows server at `URL` (password mssqltest)")
	serverCmd := flag.String("server-cmd", "", "start the mssqltest command at `PATH` with -bench-rows and script it (server in another process)")
	out := flag.String("o", "", "also write the script to `FILE`")
	cpuprof := flag.String("cpuprofile", "", "write a CPU profile of the scripting to `FILE`")
	memprof := flag.String("memprofile", "", "write an allocation profile to `FILE` (all allocations, sampled every 4 KiB)")
	driverOnly := flag.Bool("driver-only", false, "only read the rows through database/sql into []any, as the scripter's query does, and script nothing: the driver's share of the cost")
	flag.Parse()
	if *server != "" && *serverCmd != "" {
		fmt.Fprintln(os.Stderr, "scriptbench: give -server or -server-cmd, not both")
		os.Exit(2)
	}
	if *memprof != "" {
		runtime.MemProfileRate = 4096
	}
	if err := run(*rows, *server, *serverCmd, *out, *cpuprof, *memprof, *driverOnly); err != nil {
		fmt.Fprintln(os.Stderr, "scriptbench:", err)
		os.Exit(1)
	}
}

func run(rows int64, server, serverCmd, out, cpuprof, memprof string, driverOnly bool) error {
	where := "process"
	switch {
	case serverCmd != "":
		srv, err := mssqlproc.Start(serverCmd, "-bench-rows", strconv.FormatInt(rows, 10))
		if err != nil {
			return err
		}
		defer srv.Stop()
		server = srv.URL
	case server == "":
		where = "in-process"
		srv := sample.NewServer(sample.NewHandler(sample.Bench(rows)))
		defer srv.Close()
		server = "sqlserver://" + mssqltest.DefaultUser + "@" + srv.Addr() + "?encrypt=disable"
	}
	if !strings.Contains(server, "encrypt=") {
		sep := "?"
		if strings.Contains(server, "?") {
			sep = "&"
		}
		server += sep + "encrypt=disable"
	}
	src, err := mssql.ParseURL(server)
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
	var w io.Writer = cw
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = io.MultiWriter(cw, f)
	}
	if cpuprof != "" {
		f, err := os.Create(cpuprof)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var ru0, ru1 syscall.Rusage
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru0); err != nil {
		return err
	}
	start := time.Now()
	var scripted int64
	if driverOnly {
		scripted, err = readRows(ctx, db)
	} else {
		var m *mssql.Manifest
		m, err = mssql.Script(ctx, db, &mssql.ScriptSink{W: w}, mssql.Options{Source: src, Database: "bench"})
		if m != nil {
			scripted = m.Totals.Rows
		}
	}
	if err != nil {
		return err
	}
	wall := time.Since(start).Seconds()
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru1); err != nil {
		return err
	}
	runtime.ReadMemStats(&ms1)
	if cpuprof != "" {
		pprof.StopCPUProfile()
	}
	if memprof != "" {
		if err := writeMemProfile(memprof); err != nil {
			return err
		}
	}
	if scripted != rows {
		return fmt.Errorf("read %d rows, want %d (is the server serving -bench-rows %d?)", scripted, rows, rows)
	}
	bench := "scriptbench"
	if driverOnly {
		bench = "scriptbench-driver-only"
	}
	r := result{Bench: bench, Server: where, Rows: scripted, Bytes: cw.n, WallSec: wall,
		UserSec: tv(ru1.Utime) - tv(ru0.Utime), SysSec: tv(ru1.Stime) - tv(ru0.Stime),
		PeakRSSMB: float64(ru1.Maxrss) / 1024, GOMAXPROCS: runtime.GOMAXPROCS(0)}
	r.CPUSec = r.UserSec + r.SysSec
	if scripted > 0 {
		r.AllocsPerRow = float64(ms1.Mallocs-ms0.Mallocs) / float64(scripted)
		r.AllocBytesPerRow = float64(ms1.TotalAlloc-ms0.TotalAlloc) / float64(scripted)
	}
	mb := float64(cw.n) / 1e6
	fmt.Printf("%s: %d rows, %.1f MB of T-SQL (server: %s, GOMAXPROCS %d)\n", bench, r.Rows, mb, where, r.GOMAXPROCS)
	fmt.Printf("client CPU %.2f s (user %.2f, sys %.2f), wall %.2f s", r.CPUSec, r.UserSec, r.SysSec, wall)
	if mb > 0 {
		r.MBPerCPU, r.MBPerWall, r.CPUPerGB = mb/r.CPUSec, mb/wall, r.CPUSec/(mb/1000)
		fmt.Printf(": %.1f MB/s per CPU second, %.1f CPU s per GB, %.1f MB/s wall", r.MBPerCPU, r.CPUPerGB, r.MBPerWall)
	}
	fmt.Printf("; peak RSS %.1f MB; %.1f allocations (%.0f bytes) per row\n", r.PeakRSSMB, r.AllocsPerRow, r.AllocBytesPerRow)
	j, err := json.Marshal(r)
	if err != nil {
		return err
	}
	fmt.Println(string(j))
	return nil
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

func writeMemProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	err = pprof.Lookup("allocs").WriteTo(f, 0)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errors.Join(errors.New("write the allocation profile"), err)
	}
	return nil
}

// mixedQuery is the scripter's data query for dbo.Mixed (sample.Bench).
const mixedQuery = "/* sqlvault:data [dbo].[Mixed] */\nSELECT [id], [customer], [name], [amount], [ratio], [created], [flag], [code], [guid], [blob]\nFROM [dbo].[Mixed]\nORDER BY [id]"

// readRows reads dbo.Mixed as the scripter does, each row scanned into
// []any, and returns the number of rows.
func readRows(ctx context.Context, db *sql.DB) (int64, error) {
	rs, err := db.QueryContext(ctx, mixedQuery)
	if err != nil {
		return 0, err
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		return 0, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	for rs.Next() {
		if err := rs.Scan(ptrs...); err != nil {
			return n, err
		}
		n++
	}
	return n, rs.Err()
}
