package mssql

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestIntegrationRealServer runs only when SQLVAULT_TEST_MSSQL names a real
// SQL Server (sqlserver://sa:PASSWORD@localhost:1433?encrypt=disable or
// with encrypt=true&trustservercertificate=true) and sqlcmd is installed
// (or SQLVAULT_TEST_SQLCMD names it). It creates the sample database from
// testdata/mssql/sample.sql, scripts it, runs the restore script into a new
// database with sqlcmd, and checks that the copy scripts the same (schema
// and every data file, byte for byte), has the same per-table data
// checksums, and continues identities and sequences where the original
// would.
func TestIntegrationRealServer(t *testing.T) {
	dsn := os.Getenv("SQLVAULT_TEST_MSSQL")
	if dsn == "" {
		t.Skip("SQLVAULT_TEST_MSSQL is not set (a real SQL Server URL)")
	}
	sqlcmd := os.Getenv("SQLVAULT_TEST_SQLCMD")
	if sqlcmd == "" {
		var err error
		if sqlcmd, err = exec.LookPath("sqlcmd"); err != nil {
			t.Fatal("SQLVAULT_TEST_MSSQL is set but sqlcmd is not installed (or set SQLVAULT_TEST_SQLCMD)")
		}
	}
	src, err := ParseURL(dsn)
	if err != nil {
		t.Fatal(err)
	}
	pw := src.Password
	if p := os.Getenv("SQLVAULT_MSSQL_PASSWORD"); p != "" {
		pw = p
	}
	ctx := context.Background()
	master, err := Connect(ctx, src, "master", pw, 60*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// Cleanups run last first: the databases are dropped, then the logins
	// sample.sql creates for its login-mapped users (it drops the second
	// itself unless it failed before), then master is closed.
	t.Cleanup(func() { master.Close() })
	t.Cleanup(func() {
		master.ExecContext(ctx, "IF SUSER_ID(N'sqlvault_sample_login') IS NOT NULL DROP LOGIN [sqlvault_sample_login]")
		master.ExecContext(ctx, "IF SUSER_ID(N'sqlvault_sample_gone') IS NOT NULL DROP LOGIN [sqlvault_sample_gone]")
	})
	suffix := strconv.Itoa(os.Getpid())
	srcDB, dstDB := "sqlvault_it_src_"+suffix, "sqlvault_it_dst_"+suffix
	exec1 := func(db *sql.DB, q string) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, name := range []string{srcDB, dstDB} {
		exec1(master, "CREATE DATABASE "+quoteIdent(name))
		name := name
		t.Cleanup(func() {
			master.ExecContext(ctx, "ALTER DATABASE "+quoteIdent(name)+" SET SINGLE_USER WITH ROLLBACK IMMEDIATE")
			master.ExecContext(ctx, "DROP DATABASE "+quoteIdent(name))
		})
	}
	// The copy gets a MEMORY_OPTIMIZED_DATA filegroup, as sample.sql
	// gives the original: its memory-optimized tables are created so, not
	// disk-based (memoryFallback), and its scripts compare equal below.
	var dataPath string
	if err := master.QueryRowContext(ctx, "SELECT CONVERT(nvarchar(4000), SERVERPROPERTY('InstanceDefaultDataPath'))").Scan(&dataPath); err != nil {
		t.Fatal(err)
	}
	exec1(master, "ALTER DATABASE "+quoteIdent(dstDB)+" ADD FILEGROUP sample_mod CONTAINS MEMORY_OPTIMIZED_DATA")
	exec1(master, "ALTER DATABASE "+quoteIdent(dstDB)+" ADD FILE (NAME = N'sample_mod', FILENAME = "+constantLit(dataPath+dstDB+"_mod")+") TO FILEGROUP sample_mod")
	server := src.Host
	if src.Instance != "" {
		server += `\` + src.Instance
	}
	if src.Port != 0 {
		server += "," + strconv.Itoa(src.Port)
	}
	runSQLCmd := func(db, dir, file string) {
		t.Helper()
		// As restore.sql's header says: from another working folder,
		// the folder given with -v SqlvaultDir (ODBC sqlcmd 18 and
		// go-sqlcmd both take -b, -v and -C; -f 65001 only the ODBC one,
		// and the files' byte order marks make it needless).
		args := []string{"-S", server, "-U", src.User, "-d", db, "-C", "-b", "-i", filepath.Join(dir, file)}
		if dir != "" {
			args = append(args, "-v", DirVar+"="+dir)
		}
		cmd := exec.CommandContext(ctx, sqlcmd, args...)
		cmd.Dir = os.TempDir()
		cmd.Env = append(os.Environ(), "SQLCMDPASSWORD="+pw)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("sqlcmd -d %s -i %s: %v\n%s", db, file, err, out)
		}
	}
	sampleSQL, err := filepath.Abs(filepath.Join("..", "testdata", "mssql", "sample.sql"))
	if err != nil {
		t.Fatal(err)
	}
	runSQLCmd(srcDB, "", sampleSQL)

	script := func(name string) (string, *Manifest) {
		t.Helper()
		conn, err := Connect(ctx, src, name, pw, 60*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		dir := t.TempDir()
		var warned []string
		m, err := Script(ctx, conn, DirSink{Dir: dir}, Options{Source: src, Database: name,
			Warn: func(what string, err error) { warned = append(warned, what+": "+err.Error()) },
			OpenDatabase: func(ctx context.Context, name string) (*sql.DB, error) {
				return Connect(ctx, src, name, pw, 60*time.Second)
			}})
		if err != nil {
			t.Fatalf("script %s: %v", name, err)
		}
		t.Logf("%s: %d tables, %d rows, %d bytes, consistency %s, warnings %q", name, m.Totals.Tables, m.Totals.Rows, m.Totals.Bytes, m.Consistency, warned)
		return dir, m
	}
	srcDir, srcMan := script(srcDB)
	if srcMan.Consistency != ConsistencySnapshotIsolation {
		t.Errorf("consistency %q", srcMan.Consistency)
	}
	unscripted := fmt.Sprint(srcMan.Unscripted)
	for _, want := range []string{"usp_Secret", "AuditQueue", "user [legacy_user]", "[dbo].[usp_Numbered];2",
		"[//sqlvault/AuditService]", "[//sqlvault/AuditContract]", "[//sqlvault/AuditMessage]", "change tracking"} {
		if !strings.Contains(unscripted, want) {
			t.Errorf("unscripted objects %s lack %s", unscripted, want)
		}
	}
	// Database DDL triggers and full-text objects are scripted (the
	// copy's scripts are compared with the original's below: their order,
	// disabled state, catalogs, stoplists and indexes alike).
	if strings.Contains(unscripted, "trg_DDL") || strings.Contains(unscripted, "full-text") {
		t.Errorf("DDL triggers or full-text objects reported: %s", unscripted)
	}
	// Partitioning, per-partition compression, row-level security, XML
	// schema collections, XML and spatial indexes are scripted.
	for _, not := range []string{"[ps_FactsDay]", "[pf_FactsDay]", "[dbo].[Facts]", "[sales].[TenantFilter]", "[sales].[TenantGuard]", "object type SP",
		"[dbo].[NoteSchema]", "[dbo].[Documents]", "XML", "[dbo].[AllTypes]"} {
		if strings.Contains(unscripted, not) {
			t.Errorf("unscripted objects %s name %s", unscripted, not)
		}
	}
	if strings.Contains(unscripted, "[web_user]") {
		t.Errorf("the user of a visible login is reported: %s", unscripted)
	}
	if got := fmt.Sprint(srcMan.NeedsLogins); got != "[{sqlvault_sample_login [web_user]}]" {
		t.Errorf("needs_logins %s", got)
	}
	// The copy is restored on the same server, where the login exists: the
	// guarded user is created there, and the copy's security.sql must be
	// the original's (compared below).
	if sec, err := os.ReadFile(filepath.Join(srcDir, SecurityFile)); err != nil || !strings.Contains(string(sec), "CREATE ROLE [auditors] AUTHORIZATION [reporting];") ||
		!strings.Contains(string(sec), "    CREATE USER [web_user] FOR LOGIN [sqlvault_sample_login];") ||
		!strings.Contains(string(sec), "    DISABLE TRIGGER [trg_DDL_NoDrop] ON DATABASE;") {
		t.Errorf("security.sql lacks the roles or the login's user (%v):\n%s", err, sec)
	}
	runSQLCmd(dstDB, srcDir, MasterFile)
	dstDir, dstMan := script(dstDB)

	// Identities and sequences continue alike; their catalog state may
	// differ (a reseeded empty table, a restarted sequence), so those
	// lines are compared by behaviour below, not by text.
	// TRUSTWORTHY is reported, not applied: the copy's comment says less.
	volatile := regexp.MustCompile(`(?m)^(-- Not applied, security settings .*|DBCC CHECKIDENT \(\[dbo\]\.\[Empty\],.*|ALTER SEQUENCE .* RESTART WITH .*|    START WITH .*|-- Sequence .* continues|-- Identity of \[dbo\]\.\[Empty\])\n(GO\n)?`)
	norm := func(b []byte, db string) []byte {
		b = bytes.ReplaceAll(b, []byte(quoteIdent(db)), []byte("[DB]"))
		return volatile.ReplaceAll(b, nil)
	}
	if !srcMan.Database.Trustworthy || dstMan.Database.Trustworthy || !dstMan.Database.ReadCommittedSnapshot || dstMan.Database.QueryStore == nil ||
		fmt.Sprint(srcMan.Database.ScopedConfigurations) != fmt.Sprint(dstMan.Database.ScopedConfigurations) {
		t.Errorf("database options: original %+v, copy %+v", srcMan.Database, dstMan.Database)
	}
	if len(srcMan.Files) != len(dstMan.Files) {
		t.Fatalf("files %v and %v", srcMan.Files, dstMan.Files)
	}
	for _, f := range srcMan.Files {
		a, err1 := os.ReadFile(filepath.Join(srcDir, filepath.FromSlash(f)))
		b, err2 := os.ReadFile(filepath.Join(dstDir, filepath.FromSlash(f)))
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", f, err1, err2)
		}
		if !bytes.Equal(norm(a, srcDB), norm(b, dstDB)) {
			t.Errorf("%s of the copy differs from the original:\n%s", f, firstDiff(norm(a, srcDB), norm(b, dstDB)))
		}
	}
	// Per-table data checksums computed by the server.
	checksums := func(name string) map[string]string {
		t.Helper()
		conn, err := Connect(ctx, src, name, pw, 60*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		cat, err := loadCatalog(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, tbl := range cat.Tables {
			var cols []string
			for _, c := range dataColumns(tbl) {
				switch c.Type.Name {
				case "text", "ntext", "xml":
					cols = append(cols, "CAST("+quoteIdent(c.Name)+" AS nvarchar(max))")
				case "image", "geometry", "geography", "hierarchyid", "sql_variant":
					cols = append(cols, "CAST("+quoteIdent(c.Name)+" AS varbinary(max))")
				default:
					cols = append(cols, quoteIdent(c.Name))
				}
			}
			q := fmt.Sprintf("SELECT COUNT_BIG(*), CHECKSUM_AGG(BINARY_CHECKSUM(%s)) FROM %s", strings.Join(cols, ", "), quoteName(tbl.Schema, tbl.Name))
			var n int64
			var sum sql.NullInt64
			if err := conn.QueryRowContext(ctx, q).Scan(&n, &sum); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			out[quoteName(tbl.Schema, tbl.Name)] = fmt.Sprintf("%d rows, checksum %v", n, sum)
		}
		return out
	}
	a, b := checksums(srcDB), checksums(dstDB)
	for name, v := range a {
		if b[name] != v {
			t.Errorf("%s: original %s, copy %s", name, v, b[name])
		}
	}
	// The edges end in the same nodes, by their keys (the checksums above
	// cover the edges' own columns only; graph ids differ in the copy).
	edges := func(name string) []string {
		t.Helper()
		conn, err := Connect(ctx, src, name, pw, 60*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		rows, err := conn.QueryContext(ctx, `SELECT CONCAT(N'livesIn ', p.ID, N' -> ', c.Code, N' ', l.since)
FROM [graph].Person AS p, [graph].livesIn AS l, [graph].City AS c WHERE MATCH(p-(l)->c)
UNION ALL SELECT CONCAT(N'knows ', p.ID, N' -> ', q.ID, N' ', k.rating)
FROM [graph].Person AS p, [graph].knows AS k, [graph].Person AS q WHERE MATCH(p-(k)->q)
UNION ALL SELECT CONCAT(N'knows ', p.ID, N' -> ', c.Code, N' ', k.rating)
FROM [graph].Person AS p, [graph].knows AS k, [graph].City AS c WHERE MATCH(p-(k)->c)
ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var e string
			if err := rows.Scan(&e); err != nil {
				t.Fatal(err)
			}
			out = append(out, e)
		}
		return out
	}
	if ea, eb := edges(srcDB), edges(dstDB); len(ea) != 7 || strings.Join(ea, "\n") != strings.Join(eb, "\n") {
		t.Errorf("edges of the original:\n%s\nof the copy:\n%s", strings.Join(ea, "\n"), strings.Join(eb, "\n"))
	}
	// What comes next: the next order number and the next identity.
	next := func(name string) string {
		conn, err := Connect(ctx, src, name, pw, 60*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var seq, id, cust int64
		if err := conn.QueryRowContext(ctx, "SELECT NEXT VALUE FOR sales.OrderNumbers").Scan(&seq); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRowContext(ctx, "INSERT dbo.Empty (v) VALUES (N'x'); SELECT CAST(SCOPE_IDENTITY() AS bigint)").Scan(&id); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRowContext(ctx, "INSERT sales.Customers (Name) VALUES (N'new'); SELECT CAST(SCOPE_IDENTITY() AS bigint)").Scan(&cust); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("next order number %d, next Empty id %d, next customer id %d", seq, id, cust)
	}
	if x, y := next(srcDB), next(dstDB); x != y {
		t.Errorf("original: %s; copy: %s", x, y)
	}
}
