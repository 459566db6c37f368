#!/usr/bin/env bash
# make bench: Odoo's own flow (the customer signs, the salesperson invoices by hand) against auto_invoice (the
# signature creates the draft invoice), timed over HTTP on a real threaded server and a fresh database, then a race
# check (two simultaneous signatures per order). Extra arguments go to scripts/bench.py (e.g. --orders 50).
# Logs land in bench-output/; the database is dropped at the end.
set -euo pipefail
source "$(dirname "$0")/common.sh"
DB=${BENCH_DB:-auto_invoice_bench}
OUT=$ROOT/bench-output

cleanup() {
  [[ -z ${ODOO_PID:-} ]] || stop_pid "$ODOO_PID"
  [[ -z ${SINK_PID:-} ]] || stop_pid "$SINK_PID"
  drop_db "$DB"
}

"$ROOT/scripts/setup.sh"
rm -rf "$OUT" && mkdir -p "$OUT"
trap cleanup EXIT

start_sink "$OUT/mail" "$OUT/smtp-sink.log"
echo "bench: creating database $DB with $MODULE (no demo data)"
fresh_db "$DB" "$MODULE" "$OUT/odoo-install.log"
PORT=$(free_port)
start_odoo "$DB" "$PORT" "$OUT/odoo-server.log" --max-cron-threads 0 --log-level info
echo "bench: Odoo (threaded, pid $ODOO_PID) serves $DB on http://127.0.0.1:$PORT; $(nproc) CPU core(s)"
"$VENV/bin/python" "$ROOT/scripts/bench.py" --url "http://127.0.0.1:$PORT" --db "$DB" --sink "$OUT/mail" \
  --out "$OUT" --log "$OUT/odoo-server.log" --pid "$ODOO_PID" "$@"
