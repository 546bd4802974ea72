package s3

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/minio/minio-go/v7"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		in                       string
		endpoint, bucket, prefix string
		insecure                 bool
		location                 string
	}{
		{"s3:https://host:9000/bucket/prefix", "host:9000", "bucket", "prefix", false, "s3:https://host:9000/bucket/prefix"},
		{"s3:http://127.0.0.1:9000/b/a/deeper/prefix/", "127.0.0.1:9000", "b", "a/deeper/prefix", true, "s3:http://127.0.0.1:9000/b/a/deeper/prefix"},
		{"s3:s3.amazonaws.com/bucket/prefix", "s3.amazonaws.com", "bucket", "prefix", false, "s3:s3.amazonaws.com/bucket/prefix"},
		{"s3:s3.eu-central-1.amazonaws.com/bucket", "s3.eu-central-1.amazonaws.com", "bucket", "", false, "s3:s3.eu-central-1.amazonaws.com/bucket"},
		{"s3://bucket/some/prefix", "s3.amazonaws.com", "bucket", "some/prefix", false, "s3://bucket/some/prefix"},
		{"s3:https://[::1]:9000/bucket", "[::1]:9000", "bucket", "", false, "s3:https://[::1]:9000/bucket"},
	} {
		cfg, err := ParseURL(tc.in)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.in, err)
			continue
		}
		if cfg.Endpoint != tc.endpoint || cfg.Bucket != tc.bucket || cfg.Prefix != tc.prefix || cfg.Insecure != tc.insecure || cfg.location != tc.location {
			t.Errorf("ParseURL(%q) = %q %q %q insecure=%v location %q, want %q %q %q %v %q", tc.in,
				cfg.Endpoint, cfg.Bucket, cfg.Prefix, cfg.Insecure, cfg.location, tc.endpoint, tc.bucket, tc.prefix, tc.insecure, tc.location)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"/local/path", "must start with s3:"},
		{"s3:", "names no bucket"},
		{"s3:https://host", "names no bucket"},
		{"s3:host.example", "names no bucket"},
		{"s3:https://AKIA:secret@host/bucket", "do not put credentials in the URL"},
		{"s3:AKIA:secret@host/bucket", "do not put credentials in the URL"},
		{"s3:https://host/bucket/p?x=1", "query"},
		{"s3:https://host/bucket/a/../b", "not a clean path"},
	} {
		_, err := ParseURL(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseURL(%q): error %v, want one containing %q", tc.in, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("ParseURL(%q): the error shows the secret: %v", tc.in, err)
		}
	}
}

func TestNewLocation(t *testing.T) {
	b, err := New(Config{Endpoint: "127.0.0.1:9", Insecure: true, Bucket: "b", Prefix: "p/q"})
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Location(); got != "s3:http://127.0.0.1:9/b/p/q" {
		t.Errorf("Location: %q", got)
	}
	if _, err := New(Config{Endpoint: "h", Bucket: "b", BucketLookup: "sideways"}); err == nil {
		t.Error("New accepts an unknown bucket lookup")
	}
	if _, err := New(Config{Endpoint: "h", Bucket: "b", CACertFile: "/nonexistent/ca.pem"}); err == nil {
		t.Error("New accepts a missing CA file")
	}
}

func TestRetryable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{minio.ErrorResponse{StatusCode: 500, Code: "InternalError"}, true},
		{minio.ErrorResponse{StatusCode: 503, Code: "SlowDown"}, true},
		{minio.ErrorResponse{StatusCode: 503, Code: "XMinioServerNotInitialized"}, true},
		{minio.ErrorResponse{StatusCode: 502}, true},
		{minio.ErrorResponse{StatusCode: 429}, true},
		{minio.ErrorResponse{StatusCode: 408}, true},
		{minio.ErrorResponse{StatusCode: 400, Code: "RequestTimeout"}, true},
		{minio.ErrorResponse{StatusCode: 403, Code: "InvalidAccessKeyId"}, false},
		{minio.ErrorResponse{StatusCode: 403, Code: "SignatureDoesNotMatch"}, false},
		{minio.ErrorResponse{StatusCode: 403, Code: "AccessDenied"}, false},
		{minio.ErrorResponse{StatusCode: 404, Code: "NoSuchBucket"}, false},
		{minio.ErrorResponse{StatusCode: 404, Code: "NoSuchKey"}, false},
		{minio.ErrorResponse{StatusCode: 412, Code: "PreconditionFailed"}, false},
		{minio.ErrorResponse{StatusCode: 501, Code: "NotImplemented"}, false},
		{minio.ErrorResponse{StatusCode: 507, Code: "XMinioStorageFull"}, false},
		{&url.Error{Op: "Put", URL: "http://x", Err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}, true},
		{&url.Error{Op: "Get", URL: "http://x", Err: syscall.ECONNRESET}, true},
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{&url.Error{Op: "Get", URL: "https://x", Err: errors.New("http: server gave HTTP response to HTTPS client")}, false},
		{errors.New("something else"), false},
	} {
		if got := retryable(tc.err); got != tc.want {
			t.Errorf("retryable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// countingTransport counts requests and the most that were in flight at
// once, and can fail requests or break response bodies on demand.
type countingTransport struct {
	base http.RoundTripper

	mu          chanMutex
	requests    map[string]int // by method
	inFlight    int
	maxInFlight int
	// breakBody, if set, decides whether the body of a GET response breaks
	// after n bytes.
	breakBody func(req *http.Request) (n int64, ok bool)
}

type chanMutex chan struct{}

func (m chanMutex) Lock()   { m <- struct{}{} }
func (m chanMutex) Unlock() { <-m }

func newCountingTransport() *countingTransport {
	return &countingTransport{base: &http.Transport{MaxIdleConnsPerHost: 16}, mu: make(chanMutex, 1), requests: map[string]int{}}
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	if req.URL.Query().Has("location") {
		c.requests["location"]++ // the client asks for the bucket's region once
	} else {
		c.requests[req.Method]++
	}
	c.inFlight++
	c.maxInFlight = max(c.maxInFlight, c.inFlight)
	brk := c.breakBody
	c.mu.Unlock()
	resp, err := c.base.RoundTrip(req)
	c.mu.Lock()
	c.inFlight--
	c.mu.Unlock()
	if err == nil && brk != nil && req.Method == http.MethodGet {
		if n, ok := brk(req); ok {
			resp.Body = &brokenBody{rc: resp.Body, left: n}
		}
	}
	return resp, err
}

func (c *countingTransport) count(method string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests[method]
}

func (c *countingTransport) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.requests {
		n += v
	}
	return n
}

func (c *countingTransport) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests = map[string]int{}
	c.maxInFlight = 0
}

// brokenBody ends with a connection reset after left bytes.
type brokenBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *brokenBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *brokenBody) Close() error { return b.rc.Close() }
