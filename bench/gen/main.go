// Command gen writes one day of the sqlvault benchmark workload, a
// deterministic SQL-dump-like T-SQL script, to standard output.
//
// Usage:
//
//	gen (-rows N | -size BYTES) [-day K] [-update F] [-append F] [-seed S] [-o FILE] [-stats]
//
// Day K is day 0 with days 1..K applied: each day updates the -update
// fraction of existing rows at random positions and appends the -append
// fraction of each table's rows at its end. The same flags always produce the
// same bytes, and memory use does not depend on the size. See
// bench/README.md.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/sqlvault/sqlvault/bench/workload"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(2)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rows := fs.Int64("rows", 0, "total rows across all tables at day 0")
	size := fs.String("size", "", "pick -rows so that day 0 is about this many bytes (e.g. 100000000, 100M, 1G, 1GiB)")
	day := fs.Int("day", 0, "day to generate; 0 is the base, day K applies days 1..K")
	update := fs.Float64("update", workload.DefaultUpdate, "fraction of existing rows updated per day, at random positions")
	appendF := fs.Float64("append", workload.DefaultAppend, "fraction of each table's rows appended per day at its end")
	seed := fs.Uint64("seed", 1, "data seed")
	out := fs.String("o", "", "write to this file instead of standard output")
	stats := fs.Bool("stats", false, "print rows, bytes, updated and appended rows to standard error")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gen (-rows N | -size BYTES) [-day K] [-update F] [-append F] [-seed S] [-o FILE] [-stats]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	rowsSet, sizeSet := false, false
	fs.Visit(func(f *flag.Flag) {
		rowsSet = rowsSet || f.Name == "rows"
		sizeSet = sizeSet || f.Name == "size"
	})
	if rowsSet == sizeSet {
		return fmt.Errorf("give exactly one of -rows N or -size BYTES")
	}
	cfg := workload.Config{Rows: *rows, Day: *day, Update: *update, Append: *appendF, Seed: *seed}
	if *size != "" {
		n, err := workload.ParseSize(*size)
		if err != nil {
			return err
		}
		if cfg.Rows, err = workload.RowsForSize(n, cfg); err != nil {
			return err
		}
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	var w io.Writer = stdout
	var f *os.File
	if *out != "" {
		var err error
		if f, err = os.Create(*out); err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	st, err := workload.Generate(bw, cfg)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil && f != nil {
		err = f.Close()
	}
	if err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	if *stats {
		fmt.Fprintf(stderr, "rows0=%d day=%d rows=%d bytes=%d updated=%d appended=%d\n",
			cfg.Rows, cfg.Day, st.Rows, st.Bytes, st.Updated, st.Appended)
	}
	return nil
}
