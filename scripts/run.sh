#!/usr/bin/env bash
# make run: Odoo on 127.0.0.1:8069 with a fresh database auto_invoice_run holding a quotation that waits for the
# customer's signature; outgoing mail lands in demo-output/run-mail/. Stays in the foreground until Ctrl-C.
set -euo pipefail
source "$(dirname "$0")/common.sh"
DB=${RUN_DB:-auto_invoice_run}
PORT=${RUN_PORT:-8069}
MODULES=${RUN_MODULES:-$MODULE}
OUT=$ROOT/demo-output
LOG=$OUT/run-odoo.log

"$ROOT/scripts/setup.sh"
! (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null || die "port $PORT is already in use: stop that server or set RUN_PORT"
mkdir -p "$OUT"
trap '[[ -z ${ODOO_PID:-} ]] || stop_pid "$ODOO_PID"; [[ -z ${SINK_PID:-} ]] || stop_pid "$SINK_PID"' EXIT

start_sink "$OUT/run-mail" "$OUT/run-smtp-sink.log"
echo "run: creating database $DB with $MODULES (this takes a minute or two)"
fresh_db "$DB" "$MODULES" "$OUT/run-install.log"
start_odoo "$DB" "$PORT" "$LOG"
"$VENV/bin/python" "$ROOT/scripts/demo.py" --url "http://127.0.0.1:$PORT" --db "$DB" --sink "$OUT/run-mail" \
  --out "$OUT/run" --stop-after-send-quotation | tee "$OUT/run-seed.log"
portal=$(sed -n 's/^portal: //p' "$OUT/run-seed.log")
cat <<MSG

  Odoo:    http://127.0.0.1:$PORT  (database $DB, login admin / password admin)
  Portal:  $portal
           (a quotation waiting for the customer's signature; open it in a private window)
  Mail:    $OUT/run-mail/   Log: $LOG
  Ctrl-C stops Odoo and the SMTP sink.

MSG
trap 'exit 130' INT TERM
tail -n 0 -f --pid="$ODOO_PID" "$LOG" &
wait $!
