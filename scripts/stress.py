#!/usr/bin/env python3
"""Stress check of the portal signature on two real Odoo servers (scripts/stress.sh starts them): concurrency, a corpus
of hostile requests, faults; then every order is checked.

The code, by concern: stress_servers.py (the two servers, every request counted), stress_scenarios.py (the data, the
concurrent submissions, the hostile corpus), stress_faults.py, stress_checks.py (leaks, snapshots, the final check)
and stress_report.py (the last lines); this file puts them together.

Phases (each prints a short report):

- concurrency: each quotation is signed by two or three submissions of one signature released at once by a barrier,
  spread over both servers; in the synchronous mode, then (when the database has `res.company.auto_invoice_background`,
  i.e. auto_invoice_queue is installed) in the background mode, waiting for queue_job's jobs to finish.
- hostile: a corpus of at least 60 requests on the portal routes, each against quotations snapshotted (order,
  signature, acceptances, invoices, signers) before and after; see `hostile_corpus()`.
- signers: quotations signed by several people (stress_signers.py): two contacts of the customer in turn and the
  company's countersigner, each from their own link; two signers at the same moment (one of them twice), in both
  modes; and bad input on their links (out of turn, twice, the quotation's own link, another order's, after a
  decline, after a reset, after the last signature), each snapshotted as the hostile corpus is.
- faults: no sales journal, a missing income account, a lock date, no sending method under Post and Send, an
  exception in another module's override (scripts/demo_addons/auto_invoice_stress_faults), a worker SIGKILLed in the
  middle of the signing request and of the invoice job, PostgreSQL connections exhausted. A fault that legitimately
  fails ends with the acceptance `failed`, its signature kept (the product's visible failure and Retry Invoice): it is
  counted as checked, then fixed and retried.
- check: every order created by the run, as the admin over RPC, once no job is left to run; and the portal page of
  every order, as its customer.

The counters of the last line:

- requests: every HTTP request this script sent (admin RPC included), answered or not.
- http_5xx: answers with an HTTP status of 500 or more, plus requests that got no answer at all, except the requests
  whose serving process the script killed on purpose and the requests sent while PostgreSQL's connections are
  exhausted (reported apart, in the faults' report: refusing service then is the expected outcome; what matters is
  that nothing is half-done and that the servers recover).
- bad_input_state_changes: hostile requests after which a quotation they must not change had changed (state, lock,
  signature, signer, acceptances and their states, invoices and their states).
- duplicate_invoices: invoices beyond the first live (not cancelled) one of an acceptance, or of an order.
- lost_signatures: submissions answered with a success whose order has no live acceptance with a signature, plus
  orders with a signature but no live acceptance; with several signers, a signer whose signing request was answered
  with a success but whose row is not `signed`, plus orders whose signers all signed without such an acceptance.
- leaks: responses to a customer (or to a visitor) that hold another customer's name, email or amount, or internal
  text: a traceback, psycopg2, `odoo.` module paths (JSON answers), SQL, an internal note, an acceptance's error.
"""

import argparse
import random
import signal
import sys
import time
from collections import defaultdict

import requests

from odoo_client import OdooClient, OdooError, signature_png
from stress_checks import Checks
from stress_faults import Faults
from stress_report import report
from stress_scenarios import Scenarios
from stress_servers import Servers, Traffic
from stress_signers import SignerScenarios


class Stress(Servers, Scenarios, SignerScenarios, Checks):
    """The run's state, shared by its concerns: the servers, the orders made and what happened to them."""

    def __init__(self, args):
        self.args = args
        self.traffic = Traffic()
        self.urls = [args.url.rstrip("/"), args.url_b.rstrip("/")]
        self.admin = OdooClient(self.urls[0], args.db)
        self.admin.session = self.traffic.session()
        self.admin_b = OdooClient(self.urls[1], args.db)
        self.admin_b.session = self.traffic.session()
        self.orders = {}  # id -> {"name", "token", "customer", "phase"}
        self.successes = defaultdict(int)  # order id -> signing requests answered with a success
        self.bad_state_changes = []
        self.leaks = []
        self.reports = []
        self.background = False
        self.server_stopped = None
        self.signature = signature_png()
        self.internal_texts = set()  # acceptance errors and notes that no customer may read
        self.signer_successes = defaultdict(int)  # signer id -> signing requests answered with a success
        self.reset_signers = set()  # signers whose signature a reset made void on purpose
        self.order_terms = {}  # order id -> the terms its pad sends besides the token

    def report(self, line):
        self.reports.append(line)
        print(line, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="server A")
    parser.add_argument("--url-b", required=True, help="server B")
    parser.add_argument("--db", required=True)
    parser.add_argument("--pid-a", type=int, required=True)
    parser.add_argument("--pid-b", type=int, required=True)
    parser.add_argument("--log-a", required=True)
    parser.add_argument("--log-b", required=True)
    parser.add_argument("--mail", required=True, help="the SMTP sink's folder")
    parser.add_argument("--out", required=True, help="where to write the per-request logs")
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--pg-user", default="odoo")
    parser.add_argument("--orders", type=int, default=5, help="quotations per concurrency series (default 5)")
    parser.add_argument("--phases", default="concurrency,hostile,signers,faults", help="comma-separated phases to run")
    args = parser.parse_args()
    random.seed(1)
    stress = Stress(args)
    started = time.monotonic()
    phases = args.phases.split(",")
    duplicates = lost = 0
    failed = False
    try:
        stress.setup()
        if "concurrency" in phases:
            stress.concurrency(args.orders)
        if "hostile" in phases:
            stress.hostile()
        if "signers" in phases:
            stress.signers(args.orders)
        if "faults" in phases:
            Faults(stress).run()
        duplicates, lost = stress.check_orders()
    except (OdooError, requests.RequestException, RuntimeError) as error:
        stress.report(f"stress FAILED: {type(error).__name__}: {error}")
        failed = True  # the run did not check everything: a failure whatever the counters say
    sys.exit(report(stress, duplicates, lost, failed, started))


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(124))
    main()
