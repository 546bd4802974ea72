#!/usr/bin/env bash
# The demo: back up a generated folder and a SQL-like stream twice, list the
# snapshots, restore and compare. Usage: scripts/demo.sh [path/to/sqlvault]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-bin/sqlvault}")
work=$(mktemp -d "${TMPDIR:-/tmp}/sqlvault-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
export SQLVAULT_REPOSITORY="$work/repo" SQLVAULT_PASSWORD="demo-password"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "generate a folder and a 50 MB SQL script (bench/gen)"
go run ./bench/gen -size 50000000 -o "$work/day0.sql"
go run ./bench/gen -size 50000000 -day 1 -o "$work/day1.sql"
mkdir -p "$work/src/docs/nested" "$work/src/empty folder"
echo "hello from sqlvault" > "$work/src/docs/hello.txt"
printf 'ünïcødé ✓\n' > "$work/src/docs/nested/ünïcødé name.txt"
ln -s docs/hello.txt "$work/src/link-to-hello"
head -c 5000000 /dev/urandom > "$work/src/docs/random.bin"

step "sqlvault init"
"$bin" init

step "day 0: back up the folder and the script"
"$bin" backup --tag demo "$work/src"
"$bin" backup --tag demo --stdin --stdin-filename db.sql < "$work/day0.sql"

step "day 1: the folder is unchanged, the script has 0.1% of rows updated and 0.5% appended"
"$bin" backup --tag demo "$work/src"
"$bin" backup --tag demo --stdin --stdin-filename db.sql < "$work/day1.sql"

step "sqlvault snapshots"
"$bin" snapshots

step "sqlvault restore latest folder snapshot, and dump the latest script"
folder_snap=$("$bin" snapshots --json | python3 -c 'import json,sys; print([s["short_id"] for s in json.load(sys.stdin) if s["source"]=="files"][-1])')
"$bin" restore "$folder_snap" --target "$work/restored"
diff -r "$work/src" "$work/restored/src" && echo "restored folder is identical"
"$bin" dump latest db.sql | cmp - "$work/day1.sql" && echo "dumped script is identical to day 1"

step "sqlvault check --read-data"
"$bin" check --read-data
echo
echo "repository size: $(du -sh "$SQLVAULT_REPOSITORY" | cut -f1) for $(du -sh "$work/src" | cut -f1) of files and two 50 MB scripts"
