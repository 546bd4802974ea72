package snapshot

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Filter selects snapshots by host, tags and source. Empty fields match
// everything.
type Filter struct {
	Hosts []string
	// Tags: a snapshot matches when it has all tags of any of the lists.
	Tags [][]string
	// Sources: a snapshot matches when one of these equals its source
	// kind ("files", "stdin", "command", "sqlserver"), one of its paths, or
	// what Name returns for it.
	Sources []string
	// Name, if set, gives further names a snapshot answers to in Sources
	// (the database of a SQL Server snapshot, say).
	Name func(*Snapshot) []string
	// Match, if set, must also accept the snapshot.
	Match func(*Snapshot) bool
}

// Matches reports whether sn passes the filter.
func (f Filter) Matches(sn *Snapshot) bool {
	if len(f.Hosts) > 0 && !slices.Contains(f.Hosts, sn.Hostname) {
		return false
	}
	if len(f.Tags) > 0 && !slices.ContainsFunc(f.Tags, func(tl []string) bool { return hasTags(sn, tl) }) {
		return false
	}
	if len(f.Sources) > 0 {
		names := append([]string{sn.Source}, sn.Paths...)
		if f.Name != nil {
			names = append(names, f.Name(sn)...)
		}
		if !slices.ContainsFunc(f.Sources, func(s string) bool { return slices.Contains(names, s) }) {
			return false
		}
	}
	return f.Match == nil || f.Match(sn)
}

// Apply returns the snapshots that pass the filter, in their order.
func (f Filter) Apply(sns []*Snapshot) []*Snapshot {
	var out []*Snapshot
	for _, sn := range sns {
		if f.Matches(sn) {
			out = append(out, sn)
		}
	}
	return out
}

// GroupBy says which snapshots form one group for retention and
// point-in-time selection.
type GroupBy struct {
	Host   bool // the same host name
	Source bool // the same source kind and paths: one database, stream or set of folders
	Tags   bool // the same tags
}

// DefaultGroupBy groups by host and source.
var DefaultGroupBy = GroupBy{Host: true, Source: true}

// ParseGroupBy parses a comma-separated list of host, source (or paths)
// and tags; "" groups all snapshots together.
func ParseGroupBy(s string) (GroupBy, error) {
	var g GroupBy
	for _, part := range strings.Split(s, ",") {
		switch strings.TrimSpace(part) {
		case "":
		case "host":
			g.Host = true
		case "source", "paths":
			g.Source = true
		case "tags":
			g.Tags = true
		default:
			return g, fmt.Errorf("unknown --group-by key %q: use host, source and tags, separated by commas", part)
		}
	}
	return g, nil
}

// Group is a set of snapshots with the same key.
type Group struct {
	Host      string   // set when grouping by host
	Source    string   // source kind, set when grouping by source
	Paths     []string // set when grouping by source
	Tags      []string // set when grouping by tags
	Snapshots []*Snapshot
}

func (g Group) String() string {
	var parts []string
	if g.Host != "" {
		parts = append(parts, "host "+g.Host)
	}
	if g.Source != "" {
		parts = append(parts, g.Source+" "+strings.Join(g.Paths, " "))
	}
	if g.Tags != nil {
		parts = append(parts, "tags ["+strings.Join(g.Tags, ",")+"]")
	}
	if len(parts) == 0 {
		return "all snapshots"
	}
	return strings.Join(parts, ", ")
}

// Groups splits sns by the key by. Groups come in the order of their
// first snapshot; snapshots keep their order.
func Groups(sns []*Snapshot, by GroupBy) []Group {
	var groups []Group
	index := map[string]int{}
	for _, sn := range sns {
		var g Group
		if by.Host {
			g.Host = sn.Hostname
		}
		if by.Source {
			g.Source, g.Paths = sn.Source, sn.Paths
		}
		if by.Tags {
			g.Tags = append([]string{}, sn.Tags...)
			sort.Strings(g.Tags)
		}
		key := fmt.Sprintf("%q %q %q %q", g.Host, g.Source, g.Paths, g.Tags)
		i, ok := index[key]
		if !ok {
			i = len(groups)
			index[key] = i
			groups = append(groups, g)
		}
		groups[i].Snapshots = append(groups[i].Snapshots, sn)
	}
	return groups
}

// NewestAt returns, for each group of sns (grouped by host and source),
// the newest snapshot taken at or before t; groups without one are left
// out. sns must be sorted oldest first.
func NewestAt(sns []*Snapshot, t time.Time) []*Snapshot {
	var out []*Snapshot
	for _, g := range Groups(sns, DefaultGroupBy) {
		var best *Snapshot
		for _, sn := range g.Snapshots {
			if !sn.Time.After(t) {
				best = sn
			}
		}
		if best != nil {
			out = append(out, best)
		}
	}
	return out
}

// ParseTime parses a point in time given by a user: RFC 3339
// ("2024-05-01T02:00:00Z", "2024-05-01T02:00:00+02:00"), or a date and
// time without zone in loc ("2024-05-01 02:00:00", "2024-05-01 02:00",
// "2024-05-01T02:00"). A date alone ("2024-05-01") means the end of that
// day, so that it selects the backup taken that day.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t.AddDate(0, 0, 1).Add(-time.Nanosecond), nil
	}
	return time.Time{}, fmt.Errorf("invalid time %q: use 2024-05-01, 2024-05-01 14:30, 2024-05-01 14:30:00 or RFC 3339 (2024-05-01T14:30:00Z)", s)
}
