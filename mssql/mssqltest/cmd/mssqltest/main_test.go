package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"io"
	"strings"
	"testing"

	_ "github.com/microsoft/go-mssqldb"
)

// start runs the command with args until the test ends, and returns the
// URL it prints first.
func start(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int)
	go func() {
		code := run(ctx, args, pw, io.Discard)
		pw.Close()
		done <- code
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("exit code %d after interrupt, want 0", code)
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no URL printed: %v", err)
	}
	go io.Copy(io.Discard, pr)
	return strings.TrimSpace(line)
}

// TestTarget serves a restore target: the URL it prints takes a
// database, only master exists at first, CREATE DATABASE makes one that
// can then be logged into.
func TestTarget(t *testing.T) {
	u := start(t, "-target")
	if !strings.HasPrefix(u, "sqlserver://sa@127.0.0.1:") || !strings.HasSuffix(u, "?encrypt=disable") {
		t.Fatalf("URL %q", u)
	}
	dsn := func(db string) string {
		return strings.Replace(u, "sa@", "sa:mssqltest@", 1) + "&database=" + db
	}
	ctx := context.Background()
	open := func(db string) *sql.DB {
		c, err := sql.Open("sqlserver", dsn(db))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	if err := open("copy").PingContext(ctx); err == nil || !strings.Contains(err.Error(), `Cannot open database "copy"`) {
		t.Fatalf("login to a database the target does not hold: %v", err)
	}
	if _, err := open("master").ExecContext(ctx, "CREATE DATABASE [copy]"); err != nil {
		t.Fatal(err)
	}
	copyDB := open("copy")
	if _, err := copyDB.ExecContext(ctx, "CREATE TABLE [dbo].[t] ([id] int NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := copyDB.QueryRowContext(ctx, "/* sqlvault:user_objects */ SELECT COUNT(*) FROM sys.objects WHERE is_ms_shipped = 0").Scan(&n); err != nil || n != 1 {
		t.Fatalf("user objects %d, %v; want 1", n, err)
	}
}

// TestSample serves the sample database: the URL names it.
func TestSample(t *testing.T) {
	u := start(t)
	if !strings.HasPrefix(u, "sqlserver://sa@127.0.0.1:") || !strings.HasSuffix(u, "?database=sample&encrypt=disable") {
		t.Fatalf("URL %q", u)
	}
}

// TestBadFlags: flags that do not go together, an unknown version and an
// argument end with exit code 2 and one line.
func TestBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-target", "-bench-rows", "5", "-version", "2016"}, "mssqltest: -target takes only -addr, not -bench-rows, -version\n"},
		{[]string{"-version", "1999"}, `mssqltest: no version "1999": give one of `},
		{[]string{"-target", "extra"}, "mssqltest: unexpected argument \"extra\": it takes flags only\n"},
	} {
		var stderr bytes.Buffer
		code := run(context.Background(), c.args, io.Discard, &stderr)
		if code != 2 || !strings.HasPrefix(stderr.String(), c.want) {
			t.Errorf("%q: exit code %d, stderr %q; want 2, %q", c.args, code, stderr.String(), c.want)
		}
	}
}
