package load

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"testing"
	"time"

	gomssql "github.com/microsoft/go-mssqldb"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
)

// TestExecBatch: execBatch hands a batch's informational messages over
// in order and returns its server error (with the messages sent before
// it), and a connection lost before the answer is an error, not a batch
// that ran (go-mssqldb's message queue reports nothing then).
func TestExecBatch(t *testing.T) {
	var srv *mssqltest.Server
	srv = mssqltest.NewServer(mssqltest.HandlerFunc(func(ctx context.Context, q *mssqltest.Request, w mssqltest.ResultWriter) error {
		switch q.SQL {
		case "PRINT two":
			if err := w.Info(0, "first"); err != nil {
				return err
			}
			if err := w.Info(0, "second"); err != nil {
				return err
			}
			return w.Done(0)
		case "SELECT rows":
			if err := w.Info(0, "before the rows"); err != nil {
				return err
			}
			if err := w.Columns([]mssqltest.Column{{Name: "n", Type: mssqltest.TypeInt}}); err != nil {
				return err
			}
			if err := w.Row(1); err != nil {
				return err
			}
			return w.Row(2)
		case "CREATE TABLE fails":
			if err := w.Info(0, "about to fail"); err != nil {
				return err
			}
			return mssqltest.Errorf(2714, 16, "There is already an object named 't' in the database.")
		case "DROP connection":
			srv.CloseClientConnections()
			return nil
		}
		return w.Done(0)
	}))
	defer srv.Close()
	db, err := sql.Open("sqlserver", srv.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	run := func(text string) ([]string, error) {
		var msgs []string
		err := execBatch(ctx, conn, text, func(m string) { msgs = append(msgs, m) })
		return msgs, err
	}
	for _, tc := range []struct {
		batch string
		msgs  []string
	}{
		{"PRINT two", []string{"first", "second"}},
		{"SELECT rows", []string{"before the rows"}},
		{"SET NOCOUNT ON", nil},
	} {
		msgs, err := run(tc.batch)
		if err != nil || !reflect.DeepEqual(msgs, tc.msgs) {
			t.Errorf("%s: messages %q, error %v; want %q", tc.batch, msgs, err, tc.msgs)
		}
	}
	msgs, err := run("CREATE TABLE fails")
	var se gomssql.Error
	if !errors.As(err, &se) || se.Number != 2714 || !reflect.DeepEqual(msgs, []string{"about to fail"}) {
		t.Errorf("fail: messages %q, error %v", msgs, err)
	}
	if msgs, err := run("PRINT two"); err != nil || len(msgs) != 2 {
		t.Errorf("print after a failed batch: %q, %v", msgs, err)
	}
	if _, err := run("DROP connection"); !errors.Is(err, errNoAnswer) || ctx.Err() != nil {
		t.Errorf("drop: error %v, context %v", err, ctx.Err())
	}
}
