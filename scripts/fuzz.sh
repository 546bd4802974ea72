#!/usr/bin/env bash
# Runs every fuzz target of the module for a short time each (default 8s).
# Usage: scripts/fuzz.sh [FUZZTIME]
set -euo pipefail
fuzztime=${1:-8s}
cd "$(dirname "$0")/.."
count=0
for pkg in $(go list ./...); do
  for name in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    echo "fuzz $pkg $name ($fuzztime)"
    go test -run='^$' -fuzz="^${name}\$" -fuzztime="$fuzztime" "$pkg" > /tmp/sqlvault-fuzz.log 2>&1 || {
      cat /tmp/sqlvault-fuzz.log
      echo "fuzz target $name in $pkg failed (the failing input is under testdata/fuzz/$name)"
      exit 1
    }
    count=$((count + 1))
  done
done
echo "fuzz: $count targets ran, 0 failed"
