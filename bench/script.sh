#!/usr/bin/env bash
# bench/script.sh: the scripter's client-side cost, with the TDS test server
# (mssqltest -bench-rows N) in another process. See bench/README.md.
#
# Environment (all optional):
#   ROWS="200000 2000000"   table sizes (rows of dbo.Mixed) to script
#   REPEAT=3                runs per size; the table shows the medians
#   RESULTS=                also append each run's JSON line to this file
#
# Each run is followed by one of scriptbench -driver-only (the rows read
# through go-mssqldb and database/sql, nothing scripted): the last column,
# the part of the client's cost that is the driver's.
set -euo pipefail

ROWS=${ROWS:-200000 2000000}
REPEAT=${REPEAT:-3}
RESULTS=${RESULTS:-}

say() { echo "script-bench: $*" >&2; }
die() {
	echo "script-bench: error: $*" >&2
	exit 1
}
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || die "REPEAT must be a positive whole number, got '$REPEAT'"
command -v go >/dev/null || die "go is not on PATH"
command -v jq >/dev/null || die "jq is not on PATH (apt-get install jq)"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sqlvault-scriptbench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

say "building mssqltest and scriptbench"
(cd "$ROOT" && go build -o "$WORK/mssqltest" ./mssql/mssqltest/cmd/mssqltest) || die "cannot build mssqltest"
(cd "$ROOT" && go build -o "$WORK/scriptbench" ./bench/scriptbench) || die "cannot build bench/scriptbench"

# median FILE FIELD: the median of FIELD over the JSON lines of FILE.
median() {
	jq -s --arg f "$2" 'map(.[$f]) | sort | .[(length - 1) / 2 | floor]' "$1"
}

printf '%s (%s), %s CPUs, %s runs per size, medians\n' "$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)" \
	"$(go version | awk '{ print $3 }')" "$(nproc)" "$REPEAT"
printf '%10s %10s %12s %10s %10s %10s %12s %12s\n' rows "MB T-SQL" "client CPU s" "wall s" "MB/CPU s" "CPU s/GB" "peak RSS MB" "driver CPU s"
for n in $ROWS; do
	runs="$WORK/runs-$n.jsonl" floor="$WORK/driver-$n.jsonl"
	: >"$runs"
	: >"$floor"
	for ((i = 1; i <= REPEAT; i++)); do
		say "$n rows, run $i of $REPEAT"
		"$WORK/scriptbench" -rows "$n" -server-cmd "$WORK/mssqltest" >"$WORK/out" || die "scriptbench failed"
		tail -n 1 "$WORK/out" >>"$runs"
		"$WORK/scriptbench" -rows "$n" -server-cmd "$WORK/mssqltest" -driver-only >"$WORK/out" || die "scriptbench -driver-only failed"
		tail -n 1 "$WORK/out" >>"$floor"
	done
	[[ -n $RESULTS ]] && cat "$runs" "$floor" >>"$RESULTS"
	printf '%10s %10.1f %12.2f %10.2f %10.1f %10.1f %12.1f %12.2f\n' "$n" \
		"$(median "$runs" bytes | awk '{ print $1 / 1e6 }')" "$(median "$runs" cpu_s)" "$(median "$runs" wall_s)" \
		"$(median "$runs" mb_per_cpu_s)" "$(median "$runs" cpu_s_per_gb)" "$(median "$runs" peak_rss_mb)" "$(median "$floor" cpu_s)"
done
