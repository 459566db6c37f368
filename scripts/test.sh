#!/usr/bin/env bash
# Install $MODULE on a throwaway database and run its tests, then the race check (scripts/race.py: two simultaneous
# portal signatures per order on a real threaded server, on the same database: the test run leaves the addon
# installed and its test data rolled back); then the same tests again on a second database where `sale_stock` is
# installed too, with l10n_ca and l10n_au (the tests tagged `auto_invoice_stock` need them and run only there: a
# warehouse beside the addon, a localisation that adds to Odoo's invoice document, one that has its own), with OCA's
# sale_invoice_plan and the glue auto_invoice_invoice_plan (whose tests, and OCA's, run there too); then the
# tests of the glue addon auto_invoice_loyalty on a third one (auto_invoice with sale_loyalty); then those of
# auto_invoice_l10n_ro on a fourth one (a Romanian company's e-Factura, with Romanian loaded); then those of
# auto_invoice_queue on a fifth one (background mode on OCA queue_job), with the invoice plan's jobs
# (auto_invoice_invoice_plan_queue).
# Ends with "N passed, N failed[, N skipped]"; the race check counts as one test. Fails on: Odoo's exit code, any
# ERROR/CRITICAL log line, a failed test, no test run, any skipped test, a failed race check.
# For development: TEST_TAGS=/auto_invoice:TestClass (one pass, no race check unless RACE=1); STOCK=0: no second,
# third and fourth pass. A glue addon's tests alone: MODULE=auto_invoice_l10n_ro TEST_TAGS=/auto_invoice_l10n_ro
# TEST_OPTIONS=--load-language=ro_RO.
set -euo pipefail
source "$(dirname "$0")/common.sh"
OUT=${TEST_OUT:-$ROOT/test-output}
RACE=${RACE:-$([[ -z ${TEST_TAGS:-} ]] && echo 1 || echo 0)}
STOCK=${STOCK:-$([[ -z ${TEST_TAGS:-} ]] && echo 1 || echo 0)}

"$ROOT/scripts/setup.sh"
WORK=$(mktemp -d)
DBS=()
trap 'stop_servers; for db in "${DBS[@]}"; do drop_db "$db" "$WORK" || true; done; rm -rf "$WORK"' EXIT
mkdir -p "$OUT"

# run_pass NAME MODULES TAGS LOG [ADDON [OPTIONS]]: install MODULES on a new database and run TAGS (tests of ADDON,
# default $MODULE) with Odoo's extra OPTIONS; adds to the TOTAL_* counts. Sets DB.
TOTAL_PASSED=0 TOTAL_FAILED=0 TOTAL_SKIPPED=0 TOTAL_PROBLEMS=()
run_pass() {
  local name=$1 modules=$2 tags=$3 log=$4 addon=${5:-$MODULE} options=${6:-} rc
  DB="test_${MODULE}_$(date +%Y%m%d%H%M%S)_$$_$name"
  DBS+=("$DB")
  echo "test: [$name] installing $modules on database $DB, running --test-tags $tags (log: $log)"
  set +e
  "${ODOO_CMD[@]}" -d "$DB" --data-dir "$WORK" -i "$modules" --test-tags "$tags" --stop-after-init --without-demo \
    --http-interface 127.0.0.1 --http-port "$(free_port)" --workers 0 --max-cron-threads 0 --log-level=test \
    --screenshots "$OUT/screenshots" $options 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e
  odoo_test_counts "$log" "$addon" "$rc"
  if ((rc == 0)) && [[ $name == main ]] && ((RACE)); then
    race_check "$DB" "$WORK" "$OUT/race"
  fi
  echo "test: [$name] $TESTS_PASSED passed, $TESTS_FAILED failed, $TESTS_SKIPPED skipped"
  TOTAL_PASSED=$((TOTAL_PASSED + TESTS_PASSED)) TOTAL_FAILED=$((TOTAL_FAILED + TESTS_FAILED))
  TOTAL_SKIPPED=$((TOTAL_SKIPPED + TESTS_SKIPPED))
  local problem
  for problem in "${TESTS_PROBLEMS[@]}"; do TOTAL_PROBLEMS+=("[$name] $problem"); done
}

# race_plan_check DB: two workers of the installments' cron at once on DB (auto_invoice_invoice_plan installed; the
# test run rolled its data back), each installment invoiced once (scripts/race_plan.py); counts as one test.
race_plan_check() {
  local log="$OUT/race_plan.log"
  if ODOO_SRC=$ODOO_SRC "${ODOO_CMD[@]:0:1}" "$ROOT/scripts/race_plan.py" --db "$1" -- "${ODOO_CMD[@]:2}" --data-dir "$WORK" >"$log" 2>&1; then
    TOTAL_PASSED=$((TOTAL_PASSED + 1))
  else
    TOTAL_FAILED=$((TOTAL_FAILED + 1)) TOTAL_PROBLEMS+=("the invoice plan's race check failed (log: $log)")
  fi
  grep '^race_plan:' "$log" || true
}

if [[ -n ${TEST_TAGS:-} ]]; then
  run_pass main "$MODULE${TEST_MODULES:+,$TEST_MODULES}" "$TEST_TAGS" "$OUT/$MODULE.log" "$MODULE" "${TEST_OPTIONS:-}"
else
  run_pass main "$MODULE" "/$MODULE,-auto_invoice_stock" "$OUT/$MODULE.log"
fi
if ((STOCK)); then
  # OCA's invoice plan shares this database (CI's time): the addon's tests, money flows included, with the glue
  # auto_invoice_invoice_plan installed beside them, the glue's own tests, and OCA's.
  run_pass stock "$MODULE,sale_stock,l10n_ca,l10n_au,sale_invoice_plan" \
    "/$MODULE,/auto_invoice_invoice_plan,/sale_invoice_plan" "$OUT/$MODULE-sale_stock.log" \
    "($MODULE|auto_invoice_invoice_plan|sale_invoice_plan)"
  ((!RACE)) || race_plan_check "$DB"
  run_pass loyalty auto_invoice_loyalty /auto_invoice_loyalty "$OUT/auto_invoice_loyalty.log" auto_invoice_loyalty
  run_pass romania auto_invoice_l10n_ro /auto_invoice_l10n_ro "$OUT/auto_invoice_l10n_ro.log" auto_invoice_l10n_ro \
    --load-language=ro_RO
  run_pass queue auto_invoice_queue,sale_invoice_plan /auto_invoice_queue,/auto_invoice_invoice_plan_queue \
    "$OUT/auto_invoice_queue.log" "(auto_invoice_queue|auto_invoice_invoice_plan_queue)"
fi
TESTS_PASSED=$TOTAL_PASSED TESTS_FAILED=$TOTAL_FAILED TESTS_SKIPPED=$TOTAL_SKIPPED TESTS_PROBLEMS=("${TOTAL_PROBLEMS[@]}")
tests_closing_line test "$OUT/$MODULE.log"
