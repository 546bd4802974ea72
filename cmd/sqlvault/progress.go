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
	return countProgressText("rows", rows, totalRows, bytes, totalBytes, elapsed)
}

// countProgressText is progressText for things other than rows ("packs").
func countProgressText(unit string, n, totalN, bytes, totalBytes int64, elapsed time.Duration) string {
	s := fmt.Sprintf("%d of %d %s, %s of %s", n, totalN, unit, formatBytes(bytes), formatBytes(totalBytes))
	if rate, eta, ok := rateETA(bytes, totalBytes, elapsed); ok {
		s += fmt.Sprintf(", %s/s, %s %s/s, ETA %s", formatBytes(int64(rate)), countRate(float64(n)/elapsed.Seconds()), unit, eta)
	}
	return s
}

// countText renders a count without sizes: "12 of 100 packs, 3 packs/s,
// ETA 29s"; the rate and ETA once there is a rate.
func countText(unit string, n, totalN int64, elapsed time.Duration) string {
	s := fmt.Sprintf("%d of %d %s", n, totalN, unit)
	if rate, eta, ok := rateETA(n, totalN, elapsed); ok {
		s += fmt.Sprintf(", %s %s/s, ETA %s", countRate(rate), unit, eta)
	}
	return s
}

// countRate formats things per second: whole numbers, with one decimal
// below 10 so that a slow rate does not show as 0.
func countRate(r float64) string {
	if r < 10 {
		return fmt.Sprintf("%.1f", r)
	}
	return fmt.Sprintf("%.0f", r)
}

// statusBlock returns a status block on stderr for a command's progress,
// or nil (nothing is drawn) when stderr is not a terminal or with -q.
func (g *globals) statusBlock() *statusBlock {
	if g.quiet {
		return nil
	}
	return newStatusBlock(g.stderr)
}

// statusf prints what infof prints, above the status block s.
func (g *globals) statusf(s *statusBlock, format string, args ...any) {
	if g.quiet {
		return
	}
	s.Println(g.stderr, safeLine(fmt.Sprintf(format, args...)))
}
