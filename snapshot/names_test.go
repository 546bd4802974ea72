package snapshot

import (
	"encoding/json"
	"strings"
	"testing"
)

// goldenSampleTree is sampleTree as every version so far has encoded it:
// trees with UTF-8 names keep their exact bytes (and so their blob IDs).
const goldenSampleTree = `{"nodes":[{"name":"Zoë file.sql","type":"file","mode":416,"mtime":"2024-03-10T12:30:45.123456789Z","ctime":"2024-03-10T12:30:46.123456789Z","uid":1000,"gid":1000,"inode":42,"size":3145728,"content":["d0f631ca1ddba8db3bcfcb9e057cdc98d0379f1bee00e75a545147a27dadd982","9c0abe51c6e6655d81de2d044d4fb194931f058c0426c67c7285d8f5657ed64a"]},{"name":"dir","type":"dir","mode":4194792,"mtime":"2024-03-10T13:30:45.123456789+01:00","uid":0,"gid":0,"subtree":"0a0369a8dc42658354e0c10425f84a0c95226ba213f2cf571cc056cb757434a2"},{"name":"empty","type":"file","mode":384,"mtime":"1970-01-01T00:00:00.000000001Z","uid":0,"gid":0},{"name":"link","type":"symlink","mode":511,"mtime":"2024-03-10T12:30:45.123456789Z","uid":0,"gid":0,"linktarget":"../target with space"}]}`

func TestTreeEncodingOfUTF8NamesUnchanged(t *testing.T) {
	enc, err := encodeTree(sampleTree())
	if err != nil || string(enc) != goldenSampleTree {
		t.Fatalf("encoding changed (%v):\n%s\nwant\n%s", err, enc, goldenSampleTree)
	}
}

// TestTreeRawNames: names and link targets that are not UTF-8 are kept as
// their bytes, and trees are sorted by bytes.
func TestTreeRawNames(t *testing.T) {
	names := []string{"x\xf5.txt", "x😀.txt", "x\xff", "x\xfe", "a.txt", "x\xf5.txt2", "z"}
	tr := &Tree{}
	for _, n := range names {
		tr.Nodes = append(tr.Nodes, &Node{Name: n, Type: TypeSymlink, ModTime: baseTime, LinkTarget: "to/" + n})
	}
	enc, err := encodeTree(tr)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(enc), "\"name\":\"x\uFFFD\",\"type\":\"symlink\"") ||
		!strings.Contains(string(enc), `"name_raw":"eP8=","linktarget_raw":"dG8veP8="`) {
		t.Fatalf("encoding:\n%s", enc)
	}
	got, err := DecodeTree(enc)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a.txt", "x😀.txt", "x\xf5.txt", "x\xf5.txt2", "x\xfe", "x\xff", "z"} // 😀 is F0 9F 98 80
	for i, n := range got.Nodes {
		if n.Name != want[i] || n.LinkTarget != "to/"+want[i] {
			t.Errorf("node %d: %q -> %q, want %q", i, n.Name, n.LinkTarget, want[i])
		}
		if got.Find(want[i]) != n {
			t.Errorf("Find(%q) failed", want[i])
		}
	}
	if again, _ := encodeTree(got); string(again) != string(enc) {
		t.Errorf("re-encoding differs:\n%s\n%s", enc, again)
	}
}

// TestDecodeTreeRawJSON decodes the documented form and refuses raw names
// that could escape a restore target.
func TestDecodeTreeRawJSON(t *testing.T) {
	tr, err := DecodeTree([]byte(`{"nodes":[{"name":"a","type":"file","mtime":"2024-01-01T00:00:00Z"},` +
		`{"name":"x\ufffd.txt","name_raw":"ePUudHh0","type":"symlink","mtime":"2024-01-01T00:00:00Z","linktarget":"t\ufffd","linktarget_raw":"dP4="},` +
		`{"name":"x\ufffd","name_raw":"eP8=","type":"file","mtime":"2024-01-01T00:00:00Z"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Nodes[1].Name != "x\xf5.txt" || tr.Nodes[1].LinkTarget != "t\xfe" || tr.Nodes[2].Name != "x\xff" {
		t.Fatalf("decoded %q %q %q", tr.Nodes[1].Name, tr.Nodes[1].LinkTarget, tr.Nodes[2].Name)
	}
	// Sorted by the raw bytes: "x\xff" < "x\xf5.txt" is not sorted.
	if _, err := DecodeTree([]byte(`{"nodes":[{"name":"x","name_raw":"eP8="},{"name":"y","name_raw":"ePUudHh0"}]}`)); err == nil {
		t.Error("unsorted raw names accepted")
	}
	for _, raw := range []string{"Lw==" /* "/" */, "Lg==" /* "." */, "Li4=" /* ".." */, "eAB4" /* "x\x00x" */, "" /* empty */, "YS9i" /* "a/b" */} {
		if _, err := DecodeTree([]byte(`{"nodes":[{"name":"ok","name_raw":"` + raw + `"}]}`)); err == nil {
			t.Errorf("name_raw %q accepted", raw)
		}
	}
	if _, err := DecodeTree([]byte(`{"nodes":[{"name":"ok","name_raw":"!!"}]}`)); err == nil {
		t.Error("bad base64 accepted")
	}
}

func TestSnapshotRawPaths(t *testing.T) {
	sn := &Snapshot{Time: baseTime, Paths: []string{"/a/src\xf5", "/b"}, Source: SourceFiles}
	enc, err := encodeSnapshot(sn)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(enc), "\"paths\":[\"/a/src\uFFFD\",\"/b\"]") || !strings.Contains(string(enc), `"paths_raw":["L2Evc3Jj9Q==","L2I="]`) {
		t.Fatalf("encoding: %s", enc)
	}
	got, err := DecodeSnapshot(enc)
	if err != nil || len(got.Paths) != 2 || got.Paths[0] != "/a/src\xf5" || got.Paths[1] != "/b" {
		t.Fatalf("decoded %q, %v", got.Paths, err)
	}
	plain, _ := encodeSnapshot(&Snapshot{Time: baseTime, Paths: []string{"/b"}})
	want, _ := json.Marshal(&Snapshot{Time: baseTime, Paths: []string{"/b"}})
	if string(plain) != string(want) {
		t.Errorf("UTF-8 paths encode differently:\n%s\n%s", plain, want)
	}
}
