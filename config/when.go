package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// WhenKind is the kind of a When.
type WhenKind int

// The kinds of When.
const (
	Never   WhenKind = iota
	Always           // every run
	Runs             // every N runs
	Every            // when at least a duration has passed since it last ran
	Weekday          // on runs on a day of the week, once that day
)

// When says on which runs of a job a step (prune, check, verify) is due:
//
//	"always"          every run
//	"never"           never (the default for prune; check and verify default to
//	                  "always" once their table is there)
//	"every N runs"    on the first run and then when N runs have passed since
//	                  it last succeeded ("every run" is "always")
//	"every 7d"        when 7 days (units w, d, h) have passed since it last succeeded
//	"sunday"          on runs on a Sunday (local time), once that day; "sun" too
type When struct {
	Kind    WhenKind
	N       int           // Runs: every N runs
	D       time.Duration // Every
	Weekday time.Weekday
}

// ParseWhen parses the text of a when key.
func ParseWhen(s string) (When, error) {
	t := strings.ToLower(strings.Join(strings.Fields(s), " "))
	switch t {
	case "always", "every run":
		return When{Kind: Always}, nil
	case "never":
		return When{Kind: Never}, nil
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if t == name || t == name[:3] {
			return When{Kind: Weekday, Weekday: d}, nil
		}
	}
	bad := fmt.Errorf("%q: want \"always\", \"never\", \"every N runs\", \"every DURATION\" (e.g. \"every 7d\", units w, d, h) or a weekday (e.g. \"sunday\")", s)
	rest, ok := strings.CutPrefix(t, "every ")
	if !ok {
		return When{}, bad
	}
	if n, ok := strings.CutSuffix(rest, " runs"); ok {
		v, err := strconv.Atoi(n)
		if err != nil || v < 1 || v > 100000 {
			return When{}, bad
		}
		return When{Kind: Runs, N: v}, nil
	}
	var d time.Duration
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) || i > 6 {
			return When{}, bad
		}
		v, _ := strconv.Atoi(rest[:i])
		switch rest[i] {
		case 'w':
			d += time.Duration(v) * 7 * 24 * time.Hour
		case 'd':
			d += time.Duration(v) * 24 * time.Hour
		case 'h':
			d += time.Duration(v) * time.Hour
		default:
			return When{}, bad
		}
		rest = rest[i+1:]
	}
	if d <= 0 {
		return When{}, bad
	}
	return When{Kind: Every, D: d}, nil
}

// Due reports whether a step with this When is due on run number run (1
// for a job's first run) at now, given the run number and time at which it
// last succeeded (0 and the zero time if never).
func (w When) Due(run int, now time.Time, lastRun int, last time.Time) bool {
	switch w.Kind {
	case Always:
		return true
	case Runs:
		return lastRun == 0 || run-lastRun >= w.N
	case Every:
		return last.IsZero() || now.Sub(last) >= w.D
	case Weekday:
		if now.Weekday() != w.Weekday {
			return false
		}
		y, m, d := now.Date()
		ly, lm, ld := last.In(now.Location()).Date()
		return last.IsZero() || y != ly || m != lm || d != ld
	}
	return false
}

func (w When) String() string {
	switch w.Kind {
	case Always:
		return "always"
	case Runs:
		return fmt.Sprintf("every %d runs", w.N)
	case Every:
		return "every " + w.D.String()
	case Weekday:
		return strings.ToLower(w.Weekday.String())
	}
	return "never"
}
