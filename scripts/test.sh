#!/usr/bin/env bash
# Install $MODULE on a throwaway database and run its tests, then the race check (scripts/race.py: two simultaneous
# portal signatures per order on a real threaded server, on the same database: the test run leaves the addon
# installed and its test data rolled back). Ends with "N passed, N failed[, N skipped]"; the race check counts as
# one test. Fails on: Odoo's exit code, any ERROR/CRITICAL log line, a failed test, no test run, any skipped test, a
# failed race check.
set -euo pipefail
source "$(dirname "$0")/common.sh"
LOG=${TEST_LOG:-$ROOT/test-output/$MODULE.log}

"$ROOT/scripts/setup.sh"
DB="test_${MODULE}_$(date +%Y%m%d%H%M%S)_$$"
WORK=$(mktemp -d)
trap 'stop_servers; drop_db "$DB" "$WORK" || true; rm -rf "$WORK"' EXIT
mkdir -p "$(dirname "$LOG")"

echo "test: installing $MODULE on database $DB and running its tests (log: $LOG)"
set +e
"${ODOO_CMD[@]}" -d "$DB" --data-dir "$WORK" -i "$MODULE" --test-tags "/$MODULE" --stop-after-init --without-demo \
  --http-interface 127.0.0.1 --http-port "$(free_port)" --workers 0 --max-cron-threads 0 --log-level=test \
  --screenshots "$(dirname "$LOG")/screenshots" \
  2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
set -e
odoo_test_counts "$LOG" "$MODULE" "$rc"

if ((rc == 0)); then
  race_check "$DB" "$WORK" "$(dirname "$LOG")/race"
else
  echo "test: no race check, Odoo's test run failed"
fi
tests_closing_line test "$LOG"
