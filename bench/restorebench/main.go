// Command restorebench measures restore --to (issue 13): a table of
// generated mixed-type rows (mssqltest -bench-rows N, the table scriptbench
// scripts) is backed up with sqlvault into a fresh repository, then
// restored into a restore target (mssqltest -target) in three ways, each
// into a fresh target process, the client in a process of its own:
//
//   - restore --to: sqlvault restore latest --to URL --create-database,
//     reading the snapshot from the repository, the table bulk-loaded;
//   - files, bulk copy: load.Load of the snapshot's folder restored to
//     disk, the table bulk-loaded (restore --to without the repository);
//   - files, script: load.Load with Options.Script, every data file run
//     batch by batch through go-mssqldb as sqlcmd runs restore.sql: the
//     baseline.
//
// For each it prints wall time, the client's CPU time (user + system) and
// peak RSS (getrusage of the child), rows/s and MB/s (MB of T-SQL in the
// snapshot's data files per wall second) and the target server's CPU
// time, then the ratios against the baseline, and last one JSON line.
//
//	go build -o /tmp/mssqltest ./mssql/mssqltest/cmd/mssqltest
//	go build -o /tmp/sqlvault ./cmd/sqlvault
//	go run ./bench/restorebench -rows 1000000 -mssqltest /tmp/mssqltest -sqlvault /tmp/sqlvault
//
// With -target-url URL every run restores into a new database of that
// server instead (a real SQL Server: the same comparison against a server
// that runs the T-SQL), dropped after the run; the server's CPU time is
// then not measured.
//
// bench/restore.sh builds both and runs it for several sizes. With -load
// it is the measured client of the two file methods (see loadFolder); with
// -load and -cpuprofile FILE it writes a CPU profile of that client.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sqlvault/sqlvault/bench/mssqlproc"
	"github.com/sqlvault/sqlvault/chunk"
	"github.com/sqlvault/sqlvault/mssql"
	"github.com/sqlvault/sqlvault/mssql/load"
	"github.com/sqlvault/sqlvault/mssql/mssqltest"
)

// benchDB is the database mssqltest -bench-rows serves.
const benchDB = "bench"

func main() {
	rows := flag.Int64("rows", 1000000, "rows of the generated table")
	mssqltestPath := flag.String("mssqltest", "", "the mssqltest command at `PATH` (go build ./mssql/mssqltest/cmd/mssqltest)")
	sqlvaultPath := flag.String("sqlvault", "", "the sqlvault command at `PATH` (go build ./cmd/sqlvault)")
	repeat := flag.Int("repeat", 3, "runs of each method; the figures are the medians")
	work := flag.String("work", "", "work in `DIR` and keep it (default: a temporary folder, removed)")
	targetURL := flag.String("target-url", "", "restore into the server at `URL` (e.g. a real SQL Server; password in SQLVAULT_MSSQL_PASSWORD) instead of a fresh mssqltest -target per run: each run creates a database of its own there and drops it after")
	loadDir := flag.String("load", "", "measured client: load the database folder `DIR` into -to (CREATE DATABASE first)")
	to := flag.String("to", "", "with -load: the target's `URL` with ?database=NEW")
	script := flag.Bool("script", false, "with -load: load every table by running its data file (load.Options.Script)")
	cpuprof := flag.String("cpuprofile", "", "with -load: write a CPU profile of the load to `FILE`")
	flag.Parse()
	var err error
	if *loadDir != "" {
		err = loadFolder(context.Background(), *loadDir, *to, *script, *cpuprof)
	} else {
		if *mssqltestPath == "" || *sqlvaultPath == "" {
			fmt.Fprintln(os.Stderr, "restorebench: give -mssqltest PATH and -sqlvault PATH (see go doc ./bench/restorebench)")
			os.Exit(2)
		}
		if *repeat < 1 || *rows < 1 {
			fmt.Fprintln(os.Stderr, "restorebench: -rows and -repeat must be at least 1")
			os.Exit(2)
		}
		err = run(*rows, *repeat, *mssqltestPath, *sqlvaultPath, *work, *targetURL)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "restorebench:", err)
		os.Exit(1)
	}
}

// targetPassword is the password of the restore target's login:
// SQLVAULT_MSSQL_PASSWORD, else mssqltest's.
func targetPassword() string {
	if pw := os.Getenv("SQLVAULT_MSSQL_PASSWORD"); pw != "" {
		return pw
	}
	return mssqltest.DefaultPassword
}

// loadFolder is the client of the file methods: it creates the database
// of URL to on the target, loads the database folder dir into it with
// load.Load (opts.Script as script) through go-mssqldb, and prints the
// summary as JSON; with cpuprof it writes a CPU profile of the load
// there.
func loadFolder(ctx context.Context, dir, to string, script bool, cpuprof string) error {
	dst, err := mssql.ParseURL(to)
	if err != nil {
		return err
	}
	if len(dst.Databases) != 1 {
		return fmt.Errorf("-to %s: give one database (?database=NEW)", to)
	}
	name := dst.Databases[0]
	master, err := mssql.Connect(ctx, dst, "master", targetPassword(), 30*time.Second)
	if err != nil {
		return err
	}
	err = load.CreateDatabase(ctx, master, name, "")
	master.Close()
	if err != nil {
		return err
	}
	db, err := mssql.Connect(ctx, dst, name, targetPassword(), 30*time.Second)
	if err != nil {
		return err
	}
	defer db.Close()
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
	sum, err := load.Load(ctx, db, os.DirFS(dir), load.Options{Script: script})
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(sum)
}

// usage is what one process cost.
type usage struct {
	WallSec   float64 `json:"wall_s"`
	CPUSec    float64 `json:"cpu_s"` // user + system
	UserSec   float64 `json:"user_s"`
	SysSec    float64 `json:"sys_s"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
}

func usageOf(ru *syscall.Rusage, wall time.Duration) usage {
	u := usage{WallSec: wall.Seconds()}
	if ru != nil {
		u.UserSec, u.SysSec = tv(ru.Utime), tv(ru.Stime)
		u.CPUSec = u.UserSec + u.SysSec
		u.PeakRSSMB = float64(ru.Maxrss) / 1024 // KiB on Linux
	}
	return u
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

// runMeasured runs a command with env added to the environment and
// returns its standard output and what it cost (wall time from start to
// exit, getrusage of the child).
func runMeasured(env []string, name string, args ...string) ([]byte, usage, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return nil, usage{}, fmt.Errorf("%s %s: %w\n%s", filepath.Base(name), strings.Join(args, " "), err, tail(stderr.String()))
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return stdout.Bytes(), usageOf(ru, wall), nil
}

// tail returns the last lines of s.
func tail(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-10):], "\n")
}

// method is one way of restoring.
type method struct {
	Name string
	n    int // its number, for database names
	// restore runs the client against the target URL (?database=NEW
	// added) and returns its output, a load.Summary as JSON.
	restore func(to string) ([]byte, usage, error)
	Runs    []run1
}

// run1 is one run of a method: the client's cost and the target's.
type run1 struct {
	Client       usage   `json:"client"`
	ServerCPUSec float64 `json:"server_cpu_s"` // -1: not known (-target-url)
}

// methodResult is the figures of a method: the medians of its runs and
// the rows and MB of T-SQL per median wall second.
type methodResult struct {
	Name   string  `json:"name"`
	Median run1    `json:"median"`
	RowsPS float64 `json:"rows_per_s"`
	MBPS   float64 `json:"mb_per_s"`
	Runs   []run1  `json:"runs"`
}

// result is the JSON line restorebench prints last.
type result struct {
	Bench     string `json:"bench"`
	Rows      int64  `json:"rows"`
	DataBytes int64  `json:"data_bytes"` // bytes of the snapshot's data files (T-SQL)
	Repeat    int    `json:"repeat"`
	CPUs      int    `json:"cpus"`
	// Backup is the sqlvault backup, Files the restore of the snapshot
	// to a folder (the first step of a restore with sqlcmd).
	Backup  usage          `json:"backup"`
	Files   usage          `json:"restore_to_files"`
	Methods []methodResult `json:"methods"`
	// RatioWall and RatioCPU: the baseline's median wall time and client
	// CPU time over restore --to's (rows/s and MB/s go as 1/wall).
	RatioWall float64 `json:"ratio_wall"`
	RatioCPU  float64 `json:"ratio_client_cpu"`
}

func run(rows int64, repeat int, mssqltestPath, sqlvaultPath, work, targetURL string) error {
	if work == "" {
		dir, err := os.MkdirTemp("", "sqlvault-restorebench.")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		work = dir
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	env := []string{
		"SQLVAULT_REPOSITORY=" + filepath.Join(work, "repo"),
		"SQLVAULT_PASSWORD=x",
		"SQLVAULT_TEST_CHUNKER_POLYNOMIAL=" + strconv.FormatUint(chunk.TestPolynomial, 16),
		"XDG_CACHE_HOME=" + filepath.Join(work, "cache"),
	}
	// sv runs sqlvault with the password of the restore target's login,
	// svSource with the source's.
	sv := func(args ...string) ([]byte, usage, error) {
		return runMeasured(append(env[:len(env):len(env)], "SQLVAULT_MSSQL_PASSWORD="+targetPassword()), sqlvaultPath, args...)
	}
	svSource := func(args ...string) ([]byte, usage, error) {
		return runMeasured(append(env[:len(env):len(env)], "SQLVAULT_MSSQL_PASSWORD="+mssqltest.DefaultPassword), sqlvaultPath, args...)
	}
	say := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "restorebench: "+format+"\n", args...) }

	// The snapshot: a fresh repository (an 8 MiB password key, so that the
	// key derivation does not set the peak RSS), one backup of the table.
	if _, _, err := sv("init", "--kdf-memory", "8", "--kdf-time", "1"); err != nil {
		return err
	}
	say("backing up %d rows", rows)
	src, err := mssqlproc.Start(mssqltestPath, "-bench-rows", strconv.FormatInt(rows, 10))
	if err != nil {
		return err
	}
	_, backup, err := svSource("backup", withQuery(src.URL, "database", benchDB))
	src.Stop()
	if err != nil {
		return err
	}
	files := filepath.Join(work, "files")
	_, restoreFiles, err := sv("restore", "latest", "--target", files)
	if err != nil {
		return err
	}
	folder := filepath.Join(files, benchDB)
	m, err := load.ReadManifest(os.DirFS(folder))
	if err != nil {
		return err
	}
	var dataBytes int64
	for _, te := range m.Tables {
		dataBytes += te.Bytes
	}
	if m.Totals.Rows != rows {
		return fmt.Errorf("the snapshot holds %d rows, want %d", m.Totals.Rows, rows)
	}

	methods := []*method{
		{Name: "restore --to (repository, bulk copy)", restore: func(to string) ([]byte, usage, error) {
			return sv("--json", "restore", "latest", "--database", benchDB, "--to", to, "--create-database",
				"--state", filepath.Join(work, "state.json"))
		}},
		{Name: "files, bulk copy (load.Load)", restore: func(to string) ([]byte, usage, error) {
			return runMeasured(nil, self, "-load", folder, "-to", to)
		}},
		{Name: "files, script (as sqlcmd: baseline)", restore: func(to string) ([]byte, usage, error) {
			return runMeasured(nil, self, "-load", folder, "-to", to, "-script")
		}},
	}
	for n, mt := range methods {
		mt.n = n
	}
	for i := 0; i < repeat; i++ {
		for _, mt := range methods {
			say("%d rows, run %d of %d: %s", rows, i+1, repeat, mt.Name)
			r, err := restoreOnce(mt, mssqltestPath, targetURL, rows, i)
			if err != nil {
				return err
			}
			mt.Runs = append(mt.Runs, r)
		}
	}
	return report(rows, repeat, dataBytes, backup, restoreFiles, methods)
}

// restoreOnce runs a method once, into a fresh target process, or with
// targetURL into a new database there (dropped after), and checks that it
// loaded every row. The server's CPU time is -1 when it is not known.
func restoreOnce(mt *method, mssqltestPath, targetURL string, rows int64, i int) (run1, error) {
	if targetURL != "" {
		name := fmt.Sprintf("sqlvault_bench_%d_%d_%d", os.Getpid(), i, mt.n)
		out, u, err := mt.restore(withQuery(targetURL, "database", name))
		if derr := dropDatabase(targetURL, name); err == nil {
			err = derr
		}
		if err != nil {
			return run1{}, err
		}
		return run1{Client: u, ServerCPUSec: -1}, checkRows(mt, out, rows)
	}
	tgt, err := mssqlproc.Start(mssqltestPath, "-target")
	if err != nil {
		return run1{}, err
	}
	out, u, err := mt.restore(withQuery(tgt.URL, "database", "restored"))
	sru := tgt.Stop()
	if err != nil {
		return run1{}, err
	}
	return run1{Client: u, ServerCPUSec: usageOf(sru, 0).CPUSec}, checkRows(mt, out, rows)
}

// dropDatabase drops database name of the server at u.
func dropDatabase(u, name string) error {
	ctx := context.Background()
	dst, err := mssql.ParseURL(u)
	if err != nil {
		return err
	}
	master, err := mssql.Connect(ctx, dst, "master", targetPassword(), 30*time.Second)
	if err != nil {
		return err
	}
	defer master.Close()
	if _, err := master.ExecContext(ctx, "DROP DATABASE ["+name+"];"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// checkRows checks that a method's summary (out) tells every row loaded.
func checkRows(mt *method, out []byte, rows int64) error {
	var sum load.Summary
	if err := json.Unmarshal(out, &sum); err != nil {
		return fmt.Errorf("%s: read its summary: %w", mt.Name, err)
	}
	if sum.Rows != rows {
		return fmt.Errorf("%s: loaded %d rows, want %d", mt.Name, sum.Rows, rows)
	}
	return nil
}

// withQuery returns URL u with query parameter k set to v.
func withQuery(u, k, v string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	q := p.Query()
	q.Set(k, v)
	p.RawQuery = q.Encode()
	return p.String()
}

// median returns the median of f over the runs.
func median(runs []run1, f func(run1) float64) float64 {
	v := make([]float64, len(runs))
	for i, r := range runs {
		v[i] = f(r)
	}
	sort.Float64s(v)
	return v[(len(v)-1)/2]
}

func report(rows int64, repeat int, dataBytes int64, backup, files usage, methods []*method) error {
	r := result{Bench: "restorebench", Rows: rows, DataBytes: dataBytes, Repeat: repeat, CPUs: runtime.NumCPU(), Backup: backup, Files: files}
	mb := float64(dataBytes) / 1e6
	fmt.Printf("%d rows of dbo.Mixed, %.1f MB of T-SQL in the data files; %d CPUs; medians of %d runs\n", rows, mb, r.CPUs, repeat)
	fmt.Printf("%-38s %8s %12s %12s %10s %8s %12s\n", "method", "wall s", "client CPU s", "peak RSS MB", "rows/s", "MB/s", "server CPU s")
	for _, mt := range methods {
		med := run1{
			Client: usage{
				WallSec:   median(mt.Runs, func(x run1) float64 { return x.Client.WallSec }),
				CPUSec:    median(mt.Runs, func(x run1) float64 { return x.Client.CPUSec }),
				UserSec:   median(mt.Runs, func(x run1) float64 { return x.Client.UserSec }),
				SysSec:    median(mt.Runs, func(x run1) float64 { return x.Client.SysSec }),
				PeakRSSMB: median(mt.Runs, func(x run1) float64 { return x.Client.PeakRSSMB }),
			},
			ServerCPUSec: median(mt.Runs, func(x run1) float64 { return x.ServerCPUSec }),
		}
		m := methodResult{Name: mt.Name, Median: med, RowsPS: float64(rows) / med.Client.WallSec, MBPS: mb / med.Client.WallSec, Runs: mt.Runs}
		r.Methods = append(r.Methods, m)
		server := "-"
		if med.ServerCPUSec >= 0 {
			server = fmt.Sprintf("%.2f", med.ServerCPUSec)
		}
		fmt.Printf("%-38s %8.2f %12.2f %12.1f %10.0f %8.1f %12s\n", m.Name, med.Client.WallSec, med.Client.CPUSec,
			med.Client.PeakRSSMB, m.RowsPS, m.MBPS, server)
	}
	fmt.Printf("%-38s %8.2f %12.2f %12.1f %10s %8s %12s\n", "(restore --target: files for sqlcmd)", files.WallSec, files.CPUSec, files.PeakRSSMB, "-", "-", "-")
	fmt.Printf("%-38s %8.2f %12.2f %12.1f %10s %8s %12s\n", "(backup)", backup.WallSec, backup.CPUSec, backup.PeakRSSMB, "-", "-", "-")
	to, base := r.Methods[0].Median.Client, r.Methods[len(r.Methods)-1].Median.Client
	r.RatioWall, r.RatioCPU = base.WallSec/to.WallSec, base.CPUSec/to.CPUSec
	fmt.Printf("restore --to against the script baseline: %.2fx the rows/s and MB/s (baseline wall / restore --to wall); client CPU: baseline / restore --to = %.2f\n", r.RatioWall, r.RatioCPU)
	j, err := json.Marshal(r)
	if err != nil {
		return err
	}
	fmt.Println(string(j))
	return nil
}
