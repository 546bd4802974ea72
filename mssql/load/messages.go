package load

import (
	"context"
	"database/sql"
	"errors"

	"github.com/golang-sql/sqlexp"
)

// endOfBatch marks the end of a batch's messages in the message queue.
type endOfBatch struct{}

// errNoAnswer is the error of a batch whose answer did not come: the
// connection was lost after the batch was sent.
var errNoAnswer = errors.New("the connection was lost before the server answered")

// execBatch runs one batch on conn and returns its first error, handing
// the informational messages the server sends (PRINT, RAISERROR of
// severity 10 or less) to msg, in order, before it returns.
//
// go-mssqldb delivers messages only through a sqlexp.ReturnMessage
// passed to QueryContext, and then reports the batch's server errors
// only there (MsgError), not through Rows. Its message loop (MsgNext,
// MsgNextResultSet) is not followed: a connection that drops before the
// answer queues no message at all, and a loop waiting for one would wait
// for ever. Instead this goroutine reads the answer's tokens through Rows
// (which ends on the answer's end and on a transport error), another
// reads the queue, and endOfBatch, queued after the answer's end (every
// message of the answer is queued before the token that follows it),
// tells it that it has seen them all. go-mssqldb's Rows do not report a
// connection lost before the answer's first token (its Columns swallows
// the error), but then no end of a statement (MsgNextResultSet, queued at
// every DONE token) was queued either: errNoAnswer.
func execBatch(ctx context.Context, conn *sql.Conn, text string, msg func(string)) error {
	q := &sqlexp.ReturnMessage{}
	rows, err := conn.QueryContext(ctx, text, q)
	if err != nil {
		return err
	}
	var serverErr error
	answered := false
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			switch m := q.Message(ctx).(type) {
			case endOfBatch:
				return
			case sqlexp.MsgNotice:
				if msg != nil {
					msg(m.Message.String())
				}
			case sqlexp.MsgError:
				if serverErr == nil {
					serverErr = m.Error
				}
			case sqlexp.MsgNextResultSet:
				answered = true
			}
			if ctx.Err() != nil {
				return
			}
		}
	}()
	for {
		for rows.Next() {
		}
		if !rows.NextResultSet() {
			break
		}
	}
	readErr := rows.Err()
	if sqlexp.ReturnMessageEnqueue(ctx, q, endOfBatch{}) == nil {
		<-done
	}
	rows.Close()
	<-done
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case serverErr != nil:
		return serverErr
	case readErr != nil:
		return readErr
	case !answered:
		return errNoAnswer
	}
	return nil
}
