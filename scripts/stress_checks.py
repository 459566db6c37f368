"""What the stress run (scripts/stress.py) checks: leaks in every answer to a customer, what a hostile request must
not change (snapshot, every signer's state included), and every order of the run at the end."""

import re
from collections import Counter, defaultdict

from seed import CUSTOMER, CUSTOMER_EMAIL

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


class Checks:
    """The checks of Stress. Expects self.orders, self.internal_texts, self.leaks, self.successes, rpc() and send()."""

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

    def snapshot(self, order_ids):
        """What a hostile request must not change on these orders (and their signers)."""
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
        signers = self.rpc(
            "sale.order.signer",
            "search_read",
            [("order_id", "in", order_ids)],
            fields=["order_id", "state", "signed_on"],
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
                tuple(
                    sorted((s["id"], s["state"], s["signed_on"]) for s in signers if s["order_id"][0] == order["id"])
                ),
            )
        return snap

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
        signers_lost, signer_problems = self.check_signers()  # several signers: each signature is a signer's row
        lost += signers_lost
        problems += signer_problems
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
