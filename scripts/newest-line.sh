#!/usr/bin/env bash
# The newest TypeORM and BullMQ lines, beside the ones package-lock.json pins: copies the project
# into .newest-line/ with them installed and typechecks it there (setup), or runs a command there.
# Usage: bash scripts/newest-line.sh setup | bash scripts/newest-line.sh run command [args...]
set -euo pipefail

NEWEST=(typeorm@1.1.1 bullmq@6.7.0)
root="$(cd "$(dirname "$0")/.." && pwd)"
copy="$root/.newest-line"

setup() {
  rm -rf "$copy"
  mkdir -p "$copy"
  tar -C "$root" --exclude=./.git --exclude=./.newest-line --exclude=./node_modules \
    --exclude=./dist --exclude=./.test-results --exclude=./bench-results -cf - . |
    tar -C "$copy" -xf -
  cp -a "$root/node_modules" "$copy/"
  cd "$copy"
  npm install --no-save --no-audit --no-fund --ignore-scripts "${NEWEST[@]}"
  for package in "${NEWEST[@]%@*}"; do
    echo "$package $(node -p "require('./node_modules/$package/package.json').version")"
  done
  npx tsc -p tsconfig.json --noEmit
}

case "${1:-}" in
  setup) setup ;;
  run)
    shift
    [[ -d "$copy/node_modules" ]] || { echo "run 'bash scripts/newest-line.sh setup' first" >&2; exit 1; }
    cd "$copy"
    exec "$@"
    ;;
  *)
    echo "usage: bash scripts/newest-line.sh setup | run command [args...]" >&2
    exit 2
    ;;
esac
