package load

import (
	"bufio"
	"io"
	"strings"
)

// batch is one batch of a script file: its text as sqlcmd sends it, the
// line of its first statement (1-based, in the file) and the object it
// is about, from the last heading comment before it ("-- Table
// [dbo].[t]"), "" if none.
type batch struct {
	text   string
	line   int
	object string
}

// batchReader cuts a script file into batches as sqlcmd does with the
// scripter's files: at each line that is GO alone (the scripter writes
// no GO with a count, and never a line GO inside a string or comment:
// sqlcmdSafe, docs/design.md §14 Clients); a UTF-8 byte order mark at the
// start is dropped, and text after the last GO is a batch too. A batch of
// nothing but blank and comment lines is skipped: it would run nothing.
type batchReader struct {
	r       *bufio.Reader
	lineNo  int
	heading string
	err     error
	cur     batch
}

func newBatchReader(r io.Reader) *batchReader {
	return &batchReader{r: bufio.NewReaderSize(r, 256<<10)}
}

// next reads the next batch; false at the end or on a read error (err).
func (b *batchReader) next() bool {
	var text strings.Builder
	line, object := 0, ""
	for {
		l, err := b.r.ReadString('\n')
		if err != nil && err != io.EOF {
			b.err = err
			return false
		}
		if l == "" && err == io.EOF {
			if line == 0 {
				return false
			}
			b.cur = batch{text: text.String(), line: line, object: object}
			return true
		}
		b.lineNo++
		if b.lineNo == 1 {
			l = strings.TrimPrefix(l, "\uFEFF")
		}
		bare := strings.TrimRight(l, "\r\n")
		if strings.EqualFold(strings.TrimSpace(bare), "GO") {
			if line == 0 {
				text.Reset()
				continue
			}
			b.cur = batch{text: strings.TrimSuffix(text.String(), "\n"), line: line, object: object}
			return true
		}
		text.WriteString(l)
		switch t := strings.TrimSpace(bare); {
		case strings.HasPrefix(t, "-- "):
			if h := heading(t[3:]); h != "" && line == 0 {
				b.heading = h
			}
		case t != "" && line == 0:
			line, object = b.lineNo, b.heading
		}
		if err == io.EOF {
			if line == 0 {
				return false
			}
			b.cur = batch{text: text.String(), line: line, object: object}
			return true
		}
	}
}

// heading returns the object a comment line names when it is one of the
// scripter's headings, a kind and a bracketed name ("Table [dbo].[t]",
// "Data of table [s].[t]"), else "".
func heading(c string) string {
	i := strings.Index(c, " [")
	if i <= 0 || c[0] < 'A' || c[0] > 'Z' {
		return ""
	}
	for _, r := range c[:i] {
		if !(r == ' ' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
			return ""
		}
	}
	return c
}
