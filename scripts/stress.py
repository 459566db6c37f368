#!/usr/bin/env python3
"""Stress check of the portal signature on two real Odoo servers (scripts/stress.sh starts them): concurrency, a corpus
of hostile requests, faults; then every order is checked.

Phases (each prints a short report):

- concurrency: each quotation is signed by two or three submissions of one signature released at once by a barrier,
  spread over both servers; in the synchronous mode, then (when the database has `res.company.auto_invoice_background`,
  i.e. auto_invoice_queue is installed) in the background mode, waiting for queue_job's jobs to finish.
- hostile: a corpus of at least 60 requests on the portal routes, each against quotations snapshotted (order,
  signature, acceptances, invoices) before and after; see `hostile_corpus()`.
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
  orders with a signature but no live acceptance.
- leaks: responses to a customer (or to a visitor) that hold another customer's name, email or amount, or internal
  text: a traceback, psycopg2, `odoo.` module paths (JSON answers), SQL, an internal note, an acceptance's error.
"""

import argparse
import base64
import io
import json
import os
import random
import re
import signal
import sys
import threading
import time
from collections import Counter, defaultdict
from contextlib import contextmanager, suppress
from urllib.parse import parse_qsl, urlencode, urlsplit

import psycopg2
import requests
from PIL import Image

from odoo_client import OdooClient, OdooError, signature_png
from seed import CUSTOMER, CUSTOMER_EMAIL, SIGNER, seed

TIMEOUT = 300  # seconds for one request: a signing request renders PDFs with wkhtmltopdf
MAX_REQUESTS = 5000  # the whole run never sends more
JOBS_TIMEOUT = 300  # seconds to wait for queue_job's jobs to end
VICTIM = "Beta Victim GmbH"
VICTIM_EMAIL = "ceo@beta-victim.example"
VICTIM_PRICE = 4321.09  # a price no other order has: its amount in a response is the victim's
INTERNAL_MARKER = "INTERNAL-7F3A-ONLY-STAFF"
# Internal text that no customer answer may hold; `odoo.` (module paths) and SQL in JSON answers only: the portal's
# HTML pages load Odoo's JavaScript, which names `odoo.` objects.
INTERNAL_ANYWHERE = re.compile(r"Traceback \(most recent call last\)|psycopg2|internal_note|" + INTERNAL_MARKER)
INTERNAL_JSON = re.compile(
    r"\bodoo\.(?:addons|exceptions|http|models|fields|api|tools|sql_db|service)\b"
    r"|\b(?:SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM)\b",
    re.S,
)
FAULT_TEXT = "auto_invoice_stress"
PAGE_SIGNATURE = object()  # accept()'s default: the signature the page's pad draws


class Traffic:
    """Counts every HTTP request of the run and the answers that matter; sessions made here count themselves."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.http_5xx = 0
        self.exempt = Counter()  # the answers of requests the script broke on purpose, by outcome
        self.exempt_depth = 0
        self.failures = []  # (phase, description) of counted 5xx / no answer
        self.phase = "setup"

    def session(self):
        session = requests.Session()
        session.hooks["response"].append(self._answered)
        return session

    @contextmanager
    def exempting(self):
        """The requests sent meanwhile may be broken on purpose (a killed worker, no database connection left)."""
        with self.lock:
            self.exempt_depth += 1
        try:
            yield
        finally:
            with self.lock:
                self.exempt_depth -= 1

    def _answered(self, response, *args, **kwargs):
        with self.lock:
            self.requests += 1
            if self.requests > MAX_REQUESTS:
                raise RuntimeError(f"more than {MAX_REQUESTS} requests: the run is capped")
            if response.status_code >= 500:
                self._failed(f"HTTP {response.status_code} {response.request.method} {short(response.url)}")

    def unanswered(self, method, url, error):
        with self.lock:
            self.requests += 1
            self._failed(f"no answer to {method} {short(url)}: {type(error).__name__}")

    def _failed(self, what):
        if self.exempt_depth:
            self.exempt[what.split(" ", 2)[0] + " " + what.split(" ", 2)[1]] += 1
        else:
            self.http_5xx += 1
            self.failures.append((self.phase, what))


def short(url):
    parts = urlsplit(url)
    return parts.path + ("?…" if parts.query else "")


class Answer:
    """One HTTP answer: status (None when none came), text, and the JSON-RPC result or error when it is JSON."""

    def __init__(self, response=None, error=None):
        self.status = response.status_code if response is not None else None
        self.text = response.text if response is not None else ""
        self.error = error
        self.json = None
        if response is not None and "json" in response.headers.get("Content-Type", ""):
            with suppress(ValueError):
                self.json = response.json()

    @property
    def result(self):
        return self.json.get("result") if isinstance(self.json, dict) else None

    @property
    def success(self):
        """A signature taken: Odoo's answer redirects to the signed order, without an error."""
        result = self.result
        return isinstance(result, dict) and not result.get("error") and bool(result.get("redirect_url"))

    def summary(self):
        if self.status is None:
            return f"no answer ({type(self.error).__name__})"
        if isinstance(self.json, dict) and "error" in self.json:
            error = self.json["error"]
            return (
                f"JSON-RPC error {error.get('code')}: {(error.get('data') or {}).get('name') or error.get('message')}"
            )
        result = self.result
        if isinstance(result, dict) and result.get("error"):
            return f"refused: {result['error'][:90]}"
        if self.success:
            return "signed"
        return f"HTTP {self.status}"


class Stress:
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

    # === HTTP === #

    def send(self, method, url, session=None, **kwargs):
        session = session or self.traffic.session()
        kwargs.setdefault("timeout", TIMEOUT)
        try:
            return Answer(session.request(method, url, **kwargs))
        except requests.RequestException as error:
            self.traffic.unanswered(method, url, error)
            return Answer(error=error)

    def post_jsonrpc(self, url, params, session=None, raw=None, headers=None):
        body = raw if raw is not None else json.dumps({"jsonrpc": "2.0", "method": "call", "params": params, "id": 1})
        headers = headers or {"Content-Type": "application/json"}
        return self.send("POST", url, session=session, data=body, headers=headers)

    def sign_url(self, order_id, server=0):
        """The URL the order's portal page posts its signature to (its signature form's callUrl), as the customer's
        anonymous browser opens the emailed link."""
        token = self.orders[order_id]["token"]
        answer = self.send("GET", f"{self.urls[server]}/my/orders/{order_id}", params={"access_token": token})
        self.check_leaks(answer, order_id, "portal page")
        found = re.search(r'<owl-component name="portal.signature_form" props="([^"]*)"', answer.text)
        if not found:
            raise OdooError(f"/my/orders/{order_id}: the page has no signature form ({answer.summary()})")
        import html  # noqa: PLC0415

        return json.loads(html.unescape(found.group(1)))["callUrl"]

    def accept(self, server, path, name=SIGNER, signature=PAGE_SIGNATURE, **extra):
        params = {"name": name, "signature": self.signature if signature is PAGE_SIGNATURE else signature, **extra}
        return self.post_jsonrpc(self.urls[server] + path, params)

    # === Leaks === #

    def check_leaks(self, answer, order_id, what):
        """Count an answer to the customer of `order_id` (None: an anonymous visitor without a valid token) that holds
        another customer's data or internal text."""
        text = answer.text
        if not text:
            return
        customer = self.orders.get(order_id, {}).get("customer")
        found = []
        if match := INTERNAL_ANYWHERE.search(text):
            found.append(match.group(0)[:40])
        if answer.json is not None and (match := INTERNAL_JSON.search(text)):
            found.append(match.group(0)[:40])
        found += [internal[:40] for internal in self.internal_texts if internal in text]
        if customer != "victim":
            found += [
                data for data in (VICTIM, VICTIM_EMAIL, f"{VICTIM_PRICE:,.2f}", f"{VICTIM_PRICE:.2f}") if data in text
            ]
        if customer != "acme" and order_id is not None:
            found += [data for data in (CUSTOMER, CUSTOMER_EMAIL) if data in text]
        if found:
            self.leaks.append(f"{what}: {', '.join(sorted(set(found)))}")

    # === Data === #

    def rpc(self, *args, **kwargs):
        return self.admin.rpc(*args, **kwargs)

    def create_orders(self, count, phase, customer="acme", **values):
        customer_id = self.customers[customer]
        lines = self.lines if customer == "acme" else self.victim_lines
        vals = {
            "partner_id": customer_id,
            "require_signature": True,
            "require_payment": False,
            "auto_invoice_on_signature": True,
            "order_line": lines,
            **values,
        }
        ids = self.rpc("sale.order", "create", [vals] * count)
        self.rpc("sale.order", "action_quotation_sent", ids)
        for order in self.rpc("sale.order", "read", ids, fields=["name", "access_token"]):
            token = order["access_token"] or self.admin.access_token("sale.order", order["id"])
            self.orders[order["id"]] = {"name": order["name"], "token": token, "customer": customer, "phase": phase}
        return ids

    def setup(self):
        self.admin.authenticate("admin", "admin")
        self.admin_b.authenticate("admin", "admin")
        data = seed(self.admin)
        # wkhtmltopdf fetches the report's assets from web.base.url: server B, while server A runs the jobs (its job
        # runner won the lock) and takes most signatures, so that a worker busy rendering never waits for itself.
        self.admin.rpc("ir.config_parameter", "set_param", "web.base.url", self.urls[1])
        self.company_id = data.company_id
        victim_id = self.rpc("res.partner", "create", {"name": VICTIM, "email": VICTIM_EMAIL, "is_company": True})
        self.customers = {"acme": data.customer_id, "victim": victim_id}
        self.lines = [
            (0, 0, {"product_id": product, "product_uom_qty": qty})
            for product, qty in ((data.service_id, 1), (data.goods_id, 3), (data.service_id, 2))
        ]
        self.victim_lines = [(0, 0, {"product_id": data.service_id, "product_uom_qty": 1, "price_unit": VICTIM_PRICE})]
        self.data = data
        fields = self.rpc("res.company", "fields_get", ["auto_invoice_background"], attributes=["type"])
        self.has_background = "auto_invoice_background" in fields
        self.has_jobs = bool(self.rpc("ir.model", "search_count", [("model", "=", "queue.job")]))
        self.set_param("auto_invoice_stress.raise_for", "")
        self.set_param("auto_invoice_stress.sleep_for", "")

    def set_param(self, key, value):
        self.rpc("ir.config_parameter", "set_param", key, value)

    def set_background(self, on):
        if self.has_background:
            self.rpc("res.company", "write", [self.company_id], {"auto_invoice_background": on})
        self.background = on

    def snapshot(self, order_ids):
        """What a hostile request must not change on these orders."""
        orders = self.rpc(
            "sale.order",
            "read",
            order_ids,
            fields=["state", "locked", "signed_by", "signed_on", "invoice_ids", "auto_invoice_state"],
        )
        signed = set(self.rpc("sale.order", "search", [("id", "in", order_ids), ("signature", "!=", False)]))
        acceptances = self.rpc(
            "sale.order.acceptance", "search_read", [("order_id", "in", order_ids)], fields=["order_id", "state"]
        )
        invoice_ids = sorted({move for order in orders for move in order["invoice_ids"]})
        invoices = {
            move["id"]: move["state"] for move in self.rpc("account.move", "read", invoice_ids, fields=["state"])
        }
        snap = {}
        for order in orders:
            snap[order["id"]] = (
                order["state"],
                order["locked"],
                order["signed_by"],
                order["signed_on"],
                order["auto_invoice_state"],
                order["id"] in signed,
                tuple(sorted((acc["id"], acc["state"]) for acc in acceptances if acc["order_id"][0] == order["id"])),
                tuple(sorted((move, invoices.get(move)) for move in order["invoice_ids"])),
            )
        return snap

    def wait_jobs(self):
        """Wait until queue_job has no job left to run; returns their states."""
        if not self.has_jobs:
            return {}
        deadline = time.monotonic() + JOBS_TIMEOUT
        while True:
            groups = self.rpc("queue.job", "read_group", [], ["state"], ["state"], lazy=False)
            states = {group["state"]: group["__count"] for group in groups}
            if not set(states) - {"done", "failed", "cancelled"} or time.monotonic() > deadline:
                return states
            time.sleep(2)

    def outcome(self, order_ids):
        """Counter of the orders' automatic invoice states ("none": no acceptance)."""
        orders = self.rpc("sale.order", "read", order_ids, fields=["auto_invoice_state"])
        return Counter(order["auto_invoice_state"] or "none" for order in orders)

    def report(self, line):
        self.reports.append(line)
        print(line, flush=True)

    # === Phase (a): concurrent submissions === #

    def concurrency(self, orders_each):
        modes = [False, True] if self.has_background else [False]
        for background in modes:
            self.set_background(background)
            mode = "background" if background else "sync"
            for copies in (2, 3):
                self.traffic.phase = f"concurrency {mode} x{copies}"
                ids = self.create_orders(orders_each, self.traffic.phase)
                outcomes = Counter()
                started = time.monotonic()
                for order_id in ids:
                    outcomes.update(self.submit_at_once(order_id, copies))
                jobs = self.wait_jobs() if background else {}
                self.report(
                    f"concurrency {mode}: {len(ids)} orders x {copies} simultaneous submissions over both servers in"
                    f" {time.monotonic() - started:.0f} s: {dict(outcomes)}; orders {dict(self.outcome(ids))}"
                    + (f"; jobs {jobs}" if jobs else "")
                )

    def submit_at_once(self, order_id, copies):
        path = urlsplit(self.sign_url(order_id, server=1)).geturl()  # the page's own callUrl
        barrier, answers = threading.Barrier(copies), [None] * copies

        def submit(index):
            barrier.wait()
            answers[index] = self.accept(index % 2, path)  # A, B, A: both servers take submissions

        threads = [threading.Thread(target=submit, args=(index,)) for index in range(copies)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        outcomes = Counter()
        for answer in answers:
            self.check_leaks(answer, order_id, f"concurrent submission on {self.orders[order_id]['name']}")
            if answer.success:
                self.successes[order_id] += 1
            outcomes[answer.summary().split(":")[0]] += 1
        return outcomes

    # === Phase (b): hostile requests === #

    def hostile(self):
        self.traffic.phase = "hostile"
        self.set_background(False)
        build = self.hostile_corpus()
        target = self.create_orders(1, "hostile")[0]
        cases = build(target)
        changed, kinds = 0, Counter()
        self.hostile_log = []
        for index in range(len(cases)):
            label, protected, send = cases[index]
            before = self.snapshot(protected)
            answer, viewer = send(index % 2)
            after = self.snapshot(protected)
            self.check_leaks(answer, viewer, f"hostile {label}")
            kinds[answer.summary().split(":")[0]] += 1
            diffs = [self.orders[order_id]["name"] for order_id in protected if before[order_id] != after[order_id]]
            if diffs:
                changed += 1
                self.bad_state_changes.append(f"{label}: {', '.join(diffs)} changed ({answer.summary()})")
            self.hostile_log.append(f"{label}\t{answer.summary()}\t{'CHANGED ' + ','.join(diffs) if diffs else ''}")
            if target in protected and before[target] != after[target]:
                # the next cases need a quotation still waiting for its signature, or they prove nothing
                target = self.create_orders(1, "hostile")[0]
                cases[index + 1 :] = build(target)[index + 1 :]
        self.check_html_names()
        with open(os.path.join(self.args.out, "hostile.tsv"), "w", encoding="utf-8") as log:
            log.write("\n".join(self.hostile_log) + "\n")
        self.report(f"hostile: {len(cases)} requests on the portal routes, {changed} changed a protected order;")
        self.report(f"hostile: answers {dict(kinds)}")

    def hostile_corpus(self):
        """The quotations the corpus needs, and build(target): the corpus against that quotation waiting for its
        signature, as [(label, orders that must not change, send(server) -> (Answer, order id whose token the request
        holds, or None))]."""
        (other_same_customer,) = self.create_orders(1, "hostile")
        (victim,) = self.create_orders(1, "hostile", customer="victim")
        expired, cancelled, declined, signed, locked, confirmed, outdated = self.create_orders(7, "hostile")
        self.rpc("sale.order", "write", [expired], {"validity_date": "2020-01-01"})
        self.rpc("sale.order", "action_cancel", [cancelled])
        self.decline(declined)
        self.rpc("sale.order", "action_confirm", [locked, confirmed])
        self.rpc("sale.order", "action_lock", [locked])
        answer = self.accept(1, self.sign_url(signed, server=1))
        if answer.success:
            self.successes[signed] += 1
        self.victim_offline_note(victim)
        stale_url = self.sign_url(outdated)
        self.rpc("sale.order", "write", [outdated], {"order_line": [(0, 0, {"product_id": self.data.service_id})]})

        self.html_orders = self.create_orders(2, "hostile")
        return lambda target: self._hostile_cases(
            target,
            other_same_customer,
            victim,
            expired,
            cancelled,
            declined,
            signed,
            locked,
            confirmed,
            outdated,
            stale_url,
        )

    def _hostile_cases(
        self,
        target,
        other_same_customer,
        victim,
        expired,
        cancelled,
        declined,
        signed,
        locked,
        confirmed,
        outdated,
        stale_url,
    ):
        token = {order_id: self.orders[order_id]["token"] for order_id in self.orders}
        page = self.sign_url(target)
        page_query = dict(parse_qsl(urlsplit(page).query))
        terms = {key: value for key, value in page_query.items() if key != "access_token"}

        def path(order_id, **query):
            return f"/my/orders/{order_id}/accept?{urlencode(query)}"

        def own(order_id, extra_query=None):
            query = {"access_token": token[order_id], **terms, **(extra_query or {})}
            return path(order_id, **query)

        def sign(target_id, url, viewer=0, **params):
            """viewer: the order whose token the request holds (the URL's order by default), None for nobody's."""

            def send(server):
                return self.accept(server, url, **params), target_id if viewer == 0 else viewer

            return send

        def raw(url, body, viewer, content_type="application/json", method="POST"):
            def send(server):
                headers = {"Content-Type": content_type}
                data = body if isinstance(body, bytes | str) else json.dumps(body)
                answer = self.send(method, self.urls[server] + url, data=data, headers=headers)
                return answer, viewer

            return send

        def get(url, viewer, method="GET", data=None):
            def send(server):
                return self.send(method, self.urls[server] + url, data=data, allow_redirects=True), viewer

            return send

        cases = []
        add = cases.append
        t = target
        # Tokens and ids
        add(("no token", [t], sign(t, path(t, **terms), viewer=None)))
        add(("empty token", [t], sign(t, path(t, access_token="", **terms), viewer=None)))
        add(("forged token", [t], sign(t, path(t, access_token="forged-" + "0" * 32, **terms), viewer=None)))
        add(("token with a suffix", [t], sign(t, path(t, access_token=token[t] + "x", **terms), viewer=None)))
        add(("token, a prefix of it", [t], sign(t, path(t, access_token=token[t][:-4], **terms), viewer=None)))
        add(("token in upper case", [t], sign(t, path(t, access_token=token[t].upper(), **terms), viewer=None)))
        add(("another customer's token", [t, victim], sign(t, path(t, access_token=token[victim], **terms), None)))
        add(
            (
                "another order's id with this token",
                [t, victim],
                sign(victim, own(t).replace(f"/{t}/", f"/{victim}/"), viewer=t),
            )
        )
        add(
            (
                "token of another order of the customer",
                [t],
                sign(t, path(t, access_token=token[other_same_customer], **terms)),
            )
        )
        add(("nonexistent order id", [t], sign(999999, path(999999, access_token=token[t], **terms), viewer=None)))
        add(("order id 0", [t], sign(0, path(0, access_token=token[t], **terms), viewer=None)))
        add(("negative order id", [t], raw(f"/my/orders/-{t}/accept?access_token={token[t]}", self._rpc_body(), None)))
        add(
            (
                "non-numeric order id",
                [t],
                raw(f"/my/orders/{t}x/accept?access_token={token[t]}", self._rpc_body(), None),
            )
        )
        add(("token as a number in the body", [t], sign(t, path(t, **terms), viewer=None, access_token=12345)))
        add(("token as a list in the body", [t], sign(t, path(t, **terms), viewer=None, access_token=[token[t]])))
        add(("token as an object in the body", [t], sign(t, path(t, **terms), None, access_token={"$ne": ""})))
        add(("forged body token over the page's", [t], sign(t, own(t), viewer=None, access_token="forged")))
        add(
            (
                "another order id in the body",
                [t, victim],
                sign(t, path(t, **terms), None, order_id=victim, access_token=token[victim][:-1]),
            )
        )
        # Signatures
        png = base64.b64decode(self.signature)
        for label, value in self._bad_signatures(png):
            add((f"signature: {label}", [t], sign(t, own(t), signature=value)))
        add(("signature missing", [t], raw(own(t), self._rpc_body(name=SIGNER), t)))
        # Names
        for label, value in (
            ("100 kB name", "A" * 100_000),
            ("129-character name", "B" * 129),
            ("name a number", 42),
            ("name a list", [SIGNER]),
            ("name an object", {"first": "Jane"}),
            ("name null", None),
            ("name empty", ""),
            ("name blank", " \t "),
            ("name with a NUL", "Jane\x00Doe"),
            ("name with an escape sequence", "Jane \x1b[31mDoe"),
            ("name with a newline", "Jane\nDoe"),
            ("name with a right-to-left override", "Jane \u202eeoD"),
            ("name with a zero-width space", "Jane\u200bDoe"),
            ("name with a lone surrogate", "Jane \ud800 Doe"),
        ):
            add((label, [t], sign(t, own(t), name=value)))
        # States
        add(("expired quotation", [expired], sign(expired, own(expired))))
        add(("cancelled quotation", [cancelled], sign(cancelled, own(cancelled))))
        add(("declined quotation", [declined], sign(declined, own(declined))))
        add(("already signed quotation", [signed], sign(signed, own(signed))))
        add(("already signed, another signer", [signed], sign(signed, own(signed), name="Mallory")))
        add(("locked order", [locked], sign(locked, own(locked))))
        add(("confirmed order", [confirmed], sign(confirmed, own(confirmed))))
        add(("page out of date", [outdated], sign(outdated, stale_url)))
        add(("no terms in the URL", [t], sign(t, path(t, access_token=token[t]))))
        add(("forged terms", [t], sign(t, own(t, {"terms_sha256": "0" * 64}))))
        add(("terms of another order", [t], sign(t, own(t, {"terms_sha256": self._terms(other_same_customer)}))))
        # Malformed JSON-RPC
        add(("body not JSON", [t], raw(own(t), "{not json", t)))
        add(("body empty", [t], raw(own(t), "", t)))
        add(("body a JSON array", [t], raw(own(t), [1, 2], t)))
        add(("body a JSON string", [t], raw(own(t), '"call"', t)))
        add(("params a list", [t], raw(own(t), {"jsonrpc": "2.0", "method": "call", "params": [SIGNER], "id": 1}, t)))
        add(("params a string", [t], raw(own(t), {"jsonrpc": "2.0", "method": "call", "params": "x", "id": 1}, t)))
        add(("no params", [t], raw(own(t), {"jsonrpc": "2.0", "method": "call", "id": 1}, t)))
        add(("deeply nested JSON", [t], raw(own(t), '{"params": ' + "[" * 100_000 + "]" * 100_000 + "}", t)))
        add(("JSON with invalid UTF-8", [t], raw(own(t), b'{"params": {"name": "\xff\xfe"}}', t)))
        add(("JSON as text/plain", [t], raw(own(t), self._rpc_body(name=SIGNER), t, content_type="text/plain")))
        add(
            (
                "JSON as a form",
                [t],
                raw(own(t), "name=x&signature=y", t, content_type="application/x-www-form-urlencoded"),
            )
        )
        add(("GET on the signing route", [t], get(own(t), t)))
        add(("unknown parameters", [t], raw(own(t), self._rpc_body(name=SIGNER, foo=1, **{"__proto__": 1}), t)))
        add(("params with a context", [t], raw(own(t), self._rpc_body(name=SIGNER, context={"uid": 1}), t)))
        # The portal's other routes
        add(("decline another customer's order", [victim], lambda s: self.decline(victim, token[t], server=s)))
        add(("decline without a token", [victim], lambda s: self.decline(victim, "", server=s)))
        add(("decline an order already signed", [signed], lambda s: self.decline(signed, token[signed], server=s)))
        add(("decline a locked order", [locked], lambda s: self.decline(locked, token[locked], server=s)))
        add(("another customer's page", [victim], get(f"/my/orders/{victim}?access_token={token[t]}", None)))
        add(("another customer's page, forged token", [victim], get(f"/my/orders/{victim}?access_token=x", None)))
        add(
            (
                "another customer's certificate",
                [victim],
                get(f"/my/orders/{victim}/certificate?access_token={token[t]}", None),
            )
        )
        add(("a certificate without a token", [signed], get(f"/my/orders/{signed}/certificate", None)))
        add(
            (
                "another customer's PDF",
                [victim],
                get(f"/my/orders/{victim}?access_token={token[t]}&report_type=pdf", None),
            )
        )
        add(("another customer's invoice list", [victim], get(f"/my/invoices?access_token={token[victim]}", None)))
        # Names with markup: a signature the page may take, but whose name must come back escaped (check_html_names)
        for order_id, value in zip(
            self.html_orders, ('<script>alert("stress")</script>', '<img src=x onerror="alert(1)">'), strict=True
        ):
            add((f"markup in the name ({value[:8]}…)", [], sign(order_id, self._own_url(order_id), name=value)))
        return cases

    def _own_url(self, order_id):
        return self.sign_url(order_id)

    def _terms(self, order_id):
        return dict(parse_qsl(urlsplit(self.sign_url(order_id)).query))["terms_sha256"]

    def _rpc_body(self, **params):
        return {"jsonrpc": "2.0", "method": "call", "params": params, "id": 1}

    def _bad_signatures(self, png):
        noise = io.BytesIO()
        Image.frombytes("RGB", (2000, 1700), os.urandom(2000 * 1700 * 3)).save(noise, format="PNG", compress_level=0)
        jpeg, gif, bomb = io.BytesIO(), io.BytesIO(), io.BytesIO()
        Image.new("RGB", (300, 100), "white").save(jpeg, format="JPEG")
        Image.new("P", (300, 100)).save(gif, format="GIF")
        Image.new("1", (20000, 20000), 1).save(bomb, format="PNG")
        svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script><rect/></svg>'
        b64 = self.signature
        return [
            ("empty", ""),
            ("null", None),
            ("a number", 12345),
            ("a list", [b64]),
            ("an object", {"data": b64}),
            ("10 MB of random base64", base64.b64encode(os.urandom(7_500_000)).decode()),
            ("10 MB PNG of noise", base64.b64encode(noise.getvalue()).decode()),
            ("JPEG", base64.b64encode(jpeg.getvalue()).decode()),
            ("GIF", base64.b64encode(gif.getvalue()).decode()),
            ("plain text", base64.b64encode(b"hello, this is not an image").decode()),
            ("not base64", "not an image!"),
            ("SVG with a script", base64.b64encode(svg).decode()),
            ("SVG with a script, not encoded", svg.decode()),
            ("truncated base64", b64[: len(b64) // 2 + 1]),
            ("truncated PNG", base64.b64encode(png[: len(png) // 2]).decode()),
            ("a data: URL", "data:image/png;base64," + b64),
            ("PNG of 400 megapixels", base64.b64encode(bomb.getvalue()).decode()),
        ]

    def decline(self, order_id, access_token=None, server=0):
        """Decline on the portal as its form does (with the page's CSRF token); returns (Answer, viewer)."""
        session = self.traffic.session()
        token = self.orders[order_id]["token"] if access_token is None else access_token
        page = self.send(
            "GET", f"{self.urls[server]}/my/orders/{order_id}", session=session, params={"access_token": token}
        )
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text) or re.search(
            r'csrf_token: "([^"]+)"', page.text
        )
        data = {"csrf_token": csrf.group(1) if csrf else "", "access_token": token, "decline_message": "No, thanks."}
        answer = self.send("POST", f"{self.urls[server]}/my/orders/{order_id}/decline", session=session, data=data)
        viewer = order_id if access_token is None or access_token == self.orders[order_id]["token"] else None
        self.check_leaks(page, viewer, f"page before declining {self.orders[order_id]['name']}")
        return answer, viewer

    def victim_offline_note(self, order_id):
        """An internal note on the victim's order, which no portal answer may show."""
        self.rpc("sale.order", "message_post", [order_id], body=INTERNAL_MARKER, subtype_xmlid="mail.mt_note")

    def check_html_names(self):
        for order_id in self.html_orders:
            if self.successes_html(order_id):
                page = self.send(
                    "GET",
                    f"{self.urls[0]}/my/orders/{order_id}",
                    params={"access_token": self.orders[order_id]["token"]},
                )
                if re.search(r"<script>alert\(|<img src=x onerror", page.text):
                    self.leaks.append(f"the signer's markup is rendered unescaped on {self.orders[order_id]['name']}")

    def successes_html(self, order_id):
        return bool(self.rpc("sale.order", "search_count", [("id", "=", order_id), ("signature", "!=", False)]))

    # === Final check === #

    def check_orders(self):
        """Every order of the run: returns (duplicate invoices, lost signatures, problems, outcome counter)."""
        self.traffic.phase = "check"
        jobs = self.wait_jobs()
        ids = sorted(self.orders)
        orders = self.rpc("sale.order", "read", ids, fields=["name", "state", "invoice_ids", "auto_invoice_state"])
        signed = set(self.rpc("sale.order", "search", [("id", "in", ids), ("signature", "!=", False)]))
        acceptances = self.rpc(
            "sale.order.acceptance",
            "search_read",
            [("order_id", "in", ids), ("state", "!=", "void")],
            fields=["order_id", "state", "signature", "invoice_ids", "error"],
        )
        moves = self.rpc(
            "account.move",
            "search_read",
            [("line_ids.sale_line_ids.order_id", "in", ids), ("state", "!=", "cancel")],
            fields=["auto_invoice_acceptance_id", "line_ids"],
        )
        live_by_order = defaultdict(set)
        for order in orders:
            live_by_order[order["id"]] = set(order["invoice_ids"]) & {move["id"] for move in moves}
        by_acceptance = Counter(
            move["auto_invoice_acceptance_id"][0] for move in moves if move["auto_invoice_acceptance_id"]
        )
        acceptance_of = defaultdict(list)
        for acceptance in acceptances:
            acceptance_of[acceptance["order_id"][0]].append(acceptance)
            if acceptance["error"]:
                self.internal_texts.add(acceptance["error"][:60])
        duplicates, lost, problems, outcome = 0, 0, [], Counter()
        for order in orders:
            order_id, name = order["id"], order["name"]
            accs = acceptance_of[order_id]
            extra = max(len(live_by_order[order_id]) - 1, 0)
            extra = max(extra, *(by_acceptance[acc["id"]] - 1 for acc in accs), 0) if accs else extra
            if extra:
                duplicates += extra
                problems.append(f"{name}: {extra + 1} live invoices")
            if len(accs) > 1:
                problems.append(f"{name}: {len(accs)} live acceptances")
            has_signed_acceptance = any(acc["signature"] for acc in accs)
            if self.successes[order_id] and not has_signed_acceptance:
                lost += 1
                problems.append(f"{name}: signed successfully but no acceptance with a signature")
            elif order_id in signed and not accs:
                lost += 1
                problems.append(f"{name}: a signature without an acceptance")
            if accs and order["auto_invoice_state"] == "pending" and order["state"] == "sale":
                problems.append(f"{name}: confirmed but its invoice still pending")
            outcome[order["auto_invoice_state"] or ("signed" if order_id in signed else "unsigned")] += 1
        self.report(
            f"check: {len(orders)} orders: {dict(outcome)}; {duplicates} duplicate invoices, {lost} lost signatures"
            + (f"; jobs {jobs}" if jobs else "")
        )
        for problem in problems[:20]:
            self.report(f"check: {problem}")
        # Every order's page, as its customer: nothing internal, nothing of another customer
        for order_id in ids:
            answer = self.send(
                "GET",
                f"{self.urls[order_id % 2]}/my/orders/{order_id}",
                params={"access_token": self.orders[order_id]["token"]},
            )
            self.check_leaks(answer, order_id, f"page of {self.orders[order_id]['name']}")
        return duplicates, lost


class Faults:
    """Phase (c): faults injected one at a time, each on a fresh quotation signed on the portal; the order's outcome
    is read once its jobs ended, then the cause is removed and the invoice retried (Retry Invoice, as the admin)."""

    def __init__(self, stress):
        self.stress = stress
        self.rpc = stress.rpc

    def run(self):
        modes = [False, True] if self.stress.has_background else [False]
        for background in modes:
            self.stress.set_background(background)
            mode = "background" if background else "sync"
            self.stress.traffic.phase = f"faults {mode}"
            for name, inject in (
                ("no sales journal", self.no_sales_journal),
                ("missing income account", self.missing_income_account),
                ("lock date", self.lock_date),
                ("no sending method under Post and Send", self.no_sending_method),
                ("exception in another module's override", self.override_raises),
                ("worker killed mid-" + ("job" if background else "request"), self.worker_killed),
            ):
                try:
                    line = inject()
                except OdooError as error:  # the injection itself failed: said, and the order is still checked
                    line = f"could not inject: {error}"
                self.stress.report(f"faults {mode}: {name}: {line}")
        self.stress.traffic.phase = "faults pg"
        self.stress.set_background(False)
        self.stress.report(f"faults: PostgreSQL connections exhausted: {self.connections_exhausted()}")

    # === Helpers === #

    def sign(self, order_id, server=0):
        """Sign on the portal as the customer; returns the answer's summary and the outcome once the jobs ended."""
        stress = self.stress
        answer = stress.accept(server, stress.sign_url(order_id, server=server))
        stress.check_leaks(answer, order_id, f"fault signature of {stress.orders[order_id]['name']}")
        if answer.success:
            stress.successes[order_id] += 1
        stress.wait_jobs()
        return answer

    def state(self, order_id):
        order = self.rpc("sale.order", "read", [order_id], fields=["auto_invoice_state", "auto_invoice_error"])[0]
        signed = self.rpc("sale.order", "search_count", [("id", "=", order_id), ("signature", "!=", False)])
        if order["auto_invoice_error"]:
            self.stress.internal_texts.add(order["auto_invoice_error"][:60])
        error = f" ({order['auto_invoice_error'][:70]})" if order["auto_invoice_state"] == "failed" else ""
        return f"{order['auto_invoice_state'] or 'no acceptance'}{', signature kept' if signed else ''}{error}"

    def retry(self, order_id):
        if (
            self.rpc("sale.order", "read", [order_id], fields=["auto_invoice_state"])[0]["auto_invoice_state"]
            == "failed"
        ):
            self.rpc("sale.order", "action_auto_invoice_retry", [order_id])
            self.stress.wait_jobs()
        return self.state(order_id)

    def faulty(self, inject, undo, **values):
        """Sign a fresh quotation with the fault in place, then undo it and retry: the line to report."""
        (order_id,) = self.stress.create_orders(1, self.stress.traffic.phase, **values)
        inject(order_id)
        try:
            answer = self.sign(order_id)
            during = self.state(order_id)
        finally:
            undo(order_id)
        return f"{answer.summary()}; {during}; after the fix and Retry: {self.retry(order_id)}"

    # === The faults === #

    def no_sales_journal(self):
        """The sales journals are archived; Odoo refuses that while they hold drafts: those are posted first."""
        drafts = self.rpc("account.move", "search", [("state", "=", "draft"), ("move_type", "like", "out_")])
        if drafts:
            self.rpc("account.move", "action_post", drafts)
        journals = self.rpc("account.journal", "search", [("type", "=", "sale")])
        return self.faulty(
            lambda _order: self.rpc("account.journal", "write", journals, {"active": False}),
            lambda _order: self.rpc("account.journal", "write", journals, {"active": True}),
        )

    def missing_income_account(self):
        """The product's income account is archived: the invoice line has none to use, the policy posts it."""
        data = self.stress.data
        income = self.rpc("account.account", "search", [("account_type", "=", "income")], limit=1)
        code = f"4{random.randint(10000, 99999)}"
        account = self.rpc("account.account", "copy", income[0], {"code": code, "name": "Stress income"})
        account = account[0] if isinstance(account, list) else account
        product = self.rpc(
            "product.product",
            "create",
            {
                "name": "Stress product",
                "type": "service",
                "invoice_policy": "order",
                "list_price": 10.0,
                "property_account_income_id": account,
            },
        )
        line = [(0, 0, {"product_id": product, "product_uom_qty": 1}), (0, 0, {"product_id": data.service_id})]
        return self.faulty(
            lambda _order: self.rpc("account.account", "write", [account], {"active": False}),
            lambda _order: self.rpc("account.account", "write", [account], {"active": True}),
            order_line=line,
            auto_invoice_after="post",
        )

    def lock_date(self):
        today = time.strftime("%Y-%m-%d")
        company = [self.stress.company_id]
        return self.faulty(
            lambda _order: self.rpc("res.company", "write", company, {"sale_lock_date": today}),
            lambda _order: self.rpc("res.company", "write", company, {"sale_lock_date": False}),
            auto_invoice_after="post",
        )

    def no_sending_method(self):
        """Post and Send, to a billing contact whose email was removed after the quotation was made (the order's own
        write refuses a contact without one)."""
        partner = self.rpc(
            "res.partner",
            "create",
            {"name": "Stress Billing Ltd", "email": "billing@stress.example", "is_company": True},
        )
        return self.faulty(
            lambda _order: self.rpc("res.partner", "write", [partner], {"email": False}),
            lambda _order: self.rpc("res.partner", "write", [partner], {"email": "billing@stress.example"}),
            partner_invoice_id=partner,
            auto_invoice_after="send",
        )

    def override_raises(self):
        def inject(order_id):
            self.stress.set_param("auto_invoice_stress.raise_for", self.stress.orders[order_id]["name"])

        return self.faulty(inject, lambda _order: self.stress.set_param("auto_invoice_stress.raise_for", ""))

    def worker_killed(self):
        """The process that creates the invoice is SIGKILLed while it does: the HTTP worker of the signing request
        (sync), the worker running the job (background). Then the order is signed again when the signature was lost
        with the request, and checked."""
        stress = self.stress
        (order_id,) = stress.create_orders(1, stress.traffic.phase)
        name = stress.orders[order_id]["name"]
        url = stress.sign_url(order_id)
        logs = [stress.args.log_a, stress.args.log_b]
        offsets = [os.path.getsize(log) for log in logs]
        stress.set_param("auto_invoice_stress.sleep_for", f"{name}:60")
        answers = []
        with stress.traffic.exempting():
            thread = threading.Thread(target=lambda: answers.append(stress.accept(0, url)))
            thread.start()
            pid = self.sleeping_pid(logs, offsets, name)
            stress.set_param("auto_invoice_stress.sleep_for", "")
            if pid:
                os.kill(pid, signal.SIGKILL)
            thread.join()
        answer = answers[0]
        if answer.success:
            stress.successes[order_id] += 1
        stress.wait_jobs()
        during = self.state(order_id)
        again = ""
        if during.startswith("no acceptance"):  # the request died with its transaction: the customer signs again
            again = f"; signed again: {self.sign(order_id).summary()}, {self.state(order_id)}"
        killed = f"killed pid {pid}" if pid else "no process to kill (the fault never slept)"
        return f"{killed}; the signing request: {answer.summary()}; then {during}{again}"

    def sleeping_pid(self, logs, offsets, name, timeout=120):
        pattern = re.compile(rf"auto_invoice_stress: sleeping \S+ s in pid (\d+) for {re.escape(name)}\b")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for log, offset in zip(logs, offsets, strict=True):
                with open(log, encoding="utf-8", errors="replace") as file:
                    file.seek(offset)
                    if found := pattern.search(file.read()):
                        return int(found.group(1))
            time.sleep(0.5)
        return None

    def connections_exhausted(self):
        """PostgreSQL refuses any new connection to the database: its CONNECTION LIMIT is set to the connections open
        now (this run's own database, which its owner may limit: nobody else's, nothing server-wide). Both servers
        get a flood of signatures and page views meanwhile: a process with a pooled connection serves, one that needs
        a new connection cannot. Then the limit is lifted: both must answer again, and the signatures refused
        meanwhile are made again. Odoo's prefork master opens a connection to spawn any process and stops the whole
        server when that fails (odoo/service/server.py, process_spawn): said when it happens."""
        stress, args = self.stress, self.stress.args
        ids = stress.create_orders(6, "faults pg")
        # The signatures to A, the page views to B: a signature renders PDFs whose assets wkhtmltopdf fetches from B
        # (web.base.url), and two of them on B's two workers would wait for each other until --limit-time-real.
        urls = {order_id: stress.sign_url(order_id) for order_id in ids}
        stress.wait_jobs()
        admin = psycopg2.connect(dbname="postgres", host=args.pg_host, port=args.pg_port, user=args.pg_user)
        admin.autocommit = True
        answers = {}
        try:
            with admin.cursor() as cr, stress.traffic.exempting():
                cr.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (args.db,))
                (limit,) = cr.fetchone()
                cr.execute(f'ALTER DATABASE "{args.db}" CONNECTION LIMIT {int(limit)}')
                threads = []
                for order_id in ids:
                    threads.append(
                        threading.Thread(target=lambda o=order_id: answers.__setitem__(o, stress.accept(0, urls[o])))
                    )
                    threads.append(
                        threading.Thread(
                            target=lambda o=order_id: answers.__setitem__(
                                -o,
                                stress.send(
                                    "GET",
                                    f"{stress.urls[1]}/my/orders/{o}",
                                    params={"access_token": stress.orders[o]["token"]},
                                ),
                            )
                        )
                    )
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
        finally:
            with admin.cursor() as cr:
                cr.execute(f'ALTER DATABASE "{args.db}" CONNECTION LIMIT -1')
            admin.close()
        outcomes = Counter(answer.summary()[:60] for answer in answers.values())
        for key, answer in answers.items():
            stress.check_leaks(answer, abs(key), "answer while PostgreSQL had no connection left")
            if key > 0 and answer.success:
                stress.successes[key] += 1
        with stress.traffic.exempting():
            stopped, recovered = self.wait_recovered()
        resigned = Counter()
        for order_id in ids:
            if not stress.rpc("sale.order", "search_count", [("id", "=", order_id), ("signature", "!=", False)]):
                resigned[self.sign(order_id, server=1).summary()] += 1
        stress.wait_jobs()
        return (
            f"limit {limit} connections (all open); answers"
            f" meanwhile {dict(outcomes)}; {stopped}{recovered}; signed again {dict(resigned)}; orders"
            f" {dict(stress.outcome(ids))}"
        )

    def stopped_servers(self):
        """Which server's master process stopped meanwhile (a zombie, or gone); the rest of the run uses the other.

        Odoo's prefork master opens a connection to the database before it spawns a process, and stops the whole
        server when that fails (odoo/service/server.py: process_spawn, check_registries): a worker recycled, or the
        gevent process respawned, while PostgreSQL refuses connections stops the server."""
        stress, stopped = self.stress, []
        for index, pid in enumerate((stress.args.pid_a, stress.args.pid_b)):
            try:
                with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
                    alive = stat.read().rsplit(")", 1)[1].split()[0] != "Z"
            except OSError:
                alive = False
            if not alive:
                stopped.append("AB"[index])
        if not stopped:
            return ""
        if len(stopped) == 2:
            raise OdooError("both servers stopped while PostgreSQL refused connections")
        live = stress.urls[1] if stopped == ["A"] else stress.urls[0]
        stress.urls = [live, live]
        stress.admin.url = live
        stress.server_stopped = stopped[0]
        stress.rpc("ir.config_parameter", "set_param", "web.base.url", live)
        return f"server {stopped[0]} STOPPED (its prefork master could not connect to spawn a process); "

    def wait_recovered(self, timeout=120):
        """Wait until the servers answer again; a server whose master stopped meanwhile is left out (said)."""
        started, stopped = time.monotonic(), ""
        while time.monotonic() - started < timeout:
            stopped = stopped or self.stopped_servers()
            answers = [self.stress.send("GET", f"{url}/web/login") for url in set(self.stress.urls)]
            if all(answer.status == 200 for answer in answers):
                return stopped, f"the servers answer again after {time.monotonic() - started:.0f} s"
            time.sleep(2)
        raise OdooError(f"the servers did not answer again within {timeout} s")


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
    parser.add_argument("--phases", default="concurrency,hostile,faults", help="comma-separated phases to run")
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
        if "faults" in phases:
            Faults(stress).run()
        duplicates, lost = stress.check_orders()
    except (OdooError, requests.RequestException, RuntimeError) as error:
        stress.report(f"stress FAILED: {type(error).__name__}: {error}")
        failed = True  # the run did not check everything: a failure whatever the counters say
    traffic = stress.traffic
    for phase, failure in traffic.failures[:15]:
        stress.report(f"http_5xx: {phase}: {failure}")
    for change in stress.bad_state_changes[:15]:
        stress.report(f"bad_input_state_change: {change}")
    for leak in stress.leaks[:15]:
        stress.report(f"leak: {leak}")
    if stress.server_stopped:
        stress.report(
            f"stress: server {stress.server_stopped} stopped while PostgreSQL refused connections (see faults)"
        )
    emails = len(list(os.scandir(args.mail))) if os.path.isdir(args.mail) else 0
    stress.report(f"stress: {emails} emails reached the SMTP sink; {time.monotonic() - started:.0f} s")
    counters = {
        "requests": traffic.requests,
        "http_5xx": traffic.http_5xx,
        "bad_input_state_changes": len(stress.bad_state_changes),
        "duplicate_invoices": duplicates,
        "lost_signatures": lost,
        "leaks": len(stress.leaks),
    }
    print("stress: " + " ".join(f"{key}={value}" for key, value in counters.items()), flush=True)
    sys.exit(1 if failed or any(value for key, value in counters.items() if key != "requests") else 0)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(124))
    main()
