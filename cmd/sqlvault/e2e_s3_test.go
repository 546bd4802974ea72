package main_test

// The end-to-end suite against S3: TestE2ES3 runs the tests of
// e2e_test.go and e2e_delta_test.go again with their repositories in a
// real MinIO (backend/s3/s3test), and the tests below add S3's own faults:
// refused credentials, a missing bucket, a server that stops or restarts
// during a backup, TLS with a private CA, and the S3 options.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/backend/local"

	"github.com/sqlvault/sqlvault/backend/s3"
	"github.com/sqlvault/sqlvault/backend/s3/s3test"
)

// s3Targets maps the names of tests that run against S3 to their server.
var (
	s3Targets sync.Map // test name → *s3test.Server
	s3Servers sync.Map // endpoint → *s3test.Server
	s3Seq     atomic.Int64
)

// useS3 makes newSV in t (and its subtests) put repositories on srv.
func useS3(t *testing.T, srv *s3test.Server) {
	s3Targets.Store(t.Name(), srv)
	s3Servers.Store(srv.Endpoint, srv)
	t.Cleanup(func() { s3Targets.Delete(t.Name()) })
}

// s3RepoFor returns a new, empty repository location on S3 and the
// environment to reach it when t runs against S3, or "" when it does not.
func s3RepoFor(t *testing.T) (string, []string) {
	var srv *s3test.Server
	s3Targets.Range(func(k, v any) bool {
		if name := k.(string); t.Name() == name || strings.HasPrefix(t.Name(), name+"/") {
			srv = v.(*s3test.Server)
			return false
		}
		return true
	})
	if srv == nil {
		return "", nil
	}
	prefix := fmt.Sprintf("%s-%d", regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "_"), s3Seq.Add(1))
	env := append(srv.Env(), "XDG_CACHE_HOME="+t.TempDir())
	return srv.URL("e2e", prefix), env
}

func isS3(repo string) bool { return strings.HasPrefix(repo, "s3:") }

// s3Object returns a client for the server of an s3: location, and the
// bucket and key (or prefix) that the location names.
func s3Object(location string) (*minio.Client, string, string, error) {
	cfg, err := s3.ParseURL(location)
	if err != nil {
		return nil, "", "", err
	}
	v, ok := s3Servers.Load(cfg.Endpoint)
	if !ok {
		return nil, "", "", fmt.Errorf("no test server at %s", cfg.Endpoint)
	}
	c, err := v.(*s3test.Server).NewClient()
	return c, cfg.Bucket, cfg.Prefix, err
}

// s3List returns the objects below a location.
func s3List(location string) ([]minio.ObjectInfo, error) {
	c, bucket, prefix, err := s3Object(location)
	if err != nil {
		return nil, err
	}
	var out []minio.ObjectInfo
	for o := range c.ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Prefix: prefix + "/", Recursive: true}) {
		if o.Err != nil {
			return nil, o.Err
		}
		out = append(out, o)
	}
	return out, nil
}

func s3Size(t *testing.T, repo string) int64 {
	t.Helper()
	objs, err := s3List(repo)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, o := range objs {
		n += o.Size
	}
	return n
}

func s3PackFiles(repo string) []string {
	_, _, prefix, err := s3Object(repo)
	if err != nil {
		return nil
	}
	objs, _ := s3List(repo + "/data")
	var out []string
	for _, o := range objs {
		out = append(out, repo+"/"+strings.TrimPrefix(o.Key, prefix+"/"))
	}
	return out
}

func s3IncompleteUploads(t *testing.T, repo string) []string {
	t.Helper()
	c, bucket, prefix, err := s3Object(repo)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	// MinIO lists uploads only for an empty prefix or a whole object name.
	for u := range c.ListIncompleteUploads(context.Background(), bucket, "", true) {
		if u.Err != nil {
			t.Fatal(u.Err)
		}
		if strings.HasPrefix(u.Key, prefix+"/") {
			out = append(out, u.Key)
		}
	}
	return out
}

// repoFiles lists the names of the files in one folder of a repository.
func repoFiles(t *testing.T, repo, dir string) []string {
	t.Helper()
	var names []string
	if isS3(repo) {
		objs, err := s3List(repo + "/" + dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			names = append(names, path.Base(o.Key))
		}
		return names
	}
	entries, _ := os.ReadDir(filepath.Join(repo, dir))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// readRepoFile reads a file of a repository (a path or an s3: location).
func readRepoFile(t *testing.T, file string) []byte {
	t.Helper()
	if !isS3(file) {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	c, bucket, key, err := s3Object(file)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := c.GetObject(context.Background(), bucket, key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	b, err := io.ReadAll(obj)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeRepoFile replaces a file of a repository.
func writeRepoFile(t *testing.T, file string, data []byte) {
	t.Helper()
	if !isS3(file) {
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return
	}
	c, bucket, key, err := s3Object(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(context.Background(), bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
}

// repoBackend opens the backend of a repository location (a path or an
// s3: location of a test server), for tests that use the Go API.
func repoBackend(t *testing.T, location string) backend.Backend {
	t.Helper()
	if !isS3(location) {
		return local.New(location)
	}
	cfg, err := s3.ParseURL(location)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Creds = credentials.NewStaticV4(s3test.AccessKey, s3test.SecretKey, "")
	be, err := s3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { be.Close() })
	return be
}

// startS3 starts a MinIO with the bucket "e2e".
func startS3(t *testing.T, opts s3test.Options) *s3test.Server {
	t.Helper()
	srv := s3test.Start(t, opts)
	srv.MakeBucket(t, "e2e")
	s3Servers.Store(srv.Endpoint, srv)
	return srv
}

// TestE2ES3 runs the command suite against a repository on S3: the same
// tests, with newSV handing out s3: locations.
func TestE2ES3(t *testing.T) {
	srv := startS3(t, s3test.Options{})
	for _, tc := range []struct {
		name string
		fn   func(*testing.T)
	}{
		{"DirectoryRoundTrip", TestE2EDirectoryRoundTrip},
		{"UnchangedSecondBackup", TestE2EUnchangedSecondBackup},
		{"Stdin", TestE2EStdin},
		{"StdinFromCommand", TestE2EStdinFromCommand},
		{"RepositoryErrors", TestE2ERepositoryErrors},
		{"SnapshotSelection", TestE2ESnapshotSelection},
		{"DamagedPack", TestE2EDamagedPack},
		{"KilledBackup", TestE2EKilledBackup},
		{"InterruptedBackup", TestE2EInterruptedBackup},
		{"Arguments", TestE2EArguments},
		{"BackupMissingPath", TestE2EBackupMissingPath},
		{"DeltaBackups", TestE2EDeltaBackups},
		{"ExportZip", TestE2EExportZip},
		{"Keys", TestE2EKeys},
		{"ForgetPrune40Days", TestE2EForgetPrune40Days},
		{"ForgetRefusals", TestE2EForgetRefusals},
		{"ForgetGroupsAndFilters", TestE2EForgetGroupsAndFilters},
		{"PruneWhileBackup", TestE2EPruneWhileBackup},
		{"StaleLocks", TestE2EStaleLocks},
		{"PointInTime", TestE2EPointInTime},
		{"SnapshotsFilters", TestE2ESnapshotsFilters},
		{"Diff", TestE2EDiff},
		{"Stats", TestE2EStats},
		{"CheckReadDataSubset", TestE2ECheckReadDataSubset},
		{"RestoreDamagedBlob", TestE2ERestoreDamagedBlob},
		{"DamagedSnapshotFile", TestE2EDamagedSnapshotFile},
		{"DamagedParent", TestE2EDamagedParent},
		{"DamagedKeyFile", TestE2EDamagedKeyFile},
		{"DamagedLockFile", TestE2EDamagedLockFile},
		{"NoLockWritesNoLock", TestE2ENoLockWritesNoLock},
		{"LockRemovedWhileRunning", TestE2ELockRemovedWhileRunning},
		{"LockLostWhileStopped", TestE2ELockLostWhileStopped},
		{"PruneRemovesTempFiles", TestE2EPruneRemovesTempFiles},
		{"NonUTF8Names", TestE2ENonUTF8Names},
		{"DamagedIndex", TestE2EDamagedIndex},
		{"RepairSnapshots", TestE2ERepairSnapshots},
		{"DamagedKeyframe", TestE2EDamagedKeyframe},
		{"FaultMatrix", TestE2EFaultMatrix},
	} {
		t.Run(tc.name, func(t *testing.T) {
			useS3(t, srv)
			tc.fn(t)
		})
	}
}

// s3SV returns a runner for a new repository on srv.
func s3SV(t *testing.T, srv *s3test.Server) *sv {
	t.Helper()
	useS3(t, srv)
	s := newSV(t)
	if !isS3(s.repo) {
		t.Fatal("newSV did not give an S3 repository")
	}
	return s
}

func s3InitRepo(t *testing.T, srv *s3test.Server) *sv {
	t.Helper()
	s := s3SV(t, srv)
	s.mustRun("init", "--kdf-memory", "8", "--kdf-time", "1")
	return s
}

// withEnv returns a copy of s whose backend environment has kv added
// (later values win).
func (s *sv) withEnv(t *testing.T, kv ...string) *sv {
	w := *s
	w.t = t
	w.backendEnv = append(append([]string(nil), s.backendEnv...), kv...)
	return &w
}

func TestE2ES3Credentials(t *testing.T) {
	srv := startS3(t, s3test.Options{})
	s := s3InitRepo(t, srv)
	s.runStdin(strings.NewReader("data"), "backup", "--stdin")

	for _, tc := range []struct{ name, env string }{
		{"wrong secret", "AWS_SECRET_ACCESS_KEY=not-the-secret"},
		{"unknown key", "AWS_ACCESS_KEY_ID=AKIDONTKNOWYOU"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := s.withEnv(t, tc.env)
			for _, args := range [][]string{{"snapshots"}, {"backup", "--stdin"}, {"init"}} {
				start := time.Now()
				r := w.runStdin(strings.NewReader("x"), args...)
				wantCode(t, r, exitFailure)
				l := errLine(t, r)
				if !strings.Contains(l, "refused the credentials") || !strings.Contains(l, "AWS_ACCESS_KEY_ID") || !strings.Contains(l, srv.Endpoint) {
					t.Errorf("%s: message does not say the credentials were refused and what to check: %q", args[0], l)
				}
				if strings.Contains(r.stderr, "retrying") || strings.Contains(r.stderr, "not-the-secret") {
					t.Errorf("%s: retries or shows the secret:\n%v", args[0], r)
				}
				if d := time.Since(start); d > 5*time.Second {
					t.Errorf("%s: a refused request took %v", args[0], d)
				}
			}
		})
	}
	// Credentials from the shared credentials file and a profile.
	t.Run("shared credentials file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "credentials")
		writeFile(t, file, []byte(fmt.Sprintf("[default]\naws_access_key_id = wrong\naws_secret_access_key = wrong\n\n[backup]\naws_access_key_id = %s\naws_secret_access_key = %s\n", s3test.AccessKey, s3test.SecretKey)))
		w := s.withEnv(t, "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SHARED_CREDENTIALS_FILE="+file)
		if r := w.run("snapshots"); r.code != exitFailure || !strings.Contains(errLine(t, r), "refused the credentials") {
			t.Errorf("default profile with wrong keys:\n%v", r)
		}
		if r := w.mustRun("--s3-profile", "backup", "snapshots"); !strings.Contains(r.stdout, "1 snapshots") {
			t.Errorf("--s3-profile backup:\n%v", r)
		}
		w = w.withEnv(t, "AWS_PROFILE=backup")
		if r := w.mustRun("snapshots"); !strings.Contains(r.stdout, "1 snapshots") {
			t.Errorf("AWS_PROFILE=backup:\n%v", r)
		}
	})
}

func TestE2ES3MissingBucket(t *testing.T) {
	srv := startS3(t, s3test.Options{})
	s := s3SV(t, srv)
	s.repo = srv.URL("not-there-yet", "repo")
	onlyErr(t, s.run("snapshots"), exitNoRepo,
		"sqlvault: no repository found at "+s.repo+": check -r/--repo or SQLVAULT_REPOSITORY, or run 'sqlvault init'")
	onlyErr(t, s.runStdin(strings.NewReader("x"), "backup", "--stdin"), exitNoRepo,
		"sqlvault: no repository found at "+s.repo+": check -r/--repo or SQLVAULT_REPOSITORY, or run 'sqlvault init'")
	// init creates the bucket.
	r := s.mustRun("init", "--kdf-memory", "8", "--kdf-time", "1")
	if !strings.Contains(r.stderr, "created repository") || !strings.Contains(r.stderr, s.repo) {
		t.Errorf("init:\n%v", r)
	}
	s.runStdin(strings.NewReader("hello"), "backup", "--stdin", "--stdin-filename", "h.txt")
	if got := s.mustRun("dump", "latest", "h.txt").stdout; got != "hello" {
		t.Errorf("dump: %q", got)
	}
	// A second repository in the same bucket, under another prefix.
	w := *s
	w.repo = srv.URL("not-there-yet", "other/deeper")
	w.mustRun("init", "--kdf-memory", "8", "--kdf-time", "1")
	if sns := w.snapshots(); len(sns) != 0 {
		t.Errorf("new repository has snapshots: %+v", sns)
	}
	if sns := s.snapshots(); len(sns) != 1 {
		t.Errorf("first repository: %+v", sns)
	}
	onlyErr(t, s.run("init", "--kdf-memory", "8", "--kdf-time", "1"), exitFailure,
		"sqlvault: a repository already exists at "+s.repo+": use it, or choose another location")
	// A bucket name S3 does not allow.
	w.repo = srv.URL("No_Such", "x")
	r = w.run("init", "--kdf-memory", "8", "--kdf-time", "1")
	wantCode(t, r, exitFailure)
	if l := errLine(t, r); !strings.Contains(l, "No_Such") {
		t.Errorf("bad bucket name: %q", l)
	}
}

func TestE2ES3Locations(t *testing.T) {
	srv := startS3(t, s3test.Options{})
	s := s3SV(t, srv)
	for _, tc := range []struct{ repo, want string }{
		{"s3:http://AKIA:topsecret@" + srv.Endpoint + "/e2e/x", "sqlvault: S3 location: do not put credentials in the URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead"},
		{"s3:http://" + srv.Endpoint, `sqlvault: S3 location "s3:http://` + srv.Endpoint + `" names no bucket: use s3:https://host/bucket/prefix or s3:s3.amazonaws.com/bucket/prefix`},
	} {
		w := *s
		w.repo = tc.repo
		onlyErr(t, w.run("snapshots"), exitUsage, tc.want)
	}
	onlyErr(t, s.run("--s3-connections", "0", "snapshots"), exitUsage, "sqlvault: --s3-connections must be between 1 and 64")
	onlyErr(t, s.run("--s3-bucket-lookup", "sideways", "snapshots"), exitUsage, `sqlvault: S3 bucket lookup "sideways": use auto, path or dns`)
}

// TestE2ES3Options: storage class, path-style addressing and the number of
// connections reach S3; every object of a backup gets the storage class.
func TestE2ES3Options(t *testing.T) {
	srv := startS3(t, s3test.Options{})
	s := s3SV(t, srv)
	w := s.withEnv(t, "SQLVAULT_S3_STORAGE_CLASS=REDUCED_REDUNDANCY", "SQLVAULT_S3_CONNECTIONS=2")
	w.mustRun("--s3-bucket-lookup", "path", "init", "--kdf-memory", "8", "--kdf-time", "1")
	data := genBytes(11, 40<<20)
	r := w.runStdin(bytes.NewReader(data), "--s3-bucket-lookup", "path", "backup", "--stdin", "--stdin-filename", "d.bin")
	wantCode(t, r, exitOK)
	objs, err := s3List(s.repo)
	if err != nil {
		t.Fatal(err)
	}
	packs := 0
	for _, o := range objs {
		if o.StorageClass != "REDUCED_REDUNDANCY" {
			t.Errorf("%s: storage class %q", o.Key, o.StorageClass)
		}
		if strings.Contains(o.Key, "/data/") {
			packs++
		}
	}
	if packs < 2 {
		t.Errorf("%d packs for 40 MiB", packs)
	}
	if got := s.mustRun("dump", "latest", "d.bin").stdout; got != string(data) {
		t.Error("dump differs")
	}
	// A storage class the service does not know: S3's answer, once.
	r = s.runStdin(strings.NewReader("x"), "--s3-storage-class", "NO_SUCH_CLASS", "backup", "--stdin")
	wantCode(t, r, exitFailure)
	if l := errLine(t, r); !strings.Contains(l, "InvalidStorageClass") || strings.Contains(r.stderr, "retrying") {
		t.Errorf("unknown storage class:\n%v", r)
	}
}

// startS3Backup starts a backup of a 300 MB stream into an S3 repository
// and waits until its first pack is stored.
func (s *sv) startS3Backup(ctx context.Context, args ...string) (*bytesCmd, chan struct{}) {
	s.t.Helper()
	before := len(packFiles(s.repo))
	cmd := s.command(ctx, append(args, "backup", "--stdin", "--stdin-filename", "big.sql")...)
	cmd.Stdin = io.LimitReader(genReader(42), 300<<20)
	bc := &bytesCmd{}
	cmd.Stdout, cmd.Stderr = &bc.stdout, &bc.stderr
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	bc.args = cmd.Args[1:]
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		bc.code = cmd.ProcessState.ExitCode()
		close(exited)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for len(packFiles(s.repo)) <= before {
		select {
		case <-exited:
			s.t.Fatalf("backup ended before it stored a pack\n%v", bc.result())
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatal("no new pack after 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return bc, exited
}

type bytesCmd struct {
	args           []string
	stdout, stderr bytes.Buffer
	code           int
}

func (b *bytesCmd) result() result {
	return result{args: b.args, code: b.code, stdout: b.stdout.String(), stderr: b.stderr.String()}
}

// TestE2ES3ServerStopped: MinIO dies in the middle of a backup. The backup
// fails after its bounded retries with one clear line and no snapshot; once
// MinIO is back the repository passes check and the next backup works.
func TestE2ES3ServerStopped(t *testing.T) {
	srv := startS3(t, s3test.Options{})
	s := s3InitRepo(t, srv)
	s.runStdin(strings.NewReader("before"), "backup", "--stdin", "--stdin-filename", "first.txt")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	bc, exited := s.startS3Backup(ctx, "--s3-retries", "3")
	srv.Kill()
	killed := time.Now()
	<-exited
	r := bc.result()
	noPanic(t, r)
	wantCode(t, r, exitFailure)
	l := errLine(t, r)
	if !strings.Contains(l, "cannot reach S3 at "+srv.Endpoint) || !strings.Contains(l, "gave up after 4 attempts") {
		t.Errorf("message does not say S3 could not be reached after retries: %q", l)
	}
	if !strings.Contains(r.stderr, "warning: S3: ") || !strings.Contains(r.stderr, "retrying in") {
		t.Errorf("no retry warnings:\n%v", r)
	}
	if d := time.Since(killed); d > 60*time.Second {
		t.Errorf("the backup took %v to give up", d)
	}
	t.Logf("backup ran %v, gave up %v after MinIO was killed: %s", killed.Sub(start).Round(time.Millisecond), time.Since(killed).Round(time.Millisecond), l)

	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	if sns := s.snapshots(); len(sns) != 1 || sns[0].Paths[0] != "first.txt" {
		t.Fatalf("snapshots after the failed backup: %+v", sns)
	}
	s.mustRun("check", "--read-data")
	want := genBytes(42, 30<<20)
	r = s.runStdin(bytes.NewReader(want), "backup", "--stdin", "--stdin-filename", "big.sql")
	wantCode(t, r, exitOK)
	if got := s.mustRun("dump", "latest", "big.sql").stdout; got != string(want) {
		t.Errorf("dump after the failed backup: %d bytes that differ from the %d backed up", len(got), len(want))
	}
	s.mustRun("check", "--read-data")
}

// TestE2ES3ServerRestarted: MinIO restarts during a backup, within the
// retry window. The backup succeeds and restores byte for byte.
func TestE2ES3ServerRestarted(t *testing.T) {
	srv := startS3(t, s3test.Options{})
	s := s3InitRepo(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bc, exited := s.startS3Backup(ctx)
	srv.Stop()
	time.Sleep(time.Second)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	<-exited
	r := bc.result()
	noPanic(t, r)
	wantCode(t, r, exitOK)
	if !strings.Contains(r.stderr, "retrying in") {
		t.Errorf("no retries reported: the restart was not noticed\n%v", r)
	}
	sns := s.snapshots()
	if len(sns) != 1 {
		t.Fatalf("snapshots: %+v", sns)
	}
	cmd := s.command(ctx, "dump", "latest", "big.sql")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if !sameStream(out, io.LimitReader(genReader(42), 300<<20)) {
		t.Error("the dump differs from the stream backed up")
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("dump: %v", err)
	}
	s.mustRun("check")
}

// sameStream compares two streams without holding either.
func sameStream(a, b io.Reader) bool {
	ba, bb := make([]byte, 1<<20), make([]byte, 1<<20)
	for {
		na, ea := io.ReadFull(a, ba)
		nb, eb := io.ReadFull(b, bb)
		if na != nb || !bytes.Equal(ba[:na], bb[:nb]) {
			return false
		}
		if ea != nil || eb != nil {
			return (ea == io.EOF || ea == io.ErrUnexpectedEOF) && (eb == io.EOF || eb == io.ErrUnexpectedEOF)
		}
	}
}

// TestE2ES3TLS: a MinIO with a certificate from a private CA is refused
// with a message that names the options, and works with either.
func TestE2ES3TLS(t *testing.T) {
	srv := startS3(t, s3test.Options{TLS: true})
	s := s3SV(t, srv)
	r := s.run("init", "--kdf-memory", "8", "--kdf-time", "1")
	wantCode(t, r, exitFailure)
	if l := errLine(t, r); !strings.Contains(l, "not trusted") || !strings.Contains(l, "--s3-ca-cert") {
		t.Errorf("untrusted certificate: %q", l)
	}
	if strings.Contains(r.stderr, "retrying") {
		t.Errorf("an untrusted certificate is retried:\n%v", r)
	}
	s.mustRun("--s3-ca-cert", srv.CACert, "init", "--kdf-memory", "8", "--kdf-time", "1")
	s.runStdin(strings.NewReader("secret data"), "--s3-ca-cert", srv.CACert, "backup", "--stdin", "--stdin-filename", "s.txt")
	w := s.withEnv(t, "SQLVAULT_S3_INSECURE_TLS=true")
	if got := w.mustRun("dump", "latest", "s.txt").stdout; got != "secret data" {
		t.Errorf("dump with --s3-insecure-tls: %q", got)
	}
	w = s.withEnv(t, "SQLVAULT_S3_CA_CERT="+srv.CACert)
	w.mustRun("check", "--read-data")
}
