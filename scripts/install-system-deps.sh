#!/usr/bin/env bash
# Debian packages the tests need: Chromium and a CJK font (dashboard browser test), and the
# PostgreSQL server (store tests on PostgreSQL; each test run starts its own cluster).
# Installs only what is missing; needs root or sudo. Without either it says what to install,
# and the tests that need these fail under CI (CI=1) and skip elsewhere.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy" || need+=(fonts-wqy-zenhei)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ ${#need[@]} -eq 0 ] && { echo "system packages: present"; exit 0; }
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "system packages missing (${need[*]}): install them with apt-get as root" >&2; exit 0; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" fontconfig >/dev/null
echo "system packages installed: ${need[*]}"
