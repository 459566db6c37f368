#!/usr/bin/env bash
# make pytest: $MODULE's tests with pytest-odoo, on a database where the addon is installed (PYTEST_DB, default
# auto_invoice_pytest, created once and reused; updated with -u when the addon's files changed since the last run),
# with Odoo's HTTP server (HttpCase tests, the Chromium tour). Arguments are pytest's, e.g. one test by node id:
#   scripts/pytest.sh auto_invoice/tests/test_portal_refusals.py::TestAutoInvoicePortalRefusals::test_forged_token_changes_nothing
# Without arguments it runs the whole suite, then the race check of make test (scripts/race.py) on a copy of the
# database, and ends with "N passed, N failed" counted as make test counts. Any failed or skipped test fails the run.
set -euo pipefail
source "$(dirname "$0")/common.sh"
DB=${PYTEST_DB:-auto_invoice_pytest}
OUT=$ROOT/test-output/pytest
RACE_DB=${DB}_race

"$ROOT/scripts/setup.sh"
mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'stop_servers; drop_db "$RACE_DB" || true; rm -rf "$WORK"' EXIT

# 1. The database: installed once; updated when the addon's files (or Odoo's checkout) changed since its last update.
stamp_file=$ODOO_DATA_DIR/$DB.stamp
stamp=$( (cd "$ROOT" && find "$MODULE" -type f ! -path '*/__pycache__/*' -print0 | sort -z | xargs -0 sha256sum;
  git -C "$ODOO_SRC" rev-parse HEAD 2>/dev/null || true) | sha256sum | cut -d' ' -f1)
db_exists=$(psql -h "$PGHOST" -p "$PGPORT" -U "$ODOO_DB_USER" -d postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname = '$DB'" || true)
update() {  # update [-i|-u]: install or update $MODULE on $DB, without running tests
  "${ODOO_CMD[@]}" -d "$DB" --data-dir "$ODOO_DATA_DIR" "$1" "$MODULE" --without-demo --stop-after-init --workers 0 \
    --max-cron-threads 0 --http-interface 127.0.0.1 --http-port "$(free_port)" >"$OUT/odoo-update.log" 2>&1
}
if [[ $db_exists != 1 ]]; then
  echo "pytest: creating database $DB with $MODULE (about 80 s, once)"
  rm -f "$stamp_file"
  fresh_db "$DB" "$MODULE" "$OUT/odoo-update.log"
  echo "$stamp" >"$stamp_file"
elif [[ $(cat "$stamp_file" 2>/dev/null) != "$stamp" ]]; then
  echo "pytest: $MODULE changed since database $DB was last updated: odoo -u $MODULE"
  if ! update -u; then
    echo "pytest: the update failed ($(grep -m1 -E ' (ERROR|CRITICAL) ' "$OUT/odoo-update.log" | cut -c1-200)):" \
      "recreating $DB"
    fresh_db "$DB" "$MODULE" "$OUT/odoo-update.log"
  fi
  echo "$stamp" >"$stamp_file"
fi

# 2. pytest-odoo reads the connection, the addons path and the HTTP interface from a config file.
cat >"$WORK/odoo.conf" <<CONF
[options]
db_host = $PGHOST
db_port = $PGPORT
db_user = $ODOO_DB_USER
data_dir = $ODOO_DATA_DIR
addons_path = $ODOO_SRC/addons,$EXTRA_ADDONS
http_interface = 127.0.0.1
workers = 0
max_cron_threads = 0
without_demo = True
screenshots = $OUT/screenshots
CONF
args=("$@")
((${#args[@]})) || args=("$MODULE/tests")
set +e
(cd "$ROOT" && PYTHONPATH="$ODOO_SRC:$ROOT/scripts${PYTHONPATH:+:$PYTHONPATH}" PYTEST_COUNTS="$WORK/counts.json" \
  "$VENV/bin/python" -m pytest -p pytest_strict --odoo-config "$WORK/odoo.conf" --odoo-database "$DB" --odoo-http \
  --odoo-log-level warn -rfEs "${args[@]}")
rc=$?
set -e
(($#)) && exit $rc  # a chosen test or file: pytest's own summary says it all

# 3. The whole suite: the race check too, on a copy of the database (its orders stay out of $DB), and make test's
#    closing line.
read -r TESTS_PASSED TESTS_FAILED TESTS_SKIPPED < <("$PYTHON" -c \
  'import json, sys; c = json.load(open(sys.argv[1])); print(c["passed"], c["failed"], c["skipped"])' \
  "$WORK/counts.json" 2>/dev/null || echo "0 1 0")
TESTS_PROBLEMS=()
((rc == 0)) || TESTS_PROBLEMS+=("pytest exited with code $rc")
((TESTS_SKIPPED == 0)) || TESTS_PROBLEMS+=("$TESTS_SKIPPED skipped test(s): a skip counts as a failure here")
if ((rc == 0)); then
  drop_db "$RACE_DB"
  createdb -h "$PGHOST" -p "$PGPORT" -U "$ODOO_DB_USER" -T "$DB" "$RACE_DB"
  mkdir -p "$ODOO_DATA_DIR/filestore"
  cp -a "$ODOO_DATA_DIR/filestore/$DB" "$ODOO_DATA_DIR/filestore/$RACE_DB"
  race_check "$RACE_DB" "$ODOO_DATA_DIR" "$OUT/race"
else
  echo "pytest: no race check, the pytest run failed"
fi
tests_closing_line pytest "$OUT"
