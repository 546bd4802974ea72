package main

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/sqlvault/sqlvault/repo"
	"github.com/sqlvault/sqlvault/snapshot"
)

// TestRateETA: the rate of what is done and the time the rest takes at
// it; no rate before anything is done or any time passed.
func TestRateETA(t *testing.T) {
	for _, tc := range []struct {
		done, total int64
		elapsed     time.Duration
		rate        float64
		eta         time.Duration
		ok          bool
	}{
		{25 << 20, 100 << 20, 5 * time.Second, 5 << 20, 15 * time.Second, true},
		{100, 100, 2 * time.Second, 50, 0, true},
		{3, 10, 1500 * time.Millisecond, 2, 4 * time.Second, true}, // 3.5 s rounded
		{120, 100, time.Second, 120, 0, true},                      // more than the manifest says
		{0, 100, time.Second, 0, 0, false},
		{10, 100, 0, 0, 0, false},
	} {
		rate, eta, ok := rateETA(tc.done, tc.total, tc.elapsed)
		if rate != tc.rate || eta != tc.eta || ok != tc.ok {
			t.Errorf("rateETA(%d, %d, %s) = %v, %s, %v; want %v, %s, %v", tc.done, tc.total, tc.elapsed, rate, eta, ok, tc.rate, tc.eta, tc.ok)
		}
	}
	if got, want := progressText(50000, 200000, "rows", 25<<20, 100<<20, 5*time.Second), "50000 of 200000 rows, 25.000 MiB of 100.000 MiB, 5.000 MiB/s, 10000 rows/s, ETA 15s"; got != want {
		t.Errorf("progressText\n got %s\nwant %s", got, want)
	}
	if got, want := progressText(0, 10, "rows", 0, 1024, time.Second), "0 of 10 rows, 0 B of 1.000 KiB"; got != want {
		t.Errorf("progressText at the start\n got %s\nwant %s", got, want)
	}
}

// TestStatusBlock: the block is redrawn in place (back to its first
// line, erased to the end of the screen), lines are cut to the width,
// a line printed meanwhile goes above it, and a nil block (no terminal)
// prints only that line.
func TestStatusBlock(t *testing.T) {
	var b bytes.Buffer
	s := &statusBlock{w: &b, width: 12}
	s.Set([]string{"first line is long", "second"}, true)
	s.Set([]string{"only"}, false) // within statusInterval: not drawn
	s.Println(&b, "a message")
	s.Set([]string{"x", "y", "z"}, true)
	s.Clear()
	const want = "first line \nsecond" +
		"\r\x1b[1A\x1b[J" + "a message\n" + "only" +
		"\r\x1b[J" + "x\ny\nz" +
		"\r\x1b[2A\x1b[J"
	if got := b.String(); got != want {
		t.Errorf("terminal output\n got %q\nwant %q", got, want)
	}
	var plain bytes.Buffer
	var none *statusBlock
	none.Set([]string{"status"}, true)
	none.Println(&plain, "a message")
	none.Clear()
	if got := plain.String(); got != "a message\n" {
		t.Errorf("without a terminal: %q", got)
	}
	if newStatusBlock(&plain) != nil {
		t.Error("a status block on a buffer")
	}
}

// TestProgressTextUnknownTotal: without a total (a stream, a scan not
// finished) counts and the rate without "of" or ETA; without items only
// bytes; elapsedText's forms.
func TestProgressTextUnknownTotal(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{progressText(30, -1, "files", 10<<20, -1, 2*time.Second), "30 files, 10.000 MiB, 5.000 MiB/s, 15 files/s"},
		{progressText(0, -1, "", 10<<20, 40<<20, 2*time.Second), "10.000 MiB of 40.000 MiB, 5.000 MiB/s, ETA 6s"},
		{progressText(0, -1, "", 0, -1, 0), "0 B"},
		{elapsedText(7 * time.Second), "0:07"},
		{elapsedText(754 * time.Second), "12:34"},
		{elapsedText(3723*time.Second + 900*time.Millisecond), "1:02:03"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// TestLiveProgress drives the display with a fake clock: every tick
// redraws the block (the bytes it writes are checked), a status line is
// written once a second at most, with the ETA and percentage by bytes
// once the total is known; nothing shows without a terminal or with -q.
func TestLiveProgress(t *testing.T) {
	var c snapshot.Counters
	var term bytes.Buffer
	var lines []statusMsg
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &liveProgress{block: &statusBlock{w: &term, width: 200}, jsonEvery: time.Second, start: start, lastJSON: start,
		json:   func(v any) error { lines = append(lines, v.(statusMsg)); return nil },
		sample: func() statusMsg { return countersStatus(&c) },
		lines:  func(st statusMsg, elapsed time.Duration) []string { return backupLines(st, elapsed, false) }}
	c.Files.Store(1)
	c.Bytes.Store(1 << 20)
	c.BytesAdded.Store(512 << 10)
	p.tick(start.Add(500 * time.Millisecond))
	c.TotalFiles.Store(4)
	c.TotalBytes.Store(8 << 20)
	c.Totaled.Store(true)
	c.Files.Store(2)
	c.Bytes.Store(2 << 20)
	p.tick(start.Add(time.Second)) // a status line
	p.tick(start.Add(1500 * time.Millisecond))
	c.Bytes.Store(4 << 20)
	p.tick(start.Add(2 * time.Second)) // a status line
	const want = "[0:00] 1 files, 1.000 MiB, 2.000 MiB/s, 2 files/s\n  512.000 KiB added" +
		"\r\x1b[1A\x1b[J" + "[0:01] 2 of 4 files, 2.000 MiB of 8.000 MiB, 2.000 MiB/s, 2 files/s, ETA 3s\n  512.000 KiB added" +
		"\r\x1b[1A\x1b[J" + "[0:01] 2 of 4 files, 2.000 MiB of 8.000 MiB, 1.333 MiB/s, 1 files/s, ETA 5s\n  512.000 KiB added" +
		"\r\x1b[1A\x1b[J" + "[0:02] 2 of 4 files, 4.000 MiB of 8.000 MiB, 2.000 MiB/s, 1 files/s, ETA 2s\n  512.000 KiB added"
	if got := term.String(); got != want {
		t.Errorf("terminal\n got %q\nwant %q", got, want)
	}
	if len(lines) != 2 {
		t.Fatalf("%d status lines, want 2: %+v", len(lines), lines)
	}
	for i, w := range []struct {
		elapsed, remaining int64
		percent            float64
		bytes              int64
	}{{1, 3, 0.25, 2 << 20}, {2, 2, 0.5, 4 << 20}} {
		st := lines[i]
		if st.MessageType != "status" || st.SecondsElapsed != w.elapsed || st.SecondsRemaining == nil || *st.SecondsRemaining != w.remaining ||
			st.PercentDone == nil || *st.PercentDone != w.percent || st.BytesDone != w.bytes || *st.TotalFiles != 4 || st.FilesDone != 2 || st.BytesAdded != 512<<10 {
			t.Errorf("status line %d: %+v", i, st)
		}
	}
	b, _ := json.Marshal(lines[0])
	if want := `{"message_type":"status","seconds_elapsed":1,"seconds_remaining":3,"percent_done":0.25,"total_files":4,"files_done":2,"total_bytes":8388608,"bytes_done":2097152,"bytes_added":524288,"error_count":0}`; string(b) != want {
		t.Errorf("status line\n got %s\nwant %s", b, want)
	}

	// run ticks until done.
	ticks, done := make(chan time.Time), make(chan struct{})
	finished := make(chan struct{})
	go func() { p.run(ticks, done); close(finished) }()
	ticks <- start.Add(3 * time.Second)
	close(done)
	<-finished
	if len(lines) != 3 {
		t.Errorf("run: %d status lines, want 3", len(lines))
	}

	for _, g := range []*globals{{stderr: &bytes.Buffer{}}, {stderr: &bytes.Buffer{}, quiet: true, json: true, verbose: true}, {stderr: &bytes.Buffer{}, json: true}} {
		q := g.newProgress(nil, func() statusMsg { return statusMsg{} }, nil)
		if q.active() {
			t.Errorf("%+v: progress shown", g)
		}
		q.Start()
		q.Stop()
		if q.done != nil || g.stderr.(*bytes.Buffer).Len() != 0 {
			t.Errorf("%+v: progress started", g)
		}
	}
}

// TestCountProgress: the texts check and prune show: a bare count with
// rate and ETA by count, nothing about a rate before there is one; check's
// packs checked, and packs and bytes read with rate and ETA by bytes.
func TestCountProgress(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{countText("packs", 10, 40, 5*time.Second), "10 of 40 packs, 2.0 packs/s, ETA 15s"},
		{countText("packs", 40, 40, 5*time.Second), "40 of 40 packs, 8.0 packs/s, ETA 0s"},
		{countText("packs", 0, 40, 5*time.Second), "0 of 40 packs"},
	} {
		if tc.got != tc.want {
			t.Errorf("got  %s\nwant %s", tc.got, tc.want)
		}
	}
	lines := checkProgressLines(repo.CheckProgress{Packs: 10, PacksDone: 4, ReadPacks: 5, ReadPacksDone: 2, ReadBytes: 80 << 20, ReadBytesDone: 32 << 20, BlobsRead: 70}, 8*time.Second)
	if want := []string{"  4 of 10 packs checked", "  read 2 of 5 packs, 32.000 MiB of 80.000 MiB, 4.000 MiB/s, ETA 12s"}; !slices.Equal(lines, want) {
		t.Errorf("check progress %q, want %q", lines, want)
	}
	if lines := checkProgressLines(repo.CheckProgress{Packs: 10, PacksDone: 4, ReadPacks: 5, ReadBytes: 80 << 20}, time.Second); !slices.Equal(lines, []string{"  4 of 10 packs checked", "  read 0 of 5 packs, 0 B of 80.000 MiB"}) {
		t.Errorf("check progress before any data is read: %q", lines)
	}
	if lines := checkProgressLines(repo.CheckProgress{Packs: 10, PacksDone: 4}, time.Second); !slices.Equal(lines, []string{"  4 of 10 packs checked"}) {
		t.Errorf("check progress without reading data: %q", lines)
	}
}
