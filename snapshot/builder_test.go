package snapshot

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/backend/local"
	"github.com/sqlvault/sqlvault/chunk"
	"github.com/sqlvault/sqlvault/repo"
)

func newBuilderRepo(t *testing.T) *repo.Repository {
	t.Helper()
	r, err := repo.Init(context.Background(), local.New(t.TempDir()), "pw", repo.InitOptions{KDF: repo.KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1}, Polynomial: chunk.TestPolynomial})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestBuilderWritesFolderOfFiles(t *testing.T) {
	ctx := context.Background()
	r := newBuilderRepo(t)
	b := NewBuilder(r, Options{Hostname: "h"})
	big := bytes.Repeat([]byte("INSERT INTO [dbo].[t] VALUES (1, N'x');\n"), 100000) // 4 MB, several chunks
	files := map[string][]byte{
		"sales/manifest.json":        []byte(`{"db":"sales"}`),
		"sales/data/dbo.Orders.sql":  big,
		"sales/data/dbo.Empty.sql":   nil,
		"sales/schema/01-tables.sql": []byte("CREATE TABLE [dbo].[t] (a int);\nGO\n"),
	}
	for _, p := range []string{"sales/manifest.json", "sales/data/dbo.Orders.sql", "sales/data/dbo.Empty.sql", "sales/schema/01-tables.sql"} {
		content := files[p]
		if err := b.WriteFile(ctx, p, func(w io.Writer) error { _, err := w.Write(content); return err }); err != nil {
			t.Fatalf("WriteFile %s: %v", p, err)
		}
	}
	sn, err := b.Commit(ctx, []string{"sqlserver://h/sales"}, "sqlserver")
	if err != nil {
		t.Fatal(err)
	}
	if sn.Summary.FilesNew != 4 || sn.Summary.BytesTotal != int64(len(big)+14+35) {
		t.Fatalf("summary = %+v", sn.Summary)
	}
	if err := r.LoadIndex(ctx); err != nil {
		t.Fatal(err)
	}
	for p, want := range files {
		n, err := FindNode(ctx, r, sn.Tree, p)
		if err != nil {
			t.Fatalf("FindNode %s: %v", p, err)
		}
		var got bytes.Buffer
		if _, err := WriteContent(ctx, r, n.Content, &got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("%s: content differs (%d bytes, want %d)", p, got.Len(), len(want))
		}
	}
	var paths []string
	if err := Walk(ctx, r, sn.Tree, "/", func(p string, n *Node) error { paths = append(paths, p); return nil }); err != nil {
		t.Fatal(err)
	}
	want := "/sales /sales/data /sales/data/dbo.Empty.sql /sales/data/dbo.Orders.sql /sales/manifest.json /sales/schema /sales/schema/01-tables.sql"
	if got := strings.Join(paths, " "); got != want {
		t.Fatalf("walk = %s\nwant %s", got, want)
	}
}

func TestBuilderRejectsBadPaths(t *testing.T) {
	ctx := context.Background()
	b := NewBuilder(newBuilderRepo(t), Options{})
	noop := func(io.Writer) error { return nil }
	for _, p := range []string{"", "/abs", "a/../b", "a//b", "a/", "..", "a/./b"} {
		if err := b.WriteFile(ctx, p, noop); err == nil {
			t.Errorf("WriteFile(%q) succeeded", p)
		}
	}
	if err := b.WriteFile(ctx, "a/b", noop); err != nil {
		t.Fatal(err)
	}
	if err := b.WriteFile(ctx, "a/b", noop); err == nil || !strings.Contains(err.Error(), "written twice") {
		t.Fatalf("second write of a/b: %v", err)
	}
	if err := b.WriteFile(ctx, "a", noop); err == nil || !strings.Contains(err.Error(), "already a folder") {
		t.Fatalf("file over folder: %v", err)
	}
}

func TestBuilderWriterErrorAbortsFile(t *testing.T) {
	ctx := context.Background()
	r := newBuilderRepo(t)
	b := NewBuilder(r, Options{})
	boom := errors.New("connection dropped")
	err := b.WriteFile(ctx, "db/data/t.sql", func(w io.Writer) error {
		if _, err := w.Write([]byte("partial")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "db/data/t.sql") {
		t.Fatalf("err = %v", err)
	}
	sns, err := List(ctx, r, nil)
	if err != nil || len(sns) != 0 {
		t.Fatalf("snapshots after failed write: %d, %v", len(sns), err)
	}
}
