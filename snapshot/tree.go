package snapshot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/sqlvault/sqlvault/repo"
)

// Node types (restic's names). Sockets are not stored: a socket is only
// meaningful to the process that listens on it.
const (
	TypeFile    = "file"
	TypeDir     = "dir"
	TypeSymlink = "symlink"
	TypeFIFO    = "fifo"    // named pipe
	TypeCharDev = "chardev" // character device, with Device
	TypeDev     = "dev"     // block device, with Device
)

// Node is one entry of a tree: a file, directory, symbolic link, FIFO or
// device file.
type Node struct {
	Name       string      `json:"name"`
	Type       string      `json:"type"`
	Mode       fs.FileMode `json:"mode,omitempty"` // permission bits plus setuid, setgid, sticky
	ModTime    time.Time   `json:"mtime"`
	ChangeTime time.Time   `json:"ctime,omitzero"`
	UID        uint32      `json:"uid"`
	GID        uint32      `json:"gid"`
	Inode      uint64      `json:"inode,omitempty"`
	Size       uint64      `json:"size,omitempty"`
	Content    []repo.ID   `json:"content,omitempty"`
	Hints      []byte      `json:"hints,omitempty"` // 16 bytes per content chunk: hashes of its first and last 256 bytes
	Subtree    *repo.ID    `json:"subtree,omitempty"`
	LinkTarget string      `json:"linktarget,omitempty"`
	// Links and DeviceID are set for non-directories with more than one
	// hard link: restore links the items with the same DeviceID and Inode.
	Links    uint64 `json:"links,omitempty"`
	DeviceID uint64 `json:"device_id,omitempty"`
	Device   uint64 `json:"device,omitempty"` // device number of a chardev or dev node (Linux encoding)
	// Xattrs are the extended attributes, in the order the file system
	// lists them.
	Xattrs []Xattr `json:"xattrs,omitempty"`
}

// Xattr is one extended attribute.
type Xattr struct {
	Name  string `json:"name"`
	Value []byte `json:"value"`
}

// Tree is a directory listing, stored as a JSON tree blob with its nodes
// sorted by the bytes of their names so that the same directory always
// gives the same blob. Names are byte strings: see treejson.go for how
// names that are not UTF-8 are stored.
type Tree struct {
	Nodes []*Node `json:"nodes"`
}

// Find returns the node called name, or nil.
func (t *Tree) Find(name string) *Node {
	i := sort.Search(len(t.Nodes), func(i int) bool { return t.Nodes[i].Name >= name })
	if i < len(t.Nodes) && t.Nodes[i].Name == name {
		return t.Nodes[i]
	}
	return nil
}

// SaveTree sorts and stores a tree, returning its ID and the bytes added.
func SaveTree(ctx context.Context, r *repo.Repository, t *Tree) (repo.ID, int, error) {
	buf, err := encodeTree(t)
	if err != nil {
		return repo.ID{}, 0, fmt.Errorf("encode tree: %w", err)
	}
	return r.SaveBlob(ctx, repo.TreeBlob, buf)
}

// LoadTree reads a tree blob.
func LoadTree(ctx context.Context, r *repo.Repository, id repo.ID) (*Tree, error) {
	buf, err := r.LoadBlob(ctx, repo.TreeBlob, id, nil)
	if err != nil {
		return nil, err
	}
	t, err := DecodeTree(buf)
	if err != nil {
		// Authentic but not a tree: damaged, as a blob that fails to
		// decrypt is.
		return nil, fmt.Errorf("%w: tree %s: %w", ErrDamaged, id.Str(), err)
	}
	return t, nil
}

// DecodeTree parses the JSON of a tree blob and checks its node names.
func DecodeTree(buf []byte) (*Tree, error) {
	var w treeWire
	if err := json.Unmarshal(buf, &w); err != nil {
		return nil, err
	}
	t := Tree{Nodes: fromWire(w)}
	for i, n := range t.Nodes {
		if n == nil || !validName(n.Name) {
			return nil, errors.New("invalid node name")
		}
		// SaveTree writes names strictly sorted; a duplicate name could
		// make a restore write through a symlink of the same name.
		if i > 0 && t.Nodes[i-1].Name >= n.Name {
			return nil, errors.New("node names are not strictly sorted")
		}
	}
	return &t, nil
}

// sortNodes sorts nodes by the bytes of their names.
func sortNodes(nodes []*Node) {
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
}

// validName rejects names that could escape a restore target.
func validName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, "/\x00")
}

// FindNode walks from the root tree to the node at p ("/a/b" or "a/b").
// The root itself is returned as a directory node without a name.
func FindNode(ctx context.Context, r *repo.Repository, root repo.ID, p string) (*Node, error) {
	return findNode(root, p, func(id repo.ID) (*Tree, error) { return LoadTree(ctx, r, id) })
}

// findNode is FindNode with the trees read through load, so that a caller
// that looks up many paths can cache them.
func findNode(root repo.ID, p string, load func(repo.ID) (*Tree, error)) (*Node, error) {
	node := &Node{Type: TypeDir, Subtree: &root}
	clean := strings.Trim(path.Clean("/"+p), "/")
	if clean == "" {
		return node, nil
	}
	for _, name := range strings.Split(clean, "/") {
		if node.Type != TypeDir || node.Subtree == nil {
			return nil, fmt.Errorf("path %q not found in snapshot: %q is not a directory", p, node.Name)
		}
		t, err := load(*node.Subtree)
		if err != nil {
			return nil, err
		}
		node = t.Find(name)
		if node == nil {
			return nil, fmt.Errorf("path %q not found in snapshot", p)
		}
	}
	return node, nil
}

// Walk calls fn for every node below tree id in depth-first name order,
// with the node's slash-separated path relative to the root. fn returning
// fs.SkipDir skips a directory's contents.
func Walk(ctx context.Context, r *repo.Repository, id repo.ID, prefix string, fn func(p string, n *Node) error) error {
	t, err := LoadTree(ctx, r, id)
	if err != nil {
		return err
	}
	for _, n := range t.Nodes {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := path.Join(prefix, n.Name)
		err := fn(p, n)
		if err == fs.SkipDir {
			continue
		}
		if err != nil {
			return err
		}
		if n.Type == TypeDir && n.Subtree != nil {
			if err := Walk(ctx, r, *n.Subtree, p, fn); err != nil {
				return err
			}
		}
	}
	return nil
}
