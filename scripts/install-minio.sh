#!/usr/bin/env bash
# Installs the MinIO server that the S3 tests and bench/ run against, into a
# cache folder outside the repository, unless a minio binary is already
# found. The first build takes about 4 minutes; later runs reuse it.
#
# Where the tests look (backend/s3/s3test): $SQLVAULT_MINIO, then PATH, then
# ${XDG_CACHE_HOME:-$HOME/.cache}/sqlvault-tools/bin/minio.
# Usage: scripts/install-minio.sh   (prints the path of the binary)
set -euo pipefail
# The exact MinIO the tests are run against (a version the Go module proxy serves).
minio_version=v0.0.0-20260212201848-7aac2a2c5b7c
bin_dir="${XDG_CACHE_HOME:-$HOME/.cache}/sqlvault-tools/bin"
if [ -n "${SQLVAULT_MINIO:-}" ] && [ -x "$SQLVAULT_MINIO" ]; then
  echo "$SQLVAULT_MINIO"
  exit 0
fi
if p=$(command -v minio 2>/dev/null); then
  echo "$p"
  exit 0
fi
if [ -x "$bin_dir/minio" ]; then
  echo "$bin_dir/minio"
  exit 0
fi
mkdir -p "$bin_dir"
echo "installing minio into $bin_dir (go install github.com/minio/minio@$minio_version; takes a few minutes the first time)" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Build outside any module so that this repository's go.mod plays no part.
(cd "$tmp" && GOFLAGS=-buildvcs=false GOBIN="$tmp" go install github.com/minio/minio@$minio_version) >&2
mv "$tmp/minio" "$bin_dir/minio"
echo "$bin_dir/minio"
