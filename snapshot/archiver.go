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
	"sort"
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
	// Skipped is called for each item left out on purpose (sockets); it
	// does not make the backup incomplete.
	Skipped func(path, reason string)
	// Progress is called after each file is saved, with its path.
	Progress func(path string, size int64, unchanged bool)
	// NoDelta stores every new chunk in full instead of as a delta against
	// the matching chunk of the parent snapshot.
	NoDelta bool
	// BeforeCommit, if set, is called after all data is read and before
	// anything is made durable; an error aborts the backup and no snapshot
	// is written. BackupStream uses it to wait for a source command.
	BeforeCommit func() error
}

type archiver struct {
	r    *repo.Repository
	opts Options
	sum  Summary
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
		Tags: a.opts.Tags, Program: a.opts.Program, Summary: &a.sum}
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
	res, err := saveContent(ctx, r, rd, a.bases(prev))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", source, err)
	}
	a.sum.FilesNew = 1
	a.sum.BytesRead, a.sum.BytesTotal, a.sum.BytesAdded, a.sum.BlobsAdded = res.Size, res.Size, res.BytesAdded, res.BlobsAdded
	now := time.Now()
	node := &Node{Name: name, Type: TypeFile, Mode: 0o600, ModTime: now, Size: uint64(res.Size), Content: res.IDs, Hints: res.Hints}
	if u, err := user.Current(); err == nil {
		fmt.Sscan(u.Uid, &node.UID)
		fmt.Sscan(u.Gid, &node.GID)
	}
	return a.finish(ctx, &Tree{Nodes: []*Node{node}}, []string{name}, source)
}

// Backup stores files, directories and symbolic links given by paths. Each
// path becomes a top-level node named by its base name. Items that cannot
// be read are reported through Options.Warn and left out; the snapshot is
// still written and the error wraps ErrIncomplete.
func Backup(ctx context.Context, r *repo.Repository, paths []string, opts Options) (_ *Snapshot, err error) {
	defer abortOnError(r, &err)
	a := newArchiver(r, opts)
	var abs []string
	root := &Tree{}
	var parentRoot *Tree
	if opts.Parent != nil {
		// A parent whose tree cannot be read (damaged or missing from the
		// index) only costs speed: every file is read again.
		if t, err := LoadTree(ctx, r, opts.Parent.Tree); err == nil {
			parentRoot = t
		} else if ctx.Err() != nil {
			return nil, err
		}
	}
	seen := map[string]string{}
	for _, p := range paths {
		ap, err := filepath.Abs(p)
		if err != nil {
			return nil, fmt.Errorf("path %s: %w", p, err)
		}
		name := filepath.Base(ap)
		if ap == "/" {
			return nil, fmt.Errorf("backing up / as a whole is not supported: name its folders")
		}
		if other, dup := seen[name]; dup {
			return nil, fmt.Errorf("%s and %s have the same name %q: back them up in separate snapshots or from their parent folder", other, ap, name)
		}
		seen[name] = ap
		abs = append(abs, ap)
	}
	sort.Strings(abs)
	for _, ap := range abs {
		var prev *Node
		if parentRoot != nil {
			prev = parentRoot.Find(filepath.Base(ap))
		}
		n, err := a.saveItem(ctx, ap, filepath.Base(ap), prev)
		if err != nil {
			return nil, err
		}
		if n != nil {
			root.Nodes = append(root.Nodes, n)
		}
	}
	return a.finish(ctx, root, abs, SourceFiles)
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
		if a.opts.Skipped != nil {
			a.opts.Skipped(path, "socket")
		}
		return nil, nil
	}
	xattrs, xerr := readXattrs(path)
	n := nodeFromInfo(name, fi)
	switch {
	case fi.Mode().IsRegular():
		n, err = a.saveFile(ctx, path, n, prev)
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
		if a.opts.Progress != nil {
			a.opts.Progress(path, fi.Size(), true)
		}
		return n, nil
	}
	res, err := saveContent(ctx, a.r, f, a.bases(prev))
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

func (a *archiver) saveDir(ctx context.Context, path string, n, prev *Node) (*Node, error) {
	n.Type = TypeDir
	entries, err := os.ReadDir(path)
	if err != nil {
		a.warn(path, err)
		return nil, nil
	}
	var prevTree *Tree
	if prev != nil && prev.Type == TypeDir && prev.Subtree != nil {
		if t, err := LoadTree(ctx, a.r, *prev.Subtree); err == nil {
			prevTree = t
		}
	}
	t := &Tree{}
	for _, e := range entries {
		var pn *Node
		if prevTree != nil {
			pn = prevTree.Find(e.Name())
		}
		child, err := a.saveItem(ctx, filepath.Join(path, e.Name()), e.Name(), pn)
		if err != nil {
			return nil, err
		}
		if child != nil {
			t.Nodes = append(t.Nodes, child)
		}
	}
	id, added, err := SaveTree(ctx, a.r, t)
	if err != nil {
		return nil, err
	}
	a.sum.Dirs++
	a.sum.BytesAdded += int64(added)
	n.Subtree = &id
	return n, nil
}

// abortOnError discards unfinished packs when a backup fails.
func abortOnError(r *repo.Repository, err *error) {
	if *err != nil && !errors.Is(*err, ErrIncomplete) {
		r.Abort()
	}
}
