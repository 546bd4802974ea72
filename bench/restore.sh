#!/usr/bin/env bash
# bench/restore.sh: restore --to against running the same snapshot's
# scripts through the same driver (issue 13), with the source and the
# restore target (mssqltest -bench-rows N, mssqltest -target) in processes
# of their own. See bench/README.md.
#
# Environment (all optional):
#   ROWS="200000 1000000"   table sizes (rows of dbo.Mixed)
#   REPEAT=3                runs of each method per size; the table shows the medians
#   RESULTS=                also append each size's JSON line to this file
#   TARGET_URL=             restore into this server (a real SQL Server: sqlserver://user@host?...,
#                           password in SQLVAULT_MSSQL_PASSWORD) instead of mssqltest -target;
#                           each run creates a database there and drops it after
#   TMPDIR=/tmp             where the work folder goes (repository and restored files:
#                           about 0.5 GB at 1,000,000 rows)
set -euo pipefail

ROWS=${ROWS:-200000 1000000}
REPEAT=${REPEAT:-3}
RESULTS=${RESULTS:-}
TARGET_URL=${TARGET_URL:-}

say() { echo "restore-bench: $*" >&2; }
die() {
	echo "restore-bench: error: $*" >&2
	exit 1
}
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || die "REPEAT must be a positive whole number, got '$REPEAT'"
for n in $ROWS; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "ROWS must be positive whole numbers, got '$n'"
done
command -v go >/dev/null || die "go is not on PATH"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sqlvault-restorebench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

say "building mssqltest, sqlvault and restorebench"
(cd "$ROOT" && go build -o "$WORK/mssqltest" ./mssql/mssqltest/cmd/mssqltest) || die "cannot build mssqltest"
(cd "$ROOT" && go build -o "$WORK/sqlvault" ./cmd/sqlvault) || die "cannot build sqlvault"
(cd "$ROOT" && go build -o "$WORK/restorebench" ./bench/restorebench) || die "cannot build bench/restorebench"

printf '%s (%s), %s CPUs\n' "$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)" \
	"$(go version | awk '{ print $3 }')" "$(nproc)"
for n in $ROWS; do
	say "$n rows, $REPEAT runs of each method"
	"$WORK/restorebench" -rows "$n" -repeat "$REPEAT" -mssqltest "$WORK/mssqltest" -sqlvault "$WORK/sqlvault" \
		-work "$WORK/run-$n" ${TARGET_URL:+-target-url "$TARGET_URL"} >"$WORK/out-$n" || die "restorebench failed at $n rows"
	rm -rf "$WORK/run-$n"
	echo
	sed '$d' "$WORK/out-$n"
	if [[ -n $RESULTS ]]; then tail -n 1 "$WORK/out-$n" >>"$RESULTS"; fi
done
