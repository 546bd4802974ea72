package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// statusBlock shows a few lines of status at the bottom of a terminal,
// redrawn in place (carriage return, cursor up, erase to the end of the
// screen), for commands that report progress while they run. Lines
// printed meanwhile go through Println, which prints them above the
// block. A nil *statusBlock, for output that is not a terminal, draws
// nothing and prints lines as they are.
type statusBlock struct {
	w     io.Writer
	width int // lines are cut to width-1 so that none wraps

	mu    sync.Mutex
	shown int // lines of the block on the screen
	lines []string
	drawn time.Time
}

// statusInterval is how often the block is redrawn at most.
const statusInterval = 200 * time.Millisecond

// newStatusBlock returns a status block on w if w is a terminal, else
// nil.
func newStatusBlock(w io.Writer) *statusBlock {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	if _, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err != nil {
		return nil
	}
	width := 80
	if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil && ws.Col > 0 {
		width = int(ws.Col)
	}
	return &statusBlock{w: w, width: width}
}

// Set shows lines as the block, at most every statusInterval unless
// now is set (a table started or finished).
func (s *statusBlock) Set(lines []string, now bool) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = lines
	if !now && time.Since(s.drawn) < statusInterval {
		return
	}
	s.redraw()
}

// Println prints a line above the block.
func (s *statusBlock) Println(w io.Writer, line string) {
	if s == nil {
		fmt.Fprintln(w, line)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.erase()
	fmt.Fprintln(s.w, line)
	s.redraw()
}

// Clear removes the block from the screen.
func (s *statusBlock) Clear() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = nil
	s.erase()
}

// erase moves to the block's first line and erases to the end of the
// screen; s.mu is held.
func (s *statusBlock) erase() {
	if s.shown == 0 {
		return
	}
	b := "\r"
	if s.shown > 1 {
		b += fmt.Sprintf("\x1b[%dA", s.shown-1)
	}
	io.WriteString(s.w, b+"\x1b[J")
	s.shown = 0
}

// redraw draws s.lines; s.mu is held.
func (s *statusBlock) redraw() {
	s.erase()
	cut := make([]string, len(s.lines))
	for i, l := range s.lines {
		if r := []rune(l); len(r) > s.width-1 {
			l = string(r[:max(s.width-1, 0)])
		}
		cut[i] = l
	}
	if len(cut) > 0 {
		io.WriteString(s.w, strings.Join(cut, "\n"))
	}
	s.shown = len(cut)
	s.drawn = time.Now()
}

// rateETA returns the rate of done (of total) over elapsed, per second,
// and the time the rest takes at that rate; ok is false while there is
// no rate yet (nothing done, no time passed).
func rateETA(done, total int64, elapsed time.Duration) (perSecond float64, eta time.Duration, ok bool) {
	if done <= 0 || elapsed <= 0 {
		return 0, 0, false
	}
	perSecond = float64(done) / elapsed.Seconds()
	if left := total - done; left > 0 {
		eta = time.Duration(float64(left) / perSecond * float64(time.Second))
	}
	return perSecond, eta.Round(time.Second), true
}

// progressText renders what is done of a job: "12 of 100 rows, 1.000 of
// 8.000 MiB, 2.000 MiB/s, 6 rows/s, ETA 4s"; the rate and ETA by bytes,
// once there is a rate.
func progressText(rows, totalRows, bytes, totalBytes int64, elapsed time.Duration) string {
	s := fmt.Sprintf("%d of %d rows, %s of %s", rows, totalRows, formatBytes(bytes), formatBytes(totalBytes))
	if rate, eta, ok := rateETA(bytes, totalBytes, elapsed); ok {
		s += fmt.Sprintf(", %s/s, %.0f rows/s, ETA %s", formatBytes(int64(rate)), float64(rows)/elapsed.Seconds(), eta)
	}
	return s
}
