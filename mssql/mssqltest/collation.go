package mssqltest

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Collation is the five-byte TDS collation (MS-TDS 2.2.5.1.2) sent with every
// character column and parameter: the client uses it to pick the code page in
// which char, varchar and text values are encoded.
//
// The zero Collation stands for the server default, SQL_Latin1_General_CP1_CI_AS
// (code page 1252), so most handlers never set one.
type Collation struct {
	// LCID is the Windows locale identifier (20 bits), e.g. 0x0409.
	LCID uint32
	// Flags holds fIgnoreCase (0x01), fIgnoreAccent (0x02), fIgnoreKana
	// (0x04), fIgnoreWidth (0x08), fBinary (0x10), fBinary2 (0x20) and
	// fUTF8 (0x40).
	Flags uint8
	// Version is the collation version (4 bits).
	Version uint8
	// SortID is the SQL collation sort order; 0 for Windows collations.
	SortID uint8
}

// CollationUTF8 is the Flags bit of collations whose char data is UTF-8
// (Latin1_General_100_CI_AS_SC_UTF8 and the like).
const CollationUTF8 = 0x40

// defaultCollation is SQL_Latin1_General_CP1_CI_AS, the setup default of SQL
// Server: LCID 0x0409, case-insensitive, accent-sensitive, sort order 52.
func defaultCollation() Collation {
	return Collation{LCID: 0x0409, Flags: 0x0D, SortID: 52}
}

func (c Collation) orDefault() Collation {
	if c == (Collation{}) {
		return defaultCollation()
	}
	return c
}

// wire returns the five bytes of the collation as TDS sends them.
func (c Collation) wire() [5]byte {
	var b [5]byte
	v := c.LCID&0xFFFFF | uint32(c.Flags)<<20 | uint32(c.Version&0x0F)<<28
	binary.LittleEndian.PutUint32(b[:4], v)
	b[4] = c.SortID
	return b
}

func collationFromWire(b []byte) Collation {
	v := binary.LittleEndian.Uint32(b[:4])
	return Collation{
		LCID:    v & 0xFFFFF,
		Flags:   uint8(v >> 20),
		Version: uint8(v >> 28),
		SortID:  b[4],
	}
}

// codePage tells how char data of this collation is encoded: 65001 for the
// UTF-8 collations, 1252 for the Latin-1 ones, 0 for code pages this package
// does not convert (handlers then pass such values as []byte).
func (c Collation) codePage() int {
	if c == (Collation{}) {
		return 1252
	}
	if c.Flags&CollationUTF8 != 0 {
		return 65001
	}
	switch c.SortID {
	case 50, 51, 52, 53, 54, 71, 72, 73, 74, 75, 183, 184, 185, 186,
		210, 211, 212, 213, 214, 215, 216, 217:
		return 1252
	case 0:
	default:
		return 0
	}
	switch c.LCID {
	case 0x0409, 0x0809, 0x0c09, 0x1009, 0x1409, 0x1809, // English
		0x0407, 0x0807, 0x0c07, // German
		0x040c, 0x080c, 0x0c0c, 0x100c, // French
		0x0410, 0x0810, // Italian
		0x0413, 0x0813, // Dutch
		0x040a, 0x080a, 0x0c0a, // Spanish
		0x0416, 0x0816, // Portuguese
		0x0406, 0x0414, 0x041d, 0x040b, 0x040f: // Nordic
		return 1252
	}
	return 0
}

// cp1252High maps bytes 0x80-0x9F of code page 1252 to Unicode; the other
// bytes of the code page equal their code points. 0xFFFD marks the five
// bytes the code page leaves undefined.
var cp1252High = [32]rune{
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
	0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
}

func encodeCP1252(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r < 0x80 || (r >= 0xA0 && r <= 0xFF):
			out = append(out, byte(r))
		default:
			b := byte('?') // what SQL Server stores for unmappable characters
			for i, h := range cp1252High {
				if h == r && h != 0xFFFD {
					b = byte(0x80 + i)
					break
				}
			}
			out = append(out, b)
		}
	}
	return out
}

func decodeCP1252(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	for _, c := range b {
		if c >= 0x80 && c < 0xA0 {
			sb.WriteRune(cp1252High[c-0x80])
		} else {
			sb.WriteRune(rune(c))
		}
	}
	return sb.String()
}

// encodeChars converts a Go string to the code page of the collation.
func encodeChars(c Collation, s string) ([]byte, error) {
	switch c.codePage() {
	case 1252:
		return encodeCP1252(s), nil
	case 65001:
		return []byte(s), nil
	default:
		return nil, fmt.Errorf("collation %+v: code page not supported, pass the value as []byte", c)
	}
}

// decodeChars converts char data of the collation to a Go string. Data of
// code pages this package does not know is returned as is.
func decodeChars(c Collation, b []byte) string {
	switch c.codePage() {
	case 1252:
		return decodeCP1252(b)
	default:
		if utf8.Valid(b) {
			return string(b)
		}
		return decodeCP1252(b)
	}
}
