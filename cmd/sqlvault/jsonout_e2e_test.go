package main_test

// End-to-end tests of --json on backup, restore and dump (one JSON object
// per line, a summary with the right figures, error lines for warnings,
// status lines with -v) and of their output without a terminal, which
// progress must leave as it was.

import (
	"bytes"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
)

// messageLines parses out as one JSON object per line, each with a
// message_type and only snake_case keys (jsonOutput), and returns them.
func messageLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	if out == "" {
		return nil
	}
	msgs := jsonOutput(t, "--json output", out)
	for _, m := range msgs {
		if _, ok := m["message_type"].(string); !ok {
			t.Fatalf("line %v has no message_type", m)
		}
	}
	return msgs
}

// only returns the one message of type typ, failing unless there is
// exactly one.
func only(t *testing.T, msgs []map[string]any, typ string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, m := range msgs {
		if m["message_type"] == typ {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d %s messages, want 1: %v", len(found), typ, msgs)
	}
	return found[0]
}

// wantFields checks fields of a message (JSON numbers are float64).
func wantFields(t *testing.T, m map[string]any, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v (%T), want %v in %v", k, m[k], m[k], v, m)
		}
	}
}

// TestE2EJSONFiles: backup, restore and dump of files with --json print
// only JSON lines: the summary of each with the figures of what they did
// (as snapshots --json records them); dump's lines go to stderr, its stdout is the file.
func TestE2EJSONFiles(t *testing.T) {
	s := initRepo(t)
	src := filepath.Join(s.dir, "src")
	writeFile(t, filepath.Join(src, "a.txt"), []byte("alpha"))
	writeFile(t, filepath.Join(src, "sub", "b.bin"), genBytes(1, 300<<10))
	writeFile(t, filepath.Join(src, "skip.log"), []byte("left out"))
	want := int64(5 + 300<<10)

	r := s.mustRun("--json", "backup", src, "--exclude", "*.log")
	if r.stderr != "" {
		t.Errorf("stderr with --json: %q", r.stderr)
	}
	msgs := messageLines(t, r.stdout)
	if len(msgs) != 1 {
		t.Fatalf("want only the summary\n%v", r)
	}
	sum := only(t, msgs, "summary")
	sns := s.snapshots()
	wantFields(t, sum, map[string]any{"snapshot_id": sns[0].ID, "files_new": 2.0, "files_changed": 0.0, "files_unmodified": 0.0,
		"excluded": 1.0, "total_files_processed": 2.0, "bytes_total": float64(want), "total_bytes_processed": float64(want),
		"bytes_read": float64(want), "bytes_added": float64(sns[0].Summary.BytesAdded), "data_added": float64(sns[0].Summary.BytesAdded)})
	if d, ok := sum["total_duration"].(float64); !ok || d <= 0 {
		t.Errorf("total_duration %v", sum["total_duration"])
	}

	writeFile(t, filepath.Join(src, "a.txt"), []byte("alpha, changed"))
	r = s.mustRun("--json", "backup", src, "--exclude", "*.log")
	wantFields(t, only(t, messageLines(t, r.stdout), "summary"), map[string]any{"files_new": 0.0, "files_changed": 1.0,
		"files_unmodified": 1.0, "total_files_processed": 2.0, "bytes_read": 14.0})

	target := filepath.Join(s.dir, "restored")
	r = s.mustRun("--json", "restore", "latest", "--target", target)
	if r.stderr != "" {
		t.Errorf("stderr with --json: %q", r.stderr)
	}
	wantFields(t, only(t, messageLines(t, r.stdout), "summary"), map[string]any{"files_restored": 2.0,
		"bytes_restored": float64(want + 9), "target": target, "snapshot_id": s.snapshots()[1].ID})
	sameFile(t, filepath.Join(src, "sub", "b.bin"), filepath.Join(target, src, "sub", "b.bin"))

	r = s.mustRun("--json", "dump", "latest", src+"/sub/b.bin")
	if !bytes.Equal([]byte(r.stdout), genBytes(1, 300<<10)) {
		t.Errorf("dump --json: stdout is not the file (%d bytes)", len(r.stdout))
	}
	wantFields(t, only(t, messageLines(t, r.stderr), "summary"), map[string]any{"bytes_written": float64(300 << 10), "path": src + "/sub/b.bin"})
}

// slowReader gives n chunks of size bytes, one every pause.
type slowReader struct {
	n, size int
	pause   time.Duration
	buf     []byte
}

func (r *slowReader) Read(p []byte) (int, error) {
	if len(r.buf) == 0 {
		if r.n == 0 {
			return 0, io.EOF
		}
		time.Sleep(r.pause)
		r.n--
		r.buf = genBytes(byte(r.n), r.size)
	}
	k := copy(p, r.buf)
	r.buf = r.buf[k:]
	return k, nil
}

// TestE2EJSONStatus: a backup of a stream that takes 1.6 s prints status
// lines with --json --verbose (at most one a second: one or two), with
// the bytes read so far, then the summary; without --verbose none.
func TestE2EJSONStatus(t *testing.T) {
	s := initRepo(t)
	r := s.runStdin(&slowReader{n: 8, size: 256 << 10, pause: 200 * time.Millisecond}, "--json", "-v", "backup", "--stdin")
	wantCode(t, r, exitOK)
	msgs := messageLines(t, r.stdout)
	var status []map[string]any
	for _, m := range msgs[:len(msgs)-1] {
		if m["message_type"] != "status" {
			t.Fatalf("want status lines before the summary\n%v", r)
		}
		status = append(status, m)
	}
	// At most one a second: the stream's pauses make the backup last at
	// least 1.6 s, a loaded machine longer, so the bound is the run's
	// own duration (its status clock starts a little before the backup's).
	took, _ := msgs[len(msgs)-1]["total_duration"].(float64)
	if len(status) < 1 || len(status) > int(took)+1 {
		t.Fatalf("%d status lines in %.1f s, want 1 to %d\n%v", len(status), took, int(took)+1, r)
	}
	st := status[0]
	if b, _ := st["bytes_done"].(float64); b <= 0 || b >= 8*256<<10 || st["seconds_elapsed"] != 1.0 || st["files_done"] != 0.0 {
		t.Errorf("status line %v", st)
	}
	if _, ok := st["total_bytes"]; ok {
		t.Errorf("a stream has no total: %v", st)
	}
	wantFields(t, msgs[len(msgs)-1], map[string]any{"message_type": "summary", "bytes_read": float64(8 * 256 << 10), "files_new": 1.0})

	r = s.runStdin(&slowReader{n: 6, size: 1 << 10, pause: 200 * time.Millisecond}, "--json", "backup", "--stdin")
	if msgs := messageLines(t, r.stdout); len(msgs) != 1 || msgs[0]["message_type"] != "summary" {
		t.Errorf("without -v: want only the summary\n%v", r)
	}
}

// TestE2EJSONSQLServer: a database backup with --json prints an error
// line for each object it cannot script and a summary with the
// database's tables, rows, bytes of T-SQL and consistency.
func TestE2EJSONSQLServer(t *testing.T) {
	m := newMSSQLServer(t, nil)
	s := withMSSQLPassword(initRepo(t), mssqltest.DefaultPassword)
	r := s.mustRun("--json", "backup", m.url("sample"))
	if r.stderr != "" {
		t.Errorf("stderr with --json: %q", r.stderr)
	}
	msgs := messageLines(t, r.stdout)
	sum := only(t, msgs, "summary")
	wantFields(t, sum, map[string]any{"database": "sample", "tables": 26.0, "rows": 67.0, "consistency": "snapshot-isolation",
		"snapshot_id": s.snapshots()[0].ID})
	if b, _ := sum["tsql_bytes"].(float64); b <= 0 {
		t.Errorf("tsql_bytes %v", sum["tsql_bytes"])
	}
	found := false
	for _, msg := range msgs {
		if msg["message_type"] == "error" && msg["item"] == "sample: procedure [dbo].[usp_Secret]" && strings.HasPrefix(msg["error"].(string), "not scripted: encrypted module") {
			found = true
		}
	}
	if !found {
		t.Errorf("no error line for usp_Secret\n%v", r)
	}
}

// TestE2ENoTerminalOutput: without a terminal, backup, restore and dump
// print what they printed before progress existed: no escape sequence,
// the summary lines only; with -q nothing.
func TestE2ENoTerminalOutput(t *testing.T) {
	s := initRepo(t)
	src := filepath.Join(s.dir, "src")
	writeFile(t, filepath.Join(src, "a.txt"), []byte("alpha"))
	r := s.mustRun("backup", src)
	if !regexp.MustCompile(`^snapshot [0-9a-f]{8} saved: 1 new, 0 changed, 0 unchanged files; 5 B read, [0-9.]+ [KM]?i?B added to the repository in [0-9.]+m?s\n$`).MatchString(r.stderr) || r.stdout != "" {
		t.Errorf("backup output\n%v", r)
	}
	r = s.mustRun("restore", "latest", "--target", filepath.Join(s.dir, "t"))
	if !regexp.MustCompile(`^restored snapshot [0-9a-f]{8} to \S+: 1 files, 4 folders, 0 links, 5 B\n$`).MatchString(r.stderr) || r.stdout != "" {
		t.Errorf("restore output\n%v", r)
	}
	r = s.mustRun("dump", "latest", src+"/a.txt")
	if r.stderr != "" || r.stdout != "alpha" {
		t.Errorf("dump output\n%v", r)
	}
	for _, args := range [][]string{{"-q", "backup", src}, {"-q", "restore", "latest", "--target", filepath.Join(s.dir, "q")}} {
		if r := s.mustRun(args...); r.stderr != "" || r.stdout != "" {
			t.Errorf("with -q\n%v", r)
		}
	}
	r = s.runStdin(&slowReader{n: 6, size: 1 << 10, pause: 200 * time.Millisecond}, "backup", "--stdin")
	if strings.Contains(r.stderr, "\x1b") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("stream backup output\n%v", r)
	}
}
