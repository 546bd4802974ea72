package job

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/sqlvault/sqlvault/internal/atomicfile"
)

// State is what a job remembers between runs, to decide when prune,
// check and verify are due and which part of the data check reads next.
// It is kept as JSON in STATE_DIR/JOB.json.
type State struct {
	// Runs counts the job's runs, this one included once it started.
	Runs int `json:"runs"`
	// LastSuccess is when a run last ended with exit code 0.
	LastSuccess time.Time `json:"last_success,omitzero"`
	Prune       StepState `json:"prune"`
	Check       StepState `json:"check"`
	Verify      StepState `json:"verify"`
	// CheckGroup is the group (1..CheckOf) the next subset check reads;
	// CheckOf is the T of "1/T" it was counted for (a new T starts again
	// at 1).
	CheckGroup int `json:"check_group,omitempty"`
	CheckOf    int `json:"check_of,omitempty"`
}

// StepState is when a step last succeeded.
type StepState struct {
	LastRun int       `json:"last_run,omitempty"` // the run number
	Last    time.Time `json:"last,omitzero"`
}

func statePath(dir, job string) string { return filepath.Join(dir, job+".json") }

// LoadState reads the job's state; a job that never ran has the zero State.
func LoadState(dir, job string) (*State, error) {
	b, err := os.ReadFile(statePath(dir, job))
	if errors.Is(err, fs.ErrNotExist) {
		return &State{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read job state: %w", err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("job state %s is damaged (%v): remove it to start counting again", statePath(dir, job), err)
	}
	return &st, nil
}

// Save writes the state atomically (a temporary file renamed over it).
func (st *State) Save(dir, job string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("job state: %w", err)
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(statePath(dir, job), append(b, '\n'), 0o600)
}
