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

# Odoo command line shared by every script (database connection and addons path).
ODOO_CMD=("$VENV/bin/python" "$ODOO_SRC/odoo-bin" --db_host "$PGHOST" --db_port "$PGPORT" --db_user "$ODOO_DB_USER"
  --addons-path "$ODOO_SRC/addons,$EXTRA_ADDONS")

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

# fresh_db DB MODULES LOG: (re)create DB with MODULES installed and no demo data.
fresh_db() {
  drop_db "$1"
  "${ODOO_CMD[@]}" -d "$1" --data-dir "$ODOO_DATA_DIR" -i "$2" --without-demo --stop-after-init --workers 0 \
    --max-cron-threads 0 --http-interface 127.0.0.1 --http-port "$(free_port)" >"$3" 2>&1 \
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

# serve_fresh DB MODULES OUT [ODOO OPTIONS...]: an SMTP sink saving to OUT/mail, DB recreated with MODULES, and Odoo
# serving it on 127.0.0.1:$PORT (ODOO_PORT, else a free port); logs in OUT. Sets PORT, ODOO_PID and SINK_PID.
serve_fresh() {
  local db=$1 modules=$2 out=$3
  shift 3
  start_sink "$out/mail" "$out/smtp-sink.log"
  echo "$(basename "$0" .sh): creating database $db with $modules (no demo data)"
  fresh_db "$db" "$modules" "$out/odoo-install.log"
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
