#!/usr/bin/env bash
# make run: Odoo on 127.0.0.1:8069 with a fresh database auto_invoice_run holding a quotation that waits for the
# customer's signature; outgoing mail and logs land in demo-output/run/. Stays in the foreground until Ctrl-C.
# auto_invoice_queue is installed and queue_job's runner started (--load=web,queue_job), so that the background mode
# (Settings > Sales > Create invoices in the background) works here as in production.
set -euo pipefail
source "$(dirname "$0")/common.sh"
DB=${RUN_DB:-auto_invoice_run}
PORT=${RUN_PORT:-8069}
MODULES=${RUN_MODULES:-$MODULE,auto_invoice_queue}
export ODOO_QUEUE_JOB_CHANNELS=${ODOO_QUEUE_JOB_CHANNELS:-root:2,root.auto_invoice:2}
OUT=$ROOT/demo-output/run

"$ROOT/scripts/setup.sh"
! (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null || die "port $PORT is already in use: stop that server or set RUN_PORT"
mkdir -p "$OUT"
trap stop_servers EXIT

ODOO_PORT=$PORT serve_fresh "$DB" "$MODULES" "$OUT" --load=web,queue_job
"$VENV/bin/python" "$ROOT/scripts/demo.py" --url "http://127.0.0.1:$PORT" --db "$DB" --sink "$OUT/mail" \
  --out "$OUT" --stop-after-send-quotation | tee "$OUT/seed.log"
portal=$(sed -n 's/^portal: //p' "$OUT/seed.log")
cat <<MSG

  Odoo:    http://127.0.0.1:$PORT  (database $DB, login admin / password admin)
  Sales:   sam.carter@auto-invoice-demo.example / salesperson: the quotation's salesperson (a Sales user), who gets
           the "Review and send" activity once the customer signs and sends the invoice himself (Settings > Sales >
           Salespeople Send the Invoices of Their Signed Quotations, on here; off by default)
  Portal:  $portal
           (a quotation waiting for the customer's signature; open it in a private window)
  Mail:    $OUT/mail/   Log: $OUT/odoo-server.log
  Jobs:    queue_job's runner is on (channels $ODOO_QUEUE_JOB_CHANNELS): Settings > Sales > Create invoices in the
           background, then Settings > Technical > Job Queue
  Ctrl-C stops Odoo and the SMTP sink.

MSG
trap 'exit 130' INT TERM
tail -n 0 -f --pid="$ODOO_PID" "$OUT/odoo-server.log" &
wait $!
