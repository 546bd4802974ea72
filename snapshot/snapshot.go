// Package snapshot holds what a backup leaves in a repository: snapshot
// manifests, the trees of nodes they point to, the archiver that creates
// them from files and streams, the restorer that writes them back, and
// snapshot selection.
package snapshot

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/repo"
)

// Source kinds recorded in a snapshot.
const (
	SourceFiles   = "files"   // files and directories
	SourceStdin   = "stdin"   // standard input
	SourceCommand = "command" // the standard output of a command
)

// LayoutAbsolute is the Layout of a file snapshot whose tree holds each
// backed-up path at its absolute place (/home/ann/docs).
const LayoutAbsolute = "absolute"

// Snapshot is the manifest of one backup, stored encrypted in
// snapshots/<id>.
type Snapshot struct {
	Time     time.Time `json:"time"`
	Tree     repo.ID   `json:"tree"`
	Paths    []string  `json:"paths"`
	Source   string    `json:"source"`
	Hostname string    `json:"hostname"`
	Username string    `json:"username,omitempty"`
	Tags     []string  `json:"tags,omitempty"`
	Parent   *repo.ID  `json:"parent,omitempty"`
	Original *repo.ID  `json:"original,omitempty"` // the snapshot this one was repaired from
	Program  string    `json:"program_version,omitempty"`
	Summary  *Summary  `json:"summary,omitempty"`
	// Layout is LayoutAbsolute for a file snapshot whose tree keeps the
	// absolute paths backed up; empty for one written before (each given
	// path at the top, named by its base name) and for streams and
	// databases, whose trees are not paths on a disk.
	Layout string `json:"layout,omitempty"`

	id repo.ID
}

// Summary counts what a backup did.
type Summary struct {
	Start          time.Time `json:"backup_start"`
	End            time.Time `json:"backup_end"`
	FilesNew       int       `json:"files_new"`
	FilesChanged   int       `json:"files_changed"`
	FilesUnchanged int       `json:"files_unmodified"`
	Dirs           int       `json:"dirs"`
	Excluded       int       `json:"excluded,omitempty"` // items left out by exclude rules, cache folders and other file systems
	Errors         int       `json:"errors,omitempty"`
	BlobsAdded     int       `json:"blobs_added"`
	BytesRead      int64     `json:"bytes_read"`  // bytes of content read from the source
	BytesTotal     int64     `json:"bytes_total"` // size of all content in the snapshot
	BytesAdded     int64     `json:"bytes_added"` // bytes written to the repository (after compression)
	Incomplete     bool      `json:"incomplete,omitempty"`
}

// ID returns the snapshot's ID (set by Save and Load).
func (sn *Snapshot) ID() repo.ID { return sn.id }

// ErrNotFound is returned when no snapshot matches.
var ErrNotFound = errors.New("no matching snapshot")

// Save stores the snapshot manifest and sets its ID.
func Save(ctx context.Context, r *repo.Repository, sn *Snapshot) (repo.ID, error) {
	body, err := encodeSnapshot(sn)
	if err != nil {
		return repo.ID{}, fmt.Errorf("encode snapshot: %w", err)
	}
	id, err := r.SaveFile(ctx, backend.Snapshot, body)
	if err != nil {
		return id, err
	}
	sn.id = id
	return id, nil
}

// Load reads one snapshot manifest. A file that is damaged gives a
// *DamagedError.
func Load(ctx context.Context, r *repo.Repository, id repo.ID) (*Snapshot, error) {
	body, err := r.LoadFile(ctx, backend.Snapshot, id)
	if errors.Is(err, repo.ErrDamagedFile) {
		return nil, &DamagedError{ID: id, Err: err}
	}
	if err != nil {
		return nil, err
	}
	sn, err := DecodeSnapshot(body)
	if err != nil {
		return nil, &DamagedError{ID: id, Err: fmt.Errorf("does not decode: %w", err)}
	}
	sn.id = id
	return sn, nil
}

// DamagedError says that a snapshot file cannot be read: its bytes do not
// match its name, or it does not decrypt or decode. What it referred to
// cannot be known; removing the file (forget) is all that can be done.
type DamagedError struct {
	ID  repo.ID
	Err error
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("snapshot file %s is damaged (%v)", e.ID.Str(), e.Err)
}

// Unwrap lets errors.Is find ErrDamaged and the underlying error.
func (e *DamagedError) Unwrap() []error { return []error{ErrDamaged, e.Err} }

// List loads every snapshot, oldest first. A damaged snapshot file is
// handed to skip and left out, so that one damaged file does not hide the
// others; with skip nil it ends List with its *DamagedError (for callers
// such as prune, which must know everything every snapshot refers to).
// Any other error (the storage cannot be read) ends List.
func List(ctx context.Context, r *repo.Repository, skip func(*DamagedError)) ([]*Snapshot, error) {
	var ids []repo.ID
	if err := r.List(ctx, backend.Snapshot, func(id repo.ID, _ int64) error { ids = append(ids, id); return nil }); err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	var sns []*Snapshot
	for _, id := range ids {
		sn, err := Load(ctx, r, id)
		var de *DamagedError
		if skip != nil && errors.As(err, &de) {
			skip(de)
			continue
		}
		if err != nil {
			return nil, err
		}
		sns = append(sns, sn)
	}
	sort.Slice(sns, func(i, j int) bool {
		if !sns[i].Time.Equal(sns[j].Time) {
			return sns[i].Time.Before(sns[j].Time)
		}
		return sns[i].id.String() < sns[j].id.String()
	})
	return sns, nil
}

// Find returns the snapshot named by spec: "latest" or a unique prefix of
// its ID.
//
// Damaged snapshot files are passed over, unless spec names one: then its
// *DamagedError is returned.
func Find(ctx context.Context, r *repo.Repository, spec string) (*Snapshot, error) {
	var damaged []*DamagedError
	sns, err := List(ctx, r, func(d *DamagedError) { damaged = append(damaged, d) })
	if err != nil {
		return nil, err
	}
	sn, err := Select(sns, spec)
	if errors.Is(err, ErrNotFound) {
		if d := MatchDamaged(damaged, spec); d != nil {
			return nil, d
		}
	}
	return sn, err
}

// MatchDamaged returns the damaged snapshot file (as List handed them
// over) whose ID starts with spec, or nil: a spec that names no readable
// snapshot may name one of these.
func MatchDamaged(damaged []*DamagedError, spec string) *DamagedError {
	spec = strings.ToLower(spec)
	if spec == "" || spec == "latest" {
		return nil
	}
	for _, d := range damaged {
		if strings.HasPrefix(d.ID.String(), spec) {
			return d
		}
	}
	return nil
}

// Select picks the snapshot named by spec from sns (sorted oldest first).
func Select(sns []*Snapshot, spec string) (*Snapshot, error) {
	if spec == "latest" {
		if len(sns) == 0 {
			return nil, fmt.Errorf("%w: the repository has no snapshots", ErrNotFound)
		}
		return sns[len(sns)-1], nil
	}
	if spec == "" || strings.Trim(strings.ToLower(spec), "0123456789abcdef") != "" {
		return nil, fmt.Errorf("%w: %q is not a snapshot ID or \"latest\"", ErrNotFound, spec)
	}
	spec = strings.ToLower(spec)
	var found *Snapshot
	for _, sn := range sns {
		if strings.HasPrefix(sn.id.String(), spec) {
			if found != nil {
				return nil, fmt.Errorf("snapshot ID prefix %q is ambiguous: give more digits", spec)
			}
			found = sn
		}
	}
	if found == nil {
		return nil, fmt.Errorf("%w: no snapshot ID starts with %q (see 'sqlvault snapshots')", ErrNotFound, spec)
	}
	return found, nil
}
