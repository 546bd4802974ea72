package repo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// Cache keeps sealed keyframe blobs (the bases of delta blobs) on local
// disk, so that a backup to a remote repository does not read yesterday's
// data back every day. Entries are the encrypted blobs as stored in packs:
// the cache reveals no more than the repository, and every entry is
// decrypted and its ID verified on use, so a corrupt, stale or foreign
// entry is detected, removed and never trusted. The cache is bounded: the
// least recently used entries are removed beyond its size.
type Cache struct {
	dir string
	max int64

	mu   sync.Mutex
	size int64
}

// DefaultCacheSize bounds the cache unless configured otherwise.
const DefaultCacheSize = 4 << 30

// OpenCache opens (creating it) the cache for repository repoID below dir,
// holding at most maxBytes.
func OpenCache(dir, repoID string, maxBytes int64) (*Cache, error) {
	if repoID == "" || filepath.Base(repoID) != repoID {
		return nil, fmt.Errorf("open cache: invalid repository ID %q", repoID)
	}
	c := &Cache{dir: filepath.Join(dir, repoID, "blobs"), max: maxBytes}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return nil, fmt.Errorf("open cache: %w", err)
	}
	err := filepath.WalkDir(c.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			c.size += info.Size()
		}
		return nil
	})
	return c, err
}

// Dir returns the folder the cache keeps its blobs in.
func (c *Cache) Dir() string { return c.dir }

func (c *Cache) path(id ID) string {
	s := id.String()
	return filepath.Join(c.dir, s[:2], s)
}

// get returns the sealed blob cached for id.
func (c *Cache) get(id ID) ([]byte, bool) {
	p := c.path(id)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, false
	}
	now := time.Now()
	_ = os.Chtimes(p, now, now) // least recently used goes first
	return b, true
}

// put stores a sealed blob; failures only mean a cache miss later.
func (c *Cache) put(id ID, sealed []byte) {
	p := c.path(id)
	if _, err := os.Stat(p); err == nil {
		return
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-")
	if err != nil {
		return
	}
	_, werr := f.Write(sealed)
	cerr := f.Close()
	if werr != nil || cerr != nil || os.Rename(f.Name(), p) != nil {
		_ = os.Remove(f.Name())
		return
	}
	c.mu.Lock()
	c.size += int64(len(sealed))
	over := c.size > c.max
	c.mu.Unlock()
	if over {
		c.evict()
	}
}

// remove deletes an entry that failed verification.
func (c *Cache) remove(id ID) {
	p := c.path(id)
	if info, err := os.Stat(p); err == nil && os.Remove(p) == nil {
		c.mu.Lock()
		c.size -= info.Size()
		c.mu.Unlock()
	}
}

// evict removes the least recently used entries until the cache holds at
// most 90% of its bound.
func (c *Cache) evict() {
	c.mu.Lock()
	defer c.mu.Unlock()
	type entry struct {
		path string
		size int64
		used time.Time
	}
	var entries []entry
	var total int64
	_ = filepath.WalkDir(c.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			entries = append(entries, entry{p, info.Size(), info.ModTime()})
			total += info.Size()
		}
		return nil
	})
	sort.Slice(entries, func(i, j int) bool { return entries[i].used.Before(entries[j].used) })
	for _, e := range entries {
		if total <= c.max*9/10 {
			break
		}
		if err := os.Remove(e.path); err == nil || errors.Is(err, fs.ErrNotExist) {
			total -= e.size
		}
	}
	c.size = total
}
