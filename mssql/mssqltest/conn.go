package mssqltest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"sync"
	"syscall"
)

// ConnInfo describes the session that sent a request.
type ConnInfo struct {
	// ID numbers the connections of a Server from 1; it is also the SPID
	// the client sees in packet headers.
	ID uint64
	// User is the login name.
	User string
	// Database is the session's current database.
	Database string
	// AppName and HostName are what the client sent at login.
	AppName  string
	HostName string
	// TranCount is the session's @@TRANCOUNT.
	TranCount int
}

// activeRequest is the request a connection is working on; the reader
// goroutine cancels it when an attention arrives.
type activeRequest struct {
	ctx      context.Context
	cancel   context.CancelFunc
	attn     bool // guarded by conn.mu
	finished bool // guarded by conn.mu
}

type incoming struct {
	msg message
	req *activeRequest // nil for a late attention
}

// conn is one client connection.
type conn struct {
	srv    *Server
	nc     net.Conn
	id     uint64
	ctx    context.Context // canceled when the connection ends
	cancel context.CancelFunc
	pw     *packetWriter

	// Session state, used only by the request goroutine.
	login     *Login
	database  string
	tranCount int
	tranDesc  uint64
	tranSeq   uint64

	mu     sync.Mutex
	active *activeRequest
}

func newConn(srv *Server, nc net.Conn, id uint64) *conn {
	ctx, cancel := context.WithCancel(srv.ctx)
	return &conn{
		srv:    srv,
		nc:     nc,
		id:     id,
		ctx:    ctx,
		cancel: cancel,
		pw:     newPacketWriter(nc, defaultPacketSize, uint16(id)),
	}
}

func (c *conn) info() ConnInfo {
	return ConnInfo{
		ID:        c.id,
		User:      c.login.User,
		Database:  c.database,
		AppName:   c.login.AppName,
		HostName:  c.login.HostName,
		TranCount: c.tranCount,
	}
}

func (c *conn) newTranDesc() uint64 {
	c.tranSeq++
	return c.id<<32 | c.tranSeq
}

// serve runs the connection until the client leaves, a fault is injected
// or the server closes.
func (c *conn) serve() {
	defer c.cancel()
	defer c.nc.Close()
	if err := c.handshake(); err != nil {
		if !errors.Is(err, errLoginRefused) && !isClosedErr(err) {
			c.srv.logf("mssqltest: conn %d: login: %v", c.id, err)
		}
		return
	}
	in := make(chan incoming, 1)
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		c.readLoop(in)
	}()
	defer func() {
		c.nc.Close()
		<-readerDone
	}()
	for it := range in {
		if err := c.handle(it); err != nil {
			if !isClosedErr(err) && !errors.Is(err, ErrDropConnection) && !errors.Is(err, errHandlerPanic) {
				c.srv.logf("mssqltest: conn %d: %v", c.id, err)
			}
			return
		}
	}
}

// readLoop reads client messages while requests run, so that an attention
// can cancel the request in progress.
func (c *conn) readLoop(in chan<- incoming) {
	defer close(in)
	defer c.cancel() // a client that is gone cancels its request
	for {
		m, err := readMessage(c.nc)
		if err != nil {
			if !isClosedErr(err) {
				c.srv.logf("mssqltest: conn %d: read: %v", c.id, err)
			}
			return
		}
		var req *activeRequest
		if m.typ == packAttention {
			c.mu.Lock()
			if a := c.active; a != nil && !a.finished {
				a.attn = true
				a.cancel()
				c.mu.Unlock()
				continue
			}
			c.mu.Unlock()
			// The response was complete before the attention came; the
			// request goroutine acknowledges it in a message of its own.
		} else {
			ctx, cancel := context.WithCancel(c.ctx)
			req = &activeRequest{ctx: ctx, cancel: cancel}
			c.mu.Lock()
			c.active = req
			c.mu.Unlock()
		}
		select {
		case in <- incoming{msg: m, req: req}:
		case <-c.ctx.Done():
			if req != nil {
				req.cancel()
			}
			return
		}
	}
}

// finishRequest marks the request complete and reports whether an
// attention arrived for it.
func (c *conn) finishRequest(a *activeRequest) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	a.finished = true
	return a.attn
}

// handle answers one client message; an error ends the connection.
func (c *conn) handle(it incoming) error {
	m := it.msg
	if it.req == nil { // late attention
		c.pw.begin(packReply)
		if _, err := c.pw.Write(appendDone(nil, tokDone, doneAttn, 0, 0)); err != nil {
			return err
		}
		return c.pw.end()
	}
	defer it.req.cancel()
	c.pw.begin(packReply)
	if m.status&(statusResetConn|statusResetConnTMS) != 0 {
		c.resetSession()
		if _, err := c.pw.Write(appendEnvChange(nil, envResetConnAck, []byte{0, 0})); err != nil {
			return err
		}
	}
	switch m.typ {
	case packSQLBatch:
		req, err := parseBatch(m.data)
		if err != nil {
			return c.protocolError(it.req, err)
		}
		req.Conn = c.info()
		return c.runHandler(it.req, req)
	case packRPCRequest:
		req, err := parseRPC(m.data)
		if err != nil {
			return c.protocolError(it.req, err)
		}
		req.Conn = c.info()
		return c.runHandler(it.req, req)
	case packTransMgr:
		return c.transaction(it.req, m.data)
	case packBulkLoad:
		return c.bulkLoad(it.req, m.data)
	default:
		return c.protocolError(it.req, fmt.Errorf("unsupported message type %d", m.typ))
	}
}

// resetSession carries out RESETCONNECTION, which go-mssqldb requests when
// database/sql reuses a pooled connection.
func (c *conn) resetSession() {
	c.database = c.login.Database
	c.tranCount, c.tranDesc = 0, 0
}

// protocolError answers a request the server cannot decode with error 4002
// and closes the connection.
func (c *conn) protocolError(a *activeRequest, err error) error {
	c.finishRequest(a)
	e := &Error{Number: 4002, State: 1, Class: 16, Message: "The incoming tabular data stream (TDS) protocol stream is incorrect. " + err.Error()}
	b := appendMessage(nil, tokError, e)
	b = appendDone(b, tokDone, doneError, 0, 0)
	if _, werr := c.pw.Write(b); werr == nil {
		_ = c.pw.end()
	}
	return fmt.Errorf("protocol error: %w", err)
}

// runHandler calls the Handler for a batch or RPC request and completes the
// response.
func (c *conn) runHandler(a *activeRequest, req *Request) (err error) {
	w := &resultWriter{c: c, req: req, ctx: a.ctx, rpc: req.Kind == KindRPC}
	herr := c.callHandler(a.ctx, req, w)
	if errors.Is(herr, errHandlerPanic) {
		c.finishRequest(a)
		return herr
	}
	attn := c.finishRequest(a)
	return w.finish(herr, attn)
}

var errHandlerPanic = errors.New("handler panicked")

func (c *conn) callHandler(ctx context.Context, req *Request, w *resultWriter) (err error) {
	defer func() {
		if p := recover(); p != nil {
			c.srv.logf("mssqltest: conn %d: panic in handler: %v\n%s", c.id, p, debug.Stack())
			err = fmt.Errorf("%w: %v", errHandlerPanic, p)
		}
	}()
	return c.srv.handler.Query(ctx, req, w)
}

// transaction answers a transaction manager request.
func (c *conn) transaction(a *activeRequest, data []byte) error {
	tx, beginNew, err := parseTxRequest(data)
	if err != nil {
		return c.protocolError(a, err)
	}
	tx.Conn = c.info()
	var herr error
	if th, ok := c.srv.handler.(TxHandler); ok {
		herr = th.Transaction(a.ctx, tx)
	}
	if herr == nil {
		switch tx.Op {
		case TxCommit:
			if c.tranCount == 0 {
				herr = errNoTranCommit()
			}
		case TxRollback:
			if c.tranCount == 0 {
				herr = errNoTranRollback()
			}
		}
	}
	var b []byte
	if herr == nil {
		switch tx.Op {
		case TxBegin:
			if c.tranCount == 0 {
				c.tranDesc = c.newTranDesc()
				b = appendTranEnvChange(b, envBeginTran, c.tranDesc)
			}
			c.tranCount++
		case TxCommit, TxRollback:
			typ := byte(envCommitTran)
			if tx.Op == TxRollback {
				typ = envRollbackTran
			}
			b = appendTranEnvChange(b, typ, c.tranDesc)
			c.tranCount, c.tranDesc = 0, 0
			if beginNew {
				c.tranDesc = c.newTranDesc()
				c.tranCount = 1
				b = appendTranEnvChange(b, envBeginTran, c.tranDesc)
			}
		}
	}
	attn := c.finishRequest(a)
	switch {
	case attn:
		b = appendDone(b, tokDone, doneAttn, 0, 0)
	case herr != nil:
		var e *Error
		if !errors.As(herr, &e) {
			e = &Error{Number: genericErrNumber, State: 1, Class: 16, Message: herr.Error()}
		}
		b = appendMessage(b, tokError, e)
		b = appendDone(b, tokDone, doneError, 0, 0)
	default:
		b = appendDone(b, tokDone, doneFinal, 0, 0)
	}
	if _, err := c.pw.Write(b); err != nil {
		return err
	}
	return c.pw.end()
}

// isClosedErr tells errors that just mean the connection went away.
func isClosedErr(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.Canceled) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
