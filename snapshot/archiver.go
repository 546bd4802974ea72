package snapshot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/sqlvault/sqlvault/repo"
)

// ErrIncomplete is returned (wrapped) by Backup when some source items could
// not be read; the snapshot was still written with everything else.
var ErrIncomplete = errors.New("backup incomplete")

// Options set the manifest fields and behaviour of a backup.
type Options struct {
	Tags     []string
	Hostname string    // defaults to os.Hostname
	Time     time.Time // defaults to now
	Parent   *Snapshot // unchanged files are taken from here without reading
	Program  string
	// Warn is called for each source item that cannot be read; the backup
	// goes on without it.
	Warn func(path string, err error)
	// Items names what the source holds, in the error of an incomplete
	// backup ("some files could not be read"): "files" when empty; a
	// database's backup says "tables".
	Items string
	// Skipped is called for each item left out on purpose (sockets, and
	// those Exclude, ExcludeCaches or OneFileSystem leave out) with the
	// reason; it does not make the backup incomplete.
	Skipped func(path, reason string)
	// Exclude, if set, is asked about every item of a file backup (a given
	// path included, the folders above it not); an item it accepts is left
	// out, with all it holds, and counted in Summary.Excluded.
	Exclude func(path string, fi fs.FileInfo) bool
	// ExcludeCaches leaves out the contents of folders that hold a
	// CACHEDIR.TAG file with the standard signature
	// (https://bford.info/cachedir/), except that file.
	ExcludeCaches bool
	// OneFileSystem does not cross into other file systems than those of
	// the given paths: a mount point is stored as an empty folder.
	OneFileSystem bool
	// Progress is called after each file is saved, with its path.
	Progress func(path string, size int64, unchanged bool)
	// Counters, if set, receive the running totals as the backup goes.
	Counters *Counters
	// NoDelta stores every new chunk in full instead of as a delta against
	// the matching chunk of the parent snapshot.
	NoDelta bool
	// BeforeCommit, if set, is called after all data is read and before
	// anything is made durable; an error aborts the backup and no snapshot
	// is written. BackupStream uses it to wait for a source command.
	BeforeCommit func() error
}

type archiver struct {
	r      *repo.Repository
	opts   Options
	sum    Summary
	prev   *parentLookup   // a file backup's parent snapshot
	devs   map[uint64]bool // with OneFileSystem: the file systems of the given paths
	layout string          // the snapshot's Layout
}

func newArchiver(r *repo.Repository, opts Options) *archiver {
	if opts.Hostname == "" {
		opts.Hostname, _ = os.Hostname()
	}
	if opts.Time.IsZero() {
		opts.Time = time.Now()
	}
	return &archiver{r: r, opts: opts, sum: Summary{Start: time.Now()}}
}

// bases returns the delta base finder for a file whose previous version
// is prev, or nil when deltas are off.
func (a *archiver) bases(prev *Node) *baseFinder {
	if a.opts.NoDelta {
		return nil
	}
	return newBaseFinder(prev, a.r.Index())
}

func (a *archiver) warn(p string, err error) {
	a.sum.Errors++
	a.opts.Counters.failed()
	if a.opts.Warn != nil {
		a.opts.Warn(p, err)
	}
}

// finish flushes the repository and writes the snapshot manifest. Nothing
// becomes visible before this: a backup that fails earlier leaves only
// unreferenced packs.
func (a *archiver) finish(ctx context.Context, root *Tree, paths []string, source string) (*Snapshot, error) {
	id, n, err := SaveTree(ctx, a.r, root)
	if err != nil {
		return nil, err
	}
	a.sum.BytesAdded += int64(n)
	a.opts.Counters.added(int64(n))
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if a.opts.BeforeCommit != nil {
		if err := a.opts.BeforeCommit(); err != nil {
			return nil, err
		}
	}
	if err := a.r.Flush(ctx); err != nil {
		return nil, err
	}
	a.sum.End = time.Now()
	a.sum.Incomplete = a.sum.Errors > 0
	sn := &Snapshot{Time: a.opts.Time, Tree: id, Paths: paths, Source: source, Hostname: a.opts.Hostname,
		Tags: a.opts.Tags, Program: a.opts.Program, Summary: &a.sum, Layout: a.layout}
	if u, err := user.Current(); err == nil {
		sn.Username = u.Username
	}
	if a.opts.Parent != nil {
		pid := a.opts.Parent.ID()
		sn.Parent = &pid
	}
	if _, err := Save(ctx, a.r, sn); err != nil {
		return nil, err
	}
	if a.sum.Incomplete {
		items := a.opts.Items
		if items == "" {
			items = "files"
		}
		return sn, fmt.Errorf("%w: some %s could not be read (%d unreadable)", ErrIncomplete, items, a.sum.Errors)
	}
	return sn, nil
}

// BackupStream stores one stream (standard input or a command's output) as
// a snapshot holding a single file called name.
func BackupStream(ctx context.Context, r *repo.Repository, name, source string, rd io.Reader, opts Options) (_ *Snapshot, err error) {
	defer abortOnError(r, &err)
	if !validName(name) {
		return nil, fmt.Errorf("invalid file name %q for the stream: use a plain name without '/'", name)
	}
	a := newArchiver(r, opts)
	var prev *Node
	if opts.Parent != nil {
		if t, err := LoadTree(ctx, r, opts.Parent.Tree); err == nil {
			prev = t.Find(name)
		}
	}
	opts.Counters.setCurrent(name)
	res, err := saveContent(ctx, r, rd, a.bases(prev), opts.Counters)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", source, err)
	}
	a.sum.FilesNew = 1
	opts.Counters.file()
	a.sum.BytesRead, a.sum.BytesTotal, a.sum.BytesAdded, a.sum.BlobsAdded = res.Size, res.Size, res.BytesAdded, res.BlobsAdded
	now := time.Now()
	node := &Node{Name: name, Type: TypeFile, Mode: 0o600, ModTime: now, Size: uint64(res.Size), Content: res.IDs, Hints: res.Hints}
	if u, err := user.Current(); err == nil {
		fmt.Sscan(u.Uid, &node.UID)
		fmt.Sscan(u.Gid, &node.GID)
	}
	return a.finish(ctx, &Tree{Nodes: []*Node{node}}, []string{name}, source)
}

// CleanPaths returns the absolute, clean form of each path (symbolic
// links in them are not resolved), sorted and without duplicates: the
// paths a file snapshot records, and what parent selection compares.
func CleanPaths(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		ap, err := filepath.Abs(p)
		if err != nil {
			return nil, fmt.Errorf("path %s: %w", p, err)
		}
		out = append(out, ap)
	}
	sort.Strings(out)
	return slices.Compact(out), nil
}

// Backup stores files, directories and symbolic links given by paths.
// The snapshot keeps their absolute paths, as restic does: backing up
// /home/ann/docs gives a root tree with a folder home, holding ann, holding
// docs. The folders above a given path (home, ann) are stored with their
// own metadata and only the entries that lead to given paths. A path inside
// another given path adds nothing; "/" stores the whole file system.
// Items that cannot be read are reported through Options.Warn and left
// out; the snapshot is still written and the error wraps ErrIncomplete.
func Backup(ctx context.Context, r *repo.Repository, paths []string, opts Options) (_ *Snapshot, err error) {
	defer abortOnError(r, &err)
	a := newArchiver(r, opts)
	abs, err := CleanPaths(paths)
	if err != nil {
		return nil, err
	}
	if opts.OneFileSystem {
		a.devs = map[uint64]bool{}
		for _, ap := range abs {
			if fi, err := os.Lstat(ap); err == nil {
				a.devs[deviceOf(fi)] = true
			}
		}
	}
	root := &sourceDir{}
	for _, ap := range abs {
		root.add(ap)
	}
	a.prev = newParentLookup(ctx, r, opts.Parent)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var t *Tree
	if root.source {
		// "/" itself: the root tree is the listing of /.
		t, err = a.dirTree(ctx, "/", a.prev.tree("/"))
		if t == nil && err == nil {
			t = &Tree{}
		}
	} else {
		t, err = a.sourceTree(ctx, root, "/")
	}
	if err != nil {
		return nil, err
	}
	a.layout = LayoutAbsolute
	return a.finish(ctx, t, abs, SourceFiles)
}

// sourceDir is a folder on the way to the given paths: its entries that
// are given paths or lead to them.
type sourceDir struct {
	source bool // the folder is a given path: store it all
	dirs   map[string]*sourceDir
}

// add records the absolute, clean path p. A path inside a given one is
// already covered by it.
func (d *sourceDir) add(p string) {
	for _, name := range strings.Split(strings.Trim(p, "/"), "/") {
		if d.source {
			return
		}
		if name == "" {
			break // p is "/"
		}
		if d.dirs == nil {
			d.dirs = map[string]*sourceDir{}
		}
		next := d.dirs[name]
		if next == nil {
			next = &sourceDir{}
			d.dirs[name] = next
		}
		d = next
	}
	d.source, d.dirs = true, nil
}

// sourceTree builds the tree of folder d at path p: given paths are stored
// whole, folders on the way to them with their metadata and these entries
// only.
func (a *archiver) sourceTree(ctx context.Context, d *sourceDir, p string) (*Tree, error) {
	t := &Tree{}
	names := make([]string, 0, len(d.dirs))
	for name := range d.dirs {
		names = append(names, name)
	}
	sort.Strings(names) // in name order, as folders are read
	for _, name := range names {
		sub := d.dirs[name]
		cp := filepath.Join(p, name)
		if sub.source {
			n, err := a.saveItem(ctx, cp, name, a.prev.node(cp))
			if err != nil {
				return nil, err
			}
			if n != nil {
				t.Nodes = append(t.Nodes, n)
			}
			continue
		}
		// A folder on the way: followed if it is a symbolic link, as the
		// path given through it was.
		fi, err := os.Stat(cp)
		if err == nil && !fi.IsDir() {
			err = fmt.Errorf("not a folder")
		}
		if err != nil {
			a.warn(cp, err)
			continue
		}
		n := nodeFromInfo(name, fi)
		n.Type = TypeDir
		st, err := a.sourceTree(ctx, sub, cp)
		if err != nil {
			return nil, err
		}
		if err := a.storeDir(ctx, n, st); err != nil {
			return nil, err
		}
		t.Nodes = append(t.Nodes, n)
	}
	return t, nil
}

// parentLookup finds the previous version of a given path in the parent
// snapshot. A parent written before snapshots kept absolute paths (no
// layout) has each given path at the top, named by its base name.
type parentLookup struct {
	ctx   context.Context
	r     *repo.Repository
	sn    *Snapshot
	trees map[repo.ID]*Tree
}

func newParentLookup(ctx context.Context, r *repo.Repository, sn *Snapshot) *parentLookup {
	return &parentLookup{ctx: ctx, r: r, sn: sn, trees: map[repo.ID]*Tree{}}
}

func (l *parentLookup) load(id repo.ID) (*Tree, error) {
	if t := l.trees[id]; t != nil {
		return t, nil
	}
	t, err := LoadTree(l.ctx, l.r, id)
	if err == nil {
		l.trees[id] = t
	}
	return t, err
}

// node returns the parent's node for the given path p, or nil. A parent
// whose trees cannot be read only costs speed: every file is read again.
func (l *parentLookup) node(p string) *Node {
	if l.sn == nil {
		return nil
	}
	if l.sn.Layout != LayoutAbsolute {
		t, err := l.load(l.sn.Tree)
		if err != nil {
			return nil
		}
		return t.Find(filepath.Base(p))
	}
	n, err := findNode(l.sn.Tree, p, l.load)
	if err != nil {
		return nil
	}
	return n
}

// tree returns the parent's tree of the folder at p, or nil.
func (l *parentLookup) tree(p string) *Tree {
	if l.sn == nil || (l.sn.Layout != LayoutAbsolute && p == "/") {
		return nil
	}
	n := l.node(p)
	if n == nil || n.Type != TypeDir || n.Subtree == nil {
		return nil
	}
	t, err := l.load(*n.Subtree)
	if err != nil {
		return nil
	}
	return t
}

// deviceOf returns the device number of the file system holding fi.
func deviceOf(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev)
	}
	return 0
}

// skip counts an item left out on purpose and reports it.
func (a *archiver) skip(p, reason string, excluded bool) {
	if excluded {
		a.sum.Excluded++
	}
	if a.opts.Skipped != nil {
		a.opts.Skipped(p, reason)
	}
}

// saveItem stores one file system item and returns its node, or nil when it
// was skipped with a warning. Errors returned are fatal (repository, context).
func (a *archiver) saveItem(ctx context.Context, path, name string, prev *Node) (*Node, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fi, err := os.Lstat(path)
	if err != nil {
		a.warn(path, err)
		return nil, nil
	}
	if fi.Mode()&fs.ModeSocket != 0 {
		a.skip(path, "socket", false)
		return nil, nil
	}
	if a.opts.Exclude != nil && a.opts.Exclude(path, fi) {
		a.skip(path, "excluded", true)
		return nil, nil
	}
	otherFS := a.devs != nil && !a.devs[deviceOf(fi)]
	if otherFS && !fi.IsDir() {
		a.skip(path, "on another file system", true)
		return nil, nil
	}
	xattrs, xerr := readXattrs(path)
	n := nodeFromInfo(name, fi)
	switch {
	case fi.Mode().IsRegular():
		n, err = a.saveFile(ctx, path, n, prev)
	case fi.IsDir() && otherFS:
		// A mount point: kept as an empty folder, as restic does.
		a.skip(path, "mount point: stored empty", false)
		n, err = a.saveDir(ctx, "", n, nil)
	case fi.IsDir():
		n, err = a.saveDir(ctx, path, n, prev)
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(path)
		if err != nil {
			a.warn(path, err)
			return nil, nil
		}
		n.Type, n.LinkTarget = TypeSymlink, target
	case specialNode(n, fi):
	default:
		a.warn(path, fmt.Errorf("skipped: special file (%v)", fi.Mode().Type()))
		return nil, nil
	}
	if n == nil || err != nil {
		return n, err
	}
	if xerr != nil {
		a.warn(path, xerr) // the item is kept without (some of) its attributes
	}
	n.Xattrs = xattrs
	return n, nil
}

func nodeFromInfo(name string, fi fs.FileInfo) *Node {
	n := &Node{Name: name, Mode: fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky), ModTime: fi.ModTime()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		n.UID, n.GID, n.Inode = st.Uid, st.Gid, st.Ino
		if st.Nlink > 1 && !fi.IsDir() {
			n.Links, n.DeviceID = uint64(st.Nlink), uint64(st.Dev)
		}
		n.ChangeTime = time.Unix(st.Ctim.Sec, st.Ctim.Nsec)
	}
	return n
}

// unchanged reports whether a file can be taken from the parent snapshot
// without reading it: same size, modification and change time, and inode.
func unchanged(n, prev *Node) bool {
	return prev != nil && prev.Type == TypeFile && prev.Size == n.Size && prev.ModTime.Equal(n.ModTime) &&
		prev.ChangeTime.Equal(n.ChangeTime) && prev.Inode == n.Inode
}

func (a *archiver) saveFile(ctx context.Context, path string, n, prev *Node) (*Node, error) {
	n.Type = TypeFile
	f, err := os.Open(path)
	if err != nil {
		a.warn(path, err)
		return nil, nil
	}
	defer f.Close()
	// Stat the open file: the node must describe what is read.
	fi, err := f.Stat()
	if err != nil {
		a.warn(path, err)
		return nil, nil
	}
	if !fi.Mode().IsRegular() {
		a.warn(path, fmt.Errorf("changed type during backup"))
		return nil, nil
	}
	n = nodeFromInfo(n.Name, fi)
	n.Type = TypeFile
	n.Size = uint64(fi.Size())
	a.sum.BytesTotal += fi.Size()
	if unchanged(n, prev) && a.indexed(prev.Content) {
		n.Content, n.Hints = prev.Content, prev.Hints
		a.sum.FilesUnchanged++
		a.opts.Counters.bytes(fi.Size())
		a.opts.Counters.file()
		if a.opts.Progress != nil {
			a.opts.Progress(path, fi.Size(), true)
		}
		return n, nil
	}
	a.opts.Counters.setCurrent(path)
	res, err := saveContent(ctx, a.r, f, a.bases(prev), a.opts.Counters)
	if err != nil {
		if ctx.Err() != nil || !isReadError(err) {
			return nil, fmt.Errorf("save %s: %w", path, err)
		}
		a.warn(path, err)
		return nil, nil
	}
	n.Content, n.Size, n.Hints = res.IDs, uint64(res.Size), res.Hints
	a.sum.BytesTotal += res.Size - fi.Size()
	a.sum.BytesRead += res.Size
	a.sum.BytesAdded += res.BytesAdded
	a.sum.BlobsAdded += res.BlobsAdded
	if prev != nil {
		a.sum.FilesChanged++
	} else {
		a.sum.FilesNew++
	}
	a.opts.Counters.file()
	if a.opts.Progress != nil {
		a.opts.Progress(path, res.Size, false)
	}
	return n, nil
}

// indexed reports whether every blob is in the index: content of the
// parent that a damaged or removed index file named is stored again.
func (a *archiver) indexed(ids []repo.ID) bool {
	for _, id := range ids {
		if !a.r.Index().Has(id) {
			return false
		}
	}
	return true
}

// isReadError reports whether err came from reading the source (to be
// warned about) rather than from the repository (fatal).
func isReadError(err error) bool {
	var se *SourceError
	return errors.As(err, &se)
}

// saveDir stores the folder at path with node n; an empty path stores it
// empty.
func (a *archiver) saveDir(ctx context.Context, path string, n, prev *Node) (*Node, error) {
	n.Type = TypeDir
	t := &Tree{}
	if path != "" {
		var prevTree *Tree
		if prev != nil && prev.Type == TypeDir && prev.Subtree != nil {
			if pt, err := LoadTree(ctx, a.r, *prev.Subtree); err == nil {
				prevTree = pt
			}
		}
		var err error
		if t, err = a.dirTree(ctx, path, prevTree); t == nil || err != nil {
			return nil, err
		}
	}
	if err := a.storeDir(ctx, n, t); err != nil {
		return nil, err
	}
	return n, nil
}

// storeDir saves t as the contents of folder node n and counts it.
func (a *archiver) storeDir(ctx context.Context, n *Node, t *Tree) error {
	id, added, err := SaveTree(ctx, a.r, t)
	if err != nil {
		return err
	}
	a.sum.Dirs++
	a.sum.BytesAdded += int64(added)
	a.opts.Counters.added(int64(added))
	n.Subtree = &id
	return nil
}

// CacheDirTag is the file that marks a cache folder, and
// cacheDirSignature what it starts with (https://bford.info/cachedir/).
const (
	CacheDirTag       = "CACHEDIR.TAG"
	cacheDirSignature = "Signature: 8a477f597d28d172789f06886806bc55"
)

// isCacheDir reports whether the folder at path, whose entries are
// given, holds a CACHEDIR.TAG file with the signature.
func isCacheDir(path string, entries []fs.DirEntry) bool {
	i, ok := slices.BinarySearchFunc(entries, CacheDirTag, func(e fs.DirEntry, name string) int { return strings.Compare(e.Name(), name) })
	if !ok || !entries[i].Type().IsRegular() {
		return false
	}
	f, err := os.Open(filepath.Join(path, CacheDirTag))
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, len(cacheDirSignature))
	_, err = io.ReadFull(f, buf)
	return err == nil && string(buf) == cacheDirSignature
}

// dirTree reads the folder at path and stores its entries; it returns nil
// (after a warning) when the folder cannot be read. prevTree is the
// folder's tree in the parent snapshot, or nil.
func (a *archiver) dirTree(ctx context.Context, path string, prevTree *Tree) (*Tree, error) {
	entries, err := os.ReadDir(path)
	if err != nil {
		a.warn(path, err)
		return nil, nil
	}
	cache := a.opts.ExcludeCaches && isCacheDir(path, entries)
	t := &Tree{}
	for _, e := range entries {
		cp := filepath.Join(path, e.Name())
		if cache && e.Name() != CacheDirTag {
			a.skip(cp, "in a cache folder", true)
			continue
		}
		var pn *Node
		if prevTree != nil {
			pn = prevTree.Find(e.Name())
		}
		child, err := a.saveItem(ctx, cp, e.Name(), pn)
		if err != nil {
			return nil, err
		}
		if child != nil {
			t.Nodes = append(t.Nodes, child)
		}
	}
	return t, nil
}

// abortOnError discards unfinished packs when a backup fails.
func abortOnError(r *repo.Repository, err *error) {
	if *err != nil && !errors.Is(*err, ErrIncomplete) {
		r.Abort()
	}
}
