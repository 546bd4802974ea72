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

// ScriptSink writes a scripted database as one script: oneScriptHeader
// and then the .sql files that the master script includes, in order, each
// without its byte order mark. The master script and the manifest are
// left out.
type ScriptSink struct {
	W       io.Writer
	started bool
}

// WriteFile implements Sink.
func (s *ScriptSink) WriteFile(ctx context.Context, name string, write func(w io.Writer) error) error {
	if name == MasterFile || !strings.HasSuffix(name, ".sql") {
		return write(io.Discard)
	}
	if !s.started {
		s.started = true
		if _, err := io.WriteString(s.W, oneScriptHeader); err != nil {
			return err
		}
	}
	return write(&bomless{w: s.W})
}

// oneScriptHeader starts a scripted database written as one script
// (ScriptSink, Concat): a byte order mark, and how to run it. It needs no
// SQLCMD mode, so it holds no :on error exit; -b stops sqlcmd at the first
// error.
const oneScriptHeader = BOM + `-- sqlvault: a scripted database as one script, its files in run order. Run it in a new, empty database
-- (CREATE DATABASE NEWDB first); it needs no SQLCMD mode. -b stops at the first error (without it sqlcmd goes on):
--   go-sqlcmd 1.x:      sqlcmd -S SERVER -d NEWDB -b -i FILE.sql
--   ODBC sqlcmd 17/18:  sqlcmd -S SERVER -d NEWDB -b -f 65001 -i FILE.sql
--   SSMS:               open the file in a query window on NEWDB and execute it (SSMS goes on after an error).
`

// bomless writes what is written to it to w without the UTF-8 byte order
// mark it starts with, if it starts with one.
type bomless struct {
	w    io.Writer
	seen int // bytes of the mark matched so far; len(BOM) once past it
}

func (b *bomless) Write(p []byte) (int, error) {
	n := len(p)
	for b.seen < len(BOM) && len(p) > 0 {
		if p[0] != BOM[b.seen] {
			// Not a byte order mark: what was held back is text.
			held := BOM[:b.seen]
			b.seen = len(BOM)
			if _, err := io.WriteString(b.w, held); err != nil {
				return 0, err
			}
			break
		}
		b.seen++
		p = p[1:]
	}
	if len(p) > 0 {
		if _, err := b.w.Write(p); err != nil {
			return 0, err
		}
	}
	return n, nil
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
// include lines: ":r $(SqlvaultDir)/FILE" (format 2) or ':r "FILE"'
// (format 1, written before go-sqlcmd was supported).
func Includes(master io.Reader) ([]string, error) {
	var files []string
	sc := bufio.NewScanner(master)
	prefix := "$(" + DirVar + ")/"
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), BOM))
		if !strings.HasPrefix(line, ":r ") && !strings.HasPrefix(line, ":R ") {
			continue
		}
		f := strings.TrimSpace(line[3:])
		if strings.HasPrefix(f, prefix) {
			f = f[len(prefix):]
		} else {
			f = strings.TrimSuffix(strings.TrimPrefix(f, `"`), `"`)
		}
		if f == "" || strings.Contains(f, "..") || strings.HasPrefix(f, "/") || strings.Contains(f, "$(") {
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

// Concat writes the files a master script includes, in order, to w as one
// script, identical to what Script writes to a ScriptSink: oneScriptHeader,
// then each file without its byte order mark. open returns a file of the
// folder by its relative name.
func Concat(ctx context.Context, master io.Reader, open func(ctx context.Context, name string, w io.Writer) error, w io.Writer) error {
	files, err := Includes(master)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, oneScriptHeader); err != nil {
		return err
	}
	for _, f := range files {
		if err := open(ctx, f, &bomless{w: w}); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	return nil
}

// DatabaseFolder returns the folder name under which a database's files
// are stored in a snapshot: its name with every character other than
// letters, digits, '_' and '-' escaped as %XX.
func DatabaseFolder(name string) string { return escapeName(name) }

// LoadCommand returns the sqlcmd command line that runs the master script
// of a database folder restored at dir (an absolute path), as its header
// says: from any working folder, the folder given with -v. ok is false
// when the path holds a blank or a quote, which :r cannot take in every
// client (go-sqlcmd keeps quotes as part of the name; the ODBC sqlcmd and
// SSMS need them around a blank).
func LoadCommand(dir string) (cmd string, ok bool) {
	ok = !strings.ContainsAny(dir, " \t\"'")
	return "sqlcmd -S SERVER -d NEWDB -b -v " + DirVar + "=" + dir + " -i " + filepath.Join(dir, MasterFile), ok
}
