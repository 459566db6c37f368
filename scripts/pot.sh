#!/usr/bin/env bash
# Refresh $MODULE/i18n/$MODULE.pot from a throwaway database with the addon installed.
set -euo pipefail
source "$(dirname "$0")/common.sh"

"$ROOT/scripts/setup.sh"
DB="pot_${MODULE}_$$"
WORK=$(mktemp -d)
trap 'drop_db "$DB" || true; rm -rf "$WORK"' EXIT
fresh_db "$DB" "$MODULE" "$WORK/install.log"
# The i18n command reads the connection from a config file only, and needs --addons-path=X (one word) before it.
printf '[options]\ndb_host = %s\ndb_port = %s\ndb_user = %s\ndata_dir = %s\n' \
  "$PGHOST" "$PGPORT" "$ODOO_DB_USER" "$ODOO_DATA_DIR" >"$WORK/odoo.conf"
"$VENV/bin/python" "$ODOO_SRC/odoo-bin" --addons-path="$ODOO_SRC/addons,$EXTRA_ADDONS" \
  i18n export -c "$WORK/odoo.conf" -d "$DB" "$MODULE"
