package workload

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func gen(t testing.TB, c Config) ([]byte, Stats) {
	t.Helper()
	var buf bytes.Buffer
	st, err := Generate(&buf, c)
	if err != nil {
		t.Fatalf("Generate(%+v): %v", c, err)
	}
	if st.Bytes != int64(buf.Len()) {
		t.Fatalf("Stats.Bytes = %d, wrote %d", st.Bytes, buf.Len())
	}
	return buf.Bytes(), st
}

func TestDeterministic(t *testing.T) {
	c := Config{Rows: 20000, Day: 3, Update: 0.01, Append: 0.005, Seed: 7}
	a, _ := gen(t, c)
	b, _ := gen(t, c)
	if !bytes.Equal(a, b) {
		t.Fatal("same config gave different output")
	}
	c.Seed = 8
	d, _ := gen(t, c)
	if bytes.Equal(a, d) {
		t.Fatal("different seeds gave the same output")
	}
}

// TestGolden pins the output: benchmark figures are only comparable across
// commits while the workload stays the same. Change the hash only on purpose.
func TestGolden(t *testing.T) {
	out, _ := gen(t, Config{Rows: 3000, Day: 2, Update: 0.01, Append: 0.005, Seed: 1})
	sum := sha256.Sum256(out)
	const want = "605723b8a77641043c7f08b3371855a62fb4bbeb9d9d1111a81f5062b05eb98b"
	if got := hex.EncodeToString(sum[:]); got != want {
		t.Errorf("workload output changed: sha256 %s, want %s", got, want)
	}
}

// parsed is a script split the way sqlcmd splits it, with the rows of each
// table.
type parsed struct {
	order  []string                    // tables in script order
	rows   map[string][]tuple          // rows by table, in script order
	byID   map[string]map[int64]string // row text by table and id
	insert int                         // number of INSERT statements
}

type tuple struct {
	id     int64
	text   string
	fields int
}

// splitBatches splits a script at lines that are exactly GO outside string
// literals and comments. It fails on an unterminated literal.
func splitBatches(t *testing.T, s string) []string {
	t.Helper()
	var out []string
	start, inStr := 0, false
	for i := 0; i < len(s); i++ {
		if !inStr && (i == 0 || s[i-1] == '\n') && strings.HasPrefix(s[i:], "GO\n") {
			out = append(out, s[start:i])
			start = i + 3
			i += 2
			continue
		}
		c := s[i]
		switch {
		case inStr:
			if c == '\'' {
				inStr = false
			}
		case c == '\'':
			inStr = true
		case c == '-' && strings.HasPrefix(s[i:], "--"):
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				i = len(s)
			} else {
				i += j - 1
			}
		}
	}
	if inStr {
		t.Fatal("unterminated string literal")
	}
	if rest := strings.TrimSpace(s[start:]); rest != "" {
		t.Fatalf("script does not end with GO; trailing %q", rest)
	}
	return out
}

// values splits the VALUES list of an INSERT into its tuples.
func values(t *testing.T, s string) []tuple {
	t.Helper()
	var out []tuple
	depth, inStr, start, fields := 0, false, 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inStr {
			if c == '\'' {
				inStr = false
			}
			continue
		}
		switch c {
		case '\'':
			inStr = true
		case '(':
			if depth == 0 {
				start, fields = i+1, 1
			}
			depth++
		case ')':
			depth--
			if depth == 0 {
				text := s[start:i]
				id, err := strconv.ParseInt(text[:strings.IndexByte(text, ',')], 10, 64)
				if err != nil {
					t.Fatalf("row without an integer id: %.80q", text)
				}
				out = append(out, tuple{id: id, text: text, fields: fields})
				sep := s[i+1:]
				if !strings.HasPrefix(sep, ",\n") && !strings.HasPrefix(sep, ";\n") {
					t.Fatalf("row %d not followed by \",\\n\" or \";\\n\": %.20q", id, sep)
				}
			}
		case ',':
			if depth == 1 {
				fields++
			}
		default:
			if depth == 0 && c != '\n' && c != ',' && c != ';' {
				t.Fatalf("unexpected %q between rows", c)
			}
		}
	}
	if !strings.HasSuffix(strings.TrimSpace(s), ");") {
		t.Fatal("INSERT does not end with \");\"")
	}
	return out
}

var insertRe = regexp.MustCompile(`^INSERT INTO (\[dbo\]\.\[\w+\]) \(((?:\[\w+\],)*\[\w+\])\) VALUES\n`)

// parse checks the structure of a script and returns its rows: every INSERT
// is alone in its batch, has 1..1000 rows with as many fields as columns,
// inside SET IDENTITY_INSERT ON/OFF for its table; ids run 1, 2, 3... per
// table.
func parse(t *testing.T, data []byte) *parsed {
	t.Helper()
	p := &parsed{rows: map[string][]tuple{}, byID: map[string]map[int64]string{}}
	identity := ""
	for _, b := range splitBatches(t, string(data)) {
		b = strings.TrimLeft(b, "\n")
		for strings.HasPrefix(b, "--") { // leading comment lines
			b = b[strings.IndexByte(b, '\n')+1:]
		}
		switch {
		case strings.HasPrefix(b, "SET IDENTITY_INSERT "):
			f := strings.Fields(b)
			if len(f) != 4 {
				t.Fatalf("bad batch %q", b)
			}
			switch f[3] {
			case "ON;":
				if identity != "" {
					t.Fatalf("IDENTITY_INSERT ON for %s while on for %s", f[2], identity)
				}
				identity = f[2]
				p.order = append(p.order, identity)
				p.byID[identity] = map[int64]string{}
			case "OFF;":
				if identity != f[2] {
					t.Fatalf("IDENTITY_INSERT OFF for %s while on for %q", f[2], identity)
				}
				identity = ""
			default:
				t.Fatalf("bad batch %q", b)
			}
		case strings.HasPrefix(b, "INSERT"):
			m := insertRe.FindStringSubmatch(b)
			if m == nil {
				t.Fatalf("bad INSERT header: %.200q", b)
			}
			tbl, cols := m[1], strings.Count(m[2], ",")+1
			if tbl != identity {
				t.Fatalf("INSERT into %s while IDENTITY_INSERT is on for %q", tbl, identity)
			}
			rows := values(t, b[len(m[0]):])
			if len(rows) < 1 || len(rows) > MaxRowsPerInsert {
				t.Fatalf("INSERT into %s has %d rows", tbl, len(rows))
			}
			p.insert++
			for _, r := range rows {
				if r.fields != cols {
					t.Fatalf("%s row %d has %d fields, want %d: %q", tbl, r.id, r.fields, cols, r.text)
				}
				if want := int64(len(p.rows[tbl]) + 1); r.id != want {
					t.Fatalf("%s: row id %d, want %d", tbl, r.id, want)
				}
				p.rows[tbl] = append(p.rows[tbl], r)
				p.byID[tbl][r.id] = r.text
			}
		case strings.Contains(b, "INSERT"):
			t.Fatalf("batch with an INSERT that is not alone: %.200q", b)
		}
	}
	if identity != "" {
		t.Fatalf("IDENTITY_INSERT left on for %s", identity)
	}
	return p
}

func TestStructure(t *testing.T) {
	c := Config{Rows: 30000, Day: 2, Update: 0.01, Append: 0.01, Seed: 3}
	data, st := gen(t, c)
	p := parse(t, data)
	want, err := TableRows(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.order) != len(tables) {
		t.Fatalf("%d tables with data, want %d", len(p.order), len(tables))
	}
	var total int64
	wantInserts := 0
	for _, tbl := range p.order {
		n := int64(len(p.rows[tbl]))
		if n != want[tbl] {
			t.Errorf("%s: %d rows, TableRows says %d", tbl, n, want[tbl])
		}
		total += n
		wantInserts += int((n + MaxRowsPerInsert - 1) / MaxRowsPerInsert)
	}
	if total != st.Rows {
		t.Errorf("parsed %d rows, Stats.Rows = %d", total, st.Rows)
	}
	if p.insert != wantInserts {
		t.Errorf("%d INSERT statements, want %d (full batches of %d)", p.insert, wantInserts, MaxRowsPerInsert)
	}
	// A line that is just GO inside a string would split a batch in sqlcmd.
	for _, line := range strings.Split(string(data), "\n") {
		if strings.EqualFold(strings.TrimSpace(strings.TrimSuffix(line, "\r")), "GO") && line != "GO" {
			t.Fatalf("GO line %q", line)
		}
	}
}

// diff compares two days: rows changed, rows only in the later day, rows
// only in the earlier day.
func diff(a, b *parsed) (changed, added, removed int64, changedBy map[string]int64) {
	changedBy = map[string]int64{}
	for tbl, rows := range a.byID {
		for id, text := range rows {
			nt, ok := b.byID[tbl][id]
			switch {
			case !ok:
				removed++
			case nt != text:
				changed++
				changedBy[tbl]++
			}
		}
	}
	for tbl, rows := range b.byID {
		for id := range rows {
			if _, ok := a.byID[tbl][id]; !ok {
				added++
			}
		}
	}
	return changed, added, removed, changedBy
}

func TestDayDiff(t *testing.T) {
	const rows, upd, app = 200000, 0.01, 0.005
	for _, k := range []int{0, 3} {
		c := Config{Rows: rows, Day: k, Update: upd, Append: app, Seed: 11}
		da, sa := gen(t, c)
		c.Day++
		db, sb := gen(t, c)
		a, b := parse(t, da), parse(t, db)
		changed, added, removed, by := diff(a, b)
		t.Logf("day %d->%d: %d rows, %d changed, %d added", k, k+1, sa.Rows, changed, added)
		if removed != 0 {
			t.Errorf("day %d->%d: %d rows removed", k, k+1, removed)
		}
		if changed != sb.Updated || added != sb.Appended {
			t.Errorf("day %d->%d: changed %d added %d, Stats say updated %d appended %d",
				k, k+1, changed, added, sb.Updated, sb.Appended)
		}
		// Binomial(n, 0.01): sd ~ 45 rows, so 15% is more than 6 sd.
		wantC := upd * float64(sa.Rows)
		if math.Abs(float64(changed)-wantC) > 0.15*wantC {
			t.Errorf("day %d->%d: %d rows changed, want about %.0f", k, k+1, changed, wantC)
		}
		wantA := app * float64(sa.Rows)
		if math.Abs(float64(added)-wantA) > 0.02*wantA+float64(len(tables)) {
			t.Errorf("day %d->%d: %d rows added, want about %.0f", k, k+1, added, wantA)
		}
		// Scattered: every table gets its share of the updates, and so do
		// the first and second halves of the rows.
		for _, tbl := range a.order {
			n := float64(len(a.rows[tbl]))
			if n*upd >= 100 && math.Abs(float64(by[tbl])-n*upd) > 0.35*n*upd {
				t.Errorf("%s: %d rows changed of %.0f, want about %.0f", tbl, by[tbl], n, n*upd)
			}
		}
		var first, second int64
		for _, tbl := range a.order {
			half := int64(len(a.rows[tbl]) / 2)
			for id, text := range a.byID[tbl] {
				if b.byID[tbl][id] != text {
					if id <= half {
						first++
					} else {
						second++
					}
				}
			}
		}
		if math.Abs(float64(first-second)) > 0.2*float64(changed) {
			t.Errorf("updates not uniform: %d in first halves, %d in second halves", first, second)
		}
		// Apart from rows, only the identity reseeds may differ.
		if k == 0 {
			other := func(d []byte) string {
				var keep []string
				for _, b := range splitBatches(t, string(d)) {
					if !strings.HasPrefix(b, "INSERT") && !strings.HasPrefix(b, "DBCC CHECKIDENT") {
						keep = append(keep, b)
					}
				}
				return strings.Join(keep, "GO\n")
			}
			if other(da) != other(db) {
				t.Errorf("day %d->%d: differences outside the rows", k, k+1)
			}
		}
	}
}

// TestCumulative checks that a row's value depends only on the last day it
// was written: a row that day k+1 does not touch is byte-identical to day k,
// across several days.
func TestCumulative(t *testing.T) {
	c := Config{Rows: 20000, Update: 0.05, Append: 0.02, Seed: 5}
	var prev *parsed
	for d := 0; d <= 4; d++ {
		c.Day = d
		data, st := gen(t, c)
		p := parse(t, data)
		if prev != nil {
			changed, added, removed, _ := diff(prev, p)
			if removed != 0 || changed != st.Updated || added != st.Appended {
				t.Fatalf("day %d: changed %d added %d removed %d; stats %+v", d, changed, added, removed, st)
			}
		}
		prev = p
	}
}

func TestExtremes(t *testing.T) {
	c := Config{Rows: 5000, Update: 0, Append: 0, Seed: 2}
	d0, _ := gen(t, c)
	c.Day = 5
	d5, st := gen(t, c)
	if !bytes.Equal(d0, d5) || st.Updated != 0 || st.Appended != 0 {
		t.Error("with -update 0 -append 0 later days must equal day 0")
	}
	c = Config{Rows: 5000, Day: 1, Update: 1, Append: 0, Seed: 2}
	d1, st := gen(t, c)
	changed, _, _, _ := diff(parse(t, d0), parse(t, d1))
	if changed != 5000 || st.Updated != 5000 {
		t.Errorf("with -update 1 every row must change: %d changed, stats %+v", changed, st)
	}
	// No rows at all is still a valid script.
	empty, _ := gen(t, Config{Seed: 1})
	if p := parse(t, empty); p.insert != 0 {
		t.Errorf("empty workload has %d INSERTs", p.insert)
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []Config{
		{Rows: -1}, {Day: -1}, {Update: -0.1}, {Update: 1.5}, {Update: math.NaN()}, {Append: -1},
		{Day: maxDay + 1}, {Rows: 1000, Day: 10000, Append: 0.01},
	} {
		if _, err := Generate(io.Discard, c); err == nil {
			t.Errorf("Generate(%+v) accepted a bad config", c)
		}
	}
}

// TestStreaming checks that generation allocates nothing per row, so memory
// does not grow with the row count.
func TestStreaming(t *testing.T) {
	mallocs := func(rows int64) uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		if _, err := Generate(io.Discard, Config{Rows: rows, Day: 3, Update: 0.01, Append: 0.005, Seed: 1}); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return after.Mallocs - before.Mallocs
	}
	small, large := mallocs(10000), mallocs(400000)
	t.Logf("allocations: %d for 10k rows, %d for 400k rows", small, large)
	if large > small+100 {
		t.Errorf("allocations grow with rows: %d for 10k rows, %d for 400k rows", small, large)
	}
}

func TestRowsForSize(t *testing.T) {
	const size = 8_000_000
	rows, err := RowsForSize(size, Config{Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	st, err := Generate(io.Discard, Config{Rows: rows, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if r := float64(st.Bytes) / size; r < 0.99 || r > 1.01 {
		t.Errorf("RowsForSize(%d) = %d rows, which give %d bytes", size, rows, st.Bytes)
	}
	if _, err := RowsForSize(0, Config{}); err == nil {
		t.Error("RowsForSize(0) accepted")
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "123": 123, "100M": 100_000_000, "1G": 1_000_000_000, "1GB": 1_000_000_000,
		"1.5k": 1500, "1Ki": 1024, "2MiB": 2 << 20, "1gib": 1 << 30, "20000000": 20_000_000,
	} {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "-1", "1X", "1i", "M"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) accepted", in)
		}
	}
}

func TestLiterals(t *testing.T) {
	for _, sec := range []int64{0, 86399, 951782400, 1709251200, 4102444799, epoch2018 + 123456789} {
		got := string(datetime2(nil, sec, 1234567))
		want := "CAST(N'" + time.Unix(sec, 0).UTC().Format("2006-01-02T15:04:05") + ".1234567' AS datetime2)"
		if got != want {
			t.Errorf("datetime2(%d) = %s, want %s", sec, got, want)
		}
	}
	for _, c := range []struct {
		units int64
		scale int
		want  string
	}{{0, 4, "0.0000"}, {12345, 4, "1.2345"}, {-5, 3, "-0.005"}, {100, 0, "100"}, {123456789, 2, "1234567.89"}} {
		if got := string(decimal(nil, c.units, c.scale)); got != c.want {
			t.Errorf("decimal(%d, %d) = %s, want %s", c.units, c.scale, got, c.want)
		}
	}
	if got := string(nstr(nil, "O'Brien's")); got != "N'O''Brien''s'" {
		t.Errorf("nstr = %s", got)
	}
	re := regexp.MustCompile(`^N'[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}'$`)
	g := newRand(1)
	for i := 0; i < 100; i++ {
		if s := string(guid(nil, &g)); !re.MatchString(s) {
			t.Fatalf("guid %s", s)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	var n int64
	for i := 0; i < b.N; i++ {
		st, err := Generate(io.Discard, Config{Rows: 100000, Day: 5, Update: DefaultUpdate, Append: DefaultAppend, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		n = st.Bytes
	}
	b.SetBytes(n)
}
