package repo

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/backend/local"
	"github.com/sqlvault/sqlvault/chunk"
)

func TestParseConfigHeader(t *testing.T) {
	data := []byte(`{"sqlvault":"repository","version":1,"id":"abc"}` + "\n" + "\x00\x01sealed\nbody")
	h, body, err := ParseConfigHeader(data)
	if err != nil {
		t.Fatalf("ParseConfigHeader: %v", err)
	}
	if h != (ConfigHeader{Magic: "repository", Version: 1, ID: "abc"}) {
		t.Fatalf("header = %+v", h)
	}
	if string(body) != "\x00\x01sealed\nbody" {
		t.Fatalf("body = %q", body)
	}
}

func TestParseConfigHeaderErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"sqlvault":"repository","version":1,"id":"abc"}`, "config: no header line"},
		{"", "config: no header line"},
		{`{"sqlvault":"restic","version":1}` + "\nx", "config: not a sqlvault repository"},
		{`{"version":1}` + "\nx", "config: not a sqlvault repository"},
		{`not json` + "\nx", "config: not a sqlvault repository"},
		{`{"sqlvault":"repository","version":"1"}` + "\nx", "config: not a sqlvault repository"},
		{`{"sqlvault":"repository","version":2,"id":"abc"}` + "\nx", "repository format version 2 is not supported (this sqlvault reads version 1)"},
		{`{"sqlvault":"repository","version":0}` + "\nx", "repository format version 0 is not supported"},
	} {
		_, body, err := ParseConfigHeader([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseConfigHeader(%q): err = %v, want %q", tc.in, err, tc.want)
		}
		if body != nil {
			t.Errorf("ParseConfigHeader(%q) returned a body with an error", tc.in)
		}
	}
}

func TestConfigVersion2RefusedByOpen(t *testing.T) {
	ctx := context.Background()
	_, dir := newTestRepo(t, smallConfig())
	be := local.New(dir)
	data := readConfig(t, dir)
	newData := strings.Replace(string(data), `"version":1`, `"version":2`, 1)
	if newData == string(data) {
		t.Fatalf("config header has no version 1: %q", data[:80])
	}
	writeConfig(t, dir, []byte(newData))
	_, err := Open(ctx, be, testPassword)
	if err == nil || !strings.Contains(err.Error(), "version 2") || !strings.Contains(err.Error(), "use a newer sqlvault") {
		t.Fatalf("Open of a version 2 repository: err = %v", err)
	}
}

func TestDefaultConfig(t *testing.T) {
	c := DefaultConfig()
	if c.PackSize != 16<<20 || c.Compression != "fastest" || c.Chunker != chunk.DefaultParams || !c.Delta.Enabled || c.Delta.MaxRatio != 0.5 {
		t.Fatalf("DefaultConfig() = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("default config invalid: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	for name, tc := range map[string]struct {
		mutate func(*Config)
		want   string
	}{
		"pack size too small": {func(c *Config) { c.PackSize = 1<<20 - 1 }, "invalid pack size 1048575"},
		"pack size too large": {func(c *Config) { c.PackSize = 512<<20 + 1 }, "invalid pack size"},
		"compression":         {func(c *Config) { c.Compression = "ultra" }, `unknown compression level "ultra"`},
		"chunker":             {func(c *Config) { c.Chunker.MinSize = 10 }, "invalid chunker parameters"},
		"delta ratio zero":    {func(c *Config) { c.Delta.MaxRatio = 0 }, "invalid delta ratio 0 (above 0, at most 1)"},
		"delta ratio above 1": {func(c *Config) { c.Delta.MaxRatio = 1.5 }, "invalid delta ratio 1.5"},
		"delta ratio NaN":     {func(c *Config) { c.Delta.MaxRatio = math.NaN() }, "invalid delta ratio NaN"},
	} {
		c := DefaultConfig()
		tc.mutate(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tc.want)
		}
	}
	off := DefaultConfig()
	off.Delta = DeltaConfig{Enabled: false} // a repository without deltas needs no ratio
	if err := off.Validate(); err != nil {
		t.Errorf("delta off, ratio 0: %v", err)
	}
	for _, size := range []int{1 << 20, 512 << 20} {
		c := DefaultConfig()
		c.PackSize = size
		if err := c.Validate(); err != nil {
			t.Errorf("pack size %d: %v", size, err)
		}
	}
	for _, level := range []string{"fastest", "default", "better", "best"} {
		if _, err := zstdLevel(level); err != nil {
			t.Errorf("zstdLevel(%q): %v", level, err)
		}
	}
}

func TestInitRejectsInvalidConfig(t *testing.T) {
	cfg := DefaultConfig()
	cfg.PackSize = 4096
	dir := t.TempDir()
	_, err := Init(context.Background(), local.New(dir), testPassword, InitOptions{Config: cfg, KDF: testKDF})
	if err == nil || !strings.Contains(err.Error(), "invalid pack size 4096") {
		t.Fatalf("Init with a 4 KiB pack size: err = %v", err)
	}
	if _, err := Open(context.Background(), local.New(dir), testPassword); err == nil {
		t.Fatal("a repository was created despite the invalid config")
	}
}

func TestConfigFileFormat(t *testing.T) {
	r, dir := newTestRepo(t, smallConfig())
	data := readConfig(t, dir)
	line, rest, ok := strings.Cut(string(data), "\n")
	if !ok {
		t.Fatal("config has no header line")
	}
	var h ConfigHeader
	if err := json.Unmarshal([]byte(line), &h); err != nil {
		t.Fatal(err)
	}
	if h.Magic != "repository" || h.Version != FormatVersion || h.ID != r.Config().ID || len(h.ID) != 64 {
		t.Fatalf("header = %+v, repository ID %s", h, r.Config().ID)
	}
	if strings.Contains(rest, "pack_size") {
		t.Fatal("config body is stored in plaintext")
	}
	// The body is sealed with the header line as additional data: a changed
	// header with a valid shape is rejected.
	other := strings.Replace(string(data), h.ID, strings.Repeat("0", 64), 1)
	writeConfig(t, dir, []byte(other))
	_, err := Open(context.Background(), local.New(dir), testPassword)
	if err == nil || !strings.Contains(err.Error(), ErrAuth.Error()) {
		t.Fatalf("Open with a changed header: err = %v", err)
	}
}
