package mssql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	mssqldb "github.com/microsoft/go-mssqldb"
)

// Source is a parsed sqlserver:// URL: where a server is and how to log in,
// without the password, which comes from elsewhere (see Connect).
type Source struct {
	User     string
	Host     string
	Port     int    // 0: the default (1433, or the instance's port)
	Instance string // named instance, empty for the default one
	// Databases are the databases named by ?database= (in order).
	Databases []string
	// Password is set only when the URL carried one (discouraged: it is
	// visible in process lists).
	Password    string
	HasPassword bool
	// Params are the driver options given in the URL (TLS and timeouts),
	// with lower-case keys.
	Params url.Values
}

// allowedParams are the URL query parameters passed on to go-mssqldb.
var allowedParams = map[string]bool{
	"encrypt": true, "trustservercertificate": true, "certificate": true,
	"hostnameincertificate": true, "tlsmin": true, "servercertificate": true,
	"dial timeout": true, "connection timeout": true, "app name": true,
	"packet size": true, "keepalive": true, "workstation id": true,
}

// ErrBadURL is returned by ParseURL for a malformed sqlserver:// URL.
var ErrBadURL = errors.New("invalid SQL Server URL")

// IsURL reports whether s looks like a sqlserver:// URL.
func IsURL(s string) bool {
	return strings.HasPrefix(strings.ToLower(s), "sqlserver://")
}

// ParseURL parses sqlserver://user@host[:port][/instance]?database=NAME&...
func ParseURL(s string) (*Source, error) {
	if !IsURL(s) {
		return nil, fmt.Errorf("%w %q: it must start with sqlserver://", ErrBadURL, s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	src := &Source{Params: url.Values{}}
	if u.User != nil {
		src.User = u.User.Username()
		src.Password, src.HasPassword = u.User.Password()
	}
	if src.User == "" {
		return nil, fmt.Errorf("%w %q: no user name (sqlserver://USER@HOST)", ErrBadURL, redactURL(u))
	}
	src.Host = u.Hostname()
	if src.Host == "" {
		return nil, fmt.Errorf("%w %q: no host name", ErrBadURL, redactURL(u))
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("%w %q: bad port %q", ErrBadURL, redactURL(u), p)
		}
		src.Port = n
	}
	if inst := strings.Trim(u.Path, "/"); inst != "" {
		if strings.Contains(inst, "/") {
			return nil, fmt.Errorf("%w %q: the path can only name an instance", ErrBadURL, redactURL(u))
		}
		src.Instance = inst
	}
	for k, vs := range u.Query() {
		lk := strings.ToLower(k)
		switch {
		case lk == "database":
			for _, v := range vs {
				if v != "" {
					src.Databases = append(src.Databases, v)
				}
			}
		case lk == "password" || lk == "user id":
			return nil, fmt.Errorf("%w: put the user in sqlserver://USER@HOST and the password in SQLVAULT_MSSQL_PASSWORD", ErrBadURL)
		case allowedParams[lk]:
			for _, v := range vs {
				src.Params.Add(lk, v)
			}
		default:
			return nil, fmt.Errorf("%w: unknown option %q (known: database, encrypt, trustservercertificate, certificate, hostnameincertificate, tlsmin, dial timeout, connection timeout, app name, packet size)", ErrBadURL, k)
		}
	}
	return src, nil
}

func redactURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User(c.User.Username())
	}
	return c.String()
}

// Location returns the URL of one database on the server without password
// or driver options: sqlserver://user@host[:port][/instance]?database=NAME.
// It names the source of a snapshot.
func (s *Source) Location(database string) string {
	u := url.URL{Scheme: "sqlserver", User: url.User(s.User), Host: s.hostPort()}
	if s.Instance != "" {
		u.Path = "/" + s.Instance
	}
	if database != "" {
		u.RawQuery = url.Values{"database": {database}}.Encode()
	}
	return u.String()
}

func (s *Source) hostPort() string {
	if s.Port != 0 {
		return net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	}
	if strings.Contains(s.Host, ":") {
		return "[" + s.Host + "]"
	}
	return s.Host
}

// DSN returns the go-mssqldb connection string for a database, with the
// password and driver options.
func (s *Source) DSN(database, password string, dialTimeout time.Duration) string {
	q := url.Values{}
	for k, vs := range s.Params {
		q[k] = append([]string(nil), vs...)
	}
	if database != "" {
		q.Set("database", database)
	}
	if q.Get("dial timeout") == "" && dialTimeout > 0 {
		q.Set("dial timeout", strconv.Itoa(int((dialTimeout+time.Second-1)/time.Second)))
	}
	if q.Get("app name") == "" {
		q.Set("app name", "sqlvault")
	}
	if q.Get("packet size") == "" {
		// Large packets mean fewer round trips for bulk reads; the server
		// may grant less.
		q.Set("packet size", "32767")
	}
	u := url.URL{Scheme: "sqlserver", User: url.UserPassword(s.User, password), Host: s.hostPort(), RawQuery: encodeSorted(q)}
	if s.Instance != "" {
		u.Path = "/" + s.Instance
	}
	return u.String()
}

func encodeSorted(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k))
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(v))
		}
	}
	return b.String()
}

// Connect opens a connection pool to one database and checks that the
// login works within timeout. Errors are *SourceError values that say what
// went wrong and what to do.
func Connect(ctx context.Context, src *Source, database, password string, timeout time.Duration) (*sql.DB, error) {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	connector, err := mssqldb.NewConnector(src.DSN(database, password, timeout))
	if err != nil {
		return nil, &SourceError{Kind: KindConfig, Server: src.Location(""), Database: database,
			Err: err, msg: fmt.Sprintf("%s: invalid connection options: %v", src.Location(""), err)}
	}
	// go-mssqldb does not watch the context while it logs in: a server
	// that accepts the connection and never answers would hang forever.
	// The dialer puts a deadline on the login instead.
	ld := &loginDialer{timeout: timeout}
	connector.Dialer = ld
	db := sql.OpenDB(connector)
	// The scripter reads through one connection at a time; one connection
	// also keeps the login deadline simple.
	db.SetMaxOpenConns(1)
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var ne net.Error
		if (pctx.Err() != nil || errors.As(err, &ne) && ne.Timeout()) && !isMSSQLError(err) {
			err = fmt.Errorf("no answer within %s: %w", timeout, context.DeadlineExceeded)
		}
		return nil, Classify(err, src, database)
	}
	ld.loggedIn()
	return db, nil
}

// loginDialer dials TCP connections with a deadline that is lifted once
// the first login succeeded.
type loginDialer struct {
	d       net.Dialer
	timeout time.Duration
	mu      sync.Mutex
	conns   []net.Conn
	done    bool
}

// DialContext implements go-mssqldb's Dialer.
func (l *loginDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	l.d.KeepAlive = 30 * time.Second
	c, err := l.d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		if err := c.SetDeadline(time.Now().Add(l.timeout)); err != nil {
			c.Close()
			return nil, err
		}
		l.conns = append(l.conns, c)
	}
	return c, nil
}

func (l *loginDialer) loggedIn() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		_ = c.SetDeadline(time.Time{})
	}
	l.conns, l.done = nil, true
}

func isMSSQLError(err error) bool {
	var me mssqldb.Error
	return errors.As(err, &me)
}

// ErrorKind tells what kind of problem a SourceError is.
type ErrorKind int

// The kinds of SourceError.
const (
	KindConfig         ErrorKind = iota + 1 // bad connection options
	KindLogin                               // the server refused the login
	KindUnreachable                         // no connection to the server
	KindNoDatabase                          // the database does not exist or cannot be opened
	KindPermission                          // the login lacks a permission
	KindConnectionLost                      // the connection broke while reading
	KindInconsistent                        // no consistent read is possible
	KindQuery                               // the server failed a query
	KindVersion                             // the server is older than MinMajor
)

// SourceError is a failure of the SQL Server source, with a one-line
// message that says what to do.
type SourceError struct {
	Kind     ErrorKind
	Server   string // the server's URL without password
	Database string
	Err      error
	msg      string
}

// Error returns the one-line message.
func (e *SourceError) Error() string { return e.msg }

// Unwrap returns the driver or network error, if any.
func (e *SourceError) Unwrap() error { return e.Err }

// Classify turns a driver or network error into a *SourceError (or
// returns err unchanged if it already is one, or is a cancellation).
func Classify(err error, src *Source, database string) error {
	if err == nil {
		return nil
	}
	var se *SourceError
	if errors.As(err, &se) || errors.Is(err, context.Canceled) {
		return err
	}
	server := src.Location("")
	e := &SourceError{Server: server, Database: database, Err: err}
	var me mssqldb.Error
	if errors.As(err, &me) {
		all := me.All
		if len(all) == 0 {
			all = []mssqldb.Error{me}
		}
		nums := map[int32]mssqldb.Error{}
		for _, x := range all {
			nums[x.Number] = x
		}
		switch {
		case has(nums, 4060):
			e.Kind = KindNoDatabase
			e.msg = fmt.Sprintf("%s: cannot open database %q (server error 4060): check the database name and that login %q may use it", server, database, src.User)
		case has(nums, 18456):
			e.Kind = KindLogin
			e.msg = fmt.Sprintf("%s: login failed for user %q (server error 18456): check the user name and the password in SQLVAULT_MSSQL_PASSWORD or --mssql-password-file", server, src.User)
		case has(nums, 229, 230, 262, 297, 300, 916, 15247, 1088):
			n := firstOf(nums, 229, 230, 262, 297, 300, 916, 15247, 1088)
			e.Kind = KindPermission
			e.msg = fmt.Sprintf("%s, database %q: permission denied (server error %d: %s): grant login %q VIEW DEFINITION and SELECT on the database (e.g. add it to db_datareader and grant VIEW DEFINITION)", server, database, n.Number, oneLine(n.Message), src.User)
		default:
			e.Kind = KindQuery
			e.msg = fmt.Sprintf("%s, database %q: server error %d: %s", server, database, me.Number, oneLine(me.Message))
		}
		return e
	}
	if isConnLost(err) {
		e.Kind = KindConnectionLost
		e.msg = fmt.Sprintf("%s, database %q: the connection to the server was lost (%s): nothing was stored; run the backup again", server, database, oneLine(err.Error()))
		return e
	}
	e.Kind = KindUnreachable
	e.msg = fmt.Sprintf("%s: cannot connect to the server (%s): check the host, port and instance, that SQL Server accepts TCP connections, and the firewall", server, oneLine(err.Error()))
	return e
}

// readError marks an error of reading from the server (a query, a row),
// as opposed to writing the scripts.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// readErr wraps a reading error, prefixed with what was read.
func readErr(what string, err error) error {
	return &readError{err: fmt.Errorf("%s: %w", what, err)}
}

// classifyRead is Classify for errors after the login succeeded: errors of
// reading become *SourceError values (a network error then means a lost
// connection, not an unreachable server); errors of the sink (the
// repository) are returned unchanged.
func classifyRead(err error, src *Source, database string) error {
	if err == nil {
		return nil
	}
	var se *SourceError
	var re *readError
	switch {
	case errors.As(err, &se) || errors.Is(err, context.Canceled):
		return err
	case isMSSQLError(err):
		return Classify(err, src, database)
	case !errors.As(err, &re):
		return err
	}
	var ne net.Error
	if isConnLost(err) || errors.As(err, &ne) {
		return &SourceError{Kind: KindConnectionLost, Server: src.Location(""), Database: database, Err: err,
			msg: fmt.Sprintf("%s, database %q: the connection to the server was lost (%s): run the backup again", src.Location(""), database, oneLine(err.Error()))}
	}
	return &SourceError{Kind: KindQuery, Server: src.Location(""), Database: database, Err: err,
		msg: fmt.Sprintf("%s, database %q: reading failed: %s", src.Location(""), database, oneLine(err.Error()))}
}

func isConnLost(err error) bool {
	var se mssqldb.StreamError
	if errors.As(err, &se) {
		return true
	}
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) ||
		strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe")
}

func has(m map[int32]mssqldb.Error, nums ...int32) bool {
	for _, n := range nums {
		if _, ok := m[n]; ok {
			return true
		}
	}
	return false
}

func firstOf(m map[int32]mssqldb.Error, nums ...int32) mssqldb.Error {
	for _, n := range nums {
		if e, ok := m[n]; ok {
			return e
		}
	}
	return mssqldb.Error{}
}

// oneLine renders a message (a server's, a driver's) on one line: its
// runs of white space as one space, and what else could break or forge a
// line (control characters, which it may quote from a name) as
// commentText renders it.
func oneLine(s string) string {
	return commentText(strings.Join(strings.Fields(s), " "))
}

// ListDatabases returns the online user databases of the server db is
// connected to (sys.databases without system databases and snapshots).
func ListDatabases(ctx context.Context, db *sql.DB, src *Source) ([]string, error) {
	var names []string
	err := queryEach(ctx, db, qDatabases, func(r *record) error {
		names = append(names, r.str("name"))
		return nil
	})
	if err != nil {
		return nil, Classify(err, src, "master")
	}
	return names, nil
}
