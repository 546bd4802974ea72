package snapshot

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/repo"
)

// buildSnapshot commits a snapshot made of files (path -> content) as a
// database backup would be.
func buildSnapshot(t *testing.T, r *repo.Repository, files map[string][]byte, parent *Snapshot, when time.Time) *Snapshot {
	t.Helper()
	ctx := context.Background()
	b := NewBuilder(r, Options{Parent: parent, Time: when, Hostname: "db1"})
	for _, p := range sortedKeys(files) {
		data := files[p]
		if err := b.WriteFile(ctx, p, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			t.Fatal(err)
		}
	}
	sn, err := b.Commit(ctx, []string{"sqlserver://sa@db1?database=sales"}, "sqlserver")
	if err != nil {
		t.Fatal(err)
	}
	return sn
}

func TestDiff(t *testing.T) {
	ctx := context.Background()
	r, _ := newRepo(t)
	day0 := map[string][]byte{
		"sales/restore.sql":      []byte(":r schema.sql\n:r data/dbo.A.sql\n:r data/dbo.B.sql\n"),
		"sales/schema.sql":       []byte("CREATE TABLE ...\n"),
		"sales/data/dbo.A.sql":   randomBytes(t, 90_000),
		"sales/data/dbo.B.sql":   randomBytes(t, 200_000),
		"sales/data/dbo.Big.sql": randomBytes(t, 300_000),
	}
	a := buildSnapshot(t, r, day0, nil, time.Now())
	day1 := map[string][]byte{}
	for k, v := range day0 {
		day1[k] = v
	}
	delete(day1, "sales/data/dbo.A.sql")
	day1["sales/data/dbo.B.sql"] = append(append([]byte(nil), day0["sales/data/dbo.B.sql"]...), randomBytes(t, 70_000)...)
	day1["sales/data/dbo.C.sql"] = randomBytes(t, 50_000)
	day1["sales/restore.sql"] = []byte(":r schema.sql\n:r data/dbo.B.sql\n:r data/dbo.C.sql\n")
	b := buildSnapshot(t, r, day1, a, time.Now())

	var got []string
	var addedC int64
	st, err := Diff(ctx, r, a, b, DiffOptions{}, func(c Change) error {
		got = append(got, fmt.Sprintf("%c %s", c.Kind, c.Path))
		if c.Path == "/sales/data/dbo.C.sql" {
			addedC = c.AddedBytes
			if c.New == nil || c.Old != nil || c.New.Size != 50_000 {
				t.Errorf("added file change: %+v", c)
			}
		}
		if c.Kind == Removed && c.AddedBytes != 0 {
			t.Errorf("a removed file adds %d bytes", c.AddedBytes)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"- /sales/data/dbo.A.sql", "M /sales/data/dbo.B.sql", "+ /sales/data/dbo.C.sql", "M /sales/restore.sql"}
	if !slices.Equal(got, want) {
		t.Fatalf("changes %q, want %q", got, want)
	}
	if st.Added != 1 || st.Removed != 1 || st.Modified != 2 || st.Metadata != 0 {
		t.Errorf("stats %+v", st)
	}
	// What b adds: C's and B's new chunks, the new restore.sql and the
	// trees; at least C's 50 000 incompressible bytes and B's 70 000.
	if addedC < 50_000 || addedC > 52_000 {
		t.Errorf("C adds %d stored bytes", addedC)
	}
	if st.AddedBytes < 120_000 || st.AddedBytes > 150_000 || st.RemovedBytes < 90_000 || st.RemovedBytes > 120_000 {
		t.Errorf("added %d, removed %d stored bytes", st.AddedBytes, st.RemovedBytes)
	}
	// The same snapshot: nothing.
	n := 0
	if st, err := Diff(ctx, r, b, b, DiffOptions{Metadata: true}, func(Change) error { n++; return nil }); err != nil || n != 0 || st.AddedBytes != 0 {
		t.Errorf("diff with itself: %d changes, %+v, %v", n, st, err)
	}
	// With Metadata, files whose only change is their time are listed
	// (the builder stamps every file with the backup's time).
	var meta []string
	if _, err := Diff(ctx, r, a, b, DiffOptions{Metadata: true}, func(c Change) error {
		if c.Kind == Metadata {
			meta = append(meta, c.Path)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(meta, "/sales/schema.sql") || !slices.Contains(meta, "/sales/data/dbo.Big.sql") {
		t.Errorf("metadata changes: %q", meta)
	}
}

func TestStats(t *testing.T) {
	ctx := context.Background()
	r, dir := newRepo(t)
	h := history{rows: 8000, update: 0.003, appends: 30, seed: 3}
	start := time.Date(2024, 1, 1, 2, 0, 0, 0, time.UTC)
	var sns []*Snapshot
	var parent *Snapshot
	var raw int64
	for d := 0; d < 3; d++ {
		data := h.day(d)
		raw += int64(len(data))
		sn, err := BackupStream(ctx, r, "db.sql", SourceStdin, bytes.NewReader(data), Options{Time: start.AddDate(0, 0, d), Parent: parent})
		if err != nil {
			t.Fatal(err)
		}
		sns = append(sns, sn)
		parent = sn
	}
	// The same content again adds nothing but a tree.
	sn, err := BackupStream(ctx, r, "copy.sql", SourceStdin, bytes.NewReader(h.day(2)), Options{Time: start.AddDate(0, 0, 3)})
	if err != nil {
		t.Fatal(err)
	}
	sns = append(sns, sn)
	raw += int64(len(h.day(2)))
	r = reopen(t, dir)
	sns = mustLoadAllSnapshots(t, r)
	st, err := Stats(ctx, r, sns)
	if err != nil {
		t.Fatal(err)
	}
	if st.Snapshots != 4 || st.RawBytes != raw || st.Files != 4 || len(st.PerSnapshot) != 4 {
		t.Fatalf("stats %+v", st)
	}
	var added int64
	for _, s := range st.PerSnapshot {
		added += s.Added
	}
	if added != st.StoredBytes || st.StoredBytes != st.FullStored+st.DeltaStored+st.BaseStored+st.TreeStored {
		t.Errorf("per-snapshot added %d, stored %d = %d+%d+%d+%d", added, st.StoredBytes, st.FullStored, st.DeltaStored, st.BaseStored, st.TreeStored)
	}
	if st.DeltaBlobs == 0 || st.DeltaStored*10 > st.DeltaPlain || st.UniquePlain != st.FullPlain+st.DeltaPlain {
		t.Errorf("deltas: %d blobs, %d plain stored as %d; unique %d", st.DeltaBlobs, st.DeltaPlain, st.DeltaStored, st.UniquePlain)
	}
	if st.PerSnapshot[3].Added > 8000 || st.PerSnapshot[3].Size != int64(len(h.day(2))) {
		t.Errorf("an identical copy added %d bytes", st.PerSnapshot[3].Added)
	}
	// Days 1 and 2 change most chunks a little (deltas, unique plaintext);
	// the copy of day 2 is fully deduplicated.
	if st.DedupRatio() < 1.2 || st.CompressionRatio() <= 1 || st.TotalRatio() <= st.DedupRatio() {
		t.Errorf("ratios: dedup %.2f compression %.2f total %.2f", st.DedupRatio(), st.CompressionRatio(), st.TotalRatio())
	}
	if st.UnusedBytes != 0 || st.BaseBlobs != 0 || st.PackBytes <= st.StoredBytes || st.TotalSize <= st.PackBytes {
		t.Errorf("sizes: %+v", st)
	}

	// Forget day 0: its keyframes are still needed as bases of day 1's
	// deltas, and what only day 0 needed is unused.
	if err := r.Backend().Remove(ctx, backend.Handle{Type: backend.Snapshot, Name: sns[0].ID().String()}); err != nil {
		t.Fatal(err)
	}
	st2, err := Stats(ctx, r, mustLoadAllSnapshots(t, r))
	if err != nil {
		t.Fatal(err)
	}
	if st2.BaseBlobs == 0 || st2.BaseStored == 0 || st2.UnusedBytes == 0 || st2.StoredBytes+st2.UnusedBytes != st.StoredBytes {
		t.Errorf("after forgetting day 0: bases %d (%d bytes), unused %d, stored %d (was %d)", st2.BaseBlobs, st2.BaseStored, st2.UnusedBytes, st2.StoredBytes, st.StoredBytes)
	}
	pst, err := Prune(ctx, r, repo.PruneOptions{DryRun: true})
	if err != nil || pst.UnusedBytes != st2.UnusedBytes {
		t.Errorf("prune would find %d unused bytes, stats says %d (%v)", pst.UnusedBytes, st2.UnusedBytes, err)
	}
}

func TestExportZip(t *testing.T) {
	ctx := context.Background()
	r, dir := newRepo(t)
	src := filepath.Join(t.TempDir(), "src")
	big := randomBytes(t, 300_000)
	files := map[string][]byte{
		"a.txt":                     []byte("hello\n"),
		"empty":                     nil,
		"Ünïcødé 日本/naïve.sql":      []byte("SELECT N'日本';\n"),
		"deep/er/big.bin":           big,
		"sales/restore.sql":         []byte(":r schema.sql\n"),
		"sales/data/dbo.Orders.sql": bytes.Repeat([]byte("INSERT INTO t VALUES (1);\n"), 5000),
	}
	mtime := time.Date(2024, 5, 1, 14, 30, 2, 0, time.UTC)
	for p, data := range files {
		writeFile(t, filepath.Join(src, p), data, 0o640)
		setMtime(t, filepath.Join(src, p), mtime)
	}
	if err := os.MkdirAll(filepath.Join(src, "empty dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a.txt", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	sn, err := Backup(ctx, r, []string{src}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := BackupStream(ctx, r, "db.sql", SourceStdin, strings.NewReader("stream\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	r = reopen(t, dir)
	var buf bytes.Buffer
	st, err := ExportZip(ctx, r, []*Snapshot{sn, other}, &buf, ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 7 || st.Symlinks != 1 || st.Bytes != int64(len(big)+6+len(files["Ünïcødé 日本/naïve.sql"])+len(files["sales/restore.sql"])+len(files["sales/data/dbo.Orders.sql"])+7) {
		t.Errorf("stats %+v", st)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	// The folder keeps its absolute path, without the leading slash.
	got := map[string]*zip.File{}
	for _, f := range zr.File {
		got[strings.Replace(f.Name, src[1:], "src", 1)] = f
	}
	for p, data := range files {
		f := got["src/"+p]
		if f == nil {
			t.Fatalf("%s missing from the zip; entries: %q", p, sortedKeys(got))
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(b, data) {
			t.Errorf("%s: content differs (%v)", p, err)
		}
		if !f.Modified.Equal(mtime) || f.Mode().Perm() != 0o640 {
			t.Errorf("%s: time %v mode %v", p, f.Modified, f.Mode())
		}
		if f.Method != zip.Deflate {
			t.Errorf("%s: method %d", p, f.Method)
		}
	}
	for _, d := range []string{"src/", "src/empty dir/", "src/deep/", "src/deep/er/", "src/sales/data/"} {
		if f := got[d]; f == nil || !f.Mode().IsDir() {
			t.Errorf("folder entry %s missing", d)
		}
	}
	if f := got["src/link"]; f == nil || f.Mode()&os.ModeSymlink == 0 {
		t.Errorf("symlink entry: %+v", f)
	}
	if f := got["db.sql"]; f == nil {
		t.Errorf("the second snapshot's file is missing")
	}
	if f := got["src/Ünïcødé 日本/naïve.sql"]; f == nil || f.NonUTF8 || f.Flags&0x800 == 0 {
		t.Errorf("a non-ASCII name is not flagged as UTF-8")
	}
	if ratio := float64(got["src/sales/data/dbo.Orders.sql"].CompressedSize64) / float64(len(files["sales/data/dbo.Orders.sql"])); ratio > 0.1 {
		t.Errorf("a repetitive script compressed to %.0f%%", 100*ratio)
	}

	// Standard unzip tests the archive and extracts identical files.
	if _, err := exec.LookPath("unzip"); err == nil {
		zf := filepath.Join(t.TempDir(), "out.zip")
		if err := os.WriteFile(zf, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("unzip", "-t", zf).CombinedOutput(); err != nil || !strings.Contains(string(out), "No errors detected") {
			t.Fatalf("unzip -t: %v\n%s", err, out)
		}
		x := filepath.Join(t.TempDir(), "x")
		if out, err := exec.Command("unzip", "-q", zf, "-d", x).CombinedOutput(); err != nil {
			t.Fatalf("unzip: %v\n%s", err, out)
		}
		for p, data := range files {
			if b, err := os.ReadFile(filepath.Join(x, src, p)); err != nil || !bytes.Equal(b, data) {
				t.Errorf("unzip %s: %v", p, err)
			}
		}
		if target, err := os.Readlink(filepath.Join(x, src, "link")); err != nil || target != "a.txt" {
			t.Errorf("unzip symlink: %q %v", target, err)
		}
	} else {
		t.Log("unzip not installed: archive/zip checks only")
	}

	// Two snapshots with the same top-level name cannot go into one zip.
	again, err := Backup(ctx, r, []string{src}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ExportZip(ctx, r, []*Snapshot{sn, again}, io.Discard, ExportOptions{}); err == nil || !strings.Contains(err.Error(), `both hold "`+ancestors(src)[0][1:]+`"`) {
		t.Errorf("colliding snapshots: %v", err)
	}
	// Store: no compression.
	buf.Reset()
	if _, err := ExportZip(ctx, r, []*Snapshot{other}, &buf, ExportOptions{Store: true}); err != nil {
		t.Fatal(err)
	}
	if zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len())); err != nil || zr.File[0].Method != zip.Store {
		t.Errorf("store: %v", err)
	}
}
