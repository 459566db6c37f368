"""Phase (c) of the stress run (scripts/stress.py): faults injected one at a time."""

import os
import random
import re
import signal
import threading
import time
from collections import Counter

import psycopg2

from odoo_client import OdooError


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
            stopped, recovered = stress.wait_recovered()
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
