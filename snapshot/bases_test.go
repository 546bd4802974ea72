package snapshot

import (
	"testing"

	"github.com/sqlvault/sqlvault/repo"
)

// TestBaseFinderBack: Back finds the chunk of the previous version that
// held a byte a given distance before another chunk, from the chunks'
// lengths in the index; with a length unknown it finds nothing.
func TestBaseFinderBack(t *testing.T) {
	ids := make([]repo.ID, 4)
	lens := []uint32{1000, 200, 300, 50}
	idx := repo.NewIndex()
	var blobs []repo.Blob
	for i := range ids {
		ids[i][0] = byte(i + 1)
		blobs = append(blobs, repo.Blob{Type: repo.DataBlob, Enc: repo.EncZstd, ID: ids[i], PlainLen: lens[i]})
	}
	idx.AddPack(repo.ID{0xff}, blobs)
	prev := &Node{Type: TypeFile, Content: ids, Hints: make([]byte, hintSize*len(ids))}
	f := newBaseFinder(prev, idx)
	for _, tc := range []struct {
		from, n int
		want    int // index into ids, -1 for none
	}{
		{3, 1, 2},    // the last byte of the chunk before
		{3, 300, 2},  // the first byte of the chunk before
		{3, 301, 1},  // one further back
		{3, 501, 0},  // into the first chunk
		{3, 1500, 0}, // before the file's start: its first chunk
		{1, 1, 0},    // from the second chunk
		{0, 1, 0},    // before the first chunk
		{2, 0, 2},    // no distance: the chunk itself
	} {
		got := f.Back(ids[tc.from], tc.n)
		if got != ids[tc.want] {
			t.Errorf("Back(chunk %d, %d) = %s, want chunk %d", tc.from, tc.n, got.Str(), tc.want)
		}
	}
	if got := f.Back(repo.ID{0xee}, 1); !got.IsNull() {
		t.Errorf("Back of a chunk not in the previous version = %s", got.Str())
	}
	missing := append(append([]repo.ID(nil), ids...), repo.ID{0xaa}) // not in the index
	g := newBaseFinder(&Node{Type: TypeFile, Content: missing, Hints: make([]byte, hintSize*len(missing))}, idx)
	if got := g.Back(ids[3], 1); !got.IsNull() {
		t.Errorf("Back with a length unknown = %s, want none", got.Str())
	}
	var none *baseFinder
	if got := none.Back(ids[3], 1); !got.IsNull() {
		t.Errorf("Back of a nil finder = %s", got.Str())
	}
}
