package mssqltest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Login is what a client sent in its LOGIN7 message. A login hook (see
// WithLoginHook) receives it to accept or refuse the login.
type Login struct {
	// User and Password are the SQL Server login and its password, the
	// latter de-obfuscated.
	User     string
	Password string
	// Database is the database the client asked for, or "master" if it
	// named none.
	Database string
	// AppName, HostName, ServerName and Language are as sent by the client.
	AppName    string
	HostName   string
	ServerName string
	Language   string
	// TDSVersion is the protocol version the client asked for, such as
	// 0x74000004 for TDS 7.4.
	TDSVersion uint32
	// PacketSize is the packet size the client asked for.
	PacketSize int
	// IntegratedSecurity is set when the client tried Windows (SSPI)
	// authentication, which this server refuses.
	IntegratedSecurity bool
}

// errLoginRefused ends a connection whose login was refused.
var errLoginRefused = errors.New("login refused")

// PRELOGIN option tokens (MS-TDS 2.2.6.5).
const (
	preloginVersion    = 0
	preloginEncryption = 1
	preloginInstOpt    = 2
	preloginThreadID   = 3
	preloginMARS       = 4
	preloginTerminator = 0xFF
	encryptNotSup      = 2
)

const handshakeTimeout = 30 * time.Second

// handshake runs PRELOGIN and LOGIN7 and sends the login response.
func (c *conn) handshake() error {
	if err := c.nc.SetDeadline(time.Now().Add(handshakeTimeout)); err != nil {
		return fmt.Errorf("set deadline: %w", err)
	}
	m, err := readMessage(c.nc)
	if err != nil {
		return fmt.Errorf("read PRELOGIN: %w", err)
	}
	if m.typ != packPrelogin {
		// TDS 8 (encrypt=strict) starts with a TLS handshake instead.
		return fmt.Errorf("expected PRELOGIN, got message type %d (strict encryption is not supported)", m.typ)
	}
	if err := checkPrelogin(m.data); err != nil {
		return fmt.Errorf("PRELOGIN: %w", err)
	}
	c.pw.begin(packReply)
	if _, err := c.pw.Write(preloginResponse()); err != nil {
		return err
	}
	if err := c.pw.end(); err != nil {
		return err
	}

	m, err = readMessage(c.nc)
	if err != nil {
		return fmt.Errorf("read LOGIN7: %w", err)
	}
	if m.typ != packLogin7 {
		return fmt.Errorf("expected LOGIN7, got message type %d (is the client trying to encrypt?)", m.typ)
	}
	l, err := parseLogin7(m.data)
	if err != nil {
		return fmt.Errorf("LOGIN7: %w", err)
	}
	if errs := c.srv.checkLogin(l); len(errs) > 0 {
		var b []byte
		for _, e := range errs {
			b = appendMessage(b, tokError, e)
		}
		b = appendDone(b, tokDone, doneError, 0, 0)
		c.pw.begin(packReply)
		if _, err := c.pw.Write(b); err == nil {
			_ = c.pw.end()
		}
		return errLoginRefused
	}

	size := l.PacketSize
	switch {
	case size == 0:
		size = defaultPacketSize
	case size < minPacketSize:
		size = minPacketSize
	case size > maxPacketSize:
		size = maxPacketSize
	}
	c.pw.setSize(size)
	c.login = l
	c.database = l.Database

	var b []byte
	b = appendEnvChangeStrings(b, envDatabase, l.Database, defaultDatabase)
	b = appendMessage(b, tokInfo, &Error{Number: 5701, State: 2, Message: fmt.Sprintf("Changed database context to '%s'.", l.Database)})
	b = appendCollationEnvChange(b, defaultCollation())
	b = appendEnvChangeStrings(b, envLanguage, serverLanguage, "")
	b = appendMessage(b, tokInfo, &Error{Number: 5703, State: 1, Message: "Changed language setting to " + serverLanguage + "."})
	b = appendLoginAck(b)
	b = appendPacketSizeEnvChange(b, size)
	b = appendDone(b, tokDone, doneFinal, 0, 0)
	c.pw.begin(packReply)
	if _, err := c.pw.Write(b); err != nil {
		return err
	}
	if err := c.pw.end(); err != nil {
		return err
	}
	if err := c.nc.SetDeadline(time.Time{}); err != nil {
		return fmt.Errorf("clear deadline: %w", err)
	}
	return nil
}

// checkPrelogin validates the option table of a PRELOGIN request. The
// options themselves need no answer but a fixed one: this server never
// encrypts, which clients accept with encrypt=disable (or false/optional).
func checkPrelogin(data []byte) error {
	for off := 0; ; off += 5 {
		if off >= len(data) {
			return errors.New("option table has no terminator")
		}
		if data[off] == preloginTerminator {
			return nil
		}
		if off+5 > len(data) {
			return errors.New("truncated option table")
		}
		o := int(binary.BigEndian.Uint16(data[off+1:]))
		n := int(binary.BigEndian.Uint16(data[off+3:]))
		if o+n > len(data) {
			return fmt.Errorf("option %d points past the message", data[off])
		}
	}
}

// preloginResponse is the server's PRELOGIN answer: version, encryption not
// supported, no instance, no thread id, MARS off.
func preloginResponse() []byte {
	opts := []struct {
		tok  byte
		data []byte
	}{
		{preloginVersion, []byte{serverMajor, serverMinor, byte(serverBuild >> 8), byte(serverBuild & 0xFF), 0, 0}},
		{preloginEncryption, []byte{encryptNotSup}},
		{preloginInstOpt, []byte{0}},
		{preloginThreadID, nil},
		{preloginMARS, []byte{0}},
	}
	off := 5*len(opts) + 1
	var hdr, body []byte
	for _, o := range opts {
		hdr = append(hdr, o.tok)
		hdr = binary.BigEndian.AppendUint16(hdr, uint16(off+len(body)))
		hdr = binary.BigEndian.AppendUint16(hdr, uint16(len(o.data)))
		body = append(body, o.data...)
	}
	hdr = append(hdr, preloginTerminator)
	return append(hdr, body...)
}

// login7FixedSize is the size of the fixed part of LOGIN7 (TDS 7.2 and
// later).
const login7FixedSize = 94

// parseLogin7 decodes a LOGIN7 message (MS-TDS 2.2.6.4).
func parseLogin7(data []byte) (*Login, error) {
	if len(data) < login7FixedSize {
		return nil, fmt.Errorf("message of %d bytes is shorter than %d", len(data), login7FixedSize)
	}
	le := binary.LittleEndian
	l := &Login{
		TDSVersion:         le.Uint32(data[4:]),
		PacketSize:         int(le.Uint32(data[8:])),
		IntegratedSecurity: data[25]&0x80 != 0,
	}
	var firstErr error
	field := func(at int, mangled bool) string {
		off := int(le.Uint16(data[at:]))
		n := 2 * int(le.Uint16(data[at+2:]))
		if n == 0 {
			return ""
		}
		if off+n > len(data) {
			if firstErr == nil {
				firstErr = fmt.Errorf("field at %d points past the message", at)
			}
			return ""
		}
		b := data[off : off+n]
		if mangled {
			b = unmanglePassword(b)
		}
		s, err := decodeUCS2(b)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return s
	}
	l.HostName = field(36, false)
	l.User = field(40, false)
	l.Password = field(44, true)
	l.AppName = field(48, false)
	l.ServerName = field(52, false)
	l.Language = field(64, false)
	l.Database = field(68, false)
	if firstErr != nil {
		return nil, firstErr
	}
	if l.Database == "" {
		l.Database = defaultDatabase
	}
	return l, nil
}

// unmanglePassword undoes LOGIN7's password obfuscation: each byte had its
// nibbles swapped and was XORed with 0xA5.
func unmanglePassword(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		c ^= 0xA5
		out[i] = c<<4 | c>>4
	}
	return out
}

// checkLogin returns the errors refusing the login, in the order SQL
// Server sends them, or nil to accept it. It also sets the canonical
// spelling of the database name.
func (s *Server) checkLogin(l *Login) []*Error {
	if l.IntegratedSecurity {
		return []*Error{loginFailed("")}
	}
	if s.opts.checkCredentials && (l.User != s.opts.user || l.Password != s.opts.password) {
		return []*Error{loginFailed(l.User)}
	}
	if len(s.opts.databases) > 0 && !strings.EqualFold(l.Database, defaultDatabase) {
		found := false
		for _, db := range s.opts.databases {
			if strings.EqualFold(db, l.Database) {
				l.Database, found = db, true
				break
			}
		}
		if !found {
			return []*Error{cannotOpenDatabase(l.Database), loginFailed(l.User)}
		}
	}
	if s.opts.loginHook != nil {
		if err := s.opts.loginHook(l); err != nil {
			var e *Error
			if !errors.As(err, &e) {
				e = loginFailed(l.User)
			}
			return []*Error{e}
		}
	}
	return nil
}
