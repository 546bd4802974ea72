package config

import (
	"strconv"
	"strings"
)

// lineIndex maps a key path (its parts joined by pathSep; an element of an
// array, whether an array of tables or an inline array, is its index in
// decimal) to the line on which the key, or the element, begins.
//
// The TOML library keeps key positions to itself (MetaData has no public
// position per key in v1.6.0, and the one it keeps for [[array]] tables is
// the last element's), so the loader finds lines with this small scanner,
// which runs only over text the library has already parsed without error.
type lineIndex map[string]int

const pathSep = "\x1f"

func joinPath(p []string) string { return strings.Join(p, pathSep) }

// line returns the line of the longest prefix of path that was recorded:
// a key inside a one-line inline table gets the line of its table.
func (ix lineIndex) line(path []string) int {
	for n := len(path); n > 0; n-- {
		if l, ok := ix[joinPath(path[:n])]; ok {
			return l
		}
	}
	return 0
}

// indexLines scans valid TOML and records the line of every key, table
// header and array element.
func indexLines(src string) lineIndex {
	s := &lineScanner{src: src, line: 1, ix: lineIndex{}, next: map[string]int{}, cur: map[string]int{}}
	s.document()
	return s.ix
}

type lineScanner struct {
	src  string
	i    int
	line int
	ix   lineIndex
	next map[string]int // [[array]] path → the index its next element gets
	cur  map[string]int // [[array]] path → the index of its current element
}

func (s *lineScanner) eof() bool { return s.i >= len(s.src) }

func (s *lineScanner) peek() byte {
	if s.eof() {
		return 0
	}
	return s.src[s.i]
}

func (s *lineScanner) advance() {
	if s.src[s.i] == '\n' {
		s.line++
	}
	s.i++
}

func (s *lineScanner) record(path []string) {
	k := joinPath(path)
	if _, ok := s.ix[k]; !ok {
		s.ix[k] = s.line
	}
}

// space skips blanks, and with nl also newlines and comments.
func (s *lineScanner) space(nl bool) {
	for !s.eof() {
		switch c := s.peek(); {
		case c == ' ' || c == '\t' || c == '\r':
			s.advance()
		case nl && c == '\n':
			s.advance()
		case nl && c == '#':
			for !s.eof() && s.peek() != '\n' {
				s.advance()
			}
		default:
			return
		}
	}
}

func (s *lineScanner) document() {
	var table []string
	for {
		s.space(true)
		if s.eof() {
			return
		}
		start := s.i
		if s.peek() == '[' {
			table = s.header()
		} else {
			s.keyValue(table)
		}
		if s.i == start { // not TOML the parser accepted: never loop
			s.advance()
		}
	}
}

// keyValue reads "key = value" in the table at path.
func (s *lineScanner) keyValue(table []string) {
	key := s.key()
	if len(key) == 0 {
		return
	}
	path := append(append([]string(nil), table...), key...)
	s.record(path)
	s.space(false)
	if s.peek() == '=' {
		s.advance()
		s.value(path)
	}
}

// header reads [a.b] or [[a.b]] and returns the table's path.
func (s *lineScanner) header() []string {
	s.advance()
	double := s.peek() == '['
	if double {
		s.advance()
	}
	s.space(false)
	parts := s.key()
	var res []string
	for n, p := range parts {
		res = append(res, p)
		k := joinPath(res)
		if double && n == len(parts)-1 {
			idx := s.next[k]
			s.next[k] = idx + 1
			s.cur[k] = idx
			s.record(res)
			res = append(res, strconv.Itoa(idx))
		} else if idx, ok := s.cur[k]; ok {
			res = append(res, strconv.Itoa(idx))
		}
	}
	s.record(res)
	for !s.eof() && s.peek() != '\n' && s.peek() != '#' {
		s.advance()
	}
	return res
}

// key reads a dotted key of bare and quoted parts.
func (s *lineScanner) key() []string {
	var parts []string
	for {
		s.space(false)
		switch c := s.peek(); {
		case c == '"' || c == '\'':
			parts = append(parts, s.str())
		case isBare(c):
			start := s.i
			for !s.eof() && isBare(s.peek()) {
				s.advance()
			}
			parts = append(parts, s.src[start:s.i])
		default:
			return parts
		}
		s.space(false)
		if s.peek() != '.' {
			return parts
		}
		s.advance()
	}
}

func isBare(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// str reads a basic, literal or multi-line string and returns its text
// (escapes are not decoded: keys with escapes are not ours).
func (s *lineScanner) str() string {
	q := s.peek()
	triple := strings.HasPrefix(s.src[s.i:], strings.Repeat(string(q), 3))
	if triple {
		s.i += 3
		end := strings.Index(s.src[s.i:], strings.Repeat(string(q), 3))
		if end < 0 {
			end = len(s.src) - s.i
		}
		text := s.src[s.i : s.i+end]
		s.line += strings.Count(text, "\n")
		s.i += end + 3
		for !s.eof() && s.peek() == q { // """a"""" ends with quotes in the text
			s.i++
		}
		if s.i > len(s.src) {
			s.i = len(s.src)
		}
		return text
	}
	s.advance()
	start := s.i
	for !s.eof() && s.peek() != q && s.peek() != '\n' {
		if q == '"' && s.peek() == '\\' && s.i+1 < len(s.src) {
			s.i++
		}
		s.advance()
	}
	text := s.src[start:s.i]
	if !s.eof() && s.peek() == q {
		s.advance()
	}
	return text
}

// value reads a value of the key at path, recording the keys of inline
// tables and the elements of arrays.
func (s *lineScanner) value(path []string) {
	s.space(false)
	switch c := s.peek(); c {
	case '"', '\'':
		s.str()
	case '[':
		s.advance()
		for n := 0; ; {
			s.space(true)
			switch s.peek() {
			case 0:
				return
			case ']':
				s.advance()
				return
			case ',':
				s.advance()
				continue
			}
			start := s.i
			el := append(append([]string(nil), path...), strconv.Itoa(n))
			s.record(el)
			s.value(el)
			n++
			if s.i == start {
				s.advance()
			}
		}
	case '{':
		s.advance()
		for {
			s.space(true)
			switch s.peek() {
			case 0:
				return
			case '}':
				s.advance()
				return
			case ',':
				s.advance()
				continue
			}
			start := s.i
			s.keyValue(path)
			if s.i == start {
				s.advance()
			}
		}
	default: // numbers, booleans, dates
		for !s.eof() && !strings.ContainsRune(",]}\n#", rune(s.peek())) {
			s.advance()
		}
	}
}
