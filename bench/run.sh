#!/usr/bin/env bash
# bench/run.sh: side-by-side benchmark of sqlvault and restic on the same
# generated T-SQL dump, in one run. See bench/README.md.
#
# Environment (all optional):
#   SIZE=1000000000   day-0 input size in bytes (100M, 1G, 1GiB also work)
#   DAYS=1            back up days 0..DAYS and report each day's growth
#   UPDATE=0.001      fraction of rows updated per day (scattered)
#   APPEND=0.005      fraction of rows appended per day
#   SEED=1            workload seed
#   DELTA_RATIO=      sqlvault init --delta-ratio (default: sqlvault's own)
#   TOOLS="sqlvault restic"   which tools to run (e.g. TOOLS=restic)
#   KEEP=0            1 keeps the work directory (inputs, repos, logs)
#   RESULTS=          also append the JSON result line to this file
#   TMPDIR=/tmp       where the work directory is made
#   STORE=local       local: repositories in folders; s3: both tools write to
#                     one MinIO on 127.0.0.1 (started here, installed by
#                     scripts/install-minio.sh), each into its own bucket
set -euo pipefail
export LC_ALL=C # '.' as the decimal point everywhere, also in EPOCHREALTIME

SIZE=${SIZE:-1000000000}
DAYS=${DAYS:-1}
UPDATE=${UPDATE:-0.001}
APPEND=${APPEND:-0.005}
SEED=${SEED:-1}
TOOLS=${TOOLS:-sqlvault restic}
KEEP=${KEEP:-0}
RESULTS=${RESULTS:-}
STORE=${STORE:-local}

say() { echo "bench: $*" >&2; }
die() {
	echo "bench: error: $*" >&2
	exit 1
}

[[ $DAYS =~ ^[0-9]+$ ]] || die "DAYS must be a whole number, got '$DAYS'"
[[ $STORE == local || $STORE == s3 ]] || die "STORE must be local or s3, got '$STORE'"
read -r -a tools <<<"$TOOLS"
((${#tools[@]} > 0)) || die "TOOLS is empty"
for t in "${tools[@]}"; do
	[[ $t == sqlvault || $t == restic ]] || die "unknown tool '$t' in TOOLS (known: sqlvault restic)"
done
has_tool() {
	local t
	for t in "${tools[@]}"; do [[ $t == "$1" ]] && return 0; done
	return 1
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sqlvault-bench.XXXXXX")
MINIO_PID=""
cleanup() {
	if [[ -n $MINIO_PID ]]; then
		kill "$MINIO_PID" 2>/dev/null || true
		wait "$MINIO_PID" 2>/dev/null || true
	fi
	if [[ $KEEP == 1 ]]; then
		say "kept work directory $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
mkdir -p "$WORK/logs"

# --- tools -------------------------------------------------------------

apt_install() {
	local sudo=()
	if (($(id -u) != 0)); then
		command -v sudo >/dev/null || die "need Debian packages '$*'; install them (apt-get install $*) or run as root"
		sudo=(sudo)
	fi
	say "installing $* with apt-get"
	if ! { "${sudo[@]}" apt-get update && "${sudo[@]}" apt-get install -y "$@"; } >"$WORK/logs/apt.log" 2>&1; then
		tail -n 20 "$WORK/logs/apt.log" >&2
		die "apt-get install $* failed"
	fi
}
command -v go >/dev/null || die "go is not on PATH"
[[ -x /usr/bin/time ]] || apt_install time
if has_tool restic && ! command -v restic >/dev/null; then apt_install restic; fi

say "building bench/gen"
(cd "$ROOT" && go build -o "$WORK/gen" ./bench/gen) || die "cannot build bench/gen"
if has_tool sqlvault; then
	say "building sqlvault"
	(cd "$ROOT" && go build -o "$WORK/sqlvault" ./cmd/sqlvault) >"$WORK/logs/build-sqlvault.log" 2>&1 || {
		cat "$WORK/logs/build-sqlvault.log" >&2
		die "cannot build sqlvault from ./cmd/sqlvault; to benchmark restic alone, run TOOLS=restic $0"
	}
	[[ -x $WORK/sqlvault ]] || die "go build made no sqlvault binary"
fi

# Every tool runs with its own repository and an isolated cache directory.
USER_CACHE_HOME=${XDG_CACHE_HOME:-} # where scripts/install-minio.sh keeps minio
export XDG_CACHE_HOME="$WORK/cache"
restic_global=()
if has_tool restic && restic --help 2>&1 | grep -q -- '--compression'; then
	restic_global=(--compression auto)
fi
restic_init=()
if has_tool restic && restic init --help 2>&1 | grep -q -- '--repository-version'; then
	restic_init=(--repository-version 2)
fi

# With STORE=s3, one MinIO serves both tools, each its own bucket.
if [[ $STORE == s3 ]]; then
	minio_bin=$(XDG_CACHE_HOME="$USER_CACHE_HOME" "$ROOT/scripts/install-minio.sh") || die "cannot install minio (scripts/install-minio.sh)"
	MINIO_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 39123)
	mkdir -p "$WORK/minio"
	MINIO_ROOT_USER=bench MINIO_ROOT_PASSWORD=bench-secret MINIO_BROWSER=off MINIO_UPDATE=off HOME="$WORK/minio" \
		"$minio_bin" server --quiet --address "127.0.0.1:$MINIO_PORT" --console-address "127.0.0.1:$((MINIO_PORT + 1))" \
		--certs-dir "$WORK/minio/certs" "$WORK/minio/data" >"$WORK/logs/minio.log" 2>&1 &
	MINIO_PID=$!
	for _ in $(seq 600); do
		curl -fs "http://127.0.0.1:$MINIO_PORT/minio/health/ready" >/dev/null 2>&1 && break
		kill -0 "$MINIO_PID" 2>/dev/null || { cat "$WORK/logs/minio.log" >&2; die "minio exited"; }
		sleep 0.1
	done
	curl -fs "http://127.0.0.1:$MINIO_PORT/minio/health/ready" >/dev/null || die "minio not ready"
	say "minio on 127.0.0.1:$MINIO_PORT ($minio_bin)"
	export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret AWS_EC2_METADATA_DISABLED=true
fi

# repo_url TOOL: where TOOL keeps its repository.
repo_url() {
	if [[ $STORE == s3 ]]; then echo "s3:http://127.0.0.1:$MINIO_PORT/bench-$1"; else echo "$WORK/repo-$1"; fi
}

# tool_cmd TOOL: sets CMD to the command line that runs TOOL on its repository.
tool_cmd() {
	case $1 in
	sqlvault) CMD=(env SQLVAULT_REPOSITORY="$(repo_url sqlvault)" SQLVAULT_PASSWORD=x "$WORK/sqlvault") ;;
	restic) CMD=(env RESTIC_REPOSITORY="$(repo_url restic)" RESTIC_PASSWORD=x restic "${restic_global[@]}") ;;
	esac
}

# run_logged LABEL CMD...: runs CMD with output in logs/LABEL.log, or dies.
run_logged() {
	local label=$1
	shift
	"$@" >"$WORK/logs/$label.log" 2>&1 || {
		tail -n 20 "$WORK/logs/$label.log" >&2
		die "$label failed (command: $*)"
	}
}

# timed LABEL IN OUT CMD...: runs CMD with stdin IN and stdout OUT; sets
# T_SEC (wall seconds) and T_KB (peak RSS in KiB, from /usr/bin/time).
timed() {
	local label=$1 in=$2 out=$3
	shift 3
	local tf="$WORK/logs/$label.time" t0 t1
	t0=$EPOCHREALTIME
	/usr/bin/time -f '%e %M' -o "$tf" "$@" <"$in" >"$out" 2>"$WORK/logs/$label.log" || {
		tail -n 20 "$WORK/logs/$label.log" >&2
		die "$label failed (command: $*)"
	}
	t1=$EPOCHREALTIME
	T_SEC=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	T_KB=$(tail -n 1 "$tf" | awk '{ print $2 }')
}

repo_bytes() {
	if [[ $STORE == s3 ]]; then
		# MinIO's files for the bucket: the objects plus its metadata, alike for both tools.
		du -sb "$WORK/minio/data/bench-$1" | awk '{ print $1 }'
	else
		du -sb "$WORK/repo-$1" | awk '{ print $1 }'
	fi
}
# div A B [DIGITS]: A/B, or "inf" when B is 0.
div() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (b == 0) print "inf"; else printf "%.*f\n", d, a / b }'; }
mbps() { div "$1" "$(awk -v s="$2" 'BEGIN { print s * 1000000 }')" 1; }

# --- run -----------------------------------------------------------------

IN="$WORK/day.sql"
declare -A backup_sec backup_mbps repo rss_backup dump_sec dump_mbps rss_dump
declare -a in_bytes

for t in "${tools[@]}"; do
	tool_cmd "$t"
	extra=()
	[[ $t == restic ]] && extra=("${restic_init[@]}")
	[[ $t == sqlvault && -n ${DELTA_RATIO:-} ]] && extra=(--delta-ratio "$DELTA_RATIO")
	run_logged "init-$t" "${CMD[@]}" init "${extra[@]}"
	rss_backup[$t]=0
done

for ((d = 0; d <= DAYS; d++)); do
	say "generating day $d (SIZE=$SIZE UPDATE=$UPDATE APPEND=$APPEND SEED=$SEED)"
	"$WORK/gen" -size "$SIZE" -day "$d" -update "$UPDATE" -append "$APPEND" -seed "$SEED" -o "$IN" ||
		die "bench/gen failed"
	in_bytes[d]=$(stat -c %s "$IN")
	for t in "${tools[@]}"; do
		tool_cmd "$t"
		cat "$IN" >/dev/null # read warm, like the other tool
		say "day $d: $t backup of ${in_bytes[d]} bytes"
		timed "backup-$t-day$d" "$IN" "$WORK/logs/backup-$t-day$d.out" \
			"${CMD[@]}" backup --stdin --stdin-filename db.sql
		backup_sec[$t,$d]=$T_SEC
		backup_mbps[$t,$d]=$(mbps "${in_bytes[d]}" "$T_SEC")
		if ((T_KB > ${rss_backup[$t]})); then rss_backup[$t]=$T_KB; fi
		repo[$t,$d]=$(repo_bytes "$t")
	done
done

for t in "${tools[@]}"; do
	tool_cmd "$t"
	say "$t: dump latest"
	timed "dump-$t" /dev/null /dev/null "${CMD[@]}" dump latest db.sql
	dump_sec[$t]=$T_SEC
	dump_mbps[$t]=$(mbps "${in_bytes[DAYS]}" "$T_SEC")
	rss_dump[$t]=$T_KB
	say "$t: verifying the dump against day $DAYS"
	if ! "${CMD[@]}" dump latest db.sql 2>"$WORK/logs/verify-$t.log" | cmp -s - "$IN"; then
		tail -n 20 "$WORK/logs/verify-$t.log" >&2
		KEEP=1
		die "$t: dump of the latest snapshot is NOT byte-identical to the day-$DAYS input ($IN); work directory kept"
	fi
done

# --- report --------------------------------------------------------------

# val METRIC-KEY TOOL: prints one figure.
val() { # METRIC-KEY TOOL
	local k=$1 t=$2
	case $k in
	backup_mbps_day*) echo "${backup_mbps[$t,${k#backup_mbps_day}]}" ;;
	repo_bytes_day*) echo "${repo[$t,${k#repo_bytes_day}]}" ;;
	growth_bytes_day*)
		local d=${k#growth_bytes_day}
		local now=${repo[$t,$d]} before=${repo[$t,$((d - 1))]}
		echo $((now - before))
		;;
	rss_backup_mb) div "${rss_backup[$t]}" 1024 1 ;;
	dump_mbps) echo "${dump_mbps[$t]}" ;;
	rss_dump_mb) div "${rss_dump[$t]}" 1024 1 ;;
	esac
}
# Metrics: key|kind|label, kind hi = higher is better, lo = lower is better.
metrics=()
for ((d = 0; d <= DAYS; d++)); do metrics+=("backup_mbps_day$d|hi|backup MB/s day $d"); done
metrics+=("repo_bytes_day0|lo|repo bytes after day 0")
for ((d = 1; d <= DAYS; d++)); do metrics+=("growth_bytes_day$d|lo|repo growth bytes day $d"); done
if ((DAYS > 1)); then metrics+=("repo_bytes_day$DAYS|lo|repo bytes after day $DAYS"); fi
metrics+=("rss_backup_mb|lo|peak RSS MB (backup)" "dump_mbps|hi|dump MB/s (latest)" "rss_dump_mb|lo|peak RSS MB (dump)")

ratio() { # KIND SQLVAULT RESTIC: >1 means sqlvault is better
	if [[ $1 == hi ]]; then div "$2" "$3"; else div "$3" "$2"; fi
}

both=0
has_tool sqlvault && has_tool restic && both=1
echo
last=""
((DAYS > 0)) && last=", day $DAYS ${in_bytes[DAYS]} bytes"
printf 'input: day 0 %s bytes%s; update %s, append %s per day; seed %s; %s CPUs; store %s\n' \
	"${in_bytes[0]}" "$last" "$UPDATE" "$APPEND" "$SEED" "$(nproc)" "$STORE"
printf '%-28s %16s %16s %9s  %s\n' metric sqlvault restic ratio "ratio (>1 = sqlvault better)"
json_tools=""
for t in sqlvault restic; do
	has_tool "$t" || continue
	j=""
	for m in "${metrics[@]}"; do
		IFS='|' read -r key _ _ <<<"$m"
		v=$(val "$key" "$t")
		j+="\"$key\":$v,"
	done
	secs=""
	for ((d = 0; d <= DAYS; d++)); do secs+="${backup_sec[$t,$d]},"; done
	j+="\"backup_seconds\":[${secs%,}],\"dump_seconds\":${dump_sec[$t]}"
	json_tools+="\"$t\":{$j},"
done
json_ratios=""
for m in "${metrics[@]}"; do
	IFS='|' read -r key kind label <<<"$m"
	s=-
	r=-
	has_tool sqlvault && s=$(val "$key" sqlvault)
	has_tool restic && r=$(val "$key" restic)
	q=-
	how=""
	if ((both)); then
		q=$(ratio "$kind" "$s" "$r")
		if [[ $kind == hi ]]; then how="sqlvault/restic"; else how="restic/sqlvault"; fi
		[[ $q == inf ]] && jq_q=null || jq_q=$q
		json_ratios+="\"$key\":$jq_q,"
	fi
	printf '%-28s %16s %16s %9s  %s\n' "$label" "$s" "$r" "$q" "$how"
done

ver_restic=null
has_tool restic && ver_restic="\"$(restic version | awk '{ print $2 }')\""
ver_sqlvault=null
has_tool sqlvault && ver_sqlvault="\"$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)\""
json=$(printf '{"bench":"sqlvault-vs-restic","store":"'"$STORE"'","date":"%s","host":"%s","cpus":%s,"size":"%s","days":%s,"update":%s,"append":%s,"seed":%s,"input_bytes":[%s],"versions":{"restic":%s,"sqlvault":%s},"tools":{%s},"ratios_sqlvault_better_above_1":{%s}}' \
	"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(hostname)" "$(nproc)" "$SIZE" "$DAYS" "$UPDATE" "$APPEND" "$SEED" \
	"$(
		IFS=,
		echo "${in_bytes[*]}"
	)" \
	"$ver_restic" "$ver_sqlvault" \
	"${json_tools%,}" "${json_ratios%,}")
echo
echo "$json"
if [[ -n $RESULTS ]]; then
	echo "$json" >>"$RESULTS"
	say "appended the result line to $RESULTS"
fi
