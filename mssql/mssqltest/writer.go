package mssqltest

import (
	"context"
	"errors"
	"fmt"
)

// ErrDropConnection is returned by a row hook (see WithRowHook) to make the
// server cut the TCP connection instead of sending the row, so that tests can
// check how code copes with a connection lost in the middle of a result set.
var ErrDropConnection = errors.New("mssqltest: connection dropped by fault injection")

// ErrCanceled is returned by ResultWriter methods once the request has been
// canceled: the client sent an attention (its context was canceled), the
// connection closed, or the server is shutting down. Handlers should stop and
// return; errors.Is(err, context.Canceled) also holds.
var ErrCanceled = fmt.Errorf("mssqltest: request canceled: %w", context.Canceled)

// ResultWriter streams the response to one request. Every token is encoded
// into the connection's current TDS packet, and each packet is sent as soon
// as it is full, so a result set is never held in memory as a whole.
//
// The methods of a ResultWriter must be called only from the goroutine that
// runs the Handler, and not after the Handler returns.
type ResultWriter interface {
	// Columns starts a result set with the given columns; it ends the
	// previous result set, if any, as Done(-1) would.
	Columns(cols []Column) error
	// Row sends one row of the current result set, one value per column
	// (see Column for the Go types each column type takes). If a value
	// cannot be encoded nothing is sent and the error says why.
	Row(values ...any) error
	// Done ends the current statement with its row count: the rows of a
	// result set, or the rows affected by an INSERT, UPDATE or DELETE,
	// which sql.Result.RowsAffected reports. A negative count stands for
	// the number of rows sent since Columns. Calling Done is optional at
	// the end of a handler.
	Done(rowCount int64) error
	// Info sends an informational message (as PRINT and RAISERROR with
	// severity 10 or less do); go-mssqldb passes it to its logger or to a
	// sqlexp message queue.
	Info(number int32, message string) error
	// Error sends an error without ending the request, as a failing
	// statement in the middle of a batch does. To fail the whole request,
	// return the *Error from the Handler instead.
	Error(e *Error) error
	// Flush sends the rows written so far without waiting for the packet to
	// fill up, as a packet shorter than the negotiated size that is not the
	// last of its message (go-mssqldb reads it as it comes); the client can
	// then read those rows while the handler waits.
	Flush() error
	// SetDatabase changes the session's current database, as USE does,
	// telling the client with an ENVCHANGE token.
	SetDatabase(name string) error
	// BeginTransaction, CommitTransaction and RollbackTransaction let a
	// handler that runs BEGIN TRANSACTION, COMMIT or ROLLBACK in a batch
	// keep the session's transaction state and send the transaction
	// ENVCHANGE tokens that go-mssqldb needs. Begin nests as @@TRANCOUNT
	// does; Commit without a transaction returns error 3902 and Rollback
	// error 3903, which the handler may return to the client.
	BeginTransaction() error
	CommitTransaction() error
	RollbackTransaction() error
}

// pendingDone is a statement's DONE token that is held back until it is
// known whether more tokens follow (DONE_MORE) or not.
type pendingDone struct {
	set    bool
	status uint16
	curCmd uint16
	rows   uint64
}

// resultWriter is the ResultWriter of one request.
type resultWriter struct {
	c       *conn
	req     *Request
	ctx     context.Context
	rpc     bool
	cols    []*wireColumn // current result set, nil if none is open
	rows    int64         // rows sent in the current result set
	stmtErr bool          // an error was sent in the current statement
	pending pendingDone
	scratch []byte
	err     error // fatal: the connection is unusable
}

func (w *resultWriter) check() error {
	if w.err != nil {
		return w.err
	}
	if w.ctx.Err() != nil {
		return ErrCanceled
	}
	return nil
}

// write sends encoded tokens, preceded by the held-back DONE if any.
func (w *resultWriter) write(b []byte) error {
	if err := w.flushPending(true); err != nil {
		return err
	}
	if _, err := w.c.pw.Write(b); err != nil {
		w.err = err
		return err
	}
	return nil
}

func (w *resultWriter) doneToken() byte {
	if w.rpc {
		return tokDoneInProc
	}
	return tokDone
}

func (w *resultWriter) flushPending(more bool) error {
	if !w.pending.set {
		return nil
	}
	p := w.pending
	w.pending = pendingDone{}
	if more {
		p.status |= doneMore
	}
	if _, err := w.c.pw.Write(appendDone(nil, w.doneToken(), p.status, p.curCmd, p.rows)); err != nil {
		w.err = err
		return err
	}
	return nil
}

func (w *resultWriter) Columns(cols []Column) error {
	if err := w.check(); err != nil {
		return err
	}
	if len(cols) == 0 || len(cols) > 4096 {
		return fmt.Errorf("mssqltest: a result set needs 1 to 4096 columns, got %d", len(cols))
	}
	wcols := make([]*wireColumn, len(cols))
	for i, c := range cols {
		wc, err := newWireColumn(c)
		if err != nil {
			return fmt.Errorf("mssqltest: %w", err)
		}
		wcols[i] = wc
	}
	if w.cols != nil {
		w.endStatement(-1)
	}
	if err := w.write(appendColMetadata(w.scratch[:0], wcols)); err != nil {
		return err
	}
	w.cols, w.rows = wcols, 0
	return nil
}

func (w *resultWriter) Row(values ...any) error {
	if err := w.check(); err != nil {
		return err
	}
	if w.cols == nil {
		return errors.New("mssqltest: Row called without Columns")
	}
	if len(values) != len(w.cols) {
		return fmt.Errorf("mssqltest: Row got %d values for %d columns", len(values), len(w.cols))
	}
	b := append(w.scratch[:0], tokRow)
	for i, v := range values {
		var err error
		if b, err = w.cols[i].appendValue(b, v); err != nil {
			return fmt.Errorf("mssqltest: row %d: %w", w.rows+1, err)
		}
	}
	if cap(b) <= 1<<20 {
		w.scratch = b // keep the buffer unless a huge value grew it
	}
	if hook := w.c.srv.opts.rowHook; hook != nil {
		if err := hook(w.req, w.rows); err != nil {
			if errors.Is(err, ErrDropConnection) {
				w.drop()
				return ErrDropConnection
			}
			return err
		}
	}
	if err := w.write(b); err != nil {
		return err
	}
	w.rows++
	return nil
}

// drop delivers what was written so far and then cuts the connection.
func (w *resultWriter) drop() {
	if err := w.flushPending(true); err == nil {
		_ = w.c.pw.flushPartial()
	}
	w.err = ErrDropConnection
	w.c.srv.logf("mssqltest: conn %d: dropping connection after %d rows (fault injection)", w.c.id, w.rows)
	_ = w.c.nc.Close()
}

// endStatement holds back the DONE of the current statement.
func (w *resultWriter) endStatement(rowCount int64) {
	var status, curCmd uint16 = doneCount, 0
	if w.cols != nil {
		curCmd = cmdSelect
		if rowCount < 0 {
			rowCount = w.rows
		}
	}
	if rowCount < 0 {
		rowCount = 0
	}
	if w.stmtErr {
		status |= doneError
	}
	if w.c.tranCount > 0 {
		status |= doneInXact
	}
	w.pending = pendingDone{set: true, status: status, curCmd: curCmd, rows: uint64(rowCount)}
	w.cols, w.rows, w.stmtErr = nil, 0, false
}

func (w *resultWriter) Done(rowCount int64) error {
	if err := w.check(); err != nil {
		return err
	}
	if err := w.flushPending(true); err != nil {
		return err
	}
	w.endStatement(rowCount)
	return nil
}

func (w *resultWriter) Info(number int32, message string) error {
	if err := w.check(); err != nil {
		return err
	}
	return w.write(appendMessage(nil, tokInfo, &Error{Number: number, Message: message}))
}

func (w *resultWriter) Error(e *Error) error {
	if err := w.check(); err != nil {
		return err
	}
	if e == nil {
		return errors.New("mssqltest: Error called with a nil *Error")
	}
	w.stmtErr = true
	return w.write(appendMessage(nil, tokError, e))
}

func (w *resultWriter) Flush() error {
	if err := w.check(); err != nil {
		return err
	}
	if err := w.flushPending(true); err != nil {
		return err
	}
	if err := w.c.pw.flushPartial(); err != nil {
		w.err = err
		return err
	}
	return nil
}

func (w *resultWriter) SetDatabase(name string) error {
	if err := w.check(); err != nil {
		return err
	}
	if name == "" || utf16Len(name) > 128 {
		return fmt.Errorf("mssqltest: invalid database name %q", name)
	}
	old := w.c.database
	b := appendEnvChangeStrings(nil, envDatabase, name, old)
	b = appendMessage(b, tokInfo, &Error{Number: 5701, State: 1, Message: fmt.Sprintf("Changed database context to '%s'.", name)})
	if err := w.write(b); err != nil {
		return err
	}
	w.c.database = name
	return nil
}

func (w *resultWriter) BeginTransaction() error {
	if err := w.check(); err != nil {
		return err
	}
	if w.c.tranCount == 0 {
		desc := w.c.newTranDesc()
		if err := w.write(appendTranEnvChange(nil, envBeginTran, desc)); err != nil {
			return err
		}
		w.c.tranDesc = desc
	}
	w.c.tranCount++
	return nil
}

func (w *resultWriter) CommitTransaction() error {
	if err := w.check(); err != nil {
		return err
	}
	if w.c.tranCount == 0 {
		return errNoTranCommit()
	}
	if w.c.tranCount == 1 {
		if err := w.write(appendTranEnvChange(nil, envCommitTran, w.c.tranDesc)); err != nil {
			return err
		}
		w.c.tranDesc = 0
	}
	w.c.tranCount--
	return nil
}

func (w *resultWriter) RollbackTransaction() error {
	if err := w.check(); err != nil {
		return err
	}
	if w.c.tranCount == 0 {
		return errNoTranRollback()
	}
	if err := w.write(appendTranEnvChange(nil, envRollbackTran, w.c.tranDesc)); err != nil {
		return err
	}
	w.c.tranDesc, w.c.tranCount = 0, 0
	return nil
}

func errNoTranCommit() *Error {
	return &Error{Number: 3902, State: 1, Class: 16, Message: "The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION."}
}

func errNoTranRollback() *Error {
	return &Error{Number: 3903, State: 1, Class: 16, Message: "The ROLLBACK TRANSACTION request has no corresponding BEGIN TRANSACTION."}
}

// finish ends the response after the handler returned herr. attn tells
// that the client sent an attention, which is acknowledged instead.
func (w *resultWriter) finish(herr error, attn bool) error {
	if w.err != nil {
		return w.err
	}
	pw := w.c.pw
	var b []byte
	switch {
	case attn:
		// Output of a canceled request ends with DONE_ATTN (MS-TDS 2.2.1.7).
		w.pending = pendingDone{}
		b = appendDone(nil, tokDone, doneAttn, 0, 0)
	case herr != nil:
		if w.c.srv.ctx.Err() != nil || w.c.ctx.Err() != nil {
			return fmt.Errorf("request aborted: %w", herr) // shutting down
		}
		var e *Error
		if !errors.As(herr, &e) {
			e = &Error{Number: genericErrNumber, State: 1, Class: 16, Message: herr.Error()}
		}
		if err := w.flushPending(true); err != nil {
			return err
		}
		b = appendMessage(nil, tokError, e)
		status := uint16(doneError)
		if w.c.tranCount > 0 {
			status |= doneInXact
		}
		if w.rpc {
			b = appendDone(b, tokDoneProc, status, 0, 0)
		} else {
			b = appendDone(b, tokDone, status, 0, 0)
		}
	default:
		if w.cols != nil {
			w.endStatement(-1)
		}
		if w.rpc {
			if err := w.flushPending(true); err != nil {
				return err
			}
			b = append(b, tokReturnStatus, 0, 0, 0, 0)
			b = appendDone(b, tokDoneProc, w.finalStatus(), 0, 0)
		} else if w.pending.set {
			p := w.pending
			w.pending = pendingDone{}
			b = appendDone(nil, tokDone, p.status, p.curCmd, p.rows)
		} else {
			b = appendDone(nil, tokDone, w.finalStatus(), 0, 0)
		}
	}
	if _, err := pw.Write(b); err != nil {
		return err
	}
	return pw.end()
}

func (w *resultWriter) finalStatus() uint16 {
	var s uint16 = doneFinal
	if w.stmtErr {
		s |= doneError
	}
	if w.c.tranCount > 0 {
		s |= doneInXact
	}
	return s
}
