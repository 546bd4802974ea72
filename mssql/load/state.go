package load

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/sqlvault/sqlvault/internal/atomicfile"
)

// StateFormat names the format of the state file.
const StateFormat = "sqlvault-restore-state/1"

// ErrNoState is returned (wrapped) by ResumeState when there is no state
// file to resume from.
var ErrNoState = errors.New("no restore to resume")

// State is the journal of a restore, kept in a local file so that a
// restore that stopped (a dropped connection, an interrupt) can be
// resumed: the script files' batches run so far and the tables loaded.
// The file is JSON:
//
//	{"format": "sqlvault-restore-state/1", "key": "...",
//	 "files": {"schema.sql": -1, "post-data.sql": 12},
//	 "tables": {"[dbo].[a]": "done", "[dbo].[b]": "started"}}
//
// key names what is restored where (the caller's choice: the snapshot,
// the database and the target), files the batches of each script run (-1
// when the file is finished), tables the tables whose load started or is
// done. It is rewritten (to a temporary file, then renamed) after each
// step, and removed when the restore is complete. A local file rather
// than a table in the target: the target database stays exactly what the
// scripts make (a journal table would be a user object of its own, and
// the target must be empty), and a restore user needs no extra
// permission. State is safe for concurrent use.
type State struct {
	path    string
	resumed bool
	mu      sync.Mutex
	data    stateData
}

type stateData struct {
	Format string            `json:"format"`
	Key    string            `json:"key"`
	Files  map[string]int    `json:"files"`
	Tables map[string]string `json:"tables"`
}

// Table states in the state file.
const (
	tableStarted = "started"
	tableDone    = "done"
)

// NewState starts the journal of a new restore at path, replacing any
// state file there once the first step is recorded.
func NewState(path, key string) *State {
	return &State{path: path, data: stateData{Format: StateFormat, Key: key, Files: map[string]int{}, Tables: map[string]string{}}}
}

// ResumeState reads the journal of a restore that stopped, from path; key
// must be the one it was started with.
func ResumeState(path, key string) (*State, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: state file %s does not exist", ErrNoState, path)
	}
	if err != nil {
		return nil, fmt.Errorf("read restore state: %w", err)
	}
	s := &State{path: path, resumed: true}
	if err := json.Unmarshal(b, &s.data); err != nil || s.data.Format != StateFormat {
		return nil, fmt.Errorf("restore state %s is damaged or of another format (%v)", path, err)
	}
	if s.data.Key != key {
		return nil, fmt.Errorf("%w: state file %s is of another restore (%s)", ErrNoState, path, s.data.Key)
	}
	if s.data.Files == nil {
		s.data.Files = map[string]int{}
	}
	if s.data.Tables == nil {
		s.data.Tables = map[string]string{}
	}
	return s, nil
}

// Path returns the state file's path.
func (s *State) Path() string { return s.path }

// Remove deletes the state file (the restore is complete).
func (s *State) Remove() error {
	if s == nil {
		return nil
	}
	if err := os.Remove(s.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove restore state: %w", err)
	}
	return nil
}

// batchesRun returns how many batches of file have run; -1 when it is
// finished.
func (s *State) batchesRun(file string) int {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data.Files[file]
}

func (s *State) setBatches(file string, n int) error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data.Files[file] = n
	return s.save()
}

func (s *State) table(name string) string {
	if s == nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data.Tables[name]
}

func (s *State) setTable(name, st string) error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data.Tables[name] = st
	return s.save()
}

// save writes the file; s.mu is held.
func (s *State) save() error {
	b, err := json.MarshalIndent(s.data, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return fmt.Errorf("write restore state: %w", err)
	}
	if err := atomicfile.WriteFile(s.path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write restore state: %w", err)
	}
	return nil
}
