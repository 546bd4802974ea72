package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/repo"
)

func initCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "create a new repository",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "compression", Value: "fastest", Usage: "zstd `LEVEL`: fastest, default, better or best"},
			&cli.IntFlag{Name: "pack-size", Value: 16, Usage: "target pack size in `MiB`"},
			&cli.BoolFlag{Name: "no-delta", Usage: "never store blobs as deltas against earlier ones"},
			&cli.Float64Flag{Name: "delta-ratio", Value: repo.DefaultConfig().Delta.MaxRatio, Usage: "store a chunk in full, as a new keyframe, once its delta would pass this `SHARE` of its keyframe's size (scaled 0.5-1.5 per keyframe)"},
			&cli.UintFlag{Name: "kdf-memory", Value: uint(repo.DefaultKDF.Memory / 1024), Usage: "argon2id memory in `MiB` for the password key"},
			&cli.UintFlag{Name: "kdf-time", Value: uint(repo.DefaultKDF.Time), Usage: "argon2id passes for the password key"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageErr("init takes no arguments; give the location with -r/--repo")
			}
			cfg := repo.DefaultConfig()
			cfg.Compression = c.String("compression")
			cfg.PackSize = c.Int("pack-size") << 20
			cfg.Delta.Enabled = !c.Bool("no-delta")
			cfg.Delta.MaxRatio = c.Float64("delta-ratio")
			if err := cfg.Validate(); err != nil {
				return usageErr("init: %v", err)
			}
			be, err := g.backend()
			if err != nil {
				return err
			}
			pw, err := g.password(c.Context)
			if err != nil {
				return err
			}
			kdf := repo.DefaultKDF
			kdf.Memory = uint32(c.Uint("kdf-memory")) * 1024
			kdf.Time = uint32(c.Uint("kdf-time"))
			pol, err := testPolynomial()
			if err != nil {
				return usageErr("init: %v", err)
			}
			r, err := repo.Init(c.Context, be, pw, repo.InitOptions{Config: cfg, KDF: kdf, Polynomial: pol})
			if errors.Is(err, backend.ErrExist) {
				return fmt.Errorf("a repository already exists at %s: use it, or choose another location", be.Location())
			}
			if err != nil {
				return describe(fmt.Errorf("init: %w", err))
			}
			g.infof("created repository %s at %s", r.Config().ID[:10], be.Location())
			return nil
		},
	}
}

// testPolynomial returns the chunker polynomial that the environment
// variable SQLVAULT_TEST_CHUNKER_POLYNOMIAL (hexadecimal) sets, or 0 for a
// random one. It is for tests and benchmarks, whose chunk boundaries must
// not vary between runs; a real repository keeps its polynomial random and
// secret.
func testPolynomial() (uint64, error) {
	v := os.Getenv("SQLVAULT_TEST_CHUNKER_POLYNOMIAL")
	if v == "" {
		return 0, nil
	}
	pol, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(v), "0x"), 16, 64)
	if err != nil || pol == 0 {
		return 0, fmt.Errorf("SQLVAULT_TEST_CHUNKER_POLYNOMIAL=%q is not a hexadecimal polynomial", v)
	}
	return pol, nil
}
