#!/usr/bin/env bash
# Refresh <addon>/i18n/<addon>.pot of every addon of the repository (POT_MODULES) from a throwaway database where they
# are all installed, then merge each template into the addon's translations (i18n/*.po): new terms arrive untranslated,
# which the completeness tests (test_i18n) report, and terms gone from the code are dropped.
set -euo pipefail
source "$(dirname "$0")/common.sh"
POT_MODULES=${POT_MODULES:-auto_invoice auto_invoice_loyalty auto_invoice_l10n_ro auto_invoice_queue auto_invoice_invoice_plan auto_invoice_invoice_plan_queue}

"$ROOT/scripts/setup.sh"
DB="pot_${MODULE}_$$"
WORK=$(mktemp -d)
trap 'drop_db "$DB" || true; rm -rf "$WORK"' EXIT
fresh_db "$DB" "${POT_MODULES// /,}" "$WORK/install.log"
# The i18n command reads the connection from a config file only, and needs --addons-path=X (one word) before it.
printf '[options]\ndb_host = %s\ndb_port = %s\ndb_user = %s\ndata_dir = %s\n' \
  "$PGHOST" "$PGPORT" "$ODOO_DB_USER" "$ODOO_DATA_DIR" >"$WORK/odoo.conf"
for module in $POT_MODULES; do
  mkdir -p "$ROOT/$module/i18n"
  "$VENV/bin/python" "$ODOO_SRC/odoo-bin" --addons-path="$ODOO_SRC/addons,$EXTRA_ADDONS" \
    i18n export -c "$WORK/odoo.conf" -d "$DB" "$module"
  for po in "$ROOT/$module"/i18n/*.po; do
    [[ -e $po ]] || continue
    msgmerge --quiet --no-fuzzy-matching --update --backup=none "$po" "$ROOT/$module/i18n/$module.pot"
    msgattrib --no-obsolete -o "$po" "$po"
    # OCA's po-pretty-format (make lint): entries sorted by msgid, wrapped at 78, a msgstr equal to its msgid empty.
    "$VENV/bin/python" - "$po" <<'PY'
import sys

import polib

po = polib.pofile(sys.argv[1])
po.sort(key=lambda entry: entry.msgid)
for entry in po:
    if entry.msgid == entry.msgstr:
        entry.msgstr = ""
with open(sys.argv[1], "w", encoding="utf-8") as file:
    file.write(str(po))
PY
  done
done
