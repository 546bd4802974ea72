package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// jsonLines parses output that --json prints: one JSON object per line.
// A line that is not exactly one object fails the test.
func jsonLines[T any](t testing.TB, out string) []T {
	t.Helper()
	var vs []T
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" && out == "" {
			break
		}
		if !strings.HasPrefix(line, "{") {
			t.Fatalf("--json line %d is not an object: %q\nall output:\n%s", i+1, line, out)
		}
		var v T
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("--json line %d: %v: %q", i+1, err, line)
		}
		vs = append(vs, v)
	}
	return vs
}

// snakeKey is what every key of --json output looks like.
var snakeKey = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// checkKeys fails on every key of v, at any depth, that is not
// snake_case.
func checkKeys(t *testing.T, what, path string, v any) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if !snakeKey.MatchString(k) {
				t.Errorf("%s: key %q at %s is not snake_case", what, k, path)
			}
			checkKeys(t, what, path+"."+k, x)
		}
	case []any:
		for i, x := range v {
			checkKeys(t, what, fmt.Sprintf("%s[%d]", path, i), x)
		}
	}
}

// jsonOutput checks that out is one JSON object per line, every key
// snake_case, and returns the objects.
func jsonOutput(t *testing.T, what, out string) []map[string]any {
	t.Helper()
	if out == "" {
		t.Errorf("%s: no output", what)
	}
	objs := jsonLines[map[string]any](t, out)
	for i, o := range objs {
		checkKeys(t, what, fmt.Sprintf("line %d", i+1), o)
	}
	return objs
}

// messageTypes returns the message_type of each object.
func messageTypes(objs []map[string]any) string {
	var ts []string
	for _, o := range objs {
		ts = append(ts, fmt.Sprint(o["message_type"]))
	}
	return strings.Join(ts, " ")
}

// TestE2EJSONOutput runs every command that prints JSON: each prints one
// object per line, every key of every object is snake_case, and the
// commands that print several kinds of object name each with
// message_type.
func TestE2EJSONOutput(t *testing.T) {
	s := initRepo(t)
	src := filepath.Join(s.dir, "src")
	writeFile(t, filepath.Join(src, "a.txt"), []byte("first\n"))
	writeFile(t, filepath.Join(src, "sub", "b.txt"), bytes.Repeat([]byte("0123456789abcdef"), 1<<14))
	s.mustRun("backup", src)
	writeFile(t, filepath.Join(src, "a.txt"), []byte("second\n"))
	s.mustRun("backup", src)
	s.mustRunStdin(strings.NewReader("streamed"), "backup", "--stdin", "--stdin-filename", "x.sql")
	sns := s.snapshots()
	if len(sns) != 3 {
		t.Fatalf("%d snapshots", len(sns))
	}
	cache := filepath.Join(s.dir, "cache")

	want := func(what string, objs []map[string]any, types string) {
		t.Helper()
		if got := messageTypes(objs); got != types {
			t.Errorf("%s: message types %q, want %q", what, got, types)
		}
	}
	run := func(args ...string) []map[string]any {
		t.Helper()
		return jsonOutput(t, strings.Join(args, " "), s.mustRun(append([]string{"--json"}, args...)...).stdout)
	}
	if n := len(run("snapshots")); n != 3 {
		t.Errorf("snapshots --json: %d lines, want one per snapshot", n)
	}
	if n := len(run("ls", "latest")); n != 1 {
		t.Errorf("ls --json of the stdin snapshot: %d lines, want 1", n)
	}
	if n := len(run("ls", sns[1].ID, src)); n != 4 { // src, a.txt, sub, sub/b.txt
		t.Errorf("ls --json: %d lines, want 4", n)
	}
	run("key", "list")
	run("stats")
	want("diff", run("diff", sns[0].ID, sns[1].ID), "change statistics")
	want("forget", run("forget", "--keep-last", "1", "--dry-run", "--prune"), "group group summary prune")
	want("prune --dry-run", run("prune", "--dry-run"), "prune")
	want("check", run("check"), "summary")
	want("check --read-data", run("check", "--read-data"), "summary")
	for _, args := range [][]string{{"config"}, {"snapshot", sns[0].ID}, {"tree", sns[0].Tree},
		{"index", filepath.Base(repoFiles(t, s.repo, "index")[0])}, {"pack", filepath.Base(packFiles(s.repo)[0])}} {
		jsonOutput(t, "cat "+args[0], s.mustRun(append([]string{"cat"}, args...)...).stdout)
	}
	want("forget", run("forget", "--keep-last", "2", "--prune"), "group group summary prune")
	want("prune", run("prune"), "prune")

	// A job: a line per step and the summary; the steps' own output goes
	// to stderr.
	cfg := writeJob(t, s, `schedule = "daily"

[[job.nightly.sources]]
paths = ["`+src+`"]
`)
	r := s.run("--config", cfg, "--cache-dir", cache, "--json", "run", "nightly")
	wantCode(t, r, exitOK)
	objs := jsonOutput(t, "run", r.stdout)
	want("run", objs, "step step step step summary")
	if sum := objs[len(objs)-1]; sum["job"] != "nightly" || sum["exit_code"] != 0.0 {
		t.Errorf("run --json summary: %v", sum)
	}

	// Schedules.
	root := filepath.Join(s.dir, "root")
	s.mustRun("--config", cfg, "--cache-dir", cache, "schedule", "install", "--root", root, "nightly")
	if objs := jsonOutput(t, "schedule list", s.mustRun("--json", "schedule", "list", "--root", root).stdout); len(objs) != 1 || objs[0]["job"] != "nightly" {
		t.Errorf("schedule list --json: %v", objs)
	}

	// Damage: check prints an error line per problem and the summary, and
	// exits 4; repair index prints its summary.
	pack := packFiles(s.repo)[0]
	if err := os.Remove(pack); err != nil {
		t.Fatal(err)
	}
	r = s.run("--json", "check")
	wantCode(t, r, exitDamaged)
	objs = jsonOutput(t, "check of a damaged repository", r.stdout)
	if last := objs[len(objs)-1]; last["message_type"] != "summary" || last["errors"] == 0.0 || objs[0]["message_type"] != "error" || objs[0]["pack"] != filepath.Base(pack) {
		t.Errorf("check --json of a repository with a pack missing:\n%s", r.stdout)
	}
	r = s.run("--json", "repair", "index")
	want("repair index", jsonOutput(t, "repair index", r.stdout), "summary")
}

// TestE2EProgressNotTerminal: check and prune draw no status when stderr
// is not a terminal: their output is the plain lines it always was, and
// nothing with -q.
func TestE2EProgressNotTerminal(t *testing.T) {
	s := initRepo(t)
	src := filepath.Join(s.dir, "src")
	writeFile(t, filepath.Join(src, "a.txt"), bytes.Repeat([]byte("some data "), 1<<15))
	s.mustRun("backup", src)
	writeFile(t, filepath.Join(src, "a.txt"), []byte("other\n"))
	s.mustRun("backup", src)
	r := s.mustRun("check", "--read-data")
	if !regexp.MustCompile(`^checking index and pack headers\nchecking snapshots and trees\nread \d+ packs, \d+ blobs\n$`).MatchString(r.stderr) ||
		!regexp.MustCompile(`^no problems found \(2 index files, \d+ packs, \d+ blobs\)\n$`).MatchString(r.stdout) {
		t.Errorf("check output changed:\n%v", r)
	}
	if r := s.mustRun("-q", "check", "--read-data"); r.stderr != "" || !strings.HasPrefix(r.stdout, "no problems found") {
		t.Errorf("check -q:\n%v", r)
	}
	s.mustRun("forget", "--keep-last", "1")
	r = s.mustRun("prune", "--repack-threshold", "0%")
	if strings.Contains(r.stderr+r.stdout, "\x1b") || r.stderr != "" || !strings.Contains(r.stdout, "\nfreed ") {
		t.Errorf("prune output changed:\n%v", r)
	}
	s.mustRun("forget", "--keep-last", "1")
	if r := s.mustRun("-q", "prune"); r.stdout != "" || r.stderr != "" {
		t.Errorf("prune -q printed:\n%v", r)
	}
}
