#!/usr/bin/env bash
# Install $MODULE on a throwaway database and run its tests; ends with "N passed, N failed[, N skipped]".
# Fails on: Odoo's exit code, any ERROR/CRITICAL log line, a failed test, no test run, any skipped test.
set -euo pipefail
source "$(dirname "$0")/common.sh"
LOG=${TEST_LOG:-$ROOT/test-output/$MODULE.log}

"$ROOT/scripts/setup.sh"
DB="test_${MODULE}_$(date +%Y%m%d%H%M%S)_$$"
WORK=$(mktemp -d)
trap 'drop_db "$DB" "$WORK" || true; rm -rf "$WORK"' EXIT
mkdir -p "$(dirname "$LOG")"

echo "test: installing $MODULE on database $DB and running its tests (log: $LOG)"
set +e
"${ODOO_CMD[@]}" -d "$DB" --data-dir "$WORK" -i "$MODULE" --test-tags "/$MODULE" --stop-after-init --without-demo \
  --http-interface 127.0.0.1 --http-port "$(free_port)" --workers 0 --max-cron-threads 0 --log-level=test \
  --screenshots "$(dirname "$LOG")/screenshots" \
  2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
set -e

# Odoo's closing line (odoo/tests/result.py, odoo/service/server.py) is
#   "<f> failed, <e> error(s) of <n> tests when loading database '<db>'"
# and each skip is logged as "skipped <test> : <reason>" (odoo/tests/result.py addSkip).
at='^[0-9-]+ [0-9:,]+ [0-9]+'  # start of an Odoo log line: date, time, pid; the level follows
summary=$(grep -oE '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests when loading database' "$LOG" | tail -1 || true)
failed=0 errors=0 run=0
if [[ $summary =~ ^([0-9]+)\ failed,\ ([0-9]+)\ error\(s\)\ of\ ([0-9]+) ]]; then
  failed=${BASH_REMATCH[1]} errors=${BASH_REMATCH[2]} run=${BASH_REMATCH[3]}
fi
skipped=$(grep -cE "$at INFO \S+ \S+: skipped " "$LOG" || true)
# A skip raised in setUpClass/setUpModule is not in the "of <n> tests" count; a skipped test method is.
skipped_in_run=$(grep -E "$at INFO \S+ \S+: skipped " "$LOG" | grep -cvE ': skipped (setUp|tearDown)' || true)
started=$(grep -cE "$at INFO \S+ odoo\.addons\.$MODULE\.\S+: Starting " "$LOG" || true)
error_lines=$(grep -cE "$at (ERROR|CRITICAL) " "$LOG" || true)
failed=$((failed + errors))
passed=$((run - failed - skipped_in_run))
((passed >= 0)) || passed=0

problems=()
((rc == 0)) || problems+=("odoo exited with code $rc")
((error_lines == 0)) || problems+=("$error_lines ERROR/CRITICAL log line(s)")
((failed == 0)) || problems+=("$failed failed test(s)")
[[ -n $summary ]] || { problems+=("no test summary in the log"); failed=$((failed + 1)); }
((started > 0)) || problems+=("no test of $MODULE ran")
((skipped == 0)) || problems+=("$skipped skipped test(s): a skip counts as a failure here")

line="$passed passed, $failed failed"
((skipped == 0)) || line+=", $skipped skipped"
if ((${#problems[@]})); then
  reasons=$(printf '%s; ' "${problems[@]}")
  echo "test: FAILED: ${reasons%; } (log: $LOG)" >&2
  echo "$line"
  exit 1
fi
echo "$line"
