#!/usr/bin/env bash
# Runs a command with N busy loops beside it (a loaded machine), and stops them after.
# Usage: bash scripts/with-cpu-load.sh N command [args...]
set -uo pipefail
count=$1
shift
pids=()
for ((i = 0; i < count; i++)); do
  sh -c 'while :; do :; done' &
  pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null' EXIT
trap 'exit 143' TERM INT
"$@"
