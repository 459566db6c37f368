#!/usr/bin/env bash
# make demo: fresh database, real Odoo server, SMTP sink, then scripts/demo.py end to end.
# Everything it produces (PDF, .eml files, Odoo logs) lands in demo-output/ (DEMO_OUT elsewhere).
# DEMO_ARGS="--plan 30,40,30": OCA's sale_invoice_plan and auto_invoice_invoice_plan, a payment schedule signed with the
# quotation, the cron of its installments run with the clock moved to each next day (scripts/demo_plan.py).
# DEMO_ARGS="--country ro": auto_invoice_l10n_ro and the SPV stand-in of scripts/demo_addons (demo only, never
# shipped: l10n_ro_edi's requests to ANAF are answered on this machine), Romanian loaded when the database is created.
# --load-language translates only the models in the registry when it runs: on a plain server start that is base alone
# (no mail template, no report), so it goes to the install, after which each module loads its ro.po as it installs.
set -euo pipefail
source "$(dirname "$0")/common.sh"
DB=${DEMO_DB:-auto_invoice_demo}
OUT=${DEMO_OUT:-$ROOT/demo-output}

country= plan=
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case ${args[i]} in
    --country) country=${args[i + 1]:-} ;;
    --country=*) country=${args[i]#--country=} ;;
    --plan | --plan=*) plan=1 ;;
  esac
done
INSTALL_OPTIONS=()
case $country in
  '') MODULES=${DEMO_MODULES:-$MODULE} ;;
  ro)
    MODULES=${DEMO_MODULES:-auto_invoice_l10n_ro,auto_invoice_demo_spv}
    EXTRA_ADDONS+=",$ROOT/scripts/demo_addons"
    set_odoo_cmd
    INSTALL_OPTIONS+=(--load-language=ro_RO)
    ;;
  *) die "--country $country: the demo knows ro only" ;;
esac
# --plan: OCA's invoice plan, which installs auto_invoice_invoice_plan with it.
[[ -z $plan ]] || MODULES+=,sale_invoice_plan

"$ROOT/scripts/setup.sh"
rm -rf "$OUT" && mkdir -p "$OUT"
trap stop_servers EXIT

# The server's own cron thread does the background work, as in production; Odoo's crons that call services outside
# (IAP's VIES sync of base_vat, which l10n_ro installs) are switched off first: this machine reaches no such service.
OFFLINE_CRONS=base_vat.vies_iap_check_update serve_fresh "$DB" "$MODULES" "$OUT" --max-cron-threads 1
echo "demo: Odoo serves $DB on http://127.0.0.1:$PORT, mail goes to the SMTP sink on port $SINK_PORT"
# The same Odoo's shell, on the same database, files and mail: --plan runs the installments' cron there on a later day.
DEMO_ODOO_SHELL="${ODOO_CMD[*]:0:2} shell ${ODOO_CMD[*]:2} --data-dir $ODOO_DATA_DIR --smtp 127.0.0.1 --smtp-port $SINK_PORT"
export DEMO_ODOO_SHELL
"$VENV/bin/python" "$ROOT/scripts/demo.py" --url "http://127.0.0.1:$PORT" --db "$DB" --sink "$OUT/mail" --out "$OUT" "$@"
errors=$(log_errors "$OUT/odoo-server.log")
((errors == 0)) || die "the demo passed but Odoo logged $errors ERROR/CRITICAL line(s) (demo-output/odoo-server.log)"
if [[ $country == ro ]]; then
  echo "demo: results in demo-output/ (quotation.pdf, signed_quotation.pdf, certificate.pdf, the invoice's PDF and" \
    "its CIUS-RO XML as SPV got it, quotation.eml, invoice.eml, reminder.eml, mail/, Odoo logs)"
else
  echo "demo: results in demo-output/ (PDF, quotation.eml, invoice.eml, reminder.eml, mail/, Odoo logs)"
fi
