#!/usr/bin/env bash
# The dashboard's browser test drives Debian's Chromium; install it when it is missing.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
[[ -x "$CHROMIUM" ]] && exit 0
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
  echo "Chromium not found at $CHROMIUM: run 'apt-get install chromium' as root, or set CHROMIUM_PATH" >&2
  exit 1
fi
echo "Installing Chromium (apt-get install chromium)…"
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
[[ -x "$CHROMIUM" ]] || { echo "Chromium still missing at $CHROMIUM after apt-get" >&2; exit 1; }
