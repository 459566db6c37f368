#!/usr/bin/env bash
# make test-core: Odoo's own sale, sale_management, sale_loyalty and sale_stock test suites with $MODULE installed,
# on a throwaway database: does the addon break core behaviour, also beside a warehouse? Ends with "N passed,
# N failed[, N skipped]"; a skip fails the run unless Odoo skips that test without the addon too
# (scripts/core_known_skips.txt). Lists the failing tests in test-output/core-failures.txt as --test-tags specs.
# To tell the addon's breakage from core's own (a test failing without the addon too), rerun just those tests
# without it:  make test-core CORE_MODULES=sale_management,sale_loyalty,sale_stock CORE_TAGS="$(paste -sd, test-output/core-failures.txt)"
set -euo pipefail
source "$(dirname "$0")/common.sh"
MODULES=${CORE_MODULES:-$MODULE,sale_loyalty,sale_stock}
TAGS=${CORE_TAGS:-/sale,/sale_management,/sale_loyalty,/sale_stock}
OUT=$ROOT/test-output
LOG=${TEST_LOG:-$OUT/core.log}

"$ROOT/scripts/setup.sh"
DB="core_${MODULE}_$(date +%Y%m%d%H%M%S)_$$"
WORK=$(mktemp -d)
trap 'drop_db "$DB" "$WORK" || true; rm -rf "$WORK"' EXIT
mkdir -p "$OUT"

echo "test-core: installing $MODULES on database $DB, running --test-tags $TAGS (log: $LOG)"
started=$SECONDS
set +e
"${ODOO_CMD[@]}" -d "$DB" --data-dir "$WORK" -i "$MODULES" --test-tags "$TAGS" --stop-after-init --without-demo \
  --http-interface 127.0.0.1 --http-port "$(free_port)" --workers 0 --max-cron-threads 0 --log-level=test \
  --screenshots "$OUT/core-screenshots" >"$LOG" 2>&1
rc=$?
set -e
odoo_test_counts "$LOG" '(sale|sale_management|sale_loyalty|sale_stock)' "$rc" 0
# A skip fails the run unless core skips that test without the addon too (scripts/core_known_skips.txt).
grep -oE 'odoo\.addons\.[a-z_]+\.tests\.\S+: skipped [A-Za-z0-9_]+\.[A-Za-z0-9_]+' "$LOG" \
  | sed -E 's/^odoo\.addons\.([a-z_]+)\.tests\.\S+: skipped /\1:/' | sort -u >"$OUT/core-skips.txt" || true
unknown_skips=$(grep -vxF -f <(grep -v '^#' "$ROOT/scripts/core_known_skips.txt") "$OUT/core-skips.txt" || true)
if [[ -n $unknown_skips ]]; then
  TESTS_FAILED=$((TESTS_FAILED + $(wc -l <<<"$unknown_skips")))
  TESTS_PROBLEMS+=("skipped with the addon, not without it: $(paste -sd' ' <<<"$unknown_skips")")
fi

# Odoo logs each failing test as "... ERROR <db> odoo.addons.<module>.tests.<file>: FAIL: <Class>.<method>" (or
# "ERROR: ", "FAIL: Subtest <Class>.<method> ..."), and a failing class set-up as "ERROR: setUpClass (...<Class>)".
sed -nE \
  -e 's/.* ERROR \S+ odoo\.addons\.([a-z_]+)\.tests\.\S+: (FAIL|ERROR): (Subtest )?([A-Za-z0-9_]+\.[A-Za-z0-9_]+).*/\/\1:\4/p' \
  -e 's/.* ERROR \S+ odoo\.addons\.([a-z_]+)\.tests\.\S+: ERROR: setUpClass \(.*\.([A-Za-z0-9_]+)\).*/\/\1:\2/p' \
  "$LOG" | sort -u >"$OUT/core-failures.txt"
if [[ -s $OUT/core-failures.txt ]]; then
  echo "test-core: failing tests (also in test-output/core-failures.txt):"
  sed 's/^/  /' "$OUT/core-failures.txt"
fi
echo "test-core: $((SECONDS - started)) s"
tests_closing_line test-core "$LOG"
