// Package backend defines how sqlvault stores repository files: a small
// interface of whole-file operations that the local disk and S3 both provide.
//
// Every file is written once and never modified; a Save is atomic, so a
// reader sees either the whole file or no file at all.
package backend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// FileType names one of the folders of a repository.
type FileType string

// The repository's file types. Each maps to a folder of the same name, except
// Config which is the single file "config".
const (
	Config   FileType = "config"
	Key      FileType = "keys"
	Pack     FileType = "data"
	Index    FileType = "index"
	Snapshot FileType = "snapshots"
	Lock     FileType = "locks"
)

// FileTypes lists every folder type, in the order they are created.
var FileTypes = []FileType{Key, Pack, Index, Snapshot, Lock}

// Handle names one file of a repository.
type Handle struct {
	Type FileType
	Name string // empty for Config
}

func (h Handle) String() string {
	if h.Type == Config {
		return "config"
	}
	return string(h.Type) + "/" + h.Name
}

// Validate rejects a name that is empty or could reach outside its folder
// (a path separator, or a leading dot); every backend checks handles with
// it before touching storage.
func (h Handle) Validate() error {
	if h.Type == Config {
		return nil
	}
	if h.Name == "" || strings.ContainsAny(h.Name, `/\`) || strings.HasPrefix(h.Name, ".") {
		return fmt.Errorf("invalid file name %q for %s", h.Name, h.Type)
	}
	return nil
}

// FileInfo describes a stored file.
type FileInfo struct {
	Name string
	Size int64
}

// ErrNotExist is returned (wrapped) when a file or repository does not exist.
var ErrNotExist = errors.New("does not exist")

// ErrExist is returned (wrapped) by Save when the file already exists.
var ErrExist = errors.New("already exists")

// ErrNoSpace is returned (wrapped) when the storage is full.
var ErrNoSpace = errors.New("no space left on storage")

// Backend stores the files of one repository.
type Backend interface {
	// Location describes the repository for messages (a path or URL).
	Location() string
	// Create prepares an empty repository location (folders, bucket).
	// It fails with ErrExist if a config file is already there.
	Create(ctx context.Context) error
	// Save stores size bytes from rd under h atomically. Saving a name that
	// exists fails with ErrExist, except for Pack, Index and Snapshot files
	// whose names are content hashes, where an existing file is kept.
	Save(ctx context.Context, h Handle, rd io.Reader, size int64) error
	// Load returns length bytes of h starting at offset; length 0 means up
	// to the end. The caller closes the reader.
	Load(ctx context.Context, h Handle, offset, length int64) (io.ReadCloser, error)
	// Stat returns the size of h, or ErrNotExist.
	Stat(ctx context.Context, h Handle) (FileInfo, error)
	// Remove deletes h. Removing a missing file is not an error.
	Remove(ctx context.Context, h Handle) error
	// List calls fn for every file of type t, in no particular order.
	List(ctx context.Context, t FileType, fn func(FileInfo) error) error
	// Close releases resources held by the backend.
	Close() error
}

// LoadAll reads a whole file.
func LoadAll(ctx context.Context, be Backend, h Handle) ([]byte, error) {
	rd, err := be.Load(ctx, h, 0, 0)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	buf, err := io.ReadAll(rd)
	if err != nil {
		return nil, fmt.Errorf("read %v: %w", h, err)
	}
	return buf, nil
}

// Stager is implemented by backends that can write a file while it is
// being produced and give it its name at the end. Packs are named by the
// hash of their bytes, so without it a whole pack must be held in memory
// before it can be saved.
type Stager interface {
	Stage(ctx context.Context, t FileType) (Staged, error)
}

// Staged is a file being written through a Stager.
type Staged interface {
	io.Writer
	// Commit makes the bytes written durable and visible under name.
	Commit(ctx context.Context, name string) error
	// Abort discards what was written.
	Abort() error
}

// TempRemover is implemented by backends that keep temporary objects while
// a file is being written (the local backend's .tmp-* files, S3's multipart
// uploads). A process killed mid-write leaves them behind; RemoveTemp
// deletes those last changed before cutoff (or, with dryRun, only counts
// them) and reports how many and how large they were. The caller must make
// sure that no live writer can still own one: prune holds the exclusive
// lock and uses a cutoff of the lock stale time.
type TempRemover interface {
	RemoveTemp(ctx context.Context, cutoff time.Time, dryRun bool) (TempStats, error)
}

// TempStats counts the temporary objects RemoveTemp found.
type TempStats struct {
	Removed int   `json:"removed"`
	Bytes   int64 `json:"bytes"`
}
