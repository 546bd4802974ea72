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

// progressText renders what is done of a job: "12 of 100 rows, 1.000 MiB
// of 8.000 MiB, 2.000 MiB/s, 6 rows/s, ETA 4s"; the rate and ETA by
// bytes, once there is a rate. A total below 0 is not known (yet): "12
// files, 1.000 MiB, 2.000 MiB/s, 6 files/s", no ETA. Without items
// ("") only bytes are counted.
func progressText(n, totalN int64, items string, bytes, totalBytes int64, elapsed time.Duration) string {
	of := func(done, total int64, show func(int64) string) string {
		if total < 0 {
			return show(done)
		}
		return show(done) + " of " + show(total)
	}
	var parts []string
	if items != "" {
		parts = append(parts, of(n, totalN, func(v int64) string { return fmt.Sprint(v) })+" "+items)
	}
	parts = append(parts, of(bytes, totalBytes, formatBytes))
	if rate, eta, ok := rateETA(bytes, totalBytes, elapsed); ok {
		parts = append(parts, formatBytes(int64(rate))+"/s")
		if items != "" {
			parts = append(parts, fmt.Sprintf("%.0f %s/s", float64(n)/elapsed.Seconds(), items))
		}
		if totalBytes >= 0 {
			parts = append(parts, "ETA "+eta.String())
		}
	}
	return strings.Join(parts, ", ")
}

// elapsedText renders the time a command has run: "0:07", "12:34",
// "1:02:03".
func elapsedText(d time.Duration) string {
	s := int64(d / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// liveProgress shows how a long command (backup, restore, dump) is
// going: on a terminal its status block, redrawn on every tick; with
// --json --verbose a status line ({"message_type":"status"}) at most
// every jsonEvery. The command's code only updates counters (atomics of
// snapshot.Counters, say); sample reads them on each tick, so the work
// never waits for the display. A liveProgress that shows nothing (no
// terminal, --quiet, --json without --verbose) starts no goroutine.
type liveProgress struct {
	block     *statusBlock
	json      func(v any) error
	jsonEvery time.Duration
	sample    func() statusMsg                                   // the counters now
	lines     func(st statusMsg, elapsed time.Duration) []string // the block's lines for st

	start    time.Time
	lastJSON time.Time
	done     chan struct{}
	stopped  chan struct{}
}

// jsonStatusInterval is how often --json --verbose prints a status line
// at most.
const jsonStatusInterval = time.Second

// newProgress returns the progress display of a command: status lines
// written by jsonOut with --json --verbose, else a status block on the
// terminal of stderr unless --quiet.
func (g *globals) newProgress(jsonOut func(any) error, sample func() statusMsg, lines func(statusMsg, time.Duration) []string) *liveProgress {
	p := &liveProgress{sample: sample, lines: lines, jsonEvery: jsonStatusInterval, start: time.Now()}
	switch {
	case g.quiet:
	case g.json && g.verbose:
		p.json = jsonOut
	case !g.json:
		p.block = newStatusBlock(g.stderr)
	}
	p.lastJSON = p.start
	return p
}

// active reports whether p shows anything: only then is it worth
// computing totals for it.
func (p *liveProgress) active() bool { return p.block != nil || p.json != nil }

// tick shows the counters as they are at now.
func (p *liveProgress) tick(now time.Time) {
	elapsed := now.Sub(p.start)
	st := p.sample()
	st.MessageType = "status"
	st.SecondsElapsed = int64(elapsed / time.Second)
	if st.TotalBytes != nil {
		if st.PercentDone = new(float64); *st.TotalBytes > 0 {
			*st.PercentDone = min(float64(st.BytesDone)/float64(*st.TotalBytes), 1)
		}
		if _, eta, ok := rateETA(st.BytesDone, *st.TotalBytes, elapsed); ok {
			secs := int64(eta / time.Second)
			st.SecondsRemaining = &secs
		}
	}
	if p.block != nil {
		p.block.Set(p.lines(st, elapsed), true)
	}
	if p.json != nil && now.Sub(p.lastJSON) >= p.jsonEvery {
		p.lastJSON = now
		_ = p.json(st)
	}
}

// run calls tick for every time on ticks until done is closed.
func (p *liveProgress) run(ticks <-chan time.Time, done <-chan struct{}) {
	for {
		select {
		case now := <-ticks:
			p.tick(now)
		case <-done:
			return
		}
	}
}

// Start shows the progress every statusInterval until Stop.
func (p *liveProgress) Start() {
	if !p.active() {
		return
	}
	p.start = time.Now()
	p.lastJSON = p.start
	p.done, p.stopped = make(chan struct{}), make(chan struct{})
	t := time.NewTicker(statusInterval)
	go func() {
		defer close(p.stopped)
		defer t.Stop()
		p.run(t.C, p.done)
	}()
}

// Stop ends the display and removes the block from the terminal.
func (p *liveProgress) Stop() {
	if p.done == nil {
		return
	}
	close(p.done)
	<-p.stopped
	p.done = nil
	p.block.Clear()
}

// Println prints a line to w, above the status block if there is one;
// a nil p prints it as it is.
func (p *liveProgress) Println(w io.Writer, line string) {
	if p == nil {
		fmt.Fprintln(w, line)
		return
	}
	p.block.Println(w, line)
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
