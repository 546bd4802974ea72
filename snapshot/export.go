package snapshot

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/klauspost/compress/flate"

	"github.com/sqlvault/sqlvault/repo"
)

// ExportOptions control ExportZip.
type ExportOptions struct {
	// Store writes entries uncompressed (faster; for data that is
	// compressed already).
	Store bool
	// Progress is called after each file is written.
	Progress func(path string, size int64)
}

// ExportStats counts what ExportZip wrote.
type ExportStats struct {
	Files, Dirs, Symlinks int
	Skipped               int   // FIFOs and device files, which a zip cannot hold
	Bytes                 int64 // file content before compression
}

// ExportZip writes the files of the snapshots into a zip archive on w, as
// it reads them: nothing is held in memory beyond a few chunks. The items
// at the top of each snapshot become the top-level entries (for a SQL
// Server snapshot, the folder of each database with its master script
// restore.sql), so two snapshots with an item of the same name cannot be
// exported together.
//
// The archive is what standard tools expect: names in UTF-8 with '/'
// separators (flagged as UTF-8 when not ASCII), an entry for every folder,
// Deflate, modification times in the extended timestamp field as well as
// in MS-DOS form, Unix modes, Zip64 only where a size needs it. Symbolic
// links are stored as Info-ZIP does (unzip restores them; Windows shows a
// small file holding the target). A backslash in a name, which Windows
// would take for a folder separator, becomes '_'.
func ExportZip(ctx context.Context, r *repo.Repository, sns []*Snapshot, w io.Writer, opts ExportOptions) (ExportStats, error) {
	var st ExportStats
	owner := map[string]*Snapshot{}
	roots := make([]*Tree, len(sns))
	for i, sn := range sns {
		t, err := LoadTree(ctx, r, sn.Tree)
		if err != nil {
			return st, fmt.Errorf("snapshot %s: %w", sn.ID().Str(), err)
		}
		for _, n := range t.Nodes {
			if o, dup := owner[n.Name]; dup {
				return st, fmt.Errorf("snapshots %s and %s both hold %q: export them into separate zip files", o.ID().Str(), sn.ID().Str(), n.Name)
			}
			owner[n.Name] = sn
		}
		roots[i] = t
	}
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, 5)
	})
	method := zip.Deflate
	if opts.Store {
		method = zip.Store
	}
	var writeTree func(t *Tree, dir string) error
	writeTree = func(t *Tree, dir string) error {
		for _, n := range t.Nodes {
			if err := ctx.Err(); err != nil {
				return err
			}
			// Windows reads a backslash as a folder separator.
			name := path.Join(dir, strings.ReplaceAll(n.Name, `\`, "_"))
			h := &zip.FileHeader{Name: name, Modified: n.ModTime, Method: method}
			switch n.Type {
			case TypeDir:
				h.Name += "/"
				h.SetMode(fs.ModeDir | fileMode(n.Mode))
				if _, err := zw.CreateHeader(h); err != nil {
					return fmt.Errorf("zip: %s: %w", name, err)
				}
				st.Dirs++
				if n.Subtree == nil {
					continue
				}
				sub, err := LoadTree(ctx, r, *n.Subtree)
				if err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				if err := writeTree(sub, name); err != nil {
					return err
				}
			case TypeFile:
				h.SetMode(fileMode(n.Mode))
				fw, err := zw.CreateHeader(h)
				if err != nil {
					return fmt.Errorf("zip: %s: %w", name, err)
				}
				written, err := WriteContent(ctx, r, n.Content, fw)
				if err != nil {
					return fmt.Errorf("export %s: %w", name, err)
				}
				st.Files++
				st.Bytes += written
				if opts.Progress != nil {
					opts.Progress("/"+name, written)
				}
			case TypeSymlink:
				h.Method = zip.Store
				h.SetMode(fs.ModeSymlink | 0o777)
				fw, err := zw.CreateHeader(h)
				if err != nil {
					return fmt.Errorf("zip: %s: %w", name, err)
				}
				if _, err := io.WriteString(fw, n.LinkTarget); err != nil {
					return fmt.Errorf("zip: %s: %w", name, err)
				}
				st.Symlinks++
			default:
				st.Skipped++
			}
		}
		return nil
	}
	for _, t := range roots {
		if err := writeTree(t, ""); err != nil {
			return st, err
		}
	}
	if err := zw.Close(); err != nil {
		return st, fmt.Errorf("zip: %w", err)
	}
	return st, nil
}
