// Package atomicfile replaces small files so that a reader sees the old
// content or the new, never part of either: a state file, a metrics file,
// a systemd unit.
package atomicfile

import (
	"os"
	"path/filepath"
)

// WriteFile writes data to path with mode perm through a temporary file in
// the same folder, synced, then renamed over path. On error the temporary
// file is removed and path is left as it was.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
