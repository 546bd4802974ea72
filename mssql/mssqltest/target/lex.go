package target

import (
	"fmt"
	"strings"
)

// tokKind is the kind of a token of T-SQL text.
type tokKind uint8

const (
	tWord   tokKind = iota + 1 // keyword or regular identifier (also @var, #tmp)
	tQuoted                    // delimited identifier: [x] or "x"
	tString                    // 'x' or N'x'
	tNumber                    // 12, 1.5, 0x0A
	tPunct                     // one other character: ( ) , . ; = + ...
)

// token is one token of a batch; text is its value: the identifier
// without its delimiters, the string without its quotes and with doubled
// quotes undone, the word or character as written.
type token struct {
	kind       tokKind
	text       string
	start, end int // byte offsets in the source
}

// is tells whether t is the word w, case-insensitively.
func (t token) is(w string) bool { return t.kind == tWord && strings.EqualFold(t.text, w) }

// punct tells whether t is the character c.
func (t token) punct(c string) bool { return t.kind == tPunct && t.text == c }

// name tells whether t can be a name: a word or a delimited identifier.
func (t token) name() bool { return t.kind == tWord || t.kind == tQuoted }

// lex splits T-SQL text into tokens, leaving out white space and comments
// (-- to the end of the line, and /* */, which nest in T-SQL).
func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f' || c == 0xEF && strings.HasPrefix(s[i:], "\uFEFF"):
			if c == 0xEF {
				i += 3
			} else {
				i++
			}
		case strings.HasPrefix(s[i:], "--"):
			j := strings.IndexAny(s[i:], "\r\n")
			if j < 0 {
				j = len(s) - i
			}
			i += j
		case strings.HasPrefix(s[i:], "/*"):
			depth, j := 0, i
			for j < len(s) {
				switch {
				case strings.HasPrefix(s[j:], "/*"):
					depth++
					j += 2
				case strings.HasPrefix(s[j:], "*/"):
					depth--
					j += 2
				default:
					j++
				}
				if depth == 0 {
					break
				}
			}
			if depth != 0 {
				return nil, fmt.Errorf("unterminated comment at offset %d", i)
			}
			i = j
		case c == '[' || c == '"':
			closer := byte(']')
			if c == '"' {
				closer = '"'
			}
			text, end, ok := delimited(s, i+1, closer)
			if !ok {
				return nil, fmt.Errorf("unterminated identifier at offset %d", i)
			}
			toks = append(toks, token{kind: tQuoted, text: text, start: i, end: end})
			i = end
		case c == '\'' || (c == 'N' || c == 'n') && i+1 < len(s) && s[i+1] == '\'':
			j := i + 1
			if c != '\'' {
				j++
			}
			text, end, ok := delimited(s, j, '\'')
			if !ok {
				return nil, fmt.Errorf("unterminated string at offset %d", i)
			}
			toks = append(toks, token{kind: tString, text: text, start: i, end: end})
			i = end
		case c >= '0' && c <= '9':
			j := i + 1
			for j < len(s) && (isWordByte(s[j]) || s[j] == '.') {
				j++
			}
			toks = append(toks, token{kind: tNumber, text: s[i:j], start: i, end: j})
			i = j
		case isWordByte(c):
			j := i + 1
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			toks = append(toks, token{kind: tWord, text: s[i:j], start: i, end: j})
			i = j
		default:
			toks = append(toks, token{kind: tPunct, text: s[i : i+1], start: i, end: i + 1})
			i++
		}
	}
	return toks, nil
}

// isWordByte tells the bytes of regular identifiers (letters, digits, _,
// @, #, $ and every byte of a non-ASCII character).
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '@' || c == '#' || c == '$' || c >= 0x80
}

// delimited reads a delimited text from s[i:] up to closer, a doubled
// closer standing for one; it returns the text and the offset after the
// closer.
func delimited(s string, i int, closer byte) (string, int, bool) {
	var b strings.Builder
	for i < len(s) {
		j := strings.IndexByte(s[i:], closer)
		if j < 0 {
			return "", 0, false
		}
		b.WriteString(s[i : i+j])
		i += j + 1
		if i < len(s) && s[i] == closer {
			b.WriteByte(closer)
			i++
			continue
		}
		return b.String(), i, true
	}
	return "", 0, false
}

// quoteName brackets a name as the scripter writes it: [a]]b].
func quoteName(s string) string {
	return "[" + strings.ReplaceAll(s, "]", "]]") + "]"
}

// qualified returns "[schema].[name]".
func qualified(schema, name string) string {
	return quoteName(schema) + "." + quoteName(name)
}
