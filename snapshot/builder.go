package snapshot

import (
	"context"
	"fmt"
	"io"
	"os/user"
	"path"
	"strings"
	"time"

	"github.com/sqlvault/sqlvault/repo"
)

// Builder assembles a snapshot from files produced one after another by a
// program rather than read from disk: the folder of scripts a database
// backup consists of. Each file is streamed into the repository as it is
// written, so no file is held in memory.
type Builder struct {
	r     *repo.Repository
	a     *archiver
	root  *dirNode
	now   time.Time
	trees map[repo.ID]*Tree // parent trees already loaded
}

// dirNode is a folder being built.
type dirNode struct {
	dirs  map[string]*dirNode
	files []*Node
}

// NewBuilder starts a snapshot. opts.Parent, if set, is the previous
// snapshot of the same source.
func NewBuilder(r *repo.Repository, opts Options) *Builder {
	return &Builder{r: r, a: newArchiver(r, opts), root: &dirNode{dirs: map[string]*dirNode{}}, now: time.Now(), trees: map[repo.ID]*Tree{}}
}

// parentNode returns the file at p in the parent snapshot, or nil. Trees
// are cached: a database backup looks up one file per table.
func (b *Builder) parentNode(ctx context.Context, p string) *Node {
	if b.a.opts.Parent == nil {
		return nil
	}
	n, err := findNode(b.a.opts.Parent.Tree, p, func(id repo.ID) (*Tree, error) {
		if t := b.trees[id]; t != nil {
			return t, nil
		}
		t, err := LoadTree(ctx, b.r, id)
		if err == nil {
			b.trees[id] = t
		}
		return t, err
	})
	if err != nil || n.Type != TypeFile {
		return nil
	}
	return n
}

// WriteFile stores one file at the slash-separated path p (for example
// "sales/data/dbo.Orders.sql"): write is called with a writer whose bytes
// become the file's content. Parent folders are created as needed. A
// path may be written only once.
func (b *Builder) WriteFile(ctx context.Context, p string, write func(w io.Writer) error) error {
	dir, name, err := b.dirFor(p)
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	done := make(chan struct{})
	var werr error
	go func() {
		defer close(done)
		werr = write(pw)
		pw.CloseWithError(werr)
	}()
	b.a.opts.Counters.setCurrent(p)
	res, err := saveContent(ctx, b.r, pr, b.a.bases(b.parentNode(ctx, p)), b.a.opts.Counters)
	pr.CloseWithError(fmt.Errorf("storing %s stopped", p))
	<-done
	if werr != nil {
		return fmt.Errorf("%s: %w", p, werr)
	}
	if err != nil {
		return fmt.Errorf("store %s: %w", p, err)
	}
	b.a.sum.FilesNew++
	b.a.opts.Counters.file()
	b.a.sum.BytesRead += res.Size
	b.a.sum.BytesTotal += res.Size
	b.a.sum.BytesAdded += res.BytesAdded
	b.a.sum.BlobsAdded += res.BlobsAdded
	n := &Node{Name: name, Type: TypeFile, Mode: 0o644, ModTime: b.now, Size: uint64(res.Size), Content: res.IDs, Hints: res.Hints}
	if u, err := user.Current(); err == nil {
		fmt.Sscan(u.Uid, &n.UID)
		fmt.Sscan(u.Gid, &n.GID)
	}
	dir.files = append(dir.files, n)
	return nil
}

func (b *Builder) dirFor(p string) (*dirNode, string, error) {
	clean := path.Clean("/" + p)
	if clean != "/"+p || strings.HasSuffix(p, "/") {
		return nil, "", fmt.Errorf("invalid file path %q in snapshot", p)
	}
	parts := strings.Split(clean[1:], "/")
	d := b.root
	for _, part := range parts[:len(parts)-1] {
		if !validName(part) {
			return nil, "", fmt.Errorf("invalid folder name %q in %q", part, p)
		}
		next := d.dirs[part]
		if next == nil {
			next = &dirNode{dirs: map[string]*dirNode{}}
			d.dirs[part] = next
		}
		d = next
	}
	name := parts[len(parts)-1]
	if !validName(name) {
		return nil, "", fmt.Errorf("invalid file name %q in %q", name, p)
	}
	if d.dirs[name] != nil {
		return nil, "", fmt.Errorf("%q is already a folder", p)
	}
	for _, f := range d.files {
		if f.Name == name {
			return nil, "", fmt.Errorf("%q was written twice", p)
		}
	}
	return d, name, nil
}

// Abort discards what was written so far (the packs being filled); call it
// instead of Commit when the source failed. Blobs already in finished packs
// stay unreferenced until prune.
func (b *Builder) Abort() { b.r.Abort() }

// Warn records a problem that makes the snapshot incomplete (an object
// that could not be scripted, say); Commit then returns ErrIncomplete.
func (b *Builder) Warn(what string, err error) { b.a.warn(what, err) }

// Commit saves the trees and writes the snapshot manifest with the given
// paths (what was backed up, e.g. the database URL without password) and
// source kind. Nothing is visible in the repository before Commit.
func (b *Builder) Commit(ctx context.Context, paths []string, source string) (*Snapshot, error) {
	root, err := b.saveDir(ctx, b.root)
	if err != nil {
		return nil, err
	}
	return b.a.finish(ctx, root, paths, source)
}

// saveDir stores the subfolders of d and returns d's tree (not yet saved).
func (b *Builder) saveDir(ctx context.Context, d *dirNode) (*Tree, error) {
	t := &Tree{Nodes: append([]*Node(nil), d.files...)}
	for name, sub := range d.dirs {
		st, err := b.saveDir(ctx, sub)
		if err != nil {
			return nil, err
		}
		id, added, err := SaveTree(ctx, b.r, st)
		if err != nil {
			return nil, err
		}
		b.a.sum.Dirs++
		b.a.sum.BytesAdded += int64(added)
		b.a.opts.Counters.added(int64(added))
		t.Nodes = append(t.Nodes, &Node{Name: name, Type: TypeDir, Mode: 0o755, ModTime: b.now, Subtree: &id})
	}
	return t, nil
}
