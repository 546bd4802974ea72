#!/usr/bin/env bash
# Installs Debian's systemd package, whose systemd-analyze the schedule tests
# run ("verify" on the units sqlvault writes, "calendar" on the schedules),
# unless systemd-analyze is already there. Nothing is started: the tests
# never run systemctl against the system.
#
# Usage: scripts/install-systemd.sh   (prints the path of systemd-analyze)
set -euo pipefail
if p=$(command -v systemd-analyze 2>/dev/null); then
  echo "$p"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-systemd.sh: systemd-analyze is missing and this is not a Debian-like system: install systemd with the system's package manager" >&2
  exit 1
fi
sudo=
if [ "$(id -u)" -ne 0 ]; then
  sudo=sudo
fi
echo "installing Debian's systemd package (apt-get install systemd) for systemd-analyze" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { $sudo apt-get update -q && $sudo apt-get install -y -q --no-install-recommends systemd; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "install-systemd.sh: apt-get failed (output above)" >&2
  exit 1
fi
command -v systemd-analyze
