package snapshot

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/repo"
)

func TestRepair(t *testing.T) {
	ctx := context.Background()
	r, dir := newRepo(t)
	good, _, err := r.SaveBlob(ctx, repo.DataBlob, []byte("good content"))
	if err != nil {
		t.Fatal(err)
	}
	missing := repo.Hash([]byte("missing blob"))
	save := func(nodes ...*Node) repo.ID {
		id, _, err := SaveTree(ctx, r, &Tree{Nodes: nodes})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	file := func(name string, ids ...repo.ID) *Node {
		return &Node{Name: name, Type: TypeFile, Size: 12, Content: ids}
	}
	dirNode := func(name string, sub repo.ID) *Node { return &Node{Name: name, Type: TypeDir, Subtree: &sub} }
	sub := save(file("good.txt", good), file("lost.txt", good, missing))
	lostTree := repo.Hash([]byte("lost tree"))
	root := save(dirNode("dir", sub), dirNode("gone", lostTree), file("top.txt", good))
	clean := save(file("top.txt", good))
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var sns []*Snapshot
	for i, tree := range []repo.ID{root, root, clean} {
		sn := &Snapshot{Time: baseTime.AddDate(0, 0, i), Tree: tree, Paths: []string{"/src"}, Hostname: "h", Tags: []string{"daily"}}
		if _, err := Save(ctx, r, sn); err != nil {
			t.Fatal(err)
		}
		sns = append(sns, sn)
	}

	run := func(opts RepairOptions) ([]RepairResult, []string) {
		t.Helper()
		var removed []string
		opts.Removed = func(sn *Snapshot, p string, why error) {
			removed = append(removed, sn.ID().Str()+" "+p+" "+why.Error())
		}
		res, err := Repair(ctx, reopen(t, dir), sns, opts)
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(removed)
		return res, removed
	}
	res, removed := run(RepairOptions{DryRun: true})
	if len(res) != 2 || res[0].New != nil || len(removed) != 4 {
		t.Fatalf("dry run: %+v, %q", res, removed)
	}
	for _, want := range []string{sns[0].ID().Str() + " /dir/lost.txt blob " + missing.Str() + ": blob missing: not in the index", sns[1].ID().Str() + " /gone directory contents lost"} {
		if !slices.ContainsFunc(removed, func(s string) bool { return strings.HasPrefix(s, want) }) {
			t.Errorf("removed %q: no %q", removed, want)
		}
	}
	if l, _ := List(ctx, r, nil); len(l) != 3 {
		t.Fatalf("the dry run changed the snapshots: %d", len(l))
	}

	res, _ = run(RepairOptions{Forget: true})
	if len(res) != 2 || !res[0].Forgot || res[0].New.Tree != res[1].New.Tree {
		t.Fatalf("repair: %+v", res)
	}
	rr := reopen(t, dir)
	after, err := List(ctx, rr, nil)
	if err != nil || len(after) != 3 {
		t.Fatalf("snapshots after repair: %d, %v", len(after), err)
	}
	for _, a := range after {
		if a.ID() == sns[0].ID() || a.ID() == sns[1].ID() {
			t.Fatalf("original snapshot %s not removed", a.ID().Str())
		}
	}
	n := res[0].New
	if n.Original == nil || *n.Original != sns[0].ID() || !slices.Equal(n.Tags, []string{"daily", RepairedTag}) || n.Hostname != "h" || !n.Time.Equal(sns[0].Time) {
		t.Errorf("repaired manifest %+v", n)
	}
	var paths []string
	if err := Walk(ctx, rr, n.Tree, "/", func(p string, nd *Node) error { paths = append(paths, p); return nil }); err != nil {
		t.Fatal(err)
	}
	if want := []string{"/dir", "/dir/good.txt", "/gone", "/top.txt"}; !slices.Equal(paths, want) {
		t.Errorf("repaired tree %q, want %q", paths, want)
	}
	if p, err := CheckTrees(ctx, rr, func(err error) { t.Errorf("check: %v", err) }); err != nil || p != 0 {
		t.Errorf("check after repair: %d, %v", p, err)
	}
}
