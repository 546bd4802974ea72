package s3

// Tests against a real MinIO server (backend/s3/s3test).

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/backend/s3/s3test"
)

// testBackend returns a backend on a new prefix of bucket "test" of srv.
func testBackend(t *testing.T, srv *s3test.Server, mod func(*Config)) (*Backend, *countingTransport) {
	t.Helper()
	cfg, err := ParseURL(srv.URL("test", strings.NewReplacer("/", "-", " ", "_").Replace(t.Name())))
	if err != nil {
		t.Fatal(err)
	}
	ct := newCountingTransport()
	cfg.Transport = ct
	cfg.Creds = credentials.NewStaticV4(s3test.AccessKey, s3test.SecretKey, "")
	cfg.Retries = 3
	if mod != nil {
		mod(&cfg)
	}
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, ct
}

func randBytes(seed uint64, n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)})
	r.Read(b)
	return b
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func load(t *testing.T, b backend.Backend, h backend.Handle, off, n int64) []byte {
	t.Helper()
	rd, err := b.Load(context.Background(), h, off, n)
	if err != nil {
		t.Fatalf("load %v %d+%d: %v", h, off, n, err)
	}
	defer rd.Close()
	data, err := io.ReadAll(rd)
	if err != nil {
		t.Fatalf("read %v %d+%d: %v", h, off, n, err)
	}
	return data
}

func list(t *testing.T, b backend.Backend, ft backend.FileType) []string {
	t.Helper()
	var names []string
	if err := b.List(context.Background(), ft, func(fi backend.FileInfo) error {
		names = append(names, fmt.Sprintf("%s:%d", fi.Name, fi.Size))
		return nil
	}); err != nil {
		t.Fatalf("list %s: %v", ft, err)
	}
	sort.Strings(names)
	return names
}

// TestMinIO runs the backend's contract against one MinIO server.
func TestMinIO(t *testing.T) {
	srv := s3test.Start(t, s3test.Options{})
	srv.MakeBucket(t, "test")
	ctx := context.Background()

	t.Run("contract", func(t *testing.T) {
		b, _ := testBackend(t, srv, nil)
		cfgH := backend.Handle{Type: backend.Config}
		if _, err := b.Stat(ctx, cfgH); !errors.Is(err, backend.ErrNotExist) {
			t.Fatalf("stat of a missing config: %v, want ErrNotExist", err)
		}
		if _, err := b.Load(ctx, cfgH, 0, 0); !errors.Is(err, backend.ErrNotExist) {
			t.Fatalf("load of a missing config: %v, want ErrNotExist", err)
		}
		if err := b.Create(ctx); err != nil {
			t.Fatal(err)
		}
		if err := b.Save(ctx, cfgH, strings.NewReader("config one"), 10); err != nil {
			t.Fatal(err)
		}
		if err := b.Create(ctx); !errors.Is(err, backend.ErrExist) {
			t.Fatalf("Create over a repository: %v, want ErrExist", err)
		}
		// Config, keys and locks are never replaced (conditional PUT).
		for _, h := range []backend.Handle{cfgH, {Type: backend.Key, Name: "k1"}, {Type: backend.Lock, Name: "l1"}} {
			if h.Type != backend.Config {
				if err := b.Save(ctx, h, bytes.NewReader([]byte("first")), 5); err != nil {
					t.Fatal(err)
				}
			}
			err := b.Save(ctx, h, bytes.NewReader([]byte("second!")), 7)
			if !errors.Is(err, backend.ErrExist) {
				t.Fatalf("second save of %v: %v, want ErrExist", h, err)
			}
		}
		if got := string(load(t, b, cfgH, 0, 0)); got != "config one" {
			t.Fatalf("config was replaced: %q", got)
		}
		// Content-named files: saving again keeps the file.
		data := randBytes(1, 100_000)
		name := sum(data)
		for _, ft := range []backend.FileType{backend.Pack, backend.Index, backend.Snapshot} {
			h := backend.Handle{Type: ft, Name: name}
			for i := 0; i < 2; i++ {
				if err := b.Save(ctx, h, bytes.NewReader(data), int64(len(data))); err != nil {
					t.Fatalf("save %v (%d): %v", h, i, err)
				}
			}
			if fi, err := b.Stat(ctx, h); err != nil || fi.Size != int64(len(data)) {
				t.Fatalf("stat %v: %+v %v", h, fi, err)
			}
			// Ranges.
			for _, r := range [][2]int64{{0, 0}, {0, 1}, {1000, 5000}, {99_999, 1}, {50_000, 0}, {100_000, 0}} {
				want := data[r[0]:]
				if r[1] > 0 {
					want = data[r[0] : r[0]+r[1]]
				}
				if got := load(t, b, h, r[0], r[1]); !bytes.Equal(got, want) {
					t.Fatalf("load %v %d+%d: %d bytes that differ", h, r[0], r[1], len(got))
				}
			}
		}
		if _, err := b.client.StatObject(ctx, "test", b.cfg.Prefix+"/data/"+name[:2]+"/"+name, minio.StatObjectOptions{}); err != nil {
			t.Fatalf("pack not under data/<2 hex>/: %v", err)
		}
		// A saved bytes.Reader that was partly read is saved from where it stands.
		rd := bytes.NewReader([]byte("xxhello"))
		rd.Seek(2, io.SeekStart)
		if err := b.Save(ctx, backend.Handle{Type: backend.Key, Name: "k2"}, rd, 5); err != nil {
			t.Fatal(err)
		}
		if got := string(load(t, b, backend.Handle{Type: backend.Key, Name: "k2"}, 0, 0)); got != "hello" {
			t.Fatalf("partly read reader saved as %q", got)
		}
		// Listing by type.
		if got, want := list(t, b, backend.Key), []string{"k1:5", "k2:5"}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("list keys: %v, want %v", got, want)
		}
		if got, want := list(t, b, backend.Pack), []string{name + ":100000"}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("list packs: %v, want %v", got, want)
		}
		// Remove, also of a missing file.
		for i := 0; i < 2; i++ {
			if err := b.Remove(ctx, backend.Handle{Type: backend.Lock, Name: "l1"}); err != nil {
				t.Fatalf("remove (%d): %v", i, err)
			}
		}
		if got := list(t, b, backend.Lock); len(got) != 0 {
			t.Errorf("locks after remove: %v", got)
		}
		if _, err := b.Stat(ctx, backend.Handle{Type: backend.Lock, Name: "l1"}); !errors.Is(err, backend.ErrNotExist) {
			t.Errorf("stat of a removed lock: %v", err)
		}
		for _, bad := range []string{"", "../x", "a/b", ".hidden"} {
			if err := b.Save(ctx, backend.Handle{Type: backend.Key, Name: bad}, strings.NewReader("x"), 1); err == nil {
				t.Errorf("save of name %q succeeded", bad)
			}
		}
	})

	t.Run("multipart", func(t *testing.T) {
		b, ct := testBackend(t, srv, func(c *Config) { c.PartSize = minPartSize })
		data := randBytes(2, 3*minPartSize+12345)
		h := backend.Handle{Type: backend.Pack, Name: sum(data)}
		if err := b.Save(ctx, h, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
		if n := ct.count("POST"); n != 2 { // initiate, complete
			t.Errorf("%d POST requests, want 2 (a multipart upload)", n)
		}
		if got := load(t, b, h, 0, 0); !bytes.Equal(got, data) {
			t.Fatal("multipart object differs")
		}
		// A reader that is no io.ReaderAt is streamed part by part.
		h2 := backend.Handle{Type: backend.Snapshot, Name: "streamed"}
		if err := b.Save(ctx, h2, io.MultiReader(bytes.NewReader(data)), int64(len(data))); err != nil {
			t.Fatal(err)
		}
		if got := load(t, b, h2, 0, 0); !bytes.Equal(got, data) {
			t.Fatal("streamed object differs")
		}
		// A short reader fails and leaves no object and no upload.
		h3 := backend.Handle{Type: backend.Snapshot, Name: "short"}
		if err := b.Save(ctx, h3, io.MultiReader(bytes.NewReader(data[:2*minPartSize])), int64(len(data))); err == nil {
			t.Fatal("saving a short stream succeeded")
		}
		if _, err := b.Stat(ctx, h3); !errors.Is(err, backend.ErrNotExist) {
			t.Errorf("a failed upload left an object: %v", err)
		}
		if ups, err := b.IncompleteUploads(ctx); err != nil || len(ups) != 0 {
			t.Errorf("incomplete uploads after a failed save: %v %v", ups, err)
		}
	})

	t.Run("staged uploads in parallel", func(t *testing.T) {
		const conns = 3
		b, ct := testBackend(t, srv, func(c *Config) { c.Connections = conns; c.PartSize = minPartSize })
		var wg sync.WaitGroup
		want := map[string]int{}
		var mu sync.Mutex
		errs := make(chan error, 24)
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < 6; i++ {
					data := randBytes(uint64(100+w*10+i), 1<<20+w*i*700_000)
					st, err := b.Stage(ctx, backend.Pack)
					if err != nil {
						errs <- err
						return
					}
					for off := 0; off < len(data); off += 100_000 {
						st.Write(data[off:min(off+100_000, len(data))])
					}
					name := sum(data)
					if err := st.Commit(ctx, name); err != nil {
						errs <- err
						return
					}
					// Readable at once, from memory or from S3.
					if got := load(t, b, backend.Handle{Type: backend.Pack, Name: name}, 10, 1000); !bytes.Equal(got, data[10:1010]) {
						errs <- fmt.Errorf("pack %s read back wrong", name[:8])
					}
					mu.Lock()
					want[name] = len(data)
					mu.Unlock()
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		// The index save waits for every pack committed before it.
		if err := b.Save(ctx, backend.Handle{Type: backend.Index, Name: "idx"}, strings.NewReader("i"), 1); err != nil {
			t.Fatal(err)
		}
		got := list(t, b, backend.Pack)
		if len(got) != len(want) {
			t.Fatalf("%d packs listed after the index save, want %d", len(got), len(want))
		}
		for _, g := range got {
			name, size, _ := strings.Cut(g, ":")
			if fmt.Sprint(want[name]) != size {
				t.Errorf("pack %s: size %s, want %d", name[:8], size, want[name])
			}
		}
		if ct.maxInFlight > conns {
			t.Errorf("%d requests in flight at once, want at most %d", ct.maxInFlight, conns)
		}
		if ct.maxInFlight < 2 {
			t.Errorf("uploads did not run in parallel (at most %d request at once)", ct.maxInFlight)
		}
		t.Logf("%d requests, at most %d at once", ct.total(), ct.maxInFlight)
	})

	t.Run("aborted staged file", func(t *testing.T) {
		b, ct := testBackend(t, srv, nil)
		st, err := b.Stage(ctx, backend.Pack)
		if err != nil {
			t.Fatal(err)
		}
		st.Write([]byte("partial"))
		if err := st.Abort(); err != nil {
			t.Fatal(err)
		}
		if err := b.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if n := ct.count("PUT"); n != 0 {
			t.Errorf("an aborted file was uploaded (%d PUTs)", n)
		}
	})

	t.Run("resumed read", func(t *testing.T) {
		b, ct := testBackend(t, srv, nil)
		data := randBytes(3, 3<<20)
		h := backend.Handle{Type: backend.Pack, Name: sum(data)}
		if err := b.Save(ctx, h, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
		var broken int
		ct.mu.Lock()
		ct.breakBody = func(*http.Request) (int64, bool) {
			broken++
			return 1 << 20, broken <= 2 // the first two GETs break after 1 MiB
		}
		ct.mu.Unlock()
		var notes []string
		b.cfg.Notify = func(m string) { notes = append(notes, m) }
		if got := load(t, b, h, 100, 0); !bytes.Equal(got, data[100:]) {
			t.Fatal("resumed read differs")
		}
		if n := ct.count("GET"); n != 3 {
			t.Errorf("%d GETs, want 3", n)
		}
		if len(notes) != 2 || !strings.Contains(notes[0], "resuming at byte") {
			t.Errorf("notices: %q", notes)
		}
	})

	t.Run("wrong credentials", func(t *testing.T) {
		for _, creds := range []*credentials.Credentials{
			credentials.NewStaticV4("nobody", s3test.SecretKey, ""),
			credentials.NewStaticV4(s3test.AccessKey, "wrong-secret", ""),
		} {
			b, ct := testBackend(t, srv, func(c *Config) { c.Creds = creds; c.Retries = 10 })
			start := time.Now()
			_, err := b.Load(ctx, backend.Handle{Type: backend.Config}, 0, 0)
			if !errors.Is(err, ErrAccessDenied) || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
				t.Fatalf("load with wrong credentials: %v", err)
			}
			if strings.Contains(err.Error(), "wrong-secret") {
				t.Errorf("the error shows the secret: %v", err)
			}
			if n := ct.total(); n != 1 {
				t.Errorf("%d requests for a refused load, want 1 (no retries)", n)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("a refused load took %v", d)
			}
			t.Log(err)
		}
	})

	t.Run("missing bucket", func(t *testing.T) {
		b, ct := testBackend(t, srv, func(c *Config) { c.Bucket = "no-such-bucket" })
		_, err := b.Load(ctx, backend.Handle{Type: backend.Config}, 0, 0)
		if !errors.Is(err, backend.ErrNotExist) || !strings.Contains(err.Error(), `bucket "no-such-bucket"`) {
			t.Fatalf("load from a missing bucket: %v", err)
		}
		if n := ct.total(); n != 1 {
			t.Errorf("%d requests, want 1 (no retries)", n)
		}
		if err := b.List(ctx, backend.Key, func(backend.FileInfo) error { return nil }); !errors.Is(err, backend.ErrNotExist) {
			t.Errorf("list in a missing bucket: %v", err)
		}
		// Create makes the bucket.
		if err := b.Create(ctx); err != nil {
			t.Fatal(err)
		}
		if ok, err := srv.Client(t).BucketExists(ctx, "no-such-bucket"); !ok || err != nil {
			t.Fatalf("Create did not make the bucket: %v %v", ok, err)
		}
	})
}

// TestMinIOOutage stops and restarts the server under the backend.
func TestMinIOOutage(t *testing.T) {
	srv := s3test.Start(t, s3test.Options{})
	srv.MakeBucket(t, "test")
	ctx := context.Background()
	data := randBytes(5, 2<<20)

	t.Run("restart within the retry window", func(t *testing.T) {
		var mu sync.Mutex
		var notes []string
		b, _ := testBackend(t, srv, func(c *Config) {
			c.Retries = 8
			c.Notify = func(m string) { mu.Lock(); notes = append(notes, m); mu.Unlock() }
		})
		srv.Stop()
		restarted := make(chan error, 1)
		go func() {
			time.Sleep(1500 * time.Millisecond)
			restarted <- srv.Start()
		}()
		h := backend.Handle{Type: backend.Pack, Name: sum(data)}
		if err := b.Save(ctx, h, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatalf("save across a restart: %v", err)
		}
		if err := <-restarted; err != nil {
			t.Fatal(err)
		}
		if got := load(t, b, h, 0, 0); !bytes.Equal(got, data) {
			t.Fatal("object saved across a restart differs")
		}
		mu.Lock()
		defer mu.Unlock()
		if len(notes) == 0 || !strings.Contains(notes[0], "retrying in") {
			t.Errorf("no retry notices: %q", notes)
		}
		t.Logf("%d retries; first: %s", len(notes), notes[0])
	})

	t.Run("down for good", func(t *testing.T) {
		b, ct := testBackend(t, srv, func(c *Config) { c.Retries = 2 })
		srv.Kill()
		defer func() {
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
		}()
		start := time.Now()
		st, err := b.Stage(ctx, backend.Pack)
		if err != nil {
			t.Fatal(err)
		}
		st.Write(data)
		if err := st.Commit(ctx, sum(data)); err != nil {
			t.Fatalf("commit (only starts the upload): %v", err)
		}
		// A lock can still be tried while the upload is failing.
		lockErr := b.Save(ctx, backend.Handle{Type: backend.Lock, Name: "l"}, strings.NewReader("l"), 1)
		if lockErr == nil || !strings.Contains(lockErr.Error(), "gave up after 3 attempts") {
			t.Errorf("lock save with the server down: %v", lockErr)
		}
		err = b.Save(ctx, backend.Handle{Type: backend.Index, Name: "i"}, strings.NewReader("i"), 1)
		if err == nil || !strings.Contains(err.Error(), "gave up after 3 attempts") || !strings.Contains(err.Error(), "cannot reach S3") {
			t.Fatalf("index save after a failed pack upload: %v", err)
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("giving up took %v", d)
		}
		if n := ct.count("PUT") + ct.count("location"); n != 6 {
			t.Errorf("%d attempts, want 6 (3 for the pack, 3 for the lock)", n)
		}
		// The failure sticks: later commits fail at once.
		st, _ = b.Stage(ctx, backend.Pack)
		if st != nil {
			t.Error("Stage after a failed upload succeeded")
		}
		t.Log(err)
	})

	t.Run("hung server", func(t *testing.T) {
		var mu sync.Mutex
		var notes []string
		b, _ := testBackend(t, srv, func(c *Config) {
			c.Retries = 8
			c.IdleTimeout = 500 * time.Millisecond
			c.Notify = func(m string) { mu.Lock(); notes = append(notes, m); mu.Unlock() }
			tr, err := newTransport(*c)
			if err != nil {
				t.Fatal(err)
			}
			c.Transport = tr
		})
		h := backend.Handle{Type: backend.Pack, Name: sum(data)}
		if err := b.Save(ctx, h, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
		// The pack must be stored before the server hangs, or the load is
		// answered from the upload still in memory and never waits.
		if err := b.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		// Only what the load notices counts: a server restarted by an
		// earlier subtest may have made the save retry (503, not yet
		// initialized).
		mu.Lock()
		notes = nil
		mu.Unlock()
		srv.Pause()
		resumed := make(chan struct{})
		go func() {
			time.Sleep(2 * time.Second)
			srv.Resume()
			close(resumed)
		}()
		start := time.Now()
		got := load(t, b, h, 0, 0)
		<-resumed
		if !bytes.Equal(got, data) {
			t.Fatal("load from a server that hung differs")
		}
		mu.Lock()
		defer mu.Unlock()
		if len(notes) == 0 || !strings.Contains(notes[0], "timeout") {
			t.Errorf("no timeout noticed: %q", notes)
		}
		t.Logf("load took %v; %d retries; first: %v", time.Since(start).Round(time.Millisecond), len(notes), notes)
	})

	t.Run("interrupted upload leaves no parts", func(t *testing.T) {
		b, _ := testBackend(t, srv, func(c *Config) { c.PartSize = minPartSize })
		big := randBytes(6, 4*minPartSize)
		cctx, cancel := context.WithCancel(ctx)
		st, err := b.Stage(cctx, backend.Pack)
		if err != nil {
			t.Fatal(err)
		}
		st.Write(big)
		if err := st.Commit(cctx, sum(big)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Millisecond)
		cancel()
		b.Close()
		if ups, err := b.IncompleteUploads(ctx); err != nil || len(ups) != 0 {
			t.Errorf("incomplete uploads after an interrupted upload: %v %v", ups, err)
		}
	})
}

// TestMinIOTLS checks the custom CA and insecure-TLS options against a
// MinIO that serves HTTPS with its own CA.
func TestMinIOTLS(t *testing.T) {
	srv := s3test.Start(t, s3test.Options{TLS: true})
	srv.MakeBucket(t, "test")
	ctx := context.Background()
	mk := func(mod func(*Config)) (*Backend, *countingTransport) {
		cfg, err := ParseURL(srv.URL("test", "tls"))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Creds = credentials.NewStaticV4(s3test.AccessKey, s3test.SecretKey, "")
		cfg.Retries = 5
		mod(&cfg)
		tr, err := newTransport(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ct := newCountingTransport()
		ct.base = tr
		cfg.Transport = ct
		b, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return b, ct
	}
	b, ct := mk(func(*Config) {})
	err := b.Create(ctx)
	if err == nil || !strings.Contains(err.Error(), "--s3-ca-cert") {
		t.Fatalf("untrusted certificate: %v", err)
	}
	if n := ct.total(); n != 1 {
		t.Errorf("%d requests with an untrusted certificate, want 1 (no retries)", n)
	}
	t.Log(err)
	for _, mod := range []func(*Config){
		func(c *Config) { c.CACertFile = srv.CACert },
		func(c *Config) { c.InsecureTLS = true },
	} {
		b, _ := mk(mod)
		h := backend.Handle{Type: backend.Key, Name: fmt.Sprintf("k%d", rand.Int())}
		if err := b.Save(ctx, h, strings.NewReader("over tls"), 8); err != nil {
			t.Fatal(err)
		}
		if got := string(load(t, b, h, 0, 0)); got != "over tls" {
			t.Fatalf("read back %q", got)
		}
	}
	// Plain HTTP to a TLS server: a clear message, no retries.
	b, ct = mk(func(c *Config) { c.Insecure = true })
	_, err = b.Stat(ctx, backend.Handle{Type: backend.Config})
	if err == nil || !strings.Contains(err.Error(), "use an s3:https://") {
		t.Fatalf("plain HTTP to an HTTPS server: %v", err)
	}
	if n := ct.total(); n != 1 {
		t.Errorf("%d requests of plain HTTP to an HTTPS server, want 1", n)
	}
}
