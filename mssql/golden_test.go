package mssql

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenLimit is the size above which a golden file holds the SHA-256 of
// the output instead of the output itself (dbo.BigValues holds megabytes).
const goldenLimit = 256 << 10

// TestGoldenSample scripts the sample database and compares every file
// with testdata/golden/sample; run with -update to regenerate.
func TestGoldenSample(t *testing.T) {
	s := newTestServer(t, nil)
	dir, _, err := s.scriptDir("sample", s.options("sample"))
	if err != nil {
		t.Fatal(err)
	}
	got := readTree(t, dir)
	golden := filepath.Join("testdata", "golden", "sample")
	if *update {
		os.RemoveAll(golden)
		for name, b := range got {
			p := filepath.Join(golden, filepath.FromSlash(name))
			if len(b) > goldenLimit {
				sum := sha256.Sum256(b)
				p += ".sha256"
				b = []byte(hex.EncodeToString(sum[:]) + "\n")
			}
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	want := readTree(t, golden)
	seen := map[string]bool{}
	for _, name := range sortedKeys(got) {
		b := got[name]
		key := name
		if len(b) > goldenLimit {
			key += ".sha256"
			sum := sha256.Sum256(b)
			b = []byte(hex.EncodeToString(sum[:]) + "\n")
		}
		seen[key] = true
		w, ok := want[key]
		switch {
		case !ok:
			t.Errorf("%s: not in the golden files (run go test ./mssql -run TestGoldenSample -update)", name)
		case !bytes.Equal(b, w):
			t.Errorf("%s differs from testdata/golden/sample/%s:\n%s", name, key, firstDiff(w, b))
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("golden file %s was not produced", name)
		}
	}
}

// firstDiff describes the first differing line.
func firstDiff(want, got []byte) string {
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\nwant %.300q\ngot  %.300q", i+1, w, g)
		}
	}
	return "(same lines, different bytes)"
}

// TestDeterministic scripts the sample twice: every file is byte-identical
// (the manifest too, with a fixed clock).
func TestDeterministic(t *testing.T) {
	s := newTestServer(t, nil)
	dir1, _, err := s.scriptDir("sample", s.options("sample"))
	if err != nil {
		t.Fatal(err)
	}
	dir2, _, err := s.scriptDir("sample", s.options("sample"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := readTree(t, dir1), readTree(t, dir2)
	if len(a) != len(b) || len(a) < 10 {
		t.Fatalf("got %d and %d files", len(a), len(b))
	}
	for name, x := range a {
		if !bytes.Equal(x, b[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
}

// batches splits a script file at its GO lines.
func batches(script string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.SplitAfter(script, "\n") {
		if strings.TrimRight(line, "\r\n") == "GO" {
			out = append(out, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteString(line)
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, cur.String())
	}
	return out
}

// statementStart matches the statements the scripter writes, after
// leading comment lines.
var statementStart = regexp.MustCompile(`^(\x{FEFF}IF UNICODE\(N'é'\) <> 233 |SET (NOCOUNT|ANSI_NULLS|ANSI_PADDING|ANSI_WARNINGS|ARITHABORT|CONCAT_NULL_YIELDS_NULL|NUMERIC_ROUNDABORT|QUOTED_IDENTIFIER|IDENTITY_INSERT) |` +
	`ALTER DATABASE CURRENT |DECLARE @highest int = CASE WHEN CONVERT\(int, SERVERPROPERTY\('EngineEdition'\)\) |IF CONVERT\(sysname, DATABASEPROPERTYEX\(DB_NAME\(\), 'Collation'\)\) <> |CREATE (SCHEMA|TYPE|SEQUENCE|TABLE|SYNONYM|UNIQUE CLUSTERED INDEX|UNIQUE NONCLUSTERED INDEX|CLUSTERED INDEX|NONCLUSTERED INDEX|CLUSTERED COLUMNSTORE INDEX|NONCLUSTERED COLUMNSTORE INDEX|FUNCTION|VIEW|PROCEDURE|TRIGGER|STATISTICS|USER|ROLE|PARTITION FUNCTION|PARTITION SCHEME|XML SCHEMA COLLECTION|PRIMARY XML INDEX|XML INDEX|SPATIAL INDEX|SECURITY POLICY) |` +
	`ALTER TABLE |ALTER INDEX |ALTER SEQUENCE |DISABLE TRIGGER |ENABLE TRIGGER |EXEC sys\.sp_settriggerorder @triggername = |` +
	`IF CONVERT\(int, SERVERPROPERTY\('IsFullTextInstalled'\)\) = 1\nBEGIN\n    DECLARE @sql nvarchar\(max\);\n    SET @sql = N'(?P<fulltext>CREATE FULLTEXT (CATALOG|STOPLIST|INDEX ON)) |` +
	`DBCC CHECKIDENT |DECLARE @(value sql_variant|name sysname) = |DECLARE @sql nvarchar\(max\) = CASE WHEN |INSERT INTO |` +
	`IF OBJECT_ID\(N'tempdb\.\.#sqlvault_lob'\) IS NOT NULL DROP TABLE #sqlvault_lob;\nCREATE TABLE #sqlvault_lob |UPDATE #sqlvault_lob SET |DROP TABLE #sqlvault_lob;|` +
	`ALTER ROLE |ALTER AUTHORIZATION ON |(GRANT|DENY|REVOKE) [A-Z ]+( ON [A-Z ]+::\[| TO \[| FROM \[)|` +
	`IF NOT EXISTS \(SELECT 1 FROM sys\.server_principals WHERE name = N'|` +
	`IF NOT \(CONVERT\(int, SERVERPROPERTY\('EngineEdition'\)\) IN \(5, 8\) OR CONVERT\(int, SERVERPROPERTY\('ProductMajorVersion'\)\) >= 14\)\nBEGIN\n    RAISERROR \(N'sqlvault: this database has graph tables |` +
	`IF EXISTS \(SELECT 1 FROM sys\.database_scoped_configurations WHERE name = N'|EXEC sys\.sp_tableoption @TableNamePattern = )`)

// principalGuard matches the condition security.sql puts before a
// statement about users that exist only where their login does.
var principalGuard = regexp.MustCompile(`^IF DATABASE_PRINCIPAL_ID\(N'(?:[^']|'')*'\) IS NOT NULL( AND DATABASE_PRINCIPAL_ID\(N'(?:[^']|'')*'\) IS NOT NULL)*\n    `)

// moduleGuard matches the condition before a statement about a module
// (ifCreated): that the module was created.
var moduleGuard = regexp.MustCompile(`^IF OBJECT_ID\(N'(?:[^']|'')*'\) IS NOT NULL\n    `)

// databaseTriggerGuard matches the condition before a statement about a
// database DDL trigger (ifCreated): that the trigger was created.
var databaseTriggerGuard = regexp.MustCompile(`^IF EXISTS \(SELECT 1 FROM sys\.triggers WHERE parent_class = 0 AND name = N'(?:[^']|'')*'\)\n    `)

// fulltextGuard matches the condition before a statement about a
// full-text catalog or stoplist (fulltextOwners): that it was created.
var fulltextGuard = regexp.MustCompile(`^IF EXISTS \(SELECT 1 FROM sys\.fulltext_(catalogs|stoplists) WHERE name = N'(?:[^']|'')*'\)\n    `)

// TestStatements checks every batch of every script of the sample: it
// starts with a known statement, and nothing in it could be misread by
// sqlcmd or SSMS (no "$(", no line sqlcmd takes for a command).
func TestStatements(t *testing.T) {
	s := newTestServer(t, nil)
	dir, m, err := s.scriptDir("sample", s.options("sample"))
	if err != nil {
		t.Fatal(err)
	}
	counts := checkStatements(t, dir, m)
	for _, want := range []string{"CREATE SCHEMA", "CREATE TYPE", "CREATE SEQUENCE", "CREATE TABLE", "CREATE FUNCTION",
		"CREATE VIEW", "CREATE PROCEDURE", "CREATE TRIGGER", "CREATE SYNONYM", "INSERT INTO", "ALTER TABLE", "ALTER SEQUENCE",
		"DBCC CHECKIDENT", "SET IDENTITY_INSERT", "DISABLE TRIGGER", "ALTER INDEX", "EXEC sys.sp_executesql", "DECLARE @value",
		"CREATE STATISTICS", "CREATE USER", "CREATE ROLE", "ALTER ROLE", "ALTER AUTHORIZATION", "GRANT SELECT", "GRANT EXECUTE", "DENY SELECT",
		"REVOKE CONNECT", "CREATE PARTITION", "IF NOT", "IF EXISTS", "EXEC sys.sp_tableoption", "version guarded", "guarded", "module guarded", "database trigger guarded", "ENABLE TRIGGER", "EXEC sys.sp_settriggerorder",
		"CREATE FULLTEXT", "CREATE XML", "CREATE PRIMARY", "CREATE SPATIAL", "CREATE SECURITY", "UPDATE #sqlvault_lob", "DROP TABLE", "IF OBJECT_ID(N'tempdb..#sqlvault_lob')"} {
		if counts[want] == 0 {
			t.Errorf("no %s statement in the sample's scripts (counts %v)", want, counts)
		}
	}
}

// checkStatements checks every batch of the script in dir as
// TestStatements describes.
func checkStatements(t *testing.T, dir string, m *Manifest) map[string]int {
	t.Helper()
	files := readTree(t, dir)
	counts := map[string]int{}
	for _, name := range m.Files {
		text := string(files[name])
		if !strings.HasPrefix(text, fileHeader) {
			t.Errorf("%s does not start with the SET header", name)
		}
		// skipComments drops the comment lines a batch, or a module's
		// definition, starts with.
		skipComments := func(body string) string {
			for strings.HasPrefix(strings.TrimLeft(body, "\n"), "--") {
				body = strings.TrimLeft(body, "\n")
				if j := strings.IndexByte(body, '\n'); j >= 0 {
					body = body[j+1:]
				} else {
					body = ""
				}
			}
			return strings.TrimLeft(body, "\n")
		}
		for i, b := range batches(text) {
			body := skipComments(b)
			if body == "" {
				continue
			}
			// A module's literal may span lines (moduleLiteral makes its
			// line ends exact on the server); nothing else may.
			_, module, _ := unwrapModule(body)
			if !sqlcmdReads(body, module) {
				t.Errorf("%s batch %d: sqlcmd would misread %.200q", name, i+1, body)
			}
			// A variable is declared once per batch, whatever block it
			// is in: a second DECLARE of it fails the whole batch.
			declared := map[string]bool{}
			for _, d := range declaration.FindAllStringSubmatch(tsqlCode(body), -1) {
				if v := strings.ToLower(d[1]); declared[v] {
					t.Errorf("%s batch %d declares %s twice: %.300q", name, i+1, d[1], body)
				} else {
					declared[v] = true
				}
			}
			// A memory-optimized table (type), or its disk-based form.
			if mem, _, ok, err := unwrapMemoryFallback(body); err != nil {
				t.Errorf("%s batch %d: %v", name, i+1, err)
				continue
			} else if ok {
				counts["memory-optimized or disk-based"]++
				body = mem
			}
			// A statement run where the target's version has it.
			if text, ok, err := unwrapGuarded(body); err != nil {
				t.Errorf("%s batch %d: %v", name, i+1, err)
				continue
			} else if ok {
				counts["version guarded"]++
				body = text
			}
			// A statement run with sp_executesql: its text, a literal.
			if text, ok, err := unwrapExec(body); err != nil {
				t.Errorf("%s batch %d: %v", name, i+1, err)
				continue
			} else if ok {
				counts["EXEC sys.sp_executesql"]++
				body = skipComments(text)
			}
			if g := principalGuard.FindString(body); g != "" {
				counts["guarded"]++
				body = body[len(g):]
			}
			if g := moduleGuard.FindString(body); g != "" {
				counts["module guarded"]++
				body = body[len(g):]
			}
			if g := fulltextGuard.FindString(body); g != "" {
				body = body[len(g):]
			}
			if g := databaseTriggerGuard.FindString(body); g != "" {
				counts["database trigger guarded"]++
				body = body[len(g):]
			}
			loc := statementStart.FindStringSubmatch(body)
			if loc == nil {
				t.Errorf("%s batch %d: unexpected statement %.200q", name, i+1, body)
				continue
			}
			f := strings.Fields(loc[0])
			if ft := loc[statementStart.SubexpIndex("fulltext")]; ft != "" {
				f = strings.Fields(ft) // a full-text statement: CREATE FULLTEXT ...
			}
			counts[f[0]+" "+f[1]]++
		}
		for n, line := range strings.Split(text, "\n") {
			if strings.Contains(line, "$(") {
				t.Errorf("%s:%d holds $(: %.200q", name, n+1, line)
			}
			if strings.EqualFold(strings.TrimSpace(line), "go") && line != "GO" {
				t.Errorf("%s:%d: a stray GO line %q", name, n+1, line)
			}
		}
	}
	master := string(files[MasterFile])
	for _, f := range m.Files {
		if !strings.Contains(master, includeLine(f)) {
			t.Errorf("restore.sql does not include %s", f)
		}
	}
	return counts
}

// TestConcatIsScript checks that the single script (ScriptSink) is the
// master script's includes concatenated, as dump gives it.
func TestConcatIsScript(t *testing.T) {
	s := newTestServer(t, nil)
	dir, _, err := s.scriptDir("sample", s.options("sample"))
	if err != nil {
		t.Fatal(err)
	}
	var single bytes.Buffer
	if _, err := Script(context.Background(), s.connect("sample"), &ScriptSink{W: &single}, s.options("sample")); err != nil {
		t.Fatal(err)
	}
	master, err := os.Open(filepath.Join(dir, MasterFile))
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	var cat bytes.Buffer
	err = Concat(context.Background(), master, func(ctx context.Context, name string, w io.Writer) error {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}, &cat)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cat.Bytes(), single.Bytes()) {
		t.Fatalf("concatenated folder (%d bytes) differs from the single script (%d bytes)", cat.Len(), single.Len())
	}
	// One byte order mark, at the start; then the files without theirs.
	if !strings.HasPrefix(single.String(), oneScriptHeader+strings.TrimPrefix(fileHeader, BOM)) || strings.Count(single.String(), BOM) != 1 ||
		!strings.Contains(single.String(), "INSERT INTO [sales].[Orders]") {
		t.Fatalf("single script lacks parts: %.300q", single.String())
	}
}

// declaration matches a DECLARE of a variable in code (tsqlCode blanks
// strings and comments).
var declaration = regexp.MustCompile(`(?i)\bDECLARE\s+(@\w+)`)
