package s3

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/sqlvault/sqlvault/backend"
)

// ErrAccessDenied is returned (wrapped) when S3 refuses the credentials or
// the request (HTTP 403).
var ErrAccessDenied = errors.New("access denied")

// retry runs fn, which makes one request, until it succeeds, fails in a
// way that cannot get better, or has failed Retries+1 times. It waits
// 0.5 s, 1 s, 2 s, … (at most 16 s, ±20%) between attempts.
func (b *Backend) retry(ctx context.Context, what string, fn func(context.Context) error) error {
	for attempt := 0; ; attempt++ {
		if err := b.acquire(ctx); err != nil {
			return err
		}
		err := fn(ctx)
		b.release()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !retryable(err) {
			return err
		}
		if attempt >= b.cfg.Retries {
			if attempt == 0 {
				return err
			}
			return &gaveUp{err: err, attempts: attempt + 1}
		}
		wait := backoff(attempt)
		b.notify(fmt.Sprintf("%s: %s; retrying in %v (retry %d of %d)", what, oneLine(err), wait.Round(time.Millisecond), attempt+1, b.cfg.Retries))
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// gaveUp is the last error of a request that was retried to the end.
type gaveUp struct {
	err      error
	attempts int
}

func (g *gaveUp) Error() string {
	return fmt.Sprintf("%v (gave up after %d attempts)", g.err, g.attempts)
}

func (g *gaveUp) Unwrap() error { return g.err }

func (b *Backend) acquire(ctx context.Context) error {
	select {
	case b.reqs <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *Backend) release() { <-b.reqs }

func (b *Backend) notify(msg string) {
	if b.cfg.Notify != nil {
		b.cfg.Notify("S3: " + msg)
	}
}

// backoff returns the wait before retry number attempt+1.
func backoff(attempt int) time.Duration {
	d := firstRetryDelay << min(attempt, 10)
	d = min(d, maxRetryDelay)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// retryable reports whether a failed request may succeed when tried again:
// server errors (5xx except 501 and 507), 408, 429, S3's slow-down codes,
// timeouts and broken or refused connections. Refusals (403), missing
// buckets or objects (404), failed conditions (412), bad requests and
// untrusted certificates are final.
func retryable(err error) bool {
	// A deadline here is a timeout of the transport (net/http's timeout
	// errors match context.DeadlineExceeded); the caller's own context is
	// checked before this is asked.
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var er minio.ErrorResponse
	if errors.As(err, &er) {
		switch er.Code {
		case "RequestTimeout", "SlowDown", "InternalError", "ServiceUnavailable", "Throttling",
			"ThrottlingException", "RequestThrottled", "RequestLimitExceeded", "XMinioServerNotInitialized",
			"XMinioReadQuorum", "XMinioWriteQuorum":
			return true
		}
		switch {
		case er.StatusCode == http.StatusNotImplemented, er.StatusCode == http.StatusInsufficientStorage:
			return false
		case er.StatusCode >= 500, er.StatusCode == http.StatusRequestTimeout, er.StatusCode == http.StatusTooManyRequests:
			return true
		}
		return false
	}
	if certProblem(err) {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	for _, e := range []error{io.ErrUnexpectedEOF, io.EOF, syscall.ECONNRESET, syscall.ECONNREFUSED, syscall.ECONNABORTED, syscall.EPIPE} {
		if errors.Is(err, e) {
			return true
		}
	}
	var ue *url.Error
	return errors.As(err, &ue) // a transport failure below HTTP
}

// certProblem reports whether err is a TLS failure that retrying cannot
// fix.
func certProblem(err error) bool {
	var (
		ua  x509.UnknownAuthorityError
		he  x509.HostnameError
		ci  x509.CertificateInvalidError
		cve *tls.CertificateVerificationError
		rhe tls.RecordHeaderError
	)
	return errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci) || errors.As(err, &cve) || errors.As(err, &rhe) ||
		strings.Contains(err.Error(), "server gave HTTP response to HTTPS client")
}

func isNotFound(err error) bool {
	var er minio.ErrorResponse
	return errors.As(err, &er) && (er.StatusCode == http.StatusNotFound || er.Code == "NoSuchKey" || er.Code == "NoSuchBucket")
}

func isPreconditionFailed(err error) bool {
	var er minio.ErrorResponse
	return errors.As(err, &er) && (er.StatusCode == http.StatusPreconditionFailed || er.Code == "PreconditionFailed")
}

// oneLine shortens an error for a retry notice.
func oneLine(err error) string {
	var er minio.ErrorResponse
	if errors.As(err, &er) {
		if er.StatusCode != 0 {
			return fmt.Sprintf("%s (%s, HTTP %d)", strings.TrimSuffix(er.Message, "."), er.Code, er.StatusCode)
		}
		return fmt.Sprintf("%s (%s)", strings.TrimSuffix(er.Message, "."), er.Code)
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}

// describe turns an error of the S3 client into one line that says what
// failed and what to do, wrapping the backend's error values.
func (b *Backend) describe(what string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w", what, err)
	}
	if errors.Is(err, backend.ErrExist) || errors.Is(err, backend.ErrNotExist) || errors.Is(err, ErrAccessDenied) {
		return fmt.Errorf("%s: %w", what, err)
	}
	var er minio.ErrorResponse
	if errors.As(err, &er) {
		msg := oneLine(err)
		switch {
		case er.Code == "NoSuchBucket":
			return fmt.Errorf("%s: bucket %q %w at %s (%s)", what, b.cfg.Bucket, backend.ErrNotExist, b.cfg.Endpoint, msg)
		case er.StatusCode == http.StatusNotFound || er.Code == "NoSuchKey":
			return fmt.Errorf("%s: %w (%s)", what, backend.ErrNotExist, msg)
		case isPreconditionFailed(err):
			return fmt.Errorf("%s: %w (%s)", what, backend.ErrExist, msg)
		case er.Code == "InvalidAccessKeyId" || er.Code == "SignatureDoesNotMatch" || er.Code == "InvalidToken" ||
			er.Code == "ExpiredToken" || er.Code == "InvalidTokenId":
			return fmt.Errorf("%s: %w: S3 at %s refused the credentials: %s; check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), or the shared credentials file and AWS_PROFILE",
				what, ErrAccessDenied, b.cfg.Endpoint, msg)
		case er.StatusCode == http.StatusForbidden:
			return fmt.Errorf("%s: %w: S3 at %s refused access to bucket %q: %s; check that the credentials (AWS_ACCESS_KEY_ID or the shared credentials file) may use it",
				what, ErrAccessDenied, b.cfg.Endpoint, b.cfg.Bucket, msg)
		case er.StatusCode == http.StatusInsufficientStorage || er.Code == "XMinioStorageFull" || er.Code == "QuotaExceeded" ||
			er.Code == "XMinioAdminBucketQuotaExceeded":
			return fmt.Errorf("%s: %w (%s)", what, backend.ErrNoSpace, msg)
		case strings.Contains(er.Message, "HTTP request to an HTTPS server"):
			return fmt.Errorf("%s: %s speaks HTTPS: use an s3:https://… location (%s)", what, b.cfg.Endpoint, msg)
		case er.Code == "InvalidBucketName":
			return fmt.Errorf("%s: %q is not a valid bucket name (%s)", what, b.cfg.Bucket, msg)
		}
		return fmt.Errorf("%s: S3 at %s answered %s (HTTP %d): %w", what, b.cfg.Endpoint, er.Code, er.StatusCode, err)
	}
	if certProblem(err) {
		if strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
			return fmt.Errorf("%s: %s speaks plain HTTP: use an s3:http://… location (%w)", what, b.cfg.Endpoint, err)
		}
		return fmt.Errorf("%s: the TLS certificate of %s is not trusted (%w): give its CA with --s3-ca-cert, or skip verification with --s3-insecure-tls", what, b.cfg.Endpoint, err)
	}
	if retryable(err) {
		return fmt.Errorf("%s: cannot reach S3 at %s: %w", what, b.cfg.Endpoint, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}
