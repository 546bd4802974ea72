// Package mssqltest provides a SQL Server for tests: a TDS (Tabular Data
// Stream) server on 127.0.0.1 that the real github.com/microsoft/go-mssqldb
// driver connects to over TCP, so that tests exercise the driver's own wire
// decoding without a SQL Server installation.
//
// It is modelled on net/http/httptest. The server speaks the protocol —
// PRELOGIN without encryption, LOGIN7, SQL batches, sp_executesql RPC calls
// with typed parameters, transaction manager requests and attention
// (cancel) packets — and hands every query to a Handler, which streams
// result sets, row counts, messages and errors back through a ResultWriter.
// It does not parse or run T-SQL itself.
//
//	srv := mssqltest.NewServer(mssqltest.HandlerFunc(
//		func(ctx context.Context, q *mssqltest.Request, w mssqltest.ResultWriter) error {
//			if q.SQL != "SELECT name FROM t" {
//				return mssqltest.InvalidObjectName("t")
//			}
//			if err := w.Columns([]mssqltest.Column{{Name: "name", Type: mssqltest.TypeNVarChar, Length: 50}}); err != nil {
//				return err
//			}
//			return w.Row("Ann")
//		}))
//	defer srv.Close()
//	db, err := sql.Open("sqlserver", srv.DSN("sample"))
//
// Clients must connect with encrypt=disable (DSN does so): the server
// answers PRELOGIN with "encryption not supported".
package mssqltest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
)

// Handler answers the SQL batches and RPC calls of all connections of a
// Server. Query is called from one goroutine per connection, so
// implementations must be safe for concurrent use by several connections.
//
// Query streams its results through w and returns nil on success. Returning
// an error sends it to the client as an ERROR token and fails the request:
// an *Error keeps its number, state, class and message. ctx is canceled
// when the client cancels the request (an attention packet), when the
// connection closes and when the server closes.
type Handler interface {
	Query(ctx context.Context, q *Request, w ResultWriter) error
}

// HandlerFunc adapts a function to the Handler interface.
type HandlerFunc func(ctx context.Context, q *Request, w ResultWriter) error

// Query calls f(ctx, q, w).
func (f HandlerFunc) Query(ctx context.Context, q *Request, w ResultWriter) error {
	return f(ctx, q, w)
}

// TxHandler may be implemented by a Handler to observe, or refuse, the
// transaction manager requests that database/sql's BeginTx, Tx.Commit and
// Tx.Rollback send. Returning an error (preferably an *Error) refuses the
// operation. Without a TxHandler every such request is accepted. Either way
// the server keeps the session's transaction state and sends the
// transaction descriptor that go-mssqldb's Tx needs.
type TxHandler interface {
	Transaction(ctx context.Context, tx *TxRequest) error
}

// Default login of a Server without WithCredentials; any login is accepted
// then, and DSN uses this one.
const (
	DefaultUser     = "sa"
	DefaultPassword = "mssqltest"
)

// options are the settings made by Option values.
type options struct {
	user, password   string
	checkCredentials bool
	databases        []string
	loginHook        func(*Login) error
	rowHook          func(*Request, int64) error
	logf             func(format string, args ...any)
	addr             string
}

// Option configures a Server.
type Option func(*options)

// WithCredentials makes the server accept only this login, refusing others
// with error 18456 "Login failed for user '<user>'.", as SQL Server does.
// DSN then uses this login.
func WithCredentials(user, password string) Option {
	return func(o *options) {
		o.user, o.password, o.checkCredentials = user, password, true
	}
}

// WithDatabases names the databases that exist besides master; a login to
// any other database is refused with error 4060 ("Cannot open database ...
// requested by the login. The login failed."), followed by 18456 as SQL
// Server sends them (go-mssqldb reports the last one and lists both in
// mssql.Error.All). Without this option every database name is accepted.
func WithDatabases(names ...string) Option {
	return func(o *options) {
		o.databases = append([]string(nil), names...)
	}
}

// WithLoginHook installs a function that sees every login after the checks
// of WithCredentials and WithDatabases. Returning an error refuses the
// login: an *Error is sent as is, any other error as error 18456. Tests use
// it to inject login failures.
func WithLoginHook(f func(l *Login) error) Option {
	return func(o *options) { o.loginHook = f }
}

// WithRowHook installs a fault-injection function called before each row is
// sent, with the request and the number of rows of the current result set
// already sent. Returning ErrDropConnection cuts the TCP connection after
// flushing the rows sent so far, so the client sees an I/O error in the
// middle of the result set; any other error is returned to the handler by
// ResultWriter.Row.
func WithRowHook(f func(q *Request, rowsSent int64) error) Option {
	return func(o *options) { o.rowHook = f }
}

// DropAfterRows makes the server cut the TCP connection once n rows of any
// result set have been sent: a shorthand for WithRowHook.
func DropAfterRows(n int64) Option {
	return WithRowHook(func(_ *Request, rowsSent int64) error {
		if rowsSent >= n {
			return ErrDropConnection
		}
		return nil
	})
}

// WithAddr makes the server listen on addr (such as "127.0.0.1:14330")
// instead of a free port of 127.0.0.1; for demos.
func WithAddr(addr string) Option {
	return func(o *options) { o.addr = addr }
}

// WithLogf sends the server's diagnostics (protocol errors, handler panics,
// injected faults) to f, for instance testing.T.Logf. By default they are
// discarded. f is not called after Close returns.
func WithLogf(f func(format string, args ...any)) Option {
	return func(o *options) { o.logf = f }
}

// Server is a TDS server listening on a loopback port, for use in tests.
type Server struct {
	handler Handler
	opts    options

	ctx    context.Context // canceled by Close
	cancel context.CancelFunc

	mu      sync.Mutex
	ln      net.Listener
	conns   map[*conn]struct{}
	started bool
	closed  bool
	nextID  uint64
	wg      sync.WaitGroup
}

// NewServer starts and returns a new Server. The caller should call Close
// when finished, to shut it down. It panics if it cannot listen, as
// httptest.NewServer does; use NewUnstartedServer and Start to get an error
// instead.
func NewServer(h Handler, opts ...Option) *Server {
	s := NewUnstartedServer(h, opts...)
	if err := s.Start(); err != nil {
		panic(err)
	}
	return s
}

// NewUnstartedServer returns a new Server that does not listen yet; call
// Start to start it.
func NewUnstartedServer(h Handler, opts ...Option) *Server {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{handler: h, ctx: ctx, cancel: cancel, conns: make(map[*conn]struct{})}
	for _, o := range opts {
		o(&s.opts)
	}
	if !s.opts.checkCredentials {
		s.opts.user, s.opts.password = DefaultUser, DefaultPassword
	}
	return s
}

// Start listens on a free port of 127.0.0.1 and serves connections in the
// background.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return errors.New("mssqltest: Start after Close")
	case s.started:
		return errors.New("mssqltest: server already started")
	case s.handler == nil:
		return errors.New("mssqltest: nil Handler")
	}
	addr := s.opts.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("mssqltest: failed to listen on a port: %w", err)
	}
	s.ln, s.started = ln, true
	s.wg.Add(1)
	go s.acceptLoop()
	return nil
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.logf("mssqltest: accept: %v", err)
			}
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return
		}
		s.nextID++
		c := newConn(s, nc, s.nextID)
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
			}()
			c.serve()
		}()
	}
}

// Addr returns the address the server listens on, "127.0.0.1:port".
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// DSN returns a go-mssqldb connection string for the server's login (see
// WithCredentials) and the given database (none if empty), of the form
// sqlserver://user:password@127.0.0.1:port?database=db&encrypt=disable.
func (s *Server) DSN(database string) string {
	return s.LoginDSN(s.opts.user, s.opts.password, database)
}

// LoginDSN is like DSN with another login, for testing refused logins.
func (s *Server) LoginDSN(user, password, database string) string {
	q := url.Values{}
	if database != "" {
		q.Set("database", database)
	}
	q.Set("encrypt", "disable")
	u := url.URL{
		Scheme:   "sqlserver",
		User:     url.UserPassword(user, password),
		Host:     s.Addr(),
		RawQuery: q.Encode(),
	}
	return u.String()
}

// CloseClientConnections closes the TCP connections of all clients, as a
// server restart or a network failure would.
func (s *Server) CloseClientConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.nc.Close()
	}
}

// Close stops the listener, closes all connections, cancels the contexts
// of running handlers and waits until every goroutine of the server,
// handlers included, has returned.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	if s.ln != nil {
		s.ln.Close()
	}
	for c := range s.conns {
		c.nc.Close()
	}
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.logf != nil {
		s.opts.logf(format, args...)
	}
}
