package snapshot

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sqlvault/sqlvault/repo"
)

// fakeSnapshots returns snapshots at the given times, oldest first, with
// IDs 1, 2, ... in that order.
func fakeSnapshots(times ...time.Time) []*Snapshot {
	var sns []*Snapshot
	for i, t := range times {
		sn := &Snapshot{Time: t, Hostname: "db1", Source: SourceStdin, Paths: []string{"sales.sql"}}
		sn.id = repo.ID{byte(i + 1)}
		sns = append(sns, sn)
	}
	return sns
}

// days returns n daily times from 2024-01-01 02:00 UTC (a Monday).
func days(n int) []time.Time {
	var ts []time.Time
	start := time.Date(2024, 1, 1, 2, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		ts = append(ts, start.AddDate(0, 0, i))
	}
	return ts
}

// kept returns the day numbers (positions) of the kept snapshots and
// their reasons.
func kept(ds []Decision, sns []*Snapshot) ([]int, map[int]string) {
	var out []int
	reasons := map[int]string{}
	for _, d := range ds {
		if !d.Keep {
			if len(d.Reasons) > 0 {
				panic("a removed snapshot has reasons")
			}
			continue
		}
		i := slices.Index(sns, d.Snapshot)
		out = append(out, i)
		reasons[i] = strings.Join(d.Reasons, ",")
	}
	slices.Sort(out)
	return out, reasons
}

func TestApplyPolicy40Days(t *testing.T) {
	sns := fakeSnapshots(days(40)...) // 2024-01-01 .. 2024-02-09
	ds := ApplyPolicy(sns, Policy{Daily: 7, Weekly: 4, Monthly: 3})
	if len(ds) != 40 {
		t.Fatalf("%d decisions", len(ds))
	}
	for i := 1; i < len(ds); i++ {
		if ds[i].Snapshot.Time.Before(ds[i-1].Snapshot.Time) {
			t.Fatal("decisions are not oldest first")
		}
	}
	got, reasons := kept(ds, sns)
	// Daily: Feb 3-9 (days 33-39). Weekly (ISO weeks 6, 5, 4, 3): Feb 9,
	// Feb 4 (Sunday), Jan 28, Jan 21. Monthly: Feb 9, Jan 31.
	want := []int{20, 27, 30, 33, 34, 35, 36, 37, 38, 39}
	if !slices.Equal(got, want) {
		t.Fatalf("kept days %v, want %v", got, want)
	}
	for day, r := range map[int]string{39: "daily,weekly,monthly", 34: "daily,weekly", 33: "daily", 30: "monthly", 27: "weekly", 20: "weekly"} {
		if reasons[day] != r {
			t.Errorf("day %d kept for %q, want %q", day, reasons[day], r)
		}
	}
}

func TestApplyPolicyRules(t *testing.T) {
	base := time.Date(2023, 12, 31, 20, 0, 0, 0, time.UTC)
	var ts []time.Time
	for i := 0; i < 10; i++ {
		ts = append(ts, base.Add(time.Duration(i)*90*time.Minute)) // every 1.5 hours across the new year
	}
	sns := fakeSnapshots(ts...)
	sns[2].Tags = []string{"monthly", "keep"}
	sns[5].Tags = []string{"keep"}
	for _, tc := range []struct {
		p    Policy
		want []int
	}{
		{Policy{Last: 3}, []int{7, 8, 9}},
		{Policy{Last: -1}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{Policy{Last: 20}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		// Times: Dec 31 20:00 21:30 23:00, Jan 1 00:30 02:00 03:30 05:00 06:30 08:00 09:30.
		{Policy{Hourly: 2}, []int{8, 9}},
		{Policy{Hourly: -1}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{Policy{Daily: 1}, []int{9}},
		{Policy{Daily: 2}, []int{2, 9}},
		{Policy{Weekly: 2}, []int{2, 9}}, // Sunday Dec 31 ends ISO week 52 of 2023
		{Policy{Monthly: 2}, []int{2, 9}},
		{Policy{Yearly: 5}, []int{2, 9}},
		{Policy{Yearly: 1}, []int{9}},
		{Policy{Within: Duration{Hours: 3}}, []int{8, 9}}, // 06:30 is exactly 3 h before: not within
		{Policy{Within: Duration{Days: 1}}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{Policy{Tags: [][]string{{"keep"}}}, []int{2, 5}},
		{Policy{Tags: [][]string{{"keep", "monthly"}}}, []int{2}},
		{Policy{Tags: [][]string{{"nothing"}}}, nil},
		{Policy{Last: 1, Tags: [][]string{{"monthly"}, {"keep"}}}, []int{2, 5, 9}},
		{Policy{}, nil},
	} {
		got, _ := kept(ApplyPolicy(sns, tc.p), sns)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: kept %v, want %v", tc.p, got, tc.want)
		}
	}
}

func TestPolicyValidateAndString(t *testing.T) {
	if !(Policy{}).Empty() || (Policy{Last: -1}).Empty() || (Policy{Within: Duration{Days: 1}}).Empty() {
		t.Error("Empty")
	}
	for _, bad := range []Policy{{Daily: -2}, {Tags: [][]string{{}}}, {Within: Duration{Days: -1}}} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v validated", bad)
		}
	}
	if s := (Policy{Daily: 7, Weekly: -1, Within: Duration{Years: 1, Days: 2}, Tags: [][]string{{"a", "b"}}}).String(); s != "keep 7 daily, all weekly, all within 1y2d, tagged a,b" {
		t.Errorf("String: %q", s)
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]Duration{
		"30d": {Days: 30}, "2w": {Days: 14}, "1y6m": {Years: 1, Months: 6}, "12h": {Hours: 12}, "1y2m3d4h": {1, 2, 3, 4}, " 5d ": {Days: 5},
	} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "d", "5", "5x", "1.5d", "-1d", "99999999999d"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) succeeded", bad)
		}
	}
	d := Duration{Months: 1}
	if got := d.Before(time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC)); !got.Equal(time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("1m before March 31: %v", got) // Go normalizes Feb 31 to Mar 2
	}
}

func TestGroupsAndFilter(t *testing.T) {
	ts := days(6)
	sns := fakeSnapshots(ts...)
	sns[1].Hostname = "db2"
	sns[2].Paths = []string{"hr.sql"}
	sns[3].Tags = []string{"x"}
	sns[4].Source, sns[4].Paths = "sqlserver", []string{"sqlserver://sa@h?database=sales"}
	g := Groups(sns, DefaultGroupBy)
	var got []string
	for _, grp := range g {
		got = append(got, fmt.Sprintf("%s=%d", grp, len(grp.Snapshots)))
	}
	want := []string{"host db1, stdin sales.sql=3", "host db2, stdin sales.sql=1", "host db1, stdin hr.sql=1", "host db1, sqlserver sqlserver://sa@h?database=sales=1"}
	if !slices.Equal(got, want) {
		t.Errorf("groups %q, want %q", got, want)
	}
	if g := Groups(sns, GroupBy{}); len(g) != 1 || g[0].String() != "all snapshots" {
		t.Errorf("no grouping: %v", g)
	}
	if g := Groups(sns, GroupBy{Tags: true}); len(g) != 2 {
		t.Errorf("by tags: %d groups", len(g))
	}
	if _, err := ParseGroupBy("host,bogus"); err == nil {
		t.Error("bad group-by accepted")
	}
	if by, err := ParseGroupBy("paths,tags"); err != nil || by != (GroupBy{Source: true, Tags: true}) {
		t.Errorf("ParseGroupBy: %+v %v", by, err)
	}

	count := func(f Filter) int { return len(f.Apply(sns)) }
	if n := count(Filter{Hosts: []string{"db2"}}); n != 1 {
		t.Errorf("host filter: %d", n)
	}
	if n := count(Filter{Tags: [][]string{{"x"}}}); n != 1 {
		t.Errorf("tag filter: %d", n)
	}
	if n := count(Filter{Sources: []string{"sales.sql"}}); n != 4 {
		t.Errorf("source by path: %d", n)
	}
	if n := count(Filter{Sources: []string{"stdin"}}); n != 5 {
		t.Errorf("source by kind: %d", n)
	}
	if n := count(Filter{Sources: []string{"sales"}, Name: func(sn *Snapshot) []string {
		if sn.Source == "sqlserver" {
			return []string{"sales"}
		}
		return nil
	}}); n != 1 {
		t.Errorf("source by name: %d", n)
	}
}

func TestNewestAtAndParseTime(t *testing.T) {
	sns := fakeSnapshots(days(5)...)
	sns[4].Paths = []string{"other.sql"} // a second source, on day 4 only
	at := func(s string) []int {
		tm, err := ParseTime(s, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		var out []int
		for _, sn := range NewestAt(sns, tm) {
			out = append(out, slices.Index(sns, sn))
		}
		return out
	}
	for in, want := range map[string][]int{
		"2024-01-03":                {2},    // a date means the end of that day
		"2024-01-03 01:59":          {1},    // before day 2's backup at 02:00
		"2024-01-03T02:00:00Z":      {2},    // at the time exactly
		"2024-01-03T03:00:00+02:00": {1},    // 01:00 UTC
		"2023-12-31":                nil,    // before the first
		"2030-01-01 00:00:00":       {3, 4}, // one per source
	} {
		if got := at(in); !slices.Equal(got, want) {
			t.Errorf("at %s: %v, want %v", in, got, want)
		}
	}
	for _, bad := range []string{"yesterday", "2024-13-01", "01/02/2024", ""} {
		if _, err := ParseTime(bad, time.UTC); err == nil {
			t.Errorf("ParseTime(%q) succeeded", bad)
		}
	}
}
