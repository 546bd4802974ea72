package main_test

// End-to-end tests of keeping backups over time: forget by policy, prune
// (also while a backup runs, and killed half-way), locks, and a 40-day
// history. Snapshots of simulated days are written through the Go API
// (snapshot.Options.Time) into a repository the binary then works on.

import (
	"bytes"
	"context"
	"crypto/sha256"
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

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/chunk"
	"github.com/sqlvault/sqlvault/repo"
	"github.com/sqlvault/sqlvault/snapshot"
)

const exitLocked = 11

// initSmallRepo creates a repository with 1 MiB packs and 16 KiB chunks,
// so that a few megabytes make many packs.
func initSmallRepo(t *testing.T) *sv {
	t.Helper()
	s := newSV(t)
	cfg := repo.DefaultConfig()
	cfg.PackSize = 1 << 20
	cfg.Chunker = chunk.Params{MinSize: 4 << 10, MaxSize: 64 << 10, AvgBits: 14}
	_, err := repo.Init(context.Background(), repoBackend(t, s.repo), s.password, repo.InitOptions{Config: cfg, KDF: repo.KDFParams{Time: 1, Memory: 8 << 10, Threads: 1}, Polynomial: chunk.TestPolynomial})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// open opens the repository through the Go API, with its index.
func (s *sv) open() *repo.Repository {
	s.t.Helper()
	ctx := context.Background()
	r, err := repo.Open(ctx, repoBackend(s.t, s.repo), s.password)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := r.LoadIndex(ctx); err != nil {
		s.t.Fatal(err)
	}
	return r
}

// dayTime is 02:00 UTC on day d after 2024-01-01 (a Monday).
func dayTime(d int) time.Time { return time.Date(2024, 1, 1, 2, 0, 0, 0, time.UTC).AddDate(0, 0, d) }

// backupAt stores data as the stream name, taken at when on host, with the
// previous snapshot of the same stream as parent (so changes are deltas).
func backupAt(t *testing.T, r *repo.Repository, name string, data []byte, when time.Time, host string, tags ...string) *snapshot.Snapshot {
	t.Helper()
	ctx := context.Background()
	sns, err := snapshot.List(ctx, r, nil)
	if err != nil {
		t.Fatal(err)
	}
	var parent *snapshot.Snapshot
	for _, sn := range sns {
		if sn.Hostname == host && slices.Equal(sn.Paths, []string{name}) {
			parent = sn
		}
	}
	sn, err := snapshot.BackupStream(ctx, r, name, snapshot.SourceStdin, bytes.NewReader(data), snapshot.Options{Time: when, Hostname: host, Parent: parent, Tags: tags})
	if err != nil {
		t.Fatal(err)
	}
	return sn
}

// dbSnapshot stores a snapshot shaped like a SQL Server backup of database
// db: DB/restore.sql including DB/schema.sql and DB/data/dbo.T.sql.
func dbSnapshot(t *testing.T, r *repo.Repository, db string, table []byte, when time.Time) *snapshot.Snapshot {
	t.Helper()
	ctx := context.Background()
	b := snapshot.NewBuilder(r, snapshot.Options{Time: when, Hostname: "db1"})
	files := []struct {
		name string
		data []byte
	}{
		{db + "/schema.sql", []byte("CREATE TABLE [dbo].[T] ([id] int NOT NULL);\nGO\n")},
		{db + "/data/dbo.T.sql", table},
		{db + "/restore.sql", []byte(":on error exit\n:r \"schema.sql\"\n:r \"data/dbo.T.sql\"\n")},
	}
	for _, f := range files {
		if err := b.WriteFile(ctx, f.name, func(w io.Writer) error { _, err := w.Write(f.data); return err }); err != nil {
			t.Fatal(err)
		}
	}
	sn, err := b.Commit(ctx, []string{"sqlserver://sa@db1.example?database=" + db}, "sqlserver")
	if err != nil {
		t.Fatal(err)
	}
	return sn
}

// days returns the day numbers of snapshots (by time).
func daysOf(sns []snapJSONTime) []int {
	var out []int
	for _, sn := range sns {
		out = append(out, int(sn.Time.Sub(dayTime(0)).Hours()/24))
	}
	slices.Sort(out)
	return out
}

type snapJSONTime struct {
	ID       string    `json:"id"`
	ShortID  string    `json:"short_id"`
	Time     time.Time `json:"time"`
	Hostname string    `json:"hostname"`
	Paths    []string  `json:"paths"`
	Tags     []string  `json:"tags"`
}

func (s *sv) snapshotsJSON(args ...string) []snapJSONTime {
	s.t.Helper()
	r := s.mustRun(append([]string{"snapshots", "--json"}, args...)...)
	return jsonLines[snapJSONTime](s.t, r.stdout)
}

func pathsOf(sns []snapJSONTime, path string) []snapJSONTime {
	var out []snapJSONTime
	for _, sn := range sns {
		if slices.Contains(sn.Paths, path) {
			out = append(out, sn)
		}
	}
	return out
}

// TestE2EForgetPrune40Days keeps 40 daily backups of a database dump
// (deltas) and three of a second stream under a daily 7 / weekly 4 /
// monthly 3 policy: the dry run explains every decision, forget --prune
// removes exactly the others, every remaining day dumps byte-identical,
// and prune frees what stats reported as unused.
func TestE2EForgetPrune40Days(t *testing.T) {
	s := initSmallRepo(t)
	s.env = append(s.env, "TZ=UTC") // dates in the output and in --at
	r := s.open()
	const rows = 15000
	for d := 0; d < 40; d++ {
		backupAt(t, r, "sales.sql", scriptDay(rows, d), dayTime(d), "db1")
	}
	other := map[int][]byte{}
	for d := 0; d < 3; d++ {
		other[d] = genBytes(byte(d), 30_000)
		backupAt(t, r, "hr.sql", other[d], dayTime(d), "db1")
	}
	policy := []string{"--keep-daily", "7", "--keep-weekly", "4", "--keep-monthly", "3"}

	// The dry run shows every decision and changes nothing.
	dry := s.mustRun(append([]string{"forget", "--dry-run"}, policy...)...)
	if n := len(s.snapshotsJSON()); n != 43 {
		t.Fatalf("the dry run changed the snapshots: %d left", n)
	}
	for _, want := range []string{
		"host db1, stdin sales.sql: 40 snapshots, keep 10, remove 30\n",
		"host db1, stdin hr.sql: 3 snapshots, keep 3, remove 0\n",
		"2024-02-09", // day 39, in local time; its reasons follow
	} {
		if !strings.Contains(dry.stdout, want) {
			t.Errorf("dry run output lacks %q\n%v", want, dry)
		}
	}
	lines := regexp.MustCompile(`(?m)^  (keep|would remove) +([0-9a-f]{8})  [0-9-]+ [0-9:]+  ?(.*)$`).FindAllStringSubmatch(dry.stdout, -1)
	if len(lines) != 43 {
		t.Fatalf("dry run lists %d decisions, want 43\n%v", len(lines), dry)
	}
	reasons := map[string]string{}
	for _, l := range lines {
		reasons[l[2]] = l[1] + ": " + l[3]
	}
	byDay := map[int]string{}
	for _, sn := range pathsOf(s.snapshotsJSON(), "sales.sql") {
		byDay[int(sn.Time.Sub(dayTime(0)).Hours()/24)] = sn.ShortID
	}
	for day, want := range map[int]string{39: "keep: daily, weekly, monthly", 34: "keep: daily, weekly", 30: "keep: monthly",
		27: "keep: weekly", 20: "keep: weekly", 33: "keep: daily", 32: "would remove: ", 0: "would remove: "} {
		if got := reasons[byDay[day]]; got != want {
			t.Errorf("day %d: %q, want %q", day, got, want)
		}
	}
	if !strings.Contains(dry.stderr, "would remove 30 of 43 snapshots") {
		t.Errorf("dry run summary:\n%v", dry)
	}

	// With --prune, the dry run also estimates prune as if the snapshots
	// were gone: forget's JSON, then prune's.
	type forgetLine struct {
		MessageType string `json:"message_type"`
		UnusedBytes int64  `json:"unused_bytes"`
		DryRun      bool   `json:"dry_run"`
		Removed     []string
	}
	fl := jsonLines[forgetLine](t, s.mustRun(append([]string{"--json", "forget", "--dry-run", "--prune", "--repack-threshold", "0%"}, policy...)...).stdout)
	var types []string
	for _, l := range fl {
		types = append(types, l.MessageType)
	}
	if !slices.Equal(types, []string{"group", "group", "summary", "prune"}) || !fl[2].DryRun || len(fl[2].Removed) == 0 {
		t.Fatalf("forget --dry-run --prune --json: %+v", fl)
	}
	pruneEstimate := fl[3]

	// Forget, then measure what prune must free.
	s.mustRun(append([]string{"forget"}, policy...)...)
	left := s.snapshotsJSON()
	if got, want := daysOf(pathsOf(left, "sales.sql")), []int{20, 27, 30, 33, 34, 35, 36, 37, 38, 39}; !slices.Equal(got, want) {
		t.Fatalf("days left %v, want %v", got, want)
	}
	if got := daysOf(pathsOf(left, "hr.sql")); !slices.Equal(got, []int{0, 1, 2}) {
		t.Fatalf("the other source lost snapshots: %v", got)
	}
	var stats struct {
		UnusedBytes int64 `json:"unused_bytes"`
		StoredBytes int64 `json:"stored_bytes"`
	}
	if err := json.Unmarshal([]byte(s.mustRun("--json", "stats").stdout), &stats); err != nil {
		t.Fatal(err)
	}
	if stats.UnusedBytes == 0 {
		t.Fatal("stats reports nothing unused after forget")
	}
	// forget --dry-run --prune estimated the same before the forget.
	if est := pruneEstimate; est.UnusedBytes != stats.UnusedBytes || !est.DryRun {
		t.Errorf("forget --dry-run --prune estimated %d unused bytes, stats reports %d after forget", est.UnusedBytes, stats.UnusedBytes)
	}
	before := dirSize(t, s.repo+"/data")
	pr := s.mustRun("--json", "prune", "--repack-threshold", "0%")
	var st struct {
		UnusedBytes int64 `json:"unused_bytes"`
		UsedBytes   int64 `json:"used_bytes"`
		Freed       int64 `json:"freed"`
	}
	if err := json.Unmarshal([]byte(pr.stdout), &st); err != nil {
		t.Fatalf("prune --json: %v\n%v", err, pr)
	}
	after := dirSize(t, s.repo+"/data")
	if st.UnusedBytes != stats.UnusedBytes || st.UsedBytes != stats.StoredBytes {
		t.Fatalf("prune found %d unused and %d used bytes; stats said %d and %d", st.UnusedBytes, st.UsedBytes, stats.UnusedBytes, stats.StoredBytes)
	}
	if d := (before - after) - stats.UnusedBytes; d < -8192 || d > 64<<10 {
		t.Fatalf("the packs shrank by %d bytes, stats reported %d unused", before-after, stats.UnusedBytes)
	}
	if st.Freed != before-after {
		t.Errorf("prune says it freed %d, the packs shrank by %d", st.Freed, before-after)
	}
	t.Logf("40 days: prune freed %d of %d pack bytes", before-after, before)

	s.mustRun("check", "--read-data")
	for day, id := range byDay {
		if !slices.Contains(daysOf(pathsOf(left, "sales.sql")), day) {
			continue
		}
		if got := s.mustRun("dump", id, "sales.sql").stdout; got != string(scriptDay(rows, day)) {
			t.Fatalf("day %d does not dump byte-identical", day)
		}
	}
	for d, data := range other {
		if got := s.mustRun("dump", "--at", dayTime(d).Format(time.RFC3339), "hr.sql").stdout; got != string(data) {
			t.Fatalf("hr.sql day %d does not dump byte-identical", d)
		}
	}
	// Restore as of a day that was forgotten: the newest kept before it.
	target := filepath.Join(s.dir, "restored")
	rr := s.mustRun("restore", "--at", "2024-01-30", "--source", "sales.sql", "--target", target) // the end of that day
	if b, err := os.ReadFile(filepath.Join(target, "sales.sql")); err != nil || string(b) != string(scriptDay(rows, 27)) {
		t.Fatalf("restore --at 2024-01-30 did not give day 27 (%v)\n%v", err, rr)
	}
}

// TestE2EForgetRefusals: bad, conflicting and empty policies are refused
// before anything is removed.
func TestE2EForgetRefusals(t *testing.T) {
	s := initSmallRepo(t)
	r := s.open()
	for d := 0; d < 4; d++ {
		backupAt(t, r, "a.sql", []byte(fmt.Sprintf("day %d", d)), dayTime(d), "db1", "daily")
	}
	id := s.snapshotsJSON()[0].ShortID
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"forget"}, "sqlvault: no policy given: use --keep-last, --keep-hourly, --keep-daily, --keep-weekly, --keep-monthly, --keep-yearly, --keep-within or --keep-tag, or name the snapshots to forget (an empty policy would remove every snapshot; --unsafe-allow-remove-all allows that)"},
		{[]string{"forget", "--keep-last", "0"}, ""},
		{[]string{"forget", "--keep-daily", "-2"}, "sqlvault: --keep-daily -2: give a number of snapshots, or -1 for no limit"},
		{[]string{"forget", "--keep-within", "3 weeks"}, ""},
		{[]string{"forget", "--keep-last", "1", id}, "sqlvault: give either snapshot IDs or a policy (--keep-*, --group-by, filters), not both"},
		{[]string{"forget", "--keep-last", "1", "--group-by", "host,color"}, `sqlvault: unknown --group-by key "color": use host, source and tags, separated by commas`},
		{[]string{"forget", "--keep-last", "1", "--prune", "--repack-threshold", "150%"}, `sqlvault: --repack-threshold: "150%" is not a percentage from 0% to 100%`},
		{[]string{"forget", "--keep-tag", "weekly"}, "sqlvault: the policy (keep tagged weekly) keeps none of the 4 snapshots of host db1, stdin a.sql: refusing to remove them all (add --unsafe-allow-remove-all if that is what you want); nothing was removed"},
	} {
		r := s.run(tc.args...)
		if tc.msg == "" {
			wantCode(t, r, exitUsage)
			errLine(t, r)
		} else {
			onlyErr(t, r, exitUsage, tc.msg)
		}
		if n := len(s.snapshotsJSON()); n != 4 {
			t.Fatalf("%q removed snapshots: %d left", tc.args, n)
		}
	}
	// Tags and IDs work; the last group can be emptied only on purpose.
	s.mustRun("forget", "--keep-tag", "daily")
	if n := len(s.snapshotsJSON()); n != 4 {
		t.Fatalf("--keep-tag daily removed snapshots")
	}
	r2 := s.mustRun("forget", id)
	if !strings.Contains(r2.stderr, "removed snapshot "+id) || len(s.snapshotsJSON()) != 3 {
		t.Fatalf("forget by ID:\n%v", r2)
	}
	onlyErr(t, s.run("forget", id), exitFailure, fmt.Sprintf(`sqlvault: no matching snapshot: no snapshot ID starts with %q (see 'sqlvault snapshots')`, id))
	s.mustRun("forget", "--unsafe-allow-remove-all", "--keep-tag", "weekly")
	if n := len(s.snapshotsJSON()); n != 0 {
		t.Fatalf("--unsafe-allow-remove-all left %d snapshots", n)
	}
	pr := s.mustRun("prune")
	if !strings.Contains(pr.stdout, "freed ") {
		t.Errorf("prune output:\n%v", pr)
	}
	if packs := packFiles(s.repo); len(packs) != 0 {
		t.Errorf("%d packs left in a repository without snapshots", len(packs))
	}
	s.mustRun("check")
}

// TestE2EForgetGroupsAndFilters: --group-by, --host and --keep-within.
func TestE2EForgetGroupsAndFilters(t *testing.T) {
	s := initSmallRepo(t)
	r := s.open()
	for d := 0; d < 5; d++ {
		backupAt(t, r, "a.sql", []byte(fmt.Sprintf("a%d", d)), dayTime(d), "db1")
		backupAt(t, r, "a.sql", []byte(fmt.Sprintf("b%d", d)), dayTime(d), "db2")
	}
	// Only db2's snapshots are considered.
	s.mustRun("forget", "--keep-last", "2", "--host", "db2")
	if got := len(pathsOf(s.snapshotsJSON("--host", "db1"), "a.sql")); got != 5 {
		t.Fatalf("db1 has %d snapshots, want 5", got)
	}
	if got := daysOf(s.snapshotsJSON("--host", "db2")); !slices.Equal(got, []int{3, 4}) {
		t.Fatalf("db2 days %v", got)
	}
	// One group for all: keep-within 2 days of the newest of all.
	out := s.mustRun("forget", "--keep-within", "2d", "--group-by", "", "--dry-run").stdout
	if !strings.HasPrefix(out, "all snapshots: 7 snapshots, keep 4, remove 3\n") {
		t.Fatalf("group-by '':\n%s", out)
	}
	if !strings.Contains(out, "within 2d") {
		t.Errorf("reason missing:\n%s", out)
	}
	type group struct {
		MessageType string `json:"message_type"`
		Host        string `json:"host"`
		Snapshots   []struct {
			Keep    bool     `json:"keep"`
			Reasons []string `json:"reasons"`
		} `json:"snapshots"`
	}
	groups := jsonLines[group](t, s.mustRun("--json", "forget", "--keep-last", "1", "--dry-run").stdout)
	if len(groups) != 3 || groups[2].MessageType != "summary" {
		t.Fatalf("forget --json: want two groups and a summary: %+v", groups)
	}
	groups = groups[:2]
	if groups[0].MessageType != "group" || len(groups[0].Snapshots)+len(groups[1].Snapshots) != 7 {
		t.Fatalf("forget --json: %+v", groups)
	}
}

// TestE2EPruneWhileBackup: prune takes the exclusive lock, so it fails
// while a backup runs (exit 11), or waits for it with --retry-lock;
// nothing the backup writes is lost. A backup likewise waits for a held
// exclusive lock.
func TestE2EPruneWhileBackup(t *testing.T) {
	s := initRepo(t)
	s.runStdin(strings.NewReader("old"), "backup", "--stdin", "--stdin-filename", "old.sql")
	s.mustRun("forget", "--keep-last", "1", "--host", "nobody") // nothing matches: no-op
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// The test feeds the backup's input, so the backup runs exactly as
	// long as the test needs.
	const size = 80 << 20
	fed := startFedBackup(ctx, t, s, 7, size, "big.sql")

	r := s.run("prune")
	wantCode(t, r, exitLocked)
	l := errLine(t, r)
	if !strings.Contains(l, "sqlvault: repository is locked: shared lock by PID "+fmt.Sprint(fed.cmd.Process.Pid)) || !strings.Contains(l, "--retry-lock") {
		t.Fatalf("prune during a backup: %q", l)
	}
	// With --retry-lock, prune waits for the backup and then runs.
	pr := s.command(ctx, "--retry-lock", "2m", "prune")
	var pout, perr bytes.Buffer
	pr.Stdout, pr.Stderr = &pout, &perr
	if err := pr.Start(); err != nil {
		t.Fatal(err)
	}
	pruneDone := make(chan error, 1)
	go func() { pruneDone <- pr.Wait() }()
	select {
	case err := <-pruneDone:
		t.Fatalf("prune with --retry-lock ended while the backup ran: %v\n%s", err, perr.String())
	case <-time.After(1500 * time.Millisecond):
	}
	fed.finish(t)
	if err := <-pruneDone; err != nil {
		t.Fatalf("prune after waiting: %v\n%s", err, perr.String())
	}
	if !strings.Contains(pout.String(), "freed ") {
		t.Errorf("prune output: %s", pout.String())
	}
	s.mustRun("check", "--read-data")
	want := sha256Stream(io.LimitReader(genReader(7), size))
	if got := sha256Stream(strings.NewReader(s.mustRun("dump", "latest", "big.sql").stdout)); got != want {
		t.Fatal("the backup that ran during prune does not dump byte-identical")
	}

	// An exclusive lock held elsewhere: a backup fails, or waits.
	rp := s.open()
	lock, err := rp.Lock(context.Background(), true, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	r = s.runStdin(strings.NewReader("x"), "backup", "--stdin")
	wantCode(t, r, exitLocked)
	if l := errLine(t, r); !strings.Contains(l, "exclusive lock by PID "+fmt.Sprint(os.Getpid())) {
		t.Fatalf("backup during prune: %q", l)
	}
	go func() { time.Sleep(700 * time.Millisecond); lock.Unlock(context.Background()) }()
	start := time.Now()
	r = s.runStdin(strings.NewReader("waited"), "--retry-lock", "30s", "backup", "--stdin", "--stdin-filename", "waited.sql")
	wantCode(t, r, exitOK)
	if time.Since(start) < 500*time.Millisecond {
		t.Errorf("the backup did not wait for the lock")
	}
	if got := s.mustRun("dump", "latest", "waited.sql").stdout; got != "waited" {
		t.Errorf("dump: %q", got)
	}
}

func sha256Stream(r io.Reader) [32]byte {
	h := sha256.New()
	io.Copy(h, r)
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// TestE2EPruneKilled kills prune with SIGKILL at every step of its work
// (SQLVAULT_TEST_PRUNE_KILL): each time the repository passes check, every
// kept snapshot dumps byte-identical, the dead prune's lock is ignored as
// stale, and the next prune finishes the job.
func TestE2EPruneKilled(t *testing.T) {
	tmpl := initSmallRepo(t)
	r := tmpl.open()
	const rows = 12000
	for d := 0; d < 12; d++ {
		backupAt(t, r, "sales.sql", scriptDay(rows, d), dayTime(d), "db1")
	}
	tmpl.mustRun("forget", "--keep-last", "3", "--keep-weekly", "2")
	kept := pathsOf(tmpl.snapshotsJSON(), "sales.sql")
	if got := daysOf(kept); !slices.Equal(got, []int{6, 9, 10, 11}) {
		t.Fatalf("kept days %v", got)
	}
	dry := tmpl.mustRun("--json", "prune", "--dry-run", "--repack-threshold", "20%")
	var plan struct {
		DeletePacks int `json:"delete_packs"`
		RepackPacks int `json:"repack_packs"`
	}
	if err := json.Unmarshal([]byte(dry.stdout), &plan); err != nil {
		t.Fatal(err)
	}
	if plan.DeletePacks < 2 || plan.RepackPacks < 2 {
		t.Fatalf("the fixture gives prune too little to do: %s", dry.stdout)
	}
	for _, step := range []string{"repack:1", "repack:2", "flush:1", "index:1", "remove-index:1", "remove-index:5", "remove-pack:1", "remove-pack:3"} {
		t.Run(step, func(t *testing.T) {
			s := newSV(t)
			copyTree(t, tmpl.repo, s.repo)
			w := *s
			w.env = append(w.env, "SQLVAULT_TEST_PRUNE_KILL="+step)
			res := w.run("prune", "--repack-threshold", "20%")
			if res.code != -1 {
				t.Fatalf("prune was not killed at %s\n%v", step, res)
			}
			// The dead prune's exclusive lock is stale: its PID is gone.
			chk := s.mustRun("check", "--read-data")
			if !strings.Contains(chk.stderr, "warning: ignoring stale exclusive lock by PID") {
				t.Errorf("no stale lock warning\n%v", chk)
			}
			for _, sn := range kept {
				day := int(sn.Time.Sub(dayTime(0)).Hours() / 24)
				if got := s.mustRun("dump", sn.ShortID, "sales.sql").stdout; got != string(scriptDay(rows, day)) {
					t.Fatalf("after a prune killed at %s, day %d does not dump byte-identical", step, day)
				}
			}
			s.mustRun("prune", "--repack-threshold", "20%")
			s.mustRun("check", "--read-data")
			var after struct {
				Unreferenced int `json:"unreferenced_packs"`
				DeletePacks  int `json:"delete_packs"`
			}
			if err := json.Unmarshal([]byte(s.mustRun("--json", "prune", "--dry-run", "--repack-threshold", "20%").stdout), &after); err != nil {
				t.Fatal(err)
			}
			if after.Unreferenced != 0 || after.DeletePacks != 0 {
				t.Errorf("after the second prune: %+v", after)
			}
			if ul := s.mustRun("unlock"); !strings.Contains(ul.stderr, "removed 1 locks") {
				t.Errorf("unlock after a killed prune:\n%v", ul)
			}
		})
	}
}

// copyTree copies a folder.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
}

// TestE2EStaleLocks: a lock left by a dead process on this host is
// ignored with a warning, and unlock removes it; a live lock stays.
func TestE2EStaleLocks(t *testing.T) {
	s := initRepo(t)
	r := s.open()
	host, _ := os.Hostname()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip(err)
	}
	body, _ := json.Marshal(repo.LockInfo{Time: time.Now().UTC(), Exclusive: true, Hostname: host, PID: dead.Process.Pid})
	if _, err := r.SaveFile(context.Background(), backend.Lock, body); err != nil {
		t.Fatal(err)
	}
	b := s.runStdin(strings.NewReader("x"), "backup", "--stdin")
	wantCode(t, b, exitOK)
	if !strings.Contains(b.stderr, fmt.Sprintf("warning: ignoring stale exclusive lock by PID %d on %s", dead.Process.Pid, host)) {
		t.Errorf("no warning about the stale lock\n%v", b)
	}
	live, err := r.Lock(context.Background(), false, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Unlock(context.Background())
	if u := s.mustRun("unlock"); !strings.Contains(u.stderr, "removed 1 locks") {
		t.Fatalf("unlock:\n%v", u)
	}
	if n := len(repoFiles(t, s.repo, "locks")); n != 1 {
		t.Fatalf("%d locks after unlock, want the live one", n)
	}
	// prune waits for the live shared lock, up to --retry-lock.
	start := time.Now()
	p := s.run("--retry-lock", "1s", "prune")
	wantCode(t, p, exitLocked)
	if time.Since(start) < time.Second {
		t.Errorf("prune gave up after %v, before --retry-lock 1s", time.Since(start))
	}
}
