package main_test

// End-to-end tests of point-in-time selection, snapshot filters, zip
// export, key management, diff, stats and partial data checks.

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sqlvault/sqlvault/mssql"
	"github.com/sqlvault/sqlvault/mssql/mssqltest"
)

// dumpBody is a database's one script (dump --database) without the
// header mssql writes first: a byte order mark and comment lines that say
// how to run it.
func dumpBody(t *testing.T, s string) string {
	t.Helper()
	if !strings.HasPrefix(s, "\uFEFF-- sqlvault: a scripted database as one script") {
		t.Errorf("the dump does not start with its header: %.200q", s)
	}
	body := strings.TrimPrefix(s, "\uFEFF")
	for strings.HasPrefix(body, "--") {
		_, body, _ = strings.Cut(body, "\n")
	}
	return body
}

// TestE2EPointInTime: restore, dump and ls with --at TIME pick the newest
// snapshot of the source taken at or before TIME.
func TestE2EPointInTime(t *testing.T) {
	s := initSmallRepo(t)
	s.env = append(s.env, "TZ=UTC")
	r := s.open()
	for d := 0; d < 5; d++ {
		backupAt(t, r, "a.sql", []byte(fmt.Sprintf("a day %d\n", d)), dayTime(d), "db1")
	}
	backupAt(t, r, "b.sql", []byte("b day 2\n"), dayTime(2), "db2")
	dbSnapshot(t, r, "sales", []byte("INSERT day 1\n"), dayTime(1))
	dbSnapshot(t, r, "sales", []byte("INSERT day 3\n"), dayTime(3))
	dbSnapshot(t, r, "hr", []byte("INSERT hr day 3\n"), dayTime(3))

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"dump", "--at", "2024-01-03", "a.sql"}, "a day 2\n"},                  // a date: the end of that day
		{[]string{"dump", "--at", "2024-01-03 01:59", "a.sql"}, "a day 1\n"},            // before day 2's backup at 02:00
		{[]string{"dump", "--at", "2024-01-03T02:00:00Z", "a.sql"}, "a day 2\n"},        // at it exactly
		{[]string{"dump", "--at", "2024-01-03T03:00:00+02:00", "a.sql"}, "a day 1\n"},   // 01:00 UTC
		{[]string{"dump", "--at", "2030-01-01", "--host", "db2", "b.sql"}, "b day 2\n"}, // a filter
		{[]string{"dump", "--at", "2030-01-01", "b.sql"}, "b day 2\n"},                  // the path decides
		{[]string{"dump", "--at", "2024-01-03", "--database", "sales"}, "CREATE TABLE [dbo].[T] ([id] int NOT NULL);\nGO\nINSERT day 1\n"},
		{[]string{"dump", "--at", "2024-01-04 02:00", "--database", "sales"}, "CREATE TABLE [dbo].[T] ([id] int NOT NULL);\nGO\nINSERT day 3\n"},
		{[]string{"dump", "latest", "--database", "sales"}, "CREATE TABLE [dbo].[T] ([id] int NOT NULL);\nGO\nINSERT day 3\n"},
		{[]string{"dump", "--at", "2024-01-04", "--source", "hr", "hr/data/dbo.T.sql"}, "INSERT hr day 3\n"},
		{[]string{"ls", "--at", "2024-01-02", "--database", "sales"}, "/sales\n/sales/data\n/sales/data/dbo.T.sql\n/sales/restore.sql\n/sales/schema.sql\n"},
		{[]string{"ls", "--at", "2024-01-02", "--source", "a.sql", "/a.sql"}, "/a.sql\n"},
	} {
		r := s.run(tc.args...)
		got := r.stdout
		if slices.Contains(tc.args, "--database") && tc.args[0] == "dump" {
			got = dumpBody(t, got)
		}
		if r.code != 0 || got != tc.want {
			t.Errorf("%q: got %q, want %q\n%v", tc.args, r.stdout, tc.want, r)
		}
	}
	target := filepath.Join(s.dir, "restored")
	s.mustRun("restore", "--at", "2024-01-02 12:00:00", "--source", "a.sql", "--target", target)
	if b, _ := os.ReadFile(filepath.Join(target, "a.sql")); string(b) != "a day 1\n" {
		t.Errorf("restore --at: %q", b)
	}

	onlyErr(t, s.run("dump", "--at", "2023-12-31", "a.sql"), exitFailure,
		"sqlvault: no matching snapshot: none was taken at or before 2023-12-31 23:59:59 (the oldest is from 2024-01-01 02:00:00)")
	onlyErr(t, s.run("restore", "--at", "2024-01-05", "--host", "nobody", "--target", target), exitFailure,
		"sqlvault: no matching snapshot: none of the 9 snapshots passes --host, --tag, --source or --database")
	onlyErr(t, s.run("restore", "--at", "2024-01-05", "--target", target), exitUsage,
		"sqlvault: --at 2024-01-05: snapshots of 4 sources qualify (host db1, stdin a.sql; host db1, sqlserver sqlserver://sa@db1.example?database=sales; host db2, stdin b.sql; host db1, sqlserver sqlserver://sa@db1.example?database=hr): choose one with --host, --source or --database")
	onlyErr(t, s.run("dump", "--at", "next tuesday", "a.sql"), exitUsage,
		`sqlvault: --at: invalid time "next tuesday": use 2024-05-01, 2024-05-01 14:30, 2024-05-01 14:30:00 or RFC 3339 (2024-05-01T14:30:00Z)`)
	onlyErr(t, s.run("restore", "latest", "--at", "2024-01-05", "--target", target), exitUsage,
		`sqlvault: restore needs one snapshot (an ID prefix or "latest"), or --at TIME and no snapshot`)
	wantCode(t, s.run("ls", "latest", "/a.sql", "--at", "2024-01-05"), exitUsage)
	// latest with a filter is the newest snapshot that passes it.
	if got := s.mustRun("dump", "latest", "--host", "db1", "--source", "a.sql", "a.sql").stdout; got != "a day 4\n" {
		t.Errorf("latest --source a.sql: %q", got)
	}
}

// TestE2ESnapshotsFilters: snapshots --host, --tag, --source, --database.
func TestE2ESnapshotsFilters(t *testing.T) {
	s := initSmallRepo(t)
	r := s.open()
	backupAt(t, r, "a.sql", []byte("1"), dayTime(0), "db1", "daily")
	backupAt(t, r, "a.sql", []byte("2"), dayTime(1), "db2", "daily", "monthly")
	backupAt(t, r, "b.sql", []byte("3"), dayTime(2), "db1")
	dbSnapshot(t, r, "sales", []byte("x"), dayTime(3))
	count := func(args ...string) int { return len(s.snapshotsJSON(args...)) }
	for _, tc := range []struct {
		args []string
		n    int
	}{
		{nil, 4},
		{[]string{"--host", "db2"}, 1},
		{[]string{"--host", "db1", "--host", "db2"}, 4},
		{[]string{"--tag", "daily"}, 2},
		{[]string{"--tag", "daily,monthly"}, 1},
		{[]string{"--tag", "monthly", "--tag", "nothing"}, 1},
		{[]string{"--source", "a.sql"}, 2},
		{[]string{"--source", "stdin"}, 3},
		{[]string{"--source", "sales"}, 1},
		{[]string{"--database", "SALES"}, 1},
		{[]string{"--database", "hr"}, 0},
		{[]string{"--source", "a.sql", "--host", "db1"}, 1},
	} {
		if n := count(tc.args...); n != tc.n {
			t.Errorf("snapshots %q: %d, want %d", tc.args, n, tc.n)
		}
	}
	if out := s.mustRun("snapshots", "--database", "hr").stdout; !strings.HasSuffix(out, "0 snapshots\n") {
		t.Errorf("table output: %q", out)
	}
}

// TestE2EExportZip exports a real SQL Server backup (mssqltest) and a
// stream as a zip: unzip accepts it, the database folder holds restore.sql
// and the files dump gives, and a failed export leaves no file.
func TestE2EExportZip(t *testing.T) {
	m := newMSSQLServer(t, nil)
	s := withMSSQLPassword(initRepo(t), mssqltest.DefaultPassword)
	wantCode(t, s.run("backup", m.url("sample")), exitOK)
	s.runStdin(strings.NewReader("stream content\n"), "backup", "--stdin", "--stdin-filename", "notes.txt")
	script := s.mustRun("dump", "latest", "--database", "sample").stdout
	if len(script) < 1000 {
		t.Fatalf("dump --database: %d bytes", len(script))
	}

	out := filepath.Join(s.dir, "out.zip")
	r := s.mustRun("export", "--at", time.Now().Add(time.Minute).Format(time.RFC3339), "--zip", out)
	if !strings.Contains(r.stderr, "exported snapshot ") {
		t.Errorf("export output:\n%v", r)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	entries := map[string]*zip.File{}
	for _, f := range zr.File {
		entries[f.Name] = f
	}
	for _, want := range []string{"sample/", "sample/restore.sql", "sample/schema.sql", "sample/manifest.json", "sample/data/", "notes.txt"} {
		if entries[want] == nil {
			t.Errorf("%s missing from the zip; entries: %q", want, keys(entries))
		}
	}
	// The database's files, concatenated in the order of its master
	// script, are the script dump gives.
	read := func(name string) string {
		f := entries[name]
		if f == nil {
			t.Fatalf("%s missing", name)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	var joined strings.Builder
	err = mssql.Concat(context.Background(), strings.NewReader(read("sample/restore.sql")), func(ctx context.Context, name string, w io.Writer) error {
		_, err := io.WriteString(w, read("sample/"+name))
		return err
	}, &joined)
	if err != nil {
		t.Fatal(err)
	}
	if joined.String() != script {
		t.Errorf("the zip's database files do not make the dumped script (%d bytes, want %d)", joined.Len(), len(script))
	}
	if got := read("notes.txt"); got != "stream content\n" {
		t.Errorf("notes.txt: %q", got)
	}
	if _, err := exec.LookPath("unzip"); err == nil {
		if o, err := exec.Command("unzip", "-t", out).CombinedOutput(); err != nil || !strings.Contains(string(o), "No errors detected") {
			t.Fatalf("unzip -t: %v\n%s", err, o)
		}
	}

	// To standard output.
	r = s.mustRun("export", "latest", "--zip", "-")
	zr2, err := zip.NewReader(bytes.NewReader([]byte(r.stdout)), int64(len(r.stdout)))
	if err != nil || len(zr2.File) != 1 || zr2.File[0].Name != "notes.txt" {
		t.Fatalf("export to stdout: %v", err)
	}

	// Failures: usage, colliding names, a missing folder; no file is left.
	onlyErr(t, s.run("export", "latest"), exitUsage, "sqlvault: export needs --zip FILE (or --zip - for standard output)")
	onlyErr(t, s.run("export", "--zip", out), exitUsage, `sqlvault: export needs snapshots (ID prefixes or "latest") or --at TIME`)
	s.runStdin(strings.NewReader("other\n"), "backup", "--stdin", "--stdin-filename", "notes.txt")
	sns := s.snapshots()
	bad := filepath.Join(s.dir, "bad.zip")
	r = s.run("export", sns[1].ShortID, sns[2].ShortID, "--zip", bad)
	wantCode(t, r, exitFailure)
	if l := errLine(t, r); !strings.Contains(l, `both hold "notes.txt": export them into separate zip files`) {
		t.Errorf("collision: %q", l)
	}
	if _, err := os.Stat(bad); err == nil {
		t.Error("a failed export left its zip")
	}
	if left, _ := filepath.Glob(filepath.Join(s.dir, ".bad.zip.tmp-*")); len(left) > 0 {
		t.Errorf("temporary files left: %q", left)
	}
	r = s.run("export", "latest", "--zip", filepath.Join(s.dir, "no", "such", "dir", "x.zip"))
	wantCode(t, r, exitFailure)
	errLine(t, r)
}

// TestE2EKeys: key list, add, passwd and remove; the key in use and the
// last key cannot be removed.
func TestE2EKeys(t *testing.T) {
	s := initRepo(t)
	s.runStdin(strings.NewReader("data"), "backup", "--stdin")
	type keyJSON struct {
		ID      string `json:"id"`
		Current bool   `json:"current"`
	}
	list := func(s *sv) []keyJSON {
		return jsonLines[keyJSON](t, s.mustRun("--json", "key", "list").stdout)
	}
	ks := list(s)
	if len(ks) != 1 || !ks[0].Current {
		t.Fatalf("keys: %+v", ks)
	}
	first := ks[0].ID
	onlyErr(t, s.run("key", "remove", first[:8]), exitFailure,
		fmt.Sprintf("sqlvault: refusing to remove the last key %s: without it nobody can open the repository", first[:8]))
	onlyErr(t, s.run("key", "add"), exitUsage, "sqlvault: no new password given: use --new-password-file FILE or set SQLVAULT_NEW_PASSWORD")

	pwFile := filepath.Join(s.dir, "pw2")
	writeFile(t, pwFile, []byte("second password\n"))
	r := s.mustRun("key", "add", "--new-password-file", pwFile, "--kdf-memory", "8", "--kdf-time", "1")
	m := regexp.MustCompile(`added key ([0-9a-f]{8})`).FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("key add:\n%v", r)
	}
	second := m[1]
	text := s.mustRun("key", "list").stdout
	if !strings.Contains(text, "*"+first[:8]) || !strings.Contains(text, " "+second) {
		t.Errorf("key list:\n%s", text)
	}
	// The second password opens the repository; its key is the one in use
	// there.
	s2 := *s
	s2.password = "second password"
	if got := s2.mustRun("dump", "latest", "stdin").stdout; got != "data" {
		t.Fatalf("dump with the second password: %q", got)
	}
	onlyErr(t, s.run("key", "remove", first[:8]), exitFailure,
		fmt.Sprintf("sqlvault: refusing to remove the key in use (%s): open the repository with another key's password to remove it, or change its password with 'sqlvault key passwd'", first[:8]))
	onlyErr(t, s.run("key", "remove", "ffffffff"), exitFailure, `sqlvault: no key ID starts with "ffffffff" (see 'sqlvault key list')`)
	r = s2.mustRun("key", "remove", first[:8])
	if !strings.Contains(r.stderr, "removed key "+first[:8]) {
		t.Errorf("key remove:\n%v", r)
	}
	onlyErr(t, s.run("snapshots"), exitPassword,
		"sqlvault: wrong password or no key found for the repository at "+s.repo+": check SQLVAULT_PASSWORD or --password-file")

	// passwd replaces the key in use: the old password stops working.
	s3 := s2
	s3.env = append(s3.env, "SQLVAULT_NEW_PASSWORD=third password")
	r = s3.mustRun("key", "passwd", "--kdf-memory", "8", "--kdf-time", "1")
	if !strings.Contains(r.stderr, "replaces key "+second) {
		t.Errorf("key passwd:\n%v", r)
	}
	wantCode(t, s2.run("snapshots"), exitPassword)
	s4 := *s
	s4.password = "third password"
	if ks := list(&s4); len(ks) != 1 || !ks[0].Current {
		t.Fatalf("keys after passwd: %+v", ks)
	}
	s4.mustRun("check", "--read-data")
}

// TestE2EDiff: what changed between two database snapshots, with tables
// named, and what the second adds.
func TestE2EDiff(t *testing.T) {
	s := initSmallRepo(t)
	r := s.open()
	a := dbSnapshot(t, r, "sales", scriptDay(20000, 0), dayTime(0))
	b := dbSnapshot(t, r, "sales", scriptDay(20000, 1), dayTime(1))
	c := dbSnapshot(t, r, "hr", []byte("x"), dayTime(1))
	out := s.mustRun("diff", a.ID().Str(), b.ID().Str()).stdout
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !regexp.MustCompile(`^M  /sales/data/dbo\.T\.sql  \(table dbo\.T, 1\.[0-9]+ MiB -> 1\.[0-9]+ MiB, \+[0-9.]+ KiB stored\)$`).MatchString(lines[0]) {
		t.Fatalf("diff output:\n%s", out)
	}
	if lines[2] != "0 added, 0 removed, 1 changed; tables: 0 added, 0 removed, 1 changed" ||
		!regexp.MustCompile(`^`+b.ID().Str()+` adds [0-9.]+ KiB to the repository \([0-9]+ blobs that `+a.ID().Str()+` does not need\); `+a.ID().Str()+` holds [0-9.]+ (KiB|MiB) that `+b.ID().Str()+` does not need$`).MatchString(lines[3]) {
		t.Fatalf("diff summary:\n%s", out)
	}
	type diffLine struct {
		MessageType       string `json:"message_type"`
		Kind, Path, Table string
		AddedBytes        int64 `json:"added_bytes"`
		RemovedBytes      int64 `json:"removed_bytes"`
	}
	dl := jsonLines[diffLine](t, s.mustRun("--json", "diff", a.ID().Str(), c.ID().Str()).stdout)
	var kinds []string
	for _, ch := range dl[:len(dl)-1] {
		kinds = append(kinds, ch.MessageType+" "+ch.Kind+" "+ch.Path)
	}
	want := []string{"change + /hr", "change + /hr/data", "change + /hr/data/dbo.T.sql", "change + /hr/restore.sql", "change + /hr/schema.sql",
		"change - /sales", "change - /sales/data", "change - /sales/data/dbo.T.sql", "change - /sales/restore.sql", "change - /sales/schema.sql"}
	if stats := dl[len(dl)-1]; !slices.Equal(kinds, want) || stats.MessageType != "statistics" || stats.RemovedBytes < 100_000 {
		t.Fatalf("diff --json: %q, %+v", kinds, stats)
	}
	wantCode(t, s.run("diff", "latest"), exitUsage)
	wantCode(t, s.run("diff", "latest", "deadbeef"), exitFailure)
}

// TestE2EStats: the figures of stats agree with each other and with the
// repository on disk.
func TestE2EStats(t *testing.T) {
	s := initSmallRepo(t)
	r := s.open()
	for d := 0; d < 4; d++ {
		backupAt(t, r, "db.sql", scriptDay(20000, d), dayTime(d), "db1")
	}
	backupAt(t, r, "copy.sql", scriptDay(20000, 3), dayTime(4), "db1")
	var st struct {
		Snapshots        int     `json:"snapshots"`
		TotalSize        int64   `json:"total_size"`
		PackBytes        int64   `json:"pack_bytes"`
		RawBytes         int64   `json:"raw_bytes"`
		UniqueBytes      int64   `json:"unique_bytes"`
		StoredBytes      int64   `json:"stored_bytes"`
		DeltaBlobs       int     `json:"delta_blobs"`
		UnusedBytes      int64   `json:"unused_bytes"`
		CompressionRatio float64 `json:"compression_ratio"`
		DedupRatio       float64 `json:"dedup_ratio"`
		PerSnapshot      []struct {
			Size  int64 `json:"size"`
			Added int64 `json:"added"`
		} `json:"per_snapshot"`
	}
	if err := json.Unmarshal([]byte(s.mustRun("--json", "stats").stdout), &st); err != nil {
		t.Fatal(err)
	}
	var raw int64
	for d := 0; d < 4; d++ {
		raw += int64(len(scriptDay(20000, d)))
	}
	raw += int64(len(scriptDay(20000, 3)))
	var added int64
	for _, p := range st.PerSnapshot {
		added += p.Added
	}
	if st.Snapshots != 5 || st.RawBytes != raw || st.TotalSize != dirSize(t, s.repo) || added != st.StoredBytes ||
		st.DeltaBlobs == 0 || st.UnusedBytes != 0 || st.CompressionRatio < 2 || st.DedupRatio < 1.2 {
		t.Fatalf("stats: %+v (raw %d, on disk %d)", st, raw, dirSize(t, s.repo))
	}
	if st.PerSnapshot[4].Added > 20000 { // its tree: about 100 chunk IDs and hints
		t.Errorf("an identical copy added %d bytes", st.PerSnapshot[4].Added)
	}
	text := s.mustRun("stats").stdout
	for _, want := range []string{"snapshots:    5\n", "raw data:     ", "unique data:  ", "(deduplication ", "(compression ", " as deltas ", "total ratio:  ", "unused:       0 B in packs"} {
		if !strings.Contains(text, want) {
			t.Errorf("stats output lacks %q:\n%s", want, text)
		}
	}
	if n := len(s.snapshotsJSON("--source", "copy.sql")); n != 1 {
		t.Fatal(n)
	}
	if err := json.Unmarshal([]byte(s.mustRun("--json", "stats", "--source", "copy.sql").stdout), &st); err != nil || st.Snapshots != 1 {
		t.Fatalf("stats --source: %+v %v", st, err)
	}
}

// TestE2ECheckReadDataSubset: n/t groups together read every pack once;
// a percentage reads about that share; bad values are refused.
func TestE2ECheckReadDataSubset(t *testing.T) {
	s := initSmallRepo(t)
	r := s.open()
	for d := 0; d < 3; d++ {
		backupAt(t, r, fmt.Sprintf("f%d", d), genBytes(byte(d), 3<<20), dayTime(d), "db1")
	}
	all := len(packFiles(s.repo))
	readN := func(args ...string) int {
		res := s.mustRun(append([]string{"check"}, args...)...)
		m := regexp.MustCompile(`read (\d+) packs`).FindStringSubmatch(res.stderr)
		if m == nil {
			t.Fatalf("no read count\n%v", res)
		}
		var n int
		fmt.Sscan(m[1], &n)
		return n
	}
	sum := 0
	for i := 1; i <= 3; i++ {
		sum += readN("--read-data-subset", fmt.Sprintf("%d/3", i))
	}
	if sum != all || all < 8 {
		t.Fatalf("1/3 + 2/3 + 3/3 read %d packs of %d", sum, all)
	}
	if n, want := readN("--read-data-subset", "50%"), (all+1)/2; n != want {
		t.Errorf("50%% read %d of %d packs, want %d", n, all, want)
	}
	if n := readN("--read-data-subset", "100%"); n != all {
		t.Errorf("100%% read %d of %d", n, all)
	}
	for _, bad := range []string{"0%", "101%", "50", "0/3", "4/3", "1/300", "x/y"} {
		r := s.run("check", "--read-data-subset", bad)
		wantCode(t, r, exitUsage)
		if l := errLine(t, r); !strings.HasPrefix(l, "sqlvault: --read-data-subset: ") {
			t.Errorf("%s: %q", bad, l)
		}
	}
	onlyErr(t, s.run("check", "--read-data", "--read-data-subset", "1/2"), exitUsage, "sqlvault: use either --read-data or --read-data-subset, not both")
}
