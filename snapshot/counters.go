package snapshot

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sync/atomic"

	"github.com/sqlvault/sqlvault/repo"
)

// Counters are the running totals of a backup or a restore. The operation
// adds to them atomically as it goes, chunk by chunk, so that another
// goroutine (a progress display sampling them a few times a second) can
// read them at any time without slowing it or being called back.
type Counters struct {
	// Files counts the files finished: saved, taken unchanged from the
	// parent snapshot, or restored.
	Files atomic.Int64
	// Bytes counts the content done: read from the source as chunks are
	// cut (an unchanged file counts its size at once), or written by a
	// restore.
	Bytes atomic.Int64
	// BytesAdded counts what the backup stored in the repository so far
	// (blobs after compression and encryption).
	BytesAdded atomic.Int64
	// Errors counts the items warned about.
	Errors atomic.Int64
	// TotalFiles and TotalBytes are what the whole job holds, as far as
	// it is known (Scan, RestoreSize); Totaled is set once they are
	// complete.
	TotalFiles, TotalBytes atomic.Int64
	Totaled                atomic.Bool

	current atomic.Pointer[string]
}

// Current returns the path of the file being read or written, or "".
func (c *Counters) Current() string {
	if p := c.current.Load(); p != nil {
		return *p
	}
	return ""
}

func (c *Counters) setCurrent(p string) {
	if c != nil {
		c.current.Store(&p)
	}
}

// bytes, added, file and failed are no-ops on a nil *Counters.
func (c *Counters) bytes(n int64) {
	if c != nil {
		c.Bytes.Add(n)
	}
}

func (c *Counters) added(n int64) {
	if c != nil {
		c.BytesAdded.Add(n)
	}
}

func (c *Counters) file() {
	if c != nil {
		c.Files.Add(1)
	}
}

func (c *Counters) failed() {
	if c != nil {
		c.Errors.Add(1)
	}
}

// Writer returns a writer to w that counts the bytes written through it
// in c.Bytes.
func (c *Counters) Writer(w io.Writer) io.Writer { return countingWriter{w: w, c: c} }

// countingWriter counts the bytes written through it in c.Bytes.
type countingWriter struct {
	w io.Writer
	c *Counters
}

func (w countingWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.c.bytes(int64(n))
	return n, err
}

// Scan counts the regular files a Backup of paths with opts would read,
// and their sizes, into c.TotalFiles and c.TotalBytes as it goes, and sets
// c.Totaled when it is done: the total that a progress display needs for
// an estimate of the time left. It only lists folders and reads file
// metadata (no content, no repository), applying opts.Exclude,
// ExcludeCaches and OneFileSystem as Backup does; items it cannot read are
// passed over (Backup warns about them). Run it next to Backup; it stops
// when ctx is done.
func Scan(ctx context.Context, paths []string, opts Options, c *Counters) error {
	abs, err := CleanPaths(paths)
	if err != nil {
		return err
	}
	s := &scanner{opts: opts, c: c}
	if opts.OneFileSystem {
		s.devs = map[uint64]bool{}
		for _, ap := range abs {
			if fi, err := os.Lstat(ap); err == nil {
				s.devs[deviceOf(fi)] = true
			}
		}
	}
	root := &sourceDir{}
	for _, ap := range abs {
		root.add(ap)
	}
	if root.source {
		err = s.dir(ctx, "/")
	} else {
		err = s.sources(ctx, root, "/")
	}
	if err == nil {
		c.Totaled.Store(true)
	}
	return err
}

type scanner struct {
	opts Options
	c    *Counters
	devs map[uint64]bool
}

// sources scans the given paths below the folder d at p.
func (s *scanner) sources(ctx context.Context, d *sourceDir, p string) error {
	for name, sub := range d.dirs {
		cp := filepath.Join(p, name)
		var err error
		if sub.source {
			err = s.item(ctx, cp)
		} else {
			err = s.sources(ctx, sub, cp)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// item scans one item as saveItem would store it.
func (s *scanner) item(ctx context.Context, p string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	fi, err := os.Lstat(p)
	if err != nil || fi.Mode()&fs.ModeSocket != 0 || (s.opts.Exclude != nil && s.opts.Exclude(p, fi)) {
		return nil
	}
	otherFS := s.devs != nil && !s.devs[deviceOf(fi)]
	switch {
	case fi.Mode().IsRegular() && !otherFS:
		s.c.TotalFiles.Add(1)
		s.c.TotalBytes.Add(fi.Size())
	case fi.IsDir() && !otherFS:
		return s.dir(ctx, p)
	}
	return nil
}

// dir scans the entries of the folder at p.
func (s *scanner) dir(ctx context.Context, p string) error {
	entries, err := os.ReadDir(p)
	if err != nil {
		return nil
	}
	cache := s.opts.ExcludeCaches && isCacheDir(p, entries)
	for _, e := range entries {
		if cache && e.Name() != CacheDirTag {
			continue
		}
		if err := s.item(ctx, filepath.Join(p, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// RestoreSize returns the number of files and bytes of content a Restore
// of sn with opts (its Include patterns) writes: the total of a restore's
// progress. It reads the snapshot's trees, not its data.
func RestoreSize(ctx context.Context, r *repo.Repository, sn *Snapshot, opts RestoreOptions) (files, bytes int64, err error) {
	rs := &restorer{r: r, opts: opts}
	var walk func(id repo.ID, snapPath string, all bool) error
	walk = func(id repo.ID, snapPath string, all bool) error {
		t, err := LoadTree(ctx, r, id)
		if err != nil {
			return err
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
			switch {
			case n.Type == TypeDir && n.Subtree != nil && (inc || descend):
				if err := walk(*n.Subtree, p, inc); err != nil {
					return err
				}
			case n.Type == TypeFile && inc:
				files++
				bytes += int64(n.Size)
			}
		}
		return nil
	}
	err = walk(sn.Tree, "/", len(opts.Include) == 0)
	return files, bytes, err
}
