package mssqltest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-sql/sqlexp"
	mssql "github.com/microsoft/go-mssqldb"
)

// newTestServer starts a server for h and opens a database/sql pool on its
// "sample" database; both are closed when the test ends.
func newTestServer(t *testing.T, h Handler, opts ...Option) (*Server, *sql.DB) {
	t.Helper()
	opts = append([]Option{WithLogf(t.Logf)}, opts...)
	s := NewServer(h, opts...)
	t.Cleanup(s.Close)
	db, err := sql.Open("sqlserver", s.DSN("sample"))
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return s, db
}

// asMSSQLError returns the mssql.Error in err, failing the test if none.
func asMSSQLError(t *testing.T, err error) mssql.Error {
	t.Helper()
	var me mssql.Error
	if !errors.As(err, &me) {
		t.Fatalf("got error %v (%T), want an mssql.Error", err, err)
	}
	return me
}

func singleInt(w ResultWriter, name string, v int64) error {
	if err := w.Columns([]Column{{Name: name, Type: TypeBigInt}}); err != nil {
		return err
	}
	return w.Row(v)
}

func TestDSNAndAddr(t *testing.T) {
	s := NewUnstartedServer(HandlerFunc(func(context.Context, *Request, ResultWriter) error { return nil }),
		WithCredentials("user name", "p@ss:w/rd?"))
	if s.Addr() != "" {
		t.Errorf("Addr before Start = %q", s.Addr())
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Start(); err == nil || !strings.Contains(err.Error(), "already started") {
		t.Errorf("second Start: %v", err)
	}
	addr := s.Addr()
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Errorf("Addr = %q", addr)
	}
	u, err := url.Parse(s.DSN("my db"))
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	if u.Scheme != "sqlserver" || u.Host != addr || u.User.Username() != "user name" || pw != "p@ss:w/rd?" ||
		u.Query().Get("database") != "my db" || u.Query().Get("encrypt") != "disable" {
		t.Errorf("DSN = %s", s.DSN("my db"))
	}
	if got := s.LoginDSN("x", "y", ""); strings.Contains(got, "database") {
		t.Errorf("LoginDSN without database = %s", got)
	}
	s.Close()
	s.Close() // idempotent
	if err := s.Start(); err == nil {
		t.Error("Start after Close succeeded")
	}
}

func TestLoginInfo(t *testing.T) {
	var mu sync.Mutex
	var logins []Login
	var conns []ConnInfo
	h := HandlerFunc(func(ctx context.Context, q *Request, w ResultWriter) error {
		mu.Lock()
		conns = append(conns, q.Conn)
		mu.Unlock()
		return singleInt(w, "n", 1)
	})
	s, _ := newTestServer(t, h,
		WithCredentials("alice", "pä$$ wörd ✓"),
		WithDatabases("Sample", "other"),
		WithLoginHook(func(l *Login) error {
			mu.Lock()
			logins = append(logins, *l)
			mu.Unlock()
			return nil
		}))
	db, err := sql.Open("sqlserver", s.DSN("sample")+"&app+name=scripter&workstation+id=ws1&packet+size=8192")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("select 1").Scan(&n); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(logins) != 1 {
		t.Fatalf("got %d logins", len(logins))
	}
	l := logins[0]
	if l.User != "alice" || l.Password != "pä$$ wörd ✓" || l.Database != "Sample" || l.AppName != "scripter" ||
		l.HostName != "ws1" || l.PacketSize != 8192 || l.TDSVersion != 0x74000004 || l.IntegratedSecurity {
		t.Errorf("login = %+v", l)
	}
	c := conns[0]
	if c.ID != 1 || c.User != "alice" || c.Database != "Sample" || c.AppName != "scripter" || c.HostName != "ws1" || c.TranCount != 0 {
		t.Errorf("conn = %+v", c)
	}
}

func TestLoginRefused(t *testing.T) {
	h := HandlerFunc(func(ctx context.Context, q *Request, w ResultWriter) error { return singleInt(w, "n", 1) })
	s, _ := newTestServer(t, h, WithCredentials("alice", "secret"), WithDatabases("sample"))

	ping := func(dsn string) error {
		db, err := sql.Open("sqlserver", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		return db.Ping()
	}

	if err := ping(s.DSN("sample")); err != nil {
		t.Fatalf("good login: %v", err)
	}
	if err := ping(s.DSN("")); err != nil {
		t.Fatalf("login to master: %v", err)
	}

	t.Run("wrong password", func(t *testing.T) {
		me := asMSSQLError(t, ping(s.LoginDSN("alice", "wrong", "sample")))
		if me.Number != 18456 || me.Class != 14 || me.State != 1 ||
			me.Message != "login error: Login failed for user 'alice'." {
			t.Errorf("got %d/%d/%d %q", me.Number, me.Class, me.State, me.Message)
		}
	})
	t.Run("unknown user", func(t *testing.T) {
		me := asMSSQLError(t, ping(s.LoginDSN("mallory", "secret", "sample")))
		if me.Number != 18456 || me.Message != "login error: Login failed for user 'mallory'." {
			t.Errorf("got %d %q", me.Number, me.Message)
		}
	})
	t.Run("unknown database", func(t *testing.T) {
		me := asMSSQLError(t, ping(s.DSN("nosuch")))
		if len(me.All) != 2 {
			t.Fatalf("got %d errors: %v", len(me.All), me.All)
		}
		first := me.All[0]
		if first.Number != 4060 || first.Class != 11 ||
			first.Message != `Cannot open database "nosuch" requested by the login. The login failed.` {
			t.Errorf("first error %d/%d %q", first.Number, first.Class, first.Message)
		}
		if me.Number != 18456 || me.Message != "login error: Login failed for user 'alice'." {
			t.Errorf("last error %d %q", me.Number, me.Message)
		}
	})
}

func TestLoginHookRefuses(t *testing.T) {
	h := HandlerFunc(func(ctx context.Context, q *Request, w ResultWriter) error { return nil })
	var calls atomic.Int32
	s, db := newTestServer(t, h, WithLoginHook(func(l *Login) error {
		switch calls.Add(1) {
		case 1:
			return &Error{Number: 18470, State: 1, Class: 14, Message: fmt.Sprintf("Login failed for user '%s'. Reason: The account is disabled.", l.User)}
		case 2:
			return errors.New("no reason given")
		}
		return nil
	}))
	me := asMSSQLError(t, db.Ping())
	if me.Number != 18470 || me.Message != "login error: Login failed for user 'sa'. Reason: The account is disabled." {
		t.Errorf("first login: %d %q", me.Number, me.Message)
	}
	me = asMSSQLError(t, db.Ping())
	if me.Number != 18456 || me.Message != "login error: Login failed for user 'sa'." {
		t.Errorf("second login: %d %q", me.Number, me.Message)
	}
	if err := db.Ping(); err != nil {
		t.Errorf("third login: %v", err)
	}
	_ = s
}

func TestErrors(t *testing.T) {
	h := HandlerFunc(func(ctx context.Context, q *Request, w ResultWriter) error {
		switch q.SQL {
		case "select missing":
			return InvalidObjectName("dbo.nope")
		case "select denied":
			return PermissionDenied("SELECT", "secrets", "sample", "dbo")
		case "select plain":
			return errors.New("something broke")
		case "insert wrapped":
			return fmt.Errorf("context: %w", Errorf(2627, 14, "Violation of PRIMARY KEY constraint '%s'.", "PK_t"))
		case "select midresult":
			if err := singleInt(w, "n", 1); err != nil {
				return err
			}
			if err := w.Row(2); err != nil {
				return err
			}
			return &Error{Number: 8134, State: 1, Class: 16, Message: "Divide by zero error encountered.", LineNo: 3, ProcName: "p"}
		case "insert nonfatal":
			if err := w.Error(&Error{Number: 2601, Class: 14, Message: "Cannot insert duplicate key row."}); err != nil {
				return err
			}
			if err := w.Done(0); err != nil {
				return err
			}
			return w.Done(3)
		}
		return nil
	})
	_, db := newTestServer(t, h)

	check := func(t *testing.T, err error, number int32, class, state uint8, msg string) mssql.Error {
		t.Helper()
		me := asMSSQLError(t, err)
		if me.Number != number || me.Class != class || me.State != state || me.Message != msg {
			t.Errorf("got %d/%d/%d %q, want %d/%d/%d %q", me.Number, me.Class, me.State, me.Message, number, class, state, msg)
		}
		if me.ServerName != "mssqltest" {
			t.Errorf("server name %q", me.ServerName)
		}
		return me
	}
	t.Run("208", func(t *testing.T) {
		_, err := db.Query("select missing")
		check(t, err, 208, 16, 1, "Invalid object name 'dbo.nope'.")
	})
	t.Run("208 via RPC", func(t *testing.T) {
		// With arguments the query is an sp_executesql call, whose
		// response ends with DONEPROC instead of DONE.
		_, err := db.Query("select missing", sql.Named("x", 1))
		check(t, err, 208, 16, 1, "Invalid object name 'dbo.nope'.")
		rows, err := db.Query("select midresult", 1)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		if me := check(t, rows.Err(), 8134, 16, 1, "Divide by zero error encountered."); n != 2 || me.ProcName != "p" {
			t.Errorf("got %d rows, proc %q", n, me.ProcName)
		}
	})
	t.Run("229", func(t *testing.T) {
		_, err := db.Exec("select denied")
		check(t, err, 229, 14, 5, "The SELECT permission was denied on the object 'secrets', database 'sample', schema 'dbo'.")
	})
	t.Run("generic", func(t *testing.T) {
		err := db.QueryRow("select plain").Scan(new(int))
		check(t, err, 50000, 16, 1, "something broke")
	})
	t.Run("wrapped", func(t *testing.T) {
		_, err := db.Exec("insert wrapped")
		check(t, err, 2627, 14, 1, "Violation of PRIMARY KEY constraint 'PK_t'.")
	})
	t.Run("mid result", func(t *testing.T) {
		rows, err := db.Query("select midresult")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []int
		for rows.Next() {
			var n int
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			got = append(got, n)
		}
		if fmt.Sprint(got) != "[1 2]" {
			t.Errorf("rows before the error: %v", got)
		}
		me := check(t, rows.Err(), 8134, 16, 1, "Divide by zero error encountered.")
		if me.LineNo != 3 || me.ProcName != "p" {
			t.Errorf("line %d proc %q", me.LineNo, me.ProcName)
		}
	})
	t.Run("nonfatal", func(t *testing.T) {
		_, err := db.Exec("insert nonfatal")
		check(t, err, 2601, 14, 1, "Cannot insert duplicate key row.")
	})
	t.Run("connection still usable", func(t *testing.T) {
		if _, err := db.Exec("ok"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRowsAffectedAndResultSets(t *testing.T) {
	h := HandlerFunc(func(ctx context.Context, q *Request, w ResultWriter) error {
		switch q.SQL {
		case "update t":
			return w.Done(7)
		case "two updates":
			if err := w.Done(2); err != nil {
				return err
			}
			return w.Done(3)
		case "select sets":
			for set := 1; set <= 3; set++ {
				if err := w.Columns([]Column{{Name: fmt.Sprintf("c%d", set), Type: TypeInt}}); err != nil {
					return err
				}
				for i := 0; i < set; i++ {
					if err := w.Row(set*10 + i); err != nil {
						return err
					}
				}
				if set == 2 {
					if err := w.Done(-1); err != nil {
						return err
					}
					if err := w.Done(5); err != nil { // an UPDATE between SELECTs
						return err
					}
				}
			}
			return nil
		}
		return nil
	})
	_, db := newTestServer(t, h)
	for _, tc := range []struct {
		sql  string
		want int64
	}{{"update t", 7}, {"two updates", 5}, {"set nocount on", 0}} {
		res, err := db.Exec(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != tc.want {
			t.Errorf("%s: RowsAffected = %d, %v; want %d", tc.sql, n, err, tc.want)
		}
	}
	rows, err := db.Query("select sets")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for {
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n int
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%s=%d", cols[0], n))
		}
		if !rows.NextResultSet() {
			break
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if want := "[c1=10 c2=20 c2=21 c3=30 c3=31 c3=32]"; fmt.Sprint(got) != want {
		t.Errorf("got %v, want %s", got, want)
	}
}

// TestMessages reads INFO tokens, result sets and row counts through
// go-mssqldb's sqlexp message queue.
func TestMessages(t *testing.T) {
	h := HandlerFunc(func(ctx context.Context, q *Request, w ResultWriter) error {
		if err := w.Info(0, "printed text"); err != nil {
			return err
		}
		if err := singleInt(w, "n", 42); err != nil {
			return err
		}
		if err := w.Done(1); err != nil {
			return err
		}
		return w.Info(5701, "Changed database context to 'x'.")
	})
	_, db := newTestServer(t, h)
	ctx := context.Background()
	retmsg := &sqlexp.ReturnMessage{}
	rows, err := db.QueryContext(ctx, "print 'printed text'; select 42", retmsg)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var events []string
	for active := true; active; {
		switch m := retmsg.Message(ctx).(type) {
		case sqlexp.MsgNotice:
			e := m.Message.(mssql.Error)
			events = append(events, fmt.Sprintf("notice %d %s", e.Number, e.Message))
		case sqlexp.MsgNext:
			for rows.Next() {
				var n int
				if err := rows.Scan(&n); err != nil {
					t.Fatal(err)
				}
				events = append(events, fmt.Sprintf("row %d", n))
			}
		case sqlexp.MsgRowsAffected:
			events = append(events, fmt.Sprintf("rows affected %d", m.Count))
		case sqlexp.MsgNextResultSet:
			active = rows.NextResultSet()
		case sqlexp.MsgError:
			t.Fatalf("error message: %v", m.Error)
		}
	}
	want := "[notice 0 printed text row 42 rows affected 1 notice 5701 Changed database context to 'x'.]"
	if fmt.Sprint(events) != want {
		t.Errorf("events = %v\nwant %s", events, want)
	}
}

func TestTransactionsViaBeginTx(t *testing.T) {
	var mu sync.Mutex
	var txLog []string
	type seen struct {
		tranCount int
		desc      uint64
	}
	seenCh := make(chan seen, 10)
	h := &txHandler{
		query: func(ctx context.Context, q *Request, w ResultWriter) error {
			seenCh <- seen{q.Conn.TranCount, q.clientTranDesc}
			return singleInt(w, "n", int64(q.Conn.TranCount))
		},
		tx: func(ctx context.Context, tx *TxRequest) error {
			mu.Lock()
			txLog = append(txLog, fmt.Sprintf("%s %s %d", tx.Op, tx.Isolation, tx.Conn.TranCount))
			mu.Unlock()
			if tx.Op == TxBegin && tx.Isolation == IsolationSerializable {
				return &Error{Number: 3952, State: 1, Class: 16, Message: "Snapshot isolation transaction failed accessing database 'sample'."}
			}
			return nil
		},
	}
	_, db := newTestServer(t, h)
	ctx := context.Background()

	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSnapshot})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, "select @@trancount").Scan(&n); err != nil {
		t.Fatal(err)
	}
	inTx := <-seenCh
	if n != 1 || inTx.tranCount != 1 || inTx.desc == 0 {
		t.Errorf("inside tx: trancount %d, seen %+v", n, inTx)
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("commit: %v", err)
	}

	tx, err = db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "update t set x = @p1", 5); err != nil {
		t.Fatal(err)
	}
	inTx2 := <-seenCh
	if inTx2.tranCount != 1 || inTx2.desc == 0 || inTx2.desc == inTx.desc {
		t.Errorf("second tx: seen %+v, first %+v", inTx2, inTx)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatalf("rollback: %v", err)
	}

	_, err = db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
	me := asMSSQLError(t, err)
	if me.Number != 3952 {
		t.Errorf("refused begin: %v", me)
	}

	if err := db.QueryRowContext(ctx, "select @@trancount").Scan(&n); err != nil {
		t.Fatal(err)
	}
	after := <-seenCh
	if n != 0 || after.tranCount != 0 || after.desc != 0 {
		t.Errorf("after transactions: trancount %d, seen %+v", n, after)
	}
	mu.Lock()
	defer mu.Unlock()
	want := "[begin SNAPSHOT 0 commit DEFAULT 1 begin READ COMMITTED 0 rollback DEFAULT 1 begin SERIALIZABLE 0]"
	if fmt.Sprint(txLog) != want {
		t.Errorf("transaction log %v\nwant %s", txLog, want)
	}
}

type txHandler struct {
	query func(ctx context.Context, q *Request, w ResultWriter) error
	tx    func(ctx context.Context, tx *TxRequest) error
}

func (h *txHandler) Query(ctx context.Context, q *Request, w ResultWriter) error {
	return h.query(ctx, q, w)
}

func (h *txHandler) Transaction(ctx context.Context, tx *TxRequest) error {
	return h.tx(ctx, tx)
}

// TestTransactionStatements runs BEGIN TRAN, COMMIT and ROLLBACK as T-SQL
// text, as the scripter does for its SNAPSHOT transaction.
func TestTransactionStatements(t *testing.T) {
	var isolation atomic.Value
	h := HandlerFunc(func(ctx context.Context, q *Request, w ResultWriter) error {
		for _, stmt := range strings.Split(q.SQL, ";") {
			switch s := strings.ToUpper(strings.TrimSpace(stmt)); {
			case strings.HasPrefix(s, "SET TRANSACTION ISOLATION LEVEL "):
				isolation.Store(strings.TrimPrefix(s, "SET TRANSACTION ISOLATION LEVEL "))
			case s == "BEGIN TRAN" || s == "BEGIN TRANSACTION":
				if err := w.BeginTransaction(); err != nil {
					return err
				}
			case s == "COMMIT":
				if err := w.CommitTransaction(); err != nil {
					return err
				}
			case s == "ROLLBACK":
				if err := w.RollbackTransaction(); err != nil {
					return err
				}
			case s == "SELECT @@TRANCOUNT":
				if err := w.Columns([]Column{{Name: "", Type: TypeInt}}); err != nil {
					return err
				}
				if err := w.Row(q.Conn.TranCount); err != nil {
					return err
				}
			case s == "SELECT DESC":
				if err := singleInt(w, "desc", int64(q.clientTranDesc)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	_, db := newTestServer(t, h)
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	trancount := func() int {
		t.Helper()
		var n int
		if err := conn.QueryRowContext(ctx, "select @@trancount").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	clientDesc := func() int64 {
		t.Helper()
		var n int64
		if err := conn.QueryRowContext(ctx, "select desc").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	if _, err := conn.ExecContext(ctx, "SET TRANSACTION ISOLATION LEVEL SNAPSHOT; BEGIN TRAN"); err != nil {
		t.Fatal(err)
	}
	if isolation.Load() != "SNAPSHOT" {
		t.Errorf("isolation = %v", isolation.Load())
	}
	if n := trancount(); n != 1 {
		t.Errorf("trancount after BEGIN TRAN = %d", n)
	}
	// go-mssqldb sends the descriptor from the ENVCHANGE back in each request.
	if d := clientDesc(); d == 0 {
		t.Error("client did not pick up the transaction descriptor")
	}
	if _, err := conn.ExecContext(ctx, "BEGIN TRAN"); err != nil {
		t.Fatal(err)
	}
	if n := trancount(); n != 2 {
		t.Errorf("nested trancount = %d", n)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	if n := trancount(); n != 1 {
		t.Errorf("trancount after inner COMMIT = %d", n)
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if n := trancount(); n != 0 {
		t.Errorf("trancount after ROLLBACK = %d", n)
	}
	if d := clientDesc(); d != 0 {
		t.Errorf("client still sends descriptor %x after ROLLBACK", d)
	}
	_, err = conn.ExecContext(ctx, "COMMIT")
	if me := asMSSQLError(t, err); me.Number != 3902 ||
		me.Message != "The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION." {
		t.Errorf("COMMIT without BEGIN: %d %q", me.Number, me.Message)
	}
	_, err = conn.ExecContext(ctx, "ROLLBACK")
	if me := asMSSQLError(t, err); me.Number != 3903 {
		t.Errorf("ROLLBACK without BEGIN: %d %q", me.Number, me.Message)
	}

	// A transaction begun in T-SQL and committed through database/sql.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "BEGIN TRAN"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestSetDatabaseAndSessionReset(t *testing.T) {
	h := HandlerFunc(func(ctx context.Context, q *Request, w ResultWriter) error {
		if strings.HasPrefix(q.SQL, "use ") {
			return w.SetDatabase(strings.TrimPrefix(q.SQL, "use "))
		}
		if err := w.Columns([]Column{{Name: "db", Type: TypeNVarChar, Length: 128}}); err != nil {
			return err
		}
		return w.Row(q.Conn.Database)
	})
	_, db := newTestServer(t, h)
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var name string
	if _, err := conn.ExecContext(ctx, "use other"); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRowContext(ctx, "db_name()").Scan(&name); err != nil || name != "other" {
		t.Errorf("after USE: %q, %v", name, err)
	}
	conn.Close()
	// database/sql resets a pooled connection before reusing it.
	if err := db.QueryRowContext(ctx, "db_name()").Scan(&name); err != nil || name != "sample" {
		t.Errorf("after reset: %q, %v", name, err)
	}
}

func TestCancelWhileHandlerWaits(t *testing.T) {
	handlerErr := make(chan error, 1)
	h := HandlerFunc(func(ctx context.Context, q *Request, w ResultWriter) error {
		if q.SQL == "select wait" {
			if err := singleInt(w, "n", 1); err != nil {
				return err
			}
			if err := w.Flush(); err != nil {
				return err
			}
			select {
			case <-ctx.Done():
				err := w.Row(2) // writing after the attention fails
				handlerErr <- err
				return err
			case <-time.After(20 * time.Second):
				handlerErr <- errors.New("not canceled")
				return nil
			}
		}
		return singleInt(w, "n", 99)
	})
	_, db := newTestServer(t, h)
	db.SetMaxOpenConns(1)

	ctx, cancel := context.WithCancel(context.Background())
	rows, err := db.QueryContext(ctx, "select wait")
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatalf("no first row: %v", rows.Err())
	}
	var n int
	if err := rows.Scan(&n); err != nil || n != 1 {
		t.Fatalf("first row %d, %v", n, err)
	}
	cancel()
	for rows.Next() {
	}
	if err := rows.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("rows.Err = %v, want context.Canceled", err)
	}
	rows.Close()
	select {
	case err := <-handlerErr:
		if !errors.Is(err, ErrCanceled) || !errors.Is(err, context.Canceled) {
			t.Errorf("handler's Row after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("handler was not canceled")
	}
	// The same connection must still be in step with the server.
	if err := db.QueryRow("again").Scan(&n); err != nil || n != 99 {
		t.Errorf("query after cancel: %d, %v", n, err)
	}
}

func TestCancelBeforeFirstToken(t *testing.T) {
	canceled := make(chan struct{})
	h := HandlerFunc(func(ctx context.Context, q *Request, w ResultWriter) error {
		if q.SQL == "select slow" {
			<-ctx.Done()
			close(canceled)
			return ctx.Err()
		}
		return singleInt(w, "n", 7)
	})
	_, db := newTestServer(t, h)
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := db.QueryContext(ctx, "select slow")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancel took %v", d)
	}
	select {
	case <-canceled:
	case <-time.After(10 * time.Second):
		t.Fatal("handler context not canceled")
	}
	var n int
	if err := db.QueryRow("next").Scan(&n); err != nil || n != 7 {
		t.Errorf("query after cancel: %d, %v", n, err)
	}
}

func TestCancelStreamingResult(t *testing.T) {
	rowErr := make(chan error, 1)
	var sent atomic.Int64
	h := HandlerFunc(func(ctx context.Context, q *Request, w ResultWriter) error {
		if q.SQL != "select endless" {
			return singleInt(w, "n", -1)
		}
		if err := w.Columns([]Column{{Name: "n", Type: TypeBigInt}, {Name: "pad", Type: TypeNVarChar, Length: 100}}); err != nil {
			return err
		}
		for i := int64(0); i < 50_000_000; i++ {
			if err := w.Row(i, "padding padding padding"); err != nil {
				sent.Store(i)
				rowErr <- err
				return err
			}
		}
		rowErr <- nil
		return nil
	})
	_, db := newTestServer(t, h)
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithCancel(context.Background())
	rows, err := db.QueryContext(ctx, "select endless")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1000 && rows.Next(); i++ {
		var n int64
		var pad string
		if err := rows.Scan(&n, &pad); err != nil || n != int64(i) {
			t.Fatalf("row %d: %d, %v", i, n, err)
		}
	}
	cancel()
	rows.Close()
	select {
	case err := <-rowErr:
		if !errors.Is(err, ErrCanceled) {
			t.Errorf("handler's Row error: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server kept streaming after the cancel")
	}
	if sent.Load() >= 50_000_000 {
		t.Error("all rows were sent")
	}
	var n int
	if err := db.QueryRow("next").Scan(&n); err != nil || n != -1 {
		t.Errorf("query after cancel: %d, %v", n, err)
	}
}

func TestDropConnectionMidResult(t *testing.T) {
	rowErr := make(chan error, 10)
	h := HandlerFunc(func(ctx context.Context, q *Request, w ResultWriter) error {
		if err := w.Columns([]Column{{Name: "n", Type: TypeInt}, {Name: "s", Type: TypeNVarChar, Length: MaxLength}}); err != nil {
			return err
		}
		for i := 0; i < 10; i++ {
			if err := w.Row(i, strings.Repeat("x", 3000)); err != nil {
				rowErr <- err
				return err
			}
		}
		rowErr <- nil
		return nil
	})
	_, db := newTestServer(t, h, DropAfterRows(5))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, "select")
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for rows.Next() {
		var n int
		var s string
		if err := rows.Scan(&n, &s); err != nil {
			t.Fatal(err)
		}
		if n != got || len(s) != 3000 {
			t.Fatalf("row %d: %d, len %d", got, n, len(s))
		}
		got++
	}
	err = rows.Err()
	rows.Close()
	if got != 5 {
		t.Errorf("got %d rows before the drop, want 5", got)
	}
	if err == nil || errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
		t.Fatalf("rows.Err = %v, want an I/O error", err)
	}
	if !strings.Contains(err.Error(), "EOF") {
		t.Errorf("rows.Err = %v, want an EOF error", err)
	}
	if herr := <-rowErr; !errors.Is(herr, ErrDropConnection) {
		t.Errorf("handler's Row error: %v", herr)
	}
}

func TestRowHook(t *testing.T) {
	h := HandlerFunc(func(ctx context.Context, q *Request, w ResultWriter) error {
		if err := w.Columns([]Column{{Name: "n", Type: TypeInt}}); err != nil {
			return err
		}
		for i := 0; i < 3; i++ {
			if err := w.Row(i); err != nil {
				return err
			}
		}
		return nil
	})
	_, db := newTestServer(t, h, WithRowHook(func(q *Request, rowsSent int64) error {
		switch {
		case q.SQL == "drop first" && rowsSent == 0:
			return ErrDropConnection
		case q.SQL == "select fail" && rowsSent == 2:
			return Errorf(1205, 13, "Transaction was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.")
		}
		return nil
	}))
	// The column metadata reaches the client, so the error may come from
	// Query or from the first Next.
	rows, err := db.Query("drop first")
	if err == nil {
		for rows.Next() {
			t.Error("got a row from a dropped connection")
		}
		err = rows.Err()
		rows.Close()
	}
	if err == nil {
		t.Fatal("query of a dropped connection succeeded")
	}
	var me mssql.Error
	if errors.As(err, &me) {
		t.Errorf("got server error %v, want an I/O error", me)
	}
	rows, err = db.Query("select fail")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	if n != 2 {
		t.Errorf("got %d rows", n)
	}
	if me := asMSSQLError(t, rows.Err()); me.Number != 1205 {
		t.Errorf("got %v", me)
	}
	rows.Close()
	var v int
	if err := db.QueryRow("ok").Scan(&v); err != nil || v != 0 {
		t.Errorf("query after faults: %d, %v", v, err)
	}
}

func TestConcurrentConnections(t *testing.T) {
	const clients = 6
	var waiting atomic.Int32
	allIn := make(chan struct{})
	ids := sync.Map{}
	h := HandlerFunc(func(ctx context.Context, q *Request, w ResultWriter) error {
		ids.Store(q.Conn.ID, true)
		if q.SQL == "select barrier" {
			if waiting.Add(1) == clients {
				close(allIn)
			}
			select {
			case <-allIn:
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(10 * time.Second):
				return errors.New("requests were not served concurrently")
			}
			return singleInt(w, "n", int64(clients))
		}
		p, _ := q.Param("p1")
		v, _ := p.Value.(int64)
		if err := w.Columns([]Column{{Name: "n", Type: TypeBigInt}, {Name: "s", Type: TypeNVarChar, Length: 50}}); err != nil {
			return err
		}
		for i := int64(0); i < 20; i++ {
			if err := w.Row(v*100+i, fmt.Sprintf("client %d row %d", v, i)); err != nil {
				return err
			}
		}
		return nil
	})
	_, db := newTestServer(t, h)
	db.SetMaxOpenConns(clients)
	var wg sync.WaitGroup
	errs := make(chan error, clients*30)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int64) {
			defer wg.Done()
			var n int
			if err := db.QueryRow("select barrier").Scan(&n); err != nil || n != clients {
				errs <- fmt.Errorf("barrier: %d, %v", n, err)
				return
			}
			for k := 0; k < 20; k++ {
				rows, err := db.Query("select @p1", c)
				if err != nil {
					errs <- err
					return
				}
				i := int64(0)
				for rows.Next() {
					var v int64
					var s string
					if err := rows.Scan(&v, &s); err != nil {
						errs <- err
						break
					}
					if v != c*100+i || s != fmt.Sprintf("client %d row %d", c, i) {
						errs <- fmt.Errorf("client %d got %d %q", c, v, s)
					}
					i++
				}
				if err := rows.Err(); err != nil {
					errs <- err
				}
				rows.Close()
				if i != 20 {
					errs <- fmt.Errorf("client %d got %d rows", c, i)
				}
			}
		}(int64(c))
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	count := 0
	ids.Range(func(any, any) bool { count++; return true })
	if count < clients {
		t.Errorf("requests came on %d connections, want %d", count, clients)
	}
}

func TestPacketSizes(t *testing.T) {
	value := strings.Repeat("packet 😀 ", 20_000)
	h := HandlerFunc(func(ctx context.Context, q *Request, w ResultWriter) error {
		p, _ := q.Param("p1")
		if err := w.Columns([]Column{{Name: "s", Type: TypeNVarChar, Length: MaxLength}, {Name: "echo", Type: TypeNVarChar, Length: MaxLength}}); err != nil {
			return err
		}
		return w.Row(value, p.Value)
	})
	s, _ := newTestServer(t, h)
	for _, size := range []int{512, 4096, 32767} {
		db, err := sql.Open("sqlserver", s.DSN("sample")+fmt.Sprintf("&packet+size=%d", size))
		if err != nil {
			t.Fatal(err)
		}
		var got, echo string
		if err := db.QueryRow("select @p1", value).Scan(&got, &echo); err != nil {
			t.Errorf("packet size %d: %v", size, err)
		} else if got != value || echo != value {
			t.Errorf("packet size %d: values differ (len %d, %d)", size, len(got), len(echo))
		}
		db.Close()
	}
}

func TestHandlerPanic(t *testing.T) {
	h := HandlerFunc(func(ctx context.Context, q *Request, w ResultWriter) error {
		if q.SQL == "select panic" {
			panic("handler bug")
		}
		return singleInt(w, "n", 1)
	})
	_, db := newTestServer(t, h)
	if _, err := db.Exec("select panic"); err == nil {
		t.Error("request of a panicking handler succeeded")
	}
	var n int
	if err := db.QueryRow("ok").Scan(&n); err != nil || n != 1 {
		t.Errorf("after panic: %d, %v", n, err)
	}
}

func TestCloseCancelsHandlers(t *testing.T) {
	started := make(chan struct{})
	finished := make(chan error, 1)
	h := HandlerFunc(func(ctx context.Context, q *Request, w ResultWriter) error {
		close(started)
		<-ctx.Done()
		finished <- ctx.Err()
		return ctx.Err()
	})
	s := NewServer(h, WithLogf(t.Logf))
	db, err := sql.Open("sqlserver", s.DSN("sample"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	queryErr := make(chan error, 1)
	go func() {
		_, err := db.Exec("block")
		queryErr <- err
	}()
	<-started
	s.Close()
	if err := <-finished; !errors.Is(err, context.Canceled) {
		t.Errorf("handler context: %v", err)
	}
	select {
	case err := <-queryErr:
		if err == nil {
			t.Error("query on a closed server succeeded")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("client hangs after Close")
	}
}

func TestCloseClientConnections(t *testing.T) {
	h := HandlerFunc(func(ctx context.Context, q *Request, w ResultWriter) error { return singleInt(w, "n", 1) })
	s, db := newTestServer(t, h)
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.PingContext(ctx); err != nil {
		t.Fatal(err)
	}
	s.CloseClientConnections()
	var n int
	if err := conn.QueryRowContext(ctx, "x").Scan(&n); err == nil {
		t.Error("query on a closed connection succeeded")
	}
	conn.Close()
	if err := db.QueryRow("x").Scan(&n); err != nil || n != 1 {
		t.Errorf("new connection: %d, %v", n, err)
	}
}
