package mssql

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// DirSink writes the files of a scripted database into a folder on disk.
// Each file is written to a temporary name and renamed when complete.
type DirSink struct {
	Dir string
}

// WriteFile implements Sink.
func (d DirSink) WriteFile(ctx context.Context, name string, write func(w io.Writer) error) error {
	clean := path.Clean(name)
	if clean != name || strings.HasPrefix(clean, "../") || clean == ".." || path.IsAbs(clean) {
		return fmt.Errorf("invalid file name %q", name)
	}
	dst := filepath.Join(d.Dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(dst), ".tmp-*")
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), dst); err != nil {
		return err
	}
	ok = true
	return nil
}

// ScriptSink writes a scripted database as one script: the .sql files
// that the master script includes, in order, one after another. The master
// script and the manifest are left out.
type ScriptSink struct {
	W io.Writer
}

// WriteFile implements Sink.
func (s ScriptSink) WriteFile(ctx context.Context, name string, write func(w io.Writer) error) error {
	if name == MasterFile || !strings.HasSuffix(name, ".sql") {
		return write(io.Discard)
	}
	return write(s.W)
}

// PrefixSink puts every file of a sink under a folder (the database name).
type PrefixSink struct {
	Prefix string
	Sink   Sink
}

// WriteFile implements Sink.
func (p PrefixSink) WriteFile(ctx context.Context, name string, write func(w io.Writer) error) error {
	return p.Sink.WriteFile(ctx, p.Prefix+"/"+name, write)
}

// Includes returns the files a master script runs, in order, from its
// :r "FILE" lines.
func Includes(master io.Reader) ([]string, error) {
	var files []string
	sc := bufio.NewScanner(master)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, ":r ") && !strings.HasPrefix(line, ":R ") {
			continue
		}
		f := strings.TrimSpace(line[3:])
		f = strings.TrimSuffix(strings.TrimPrefix(f, `"`), `"`)
		if f == "" || strings.Contains(f, "..") || strings.HasPrefix(f, "/") {
			return nil, fmt.Errorf("master script: invalid include %q", f)
		}
		files = append(files, f)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("master script includes no files")
	}
	return files, nil
}

// Concat writes the files a master script includes, in order, to w: the
// scripted database as one script, identical to what Script writes to a
// ScriptSink. open returns a file of the folder by its relative name.
func Concat(ctx context.Context, master io.Reader, open func(ctx context.Context, name string, w io.Writer) error, w io.Writer) error {
	files, err := Includes(master)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := open(ctx, f, w); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	return nil
}

// DatabaseFolder returns the folder name under which a database's files
// are stored in a snapshot: its name with every character other than
// letters, digits, '_' and '-' escaped as %XX.
func DatabaseFolder(name string) string { return escapeName(name) }
