package main

import (
	"github.com/urfave/cli/v2"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/backend/s3"
)

// s3Options are the global options of repositories on S3.
type s3Options struct {
	region       string
	bucketLookup string
	caCert       string
	insecureTLS  bool
	storageClass string
	profile      string
	connections  int
	retries      int
}

func s3Flags() []cli.Flag {
	const cat = "S3 repositories (-r s3:https://host/bucket/prefix)"
	return []cli.Flag{
		&cli.StringFlag{Name: "s3-region", Category: cat, EnvVars: []string{"SQLVAULT_S3_REGION"}, Usage: "the bucket's `REGION` (default: asked from the server)"},
		&cli.StringFlag{Name: "s3-bucket-lookup", Category: cat, EnvVars: []string{"SQLVAULT_S3_BUCKET_LOOKUP"}, Value: "auto", Usage: "addressing: `auto`, path (host/bucket/key) or dns (bucket.host/key)"},
		&cli.StringFlag{Name: "s3-ca-cert", Category: cat, EnvVars: []string{"SQLVAULT_S3_CA_CERT"}, Usage: "trust the CA certificates in PEM `FILE` too"},
		&cli.BoolFlag{Name: "s3-insecure-tls", Category: cat, EnvVars: []string{"SQLVAULT_S3_INSECURE_TLS"}, Usage: "do not verify the server's TLS certificate"},
		&cli.StringFlag{Name: "s3-storage-class", Category: cat, EnvVars: []string{"SQLVAULT_S3_STORAGE_CLASS"}, Usage: "storage `CLASS` of new objects (e.g. STANDARD_IA)"},
		&cli.StringFlag{Name: "s3-profile", Category: cat, EnvVars: []string{"SQLVAULT_S3_PROFILE"}, Usage: "`PROFILE` of the shared credentials file (default: AWS_PROFILE or default)"},
		&cli.IntFlag{Name: "s3-connections", Category: cat, EnvVars: []string{"SQLVAULT_S3_CONNECTIONS"}, Value: s3.DefaultConnections, Usage: "`N` requests (and pack uploads) at once"},
		&cli.IntFlag{Name: "s3-retries", Category: cat, EnvVars: []string{"SQLVAULT_S3_RETRIES"}, Value: s3.DefaultRetries, Usage: "retry a request that failed for a transient reason `N` times (waiting 0.5 s, 1 s, 2 s, … up to 16 s)"},
	}
}

func (o *s3Options) load(c *cli.Context) {
	o.region = c.String("s3-region")
	o.bucketLookup = c.String("s3-bucket-lookup")
	o.caCert = c.String("s3-ca-cert")
	o.insecureTLS = c.Bool("s3-insecure-tls")
	o.storageClass = c.String("s3-storage-class")
	o.profile = c.String("s3-profile")
	o.connections = c.Int("s3-connections")
	o.retries = c.Int("s3-retries")
}

// s3Backend opens the S3 repository at location. Retries are reported as
// warnings, so that a slow backup says why.
func (g *globals) s3Backend(location string) (backend.Backend, error) {
	cfg, err := s3.ParseURL(location)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	o := g.s3
	if o.connections < 1 || o.connections > 64 {
		return nil, usageErr("--s3-connections must be between 1 and 64")
	}
	if o.retries < 0 {
		return nil, usageErr("--s3-retries must not be negative")
	}
	cfg.Region, cfg.BucketLookup, cfg.CACertFile, cfg.InsecureTLS = o.region, o.bucketLookup, o.caCert, o.insecureTLS
	cfg.StorageClass, cfg.Profile, cfg.Connections, cfg.Retries = o.storageClass, o.profile, o.connections, o.retries
	cfg.Notify = func(msg string) { g.warnf("%s", msg) }
	be, err := s3.New(cfg)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return be, nil
}
