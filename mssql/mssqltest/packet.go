package mssqltest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// TDS packet types (MS-TDS 2.2.3.1.1).
const (
	packSQLBatch   = 1
	packRPCRequest = 3
	packReply      = 4
	packAttention  = 6
	packBulkLoad   = 7
	packTransMgr   = 14
	packLogin7     = 16
	packSSPI       = 17
	packPrelogin   = 18
)

// Packet status bits (MS-TDS 2.2.3.1.2).
const (
	statusEOM          = 0x01
	statusResetConn    = 0x08
	statusResetConnTMS = 0x10
)

const (
	packetHeaderSize = 8
	// defaultPacketSize is used until LOGIN7 negotiates another size.
	defaultPacketSize = 4096
	minPacketSize     = 512
	// maxPacketSize is the largest size go-mssqldb can receive: its read
	// buffer is 32 KiB and it clamps its request to 32767.
	maxPacketSize = 32767
	// maxMessageSize bounds one client request so that a broken client cannot
	// make the server allocate without limit.
	maxMessageSize = 1 << 30
)

// message is one client request: the payload of a sequence of packets of
// one type, up to and including the packet with the EOM bit.
type message struct {
	typ    byte
	status byte // status of the first packet (carries RESETCONNECTION)
	data   []byte
}

// readMessage reads packets from r until the end of a message.
func readMessage(r io.Reader) (message, error) {
	var m message
	var hdr [packetHeaderSize]byte
	for first := true; ; first = false {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if !first && errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return m, err
		}
		size := int(binary.BigEndian.Uint16(hdr[2:4]))
		if size < packetHeaderSize {
			return m, fmt.Errorf("packet length %d is shorter than its header", size)
		}
		if first {
			m.typ = hdr[0]
			m.status = hdr[1]
		} else if hdr[0] != m.typ {
			// An attention packet may only come between messages, never
			// inside one; any other change of type is a protocol error.
			return m, fmt.Errorf("packet of type %d inside a message of type %d", hdr[0], m.typ)
		}
		if len(m.data)+size > maxMessageSize {
			return m, fmt.Errorf("message of type %d exceeds %d bytes", m.typ, maxMessageSize)
		}
		start := len(m.data)
		m.data = append(m.data, make([]byte, size-packetHeaderSize)...)
		if _, err := io.ReadFull(r, m.data[start:]); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return m, err
		}
		if hdr[1]&statusEOM != 0 {
			return m, nil
		}
	}
}

// packetWriter splits one outgoing message into TDS packets of the
// negotiated size and writes each packet to the connection as soon as it is
// full, so a large result set is streamed rather than held in memory.
type packetWriter struct {
	w    io.Writer
	size int
	buf  []byte // len(buf) == size
	pos  int
	typ  byte
	seq  byte
	spid uint16
	err  error // sticky write error
}

func newPacketWriter(w io.Writer, size int, spid uint16) *packetWriter {
	pw := &packetWriter{w: w, spid: spid}
	pw.setSize(size)
	return pw
}

// setSize changes the packet size; it must be called between messages.
func (pw *packetWriter) setSize(size int) {
	pw.size = size
	pw.buf = make([]byte, size)
	pw.pos = packetHeaderSize
}

// begin starts a new message of the given packet type.
func (pw *packetWriter) begin(typ byte) {
	pw.typ = typ
	pw.seq = 1
	pw.pos = packetHeaderSize
}

// Write appends p to the current message. A packet is sent only once it is
// full and more data follows, so that end can mark the last one with EOM.
func (pw *packetWriter) Write(p []byte) (int, error) {
	if pw.err != nil {
		return 0, pw.err
	}
	n := 0
	for len(p) > 0 {
		if pw.pos == pw.size {
			if err := pw.flush(false); err != nil {
				return n, err
			}
		}
		c := copy(pw.buf[pw.pos:], p)
		pw.pos += c
		n += c
		p = p[c:]
	}
	return n, nil
}

// end sends the last packet of the message with the EOM status bit.
func (pw *packetWriter) end() error {
	if pw.err != nil {
		return pw.err
	}
	return pw.flush(true)
}

// flushPartial sends the data written so far as a packet that is not the
// last of its message; it is used to deliver rows before a simulated fault.
func (pw *packetWriter) flushPartial() error {
	if pw.err != nil || pw.pos == packetHeaderSize {
		return pw.err
	}
	return pw.flush(false)
}

func (pw *packetWriter) flush(final bool) error {
	pw.buf[0] = pw.typ
	pw.buf[1] = 0
	if final {
		pw.buf[1] = statusEOM
	}
	binary.BigEndian.PutUint16(pw.buf[2:4], uint16(pw.pos))
	binary.BigEndian.PutUint16(pw.buf[4:6], pw.spid)
	pw.buf[6] = pw.seq
	pw.buf[7] = 0
	if _, err := pw.w.Write(pw.buf[:pw.pos]); err != nil {
		pw.err = fmt.Errorf("write packet: %w", err)
		return pw.err
	}
	pw.seq++
	pw.pos = packetHeaderSize
	return nil
}
