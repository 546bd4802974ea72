package snapshot

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/sqlvault/sqlvault/repo"
)

// RestoreOptions control a restore.
type RestoreOptions struct {
	// Include limits the restore to paths matching one of these patterns
	// (path.Match syntax, matched against the slash path inside the
	// snapshot, "/a/b"); a matching directory brings all its contents.
	// Empty means everything.
	Include []string
	// Progress is called after each file is restored.
	Progress func(path string, size int64)
	// Warn is called for items whose metadata could not be restored; the
	// restore goes on.
	Warn func(path string, err error)
	// Counters, if set, receive the files restored and the bytes written
	// as the restore goes (a file restored as a hard link counts its
	// size, as RestoreSize does).
	Counters *Counters
}

// RestoreStats counts what a restore wrote.
type RestoreStats struct {
	Files, Dirs, Symlinks int
	Special               int // FIFOs and device files
	Hardlinks             int // files restored as a link to one restored before (counted in Files too)
	Bytes                 int64
}

// ErrDamaged wraps errors that come from damaged repository data, so that
// callers can tell them from local problems.
var ErrDamaged = errors.New("repository data is damaged")

// Restore writes the snapshot's tree below target, creating it if needed.
// Files are written with their content, then ownership (as root), extended
// attributes, mode and modification time; directories get theirs after
// their contents. Items that were hard links to each other are linked again
// when both are restored; FIFOs are recreated, device files too when
// running as root (otherwise with a warning).
func Restore(ctx context.Context, r *repo.Repository, sn *Snapshot, target string, opts RestoreOptions) (RestoreStats, error) {
	var st RestoreStats
	for _, pat := range opts.Include {
		if _, err := path.Match(pat, ""); err != nil {
			return st, fmt.Errorf("invalid --include pattern %q: %w", pat, err)
		}
	}
	if err := os.MkdirAll(target, 0o700); err != nil {
		return st, fmt.Errorf("create target: %w", err)
	}
	rs := &restorer{r: r, opts: opts, stats: &st, links: map[linkKey]string{}}
	if err := rs.restoreTree(ctx, sn.Tree, "/", target, len(opts.Include) == 0); err != nil {
		return st, err
	}
	switch len(rs.failed) {
	case 0:
		return st, nil
	case 1:
		return st, fmt.Errorf("%w: %s could not be restored (everything else was)", ErrDamaged, rs.failed[0])
	}
	return st, fmt.Errorf("%w: %d files could not be restored (everything else was); first: %s", ErrDamaged, len(rs.failed), rs.failed[0])
}

type restorer struct {
	r      *repo.Repository
	opts   RestoreOptions
	stats  *RestoreStats
	failed []string // files that could not be restored because their data is damaged
	links  map[linkKey]string
}

// selected reports whether p is included, and whether anything below it
// could be (so its folder must be walked).
func (rs *restorer) selected(p string) (included, descend bool) {
	for _, pat := range rs.opts.Include {
		if ok, _ := path.Match(pat, p); ok {
			return true, true
		}
		// A pattern below p: walk p to reach it.
		if prefixMatch(pat, p) {
			descend = true
		}
	}
	return false, descend
}

// prefixMatch reports whether the first components of pattern match all
// the components of dir.
func prefixMatch(pattern, dir string) bool {
	pc := strings.Split(strings.Trim(pattern, "/"), "/")
	dc := strings.Split(strings.Trim(dir, "/"), "/")
	if len(dc) >= len(pc) {
		return false
	}
	for i, d := range dc {
		if ok, _ := path.Match(pc[i], d); !ok {
			return false
		}
	}
	return true
}

func (rs *restorer) warn(p string, err error) {
	rs.opts.Counters.failed()
	if rs.opts.Warn != nil {
		rs.opts.Warn(p, err)
	}
}

func (rs *restorer) restoreTree(ctx context.Context, id repo.ID, snapPath, dir string, all bool) error {
	t, err := LoadTree(ctx, rs.r, id)
	if errors.Is(err, ErrDamaged) {
		return fmt.Errorf("%s: %w", snapPath, err)
	}
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrDamaged, snapPath, err)
	}
	for _, n := range t.Nodes {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := path.Join(snapPath, n.Name)
		inc, descend := all, all
		if !all {
			inc, descend = rs.selected(p)
		}
		if !inc && !(descend && n.Type == TypeDir) {
			continue
		}
		dst := filepath.Join(dir, n.Name)
		if rs.linkRestored(dst, n) {
			rs.stats.Files++
			rs.stats.Hardlinks++
			if n.Type == TypeFile {
				rs.opts.Counters.bytes(int64(n.Size))
				rs.opts.Counters.file()
			}
			if rs.opts.Progress != nil {
				rs.opts.Progress(p, int64(n.Size))
			}
			continue
		}
		switch n.Type {
		case TypeDir:
			// Never follow a symlink that is in the way: replace it.
			if fi, err := os.Lstat(dst); err == nil && !fi.IsDir() {
				if err := os.Remove(dst); err != nil {
					return fmt.Errorf("restore %s: %w", dst, err)
				}
			}
			if err := os.Mkdir(dst, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("restore %s: %w", dst, err)
			}
			if n.Subtree != nil {
				if err := rs.restoreTree(ctx, *n.Subtree, p, dst, inc); err != nil {
					return err
				}
			}
			rs.stats.Dirs++
			rs.setMeta(dst, n)
		case TypeFile:
			rs.opts.Counters.setCurrent(p)
			if err := rs.restoreFile(ctx, dst, n); err != nil {
				if ctx.Err() != nil || !damaged(err) {
					return err
				}
				// Damaged data costs this file only: say so and go on.
				rs.warn(p, err)
				rs.failed = append(rs.failed, fmt.Sprintf("%s (%v)", p, err))
				continue
			}
			rs.stats.Files++
			rs.stats.Bytes += int64(n.Size)
			rs.opts.Counters.file()
			rs.restored(dst, n)
			if rs.opts.Progress != nil {
				rs.opts.Progress(p, int64(n.Size))
			}
		case TypeSymlink:
			_ = os.Remove(dst)
			if err := os.Symlink(n.LinkTarget, dst); err != nil {
				return fmt.Errorf("restore %s: %w", dst, err)
			}
			rs.stats.Symlinks++
			rs.setMeta(dst, n)
			rs.restored(dst, n)
		case TypeFIFO, TypeCharDev, TypeDev:
			if rs.restoreSpecial(p, dst, n) {
				rs.stats.Special++
				rs.setMeta(dst, n)
				rs.restored(dst, n)
			}
		default:
			rs.warn(p, fmt.Errorf("unknown node type %q skipped", n.Type))
		}
	}
	return nil
}

func (rs *restorer) restoreFile(ctx context.Context, dst string, n *Node) error {
	// O_NOFOLLOW: a symlink in the way is replaced, never written through.
	if fi, err := os.Lstat(dst); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		_ = os.Remove(dst)
	}
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return fmt.Errorf("restore %s: %w", dst, err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	var w io.Writer = bw
	if rs.opts.Counters != nil {
		w = rs.opts.Counters.Writer(bw)
	}
	_, err = WriteContent(ctx, rs.r, n.Content, w)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(dst)
		return fmt.Errorf("restore %s: %w", dst, err)
	}
	rs.setMeta(dst, n)
	return nil
}

// linkRestored links dst to the item restored earlier in this restore
// that was the same file (device and inode) as n when backed up, and
// reports whether it did.
func (rs *restorer) linkRestored(dst string, n *Node) bool {
	if n.Links < 2 || n.Type == TypeDir {
		return false
	}
	first, ok := rs.links[linkKey{n.DeviceID, n.Inode}]
	if !ok {
		return false
	}
	if fi, err := os.Lstat(dst); err == nil && !fi.IsDir() {
		_ = os.Remove(dst)
	}
	// A failure (the first one was replaced meanwhile, a file system
	// without hard links) restores the item on its own instead.
	return os.Link(first, dst) == nil
}

// restored records dst as the first restored item of a hard-linked file.
func (rs *restorer) restored(dst string, n *Node) {
	k := linkKey{n.DeviceID, n.Inode}
	if _, ok := rs.links[k]; n.Links > 1 && !ok {
		rs.links[k] = dst
	}
}

// setMeta applies ownership (when running as root), extended attributes,
// mode and times, in that order: chown clears setuid bits and some
// attributes.
func (rs *restorer) setMeta(dst string, n *Node) {
	if os.Geteuid() == 0 {
		if err := os.Lchown(dst, int(n.UID), int(n.GID)); err != nil {
			rs.warn(dst, err)
		}
	}
	rs.setXattrs(dst, n)
	if n.Type != TypeSymlink {
		if err := os.Chmod(dst, fileMode(n.Mode)); err != nil {
			rs.warn(dst, err)
		}
	}
	ts := []unix.Timespec{unix.NsecToTimespec(n.ModTime.UnixNano()), unix.NsecToTimespec(n.ModTime.UnixNano())}
	if err := unix.UtimesNanoAt(unix.AT_FDCWD, dst, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		rs.warn(dst, err)
	}
}

func fileMode(m fs.FileMode) fs.FileMode {
	return m & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
}

// damaged reports whether err means the repository's data for a file is
// damaged or missing, rather than a local problem such as a full disk.
func damaged(err error) bool {
	return errors.Is(err, repo.ErrAuth) || errors.Is(err, repo.ErrMissingBase) || errors.Is(err, ErrDamaged) ||
		errors.Is(err, repo.ErrBlobMissing) || errors.Is(err, repo.ErrBlobCorrupt)
}
