# Shared settings for the scripts in this folder; source it, don't run it.
# shellcheck shell=bash
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ODOO_SRC=${ODOO_SRC:-/opt/odoo/19.0}
VENV=${VENV:-$HOME/.venvs/odoo19}
PYTHON=${PYTHON:-python3}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PG_SUPERUSER=${PG_SUPERUSER:-postgres}
ODOO_DB_USER=${ODOO_DB_USER:-odoo}
ODOO_DATA_DIR=${ODOO_DATA_DIR:-$HOME/.local/share/auto_invoice-odoo}
MODULE=${MODULE:-auto_invoice}
# Comma-separated addons folders after Odoo's own; the repo root holds auto_invoice/.
EXTRA_ADDONS=${EXTRA_ADDONS:-$ROOT}
export PGHOST PGPORT

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

# set_odoo_cmd: the Odoo command line shared by every script (database connection, addons path from EXTRA_ADDONS);
# call it again after changing EXTRA_ADDONS.
set_odoo_cmd() {
  ODOO_CMD=("$VENV/bin/python" "$ODOO_SRC/odoo-bin" --db_host "$PGHOST" --db_port "$PGPORT" --db_user "$ODOO_DB_USER"
    --addons-path "$ODOO_SRC/addons,$EXTRA_ADDONS")
}
set_odoo_cmd

free_port() {
  "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT SECONDS [PID]: wait until 127.0.0.1:PORT accepts connections (and PID is alive).
wait_port() {
  local port=$1 deadline=$((SECONDS + $2)) pid=${3:-}
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    [[ -z $pid ]] || kill -0 "$pid" 2>/dev/null || return 1
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# drop_db NAME: drop a database (closing its connections) and its filestore under DATA_DIR.
drop_db() {
  PGOPTIONS="-c client_min_messages=warning" dropdb -h "$PGHOST" -p "$PGPORT" -U "$ODOO_DB_USER" --if-exists --force "$1"
  rm -rf "${2:-$ODOO_DATA_DIR}/filestore/$1"
}

# stop_pid PID: SIGTERM, then SIGKILL after 20 s.
stop_pid() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# start_sink DIR LOG: run the SMTP sink on a free port; sets SINK_PORT and SINK_PID.
start_sink() {
  SINK_PORT=$(free_port)
  "$VENV/bin/python" "$ROOT/scripts/smtp_sink.py" "$1" --port "$SINK_PORT" >"$2" 2>&1 &
  SINK_PID=$!
  wait_port "$SINK_PORT" 20 "$SINK_PID" || die "the SMTP sink did not start (log: $2)"
}

# fresh_db DB MODULES LOG [ODOO OPTIONS...]: (re)create DB with MODULES installed and no demo data.
fresh_db() {
  drop_db "$1"
  "${ODOO_CMD[@]}" -d "$1" --data-dir "$ODOO_DATA_DIR" -i "$2" --without-demo --stop-after-init --workers 0 \
    --max-cron-threads 0 --http-interface 127.0.0.1 --http-port "$(free_port)" "${@:4}" >"$3" 2>&1 \
    || die "installing $2 on database $1 failed (log: $3): $(grep -m1 -E ' (ERROR|CRITICAL) ' "$3" | cut -c1-300)"
}

# start_odoo DB PORT LOG [ODOO OPTIONS...]: serve DB on 127.0.0.1:PORT, mail to the sink; sets ODOO_PID;
# returns once /web/webclient/version_info answers.
start_odoo() {
  local db=$1 port=$2 log=$3 deadline=$((SECONDS + 180))
  shift 3
  "${ODOO_CMD[@]}" -d "$db" --db-filter "^$db\$" --data-dir "$ODOO_DATA_DIR" --workers 0 \
    --http-interface 127.0.0.1 --http-port "$port" --smtp 127.0.0.1 --smtp-port "$SINK_PORT" "$@" >"$log" 2>&1 &
  ODOO_PID=$!
  until curl -sf -o /dev/null -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","params":{}}' \
      "http://127.0.0.1:$port/web/webclient/version_info"; do
    kill -0 "$ODOO_PID" 2>/dev/null || die "Odoo stopped while starting (log: $log)"
    ((SECONDS < deadline)) || die "Odoo did not answer on port $port within 180 s (log: $log)"
    sleep 0.5
  done
}

# serve_fresh DB MODULES OUT [ODOO OPTIONS...]: an SMTP sink saving to OUT/mail, DB recreated with MODULES (and the
# options of the INSTALL_OPTIONS array, e.g. --load-language=ro_RO), and Odoo serving it on 127.0.0.1:$PORT
# (ODOO_PORT, else a free port); logs in OUT. Sets PORT, ODOO_PID and SINK_PID. OFFLINE_CRONS: comma-separated xml
# ids of crons switched off before the server starts.
serve_fresh() {
  local db=$1 modules=$2 out=$3
  shift 3
  start_sink "$out/mail" "$out/smtp-sink.log"
  echo "$(basename "$0" .sh): creating database $db with $modules (no demo data)"
  fresh_db "$db" "$modules" "$out/odoo-install.log" ${INSTALL_OPTIONS[@]+"${INSTALL_OPTIONS[@]}"}
  local xmlid
  for xmlid in ${OFFLINE_CRONS:+${OFFLINE_CRONS//,/ }}; do  # crons that would call a service outside, switched off by xml id
    psql -h "$PGHOST" -p "$PGPORT" -U "$ODOO_DB_USER" -d "$db" -qtA -v ON_ERROR_STOP=1 -c "UPDATE ir_cron SET active = false
      WHERE id = (SELECT res_id FROM ir_model_data WHERE model = 'ir.cron' AND module = '${xmlid%%.*}'
                  AND name = '${xmlid#*.}')" >/dev/null
  done
  PORT=${ODOO_PORT:-$(free_port)}
  start_odoo "$db" "$PORT" "$out/odoo-server.log" "$@"
}

# stop_servers: stop what serve_fresh started (for an EXIT trap).
stop_servers() {
  [[ -z ${ODOO_PID:-} ]] || stop_pid "$ODOO_PID"
  [[ -z ${SINK_PID:-} ]] || stop_pid "$SINK_PID"
}

# log_errors LOG: how many ERROR/CRITICAL lines Odoo wrote to LOG.
log_errors() {
  grep -cE '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$1" || true
}

# odoo_test_counts LOG MODULES RC [SKIPS_FAIL]: read the log of an Odoo test run (--log-level=test) whose odoo-bin
# exited with RC, for the tests of MODULES (an extended regex of addon names, e.g. 'auto_invoice' or
# '(sale|sale_management)'). Sets TESTS_PASSED, TESTS_FAILED (failed + erroring), TESTS_SKIPPED and TESTS_PROBLEMS
# (an array of reasons to fail the run: Odoo's exit code, ERROR/CRITICAL log lines, failed tests, no summary, no test
# of MODULES started, and skips unless SKIPS_FAIL is 0). Odoo's closing line (odoo/tests/result.py,
# odoo/service/server.py) is "<f> failed, <e> error(s) of <n> tests when loading database '<db>'"; each skip is
# logged as "skipped <test> : <reason>" (odoo/tests/result.py addSkip).
odoo_test_counts() {
  local log=$1 modules=$2 rc=$3 skips_fail=${4:-1}
  local at='^[0-9-]+ [0-9:,]+ [0-9]+'  # start of an Odoo log line: date, time, pid; the level follows
  local summary failed=0 errors=0 run=0 skipped_in_run started error_lines
  summary=$(grep -oE '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests when loading database' "$log" | tail -1 || true)
  if [[ $summary =~ ^([0-9]+)\ failed,\ ([0-9]+)\ error\(s\)\ of\ ([0-9]+) ]]; then
    failed=${BASH_REMATCH[1]} errors=${BASH_REMATCH[2]} run=${BASH_REMATCH[3]}
  fi
  TESTS_SKIPPED=$(grep -cE "$at INFO \S+ \S+: skipped " "$log" || true)
  # A skip raised in setUpClass/setUpModule is not in the "of <n> tests" count; a skipped test method is.
  skipped_in_run=$(grep -E "$at INFO \S+ \S+: skipped " "$log" | grep -cvE ': skipped (setUp|tearDown)' || true)
  started=$(grep -cE "$at INFO \S+ odoo\.addons\.$modules\.\S+: Starting " "$log" || true)
  error_lines=$(grep -cE "$at (ERROR|CRITICAL) " "$log" || true)
  TESTS_FAILED=$((failed + errors))
  TESTS_PASSED=$((run - TESTS_FAILED - skipped_in_run))
  ((TESTS_PASSED >= 0)) || TESTS_PASSED=0
  TESTS_PROBLEMS=()
  ((rc == 0)) || TESTS_PROBLEMS+=("odoo exited with code $rc")
  ((error_lines == 0)) || TESTS_PROBLEMS+=("$error_lines ERROR/CRITICAL log line(s)")
  ((TESTS_FAILED == 0)) || TESTS_PROBLEMS+=("$TESTS_FAILED failed test(s)")
  [[ -n $summary ]] || { TESTS_PROBLEMS+=("no test summary in the log"); TESTS_FAILED=$((TESTS_FAILED + 1)); }
  ((started > 0)) || TESTS_PROBLEMS+=("no test of $modules ran")
  ((skips_fail == 0 || TESTS_SKIPPED == 0)) \
    || TESTS_PROBLEMS+=("$TESTS_SKIPPED skipped test(s): a skip counts as a failure here")
}

# tests_closing_line NAME LOG: print "N passed, N failed[, N skipped]" from TESTS_*; with TESTS_PROBLEMS, first a
# "NAME: FAILED: ..." line on stderr, and return 1.
tests_closing_line() {
  local line="$TESTS_PASSED passed, $TESTS_FAILED failed" reasons
  ((TESTS_SKIPPED == 0)) || line+=", $TESTS_SKIPPED skipped"
  if ((${#TESTS_PROBLEMS[@]})); then
    reasons=$(printf '%s; ' "${TESTS_PROBLEMS[@]}")
    echo "$1: FAILED: ${reasons%; } (log: $2)" >&2
    echo "$line"
    return 1
  fi
  echo "$line"
}

# race_check DB DATA_DIR LOG_DIR: serve DB (auto_invoice installed, its filestore under DATA_DIR) on a real threaded
# Odoo server with mail to an SMTP sink, run scripts/race.py against it (two simultaneous portal signatures per order,
# RACE_ORDERS orders, default 5), stop both. Counts as one test: adds 1 to TESTS_PASSED, or to TESTS_FAILED with a
# reason in TESTS_PROBLEMS.
race_check() {
  local db=$1 data_dir=$2 dir=$3 port rc=0 errors retried
  rm -rf "$dir" && mkdir -p "$dir"
  start_sink "$dir/mail" "$dir/smtp-sink.log"
  port=$(free_port)
  ODOO_DATA_DIR=$data_dir start_odoo "$db" "$port" "$dir/odoo-server.log" --max-cron-threads 0
  echo "race: Odoo (threaded, pid $ODOO_PID) serves $db on http://127.0.0.1:$port"
  "$VENV/bin/python" "$ROOT/scripts/race.py" --url "http://127.0.0.1:$port" --db "$db" --orders "${RACE_ORDERS:-5}" \
    || rc=$?
  stop_servers
  ODOO_PID='' SINK_PID=''
  # Odoo logs a query refused by PostgreSQL for a concurrent update as an ERROR ("bad query"), then re-runs the whole
  # request (odoo/service/model.py retrying): expected in a race, and retried requests are checked by race.py.
  retried=$(grep -cE 'odoo\.service\.model: (SERIALIZATION_FAILURE|LOCK_NOT_AVAILABLE|DEADLOCK_DETECTED), [0-9]+ tries left' \
    "$dir/odoo-server.log" || true)
  errors=$(($(log_errors "$dir/odoo-server.log") - retried))
  ((retried == 0)) || echo "race: $retried request(s) re-run by Odoo after a serialization failure (logged as ERROR)"
  ((errors <= 0)) || { rc=1; echo "race: the server logged $errors other ERROR/CRITICAL line(s) ($dir/odoo-server.log)"; }
  if ((rc == 0)); then
    TESTS_PASSED=$((TESTS_PASSED + 1))
  else
    TESTS_FAILED=$((TESTS_FAILED + 1))
    TESTS_PROBLEMS+=("the race check failed (logs: $dir)")
  fi
}
