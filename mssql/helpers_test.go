package mssql

import (
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// fixedNow is the time the manifest records in tests.
var fixedNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// testServer serves databases of the sample package for one test.
type testServer struct {
	t   *testing.T
	h   *sample.Handler
	srv *mssqltest.Server
	src *Source
}

func newTestServer(t *testing.T, dbs []*sample.DB, opts ...mssqltest.Option) *testServer {
	t.Helper()
	if len(dbs) == 0 {
		dbs = []*sample.DB{sharedSample()}
	}
	h := sample.NewHandler(dbs...)
	srv := sample.NewServer(h, append([]mssqltest.Option{mssqltest.WithLogf(t.Logf)}, opts...)...)
	t.Cleanup(srv.Close)
	src, err := ParseURL("sqlserver://" + mssqltest.DefaultUser + "@" + srv.Addr() + "?encrypt=disable")
	if err != nil {
		t.Fatal(err)
	}
	return &testServer{t: t, h: h, srv: srv, src: src}
}

var (
	sampleOnce sync.Once
	sampleDB   *sample.DB
)

// sharedSample returns the sample model, built once (its big values take
// a moment); handlers never change it.
func sharedSample() *sample.DB {
	sampleOnce.Do(func() { sampleDB = sample.New() })
	return sampleDB
}

func (s *testServer) connect(db string) *sql.DB {
	s.t.Helper()
	conn, err := Connect(context.Background(), s.src, db, mssqltest.DefaultPassword, 5*time.Second)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { conn.Close() })
	return conn
}

func (s *testServer) options(db string) Options {
	return Options{Source: s.src, Database: db, Now: func() time.Time { return fixedNow },
		Warn: func(string, error) {},
		OpenDatabase: func(ctx context.Context, name string) (*sql.DB, error) {
			return Connect(ctx, s.src, name, mssqltest.DefaultPassword, 5*time.Second)
		}}
}

// scriptDir scripts a database into a new temporary folder.
func (s *testServer) scriptDir(db string, opts Options) (string, *Manifest, error) {
	s.t.Helper()
	dir := s.t.TempDir()
	m, err := Script(context.Background(), s.connect(db), DirSink{Dir: dir}, opts)
	return dir, m, err
}

// scriptMem scripts a database into memory.
func (s *testServer) scriptMem(db string, opts Options) (*memSink, *Manifest) {
	s.t.Helper()
	sink := &memSink{}
	m, err := Script(context.Background(), s.connect(db), sink, opts)
	if err != nil {
		s.t.Fatal(err)
	}
	return sink, m
}

// memSink keeps the files in memory (small databases only).
type memSink struct {
	mu    sync.Mutex
	files map[string][]byte
	order []string
}

func (m *memSink) WriteFile(ctx context.Context, name string, write func(w io.Writer) error) error {
	var b strings.Builder
	if err := write(&b); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.files == nil {
		m.files = map[string][]byte{}
	}
	m.files[name] = []byte(b.String())
	m.order = append(m.order, name)
	return nil
}

// readTree returns every file below dir by slash-separated relative path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// sameLines fails the test, showing both, when got and want differ.
func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n%s\nwant:\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// unscriptedLines renders objects not scripted as "kind name: reason".
func unscriptedLines(us []Unscripted) []string {
	var lines []string
	for _, u := range us {
		lines = append(lines, u.Kind+" "+u.Name+": "+u.Reason)
	}
	return lines
}

// mustContain fails the test for each of wants that text, named what,
// does not hold.
func mustContain(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(text, want) {
			t.Errorf("%s lacks %q:\n%s", what, want, text)
		}
	}
}

// unwrapExec returns the text of the statement that stmt runs with
// sp_executesql (execSQL, or a module's batch: unwrapModule), and whether
// it is one.
func unwrapExec(stmt string) (string, bool, error) {
	if text, ok, err := unwrapModule(stmt); ok || err != nil {
		return text, ok, err
	}
	return unwrapExecSQL(stmt)
}

// statements returns the statements of a script file: its batches after
// the encoding check and the SET header, without comment lines, the text of those run with
// sp_executesql decoded.
func statements(t *testing.T, script string) []string {
	t.Helper()
	var stmts []string
	for _, b := range batches(script)[2:] {
		var lines []string
		for _, l := range strings.Split(strings.TrimSpace(b), "\n") {
			if !strings.HasPrefix(l, "--") && l != "" {
				lines = append(lines, l)
			}
		}
		st := strings.Join(lines, "\n")
		if text, ok, err := unwrapExec(st); err != nil {
			t.Fatalf("%.200q: %v", st, err)
		} else if ok {
			st = text
		}
		stmts = append(stmts, st)
	}
	return stmts
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
