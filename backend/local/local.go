// Package local stores a repository in a folder on the local file system.
//
// Writes go to a temporary file in the target folder, are synced, and then
// renamed into place, so a crash never leaves a partial file under a real
// name. Pack files are spread over 256 sub-folders named by the first two
// hex digits of their name.
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/sqlvault/sqlvault/backend"
)

// Local is a backend.Backend on a local folder.
type Local struct {
	root string
}

// New returns the backend for the repository at dir. It does not touch the
// file system; Create makes the folders.
func New(dir string) *Local {
	return &Local{root: filepath.Clean(dir)}
}

// Location returns the repository folder.
func (l *Local) Location() string { return l.root }

func (l *Local) dir(t backend.FileType, name string) string {
	if t == backend.Config {
		return l.root
	}
	if t == backend.Pack && len(name) >= 2 {
		return filepath.Join(l.root, string(t), name[:2])
	}
	return filepath.Join(l.root, string(t))
}

func (l *Local) path(h backend.Handle) string {
	if h.Type == backend.Config {
		return filepath.Join(l.root, "config")
	}
	return filepath.Join(l.dir(h.Type, h.Name), h.Name)
}

// Create makes the repository folders. It fails with backend.ErrExist when
// the folder already holds a config file.
func (l *Local) Create(ctx context.Context) error {
	if _, err := os.Stat(l.path(backend.Handle{Type: backend.Config})); err == nil {
		return fmt.Errorf("repository at %s: %w", l.root, backend.ErrExist)
	}
	dirs := []string{l.root}
	for _, t := range backend.FileTypes {
		dirs = append(dirs, filepath.Join(l.root, string(t)))
	}
	for i := 0; i < 256; i++ {
		dirs = append(dirs, filepath.Join(l.root, string(backend.Pack), fmt.Sprintf("%02x", i)))
	}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return mapErr(fmt.Errorf("create repository folder: %w", err))
		}
	}
	return nil
}

// Save writes the file atomically: temporary file, fsync, rename. Config,
// key and lock files are linked into place so that they are never replaced.
func (l *Local) Save(ctx context.Context, h backend.Handle, rd io.Reader, size int64) (err error) {
	if err := h.Validate(); err != nil {
		return err
	}
	dir := l.dir(h.Type, h.Name)
	f, err := os.CreateTemp(dir, ".tmp-")
	if h.Type != backend.Config && l.lostFolder(err) {
		// A pack's two-digit folder is made on first use; any other
		// folder of the layout may have been lost, but never the root.
		if mkErr := os.MkdirAll(dir, 0o700); mkErr == nil {
			f, err = os.CreateTemp(dir, ".tmp-")
		}
	}
	if err != nil {
		return mapErr(fmt.Errorf("save %v: %w", h, err))
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	n, err := io.Copy(f, &ctxReader{ctx: ctx, r: rd})
	if err != nil {
		return mapErr(fmt.Errorf("save %v: %w", h, err))
	}
	if n != size {
		return fmt.Errorf("save %v: wrote %d bytes, expected %d", h, n, size)
	}
	if err = f.Sync(); err != nil {
		return mapErr(fmt.Errorf("save %v: sync: %w", h, err))
	}
	if err = f.Close(); err != nil {
		return mapErr(fmt.Errorf("save %v: %w", h, err))
	}
	final := l.path(h)
	if h.Type == backend.Config || h.Type == backend.Key || h.Type == backend.Lock {
		if err = os.Link(tmp, final); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("save %v: %w", h, backend.ErrExist)
			}
			return mapErr(fmt.Errorf("save %v: %w", h, err))
		}
		_ = os.Remove(tmp)
	} else if err = os.Rename(tmp, final); err != nil {
		return mapErr(fmt.Errorf("save %v: %w", h, err))
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return nil // best effort: not all systems allow opening folders
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return mapErr(fmt.Errorf("sync folder %s: %w", dir, err))
	}
	return nil
}

// Load opens the file and returns a reader for the requested range.
func (l *Local) Load(ctx context.Context, h backend.Handle, offset, length int64) (io.ReadCloser, error) {
	if err := h.Validate(); err != nil {
		return nil, err
	}
	f, err := os.Open(l.path(h))
	if err != nil {
		return nil, mapErr(fmt.Errorf("load %v: %w", h, err))
	}
	if offset < 0 || length < 0 {
		f.Close()
		return nil, fmt.Errorf("load %v: invalid range %d+%d", h, offset, length)
	}
	if length == 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			f.Close()
			return nil, fmt.Errorf("load %v: %w", h, err)
		}
		return f, nil
	}
	return &sectionCloser{SectionReader: io.NewSectionReader(f, offset, length), f: f}, nil
}

type sectionCloser struct {
	*io.SectionReader
	f *os.File
}

func (s *sectionCloser) Close() error { return s.f.Close() }

// Stat returns the file's size.
func (l *Local) Stat(ctx context.Context, h backend.Handle) (backend.FileInfo, error) {
	if err := h.Validate(); err != nil {
		return backend.FileInfo{}, err
	}
	fi, err := os.Stat(l.path(h))
	if err != nil {
		return backend.FileInfo{}, mapErr(fmt.Errorf("stat %v: %w", h, err))
	}
	return backend.FileInfo{Name: h.Name, Size: fi.Size()}, nil
}

// Remove deletes the file; a missing file is not an error.
func (l *Local) Remove(ctx context.Context, h backend.Handle) error {
	if err := h.Validate(); err != nil {
		return err
	}
	err := os.Remove(l.path(h))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return mapErr(fmt.Errorf("remove %v: %w", h, err))
	}
	return nil
}

// lostFolder reports whether err says that a folder of the layout does not
// exist although the repository's root does: an empty folder that a copy
// or sync tool did not keep, which holds nothing.
func (l *Local) lostFolder(err error) bool {
	if !errors.Is(err, fs.ErrNotExist) {
		return false
	}
	_, rootErr := os.Stat(l.root)
	return rootErr == nil
}

// List calls fn for every file of type t. Temporary files are skipped.
func (l *Local) List(ctx context.Context, t backend.FileType, fn func(backend.FileInfo) error) error {
	base := filepath.Join(l.root, string(t))
	dirs := []string{base}
	if t == backend.Pack {
		entries, err := os.ReadDir(base)
		if l.lostFolder(err) {
			return nil // a lost empty folder: nothing to list
		}
		if err != nil {
			return mapErr(fmt.Errorf("list %s: %w", t, err))
		}
		dirs = dirs[:0]
		for _, e := range entries {
			if e.IsDir() {
				dirs = append(dirs, filepath.Join(base, e.Name()))
			}
		}
	}
	for _, d := range dirs {
		entries, err := os.ReadDir(d)
		if l.lostFolder(err) {
			continue // a lost empty folder, or removed while listing
		}
		if err != nil {
			return mapErr(fmt.Errorf("list %s: %w", t, err))
		}
		for _, e := range entries {
			if err := ctx.Err(); err != nil {
				return err
			}
			if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			info, err := e.Info()
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					continue // removed while listing
				}
				return fmt.Errorf("list %s: %w", t, err)
			}
			if err := fn(backend.FileInfo{Name: e.Name(), Size: info.Size()}); err != nil {
				return err
			}
		}
	}
	return nil
}

// RemoveTemp deletes the temporary files (.tmp-*) in every folder of the
// repository that were last modified before cutoff: those of writes that
// were interrupted (see backend.TempRemover).
func (l *Local) RemoveTemp(ctx context.Context, cutoff time.Time, dryRun bool) (backend.TempStats, error) {
	var st backend.TempStats
	err := filepath.WalkDir(l.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return mapErr(err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || !strings.HasPrefix(d.Name(), ".tmp-") {
			return nil
		}
		fi, err := d.Info()
		if err != nil || !fi.ModTime().Before(cutoff) {
			return nil // gone meanwhile, or a write may still be running
		}
		if !dryRun {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return mapErr(err)
			}
		}
		st.Removed++
		st.Bytes += fi.Size()
		return nil
	})
	return st, err
}

// Close does nothing for the local backend.
func (l *Local) Close() error { return nil }

// mapErr turns file-system errors into the backend's error values, keeping
// the original text.
func mapErr(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &wrapped{err: err, kind: backend.ErrNotExist}
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return &wrapped{err: err, kind: backend.ErrNoSpace}
	}
	return err
}

type wrapped struct {
	err  error
	kind error
}

func (w *wrapped) Error() string   { return w.err.Error() }
func (w *wrapped) Unwrap() []error { return []error{w.err, w.kind} }

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Stage starts a file of type t in a temporary file of the repository, to
// be renamed into place by Commit.
func (l *Local) Stage(ctx context.Context, t backend.FileType) (backend.Staged, error) {
	f, err := os.CreateTemp(filepath.Join(l.root, string(t)), ".tmp-")
	if err != nil {
		return nil, mapErr(fmt.Errorf("create temporary %s file: %w", t, err))
	}
	return &staged{l: l, t: t, f: f}, nil
}

type staged struct {
	l *Local
	t backend.FileType
	f *os.File
}

func (s *staged) Write(p []byte) (int, error) {
	n, err := s.f.Write(p)
	if err != nil {
		return n, mapErr(fmt.Errorf("write %s: %w", s.f.Name(), err))
	}
	return n, nil
}

func (s *staged) Commit(ctx context.Context, name string) error {
	h := backend.Handle{Type: s.t, Name: name}
	if err := h.Validate(); err != nil {
		s.Abort()
		return err
	}
	if err := s.f.Sync(); err != nil {
		s.Abort()
		return mapErr(fmt.Errorf("save %v: sync: %w", h, err))
	}
	if err := s.f.Close(); err != nil {
		_ = os.Remove(s.f.Name())
		return mapErr(fmt.Errorf("save %v: %w", h, err))
	}
	dir := s.l.dir(s.t, name)
	err := os.Rename(s.f.Name(), filepath.Join(dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		if err = os.MkdirAll(dir, 0o700); err == nil {
			err = os.Rename(s.f.Name(), filepath.Join(dir, name))
		}
	}
	if err != nil {
		_ = os.Remove(s.f.Name())
		return mapErr(fmt.Errorf("save %v: %w", h, err))
	}
	return syncDir(dir)
}

func (s *staged) Abort() error {
	s.f.Close()
	return os.Remove(s.f.Name())
}
