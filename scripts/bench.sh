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
  stop_servers
  drop_db "$DB"
}

"$ROOT/scripts/setup.sh"
rm -rf "$OUT" && mkdir -p "$OUT"
trap cleanup EXIT

serve_fresh "$DB" "$MODULE" "$OUT" --max-cron-threads 0 --log-level info
echo "bench: Odoo (threaded, pid $ODOO_PID) serves $DB on http://127.0.0.1:$PORT; $(nproc) CPU core(s)"
"$VENV/bin/python" "$ROOT/scripts/bench.py" --url "http://127.0.0.1:$PORT" --db "$DB" \
  --log "$OUT/odoo-server.log" --pid "$ODOO_PID" "$@"
