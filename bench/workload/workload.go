// Package workload generates the benchmark workload: a deterministic,
// SQL-dump-like T-SQL script of a small sales database, shaped like what the
// sqlvault scripter produces for SQL Server (schema, then per table
// SET IDENTITY_INSERT and multi-row INSERT statements of at most 1000 rows
// ordered by key with GO between batches, then post-data statements).
//
// The workload models a database over a sequence of days. Day 0 is the base.
// On every later day each row that already existed is updated with
// probability Config.Update (independently, so updates are scattered
// uniformly through the tables) and Config.Append times the table's row count
// new rows are appended at the end of each table. Day K is therefore day 0
// with days 1..K applied cumulatively, and day K and day K+1 differ only by
// day K+1's updates and appends.
//
// Generation is streaming and holds no per-row state: every value of a row is
// derived by hashing (seed, table, row id, version), where the version is the
// last day on or before the requested day on which the row was written. The
// days on which a row is updated form a sequence of geometric gaps drawn from
// a per-row hash, so finding a row's version costs O(1 + Day*Update) and
// memory does not depend on the number of rows.
package workload

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// Defaults for the day-to-day change model.
const (
	// DefaultUpdate is the default fraction of existing rows updated per day.
	DefaultUpdate = 0.001
	// DefaultAppend is the default fraction of rows appended per day.
	DefaultAppend = 0.005
	// MaxRowsPerInsert is the largest number of rows in one INSERT statement
	// (SQL Server's limit for a VALUES list).
	MaxRowsPerInsert = 1000
)

// Limits that keep the arithmetic exact and the per-day tables small.
const (
	maxDay  = 100_000
	maxRows = 1e15
)

// Config selects one day of the workload.
type Config struct {
	// Rows is the total number of rows across all tables at day 0.
	Rows int64
	// Day is the day to generate; 0 is the base.
	Day int
	// Update is the fraction of existing rows updated per day, in [0, 1].
	Update float64
	// Append is the fraction of a table's rows appended to it per day (>= 0).
	Append float64
	// Seed selects the data; the same Config always gives the same bytes.
	Seed uint64
}

// Stats describes what Generate wrote.
type Stats struct {
	// Bytes is the number of bytes written.
	Bytes int64
	// Rows is the number of table rows written.
	Rows int64
	// Updated is the number of rows last written on Config.Day by an update
	// (they differ from the previous day's script). Zero for day 0.
	Updated int64
	// Appended is the number of rows added on Config.Day. Zero for day 0.
	Appended int64
}

// Validate reports whether c can be generated.
func (c Config) Validate() error {
	switch {
	case c.Rows < 0:
		return fmt.Errorf("workload: rows must be >= 0, got %d", c.Rows)
	case c.Day < 0:
		return fmt.Errorf("workload: day must be >= 0, got %d", c.Day)
	case math.IsNaN(c.Update) || c.Update < 0 || c.Update > 1:
		return fmt.Errorf("workload: update fraction must be in [0,1], got %v", c.Update)
	case math.IsNaN(c.Append) || c.Append < 0 || c.Append > 10:
		return fmt.Errorf("workload: append fraction must be in [0,10], got %v", c.Append)
	case c.Day > maxDay:
		return fmt.Errorf("workload: day must be <= %d, got %d", maxDay, c.Day)
	case float64(c.Rows)*math.Pow(1+c.Append, float64(c.Day)) > maxRows:
		return fmt.Errorf("workload: %d rows growing by %v a day for %d days is more than %g rows",
			c.Rows, c.Append, c.Day, float64(maxRows))
	}
	return nil
}

// TableRows returns the number of rows of each table (in script order) on
// day c.Day, keyed by the table's bracketed name, e.g. "[dbo].[Orders]".
func TableRows(c Config) (map[string]int64, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	m := make(map[string]int64, len(tables))
	for i, base := range baseRows(c.Rows) {
		counts := dayCounts(base, c.Append, c.Day)
		m[tables[i].qname()] = counts[c.Day]
	}
	return m, nil
}

// Generate writes day c.Day of the workload to w.
func Generate(w io.Writer, c Config) (Stats, error) {
	if err := c.Validate(); err != nil {
		return Stats{}, err
	}
	cw := &countWriter{w: w}
	g := &generator{
		cfg: c,
		bw:  bufio.NewWriterSize(cw, 256<<10),
		buf: make([]byte, 0, 64<<10),
	}
	if c.Update > 0 && c.Update < 1 {
		g.lnq = math.Log1p(-c.Update)
	}
	err := g.run()
	if ferr := g.bw.Flush(); err == nil {
		err = ferr
	}
	g.stats.Bytes = cw.n
	return g.stats, err
}

// RowsForSize returns a day-0 row count for which Generate writes about
// size bytes (within about 0.5%) with the given seed (Rows, Day, Update and
// Append of c are ignored). It renders a sample of rows, so it is quick.
func RowsForSize(size int64, c Config) (int64, error) {
	if size <= 0 {
		return 0, errors.New("workload: size must be > 0")
	}
	fixed, err := Generate(io.Discard, Config{Seed: c.Seed})
	if err != nil {
		return 0, err
	}
	if size <= fixed.Bytes {
		return 0, nil
	}
	// Start from the average row of a small exact run, then correct for
	// what grows with the row count (longer ids) by estimating the bytes
	// at the guess from a sample of about 100k rows spread over all ids.
	const first = 20_000
	st, err := Generate(io.Discard, Config{Rows: first, Seed: c.Seed})
	if err != nil {
		return 0, err
	}
	want := float64(size - fixed.Bytes)
	rows := int64(math.Round(want / (float64(st.Bytes-fixed.Bytes) / first)))
	for i := 0; i < 2 && rows > 0; i++ {
		est, err := estimateDay0(c.Seed, rows, max(1, rows/100_000))
		if err != nil {
			return 0, err
		}
		rows = int64(math.Round(float64(rows) * want / (est - float64(fixed.Bytes))))
	}
	return rows, nil
}

// ParseSize parses a byte count such as "1000000", "100M", "1G" or "512MiB".
// K, M, G and T are powers of 1000; Ki, Mi, Gi and Ti are powers of 1024; a
// trailing "B" is allowed.
func ParseSize(s string) (int64, error) {
	orig := s
	if n := len(s); n > 0 && (s[n-1] == 'B' || s[n-1] == 'b') {
		s = s[:n-1]
	}
	mult := int64(1)
	if n := len(s); n > 0 {
		base := int64(1000)
		if s[n-1] == 'i' {
			base = 1024
			s = s[:n-1]
			n--
		}
		if n > 0 {
			switch s[n-1] {
			case 'k', 'K':
				mult = base
			case 'm', 'M':
				mult = base * base
			case 'g', 'G':
				mult = base * base * base
			case 't', 'T':
				mult = base * base * base * base
			}
			if mult != 1 {
				s = s[:n-1]
			} else if base == 1024 {
				return 0, fmt.Errorf("bad size %q", orig)
			}
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || math.IsInf(v, 0) {
		return 0, fmt.Errorf("bad size %q: want a byte count like 100000000, 100M or 1G", orig)
	}
	return int64(v * float64(mult)), nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// baseRows splits the day-0 row count over the tables by weight.
func baseRows(total int64) []int64 {
	var wsum int64
	for _, t := range tables {
		wsum += t.weight
	}
	out := make([]int64, len(tables))
	var given int64
	for i, t := range tables {
		out[i] = total / wsum * t.weight
		given += out[i]
	}
	// Hand out the remainder one row at a time, largest tables first.
	rem := total - given
	for rem > 0 {
		for i := range tables {
			if rem == 0 {
				break
			}
			out[len(tables)-1-i]++
			rem--
		}
	}
	return out
}

// dayCounts returns a table's row count at the end of each day 0..day. The
// count grows by the append fraction of the previous count each day, kept as
// an exact running value so that small tables still grow.
func dayCounts(base int64, appendFrac float64, day int) []int64 {
	counts := make([]int64, day+1)
	counts[0] = base
	x := float64(base)
	for d := 1; d <= day; d++ {
		x *= 1 + appendFrac
		n := int64(math.Floor(x + 0.5))
		if n < counts[d-1] {
			n = counts[d-1]
		}
		counts[d] = n
	}
	return counts
}

type generator struct {
	cfg   Config
	bw    *bufio.Writer
	buf   []byte
	lnq   float64 // log(1-Update) for geometric gaps
	base  [numTables]int64
	row   row // reused so that rendering does not allocate
	stats Stats
}

func (g *generator) write(s string) {
	g.bw.WriteString(s) //nolint:errcheck // bufio keeps the first error; Flush reports it
}

// version returns the last day <= cfg.Day on which the row was written (its
// creation day or an update day) and whether that was an update.
func (g *generator) version(table int, id int64, created int) (int, bool) {
	u := g.cfg.Update
	day := g.cfg.Day
	if u <= 0 || created >= day {
		return created, false
	}
	if u >= 1 {
		return day, true
	}
	r := newRand(hash4(g.cfg.Seed, uint64(table), uint64(id), tagSchedule))
	v := created
	for {
		// Geometric gap >= 1 with success probability u: the number of
		// days until the next Bernoulli(u) success.
		x := float64(r.next()>>11+1) / (1 << 53) // (0, 1]
		gap := math.Floor(math.Log(x)/g.lnq) + 1
		if gap > float64(day-v) {
			break
		}
		v += int(gap)
	}
	return v, v != created
}

func (g *generator) run() error {
	g.write(header)
	for _, t := range tables {
		g.write(t.ddl)
	}
	copy(g.base[:], baseRows(g.cfg.Rows))
	for ti, base := range g.base {
		if err := g.table(ti, base); err != nil {
			return err
		}
	}
	for ti, base := range g.base {
		n := dayCounts(base, g.cfg.Append, g.cfg.Day)[g.cfg.Day]
		t := tables[ti]
		g.buf = append(g.buf[:0], "DBCC CHECKIDENT (N'"...)
		g.buf = append(g.buf, t.qname()...)
		g.buf = append(g.buf, "', RESEED, "...)
		g.buf = strconv.AppendInt(g.buf, max(n, 1), 10)
		g.buf = append(g.buf, ") WITH NO_INFOMSGS;\nGO\n"...)
		g.bw.Write(g.buf) //nolint:errcheck // reported by Flush
	}
	g.write(postData)
	return nil
}

func (g *generator) table(ti int, base int64) error {
	t := tables[ti]
	counts := dayCounts(base, g.cfg.Append, g.cfg.Day)
	n := counts[g.cfg.Day]
	q := t.qname()
	insert := t.insertHead()
	g.write("\n-- Data for " + q + "\n")
	g.write("SET IDENTITY_INSERT " + q + " ON;\nGO\n")
	created := 0
	for start := int64(1); start <= n; start += MaxRowsPerInsert {
		end := min(start+MaxRowsPerInsert-1, n)
		g.write(insert)
		for id := start; id <= end; id++ {
			for counts[created] < id {
				created++
			}
			ver, updated := g.version(ti, id, created)
			if g.cfg.Day > 0 {
				if created == g.cfg.Day {
					g.stats.Appended++
				} else if updated && ver == g.cfg.Day {
					g.stats.Updated++
				}
			}
			b := g.renderRow(ti, id, ver)
			if id == end {
				b = append(b, ";\n"...)
			} else {
				b = append(b, ",\n"...)
			}
			g.buf = b
			if _, err := g.bw.Write(b); err != nil {
				return err
			}
			g.stats.Rows++
		}
		g.write("GO\n")
	}
	g.write("SET IDENTITY_INSERT " + q + " OFF;\nGO\n")
	return nil
}

// renderRow returns "(id,...)" for version ver of a row, in g.buf.
func (g *generator) renderRow(ti int, id int64, ver int) []byte {
	r := &g.row
	*r = row{
		id:      id,
		version: ver,
		fixed:   newRand(hash4(g.cfg.Seed, uint64(ti), uint64(id), tagFixed)),
		vary:    newRand(hash4(g.cfg.Seed, uint64(ti), uint64(id), tagVersion+uint64(ver))),
		base:    &g.base,
	}
	b := append(g.buf[:0], '(')
	b = strconv.AppendInt(b, id, 10)
	b = append(tables[ti].render(b, r), ')')
	g.buf = b
	return b
}

// estimateDay0 estimates the bytes of day 0 with the given seed and row
// count by rendering every stride-th row of each table; the statement
// overhead and the parts outside the tables are counted exactly.
func estimateDay0(seed uint64, rows, stride int64) (float64, error) {
	fixed, err := Generate(io.Discard, Config{Seed: seed})
	if err != nil {
		return 0, err
	}
	g := &generator{cfg: Config{Rows: rows, Seed: seed}, buf: make([]byte, 0, 64<<10)}
	copy(g.base[:], baseRows(rows))
	total := float64(fixed.Bytes)
	for ti, n := range g.base {
		batches := (n + MaxRowsPerInsert - 1) / MaxRowsPerInsert
		total += float64(batches * int64(len(tables[ti].insertHead())+len("GO\n")))
		// Strata of stride rows, each represented by its middle row.
		for lo := int64(1); lo <= n; lo += stride {
			hi := min(lo+stride-1, n)
			rowBytes := len(g.renderRow(ti, (lo+hi)/2, 0)) + len(",\n")
			total += float64(rowBytes) * float64(hi-lo+1)
		}
	}
	return total, nil
}

// Hashing: splitmix64 finalizer chained over the inputs, and a splitmix64
// stream seeded from it. Distinct tags keep the streams apart.
const (
	tagFixed    = 0x6669786564000000 // values that never change
	tagSchedule = 0x7363686564000000 // update days
	tagVersion  = 0x7665720000000000 // values of one version (+ day)
)

func mix(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func hash4(a, b, c, d uint64) uint64 {
	h := mix(a + 0x9e3779b97f4a7c15)
	h = mix(h ^ (b + 0x632be59bd9b4e019))
	h = mix(h ^ (c + 0x8cb92ba72f3d8dd7))
	return mix(h ^ (d + 0xd1b54a32d192ed03))
}

type rnd struct{ s uint64 }

func newRand(seed uint64) rnd { return rnd{s: seed} }

func (r *rnd) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix(r.s)
}

// intn returns a value in [0, n).
func (r *rnd) intn(n int) int { return int((r.next() >> 32) * uint64(n) >> 32) }

// chance reports true with probability p/1000.
func (r *rnd) chance(p int) bool { return r.intn(1000) < p }
