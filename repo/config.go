package repo

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/klauspost/compress/zstd"
	"github.com/sqlvault/sqlvault/chunk"
)

// FormatVersion is the repository format this code reads and writes.
const FormatVersion = 1

// configMagic is the value of the "sqlvault" field of a config header.
const configMagic = "repository"

// ConfigHeader is the plaintext first line of the config file: enough to
// recognise a repository and refuse unknown versions before asking for a key.
type ConfigHeader struct {
	Magic   string `json:"sqlvault"`
	Version int    `json:"version"`
	ID      string `json:"id"`
}

// Config holds the repository's parameters, stored encrypted after the
// header line of the config file.
type Config struct {
	ID          string       `json:"id"`
	Chunker     chunk.Params `json:"chunker"`
	PackSize    int          `json:"pack_size"`
	Compression string       `json:"compression"` // "fastest", "default", "better"
	Delta       DeltaConfig  `json:"delta"`
}

// DeltaConfig controls delta blobs (blobs stored as a difference against a
// base blob).
type DeltaConfig struct {
	Enabled  bool    `json:"enabled"`
	MaxRatio float64 `json:"max_ratio"` // a delta larger than this share of its base is stored in full
}

// DefaultConfig returns the parameters of a new repository.
func DefaultConfig() Config {
	return Config{Chunker: chunk.DefaultParams, PackSize: 16 << 20, Compression: "fastest", Delta: DeltaConfig{Enabled: true, MaxRatio: 0.5}}
}

// Validate reports the first parameter of c that is out of range, so that
// a bad setting is refused before a repository is created with it.
func (c Config) Validate() error {
	if err := c.Chunker.Validate(); err != nil {
		return err
	}
	if c.PackSize < 1<<20 || c.PackSize > 512<<20 {
		return fmt.Errorf("invalid pack size %d (1 MiB to 512 MiB)", c.PackSize)
	}
	if _, err := zstdLevel(c.Compression); err != nil {
		return err
	}
	if c.Delta.Enabled && !(c.Delta.MaxRatio > 0 && c.Delta.MaxRatio <= 1) {
		return fmt.Errorf("invalid delta ratio %g (above 0, at most 1)", c.Delta.MaxRatio)
	}
	return nil
}

func zstdLevel(name string) (zstd.EncoderLevel, error) {
	switch name {
	case "fastest":
		return zstd.SpeedFastest, nil
	case "default":
		return zstd.SpeedDefault, nil
	case "better":
		return zstd.SpeedBetterCompression, nil
	case "best":
		return zstd.SpeedBestCompression, nil
	}
	return 0, fmt.Errorf("unknown compression level %q (fastest, default, better, best)", name)
}

// ParseConfigHeader splits a config file into its header and sealed body.
func ParseConfigHeader(data []byte) (ConfigHeader, []byte, error) {
	var h ConfigHeader
	line, body, ok := bytes.Cut(data, []byte("\n"))
	if !ok {
		return h, nil, fmt.Errorf("config: no header line")
	}
	if err := json.Unmarshal(line, &h); err != nil || h.Magic != configMagic {
		return h, nil, fmt.Errorf("config: not a sqlvault repository")
	}
	if h.Version != FormatVersion {
		return h, nil, fmt.Errorf("config: repository format version %d is not supported (this sqlvault reads version %d): use a newer sqlvault", h.Version, FormatVersion)
	}
	return h, body, nil
}
