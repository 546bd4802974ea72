#!/usr/bin/env bash
# bench/prune.sh: prune of sqlvault against restic on the same history of
# daily backups, in one run. See bench/README.md.
#
# Both tools back up the same SNAPSHOTS days of the generated T-SQL dump
# (bench/gen, one snapshot a day from stdin as db.sql); then each runs
# "forget --keep-last KEEPLAST --prune", timed with /usr/bin/time. Every
# kept snapshot is then checked (check --read-data) and the latest one is
# dumped and compared with the last day's input.
#
# Environment (all optional):
#   SIZE=50000000     day-0 input size in bytes (100M, 1G also work)
#   SNAPSHOTS=30      days backed up
#   KEEPLAST=10       snapshots kept
#   UPDATE=0.001      fraction of rows updated per day
#   APPEND=0.005      fraction of rows appended per day
#   SEED=1            workload seed
#   SQLVAULT_PRUNE_ARGS=""   more prune options for sqlvault (e.g. --repack-threshold 5%)
#   RESTIC_PRUNE_ARGS=""     more prune options for restic (e.g. --max-unused 50%)
#   KEEP=0            1 keeps the work directory
#   TMPDIR=/tmp       where the work directory is made
set -euo pipefail
export LC_ALL=C

SIZE=${SIZE:-50000000}
SNAPSHOTS=${SNAPSHOTS:-30}
KEEPLAST=${KEEPLAST:-10}
UPDATE=${UPDATE:-0.001}
APPEND=${APPEND:-0.005}
SEED=${SEED:-1}
SQLVAULT_PRUNE_ARGS=${SQLVAULT_PRUNE_ARGS:-}
RESTIC_PRUNE_ARGS=${RESTIC_PRUNE_ARGS:-}
KEEP=${KEEP:-0}

say() { echo "prune-bench: $*" >&2; }
die() {
	echo "prune-bench: error: $*" >&2
	exit 1
}
[[ $SNAPSHOTS =~ ^[0-9]+$ && $SNAPSHOTS -ge 2 ]] || die "SNAPSHOTS must be a number >= 2"
[[ $KEEPLAST =~ ^[0-9]+$ && $KEEPLAST -ge 1 && $KEEPLAST -lt $SNAPSHOTS ]] || die "KEEPLAST must be from 1 to SNAPSHOTS-1"
command -v go >/dev/null || die "go is not on PATH"
command -v restic >/dev/null || die "restic is not installed (apt-get install restic)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is not installed (apt-get install time)"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sqlvault-prune-bench.XXXXXX")
cleanup() {
	if [[ $KEEP == 1 ]]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
mkdir -p "$WORK/logs"
export XDG_CACHE_HOME="$WORK/cache"

say "building bench/gen and sqlvault"
(cd "$ROOT" && go build -o "$WORK/gen" ./bench/gen && go build -o "$WORK/sqlvault" ./cmd/sqlvault) >"$WORK/logs/build.log" 2>&1 ||
	{
		cat "$WORK/logs/build.log" >&2
		die "build failed"
	}

SV=(env SQLVAULT_REPOSITORY="$WORK/repo-sqlvault" SQLVAULT_PASSWORD=x "$WORK/sqlvault")
RS=(env RESTIC_REPOSITORY="$WORK/repo-restic" RESTIC_PASSWORD=x restic)
if restic --help 2>&1 | grep -q -- '--compression'; then RS+=(--compression auto); fi
rinit=()
if restic init --help 2>&1 | grep -q -- '--repository-version'; then rinit=(--repository-version 2); fi

run() { # LABEL CMD...: runs CMD, output to logs/LABEL.log, or dies
	local label=$1
	shift
	"$@" >"$WORK/logs/$label.log" 2>&1 || {
		tail -n 20 "$WORK/logs/$label.log" >&2
		die "$label failed: $*"
	}
}
timed() { # LABEL CMD...: sets T_SEC and T_KB (peak RSS, KiB)
	local label=$1
	shift
	/usr/bin/time -f '%e %M' -o "$WORK/logs/$label.time" "$@" >"$WORK/logs/$label.log" 2>&1 || {
		tail -n 20 "$WORK/logs/$label.log" >&2
		die "$label failed: $*"
	}
	read -r T_SEC T_KB <"$WORK/logs/$label.time"
}
bytes() { du -sb "$1" | awk '{ print $1 }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "inf"; else printf "%.2f\n", a / b }'; }

run init-sqlvault "${SV[@]}" init
run init-restic "${RS[@]}" init "${rinit[@]}"
IN="$WORK/day.sql"
for ((d = 0; d < SNAPSHOTS; d++)); do
	"$WORK/gen" -size "$SIZE" -day "$d" -update "$UPDATE" -append "$APPEND" -seed "$SEED" -o "$IN" || die "bench/gen failed"
	say "day $d of $((SNAPSHOTS - 1)): $(stat -c %s "$IN") bytes"
	run "backup-sqlvault-$d" "${SV[@]}" backup --stdin --stdin-filename db.sql <"$IN"
	run "backup-restic-$d" "${RS[@]}" backup --stdin --stdin-filename db.sql <"$IN"
done
sv_before=$(bytes "$WORK/repo-sqlvault")
rs_before=$(bytes "$WORK/repo-restic")

# A copy of the sqlvault repository whose only key uses an 8 MiB argon2id
# (instead of the default 32 MiB): its prune shows prune's own memory, without the key
# derivation that dominates the peak of a small prune. Informational.
cp -a "$WORK/repo-sqlvault" "$WORK/repo-sqlvault-kdf8"
SV8=(env SQLVAULT_REPOSITORY="$WORK/repo-sqlvault-kdf8" SQLVAULT_PASSWORD=y "$WORK/sqlvault")
run passwd-kdf8 env SQLVAULT_REPOSITORY="$WORK/repo-sqlvault-kdf8" SQLVAULT_PASSWORD=x SQLVAULT_NEW_PASSWORD=y \
	"$WORK/sqlvault" key passwd --kdf-memory 8 --kdf-time 1

say "sqlvault forget --keep-last $KEEPLAST --prune $SQLVAULT_PRUNE_ARGS"
# shellcheck disable=SC2086
timed prune-sqlvault "${SV[@]}" forget --keep-last "$KEEPLAST" --prune $SQLVAULT_PRUNE_ARGS
sv_sec=$T_SEC sv_kb=$T_KB
say "restic forget --keep-last $KEEPLAST --prune $RESTIC_PRUNE_ARGS"
# shellcheck disable=SC2086
timed prune-restic "${RS[@]}" forget --keep-last "$KEEPLAST" --prune $RESTIC_PRUNE_ARGS
rs_sec=$T_SEC rs_kb=$T_KB
say "sqlvault (8 MiB key) forget --keep-last $KEEPLAST --prune $SQLVAULT_PRUNE_ARGS"
# shellcheck disable=SC2086
timed prune-sqlvault-kdf8 "${SV8[@]}" forget --keep-last "$KEEPLAST" --prune $SQLVAULT_PRUNE_ARGS
sv8_sec=$T_SEC sv8_kb=$T_KB
sv_after=$(bytes "$WORK/repo-sqlvault")
rs_after=$(bytes "$WORK/repo-restic")

say "verifying both repositories"
run check-sqlvault "${SV[@]}" check --read-data
run check-restic "${RS[@]}" check --read-data
for t in sqlvault restic; do
	if [[ $t == sqlvault ]]; then c=("${SV[@]}"); else c=("${RS[@]}"); fi
	"${c[@]}" dump latest db.sql 2>"$WORK/logs/dump-$t.log" | cmp -s - "$IN" || {
		KEEP=1
		die "$t: the latest snapshot does not dump byte-identical to the last day"
	}
done
n_sv=$("${SV[@]}" snapshots --json | grep -c '"short_id"')
[[ $n_sv == "$KEEPLAST" ]] || die "sqlvault kept $n_sv snapshots, want $KEEPLAST"

echo
printf 'history: %d daily snapshots of a %s-byte dump (update %s, append %s per day), keep the last %d; %s CPUs\n' \
	"$SNAPSHOTS" "$SIZE" "$UPDATE" "$APPEND" "$KEEPLAST" "$(nproc)"
printf '%-30s %14s %14s %8s\n' metric sqlvault restic ratio
printf '%-30s %14s %14s %8s  %s\n' "repo bytes before" "$sv_before" "$rs_before" "$(div "$rs_before" "$sv_before")" "restic/sqlvault"
printf '%-30s %14s %14s %8s  %s\n' "repo bytes after" "$sv_after" "$rs_after" "$(div "$rs_after" "$sv_after")" "restic/sqlvault"
printf '%-30s %14s %14s %8s  %s\n' "bytes freed" "$((sv_before - sv_after))" "$((rs_before - rs_after))" "-" ""
printf '%-30s %14s %14s %8s  %s\n' "forget+prune seconds" "$sv_sec" "$rs_sec" "$(div "$rs_sec" "$sv_sec")" "restic/sqlvault"
printf '%-30s %14s %14s %8s  %s\n' "forget+prune peak RSS MB" "$(div "$sv_kb" 1024)" "$(div "$rs_kb" 1024)" "$(div "$rs_kb" "$sv_kb")" "restic/sqlvault"
printf '%-30s %14s %14s %8s  %s\n' "  same, 8 MiB key (sqlvault)" "$sv8_sec s" "$(div "$sv8_kb" 1024) MB" "-" "prune without the 32 MiB key derivation"
echo "(ratios > 1: sqlvault better)"
printf '{"bench":"prune","size":"%s","snapshots":%d,"keep_last":%d,"cpus":%d,"sqlvault":{"before":%d,"after":%d,"seconds":%s,"rss_kb":%d},"restic":{"before":%d,"after":%d,"seconds":%s,"rss_kb":%d}}\n' \
	"$SIZE" "$SNAPSHOTS" "$KEEPLAST" "$(nproc)" "$sv_before" "$sv_after" "$sv_sec" "$sv_kb" "$rs_before" "$rs_after" "$rs_sec" "$rs_kb"
