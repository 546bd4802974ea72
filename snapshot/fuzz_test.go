package snapshot

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sqlvault/sqlvault/repo"
)

func sampleTree() *Tree {
	sub := repo.Hash([]byte("subtree"))
	return &Tree{Nodes: []*Node{
		{Name: "Zoë file.sql", Type: TypeFile, Mode: 0o640, ModTime: baseTime, ChangeTime: baseTime.Add(time.Second), UID: 1000, GID: 1000, Inode: 42, Size: 3 << 20,
			Content: []repo.ID{repo.Hash([]byte("c1")), repo.Hash([]byte("c2"))}},
		{Name: "dir", Type: TypeDir, Mode: 0o750 | 1<<22, ModTime: baseTime.In(time.FixedZone("x", 3600)), Subtree: &sub},
		{Name: "empty", Type: TypeFile, Mode: 0o600, ModTime: time.Unix(0, 1)},
		{Name: "link", Type: TypeSymlink, Mode: 0o777, ModTime: baseTime, LinkTarget: "../target with space"},
	}}
}

func FuzzDecodeTree(f *testing.F) {
	enc, _ := json.Marshal(sampleTree())
	f.Add(enc)
	empty, _ := json.Marshal(&Tree{Nodes: []*Node{}})
	f.Add(empty)
	f.Add([]byte(`{"nodes":[{"name":"x","type":"dir","mtime":"2024-01-01T00:00:00Z"}]}`))
	f.Add([]byte(`{"nodes":[null]}`))
	f.Add([]byte(`{"nodes":[{"name":".."}]}`))
	f.Add([]byte(`{"nodes":[{"name":"a/b"}]}`))
	f.Add([]byte(`{"nodes":[{"name":"a","content":["00"]}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, buf []byte) {
		tr, err := DecodeTree(buf)
		if err != nil {
			if tr != nil {
				t.Fatal("tree returned with an error")
			}
			return
		}
		for _, n := range tr.Nodes {
			if n == nil || n.Name == "" || n.Name == "." || n.Name == ".." || strings.ContainsAny(n.Name, "/\x00") {
				t.Fatalf("accepted node name %q", n.Name)
			}
		}
		// Re-encoding is stable: encode(decode(encode(t))) == encode(t).
		enc, err := json.Marshal(tr)
		if err != nil {
			return // e.g. a time that cannot be written back (year > 9999)
		}
		tr2, err := DecodeTree(enc)
		if err != nil {
			t.Fatalf("re-encoded tree does not decode: %v\n%s", err, enc)
		}
		enc2, err := json.Marshal(tr2)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("tree encoding unstable (%v):\n%s\n%s", err, enc, enc2)
		}
		if len(tr2.Nodes) != len(tr.Nodes) {
			t.Fatal("node count changed")
		}
		for i, n := range tr.Nodes {
			m := tr2.Nodes[i]
			if n.Name != m.Name || n.Type != m.Type || n.Mode != m.Mode || !n.ModTime.Equal(m.ModTime) || n.Size != m.Size || len(n.Content) != len(m.Content) {
				t.Fatalf("node %d changed: %+v -> %+v", i, n, m)
			}
		}
		// Find works on whatever was decoded.
		for _, n := range tr.Nodes {
			_ = tr.Find(n.Name)
		}
	})
}

func FuzzDecodeSnapshot(f *testing.F) {
	parent := repo.Hash([]byte("parent"))
	sn := &Snapshot{Time: baseTime, Tree: repo.Hash([]byte("tree")), Paths: []string{"/var/db", "/etc/sqlvault"}, Source: SourceFiles,
		Hostname: "db1", Username: "backup", Tags: []string{"daily", "müller"}, Parent: &parent, Program: "sqlvault 1.0",
		Summary: &Summary{Start: baseTime, End: baseTime.Add(time.Minute), FilesNew: 3, FilesChanged: 1, FilesUnchanged: 100, Dirs: 7,
			Errors: 1, BlobsAdded: 9, BytesRead: 1 << 30, BytesTotal: 1 << 40, BytesAdded: 12345, Incomplete: true}}
	enc, _ := json.Marshal(sn)
	f.Add(enc)
	minimal, _ := json.Marshal(&Snapshot{Time: baseTime, Tree: repo.Hash(nil), Source: SourceCommand})
	f.Add(minimal)
	f.Add([]byte(`{"time":"2024-01-01T00:00:00+14:00","tree":"` + strings.Repeat("a", 64) + `","paths":["db.sql"],"source":"stdin"}`))
	f.Add([]byte(`{"tree":"abc"}`))
	f.Add([]byte(`{"parent":null,"summary":null}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, buf []byte) {
		sn, err := DecodeSnapshot(buf)
		if err != nil {
			if sn != nil {
				t.Fatal("snapshot returned with an error")
			}
			return
		}
		if !sn.ID().IsNull() {
			t.Fatal("decoded snapshot has an ID")
		}
		enc, err := json.Marshal(sn)
		if err != nil {
			return // e.g. a time that cannot be written back
		}
		sn2, err := DecodeSnapshot(enc)
		if err != nil {
			t.Fatalf("re-encoded snapshot does not decode: %v\n%s", err, enc)
		}
		enc2, err := json.Marshal(sn2)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("snapshot encoding unstable (%v):\n%s\n%s", err, enc, enc2)
		}
		if sn2.Tree != sn.Tree || !sn2.Time.Equal(sn.Time) || (sn.Parent == nil) != (sn2.Parent == nil) || (sn.Summary == nil) != (sn2.Summary == nil) {
			t.Fatal("fields changed in a round trip")
		}
		// Selecting among decoded snapshots never panics.
		sn.id = repo.Hash(buf)
		if got, err := Select([]*Snapshot{sn}, "latest"); err != nil || got != sn {
			t.Fatalf("Select latest: %v", err)
		}
	})
}
