package main

import (
	"bytes"
	"testing"
	"time"
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
