#!/usr/bin/env bash
# npm test: every test against MariaDB, then those that claim the guarantees (and the admin, the
# migration and the test kit) against PostgreSQL, the same spec files with TEST_DB=postgres.
# Ends with the plain line "N passed, N failed" over both runs. Arguments go to the first run only
# (`npm test -- test/unit`), and then the PostgreSQL run is skipped.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

POSTGRES_SPECS=(test/guarantees test/cross-process.spec.ts test/module/admin.spec.ts
  test/module/migration.spec.ts test/testing)

bash scripts/ensure-services.sh --with-postgres && bash scripts/ensure-chromium.sh || exit 1
mkdir -p .test-results
rm -f .test-results/summary.json .test-results/postgres.json
status=0
npx jest --runInBand "$@" || status=1
summaries=(.test-results/summary.json)
if [[ $# -eq 0 ]]; then
  echo "==> the guarantee tests again, on PostgreSQL"
  TEST_DB=postgres TEST_SUMMARY=postgres.json npx jest --runInBand "${POSTGRES_SPECS[@]}" || status=1
  summaries+=(.test-results/postgres.json)
fi
passed=0 failed=0
for summary in "${summaries[@]}"; do
  read -r p f < <(node -p "const s = require('./$summary'); s.passed + ' ' + s.failed" 2>/dev/null) ||
    { p=0 f=1; }
  passed=$((passed + p)) failed=$((failed + f))
done
echo "$passed passed, $failed failed"
exit $status
