package mssqltest

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"unicode/utf16"
)

// TDS token types (MS-TDS 2.2.7).
const (
	tokReturnStatus = 0x79
	tokColMetadata  = 0x81
	tokError        = 0xAA
	tokInfo         = 0xAB
	tokLoginAck     = 0xAD
	tokRow          = 0xD1
	tokEnvChange    = 0xE3
	tokDone         = 0xFD
	tokDoneProc     = 0xFE
	tokDoneInProc   = 0xFF
)

// DONE status bits (MS-TDS 2.2.7.6).
const (
	doneFinal  = 0x00
	doneMore   = 0x01
	doneError  = 0x02
	doneInXact = 0x04
	doneCount  = 0x10
	doneAttn   = 0x20
)

// curCmd values of DONE tokens.
const (
	cmdSelect = 0xC1
)

// ENVCHANGE types (MS-TDS 2.2.7.9).
const (
	envDatabase      = 1
	envLanguage      = 2
	envPacketSize    = 4
	envSQLCollation  = 7
	envBeginTran     = 8
	envCommitTran    = 9
	envRollbackTran  = 10
	envResetConnAck  = 18
	serverName       = "mssqltest"
	serverLanguage   = "us_english"
	defaultDatabase  = "master"
	serverMajor      = 16 // SQL Server 2022
	serverMinor      = 0
	serverBuild      = 1000
	tdsVersion74     = 0x74000004
	genericErrNumber = 50000
)

// Error is a SQL Server error that a Handler returns, or writes with
// ResultWriter.Error, to send the client an ERROR token: go-mssqldb turns it
// into an mssql.Error with the same number, state, class and message, so
// code under test can be checked against the errors a real server raises.
//
// A Handler error that is not an *Error (nor wraps one) is sent as error
// 50000, class 16, with the error's text as message.
type Error struct {
	// Number is the SQL Server error number, e.g. 208.
	Number int32
	// State is the error state (0 to 255); 0 is sent as 1.
	State uint8
	// Class is the severity; 11 to 16 are user errors. 0 is sent as 16.
	Class uint8
	// Message is the error text.
	Message string
	// ServerName is the server the client sees; empty means "mssqltest".
	ServerName string
	// ProcName is the stored procedure that raised the error, if any.
	ProcName string
	// LineNo is the line of the batch or procedure, 1-based; 0 is sent as 1.
	LineNo int32
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("mssql error %d (class %d, state %d): %s", e.Number, e.Class, e.State, e.Message)
}

// Errorf returns an *Error with the given number and class, state 1, and a
// message formatted as in fmt.Sprintf.
func Errorf(number int32, class uint8, format string, args ...any) *Error {
	return &Error{Number: number, State: 1, Class: class, Message: fmt.Sprintf(format, args...)}
}

// InvalidObjectName returns SQL Server's error 208, raised for a table or
// view that does not exist.
func InvalidObjectName(name string) *Error {
	return &Error{Number: 208, State: 1, Class: 16, Message: fmt.Sprintf("Invalid object name '%s'.", name)}
}

// PermissionDenied returns SQL Server's error 229, raised when the login
// lacks a permission (such as "SELECT") on an object.
func PermissionDenied(permission, object, database, schema string) *Error {
	return &Error{Number: 229, State: 5, Class: 14, Message: fmt.Sprintf(
		"The %s permission was denied on the object '%s', database '%s', schema '%s'.",
		permission, object, database, schema)}
}

// loginFailed is error 18456 as SQL Server sends it to clients: the real
// reason is only written to the server log.
func loginFailed(user string) *Error {
	return &Error{Number: 18456, State: 1, Class: 14, Message: fmt.Sprintf("Login failed for user '%s'.", user)}
}

// cannotOpenDatabase is error 4060, sent before 18456 when the login names
// a database that does not exist.
func cannotOpenDatabase(db string) *Error {
	return &Error{Number: 4060, State: 1, Class: 11, Message: fmt.Sprintf(
		"Cannot open database \"%s\" requested by the login. The login failed.", db)}
}

func appendUSVarChar(b []byte, s string) []byte {
	u := utf16.Encode([]rune(s))
	if len(u) > 0xFFFF {
		u = u[:0xFFFF]
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(len(u)))
	for _, c := range u {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return b
}

// appendBVarChar appends a B_VARCHAR, cutting s to 255 UTF-16 code units.
func appendBVarChar(b []byte, s string) []byte {
	u := utf16.Encode([]rune(s))
	if len(u) > 0xFF {
		u = u[:0xFF]
	}
	b = append(b, byte(len(u)))
	for _, c := range u {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return b
}

func appendBVarByte(b []byte, v []byte) []byte {
	b = append(b, byte(len(v)))
	return append(b, v...)
}

// appendMessage appends an ERROR or INFO token (MS-TDS 2.2.7.10, 2.2.7.13).
func appendMessage(b []byte, tok byte, e *Error) []byte {
	state, class, line, srv := e.State, e.Class, e.LineNo, e.ServerName
	if state == 0 {
		state = 1
	}
	if class == 0 && tok == tokError {
		class = 16
	}
	if line == 0 {
		line = 1
	}
	if srv == "" {
		srv = serverName
	}
	var body []byte
	body = binary.LittleEndian.AppendUint32(body, uint32(e.Number))
	body = append(body, state, class)
	body = appendUSVarChar(body, e.Message)
	body = appendBVarChar(body, srv)
	body = appendBVarChar(body, e.ProcName)
	body = binary.LittleEndian.AppendUint32(body, uint32(line))
	b = append(b, tok)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(body)))
	return append(b, body...)
}

// appendDone appends a DONE, DONEPROC or DONEINPROC token.
func appendDone(b []byte, tok byte, status, curCmd uint16, rows uint64) []byte {
	b = append(b, tok)
	b = binary.LittleEndian.AppendUint16(b, status)
	b = binary.LittleEndian.AppendUint16(b, curCmd)
	return binary.LittleEndian.AppendUint64(b, rows)
}

// appendEnvChange appends one ENVCHANGE token whose value is the already
// encoded new and old values.
func appendEnvChange(b []byte, typ byte, values []byte) []byte {
	b = append(b, tokEnvChange)
	b = binary.LittleEndian.AppendUint16(b, uint16(1+len(values)))
	b = append(b, typ)
	return append(b, values...)
}

func appendEnvChangeStrings(b []byte, typ byte, newValue, oldValue string) []byte {
	v := appendBVarChar(nil, newValue)
	v = appendBVarChar(v, oldValue)
	return appendEnvChange(b, typ, v)
}

func appendTranEnvChange(b []byte, typ byte, desc uint64) []byte {
	d := binary.LittleEndian.AppendUint64(nil, desc)
	var v []byte
	if typ == envBeginTran {
		v = appendBVarByte(v, d)
		v = appendBVarByte(v, nil)
	} else {
		v = appendBVarByte(v, nil)
		v = appendBVarByte(v, d)
	}
	return appendEnvChange(b, typ, v)
}

func appendPacketSizeEnvChange(b []byte, size int) []byte {
	s := strconv.Itoa(size)
	return appendEnvChangeStrings(b, envPacketSize, s, s)
}

func appendCollationEnvChange(b []byte, c Collation) []byte {
	w := c.wire()
	v := appendBVarByte(nil, w[:])
	v = appendBVarByte(v, nil)
	return appendEnvChange(b, envSQLCollation, v)
}

// appendLoginAck appends the LOGINACK token (MS-TDS 2.2.7.14).
func appendLoginAck(b []byte) []byte {
	var body []byte
	body = append(body, 1) // interface: SQL_TSQL
	body = binary.BigEndian.AppendUint32(body, tdsVersion74)
	body = appendBVarChar(body, "Microsoft SQL Server")
	body = append(body, serverMajor, serverMinor, byte(serverBuild>>8), byte(serverBuild&0xFF))
	b = append(b, tokLoginAck)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(body)))
	return append(b, body...)
}

// appendColMetadata appends the COLMETADATA token (MS-TDS 2.2.7.4).
func appendColMetadata(b []byte, cols []*wireColumn) []byte {
	b = append(b, tokColMetadata)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(cols)))
	for _, c := range cols {
		b = binary.LittleEndian.AppendUint32(b, 0) // UserType
		var flags uint16
		if c.Nullable {
			flags |= 0x01
		}
		b = binary.LittleEndian.AppendUint16(b, flags)
		b = c.appendTypeInfo(b)
		b = appendBVarChar(b, c.Name)
	}
	return b
}
