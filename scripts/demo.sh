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
trap stop_servers EXIT

serve_fresh "$DB" "$MODULES" "$OUT" --max-cron-threads 0
echo "demo: Odoo serves $DB on http://127.0.0.1:$PORT, mail goes to the SMTP sink on port $SINK_PORT"
"$VENV/bin/python" "$ROOT/scripts/demo.py" --url "http://127.0.0.1:$PORT" --db "$DB" --sink "$OUT/mail" --out "$OUT" "$@"
errors=$(log_errors "$OUT/odoo-server.log")
((errors == 0)) || die "the demo passed but Odoo logged $errors ERROR/CRITICAL line(s) (demo-output/odoo-server.log)"
echo "demo: results in demo-output/ (PDF, quotation.eml, invoice.eml, reminder.eml, mail/, Odoo logs)"
