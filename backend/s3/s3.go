// Package s3 stores a repository in a bucket of Amazon S3 or of any
// S3-compatible store (MinIO, Ceph, Wasabi, Backblaze B2's S3 API).
//
// Every repository file is one object under the repository's prefix:
// config, keys/<id>, data/<2 hex>/<id>, index/<id>, snapshots/<id> and
// locks/<id>. A PUT is atomic, so a reader sees a whole object or none.
//
// Packs are staged in memory (one buffer per pack being written) and handed
// to a bounded pool of uploads when they are committed, so that the backup
// goes on while packs travel. Objects larger than a part are sent as
// multipart uploads whose parts are slices of that one buffer: no pack is
// held twice. Index and snapshot files are only written after every pack
// committed before them is stored, so the repository never names a pack
// that is not there.
//
// Requests that fail for reasons that can get better (5xx, 408, 429,
// timeouts, refused or reset connections) are retried with exponential
// backoff; errors that cannot (403, 404, 412, bad certificates) are not.
package s3

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/sqlvault/sqlvault/backend"
)

// Defaults of the options.
const (
	DefaultConnections = 4
	DefaultRetries     = 10
	DefaultPartSize    = 8 << 20
	defaultIdleTimeout = 90 * time.Second
	minPartSize        = 5 << 20 // S3's smallest part (except the last)
	firstRetryDelay    = 500 * time.Millisecond
	maxRetryDelay      = 16 * time.Second
)

// Config describes an S3 repository and how to reach it.
type Config struct {
	// Endpoint is the host and optional port of the S3 service.
	Endpoint string
	// Insecure selects plain HTTP instead of HTTPS.
	Insecure bool
	// Bucket is the bucket that holds the repository.
	Bucket string
	// Prefix is the folder inside the bucket (no leading or trailing
	// slash); empty for the bucket's root.
	Prefix string

	// Region is the bucket's region; empty lets the client find it.
	Region string
	// BucketLookup is "auto", "path" (https://host/bucket/key) or "dns"
	// (https://bucket.host/key, virtual-host style); empty means auto.
	BucketLookup string
	// CACertFile names a PEM file of certificate authorities to trust in
	// addition to the system's.
	CACertFile string
	// InsecureTLS skips verifying the server's certificate.
	InsecureTLS bool
	// StorageClass is set on every object written (e.g. STANDARD_IA).
	StorageClass string
	// Profile selects a profile of the shared credentials file; empty uses
	// AWS_PROFILE or "default".
	Profile string

	// Connections bounds the requests in flight and the packs being
	// uploaded at once (so memory: about Connections+2 packs).
	Connections int
	// Retries is how often a request that failed for a transient reason is
	// tried again, waiting 0.5 s, 1 s, 2 s, … (at most 16 s) in between.
	// Negative means never.
	Retries int
	// PartSize is the size of the parts of multipart uploads; objects up to
	// this size are sent with one PUT.
	PartSize int
	// IdleTimeout ends a request whose connection moved no byte for this
	// long (a server that hangs), so that it is retried; 0 means 90 s.
	IdleTimeout time.Duration

	// Notify, if set, is told about retries (one line each).
	Notify func(msg string)

	// Creds overrides the credential chain (environment, shared file, IAM).
	Creds *credentials.Credentials
	// Transport overrides the HTTP transport (tests).
	Transport http.RoundTripper

	// location is the repository URL as given, for messages.
	location string
}

// ParseURL reads a repository location of one of these forms:
//
//	s3:https://host[:port]/bucket[/prefix]   HTTPS (any S3-compatible service)
//	s3:http://host[:port]/bucket[/prefix]    plain HTTP (a local MinIO)
//	s3:host[:port]/bucket[/prefix]           HTTPS, e.g. s3:s3.amazonaws.com/bucket/prefix
//	s3://bucket[/prefix]                     Amazon S3 (s3.amazonaws.com)
//
// Credentials in the URL are refused: they would show in process lists and
// messages.
func ParseURL(s string) (Config, error) {
	rest, ok := strings.CutPrefix(s, "s3:")
	if !ok {
		return Config{}, fmt.Errorf("%q is not an S3 location (it must start with s3:)", s)
	}
	cfg := Config{location: strings.TrimRight(s, "/")}
	var hostPath string
	switch {
	case strings.HasPrefix(rest, "//"):
		cfg.Endpoint = "s3.amazonaws.com"
		hostPath = "s3.amazonaws.com/" + strings.TrimPrefix(rest, "//")
	case strings.HasPrefix(rest, "http://"), strings.HasPrefix(rest, "https://"):
		u, err := url.Parse(rest)
		if err != nil {
			return Config{}, fmt.Errorf("S3 location %q: %w", s, err)
		}
		if u.User != nil {
			return Config{}, fmt.Errorf("S3 location: do not put credentials in the URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead")
		}
		if u.RawQuery != "" || u.Fragment != "" {
			return Config{}, fmt.Errorf("S3 location %q: a query or fragment is not allowed", s)
		}
		cfg.Insecure = u.Scheme == "http"
		hostPath = u.Host + u.Path
	default:
		hostPath = rest
	}
	if strings.Contains(hostPath, "@") {
		return Config{}, fmt.Errorf("S3 location: do not put credentials in the URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead")
	}
	host, p, _ := strings.Cut(hostPath, "/")
	p = strings.Trim(p, "/")
	bucket, prefix, _ := strings.Cut(p, "/")
	if host == "" || bucket == "" {
		return Config{}, fmt.Errorf("S3 location %q names no bucket: use s3:https://host/bucket/prefix or s3:s3.amazonaws.com/bucket/prefix", s)
	}
	if strings.ContainsAny(host, " \\?#") {
		return Config{}, fmt.Errorf("S3 location %q: %q is not a host name", s, host)
	}
	if prefix != "" && (strings.Contains(prefix, "//") || path.Clean(prefix) != prefix || strings.HasPrefix(prefix, "../") || prefix == "..") {
		return Config{}, fmt.Errorf("S3 location %q: the prefix %q is not a clean path", s, prefix)
	}
	cfg.Endpoint, cfg.Bucket, cfg.Prefix = host, bucket, prefix
	return cfg, nil
}

// Backend is a backend.Backend on an S3 bucket. It is safe for concurrent
// use.
type Backend struct {
	cfg    Config
	client *minio.Client
	core   minio.Core

	// ctx is the context of background uploads: the context of a Commit
	// may end as soon as it returns. Close cancels it.
	ctx    context.Context
	cancel context.CancelFunc

	reqs  chan struct{} // one per request in flight
	packs chan struct{} // one per staged file being uploaded
	bufs  chan []byte   // free pack buffers

	mu      sync.Mutex
	seq     uint64             // numbers the pack uploads
	flying  map[uint64]*flight // pack uploads not finished yet
	byKey   map[string]*flight // the same, by object key
	waiters []*waiter          // Flush calls waiting for uploads
	upErr   error              // the first failed upload: later commits and index saves fail too
	closed  bool
}

var (
	_ backend.Backend = (*Backend)(nil)
	_ backend.Stager  = (*Backend)(nil)
)

// flight is a staged file being uploaded.
type flight struct {
	seq  uint64
	data []byte
}

// waiter is a Flush waiting for uploads.
type waiter struct {
	upTo uint64 // wait until no upload numbered below upTo is flying
	done chan struct{}
}

// New returns the backend for cfg. It does not contact the server.
func New(cfg Config) (*Backend, error) {
	if cfg.Connections <= 0 {
		cfg.Connections = DefaultConnections
	}
	if cfg.PartSize == 0 {
		cfg.PartSize = DefaultPartSize
	}
	if cfg.PartSize < minPartSize {
		return nil, fmt.Errorf("S3 part size %d is below S3's minimum of 5 MiB", cfg.PartSize)
	}
	if cfg.location == "" {
		scheme := "https"
		if cfg.Insecure {
			scheme = "http"
		}
		cfg.location = "s3:" + scheme + "://" + cfg.Endpoint + "/" + path.Join(cfg.Bucket, cfg.Prefix)
	}
	lookup := minio.BucketLookupAuto
	switch cfg.BucketLookup {
	case "", "auto":
	case "path":
		lookup = minio.BucketLookupPath
	case "dns", "virtual-host":
		lookup = minio.BucketLookupDNS
	default:
		return nil, fmt.Errorf("S3 bucket lookup %q: use auto, path or dns", cfg.BucketLookup)
	}
	tr := cfg.Transport
	if tr == nil {
		t, err := newTransport(cfg)
		if err != nil {
			return nil, err
		}
		tr = t
	}
	creds := cfg.Creds
	if creds == nil {
		creds = credentialChain(cfg.Profile)
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:        creds,
		Secure:       !cfg.Insecure,
		Transport:    tr,
		Region:       cfg.Region,
		BucketLookup: lookup,
		MaxRetries:   1, // this package retries, with its own rules
	})
	if err != nil {
		return nil, fmt.Errorf("S3 client for %s: %w", cfg.location, err)
	}
	client.SetAppInfo("sqlvault", "1")
	ctx, cancel := context.WithCancel(context.Background())
	b := &Backend{
		ctx:    ctx,
		cancel: cancel,
		cfg:    cfg,
		client: client,
		core:   minio.Core{Client: client},
		reqs:   make(chan struct{}, cfg.Connections),
		packs:  make(chan struct{}, cfg.Connections),
		bufs:   make(chan []byte, cfg.Connections+2),
		flying: map[uint64]*flight{},
		byKey:  map[string]*flight{},
	}
	return b, nil
}

// credentialChain finds credentials as the AWS tools do: the environment
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), then the
// shared credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials,
// profile AWS_PROFILE or "default"), then IAM (EC2 instance profile, ECS task
// role, web identity) unless AWS_EC2_METADATA_DISABLED is true.
func credentialChain(profile string) *credentials.Credentials {
	providers := []credentials.Provider{
		&credentials.EnvAWS{},
		&credentials.FileAWSCredentials{Filename: os.Getenv("AWS_SHARED_CREDENTIALS_FILE"), Profile: profile},
	}
	if !strings.EqualFold(os.Getenv("AWS_EC2_METADATA_DISABLED"), "true") {
		providers = append(providers, &credentials.IAM{Client: &http.Client{Timeout: 5 * time.Second}})
	}
	return credentials.NewChainCredentials(providers)
}

func newTransport(cfg Config) (*http.Transport, error) {
	idle := cfg.IdleTimeout
	if idle <= 0 {
		idle = defaultIdleTimeout
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &idleConn{Conn: c, idle: idle}, nil
		},
		MaxIdleConns:          2 * cfg.Connections,
		MaxIdleConnsPerHost:   2 * cfg.Connections,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ResponseHeaderTimeout: idle,
		DisableCompression:    true,
		ForceAttemptHTTP2:     false,
	}
	if cfg.CACertFile != "" || cfg.InsecureTLS {
		tc := &tls.Config{MinVersion: tls.VersionTLS12}
		if cfg.CACertFile != "" {
			pem, err := os.ReadFile(cfg.CACertFile)
			if err != nil {
				return nil, fmt.Errorf("S3 CA certificate: %w", err)
			}
			pool, err := x509.SystemCertPool()
			if err != nil || pool == nil {
				pool = x509.NewCertPool()
			}
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("S3 CA certificate %s: no PEM certificate in it", cfg.CACertFile)
			}
			tc.RootCAs = pool
		}
		tc.InsecureSkipVerify = cfg.InsecureTLS
		tr.TLSClientConfig = tc
	}
	return tr, nil
}

// idleConn fails a read or write when the connection has moved no byte for
// idle: every read and write pushes both deadlines on. HTTP has no such
// timeout of its own for a request body being sent or a response body
// being received, so a server that hangs would hang the backup.
type idleConn struct {
	net.Conn
	idle time.Duration
}

func (c *idleConn) Read(p []byte) (int, error) {
	_ = c.Conn.SetDeadline(time.Now().Add(c.idle))
	return c.Conn.Read(p)
}

func (c *idleConn) Write(p []byte) (int, error) {
	_ = c.Conn.SetDeadline(time.Now().Add(c.idle))
	return c.Conn.Write(p)
}

// Location returns the repository URL as given, without credentials.
func (b *Backend) Location() string { return b.cfg.location }

// key returns the object key of a file.
func (b *Backend) key(h backend.Handle) string {
	var k string
	switch {
	case h.Type == backend.Config:
		k = "config"
	case h.Type == backend.Pack && len(h.Name) >= 2:
		k = string(h.Type) + "/" + h.Name[:2] + "/" + h.Name
	default:
		k = string(h.Type) + "/" + h.Name
	}
	if b.cfg.Prefix == "" {
		return k
	}
	return b.cfg.Prefix + "/" + k
}

func (b *Backend) dirKey(t backend.FileType) string {
	if b.cfg.Prefix == "" {
		return string(t) + "/"
	}
	return b.cfg.Prefix + "/" + string(t) + "/"
}

// Create makes the bucket when it does not exist. It fails with
// backend.ErrExist when the location already holds a config file.
func (b *Backend) Create(ctx context.Context) error {
	var exists bool
	err := b.retry(ctx, "check bucket "+b.cfg.Bucket, func(ctx context.Context) error {
		var err error
		exists, err = b.client.BucketExists(ctx, b.cfg.Bucket)
		return err
	})
	if err != nil {
		return b.describe(fmt.Sprintf("check bucket %q", b.cfg.Bucket), err)
	}
	if !exists {
		err := b.retry(ctx, "create bucket "+b.cfg.Bucket, func(ctx context.Context) error {
			return b.client.MakeBucket(ctx, b.cfg.Bucket, minio.MakeBucketOptions{Region: b.cfg.Region})
		})
		if code := minio.ToErrorResponse(err).Code; code == "BucketAlreadyOwnedByYou" {
			err = nil
		}
		if err != nil {
			return b.describe(fmt.Sprintf("create bucket %q", b.cfg.Bucket), err)
		}
	}
	if _, err := b.Stat(ctx, backend.Handle{Type: backend.Config}); err == nil {
		return fmt.Errorf("repository at %s: %w", b.Location(), backend.ErrExist)
	} else if !errors.Is(err, backend.ErrNotExist) {
		return err
	}
	return nil
}

// createOnce reports whether files of type t must never replace an
// existing object: config, keys and locks. The others are named by the
// hash of their content, so an existing object holds the same bytes.
func createOnce(t backend.FileType) bool {
	return t == backend.Config || t == backend.Key || t == backend.Lock
}

// Save stores size bytes from rd as one object. Config, key and lock files
// are written with a conditional PUT (If-None-Match: *) and fail with
// backend.ErrExist when the object exists. Index and snapshot files wait
// until every pack committed before them is stored.
func (b *Backend) Save(ctx context.Context, h backend.Handle, rd io.Reader, size int64) error {
	if err := h.Validate(); err != nil {
		return err
	}
	if h.Type == backend.Index || h.Type == backend.Snapshot {
		if err := b.Flush(ctx); err != nil {
			return fmt.Errorf("save %v: %w", h, err)
		}
	}
	what := "save " + h.String()
	if ra, ok := rd.(io.ReaderAt); ok {
		// Read straight from the caller's buffer: nothing is copied.
		return b.describe(what, b.put(ctx, h, sectionSource{ra: ra, base: offsetOf(rd)}, size))
	}
	if b.parts(size) <= 1 {
		buf := make([]byte, size)
		if _, err := io.ReadFull(rd, buf); err != nil {
			return fmt.Errorf("%s: read: %w", what, err)
		}
		if n, _ := rd.Read(make([]byte, 1)); n > 0 {
			return fmt.Errorf("%s: more than %d bytes", what, size)
		}
		return b.describe(what, b.put(ctx, h, sectionSource{ra: bytes.NewReader(buf)}, size))
	}
	return b.describe(what, b.putStream(ctx, h, rd, size))
}

// offsetOf returns where a reader that is also a seeker stands, so that a
// partly read bytes.Reader is uploaded from its position.
func offsetOf(rd io.Reader) int64 {
	if s, ok := rd.(io.Seeker); ok {
		if off, err := s.Seek(0, io.SeekCurrent); err == nil {
			return off
		}
	}
	return 0
}

// sectionSource gives out readers of ranges of one io.ReaderAt, so that a
// retried request can read its body again.
type sectionSource struct {
	ra   io.ReaderAt
	base int64
}

func (s sectionSource) section(off, n int64) *io.SectionReader {
	return io.NewSectionReader(s.ra, s.base+off, n)
}

func putOptions(cfg Config, h backend.Handle) minio.PutObjectOptions {
	opts := minio.PutObjectOptions{
		ContentType:  "application/octet-stream",
		StorageClass: cfg.StorageClass,
	}
	if createOnce(h.Type) {
		opts.SetMatchETagExcept("*")
	}
	return opts
}

// put uploads size bytes of src under h, with one PUT or a multipart upload.
func (b *Backend) put(ctx context.Context, h backend.Handle, src sectionSource, size int64) error {
	key := b.key(h)
	opts := putOptions(b.cfg, h)
	if b.parts(size) <= 1 {
		var sum string
		if h.Type == backend.Pack && len(h.Name) == 64 && size > 0 {
			sum = h.Name // the pack's name is the SHA-256 of its bytes: let the server verify them
		}
		attempt := 0
		err := b.retry(ctx, "save "+h.String(), func(ctx context.Context) error {
			attempt++
			_, err := b.core.PutObject(ctx, b.cfg.Bucket, key, src.section(0, size), size, "", sum, opts)
			if err != nil && attempt > 1 && isPreconditionFailed(err) {
				// An earlier attempt may have succeeded with its answer
				// lost: then the object holds our bytes.
				if b.sameContent(ctx, key, src, size) {
					return nil
				}
			}
			return err
		})
		if isPreconditionFailed(err) {
			return fmt.Errorf("%w: %w", backend.ErrExist, err)
		}
		return err
	}
	if createOnce(h.Type) {
		// These files are small; a conditional multipart upload is not
		// supported everywhere, so refuse instead of risking a replace.
		return fmt.Errorf("%v is %d bytes, too large for a conditional write", h, size)
	}
	return b.putMultipart(ctx, h, key, opts, size, func(i int, off, n int64) (io.ReadSeeker, func(), error) {
		return src.section(off, n), func() {}, nil
	})
}

// sameContent reports whether the object at key holds exactly the bytes of
// src.
func (b *Backend) sameContent(ctx context.Context, key string, src sectionSource, size int64) bool {
	rd, info, _, err := b.core.GetObject(ctx, b.cfg.Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return false
	}
	defer rd.Close()
	if info.Size != size {
		return false
	}
	h1, h2 := sha256.New(), sha256.New()
	if _, err := io.Copy(h1, rd); err != nil {
		return false
	}
	if _, err := io.Copy(h2, src.section(0, size)); err != nil {
		return false
	}
	return bytes.Equal(h1.Sum(nil), h2.Sum(nil))
}

// putStream uploads a reader that cannot be read twice, part by part, each
// part read into a buffer of its own (at most Connections at once).
func (b *Backend) putStream(ctx context.Context, h backend.Handle, rd io.Reader, size int64) error {
	if createOnce(h.Type) || b.parts(size) <= 1 {
		return fmt.Errorf("%v is %d bytes, too large for a conditional write", h, size)
	}
	var mu sync.Mutex // parts are read in order
	next := 0
	return b.putMultipart(ctx, h, b.key(h), putOptions(b.cfg, h), size, func(i int, off, n int64) (io.ReadSeeker, func(), error) {
		mu.Lock()
		defer mu.Unlock()
		if i != next {
			return nil, nil, fmt.Errorf("parts read out of order")
		}
		next++
		buf := make([]byte, n)
		if _, err := io.ReadFull(rd, buf); err != nil {
			return nil, nil, fmt.Errorf("read: %w", err)
		}
		return bytes.NewReader(buf), func() {}, nil
	})
}

// parts returns how many parts an object of size bytes is sent in: about
// size/PartSize, but none smaller than S3's 5 MiB minimum and at most
// 10,000. One part means a single PUT.
func (b *Backend) parts(size int64) int {
	ps := int64(b.cfg.PartSize)
	if size <= ps {
		return 1
	}
	n := min((size+ps-1)/ps, size/minPartSize, 10000)
	return int(max(n, 1))
}

// putMultipart uploads size bytes as parts of equal size (see parts), up to
// Connections at once; part(i, off, n) returns the body of part i. On
// failure the upload is aborted, so no parts are left to pay for.
func (b *Backend) putMultipart(ctx context.Context, h backend.Handle, key string, opts minio.PutObjectOptions,
	size int64, part func(i int, off, n int64) (io.ReadSeeker, func(), error)) error {
	what := "save " + h.String()
	var uploadID string
	err := b.retry(ctx, what, func(ctx context.Context) error {
		var err error
		uploadID, err = b.core.NewMultipartUpload(ctx, b.cfg.Bucket, key, opts)
		return err
	})
	if err != nil {
		return err
	}
	nparts := b.parts(size)
	parts := make([]minio.CompletePart, nparts)
	errs := make([]error, nparts)
	partCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	sem := make(chan struct{}, b.cfg.Connections)
	for i := 0; i < nparts; i++ {
		select {
		case sem <- struct{}{}:
		case <-partCtx.Done():
		}
		if partCtx.Err() != nil {
			errs[i] = partCtx.Err()
			break
		}
		off := int64(i) * size / int64(nparts)
		n := int64(i+1)*size/int64(nparts) - off
		body, done, err := part(i, off, n)
		if err != nil {
			<-sem
			errs[i] = err
			cancel()
			break
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			defer done()
			err := b.retry(partCtx, fmt.Sprintf("%s (part %d of %d)", what, i+1, nparts), func(ctx context.Context) error {
				if _, err := body.Seek(0, io.SeekStart); err != nil {
					return err
				}
				p, err := b.core.PutObjectPart(ctx, b.cfg.Bucket, key, uploadID, i+1, body, n, minio.PutObjectPartOptions{})
				parts[i] = minio.CompletePart{PartNumber: i + 1, ETag: p.ETag}
				return err
			})
			if err != nil {
				errs[i] = err
				cancel()
			}
		}(i)
	}
	wg.Wait()
	cancel()
	if err := errors.Join(firstErr(errs)); err != nil {
		b.abortUpload(key, uploadID)
		return err
	}
	attempt := 0
	err = b.retry(ctx, what, func(ctx context.Context) error {
		attempt++
		_, err := b.core.CompleteMultipartUpload(ctx, b.cfg.Bucket, key, uploadID, parts, opts)
		if err != nil && attempt > 1 && minio.ToErrorResponse(err).Code == "NoSuchUpload" {
			// An earlier attempt completed it and its answer was lost.
			if info, serr := b.client.StatObject(ctx, b.cfg.Bucket, key, minio.StatObjectOptions{}); serr == nil && info.Size == size {
				return nil
			}
		}
		return err
	})
	if err != nil {
		b.abortUpload(key, uploadID)
	}
	return err
}

func firstErr(errs []error) error {
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// abortUpload discards the parts of a failed multipart upload. It runs
// even when the command was interrupted, within a short time.
func (b *Backend) abortUpload(key, uploadID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = b.core.AbortMultipartUpload(ctx, b.cfg.Bucket, key, uploadID)
}

// Load returns length bytes of h from offset (to the end when length is 0)
// with a ranged GET. A read that breaks off is resumed where it stopped.
func (b *Backend) Load(ctx context.Context, h backend.Handle, offset, length int64) (io.ReadCloser, error) {
	if err := h.Validate(); err != nil {
		return nil, err
	}
	if offset < 0 || length < 0 {
		return nil, fmt.Errorf("load %v: invalid range %d+%d", h, offset, length)
	}
	key := b.key(h)
	if data, ok := b.inFlight(key); ok {
		// A pack still being uploaded: serve it from memory.
		if offset > int64(len(data)) {
			return nil, fmt.Errorf("load %v: offset %d beyond its %d bytes", h, offset, len(data))
		}
		end := int64(len(data))
		if length > 0 {
			end = min(end, offset+length)
		}
		return io.NopCloser(bytes.NewReader(bytes.Clone(data[offset:end]))), nil
	}
	r := &reader{b: b, ctx: ctx, h: h, key: key, pos: offset, end: -1}
	if length > 0 {
		r.end = offset + length
	}
	if err := r.open(); err != nil {
		return nil, b.describe("load "+h.String(), err)
	}
	return r, nil
}

// reader reads a range of an object and resumes with a new ranged GET when
// the connection breaks.
type reader struct {
	b       *Backend
	ctx     context.Context
	h       backend.Handle
	key     string
	pos     int64 // next offset to read
	end     int64 // end of the range, -1 for the end of the object
	body    io.ReadCloser
	resumes int
}

func (r *reader) open() error {
	return r.b.retry(r.ctx, "load "+r.h.String(), func(ctx context.Context) error {
		var opts minio.GetObjectOptions
		switch {
		case r.end >= 0:
			if r.end <= r.pos {
				r.body = io.NopCloser(bytes.NewReader(nil))
				return nil
			}
			if err := opts.SetRange(r.pos, r.end-1); err != nil {
				return err
			}
		case r.pos > 0:
			if err := opts.SetRange(r.pos, 0); err != nil {
				return err
			}
		}
		body, _, _, err := r.b.core.GetObject(ctx, r.b.cfg.Bucket, r.key, opts)
		if err != nil {
			if minio.ToErrorResponse(err).Code == "InvalidRange" {
				// A range starting at the end of the object: nothing to read.
				r.body = io.NopCloser(bytes.NewReader(nil))
				return nil
			}
			return err
		}
		r.body = body
		return nil
	})
}

func (r *reader) Read(p []byte) (int, error) {
	if r.end >= 0 && r.pos >= r.end {
		return 0, io.EOF
	}
	if r.end >= 0 && int64(len(p)) > r.end-r.pos {
		p = p[:r.end-r.pos]
	}
	n, err := r.body.Read(p)
	r.pos += int64(n)
	if err == nil || err == io.EOF {
		if err == io.EOF && r.end >= 0 && r.pos < r.end {
			return n, io.ErrUnexpectedEOF
		}
		return n, err
	}
	if r.ctx.Err() != nil || !retryable(err) || r.resumes >= max(r.b.cfg.Retries, 0) {
		return n, fmt.Errorf("load %v from %s: %w", r.h, r.b.Location(), err)
	}
	// The connection broke: go on from here with a new request.
	r.resumes++
	r.body.Close()
	r.b.notify(fmt.Sprintf("load %v: %v; resuming at byte %d", r.h, err, r.pos))
	if oerr := r.open(); oerr != nil {
		r.body = io.NopCloser(bytes.NewReader(nil))
		return n, fmt.Errorf("load %v from %s: %w", r.h, r.b.Location(), oerr)
	}
	if n > 0 {
		return n, nil
	}
	return r.Read(p)
}

func (r *reader) Close() error { return r.body.Close() }

// Stat returns the size of h.
func (b *Backend) Stat(ctx context.Context, h backend.Handle) (backend.FileInfo, error) {
	if err := h.Validate(); err != nil {
		return backend.FileInfo{}, err
	}
	key := b.key(h)
	if data, ok := b.inFlight(key); ok {
		return backend.FileInfo{Name: h.Name, Size: int64(len(data))}, nil
	}
	var info minio.ObjectInfo
	err := b.retry(ctx, "stat "+h.String(), func(ctx context.Context) error {
		var err error
		info, err = b.client.StatObject(ctx, b.cfg.Bucket, key, minio.StatObjectOptions{})
		return err
	})
	if err != nil {
		return backend.FileInfo{}, b.describe("stat "+h.String(), err)
	}
	return backend.FileInfo{Name: h.Name, Size: info.Size}, nil
}

// Remove deletes h; deleting a missing object is not an error.
func (b *Backend) Remove(ctx context.Context, h backend.Handle) error {
	if err := h.Validate(); err != nil {
		return err
	}
	err := b.retry(ctx, "remove "+h.String(), func(ctx context.Context) error {
		return b.client.RemoveObject(ctx, b.cfg.Bucket, b.key(h), minio.RemoveObjectOptions{})
	})
	if err != nil && isNotFound(err) {
		return nil
	}
	return b.describe("remove "+h.String(), err)
}

// List calls fn for every file of type t. A listing that breaks off is
// resumed after the last key seen, so fn sees every file once.
func (b *Backend) List(ctx context.Context, t backend.FileType, fn func(backend.FileInfo) error) error {
	if t == backend.Config {
		fi, err := b.Stat(ctx, backend.Handle{Type: backend.Config})
		if errors.Is(err, backend.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		return fn(fi)
	}
	prefix := b.dirKey(t)
	depth := 1
	if t == backend.Pack {
		depth = 2
	}
	after := ""
	failures := 0
	for {
		lctx, cancel := context.WithCancel(ctx)
		var listErr error
		for obj := range b.client.ListObjects(lctx, b.cfg.Bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true, StartAfter: after}) {
			if obj.Err != nil {
				listErr = obj.Err
				break
			}
			after = obj.Key
			rel := strings.TrimPrefix(obj.Key, prefix)
			name := path.Base(rel)
			if strings.Count(rel, "/") != depth-1 || strings.HasPrefix(name, ".") {
				continue
			}
			failures = 0
			if err := fn(backend.FileInfo{Name: name, Size: obj.Size}); err != nil {
				cancel()
				return err
			}
		}
		cancel()
		if listErr == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !retryable(listErr) || failures >= max(b.cfg.Retries, 0) {
			return b.describe("list "+string(t), listErr)
		}
		wait := backoff(failures)
		failures++
		b.notify(fmt.Sprintf("list %s: %v; retrying in %v (retry %d of %d)", t, oneLine(listErr), wait.Round(time.Millisecond), failures, b.cfg.Retries))
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// Close cancels the uploads still running, aborts their multipart uploads
// and waits for them.
func (b *Backend) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.cancel()
	return b.Flush(context.Background())
}

// IncompleteUploads lists the keys of multipart uploads under the
// repository's prefix that were started and neither completed nor aborted
// (left by a killed process; S3 keeps charging for their parts until a
// lifecycle rule or AbortMultipartUpload removes them).
func (b *Backend) IncompleteUploads(ctx context.Context) ([]string, error) {
	ups, err := b.incompleteUploads(ctx)
	keys := make([]string, len(ups))
	for i, u := range ups {
		keys[i] = u.Key
	}
	return keys, err
}

// incompleteUploads lists the multipart uploads under the repository's
// prefix. It lists those of the whole bucket and filters them: MinIO lists
// uploads only for an empty prefix or a whole object name.
func (b *Backend) incompleteUploads(ctx context.Context) ([]minio.ObjectMultipartInfo, error) {
	prefix := b.cfg.Prefix
	if prefix != "" {
		prefix += "/"
	}
	lctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the listing if we stop early
	var ups []minio.ObjectMultipartInfo
	for u := range b.client.ListIncompleteUploads(lctx, b.cfg.Bucket, "", true) {
		if u.Err != nil {
			return nil, b.describe("list incomplete uploads", u.Err)
		}
		if strings.HasPrefix(u.Key, prefix) {
			ups = append(ups, u)
		}
	}
	return ups, nil
}

// RemoveTemp aborts the multipart uploads under the repository's prefix
// that were started before cutoff and never completed (left by a killed
// process; their parts are billed until aborted), and counts the size of
// their uploaded parts. See backend.TempRemover.
func (b *Backend) RemoveTemp(ctx context.Context, cutoff time.Time, dryRun bool) (backend.TempStats, error) {
	var st backend.TempStats
	ups, err := b.incompleteUploads(ctx)
	if err != nil {
		return st, err
	}
	for _, u := range ups {
		if !u.Initiated.Before(cutoff) {
			continue
		}
		marker := 0
		for {
			res, err := b.core.ListObjectParts(ctx, b.cfg.Bucket, u.Key, u.UploadID, marker, 1000)
			if err != nil {
				if isNoSuchUpload(err) {
					break // completed or aborted meanwhile
				}
				return st, b.describe("list parts of an incomplete upload", err)
			}
			for _, p := range res.ObjectParts {
				st.Bytes += p.Size
			}
			if !res.IsTruncated {
				break
			}
			marker = res.NextPartNumberMarker
		}
		if !dryRun {
			if err := b.core.AbortMultipartUpload(ctx, b.cfg.Bucket, u.Key, u.UploadID); err != nil && !isNoSuchUpload(err) {
				return st, b.describe("abort an incomplete upload", err)
			}
		}
		st.Removed++
	}
	return st, nil
}

func isNoSuchUpload(err error) bool {
	return minio.ToErrorResponse(err).Code == "NoSuchUpload"
}
