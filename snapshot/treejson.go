package snapshot

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// File names and symbolic link targets are byte strings, but JSON strings
// are UTF-8 (encoding/json replaces invalid bytes with U+FFFD). A node
// whose name or target is not valid UTF-8 is therefore stored with its
// display form in "name" ("linktarget") and its exact bytes, base64, in
// "name_raw" ("linktarget_raw"); the raw form wins when decoding. Nodes
// with UTF-8 names encode exactly as before these fields existed.

type nodeAlias Node // Node without methods

type nodeWire struct {
	nodeAlias
	NameRaw       []byte `json:"name_raw,omitempty"`
	LinkTargetRaw []byte `json:"linktarget_raw,omitempty"`
}

type treeWire struct {
	Nodes []nodeWire `json:"nodes"`
}

// MarshalJSON writes the tree in its stored form (raw names included).
func (t Tree) MarshalJSON() ([]byte, error) {
	w := treeWire{}
	if t.Nodes != nil {
		w.Nodes = make([]nodeWire, len(t.Nodes))
	}
	for i, n := range t.Nodes {
		w.Nodes[i] = toWire(n)
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads the stored form of a tree. It does not check names:
// DecodeTree does.
func (t *Tree) UnmarshalJSON(buf []byte) error {
	var w treeWire
	if err := json.Unmarshal(buf, &w); err != nil {
		return err
	}
	t.Nodes = fromWire(w)
	return nil
}

func toWire(n *Node) nodeWire {
	if n == nil {
		return nodeWire{}
	}
	w := nodeWire{nodeAlias: nodeAlias(*n)}
	if !utf8.ValidString(n.Name) {
		w.Name, w.NameRaw = DisplayForm(n.Name), []byte(n.Name)
	}
	if !utf8.ValidString(n.LinkTarget) {
		w.LinkTarget, w.LinkTargetRaw = DisplayForm(n.LinkTarget), []byte(n.LinkTarget)
	}
	return w
}

func fromWire(w treeWire) []*Node {
	if w.Nodes == nil {
		return nil
	}
	nodes := make([]*Node, len(w.Nodes))
	for i := range w.Nodes {
		nw := &w.Nodes[i]
		n := (*Node)(&nw.nodeAlias) // a null node decodes as one without a name: DecodeTree refuses it
		if nw.NameRaw != nil {
			n.Name = string(nw.NameRaw)
		}
		if nw.LinkTargetRaw != nil {
			n.LinkTarget = string(nw.LinkTargetRaw)
		}
		nodes[i] = n
	}
	return nodes
}

// encodeTree sorts a tree's nodes by the bytes of their names and encodes
// it.
func encodeTree(t *Tree) ([]byte, error) {
	sortNodes(t.Nodes)
	if t.Nodes == nil {
		t.Nodes = []*Node{}
	}
	return json.Marshal(t)
}

// DisplayForm is s with each run of bytes that are not valid UTF-8
// replaced by U+FFFD: what JSON can hold of a byte string.
func DisplayForm(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

type snapshotAlias Snapshot // Snapshot without methods

type snapshotWire struct {
	snapshotAlias
	PathsRaw [][]byte `json:"paths_raw,omitempty"`
}

// encodeSnapshot encodes a snapshot manifest. When a path is not valid
// UTF-8, "paths" holds display forms and "paths_raw" the exact bytes of
// every path, base64, in the same order.
func encodeSnapshot(sn *Snapshot) ([]byte, error) {
	raw := false
	for _, p := range sn.Paths {
		raw = raw || !utf8.ValidString(p)
	}
	if !raw {
		return json.Marshal(sn)
	}
	w := snapshotWire{snapshotAlias: snapshotAlias(*sn)}
	w.Paths = make([]string, len(sn.Paths))
	for i, p := range sn.Paths {
		w.Paths[i] = DisplayForm(p)
		w.PathsRaw = append(w.PathsRaw, []byte(p))
	}
	return json.Marshal(w)
}

// DecodeSnapshot parses the JSON of a snapshot manifest (encodeSnapshot's
// inverse). The result has no ID; Load sets it. A "paths_raw" that does
// not match "paths" is ignored: the display forms are still usable.
func DecodeSnapshot(buf []byte) (*Snapshot, error) {
	var w snapshotWire
	if err := json.Unmarshal(buf, &w); err != nil {
		return nil, err
	}
	sn := Snapshot(w.snapshotAlias)
	if w.PathsRaw != nil && len(w.PathsRaw) == len(sn.Paths) {
		for i, p := range w.PathsRaw {
			sn.Paths[i] = string(p)
		}
	}
	return &sn, nil
}
