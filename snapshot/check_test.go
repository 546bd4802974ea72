package snapshot

import (
	"context"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/repo"
)

func TestCheckTrees(t *testing.T) {
	ctx := context.Background()
	r, dir := newRepo(t)
	src, _ := makeSource(t)
	if _, err := Backup(ctx, r, []string{src}, Options{}); err != nil {
		t.Fatal(err)
	}
	var reports []error
	n, err := CheckTrees(ctx, reopen(t, dir), func(err error) { reports = append(reports, err) })
	if err != nil || n != 0 || len(reports) != 0 {
		t.Fatalf("healthy repository: %d problems %v, %v", n, reports, err)
	}

	// A snapshot whose tree names a data blob that is not stored, and one
	// whose tree is missing.
	missing := repo.Hash([]byte("missing blob"))
	tree := &Tree{Nodes: []*Node{{Name: "f.sql", Type: TypeFile, Size: 10, Content: []repo.ID{missing}}}}
	treeID, _, err := SaveTree(ctx, r, tree)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	sn := &Snapshot{Time: baseTime, Tree: treeID}
	if _, err := Save(ctx, r, sn); err != nil {
		t.Fatal(err)
	}
	noTree := &Snapshot{Time: baseTime, Tree: repo.Hash([]byte("no tree"))}
	if _, err := Save(ctx, r, noTree); err != nil {
		t.Fatal(err)
	}
	reports = nil
	n, err = CheckTrees(ctx, reopen(t, dir), func(err error) { reports = append(reports, err) })
	if err != nil || n != 2 || len(reports) != 2 {
		t.Fatalf("%d problems %v, %v; want 2", n, reports, err)
	}
	text := reports[0].Error() + "\n" + reports[1].Error()
	wantBlob := "snapshot " + sn.ID().Str() + "/f.sql: data blob " + missing.String() + " is missing"
	wantTree := "snapshot " + noTree.ID().Str() + ": tree " + noTree.Tree.String() + ": "
	if !strings.Contains(text, wantBlob) || !strings.Contains(text, wantTree) || !strings.Contains(text, "blob "+noTree.Tree.Str()) {
		t.Fatalf("reports:\n%s\nwant\n%s\n%s", text, wantBlob, wantTree)
	}
}
