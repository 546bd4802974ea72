// Package s3test runs a real MinIO server on 127.0.0.1 for tests: a free
// port, its own temporary folder, stopped when the test ends.
//
// The minio binary is found through $SQLVAULT_MINIO, then PATH, then the
// cache folder that scripts/install-minio.sh installs into
// (${XDG_CACHE_HOME:-$HOME/.cache}/sqlvault-tools/bin). Without it the test
// is skipped, except when CI=true: there a missing MinIO fails the test, so
// that CI never passes without having run the S3 tests.
package s3test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Credentials of the test servers' root user.
const (
	AccessKey = "sqlvault-test"
	SecretKey = "sqlvault-test-secret"
)

// Binary returns the path of the minio binary, or an error that says how
// to install it.
func Binary() (string, error) {
	if p := os.Getenv("SQLVAULT_MINIO"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("SQLVAULT_MINIO=%s: %w", p, err)
		}
		return p, nil
	}
	if p, err := exec.LookPath("minio"); err == nil {
		return p, nil
	}
	p := filepath.Join(CacheBin(), "minio")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	if gopath, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		p := filepath.Join(strings.TrimSpace(string(gopath)), "bin", "minio")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no minio binary: run scripts/install-minio.sh (or make test), or set SQLVAULT_MINIO")
}

// CacheBin is the folder scripts/install-minio.sh installs into.
func CacheBin() string {
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, _ := os.UserHomeDir()
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "sqlvault-tools", "bin")
}

// Options change how a server is started.
type Options struct {
	// TLS serves HTTPS with a certificate signed by a CA made for the
	// server (see Server.CACert).
	TLS bool
}

// Server is a running MinIO.
type Server struct {
	// Endpoint is host:port.
	Endpoint string
	// Dir is the server's folder (data, certificates, log).
	Dir string
	// CACert is the PEM file of the CA that signed the server's
	// certificate (TLS only).
	CACert string

	bin  string
	tls  bool
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// Start starts a MinIO server that is stopped when t ends. It skips t when
// there is no minio binary, unless CI=true.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("S3 tests must run in CI: %v", err)
		}
		t.Skipf("skipping S3 test: %v", err)
	}
	dir := t.TempDir()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Endpoint: "127.0.0.1:" + strconv.Itoa(port), Dir: dir, bin: bin, tls: opts.TLS}
	if opts.TLS {
		if err := s.makeCerts(); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(s.Stop)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	return s
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start starts the server (again, after Stop or Kill) on the same port
// and data, and waits until it is ready.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("minio is already running")
	}
	console, err := freePort()
	if err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(s.Dir, "minio.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(s.bin, "server", "--quiet", "--address", s.Endpoint,
		"--console-address", "127.0.0.1:"+strconv.Itoa(console),
		"--certs-dir", filepath.Join(s.Dir, "certs"), filepath.Join(s.Dir, "data"))
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+AccessKey, "MINIO_ROOT_PASSWORD="+SecretKey,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off", "MINIO_CI_CD=on", "HOME="+s.Dir)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start minio: %w", err)
	}
	s.cmd = cmd
	done := make(chan struct{})
	s.done = done
	go func() { cmd.Wait(); close(done) }()
	if err := s.waitReady(done); err != nil {
		s.stopLocked(syscall.SIGKILL)
		return err
	}
	return nil
}

func (s *Server) scheme() string {
	if s.tls {
		return "https"
	}
	return "http"
}

func (s *Server) httpClient() *http.Client {
	tr := &http.Transport{DisableKeepAlives: true}
	if s.tls {
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	}
	return &http.Client{Transport: tr, Timeout: 2 * time.Second}
}

func (s *Server) waitReady(done <-chan struct{}) error {
	hc := s.httpClient()
	url := s.scheme() + "://" + s.Endpoint + "/minio/health/ready"
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return fmt.Errorf("minio exited at start: %s", s.logTail())
		default:
		}
		if resp, err := hc.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("minio not ready after 60 s: %s", s.logTail())
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "minio.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(bytes.TrimSpace(b))
}

// Stop stops the server (SIGTERM, then SIGKILL after 10 s) and waits for
// it to exit. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked(syscall.SIGTERM)
}

// Kill stops the server at once, as a crash would.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked(syscall.SIGKILL)
}

func (s *Server) stopLocked(sig syscall.Signal) {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGCONT) // a paused server cannot stop
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

// Pause freezes the server (SIGSTOP): it accepts connections but answers
// nothing, as a hung server does. Resume undoes it. Pause returns once the
// kernel reports the process stopped: a signal takes effect when each of
// the server's threads is next scheduled, and a request sent in between
// could still be answered.
func (s *Server) Pause() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGSTOP)
	stat := fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		b, err := os.ReadFile(stat)
		if err != nil {
			return // no /proc: the signal alone will do
		}
		// "pid (comm) state ...": the state follows the last ')'.
		if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) && (b[i+2] == 'T' || b[i+2] == 't') {
			return
		}
	}
}

// Resume lets a paused server go on (SIGCONT).
func (s *Server) Resume() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		_ = s.cmd.Process.Signal(syscall.SIGCONT)
	}
}

// URL returns the repository location of prefix in bucket.
func (s *Server) URL(bucket, prefix string) string {
	u := "s3:" + s.scheme() + "://" + s.Endpoint + "/" + bucket
	if prefix != "" {
		u += "/" + prefix
	}
	return u
}

// Env returns the environment that gives sqlvault the server's
// credentials (and keeps it from looking anywhere else for them).
func (s *Server) Env() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + SecretKey,
		"AWS_SESSION_TOKEN=",
		"AWS_PROFILE=",
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(s.Dir, "no-credentials-file"),
		"AWS_CONFIG_FILE=" + filepath.Join(s.Dir, "no-config-file"),
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// Client returns a client of the server with its root credentials.
func (s *Server) Client(t testing.TB) *minio.Client {
	t.Helper()
	c, err := s.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// NewClient returns a client of the server with its root credentials.
func (s *Server) NewClient() (*minio.Client, error) {
	opts := &minio.Options{Creds: credentials.NewStaticV4(AccessKey, SecretKey, ""), Secure: s.tls}
	if s.tls {
		opts.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	}
	return minio.New(s.Endpoint, opts)
}

// MakeBucket creates a bucket.
func (s *Server) MakeBucket(t testing.TB, bucket string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Client(t).MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("make bucket %s: %v", bucket, err)
	}
}

// makeCerts writes a CA and a certificate for 127.0.0.1 signed by it.
func (s *Server) makeCerts() error {
	certs := filepath.Join(s.Dir, "certs")
	if err := os.MkdirAll(certs, 0o700); err != nil {
		return err
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "sqlvault test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	s.CACert = filepath.Join(s.Dir, "ca.pem")
	files := map[string][]byte{
		s.CACert:                            pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		filepath.Join(certs, "public.crt"):  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		filepath.Join(certs, "private.key"): pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}
	for name, data := range files {
		if err := os.WriteFile(name, data, 0o600); err != nil {
			return err
		}
	}
	return nil
}
