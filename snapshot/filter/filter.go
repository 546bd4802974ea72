// Package filter matches file paths against exclude patterns in restic's
// syntax, so that a backup can leave items out by name or by place.
//
// A pattern is split at '/' into components; each component is matched
// against one component of the path with filepath.Match ('*', '?', '[…]',
// '\' escapes), except "**", which matches any number of components (none
// included). A pattern that starts with '/' is anchored: it must match the
// whole absolute path. Any other pattern matches the last components of the
// path, so "*.tmp" matches a file of that name in any folder and "cache/x"
// matches /home/ann/cache/x.
package filter

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// Pattern is one parsed exclude pattern.
type Pattern struct {
	text     string
	parts    []string // components; parts[0] == "" when anchored
	anchored bool
	fold     bool // case-insensitive
}

// String returns the pattern as given.
func (p Pattern) String() string { return p.text }

// Parse parses a pattern. With fold set the pattern matches regardless of
// case (each side lower-cased, as restic's --iexclude does).
func Parse(text string, fold bool) (Pattern, error) {
	p := Pattern{text: text, fold: fold}
	s := text
	if fold {
		s = strings.ToLower(s)
	}
	if strings.TrimSpace(s) == "" {
		return p, errors.New("empty pattern")
	}
	s = filepath.Clean(s)
	p.anchored = strings.HasPrefix(s, "/")
	s = strings.TrimPrefix(s, "/")
	if s == "" { // "/" alone: the root
		p.parts = nil
		return p, nil
	}
	for _, part := range strings.Split(s, "/") {
		if part == "**" {
			// Consecutive "**" mean the same as one.
			if n := len(p.parts); n > 0 && p.parts[n-1] == "**" {
				continue
			}
		} else if _, err := filepath.Match(part, ""); err != nil {
			return p, fmt.Errorf("pattern %q: %w", text, err)
		}
		p.parts = append(p.parts, part)
	}
	return p, nil
}

// Match reports whether the absolute, clean path p matches the pattern.
func (pat Pattern) Match(p string) bool {
	if pat.fold {
		p = strings.ToLower(p)
	}
	comps := splitPath(p)
	if pat.anchored {
		return matchParts(pat.parts, comps)
	}
	if len(pat.parts) == 0 {
		return false
	}
	for off := len(comps) - 1; off >= 0; off-- {
		if matchParts(pat.parts, comps[off:]) {
			return true
		}
	}
	return false
}

// splitPath splits an absolute path into its components ("/" has none).
func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// matchParts reports whether the pattern components match all of the
// path components. It runs in O(len(pat) × len(comps)) whatever the
// number of "**": row i says which suffixes of comps pat[i:] matches.
func matchParts(pat, comps []string) bool {
	n := len(comps)
	next := make([]bool, n+1) // pat[i+1:] matches comps[j:]
	cur := make([]bool, n+1)
	next[n] = true // no pattern left matches no components left
	for i := len(pat) - 1; i >= 0; i-- {
		for j := n; j >= 0; j-- {
			switch {
			case pat[i] == "**":
				// Zero components, or one and "**" again.
				cur[j] = next[j] || (j < n && cur[j+1])
			case j == n:
				cur[j] = false
			default:
				ok, _ := filepath.Match(pat[i], comps[j])
				cur[j] = ok && next[j+1]
			}
		}
		next, cur = cur, next
	}
	return next[0]
}

// List is a set of patterns; a path matches the list when it matches one
// of them.
type List []Pattern

// Add parses each text and appends it.
func (l *List) Add(texts []string, fold bool) error {
	for _, t := range texts {
		p, err := Parse(t, fold)
		if err != nil {
			return err
		}
		*l = append(*l, p)
	}
	return nil
}

// Match reports whether p matches one of the patterns.
func (l List) Match(p string) bool {
	for _, pat := range l {
		if pat.Match(p) {
			return true
		}
	}
	return false
}

// ReadLines returns the lines of r that are neither empty (after trimming
// blanks) nor comments (first non-blank character '#'), without line
// ending ("\n" or "\r\n"). Lines keep their inner and trailing blanks only
// when keep is set: pattern files trim them, lists of paths keep them,
// since a file name may end in a blank.
func ReadLines(r io.Reader, keep bool) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if !keep {
			line = t
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
