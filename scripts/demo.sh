#!/usr/bin/env bash
# The demo: serve the sample SQL Server database (mssqltest), back it up
# twice, list the snapshots, restore it straight into a second server
# (a restore target, mssqltest -target) and verify the snapshot there,
# dump the database as one T-SQL script and restore it as a folder; then
# a short round trip of a plain folder.
# Usage: scripts/demo.sh [path/to/sqlvault]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-bin/sqlvault}")
work=$(mktemp -d "${TMPDIR:-/tmp}/sqlvault-demo.XXXXXX")
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
export SQLVAULT_REPOSITORY="$work/repo" SQLVAULT_PASSWORD="demo-password"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# The sample holds objects that cannot be scripted (a CLR assembly, an
# encrypted procedure, Service Broker objects) on purpose: they are warned
# about and listed in the snapshot's manifest.json; every table is in the
# snapshot with its rows, so the backup exits 0.

step "start a TDS server with the sample database (mssql/mssqltest): every data type at its edges, every object kind"
go build -o "$work/mssqltest" ./mssql/mssqltest/cmd/mssqltest
"$work/mssqltest" -addr 127.0.0.1:0 > "$work/server.url" 2> "$work/server.log" &
pids+=($!)
for _ in $(seq 50); do [ -s "$work/server.url" ] && break; sleep 0.1; done
url=$(head -n1 "$work/server.url")
export SQLVAULT_MSSQL_PASSWORD=mssqltest   # never on the command line
echo "server: $url"

step "sqlvault init"
"$bin" init

step "day 0: sqlvault backup $url"
"$bin" -v backup "$url" --tag daily

step "day 1: the database did not change: the second backup stores almost nothing"
"$bin" backup "$url" --tag daily

step "sqlvault snapshots"
"$bin" snapshots

step "start a second TDS server: a restore target holding only master (mssqltest -target)"
"$work/mssqltest" -target -addr 127.0.0.1:0 > "$work/target.url" 2> "$work/target.log" &
pids+=($!)
for _ in $(seq 50); do [ -s "$work/target.url" ] && break; sleep 0.1; done
target=$(head -n1 "$work/target.url")
echo "target: $target"

step "sqlvault restore latest --to '$target&database=sample_copy' --create-database: straight into the server, tables bulk-loaded"
"$bin" restore latest --database sample --to "$target&database=sample_copy" --create-database

step "sqlvault verify latest --to '$target': restore into a scratch database, read every table back, compare with the backup"
"$bin" verify latest --database sample --to "$target"

step "the snapshot is a folder: master script, schema, one data file per table, post-data, manifest"
"$bin" ls latest > "$work/ls.txt"
head -n 12 "$work/ls.txt"
echo "..."
"$bin" dump latest sample/restore.sql

step "sqlvault dump latest sample.sql: the database as one ordered T-SQL script (sqlcmd -i or SSMS)"
"$bin" dump latest sample.sql > "$work/sample.sql"
echo "$(wc -c < "$work/sample.sql") bytes, $(grep -c '^GO$' "$work/sample.sql") batches; a row with quotes, CR/LF, a line GO and \$(x) in its strings:"
grep -m1 "^(3, N'Zo" "$work/sample.sql" | cut -c1-400

step "sqlvault restore latest: the folder, with its manifest"
"$bin" restore latest --target "$work/restored"
python3 - "$work/restored/sample/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print("server %s, database %s (%s), consistency: %s" % (m["server"]["product_version"], m["database"]["name"], m["database"]["collation"], m["consistency"]))
print("tables: " + ", ".join("%s %d rows" % (t["name"], t["rows"]) for t in m["tables"][:5]) + ", ...")
print("not scripted: " + "; ".join("%s %s (%s)" % (u["kind"], u["name"], u["reason"]) for u in m.get("unscripted", [])))
PY
# The files restore.sql includes (":r $(SqlvaultDir)/FILE"), each without its
# byte order mark, are the dumped script after its own header.
if (cd "$work/restored/sample" && for f in $(sed -n 's/^:r \$(SqlvaultDir)\/\(.*\)$/\1/p' restore.sql); do tail -c +4 "$f"; done) |
    cmp - <(sed '1,/^--   SSMS:/d' "$work/sample.sql"); then
  echo "the restored folder, run in order, is exactly the dumped script"
else
  echo "the restored folder does not make the dumped script" >&2
  exit 1
fi

step "files too: back up a small folder twice (leaving out *.tmp), restore and compare"
mkdir -p "$work/src/docs"
echo "hello from sqlvault" > "$work/src/docs/hello.txt"
printf 'ünïcødé ✓\n' > "$work/src/docs/ünïcødé name.txt"
echo "scratch" > "$work/src/docs/scratch.tmp"
"$bin" backup --tag demo --exclude '*.tmp' "$work/src"
"$bin" backup --tag demo --exclude '*.tmp' "$work/src"
# The snapshot keeps the absolute path, as restic does: the folder comes
# back at the same path below the target.
"$bin" restore latest --target "$work/restored-files"
rm "$work/src/docs/scratch.tmp"
diff -r "$work/src" "$work/restored-files$work/src" && echo "restored folder is identical (without the excluded file)"

step "sqlvault check --read-data"
"$bin" check --read-data
echo
echo "repository size: $(du -sh "$SQLVAULT_REPOSITORY" | cut -f1) for two backups of the sample database ($(wc -c < "$work/sample.sql") bytes of T-SQL each) and a folder"

step "unattended: a job in a config file, run once (backups, forget, check), every step a child sqlvault"
printf '%s\n' "$SQLVAULT_PASSWORD" > "$work/repo.pw"
printf '%s\n' "$SQLVAULT_MSSQL_PASSWORD" > "$work/sql.pw"
chmod 600 "$work/repo.pw" "$work/sql.pw"
cat > "$work/sqlvault.toml" <<TOML
[job.demo]
repository = "$SQLVAULT_REPOSITORY"
password_file = "$work/repo.pw"
schedule = "*-*-* 02:00:00"
randomized_delay = "10m"
tags = ["demo-job"]
metrics_file = "$work/sqlvault.prom"

[[job.demo.sources]]
sqlserver = "$url"
password_file = "$work/sql.pw"

[[job.demo.sources]]
paths = ["$work/src"]

[job.demo.retention]
keep_last = 7

[job.demo.check]
read_data_subset = "1/7"
TOML
cat "$work/sqlvault.toml"
"$bin" --config "$work/sqlvault.toml" --cache-dir "$work/cache" run demo
grep '^sqlvault_job' "$work/sqlvault.prom"

step "sqlvault schedule install --root DIR demo: the systemd units that run the job every night"
"$bin" --config "$work/sqlvault.toml" --cache-dir "$work/cache" schedule install --root "$work/root" demo
for f in "$work"/root/etc/systemd/system/sqlvault-demo.*; do echo "--- $f"; cat "$f"; done
