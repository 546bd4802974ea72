package mssql

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

func sourceErr(t *testing.T, err error, kind ErrorKind, parts ...string) *SourceError {
	t.Helper()
	var se *SourceError
	if !errors.As(err, &se) {
		t.Fatalf("got %v (%T), want a *SourceError", err, err)
	}
	if se.Kind != kind {
		t.Fatalf("got kind %d, want %d: %v", se.Kind, kind, err)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("message has more than one line: %q", msg)
	}
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("message %q lacks %q", msg, p)
		}
	}
	if strings.Contains(msg, mssqltest.DefaultPassword) {
		t.Errorf("message shows the password: %q", msg)
	}
	return se
}

func TestLoginFailed(t *testing.T) {
	s := newTestServer(t, nil, mssqltest.WithCredentials("sa", "right"))
	_, err := Connect(context.Background(), s.src, "sample", "wrong", 5*time.Second)
	sourceErr(t, err, KindLogin, "login failed for user \"sa\"", "18456", "SQLVAULT_MSSQL_PASSWORD")
}

func TestDatabaseNotFound(t *testing.T) {
	s := newTestServer(t, nil)
	_, err := Connect(context.Background(), s.src, "nosuchdb", mssqltest.DefaultPassword, 5*time.Second)
	sourceErr(t, err, KindNoDatabase, `"nosuchdb"`, "4060", "check the database name")
}

func TestUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	src, _ := ParseURL("sqlserver://sa@" + addr + "?encrypt=disable")
	start := time.Now()
	_, err = Connect(context.Background(), src, "sample", "x", 5*time.Second)
	sourceErr(t, err, KindUnreachable, "cannot connect to the server", addr)
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("took %v to report a refused connection", d)
	}
}

func TestConnectTimeout(t *testing.T) {
	// A server that accepts connections and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	src, _ := ParseURL("sqlserver://sa@" + ln.Addr().String() + "?encrypt=disable")
	start := time.Now()
	_, err = Connect(context.Background(), src, "sample", "x", 1500*time.Millisecond)
	sourceErr(t, err, KindUnreachable, "no answer within 1.5s")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("timeout took %v", d)
	}
}

func TestMissingViewDefinition(t *testing.T) {
	s := newTestServer(t, nil)
	s.h.NoViewDefinition = true
	_, err := Script(context.Background(), s.connect("sample"), &memSink{}, s.options("sample"))
	sourceErr(t, err, KindPermission, "VIEW DEFINITION", "GRANT")
}

func TestSelectDenied(t *testing.T) {
	s := newTestServer(t, nil)
	s.h.DenySelect = map[string]bool{"sales.Orders": true}
	_, err := Script(context.Background(), s.connect("sample"), &memSink{}, s.options("sample"))
	sourceErr(t, err, KindPermission, "229", "SELECT permission was denied", "db_datareader")
}

// TestConnectionDroppedMidTable cuts the connection in the middle of a
// table's rows: Script fails with a lost-connection error.
func TestConnectionDroppedMidTable(t *testing.T) {
	s := newTestServer(t, []*sample.DB{sample.Bench(5000)}, mssqltest.WithRowHook(func(q *mssqltest.Request, sent int64) error {
		if strings.Contains(q.SQL, "sqlvault:data") && sent >= 1234 {
			return mssqltest.ErrDropConnection
		}
		return nil
	}))
	sink := &memSink{}
	_, err := Script(context.Background(), s.connect("bench"), sink, s.options("bench"))
	sourceErr(t, err, KindConnectionLost, "connection to the server was lost")
	if _, ok := sink.files[ManifestFile]; ok {
		t.Error("a manifest was written for a failed script")
	}
}

func TestConsistencyModes(t *testing.T) {
	ctx := context.Background()
	t.Run("snapshot isolation", func(t *testing.T) {
		s := newTestServer(t, nil)
		_, m, err := s.scriptDir("sample", s.options("sample"))
		if err != nil {
			t.Fatal(err)
		}
		if m.Consistency != ConsistencySnapshotIsolation {
			t.Errorf("consistency %q", m.Consistency)
		}
		iso := s.h.Isolation()
		if len(iso) == 0 || iso[0] != mssqltest.IsolationSnapshot {
			t.Errorf("transactions begun with %v, want SNAPSHOT", iso)
		}
	})
	off := func(snapshots bool) *sample.DB {
		db := sample.Bench(10)
		db.SnapshotIsolation = false
		db.DatabaseSnapshots = snapshots
		return db
	}
	t.Run("refused", func(t *testing.T) {
		s := newTestServer(t, []*sample.DB{off(false)})
		_, err := Script(ctx, s.connect("bench"), &memSink{}, s.options("bench"))
		se := sourceErr(t, err, KindInconsistent, "ALLOW_SNAPSHOT_ISOLATION ON", "--allow-inconsistent", "CREATE DATABASE permission denied")
		if !errors.Is(se, ErrInconsistent) {
			t.Error("not ErrInconsistent")
		}
	})
	t.Run("allow inconsistent", func(t *testing.T) {
		s := newTestServer(t, []*sample.DB{off(false)})
		opts := s.options("bench")
		opts.AllowInconsistent = true
		var warned []string
		opts.Warn = func(what string, err error) { warned = append(warned, what+": "+err.Error()) }
		sink := &memSink{}
		m, err := Script(ctx, s.connect("bench"), sink, opts)
		if err != nil {
			t.Fatal(err)
		}
		if m.Consistency != ConsistencyNone || len(warned) != 1 || !strings.Contains(string(sink.files[ManifestFile]), `"consistency": "none"`) {
			t.Errorf("consistency %q, warnings %q", m.Consistency, warned)
		}
	})
	t.Run("database snapshot", func(t *testing.T) {
		s := newTestServer(t, []*sample.DB{off(true)})
		sink := &memSink{}
		m, err := Script(ctx, s.connect("bench"), sink, s.options("bench"))
		if err != nil {
			t.Fatal(err)
		}
		if m.Consistency != ConsistencyDatabaseSnapshot || m.Database.Name != "bench" || m.Totals.Rows != 10 {
			t.Errorf("consistency %q, database %q, rows %d", m.Consistency, m.Database.Name, m.Totals.Rows)
		}
		if snaps := s.h.Snapshots(); len(snaps) != 0 {
			t.Errorf("database snapshots left behind: %v", snaps)
		}
		log := strings.Join(s.h.Log(), "\n")
		if !strings.Contains(log, "sqlvault:create_snapshot") || !strings.Contains(log, "sqlvault:drop_snapshot") {
			t.Errorf("no snapshot created and dropped:\n%s", log)
		}
	})
}

// TestConstantLit checks the constant literal of statements sent to the
// server directly: quotes doubled, nothing else changed.
func TestConstantLit(t *testing.T) {
	for in, want := range map[string]string{
		"/var/opt/mssql/data/x.mdf": "N'/var/opt/mssql/data/x.mdf'",
		`C:\it's $(x)\`:             `N'C:\it''s $(x)\'`,
		"a\r\nb\xff":                "N'a\r\nb\uFFFD'",
	} {
		if got := constantLit(in); got != want {
			t.Errorf("constantLit(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseURL(t *testing.T) {
	src, err := ParseURL("sqlserver://backup%20user:p%40ss@db.example.com:1444/SQLEXPRESS?database=a&database=b&encrypt=true&TrustServerCertificate=false&certificate=%2Fetc%2Fca.pem")
	if err != nil {
		t.Fatal(err)
	}
	if src.User != "backup user" || src.Host != "db.example.com" || src.Port != 1444 || src.Instance != "SQLEXPRESS" ||
		!src.HasPassword || src.Password != "p@ss" || strings.Join(src.Databases, ",") != "a,b" ||
		src.Params.Get("encrypt") != "true" || src.Params.Get("trustservercertificate") != "false" || src.Params.Get("certificate") != "/etc/ca.pem" {
		t.Fatalf("parsed %+v", src)
	}
	if got := src.Location("a"); got != "sqlserver://backup%20user@db.example.com:1444/SQLEXPRESS?database=a" {
		t.Errorf("Location = %s", got)
	}
	dsn := src.DSN("a", "secret", 10*time.Second)
	for _, want := range []string{"secret", "database=a", "encrypt=true", "certificate=%2Fetc%2Fca.pem", "dial+timeout=10"} {
		if !strings.Contains(dsn, want) {
			t.Errorf("DSN %s lacks %s", dsn, want)
		}
	}
	for _, bad := range []string{"mssql://x@h", "sqlserver://h?database=x", "sqlserver://u@:1?database=x",
		"sqlserver://u@h:0", "sqlserver://u@h?password=x", "sqlserver://u@h?bogus=1", "sqlserver://u@h/a/b"} {
		if _, err := ParseURL(bad); !errors.Is(err, ErrBadURL) {
			t.Errorf("ParseURL(%q) = %v, want ErrBadURL", bad, err)
		}
	}
}

// TestSQLCmdSafe checks what sqlcmd could misread in a statement: a
// variable, a command on a line of its own by any line break, and a
// bracketed identifier that holds a line break, a quote or a comment
// delimiter (sqlcmd tracks strings and comments, not brackets).
func TestSQLCmdSafe(t *testing.T) {
	for s, want := range map[string]bool{
		"SELECT 1":                true,
		"SELECT 'GOOD'\nGOTO x":   true,
		"a\nGO\nb":                false,
		"a\n  go 5\nb":            false,
		"a\r\nGO\r\n":             false,
		"a\nGO;":                  false,
		"a\rGO":                   false,
		"a\u2028GO":               false,
		"a\u0085GO":               false,
		"a\vGO":                   false,
		"x $(y)":                  false,
		"SELECT '$(x)'":           false,
		"a\n:r file":              false,
		"a\n!! ls":                false,
		"a\n\t!!ls":               false,
		"a\nexit\n":               false,
		"a\nEXIT(SELECT 1)":       false,
		"a\nQUIT":                 false,
		"a\nreset":                false,
		"a\nED":                   false,
		"a\non  error exit":       false,
		"a\nON o.id = c.id":       true,
		"a\nEDIT":                 true,
		"SELECT N'ok' -- comment": true,
		"SELECT [a b], 'it''s', \"q\" FROM [x]]y];": true,
		"CREATE TABLE [a\nb] (c int);":              false,
		"CREATE TABLE [a\u2028b] (c int);":          false,
		"CREATE TABLE [it's] (c int);":              false,
		"CREATE TABLE [a\"b] (c int);":              false,
		"CREATE TABLE [a--b] (c int);":              false,
		"CREATE TABLE [a/*b] (c int);":              false,
		"CREATE TABLE [a*/b] (c int);":              false,
		"CREATE TABLE [a\tb] (c int);":              true,
		// A value or name that spans lines reaches the server as the client
		// joins lines (go-sqlcmd: LF on Linux, CR LF on Windows).
		"SELECT '[it''s\nfine]' -- [it's\n/* [it's */ x": false,
		"SELECT '[it''s fine]' -- [it's\n/* [it's */ x":  true,
		"SELECT \"[a\nb]\"":                              false,
		"SELECT 'a' +\r\n'b'":                            false,
		"[":                                              false,
		"SELECT 'x":                                      false,
		"SELECT 1 /* x":                                  false,
		"SELECT 1 -- x":                                  true,
		// go-sqlcmd reads a backslash in a '-string as an escape, " outside
		// one as a string, and block comments without nesting: where it
		// then ends a line inside a string or comment and SQL Server does
		// not (or the other way round), the text is not safe.
		"SET @p = 'C:\\';":                         false,
		"SET @p = 'C:\\';\nSELECT 1;":              false,
		"SELECT 'a\\''b'":                          false,
		"SELECT 'a\\', 'x\n\ny', 'b\\', 'c'":       false,
		"SELECT 'a\\b', 'c\\\\', '\\\\\\\\'":       true,
		"SELECT 'C:' + CHAR(92)":                   true,
		"SELECT \"C:\\\" FROM t -- it's C:\\'":     true,
		"SELECT \"a'b\"\nFROM t":                   true,
		"SELECT 'x\"' + \"y'\"\nFROM t":            true,
		"/* /* */ 'x */ SELECT 1":                  false,
		"/* /* */\n' */ SELECT 1":                  false,
		"/* /* */ */ SELECT 1":                     true,
		"/* a\nb */ SELECT 'a\\\n', 'b'":           false,
		"/* a\nb */ SELECT 'a\\b', 'b'":            true,
		"SELECT 1 -- a\r'b\nSELECT 2":              false,
		"SELECT N'it''s' /* 'x' */\n, \"q\"\nGOTO": true,
	} {
		if got := sqlcmdSafe(s); got != want {
			t.Errorf("sqlcmdSafe(%q) = %v, want %v", s, got, want)
		}
	}
	if got := batch("SELECT '$(x)'"); got != "DECLARE @sql nvarchar(max) = N'SELECT ''$' + N'(x)''';\nEXEC sys.sp_executesql @sql;\nGO\n" {
		t.Errorf("batch = %q", got)
	}
}

func TestFileNames(t *testing.T) {
	for in, want := range map[[2]string]string{
		{"dbo", "Orders"}:          "dbo.Orders.sql",
		{"odd ]schema ü", "a.b/c"}: "odd%20%5Dschema%20ü.a%2Eb%2Fc.sql",
		{"s", "$(x)"}:              "s.%24%28x%29.sql",
		{"s", "Ünïcødé_name-1"}:    "s.Ünïcødé_name-1.sql",
		{"", ""}:                   "%.%.sql",
	} {
		if got := fileName(in[0], in[1]); got != want {
			t.Errorf("fileName(%q, %q) = %q, want %q", in[0], in[1], got, want)
		}
	}
	long := fileName("dbo", strings.Repeat("ü", 128))
	if len(long) > 220 || !strings.HasSuffix(long, ".sql") {
		t.Errorf("long name %q (%d bytes)", long, len(long))
	}
	if DatabaseFolder("sales db") != "sales%20db" {
		t.Error(DatabaseFolder("sales db"))
	}
}

// TestDataMissingRule checks the rule that decides which reported objects
// make a backup incomplete: in the sample with an Always Encrypted column
// in a table, only that table (its rows are not in the snapshot) is
// warned about with ErrDataMissing;
// the CLR, encrypted and Service Broker objects, the partitioning and the
// principals are warnings whose script restores every row.
func TestDataMissingRule(t *testing.T) {
	db := sample.New()
	encryptColumn(t, db, "Cache", "v")
	s := newTestServer(t, []*sample.DB{db})
	opts := s.options("sample")
	var missing, other []string
	opts.Warn = func(what string, err error) {
		if errors.Is(err, ErrDataMissing) {
			missing = append(missing, what+": "+err.Error())
		} else {
			other = append(other, what)
		}
	}
	_, m := s.scriptMem("sample", opts)
	sameLines(t, "data missing", missing, []string{"table [dbo].[Cache]: not scripted, its data is not in the snapshot: Always Encrypted column [v] (DETERMINISTIC, column encryption key [CEK_1]): its values read as ciphertext, which a script cannot store back; to do: back up this database with BACKUP DATABASE, or copy the table with a client that holds the column master key (Column Encryption Setting=Enabled, e.g. the SSMS Import and Export Wizard); a script of INSERT statements cannot carry its values"})
	if len(other) < 5 || len(other)+1 != len(m.Unscripted) {
		t.Errorf("other warnings %q for %d unscripted objects", other, len(m.Unscripted))
	}
	for _, u := range []Unscripted{{Kind: "procedure"}, {Kind: "partitioned table"}, {Kind: "assembly"}, {Kind: "data compression"}} {
		if u.DataMissing() {
			t.Errorf("%s: data missing", u.Kind)
		}
	}
}
