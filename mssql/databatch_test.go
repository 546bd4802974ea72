package mssql

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// genBytes returns n deterministic pseudo-random bytes (xorshift64).
func genBytes(n int, seed uint64) []byte {
	b := make([]byte, n+7)
	x := seed | 1
	for i := 0; i < n; i += 8 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		binary.LittleEndian.PutUint64(b[i:], x)
	}
	return b[:n:n]
}

// genText returns a deterministic text of about n bytes of the parts,
// chosen pseudo-randomly so that pieces end anywhere in them.
func genText(n int, seed uint64, parts []string) string {
	var b strings.Builder
	b.Grow(n + 64)
	x := seed | 1
	for b.Len() < n {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b.WriteString(parts[x%uint64(len(parts))])
	}
	return b.String()
}

// textParts are what a piece of nvarchar must survive being cut near:
// quotes, CR LF and a line GO, "$(", backslashes before a quote and at
// the end, characters outside the BMP (a surrogate pair in UTF-16),
// combining marks, NUL, NEL and the line separator.
var textParts = []string{"Lorem ipsum dolor sit amet, ", "it's ", "''", "\r\nGO\r\n", "$", "(x) ", "$(y)", `C:\`, `\\`, `a\'b`,
	"😀", "𝄞 ", "ü", "e\u0301", "\x00", "\u0085", "\u2028", "\t", "N'", " -- ", "/* ", "*/", "]]", "\n"}

// ansiParts are within code page 1252 (varchar, text).
var ansiParts = []string{"Lorem ipsum ", "it's ", "\r\nGO\r\n", "$(x)", `C:\`, "Grüße ", "“curly” ", "€ ", "\t", "'"}

// replaySink runs the data files of a script through dataReplay and
// drops the other files.
type replaySink struct {
	replays map[string]*dataReplay // by file name
}

func (r *replaySink) WriteFile(ctx context.Context, name string, write func(w io.Writer) error) error {
	rp := r.replays[name]
	if rp == nil {
		return write(io.Discard)
	}
	if err := write(rp); err != nil {
		return err
	}
	return rp.Close()
}

// replayData scripts database db and replays its data files: every batch
// at most maxBatch bytes, each row passed to check with its table's name.
// It returns the replays by table.
func replayData(t *testing.T, s *testServer, db string, opts Options, maxBatch int, digests bool, check func(table string, row []any)) map[string]*dataReplay {
	t.Helper()
	cat, err := loadCatalog(context.Background(), s.connect(db))
	if err != nil {
		t.Fatal(err)
	}
	sink := &replaySink{replays: map[string]*dataReplay{}}
	byTable := map[string]*dataReplay{}
	for _, tb := range cat.Tables {
		name := quoteName(tb.Schema, tb.Name)
		rp := &dataReplay{table: name, cols: dataColumns(tb), maxBatch: maxBatch, digests: digests, edge: tb.Edge,
			row: func(vals []any) error { check(name, vals); return nil }}
		sink.replays[DataDir+"/"+fileName(tb.Schema, tb.Name)] = rp
		byTable[name] = rp
	}
	m, err := Script(context.Background(), s.connect(db), sink, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, te := range m.Tables {
		if rp := byTable[te.Name]; rp.rows != te.Rows {
			t.Errorf("%s: %d rows replayed, manifest says %d", te.Name, rp.rows, te.Rows)
		}
	}
	return byTable
}

func pk(cols ...string) []*sample.Index {
	return []*sample.Index{{Name: "PK", Type: 1, PrimaryKey: true, Keys: cols}}
}

// TestDataLargeValues scripts a 300 MB varbinary(max) value and a 16 MB
// nvarchar(max) text with the default sizes and replays the data files:
// every batch is at most MaxBatchBytes, the values are written in pieces
// of at most lobPieceBytes, and the rebuilt values are the originals byte
// for byte (compared by SHA-256). Before batches were bounded, the 300 MB
// value was one literal of 600 MB in one batch. About 10 s: not with
// -short.
func TestDataLargeValues(t *testing.T) {
	if testing.Short() {
		t.Skip("short: 300 MB")
	}
	start := time.Now()
	blob := genBytes(300<<20, 0x9E3779B97F4A7C15)
	text := genText(16<<20, 7, textParts)
	want := map[string]pieceDigest{"[dbo].[Blob]": digestOf(blob), "[dbo].[Text]": digestOf([]byte(text))}
	db := sample.NewDB("lobs",
		&sample.Table{Schema: "dbo", Name: "Blob", Columns: []*sample.Column{{Name: "id", Type: "int"}, {Name: "data", Type: "varbinary(max)", Nullable: true}},
			Indexes: pk("id"), NRows: 1, Gen: func(int64) []any { return []any{1, blob} }},
		&sample.Table{Schema: "dbo", Name: "Text", Columns: []*sample.Column{{Name: "id", Type: "int"}, {Name: "doc", Type: "nvarchar(max)", Nullable: true}},
			Indexes: pk("id"), NRows: 1, Gen: func(int64) []any { return []any{1, text} }},
	)
	s := newTestServer(t, []*sample.DB{db})
	seen := 0
	rps := replayData(t, s, "lobs", s.options("lobs"), MaxBatchBytes, true, func(table string, row []any) {
		seen++
		if row[0] != int64(1) || row[1] != want[table] {
			t.Errorf("%s: rebuilt %v %x, want the value of %d bytes %x", table, row[0], row[1], want[table].Len, want[table].Sum)
		}
	})
	if seen != 2 {
		t.Fatalf("%d rows", seen)
	}
	for name, min := range map[string]int{"[dbo].[Blob]": 600, "[dbo].[Text]": 16} {
		rp := rps[name]
		if rp.pieces < min {
			t.Errorf("%s: %d pieces", name, rp.pieces)
		}
		t.Logf("%s: %d batches, %d pieces, longest batch %d bytes", name, rp.batches, rp.pieces, rp.longest)
	}
	t.Logf("%v", time.Since(start))
}

// TestDataDocuments scripts 256 rows of 1 MB documents: no batch holds
// more than MaxBatchBytes (before, the rows were cut only by their hash,
// about every 256 rows: one batch of 256 MB) and every row comes back.
// Not with -short.
func TestDataDocuments(t *testing.T) {
	if testing.Short() {
		t.Skip("short: 256 MB")
	}
	doc := func(i int64) string {
		d := `{"id": ` + itoa(i) + `, "text": "` + genText(1_000_000, uint64(i)+1, []string{"Lorem ipsum dolor sit amet, ", "consectetur ", "adipiscing elit. ", "it's "})
		return d[:1_000_000-2] + `"}`
	}
	db := sample.NewDB("docs", &sample.Table{Schema: "dbo", Name: "Docs",
		Columns: []*sample.Column{{Name: "id", Type: "int", Identity: true, Seed: "1", Incr: "1", Last: "256"}, {Name: "doc", Type: "nvarchar(max)"}},
		Indexes: pk("id"), NRows: 256, Gen: func(i int64) []any { return []any{i + 1, doc(i)} }})
	s := newTestServer(t, []*sample.DB{db})
	n := int64(0)
	rps := replayData(t, s, "docs", s.options("docs"), MaxBatchBytes, false, func(table string, row []any) {
		if row[0] != n+1 || row[1] != doc(n) {
			t.Errorf("row %d differs", n+1)
		}
		n++
	})
	rp := rps["[dbo].[Docs]"]
	if n != 256 || rp.batches < 256/4 {
		t.Errorf("%d rows in %d batches", n, rp.batches)
	}
	t.Logf("%d rows in %d batches, %d pieces, longest batch %d bytes", n, rp.batches, rp.pieces, rp.longest)
}

// smallLimits make pieces and bounds show on small tables.
var smallLimits = dataLimits{batch: 64 << 10, target: 8 << 10, piece: 4 << 10}

// TestDataPieces scripts, with small sizes (a piece of at most 4 KiB of
// literal, batches of at most 64 KiB), values of every type that can be
// written in pieces, around and far above the piece size, in a table with
// a key, in a heap with an identity, in a table whose name sqlcmd could
// misread (its INSERTs run with sp_executesql) and in a table whose row of
// values just under the piece size does not fit in one batch: every batch
// is under the bound, no literal is over the piece size, and every value
// is rebuilt exactly.
func TestDataPieces(t *testing.T) {
	const piece = 4 << 10
	big := func(i int64, n int) []byte { return genBytes(n, uint64(i)*31+5) }
	sizes := []int{0, 1, piece/2 - 2, piece/2 - 1, piece / 2, piece, 3*piece + 1, 40 << 10}
	nsizes := int64(len(sizes))
	geo := func(n int) []byte {
		// a geometry's CLR bytes, as many points as fit
		b := []byte{0, 0, 0, 0, 1, 4}
		for len(b)+16 <= max(n, 22) {
			b = append(b, genBytes(16, uint64(len(b)))...)
		}
		return b
	}
	lobsRow := func(i int64) []any {
		n := sizes[i%nsizes]
		if i == nsizes {
			return []any{i + 1, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil}
		}
		return []any{i + 1, big(i, n), genText(n, uint64(i)+1, textParts),
			genText(n, uint64(i)+2, ansiParts), "<d>" + strings.ReplaceAll(strings.ReplaceAll(genText(n, uint64(i)+3, []string{"x ", "it's ", "😀", "\r\n", "&amp;", "$(x)"}), "\r", "&#xD;"), "\n", "&#xA;") + "</d>",
			genText(n, uint64(i)+4, ansiParts), genText(n, uint64(i)+5, textParts), big(i+100, n), geo(n), int64(n),
			mssqltestVariant(n)}
	}
	lobCols := []*sample.Column{{Name: "id", Type: "int"}, {Name: "vb", Type: "varbinary(max)", Nullable: true},
		{Name: "nv", Type: "nvarchar(max)", Nullable: true}, {Name: "vc", Type: "varchar(max)", Nullable: true},
		{Name: "x", Type: "xml", Nullable: true}, {Name: "tx", Type: "text", Nullable: true}, {Name: "nt", Type: "ntext", Nullable: true},
		{Name: "im", Type: "image", Nullable: true}, {Name: "g", Type: "geometry", Nullable: true}, {Name: "n", Type: "bigint", Nullable: true},
		{Name: "v", Type: "sql_variant", Nullable: true}}
	heapRow := func(i int64) []any { return []any{i + 1, genText(sizes[i%nsizes], uint64(i)+9, textParts)} }
	wideCols := []*sample.Column{{Name: "id", Type: "int"}}
	for k := 0; k < 20; k++ {
		wideCols = append(wideCols, &sample.Column{Name: fmt.Sprintf("w%d", k), Type: "nvarchar(4000)"})
	}
	wideRow := func(i int64) []any {
		row := []any{i + 1}
		for k := 0; k < 20; k++ {
			n := piece - 100 - int(i)*10 - k
			row = append(row, genText(n, uint64(k)+uint64(i)*100, []string{"a", "b", "c "})[:n])
		}
		return row
	}
	db := sample.NewDB("pieces",
		&sample.Table{Schema: "dbo", Name: "Lobs", Columns: lobCols, Indexes: pk("id"), NRows: nsizes + 1, Gen: lobsRow},
		&sample.Table{Schema: "dbo", Name: "Heap", Columns: []*sample.Column{{Name: "id", Type: "int", Identity: true, Seed: "1", Incr: "1", Last: "9"},
			{Name: "doc", Type: "nvarchar(max)", Nullable: true}}, NRows: nsizes, Gen: heapRow},
		&sample.Table{Schema: "dbo", Name: "t" + sample.Hostile, Columns: []*sample.Column{{Name: "id", Type: "int", Identity: true, Seed: "1", Incr: "1", Last: "9"},
			{Name: "c" + sample.Hostile, Type: "nvarchar(max)", Nullable: true}}, Indexes: pk("id"), NRows: nsizes, Gen: heapRow},
		&sample.Table{Schema: "dbo", Name: "Wide", Columns: wideCols, Indexes: pk("id"), NRows: 3, Gen: wideRow},
	)
	gens := map[string]func(int64) []any{"[dbo].[Lobs]": lobsRow, "[dbo].[Heap]": heapRow, quoteName("dbo", "t"+sample.Hostile): heapRow, "[dbo].[Wide]": wideRow}
	s := newTestServer(t, []*sample.DB{db})
	opts := s.options("pieces")
	opts.limits = smallLimits
	next := map[string]int64{}
	rps := replayData(t, s, "pieces", opts, smallLimits.batch, false, func(table string, row []any) {
		i := next[table]
		next[table]++
		want := gens[table](i)
		for k := range row {
			w := want[k]
			switch x := w.(type) {
			case int:
				w = int64(x)
			case mssqltest.Variant:
				w = int64(x.Value.(int))
			}
			got := row[k]
			if v, ok := got.(Variant); ok {
				got = v.Value
			}
			if !reflect.DeepEqual(got, w) && !sameValue(got, w) {
				t.Errorf("%s row %d column %d: rebuilt %.80q, want %.80q", table, i+1, k+1, fmt.Sprint(got), fmt.Sprint(w))
			}
		}
	})
	for name, rp := range rps {
		t.Logf("%s: %d rows, %d batches, %d pieces, longest batch %d bytes", name, rp.rows, rp.batches, rp.pieces, rp.longest)
		if rp.pieces == 0 {
			t.Errorf("%s: no value written in pieces", name)
		}
	}
	// No literal longer than a piece: every line of a batch of pieces. No
	// batch that sqlcmd could misread.
	sink, _ := s.scriptMem("pieces", opts)
	for name, b := range sink.files {
		if !strings.HasPrefix(name, DataDir+"/") {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			if lit, ok := strings.CutPrefix(l, "UPDATE #sqlvault_lob SET "); ok && len(lit)-len("c1.WRITE(, NULL, NULL);") > piece {
				t.Errorf("%s: a piece of %d bytes", name, len(lit))
			}
		}
		for i, b := range batches(string(b)) {
			var code []string
			for _, l := range strings.Split(b, "\n") {
				if !strings.HasPrefix(l, "--") {
					code = append(code, l)
				}
			}
			if !sqlcmdSafe(strings.Join(code, "\n")) {
				t.Errorf("%s batch %d: sqlcmd would misread %.200q", name, i+1, b)
			}
		}
	}
}

// mssqltestVariant is a small sql_variant value (never written in pieces).
func mssqltestVariant(n int) any {
	return mssqltest.Variant{Base: mssqltest.Column{Type: mssqltest.TypeInt}, Value: n}
}

// TestDataPieceMemory writes a 64 MiB varbinary value and a 32 MiB text in
// pieces: what it allocates does not grow with the value (the piece
// buffer and the writer's, not the literal of the value).
func TestDataPieceMemory(t *testing.T) {
	blob := genBytes(64<<20, 3)
	text := strings.Repeat("Lorem ipsum dolor sit amet, 😀 ", (32<<20)/32)
	var out countingWriter
	out.w = io.Discard
	tw := &tableWriter{bw: bufio.NewWriterSize(&out, 256<<10), lim: dataLimits{}.orDefault()}
	size := 0
	if err := tw.writePieces("c1", blob[:1<<20], &size); err != nil { // the buffers grow once
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for _, v := range []any{blob, text} {
		if err := tw.writePieces("c2", v, &size); err != nil {
			t.Fatal(err)
		}
	}
	tw.bw.Flush()
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("writing %d MiB of pieces allocated %d bytes", out.n>>20, alloc)
	}
	if out.n < 160<<20 {
		t.Errorf("%d bytes written", out.n)
	}
}

// TestDataBatchesResync measures that batch boundaries follow the rows,
// not their positions or byte offsets, with rows of varied sizes (100
// bytes to 20 KB) and small sizes, the byte bound included: a table of
// 3000 rows (5 MB) is scripted, then again with a row of 25 KB inserted in
// the middle and another row changed. Only the batches around the two
// changes differ (4, under 2% of the bytes); a cut by the byte bound,
// which depends on the rows since the last cut, resynchronizes at the next
// cut by hash, and the cuts in proportion to a row's size (batchTargetBytes)
// keep the bound from cutting most batches: with cuts by hash alone, 27
// batches and 30% of the bytes differ (measured). With the target at half
// the bound instead of an eighth, cuts by the bound are frequent, and
// still few batches differ.
func TestDataBatchesResync(t *testing.T) {
	const n = 3000
	payload := func(id int64) string {
		size := 100 + int(id*7919%200)
		switch {
		case id%97 == 0:
			size = 20 << 10
		case id%3 == 0:
			size = 2<<10 + int(id*7919%4000)
		}
		return genText(size, uint64(id), []string{"alpha ", "beta ", "it's ", "γάμμα ", "😀"})
	}
	day := func(insert bool) *sample.DB {
		return sample.NewDB("rows", &sample.Table{Schema: "dbo", Name: "Rows",
			Columns: []*sample.Column{{Name: "id", Type: "bigint"}, {Name: "payload", Type: "nvarchar(max)"}},
			Indexes: pk("id"), NRows: n + 1, Gen: func(i int64) []any {
				id := i * 10
				switch {
				case !insert && i == n:
					return []any{id, payload(id)} // the same last row both days
				case insert && i == n/2:
					return []any{int64(n/2*10 - 5), genText(25<<10, 99, []string{"inserted on day 2 "})}
				case insert && i > n/2:
					id -= 10
				}
				p := payload(id)
				if insert && id == 700*10 {
					p = "changed on day 2"
				}
				return []any{id, p}
			}})
	}
	for _, lim := range []dataLimits{{batch: 64 << 10, target: 8 << 10, piece: 32 << 10}, {batch: 64 << 10, target: 32 << 10, piece: 32 << 10}} {
		var days [2][]string
		for d, insert := range []bool{false, true} {
			s := newTestServer(t, []*sample.DB{day(insert)})
			opts := s.options("rows")
			opts.limits = lim
			sink, _ := s.scriptMem("rows", opts)
			days[d] = batches(string(sink.files["data/dbo.Rows.sql"]))
		}
		first := map[string]bool{}
		for _, b := range days[0] {
			first[b] = true
		}
		changed, changedBytes, total, full, longest := 0, 0, 0, 0, 0
		for _, b := range days[1] {
			total += len(b)
			if !first[b] {
				changed++
				changedBytes += len(b)
			}
			if len(b) > lim.batch*3/4 {
				full++ // probably ended by the bound
			}
			longest = max(longest, len(b))
		}
		t.Logf("target %d KiB, bound %d KiB: %d batches on day 1, %d on day 2, %d of them new (%d of %d bytes); %d over 3/4 of the bound, longest %d bytes",
			lim.target>>10, lim.batch>>10, len(days[0]), len(days[1]), changed, changedBytes, total, full, longest)
		if changed > 6 || changedBytes*100 > 3*total || longest > lim.batch || len(days[1]) < n/100 {
			t.Errorf("target %d KiB: %d of %d batches differ, %d of %d bytes (longest %d bytes)", lim.target>>10, changed, len(days[1]), changedBytes, total, longest)
		}
		if lim.target == lim.batch/2 && full < 5 {
			t.Errorf("only %d batches ended near the bound: the bound is not exercised", full)
		}
	}
}

// TestDataBoundExecuteSQL checks the bound on the batches of a table whose
// name sqlcmd could misread: its INSERTs run with sp_executesql, the rows'
// literals inside the literal of the statement, where every quote is
// doubled again. Rows of quotes and line breaks fill the batches up to the
// bound (the target is so large that the bound ends most batches).
func TestDataBoundExecuteSQL(t *testing.T) {
	lim := dataLimits{batch: 32 << 10, target: 1 << 30, piece: 4 << 10}
	row := func(i int64) []any {
		return []any{i + 1, genText(300+int(i*7919%600), uint64(i), []string{"'", "''", "it's ", "\r\n", "$(x)", `\`, "😀"})}
	}
	name := "t" + sample.Hostile
	db := sample.NewDB("quotes", &sample.Table{Schema: "dbo", Name: name,
		Columns: []*sample.Column{{Name: "id", Type: "int", Identity: true, Seed: "1", Incr: "1", Last: "2000"}, {Name: "c" + sample.Hostile, Type: "nvarchar(max)"}},
		Indexes: pk("id"), NRows: 2000, Gen: row})
	s := newTestServer(t, []*sample.DB{db})
	opts := s.options("quotes")
	opts.limits = lim
	i := int64(0)
	rps := replayData(t, s, "quotes", opts, lim.batch, false, func(table string, got []any) {
		if want := row(i); got[0] != i+1 || got[1] != want[1] {
			t.Errorf("row %d differs", i+1)
		}
		i++
	})
	rp := rps[quoteName("dbo", name)]
	t.Logf("%d rows in %d batches, longest %d bytes", rp.rows, rp.batches, rp.longest)
	if rp.rows != 2000 || rp.longest < lim.batch*3/4 {
		t.Errorf("%d rows, longest batch %d bytes: the bound is not exercised", rp.rows, rp.longest)
	}
}
