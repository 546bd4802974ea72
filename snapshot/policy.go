package snapshot

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Policy says which snapshots of a group forget keeps; every other one is
// removed. The rules follow restic's: each count rule walks the group's
// snapshots newest first and keeps the newest snapshot of each hour, day,
// ISO week, month or year, until it has kept that many; -1 means no limit.
// A snapshot kept by any rule is kept.
type Policy struct {
	Last, Hourly, Daily, Weekly, Monthly, Yearly int
	// Within keeps the snapshots taken less than this long before the
	// newest snapshot of the group.
	Within Duration
	// Tags keeps the snapshots that have all tags of any of the lists.
	Tags [][]string
}

// Empty reports whether the policy keeps nothing at all.
func (p Policy) Empty() bool {
	return p.Last == 0 && p.Hourly == 0 && p.Daily == 0 && p.Weekly == 0 && p.Monthly == 0 && p.Yearly == 0 &&
		p.Within.IsZero() && len(p.Tags) == 0
}

// Validate rejects negative counts other than -1 and empty tag lists.
func (p Policy) Validate() error {
	for _, c := range []struct {
		name string
		n    int
	}{{"last", p.Last}, {"hourly", p.Hourly}, {"daily", p.Daily}, {"weekly", p.Weekly}, {"monthly", p.Monthly}, {"yearly", p.Yearly}} {
		if c.n < -1 {
			return fmt.Errorf("--keep-%s %d: give a number of snapshots, or -1 for no limit", c.name, c.n)
		}
	}
	if p.Within.Years < 0 || p.Within.Months < 0 || p.Within.Days < 0 || p.Within.Hours < 0 {
		return fmt.Errorf("--keep-within %s: the duration must not be negative", p.Within)
	}
	for _, tl := range p.Tags {
		if len(tl) == 0 {
			return fmt.Errorf("--keep-tag needs a tag")
		}
	}
	return nil
}

func (p Policy) String() string {
	var parts []string
	for _, c := range []struct {
		name string
		n    int
	}{{"last", p.Last}, {"hourly", p.Hourly}, {"daily", p.Daily}, {"weekly", p.Weekly}, {"monthly", p.Monthly}, {"yearly", p.Yearly}} {
		switch {
		case c.n == -1:
			parts = append(parts, "all "+c.name)
		case c.n > 0:
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.name))
		}
	}
	if !p.Within.IsZero() {
		parts = append(parts, "all within "+p.Within.String())
	}
	for _, tl := range p.Tags {
		parts = append(parts, "tagged "+strings.Join(tl, ","))
	}
	if len(parts) == 0 {
		return "keep nothing"
	}
	return "keep " + strings.Join(parts, ", ")
}

// Duration is a calendar duration: years, months, days and hours, as in
// --keep-within 1y6m, 30d or 12h.
type Duration struct {
	Years, Months, Days, Hours int
}

// IsZero reports whether the duration is empty.
func (d Duration) IsZero() bool { return d == Duration{} }

func (d Duration) String() string {
	var b strings.Builder
	for _, p := range []struct {
		n    int
		unit string
	}{{d.Years, "y"}, {d.Months, "m"}, {d.Days, "d"}, {d.Hours, "h"}} {
		if p.n != 0 {
			fmt.Fprintf(&b, "%d%s", p.n, p.unit)
		}
	}
	if b.Len() == 0 {
		return "0d"
	}
	return b.String()
}

// Before returns t moved back by d.
func (d Duration) Before(t time.Time) time.Time {
	return t.AddDate(-d.Years, -d.Months, -d.Days).Add(-time.Duration(d.Hours) * time.Hour)
}

// ParseDuration parses a duration such as "30d", "1y6m", "2w" or "36h":
// numbers followed by y (years), m (months), w (weeks), d (days) or h
// (hours).
func ParseDuration(s string) (Duration, error) {
	var d Duration
	rest := strings.TrimSpace(s)
	if rest == "" {
		return d, fmt.Errorf("empty duration: use for example 30d, 2w, 6m, 1y or 12h")
	}
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) {
			return d, fmt.Errorf("invalid duration %q: use numbers followed by y, m, w, d or h (for example 1y6m or 30d)", s)
		}
		n, err := strconv.Atoi(rest[:i])
		if err != nil || n > 100000 {
			return d, fmt.Errorf("invalid duration %q: number out of range", s)
		}
		switch rest[i] {
		case 'y':
			d.Years += n
		case 'm':
			d.Months += n
		case 'w':
			d.Days += 7 * n
		case 'd':
			d.Days += n
		case 'h':
			d.Hours += n
		default:
			return d, fmt.Errorf("invalid duration %q: unknown unit %q (use y, m, w, d or h)", s, rest[i])
		}
		rest = rest[i+1:]
	}
	return d, nil
}

// Decision is what a policy decided for one snapshot.
type Decision struct {
	Snapshot *Snapshot
	Keep     bool
	Reasons  []string // why it is kept: "last", "daily", "within 30d", "tag x", …
}

// ApplyPolicy decides for the snapshots of one group. It returns one
// decision per snapshot, oldest first.
func ApplyPolicy(sns []*Snapshot, p Policy) []Decision {
	sorted := append([]*Snapshot(nil), sns...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Time.After(sorted[j].Time) }) // newest first
	out := make([]Decision, len(sorted))
	for i, sn := range sorted {
		out[i].Snapshot = sn
	}
	type rule struct {
		name   string
		n      int
		bucket func(time.Time, int) int64
	}
	rules := []rule{
		{"last", p.Last, func(_ time.Time, i int) int64 { return int64(i) }},
		{"hourly", p.Hourly, func(t time.Time, _ int) int64 {
			return int64(t.Year())*1_000_000 + int64(t.Month())*10_000 + int64(t.Day())*100 + int64(t.Hour())
		}},
		{"daily", p.Daily, func(t time.Time, _ int) int64 {
			return int64(t.Year())*10_000 + int64(t.Month())*100 + int64(t.Day())
		}},
		{"weekly", p.Weekly, func(t time.Time, _ int) int64 { y, w := t.ISOWeek(); return int64(y)*100 + int64(w) }},
		{"monthly", p.Monthly, func(t time.Time, _ int) int64 { return int64(t.Year())*100 + int64(t.Month()) }},
		{"yearly", p.Yearly, func(t time.Time, _ int) int64 { return int64(t.Year()) }},
	}
	for _, r := range rules {
		if r.n == 0 {
			continue
		}
		left := r.n
		last, started := int64(0), false
		for i := range out {
			if left == 0 {
				break
			}
			b := r.bucket(out[i].Snapshot.Time, i)
			if started && b == last {
				continue
			}
			started, last = true, b
			out[i].Keep = true
			out[i].Reasons = append(out[i].Reasons, r.name)
			if left > 0 {
				left--
			}
		}
	}
	if !p.Within.IsZero() && len(out) > 0 {
		limit := p.Within.Before(out[0].Snapshot.Time)
		for i := range out {
			if out[i].Snapshot.Time.After(limit) {
				out[i].Keep = true
				out[i].Reasons = append(out[i].Reasons, "within "+p.Within.String())
			}
		}
	}
	for _, tl := range p.Tags {
		for i := range out {
			if hasTags(out[i].Snapshot, tl) {
				out[i].Keep = true
				out[i].Reasons = append(out[i].Reasons, "tag "+strings.Join(tl, ","))
			}
		}
	}
	slices.Reverse(out)
	return out
}

// hasTags reports whether sn has every tag in tl.
func hasTags(sn *Snapshot, tl []string) bool {
	for _, t := range tl {
		if !slices.Contains(sn.Tags, t) {
			return false
		}
	}
	return true
}
