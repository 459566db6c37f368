#!/usr/bin/env bash
# make screenshots: the README's screenshots in docs/screenshots/, taken by headless Chromium (scripts/screenshots.mjs,
# playwright-core) on a fresh database seeded by scripts/demo.py --stop-after-send-quotation: the quotation on the
# customer's portal, the portal after the customer signed it in the browser, the sale order's Other Info tab and the
# draft automatic invoice. playwright-core is installed outside the repo (NODE_PREFIX); Chromium is Debian's
# (CHROMIUM). Logs and mail land in SCREENSHOTS_OUT (default /tmp/auto_invoice-screenshots, outside demo-output/ so
# that make demo can run meanwhile); the database is dropped at the end (KEEP_DB=1 keeps it).
set -euo pipefail
source "$(dirname "$0")/common.sh"
DB=${SCREENSHOTS_DB:-auto_invoice_screenshots}
MODULES=${SCREENSHOTS_MODULES:-$MODULE}
SHOTS=$ROOT/docs/screenshots
OUT=${SCREENSHOTS_OUT:-${TMPDIR:-/tmp}/auto_invoice-screenshots}
NODE_PREFIX=${NODE_PREFIX:-$HOME/.cache/auto_invoice/node}
PLAYWRIGHT_VERSION=1.65.1
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

"$ROOT/scripts/setup.sh"
command -v node >/dev/null && command -v npm >/dev/null || die "Node.js and npm are needed (node 18 or later)"
[[ -x $CHROMIUM ]] || die "no Chromium at CHROMIUM=$CHROMIUM (Debian: apt-get install chromium)"
if ! command -v pngquant >/dev/null && ((EUID == 0)); then
  echo "screenshots: installing pngquant"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pngquant >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pngquant >/dev/null; } || true
fi
installed=$(node -p "require('$NODE_PREFIX/node_modules/playwright-core/package.json').version" 2>/dev/null || true)
if [[ $installed != "$PLAYWRIGHT_VERSION" ]]; then
  echo "screenshots: installing playwright-core $PLAYWRIGHT_VERSION into $NODE_PREFIX (browsers are not downloaded)"
  mkdir -p "$NODE_PREFIX"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$NODE_PREFIX" --no-audit --no-fund --loglevel=error \
    "playwright-core@$PLAYWRIGHT_VERSION" >/dev/null
fi

rm -rf "$OUT" && mkdir -p "$OUT" "$SHOTS"
cleanup() {
  stop_servers
  [[ -n ${KEEP_DB:-} ]] || drop_db "$DB"
}
trap cleanup EXIT

serve_fresh "$DB" "$MODULES" "$OUT" --max-cron-threads 0
echo "screenshots: Odoo serves $DB on http://127.0.0.1:$PORT"
"$VENV/bin/python" "$ROOT/scripts/demo.py" --url "http://127.0.0.1:$PORT" --db "$DB" --sink "$OUT/mail" \
  --out "$OUT" --stop-after-send-quotation | tee "$OUT/seed.log"
portal=$(sed -n 's/^portal: //p' "$OUT/seed.log")
[[ -n $portal ]] || die "scripts/demo.py printed no portal link (log: $OUT/seed.log)"

node "$ROOT/scripts/screenshots.mjs" --url "http://127.0.0.1:$PORT" --portal "$portal" --out "$SHOTS" \
  --playwright "$NODE_PREFIX" --chromium "$CHROMIUM"
shots=(portal_quotation portal_signed sale_order_form sale_order_acceptances acceptance_form invoice_draft)
if command -v pngquant >/dev/null; then
  for name in "${shots[@]}"; do
    pngquant --force --skip-if-larger --strip --quality 70-95 --output "$SHOTS/$name.png" "$SHOTS/$name.png" || true
  done
fi
errors=$(log_errors "$OUT/odoo-server.log")
((errors == 0)) || die "Odoo logged $errors ERROR/CRITICAL line(s) while taking the screenshots ($OUT/odoo-server.log)"
for name in "${shots[@]}"; do
  printf '  docs/screenshots/%s.png  %s bytes\n' "$name" "$(stat -c %s "$SHOTS/$name.png")"
done
