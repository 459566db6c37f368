#!/usr/bin/env bash
# make demo: fresh database, real Odoo server, SMTP sink, then scripts/demo.py end to end.
# Everything it produces (PDF, .eml files, Odoo logs) lands in demo-output/.
set -euo pipefail
source "$(dirname "$0")/common.sh"
DB=${DEMO_DB:-auto_invoice_demo}
MODULES=${DEMO_MODULES:-$MODULE}
OUT=$ROOT/demo-output

"$ROOT/scripts/setup.sh"
rm -rf "$OUT" && mkdir -p "$OUT"
trap '[[ -z ${ODOO_PID:-} ]] || stop_pid "$ODOO_PID"; [[ -z ${SINK_PID:-} ]] || stop_pid "$SINK_PID"' EXIT

start_sink "$OUT/mail" "$OUT/smtp-sink.log"
echo "demo: creating database $DB with $MODULES (no demo data)"
fresh_db "$DB" "$MODULES" "$OUT/odoo-install.log"
PORT=$(free_port)
start_odoo "$DB" "$PORT" "$OUT/odoo-server.log" --max-cron-threads 0
echo "demo: Odoo serves $DB on http://127.0.0.1:$PORT, mail goes to the SMTP sink on port $SINK_PORT"
"$VENV/bin/python" "$ROOT/scripts/demo.py" --url "http://127.0.0.1:$PORT" --db "$DB" --sink "$OUT/mail" --out "$OUT"
errors=$(grep -cE '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$OUT/odoo-server.log" || true)
((errors == 0)) || die "the demo passed but Odoo logged $errors ERROR/CRITICAL line(s) (demo-output/odoo-server.log)"
echo "demo: results in demo-output/ (PDF, quotation.eml, invoice.eml, mail/, Odoo logs)"
