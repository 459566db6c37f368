#!/usr/bin/env bash
# make stress: two real Odoo servers (separate processes, --workers 2 each, the job runner on) serve one fresh
# database on 127.0.0.1; scripts/stress.py then fires concurrent signatures across both, replays a corpus of hostile
# portal requests and injects faults, and checks every order afterwards (see its header for what each counter means).
# Its last line is the result:
#   stress: requests=N http_5xx=N bad_input_state_changes=N duplicate_invoices=N lost_signatures=N leaks=N
# and the exit code is non-zero when any of the five counters is.
#
# Bounded: the database is fresh and dropped at the end (trap), both servers listen on 127.0.0.1 only, stress.py runs
# under `timeout` (STRESS_TIMEOUT, default 1500 s) and caps its own request count. The stress-only addon
# scripts/demo_addons/auto_invoice_stress_faults (never shipped) is loaded through an extra addons path; the glue
# addon auto_invoice_queue, when the repo has it, is installed too and the background-mode phases run.
# Extra arguments go to scripts/stress.py (e.g. --orders 10). Logs land in stress-output/.
set -euo pipefail
source "$(dirname "$0")/common.sh"
DB=${STRESS_DB:-auto_invoice_stress_$$}
OUT=$ROOT/stress-output
STRESS_TIMEOUT=${STRESS_TIMEOUT:-1500}
EXTRA_ADDONS+=",$ROOT/scripts/demo_addons"
set_odoo_cmd
MODULES=auto_invoice,auto_invoice_stress_faults
LOAD=web
if [[ -f $ROOT/auto_invoice_queue/__manifest__.py ]]; then
  MODULES+=,auto_invoice_queue
  LOAD=web,queue_job
fi
# queue_job reads its channels from the environment (it cannot add command-line options to Odoo's): the root channel
# runs two jobs at a time, two of them auto_invoice's.
export ODOO_QUEUE_JOB_CHANNELS=${ODOO_QUEUE_JOB_CHANNELS:-root:2,root.auto_invoice:2}
PID_A='' PID_B=''
# Odoo's prefork master spawns a gevent process (websockets) and respawns it when it exits. In this virtualenv it
# exits at once: gevent's plugins ask setuptools 65's pkg_resources for "zope.interface", which does not find
# zope.interface 8's dist-info under its normalised name (zope_interface-8.7.dist-info). The master then opens a
# database connection every second to respawn it, and stops the whole server the first time PostgreSQL refuses one
# (the PostgreSQL fault of stress.py). The servers of this run get the dist-info under the names pkg_resources looks
# for, on their PYTHONPATH only; the fix itself belongs in make setup (a newer setuptools).
SHIM=$OUT/pyshim
shim_dist_infos() {
  local site info name
  site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  mkdir -p "$SHIM"
  for info in "$site"/zope_*.dist-info; do
    [[ -e $info ]] || continue
    name=$(basename "$info")
    ln -sfn "$info" "$SHIM/${name/zope_/zope.}"
  done
}

cleanup() {
  [[ -z $PID_A ]] || stop_pid "$PID_A"
  [[ -z $PID_B ]] || stop_pid "$PID_B"
  [[ -z ${SINK_PID:-} ]] || stop_pid "$SINK_PID"
  drop_db "$DB"
}

"$ROOT/scripts/setup.sh"
rm -rf "$OUT" && mkdir -p "$OUT"
trap cleanup EXIT
start_sink "$OUT/mail" "$OUT/smtp-sink.log"
echo "stress: creating database $DB with $MODULES (no demo data)"
fresh_db "$DB" "$MODULES" "$OUT/odoo-install.log"

# Prefork servers: each is a master process with two HTTP workers, a cron worker and (with queue_job loaded) a job
# runner worker; both runners compete for queue_job's advisory lock and the first one started (A) gets it.
shim_dist_infos
export PYTHONPATH=$SHIM${PYTHONPATH:+:$PYTHONPATH}
SERVER_OPTIONS=(--workers 2 --max-cron-threads 1 --limit-time-real 240 --limit-time-cpu 180 --load "$LOAD"
  --log-level info)
PORT_A=$(free_port)
# Each server its own port for its gevent process (websockets): both would take 8072, and one would respawn forever.
start_odoo "$DB" "$PORT_A" "$OUT/odoo-server-a.log" "${SERVER_OPTIONS[@]}" --gevent-port "$(free_port)"
PID_A=$ODOO_PID
PORT_B=$(free_port)
start_odoo "$DB" "$PORT_B" "$OUT/odoo-server-b.log" "${SERVER_OPTIONS[@]}" --gevent-port "$(free_port)"
PID_B=$ODOO_PID
ODOO_PID=''
echo "stress: server A pid $PID_A on http://127.0.0.1:$PORT_A, server B pid $PID_B on http://127.0.0.1:$PORT_B" \
  "(--workers 2 each, --load $LOAD, channels $ODOO_QUEUE_JOB_CHANNELS); $(nproc) CPU core(s)"
rc=0
timeout --kill-after 30 "$STRESS_TIMEOUT" "$VENV/bin/python" "$ROOT/scripts/stress.py" --db "$DB" \
  --url "http://127.0.0.1:$PORT_A" --url-b "http://127.0.0.1:$PORT_B" --pid-a "$PID_A" --pid-b "$PID_B" \
  --log-a "$OUT/odoo-server-a.log" --log-b "$OUT/odoo-server-b.log" --mail "$OUT/mail" --out "$OUT" \
  --pg-host "$PGHOST" --pg-port "$PGPORT" --pg-user "$ODOO_DB_USER" "$@" || rc=$?
((rc != 124)) || echo "stress: FAILED: stopped after $STRESS_TIMEOUT s (STRESS_TIMEOUT)"
exit "$rc"
