package snapshot

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"slices"

	"github.com/sqlvault/sqlvault/repo"
)

// Kinds of change reported by Diff.
const (
	Added    = '+' // only in the second snapshot
	Removed  = '-' // only in the first snapshot
	Modified = 'M' // content, link target or type differs
	Metadata = 'U' // only mode, owner or times differ (with DiffOptions.Metadata)
)

// Change is one difference between two snapshots.
type Change struct {
	Kind     byte
	Path     string // slash path inside the snapshots, "/sales/data/dbo.Orders.sql"
	Old, New *Node  // nil for an added or removed item respectively
	// AddedBytes is, for a file of the second snapshot, the stored size of
	// its blobs (with their delta bases) that the first snapshot does not
	// need and no earlier change was charged for.
	AddedBytes int64
}

// DiffStats sums up a diff.
type DiffStats struct {
	// Files, folders and links added, removed, changed, and changed in
	// metadata only.
	Added    int `json:"added"`
	Removed  int `json:"removed"`
	Modified int `json:"modified"`
	Metadata int `json:"metadata"`
	// Blobs (with delta bases) that the second snapshot needs and the
	// first does not, and their stored size: what keeping the second adds
	// to the repository when the first is kept anyway.
	AddedBlobs int   `json:"added_blobs"`
	AddedBytes int64 `json:"added_bytes"`
	// The reverse: what the first needs and the second does not.
	RemovedBlobs int   `json:"removed_blobs"`
	RemovedBytes int64 `json:"removed_bytes"`
}

// DiffOptions control Diff.
type DiffOptions struct {
	// Metadata also reports items whose content is the same but whose
	// mode, owner or modification time differ.
	Metadata bool
}

// Diff compares snapshot a with snapshot b and calls fn for every change,
// in path order. The index must be loaded.
func Diff(ctx context.Context, r *repo.Repository, a, b *Snapshot, opts DiffOptions, fn func(Change) error) (DiffStats, error) {
	var st DiffStats
	needA, err := NeededBlobs(ctx, r, []*Snapshot{a})
	if err != nil {
		return st, fmt.Errorf("snapshot %s: %w", a.ID().Str(), err)
	}
	needB, err := NeededBlobs(ctx, r, []*Snapshot{b})
	if err != nil {
		return st, fmt.Errorf("snapshot %s: %w", b.ID().Str(), err)
	}
	idx := r.Index()
	for id := range needB {
		if !needA.Has(id) {
			if pb, ok := idx.Lookup(id); ok {
				st.AddedBlobs++
				st.AddedBytes += int64(pb.Length)
			}
		}
	}
	for id := range needA {
		if !needB.Has(id) {
			if pb, ok := idx.Lookup(id); ok {
				st.RemovedBlobs++
				st.RemovedBytes += int64(pb.Length)
			}
		}
	}
	needB = nil
	charged := repo.IDSet{}
	addedBytes := func(n *Node) int64 {
		var sum int64
		for _, id := range n.Content {
			for _, x := range []repo.ID{id, baseOf(idx, id)} {
				if x.IsNull() || needA.Has(x) || charged.Has(x) {
					continue
				}
				charged.Add(x)
				if pb, ok := idx.Lookup(x); ok {
					sum += int64(pb.Length)
				}
			}
		}
		return sum
	}
	d := differ{r: r, opts: opts, st: &st, fn: fn, addedBytes: addedBytes}
	if err := d.trees(ctx, &a.Tree, &b.Tree, "/"); err != nil {
		return st, err
	}
	return st, nil
}

func baseOf(idx *repo.Index, id repo.ID) repo.ID {
	if pb, ok := idx.Lookup(id); ok && pb.Enc == repo.EncDelta {
		return pb.Base
	}
	return repo.ID{}
}

type differ struct {
	r          *repo.Repository
	opts       DiffOptions
	st         *DiffStats
	fn         func(Change) error
	addedBytes func(*Node) int64
}

func (d *differ) emit(c Change) error {
	switch c.Kind {
	case Added:
		d.st.Added++
	case Removed:
		d.st.Removed++
	case Modified:
		d.st.Modified++
	case Metadata:
		d.st.Metadata++
	}
	if c.New != nil && c.New.Type == TypeFile && c.Kind != Removed {
		c.AddedBytes = d.addedBytes(c.New)
	}
	return d.fn(c)
}

// trees compares two trees (either may be nil: absent) below dir.
func (d *differ) trees(ctx context.Context, a, b *repo.ID, dir string) error {
	if a != nil && b != nil && *a == *b {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var ta, tb []*Node
	if a != nil {
		t, err := LoadTree(ctx, d.r, *a)
		if err != nil {
			return err
		}
		ta = t.Nodes
	}
	if b != nil {
		t, err := LoadTree(ctx, d.r, *b)
		if err != nil {
			return err
		}
		tb = t.Nodes
	}
	for len(ta) > 0 || len(tb) > 0 {
		var na, nb *Node
		switch {
		case len(tb) == 0 || (len(ta) > 0 && ta[0].Name < tb[0].Name):
			na, ta = ta[0], ta[1:]
		case len(ta) == 0 || tb[0].Name < ta[0].Name:
			nb, tb = tb[0], tb[1:]
		default:
			na, nb, ta, tb = ta[0], tb[0], ta[1:], tb[1:]
		}
		if err := d.nodes(ctx, na, nb, dir); err != nil {
			return err
		}
	}
	return nil
}

// nodes compares the items of the same name in both snapshots.
func (d *differ) nodes(ctx context.Context, a, b *Node, dir string) error {
	name := ""
	if a != nil {
		name = a.Name
	} else {
		name = b.Name
	}
	p := path.Join(dir, name)
	switch {
	case b == nil:
		if err := d.emit(Change{Kind: Removed, Path: p, Old: a}); err != nil {
			return err
		}
		if a.Type == TypeDir {
			return d.trees(ctx, a.Subtree, nil, p)
		}
		return nil
	case a == nil:
		if err := d.emit(Change{Kind: Added, Path: p, New: b}); err != nil {
			return err
		}
		if b.Type == TypeDir {
			return d.trees(ctx, nil, b.Subtree, p)
		}
		return nil
	case a.Type != b.Type:
		if err := d.emit(Change{Kind: Modified, Path: p, Old: a, New: b}); err != nil {
			return err
		}
		var sa, sb *repo.ID
		if a.Type == TypeDir {
			sa = a.Subtree
		}
		if b.Type == TypeDir {
			sb = b.Subtree
		}
		return d.trees(ctx, sa, sb, p)
	case a.Type == TypeDir:
		if d.opts.Metadata && !sameMeta(a, b) {
			if err := d.emit(Change{Kind: Metadata, Path: p, Old: a, New: b}); err != nil {
				return err
			}
		}
		return d.trees(ctx, a.Subtree, b.Subtree, p)
	case !slices.Equal(a.Content, b.Content) || a.LinkTarget != b.LinkTarget || a.Size != b.Size || a.Device != b.Device:
		return d.emit(Change{Kind: Modified, Path: p, Old: a, New: b})
	case d.opts.Metadata && !sameMeta(a, b):
		return d.emit(Change{Kind: Metadata, Path: p, Old: a, New: b})
	}
	return nil
}

func sameMeta(a, b *Node) bool {
	return a.Mode == b.Mode && a.UID == b.UID && a.GID == b.GID && a.ModTime.Equal(b.ModTime) && a.Links == b.Links &&
		slices.EqualFunc(a.Xattrs, b.Xattrs, func(x, y Xattr) bool { return x.Name == y.Name && bytes.Equal(x.Value, y.Value) })
}
