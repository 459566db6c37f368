# auto_invoice: Odoo 19 addon. Odoo's source is not in this repo: see ODOO_SRC.
ODOO_SRC ?= /opt/odoo/19.0
VENV ?= $(HOME)/.venvs/odoo19
export ODOO_SRC VENV

.PHONY: setup test pytest test-core demo bench stress run lint pot readme clean

setup:  ## Odoo source repair, system packages, virtualenv, PostgreSQL role (idempotent)
	scripts/setup.sh

test:  ## Install auto_invoice on a throwaway database, run its tests, then the race check on a real server
	scripts/test.sh

pytest:  ## The same tests with pytest-odoo on a reused database; one test: make pytest ARGS="path::Class::test"
	scripts/pytest.sh $(ARGS)

test-core:  ## Odoo's sale, sale_management, sale_loyalty and sale_stock test suites with auto_invoice installed (long)
	scripts/test_core.sh

demo:  ## End-to-end demo on a fresh database and a real server; results in demo-output/; DEMO_ARGS="--country ro": Romania, e-Factura
	scripts/demo.sh $(DEMO_ARGS)

bench:  ## Odoo's own flow vs auto_invoice over HTTP (time, queries, RSS), then a race check: 7.5 minutes on 2 cores; full size (over 30 minutes): BENCH_ARGS="--orders 30 --bulk 400 --load 20"
	scripts/bench.sh $(BENCH_ARGS)

stress:  ## Two prefork servers, one fresh database: concurrent, hostile and faulty signatures, every order checked; STRESS_ARGS="--orders 10"
	scripts/stress.sh $(STRESS_ARGS)

run:  ## Odoo on 127.0.0.1:8069 with a quotation waiting for signature
	scripts/run.sh

lint:  ## pre-commit on all files: ruff, pylint-odoo, OCA's Odoo checks, prettier, README up to date
	scripts/setup.sh --lint
	PATH="$(VENV)/bin:$$PATH" $(VENV)/bin/pre-commit run --all-files --show-diff-on-failure

pot:  ## Refresh auto_invoice/i18n/auto_invoice.pot (installs the addon on a throwaway database)
	scripts/pot.sh

readme:  ## Rebuild auto_invoice/README.md from its readme/ fragments
	scripts/readme.sh

clean:  ## Remove generated files and the demo/run/bench/pytest databases
	rm -rf demo-output test-output bench-output stress-output .ruff_cache .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	-bash -c 'source scripts/common.sh && drop_db auto_invoice_demo && drop_db auto_invoice_run && drop_db auto_invoice_bench \
	  && drop_db auto_invoice_pytest && rm -f "$$ODOO_DATA_DIR/auto_invoice_pytest.stamp"'

.PHONY: screenshots
screenshots:  ## README screenshots in docs/screenshots/ (headless Chromium on a fresh database, dropped after)
	scripts/screenshots.sh

.PHONY: docs-images
docs-images:  ## Images of every customer-facing document, email and portal page in docs/branding/ (real renders, fresh database)
	scripts/docs_images.sh
