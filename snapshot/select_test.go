package snapshot

import (
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sqlvault/sqlvault/repo"
)

func idFromHex(t *testing.T, prefix string) repo.ID {
	t.Helper()
	s := prefix + strings.Repeat("0", 64-len(prefix))
	var id repo.ID
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSelect(t *testing.T) {
	sns := []*Snapshot{
		{id: idFromHex(t, "abc1"), Time: baseTime},
		{id: idFromHex(t, "abc2"), Time: baseTime.Add(time.Hour)},
		{id: idFromHex(t, "de"), Time: baseTime.Add(2 * time.Hour)},
	}
	for spec, want := range map[string]int{
		"latest":                      2,
		"abc1":                        0,
		"ABC2":                        1,
		"d":                           2,
		"de00":                        2,
		idFromHex(t, "abc1").String(): 0,
	} {
		got, err := Select(sns, spec)
		if err != nil {
			t.Errorf("Select(%q): %v", spec, err)
			continue
		}
		if got != sns[want] {
			t.Errorf("Select(%q) = %v, want %v", spec, got.ID().Str(), sns[want].ID().Str())
		}
	}
	// Ambiguous: a clear error that is not "not found".
	_, err := Select(sns, "abc")
	if err == nil || !strings.Contains(err.Error(), `snapshot ID prefix "abc" is ambiguous`) || errors.Is(err, ErrNotFound) {
		t.Fatalf("ambiguous prefix: err = %v", err)
	}
	for spec, want := range map[string]string{
		"abd":                               `no snapshot ID starts with "abd"`,
		"f":                                 `no snapshot ID starts with "f"`,
		"":                                  `"" is not a snapshot ID or "latest"`,
		"last":                              `"last" is not a snapshot ID`,
		"abc1 ":                             `is not a snapshot ID`,
		"Latest":                            `"Latest" is not a snapshot ID`,
		strings.Repeat("0", 65):             `no snapshot ID starts with`,
		idFromHex(t, "abc1").String() + "0": `no snapshot ID starts with`,
	} {
		_, err := Select(sns, spec)
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), want) {
			t.Errorf("Select(%q): err = %v, want ErrNotFound with %q", spec, err, want)
		}
	}
	_, err = Select(nil, "latest")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "the repository has no snapshots") {
		t.Fatalf("latest of none: err = %v", err)
	}
}

func TestFindAndListOrder(t *testing.T) {
	ctx := context.Background()
	r, dir := newRepo(t)
	// Saved out of time order: List sorts by time, "latest" is the newest.
	times := []time.Time{baseTime.Add(time.Hour), baseTime.Add(2 * time.Hour), baseTime}
	ids := make([]repo.ID, len(times))
	for i, tm := range times {
		sn := &Snapshot{Time: tm, Tree: repo.Hash([]byte("t")), Paths: []string{"/p"}, Hostname: "h", Source: SourceFiles}
		id, err := Save(ctx, r, sn)
		if err != nil {
			t.Fatal(err)
		}
		if sn.ID() != id {
			t.Fatal("Save did not set the ID")
		}
		ids[i] = id
	}
	r2 := reopen(t, dir)
	sns := mustLoadAllSnapshots(t, r2)
	if len(sns) != 3 || sns[0].ID() != ids[2] || sns[1].ID() != ids[0] || sns[2].ID() != ids[1] {
		t.Fatalf("List order wrong")
	}
	latest, err := Find(ctx, r2, "latest")
	if err != nil || latest.ID() != ids[1] || !latest.Time.Equal(times[1]) {
		t.Fatalf("latest = %v, %v", latest, err)
	}
	byPrefix, err := Find(ctx, r2, ids[2].String()[:10])
	if err != nil || byPrefix.ID() != ids[2] {
		t.Fatalf("Find by prefix: %v, %v", byPrefix, err)
	}
	if _, err := Find(ctx, r2, "0123456789abcdef0123"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Find of an unknown prefix: err = %v", err)
	}
	loaded, err := Load(ctx, r2, ids[0])
	if err != nil || loaded.Hostname != "h" || loaded.Paths[0] != "/p" || loaded.Tree != repo.Hash([]byte("t")) || loaded.ID() != ids[0] {
		t.Fatalf("Load: %+v, %v", loaded, err)
	}
}

func TestSelectEqualTimesOrderedByID(t *testing.T) {
	ctx := context.Background()
	r, _ := newRepo(t)
	var last repo.ID
	for i := 0; i < 4; i++ {
		sn := &Snapshot{Time: baseTime, Tree: repo.Hash([]byte{byte(i)})}
		id, err := Save(ctx, r, sn)
		if err != nil {
			t.Fatal(err)
		}
		if id.String() > last.String() {
			last = id
		}
	}
	got, err := Find(ctx, r, "latest")
	if err != nil || got.ID() != last {
		t.Fatalf("latest among equal times = %v, want the highest ID %v", got.ID().Str(), last.Str())
	}
}
