#!/usr/bin/env bash
# make bench: Odoo's own flow (the customer signs, the salesperson invoices by hand) on a database without
# auto_invoice, against auto_invoice (the signature records the acceptance and creates the draft invoice) on a
# database with it; both timed over HTTP on real threaded servers, one at a time; then a race check (two simultaneous
# signatures per order). Extra arguments go to scripts/bench.py (e.g. --orders 50 --bulk 1000 --load 20).
# Logs land in bench-output/; the databases are dropped at the end.
set -euo pipefail
source "$(dirname "$0")/common.sh"
DB=${BENCH_DB:-auto_invoice_bench}
BASE_DB=${BENCH_BASE_DB:-auto_invoice_bench_odoo}
BASE_MODULES=${BENCH_BASE_MODULES:-sale_management}
OUT=$ROOT/bench-output
BASE_PID=

cleanup() {
  [[ -z $BASE_PID ]] || stop_pid "$BASE_PID"
  stop_servers
  drop_db "$DB"
  drop_db "$BASE_DB"
}

"$ROOT/scripts/setup.sh"
rm -rf "$OUT" && mkdir -p "$OUT"
trap cleanup EXIT

# Odoo's own flow first: its own database and server (auto_invoice not installed).
start_sink "$OUT/mail" "$OUT/smtp-sink.log"
echo "bench: creating database $BASE_DB with $BASE_MODULES (no demo data)"
fresh_db "$BASE_DB" "$BASE_MODULES" "$OUT/odoo-install-baseline.log"
BASE_PORT=$(free_port)
start_odoo "$BASE_DB" "$BASE_PORT" "$OUT/odoo-server-baseline.log" --max-cron-threads 0 --log-level info
BASE_PID=$ODOO_PID
ODOO_PID=
# Then auto_invoice's (serve_fresh starts its own sink: stop the first one).
stop_pid "$SINK_PID"
# With auto_invoice_queue and queue_job's runner (--load), for the background mode's figures.
export ODOO_QUEUE_JOB_CHANNELS=${ODOO_QUEUE_JOB_CHANNELS:-root:2,root.auto_invoice:2}
serve_fresh "$DB" "$MODULE,auto_invoice_queue" "$OUT" --max-cron-threads 0 --log-level info --load=web,queue_job
echo "bench: Odoo's own flow on $BASE_DB (pid $BASE_PID, port $BASE_PORT), auto_invoice on $DB (pid $ODOO_PID," \
  "port $PORT); $(nproc) CPU core(s)"
"$VENV/bin/python" "$ROOT/scripts/bench.py" --url "http://127.0.0.1:$PORT" --db "$DB" \
  --log "$OUT/odoo-server.log" --pid "$ODOO_PID" \
  --odoo-url "http://127.0.0.1:$BASE_PORT" --odoo-db "$BASE_DB" --odoo-log "$OUT/odoo-server-baseline.log" \
  --odoo-pid "$BASE_PID" "$@"
