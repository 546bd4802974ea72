package main_test

// End-to-end tests of SQL Server backups: the sqlvault binary backs up,
// dumps and restores the sample database served by mssqltest in this test
// process, and fails with one clear line and exit code 5 when the server
// refuses or breaks.

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sqlvault/sqlvault/mssql"
	"github.com/sqlvault/sqlvault/mssql/mssqltest"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// mssqlServer serves sample databases for one test.
type mssqlServer struct {
	h   *sample.Handler
	srv *mssqltest.Server
}

func newMSSQLServer(t *testing.T, dbs []*sample.DB, opts ...mssqltest.Option) *mssqlServer {
	t.Helper()
	if dbs == nil {
		dbs = []*sample.DB{sample.New()}
	}
	h := sample.NewHandler(dbs...)
	srv := sample.NewServer(h, opts...)
	t.Cleanup(srv.Close)
	return &mssqlServer{h: h, srv: srv}
}

// url returns the server's sqlserver:// URL for a database, without
// password.
func (m *mssqlServer) url(db string) string {
	u := "sqlserver://" + mssqltest.DefaultUser + "@" + m.srv.Addr() + "?encrypt=disable"
	if db != "" {
		u += "&database=" + db
	}
	return u
}

// location is the path a snapshot of the database records.
func (m *mssqlServer) location(db string) string {
	return "sqlserver://" + mssqltest.DefaultUser + "@" + m.srv.Addr() + "?database=" + db
}

// script returns what the scripter writes for a database, as one script.
func (m *mssqlServer) script(t *testing.T, db string) []byte {
	t.Helper()
	src, err := mssql.ParseURL(m.url(db))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := mssql.Connect(context.Background(), src, db, mssqltest.DefaultPassword, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var b bytes.Buffer
	opts := mssql.Options{Source: src, Database: db, OpenDatabase: func(ctx context.Context, name string) (*sql.DB, error) {
		return mssql.Connect(ctx, src, name, mssqltest.DefaultPassword, 5*time.Second)
	}}
	if _, err := mssql.Script(context.Background(), conn, &mssql.ScriptSink{W: &b}, opts); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func withMSSQLPassword(s *sv, pw string) *sv {
	s.env = append(s.env, "SQLVAULT_MSSQL_PASSWORD="+pw)
	return s
}

// TestE2ESQLServerIncomplete backs up the sample with a table that cannot
// be scripted (an Always Encrypted column: its values would be read as
// ciphertext): the snapshot is saved without that table's rows, the table
// is warned about, and the backup ends incomplete (exit 3) with one line.
func TestE2ESQLServerIncomplete(t *testing.T) {
	db := sample.New()
	for _, tb := range db.Tables {
		if tb.Name == "Cache" {
			tb.Columns[1].Encrypted = &sample.Encryption{Type: "DETERMINISTIC", Key: "CEK_1"}
		}
	}
	db.Build()
	m := newMSSQLServer(t, []*sample.DB{db})
	s := withMSSQLPassword(initRepo(t), mssqltest.DefaultPassword)
	r := s.run("backup", m.url("sample"))
	wantCode(t, r, exitIncomplete)
	if want := "warning: sample: table [dbo].[Cache]: not scripted, its data is not in the snapshot: Always Encrypted column [v] (DETERMINISTIC, column encryption key [CEK_1]): its values read as ciphertext, which a script cannot store back; to do: "; !strings.Contains(r.stderr, want) {
		t.Errorf("backup output lacks %q\n%v", want, r)
	}
	if got := errLine(t, r); !regexp.MustCompile(`^sqlvault: backup incomplete: some tables could not be read \(1 unreadable\): snapshot [0-9a-f]{8} lacks the data of the tables listed above \(see unscripted in its manifest.json\)$`).MatchString(got) {
		t.Errorf("error line %q", got)
	}
	if n := len(s.snapshots()); n != 1 {
		t.Errorf("%d snapshots, want 1", n)
	}
}

// TestE2ESQLServerBackup backs up the sample database twice, checks the
// snapshots, that the second adds less than 1% of the first, and that
// dump and restore give back the script.
func TestE2ESQLServerBackup(t *testing.T) {
	m := newMSSQLServer(t, nil)
	s := withMSSQLPassword(initRepo(t), mssqltest.DefaultPassword)

	r := s.run("backup", "-v", m.url("sample"), "--tag", "daily")
	// The sample holds objects that cannot be scripted (CLR, encrypted):
	// they are warned about; every table, the memory-optimized ones too,
	// is in the snapshot with its rows: the backup is complete (exit 0).
	wantCode(t, r, exitOK)
	for _, want := range []string{
		"warning: sample: procedure [dbo].[usp_Secret]: not scripted: encrypted module",
		"[26/26] [sales].[OrderLines]: 3 rows",
		"saved: database sample, 26 tables, 67 rows",
		"(consistency: snapshot-isolation)",
		"database sample: 1 user(s) mapped to server logins are created on restore only where the login exists (needs_logins in manifest.json): sqlvault_sample_login\n",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("backup output lacks %q\n%v", want, r)
		}
	}
	if strings.Contains(r.stderr, "warning: sample: table [dbo].[Cache") {
		t.Errorf("the memory-optimized table is warned about\n%v", r)
	}
	r2 := s.run("backup", m.url("sample"), "--tag", "daily")
	wantCode(t, r2, exitOK)

	sns := s.snapshots()
	if len(sns) != 2 {
		t.Fatalf("%d snapshots", len(sns))
	}
	for _, sn := range sns {
		if sn.Source != "sqlserver" || len(sn.Paths) != 1 || sn.Paths[0] != m.location("sample") {
			t.Errorf("snapshot source %q paths %q", sn.Source, sn.Paths)
		}
		if strings.Contains(strings.Join(sn.Paths, ""), mssqltest.DefaultPassword) {
			t.Error("the password is in the snapshot paths")
		}
	}
	first, second := sns[0].Summary.BytesAdded, sns[1].Summary.BytesAdded
	if second*100 >= first {
		t.Errorf("second backup of an unchanged database added %d bytes, first %d: want < 1%%", second, first)
	}
	t.Logf("first backup added %d bytes, second %d (%.3f%%)", first, second, 100*float64(second)/float64(first))

	want := m.script(t, "sample")
	d := s.mustRun("dump", "latest", "sample.sql")
	if !bytes.Equal([]byte(d.stdout), want) {
		t.Fatalf("dump latest sample.sql: %d bytes, want the script of %d bytes", len(d.stdout), len(want))
	}
	// One script: one byte order mark, and a header that says to stop at
	// the first error with -b (it needs no SQLCMD mode, so no :on error).
	if !strings.HasPrefix(d.stdout, "\uFEFF-- sqlvault: a scripted database as one script") || strings.Count(d.stdout, "\uFEFF") != 1 ||
		!strings.Contains(d.stdout, "sqlcmd -S SERVER -d NEWDB -b -i FILE.sql") || strings.Contains(d.stdout, ":on error") {
		t.Errorf("dump's header: %.600q", d.stdout)
	}
	d2 := s.mustRun("dump", sns[0].ShortID, "--database", "sample")
	if d2.stdout != d.stdout {
		t.Fatal("dump --database differs from dump sample.sql")
	}
	if r := s.run("dump", sns[1].ShortID, "--database", "nosuch"); r.code != exitFailure || !strings.Contains(errLine(t, r), `holds no database "nosuch"`) {
		t.Errorf("dump of a missing database\n%v", r)
	}

	target := filepath.Join(s.dir, "restored")
	rr := s.mustRun("restore", "latest", "--target", target)
	// It says how to load the folder, with its absolute path.
	if want := "to load database sample into a new, empty database NEWDB: sqlcmd -S SERVER -d NEWDB -b -v SqlvaultDir=" +
		filepath.Join(target, "sample") + " -i " + filepath.Join(target, "sample", "restore.sql"); !strings.Contains(rr.stderr, want) {
		t.Errorf("restore's output lacks %q:\n%s", want, rr.stderr)
	}
	for _, f := range []string{"restore.sql", "schema.sql", "post-data.sql", "manifest.json", "data/sales.Orders.sql",
		"data/odd%20%5Dschema%20ü.Table%20%5Dwith%20spaces%20%F0%9F%98%80.sql"} {
		if _, err := os.Stat(filepath.Join(target, "sample", filepath.FromSlash(f))); err != nil {
			t.Errorf("restored folder lacks %s: %v", f, err)
		}
	}
	master, err := os.ReadFile(filepath.Join(target, "sample", "restore.sql"))
	if err != nil {
		t.Fatal(err)
	}
	var cat bytes.Buffer
	err = mssql.Concat(context.Background(), bytes.NewReader(master), func(ctx context.Context, f string, w io.Writer) error {
		b, err := os.ReadFile(filepath.Join(target, "sample", filepath.FromSlash(f)))
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}, &cat)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cat.Bytes(), want) {
		t.Error("the restored folder's includes do not concatenate to the script")
	}
	man, _ := os.ReadFile(filepath.Join(target, "sample", "manifest.json"))
	for _, w := range []string{`"consistency": "snapshot-isolation"`, `"product_version": "16.0.4135.4"`, `"rows": 4`, `"unscripted"`} {
		if !strings.Contains(string(man), w) {
			t.Errorf("manifest lacks %s", w)
		}
	}
	s.mustRun("check", "--read-data")
}

// TestE2ESQLServerFaults: every refusal or failure of the server ends with
// exit code 5, one line saying what to do, and no snapshot.
func TestE2ESQLServerFaults(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()

	cases := []struct {
		name  string
		setup func(t *testing.T) (url string, pw string)
		args  []string
		code  int
		want  []string
	}{
		{"login failed", func(t *testing.T) (string, string) {
			m := newMSSQLServer(t, nil, mssqltest.WithCredentials("sa", "right"))
			return m.url("sample"), "wrong"
		}, nil, exitSource, []string{"login failed for user \"sa\" (server error 18456)", "SQLVAULT_MSSQL_PASSWORD"}},
		{"unreachable", func(t *testing.T) (string, string) {
			return "sqlserver://sa@" + closedAddr + "?database=sample&encrypt=disable", "x"
		}, []string{"--connect-timeout", "3s"}, exitSource, []string{"cannot connect to the server", closedAddr, "firewall"}},
		{"database not found", func(t *testing.T) (string, string) {
			return newMSSQLServer(t, nil).url("nosuch"), mssqltest.DefaultPassword
		}, nil, exitSource, []string{`cannot open database "nosuch" (server error 4060)`}},
		{"select denied", func(t *testing.T) (string, string) {
			m := newMSSQLServer(t, nil)
			m.h.DenySelect = map[string]bool{"sales.Customers": true}
			return m.url("sample"), mssqltest.DefaultPassword
		}, nil, exitSource, []string{"permission denied (server error 229", "SELECT permission was denied on the object 'Customers'", "no snapshot was written"}},
		{"no view definition", func(t *testing.T) (string, string) {
			m := newMSSQLServer(t, nil)
			m.h.NoViewDefinition = true
			return m.url("sample"), mssqltest.DefaultPassword
		}, nil, exitSource, []string{"lacks the VIEW DEFINITION permission", "GRANT VIEW DEFINITION"}},
		{"connection dropped mid-table", func(t *testing.T) (string, string) {
			m := newMSSQLServer(t, []*sample.DB{sample.Bench(20000)}, mssqltest.WithRowHook(func(q *mssqltest.Request, sent int64) error {
				if strings.Contains(q.SQL, "sqlvault:data") && sent >= 12345 {
					return mssqltest.ErrDropConnection
				}
				return nil
			}))
			return m.url("bench"), mssqltest.DefaultPassword
		}, nil, exitSource, []string{"the connection to the server was lost", "no snapshot was written"}},
		{"no consistent read", func(t *testing.T) (string, string) {
			db := sample.Bench(10)
			db.SnapshotIsolation = false
			return newMSSQLServer(t, []*sample.DB{db}).url("bench"), mssqltest.DefaultPassword
		}, nil, exitSource, []string{"snapshot isolation is off", "--allow-inconsistent"}},
		{"no password", func(t *testing.T) (string, string) {
			return newMSSQLServer(t, nil).url("sample"), ""
		}, nil, exitUsage, []string{"no SQL Server password given: set SQLVAULT_MSSQL_PASSWORD or use --mssql-password-file"}},
		{"bad url", func(t *testing.T) (string, string) {
			return "sqlserver://nouser.example.com?database=x", "x"
		}, nil, exitUsage, []string{"invalid SQL Server URL", "no user name"}},
		{"no database", func(t *testing.T) (string, string) {
			return newMSSQLServer(t, nil).url(""), mssqltest.DefaultPassword
		}, nil, exitUsage, []string{"no database given"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := initRepo(t)
			url, pw := tc.setup(t)
			if pw != "" {
				withMSSQLPassword(s, pw)
			}
			start := time.Now()
			r := s.run(append([]string{"backup", url}, tc.args...)...)
			wantCode(t, r, tc.code)
			line := errLine(t, r)
			for _, w := range tc.want {
				if !strings.Contains(line, w) {
					t.Errorf("error line lacks %q:\n%s", w, line)
				}
			}
			if pw != "" && len(pw) > 3 && strings.Contains(r.stderr, pw) {
				t.Error("the password is printed")
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %v", d)
			}
			if n := len(s.snapshots()); n != 0 {
				t.Errorf("%d snapshots after a failed backup", n)
			}
			s.mustRun("check")
			// The repository works for the next backup.
			src := filepath.Join(s.dir, "f")
			os.WriteFile(src, []byte("x"), 0o644)
			s.mustRun("backup", src)
		})
	}
}

// TestE2ESQLServerLoginUsers backs up a database whose users are mapped to
// server logins, as nearly every database's are: they are scripted for
// their logins, guarded, so the snapshot is complete (exit 0), and the
// summary names the logins a restore needs.
func TestE2ESQLServerLoginUsers(t *testing.T) {
	db := sample.Bench(10)
	db.AddPrincipals(
		&sample.Principal{Name: "web", Type: "S", Auth: "INSTANCE", Login: "web_login", MemberOf: []string{"db_datareader"}},
		&sample.Principal{Name: "batch", Type: "S", Auth: "INSTANCE", Login: "batch_login"},
		&sample.Principal{Name: "report", Type: "S", Auth: "INSTANCE", Login: "web_login"},
	)
	db.Permissions = []*sample.Permission{{State: "G", Name: "INSERT", On: "object:dbo.Mixed", To: "batch"}}
	m := newMSSQLServer(t, []*sample.DB{db})
	s := withMSSQLPassword(initRepo(t), mssqltest.DefaultPassword)
	r := s.run("backup", m.url("bench"))
	wantCode(t, r, exitOK)
	if strings.Contains(r.stderr, "warning") || !strings.Contains(r.stderr,
		"database bench: 3 user(s) mapped to server logins are created on restore only where the login exists (needs_logins in manifest.json): batch_login, web_login\n") {
		t.Errorf("output\n%v", r)
	}
	schema := s.mustRun("dump", "latest", "bench/schema.sql").stdout
	for _, want := range []string{"    CREATE USER [batch] FOR LOGIN [batch_login];\n", "    CREATE USER [report] FOR LOGIN [web_login];\n"} {
		if !strings.Contains(schema, want) {
			t.Errorf("schema.sql lacks %q:\n%s", want, schema)
		}
	}
	sec := s.mustRun("dump", "latest", "bench/security.sql").stdout
	for _, want := range []string{
		"IF DATABASE_PRINCIPAL_ID(N'web') IS NOT NULL\n    ALTER ROLE [db_datareader] ADD MEMBER [web];\n",
		"IF DATABASE_PRINCIPAL_ID(N'batch') IS NOT NULL\n    GRANT INSERT ON OBJECT::[dbo].[Mixed] TO [batch];\n"} {
		if !strings.Contains(sec, want) {
			t.Errorf("security.sql lacks %q:\n%s", want, sec)
		}
	}
	man := s.mustRun("dump", "latest", "bench/manifest.json").stdout
	if !strings.Contains(man, `"needs_logins": [`) || strings.Contains(man, `"unscripted"`) {
		t.Errorf("manifest.json:\n%s", man)
	}
}

func TestE2ESQLServerAllowInconsistentAndSeveralDatabases(t *testing.T) {
	noSI := sample.Bench(10)
	noSI.Name, noSI.SnapshotIsolation = "nosi", false
	m := newMSSQLServer(t, []*sample.DB{sample.Bench(100), noSI})
	s := withMSSQLPassword(initRepo(t), mssqltest.DefaultPassword)
	r := s.run("backup", m.url("bench"), "--database", "nosi", "--allow-inconsistent")
	wantCode(t, r, exitOK)
	if !strings.Contains(r.stderr, "database bench, 1 tables, 100 rows") || !strings.Contains(r.stderr, "(consistency: none)") {
		t.Errorf("output\n%v", r)
	}
	r = s.run("backup", m.url(""), "--all-databases", "--allow-inconsistent")
	wantCode(t, r, exitOK)
	sns := s.snapshots()
	if len(sns) != 4 || sns[2].Paths[0] != m.location("bench") || sns[3].Paths[0] != m.location("nosi") {
		t.Fatalf("snapshots %+v", sns)
	}
	d := s.mustRun("dump", "latest", "nosi.sql")
	if !strings.Contains(d.stdout, "INSERT INTO [dbo].[Mixed]") {
		t.Error("dump of nosi lacks its data")
	}
}

// TestE2EScript runs the script command: the whole database to standard
// output, a folder with --output, and the filters.
func TestE2EScript(t *testing.T) {
	m := newMSSQLServer(t, nil)
	s := withMSSQLPassword(newSV(t), mssqltest.DefaultPassword)
	s.repo = ""
	r := s.run("script", m.url("sample"))
	wantCode(t, r, exitOK)
	if !bytes.Equal([]byte(r.stdout), m.script(t, "sample")) {
		t.Error("script to standard output differs from the scripter's output")
	}
	if !strings.Contains(r.stderr, "scripted database sample to standard output: 26 tables, 67 rows") {
		t.Errorf("summary\n%v", r)
	}
	out := filepath.Join(s.dir, "out")
	r = s.mustRun("script", m.url("sample"), "--output", out, "--tables", "sales.Orders,sales.Customers", "--where", "1 = 1")
	// The computed column over a function and the default over a
	// sequence, which --tables leaves out, are left out too: a note.
	if !strings.Contains(r.stderr, "database sample: 2 object(s) depend on what the options leave out and were left out too (left_out in manifest.json)") {
		t.Errorf("no note of what was left out:\n%v", r)
	}
	for _, f := range []string{"restore.sql", "schema.sql", "data/sales.Orders.sql", "data/sales.Customers.sql", "post-data.sql", "manifest.json"} {
		if _, err := os.Stat(filepath.Join(out, "sample", filepath.FromSlash(f))); err != nil {
			t.Error(err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "sample", "data", "dbo.AllTypes.sql")); err == nil {
		t.Error("--tables scripted other tables")
	}
	r = s.mustRun("script", m.url("sample"), "--schema-only", "--exclude-table", "dbo.BigValues")
	if strings.Contains(r.stdout, "INSERT INTO") || !strings.Contains(r.stdout, "CREATE TABLE [sales].[Orders]") || strings.Contains(r.stdout, "[dbo].[BigValues]") {
		t.Error("--schema-only --exclude-table output is wrong")
	}
	r = s.mustRun("script", m.url("sample"), "--data-only", "--tables", "sales.Orders")
	if strings.Contains(r.stdout, "CREATE TABLE") || !strings.Contains(r.stdout, "INSERT INTO [sales].[Orders]") {
		t.Error("--data-only output is wrong")
	}
	pwFile := filepath.Join(s.dir, "pw")
	os.WriteFile(pwFile, []byte(mssqltest.DefaultPassword+"\n"), 0o600)
	s.env = nil
	r = s.run("script", m.url("sample"), "--mssql-password-file", pwFile, "--schema-only")
	wantCode(t, r, exitOK)
	r = s.run("script", m.url("sample"), "--schema-only", "--data-only", "--mssql-password-file", pwFile)
	wantCode(t, r, exitUsage)
}

// TestE2ESQLServerKeepFilegroups scripts a table whose clustered key is
// on filegroup FG2: on the default filegroup without --keep-filegroups,
// ON [FG2] with it.
func TestE2ESQLServerKeepFilegroups(t *testing.T) {
	db := sample.NewDB("fg", &sample.Table{Schema: "dbo", Name: "T", Columns: []*sample.Column{{Name: "id", Type: "int"}},
		Indexes: []*sample.Index{{Name: "PK_T", Type: 1, PrimaryKey: true, Keys: []string{"id"}, Filegroup: "FG2"}}, Rows: [][]any{{1}}})
	db.Filegroups = []*sample.Filegroup{{Name: "FG2", Files: []sample.File{{Name: "fg2", PhysicalName: "/data/fg2.ndf", Pages: 8}}}}
	db.Build()
	m := newMSSQLServer(t, []*sample.DB{db})
	s := withMSSQLPassword(newSV(t), mssqltest.DefaultPassword)
	s.repo = ""
	const kept = "    CONSTRAINT [PK_T] PRIMARY KEY CLUSTERED ([id] ASC) ON [FG2]\n) ON [FG2];\n"
	r := s.mustRun("script", m.url("fg"), "--schema-only")
	if !strings.Contains(r.stdout, "    CONSTRAINT [PK_T] PRIMARY KEY CLUSTERED ([id] ASC)\n);\n") || strings.Contains(r.stdout, "[FG2]") {
		t.Errorf("without --keep-filegroups:\n%s", r.stdout)
	}
	r = s.mustRun("script", m.url("fg"), "--schema-only", "--keep-filegroups")
	if !strings.Contains(r.stdout, kept) {
		t.Errorf("with --keep-filegroups, no %q:\n%s", kept, r.stdout)
	}
}

// TestE2ESQLServerDailyChange backs up a table of 100,000 rows, then the
// same table with 0.1% of its rows changed and 0.5% appended: the second
// backup stores a small part of the first, because batch boundaries follow
// the rows' content and the parent snapshot's files serve as delta bases.
func TestE2ESQLServerDailyChange(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	m := newMSSQLServer(t, []*sample.DB{sample.Bench(100000)})
	s := withMSSQLPassword(initRepo(t), mssqltest.DefaultPassword)
	s.mustRun("backup", m.url("bench"))
	day2 := sample.Bench(100500)
	gen := day2.Tables[0].Gen
	day2.Tables[0].Gen = func(i int64) []any {
		row := gen(i)
		if i%1000 == 7 {
			row[2] = "changed on day 2"
		}
		return row
	}
	m.h.Replace(day2)
	s.mustRun("backup", m.url("bench"))
	sns := s.snapshots()
	first, second := sns[0].Summary.BytesAdded, sns[1].Summary.BytesAdded
	t.Logf("day 1 added %d bytes, day 2 (0.1%% of rows changed, 0.5%% appended) %d bytes: %.1f%%", first, second, 100*float64(second)/float64(first))
	if second*20 > first {
		t.Errorf("day 2 added %d bytes, more than 5%% of day 1's %d", second, first)
	}
}

// TestE2ESQLServerHostileNames backs up and scripts, with --all-databases
// and -v, a database whose name, table and assembly hold sample.Hostile
// (line breaks, a line DROP DATABASE x;, a line GO): the names reach the
// output escaped (CR LF as \r\n, as in the scripts' comments), so that no
// warning, error or progress line is split and none is forged.
func TestE2ESQLServerHostileNames(t *testing.T) {
	db := sample.Bench(3)
	h := sample.Hostile
	db.Name = "bench" + h
	db.Assemblies = []string{"asm" + h}
	db.Tables[0].Name = "t" + h
	m := newMSSQLServer(t, []*sample.DB{db})
	s := withMSSQLPassword(initRepo(t), mssqltest.DefaultPassword)
	esc := `\r\nDROP DATABASE x;\r\nGO\r\n$\(x) *\/ it's`
	check := func(r result, wants ...string) {
		t.Helper()
		for _, out := range []string{r.stdout, r.stderr} {
			if strings.ContainsAny(out, "\r\x1b") {
				t.Errorf("output with a CR or ESC\n%v", r)
			}
			for _, line := range strings.Split(out, "\n") {
				if l := strings.TrimSpace(line); l == "DROP DATABASE x;" || l == "GO" || strings.HasPrefix(l, "$(x)") {
					t.Errorf("forged output line %q\n%v", line, r)
				}
			}
		}
		for _, want := range wants {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("output lacks %q\n%v", want, r)
			}
		}
	}
	// An assembly holds no rows: a warning, and the backup is complete.
	r := s.run("backup", "-v", m.url(""), "--all-databases")
	wantCode(t, r, exitOK)
	// One line: why, and what to do.
	check(r, "warning: bench"+esc+": assembly [asm"+esc+"]: not scripted: CLR assemblies are not scripted; to do: create the assembly on the target (CREATE ASSEMBLY from its bits in sys.assembly_files on the source; needs 'clr enabled'), then the object with EXTERNAL NAME\n",
		"backing up database bench"+esc+" from ",
		"] [dbo].[t"+esc+"]: 3 rows",
		"saved: database bench"+esc+", 1 tables, 3 rows")
	r = s.run("script", m.url(""), "--all-databases", "--output", t.TempDir())
	wantCode(t, r, exitOK)
	check(r, "warning: assembly [asm"+esc+"]: not scripted", "scripted database bench"+esc+" to ")
}

// TestE2ESQLServerMaskedData backs up a table with masked columns as a
// login without UNMASK: exit 5 and one line naming the table, its columns,
// the GRANT and the flag; with --allow-masked-data the snapshot is written
// but incomplete (exit 3), the table warned about and listed in the
// manifest under filtered_tables.
func TestE2ESQLServerMaskedData(t *testing.T) {
	db := sample.Bench(10)
	db.Tables[0].Columns[2].Masked = "default()"
	m := newMSSQLServer(t, []*sample.DB{db})
	m.h.NoUnmask = true
	s := withMSSQLPassword(initRepo(t), mssqltest.DefaultPassword)
	r := s.run("backup", m.url("bench"))
	wantCode(t, r, exitSource)
	want := "sqlvault: sqlserver://sa@" + m.srv.Addr() + `, database "bench": login "sa" would back up data as it sees it, not as it is stored: [dbo].[Mixed] (masked column [name] without UNMASK): grant UNMASK to the login's user (GRANT UNMASK TO [sa]; from SQL Server 2022 it may be granted on the schemas, tables or columns); or allow masked and filtered data, and the backup is marked incomplete (--allow-masked-data) (no snapshot was written)`
	if line := errLine(t, r); line != want {
		t.Errorf("error line\n%s\nwant\n%s", line, want)
	}
	if n := len(s.snapshots()); n != 0 {
		t.Fatalf("%d snapshots", n)
	}
	r = s.run("backup", m.url("bench"), "--allow-masked-data")
	wantCode(t, r, exitIncomplete)
	if !strings.Contains(r.stderr, "warning: bench: table [dbo].[Mixed]: masked or filtered data: masked column [name] without UNMASK: its data is backed up as this login reads it\n") ||
		!strings.Contains(errLine(t, r), "lacks the data of tables or holds it as the login reads it, as listed above (see unscripted and filtered_tables in its manifest.json)") {
		t.Errorf("output\n%v", r)
	}
	man := s.mustRun("dump", "latest", "bench/manifest.json").stdout
	if !strings.Contains(man, "\"filtered_tables\": [\n    {\n      \"table\": \"[dbo].[Mixed]\",\n      \"reason\": \"masked column [name] without UNMASK\"\n    }\n  ]") {
		t.Errorf("manifest.json:\n%s", man)
	}
}
