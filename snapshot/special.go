package snapshot

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// Extended attributes, hard links and special files: reading them at
// backup, recreating them at restore.

// readXattrs returns the extended attributes of path (not following a
// symlink). A file system without extended attributes gives none.
func readXattrs(path string) ([]Xattr, error) {
	names, err := listXattrs(path)
	if err != nil || len(names) == 0 {
		return nil, err
	}
	var out []Xattr
	for _, name := range names {
		v, err := getXattr(path, name)
		if errors.Is(err, unix.ENODATA) {
			continue // removed since it was listed
		}
		if err != nil {
			return out, fmt.Errorf("extended attribute %s: %w", name, err)
		}
		out = append(out, Xattr{Name: name, Value: v})
	}
	return out, nil
}

func listXattrs(path string) ([]string, error) {
	for size := 1024; ; size *= 4 {
		buf := make([]byte, size)
		n, err := unix.Llistxattr(path, buf)
		switch {
		case errors.Is(err, unix.ERANGE) && size < 1<<24:
			continue
		case errors.Is(err, unix.ENOTSUP):
			return nil, nil
		case err != nil:
			return nil, &fs.PathError{Op: "list extended attributes", Path: path, Err: err}
		}
		var names []string
		start := 0
		for i, b := range buf[:n] {
			if b == 0 {
				if i > start {
					names = append(names, string(buf[start:i]))
				}
				start = i + 1
			}
		}
		return names, nil
	}
}

func getXattr(path, name string) ([]byte, error) {
	for size := 256; ; size *= 4 {
		buf := make([]byte, size)
		n, err := unix.Lgetxattr(path, name, buf)
		switch {
		case errors.Is(err, unix.ERANGE) && size < 1<<24:
			continue
		case err != nil:
			return nil, err
		}
		return buf[:n], nil
	}
}

// specialNode fills in the type of a FIFO or device node and reports
// whether fi is one.
func specialNode(n *Node, fi fs.FileInfo) bool {
	m := fi.Mode()
	switch {
	case m&fs.ModeNamedPipe != 0:
		n.Type = TypeFIFO
	case m&fs.ModeDevice != 0 && m&fs.ModeCharDevice != 0:
		n.Type = TypeCharDev
	case m&fs.ModeDevice != 0:
		n.Type = TypeDev
	default:
		return false
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && n.Type != TypeFIFO {
		n.Device = uint64(st.Rdev)
	}
	return true
}

// linkKey identifies a hard-linked item of the backed-up file system.
type linkKey struct{ dev, ino uint64 }

// restoreSpecial creates a FIFO or device node at dst. It returns false,
// with a warning, when the item cannot be created here.
func (rs *restorer) restoreSpecial(p, dst string, n *Node) bool {
	if fi, err := os.Lstat(dst); err == nil && !fi.IsDir() {
		_ = os.Remove(dst)
	}
	var err error
	switch n.Type {
	case TypeFIFO:
		err = unix.Mkfifo(dst, 0o600)
	case TypeCharDev, TypeDev:
		if os.Geteuid() != 0 {
			rs.warn(p, fmt.Errorf("%s not restored: creating device files needs root", n.Type))
			return false
		}
		mode := uint32(unix.S_IFCHR)
		if n.Type == TypeDev {
			mode = unix.S_IFBLK
		}
		err = unix.Mknod(dst, mode|0o600, int(n.Device))
	}
	if err != nil {
		rs.warn(p, fmt.Errorf("%s not restored: %w", n.Type, err))
		return false
	}
	return true
}

// setXattrs restores extended attributes; each one that cannot be set is
// a warning.
func (rs *restorer) setXattrs(dst string, n *Node) {
	for _, x := range n.Xattrs {
		if err := unix.Lsetxattr(dst, x.Name, x.Value, 0); err != nil {
			rs.warn(dst, fmt.Errorf("extended attribute %s not restored: %w", x.Name, err))
		}
	}
}
