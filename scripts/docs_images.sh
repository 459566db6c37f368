#!/usr/bin/env bash
# make docs-images: images of everything the customer holds (quotation, invoices, certificate, four emails, portal), in
# docs/branding/, from real renders: a fresh database, the whole demo (scripts/demo.py selects the branded design),
# then scripts/docs_images.py (pdftoppm for the PDFs, headless Chromium for the emails); then the Romanian demo
# (scripts/demo.sh --country ro, its own database) for the README's Romanian quotation and invoice. Logs and mail land
# in DOCS_IMAGES_OUT (default /tmp/auto_invoice-docs-images); the database is dropped at the end (KEEP_DB=1 keeps it).
set -euo pipefail
source "$(dirname "$0")/common.sh"
DB=${DOCS_IMAGES_DB:-auto_invoice_docs_images}
MODULES=${DOCS_IMAGES_MODULES:-$MODULE}
IMAGES=$ROOT/docs/branding
OUT=${DOCS_IMAGES_OUT:-${TMPDIR:-/tmp}/auto_invoice-docs-images}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

"$ROOT/scripts/setup.sh"
[[ -x $CHROMIUM ]] || die "no Chromium at CHROMIUM=$CHROMIUM (Debian: apt-get install chromium)"
rm -rf "$OUT" && mkdir -p "$OUT" "$IMAGES"
cleanup() {
  stop_servers
  [[ -n ${KEEP_DB:-} ]] || drop_db "$DB"
}
trap cleanup EXIT

serve_fresh "$DB" "$MODULES" "$OUT" --max-cron-threads 1  # the demo leaves the background work to the crons
echo "docs-images: Odoo serves $DB on http://127.0.0.1:$PORT"
"$VENV/bin/python" "$ROOT/scripts/demo.py" --url "http://127.0.0.1:$PORT" --db "$DB" --sink "$OUT/mail" --out "$OUT"
"$VENV/bin/python" "$ROOT/scripts/docs_images.py" --url "http://127.0.0.1:$PORT" --db "$DB" --demo-out "$OUT" \
  --out "$IMAGES" --chromium "$CHROMIUM"
# What a customer's PDF reader says of the sealed certificate: Okular (poppler) on a virtual screen, its signature's
# properties opened as a person would (Debian: okular xvfb xdotool imagemagick; skipped without them).
if command -v okular >/dev/null && command -v xvfb-run >/dev/null && command -v xdotool >/dev/null \
  && command -v import >/dev/null; then
  xvfb-run -a -s "-screen 0 1200x850x24" bash -c "
    okular -qwindowgeometry 1200x850+0+0 '$OUT/certificate.pdf' >'$OUT/okular.log' 2>&1 &
    sleep 10
    xdotool mousemove 1080 173 click 1 && sleep 1   # Show Signatures Panel
    xdotool mousemove 100 129 click 3 && sleep 1    # the signature, its menu
    xdotool key Down Return && sleep 2              # Properties
    import -window root '$IMAGES/pdf_reader_seal.png'
    kill %1"
else
  echo "docs-images: no okular, xvfb-run, xdotool or import here: pdf_reader_seal.png left as it is"
fi
errors=$(log_errors "$OUT/odoo-server.log")
((errors == 0)) || die "Odoo logged $errors ERROR/CRITICAL line(s) while making the images ($OUT/odoo-server.log)"
cleanup
trap - EXIT
# The Romanian quotation and invoice, as the Romanian demo checked and saved them (their text layer read back).
DEMO_OUT="$OUT/ro" DEMO_DB="${DB}_ro" "$ROOT/scripts/demo.sh" --country ro
[[ -n ${KEEP_DB:-} ]] || drop_db "${DB}_ro"
pdftoppm -r 70 -png -singlefile "$OUT/ro/quotation.pdf" "$IMAGES/ro_quotation"
invoices=("$OUT"/ro/INV_*.pdf)
pdftoppm -r 70 -png -singlefile "${invoices[0]}" "$IMAGES/ro_invoice"
if command -v pngquant >/dev/null; then
  for image in "$IMAGES"/*.png; do
    pngquant --force --skip-if-larger --strip --quality 70-95 --output "$image" "$image" || true
  done
fi

